//! Health and metrics routes: liveness, readiness, the detailed report, Prometheus metrics.
//!
//! Liveness asks only whether the root supervisor is registered (cheap, no message); readiness
//! asks the tree and fails while any child is not running or a shutdown has begun; the detailed
//! report gathers what an operator looks at first.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use music_mcp_actors::{Health, RuntimeHealth};
use serde::Serialize;
use serde_json::json;

use super::{HttpState, exposition};
use crate::server::in_flight::InFlightCall;
use crate::store::StoreStats;
use crate::tools::health_check::resident_memory;

/// `GET /health`: 200 while the root supervisor runs, 503 once it has stopped.
pub(super) async fn live(State(state): State<Arc<HttpState>>) -> Response {
    let root = state.server.runtime().services().names.supervisor("root");
    if ractor::registry::where_is(root).is_some() {
        (StatusCode::OK, Json(json!({ "status": "ok" }))).into_response()
    } else {
        let body = json!({ "status": "stopped", "reason": "the root supervisor is not running" });
        (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
    }
}

/// `GET /health/ready`: 200 when every tool can serve, 503 with the reasons otherwise (a
/// child restarting, a breaker open, memory pressure, the tree gone, or a shutdown begun).
pub(super) async fn ready(State(state): State<Arc<HttpState>>) -> Response {
    if state.server.shared().is_draining() {
        return not_ready(vec!["the server is shutting down".to_string()]);
    }
    let health = state.server.runtime().health().await;
    if health.health == Health::Healthy {
        (StatusCode::OK, Json(json!({ "status": "ready" }))).into_response()
    } else {
        not_ready(health.problems)
    }
}

fn not_ready(problems: Vec<String>) -> Response {
    let body =
        json!({ "status": "not_ready", "reason": problems.join("; "), "problems": problems });
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

/// The body of `/health/detailed`: the runtime's own health report (verdict, problems,
/// supervision tree, circuit breakers, rate limiter, memory guard, chaos monkey) plus what only
/// the server knows (version, uptime, store, in-flight calls, draining).
#[derive(Debug, Serialize)]
struct DetailedReport {
    version: &'static str,
    /// The server process (under `--watchdog`, the child serving now).
    pid: u32,
    uptime_seconds: f64,
    /// True once a graceful shutdown has begun.
    draining: bool,
    #[serde(flatten)]
    runtime: RuntimeHealth,
    store: Option<StoreStats>,
    in_flight: Vec<InFlightCall>,
    rss_bytes: Option<u64>,
}

/// `GET /health/detailed`: 200 with the report while the server serves, 503 with the same
/// report when it is unhealthy or draining.
pub(super) async fn detailed(State(state): State<Arc<HttpState>>) -> Response {
    let runtime = state.server.runtime();
    let shared = state.server.shared();
    let health = runtime.health().await;
    let serving = health.health != Health::Unhealthy && !shared.is_draining();
    let report = DetailedReport {
        version: env!("CARGO_PKG_VERSION"),
        pid: std::process::id(),
        uptime_seconds: runtime.services().started_at.elapsed().as_secs_f64(),
        draining: shared.is_draining(),
        runtime: health,
        store: runtime.services().store.stats().ok(),
        in_flight: shared.in_flight.snapshot(),
        rss_bytes: resident_memory(),
    };
    let status = if serving {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report)).into_response()
}

/// `GET /metrics`: OpenMetrics for scrapers that ask for it, the classic Prometheus text
/// format (which `promtool check metrics` reads) otherwise.
pub(super) async fn metrics(State(state): State<Arc<HttpState>>, headers: HeaderMap) -> Response {
    let text = state.server.runtime().metrics_text();
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    if exposition::wants_openmetrics(accept) {
        ([(header::CONTENT_TYPE, exposition::OPENMETRICS)], text).into_response()
    } else {
        let text = exposition::to_prometheus_text(&text);
        ([(header::CONTENT_TYPE, exposition::PROMETHEUS_TEXT)], text).into_response()
    }
}
