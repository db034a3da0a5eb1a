//! `delete_score`: remove a stored score.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::error::validate_score_id;
use super::{Services, Tool, ToolError};
use crate::store::ScoreMeta;

/// Arguments of `delete_score`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct DeleteScoreArgs {
    /// The id of the score to delete.
    pub score_id: String,
}

/// What `delete_score` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DeleteScoreResult {
    /// Always true: a missing score is an error.
    pub deleted: bool,
    /// The summary of the deleted score.
    pub score: ScoreMeta,
}

/// The `delete_score` tool.
pub struct DeleteScore;

impl Tool for DeleteScore {
    const NAME: &'static str = "delete_score";
    // A retry after the actor died may find the score already gone and report "not found";
    // the client is told that rather than the call being repeated blindly.
    const RETRY_SAFE: bool = false;
    type Args = DeleteScoreArgs;
    type Output = DeleteScoreResult;

    async fn run(
        services: Arc<Services>,
        args: DeleteScoreArgs,
    ) -> Result<DeleteScoreResult, ToolError> {
        validate_score_id(&args.score_id)?;
        blocking(move || {
            let score = services.store.delete(&args.score_id)?;
            services.cache.remove(&args.score_id);
            tracing::info!(score_id = %args.score_id, "score deleted");
            Ok(DeleteScoreResult {
                deleted: true,
                score,
            })
        })
        .await
    }
}
