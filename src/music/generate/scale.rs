//! Scales for generation: a spelled tonic and one of the seven diatonic modes (major and minor
//! included), with the pitches of every degree in any octave.
//!
//! Both the harmoniser (keys and modes) and the counterpoint generator (Fux's modes with their
//! final) choose pitches from a [`Scale`].

use std::fmt;

use crate::music::model::signature::name_on_circle_of_fifths;
use crate::music::model::{KeySignature, Mode, Pitch};

/// The semitones above the tonic of each degree, per mode.
const IONIAN: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];
const DORIAN: [i32; 7] = [0, 2, 3, 5, 7, 9, 10];
const PHRYGIAN: [i32; 7] = [0, 1, 3, 5, 7, 8, 10];
const LYDIAN: [i32; 7] = [0, 2, 4, 6, 7, 9, 11];
const MIXOLYDIAN: [i32; 7] = [0, 2, 4, 5, 7, 9, 10];
const AEOLIAN: [i32; 7] = [0, 2, 3, 5, 7, 8, 10];
const LOCRIAN: [i32; 7] = [0, 1, 3, 5, 6, 8, 10];

/// A diatonic scale on a spelled tonic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    /// The tonic, in octave 4.
    pub tonic: Pitch,
    /// The mode; `Major` and `Minor` behave as ionian and aeolian.
    pub mode: Mode,
}

impl Scale {
    /// A scale on `tonic` (its octave is reset to 4).
    pub fn new(tonic: Pitch, mode: Mode) -> Scale {
        Scale {
            tonic: Pitch::new(tonic.step, tonic.alter, 4),
            mode,
        }
    }

    /// The mode whose final is `last` under a key signature of `fifths`: the final's letter
    /// decides the mode (D with no sharps or flats is dorian), spelled as the signature spells it.
    pub fn from_signature_and_final(fifths: i32, last: &Pitch) -> Scale {
        let major = Pitch::parse(&name_on_circle_of_fifths(fifths)).unwrap_or(*last);
        let mode = match (last.step.index() - major.step.index()).rem_euclid(7) {
            0 => Mode::Ionian,
            1 => Mode::Dorian,
            2 => Mode::Phrygian,
            3 => Mode::Lydian,
            4 => Mode::Mixolydian,
            5 => Mode::Aeolian,
            _ => Mode::Locrian,
        };
        let scale = Scale::new(major, Mode::Ionian);
        let degree = (last.step.index() - major.step.index()).rem_euclid(7);
        Scale::new(scale.degree_pitch(degree), mode)
    }

    /// The scale of a stated mode with `last` as its final.
    pub fn with_mode(last: &Pitch, mode: Mode) -> Scale {
        Scale::new(*last, mode)
    }

    /// The key signature of this scale, in sharps (positive) or flats.
    pub fn key_signature(&self) -> KeySignature {
        // The tonic's position on the circle of fifths, less the mode's distance from major.
        let letter_fifths = [0, 2, 4, -1, 1, 3, 5][self.tonic.step.index() as usize];
        let tonic_fifths = letter_fifths + 7 * i32::from(self.tonic.alter);
        let offset = match self.mode {
            Mode::Lydian => 1,
            Mode::Major | Mode::Ionian => 0,
            Mode::Mixolydian => -1,
            Mode::Dorian => -2,
            Mode::Minor | Mode::Aeolian => -3,
            Mode::Phrygian => -4,
            Mode::Locrian => -5,
        };
        KeySignature {
            fifths: tonic_fifths + offset,
            mode: Some(self.mode),
        }
    }

    /// Semitones above the tonic of each degree.
    pub fn semitones(&self) -> &'static [i32; 7] {
        match self.mode {
            Mode::Major | Mode::Ionian => &IONIAN,
            Mode::Dorian => &DORIAN,
            Mode::Phrygian => &PHRYGIAN,
            Mode::Lydian => &LYDIAN,
            Mode::Mixolydian => &MIXOLYDIAN,
            Mode::Minor | Mode::Aeolian => &AEOLIAN,
            Mode::Locrian => &LOCRIAN,
        }
    }

    /// The pitch of `degree` (0 is the tonic in octave 4, 7 the octave above, -1 the degree
    /// below the tonic), spelled on the scale's letters.
    pub fn degree_pitch(&self, degree: i32) -> Pitch {
        let octave = degree.div_euclid(7);
        let index = degree.rem_euclid(7) as usize;
        self.tonic
            .transposed(degree, octave * 12 + self.semitones()[index])
    }

    /// The degree (0 to 6) of a pitch class in the scale, if it belongs to it.
    pub fn degree_of_pitch_class(&self, pitch_class: u8) -> Option<i32> {
        let from_tonic =
            (i32::from(pitch_class) - i32::from(self.tonic.pitch_class())).rem_euclid(12);
        self.semitones()
            .iter()
            .position(|&s| s == from_tonic)
            .map(|d| d as i32)
    }

    /// The degree (any octave, 0 = the tonic in octave 4) of a pitch spelled on the scale.
    pub fn degree_of(&self, pitch: &Pitch) -> i32 {
        (pitch.octave * 7 + pitch.step.index()) - (self.tonic.octave * 7 + self.tonic.step.index())
    }

    /// Every scale pitch from `low` to `high` MIDI numbers, lowest first.
    pub fn pitches_between(&self, low: i32, high: i32) -> Vec<Pitch> {
        (-42..42)
            .map(|degree| self.degree_pitch(degree))
            .filter(|p| (low..=high).contains(&p.midi()))
            .collect()
    }

    /// True for a mode with a minor third above the tonic.
    pub fn is_minor_like(&self) -> bool {
        self.semitones()[2] == 3
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.tonic.name(), self.mode.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_and_the_signature_name_the_mode() {
        let d = Pitch::parse("D4").unwrap();
        assert_eq!(
            Scale::from_signature_and_final(0, &d).to_string(),
            "D dorian"
        );
        let e = Pitch::parse("E3").unwrap();
        assert_eq!(
            Scale::from_signature_and_final(0, &e).to_string(),
            "E phrygian"
        );
        let g = Pitch::parse("G4").unwrap();
        assert_eq!(
            Scale::from_signature_and_final(-1, &g).to_string(),
            "G dorian"
        );
    }

    #[test]
    fn degrees_are_spelled_on_the_scale_and_wrap_octaves() {
        let scale = Scale::new(Pitch::parse("F").unwrap(), Mode::Major);
        let names: Vec<String> = (0..8)
            .map(|d| scale.degree_pitch(d).name_with_octave())
            .collect();
        assert_eq!(names, ["F4", "G4", "A4", "B-4", "C5", "D5", "E5", "F5"]);
        assert_eq!(scale.degree_pitch(-1).name_with_octave(), "E4");
        assert_eq!(scale.key_signature().fifths, -1);
        let dorian = Scale::new(Pitch::parse("D").unwrap(), Mode::Dorian);
        assert_eq!(dorian.key_signature().fifths, 0);
    }
}
