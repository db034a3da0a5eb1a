//! One passing and one failing example for every rule of the checker, and the search on Fux's
//! own cantus firmi.

use std::collections::BTreeSet;

use super::*;
use crate::music::generate::counterpoint::search::{DEFAULT_NODE_BUDGET, SearchRequest, generate};
use crate::music::generate::counterpoint::{CpNote, Exercise, Position, Species};
use crate::music::generate::scale::Scale;
use crate::music::model::{Pitch, Ql};

fn pitches(text: &str) -> Vec<Pitch> {
    text.split_whitespace()
        .map(|p| Pitch::parse(p).unwrap())
        .collect()
}

/// An exercise from text: the line's measures are separated by `|`; a note is `C5` (its
/// duration the species' default), `C5/1` (one quarter), `_C5` (tied from the note before) or
/// `r` (a rest); the default durations are 4, 2, 1, 2 and 2 quarters for species 1 to 5.
fn exercise(species: u8, position: Position, cantus: &str, line: &str) -> Exercise {
    let species = Species::from_number(species).unwrap();
    let cantus = pitches(cantus);
    let default = match species {
        Species::First => Ql::from_int(4),
        Species::Third => Ql::ONE,
        _ => Ql::from_int(2),
    };
    let mut counterpoint = Vec::new();
    let measures: Vec<&str> = line.split('|').collect();
    for (index, measure) in measures.iter().enumerate() {
        let mut start = Ql::from_int(4 * index as i64);
        let tokens: Vec<&str> = measure.split_whitespace().collect();
        for token in &tokens {
            let (body, duration) = match token.split_once('/') {
                Some((body, d)) => (body, d.parse::<Ql>().unwrap()),
                None if index + 1 == measures.len() && tokens.len() == 1 => {
                    (*token, Ql::from_int(4))
                }
                None => (*token, default),
            };
            let tied = body.starts_with('_');
            let body = body.trim_start_matches('_');
            let pitch = (body != "r").then(|| Pitch::parse(body).unwrap());
            counterpoint.push(CpNote {
                pitch,
                start,
                duration,
                tied,
            });
            start += duration;
        }
    }
    let scale = Scale::from_signature_and_final(0, cantus.last().unwrap());
    Exercise {
        cantus,
        counterpoint,
        species,
        position,
        scale,
        bar: Ql::from_int(4),
    }
}

fn broken(exercise: &Exercise) -> BTreeSet<Rule> {
    check(exercise).into_iter().map(|v| v.rule).collect()
}

/// Fux's first dorian cantus firmus.
const DORIAN: &str = "D4 F4 E4 D4 G4 F4 A4 G4 F4 E4 D4";

#[test]
fn the_search_writes_a_line_breaking_no_rule_in_every_species_and_position() {
    let mut failures = Vec::new();
    for species in 1..=5 {
        for position in [Position::Above, Position::Below] {
            let cantus = pitches(DORIAN);
            let request = SearchRequest {
                scale: Scale::from_signature_and_final(0, cantus.last().unwrap()),
                cantus,
                species: Species::from_number(species).unwrap(),
                position,
                seed: 7,
                node_budget: DEFAULT_NODE_BUDGET,
            };
            let generated = generate(&request);
            if !generated.solved || !check(&generated.exercise).is_empty() {
                failures.push(format!(
                    "species {species} {position:?}: {:?}",
                    generated.violations
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
