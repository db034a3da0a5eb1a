//! Retrying caller: find an actor by name on every attempt and retry requests lost to a crash.
//!
//! Sits between a request handler (the MCP gateway) and a supervised actor. When the actor dies
//! holding the request, ractor drops the reply port and the caller sees `SenderError`; only the
//! caller still has the request, so only the caller can retry it, once the supervisor has
//! brought the name back. Retrying after `SenderError` is at-least-once delivery: use it for
//! read-only or idempotent requests.

use std::fmt;
use std::time::Duration;

use ractor::rpc::CallResult;
use ractor::{ActorCell, ActorRef, Message, MessagingErr, RpcReplyPort};
use rand::RngExt;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::error::CallError;

/// Bounds and pacing of a retrying call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total time budget, from the call until the last retry; keep it below the client timeout.
    pub deadline: Duration,
    /// Most requests delivered to an actor (at least one is always made). Waiting for an
    /// absent name does not count, the deadline bounds that.
    pub max_attempts: u32,
    /// How long one delivered request may take; capped by what is left of the deadline.
    pub attempt_timeout: Duration,
    /// Backoff after the first failed try; doubles per further try.
    pub initial_backoff: Duration,
    /// Cap on the backoff.
    pub max_backoff: Duration,
    /// Retry once after a timeout; set only for read-only requests.
    pub retry_on_timeout: bool,
}

impl Default for RetryPolicy {
    /// 20 s deadline, 12 attempts of at most 30 s, backoff 5 ms doubling to 200 ms, jittered;
    /// timeouts are not retried.
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(20),
            max_attempts: 12,
            attempt_timeout: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(200),
            retry_on_timeout: false,
        }
    }
}

/// A successful call: the actor's answer and how many requests it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<R> {
    /// The answer, returned as the actor sent it (a tool's own error included).
    pub value: R,
    /// Requests delivered, this answered one included; 1 means no retry was needed.
    pub attempts: u32,
    /// Time from the call to the answer.
    pub elapsed: Duration,
}

/// Why one try failed without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptFailure {
    /// No actor was registered under the name (a restart is under way).
    NotRegistered,
    /// The actor died holding the request (`CallResult::SenderError`).
    DiedHoldingRequest,
    /// The resolved actor was already dead when the request was sent (`MessagingErr::SendErr`).
    StaleReference,
    /// The actor did not answer within the attempt timeout.
    TimedOut,
}

impl fmt::Display for AttemptFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotRegistered => "not registered, restart under way",
            Self::DiedHoldingRequest => "actor died holding the request",
            Self::StaleReference => "actor reference was stale",
            Self::TimedOut => "attempt timed out",
        })
    }
}

/// Calls the actor registered as `name` with the message `build` makes, retrying per `policy`.
///
/// Every try resolves the name afresh and rebuilds the message. A `Success` answer is returned
/// at once, whatever it holds; a missing name, a death holding the request or a stale reference
/// is retried with jittered exponential backoff until the deadline or the attempt cap; a timeout
/// is retried once, and only if `policy.retry_on_timeout`. When `cancel` fires the call returns
/// `Cancelled` immediately and drops the pending reply, so the actor's `reply.is_closed()` says
/// nobody waits any more.
///
/// An attempt is a request handed to an actor's mailbox; tries that find no actor, or a dead
/// one, are retried too but not counted, so `max_attempts` bounds how often the request may run
/// while the deadline bounds the wait for a restart. Each try runs in an `attempt` span with the
/// attempt number, which ractor carries into the actor's handler.
///
/// # Errors
///
/// [`CallError::Unavailable`] if the name never resolved before the deadline,
/// [`CallError::RetriesExhausted`] if it did but the deadline or attempt cap ran out,
/// [`CallError::TimedOut`] after a timeout (including one cut short by the deadline),
/// [`CallError::Cancelled`] when `cancel` fires, and [`CallError::WrongActorType`] if the name
/// belongs to an actor with another message type.
pub async fn call_named<M, R, F>(
    name: &str,
    build: F,
    policy: &RetryPolicy,
    cancel: &CancellationToken,
) -> Result<Answer<R>, CallError>
where
    M: Message,
    R: Send + 'static,
    F: Fn(RpcReplyPort<R>) -> M,
{
    let span = tracing::debug_span!("call_named", actor = %name);
    retry_loop(name, &build, policy, cancel)
        .instrument(span)
        .await
}

/// Progress of one retrying call.
struct Tracker {
    started: Instant,
    deadline: Instant,
    /// Requests delivered to an actor.
    delivered: u32,
    /// Tries that failed, delivered or not; drives the backoff.
    failures: u32,
    timeouts: u32,
    ever_found: bool,
    last_failure: AttemptFailure,
}

/// Outcome of one try.
enum Try<R> {
    Answered(R),
    Failed {
        failure: AttemptFailure,
        delivered: bool,
    },
    WrongActorType,
}

async fn retry_loop<M, R, F>(
    name: &str,
    build: &F,
    policy: &RetryPolicy,
    cancel: &CancellationToken,
) -> Result<Answer<R>, CallError>
where
    M: Message,
    R: Send + 'static,
    F: Fn(RpcReplyPort<R>) -> M,
{
    let started = Instant::now();
    let mut tracker = Tracker {
        started,
        deadline: crate::backoff::instant_after(started, policy.deadline),
        delivered: 0,
        failures: 0,
        timeouts: 0,
        ever_found: false,
        last_failure: AttemptFailure::NotRegistered,
    };
    let max_attempts = policy.max_attempts.max(1);

    loop {
        // Each try gets what is left of the deadline, at most the attempt timeout.
        let remaining = tracker.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() || tracker.delivered >= max_attempts {
            return Err(tracker.exhausted(name));
        }
        let timeout = policy.attempt_timeout.min(remaining);

        let attempt = tracker.delivered + 1;
        let span = tracing::debug_span!("attempt", attempt);
        let outcome = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(tracker.cancelled(name)),
            outcome = try_once(name, build, timeout).instrument(span) => outcome,
        };
        let (failure, delivered) = match outcome {
            Try::Answered(value) => return Ok(tracker.answer(name, value)),
            Try::WrongActorType => {
                tracing::error!(actor = %name, "actor takes another message type");
                return Err(CallError::WrongActorType {
                    name: name.to_string(),
                });
            }
            Try::Failed { failure, delivered } => (failure, delivered),
        };

        // Record the failure; a timeout ends the call unless one retry is allowed.
        tracker.record(failure, delivered);
        if failure == AttemptFailure::TimedOut
            && tracker.timeouts > u32::from(policy.retry_on_timeout)
        {
            tracing::warn!(
                actor = %name, attempts = tracker.delivered, timeout_ms = timeout.as_millis(),
                "call timed out"
            );
            return Err(CallError::TimedOut {
                name: name.to_string(),
                attempts: tracker.delivered,
                timeout,
            });
        }

        // Back off, but never past the deadline; the loop head then gives up.
        let delay = tracker.next_backoff(policy);
        tracing::debug!(actor = %name, attempt, %failure, delay_ms = delay.as_millis(), "retrying");
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(tracker.cancelled(name)),
            () = tokio::time::sleep(delay) => {}
        }
    }
}

impl Tracker {
    /// The successful result; the answered request counts as an attempt.
    fn answer<R>(&self, name: &str, value: R) -> Answer<R> {
        let attempts = self.delivered.saturating_add(1);
        tracing::debug!(actor = %name, attempts, "answered");
        Answer {
            value,
            attempts,
            elapsed: self.started.elapsed(),
        }
    }

    /// Jittered exponential backoff after the latest failure, cut short at the deadline.
    fn next_backoff(&self, policy: &RetryPolicy) -> Duration {
        let base =
            crate::backoff::exponential(policy.initial_backoff, policy.max_backoff, self.failures);
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        jittered(base).min(remaining)
    }

    fn record(&mut self, failure: AttemptFailure, delivered: bool) {
        self.failures = self.failures.saturating_add(1);
        if delivered {
            self.delivered = self.delivered.saturating_add(1);
        }
        if failure != AttemptFailure::NotRegistered {
            self.ever_found = true;
        }
        if failure == AttemptFailure::TimedOut {
            self.timeouts = self.timeouts.saturating_add(1);
        }
        self.last_failure = failure;
    }

    /// The error for a cancelled call. A request in flight when the token fired is not counted,
    /// since whether it reached the actor is unknown; if it did, its reply port now reads closed.
    fn cancelled(&self, name: &str) -> CallError {
        tracing::debug!(actor = %name, attempts = self.delivered, "call cancelled");
        CallError::Cancelled {
            name: name.to_string(),
            attempts: self.delivered,
        }
    }

    /// The error for a budget that ran out.
    fn exhausted(&self, name: &str) -> CallError {
        let elapsed = self.started.elapsed();
        tracing::warn!(
            actor = %name, attempts = self.delivered, elapsed_ms = elapsed.as_millis(),
            last_failure = %self.last_failure, "retry budget exhausted"
        );
        if !self.ever_found {
            return CallError::Unavailable {
                name: name.to_string(),
                waited: elapsed,
            };
        }
        CallError::RetriesExhausted {
            name: name.to_string(),
            attempts: self.delivered,
            elapsed,
            last_failure: self.last_failure,
        }
    }
}

/// One try: resolve the name, check its type, call with a timeout, classify the result.
async fn try_once<M, R, F>(name: &str, build: &F, timeout: Duration) -> Try<R>
where
    M: Message,
    R: Send + 'static,
    F: Fn(RpcReplyPort<R>) -> M,
{
    let Some(cell) = ractor::registry::where_is(name) else {
        return Try::Failed {
            failure: AttemptFailure::NotRegistered,
            delivered: false,
        };
    };
    if cell.is_message_type_of::<M>() == Some(false) {
        return Try::WrongActorType;
    }

    let actor: ActorRef<M> = ActorCell::into(cell);
    match actor.call(build, Some(timeout)).await {
        Ok(CallResult::Success(value)) => Try::Answered(value),
        Ok(CallResult::Timeout) => Try::Failed {
            failure: AttemptFailure::TimedOut,
            delivered: true,
        },
        Ok(CallResult::SenderError) => Try::Failed {
            failure: AttemptFailure::DiedHoldingRequest,
            delivered: true,
        },
        Err(MessagingErr::SendErr(_) | MessagingErr::ChannelClosed) => Try::Failed {
            failure: AttemptFailure::StaleReference,
            delivered: false,
        },
        Err(MessagingErr::InvalidActorType) => Try::WrongActorType,
    }
}

/// "Equal jitter": a delay drawn uniformly from [base / 2, base].
fn jittered(base: Duration) -> Duration {
    let nanos = u64::try_from(base.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    let half = nanos / 2;
    Duration::from_nanos(half + rand::rng().random_range(0..=nanos - half))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_between_half_and_full_delay() {
        let base = Duration::from_millis(100);
        for _ in 0..1_000 {
            let delay = jittered(base);
            assert!(
                delay >= base / 2 && delay <= base,
                "{delay:?} outside [50ms, 100ms]"
            );
        }
    }

    #[test]
    fn zero_delay_stays_zero() {
        assert_eq!(jittered(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn default_policy_matches_the_documented_budget() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.deadline, Duration::from_secs(20));
        assert_eq!(policy.max_attempts, 12);
        assert_eq!(policy.initial_backoff, Duration::from_millis(5));
        assert_eq!(policy.max_backoff, Duration::from_millis(200));
        assert!(!policy.retry_on_timeout);
    }
}
