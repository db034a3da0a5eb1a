//! Transposing a whole score, as music21's `score.transpose` does.
//!
//! By a spelled interval, every note and chord pitch moves with music21's spelling (see
//! [`Interval::transpose_pitch`]) and key signatures move their major tonic by the same
//! interval, so C major up a major second becomes D major and F# major becomes G# major (eight
//! sharps), as in music21. By a number of semitones, pitches are respelled from pitch space
//! (C, C#, D, E-, E, F, F#, G, G#, A, B-, B) and a key of more than six sharps or flats takes
//! its enharmonic twin, as music21's chromatic transposition does. Chord symbols move their
//! root, bass and pitches; unpitched notes stay where they are. [`transposition_record`] is the
//! oracle's `transposition` field.

use schemars::JsonSchema;
use serde::Serialize;

use super::histogram::weighted_pitch_class_histogram;
use super::interval::{Interval, IntervalError, spelled_from_midi};
use super::key::{KeyMethod, key_from_histogram};
use super::model::{
    ChordSymbol, EventKind, KeySignature, Measure, Part, Pitch, Score, Step,
    signature::name_on_circle_of_fifths,
};

/// The interval of the oracle's `transposition` field: up a major second.
pub const ORACLE_INTERVAL: &str = "M2";

/// How many pitches of part 0 the oracle lists.
pub const FIRST_PITCH_COUNT: usize = 8;

/// The oracle's `transposition`: the key of the score transposed up a major second, and the
/// first pitches of its top part before and after.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct TranspositionRecord {
    /// The interval, `"M2"`.
    pub interval: String,
    /// `analyze('key')` of the transposed score, or the error music21 would raise.
    pub analyze_key: TransposedKey,
    /// The first 8 pitches of part 0 of the transposed score.
    pub top_part_first_8_pitches: Vec<String>,
    /// The same pitches of the untransposed score.
    pub original_top_part_first_8_pitches: Vec<String>,
}

/// The key found in a transposed score.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum TransposedKey {
    /// The key.
    Found {
        /// The key name, such as `"G major"`.
        name: String,
        /// The tonic without octave.
        tonic: String,
        /// The tonic's pitch class.
        tonic_pitch_class: u8,
        /// `"major"` or `"minor"`.
        mode: String,
        /// music21's correlation coefficient.
        correlation: f64,
    },
    /// The score has no notes to find a key from.
    Failed {
        /// What went wrong.
        error: String,
    },
}

/// How far to move a score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shift {
    /// A spelled interval such as `M2` or `-m3`: letters move by its generic size.
    Interval(Interval),
    /// A number of semitones (music21's `transpose(3)`): pitches are respelled from pitch space.
    Semitones(i32),
}

/// The most sharps or flats a key keeps after a transposition by semitones.
const MAX_CHROMATIC_FIFTHS: i32 = 6;

impl Shift {
    /// Reads `M2`, `-m3`, `P-4` as intervals, and a whole number such as `3` or `-5` as
    /// semitones.
    pub fn parse(text: &str) -> Result<Shift, IntervalError> {
        match text.trim().parse::<i32>() {
            Ok(semitones) => Ok(Shift::Semitones(semitones)),
            Err(_) => Interval::parse(text).map(Shift::Interval),
        }
    }

    /// The shift as music21 names it: `M2`, `m-3`, or `3 semitones`.
    pub fn name(&self) -> String {
        match self {
            Shift::Interval(interval) => interval.directed_name(),
            Shift::Semitones(semitones) => format!("{semitones} semitones"),
        }
    }

    /// A pitch moved by this shift.
    pub fn pitch(&self, pitch: &Pitch) -> Pitch {
        match self {
            Shift::Interval(interval) => interval.transpose_pitch(pitch),
            Shift::Semitones(semitones) => spelled_from_midi(pitch.midi() + semitones),
        }
    }

    /// The sharps (positive) or flats of a key signature after the shift: its major tonic
    /// moves, and a chromatic shift takes the enharmonic twin of a key beyond six accidentals.
    fn key_fifths(&self, fifths: i32) -> i32 {
        let Some(tonic) = Pitch::parse(&name_on_circle_of_fifths(fifths)) else {
            return fifths;
        };
        let moved = fifths_of(&self.pitch(&tonic));
        match self {
            Shift::Interval(_) => moved,
            Shift::Semitones(_) if moved > MAX_CHROMATIC_FIFTHS => moved - 12,
            Shift::Semitones(_) if moved < -MAX_CHROMATIC_FIFTHS => moved + 12,
            Shift::Semitones(_) => moved,
        }
    }
}

/// A copy of `score` with every pitch, key signature and chord symbol moved by `interval`.
pub fn transpose(score: &Score, interval: &Interval) -> Score {
    transpose_by(score, &Shift::Interval(*interval))
}

/// A copy of `score` moved by a spelled interval or by semitones.
pub fn transpose_by(score: &Score, shift: &Shift) -> Score {
    let mut transposed = score.clone();
    for part in &mut transposed.parts {
        for measure in &mut part.measures {
            transpose_measure(measure, shift, score.spelling_inferred);
        }
    }
    transposed
}

/// The oracle's `transposition` field: up a major second, then `analyze('key')`.
pub fn transposition_record(score: &Score) -> TranspositionRecord {
    let up = Interval::parse(ORACLE_INTERVAL).expect("M2 is a valid interval");
    let transposed = transpose(score, &up);
    let histogram = weighted_pitch_class_histogram(&transposed);
    let analyze_key = match key_from_histogram(&histogram, KeyMethod::AardenEssen) {
        Ok(key) => TransposedKey::Found {
            name: key.name,
            tonic: key.tonic,
            tonic_pitch_class: key.tonic_pitch_class,
            mode: key.mode,
            correlation: key.correlation,
        },
        Err(err) => TransposedKey::Failed {
            error: err.to_string(),
        },
    };
    TranspositionRecord {
        interval: ORACLE_INTERVAL.to_string(),
        analyze_key,
        top_part_first_8_pitches: first_part_pitches(&transposed),
        original_top_part_first_8_pitches: first_part_pitches(score),
    }
}

/// The first pitches of part 0, as the oracle lists them; empty for a score without parts.
fn first_part_pitches(score: &Score) -> Vec<String> {
    score
        .parts
        .first()
        .map(|part| first_pitches(part, FIRST_PITCH_COUNT))
        .unwrap_or_default()
}

/// The first `count` pitch names of a part: notes in flattened order (grace notes first at an
/// offset, as music21 sorts them), a chord's pitches low to high, each tied segment again.
pub fn first_pitches(part: &Part, count: usize) -> Vec<String> {
    let mut placed: Vec<_> = part.events().collect();
    placed.sort_by_key(|p| (p.offset, !p.event.grace));
    placed
        .into_iter()
        .flat_map(|p| {
            let mut pitches: Vec<Pitch> = p.event.pitches().copied().collect();
            pitches.sort_by_key(Pitch::midi);
            pitches
        })
        .take(count)
        .map(|pitch| pitch.name_with_octave())
        .collect()
}

/// Moves everything in one measure. music21 names a moved pitch whose spelling was inferred
/// from pitch space (read from MIDI) from pitch space again: D#5 read from MIDI moves up a
/// major second to F5, where a written D#5 moves to E#5. Key signatures move as written.
fn transpose_measure(measure: &mut Measure, shift: &Shift, spelling_inferred: bool) {
    let move_pitch = |pitch: &Pitch| {
        let moved = shift.pitch(pitch);
        if spelling_inferred {
            spelled_from_midi(moved.midi())
        } else {
            moved
        }
    };
    for placed in &mut measure.key_signatures {
        let signature: &mut KeySignature = &mut placed.value;
        signature.fifths = shift.key_fifths(signature.fifths);
    }
    for placed in &mut measure.chord_symbols {
        transpose_chord_symbol(&mut placed.value, shift);
    }
    for event in measure.voices.iter_mut().flat_map(|v| v.events.iter_mut()) {
        match &mut event.kind {
            EventKind::Note(pitch) => *pitch = move_pitch(pitch),
            EventKind::Chord(tones) => {
                for tone in tones.iter_mut().filter(|t| !t.unpitched) {
                    tone.pitch = move_pitch(&tone.pitch);
                }
            }
            EventKind::Rest(_) | EventKind::Unpitched(_) => {}
        }
    }
}

fn transpose_chord_symbol(symbol: &mut ChordSymbol, shift: &Shift) {
    let move_name = |name: &mut Option<String>| {
        if let Some(pitch) = name.as_deref().and_then(Pitch::parse) {
            *name = Some(shift.pitch(&pitch).name());
        }
    };
    move_name(&mut symbol.root);
    move_name(&mut symbol.bass);
    for pitch in &mut symbol.pitches {
        *pitch = shift.pitch(pitch);
    }
}

/// The position of a pitch name on the circle of fifths (C 0, G 1, F -1, F# 6, G# 8).
fn fifths_of(pitch: &Pitch) -> i32 {
    let natural = match pitch.step {
        Step::F => -1,
        Step::C => 0,
        Step::G => 1,
        Step::D => 2,
        Step::A => 3,
        Step::E => 4,
        Step::B => 5,
    };
    natural + 7 * i32::from(pitch.alter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::ReadLimits;

    fn score(fifths: i32, notes: &str) -> Score {
        let xml = format!(
            "<score-partwise><part-list><score-part id=\"P1\"/></part-list><part id=\"P1\">\
             <measure number=\"1\"><attributes><divisions>1</divisions>\
             <key><fifths>{fifths}</fifths></key></attributes>{notes}</measure>\
             </part></score-partwise>"
        );
        read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
    }

    fn note(step: &str, alter: i8, octave: u8, extra: &str) -> String {
        format!(
            "<note>{extra}<pitch><step>{step}</step><alter>{alter}</alter>\
             <octave>{octave}</octave></pitch><duration>1</duration></note>"
        )
    }

    #[test]
    fn transposing_b_flat_3_up_a_major_second_gives_c4() {
        let original = score(-2, &note("B", -1, 3, ""));
        let up = transpose(&original, &Interval::parse("M2").unwrap());
        assert_eq!(first_pitches(&up.parts[0], 8), ["C4"]);
        assert_eq!(first_pitches(&original.parts[0], 8), ["B-3"]);
    }

    #[test]
    fn key_signatures_move_their_tonic_by_the_interval() {
        let up = Interval::parse("M2").unwrap();
        let f_sharp = transpose(&score(6, &note("F", 1, 4, "")), &up);
        assert_eq!(
            f_sharp.parts[0].measures[0].key_signatures[0].value.fifths,
            8
        );
        let e_flat_down = transpose(&score(-3, &note("E", -1, 4, "")), &up.reversed());
        assert_eq!(
            e_flat_down.parts[0].measures[0].key_signatures[0]
                .value
                .fifths,
            -5
        );
    }

    #[test]
    fn chords_list_their_pitches_low_to_high_and_grace_notes_come_first() {
        let grace = "<note><grace/><pitch><step>D</step><octave>5</octave></pitch>\
                     <type>eighth</type></note>";
        let notes = format!(
            "{grace}{}{}{}",
            note("E", 0, 4, ""),
            note("C", 0, 4, "<chord/>"),
            note("G", 0, 4, "")
        );
        let original = score(0, &notes);
        assert_eq!(
            first_pitches(&original.parts[0], 8),
            ["D5", "C4", "E4", "G4"]
        );
        assert_eq!(first_pitches(&original.parts[0], 2), ["D5", "C4"]);
    }

    #[test]
    fn pitches_read_from_midi_are_named_from_pitch_space_after_moving() {
        let notes = note("C", 1, 5, "") + &note("G", 1, 4, "");
        let mut inferred = score(0, &notes);
        inferred.spelling_inferred = true;
        let up = Shift::parse("M2").unwrap();
        let moved = transpose_by(&inferred, &up);
        assert_eq!(first_pitches(&moved.parts[0], 2), ["E-5", "B-4"]);
        assert!(moved.spelling_inferred);

        let written = transpose_by(&score(0, &notes), &up);
        assert_eq!(first_pitches(&written.parts[0], 2), ["D#5", "A#4"]);
    }

    #[test]
    fn the_oracle_record_gives_the_transposed_key_and_both_pitch_lists() {
        let notes = ["C", "E", "G", "C"]
            .iter()
            .map(|s| note(s, 0, 4, ""))
            .collect::<String>();
        let record = transposition_record(&score(0, &notes));
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["interval"], "M2");
        assert_eq!(json["analyze_key"]["name"], "D major");
        assert_eq!(json["top_part_first_8_pitches"][1], "F#4");
        assert_eq!(json["original_top_part_first_8_pitches"][1], "E4");
    }

    #[test]
    fn semitones_respell_from_pitch_space_and_keys_stay_within_six_accidentals() {
        let shift = Shift::parse("1").unwrap();
        assert_eq!(shift, Shift::Semitones(1));
        let up = transpose_by(&score(0, &note("C", 0, 4, "")), &shift);
        assert_eq!(first_pitches(&up.parts[0], 8), ["C#4"]);
        assert_eq!(up.parts[0].measures[0].key_signatures[0].value.fifths, -5);
        let again = transpose_by(&up, &Shift::Semitones(2));
        assert_eq!(first_pitches(&again.parts[0], 8), ["E-4"]);
        assert_eq!(
            again.parts[0].measures[0].key_signatures[0].value.fifths,
            -3
        );
    }

    #[test]
    fn shifts_parse_intervals_or_semitones_and_refuse_the_rest() {
        assert_eq!(Shift::parse("-m3").unwrap().name(), "m-3");
        assert_eq!(Shift::parse(" -5 ").unwrap().name(), "-5 semitones");
        assert!(Shift::parse("up a bit").is_err());
    }

    #[test]
    fn a_score_without_notes_records_the_key_error() {
        let record = transposition_record(&score(0, ""));
        let json = serde_json::to_value(&record).unwrap();
        assert!(json["analyze_key"]["error"].is_string());
        assert!(record.top_part_first_8_pitches.is_empty());
    }
}
