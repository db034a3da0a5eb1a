//! The pitch-class histogram behind key finding, as music21's key analyses build it.
//!
//! Every pitch of every note and chord in every part adds the element's whole duration in
//! quarter lengths to its pitch class; grace notes add nothing, unpitched notes are left out.
//! Chord symbols take part with zero duration, so they show only in the counts.

use schemars::JsonSchema;
use serde::Serialize;

use super::model::{Ql, Score};

/// Both versions of the histogram, index 0 = C through 11 = B.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct PitchClassHistogram {
    /// Quarter lengths per pitch class (music21's `_getPitchClassDistribution`).
    pub weighted_ql: [f64; 12],
    /// Number of pitches per pitch class.
    pub counts: [u64; 12],
    /// Sum of `weighted_ql`.
    pub total_weight_ql: f64,
    /// Sum of `counts`.
    pub total_count: u64,
}

/// The duration-weighted pitch-class histogram of the whole score.
pub fn weighted_pitch_class_histogram(score: &Score) -> [f64; 12] {
    pitch_class_histogram(score).weighted_ql
}

/// Weighted and counted pitch-class histograms of the whole score.
pub fn pitch_class_histogram(score: &Score) -> PitchClassHistogram {
    let mut weights = [Ql::ZERO; 12];
    let mut counts = [0u64; 12];
    for part in &score.parts {
        for placed in part.events() {
            let event = placed.event;
            for pitch in event.pitches() {
                let class = usize::from(pitch.pitch_class());
                weights[class] += event.duration;
                counts[class] += 1;
            }
        }
        let symbols = part.measures.iter().flat_map(|m| &m.chord_symbols);
        for pitch in symbols.flat_map(|symbol| &symbol.value.pitches) {
            counts[usize::from(pitch.pitch_class())] += 1;
        }
    }
    let weighted_ql = weights.map(Ql::to_f64);
    PitchClassHistogram {
        weighted_ql,
        counts,
        total_weight_ql: weights.into_iter().sum::<Ql>().to_f64(),
        total_count: counts.iter().sum(),
    }
}
