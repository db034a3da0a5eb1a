//! Melodic facts per part: the intervals between consecutive events of each part line.
//!
//! This is the oracle's `melodic` field (SCHEMA.md): intervals are counted only between events
//! that touch (a rest or gap breaks the line), sized both in semitones and by music21's spelled
//! generic interval, so an augmented second counts as a generic step but a semitone leap.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use super::interval::GenericInterval;
use super::line::{LineEvent, part_line};
use super::model::{Part, Score};

/// The melodic facts of one part, field for field as the oracle records them.
#[derive(Serialize, JsonSchema, Clone, Debug, Default, PartialEq, Eq)]
pub struct MelodicFacts {
    /// The part index (0 = top staff).
    pub part: u32,
    /// Events in the part line.
    pub line_events: u32,
    /// Intervals counted: pairs of consecutive events where the second starts as the first ends.
    pub interval_count: u32,
    /// Signed size in semitones (positive = up) to count, keys written as strings in JSON.
    pub semitone_histogram_signed: BTreeMap<i32, u32>,
    /// Absolute size in semitones to count.
    pub semitone_histogram_abs: BTreeMap<i32, u32>,
    /// Intervals of 0 semitones.
    pub unisons: u32,
    /// Intervals of 1 or 2 semitones.
    pub steps: u32,
    /// Intervals of 3 semitones or more.
    pub leaps: u32,
    /// Generic unisons (spelled size 1, the augmented unison included).
    pub generic_unisons: u32,
    /// Generic seconds (any second, the augmented second included).
    pub generic_steps: u32,
    /// Generic thirds and larger (the diminished third included).
    pub generic_leaps: u32,
    /// Why the generic counts could not be made; always null, as spelled generic sizes never
    /// fail here (music21 only fails on absurd spellings when naming the full interval).
    pub generic_error: Option<String>,
}

/// The melodic facts of every part, in part order.
pub fn melodic(score: &Score) -> Vec<MelodicFacts> {
    score
        .parts
        .iter()
        .enumerate()
        .map(|(index, part)| part_melodic(index as u32, part))
        .collect()
}

/// The melodic facts of one part.
pub fn part_melodic(index: u32, part: &Part) -> MelodicFacts {
    let line = part_line(part);
    let mut facts = MelodicFacts {
        part: index,
        line_events: line.len() as u32,
        ..MelodicFacts::default()
    };
    for (first, second) in touching_pairs(&line) {
        facts.count(first, second);
    }
    facts
}

/// Consecutive events of a line where the second starts exactly where the first ends.
pub fn touching_pairs(line: &[LineEvent]) -> impl Iterator<Item = (&LineEvent, &LineEvent)> {
    line.windows(2)
        .filter(|pair| pair[1].start == pair[0].end)
        .map(|pair| (&pair[0], &pair[1]))
}

impl MelodicFacts {
    /// Adds the interval from `first` to `second`.
    fn count(&mut self, first: &LineEvent, second: &LineEvent) {
        let semitones = second.pitch.midi() - first.pitch.midi();
        self.interval_count += 1;
        *self.semitone_histogram_signed.entry(semitones).or_default() += 1;
        *self
            .semitone_histogram_abs
            .entry(semitones.abs())
            .or_default() += 1;
        match semitones.abs() {
            0 => self.unisons += 1,
            1 | 2 => self.steps += 1,
            _ => self.leaps += 1,
        }
        match GenericInterval::between(&first.pitch, &second.pitch).undirected() {
            1 => self.generic_unisons += 1,
            2 => self.generic_steps += 1,
            _ => self.generic_leaps += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::ReadLimits;

    fn melody(notes: &[(&str, i8, u8, u8)]) -> Score {
        let body: String = notes
            .iter()
            .map(|&(step, alter, octave, duration)| {
                if step == "R" {
                    return format!("<note><rest/><duration>{duration}</duration></note>");
                }
                format!(
                    "<note><pitch><step>{step}</step><alter>{alter}</alter>\
                     <octave>{octave}</octave></pitch><duration>{duration}</duration></note>"
                )
            })
            .collect();
        let xml = format!(
            "<score-partwise><part-list><score-part id=\"P1\"/></part-list><part id=\"P1\">\
             <measure number=\"1\"><attributes><divisions>1</divisions></attributes>{body}\
             </measure></part></score-partwise>"
        );
        read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
    }

    #[test]
    fn an_augmented_second_is_a_generic_step_but_a_semitone_leap() {
        let score = melody(&[("E", -1, 4, 1), ("F", 1, 4, 1)]);
        let facts = &melodic(&score)[0];
        assert_eq!((facts.steps, facts.leaps), (0, 1));
        assert_eq!((facts.generic_steps, facts.generic_leaps), (1, 0));
        assert_eq!(facts.semitone_histogram_signed.get(&3), Some(&1));
    }

    #[test]
    fn a_diminished_third_is_a_generic_leap_but_a_semitone_step() {
        let score = melody(&[("C", 1, 5, 1), ("E", -1, 5, 1)]);
        let facts = &melodic(&score)[0];
        assert_eq!((facts.steps, facts.generic_leaps), (1, 1));
    }

    #[test]
    fn a_rest_breaks_the_line_so_no_interval_is_counted_across_it() {
        let score = melody(&[
            ("C", 0, 4, 1),
            ("R", 0, 0, 1),
            ("G", 0, 4, 1),
            ("G", 0, 4, 1),
        ]);
        let facts = &melodic(&score)[0];
        assert_eq!(facts.line_events, 3);
        assert_eq!(facts.interval_count, 1);
        assert_eq!((facts.unisons, facts.generic_unisons), (1, 1));
    }

    #[test]
    fn histograms_are_keyed_by_signed_and_absolute_semitones_as_strings() {
        let score = melody(&[("C", 0, 4, 1), ("D", 0, 4, 1), ("C", 0, 4, 1)]);
        let json = serde_json::to_value(&melodic(&score)[0]).unwrap();
        assert_eq!(json["semitone_histogram_signed"]["-2"], 1);
        assert_eq!(json["semitone_histogram_signed"]["2"], 1);
        assert_eq!(json["semitone_histogram_abs"]["2"], 2);
        assert!(json["generic_error"].is_null());
    }
}
