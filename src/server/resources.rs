//! MCP resources: each stored score as `score://{score_id}` (two contents: a JSON summary with
//! music21-named facts, then the score as MusicXML) and the live supervision tree as
//! `music-mcp://supervision`.
//!
//! Reads go through the runtime like tool calls (`list_scores`, `score_info`), so they are
//! served by supervised actors and never touch the store from the handler.

use rmcp::ErrorData as McpError;
use rmcp::model::{Resource, ResourceContents, ResourceTemplate};
use tokio_util::sync::CancellationToken;

use super::MusicServer;
use crate::tools::export_score::{ExportContent, ExportScore, ExportScoreArgs};
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

/// MusicXML's registered media type (uncompressed).
const MUSICXML: &str = "application/vnd.recordare.musicxml+xml";

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
                "A stored score: its summary and music21-named facts (parts, measures, key and \
                 time signatures, durations) as JSON, then the score itself as MusicXML",
            )
            .with_mime_type(JSON),
    ]
}

/// Reads one resource; an unknown URI or score id is `resource_not_found`.
pub(super) async fn read(
    server: &MusicServer,
    uri: &str,
    ct: &CancellationToken,
) -> Result<Vec<ResourceContents>, McpError> {
    if uri == SUPERVISION_URI {
        let tree = server.runtime.tree().await.map_err(unavailable)?;
        let report = SupervisorReport::from(&tree);
        return Ok(vec![json_contents(uri, &report)]);
    }
    if let Some(score_id) = uri.strip_prefix(SCORE_SCHEME) {
        let info = server
            .runtime
            .call::<ScoreInfoTool>(
                ScoreInfoArgs {
                    score_id: score_id.to_string(),
                },
                ct,
            )
            .await
            .map_err(|err| score_error(uri, err))?;
        let export = ExportScoreArgs {
            score_id: score_id.to_string(),
            format: "musicxml".to_string(),
            path: None,
        };
        let exported = server
            .runtime
            .call::<ExportScore>(export, ct)
            .await
            .map_err(|err| score_error(uri, err))?;
        let musicxml = match exported.content {
            ExportContent::Text(text) => text,
            ExportContent::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        };
        return Ok(vec![
            json_contents(uri, &info),
            ResourceContents::text(musicxml, uri).with_mime_type(MUSICXML),
        ]);
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
