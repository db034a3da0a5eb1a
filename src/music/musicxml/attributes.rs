//! Reading marks: `<time>`, `<key>`, `<clef>`, `<transpose>`, `<metronome>`, `<sound tempo>`
//! and `<harmony>` chord symbols, each into its model type.

use super::dom::{Dom, NodeId};
use crate::music::model::{
    ChordSymbol, Clef, KeySignature, MetronomeMark, Mode, Pitch, Ql, Step, TimeGroup,
    TimeSignature, Transposition,
};

/// The staff a `<time>`, `<key>`, `<clef>` or `<staff-details>` applies to (`number`), 0 for all.
pub(super) fn staff_number_attribute(dom: &Dom<'_>, node: NodeId) -> u32 {
    dom.attr(node, "number")
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// The `<staff>` child of a note, forward, direction or harmony; 0 when absent.
pub(super) fn staff_child(dom: &Dom<'_>, node: NodeId) -> u32 {
    dom.child_text(node, "staff")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// A `<time>`; `None` for senza misura or unreadable numbers.
pub(super) fn read_time(dom: &Dom<'_>, time: NodeId) -> Option<TimeSignature> {
    if dom.child(time, "senza-misura").is_some() {
        return None;
    }
    let mut beats: Vec<Vec<u32>> = Vec::new();
    let mut beat_types: Vec<u32> = Vec::new();
    for child in dom.children(time) {
        match dom.name(child) {
            "beats" => beats.push(parse_additive(dom.text(child)?)?),
            "beat-type" => beat_types.push(dom.text(child)?.parse().ok().filter(|&t| t > 0)?),
            "interchangeable" => break,
            _ => {}
        }
    }
    if beats.is_empty() || beats.len() != beat_types.len() {
        return None;
    }
    let groups: Vec<TimeGroup> = beats
        .into_iter()
        .zip(beat_types)
        .map(|(beats, beat_type)| TimeGroup { beats, beat_type })
        .collect();
    let symbol = dom.attr(time, "symbol").map(|s| s.into_owned());
    Some(TimeSignature { groups, symbol })
}

/// `3+2` into `[3, 2]`.
fn parse_additive(text: &str) -> Option<Vec<u32>> {
    text.split('+')
        .map(|part| part.trim().parse().ok().filter(|&b: &u32| b < 10_000))
        .collect()
}

/// A traditional `<key>` (`<fifths>`, optional `<mode>`); non-traditional keys give `None`.
pub(super) fn read_key(dom: &Dom<'_>, key: NodeId) -> Option<KeySignature> {
    let fifths: i32 = dom.child_text(key, "fifths")?.parse().ok()?;
    let mode = dom.child_text(key, "mode").and_then(Mode::parse);
    Some(KeySignature {
        fifths: fifths.clamp(-30, 30),
        mode,
    })
}

/// A `<clef>`.
pub(super) fn read_clef(dom: &Dom<'_>, clef: NodeId) -> Clef {
    let sign = dom.child_text(clef, "sign").unwrap_or("G").to_string();
    let line = dom.child_text(clef, "line").and_then(|l| l.parse().ok());
    let octave_change = dom
        .child_text(clef, "clef-octave-change")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    Clef {
        sign,
        line,
        octave_change,
    }
}

/// A `<transpose>`.
pub(super) fn read_transpose(dom: &Dom<'_>, transpose: NodeId) -> Transposition {
    let number = |name| {
        dom.child_text(transpose, name)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let octaves: i32 = number("octave-change");
    Transposition {
        diatonic: number("diatonic").saturating_add(octaves.saturating_mul(7)),
        chromatic: number("chromatic").saturating_add(octaves.saturating_mul(12)),
    }
}

/// What a `<metronome>` holds.
pub(super) enum TempoMark {
    /// A metronome mark.
    Metronome(MetronomeMark),
    /// Two beat units: a metric modulation, which music21 does not count as a metronome mark.
    Modulation,
}

/// A `<metronome>`: beat unit (with dots) and per-minute number.
pub(super) fn read_metronome(dom: &Dom<'_>, metronome: NodeId) -> TempoMark {
    let mut units: Vec<Ql> = Vec::new();
    let mut number = None;
    for child in dom.children(metronome) {
        match dom.name(child) {
            "beat-unit" => units.push(dom.text(child).map_or(Ql::ONE, type_to_quarter_length)),
            "beat-unit-dot" => {
                if let Some(unit) = units.last_mut() {
                    *unit = *unit * Ql::new(3, 2);
                }
            }
            "per-minute" => {
                number = number.or(dom.text(child).and_then(|n| n.parse::<f64>().ok()));
            }
            _ => {}
        }
    }
    if units.len() > 1 {
        return TempoMark::Modulation;
    }
    let referent = units.first().copied().unwrap_or(Ql::ONE);
    let number = number.filter(|n| n.is_finite());
    TempoMark::Metronome(MetronomeMark {
        number,
        number_sounding: None,
        referent,
        text: None,
    })
}

/// A `<sound tempo="...">` as a playback-only metronome mark; `None` without a usable tempo.
pub(super) fn read_sound_tempo(dom: &Dom<'_>, sound: NodeId) -> Option<MetronomeMark> {
    let tempo: f64 = dom.attr(sound, "tempo")?.trim().parse().ok()?;
    if !tempo.is_finite() || tempo == 0.0 {
        return None;
    }
    Some(MetronomeMark {
        number: None,
        number_sounding: Some(tempo),
        referent: Ql::ONE,
        text: None,
    })
}

/// The quarter length of a MusicXML note type (`quarter` is 1, `eighth` 1/2, `long` 16).
pub(super) fn type_to_quarter_length(name: &str) -> Ql {
    match name.trim() {
        "maxima" => Ql::from_int(32),
        "long" | "longa" => Ql::from_int(16),
        "breve" => Ql::from_int(8),
        "whole" => Ql::from_int(4),
        "half" => Ql::from_int(2),
        "eighth" => Ql::new(1, 2),
        "16th" => Ql::new(1, 4),
        "32nd" | "32th" => Ql::new(1, 8),
        "64th" => Ql::new(1, 16),
        "128th" => Ql::new(1, 32),
        "256th" => Ql::new(1, 64),
        "512th" => Ql::new(1, 128),
        "1024th" => Ql::new(1, 256),
        _ => Ql::ONE,
    }
}

/// A `<harmony>` chord symbol, with the pitches music21 realises for it.
pub(super) fn read_harmony(dom: &Dom<'_>, harmony: NodeId) -> ChordSymbol {
    let root = dom
        .child(harmony, "root")
        .and_then(|root| spelled(dom, root, "root-step", "root-alter"));
    let bass = dom
        .child(harmony, "bass")
        .and_then(|bass| spelled(dom, bass, "bass-step", "bass-alter"));
    let kind = dom.child_text(harmony, "kind").map(str::to_string);
    let pitches = realise(root, kind.as_deref(), bass);
    ChordSymbol {
        root: root.map(|p| p.name()),
        kind,
        bass: bass.map(|p| p.name()),
        pitches,
    }
}

/// A step and alter pair (`root-step`/`root-alter`) as a pitch in octave 3.
fn spelled(dom: &Dom<'_>, node: NodeId, step: &str, alter: &str) -> Option<Pitch> {
    let letter = dom.child_text(node, step)?.chars().next()?;
    let alter = dom
        .child_text(node, alter)
        .and_then(|a| a.parse::<f64>().ok())
        .filter(|a| a.is_finite())
        .map_or(0, |a| a.round().clamp(-3.0, 3.0) as i8);
    Some(Pitch::new(Step::from_letter(letter)?, alter, 3))
}

/// `(letter steps, semitones)` above the root for each chord kind music21 knows.
fn kind_intervals(kind: &str) -> &'static [(i32, i32)] {
    const MAJOR: &[(i32, i32)] = &[(0, 0), (2, 4), (4, 7)];
    match kind {
        "major" => MAJOR,
        "minor" => &[(0, 0), (2, 3), (4, 7)],
        "augmented" => &[(0, 0), (2, 4), (4, 8)],
        "diminished" => &[(0, 0), (2, 3), (4, 6)],
        "dominant" | "dominant-seventh" => &[(0, 0), (2, 4), (4, 7), (6, 10)],
        "major-seventh" => &[(0, 0), (2, 4), (4, 7), (6, 11)],
        "minor-seventh" => &[(0, 0), (2, 3), (4, 7), (6, 10)],
        "diminished-seventh" => &[(0, 0), (2, 3), (4, 6), (6, 9)],
        "augmented-seventh" => &[(0, 0), (2, 4), (4, 8), (6, 10)],
        "half-diminished" => &[(0, 0), (2, 3), (4, 6), (6, 10)],
        "major-minor" => &[(0, 0), (2, 3), (4, 7), (6, 11)],
        "major-sixth" => &[(0, 0), (2, 4), (4, 7), (5, 9)],
        "minor-sixth" => &[(0, 0), (2, 3), (4, 7), (5, 9)],
        "dominant-ninth" => &[(0, 0), (2, 4), (4, 7), (6, 10), (8, 14)],
        "major-ninth" => &[(0, 0), (2, 4), (4, 7), (6, 11), (8, 14)],
        "minor-ninth" => &[(0, 0), (2, 3), (4, 7), (6, 10), (8, 14)],
        "dominant-11th" => &[(0, 0), (2, 4), (4, 7), (6, 10), (8, 14), (10, 17)],
        "major-11th" => &[(0, 0), (2, 4), (4, 7), (6, 11), (8, 14), (10, 17)],
        "minor-11th" => &[(0, 0), (2, 3), (4, 7), (6, 10), (8, 14), (10, 17)],
        "dominant-13th" => &[(0, 0), (2, 4), (4, 7), (6, 10), (8, 14), (10, 17), (12, 21)],
        "major-13th" => &[(0, 0), (2, 4), (4, 7), (6, 11), (8, 14), (10, 17), (12, 21)],
        "minor-13th" => &[(0, 0), (2, 3), (4, 7), (6, 10), (8, 14), (10, 17), (12, 21)],
        "suspended-second" => &[(0, 0), (1, 2), (4, 7)],
        "suspended-fourth" => &[(0, 0), (3, 5), (4, 7)],
        "power" => &[(0, 0), (4, 7)],
        "pedal" => &[(0, 0)],
        "none" => &[],
        _ => MAJOR,
    }
}

/// The chord's pitches from its root upward, with a differing bass added below.
fn realise(root: Option<Pitch>, kind: Option<&str>, bass: Option<Pitch>) -> Vec<Pitch> {
    let Some(root) = root else { return Vec::new() };
    let intervals = kind_intervals(kind.unwrap_or("major"));
    let mut pitches: Vec<Pitch> = intervals
        .iter()
        .map(|&(steps, semitones)| root.transposed(steps, semitones))
        .collect();
    if let Some(bass) = bass
        && !pitches
            .iter()
            .any(|p| p.step == bass.step && p.alter == bass.alter)
    {
        pitches.insert(0, Pitch::new(bass.step, bass.alter, 2));
    }
    pitches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Dom<'_> {
        Dom::parse(xml, 64).unwrap()
    }

    #[test]
    fn time_signatures_read_simple_and_additive_meters() {
        let dom = parse("<time><beats>6</beats><beat-type>8</beat-type></time>");
        assert_eq!(read_time(&dom, dom.root()).unwrap().ratio(), "6/8");
        let dom = parse("<time><beats>3+2</beats><beat-type>8</beat-type></time>");
        assert_eq!(
            read_time(&dom, dom.root()).unwrap().bar_duration(),
            Ql::new(5, 2)
        );
        let dom = parse("<time><senza-misura/></time>");
        assert!(read_time(&dom, dom.root()).is_none());
    }

    #[test]
    fn keys_keep_their_mode_when_stated() {
        let dom = parse("<key><fifths>-3</fifths><mode>minor</mode></key>");
        let key = read_key(&dom, dom.root()).unwrap();
        assert_eq!((key.fifths, key.tonic().as_deref()), (-3, Some("C")));
        let dom = parse("<key><fifths>2</fifths></key>");
        assert_eq!(read_key(&dom, dom.root()).unwrap().mode, None);
    }

    #[test]
    fn metronome_marks_read_dotted_beat_units() {
        let dom = parse(
            "<metronome><beat-unit>quarter</beat-unit><beat-unit-dot/><per-minute>60</per-minute>\
                </metronome>",
        );
        let TempoMark::Metronome(mark) = read_metronome(&dom, dom.root()) else {
            panic!()
        };
        assert_eq!(mark.referent, Ql::new(3, 2));
        assert_eq!(mark.quarter_bpm(), Some(90.0));
    }

    #[test]
    fn chord_symbols_realise_their_pitches() {
        let dom =
            parse("<harmony><root><root-step>E</root-step></root><kind>major</kind></harmony>");
        let symbol = read_harmony(&dom, dom.root());
        let names: Vec<String> = symbol.pitches.iter().map(Pitch::name).collect();
        assert_eq!(names, ["E", "G#", "B"]);
    }
}
