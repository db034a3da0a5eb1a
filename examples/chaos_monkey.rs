//! A short seeded chaos run: a monkey kills, crashes, slows and fails three workers, and spikes
//! memory, while callers keep calling them through the retrying caller; then the action log,
//! the tree and the call tally are printed.
//!
//! Run with `cargo run --example chaos_monkey [SEED]` (default seed 42);
//! the same seed makes the same choices. The story goes to stdout; restart and chaos logs go to
//! stderr (`RUST_LOG=info` shows every action as it happens). Exits 1 if any call was lost.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use music_mcp_actors::{
    ChaosConfig, ChaosMessage, ChaosStatus, ChaosWeights, ChildSpec, Intensity, MemoryGuard,
    MemoryGuardConfig, MemoryGuardMessage, MemoryStatus, RestartType, RetryPolicy, Supervisor,
    SupervisorConfig, SupervisorMessage, SupervisorStatus, call_named,
};
use ractor::rpc::CallResult;
use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef, Message, RpcReplyPort};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tokio_util::sync::CancellationToken;

const WORKERS: [&str; 3] = ["demo.tool.0", "demo.tool.1", "demo.tool.2"];
const RUN_FOR: Duration = Duration::from_millis(2_500);
const CALLERS: usize = 4;

/// A worker standing in for a tool actor.
#[derive(Debug, Clone, Copy)]
struct Worker;

/// Requests to a [`Worker`], including the ones the server's injectors send.
#[derive(Debug)]
enum WorkerMessage {
    /// Do a little work and answer with the worker's name, or an error if a failure is armed.
    Work(RpcReplyPort<Result<String, String>>),
    /// Panic (the crash injector's message).
    Crash,
    /// Sleep this long before the next message (the latency injector's message).
    Stall(Duration),
    /// Fail the next request (the failure injector's message).
    FailNext,
}

/// State of a [`Worker`]: its name and whether the next request fails.
struct WorkerState {
    name: String,
    fail_next: AtomicBool,
}

impl Actor for Worker {
    type Msg = WorkerMessage;
    type State = WorkerState;
    type Arguments = ();

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        _: (),
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(WorkerState {
            name: myself.get_name().unwrap_or_default(),
            fail_next: AtomicBool::new(false),
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            WorkerMessage::Work(reply) => {
                tokio::time::sleep(Duration::from_millis(2)).await;
                let answer = if state.fail_next.swap(false, Ordering::Relaxed) {
                    Err(format!("{} failed on purpose", state.name))
                } else {
                    Ok(state.name.clone())
                };
                let _ = reply.send(answer);
            }
            WorkerMessage::Crash => panic!("{} crashed on purpose", state.name),
            WorkerMessage::Stall(latency) => tokio::time::sleep(latency).await,
            WorkerMessage::FailNext => state.fail_next.store(true, Ordering::Relaxed),
        }
        Ok(())
    }
}

/// How the calls went.
#[derive(Debug, Default)]
struct Tally {
    calls: AtomicU64,
    answered: AtomicU64,
    injected_failures: AtomicU64,
    retried: AtomicU64,
    lost: Mutex<Vec<String>>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "error".into()),
        )
        .init();
    let seed = match std::env::args().nth(1) {
        Some(seed) => seed.parse()?,
        None => 42,
    };

    // The tree: root → tools (three workers) and infra (memory guard, chaos monkey).
    let guard =
        MemoryGuard::new(MemoryGuardConfig::lite().with_interval(Duration::from_millis(50)));
    let (root, handle) = Supervisor::spawn(tree(seed, &guard), None).await?;
    println!(
        "chaos run: seed {seed}, {} ms, {CALLERS} callers\n",
        RUN_FOR.as_millis()
    );

    // Callers call random workers until the run is over.
    let tally = Arc::new(Tally::default());
    let callers: Vec<_> = (0..CALLERS)
        .map(|caller| tokio::spawn(call_until_done(seed + caller as u64, tally.clone())))
        .collect();
    for caller in callers {
        caller.await?;
    }

    let chaos: ChaosStatus = ask("demo.chaos", ChaosMessage::GetStatus).await?;
    let memory: MemoryStatus = ask("demo.memory", MemoryGuardMessage::GetStatus).await?;
    let tools: SupervisorStatus = ask("demo.tools", SupervisorMessage::GetStatus).await?;
    print_actions(&chaos);
    print_tree(&tools, &memory);
    let lost = print_tally(&tally);

    Supervisor::shutdown(&root, Some(Duration::from_secs(5))).await?;
    handle.await?;
    if lost > 0 {
        return Err(format!("{lost} calls were lost").into());
    }
    Ok(())
}

/// The supervision tree of the demo, with the monkey's injectors wired to worker messages.
fn tree(seed: u64, guard: &MemoryGuard) -> SupervisorConfig {
    let mut tools = SupervisorConfig::new("demo.tools")
        .with_intensity(Intensity::new(100, Duration::from_secs(10)));
    for name in WORKERS {
        tools = tools.with_child(ChildSpec::for_actor(
            name,
            RestartType::Permanent,
            Worker,
            || (),
        ));
    }

    let monkey = ChaosConfig::enabled(seed, ["demo.tools"])
        .with_interval(Duration::from_millis(100))
        .with_duration(RUN_FOR)
        .with_weights(ChaosWeights {
            kill: 3,
            panic: 3,
            latency: 1,
            failure: 1,
            memory_spike: 1,
        })
        .with_memory_spike(32, Duration::from_millis(200))
        .with_crash_injector(|victim| send(victim, WorkerMessage::Crash))
        .with_latency_injector(|victim, latency| send(victim, WorkerMessage::Stall(latency)))
        .with_failure_injector(|victim| send(victim, WorkerMessage::FailNext));
    let infra = SupervisorConfig::new("demo.infra")
        .with_child(guard.child_spec("demo.memory"))
        .with_child(monkey.child_spec("demo.chaos"));

    SupervisorConfig::new("demo.root")
        .with_child(ChildSpec::supervisor(infra))
        .with_child(ChildSpec::supervisor(tools))
}

/// What an injector does: cast a message the victim understands.
fn send(victim: &ActorCell, message: WorkerMessage) -> bool {
    let worker: ActorRef<WorkerMessage> = victim.clone().into();
    worker.cast(message).is_ok()
}

/// One caller: calls random workers back to back for the length of the run.
async fn call_until_done(seed: u64, tally: Arc<Tally>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let policy = RetryPolicy {
        deadline: Duration::from_secs(5),
        max_attempts: 20,
        ..RetryPolicy::default()
    };
    let cancel = CancellationToken::new();
    let started = tokio::time::Instant::now();
    while started.elapsed() < RUN_FOR {
        let name = WORKERS[rng.random_range(0..WORKERS.len())];
        tally.calls.fetch_add(1, Ordering::Relaxed);
        match call_named(name, WorkerMessage::Work, &policy, &cancel).await {
            Ok(answer) => {
                tally.answered.fetch_add(1, Ordering::Relaxed);
                if answer.attempts > 1 {
                    tally.retried.fetch_add(1, Ordering::Relaxed);
                }
                if answer.value.is_err() {
                    tally.injected_failures.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(error) => tally
                .lost
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(error.to_string()),
        }
    }
}

/// Asks the actor registered as `name` for its status.
async fn ask<M: Message, R: Send + 'static>(
    name: &str,
    build: fn(RpcReplyPort<R>) -> M,
) -> Result<R, Box<dyn std::error::Error>> {
    let actor: ActorRef<M> = ActorRef::where_is(name).ok_or(format!("{name} is not running"))?;
    match actor.call(build, Some(Duration::from_secs(2))).await? {
        CallResult::Success(status) => Ok(status),
        _ => Err(format!("{name} did not answer").into()),
    }
}

fn print_actions(chaos: &ChaosStatus) {
    println!(
        "action log ({} actions, seed {}):",
        chaos.actions_total, chaos.seed
    );
    for action in &chaos.recent {
        println!(
            "  #{:<3} {:>5} ms  {:<13} {:<12} {}",
            action.seq,
            action.at.as_millis(),
            action.kind.to_string(),
            action.target.as_deref().unwrap_or("-"),
            action.outcome
        );
    }
    let counts = chaos.actions_by_kind;
    println!(
        "  by kind: kill {}, panic {}, latency {}, failure {}, memory spike {}, skipped {}\n",
        counts.kill,
        counts.panic,
        counts.latency,
        counts.failure,
        counts.memory_spike,
        counts.skipped
    );
}

fn print_tree(tools: &SupervisorStatus, memory: &MemoryStatus) {
    println!(
        "{} ({}): {} restart decisions",
        tools.name, tools.strategy, tools.total_restarts
    );
    for child in &tools.children {
        println!(
            "  {:<12} {:?}, restarted {} times, last exit: {}",
            child.name,
            child.state,
            child.restart_count,
            child
                .last_exit
                .as_ref()
                .map_or_else(|| "none".to_string(), ToString::to_string)
        );
    }
    println!(
        "memory: level {:?}, peak {} MiB resident\n",
        memory.level,
        memory.peak_rss_bytes / (1024 * 1024)
    );
}

/// Prints the call tally and returns how many calls were lost.
fn print_tally(tally: &Tally) -> usize {
    let lost = tally.lost.lock().unwrap_or_else(PoisonError::into_inner);
    let calls = tally.calls.load(Ordering::Relaxed);
    let answered = tally.answered.load(Ordering::Relaxed);
    println!(
        "calls: {calls} made, {answered} answered ({} after a retry, {} with an injected \
         failure), {} lost",
        tally.retried.load(Ordering::Relaxed),
        tally.injected_failures.load(Ordering::Relaxed),
        lost.len()
    );
    for error in lost.iter() {
        println!("  lost: {error}");
    }
    if lost.is_empty() && calls == answered {
        println!("every call was answered");
    }
    lost.len()
}
