//! `key_analysis`: the key of a stored score, as music21's `analyze('key')` finds it.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::{Services, Tool, ToolError, ToolErrorKind};
use crate::music::key::{KeyAnalysis, KeyMethod, key_from_histogram};

/// Arguments of `key_analysis`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct KeyAnalysisArgs {
    /// The id of a stored score.
    pub score_id: String,
    /// The key-weighting method: `aarden_essen` (music21's default), `krumhansl_schmuckler`,
    /// `krumhansl_kessler`, `bellman_budge`, `temperley_kostka_payne` or `simple_weights`.
    #[serde(default)]
    pub method: Option<String>,
}

/// What `key_analysis` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KeyAnalysisResult {
    /// The id asked for.
    pub score_id: String,
    /// The best key, its correlation and the next four alternatives.
    #[serde(flatten)]
    pub key: KeyAnalysis,
    /// The duration-weighted pitch-class histogram (C first) the keys were correlated with.
    pub pitch_class_histogram: Vec<f64>,
}

/// The `key_analysis` tool.
pub struct KeyAnalysisTool;

impl Tool for KeyAnalysisTool {
    const NAME: &'static str = "key_analysis";
    const RETRY_SAFE: bool = true;
    const HEAVY: bool = true;
    type Args = KeyAnalysisArgs;
    type Output = KeyAnalysisResult;

    async fn run(
        services: Arc<Services>,
        args: KeyAnalysisArgs,
    ) -> Result<KeyAnalysisResult, ToolError> {
        let method = parse_method(args.method.as_deref())?;
        blocking(move || {
            let score = services.load_score(&args.score_id)?;
            let histogram = crate::music::histogram::weighted_pitch_class_histogram(&score);
            let key = key_from_histogram(&histogram, method)
                .map_err(|err| ToolError::new(ToolErrorKind::NotAnalysable, err.to_string()))?;
            Ok(KeyAnalysisResult {
                score_id: args.score_id,
                key,
                pitch_class_histogram: histogram.to_vec(),
            })
        })
        .await
    }
}

fn parse_method(name: Option<&str>) -> Result<KeyMethod, ToolError> {
    let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
        return Ok(KeyMethod::default());
    };
    KeyMethod::from_name(name).ok_or_else(|| {
        ToolError::invalid(format!(
            "unknown key method '{name}'; use one of aarden_essen (default), krumhansl_schmuckler, \
             krumhansl_kessler, bellman_budge, temperley_kostka_payne, simple_weights"
        ))
    })
}
