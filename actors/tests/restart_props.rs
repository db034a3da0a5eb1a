//! Property test: a supervisor's restarts match a simple model of OTP restart semantics.
//!
//! Random children (restart types), a random strategy and a random sequence of kills, panics
//! and normal stops run against a real supervisor with an intensity too high to be reached.
//! After each event the supervisor must settle into the model's state: which children run, each
//! child's restart count, and the number of restart decisions.

#[allow(dead_code)]
#[path = "it/support.rs"]
mod support;

use std::sync::LazyLock;
use std::time::Duration;

use music_mcp_actors::{
    Backoff, ChildState, Intensity, RestartType, Strategy, Supervisor, SupervisorConfig,
    SupervisorStatus,
};
use proptest::prelude::*;
use support::{EventLog, WorkerMessage, id_of, status, unique, worker, worker_ref};

/// One shared runtime: building one per case would dominate the run time.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
});

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
        let affected = match self.strategy {
            Strategy::OneForOne => child..child + 1,
            Strategy::OneForAll => 0..self.types.len(),
            Strategy::RestForOne => child..self.types.len(),
        };
        for sibling in affected {
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

async fn settle(
    supervisor: &ractor::ActorRef<music_mcp_actors::SupervisorMessage>,
    model: &Model,
) -> Result<SupervisorStatus, String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        let current = status(supervisor).await;
        if model.matches(&current) {
            return Ok(current);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "did not settle\nmodel: {model:?}\nstatus: {current:#?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

async fn run_case(
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
        .with_backoff(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(4),
        ));
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
        settle(&supervisor, &model).await?;
    }

    // Liveness: exactly the children the model keeps alive are registered, under their names.
    let last = settle(&supervisor, &model).await?;
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn supervisor_restarts_match_the_model(
        types in prop::collection::vec(restart_type(), 1..=4),
        strategy in strategy(),
        events in prop::collection::vec((0..4usize, exit()), 0..10),
    ) {
        let outcome = RUNTIME.block_on(run_case(types, strategy, events));
        prop_assert!(outcome.is_ok(), "{}", outcome.err().unwrap_or_default());
    }
}
