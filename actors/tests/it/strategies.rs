//! One-for-all and rest-for-one: which siblings are stopped and restarted, and in what order.

use music_mcp_actors::{ChildState, RestartType, Strategy, Supervisor, SupervisorConfig};

use crate::support::{EventLog, id_of, restarts, unique, wait_for, worker, worker_ref};

#[tokio::test]
async fn one_for_all_restarts_every_sibling_in_start_order() {
    let log = EventLog::default();
    let names = [unique("all-a"), unique("all-b"), unique("all-c")];
    let mut config = SupervisorConfig::new(unique("all-sup")).with_strategy(Strategy::OneForAll);
    for name in &names {
        config = config.with_child(worker(name, RestartType::Permanent, &log));
    }
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");
    let before: Vec<_> = names.iter().map(|n| id_of(n)).collect();
    log.clear();

    worker_ref(&names[1]).kill();

    let settled = wait_for(&supervisor, |s| names.iter().all(|n| restarts(s, n) == 1)).await;
    assert_eq!(
        settled.total_restarts, 1,
        "one restart decision for the whole group"
    );
    for (name, old) in names.iter().zip(&before) {
        assert_ne!(&id_of(name), old, "{name} should have a new incarnation");
    }
    // The killed child runs no post_stop; the others stop last-first, then all start in order.
    let expected_stops = vec![names[2].clone(), names[0].clone()];
    assert_eq!(log.with_prefix("stop:"), expected_stops);
    assert_eq!(log.with_prefix("start:"), names.to_vec());
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn rest_for_one_restarts_the_failed_child_and_those_started_after_it() {
    let log = EventLog::default();
    let names = [
        unique("rest-a"),
        unique("rest-b"),
        unique("rest-c"),
        unique("rest-d"),
    ];
    let mut config = SupervisorConfig::new(unique("rest-sup")).with_strategy(Strategy::RestForOne);
    for name in &names {
        config = config.with_child(worker(name, RestartType::Permanent, &log));
    }
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");
    let first_a = id_of(&names[0]);
    log.clear();

    worker_ref(&names[1]).kill();

    let settled = wait_for(&supervisor, |s| {
        names[1..].iter().all(|n| restarts(s, n) == 1)
    })
    .await;
    assert_eq!(restarts(&settled, &names[0]), 0);
    assert_eq!(
        id_of(&names[0]),
        first_a,
        "the earlier sibling keeps running"
    );
    assert_eq!(
        log.with_prefix("stop:"),
        vec![names[3].clone(), names[2].clone()]
    );
    assert_eq!(log.with_prefix("start:"), names[1..].to_vec());
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn one_for_all_leaves_temporary_and_stopped_siblings_alone() {
    let log = EventLog::default();
    let temporary = unique("all-temporary");
    let finished = unique("all-finished");
    let failing = unique("all-failing");
    let config = SupervisorConfig::new(unique("all-mixed-sup"))
        .with_strategy(Strategy::OneForAll)
        .with_child(worker(&temporary, RestartType::Temporary, &log))
        .with_child(worker(&finished, RestartType::Transient, &log))
        .with_child(worker(&failing, RestartType::Permanent, &log));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");
    worker_ref(&finished)
        .cast(crate::support::WorkerMessage::StopWith("normal".into()))
        .expect("cast");
    wait_for(&supervisor, |s| {
        s.child(&finished)
            .is_some_and(|c| c.state == ChildState::Stopped)
    })
    .await;

    worker_ref(&failing).kill();

    let settled = wait_for(&supervisor, |s| restarts(s, &failing) == 1).await;
    assert_eq!(
        settled.child(&temporary).map(|c| c.state),
        Some(ChildState::Stopped)
    );
    assert_eq!(
        settled.child(&finished).map(|c| c.state),
        Some(ChildState::Stopped)
    );
    assert_eq!(restarts(&settled, &temporary), 0);
    assert_eq!(id_of(&temporary), None);
    assert_eq!(id_of(&finished), None);
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}
