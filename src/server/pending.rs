//! Placeholders for the tools of the Python server whose analysis is not built yet.
//!
//! Each is registered with its argument schema and annotations so clients see the whole tool
//! set, and every call answers with a tool error saying the tool is not available yet: never a
//! made-up result. The real tools live in `src/server.rs`'s router, which is merged over this
//! one, so registering a real tool there replaces its placeholder without touching this file.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;

use super::MusicServer;

/// Arguments of the generating tools.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct GenerateArgs {
    /// The stored score to start from.
    pub score_id: String,
    /// A style or species, such as `chorale`, `first_species` or `bach`.
    pub style: Option<String>,
    /// The id to store the result under.
    pub new_score_id: Option<String>,
}

/// The tool error every placeholder answers with.
fn not_available(tool: &str) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(format!(
        "{tool} is not available yet in this server version; no result was computed. \
         The analysis tools (key_analysis, chord_analysis, harmony_analysis, \
         voice_leading_analysis, pattern_recognition) and transpose_score work today"
    ))])
}

#[tool_router(router = pending_tool_router, vis = "pub(super)")]
impl MusicServer {
    /// Harmonise a melody in four parts (not available yet).
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false
    ))]
    async fn harmonize_melody(
        &self,
        Parameters(_args): Parameters<GenerateArgs>,
    ) -> CallToolResult {
        not_available("harmonize_melody")
    }

    /// Write a counterpoint line against a cantus firmus (not available yet).
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false
    ))]
    async fn generate_counterpoint(
        &self,
        Parameters(_args): Parameters<GenerateArgs>,
    ) -> CallToolResult {
        not_available("generate_counterpoint")
    }

    /// Generate music in the style of a stored score (not available yet).
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false
    ))]
    async fn imitate_style(&self, Parameters(_args): Parameters<GenerateArgs>) -> CallToolResult {
        not_available("imitate_style")
    }
}

/// The placeholders whose real tool is not in `real`.
pub(super) fn placeholders_missing_from(real: &ToolRouter<MusicServer>) -> ToolRouter<MusicServer> {
    let mut pending = MusicServer::pending_tool_router();
    for tool in pending.list_all() {
        if real.has_route(&tool.name) {
            pending.remove_route(&tool.name);
        }
    }
    pending
}
