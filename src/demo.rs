//! `music-mcp demo`: the README's main job.
//!
//! Starts the server in-process, connects a real rmcp client over an in-memory duplex pipe,
//! imports the built-in corpus, calls every tool, then kills the key-analysis actor while a call
//! is in flight and shows that the call was still answered and the actor restarted.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rmcp::ServiceExt;
use serde_json::{Value, json};

use crate::client::call_tool;

/// `println!` that tolerates a closed stdout (`music-mcp demo | head`): the demo's own output
/// is the only thing it writes there, so a reader that stops early is no error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

use crate::server::MusicServer;
use crate::tools::key_analysis::KeyAnalysisTool;
use crate::tools::{Runtime, RuntimeConfig, Tool};

/// Runs the demo; `data_dir` defaults to a fresh temporary folder.
pub async fn run(data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let temp = tempfile::tempdir().context("cannot create a temporary data directory")?;
    let data_dir = data_dir.unwrap_or_else(|| temp.path().to_path_buf());
    let started = Instant::now();

    // The server: supervision tree + rmcp handler on one end of an in-memory pipe.
    let runtime = Arc::new(Runtime::start(RuntimeConfig::new(&data_dir)).await?);
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    let server = MusicServer::new(runtime.clone());
    let server_task = tokio::spawn(async move {
        match server.serve(server_io).await {
            Ok(running) => {
                let _ = running.waiting().await;
            }
            Err(err) => tracing::error!(error = %err, "demo server failed to start"),
        }
    });
    let client = ().serve(client_io).await.context("MCP client could not connect")?;

    say!(
        "music-mcp demo: server started, data in {}",
        data_dir.display()
    );
    let tools = client.list_all_tools().await?;
    let names: Vec<_> = tools.iter().map(|t| t.name.to_string()).collect();
    say!("tools offered over MCP: {}", names.join(", "));

    // Import the built-in corpus.
    say!("\nimporting the built-in corpus:");
    let mut ids = Vec::new();
    for piece in crate::corpus::builtin_pieces() {
        let id = piece
            .name
            .rsplit('/')
            .next()
            .unwrap_or(piece.name)
            .to_string();
        let args = json!({"score_id": id, "source": piece.name, "source_type": "corpus"});
        let out = call_tool(&client, "import_score", args).await?;
        say!(
            "  {:<22} {:<40} {}, {}, {}",
            id,
            out["title"].as_str().unwrap_or("(untitled)"),
            count(&out["part_count"], "part"),
            count(&out["measure_count"], "measure"),
            count(&out["note_count"], "note"),
        );
        ids.push(id);
    }
    if ids.is_empty() {
        bail!("the built-in corpus is empty");
    }
    let listed = call_tool(&client, "list_scores", json!({})).await?;
    say!("list_scores: {} scores stored", listed["count"]);

    // Analyse each piece.
    say!("\nkeys (music21's default, Aarden-Essen):");
    let mut keys = Vec::new();
    for id in &ids {
        let info = call_tool(&client, "score_info", json!({"score_id": id})).await?;
        let key = call_tool(&client, "key_analysis", json!({"score_id": id})).await?;
        say!(
            "  {:<22} {:<10} r={:.4}  then {}  | meter {}, key signature {}",
            id,
            key["name"].as_str().unwrap_or("?"),
            key["correlation"].as_f64().unwrap_or(f64::NAN),
            alternates(&key),
            signature_list(&info["time_signatures"], "ratio"),
            key_signature_list(&info["key_signatures"]),
        );
        keys.push(key["name"].as_str().unwrap_or_default().to_string());
    }

    // Generation: harmonise a melody and write a counterpoint, each checked by our analysis.
    if let Some(id) = ids.iter().find(|id| id.as_str() == "twinkle") {
        let made = call_tool(
            &client,
            "harmonize_melody",
            json!({"score_id": id, "seed": 1}),
        )
        .await?;
        let romans: Vec<&str> = made["chords"]
            .as_array()
            .map(|chords| {
                chords
                    .iter()
                    .take(8)
                    .filter_map(|c| c["roman"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        let totals = &made["voice_leading"]["totals"];
        say!(
            "
harmonize_melody {id} (chorale, seed 1): {} in {}, opening {} ...; parallel fifths {}, octaves {}",
            count(
                &json!(made["chords"].as_array().map_or(0, Vec::len)),
                "chord"
            ),
            made["key"].as_str().unwrap_or("?"),
            romans.join(" "),
            totals["parallel_fifth"],
            totals["parallel_octave"],
        );
    }

    // Supervision: kill the key-analysis actor while a call is in flight.
    say!("\nsupervision: killing the key_analysis actor while it serves a call");
    let before = restart_count(&client, KeyAnalysisTool::NAME).await?;
    runtime.services().faults.delay_next_calls(
        KeyAnalysisTool::NAME,
        Duration::from_millis(500),
        1,
    );
    let call = {
        let peer = client.peer().clone();
        let id = ids[0].clone();
        tokio::spawn(async move {
            let mut params = rmcp::model::CallToolRequestParams::new("key_analysis");
            if let Value::Object(map) = json!({"score_id": id}) {
                params = params.with_arguments(map);
            }
            let started = Instant::now();
            (peer.call_tool(params).await, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let killed = runtime.kill_tool(KeyAnalysisTool::NAME);
    let (answer, took) = call.await?;
    let answer = answer?;
    let answered_key = answer
        .structured_content
        .as_ref()
        .and_then(|v| v["name"].as_str())
        .unwrap_or("(no answer)")
        .to_string();
    let after = restart_count(&client, KeyAnalysisTool::NAME).await?;
    say!("  actor killed mid-call: {killed}");
    say!(
        "  the call was still answered after {} ms: {} (same as before: {})",
        took.as_millis(),
        answered_key,
        answered_key == keys[0]
    );
    say!("  key_analysis restarts: {before} -> {after}");

    // Health and clean-up.
    let health = call_tool(&client, "health_check", json!({})).await?;
    say!(
        "\nhealth_check: {} (version {}, {} scores stored, rss {} MiB)",
        health["status"].as_str().unwrap_or("?"),
        health["version"].as_str().unwrap_or("?"),
        health["store"]["scores"],
        health["memory_rss_bytes"].as_u64().unwrap_or(0) / (1 << 20)
    );
    let deleted = call_tool(&client, "delete_score", json!({"score_id": ids[0]})).await?;
    say!("delete_score {}: deleted={}", ids[0], deleted["deleted"]);
    let bad = call_tool(&client, "score_info", json!({"score_id": "no-such-score"})).await;
    if let Err(err) = &bad {
        let message = err.tool_message().unwrap_or("(not a tool error)");
        say!("score_info on an unknown id gives a tool error: {message}");
    }

    let recovered = killed && after == before + 1 && answered_key == keys[0];
    say!(
        "\nsummary: {} scores imported and analysed, {} tools called, supervision recovery {} ({} ms in all)",
        ids.len(),
        names.len(),
        if recovered { "PASSED" } else { "FAILED" },
        started.elapsed().as_millis()
    );
    client.cancel().await?;
    let _ = server_task.await;
    runtime.shutdown().await;
    if !recovered {
        bail!("the killed call was not recovered as expected");
    }
    Ok(())
}

async fn restart_count<S>(
    client: &rmcp::service::RunningService<rmcp::RoleClient, S>,
    tool: &str,
) -> anyhow::Result<u64>
where
    S: rmcp::service::Service<rmcp::RoleClient>,
{
    let health = call_tool(client, "health_check", json!({})).await?;
    let suffix = format!(".tool.{tool}");
    let found = find_child(&health["supervision"], &suffix)
        .context("tool missing from the supervision tree")?;
    Ok(found["restart_count"].as_u64().unwrap_or(0))
}

fn find_child<'a>(node: &'a Value, suffix: &str) -> Option<&'a Value> {
    for child in node["children"].as_array()? {
        if child["name"].as_str().is_some_and(|n| n.ends_with(suffix)) {
            return Some(child);
        }
        if let Some(found) = find_child(&child["supervisor"], suffix) {
            return Some(found);
        }
    }
    None
}

fn alternates(key: &Value) -> String {
    key["alternates"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|k| k["name"].as_str())
                .take(2)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// "3 parts", "1 part".
fn count(value: &Value, noun: &str) -> String {
    let n = value.as_u64().unwrap_or(0);
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Key signatures as the pieces show them: "1#", "none", "2# then 1b then 2#".
fn key_signature_list(list: &Value) -> String {
    let describe = |sharps: i64| match sharps {
        0 => "none".to_string(),
        s if s > 0 => format!("{s}#"),
        s => format!("{}b", -s),
    };
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|s| describe(s["sharps"].as_i64().unwrap_or(0)))
                .collect::<Vec<_>>()
                .join(" then ")
        })
        .unwrap_or_default()
}

fn signature_list(list: &Value, field: &str) -> String {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s[field].to_string().replace('"', ""))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}
