//! Waiting for the signals that ask the server to stop: SIGTERM (systemd, a container runtime,
//! the watchdog) and SIGINT (Ctrl-C).
//!
//! `main` races [`requested`] against the transport; whichever signal arrives first starts the
//! graceful shutdown (drain in-flight calls, stop the supervision tree, exit 0).

use std::fmt;

use tokio::signal::unix::{SignalKind, signal};

/// Which signal asked for the shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    /// SIGTERM.
    Terminate,
    /// SIGINT.
    Interrupt,
}

impl fmt::Display for StopSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Terminate => "SIGTERM",
            Self::Interrupt => "SIGINT",
        })
    }
}

/// Resolves at the first SIGTERM or SIGINT. If the handlers cannot be installed (which only
/// happens when the process is out of resources) it never resolves, and the default signal
/// action (exit) applies instead.
pub async fn requested() -> StopSignal {
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!(
            "cannot install signal handlers; SIGTERM and SIGINT will end the process at once"
        );
        return std::future::pending().await;
    };
    let received = tokio::select! {
        _ = terminate.recv() => StopSignal::Terminate,
        _ = interrupt.recv() => StopSignal::Interrupt,
    };
    tracing::info!(signal = %received, "shutdown requested");
    received
}
