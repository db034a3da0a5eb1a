//! ABC chord symbols (`"Am7"`, `"G/B"`) as model chord symbols, with the pitches music21
//! realises for them (root position from octave 3, a differing bass below).
//!
//! Only figures that start with a note letter are read; music21 rejects most others.

use crate::music::model::{ChordSymbol, Pitch, Step};

/// What a quoted string in front of a note means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Annotation {
    /// A chord symbol (including `NC`, "no chord").
    Symbol(ChordSymbol),
    /// Text starting with `>`: music21 drops the note it is attached to.
    DropsNote,
    /// Text that is not a chord symbol; ignored.
    Ignored,
}

/// Reads the first quoted string of a note, as music21 cleans it (parentheses removed, a `b`
/// after a letter read as a flat).
pub(super) fn annotation(raw: &str) -> Annotation {
    let name: String = raw.trim().chars().filter(|c| !"()".contains(*c)).collect();
    if matches!(name.as_str(), "NC" | "N.C." | "No Chord" | "None") {
        return Annotation::Symbol(ChordSymbol {
            root: None,
            kind: Some("none".to_string()),
            bass: None,
            pitches: Vec::new(),
        });
    }
    if name.starts_with('>') {
        return Annotation::DropsNote;
    }
    parse_figure(&name).map_or(Annotation::Ignored, Annotation::Symbol)
}

fn parse_figure(figure: &str) -> Option<ChordSymbol> {
    let (main, bass) = match figure.split_once('/') {
        Some((main, bass)) => (main, Some(bass)),
        None => (figure, None),
    };
    let (root, rest) = note_name(main)?;
    let bass = match bass {
        Some(text) => Some(note_name(text)?.0),
        None => None,
    };
    let kind = kind_of(rest)?;
    Some(ChordSymbol {
        root: Some(root.name()),
        kind: Some(kind.to_string()),
        bass: bass.map(|b| b.name()),
        pitches: realise(root, kind, bass),
    })
}

/// music21's `ChordSymbol._updatePitches`: chord tones up from the root in octave 3; a bass
/// that is a chord tone inverts the chord, another bass is added in octave 2; then the whole
/// chord moves down by octaves while a pitch lies above D4, and up while one lies below A1.
fn realise(root: Pitch, kind: &str, bass: Option<Pitch>) -> Vec<Pitch> {
    let mut pitches: Vec<Pitch> = intervals(kind)
        .iter()
        .map(|&(steps, semitones)| root.transposed(steps, semitones))
        .collect();
    if let Some(bass) = bass.filter(|b| b.name() != root.name()) {
        let bass = Pitch::new(bass.step, bass.alter, 3);
        match pitches.iter().position(|p| p.name() == bass.name()) {
            Some(inversion) => {
                for pitch in &mut pitches[..inversion] {
                    pitch.octave += if inversion > 3 { 2 } else { 1 };
                }
                for pitch in &mut pitches {
                    if diatonic_number(pitch) < diatonic_number(&bass) {
                        pitch.octave += 1;
                    }
                }
            }
            None => pitches.push(Pitch::new(bass.step, bass.alter, 2)),
        }
    }
    for _ in 0..8 {
        if !pitches.iter().any(|p| diatonic_number(p) > 30) {
            break;
        }
        pitches.iter_mut().for_each(|p| p.octave -= 1);
    }
    for _ in 0..8 {
        if !pitches.iter().any(|p| diatonic_number(p) < 13) {
            break;
        }
        pitches.iter_mut().for_each(|p| p.octave += 1);
    }
    pitches.sort_by_key(|p| (diatonic_number(p), p.midi()));
    pitches
}

/// music21's `diatonicNoteNum`: C4 is 29, D4 30.
fn diatonic_number(pitch: &Pitch) -> i32 {
    pitch.octave * 7 + pitch.step.index() + 1
}

/// A note letter with `#`, `b` or `-` accidentals, in octave 3, and the text after it.
fn note_name(text: &str) -> Option<(Pitch, &str)> {
    let mut chars = text.char_indices();
    let (_, letter) = chars.next()?;
    let step = Step::from_letter(letter)?;
    let mut alter: i8 = 0;
    let mut end = letter.len_utf8();
    for (i, c) in chars {
        match c {
            '#' => alter = alter.saturating_add(1),
            'b' | '-' => alter = alter.saturating_sub(1),
            _ => {
                end = i;
                break;
            }
        }
        end = i + c.len_utf8();
    }
    Some((Pitch::new(step, alter.clamp(-3, 3), 3), &text[end..]))
}

/// The MusicXML kind of a figure's suffix (`m7` is `minor-seventh`).
fn kind_of(suffix: &str) -> Option<&'static str> {
    Some(match suffix {
        "" | "maj" | "M" => "major",
        "m" | "min" | "-" => "minor",
        "7" | "dom7" => "dominant-seventh",
        "maj7" | "M7" => "major-seventh",
        "m7" | "min7" | "-7" => "minor-seventh",
        "dim" | "o" => "diminished",
        "dim7" | "o7" => "diminished-seventh",
        "m7b5" | "m7-5" | "ø" | "ø7" => "half-diminished",
        "aug" | "+" => "augmented",
        "6" => "major-sixth",
        "m6" => "minor-sixth",
        "9" => "dominant-ninth",
        "m9" => "minor-ninth",
        "maj9" => "major-ninth",
        "sus4" | "sus" => "suspended-fourth",
        "sus2" => "suspended-second",
        "5" => "power",
        _ => return None,
    })
}

fn intervals(kind: &str) -> &'static [(i32, i32)] {
    match kind {
        "minor" => &[(0, 0), (2, 3), (4, 7)],
        "dominant-seventh" => &[(0, 0), (2, 4), (4, 7), (6, 10)],
        "major-seventh" => &[(0, 0), (2, 4), (4, 7), (6, 11)],
        "minor-seventh" => &[(0, 0), (2, 3), (4, 7), (6, 10)],
        "diminished" => &[(0, 0), (2, 3), (4, 6)],
        "diminished-seventh" => &[(0, 0), (2, 3), (4, 6), (6, 9)],
        "half-diminished" => &[(0, 0), (2, 3), (4, 6), (6, 10)],
        "augmented" => &[(0, 0), (2, 4), (4, 8)],
        "major-sixth" => &[(0, 0), (2, 4), (4, 7), (5, 9)],
        "minor-sixth" => &[(0, 0), (2, 3), (4, 7), (5, 9)],
        "dominant-ninth" => &[(0, 0), (2, 4), (4, 7), (6, 10), (8, 14)],
        "minor-ninth" => &[(0, 0), (2, 3), (4, 7), (6, 10), (8, 14)],
        "major-ninth" => &[(0, 0), (2, 4), (4, 7), (6, 11), (8, 14)],
        "suspended-fourth" => &[(0, 0), (3, 5), (4, 7)],
        "suspended-second" => &[(0, 0), (1, 2), (4, 7)],
        "power" => &[(0, 0), (4, 7)],
        _ => &[(0, 0), (2, 4), (4, 7)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(raw: &str) -> Vec<String> {
        match annotation(raw) {
            Annotation::Symbol(symbol) => {
                symbol.pitches.iter().map(Pitch::name_with_octave).collect()
            }
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn chord_symbols_realise_root_position_pitches_with_the_bass_below() {
        assert_eq!(names("A"), ["A2", "C#3", "E3"]);
        assert_eq!(names("A7"), ["A2", "C#3", "E3", "G3"]);
        assert_eq!(names("D"), ["D3", "F#3", "A3"]);
        assert_eq!(names("G"), ["G3", "B3", "D4"]);
        assert_eq!(names("Bb7"), ["B-2", "D3", "F3", "A-3"]);
        assert_eq!(names("G7/b"), ["B2", "D3", "F3", "G3"]);
        assert_eq!(names("Am/g"), ["G2", "A3", "C4", "E4"]);
    }

    #[test]
    fn other_annotations_are_ignored_or_drop_their_note() {
        assert_eq!(annotation("^Fine"), Annotation::Ignored);
        assert_eq!(annotation(">x"), Annotation::DropsNote);
        assert!(matches!(annotation("N.C."), Annotation::Symbol(_)));
    }
}
