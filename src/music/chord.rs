//! Chord identification as music21's `chord.Chord` does it: root, bass, quality, common name,
//! inversion and consonance, with music21's tie-breaks and spelling rules.
//!
//! A [`Chord`] is a set of spelled pitches in music21's order (lowest first, as `chordify`
//! leaves them). It sits below [`super::chordify`], which builds chords from a score, and
//! [`super::roman`], which names them in a key. Everything here is pure arithmetic on spellings.

pub mod interval;
pub mod tables;

use interval::{Interval, diatonic_note_number, letter_distance};
use tables::SetClass;

use super::model::Pitch;

/// A chord: distinct spelled pitches, with its root found once.
#[derive(Clone, Debug, PartialEq)]
pub struct Chord {
    /// The pitches in music21's order. Invariant: not empty.
    pitches: Vec<Pitch>,
    /// Index of the root in `pitches`.
    root: usize,
    /// The transpositional set class of the pitch classes.
    set_class: &'static SetClass,
    /// Number of distinct pitch names (octave ignored, spelling kept).
    name_count: usize,
    /// Number of distinct sounding pitches (MIDI numbers).
    sound_count: usize,
}

/// music21's `chord.quality`: the quality of the underlying triad.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quality {
    /// A major third (and a perfect fifth, if any).
    Major,
    /// A minor third (and a perfect fifth, if any).
    Minor,
    /// A minor third and a diminished fifth.
    Diminished,
    /// A major third and an augmented fifth.
    Augmented,
    /// Anything else.
    Other,
}

impl Quality {
    /// The word music21 uses.
    pub fn name(self) -> &'static str {
        match self {
            Quality::Major => "major",
            Quality::Minor => "minor",
            Quality::Diminished => "diminished",
            Quality::Augmented => "augmented",
            Quality::Other => "other",
        }
    }
}

/// Which augmented-sixth chord a test is about: its set class, normal inversion, and the
/// directed simple intervals its third, fifth and seventh must make with the root.
struct AugmentedSixth {
    address: (u8, u8, i8),
    inversion: u8,
    intervals: &'static [[&'static str; 2]],
}

const ITALIAN: AugmentedSixth = AugmentedSixth {
    address: (3, 8, 1),
    inversion: 1,
    intervals: &[["d3", "A-6"], ["d5", "A-4"]],
};
const FRENCH: AugmentedSixth = AugmentedSixth {
    address: (4, 25, 0),
    inversion: 2,
    intervals: &[["M3", "m-6"], ["d5", "A-4"], ["m7", "M-2"]],
};
const GERMAN: AugmentedSixth = AugmentedSixth {
    address: (4, 27, -1),
    inversion: 1,
    intervals: &[["d3", "A-6"], ["d5", "A-4"], ["d7", "A-2"]],
};
const SWISS: AugmentedSixth = AugmentedSixth {
    address: (4, 27, -1),
    inversion: 2,
    intervals: &[["m3", "M-6"], ["dd5", "AA-4"], ["d7", "A-2"]],
};

impl Chord {
    /// A chord of `pitches` in the order given, which should be music21's (lowest `ps` first,
    /// as `chordify` sorts them). `None` when there are no pitches.
    pub fn new(pitches: Vec<Pitch>) -> Option<Chord> {
        let mask = pitches
            .iter()
            .fold(0u16, |mask, p| mask | 1 << p.pitch_class());
        let set_class = SetClass::find(mask)?;
        let root = find_root(&pitches);
        let name_count = count_distinct(&pitches, |p| (p.step, p.alter));
        let sound_count = count_distinct(&pitches, Pitch::midi);
        Some(Chord {
            pitches,
            root,
            set_class,
            name_count,
            sound_count,
        })
    }

    /// The pitches, in the chord's order.
    pub fn pitches(&self) -> &[Pitch] {
        &self.pitches
    }

    /// music21's `root()`: the pitch with the most thirds stacked above it.
    pub fn root(&self) -> &Pitch {
        &self.pitches[self.root]
    }

    /// music21's `bass()`: the lowest pitch by letter, then by sound; the first on a tie.
    pub fn bass(&self) -> &Pitch {
        &self.pitches[self.bass_index()]
    }

    /// The transpositional set class (Forte number and common names).
    pub fn set_class(&self) -> &'static SetClass {
        self.set_class
    }

    /// Number of distinct pitch classes.
    pub fn pitch_class_cardinality(&self) -> usize {
        usize::from(self.set_class.cardinality)
    }

    /// The first pitch at a chord step above the root (3 = third, 5 = fifth; 9 is the same as 2).
    pub fn chord_step(&self, step: i32) -> Option<&Pitch> {
        self.chord_step_index(step).map(|i| &self.pitches[i])
    }

    /// Index of the first pitch at a chord step above the root.
    pub fn chord_step_index(&self, step: i32) -> Option<usize> {
        let step = if step >= 8 { step - 7 } else { step };
        let root = self.root();
        self.pitches
            .iter()
            .position(|p| letter_distance(root, p) == step)
    }

    /// Semitones (mod 12) from the root up to the first pitch at a chord step.
    pub fn semitones_from_chord_step(&self, step: i32) -> Option<i32> {
        self.chord_step(step).map(|p| self.semitones_above_root(p))
    }

    /// The third, fifth and seventh above the root, as indices into [`Chord::pitches`].
    pub fn third_index(&self) -> Option<usize> {
        self.chord_step_index(3)
    }

    /// The fifth above the root, as an index into [`Chord::pitches`].
    pub fn fifth_index(&self) -> Option<usize> {
        self.chord_step_index(5)
    }

    /// music21's `quality`.
    pub fn quality(&self) -> Quality {
        let Some(third) = self.semitones_from_chord_step(3) else {
            return Quality::Other;
        };
        if self.has_repeated_chord_step(1) || self.has_repeated_chord_step(3) {
            return Quality::Other;
        }
        let Some(fifth) = self.semitones_from_chord_step(5) else {
            return match third {
                4 => Quality::Major,
                3 => Quality::Minor,
                _ => Quality::Other,
            };
        };
        if self.has_repeated_chord_step(5) {
            return Quality::Other;
        }
        match (third, fifth) {
            (4, 7) => Quality::Major,
            (3, 7) => Quality::Minor,
            (4, 8) => Quality::Augmented,
            (3, 6) => Quality::Diminished,
            _ => Quality::Other,
        }
    }

    /// music21's `inversion()`: 0 for root position up to 6, from the bass's letter above the
    /// root (octaves and completeness do not matter).
    pub fn inversion(&self) -> u8 {
        match letter_distance(self.bass(), self.root()) {
            1 => 0,
            6 => 1,
            4 => 2,
            2 => 3,
            7 => 4,
            5 => 5,
            _ => 6,
        }
    }

    /// music21's `inversionText()`: `Root Position`, `First Inversion`, ...
    pub fn inversion_text(&self) -> String {
        const ORDINALS: [&str; 7] = ["", "First", "Second", "Third", "Fourth", "Fifth", "Sixth"];
        match self.inversion() {
            0 => "Root Position".to_string(),
            n => format!("{} Inversion", ORDINALS[usize::from(n)]),
        }
    }

    /// music21's `isConsonant()`: one pitch name; two names a third, sixth, fifth or unison;
    /// three names a major or minor triad not in second inversion.
    pub fn is_consonant(&self) -> bool {
        match self.distinct_name_count() {
            1 => true,
            2 => self.closed_position_dyad().is_consonant(),
            3 => (self.is_major_triad() || self.is_minor_triad()) && self.inversion() != 2,
            _ => false,
        }
    }

    /// music21's `commonName`.
    pub fn common_name(&self) -> String {
        match self.set_class.cardinality {
            1 => self.one_pitch_class_name(),
            2 => self.two_pitch_class_name(),
            _ => self.set_class_name(),
        }
    }

    /// True for a correctly spelled major triad (any inversion, any doublings).
    pub fn is_major_triad(&self) -> bool {
        self.is_triad_of_type((3, 11, -1), 4, 7)
    }

    /// True for a correctly spelled minor triad.
    pub fn is_minor_triad(&self) -> bool {
        self.is_triad_of_type((3, 11, 1), 3, 7)
    }

    /// True for a correctly spelled diminished triad.
    pub fn is_diminished_triad(&self) -> bool {
        self.is_triad_of_type((3, 10, 0), 3, 6)
    }

    /// True for a correctly spelled augmented triad.
    pub fn is_augmented_triad(&self) -> bool {
        self.is_triad_of_type((3, 12, 0), 4, 8)
    }

    /// music21's `isTriad()`: three pitch names, with a third and a fifth above the root.
    pub fn is_triad(&self) -> bool {
        self.distinct_name_count() == 3
            && self.chord_step(3).is_some()
            && self.chord_step(5).is_some()
    }

    /// music21's `isSeventh()`: four pitch names, with a third, fifth and seventh.
    pub fn is_seventh(&self) -> bool {
        self.distinct_name_count() == 4
            && self.chord_step(3).is_some()
            && self.chord_step(5).is_some()
            && self.chord_step(7).is_some()
    }

    /// music21's `isNinth()`: five pitch names, with a third, fifth, seventh and ninth.
    pub fn is_ninth(&self) -> bool {
        self.distinct_name_count() == 5
            && [3, 5, 7, 2].iter().all(|&s| self.chord_step(s).is_some())
    }

    /// music21's `isSeventhOfType`: a seventh chord whose every pitch lies at one of
    /// `semitones` (mod 12) above the root.
    pub fn is_seventh_of_type(&self, semitones: &[i32]) -> bool {
        self.is_seventh()
            && self
                .pitches
                .iter()
                .all(|p| semitones.contains(&self.semitones_above_root(p)))
    }

    /// A correctly spelled dominant seventh chord.
    pub fn is_dominant_seventh(&self) -> bool {
        self.is_seventh_of_type(&[0, 4, 7, 10])
    }

    /// A correctly spelled diminished seventh chord.
    pub fn is_diminished_seventh(&self) -> bool {
        self.is_seventh_of_type(&[0, 3, 6, 9])
    }

    /// A correctly spelled half-diminished seventh chord.
    pub fn is_half_diminished_seventh(&self) -> bool {
        self.is_seventh_of_type(&[0, 3, 6, 10])
    }

    /// music21's `isIncompleteMajorTriad()`: a root and its major third only.
    pub fn is_incomplete_major_triad(&self) -> bool {
        self.is_incomplete_triad_of_type(4)
    }

    /// music21's `isIncompleteMinorTriad()`: a root and its minor third only.
    pub fn is_incomplete_minor_triad(&self) -> bool {
        self.is_incomplete_triad_of_type(3)
    }

    /// music21's `isAugmentedSixth()`: Italian, French, German or Swiss, correctly spelled,
    /// in its normal inversion unless `any_inversion`.
    pub fn is_augmented_sixth(&self, any_inversion: bool) -> bool {
        match self.pitch_class_cardinality() {
            3 => self.is_augmented_sixth_of(&ITALIAN, any_inversion),
            4 => [FRENCH, GERMAN, SWISS]
                .iter()
                .any(|kind| self.is_augmented_sixth_of(kind, any_inversion)),
            _ => false,
        }
    }

    fn semitones_above_root(&self, pitch: &Pitch) -> i32 {
        (i32::from(pitch.pitch_class()) - i32::from(self.root().pitch_class())).rem_euclid(12)
    }

    fn bass_index(&self) -> usize {
        let mut lowest = 0;
        for (i, pitch) in self.pitches.iter().enumerate().skip(1) {
            let current = &self.pitches[lowest];
            let key = (diatonic_note_number(pitch), pitch.midi());
            if key < (diatonic_note_number(current), current.midi()) {
                lowest = i;
            }
        }
        lowest
    }

    fn distinct_name_count(&self) -> usize {
        self.name_count
    }

    fn distinct_midi_count(&self) -> usize {
        self.sound_count
    }

    /// music21's `hasRepeatedChordStep`: two spellings at one chord step (E and E-flat).
    fn has_repeated_chord_step(&self, step: i32) -> bool {
        let Some(first) = self.semitones_from_chord_step(step) else {
            return false;
        };
        let root = self.root();
        self.pitches
            .iter()
            .any(|p| letter_distance(root, p) == step && self.semitones_above_root(p) != first)
    }

    /// music21's `hasAnyEnharmonicSpelledPitches`: one pitch class spelled two ways.
    fn has_enharmonic_spellings(&self) -> bool {
        self.pitch_class_cardinality() != self.distinct_name_count()
    }

    fn is_triad_of_type(&self, address: (u8, u8, i8), third: i32, fifth: i32) -> bool {
        if self.set_class.address() != address
            || !self.is_triad()
            || self.has_enharmonic_spellings()
        {
            return false;
        }
        self.semitones_from_chord_step(3) == Some(third)
            && self.semitones_from_chord_step(5) == Some(fifth)
    }

    fn is_incomplete_triad_of_type(&self, third: i32) -> bool {
        let (cardinality, index, _) = self.set_class.address();
        (cardinality, i32::from(index)) == (2, third)
            && self.chord_step(3).is_some()
            && self
                .pitches
                .iter()
                .all(|p| [0, third].contains(&self.semitones_above_root(p)))
    }

    fn is_augmented_sixth_of(&self, kind: &AugmentedSixth, any_inversion: bool) -> bool {
        if self.set_class.address() != kind.address || self.has_enharmonic_spellings() {
            return false;
        }
        if !any_inversion && self.inversion() != kind.inversion {
            return false;
        }
        let root = self.root();
        kind.intervals.iter().zip([3, 5, 7]).all(|(allowed, step)| {
            self.chord_step(step).is_some_and(|p| {
                let name = Interval::between(root, p).directed_simple_name();
                allowed.contains(&name.as_str())
            })
        })
    }

    /// The two-name chord in closed position above its bass, as `isConsonant` measures it.
    fn closed_position_dyad(&self) -> Interval {
        let bass = *self.bass();
        let mut closed: Vec<Pitch> = Vec::with_capacity(self.pitches.len());
        for pitch in &self.pitches {
            let mut p = *pitch;
            while p.midi() >= bass.midi() + 12 {
                p.octave -= 1;
            }
            if diatonic_note_number(&p) < diatonic_note_number(&bass) {
                p.octave += 1;
            }
            if !closed.contains(&p) {
                closed.push(p);
            }
        }
        closed.sort_by_key(|p| (diatonic_note_number(p), p.midi()));
        Interval::between(&closed[0], &closed[closed.len().min(2) - 1])
    }

    fn one_pitch_class_name(&self) -> String {
        if self.pitches.len() == 1 {
            return "note".to_string();
        }
        let sounds = self.distinct_midi_count();
        if self.distinct_name_count() == 1 {
            return match sounds {
                1 => "unison".to_string(),
                2 => Interval::between(&self.pitches[0], &self.pitches[1]).nice_name(),
                _ => "multiple octaves".to_string(),
            };
        }
        if sounds == 1 {
            "enharmonic unison".to_string()
        } else {
            "enharmonic octaves".to_string()
        }
    }

    fn two_pitch_class_name(&self) -> String {
        let first = &self.pitches[0];
        let Some(other) = self
            .pitches
            .iter()
            .find(|p| p.pitch_class() != first.pitch_class())
        else {
            return self.one_pitch_class_name();
        };
        let relevant = Interval::between(first, other);
        if self.distinct_name_count() > 2 {
            let semitones = relevant.semitones.abs() % 12;
            let plural = if semitones == 1 { "" } else { "s" };
            return format!("{semitones} semitone{plural}");
        }
        if self.distinct_midi_count() > 2 {
            return format!("{} with octave doublings", relevant.semi_simple_nice_name());
        }
        Interval::between(&self.pitches[0], &self.pitches[1]).nice_name()
    }

    /// The name from the set-class table, with music21's spelling checks for the classes whose
    /// usual name depends on spelling.
    fn set_class_name(&self) -> String {
        let names = self.set_class.names;
        let forte = self.set_class.forte_name();
        let enharmonic = |name: &str| format!("enharmonic equivalent to {name}");
        match forte.as_str() {
            "4-27B" => return self.dominant_or_augmented_sixth_name(names),
            "4-25" => return self.named_augmented_sixth(&FRENCH, names[1], names[0]),
            "3-8A" => return self.named_augmented_sixth(&ITALIAN, names[1], names[0]),
            "4-20" | "4-26" if self.is_seventh_with_perfect_fifths() => {
                return names[0].to_string();
            }
            "4-20" | "4-26" => return enharmonic(names[0]),
            _ => {}
        }
        let Some(first) = names.first() else {
            return format!("forte class {forte}");
        };
        match self.spelling_test(&forte) {
            Some(false) => enharmonic(first),
            _ => first.to_string(),
        }
    }

    /// For the classes music21 checks for correct spelling: whether this chord passes.
    fn spelling_test(&self, forte: &str) -> Option<bool> {
        Some(match forte {
            "3-11A" => self.is_minor_triad(),
            "3-11B" => self.is_major_triad(),
            "3-10" => self.is_diminished_triad(),
            "3-12" => self.is_augmented_triad(),
            "4-27A" => self.is_half_diminished_seventh(),
            "4-28" => self.is_diminished_seventh(),
            "5-27A" | "5-27B" | "5-34" => self.is_ninth(),
            _ => return None,
        })
    }

    fn dominant_or_augmented_sixth_name(&self, names: &[&str]) -> String {
        if self.is_dominant_seventh() {
            return names[0].to_string();
        }
        for (kind, name) in [(&GERMAN, names[2]), (&SWISS, names[3])] {
            if self.is_augmented_sixth_of(kind, false) {
                return name.to_string();
            }
            if self.is_augmented_sixth_of(kind, true) {
                return format!("{name} in {}", self.inversion_text().to_lowercase());
            }
        }
        format!("enharmonic to {}", names[0])
    }

    fn named_augmented_sixth(&self, kind: &AugmentedSixth, name: &str, otherwise: &str) -> String {
        if self.is_augmented_sixth_of(kind, false) {
            name.to_string()
        } else if self.is_augmented_sixth_of(kind, true) {
            format!("{name} in {}", self.inversion_text().to_lowercase())
        } else {
            otherwise.to_string()
        }
    }

    /// music21's test for minor-minor and major-major sevenths: a seventh chord holding the
    /// perfect fifth above its root and the perfect fifth above its third.
    fn is_seventh_with_perfect_fifths(&self) -> bool {
        if !self.is_seventh() {
            return false;
        }
        let has_name = |p: Pitch| {
            self.pitches
                .iter()
                .any(|q| q.step == p.step && q.alter == p.alter)
        };
        let fifth_above = |p: &Pitch| p.transposed(4, 7);
        let Some(third) = self.chord_step(3) else {
            return false;
        };
        has_name(fifth_above(self.root())) && has_name(fifth_above(third))
    }
}

/// How many distinct values `key` takes over the pitches (chords are small: no hashing).
fn count_distinct<K: PartialEq>(pitches: &[Pitch], key: impl Fn(&Pitch) -> K) -> usize {
    let keys: Vec<K> = pitches.iter().map(key).collect();
    (0..keys.len())
        .filter(|&i| !keys[..i].contains(&keys[i]))
        .count()
}

/// music21's `_findRoot`: a pitch with perfectly stacked thirds above it if one exists,
/// otherwise the pitch whose letters best fit a stack of thirds (first on a tie).
fn find_root(pitches: &[Pitch]) -> usize {
    // One pitch per letter, the first of each, in chord order.
    let mut seen = [false; 7];
    let mut distinct: Vec<usize> = Vec::with_capacity(7);
    for (i, pitch) in pitches.iter().enumerate() {
        let letter = pitch.step.index() as usize;
        if !seen[letter] {
            seen[letter] = true;
            distinct.push(i);
        }
    }

    match distinct.len() {
        1 => return 0,
        7 => return bass_of(pitches),
        _ => {}
    }
    if let Some(root) = stacked_thirds_root(pitches, &distinct, &seen) {
        return root;
    }
    rootiest(pitches, &distinct, &seen)
}

fn bass_of(pitches: &[Pitch]) -> usize {
    let mut lowest = 0;
    for (i, pitch) in pitches.iter().enumerate().skip(1) {
        let current = &pitches[lowest];
        if (diatonic_note_number(pitch), pitch.midi())
            < (diatonic_note_number(current), current.midi())
        {
            lowest = i;
        }
    }
    lowest
}

/// The letter from which every other letter follows by a third, wrapping round, if any.
fn stacked_thirds_root(pitches: &[Pitch], distinct: &[usize], seen: &[bool; 7]) -> Option<usize> {
    let letters: Vec<i32> = (0..7).filter(|&l| seen[l as usize]).collect();
    let count = letters.len();
    for start in 0..count {
        let mut last = letters[start];
        let stacked = (start + 1..start + count).all(|end| {
            let next = letters[end % count];
            let ok = matches!(next - last, 2 | -5);
            last = next;
            ok
        });
        if stacked {
            let letter = letters[start];
            return distinct
                .iter()
                .copied()
                .find(|&i| pitches[i].step.index() == letter);
        }
    }
    None
}

/// music21's rootness score: for each letter, the chord steps 3, 5, 7, 9, 11, 13 present above
/// it, weighted 1/6, 1/7, ... 1/11, summed in that order.
fn rootiest(pitches: &[Pitch], distinct: &[usize], seen: &[bool; 7]) -> usize {
    let mut best = (f64::NEG_INFINITY, distinct[0]);
    for &i in distinct {
        let letter = pitches[i].step.index();
        let mut score = 0.0;
        for (rank, step) in [3, 5, 7, 2, 4, 6].iter().enumerate() {
            if seen[((letter + step - 1) % 7) as usize] {
                score += 1.0 / (rank as f64 + 6.0);
            }
        }
        if score > best.0 {
            best = (score, i);
        }
    }
    best.1
}

#[cfg(test)]
mod tests;
