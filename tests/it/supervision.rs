//! Supervision seen from an MCP client: a tool actor killed mid-call is restarted and the
//! call is answered anyway.

use std::sync::Arc;
use std::time::Duration;

use music_mcp::server::MusicServer;
use music_mcp::tools::{Runtime, RuntimeConfig};
use rmcp::ServiceExt;
use serde_json::{Value, json};

use crate::common::{call, oracle, shared_corpus};

fn restart_count(tree: &music_mcp_actors::SupervisorStatus, child: &str) -> u64 {
    fn walk(status: &music_mcp_actors::SupervisorStatus, child: &str) -> Option<u64> {
        status.children.iter().find_map(|c| {
            if c.name == child {
                Some(c.restart_count)
            } else {
                c.supervisor.as_deref().and_then(|n| walk(n, child))
            }
        })
    }
    walk(tree, child).unwrap_or_else(|| panic!("{child} not in the tree"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_key_actor_mid_call_still_answers_with_the_right_key() {
    let Some(corpus) =
        shared_corpus("killing_the_key_actor_mid_call_still_answers_with_the_right_key")
    else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::new(data.path());
    config.name_prefix = "it-supervision".to_string();
    let runtime = Arc::new(Runtime::start(config).await.unwrap());
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    let server = MusicServer::new(runtime.clone());
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let client = ().serve(client_io).await.unwrap();

    let path = corpus.join("bach/bwv110.7.mxl");
    call(
        &client,
        "import_score",
        json!({"score_id": "c", "source": path.to_str().unwrap(), "source_type": "file"}),
    )
    .await
    .unwrap();
    let child = "it-supervision.tool.key_analysis";
    let before = restart_count(&runtime.tree().await.unwrap(), child);

    // Hold the next call inside the actor long enough to kill it there.
    runtime
        .services()
        .faults
        .delay_next_calls("key_analysis", Duration::from_millis(800), 1);
    let peer = client.peer().clone();
    let in_flight = tokio::spawn(async move {
        let mut params = rmcp::model::CallToolRequestParams::new("key_analysis");
        if let Value::Object(map) = json!({"score_id": "c"}) {
            params = params.with_arguments(map);
        }
        peer.call_tool(params).await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !in_flight.is_finished(),
        "the call should still be held in the actor"
    );
    assert!(
        runtime.kill_tool("key_analysis"),
        "no key_analysis actor to kill"
    );

    let answer = in_flight.await.unwrap().unwrap();
    assert_ne!(answer.is_error, Some(true), "{answer:?}");
    let key = answer.structured_content.expect("structured content");
    let want = oracle("bach/bwv110.7.mxl");
    assert_eq!(key["name"], want["key_analysis"]["analyze_key"]["name"]);
    let after = restart_count(&runtime.tree().await.unwrap(), child);
    assert_eq!(after, before + 1);

    client.cancel().await.unwrap();
    runtime.shutdown().await;
}
