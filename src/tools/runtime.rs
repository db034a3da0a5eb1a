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

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use music_mcp_actors::introspect::{self, HealthSources, RuntimeHealth};
use music_mcp_actors::{
    Backoff, BreakerConfig, BreakerRegistry, CallError, ChaosConfig, ChildSpec, Intensity,
    MemoryGuard, MemoryGuardConfig, MemoryLevel, Permit, RateLimitConfig, RateLimiter,
    RestartAction, RestartEvent, RestartType, RetryPolicy, Strategy, Supervisor, SupervisorConfig,
    SupervisorMessage, SupervisorStatus, call_named,
};
use ractor::{Actor, ActorCell, ActorRef};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::actor::{ToolActor, ToolMessage};
use super::analyze_style::AnalyzeStyle;
use super::check_counterpoint::CheckCounterpoint;
use super::chord_analysis::ChordAnalysisTool;
use super::delete_score::DeleteScore;
use super::export_score::ExportScore;
use super::generate_counterpoint::GenerateCounterpoint;
use super::harmonize_melody::HarmonizeMelody;
use super::harmony_analysis::HarmonyAnalysisTool;
use super::health_check::{HealthCheck, tree_status};
use super::imitate_style::ImitateStyle;
use super::import_roots::ImportRoots;
use super::import_score::ImportScore;
use super::key_analysis::KeyAnalysisTool;
use super::list_scores::ListScores;
use super::list_tunes::ListTunes;
use super::pattern_recognition::PatternRecognitionTool;
use super::score_info::ScoreInfoTool;
use super::services::{ActorNames, FaultInjector, ScoreCache};
use super::transpose_score::TransposeScore;
use super::voice_leading_analysis::VoiceLeadingAnalysisTool;
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
    /// Folders file imports are confined to; empty means no restriction (stdio). Over HTTP the
    /// configuration defaults to `<data_dir>/imports` plus the corpus folders.
    pub import_roots: Vec<PathBuf>,
    /// Corpus folders searched after the built-in corpus (default: `MUSIC_MCP_CORPUS`).
    pub corpus_folders: Vec<PathBuf>,
    /// The only folder `export_score` writes files into (default `<data_dir>/exports`).
    pub export_dir: PathBuf,
    /// Backoff between repeated restarts of one tool actor. Short by default: a tool actor
    /// holds no state worth waiting for, and restart intensity already stops a crash loop.
    pub tools_backoff: Backoff,
    /// Restart intensity of the root supervisor.
    pub root_intensity: Intensity,
    /// Circuit breaker numbers, the same for every tool.
    pub breaker: BreakerConfig,
    /// Token buckets per tool and per client session.
    pub rate_limits: RateLimitConfig,
    /// Memory guard limits and sampling interval.
    pub memory: MemoryGuardConfig,
    /// The chaos monkey; disabled unless configured.
    pub chaos: ChaosConfig,
}

impl RuntimeConfig {
    /// The defaults, storing scores in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir: PathBuf = data_dir.into();
        Self {
            export_dir: data_dir.join("exports"),
            data_dir,
            name_prefix: "music-mcp".to_string(),
            limits: ReadLimits::default(),
            retry: RetryPolicy::default(),
            cache_capacity: 64,
            tools_intensity: Intensity::new(10, Duration::from_secs(10)),
            import_roots: Vec::new(),
            corpus_folders: crate::corpus::folders_from_env(),
            tools_backoff: Backoff::new(Duration::from_millis(2), Duration::from_millis(50)),
            root_intensity: Intensity::new(3, Duration::from_secs(5)),
            breaker: BreakerConfig::default(),
            rate_limits: RateLimitConfig::default(),
            memory: MemoryGuardConfig::default(),
            chaos: ChaosConfig::default(),
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
        let cache = Arc::new(ScoreCache::new(config.cache_capacity));
        let memory = MemoryGuard::new(memory_hooks(config.memory.clone(), &cache));
        let services = Arc::new(Services {
            breakers: BreakerRegistry::new(config.breaker),
            limiter: RateLimiter::new(config.rate_limits.clone()),
            memory: memory.clone(),
            crashers: Mutex::new(HashMap::new()),
            metrics: metrics.clone(),
            store: Arc::new(store),
            cache,
            limits: config.limits.clone(),
            faults: FaultInjector::default(),
            names: names.clone(),
            started_at: Instant::now(),
            import_roots: ImportRoots::new(config.import_roots.clone()),
            corpus_folders: config.corpus_folders.clone(),
            export_dir: config.export_dir.clone(),
        });

        let tools = SupervisorConfig::new(names.supervisor("tools"))
            .with_strategy(Strategy::OneForOne)
            .with_intensity(config.tools_intensity)
            .with_backoff(config.tools_backoff)
            .with_observer(count_restarts(&metrics))
            .with_child(tool_child::<ImportScore>(&services))
            .with_child(tool_child::<ListScores>(&services))
            .with_child(tool_child::<ListTunes>(&services))
            .with_child(tool_child::<ScoreInfoTool>(&services))
            .with_child(tool_child::<DeleteScore>(&services))
            .with_child(tool_child::<KeyAnalysisTool>(&services))
            .with_child(tool_child::<ChordAnalysisTool>(&services))
            .with_child(tool_child::<HarmonyAnalysisTool>(&services))
            .with_child(tool_child::<VoiceLeadingAnalysisTool>(&services))
            .with_child(tool_child::<PatternRecognitionTool>(&services))
            .with_child(tool_child::<TransposeScore>(&services))
            .with_child(tool_child::<ExportScore>(&services))
            .with_child(tool_child::<HarmonizeMelody>(&services))
            .with_child(tool_child::<GenerateCounterpoint>(&services))
            .with_child(tool_child::<CheckCounterpoint>(&services))
            .with_child(tool_child::<ImitateStyle>(&services))
            .with_child(tool_child::<AnalyzeStyle>(&services))
            .with_child(tool_child::<HealthCheck>(&services));
        let infra = SupervisorConfig::new(names.supervisor("infra"))
            .with_strategy(Strategy::OneForOne)
            .with_intensity(Intensity::new(10, Duration::from_secs(10)))
            .with_observer(count_restarts(&metrics))
            .with_child(services.limiter.child_spec(names.actor("rate_limiter")))
            .with_child(memory.child_spec(names.actor("memory_guard")));
        let mut root = SupervisorConfig::new(names.supervisor("root"))
            .with_strategy(Strategy::OneForOne)
            .with_intensity(config.root_intensity)
            .with_observer(count_restarts(&metrics))
            .with_child(ChildSpec::supervisor(infra))
            .with_child(ChildSpec::supervisor(tools));
        if config.chaos.enabled {
            let chaos = chaos_config(config.chaos.clone(), &services);
            root = root.with_child(chaos.child_spec(names.actor("chaos_monkey")));
        }
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
        self.call_in_session::<T>(args, cancel, None).await
    }

    /// Calls tool `T` on behalf of a client session (for per-session rate limits).
    pub async fn call_in_session<T: Tool>(
        &self,
        args: T::Args,
        cancel: &CancellationToken,
        session: Option<&str>,
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
        let metrics = &self.services.metrics;
        let _in_flight = metrics.call_started(T::NAME);
        let started = Instant::now();
        let called = match self.admit::<T>(session).await {
            Err(refusal) => Called {
                result: Err(refusal),
                attempts: 0,
            },
            Ok(permit) => {
                let build = |reply| ToolMessage::<T>::Call {
                    args: args.clone(),
                    reply,
                };
                let called = match call_named(&name, build, &policy, cancel).await {
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
                // Only server faults count against the breaker; a user's mistake says nothing
                // about the tool's health, and a cancelled call says nothing either.
                match &called.result {
                    Ok(_) => permit.success(),
                    Err(err) if err.kind.is_server_fault() && !cancel.is_cancelled() => {
                        permit.failure()
                    }
                    Err(_) => permit.ignore(),
                }
                called
            }
        };
        let elapsed = started.elapsed().as_secs_f64();
        if called
            .result
            .as_ref()
            .err()
            .is_some_and(|e| e.kind == ToolErrorKind::RateLimited)
        {
            metrics.rate_limited(T::NAME);
        }
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

    /// Decides whether a call may go to its actor: memory, rate limits, then the breaker.
    async fn admit<T: Tool>(&self, session: Option<&str>) -> Result<Permit, ToolError> {
        let services = &self.services;
        if T::HEAVY && services.memory.level() >= MemoryLevel::Hard {
            return Err(ToolError::new(
                ToolErrorKind::Overloaded,
                format!(
                    "the server is at its memory limit, so {} is refused until memory falls \
                     below the soft limit; try again in a few seconds, or delete scores you no \
                     longer need",
                    T::NAME
                ),
            ));
        }
        if let Err(limited) = services.limiter.acquire(T::NAME, session).await {
            return Err(ToolError::new(
                ToolErrorKind::RateLimited,
                limited.to_string(),
            ));
        }
        services.breakers.try_acquire(T::NAME).map_err(|open| {
            ToolError::new(
                ToolErrorKind::CircuitOpen,
                format!(
                    "{} is failing repeatedly and its circuit breaker is open; retry after {} ms",
                    T::NAME,
                    open.retry_after().as_millis()
                ),
            )
        })
    }

    /// Everything `/health/detailed` shows: the tree, breakers, limiter, memory and chaos.
    pub async fn health(&self) -> RuntimeHealth {
        let names = &self.services.names;
        let (root, memory, chaos) = (
            names.supervisor("root"),
            names.actor("memory_guard"),
            names.actor("chaos_monkey"),
        );
        introspect::collect(HealthSources {
            root_supervisor: Some(&root),
            breakers: Some(&self.services.breakers),
            rate_limiter: Some(&self.services.limiter),
            memory_guard: Some(&memory),
            chaos_monkey: Some(&chaos),
            ..HealthSources::default()
        })
        .await
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

/// The memory guard's configuration with the hooks that free caches under pressure.
fn memory_hooks(config: MemoryGuardConfig, cache: &Arc<ScoreCache>) -> MemoryGuardConfig {
    let (soft, critical) = (cache.clone(), cache.clone());
    config
        .on_soft(move || {
            let evicted = soft.clear();
            tracing::warn!(evicted, "memory soft limit: decoded-score cache emptied");
        })
        .on_critical(move || {
            let evicted = critical.clear();
            tracing::warn!(evicted, "memory critical: forced cleanup of caches");
        })
}

/// The chaos monkey aimed at the tool actors, with hooks that crash, delay or fail them.
fn chaos_config(config: ChaosConfig, services: &Arc<Services>) -> ChaosConfig {
    let mut config = config;
    if config.targets.is_empty() {
        config.targets = vec![services.names.supervisor("tools")];
    }
    let (crash, delay, fail) = (services.clone(), services.clone(), services.clone());
    config
        .with_crash_injector(move |cell: &ActorCell| {
            let name = cell.get_name().unwrap_or_default();
            let crasher = crash
                .crashers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&name)
                .copied();
            crasher.is_some_and(|crasher| crasher(cell))
        })
        .with_latency_injector(move |cell: &ActorCell, latency| {
            let name = cell.get_name().unwrap_or_default();
            let Some(tool) = delay.names.tool_of(&name) else {
                return false;
            };
            delay.faults.delay_next_calls(tool, latency, 1);
            true
        })
        .with_failure_injector(move |cell: &ActorCell| {
            let name = cell.get_name().unwrap_or_default();
            let Some(tool) = fail.names.tool_of(&name) else {
                return false;
            };
            fail.faults.fail_next_calls(tool, 1);
            true
        })
}

/// Makes a tool actor fail through its own mailbox (its supervisor sees `ActorFailed`).
fn crash_tool<T: Tool>(cell: &ActorCell) -> bool {
    cell.send_message(ToolMessage::<T>::Crash("chaos monkey".to_string()))
        .is_ok()
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
    services
        .crashers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(name.clone(), crash_tool::<T>);
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
