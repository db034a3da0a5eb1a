//! One simulated user: a real MCP client session over Streamable HTTP (through the proxy),
//! doing a weighted mix of operations on its own scores, with think time, client timeouts,
//! retries, and a new session whenever the connection is lost.
//!
//! Each operation is tried at most `Plan::max_attempts` times; every attempt is recorded with
//! its outcome and latency, and the operation with its last outcome. A write whose reply was
//! lost is resolved on the retry: an import or transposition that finds its id taken, or a
//! delete that finds its score gone, had taken effect. Acknowledged writes go to the ledger that
//! the final verification checks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::common::client_side_sse::FixedInterval;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::outcome::{Outcome, classify};
use super::plan::Plan;
use super::recorder::Recorder;
use super::workload::{self, Op};

/// How long opening a session may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest reply accepted (exports of generated scores are never asked for).
const MAX_REPLY_BYTES: usize = 64 * 1024 * 1024;

/// What every user shares.
#[derive(Debug, Clone)]
pub struct Shared {
    /// The plan.
    pub plan: Arc<Plan>,
    /// The MCP endpoint, through the proxy.
    pub url: String,
    /// Where outcomes go.
    pub recorder: Arc<Recorder>,
    /// Corpus names to import.
    pub corpus: Arc<Vec<String>>,
    /// Fires when the load phase ends.
    pub stop: CancellationToken,
}

type Client = RunningService<RoleClient, ()>;

/// Runs user `id` until `shared.stop` fires.
pub async fn run(id: u32, shared: Shared) {
    let mut user = User::new(id, shared);
    let first_think = user.think();
    if user.pause(first_think).await {
        while !user.shared.stop.is_cancelled() {
            user.step().await;
            let think = user.think();
            if !user.pause(think).await {
                break;
            }
        }
    }
    if let Some(client) = user.client.take() {
        let _ = tokio::time::timeout(Duration::from_secs(2), client.cancel()).await;
    }
}

/// The end of one operation.
enum Ended {
    /// It took effect; the reply's structured content when there was one.
    Done(Option<Value>),
    /// It did not, with the last attempt's outcome; `uncertain` when an earlier attempt may
    /// have taken effect anyway.
    Failed { last: Outcome, uncertain: bool },
    /// The run ended while it was being retried.
    Abandoned,
}

struct User {
    id: u32,
    shared: Shared,
    rng: StdRng,
    client: Option<Client>,
    /// Corpus scores this user imported and has not deleted.
    owned: Vec<String>,
    /// Generated scores this user imported and has not deleted.
    generated: Vec<String>,
    /// Owned scores with more than one part (voice leading needs two).
    multi_part: std::collections::HashSet<String>,
    /// Generated imports so far (sets the next one's size).
    generated_count: u32,
    next_id: u64,
    large: bool,
}

impl User {
    fn new(id: u32, shared: Shared) -> Self {
        let seed = shared.plan.seed ^ (u64::from(id) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let every = shared.plan.large_user_every.max(1);
        Self {
            id,
            rng: StdRng::seed_from_u64(seed),
            client: None,
            owned: Vec::new(),
            generated: Vec::new(),
            multi_part: std::collections::HashSet::new(),
            generated_count: 0,
            next_id: 0,
            large: id % every == every - 1,
            shared,
        }
    }

    fn think(&mut self) -> Duration {
        let (low, high) = self.shared.plan.think;
        let millis = self
            .rng
            .random_range(low.as_millis() as u64..=high.as_millis() as u64);
        Duration::from_millis(millis)
    }

    /// Sleeps unless the run ends first; false when it ended.
    async fn pause(&self, time: Duration) -> bool {
        tokio::select! {
            () = self.shared.stop.cancelled() => false,
            () = tokio::time::sleep(time) => true,
        }
    }

    fn fresh_id(&mut self, kind: &str) -> String {
        self.next_id += 1;
        format!("u{}-{kind}-{}", self.id, self.next_id)
    }

    /// Chooses and performs one operation.
    async fn step(&mut self) {
        let max_owned = self.shared.plan.max_owned;
        let op = if self.owned.is_empty() {
            Op::Import
        } else if self.owned.len() >= max_owned {
            Op::Delete
        } else if self.large && self.rng.random_bool(0.2) {
            Op::ImportGenerated
        } else {
            workload::pick(&mut self.rng)
        };
        match op {
            Op::Import => self.import().await,
            Op::ImportGenerated => self.import_generated().await,
            Op::Delete => {
                let index = self.rng.random_range(0..self.owned.len());
                let id = self.owned.swap_remove(index);
                self.delete(id).await;
            }
            Op::Transpose => self.transpose().await,
            Op::Harmonize | Op::Imitate => self.generate(op).await,
            Op::List => {
                self.operation(Op::List, json!({}), false).await;
            }
            _ => {
                let id = self.owned[self.rng.random_range(0..self.owned.len())].clone();
                // Voice leading is about two or more parts; a melody gets a key analysis.
                let op = if op == Op::VoiceLeading && !self.multi_part.contains(&id) {
                    Op::Key
                } else {
                    op
                };
                let args = workload::arguments(op, &id, &mut self.rng);
                self.operation(op, args, false).await;
            }
        }
    }

    async fn import(&mut self) {
        let corpus = &self.shared.corpus;
        let source = corpus[self.rng.random_range(0..corpus.len())].clone();
        let id = self.fresh_id("c");
        let args = json!({"score_id": id, "source": source, "source_type": "corpus"});
        if let Ended::Done(reply) = self.operation(Op::Import, args, true).await {
            self.acknowledge(&id, reply.as_ref(), "import");
            self.owned.push(id);
        }
    }

    async fn import_generated(&mut self) {
        if self.generated.len() >= 2 {
            let oldest = self.generated.remove(0);
            self.delete(oldest).await;
            return;
        }
        let plan = &self.shared.plan;
        let size = plan
            .large_min_bytes
            .saturating_mul(1u64 << self.generated_count.min(40))
            .min(plan.large_max_bytes);
        self.generated_count += 1;
        let id = self.fresh_id("g");
        let xml = workload::generated_musicxml(&id, size);
        let args = json!({"score_id": id, "source": xml, "source_type": "text"});
        if let Ended::Done(reply) = self.operation(Op::ImportGenerated, args, true).await {
            self.acknowledge(&id, reply.as_ref(), "import_generated");
            self.generated.push(id);
        }
    }

    async fn transpose(&mut self) {
        let source = self.owned[self.rng.random_range(0..self.owned.len())].clone();
        let id = self.fresh_id("t");
        let interval = workload::interval(&mut self.rng);
        let args = json!({"score_id": source, "interval": interval, "new_score_id": id});
        if let Ended::Done(reply) = self.operation(Op::Transpose, args, true).await {
            self.acknowledge(&id, reply.as_ref(), "transpose");
            self.owned.push(id);
        }
    }

    /// A harmonization or an imitation of one of the user's scores, stored as a new score.
    async fn generate(&mut self, op: Op) {
        let source = self.owned[self.rng.random_range(0..self.owned.len())].clone();
        let id = self.fresh_id(if op == Op::Harmonize { "h" } else { "i" });
        let args = workload::generation_arguments(op, &source, &id, &mut self.rng);
        if let Ended::Done(reply) = self.operation(op, args, true).await {
            self.acknowledge(&id, reply.as_ref(), op.tool());
            self.owned.push(id);
        }
    }

    async fn delete(&mut self, id: String) {
        self.multi_part.remove(&id);
        let args = json!({"score_id": id});
        match self.operation(Op::Delete, args, true).await {
            Ended::Done(_) => self.shared.recorder.forget(&id),
            // It may or may not be gone: it no longer counts as a write that must be present.
            Ended::Failed {
                uncertain: true, ..
            }
            | Ended::Abandoned => self.shared.recorder.forget(&id),
            // Gone although nobody deleted it: it stays in the ledger, which will say so.
            Ended::Failed {
                last: Outcome::NotFound,
                ..
            } => {}
            // Refused for sure: the score is still there and still ours.
            Ended::Failed { .. } => {
                if id.contains("-g-") {
                    self.generated.insert(0, id);
                } else {
                    self.owned.push(id);
                }
            }
        }
    }

    fn acknowledge(&mut self, id: &str, reply: Option<&Value>, kind: &'static str) {
        if reply
            .and_then(|r| r.get("part_count"))
            .and_then(Value::as_u64)
            .is_some_and(|parts| parts > 1)
        {
            self.multi_part.insert(id.to_string());
        }
        let hash = reply
            .and_then(|r| r.get("content_hash"))
            .and_then(Value::as_str)
            .map(str::to_string);
        self.shared.recorder.acknowledge(id, hash, kind);
    }

    /// Performs one operation with retries; `write` marks imports, transpositions and deletes,
    /// whose lost replies are resolved on the retry.
    async fn operation(&mut self, op: Op, args: Value, write: bool) -> Ended {
        let plan = self.shared.plan.clone();
        let recorder = self.shared.recorder.clone();
        let tool = op.tool();
        let timeout = call_timeout(&plan, op, &args);
        let mut uncertain = false;
        let mut last = Outcome::ConnectionLost;
        for attempt in 0..plan.max_attempts {
            if attempt > 0 && self.shared.stop.is_cancelled() {
                recorder.abandoned();
                return Ended::Abandoned;
            }
            let started = Instant::now();
            let (outcome, reply) = self.attempt(tool, &args, timeout).await;
            recorder.attempt(tool, outcome, started);
            last = outcome;

            let resolved = uncertain
                && write
                && match op {
                    Op::Delete => outcome == Outcome::NotFound,
                    _ => outcome == Outcome::AlreadyExists,
                };
            if outcome == Outcome::Ok || resolved {
                recorder.operation(tool, Outcome::Ok);
                return Ended::Done(reply);
            }
            if !outcome.is_retryable() {
                break;
            }
            if matches!(
                outcome,
                Outcome::ConnectionLost | Outcome::Timeout | Outcome::Unavailable
            ) {
                uncertain = true;
            }
            if outcome.needs_reconnect() {
                self.client = None;
            }
            let backoff = self.backoff(attempt, outcome);
            if !self.pause(backoff).await {
                recorder.abandoned();
                return Ended::Abandoned;
            }
        }
        recorder.operation(tool, last);
        Ended::Failed { last, uncertain }
    }

    /// One call: a session if needed, then the tool call under the client timeout.
    async fn attempt(
        &mut self,
        tool: &'static str,
        args: &Value,
        timeout: Duration,
    ) -> (Outcome, Option<Value>) {
        if self.client.is_none() {
            match connect(&self.shared.url).await {
                Ok(client) => self.client = Some(client),
                Err(err) => {
                    tracing::debug!(user = self.id, error = %err, "cannot open a session");
                    return (Outcome::ConnectionLost, None);
                }
            }
        }
        let Some(client) = self.client.as_ref() else {
            return (Outcome::ConnectionLost, None);
        };
        let call = crate::client::call_tool(client, tool, args.clone());
        match tokio::time::timeout(timeout, call).await {
            Err(_) => {
                tracing::warn!(user = self.id, tool, "no reply within the client timeout");
                (Outcome::Timeout, None)
            }
            Ok(result) => {
                let outcome = classify(&result);
                if let Err(err) = &result
                    && !matches!(
                        outcome,
                        Outcome::Ok | Outcome::RateLimited | Outcome::InjectedFault
                    )
                {
                    tracing::debug!(user = self.id, tool, %err, "call failed");
                }
                (outcome, result.ok())
            }
        }
    }

    fn backoff(&mut self, attempt: u32, outcome: Outcome) -> Duration {
        let base = match outcome {
            Outcome::RateLimited => 100,
            Outcome::Shed => 1000,
            _ => 50,
        };
        let millis = (base << attempt.min(5)).min(2000);
        Duration::from_millis(self.rng.random_range(millis / 2..=millis))
    }
}

fn call_timeout(plan: &Plan, op: Op, args: &Value) -> Duration {
    if op != Op::ImportGenerated {
        return plan.call_timeout;
    }
    // Generated scores: the base timeout plus two seconds per MB of MusicXML.
    let bytes = args
        .get("source")
        .and_then(Value::as_str)
        .map_or(0, str::len);
    plan.call_timeout + Duration::from_secs(2 * (bytes as u64 / 1_000_000))
}

/// Opens an MCP session at `url`.
pub async fn connect(url: &str) -> Result<Client, String> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_string())
        .max_sse_event_size(MAX_REPLY_BYTES);
    config.max_json_response_size = MAX_REPLY_BYTES;
    let mut retry = FixedInterval::default();
    retry.max_times = Some(2);
    retry.duration = Duration::from_millis(100);
    config.retry_config = Arc::new(retry);
    let transport = StreamableHttpClientTransport::from_config(config);
    match tokio::time::timeout(CONNECT_TIMEOUT, ().serve(transport)).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err("session not opened within 10 s".to_string()),
    }
}
