//! Pitch spelling for MIDI key numbers, as music21 spells a bare pitch-space value.
//!
//! MIDI carries no spelling, so music21 names each key number with its default accidentals:
//! C# E- F# G# B- (sharps except for E flat and B flat). The reader uses the same names so that
//! pitch names, ranges and keys agree with music21's reading of the same file.

use crate::music::model::{Pitch, Step};

/// The spelling of each pitch class: letter and alteration, C = 0 through B = 11.
const SPELLING: [(Step, i8); 12] = [
    (Step::C, 0),
    (Step::C, 1),
    (Step::D, 0),
    (Step::E, -1),
    (Step::E, 0),
    (Step::F, 0),
    (Step::F, 1),
    (Step::G, 0),
    (Step::G, 1),
    (Step::A, 0),
    (Step::B, -1),
    (Step::B, 0),
];

/// The pitch music21 gives a MIDI key number (60 is C4, 61 C#4, 63 E-4).
pub fn pitch_from_midi(key: u8) -> Pitch {
    let key = i32::from(key);
    let (step, alter) = SPELLING[key.rem_euclid(12) as usize];
    Pitch::new(step, alter, key.div_euclid(12) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn black_keys_are_spelled_with_music21_default_accidentals() {
        let names: Vec<String> = (60..72).map(|k| pitch_from_midi(k).name()).collect();
        assert_eq!(
            names,
            [
                "C", "C#", "D", "E-", "E", "F", "F#", "G", "G#", "A", "B-", "B"
            ]
        );
    }

    #[test]
    fn octaves_follow_middle_c_as_c4() {
        assert_eq!(pitch_from_midi(60).name_with_octave(), "C4");
        assert_eq!(pitch_from_midi(0).name_with_octave(), "C-1");
        assert_eq!(pitch_from_midi(127).name_with_octave(), "G9");
        assert_eq!(pitch_from_midi(58).midi(), 58);
    }
}
