//! Circuit breakers: stop calling a tool that keeps failing, then probe it before trusting it.
//!
//! The gateway asks a [`BreakerRegistry`] for a [`Permit`] before every tool call, keyed by tool
//! name, and settles the permit with the call's outcome. Only server faults count as failures
//! (the tool actor died, timed out, or was unavailable); user errors are settled with
//! [`Permit::ignore`]. The states follow the classic pattern:
//!
//! - **Closed**: calls pass. [`BreakerConfig::consecutive_failures`] failures in a row, or
//!   [`BreakerConfig::window_failures`] failures within [`BreakerConfig::window`], open it.
//! - **Open**: calls fail fast with [`BreakerError::Open`] carrying `retry_after`, for
//!   [`BreakerConfig::open_for`].
//! - **Half-open**: at most [`BreakerConfig::half_open_trials`] trial calls run at once;
//!   [`BreakerConfig::successes_to_close`] successes close it, one failure reopens it.
//!
//! # Why shared state and not an actor
//!
//! A breaker is a few counters touched twice per call. Keeping them in a `Mutex` shared through
//! an `Arc` costs an uncontended lock (tens of nanoseconds) on the hot path, where an actor would
//! cost a message round trip and an allocation per call, and would add a failure point in front
//! of every tool. The lock is never held across an `.await`, and no code inside it can panic,
//! so a poisoned lock is simply taken over. Time is `tokio::time::Instant`, so tests drive every
//! transition with a paused clock, and the open → half-open transition happens lazily on the
//! next acquire or snapshot, without timers.
//!
//! # Permits that are not settled
//!
//! A [`Permit`] dropped without a verdict counts as **ignored**: the usual cause is a client
//! cancelling its request, which says nothing about the tool's health, and counting it as a
//! failure would let impatient clients open breakers. A dropped half-open trial frees its slot.
//!
//! Permits belong to the state they were issued in: a verdict that arrives after the breaker
//! changed state (a slow call issued while closed, settled after the breaker opened) updates the
//! totals but not the state machine.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::error::BreakerError;

/// Thresholds and timings of one breaker; every number is configurable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Failures in a row (no success between them) that open a closed breaker.
    pub consecutive_failures: u32,
    /// Failures within `window` that open a closed breaker, successes between them or not.
    pub window_failures: u32,
    /// Length of the sliding failure window.
    pub window: Duration,
    /// How long an open breaker rejects calls before it lets trial calls through.
    pub open_for: Duration,
    /// Trial calls a half-open breaker lets run at once (at least one).
    pub half_open_trials: u32,
    /// Successful trial calls that close a half-open breaker (at least one).
    pub successes_to_close: u32,
    /// The `retry_after` given to calls rejected because every trial slot is taken.
    pub busy_retry_after: Duration,
}

impl Default for BreakerConfig {
    /// Open after 5 failures in a row or 20 within 60 s; stay open 60 s; then 2 trial calls at
    /// once, 2 successes close; a caller finding the trial slots taken retries after 1 s.
    fn default() -> Self {
        Self {
            consecutive_failures: 5,
            window_failures: 20,
            window: Duration::from_secs(60),
            open_for: Duration::from_secs(60),
            half_open_trials: 2,
            successes_to_close: 2,
            busy_retry_after: Duration::from_secs(1),
        }
    }
}

/// Where a breaker is in its cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Calls pass; failures are counted.
    Closed,
    /// Calls are rejected until the open period ends.
    Open,
    /// A bounded number of trial calls decide whether to close or reopen.
    HalfOpen,
}

/// What a settled call tells the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The tool answered (a tool-level error about the user's input is a success here too, or
    /// use `Ignore`).
    Success,
    /// A server fault: the actor died, timed out or was unavailable.
    Failure,
    /// Says nothing about the tool's health: invalid arguments, a cancelled request.
    Ignore,
}

/// A circuit breaker for one key; cheap to clone, all clones share the state.
#[derive(Clone)]
pub struct CircuitBreaker {
    shared: Arc<Shared>,
}

/// Permission for one call, to be settled with the call's [`Outcome`].
///
/// Dropping it unsettled counts as [`Outcome::Ignore`] (see the module docs).
#[must_use = "settle the permit with success(), failure() or ignore()"]
pub struct Permit {
    /// `None` once settled.
    shared: Option<Arc<Shared>>,
    /// The state generation the permit was issued in.
    generation: u64,
    /// Whether the permit holds a half-open trial slot.
    trial: bool,
}

/// Introspection snapshot of one breaker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakerSnapshot {
    /// The breaker's key (a tool name).
    pub key: String,
    /// Current state; an open breaker whose open period has ended shows as half-open.
    pub state: BreakerState,
    /// Failures since the last success (while closed), or at the time it opened.
    pub consecutive_failures: u32,
    /// Failures within the sliding window.
    pub failures_in_window: u32,
    /// How long ago the breaker last opened, if it ever did.
    #[serde(rename = "opened_ago_ms", with = "crate::introspect::option_millis")]
    pub opened_ago: Option<Duration>,
    /// Time until an open breaker lets trial calls through; `None` unless open.
    #[serde(rename = "retry_after_ms", with = "crate::introspect::option_millis")]
    pub retry_after: Option<Duration>,
    /// Half-open trial calls in flight.
    pub trials_in_flight: u32,
    /// Successful trial calls in the current half-open period.
    pub trial_successes: u32,
    /// Lifetime counters.
    pub totals: BreakerTotals,
}

/// Lifetime counters of one breaker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BreakerTotals {
    /// Permits settled as success.
    pub successes: u64,
    /// Permits settled as failure.
    pub failures: u64,
    /// Permits settled as ignored, or dropped.
    pub ignored: u64,
    /// Calls rejected while open or with every trial slot taken.
    pub rejected: u64,
    /// Times the breaker opened.
    pub times_opened: u64,
}

/// One breaker per key, created on first use with the default config or a per-key override.
///
/// Cheap to clone; all clones share the breakers.
#[derive(Clone, Default)]
pub struct BreakerRegistry {
    inner: Arc<RegistryInner>,
}

#[derive(Default)]
struct RegistryInner {
    default_config: BreakerConfig,
    breakers: RwLock<HashMap<String, CircuitBreaker>>,
}

struct Shared {
    key: String,
    config: BreakerConfig,
    core: Mutex<Core>,
}

/// The state machine; only ever touched under the `Shared::core` lock.
struct Core {
    state: BreakerState,
    /// Bumped on every state change; verdicts of permits from older generations do not count.
    generation: u64,
    consecutive: u32,
    /// Failure instants younger than the window, oldest first.
    failures: VecDeque<Instant>,
    opened_at: Option<Instant>,
    /// When an open breaker turns half-open.
    open_until: Instant,
    trials_in_flight: u32,
    trial_successes: u32,
    totals: BreakerTotals,
}

impl CircuitBreaker {
    /// A closed breaker for `key`.
    pub fn new(key: impl Into<String>, config: BreakerConfig) -> Self {
        let now = Instant::now();
        let core = Core {
            state: BreakerState::Closed,
            generation: 0,
            consecutive: 0,
            failures: VecDeque::new(),
            opened_at: None,
            open_until: now,
            trials_in_flight: 0,
            trial_successes: 0,
            totals: BreakerTotals::default(),
        };
        Self {
            shared: Arc::new(Shared {
                key: key.into(),
                config,
                core: Mutex::new(core),
            }),
        }
    }

    /// The breaker's key.
    pub fn key(&self) -> &str {
        &self.shared.key
    }

    /// The breaker's config.
    pub fn config(&self) -> &BreakerConfig {
        &self.shared.config
    }

    /// Asks to make one call: a permit if the breaker lets it through, otherwise the reason and
    /// when to retry.
    pub fn try_acquire(&self) -> Result<Permit, BreakerError> {
        let now = Instant::now();
        let config = &self.shared.config;
        let mut core = self.shared.lock();
        core.expire_open(&self.shared.key, now);

        match core.state {
            BreakerState::Closed => Ok(self.permit(core.generation, false)),
            BreakerState::Open => {
                core.totals.rejected += 1;
                Err(BreakerError::Open {
                    key: self.shared.key.clone(),
                    retry_after: core.open_until.saturating_duration_since(now),
                })
            }
            BreakerState::HalfOpen if core.trials_in_flight < config.half_open_trials.max(1) => {
                core.trials_in_flight += 1;
                Ok(self.permit(core.generation, true))
            }
            BreakerState::HalfOpen => {
                core.totals.rejected += 1;
                Err(BreakerError::TrialsInFlight {
                    key: self.shared.key.clone(),
                    in_flight: core.trials_in_flight,
                    retry_after: config.busy_retry_after,
                })
            }
        }
    }

    /// The current state, turning an expired open breaker half-open first.
    pub fn state(&self) -> BreakerState {
        let mut core = self.shared.lock();
        core.expire_open(&self.shared.key, Instant::now());
        core.state
    }

    /// A snapshot for introspection.
    pub fn snapshot(&self) -> BreakerSnapshot {
        let now = Instant::now();
        let mut core = self.shared.lock();
        core.expire_open(&self.shared.key, now);
        core.prune(now, self.shared.config.window);
        BreakerSnapshot {
            key: self.shared.key.clone(),
            state: core.state,
            consecutive_failures: core.consecutive,
            failures_in_window: u32::try_from(core.failures.len()).unwrap_or(u32::MAX),
            opened_ago: core.opened_at.map(|at| now.saturating_duration_since(at)),
            retry_after: (core.state == BreakerState::Open)
                .then(|| core.open_until.saturating_duration_since(now)),
            trials_in_flight: core.trials_in_flight,
            trial_successes: core.trial_successes,
            totals: core.totals,
        }
    }

    fn permit(&self, generation: u64, trial: bool) -> Permit {
        Permit {
            shared: Some(self.shared.clone()),
            generation,
            trial,
        }
    }
}

impl std::fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("key", &self.shared.key)
            .field("state", &self.shared.lock().state)
            .finish_non_exhaustive()
    }
}

impl Permit {
    /// The call succeeded.
    pub fn success(mut self) {
        self.settle(Outcome::Success);
    }

    /// The call failed with a server fault.
    pub fn failure(mut self) {
        self.settle(Outcome::Failure);
    }

    /// The call's outcome says nothing about the tool's health (a user error, a cancellation).
    pub fn ignore(mut self) {
        self.settle(Outcome::Ignore);
    }

    /// Settles the permit with `outcome`.
    pub fn record(mut self, outcome: Outcome) {
        self.settle(outcome);
    }

    /// Whether this permit holds one of a half-open breaker's trial slots.
    pub fn is_trial(&self) -> bool {
        self.trial
    }

    fn settle(&mut self, outcome: Outcome) {
        let Some(shared) = self.shared.take() else {
            return;
        };
        let now = Instant::now();
        let mut core = shared.lock();
        core.settle(&shared, self.generation, self.trial, outcome, now);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.settle(Outcome::Ignore);
    }
}

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Permit")
            .field(
                "key",
                &self.shared.as_ref().map(|shared| shared.key.as_str()),
            )
            .field("trial", &self.trial)
            .finish_non_exhaustive()
    }
}

impl BreakerRegistry {
    /// A registry whose breakers use `default_config` unless configured per key.
    pub fn new(default_config: BreakerConfig) -> Self {
        Self {
            inner: Arc::new(RegistryInner {
                default_config,
                breakers: RwLock::default(),
            }),
        }
    }

    /// The breaker for `key`, created closed with the default config on first use.
    pub fn get(&self, key: &str) -> CircuitBreaker {
        let existing = self.read().get(key).cloned();
        if let Some(breaker) = existing {
            return breaker;
        }
        let mut breakers = self.write();
        breakers
            .entry(key.to_string())
            .or_insert_with(|| CircuitBreaker::new(key, self.inner.default_config))
            .clone()
    }

    /// Gives `key` its own config, replacing (and so resetting) any breaker it had.
    pub fn configure(&self, key: &str, config: BreakerConfig) {
        self.write()
            .insert(key.to_string(), CircuitBreaker::new(key, config));
    }

    /// Asks the breaker for `key` for a permit; see [`CircuitBreaker::try_acquire`].
    pub fn try_acquire(&self, key: &str) -> Result<Permit, BreakerError> {
        self.get(key).try_acquire()
    }

    /// Snapshots of every breaker, sorted by key.
    pub fn snapshot(&self) -> Vec<BreakerSnapshot> {
        let breakers: Vec<CircuitBreaker> = self.read().values().cloned().collect();
        let mut snapshots: Vec<BreakerSnapshot> =
            breakers.iter().map(CircuitBreaker::snapshot).collect();
        snapshots.sort_by(|a, b| a.key.cmp(&b.key));
        snapshots
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, CircuitBreaker>> {
        self.inner
            .breakers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, CircuitBreaker>> {
        self.inner
            .breakers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for BreakerRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BreakerRegistry")
            .field("default_config", &self.inner.default_config)
            .field("breakers", &self.read().len())
            .finish()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Core {
    /// Applies one permit's verdict.
    fn settle(
        &mut self,
        shared: &Shared,
        generation: u64,
        trial: bool,
        outcome: Outcome,
        now: Instant,
    ) {
        match outcome {
            Outcome::Success => self.totals.successes += 1,
            Outcome::Failure => self.totals.failures += 1,
            Outcome::Ignore => self.totals.ignored += 1,
        }

        // A verdict from an earlier state says nothing about this one.
        if generation != self.generation {
            return;
        }
        if trial {
            self.trials_in_flight = self.trials_in_flight.saturating_sub(1);
        }

        let config = &shared.config;
        match (self.state, outcome) {
            (_, Outcome::Ignore) | (BreakerState::Open, _) => {}
            (BreakerState::Closed, Outcome::Success) => self.consecutive = 0,
            (BreakerState::Closed, Outcome::Failure) => {
                self.consecutive = self.consecutive.saturating_add(1);
                self.prune(now, config.window);
                self.failures.push_back(now);
                let in_window = self.failures.len();
                let too_many_in_a_row = self.consecutive >= config.consecutive_failures.max(1);
                let too_many_in_window = in_window >= config.window_failures.max(1) as usize;
                if too_many_in_a_row || too_many_in_window {
                    self.open(shared, now, "failure threshold reached");
                }
            }
            (BreakerState::HalfOpen, Outcome::Success) => {
                self.trial_successes += 1;
                if self.trial_successes >= config.successes_to_close.max(1) {
                    self.close(&shared.key);
                }
            }
            (BreakerState::HalfOpen, Outcome::Failure) => {
                self.consecutive = self.consecutive.saturating_add(1);
                self.open(shared, now, "trial call failed");
            }
        }
    }

    /// Turns an open breaker whose open period has ended half-open.
    fn expire_open(&mut self, key: &str, now: Instant) {
        if self.state != BreakerState::Open || now < self.open_until {
            return;
        }
        self.state = BreakerState::HalfOpen;
        self.generation += 1;
        self.trials_in_flight = 0;
        self.trial_successes = 0;
        tracing::info!(breaker = %key, "circuit breaker half-open; letting trial calls through");
    }

    fn open(&mut self, shared: &Shared, now: Instant, cause: &'static str) {
        let open_for = shared.config.open_for;
        self.state = BreakerState::Open;
        self.generation += 1;
        self.opened_at = Some(now);
        self.open_until = crate::backoff::instant_after(now, open_for);
        self.trials_in_flight = 0;
        self.trial_successes = 0;
        self.totals.times_opened += 1;
        tracing::warn!(
            breaker = %shared.key, cause, consecutive_failures = self.consecutive,
            failures_in_window = self.failures.len(), open_for_ms = open_for.as_millis(),
            "circuit breaker opened"
        );
    }

    fn close(&mut self, key: &str) {
        self.state = BreakerState::Closed;
        self.generation += 1;
        self.consecutive = 0;
        self.failures.clear();
        self.trials_in_flight = 0;
        self.trial_successes = 0;
        tracing::info!(breaker = %key, "circuit breaker closed");
    }

    /// Forgets failures that are `window` old or older.
    fn prune(&mut self, now: Instant, window: Duration) {
        while let Some(oldest) = self.failures.front() {
            if now.saturating_duration_since(*oldest) < window {
                break;
            }
            self.failures.pop_front();
        }
    }
}

#[cfg(test)]
mod tests;
