//! The generation tools' acceptance: chorale harmonisations of every Bach chorale melody in
//! `../shared/corpus/bach`, species counterpoint against twenty cantus firmi in every species
//! and position, style imitation, and the same output for the same seed.

use std::path::{Path, PathBuf};

use music_mcp::music::generate::build::unfilled_measures;
use music_mcp::music::generate::counterpoint::rules::check;
use music_mcp::music::generate::counterpoint::search::{
    DEFAULT_NODE_BUDGET, SearchRequest, generate,
};
use music_mcp::music::generate::counterpoint::{Position, Species};
use music_mcp::music::generate::harmonize::{HarmonizeRequest, HarmonyStyle, harmonize};
use music_mcp::music::generate::scale::Scale;
use music_mcp::music::model::{Pitch, Score};
use music_mcp::music::read::{ReadLimits, read_path};
use music_mcp::music::voice_leading::extra::voice_leading_extras;
use music_mcp::music::voice_leading::{VoiceLeading, voice_leading};

use crate::common::shared_corpus;

/// The score files of a folder, sorted.
fn scores_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| {
        matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("mxl" | "xml" | "musicxml")
        )
    });
    files.sort();
    files
}

/// The first part of a chorale, cut to its first 8 measures (and a pickup) when longer. A
/// first part that opens with an instrumental rest (a trumpet waiting) is cut from its first
/// note instead, with the opening signatures and clef carried over.
fn melody_of(score: &Score) -> Score {
    let mut part = score.parts[0].clone();
    let first_note = part
        .measures
        .iter()
        .position(|m| {
            m.voices
                .iter()
                .flat_map(|v| &v.events)
                .any(|e| !e.is_rest())
        })
        .unwrap_or(0);
    let opening = part.measures[0].clone();
    let limit = part.measures[first_note].number.max(1) + 7;
    part.measures.drain(..first_note);
    part.measures.retain(|m| m.number <= limit);
    let first = &mut part.measures[0];
    if first.time_signatures.is_empty() {
        first.time_signatures = opening.time_signatures;
    }
    if first.key_signatures.is_empty() {
        first.key_signatures = opening.key_signatures;
    }
    if first.clefs.is_empty() {
        first.clefs = opening.clefs;
    }
    Score {
        metadata: score.metadata.clone(),
        parts: vec![part],
    }
}

#[test]
fn chorale_harmonisations_of_every_bach_melody_have_no_parallels_stay_in_range_and_fill_measures() {
    let Some(corpus) = shared_corpus("chorale_harmonisations_of_every_bach_melody...") else {
        return;
    };
    let files = scores_in(&corpus.join("bach"));
    assert!(!files.is_empty(), "no chorales in {}", corpus.display());
    let (mut harmonised, mut parallel, mut out_of_range, mut unfilled) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    for file in &files {
        let score = read_path(file, &ReadLimits::default()).unwrap();
        let melody = melody_of(&score);
        let request = HarmonizeRequest {
            style: HarmonyStyle::Chorale,
            voices: 4,
            seed: 1,
        };
        let result =
            harmonize(&melody, &request).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        harmonised += 1;
        let VoiceLeading::Report(report) = voice_leading(&result.score) else {
            panic!("{}: four parts were skipped", file.display());
        };
        let parallels = report.totals.parallel_fifth
            + report.totals.parallel_octave
            + report.totals.parallel_unison;
        // The melody is Bach's: only the voices we wrote are held to their ranges.
        let ranges = voice_leading_extras(&result.score)
            .ranges
            .iter()
            .filter(|f| f.parts.first().is_some_and(|&p| p > 0))
            .count();
        let wrong_measures = unfilled_measures(&result.score).len()
            + result.score.parts[1..]
                .iter()
                .flat_map(|part| part.measures.iter().zip(&melody.parts[0].measures))
                .filter(|(ours, theirs)| ours.duration != theirs.duration)
                .count();
        parallel += parallels;
        out_of_range += ranges;
        unfilled += wrong_measures;
        if parallels + ranges as u32 + wrong_measures as u32 > 0 {
            problems.push(format!(
                "{}: {parallels} parallels, {ranges} out of range, {wrong_measures} measures; cost {}; {:?}",
                file.display(),
                result.cost,
                report.findings.iter().filter(|f| format!("{:?}", f.kind).starts_with("Parallel")).map(|f| (f.parts, f.measure, f.offset, f.pitches.clone())).collect::<Vec<_>>()
            ));
        }
    }
    eprintln!(
        "chorale harmonisation: {harmonised} melodies, {parallel} parallel fifths/octaves/unisons, \
         {out_of_range} notes out of range, {unfilled} measures not filled"
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Twenty cantus firmi in the manner of Fux (the first six are his), in every mode, each with
/// its key signature in fifths.
const CANTUS_FIRMI: [(&str, i32); 20] = [
    ("D4 F4 E4 D4 G4 F4 A4 G4 F4 E4 D4", 0),
    ("E4 C4 D4 C4 A3 A4 G4 E4 F4 E4", 0),
    ("F4 G4 A4 F4 D4 E4 F4 C5 A4 F4 G4 F4", 0),
    ("G3 C4 B3 G3 C4 E4 D4 G4 E4 C4 D4 B3 A3 G3", 0),
    ("A3 C4 B3 D4 C4 E4 F4 E4 D4 C4 B3 A3", 0),
    ("C4 E4 F4 G4 E4 A4 G4 E4 F4 E4 D4 C4", 0),
    ("D4 A3 C4 B3 D4 E4 F4 E4 D4", 0),
    ("C4 D4 F4 E4 G4 F4 E4 D4 C4", 0),
    ("G4 A4 C5 B4 A4 G4 E4 F4 A4 G4", 0),
    ("A3 G3 C4 B3 D4 C4 B3 A3", 0),
    ("F4 G4 A4 B-4 A4 G4 C5 A4 G4 F4", -1),
    ("G3 B-3 A3 D4 C4 B-3 A3 G3", -1),
    ("D4 F4 E4 G4 F4 A4 G4 F4 E4 D4", -1),
    ("E4 G4 F4 E4 A4 G4 F4 E4", 0),
    ("C5 B4 A4 G4 A4 F4 G4 E4 D4 C4", 0),
    ("D3 F3 G3 A3 C4 B3 A3 F3 E3 D3", 0),
    ("G3 A3 B3 C4 D4 B3 E4 D4 B3 A3 G3", 1),
    ("A4 C5 B4 A4 E4 F4 G4 B4 A4", 0),
    ("C4 G4 F4 E4 D4 C4", 0),
    ("D4 C4 F4 E4 A4 G4 F4 E4 D4", 0),
];

fn cantus(text: &str) -> Vec<Pitch> {
    text.split_whitespace()
        .map(|p| Pitch::parse(p).unwrap())
        .collect()
}

fn request(
    cantus_text: &str,
    fifths: i32,
    species: u8,
    position: Position,
    seed: u64,
) -> SearchRequest {
    let cantus = cantus(cantus_text);
    SearchRequest {
        scale: Scale::from_signature_and_final(fifths, cantus.last().unwrap()),
        cantus,
        species: Species::from_number(species).unwrap(),
        position,
        seed,
        node_budget: DEFAULT_NODE_BUDGET,
    }
}

#[test]
fn counterpoint_against_twenty_cantus_firmi_passes_every_rule_in_every_species_and_position() {
    let mut table = Vec::new();
    let mut unsolved = Vec::new();
    for species in 1..=5u8 {
        for position in [Position::Above, Position::Below] {
            let mut passed = 0;
            for (index, (text, fifths)) in CANTUS_FIRMI.iter().enumerate() {
                let generated = generate(&request(text, *fifths, species, position, index as u64));
                let violations = check(&generated.exercise);
                // Whatever the search calls solved, the checker must agree with.
                assert_eq!(
                    generated.solved,
                    violations.is_empty(),
                    "cantus {index}, species {species}"
                );
                if violations.is_empty() {
                    passed += 1;
                } else {
                    unsolved.push(format!(
                        "species {species} {position:?} cantus {index}: {violations:?}"
                    ));
                }
            }
            table.push((species, position, passed));
        }
    }
    for (species, position, passed) in &table {
        eprintln!("counterpoint species {species} {position:?}: {passed}/20 pass every rule");
    }
    let total: usize = table.iter().map(|t| t.2).sum();
    eprintln!("{unsolved:#?}");
    assert!(total >= 190, "only {total}/200 lines pass: {unsolved:#?}");
}
