//! Child specifications: what a supervisor starts, under which name, and when it restarts it.
//!
//! A [`ChildSpec`] is data handed to [`SupervisorConfig`](super::SupervisorConfig); the
//! supervisor calls its [`StartFn`] in `pre_start` and again on every restart.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use ractor::{Actor, ActorCell, SpawnErr};

use super::Supervisor;
use super::config::SupervisorConfig;
use super::exit::ExitReason;

/// Starts one child, linked to the supervisor cell it is given, and returns the child's cell.
///
/// The function must spawn the child with `spawn_linked(Some(name), .., supervisor)`, using the
/// spec's name, or the supervisor never hears of the child's exits and its name is not
/// resolvable. It is called once at supervisor start and once per restart.
pub type StartFn =
    Arc<dyn Fn(ActorCell) -> BoxFuture<'static, Result<ActorCell, SpawnErr>> + Send + Sync>;

/// When a child is restarted after it exits (OTP restart types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RestartType {
    /// Always restarted, whatever the reason it stopped.
    Permanent,
    /// Restarted only after an abnormal exit: a failure, a kill, or a non-normal stop reason.
    Transient,
    /// Never restarted; once it exits it stays stopped.
    Temporary,
}

impl RestartType {
    /// Returns true if a child of this type is restarted after exiting for `reason`.
    pub fn restarts_after(self, reason: &ExitReason) -> bool {
        match self {
            Self::Permanent => true,
            Self::Transient => reason.is_abnormal(),
            Self::Temporary => false,
        }
    }
}

impl fmt::Display for RestartType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Permanent => "permanent",
            Self::Transient => "transient",
            Self::Temporary => "temporary",
        })
    }
}

/// One child of a supervisor: its registry name, restart type and start function.
///
/// Specs are cheap to clone (the start function is shared), so a [`SupervisorConfig`] holding
/// them is cloneable too, which is how a supervisor becomes a restartable child.
///
/// # A ractor `Factory` as a child
///
/// A `Factory` is an ordinary actor, so wrap its spawn in [`ChildSpec::new`] and build fresh
/// `FactoryArguments` on every call (they are not `Clone`); `tests/it/factory.rs` does this:
///
/// ```text
/// let child_name = name.to_string();
/// ChildSpec::new(name, RestartType::Permanent, move |supervisor| {
///     let name = child_name.clone();
///     async move {
///         let arguments = FactoryArguments::builder()
///             .worker_builder(Box::new(worker_builder(|_wid| (Doubler, ()))))
///             .num_initial_workers(2)
///             .router(routing::QueuerRouting::default())
///             .queue(queues::DefaultQueue::default())
///             .build();
///         let (factory, _) =
///             Actor::spawn_linked(Some(name), DoublerFactory::default(), arguments, supervisor)
///                 .await?;
///         Ok(factory.get_cell())
///     }
/// })
/// ```
///
/// The Factory replaces its own workers (without intensity or backoff); the supervisor replaces
/// the Factory itself, and callers reach it by name with `FactoryMessage::Dispatch`.
#[derive(Clone)]
pub struct ChildSpec {
    /// Registry name of the child; unique within the supervisor and, being global, the process.
    pub name: String,
    /// When the child is restarted.
    pub restart: RestartType,
    /// Spawns the child linked to the given supervisor cell, under `name`.
    pub start: StartFn,
}

impl ChildSpec {
    /// Builds a spec from an async start closure that receives the supervisor cell.
    pub fn new<F, Fut>(name: impl Into<String>, restart: RestartType, start: F) -> Self
    where
        F: Fn(ActorCell) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ActorCell, SpawnErr>> + Send + 'static,
    {
        let start: StartFn = Arc::new(move |supervisor| start(supervisor).boxed());
        Self {
            name: name.into(),
            restart,
            start,
        }
    }

    /// Builds a spec that spawns `handler` (cloned per start) with fresh `arguments()` each time.
    pub fn for_actor<A, F>(
        name: impl Into<String>,
        restart: RestartType,
        handler: A,
        arguments: F,
    ) -> Self
    where
        A: Actor + Clone,
        F: Fn() -> A::Arguments + Send + Sync + 'static,
    {
        let name = name.into();
        let child_name = name.clone();
        Self::new(name, restart, move |supervisor| {
            let name = child_name.clone();
            let handler = handler.clone();
            let args = arguments();
            async move {
                let (child, _) = A::spawn_linked(Some(name), handler, args, supervisor).await?;
                Ok(child.get_cell())
            }
        })
    }

    /// Builds a permanent spec that starts a nested supervisor from `config` on every start.
    ///
    /// The child's name is the nested supervisor's name.
    pub fn supervisor(config: SupervisorConfig) -> Self {
        let name = config.name.clone();
        Self::new(name, RestartType::Permanent, move |parent| {
            let config = config.clone();
            async move {
                let (supervisor, _) = Supervisor::spawn(config, Some(parent)).await?;
                Ok(supervisor.get_cell())
            }
        })
    }

    /// Returns the same spec with another restart type.
    pub fn with_restart(mut self, restart: RestartType) -> Self {
        self.restart = restart;
        self
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("name", &self.name)
            .field("restart", &self.restart)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permanent_restarts_after_any_exit() {
        assert!(RestartType::Permanent.restarts_after(&ExitReason::Normal(None)));
        assert!(RestartType::Permanent.restarts_after(&ExitReason::Killed));
    }

    #[test]
    fn transient_restarts_only_after_abnormal_exit() {
        assert!(!RestartType::Transient.restarts_after(&ExitReason::Normal(None)));
        assert!(RestartType::Transient.restarts_after(&ExitReason::Killed));
        assert!(RestartType::Transient.restarts_after(&ExitReason::Failed("x".into())));
        assert!(RestartType::Transient.restarts_after(&ExitReason::Stopped("odd".into())));
    }

    #[test]
    fn temporary_never_restarts() {
        assert!(!RestartType::Temporary.restarts_after(&ExitReason::Killed));
        assert!(!RestartType::Temporary.restarts_after(&ExitReason::Failed("x".into())));
    }
}
