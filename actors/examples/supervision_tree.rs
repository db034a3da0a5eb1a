//! Builds a small supervision tree, kills a worker while a call is in flight, and shows that the
//! retrying caller gets its answer from the restarted worker.
//!
//! Run with `cargo run -p music-mcp-actors --example supervision_tree`; restart logs go to
//! stderr (set `RUST_LOG=debug` for more), the story goes to stdout.

use std::time::Duration;

use music_mcp_actors::{
    ChildSpec, RestartType, RetryPolicy, Strategy, Supervisor, SupervisorConfig, SupervisorMessage,
    SupervisorStatus, call_named,
};
use ractor::rpc::CallResult;
use ractor::{Actor, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort};
use tokio_util::sync::CancellationToken;

/// A worker that takes a while to answer, so there is time to kill it mid-request.
#[derive(Debug, Clone, Copy)]
struct SlowEcho;

/// Requests to [`SlowEcho`].
#[derive(Debug)]
enum EchoMessage {
    /// Echo the text back after a pause, with the id of the actor that answered.
    Echo(String, RpcReplyPort<(String, ActorId)>),
}

impl Actor for SlowEcho {
    type Msg = EchoMessage;
    type State = ();
    type Arguments = ();

    async fn pre_start(&self, _: ActorRef<Self::Msg>, _: ()) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        _state: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        let EchoMessage::Echo(text, reply) = message;
        tokio::time::sleep(Duration::from_millis(200)).await;
        if !reply.is_closed() {
            let _ = reply.send((text.to_uppercase(), myself.get_id()));
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    // root (one_for_one) -> tools (rest_for_one) -> echo, spare
    let tools = SupervisorConfig::new("example.tools")
        .with_strategy(Strategy::RestForOne)
        .with_child(ChildSpec::for_actor(
            "example.echo",
            RestartType::Permanent,
            SlowEcho,
            || (),
        ))
        .with_child(ChildSpec::for_actor(
            "example.spare",
            RestartType::Transient,
            SlowEcho,
            || (),
        ))
        .with_observer(|event| println!("observer: {} -> {:?}", event.child, event.action));
    let root_config =
        SupervisorConfig::new("example.root").with_child(ChildSpec::supervisor(tools));
    let (root, handle) = Supervisor::spawn(root_config, None).await?;
    println!("tree is up:");
    print_tree(&status(&root).await?, 1);

    // Start a call, then kill the worker while it holds the request.
    let call = tokio::spawn(async {
        let echo = |reply| EchoMessage::Echo("hello".to_string(), reply);
        call_named(
            "example.echo",
            echo,
            &RetryPolicy::default(),
            &CancellationToken::new(),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let victim = ractor::registry::where_is("example.echo").ok_or("echo worker missing")?;
    println!(
        "killing example.echo ({}) with a call in flight",
        victim.get_id()
    );
    victim.kill();

    let answer = call.await??;
    let (text, answered_by) = answer.value;
    println!(
        "call answered {text:?} after {} attempts in {:?}, by restarted worker {answered_by}",
        answer.attempts, answer.elapsed
    );

    println!("tree after the restart:");
    print_tree(&status(&root).await?, 1);
    Supervisor::shutdown(&root, Some(Duration::from_secs(5))).await?;
    handle.await?;
    println!("tree shut down");
    Ok(())
}

async fn status(
    supervisor: &ActorRef<SupervisorMessage>,
) -> Result<SupervisorStatus, Box<dyn std::error::Error>> {
    match supervisor
        .call(SupervisorMessage::GetStatus, Some(Duration::from_secs(2)))
        .await?
    {
        CallResult::Success(status) => Ok(status),
        other => Err(format!("status query failed: {other:?}").into()),
    }
}

fn print_tree(status: &SupervisorStatus, depth: usize) {
    let indent = "  ".repeat(depth);
    println!(
        "{indent}{} ({}, {} restarts in window)",
        status.name, status.strategy, status.restarts_in_window
    );
    for child in &status.children {
        match &child.supervisor {
            Some(nested) => print_tree(nested, depth + 1),
            None => println!(
                "{indent}  {} [{}] {:?}, restarts {}, last exit {:?}",
                child.name, child.restart, child.state, child.restart_count, child.last_exit
            ),
        }
    }
}
