//! The oracle-shaped analysis record printed by `music-mcp analyze --json`.
//!
//! Field names follow the music21 oracle's schema (`music21-oracle/1`): the score-info fields at
//! the top level, then `key_analysis` and `pitch_class_histogram`.

use serde_json::{Map, Value, json};

use super::histogram::pitch_class_histogram;
use super::info::score_info;
use super::key::{KeyMethod, key_from_histogram};
use super::read::Score;

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
