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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_whose_actor_dies_after_committing_is_stored_exactly_once() {
    use music_mcp::tools::import_score::{ImportRequest, ImportScore, ImportScoreArgs, SourceType};
    use music_mcp::tools::services::FaultPoint;
    use tokio_util::sync::CancellationToken;

    let Some(corpus) =
        shared_corpus("an_import_whose_actor_dies_after_committing_is_stored_exactly_once")
    else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::new(data.path());
    config.name_prefix = "it-import-kill".to_string();
    let runtime = Arc::new(Runtime::start(config).await.unwrap());

    // Killed twice: once before any work, once after the commit but before the reply.
    let request = |id: &str| ImportRequest {
        args: ImportScoreArgs {
            score_id: id.to_string(),
            source: corpus.join("bach/bwv1.6.mxl").to_str().unwrap().to_string(),
            source_type: SourceType::File,
            tune: None,
        },
        idempotency_key: format!("test-key-{id}"),
    };
    for (id, point) in [
        ("before-work", FaultPoint::BeforeWork),
        ("after-commit", FaultPoint::BeforeReply),
    ] {
        runtime
            .services()
            .faults
            .delay_at("import_score", point, Duration::from_millis(600), 1);
        let call = {
            let runtime = runtime.clone();
            let request = request(id);
            tokio::spawn(async move {
                runtime
                    .call_counted::<ImportScore>(request, &CancellationToken::new())
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(runtime.kill_tool("import_score"));
        let called = call.await.unwrap();
        let result = called.result.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            called.attempts, 2,
            "{id}: the call should have been sent twice"
        );
        // Only the kill after the commit leaves the first attempt's write for the retry to find.
        assert_eq!(
            result.deduplicated_retry,
            point == FaultPoint::BeforeReply,
            "{id}"
        );
    }
    let stored: Vec<_> = runtime
        .services()
        .store
        .list()
        .unwrap()
        .into_iter()
        .map(|m| m.score_id)
        .collect();
    assert_eq!(stored, ["after-commit", "before-work"]);
    runtime.shutdown().await;
}

/// One node of the supervision tree as ARCHITECTURE.md draws it.
#[derive(Debug, PartialEq)]
struct DrawnNode {
    name: String,
    restart: Option<String>,
    strategy: Option<String>,
    intensity: Option<(u32, u64)>,
}

/// The nodes of the ```text block under "## Supervision tree", in the order drawn.
fn drawn_tree(architecture: &str) -> Vec<DrawnNode> {
    let section = architecture
        .split("## Supervision tree")
        .nth(1)
        .expect("ARCHITECTURE.md has a supervision tree section");
    let block = section
        .split("```")
        .nth(1)
        .expect("the section has a text block");
    block
        .lines()
        .filter_map(|line| {
            let at = line.find("music-mcp.")?;
            let mut words = line[at..].split_whitespace();
            let name = words.next()?.to_string();
            let rest: Vec<&str> = words.collect();
            let rest = rest.join(" ");
            let restart = ["permanent", "transient", "temporary"]
                .into_iter()
                .find(|word| rest.split([' ', ';']).any(|w| w == *word))
                .map(str::to_string);
            let strategy = ["one_for_one", "one_for_all", "rest_for_one"]
                .into_iter()
                .find(|word| rest.contains(word))
                .map(str::to_string);
            let intensity = rest.split_once(" restarts / ").and_then(|(count, period)| {
                let count = count.rsplit([' ', ',']).next()?.parse().ok()?;
                let period = period.split(' ').next()?.parse().ok()?;
                Some((count, period))
            });
            Some(DrawnNode {
                name,
                restart,
                strategy,
                intensity,
            })
        })
        .collect()
}

/// The running tree in the same shape, names under the `music-mcp` prefix.
fn running_tree(status: &music_mcp_actors::SupervisorStatus, prefix: &str) -> Vec<DrawnNode> {
    fn strategy(status: &music_mcp_actors::SupervisorStatus) -> (String, (u32, u64)) {
        let name = match status.strategy {
            music_mcp_actors::Strategy::OneForOne => "one_for_one",
            music_mcp_actors::Strategy::OneForAll => "one_for_all",
            music_mcp_actors::Strategy::RestForOne => "rest_for_one",
        };
        let intensity = (
            status.intensity.max_restarts,
            status.intensity.period.as_secs(),
        );
        (name.to_string(), intensity)
    }
    fn walk(status: &music_mcp_actors::SupervisorStatus, prefix: &str, nodes: &mut Vec<DrawnNode>) {
        for child in &status.children {
            let sub = child.supervisor.as_deref();
            nodes.push(DrawnNode {
                name: child.name.replacen(prefix, "music-mcp", 1),
                restart: Some(format!("{:?}", child.restart).to_lowercase()),
                strategy: sub.map(|s| strategy(s).0),
                intensity: sub.map(|s| strategy(s).1),
            });
            if let Some(sub) = sub {
                walk(sub, prefix, nodes);
            }
        }
    }
    let (root_strategy, root_intensity) = strategy(status);
    let mut nodes = vec![DrawnNode {
        name: status.name.replacen(prefix, "music-mcp", 1),
        restart: None,
        strategy: Some(root_strategy),
        intensity: Some(root_intensity),
    }];
    walk(status, prefix, &mut nodes);
    nodes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn architecture_md_draws_the_supervision_tree_the_runtime_starts() {
    let data = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::new(data.path());
    config.name_prefix = "it-architecture".to_string();
    // With the chaos monkey on, so that its node is part of the tree; it never acts here.
    config.chaos = music_mcp_actors::ChaosConfig::enabled(1, Vec::<String>::new())
        .with_interval(Duration::from_secs(3600));
    let runtime = Runtime::start(config).await.unwrap();
    let running = running_tree(&runtime.tree().await.unwrap(), "it-architecture");
    runtime.shutdown().await;

    let architecture = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"),
    )
    .unwrap();
    let drawn = drawn_tree(&architecture);
    assert!(drawn.len() > 5, "too few nodes drawn: {drawn:#?}");
    assert_eq!(
        drawn, running,
        "ARCHITECTURE.md's tree differs from the running one"
    );
}
