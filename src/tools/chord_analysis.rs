//! `chord_analysis`: the chords of a stored score, as music21's `chordify()` slices it and
//! `commonName`, `root()`, `inversion()` and `romanNumeralFromChord` name each chord.
//!
//! The whole list of a measure range is returned (no silent cap): a client pages through a
//! long score with `start_measure` and `end_measure`. The work runs on the blocking pool, under
//! the tool's supervised actor.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::{Services, Tool, ToolError, ToolErrorKind};
use crate::music::harmony::{AnalysedChord, analyse_chords};
use crate::music::model::Score;

/// Arguments of `chord_analysis`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct ChordAnalysisArgs {
    /// The id of a stored score.
    pub score_id: String,
    /// The first measure number to include (default: the score's first measure).
    #[serde(default)]
    pub start_measure: Option<i64>,
    /// The last measure number to include (default: the score's last measure).
    #[serde(default)]
    pub end_measure: Option<i64>,
}

/// What `chord_analysis` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChordAnalysisResult {
    /// The id asked for.
    pub score_id: String,
    /// The key the Roman numerals are in (music21's `analyze('key')`), such as `"F major"`.
    pub key: Option<String>,
    /// The score's first measure number (part 0).
    pub first_measure: i64,
    /// The score's last measure number (part 0).
    pub last_measure: i64,
    /// The first measure of the range listed.
    pub start_measure: i64,
    /// The last measure of the range listed.
    pub end_measure: i64,
    /// Number of chords in the whole score.
    pub total_chords: u64,
    /// Number of rests in the whole chordified score.
    pub total_rests: u64,
    /// Number of chords listed (those in the range).
    pub count: u64,
    /// Every chord of the range, in time order.
    pub chords: Vec<AnalysedChord>,
}

/// The `chord_analysis` tool.
pub struct ChordAnalysisTool;

impl Tool for ChordAnalysisTool {
    const NAME: &'static str = "chord_analysis";
    const RETRY_SAFE: bool = true;
    const HEAVY: bool = true;
    type Args = ChordAnalysisArgs;
    type Output = ChordAnalysisResult;

    async fn run(
        services: Arc<Services>,
        args: ChordAnalysisArgs,
    ) -> Result<ChordAnalysisResult, ToolError> {
        blocking(move || {
            let score = services.load_score(&args.score_id)?;
            analyse(&score, args)
        })
        .await
    }
}

/// The chords of `score` in the requested range.
fn analyse(score: &Score, args: ChordAnalysisArgs) -> Result<ChordAnalysisResult, ToolError> {
    let (first, last) = measure_span(score).ok_or_else(|| {
        ToolError::new(
            ToolErrorKind::NotAnalysable,
            format!(
                "score '{}' has no measures, so it has no chords to list; import a score with notes",
                args.score_id
            ),
        )
    })?;
    let (start, end) = measure_range(&args, first, last)?;

    let analysis = analyse_chords(score);
    let total_chords = analysis.chords.len() as u64;
    let total_rests = analysis.rest_count() as u64;
    let chords: Vec<AnalysedChord> = analysis
        .chords
        .into_iter()
        .filter(|c| {
            c.measure
                .is_some_and(|m| (start..=end).contains(&i64::from(m)))
        })
        .collect();
    Ok(ChordAnalysisResult {
        score_id: args.score_id,
        key: analysis.key.map(|k| k.to_string()),
        first_measure: first,
        last_measure: last,
        start_measure: start,
        end_measure: end,
        total_chords,
        total_rests,
        count: chords.len() as u64,
        chords,
    })
}

/// The lowest and highest measure numbers of part 0, which numbers the chords.
fn measure_span(score: &Score) -> Option<(i64, i64)> {
    let numbers = score
        .parts
        .first()?
        .measures
        .iter()
        .map(|m| i64::from(m.number));
    let (low, high) = numbers.fold((i64::MAX, i64::MIN), |(lo, hi), n| (lo.min(n), hi.max(n)));
    (low <= high).then_some((low, high))
}

/// The range asked for, checked against the score's measures `first..=last`.
pub fn measure_range(
    args: &ChordAnalysisArgs,
    first: i64,
    last: i64,
) -> Result<(i64, i64), ToolError> {
    let start = args.start_measure.unwrap_or(first);
    let end = args.end_measure.unwrap_or(last);
    if let Some(negative) = [start, end].into_iter().find(|&n| n < 0) {
        return Err(ToolError::invalid(format!(
            "measure {negative} does not exist: measure numbers start at 0 (a pickup) or 1; \
             this score has measures {first}-{last}"
        )));
    }
    if start > end {
        return Err(ToolError::invalid(format!(
            "start_measure {start} is after end_measure {end}; give a start at or before the end \
             (this score has measures {first}-{last})"
        )));
    }
    if end < first || start > last {
        return Err(ToolError::invalid(format!(
            "no measures {start}-{end}; this score has measures {first}-{last}"
        )));
    }
    Ok((start.max(first), end.min(last)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::ReadLimits;

    #[test]
    fn a_negative_measure_number_is_refused_not_clipped() {
        let err = measure_range(&args(Some(-3), Some(4)), 0, 12).unwrap_err();
        assert!(
            err.message.contains("measure -3 does not exist"),
            "{}",
            err.message
        );
        assert_eq!(
            measure_range(&args(Some(0), Some(40)), 0, 12).unwrap(),
            (0, 12)
        );
    }

    fn args(start: Option<i64>, end: Option<i64>) -> ChordAnalysisArgs {
        ChordAnalysisArgs {
            score_id: "s".into(),
            start_measure: start,
            end_measure: end,
        }
    }

    fn two_measures() -> Score {
        let note = |step: &str| {
            format!(
                "<note><pitch><step>{step}</step><octave>4</octave></pitch><duration>4</duration></note>"
            )
        };
        let xml = format!(
            "<score-partwise><part-list><score-part id=\"P1\"/></part-list><part id=\"P1\">\
             <measure number=\"1\"><attributes><divisions>1</divisions></attributes>{}</measure>\
             <measure number=\"2\">{}</measure></part></score-partwise>",
            note("C"),
            note("G")
        );
        read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
    }

    #[test]
    fn a_range_outside_the_score_names_the_valid_range() {
        let err = measure_range(&args(Some(40), Some(48)), 0, 21).unwrap_err();
        assert_eq!(err.kind, ToolErrorKind::InvalidInput);
        assert_eq!(
            err.message,
            "no measures 40-48; this score has measures 0-21"
        );
    }

    #[test]
    fn a_reversed_range_is_refused() {
        let err = measure_range(&args(Some(9), Some(3)), 1, 20).unwrap_err();
        assert!(
            err.message
                .starts_with("start_measure 9 is after end_measure 3")
        );
    }

    #[test]
    fn a_partly_overlapping_range_is_clipped_to_the_score() {
        assert_eq!(
            measure_range(&args(Some(18), Some(30)), 0, 21).unwrap(),
            (18, 21)
        );
        assert_eq!(measure_range(&args(None, None), 1, 8).unwrap(), (1, 8));
    }

    #[test]
    fn only_the_chords_of_the_range_are_listed() {
        let result = analyse(&two_measures(), args(Some(2), Some(2))).unwrap();
        assert_eq!(result.total_chords, 2);
        assert_eq!(result.count, 1);
        assert_eq!(result.chords[0].pitches, ["G4"]);
        assert_eq!(result.chords[0].measure, Some(2));
        assert_eq!((result.first_measure, result.last_measure), (1, 2));
    }
}
