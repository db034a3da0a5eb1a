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
