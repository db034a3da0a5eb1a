//! Every breaker transition, driven with a paused tokio clock.

use std::time::Duration;

use tokio::time::advance;

use super::*;

fn fail(breaker: &CircuitBreaker, times: u32) {
    for _ in 0..times {
        breaker
            .try_acquire()
            .expect("breaker should be closed")
            .failure();
    }
}

fn succeed(breaker: &CircuitBreaker) {
    breaker
        .try_acquire()
        .expect("breaker should admit")
        .success();
}

fn open_breaker() -> CircuitBreaker {
    let breaker = CircuitBreaker::new("tool", BreakerConfig::default());
    fail(&breaker, 5);
    assert_eq!(breaker.state(), BreakerState::Open);
    breaker
}

#[tokio::test(start_paused = true)]
async fn closed_breaker_lets_calls_through() {
    let breaker = CircuitBreaker::new("tool", BreakerConfig::default());
    for _ in 0..100 {
        succeed(&breaker);
    }
    assert_eq!(breaker.state(), BreakerState::Closed);
    assert_eq!(breaker.snapshot().totals.successes, 100);
}

#[tokio::test(start_paused = true)]
async fn five_consecutive_failures_open_the_breaker() {
    let breaker = CircuitBreaker::new("tool", BreakerConfig::default());
    fail(&breaker, 4);
    assert_eq!(breaker.state(), BreakerState::Closed);

    fail(&breaker, 1);
    let snapshot = breaker.snapshot();
    assert_eq!(snapshot.state, BreakerState::Open);
    assert_eq!(snapshot.consecutive_failures, 5);
    assert_eq!(snapshot.totals.times_opened, 1);
    assert_eq!(snapshot.opened_ago, Some(Duration::ZERO));
    assert_eq!(snapshot.retry_after, Some(Duration::from_secs(60)));
}

#[tokio::test(start_paused = true)]
async fn a_success_resets_the_consecutive_count() {
    let breaker = CircuitBreaker::new("tool", BreakerConfig::default());
    fail(&breaker, 4);
    succeed(&breaker);
    fail(&breaker, 4);
    let snapshot = breaker.snapshot();
    assert_eq!(snapshot.state, BreakerState::Closed);
    assert_eq!(snapshot.consecutive_failures, 4);
    assert_eq!(snapshot.failures_in_window, 8);
}

#[tokio::test(start_paused = true)]
async fn twenty_failures_within_the_window_open_it_despite_successes_between() {
    let breaker = CircuitBreaker::new("tool", BreakerConfig::default());
    for _ in 0..19 {
        fail(&breaker, 1);
        succeed(&breaker);
        advance(Duration::from_secs(1)).await;
    }
    assert_eq!(breaker.state(), BreakerState::Closed);

    fail(&breaker, 1);
    assert_eq!(breaker.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn failures_older_than_the_window_are_forgotten() {
    let breaker = CircuitBreaker::new("tool", BreakerConfig::default());
    for _ in 0..19 {
        fail(&breaker, 1);
        succeed(&breaker);
    }
    advance(Duration::from_secs(60)).await;
    assert_eq!(breaker.snapshot().failures_in_window, 0);

    fail(&breaker, 1);
    assert_eq!(breaker.state(), BreakerState::Closed);
    assert_eq!(breaker.snapshot().failures_in_window, 1);
}

#[tokio::test(start_paused = true)]
async fn open_breaker_fails_fast_with_a_shrinking_retry_after() {
    let breaker = open_breaker();

    let error = breaker
        .try_acquire()
        .expect_err("open breaker admitted a call");
    assert_eq!(
        error,
        BreakerError::Open {
            key: "tool".to_string(),
            retry_after: Duration::from_secs(60),
        }
    );
    assert_eq!(
        error.to_string(),
        "tool is failing repeatedly and calls to it are paused; retry after 60000 ms"
    );

    advance(Duration::from_secs(45)).await;
    let error = breaker
        .try_acquire()
        .expect_err("open breaker admitted a call");
    assert_eq!(error.retry_after(), Duration::from_secs(15));
    assert_eq!(breaker.snapshot().totals.rejected, 2);
}

#[tokio::test(start_paused = true)]
async fn after_the_open_period_it_turns_half_open_and_admits_bounded_trials() {
    let breaker = open_breaker();
    advance(Duration::from_secs(60)).await;
    assert_eq!(breaker.state(), BreakerState::HalfOpen);

    let first = breaker.try_acquire().expect("first trial");
    let second = breaker.try_acquire().expect("second trial");
    assert!(first.is_trial() && second.is_trial());
    let busy = breaker
        .try_acquire()
        .expect_err("third concurrent trial admitted");
    assert_eq!(
        busy,
        BreakerError::TrialsInFlight {
            key: "tool".to_string(),
            in_flight: 2,
            retry_after: Duration::from_secs(1),
        }
    );
    assert_eq!(breaker.snapshot().trials_in_flight, 2);

    first.success();
    let third = breaker
        .try_acquire()
        .expect("a finished trial frees its slot");
    drop((second, third));
}

#[tokio::test(start_paused = true)]
async fn two_trial_successes_close_the_breaker() {
    let breaker = open_breaker();
    advance(Duration::from_secs(60)).await;

    succeed(&breaker);
    assert_eq!(breaker.state(), BreakerState::HalfOpen);
    assert_eq!(breaker.snapshot().trial_successes, 1);

    succeed(&breaker);
    let snapshot = breaker.snapshot();
    assert_eq!(snapshot.state, BreakerState::Closed);
    assert_eq!(snapshot.consecutive_failures, 0);
    assert_eq!(snapshot.failures_in_window, 0);

    // Closed again, it needs five fresh failures to reopen.
    fail(&breaker, 4);
    assert_eq!(breaker.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn a_trial_failure_reopens_the_breaker_for_a_full_period() {
    let breaker = open_breaker();
    advance(Duration::from_secs(60)).await;

    succeed(&breaker);
    breaker.try_acquire().expect("trial").failure();
    let snapshot = breaker.snapshot();
    assert_eq!(snapshot.state, BreakerState::Open);
    assert_eq!(snapshot.retry_after, Some(Duration::from_secs(60)));
    assert_eq!(snapshot.totals.times_opened, 2);

    advance(Duration::from_secs(59)).await;
    assert_eq!(breaker.state(), BreakerState::Open);
    advance(Duration::from_secs(1)).await;
    assert_eq!(breaker.state(), BreakerState::HalfOpen);
}

#[tokio::test(start_paused = true)]
async fn ignored_and_dropped_permits_do_not_count() {
    let breaker = CircuitBreaker::new("tool", BreakerConfig::default());
    fail(&breaker, 4);
    for _ in 0..10 {
        breaker.try_acquire().expect("closed").ignore();
        drop(breaker.try_acquire().expect("closed"));
    }
    let snapshot = breaker.snapshot();
    assert_eq!(snapshot.state, BreakerState::Closed);
    assert_eq!(snapshot.consecutive_failures, 4);
    assert_eq!(snapshot.totals.ignored, 20);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_trial_frees_its_slot_without_a_verdict() {
    let breaker = open_breaker();
    advance(Duration::from_secs(60)).await;

    let first = breaker.try_acquire().expect("trial");
    let second = breaker.try_acquire().expect("trial");
    drop(first);
    second.ignore();
    let snapshot = breaker.snapshot();
    assert_eq!(snapshot.state, BreakerState::HalfOpen);
    assert_eq!(snapshot.trials_in_flight, 0);
    assert_eq!(snapshot.trial_successes, 0);
}

#[tokio::test(start_paused = true)]
async fn verdicts_of_permits_from_an_earlier_state_are_not_counted() {
    let breaker = CircuitBreaker::new("tool", BreakerConfig::default());
    let slow = breaker.try_acquire().expect("closed");
    fail(&breaker, 5);

    // Issued while closed, settled while open: it must not count as a trial.
    advance(Duration::from_secs(60)).await;
    assert_eq!(breaker.state(), BreakerState::HalfOpen);
    slow.success();
    let snapshot = breaker.snapshot();
    assert_eq!(snapshot.trial_successes, 0);
    assert_eq!(snapshot.totals.successes, 1);
}

#[tokio::test(start_paused = true)]
async fn every_threshold_is_configurable() {
    let config = BreakerConfig {
        consecutive_failures: 2,
        window_failures: 3,
        window: Duration::from_secs(5),
        open_for: Duration::from_secs(2),
        half_open_trials: 1,
        successes_to_close: 1,
        busy_retry_after: Duration::from_millis(250),
    };
    let breaker = CircuitBreaker::new("tool", config);
    fail(&breaker, 2);
    assert_eq!(breaker.state(), BreakerState::Open);

    advance(Duration::from_secs(2)).await;
    let trial = breaker.try_acquire().expect("trial");
    let busy = breaker.try_acquire().expect_err("one trial at a time");
    assert_eq!(busy.retry_after(), Duration::from_millis(250));
    trial.success();
    assert_eq!(breaker.state(), BreakerState::Closed);

    // Three failures in the window open it even with successes between.
    for _ in 0..2 {
        fail(&breaker, 1);
        succeed(&breaker);
    }
    assert_eq!(breaker.state(), BreakerState::Closed);
    fail(&breaker, 1);
    assert_eq!(breaker.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn registry_keeps_one_breaker_per_key_and_snapshots_them_sorted() {
    let registry = BreakerRegistry::new(BreakerConfig::default());
    for _ in 0..5 {
        registry.try_acquire("zeta").expect("closed").failure();
    }
    registry.try_acquire("alpha").expect("closed").success();
    registry.configure(
        "strict",
        BreakerConfig {
            consecutive_failures: 1,
            ..BreakerConfig::default()
        },
    );
    registry.try_acquire("strict").expect("closed").failure();

    let snapshot = registry.snapshot();
    let keys: Vec<&str> = snapshot.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["alpha", "strict", "zeta"]);
    let states: Vec<BreakerState> = snapshot.iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        [BreakerState::Closed, BreakerState::Open, BreakerState::Open]
    );
    assert!(registry.try_acquire("zeta").is_err());
    assert_eq!(registry.get("zeta").key(), "zeta");
}

#[tokio::test(start_paused = true)]
async fn snapshot_serialises_durations_as_milliseconds() {
    let breaker = open_breaker();
    advance(Duration::from_millis(1_500)).await;
    let json = serde_json::to_value(breaker.snapshot()).expect("serialisable");
    assert_eq!(json["state"], "open");
    assert_eq!(json["opened_ago_ms"], 1_500);
    assert_eq!(json["retry_after_ms"], 58_500);
}
