//! `music-mcp stress` end to end: a short real run passes, the same run against a store that
//! drops an acknowledged import fails verification, and Ctrl-C leaves no process behind.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::process::Command;

/// A short run without chaos, so the only fault is the one a test injects.
fn stress(report: &Path, seconds: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_music-mcp"));
    command
        .args([
            "stress",
            "--minutes",
            seconds,
            "--users",
            "4",
            "--profile",
            "quick",
        ])
        .args(["--seed", "11", "--no-chaos", "--report"])
        .arg(report)
        .env_remove("MUSIC_MCP_CORPUS")
        .env_remove("MUSIC_MCP_TEST_DROP_COMMITS")
        .env("MUSIC_MCP_LOG", "warn")
        .kill_on_drop(true);
    command
}

async fn finish(mut command: Command) -> Output {
    tokio::time::timeout(Duration::from_secs(180), command.output())
        .await
        .expect("the harness finished within 3 minutes")
        .expect("run the harness")
}

fn report(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    serde_json::from_str(&text).expect("report.json is JSON")
}

fn criterion<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["criteria"]
        .as_array()
        .expect("criteria")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no criterion {name}"))
}

#[tokio::test]
async fn a_short_clean_run_passes_and_writes_both_reports() {
    let dir = tempfile::tempdir().expect("temp dir");

    let output = finish(stress(dir.path(), "0.1")).await;
    let report = report(dir.path());

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(report["verdict"], "PASS");
    assert!(report["verification"]["acknowledged"].as_u64() > Some(0));
    assert_eq!(
        report["verification"]["intact"],
        report["verification"]["acknowledged"]
    );
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report.html");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"));
    assert!(!html.contains("<script") && !html.contains("src=\"http"));
}

#[tokio::test]
async fn a_store_that_drops_an_acknowledged_import_makes_the_harness_fail() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = stress(dir.path(), "0.1");
    // The server acknowledges its first import without storing it.
    command.env("MUSIC_MCP_TEST_DROP_COMMITS", "1");

    let output = finish(command).await;
    let report = report(dir.path());

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(report["verdict"], "FAIL");
    let lost = report["verification"]["lost"]
        .as_array()
        .expect("lost list");
    assert_eq!(lost.len(), 1, "{lost:?}");
    assert_eq!(
        criterion(&report, "lost acknowledged writes")["pass"],
        false
    );
}

#[tokio::test]
async fn ctrl_c_stops_the_run_and_leaves_no_server_process() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = stress(dir.path(), "2");
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut harness = command.spawn().expect("start the harness");
    let pid = harness.id().expect("harness pid");

    // Wait for the watchdog and the server it runs: two generations below the harness.
    let started = Instant::now();
    let servers = loop {
        let found = descendants(pid);
        if found.len() >= 2 {
            break found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no server started"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let status = std::process::Command::new("kill")
        .args(["-s", "INT", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let code = tokio::time::timeout(Duration::from_secs(60), harness.wait())
        .await
        .expect("the harness stopped within 60 s of Ctrl-C")
        .expect("wait");

    assert_eq!(code.code(), Some(130));
    for server in servers {
        assert!(
            !Path::new(&format!("/proc/{server}")).exists() || is_zombie(server),
            "process {server} outlived the harness"
        );
    }
    assert_eq!(report(dir.path())["interrupted"], true);
}

/// Every live descendant of `pid`, from /proc.
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents = std::collections::HashMap::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Some(parent) = parent_of(child) {
            parents.insert(child, parent);
        }
    }
    let mut found = vec![pid];
    let mut index = 0;
    while index < found.len() {
        let current = found[index];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| **p == current)
                .map(|(c, _)| *c),
        );
        index += 1;
    }
    // Only the server processes (the watchdog and its child), not pre-flight's `--version`.
    found.retain(|p| *p != pid && !is_zombie(*p) && is_server(*p));
    found
}

fn is_server(pid: u32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|cmdline| cmdline.split(|b| *b == 0).any(|arg| arg == b"serve"))
}

fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    Some(after_name.split_whitespace().map(str::to_string).collect())
}

fn parent_of(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

fn is_zombie(pid: u32) -> bool {
    stat_fields(pid).is_some_and(|f| f.first().is_some_and(|s| s == "Z"))
}
