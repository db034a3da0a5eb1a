//! Bad requests over HTTP: a wrong Origin or Host, a missing or wrong token, an oversized
//! body, malformed JSON-RPC, an unknown tool, a path outside the import folders. Each gets the
//! right HTTP status or JSON-RPC error, and the server keeps serving.

use std::path::Path;

use reqwest::StatusCode;
use rmcp::model::{CallToolRequestParams, ErrorCode};
use rmcp::service::ServiceError;
use serde_json::json;

use super::common::call;
use super::http_server::{HttpServer, TOKEN, connect};

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;

/// A POST to `/mcp` as a Streamable HTTP client sends it.
fn post(server: &HttpServer, body: impl Into<reqwest::Body>) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(server.mcp_url())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body)
}

async fn still_serving(server: &HttpServer, token: Option<&str>) {
    let health = reqwest::get(server.url("/health"))
        .await
        .expect("GET /health");
    assert_eq!(health.status(), StatusCode::OK);
    let client = connect(&server.mcp_url(), token)
        .await
        .expect("a fresh client connects");
    call(&client, "list_scores", json!({}))
        .await
        .expect("list_scores answers");
}

#[tokio::test]
async fn foreign_origin_and_host_are_refused_with_403_on_every_route() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = HttpServer::start(data.path(), &[]).await;
    let http = reqwest::Client::new();

    let mcp = post(&server, INITIALIZE)
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("POST /mcp");
    let health = http
        .get(server.url("/health"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("GET /health");
    let rebound = http
        .get(server.url("/health/detailed"))
        .header("host", "evil.example")
        .send()
        .await
        .expect("GET with a rebound Host");
    let local = post(&server, INITIALIZE)
        .header("origin", format!("http://localhost:{}", server.addr.port()))
        .send()
        .await
        .expect("POST /mcp from a local page");

    assert_eq!(mcp.status(), StatusCode::FORBIDDEN);
    assert_eq!(health.status(), StatusCode::FORBIDDEN);
    assert_eq!(rebound.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        local.status(),
        StatusCode::OK,
        "a loopback origin is allowed by default"
    );
    still_serving(&server, None).await;
}

#[tokio::test]
async fn bearer_token_guards_mcp_and_detailed_health_but_not_liveness() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = HttpServer::start(data.path(), &["--auth-token", TOKEN]).await;
    let http = reqwest::Client::new();

    let missing = post(&server, INITIALIZE).send().await.expect("POST /mcp");
    let wrong = post(&server, INITIALIZE)
        .bearer_auth("not-the-token-0123456789")
        .send()
        .await
        .expect("POST /mcp");
    let detailed = http
        .get(server.url("/health/detailed"))
        .send()
        .await
        .expect("GET");
    let detailed_ok = http
        .get(server.url("/health/detailed"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("GET");
    let live = http
        .get(server.url("/health"))
        .send()
        .await
        .expect("GET /health");
    let client_without = connect(&server.mcp_url(), None).await;

    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(detailed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(detailed_ok.status(), StatusCode::OK);
    assert_eq!(live.status(), StatusCode::OK);
    assert!(
        client_without.is_err(),
        "an rmcp client without the token is refused"
    );
    still_serving(&server, Some(TOKEN)).await;
}

#[tokio::test]
async fn oversized_body_gets_413() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = HttpServer::start(data.path(), &["--max-body-bytes", "65536"]).await;
    let huge = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "x".repeat(100_000), "version": "1"}}
    });

    let response = post(&server, huge.to_string())
        .send()
        .await
        .expect("POST /mcp");

    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    still_serving(&server, None).await;
}

#[tokio::test]
async fn malformed_json_rpc_gets_a_parse_error_and_the_session_survives() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = HttpServer::start(data.path(), &[]).await;

    let broken = post(&server, r#"{"jsonrpc":"2.0","id":1,"method":"#)
        .send()
        .await
        .expect("POST");
    let status = broken.status();
    let body = broken.text().await.expect("body");
    let not_rpc = post(&server, r#"{"hello":"world"}"#)
        .send()
        .await
        .expect("POST");

    let not_rpc_status = not_rpc.status();
    let not_rpc: serde_json::Value = not_rpc.json().await.expect("a JSON-RPC error body");
    let body: serde_json::Value = serde_json::from_str(&body).expect("a JSON-RPC error body");

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], -32700, "{body}");
    assert_eq!(not_rpc_status, StatusCode::BAD_REQUEST);
    assert_eq!(not_rpc["error"]["code"], -32600, "{not_rpc}");
    still_serving(&server, None).await;
}

#[tokio::test]
async fn unknown_tool_is_an_invalid_params_protocol_error() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = HttpServer::start(data.path(), &[]).await;
    let client = server.client().await;

    let err = client
        .call_tool(CallToolRequestParams::new("compose_symphony"))
        .await
        .unwrap_err();

    match err {
        ServiceError::McpError(error) => assert_eq!(error.code, ErrorCode::INVALID_PARAMS),
        other => panic!("expected a JSON-RPC error, got {other}"),
    }
    still_serving(&server, None).await;
}

#[tokio::test]
async fn file_imports_are_confined_to_the_import_folders() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = HttpServer::start(data.path(), &[]).await;
    let client = server.client().await;
    let piece = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/twinkle.musicxml");
    std::fs::copy(&piece, data.path().join("imports/twinkle.musicxml")).expect("copy a score in");
    let outside = data.path().join("outside.musicxml");
    std::fs::copy(&piece, &outside).expect("copy a score out");
    let import =
        |id: &str, source: String| json!({"score_id": id, "source": source, "source_type": "file"});

    let inside = call(
        &client,
        "import_score",
        import("in", "twinkle.musicxml".into()),
    )
    .await;
    let escaped = call(
        &client,
        "import_score",
        import("out", outside.display().to_string()),
    )
    .await;
    let dotted = call(
        &client,
        "import_score",
        import("dots", "../outside.musicxml".into()),
    )
    .await;
    let system = call(&client, "import_score", import("etc", "/etc/passwd".into())).await;
    let bad_id = call(
        &client,
        "import_score",
        import("a/b", "twinkle.musicxml".into()),
    )
    .await;

    assert_eq!(inside.expect("inside the import folder")["score_id"], "in");
    assert!(
        escaped
            .unwrap_err()
            .contains("outside the allowed import folders")
    );
    assert!(dotted.unwrap_err().contains("'..'"));
    assert!(
        system
            .unwrap_err()
            .contains("outside the allowed import folders")
    );
    assert!(bad_id.unwrap_err().contains("'/'"));
    still_serving(&server, None).await;
}
