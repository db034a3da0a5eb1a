//! `serve --watchdog`: run the server as a child process and start a new one within a second
//! whenever it dies, with a restart intensity of its own.
//!
//! The watchdog is the supervisor above the root supervisor: when the root gives up (the
//! process exits non-zero) or the process is killed outright (`kill -9`, an abort), the
//! watchdog starts a fresh process with the same arguments minus `--watchdog`. More than
//! `max_restarts` restarts within `period` and it gives up with a message and a non-zero exit,
//! as an OTP supervisor does. SIGTERM and SIGINT are forwarded to the child, and the watchdog
//! exits with the child's status once it has stopped. A child that exits 0 by itself stopped on
//! purpose and is not restarted.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};
use tokio::signal::unix::{SignalKind, signal};

/// The environment variable set in the child, so it never starts a watchdog of its own.
pub const CHILD_ENV_VAR: &str = "MUSIC_MCP_WATCHDOG_CHILD";

/// How long after a death the next child is started.
const RESTART_DELAY: Duration = Duration::from_millis(50);

/// How long a child gets to stop after a forwarded signal before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// The watchdog's restart intensity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchdogPolicy {
    /// Restarts allowed within `period`.
    pub max_restarts: u32,
    /// The sliding window.
    pub period: Duration,
}

/// Why the watchdog stopped.
#[derive(Debug, thiserror::Error)]
pub enum WatchdogError {
    /// The server could not be started at all.
    #[error("cannot start the server process {}: {source}", program.display())]
    Spawn {
        /// The program.
        program: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The server died too often.
    #[error(
        "the server died {restarts} times within {period_seconds} s (last exit: {last}); the \
         watchdog gives up. Read the server's log above for the cause, or raise \
         watchdog.max_restarts"
    )]
    GaveUp {
        /// Deaths in the window.
        restarts: u32,
        /// The window, in seconds.
        period_seconds: u64,
        /// The last exit status.
        last: String,
    },
    /// Waiting for the child failed.
    #[error("cannot wait for the server process: {0}")]
    Wait(#[source] std::io::Error),
}

/// The command line of the child: this program's arguments minus `--watchdog`.
pub fn child_args(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    args.into_iter()
        .skip(1)
        .filter(|arg| arg != "--watchdog")
        .collect()
}

/// Restart times within the window; says when the intensity is exceeded.
#[derive(Debug)]
pub struct RestartWindow {
    policy: WatchdogPolicy,
    restarts: VecDeque<Instant>,
}

impl RestartWindow {
    /// An empty window.
    pub fn new(policy: WatchdogPolicy) -> Self {
        Self {
            policy,
            restarts: VecDeque::new(),
        }
    }

    /// Records a restart at `now`; false when that makes more than `max_restarts` in the
    /// window, meaning: give up.
    pub fn allow(&mut self, now: Instant) -> bool {
        while self
            .restarts
            .front()
            .is_some_and(|t| now.duration_since(*t) > self.policy.period)
        {
            self.restarts.pop_front();
        }
        self.restarts.push_back(now);
        self.restarts.len() <= self.policy.max_restarts as usize
    }

    /// Restarts in the window.
    pub fn count(&self) -> u32 {
        u32::try_from(self.restarts.len()).unwrap_or(u32::MAX)
    }
}

/// Runs `program args` until it stops on purpose or dies too often; returns the exit code
/// the watchdog should exit with.
pub async fn run(
    program: PathBuf,
    args: Vec<OsString>,
    policy: WatchdogPolicy,
) -> Result<i32, WatchdogError> {
    let mut terminate = signal(SignalKind::terminate()).map_err(WatchdogError::Wait)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(WatchdogError::Wait)?;
    let mut window = RestartWindow::new(policy);

    loop {
        let mut child = spawn(&program, &args)?;
        let pid = child.id();
        tracing::info!(pid, "watchdog started the server");

        let forwarded = tokio::select! {
            status = child.wait() => {
                let status = status.map_err(WatchdogError::Wait)?;
                if status.success() {
                    tracing::info!("server stopped on purpose; the watchdog stops too");
                    return Ok(0);
                }
                if !window.allow(Instant::now()) {
                    return Err(WatchdogError::GaveUp {
                        restarts: window.count(),
                        period_seconds: policy.period.as_secs(),
                        last: describe(status),
                    });
                }
                tracing::warn!(
                    exit = %describe(status),
                    restarts = window.count(),
                    max_restarts = policy.max_restarts,
                    "server died; watchdog restarts it"
                );
                tokio::time::sleep(RESTART_DELAY).await;
                continue;
            }
            _ = terminate.recv() => libc::SIGTERM,
            _ = interrupt.recv() => libc::SIGINT,
        };
        return stop_child(&mut child, pid, forwarded).await;
    }
}

fn spawn(program: &PathBuf, args: &[OsString]) -> Result<Child, WatchdogError> {
    let mut command = Command::new(program);
    command
        .args(args)
        .env(CHILD_ENV_VAR, "1")
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    die_with_the_watchdog(&mut command);
    command.spawn().map_err(|source| WatchdogError::Spawn {
        program: program.clone(),
        source,
    })
}

/// A watchdog that is itself killed (`SIGKILL` cannot be caught, so it cannot pass the signal
/// on) must not leave its server running: that server would keep the port, and the next
/// watchdog's server could not bind it. On Linux the kernel sends the child `SIGTERM` when
/// the watchdog dies, so it shuts down gracefully on its own.
#[cfg(target_os = "linux")]
fn die_with_the_watchdog(command: &mut Command) {
    // SAFETY: getpid(2) touches no memory.
    let watchdog = unsafe { libc::getpid() };
    // SAFETY: the closure runs in the forked child before exec and calls only prctl(2),
    // getppid(2) and kill(2), which are async-signal-safe; it allocates nothing.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The watchdog may have died between fork and prctl: then nobody would ever tell.
            if libc::getppid() != watchdog {
                libc::kill(libc::getpid(), libc::SIGTERM);
            }
            Ok(())
        });
    }
}

/// Elsewhere the child outlives a killed watchdog; a graceful stop still takes it down.
#[cfg(not(target_os = "linux"))]
fn die_with_the_watchdog(_command: &mut Command) {}

/// Forwards `signal` to the child and waits for it to stop (killing it after a grace period).
async fn stop_child(
    child: &mut Child,
    pid: Option<u32>,
    signal: i32,
) -> Result<i32, WatchdogError> {
    if let Some(pid) = pid.and_then(|p| libc::pid_t::try_from(p).ok()) {
        tracing::info!(pid, signal, "watchdog forwards the signal to the server");
        // SAFETY: kill(2) with a pid this process spawned and has not yet reaped (so it cannot
        // have been reused) and a valid signal number; it touches no memory.
        unsafe {
            libc::kill(pid, signal);
        }
    }
    let status = match tokio::time::timeout(STOP_GRACE, child.wait()).await {
        Ok(status) => status.map_err(WatchdogError::Wait)?,
        Err(_) => {
            tracing::warn!("server did not stop in time after the signal; killing it");
            let _ = child.kill().await;
            child.wait().await.map_err(WatchdogError::Wait)?
        }
    };
    Ok(status.code().unwrap_or(1))
}

fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        _ => status.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_arguments_drop_the_program_name_and_the_watchdog_flag() {
        let args =
            ["music-mcp", "serve", "--watchdog", "--http", "127.0.0.1:1"].map(OsString::from);

        let child = child_args(args);

        assert_eq!(
            child,
            ["serve", "--http", "127.0.0.1:1"]
                .map(OsString::from)
                .to_vec()
        );
    }

    #[test]
    fn more_restarts_than_the_intensity_within_the_period_means_give_up() {
        let policy = WatchdogPolicy {
            max_restarts: 2,
            period: Duration::from_secs(60),
        };
        let mut window = RestartWindow::new(policy);
        let start = Instant::now();

        let first = window.allow(start);
        let second = window.allow(start + Duration::from_secs(1));
        let third = window.allow(start + Duration::from_secs(2));

        assert!(first && second);
        assert!(!third);
    }

    #[test]
    fn restarts_older_than_the_period_no_longer_count() {
        let policy = WatchdogPolicy {
            max_restarts: 1,
            period: Duration::from_secs(10),
        };
        let mut window = RestartWindow::new(policy);
        let start = Instant::now();

        assert!(window.allow(start));
        assert!(window.allow(start + Duration::from_secs(11)));
        assert_eq!(window.count(), 1);
    }

    #[tokio::test]
    async fn a_child_that_keeps_dying_makes_the_watchdog_give_up() {
        let policy = WatchdogPolicy {
            max_restarts: 2,
            period: Duration::from_secs(60),
        };
        let args = ["-c", "exit 3"].map(OsString::from).to_vec();

        let err = run(PathBuf::from("/bin/sh"), args, policy)
            .await
            .unwrap_err();

        assert!(
            matches!(err, WatchdogError::GaveUp { restarts: 3, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("exit code 3"));
    }

    #[tokio::test]
    async fn a_child_that_exits_zero_stops_the_watchdog_cleanly() {
        let policy = WatchdogPolicy {
            max_restarts: 2,
            period: Duration::from_secs(60),
        };
        let args = ["-c", "exit 0"].map(OsString::from).to_vec();

        let code = run(PathBuf::from("/bin/sh"), args, policy)
            .await
            .expect("clean stop");

        assert_eq!(code, 0);
    }
}
