//! Memory levels, hysteresis, hooks and publication, driven by an injected sampler.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ractor::rpc::CallResult;

use super::*;

/// A sampler whose reading the test sets; `u64::MAX` reads as a failed sample.
#[derive(Clone, Default)]
struct FakeRss(Arc<AtomicU64>);

impl FakeRss {
    fn set_mib(&self, mib: u64) {
        self.0.store(mib * MIB, Ordering::SeqCst);
    }

    fn fail(&self) {
        self.0.store(u64::MAX, Ordering::SeqCst);
    }

    fn sampler(&self) -> impl Fn() -> Option<u64> + Send + Sync + 'static {
        let value = self.0.clone();
        move || Some(value.load(Ordering::SeqCst)).filter(|v| *v != u64::MAX)
    }
}

/// Hook calls in order, by level name.
#[derive(Clone, Default)]
struct HookLog(Arc<Mutex<Vec<&'static str>>>);

impl HookLog {
    fn hook(&self, name: &'static str) -> impl Fn() + Send + Sync + 'static {
        let log = self.0.clone();
        move || log.lock().expect("hook log").push(name)
    }

    fn take(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.0.lock().expect("hook log"))
    }
}

/// Soft 100 MiB, critical 160 MiB, hard 200 MiB.
fn config(rss: &FakeRss, hooks: &HookLog) -> MemoryGuardConfig {
    MemoryGuardConfig::default()
        .with_limits(100 * MIB, 200 * MIB)
        .with_sampler(rss.sampler())
        .on_soft(hooks.hook("soft"))
        .on_critical(hooks.hook("critical"))
        .on_hard(hooks.hook("hard"))
        .on_normal(hooks.hook("normal"))
}

async fn sample_now(actor: &ActorRef<MemoryGuardMessage>) -> MemoryStatus {
    match actor
        .call(MemoryGuardMessage::SampleNow, Some(Duration::from_secs(1)))
        .await
    {
        Ok(CallResult::Success(status)) => status,
        other => panic!("no status: {other:?}"),
    }
}

async fn spawn(guard: &MemoryGuard) -> (ActorRef<MemoryGuardMessage>, JoinHandle<()>) {
    Actor::spawn(None, MemoryGuardActor, guard.clone())
        .await
        .expect("memory guard spawns")
}

#[test]
fn default_and_lite_presets_have_the_documented_thresholds() {
    let default = MemoryGuardConfig::default().thresholds();
    assert_eq!((default.soft, default.hard), (2 * GIB, 4 * GIB));
    assert_eq!(default.critical, 4 * GIB * 4 / 5);
    assert_eq!(
        MemoryGuardConfig::default().interval,
        Duration::from_secs(1)
    );

    let lite = MemoryGuardConfig::lite().thresholds();
    assert_eq!((lite.soft, lite.hard), (512 * MIB, GIB));
    assert_eq!(lite.critical, GIB * 4 / 5);
}

#[test]
fn levels_follow_the_thresholds() {
    let thresholds = MemoryGuardConfig::default()
        .with_limits(100, 200)
        .thresholds();
    let level = |rss| thresholds.classify(rss, MemoryLevel::Normal);
    assert_eq!(level(99), MemoryLevel::Normal);
    assert_eq!(level(100), MemoryLevel::Soft);
    assert_eq!(level(159), MemoryLevel::Soft);
    assert_eq!(level(160), MemoryLevel::Critical);
    assert_eq!(level(199), MemoryLevel::Critical);
    assert_eq!(level(200), MemoryLevel::Hard);
}

#[test]
fn hard_holds_until_memory_is_back_under_the_soft_limit() {
    let thresholds = MemoryGuardConfig::default()
        .with_limits(100, 200)
        .thresholds();
    assert_eq!(
        thresholds.classify(199, MemoryLevel::Hard),
        MemoryLevel::Hard
    );
    assert_eq!(
        thresholds.classify(100, MemoryLevel::Hard),
        MemoryLevel::Hard
    );
    assert_eq!(
        thresholds.classify(99, MemoryLevel::Hard),
        MemoryLevel::Normal
    );
}

#[test]
fn a_critical_share_below_the_soft_limit_is_raised_to_it() {
    let config = MemoryGuardConfig {
        critical_percent: 10,
        ..MemoryGuardConfig::default().with_limits(100, 200)
    };
    assert_eq!(config.thresholds().critical, 100);
}

#[tokio::test(start_paused = true)]
async fn the_first_sample_is_taken_at_start() {
    let (rss, hooks) = (FakeRss::default(), HookLog::default());
    rss.set_mib(170);
    let guard = MemoryGuard::new(config(&rss, &hooks));
    let (actor, handle) = spawn(&guard).await;

    // `post_start` runs before the actor handles its first message.
    let status = match actor
        .call(MemoryGuardMessage::GetStatus, Some(Duration::from_secs(1)))
        .await
    {
        Ok(CallResult::Success(status)) => status,
        other => panic!("no status: {other:?}"),
    };
    assert_eq!((status.samples, status.level), (1, MemoryLevel::Critical));
    assert_eq!(guard.level(), MemoryLevel::Critical);
    assert_eq!(hooks.take(), ["soft", "critical"]);

    actor.stop(None);
    handle.await.expect("stopped");
}

#[tokio::test(start_paused = true)]
async fn the_actor_samples_on_its_interval_and_publishes_the_level() {
    let (rss, hooks) = (FakeRss::default(), HookLog::default());
    rss.set_mib(10);
    let guard = MemoryGuard::new(config(&rss, &hooks));
    let mut levels = guard.subscribe();
    let (actor, handle) = spawn(&guard).await;
    assert_eq!(guard.level(), MemoryLevel::Normal);

    rss.set_mib(120);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert!(levels.has_changed().expect("sender alive"));
    assert_eq!(*levels.borrow_and_update(), MemoryLevel::Soft);
    assert_eq!(guard.level(), MemoryLevel::Soft);
    assert_eq!(hooks.take(), ["soft"]);

    actor.stop(None);
    handle.await.expect("stopped");
}

#[tokio::test(start_paused = true)]
async fn rising_levels_call_every_crossed_hook_in_order_and_normal_on_recovery() {
    let (rss, hooks) = (FakeRss::default(), HookLog::default());
    let guard = MemoryGuard::new(config(&rss, &hooks));
    let (actor, handle) = spawn(&guard).await;

    rss.set_mib(250);
    assert_eq!(sample_now(&actor).await.level, MemoryLevel::Hard);
    assert_eq!(hooks.take(), ["soft", "critical", "hard"]);

    rss.set_mib(150);
    assert_eq!(sample_now(&actor).await.level, MemoryLevel::Hard);
    assert!(hooks.take().is_empty());

    rss.set_mib(50);
    let status = sample_now(&actor).await;
    assert_eq!(status.level, MemoryLevel::Normal);
    assert_eq!(status.level_changes, 2);
    assert_eq!(status.peak_rss_bytes, 250 * MIB);
    assert_eq!(hooks.take(), ["normal"]);

    // Soft to critical runs only the critical hook; critical back to soft runs none.
    rss.set_mib(120);
    sample_now(&actor).await;
    rss.set_mib(170);
    sample_now(&actor).await;
    rss.set_mib(120);
    sample_now(&actor).await;
    assert_eq!(hooks.take(), ["soft", "critical"]);

    actor.stop(None);
    handle.await.expect("stopped");
}

#[tokio::test(start_paused = true)]
async fn a_failed_sample_keeps_the_level_and_is_counted() {
    let (rss, hooks) = (FakeRss::default(), HookLog::default());
    let guard = MemoryGuard::new(config(&rss, &hooks));
    let (actor, handle) = spawn(&guard).await;
    rss.set_mib(120);
    sample_now(&actor).await;

    rss.fail();
    let status = sample_now(&actor).await;
    assert_eq!(status.level, MemoryLevel::Soft);
    assert_eq!(status.rss_bytes, Some(120 * MIB));
    assert_eq!(status.failed_samples, 1);

    actor.stop(None);
    handle.await.expect("stopped");
}

#[tokio::test(start_paused = true)]
async fn panicking_hooks_and_samplers_do_not_stop_the_guard() {
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    let config = MemoryGuardConfig::default()
        .with_limits(100, 200)
        .with_sampler(move || match counter.fetch_add(1, Ordering::SeqCst) {
            0 => Some(10),
            1 => Some(150),
            2 => panic!("sampler broke"),
            _ => Some(10),
        })
        .on_soft(|| panic!("hook broke"));
    let guard = MemoryGuard::new(config);
    let (actor, handle) = spawn(&guard).await;

    assert_eq!(sample_now(&actor).await.level, MemoryLevel::Soft);
    assert_eq!(sample_now(&actor).await.failed_samples, 1);
    assert_eq!(sample_now(&actor).await.level, MemoryLevel::Normal);

    actor.stop(None);
    handle.await.expect("stopped");
}

#[tokio::test(start_paused = true)]
async fn a_restarted_guard_keeps_the_published_level_and_its_hysteresis() {
    let (rss, hooks) = (FakeRss::default(), HookLog::default());
    let guard = MemoryGuard::new(config(&rss, &hooks));
    let subscriber = guard.subscribe();
    let (actor, handle) = spawn(&guard).await;
    rss.set_mib(250);
    sample_now(&actor).await;
    actor.kill();
    handle.await.expect("killed");

    let (actor, handle) = spawn(&guard).await;
    rss.set_mib(150);
    assert_eq!(sample_now(&actor).await.level, MemoryLevel::Hard);
    assert_eq!(*subscriber.borrow(), MemoryLevel::Hard);

    actor.stop(None);
    handle.await.expect("stopped");
}

#[test]
fn sysinfo_reads_this_process_resident_memory() {
    let rss = resident_memory().expect("RSS readable on this platform");
    assert!(rss > MIB, "implausible RSS {rss}");
}

#[test]
fn status_serialises_with_levels_in_snake_case() {
    let status = MemoryStatus {
        level: MemoryLevel::Critical,
        rss_bytes: Some(1),
        peak_rss_bytes: 2,
        thresholds: MemoryGuardConfig::default().thresholds(),
        samples: 3,
        failed_samples: 0,
        level_changes: 1,
        level_for: Duration::from_millis(1_500),
    };
    let json = serde_json::to_value(status).expect("serialisable");
    assert_eq!(json["level"], "critical");
    assert_eq!(json["level_for_ms"], 1_500);
}
