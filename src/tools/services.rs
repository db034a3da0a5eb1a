//! What every tool actor shares: the store, the parsed-score cache, limits and fault hooks.
//!
//! One `Services` is built by the runtime and handed to every tool actor as its start
//! argument, so a restarted actor gets the same store and cache back.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::music::read::{ReadLimits, Score};
use crate::store::ScoreStore;

use super::{ToolError, ToolErrorKind};

/// Shared state of all tool actors.
#[derive(Debug)]
pub struct Services {
    /// The durable score store.
    pub store: Arc<ScoreStore>,
    /// Recently used scores, already decoded; emptied by the memory guard at its soft limit.
    pub cache: Arc<ScoreCache>,
    /// Limits for every score reader.
    pub limits: ReadLimits,
    /// Faults injected on purpose (latency before a call), for demos and chaos tests.
    pub faults: FaultInjector,
    /// Registry names of the actors in this runtime.
    pub names: ActorNames,
    /// When the runtime started.
    pub started_at: Instant,
    /// What the runtime counts.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Folders file imports are confined to.
    pub import_roots: super::import_roots::ImportRoots,
    /// Corpus folders searched after the built-in corpus.
    pub corpus_folders: Vec<std::path::PathBuf>,
    /// The folder `export_score` writes files into; nothing is written outside it.
    pub export_dir: std::path::PathBuf,
    /// One circuit breaker per tool.
    pub breakers: music_mcp_actors::BreakerRegistry,
    /// Token buckets per tool and per client session.
    pub limiter: music_mcp_actors::RateLimiter,
    /// The memory guard's published level.
    pub memory: music_mcp_actors::MemoryGuard,
    /// How to make each tool actor fail on purpose, by registry name (for the chaos monkey).
    pub crashers: Mutex<HashMap<String, Crasher>>,
}

/// Makes one tool actor fail through its own mailbox; false when the cell is not that tool's.
pub type Crasher = fn(&ractor::ActorCell) -> bool;

impl Services {
    /// Returns a stored score, decoded, from the cache or the store.
    pub fn load_score(&self, id: &str) -> Result<Arc<Score>, ToolError> {
        super::error::validate_score_id(id)?;
        if let Some(score) = self.cache.get(id) {
            return Ok(score);
        }
        let (_meta, blob) = self.store.get(id)?;
        let score: Score = serde_json::from_slice(&blob).map_err(|err| {
            ToolError::new(
                ToolErrorKind::Internal,
                format!(
                    "stored score '{id}' cannot be decoded ({err}); delete and import it again"
                ),
            )
        })?;
        let score = Arc::new(score);
        self.cache.put(id, score.clone());
        Ok(score)
    }
}

/// Registry names of the actors of one runtime; the prefix keeps runtimes in one process apart.
#[derive(Debug, Clone)]
pub struct ActorNames {
    prefix: String,
}

impl ActorNames {
    /// Names under `prefix`.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    /// The registry name of a tool's actor.
    pub fn tool(&self, tool: &str) -> String {
        format!("{}.tool.{tool}", self.prefix)
    }

    /// The registry name of an infrastructure actor (rate limiter, memory guard, ...).
    pub fn actor(&self, role: &str) -> String {
        format!("{}.{role}", self.prefix)
    }

    /// The tool served by the actor registered as `name`, if it is one of ours.
    pub fn tool_of<'a>(&self, name: &'a str) -> Option<&'a str> {
        name.strip_prefix(self.prefix.as_str())?
            .strip_prefix(".tool.")
    }

    /// The registry name of a supervisor.
    pub fn supervisor(&self, role: &str) -> String {
        format!("{}.sup.{role}", self.prefix)
    }
}

/// A small bounded cache of decoded scores, least recently inserted evicted first.
#[derive(Debug)]
pub struct ScoreCache {
    capacity: usize,
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    scores: HashMap<String, Arc<Score>>,
    order: VecDeque<String>,
}

impl ScoreCache {
    /// A cache holding at most `capacity` scores.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(CacheInner::default()),
        }
    }

    /// The cached score, if any.
    pub fn get(&self, id: &str) -> Option<Arc<Score>> {
        self.lock().scores.get(id).cloned()
    }

    /// Caches a score, evicting the oldest entry when full.
    pub fn put(&self, id: &str, score: Arc<Score>) {
        let mut inner = self.lock();
        if inner.scores.insert(id.to_string(), score).is_none() {
            inner.order.push_back(id.to_string());
        }
        while inner.scores.len() > self.capacity {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            inner.scores.remove(&oldest);
        }
    }

    /// Forgets every score (memory pressure); they reload from the store on demand.
    pub fn clear(&self) -> usize {
        let mut inner = self.lock();
        let evicted = inner.scores.len();
        inner.scores.clear();
        inner.order.clear();
        evicted
    }

    /// Forgets a score (after a delete).
    pub fn remove(&self, id: &str) {
        let mut inner = self.lock();
        inner.scores.remove(id);
        inner.order.retain(|k| k != id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        // A panic while holding this lock cannot leave the map half-updated in a way that
        // matters (entries are whole Arcs), so a poisoned lock is safe to reuse.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// When an injected delay holds a call inside its tool actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultPoint {
    /// Before the tool does any work.
    BeforeWork,
    /// After the work is done (an import has committed) but before the reply is sent.
    BeforeReply,
}

/// Faults injected on purpose: a delay at a fault point, or a failure, for the next N calls of
/// a tool.
#[derive(Debug, Default)]
pub struct FaultInjector {
    delays: Mutex<HashMap<(String, FaultPoint), (Duration, u32)>>,
    failures: Mutex<HashMap<String, u32>>,
    /// Imports whose commit is skipped although they are acknowledged (a deliberately broken
    /// store, so the stress harness's verification can be shown to fail).
    dropped_commits: Mutex<u32>,
}

impl FaultInjector {
    /// Test hook: the next `count` imports are acknowledged but never written to the store.
    pub fn drop_next_commits(&self, count: u32) {
        *self
            .dropped_commits
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = count;
    }

    /// Takes one armed dropped commit, if any.
    pub fn take_dropped_commit(&self) -> bool {
        let mut left = self
            .dropped_commits
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if *left == 0 {
            return false;
        }
        *left -= 1;
        true
    }

    /// Makes the next `count` calls of `tool` fail with an internal error (a server fault).
    pub fn fail_next_calls(&self, tool: &str, count: u32) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.insert(tool.to_string(), count);
    }

    /// Takes one armed failure of `tool`, if any.
    pub fn take_failure(&self, tool: &str) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(left) = failures.get_mut(tool) else {
            return false;
        };
        *left = left.saturating_sub(1);
        if *left == 0 {
            failures.remove(tool);
        }
        true
    }

    /// Delays the next `count` calls of `tool` by `delay` before they do any work.
    pub fn delay_next_calls(&self, tool: &str, delay: Duration, count: u32) {
        self.delay_at(tool, FaultPoint::BeforeWork, delay, count);
    }

    /// Delays the next `count` calls of `tool` by `delay` at `point`.
    pub fn delay_at(&self, tool: &str, point: FaultPoint, delay: Duration, count: u32) {
        let mut delays = self.delays.lock().unwrap_or_else(|p| p.into_inner());
        delays.insert((tool.to_string(), point), (delay, count));
    }

    /// Takes the delay for one call of `tool` at `point`, if one is armed.
    pub fn take_delay(&self, tool: &str, point: FaultPoint) -> Option<Duration> {
        let mut delays = self.delays.lock().unwrap_or_else(|p| p.into_inner());
        let key = (tool.to_string(), point);
        let entry = delays.get_mut(&key)?;
        let delay = entry.0;
        entry.1 = entry.1.saturating_sub(1);
        if entry.1 == 0 {
            delays.remove(&key);
        }
        Some(delay)
    }
}
