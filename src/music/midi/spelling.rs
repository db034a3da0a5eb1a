//! Pitch spelling for MIDI key numbers, as music21 spells a bare pitch-space value.
//!
//! MIDI carries no spelling, so music21 names each key number with its default accidentals:
//! C# E- F# G# B- (sharps except for E flat and B flat). The reader uses the same names so that
//! pitch names, ranges and keys agree with music21's reading of the same file.

use crate::music::interval::spelled_from_midi;
use crate::music::model::Pitch;

/// The pitch music21 gives a MIDI key number (60 is C4, 61 C#4, 63 E-4): the one default
/// spelling of pitch space that transposition by semitones uses too.
pub fn pitch_from_midi(key: u8) -> Pitch {
    spelled_from_midi(i32::from(key))
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
