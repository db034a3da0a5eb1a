//! Introspection snapshot of a supervisor and its children, answered to `GetStatus`.
//!
//! Plain data, cloned out of the supervisor state; nested supervisors are queried with a short
//! timeout and included when they answer.

use std::time::Duration;

use ractor::ActorId;

use super::config::{Intensity, Strategy};
use super::exit::ExitReason;
use super::spec::RestartType;

/// Lifecycle state of one child as the supervisor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChildState {
    /// Started and not known to have exited.
    Running,
    /// Exited and waiting for its (possibly delayed) restart.
    Restarting,
    /// Exited and not going to be restarted.
    Stopped,
}

/// Snapshot of one supervisor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisorStatus {
    /// Registry name of the supervisor.
    pub name: String,
    /// Restart strategy.
    pub strategy: Strategy,
    /// Configured restart intensity.
    pub intensity: Intensity,
    /// Restarts counted against the intensity within the current window.
    pub restarts_in_window: usize,
    /// Restart decisions since the supervisor started (a one-for-all restart counts once).
    pub total_restarts: u64,
    /// Children in start order.
    pub children: Vec<ChildStatus>,
}

/// Snapshot of one child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildStatus {
    /// Registry name of the child.
    pub name: String,
    /// Restart type from the child spec.
    pub restart: RestartType,
    /// Lifecycle state.
    pub state: ChildState,
    /// How many times this child was restarted (including as a sibling of another child).
    pub restart_count: u64,
    /// Why the child last exited, if it ever did.
    pub last_exit: Option<ExitReason>,
    /// How long ago the child last exited, measured when the status was taken; `Some` exactly
    /// when `last_exit` is.
    pub last_exit_ago: Option<Duration>,
    /// How long the last restart took, from the supervisor handling the exit to the
    /// replacement running (restart backoff included); `None` until the first restart.
    pub last_recovery: Option<Duration>,
    /// Current actor id; `None` unless running.
    pub actor_id: Option<ActorId>,
    /// Status of the child if it is itself a supervisor and answered in time.
    pub supervisor: Option<Box<SupervisorStatus>>,
}

impl SupervisorStatus {
    /// Finds a direct child by name.
    pub fn child(&self, name: &str) -> Option<&ChildStatus> {
        self.children.iter().find(|child| child.name == name)
    }
}

/// How long a supervisor waits for a nested supervisor's status before leaving it out.
pub(crate) const NESTED_STATUS_TIMEOUT: Duration = Duration::from_secs(1);
