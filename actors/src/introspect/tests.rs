//! Health verdicts and the serialised shape of the report.

use std::time::Duration;

use super::*;
use crate::breaker::{BreakerConfig, CircuitBreaker};
use crate::memory_guard::MemoryGuardConfig;
use crate::supervisor::Intensity;

fn child(name: &str, restart: RestartType, state: ChildState) -> ChildNode {
    ChildNode {
        name: name.to_string(),
        restart,
        state,
        restart_count: 0,
        last_exit: None,
        last_exit_ago: None,
        last_recovery_us: None,
        actor_id: None,
        supervisor: None,
    }
}

fn tree(children: Vec<ChildNode>) -> SupervisorNode {
    SupervisorNode {
        name: "root".to_string(),
        strategy: Strategy::OneForOne,
        max_restarts: Intensity::default().max_restarts,
        period: Intensity::default().period,
        restarts_in_window: 0,
        total_restarts: 0,
        children,
    }
}

fn memory(level: MemoryLevel) -> MemoryStatus {
    MemoryStatus {
        level,
        rss_bytes: Some(3 * 1024 * 1024 * 1024),
        peak_rss_bytes: 0,
        thresholds: MemoryGuardConfig::default().thresholds(),
        samples: 1,
        failed_samples: 0,
        level_changes: 0,
        level_for: Duration::ZERO,
    }
}

#[test]
fn a_running_tree_with_nothing_wrong_is_healthy() {
    let running = tree(vec![child(
        "a",
        RestartType::Permanent,
        ChildState::Running,
    )]);
    let report = RuntimeHealth::assess(Some(running), Vec::new(), None, None, None);
    assert_eq!(report.health, Health::Healthy);
    assert!(report.problems.is_empty());
}

#[test]
fn a_missing_tree_is_unhealthy() {
    let report = RuntimeHealth::assess(None, Vec::new(), None, None, None);
    assert_eq!(report.health, Health::Unhealthy);
    assert_eq!(report.problems, ["supervision tree did not answer"]);
}

#[test]
fn restarting_children_and_stopped_permanent_ones_degrade_but_stopped_temporary_do_not() {
    let mut nested = tree(vec![child(
        "deep",
        RestartType::Permanent,
        ChildState::Stopped,
    )]);
    nested.name = "inner".to_string();
    let mut inner = child("inner", RestartType::Permanent, ChildState::Running);
    inner.supervisor = Some(Box::new(nested));
    let root = tree(vec![
        child("a", RestartType::Permanent, ChildState::Restarting),
        child("chaos", RestartType::Temporary, ChildState::Stopped),
        inner,
    ]);

    let report = RuntimeHealth::assess(Some(root), Vec::new(), None, None, None);
    assert_eq!(report.health, Health::Degraded);
    assert_eq!(
        report.problems,
        ["a is restarting under root", "deep is stopped under inner"]
    );
    let tree = report.tree.as_ref().expect("tree kept");
    assert_eq!(
        tree.find_child("deep").map(|c| c.state),
        Some(ChildState::Stopped)
    );
}

#[tokio::test(start_paused = true)]
async fn an_open_breaker_degrades_and_hard_memory_makes_it_unhealthy() {
    let breaker = CircuitBreaker::new("analyze", BreakerConfig::default());
    for _ in 0..5 {
        breaker.try_acquire().expect("closed").failure();
    }
    let running = tree(Vec::new());

    let report = RuntimeHealth::assess(
        Some(running.clone()),
        vec![breaker.snapshot()],
        None,
        Some(memory(MemoryLevel::Critical)),
        None,
    );
    assert_eq!(report.health, Health::Degraded);
    assert_eq!(
        report.problems,
        [
            "circuit breaker analyze is open",
            "memory at critical level (3072 MiB resident)"
        ]
    );

    let report = RuntimeHealth::assess(
        Some(running),
        Vec::new(),
        None,
        Some(memory(MemoryLevel::Hard)),
        None,
    );
    assert_eq!(report.health, Health::Unhealthy);
}

#[test]
fn the_report_serialises_with_snake_case_enums_and_milliseconds() {
    let mut failed = child("a", RestartType::Transient, ChildState::Running);
    failed.last_exit = Some("killed".to_string());
    failed.last_exit_ago = Some(Duration::from_millis(2_500));
    let report = RuntimeHealth::assess(Some(tree(vec![failed])), Vec::new(), None, None, None);

    let json = serde_json::to_value(&report).expect("serialisable");
    assert_eq!(json["health"], "healthy");
    assert_eq!(json["tree"]["strategy"], "one_for_one");
    assert_eq!(json["tree"]["period_ms"], 10_000);
    let child = &json["tree"]["children"][0];
    assert_eq!(child["restart"], "transient");
    assert_eq!(child["state"], "running");
    assert_eq!(child["last_exit"], "killed");
    assert_eq!(child["last_exit_ago_ms"], 2_500);
}
