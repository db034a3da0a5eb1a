//! The two text formats `/metrics` speaks: OpenMetrics, as `prometheus-client` renders it, and
//! the classic Prometheus text format 0.0.4 that `promtool check metrics`, curl users and older
//! scrapers read.
//!
//! A scraper that sends `Accept: application/openmetrics-text` gets OpenMetrics unchanged;
//! everyone else gets the classic format, converted by [`to_prometheus_text`].

use std::collections::HashSet;

/// The content type of OpenMetrics text.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The content type of the classic Prometheus text format.
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether an `Accept` header asks for OpenMetrics.
pub fn wants_openmetrics(accept: Option<&str>) -> bool {
    accept.is_some_and(|accept| accept.contains("application/openmetrics-text"))
}

/// Converts OpenMetrics text to the classic format: counter families are named with their
/// `_total` suffix in `# HELP` and `# TYPE` (the samples already carry it), and the
/// OpenMetrics-only `# UNIT` and `# EOF` lines are dropped.
pub fn to_prometheus_text(openmetrics: &str) -> String {
    let counters: HashSet<&str> = openmetrics
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        out.push_str(&rename_counter_comment(line, &counters));
        out.push('\n');
    }
    out
}

/// `# HELP name ...` or `# TYPE name ...` with `_total` added when `name` is a counter.
fn rename_counter_comment(line: &str, counters: &HashSet<&str>) -> String {
    for prefix in ["# HELP ", "# TYPE "] {
        let Some(rest) = line.strip_prefix(prefix) else {
            continue;
        };
        let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        if counters.contains(name) && !name.ends_with("_total") {
            return format!("{prefix}{name}_total {tail}")
                .trim_end()
                .to_string();
        }
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# HELP app_calls Calls by tool.
# TYPE app_calls counter
app_calls_total{tool=\"a\"} 3
# HELP app_rss_bytes Resident memory.
# TYPE app_rss_bytes gauge
# UNIT app_rss_bytes bytes
app_rss_bytes 42
# HELP app_latency_seconds Latency.
# TYPE app_latency_seconds histogram
app_latency_seconds_bucket{le=\"+Inf\"} 1
app_latency_seconds_sum 0.5
app_latency_seconds_count 1
# EOF
";

    #[test]
    fn counters_take_their_total_name_and_openmetrics_only_lines_go() {
        let text = to_prometheus_text(SAMPLE);

        assert!(text.contains("# HELP app_calls_total Calls by tool.\n"));
        assert!(text.contains("# TYPE app_calls_total counter\n"));
        assert!(text.contains("app_calls_total{tool=\"a\"} 3\n"));
        assert!(!text.contains("# EOF"));
        assert!(!text.contains("# UNIT"));
    }

    #[test]
    fn gauges_and_histograms_are_unchanged() {
        let text = to_prometheus_text(SAMPLE);

        assert!(text.contains("# TYPE app_rss_bytes gauge\napp_rss_bytes 42\n"));
        assert!(text.contains("# TYPE app_latency_seconds histogram\n"));
        assert!(text.contains("app_latency_seconds_count 1\n"));
    }

    #[test]
    fn openmetrics_is_served_only_to_scrapers_that_ask_for_it() {
        let prometheus =
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";

        assert!(wants_openmetrics(Some(prometheus)));
        assert!(!wants_openmetrics(Some("*/*")));
        assert!(!wants_openmetrics(None));
    }
}
