//! The generic tool actor: runs one [`Tool`]'s calls, one at a time, under a supervisor.
//!
//! Spawned linked to the tools supervisor with the registry name from
//! `ActorNames::tool(T::NAME)`; reached only through the retrying caller in `runtime`.

use std::marker::PhantomData;
use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

use super::services::FaultPoint;
use super::{Services, Tool, ToolError};

/// A ractor actor serving the calls of tool `T`.
pub struct ToolActor<T: Tool>(PhantomData<fn() -> T>);

impl<T: Tool> Default for ToolActor<T> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

/// Messages a tool actor takes.
pub enum ToolMessage<T: Tool> {
    /// Run the tool and reply.
    Call {
        /// The tool's arguments.
        args: T::Args,
        /// Where the answer goes.
        reply: RpcReplyPort<Result<T::Output, ToolError>>,
    },
    /// Fail on purpose (chaos and supervision tests): the handler returns an error, which
    /// its supervisor sees as `ActorFailed`.
    Crash(String),
}

impl<T: Tool> Actor for ToolActor<T> {
    type Msg = ToolMessage<T>;
    type State = Arc<Services>;
    type Arguments = Arc<Services>;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        services: Arc<Services>,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(services)
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        services: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            ToolMessage::Call { args, reply } => {
                // The caller gave up (cancelled or timed out): skip the work.
                if reply.is_closed() {
                    return Ok(());
                }
                injected_delay::<T>(services, FaultPoint::BeforeWork).await;
                if services.faults.take_failure(T::NAME) {
                    let _ = reply.send(Err(ToolError::internal(format!(
                        "{} failed on purpose (fault injection); try again",
                        T::NAME
                    ))));
                    return Ok(());
                }
                let result = T::run(services.clone(), args).await;
                injected_delay::<T>(services, FaultPoint::BeforeReply).await;
                // The caller may have gone meanwhile; nothing to do then.
                let _ = reply.send(result);
                Ok(())
            }
            ToolMessage::Crash(reason) => Err(format!("injected crash: {reason}").into()),
        }
    }
}

async fn injected_delay<T: Tool>(services: &Services, point: FaultPoint) {
    if let Some(delay) = services.faults.take_delay(T::NAME, point) {
        tracing::debug!(
            tool = T::NAME,
            ?point,
            delay_ms = delay.as_millis() as u64,
            "injected delay"
        );
        tokio::time::sleep(delay).await;
    }
}

/// Runs CPU-bound work off the actor's task, so the actor can still be killed, and turns a
/// panic in that work into an internal tool error instead of a lost reply.
pub async fn blocking<R, F>(work: F) -> Result<R, ToolError>
where
    F: FnOnce() -> Result<R, ToolError> + Send + 'static,
    R: Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(err) => {
            tracing::error!(error = %err, "tool work panicked");
            Err(ToolError::internal(
                "the analysis failed inside the server; this is a bug, please report it with the score",
            ))
        }
    }
}
