//! One `**kern` token into a model object, as music21's `hdStringToNote`, `hdStringToMeasure`
//! and `kernTandemToObject` read it: notes, rests and chords with their kern durations
//! (`4.` is a dotted quarter, `12` a triplet eighth, `3%2` a rational length, `q` a grace
//! note), barlines with their numbers, and interpretations for meter, key, tempo, clef and
//! instrument.

use super::instruments::instrument;
use crate::music::model::{
    ChordTone, Clef, EventKind, KeySignature, MetronomeMark, Mode, Pitch, Ql, Rest, Step, Tie,
    TimeSignature,
};

/// What one `**kern` token becomes.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum KernItem {
    /// A note, rest or chord.
    Event(KernEvent),
    /// A barline: the measure that starts here, with its number and suffix.
    Barline {
        /// The digits of the barline (0 when it has none, as in music21).
        number: i32,
        /// A letter after the number (`12a`).
        suffix: Option<String>,
    },
    /// `*M3/4`.
    Meter(TimeSignature),
    /// `*k[f#]` or `*G:`.
    Key(KeySignature),
    /// `*MM120`.
    Tempo(MetronomeMark),
    /// `*clefG2`.
    Clef(Clef),
    /// `*Ivioln`: the instrument's name and abbreviation.
    Instrument(&'static str, &'static str),
    /// Any other interpretation, kept by music21 as a `MiscTandem` (`*staff1`, `*>A`).
    Misc,
}

/// A note, rest or chord read from kern.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct KernEvent {
    /// What sounds.
    pub kind: EventKind,
    /// The length (zero for grace notes).
    pub duration: Ql,
    /// The tie (for a chord, its first note's).
    pub tie: Option<Tie>,
    /// A grace note (`q`, `Q` or `P`).
    pub grace: bool,
    /// A fermata (`;`).
    pub fermata: bool,
}

/// Reads a data or interpretation token; `None` for tokens music21 ignores or cannot read
/// (it skips those with a warning).
pub(super) fn read_token(token: &str) -> Option<KernItem> {
    if token == "." {
        return None;
    }
    if token.starts_with('*') {
        return tandem(token);
    }
    if token.starts_with('=') {
        return Some(barline(token));
    }
    if token.starts_with('!') {
        return None;
    }
    if token.contains(' ') {
        return chord(token).map(KernItem::Event);
    }
    note(token).map(KernItem::Event)
}

fn barline(token: &str) -> KernItem {
    let digits_at = token.find(|c: char| c.is_ascii_digit());
    let Some(start) = digits_at else {
        return KernItem::Barline {
            number: 0,
            suffix: None,
        };
    };
    let rest = &token[start..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = rest[digits.len()..].chars().next();
    KernItem::Barline {
        number: digits.parse().unwrap_or(0),
        suffix: after
            .filter(char::is_ascii_lowercase)
            .map(|c| c.to_string()),
    }
}

fn tandem(token: &str) -> Option<KernItem> {
    if matches!(token, "*+" | "*-" | "*^" | "*v" | "*x" | "*") {
        return None;
    }
    if let Some(clef_type) = token.strip_prefix("*clef") {
        return clef(clef_type).map(KernItem::Clef);
    }
    if let Some(text) = token.strip_prefix("*MM") {
        return Some(KernItem::Tempo(tempo(text)));
    }
    if let Some(meter_text) = token.strip_prefix("*M") {
        return meter(meter_text).map(KernItem::Meter);
    }
    if let Some(class) = token.strip_prefix("*IC") {
        return Some(match class {
            "vox" => KernItem::Instrument("Voice", "V"),
            "str" => KernItem::Instrument("StringInstrument", "Str"),
            "ww" => KernItem::Instrument("Woodwind", "Ww"),
            "bras" => KernItem::Instrument("Brass", "Brs"),
            "klav" => KernItem::Instrument("Keyboard", "Kb"),
            "perc" => KernItem::Instrument("Percussion", "Perc"),
            _ => KernItem::Misc,
        });
    }
    if token.starts_with("*IG") || token.starts_with("*ITr") {
        return Some(KernItem::Misc);
    }
    if let Some(code) = token.strip_prefix("*I") {
        return Some(
            instrument(code).map_or(KernItem::Misc, |(name, abbreviation)| {
                KernItem::Instrument(name, abbreviation)
            }),
        );
    }
    if token.starts_with("*k") {
        let sharps = token.matches('#').count() as i32;
        let fifths = if sharps == 0 {
            -(token.matches('-').count() as i32)
        } else {
            sharps
        };
        return Some(KernItem::Key(KeySignature { fifths, mode: None }));
    }
    if let Some(name) = token.strip_suffix(':') {
        return key(&name[1..]).map(KernItem::Key);
    }
    Some(KernItem::Misc)
}

/// `*G:` is G major, `*g:` G minor, `*e-:` E-flat minor.
fn key(name: &str) -> Option<KeySignature> {
    let mut chars = name.chars();
    let letter = chars.next()?;
    let step = Step::from_letter(letter)?;
    let mut alter = 0;
    for c in chars {
        match c {
            '#' => alter += 1,
            '-' => alter -= 1,
            _ => return None,
        }
    }
    let fifths = step_fifths(step) + 7 * alter;
    if letter.is_uppercase() {
        Some(KeySignature {
            fifths,
            mode: Some(Mode::Major),
        })
    } else {
        Some(KeySignature {
            fifths: fifths - 3,
            mode: Some(Mode::Minor),
        })
    }
}

/// A natural letter's place on the circle of fifths (C = 0, G = 1, F = -1).
fn step_fifths(step: Step) -> i32 {
    match step {
        Step::F => -1,
        Step::C => 0,
        Step::G => 1,
        Step::D => 2,
        Step::A => 3,
        Step::E => 4,
        Step::B => 5,
    }
}

fn meter(text: &str) -> Option<TimeSignature> {
    let slash = text.find('/')?;
    let numerator: String = text[..slash].chars().collect();
    if numerator.is_empty() || !numerator.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let denominator: String = text[slash + 1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let numerator: u32 = numerator.parse().ok()?;
    let (numerator, denominator) = match denominator.as_str() {
        "" => return None,
        "0" => (numerator.checked_mul(2)?, 1),
        "00" => (numerator.checked_mul(4)?, 1),
        "000" => (numerator.checked_mul(8)?, 1),
        d => (numerator, d.parse().ok()?),
    };
    (numerator > 0 && denominator > 0).then(|| TimeSignature::simple(numerator, denominator))
}

fn tempo(text: &str) -> MetronomeMark {
    match text.trim().parse::<f64>() {
        Ok(number) if number.is_finite() => MetronomeMark {
            number: Some(number),
            number_sounding: None,
            referent: Ql::ONE,
            text: None,
        },
        _ => MetronomeMark {
            number: None,
            number_sounding: None,
            referent: Ql::ONE,
            text: Some(
                text.trim_start_matches('[')
                    .trim_end()
                    .trim_end_matches(']')
                    .to_string(),
            ),
        },
    }
}

fn clef(kind: &str) -> Option<Clef> {
    let make = |sign: &str, line: Option<i32>, octave_change: i32| Clef {
        sign: sign.to_string(),
        line,
        octave_change,
    };
    Some(match kind {
        "-" => make("none", None, 0),
        "X" => make("percussion", None, 0),
        "Gv2" | "Gv" => make("G", Some(2), -1),
        "G^2" | "G^" => make("G", Some(2), 1),
        "Fv4" | "Fv" => make("F", Some(4), -1),
        _ => {
            let mut chars = kind.chars();
            let sign = chars.next().filter(|c| "GFC".contains(*c))?;
            let line: i32 = chars
                .as_str()
                .parse()
                .ok()
                .filter(|l| (1..=5).contains(l))?;
            make(&sign.to_string(), Some(line), 0)
        }
    })
}

/// A note or rest token.
fn note(token: &str) -> Option<KernEvent> {
    let kind = if token.contains('r') {
        EventKind::Rest(Rest::default())
    } else {
        EventKind::Note(pitch(token)?)
    };
    let grace = token.contains(['q', 'Q', 'P']);
    let duration = if grace { Ql::ZERO } else { duration(token)? };
    Some(KernEvent {
        kind,
        duration,
        tie: tie(token),
        grace,
        fermata: token.contains(';'),
    })
}

/// A chord: its notes (rests dropped) and the first note's length; `None` without notes.
fn chord(token: &str) -> Option<KernEvent> {
    // One unreadable note loses the whole chord in music21; rests inside are dropped.
    let parsed: Option<Vec<KernEvent>> = token.split_whitespace().map(note).collect();
    let notes: Vec<KernEvent> = parsed?
        .into_iter()
        .filter(|n| matches!(n.kind, EventKind::Note(_)))
        .collect();
    let first = notes.first()?;
    let tones: Vec<ChordTone> = notes
        .iter()
        .filter_map(|n| match n.kind {
            EventKind::Note(pitch) => Some(ChordTone {
                pitch,
                tie: n.tie,
                unpitched: false,
            }),
            _ => None,
        })
        .collect();
    Some(KernEvent {
        tie: tones.iter().find_map(|t| t.tie),
        duration: first.duration,
        grace: first.grace,
        fermata: notes.iter().any(|n| n.fermata),
        kind: EventKind::Chord(tones),
    })
}

/// The first run of letters names the pitch: `c` is C4, `cc` C5, `C` C3, `CC` C2.
fn pitch(token: &str) -> Option<Pitch> {
    let start = token.find(|c: char| "abcdefgABCDEFG".contains(c))?;
    let run: String = token[start..]
        .chars()
        .take_while(|c| "abcdefgABCDEFG".contains(*c))
        .collect();
    let first = run.chars().next()?;
    let length = run.chars().count() as i32;
    let octave = if first.is_lowercase() {
        3 + length
    } else {
        4 - length
    };
    let step = Step::from_letter(first)?;
    let run_of = |c: char| -> i32 {
        token.find(c).map_or(0, |at| {
            token[at..].chars().take_while(|&x| x == c).count() as i32
        })
    };
    let alter = match (run_of('#'), run_of('-')) {
        (sharps, _) if sharps > 0 => sharps,
        (_, flats) => -flats,
    };
    Some(Pitch::new(step, alter.clamp(-4, 4) as i8, octave))
}

fn tie(token: &str) -> Option<Tie> {
    if token.contains('[') {
        Some(Tie::Start)
    } else if token.contains(']') {
        Some(Tie::Stop)
    } else if token.contains('_') {
        Some(Tie::Continue)
    } else {
        None
    }
}

/// A kern length: `4` a quarter, `0` a breve, `00` a longa, `12` a third of a half, `3%2`
/// 8/3, each dot adding half of the previous value. Without digits, a quarter.
fn duration(token: &str) -> Option<Ql> {
    let dots = token.matches('.').count() as u32;
    let dotted = |base: Ql| -> Ql {
        let dots = dots.min(8);
        base * Ql::new((1 << (dots + 1)) - 1, 1 << dots)
    };
    if let Some((first, second)) = rational(token) {
        if first == 0 {
            return None;
        }
        return Some(dotted(Ql::new(4 * second, first)));
    }
    let Some(start) = token.find(|c: char| c.is_ascii_digit()) else {
        return Some(Ql::ONE);
    };
    let digits: String = token[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let value: i64 = digits.parse().ok()?;
    if value == 0 {
        let base = match digits.as_str() {
            "000" => 32,
            "00" => 16,
            _ => 8,
        };
        return Some(dotted(Ql::from_int(base)));
    }
    // music21 has note types down to the 2048th; shorter tuplet values fail to read.
    if value > 4095 {
        return None;
    }
    Some(dotted(Ql::new(4, value)))
}

/// `a%b` in a token: the first digits, a percent sign and more digits.
fn rational(token: &str) -> Option<(i64, i64)> {
    let bytes = token.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'%' || i == 0 || !bytes[i - 1].is_ascii_digit() {
            continue;
        }
        let before = token[..i]
            .rfind(|c: char| !c.is_ascii_digit())
            .map_or(0, |p| p + 1);
        let after: String = token[i + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if after.is_empty() {
            continue;
        }
        return Some((token[before..i].parse().ok()?, after.parse().ok()?));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(token: &str) -> KernEvent {
        match read_token(token) {
            Some(KernItem::Event(event)) => event,
            other => panic!("{token}: {other:?}"),
        }
    }

    fn name(token: &str) -> String {
        match event(token).kind {
            EventKind::Note(pitch) => pitch.name_with_octave(),
            EventKind::Rest(_) => "rest".to_string(),
            EventKind::Chord(tones) => tones
                .iter()
                .map(|t| t.pitch.name_with_octave())
                .collect::<Vec<_>>()
                .join(" "),
            EventKind::Unpitched(_) => "unpitched".to_string(),
        }
    }

    #[test]
    fn pitches_take_octaves_from_repeated_letters_and_accidentals() {
        assert_eq!(name("4c"), "C4");
        assert_eq!(name("4cc#"), "C#5");
        assert_eq!(name("8BB-/L"), "B-2");
        assert_eq!(name("2.F##"), "F##3");
        assert_eq!(name("4bn\\"), "B4");
        assert_eq!(name("4r"), "rest");
        assert_eq!(name("2.A-/ 2.f/"), "A-3 F4");
    }

    #[test]
    fn durations_read_dots_tuplets_breves_and_rationals() {
        let length = |token: &str| event(token).duration.to_string();
        assert_eq!(length("4c"), "1");
        assert_eq!(length("4.c"), "3/2");
        assert_eq!(length("12c"), "1/3");
        assert_eq!(length("6..c"), "7/6");
        assert_eq!(length("0r"), "8");
        assert_eq!(length("00.c"), "24");
        assert_eq!(length("3%2c"), "8/3");
        assert_eq!(length("c"), "1");
        assert_eq!(length("8ccq/LL"), "0");
    }

    #[test]
    fn ties_grace_notes_and_chords_follow_music21() {
        assert_eq!(event("[2.c/").tie, Some(Tie::Start));
        assert_eq!(event("4f/]").tie, Some(Tie::Stop));
        assert_eq!(event("2.d-\\_").tie, Some(Tie::Continue));
        assert!(event("aq/LL").grace);
        let chord = event("4G/] 4e/");
        assert_eq!(chord.tie, Some(Tie::Stop));
        assert_eq!(read_token("4r 4r"), None);
    }

    #[test]
    fn interpretations_become_meters_keys_tempi_and_instruments() {
        assert_eq!(
            read_token("*M3/4"),
            Some(KernItem::Meter(TimeSignature::simple(3, 4)))
        );
        assert_eq!(
            read_token("*M3/0"),
            Some(KernItem::Meter(TimeSignature::simple(6, 1)))
        );
        assert_eq!(
            read_token("*k[b-e-]"),
            Some(KernItem::Key(KeySignature {
                fifths: -2,
                mode: None
            }))
        );
        assert_eq!(
            read_token("*g:"),
            Some(KernItem::Key(KeySignature {
                fifths: -2,
                mode: Some(Mode::Minor)
            }))
        );
        assert_eq!(read_token("*G:mix"), Some(KernItem::Misc));
        assert_eq!(
            read_token("*Ivioln"),
            Some(KernItem::Instrument("Violin", "Vln"))
        );
        assert!(
            matches!(read_token("*MM320"), Some(KernItem::Tempo(t)) if t.number == Some(320.0))
        );
        assert_eq!(read_token("*^"), None);
        assert_eq!(
            read_token("=12a"),
            Some(KernItem::Barline {
                number: 12,
                suffix: Some("a".to_string())
            })
        );
    }
}
