//! Restart events handed to the optional observer, so the server can count restarts.
//!
//! The supervisor builds a [`RestartEvent`] on every restart decision, failed restart and
//! give-up, logs it, and passes it to the [`RestartObserver`] in its config.

use std::sync::Arc;
use std::time::Duration;

use super::exit::ExitReason;

/// Called synchronously inside the supervisor on every [`RestartEvent`]; keep it cheap.
///
/// A panic in the observer is caught and logged; it does not harm the supervisor.
pub type RestartObserver = Arc<dyn Fn(&RestartEvent) + Send + Sync>;

/// What a supervisor did about a child that exited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartEvent {
    /// Name of the supervisor.
    pub supervisor: String,
    /// Name of the child whose exit (or failed start) caused the event.
    pub child: String,
    /// Why the child exited.
    pub reason: ExitReason,
    /// What the supervisor does about it.
    pub action: RestartAction,
}

/// The supervisor's response to a child exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestartAction {
    /// The listed children (in start order) are restarted after `delay`; with a one-for-one
    /// strategy that is just the child itself.
    Restart {
        /// Backoff before the restart; zero for the first restart within the period.
        delay: Duration,
        /// Children that are (re)started, in start order.
        children: Vec<String>,
    },
    /// Starting the restarting child failed; it is tried again after `delay`.
    RetryStart {
        /// The start error, as text.
        error: String,
        /// Backoff before the next try.
        delay: Duration,
    },
    /// Restart intensity was exceeded: the supervisor fails and escalates to its own supervisor.
    GiveUp,
}
