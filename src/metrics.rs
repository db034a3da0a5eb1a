//! Prometheus metrics: what the runtime counts, rendered in the text exposition format.
//!
//! One `Metrics` lives in the runtime. The retrying caller path records every tool call
//! (outcome, latency, in-flight, retries); the supervisors' restart observer records restarts;
//! gauges that describe the present (memory, store) are refreshed at scrape time by
//! [`Metrics::render`]. Nothing here is global, so tests can run several runtimes at once.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of per-tool series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ToolLabels {
    /// The MCP tool name.
    pub tool: String,
}

/// Labels of the call counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// The MCP tool name.
    pub tool: String,
    /// `ok`, or the kind of failure (`invalid_input`, `not_found`, `unavailable`, ...).
    pub outcome: String,
}

/// Labels of the restart counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RestartLabels {
    /// The supervisor that restarted.
    pub supervisor: String,
    /// The child that was restarted.
    pub child: String,
}

/// Labels of series with a single `kind` label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    /// The kind.
    pub kind: String,
}

/// Figures read at scrape time.
#[derive(Debug, Clone, Default)]
pub struct ScrapeState {
    /// Resident memory in bytes.
    pub rss_bytes: Option<u64>,
    /// Soft and hard memory limits in bytes.
    pub memory_limits: Option<(u64, u64)>,
    /// Memory level: 0 normal, 1 soft, 2 critical, 3 hard.
    pub memory_level: Option<i64>,
    /// Stored scores.
    pub store_scores: Option<u64>,
    /// Size of the store file in bytes.
    pub store_file_bytes: Option<u64>,
    /// Breaker state per tool: 0 closed, 1 half-open, 2 open.
    pub breakers: Vec<(String, i64)>,
    /// Seconds since start.
    pub uptime_seconds: f64,
}

/// Every metric the server exposes.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    calls: Family<OutcomeLabels, Counter>,
    latency: Family<ToolLabels, Histogram, fn() -> Histogram>,
    in_flight: Family<ToolLabels, Gauge>,
    retries: Family<ToolLabels, Counter>,
    rate_limited: Family<ToolLabels, Counter>,
    restarts: Family<RestartLabels, Counter>,
    chaos_actions: Family<KindLabels, Counter>,
    rss: Gauge,
    memory_limit: Family<KindLabels, Gauge>,
    memory_level: Gauge,
    store_scores: Gauge,
    store_bytes: Gauge,
    breaker_state: Family<ToolLabels, Gauge>,
    uptime: Gauge<f64, AtomicU64>,
}

fn latency_histogram() -> Histogram {
    // 50 µs to about 100 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 22))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric under the `music_mcp` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("music_mcp");
        let metrics = Self {
            calls: Family::default(),
            latency: Family::new_with_constructor(latency_histogram as fn() -> Histogram),
            in_flight: Family::default(),
            retries: Family::default(),
            rate_limited: Family::default(),
            restarts: Family::default(),
            chaos_actions: Family::default(),
            rss: Gauge::default(),
            memory_limit: Family::default(),
            memory_level: Gauge::default(),
            store_scores: Gauge::default(),
            store_bytes: Gauge::default(),
            breaker_state: Family::default(),
            uptime: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register(
            "tool_calls",
            "Tool calls by tool and outcome",
            metrics.calls.clone(),
        );
        registry.register(
            "tool_call_duration_seconds",
            "Tool call latency, retries included",
            metrics.latency.clone(),
        );
        registry.register(
            "tool_calls_in_flight",
            "Tool calls being served",
            metrics.in_flight.clone(),
        );
        registry.register(
            "tool_call_retries",
            "Attempts beyond the first, after a tool actor died holding the call",
            metrics.retries.clone(),
        );
        registry.register(
            "rate_limited_calls",
            "Calls refused by the rate limiter",
            metrics.rate_limited.clone(),
        );
        registry.register(
            "supervisor_restarts",
            "Child restarts by supervisor and child",
            metrics.restarts.clone(),
        );
        registry.register(
            "chaos_actions",
            "Chaos monkey actions by kind",
            metrics.chaos_actions.clone(),
        );
        registry.register(
            "memory_rss_bytes",
            "Resident memory of the server process",
            metrics.rss.clone(),
        );
        registry.register(
            "memory_limit_bytes",
            "Memory guard limits",
            metrics.memory_limit.clone(),
        );
        registry.register(
            "memory_level",
            "Memory guard level: 0 normal, 1 soft, 2 critical, 3 hard",
            metrics.memory_level.clone(),
        );
        registry.register(
            "store_scores",
            "Scores in the durable store",
            metrics.store_scores.clone(),
        );
        registry.register(
            "store_file_bytes",
            "Size of the store file",
            metrics.store_bytes.clone(),
        );
        registry.register(
            "breaker_state",
            "Circuit breaker per tool: 0 closed, 1 half-open, 2 open",
            metrics.breaker_state.clone(),
        );
        registry.register(
            "uptime_seconds",
            "Seconds since the runtime started",
            metrics.uptime.clone(),
        );
        Self {
            registry,
            ..metrics
        }
    }

    /// A call started; the returned guard ends it.
    pub fn call_started(&self, tool: &str) -> InFlight<'_> {
        let labels = ToolLabels {
            tool: tool.to_string(),
        };
        self.in_flight.get_or_create(&labels).inc();
        InFlight {
            metrics: self,
            labels,
        }
    }

    /// A call ended with `outcome` after `seconds` and `attempts` attempts.
    pub fn call_finished(&self, tool: &str, outcome: &str, seconds: f64, attempts: u32) {
        let labels = ToolLabels {
            tool: tool.to_string(),
        };
        self.calls
            .get_or_create(&OutcomeLabels {
                tool: tool.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
        self.latency.get_or_create(&labels).observe(seconds);
        if attempts > 1 {
            self.retries
                .get_or_create(&labels)
                .inc_by(u64::from(attempts - 1));
        }
    }

    /// A call was refused by the rate limiter.
    pub fn rate_limited(&self, tool: &str) {
        self.rate_limited
            .get_or_create(&ToolLabels {
                tool: tool.to_string(),
            })
            .inc();
    }

    /// A supervisor restarted a child.
    pub fn restarted(&self, supervisor: &str, child: &str) {
        let labels = RestartLabels {
            supervisor: supervisor.to_string(),
            child: child.to_string(),
        };
        self.restarts.get_or_create(&labels).inc();
    }

    /// The chaos monkey acted.
    pub fn chaos_action(&self, kind: &str) {
        self.chaos_actions
            .get_or_create(&KindLabels {
                kind: kind.to_string(),
            })
            .inc();
    }

    /// Total restarts recorded for `child` under any supervisor.
    pub fn restarts_of(&self, supervisor: &str, child: &str) -> u64 {
        let labels = RestartLabels {
            supervisor: supervisor.to_string(),
            child: child.to_string(),
        };
        self.restarts.get_or_create(&labels).get()
    }

    /// Refreshes the present-state gauges and renders the text exposition.
    pub fn render(&self, state: &ScrapeState) -> String {
        let to_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        if let Some(rss) = state.rss_bytes {
            self.rss.set(to_i64(rss));
        }
        if let Some((soft, hard)) = state.memory_limits {
            self.memory_limit
                .get_or_create(&KindLabels {
                    kind: "soft".into(),
                })
                .set(to_i64(soft));
            self.memory_limit
                .get_or_create(&KindLabels {
                    kind: "hard".into(),
                })
                .set(to_i64(hard));
        }
        if let Some(level) = state.memory_level {
            self.memory_level.set(level);
        }
        if let Some(scores) = state.store_scores {
            self.store_scores.set(to_i64(scores));
        }
        if let Some(bytes) = state.store_file_bytes {
            self.store_bytes.set(to_i64(bytes));
        }
        for (tool, value) in &state.breakers {
            self.breaker_state
                .get_or_create(&ToolLabels { tool: tool.clone() })
                .set(*value);
        }
        self.uptime.set(state.uptime_seconds);

        let mut out = String::new();
        if let Err(err) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %err, "metrics encoding failed");
        }
        out
    }
}

/// Decrements the in-flight gauge when dropped, so a cancelled call is not counted forever.
pub struct InFlight<'a> {
    metrics: &'a Metrics,
    labels: ToolLabels,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.metrics.in_flight.get_or_create(&self.labels).dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_restarts_and_gauges_appear_in_the_exposition() {
        let metrics = Metrics::new();
        {
            let _guard = metrics.call_started("key_analysis");
            metrics.call_finished("key_analysis", "ok", 0.002, 2);
        }
        metrics.restarted("sup.tools", "tool.key_analysis");
        let text = metrics.render(&ScrapeState {
            rss_bytes: Some(1234),
            store_scores: Some(3),
            uptime_seconds: 1.5,
            ..ScrapeState::default()
        });
        assert!(
            text.contains("music_mcp_tool_calls_total{tool=\"key_analysis\",outcome=\"ok\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("music_mcp_tool_call_retries_total{tool=\"key_analysis\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("music_mcp_tool_calls_in_flight{tool=\"key_analysis\"} 0"),
            "{text}"
        );
        assert!(text.contains("music_mcp_supervisor_restarts_total{supervisor=\"sup.tools\",child=\"tool.key_analysis\"} 1"), "{text}");
        assert!(text.contains("music_mcp_memory_rss_bytes 1234"), "{text}");
        assert!(text.contains("music_mcp_store_scores 3"), "{text}");
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
        assert_eq!(metrics.restarts_of("sup.tools", "tool.key_analysis"), 1);
    }
}
