//! music21's `VoiceLeadingQuartet` tests: two voices, each moving from one note to the next.
//!
//! The tests are ports of music21 10.5.1's `parallelFifth`, `parallelOctave`, `parallelUnison`,
//! `hiddenFifth`, `hiddenOctave`, `voiceCrossing` and `voiceOverlap`, down to their quirks:
//! contrary motion between two vertical intervals that reduce to the same perfect interval is
//! "antiparallel" and counts as parallel; a contrary octave or unison is both a parallel octave
//! and a parallel unison; directions are taken in semitones, so an enharmonic respelling does
//! not move.

use crate::music::interval::{Interval, IntervalError, Specifier};
use crate::music::model::Pitch;

/// Two voices, each moving from one pitch to the next: `v1` is the upper part of the pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quartet {
    /// The upper voice's first pitch.
    pub v1n1: Pitch,
    /// The upper voice's second pitch.
    pub v1n2: Pitch,
    /// The lower voice's first pitch.
    pub v2n1: Pitch,
    /// The lower voice's second pitch.
    pub v2n2: Pitch,
}

/// What one quartet shows, one flag per music21 test.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuartetFindings {
    /// `parallelFifth()`.
    pub parallel_fifth: bool,
    /// `parallelOctave()`.
    pub parallel_octave: bool,
    /// `parallelUnison()`.
    pub parallel_unison: bool,
    /// `hiddenFifth()`.
    pub hidden_fifth: bool,
    /// `hiddenOctave()`.
    pub hidden_octave: bool,
    /// `voiceCrossing()`.
    pub voice_crossing: bool,
    /// `voiceOverlap()`: a voice moves past where the other voice just was (beyond music21's
    /// oracle fields; reported separately).
    pub voice_overlap: bool,
}

/// The four intervals music21 derives: vertical (upper to lower) before and after, and each
/// voice's melodic move.
struct Intervals {
    vertical: [Interval; 2],
    melodic: [Interval; 2],
}

/// The perfect intervals the tests look for, as `(specifier, simple size, semi-simple size)`.
type PerfectTarget = (Specifier, i32, i32);
const FIFTH: PerfectTarget = (Specifier::Perfect, 5, 5);
const OCTAVE: PerfectTarget = (Specifier::Perfect, 1, 8);
const UNISON: PerfectTarget = (Specifier::Perfect, 1, 1);

impl Quartet {
    /// Runs every test, as music21 would; fails where music21 raises (absurd spellings).
    pub fn evaluate(&self) -> Result<QuartetFindings, IntervalError> {
        let intervals = Intervals {
            vertical: [
                Interval::between(&self.v1n1, &self.v2n1)?,
                Interval::between(&self.v1n2, &self.v2n2)?,
            ],
            melodic: [
                Interval::between(&self.v1n1, &self.v1n2)?,
                Interval::between(&self.v2n1, &self.v2n2)?,
            ],
        };
        Ok(QuartetFindings {
            parallel_fifth: intervals.parallel(FIFTH),
            parallel_octave: intervals.parallel(OCTAVE),
            parallel_unison: intervals.parallel(UNISON),
            hidden_fifth: intervals.hidden(FIFTH),
            hidden_octave: intervals.hidden(OCTAVE),
            voice_crossing: self.v1n1.midi() < self.v2n1.midi()
                || self.v1n2.midi() < self.v2n2.midi(),
            voice_overlap: self.v1n2.midi() < self.v2n1.midi()
                || self.v2n2.midi() > self.v1n1.midi(),
        })
    }
}

impl Intervals {
    /// `noMotion`: both voices hold a perfect unison.
    fn no_motion(&self) -> bool {
        self.melodic.iter().all(is_perfect_unison)
    }

    /// `obliqueMotion`: one voice holds, the other moves.
    fn oblique(&self) -> bool {
        !self.no_motion() && self.melodic.iter().any(is_perfect_unison)
    }

    /// `similarMotion`: both moves have the same direction in semitones.
    fn similar(&self) -> bool {
        !self.no_motion() && self.melodic[0].direction() == self.melodic[1].direction()
    }

    /// `contraryMotion`: both voices move, in different directions.
    fn contrary(&self) -> bool {
        !self.no_motion()
            && !self.oblique()
            && self.melodic[0].direction() != self.melodic[1].direction()
    }

    /// `parallelMotion(allowOctaveDisplacement=True)`: similar motion between vertical
    /// intervals of the same generic size, octaves apart allowed (a unison and an octave differ).
    fn parallel_generic(&self) -> bool {
        let [before, after] = self.vertical;
        self.similar()
            && before.generic().semi_simple_undirected() == after.generic().semi_simple_undirected()
    }

    /// `parallelInterval`: parallel motion into and out of the target (by `semiSimpleName`), or
    /// contrary motion between two intervals whose `simpleName` is the target's.
    fn parallel(&self, target: PerfectTarget) -> bool {
        let (specifier, simple, semi_simple) = target;
        let [before, after] = self.vertical;
        let parallel = self.parallel_generic()
            && before.semi_simple_key() == (specifier, semi_simple)
            && after.semi_simple_key() == (specifier, semi_simple);
        let antiparallel = self.contrary()
            && before.simple_key() == after.simple_key()
            && before.simple_key() == (specifier, simple);
        parallel || antiparallel
    }

    /// `hiddenInterval`: similar but not generically parallel motion into the target (by
    /// `simpleName`, so an octave target also matches a unison).
    fn hidden(&self, target: PerfectTarget) -> bool {
        let (specifier, simple, _) = target;
        !self.parallel_generic()
            && self.similar()
            && self.vertical[1].simple_key() == (specifier, simple)
    }
}

/// True for `P1`: the same spelled pitch.
fn is_perfect_unison(interval: &Interval) -> bool {
    interval.specifier() == Specifier::Perfect && interval.generic().undirected() == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quartet(v1n1: &str, v1n2: &str, v2n1: &str, v2n2: &str) -> QuartetFindings {
        let p = |name: &str| Pitch::parse(name).unwrap();
        Quartet {
            v1n1: p(v1n1),
            v1n2: p(v1n2),
            v2n1: p(v2n1),
            v2n2: p(v2n2),
        }
        .evaluate()
        .unwrap()
    }

    #[test]
    fn parallel_fifths_in_similar_motion_are_found() {
        let found = quartet("G4", "A4", "C4", "D4");
        assert!(found.parallel_fifth);
        assert!(!found.hidden_fifth);
    }

    #[test]
    fn a_fifth_to_a_twelfth_counts_as_parallel() {
        assert!(quartet("G4", "A5", "C4", "D4").parallel_fifth);
    }

    #[test]
    fn a_parallel_fifth_by_contrary_motion_is_antiparallel_and_counts() {
        assert!(quartet("G4", "D4", "C4", "G3").parallel_fifth);
        let contrary = quartet("G4", "A5", "C4", "D3");
        assert!(contrary.parallel_fifth);
    }

    #[test]
    fn a_diminished_fifth_to_a_perfect_fifth_is_not_parallel() {
        let found = quartet("F4", "G4", "B3", "C4");
        assert!(!found.parallel_fifth);
        assert!(
            !found.hidden_fifth,
            "same generic size is parallel motion, so not hidden"
        );
        assert!(!quartet("G4", "F4", "C4", "B3").parallel_fifth);
    }

    #[test]
    fn a_contrary_octave_is_both_a_parallel_octave_and_a_parallel_unison() {
        let found = quartet("C5", "C6", "C4", "C3");
        assert!(found.parallel_octave && found.parallel_unison);
        let into_unison = quartet("C5", "D4", "C4", "D4");
        assert!(into_unison.parallel_octave && into_unison.parallel_unison);
    }

    #[test]
    fn similar_motion_between_a_unison_and_an_octave_is_hidden_not_parallel() {
        let found = quartet("C4", "D5", "C4", "D4");
        assert!(!found.parallel_octave && !found.parallel_unison);
        assert!(found.hidden_octave);
    }

    #[test]
    fn a_hidden_octave_into_a_unison_is_found() {
        let found = quartet("A4", "E4", "F4", "E4");
        assert!(found.hidden_octave);
        assert!(!found.parallel_unison);
    }

    #[test]
    fn parallel_octaves_and_unisons_in_similar_motion_are_told_apart() {
        let octaves = quartet("C5", "D5", "C4", "D4");
        assert!(octaves.parallel_octave && !octaves.parallel_unison);
        let unisons = quartet("C4", "D4", "C4", "D4");
        assert!(unisons.parallel_unison && !unisons.parallel_octave);
    }

    #[test]
    fn voice_crossing_at_either_moment_is_one_crossing() {
        assert!(quartet("C4", "D4", "E4", "C4").voice_crossing);
        assert!(quartet("E4", "C4", "C4", "D4").voice_crossing);
        assert!(!quartet("E4", "F4", "C4", "D4").voice_crossing);
    }

    #[test]
    fn voice_overlap_is_a_move_past_the_other_voices_last_note() {
        assert!(quartet("E4", "B3", "C4", "A3").voice_overlap);
        assert!(!quartet("E4", "D4", "C4", "B3").voice_overlap);
    }

    #[test]
    fn oblique_motion_is_never_parallel_or_hidden() {
        let found = quartet("G4", "G4", "C4", "D4");
        assert_eq!(found, QuartetFindings::default());
    }
}
