//! Spelled intervals as music21's `interval.Interval` knows them: `M2`, `-m3`, `P5`, `A4`, `d5`.
//!
//! An interval has a generic size counted in letters (a third spans three letters, whatever the
//! accidentals) and a chromatic size in semitones; the specifier (perfect, major, diminished and
//! so on) follows from the two. The arithmetic is music21 10.5.1's, including its quirks, so that
//! the voice-leading tests built on it (`simpleName`, `semiSimpleName`, directions) and the
//! spelling of transposed pitches agree with music21 exactly. Pure music: no runtime here.

use std::fmt;

use thiserror::Error;

use super::model::{Pitch, Step};

/// The quality of an interval: perfect, major, minor, augmented, diminished and their multiples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Specifier {
    /// `P`.
    Perfect,
    /// `M`.
    Major,
    /// `m`.
    Minor,
    /// `A`.
    Augmented,
    /// `d`.
    Diminished,
    /// `AA`.
    DoublyAugmented,
    /// `dd`.
    DoublyDiminished,
    /// `AAA`.
    TriplyAugmented,
    /// `ddd`.
    TriplyDiminished,
    /// `AAAA`.
    QuadruplyAugmented,
    /// `dddd`.
    QuadruplyDiminished,
}

/// The direction of a move, by its size in semitones (music21's `Direction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Down.
    Descending,
    /// No change in pitch space (a unison, or an enharmonic respelling).
    Oblique,
    /// Up.
    Ascending,
}

/// A generic interval: the size in letters, with direction (music21's `GenericInterval`).
///
/// Invariant: the value is never 0; 1 is a unison, 2 a second up, -2 a second down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GenericInterval(i32);

/// A spelled interval with direction: a specifier, a generic size and a size in semitones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Interval {
    specifier: Specifier,
    generic: GenericInterval,
    semitones: i32,
}

/// Why an interval could not be built or read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum IntervalError {
    /// The name is not an interval music21 knows.
    #[error(
        "interval '{0}' is not understood; write a specifier and a size such as M2, m3, P5, A4, \
         d7 or P8, with a '-' for descending (-m3, P-4)"
    )]
    Unparsable(String),
    /// The specifier does not fit the size, such as a major fifth or a perfect third.
    #[error(
        "interval '{0}' cannot exist: unisons, fourths, fifths and octaves are perfect, \
         augmented or diminished; the others major, minor, augmented or diminished"
    )]
    Impossible(String),
    /// Two pitches too far from any interval of their letter distance (music21 raises here).
    #[error(
        "cannot name the interval from {start} to {end}: {off} semitones off its generic size; \
         respell one of the pitches"
    )]
    TooAltered {
        /// The first pitch's name.
        start: String,
        /// The second pitch's name.
        end: String,
        /// How far the semitones are from the perfect or major interval of that size.
        off: i32,
    },
}

/// Perfect specifiers from four times diminished to four times augmented (music21's
/// `perfSpecifiers`); perfect sits at index [`PERFECT_INDEX`].
const PERFECT_SPECIFIERS: [Specifier; 9] = [
    Specifier::QuadruplyDiminished,
    Specifier::TriplyDiminished,
    Specifier::DoublyDiminished,
    Specifier::Diminished,
    Specifier::Perfect,
    Specifier::Augmented,
    Specifier::DoublyAugmented,
    Specifier::TriplyAugmented,
    Specifier::QuadruplyAugmented,
];
const PERFECT_INDEX: i32 = 4;

/// Imperfect specifiers, minor and major in the middle (music21's `specifiers`); major sits at
/// index [`MAJOR_INDEX`].
const IMPERFECT_SPECIFIERS: [Specifier; 10] = [
    Specifier::QuadruplyDiminished,
    Specifier::TriplyDiminished,
    Specifier::DoublyDiminished,
    Specifier::Diminished,
    Specifier::Minor,
    Specifier::Major,
    Specifier::Augmented,
    Specifier::DoublyAugmented,
    Specifier::TriplyAugmented,
    Specifier::QuadruplyAugmented,
];
const MAJOR_INDEX: i32 = 5;

/// Semitones of the perfect or major simple interval of each generic size, unison first.
const NATURAL_SEMITONES: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];

/// music21's spelling of a bare pitch-space value: C C# D E- E F F# G G# A B- B.
const DEFAULT_SPELLING: [(Step, i8); 12] = [
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

/// The most semitones of alteration music21 writes as an accidental when transposing.
const MAX_ACCIDENTAL: i32 = 4;

impl Specifier {
    /// music21's abbreviation: `P`, `M`, `m`, `A`, `d`, `AA`, `dd`, ...
    pub fn abbreviation(self) -> &'static str {
        match self {
            Specifier::Perfect => "P",
            Specifier::Major => "M",
            Specifier::Minor => "m",
            Specifier::Augmented => "A",
            Specifier::Diminished => "d",
            Specifier::DoublyAugmented => "AA",
            Specifier::DoublyDiminished => "dd",
            Specifier::TriplyAugmented => "AAA",
            Specifier::TriplyDiminished => "ddd",
            Specifier::QuadruplyAugmented => "AAAA",
            Specifier::QuadruplyDiminished => "dddd",
        }
    }

    /// Parses an abbreviation: exact first (so `M` and `m` differ), then ignoring case.
    fn parse(text: &str) -> Option<Specifier> {
        const ALL: [Specifier; 11] = [
            Specifier::Perfect,
            Specifier::Major,
            Specifier::Minor,
            Specifier::Augmented,
            Specifier::Diminished,
            Specifier::DoublyAugmented,
            Specifier::DoublyDiminished,
            Specifier::TriplyAugmented,
            Specifier::TriplyDiminished,
            Specifier::QuadruplyAugmented,
            Specifier::QuadruplyDiminished,
        ];
        ALL.iter()
            .find(|s| s.abbreviation() == text)
            .or_else(|| {
                ALL.iter()
                    .find(|s| s.abbreviation().eq_ignore_ascii_case(text))
            })
            .copied()
    }

    /// Semitones above the perfect interval, for a perfect-type size.
    fn above_perfect(self) -> Option<i32> {
        PERFECT_SPECIFIERS
            .iter()
            .position(|&s| s == self)
            .map(|index| index as i32 - PERFECT_INDEX)
    }

    /// Semitones above the major interval, for an imperfect size.
    fn above_major(self) -> Option<i32> {
        IMPERFECT_SPECIFIERS
            .iter()
            .position(|&s| s == self)
            .map(|index| index as i32 - MAJOR_INDEX)
    }
}

impl Direction {
    /// The direction of a signed size.
    pub fn of(value: i32) -> Direction {
        match value.signum() {
            1 => Direction::Ascending,
            -1 => Direction::Descending,
            _ => Direction::Oblique,
        }
    }
}

impl GenericInterval {
    /// The generic interval from one pitch to another, counted in letters (never fails).
    pub fn between(start: &Pitch, end: &Pitch) -> GenericInterval {
        GenericInterval::from_staff_distance(diatonic_number(end) - diatonic_number(start))
    }

    /// The generic interval spanning `distance` letter steps (0 is a unison, -1 a second down).
    pub fn from_staff_distance(distance: i32) -> GenericInterval {
        GenericInterval(match distance.signum() {
            0 => 1,
            1 => distance + 1,
            _ => distance - 1,
        })
    }

    /// The size with direction: 1 unison, 3 a third up, -3 a third down.
    pub fn directed(self) -> i32 {
        self.0
    }

    /// The size without direction.
    pub fn undirected(self) -> i32 {
        self.0.abs()
    }

    /// Letter steps from the first note to the second (C4 to D4 is 1, C4 to B3 is -1).
    pub fn staff_distance(self) -> i32 {
        match self.0.signum() {
            1 => self.0 - 1,
            -1 => self.0 + 1,
            _ => 0,
        }
    }

    /// music21's generic direction: a unison is oblique, otherwise by sign.
    pub fn direction(self) -> Direction {
        if self.0 == 1 {
            Direction::Oblique
        } else {
            Direction::of(self.0)
        }
    }

    /// The size reduced into one octave: an octave or a fifteenth reduces to 1.
    pub fn simple_undirected(self) -> i32 {
        self.steps_and_octaves().0
    }

    /// Like [`GenericInterval::simple_undirected`], but octaves and multiple octaves stay 8.
    pub fn semi_simple_undirected(self) -> i32 {
        match self.steps_and_octaves() {
            (1, octaves) if octaves >= 1 => 8,
            (steps, _) => steps,
        }
    }

    /// Whole octaves contained in the size (a tenth has 1, an octave has 1, a seventh 0).
    pub fn undirected_octaves(self) -> i32 {
        self.steps_and_octaves().1
    }

    /// True for unisons, fourths, fifths and their compounds: sizes that can be perfect.
    pub fn perfectable(self) -> bool {
        matches!(self.simple_undirected(), 1 | 4 | 5)
    }

    /// music21's `_simpleStepsAndOctaves`: an octave is one octave and a unison step.
    fn steps_and_octaves(self) -> (i32, i32) {
        let (octaves, steps) = (self.undirected() / 7, self.undirected() % 7);
        if steps == 0 {
            (7, octaves - 1)
        } else {
            (steps, octaves)
        }
    }

    /// Semitones of the perfect or major interval of this size, without direction.
    fn natural_semitones(self) -> i32 {
        NATURAL_SEMITONES[(self.simple_undirected() - 1) as usize] + 12 * self.undirected_octaves()
    }
}

impl Interval {
    /// The interval from `start` to `end`, as `interval.Interval(start, end)` names it.
    ///
    /// Fails only for absurd spellings (more than four times augmented or diminished), where
    /// music21 raises too.
    pub fn between(start: &Pitch, end: &Pitch) -> Result<Interval, IntervalError> {
        let generic = GenericInterval::between(start, end);
        let semitones = end.midi() - start.midi();
        let specifier = specifier_of(generic, semitones).ok_or_else(|| {
            let natural = generic.natural_semitones();
            IntervalError::TooAltered {
                start: start.name_with_octave(),
                end: end.name_with_octave(),
                off: semitones.abs() - natural,
            }
        })?;
        Ok(Interval {
            specifier,
            generic,
            semitones,
        })
    }

    /// Parses a music21 interval name: `M2`, `m3`, `P5`, `A4`, `d5`, `M9`, `AA6`; a `-`
    /// anywhere makes it descending (`-m3`, `P-4`), as music21's `Interval('P-4')` reads it.
    pub fn parse(text: &str) -> Result<Interval, IntervalError> {
        let unparsable = || IntervalError::Unparsable(text.to_string());
        let trimmed = text.trim();
        let descending = trimmed.contains('-');
        let cleaned: String = trimmed.chars().filter(|&c| c != '-').collect();
        let digits_at = cleaned
            .find(|c: char| c.is_ascii_digit())
            .ok_or_else(unparsable)?;
        let (specifier, number) = cleaned.split_at(digits_at);
        let size: i32 = number.parse().map_err(|_| unparsable())?;
        let specifier = Specifier::parse(specifier.trim()).ok_or_else(unparsable)?;
        if size == 0 {
            return Err(unparsable());
        }
        Interval::from_parts(specifier, if descending { -size } else { size })
            .ok_or_else(|| IntervalError::Impossible(text.trim().to_string()))
    }

    /// The interval of a specifier and a directed generic size, if music21 allows it.
    pub fn from_parts(specifier: Specifier, generic: i32) -> Option<Interval> {
        if generic == 0 {
            return None;
        }
        let generic = GenericInterval(generic);
        let adjustment = if generic.perfectable() {
            specifier.above_perfect()?
        } else {
            specifier.above_major()?
        };
        if specifier == Specifier::Perfect && generic.0 == -1 {
            return None;
        }
        let size = generic.natural_semitones() + adjustment;
        let sign = if generic.0 < 0 { -1 } else { 1 };
        Some(Interval {
            specifier,
            generic,
            semitones: size * sign,
        })
    }

    /// The specifier.
    pub fn specifier(&self) -> Specifier {
        self.specifier
    }

    /// The generic interval.
    pub fn generic(&self) -> GenericInterval {
        self.generic
    }

    /// The size in semitones, negative going down.
    pub fn semitones(&self) -> i32 {
        self.semitones
    }

    /// music21's `Interval.direction`: the direction in semitones, so an enharmonic
    /// respelling (C#4 to D-4) is oblique.
    pub fn direction(&self) -> Direction {
        Direction::of(self.semitones)
    }

    /// The name without direction: `M2`, `P8`, `m10`.
    pub fn name(&self) -> String {
        format!(
            "{}{}",
            self.specifier.abbreviation(),
            self.generic.undirected()
        )
    }

    /// The name with direction, as music21 writes it: `M2`, `M-2`, `P-8`.
    pub fn directed_name(&self) -> String {
        format!(
            "{}{}",
            self.specifier.abbreviation(),
            self.generic.directed()
        )
    }

    /// The name reduced into one octave: `P8` and `P15` are `P1`, `m10` is `m3`.
    pub fn simple_name(&self) -> String {
        format!(
            "{}{}",
            self.specifier.abbreviation(),
            self.generic.simple_undirected()
        )
    }

    /// The name reduced into one octave, except that octaves stay `P8`.
    pub fn semi_simple_name(&self) -> String {
        format!(
            "{}{}",
            self.specifier.abbreviation(),
            self.generic.semi_simple_undirected()
        )
    }

    /// `simpleName` as a comparable key, without building a string.
    pub fn simple_key(&self) -> (Specifier, i32) {
        (self.specifier, self.generic.simple_undirected())
    }

    /// `semiSimpleName` as a comparable key, without building a string.
    pub fn semi_simple_key(&self) -> (Specifier, i32) {
        (self.specifier, self.generic.semi_simple_undirected())
    }

    /// The same interval in the other direction.
    pub fn reversed(&self) -> Interval {
        Interval {
            specifier: self.specifier,
            generic: GenericInterval(if self.generic.0 == 1 {
                1
            } else {
                -self.generic.0
            }),
            semitones: -self.semitones,
        }
    }

    /// `pitch` moved by this interval, spelled as music21's `transposePitch` spells it.
    ///
    /// The letter moves by the generic size and the accidental makes up the semitones. An
    /// accidental of more than four semitones is not written: the pitch is then respelled from
    /// its pitch-space value (C, C#, D, E-, E, F, F#, G, G#, A, B-, B), as music21 does.
    pub fn transpose_pitch(&self, pitch: &Pitch) -> Pitch {
        let target = diatonic_number(pitch) + self.generic.staff_distance();
        let step = Step::from_index(target);
        let mut octave = target.div_euclid(7);
        let natural = Pitch::new(step, 0, octave);
        let mut to_fix = self.semitones - (natural.midi() - pitch.midi());

        // music21 lowers the octave once per twelve semitones still to fix, as written.
        while to_fix >= 12 {
            to_fix -= 12;
            octave -= 1;
        }
        if to_fix.abs() > MAX_ACCIDENTAL {
            return spelled_from_midi(Pitch::new(step, 0, octave).midi() + to_fix);
        }
        Pitch::new(step, to_fix as i8, octave)
    }
}

impl fmt::Display for Interval {
    /// music21's `directedName`: `M2`, `m-3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.directed_name())
    }
}

/// music21's `diatonicNoteNum` less one: letters counted from C0.
pub fn diatonic_number(pitch: &Pitch) -> i32 {
    pitch.octave * 7 + pitch.step.index()
}

/// A MIDI number spelled as music21 spells a bare pitch-space value.
pub fn spelled_from_midi(midi: i32) -> Pitch {
    let (step, alter) = DEFAULT_SPELLING[midi.rem_euclid(12) as usize];
    Pitch::new(step, alter, midi.div_euclid(12) - 1)
}

/// music21's `_getSpecifierFromGenericChromatic`, with Python's negative list indexing.
fn specifier_of(generic: GenericInterval, semitones: i32) -> Option<Specifier> {
    let chromatic = Direction::of(semitones);
    let opposed = generic.direction() != chromatic
        && generic.direction() != Direction::Oblique
        && chromatic != Direction::Oblique;
    let these = if opposed {
        -semitones.abs()
    } else if generic.undirected() == 1 {
        semitones
    } else {
        semitones.abs()
    };
    let off = these - generic.natural_semitones();
    if generic.perfectable() {
        python_index(&PERFECT_SPECIFIERS, PERFECT_INDEX + off)
    } else {
        python_index(&IMPERFECT_SPECIFIERS, MAJOR_INDEX + off)
    }
}

/// `list[index]` in Python: negative indexes count from the end; out of range is `None`.
fn python_index(list: &[Specifier], index: i32) -> Option<Specifier> {
    let len = list.len() as i32;
    let index = if index < 0 { index + len } else { index };
    (0..len).contains(&index).then(|| list[index as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str) -> Pitch {
        Pitch::parse(name).unwrap()
    }

    fn name_between(a: &str, b: &str) -> String {
        Interval::between(&p(a), &p(b)).unwrap().directed_name()
    }

    #[test]
    fn intervals_between_pitches_are_named_as_music21_names_them() {
        assert_eq!(name_between("C4", "D4"), "M2");
        assert_eq!(name_between("D4", "C4"), "M-2");
        assert_eq!(name_between("C4", "E-4"), "m3");
        assert_eq!(name_between("F4", "B4"), "A4");
        assert_eq!(name_between("B3", "F4"), "d5");
        assert_eq!(name_between("C4", "G5"), "P12");
        assert_eq!(name_between("C4", "C4"), "P1");
        assert_eq!(name_between("C4", "C#4"), "A1");
        assert_eq!(name_between("C#4", "C4"), "d1");
        assert_eq!(name_between("C#4", "D-4"), "d2");
        assert_eq!(name_between("E-4", "F#4"), "A2");
    }

    #[test]
    fn an_octave_is_simply_a_unison_but_semi_simply_an_octave() {
        let octave = Interval::between(&p("C4"), &p("C6")).unwrap();
        assert_eq!(octave.name(), "P15");
        assert_eq!(octave.simple_name(), "P1");
        assert_eq!(octave.semi_simple_name(), "P8");
        let tenth = Interval::between(&p("C4"), &p("E5")).unwrap();
        assert_eq!(tenth.simple_name(), "M3");
    }

    #[test]
    fn an_enharmonic_respelling_moves_obliquely() {
        let respelled = Interval::between(&p("C#4"), &p("D-4")).unwrap();
        assert_eq!(respelled.direction(), Direction::Oblique);
        assert_eq!(respelled.generic().undirected(), 2);
    }

    #[test]
    fn absurdly_altered_spellings_are_refused() {
        let wild = Pitch::new(Step::C, 8, 4);
        assert!(matches!(
            Interval::between(&p("C4"), &wild),
            Err(IntervalError::TooAltered { .. })
        ));
    }

    #[test]
    fn names_parse_with_direction_anywhere() {
        assert_eq!(Interval::parse("M2").unwrap().semitones(), 2);
        assert_eq!(Interval::parse("-m3").unwrap().semitones(), -3);
        assert_eq!(Interval::parse("P-4").unwrap().semitones(), -5);
        assert_eq!(Interval::parse("A4").unwrap().semitones(), 6);
        assert_eq!(Interval::parse("d5").unwrap().semitones(), 6);
        assert_eq!(Interval::parse("P8").unwrap().semitones(), 12);
        assert_eq!(Interval::parse("M9").unwrap().semitones(), 14);
        assert_eq!(Interval::parse("dd7").unwrap().semitones(), 8);
        assert_eq!(Interval::parse("m-3").unwrap().directed_name(), "m-3");
    }

    #[test]
    fn impossible_and_unknown_names_are_refused_with_a_hint() {
        assert!(matches!(
            Interval::parse("M5"),
            Err(IntervalError::Impossible(_))
        ));
        assert!(matches!(
            Interval::parse("P3"),
            Err(IntervalError::Impossible(_))
        ));
        assert!(matches!(
            Interval::parse("-P1"),
            Err(IntervalError::Impossible(_))
        ));
        let unknown = Interval::parse("X2").unwrap_err();
        assert!(unknown.to_string().contains("M2"));
        assert!(Interval::parse("M").is_err());
        assert!(Interval::parse("P0").is_err());
    }

    #[test]
    fn transposing_b_flat_3_by_a_major_second_gives_c4() {
        let up = Interval::parse("M2").unwrap();
        assert_eq!(up.transpose_pitch(&p("B-3")).name_with_octave(), "C4");
        assert_eq!(up.transpose_pitch(&p("B3")).name_with_octave(), "C#4");
        assert_eq!(up.transpose_pitch(&p("F#4")).name_with_octave(), "G#4");
        assert_eq!(up.transpose_pitch(&p("E-5")).name_with_octave(), "F5");
        assert_eq!(up.transpose_pitch(&p("B#4")).name_with_octave(), "C##5");
    }

    #[test]
    fn transposing_down_keeps_letter_arithmetic() {
        let down = Interval::parse("-m3").unwrap();
        assert_eq!(down.transpose_pitch(&p("C4")).name_with_octave(), "A3");
        assert_eq!(down.transpose_pitch(&p("F#4")).name_with_octave(), "D#4");
        let fourth_down = Interval::parse("P-4").unwrap();
        assert_eq!(
            fourth_down.transpose_pitch(&p("C4")).name_with_octave(),
            "G3"
        );
    }

    #[test]
    fn an_accidental_beyond_four_is_respelled_from_pitch_space() {
        let up = Interval::parse("AAAA4").unwrap();
        let moved = up.transpose_pitch(&Pitch::new(Step::F, 2, 4));
        assert_eq!(moved.midi(), Pitch::new(Step::F, 2, 4).midi() + 9);
        assert_eq!(moved.name_with_octave(), "E5");
    }
}
