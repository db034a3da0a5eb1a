//! Recurring patterns in a score: melodic motifs and sequences, rhythms, chord-root progressions.
//!
//! Pure music, called by the `pattern_recognition` tool. Three families, picked by
//! [`PatternType`]:
//!
//! - **melodic**: on each part line ([`super::line`]), repeated interval patterns (exact or
//!   transposed), motifs recurring inverted, in retrograde or in retrograde inversion, tonal
//!   repetitions (same letter steps, different semitones), and real and tonal sequences
//!   (a unit restated at least [`PatternOptions::min_sequence_units`] times in a row, each time
//!   at a new pitch level);
//! - **rhythmic**: repeated runs of note and rest durations, in any part;
//! - **harmonic**: repeated progressions of chord roots (the same roots, or the same root
//!   motion at another pitch), over the score's vertical slices.
//!
//! A repeated phrase is reported once, not also as each of its fragments (see [`repeats`]).
//! Lengths count notes, events or chords. Results are ranked by length times occurrences and are
//! deterministic. Every occurrence carries music21 measure numbers.

mod harmonic;
mod melodic;
pub mod repeats;
mod rhythmic;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::model::{Part, Ql, Score};

/// Which family of patterns to look for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PatternType {
    /// Interval patterns, motifs and sequences in each part's line.
    Melodic,
    /// Runs of durations.
    Rhythmic,
    /// Chord-root progressions.
    Harmonic,
}

/// What to look for and how much to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternOptions {
    /// The family.
    pub pattern_type: PatternType,
    /// Shortest pattern, in notes (melodic), events (rhythmic) or chords (harmonic).
    pub min_length: usize,
    /// Longest pattern, in the same unit.
    pub max_length: usize,
    /// Fewest non-overlapping occurrences for a pattern to count.
    pub min_occurrences: usize,
    /// Most patterns returned, best first.
    pub max_patterns: usize,
    /// Most occurrences listed per pattern (all are counted).
    pub max_occurrences: usize,
    /// Fewest consecutive statements of a unit for a melodic sequence.
    pub min_sequence_units: usize,
    /// Also match melodic motifs inverted, in retrograde and in retrograde inversion.
    pub transformations: bool,
    /// Parts to search (melodic and rhythmic); `None` for every part.
    pub parts: Option<Vec<usize>>,
}

/// Why the options cannot be used.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PatternError {
    /// A length, count or cap is out of range.
    #[error("{name} is {value}; use a value from {min} to {max}")]
    OutOfRange {
        /// The option's name.
        name: &'static str,
        /// The value given.
        value: usize,
        /// The smallest allowed.
        min: usize,
        /// The largest allowed.
        max: usize,
    },
    /// `min_length` above `max_length`.
    #[error("min_length {min} is above max_length {max}; swap them or widen the range")]
    EmptyLengthRange {
        /// `min_length`.
        min: usize,
        /// `max_length`.
        max: usize,
    },
    /// A part index the score does not have.
    #[error("part {part} does not exist; the score has parts 0 to {last}")]
    NoSuchPart {
        /// The index asked for.
        part: usize,
        /// The last index.
        last: usize,
    },
}

/// The patterns found.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct PatternReport {
    /// The family searched.
    pub pattern_type: PatternType,
    /// The parts searched (every part for harmonic).
    pub parts: Vec<u32>,
    /// Patterns found before the `max_patterns` cap.
    pub patterns_found: u32,
    /// True when `patterns` was cut to `max_patterns`.
    pub truncated: bool,
    /// The best patterns: longest and most frequent first.
    pub patterns: Vec<Pattern>,
    /// How chord roots were found, for harmonic patterns.
    pub root_method: Option<String>,
}

/// What kind of recurrence a pattern is.
#[derive(Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum PatternKind {
    /// The same intervals, at the same or another pitch.
    RepeatedIntervals,
    /// A motif that also recurs inverted, in retrograde or in retrograde inversion.
    Motif,
    /// The same letter steps with different qualities (a diatonic restatement).
    TonalRepetition,
    /// A unit restated in a row, each time transposed by the same semitones.
    RealSequence,
    /// A unit restated in a row at new letter positions, qualities changing.
    TonalSequence,
    /// The same run of durations.
    RepeatedRhythm,
    /// The same chord roots, or the same root motion at another pitch.
    RepeatedProgression,
}

/// How an occurrence relates to the pattern's first occurrence.
#[derive(Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Transformation {
    /// Identical (same pitches, durations or roots).
    Exact,
    /// The same at another pitch.
    Transposed,
    /// The same letter steps with other qualities.
    Tonal,
    /// Intervals turned upside down.
    Inversion,
    /// Backwards.
    Retrograde,
    /// Backwards and upside down.
    RetrogradeInversion,
}

/// One recurring pattern.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Pattern {
    /// The kind.
    pub kind: PatternKind,
    /// Notes, events or chords in one occurrence (one unit for a sequence).
    pub length: u32,
    /// Occurrences found (units, for a sequence).
    pub occurrence_count: u32,
    /// The pattern in words.
    pub description: String,
    /// The first occurrence as tokens: spelled intervals (`M2`, `m-3`), durations (`1/2`,
    /// `rest 1`) or chord roots.
    pub signature: Vec<String>,
    /// The first occurrence's intervals (melodic) or root motions (harmonic) in semitones.
    pub semitones: Vec<i32>,
    /// The occurrences, in score order, at most `max_occurrences`.
    pub occurrences: Vec<Occurrence>,
}

/// Where a pattern occurs.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Occurrence {
    /// The part (null for harmonic patterns, which span the score).
    pub part: Option<u32>,
    /// music21's number of the measure where it starts.
    pub measure: Option<i32>,
    /// music21's number of the measure where it ends.
    pub end_measure: Option<i32>,
    /// Start, in ql from the score start, rounded to 4 places.
    pub offset: f64,
    /// Start as an exact fraction.
    pub offset_fraction: String,
    /// Start from the beginning of its measure, as an exact fraction (metric position).
    pub offset_in_measure: String,
    /// How it relates to the first occurrence.
    pub transformation: Transformation,
    /// Semitones from the first occurrence's starting pitch or root, when that applies.
    pub transposition_semitones: Option<i32>,
    /// What sounds: pitch names, durations, or chord roots.
    pub content: Vec<String>,
}

/// Length limits: patterns span 2 to 64 units.
const LENGTH_RANGE: (usize, usize) = (2, 64);

impl PatternOptions {
    /// The defaults for a family: melodic 4 to 12 notes, rhythmic 4 to 12 events, harmonic 3 to 8
    /// chords; 2 occurrences; 25 patterns with 50 occurrences each; sequences of 3 units;
    /// transformations on; every part.
    pub fn new(pattern_type: PatternType) -> PatternOptions {
        let (min_length, max_length) = match pattern_type {
            PatternType::Melodic | PatternType::Rhythmic => (4, 12),
            PatternType::Harmonic => (3, 8),
        };
        PatternOptions {
            pattern_type,
            min_length,
            max_length,
            min_occurrences: 2,
            max_patterns: 25,
            max_occurrences: 50,
            min_sequence_units: 3,
            transformations: true,
            parts: None,
        }
    }

    /// Checks every option against its range and the score's parts.
    pub fn validate(&self, score: &Score) -> Result<(), PatternError> {
        let (low, high) = LENGTH_RANGE;
        check_range("min_length", self.min_length, low, high)?;
        check_range("max_length", self.max_length, low, high)?;
        if self.min_length > self.max_length {
            return Err(PatternError::EmptyLengthRange {
                min: self.min_length,
                max: self.max_length,
            });
        }
        check_range("min_occurrences", self.min_occurrences, 2, 10_000)?;
        check_range("max_patterns", self.max_patterns, 1, 1000)?;
        check_range("max_occurrences", self.max_occurrences, 1, 10_000)?;
        check_range("min_sequence_units", self.min_sequence_units, 2, 64)?;
        let last = score.parts.len().saturating_sub(1);
        match self
            .parts
            .iter()
            .flatten()
            .find(|&&p| p >= score.parts.len())
        {
            Some(&part) => Err(PatternError::NoSuchPart { part, last }),
            None => Ok(()),
        }
    }

    /// The parts to search, in order.
    fn selected_parts(&self, score: &Score) -> Vec<usize> {
        let mut parts = match &self.parts {
            Some(parts) => parts.clone(),
            None => (0..score.parts.len()).collect(),
        };
        parts.sort_unstable();
        parts.dedup();
        parts
    }
}

/// Finds the patterns of one family, ranked and capped as the options say.
pub fn find_patterns(
    score: &Score,
    options: &PatternOptions,
) -> Result<PatternReport, PatternError> {
    options.validate(score)?;
    let parts = options.selected_parts(score);
    let (mut patterns, root_method) = match options.pattern_type {
        PatternType::Melodic => (melodic::patterns(score, &parts, options), None),
        PatternType::Rhythmic => (rhythmic::patterns(score, &parts, options), None),
        PatternType::Harmonic => (
            harmonic::patterns(score, options),
            Some(harmonic::ROOT_METHOD.to_string()),
        ),
    };
    rank(&mut patterns);
    let found = patterns.len();
    patterns.truncate(options.max_patterns);
    for pattern in &mut patterns {
        pattern.occurrences.truncate(options.max_occurrences);
    }
    let parts = match options.pattern_type {
        PatternType::Harmonic => (0..score.parts.len() as u32).collect(),
        _ => parts.iter().map(|&p| p as u32).collect(),
    };
    Ok(PatternReport {
        pattern_type: options.pattern_type,
        parts,
        patterns_found: found as u32,
        truncated: found > options.max_patterns,
        patterns,
        root_method,
    })
}

fn check_range(
    name: &'static str,
    value: usize,
    min: usize,
    max: usize,
) -> Result<(), PatternError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(PatternError::OutOfRange {
            name,
            value,
            min,
            max,
        })
    }
}

/// Longest times most frequent first; then by where the first occurrence starts, then kind.
fn rank(patterns: &mut [Pattern]) {
    patterns.sort_by(|a, b| {
        let weight = |p: &Pattern| u64::from(p.length) * u64::from(p.occurrence_count);
        let first = |p: &Pattern| {
            p.occurrences
                .first()
                .map(|o| (Ql::from_f64(o.offset), o.part))
                .unwrap_or((Ql::ZERO, None))
        };
        weight(b)
            .cmp(&weight(a))
            .then(b.length.cmp(&a.length))
            .then(first(a).cmp(&first(b)))
            .then(a.kind.cmp(&b.kind))
            .then(a.signature.cmp(&b.signature))
    });
}

/// An occurrence in `part` whose first event starts at `start` and last event at `last_start`,
/// with measure numbers from `part`.
fn occurrence(
    part: &Part,
    part_index: Option<usize>,
    (start, last_start): (Ql, Ql),
    transformation: Transformation,
    transposition_semitones: Option<i32>,
    content: Vec<String>,
) -> Occurrence {
    let before = part.measures.partition_point(|m| m.offset <= start);
    let measure_start = before
        .checked_sub(1)
        .and_then(|index| part.measures.get(index))
        .map_or(Ql::ZERO, |m| m.offset);
    Occurrence {
        part: part_index.map(|p| p as u32),
        measure: part.measure_number_at(start),
        end_measure: part.measure_number_at(last_start),
        offset: start.to_f64_rounded(),
        offset_fraction: start.to_string(),
        offset_in_measure: (start - measure_start).to_string(),
        transformation,
        transposition_semitones,
        content,
    }
}

#[cfg(test)]
mod tests;
