//! Spelled pitches, named the way music21 names them (`C#4`, `B-3`, `E--5`; middle C is C4).
//!
//! A pitch keeps its letter, its alteration in semitones and its octave, so that spelling
//! survives transposition and enharmonic pairs such as F#4 and G-4 stay distinct.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A note letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Step {
    /// C.
    C,
    /// D.
    D,
    /// E.
    E,
    /// F.
    F,
    /// G.
    G,
    /// A.
    A,
    /// B.
    B,
}

impl Step {
    /// All letters from C up to B.
    pub const ALL: [Step; 7] = [
        Step::C,
        Step::D,
        Step::E,
        Step::F,
        Step::G,
        Step::A,
        Step::B,
    ];

    /// The pitch class of the natural letter (C = 0 ... B = 11).
    pub fn natural_pitch_class(self) -> i32 {
        match self {
            Step::C => 0,
            Step::D => 2,
            Step::E => 4,
            Step::F => 5,
            Step::G => 7,
            Step::A => 9,
            Step::B => 11,
        }
    }

    /// The letter's position from C (C = 0 ... B = 6), for diatonic arithmetic.
    pub fn index(self) -> i32 {
        match self {
            Step::C => 0,
            Step::D => 1,
            Step::E => 2,
            Step::F => 3,
            Step::G => 4,
            Step::A => 5,
            Step::B => 6,
        }
    }

    /// The letter at a position from C, wrapping around the octave.
    pub fn from_index(index: i32) -> Step {
        Step::ALL[index.rem_euclid(7) as usize]
    }

    /// The upper-case letter.
    pub fn letter(self) -> char {
        match self {
            Step::C => 'C',
            Step::D => 'D',
            Step::E => 'E',
            Step::F => 'F',
            Step::G => 'G',
            Step::A => 'A',
            Step::B => 'B',
        }
    }

    /// Parses a letter, in either case.
    pub fn from_letter(letter: char) -> Option<Step> {
        match letter.to_ascii_uppercase() {
            'C' => Some(Step::C),
            'D' => Some(Step::D),
            'E' => Some(Step::E),
            'F' => Some(Step::F),
            'G' => Some(Step::G),
            'A' => Some(Step::A),
            'B' => Some(Step::B),
            _ => None,
        }
    }
}

/// A spelled pitch with an octave. Octave 4 starts at middle C (MIDI 60).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pitch {
    /// The letter.
    pub step: Step,
    /// The alteration in semitones: 1 is a sharp, -2 a double flat.
    pub alter: i8,
    /// The octave in scientific notation, as MusicXML and music21 write it.
    pub octave: i32,
}

impl Pitch {
    /// A pitch from its parts.
    pub fn new(step: Step, alter: i8, octave: i32) -> Pitch {
        Pitch {
            step,
            alter,
            octave,
        }
    }

    /// music21's pitch space number: the MIDI number, as a float.
    pub fn ps(&self) -> f64 {
        f64::from(self.midi())
    }

    /// The MIDI key number (C4 = 60). Not clamped to 0..=127.
    pub fn midi(&self) -> i32 {
        (self.octave + 1) * 12 + self.step.natural_pitch_class() + i32::from(self.alter)
    }

    /// The pitch class, 0 = C through 11 = B.
    pub fn pitch_class(&self) -> u8 {
        (self.step.natural_pitch_class() + i32::from(self.alter)).rem_euclid(12) as u8
    }

    /// The name without octave, as music21 spells it: `C#`, `B-`, `E--`.
    pub fn name(&self) -> String {
        let mut name = String::with_capacity(4);
        name.push(self.step.letter());
        name.push_str(&accidental_modifier(self.alter));
        name
    }

    /// The name with octave: `C#4`, `B-3`.
    pub fn name_with_octave(&self) -> String {
        format!("{}{}", self.name(), self.octave)
    }

    /// This pitch moved by `steps` letters (0 keeps the letter, 2 is a third up, negative goes
    /// down) and `semitones` half steps, spelled so the letter moves exactly `steps`.
    pub fn transposed(&self, steps: i32, semitones: i32) -> Pitch {
        let diatonic = self.octave * 7 + self.step.index() + steps;
        let step = Step::from_index(diatonic);
        let octave = diatonic.div_euclid(7);
        let natural = (octave + 1) * 12 + step.natural_pitch_class();
        let alter = (self.midi() + semitones - natural).clamp(-8, 8) as i8;
        Pitch {
            step,
            alter,
            octave,
        }
    }

    /// Parses a music21 name such as `C#4`, `B-3`, `E--5` or `F` (octave 4 when absent).
    pub fn parse(text: &str) -> Option<Pitch> {
        let mut chars = text.trim().chars().peekable();
        let step = Step::from_letter(chars.next()?)?;
        let mut alter: i8 = 0;
        while let Some(&c) = chars.peek() {
            match c {
                '#' => alter = alter.checked_add(1)?,
                '-' => alter = alter.checked_sub(1)?,
                _ => break,
            }
            chars.next();
        }
        let rest: String = chars.collect();
        let octave = if rest.is_empty() {
            4
        } else {
            rest.parse().ok()?
        };
        Some(Pitch {
            step,
            alter,
            octave,
        })
    }
}

/// music21's accidental modifier for an alteration: `#`, `##`, `-`, `--`, or nothing.
pub fn accidental_modifier(alter: i8) -> String {
    let symbol = if alter > 0 { "#" } else { "-" };
    symbol.repeat(usize::from(alter.unsigned_abs()))
}

impl fmt::Display for Pitch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name_with_octave())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pitches_are_named_as_music21_names_them() {
        assert_eq!(Pitch::new(Step::C, 1, 4).name_with_octave(), "C#4");
        assert_eq!(Pitch::new(Step::B, -1, 3).name_with_octave(), "B-3");
        assert_eq!(Pitch::new(Step::E, -2, 5).name_with_octave(), "E--5");
        assert_eq!(Pitch::new(Step::F, 2, 2).name(), "F##");
        assert_eq!(Pitch::new(Step::G, 0, 4).name(), "G");
    }

    #[test]
    fn middle_c_is_c4_and_midi_60() {
        let c4 = Pitch::new(Step::C, 0, 4);
        assert_eq!(c4.midi(), 60);
        assert_eq!(c4.ps(), 60.0);
        assert_eq!(Pitch::new(Step::B, 1, 3).midi(), 60);
        assert_eq!(Pitch::new(Step::B, -1, 3).midi(), 58);
        assert_eq!(Pitch::new(Step::C, -1, 4).pitch_class(), 11);
        assert_eq!(Pitch::new(Step::B, 1, 4).pitch_class(), 0);
    }

    #[test]
    fn transposition_keeps_letter_spelling() {
        let c4 = Pitch::new(Step::C, 0, 4);
        assert_eq!(c4.transposed(1, 2).name_with_octave(), "D4");
        assert_eq!(c4.transposed(2, 3).name_with_octave(), "E-4");
        assert_eq!(
            Pitch::new(Step::B, 0, 3)
                .transposed(1, 2)
                .name_with_octave(),
            "C#4"
        );
        assert_eq!(
            Pitch::new(Step::D, 0, 4)
                .transposed(-1, -2)
                .name_with_octave(),
            "C4"
        );
        assert_eq!(
            Pitch::new(Step::F, 1, 4)
                .transposed(1, 1)
                .name_with_octave(),
            "G4"
        );
    }

    #[test]
    fn names_parse_back_into_pitches() {
        assert_eq!(Pitch::parse("C#4"), Some(Pitch::new(Step::C, 1, 4)));
        assert_eq!(Pitch::parse("E--5"), Some(Pitch::new(Step::E, -2, 5)));
        assert_eq!(Pitch::parse("b-3"), Some(Pitch::new(Step::B, -1, 3)));
        assert_eq!(Pitch::parse("D"), Some(Pitch::new(Step::D, 0, 4)));
        assert_eq!(Pitch::parse("H4"), None);
    }
}
