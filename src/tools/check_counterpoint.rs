//! `check_counterpoint`: check a stored two-part score against every rule of species
//! counterpoint, measure by measure.
//!
//! One part is the cantus firmus (one note per measure, struck on the downbeat; when both
//! parts qualify, the one named as the cantus firmus, else the lower,
//! unless `cantus_part` says otherwise), the other the counterpoint; the species is given or
//! guessed from the rhythm. The rules are `crate::music::generate::counterpoint::rules`.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::{Services, Tool, ToolError, ToolErrorKind};
use crate::music::generate::counterpoint::rules::{Rule, Violation, check};
use crate::music::generate::counterpoint::{Position, Species, exercise_from_score};
use crate::music::model::Mode;

/// Arguments of `check_counterpoint`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct CheckCounterpointArgs {
    /// A stored score of two parts: a cantus firmus and a counterpoint.
    pub score_id: String,
    /// The species, 1 to 5 (default: guessed from the counterpoint's rhythm).
    #[serde(default)]
    pub species: Option<u8>,
    /// Which part (0 or 1) is the cantus firmus (default: the one with one note per measure,
    /// the one named as the cantus firmus, else the lower, when both have).
    #[serde(default)]
    pub cantus_part: Option<u8>,
}

/// One rule and how it fared.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RuleStatus {
    /// The rule.
    pub rule: Rule,
    /// True when nothing breaks it.
    pub passed: bool,
    /// How many times it is broken.
    pub violations: u32,
    /// The measures where it is broken.
    pub measures: Vec<usize>,
}

/// What `check_counterpoint` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CheckCounterpointResult {
    /// The id asked for.
    pub score_id: String,
    /// The species checked, 1 to 5.
    pub species: u8,
    /// Where the counterpoint lies against the cantus.
    pub voice_position: Position,
    /// The mode, from the cantus's key signature and final.
    pub mode: String,
    /// True when every rule passes.
    pub passed: bool,
    /// Every rule, in order.
    pub rules: Vec<RuleStatus>,
    /// Every violation, by measure.
    pub violations: Vec<Violation>,
}

/// The `check_counterpoint` tool.
pub struct CheckCounterpoint;

impl Tool for CheckCounterpoint {
    const NAME: &'static str = "check_counterpoint";
    const RETRY_SAFE: bool = true;
    type Args = CheckCounterpointArgs;
    type Output = CheckCounterpointResult;

    async fn run(
        services: Arc<Services>,
        args: CheckCounterpointArgs,
    ) -> Result<CheckCounterpointResult, ToolError> {
        let species = match args.species {
            None => None,
            Some(number) => Some(Species::from_number(number).ok_or_else(|| {
                ToolError::invalid(format!("species is {number}; use 1, 2, 3, 4 or 5"))
            })?),
        };
        if args.cantus_part.is_some_and(|p| p > 1) {
            return Err(ToolError::invalid(
                "cantus_part is 0 or 1 (the score has two parts)",
            ));
        }
        blocking(move || {
            let score = services.load_score(&args.score_id)?;
            let exercise = exercise_from_score(&score, species, args.cantus_part.map(usize::from))
                .map_err(|err| ToolError::new(ToolErrorKind::NotAnalysable, err.to_string()))?;
            let violations = check(&exercise);
            Ok(CheckCounterpointResult {
                score_id: args.score_id.clone(),
                species: exercise.species.number(),
                voice_position: exercise.position,
                mode: exercise.scale.to_string(),
                passed: violations.is_empty(),
                rules: rule_statuses(&violations),
                violations,
            })
        })
        .await
    }
}

/// Every rule with its violations counted.
pub fn rule_statuses(violations: &[Violation]) -> Vec<RuleStatus> {
    Rule::ALL
        .iter()
        .map(|&rule| {
            let mine: Vec<&Violation> = violations.iter().filter(|v| v.rule == rule).collect();
            let mut measures: Vec<usize> = mine.iter().map(|v| v.measure).collect();
            measures.dedup();
            RuleStatus {
                rule,
                passed: mine.is_empty(),
                violations: mine.len() as u32,
                measures,
            }
        })
        .collect()
}

/// A mode name as the tools accept it.
pub fn parse_mode(text: &str) -> Result<Mode, ToolError> {
    Mode::parse(text).ok_or_else(|| {
        ToolError::invalid(format!(
            "mode '{text}' is not known; use dorian, phrygian, lydian, mixolydian, aeolian, \
             ionian, locrian, major or minor"
        ))
    })
}
