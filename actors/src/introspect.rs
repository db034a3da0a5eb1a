//! Introspection: plain, serialisable snapshots of the runtime for health endpoints.
//!
//! The server renders `/health/detailed` and an MCP resource from a [`RuntimeHealth`], which
//! [`collect`] assembles from the live supervision tree (asked by name with `GetStatus`), the
//! circuit breakers, the rate limiter, the memory guard and the chaos monkey. Everything here
//! is data: durations serialise as whole milliseconds in fields ending in `_ms`, enums in
//! snake case.

use std::time::Duration;

use ractor::rpc::CallResult;
use ractor::{ActorRef, Message, RpcReplyPort};
use serde::Serialize;

use crate::breaker::{BreakerRegistry, BreakerSnapshot, BreakerState};
use crate::chaos::{ChaosMessage, ChaosStatus};
use crate::memory_guard::{MemoryGuardMessage, MemoryLevel, MemoryStatus};
use crate::rate_limit::{RateLimiter, RateLimiterSnapshot};
use crate::supervisor::{
    ChildState, ChildStatus, RestartType, Strategy, SupervisorMessage, SupervisorStatus,
};

/// How long [`collect`] waits for each actor's status by default.
pub const DEFAULT_STATUS_TIMEOUT: Duration = Duration::from_secs(2);

/// Overall verdict of a [`RuntimeHealth`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Everything runs and nothing is shedding load.
    Healthy,
    /// Serving, but something is restarting, open, or under memory pressure.
    Degraded,
    /// Not serving properly: the tree is gone or memory is over the hard limit.
    Unhealthy,
}

/// One supervisor and its children, recursively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupervisorNode {
    /// Registry name of the supervisor.
    pub name: String,
    /// Restart strategy.
    pub strategy: Strategy,
    /// Restarts allowed within `period`.
    pub max_restarts: u32,
    /// The restart intensity window.
    #[serde(rename = "period_ms", with = "millis")]
    pub period: Duration,
    /// Restarts counted in the current window.
    pub restarts_in_window: usize,
    /// Restart decisions since the supervisor started.
    pub total_restarts: u64,
    /// Children in start order.
    pub children: Vec<ChildNode>,
}

/// One child of a supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildNode {
    /// Registry name of the child.
    pub name: String,
    /// Restart type.
    pub restart: RestartType,
    /// Lifecycle state.
    pub state: ChildState,
    /// Times the child was restarted.
    pub restart_count: u64,
    /// Why the child last exited, as text.
    pub last_exit: Option<String>,
    /// How long ago it last exited.
    #[serde(rename = "last_exit_ago_ms", with = "option_millis")]
    pub last_exit_ago: Option<Duration>,
    /// How long the last restart took (exit handled to replacement running), in microseconds.
    pub last_recovery_us: Option<u64>,
    /// The running incarnation's actor id, as text.
    pub actor_id: Option<String>,
    /// The child's own tree, if it is a supervisor that answered.
    pub supervisor: Option<Box<SupervisorNode>>,
}

/// Everything the runtime knows about its health, ready to serialise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuntimeHealth {
    /// Overall verdict.
    pub health: Health,
    /// One line per reason the verdict is not `Healthy`.
    pub problems: Vec<String>,
    /// The supervision tree, if the root answered.
    pub tree: Option<SupervisorNode>,
    /// Every circuit breaker, sorted by key.
    pub breakers: Vec<BreakerSnapshot>,
    /// The rate limiter, if there is one.
    pub rate_limits: Option<RateLimiterSnapshot>,
    /// The memory guard, if it answered.
    pub memory: Option<MemoryStatus>,
    /// The chaos monkey, if one runs and answered.
    pub chaos: Option<ChaosStatus>,
}

/// Where [`collect`] finds each part; leave out what the server does not run.
#[derive(Debug, Clone, Copy)]
pub struct HealthSources<'a> {
    /// Name of the root supervisor; `None` leaves the tree out (and counts as unhealthy).
    pub root_supervisor: Option<&'a str>,
    /// The circuit breakers.
    pub breakers: Option<&'a BreakerRegistry>,
    /// The rate limiter.
    pub rate_limiter: Option<&'a RateLimiter>,
    /// Name of the memory guard actor.
    pub memory_guard: Option<&'a str>,
    /// Name of the chaos monkey actor.
    pub chaos_monkey: Option<&'a str>,
    /// How long to wait for each actor's status.
    pub timeout: Duration,
}

impl Default for HealthSources<'_> {
    fn default() -> Self {
        Self {
            root_supervisor: None,
            breakers: None,
            rate_limiter: None,
            memory_guard: None,
            chaos_monkey: None,
            timeout: DEFAULT_STATUS_TIMEOUT,
        }
    }
}

/// Gathers a [`RuntimeHealth`] from `sources`, asking each actor by name.
///
/// An actor that is missing or does not answer within the timeout is left out; a missing tree
/// makes the verdict `Unhealthy`.
pub async fn collect(sources: HealthSources<'_>) -> RuntimeHealth {
    let timeout = sources.timeout;
    let tree = match sources.root_supervisor {
        Some(name) => supervision_tree(name, timeout).await,
        None => None,
    };
    let memory = match sources.memory_guard {
        Some(name) => ask(name, MemoryGuardMessage::GetStatus, timeout).await,
        None => None,
    };
    let chaos = match sources.chaos_monkey {
        Some(name) => ask(name, ChaosMessage::GetStatus, timeout).await,
        None => None,
    };
    RuntimeHealth::assess(
        tree,
        sources
            .breakers
            .map(BreakerRegistry::snapshot)
            .unwrap_or_default(),
        sources.rate_limiter.map(RateLimiter::snapshot),
        memory,
        chaos,
    )
}

/// The tree under the supervisor registered as `root`, or `None` if it does not answer.
pub async fn supervision_tree(root: &str, timeout: Duration) -> Option<SupervisorNode> {
    let status: SupervisorStatus = ask(root, SupervisorMessage::GetStatus, timeout).await?;
    Some(SupervisorNode::from(&status))
}

impl RuntimeHealth {
    /// Builds the report and its verdict from the parts.
    pub fn assess(
        tree: Option<SupervisorNode>,
        breakers: Vec<BreakerSnapshot>,
        rate_limits: Option<RateLimiterSnapshot>,
        memory: Option<MemoryStatus>,
        chaos: Option<ChaosStatus>,
    ) -> Self {
        let mut problems = Vec::new();
        let mut health = Health::Healthy;
        let mut report = |level: Health, problem: String| {
            health = health.max(level);
            problems.push(problem);
        };

        match &tree {
            Some(root) => root.report_problems(&mut report),
            None => report(
                Health::Unhealthy,
                "supervision tree did not answer".to_string(),
            ),
        }
        for breaker in breakers.iter().filter(|b| b.state != BreakerState::Closed) {
            let state = match breaker.state {
                BreakerState::Open => "open",
                _ => "half-open",
            };
            report(
                Health::Degraded,
                format!("circuit breaker {} is {state}", breaker.key),
            );
        }
        if let Some(memory) = &memory {
            let level = match memory.level {
                MemoryLevel::Normal => None,
                MemoryLevel::Soft => Some((Health::Degraded, "soft")),
                MemoryLevel::Critical => Some((Health::Degraded, "critical")),
                MemoryLevel::Hard => Some((Health::Unhealthy, "hard")),
            };
            if let Some((health, name)) = level {
                let rss_mib = memory.rss_bytes.unwrap_or_default() / (1024 * 1024);
                report(
                    health,
                    format!("memory at {name} level ({rss_mib} MiB resident)"),
                );
            }
        }

        Self {
            health,
            problems,
            tree,
            breakers,
            rate_limits,
            memory,
            chaos,
        }
    }
}

impl SupervisorNode {
    /// Reports every child that is restarting, or stopped although it should run.
    fn report_problems(&self, report: &mut impl FnMut(Health, String)) {
        for child in &self.children {
            let should_run = child.restart == RestartType::Permanent;
            match child.state {
                ChildState::Restarting => report(
                    Health::Degraded,
                    format!("{} is restarting under {}", child.name, self.name),
                ),
                ChildState::Stopped if should_run => report(
                    Health::Degraded,
                    format!("{} is stopped under {}", child.name, self.name),
                ),
                _ => {}
            }
            if let Some(nested) = &child.supervisor {
                nested.report_problems(report);
            }
        }
    }

    /// Finds a supervisor or child anywhere in the tree by name.
    pub fn find_child(&self, name: &str) -> Option<&ChildNode> {
        self.children.iter().find_map(|child| {
            if child.name == name {
                return Some(child);
            }
            child.supervisor.as_ref()?.find_child(name)
        })
    }
}

impl From<&SupervisorStatus> for SupervisorNode {
    fn from(status: &SupervisorStatus) -> Self {
        Self {
            name: status.name.clone(),
            strategy: status.strategy,
            max_restarts: status.intensity.max_restarts,
            period: status.intensity.period,
            restarts_in_window: status.restarts_in_window,
            total_restarts: status.total_restarts,
            children: status.children.iter().map(ChildNode::from).collect(),
        }
    }
}

impl From<&ChildStatus> for ChildNode {
    fn from(child: &ChildStatus) -> Self {
        Self {
            name: child.name.clone(),
            restart: child.restart,
            state: child.state,
            restart_count: child.restart_count,
            last_exit: child.last_exit.as_ref().map(ToString::to_string),
            last_exit_ago: child.last_exit_ago,
            last_recovery_us: child
                .last_recovery
                .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
            actor_id: child.actor_id.map(|id| id.to_string()),
            supervisor: child
                .supervisor
                .as_deref()
                .map(|nested| Box::new(SupervisorNode::from(nested))),
        }
    }
}

/// Asks the actor registered as `name` for its status; `None` if absent, mistyped or silent.
async fn ask<M, R>(name: &str, build: fn(RpcReplyPort<R>) -> M, timeout: Duration) -> Option<R>
where
    M: Message,
    R: Send + 'static,
{
    let cell = ractor::registry::where_is(name)?;
    if cell.is_message_type_of::<M>() == Some(false) {
        return None;
    }
    let actor: ActorRef<M> = cell.into();
    match actor.call(build, Some(timeout)).await {
        Ok(CallResult::Success(status)) => Some(status),
        _ => None,
    }
}

/// Serialises a `Duration` as whole milliseconds.
pub(crate) mod millis {
    use std::time::Duration;

    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(
        value: &Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(u64::try_from(value.as_millis()).unwrap_or(u64::MAX))
    }
}

/// Serialises an `Option<Duration>` as whole milliseconds or null.
pub(crate) mod option_millis {
    use std::time::Duration;

    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(duration) => super::millis::serialize(duration, serializer),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests;
