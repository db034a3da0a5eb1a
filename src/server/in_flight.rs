//! The tool calls being served right now: shown by `/health/detailed` and waited for by a
//! graceful shutdown.
//!
//! The MCP handler registers every `tools/call` here for as long as it runs (the guard returned
//! by [`InFlightCalls::begin`] removes it, whatever way the call ends).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::Serialize;
use tokio::sync::Notify;

/// The registry of running calls; shared by every session of one server.
#[derive(Debug, Default)]
pub struct InFlightCalls {
    next: AtomicU64,
    calls: Mutex<HashMap<u64, Running>>,
    changed: Notify,
}

#[derive(Debug, Clone)]
struct Running {
    request_id: String,
    session: String,
    tool: String,
    started: Instant,
}

/// One running call, as reported.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InFlightCall {
    /// The JSON-RPC request id (unique within its session).
    pub request_id: String,
    /// The MCP session (`stdio` over stdio, the `Mcp-Session-Id` over HTTP).
    pub session: String,
    /// The tool called.
    pub tool: String,
    /// How long it has been running, in milliseconds.
    pub elapsed_ms: u64,
}

/// Removes its call from the registry when dropped.
#[derive(Debug)]
pub struct InFlightGuard<'a> {
    registry: &'a InFlightCalls,
    key: u64,
}

impl InFlightCalls {
    /// Registers a call until the returned guard is dropped.
    pub fn begin(&self, request_id: &str, session: &str, tool: &str) -> InFlightGuard<'_> {
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        let running = Running {
            request_id: request_id.to_string(),
            session: session.to_string(),
            tool: tool.to_string(),
            started: Instant::now(),
        };
        self.lock().insert(key, running);
        InFlightGuard {
            registry: self,
            key,
        }
    }

    /// How many calls are running.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// The running calls, oldest first.
    pub fn snapshot(&self) -> Vec<InFlightCall> {
        let mut calls: Vec<Running> = self.lock().values().cloned().collect();
        calls.sort_by_key(|call| call.started);
        calls
            .into_iter()
            .map(|call| InFlightCall {
                elapsed_ms: u64::try_from(call.started.elapsed().as_millis()).unwrap_or(u64::MAX),
                request_id: call.request_id,
                session: call.session,
                tool: call.tool,
            })
            .collect()
    }

    /// Waits until no call is running or `deadline` has passed; true when none is left.
    pub async fn wait_idle(&self, deadline: Duration) -> bool {
        let until = tokio::time::Instant::now() + deadline;
        loop {
            let changed = self.changed.notified();
            if self.count() == 0 {
                return true;
            }
            if tokio::time::timeout_at(until, changed).await.is_err() {
                return self.count() == 0;
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Running>> {
        // Entries are inserted and removed whole, so a poisoned map is still consistent.
        self.calls.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.key);
        self.registry.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_listed_while_its_guard_lives() {
        let calls = InFlightCalls::default();

        let guard = calls.begin("7", "s1", "key_analysis");
        let listed = calls.snapshot();
        drop(guard);

        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].tool, "key_analysis");
        assert_eq!(listed[0].request_id, "7");
        assert_eq!(calls.count(), 0);
    }

    #[tokio::test]
    async fn waiting_for_idle_returns_when_the_last_call_ends() {
        let calls = std::sync::Arc::new(InFlightCalls::default());
        let waiter = calls.clone();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let (end_tx, end_rx) = tokio::sync::oneshot::channel::<()>();
        let call = tokio::spawn(async move {
            let _guard = waiter.begin("1", "s", "import_score");
            let _ = started_tx.send(());
            let _ = end_rx.await;
        });
        started_rx.await.expect("call started");

        let early = calls.wait_idle(Duration::from_millis(20)).await;
        let _ = end_tx.send(());
        let idle = calls.wait_idle(Duration::from_secs(5)).await;
        call.await.expect("call task");

        assert!(!early, "a running call keeps the registry busy");
        assert!(idle);
    }
}
