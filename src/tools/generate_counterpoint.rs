//! `generate_counterpoint`: write a species counterpoint (first to fifth species, after Fux)
//! above or below a cantus firmus and store the two-part result as a new score.
//!
//! The cantus firmus is the score's first part (or its only part), one note per measure. The
//! search is `crate::music::generate::counterpoint::search`; the reply lists every rule of the
//! checker and, when no line breaking no rule was found, the best line's violations.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::check_counterpoint::{RuleStatus, parse_mode, rule_statuses};
use super::error::validate_score_id;
use super::generated::{Generation, PartUsed, melody_first, new_score_id, store_generated};
use super::{Services, Tool, ToolError, ToolErrorKind};
use crate::music::generate::counterpoint::rules::Violation;
use crate::music::generate::counterpoint::search::{
    DEFAULT_NODE_BUDGET, SearchEnd, SearchRequest, generate,
};
use crate::music::generate::counterpoint::{
    Position, Species, cantus_from_part, exercise_score, scale_of,
};
use crate::store::ScoreMeta;

/// Arguments of `generate_counterpoint`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct GenerateCounterpointArgs {
    /// The stored score holding the cantus firmus (one note per measure).
    pub score_id: String,
    /// The cantus firmus's part index, from 0 (default: the first part named soprano, else
    /// part 0).
    #[serde(default)]
    pub part: Option<usize>,
    /// The species, 1 to 5 (default 1).
    #[serde(default)]
    pub species: Option<u8>,
    /// `above` (default) or `below` the cantus firmus.
    #[serde(default)]
    pub voice_position: Option<Position>,
    /// The mode on the cantus's final (`dorian`, `phrygian`, `lydian`, `mixolydian`, `aeolian`,
    /// `ionian`, `locrian`, `major`, `minor`); default: the mode the key signature and final
    /// imply.
    #[serde(default)]
    pub mode: Option<String>,
    /// The random seed; the same seed gives the same line (default: chosen and returned).
    #[serde(default)]
    pub seed: Option<u64>,
    /// The id to store the result under (default `<score_id>_species<N>_<position>`).
    #[serde(default)]
    pub new_score_id: Option<String>,
}

/// What `generate_counterpoint` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GenerateCounterpointResult {
    /// The new score's summary (counterpoint and cantus, the upper voice first).
    #[serde(flatten)]
    pub score: ScoreMeta,
    /// The score the cantus came from.
    pub source_score_id: String,
    /// The part read as the cantus firmus.
    pub part: PartUsed,
    /// The species, 1 to 5.
    pub species: u8,
    /// Above or below.
    pub voice_position: Position,
    /// The mode, such as `D dorian`.
    pub mode: String,
    /// The seed used.
    pub seed: u64,
    /// True when the line breaks no rule.
    pub solved: bool,
    /// How the search ended: `solved`, `no_line_exists` (every line the rules allow was tried,
    /// so the returned line, with its violations, is a best effort and no perfect one exists),
    /// or `budget_spent` (it stopped early; another seed may find a perfect line).
    pub search: SearchEnd,
    /// The line's pitches (`r` for a rest, `~` before a tied continuation).
    pub line: Vec<String>,
    /// Every rule, passed or not.
    pub rules: Vec<RuleStatus>,
    /// The rules broken, by measure (empty when solved).
    pub violations: Vec<Violation>,
    /// Notes the search tried.
    pub nodes_searched: u32,
    /// Set when the cantus was not in whole-note measures of 4/4: species counterpoint is
    /// written against whole notes, so the stored score renotates the cantus in 4/4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renotated: Option<String>,
    /// An earlier attempt of this same call had already stored the score.
    pub deduplicated_retry: bool,
}

/// The `generate_counterpoint` tool.
pub struct GenerateCounterpoint;

impl Tool for GenerateCounterpoint {
    const NAME: &'static str = "generate_counterpoint";
    const RETRY_SAFE: bool = true;
    const HEAVY: bool = true;
    type Args = Generation<GenerateCounterpointArgs>;
    type Output = GenerateCounterpointResult;

    async fn run(
        services: Arc<Services>,
        request: Generation<GenerateCounterpointArgs>,
    ) -> Result<GenerateCounterpointResult, ToolError> {
        let args = &request.args;
        validate_score_id(&args.score_id)?;
        let number = args.species.unwrap_or(1);
        let species = Species::from_number(number).ok_or_else(|| {
            ToolError::invalid(format!("species is {number}; use 1, 2, 3, 4 or 5"))
        })?;
        let position = args.voice_position.unwrap_or(Position::Above);
        let mode = args.mode.as_deref().map(parse_mode).transpose()?;
        let suffix = format!("species{number}_{}", position_name(position));
        let new_id = new_score_id(
            &args.score_id,
            args.new_score_id.as_deref(),
            &args.score_id,
            &suffix,
        )?;
        blocking(move || {
            let args = &request.args;
            let score = services.load_score(&args.score_id)?;
            let not_usable = |err: &dyn std::fmt::Display| ToolError::new(ToolErrorKind::NotAnalysable, err.to_string());
            let (score, used) = melody_first(&score, &args.score_id, args.part)?;
            let part = &score.parts[0];
            let cantus = cantus_from_part(part).map_err(|e| not_usable(&e))?;
            let renotated = renotation(part);
            let seed = args.seed.unwrap_or(request.fallback_seed);
            let search = SearchRequest {
                scale: scale_of(part, &cantus, mode),
                cantus,
                species,
                position,
                seed,
                node_budget: DEFAULT_NODE_BUDGET,
            };
            let generated = generate(&search);
            let exercise = &generated.exercise;
            let title = format!("Species {number} counterpoint {} {}", position_name(position), args.score_id);
            let line = exercise
                .counterpoint
                .iter()
                .map(|n| match (n.pitch, n.tied) {
                    (None, _) => "r".to_string(),
                    (Some(p), true) => format!("~{}", p.name_with_octave()),
                    (Some(p), false) => p.name_with_octave(),
                })
                .collect();
            let source = format!("species {number} counterpoint {} {} (seed {seed})", position_name(position), args.score_id);
            let (meta, deduplicated_retry) = store_generated(
                &services,
                exercise_score(exercise, &title),
                &new_id,
                source,
                &request.idempotency_key,
            )?;
            tracing::info!(score_id = %meta.score_id, species = number, solved = generated.solved, nodes = generated.nodes, "counterpoint generated");
            Ok(GenerateCounterpointResult {
                score: meta,
                source_score_id: args.score_id.clone(),
                part: used,
                species: number,
                voice_position: position,
                mode: exercise.scale.to_string(),
                seed,
                solved: generated.solved,
                search: generated.end,
                line,
                rules: rule_statuses(&generated.violations),
                violations: generated.violations.clone(),
                nodes_searched: generated.nodes as u32,
                renotated,
                deduplicated_retry,
            })
        })
        .await
    }
}

/// What changes when the cantus is written again in whole notes of 4/4, if anything.
fn renotation(part: &crate::music::model::Part) -> Option<String> {
    let time = part
        .measures
        .iter()
        .find_map(|m| m.time_signatures.first())
        .map(|t| t.value.ratio());
    let whole_notes = part
        .measures
        .iter()
        .all(|m| m.duration == crate::music::model::Ql::from_int(4));
    match time {
        Some(ratio) if ratio != "4/4" || !whole_notes => Some(format!(
            "the cantus firmus is in {ratio}; species counterpoint is written against whole \
             notes, so the stored score has it in whole notes of 4/4"
        )),
        None if !whole_notes => Some(
            "the cantus firmus's measures are not whole notes; the stored score has it in \
             whole notes of 4/4"
                .to_string(),
        ),
        _ => None,
    }
}

fn position_name(position: Position) -> &'static str {
    match position {
        Position::Above => "above",
        Position::Below => "below",
    }
}
