//! The HTTP listener: MCP Streamable HTTP at `/mcp` (rmcp on axum) and, on the same port,
//! `/health`, `/health/ready`, `/health/detailed` and `/metrics`.
//!
//! `main` binds the listener and calls [`serve`] with a shutdown signal. Security by default:
//! `Host` and `Origin` are checked on every route (rmcp checks them on `/mcp`, [`guard`] on the
//! rest), the bearer token (when configured) guards `/mcp` and `/health/detailed`, and request
//! bodies over the limit get 413. Shutdown drains: see [`serve`].

mod exposition;
mod guard;
mod health;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::MusicServer;

/// How long shutdown lets answers already computed reach their clients before it closes the
/// sessions.
const FLUSH_GRACE: Duration = Duration::from_millis(300);

/// Settings of the HTTP face, taken from the configuration.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Bearer token required on `/mcp` and `/health/detailed`; none means no token.
    pub auth_token: Option<String>,
    /// Browser origins allowed (`scheme://host:port`, `:*` for any port, `null`).
    pub allowed_origins: Vec<String>,
    /// `Host` header values accepted; empty accepts any (not for public deployments).
    pub allowed_hosts: Vec<String>,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// How long shutdown waits for in-flight tool calls.
    pub shutdown_deadline: Duration,
}

impl HttpOptions {
    /// The options of a configuration.
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            auth_token: config.http.auth_token.clone(),
            allowed_origins: config.http.allowed_origins.clone(),
            allowed_hosts: config.http.allowed_hosts.clone(),
            max_body_bytes: usize::try_from(config.http.max_body_bytes).unwrap_or(usize::MAX),
            shutdown_deadline: config.shutdown_deadline(),
        }
    }
}

/// What the HTTP handlers share.
pub(crate) struct HttpState {
    server: MusicServer,
    options: HttpOptions,
}

/// The router with every route; `sessions` ends all MCP sessions when cancelled.
pub fn router(server: MusicServer, options: HttpOptions, sessions: CancellationToken) -> Router {
    let state = Arc::new(HttpState {
        server: server.clone(),
        options: options.clone(),
    });
    let mcp = mcp_service(server, &options, sessions);

    let protected = Router::new()
        .nest_service("/mcp", mcp)
        .route("/health/detailed", get(health::detailed))
        .layer(from_fn_with_state(state.clone(), guard::check_json_rpc))
        .layer(from_fn_with_state(state.clone(), guard::require_token))
        .with_state(state.clone());
    let open = Router::new()
        .route("/health", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(health::metrics))
        .with_state(state.clone());
    open.merge(protected)
        .layer(from_fn_with_state(state, guard::check_host_and_origin))
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
}

/// rmcp's Streamable HTTP service; the runtime stays outside the per-session factory.
fn mcp_service(
    server: MusicServer,
    options: &HttpOptions,
    sessions: CancellationToken,
) -> StreamableHttpService<MusicServer, LocalSessionManager> {
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_origins(options.allowed_origins.clone())
        .enforce_origin_validation()
        .with_max_request_body_bytes(options.max_body_bytes)
        .with_cancellation_token(sessions);
    config = if options.allowed_hosts.is_empty() {
        config.disable_allowed_hosts()
    } else {
        config.with_allowed_hosts(options.allowed_hosts.clone())
    };
    StreamableHttpService::new(
        move || Ok(server.for_session()),
        LocalSessionManager::default().into(),
        config,
    )
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains.
///
/// Draining: readiness turns 503 and the listener stops accepting; in-flight tool calls get up
/// to the configured deadline to finish; then every MCP session is closed (`sessions`), and
/// the server waits briefly for the connections to end. The caller then stops the runtime.
pub async fn serve(
    listener: TcpListener,
    server: &MusicServer,
    options: &HttpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sessions = CancellationToken::new();
    let app = router(server.clone(), options.clone(), sessions.clone());
    let stop_accepting = CancellationToken::new();
    let serving = {
        let stop = stop_accepting.clone();
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .into_future()
    };
    let serving = tokio::spawn(serving);

    shutdown.await;
    let shared = server.shared();
    shared.start_draining();
    stop_accepting.cancel();
    tracing::info!(
        in_flight = shared.in_flight.count(),
        "shutting down: no new connections, draining in-flight calls"
    );
    let drained = shared.in_flight.wait_idle(options.shutdown_deadline).await;
    if !drained {
        tracing::warn!(
            in_flight = shared.in_flight.count(),
            "shutdown deadline passed with calls still running; closing them"
        );
    }
    // The last answers are written to their streams just after their calls leave the
    // registry: give the connections a moment to finish on their own (they all do when no
    // client holds a standalone SSE stream), then close every session.
    let mut serving = serving;
    if let Ok(done) = tokio::time::timeout(FLUSH_GRACE, &mut serving).await {
        return done.map_err(std::io::Error::other)?;
    }
    sessions.cancel();
    match tokio::time::timeout(Duration::from_secs(2), serving).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(std::io::Error::other(join)),
        Err(_) => {
            tracing::warn!("connections still open after shutdown; closing them");
            Ok(())
        }
    }
}
