//! Starting and stopping children: start in order, stop last-to-first, kill the stubborn.
//!
//! Used by the supervisor's `pre_start` and `post_stop` and by the restart logic. A start
//! function that panics is turned into a start error instead of taking the supervisor down.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;
use ractor::{ActorCell, ActorStatus, SpawnErr};

use super::exit::SHUTDOWN_REASON;
use super::state::SupervisorState;
use super::status::ChildState;
use crate::error::SupervisorError;

/// How long to wait for a dying actor to give up a name we want to start a child under.
///
/// After a nested supervisor is killed, ractor kills its children asynchronously, so the
/// replacement may briefly find its children's names still taken.
const NAME_RELEASE_WAIT: Duration = Duration::from_millis(500);

/// How long to wait for a child to die after it ignored its stop and was killed.
const KILL_WAIT: Duration = Duration::from_secs(1);

impl SupervisorState {
    /// Starts every child in order; on a failure stops those already started, last first.
    pub(super) async fn start_all(
        &mut self,
        supervisor: &ActorCell,
    ) -> Result<(), SupervisorError> {
        for index in 0..self.children.len() {
            match self.start_child(index, supervisor).await {
                Ok(cell) => self.mark_running(index, cell, supervisor),
                Err(source) => {
                    let child = self.children[index].name().to_string();
                    tracing::error!(
                        supervisor = %self.name, child = %child, error = %source,
                        "child failed to start; supervisor start aborted"
                    );
                    self.stop_all().await;
                    return Err(SupervisorError::ChildStartFailed {
                        supervisor: self.name.clone(),
                        child,
                        source,
                    });
                }
            }
        }
        Ok(())
    }

    /// Stops every running child, last-started first, waiting for each.
    pub(super) async fn stop_all(&mut self) {
        for index in (0..self.children.len()).rev() {
            if let Some(cell) = self.children[index].cell.take() {
                stop_child(
                    &self.name,
                    self.children[index].name(),
                    &cell,
                    self.shutdown_timeout,
                )
                .await;
            }
            self.children[index].state = ChildState::Stopped;
        }
    }

    /// Records a freshly started incarnation of child `index`, warning about a start function
    /// that broke its contract (wrong name, or a child not linked to `supervisor`).
    pub(super) fn mark_running(&mut self, index: usize, cell: ActorCell, supervisor: &ActorCell) {
        let child = &mut self.children[index];
        if cell.get_name().as_deref() != Some(child.name()) {
            tracing::warn!(
                supervisor = %self.name, child = %child.name(), actual = ?cell.get_name(),
                "start function registered the child under another name"
            );
        }
        let linked = cell.try_get_supervisor().map(|parent| parent.get_id());
        let alive = cell.get_status() < ActorStatus::Stopping;
        if alive && linked != Some(supervisor.get_id()) {
            tracing::warn!(
                supervisor = %self.name, child = %child.name(),
                "start function did not link the child to its supervisor; its exits go unseen"
            );
        }
        child.cell = Some(cell);
        child.state = ChildState::Running;
    }

    /// Runs child `index`'s start function, waiting once for a dying holder of its name.
    pub(super) async fn start_child(
        &self,
        index: usize,
        supervisor: &ActorCell,
    ) -> Result<ActorCell, SpawnErr> {
        match self.invoke_start(index, supervisor).await {
            Err(SpawnErr::ActorAlreadyRegistered(name)) => {
                tracing::debug!(
                    supervisor = %self.name, child = %name,
                    "name still held, waiting for its holder to stop"
                );
                if !wait_for_name_release(&name).await {
                    return Err(SpawnErr::ActorAlreadyRegistered(name));
                }
                self.invoke_start(index, supervisor).await
            }
            other => other,
        }
    }

    async fn invoke_start(
        &self,
        index: usize,
        supervisor: &ActorCell,
    ) -> Result<ActorCell, SpawnErr> {
        let start = &self.children[index].spec.start;
        let started = std::panic::catch_unwind(AssertUnwindSafe(|| start(supervisor.clone())));
        let outcome = match started {
            Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
            Err(panic) => Err(panic),
        };
        outcome.unwrap_or_else(|panic| {
            let message = panic_message(panic.as_ref());
            Err(SpawnErr::StartupFailed(
                format!("start function panicked: {message}").into(),
            ))
        })
    }
}

/// Stops one child gracefully, killing it if it does not stop within `timeout`.
pub(super) async fn stop_child(supervisor: &str, child: &str, cell: &ActorCell, timeout: Duration) {
    cell.stop(Some(SHUTDOWN_REASON.to_string()));
    if cell.wait(Some(timeout)).await.is_ok() {
        return;
    }

    tracing::warn!(
        supervisor = %supervisor, child = %child, timeout_ms = timeout.as_millis(),
        "child did not stop in time; killing it"
    );
    cell.kill();
    if cell.wait(Some(KILL_WAIT)).await.is_err() {
        tracing::error!(
            supervisor = %supervisor, child = %child,
            "child did not die after a kill; it may be stuck without an await point"
        );
    }
}

/// Waits for the current holder of `name` to stop; returns false if it is still alive.
async fn wait_for_name_release(name: &str) -> bool {
    let Some(holder) = ractor::registry::where_is(name) else {
        return true;
    };
    holder.wait(Some(NAME_RELEASE_WAIT)).await.is_ok()
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "non-string panic payload".to_string()
    }
}
