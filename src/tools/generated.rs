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
use super::{Services, ToolError};
use crate::music::model::Score;
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
