//! Test fixtures: a scriptable worker actor, an event log, and status polling helpers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use music_mcp_actors::{ChildSpec, RestartEvent, RestartType, SupervisorMessage, SupervisorStatus};
use ractor::rpc::CallResult;
use ractor::{Actor, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort};

/// How long a test waits for a supervisor to settle before failing.
pub const SETTLE: Duration = Duration::from_secs(3);

/// A name no other test in this process uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Shared, ordered record of lifecycle events such as `start:a` and `stop:a`.
#[derive(Debug, Clone, Default)]
pub struct EventLog(Arc<Mutex<Vec<String>>>);

impl EventLog {
    pub fn push(&self, entry: String) {
        self.0.lock().expect("event log poisoned").push(entry);
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.lock().expect("event log poisoned").clone()
    }

    /// Entries starting with `prefix`, with the prefix removed.
    pub fn with_prefix(&self, prefix: &str) -> Vec<String> {
        self.entries()
            .iter()
            .filter_map(|entry| entry.strip_prefix(prefix).map(str::to_string))
            .collect()
    }

    pub fn clear(&self) {
        self.0.lock().expect("event log poisoned").clear();
    }
}

/// Records every restart event a supervisor reports.
#[derive(Debug, Clone, Default)]
pub struct EventRecorder(Arc<Mutex<Vec<RestartEvent>>>);

impl EventRecorder {
    pub fn observer(&self) -> impl Fn(&RestartEvent) + Send + Sync + 'static {
        let events = self.0.clone();
        move |event| {
            events
                .lock()
                .expect("recorder poisoned")
                .push(event.clone())
        }
    }

    pub fn events(&self) -> Vec<RestartEvent> {
        self.0.lock().expect("recorder poisoned").clone()
    }
}

/// A worker whose failures are scripted by its messages.
#[derive(Debug, Clone, Copy)]
pub struct TestWorker;

/// Requests a [`TestWorker`] understands.
#[derive(Debug)]
pub enum WorkerMessage {
    /// Reply with the worker's actor id.
    Ping(RpcReplyPort<ActorId>),
    /// Sleep, then reply with the actor id, or log `abandoned:<name>` if nobody waits.
    Slow(Duration, RpcReplyPort<ActorId>),
    /// Sleep, then reply with the name the worker is registered under.
    Name(Duration, RpcReplyPort<String>),
    /// Reply `Err` for negative input, the value doubled otherwise (a tool's own error).
    Double(i64, RpcReplyPort<Result<i64, String>>),
    /// Panic in the handler (ActorFailed).
    Panic,
    /// Return `Err` from the handler (ActorFailed).
    Fail,
    /// Panic while holding a reply port.
    CrashHolding(RpcReplyPort<ActorId>),
    /// Stop with the given reason.
    StopWith(String),
}

impl Actor for TestWorker {
    type Msg = WorkerMessage;
    type State = (String, EventLog);
    type Arguments = EventLog;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        log: EventLog,
    ) -> Result<Self::State, ActorProcessingErr> {
        let name = myself.get_name().unwrap_or_default();
        log.push(format!("start:{name}"));
        Ok((name, log))
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        (name, log): &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        log.push(format!("stop:{name}"));
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        (name, log): &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            WorkerMessage::Ping(reply) => {
                let _ = reply.send(myself.get_id());
            }
            WorkerMessage::Slow(delay, reply) => {
                tokio::time::sleep(delay).await;
                if reply.is_closed() {
                    log.push(format!("abandoned:{name}"));
                } else {
                    let _ = reply.send(myself.get_id());
                }
            }
            WorkerMessage::Name(delay, reply) => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let _ = reply.send(name.clone());
            }
            WorkerMessage::Double(value, reply) => {
                let answer = if value < 0 {
                    Err(format!("negative input {value}"))
                } else {
                    Ok(value * 2)
                };
                let _ = reply.send(answer);
            }
            WorkerMessage::Panic => panic!("worker {name} panicked on purpose"),
            WorkerMessage::Fail => return Err(format!("worker {name} failed on purpose").into()),
            WorkerMessage::CrashHolding(_reply) => {
                panic!("worker {name} crashed holding a request")
            }
            WorkerMessage::StopWith(reason) => myself.stop(Some(reason)),
        }
        Ok(())
    }
}

/// A child spec for a [`TestWorker`] logging to `log`.
pub fn worker(name: &str, restart: RestartType, log: &EventLog) -> ChildSpec {
    let log = log.clone();
    ChildSpec::for_actor(name, restart, TestWorker, move || log.clone())
}

/// The worker currently registered as `name`.
pub fn worker_ref(name: &str) -> ActorRef<WorkerMessage> {
    ActorRef::where_is(name).unwrap_or_else(|| panic!("no worker named {name}"))
}

/// The actor id currently registered as `name`, if any.
pub fn id_of(name: &str) -> Option<ActorId> {
    ractor::registry::where_is(name).map(|cell| cell.get_id())
}

/// A supervisor's status, asked with a timeout.
pub async fn status(supervisor: &ActorRef<SupervisorMessage>) -> SupervisorStatus {
    match supervisor
        .call(SupervisorMessage::GetStatus, Some(Duration::from_secs(2)))
        .await
    {
        Ok(CallResult::Success(status)) => status,
        other => panic!("status query failed: {other:?}"),
    }
}

/// Polls the status until `done` holds, failing the test after [`SETTLE`].
pub async fn wait_for(
    supervisor: &ActorRef<SupervisorMessage>,
    done: impl Fn(&SupervisorStatus) -> bool,
) -> SupervisorStatus {
    let deadline = tokio::time::Instant::now() + SETTLE;
    loop {
        let current = status(supervisor).await;
        if done(&current) {
            return current;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "supervisor did not settle; last status: {current:#?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Restart count of child `name`, failing the test if there is no such child.
pub fn restarts(status: &SupervisorStatus, name: &str) -> u64 {
    status
        .child(name)
        .unwrap_or_else(|| panic!("no child {name}"))
        .restart_count
}
