//! Starting the real binary with `serve --http` and talking to it: rmcp's Streamable HTTP
//! client for MCP, plain HTTP for health, metrics and malformed requests.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A token long enough for the configuration's check.
pub const TOKEN: &str = "test-token-0123456789abcdef";

/// A running `music-mcp serve --http` (or `--watchdog`) process.
pub struct HttpServer {
    /// The process (the watchdog, when started with `--watchdog`).
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Every line it wrote to stderr so far.
    pub stderr: Arc<Mutex<Vec<String>>>,
}

impl HttpServer {
    /// Starts `serve --http 127.0.0.1:0 --data-dir DIR ARGS..` and waits until it listens.
    pub async fn start(data_dir: &Path, args: &[&str]) -> Self {
        let mut all = vec!["serve", "--http", "127.0.0.1:0"];
        all.extend_from_slice(args);
        Self::start_exact(data_dir, &all).await
    }

    /// Starts the binary with exactly `args` plus `--data-dir`, waiting for its address line.
    pub async fn start_exact(data_dir: &Path, args: &[&str]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_music-mcp"));
        command
            .args(args)
            .arg("--data-dir")
            .arg(data_dir)
            .env_remove("MUSIC_MCP_CORPUS")
            .env_remove("MUSIC_MCP_AUTH_TOKEN")
            .env_remove("MUSIC_MCP_CONFIG")
            .env("MUSIC_MCP_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("spawn music-mcp serve --http");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (addr_tx, addr_rx) = tokio::sync::oneshot::channel();
        let pipe = child.stderr.take().expect("stderr piped");
        tokio::spawn(collect_stderr(pipe, stderr.clone(), addr_tx));
        let addr = tokio::time::timeout(Duration::from_secs(30), addr_rx)
            .await
            .expect("the server printed its address within 30 s")
            .expect("the server printed its address");
        Self {
            child,
            addr,
            stderr,
        }
    }

    /// The MCP endpoint.
    pub fn mcp_url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    /// A URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// An initialised rmcp client without a token.
    pub async fn client(&self) -> RunningService<RoleClient, ()> {
        connect(&self.mcp_url(), None)
            .await
            .expect("MCP initialisation over HTTP")
    }

    /// Stderr so far, one string.
    pub fn log(&self) -> String {
        self.stderr.lock().expect("log lock").join("\n")
    }

    /// Sends a signal to the process (`kill -s NAME`).
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().expect("running child");
        let status = std::process::Command::new("kill")
            .args(["-s", name, &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s {name} {pid}");
    }

    /// Waits for the process to exit and returns its exit code.
    pub async fn exit_code(&mut self, within: Duration) -> Option<i32> {
        let status = tokio::time::timeout(within, self.child.wait())
            .await
            .expect("the server exited in time")
            .expect("wait for the server");
        status.code()
    }
}

/// Connects an rmcp client to `url`, with a bearer token when given.
pub async fn connect(
    url: &str,
    token: Option<&str>,
) -> Result<RunningService<RoleClient, ()>, String> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_string());
    if let Some(token) = token {
        config = config.auth_header(token.to_string());
    }
    let transport = StreamableHttpClientTransport::from_config(config);
    ().serve(transport).await.map_err(|err| err.to_string())
}

/// Polls `GET path` until it answers `status` or `within` passes; returns the time it took.
pub async fn wait_for_status(url: &str, status: u16, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let http = reqwest::Client::new();
    while started.elapsed() < within {
        if let Ok(response) = http.get(url).send().await
            && response.status().as_u16() == status
        {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}

async fn collect_stderr(
    pipe: tokio::process::ChildStderr,
    lines: Arc<Mutex<Vec<String>>>,
    addr_tx: tokio::sync::oneshot::Sender<SocketAddr>,
) {
    let mut addr_tx = Some(addr_tx);
    let mut reader = BufReader::new(pipe).lines();
    while let Ok(Some(line)) = reader.next_line().await {
        if let Some(addr) = listening_address(&line)
            && let Some(tx) = addr_tx.take()
        {
            let _ = tx.send(addr);
        }
        if std::env::var_os("MUSIC_MCP_TEST_ECHO").is_some() {
            eprintln!("[server] {line}");
        }
        lines.lock().expect("log lock").push(line);
    }
}

fn listening_address(line: &str) -> Option<SocketAddr> {
    let rest = line.split("music-mcp listening on http://").nth(1)?;
    rest.trim_end_matches("/mcp").trim().parse().ok()
}

/// A port that was free a moment ago (for servers that must keep their port across restarts).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local addr").port()
}
