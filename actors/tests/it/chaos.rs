//! The chaos monkey against real supervision trees: victims, injectors, seeds and spikes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use music_mcp_actors::chaos::ChaosOutcome;
use music_mcp_actors::{
    Backoff, ChaosActionKind, ChaosConfig, ChaosMessage, ChaosStatus, ChaosWeights, ChildSpec,
    Intensity, RestartType, Supervisor, SupervisorConfig, SupervisorMessage,
};
use ractor::rpc::CallResult;
use ractor::{ActorCell, ActorRef};

use crate::support::{EventLog, WorkerMessage, status, unique, wait_for, worker};

const KILLS_AND_PANICS: ChaosWeights = ChaosWeights {
    kill: 1,
    panic: 1,
    latency: 0,
    failure: 0,
    memory_spike: 0,
};

/// Makes a test worker panic by message, as a server's crash injector would.
fn panic_by_message(cell: &ActorCell) -> bool {
    let worker: ActorRef<WorkerMessage> = cell.clone().into();
    worker.cast(WorkerMessage::Panic).is_ok()
}

/// A supervisor with three workers and, last, a nested supervisor with one worker.
fn tree(prefix: &str, log: &EventLog) -> (SupervisorConfig, Vec<String>, String) {
    let workers: Vec<String> = (0..3).map(|i| unique(&format!("{prefix}-w{i}"))).collect();
    let nested_name = unique(&format!("{prefix}-nested"));
    let nested = SupervisorConfig::new(&nested_name).with_child(worker(
        &unique(&format!("{prefix}-deep")),
        RestartType::Permanent,
        log,
    ));
    let mut config = SupervisorConfig::new(unique(&format!("{prefix}-sup")))
        .with_intensity(Intensity::new(1_000, Duration::from_secs(10)))
        .with_backoff(Backoff::new(Duration::ZERO, Duration::ZERO));
    for name in &workers {
        config = config.with_child(worker(name, RestartType::Permanent, log));
    }
    (
        config.with_child(ChildSpec::supervisor(nested)),
        workers,
        nested_name,
    )
}

async fn chaos_status(monkey: &ActorRef<ChaosMessage>) -> ChaosStatus {
    match monkey
        .call(ChaosMessage::GetStatus, Some(Duration::from_secs(2)))
        .await
    {
        Ok(CallResult::Success(status)) => status,
        other => panic!("no chaos status: {other:?}"),
    }
}

/// Runs a monkey with `config` until it finishes, and returns its status.
async fn run_to_the_end(config: ChaosConfig) -> ChaosStatus {
    let (monkey, handle) = ractor::Actor::spawn(None, music_mcp_actors::ChaosMonkeyActor, config)
        .await
        .expect("monkey spawns");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let status = loop {
        let current = chaos_status(&monkey).await;
        if !current.running || tokio::time::Instant::now() > deadline {
            break current;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    monkey.stop(None);
    handle.await.expect("monkey stopped");
    status
}

#[tokio::test]
async fn kills_and_panics_hit_workers_only_and_every_one_is_restarted() {
    let log = EventLog::default();
    let (config, workers, nested) = tree("chaos-victims", &log);
    let supervisor_name = config.name.clone();
    let (supervisor, handle) = Supervisor::spawn(config, None).await.expect("spawn");

    let monkey = ChaosConfig::enabled(11, [supervisor_name.as_str()])
        .with_interval(Duration::from_millis(10))
        .with_weights(KILLS_AND_PANICS)
        .with_crash_injector(panic_by_message)
        .with_max_actions(12);
    let chaos = run_to_the_end(monkey).await;

    assert_eq!(chaos.actions_total, 12);
    let counts = chaos.actions_by_kind;
    assert_eq!(counts.kill + counts.panic, 12);
    assert!(counts.kill > 0 && counts.panic > 0, "{counts:?}");
    for action in chaos
        .recent
        .iter()
        .filter(|a| a.outcome == ChaosOutcome::Done)
    {
        let target = action.target.as_deref().unwrap_or_default();
        assert!(
            workers.iter().any(|w| w == target),
            "{target} is not a worker"
        );
        assert_ne!(target, nested, "a supervisor was picked");
    }
    let settled = wait_for(&supervisor, |s| s.total_restarts == 12).await;
    assert!(
        settled
            .children
            .iter()
            .all(|c| c.state == music_mcp_actors::ChildState::Running)
    );

    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
    handle.await.expect("join");
}

#[tokio::test]
async fn without_a_crash_injector_a_panic_becomes_a_kill() {
    let log = EventLog::default();
    let (config, _, _) = tree("chaos-fallback", &log);
    let supervisor_name = config.name.clone();
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");

    let weights = ChaosWeights {
        kill: 0,
        ..KILLS_AND_PANICS
    };
    let monkey = ChaosConfig::enabled(2, [supervisor_name.as_str()])
        .with_interval(Duration::from_millis(10))
        .with_weights(weights)
        .with_max_actions(3);
    let chaos = run_to_the_end(monkey).await;

    assert_eq!(chaos.actions_by_kind.kill, 3);
    assert_eq!(chaos.actions_by_kind.panic, 0);
    assert!(
        chaos
            .recent
            .iter()
            .all(|a| a.kind == ChaosActionKind::Panic && a.outcome == ChaosOutcome::Killed)
    );
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn supervisors_are_picked_only_when_configured() {
    let log = EventLog::default();
    let supervisor_name = unique("chaos-only-sups");
    let nested = SupervisorConfig::new(unique("chaos-only-nested")).with_child(worker(
        &unique("chaos-only-deep"),
        RestartType::Permanent,
        &log,
    ));
    let config = SupervisorConfig::new(&supervisor_name)
        .with_intensity(Intensity::new(100, Duration::from_secs(10)))
        .with_child(ChildSpec::supervisor(nested));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");

    let spared = ChaosConfig::enabled(3, [supervisor_name.as_str()])
        .with_interval(Duration::from_millis(10))
        .with_weights(KILLS_AND_PANICS)
        .with_duration(Duration::from_millis(50));
    let chaos = run_to_the_end(spared).await;
    assert_eq!(chaos.actions_total, 0);
    assert_eq!(status(&supervisor).await.total_restarts, 0);

    let mut hunting = ChaosConfig::enabled(3, [supervisor_name.as_str()])
        .with_interval(Duration::from_millis(10))
        .with_weights(KILLS_AND_PANICS)
        .with_max_actions(1);
    hunting.include_supervisors = true;
    let chaos = run_to_the_end(hunting).await;
    assert_eq!(chaos.actions_total, 1);
    wait_for(&supervisor, |s| s.total_restarts == 1).await;
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn latency_and_failure_go_through_the_servers_injectors() {
    let log = EventLog::default();
    let (config, _, _) = tree("chaos-injectors", &log);
    let supervisor_name = config.name.clone();
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");
    let slowed = Arc::new(AtomicU32::new(0));
    let failed = Arc::new(AtomicU32::new(0));
    let (slowed_in, failed_in) = (slowed.clone(), failed.clone());

    let monkey = ChaosConfig::enabled(4, [supervisor_name.as_str()])
        .with_interval(Duration::from_millis(10))
        .with_weights(ChaosWeights {
            kill: 0,
            panic: 0,
            latency: 1,
            failure: 1,
            memory_spike: 0,
        })
        .with_latency_injector(move |_, latency| {
            assert_eq!(latency, Duration::from_millis(200));
            slowed_in.fetch_add(1, Ordering::SeqCst);
            true
        })
        .with_failure_injector(move |_| {
            failed_in.fetch_add(1, Ordering::SeqCst);
            true
        })
        .with_max_actions(10);
    let chaos = run_to_the_end(monkey).await;

    let counts = chaos.actions_by_kind;
    assert_eq!(u64::from(slowed.load(Ordering::SeqCst)), counts.latency);
    assert_eq!(u64::from(failed.load(Ordering::SeqCst)), counts.failure);
    assert_eq!(counts.latency + counts.failure, 10);
    assert_eq!(status(&supervisor).await.total_restarts, 0);
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn the_same_seed_picks_the_same_victims_in_the_same_tree() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let log = EventLog::default();
        let (config, workers, _) = tree("chaos-seed", &log);
        let supervisor_name = config.name.clone();
        let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");
        let monkey = ChaosConfig::enabled(99, [supervisor_name.as_str()])
            .with_interval(Duration::from_millis(40))
            .with_weights(KILLS_AND_PANICS)
            .with_crash_injector(panic_by_message)
            .with_max_actions(8);
        let chaos = run_to_the_end(monkey).await;

        // Names differ between runs; compare victims by their position in the tree.
        let choices: Vec<(ChaosActionKind, Option<usize>)> = chaos
            .recent
            .iter()
            .map(|a| {
                let position = workers
                    .iter()
                    .position(|w| Some(w.as_str()) == a.target.as_deref());
                (a.kind, position)
            })
            .collect();
        runs.push(choices);
        Supervisor::shutdown(&supervisor, None)
            .await
            .expect("shutdown");
    }
    assert_eq!(runs[0].len(), 8);
    assert_eq!(runs[0], runs[1]);
}

#[tokio::test]
async fn the_monkey_never_picks_itself() {
    let log = EventLog::default();
    let supervisor_name = unique("chaos-self-sup");
    let monkey_name = unique("chaos-self-monkey");
    let monkey = ChaosConfig::enabled(6, [supervisor_name.as_str()])
        .with_interval(Duration::from_millis(10))
        .with_weights(KILLS_AND_PANICS)
        .with_max_actions(5);
    let config = SupervisorConfig::new(&supervisor_name)
        .with_intensity(Intensity::new(100, Duration::from_secs(10)))
        .with_child(monkey.child_spec(&monkey_name))
        .with_child(worker(
            &unique("chaos-self-w"),
            RestartType::Permanent,
            &log,
        ));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");

    let monkey: ActorRef<ChaosMessage> = ActorRef::where_is(&monkey_name).expect("monkey");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while chaos_status(&monkey).await.running {
        assert!(
            tokio::time::Instant::now() < deadline,
            "monkey never finished"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let chaos = chaos_status(&monkey).await;
    assert!(
        chaos
            .recent
            .iter()
            .all(|a| a.target.as_deref() != Some(monkey_name.as_str()))
    );
    let supervisor_ref: ActorRef<SupervisorMessage> = supervisor.clone();
    let settled = wait_for(&supervisor_ref, |s| s.total_restarts == 5).await;
    assert_eq!(
        settled.child(&monkey_name).map(|c| c.restart_count),
        Some(0)
    );
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn calls_during_a_chaos_run_are_all_answered_by_the_right_worker() {
    let log = EventLog::default();
    let (config, workers, _) = tree("chaos-calls", &log);
    let supervisor_name = config.name.clone();
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");
    let monkey = ChaosConfig::enabled(21, [supervisor_name.as_str()])
        .with_interval(Duration::from_millis(10))
        .with_weights(KILLS_AND_PANICS)
        .with_crash_injector(panic_by_message)
        .with_duration(Duration::from_millis(300));
    let (monkey, monkey_handle) =
        ractor::Actor::spawn(None, music_mcp_actors::ChaosMonkeyActor, monkey)
            .await
            .expect("monkey spawns");

    // Callers keep three workers busy with slow requests while the monkey strikes.
    let calls: Vec<_> = (0..60)
        .map(|i| {
            let name = workers[i % workers.len()].clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(5 * i as u64)).await;
                let policy = music_mcp_actors::RetryPolicy {
                    deadline: Duration::from_secs(5),
                    max_attempts: 50,
                    ..music_mcp_actors::RetryPolicy::default()
                };
                let cancel = tokio_util::sync::CancellationToken::new();
                let build = |reply| WorkerMessage::Name(Duration::from_millis(3), reply);
                let answer = music_mcp_actors::call_named(&name, build, &policy, &cancel).await;
                (name, answer)
            })
        })
        .collect();
    for call in calls {
        let (name, answer) = call.await.expect("caller task");
        let answer = answer.unwrap_or_else(|e| panic!("call to {name} lost: {e}"));
        assert_eq!(answer.value, name);
    }

    let chaos = chaos_status(&monkey).await;
    assert!(chaos.actions_total > 0, "the monkey did nothing");
    monkey.stop(None);
    monkey_handle.await.expect("monkey stopped");
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}
