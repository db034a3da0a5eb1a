//! The server process's life: graceful shutdown on SIGTERM, `kill -9` under the watchdog, the
//! watchdog giving up, JSON logs with request context, and `config --print`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::common::{call, kill_9, stored_ids};
use super::http_server::{HttpServer, connect, free_port, wait_for_status};

#[tokio::test]
async fn sigterm_finishes_the_call_in_flight_then_exits_zero() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut server = HttpServer::start(data.path(), &["--test-delay", "key_analysis:1500:1"]).await;
    let client = server.client().await;
    call(
        &client,
        "import_score",
        json!({"score_id": "ode", "source": "ode-to-joy", "source_type": "corpus"}),
    )
    .await
    .expect("import");

    let slow =
        tokio::spawn(
            async move { call(&client, "key_analysis", json!({"score_id": "ode"})).await },
        );
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.signal("TERM");
    let answer = tokio::time::timeout(Duration::from_secs(10), slow)
        .await
        .expect("the in-flight call answered within 10 s")
        .expect("call task");
    let code = server.exit_code(Duration::from_secs(15)).await;
    let refused = reqwest::get(server.url("/health")).await;

    assert!(
        answer.is_ok(),
        "the in-flight call was drained, not dropped: {answer:?}"
    );
    assert_eq!(code, Some(0), "log:\n{}", server.log());
    assert!(refused.is_err(), "nothing listens after shutdown");
    let log = server.log();
    assert!(log.contains("draining in-flight calls"), "{log}");
    assert!(log.contains("supervision tree stopped"), "{log}");
}

#[tokio::test]
async fn kill_9_under_the_watchdog_serves_again_within_a_second_and_keeps_acknowledged_imports() {
    let data = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let server =
        HttpServer::start_exact(data.path(), &["serve", "--watchdog", "--http", &bind]).await;
    let ready_url = server.url("/health/ready");
    assert!(
        wait_for_status(&ready_url, 200, Duration::from_secs(10))
            .await
            .is_some()
    );

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn(import_until_stopped(
        server.mcp_url(),
        acked.clone(),
        stop.clone(),
    ));
    wait_until(
        || acked.lock().expect("lock").len() >= 5,
        Duration::from_secs(20),
    )
    .await;

    let old_pid = detailed(&server).await["pid"].as_u64().expect("pid");
    kill_9(u32::try_from(old_pid).expect("pid fits"));
    let killed_at = Instant::now();
    let recovered = loop {
        let ready = reqwest::get(&ready_url)
            .await
            .is_ok_and(|r| r.status() == 200);
        if ready && detailed(&server).await["pid"].as_u64() != Some(old_pid) {
            break killed_at.elapsed();
        }
        assert!(
            killed_at.elapsed() < Duration::from_secs(10),
            "never recovered"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    println!(
        "kill -9 recovery: serving again after {} ms",
        recovered.as_millis()
    );
    eprintln!(
        "kill -9 recovery: serving again after {} ms",
        recovered.as_millis()
    );

    let acked_before_kill = acked.lock().expect("lock").len();
    wait_until(
        || acked.lock().expect("lock").len() >= acked_before_kill + 5,
        Duration::from_secs(20),
    )
    .await;
    stop.store(true, Ordering::SeqCst);
    writer.await.expect("writer task");
    let client = connect(&server.mcp_url(), None)
        .await
        .expect("connect after recovery");
    let stored = stored_ids(&client).await;
    let acked = acked.lock().expect("lock").clone();

    assert!(
        recovered < Duration::from_secs(1),
        "recovery took {recovered:?}"
    );
    for id in &acked {
        assert!(
            stored.contains(id),
            "acknowledged import {id} is missing from {stored:?}"
        );
    }
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_killed_watchdog_takes_its_server_down_and_frees_the_port() {
    let data = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut watchdog =
        HttpServer::start_exact(data.path(), &["serve", "--watchdog", "--http", &bind]).await;
    let ready_url = watchdog.url("/health/ready");
    let ready = wait_for_status(&ready_url, 200, Duration::from_secs(10)).await;
    assert!(ready.is_some());
    let server_pid = detailed(&watchdog).await["pid"].as_u64().expect("pid");
    let watchdog_pid = watchdog.child.id().expect("watchdog pid");
    assert_ne!(
        u64::from(watchdog_pid),
        server_pid,
        "the server runs as a child"
    );

    // SIGKILL cannot be caught, so the watchdog cannot pass it on: the kernel must.
    kill_9(watchdog_pid);
    let _ = watchdog.child.wait().await;
    let alive = || std::path::Path::new(&format!("/proc/{server_pid}")).exists();
    let stopped = Instant::now();
    while alive() && stopped.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    assert!(!alive(), "server {server_pid} outlived its killed watchdog");
    let rebound = std::net::TcpListener::bind(("127.0.0.1", port));
    assert!(rebound.is_ok(), "port {port} still taken: {rebound:?}");
}

/// Imports scores one after another, reconnecting after failures, recording the acknowledged.
async fn import_until_stopped(url: String, acked: Arc<Mutex<Vec<String>>>, stop: Arc<AtomicBool>) {
    let mut client = None;
    let mut next = 0;
    while !stop.load(Ordering::SeqCst) {
        if client.is_none() {
            client = connect(&url, None).await.ok();
            if client.is_none() {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        }
        let id = format!("s{next}");
        next += 1;
        let args = json!({"score_id": id, "source": "twinkle", "source_type": "corpus"});
        let answer = tokio::time::timeout(
            Duration::from_secs(5),
            music_mcp::client::call_tool(client.as_ref().expect("connected"), "import_score", args),
        )
        .await;
        match answer {
            Ok(Ok(_)) => acked.lock().expect("lock").push(id),
            _ => client = None,
        }
    }
}

async fn wait_until(done: impl Fn() -> bool, within: Duration) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < within,
            "condition not met within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn detailed(server: &HttpServer) -> Value {
    match reqwest::get(server.url("/health/detailed")).await {
        Ok(response) => response.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

#[tokio::test]
async fn watchdog_gives_up_with_a_message_when_the_server_keeps_dying() {
    let data = tempfile::tempdir().expect("temp dir");
    // A data dir that is a file: every server start fails at once.
    let not_a_dir = data.path().join("file");
    std::fs::write(&not_a_dir, "not a folder").expect("write");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_music-mcp"))
        .args(["serve", "--watchdog", "--http", "127.0.0.1:0"])
        .args(["--set", "watchdog.max_restarts=2", "--data-dir"])
        .arg(&not_a_dir)
        .env_remove("MUSIC_MCP_CONFIG")
        .output();
    let output = tokio::time::timeout(Duration::from_secs(30), output)
        .await
        .expect("the watchdog gave up in time")
        .expect("run the watchdog");
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert!(!output.status.success());
    assert!(stderr.contains("the watchdog gives up"), "{stderr}");
    assert!(stderr.contains("died 3 times"), "{stderr}");
}

#[tokio::test]
async fn json_logs_carry_the_request_id_session_and_tool_of_each_call() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = HttpServer::start(data.path(), &["--log-format", "json"]).await;
    let client = server.client().await;

    call(&client, "list_scores", json!({}))
        .await
        .expect("list_scores");
    let mut finished = None;
    for _ in 0..100 {
        finished = server
            .log()
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|event| event["fields"]["message"] == "tool call finished");
        if finished.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let event = finished.expect("a JSON line for the finished call");
    let span = &event["span"];

    assert_eq!(span["name"], "tool_call", "{event}");
    assert_eq!(span["tool"], "list_scores");
    assert!(span["request_id"].is_string(), "{event}");
    let session = span["session"].as_str().expect("session");
    assert!(!session.is_empty() && session != "stdio", "{event}");
}

#[test]
fn config_print_shows_flags_over_environment_over_profile_with_the_token_hidden() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_music-mcp"))
        .args([
            "config",
            "--print",
            "--profile",
            "lite",
            "--set",
            "breaker.failure_threshold=9",
        ])
        .args(["--set", "limits.max_parts=5"])
        .env("MUSIC_MCP_MAX_PARTS", "77")
        .env("MUSIC_MCP_MAX_EVENTS", "1234")
        .env("MUSIC_MCP_AUTH_TOKEN", "secret-token-0123456789")
        .env_remove("MUSIC_MCP_CONFIG")
        .output()
        .expect("run config --print");
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let config: toml::Table = text.parse().expect("the output is TOML");

    assert!(output.status.success());
    assert_eq!(config["profile"].as_str(), Some("lite"));
    assert_eq!(config["breaker"]["failure_threshold"].as_integer(), Some(9));
    assert_eq!(
        config["limits"]["max_parts"].as_integer(),
        Some(5),
        "the flag beats the variable"
    );
    assert_eq!(config["limits"]["max_events"].as_integer(), Some(1234));
    assert_eq!(
        config["memory"]["hard_limit_bytes"].as_integer(),
        Some(1 << 30)
    );
    assert_eq!(config["http"]["auth_token"].as_str(), Some("<redacted>"));
    assert!(!text.contains("secret-token"));
}
