//! Restart intensity and escalation through a tree of supervisors.

use std::time::Duration;

use music_mcp_actors::{
    Backoff, ChildSpec, ChildState, ExitReason, Intensity, RestartAction, RestartType, Supervisor,
    SupervisorConfig, SupervisorMessage,
};
use ractor::ActorRef;

use crate::support::{
    EventLog, EventRecorder, id_of, restarts, status, unique, wait_for, worker, worker_ref,
};

fn fast_backoff() -> Backoff {
    Backoff::new(Duration::from_millis(1), Duration::from_millis(5))
}

#[tokio::test]
async fn exceeding_intensity_fails_the_supervisor_and_escalates_to_its_parent() {
    let log = EventLog::default();
    let recorder = EventRecorder::default();
    let leaf = unique("escalate-leaf");
    let inner_name = unique("escalate-inner");
    let inner = SupervisorConfig::new(&inner_name)
        .with_intensity(Intensity::new(2, Duration::from_secs(10)))
        .with_backoff(fast_backoff())
        .with_observer(recorder.observer())
        .with_child(worker(&leaf, RestartType::Permanent, &log));
    let config =
        SupervisorConfig::new(unique("escalate-root")).with_child(ChildSpec::supervisor(inner));
    let (root, _) = Supervisor::spawn(config, None).await.expect("spawn");
    let first_inner = id_of(&inner_name).expect("inner registered");
    let inner_ref: ActorRef<SupervisorMessage> = ActorRef::where_is(&inner_name).expect("inner");

    // Two restarts are within the limit.
    for expected in 1..=2 {
        worker_ref(&leaf).kill();
        wait_for(&inner_ref, |s| restarts(s, &leaf) == expected).await;
    }
    // The third exceeds it: the inner supervisor fails and the root restarts it.
    worker_ref(&leaf).kill();

    let settled = wait_for(&root, |s| restarts(s, &inner_name) == 1).await;
    let inner_status = settled.child(&inner_name).expect("inner child");
    assert!(
        matches!(&inner_status.last_exit, Some(ExitReason::Failed(text))
            if text.contains("restart intensity exceeded")),
        "{:?}",
        inner_status.last_exit
    );
    assert_ne!(id_of(&inner_name), Some(first_inner));
    let actions: Vec<_> = recorder.events().into_iter().map(|e| e.action).collect();
    assert_eq!(actions.last(), Some(&RestartAction::GiveUp));
    assert_eq!(actions.len(), 3);
    // The restarted inner supervisor brought a fresh leaf with a clean count.
    let fresh_inner: ActorRef<SupervisorMessage> = ActorRef::where_is(&inner_name).expect("inner");
    let fresh = status(&fresh_inner).await;
    assert_eq!(restarts(&fresh, &leaf), 0);
    assert_eq!(
        fresh.child(&leaf).map(|c| c.state),
        Some(ChildState::Running)
    );
    Supervisor::shutdown(&root, None).await.expect("shutdown");
}

#[tokio::test]
async fn failing_root_supervisor_ends_with_its_children_killed() {
    let log = EventLog::default();
    let leaf = unique("root-fail-leaf");
    let other = unique("root-fail-other");
    let config = SupervisorConfig::new(unique("root-fail"))
        .with_intensity(Intensity::new(0, Duration::from_secs(10)))
        .with_child(worker(&leaf, RestartType::Permanent, &log))
        .with_child(worker(&other, RestartType::Permanent, &log));
    let (root, handle) = Supervisor::spawn(config, None).await.expect("spawn");

    worker_ref(&leaf).kill();
    tokio::time::timeout(Duration::from_secs(3), handle)
        .await
        .expect("root should stop")
        .expect("join");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while id_of(&other).is_some() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(id_of(&other), None, "the sibling dies with its supervisor");
    assert_eq!(root.get_status(), ractor::ActorStatus::Stopped);
}

#[tokio::test]
async fn killed_nested_supervisor_comes_back_with_its_children() {
    let log = EventLog::default();
    let leaf = unique("nested-kill-leaf");
    let inner_name = unique("nested-kill-inner");
    let inner =
        SupervisorConfig::new(&inner_name).with_child(worker(&leaf, RestartType::Permanent, &log));
    let config =
        SupervisorConfig::new(unique("nested-kill-root")).with_child(ChildSpec::supervisor(inner));
    let (root, _) = Supervisor::spawn(config, None).await.expect("spawn");
    let first_leaf = id_of(&leaf).expect("leaf");

    ractor::registry::where_is(&inner_name)
        .expect("inner")
        .kill();

    wait_for(&root, |s| restarts(s, &inner_name) == 1).await;
    let second_leaf = id_of(&leaf).expect("leaf is back");
    assert_ne!(first_leaf, second_leaf);
    Supervisor::shutdown(&root, None).await.expect("shutdown");
}

#[tokio::test]
async fn status_includes_nested_supervisors() {
    let log = EventLog::default();
    let leaf = unique("nested-status-leaf");
    let inner_name = unique("nested-status-inner");
    let inner =
        SupervisorConfig::new(&inner_name).with_child(worker(&leaf, RestartType::Transient, &log));
    let config = SupervisorConfig::new(unique("nested-status-root"))
        .with_child(ChildSpec::supervisor(inner));
    let (root, _) = Supervisor::spawn(config, None).await.expect("spawn");

    let snapshot = status(&root).await;

    let nested = snapshot
        .child(&inner_name)
        .and_then(|c| c.supervisor.as_deref())
        .expect("nested status");
    assert_eq!(nested.name, inner_name);
    assert_eq!(
        nested.child(&leaf).map(|c| c.restart),
        Some(RestartType::Transient)
    );
    Supervisor::shutdown(&root, None).await.expect("shutdown");
}
