//! One-for-one restarts: restart types, the three ways a child dies, backoff and start failures.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use music_mcp_actors::{
    Backoff, ChildSpec, ChildState, ExitReason, RestartAction, RestartType, Supervisor,
    SupervisorConfig,
};
use ractor::{Actor, SpawnErr};

use crate::support::{
    EventLog, EventRecorder, TestWorker, WorkerMessage, id_of, restarts, status, unique, wait_for,
    worker, worker_ref,
};

#[tokio::test]
async fn child_names_resolve_as_soon_as_spawn_returns() {
    let log = EventLog::default();
    let (a, b) = (unique("resolve-a"), unique("resolve-b"));
    let config = SupervisorConfig::new(unique("resolve-sup"))
        .with_child(worker(&a, RestartType::Permanent, &log))
        .with_child(worker(&b, RestartType::Permanent, &log));

    let (supervisor, handle) = Supervisor::spawn(config, None).await.expect("spawn");

    assert!(id_of(&a).is_some() && id_of(&b).is_some());
    assert_eq!(log.with_prefix("start:"), vec![a, b]);
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
    handle.await.expect("join");
}

#[tokio::test]
async fn killed_permanent_child_is_restarted_under_its_name_with_a_new_id() {
    let log = EventLog::default();
    let name = unique("kill-permanent");
    let config = SupervisorConfig::new(unique("kill-permanent-sup")).with_child(worker(
        &name,
        RestartType::Permanent,
        &log,
    ));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");
    let first = id_of(&name).expect("child registered");

    worker_ref(&name).kill();

    let settled = wait_for(&supervisor, |s| restarts(s, &name) == 1).await;
    let child = settled.child(&name).expect("child");
    assert_eq!(child.state, ChildState::Running);
    assert_eq!(child.last_exit, Some(ExitReason::Killed));
    let recovery = child
        .last_recovery
        .expect("the restart's duration is recorded");
    assert!(recovery < Duration::from_secs(1), "{recovery:?}");
    let second = id_of(&name).expect("child registered again");
    assert_ne!(first, second);
    assert_eq!(child.actor_id, Some(second));
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn killed_child_is_back_within_milliseconds() {
    let log = EventLog::default();
    let name = unique("fast-restart");
    let config = SupervisorConfig::new(unique("fast-restart-sup")).with_child(worker(
        &name,
        RestartType::Permanent,
        &log,
    ));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");
    let first = id_of(&name).expect("child registered");

    let killed_at = tokio::time::Instant::now();
    worker_ref(&name).kill_and_wait(None).await.expect("kill");
    loop {
        if id_of(&name).is_some_and(|id| id != first) {
            break;
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }

    let elapsed = killed_at.elapsed();
    assert!(
        elapsed < Duration::from_millis(200),
        "restart took {elapsed:?}"
    );
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn panicking_handler_gets_the_child_restarted() {
    let log = EventLog::default();
    let name = unique("panic-permanent");
    let config = SupervisorConfig::new(unique("panic-permanent-sup")).with_child(worker(
        &name,
        RestartType::Permanent,
        &log,
    ));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");
    let first = id_of(&name).expect("child registered");

    worker_ref(&name).cast(WorkerMessage::Panic).expect("cast");

    let settled = wait_for(&supervisor, |s| restarts(s, &name) == 1).await;
    let last_exit = settled.child(&name).and_then(|c| c.last_exit.clone());
    let panicked = matches!(&last_exit, Some(ExitReason::Failed(t)) if t.contains("on purpose"));
    assert!(panicked, "unexpected exit {last_exit:?}");
    assert_ne!(id_of(&name), Some(first));
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn error_from_handler_gets_the_child_restarted() {
    let log = EventLog::default();
    let name = unique("error-permanent");
    let config = SupervisorConfig::new(unique("error-permanent-sup")).with_child(worker(
        &name,
        RestartType::Permanent,
        &log,
    ));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");
    let first = id_of(&name).expect("child registered");

    worker_ref(&name).cast(WorkerMessage::Fail).expect("cast");

    let settled = wait_for(&supervisor, |s| restarts(s, &name) == 1).await;
    let last_exit = settled.child(&name).and_then(|c| c.last_exit.clone());
    assert!(
        matches!(&last_exit, Some(ExitReason::Failed(text)) if text.contains("failed on purpose")),
        "unexpected exit {last_exit:?}"
    );
    assert_ne!(id_of(&name), Some(first));
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn permanent_child_is_restarted_even_after_a_normal_stop() {
    let log = EventLog::default();
    let name = unique("normal-permanent");
    let config = SupervisorConfig::new(unique("normal-permanent-sup")).with_child(worker(
        &name,
        RestartType::Permanent,
        &log,
    ));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");

    worker_ref(&name)
        .cast(WorkerMessage::StopWith("normal".into()))
        .expect("cast");

    let settled = wait_for(&supervisor, |s| restarts(s, &name) == 1).await;
    assert_eq!(
        settled.child(&name).map(|c| c.state),
        Some(ChildState::Running)
    );
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn transient_child_stopped_normally_stays_stopped() {
    let log = EventLog::default();
    let name = unique("transient-normal");
    let config = SupervisorConfig::new(unique("transient-normal-sup")).with_child(worker(
        &name,
        RestartType::Transient,
        &log,
    ));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");

    worker_ref(&name)
        .cast(WorkerMessage::StopWith("normal".into()))
        .expect("cast");

    let settled = wait_for(&supervisor, |s| {
        s.child(&name)
            .is_some_and(|c| c.state == ChildState::Stopped)
    })
    .await;
    assert_eq!(restarts(&settled, &name), 0);
    assert_eq!(settled.total_restarts, 0);
    assert_eq!(id_of(&name), None);
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn transient_child_is_restarted_after_a_kill_or_an_odd_stop_reason() {
    let log = EventLog::default();
    let name = unique("transient-kill");
    let config = SupervisorConfig::new(unique("transient-kill-sup")).with_child(worker(
        &name,
        RestartType::Transient,
        &log,
    ));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");

    worker_ref(&name).kill();
    wait_for(&supervisor, |s| restarts(s, &name) == 1).await;
    worker_ref(&name)
        .cast(WorkerMessage::StopWith("disk full".into()))
        .expect("cast");

    let settled = wait_for(&supervisor, |s| restarts(s, &name) == 2).await;
    let child = settled.child(&name).expect("child");
    assert_eq!(child.state, ChildState::Running);
    assert_eq!(
        child.last_exit,
        Some(ExitReason::Stopped("disk full".into()))
    );
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn temporary_child_is_never_restarted() {
    let log = EventLog::default();
    let name = unique("temporary");
    let config = SupervisorConfig::new(unique("temporary-sup")).with_child(worker(
        &name,
        RestartType::Temporary,
        &log,
    ));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");

    worker_ref(&name).kill();

    let settled = wait_for(&supervisor, |s| {
        s.child(&name)
            .is_some_and(|c| c.state == ChildState::Stopped)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(id_of(&name), None);
    assert_eq!(restarts(&settled, &name), 0);
    assert_eq!(settled.total_restarts, 0);
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn repeated_restarts_of_one_child_back_off() {
    let log = EventLog::default();
    let name = unique("backoff");
    let backoff = Backoff::new(Duration::from_millis(150), Duration::from_secs(1));
    let config = SupervisorConfig::new(unique("backoff-sup"))
        .with_backoff(backoff)
        .with_child(worker(&name, RestartType::Permanent, &log));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");

    worker_ref(&name).kill();
    wait_for(&supervisor, |s| restarts(s, &name) == 1).await;
    let second_kill = tokio::time::Instant::now();
    worker_ref(&name).kill();

    let pending = wait_for(&supervisor, |s| {
        s.child(&name)
            .is_some_and(|c| c.state == ChildState::Restarting)
    })
    .await;
    assert_eq!(restarts(&pending, &name), 1);
    wait_for(&supervisor, |s| restarts(s, &name) == 2).await;
    let elapsed = second_kill.elapsed();
    assert!(
        elapsed >= Duration::from_millis(150),
        "second restart after only {elapsed:?}"
    );
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn observer_sees_one_event_per_restart() {
    let log = EventLog::default();
    let recorder = EventRecorder::default();
    let name = unique("observed");
    let supervisor_name = unique("observed-sup");
    let config = SupervisorConfig::new(&supervisor_name)
        .with_observer(recorder.observer())
        .with_child(worker(&name, RestartType::Permanent, &log));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");

    worker_ref(&name).kill();
    wait_for(&supervisor, |s| restarts(s, &name) == 1).await;

    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].supervisor, supervisor_name);
    assert_eq!(events[0].child, name);
    assert_eq!(events[0].reason, ExitReason::Killed);
    assert_eq!(
        events[0].action,
        RestartAction::Restart {
            delay: Duration::ZERO,
            children: vec![name.clone()]
        }
    );
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn duplicate_child_names_are_rejected_at_spawn() {
    let log = EventLog::default();
    let name = unique("duplicate");
    let config = SupervisorConfig::new(unique("duplicate-sup"))
        .with_child(worker(&name, RestartType::Permanent, &log))
        .with_child(worker(&name, RestartType::Permanent, &log));

    let result = Supervisor::spawn(config, None).await;

    let error = result.expect_err("spawn should fail").to_string();
    assert!(error.contains("two children named"), "{error}");
    assert!(log.entries().is_empty());
}

#[tokio::test]
async fn failed_child_start_aborts_the_supervisor_and_stops_earlier_children() {
    let log = EventLog::default();
    let (a, broken) = (unique("abort-a"), unique("abort-broken"));
    let failing = ChildSpec::new(&broken, RestartType::Permanent, |_supervisor| async {
        Err(SpawnErr::StartupFailed("no database".into()))
    });
    let config = SupervisorConfig::new(unique("abort-sup"))
        .with_child(worker(&a, RestartType::Permanent, &log))
        .with_child(failing);

    let result = Supervisor::spawn(config, None).await;

    assert!(result.is_err());
    assert_eq!(
        log.entries(),
        vec![format!("start:{a}"), format!("stop:{a}")]
    );
    assert_eq!(id_of(&a), None);
}

#[tokio::test]
async fn restart_whose_start_fails_is_retried_with_backoff() {
    let log = EventLog::default();
    let recorder = EventRecorder::default();
    let name = unique("flaky-start");
    let starts = Arc::new(AtomicU32::new(0));
    let spec_log = log.clone();
    let spec_name = name.clone();
    let spec_starts = starts.clone();
    // Starts 1 and 3 succeed; start 2 (the first restart) fails.
    let flaky = ChildSpec::new(&name, RestartType::Permanent, move |supervisor| {
        let attempt = spec_starts.fetch_add(1, Ordering::SeqCst) + 1;
        let (log, name) = (spec_log.clone(), spec_name.clone());
        async move {
            if attempt == 2 {
                return Err(SpawnErr::StartupFailed("dependency not ready".into()));
            }
            let (child, _) =
                TestWorker::spawn_linked(Some(name), TestWorker, log, supervisor).await?;
            Ok(child.get_cell())
        }
    });
    let config = SupervisorConfig::new(unique("flaky-start-sup"))
        .with_backoff(Backoff::new(
            Duration::from_millis(20),
            Duration::from_millis(100),
        ))
        .with_observer(recorder.observer())
        .with_child(flaky);
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");

    worker_ref(&name).kill();

    let settled = wait_for(&supervisor, |s| restarts(s, &name) == 1).await;
    assert_eq!(starts.load(Ordering::SeqCst), 3);
    assert_eq!(
        settled.restarts_in_window, 2,
        "the failed start counts against intensity"
    );
    let actions: Vec<_> = recorder.events().into_iter().map(|e| e.action).collect();
    assert!(
        matches!(actions.as_slice(), [
        RestartAction::Restart { .. },
        RestartAction::RetryStart { error, .. }
    ] if error.contains("dependency not ready")),
        "{actions:?}"
    );
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn status_lists_children_in_start_order() {
    let log = EventLog::default();
    let (a, b) = (unique("status-a"), unique("status-b"));
    let supervisor_name = unique("status-sup");
    let config = SupervisorConfig::new(&supervisor_name)
        .with_child(worker(&a, RestartType::Permanent, &log))
        .with_child(worker(&b, RestartType::Temporary, &log));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");

    let snapshot = status(&supervisor).await;

    assert_eq!(snapshot.name, supervisor_name);
    let names: Vec<_> = snapshot.children.iter().map(|c| c.name.clone()).collect();
    assert_eq!(names, vec![a.clone(), b.clone()]);
    assert_eq!(
        snapshot.child(&b).map(|c| c.restart),
        Some(RestartType::Temporary)
    );
    assert_eq!(snapshot.child(&a).and_then(|c| c.actor_id), id_of(&a));
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}
