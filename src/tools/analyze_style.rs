//! `analyze_style`: the style features of a stored score (melodic moves, rhythms, chords) that
//! `imitate_style` learns from, without generating anything.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::{Services, Tool, ToolError};
use crate::music::generate::style::{StyleFeatures, style_features};

/// Arguments of `analyze_style`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct AnalyzeStyleArgs {
    /// The id of a stored score.
    pub score_id: String,
}

/// What `analyze_style` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AnalyzeStyleResult {
    /// The id asked for.
    pub score_id: String,
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
            Ok(AnalyzeStyleResult {
                features: style_features(std::slice::from_ref(&*score)),
                score_id: args.score_id,
            })
        })
        .await
    }
}
