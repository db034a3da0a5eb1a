//! Request guards: `Host` and `Origin` checks (the MCP specification's defence against DNS
//! rebinding) and the bearer token.
//!
//! The `Host`/`Origin` rules match rmcp's on `/mcp`: a host entry without a port accepts any
//! port; an origin entry is `scheme://host[:port]` where `:*` or no port accepts any port and
//! a missing `Origin` header (a non-browser client) passes. Rejections are 403; a missing or
//! wrong token is 401 with `WWW-Authenticate: Bearer`.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::HttpState;

/// Rejects requests whose `Host` or `Origin` header is not allowed.
pub(super) async fn check_host_and_origin(
    State(state): State<Arc<HttpState>>,
    request: Request,
    next: Next,
) -> Response {
    let options = &state.options;
    if let Err(reason) = host_allowed(request.headers(), &options.allowed_hosts)
        .and_then(|()| origin_allowed(request.headers(), &options.allowed_origins))
    {
        tracing::warn!(path = %request.uri().path(), reason, "request rejected");
        return (StatusCode::FORBIDDEN, format!("Forbidden: {reason}")).into_response();
    }
    next.run(request).await
}

/// Requires `Authorization: Bearer <token>` when a token is configured.
pub(super) async fn require_token(
    State(state): State<Arc<HttpState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = &state.options.auth_token else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match given {
        Some(token) if same_secret(token, expected) => next.run(request).await,
        given => {
            let reason = if given.is_some() {
                "wrong bearer token"
            } else {
                "missing bearer token; send Authorization: Bearer <token>"
            };
            tracing::warn!(path = %request.uri().path(), reason, "request rejected");
            let body = serde_json::json!({ "error": reason }).to_string();
            (
                StatusCode::UNAUTHORIZED,
                [
                    (header::WWW_AUTHENTICATE, "Bearer"),
                    (header::CONTENT_TYPE, "application/json"),
                ],
                body,
            )
                .into_response()
        }
    }
}

/// Answers a POST to `/mcp` whose JSON body is not a JSON-RPC message with the JSON-RPC
/// error a client can act on (HTTP 400 with -32700 parse error or -32600 invalid request),
/// instead of rmcp's plain-text 415; well-formed messages go on to rmcp unchanged.
pub(super) async fn check_json_rpc(
    State(state): State<Arc<HttpState>>,
    request: Request,
    next: Next,
) -> Response {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if request.method() != Method::POST || !is_json {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, state.options.max_body_bytes).await else {
        let message = format!(
            "Payload Too Large: the request body is over {} bytes",
            state.options.max_body_bytes
        );
        return (StatusCode::PAYLOAD_TOO_LARGE, message).into_response();
    };
    if let Err((code, message)) = json_rpc_shape(&bytes) {
        tracing::warn!(code, %message, "malformed JSON-RPC rejected");
        let body =
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Checks that `bytes` is one JSON-RPC 2.0 message; the error code and message otherwise.
fn json_rpc_shape(bytes: &[u8]) -> Result<(), (i64, String)> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|err| (-32700, format!("parse error: {err}")))?;
    let Some(message) = value.as_object() else {
        return Err((
            -32600,
            "invalid request: send one JSON-RPC message as a JSON object".to_string(),
        ));
    };
    let version = message.get("jsonrpc").and_then(Value::as_str) == Some("2.0");
    let request = message.get("method").is_some_and(Value::is_string);
    let response = message.contains_key("id")
        && (message.contains_key("result") || message.contains_key("error"));
    if version && (request || response) {
        Ok(())
    } else {
        Err((
            -32600,
            "invalid request: expected \"jsonrpc\": \"2.0\" with a method, or an id with a \
             result or an error"
                .to_string(),
        ))
    }
}

/// Compares two secrets in time independent of where they differ (their digests are compared
/// byte by byte without stopping early, so neither length nor prefix leaks).
fn same_secret(given: &str, expected: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

fn host_allowed(headers: &HeaderMap, allowed: &[String]) -> Result<(), &'static str> {
    if allowed.is_empty() {
        return Ok(());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .ok_or("missing or unreadable Host header")?;
    let (name, port) = split_authority(host).ok_or("malformed Host header")?;
    let accepted = allowed.iter().any(|entry| match split_authority(entry) {
        Some((allowed_name, None)) => allowed_name.eq_ignore_ascii_case(name),
        Some((allowed_name, Some(allowed_port))) => {
            allowed_name.eq_ignore_ascii_case(name) && Some(allowed_port) == port
        }
        None => false,
    });
    if accepted {
        Ok(())
    } else {
        Err("Host header is not allowed")
    }
}

fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> Result<(), &'static str> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().map_err(|_| "unreadable Origin header")?;
    if origin == "null" {
        return if allowed.iter().any(|entry| entry == "null") {
            Ok(())
        } else {
            Err("Origin header is not allowed")
        };
    }
    let (scheme, name, port) = parse_origin(origin).ok_or("malformed Origin header")?;
    let accepted = allowed.iter().any(|entry| {
        let Some((allowed_scheme, rest)) = entry.split_once("://") else {
            return false;
        };
        let (allowed_name, allowed_port) = match rest.strip_suffix(":*") {
            Some(name) => (name, None),
            None => match split_authority(rest) {
                Some((name, port)) => (name, port),
                None => return false,
            },
        };
        allowed_scheme.eq_ignore_ascii_case(scheme)
            && allowed_name.eq_ignore_ascii_case(name)
            && allowed_port.is_none_or(|p| p == port)
    });
    if accepted {
        Ok(())
    } else {
        Err("Origin header is not allowed")
    }
}

/// `scheme://host[:port]` with the scheme's default port filled in.
fn parse_origin(origin: &str) -> Option<(&str, &str, u16)> {
    let (scheme, rest) = origin.split_once("://")?;
    let (name, port) = split_authority(rest)?;
    let port = match (port, scheme) {
        (Some(port), _) => port,
        (None, "https") => 443,
        (None, "http") => 80,
        (None, _) => return None,
    };
    Some((scheme, name, port))
}

/// `host[:port]` or `[v6]:port`, brackets removed.
fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (name, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some((name, port));
    }
    // A bare IPv6 address (allowed-host entries such as `::1`) has several colons.
    if authority.matches(':').count() > 1 {
        return Some((authority, None));
    }
    match authority.split_once(':') {
        Some((name, port)) => Some((name, Some(port.parse().ok()?))),
        None if authority.is_empty() => None,
        None => Some((authority, None)),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).expect("header"));
        }
        map
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn loopback_hosts_pass_with_any_port_and_others_are_refused() {
        let allowed = strings(&["localhost", "127.0.0.1", "::1"]);

        assert!(host_allowed(&headers(&[(header::HOST, "127.0.0.1:8000")]), &allowed).is_ok());
        assert!(host_allowed(&headers(&[(header::HOST, "[::1]:8000")]), &allowed).is_ok());
        assert!(host_allowed(&headers(&[(header::HOST, "LOCALHOST")]), &allowed).is_ok());
        assert!(host_allowed(&headers(&[(header::HOST, "evil.example:8000")]), &allowed).is_err());
    }

    #[test]
    fn host_entry_with_a_port_matches_only_that_port() {
        let allowed = strings(&["music.example.com:443"]);

        assert!(
            host_allowed(
                &headers(&[(header::HOST, "music.example.com:443")]),
                &allowed
            )
            .is_ok()
        );
        assert!(
            host_allowed(
                &headers(&[(header::HOST, "music.example.com:80")]),
                &allowed
            )
            .is_err()
        );
    }

    #[test]
    fn missing_origin_passes_and_a_foreign_origin_is_refused() {
        let allowed = strings(&["http://localhost:*", "https://app.example.com:443"]);

        assert!(origin_allowed(&headers(&[]), &allowed).is_ok());
        assert!(
            origin_allowed(
                &headers(&[(header::ORIGIN, "http://localhost:3000")]),
                &allowed
            )
            .is_ok()
        );
        assert!(
            origin_allowed(
                &headers(&[(header::ORIGIN, "https://app.example.com")]),
                &allowed
            )
            .is_ok()
        );
        assert!(
            origin_allowed(
                &headers(&[(header::ORIGIN, "https://evil.example")]),
                &allowed
            )
            .is_err()
        );
        assert!(
            origin_allowed(
                &headers(&[(header::ORIGIN, "http://app.example.com")]),
                &allowed
            )
            .is_err()
        );
        assert!(origin_allowed(&headers(&[(header::ORIGIN, "null")]), &allowed).is_err());
    }

    #[test]
    fn json_rpc_shape_tells_parse_errors_from_invalid_requests() {
        let parse = json_rpc_shape(b"{\"jsonrpc\":").unwrap_err();
        let array = json_rpc_shape(b"[1, 2]").unwrap_err();
        let no_method = json_rpc_shape(br#"{"jsonrpc":"2.0","id":1}"#).unwrap_err();

        assert_eq!(parse.0, -32700);
        assert_eq!(array.0, -32600);
        assert_eq!(no_method.0, -32600);
        assert!(json_rpc_shape(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).is_ok());
        assert!(
            json_rpc_shape(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).is_ok()
        );
        assert!(json_rpc_shape(br#"{"jsonrpc":"2.0","id":1,"result":{}}"#).is_ok());
    }

    #[test]
    fn secrets_compare_equal_only_when_identical() {
        assert!(same_secret("0123456789abcdef", "0123456789abcdef"));
        assert!(!same_secret("0123456789abcdef", "0123456789abcdeg"));
        assert!(!same_secret("", "0123456789abcdef"));
    }
}
