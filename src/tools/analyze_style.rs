//! `analyze_style`: the style features of a stored score (melodic moves, rhythms, chords) that
//! `imitate_style` learns from, without generating anything.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::generated::{PartUsed, melody_first};
use super::{Services, Tool, ToolError};
use crate::music::generate::style::{StyleFeatures, style_features};

/// Arguments of `analyze_style`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct AnalyzeStyleArgs {
    /// The id of a stored score.
    pub score_id: String,
    /// The melody's part index, from 0 (default: the first part named soprano, else part 0).
    #[serde(default)]
    pub part: Option<usize>,
}

/// What `analyze_style` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AnalyzeStyleResult {
    /// The id asked for.
    pub score_id: String,
    /// The part read as the melody.
    pub part: PartUsed,
    /// The features.
    pub features: StyleFeatures,
}

/// The `analyze_style` tool.
pub struct AnalyzeStyle;

impl Tool for AnalyzeStyle {
    const NAME: &'static str = "analyze_style";
    const RETRY_SAFE: bool = true;
    const HEAVY: bool = true;
    type Args = AnalyzeStyleArgs;
    type Output = AnalyzeStyleResult;

    async fn run(
        services: Arc<Services>,
        args: AnalyzeStyleArgs,
    ) -> Result<AnalyzeStyleResult, ToolError> {
        blocking(move || {
            let score = services.load_score(&args.score_id)?;
            let (score, part) = melody_first(&score, &args.score_id, args.part)?;
            Ok(AnalyzeStyleResult {
                features: style_features(std::slice::from_ref(&score)),
                part,
                score_id: args.score_id,
            })
        })
        .await
    }
}
