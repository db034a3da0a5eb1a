//! Analysis speed against music21: parse, key finding, chordify with naming and Roman
//! numerals, and voice leading, on a chorale and on the largest score of `../shared/corpus`.
//!
//! Criterion measures each step; afterwards a table prints our median beside music21's own
//! time for the same step on the same file (the oracle's `timing_seconds`, see
//! `../shared/oracle/SCHEMA.md`) and the ratio. The target is at least 100x faster for each;
//! the last row of each score is the whole pipeline, parse included.
//!
//! Run with `cargo bench --bench analysis`. Without `../shared` beside the checkout the
//! benchmark says so loudly and measures nothing.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use music_mcp::music::harmony::analyse_chords;
use music_mcp::music::histogram::weighted_pitch_class_histogram;
use music_mcp::music::key::{KeyMethod, key_from_histogram};
use music_mcp::music::read::{ReadLimits, Score, read_bytes};
use music_mcp::music::voice_leading::voice_leading;

/// The scores measured: a chorale, and the largest file of the shared corpus.
const SCORES: &[&str] = &[
    "bach/bwv1.6.mxl",
    "trecento/PMFC_12_9-Gloria Clementiae Pax.xml",
];

/// One measured step: its name, music21's key in `timing_seconds`, and the work.
struct Step {
    name: &'static str,
    oracle_field: &'static str,
    run: fn(&[u8], &Score),
}

const STEPS: &[Step] = &[
    Step {
        name: "parse",
        oracle_field: "parse",
        run: |bytes, _| {
            black_box(read_bytes(bytes, Some("score.mxl"), &ReadLimits::default()).ok());
        },
    },
    Step {
        name: "analyze_key",
        oracle_field: "analyze_key",
        run: |_, score| {
            let histogram = weighted_pitch_class_histogram(score);
            black_box(key_from_histogram(&histogram, KeyMethod::AardenEssen).ok());
        },
    },
    Step {
        name: "key_methods_all",
        oracle_field: "key_methods_all",
        run: |_, score| {
            let histogram = weighted_pitch_class_histogram(score);
            for method in KeyMethod::ALL {
                black_box(key_from_histogram(&histogram, method).ok());
            }
        },
    },
    Step {
        name: "chordify+names+roman",
        oracle_field: "chordify+chord_details",
        run: |_, score| {
            black_box(analyse_chords(score));
        },
    },
    Step {
        name: "voice_leading",
        oracle_field: "voice_leading",
        run: |_, score| {
            black_box(voice_leading(score));
        },
    },
    Step {
        name: "all of the above",
        oracle_field: "parse+key_methods_all+chordify+chord_details+voice_leading",
        run: |bytes, _| {
            let Ok(score) = read_bytes(bytes, Some("score.mxl"), &ReadLimits::default()) else {
                return;
            };
            let histogram = weighted_pitch_class_histogram(&score);
            for method in KeyMethod::ALL {
                black_box(key_from_histogram(&histogram, method).ok());
            }
            black_box(analyse_chords(&score));
            black_box(voice_leading(&score));
        },
    },
];

fn shared() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    root.join("corpus").is_dir().then_some(root)
}

/// music21's seconds for `field` (a `+` joins several) in the oracle record of `relative`.
fn music21_seconds(shared: &Path, relative: &str, field: &str) -> Option<f64> {
    let path = shared.join("oracle").join(format!("{relative}.json"));
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    field
        .split('+')
        .map(|name| record["timing_seconds"][name].as_f64())
        .sum()
}

/// The median of `samples` runs of `step` (after a warm-up), for the comparison table.
fn median(step: &Step, bytes: &[u8], score: &Score, samples: usize) -> Duration {
    (step.run)(bytes, score);
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            (step.run)(bytes, score);
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn analysis(c: &mut Criterion) {
    let Some(shared) = shared() else {
        eprintln!(
            "\n*** SKIPPED: ../shared/corpus is absent beside the checkout; the analysis \
             benchmark compares with music21's timings there and measured nothing ***\n"
        );
        return;
    };
    let mut table = Vec::new();
    for relative in SCORES {
        let bytes = std::fs::read(shared.join("corpus").join(relative))
            .unwrap_or_else(|err| panic!("{relative}: {err}"));
        let score = read_bytes(&bytes, Some(relative), &ReadLimits::default())
            .unwrap_or_else(|err| panic!("{relative}: {err}"));
        let mut group = c.benchmark_group(relative.replace('/', "_"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(2));
        for step in STEPS {
            group.bench_function(step.name, |b| b.iter(|| (step.run)(&bytes, &score)));
            let ours = median(step, &bytes, &score, 15);
            let theirs = music21_seconds(&shared, relative, step.oracle_field);
            table.push((relative.to_string(), step.name, ours, theirs));
        }
        group.finish();
    }
    print_table(&table);
}

fn print_table(rows: &[(String, &str, Duration, Option<f64>)]) {
    println!(
        "\n{:<48} {:<22} {:>12} {:>12} {:>9}",
        "score", "step", "ours", "music21", "ratio"
    );
    for (score, step, ours, theirs) in rows {
        let ours_s = ours.as_secs_f64();
        let (theirs_text, ratio) = match theirs {
            Some(t) => (format!("{:.3} ms", t * 1e3), format!("{:.0}x", t / ours_s)),
            None => ("-".to_string(), "-".to_string()),
        };
        println!(
            "{score:<48} {step:<22} {:>9.3} ms {theirs_text:>12} {ratio:>9}",
            ours_s * 1e3
        );
    }
}

criterion_group!(benches, analysis);
criterion_main!(benches);
