//! The supervisor's state: its policy, one record per child, and the restart window.
//!
//! Owned by the [`Supervisor`](super::Supervisor) actor; `lifecycle.rs` starts and stops
//! children, `restart.rs` decides what happens when one exits.

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use ractor::rpc::CallResult;
use ractor::{ActorCell, ActorRef, RpcReplyPort};
use tokio::time::Instant;

use super::SupervisorMessage;
use super::config::{Backoff, Intensity, Strategy, SupervisorConfig};
use super::event::RestartObserver;
use super::exit::ExitReason;
use super::spec::ChildSpec;
use super::status::{ChildState, ChildStatus, NESTED_STATUS_TIMEOUT, SupervisorStatus};
use super::window::RestartWindow;
use crate::error::SupervisorError;

/// State of a running supervisor; opaque, inspect it with `SupervisorMessage::GetStatus`.
pub struct SupervisorState {
    pub(super) name: String,
    pub(super) strategy: Strategy,
    pub(super) intensity: Intensity,
    pub(super) backoff: Backoff,
    pub(super) shutdown_timeout: Duration,
    pub(super) observer: Option<RestartObserver>,
    /// Children in start order.
    pub(super) children: Vec<ChildRecord>,
    /// Restarts counted against the intensity.
    pub(super) window: RestartWindow,
    pub(super) total_restarts: u64,
}

/// One child: its spec and what the supervisor knows about its current incarnation.
pub(super) struct ChildRecord {
    pub(super) spec: ChildSpec,
    /// The running incarnation; `Some` exactly when `state` is `Running`.
    pub(super) cell: Option<ActorCell>,
    pub(super) state: ChildState,
    pub(super) restart_count: u64,
    pub(super) last_exit: Option<ExitReason>,
    /// When `last_exit` happened; `Some` exactly when `last_exit` is.
    pub(super) last_exit_at: Option<Instant>,
    /// Time from the last exit to the replacement running (backoff included), once restarted.
    pub(super) last_recovery: Option<Duration>,
    /// This child's own restarts, for its backoff.
    pub(super) recent: RestartWindow,
    /// When a `Restarting` child may be started again.
    pub(super) due: Instant,
}

impl SupervisorState {
    /// Builds the state from a config, rejecting duplicate child names; starts nothing.
    pub(super) fn new(config: SupervisorConfig) -> Result<Self, SupervisorError> {
        let mut seen = HashSet::new();
        for child in &config.children {
            if !seen.insert(child.name.as_str()) {
                return Err(SupervisorError::DuplicateChild {
                    supervisor: config.name.clone(),
                    child: child.name.clone(),
                });
            }
        }

        let now = Instant::now();
        let children = config
            .children
            .into_iter()
            .map(|spec| ChildRecord {
                spec,
                cell: None,
                state: ChildState::Stopped,
                restart_count: 0,
                last_exit: None,
                last_exit_at: None,
                last_recovery: None,
                recent: RestartWindow::default(),
                due: now,
            })
            .collect();
        Ok(Self {
            name: config.name,
            strategy: config.strategy,
            intensity: config.intensity,
            backoff: config.backoff,
            shutdown_timeout: config.shutdown_timeout,
            observer: config.observer,
            children,
            window: RestartWindow::default(),
            total_restarts: 0,
        })
    }

    /// The supervisor's registry name.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// Number of child specs.
    pub(super) fn child_count(&self) -> usize {
        self.children.len()
    }

    /// Answers a status query; nested supervisors are asked from a separate task so a slow one
    /// never blocks this supervisor.
    pub(super) fn reply_status(&mut self, reply: RpcReplyPort<SupervisorStatus>) {
        let status = self.status();
        let nested: Vec<(usize, ActorRef<SupervisorMessage>)> = self
            .children
            .iter()
            .enumerate()
            .filter_map(|(index, child)| {
                let cell = child.cell.as_ref()?;
                let is_supervisor = cell.is_message_type_of::<SupervisorMessage>() == Some(true);
                is_supervisor.then(|| (index, ActorRef::from(cell.clone())))
            })
            .collect();

        if nested.is_empty() {
            let _ = reply.send(status);
            return;
        }
        tokio::spawn(async move {
            let mut status = status;
            for (index, supervisor) in nested {
                let answer = supervisor
                    .call(SupervisorMessage::GetStatus, Some(NESTED_STATUS_TIMEOUT))
                    .await;
                if let (Ok(CallResult::Success(nested)), Some(child)) =
                    (answer, status.children.get_mut(index))
                {
                    child.supervisor = Some(Box::new(nested));
                }
            }
            let _ = reply.send(status);
        });
    }

    /// Snapshot of this supervisor without nested supervisors.
    fn status(&mut self) -> SupervisorStatus {
        let now = Instant::now();
        let restarts_in_window = self.window.count(now, self.intensity.period);
        SupervisorStatus {
            name: self.name.clone(),
            strategy: self.strategy,
            intensity: self.intensity,
            restarts_in_window,
            total_restarts: self.total_restarts,
            children: self
                .children
                .iter()
                .map(|child| child.status(now))
                .collect(),
        }
    }
}

impl ChildRecord {
    /// The child's registry name.
    pub(super) fn name(&self) -> &str {
        &self.spec.name
    }

    /// Records why and when the current incarnation ended.
    pub(super) fn record_exit(&mut self, reason: ExitReason) {
        self.last_exit = Some(reason);
        self.last_exit_at = Some(Instant::now());
    }

    fn status(&self, now: Instant) -> ChildStatus {
        ChildStatus {
            name: self.spec.name.clone(),
            restart: self.spec.restart,
            state: self.state,
            restart_count: self.restart_count,
            last_exit: self.last_exit.clone(),
            last_exit_ago: self
                .last_exit_at
                .map(|at| now.saturating_duration_since(at)),
            last_recovery: self.last_recovery,
            actor_id: self.cell.as_ref().map(ActorCell::get_id),
            supervisor: None,
        }
    }
}

impl fmt::Debug for SupervisorState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupervisorState")
            .field("name", &self.name)
            .field("strategy", &self.strategy)
            .field("children", &self.children.len())
            .field("total_restarts", &self.total_restarts)
            .finish_non_exhaustive()
    }
}
