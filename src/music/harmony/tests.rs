//! Functions and cadences on small hand-written progressions in C major.

use super::*;
use crate::music::musicxml::read_bytes;
use crate::music::read::ReadLimits;
use crate::music::roman::KeyMode;

/// A chord of `pitches` (music21 names) lasting `beats` quarters, with an optional fermata.
fn chord_xml(pitches: &str, beats: u32, fermata: bool) -> String {
    let mut xml = String::new();
    for (i, name) in pitches.split_whitespace().enumerate() {
        let pitch = Pitch::parse(name).unwrap();
        let chord = if i > 0 { "<chord/>" } else { "" };
        let alter = if pitch.alter != 0 {
            format!("<alter>{}</alter>", pitch.alter)
        } else {
            String::new()
        };
        let mark = if fermata && i == 0 {
            "<notations><fermata/></notations>"
        } else {
            ""
        };
        xml += &format!(
            "<note>{chord}<pitch><step>{}</step>{alter}<octave>{}</octave></pitch>\
             <duration>{beats}</duration>{mark}</note>",
            pitch.step.letter(),
            pitch.octave
        );
    }
    xml
}

fn rest_xml(beats: u32) -> String {
    format!("<note><rest/><duration>{beats}</duration></note>")
}

/// A one-part score of 4/4 measures, each given as its notes.
fn score(measures: &[String]) -> Score {
    let body: String = measures
        .iter()
        .enumerate()
        .map(|(i, notes)| {
            let attributes = if i == 0 {
                "<attributes><divisions>1</divisions><time><beats>4</beats>\
                 <beat-type>4</beat-type></time></attributes>"
            } else {
                ""
            };
            format!(
                "<measure number=\"{}\">{attributes}{notes}</measure>",
                i + 1
            )
        })
        .collect();
    let xml = format!(
        "<score-partwise><part-list><score-part id=\"P1\"/></part-list>\
         <part id=\"P1\">{body}</part></score-partwise>"
    );
    read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
}

fn in_c_major(measures: &[String]) -> ChordAnalysis {
    let key = Key::new(Pitch::parse("C").unwrap(), KeyMode::Major);
    analyse_chords_in_key(&score(measures), Some(key))
}

const C: &str = "C3 E4 G4 C5";
const C_THIRD_ON_TOP: &str = "C3 G4 C5 E5";
const F: &str = "F3 F4 A4 C5";
const G7: &str = "G3 D4 F4 B4";
const G: &str = "G3 D4 G4 B4";
const A_MINOR: &str = "A3 C4 E4 A4";
const D_MINOR: &str = "D3 F4 A4 D5";

#[test]
fn a_perfect_authentic_cadence_at_a_fermata_is_found_mid_piece() {
    let analysis = in_c_major(&[
        chord_xml(C, 2, false) + &chord_xml(F, 2, false),
        chord_xml(G7, 2, false) + &chord_xml(C, 2, true),
        chord_xml(D_MINOR, 2, false) + &chord_xml(G, 2, false),
    ]);
    let found = cadences(&analysis);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].kind, CadenceKind::PerfectAuthentic);
    assert_eq!(found[0].phrase_end, PhraseEnd::Fermata);
    assert_eq!(found[0].measure, Some(2));
    assert_eq!(found[0].offset_fraction, "6");
    assert_eq!(found[0].figures, ["V7".to_string(), "I".to_string()]);
    assert_eq!(found[1].kind, CadenceKind::Half);
    assert_eq!(found[1].phrase_end, PhraseEnd::Final);
}

#[test]
fn a_deceptive_cadence_moves_from_v_to_vi() {
    let analysis = in_c_major(&[
        chord_xml(C, 2, false) + &chord_xml(G, 2, false),
        chord_xml(A_MINOR, 4, false),
    ]);
    let found = cadences(&analysis);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, CadenceKind::Deceptive);
    assert_eq!(found[0].figures, ["V".to_string(), "vi".to_string()]);
}

#[test]
fn an_authentic_cadence_with_the_third_on_top_is_imperfect() {
    let analysis = in_c_major(&[chord_xml(G, 2, false) + &chord_xml(C_THIRD_ON_TOP, 2, false)]);
    let found = cadences(&analysis);
    assert_eq!(found[0].kind, CadenceKind::ImperfectAuthentic);
}

#[test]
fn a_plagal_cadence_moves_from_iv_to_i_before_a_rest() {
    let analysis = in_c_major(&[
        chord_xml(F, 2, false) + &chord_xml(C, 1, false) + &rest_xml(1),
        chord_xml(C, 4, false),
    ]);
    let found = cadences(&analysis);
    assert_eq!(found[0].kind, CadenceKind::Plagal);
    assert_eq!(found[0].phrase_end, PhraseEnd::Rest);
}

#[test]
fn a_cadential_six_four_has_dominant_function() {
    let analysis = in_c_major(&[
        chord_xml("G3 C4 E4 G4", 2, false) + &chord_xml(G, 2, false),
        chord_xml(C, 4, false),
    ]);
    let labels: Vec<_> = functions(&analysis.chords)
        .into_iter()
        .map(|f| (f.figure, f.function))
        .collect();
    assert_eq!(labels[0], ("I64".to_string(), HarmonicFunction::Dominant));
    assert_eq!(labels[1], ("V".to_string(), HarmonicFunction::Dominant));
    assert_eq!(labels[2], ("I".to_string(), HarmonicFunction::Tonic));
}

#[test]
fn predominant_chords_include_ii_iv_and_the_neapolitan() {
    let analysis = in_c_major(&[chord_xml(D_MINOR, 1, false)
        + &chord_xml(F, 1, false)
        + &chord_xml("F3 A-3 D-4", 1, false)
        + &chord_xml(G, 1, false)]);
    let labels: Vec<_> = functions(&analysis.chords)
        .into_iter()
        .map(|f| f.function)
        .collect();
    assert_eq!(
        labels,
        [
            HarmonicFunction::Predominant,
            HarmonicFunction::Predominant,
            HarmonicFunction::Predominant,
            HarmonicFunction::Dominant
        ]
    );
}

#[test]
fn the_chords_record_has_the_oracle_shape() {
    let record = chords_record(&score(&[
        chord_xml(C, 2, false) + &rest_xml(2),
        chord_xml(G7, 4, false),
    ]));
    assert_eq!(record["count"], 2);
    assert_eq!(record["rest_count"], 1);
    assert!(record["key_used_for_roman"].is_string());
    assert!(record["skipped"].is_null());
    let first = &record["list"][0];
    assert_eq!(first["pitches"], json!(["C3", "E4", "G4", "C5"]));
    assert_eq!(first["common_name"], "major triad");
    assert_eq!(first["offset_fraction"], "0");
    assert_eq!(record["list"][1]["common_name"], "dominant seventh chord");
}
