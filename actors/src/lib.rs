//! Generic supervision runtime: Erlang/OTP-style supervisors and a retrying caller on `ractor`.
//!
//! This crate is the bottom layer of the server and knows nothing about music or MCP.
//! [`supervisor`] restarts failed actors under their registered names, with restart strategies,
//! restart intensity and backoff; [`caller`] finds an actor by name on every attempt and retries
//! a request that was lost because the actor died holding it.
//! The two meet at the registry: a supervisor brings a name back, and the caller waits for it.
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
pub mod caller;
pub mod error;
pub mod supervisor;

pub use caller::{Answer, AttemptFailure, RetryPolicy, call_named};
pub use error::{CallError, SupervisorError};
pub use supervisor::{
    Backoff, ChildSpec, ChildState, ChildStatus, ExitReason, Intensity, RestartAction,
    RestartEvent, RestartObserver, RestartType, StartFn, Strategy, Supervisor, SupervisorConfig,
    SupervisorMessage, SupervisorStatus,
};
