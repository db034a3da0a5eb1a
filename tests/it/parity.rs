//! Agreement with music21 on every MusicXML/MXL score of the shared corpus, field by field,
//! as `../shared/tools/oracle_compare.py --groups info,key` measures it. Each field must agree
//! on at least 99% of scores, and every score must be read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use music_mcp::music::read::{ReadLimits, read_path};
use music_mcp::music::record::analysis_record;
use serde_json::Value;

use crate::common::shared_corpus;

#[derive(Default)]
struct Tally {
    ok: BTreeMap<&'static str, u32>,
    bad: BTreeMap<&'static str, Vec<String>>,
}

impl Tally {
    fn check(
        &mut self,
        field: &'static str,
        source: &str,
        same: bool,
        detail: impl FnOnce() -> String,
    ) {
        if same {
            *self.ok.entry(field).or_default() += 1;
        } else {
            self.bad
                .entry(field)
                .or_default()
                .push(format!("{source}: {}", detail()));
        }
    }
}

fn musicxml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            musicxml_files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("mxl" | "xml" | "musicxml")
        ) {
            out.push(path);
        }
    }
}

fn fraction(value: &Value) -> Option<(i64, i64)> {
    let text = value.as_str()?;
    let (n, d) = text.split_once('/').unwrap_or((text, "1"));
    let (n, d): (i64, i64) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
    let g = gcd(n.abs(), d.abs()).max(1);
    Some((n / g, d / g))
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn pairs(list: &Value, a: &str, b: &str) -> Vec<(Value, Value)> {
    list.as_array()
        .map(|l| l.iter().map(|x| (x[a].clone(), x[b].clone())).collect())
        .unwrap_or_default()
}

fn names(list: &Value) -> Vec<Value> {
    list.as_array()
        .map(|l| l.iter().map(|x| x["name"].clone()).collect())
        .unwrap_or_default()
}

fn compare(t: &mut Tally, src: &str, want: &Value, got: &Value) {
    let eq = |a: &Value, b: &Value| a == b;
    t.check(
        "parts.count",
        src,
        eq(&want["parts"]["count"], &got["parts"]["count"]),
        || format!("{} vs {}", want["parts"]["count"], got["parts"]["count"]),
    );
    for (i, part) in want["parts"]["list"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let mine = &got["parts"]["list"][i];
        for field in [
            "measure_count",
            "first_measure_number",
            "last_measure_number",
            "note_count",
            "single_note_count",
            "chord_count",
            "chord_note_count",
            "grace_note_count",
            "rest_count",
        ] {
            let name: &'static str = Box::leak(format!("parts.{field}").into_boxed_str());
            t.check(name, src, eq(&part[field], &mine[field]), || {
                format!("part {i}: {} vs {}", part[field], mine[field])
            });
        }
        for end in ["lowest_pitch", "highest_pitch"] {
            let name: &'static str = if end == "lowest_pitch" {
                "parts.lowest_pitch"
            } else {
                "parts.highest_pitch"
            };
            t.check(
                name,
                src,
                eq(&part[end]["name"], &mine[end]["name"]),
                || format!("part {i}: {} vs {}", part[end]["name"], mine[end]["name"]),
            );
        }
        t.check(
            "parts.duration",
            src,
            fraction(&part["duration_fraction"]) == fraction(&mine["duration_fraction"]),
            || {
                format!(
                    "part {i}: {} vs {}",
                    part["duration_fraction"], mine["duration_fraction"]
                )
            },
        );
    }
    t.check(
        "time_signatures",
        src,
        pairs(&want["time_signatures"], "ratio", "measure")
            == pairs(&got["time_signatures"], "ratio", "measure"),
        || format!("{} vs {}", want["time_signatures"], got["time_signatures"]),
    );
    t.check(
        "key_signatures",
        src,
        pairs(&want["key_signatures"], "sharps", "measure")
            == pairs(&got["key_signatures"], "sharps", "measure"),
        || format!("{} vs {}", want["key_signatures"], got["key_signatures"]),
    );
    t.check(
        "measure_count",
        src,
        eq(&want["measure_count"], &got["measure_count"]),
        || format!("{} vs {}", want["measure_count"], got["measure_count"]),
    );
    t.check(
        "total_duration",
        src,
        fraction(&want["total_duration_fraction"]) == fraction(&got["total_duration_fraction"]),
        || {
            format!(
                "{} vs {}",
                want["total_duration_fraction"], got["total_duration_fraction"]
            )
        },
    );

    let wk = &want["key_analysis"]["analyze_key"];
    if wk.is_object() {
        let gk = &got["key_analysis"]["analyze_key"];
        t.check("key.name", src, eq(&wk["name"], &gk["name"]), || {
            format!("{} vs {}", wk["name"], gk["name"])
        });
        t.check(
            "key.alternates",
            src,
            names(&wk["alternates"]) == names(&gk["alternates"]),
            || {
                format!(
                    "{:?} vs {:?}",
                    names(&wk["alternates"]),
                    names(&gk["alternates"])
                )
            },
        );
        let (e, a) = (
            wk["correlation"].as_f64().unwrap_or(f64::NAN),
            gk["correlation"].as_f64().unwrap_or(f64::NAN),
        );
        t.check(
            "key.correlation",
            src,
            (e - a).abs() <= 1e-6 * e.abs().max(1e-9),
            || format!("{e} vs {a}"),
        );
    }
}

#[test]
fn every_musicxml_score_agrees_with_music21_on_info_and_key_fields() {
    let Some(corpus) =
        shared_corpus("every_musicxml_score_agrees_with_music21_on_info_and_key_fields")
    else {
        return;
    };
    let oracle = corpus.join("../oracle");
    let mut files = Vec::new();
    musicxml_files(&corpus, &mut files);
    assert!(
        files.len() >= 100,
        "expected the shared corpus's 110 MusicXML files, found {}",
        files.len()
    );

    let mut tally = Tally::default();
    let mut failures = Vec::new();
    for path in &files {
        let rel = path
            .strip_prefix(&corpus)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let want: Value = serde_json::from_str(
            &std::fs::read_to_string(oracle.join(format!("{rel}.json"))).unwrap(),
        )
        .unwrap();
        match read_path(path, &ReadLimits::default()) {
            Ok(score) => compare(&mut tally, &rel, &want, &analysis_record(&score)),
            Err(err) => failures.push(format!("{rel}: {err}")),
        }
    }
    assert!(
        failures.is_empty(),
        "scores that did not read: {failures:#?}"
    );

    let mut report = String::new();
    let mut below = Vec::new();
    let fields: std::collections::BTreeSet<_> =
        tally.ok.keys().chain(tally.bad.keys()).copied().collect();
    for field in fields {
        let ok = tally.ok.get(field).copied().unwrap_or(0);
        let bad = tally.bad.get(field).map_or(0, Vec::len) as u32;
        let pct = 100.0 * f64::from(ok) / f64::from(ok + bad);
        report.push_str(&format!("{field:28} {pct:6.2}% ({ok} ok, {bad} wrong)\n"));
        if pct < 99.0 {
            below.push(format!(
                "{field}: {:?}",
                &tally.bad[field][..tally.bad[field].len().min(3)]
            ));
        }
    }
    eprintln!(
        "agreement with music21 over {} scores:\n{report}",
        files.len()
    );
    assert!(below.is_empty(), "fields below 99%:\n{}", below.join("\n"));
}
