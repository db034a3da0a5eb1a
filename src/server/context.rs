//! State the MCP handler keeps beside the runtime: shared by every session ([`ServerContext`])
//! or private to one ([`SessionState`]).
//!
//! `MusicServer` is cloned once per MCP session (the HTTP service factory calls
//! [`super::MusicServer::for_session`]); the clone shares the `ServerContext` and gets a fresh
//! `SessionState`, so a log level or a resource subscription stays with the session that set it.

// Logging (and, for the fixtures, sampling) are deprecated by SEP-2577 but remain part of
// the protocol versions served here (2025-06-18, 2025-11-25), so their types are used on purpose.
#![allow(deprecated)]

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rmcp::model::LoggingLevel;
use tokio::sync::broadcast;

use super::in_flight::InFlightCalls;

/// How the MCP handler behaves beyond the tools.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Serve the MCP conformance suite's fixture tools, resources and prompts (and nothing
    /// else changes). Only for running the suite.
    pub conformance_fixtures: bool,
}

/// A change to the resources, sent to every session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceEvent {
    /// A score was imported or deleted: the resource list changed.
    ListChanged,
    /// The resource at this URI changed.
    Updated(String),
}

/// State shared by every session of one server process.
#[derive(Debug)]
pub struct ServerContext {
    /// The tool calls running now.
    pub in_flight: InFlightCalls,
    /// Resource changes, fanned out to each session's notification forwarder.
    pub events: broadcast::Sender<ResourceEvent>,
    /// Options chosen at start.
    pub options: ServerOptions,
    draining: AtomicBool,
}

impl ServerContext {
    /// A fresh context with `options`.
    pub fn new(options: ServerOptions) -> Self {
        let (events, _) = broadcast::channel(64);
        Self {
            in_flight: InFlightCalls::default(),
            events,
            options,
            draining: AtomicBool::new(false),
        }
    }

    /// Marks the server as shutting down: readiness fails from now on.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Whether a shutdown has begun.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Tells every session that a resource changed; nobody listening is fine.
    pub fn publish(&self, event: ResourceEvent) {
        let _ = self.events.send(event);
    }
}

/// State of one MCP session.
#[derive(Debug, Default)]
pub struct SessionState {
    log_level: Mutex<Option<LoggingLevel>>,
    subscriptions: Mutex<HashSet<String>>,
    forwarding: AtomicBool,
}

impl SessionState {
    /// Sets the lowest level of log messages this session wants (`logging/setLevel`).
    pub fn set_log_level(&self, level: LoggingLevel) {
        *lock(&self.log_level) = Some(level);
    }

    /// Whether a message at `level` goes to this session; none do until it sets a level.
    pub fn wants_log(&self, level: LoggingLevel) -> bool {
        lock(&self.log_level).is_some_and(|min| severity(level) >= severity(min))
    }

    /// Subscribes to changes of `uri`.
    pub fn subscribe(&self, uri: &str) {
        lock(&self.subscriptions).insert(uri.to_string());
    }

    /// Ends a subscription to `uri`.
    pub fn unsubscribe(&self, uri: &str) {
        lock(&self.subscriptions).remove(uri);
    }

    /// Whether this session subscribed to `uri`.
    pub fn is_subscribed(&self, uri: &str) -> bool {
        lock(&self.subscriptions).contains(uri)
    }

    /// True the first time only: the session's notification forwarder starts once.
    pub fn claim_forwarder(&self) -> bool {
        !self.forwarding.swap(true, Ordering::SeqCst)
    }
}

/// The order of MCP log levels, least severe first.
fn severity(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Each value is replaced whole under the lock, so a poisoned one is still consistent.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_gets_no_log_messages_until_it_sets_a_level() {
        let session = SessionState::default();
        let before = session.wants_log(LoggingLevel::Emergency);

        session.set_log_level(LoggingLevel::Warning);

        assert!(!before);
        assert!(session.wants_log(LoggingLevel::Error));
        assert!(session.wants_log(LoggingLevel::Warning));
        assert!(!session.wants_log(LoggingLevel::Info));
    }

    #[test]
    fn subscriptions_are_per_uri_and_can_be_ended() {
        let session = SessionState::default();

        session.subscribe("score://a");
        session.subscribe("score://b");
        session.unsubscribe("score://a");

        assert!(!session.is_subscribed("score://a"));
        assert!(session.is_subscribed("score://b"));
    }

    #[test]
    fn the_forwarder_is_claimed_once_per_session() {
        let session = SessionState::default();

        assert!(session.claim_forwarder());
        assert!(!session.claim_forwarder());
    }
}
