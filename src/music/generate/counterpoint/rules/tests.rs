//! One passing and one failing example for every rule of the checker, and the search on Fux's
//! own cantus firmi.

use std::collections::BTreeSet;

use super::*;
use crate::music::generate::counterpoint::search::{
    DEFAULT_NODE_BUDGET, SearchEnd, SearchRequest, generate,
};
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

/// A cantus firmus in D dorian, and lines against it that break no rule, one per species.
const CF: &str = "D4 F4 G4 F4 E4 D4";
const FIRST: &str = "A4 | A5 | G5 | D5 | C#5 | D5";
const FIRST_BELOW: &str = "D3 | A3 | G3 | A3 | C#4 | D4";
const SECOND: &str = "A4 B4 | A4 C5 | B4 E5 | D5 A4 | B4 C#5 | D5";
const THIRD: &str = "A4 G4 F4 G4 | A4 B4 A4 C5 | B4 A4 B4 D5 | A4 B4 A4 B4 | C5 E5 D5 C#5 | D5";
const FOURTH: &str = "r A4 | _A4 D5 | E5 D5 | F5 D5 | _D5 C#5 | D5";
const FIFTH: &str = "r A4 | _A4 B4/1 C5/1 | B4/1 D5/1 C5 | D5/1 C5/1 B4 | C5/1 E5/1 C#5 | D5";

fn above(species: u8, line: &str) -> BTreeSet<Rule> {
    broken(&exercise(species, Position::Above, CF, line))
}

fn below(species: u8, line: &str) -> BTreeSet<Rule> {
    broken(&exercise(species, Position::Below, CF, line))
}

#[test]
fn the_model_lines_of_every_species_break_no_rule() {
    for (species, line) in [(1, FIRST), (2, SECOND), (3, THIRD), (4, FOURTH), (5, FIFTH)] {
        assert!(
            above(species, line).is_empty(),
            "species {species}: {:?}",
            check(&exercise(species, Position::Above, CF, line))
        );
    }
    assert!(below(1, FIRST_BELOW).is_empty());
}

#[test]
fn a_measure_short_of_notes_is_not_filled() {
    assert!(!above(1, FIRST).contains(&Rule::MeasureFilled));
    assert!(above(1, "A4 | A5/2 | G5 | D5 | C#5 | D5").contains(&Rule::MeasureFilled));
}

#[test]
fn a_whole_note_in_second_species_breaks_its_rhythm() {
    assert!(!above(2, SECOND).contains(&Rule::SpeciesRhythm));
    assert!(above(2, "A4 B4 | C5/4 | B4 E5 | D5 A4 | B4 C#5 | D5").contains(&Rule::SpeciesRhythm));
}

#[test]
fn fourth_species_may_break_its_ligature_only_twice() {
    // FOURTH breaks its syncopation in measures 3 and 4; this line also in measure 2.
    assert!(!above(4, FOURTH).contains(&Rule::SpeciesRhythm));
    let broken_three_times = "r A4 | B4 D5 | E5 D5 | F5 D5 | _D5 C#5 | D5";
    assert!(above(4, broken_three_times).contains(&Rule::SpeciesRhythm));
}

#[test]
fn a_fifth_below_the_cantus_is_no_opening() {
    assert!(!below(1, FIRST_BELOW).contains(&Rule::Opening));
    assert!(below(1, "G3 | A3 | G3 | A3 | C#4 | D4").contains(&Rule::Opening));
}

#[test]
fn a_final_reached_by_leap_is_no_cadence() {
    assert!(!above(1, FIRST).contains(&Rule::Closing));
    assert!(above(1, "A4 | A5 | G5 | D5 | A4 | D5").contains(&Rule::Closing));
}

#[test]
fn a_seventh_on_the_downbeat_is_a_dissonance() {
    assert!(!above(1, FIRST).contains(&Rule::ConsonantDownbeat));
    assert!(above(1, "A4 | A5 | G5 | E5 | C#5 | D5").contains(&Rule::ConsonantDownbeat));
}

#[test]
fn a_weak_beat_dissonance_left_by_leap_is_no_passing_tone() {
    assert!(!above(3, THIRD).contains(&Rule::DissonanceTreatment));
    let leaping = "A4 G4 B4 G4 | A4 B4 A4 C5 | B4 A4 B4 D5 | A4 B4 A4 B4 | C5 E5 D5 C#5 | D5";
    assert!(above(3, leaping).contains(&Rule::DissonanceTreatment));
}

#[test]
fn neighbour_tones_belong_to_the_third_species_not_the_second() {
    let cantus = "D4 F4 E4 D4";
    let neighbour_second = exercise(2, Position::Above, cantus, "A4 G4 | A4 D5 | B4 C#5 | D5");
    assert!(broken(&neighbour_second).contains(&Rule::DissonanceTreatment));
    let neighbour_third = exercise(
        3,
        Position::Above,
        cantus,
        "A4 G4 A4 B4 | A4 B4 C5 D5 | B4 A4 B4 C#5 | D5",
    );
    assert!(!broken(&neighbour_third).contains(&Rule::DissonanceTreatment));
}

#[test]
fn a_suspension_resolving_upwards_is_unresolved() {
    assert!(!above(4, FOURTH).contains(&Rule::SuspensionTreatment));
    assert!(
        above(4, "r A4 | _A4 D5 | E5 D5 | F5 D5 | _D5 E5 | D5")
            .contains(&Rule::SuspensionTreatment)
    );
}

#[test]
fn fifths_moving_in_parallel_are_forbidden() {
    assert!(!above(1, FIRST).contains(&Rule::ParallelPerfect));
    assert!(above(1, "A4 | C5 | D5 | D5 | C#5 | D5").contains(&Rule::ParallelPerfect));
}

#[test]
fn fifths_on_successive_downbeats_are_forbidden_in_the_second_species() {
    assert!(!above(2, SECOND).contains(&Rule::AccentedParallelPerfect));
    assert!(
        above(2, "A4 B4 | C5 A4 | B4 E5 | D5 A4 | B4 C#5 | D5")
            .contains(&Rule::AccentedParallelPerfect)
    );
}

#[test]
fn an_octave_reached_by_similar_motion_is_a_direct_octave() {
    assert!(!above(1, FIRST).contains(&Rule::DirectPerfect));
    assert!(above(1, "A4 | D5 | G5 | D5 | C#5 | D5").contains(&Rule::DirectPerfect));
}

#[test]
fn a_unison_inside_the_line_is_forbidden() {
    assert!(!below(1, FIRST_BELOW).contains(&Rule::UnisonInside));
    assert!(below(1, "D3 | F4 | G3 | A3 | C#4 | D4").contains(&Rule::UnisonInside));
}

#[test]
fn a_leap_of_a_seventh_is_forbidden() {
    assert!(!above(1, FIRST).contains(&Rule::MelodicInterval));
    assert!(above(1, "A4 | G5 | G5 | D5 | C#5 | D5").contains(&Rule::MelodicInterval));
}

#[test]
fn an_octave_leap_not_followed_by_a_step_back_is_unrecovered() {
    assert!(!above(1, FIRST).contains(&Rule::LeapRecovery));
    assert!(above(1, "A4 | A5 | D5 | D5 | C#5 | D5").contains(&Rule::LeapRecovery));
}

#[test]
fn three_leaps_in_one_direction_are_too_many() {
    assert!(!above(3, THIRD).contains(&Rule::ConsecutiveLeaps));
    let falling = "D5 A4 F4 D4 | A4 B4 A4 C5 | B4 A4 B4 D5 | A4 B4 A4 B4 | C5 E5 D5 C#5 | D5";
    assert!(above(3, falling).contains(&Rule::ConsecutiveLeaps));
}

#[test]
fn a_note_struck_twice_in_a_row_is_a_repetition() {
    assert!(!above(1, FIRST).contains(&Rule::RepeatedNotes));
    assert!(above(1, "A4 | A4 | G5 | D5 | C#5 | D5").contains(&Rule::RepeatedNotes));
}

#[test]
fn a_line_above_that_dips_below_the_cantus_crosses_it() {
    assert!(!above(1, FIRST).contains(&Rule::VoiceSpacing));
    assert!(above(1, "A4 | E4 | G5 | D5 | C#5 | D5").contains(&Rule::VoiceSpacing));
}

#[test]
fn four_parallel_thirds_in_a_row_are_too_many() {
    assert!(!above(1, FIRST).contains(&Rule::ParallelImperfectRun));
    assert!(above(1, "F4 | A4 | B4 | A4 | C#5 | D5").contains(&Rule::ParallelImperfectRun));
}

#[test]
fn a_raised_leading_tone_belongs_only_before_the_final() {
    assert!(!above(1, FIRST).contains(&Rule::ModalPitches));
    assert!(above(1, "A4 | C#5 | G5 | D5 | C#5 | D5").contains(&Rule::ModalPitches));
}

#[test]
fn a_climax_reached_twice_is_no_single_climax() {
    assert!(!above(1, FIRST).contains(&Rule::SingleClimax));
    assert!(above(1, "A4 | A5 | G5 | A5 | C#5 | D5").contains(&Rule::SingleClimax));
}

#[test]
fn a_line_wider_than_a_tenth_is_out_of_range() {
    assert!(!above(1, FIRST).contains(&Rule::Range));
    assert!(above(1, "D4 | A4 | D5 | A5 | C#5 | D5").contains(&Rule::Range));
}

#[test]
fn every_rule_has_a_name_and_a_test_above() {
    let names: BTreeSet<String> = Rule::ALL.iter().map(|r| r.name()).collect();
    assert_eq!(names.len(), Rule::ALL.len());
    assert!(names.contains("parallel_perfect"));
}

#[test]
fn a_nota_cambiata_is_allowed_in_the_third_species_when_its_third_note_rises() {
    // D5 C5 A4 B4 against D4: octave, seventh (a step down), fifth (a third down), sixth.
    let cambiata = "D5 C5 A4 B4 | A4 B4 A4 C5 | B4 A4 B4 D5 | A4 B4 A4 B4 | C5 E5 D5 C#5 | D5";
    assert!(
        above(3, cambiata).is_empty(),
        "{:?}",
        check(&exercise(3, Position::Above, CF, cambiata))
    );
    let falling_on = "D5 C5 A4 G4 | A4 B4 A4 C5 | B4 A4 B4 D5 | A4 B4 A4 B4 | C5 E5 D5 C#5 | D5";
    let violations = check(&exercise(3, Position::Above, CF, falling_on));
    assert!(
        violations
            .iter()
            .any(|v| v.rule == Rule::DissonanceTreatment && v.detail.contains("cambiata")),
        "{violations:?}"
    );
    // The same leap from a dissonance is no cambiata in the second species.
    let second = exercise(
        2,
        Position::Above,
        CF,
        "D5 C5 | A4 C5 | B4 E5 | D5 A4 | B4 C#5 | D5",
    );
    assert!(broken(&second).contains(&Rule::DissonanceTreatment));
}

#[test]
fn a_weak_beat_neighbour_tone_is_no_fourth_species_dissonance() {
    // G4 against D4 is a fourth, a neighbour between two A4s: fine in the third species (see
    // above), not in the fourth, which treats weak-beat dissonance as the second does.
    let neighbour = exercise(
        4,
        Position::Above,
        "D4 F4 E4 D4",
        "A4 G4 | A4 D5 | B4 C#5 | D5",
    );
    let violations = check(&neighbour);
    assert!(
        violations
            .iter()
            .any(|v| v.rule == Rule::DissonanceTreatment && v.measure == 1),
        "{violations:?}"
    );
    assert!(!above(4, FOURTH).contains(&Rule::DissonanceTreatment));
}

#[test]
fn octaves_on_the_weak_beats_either_side_of_a_suspension_are_parallel() {
    // A 9-8 suspension twice in a row: octaves G5/G4, F5/F4, E5/E4 on the weak beats.
    let nine_eights = "r A4 | _A4 D5 | _D5 G5 | _G5 F5 | _F5 E5 | D5";
    let violations = check(&exercise(4, Position::Above, CF, nine_eights));
    let parallels: Vec<usize> = violations
        .iter()
        .filter(|v| v.rule == Rule::AccentedParallelPerfect)
        .map(|v| v.measure)
        .collect();
    assert_eq!(parallels, vec![4, 5], "{violations:?}");
    assert!(!above(4, FOURTH).contains(&Rule::AccentedParallelPerfect));

    // A consonant tie hides nothing either: A4/D4 and C5/F4 are fifths with the struck notes
    // side by side (6-5 after the tied third).
    let tied_fifths = "r A4 | _A4 C5 | E5 D5 | F5 D5 | _D5 C#5 | D5";
    assert_breaks_at(4, tied_fifths, Rule::AccentedParallelPerfect, 2);
}

/// Asserts that `line` above [`CF`] breaks `rule` in `measure`.
fn assert_breaks_at(species: u8, line: &str, rule: Rule, measure: usize) {
    let violations = check(&exercise(species, Position::Above, CF, line));
    assert!(
        violations
            .iter()
            .any(|v| v.rule == rule && v.measure == measure),
        "{rule:?} in measure {measure}: {violations:?}"
    );
}

#[test]
fn fifths_on_struck_downbeats_of_broken_ligatures_are_parallel_in_the_fourth_species() {
    // Measures 3 and 4 break the ligature, striking their downbeats: G5/G4 then F5/F4 are
    // octaves on successive downbeats with only E5 between (FOURTH strikes a sixth, E5/G4).
    let octaves = "r A4 | _A4 D5 | G5 E5 | F5 D5 | _D5 C#5 | D5";
    assert_breaks_at(4, octaves, Rule::AccentedParallelPerfect, 4);
}

#[test]
fn a_tied_note_meeting_the_cantus_is_a_unison_inside_the_line() {
    // Below the cantus, E4 struck in measure 2 is held into measure 3, where the cantus comes
    // to the same E4.
    let cantus = "D4 F4 E4 D4";
    let unison = exercise(4, Position::Below, cantus, "r D3 | _D3 E4 | _E4 C#4 | D4");
    assert!(
        broken(&unison).contains(&Rule::UnisonInside),
        "{:?}",
        check(&unison)
    );
}

#[test]
fn the_search_proves_there_is_no_line_when_none_exists() {
    // Against a cantus that repeats C4, one voice must reach the final by semitone: only B
    // to C, a seventh (or ninth) against the cantus whichever side the line is on.
    for position in [Position::Above, Position::Below] {
        let cantus = pitches("C4 C4 C4");
        let request = SearchRequest {
            scale: Scale::from_signature_and_final(0, cantus.last().unwrap()),
            cantus,
            species: Species::First,
            position,
            seed: 1,
            node_budget: DEFAULT_NODE_BUDGET,
        };
        let generated = generate(&request);
        assert_eq!(generated.end, SearchEnd::NoLineExists, "{position:?}");
        assert!(!generated.solved);
        assert!(!generated.violations.is_empty());
        assert!(generated.nodes < 1000, "{} nodes", generated.nodes);
        assert_eq!(generated.violations, check(&generated.exercise));
    }

    // Fux's cantus, by contrast, is solved, and a budget of one note proves nothing.
    let cantus = pitches(DORIAN);
    let mut request = SearchRequest {
        scale: Scale::from_signature_and_final(0, cantus.last().unwrap()),
        cantus,
        species: Species::Fourth,
        position: Position::Below,
        seed: 3,
        node_budget: DEFAULT_NODE_BUDGET,
    };
    assert_eq!(generate(&request).end, SearchEnd::Solved);
    request.node_budget = 12;
    assert_eq!(generate(&request).end, SearchEnd::BudgetSpent);
}

#[test]
fn a_fourth_species_line_with_no_tie_at_all_is_no_fourth_species() {
    let cantus = "D4 F4 E4 D4";
    let untied = check(&exercise(
        4,
        Position::Above,
        cantus,
        "r A4 | C5 B4 | G4 C#5 | D5",
    ));
    let says = |violations: &[Violation]| {
        violations
            .iter()
            .any(|v| v.rule == Rule::SpeciesRhythm && v.detail.contains("no note is tied"))
    };
    assert!(says(&untied), "{untied:?}");
    let tied = check(&exercise(
        4,
        Position::Above,
        cantus,
        "r A4 | _A4 B4 | G4 C#5 | D5",
    ));
    assert!(!says(&tied), "{tied:?}");
}

#[test]
fn above_or_below_follows_the_pitches_not_the_order_of_the_parts() {
    use crate::music::generate::counterpoint::exercise_from_score;
    use crate::music::read::{ReadLimits, read_bytes};
    // The cantus is written first, the second-species line above it second.
    let cantus = "D2|F2|E2|D2|G2|F2|A2|G2|F2|E2|D2|]";
    let line = "d B|A B|c B|d c|B c|d c|f e|B c|d A|B ^c|d2|]";
    for (first, second, cantus_part) in [(cantus, line, 0), (line, cantus, 1)] {
        let abc = format!("X:1\nT:t\nM:4/4\nL:1/2\nK:C\nV:1\n{first}\nV:2\n{second}\n");
        let score = read_bytes(abc.as_bytes(), Some("t.abc"), &ReadLimits::default()).unwrap();
        let exercise = exercise_from_score(&score, None, None).unwrap();
        assert_eq!(
            exercise.position,
            Position::Above,
            "cantus part {cantus_part}"
        );
        assert_eq!(exercise.species, Species::Second);
        assert!(check(&exercise).is_empty(), "{:?}", check(&exercise));
    }
}
