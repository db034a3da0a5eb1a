//! The ABC and Humdrum readers, timewise MusicXML and the format dispatch: agreement with
//! music21 on the shared corpus's ABC and `**kern` files, tiny files of each format through
//! the dispatch and the MCP tools, the ABC writer's round trip, and no panic on thousands of
//! mutated or truncated real files of every format.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use music_mcp::music::abc_write::write_abc;
use music_mcp::music::model::{EventKind, Score};
use music_mcp::music::musicxml_write::write_musicxml;
use music_mcp::music::read::{
    Format, ReadError, ReadLimits, ReadOptions, read_bytes, read_bytes_with, read_path,
};
use music_mcp::music::record::analysis_record;
use serde_json::{Value, json};

use crate::common::{call, oracle, serve_binary, shared_corpus};

/// The oracle's ABC and Humdrum files.
const TEXT_FORMAT_FILES: [&str; 4] = [
    "essenFolksong/altdeu10.abc",
    "nottingham-dataset/reelsa-c.abc",
    "beethoven/opus18no1/movement3.krn",
    "palestrina/Kyrie_00.krn",
];

/// The fields `oracle_compare.py --groups info,key` checks, as `(field, music21, ours)`.
fn compared_fields(want: &Value, got: &Value) -> Vec<(String, Value, Value)> {
    let mut fields = Vec::new();
    let mut add = |name: String, a: &Value, b: &Value| fields.push((name, a.clone(), b.clone()));
    add(
        "parts.count".into(),
        &want["parts"]["count"],
        &got["parts"]["count"],
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
            "tie_continuation_count",
            "duration_fraction",
            "id",
            "name",
        ] {
            add(format!("part {i} {field}"), &part[field], &mine[field]);
        }
        for end in ["lowest_pitch", "highest_pitch"] {
            add(
                format!("part {i} {end}"),
                &part[end]["name"],
                &mine[end]["name"],
            );
        }
    }
    let pairs = |list: &Value, a: &str, b: &str| -> Value {
        Value::Array(
            list.as_array()
                .into_iter()
                .flatten()
                .map(|x| json!([x[a], x[b]]))
                .collect(),
        )
    };
    add(
        "time_signatures".into(),
        &pairs(&want["time_signatures"], "ratio", "measure"),
        &pairs(&got["time_signatures"], "ratio", "measure"),
    );
    add(
        "key_signatures".into(),
        &pairs(&want["key_signatures"], "sharps", "measure"),
        &pairs(&got["key_signatures"], "sharps", "measure"),
    );
    for field in ["measure_count", "total_duration_fraction", "metadata"] {
        add(field.into(), &want[field], &got[field]);
    }
    add(
        "key.name".into(),
        &want["key_analysis"]["analyze_key"]["name"],
        &got["key_analysis"]["analyze_key"]["name"],
    );
    fields
}

#[test]
fn abc_and_kern_files_agree_with_music21_on_every_compared_field() {
    let Some(corpus) =
        shared_corpus("abc_and_kern_files_agree_with_music21_on_every_compared_field")
    else {
        return;
    };
    let mut disagreements = Vec::new();
    for relative in TEXT_FORMAT_FILES {
        let score = read_path(&corpus.join(relative), &ReadLimits::default())
            .unwrap_or_else(|err| panic!("{relative}: {err}"));
        let got = analysis_record(&score);
        let want = oracle(relative);
        for (field, expected, actual) in compared_fields(&want, &got) {
            if expected != actual {
                disagreements.push(format!("{relative} {field}: {expected} vs {actual}"));
            }
        }
        let histogram = |v: &Value| -> Vec<f64> {
            v["pitch_class_histogram"]["weighted_ql"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_f64)
                .collect()
        };
        assert_eq!(histogram(&want), histogram(&got), "{relative}");
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[test]
fn the_dispatch_detects_each_format_from_content_and_reports_it() {
    let limits = ReadLimits::default();
    let options = ReadOptions::default();
    let abc = "X:1\nT:Scale\nM:4/4\nL:1/4\nK:C\nCDEF|GABc|\n";
    let kern = "**kern\n*M4/4\n=1\n4c\n4d\n4e\n4f\n*-\n";
    let timewise = "<?xml version=\"1.0\"?><score-timewise><part-list><score-part id=\"P1\"/>\
        </part-list><measure number=\"1\"><part id=\"P1\"><attributes><divisions>1</divisions>\
        </attributes><note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration>\
        </note></part></measure></score-timewise>";
    let cases = [
        (abc, Format::Abc, 8),
        (kern, Format::Humdrum, 4),
        (timewise, Format::MusicXml, 1),
    ];
    for (text, format, notes) in cases {
        let output = read_bytes_with(text.as_bytes(), None, &limits, &options)
            .unwrap_or_else(|err| panic!("{format}: {err}"));
        assert_eq!(output.format, format);
        let count: usize = output.score.parts[0].events().count();
        assert_eq!(count, notes, "{format}");
    }
    let unknown = read_bytes(b"hello there", None, &limits).unwrap_err();
    assert!(
        matches!(unknown, ReadError::UnknownFormat { .. }),
        "{unknown}"
    );
    assert!(unknown.to_string().contains("ABC"), "{unknown}");
}

#[test]
fn timewise_musicxml_reads_like_its_partwise_twin() {
    let note = |step: &str| {
        format!(
            "<note><pitch><step>{step}</step><octave>4</octave></pitch><duration>2</duration>\
             </note>"
        )
    };
    let attributes = "<attributes><divisions>1</divisions><time><beats>2</beats>\
        <beat-type>4</beat-type></time></attributes>";
    let list = "<part-list><score-part id=\"A\"><part-name>Upper</part-name></score-part>\
        <score-part id=\"B\"><part-name>Lower</part-name></score-part></part-list>";
    let partwise = format!(
        "<score-partwise>{list}<part id=\"A\"><measure number=\"1\">{attributes}{}</measure>\
         <measure number=\"2\">{}</measure></part><part id=\"B\"><measure number=\"1\">\
         {attributes}{}</measure><measure number=\"2\">{}</measure></part></score-partwise>",
        note("E"),
        note("F"),
        note("C"),
        note("D")
    );
    let timewise = format!(
        "<score-timewise>{list}<measure number=\"1\"><part id=\"A\">{attributes}{}</part>\
         <part id=\"B\">{attributes}{}</part></measure><measure number=\"2\"><part id=\"A\">{}\
         </part><part id=\"B\">{}</part></measure></score-timewise>",
        note("E"),
        note("C"),
        note("F"),
        note("D")
    );
    let limits = ReadLimits::default();
    let a = read_bytes(partwise.as_bytes(), Some("x.xml"), &limits).unwrap();
    let b = read_bytes(timewise.as_bytes(), Some("x.xml"), &limits).unwrap();
    assert_eq!(a, b);
}

/// Every part's notes as `pitches@offset+duration`.
fn listing(score: &Score) -> Vec<Vec<String>> {
    score
        .parts
        .iter()
        .map(|part| {
            part.events()
                .filter(|placed| !placed.event.grace)
                .map(|placed| {
                    let names: Vec<String> = match &placed.event.kind {
                        EventKind::Note(p) => vec![p.name_with_octave()],
                        EventKind::Chord(tones) => {
                            tones.iter().map(|t| t.pitch.name_with_octave()).collect()
                        }
                        _ => vec!["rest".into()],
                    };
                    format!(
                        "{}@{}+{}",
                        names.join(" "),
                        placed.offset,
                        placed.event.duration
                    )
                })
                .collect()
        })
        .collect()
}

#[test]
fn written_abc_reads_back_to_the_same_notes_for_corpus_scores() {
    let Some(corpus) = shared_corpus("written_abc_reads_back_to_the_same_notes_for_corpus_scores")
    else {
        return;
    };
    let limits = ReadLimits::default();
    for relative in [
        "essenFolksong/altdeu10.abc",
        "nottingham-dataset/reelsa-c.abc",
        "palestrina/Kyrie_00.krn",
        "bach/bwv1.6.mxl",
    ] {
        let path = corpus.join(relative);
        assert!(
            path.exists(),
            "{relative} is missing from the shared corpus"
        );
        let score = read_path(&path, &limits).unwrap();
        let text = write_abc(&score);
        let again = read_bytes(text.as_bytes(), Some("out.abc"), &limits)
            .unwrap_or_else(|err| panic!("{relative}: {err}\n{text}"));
        assert_eq!(listing(&again), listing(&score), "{relative}\n{text}");
    }
}

/// A small deterministic generator, so a failure names a reproducible case.
struct Mutator(u64);

impl Mutator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// The bytes truncated, with bytes flipped, deleted, duplicated or replaced by format
    /// punctuation.
    fn mutate(&mut self, bytes: &[u8]) -> Vec<u8> {
        const PUNCTUATION: &[u8] = b"|:[]()<>{}-_^=,'/\\\"!%*^v.0123456789\t\n qrLJX:K:M:L:V:";
        let mut out = bytes.to_vec();
        if self.below(4) == 0 {
            out.truncate(self.below(out.len() + 1));
        }
        for _ in 0..=self.below(8) {
            if out.is_empty() {
                break;
            }
            let at = self.below(out.len());
            match self.below(4) {
                0 => out[at] = self.next() as u8,
                1 => {
                    out.remove(at);
                }
                2 => {
                    let len = self.below(40).min(out.len() - at);
                    let copy = out[at..at + len].to_vec();
                    out.splice(at..at, copy);
                }
                _ => out[at] = PUNCTUATION[self.below(PUNCTUATION.len())],
            }
        }
        out
    }
}

/// Seed files for the mutation test, as `(name, extension hint, bytes)`: one inline file per
/// text format, then real files of every format from the shared corpus when it is present.
fn seeds(corpus: Option<&Path>) -> Vec<(String, &'static str, Vec<u8>)> {
    let mut files: Vec<(String, &'static str, Vec<u8>)> = vec![
        (
            "inline.abc".into(),
            "abc",
            b"X:1\nT:T\nM:6/8\nL:1/8\nK:Gm\n(3abc {g}d2>e [CEG]2-|[K:D][M:3/4]f2 z|:A:|[1B:|[2c|]\n\
              X:2\nV:1\nc|d|\nV:2\nC|D|\n"
                .to_vec(),
        ),
        (
            "inline.krn".into(),
            "krn",
            b"!!!OTL: T\n**kern\t**kern\n*M3/4\t*M3/4\n=1\t=1\n*^\t*\n4c\t8d\t[4.e\n.\t8f\t.\n\
              *v\t*v\t*\n8gq\t8e]\n2.G 2.B\t4r\n*x\t*x\n==\t==\n*-\t*-\n"
                .to_vec(),
        ),
    ];
    let Some(corpus) = corpus else {
        return files;
    };
    for relative in TEXT_FORMAT_FILES {
        if let Ok(bytes) = std::fs::read(corpus.join(relative)) {
            // Whole large files make slow seeds; their first 6 KB show every construct.
            let head = bytes[..bytes.len().min(6 * 1024)].to_vec();
            let hint = if relative.ends_with(".abc") {
                "abc"
            } else {
                "krn"
            };
            files.push((relative.to_string(), hint, head));
        }
    }
    let chorale = "bach/bwv1.6.mxl";
    if let Ok(score) = read_path(&corpus.join(chorale), &ReadLimits::default()) {
        // The uncompressed MusicXML text, so that mutations reach the XML reader, and the
        // compressed file as it is, so that they reach the zip container too.
        files.push((
            format!("{chorale} as MusicXML"),
            "musicxml",
            write_musicxml(&score).into(),
        ));
    }
    for (relative, hint) in [(chorale, "mxl"), ("midi-from-music21/bwv1.6.mid", "mid")] {
        if let Ok(bytes) = std::fs::read(corpus.join(relative)) {
            files.push((relative.to_string(), hint, bytes));
        }
    }
    files
}

#[test]
fn mutated_and_truncated_files_of_every_format_never_panic() {
    let corpus =
        shared_corpus("mutated_and_truncated_files_of_every_format_never_panic (corpus seeds)");
    let limits = ReadLimits::default();
    let mut runs: BTreeMap<&str, u32> = BTreeMap::new();
    // MUSIC_MCP_FUZZ_CASES raises the number of mutations per seed for a longer search.
    let cases: u32 = std::env::var("MUSIC_MCP_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let mut mutator = Mutator(0x9E37_79B9_7F4A_7C15);
    for (name, hint, bytes) in seeds(corpus.as_deref()) {
        let file_name = format!("x.{hint}");
        for case in 0..cases {
            let mutated = mutator.mutate(&bytes);
            let result = catch_unwind(AssertUnwindSafe(|| {
                read_bytes(&mutated, Some(&file_name), &limits).map(|score| analysis_record(&score))
            }));
            assert!(
                result.is_ok(),
                "{name} case {case} panicked; input:\n{}",
                String::from_utf8_lossy(&mutated)
            );
            *runs.entry(hint).or_default() += 1;
        }
    }
    eprintln!("no-panic runs per reader: {runs:?}");
    assert!(runs.values().all(|&n| n >= cases), "{runs:?}");
    if corpus.is_some() {
        let readers: Vec<&str> = runs.keys().copied().collect();
        assert_eq!(
            readers,
            ["abc", "krn", "mid", "musicxml", "mxl"],
            "{runs:?}"
        );
    }
}

#[tokio::test]
async fn list_tunes_and_import_score_with_tune_work_over_mcp() {
    let data = tempfile::tempdir().unwrap();
    let served = serve_binary(data.path(), None).await;
    let client = &served.client;
    let book =
        "X:3\nT:Third\nM:2/4\nL:1/8\nK:D\nd2f2|a4|\n\nX:1\nT:First\nM:3/4\nK:Am\nA2B2c2|e6|\n";

    let listed = call(
        client,
        "list_tunes",
        json!({"source": book, "source_type": "text"}),
    )
    .await
    .unwrap();
    assert_eq!(listed["count"], 2);
    assert_eq!(listed["tunes"][0]["number"], 3);
    assert_eq!(listed["tunes"][0]["title"], "Third");
    assert_eq!(listed["tunes"][1]["key"], "Am");
    assert_eq!(listed["tunes"][1]["default"], true);

    let default = call(
        client,
        "import_score",
        json!({"score_id": "book-default", "source": book, "source_type": "text"}),
    )
    .await
    .unwrap();
    assert_eq!(default["title"], "First");
    assert_eq!(default["format"], "abc");
    let third = call(
        client,
        "import_score",
        json!({"score_id": "book-3", "source": book, "source_type": "text", "tune": 3}),
    )
    .await
    .unwrap();
    assert_eq!(third["title"], "Third");
    let missing = call(
        client,
        "import_score",
        json!({"score_id": "book-9", "source": book, "source_type": "text", "tune": 9}),
    )
    .await
    .unwrap_err();
    assert!(
        missing.contains("X:9") && missing.contains("X:1, 3"),
        "{missing}"
    );

    let kern = "!!!OTL: Scale\n**kern\n=1\n4c\n4d\n4e\n4f\n*-\n";
    let imported = call(
        client,
        "import_score",
        json!({"score_id": "kern", "source": kern, "source_type": "text"}),
    )
    .await
    .unwrap();
    assert_eq!(imported["format"], "humdrum");
    assert_eq!(imported["note_count"], 4);

    let not_abc = call(
        client,
        "list_tunes",
        json!({"source": kern, "source_type": "text"}),
    )
    .await
    .unwrap_err();
    assert!(not_abc.contains("not ABC"), "{not_abc}");
    served.client.cancel().await.unwrap();
}
