//! The MCP tools, each run by a supervised actor.
//!
//! A tool is a type implementing [`Tool`]: its argument and output types and an async `run`.
//! [`actor::ToolActor`] wraps any tool in a ractor actor; [`runtime::Runtime`] starts one such
//! actor per tool under the tools supervisor and reaches them only through the retrying caller,
//! so a tool actor that dies with a request in flight is restarted and the request is sent
//! again. Tools never see rmcp: `server` converts MCP requests to these types and back.

pub mod actor;
pub mod analyze_style;
pub mod check_counterpoint;
pub mod chord_analysis;
pub mod delete_score;
pub mod error;
pub mod export_score;
pub mod generate_counterpoint;
pub mod generated;
pub mod harmonize_melody;
pub mod harmony_analysis;
pub mod health_check;
pub mod imitate_style;
pub mod import_roots;
pub mod import_score;
pub mod key_analysis;
pub mod list_scores;
pub mod list_tunes;
pub mod pattern_recognition;
pub mod runtime;
pub mod score_info;
pub mod services;
pub mod transpose_score;
pub mod voice_leading_analysis;

use std::future::Future;
use std::sync::Arc;

pub use error::{ToolError, ToolErrorKind};
pub use runtime::{Runtime, RuntimeConfig};
pub use services::Services;

/// One MCP tool: what it takes, what it returns, and the work it does.
pub trait Tool: Send + Sync + 'static {
    /// The MCP tool name, `verb_object` in snake case.
    const NAME: &'static str;

    /// Whether a call may be sent again after the actor died holding it. Tools that change
    /// the store must carry an idempotency key in their arguments to say yes.
    const RETRY_SAFE: bool;

    /// Whether the call is refused while the memory guard is at its hard limit (imports and
    /// analyses that build large structures).
    const HEAVY: bool = false;

    /// The arguments, cloned for every attempt.
    type Args: Clone + Send + Sync + 'static;

    /// The structured result.
    type Output: Send + 'static;

    /// Does the work. Heavy computation belongs in `tokio::task::spawn_blocking` so that the
    /// actor stays responsive to kill signals.
    fn run(
        services: Arc<Services>,
        args: Self::Args,
    ) -> impl Future<Output = Result<Self::Output, ToolError>> + Send;
}
