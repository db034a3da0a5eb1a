//! Generic supervision runtime: Erlang/OTP-style supervisors and a retrying caller on `ractor`.
//!
//! This crate is the bottom layer of the server and knows nothing about music or MCP.
//! [`supervisor`] restarts failed actors under their registered names, with restart strategies,
//! restart intensity and backoff; [`caller`] finds an actor by name on every attempt and retries
//! a request that was lost because the actor died holding it.
//! The two meet at the registry: a supervisor brings a name back, and the caller waits for it.
//!
//! Around them sit the protections a gateway puts in front of its actors: [`breaker`] (circuit
//! breakers per tool), [`rate_limit`] (token buckets per tool and session), [`memory_guard`]
//! (a published memory pressure level), and, for testing all of it, [`chaos`] (a seeded chaos
//! monkey). [`introspect`] turns their state into serialisable health reports.
//!
//! ```
//! use music_mcp_actors::{ChildSpec, RestartType, Supervisor, SupervisorConfig};
//! # use ractor::{Actor, ActorProcessingErr, ActorRef};
//! # #[derive(Clone)]
//! # struct Echo;
//! # impl Actor for Echo {
//! #     type Msg = ();
//! #     type State = ();
//! #     type Arguments = ();
//! #     async fn pre_start(&self, _: ActorRef<()>, _: ()) -> Result<(), ActorProcessingErr> {
//! #         Ok(())
//! #     }
//! # }
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = SupervisorConfig::new("doc.tools")
//!     .with_child(ChildSpec::for_actor("doc.echo", RestartType::Permanent, Echo, || ()));
//! let (supervisor, handle) = Supervisor::spawn(config, None).await?;
//! assert!(ractor::registry::where_is("doc.echo").is_some());
//!
//! Supervisor::shutdown(&supervisor, None).await?;
//! handle.await?;
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
#![warn(unreachable_pub)]

mod backoff;
pub mod breaker;
pub mod caller;
pub mod chaos;
pub mod error;
pub mod introspect;
pub mod memory_guard;
pub mod rate_limit;
pub mod supervisor;

pub use breaker::{
    BreakerConfig, BreakerRegistry, BreakerSnapshot, BreakerState, CircuitBreaker, Outcome, Permit,
};
pub use caller::{Answer, AttemptFailure, RetryPolicy, call_named};
pub use chaos::{
    ChaosAction, ChaosActionKind, ChaosConfig, ChaosMessage, ChaosMonkeyActor, ChaosStatus,
    ChaosWeights,
};
pub use error::{BreakerError, CallError, LimitScope, RateLimitedError, SupervisorError};
pub use introspect::{Health, HealthSources, RuntimeHealth, SupervisorNode};
pub use memory_guard::{
    MemoryGuard, MemoryGuardActor, MemoryGuardConfig, MemoryGuardMessage, MemoryLevel, MemoryStatus,
};
pub use rate_limit::{
    BucketConfig, RateLimitConfig, RateLimiter, RateLimiterActor, RateLimiterMessage,
    RateLimiterSnapshot,
};
pub use supervisor::{
    Backoff, ChildSpec, ChildState, ChildStatus, ExitReason, Intensity, RestartAction,
    RestartEvent, RestartObserver, RestartType, StartFn, Strategy, Supervisor, SupervisorConfig,
    SupervisorMessage, SupervisorStatus,
};
