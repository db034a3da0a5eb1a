//! Property tests, state-machine style: a real supervisor against a model of OTP semantics.
//!
//! Two families run against real ractor actors:
//!
//! - `supervisor_restarts_match_the_model`: random restart types, a random strategy and random
//!   kills, panics and normal stops; after each event the supervisor must settle into the
//!   model's state (who runs, each child's restart count, the number of restart decisions).
//! - `calls_and_crashes_under_*`, one per strategy: random sequences of calls (left in flight
//!   while later operations run) interleaved with kills, panics and handler errors of random
//!   children, under a random restart intensity. Checked: every call gets exactly one reply,
//!   and while the supervisor is within its intensity every reply is the right child's answer
//!   under its name (no call is lost); each crash restarts exactly the siblings the strategy
//!   names, stopping them last-first and starting them in start order; the supervisor escalates
//!   to its parent exactly on the crash that exceeds its intensity; shutdown stops the children
//!   in reverse start order.
//!
//! Every property runs 256 cases on small trees (at most four children, twelve operations) with
//! short timeouts; a failing case shrinks to a short operation list printed with `Debug`.

#[allow(dead_code)]
#[path = "it/support.rs"]
mod support;

use std::sync::LazyLock;
use std::time::Duration;

use music_mcp_actors::{
    Backoff, CallError, ChildSpec, ChildState, ExitReason, Intensity, RestartType, RetryPolicy,
    Strategy, Supervisor, SupervisorConfig, SupervisorMessage, SupervisorStatus, call_named,
};
use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use ractor::ActorRef;
use support::{EventLog, WorkerMessage, id_of, status, unique, worker, worker_ref};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// One shared runtime: building one per case would dominate the run time.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
});

/// How long a supervisor may take to settle after an event before the case fails.
const SETTLE: Duration = Duration::from_secs(3);

/// Small, fast restart backoff so repeated crashes of one child stay cheap.
fn fast_backoff() -> Backoff {
    Backoff::new(Duration::from_millis(1), Duration::from_millis(4))
}

async fn settle<T>(
    supervisor: &ActorRef<SupervisorMessage>,
    what: &str,
    check: impl Fn(&SupervisorStatus) -> Option<T>,
) -> Result<T, String> {
    let deadline = tokio::time::Instant::now() + SETTLE;
    loop {
        let current = status(supervisor).await;
        if let Some(done) = check(&current) {
            return Ok(done);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("did not settle: {what}\nstatus: {current:#?}"));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Restart types and exits against a model.
// ---------------------------------------------------------------------------------------------

/// How a child is made to exit.
#[derive(Debug, Clone, Copy)]
enum Exit {
    Kill,
    Panic,
    NormalStop,
}

impl Exit {
    fn is_abnormal(self) -> bool {
        !matches!(self, Self::NormalStop)
    }
}

/// What the supervisor should look like after each event.
#[derive(Debug)]
struct Model {
    types: Vec<RestartType>,
    strategy: Strategy,
    alive: Vec<bool>,
    restarts: Vec<u64>,
    decisions: u64,
}

impl Model {
    fn new(types: Vec<RestartType>, strategy: Strategy) -> Self {
        let n = types.len();
        Self {
            types,
            strategy,
            alive: vec![true; n],
            restarts: vec![0; n],
            decisions: 0,
        }
    }

    fn apply(&mut self, child: usize, exit: Exit) {
        let should_restart = match self.types[child] {
            RestartType::Permanent => true,
            RestartType::Transient => exit.is_abnormal(),
            RestartType::Temporary => false,
        };
        if !should_restart {
            self.alive[child] = false;
            return;
        }
        self.decisions += 1;
        for sibling in self.strategy.affected(child, self.types.len()) {
            if sibling == child {
                self.restarts[child] += 1;
            } else if self.alive[sibling] {
                if self.types[sibling] == RestartType::Temporary {
                    self.alive[sibling] = false;
                } else {
                    self.restarts[sibling] += 1;
                }
            }
        }
    }

    fn matches(&self, status: &SupervisorStatus) -> bool {
        status.total_restarts == self.decisions
            && status.children.iter().enumerate().all(|(i, child)| {
                let state = if self.alive[i] {
                    ChildState::Running
                } else {
                    ChildState::Stopped
                };
                child.state == state && child.restart_count == self.restarts[i]
            })
    }
}

async fn run_model_case(
    types: Vec<RestartType>,
    strategy: Strategy,
    events: Vec<(usize, Exit)>,
) -> Result<(), String> {
    let log = EventLog::default();
    let names: Vec<String> = (0..types.len())
        .map(|i| unique(&format!("prop-{i}")))
        .collect();
    let mut config = SupervisorConfig::new(unique("prop-sup"))
        .with_strategy(strategy)
        .with_intensity(Intensity::new(1_000, Duration::from_secs(60)))
        .with_backoff(fast_backoff());
    for (name, restart) in names.iter().zip(&types) {
        config = config.with_child(worker(name, *restart, &log));
    }
    let (supervisor, handle) = Supervisor::spawn(config, None)
        .await
        .map_err(|e| e.to_string())?;
    let mut model = Model::new(types, strategy);

    for (child, exit) in events {
        let child = child % names.len();
        if !model.alive[child] {
            continue;
        }
        let target = worker_ref(&names[child]);
        match exit {
            Exit::Kill => target.kill(),
            Exit::Panic => target
                .cast(WorkerMessage::Panic)
                .map_err(|e| e.to_string())?,
            Exit::NormalStop => target
                .cast(WorkerMessage::StopWith("normal".into()))
                .map_err(|e| e.to_string())?,
        }
        model.apply(child, exit);
        settle(&supervisor, &format!("{model:?}"), |s| {
            model.matches(s).then_some(())
        })
        .await?;
    }

    // Liveness: exactly the children the model keeps alive are registered, under their names.
    let last = settle(&supervisor, "final", |s| {
        model.matches(s).then(|| s.clone())
    })
    .await?;
    for (i, name) in names.iter().enumerate() {
        let registered = id_of(name);
        let expected = last.children[i].actor_id;
        if registered != expected || registered.is_some() != model.alive[i] {
            return Err(format!(
                "{name}: registered {registered:?}, status {expected:?}"
            ));
        }
    }
    Supervisor::shutdown(&supervisor, Some(Duration::from_secs(5)))
        .await
        .map_err(|e| e.to_string())?;
    handle.await.map_err(|e| e.to_string())
}

fn restart_type() -> impl proptest::strategy::Strategy<Value = RestartType> {
    prop_oneof![
        Just(RestartType::Permanent),
        Just(RestartType::Transient),
        Just(RestartType::Temporary),
    ]
}

fn strategy() -> impl proptest::strategy::Strategy<Value = Strategy> {
    prop_oneof![
        Just(Strategy::OneForOne),
        Just(Strategy::OneForAll),
        Just(Strategy::RestForOne)
    ]
}

fn exit() -> impl proptest::strategy::Strategy<Value = Exit> {
    prop_oneof![Just(Exit::Kill), Just(Exit::Panic), Just(Exit::NormalStop)]
}

// ---------------------------------------------------------------------------------------------
// Calls interleaved with crashes, per strategy.
// ---------------------------------------------------------------------------------------------

/// One step of a state-machine case.
#[derive(Debug, Clone, Copy)]
enum Op {
    /// Start a call to `child` that takes `work_ms`; it stays in flight while later ops run.
    Call { child: usize, work_ms: u8 },
    /// `kill()` the child.
    Kill { child: usize },
    /// Make the child panic in a handler.
    Panic { child: usize },
    /// Make the child return `Err` from a handler.
    Fail { child: usize },
}

impl Op {
    fn crash_target(self) -> Option<usize> {
        match self {
            Self::Call { .. } => None,
            Self::Kill { child } | Self::Panic { child } | Self::Fail { child } => Some(child),
        }
    }
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    prop_oneof![
        3 => (0..4usize, 0..4u8).prop_map(|(child, work_ms)| Op::Call { child, work_ms }),
        1 => (0..4usize).prop_map(|child| Op::Kill { child }),
        1 => (0..4usize).prop_map(|child| Op::Panic { child }),
        1 => (0..4usize).prop_map(|child| Op::Fail { child }),
    ]
}

/// A generated case: tree size, restart intensity and the operations.
#[derive(Debug, Clone)]
struct Case {
    children: usize,
    max_restarts: u32,
    ops: Vec<Op>,
}

fn case() -> impl proptest::strategy::Strategy<Value = Case> {
    (1..=4usize, 0..=8u32, prop::collection::vec(op(), 1..=12)).prop_map(
        |(children, max_restarts, ops)| Case {
            children,
            max_restarts,
            ops,
        },
    )
}

/// A call in flight: which child it went to, and its eventual reply.
struct Pending {
    child: usize,
    reply: JoinHandle<Result<String, CallError>>,
}

/// The tree under test: a parent supervisor with the supervisor under test as a temporary
/// child, so the parent records the escalation and does not restart it.
struct Fixture {
    parent: ActorRef<SupervisorMessage>,
    parent_handle: ractor::concurrency::JoinHandle<()>,
    supervisor: ActorRef<SupervisorMessage>,
    supervisor_name: String,
    names: Vec<String>,
    log: EventLog,
}

impl Fixture {
    async fn spawn(strategy: Strategy, case: &Case) -> Result<Self, String> {
        let log = EventLog::default();
        let names: Vec<String> = (0..case.children)
            .map(|i| unique(&format!("calls-{i}")))
            .collect();
        let supervisor_name = unique("calls-sup");
        let mut config = SupervisorConfig::new(&supervisor_name)
            .with_strategy(strategy)
            .with_intensity(Intensity::new(case.max_restarts, Duration::from_secs(60)))
            .with_backoff(fast_backoff());
        for name in &names {
            config = config.with_child(worker(name, RestartType::Permanent, &log));
        }
        let parent = SupervisorConfig::new(unique("calls-parent"))
            .with_child(ChildSpec::supervisor(config).with_restart(RestartType::Temporary));
        let (parent, parent_handle) = Supervisor::spawn(parent, None)
            .await
            .map_err(|e| e.to_string())?;
        let supervisor = ActorRef::where_is(&supervisor_name)
            .ok_or_else(|| "supervisor under test not registered".to_string())?;
        log.clear();
        Ok(Self {
            parent,
            parent_handle,
            supervisor,
            supervisor_name,
            names,
            log,
        })
    }

    /// Starts a call to child `child`, retried across restarts until `policy` runs out.
    fn call(&self, child: usize, work_ms: u8, policy: RetryPolicy) -> Pending {
        let name = self.names[child].clone();
        let work = Duration::from_millis(u64::from(work_ms));
        let reply = tokio::spawn(async move {
            let cancel = CancellationToken::new();
            call_named(
                &name,
                |reply| WorkerMessage::Name(work, reply),
                &policy,
                &cancel,
            )
            .await
            .map(|answer| answer.value)
        });
        Pending { child, reply }
    }

    fn crash(&self, op: Op) -> Result<(), String> {
        let Some(child) = op.crash_target() else {
            return Ok(());
        };
        let target = worker_ref(&self.names[child]);
        match op {
            Op::Kill { .. } => target.kill(),
            Op::Panic { .. } => target
                .cast(WorkerMessage::Panic)
                .map_err(|e| e.to_string())?,
            Op::Fail { .. } => target
                .cast(WorkerMessage::Fail)
                .map_err(|e| e.to_string())?,
            Op::Call { .. } => {}
        }
        Ok(())
    }

    /// Waits until the parent reports the supervisor under test failed on its intensity.
    async fn expect_escalation(&self) -> Result<(), String> {
        let name = self.supervisor_name.clone();
        settle(&self.parent, "escalation to the parent", |s| {
            let child = s.child(&name)?;
            let gave_up = matches!(&child.last_exit, Some(ExitReason::Failed(text))
                if text.contains("restart intensity exceeded"));
            (child.state == ChildState::Stopped && gave_up).then_some(())
        })
        .await
    }
}

/// What the supervisor under test should look like: restart counts and decisions.
#[derive(Debug)]
struct CallModel {
    strategy: Strategy,
    restarts: Vec<u64>,
    decisions: u64,
}

impl CallModel {
    fn matches(&self, status: &SupervisorStatus) -> bool {
        status.total_restarts == self.decisions
            && status
                .children
                .iter()
                .zip(&self.restarts)
                .all(|(child, restarts)| {
                    child.state == ChildState::Running && child.restart_count == *restarts
                })
    }
}

async fn run_call_case(strategy: Strategy, case: Case) -> Result<(), String> {
    let fixture = Fixture::spawn(strategy, &case).await?;
    let n = case.children;
    let mut model = CallModel {
        strategy,
        restarts: vec![0; n],
        decisions: 0,
    };

    // Escalating cases get a short budget: their calls in flight at the escalation can only end
    // in a classified error, and the budget bounds the wait for it.
    let crashes = case
        .ops
        .iter()
        .filter(|op| op.crash_target().is_some())
        .count();
    let will_escalate = crashes > case.max_restarts as usize;
    let policy = RetryPolicy {
        deadline: if will_escalate {
            Duration::from_millis(100)
        } else {
            Duration::from_secs(5)
        },
        max_attempts: 64,
        attempt_timeout: Duration::from_secs(2),
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        retry_on_timeout: false,
    };

    let mut pending = Vec::new();
    let mut escalated = false;
    for op in case.ops.iter().copied() {
        let op = remap(op, n);
        if let Op::Call { child, work_ms } = op {
            pending.push(fixture.call(child, work_ms, policy));
            continue;
        }

        // A crash: expect exactly the strategy's siblings to restart, or an escalation.
        fixture.log.clear();
        fixture.crash(op)?;
        model.decisions += 1;
        if model.decisions > u64::from(case.max_restarts) {
            fixture.expect_escalation().await?;
            escalated = true;
            break;
        }
        let Some(child) = op.crash_target() else {
            continue;
        };
        let affected = model.strategy.affected(child, n);
        for index in affected.clone() {
            model.restarts[index] += 1;
        }
        settle(
            &fixture.supervisor,
            &format!("{model:?} after {op:?}"),
            |s| model.matches(s).then_some(()),
        )
        .await?;
        check_restart_order(&fixture, child, affected)?;
    }

    check_replies(&fixture, pending, escalated).await?;
    if !escalated {
        check_answers_under_names(&fixture, policy).await?;
        check_shutdown_order(&fixture).await?;
    }
    Supervisor::shutdown(&fixture.parent, Some(Duration::from_secs(5)))
        .await
        .map_err(|e| e.to_string())?;
    fixture.parent_handle.await.map_err(|e| e.to_string())
}

/// Points an operation at an existing child.
fn remap(op: Op, n: usize) -> Op {
    match op {
        Op::Call { child, work_ms } => Op::Call {
            child: child % n,
            work_ms,
        },
        Op::Kill { child } => Op::Kill { child: child % n },
        Op::Panic { child } => Op::Panic { child: child % n },
        Op::Fail { child } => Op::Fail { child: child % n },
    }
}

/// The crashed child runs no `post_stop`; its restarted siblings stop last-first, then every
/// affected child starts in start order.
fn check_restart_order(
    fixture: &Fixture,
    crashed: usize,
    affected: std::ops::Range<usize>,
) -> Result<(), String> {
    let expected_starts: Vec<String> = affected.clone().map(|i| fixture.names[i].clone()).collect();
    let expected_stops: Vec<String> = affected
        .rev()
        .filter(|i| *i != crashed)
        .map(|i| fixture.names[i].clone())
        .collect();
    let starts = fixture.log.with_prefix("start:");
    let stops = fixture.log.with_prefix("stop:");
    if starts != expected_starts || stops != expected_stops {
        return Err(format!(
            "after a crash of {}: started {starts:?}, expected {expected_starts:?}; \
             stopped {stops:?}, expected {expected_stops:?}",
            fixture.names[crashed]
        ));
    }
    Ok(())
}

/// Every call ends in one reply; without an escalation, every reply is the right answer.
async fn check_replies(
    fixture: &Fixture,
    pending: Vec<Pending>,
    escalated: bool,
) -> Result<(), String> {
    for Pending { child, reply } in pending {
        let expected = &fixture.names[child];
        let outcome = tokio::time::timeout(Duration::from_secs(10), reply)
            .await
            .map_err(|_| format!("call to {expected} never got a reply"))?
            .map_err(|e| format!("call task to {expected} failed: {e}"))?;
        match outcome {
            Ok(name) if name == *expected => {}
            Ok(name) => return Err(format!("call to {expected} answered by {name}")),
            Err(error) if !escalated => {
                return Err(format!("call to {expected} lost within intensity: {error}"));
            }
            Err(
                CallError::Unavailable { .. }
                | CallError::RetriesExhausted { .. }
                | CallError::TimedOut { .. },
            ) => {}
            Err(error) => return Err(format!("call to {expected} ended oddly: {error}")),
        }
    }
    Ok(())
}

/// Every child answers under its own name, from the incarnation the supervisor reports.
async fn check_answers_under_names(fixture: &Fixture, policy: RetryPolicy) -> Result<(), String> {
    let current = status(&fixture.supervisor).await;
    for (index, name) in fixture.names.iter().enumerate() {
        let answer = fixture
            .call(index, 0, policy)
            .reply
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("{name} did not answer: {e}"))?;
        let registered = id_of(name);
        let reported = current.children[index].actor_id;
        if answer != *name || registered != reported {
            return Err(format!(
                "{name}: answered as {answer}, registered {registered:?}, reported {reported:?}"
            ));
        }
    }
    Ok(())
}

/// Shutting the tree down stops the children in reverse start order.
async fn check_shutdown_order(fixture: &Fixture) -> Result<(), String> {
    fixture.log.clear();
    Supervisor::shutdown(&fixture.supervisor, Some(Duration::from_secs(5)))
        .await
        .map_err(|e| e.to_string())?;
    let stops = fixture.log.with_prefix("stop:");
    let mut expected = fixture.names.clone();
    expected.reverse();
    if stops != expected {
        return Err(format!("shutdown stopped {stops:?}, expected {expected:?}"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn supervisor_restarts_match_the_model(
        types in prop::collection::vec(restart_type(), 1..=4),
        strategy in strategy(),
        events in prop::collection::vec((0..4usize, exit()), 0..10),
    ) {
        let outcome = RUNTIME.block_on(run_model_case(types, strategy, events));
        prop_assert!(outcome.is_ok(), "{}", outcome.err().unwrap_or_default());
    }

    #[test]
    fn calls_and_crashes_under_one_for_one(case in case()) {
        let outcome = RUNTIME.block_on(run_call_case(Strategy::OneForOne, case));
        prop_assert!(outcome.is_ok(), "{}", outcome.err().unwrap_or_default());
    }

    #[test]
    fn calls_and_crashes_under_one_for_all(case in case()) {
        let outcome = RUNTIME.block_on(run_call_case(Strategy::OneForAll, case));
        prop_assert!(outcome.is_ok(), "{}", outcome.err().unwrap_or_default());
    }

    #[test]
    fn calls_and_crashes_under_rest_for_one(case in case()) {
        let outcome = RUNTIME.block_on(run_call_case(Strategy::RestForOne, case));
        prop_assert!(outcome.is_ok(), "{}", outcome.err().unwrap_or_default());
    }
}
