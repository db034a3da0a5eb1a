//! Spelled intervals between two pitches, named as music21's `interval.Interval(p1, p2)` names
//! them: the specifier (`P`, `M`, `m`, `A`, `d`, `AA`, ...), the generic size, and the long
//! names (`"Major Tenth"`, `"Perfect Double-octave"`, `"Minor 23rd"`).
//!
//! This is the small part of interval arithmetic that chord naming and Roman numerals need; it
//! sits below [`super::Chord`] and knows nothing of scores.

use crate::music::model::Pitch;

/// The quality word of an interval, in music21's order of perfect and imperfect ladders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Specifier {
    /// Perfect (unisons, fourths, fifths, octaves).
    Perfect,
    /// Major.
    Major,
    /// Minor.
    Minor,
    /// Augmented by one semitone.
    Augmented,
    /// Diminished by one semitone.
    Diminished,
    /// Augmented by two semitones.
    DoublyAugmented,
    /// Diminished by two semitones.
    DoublyDiminished,
    /// Augmented by three semitones.
    TriplyAugmented,
    /// Diminished by three semitones.
    TriplyDiminished,
    /// Augmented by four semitones.
    QuadruplyAugmented,
    /// Diminished by four semitones.
    QuadruplyDiminished,
}

/// The ladder of specifiers for fourths, fifths, unisons and octaves, Perfect at index 4.
const PERFECT_LADDER: [Specifier; 9] = [
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

/// The ladder of specifiers for seconds, thirds, sixths and sevenths, Major at index 5.
const IMPERFECT_LADDER: [Specifier; 10] = [
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

/// Semitones of the major or perfect form of each simple generic interval (unison first).
const MAJOR_OR_PERFECT_SEMITONES: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];

impl Specifier {
    /// The abbreviation: `P`, `M`, `m`, `A`, `d`, `AA`, `dd`, ...
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

    /// The full word: `Perfect`, `Doubly-Augmented`, ...
    pub fn nice_name(self) -> &'static str {
        match self {
            Specifier::Perfect => "Perfect",
            Specifier::Major => "Major",
            Specifier::Minor => "Minor",
            Specifier::Augmented => "Augmented",
            Specifier::Diminished => "Diminished",
            Specifier::DoublyAugmented => "Doubly-Augmented",
            Specifier::DoublyDiminished => "Doubly-Diminished",
            Specifier::TriplyAugmented => "Triply-Augmented",
            Specifier::TriplyDiminished => "Triply-Diminished",
            Specifier::QuadruplyAugmented => "Quadruply-Augmented",
            Specifier::QuadruplyDiminished => "Quadruply-Diminished",
        }
    }
}

/// The interval from one pitch to another, both spellings kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    /// The directed generic size: 1 for a unison, 3 for a third up, -3 for a third down.
    pub generic: i32,
    /// The directed size in semitones.
    pub semitones: i32,
    /// The quality; `None` when the spelling is too far from any quality music21 can name.
    pub specifier: Option<Specifier>,
}

/// A pitch's diatonic note number: letters counted from C0 (music21's `diatonicNoteNum`).
pub fn diatonic_note_number(pitch: &Pitch) -> i32 {
    pitch.octave * 7 + pitch.step.index() + 1
}

/// The letter distance from `from` up to `to`, within the octave: 1 for the same letter, 3 for a
/// third above (or a sixth below), as music21's `generic.mod7`.
pub fn letter_distance(from: &Pitch, to: &Pitch) -> i32 {
    (to.step.index() - from.step.index()).rem_euclid(7) + 1
}

impl Interval {
    /// The interval from `start` to `end`.
    pub fn between(start: &Pitch, end: &Pitch) -> Interval {
        let staff = diatonic_note_number(end) - diatonic_note_number(start);
        let generic = match staff {
            0 => 1,
            s if s > 0 => s + 1,
            s => s - 1,
        };
        let semitones = end.midi() - start.midi();
        Interval {
            generic,
            semitones,
            specifier: specifier_for(generic, semitones),
        }
    }

    /// The undirected generic size (a tenth is 10).
    pub fn undirected(&self) -> i32 {
        self.generic.abs()
    }

    /// The generic size within an octave, 1 to 7 (an octave is 1, a tenth is 3).
    pub fn simple_undirected(&self) -> i32 {
        simple_steps_and_octaves(self.undirected()).0
    }

    /// The simple size with octaves kept as 8 (music21's `semiSimpleUndirected`).
    pub fn semi_simple_undirected(&self) -> i32 {
        let (steps, octaves) = simple_steps_and_octaves(self.undirected());
        if octaves >= 1 && steps == 1 { 8 } else { steps }
    }

    /// The simple size with the sign of a descending interval (music21's `simpleDirected`).
    pub fn simple_directed(&self) -> i32 {
        let simple = self.simple_undirected();
        if self.generic < -1 && simple > 1 {
            -simple
        } else {
            simple
        }
    }

    /// `specifier + simple size`, as `"M3"` or `"P1"` for an octave.
    pub fn simple_name(&self) -> String {
        format!("{}{}", self.abbreviation(), self.simple_undirected())
    }

    /// `specifier + signed simple size`, as `"m-6"` for a minor sixth down.
    pub fn directed_simple_name(&self) -> String {
        format!("{}{}", self.abbreviation(), self.simple_directed())
    }

    /// The long name, as `"Major Tenth"` or `"Perfect Double-octave"`.
    pub fn nice_name(&self) -> String {
        format!(
            "{} {}",
            self.nice_specifier(),
            ordinal_name(self.undirected())
        )
    }

    /// The long name with octaves removed except for octaves themselves, as `"Major Third"`.
    pub fn semi_simple_nice_name(&self) -> String {
        format!(
            "{} {}",
            self.nice_specifier(),
            ordinal_name(self.semi_simple_undirected())
        )
    }

    /// True for a perfect unison or fifth, or a major or minor third or sixth (any octave).
    pub fn is_consonant(&self) -> bool {
        matches!(
            self.simple_name().as_str(),
            "P5" | "m3" | "M3" | "m6" | "M6" | "P1"
        )
    }

    fn abbreviation(&self) -> &'static str {
        self.specifier.map_or("?", Specifier::abbreviation)
    }

    fn nice_specifier(&self) -> &'static str {
        self.specifier.map_or("Unknown", Specifier::nice_name)
    }
}

/// music21's `_simpleStepsAndOctaves`: the size within an octave (1..=7) and whole octaves.
fn simple_steps_and_octaves(undirected: i32) -> (i32, i32) {
    let (mut octaves, mut steps) = (undirected.div_euclid(7), undirected.rem_euclid(7));
    if steps == 0 {
        octaves -= 1;
        steps = 7;
    }
    (steps, octaves)
}

/// The specifier for a generic size and a semitone count, as music21 finds it.
///
/// Like music21, an index below the ladder wraps around from its top end (a Python negative
/// index); an index past the top has no name.
fn specifier_for(generic: i32, semitones: i32) -> Option<Specifier> {
    let undirected = generic.abs();
    let (steps, octaves) = simple_steps_and_octaves(undirected);
    let normal = MAJOR_OR_PERFECT_SEMITONES[(steps - 1) as usize] + 12 * octaves;
    let generic_sign = if undirected == 1 { 0 } else { generic.signum() };
    let these = if generic_sign != 0 && semitones != 0 && generic_sign != semitones.signum() {
        -semitones.abs()
    } else if undirected == 1 {
        semitones
    } else {
        semitones.abs()
    };
    let perfectable = matches!(steps, 1 | 4 | 5);
    if perfectable {
        ladder_at(&PERFECT_LADDER, 4 + these - normal)
    } else {
        ladder_at(&IMPERFECT_LADDER, 5 + these - normal)
    }
}

/// A Python-style list index: negative counts from the end, out of range is `None`.
fn ladder_at(ladder: &[Specifier], index: i32) -> Option<Specifier> {
    let len = ladder.len() as i32;
    let index = if index < 0 { index + len } else { index };
    usize::try_from(index)
        .ok()
        .and_then(|i| ladder.get(i).copied())
}

/// music21's interval ordinal: `Unison`, `Second`, ..., `Octave`, ..., `Double-octave`, ...,
/// `Triple-octave`, then `23rd`, `24th` and so on.
fn ordinal_name(number: i32) -> String {
    const NAMES: [&str; 23] = [
        "Zeroth",
        "Unison",
        "Second",
        "Third",
        "Fourth",
        "Fifth",
        "Sixth",
        "Seventh",
        "Octave",
        "Ninth",
        "Tenth",
        "Eleventh",
        "Twelfth",
        "Thirteenth",
        "Fourteenth",
        "Double-octave",
        "Sixteenth",
        "Seventeenth",
        "Eighteenth",
        "Nineteenth",
        "Twentieth",
        "Twenty-first",
        "Triple-octave",
    ];
    match usize::try_from(number).ok().and_then(|n| NAMES.get(n)) {
        Some(name) => (*name).to_string(),
        None => format!("{number}{}", ordinal_suffix(number)),
    }
}

/// `st`, `nd`, `rd` or `th` for a number, as in `23rd` and `111th`.
fn ordinal_suffix(number: i32) -> &'static str {
    if matches!(number.rem_euclid(100), 11..=13) {
        return "th";
    }
    match number.rem_euclid(10) {
        1 => "st",
        2 => "nd",
        3 => "rd",
        _ => "th",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interval(a: &str, b: &str) -> Interval {
        Interval::between(&Pitch::parse(a).unwrap(), &Pitch::parse(b).unwrap())
    }

    #[test]
    fn simple_intervals_are_named_by_specifier_and_size() {
        assert_eq!(interval("C4", "E4").simple_name(), "M3");
        assert_eq!(interval("C4", "E-4").simple_name(), "m3");
        assert_eq!(interval("B3", "F4").simple_name(), "d5");
        assert_eq!(interval("F4", "B4").simple_name(), "A4");
        assert_eq!(interval("C4", "C#4").simple_name(), "A1");
        assert_eq!(interval("C#4", "C4").simple_name(), "d1");
    }

    #[test]
    fn descending_intervals_carry_their_sign_in_the_directed_name() {
        assert_eq!(interval("E4", "G#3").directed_simple_name(), "m-6");
        assert_eq!(interval("F#4", "A3").directed_simple_name(), "M-6");
        assert_eq!(interval("A-3", "D4").directed_simple_name(), "A4");
        assert_eq!(interval("C5", "D4").directed_simple_name(), "m-7");
    }

    #[test]
    fn compound_intervals_get_long_ordinal_names() {
        assert_eq!(interval("C3", "E4").nice_name(), "Major Tenth");
        assert_eq!(interval("C3", "C5").nice_name(), "Perfect Double-octave");
        assert_eq!(interval("C2", "E-5").nice_name(), "Minor 24th");
        assert_eq!(interval("C2", "E5").nice_name(), "Major 24th");
        assert_eq!(interval("C1", "E4").nice_name(), "Major 24th");
        assert_eq!(interval("C1", "D4").nice_name(), "Major 23rd");
        assert_eq!(interval("C3", "E4").semi_simple_nice_name(), "Major Third");
        assert_eq!(
            interval("C4", "C-5").semi_simple_nice_name(),
            "Diminished Octave"
        );
    }

    #[test]
    fn consonance_follows_the_simple_name() {
        assert!(interval("C4", "G5").is_consonant());
        assert!(interval("E4", "C5").is_consonant());
        assert!(!interval("C4", "F4").is_consonant());
        assert!(!interval("C4", "F#4").is_consonant());
    }
}
