//! Everything around one `tools/call` that is not the tool itself: the `tool_call` span with
//! request id, session and tool; the in-flight registry; progress notifications while the call
//! runs; a log message to sessions that asked for them; resource-change events after a call
//! that changed the store.
//!
//! `ServerHandler::call_tool` (in `handler.rs`) sends every call through [`serve`], which hands
//! it to the tool router; the router decodes the arguments and runs the `#[tool]` method.

// Logging (and, for the fixtures, sampling) are deprecated by SEP-2577 but remain part of
// the protocol versions served here (2025-06-18, 2025-11-25), so their types are used on purpose.
#![allow(deprecated)]

use std::time::{Duration, Instant};

use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, LoggingLevel, LoggingMessageNotificationParam,
    NumberOrString, ProgressNotificationParam, ProgressToken,
};
use rmcp::service::{Peer, RequestContext};
use rmcp::{ErrorData as McpError, RoleServer};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::MusicServer;
use super::context::ResourceEvent;

/// Tools whose success changes the set of stored scores.
const STORE_CHANGING_TOOLS: [&str; 3] = ["import_score", "delete_score", "transpose_score"];

/// How often a running call reports progress to a client that asked for it.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

tokio::task_local! {
    static CURRENT_CALL: CallScope;
}

/// Who made the tool call being served on this task.
#[derive(Debug, Clone)]
pub struct CallScope {
    /// The MCP session: `stdio`, or the HTTP `Mcp-Session-Id` (`none` before one exists).
    pub session: String,
    /// The JSON-RPC request id.
    pub request_id: String,
}

/// The call being served on this task, when inside a `tools/call` (for per-session limits).
pub fn current_call() -> Option<CallScope> {
    CURRENT_CALL.try_with(Clone::clone).ok()
}

/// Serves one `tools/call` through the tool router, with span, registry, progress and events.
pub(super) async fn serve(
    server: &MusicServer,
    request: CallToolRequestParams,
    context: RequestContext<RoleServer>,
) -> Result<CallToolResponse, McpError> {
    let tool = request.name.to_string();
    let scope = CallScope {
        session: session_of(&context),
        request_id: request_id_text(&context.id),
    };
    let span = tracing::info_span!(
        "tool_call",
        request_id = %scope.request_id,
        session = %scope.session,
        tool = %tool,
    );
    let fixture = super::conformance::is_fixture_tool(&tool);

    async move {
        let _registered = server
            .shared
            .in_flight
            .begin(&scope.request_id, &scope.session, &tool);
        let progress = match context.meta.get_progress_token() {
            Some(token) if !fixture => Heartbeat::start(context.peer.clone(), token, &tool),
            _ => Heartbeat::none(),
        };
        let peer = context.peer.clone();
        let started = Instant::now();

        let call = ToolCallContext::new(server, request, context);
        let result = CURRENT_CALL
            .scope(scope, server.tool_router.call(call))
            .await;

        progress.finish().await;
        if !fixture {
            after_call(server, &peer, &tool, &result, started.elapsed()).await;
        }
        result
    }
    .instrument(span)
    .await
}

/// Publishes resource events and sends the session its log message.
async fn after_call(
    server: &MusicServer,
    peer: &Peer<RoleServer>,
    tool: &str,
    result: &Result<CallToolResponse, McpError>,
    elapsed: Duration,
) {
    let (outcome, level) = match result {
        Ok(CallToolResponse::Complete(done)) if done.is_error == Some(true) => {
            ("tool_error", LoggingLevel::Warning)
        }
        Ok(_) => ("ok", LoggingLevel::Info),
        Err(_) => ("protocol_error", LoggingLevel::Error),
    };

    if outcome == "ok" && STORE_CHANGING_TOOLS.contains(&tool) {
        server.shared.publish(ResourceEvent::ListChanged);
        if let Some(id) = changed_score_id(result) {
            server
                .shared
                .publish(ResourceEvent::Updated(format!("score://{id}")));
        }
    }

    if server.session.wants_log(level) {
        let data = serde_json::json!({
            "event": "tool call finished",
            "tool": tool,
            "outcome": outcome,
            "elapsed_ms": elapsed.as_secs_f64() * 1000.0,
        });
        let sent = peer
            .notify_logging_message(
                LoggingMessageNotificationParam::new(level, data).with_logger("music-mcp"),
            )
            .await;
        if let Err(err) = sent {
            tracing::debug!(error = %err, "log message not delivered");
        }
    }
}

/// The `score_id` in a successful result's structured content.
fn changed_score_id(result: &Result<CallToolResponse, McpError>) -> Option<String> {
    let Ok(CallToolResponse::Complete(done)) = result else {
        return None;
    };
    let content = done.structured_content.as_ref()?;
    let id = content
        .get("score_id")
        .or_else(|| content.get("score").and_then(|s| s.get("score_id")))?;
    id.as_str().map(str::to_string)
}

/// The session a request belongs to: the `Mcp-Session-Id` header over HTTP, `stdio` otherwise.
fn session_of(context: &RequestContext<RoleServer>) -> String {
    match context.extensions.get::<axum::http::request::Parts>() {
        Some(parts) => parts
            .headers
            .get("mcp-session-id")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("none")
            .to_string(),
        None => "stdio".to_string(),
    }
}

fn request_id_text(id: &NumberOrString) -> String {
    match id {
        NumberOrString::Number(n) => n.to_string(),
        NumberOrString::String(s) => s.to_string(),
    }
}

/// Progress notifications every [`PROGRESS_INTERVAL`] while a call runs, and a last one with
/// `total` when it ends, for clients that sent a progress token. Calls that end within the
/// first interval (most of them) send none.
struct Heartbeat {
    running: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
}

impl Heartbeat {
    fn none() -> Self {
        Self { running: None }
    }

    fn start(peer: Peer<RoleServer>, token: ProgressToken, tool: &str) -> Self {
        let (stop, mut stopped) = oneshot::channel();
        let tool = tool.to_string();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let mut step = 0.0;
            let report = |step: f64, total: Option<f64>, message: String| {
                let mut param =
                    ProgressNotificationParam::new(token.clone(), step).with_message(message);
                param.total = total;
                let peer = peer.clone();
                async move {
                    let _ = peer.notify_progress(param).await;
                }
            };
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    () = tokio::time::sleep(PROGRESS_INTERVAL) => {
                        step += 1.0;
                        let secs = started.elapsed().as_secs_f64();
                        report(step, None, format!("{tool} running for {secs:.1} s")).await;
                    }
                }
            }
            if step > 0.0 {
                step += 1.0;
                report(step, Some(step), format!("{tool} finished")).await;
            }
        });
        Self {
            running: Some((stop, task)),
        }
    }

    /// Stops the heartbeat after its last notification has been sent.
    async fn finish(self) {
        let Some((stop, task)) = self.running else {
            return;
        };
        let _ = stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(1), task).await;
    }
}
