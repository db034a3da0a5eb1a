//! The MCP face of the server: the only code that knows rmcp.
//!
//! `MusicServer` registers one MCP tool per [`crate::tools::Tool`]; each handler only decodes
//! arguments (rmcp does that), hands them to the runtime's retrying caller and shapes the reply.
//! No handler does real work, so none can panic: analysis runs inside supervised actors.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, tool, tool_handler, tool_router};
use tokio_util::sync::CancellationToken;

use crate::tools::delete_score::{DeleteScore, DeleteScoreArgs, DeleteScoreResult};
use crate::tools::health_check::{HealthCheck, HealthCheckArgs, HealthReport};
use crate::tools::import_score::{ImportRequest, ImportScore, ImportScoreArgs, ImportScoreResult};
use crate::tools::key_analysis::{KeyAnalysisArgs, KeyAnalysisResult, KeyAnalysisTool};
use crate::tools::list_scores::{ListScores, ListScoresArgs, ListScoresResult};
use crate::tools::score_info::{ScoreInfoArgs, ScoreInfoResult, ScoreInfoTool};
use crate::tools::{Runtime, Tool};

/// The rmcp server handler; cheap to clone (the runtime is shared).
#[derive(Clone)]
pub struct MusicServer {
    runtime: Arc<Runtime>,
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl MusicServer {
    /// A handler serving the tools of `runtime`.
    pub fn new(runtime: Arc<Runtime>) -> Self {
        Self {
            runtime,
            tool_router: Self::tool_router(),
        }
    }

    async fn call<T: Tool>(
        &self,
        args: T::Args,
        ct: CancellationToken,
    ) -> Result<Json<T::Output>, String> {
        self.runtime
            .call::<T>(args, &ct)
            .await
            .map(Json)
            .map_err(|err| err.message)
    }

    /// Import a score (MusicXML .xml/.musicxml/.mxl) from a file path, a corpus name such as
    /// 'bach/bwv66.6', or inline MusicXML text, and store it durably under score_id.
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false
    ))]
    async fn import_score(
        &self,
        Parameters(args): Parameters<ImportScoreArgs>,
        ct: CancellationToken,
    ) -> Result<Json<ImportScoreResult>, String> {
        let request = ImportRequest {
            args,
            idempotency_key: new_idempotency_key(),
        };
        self.call::<ImportScore>(request, ct).await
    }

    /// List every stored score with its title, composer, parts, measures and notes.
    #[tool(annotations(read_only_hint = true, idempotent_hint = true))]
    async fn list_scores(
        &self,
        Parameters(args): Parameters<ListScoresArgs>,
        ct: CancellationToken,
    ) -> Result<Json<ListScoresResult>, String> {
        self.call::<ListScores>(args, ct).await
    }

    /// Facts about a stored score, named as in music21: parts (with note, chord and rest
    /// counts, ranges), time and key signatures, measure count, total duration, tempo.
    #[tool(annotations(read_only_hint = true, idempotent_hint = true))]
    async fn score_info(
        &self,
        Parameters(args): Parameters<ScoreInfoArgs>,
        ct: CancellationToken,
    ) -> Result<Json<ScoreInfoResult>, String> {
        self.call::<ScoreInfoTool>(args, ct).await
    }

    /// Delete a stored score.
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = false
    ))]
    async fn delete_score(
        &self,
        Parameters(args): Parameters<DeleteScoreArgs>,
        ct: CancellationToken,
    ) -> Result<Json<DeleteScoreResult>, String> {
        self.call::<DeleteScore>(args, ct).await
    }

    /// Find the key of a stored score as music21's analyze('key') does (Aarden-Essen
    /// weighting by default), with the correlation and the next four alternatives.
    #[tool(annotations(read_only_hint = true, idempotent_hint = true))]
    async fn key_analysis(
        &self,
        Parameters(args): Parameters<KeyAnalysisArgs>,
        ct: CancellationToken,
    ) -> Result<Json<KeyAnalysisResult>, String> {
        self.call::<KeyAnalysisTool>(args, ct).await
    }

    /// Report the server's health: version, uptime, the supervision tree with restart counts,
    /// the score store and memory use.
    #[tool(annotations(read_only_hint = true, idempotent_hint = true))]
    async fn health_check(
        &self,
        Parameters(args): Parameters<HealthCheckArgs>,
        ct: CancellationToken,
    ) -> Result<Json<HealthReport>, String> {
        self.call::<HealthCheck>(args, ct).await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for MusicServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("music-mcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Music analysis compatible with music21. Import a score first (import_score with \
                 source_type corpus, file or text), then analyse it by score_id.",
            )
    }
}

/// A fresh key per client call: every retry of that call reuses it, a new call never does.
fn new_idempotency_key() -> String {
    let bits: u128 = rand::random();
    format!("import-{bits:032x}")
}
