//! What the generating tools share: a request carrying its idempotency key and seed, the new
//! score's id, and storing the generated score.
//!
//! The server builds a [`Generation`] once per client call, so every retry of that call uses the
//! same seed and the same idempotency key: a retry after the store committed finds the stored
//! score, and the reply describes the same music.

use schemars::JsonSchema;
use serde::Serialize;

use super::error::validate_score_id;
use super::import_score::{score_meta, store_score};
use super::{Services, ToolError, ToolErrorKind};
use crate::music::model::{Part, Score};
use crate::music::voice_leading::extra::voice_leading_extras;
use crate::music::voice_leading::{KindCounts, VoiceLeading, voice_leading};
use crate::store::ScoreMeta;

/// One client call of a generating tool.
#[derive(Debug, Clone)]
pub struct Generation<A> {
    /// What the client asked for.
    pub args: A,
    /// Unique per client call, checked by the store in the insert's transaction.
    pub idempotency_key: String,
    /// The seed used when the client gave none; fixed per client call.
    pub fallback_seed: u64,
}

impl<A> Generation<A> {
    /// A request with a fresh idempotency key and a fresh fallback seed.
    pub fn new(args: A) -> Self {
        let bits: u128 = rand::random();
        Generation {
            args,
            idempotency_key: format!("generate-{bits:032x}"),
            fallback_seed: rand::random::<u32>().into(),
        }
    }
}

/// The id to store under: the one given, or `<base>_<suffix>`; never `source`.
pub fn new_score_id(
    source: &str,
    given: Option<&str>,
    base: &str,
    suffix: &str,
) -> Result<String, ToolError> {
    let new_id = given.map_or_else(|| format!("{base}_{suffix}"), String::from);
    validate_score_id(&new_id)?;
    if new_id == source {
        return Err(ToolError::invalid(format!(
            "new_score_id '{new_id}' is the score being read; choose another id, such as \
             '{new_id}_{suffix}'"
        )));
    }
    Ok(new_id)
}

/// Stores a generated score under `new_id` (exactly once per idempotency key).
pub fn store_generated(
    services: &Services,
    score: Score,
    new_id: &str,
    source: String,
    idempotency_key: &str,
) -> Result<(ScoreMeta, bool), ToolError> {
    let blob = serde_json::to_vec(&score)
        .map_err(|err| ToolError::internal(format!("cannot serialise the score: {err}")))?;
    let meta = score_meta(new_id, source, &score, "generated", &blob);
    store_score(services, score, meta, &blob, idempotency_key)
}

/// Our own voice-leading report on a generated score, in counts.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VoiceLeadingSummary {
    /// Parallel and hidden fifths and octaves, unisons and crossings, as `voice_leading_analysis`
    /// counts them over every pair of parts.
    pub totals: KindCounts,
    /// Voice overlaps between adjacent parts.
    pub voice_overlaps: u32,
    /// Moments where adjacent upper voices stand more than an octave apart.
    pub spacing: u32,
    /// Notes outside the SATB ranges (four-part scores only).
    pub out_of_range: u32,
}

/// The voice-leading summary of a score of 2 to 6 parts; `None` otherwise.
pub fn voice_leading_summary(score: &Score) -> Option<VoiceLeadingSummary> {
    let VoiceLeading::Report(report) = voice_leading(score) else {
        return None;
    };
    let extras = voice_leading_extras(score);
    Some(VoiceLeadingSummary {
        totals: report.totals,
        voice_overlaps: extras.voice_overlaps.len() as u32,
        spacing: extras.spacing.len() as u32,
        out_of_range: extras.ranges.len() as u32,
    })
}

/// The part a generating tool reads as its melody (or cantus firmus), as replies name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PartUsed {
    /// Its index in the score, from 0.
    pub index: usize,
    /// Its name (or id), empty when it has none.
    pub name: String,
}

/// A part's name for replies: the part name, else its id.
fn part_name(part: &Part) -> String {
    part.name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| part.id.clone())
        .unwrap_or_default()
}

/// The part a melody is read from when none is asked for: the first whose name says soprano,
/// else the first part (part 0 of a Bach chorale can be a horn).
pub fn default_melody_part(score: &Score) -> usize {
    score
        .parts
        .iter()
        .position(|part| {
            [&part.name, &part.id, &part.abbreviation]
                .into_iter()
                .flatten()
                .any(|n| n.to_lowercase().contains("soprano"))
        })
        .unwrap_or(0)
}

/// True when a part has at least one note.
pub fn has_notes(part: &Part) -> bool {
    part.events().any(|placed| !placed.event.is_rest())
}

/// Chooses the melody part of `score` (the one asked for, or [`default_melody_part`]) and
/// returns the score with that part first, the others after it in their order; a tool error
/// when the part does not exist or has no notes.
pub fn melody_first(
    score: &Score,
    score_id: &str,
    requested: Option<usize>,
) -> Result<(Score, PartUsed), ToolError> {
    if score.parts.is_empty() {
        return Err(ToolError::new(
            ToolErrorKind::NotAnalysable,
            format!("score '{score_id}' has no parts; import a melody with notes"),
        ));
    }
    let index = match requested {
        Some(index) if index >= score.parts.len() => {
            return Err(ToolError::invalid(format!(
                "part is {index}, but score '{score_id}' has {} parts; use 0 to {}",
                score.parts.len(),
                score.parts.len() - 1
            )));
        }
        Some(index) => index,
        None => default_melody_part(score),
    };
    let part = &score.parts[index];
    if !has_notes(part) {
        return Err(ToolError::new(
            ToolErrorKind::NotAnalysable,
            format!("score '{score_id}' has no notes in part {index}; import a melody with notes"),
        ));
    }
    let used = PartUsed {
        index,
        name: part_name(part),
    };
    let mut parts = Vec::with_capacity(score.parts.len());
    parts.push(part.clone());
    parts.extend(
        score
            .parts
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != index)
            .map(|(_, p)| p.clone()),
    );
    let reordered = Score {
        metadata: score.metadata.clone(),
        parts,
        spelling_inferred: score.spelling_inferred,
    };
    Ok((reordered, used))
}
