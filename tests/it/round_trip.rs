//! Round trips over the shared corpus: every MusicXML score read, written and read again.
//!
//! - MusicXML: read → `write_musicxml` → read gives an equal `Score`. The one normalisation:
//!   where the original event had no notated value (`notation: None`), the value the writer
//!   derived is accepted.
//! - MIDI: read → `write_midi` → read (with quantisation grids fine enough for the score's
//!   values) gives the same sounding notes per part: onset (moved by the pickup padding),
//!   duration and MIDI key, tied chains merged, grace and unpitched notes left out as the
//!   writer leaves them out. Notes of one key that overlap in one part cannot be told apart
//!   in MIDI, so parts with such notes are compared by onsets and keys only.

use std::path::{Path, PathBuf};

use music_mcp::music::midi::{self, MidiReadOptions, pickup_padding, write_midi};
use music_mcp::music::model::{Event, EventKind, Part, Ql, Score, Tie};
use music_mcp::music::musicxml_write::{write_musicxml, write_mxl};
use music_mcp::music::read::{ReadLimits, read_bytes, read_path};

use crate::common::shared_corpus;

/// Every `.mxl`, `.xml` and `.musicxml` file under the corpus, sorted.
fn musicxml_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if path.is_dir() {
                folders.push(path);
            } else if matches!(extension, "mxl" | "xml" | "musicxml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn name_of(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// The score with every derived notated value (where the original had none) taken from the
/// reread score, so that only real differences remain.
fn accept_derived_notation(original: &Score, reread: &Score) -> Score {
    let mut expected = original.clone();
    for (part, again) in expected.parts.iter_mut().zip(&reread.parts) {
        for (measure, again) in part.measures.iter_mut().zip(&again.measures) {
            for (voice, again) in measure.voices.iter_mut().zip(&again.voices) {
                for (event, again) in voice.events.iter_mut().zip(&again.events) {
                    if event.notation.is_none() {
                        event.notation = again.notation.clone();
                    }
                }
            }
        }
    }
    expected
}

/// Where two scores first differ, for the failure message.
fn first_difference(expected: &Score, actual: &Score) -> String {
    if expected.metadata != actual.metadata || expected.parts.len() != actual.parts.len() {
        return format!(
            "metadata or part count: {:?} / {} parts vs {:?} / {} parts",
            expected.metadata,
            expected.parts.len(),
            actual.metadata,
            actual.parts.len()
        );
    }
    for (index, (a, b)) in expected.parts.iter().zip(&actual.parts).enumerate() {
        if a.measures.len() != b.measures.len() {
            return format!(
                "part {index}: {} vs {} measures",
                a.measures.len(),
                b.measures.len()
            );
        }
        for (m, n) in a.measures.iter().zip(&b.measures) {
            if m != n {
                return format!("part {index} measure {}:\n{m:?}\nvs\n{n:?}", m.number);
            }
        }
        if a != b {
            return format!(
                "part {index} header: {a:?}\nvs\n{b:?}",
                a = strip(a),
                b = strip(b)
            );
        }
    }
    "no difference found".to_string()
}

fn strip(part: &Part) -> Part {
    Part {
        measures: Vec::new(),
        ..part.clone()
    }
}

#[test]
fn every_corpus_musicxml_score_reads_back_equal_after_writing_musicxml_and_mxl() {
    let Some(corpus) = shared_corpus("musicxml round trip") else {
        return;
    };
    let files = musicxml_files(&corpus);
    assert!(
        files.len() > 100,
        "expected the shared corpus, found {} files",
        files.len()
    );
    let limits = ReadLimits::default();
    let mut failures = Vec::new();
    for path in &files {
        let original = read_path(path, &limits).unwrap();
        let hint = name_of(path);
        let written = write_musicxml(&original);
        let reread = read_bytes(written.as_bytes(), Some(&hint), &limits).unwrap();
        let expected = accept_derived_notation(&original, &reread);
        if reread != expected {
            failures.push(format!(
                "{}: {}",
                path.display(),
                first_difference(&expected, &reread)
            ));
            continue;
        }
        let archive = write_mxl(&original).unwrap();
        let from_archive = read_bytes(&archive, Some(&hint), &limits).unwrap();
        if from_archive != reread {
            failures.push(format!("{}: the .mxl reads differently", path.display()));
        }
    }
    eprintln!(
        "musicxml round trip: {} files, {} differ",
        files.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A sounding note: onset, duration and MIDI key.
type Sounding = (Ql, Ql, i32);

/// The part's notes with tied chains merged, graces and unpitched notes left out.
fn sounding_notes(part: &Part, shift: Ql) -> Vec<Sounding> {
    let mut notes: Vec<(Sounding, bool)> = Vec::new();
    for placed in part.events() {
        let event: &Event = placed.event;
        if event.grace || !event.duration.is_positive() {
            continue;
        }
        let onset = placed.offset + shift;
        for (key, tie) in keys(event) {
            let continues = matches!(tie, Some(Tie::Stop | Tie::Continue));
            let open = notes
                .iter_mut()
                .rev()
                .find(|((start, length, k), _)| *k == key && *start + *length == onset);
            match open {
                Some(((_, length, _), _)) if continues => *length += event.duration,
                _ => notes.push(((onset, event.duration, key), true)),
            }
        }
    }
    let mut notes: Vec<Sounding> = notes.into_iter().map(|(n, _)| n).collect();
    notes.sort();
    notes
}

fn keys(event: &Event) -> Vec<(i32, Option<Tie>)> {
    match &event.kind {
        EventKind::Note(pitch) => vec![(pitch.midi(), event.tie)],
        EventKind::Chord(tones) => tones
            .iter()
            .filter(|t| !t.unpitched)
            .map(|t| (t.pitch.midi(), t.tie.or(event.tie)))
            .collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|(key, _)| (0..=127).contains(key))
    .collect()
}

/// True when two notes of one key overlap, which MIDI cannot keep apart.
fn has_same_key_overlap(notes: &[Sounding]) -> bool {
    notes.iter().enumerate().any(|(i, a)| {
        notes[i + 1..]
            .iter()
            .any(|b| a.2 == b.2 && b.0 < a.0 + a.1 && a.0 < b.0 + b.1)
    })
}

/// Quantisation grids that hold every onset and duration of the score exactly.
///
/// The grid is twice as fine as the finest value: the reader, as music21, gathers notes into
/// a chord when their onsets and ends lie within one grid step of each other, so a grid only
/// as fine as the values would merge a half-quarter chord with a quarter note under it.
fn exact_grids(score: &Score) -> Vec<u32> {
    let lcm = score
        .parts
        .iter()
        .flat_map(|p| p.events().map(|e| [e.offset, e.event.duration]))
        .flatten()
        .fold(1i64, |lcm, v| {
            (lcm / gcd(lcm, v.denom()) * v.denom()).min(1 << 20)
        });
    vec![u32::try_from(2 * lcm).unwrap_or(u32::MAX)]
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

#[test]
fn every_corpus_musicxml_score_keeps_its_notes_through_midi() {
    let Some(corpus) = shared_corpus("midi round trip") else {
        return;
    };
    let files = musicxml_files(&corpus);
    let limits = ReadLimits::default();
    let mut failures = Vec::new();
    let mut loose_parts = 0;
    for path in &files {
        let original = read_path(path, &limits).unwrap();
        let bytes = write_midi(&original);
        let options = MidiReadOptions {
            split_channels: true,
            quarter_length_divisors: exact_grids(&original),
        };
        let reread = midi::read_bytes_with(&bytes, &options, &limits).unwrap();
        let padding = pickup_padding(&original);
        let sounding: Vec<&Part> = original
            .parts
            .iter()
            .filter(|p| !sounding_notes(p, Ql::ZERO).is_empty())
            .collect();
        if sounding.len() != reread.parts.len() {
            failures.push(format!(
                "{}: {} parts with notes, {} read back",
                path.display(),
                sounding.len(),
                reread.parts.len()
            ));
            continue;
        }
        for (index, (part, again)) in sounding.iter().zip(&reread.parts).enumerate() {
            let expected = sounding_notes(part, padding);
            let actual = sounding_notes(again, Ql::ZERO);
            let same = if has_same_key_overlap(&expected) {
                loose_parts += 1;
                let starts = |notes: &[Sounding]| {
                    let mut s: Vec<(Ql, i32)> = notes.iter().map(|n| (n.0, n.2)).collect();
                    s.dedup();
                    s
                };
                starts(&expected) == starts(&actual)
            } else {
                expected == actual
            };
            if !same {
                let first = expected
                    .iter()
                    .zip(&actual)
                    .find(|(a, b)| a != b)
                    .map(|(a, b)| format!("{a:?} became {b:?}"))
                    .unwrap_or_else(|| format!("{} vs {} notes", expected.len(), actual.len()));
                failures.push(format!("{} part {index}: {first}", path.display()));
            }
        }
    }
    eprintln!(
        "midi round trip: {} files, {} parts compared by onsets only, {} differ",
        files.len(),
        loose_parts,
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
