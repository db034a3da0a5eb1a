//! Seeded choices, bounds and action bookkeeping, on a paused clock without victims.

use ractor::rpc::CallResult;

use super::*;

/// A monkey with no targets: victim actions are skipped, which is enough to see its choices.
fn victimless(seed: u64) -> ChaosConfig {
    ChaosConfig::enabled(seed, Vec::<String>::new()).with_interval(Duration::from_millis(10))
}

async fn run(config: ChaosConfig, for_how_long: Duration) -> ChaosStatus {
    let (monkey, handle) = Actor::spawn(None, ChaosMonkeyActor, config)
        .await
        .expect("monkey spawns");
    tokio::time::sleep(for_how_long).await;
    let status = match monkey
        .call(ChaosMessage::GetStatus, Some(Duration::from_secs(1)))
        .await
    {
        Ok(CallResult::Success(status)) => status,
        other => panic!("no status: {other:?}"),
    };
    monkey.stop(None);
    handle.await.expect("monkey stopped");
    status
}

fn kinds(status: &ChaosStatus) -> Vec<ChaosActionKind> {
    status.recent.iter().map(|action| action.kind).collect()
}

#[test]
fn weights_pick_each_kind_by_its_share() {
    let weights = ChaosWeights {
        kill: 1,
        panic: 2,
        latency: 0,
        failure: 3,
        memory_spike: 0,
    };
    let picks: Vec<Option<ChaosActionKind>> = (0..7).map(|roll| weights.pick(roll)).collect();
    use ChaosActionKind::{Failure, Kill, Panic};
    let expected = [Kill, Panic, Panic, Failure, Failure, Failure].map(Some);
    assert_eq!(picks[..6], expected);
    assert_eq!(picks[6], None);
    assert_eq!(weights.total(), 6);
}

#[tokio::test(start_paused = true)]
async fn the_default_monkey_is_disabled_and_does_nothing() {
    let status = run(ChaosConfig::default(), Duration::from_secs(5)).await;
    assert!(!status.enabled && !status.running);
    assert_eq!(status.actions_total, 0);
    assert!(status.recent.is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_same_seed_makes_the_same_choices_and_another_seed_does_not() {
    let window = Duration::from_millis(205);
    let first = run(victimless(7), window).await;
    let again = run(victimless(7), window).await;
    let other = run(victimless(8), window).await;

    assert_eq!(first.recent.len(), 20);
    assert_eq!(kinds(&first), kinds(&again));
    assert_ne!(kinds(&first), kinds(&other));
}

#[tokio::test(start_paused = true)]
async fn actions_without_a_victim_are_skipped_and_logged() {
    let status = run(victimless(1), Duration::from_millis(105)).await;
    assert_eq!(status.actions_total, 0);
    assert_eq!(status.actions_by_kind.skipped, 10);
    let reasons: Vec<&ChaosOutcome> = status.recent.iter().map(|a| &a.outcome).collect();
    assert!(
        reasons
            .iter()
            .all(|outcome| **outcome == ChaosOutcome::Skipped("no running victim".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn the_run_ends_after_max_actions_and_the_monkey_stays_to_answer() {
    let config = victimless(3)
        .with_weights(ChaosWeights {
            kill: 0,
            panic: 0,
            latency: 0,
            failure: 0,
            memory_spike: 1,
        })
        .with_memory_spike(1, Duration::from_millis(1))
        .with_max_actions(3);
    let status = run(config, Duration::from_secs(1)).await;
    assert!(!status.running);
    assert_eq!(status.actions_total, 3);
    assert_eq!(status.actions_by_kind.memory_spike, 3);
    assert_eq!(status.recent.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn the_run_ends_after_its_duration() {
    let config = victimless(4).with_duration(Duration::from_millis(100));
    let status = run(config, Duration::from_secs(1)).await;
    assert!(!status.running);
    let ticks = status.recent.len();
    assert!(
        (9..=10).contains(&ticks),
        "{ticks} ticks in 100 ms at 10 ms"
    );
}

#[tokio::test(start_paused = true)]
async fn the_action_log_keeps_only_the_most_recent_entries() {
    let config = ChaosConfig {
        log_capacity: 4,
        ..victimless(5)
    };
    let status = run(config, Duration::from_millis(105)).await;
    let seqs: Vec<u64> = status.recent.iter().map(|action| action.seq).collect();
    assert_eq!(seqs, [7, 8, 9, 10]);
    assert_eq!(status.actions_by_kind.skipped, 10);
}

#[tokio::test(start_paused = true)]
async fn a_second_spike_is_skipped_while_the_first_is_held() {
    let config = victimless(6)
        .with_weights(ChaosWeights {
            kill: 0,
            panic: 0,
            latency: 0,
            failure: 0,
            memory_spike: 1,
        })
        .with_memory_spike(1, Duration::from_millis(25));
    let status = run(config, Duration::from_millis(55)).await;
    let outcomes: Vec<bool> = status
        .recent
        .iter()
        .map(|action| action.outcome == ChaosOutcome::Done)
        .collect();
    assert_eq!(outcomes, [true, false, false, true, false]);
}

#[test]
fn status_serialises_with_tagged_outcomes() {
    let action = ChaosAction {
        seq: 1,
        at: Duration::from_millis(12),
        kind: ChaosActionKind::Panic,
        target: Some("tools.key".into()),
        outcome: ChaosOutcome::Skipped("no running victim".into()),
    };
    let json = serde_json::to_value(action).expect("serialisable");
    assert_eq!(json["kind"], "panic");
    assert_eq!(json["at_ms"], 12);
    assert_eq!(json["outcome"]["outcome"], "skipped");
    assert_eq!(json["outcome"]["detail"], "no running victim");
}
