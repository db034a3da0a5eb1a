//! `pattern_recognition`: recurring melodic, rhythmic and harmonic patterns of a stored score.
//!
//! Melodic: repeated interval patterns (exact or transposed), motifs recurring inverted, in
//! retrograde or retrograde inversion, tonal repetitions, and real and tonal sequences. Rhythmic:
//! repeated runs of durations. Harmonic: repeated chord-root progressions. Every occurrence
//! carries music21 measure numbers; lengths, counts and caps are arguments (see
//! `crate::music::patterns`).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::{Services, Tool, ToolError};
use crate::music::model::Score;
use crate::music::patterns::{PatternOptions, PatternReport, PatternType, find_patterns};

/// Which families to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PatternChoice {
    /// Interval patterns, motifs and sequences.
    Melodic,
    /// Runs of durations.
    Rhythmic,
    /// Chord-root progressions.
    Harmonic,
    /// Melodic and rhythmic (the default).
    #[default]
    Both,
    /// Melodic, rhythmic and harmonic.
    All,
}

/// Arguments of `pattern_recognition`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct PatternRecognitionArgs {
    /// The id of a stored score.
    pub score_id: String,
    /// `melodic`, `rhythmic`, `harmonic`, `both` (melodic and rhythmic, the default) or `all`.
    #[serde(default)]
    pub pattern_type: PatternChoice,
    /// Shortest pattern in notes, events or chords (default 4; 3 for harmonic; at least 2).
    #[serde(default)]
    pub min_length: Option<u32>,
    /// Longest pattern (default 12; 8 for harmonic; at most 64).
    #[serde(default)]
    pub max_length: Option<u32>,
    /// Fewest occurrences for a pattern to count (default 2).
    #[serde(default)]
    pub min_occurrences: Option<u32>,
    /// Most patterns returned per family, best first (default 25).
    #[serde(default)]
    pub max_patterns: Option<u32>,
    /// Most occurrences listed per pattern (default 50); all are counted.
    #[serde(default)]
    pub max_occurrences: Option<u32>,
    /// Fewest consecutive statements for a melodic sequence (default 3).
    #[serde(default)]
    pub min_sequence_units: Option<u32>,
    /// Also match motifs inverted, in retrograde and retrograde inversion (default true).
    #[serde(default)]
    pub transformations: Option<bool>,
    /// The parts to search for melodic and rhythmic patterns (default: every part).
    #[serde(default)]
    pub parts: Option<Vec<u32>>,
}

/// What `pattern_recognition` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PatternRecognitionResult {
    /// The id asked for.
    pub score_id: String,
    /// One report per family searched, in the order melodic, rhythmic, harmonic.
    pub results: Vec<PatternReport>,
}

/// The `pattern_recognition` tool.
pub struct PatternRecognitionTool;

impl Tool for PatternRecognitionTool {
    const NAME: &'static str = "pattern_recognition";
    const RETRY_SAFE: bool = true;
    const HEAVY: bool = true;
    type Args = PatternRecognitionArgs;
    type Output = PatternRecognitionResult;

    async fn run(
        services: Arc<Services>,
        args: PatternRecognitionArgs,
    ) -> Result<PatternRecognitionResult, ToolError> {
        blocking(move || {
            let score = services.load_score(&args.score_id)?;
            recognise(&score, &args)
        })
        .await
    }
}

/// Runs every family asked for.
fn recognise(
    score: &Score,
    args: &PatternRecognitionArgs,
) -> Result<PatternRecognitionResult, ToolError> {
    let results = families(args.pattern_type)
        .iter()
        .map(|&family| {
            let options = options(family, args);
            find_patterns(score, &options).map_err(|err| ToolError::invalid(err.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PatternRecognitionResult {
        score_id: args.score_id.clone(),
        results,
    })
}

fn families(choice: PatternChoice) -> &'static [PatternType] {
    match choice {
        PatternChoice::Melodic => &[PatternType::Melodic],
        PatternChoice::Rhythmic => &[PatternType::Rhythmic],
        PatternChoice::Harmonic => &[PatternType::Harmonic],
        PatternChoice::Both => &[PatternType::Melodic, PatternType::Rhythmic],
        PatternChoice::All => &[
            PatternType::Melodic,
            PatternType::Rhythmic,
            PatternType::Harmonic,
        ],
    }
}

/// The family's defaults, overridden by whatever the caller gave.
fn options(family: PatternType, args: &PatternRecognitionArgs) -> PatternOptions {
    let defaults = PatternOptions::new(family);
    let pick = |given: Option<u32>, default: usize| given.map_or(default, |v| v as usize);
    PatternOptions {
        pattern_type: family,
        min_length: pick(args.min_length, defaults.min_length),
        max_length: pick(args.max_length, defaults.max_length),
        min_occurrences: pick(args.min_occurrences, defaults.min_occurrences),
        max_patterns: pick(args.max_patterns, defaults.max_patterns),
        max_occurrences: pick(args.max_occurrences, defaults.max_occurrences),
        min_sequence_units: pick(args.min_sequence_units, defaults.min_sequence_units),
        transformations: args.transformations.unwrap_or(defaults.transformations),
        parts: args
            .parts
            .as_ref()
            .map(|parts| parts.iter().map(|&p| p as usize).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::ReadLimits;

    fn score() -> Score {
        let notes: String = ["C", "D", "E", "C", "G", "A", "B", "G"]
            .iter()
            .map(|step| {
                format!(
                    "<note><pitch><step>{step}</step><octave>4</octave></pitch>\
                     <duration>1</duration></note>"
                )
            })
            .collect();
        let xml = format!(
            "<score-partwise><part-list><score-part id=\"P1\"/></part-list><part id=\"P1\">\
             <measure number=\"1\"><attributes><divisions>1</divisions></attributes>{notes}\
             </measure></part></score-partwise>"
        );
        read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
    }

    #[test]
    fn both_searches_melodic_then_rhythmic_and_all_adds_harmonic() {
        let args = PatternRecognitionArgs {
            score_id: "s".into(),
            ..PatternRecognitionArgs::default()
        };
        let both = recognise(&score(), &args).unwrap();
        let types: Vec<PatternType> = both.results.iter().map(|r| r.pattern_type).collect();
        assert_eq!(types, [PatternType::Melodic, PatternType::Rhythmic]);
        assert_eq!(both.results[0].patterns[0].semitones, [2, 2, -4]);
        let all = PatternRecognitionArgs {
            pattern_type: PatternChoice::All,
            ..args
        };
        assert_eq!(recognise(&score(), &all).unwrap().results.len(), 3);
    }

    #[test]
    fn arguments_out_of_range_are_invalid_input_with_the_range() {
        let args = PatternRecognitionArgs {
            score_id: "s".into(),
            max_length: Some(100),
            ..PatternRecognitionArgs::default()
        };
        let err = recognise(&score(), &args).unwrap_err();
        assert_eq!(err.kind, super::super::ToolErrorKind::InvalidInput);
        assert!(
            err.message
                .contains("max_length is 100; use a value from 2 to 64")
        );
    }

    #[test]
    fn the_pattern_type_reads_lowercase_names_and_defaults_to_both() {
        let parsed: PatternRecognitionArgs = serde_json::from_value(
            serde_json::json!({"score_id": "s", "pattern_type": "harmonic"}),
        )
        .unwrap();
        assert_eq!(parsed.pattern_type, PatternChoice::Harmonic);
        let default: PatternRecognitionArgs =
            serde_json::from_value(serde_json::json!({"score_id": "s"})).unwrap();
        assert_eq!(default.pattern_type, PatternChoice::Both);
    }
}
