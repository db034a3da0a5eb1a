//! End to end: a chaos monkey's memory spike raises the memory guard's level, and freeing it
//! lowers the level again, measured on this process's real resident memory.
//!
//! A test binary of its own, because the resident memory it measures must not move with other
//! tests (a panic with `RUST_BACKTRACE` set, for one, loads debug info worth tens of MiB).

use std::time::Duration;

use music_mcp_actors::memory_guard::resident_memory;
use music_mcp_actors::{
    ChaosConfig, ChaosMessage, ChaosMonkeyActor, ChaosWeights, MemoryGuard, MemoryGuardConfig,
    MemoryLevel, Supervisor, SupervisorConfig,
};
use ractor::Actor;
use ractor::rpc::CallResult;

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn a_memory_spike_raises_the_memory_guards_level_and_it_falls_back() {
    let baseline = resident_memory().expect("rss readable");
    let guard = MemoryGuard::new(
        MemoryGuardConfig::default()
            .with_limits(baseline + 48 * MIB, baseline + 4_096 * MIB)
            .with_interval(Duration::from_millis(10)),
    );
    let config = SupervisorConfig::new("spike.sup").with_child(guard.child_spec("spike.guard"));
    let (supervisor, handle) = Supervisor::spawn(config, None).await.expect("spawn");
    let mut levels = guard.subscribe();

    let spike_only = ChaosWeights {
        kill: 0,
        panic: 0,
        latency: 0,
        failure: 0,
        memory_spike: 1,
    };
    let monkey = ChaosConfig::enabled(5, Vec::<String>::new())
        .with_interval(Duration::from_millis(10))
        .with_weights(spike_only)
        .with_memory_spike(128, Duration::from_millis(400))
        .with_max_actions(1);
    let (monkey, monkey_handle) = Actor::spawn(None, ChaosMonkeyActor, monkey)
        .await
        .expect("monkey spawns");

    let rose = tokio::time::timeout(
        Duration::from_secs(2),
        levels.wait_for(|level| *level >= MemoryLevel::Soft),
    )
    .await
    .is_ok_and(|changed| changed.is_ok());
    assert!(rose, "the guard never saw the spike");

    let fell = tokio::time::timeout(
        Duration::from_secs(3),
        levels.wait_for(|level| *level == MemoryLevel::Normal),
    )
    .await
    .is_ok_and(|changed| changed.is_ok());
    let now = resident_memory().unwrap_or_default() / MIB;
    assert!(
        fell,
        "the level did not fall after the spike was freed: baseline {} MiB, now {now} MiB",
        baseline / MIB
    );

    let chaos = match monkey
        .call(ChaosMessage::GetStatus, Some(Duration::from_secs(1)))
        .await
    {
        Ok(CallResult::Success(status)) => status,
        other => panic!("no chaos status: {other:?}"),
    };
    assert_eq!(chaos.actions_by_kind.memory_spike, 1);
    monkey.stop(None);
    monkey_handle.await.expect("monkey stopped");
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
    handle.await.expect("join");
}
