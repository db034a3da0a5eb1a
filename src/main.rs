//! The `music-mcp` command: serve MCP over stdio, analyse a file, or run the demo.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use music_mcp::music::read::{ReadLimits, read_path};
use music_mcp::music::record::analysis_record;
use music_mcp::server::MusicServer;
use music_mcp::tools::{Runtime, RuntimeConfig};
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
    /// Serve MCP over stdio (for desktop MCP clients). Logs go to stderr.
    Serve {
        /// Folder of the durable score store.
        #[arg(long, env = "MUSIC_MCP_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Print one JSON analysis record for a score file (music21 oracle field names).
    Analyze {
        /// The score file (.xml, .musicxml, .mxl).
        file: PathBuf,
        /// Print JSON (the only output format for now).
        #[arg(long)]
        json: bool,
    },
    /// Start the server in-process, drive it with a real MCP client, and show supervision
    /// recovering a killed tool actor.
    Demo {
        /// Folder of the score store; a fresh temporary folder when absent.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(matches!(cli.command, Command::Demo { .. }));
    match cli.command {
        Command::Analyze { file, json: _ } => analyze(&file),
        Command::Serve { data_dir } => run_async(serve(data_dir)),
        Command::Demo { data_dir } => run_async(music_mcp::demo::run(data_dir)),
    }
}

/// Logs go to stderr: under stdio, stdout is the MCP stream.
fn init_tracing(quiet: bool) {
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

fn run_async(job: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(job) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let data_dir = data_dir.unwrap_or_else(music_mcp::default_data_dir);
    let runtime = Arc::new(Runtime::start(RuntimeConfig::new(&data_dir)).await?);
    tracing::info!(data_dir = %data_dir.display(), "serving MCP on stdio");
    let service = MusicServer::new(runtime.clone())
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
        () = runtime.stopped() => {
            // The root supervisor gave up: exit non-zero so the process's own supervisor
            // (systemd, a container runtime, the MCP client) starts a fresh one.
            tracing::error!("root supervisor stopped; exiting");
            cancel.cancel();
            anyhow::bail!("the supervision tree stopped after too many failures")
        }
    }
}

fn analyze(file: &Path) -> ExitCode {
    match read_path(file, &ReadLimits::default()) {
        Ok(score) => {
            let record = analysis_record(&score);
            println!("{record}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {}: {err}", file.display());
            ExitCode::FAILURE
        }
    }
}
