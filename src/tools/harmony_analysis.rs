//! `harmony_analysis`: the harmony of a stored score in its key: Roman numerals (music21's
//! `romanNumeralFromChord` in the `analyze('key')` key), tonal functions, or cadences at phrase
//! ends.
//!
//! The analysis itself is `crate::music::harmony`; this tool picks the view and shapes the
//! reply. It runs on the blocking pool, under the tool's supervised actor.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::{Services, Tool, ToolError, ToolErrorKind};
use crate::music::harmony::{
    AnalysedChord, Cadence, FunctionalChord, analyse_chords, cadences, functions,
};
use crate::music::model::Score;

/// Arguments of `harmony_analysis`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct HarmonyAnalysisArgs {
    /// The id of a stored score.
    pub score_id: String,
    /// `roman` (the default: a Roman numeral per chord), `functional` (tonic, predominant or
    /// dominant per chord) or `cadences` (authentic, half, plagal and deceptive cadences at
    /// phrase ends).
    #[serde(default)]
    pub analysis_type: Option<String>,
}

/// Which view of the harmony to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AnalysisType {
    /// A Roman numeral per chord.
    Roman,
    /// A function per chord.
    Functional,
    /// Cadences at phrase ends.
    Cadences,
}

/// One chord with its Roman numeral.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RomanChord {
    /// Quarter lengths from the start of the score, rounded to 4 places.
    pub offset: f64,
    /// The offset as an exact fraction.
    pub offset_fraction: String,
    /// The measure number.
    pub measure: Option<i32>,
    /// The figure, such as `"V65"` or `"bVI"`.
    pub figure: String,
    /// The numeral's scale degree, 1 to 7.
    pub scale_degree: u8,
    /// Sounding pitches, lowest first.
    pub pitches: Vec<String>,
}

/// What `harmony_analysis` returns; only the list of the chosen view is present.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct HarmonyAnalysisResult {
    /// The id asked for.
    pub score_id: String,
    /// The view returned.
    pub analysis_type: AnalysisType,
    /// The key of the analysis (music21's `analyze('key')`), such as `"G minor"`.
    pub key: String,
    /// Number of chords in the score.
    pub chord_count: u64,
    /// For `roman`: every chord's numeral.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub romans: Option<Vec<RomanChord>>,
    /// For `functional`: every chord's function.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub functions: Option<Vec<FunctionalChord>>,
    /// For `cadences`: the cadences found, in time order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cadences: Option<Vec<Cadence>>,
}

/// The `harmony_analysis` tool.
pub struct HarmonyAnalysisTool;

impl Tool for HarmonyAnalysisTool {
    const NAME: &'static str = "harmony_analysis";
    const RETRY_SAFE: bool = true;
    const HEAVY: bool = true;
    type Args = HarmonyAnalysisArgs;
    type Output = HarmonyAnalysisResult;

    async fn run(
        services: Arc<Services>,
        args: HarmonyAnalysisArgs,
    ) -> Result<HarmonyAnalysisResult, ToolError> {
        let analysis_type = parse_analysis_type(args.analysis_type.as_deref())?;
        blocking(move || {
            let score = services.load_score(&args.score_id)?;
            analyse(&score, args.score_id, analysis_type)
        })
        .await
    }
}

/// The chosen view of the harmony of `score`.
fn analyse(
    score: &Score,
    score_id: String,
    analysis_type: AnalysisType,
) -> Result<HarmonyAnalysisResult, ToolError> {
    let analysis = analyse_chords(score);
    let Some(key) = analysis.key else {
        return Err(ToolError::new(
            ToolErrorKind::NotAnalysable,
            format!(
                "score '{score_id}' has no pitched notes with duration, so it has no key to read \
                 Roman numerals in; import a score with notes"
            ),
        ));
    };
    let mut result = HarmonyAnalysisResult {
        score_id,
        analysis_type,
        key: key.to_string(),
        chord_count: analysis.chords.len() as u64,
        romans: None,
        functions: None,
        cadences: None,
    };
    match analysis_type {
        AnalysisType::Roman => result.romans = Some(romans(&analysis.chords)),
        AnalysisType::Functional => result.functions = Some(functions(&analysis.chords)),
        AnalysisType::Cadences => result.cadences = Some(cadences(&analysis)),
    }
    Ok(result)
}

fn romans(chords: &[AnalysedChord]) -> Vec<RomanChord> {
    chords
        .iter()
        .filter_map(|chord| {
            let roman = chord.roman.as_ref()?;
            Some(RomanChord {
                offset: chord.offset,
                offset_fraction: chord.offset_fraction.clone(),
                measure: chord.measure,
                figure: roman.figure.clone(),
                scale_degree: roman.scale_degree,
                pitches: chord.pitches.clone(),
            })
        })
        .collect()
}

fn parse_analysis_type(name: Option<&str>) -> Result<AnalysisType, ToolError> {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(AnalysisType::Roman);
    };
    match name.to_ascii_lowercase().as_str() {
        "roman" | "roman_numerals" | "romans" => Ok(AnalysisType::Roman),
        "functional" | "function" | "functions" => Ok(AnalysisType::Functional),
        "cadences" | "cadence" => Ok(AnalysisType::Cadences),
        _ => Err(ToolError::invalid(format!(
            "unknown analysis_type '{name}'; use roman (default), functional or cadences"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::ReadLimits;

    fn cadence_score() -> Score {
        let chord = |names: &[(&str, u8)], fermata: bool| -> String {
            names
                .iter()
                .enumerate()
                .map(|(i, (step, octave))| {
                    let chord = if i > 0 { "<chord/>" } else { "" };
                    let mark = if fermata && i == 0 {
                        "<notations><fermata/></notations>"
                    } else {
                        ""
                    };
                    format!(
                        "<note>{chord}<pitch><step>{step}</step><octave>{octave}</octave>\
                         </pitch><duration>2</duration>{mark}</note>"
                    )
                })
                .collect()
        };
        let tonic = [("C", 3), ("E", 4), ("G", 4), ("C", 5)];
        let dominant = [("G", 2), ("D", 4), ("G", 4), ("B", 4)];
        let xml = format!(
            "<score-partwise><part-list><score-part id=\"P1\"/></part-list><part id=\"P1\">\
             <measure number=\"1\"><attributes><divisions>1</divisions></attributes>{}{}\
             </measure><measure number=\"2\">{}{}</measure></part></score-partwise>",
            chord(&tonic, false),
            chord(&tonic, false),
            chord(&dominant, false),
            chord(&tonic, true)
        );
        read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
    }

    #[test]
    fn analysis_types_parse_with_roman_as_the_default() {
        assert_eq!(parse_analysis_type(None).unwrap(), AnalysisType::Roman);
        assert_eq!(
            parse_analysis_type(Some(" Cadences ")).unwrap(),
            AnalysisType::Cadences
        );
        let err = parse_analysis_type(Some("schenkerian")).unwrap_err();
        assert_eq!(err.kind, ToolErrorKind::InvalidInput);
        assert!(
            err.message
                .contains("use roman (default), functional or cadences")
        );
    }

    #[test]
    fn only_the_chosen_view_is_filled_in() {
        let result = analyse(&cadence_score(), "s".into(), AnalysisType::Cadences).unwrap();
        assert_eq!(result.key, "C major");
        assert!(result.romans.is_none() && result.functions.is_none());
        let cadences = result.cadences.unwrap();
        assert_eq!(cadences.len(), 1);
        assert_eq!(cadences[0].measure, Some(2));

        let result = analyse(&cadence_score(), "s".into(), AnalysisType::Roman).unwrap();
        let figures: Vec<_> = result
            .romans
            .unwrap()
            .into_iter()
            .map(|r| r.figure)
            .collect();
        assert_eq!(figures, ["I", "I", "V", "I"]);
    }
}
