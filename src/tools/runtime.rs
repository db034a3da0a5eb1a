//! The runtime: the supervision tree of the tool actors and the retrying caller in front of it.
//!
//! ```text
//! root supervisor (one_for_one, 3 restarts / 5 s)
//! └── tools supervisor (one_for_one, 10 restarts / 10 s)
//!     ├── import_score   (permanent)
//!     ├── list_scores    (permanent)
//!     ├── score_info     (permanent)
//!     ├── delete_score   (permanent)
//!     ├── key_analysis   (permanent)
//!     └── health_check   (permanent)
//! ```
//! The MCP server holds one `Runtime` and reaches every tool through [`Runtime::call`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use music_mcp_actors::{
    CallError, ChildSpec, Intensity, RestartAction, RestartEvent, RestartType, RetryPolicy,
    Strategy, Supervisor,
    SupervisorConfig, SupervisorMessage, SupervisorStatus, call_named,
};
use ractor::{Actor, ActorCell, ActorRef};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::actor::{ToolActor, ToolMessage};
use super::delete_score::DeleteScore;
use super::health_check::{HealthCheck, tree_status};
use super::import_score::ImportScore;
use super::key_analysis::KeyAnalysisTool;
use super::list_scores::ListScores;
use super::score_info::ScoreInfoTool;
use super::services::{ActorNames, FaultInjector, ScoreCache};
use super::{Services, Tool, ToolError, ToolErrorKind};
use crate::metrics::{Metrics, ScrapeState};
use crate::music::read::ReadLimits;
use crate::store::{ScoreStore, StoreError};

/// How to start a runtime.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Folder holding the redb score store.
    pub data_dir: PathBuf,
    /// Prefix of every actor name, so several runtimes can share one process (tests).
    pub name_prefix: String,
    /// Limits for every score reader.
    pub limits: ReadLimits,
    /// Retry policy of the caller in front of the tool actors.
    pub retry: RetryPolicy,
    /// How many decoded scores to keep in memory.
    pub cache_capacity: usize,
    /// Restart intensity of the tools supervisor.
    pub tools_intensity: Intensity,
}

impl RuntimeConfig {
    /// The defaults, storing scores in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            name_prefix: "music-mcp".to_string(),
            limits: ReadLimits::default(),
            retry: RetryPolicy::default(),
            cache_capacity: 64,
            tools_intensity: Intensity::new(10, Duration::from_secs(10)),
        }
    }
}

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The score store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The supervision tree could not be spawned.
    #[error("cannot start the supervision tree: {0}")]
    Spawn(String),
}

/// A call's answer and how many attempts it took.
#[derive(Debug)]
pub struct Called<T> {
    /// The tool's answer.
    pub result: Result<T, ToolError>,
    /// Attempts used: more than one means an actor died and the call was sent again.
    pub attempts: u32,
}

/// The running supervision tree plus the shared services.
pub struct Runtime {
    services: Arc<Services>,
    root: ActorRef<SupervisorMessage>,
    /// Becomes true when the root supervisor has ended, for whatever reason.
    stopped: tokio::sync::watch::Receiver<bool>,
    retry: RetryPolicy,
}

impl Runtime {
    /// Opens the store and starts the supervision tree; every tool name resolves on return.
    pub async fn start(config: RuntimeConfig) -> Result<Self, RuntimeError> {
        let store = ScoreStore::open_in(&config.data_dir)?;
        let names = ActorNames::new(config.name_prefix.clone());
        let metrics = Arc::new(Metrics::new());
        let services = Arc::new(Services {
            metrics: metrics.clone(),
            store: Arc::new(store),
            cache: ScoreCache::new(config.cache_capacity),
            limits: config.limits.clone(),
            faults: FaultInjector::default(),
            names: names.clone(),
            started_at: Instant::now(),
        });

        let tools = SupervisorConfig::new(names.supervisor("tools"))
            .with_strategy(Strategy::OneForOne)
            .with_intensity(config.tools_intensity)
            .with_observer(count_restarts(&metrics))
            .with_child(tool_child::<ImportScore>(&services))
            .with_child(tool_child::<ListScores>(&services))
            .with_child(tool_child::<ScoreInfoTool>(&services))
            .with_child(tool_child::<DeleteScore>(&services))
            .with_child(tool_child::<KeyAnalysisTool>(&services))
            .with_child(tool_child::<HealthCheck>(&services));
        let root = SupervisorConfig::new(names.supervisor("root"))
            .with_strategy(Strategy::OneForOne)
            .with_intensity(Intensity::new(3, Duration::from_secs(5)))
            .with_observer(count_restarts(&metrics))
            .with_child(ChildSpec::supervisor(tools));
        let (root, root_task) = Supervisor::spawn(root, None)
            .await
            .map_err(|err| RuntimeError::Spawn(err.to_string()))?;
        tracing::info!(data_dir = %config.data_dir.display(), "supervision tree started");
        Ok(Self {
            services,
            root,
            stopped: watch_root(root_task),
            retry: config.retry,
        })
    }

    /// Calls tool `T` through the retrying caller and returns its answer.
    pub async fn call<T: Tool>(
        &self,
        args: T::Args,
        cancel: &CancellationToken,
    ) -> Result<T::Output, ToolError> {
        self.call_counted::<T>(args, cancel).await.result
    }

    /// Like [`Runtime::call`], also saying how many attempts the call took.
    pub async fn call_counted<T: Tool>(
        &self,
        args: T::Args,
        cancel: &CancellationToken,
    ) -> Called<T::Output> {
        let name = self.services.names.tool(T::NAME);
        let policy = if T::RETRY_SAFE {
            self.retry
        } else {
            RetryPolicy {
                max_attempts: 1,
                ..self.retry
            }
        };
        let build = |reply| ToolMessage::<T>::Call {
            args: args.clone(),
            reply,
        };
        let metrics = &self.services.metrics;
        let _in_flight = metrics.call_started(T::NAME);
        let started = Instant::now();
        let outcome = call_named(&name, build, &policy, cancel).await;
        let elapsed = started.elapsed().as_secs_f64();
        let called = match outcome {
            Ok(answer) => Called {
                result: answer.value,
                attempts: answer.attempts,
            },
            Err(err) => {
                tracing::warn!(tool = T::NAME, error = %err, "tool call failed in the caller");
                Called {
                    result: Err(gateway_error(T::NAME, T::RETRY_SAFE, &err)),
                    attempts: err.attempts(),
                }
            }
        };
        let outcome = match &called.result {
            Ok(_) => "ok",
            Err(err) => err.kind.label(),
        };
        metrics.call_finished(T::NAME, outcome, elapsed, called.attempts);
        tracing::info!(
            tool = T::NAME,
            outcome,
            attempts = called.attempts,
            elapsed_ms = elapsed * 1000.0,
            "tool call finished"
        );
        called
    }

    /// The Prometheus text exposition of every metric, with present-state gauges refreshed.
    pub fn metrics_text(&self) -> String {
        let store = self.services.store.stats().ok();
        let state = ScrapeState {
            rss_bytes: super::health_check::resident_memory(),
            store_scores: store.as_ref().map(|s| s.scores),
            store_file_bytes: store.as_ref().map(|s| s.file_bytes),
            uptime_seconds: self.services.started_at.elapsed().as_secs_f64(),
            ..ScrapeState::default()
        };
        self.services.metrics.render(&state)
    }

    /// The shared services (store, cache, fault injector).
    pub fn services(&self) -> &Arc<Services> {
        &self.services
    }

    /// The live supervision tree.
    pub async fn tree(&self) -> Result<SupervisorStatus, ToolError> {
        tree_status(&self.services.names.supervisor("root")).await
    }

    /// Kills the actor serving `tool` (as a crash would); its supervisor restarts it.
    /// Returns false when no such actor is running.
    pub fn kill_tool(&self, tool: &str) -> bool {
        match ractor::registry::where_is(self.services.names.tool(tool)) {
            Some(cell) => {
                cell.kill();
                true
            }
            None => false,
        }
    }

    /// Resolves when the root supervisor has ended: after `shutdown`, or when it gave up
    /// because its restart intensity was exceeded.
    pub async fn stopped(&self) {
        let mut stopped = self.stopped.clone();
        // An error means the watcher task is gone, which only happens once the root ended.
        let _ = stopped.wait_for(|ended| *ended).await;
    }

    /// Stops the tree: children stop in reverse start order, then the root.
    pub async fn shutdown(&self) {
        if let Err(err) = Supervisor::shutdown(&self.root, Some(Duration::from_secs(10))).await {
            tracing::warn!(error = %err, "supervision tree did not stop cleanly");
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), self.stopped()).await;
        tracing::info!("supervision tree stopped");
    }
}

/// A restart observer that counts restarts in the metrics.
fn count_restarts(metrics: &Arc<Metrics>) -> impl Fn(&RestartEvent) + Send + Sync + 'static {
    let metrics = metrics.clone();
    move |event: &RestartEvent| {
        if let RestartAction::Restart { children, .. } = &event.action {
            for child in children {
                metrics.restarted(&event.supervisor, child);
            }
        }
    }
}

/// Publishes the end of the root supervisor's task.
fn watch_root(root_task: JoinHandle<()>) -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let _ = root_task.await;
        let _ = tx.send(true);
    });
    rx
}

/// The child spec of one tool actor: permanent, registered as `names.tool(T::NAME)`.
fn tool_child<T: Tool>(services: &Arc<Services>) -> ChildSpec {
    let name = services.names.tool(T::NAME);
    let services = services.clone();
    ChildSpec::new(
        name.clone(),
        RestartType::Permanent,
        move |supervisor: ActorCell| {
            let services = services.clone();
            let name = name.clone();
            async move {
                let (actor, _task) = Actor::spawn_linked(
                    Some(name),
                    ToolActor::<T>::default(),
                    services,
                    supervisor,
                )
                .await?;
                Ok(actor.get_cell())
            }
        },
    )
}

/// Turns a caller failure into the tool error the client sees.
fn gateway_error(tool: &str, retry_safe: bool, err: &CallError) -> ToolError {
    let message = match err {
        CallError::Cancelled { .. } => format!("{tool} was cancelled by the client"),
        _ if !retry_safe => format!(
            "{tool} was interrupted by a server fault and may or may not have completed ({err}); \
             check with list_scores before trying again"
        ),
        _ => format!("{tool} is restarting or overloaded ({err}); try again in a moment"),
    };
    ToolError::new(ToolErrorKind::Unavailable, message)
}
