//! Erlang/OTP-style supervisor actor built on ractor's supervision events.
//!
//! A [`Supervisor`] starts its children in order inside its own `pre_start` (so every child name
//! resolves as soon as [`Supervisor::spawn`] returns), restarts them per [`RestartType`] and
//! [`Strategy`] when they exit, limits restarts by [`Intensity`] and spaces repeated restarts by
//! [`Backoff`]. When the intensity is exceeded it fails, and its parent supervisor sees
//! `ActorFailed` (escalation); ractor then kills its remaining children. On a graceful stop it
//! stops its children last-to-first and waits for each.
//!
//! A child's `pre_start` runs inside the supervisor's handler, on every start and restart, so
//! keep it short: the supervisor handles nothing else meanwhile. Delayed restarts are timer
//! messages and never block it.
//!
//! Supervisors nest: [`ChildSpec::supervisor`] makes one the child of another, forming the
//! server's supervision tree. Messages come from the server (status queries) and from the
//! supervisor itself (delayed restarts); ractor delivers the child exits.

mod config;
mod event;
mod exit;
mod lifecycle;
mod restart;
mod spec;
mod state;
mod status;
mod window;

use std::time::Duration;

use ractor::concurrency::JoinHandle;
use ractor::{
    Actor, ActorCell, ActorProcessingErr, ActorRef, RactorErr, RpcReplyPort, SpawnErr,
    SupervisionEvent,
};

pub use config::{
    Backoff, DEFAULT_BACKOFF_INITIAL, DEFAULT_BACKOFF_MAX, DEFAULT_MAX_RESTARTS, DEFAULT_PERIOD,
    DEFAULT_SHUTDOWN_TIMEOUT, Intensity, Strategy, SupervisorConfig,
};
pub use event::{RestartAction, RestartEvent, RestartObserver};
pub use exit::{ExitReason, NORMAL_REASON, SHUTDOWN_REASON};
pub use spec::{ChildSpec, RestartType, StartFn};
pub use state::SupervisorState;
pub use status::{ChildState, ChildStatus, SupervisorStatus};

/// The supervisor actor; all of its data lives in [`SupervisorState`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Supervisor;

/// Messages a supervisor accepts.
#[derive(Debug)]
pub enum SupervisorMessage {
    /// Reply with a snapshot of the supervisor, its children and nested supervisors.
    GetStatus(RpcReplyPort<SupervisorStatus>),
    /// Start every restarting child whose backoff has elapsed.
    ///
    /// The supervisor sends this to itself after a backoff; sending it by hand is harmless, as
    /// children whose delay has not elapsed are left waiting.
    RestartDue,
}

impl Supervisor {
    /// Spawns a supervisor named `config.name`, linked to `parent` if given, and starts its
    /// children in order before returning.
    ///
    /// Fails if a child fails to start (the children already started are stopped again, last
    /// first), if two children share a name, or if the supervisor's own name is taken.
    pub async fn spawn(
        config: SupervisorConfig,
        parent: Option<ActorCell>,
    ) -> Result<(ActorRef<SupervisorMessage>, JoinHandle<()>), SpawnErr> {
        let name = Some(config.name.clone());
        match parent {
            Some(parent) => Actor::spawn_linked(name, Supervisor, config, parent).await,
            None => Actor::spawn(name, Supervisor, config).await,
        }
    }

    /// Stops a supervisor gracefully: its children stop last-to-first, each given the config's
    /// shutdown timeout, and then the supervisor itself; waits up to `timeout` for all of it.
    pub async fn shutdown(
        supervisor: &ActorRef<SupervisorMessage>,
        timeout: Option<Duration>,
    ) -> Result<(), RactorErr<ractor::actor::messages::StopMessage>> {
        supervisor
            .stop_and_wait(Some(SHUTDOWN_REASON.to_string()), timeout)
            .await
    }
}

impl Actor for Supervisor {
    type Msg = SupervisorMessage;
    type State = SupervisorState;
    type Arguments = SupervisorConfig;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        config: SupervisorConfig,
    ) -> Result<Self::State, ActorProcessingErr> {
        let mut state = SupervisorState::new(config)?;
        state.start_all(&myself.get_cell()).await?;
        tracing::info!(
            supervisor = %state.name(),
            children = state.child_count(),
            "supervisor started"
        );
        Ok(state)
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        state.stop_all().await;
        tracing::info!(supervisor = %state.name(), "supervisor stopped");
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            SupervisorMessage::GetStatus(reply) => {
                state.reply_status(reply);
                Ok(())
            }
            SupervisorMessage::RestartDue => state.restart_due(&myself).await,
        }
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match event {
            SupervisionEvent::ActorTerminated(child, _, reason) => {
                let reason = ExitReason::from_terminated(reason);
                state.on_child_exit(&myself, child.get_id(), reason).await
            }
            SupervisionEvent::ActorFailed(child, error) => {
                let reason = ExitReason::from_failure(&error);
                state.on_child_exit(&myself, child.get_id(), reason).await
            }
            other => {
                tracing::trace!(supervisor = %state.name(), event = %other, "event ignored");
                Ok(())
            }
        }
    }
}
