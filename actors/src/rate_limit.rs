//! Rate limits: token buckets per tool and per client session, with a short wait for a token.
//!
//! The gateway calls [`RateLimiter::acquire`] before every tool call. A call takes one token
//! from its tool's bucket and one from its session's bucket. When either is empty, the call may
//! wait up to [`RateLimitConfig::max_wait`] for a token; if it would have to wait longer it fails
//! at once with [`RateLimitedError`] ("rate limited on tool X, retry after N ms").
//!
//! # Why shared state plus a housekeeping actor
//!
//! The buckets live in a [`RateLimiter`]: a `Mutex` over two hash maps, shared through an
//! `Arc`. Taking a token is a lock, two lookups and a little arithmetic (well under a
//! microsecond), where an `Acquire` message to a limiter actor would cost a mailbox round trip
//! per call and serialise every tool call in the server through one actor: its death would fail
//! all calls until the restart, and its mailbox would be the one unbounded queue in front of
//! everything. The actor part is the [`RateLimiterActor`], supervised like any other child: it
//! owns the periodic removal of idle session buckets (which would otherwise grow with every
//! session ever seen) and answers status queries. The buckets outlive it, so its restart loses
//! nothing.
//!
//! # Waiting
//!
//! A call that must wait reserves its token at once (the bucket goes negative, by at most
//! `max_wait` worth of tokens) and then sleeps until the token would have arrived. Later callers
//! therefore queue behind it in arrival order, and nobody has to retry. A waiting call that is
//! cancelled keeps its reserved token spent.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ractor::concurrency::JoinHandle;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use serde::Serialize;
use tokio::time::Instant;

use crate::error::{LimitScope, RateLimitedError};
use crate::supervisor::{ChildSpec, RestartType};

/// The stand-in for "never" when a bucket does not refill at all.
const NEVER: Duration = Duration::from_secs(3_600);

/// At most this many session buckets appear in a snapshot (the emptiest first).
pub const MAX_SESSIONS_IN_SNAPSHOT: usize = 32;

/// Size and refill rate of one kind of token bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BucketConfig {
    /// Tokens added per second; zero or less means the bucket never refills.
    pub rate_per_sec: f64,
    /// Capacity, and the tokens a new bucket starts with (at least one).
    pub burst: f64,
}

impl BucketConfig {
    /// A bucket refilling `rate_per_sec` tokens a second, holding at most `burst`.
    pub fn new(rate_per_sec: f64, burst: f64) -> Self {
        Self {
            rate_per_sec,
            burst,
        }
    }

    /// The refill rate, with non-finite or negative values read as zero.
    fn rate(&self) -> f64 {
        if self.rate_per_sec.is_finite() && self.rate_per_sec > 0.0 {
            self.rate_per_sec
        } else {
            0.0
        }
    }

    /// The capacity, at least one token so that any call can ever pass.
    fn capacity(&self) -> f64 {
        if self.burst.is_finite() {
            self.burst.max(1.0)
        } else {
            1.0
        }
    }
}

/// Limits, wait budget and housekeeping of a [`RateLimiter`].
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitConfig {
    /// The bucket of each tool, unless overridden in `tool_overrides`.
    pub per_tool: BucketConfig,
    /// Buckets of particular tools.
    pub tool_overrides: HashMap<String, BucketConfig>,
    /// The bucket of each client session.
    pub per_session: BucketConfig,
    /// Longest a call waits for a token before it is rejected.
    pub max_wait: Duration,
    /// A session bucket unused this long (and full again) is removed.
    pub session_idle: Duration,
    /// How often the [`RateLimiterActor`] removes idle session buckets.
    pub cleanup_interval: Duration,
}

impl Default for RateLimitConfig {
    /// 100 calls/s with bursts of 200 per tool, 50 calls/s with bursts of 100 per session, a
    /// 50 ms wait budget, and idle sessions dropped after 10 minutes, checked every minute.
    fn default() -> Self {
        Self {
            per_tool: BucketConfig::new(100.0, 200.0),
            tool_overrides: HashMap::new(),
            per_session: BucketConfig::new(50.0, 100.0),
            max_wait: Duration::from_millis(50),
            session_idle: Duration::from_secs(600),
            cleanup_interval: Duration::from_secs(60),
        }
    }
}

impl RateLimitConfig {
    /// Gives `tool` its own bucket size and rate.
    pub fn with_tool(mut self, tool: impl Into<String>, bucket: BucketConfig) -> Self {
        self.tool_overrides.insert(tool.into(), bucket);
        self
    }
}

/// Token buckets per tool and per session; cheap to clone, all clones share the buckets.
#[derive(Clone)]
pub struct RateLimiter {
    shared: Arc<Shared>,
}

/// Snapshot of a limiter for introspection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateLimiterSnapshot {
    /// Every tool bucket, sorted by tool name.
    pub tools: Vec<BucketSnapshot>,
    /// Number of session buckets.
    pub session_count: usize,
    /// The emptiest session buckets, at most [`MAX_SESSIONS_IN_SNAPSHOT`].
    pub sessions: Vec<BucketSnapshot>,
    /// Calls admitted at once.
    pub admitted: u64,
    /// Calls admitted after waiting for a token.
    pub waited: u64,
    /// Calls rejected.
    pub rejected: u64,
    /// Idle session buckets removed so far.
    pub sessions_removed: u64,
    /// The wait budget.
    #[serde(rename = "max_wait_ms", with = "crate::introspect::millis")]
    pub max_wait: Duration,
}

/// Snapshot of one bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BucketSnapshot {
    /// Tool name or session id.
    pub key: String,
    /// Tokens available now; negative while calls wait for reserved tokens.
    pub tokens: f64,
    /// The bucket's size and rate.
    pub config: BucketConfig,
    /// Calls this bucket admitted at once.
    pub admitted: u64,
    /// Calls this bucket admitted after a wait.
    pub waited: u64,
    /// Calls rejected because this bucket was empty.
    pub rejected: u64,
}

/// Housekeeping actor of a [`RateLimiter`]: removes idle session buckets, answers status.
#[derive(Debug, Clone, Copy, Default)]
pub struct RateLimiterActor;

/// State of the [`RateLimiterActor`].
pub struct RateLimiterState {
    limiter: RateLimiter,
    timer: JoinHandle<()>,
}

/// Messages the [`RateLimiterActor`] accepts.
#[derive(Debug)]
pub enum RateLimiterMessage {
    /// Remove idle session buckets (sent to itself every `cleanup_interval`).
    RemoveIdleSessions,
    /// Reply with a snapshot of the limiter.
    GetStatus(RpcReplyPort<RateLimiterSnapshot>),
}

struct Shared {
    config: RateLimitConfig,
    buckets: Mutex<Buckets>,
    admitted: AtomicU64,
    waited: AtomicU64,
    rejected: AtomicU64,
    sessions_removed: AtomicU64,
}

#[derive(Default)]
struct Buckets {
    tools: HashMap<String, Bucket>,
    sessions: HashMap<String, Bucket>,
}

/// One token bucket; `tokens` may go negative by reserved tokens of waiting calls.
struct Bucket {
    config: BucketConfig,
    tokens: f64,
    refilled_at: Instant,
    last_used: Instant,
    admitted: u64,
    waited: u64,
    rejected: u64,
}

impl RateLimiter {
    /// A limiter with no buckets yet; they are created full on first use.
    pub fn new(config: RateLimitConfig) -> Self {
        Self {
            shared: Arc::new(Shared {
                config,
                buckets: Mutex::default(),
                admitted: AtomicU64::new(0),
                waited: AtomicU64::new(0),
                rejected: AtomicU64::new(0),
                sessions_removed: AtomicU64::new(0),
            }),
        }
    }

    /// The limiter's config.
    pub fn config(&self) -> &RateLimitConfig {
        &self.shared.config
    }

    /// Takes a token for a call to `tool` from `session`, waiting up to the budget for one.
    ///
    /// # Errors
    ///
    /// [`RateLimitedError`] naming the empty bucket if no token would be free within
    /// `max_wait`; no token is taken then.
    pub async fn acquire(&self, tool: &str, session: Option<&str>) -> Result<(), RateLimitedError> {
        let wait = self.reserve(tool, session, self.shared.config.max_wait)?;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    /// Takes a token for a call to `tool` from `session` if one is free right now.
    ///
    /// # Errors
    ///
    /// [`RateLimitedError`] naming the empty bucket; no token is taken then.
    pub fn try_acquire(&self, tool: &str, session: Option<&str>) -> Result<(), RateLimitedError> {
        self.reserve(tool, session, Duration::ZERO).map(|_| ())
    }

    /// Removes session buckets idle for `session_idle` that have refilled; returns how many.
    pub fn remove_idle_sessions(&self) -> usize {
        let now = Instant::now();
        let idle = self.shared.config.session_idle;
        let mut buckets = self.shared.lock();
        let before = buckets.sessions.len();
        buckets.sessions.retain(|_, bucket| {
            bucket.refill(now);
            let unused = now.saturating_duration_since(bucket.last_used) >= idle;
            !(unused && bucket.is_full())
        });
        let removed = before - buckets.sessions.len();
        drop(buckets);

        self.shared
            .sessions_removed
            .fetch_add(removed as u64, Ordering::Relaxed);
        removed
    }

    /// A snapshot of every tool bucket and the emptiest session buckets.
    pub fn snapshot(&self) -> RateLimiterSnapshot {
        let now = Instant::now();
        let mut buckets = self.shared.lock();
        let mut tools: Vec<BucketSnapshot> = buckets
            .tools
            .iter_mut()
            .map(|(key, bucket)| bucket.snapshot(key, now))
            .collect();
        let mut sessions: Vec<BucketSnapshot> = buckets
            .sessions
            .iter_mut()
            .map(|(key, bucket)| bucket.snapshot(key, now))
            .collect();
        let session_count = buckets.sessions.len();
        drop(buckets);

        tools.sort_by(|a, b| a.key.cmp(&b.key));
        sessions.sort_by(|a, b| {
            a.tokens
                .total_cmp(&b.tokens)
                .then_with(|| a.key.cmp(&b.key))
        });
        sessions.truncate(MAX_SESSIONS_IN_SNAPSHOT);
        RateLimiterSnapshot {
            tools,
            session_count,
            sessions,
            admitted: self.shared.admitted.load(Ordering::Relaxed),
            waited: self.shared.waited.load(Ordering::Relaxed),
            rejected: self.shared.rejected.load(Ordering::Relaxed),
            sessions_removed: self.shared.sessions_removed.load(Ordering::Relaxed),
            max_wait: self.shared.config.max_wait,
        }
    }

    /// A permanent child spec running the limiter's [`RateLimiterActor`] under `name`.
    pub fn child_spec(&self, name: impl Into<String>) -> ChildSpec {
        let limiter = self.clone();
        ChildSpec::for_actor(name, RestartType::Permanent, RateLimiterActor, move || {
            limiter.clone()
        })
    }

    /// Takes a token from both buckets if both can provide one within `budget`; returns the
    /// wait until the later of the two tokens arrives.
    fn reserve(
        &self,
        tool: &str,
        session: Option<&str>,
        budget: Duration,
    ) -> Result<Duration, RateLimitedError> {
        let now = Instant::now();
        let config = &self.shared.config;
        let mut guard = self.shared.lock();
        let buckets = &mut *guard;

        // Find both buckets, creating them full on first use.
        let tool_bucket = bucket_for(&mut buckets.tools, tool, now, || {
            config
                .tool_overrides
                .get(tool)
                .copied()
                .unwrap_or(config.per_tool)
        });
        let tool_wait = tool_bucket.wait_for_token(now);
        let mut session_bucket = session
            .map(|session| bucket_for(&mut buckets.sessions, session, now, || config.per_session));
        let session_wait = session_bucket
            .as_mut()
            .map_or(Duration::ZERO, |bucket| bucket.wait_for_token(now));

        // Reject if either bucket is too far behind; the slower one is named.
        let wait = tool_wait.max(session_wait);
        if wait > budget {
            let (scope, key) = if tool_wait >= session_wait {
                tool_bucket.rejected += 1;
                (LimitScope::Tool, tool)
            } else {
                if let Some(bucket) = session_bucket {
                    bucket.rejected += 1;
                }
                (LimitScope::Session, session.unwrap_or_default())
            };
            drop(guard);
            return Err(self.rejected(scope, key, wait));
        }

        // Take (or reserve) a token from each.
        tool_bucket.take(now, wait);
        if let Some(bucket) = session_bucket {
            bucket.take(now, wait);
        }
        drop(guard);
        let counter = if wait.is_zero() {
            &self.shared.admitted
        } else {
            &self.shared.waited
        };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(wait)
    }

    fn rejected(&self, scope: LimitScope, key: &str, wait: Duration) -> RateLimitedError {
        self.shared.rejected.fetch_add(1, Ordering::Relaxed);
        let retry_after = ceil_to_millis(wait);
        tracing::debug!(
            %scope, key, retry_after_ms = retry_after.as_millis(), "call rate limited"
        );
        RateLimitedError {
            scope,
            key: key.to_string(),
            retry_after,
        }
    }
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Actor for RateLimiterActor {
    type Msg = RateLimiterMessage;
    type State = RateLimiterState;
    type Arguments = RateLimiter;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        limiter: RateLimiter,
    ) -> Result<Self::State, ActorProcessingErr> {
        let every = limiter
            .config()
            .cleanup_interval
            .max(Duration::from_millis(1));
        let timer = myself.send_interval(every, || RateLimiterMessage::RemoveIdleSessions);
        Ok(RateLimiterState { limiter, timer })
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        state.timer.abort();
        Ok(())
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            RateLimiterMessage::RemoveIdleSessions => {
                let removed = state.limiter.remove_idle_sessions();
                if removed > 0 {
                    tracing::debug!(removed, "idle session buckets removed");
                }
            }
            RateLimiterMessage::GetStatus(reply) => {
                let _ = reply.send(state.limiter.snapshot());
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for RateLimiterState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiterState").finish_non_exhaustive()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Buckets> {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Bucket {
    fn new(config: BucketConfig, now: Instant) -> Self {
        Self {
            config,
            tokens: config.capacity(),
            refilled_at: now,
            last_used: now,
            admitted: 0,
            waited: 0,
            rejected: 0,
        }
    }

    /// Adds the tokens earned since the last refill, up to capacity.
    fn refill(&mut self, now: Instant) {
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.config.rate()).min(self.config.capacity());
        self.refilled_at = now;
    }

    /// Refills, then returns how long until one whole token is available.
    fn wait_for_token(&mut self, now: Instant) -> Duration {
        self.refill(now);
        if self.tokens >= 1.0 {
            return Duration::ZERO;
        }
        let rate = self.config.rate();
        if rate == 0.0 {
            return NEVER;
        }
        Duration::try_from_secs_f64((1.0 - self.tokens) / rate)
            .unwrap_or(NEVER)
            .min(NEVER)
    }

    /// Takes one token, counting the call as waited if it had to wait.
    fn take(&mut self, now: Instant, wait: Duration) {
        self.tokens -= 1.0;
        self.last_used = now;
        if wait.is_zero() {
            self.admitted += 1;
        } else {
            self.waited += 1;
        }
    }

    fn is_full(&self) -> bool {
        self.tokens >= self.config.capacity()
    }

    fn snapshot(&mut self, key: &str, now: Instant) -> BucketSnapshot {
        self.refill(now);
        BucketSnapshot {
            key: key.to_string(),
            tokens: self.tokens,
            config: self.config,
            admitted: self.admitted,
            waited: self.waited,
            rejected: self.rejected,
        }
    }
}

/// The bucket under `key`, created full from `config()` if there is none yet.
///
/// Copying the key costs a small allocation per call; it keeps the lookup to one hash and
/// free of impossible branches, and is cheap next to the tool call it guards.
fn bucket_for<'a>(
    buckets: &'a mut HashMap<String, Bucket>,
    key: &str,
    now: Instant,
    config: impl FnOnce() -> BucketConfig,
) -> &'a mut Bucket {
    buckets
        .entry(key.to_owned())
        .or_insert_with(|| Bucket::new(config(), now))
}

/// Rounds up to whole milliseconds, so "retry after 0 ms" never appears for a real wait.
fn ceil_to_millis(wait: Duration) -> Duration {
    let millis = wait.as_nanos().div_ceil(1_000_000);
    Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests;
