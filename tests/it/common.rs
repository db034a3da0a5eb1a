//! Shared helpers: the shared corpus, the oracle, and starting the real binary.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::Value;
use tokio::process::Command;

/// `../shared/corpus`, or `None` after a loud notice that the tests needing it are skipped.
pub fn shared_corpus(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        // Written straight to the process's stderr, past libtest's output capture, so the
        // notice shows in every run and not only when a test fails.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: ../shared/corpus not found beside the repository; this test did not run"
        );
        None
    }
}

/// The oracle record of a corpus file, e.g. `bach/bwv66.6.mxl`.
pub fn oracle(relative: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/oracle")
        .join(format!("{relative}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("oracle record is JSON")
}

/// A running `music-mcp serve` child process with an rmcp client attached.
pub struct Served {
    /// The client.
    pub client: RunningService<RoleClient, ()>,
    /// The child's process id.
    pub pid: u32,
}

/// Starts the real binary as an MCP server over stdio on `data_dir`.
pub async fn serve_binary(data_dir: &Path, corpus: Option<&Path>) -> Served {
    let mut command = Command::new(env!("CARGO_BIN_EXE_music-mcp"));
    command.arg("serve").arg("--data-dir").arg(data_dir);
    command.env("MUSIC_MCP_LOG", "warn");
    match corpus {
        Some(dir) => command.env("MUSIC_MCP_CORPUS", dir),
        None => command.env_remove("MUSIC_MCP_CORPUS"),
    };
    let (transport, _stderr) = TokioChildProcess::builder(command)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn music-mcp serve");
    let pid = transport.id().expect("child pid");
    let client = ().serve(transport).await.expect("MCP initialisation with the binary");
    Served { client, pid }
}

/// SIGKILL, as an operator's `kill -9` would.
pub fn kill_9(pid: u32) {
    let status = std::process::Command::new("kill")
        .arg("-9")
        .arg(pid.to_string())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -9 {pid} failed");
}

/// Calls a tool and returns its structured content or the tool error's text.
pub async fn call(
    client: &RunningService<RoleClient, ()>,
    tool: &str,
    args: Value,
) -> Result<Value, String> {
    music_mcp::client::call_tool(client, tool, args)
        .await
        .map_err(|e| match e {
            music_mcp::client::ToolCallError::Tool(message) => message,
            other => panic!("{tool}: not a tool result: {other}"),
        })
}

/// The ids of the stored scores, in order.
pub async fn stored_ids(client: &RunningService<RoleClient, ()>) -> Vec<String> {
    let listed = call(client, "list_scores", serde_json::json!({}))
        .await
        .expect("list_scores");
    listed["scores"]
        .as_array()
        .expect("scores array")
        .iter()
        .map(|s| s["score_id"].as_str().expect("score_id").to_string())
        .collect()
}
