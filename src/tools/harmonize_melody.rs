//! `harmonize_melody`: harmonise one part of a stored score (by default its soprano) in 2 to 4 voices and store
//! the result as a new score.
//!
//! The music is `crate::music::generate::harmonize`; this tool checks the arguments, stores the
//! score like `transpose_score` does and answers with the chords and our own voice-leading
//! report on the result.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::error::validate_score_id;
use super::generated::{
    Generation, PartUsed, VoiceLeadingSummary, melody_first, new_score_id, store_generated,
    voice_leading_summary,
};
use super::{Services, Tool, ToolError, ToolErrorKind};
use crate::music::generate::harmonize::{ChosenChord, HarmonizeRequest, HarmonyStyle, harmonize};
use crate::store::ScoreMeta;

/// Arguments of `harmonize_melody`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct HarmonizeMelodyArgs {
    /// The stored score holding the melody.
    pub score_id: String,
    /// The melody's part index, from 0 (default: the first part named soprano, else part 0).
    #[serde(default)]
    pub part: Option<usize>,
    /// `chorale` (default), `classical`, `jazz`, `pop` or `modal`.
    #[serde(default)]
    pub style: Option<HarmonyStyle>,
    /// Voices in all, the melody included: 2, 3 or 4 (default 4).
    #[serde(default)]
    pub voice_parts: Option<u8>,
    /// The random seed; the same seed gives the same harmonisation (default: chosen and returned).
    #[serde(default)]
    pub seed: Option<u64>,
    /// The id to store the result under (default `<score_id>_harmonized`).
    #[serde(default)]
    pub new_score_id: Option<String>,
}

/// What `harmonize_melody` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct HarmonizeMelodyResult {
    /// The new score's summary.
    #[serde(flatten)]
    pub score: ScoreMeta,
    /// The score the melody came from.
    pub source_score_id: String,
    /// The part harmonised.
    pub part: PartUsed,
    /// The style used.
    pub style: HarmonyStyle,
    /// Voices in all.
    pub voice_parts: u8,
    /// The seed used.
    pub seed: u64,
    /// The key (or mode) of the harmonisation.
    pub key: String,
    /// Every chord, with Roman numeral, symbol, function and cadence.
    pub chords: Vec<ChosenChord>,
    /// Our voice-leading analysis of the result.
    pub voice_leading: Option<VoiceLeadingSummary>,
    /// An earlier attempt of this same call had already stored the score.
    pub deduplicated_retry: bool,
}

/// The `harmonize_melody` tool.
pub struct HarmonizeMelody;

impl Tool for HarmonizeMelody {
    const NAME: &'static str = "harmonize_melody";
    const RETRY_SAFE: bool = true;
    const HEAVY: bool = true;
    type Args = Generation<HarmonizeMelodyArgs>;
    type Output = HarmonizeMelodyResult;

    async fn run(
        services: Arc<Services>,
        request: Generation<HarmonizeMelodyArgs>,
    ) -> Result<HarmonizeMelodyResult, ToolError> {
        let args = &request.args;
        validate_score_id(&args.score_id)?;
        let voices = args.voice_parts.unwrap_or(4);
        if !(2..=4).contains(&voices) {
            return Err(ToolError::invalid(format!(
                "voice_parts is {voices}; use 2, 3 or 4 (the melody included)"
            )));
        }
        let new_id = new_score_id(
            &args.score_id,
            args.new_score_id.as_deref(),
            &args.score_id,
            "harmonized",
        )?;
        blocking(move || run_blocking(&services, &request, voices, &new_id)).await
    }
}

fn run_blocking(
    services: &Services,
    request: &Generation<HarmonizeMelodyArgs>,
    voices: u8,
    new_id: &str,
) -> Result<HarmonizeMelodyResult, ToolError> {
    let args = &request.args;
    let score = services.load_score(&args.score_id)?;
    let (score, part) = melody_first(&score, &args.score_id, args.part)?;
    let style = args.style.unwrap_or(HarmonyStyle::Chorale);
    let seed = args.seed.unwrap_or(request.fallback_seed);
    let settings = HarmonizeRequest {
        style,
        voices: usize::from(voices),
        seed,
    };
    let result = harmonize(&score, &settings)
        .map_err(|err| ToolError::new(ToolErrorKind::NotAnalysable, err.to_string()))?;
    let voice_leading = voice_leading_summary(&result.score);
    let source = format!(
        "{} harmonised ({style:?}, {voices} voices, seed {seed})",
        args.score_id
    )
    .to_lowercase();
    let (meta, deduplicated_retry) = store_generated(
        services,
        result.score,
        new_id,
        source,
        &request.idempotency_key,
    )?;
    tracing::info!(score_id = %meta.score_id, from = %args.score_id, chords = result.chords.len(), seed, "melody harmonised");
    Ok(HarmonizeMelodyResult {
        score: meta,
        source_score_id: args.score_id.clone(),
        part,
        style,
        voice_parts: voices,
        seed,
        key: result.key,
        chords: result.chords,
        voice_leading,
        deduplicated_retry,
    })
}
