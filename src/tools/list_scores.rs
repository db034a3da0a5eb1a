//! `list_scores`: every stored score's summary.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::{Services, Tool, ToolError};
use crate::store::ScoreMeta;

/// Arguments of `list_scores` (none).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct ListScoresArgs {}

/// What `list_scores` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ListScoresResult {
    /// Number of stored scores.
    pub count: u32,
    /// Their summaries, ordered by id.
    pub scores: Vec<ScoreMeta>,
}

/// The `list_scores` tool.
pub struct ListScores;

impl Tool for ListScores {
    const NAME: &'static str = "list_scores";
    const RETRY_SAFE: bool = true;
    type Args = ListScoresArgs;
    type Output = ListScoresResult;

    async fn run(
        services: Arc<Services>,
        _args: ListScoresArgs,
    ) -> Result<ListScoresResult, ToolError> {
        blocking(move || {
            let scores = services.store.list()?;
            Ok(ListScoresResult {
                count: scores.len() as u32,
                scores,
            })
        })
        .await
    }
}
