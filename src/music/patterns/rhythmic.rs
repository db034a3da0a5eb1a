//! Rhythmic patterns: runs of note and rest durations that recur, in one part or across parts.
//!
//! Each part is read through its line ([`crate::music::line`]), so tied notes count once with
//! their whole length and a gap between notes is a rest of that length. Runs made of a single
//! repeated value (four quarters in a row) are too common to be worth reporting and are skipped.

use super::repeats::repeated;
use super::{Occurrence, Pattern, PatternKind, PatternOptions, Transformation, occurrence};
use crate::music::line::part_line;
use crate::music::model::{Part, Ql, Score};

/// One note or rest of a part's rhythm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Beat {
    start: Ql,
    duration: Ql,
    rest: bool,
}

/// One part's rhythm.
struct Rhythm<'a> {
    index: usize,
    part: &'a Part,
    beats: Vec<Beat>,
}

/// Every rhythmic pattern of the selected parts, unranked.
pub(super) fn patterns(score: &Score, parts: &[usize], options: &PatternOptions) -> Vec<Pattern> {
    let rhythms: Vec<Rhythm> = parts
        .iter()
        .map(|&index| Rhythm::new(index, &score.parts[index]))
        .collect();
    let lens: Vec<usize> = rhythms.iter().map(|r| r.beats.len()).collect();
    let groups = repeated(
        &lens,
        options.min_length..=options.max_length,
        options.min_occurrences,
        |window| {
            let run = &rhythms[window.seq].beats[window.start..window.end()];
            let uniform = run
                .iter()
                .all(|b| (b.duration, b.rest) == (run[0].duration, run[0].rest));
            let silent = run.iter().all(|b| b.rest);
            let key: Vec<(Ql, bool)> = run.iter().map(|b| (b.duration, b.rest)).collect();
            (!uniform && !silent).then_some(key)
        },
    );
    groups
        .iter()
        .map(|group| {
            let occurrences: Vec<Occurrence> = group
                .iter()
                .map(|w| rhythms[w.seq].occurrence(w.start, w.end() - 1))
                .collect();
            let signature = occurrences[0].content.clone();
            Pattern {
                kind: PatternKind::RepeatedRhythm,
                length: group[0].len as u32,
                occurrence_count: group.len() as u32,
                description: format!(
                    "{} durations ({}), {} times",
                    group[0].len,
                    signature.join(", "),
                    group.len()
                ),
                signature,
                semitones: Vec::new(),
                occurrences,
            }
        })
        .collect()
}

impl<'a> Rhythm<'a> {
    fn new(index: usize, part: &'a Part) -> Rhythm<'a> {
        let mut beats: Vec<Beat> = Vec::new();
        for event in part_line(part) {
            if let Some(last) = beats.last().copied() {
                let gap_start = last.start + last.duration;
                if event.start > gap_start {
                    beats.push(Beat {
                        start: gap_start,
                        duration: event.start - gap_start,
                        rest: true,
                    });
                }
            }
            beats.push(Beat {
                start: event.start,
                duration: event.end - event.start,
                rest: false,
            });
        }
        Rhythm { index, part, beats }
    }

    fn occurrence(&self, first: usize, last: usize) -> Occurrence {
        let content = self.beats[first..=last]
            .iter()
            .map(|b| {
                if b.rest {
                    format!("rest {}", b.duration)
                } else {
                    b.duration.to_string()
                }
            })
            .collect();
        let span = (self.beats[first].start, self.beats[last].start);
        occurrence(
            self.part,
            Some(self.index),
            span,
            Transformation::Exact,
            None,
            content,
        )
    }
}
