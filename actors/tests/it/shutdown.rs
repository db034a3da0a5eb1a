//! Graceful shutdown: children stop last-to-first, and a child that will not stop is killed.

use std::time::Duration;

use music_mcp_actors::{RestartType, Supervisor, SupervisorConfig};

use crate::support::{EventLog, WorkerMessage, id_of, unique, worker, worker_ref};

#[tokio::test]
async fn children_stop_in_reverse_start_order_on_shutdown() {
    let log = EventLog::default();
    let names = [unique("order-a"), unique("order-b"), unique("order-c")];
    let mut config = SupervisorConfig::new(unique("order-sup"));
    for name in &names {
        config = config.with_child(worker(name, RestartType::Permanent, &log));
    }
    let (supervisor, handle) = Supervisor::spawn(config, None).await.expect("spawn");

    Supervisor::shutdown(&supervisor, Some(Duration::from_secs(5)))
        .await
        .expect("shutdown");
    handle.await.expect("join");

    let mut reversed = names.to_vec();
    reversed.reverse();
    assert_eq!(log.with_prefix("stop:"), reversed);
    assert!(names.iter().all(|name| id_of(name).is_none()));
}

#[tokio::test]
async fn nested_supervisors_stop_their_children_before_their_parent_finishes() {
    let log = EventLog::default();
    let (outer_worker, inner_worker) = (unique("nested-outer-w"), unique("nested-inner-w"));
    let inner = SupervisorConfig::new(unique("nested-inner-sup")).with_child(worker(
        &inner_worker,
        RestartType::Permanent,
        &log,
    ));
    let config = SupervisorConfig::new(unique("nested-outer-sup"))
        .with_child(music_mcp_actors::ChildSpec::supervisor(inner))
        .with_child(worker(&outer_worker, RestartType::Permanent, &log));
    let (supervisor, handle) = Supervisor::spawn(config, None).await.expect("spawn");

    Supervisor::shutdown(&supervisor, Some(Duration::from_secs(5)))
        .await
        .expect("shutdown");
    handle.await.expect("join");

    assert_eq!(log.with_prefix("stop:"), vec![outer_worker, inner_worker]);
}

#[tokio::test]
async fn a_child_that_does_not_stop_in_time_is_killed() {
    let log = EventLog::default();
    let name = unique("stubborn");
    let config = SupervisorConfig::new(unique("stubborn-sup"))
        .with_shutdown_timeout(Duration::from_millis(100))
        .with_child(worker(&name, RestartType::Permanent, &log));
    let (supervisor, handle) = Supervisor::spawn(config, None).await.expect("spawn");
    let (reply, _pending) = ractor::concurrency::oneshot();
    worker_ref(&name)
        .cast(WorkerMessage::Slow(Duration::from_secs(30), reply.into()))
        .expect("cast");
    tokio::time::sleep(Duration::from_millis(20)).await;

    let started = tokio::time::Instant::now();
    Supervisor::shutdown(&supervisor, Some(Duration::from_secs(5)))
        .await
        .expect("shutdown");
    handle.await.expect("join");

    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(id_of(&name), None);
    assert!(
        log.with_prefix("stop:").is_empty(),
        "a killed child runs no post_stop"
    );
}
