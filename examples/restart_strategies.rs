//! The three restart strategies side by side: kill the middle of three children and see who
//! is restarted, and in which order.
//!
//! Run with `cargo run --example restart_strategies`; the story goes to
//! stdout, restart logs to stderr (`RUST_LOG=warn` shows one line per restart decision).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use music_mcp_actors::{
    ChildSpec, ChildState, RestartType, Strategy, Supervisor, SupervisorConfig, SupervisorMessage,
    SupervisorStatus,
};
use ractor::rpc::CallResult;
use ractor::{Actor, ActorId, ActorProcessingErr, ActorRef};

/// Lifecycle events such as `start b` and `stop c`, in the order they happened.
#[derive(Debug, Clone, Default)]
struct EventLog(Arc<Mutex<Vec<String>>>);

impl EventLog {
    fn push(&self, event: &str, name: &str) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(format!("{event} {}", short(name)));
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A child that only records its starts and graceful stops.
#[derive(Debug, Clone, Copy)]
struct Child;

impl Actor for Child {
    type Msg = ();
    type State = EventLog;
    type Arguments = EventLog;

    async fn pre_start(
        &self,
        myself: ActorRef<()>,
        log: EventLog,
    ) -> Result<EventLog, ActorProcessingErr> {
        log.push("start", &myself.get_name().unwrap_or_default());
        Ok(log)
    }

    async fn post_stop(
        &self,
        myself: ActorRef<()>,
        log: &mut EventLog,
    ) -> Result<(), ActorProcessingErr> {
        log.push("stop", &myself.get_name().unwrap_or_default());
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "off".into()),
        )
        .init();

    println!("three children a, b, c start in that order; b is killed under each strategy\n");
    println!(
        "{:<13} {:<10} {:<10} {:<44} decisions",
        "strategy", "restarted", "untouched", "what happened after the kill, in order"
    );
    for strategy in [
        Strategy::OneForOne,
        Strategy::OneForAll,
        Strategy::RestForOne,
    ] {
        demonstrate(strategy).await?;
    }
    Ok(())
}

/// Starts a supervisor with `strategy`, kills `b`, and prints who restarted.
async fn demonstrate(strategy: Strategy) -> Result<(), Box<dyn std::error::Error>> {
    let log = EventLog::default();
    let prefix = format!("strategies.{strategy}");
    let names: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|child| format!("{prefix}.{child}"))
        .collect();
    let mut config = SupervisorConfig::new(&prefix).with_strategy(strategy);
    for name in &names {
        let log = log.clone();
        config = config.with_child(ChildSpec::for_actor(
            name,
            RestartType::Permanent,
            Child,
            move || log.clone(),
        ));
    }
    let (supervisor, handle) = Supervisor::spawn(config, None).await?;
    log.take();
    let before = ids(&names);

    ractor::registry::where_is(&names[1])
        .ok_or("b is not registered")?
        .kill();
    let status = settle(&supervisor).await?;

    let after = ids(&names);
    let restarted: Vec<String> = names
        .iter()
        .zip(before.iter().zip(&after))
        .filter(|(_, (old, new))| old != new)
        .map(|(name, _)| short(name))
        .collect();
    let untouched: Vec<String> = names
        .iter()
        .map(|name| short(name))
        .filter(|name| !restarted.contains(name))
        .collect();
    println!(
        "{:<13} {:<10} {:<10} {:<44} {}",
        strategy.to_string(),
        restarted.join(", "),
        untouched.join(", "),
        log.take().join(", "),
        status.total_restarts
    );

    Supervisor::shutdown(&supervisor, Some(Duration::from_secs(5))).await?;
    handle.await?;
    Ok(())
}

/// Waits until every child runs again after the kill.
async fn settle(
    supervisor: &ActorRef<SupervisorMessage>,
) -> Result<SupervisorStatus, Box<dyn std::error::Error>> {
    for _ in 0..1_000 {
        let answer = supervisor
            .call(SupervisorMessage::GetStatus, Some(Duration::from_secs(1)))
            .await?;
        if let CallResult::Success(status) = answer {
            let done = status.total_restarts == 1
                && status
                    .children
                    .iter()
                    .all(|c| c.state == ChildState::Running);
            if done {
                return Ok(status);
            }
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Err("the supervisor did not settle within a second".into())
}

/// The actor id currently registered under each name.
fn ids(names: &[String]) -> Vec<Option<ActorId>> {
    names
        .iter()
        .map(|name| ractor::registry::where_is(name).map(|cell| cell.get_id()))
        .collect()
}

/// The last dotted component of a name: `strategies.one_for_one.b` → `b`.
fn short(name: &str) -> String {
    name.rsplit('.').next().unwrap_or(name).to_string()
}
