//! `report.html`: one self-contained page (inline CSS and SVG, no scripts or external files)
//! with the verdict, the criteria, the key figures, charts over time and the configuration.

use std::fmt::Write;

use super::Report;
use super::svg::{Chart, Series, escape, render as chart};

const MIB: f64 = 1024.0 * 1024.0;

/// The page.
pub fn render(report: &Report) -> String {
    let mut page = String::new();
    let verdict_color = if report.passed() {
        "#1a7f37"
    } else {
        "#cf222e"
    };
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>music-mcp stress report: {verdict}</title>\
         <style>body{{font-family:sans-serif;margin:24px;max-width:900px;color:#222}}\
         table{{border-collapse:collapse;margin:8px 0 20px}}td,th{{border:1px solid #ccc;\
         padding:4px 8px;text-align:left;font-size:13px}}.pass{{color:#1a7f37;font-weight:bold}}\
         .fail{{color:#cf222e;font-weight:bold}}pre{{background:#f6f8fa;padding:8px;\
         font-size:12px;overflow-x:auto}}.verdict{{font-size:28px;color:{verdict_color};\
         font-weight:bold}}svg{{display:block;margin:8px 0 16px}}</style></head><body>",
        verdict = report.verdict
    );
    let _ = write!(
        page,
        "<h1>music-mcp stress report</h1><p class=\"verdict\">{}{}</p>",
        report.verdict,
        if report.interrupted {
            " (interrupted)"
        } else {
            ""
        }
    );
    let _ = write!(
        page,
        "<p>{} users, profile {:?}, seed {}, load {:.0} s, chaos {}, version {}.</p>",
        report.plan.users,
        report.plan.profile,
        report.seed,
        report.load_seconds,
        if report.plan.chaos { "on" } else { "off" },
        escape(&report.version)
    );

    criteria_table(&mut page, report);
    figures_table(&mut page, report);
    charts(&mut page, report);
    kills_table(&mut page, report);
    errors_table(&mut page, report);

    let plan = serde_json::to_string_pretty(&report.plan).unwrap_or_default();
    let _ = write!(
        page,
        "<h2>Configuration</h2><pre>{}</pre><p>Server: <code>music-mcp {}</code></p>",
        escape(&plan),
        escape(&report.server_args.join(" "))
    );
    page.push_str("</body></html>\n");
    page
}

fn criteria_table(page: &mut String, report: &Report) {
    page.push_str("<h2>Criteria</h2><table><tr><th>criterion</th><th>threshold</th><th>measured</th><th></th></tr>");
    for criterion in &report.criteria {
        let (class, word) = if criterion.pass {
            ("pass", "PASS")
        } else {
            ("fail", "FAIL")
        };
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{word}</td></tr>",
            escape(criterion.name),
            escape(&criterion.threshold),
            escape(&criterion.value)
        );
    }
    page.push_str("</table>");
}

fn figures_table(page: &mut String, report: &Report) {
    let t = &report.totals;
    let v = &report.verification;
    let a = &report.actor_recovery;
    let us = |value: Option<u64>| {
        value.map_or("-".to_string(), |us| {
            format!("{:.3} ms", us as f64 / 1000.0)
        })
    };
    let rows = [
        (
            "calls",
            format!("{} ({:.1}/s)", t.calls, t.calls_per_second),
        ),
        (
            "operations",
            format!(
                "{} ok, {} deliberately rejected, {} failed, {} abandoned at the end",
                t.operations.ok, t.operations.rejected, t.operations.failed, t.operations.abandoned
            ),
        ),
        (
            "success (operations)",
            format!("{:.3} %", t.success_percent),
        ),
        (
            "success (single calls)",
            format!("{:.3} %", t.call_success_percent),
        ),
        (
            "latency",
            format!(
                "p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                report.latency.p50_ms,
                report.latency.p90_ms,
                report.latency.p99_ms,
                report.latency.max_ms
            ),
        ),
        (
            "acknowledged writes",
            format!(
                "{} ({} intact, {} present without hash, {} lost, {} changed; {} stored)",
                v.acknowledged,
                v.intact,
                v.present_without_hash,
                v.lost.len(),
                v.changed.len(),
                v.stored
            ),
        ),
        ("process kills", report.process_kills.len().to_string()),
        (
            "actor restarts",
            format!(
                "{} ({} sampled): p50 {}, p99 {}, max {}",
                a.restarts,
                a.sampled,
                us(a.p50_us),
                us(a.p99_us),
                us(a.max_us)
            ),
        ),
        (
            "server memory",
            format!(
                "peak {:.0} MiB (soft limit {}, hard limit {})",
                report.memory.peak_rss_bytes as f64 / MIB,
                report
                    .memory
                    .soft_limit_bytes
                    .map_or("-".into(), |b| format!("{:.0} MiB", b as f64 / MIB)),
                report
                    .memory
                    .hard_limit_bytes
                    .map_or("-".into(), |b| format!("{:.0} MiB", b as f64 / MIB)),
            ),
        ),
        (
            "chaos monkey actions",
            format!("{:?}", report.chaos_actions),
        ),
        (
            "network faults",
            format!(
                "{} connections: {} delayed, {} dropped, {} reset, {} refused by a dead server",
                report.proxy.connections,
                report.proxy.delayed,
                report.proxy.dropped,
                report.proxy.reset,
                report.proxy.upstream_refused
            ),
        ),
        (
            "breakers seen not closed",
            format!("{:?}", report.breakers_not_closed_samples),
        ),
    ];
    page.push_str("<h2>Figures</h2><table>");
    for (name, value) in rows {
        let _ = write!(
            page,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(name),
            escape(&value)
        );
    }
    page.push_str("</table>");
}

fn charts(page: &mut String, report: &Report) {
    let x_max = report
        .load_seconds
        .max(report.timeline.last().map_or(0.0, |p| p.t_s));
    let marks: Vec<f64> = report.process_kills.iter().map(|k| k.at_s).collect();
    let points = |f: &dyn Fn(&super::TimelinePoint) -> Option<f64>| -> Vec<(f64, f64)> {
        report
            .timeline
            .iter()
            .filter_map(|p| Some((p.t_s, f(p)?)))
            .collect()
    };
    let base = |title: &str, y_label: &str| Chart {
        title: title.to_string(),
        y_label: y_label.to_string(),
        marks: marks.clone(),
        x_max,
        ..Chart::default()
    };
    page.push_str("<h2>Over time</h2><p>Dashed red lines: process kills.</p>");

    let mut throughput = base("Throughput", "calls per second");
    throughput.series = vec![
        series(
            "all calls",
            "#0969da",
            points(&|p| Some(p.calls_per_second)),
        ),
        series("successful", "#1a7f37", points(&|p| Some(p.ok_per_second))),
    ];
    page.push_str(&chart(&throughput));

    let mut latency = base("Latency", "ms");
    latency.series = vec![
        series("p50", "#0969da", points(&|p| Some(p.p50_ms))),
        series("p99", "#bf3989", points(&|p| Some(p.p99_ms))),
    ];
    page.push_str(&chart(&latency));

    let mut errors = base("Errors by kind", "calls per point");
    let colors = [
        "#cf222e", "#bc4c00", "#8250df", "#0550ae", "#116329", "#953800", "#6e7781", "#d4a72c",
        "#1b7c83", "#a40e26",
    ];
    let mut kinds: Vec<&str> = report
        .timeline
        .iter()
        .flat_map(|p| p.errors.keys().copied())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    errors.series = kinds
        .iter()
        .zip(colors.iter().cycle())
        .map(|(kind, color)| {
            series(
                kind,
                color,
                points(&|p| Some(*p.errors.get(kind).unwrap_or(&0) as f64)),
            )
        })
        .collect();
    page.push_str(&chart(&errors));

    let mut memory = base(
        "Server resident memory against the memory guard's limits",
        "MiB",
    );
    memory.series = vec![series(
        "RSS",
        "#0969da",
        points(&|p| p.rss_bytes.map(|b| b as f64 / MIB)),
    )];
    if let Some(soft) = report.memory.soft_limit_bytes {
        memory
            .limits
            .push(("soft limit".to_string(), soft as f64 / MIB, "#bc4c00"));
    }
    if let Some(hard) = report.memory.hard_limit_bytes {
        memory
            .limits
            .push(("hard limit".to_string(), hard as f64 / MIB, "#cf222e"));
    }
    page.push_str(&chart(&memory));

    let mut restarts = base("Actor restarts and open breakers", "per point");
    restarts.series = vec![
        series(
            "actor restarts",
            "#8250df",
            points(&|p| Some(p.actor_restarts as f64)),
        ),
        series(
            "breakers not closed",
            "#cf222e",
            points(&|p| p.breakers_open.map(f64::from)),
        ),
    ];
    page.push_str(&chart(&restarts));

    let mut recoveries = base("Process kill recoveries", "ms after the kill");
    recoveries.series = vec![
        series(
            "server ready",
            "#0969da",
            report
                .process_kills
                .iter()
                .filter_map(|k| Some((k.at_s, k.server_back_ms?)))
                .collect(),
        ),
        series(
            "first successful call",
            "#1a7f37",
            report
                .process_kills
                .iter()
                .filter_map(|k| Some((k.at_s, k.first_success_ms?)))
                .collect(),
        ),
    ];
    recoveries
        .limits
        .push(("1 s limit".to_string(), 1000.0, "#cf222e"));
    page.push_str(&chart(&recoveries));
}

fn series(name: &str, color: &'static str, points: Vec<(f64, f64)>) -> Series {
    Series {
        name: name.to_string(),
        color,
        points,
    }
}

fn kills_table(page: &mut String, report: &Report) {
    page.push_str("<h2>Process kills</h2><table><tr><th>at</th><th>pid</th><th>server ready after</th><th>first successful call after</th></tr>");
    let ms = |v: Option<f64>| v.map_or("never".to_string(), |v| format!("{v:.0} ms"));
    for kill in &report.process_kills {
        let _ = write!(
            page,
            "<tr><td>{:.1} s</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            kill.at_s,
            kill.pid,
            ms(kill.server_back_ms),
            ms(kill.first_success_ms)
        );
    }
    page.push_str("</table>");
}

fn errors_table(page: &mut String, report: &Report) {
    page.push_str("<h2>Calls by outcome</h2><table><tr><th>tool</th><th>outcomes</th><th>p50</th><th>p99</th></tr>");
    for (tool, figures) in &report.tools {
        let outcomes: Vec<String> = figures
            .calls_by_outcome
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{:.1} ms</td><td>{:.1} ms</td></tr>",
            escape(tool),
            escape(&outcomes.join(", ")),
            figures.latency.p50_ms,
            figures.latency.p99_ms
        );
    }
    page.push_str("</table>");
    if !report.totals.failed_operations.is_empty() {
        page.push_str("<h3>Failed operations (tool / last outcome)</h3><table>");
        for (key, count) in &report.totals.failed_operations {
            let _ = write!(page, "<tr><td>{}</td><td>{count}</td></tr>", escape(key));
        }
        page.push_str("</table>");
    }
    if !report.verification.lost.is_empty() || !report.verification.changed.is_empty() {
        let _ = write!(
            page,
            "<h3 class=\"fail\">Lost acknowledged writes</h3><p>missing: {}</p><p>changed: {}</p>",
            escape(&report.verification.lost.join(", ")),
            escape(&report.verification.changed.join(", "))
        );
    }
}
