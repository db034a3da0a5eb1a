//! Pre-flight checks: everything that would make the run fail for reasons other than the
//! server's behaviour is checked first, with a message that says what to do.
//!
//! A free loopback port, enough free memory and disk, a writable report folder, this binary's
//! version, and the corpus: the built-in pieces always, plus a sample of the `MUSIC_MCP_CORPUS`
//! folders that read as scores here (so the load never asks for a file the reader refuses).

use std::ffi::CString;
use std::net::TcpListener;
use std::path::Path;

use serde::Serialize;

use super::plan::Plan;
use crate::corpus::Corpus;
use crate::music::read::{ReadLimits, ReadOptions, read_bytes_with};

/// Largest corpus file the load imports, in bytes.
const MAX_CORPUS_FILE: usize = 2 * 1024 * 1024;

/// Most files of the corpus folders tried.
const FOLDER_SAMPLE: usize = 40;

/// What pre-flight found.
#[derive(Debug, Clone, Serialize)]
pub struct Preflight {
    /// The port the server will listen on.
    pub port: u16,
    /// Available memory, in bytes.
    pub free_memory: u64,
    /// Free disk space where the server's data goes, in bytes.
    pub free_disk: u64,
    /// This binary's version.
    pub version: String,
    /// Corpus names the users import.
    pub corpus: Vec<String>,
    /// How many of them come from the `MUSIC_MCP_CORPUS` folders.
    pub corpus_from_folders: usize,
}

/// Runs every check; the error says which failed and what to do.
pub async fn check(plan: &Plan, data_parent: &Path) -> anyhow::Result<Preflight> {
    let port = free_port()?;
    let free_memory = available_memory()?;
    anyhow::ensure!(
        free_memory >= plan.min_free_memory,
        "pre-flight: only {} MiB of memory available, the {:?} profile needs {} MiB; close other \
         programs or choose a smaller --profile",
        free_memory >> 20,
        plan.profile,
        plan.min_free_memory >> 20
    );
    let free_disk = free_disk(data_parent)?;
    anyhow::ensure!(
        free_disk >= plan.min_free_disk,
        "pre-flight: only {} MiB free on {}, the run needs {} MiB; free some space or set TMPDIR",
        free_disk >> 20,
        data_parent.display(),
        plan.min_free_disk >> 20
    );
    report_dir_writable(&plan.report_dir)?;
    let version = binary_version().await?;
    let (corpus, corpus_from_folders) = corpus_names()?;
    Ok(Preflight {
        port,
        free_memory,
        free_disk,
        version,
        corpus,
        corpus_from_folders,
    })
}

fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|err| {
        anyhow::anyhow!("pre-flight: cannot bind a port on 127.0.0.1 ({err}); is loopback up?")
    })?;
    Ok(listener.local_addr()?.port())
}

fn available_memory() -> anyhow::Result<u64> {
    let mut system = sysinfo::System::new()
        .map_err(|err| anyhow::anyhow!("pre-flight: cannot read the system's memory ({err})"))?;
    system.refresh_memory();
    Ok(system.available_memory())
}

fn free_disk(path: &Path) -> anyhow::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: statvfs writes into the zeroed struct we own; the path is a valid C string.
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), &raw mut stats) };
    anyhow::ensure!(
        rc == 0,
        "pre-flight: cannot read the free space of {}",
        path.display()
    );
    #[allow(
        clippy::useless_conversion,
        reason = "the field types differ between platforms"
    )]
    let (blocks, size) = (u64::from(stats.f_bavail), u64::from(stats.f_frsize));
    Ok(blocks.saturating_mul(size))
}

fn report_dir_writable(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|err| {
        anyhow::anyhow!(
            "pre-flight: cannot create the report folder {} ({err}); give another --report",
            dir.display()
        )
    })?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok").map_err(|err| {
        anyhow::anyhow!(
            "pre-flight: cannot write into {} ({err}); give another --report",
            dir.display()
        )
    })?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Runs this binary with `--version`: the server that will run is this very program.
async fn binary_version() -> anyhow::Result<String> {
    let program = std::env::current_exe()?;
    let output = tokio::process::Command::new(&program)
        .arg("--version")
        .output()
        .await
        .map_err(|err| anyhow::anyhow!("pre-flight: cannot run {} ({err})", program.display()))?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let expected = env!("CARGO_PKG_VERSION");
    anyhow::ensure!(
        output.status.success() && text.ends_with(expected),
        "pre-flight: {} --version says '{text}', expected version {expected}; rebuild it",
        program.display()
    );
    Ok(text)
}

/// The built-in pieces, plus readable small files from the corpus folders.
fn corpus_names() -> anyhow::Result<(Vec<String>, usize)> {
    let corpus = Corpus::from_env();
    for folder in corpus.folders() {
        anyhow::ensure!(
            folder.is_dir(),
            "pre-flight: MUSIC_MCP_CORPUS names {}, which is not a folder; fix the variable or \
             unset it (the built-in corpus is always there)",
            folder.display()
        );
    }
    let builtin: Vec<String> = crate::corpus::builtin_pieces()
        .iter()
        .map(|piece| piece.name.to_string())
        .collect();
    anyhow::ensure!(
        !builtin.is_empty(),
        "pre-flight: the built-in corpus is empty"
    );
    let mut names = builtin.clone();
    let mut from_folders = 0;
    if !corpus.folders().is_empty() {
        let listed = corpus.list(builtin.len() + 400);
        for name in listed
            .into_iter()
            .skip(builtin.len())
            .step_by(10)
            .take(FOLDER_SAMPLE)
        {
            if readable(&corpus, &name) {
                names.push(name);
                from_folders += 1;
            }
        }
    }
    Ok((names, from_folders))
}

fn readable(corpus: &Corpus, name: &str) -> bool {
    let Ok(entry) = corpus.resolve(name) else {
        return false;
    };
    if entry.bytes.len() > MAX_CORPUS_FILE {
        return false;
    }
    read_bytes_with(
        &entry.bytes,
        Some(&entry.file_name),
        &ReadLimits::default(),
        &ReadOptions::default(),
    )
    .is_ok_and(|read| crate::music::info::score_info(&read.score).parts.count > 0)
}
