//! Voice leading on tiny hand-written scores.

use super::extra::voice_leading_extras;
use super::*;
use crate::music::model::Pitch;
use crate::music::musicxml::read_bytes;
use crate::music::read::ReadLimits;

/// A score with one part per entry; each part is a list of measures (4/4, divisions 1), each
/// measure a space-separated list of `C#4:2` (pitch, quarters) or `R:1` tokens.
fn score(parts: &[&[&str]]) -> Score {
    let list: String = (0..parts.len())
        .map(|i| format!("<score-part id=\"P{i}\"/>"))
        .collect();
    let body: String = parts
        .iter()
        .enumerate()
        .map(|(i, measures)| format!("<part id=\"P{i}\">{}</part>", part_xml(measures)))
        .collect();
    let xml = format!("<score-partwise><part-list>{list}</part-list>{body}</score-partwise>");
    read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
}

fn part_xml(measures: &[&str]) -> String {
    measures
        .iter()
        .enumerate()
        .map(|(n, tokens)| {
            let attributes = if n == 0 {
                "<attributes><divisions>1</divisions><time><beats>4</beats>\
                 <beat-type>4</beat-type></time></attributes>"
            } else {
                ""
            };
            let notes: String = tokens.split_whitespace().map(note_xml).collect();
            format!(
                "<measure number=\"{}\">{attributes}{notes}</measure>",
                n + 1
            )
        })
        .collect()
}

fn note_xml(token: &str) -> String {
    let (name, quarters) = token.split_once(':').unwrap();
    if name == "R" {
        return format!("<note><rest/><duration>{quarters}</duration></note>");
    }
    let pitch = Pitch::parse(name).unwrap();
    format!(
        "<note><pitch><step>{}</step><alter>{}</alter><octave>{}</octave></pitch>\
         <duration>{quarters}</duration></note>",
        pitch.step.letter(),
        pitch.alter,
        pitch.octave
    )
}

fn report(score: &Score) -> VoiceLeadingReport {
    match voice_leading(score) {
        VoiceLeading::Report(report) => report,
        VoiceLeading::Skipped { skipped } => panic!("skipped: {skipped}"),
    }
}

#[test]
fn parallel_fifths_are_reported_at_the_second_moment_with_pitches() {
    let report = report(&score(&[&["G4:1 A4:3"], &["C4:1 D4:3"]]));
    assert_eq!(report.totals.parallel_fifth, 1);
    let finding = &report.findings[0];
    assert_eq!(finding.kind, FindingKind::ParallelFifth);
    assert_eq!(finding.parts, [0, 1]);
    assert_eq!(
        (finding.measure, finding.offset_fraction.as_str()),
        (Some(1), "1")
    );
    assert_eq!(finding.prev_offset, 0.0);
    assert_eq!(finding.pitches, ["G4", "A4", "C4", "D4"].map(String::from));
    assert_eq!(report.pairs[0].quartets_evaluated, 1);
}

#[test]
fn a_parallel_fifth_by_contrary_motion_is_counted() {
    let report = report(&score(&[&["G4:2 A5:2"], &["C4:2 D3:2"]]));
    assert_eq!(report.totals.parallel_fifth, 1);
}

#[test]
fn a_contrary_octave_counts_as_parallel_octave_and_parallel_unison() {
    let report = report(&score(&[&["C5:2 D4:2"], &["C4:2 D4:2"]]));
    assert_eq!(report.totals.parallel_octave, 1);
    assert_eq!(report.totals.parallel_unison, 1);
    let kinds: Vec<FindingKind> = report.findings.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [FindingKind::ParallelOctave, FindingKind::ParallelUnison]
    );
}

#[test]
fn a_lasting_crossing_is_reported_once_per_quartet() {
    let report = report(&score(&[&["C4:4"], &["E4:1 F4:1 G4:1 A4:1"]]));
    assert_eq!(report.pairs[0].quartets_evaluated, 3);
    assert_eq!(report.totals.voice_crossing, 3);
}

#[test]
fn a_rest_in_either_voice_skips_the_quartet() {
    let report = report(&score(&[&["G4:1 R:1 A4:2"], &["C4:1 C4:1 D4:2"]]));
    assert_eq!(report.pairs[0].quartets_evaluated, 0);
    assert_eq!(report.totals, KindCounts::default());
}

#[test]
fn repeated_pitches_in_both_voices_are_not_a_quartet() {
    let report = report(&score(&[&["G4:2 G4:2"], &["C4:1 C4:1 C4:2"]]));
    assert_eq!(report.pairs[0].quartets_evaluated, 0);
}

#[test]
fn findings_name_the_upper_parts_measure() {
    let report = report(&score(&[&["E5:4", "G5:4"], &["B3:4", "C4:4"]]));
    let finding = &report.findings[0];
    assert_eq!(finding.kind, FindingKind::HiddenFifth);
    assert_eq!(finding.measure, Some(2));
    assert_eq!(finding.offset_fraction, "4");
    assert_eq!(report.pairs[0].quartets_evaluated, 1);
}

#[test]
fn every_pair_is_analysed_upper_part_first() {
    let report = report(&score(&[&["G4:4"], &["E4:4"], &["C4:4"]]));
    let pairs: Vec<[u32; 2]> = report.pairs.iter().map(|p| p.parts).collect();
    assert_eq!(pairs, [[0, 1], [0, 2], [1, 2]]);
}

#[test]
fn one_part_or_more_than_six_is_skipped_with_the_reason() {
    let one = voice_leading(&score(&[&["C4:4"]]));
    assert_eq!(
        one,
        VoiceLeading::Skipped {
            skipped: "1 parts (needs 2..6)".into()
        }
    );
    let seven: Vec<&[&str]> = vec![&["C4:4"]; 7];
    let json = serde_json::to_value(voice_leading(&score(&seven))).unwrap();
    assert_eq!(json["skipped"], "7 parts (needs 2..6)");
}

#[test]
fn the_report_serialises_with_the_oracle_field_names() {
    let json =
        serde_json::to_value(voice_leading(&score(&[&["G4:1 A4:3"], &["C4:1 D4:3"]]))).unwrap();
    assert_eq!(json["method"], "aligned-pairs");
    assert_eq!(json["totals"]["parallel_fifth"], 1);
    assert_eq!(json["pairs"][0]["counts"]["voice_crossing"], 0);
    assert_eq!(json["findings"][0]["kind"], "parallel_fifth");
    assert_eq!(json["findings"][0]["offset"], 1.0);
    assert!(json["errors"].as_array().unwrap().is_empty());
}

#[test]
fn extras_report_overlap_spacing_and_satb_ranges_apart() {
    let satb = score(&[
        &["C6:2 A5:2"],
        &["C4:2 G4:2"],
        &["A3:2 B3:2"],
        &["C2:2 C3:2"],
    ]);
    let extras = voice_leading_extras(&satb);
    assert_eq!(extras.spacing.len(), 2, "C6 over C4, then A5 over G4");
    assert_eq!(extras.spacing[0].parts, [0, 1]);
    assert!(extras.spacing.iter().all(|f| f.parts != [2, 3]));
    let ranges: Vec<&str> = extras
        .ranges
        .iter()
        .map(|f| f.pitches[0].as_str())
        .collect();
    assert_eq!(ranges, ["C6", "A5", "C2"]);
    assert!(extras.voice_overlaps.is_empty());
    let overlapping = score(&[&["E4:2 B3:2"], &["C4:2 A3:2"]]);
    assert_eq!(voice_leading_extras(&overlapping).voice_overlaps.len(), 1);
}
