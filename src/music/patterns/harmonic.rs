//! Harmonic patterns: chord-root progressions that recur, as written or transposed.
//!
//! The score is chordified as music21 does it ([`crate::music::chordify`]) and each chord's root
//! is music21's `chord.root()` ([`crate::music::chord::Chord::root`]). Consecutive chords with
//! the same root are merged, and a rest breaks the progression.

use super::repeats::repeated;
use super::{Occurrence, Pattern, PatternKind, PatternOptions, Transformation, occurrence};
use crate::music::chord::Chord;
use crate::music::chordify::chordify;
use crate::music::model::{Pitch, Ql, Score};

/// How roots are found, reported with harmonic results.
pub(super) const ROOT_METHOD: &str = "music21's chord.root() on each slice of chordify(); \
    consecutive slices with the same root are merged";

/// A stretch of the score over one root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Harmony {
    start: Ql,
    root: Pitch,
}

/// Every repeated root progression, unranked.
pub(super) fn patterns(score: &Score, options: &PatternOptions) -> Vec<Pattern> {
    let Some(reference) = score.parts.first() else {
        return Vec::new();
    };
    let harmonies = progression(score);
    let groups = repeated(
        &[harmonies.len()],
        options.min_length..=options.max_length,
        options.min_occurrences,
        |window| {
            let run: Option<Vec<Harmony>> = harmonies[window.start..window.end()]
                .iter()
                .copied()
                .collect();
            Some(root_motion(&run?))
        },
    );
    groups
        .iter()
        .map(|group| {
            let first = harmonies[group[0].start]
                .map(|h| h.root.pitch_class())
                .unwrap_or(0);
            let occurrences: Vec<Occurrence> = group
                .iter()
                .map(|w| {
                    let run: Vec<Harmony> = harmonies[w.start..w.end()]
                        .iter()
                        .flatten()
                        .copied()
                        .collect();
                    let shift =
                        (i32::from(run[0].root.pitch_class()) - i32::from(first)).rem_euclid(12);
                    let form = if shift == 0 {
                        Transformation::Exact
                    } else {
                        Transformation::Transposed
                    };
                    let roots = run.iter().map(|h| h.root.name()).collect();
                    let span = (run[0].start, run[run.len() - 1].start);
                    occurrence(reference, None, span, form, Some(shift), roots)
                })
                .collect();
            let signature = occurrences[0].content.clone();
            let first_run: Vec<Harmony> = harmonies[group[0].start..group[0].end()]
                .iter()
                .flatten()
                .copied()
                .collect();
            Pattern {
                kind: PatternKind::RepeatedProgression,
                length: group[0].len as u32,
                occurrence_count: group.len() as u32,
                description: format!("roots {}, {} times", signature.join(" - "), group.len()),
                signature,
                semitones: root_motion(&first_run),
                occurrences,
            }
        })
        .collect()
}

/// Semitones (0 to 11) from each root to the next.
fn root_motion(run: &[Harmony]) -> Vec<i32> {
    run.windows(2)
        .map(|pair| {
            (i32::from(pair[1].root.pitch_class()) - i32::from(pair[0].root.pitch_class()))
                .rem_euclid(12)
        })
        .collect()
}

/// The score's roots in time order, merged while the root stays; `None` marks a rest.
fn progression(score: &Score) -> Vec<Option<Harmony>> {
    let mut harmonies: Vec<Option<Harmony>> = Vec::new();
    for slice in chordify(score).slices {
        let Some(chord) = Chord::new(slice.pitches) else {
            if matches!(harmonies.last(), Some(Some(_))) {
                harmonies.push(None);
            }
            continue;
        };
        let root = *chord.root();
        let same =
            matches!(harmonies.last(), Some(Some(h)) if h.root.pitch_class() == root.pitch_class());
        if !same {
            harmonies.push(Some(Harmony {
                start: slice.offset,
                root,
            }));
        }
    }
    harmonies
}
