//! The real binary over Streamable HTTP with rmcp's client: the tool set, calls on a real
//! chorale, resources, prompts, progress, notifications, cancellation, health and metrics.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::model::{
    CallToolRequestParams, ClientRequest, GetPromptRequestParams, ReadResourceRequestParams,
    ResourceContents, ResourceUpdatedNotificationParam, SubscribeRequestParams,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RequestHandle};
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{Value, json};

use super::common::{call, oracle, shared_corpus, stored_ids};
use super::http_server::HttpServer;

/// Every tool of the Python server, plus `transpose_score`.
const PYTHON_TOOLS: [&str; 15] = [
    "import_score",
    "list_scores",
    "score_info",
    "export_score",
    "delete_score",
    "key_analysis",
    "chord_analysis",
    "harmony_analysis",
    "voice_leading_analysis",
    "pattern_recognition",
    "harmonize_melody",
    "generate_counterpoint",
    "imitate_style",
    "health_check",
    "transpose_score",
];

fn text_of(contents: &ResourceContents) -> &str {
    match contents {
        ResourceContents::TextResourceContents { text, .. } => text,
        _ => panic!("expected a text resource"),
    }
}

#[tokio::test]
async fn http_client_sees_every_tool_and_calls_each_implemented_one_on_a_real_chorale() {
    let Some(corpus) = shared_corpus("http_client_sees_every_tool...") else {
        return;
    };
    let data = tempfile::tempdir().expect("temp dir");
    let corpus = corpus.to_str().expect("utf-8 path").to_string();
    let server = HttpServer::start(data.path(), &["--corpus", &corpus]).await;
    let client = server.client().await;

    // Every tool is registered, with an input schema and annotations.
    let tools = client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for tool in PYTHON_TOOLS {
        assert!(names.contains(&tool), "{tool} missing from {names:?}");
    }
    assert!(tools.len() >= 15);
    for tool in &tools {
        assert!(
            tool.input_schema.get("type").is_some(),
            "{} has no input schema",
            tool.name
        );
        assert!(
            tool.annotations.is_some(),
            "{} has no annotations",
            tool.name
        );
    }
    for tool in &tools {
        assert!(
            tool.output_schema.is_some(),
            "{} has no output schema",
            tool.name
        );
    }

    // The implemented tools on bach/bwv3.6, checked against music21's answers.
    let want = oracle("bach/bwv3.6.mxl");
    let imported = call(
        &client,
        "import_score",
        json!({"score_id": "bwv3.6", "source": "bach/bwv3.6", "source_type": "corpus"}),
    )
    .await
    .expect("import_score");
    assert_eq!(imported["score_id"], "bwv3.6");
    assert_eq!(imported["part_count"], want["parts"]["count"]);
    assert_eq!(stored_ids(&client).await, vec!["bwv3.6"]);
    let info = call(&client, "score_info", json!({"score_id": "bwv3.6"}))
        .await
        .expect("info");
    assert_eq!(info["measure_count"], want["measure_count"]);
    let key = call(&client, "key_analysis", json!({"score_id": "bwv3.6"}))
        .await
        .expect("key");
    assert_eq!(
        key["name"], want["key_analysis"]["analyze_key"]["name"],
        "{key}"
    );
    let health = call(&client, "health_check", json!({}))
        .await
        .expect("health_check");
    assert_eq!(health["status"], "ok");

    // Every other tool answers: a result or a clear tool error, never a protocol failure.
    let done = [
        "import_score",
        "list_scores",
        "score_info",
        "key_analysis",
        "health_check",
    ];
    for tool in names
        .iter()
        .filter(|n| !done.contains(n) && **n != "delete_score")
    {
        let answer =
            music_mcp::client::call_tool(&client, tool, json!({"score_id": "bwv3.6"})).await;
        if let Err(err) = &answer {
            let message = err
                .tool_message()
                .unwrap_or_else(|| panic!("{tool}: {err}"));
            assert!(!message.is_empty(), "{tool} failed without a message");
        }
    }
    let imitated = call(
        &client,
        "imitate_style",
        json!({"score_id": "bwv3.6", "seed": 5, "new_score_id": "bwv3.6_again"}),
    )
    .await
    .expect("imitate_style");
    assert_eq!(imitated["seed"], 5);
    assert_eq!(imitated["learned_from"], json!(["bwv3.6"]));

    let deleted = call(&client, "delete_score", json!({"score_id": "bwv3.6"}))
        .await
        .expect("delete");
    assert_eq!(deleted["deleted"], true);
    client.cancel().await.expect("close the client");
}

#[tokio::test]
async fn stored_scores_and_the_supervision_tree_are_resources() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = HttpServer::start(data.path(), &[]).await;
    let client = server.client().await;
    call(
        &client,
        "import_score",
        json!({"score_id": "hundredth", "source": "old-hundredth", "source_type": "corpus"}),
    )
    .await
    .expect("import");

    let resources = client.list_all_resources().await.expect("resources/list");
    let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    let score = client
        .read_resource(ReadResourceRequestParams::new("score://hundredth"))
        .await
        .expect("read the score resource");
    let summary: Value = serde_json::from_str(text_of(&score.contents[0])).expect("JSON summary");
    let musicxml = text_of(&score.contents[1]);
    let reread = music_mcp::music::read::read_bytes(
        musicxml.as_bytes(),
        Some("score.musicxml"),
        &music_mcp::music::read::ReadLimits::default(),
    )
    .expect("the MusicXML content reads back");
    let tree = client
        .read_resource(ReadResourceRequestParams::new("music-mcp://supervision"))
        .await
        .expect("read the supervision tree");
    let missing = client
        .read_resource(ReadResourceRequestParams::new("score://nothing-here"))
        .await
        .unwrap_err();

    assert!(uris.contains(&"score://hundredth"), "{uris:?}");
    assert!(uris.contains(&"music-mcp://supervision"));
    assert_eq!(summary["score_id"], "hundredth");
    assert!(
        summary["measure_count"].as_u64().expect("measures") > 0,
        "{summary}"
    );
    assert_eq!(score.contents.len(), 2, "a JSON summary and the MusicXML");
    assert_eq!(
        reread.parts[0].measures.len() as u64,
        summary["measure_count"].as_u64().unwrap()
    );
    assert!(text_of(&tree.contents[0]).contains("music-mcp.sup.tools"));
    assert!(missing.to_string().contains("nothing-here"), "{missing}");
}

#[tokio::test]
async fn prompts_are_listed_and_written_from_their_arguments() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = HttpServer::start(data.path(), &[]).await;
    let client = server.client().await;

    let prompts = client.list_all_prompts().await.expect("prompts/list");
    let mut args = serde_json::Map::new();
    args.insert("score_a".into(), json!("one"));
    args.insert("score_b".into(), json!("two"));
    let written = client
        .get_prompt(GetPromptRequestParams::new("compare_keys").with_arguments(args))
        .await
        .expect("prompts/get");

    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert!(names.contains(&"analyse_chorale_harmony"), "{names:?}");
    let text = serde_json::to_string(&written.messages).expect("serialise");
    assert!(text.contains("one") && text.contains("two") && text.contains("key_analysis"));
}

/// A client handler that records the notifications it receives.
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

impl ClientHandler for Recorder {
    async fn on_resource_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.seen
            .lock()
            .expect("lock")
            .push("list_changed".to_string());
    }

    async fn on_resource_updated(
        &self,
        params: ResourceUpdatedNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.seen
            .lock()
            .expect("lock")
            .push(format!("updated {}", params.uri));
    }

    async fn on_progress(
        &self,
        params: rmcp::model::ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let message = params.message.unwrap_or_default();
        self.seen
            .lock()
            .expect("lock")
            .push(format!("progress {message}"));
    }
}

#[tokio::test]
async fn subscribers_hear_of_imports_and_a_slow_import_reports_progress() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = HttpServer::start(data.path(), &["--test-delay", "import_score:700:1"]).await;
    let recorder = Recorder::default();
    let transport = rmcp::transport::StreamableHttpClientTransport::from_uri(server.mcp_url());
    let client = recorder.clone().serve(transport).await.expect("initialise");
    // resources/subscribe is the 2025-11-25 way, which this client negotiates.
    #[allow(deprecated)]
    client
        .subscribe(SubscribeRequestParams::new("score://ode"))
        .await
        .expect("resources/subscribe");

    let started = Instant::now();
    let imported = music_mcp::client::call_tool(
        &client,
        "import_score",
        json!({"score_id": "ode", "source": "ode-to-joy", "source_type": "corpus"}),
    )
    .await
    .expect("import");
    let took = started.elapsed();
    let mut seen = recorder.seen();
    for _ in 0..100 {
        if seen.iter().any(|s| s == "updated score://ode") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        seen = recorder.seen();
    }

    assert_eq!(imported["score_id"], "ode");
    assert!(
        took >= Duration::from_millis(700),
        "the test hook held the import"
    );
    assert!(seen.iter().any(|s| s == "list_changed"), "{seen:?}");
    assert!(seen.iter().any(|s| s == "updated score://ode"), "{seen:?}");
    assert!(
        seen.iter()
            .any(|s| s.starts_with("progress import_score running")),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|s| s == "progress import_score finished"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_cancelled_long_call_ends_at_once_and_the_server_keeps_serving() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = HttpServer::start(data.path(), &["--test-delay", "key_analysis:10000:1"]).await;
    let client = server.client().await;
    call(
        &client,
        "import_score",
        json!({"score_id": "twinkle", "source": "twinkle", "source_type": "corpus"}),
    )
    .await
    .expect("import");

    let mut params = CallToolRequestParams::new("key_analysis");
    params = params.with_arguments(
        json!({"score_id": "twinkle"})
            .as_object()
            .cloned()
            .expect("object"),
    );
    let request = ClientRequest::CallToolRequest(rmcp::model::Request::new(params));
    let handle: RequestHandle<RoleClient> = client
        .send_cancellable_request(request, PeerRequestOptions::no_options())
        .await
        .expect("send the long call");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = in_flight(&server).await;
    let cancelled_at = Instant::now();
    handle
        .cancel(Some("test cancels".into()))
        .await
        .expect("send cancellation");
    let mut after = in_flight(&server).await;
    while !after.is_empty() && cancelled_at.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(10)).await;
        after = in_flight(&server).await;
    }
    let freed_in = cancelled_at.elapsed();
    let next = call(&client, "score_info", json!({"score_id": "twinkle"})).await;

    assert_eq!(before.len(), 1, "the long call was in flight: {before:?}");
    assert_eq!(before[0]["tool"], "key_analysis");
    assert!(
        after.is_empty(),
        "the cancelled call is still in flight: {after:?}"
    );
    assert!(
        freed_in < Duration::from_secs(1),
        "cancellation took {freed_in:?}"
    );
    assert!(next.is_ok(), "{next:?}");
}

async fn in_flight(server: &HttpServer) -> Vec<Value> {
    let report: Value = reqwest::get(server.url("/health/detailed"))
        .await
        .expect("GET /health/detailed")
        .json()
        .await
        .expect("JSON");
    report["in_flight"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn health_routes_report_liveness_readiness_and_details() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = HttpServer::start(data.path(), &[]).await;

    let live = reqwest::get(server.url("/health"))
        .await
        .expect("GET /health");
    let ready = reqwest::get(server.url("/health/ready"))
        .await
        .expect("GET /health/ready");
    let detailed: Value = reqwest::get(server.url("/health/detailed"))
        .await
        .expect("GET /health/detailed")
        .json()
        .await
        .expect("JSON");

    assert_eq!(live.status(), 200);
    assert_eq!(ready.status(), 200);
    assert_eq!(detailed["health"], "healthy");
    assert_eq!(detailed["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        detailed["tree"]["children"]
            .as_array()
            .expect("children")
            .len()
            >= 2
    );
    for slot in [
        "breakers",
        "rate_limits",
        "memory",
        "store",
        "in_flight",
        "uptime_seconds",
    ] {
        assert!(
            detailed.get(slot).is_some(),
            "/health/detailed lacks {slot}: {detailed}"
        );
    }
}

#[tokio::test]
async fn metrics_scraped_under_load_pass_promtool() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = HttpServer::start(data.path(), &[]).await;
    let client = Arc::new(server.client().await);
    call(
        &client,
        "import_score",
        json!({"score_id": "minuet", "source": "minuet-in-d-minor", "source_type": "corpus"}),
    )
    .await
    .expect("import");

    let load: Vec<_> = (0..40)
        .map(|i| {
            let client = client.clone();
            let tool = if i % 2 == 0 {
                "key_analysis"
            } else {
                "score_info"
            };
            tokio::spawn(async move {
                let _ = call(&client, tool, json!({"score_id": "minuet"})).await;
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let response = reqwest::get(server.url("/metrics"))
        .await
        .expect("GET /metrics");
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_string();
    let text = response.text().await.expect("metrics text");
    for task in load {
        task.await.expect("load task");
    }

    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert!(text.contains("music_mcp_tool_calls_total"), "{text}");
    let Some(verdict) = promtool_check(&text) else {
        eprintln!("SKIPPED promtool check: promtool not installed (apt-get install prometheus)");
        return;
    };
    assert!(verdict.0, "promtool check metrics failed: {}", verdict.1);
}

/// Runs `promtool check metrics` on `text`; `None` when promtool is not installed.
fn promtool_check(text: &str) -> Option<(bool, String)> {
    use std::io::Write;
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write metrics");
    let output = child.wait_with_output().expect("promtool ran");
    let said = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    Some((output.status.success(), said))
}
