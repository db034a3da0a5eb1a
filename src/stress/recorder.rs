//! What the run saw: every call's outcome and latency over time, the acknowledged writes, the
//! process kills and their recoveries, and the server's health samples.
//!
//! One [`Recorder`] is shared by the users, the killer, the monitor and the live view; a
//! plain mutex suffices at a few hundred calls per second. The timeline has at most about 600
//! buckets whatever the run's length, and latencies live in bounded histograms.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::latency::{LatencyHistogram, LatencySummary};
use super::outcome::Outcome;

/// Most buckets in the timeline.
const MAX_BUCKETS: f64 = 600.0;

/// The shared record of a run.
#[derive(Debug)]
pub struct Recorder {
    started: Instant,
    bucket_width: Duration,
    inner: Mutex<Inner>,
}

/// One acknowledged write: what the server said it stored.
#[derive(Debug, Clone, Serialize)]
pub struct Ack {
    /// The score id.
    pub score_id: String,
    /// The content hash the server returned; `None` when the write was confirmed by a retry
    /// that found the id taken (the first attempt's reply was lost).
    pub content_hash: Option<String>,
    /// `import`, `import_generated`, `transpose`, or the generation tool that wrote it.
    pub kind: &'static str,
    /// Seconds into the run.
    pub at_s: f64,
}

/// One SIGKILL of the server process and how long service took to come back.
#[derive(Debug, Clone, Serialize)]
pub struct KillRecord {
    /// Seconds into the run.
    pub at_s: f64,
    /// The killed process.
    pub pid: u32,
    /// When a new server process answered `/health/ready` with 200, in ms after the kill.
    pub server_back_ms: Option<f64>,
    /// When the first call started after the kill succeeded, in ms after the kill.
    pub first_success_ms: Option<f64>,
    #[serde(skip)]
    killed_at: Option<Instant>,
}

/// Operation totals: one operation may take several attempts.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct OpTotals {
    /// Operations finished.
    pub total: u64,
    /// Ended in a result.
    pub ok: u64,
    /// Ended in a deliberate rejection (rate limit, memory guard, breaker, injected fault).
    pub rejected: u64,
    /// Ended in anything else after every attempt.
    pub failed: u64,
    /// Still being retried when the load phase ended (not counted in `total`).
    pub abandoned: u64,
}

/// One bucket of the timeline.
#[derive(Debug, Clone, Default)]
pub struct Bucket {
    /// Attempts by outcome.
    pub outcomes: [u64; Outcome::ALL.len()],
    /// Latencies of the attempts that got a reply.
    pub latency: LatencyHistogram,
    /// Server resident memory, last sample in the bucket.
    pub rss_bytes: Option<u64>,
    /// Actor restarts seen in the bucket.
    pub actor_restarts: u64,
    /// Breakers open at the last sample.
    pub breakers_open: Option<u32>,
    /// Process kills in the bucket.
    pub kills: u32,
}

/// One health sample of the server, as the monitor read it.
#[derive(Debug, Clone, Default)]
pub struct HealthSample {
    /// Resident memory of the serving process.
    pub rss_bytes: Option<u64>,
    /// Breakers not closed, by tool.
    pub breakers_open: Vec<String>,
    /// The memory guard's soft and hard limits.
    pub limits: Option<(u64, u64)>,
}

#[derive(Debug, Default)]
struct Inner {
    attempts: [u64; Outcome::ALL.len()],
    ops: OpTotals,
    failed_ops: BTreeMap<String, u64>,
    latency: LatencyHistogram,
    tools: BTreeMap<&'static str, ToolTotals>,
    buckets: Vec<Bucket>,
    ledger: HashMap<String, Ack>,
    kills: Vec<KillRecord>,
    actor_recoveries_us: Vec<u64>,
    actor_restarts: u64,
    unsampled_actor_restarts: u64,
    last_health: HealthSample,
    peak_rss: u64,
    breakers_ever_open: BTreeMap<String, u64>,
    chaos_actions: BTreeMap<String, u64>,
}

/// Per-tool totals.
#[derive(Debug, Default, Clone)]
pub struct ToolTotals {
    /// Attempts by outcome.
    pub outcomes: [u64; Outcome::ALL.len()],
    /// Latency of attempts that got a reply.
    pub latency: LatencyHistogram,
}

/// What the live view shows.
#[derive(Debug, Clone)]
pub struct LiveSnapshot {
    /// Time since the start.
    pub elapsed: Duration,
    /// Attempts by outcome so far.
    pub attempts: [u64; Outcome::ALL.len()],
    /// Latency over the last two buckets.
    pub recent: LatencySummary,
    /// Calls per second over the last two buckets.
    pub calls_per_second: f64,
    /// Last health sample.
    pub health: HealthSample,
    /// Actor restarts seen.
    pub actor_restarts: u64,
    /// Process kills so far.
    pub kills: usize,
    /// Recovery of the last process kill, in ms, once it recovered.
    pub last_recovery_ms: Option<f64>,
    /// Acknowledged writes held.
    pub acked: usize,
}

/// Everything recorded, for the report.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Width of a timeline bucket.
    pub bucket_width: Duration,
    /// Attempts by outcome.
    pub attempts: [u64; Outcome::ALL.len()],
    /// Operation totals.
    pub ops: OpTotals,
    /// Failed operations by `tool/outcome`.
    pub failed_ops: BTreeMap<String, u64>,
    /// Latency of all replied attempts.
    pub latency: LatencyHistogram,
    /// Per-tool totals.
    pub tools: BTreeMap<&'static str, ToolTotals>,
    /// The timeline.
    pub buckets: Vec<Bucket>,
    /// Acknowledged writes still expected in the store.
    pub ledger: Vec<Ack>,
    /// Process kills.
    pub kills: Vec<KillRecord>,
    /// Sampled actor restart durations, microseconds.
    pub actor_recoveries_us: Vec<u64>,
    /// Actor restarts seen (sampled or not).
    pub actor_restarts: u64,
    /// Restarts whose duration was overwritten before it could be sampled.
    pub unsampled_actor_restarts: u64,
    /// Highest server RSS seen.
    pub peak_rss: u64,
    /// Memory guard limits (soft, hard).
    pub memory_limits: Option<(u64, u64)>,
    /// Samples in which each breaker was seen not closed.
    pub breakers_ever_open: BTreeMap<String, u64>,
    /// Chaos monkey actions by kind, summed over server processes.
    pub chaos_actions: BTreeMap<String, u64>,
}

impl Recorder {
    /// A recorder for a run of `duration`.
    pub fn new(duration: Duration) -> Self {
        let width = (duration.as_secs_f64() / MAX_BUCKETS).max(1.0);
        Self {
            started: Instant::now(),
            bucket_width: Duration::from_secs_f64(width),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Seconds since the start.
    pub fn now_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Records one attempt of `tool` that started at `started` and ended now.
    pub fn attempt(&self, tool: &'static str, outcome: Outcome, started: Instant) {
        let now = Instant::now();
        let micros = u64::try_from(now.duration_since(started).as_micros()).unwrap_or(u64::MAX);
        let replied = !matches!(outcome, Outcome::Timeout | Outcome::ConnectionLost);
        let bucket = self.bucket_index(now);
        let mut inner = self.lock();
        inner.attempts[outcome.index()] += 1;
        let tool_totals = inner.tools.entry(tool).or_default();
        tool_totals.outcomes[outcome.index()] += 1;
        if replied {
            tool_totals.latency.record_us(micros);
            inner.latency.record_us(micros);
        }
        let slot = inner.bucket(bucket);
        slot.outcomes[outcome.index()] += 1;
        if replied {
            slot.latency.record_us(micros);
        }
        if outcome == Outcome::Ok {
            for kill in inner
                .kills
                .iter_mut()
                .filter(|k| k.first_success_ms.is_none())
            {
                if let Some(at) = kill.killed_at
                    && started >= at
                {
                    kill.first_success_ms = Some(now.duration_since(at).as_secs_f64() * 1000.0);
                }
            }
        }
    }

    /// Records how an operation ended after all its attempts.
    pub fn operation(&self, tool: &'static str, last: Outcome) {
        let mut inner = self.lock();
        inner.ops.total += 1;
        if last == Outcome::Ok {
            inner.ops.ok += 1;
        } else if last.is_deliberate_rejection() {
            inner.ops.rejected += 1;
        } else {
            inner.ops.failed += 1;
            *inner
                .failed_ops
                .entry(format!("{tool}/{}", last.label()))
                .or_default() += 1;
        }
    }

    /// Records an operation cut short by the end of the load phase.
    pub fn abandoned(&self) {
        self.lock().ops.abandoned += 1;
    }

    /// Records an acknowledged write.
    pub fn acknowledge(&self, score_id: &str, content_hash: Option<String>, kind: &'static str) {
        let at_s = self.now_s();
        let ack = Ack {
            score_id: score_id.to_string(),
            content_hash,
            kind,
            at_s,
        };
        self.lock().ledger.insert(score_id.to_string(), ack);
    }

    /// Forgets a write after an acknowledged delete.
    pub fn forget(&self, score_id: &str) {
        self.lock().ledger.remove(score_id);
    }

    /// Records a SIGKILL of `pid` now; returns its index for [`Recorder::server_back`].
    pub fn kill(&self, pid: u32) -> usize {
        let now = Instant::now();
        let at_s = self.now_s();
        let bucket = self.bucket_index(now);
        let mut inner = self.lock();
        inner.bucket(bucket).kills += 1;
        inner.kills.push(KillRecord {
            at_s,
            pid,
            server_back_ms: None,
            first_success_ms: None,
            killed_at: Some(now),
        });
        inner.kills.len() - 1
    }

    /// Records that a new server process was ready `after` the kill `index`.
    pub fn server_back(&self, index: usize, after: Duration) {
        if let Some(kill) = self.lock().kills.get_mut(index) {
            kill.server_back_ms = Some(after.as_secs_f64() * 1000.0);
        }
    }

    /// Records a health sample of the server.
    pub fn health(&self, sample: HealthSample) {
        let bucket = self.bucket_index(Instant::now());
        let mut inner = self.lock();
        if let Some(rss) = sample.rss_bytes {
            inner.peak_rss = inner.peak_rss.max(rss);
        }
        for tool in &sample.breakers_open {
            *inner.breakers_ever_open.entry(tool.clone()).or_default() += 1;
        }
        let slot = inner.bucket(bucket);
        slot.rss_bytes = sample.rss_bytes.or(slot.rss_bytes);
        slot.breakers_open = Some(u32::try_from(sample.breakers_open.len()).unwrap_or(0));
        if sample.limits.is_none() {
            let limits = inner.last_health.limits;
            inner.last_health = HealthSample { limits, ..sample };
        } else {
            inner.last_health = sample;
        }
    }

    /// Records actor restarts seen by the monitor: `count` restarts, of which the durations
    /// in `sampled_us` were read.
    pub fn actor_restarts(&self, count: u64, sampled_us: &[u64]) {
        let bucket = self.bucket_index(Instant::now());
        let mut inner = self.lock();
        inner.actor_restarts += count;
        inner.unsampled_actor_restarts += count.saturating_sub(sampled_us.len() as u64);
        inner.actor_recoveries_us.extend_from_slice(sampled_us);
        inner.bucket(bucket).actor_restarts += count;
    }

    /// Records the chaos monkey's action counts of one server process (the latest wins).
    pub fn chaos_actions(&self, pid: u32, counts: &BTreeMap<String, u64>) {
        let mut inner = self.lock();
        for (kind, count) in counts {
            inner.chaos_actions.insert(format!("{pid}/{kind}"), *count);
        }
    }

    /// What the live view shows now.
    pub fn live(&self) -> LiveSnapshot {
        let now = Instant::now();
        let current = self.bucket_index(now);
        let inner = self.lock();
        let mut recent = LatencyHistogram::default();
        let mut calls = 0u64;
        let first = current.saturating_sub(2);
        for bucket in inner.buckets.iter().skip(first).take(2) {
            recent.merge(&bucket.latency);
            calls += bucket.outcomes.iter().sum::<u64>();
        }
        let window = self.bucket_width.as_secs_f64() * (current - first).max(1) as f64;
        LiveSnapshot {
            elapsed: now.duration_since(self.started),
            attempts: inner.attempts,
            recent: recent.summary(),
            calls_per_second: calls as f64 / window,
            health: inner.last_health.clone(),
            actor_restarts: inner.actor_restarts,
            kills: inner.kills.len(),
            last_recovery_ms: inner.kills.last().and_then(|k| k.first_success_ms),
            acked: inner.ledger.len(),
        }
    }

    /// Everything, for the report.
    pub fn recorded(&self) -> Recorded {
        let inner = self.lock();
        let mut ledger: Vec<Ack> = inner.ledger.values().cloned().collect();
        ledger.sort_by(|a, b| a.score_id.cmp(&b.score_id));
        let mut chaos = BTreeMap::new();
        for (key, count) in &inner.chaos_actions {
            let kind = key.split_once('/').map_or(key.as_str(), |(_, kind)| kind);
            *chaos.entry(kind.to_string()).or_insert(0) += count;
        }
        Recorded {
            bucket_width: self.bucket_width,
            attempts: inner.attempts,
            ops: inner.ops,
            failed_ops: inner.failed_ops.clone(),
            latency: inner.latency.clone(),
            tools: inner.tools.clone(),
            buckets: inner.buckets.clone(),
            ledger,
            kills: inner.kills.clone(),
            actor_recoveries_us: inner.actor_recoveries_us.clone(),
            actor_restarts: inner.actor_restarts,
            unsampled_actor_restarts: inner.unsampled_actor_restarts,
            peak_rss: inner.peak_rss,
            memory_limits: inner.last_health.limits,
            breakers_ever_open: inner.breakers_ever_open.clone(),
            chaos_actions: chaos,
        }
    }

    fn bucket_index(&self, at: Instant) -> usize {
        let offset = at.saturating_duration_since(self.started).as_secs_f64();
        (offset / self.bucket_width.as_secs_f64()) as usize
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every update leaves the record consistent, so a poisoned lock is safe to reuse.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    fn bucket(&mut self, index: usize) -> &mut Bucket {
        if self.buckets.len() <= index {
            self.buckets.resize_with(index + 1, Bucket::default);
        }
        &mut self.buckets[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_success_started_after_a_kill_is_its_recovery() {
        let recorder = Recorder::new(Duration::from_secs(60));
        let before = Instant::now();
        let kill = recorder.kill(42);

        recorder.attempt("key_analysis", Outcome::Ok, before);
        let unrecovered = recorder.recorded().kills[kill].first_success_ms;
        recorder.attempt("key_analysis", Outcome::Ok, Instant::now());
        let recovered = recorder.recorded().kills[kill].first_success_ms;

        assert_eq!(
            unrecovered, None,
            "a call that started before the kill proves nothing"
        );
        assert!(recovered.is_some());
    }

    #[test]
    fn operations_split_into_ok_rejected_and_failed() {
        let recorder = Recorder::new(Duration::from_secs(60));

        recorder.operation("import_score", Outcome::Ok);
        recorder.operation("import_score", Outcome::RateLimited);
        recorder.operation("import_score", Outcome::Timeout);
        let ops = recorder.recorded().ops;

        assert_eq!((ops.total, ops.ok, ops.rejected, ops.failed), (3, 1, 1, 1));
    }
}
