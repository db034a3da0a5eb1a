//! MCP resources: each stored score as `score://{score_id}` (a JSON summary with music21-named
//! facts) and the live supervision tree as `music-mcp://supervision`.
//!
//! Reads go through the runtime like tool calls (`list_scores`, `score_info`), so they are
//! served by supervised actors and never touch the store from the handler.

use rmcp::ErrorData as McpError;
use rmcp::model::{Resource, ResourceContents, ResourceTemplate};
use tokio_util::sync::CancellationToken;

use super::MusicServer;
use crate::tools::health_check::SupervisorReport;
use crate::tools::list_scores::{ListScores, ListScoresArgs};
use crate::tools::score_info::{ScoreInfoArgs, ScoreInfoTool};
use crate::tools::{ToolError, ToolErrorKind};

/// The supervision tree resource.
pub const SUPERVISION_URI: &str = "music-mcp://supervision";

/// The scheme of stored-score resources.
pub const SCORE_SCHEME: &str = "score://";

/// The URI template of stored-score resources.
pub const SCORE_TEMPLATE: &str = "score://{score_id}";

const JSON: &str = "application/json";

/// Every resource: the supervision tree, then one per stored score.
pub(super) async fn list(
    server: &MusicServer,
    ct: &CancellationToken,
) -> Result<Vec<Resource>, McpError> {
    let mut resources = vec![
        Resource::new(SUPERVISION_URI, "supervision")
            .with_title("Supervision tree")
            .with_description(
                "The live supervision tree: each supervisor's strategy and restart intensity, \
                 each child's state, restart count and last failure",
            )
            .with_mime_type(JSON),
    ];
    let listed = server
        .runtime
        .call::<ListScores>(ListScoresArgs {}, ct)
        .await
        .map_err(|err| McpError::internal_error(err.message, None))?;
    for score in listed.scores {
        let title = score
            .title
            .clone()
            .unwrap_or_else(|| score.score_id.clone());
        let description = format!(
            "{} part(s), {} measure(s), {} note(s){}",
            score.part_count,
            score.measure_count,
            score.note_count,
            score
                .composer
                .as_deref()
                .map(|c| format!("; by {c}"))
                .unwrap_or_default()
        );
        resources.push(
            Resource::new(format!("{SCORE_SCHEME}{}", score.score_id), score.score_id)
                .with_title(title)
                .with_description(description)
                .with_mime_type(JSON),
        );
    }
    Ok(resources)
}

/// The resource templates: a stored score by id.
pub(super) fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(SCORE_TEMPLATE, "score")
            .with_title("Stored score")
            .with_description(
                "A stored score's summary and music21-named facts (parts, measures, key and time \
                 signatures, durations), as JSON",
            )
            .with_mime_type(JSON),
    ]
}

/// Reads one resource; an unknown URI or score id is `resource_not_found`.
pub(super) async fn read(
    server: &MusicServer,
    uri: &str,
    ct: &CancellationToken,
) -> Result<ResourceContents, McpError> {
    if uri == SUPERVISION_URI {
        let tree = server.runtime.tree().await.map_err(unavailable)?;
        let report = SupervisorReport::from(&tree);
        return Ok(json_contents(uri, &report));
    }
    if let Some(score_id) = uri.strip_prefix(SCORE_SCHEME) {
        // TODO(#6): also serve the score as MusicXML once crate::music has a MusicXML writer;
        // meanwhile every score resource is the JSON summary.
        let args = ScoreInfoArgs {
            score_id: score_id.to_string(),
        };
        let info = server
            .runtime
            .call::<ScoreInfoTool>(args, ct)
            .await
            .map_err(|err| score_error(uri, err))?;
        return Ok(json_contents(uri, &info));
    }
    Err(not_found(
        uri,
        "unknown resource; use score://{score_id} or music-mcp://supervision",
    ))
}

fn json_contents(uri: &str, value: &impl serde::Serialize) -> ResourceContents {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|err| {
        serde_json::json!({ "error": format!("cannot render: {err}") }).to_string()
    });
    ResourceContents::text(text, uri).with_mime_type(JSON)
}

fn score_error(uri: &str, err: ToolError) -> McpError {
    match err.kind {
        ToolErrorKind::NotFound | ToolErrorKind::InvalidInput => not_found(uri, &err.message),
        _ => unavailable(err),
    }
}

fn not_found(uri: &str, message: &str) -> McpError {
    McpError::resource_not_found(
        format!("{uri}: {message}"),
        Some(serde_json::json!({ "uri": uri })),
    )
}

fn unavailable(err: ToolError) -> McpError {
    McpError::internal_error(err.message, None)
}
