//! The report: every figure of the run, the criteria and the verdict, written as `report.json`
//! and as a self-contained `report.html` with charts over time.
//!
//! [`Report::build`] turns what the [`Recorder`](super::recorder::Recorder) saw, the
//! verification and the server's stop into figures, and judges them against the criteria:
//! no lost acknowledged write, no unanswered request, at least 99.5 % success excluding
//! deliberate rejections, every process kill recovered within 1 s, actor restarts p99 within
//! 10 ms, and no process left behind.

mod html;
pub mod svg;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::latency::LatencySummary;
use super::outcome::Outcome;
use super::plan::Plan;
use super::preflight::Preflight;
use super::proxy::ProxyCounts;
use super::recorder::{KillRecord, OpTotals, Recorded};
use super::server::StopReport;
use super::verify::Verification;

/// Least share of operations that must succeed, deliberate rejections excluded, in percent.
pub const MIN_SUCCESS_PERCENT: f64 = 99.5;
/// Longest allowed time from a process kill to the first successful call, in ms.
pub const MAX_PROCESS_RECOVERY_MS: f64 = 1000.0;
/// Longest allowed p99 of actor restarts, in ms.
pub const MAX_ACTOR_RECOVERY_P99_MS: f64 = 10.0;

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `PASS` or `FAIL`.
    pub verdict: &'static str,
    /// True when the run was cut short (Ctrl-C, SIGTERM).
    pub interrupted: bool,
    /// The harness and server version.
    pub version: String,
    /// Seed of every random choice.
    pub seed: u64,
    /// Start, seconds since the Unix epoch.
    pub started_at_unix: u64,
    /// How long the load actually ran, in seconds.
    pub load_seconds: f64,
    /// The configuration of the run.
    pub plan: Plan,
    /// The server's command line.
    pub server_args: Vec<String>,
    /// What pre-flight found.
    pub preflight: Preflight,
    /// The criteria, each judged.
    pub criteria: Vec<Criterion>,
    /// Calls and operations.
    pub totals: Totals,
    /// Latency of every replied call.
    pub latency: LatencySummary,
    /// Per tool: attempts by outcome and latency.
    pub tools: BTreeMap<String, ToolReport>,
    /// Every process kill with its recovery.
    pub process_kills: Vec<KillRecord>,
    /// Actor restarts and their durations.
    pub actor_recovery: ActorRecovery,
    /// The end-of-run check of acknowledged writes.
    pub verification: Verification,
    /// Server memory.
    pub memory: MemoryReport,
    /// Health samples in which each breaker was not closed.
    pub breakers_not_closed_samples: BTreeMap<String, u64>,
    /// Chaos monkey actions by kind, all server processes together.
    pub chaos_actions: BTreeMap<String, u64>,
    /// What the network-fault proxy did.
    pub proxy: ProxyCounts,
    /// How the server stopped at the end.
    pub server_stop: Option<StopReport>,
    /// Width of a timeline point, in seconds.
    pub timeline_step_seconds: f64,
    /// The run over time.
    pub timeline: Vec<TimelinePoint>,
}

/// One criterion and its judgement.
#[derive(Debug, Clone, Serialize)]
pub struct Criterion {
    /// What is checked.
    pub name: &'static str,
    /// The bound, as text.
    pub threshold: String,
    /// The measured value, as text.
    pub value: String,
    /// Whether it holds.
    pub pass: bool,
}

/// Calls and operations.
#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    /// Call attempts.
    pub calls: u64,
    /// Call attempts by outcome.
    pub calls_by_outcome: BTreeMap<&'static str, u64>,
    /// Calls per second over the load.
    pub calls_per_second: f64,
    /// Operations (each with its retries).
    pub operations: OpTotals,
    /// Successful operations over all but deliberately rejected ones, in percent.
    pub success_percent: f64,
    /// Successful calls over all but deliberately rejected ones, in percent.
    pub call_success_percent: f64,
    /// Calls without any reply within the client timeout.
    pub unanswered: u64,
    /// Failed operations by `tool/last outcome`.
    pub failed_operations: BTreeMap<String, u64>,
}

/// One tool's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ToolReport {
    /// Attempts by outcome.
    pub calls_by_outcome: BTreeMap<&'static str, u64>,
    /// Latency of replied attempts.
    pub latency: LatencySummary,
}

/// Actor restarts seen in `/health/detailed`.
#[derive(Debug, Clone, Serialize)]
pub struct ActorRecovery {
    /// Restarts seen.
    pub restarts: u64,
    /// Restarts whose duration was read.
    pub sampled: usize,
    /// Restarts overwritten by a later one before a poll.
    pub unsampled: u64,
    /// Median duration, µs.
    pub p50_us: Option<u64>,
    /// 99th percentile, µs.
    pub p99_us: Option<u64>,
    /// Longest, µs.
    pub max_us: Option<u64>,
}

/// Server memory.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryReport {
    /// Highest resident memory seen.
    pub peak_rss_bytes: u64,
    /// The memory guard's soft limit.
    pub soft_limit_bytes: Option<u64>,
    /// Its hard limit.
    pub hard_limit_bytes: Option<u64>,
}

/// One point of the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelinePoint {
    /// Start of the point, seconds into the run.
    pub t_s: f64,
    /// Calls per second.
    pub calls_per_second: f64,
    /// Successful calls per second.
    pub ok_per_second: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Failed calls by outcome.
    pub errors: BTreeMap<&'static str, u64>,
    /// Server resident memory.
    pub rss_bytes: Option<u64>,
    /// Actor restarts.
    pub actor_restarts: u64,
    /// Breakers not closed.
    pub breakers_open: Option<u32>,
    /// Process kills.
    pub kills: u32,
}

/// The inputs of a report besides the recording.
#[derive(Debug)]
pub struct Context {
    /// The plan.
    pub plan: Plan,
    /// The server's command line.
    pub server_args: Vec<String>,
    /// Pre-flight's findings.
    pub preflight: Preflight,
    /// Start, seconds since the Unix epoch.
    pub started_at_unix: u64,
    /// Load duration, seconds.
    pub load_seconds: f64,
    /// Whether the run was cut short.
    pub interrupted: bool,
    /// The proxy's counts.
    pub proxy: ProxyCounts,
    /// How the server stopped.
    pub server_stop: Option<StopReport>,
}

impl Report {
    /// Builds the report and judges it.
    pub fn build(context: Context, recorded: &Recorded, verification: Verification) -> Self {
        let totals = totals(recorded, context.load_seconds);
        let actor_recovery = actor_recovery(recorded);
        let timeline = timeline(recorded);
        let mut report = Self {
            verdict: "FAIL",
            interrupted: context.interrupted,
            version: env!("CARGO_PKG_VERSION").to_string(),
            seed: context.plan.seed,
            started_at_unix: context.started_at_unix,
            load_seconds: context.load_seconds,
            server_args: context.server_args,
            preflight: context.preflight,
            criteria: Vec::new(),
            latency: recorded.latency.summary(),
            tools: recorded
                .tools
                .iter()
                .map(|(tool, totals)| {
                    (
                        (*tool).to_string(),
                        ToolReport {
                            calls_by_outcome: by_outcome(&totals.outcomes),
                            latency: totals.latency.summary(),
                        },
                    )
                })
                .collect(),
            process_kills: recorded.kills.clone(),
            actor_recovery,
            verification,
            memory: MemoryReport {
                peak_rss_bytes: recorded.peak_rss,
                soft_limit_bytes: recorded.memory_limits.map(|l| l.0),
                hard_limit_bytes: recorded.memory_limits.map(|l| l.1),
            },
            breakers_not_closed_samples: recorded.breakers_ever_open.clone(),
            chaos_actions: recorded.chaos_actions.clone(),
            proxy: context.proxy,
            server_stop: context.server_stop,
            timeline_step_seconds: recorded.bucket_width.as_secs_f64(),
            timeline,
            totals,
            plan: context.plan,
        };
        report.criteria = criteria(&report);
        let passed = report.criteria.iter().all(|c| c.pass) && !report.interrupted;
        report.verdict = if passed { "PASS" } else { "FAIL" };
        report
    }

    /// Whether the run passed.
    pub fn passed(&self) -> bool {
        self.verdict == "PASS"
    }

    /// Writes `report.json` and `report.html` into `dir`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self)?;
        std::fs::write(dir.join("report.json"), json)?;
        std::fs::write(dir.join("report.html"), html::render(self))?;
        Ok(())
    }
}

fn by_outcome(counts: &[u64; Outcome::ALL.len()]) -> BTreeMap<&'static str, u64> {
    Outcome::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n > 0)
        .map(|(o, n)| (o.label(), *n))
        .collect()
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    part as f64 * 100.0 / whole as f64
}

fn totals(recorded: &Recorded, load_seconds: f64) -> Totals {
    let calls: u64 = recorded.attempts.iter().sum();
    let deliberate: u64 = Outcome::ALL
        .iter()
        .filter(|o| o.is_deliberate_rejection())
        .map(|o| recorded.attempts[o.index()])
        .sum();
    let ops = recorded.ops;
    Totals {
        calls,
        calls_by_outcome: by_outcome(&recorded.attempts),
        calls_per_second: calls as f64 / load_seconds.max(1.0),
        operations: ops,
        success_percent: percent(ops.ok, ops.total - ops.rejected),
        call_success_percent: percent(recorded.attempts[Outcome::Ok.index()], calls - deliberate),
        unanswered: recorded.attempts[Outcome::Timeout.index()],
        failed_operations: recorded.failed_ops.clone(),
    }
}

fn actor_recovery(recorded: &Recorded) -> ActorRecovery {
    let mut samples = recorded.actor_recoveries_us.clone();
    samples.sort_unstable();
    let quantile = |q: f64| {
        if samples.is_empty() {
            return None;
        }
        let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
        Some(samples[rank - 1])
    };
    ActorRecovery {
        restarts: recorded.actor_restarts,
        sampled: samples.len(),
        unsampled: recorded.unsampled_actor_restarts,
        p50_us: quantile(0.5),
        p99_us: quantile(0.99),
        max_us: samples.last().copied(),
    }
}

fn timeline(recorded: &Recorded) -> Vec<TimelinePoint> {
    let step = recorded.bucket_width.as_secs_f64();
    recorded
        .buckets
        .iter()
        .enumerate()
        .map(|(index, bucket)| {
            let calls: u64 = bucket.outcomes.iter().sum();
            let ok = bucket.outcomes[Outcome::Ok.index()];
            let mut errors = by_outcome(&bucket.outcomes);
            errors.remove("ok");
            let latency = bucket.latency.summary();
            TimelinePoint {
                t_s: index as f64 * step,
                calls_per_second: calls as f64 / step,
                ok_per_second: ok as f64 / step,
                p50_ms: latency.p50_ms,
                p99_ms: latency.p99_ms,
                errors,
                rss_bytes: bucket.rss_bytes,
                actor_restarts: bucket.actor_restarts,
                breakers_open: bucket.breakers_open,
                kills: bucket.kills,
            }
        })
        .collect()
}

fn criteria(report: &Report) -> Vec<Criterion> {
    let totals = &report.totals;
    let verification = &report.verification;
    let mut criteria = vec![
        Criterion {
            name: "the load ran and writes were acknowledged",
            threshold: "> 0 successful operations and > 0 acknowledged writes".to_string(),
            value: format!(
                "{} successful operations, {} acknowledged writes",
                totals.operations.ok, verification.acknowledged
            ),
            pass: totals.operations.ok > 0 && verification.acknowledged > 0,
        },
        Criterion {
            name: "lost acknowledged writes",
            threshold: "0".to_string(),
            value: match &verification.error {
                Some(err) => format!("store unreadable: {err}"),
                None => format!(
                    "{} ({} missing, {} changed, of {})",
                    verification.lost_count(),
                    verification.lost.len(),
                    verification.changed.len(),
                    verification.acknowledged
                ),
            },
            pass: verification.lost_count() == 0 && verification.error.is_none(),
        },
        Criterion {
            name: "unanswered requests",
            threshold: "0".to_string(),
            value: totals.unanswered.to_string(),
            pass: totals.unanswered == 0,
        },
        Criterion {
            name: "success excluding deliberate rejections",
            threshold: format!(">= {MIN_SUCCESS_PERCENT} %"),
            value: format!(
                "{:.3} % ({} of {} operations; {} deliberately rejected)",
                totals.success_percent,
                totals.operations.ok,
                totals.operations.total - totals.operations.rejected,
                totals.operations.rejected
            ),
            pass: totals.success_percent >= MIN_SUCCESS_PERCENT,
        },
    ];
    criteria.push(process_criterion(report));
    criteria.push(actor_criterion(report));
    if let Some(stop) = &report.server_stop {
        criteria.push(Criterion {
            name: "no server process left behind",
            threshold: "none".to_string(),
            value: if stop.leftovers {
                "processes remained".to_string()
            } else {
                "none".to_string()
            },
            pass: !stop.leftovers,
        });
    }
    criteria
}

fn process_criterion(report: &Report) -> Criterion {
    let kills = &report.process_kills;
    let worst = kills
        .iter()
        .map(|k| k.first_success_ms.unwrap_or(f64::INFINITY))
        .fold(0.0, f64::max);
    let expected = report.plan.kill_interval.is_some();
    let (value, pass) = if kills.is_empty() {
        ("no process kill took place".to_string(), !expected)
    } else if worst.is_finite() {
        (
            format!("worst {worst:.0} ms over {} kills", kills.len()),
            worst <= MAX_PROCESS_RECOVERY_MS,
        )
    } else {
        (
            format!(
                "a kill was never followed by a successful call ({} kills)",
                kills.len()
            ),
            false,
        )
    };
    Criterion {
        name: "process kill recovery (kill to first successful call)",
        threshold: format!("<= {MAX_PROCESS_RECOVERY_MS:.0} ms each"),
        value,
        pass,
    }
}

fn actor_criterion(report: &Report) -> Criterion {
    let recovery = &report.actor_recovery;
    let chaos = report.plan.chaos;
    let (value, pass) = match recovery.p99_us {
        Some(p99) => (
            format!(
                "p99 {:.3} ms, max {:.3} ms over {} sampled of {} restarts",
                p99 as f64 / 1000.0,
                recovery.max_us.unwrap_or(0) as f64 / 1000.0,
                recovery.sampled,
                recovery.restarts
            ),
            p99 as f64 / 1000.0 <= MAX_ACTOR_RECOVERY_P99_MS,
        ),
        None => ("no actor restart seen".to_string(), !chaos),
    };
    Criterion {
        name: "actor restart recovery p99",
        threshold: format!("<= {MAX_ACTOR_RECOVERY_P99_MS:.0} ms"),
        value,
        pass,
    }
}
