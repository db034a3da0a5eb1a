//! Benchmarks of the supervision runtime's hot paths.
//!
//! - `restart/kill_to_answer`: from `kill()` of a supervised child to the restarted child
//!   answering a call under its name; p50/p99/max are printed after criterion's own report.
//! - `caller/bare_call` vs `caller/call_named`: one request to a live actor through
//!   `ActorRef::call` and through the retrying caller; the difference is the caller's overhead.
//! - `guards/*`: a breaker permit, a rate limiter token and a memory level read.
//!
//! Run with `cargo bench -p music-mcp-actors --bench restart`. Targets: p99 restart under 1 ms,
//! caller overhead under 5 µs per call.

use std::hint::black_box;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use music_mcp_actors::{
    Backoff, BreakerConfig, BreakerRegistry, ChildSpec, Intensity, MemoryGuard, MemoryGuardConfig,
    RateLimitConfig, RateLimiter, RestartType, RetryPolicy, Supervisor, SupervisorConfig,
    call_named,
};
use ractor::rpc::CallResult;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tokio_util::sync::CancellationToken;

const CHILD: &str = "bench.child";
const CALL_TIMEOUT: Duration = Duration::from_secs(1);

/// A child that answers pings.
#[derive(Debug, Clone, Copy)]
struct Pinger;

impl Actor for Pinger {
    type Msg = RpcReplyPort<()>;
    type State = ();
    type Arguments = ();

    async fn pre_start(&self, _: ActorRef<Self::Msg>, _: ()) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn handle(
        &self,
        _: ActorRef<Self::Msg>,
        reply: Self::Msg,
        _: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        let _ = reply.send(());
        Ok(())
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A supervisor whose one child may restart without limit or backoff.
async fn spawn_tree() -> ActorRef<music_mcp_actors::SupervisorMessage> {
    let config = SupervisorConfig::new("bench.sup")
        .with_intensity(Intensity::new(u32::MAX, Duration::from_millis(1)))
        .with_backoff(Backoff::new(Duration::ZERO, Duration::ZERO))
        .with_child(ChildSpec::for_actor(
            CHILD,
            RestartType::Permanent,
            Pinger,
            || (),
        ));
    let (supervisor, _) = Supervisor::spawn(config, None)
        .await
        .expect("supervisor spawns");
    supervisor
}

/// Kills the child and waits until a new incarnation answers under its name.
async fn kill_and_wait() -> Duration {
    let Some(old) = ractor::registry::where_is(CHILD) else {
        panic!("{CHILD} not registered");
    };
    let old_id = old.get_id();
    let started = Instant::now();
    old.kill();
    loop {
        if let Some(cell) = ractor::registry::where_is(CHILD)
            && cell.get_id() != old_id
        {
            let child: ActorRef<RpcReplyPort<()>> = cell.into();
            if let Ok(CallResult::Success(())) = child.call(|reply| reply, Some(CALL_TIMEOUT)).await
            {
                return started.elapsed();
            }
        }
        tokio::task::yield_now().await;
    }
}

fn restart(c: &mut Criterion) {
    let rt = runtime();
    let supervisor = rt.block_on(spawn_tree());
    let samples = Arc::new(Mutex::new(Vec::new()));

    let mut group = c.benchmark_group("restart");
    group.measurement_time(Duration::from_secs(3));
    group.warm_up_time(Duration::from_millis(500));
    group.sample_size(30);
    group.bench_function("kill_to_answer", |b| {
        b.iter_custom(|iters| rt.block_on(spawned(restarts(iters, samples.clone()))));
    });
    group.finish();

    let mut samples = samples.lock().unwrap_or_else(PoisonError::into_inner);
    samples.sort();
    if samples.is_empty() {
        return; // Filtered out on the command line.
    }
    let percentile = |p: usize| samples[(samples.len() * p / 100).min(samples.len() - 1)];
    println!(
        "restart kill → answer over {} restarts (warm-up included): p50 {:?}, p90 {:?}, \
         p99 {:?}, max {:?}",
        samples.len(),
        percentile(50),
        percentile(90),
        percentile(99),
        samples[samples.len() - 1]
    );
    rt.block_on(Supervisor::shutdown(&supervisor, None))
        .expect("shutdown");
}

/// `iters` kills, each waited out until the child answers again; records every restart time
/// in `samples` and returns their sum.
async fn restarts(iters: u64, samples: Arc<Mutex<Vec<Duration>>>) -> Duration {
    let mut total = Duration::ZERO;
    let mut batch = Vec::new();
    for _ in 0..iters {
        let elapsed = kill_and_wait().await;
        total += elapsed;
        batch.push(elapsed);
    }
    samples
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .extend(batch);
    total
}

fn caller(c: &mut Criterion) {
    let rt = runtime();
    let supervisor = rt.block_on(spawn_tree());
    let means = Arc::new(Mutex::new([(Duration::ZERO, 0u64); 2]));

    // Both loops run inside a runtime task, as a request handler does (see `spawned`).
    let mut group = c.benchmark_group("caller");
    group.measurement_time(Duration::from_secs(2));
    group.warm_up_time(Duration::from_millis(500));
    group.bench_function("bare_call", |b| {
        b.iter_custom(|iters| {
            let elapsed = rt.block_on(spawned(bare_calls(iters)));
            record(&means, 0, elapsed, iters);
            elapsed
        });
    });
    group.bench_function("call_named", |b| {
        b.iter_custom(|iters| {
            let elapsed = rt.block_on(spawned(named_calls(iters)));
            record(&means, 1, elapsed, iters);
            elapsed
        });
    });
    group.finish();

    let means = means.lock().unwrap_or_else(PoisonError::into_inner);
    if means.iter().any(|(_, count)| *count == 0) {
        return; // Filtered out on the command line.
    }
    let per_call = |(total, count): (Duration, u64)| total.as_secs_f64() * 1e6 / count as f64;
    let (bare, named) = (per_call(means[0]), per_call(means[1]));
    println!(
        "caller overhead (means over all runs, warm-up included): bare ActorRef::call \
         {bare:.2} µs, call_named {named:.2} µs, overhead {:.2} µs per call",
        named - bare
    );
    rt.block_on(Supervisor::shutdown(&supervisor, None))
        .expect("shutdown");
}

/// `iters` pings through a bare `ActorRef::call`; returns the time taken.
async fn bare_calls(iters: u64) -> Duration {
    let child: ActorRef<RpcReplyPort<()>> = ActorRef::where_is(CHILD).expect("child");
    let started = Instant::now();
    for _ in 0..iters {
        let answer = child.call(|reply| reply, Some(CALL_TIMEOUT)).await;
        black_box(answer.is_ok());
    }
    started.elapsed()
}

/// `iters` pings through `call_named` with the default policy; returns the time taken.
async fn named_calls(iters: u64) -> Duration {
    let policy = RetryPolicy::default();
    let cancel = CancellationToken::new();
    let started = Instant::now();
    for _ in 0..iters {
        let answer = call_named(CHILD, |reply: RpcReplyPort<()>| reply, &policy, &cancel).await;
        black_box(answer.is_ok());
    }
    started.elapsed()
}

/// Runs `work` as a runtime task and returns its result, so that timings are not dominated by
/// waking the benchmark thread that `block_on` parks.
async fn spawned(work: impl Future<Output = Duration> + Send + 'static) -> Duration {
    tokio::spawn(work).await.expect("benchmark task")
}

fn record(means: &Mutex<[(Duration, u64); 2]>, index: usize, elapsed: Duration, iters: u64) {
    let mut means = means.lock().unwrap_or_else(PoisonError::into_inner);
    means[index].0 += elapsed;
    means[index].1 += iters;
}

fn guards(c: &mut Criterion) {
    let rt = runtime();
    let _entered = rt.enter();
    let breakers = BreakerRegistry::new(BreakerConfig::default());
    let limiter = RateLimiter::new(RateLimitConfig {
        per_tool: music_mcp_actors::BucketConfig::new(1e12, 1e12),
        per_session: music_mcp_actors::BucketConfig::new(1e12, 1e12),
        ..RateLimitConfig::default()
    });
    let guard = MemoryGuard::new(MemoryGuardConfig::default());

    let mut group = c.benchmark_group("guards");
    group.measurement_time(Duration::from_secs(2));
    group.warm_up_time(Duration::from_millis(300));
    group.bench_function("breaker_permit", |b| {
        b.iter(|| {
            if let Ok(permit) = breakers.try_acquire(black_box("analyze_key")) {
                permit.success();
            }
        });
    });
    group.bench_function("rate_limit_token", |b| {
        b.iter(|| {
            let admitted = limiter.try_acquire(black_box("analyze_key"), Some("session-1"));
            black_box(admitted.is_ok())
        });
    });
    group.bench_function("memory_level", |b| {
        b.iter(|| black_box(guard.level()));
    });
    group.finish();
}

criterion_group!(benches, restart, caller, guards);
criterion_main!(benches);
