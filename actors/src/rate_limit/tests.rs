//! Token bucket refill, waiting and rejection, driven with a paused tokio clock.

use std::time::Duration;

use ractor::rpc::CallResult;
use tokio::time::{Instant, advance};

use super::*;

/// 100 tokens/s with a burst of 2 per tool; sessions effectively unlimited unless set.
fn small_tools() -> RateLimitConfig {
    RateLimitConfig {
        per_tool: BucketConfig::new(100.0, 2.0),
        per_session: BucketConfig::new(1_000.0, 1_000.0),
        ..RateLimitConfig::default()
    }
}

#[tokio::test(start_paused = true)]
async fn a_new_bucket_admits_its_burst_at_once_then_rejects() {
    let limiter = RateLimiter::new(RateLimitConfig::default());
    for _ in 0..200 {
        limiter.try_acquire("tool", None).expect("within burst");
    }
    let error = limiter
        .try_acquire("tool", None)
        .expect_err("burst exhausted");
    assert_eq!(error.scope, LimitScope::Tool);
    assert_eq!(error.key, "tool");
    assert_eq!(error.retry_after, Duration::from_millis(10));
    assert_eq!(
        error.to_string(),
        "rate limited on tool tool, retry after 10 ms"
    );
}

#[tokio::test(start_paused = true)]
async fn tokens_refill_at_the_configured_rate_up_to_the_burst() {
    let limiter = RateLimiter::new(small_tools());
    limiter.try_acquire("tool", None).expect("first");
    limiter.try_acquire("tool", None).expect("second");
    assert!(limiter.try_acquire("tool", None).is_err());

    advance(Duration::from_millis(10)).await;
    limiter
        .try_acquire("tool", None)
        .expect("one token after 10 ms");
    assert!(limiter.try_acquire("tool", None).is_err());

    advance(Duration::from_secs(10)).await;
    let tokens = limiter.snapshot().tools[0].tokens;
    assert!(
        (tokens - 2.0).abs() < 1e-9,
        "refilled to {tokens}, not the burst of 2"
    );
}

#[tokio::test(start_paused = true)]
async fn acquire_waits_for_a_token_within_the_budget() {
    let limiter = RateLimiter::new(small_tools());
    limiter.try_acquire("tool", None).expect("first");
    limiter.try_acquire("tool", None).expect("second");

    let started = Instant::now();
    limiter
        .acquire("tool", None)
        .await
        .expect("token within 50 ms");
    assert_eq!(started.elapsed(), Duration::from_millis(10));

    let snapshot = limiter.snapshot();
    assert_eq!((snapshot.admitted, snapshot.waited), (2, 1));
    assert_eq!(snapshot.tools[0].waited, 1);
}

#[tokio::test(start_paused = true)]
async fn waiting_callers_queue_in_arrival_order_until_the_budget_runs_out() {
    let limiter = RateLimiter::new(small_tools());
    limiter.try_acquire("tool", None).expect("first");
    limiter.try_acquire("tool", None).expect("second");

    // Each reservation pushes the next one 10 ms later; the sixth would wait 60 ms.
    let waits: Vec<Duration> = (0..5)
        .map(|_| limiter.reserve("tool", None, Duration::from_millis(50)))
        .collect::<Result<_, _>>()
        .expect("five waits within budget");
    let expected: Vec<Duration> = (1..=5).map(|n| Duration::from_millis(10 * n)).collect();
    assert_eq!(waits, expected);

    let error = limiter
        .acquire("tool", None)
        .await
        .expect_err("over budget");
    assert_eq!(error.retry_after, Duration::from_millis(60));
    assert_eq!(limiter.snapshot().rejected, 1);
}

#[tokio::test(start_paused = true)]
async fn a_rejected_call_takes_no_token() {
    let limiter = RateLimiter::new(small_tools());
    limiter.try_acquire("tool", None).expect("first");
    limiter.try_acquire("tool", None).expect("second");
    for _ in 0..10 {
        assert!(limiter.try_acquire("tool", None).is_err());
    }
    advance(Duration::from_millis(10)).await;
    limiter
        .try_acquire("tool", None)
        .expect("the refilled token is still there");
}

#[tokio::test(start_paused = true)]
async fn a_session_bucket_limits_one_client_across_tools() {
    let config = RateLimitConfig {
        per_session: BucketConfig::new(10.0, 3.0),
        ..RateLimitConfig::default()
    };
    let limiter = RateLimiter::new(config);
    for tool in ["a", "b", "c"] {
        limiter
            .try_acquire(tool, Some("s1"))
            .expect("within session burst");
    }
    let error = limiter
        .acquire("d", Some("s1"))
        .await
        .expect_err("session over budget");
    assert_eq!(error.scope, LimitScope::Session);
    assert_eq!(error.key, "s1");
    assert_eq!(error.retry_after, Duration::from_millis(100));

    // Another session and session-less calls are unaffected.
    limiter.try_acquire("d", Some("s2")).expect("other session");
    limiter.try_acquire("d", None).expect("no session");
}

#[tokio::test(start_paused = true)]
async fn a_tool_override_gets_its_own_bucket_size() {
    let config = RateLimitConfig::default().with_tool("slow", BucketConfig::new(1.0, 1.0));
    let limiter = RateLimiter::new(config);
    limiter.try_acquire("slow", None).expect("one call");
    let error = limiter.try_acquire("slow", None).expect_err("second call");
    assert_eq!(error.retry_after, Duration::from_secs(1));
    limiter.try_acquire("fast", None).expect("default bucket");
}

#[tokio::test(start_paused = true)]
async fn a_bucket_that_never_refills_says_so_in_retry_after() {
    let config = RateLimitConfig::default().with_tool("frozen", BucketConfig::new(0.0, 1.0));
    let limiter = RateLimiter::new(config);
    limiter.try_acquire("frozen", None).expect("the one token");
    let error = limiter.try_acquire("frozen", None).expect_err("no refill");
    assert_eq!(error.retry_after, NEVER);
}

#[tokio::test(start_paused = true)]
async fn idle_full_session_buckets_are_removed_and_busy_ones_kept() {
    let config = RateLimitConfig {
        session_idle: Duration::from_secs(60),
        ..RateLimitConfig::default()
    };
    let limiter = RateLimiter::new(config);
    limiter.try_acquire("tool", Some("old")).expect("old");
    advance(Duration::from_secs(30)).await;
    limiter.try_acquire("tool", Some("recent")).expect("recent");
    advance(Duration::from_secs(30)).await;

    assert_eq!(limiter.remove_idle_sessions(), 1);
    let snapshot = limiter.snapshot();
    assert_eq!(snapshot.session_count, 1);
    assert_eq!(snapshot.sessions[0].key, "recent");
    assert_eq!(snapshot.sessions_removed, 1);
}

#[tokio::test(start_paused = true)]
async fn the_actor_removes_idle_sessions_on_its_interval_and_answers_status() {
    let config = RateLimitConfig {
        session_idle: Duration::from_secs(1),
        cleanup_interval: Duration::from_secs(5),
        ..RateLimitConfig::default()
    };
    let limiter = RateLimiter::new(config);
    limiter.try_acquire("tool", Some("s1")).expect("s1");
    let (actor, handle) = Actor::spawn(None, RateLimiterActor, limiter.clone())
        .await
        .expect("spawn");

    // Let the interval fire once; the paused clock jumps straight to it.
    tokio::time::sleep(Duration::from_millis(5_100)).await;
    let status = actor
        .call(RateLimiterMessage::GetStatus, Some(Duration::from_secs(1)))
        .await
        .expect("call");
    let CallResult::Success(status) = status else {
        panic!("no status: {status:?}");
    };
    assert_eq!(status.session_count, 0);
    assert_eq!(status.sessions_removed, 1);
    assert_eq!(status.tools[0].key, "tool");

    actor.stop(None);
    handle.await.expect("actor stopped");
}

#[tokio::test(start_paused = true)]
async fn snapshot_serialises_for_the_health_endpoint() {
    let limiter = RateLimiter::new(RateLimitConfig::default());
    limiter.try_acquire("tool", Some("s")).expect("admitted");
    let json = serde_json::to_value(limiter.snapshot()).expect("serialisable");
    assert_eq!(json["max_wait_ms"], 50);
    assert_eq!(json["tools"][0]["key"], "tool");
    assert_eq!(json["tools"][0]["config"]["burst"], 200.0);
    assert_eq!(json["session_count"], 1);
}
