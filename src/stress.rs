//! `music-mcp stress`: the stress and chaos harness.
//!
//! It starts this same binary as `serve --watchdog --http 127.0.0.1:PORT` with the chaos
//! monkey on, puts a fault-injecting loopback proxy in front of it, and runs N simulated users
//! (real rmcp Streamable HTTP clients) doing a weighted mix of real operations for the given
//! time, while SIGKILLing the serving process at the kill interval. Then it checks that every
//! acknowledged write is still stored with the same content, judges the criteria, writes
//! `report.json` and `report.html`, and exits 0 only on PASS.
//!
//! Layout, one concept per file: [`plan`] (flags to numbers), [`preflight`], [`server`] (the
//! child process group), [`proxy`] (network faults), [`workload`] and [`user`] (the load),
//! [`outcome`] (classifying each call), [`recorder`] and [`latency`] (what was seen),
//! [`killer`] (process kills), [`monitor`] (health polling, actor restarts), [`live`] (the
//! terminal view), [`verify`] and [`report`]. Only 127.0.0.1 is ever targeted; every loop is
//! bounded in time; the server's process group is ended on exit, Ctrl-C included.

pub mod killer;
pub mod latency;
pub mod live;
pub mod monitor;
pub mod outcome;
pub mod plan;
pub mod preflight;
pub mod proxy;
pub mod recorder;
pub mod report;
pub mod server;
pub mod user;
pub mod verify;
pub mod workload;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio_util::sync::CancellationToken;

use self::plan::{Plan, StressProfile};
use self::recorder::Recorder;
use self::report::{Context, Report};
use self::server::ServerProcess;

/// Flags of `music-mcp stress`.
#[derive(Debug, Clone, clap::Args)]
pub struct StressArgs {
    /// How long to run the load, in hours (e.g. 0.1 or 24).
    #[arg(long, value_name = "H")]
    pub hours: Option<f64>,
    /// How long to run the load, in minutes (e.g. 2 or 0.34).
    #[arg(long, value_name = "M")]
    pub minutes: Option<f64>,
    /// Concurrent simulated users, each a real MCP client session.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub users: u32,
    /// Load profile: quick, moderate, full (generated scores up to 100 MB) or lite.
    #[arg(long, value_enum, default_value = "quick")]
    pub profile: StressProfile,
    /// Seed of every random choice (harness and chaos monkey); random when absent.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Folder for report.json, report.html and server.log.
    #[arg(long, value_name = "DIR", default_value = "stress-report")]
    pub report: PathBuf,
    /// Seconds between two SIGKILLs of the server process (default: a quarter of the run,
    /// between 8 s and 300 s).
    #[arg(long, value_name = "SECS")]
    pub kill_interval: Option<f64>,
    /// No chaos at all: no chaos monkey, no process kills, no network faults.
    #[arg(long)]
    pub no_chaos: bool,
}

/// Runs the harness; the exit code is 0 on PASS, 1 on FAIL, 2 when it could not run, 130 when
/// interrupted.
pub fn main(args: &StressArgs) -> ExitCode {
    let plan = match Plan::from_args(args) {
        Ok(plan) => plan,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::from(2);
        }
    };
    let Some(runtime) = crate::start_async_runtime() else {
        return ExitCode::from(2);
    };
    match runtime.block_on(run(plan)) {
        Ok(report) if report.interrupted => ExitCode::from(130),
        Ok(report) if report.passed() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// The whole run: pre-flight, server, proxy, load with chaos, verification, report.
pub async fn run(plan: Plan) -> anyhow::Result<Report> {
    // From here on Ctrl-C and SIGTERM end the run in order instead of killing the harness
    // (which would leave the server's process group running).
    let interrupt = CancellationToken::new();
    let watcher = {
        let interrupt = interrupt.clone();
        tokio::spawn(async move {
            let _ = crate::shutdown::requested().await;
            interrupt.cancel();
        })
    };
    let result = tokio::select! {
        result = run_until(plan, interrupt.clone()) => result,
        () = async {
            interrupt.cancelled().await;
            // A second chance to finish in order: the load phase reacts to the interrupt itself.
            tokio::time::sleep(Duration::from_secs(150)).await;
        } => Err(anyhow::anyhow!("interrupted, and the run did not wind down within 150 s")),
    };
    watcher.abort();
    result
}

async fn run_until(plan: Plan, interrupt: CancellationToken) -> anyhow::Result<Report> {
    let data = tempfile::Builder::new()
        .prefix("music-mcp-stress-")
        .tempdir()?;
    let preflight = preflight::check(&plan, data.path()).await?;
    tracing::info!(
        users = plan.users,
        seconds = plan.duration.as_secs_f64(),
        profile = ?plan.profile,
        seed = plan.seed,
        chaos = plan.chaos,
        corpus = preflight.corpus.len(),
        "stress run starting"
    );

    let log = plan.report_dir.join("server.log");
    let store = data.path().join("store");
    let server = tokio::select! {
        server = ServerProcess::start(&plan, preflight.port, &store, &log) => {
            Arc::new(server?)
        }
        () = interrupt.cancelled() => anyhow::bail!("interrupted while starting the server"),
    };
    let server_args = server::server_args(&plan, server.addr);
    let stop_proxy = CancellationToken::new();
    let proxy = proxy::start(server.addr, plan.net, plan.seed, stop_proxy.clone()).await?;

    let started_at_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let started = Instant::now();
    let recorder = Arc::new(Recorder::new(plan.duration));
    let interrupted = load_phase(&plan, &server, &proxy, &recorder, &preflight, &interrupt).await;
    let load_seconds = started.elapsed().as_secs_f64();

    // Verification straight to the server, once it is ready again.
    wait_ready(&server, Duration::from_secs(30)).await;
    let recorded = recorder.recorded();
    let verification = verify::verify(&server.url("/mcp"), &recorded.ledger).await;
    let server_stop = Some(server.stop(Duration::from_secs(15)).await);
    stop_proxy.cancel();

    let context = Context {
        plan: plan.clone(),
        server_args,
        preflight,
        started_at_unix,
        load_seconds,
        interrupted,
        proxy: proxy.stats.counts(),
        server_stop,
    };
    let report = Report::build(context, &recorded, verification);
    report.write(&plan.report_dir)?;
    summarise(&report, &plan);
    Ok(report)
}

/// Runs users, killer, monitor and live view until the duration passes or an interrupt
/// arrives; returns true when interrupted.
async fn load_phase(
    plan: &Plan,
    server: &Arc<ServerProcess>,
    proxy: &proxy::Proxy,
    recorder: &Arc<Recorder>,
    preflight: &preflight::Preflight,
    interrupt: &CancellationToken,
) -> bool {
    let stop = CancellationToken::new();
    let end = Instant::now() + plan.duration;
    let shared = user::Shared {
        plan: Arc::new(plan.clone()),
        url: format!("http://{}/mcp", proxy.addr),
        recorder: recorder.clone(),
        corpus: Arc::new(preflight.corpus.clone()),
        stop: stop.clone(),
    };
    let mut tasks = tokio::task::JoinSet::new();
    for id in 0..plan.users {
        tasks.spawn(user::run(id, shared.clone()));
    }
    let monitor = tokio::spawn(monitor::run(
        server.clone(),
        recorder.clone(),
        Duration::from_secs(1),
        stop.clone(),
    ));
    let killer = plan.kill_interval.map(|every| {
        tokio::spawn(killer::run(
            server.clone(),
            recorder.clone(),
            every,
            end,
            stop.clone(),
        ))
    });
    let live = tokio::spawn(live::run(recorder.clone(), plan.duration, stop.clone()));

    let interrupted = tokio::select! {
        () = tokio::time::sleep_until(end.into()) => false,
        () = interrupt.cancelled() => {
            tracing::warn!("interrupted: stopping the load and the server");
            true
        }
    };
    stop.cancel();

    // Users finish the call in flight (bounded by the client timeout) but retry no more.
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(120), drain)
        .await
        .is_err()
    {
        tracing::warn!("some users were still busy two minutes after the end; aborting them");
        tasks.abort_all();
    }
    if let Some(killer) = killer {
        let _ = killer.await;
    }
    let _ = monitor.await;
    let _ = live.await;
    interrupted
}

async fn wait_ready(server: &ServerProcess, within: Duration) {
    let started = Instant::now();
    while started.elapsed() < within && !server.ready().await {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn summarise(report: &Report, plan: &Plan) {
    for criterion in &report.criteria {
        tracing::info!(
            pass = criterion.pass,
            value = %criterion.value,
            threshold = %criterion.threshold,
            "{}",
            criterion.name
        );
    }
    tracing::info!(
        verdict = report.verdict,
        calls = report.totals.calls,
        success_percent = report.totals.success_percent,
        kills = report.process_kills.len(),
        report = %plan.report_dir.join("report.html").display(),
        "stress run finished"
    );
}
