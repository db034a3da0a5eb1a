//! The live view: one status line, redrawn every second on stderr with indicatif when stderr
//! is a terminal, or logged every ten seconds otherwise.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio_util::sync::CancellationToken;

use super::outcome::Outcome;
use super::recorder::{LiveSnapshot, Recorder};

/// Shows the run's state until `stop`.
pub async fn run(recorder: Arc<Recorder>, duration: Duration, stop: CancellationToken) {
    let terminal = std::io::stderr().is_terminal();
    let bar = if terminal {
        let bar =
            ProgressBar::with_draw_target(Some(duration.as_secs()), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{bar:30} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Some(bar)
    } else {
        None
    };
    let every = if terminal {
        Duration::from_secs(1)
    } else {
        Duration::from_secs(10)
    };
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
        let snapshot = recorder.live();
        let line = status_line(&snapshot, duration);
        match &bar {
            Some(bar) => {
                bar.set_position(snapshot.elapsed.as_secs().min(duration.as_secs()));
                bar.set_message(line);
            }
            None => tracing::info!("{line}"),
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}

/// The status line.
pub fn status_line(s: &LiveSnapshot, duration: Duration) -> String {
    let left = duration.saturating_sub(s.elapsed).as_secs();
    let errors: Vec<String> = Outcome::ALL
        .iter()
        .filter(|o| **o != Outcome::Ok && s.attempts[o.index()] > 0)
        .map(|o| format!("{} {}", o.label(), s.attempts[o.index()]))
        .collect();
    let total: u64 = s.attempts.iter().sum();
    let rss = s
        .health
        .rss_bytes
        .map_or("-".to_string(), |b| format!("{} MiB", b >> 20));
    let recovery = s
        .last_recovery_ms
        .map_or("-".to_string(), |ms| format!("{ms:.0} ms"));
    format!(
        "{left}s left | {:.0} calls/s ({total} calls) | p50 {:.0} ms p99 {:.0} ms | RSS {rss} | \
         actor restarts {} | kills {} (last recovery {recovery}) | breakers open {} | acked {} | \
         errors: {}",
        s.calls_per_second,
        s.recent.p50_ms,
        s.recent.p99_ms,
        s.actor_restarts,
        s.kills,
        s.health.breakers_open.len(),
        s.acked,
        if errors.is_empty() {
            "none".to_string()
        } else {
            errors.join(", ")
        }
    )
}
