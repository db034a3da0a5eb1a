//! Supervision recovery under repeated kills.
//!
//! Starts the runtime, imports a built-in piece, then runs 200 key analyses from 20 concurrent
//! callers while a loop kills the key-analysis actor every 25 ms. Every call is answered with
//! the same key: each kill loses only the request in flight, which the retrying caller sends
//! again to the restarted actor.
//!
//! Run with `cargo run --release --example supervision_recovery`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use music_mcp::tools::import_score::{ImportRequest, ImportScore, ImportScoreArgs, SourceType};
use music_mcp::tools::key_analysis::{KeyAnalysisArgs, KeyAnalysisTool};
use music_mcp::tools::services::FaultPoint;
use music_mcp::tools::{Runtime, RuntimeConfig};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let mut config = RuntimeConfig::new(data.path());
    // Kills every 25 ms are far above what the default intensity (10 in 10 s) tolerates.
    config.tools_intensity = music_mcp_actors::Intensity::new(1000, Duration::from_secs(10));
    let runtime = Arc::new(Runtime::start(config).await?);
    let cancel = CancellationToken::new();

    let piece = music_mcp::corpus::builtin_pieces()
        .first()
        .ok_or_else(|| anyhow::anyhow!("the built-in corpus is empty"))?;
    let request = ImportRequest {
        args: ImportScoreArgs {
            score_id: "piece".into(),
            source: piece.name.into(),
            source_type: SourceType::Corpus,
            tune: None,
        },
        idempotency_key: "example-import".into(),
    };
    runtime.call::<ImportScore>(request, &cancel).await?;
    let args = KeyAnalysisArgs {
        score_id: "piece".into(),
        method: None,
        window: None,
        step: None,
    };
    let expected = runtime
        .call::<KeyAnalysisTool>(args.clone(), &cancel)
        .await?
        .key
        .name;
    println!("{}: {expected}", piece.title);

    // Each call is held 5 ms inside the actor, so kills land on calls in flight.
    runtime.services().faults.delay_at(
        "key_analysis",
        FaultPoint::BeforeWork,
        Duration::from_millis(5),
        u32::MAX,
    );
    let killer = {
        let runtime = runtime.clone();
        tokio::spawn(async move {
            let mut kills = 0u32;
            for _ in 0..40 {
                tokio::time::sleep(Duration::from_millis(25)).await;
                kills += u32::from(runtime.kill_tool("key_analysis"));
            }
            kills
        })
    };

    let started = Instant::now();
    let mut callers = Vec::new();
    for _ in 0..20 {
        let (runtime, args, cancel) = (runtime.clone(), args.clone(), cancel.clone());
        callers.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for _ in 0..10 {
                let called = runtime
                    .call_counted::<KeyAnalysisTool>(args.clone(), &cancel)
                    .await;
                outcomes.push((called.result.map(|r| r.key.name), called.attempts));
            }
            outcomes
        }));
    }
    let (mut answered, mut same, mut retried) = (0, 0, 0);
    for caller in callers {
        for (result, attempts) in caller.await? {
            if let Ok(name) = result {
                answered += 1;
                same += usize::from(name == expected);
            }
            retried += usize::from(attempts > 1);
        }
    }
    let kills = killer.await?;
    let tree = runtime.tree().await?;
    let restarts: u64 = tree
        .children
        .iter()
        .filter_map(|c| c.supervisor.as_ref())
        .flat_map(|s| s.children.iter())
        .map(|c| c.restart_count)
        .sum();

    println!(
        "200 calls in {} ms while the key actor was killed {kills} times",
        started.elapsed().as_millis()
    );
    println!("answered: {answered}/200, same key: {same}/200, answered after a retry: {retried}");
    println!("restarts recorded by the tools supervisor: {restarts}");
    runtime.shutdown().await;
    anyhow::ensure!(answered == 200 && same == 200, "some calls were lost");
    Ok(())
}
