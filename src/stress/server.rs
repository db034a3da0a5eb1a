//! The server under test: this same binary as `serve --watchdog --http 127.0.0.1:PORT`, in a
//! process group of its own so that every process it starts can be found and ended.
//!
//! The watchdog runs the real server as its child; a kill targets that child (found through
//! `/health/detailed`, and checked to belong to our process group), and the watchdog starts a
//! new one. Stopping sends SIGTERM to the watchdog (which forwards it and waits), then SIGKILL
//! to the whole group if anything is left; dropping a [`ServerProcess`] kills the group.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use tokio::process::{Child, Command};

use super::plan::Plan;

/// How long the server gets to answer `/health/ready` after starting.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The running server (the watchdog process and its children).
#[derive(Debug)]
pub struct ServerProcess {
    child: tokio::sync::Mutex<Child>,
    pgid: libc::pid_t,
    /// Where the server listens (loopback only).
    pub addr: SocketAddr,
    http: reqwest::Client,
    stopped: std::sync::atomic::AtomicBool,
}

/// How the server stopped at the end of the run.
#[derive(Debug, Clone, Serialize)]
pub struct StopReport {
    /// The watchdog's exit code, if it exited by itself after SIGTERM.
    pub exit_code: Option<i32>,
    /// Whether it stopped within the grace period without SIGKILL.
    pub graceful: bool,
    /// Whether any process of the group was still alive after the stop (should be false).
    pub leftovers: bool,
}

impl ServerProcess {
    /// Starts the server on `port` with a fresh `data_dir`, its stderr going to `log`.
    pub async fn start(
        plan: &Plan,
        port: u16,
        data_dir: &Path,
        log: &Path,
    ) -> anyhow::Result<Self> {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let program = std::env::current_exe()?;
        let log_file = std::fs::File::create(log)?;
        let mut command = Command::new(program);
        command
            .args(server_args(plan, addr))
            .arg("--data-dir")
            .arg(data_dir)
            .env_remove("MUSIC_MCP_CONFIG")
            .env_remove("MUSIC_MCP_HTTP_BIND")
            .env_remove("MUSIC_MCP_TRANSPORT")
            .env_remove("MUSIC_MCP_AUTH_TOKEN")
            .env_remove("MUSIC_MCP_DATA_DIR")
            .env_remove("MUSIC_MCP_IMPORT_ROOTS")
            .env(
                "MUSIC_MCP_LOG",
                std::env::var("MUSIC_MCP_STRESS_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log_file))
            .process_group(0)
            .kill_on_drop(true);
        let child = command.spawn()?;
        let pid = child
            .id()
            .ok_or_else(|| anyhow::anyhow!("the server exited at once"))?;
        let pgid = libc::pid_t::try_from(pid)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        let server = Self {
            child: tokio::sync::Mutex::new(child),
            pgid,
            addr,
            http,
            stopped: std::sync::atomic::AtomicBool::new(false),
        };
        server.wait_ready(log).await?;
        Ok(server)
    }

    /// A URL on the server itself (not through the proxy).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `/health/detailed` as JSON, when the server answers.
    pub async fn detailed(&self) -> Option<Value> {
        let response = self
            .http
            .get(self.url("/health/detailed"))
            .send()
            .await
            .ok()?;
        response.json().await.ok()
    }

    /// Whether `/health/ready` answers 200 now.
    pub async fn ready(&self) -> bool {
        self.http
            .get(self.url("/health/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }

    /// The pid of the process serving now (the watchdog's child).
    pub async fn serving_pid(&self) -> Option<u32> {
        let pid = self.detailed().await?.get("pid")?.as_u64()?;
        u32::try_from(pid).ok()
    }

    /// SIGKILLs `pid`, which must be a member of the server's process group other than the
    /// watchdog itself; false when it is not (or is already gone).
    pub fn kill(&self, pid: u32) -> bool {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: getpgid and kill are plain system calls on a pid number; no memory is shared.
        let group = unsafe { libc::getpgid(pid) };
        if group != self.pgid || pid == self.pgid {
            tracing::warn!(pid, "refusing to kill a process outside the server's group");
            return false;
        }
        // SAFETY: as above; the pid was just checked to be in our own process group.
        unsafe { libc::kill(pid, libc::SIGKILL) == 0 }
    }

    /// Whether the watchdog process is still running.
    pub async fn running(&self) -> bool {
        matches!(self.child.lock().await.try_wait(), Ok(None))
    }

    /// Stops the server: SIGTERM to the watchdog, up to `grace` for it to exit, then SIGKILL
    /// to the whole group; reports whether anything was left behind.
    pub async fn stop(&self, grace: Duration) -> StopReport {
        self.stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let mut child = self.child.lock().await;
        // SAFETY: signalling the watchdog we spawned and have not reaped.
        unsafe {
            libc::kill(self.pgid, libc::SIGTERM);
        }
        let exited = tokio::time::timeout(grace, child.wait()).await;
        let (exit_code, graceful) = match exited {
            Ok(Ok(status)) => (status.code(), true),
            _ => (None, false),
        };
        self.kill_group();
        let _ = tokio::time::timeout(Duration::from_secs(2), child.wait()).await;
        let deadline = Instant::now() + Duration::from_secs(3);
        while self.group_alive() && Instant::now() < deadline {
            self.kill_group();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        StopReport {
            exit_code,
            graceful,
            leftovers: self.group_alive(),
        }
    }

    async fn wait_ready(&self, log: &Path) -> anyhow::Result<()> {
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if self.ready().await {
                return Ok(());
            }
            if !self.running().await {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let tail = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = tail.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        anyhow::bail!(
            "the server did not become ready within {} s; its log ends with:\n{}",
            START_TIMEOUT.as_secs(),
            tail.join("\n")
        )
    }

    fn kill_group(&self) {
        // SAFETY: signalling our own process group; no memory is touched.
        unsafe {
            libc::killpg(self.pgid, libc::SIGKILL);
        }
    }

    fn group_alive(&self) -> bool {
        // SAFETY: signal 0 only checks for existence.
        unsafe { libc::killpg(self.pgid, 0) == 0 }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if !self.stopped.load(std::sync::atomic::Ordering::SeqCst) || self.group_alive() {
            self.kill_group();
        }
    }
}

/// The server's command line (without `--data-dir`).
pub fn server_args(plan: &Plan, addr: SocketAddr) -> Vec<String> {
    let mut args: Vec<String> = ["serve", "--watchdog", "--http"].map(String::from).to_vec();
    args.push(addr.to_string());
    args.extend(["--profile".to_string(), plan.server_profile.to_string()]);
    args.extend([
        "--max-body-bytes".to_string(),
        plan.max_body_bytes.to_string(),
    ]);
    let mut settings = vec![
        format!("limits.max_file_bytes={}", plan.max_body_bytes),
        format!("watchdog.max_restarts={}", plan.watchdog_max_restarts()),
        "watchdog.period_seconds=60".to_string(),
    ];
    if plan.chaos {
        args.push("--chaos".to_string());
        settings.push(format!("chaos.interval_ms={}", plan.chaos_interval_ms));
        settings.push(format!("chaos.seed={}", plan.seed & (i64::MAX as u64)));
        settings.push(format!("chaos.memory_spike_mib={}", plan.memory_spike_mib));
    }
    for setting in settings {
        args.extend(["--set".to_string(), setting]);
    }
    args
}
