//! How a child ended, classified as normal or abnormal from ractor's supervision events.
//!
//! The supervisor turns every `ActorTerminated` and `ActorFailed` event into an [`ExitReason`]
//! and lets the child's [`RestartType`](super::RestartType) decide whether to restart it.

use std::fmt;

use ractor::ActorProcessingErr;

/// The stop reason that marks a deliberate, normal exit: `myself.stop(Some("normal".into()))`.
pub const NORMAL_REASON: &str = "normal";

/// The stop reason a supervisor uses when it stops its own children.
pub const SHUTDOWN_REASON: &str = "shutdown";

/// The stop reason ractor gives an actor that ended through `drain()`.
const DRAINED_REASON: &str = "Drained";

/// The stop reason ractor gives an actor that was ended by `kill()` (`Signal::Kill`).
const KILLED_REASON: &str = "killed";

/// Why a child stopped running.
///
/// Only [`ExitReason::Normal`] is a normal exit; every other variant is abnormal, so a
/// transient child is restarted after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitReason {
    /// The child stopped on purpose: with no reason, with `"normal"` or `"shutdown"`, or after a
    /// `drain()` (ractor's `"Drained"`). Holds the reason given, if any.
    Normal(Option<String>),
    /// The child was killed (`kill()`, or its own supervisor tree was torn down).
    Killed,
    /// The child panicked or returned `Err` from a handler; holds the error text.
    Failed(String),
    /// The child stopped with a reason that is not one of the normal markers.
    Stopped(String),
}

impl ExitReason {
    /// Classifies an `ActorTerminated` event by its optional stop reason.
    pub fn from_terminated(reason: Option<String>) -> Self {
        match reason {
            None => Self::Normal(None),
            Some(reason) if is_normal_marker(&reason) => Self::Normal(Some(reason)),
            Some(reason) if reason == KILLED_REASON => Self::Killed,
            Some(reason) => Self::Stopped(reason),
        }
    }

    /// Classifies an `ActorFailed` event by its error.
    pub fn from_failure(error: &ActorProcessingErr) -> Self {
        Self::Failed(error.to_string())
    }

    /// Returns true for every exit except a normal one.
    pub fn is_abnormal(&self) -> bool {
        !matches!(self, Self::Normal(_))
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Normal(None) => f.write_str(NORMAL_REASON),
            Self::Normal(Some(reason)) => f.write_str(reason),
            Self::Killed => f.write_str(KILLED_REASON),
            Self::Failed(error) => write!(f, "failed: {error}"),
            Self::Stopped(reason) => write!(f, "stopped: {reason}"),
        }
    }
}

fn is_normal_marker(reason: &str) -> bool {
    reason == NORMAL_REASON || reason == SHUTDOWN_REASON || reason == DRAINED_REASON
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_without_reason_is_normal() {
        assert_eq!(ExitReason::from_terminated(None), ExitReason::Normal(None));
    }

    #[test]
    fn normal_shutdown_and_drain_markers_are_normal() {
        for marker in ["normal", "shutdown", "Drained"] {
            let reason = ExitReason::from_terminated(Some(marker.to_string()));
            assert!(!reason.is_abnormal(), "{marker} should be normal");
        }
    }

    #[test]
    fn kill_is_abnormal() {
        let reason = ExitReason::from_terminated(Some("killed".to_string()));
        assert_eq!(reason, ExitReason::Killed);
        assert!(reason.is_abnormal());
    }

    #[test]
    fn any_other_reason_is_abnormal() {
        let reason = ExitReason::from_terminated(Some("actor_task_cancelled".to_string()));
        assert_eq!(
            reason,
            ExitReason::Stopped("actor_task_cancelled".to_string())
        );
        assert!(reason.is_abnormal());
    }

    #[test]
    fn failure_keeps_the_error_text() {
        let error: ActorProcessingErr = "boom".into();
        let reason = ExitReason::from_failure(&error);
        assert_eq!(reason.to_string(), "failed: boom");
        assert!(reason.is_abnormal());
    }
}
