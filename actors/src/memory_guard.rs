//! Memory guard: samples the process's resident memory and publishes a pressure level.
//!
//! The [`MemoryGuardActor`] is an ordinary supervised child. When it starts and then every
//! [`MemoryGuardConfig::interval`] it samples the resident set size (with `sysinfo`, or an
//! injected [`Sampler`]), classifies it as a [`MemoryLevel`], publishes the level on a
//! `tokio::sync::watch` channel that request handlers read for the cost of a read lock, and on a
//! change logs one line and calls the hooks the server registered (evict caches on soft, force
//! a cleanup on critical). It never kills actors and never refuses calls itself: shedding load
//! is the gateway's decision, taken from the published level.
//!
//! The channel lives in a [`MemoryGuard`] handle, created once by the server and given to the
//! actor as its argument, so subscribers keep working across restarts of the actor, and a
//! restarted actor resumes from the published level (keeping the hard level's hysteresis).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use ractor::concurrency::JoinHandle;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use serde::Serialize;
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::supervisor::{ChildSpec, RestartType};

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

/// Returns the resident memory of the process in bytes, or `None` if it cannot be read.
pub type Sampler = Arc<dyn Fn() -> Option<u64> + Send + Sync>;

/// Called by the memory guard when the level changes; runs inside the actor, so keep it short
/// (spawn a task for slow work). A panic in a hook is caught and logged.
pub type MemoryHook = Arc<dyn Fn() + Send + Sync>;

/// Memory pressure, from none to over the hard limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryLevel {
    /// Below the soft limit.
    #[default]
    Normal,
    /// At or above the soft limit: time to evict caches.
    Soft,
    /// At or above the critical threshold (a share of the hard limit): force a cleanup.
    Critical,
    /// At or above the hard limit; stays until memory is back under the soft limit.
    Hard,
}

/// Limits, sampling interval, sampler and hooks of a memory guard.
#[derive(Clone)]
pub struct MemoryGuardConfig {
    /// Resident bytes at which the level becomes `Soft`.
    pub soft_limit: u64,
    /// Resident bytes at which the level becomes `Hard`.
    pub hard_limit: u64,
    /// The critical threshold as a percentage of the hard limit (never below the soft limit).
    pub critical_percent: u8,
    /// Time between samples.
    pub interval: Duration,
    /// Where samples come from; `None` reads this process's RSS with `sysinfo`.
    pub sampler: Option<Sampler>,
    /// Called on entering `Soft` from below (also when jumping past it).
    pub on_soft: Option<MemoryHook>,
    /// Called on entering `Critical` from below (also when jumping past it).
    pub on_critical: Option<MemoryHook>,
    /// Called on entering `Hard`.
    pub on_hard: Option<MemoryHook>,
    /// Called on returning to `Normal`.
    pub on_normal: Option<MemoryHook>,
}

impl Default for MemoryGuardConfig {
    /// Soft 2 GiB, hard 4 GiB (critical at 80 %, 3.2 GiB), one sample a second, `sysinfo`.
    fn default() -> Self {
        Self {
            soft_limit: 2 * GIB,
            hard_limit: 4 * GIB,
            critical_percent: 80,
            interval: Duration::from_secs(1),
            sampler: None,
            on_soft: None,
            on_critical: None,
            on_hard: None,
            on_normal: None,
        }
    }
}

impl MemoryGuardConfig {
    /// The `lite` preset for small machines: soft 512 MiB, hard 1 GiB.
    pub fn lite() -> Self {
        Self::default().with_limits(512 * MIB, GIB)
    }

    /// Sets the soft and hard limits in bytes.
    pub fn with_limits(mut self, soft_limit: u64, hard_limit: u64) -> Self {
        self.soft_limit = soft_limit;
        self.hard_limit = hard_limit;
        self
    }

    /// Sets the sampling interval.
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Replaces `sysinfo` with `sampler`, for tests that drive the level without allocating.
    pub fn with_sampler(
        mut self,
        sampler: impl Fn() -> Option<u64> + Send + Sync + 'static,
    ) -> Self {
        self.sampler = Some(Arc::new(sampler));
        self
    }

    /// Sets the hook called on entering `Soft`.
    pub fn on_soft(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_soft = Some(Arc::new(hook));
        self
    }

    /// Sets the hook called on entering `Critical`.
    pub fn on_critical(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_critical = Some(Arc::new(hook));
        self
    }

    /// Sets the hook called on entering `Hard`.
    pub fn on_hard(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_hard = Some(Arc::new(hook));
        self
    }

    /// Sets the hook called on returning to `Normal`.
    pub fn on_normal(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_normal = Some(Arc::new(hook));
        self
    }

    /// The thresholds these limits give.
    pub fn thresholds(&self) -> MemoryThresholds {
        let critical = u128::from(self.hard_limit) * u128::from(self.critical_percent) / 100;
        let critical = u64::try_from(critical).unwrap_or(u64::MAX);
        MemoryThresholds {
            soft: self.soft_limit,
            critical: critical.clamp(self.soft_limit.min(self.hard_limit), self.hard_limit),
            hard: self.hard_limit,
        }
    }

    fn hook(&self, level: MemoryLevel) -> Option<&MemoryHook> {
        match level {
            MemoryLevel::Normal => self.on_normal.as_ref(),
            MemoryLevel::Soft => self.on_soft.as_ref(),
            MemoryLevel::Critical => self.on_critical.as_ref(),
            MemoryLevel::Hard => self.on_hard.as_ref(),
        }
    }
}

impl std::fmt::Debug for MemoryGuardConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryGuardConfig")
            .field("soft_limit", &self.soft_limit)
            .field("hard_limit", &self.hard_limit)
            .field("critical_percent", &self.critical_percent)
            .field("interval", &self.interval)
            .field("sampler", &self.sampler.as_ref().map(|_| "injected"))
            .finish_non_exhaustive()
    }
}

/// Byte thresholds of the levels, in rising order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MemoryThresholds {
    /// `Soft` from here.
    pub soft: u64,
    /// `Critical` from here; between the soft and hard limits.
    pub critical: u64,
    /// `Hard` from here.
    pub hard: u64,
}

impl MemoryThresholds {
    /// The level for `rss` bytes, given the level before: `Hard` holds until RSS is back under
    /// the soft limit (hysteresis); every other level follows RSS directly.
    pub fn classify(&self, rss: u64, previous: MemoryLevel) -> MemoryLevel {
        if rss >= self.hard || (previous == MemoryLevel::Hard && rss >= self.soft) {
            MemoryLevel::Hard
        } else if rss >= self.critical {
            MemoryLevel::Critical
        } else if rss >= self.soft {
            MemoryLevel::Soft
        } else {
            MemoryLevel::Normal
        }
    }
}

/// Handle to a memory guard's published level; create once, clone freely.
///
/// Give it to the supervisor through [`MemoryGuard::child_spec`] and hand subscribers
/// [`MemoryGuard::subscribe`]; the level survives restarts of the actor.
#[derive(Clone)]
pub struct MemoryGuard {
    config: MemoryGuardConfig,
    level: Arc<watch::Sender<MemoryLevel>>,
}

impl MemoryGuard {
    /// A guard publishing `Normal` until its actor starts and takes the first sample.
    pub fn new(config: MemoryGuardConfig) -> Self {
        let (level, _) = watch::channel(MemoryLevel::Normal);
        Self {
            config,
            level: Arc::new(level),
        }
    }

    /// The current level; a read lock, cheap enough for every request.
    pub fn level(&self) -> MemoryLevel {
        *self.level.borrow()
    }

    /// A receiver of level changes.
    pub fn subscribe(&self) -> watch::Receiver<MemoryLevel> {
        self.level.subscribe()
    }

    /// The guard's config.
    pub fn config(&self) -> &MemoryGuardConfig {
        &self.config
    }

    /// A permanent child spec running this guard's [`MemoryGuardActor`] under `name`.
    pub fn child_spec(&self, name: impl Into<String>) -> ChildSpec {
        let guard = self.clone();
        ChildSpec::for_actor(name, RestartType::Permanent, MemoryGuardActor, move || {
            guard.clone()
        })
    }
}

impl std::fmt::Debug for MemoryGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryGuard")
            .field("config", &self.config)
            .field("level", &self.level())
            .finish()
    }
}

/// The sampling actor of a [`MemoryGuard`].
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryGuardActor;

/// Messages the [`MemoryGuardActor`] accepts.
#[derive(Debug)]
pub enum MemoryGuardMessage {
    /// Take a sample (sent to itself every interval).
    Sample,
    /// Take a sample now and reply with the resulting status.
    SampleNow(RpcReplyPort<MemoryStatus>),
    /// Reply with the status as of the last sample.
    GetStatus(RpcReplyPort<MemoryStatus>),
}

/// What the memory guard knows, for introspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemoryStatus {
    /// The published level.
    pub level: MemoryLevel,
    /// Resident bytes at the last successful sample.
    pub rss_bytes: Option<u64>,
    /// Highest resident bytes seen by this incarnation of the actor.
    pub peak_rss_bytes: u64,
    /// The level thresholds in bytes.
    pub thresholds: MemoryThresholds,
    /// Samples taken.
    pub samples: u64,
    /// Samples that could not be read.
    pub failed_samples: u64,
    /// Level changes seen.
    pub level_changes: u64,
    /// How long the level has held.
    #[serde(rename = "level_for_ms", with = "crate::introspect::millis")]
    pub level_for: Duration,
}

/// State of the [`MemoryGuardActor`].
pub struct MemoryGuardState {
    guard: MemoryGuard,
    thresholds: MemoryThresholds,
    source: Source,
    level: MemoryLevel,
    level_since: Instant,
    rss: Option<u64>,
    peak: u64,
    samples: u64,
    failed_samples: u64,
    level_changes: u64,
    timer: JoinHandle<()>,
}

/// Where RSS readings come from.
enum Source {
    Injected(Sampler),
    Sysinfo { system: Box<System>, pid: Pid },
    Unavailable,
}

impl Actor for MemoryGuardActor {
    type Msg = MemoryGuardMessage;
    type State = MemoryGuardState;
    type Arguments = MemoryGuard;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        guard: MemoryGuard,
    ) -> Result<Self::State, ActorProcessingErr> {
        let config = guard.config();
        let source = Source::new(config.sampler.clone());
        let every = config.interval.max(Duration::from_millis(1));
        let timer = myself.send_interval(every, || MemoryGuardMessage::Sample);
        let thresholds = config.thresholds();
        tracing::debug!(
            soft = thresholds.soft,
            critical = thresholds.critical,
            hard = thresholds.hard,
            interval_ms = every.as_millis(),
            "memory guard started"
        );
        Ok(MemoryGuardState {
            level: guard.level(),
            guard,
            thresholds,
            source,
            level_since: Instant::now(),
            rss: None,
            peak: 0,
            samples: 0,
            failed_samples: 0,
            level_changes: 0,
            timer,
        })
    }

    /// Takes the first sample at once, so the level is right before the first interval ends.
    async fn post_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        state.sample();
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        state.timer.abort();
        Ok(())
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            MemoryGuardMessage::Sample => state.sample(),
            MemoryGuardMessage::SampleNow(reply) => {
                state.sample();
                let _ = reply.send(state.status());
            }
            MemoryGuardMessage::GetStatus(reply) => {
                let _ = reply.send(state.status());
            }
        }
        Ok(())
    }
}

impl MemoryGuardState {
    /// Reads RSS once, updates the level, and on a change publishes it and calls the hooks.
    fn sample(&mut self) {
        self.samples += 1;
        let Some(rss) = self.source.read() else {
            self.failed_samples += 1;
            if self.failed_samples == 1 {
                tracing::warn!("resident memory could not be read; memory level stays as is");
            }
            return;
        };
        self.rss = Some(rss);
        self.peak = self.peak.max(rss);

        let next = self.thresholds.classify(rss, self.level);
        if next != self.level {
            self.change_level(next, rss);
        }
    }

    fn change_level(&mut self, next: MemoryLevel, rss: u64) {
        let previous = self.level;
        self.level = next;
        self.level_since = Instant::now();
        self.level_changes += 1;
        self.guard.level.send_replace(next);
        log_change(previous, next, rss, &self.thresholds);

        // Rising: run the hook of every level crossed, lowest first. Falling: only on normal.
        let crossed: Vec<MemoryLevel> = if next > previous {
            [MemoryLevel::Soft, MemoryLevel::Critical, MemoryLevel::Hard]
                .into_iter()
                .filter(|level| *level > previous && *level <= next)
                .collect()
        } else if next == MemoryLevel::Normal {
            vec![MemoryLevel::Normal]
        } else {
            Vec::new()
        };
        for level in crossed {
            if let Some(hook) = self.guard.config.hook(level) {
                run_hook(hook, level);
            }
        }
    }

    fn status(&self) -> MemoryStatus {
        MemoryStatus {
            level: self.level,
            rss_bytes: self.rss,
            peak_rss_bytes: self.peak,
            thresholds: self.thresholds,
            samples: self.samples,
            failed_samples: self.failed_samples,
            level_changes: self.level_changes,
            level_for: self.level_since.elapsed(),
        }
    }
}

impl std::fmt::Debug for MemoryGuardState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryGuardState")
            .field("level", &self.level)
            .field("rss", &self.rss)
            .finish_non_exhaustive()
    }
}

impl Source {
    fn new(injected: Option<Sampler>) -> Self {
        if let Some(sampler) = injected {
            return Self::Injected(sampler);
        }
        match (System::new(), sysinfo::get_current_pid()) {
            (Ok(system), Ok(pid)) => Self::Sysinfo {
                system: Box::new(system),
                pid,
            },
            (Err(error), _) | (_, Err(error)) => {
                tracing::warn!(%error, "sysinfo unavailable; memory guard cannot sample");
                Self::Unavailable
            }
        }
    }

    fn read(&mut self) -> Option<u64> {
        match self {
            Self::Injected(sampler) => std::panic::catch_unwind(AssertUnwindSafe(|| sampler()))
                .unwrap_or_else(|_| {
                    tracing::error!("memory sampler panicked");
                    None
                }),
            Self::Sysinfo { system, pid } => {
                let pid = *pid;
                system.refresh_processes_specifics(
                    ProcessesToUpdate::Some(&[pid]),
                    true,
                    ProcessRefreshKind::nothing().with_memory(),
                );
                system.process(pid).map(sysinfo::Process::memory)
            }
            Self::Unavailable => None,
        }
    }
}

/// Reads this process's resident memory once with `sysinfo`; `None` where unsupported.
pub fn resident_memory() -> Option<u64> {
    Source::new(None).read()
}

fn log_change(previous: MemoryLevel, next: MemoryLevel, rss: u64, thresholds: &MemoryThresholds) {
    let rss_mib = rss / MIB;
    let (soft_mib, hard_mib) = (thresholds.soft / MIB, thresholds.hard / MIB);
    match next {
        MemoryLevel::Hard => tracing::error!(
            ?previous, level = ?next, rss_mib, soft_mib, hard_mib,
            "memory over the hard limit"
        ),
        _ if next > previous => tracing::warn!(
            ?previous, level = ?next, rss_mib, soft_mib, hard_mib, "memory level rose"
        ),
        _ => tracing::info!(
            ?previous, level = ?next, rss_mib, soft_mib, hard_mib, "memory level fell"
        ),
    }
}

fn run_hook(hook: &MemoryHook, level: MemoryLevel) {
    if std::panic::catch_unwind(AssertUnwindSafe(|| hook())).is_err() {
        tracing::error!(?level, "memory hook panicked");
    }
}

#[cfg(test)]
mod tests;
