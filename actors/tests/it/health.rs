//! Introspection of a live tree: the health report the server renders for `/health/detailed`.

use std::time::Duration;

use music_mcp_actors::introspect::{self, ChildNode};
use music_mcp_actors::{
    BreakerConfig, BreakerRegistry, ChaosConfig, ChildSpec, ChildState, Health, HealthSources,
    MemoryGuard, MemoryGuardConfig, RateLimitConfig, RateLimiter, RestartType, Supervisor,
    SupervisorConfig,
};

use crate::support::{EventLog, restarts, unique, wait_for, worker, worker_ref};

#[tokio::test]
async fn the_report_covers_tree_breakers_limits_memory_and_chaos() {
    let log = EventLog::default();
    let (tool, guard_name, limiter_name, chaos_name) = (
        unique("health-tool"),
        unique("health-guard"),
        unique("health-limiter"),
        unique("health-chaos"),
    );
    let guard = MemoryGuard::new(MemoryGuardConfig::default().with_sampler(|| Some(1 << 20)));
    let limiter = RateLimiter::new(RateLimitConfig::default());
    let infra = SupervisorConfig::new(unique("health-infra"))
        .with_child(guard.child_spec(&guard_name))
        .with_child(limiter.child_spec(&limiter_name))
        .with_child(ChaosConfig::default().child_spec(&chaos_name));
    let tools_name = unique("health-tools");
    let tools =
        SupervisorConfig::new(&tools_name).with_child(worker(&tool, RestartType::Permanent, &log));
    let root_name = unique("health-root");
    let root = SupervisorConfig::new(&root_name)
        .with_child(ChildSpec::supervisor(infra))
        .with_child(ChildSpec::supervisor(tools.clone()));
    let (root_ref, handle) = Supervisor::spawn(root, None).await.expect("spawn");

    // Give the tree some history: a restart, an open breaker, a limited call.
    let tools_ref = ractor::ActorRef::where_is(&tools_name).expect("tools supervisor");
    worker_ref(&tool).kill();
    wait_for(&tools_ref, |s| restarts(s, &tool) == 1).await;
    let breakers = BreakerRegistry::new(BreakerConfig::default());
    for _ in 0..5 {
        breakers.try_acquire(&tool).expect("closed").failure();
    }
    limiter
        .try_acquire(&tool, Some("session-1"))
        .expect("token");

    let sources = HealthSources {
        root_supervisor: Some(&root_name),
        breakers: Some(&breakers),
        rate_limiter: Some(&limiter),
        memory_guard: Some(&guard_name),
        chaos_monkey: Some(&chaos_name),
        timeout: Duration::from_secs(2),
    };
    let report = introspect::collect(sources).await;

    assert_eq!(report.health, Health::Degraded);
    assert_eq!(report.problems, [format!("circuit breaker {tool} is open")]);
    let tree = report.tree.as_ref().expect("tree");
    let child: &ChildNode = tree.find_child(&tool).expect("tool in the tree");
    assert_eq!(child.state, ChildState::Running);
    assert_eq!(child.restart_count, 1);
    assert_eq!(child.last_exit.as_deref(), Some("killed"));
    assert!(
        child
            .last_exit_ago
            .is_some_and(|ago| ago < Duration::from_secs(3))
    );
    assert!(report.memory.is_some());
    assert_eq!(report.chaos.as_ref().map(|c| c.enabled), Some(false));
    let limits = report.rate_limits.as_ref().expect("limits");
    assert_eq!((limits.admitted, limits.session_count), (1, 1));

    let json = serde_json::to_value(&report).expect("serialisable");
    assert_eq!(json["health"], "degraded");
    assert_eq!(json["breakers"][0]["state"], "open");
    assert_eq!(json["memory"]["level"], "normal");
    assert!(json["tree"]["children"][1]["supervisor"]["children"][0]["last_exit_ago_ms"].is_u64());

    Supervisor::shutdown(&root_ref, None)
        .await
        .expect("shutdown");
    handle.await.expect("join");
}

#[tokio::test]
async fn a_missing_root_makes_the_report_unhealthy() {
    let missing = unique("health-missing");
    let report = introspect::collect(HealthSources {
        root_supervisor: Some(&missing),
        ..HealthSources::default()
    })
    .await;
    assert_eq!(report.health, Health::Unhealthy);
    assert!(report.tree.is_none());
}
