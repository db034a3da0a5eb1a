//! `health_check`: version, uptime, the supervision tree, the store and memory.

use std::sync::Arc;
use std::time::Duration;

use music_mcp_actors::{SupervisorMessage, SupervisorStatus};
use ractor::ActorRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Services, Tool, ToolError};
use crate::store::StoreStats;

/// Arguments of `health_check` (none).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct HealthCheckArgs {}

/// What `health_check` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct HealthReport {
    /// `ok` when every supervised child runs, `degraded` otherwise.
    pub status: String,
    /// The server's version.
    pub version: String,
    /// Seconds since the runtime started.
    pub uptime_seconds: f64,
    /// The supervision tree, root first.
    pub supervision: SupervisorReport,
    /// The score store.
    pub store: StoreStats,
    /// Resident memory of the server process in bytes, when the OS reports it.
    pub memory_rss_bytes: Option<u64>,
}

/// One supervisor and its children.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SupervisorReport {
    /// Registry name.
    pub name: String,
    /// Restart strategy in OTP words.
    pub strategy: String,
    /// Restart intensity: at most this many restarts ...
    pub max_restarts: u32,
    /// ... within this many seconds.
    pub period_seconds: f64,
    /// Children in start order.
    pub children: Vec<ChildReport>,
}

/// One supervised child.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChildReport {
    /// Registry name.
    pub name: String,
    /// `permanent`, `transient` or `temporary`.
    pub restart_type: String,
    /// `running`, `restarting` or `stopped`.
    pub state: String,
    /// Restarts since the supervisor started.
    pub restart_count: u64,
    /// Why it last failed, if it ever did.
    pub last_failure: Option<String>,
    /// The child's own children, when it is a supervisor.
    pub supervisor: Option<Box<SupervisorReport>>,
}

/// The `health_check` tool.
pub struct HealthCheck;

impl Tool for HealthCheck {
    const NAME: &'static str = "health_check";
    const RETRY_SAFE: bool = true;
    type Args = HealthCheckArgs;
    type Output = HealthReport;

    async fn run(
        services: Arc<Services>,
        _args: HealthCheckArgs,
    ) -> Result<HealthReport, ToolError> {
        let status = tree_status(&services.names.supervisor("root")).await?;
        let supervision = SupervisorReport::from(&status);
        let store = services.store.stats()?;
        let healthy = all_running(&supervision);
        Ok(HealthReport {
            status: if healthy { "ok" } else { "degraded" }.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            uptime_seconds: services.started_at.elapsed().as_secs_f64(),
            supervision,
            store,
            memory_rss_bytes: resident_memory(),
        })
    }
}

/// Asks a supervisor, by registry name, for the status of its subtree.
pub async fn tree_status(name: &str) -> Result<SupervisorStatus, ToolError> {
    let unavailable = || {
        ToolError::new(
            super::ToolErrorKind::Unavailable,
            format!("supervisor {name} is not running; try again shortly"),
        )
    };
    let root = ActorRef::<SupervisorMessage>::where_is(name).ok_or_else(unavailable)?;
    match root
        .call(SupervisorMessage::GetStatus, Some(Duration::from_secs(2)))
        .await
    {
        Ok(ractor::rpc::CallResult::Success(status)) => Ok(status),
        _ => Err(unavailable()),
    }
}

fn all_running(report: &SupervisorReport) -> bool {
    report.children.iter().all(|child| {
        child.state == "running" && child.supervisor.as_deref().is_none_or(all_running)
    })
}

impl From<&SupervisorStatus> for SupervisorReport {
    fn from(status: &SupervisorStatus) -> Self {
        Self {
            name: status.name.clone(),
            strategy: status.strategy.to_string(),
            max_restarts: status.intensity.max_restarts,
            period_seconds: status.intensity.period.as_secs_f64(),
            children: status
                .children
                .iter()
                .map(|child| ChildReport {
                    name: child.name.clone(),
                    restart_type: child.restart.to_string(),
                    state: format!("{:?}", child.state).to_lowercase(),
                    restart_count: child.restart_count,
                    last_failure: child
                        .last_exit
                        .as_ref()
                        .filter(|exit| exit.is_abnormal())
                        .map(ToString::to_string),
                    supervisor: child
                        .supervisor
                        .as_deref()
                        .map(|n| Box::new(SupervisorReport::from(n))),
                })
                .collect(),
        }
    }
}

/// Resident set size of this process, in bytes.
pub fn resident_memory() -> Option<u64> {
    use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System};
    let pid = sysinfo::get_current_pid().ok()?;
    let mut system = System::new().ok()?;
    system.refresh_processes_specifics(
        ProcessesToUpdate::Some(&[pid]),
        true,
        ProcessRefreshKind::nothing().with_memory(),
    );
    system.process(pid).map(|p| p.memory())
}
