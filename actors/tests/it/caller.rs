//! The retrying caller against supervised workers that die, time out, or answer with errors.

use std::time::Duration;

use music_mcp_actors::{
    AttemptFailure, Backoff, CallError, Intensity, RestartType, RetryPolicy, Supervisor,
    SupervisorConfig, SupervisorMessage, call_named,
};
use ractor::{ActorId, ActorRef, RpcReplyPort};
use tokio_util::sync::CancellationToken;

use crate::support::{EventLog, WorkerMessage, id_of, unique, worker, worker_ref};

fn policy() -> RetryPolicy {
    RetryPolicy {
        deadline: Duration::from_secs(3),
        attempt_timeout: Duration::from_secs(2),
        max_backoff: Duration::from_millis(50),
        ..RetryPolicy::default()
    }
}

async fn supervised_worker(prefix: &str, log: &EventLog) -> (String, ActorRef<SupervisorMessage>) {
    let name = unique(prefix);
    let config = SupervisorConfig::new(unique(&format!("{prefix}-sup")))
        .with_intensity(Intensity::new(100, Duration::from_secs(10)))
        .with_backoff(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .with_child(worker(&name, RestartType::Permanent, log));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");
    (name, supervisor)
}

#[tokio::test]
async fn call_in_flight_when_the_worker_is_killed_is_answered_by_its_replacement() {
    let log = EventLog::default();
    let (name, supervisor) = supervised_worker("inflight", &log).await;
    let first = id_of(&name).expect("worker");
    let target = name.clone();
    let call = tokio::spawn(async move {
        let slow = |reply| WorkerMessage::Slow(Duration::from_millis(150), reply);
        call_named(&target, slow, &policy(), &CancellationToken::new()).await
    });
    tokio::time::sleep(Duration::from_millis(40)).await;

    worker_ref(&name).kill();

    let answer = call.await.expect("join").expect("answered");
    assert_eq!(answer.attempts, 2);
    assert_ne!(answer.value, first, "answered by the restarted worker");
    assert_eq!(Some(answer.value), id_of(&name));
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn an_error_answer_is_returned_as_is_without_retry() {
    let log = EventLog::default();
    let (name, supervisor) = supervised_worker("error-answer", &log).await;

    let double = |reply| WorkerMessage::Double(-3, reply);
    let answer = call_named(&name, double, &policy(), &CancellationToken::new())
        .await
        .expect("answer");

    assert_eq!(answer.value, Err("negative input -3".to_string()));
    assert_eq!(answer.attempts, 1);
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn a_successful_answer_takes_one_attempt() {
    let log = EventLog::default();
    let (name, supervisor) = supervised_worker("ok-answer", &log).await;

    let double = |reply| WorkerMessage::Double(21, reply);
    let answer = call_named(&name, double, &policy(), &CancellationToken::new())
        .await
        .expect("answer");

    assert_eq!((answer.value, answer.attempts), (Ok(42), 1));
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn cancellation_stops_the_retry_loop() {
    let name = unique("cancel-absent");
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        trigger.cancel();
    });
    let started = tokio::time::Instant::now();

    let ping = |reply: RpcReplyPort<ActorId>| WorkerMessage::Ping(reply);
    let result = call_named(&name, ping, &policy(), &cancel).await;

    assert_eq!(result, Err(CallError::Cancelled { name, attempts: 0 }));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn cancellation_drops_the_pending_reply() {
    let log = EventLog::default();
    let (name, supervisor) = supervised_worker("cancel-inflight", &log).await;
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(30)).await;
        trigger.cancel();
    });

    let slow = |reply| WorkerMessage::Slow(Duration::from_millis(120), reply);
    let result = call_named(&name, slow, &policy(), &cancel).await;

    assert!(
        matches!(result, Err(CallError::Cancelled { .. })),
        "{result:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(log.with_prefix("abandoned:"), vec![name]);
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn a_name_that_never_appears_is_unavailable_after_the_deadline() {
    let name = unique("never-there");
    let deadline = Duration::from_millis(150);
    let policy = RetryPolicy {
        deadline,
        ..policy()
    };
    let started = tokio::time::Instant::now();

    let ping = |reply: RpcReplyPort<ActorId>| WorkerMessage::Ping(reply);
    let result = call_named(&name, ping, &policy, &CancellationToken::new()).await;

    let elapsed = started.elapsed();
    assert!(
        matches!(&result, Err(CallError::Unavailable { name: n, .. }) if *n == name),
        "{result:?}"
    );
    assert!(
        elapsed >= deadline && elapsed < Duration::from_secs(1),
        "took {elapsed:?}"
    );
}

#[tokio::test]
async fn a_name_that_appears_late_is_answered() {
    let log = EventLog::default();
    let name = unique("late");
    let spawn_name = name.clone();
    let spawn_log = log.clone();
    let late = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(60)).await;
        let config = SupervisorConfig::new(unique("late-sup")).with_child(worker(
            &spawn_name,
            RestartType::Permanent,
            &spawn_log,
        ));
        Supervisor::spawn(config, None).await.expect("spawn").0
    });

    let ping = |reply: RpcReplyPort<ActorId>| WorkerMessage::Ping(reply);
    let answer = call_named(&name, ping, &policy(), &CancellationToken::new()).await;

    let answer = answer.expect("answered once the name appeared");
    assert_eq!(answer.attempts, 1, "waiting for the name is not an attempt");
    assert!(answer.elapsed >= Duration::from_millis(50));
    let supervisor = late.await.expect("join");
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn a_timeout_is_not_retried_by_default() {
    let log = EventLog::default();
    let (name, supervisor) = supervised_worker("timeout", &log).await;
    let policy = RetryPolicy {
        attempt_timeout: Duration::from_millis(50),
        ..policy()
    };

    let slow = |reply| WorkerMessage::Slow(Duration::from_millis(300), reply);
    let result = call_named(&name, slow, &policy, &CancellationToken::new()).await;

    let timeout = Duration::from_millis(50);
    assert_eq!(
        result,
        Err(CallError::TimedOut {
            name,
            attempts: 1,
            timeout
        })
    );
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn a_timeout_is_retried_once_when_allowed() {
    let log = EventLog::default();
    let (name, supervisor) = supervised_worker("timeout-retry", &log).await;
    let policy = RetryPolicy {
        attempt_timeout: Duration::from_millis(50),
        retry_on_timeout: true,
        ..policy()
    };

    let slow = |reply| WorkerMessage::Slow(Duration::from_millis(300), reply);
    let result = call_named(&name, slow, &policy, &CancellationToken::new()).await;

    assert_eq!(result.err().map(|e| e.attempts()), Some(2));
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn a_worker_that_dies_on_every_request_exhausts_the_attempts() {
    let log = EventLog::default();
    let (name, supervisor) = supervised_worker("always-dies", &log).await;
    let policy = RetryPolicy {
        max_attempts: 3,
        ..policy()
    };

    let crash = |reply| WorkerMessage::CrashHolding(reply);
    let result = call_named(&name, crash, &policy, &CancellationToken::new()).await;

    assert!(
        matches!(
            result,
            Err(CallError::RetriesExhausted {
                attempts: 3,
                last_failure: AttemptFailure::DiedHoldingRequest,
                ..
            })
        ),
        "{result:?}"
    );
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn calling_an_actor_of_another_type_is_a_wiring_bug() {
    let supervisor_name = unique("wrong-type-sup");
    let config = SupervisorConfig::new(&supervisor_name);
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");

    let ping = |reply: RpcReplyPort<ActorId>| WorkerMessage::Ping(reply);
    let result = call_named(&supervisor_name, ping, &policy(), &CancellationToken::new()).await;

    assert_eq!(
        result,
        Err(CallError::WrongActorType {
            name: supervisor_name
        })
    );
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}
