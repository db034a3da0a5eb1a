//! `voice_leading_analysis`: parallel and hidden fifths and octaves and voice crossings between
//! every pair of parts, as music21's `VoiceLeadingQuartet` tests find them, plus voice overlap,
//! spacing and SATB range checks reported apart.
//!
//! The counts are exactly the oracle's `voice_leading` (see `crate::music::voice_leading`);
//! findings and extra checks are listed up to `max_findings` each, with their totals always
//! given. A score of more than 6 parts can be analysed by choosing 2 to 6 of its parts.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::{Services, Tool, ToolError, ToolErrorKind};
use crate::music::model::Score;
use crate::music::voice_leading::extra::{ExtraFinding, voice_leading_extras};
use crate::music::voice_leading::{
    Finding, KindCounts, MAX_PARTS, MIN_PARTS, PairReport, QuartetError, VoiceLeading,
    voice_leading,
};

/// Findings listed per list when `max_findings` is not given.
const DEFAULT_MAX_FINDINGS: u32 = 200;
/// The most findings a caller may ask to list per list.
const MAX_FINDINGS_LIMIT: u32 = 100_000;

/// Arguments of `voice_leading_analysis`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct VoiceLeadingAnalysisArgs {
    /// The id of a stored score.
    pub score_id: String,
    /// The parts to compare, top first, by index (default: every part; 2 to 6 parts).
    #[serde(default)]
    pub parts: Option<Vec<u32>>,
    /// The most findings listed in each list (default 200); totals always count all.
    #[serde(default)]
    pub max_findings: Option<u32>,
}

/// What `voice_leading_analysis` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VoiceLeadingAnalysisResult {
    /// The id asked for.
    pub score_id: String,
    /// The parts compared, as indexes into the score.
    pub parts: Vec<u32>,
    /// Counts per pair of parts `[upper, lower]`.
    pub pairs: Vec<PairReport>,
    /// Counts over all pairs.
    pub totals: KindCounts,
    /// Number of findings in all.
    pub findings_total: u32,
    /// Findings grouped by pair, in time order, with measure, offset and the four pitches.
    pub findings: Vec<Finding>,
    /// Quartets whose intervals music21 could not name (absurd spellings; normally empty).
    pub errors: Vec<QuartetError>,
    /// Checks beyond music21, never mixed into the counts above.
    pub beyond_music21: ExtraChecks,
    /// True when some list was cut to `max_findings`.
    pub truncated: bool,
}

/// Voice overlap, spacing and range findings, with their totals.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ExtraChecks {
    /// Adjacent parts where a voice moves past the note the other voice just sang.
    pub voice_overlap_count: u32,
    /// Moments where adjacent upper voices are more than an octave apart.
    pub spacing_count: u32,
    /// Notes outside the SATB ranges (four-part scores only).
    pub range_count: u32,
    /// The voice overlaps.
    pub voice_overlaps: Vec<ExtraFinding>,
    /// The spacing findings.
    pub spacing: Vec<ExtraFinding>,
    /// The notes out of range.
    pub ranges: Vec<ExtraFinding>,
}

/// The `voice_leading_analysis` tool.
pub struct VoiceLeadingAnalysisTool;

impl Tool for VoiceLeadingAnalysisTool {
    const NAME: &'static str = "voice_leading_analysis";
    const RETRY_SAFE: bool = true;
    const HEAVY: bool = true;
    type Args = VoiceLeadingAnalysisArgs;
    type Output = VoiceLeadingAnalysisResult;

    async fn run(
        services: Arc<Services>,
        args: VoiceLeadingAnalysisArgs,
    ) -> Result<VoiceLeadingAnalysisResult, ToolError> {
        let limit = args.max_findings.unwrap_or(DEFAULT_MAX_FINDINGS);
        if !(1..=MAX_FINDINGS_LIMIT).contains(&limit) {
            return Err(ToolError::invalid(format!(
                "max_findings is {limit}; use 1 to {MAX_FINDINGS_LIMIT}"
            )));
        }
        blocking(move || {
            let score = services.load_score(&args.score_id)?;
            analyse(&score, &args, limit as usize)
        })
        .await
    }
}

/// Runs the analysis on the chosen parts and maps part numbers back to the score's.
fn analyse(
    score: &Score,
    args: &VoiceLeadingAnalysisArgs,
    limit: usize,
) -> Result<VoiceLeadingAnalysisResult, ToolError> {
    let chosen = choose_parts(score, args)?;
    let selection = Score {
        metadata: score.metadata.clone(),
        parts: chosen
            .iter()
            .map(|&i| score.parts[i as usize].clone())
            .collect(),
        spelling_inferred: score.spelling_inferred,
    };
    let report = match voice_leading(&selection) {
        VoiceLeading::Report(report) => report,
        VoiceLeading::Skipped { skipped } => {
            return Err(ToolError::new(ToolErrorKind::NotAnalysable, skipped));
        }
    };
    let extras = voice_leading_extras(&selection);
    let original = |index: u32| chosen[index as usize];

    let mut pairs = report.pairs;
    for pair in &mut pairs {
        pair.parts = pair.parts.map(original);
    }
    let findings_total = report.findings.len() as u32;
    let mut findings = report.findings;
    for finding in &mut findings {
        finding.parts = finding.parts.map(original);
    }
    let mut extra_lists = [extras.voice_overlaps, extras.spacing, extras.ranges];
    for finding in extra_lists.iter_mut().flatten() {
        finding.parts = finding.parts.iter().map(|&p| original(p)).collect();
    }
    let [overlaps, spacing, ranges] = extra_lists;
    let truncated = [findings.len(), overlaps.len(), spacing.len(), ranges.len()]
        .iter()
        .any(|&len| len > limit);
    Ok(VoiceLeadingAnalysisResult {
        score_id: args.score_id.clone(),
        parts: chosen,
        pairs,
        totals: report.totals,
        findings_total,
        findings: capped(findings, limit),
        errors: report.errors,
        beyond_music21: ExtraChecks {
            voice_overlap_count: overlaps.len() as u32,
            spacing_count: spacing.len() as u32,
            range_count: ranges.len() as u32,
            voice_overlaps: capped(overlaps, limit),
            spacing: capped(spacing, limit),
            ranges: capped(ranges, limit),
        },
        truncated,
    })
}

/// The parts to compare: the ones asked for, or every part, 2 to 6 of them.
fn choose_parts(score: &Score, args: &VoiceLeadingAnalysisArgs) -> Result<Vec<u32>, ToolError> {
    let count = score.parts.len();
    let chosen: Vec<u32> = match &args.parts {
        Some(parts) => parts.clone(),
        None => (0..count as u32).collect(),
    };
    if let Some(&bad) = chosen.iter().find(|&&p| p as usize >= count) {
        return Err(ToolError::invalid(format!(
            "part {bad} does not exist; score '{}' has parts 0 to {}",
            args.score_id,
            count.saturating_sub(1)
        )));
    }
    let mut distinct = chosen.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() != chosen.len() {
        return Err(ToolError::invalid(
            "parts lists a part twice; name each part once",
        ));
    }
    if !(MIN_PARTS..=MAX_PARTS).contains(&chosen.len()) {
        let kind = if args.parts.is_some() {
            ToolErrorKind::InvalidInput
        } else {
            ToolErrorKind::NotAnalysable
        };
        return Err(ToolError::new(
            kind,
            format!(
                "score '{}' gives {} to compare; voice leading compares {MIN_PARTS} to \
                 {MAX_PARTS} parts, so pass parts with {MIN_PARTS} to {MAX_PARTS} part indexes",
                args.score_id,
                if chosen.len() == 1 {
                    "only 1 part".to_string()
                } else {
                    format!("{} parts", chosen.len())
                }
            ),
        ));
    }
    Ok(chosen)
}

fn capped<T>(mut list: Vec<T>, limit: usize) -> Vec<T> {
    list.truncate(limit);
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::ReadLimits;

    /// Three parts: a parallel fifth between parts 0 and 2, nothing else.
    fn score() -> Score {
        let part = |id: &str, first: &str, second: &str| {
            format!(
                "<part id=\"{id}\"><measure number=\"1\"><attributes><divisions>1</divisions>\
                 </attributes>\
                 <note><pitch><step>{first}</step><octave>4</octave></pitch><duration>2</duration></note>\
                 <note><pitch><step>{second}</step><octave>4</octave></pitch><duration>2</duration></note>\
                 </measure></part>"
            )
        };
        let xml = format!(
            "<score-partwise><part-list><score-part id=\"A\"/><score-part id=\"B\"/>\
             <score-part id=\"C\"/></part-list>{}{}{}</score-partwise>",
            part("A", "G", "A"),
            part("B", "E", "E"),
            part("C", "C", "D")
        );
        read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
    }

    fn args(parts: Option<Vec<u32>>, max_findings: Option<u32>) -> VoiceLeadingAnalysisArgs {
        VoiceLeadingAnalysisArgs {
            score_id: "s".into(),
            parts,
            max_findings,
        }
    }

    #[test]
    fn chosen_parts_keep_their_score_numbers_in_findings() {
        let result = analyse(&score(), &args(Some(vec![0, 2]), None), 10).unwrap();
        assert_eq!(result.parts, [0, 2]);
        assert_eq!(result.pairs[0].parts, [0, 2]);
        assert_eq!(result.findings[0].parts, [0, 2]);
        assert_eq!(result.totals.parallel_fifth, 1);
    }

    #[test]
    fn lists_are_capped_but_totals_count_everything() {
        let result = analyse(&score(), &args(None, None), 0).unwrap();
        assert!(result.findings.is_empty());
        assert_eq!(
            result.findings_total,
            result.totals.parallel_fifth + result.totals.hidden_fifth
        );
        assert!(result.truncated);
    }

    #[test]
    fn unknown_repeated_or_too_few_parts_are_refused_with_a_hint() {
        let missing = analyse(&score(), &args(Some(vec![0, 5]), None), 10).unwrap_err();
        assert!(missing.message.contains("parts 0 to 2"));
        let twice = analyse(&score(), &args(Some(vec![1, 1]), None), 10).unwrap_err();
        assert_eq!(twice.kind, ToolErrorKind::InvalidInput);
        let one = analyse(&score(), &args(Some(vec![1]), None), 10).unwrap_err();
        assert!(one.message.contains("2 to 6"));
    }
}
