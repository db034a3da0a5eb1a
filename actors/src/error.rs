//! Error types of the supervision runtime: supervisor failures and retrying-call failures.
//!
//! [`SupervisorError`] travels inside ractor as an `ActorProcessingErr` (a supervisor that fails
//! shows up as `ActorFailed` at its parent); [`CallError`] is what `call_named` returns.

use std::time::Duration;

use ractor::SpawnErr;

use crate::caller::AttemptFailure;

/// Why a supervisor failed to start or gave up.
#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    /// Two child specs share a name; registry names must be unique.
    #[error("supervisor {supervisor} has two children named {child}; give each a unique name")]
    DuplicateChild {
        /// The supervisor.
        supervisor: String,
        /// The repeated child name.
        child: String,
    },
    /// A child failed to start while the supervisor itself was starting.
    #[error("supervisor {supervisor} could not start child {child}")]
    ChildStartFailed {
        /// The supervisor.
        supervisor: String,
        /// The child that failed.
        child: String,
        /// The spawn error.
        #[source]
        source: SpawnErr,
    },
    /// More restarts than the intensity allows happened within its period.
    #[error(
        "restart intensity exceeded in supervisor {supervisor}: more than {max_restarts} \
         restarts in {period:?}"
    )]
    IntensityExceeded {
        /// The supervisor that gave up.
        supervisor: String,
        /// The configured limit.
        max_restarts: u32,
        /// The configured window.
        period: Duration,
    },
}

/// Why a retrying call produced no answer.
///
/// A tool's own error is not a `CallError`: it arrives as an answer and is returned as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The cancellation token fired; the pending reply (if any) was dropped.
    #[error("call to {name} cancelled after {attempts} attempts")]
    Cancelled {
        /// Target actor name.
        name: String,
        /// Requests delivered before cancellation.
        attempts: u32,
    },
    /// The deadline or the attempt cap ran out while the target kept failing.
    #[error(
        "no answer from {name} after {attempts} attempts in {elapsed:?}; last failure: \
         {last_failure}"
    )]
    RetriesExhausted {
        /// Target actor name.
        name: String,
        /// Requests delivered.
        attempts: u32,
        /// Time spent.
        elapsed: Duration,
        /// What went wrong on the last try.
        last_failure: AttemptFailure,
    },
    /// The target held the request longer than the attempt timeout (and the retry allowance).
    #[error("{name} did not answer within {timeout:?} (attempt {attempts})")]
    TimedOut {
        /// Target actor name.
        name: String,
        /// Requests delivered, the timed-out ones included.
        attempts: u32,
        /// The timeout of the last attempt.
        timeout: Duration,
    },
    /// No actor was ever registered under the name before the deadline.
    #[error("no actor named {name} appeared within {waited:?}")]
    Unavailable {
        /// Target actor name.
        name: String,
        /// Time spent waiting for the name.
        waited: Duration,
    },
    /// The actor under the name takes another message type: a wiring bug, never retried.
    #[error(
        "actor {name} does not accept this message type; the caller is wired to the wrong actor"
    )]
    WrongActorType {
        /// Target actor name.
        name: String,
    },
}

impl CallError {
    /// Requests delivered to an actor before the call gave up.
    pub fn attempts(&self) -> u32 {
        match self {
            Self::Cancelled { attempts, .. }
            | Self::RetriesExhausted { attempts, .. }
            | Self::TimedOut { attempts, .. } => *attempts,
            Self::Unavailable { .. } | Self::WrongActorType { .. } => 0,
        }
    }
}

/// Why a circuit breaker refused a call; the caller should fail fast and say when to retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreakerError {
    /// The breaker opened after repeated server faults and rejects calls until `retry_after`.
    #[error(
        "{key} is failing repeatedly and calls to it are paused; retry after {} ms",
        retry_after.as_millis()
    )]
    Open {
        /// The breaker's key (a tool name).
        key: String,
        /// Time until the breaker lets trial calls through.
        retry_after: Duration,
    },
    /// The breaker is half-open and all of its trial slots are taken by calls in flight.
    #[error(
        "{key} is recovering and already has {in_flight} trial calls in flight; retry after {} ms",
        retry_after.as_millis()
    )]
    TrialsInFlight {
        /// The breaker's key (a tool name).
        key: String,
        /// Trial calls in flight, the configured maximum.
        in_flight: u32,
        /// Suggested wait before trying again.
        retry_after: Duration,
    },
}

impl BreakerError {
    /// The breaker's key (a tool name).
    pub fn key(&self) -> &str {
        match self {
            Self::Open { key, .. } | Self::TrialsInFlight { key, .. } => key,
        }
    }

    /// How long the caller should wait before trying again.
    pub fn retry_after(&self) -> Duration {
        match self {
            Self::Open { retry_after, .. } | Self::TrialsInFlight { retry_after, .. } => {
                *retry_after
            }
        }
    }
}

/// Which token bucket refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitScope {
    /// The bucket shared by all calls to one tool.
    Tool,
    /// The bucket of one client session.
    Session,
}

impl std::fmt::Display for LimitScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Tool => "tool",
            Self::Session => "session",
        })
    }
}

/// A call went over its rate limit and no token came free within the wait budget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rate limited on {scope} {key}, retry after {} ms", retry_after.as_millis())]
pub struct RateLimitedError {
    /// Which bucket was empty.
    pub scope: LimitScope,
    /// The tool name or session id of that bucket.
    pub key: String,
    /// Time until a token is free, rounded up to whole milliseconds.
    pub retry_after: Duration,
}
