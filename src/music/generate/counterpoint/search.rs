//! Writing a counterpoint line: a depth-first search over pitches (and, in the fourth and fifth
//! species, over each measure's rhythm), pruned by the checker's own local rules.
//!
//! Candidates are tried in an order that prefers steps, imperfect consonances and contrary
//! motion, with a seeded random jitter so that different seeds give different lines. Every
//! pitch the rules could accept is a candidate, so the search is exhaustive: a state at a
//! barline from which no line can be finished (its last notes, the range so far, the climax,
//! the broken ligatures) is remembered as dead and never searched again, which is what lets a
//! search prove that no line breaking no rule exists. When the search finds a line it returns
//! it as solved; when it proves there is none, or runs out of its node budget, greedy passes
//! that take the least-violating note at each step give the best line found, returned with its
//! violations.

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use schemars::JsonSchema;
use serde::Serialize;

use super::rules::{self, MAX_BROKEN_LIGATURES, MAX_SPACING, Violation};
use super::{CpNote, Exercise, Position, Species};
use crate::music::generate::scale::Scale;
use crate::music::model::{Pitch, Ql};

/// The default number of notes tried before giving up on a perfect line.
pub const DEFAULT_NODE_BUDGET: usize = 300_000;

/// How many fresh starts the search makes, sharing the node budget.
const RESTARTS: u64 = 6;

/// How many greedy passes the fallback makes.
const GREEDY_PASSES: u64 = 24;

/// What the search was asked to do.
#[derive(Clone, Debug)]
pub struct SearchRequest {
    /// One note per measure.
    pub cantus: Vec<Pitch>,
    /// The mode.
    pub scale: Scale,
    /// The species.
    pub species: Species,
    /// Above or below the cantus.
    pub position: Position,
    /// The random seed.
    pub seed: u64,
    /// The most notes tried before falling back.
    pub node_budget: usize,
}

/// What the search found.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The cantus and the line.
    pub exercise: Exercise,
    /// True when the line breaks no rule.
    pub solved: bool,
    /// Every rule the line breaks (empty when solved).
    pub violations: Vec<Violation>,
    /// Notes tried.
    pub nodes: usize,
    /// How the search ended.
    pub end: SearchEnd,
}

/// How a search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchEnd {
    /// It found a line breaking no rule.
    Solved,
    /// It tried every line the rules allow and none breaks no rule: the line returned is the
    /// best of the greedy passes, and no better one exists against this cantus.
    NoLineExists,
    /// It ran out of its node budget first: a line breaking no rule may still exist.
    BudgetSpent,
}

/// How a search of one subtree ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// A whole line breaking no rule is in place.
    Solved,
    /// Every continuation was tried and none works.
    Exhausted,
    /// The node budget ran out first; nothing is known.
    OutOfBudget,
}

/// How many notes before a barline the local rules can look back across (four struck notes
/// with the tied notes between them, in the fourth species).
const TAIL: usize = 8;

/// Everything about a partial line ending at a barline that decides whether it can be
/// finished: what the local rules look back at, and what the whole-line rules count.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct StateKey {
    measure: usize,
    tail: Vec<(Option<Pitch>, bool, Ql)>,
    low: i32,
    high: i32,
    peaks: u8,
    broken_ligatures: usize,
    sounded: bool,
}

/// Where a note goes in a measure and whether it is chosen, tied or a rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlotKind {
    Free,
    Tied,
    Rest,
}

type Template = Vec<(SlotKind, Ql)>;

/// Writes a line against the cantus.
pub fn generate(request: &SearchRequest) -> Generated {
    // Restarts with fresh orderings escape the dead ends a single deep search can sink into;
    // they share what earlier ones proved dead.
    let mut nodes = 0;
    let mut dead = HashSet::new();
    let mut end = SearchEnd::BudgetSpent;
    for restart in 0..RESTARTS {
        let seed = request.seed.wrapping_add(restart.wrapping_mul(0x9E37_79B9));
        let mut search = Search::new(request, seed, request.node_budget / RESTARTS as usize);
        search.dead = std::mem::take(&mut dead);
        let outcome = search.extend(0);
        nodes += search.nodes;
        match outcome {
            Outcome::Solved => {
                return Generated {
                    violations: Vec::new(),
                    exercise: search.exercise,
                    solved: true,
                    nodes,
                    end: SearchEnd::Solved,
                };
            }
            Outcome::Exhausted => {
                end = SearchEnd::NoLineExists;
                break;
            }
            Outcome::OutOfBudget => dead = search.dead,
        }
    }
    let (exercise, violations) = best_greedy(request);
    Generated {
        solved: violations.is_empty(),
        end: if violations.is_empty() {
            SearchEnd::Solved
        } else {
            end
        },
        exercise,
        violations,
        nodes,
    }
}

/// The least-violating line of the greedy passes.
fn best_greedy(request: &SearchRequest) -> (Exercise, Vec<Violation>) {
    let mut best: Option<(Exercise, Vec<Violation>)> = None;
    for pass in 0..GREEDY_PASSES {
        let exercise = greedy(request, request.seed.wrapping_add(pass));
        let violations = rules::check(&exercise);
        if best
            .as_ref()
            .is_none_or(|(_, v)| violations.len() < v.len())
        {
            best = Some((exercise, violations));
        }
    }
    best.expect("at least one greedy pass")
}

struct Search {
    exercise: Exercise,
    rng: StdRng,
    nodes: usize,
    budget: usize,
    /// States at a barline from which no line can be finished.
    dead: HashSet<StateKey>,
    /// Whether to remember dead states (always, but in the test that checks they change
    /// nothing).
    remember: bool,
    /// Fourth species: how many measures of the line so far break the ligature.
    broken_ligatures: usize,
}

impl Search {
    fn new(request: &SearchRequest, seed: u64, budget: usize) -> Search {
        Search {
            exercise: empty_exercise(request),
            rng: StdRng::seed_from_u64(seed),
            nodes: 0,
            budget,
            dead: HashSet::new(),
            remember: true,
            broken_ligatures: 0,
        }
    }

    /// Fills measure `measure` and everything after it.
    fn extend(&mut self, measure: usize) -> Outcome {
        if measure == self.exercise.cantus.len() {
            return if rules::check_whole(&self.exercise).is_empty() {
                Outcome::Solved
            } else {
                Outcome::Exhausted
            };
        }
        let key = state_key(&self.exercise, measure, self.broken_ligatures);
        if self.dead.contains(&key) {
            return Outcome::Exhausted;
        }

        let mut templates = templates(&self.exercise, measure);
        // A fourth-species ligature is broken only when no suspension can follow, and only as
        // often as the rules allow.
        let fourth = self.exercise.species == Species::Fourth;
        let inner = measure > 0 && measure + 1 < self.exercise.cantus.len();
        if !fourth {
            shuffle_weighted(&mut templates, &mut self.rng);
        } else if inner && self.broken_ligatures >= MAX_BROKEN_LIGATURES {
            templates.retain(|t| t[0].0 == SlotKind::Tied);
        }
        let mut outcome = Outcome::Exhausted;
        for template in templates {
            let breaks = usize::from(fourth && inner && template[0].0 == SlotKind::Free);
            self.broken_ligatures += breaks;
            let filled = self.fill(measure, &template, 0);
            self.broken_ligatures -= breaks;
            match filled {
                Outcome::Solved => return Outcome::Solved,
                Outcome::OutOfBudget => outcome = Outcome::OutOfBudget,
                Outcome::Exhausted => {}
            }
            if self.nodes >= self.budget {
                return Outcome::OutOfBudget;
            }
        }
        if outcome == Outcome::Exhausted && self.remember {
            self.dead.insert(key);
        }
        outcome
    }

    /// Fills slot `slot` of `template` in `measure` and everything after it.
    fn fill(&mut self, measure: usize, template: &Template, slot: usize) -> Outcome {
        if slot == template.len() {
            return self.extend(measure + 1);
        }
        let (kind, duration) = template[slot];
        let start = self.exercise.bar * Ql::from_int(measure as i64)
            + template[..slot].iter().map(|(_, d)| *d).sum::<Ql>();
        let candidates = match kind {
            SlotKind::Rest => vec![None],
            SlotKind::Tied => match self.exercise.counterpoint.last().and_then(|n| n.pitch) {
                Some(pitch) => vec![Some(pitch)],
                None => return Outcome::Exhausted,
            },
            SlotKind::Free => {
                let mut scored: Vec<(f64, Pitch)> = candidates(&self.exercise, measure, start)
                    .into_iter()
                    .map(|p| {
                        (
                            preference(&self.exercise, measure, start, &p)
                                + self.rng.random_range(0.0..2.0),
                            p,
                        )
                    })
                    .collect();
                scored.sort_by(|a, b| a.0.total_cmp(&b.0));
                scored.into_iter().map(|(_, p)| Some(p)).collect()
            }
        };
        let mut outcome = Outcome::Exhausted;
        for pitch in candidates {
            if self.nodes >= self.budget {
                return Outcome::OutOfBudget;
            }
            self.nodes += 1;
            self.exercise.counterpoint.push(CpNote {
                pitch,
                start,
                duration,
                tied: kind == SlotKind::Tied,
            });
            let index = self.exercise.counterpoint.len() - 1;
            let fine =
                rules::check_note(&self.exercise, index).is_empty() && within_range(&self.exercise);
            if fine {
                match self.fill(measure, template, slot + 1) {
                    Outcome::Solved => return Outcome::Solved,
                    Outcome::OutOfBudget => outcome = Outcome::OutOfBudget,
                    Outcome::Exhausted => {}
                }
            }
            self.exercise.counterpoint.pop();
        }
        outcome
    }
}

/// The state of the line at the barline before `measure`, `broken_ligatures` measures of it
/// breaking a fourth-species ligature.
fn state_key(exercise: &Exercise, measure: usize, broken_ligatures: usize) -> StateKey {
    let notes = &exercise.counterpoint;
    let tail = notes[notes.len().saturating_sub(TAIL)..]
        .iter()
        .map(|n| (n.pitch, n.tied, n.duration))
        .collect();
    let struck: Vec<i32> = notes
        .iter()
        .filter(|n| !n.tied)
        .filter_map(|n| n.pitch)
        .map(|p| p.midi())
        .collect();
    let low = struck.iter().copied().min().unwrap_or(i32::MAX);
    let high = struck.iter().copied().max().unwrap_or(i32::MIN);
    let peaks = struck.iter().filter(|&&m| m == high).count().min(2) as u8;
    StateKey {
        measure,
        tail,
        low,
        high,
        peaks,
        broken_ligatures,
        sounded: !struck.is_empty(),
    }
}

/// The exercise with no line yet.
fn empty_exercise(request: &SearchRequest) -> Exercise {
    Exercise {
        cantus: request.cantus.clone(),
        counterpoint: Vec::new(),
        species: request.species,
        position: request.position,
        scale: request.scale,
        bar: Ql::from_int(4),
    }
}

/// One greedy pass: the least-violating, most preferred note at each step.
fn greedy(request: &SearchRequest, seed: u64) -> Exercise {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut exercise = empty_exercise(request);
    for measure in 0..exercise.cantus.len() {
        let mut options = templates(&exercise, measure);
        shuffle_weighted(&mut options, &mut rng);
        let template = options.swap_remove(0);
        let mut start = exercise.bar * Ql::from_int(measure as i64);
        for (kind, duration) in template {
            let previous = exercise.counterpoint.last().and_then(|n| n.pitch);
            let (kind, pitches) = match (kind, previous) {
                (SlotKind::Rest, _) => (kind, vec![None]),
                (SlotKind::Tied, Some(pitch)) => (kind, vec![Some(pitch)]),
                _ => (
                    SlotKind::Free,
                    candidates(&exercise, measure, start)
                        .into_iter()
                        .map(Some)
                        .collect(),
                ),
            };
            let mut best: Option<(f64, CpNote)> = None;
            for pitch in pitches {
                let note = CpNote {
                    pitch,
                    start,
                    duration,
                    tied: kind == SlotKind::Tied,
                };
                exercise.counterpoint.push(note);
                let broken = rules::check_note(&exercise, exercise.counterpoint.len() - 1).len();
                exercise.counterpoint.pop();
                let cost = broken as f64 * 100.0
                    + pitch.map_or(0.0, |p| preference(&exercise, measure, start, &p))
                    + rng.random_range(0.0..2.0);
                if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                    best = Some((cost, note));
                }
            }
            if let Some((_, note)) = best {
                exercise.counterpoint.push(note);
            }
            start += duration;
        }
    }
    exercise
}

/// The rhythms a measure may take, most typical first.
fn templates(exercise: &Exercise, measure: usize) -> Vec<Template> {
    use SlotKind::{Free, Rest, Tied};
    let q = |n: i64| Ql::from_int(n);
    let half = q(2);
    let quarter = q(1);
    let eighth = Ql::new(1, 2);
    let last = measure + 1 == exercise.cantus.len();
    if last {
        return vec![vec![(Free, q(4))]];
    }
    match exercise.species {
        Species::First => vec![vec![(Free, q(4))]],
        Species::Second => vec![vec![(Free, half), (Free, half)]],
        Species::Third => vec![vec![(Free, quarter); 4]],
        Species::Fourth if measure == 0 => vec![vec![(Rest, half), (Free, half)]],
        Species::Fourth => vec![
            vec![(Tied, half), (Free, half)],
            vec![(Free, half), (Free, half)],
        ],
        Species::Fifth if measure == 0 => vec![
            vec![(Rest, half), (Free, half)],
            vec![(Free, half), (Free, half)],
        ],
        Species::Fifth => vec![
            vec![(Tied, half), (Free, quarter), (Free, quarter)],
            vec![(Free, quarter), (Free, quarter), (Free, half)],
            vec![(Tied, half), (Free, half)],
            vec![(Free, half), (Free, quarter), (Free, quarter)],
            vec![
                (Free, quarter),
                (Free, eighth),
                (Free, eighth),
                (Free, half),
            ],
            vec![(Free, quarter); 4],
            vec![(Free, half), (Free, half)],
            vec![
                (Free, half),
                (Free, quarter),
                (Free, eighth),
                (Free, eighth),
            ],
        ],
    }
}

/// Shuffles templates lightly: the first ones stay likelier to come first.
fn shuffle_weighted(templates: &mut [Template], rng: &mut StdRng) {
    let mut keyed: Vec<(f64, Template)> = templates
        .iter()
        .enumerate()
        .map(|(i, t)| (i as f64 + rng.random_range(0.0..4.0), t.clone()))
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (slot, (_, template)) in templates.iter_mut().zip(keyed) {
        *slot = template;
    }
}

/// The pitches a free note may take: every pitch of the mode the voice-spacing rule allows
/// against this measure's cantus note (no crossing, at most a twelfth apart), the raised sixth
/// and seventh before the final, only the final at the end and perfect consonances at the start.
fn candidates(exercise: &Exercise, measure: usize, start: Ql) -> Vec<Pitch> {
    let cantus = &exercise.cantus;
    let here = cantus[measure].midi();
    let (from, to) = match exercise.position {
        Position::Above => (here, here + MAX_SPACING),
        Position::Below => (here - MAX_SPACING, here),
    };
    let scale = &exercise.scale;
    let mut pitches = scale.pitches_between(from, to);
    let last = measure + 1 == cantus.len();
    if measure + 2 == cantus.len() {
        let final_pitch = scale.tonic;
        let raised: Vec<Pitch> = pitches
            .iter()
            .filter(|p| {
                let below = (i32::from(final_pitch.pitch_class()) - i32::from(p.pitch_class()))
                    .rem_euclid(12);
                below == 2 || (below == 4 && scale.is_minor_like())
            })
            .map(|p| Pitch::new(p.step, p.alter + 1, p.octave))
            .collect();
        pitches.extend(raised);
    }
    let cantus_here = cantus[measure];
    let first_sounding = exercise.counterpoint.iter().all(|n| n.pitch.is_none());
    pitches.retain(|p| {
        let interval = match exercise.position {
            Position::Above => p.midi() - cantus_here.midi(),
            Position::Below => cantus_here.midi() - p.midi(),
        };
        if interval < 0 {
            return false;
        }
        if last {
            return p.pitch_class() == cantus_here.pitch_class();
        }
        let ends_penultimate = measure + 2 == cantus.len()
            && start + slot_length(exercise, measure, start)
                >= exercise.bar * Ql::from_int(measure as i64 + 1);
        if ends_penultimate && !leads_to_final(exercise, p) {
            return false;
        }
        if first_sounding && start == exercise.bar * Ql::from_int(measure as i64) {
            let fifth_ok = exercise.position == Position::Above;
            return interval % 12 == 0 || (fifth_ok && interval % 12 == 7);
        }
        true
    });
    pitches
}

/// The length of the slot starting at `start`: unknown to `candidates`, so it is taken as
/// reaching the barline whenever a note of the shortest kind there would.
fn slot_length(exercise: &Exercise, measure: usize, start: Ql) -> Ql {
    let end = exercise.bar * Ql::from_int(measure as i64 + 1);
    let shortest = match exercise.species {
        Species::First => exercise.bar,
        Species::Second | Species::Fourth => exercise.bar / Ql::from_int(2),
        Species::Third | Species::Fifth => exercise.bar / Ql::from_int(4),
    };
    if end - start <= shortest {
        end - start
    } else {
        Ql::ZERO
    }
}

/// True when a final on the cantus's last pitch class can follow `pitch` as the closing rule
/// wants: by step, in contrary motion, one voice moving by semitone, on the right side.
fn leads_to_final(exercise: &Exercise, pitch: &Pitch) -> bool {
    let cantus = &exercise.cantus;
    let last = cantus[cantus.len() - 1];
    let cantus_move = last.midi() - cantus[cantus.len() - 2].midi();
    [-2, -1, 1, 2].iter().any(|&step| {
        let target = pitch.midi() + step;
        let right_side = match exercise.position {
            Position::Above => target >= last.midi(),
            Position::Below => target <= last.midi(),
        };
        (target - last.midi()).rem_euclid(12) == 0
            && right_side
            && step.signum() != cantus_move.signum()
            && (step.abs() == 1 || cantus_move.abs() == 1)
    })
}

/// Lower is better: steps over leaps, imperfect consonances on downbeats, a moderate distance.
fn preference(exercise: &Exercise, measure: usize, start: Ql, pitch: &Pitch) -> f64 {
    let previous = exercise.counterpoint.iter().rev().find_map(|n| n.pitch);
    let melodic = previous.map_or(0.0, |p| match (pitch.midi() - p.midi()).abs() {
        1 | 2 => 0.0,
        3 | 4 => 1.0,
        5 => 2.0,
        7 => 3.0,
        _ => 4.0,
    });
    let cantus = exercise.cantus[measure];
    let distance = (pitch.midi() - cantus.midi()).abs();
    let downbeat = start == exercise.bar * Ql::from_int(measure as i64);
    let vertical = if downbeat && matches!(distance % 12, 0 | 7) {
        1.5
    } else {
        0.0
    };
    let spacing = if (3..=12).contains(&distance) {
        0.0
    } else {
        1.0
    };
    // Reaching the highest note so far again spoils the single climax.
    let highest = exercise
        .counterpoint
        .iter()
        .filter_map(|n| n.pitch)
        .map(|p| p.midi())
        .max();
    let climax = if highest == Some(pitch.midi()) {
        2.0
    } else {
        0.0
    };
    melodic + vertical + spacing + climax
}

/// The line so far spans at most a tenth.
fn within_range(exercise: &Exercise) -> bool {
    let midis = exercise
        .counterpoint
        .iter()
        .filter_map(|n| n.pitch)
        .map(|p| p.midi());
    let (low, high) = midis.fold((i32::MAX, i32::MIN), |(l, h), m| (l.min(m), h.max(m)));
    high < low || high - low <= 16
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::model::Step;

    /// A short cantus firmus in D dorian: a random walk of steps and small leaps from D4 that
    /// returns to D4 by step.
    fn random_cantus(rng: &mut StdRng, length: usize) -> Vec<Pitch> {
        let scale = Scale::from_signature_and_final(0, &Pitch::new(Step::D, 0, 4));
        let mut degrees = vec![0];
        for _ in 1..length - 2 {
            let last = *degrees.last().unwrap();
            let moved = last + [-2, -1, 1, 1, 2, 3][rng.random_range(0..6)];
            degrees.push(moved.clamp(-3, 5));
        }
        degrees.push(1);
        degrees.push(0);
        degrees.into_iter().map(|d| scale.degree_pitch(d)).collect()
    }

    #[test]
    fn remembering_dead_states_changes_neither_the_verdict_nor_the_line() {
        let mut rng = StdRng::seed_from_u64(11);
        let (mut solved, mut impossible) = (0, 0);
        for case in 0..24u64 {
            let cantus = random_cantus(&mut rng, 4 + (case % 3) as usize);
            for species in 1..=5 {
                for position in [Position::Above, Position::Below] {
                    let request = SearchRequest {
                        scale: Scale::from_signature_and_final(0, cantus.last().unwrap()),
                        cantus: cantus.clone(),
                        species: Species::from_number(species).unwrap(),
                        position,
                        seed: case,
                        node_budget: 0,
                    };
                    let mut with = Search::new(&request, case, 400_000);
                    let mut without = Search::new(&request, case, 400_000);
                    without.remember = false;
                    let (a, b) = (with.extend(0), without.extend(0));
                    if a == Outcome::OutOfBudget || b == Outcome::OutOfBudget {
                        continue;
                    }
                    let at = format!("{cantus:?} species {species} {position:?}");
                    assert_eq!(a, b, "{at}");
                    assert_eq!(with.exercise, without.exercise, "{at}");
                    assert!(with.nodes <= without.nodes, "{at}");
                    match a {
                        Outcome::Solved => solved += 1,
                        _ => impossible += 1,
                    }
                }
            }
        }
        eprintln!("memo against none: {solved} solved and {impossible} impossible, the same");
        // Both verdicts were compared, many times.
        assert!(
            solved >= 50 && impossible >= 10,
            "{solved} solved, {impossible} impossible"
        );
    }
}
