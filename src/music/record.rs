//! The oracle-shaped analysis record printed by `music-mcp analyze --json`.
//!
//! Field names follow the music21 oracle's schema (`music21-oracle/1`): the score-info fields at
//! the top level, then `key_analysis` and `pitch_class_histogram`.

use serde_json::{Map, Value, json};

use super::harmony::chords_record;
use super::histogram::pitch_class_histogram;
use super::info::score_info;
use super::key::{KeyMethod, key_from_histogram};
use super::melodic::melodic;
use super::read::Score;
use super::transpose::transposition_record;
use super::voice_leading::voice_leading;

/// The schema id of the oracle records this mirrors.
pub const SCHEMA: &str = "music21-oracle/1";

/// Builds the record with the field names of the music21 oracle.
pub fn analysis_record(score: &Score) -> Value {
    let mut record = Map::new();
    record.insert("schema".into(), Value::String(SCHEMA.into()));
    if let Ok(Value::Object(info)) = serde_json::to_value(score_info(score)) {
        record.extend(info);
    }
    let histogram = pitch_class_histogram(score);
    record.insert("key_analysis".into(), key_analysis(&histogram.weighted_ql));
    record.insert("pitch_class_histogram".into(), json!(histogram));
    record.insert("chords".into(), chords_record(score));
    record.insert("melodic".into(), json!(melodic(score)));
    record.insert("voice_leading".into(), json!(voice_leading(score)));
    record.insert("transposition".into(), json!(transposition_record(score)));
    Value::Object(record)
}

/// `analyze_key` (Aarden-Essen, music21's default) and every method by its class name.
fn key_analysis(histogram: &[f64; 12]) -> Value {
    let result = |method: KeyMethod| match key_from_histogram(histogram, method) {
        Ok(analysis) => json!(analysis),
        Err(err) => json!({ "error": err.to_string() }),
    };
    let by_method: Map<String, Value> = KeyMethod::ALL
        .iter()
        .map(|&method| (method.music21_class_name().to_string(), result(method)))
        .collect();
    json!({
        "default_method": "analyze('key')",
        "default_method_class": KeyMethod::AardenEssen.music21_class_name(),
        "analyze_key": result(KeyMethod::AardenEssen),
        "by_method": by_method,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::ReadLimits;

    #[test]
    fn the_record_has_info_key_analysis_and_histogram_under_oracle_names() {
        let xml = "<score-partwise><part-list><score-part id=\"P1\"/></part-list><part id=\"P1\">\
            <measure number=\"1\"><attributes><divisions>1</divisions></attributes>\
            <note><pitch><step>C</step><octave>4</octave></pitch><duration>2</duration></note>\
            <note><pitch><step>E</step><octave>4</octave></pitch><duration>1</duration></note>\
            <note><pitch><step>G</step><octave>4</octave></pitch><duration>1</duration></note>\
            </measure></part></score-partwise>";
        let score = read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap();
        let record = analysis_record(&score);
        assert_eq!(record["schema"], SCHEMA);
        assert_eq!(record["parts"]["count"], 1);
        assert_eq!(record["total_duration_fraction"], "4");
        assert_eq!(record["key_analysis"]["analyze_key"]["name"], "C major");
        for method in KeyMethod::ALL {
            assert!(
                record["key_analysis"]["by_method"][method.music21_class_name()]["name"]
                    .is_string()
            );
        }
        assert_eq!(record["pitch_class_histogram"]["weighted_ql"][0], 2.0);
    }

    #[test]
    fn a_score_without_notes_records_the_key_error_instead() {
        let xml = "<score-partwise><part-list><score-part id=\"P1\"/></part-list><part id=\"P1\">\
            <measure number=\"1\"/></part></score-partwise>";
        let score = read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap();
        let record = analysis_record(&score);
        assert!(record["key_analysis"]["analyze_key"]["error"].is_string());
    }
}
