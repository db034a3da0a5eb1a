//! Supervisor configuration: strategy, restart intensity, restart backoff and the children.
//!
//! A [`SupervisorConfig`] is the argument of [`Supervisor::spawn`](super::Supervisor::spawn)
//! and is cloned for every restart of a nested supervisor.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use super::event::RestartObserver;
use super::spec::ChildSpec;

/// Default restart intensity: at most this many restarts ...
pub const DEFAULT_MAX_RESTARTS: u32 = 10;
/// ... within this sliding window, which suits a tool supervisor under a chaos monkey.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(10);
/// Default delay before the second restart of a child within the intensity period.
pub const DEFAULT_BACKOFF_INITIAL: Duration = Duration::from_millis(10);
/// Default cap on the restart delay of a child that keeps failing.
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(1);
/// Default time a child gets to stop gracefully before it is killed (OTP's worker default).
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Which children are restarted when one of them exits and must be restarted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Restart only the child that exited.
    OneForOne,
    /// Stop all other running children, then restart them all in start order.
    OneForAll,
    /// Stop the children started after the one that exited, then restart it and them in order.
    RestForOne,
}

impl Strategy {
    /// Returns the start-order indices affected when child `index` of `len` children restarts.
    pub fn affected(self, index: usize, len: usize) -> Range<usize> {
        match self {
            Self::OneForOne => index..index.saturating_add(1).min(len),
            Self::OneForAll => 0..len,
            Self::RestForOne => index..len,
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::OneForOne => "one_for_one",
            Self::OneForAll => "one_for_all",
            Self::RestForOne => "rest_for_one",
        })
    }
}

/// Restart intensity: at most `max_restarts` restarts within any sliding window of `period`.
///
/// One restart is one decision to restart after an exit (a one-for-all restart of five children
/// counts once), plus one per failed attempt to start a restarting child. The restart that would
/// exceed the limit is not made: the supervisor fails instead, and its own supervisor sees
/// `ActorFailed` (escalation). `max_restarts = 0` makes any restart-worthy exit fatal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intensity {
    /// Restarts allowed within `period`.
    pub max_restarts: u32,
    /// Length of the sliding window.
    pub period: Duration,
}

impl Intensity {
    /// Builds an intensity of `max_restarts` per `period`.
    pub fn new(max_restarts: u32, period: Duration) -> Self {
        Self {
            max_restarts,
            period,
        }
    }
}

impl Default for Intensity {
    /// 10 restarts in 10 s; Erlang's default of 1 in 5 s is too strict under a chaos monkey.
    fn default() -> Self {
        Self::new(DEFAULT_MAX_RESTARTS, DEFAULT_PERIOD)
    }
}

/// Delay before restarting a child that already restarted recently.
///
/// The first restart of a child within the intensity period is immediate, so a killed actor is
/// back within milliseconds. The n-th (n ≥ 2) waits `initial * 2^(n-2)`, capped at `max`. The
/// wait is a timer message to the supervisor, which keeps serving other events meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay before the second restart within the period.
    pub initial: Duration,
    /// Upper bound on any restart delay.
    pub max: Duration,
}

impl Backoff {
    /// Builds a backoff from its first delay and its cap.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self { initial, max }
    }

    /// Delay for a restart preceded by `recent` restarts of the same child within the period.
    pub fn delay(&self, recent: usize) -> Duration {
        let step = u32::try_from(recent).unwrap_or(u32::MAX);
        crate::backoff::exponential(self.initial, self.max, step)
    }
}

impl Default for Backoff {
    /// 0 ms, then 10 ms doubling up to 1 s.
    fn default() -> Self {
        Self::new(DEFAULT_BACKOFF_INITIAL, DEFAULT_BACKOFF_MAX)
    }
}

/// Everything a supervisor needs to start: its name, policy and children in start order.
#[derive(Clone)]
pub struct SupervisorConfig {
    /// Registry name of the supervisor itself.
    pub name: String,
    /// Restart strategy.
    pub strategy: Strategy,
    /// Restart intensity; exceeding it makes the supervisor fail.
    pub intensity: Intensity,
    /// Delay between repeated restarts of the same child.
    pub backoff: Backoff,
    /// Grace period for each child to stop before it is killed, on shutdown and before a
    /// one-for-all or rest-for-one restart.
    pub shutdown_timeout: Duration,
    /// Children in start order; names must be unique.
    pub children: Vec<ChildSpec>,
    /// Called on every restart decision, failed restart and give-up, for metrics.
    pub observer: Option<RestartObserver>,
}

impl SupervisorConfig {
    /// A one-for-one supervisor named `name` with default intensity, backoff and no children.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            strategy: Strategy::OneForOne,
            intensity: Intensity::default(),
            backoff: Backoff::default(),
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            children: Vec::new(),
            observer: None,
        }
    }

    /// Sets the restart strategy.
    pub fn with_strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the restart intensity.
    pub fn with_intensity(mut self, intensity: Intensity) -> Self {
        self.intensity = intensity;
        self
    }

    /// Sets the restart backoff.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Sets the per-child shutdown grace period.
    pub fn with_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Appends a child; children start in the order they are added.
    pub fn with_child(mut self, child: ChildSpec) -> Self {
        self.children.push(child);
        self
    }

    /// Sets the restart observer.
    pub fn with_observer(
        mut self,
        observer: impl Fn(&super::RestartEvent) + Send + Sync + 'static,
    ) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }
}

impl fmt::Debug for SupervisorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupervisorConfig")
            .field("name", &self.name)
            .field("strategy", &self.strategy)
            .field("intensity", &self.intensity)
            .field("backoff", &self.backoff)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("children", &self.children)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_for_one_affects_only_the_exited_child() {
        assert_eq!(Strategy::OneForOne.affected(1, 3), 1..2);
    }

    #[test]
    fn one_for_all_affects_every_child() {
        assert_eq!(Strategy::OneForAll.affected(1, 3), 0..3);
    }

    #[test]
    fn rest_for_one_affects_the_child_and_those_started_after_it() {
        assert_eq!(Strategy::RestForOne.affected(1, 3), 1..3);
    }

    #[test]
    fn first_restart_is_immediate_and_later_ones_back_off() {
        let backoff = Backoff::default();
        let delays: Vec<_> = (0..4).map(|recent| backoff.delay(recent)).collect();
        let expected = [0, 10, 20, 40].map(Duration::from_millis);
        assert_eq!(delays, expected);
        assert_eq!(backoff.delay(1_000), DEFAULT_BACKOFF_MAX);
    }
}
