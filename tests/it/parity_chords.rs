//! Agreement with music21 on chords, as `../shared/tools/oracle_compare.py --groups chords`
//! measures it: chordify, chord names and Roman numerals over the MusicXML scores of the shared
//! corpus, chord naming alone over every chord music21 listed in any format, and the
//! `chord_analysis` and `harmony_analysis` tools over stdio.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use music_mcp::music::chord::Chord;
use music_mcp::music::harmony::chords_record;
use music_mcp::music::model::Pitch;
use music_mcp::music::read::{ReadLimits, read_path};
use music_mcp::music::roman::{Key, roman_numeral_from_chord};
use serde_json::{Value, json};

use crate::common::{call, oracle, serve_binary, shared_corpus};

/// The per-chord fields compared, as the compare tool names them.
const FIELDS: [&str; 6] = [
    "root",
    "bass",
    "quality",
    "common_name",
    "inversion",
    "is_consonant",
];

/// Agreement counts per field, with a few examples of disagreement.
#[derive(Default)]
struct Tally {
    ok: BTreeMap<String, u32>,
    bad: BTreeMap<String, Vec<String>>,
}

impl Tally {
    fn check(&mut self, field: &str, source: &str, want: &Value, got: &Value) {
        if want == got {
            *self.ok.entry(field.to_string()).or_default() += 1;
        } else {
            self.bad
                .entry(field.to_string())
                .or_default()
                .push(format!("{source}: music21 {want}, ours {got}"));
        }
    }

    fn percent(&self, field: &str) -> f64 {
        let ok = f64::from(self.ok.get(field).copied().unwrap_or(0));
        let bad = self.bad.get(field).map_or(0, Vec::len) as f64;
        if ok + bad == 0.0 {
            0.0
        } else {
            100.0 * ok / (ok + bad)
        }
    }

    /// Prints the table and panics naming every field below its threshold.
    fn assert_at_least(&self, thresholds: &[(&str, f64)]) {
        let mut failures = Vec::new();
        for &(field, minimum) in thresholds {
            let percent = self.percent(field);
            let bad = self.bad.get(field).map_or(&[][..], Vec::as_slice);
            eprintln!("{field:<24} {percent:>7.2}% ({} wrong)", bad.len());
            if percent < minimum || !self.ok.contains_key(field) {
                failures.push(format!(
                    "{field}: {percent:.2}% < {minimum}%; e.g. {:?}",
                    &bad[..bad.len().min(3)]
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "below threshold:\n{}",
            failures.join("\n")
        );
    }
}

fn files_with_extensions(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_with_extensions(&path, extensions, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
        {
            out.push(path);
        }
    }
}

fn canonical_fraction(text: &str) -> String {
    let (n, d) = text.split_once('/').unwrap_or((text, "1"));
    let (n, d): (i64, i64) = (n.parse().unwrap(), d.parse().unwrap());
    let mut g = n.abs().max(1);
    let mut b = d;
    while b != 0 {
        (g, b) = (b, g % b);
    }
    format!("{}/{}", n / g, d / g)
}

/// Compares one score's `chords` record with the oracle's, pairing chords by offset in order.
fn compare_score(tally: &mut Tally, source: &str, want: &Value, got: &Value) {
    tally.check("chords.count", source, &want["count"], &got["count"]);
    tally.check(
        "chords.rest_count",
        source,
        &want["rest_count"],
        &got["rest_count"],
    );
    let Some(expected) = want["list"].as_array() else {
        return;
    };
    let mut mine: HashMap<String, Vec<&Value>> = HashMap::new();
    for chord in got["list"].as_array().into_iter().flatten() {
        let key = canonical_fraction(chord["offset_fraction"].as_str().unwrap());
        mine.entry(key).or_default().push(chord);
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for chord in expected {
        let key = canonical_fraction(chord["offset_fraction"].as_str().unwrap());
        let nth = seen.entry(key.clone()).or_default();
        let found = mine.get(&key).and_then(|list| list.get(*nth)).copied();
        *nth += 1;
        let Some(ours) = found else {
            tally.check("chords.slice_found", source, &json!(key), &Value::Null);
            continue;
        };
        tally.check("chords.slice_found", source, &json!(key), &json!(key));
        let at = format!("{source}@{key}");
        tally.check("chords.pitches", &at, &chord["pitches"], &ours["pitches"]);
        tally.check(
            "chords.duration",
            &at,
            &json!(canonical_fraction(
                chord["duration_fraction"].as_str().unwrap()
            )),
            &json!(canonical_fraction(
                ours["duration_fraction"].as_str().unwrap()
            )),
        );
        tally.check("chords.measure", &at, &chord["measure"], &ours["measure"]);
        for field in FIELDS {
            tally.check(&format!("chords.{field}"), &at, &chord[field], &ours[field]);
        }
        tally.check("chords.roman", &at, &chord["roman"], &ours["roman"]);
    }
}

#[test]
fn chordify_names_and_numerals_agree_with_music21_on_the_musicxml_corpus() {
    let Some(corpus) =
        shared_corpus("chordify_names_and_numerals_agree_with_music21_on_the_musicxml_corpus")
    else {
        return;
    };
    let mut files = Vec::new();
    files_with_extensions(&corpus, &["mxl", "xml", "musicxml"], &mut files);
    assert!(
        files.len() >= 100,
        "expected the shared MusicXML corpus, found {}",
        files.len()
    );

    let mut tally = Tally::default();
    for path in &files {
        let source = path
            .strip_prefix(&corpus)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let want = &oracle(&source)["chords"];
        let score = read_path(path, &ReadLimits::default())
            .unwrap_or_else(|e| panic!("{source} must be read: {e}"));
        compare_score(&mut tally, &source, want, &chords_record(&score));
    }
    tally.assert_at_least(&[
        ("chords.count", 99.0),
        ("chords.rest_count", 99.0),
        ("chords.slice_found", 99.0),
        ("chords.pitches", 99.0),
        ("chords.duration", 99.0),
        ("chords.measure", 99.0),
        ("chords.root", 98.0),
        ("chords.bass", 98.0),
        ("chords.quality", 98.0),
        ("chords.common_name", 98.0),
        ("chords.inversion", 98.0),
        ("chords.is_consonant", 98.0),
        ("chords.roman", 97.0),
    ]);
}

/// Every oracle record under `../shared/oracle` that lists chords, with its source path.
fn oracle_records(dir: &Path, root: &Path, out: &mut Vec<(String, Value)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            oracle_records(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "json") && !path.ends_with("manifest.json")
        {
            let text = std::fs::read_to_string(&path).unwrap();
            let record: Value = serde_json::from_str(&text).unwrap();
            if record["chords"]["list"].is_array() {
                let source = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                out.push((source, record));
            }
        }
    }
}

#[test]
fn chord_names_agree_with_music21_on_every_chord_of_every_format() {
    let Some(corpus) =
        shared_corpus("chord_names_agree_with_music21_on_every_chord_of_every_format")
    else {
        return;
    };
    let root = corpus.join("../oracle");
    let mut records = Vec::new();
    oracle_records(&root, &root, &mut records);
    assert!(
        records.len() >= 100,
        "expected the oracle records, found {}",
        records.len()
    );

    let mut tally = Tally::default();
    for (source, record) in &records {
        let chords = &record["chords"];
        let key = chords["key_used_for_roman"].as_str().and_then(Key::parse);
        for want in chords["list"].as_array().unwrap() {
            let pitches: Vec<Pitch> = want["pitches"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| Pitch::parse(p.as_str().unwrap()).unwrap())
                .collect();
            let chord = Chord::new(pitches).expect("oracle chords have pitches");
            let at = format!("{source}@{}", want["offset_fraction"]);
            let got = json!({
                "root": chord.root().name(),
                "bass": chord.bass().name(),
                "quality": chord.quality().name(),
                "common_name": chord.common_name(),
                "inversion": chord.inversion(),
                "is_consonant": chord.is_consonant(),
                "roman": key.map(|k| roman_numeral_from_chord(&chord, &k)),
            });
            for field in FIELDS.iter().chain(&["roman"]) {
                tally.check(field, &at, &want[*field], &got[*field]);
            }
        }
    }
    let thresholds: Vec<(&str, f64)> = FIELDS
        .iter()
        .chain(&["roman"])
        .map(|&f| (f, 99.9))
        .collect();
    tally.assert_at_least(&thresholds);
}

#[tokio::test]
async fn chord_and_harmony_tools_answer_over_stdio_as_music21_does() {
    let Some(corpus) = shared_corpus("chord_and_harmony_tools_answer_over_stdio_as_music21_does")
    else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let want = oracle("bach/bwv1.6.mxl");
    let served = serve_binary(data.path(), Some(&corpus)).await;
    let client = &served.client;
    let path = corpus.join("bach/bwv1.6.mxl");
    call(
        client,
        "import_score",
        json!({"score_id": "bwv1.6", "source": path.to_str().unwrap(), "source_type": "file"}),
    )
    .await
    .unwrap();

    // A measure range lists exactly music21's chords of those measures.
    let listed = call(
        client,
        "chord_analysis",
        json!({"score_id": "bwv1.6", "start_measure": 2, "end_measure": 3}),
    )
    .await
    .unwrap();
    let expected: Vec<&Value> = want["chords"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| matches!(c["measure"].as_i64(), Some(2 | 3)))
        .collect();
    let chords = listed["chords"].as_array().unwrap();
    assert_eq!(chords.len(), expected.len());
    assert_eq!(listed["total_chords"], want["chords"]["count"]);
    for (ours, theirs) in chords.iter().zip(&expected) {
        assert_eq!(ours["pitches"], theirs["pitches"]);
        assert_eq!(ours["common_name"], theirs["common_name"]);
        assert_eq!(ours["roman"], theirs["roman"]);
    }

    // A range outside the score names the valid one.
    let error = call(
        client,
        "chord_analysis",
        json!({"score_id": "bwv1.6", "start_measure": 40, "end_measure": 48}),
    )
    .await
    .unwrap_err();
    let (first, last) = (
        &want["parts"]["list"][0]["first_measure_number"],
        &want["parts"]["list"][0]["last_measure_number"],
    );
    assert_eq!(
        error,
        format!("no measures 40-48; this score has measures {first}-{last}")
    );

    // Roman numerals are music21's, chord for chord.
    let harmony = call(client, "harmony_analysis", json!({"score_id": "bwv1.6"}))
        .await
        .unwrap();
    assert_eq!(harmony["key"], want["chords"]["key_used_for_roman"]);
    let figures: Vec<&Value> = harmony["romans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["figure"])
        .collect();
    let expected: Vec<&Value> = want["chords"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["roman"]["figure"])
        .collect();
    assert_eq!(figures, expected);

    // The chorale ends its last phrase with a cadence on a fermata or at the end.
    let cadences = call(
        client,
        "harmony_analysis",
        json!({"score_id": "bwv1.6", "analysis_type": "cadences"}),
    )
    .await
    .unwrap();
    let found = cadences["cadences"].as_array().unwrap();
    assert!(!found.is_empty(), "a chorale has cadences: {cadences}");
    assert!(
        found
            .iter()
            .all(|c| c["figures"].as_array().unwrap().len() == 2)
    );

    let unknown = call(
        client,
        "harmony_analysis",
        json!({"score_id": "bwv1.6", "analysis_type": "schenkerian"}),
    )
    .await
    .unwrap_err();
    assert!(
        unknown.contains("use roman (default), functional or cadences"),
        "{unknown}"
    );
}
