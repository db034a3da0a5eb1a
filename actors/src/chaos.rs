//! Chaos monkey: a seeded actor that kills, crashes, slows and fails workers on a timer.
//!
//! The [`ChaosMonkeyActor`] is meant to run as a temporary child behind a command-line flag
//! (see [`ChaosConfig::child_spec`]); it does nothing unless [`ChaosConfig::enabled`]. Every
//! [`ChaosConfig::interval`] it picks an action by [`ChaosWeights`] and, for actions that need
//! a victim, a running child of one of the [`ChaosConfig::targets`] supervisors (found with
//! `GetStatus` and the registry). Supervisors are spared unless
//! [`ChaosConfig::include_supervisors`] is set, since killing one spends its parent's restart
//! intensity; the monkey never picks itself.
//!
//! The runtime knows nothing of the server's messages, so crashing, slowing and failing a
//! victim go through hooks the server supplies: a [`CrashInjector`] (send the victim a message
//! that makes it panic; without one, or when it declines, the victim is killed instead), a
//! [`LatencyInjector`] and a [`FailureInjector`] (without them those actions are skipped). A
//! memory spike allocates and touches [`ChaosConfig::spike_mib`] MiB for
//! [`ChaosConfig::spike_hold`] and frees it, to exercise the memory guard.
//!
//! Choices come from `StdRng::seed_from_u64(seed)`, and every tick draws the same two numbers
//! whatever happens, so a run with the same seed against the same tree makes the same choices.
//! Every action is logged in one line, counted, and kept in a bounded log that
//! [`ChaosMessage::GetStatus`] returns. The run ends after [`ChaosConfig::max_actions`] actions
//! or [`ChaosConfig::duration`]; the actor then stays alive, idle, to answer status queries.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ractor::rpc::CallResult;
use ractor::{Actor, ActorCell, ActorId, ActorProcessingErr, ActorRef, ActorStatus, RpcReplyPort};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use tokio::time::Instant;

use crate::supervisor::{ChildSpec, ChildState, RestartType, SupervisorMessage};

/// Makes a victim fail by a message it understands (for example a `Crash` request that panics);
/// returns false if it could not, and the victim is killed instead.
pub type CrashInjector = Arc<dyn Fn(&ActorCell) -> bool + Send + Sync>;

/// Makes a victim slow for the given time; returns false if it could not.
pub type LatencyInjector = Arc<dyn Fn(&ActorCell, Duration) -> bool + Send + Sync>;

/// Makes a victim's next call fail with a server fault; returns false if it could not.
pub type FailureInjector = Arc<dyn Fn(&ActorCell) -> bool + Send + Sync>;

/// What the monkey can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChaosActionKind {
    /// `kill()` the victim: ractor's `ActorTerminated(.., "killed")` path.
    Kill,
    /// Make the victim panic through the crash injector: the `ActorFailed` path.
    Panic,
    /// Slow the victim down through the latency injector.
    Latency,
    /// Make the victim fail a call through the failure injector.
    Failure,
    /// Allocate memory for a while, then free it.
    MemorySpike,
}

impl std::fmt::Display for ChaosActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Kill => "kill",
            Self::Panic => "panic",
            Self::Latency => "latency",
            Self::Failure => "failure",
            Self::MemorySpike => "memory_spike",
        })
    }
}

/// Relative weights of the actions; a zero weight turns an action off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChaosWeights {
    /// Weight of [`ChaosActionKind::Kill`].
    pub kill: u32,
    /// Weight of [`ChaosActionKind::Panic`].
    pub panic: u32,
    /// Weight of [`ChaosActionKind::Latency`].
    pub latency: u32,
    /// Weight of [`ChaosActionKind::Failure`].
    pub failure: u32,
    /// Weight of [`ChaosActionKind::MemorySpike`].
    pub memory_spike: u32,
}

impl Default for ChaosWeights {
    /// Kills and panics alike (both exit paths run), latency and failures now and then, no
    /// memory spikes.
    fn default() -> Self {
        Self {
            kill: 3,
            panic: 3,
            latency: 1,
            failure: 1,
            memory_spike: 0,
        }
    }
}

impl ChaosWeights {
    fn pairs(&self) -> [(ChaosActionKind, u32); 5] {
        [
            (ChaosActionKind::Kill, self.kill),
            (ChaosActionKind::Panic, self.panic),
            (ChaosActionKind::Latency, self.latency),
            (ChaosActionKind::Failure, self.failure),
            (ChaosActionKind::MemorySpike, self.memory_spike),
        ]
    }

    fn total(&self) -> u64 {
        self.pairs()
            .iter()
            .map(|(_, weight)| u64::from(*weight))
            .sum()
    }

    /// The action whose share of `0..total` contains `roll`.
    fn pick(&self, roll: u64) -> Option<ChaosActionKind> {
        let mut upper = 0u64;
        self.pairs().into_iter().find_map(|(kind, weight)| {
            upper += u64::from(weight);
            (roll < upper).then_some(kind)
        })
    }
}

/// Everything the chaos monkey needs; `Default` is a disabled monkey.
#[derive(Clone)]
pub struct ChaosConfig {
    /// Whether the monkey acts at all; off by default.
    pub enabled: bool,
    /// Seed of the random choices.
    pub seed: u64,
    /// Time from the end of one action to the start of the next.
    pub interval: Duration,
    /// Supervisors (registry names) whose running children may be picked.
    pub targets: Vec<String>,
    /// Whether children that are themselves supervisors may be picked.
    pub include_supervisors: bool,
    /// How often each action is chosen.
    pub weights: ChaosWeights,
    /// The latency handed to the latency injector.
    pub latency: Duration,
    /// Size of a memory spike in MiB.
    pub spike_mib: usize,
    /// How long a memory spike is held.
    pub spike_hold: Duration,
    /// Stop after this many actions (skipped ones do not count).
    pub max_actions: Option<u64>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Actions kept in the status log (the most recent).
    pub log_capacity: usize,
    /// How long to wait for a target supervisor's status.
    pub status_timeout: Duration,
    /// Makes a victim panic; without it a panic becomes a kill.
    pub crash_injector: Option<CrashInjector>,
    /// Slows a victim; without it latency actions are skipped.
    pub latency_injector: Option<LatencyInjector>,
    /// Makes a victim fail; without it failure actions are skipped.
    pub failure_injector: Option<FailureInjector>,
}

impl Default for ChaosConfig {
    /// Disabled; when enabled: seed 0, an action every 500 ms, default weights, 200 ms of
    /// latency, 64 MiB spikes held 500 ms, unbounded, a log of the last 64 actions.
    fn default() -> Self {
        Self {
            enabled: false,
            seed: 0,
            interval: Duration::from_millis(500),
            targets: Vec::new(),
            include_supervisors: false,
            weights: ChaosWeights::default(),
            latency: Duration::from_millis(200),
            spike_mib: 64,
            spike_hold: Duration::from_millis(500),
            max_actions: None,
            duration: None,
            log_capacity: 64,
            status_timeout: Duration::from_millis(200),
            crash_injector: None,
            latency_injector: None,
            failure_injector: None,
        }
    }
}

impl ChaosConfig {
    /// An enabled monkey with `seed`, picking victims among the children of `targets`.
    pub fn enabled<S: Into<String>>(seed: u64, targets: impl IntoIterator<Item = S>) -> Self {
        Self {
            enabled: true,
            seed,
            targets: targets.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Sets the time between actions.
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets the action weights.
    pub fn with_weights(mut self, weights: ChaosWeights) -> Self {
        self.weights = weights;
        self
    }

    /// Ends the run after `max_actions` actions.
    pub fn with_max_actions(mut self, max_actions: u64) -> Self {
        self.max_actions = Some(max_actions);
        self
    }

    /// Ends the run after `duration`.
    pub fn with_duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// Sets the memory spike size and hold time.
    pub fn with_memory_spike(mut self, mib: usize, hold: Duration) -> Self {
        self.spike_mib = mib;
        self.spike_hold = hold;
        self
    }

    /// Sets the hook that makes a victim panic.
    pub fn with_crash_injector(
        mut self,
        injector: impl Fn(&ActorCell) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.crash_injector = Some(Arc::new(injector));
        self
    }

    /// Sets the hook that slows a victim.
    pub fn with_latency_injector(
        mut self,
        injector: impl Fn(&ActorCell, Duration) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.latency_injector = Some(Arc::new(injector));
        self
    }

    /// Sets the hook that makes a victim fail.
    pub fn with_failure_injector(
        mut self,
        injector: impl Fn(&ActorCell) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.failure_injector = Some(Arc::new(injector));
        self
    }

    /// A temporary child spec running the monkey under `name`: if it dies it stays dead, and
    /// its own failure never costs its supervisor a restart.
    pub fn child_spec(&self, name: impl Into<String>) -> ChildSpec {
        let config = self.clone();
        ChildSpec::for_actor(name, RestartType::Temporary, ChaosMonkeyActor, move || {
            config.clone()
        })
    }
}

impl std::fmt::Debug for ChaosConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChaosConfig")
            .field("enabled", &self.enabled)
            .field("seed", &self.seed)
            .field("interval", &self.interval)
            .field("targets", &self.targets)
            .field("include_supervisors", &self.include_supervisors)
            .field("weights", &self.weights)
            .field("max_actions", &self.max_actions)
            .field("duration", &self.duration)
            .field("crash_injector", &self.crash_injector.is_some())
            .field("latency_injector", &self.latency_injector.is_some())
            .field("failure_injector", &self.failure_injector.is_some())
            .finish_non_exhaustive()
    }
}

/// How an action went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "detail")]
pub enum ChaosOutcome {
    /// Done as chosen.
    Done,
    /// A panic was chosen but the victim was killed instead (no crash injector, or it declined).
    Killed,
    /// Nothing was done, for the reason given.
    Skipped(String),
}

impl std::fmt::Display for ChaosOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Done => f.write_str("done"),
            Self::Killed => f.write_str("killed instead"),
            Self::Skipped(reason) => write!(f, "skipped: {reason}"),
        }
    }
}

/// One entry of the action log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChaosAction {
    /// Tick number, from 1; skipped ticks have numbers too.
    pub seq: u64,
    /// Time since the monkey started.
    #[serde(rename = "at_ms", with = "crate::introspect::millis")]
    pub at: Duration,
    /// The action chosen.
    pub kind: ChaosActionKind,
    /// The victim's registry name, for actions that have one.
    pub target: Option<String>,
    /// What happened.
    pub outcome: ChaosOutcome,
}

/// Actions carried out, by what was actually done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ChaosCounts {
    /// Victims killed, including panics that fell back to a kill.
    pub kill: u64,
    /// Victims made to panic.
    pub panic: u64,
    /// Latency injected.
    pub latency: u64,
    /// Failures injected.
    pub failure: u64,
    /// Memory spikes.
    pub memory_spike: u64,
    /// Ticks that did nothing.
    pub skipped: u64,
}

/// What the monkey did, for introspection and reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChaosStatus {
    /// Whether the monkey is enabled.
    pub enabled: bool,
    /// Whether its run is still going.
    pub running: bool,
    /// The seed.
    pub seed: u64,
    /// Actions carried out (skipped ticks excluded).
    pub actions_total: u64,
    /// Actions carried out, by kind.
    pub actions_by_kind: ChaosCounts,
    /// The most recent actions, oldest first.
    pub recent: Vec<ChaosAction>,
}

/// The chaos monkey actor.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChaosMonkeyActor;

/// Messages the [`ChaosMonkeyActor`] accepts.
#[derive(Debug)]
pub enum ChaosMessage {
    /// Take one action (sent to itself every interval).
    Tick,
    /// Reply with the status and action log.
    GetStatus(RpcReplyPort<ChaosStatus>),
}

/// State of the [`ChaosMonkeyActor`].
pub struct ChaosMonkeyState {
    config: ChaosConfig,
    rng: StdRng,
    started: Instant,
    running: bool,
    ticks: u64,
    performed: u64,
    counts: ChaosCounts,
    log: VecDeque<ChaosAction>,
    spike_held: Arc<AtomicBool>,
}

/// A child the monkey may pick.
struct Victim {
    name: String,
    cell: ActorCell,
}

impl Actor for ChaosMonkeyActor {
    type Msg = ChaosMessage;
    type State = ChaosMonkeyState;
    type Arguments = ChaosConfig;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        config: ChaosConfig,
    ) -> Result<Self::State, ActorProcessingErr> {
        let running = config.enabled && config.weights.total() > 0;
        if running {
            schedule_tick(&myself, config.interval);
            tracing::info!(
                seed = config.seed, interval_ms = config.interval.as_millis(),
                targets = ?config.targets, "chaos monkey started"
            );
        } else {
            tracing::info!("chaos monkey disabled");
        }
        Ok(ChaosMonkeyState {
            rng: StdRng::seed_from_u64(config.seed),
            started: Instant::now(),
            running,
            ticks: 0,
            performed: 0,
            counts: ChaosCounts::default(),
            log: VecDeque::new(),
            spike_held: Arc::new(AtomicBool::new(false)),
            config,
        })
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        state.finish("stopped");
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            ChaosMessage::Tick => {
                state.tick(myself.get_id()).await;
                if state.running {
                    schedule_tick(&myself, state.config.interval);
                }
            }
            ChaosMessage::GetStatus(reply) => {
                let _ = reply.send(state.status());
            }
        }
        Ok(())
    }
}

impl ChaosMonkeyState {
    /// One tick: draw the action and the victim, carry it out, record it, check the bounds.
    async fn tick(&mut self, myself: ActorId) {
        if !self.running {
            return;
        }
        if self
            .config
            .duration
            .is_some_and(|limit| self.started.elapsed() >= limit)
        {
            self.finish("duration reached");
            return;
        }

        // Always draw both numbers, so the sequence of choices depends on the seed alone.
        self.ticks += 1;
        let kind_roll = self.rng.random_range(0..self.config.weights.total().max(1));
        let victim_roll: u64 = self.rng.random();
        let Some(kind) = self.config.weights.pick(kind_roll) else {
            return;
        };

        let (target, outcome) = if kind == ChaosActionKind::MemorySpike {
            (None, self.spike())
        } else {
            match self.pick_victim(victim_roll, myself).await {
                Some(victim) => {
                    let outcome = self.strike(kind, &victim.cell);
                    (Some(victim.name), outcome)
                }
                None => (None, ChaosOutcome::Skipped("no running victim".to_string())),
            }
        };
        self.record(kind, target, outcome);

        if self
            .config
            .max_actions
            .is_some_and(|limit| self.performed >= limit)
        {
            self.finish("max actions reached");
        }
    }

    /// The running, eligible children of the target supervisors, in target and start order.
    async fn victims(&self, myself: ActorId) -> Vec<Victim> {
        let mut victims = Vec::new();
        for target in &self.config.targets {
            let Some(supervisor) = ractor::registry::where_is(target) else {
                continue;
            };
            if supervisor.is_message_type_of::<SupervisorMessage>() != Some(true) {
                continue;
            }
            let supervisor: ActorRef<SupervisorMessage> = supervisor.into();
            let status = supervisor
                .call(
                    SupervisorMessage::GetStatus,
                    Some(self.config.status_timeout),
                )
                .await;
            let Ok(CallResult::Success(status)) = status else {
                continue;
            };
            for child in status.children {
                if child.state != ChildState::Running {
                    continue;
                }
                let Some(cell) = ractor::registry::where_is(&child.name) else {
                    continue;
                };
                // The incarnation the supervisor reports, and not already on its way out.
                let is_current = Some(cell.get_id()) == child.actor_id
                    && cell.get_status() == ActorStatus::Running;
                let is_supervisor = cell.is_message_type_of::<SupervisorMessage>() == Some(true);
                let spared = is_supervisor && !self.config.include_supervisors;
                if is_current && !spared && cell.get_id() != myself {
                    victims.push(Victim {
                        name: child.name,
                        cell,
                    });
                }
            }
        }
        victims
    }

    async fn pick_victim(&self, roll: u64, myself: ActorId) -> Option<Victim> {
        let mut victims = self.victims(myself).await;
        if victims.is_empty() {
            return None;
        }
        let index = usize::try_from(roll % victims.len() as u64).unwrap_or(0);
        Some(victims.swap_remove(index))
    }

    /// Carries out an action against `victim`.
    fn strike(&self, kind: ChaosActionKind, victim: &ActorCell) -> ChaosOutcome {
        let config = &self.config;
        match kind {
            ChaosActionKind::Kill => {
                victim.kill();
                ChaosOutcome::Done
            }
            ChaosActionKind::Panic => {
                let injected = config
                    .crash_injector
                    .as_ref()
                    .is_some_and(|inject| guarded(|| inject(victim)));
                if injected {
                    ChaosOutcome::Done
                } else {
                    victim.kill();
                    ChaosOutcome::Killed
                }
            }
            ChaosActionKind::Latency => match &config.latency_injector {
                Some(inject) if guarded(|| inject(victim, config.latency)) => ChaosOutcome::Done,
                Some(_) => ChaosOutcome::Skipped("latency injector declined".to_string()),
                None => ChaosOutcome::Skipped("no latency injector".to_string()),
            },
            ChaosActionKind::Failure => match &config.failure_injector {
                Some(inject) if guarded(|| inject(victim)) => ChaosOutcome::Done,
                Some(_) => ChaosOutcome::Skipped("failure injector declined".to_string()),
                None => ChaosOutcome::Skipped("no failure injector".to_string()),
            },
            ChaosActionKind::MemorySpike => self.spike(),
        }
    }

    /// Allocates and touches `spike_mib` MiB, held by a task for `spike_hold`; one at a time.
    fn spike(&self) -> ChaosOutcome {
        if self.spike_held.swap(true, Ordering::AcqRel) {
            return ChaosOutcome::Skipped("a memory spike is still held".to_string());
        }
        let bytes = self.config.spike_mib.saturating_mul(1024 * 1024);
        let mut block: Vec<u8> = Vec::new();
        if block.try_reserve_exact(bytes).is_err() {
            self.spike_held.store(false, Ordering::Release);
            return ChaosOutcome::Skipped(format!("could not allocate {bytes} bytes"));
        }
        // Writing every byte makes the pages resident, so RSS really grows; a page at a time
        // is a `memcpy` even in a debug build, where a byte-wise `resize` crawls.
        const PAGE: [u8; 4096] = [0xA5; 4096];
        while bytes - block.len() >= PAGE.len() {
            block.extend_from_slice(&PAGE);
        }
        block.resize(bytes, 0xA5);

        let held = self.spike_held.clone();
        let hold = self.config.spike_hold;
        tokio::spawn(async move {
            tokio::time::sleep(hold).await;
            drop(block);
            held.store(false, Ordering::Release);
        });
        ChaosOutcome::Done
    }

    fn record(&mut self, kind: ChaosActionKind, target: Option<String>, outcome: ChaosOutcome) {
        let counter = match (&outcome, kind) {
            (ChaosOutcome::Skipped(_), _) => &mut self.counts.skipped,
            (ChaosOutcome::Killed, _) | (_, ChaosActionKind::Kill) => &mut self.counts.kill,
            (_, ChaosActionKind::Panic) => &mut self.counts.panic,
            (_, ChaosActionKind::Latency) => &mut self.counts.latency,
            (_, ChaosActionKind::Failure) => &mut self.counts.failure,
            (_, ChaosActionKind::MemorySpike) => &mut self.counts.memory_spike,
        };
        *counter += 1;
        if !matches!(outcome, ChaosOutcome::Skipped(_)) {
            self.performed += 1;
        }

        tracing::info!(
            seq = self.ticks, %kind, target = target.as_deref().unwrap_or("-"), %outcome,
            "chaos action"
        );
        if self.log.len() >= self.config.log_capacity {
            self.log.pop_front();
        }
        if self.config.log_capacity > 0 {
            self.log.push_back(ChaosAction {
                seq: self.ticks,
                at: self.started.elapsed(),
                kind,
                target,
                outcome,
            });
        }
    }

    fn finish(&mut self, why: &'static str) {
        if self.running {
            self.running = false;
            tracing::info!(why, actions = self.performed, "chaos monkey finished");
        }
    }

    fn status(&self) -> ChaosStatus {
        ChaosStatus {
            enabled: self.config.enabled,
            running: self.running,
            seed: self.config.seed,
            actions_total: self.performed,
            actions_by_kind: self.counts,
            recent: self.log.iter().cloned().collect(),
        }
    }
}

impl std::fmt::Debug for ChaosMonkeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChaosMonkeyState")
            .field("running", &self.running)
            .field("performed", &self.performed)
            .finish_non_exhaustive()
    }
}

/// Sends the next `Tick` after `interval`, counted from the end of this one, so a slow tick
/// (or a stalled runtime) never leads to a burst of actions.
fn schedule_tick(myself: &ActorRef<ChaosMessage>, interval: Duration) {
    // The timer task ends by itself; if the monkey is gone by then the send just fails.
    drop(
        myself.send_after(interval.max(Duration::from_millis(1)), || {
            ChaosMessage::Tick
        }),
    );
}

/// Runs a server-supplied hook, reading a panic as "could not".
fn guarded(hook: impl FnOnce() -> bool) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(hook)).unwrap_or_else(|_| {
        tracing::error!("chaos injector panicked");
        false
    })
}

#[cfg(test)]
mod tests;
