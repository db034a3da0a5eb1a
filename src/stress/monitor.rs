//! Polls the server's `/health/detailed` (directly, not through the proxy) once a second:
//! resident memory, memory limits, circuit breakers, the chaos monkey's actions, and every
//! actor restart with its duration (`last_recovery_us` of each child in the supervision tree).
//!
//! Restart counts start again at zero in each new server process, so they are tracked per
//! serving pid. When a child restarted more than once between two polls, only the last
//! restart's duration can be read; the others are counted as unsampled.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::recorder::{HealthSample, Recorder};
use super::server::ServerProcess;

/// Polls until `stop`; returns after one last poll.
pub async fn run(
    server: Arc<ServerProcess>,
    recorder: Arc<Recorder>,
    every: Duration,
    stop: CancellationToken,
) {
    let mut tracker = RestartTracker::default();
    loop {
        if let Some(report) = server.detailed().await {
            observe(&report, &recorder, &mut tracker);
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
    if let Some(report) = server.detailed().await {
        observe(&report, &recorder, &mut tracker);
    }
}

/// Restart counts per child, for the process that reported them.
#[derive(Debug, Default)]
pub struct RestartTracker {
    pid: Option<u64>,
    counts: HashMap<String, u64>,
}

/// Reads one report into the recorder.
pub fn observe(report: &Value, recorder: &Recorder, tracker: &mut RestartTracker) {
    let pid = report.get("pid").and_then(Value::as_u64);
    if pid != tracker.pid {
        tracker.pid = pid;
        tracker.counts.clear();
    }

    let mut children = Vec::new();
    if let Some(tree) = report.get("tree") {
        collect_children(tree, &mut children);
    }
    let (mut restarts, mut sampled) = (0u64, Vec::new());
    for (name, count, last_us) in children {
        let before = tracker.counts.insert(name, count).unwrap_or(0);
        if count > before {
            restarts += count - before;
            sampled.extend(last_us);
        }
    }
    if restarts > 0 {
        recorder.actor_restarts(restarts, &sampled);
    }

    recorder.health(health_sample(report));
    if let (Some(pid), Some(counts)) = (pid, report.pointer("/chaos/actions_by_kind")) {
        let counts: BTreeMap<String, u64> = counts
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(kind, n)| Some((kind.clone(), n.as_u64()?)))
            .collect();
        recorder.chaos_actions(u32::try_from(pid).unwrap_or(0), &counts);
    }
}

fn health_sample(report: &Value) -> HealthSample {
    let breakers_open = report
        .get("breakers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|b| b.get("state").and_then(Value::as_str) != Some("closed"))
        .filter_map(|b| b.get("key").and_then(Value::as_str).map(str::to_string))
        .collect();
    let limits = report
        .pointer("/memory/thresholds")
        .and_then(|t| Some((t.get("soft")?.as_u64()?, t.get("hard")?.as_u64()?)));
    HealthSample {
        rss_bytes: report.get("rss_bytes").and_then(Value::as_u64),
        breakers_open,
        limits,
    }
}

/// Every non-supervisor child in the tree: (name, restart count, last restart duration).
fn collect_children(node: &Value, out: &mut Vec<(String, u64, Option<u64>)>) {
    for child in node
        .get("children")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(nested) = child.get("supervisor").filter(|s| !s.is_null()) {
            collect_children(nested, out);
            continue;
        }
        let Some(name) = child.get("name").and_then(Value::as_str) else {
            continue;
        };
        out.push((
            name.to_string(),
            child
                .get("restart_count")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            child.get("last_recovery_us").and_then(Value::as_u64),
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn report(pid: u64, count: u64, last_us: u64) -> Value {
        json!({
            "pid": pid,
            "rss_bytes": 1000,
            "breakers": [{"key": "key_analysis", "state": "open"}],
            "memory": {"thresholds": {"soft": 10, "critical": 15, "hard": 20}},
            "tree": {"name": "root", "children": [
                {"name": "tools", "supervisor": {"name": "tools", "children": [
                    {"name": "key", "restart_count": count, "last_recovery_us": last_us,
                     "supervisor": null}
                ]}}
            ]}
        })
    }

    #[test]
    fn new_restarts_are_counted_once_and_sampled() {
        let recorder = Recorder::new(Duration::from_secs(60));
        let mut tracker = RestartTracker::default();

        observe(&report(1, 0, 0), &recorder, &mut tracker);
        observe(&report(1, 1, 150), &recorder, &mut tracker);
        observe(&report(1, 1, 150), &recorder, &mut tracker);
        observe(&report(1, 4, 300), &recorder, &mut tracker);
        observe(&report(2, 1, 90), &recorder, &mut tracker);
        let recorded = recorder.recorded();

        assert_eq!(recorded.actor_restarts, 5);
        assert_eq!(recorded.actor_recoveries_us, [150, 300, 90]);
        assert_eq!(recorded.unsampled_actor_restarts, 2);
        assert_eq!(recorded.memory_limits, Some((10, 20)));
        assert_eq!(recorded.breakers_ever_open.get("key_analysis"), Some(&5));
    }
}
