//! Restart decisions: restart type, strategy, intensity and backoff applied to a child exit.
//!
//! Called from the supervisor's `handle_supervisor_evt` (a child exited) and from its
//! `RestartDue` timer message (a delayed restart is due). Each decision logs one warn line
//! naming supervisor, child, reason and action, and goes to the observer.

use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use ractor::{ActorId, ActorProcessingErr, ActorRef, SpawnErr};
use tokio::time::Instant;

use super::event::{RestartAction, RestartEvent};
use super::exit::{ExitReason, SHUTDOWN_REASON};
use super::lifecycle::stop_child;
use super::spec::RestartType;
use super::state::SupervisorState;
use super::status::ChildState;
use super::{Strategy, SupervisorMessage};
use crate::error::SupervisorError;

impl SupervisorState {
    /// Handles the exit of the child whose current incarnation is `id`.
    ///
    /// Exits of incarnations the supervisor already replaced or stopped are ignored. Returns
    /// `Err` (so the supervisor fails) when restarting would exceed the restart intensity.
    pub(super) async fn on_child_exit(
        &mut self,
        myself: &ActorRef<SupervisorMessage>,
        id: ActorId,
        reason: ExitReason,
    ) -> Result<(), ActorProcessingErr> {
        let Some(index) = self.index_of(id) else {
            tracing::debug!(supervisor = %self.name, actor = %id, %reason, "stale exit ignored");
            return Ok(());
        };

        // Forget the dead incarnation first, so nothing below mistakes it for a live child.
        let child = &mut self.children[index];
        child.cell = None;
        child.record_exit(reason.clone());
        if !child.spec.restart.restarts_after(&reason) {
            child.state = ChildState::Stopped;
            tracing::info!(
                supervisor = %self.name, child = %child.name(), %reason,
                restart = %child.spec.restart, action = "leave stopped", "child exited"
            );
            return Ok(());
        }

        // Count the restart against the intensity before doing anything else.
        let now = Instant::now();
        self.check_intensity(now, index, &reason)?;
        self.total_restarts += 1;
        let delay = self.next_delay(index, now);
        let due = crate::backoff::instant_after(now, delay);
        let child = &mut self.children[index];
        child.state = ChildState::Restarting;
        child.due = due;

        // Say once what happens, then stop the affected siblings, last first.
        let affected = self.strategy.affected(index, self.children.len());
        self.announce_restart(index, &reason, delay, affected.clone());
        self.stop_siblings(affected, index, due).await;

        if delay.is_zero() {
            self.restart_due(myself).await
        } else {
            schedule(myself, delay);
            Ok(())
        }
    }

    /// Starts, in start order, every restarting child whose backoff has elapsed.
    ///
    /// With one-for-all and rest-for-one, a child that is not due yet or fails to start holds
    /// back the children after it, which may depend on it.
    pub(super) async fn restart_due(
        &mut self,
        myself: &ActorRef<SupervisorMessage>,
    ) -> Result<(), ActorProcessingErr> {
        let ordered = self.strategy != Strategy::OneForOne;
        let supervisor = myself.get_cell();
        for index in 0..self.children.len() {
            if self.children[index].state != ChildState::Restarting {
                continue;
            }
            if self.children[index].due > Instant::now() {
                if ordered {
                    break;
                }
                continue;
            }

            match self.start_child(index, &supervisor).await {
                Ok(cell) => {
                    tracing::debug!(
                        supervisor = %self.name, child = %self.children[index].name(),
                        actor = %cell.get_id(), "child restarted"
                    );
                    self.mark_running(index, cell, &supervisor);
                    let child = &mut self.children[index];
                    child.restart_count += 1;
                    child.last_recovery = child.last_exit_at.map(|at| at.elapsed());
                }
                Err(error) => {
                    self.on_start_failure(myself, index, &error)?;
                    if ordered {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// A restarting child failed to start: count it against the intensity and try again later.
    fn on_start_failure(
        &mut self,
        myself: &ActorRef<SupervisorMessage>,
        index: usize,
        error: &SpawnErr,
    ) -> Result<(), ActorProcessingErr> {
        let now = Instant::now();
        let reason = self.children[index]
            .last_exit
            .clone()
            .unwrap_or(ExitReason::Normal(None));
        self.check_intensity(now, index, &reason)?;

        // Never retry a failed start at once: that would spin on a persistent error.
        let delay = self.next_delay(index, now).max(self.backoff.initial);
        let child = &mut self.children[index];
        child.due = crate::backoff::instant_after(now, delay);

        let child_name = child.name().to_string();
        tracing::warn!(
            supervisor = %self.name, child = %child_name, %reason, error = %error,
            action = "retry start", delay_ms = delay.as_millis(), "child failed to restart"
        );
        self.notify(
            &child_name,
            &reason,
            RestartAction::RetryStart {
                error: error.to_string(),
                delay,
            },
        );
        schedule(myself, delay);
        Ok(())
    }

    /// Logs the one warn line of a restart decision and tells the observer.
    fn announce_restart(
        &self,
        index: usize,
        reason: &ExitReason,
        delay: Duration,
        affected: Range<usize>,
    ) {
        let child = self.children[index].name();
        let restarting = self.restarting_names(affected, index);
        tracing::warn!(
            supervisor = %self.name, child = %child, %reason, action = "restart",
            strategy = %self.strategy, delay_ms = delay.as_millis(), children = ?restarting,
            "child exited; restarting"
        );
        let action = RestartAction::Restart {
            delay,
            children: restarting,
        };
        self.notify(child, reason, action);
    }

    /// Backoff before restarting child `index` now, recording this restart in its own window.
    fn next_delay(&mut self, index: usize, now: Instant) -> Duration {
        let period = self.intensity.period;
        let child = &mut self.children[index];
        let delay = self.backoff.delay(child.recent.count(now, period));
        child.recent.record(now, period);
        delay
    }

    /// Records a restart in the intensity window; gives up if the window is over its limit.
    fn check_intensity(
        &mut self,
        now: Instant,
        index: usize,
        reason: &ExitReason,
    ) -> Result<(), SupervisorError> {
        let restarts = self.window.record(now, self.intensity.period);
        let max_restarts = self.intensity.max_restarts;
        if restarts <= usize::try_from(max_restarts).unwrap_or(usize::MAX) {
            return Ok(());
        }

        let child_name = self.children[index].name().to_string();
        tracing::error!(
            supervisor = %self.name, child = %child_name, %reason, action = "give up",
            max_restarts, period_ms = self.intensity.period.as_millis(),
            "restart intensity exceeded; supervisor fails"
        );
        self.notify(&child_name, reason, RestartAction::GiveUp);
        Err(SupervisorError::IntensityExceeded {
            supervisor: self.name.clone(),
            max_restarts,
            period: self.intensity.period,
        })
    }

    /// Names of the children in `affected` that will be (re)started, in start order.
    fn restarting_names(&self, affected: Range<usize>, index: usize) -> Vec<String> {
        self.children[affected.clone()]
            .iter()
            .zip(affected)
            .filter(|(child, position)| {
                let sibling_restarts = match child.state {
                    ChildState::Running => child.spec.restart != RestartType::Temporary,
                    ChildState::Restarting => true,
                    ChildState::Stopped => false,
                };
                *position == index || sibling_restarts
            })
            .map(|(child, _)| child.name().to_string())
            .collect()
    }

    /// Stops the running siblings in `affected`, last first, and marks them for restart at
    /// `due` (temporary ones stay stopped). Already restarting siblings wait for `due` too.
    async fn stop_siblings(&mut self, affected: Range<usize>, index: usize, due: Instant) {
        for position in affected.rev() {
            if position == index {
                continue;
            }
            let sibling = &mut self.children[position];
            if let Some(cell) = sibling.cell.take() {
                stop_child(&self.name, sibling.name(), &cell, self.shutdown_timeout).await;
                sibling.record_exit(ExitReason::Normal(Some(SHUTDOWN_REASON.to_string())));
                sibling.state = if sibling.spec.restart == RestartType::Temporary {
                    ChildState::Stopped
                } else {
                    ChildState::Restarting
                };
            }
            if sibling.state == ChildState::Restarting {
                sibling.due = sibling.due.max(due);
            }
        }
    }

    fn index_of(&self, id: ActorId) -> Option<usize> {
        self.children
            .iter()
            .position(|child| child.cell.as_ref().is_some_and(|cell| cell.get_id() == id))
    }

    /// Hands an event to the observer; a panicking observer is logged, not propagated.
    fn notify(&self, child: &str, reason: &ExitReason, action: RestartAction) {
        let Some(observer) = &self.observer else {
            return;
        };
        let event = RestartEvent {
            supervisor: self.name.clone(),
            child: child.to_string(),
            reason: reason.clone(),
            action,
        };
        if std::panic::catch_unwind(AssertUnwindSafe(|| observer(&event))).is_err() {
            tracing::error!(supervisor = %self.name, child = %child, "restart observer panicked");
        }
    }
}

/// Sends `RestartDue` to the supervisor after `delay`, without blocking it meanwhile.
fn schedule(myself: &ActorRef<SupervisorMessage>, delay: Duration) {
    // The timer task ends by itself; if the supervisor is gone by then the send just fails.
    drop(myself.send_after(delay, || SupervisorMessage::RestartDue));
}
