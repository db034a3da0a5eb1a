//! Process chaos: SIGKILL the serving process at the kill interval and time its recovery.
//!
//! The victim is the watchdog's child, whose pid `/health/detailed` reports (and which
//! [`ServerProcess::kill`] checks is in the server's process group). After each kill the
//! killer polls the server directly until a new process answers `/health/ready`; the users'
//! first successful call after the kill is recorded by the [`Recorder`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::recorder::Recorder;
use super::server::ServerProcess;

/// How long a new server process gets to come back before the kill counts as unrecovered.
const RECOVERY_LIMIT: Duration = Duration::from_secs(30);

/// Kills the serving process every `every` until `stop`, sparing the last part of the run so
/// the last kill can recover before verification.
pub async fn run(
    server: Arc<ServerProcess>,
    recorder: Arc<Recorder>,
    every: Duration,
    end: Instant,
    stop: CancellationToken,
) {
    let quiet_tail = (every / 2).min(Duration::from_secs(10));
    let mut next = Instant::now() + every;
    loop {
        if next + quiet_tail > end {
            return;
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep_until(next.into()) => {}
        }
        next += every;
        kill_once(&server, &recorder, &stop).await;
    }
}

async fn kill_once(server: &ServerProcess, recorder: &Recorder, stop: &CancellationToken) {
    let mut pid = None;
    for _ in 0..20 {
        pid = server.serving_pid().await;
        if pid.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(pid) = pid else {
        tracing::warn!("no serving process to kill (the server did not answer /health/detailed)");
        return;
    };
    if !server.kill(pid) {
        tracing::warn!(pid, "could not kill the serving process");
        return;
    }
    let killed_at = Instant::now();
    let index = recorder.kill(pid);
    tracing::info!(pid, "chaos: SIGKILL of the server process");

    while killed_at.elapsed() < RECOVERY_LIMIT && !stop.is_cancelled() {
        if server.ready().await && server.serving_pid().await.is_some_and(|p| p != pid) {
            let after = killed_at.elapsed();
            recorder.server_back(index, after);
            tracing::info!(
                pid,
                ms = after.as_millis() as u64,
                "server process back after kill"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tracing::warn!(pid, "the server did not come back within 30 s of the kill");
}
