//! `score_info`: parts, measures, signatures and counts of a stored score.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::{Services, Tool, ToolError};
use crate::music::info::{ScoreInfo, score_info};
use crate::store::ScoreMeta;

/// Arguments of `score_info`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct ScoreInfoArgs {
    /// The id of a stored score.
    pub score_id: String,
}

/// What `score_info` returns: the stored summary plus music21-named facts.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ScoreInfoResult {
    /// The id asked for.
    pub score_id: String,
    /// Where the score came from and when.
    pub stored: ScoreMeta,
    /// Facts named as in music21's oracle records (parts, time_signatures, key_signatures,
    /// measure_count, total_duration_fraction, ...).
    #[serde(flatten)]
    pub info: ScoreInfo,
}

/// The `score_info` tool.
pub struct ScoreInfoTool;

impl Tool for ScoreInfoTool {
    const NAME: &'static str = "score_info";
    const RETRY_SAFE: bool = true;
    type Args = ScoreInfoArgs;
    type Output = ScoreInfoResult;

    async fn run(
        services: Arc<Services>,
        args: ScoreInfoArgs,
    ) -> Result<ScoreInfoResult, ToolError> {
        blocking(move || {
            let score = services.load_score(&args.score_id)?;
            let stored = services.store.meta(&args.score_id)?;
            Ok(ScoreInfoResult {
                score_id: args.score_id,
                stored,
                info: score_info(&score),
            })
        })
        .await
    }
}
