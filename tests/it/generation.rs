//! The generation tools' acceptance: chorale harmonisations of every Bach chorale melody in
//! `../shared/corpus/bach`, species counterpoint against twenty cantus firmi in every species
//! and position, style imitation, and the same output for the same seed.

use std::path::{Path, PathBuf};

use music_mcp::music::generate::build::unfilled_measures;
use music_mcp::music::generate::counterpoint::rules::check;
use music_mcp::music::generate::counterpoint::search::{
    DEFAULT_NODE_BUDGET, SearchEnd, SearchRequest, generate,
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
        spelling_inferred: score.spelling_inferred,
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
    let mut nodes = Vec::new();
    for species in 1..=5u8 {
        for position in [Position::Above, Position::Below] {
            let (mut passed, mut impossible) = (0, 0);
            for (index, (text, fifths)) in CANTUS_FIRMI.iter().enumerate() {
                let generated = generate(&request(text, *fifths, species, position, index as u64));
                let violations = check(&generated.exercise);
                nodes.push(generated.nodes);
                // Whatever the search calls solved, the checker must agree with.
                assert_eq!(
                    generated.solved,
                    violations.is_empty(),
                    "cantus {index}, species {species}"
                );
                match generated.end {
                    SearchEnd::Solved => passed += 1,
                    // Proven: every line the rules allow was tried.
                    SearchEnd::NoLineExists => impossible += 1,
                    SearchEnd::BudgetSpent => unsolved.push(format!(
                        "species {species} {position:?} cantus {index}: {violations:?}"
                    )),
                }
            }
            table.push((species, position, passed, impossible));
        }
    }
    for (species, position, passed, impossible) in &table {
        eprintln!(
            "counterpoint species {species} {position:?}: {passed}/20 pass every rule, \
             {impossible} proven to have no such line"
        );
    }
    nodes.sort_unstable();
    eprintln!(
        "notes tried per line: median {}, max {}",
        nodes[nodes.len() / 2],
        nodes[nodes.len() - 1]
    );
    // Every cantus gets a line breaking no rule, or a proof that none exists; never a search
    // that merely gave up.
    assert!(unsolved.is_empty(), "{unsolved:#?}");
}

/// An in-process server on a fresh store, with the shared corpus when there is one.
async fn client_with_corpus(
    prefix: &str,
    corpus: Option<PathBuf>,
) -> (
    rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tempfile::TempDir,
) {
    use music_mcp::server::MusicServer;
    use music_mcp::tools::{Runtime, RuntimeConfig};
    use rmcp::ServiceExt;

    let data = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::new(data.path());
    config.name_prefix = prefix.to_string();
    config.corpus_folders = corpus.into_iter().collect();
    let runtime = std::sync::Arc::new(Runtime::start(config).await.unwrap());
    let (server_io, client_io) = tokio::io::duplex(1 << 22);
    let server = MusicServer::new(runtime);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    (().serve(client_io).await.unwrap(), data)
}

/// Fux's dorian cantus firmus as ABC, one whole note per measure.
const CANTUS_ABC: &str = "X:1\nT:Cantus firmus\nM:4/4\nL:1/1\nK:C\nD|F|E|D|G|F|A|G|F|E|D|]\n";

/// The MusicXML text `export_score` answers with for a stored score.
async fn musicxml_of(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    id: &str,
) -> String {
    let mut params = rmcp::model::CallToolRequestParams::new("export_score");
    if let serde_json::Value::Object(map) = json!({"score_id": id, "format": "musicxml"}) {
        params = params.with_arguments(map);
    }
    let result = client.call_tool(params).await.unwrap();
    let xml: Vec<String> = result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .filter(|text| text.contains("<score-partwise"))
        .collect();
    assert_eq!(xml.len(), 1, "one MusicXML text block for {id}");
    xml.into_iter().next().unwrap()
}

use serde_json::json;

use crate::common::call;

#[tokio::test]
async fn the_same_seed_gives_the_same_music_and_an_unseeded_call_returns_its_seed() {
    let (client, _data) = client_with_corpus("it-generation-seed", None).await;
    call(
        &client,
        "import_score",
        json!({"score_id": "hymn", "source": "old-hundredth", "source_type": "corpus"}),
    )
    .await
    .unwrap();
    call(
        &client,
        "import_score",
        json!({"score_id": "cf", "source": CANTUS_ABC, "source_type": "text"}),
    )
    .await
    .unwrap();

    // Harmonisation: seeded twice, then unseeded and repeated with the seed it reports.
    let first = call(
        &client,
        "harmonize_melody",
        json!({"score_id": "hymn", "seed": 7, "new_score_id": "h1"}),
    )
    .await
    .unwrap();
    let second = call(
        &client,
        "harmonize_melody",
        json!({"score_id": "hymn", "seed": 7, "new_score_id": "h2"}),
    )
    .await
    .unwrap();
    assert_eq!(first["chords"], second["chords"]);
    assert_eq!(
        musicxml_of(&client, "h1").await,
        musicxml_of(&client, "h2").await
    );
    let unseeded = call(
        &client,
        "harmonize_melody",
        json!({"score_id": "hymn", "style": "jazz", "new_score_id": "h3"}),
    )
    .await
    .unwrap();
    let seed = unseeded["seed"]
        .as_u64()
        .expect("the seed used is returned");
    let again = call(
        &client,
        "harmonize_melody",
        json!({"score_id": "hymn", "style": "jazz", "seed": seed, "new_score_id": "h4"}),
    )
    .await
    .unwrap();
    assert_eq!(unseeded["chords"], again["chords"]);
    assert_eq!(first["voice_leading"]["totals"]["parallel_fifth"], 0);
    assert_eq!(first["voice_leading"]["totals"]["parallel_octave"], 0);

    // Counterpoint and imitation, seeded twice.
    let args = json!({"score_id": "cf", "species": 5, "voice_position": "below", "seed": 11});
    let mut one = args.clone();
    one["new_score_id"] = json!("c1");
    let mut two = args;
    two["new_score_id"] = json!("c2");
    let c1 = call(&client, "generate_counterpoint", one).await.unwrap();
    let c2 = call(&client, "generate_counterpoint", two).await.unwrap();
    assert_eq!(c1["line"], c2["line"]);
    assert_eq!(
        musicxml_of(&client, "c1").await,
        musicxml_of(&client, "c2").await
    );
    let i1 = call(
        &client,
        "imitate_style",
        json!({"score_id": "hymn", "seed": 3, "new_score_id": "i1"}),
    )
    .await
    .unwrap();
    let i2 = call(
        &client,
        "imitate_style",
        json!({"score_id": "hymn", "seed": 3, "new_score_id": "i2"}),
    )
    .await
    .unwrap();
    assert_eq!(i1["generated"], i2["generated"]);
    assert_eq!(
        musicxml_of(&client, "i1").await,
        musicxml_of(&client, "i2").await
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_generated_counterpoint_passes_check_counterpoint_and_a_spoiled_one_does_not() {
    let (client, _data) = client_with_corpus("it-generation-check", None).await;
    call(
        &client,
        "import_score",
        json!({"score_id": "cf", "source": CANTUS_ABC, "source_type": "text"}),
    )
    .await
    .unwrap();
    for species in 1..=5 {
        for position in ["above", "below"] {
            let id = format!("cp{species}{position}");
            let args = json!({"score_id": "cf", "species": species, "voice_position": position,
                "seed": 2, "new_score_id": id});
            let made = call(&client, "generate_counterpoint", args).await.unwrap();
            assert_eq!(made["solved"], true, "{made}");
            assert_eq!(made["search"], "solved", "{made}");
            assert_eq!(made["mode"], "D dorian");
            // Neither the species nor the cantus is given: both are found in the score (a
            // first-species line below has one note per measure too; the part names tell).
            let checked = call(&client, "check_counterpoint", json!({"score_id": id}))
                .await
                .unwrap();
            let at = format!("species {species} {position}: {checked}");
            assert_eq!(checked["passed"], true, "{at}");
            assert_eq!(checked["voice_position"], position, "{at}");
            assert_eq!(checked["species"], species, "{at}");
        }
    }

    // The cantus against itself an octave up is parallel octaves throughout.
    let octaves = "X:1\nT:Octaves\nM:4/4\nL:1/1\nK:C\nV:1\nd|f|e|d|g|f|a|g|f|e|d|]\nV:2\nD|F|E|D|G|F|A|G|F|E|D|]\n";
    call(
        &client,
        "import_score",
        json!({"score_id": "octaves", "source": octaves, "source_type": "text"}),
    )
    .await
    .unwrap();
    let checked = call(
        &client,
        "check_counterpoint",
        json!({"score_id": "octaves", "species": 1}),
    )
    .await
    .unwrap();
    assert_eq!(checked["passed"], false);
    let parallel = checked["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "parallel_perfect")
        .unwrap();
    assert_eq!(parallel["passed"], false);
    assert!(parallel["violations"].as_u64().unwrap() >= 9, "{parallel}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn imitating_bach_learns_from_the_corpus_chorales_and_reports_both_styles() {
    let Some(corpus) = shared_corpus("imitating_bach_learns_from_the_corpus_chorales...") else {
        return;
    };
    let (client, _data) = client_with_corpus("it-generation-bach", Some(corpus)).await;
    let made = call(
        &client,
        "imitate_style",
        json!({"composer": "bach", "max_pieces": 6, "length": 12, "order": 3, "seed": 5}),
    )
    .await
    .unwrap();
    assert_eq!(made["learned"]["pieces"], 6);
    assert_eq!(made["learned_from"].as_array().unwrap().len(), 6);
    assert!(
        made["learned_from"][0]
            .as_str()
            .unwrap()
            .starts_with("bach/")
    );
    assert_eq!(made["generated"]["pieces"], 1);
    assert!(
        !made["learned"]["chords"].as_array().unwrap().is_empty(),
        "chorales teach harmony"
    );
    assert_eq!(made["measure_count"], 12, "{made}");
    let style = call(
        &client,
        "analyze_style",
        json!({"score_id": "bach_imitation"}),
    )
    .await
    .unwrap();
    assert_eq!(style["features"], made["generated"]);
    let neither = call(&client, "imitate_style", json!({})).await.unwrap_err();
    assert!(
        neither.contains("give score_id (a stored score) or composer"),
        "{neither}"
    );
    let unknown = call(&client, "imitate_style", json!({"composer": "nobody"}))
        .await
        .unwrap_err();
    assert!(
        unknown.contains("no corpus pieces for composer 'nobody'"),
        "{unknown}"
    );
    client.cancel().await.unwrap();
}

/// A two-part MusicXML score of four whole-note measures in C major: a horn part first (on
/// G4 throughout), then the soprano with the tune.
fn horn_and_soprano_xml() -> String {
    let measures = |notes: &[(&str, i32)]| -> String {
        notes
            .iter()
            .enumerate()
            .map(|(index, (step, octave))| {
                let attributes = if index == 0 {
                    "<attributes><divisions>1</divisions><key><fifths>0</fifths></key>\
                     <time><beats>4</beats><beat-type>4</beat-type></time>\
                     <clef><sign>G</sign><line>2</line></clef></attributes>"
                } else {
                    ""
                };
                format!(
                    "<measure number=\"{}\">{attributes}<note><pitch><step>{step}</step>\
                     <octave>{octave}</octave></pitch><duration>4</duration><type>whole</type>\
                     </note></measure>",
                    index + 1
                )
            })
            .collect()
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<score-partwise version=\"3.1\">\
         <part-list><score-part id=\"P1\"><part-name>Horn</part-name></score-part>\
         <score-part id=\"P2\"><part-name>Soprano</part-name></score-part></part-list>\
         <part id=\"P1\">{}</part><part id=\"P2\">{}</part></score-partwise>\n",
        measures(&[("G", 4), ("G", 4), ("G", 4), ("G", 4)]),
        measures(&[("C", 5), ("D", 5), ("B", 4), ("C", 5)]),
    )
}

#[tokio::test]
async fn the_generation_tools_read_the_soprano_part_by_default_and_any_part_asked_for() {
    let (client, _data) = client_with_corpus("it-generation-part", None).await;
    call(
        &client,
        "import_score",
        json!({"score_id": "duo", "source": horn_and_soprano_xml(), "source_type": "text"}),
    )
    .await
    .unwrap();
    let soprano = json!({"index": 1, "name": "Soprano"});
    let horn = json!({"index": 0, "name": "Horn"});

    let harmonised = call(
        &client,
        "harmonize_melody",
        json!({"score_id": "duo", "seed": 1, "voice_parts": 3}),
    )
    .await
    .unwrap();
    assert_eq!(harmonised["part"], soprano, "{harmonised}");
    let mut melody: Vec<&str> = harmonised["chords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["melody"].as_str().unwrap())
        .collect();
    melody.dedup();
    assert_eq!(melody, ["C5", "D5", "B4", "C5"], "{harmonised}");
    let of_horn = call(
        &client,
        "harmonize_melody",
        json!({"score_id": "duo", "seed": 1, "part": 0, "new_score_id": "duo_horn"}),
    )
    .await
    .unwrap();
    assert_eq!(of_horn["part"], horn);
    assert!(
        of_horn["chords"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["melody"] == "G4"),
        "{of_horn}"
    );

    let style = call(&client, "analyze_style", json!({"score_id": "duo"}))
        .await
        .unwrap();
    assert_eq!(style["part"], soprano, "{style}");
    let horn_style = call(
        &client,
        "analyze_style",
        json!({"score_id": "duo", "part": 0}),
    )
    .await
    .unwrap();
    assert_eq!(horn_style["part"], horn);
    assert_ne!(style["features"], horn_style["features"]);

    let imitated = call(
        &client,
        "imitate_style",
        json!({"score_id": "duo", "seed": 2, "length": 4}),
    )
    .await
    .unwrap();
    assert_eq!(imitated["part"], soprano, "{imitated}");
    assert_eq!(imitated["learned"], style["features"]);

    let counterpoint = call(
        &client,
        "generate_counterpoint",
        json!({"score_id": "duo", "seed": 3}),
    )
    .await
    .unwrap();
    assert_eq!(counterpoint["part"], soprano, "{counterpoint}");

    let beyond = call(
        &client,
        "harmonize_melody",
        json!({"score_id": "duo", "part": 2}),
    )
    .await
    .unwrap_err();
    assert!(beyond.contains("has 2 parts"), "{beyond}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn every_generation_tool_refuses_a_score_with_no_notes() {
    let (client, _data) = client_with_corpus("it-generation-empty", None).await;
    call(
        &client,
        "import_score",
        json!({"score_id": "rests", "source": "X:1\nT:r\nM:4/4\nL:1/4\nK:C\nz4|z4|]\n", "source_type": "text"}),
    )
    .await
    .unwrap();
    for (tool, args) in [
        ("harmonize_melody", json!({"score_id": "rests"})),
        ("analyze_style", json!({"score_id": "rests"})),
        ("imitate_style", json!({"score_id": "rests", "seed": 1})),
        ("generate_counterpoint", json!({"score_id": "rests"})),
    ] {
        let refused = call(&client, tool, args).await.unwrap_err();
        assert!(
            refused.contains("score 'rests' has no notes in part 0; import a melody with notes"),
            "{tool}: {refused}"
        );
    }
    let listed = call(&client, "list_scores", json!({})).await.unwrap();
    assert_eq!(
        listed.to_string().matches("\"score_id\"").count(),
        1,
        "nothing generated: {listed}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn check_counterpoint_refuses_a_counterpoint_part_of_rests_only() {
    let (client, _data) = client_with_corpus("it-generation-rest-line", None).await;
    let refusal = |id: &'static str, upper: &'static str, lower: &'static str| {
        let client = &client;
        async move {
            let source = format!("X:1\nT:r\nM:4/4\nL:1/4\nK:C\nV:1\n{upper}\nV:2\n{lower}\n");
            let args = json!({"score_id": id, "source": source, "source_type": "text"});
            call(client, "import_score", args).await.unwrap();
            call(client, "check_counterpoint", json!({"score_id": id}))
                .await
                .unwrap_err()
        }
    };
    let refused = refusal("rest-line", "z4|z4|z4|]", "D4|F4|D4|]").await;
    assert!(
        refused.contains("the counterpoint part (part 0) has no notes, only rests"),
        "{refused}"
    );
    // ABC numbers its first measure 0.
    let refused = refusal("silence", "z4|z4|z4|]", "z4|z4|z4|]").await;
    assert!(
        refused.contains("exactly one note per measure, struck on the downbeat, and no rests; measure 0 has 0 and a rest"),
        "{refused}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_cantus_in_three_four_is_renotated_in_whole_notes_and_the_reply_says_so() {
    let (client, _data) = client_with_corpus("it-generation-renotated", None).await;
    let waltz = "X:1\nT:cf\nM:3/4\nL:1/4\nK:G\nG3|A3|B3|G3|E3|F3|G3|]\n";
    for (id, source) in [("waltz", waltz), ("fux", CANTUS_ABC)] {
        let args = json!({"score_id": id, "source": source, "source_type": "text"});
        call(&client, "import_score", args).await.unwrap();
    }
    let made = call(
        &client,
        "generate_counterpoint",
        json!({"score_id": "waltz", "seed": 1}),
    )
    .await
    .unwrap();
    let note = made["renotated"].as_str().unwrap_or_default();
    assert!(note.contains("the cantus firmus is in 3/4"), "{made}");
    let info = call(&client, "score_info", json!({"score_id": made["score_id"]}))
        .await
        .unwrap()
        .to_string();
    assert!(info.contains("4/4") && !info.contains("3/4"), "{info}");
    let plain = call(
        &client,
        "generate_counterpoint",
        json!({"score_id": "fux", "seed": 1}),
    )
    .await
    .unwrap();
    assert!(plain.get("renotated").is_none(), "{plain}");
    client.cancel().await.unwrap();
}

#[test]
fn chorale_soprano_harmonisations_end_with_an_authentic_cadence_on_a_root_position_tonic() {
    use music_mcp::music::roman::Key;
    use music_mcp::tools::generated::melody_first;
    let Some(corpus) = shared_corpus("chorale_soprano_harmonisations_end...") else {
        return;
    };
    let mut checked = 0;
    let (mut melody_in_v, mut root_v_when_possible) = (0, 0);
    for file in scores_in(&corpus.join("bach")).iter().take(8) {
        let score = read_path(file, &ReadLimits::default()).unwrap();
        let (soprano_first, _) = melody_first(&score, "chorale", None).unwrap();
        let melody = melody_of(&soprano_first);
        for voices in [3, 4] {
            for style in [HarmonyStyle::Chorale, HarmonyStyle::Classical] {
                let request = HarmonizeRequest {
                    style,
                    voices,
                    seed: 2,
                };
                let result = harmonize(&melody, &request).unwrap();
                let what = format!("{} {style:?} {voices} in {}", file.display(), result.key);
                let last = result.chords.last().unwrap();
                let pc = |name: &str| Pitch::parse(name).unwrap().pitch_class();
                assert!(last.roman == "I" || last.roman == "i", "{what}: {last:?}");
                assert_eq!(pc(&last.pitches[0]), pc(&last.chord_pitches[0]), "{what}");
                // The last chord before the final tonic's run.
                let before = result
                    .chords
                    .iter()
                    .rev()
                    .find(|c| c.roman != last.roman)
                    .unwrap();
                let key = Key::parse(&result.key).unwrap();
                let dominant = key.scale_pitch(5).pitch_class();
                let in_v = [0, 4, 7]
                    .map(|s| (dominant + s) % 12)
                    .contains(&pc(&before.melody));
                // A root-position V is preferred, not forced: a melody falling 2 -> 5 over
                // V -> I would make parallel fifths with it, so V6 is right there.
                let root_v = before.function == "dominant" && pc(&before.pitches[0]) == dominant;
                if in_v {
                    melody_in_v += 1;
                    root_v_when_possible += usize::from(root_v);
                }
                if root_v && !before.roman.contains('/') {
                    assert_eq!(last.cadence.as_deref(), Some("authentic"), "{what}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 0);
    eprintln!("root-position V before the final tonic: {root_v_when_possible} of {melody_in_v}");
    assert!(
        root_v_when_possible * 4 >= melody_in_v * 3,
        "root-position V in only {root_v_when_possible} of {melody_in_v} endings that allow it"
    );
}
