//! The `music-mcp` command: serve MCP (stdio or Streamable HTTP, optionally under a watchdog),
//! print the effective configuration, analyse or convert a file, run the demo, or run the
//! stress and chaos harness (`stress`, in `music_mcp::stress`).
//!
//! `serve` builds one `Config` (flags over environment over TOML file over profile defaults),
//! sets up tracing from it, starts the supervision tree and serves until the client leaves
//! (stdio), a SIGTERM or SIGINT arrives (graceful: drain, stop the tree, exit 0), or the root
//! supervisor gives up (exit non-zero, so a watchdog or systemd starts a fresh process).
//!
//! Test hook: the hidden `--test-delay TOOL:MILLIS[:COUNT]` flag (or `MUSIC_MCP_TEST_DELAY`)
//! holds the next COUNT calls of TOOL (default 1) for MILLIS before they do any work, so the
//! integration tests can cancel a long call and kill a server mid-call. It uses the runtime's
//! fault injector and is meant for tests only. The hidden `--test-drop-commits COUNT` (or
//! `MUSIC_MCP_TEST_DROP_COMMITS`) acknowledges the first COUNT imports without storing them, so
//! the stress harness can be shown to catch a store that loses acknowledged writes.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use music_mcp::config::{Config, ConfigFlags, LogFormat, Transport};
use music_mcp::music::read::{ReadLimits, Score, read_bytes, read_path};
use music_mcp::music::record::analysis_record;
use music_mcp::server::http::{self, HttpOptions};
use music_mcp::server::{MusicServer, ServerOptions};
use music_mcp::tools::Runtime;
use music_mcp::tools::export_score::{ExportFormat, export};
use music_mcp::watchdog::{self, WatchdogPolicy};
use rmcp::ServiceExt;

/// Music analysis over the Model Context Protocol, on supervised actors.
#[derive(Parser)]
#[command(name = "music-mcp", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve MCP over stdio (the default, for desktop clients) or Streamable HTTP (--http).
    /// Logs go to stderr.
    Serve(ServeArgs),
    /// Show the effective configuration (flags over environment over file over profile).
    Config {
        #[command(flatten)]
        flags: ConfigFlags,
        /// Print it as TOML (the auth token is redacted).
        #[arg(long)]
        print: bool,
    },
    /// Print one JSON analysis record for a score file (music21 oracle field names).
    Analyze {
        /// The score file (MusicXML, MXL, MIDI, ABC or Humdrum **kern), or a corpus name such
        /// as `builtin/twinkle` or, with MUSIC_MCP_CORPUS set, `bach/bwv1.6`.
        file: PathBuf,
        /// Print JSON (the only output format for now).
        #[arg(long)]
        json: bool,
    },
    /// Convert a score file to another format: MusicXML, compressed MusicXML, MIDI, ABC or a
    /// text listing (the formats of `export_score`).
    Convert {
        /// The score file to read (MusicXML, MXL, MIDI, ABC or Humdrum **kern), or a corpus name.
        input: PathBuf,
        /// The file to write; its extension chooses the format unless --format is given.
        output: PathBuf,
        /// `musicxml`, `mxl`, `midi`, `abc` or `text`.
        #[arg(long)]
        format: Option<String>,
    },
    /// Stress and chaos harness: run the server under N simulated MCP users with process
    /// kills, actor chaos and network faults, verify every acknowledged import, and write
    /// report.json and report.html; exits 0 only on PASS.
    Stress(music_mcp::stress::StressArgs),
    /// Start the server in-process, drive it with a real MCP client, and show supervision
    /// recovering a killed tool actor.
    Demo {
        /// Folder of the score store; a fresh temporary folder when absent.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    #[command(flatten)]
    flags: ConfigFlags,
    /// Run the server as a child process and restart it within a second whenever it dies
    /// (restart intensity: watchdog.max_restarts per watchdog.period_seconds).
    #[arg(long)]
    watchdog: bool,
    /// Also serve the MCP conformance suite's fixture tools, resources and prompts.
    #[arg(long)]
    conformance_fixtures: bool,
    /// Test hook: hold the next COUNT calls of TOOL for MILLIS ms (TOOL:MILLIS[:COUNT]).
    #[arg(long, hide = true, env = "MUSIC_MCP_TEST_DELAY", value_delimiter = ',')]
    test_delay: Vec<String>,
    /// Test hook: acknowledge the first COUNT imports without storing them (a broken store).
    #[arg(long, hide = true, env = "MUSIC_MCP_TEST_DROP_COMMITS")]
    test_drop_commits: Option<u32>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze { file, json: _ } => {
            init_default_tracing(false);
            analyze(&file)
        }
        Command::Demo { data_dir } => {
            init_default_tracing(true);
            run_async(music_mcp::demo::run(data_dir))
        }
        Command::Convert {
            input,
            output,
            format,
        } => {
            init_default_tracing(false);
            convert(&input, &output, format.as_deref())
        }
        Command::Config { flags, print } => print_config(&flags, print),
        Command::Serve(args) => serve_command(args),
        Command::Stress(args) => {
            init_stress_tracing();
            music_mcp::stress::main(&args)
        }
    }
}

fn print_config(flags: &ConfigFlags, print: bool) -> ExitCode {
    if !print {
        eprintln!("error: nothing to do; use `music-mcp config --print`");
        return ExitCode::from(2);
    }
    match Config::load(flags) {
        Ok(config) => {
            print!("{}", config.to_toml());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

fn serve_command(args: ServeArgs) -> ExitCode {
    let config = match Config::load(&args.flags) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    if let Err(err) = init_tracing(&config.log.level, config.log.format) {
        eprintln!("error: {err:#}");
        return ExitCode::from(2);
    }
    let is_child = std::env::var_os(watchdog::CHILD_ENV_VAR).is_some();
    if args.watchdog && !is_child {
        return run_watchdog(&config);
    }
    run_async(serve(config, args))
}

fn run_watchdog(config: &Config) -> ExitCode {
    let policy = WatchdogPolicy {
        max_restarts: config.watchdog.max_restarts,
        period: Duration::from_secs(config.watchdog.period_seconds),
    };
    let program = match std::env::current_exe() {
        Ok(program) => program,
        Err(err) => {
            eprintln!("error: cannot find this program's path to restart it: {err}");
            return ExitCode::FAILURE;
        }
    };
    let child_args = watchdog::child_args(std::env::args_os());
    let job = async move {
        let code = watchdog::run(program, child_args, policy).await?;
        anyhow::ensure!(code == 0, "the server stopped with exit code {code}");
        Ok(())
    };
    run_async(job)
}

/// Logs go to stderr: under stdio, stdout is the MCP stream.
fn init_tracing(level: &str, format: LogFormat) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(level).with_context(|| {
        format!("log level '{level}' is not a tracing filter; try 'info' or 'warn,music_mcp=debug'")
    })?;
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_ansi(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .init(),
    }
    Ok(())
}

fn init_default_tracing(quiet: bool) {
    let default = if quiet {
        "warn,music_mcp_actors=error"
    } else {
        "info"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("MUSIC_MCP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_ansi(false)
        .init();
}

/// The harness logs its own progress at info; the rmcp client's own logs (a hundred sessions
/// failing at every process kill) are off unless `MUSIC_MCP_LOG` asks for them.
fn init_stress_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MUSIC_MCP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rmcp=off"));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_ansi(false)
        .init();
}

fn run_async(job: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    let Some(runtime) = music_mcp::start_async_runtime() else {
        return ExitCode::FAILURE;
    };
    match runtime.block_on(job) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config, args: ServeArgs) -> anyhow::Result<()> {
    if config.transport == Transport::Http {
        let imports = config.data_dir.join("imports");
        std::fs::create_dir_all(&imports)
            .with_context(|| format!("cannot create the import folder {}", imports.display()))?;
    }
    let runtime = Arc::new(Runtime::start(config.runtime_config()).await?);
    arm_test_delays(&runtime, &args.test_delay)?;
    if let Some(count) = args.test_drop_commits.filter(|c| *c > 0) {
        tracing::warn!(count, "test hook: acknowledged imports will not be stored");
        runtime.services().faults.drop_next_commits(count);
    }
    let options = ServerOptions {
        conformance_fixtures: args.conformance_fixtures,
    };
    let server = MusicServer::with_options(runtime.clone(), options);
    match config.transport {
        Transport::Stdio => serve_stdio(&config, server, runtime).await,
        Transport::Http => serve_http(&config, server, runtime).await,
    }
}

async fn serve_stdio(
    config: &Config,
    server: MusicServer,
    runtime: Arc<Runtime>,
) -> anyhow::Result<()> {
    tracing::info!(data_dir = %config.data_dir.display(), "serving MCP on stdio");
    let service = server
        .serve(rmcp::transport::stdio())
        .await
        .context("MCP initialisation over stdio failed")?;
    let cancel = service.cancellation_token();
    tokio::select! {
        reason = service.waiting() => {
            tracing::info!(?reason, "client disconnected");
            runtime.shutdown().await;
            Ok(())
        }
        _ = music_mcp::shutdown::requested() => {
            cancel.cancel();
            runtime.shutdown().await;
            Ok(())
        }
        () = runtime.stopped() => {
            cancel.cancel();
            root_gave_up()
        }
    }
}

async fn serve_http(
    config: &Config,
    server: MusicServer,
    runtime: Arc<Runtime>,
) -> anyhow::Result<()> {
    let addr = config.bind_addr()?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}; is another server using it?"))?;
    let bound = listener.local_addr()?;
    // A fixed line on stderr that scripts and tests read to find the port (with --http
    // 127.0.0.1:0 the system picks one).
    eprintln!("music-mcp listening on http://{bound}/mcp");
    tracing::info!(
        addr = %bound,
        data_dir = %config.data_dir.display(),
        auth = config.http.auth_token.is_some(),
        "serving MCP over Streamable HTTP"
    );

    let (root_stopped_tx, mut root_stopped_rx) = tokio::sync::watch::channel(false);
    let stop = {
        let runtime = runtime.clone();
        async move {
            tokio::select! {
                _ = music_mcp::shutdown::requested() => {}
                () = runtime.stopped() => {
                    let _ = root_stopped_tx.send(true);
                }
            }
        }
    };
    http::serve(listener, &server, &HttpOptions::from_config(config), stop).await?;

    if *root_stopped_rx.borrow_and_update() {
        return root_gave_up();
    }
    runtime.shutdown().await;
    tracing::info!("server stopped");
    Ok(())
}

/// The root supervisor gave up: exit non-zero so the process's own supervisor (the watchdog,
/// systemd, a container runtime, the MCP client) starts a fresh one.
fn root_gave_up() -> anyhow::Result<()> {
    tracing::error!("root supervisor stopped; exiting");
    anyhow::bail!("the supervision tree stopped after too many failures")
}

/// Arms the `--test-delay` hook: `TOOL:MILLIS[:COUNT]`.
fn arm_test_delays(runtime: &Runtime, specs: &[String]) -> anyhow::Result<()> {
    for spec in specs.iter().filter(|s| !s.is_empty()) {
        let mut parts = spec.split(':');
        let (Some(tool), Some(millis)) = (parts.next(), parts.next()) else {
            anyhow::bail!("--test-delay '{spec}' is not TOOL:MILLIS[:COUNT]");
        };
        let millis: u64 = millis
            .parse()
            .context("--test-delay MILLIS is not a number")?;
        let count: u32 = match parts.next() {
            Some(count) => count
                .parse()
                .context("--test-delay COUNT is not a number")?,
            None => 1,
        };
        tracing::warn!(tool, millis, count, "test hook: delaying tool calls");
        runtime
            .services()
            .faults
            .delay_next_calls(tool, Duration::from_millis(millis), count);
    }
    Ok(())
}

/// Reads a score file; a path that is not a file is tried as a corpus name (`bach/bwv1.6`,
/// `builtin/twinkle`) against the built-in corpus and `MUSIC_MCP_CORPUS`, as `import_score`
/// does with `source_type=corpus`.
fn read_input(input: &Path) -> Result<Score, String> {
    let limits = ReadLimits::default();
    match read_path(input, &limits) {
        Ok(score) => return Ok(score),
        Err(err) if input.exists() => return Err(err.to_string()),
        Err(_) => {}
    }
    let name = input.to_string_lossy();
    match music_mcp::corpus::resolve(&name) {
        Ok(entry) => read_bytes(&entry.bytes, Some(&entry.file_name), &limits)
            .map_err(|err| format!("corpus score {}: {err}", entry.name)),
        Err(corpus_error) => Err(format!(
            "no such file, and not a corpus name either: {corpus_error}"
        )),
    }
}

fn analyze(file: &Path) -> ExitCode {
    match read_input(file) {
        Ok(score) => {
            // A reader that stops early (`| head`) closes the pipe: not an error worth a panic.
            let record = analysis_record(&score);
            let mut stdout = std::io::stdout().lock();
            match writeln!(stdout, "{record}") {
                Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("error: cannot write the record: {err}");
                    ExitCode::FAILURE
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(err) => {
            eprintln!("error: {}: {err}", file.display());
            ExitCode::FAILURE
        }
    }
}

fn convert(input: &Path, output: &Path, format: Option<&str>) -> ExitCode {
    let named = format.or_else(|| output.extension().and_then(|e| e.to_str()));
    let Some(format) = named.and_then(ExportFormat::from_name) else {
        let known: Vec<&str> = ExportFormat::ALL.iter().map(|f| f.name()).collect();
        eprintln!(
            "error: cannot tell the output format of {}; give --format, one of {}",
            output.display(),
            known.join(", ")
        );
        return ExitCode::from(2);
    };
    let score = match read_input(input) {
        Ok(score) => score,
        Err(err) => {
            eprintln!("error: {}: {err}", input.display());
            return ExitCode::FAILURE;
        }
    };
    let content = match export(&score, format) {
        Ok(content) => content,
        Err(err) => {
            eprintln!("error: {}: {err}", input.display());
            return ExitCode::FAILURE;
        }
    };
    if let Err(err) = std::fs::write(output, content.as_bytes()) {
        eprintln!("error: cannot write {}: {err}", output.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
