//! The rules of species counterpoint after Fux, each checked measure by measure.
//!
//! Local rules look only backwards from one note (the note itself, the ones before it and the
//! cantus), so the search can run them on a partial line; a dissonance is judged when the note
//! after it arrives. Whole-line rules (filled measures, rhythm, range, climax) run at the end.
//! [`check`] runs everything and returns every violation with its measure.

use schemars::JsonSchema;
use serde::Serialize;

use super::{CpNote, Exercise, Position, Species, measure_index};
use crate::music::model::{Pitch, Ql};

/// One rule of the checker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Every measure's notes and rests add up to exactly one measure.
    MeasureFilled,
    /// The rhythm is the species' own (whole notes, halves, quarters, syncopations broken at
    /// most twice and not everywhere, a mix).
    SpeciesRhythm,
    /// The first note makes a perfect consonance with the cantus (no fifth below).
    Opening,
    /// The last note is a unison or octave, reached by step in contrary motion, one voice
    /// moving by semitone (the leading tone).
    Closing,
    /// Every note struck on a downbeat is consonant with the cantus.
    ConsonantDownbeat,
    /// A dissonance off the downbeat is a passing tone, approached and left by step in one
    /// direction; in the third and fifth species also a neighbour tone, and in the third the
    /// second note of a nota cambiata (a step down, a third down, a step up).
    DissonanceTreatment,
    /// A dissonance tied over the barline is an allowed suspension, prepared by a consonance and
    /// resolved down by step to a consonance.
    SuspensionTreatment,
    /// No parallel (or contrary) fifths, octaves or unisons between successive notes.
    ParallelPerfect,
    /// No perfect fifths or octaves on successive struck downbeats (second to fifth species),
    /// nor on the weak beats either side of a tie (fourth species).
    AccentedParallelPerfect,
    /// No fifth or octave reached by similar motion.
    DirectPerfect,
    /// No unison except on the first and last notes.
    UnisonInside,
    /// Melodic intervals: no sevenths, major sixths, descending minor sixths, leaps over an
    /// octave, augmented or diminished intervals or chromatic semitones.
    MelodicInterval,
    /// A leap of a fifth or more is followed by a step in the opposite direction.
    LeapRecovery,
    /// No three leaps in one direction, nor two that together exceed an octave.
    ConsecutiveLeaps,
    /// No note struck again right after itself.
    RepeatedNotes,
    /// The voices do not cross, and stay within a twelfth of each other.
    VoiceSpacing,
    /// No more than three parallel thirds or sixths in a row.
    ParallelImperfectRun,
    /// Only the mode's pitches, plus the raised sixth and seventh in the measure before the last.
    ModalPitches,
    /// The highest note is reached once only.
    SingleClimax,
    /// The line stays within a tenth.
    Range,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 20] = [
        Rule::MeasureFilled,
        Rule::SpeciesRhythm,
        Rule::Opening,
        Rule::Closing,
        Rule::ConsonantDownbeat,
        Rule::DissonanceTreatment,
        Rule::SuspensionTreatment,
        Rule::ParallelPerfect,
        Rule::AccentedParallelPerfect,
        Rule::DirectPerfect,
        Rule::UnisonInside,
        Rule::MelodicInterval,
        Rule::LeapRecovery,
        Rule::ConsecutiveLeaps,
        Rule::RepeatedNotes,
        Rule::VoiceSpacing,
        Rule::ParallelImperfectRun,
        Rule::ModalPitches,
        Rule::SingleClimax,
        Rule::Range,
    ];

    /// The rule's name as reports give it.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    }
}

/// One broken rule at one place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Violation {
    /// The rule.
    pub rule: Rule,
    /// The measure, counted from 1.
    pub measure: usize,
    /// What is wrong, in words.
    pub detail: String,
}

/// Every violation of every rule, in measure order.
pub fn check(exercise: &Exercise) -> Vec<Violation> {
    let mut found: Vec<Violation> = (0..exercise.counterpoint.len())
        .flat_map(|index| check_note(exercise, index))
        .collect();
    found.extend(check_whole(exercise));
    found.sort_by_key(|v| (v.measure, v.rule));
    found
}

/// The local rules at note `index`, judging it against the notes before it only.
pub fn check_note(exercise: &Exercise, index: usize) -> Vec<Violation> {
    let context = Context::new(exercise, index);
    let mut found = Vec::new();
    context.consonance(&mut found);
    context.dissonance(&mut found);
    context.suspension(&mut found);
    context.motion(&mut found);
    context.unison(&mut found);
    context.melody(&mut found);
    context.spacing(&mut found);
    context.modal(&mut found);
    context.opening(&mut found);
    context.closing(&mut found);
    found
}

/// The rules about the whole line: filled measures, rhythm, range and climax.
pub fn check_whole(exercise: &Exercise) -> Vec<Violation> {
    let mut found = Vec::new();
    filled_and_rhythm(exercise, &mut found);
    range_and_climax(exercise, &mut found);
    found
}

/// A vertical interval between the upper and the lower voice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Vertical {
    /// Semitones, upper minus lower (negative when the voices cross).
    semitones: i32,
    /// Letter steps, upper minus lower.
    steps: i32,
}

impl Vertical {
    fn between(upper: &Pitch, lower: &Pitch) -> Vertical {
        Vertical {
            semitones: upper.midi() - lower.midi(),
            steps: letters(upper) - letters(lower),
        }
    }

    /// The simple interval as (letter steps 0 to 6, semitones 0 to 11).
    fn simple(self) -> (i32, i32) {
        (
            self.steps.abs().rem_euclid(7),
            self.semitones.abs().rem_euclid(12),
        )
    }

    fn is_consonant(self) -> bool {
        matches!(self.simple(), (0, 0) | (2, 3 | 4) | (4, 7) | (5, 8 | 9))
    }

    /// `Some(0)` for unisons and octaves, `Some(4)` for fifths, `None` otherwise.
    fn perfect_class(self) -> Option<i32> {
        match self.simple() {
            (0, 0) => Some(0),
            (4, 7) => Some(4),
            _ => None,
        }
    }

    fn is_unison(self) -> bool {
        self.steps == 0 && self.semitones == 0
    }

    /// Imperfect thirds and sixths: `Some(2)` or `Some(5)`.
    fn imperfect_class(self) -> Option<i32> {
        match self.simple() {
            (2, 3 | 4) => Some(2),
            (5, 8 | 9) => Some(5),
            _ => None,
        }
    }

    fn name(self) -> String {
        let (steps, _) = self.simple();
        let number = self.steps.abs() + 1;
        let base = match steps {
            0 if number == 1 => "unison",
            0 => "octave",
            1 => "second",
            2 => "third",
            3 => "fourth",
            4 => "fifth",
            5 => "sixth",
            _ => "seventh",
        };
        if number > 8 && steps != 0 {
            format!("compound {base}")
        } else {
            base.to_string()
        }
    }
}

/// The diatonic position of a pitch: letters counted from C0.
fn letters(pitch: &Pitch) -> i32 {
    pitch.octave * 7 + pitch.step.index()
}

/// Everything the local rules need about note `index`.
struct Context<'a> {
    exercise: &'a Exercise,
    notes: &'a [CpNote],
    index: usize,
    measure: usize,
    last_measure: usize,
}

impl<'a> Context<'a> {
    fn new(exercise: &'a Exercise, index: usize) -> Context<'a> {
        let notes = &exercise.counterpoint[..=index];
        Context {
            exercise,
            notes,
            index,
            measure: measure_index(notes[index].start, exercise.bar),
            last_measure: exercise.cantus.len() - 1,
        }
    }

    fn note(&self) -> &CpNote {
        &self.notes[self.index]
    }

    fn measure_of(&self, index: usize) -> usize {
        measure_index(self.notes[index].start, self.exercise.bar).min(self.last_measure)
    }

    fn is_downbeat(&self, index: usize) -> bool {
        let start = self.notes[index].start;
        start == self.exercise.bar * Ql::from_int(self.measure_of(index) as i64)
    }

    fn cantus_at(&self, index: usize) -> Pitch {
        self.exercise.cantus[self.measure_of(index)]
    }

    /// The vertical interval at note `index`, if it sounds.
    fn vertical(&self, index: usize) -> Option<Vertical> {
        let pitch = self.notes[index].pitch?;
        let cantus = self.cantus_at(index);
        Some(match self.exercise.position {
            Position::Above => Vertical::between(&pitch, &cantus),
            Position::Below => Vertical::between(&cantus, &pitch),
        })
    }

    fn violation(&self, rule: Rule, detail: String) -> Violation {
        Violation {
            rule,
            measure: self.measure.min(self.last_measure) + 1,
            detail,
        }
    }

    /// The nearest earlier note that sounds.
    fn previous_sounding(&self, index: usize) -> Option<usize> {
        (0..index).rev().find(|&i| self.notes[i].pitch.is_some())
    }

    /// `ConsonantDownbeat`: struck downbeats are consonant (first species: every note).
    fn consonance(&self, found: &mut Vec<Violation>) {
        let note = self.note();
        let Some(vertical) = self.vertical(self.index) else {
            return;
        };
        if note.tied || !self.is_downbeat(self.index) || vertical.is_consonant() {
            return;
        }
        found.push(self.violation(
            Rule::ConsonantDownbeat,
            format!("a {} against the cantus on the downbeat", vertical.name()),
        ));
    }

    /// `DissonanceTreatment`: the note before this one, if a weak-beat dissonance, is a passing
    /// tone, a neighbour tone (third and fifth species) or the second note of a nota cambiata
    /// (third species); a cambiata's third note rises by step.
    fn dissonance(&self, found: &mut Vec<Violation>) {
        self.cambiata_completed(found);
        let Some(middle) = self.index.checked_sub(1) else {
            return;
        };
        let Some(vertical) = self.weak_dissonance(middle) else {
            return;
        };
        let before = middle
            .checked_sub(1)
            .and_then(|i| self.letters_moved(i, middle));
        let after = self.letters_moved(middle, self.index);
        let step = |moved: Option<i32>| moved.filter(|m| m.abs() == 1);
        let neighbours_allowed = matches!(self.exercise.species, Species::Third | Species::Fifth);
        let treated = match (step(before), step(after)) {
            (Some(a), Some(b)) if a == b => true,
            (Some(_), Some(_)) => neighbours_allowed,
            _ => self.is_cambiata(middle),
        };
        if !treated {
            found.push(Violation {
                rule: Rule::DissonanceTreatment,
                measure: self.measure_of(middle) + 1,
                detail: format!(
                    "a {} on a weak beat that is not approached and left by step as a passing{} tone",
                    vertical.name(),
                    if neighbours_allowed { " or neighbour" } else { "" }
                ),
            });
        }
    }

    /// The vertical interval at `index` when the note there is a dissonance struck off the
    /// downbeat.
    fn weak_dissonance(&self, index: usize) -> Option<Vertical> {
        let vertical = self.vertical(index)?;
        let weak = !self.notes[index].tied && !self.is_downbeat(index);
        (weak && !vertical.is_consonant()).then_some(vertical)
    }

    /// Letter steps from note `from` to note `to`, when both sound.
    fn letters_moved(&self, from: usize, to: usize) -> Option<i32> {
        let (a, b) = self.notes[from].pitch.zip(self.notes[to].pitch)?;
        Some(letters(&b) - letters(&a))
    }

    /// True when the dissonance at `middle` is the second note of a nota cambiata in the third
    /// species: on the second quarter, a step below a downbeat, left by a third down to a
    /// consonance.
    fn is_cambiata(&self, middle: usize) -> bool {
        let Some(head) = middle.checked_sub(1) else {
            return false;
        };
        let second_quarter = self.notes[head].start + self.exercise.bar / Ql::from_int(4);
        self.exercise.species == Species::Third
            && middle < self.index
            && self.is_downbeat(head)
            && self.notes[middle].start == second_quarter
            && self.letters_moved(head, middle) == Some(-1)
            && self.letters_moved(middle, middle + 1) == Some(-2)
            && self
                .vertical(middle + 1)
                .is_some_and(Vertical::is_consonant)
    }

    /// The fourth note of a nota cambiata rises by step from the third.
    fn cambiata_completed(&self, found: &mut Vec<Violation>) {
        let Some(dissonance) = self.index.checked_sub(2) else {
            return;
        };
        if self.weak_dissonance(dissonance).is_none() || !self.is_cambiata(dissonance) {
            return;
        }
        if self.letters_moved(self.index - 1, self.index) != Some(1) {
            found.push(self.violation(
                Rule::DissonanceTreatment,
                "a nota cambiata whose third note does not rise by step".into(),
            ));
        }
    }

    /// `SuspensionTreatment`: a tied dissonance is an allowed suspension, and the note after a
    /// suspension resolves it down by step to a consonance.
    fn suspension(&self, found: &mut Vec<Violation>) {
        let note = self.note();
        if note.tied
            && let Some(vertical) = self.vertical(self.index)
            && !vertical.is_consonant()
        {
            let (steps, _) = vertical.simple();
            let allowed = match self.exercise.position {
                Position::Above => matches!(steps, 6 | 3 | 1),
                Position::Below => matches!(steps, 1 | 3),
            };
            let prepared = self
                .index
                .checked_sub(1)
                .and_then(|i| self.vertical(i))
                .is_some_and(Vertical::is_consonant);
            if !allowed || !prepared {
                found.push(self.violation(
                    Rule::SuspensionTreatment,
                    format!(
                        "a tied {} that is not {}",
                        vertical.name(),
                        if allowed {
                            "prepared by a consonance"
                        } else {
                            "a suspension Fux allows (7-6, 4-3 or 9-8 above; 2-3 or 4-5 below)"
                        }
                    ),
                ));
            }
        }

        // The resolution of a suspension on the previous note.
        let Some(previous) = self.index.checked_sub(1) else {
            return;
        };
        let was_suspension =
            self.notes[previous].tied && self.vertical(previous).is_some_and(|v| !v.is_consonant());
        if !was_suspension {
            return;
        }
        let resolved = match (
            self.notes[previous].pitch,
            note.pitch,
            self.vertical(self.index),
        ) {
            (Some(from), Some(to), Some(vertical)) => {
                letters(&to) - letters(&from) == -1 && vertical.is_consonant()
            }
            _ => false,
        };
        if !resolved {
            found.push(self.violation(
                Rule::SuspensionTreatment,
                "a suspension not resolved down by step to a consonance".into(),
            ));
        }
    }

    /// `ParallelPerfect`, `AccentedParallelPerfect`, `DirectPerfect`, `ParallelImperfectRun`.
    fn motion(&self, found: &mut Vec<Violation>) {
        let Some(previous) = self.index.checked_sub(1) else {
            return;
        };
        let (Some(before), Some(now)) = (self.vertical(previous), self.vertical(self.index)) else {
            return;
        };
        let (line, cantus) = self.moves(previous, self.index);
        let both_move = line != 0 && cantus != 0 && !self.note().tied;
        if both_move {
            if let Some(class) = now.perfect_class()
                && before.perfect_class() == Some(class)
            {
                found.push(self.violation(
                    Rule::ParallelPerfect,
                    format!("parallel {}s", if class == 0 { "octave" } else { "fifth" }),
                ));
            } else if let Some(class) = now.perfect_class()
                && line.signum() == cantus.signum()
            {
                found.push(self.violation(
                    Rule::DirectPerfect,
                    format!(
                        "a {} reached by similar motion",
                        if class == 0 { "octave" } else { "fifth" }
                    ),
                ));
            }
        }

        // Perfect intervals on two successive downbeats, whatever lies between.
        let accented = matches!(
            self.exercise.species,
            Species::Second | Species::Third | Species::Fourth | Species::Fifth
        );
        if accented && self.is_downbeat(self.index) && !self.note().tied && self.measure > 0 {
            let earlier = (0..self.index)
                .rev()
                .find(|&i| self.is_downbeat(i) && self.measure_of(i) + 1 == self.measure)
                .filter(|&earlier| earlier != previous);
            self.perfect_pair(earlier, now, "on successive downbeats", found);
        }

        // Fourth species: a tie between two struck notes only delays the second, so it does not
        // hide the perfect intervals they make (9-8 then 9-8 above, 4-5 then 4-5 below, and the
        // consonant 6-5 then 6-5); the 5-6 chain, sixths on the struck notes, stays free.
        let across_tie = self.exercise.species == Species::Fourth
            && !self.note().tied
            && !self.is_downbeat(self.index)
            && self.notes[previous].tied;
        if across_tie {
            let earlier = self
                .index
                .checked_sub(2)
                .filter(|&earlier| !self.notes[earlier].tied);
            self.perfect_pair(
                earlier,
                now,
                "on successive weak beats, a tie between them",
                found,
            );
        }

        // Four parallel thirds or sixths in a row (struck notes where both voices move).
        if both_move && now.imperfect_class().is_some() {
            let mut run = 1;
            let mut at = self.index;
            while let Some(before) = at.checked_sub(1) {
                let same = self.vertical(before).and_then(Vertical::imperfect_class)
                    == self.vertical(at).and_then(Vertical::imperfect_class);
                let (line, cantus) = self.moves(before, at);
                if !same || line == 0 || cantus == 0 || self.notes[at].tied {
                    break;
                }
                run += 1;
                at = before;
            }
            if run == 4 {
                found.push(self.violation(
                    Rule::ParallelImperfectRun,
                    "four parallel thirds or sixths in a row".into(),
                ));
            }
        }
    }

    /// The semitones the line (0 when either note is a rest) and the cantus move from note `a`
    /// to note `b`.
    fn moves(&self, a: usize, b: usize) -> (i32, i32) {
        let line = self.notes[b]
            .pitch
            .zip(self.notes[a].pitch)
            .map_or(0, |(x, y)| x.midi() - y.midi());
        (line, self.cantus_at(b).midi() - self.cantus_at(a).midi())
    }

    /// `AccentedParallelPerfect`: the note at `earlier` and this one make the same perfect
    /// interval with both voices moving between them.
    fn perfect_pair(
        &self,
        earlier: Option<usize>,
        now: Vertical,
        place: &str,
        found: &mut Vec<Violation>,
    ) {
        let Some(earlier) = earlier else {
            return;
        };
        let (Some(then), Some(class)) = (self.vertical(earlier), now.perfect_class()) else {
            return;
        };
        let (line, cantus) = self.moves(earlier, self.index);
        if then.perfect_class() == Some(class) && line != 0 && cantus != 0 {
            found.push(self.violation(
                Rule::AccentedParallelPerfect,
                format!("{}s {place}", if class == 0 { "octave" } else { "fifth" }),
            ));
        }
    }

    /// `UnisonInside`: unisons only at the ends.
    fn unison(&self, found: &mut Vec<Violation>) {
        let first = self.previous_sounding(self.index).is_none();
        let last = self.measure >= self.last_measure;
        // A tied note meeting the cantus's next note is a unison inside the line too.
        if !first && !last && self.vertical(self.index).is_some_and(Vertical::is_unison) {
            found.push(self.violation(Rule::UnisonInside, "a unison inside the line".into()));
        }
    }

    /// `MelodicInterval`, `LeapRecovery`, `ConsecutiveLeaps`, `RepeatedNotes`.
    fn melody(&self, found: &mut Vec<Violation>) {
        let note = self.note();
        let (Some(now), Some(previous)) = (note.pitch, self.previous_sounding(self.index)) else {
            return;
        };
        if note.tied {
            return;
        }
        let from = self.notes[previous].pitch.unwrap_or(now);
        let semitones = now.midi() - from.midi();
        let steps = letters(&now) - letters(&from);
        if semitones == 0 && steps == 0 {
            found.push(self.violation(
                Rule::RepeatedNotes,
                format!("{} struck twice in a row", now.name_with_octave()),
            ));
            return;
        }
        if let Some(problem) = bad_melodic_interval(semitones, steps) {
            found.push(self.violation(
                Rule::MelodicInterval,
                format!(
                    "{problem} from {} to {}",
                    from.name_with_octave(),
                    now.name_with_octave()
                ),
            ));
        }

        // The leap before this move.
        let moves: Vec<i32> = self.recent_moves(3);
        if let [.., before, this] = moves.as_slice()
            && before.abs() >= 7
            && !(this.abs() <= 2 && this.signum() == -before.signum())
        {
            found.push(self.violation(
                Rule::LeapRecovery,
                "a leap of a fifth or more not followed by a step the other way".into(),
            ));
        }
        let leaps_one_way = |window: &[i32]| {
            window.iter().all(|m| m.abs() > 2)
                && window.iter().all(|m| m.signum() == window[0].signum())
        };
        let three = moves.len() >= 3 && leaps_one_way(&moves[moves.len() - 3..]);
        let two_wide = moves.len() >= 2
            && leaps_one_way(&moves[moves.len() - 2..])
            && (moves[moves.len() - 2] + moves[moves.len() - 1]).abs() > 12;
        if three || two_wide {
            found.push(self.violation(
                Rule::ConsecutiveLeaps,
                if three {
                    "three leaps in one direction".into()
                } else {
                    "two leaps in one direction spanning more than an octave".into()
                },
            ));
        }
    }

    /// The last `count` melodic moves (semitones) up to this note, struck notes only.
    fn recent_moves(&self, count: usize) -> Vec<i32> {
        let struck: Vec<i32> = self
            .notes
            .iter()
            .filter(|n| !n.tied)
            .filter_map(|n| n.pitch)
            .map(|p| p.midi())
            .collect();
        let moves: Vec<i32> = struck.windows(2).map(|w| w[1] - w[0]).collect();
        moves[moves.len().saturating_sub(count)..].to_vec()
    }

    /// `VoiceSpacing`: no crossing, at most a twelfth apart.
    fn spacing(&self, found: &mut Vec<Violation>) {
        let Some(vertical) = self.vertical(self.index) else {
            return;
        };
        if vertical.semitones < 0 {
            found.push(self.violation(Rule::VoiceSpacing, "the voices cross".into()));
        } else if vertical.semitones > MAX_SPACING {
            found.push(self.violation(
                Rule::VoiceSpacing,
                "the voices are more than a twelfth apart".into(),
            ));
        }
    }

    /// `ModalPitches`: the mode's pitches; the raised sixth and seventh only before the final.
    fn modal(&self, found: &mut Vec<Violation>) {
        let Some(pitch) = self.note().pitch else {
            return;
        };
        let scale = &self.exercise.scale;
        let degree = scale.degree_of(&pitch);
        let expected = scale.degree_pitch(degree);
        if pitch.alter == expected.alter {
            return;
        }
        let at_cadence = self.measure + 1 == self.last_measure;
        let raised_ok = at_cadence
            && pitch.alter == expected.alter + 1
            && matches!(degree.rem_euclid(7), 5 | 6)
            && is_ficta(scale, &pitch);
        if !raised_ok {
            found.push(self.violation(
                Rule::ModalPitches,
                format!("{} is not in {scale}", pitch.name()),
            ));
        }
    }

    /// `Opening`: the first sounding note is a perfect consonance (no fifth below).
    fn opening(&self, found: &mut Vec<Violation>) {
        if self.note().pitch.is_none() || self.previous_sounding(self.index).is_some() {
            return;
        }
        let Some(vertical) = self.vertical(self.index) else {
            return;
        };
        let ok = matches!(
            (vertical.perfect_class(), self.exercise.position),
            (Some(0), _) | (Some(4), Position::Above)
        );
        if !ok || self.measure > 0 {
            found.push(self.violation(
                Rule::Opening,
                format!(
                    "the line opens on a {}; open on a unison, octave{}",
                    vertical.name(),
                    if self.exercise.position == Position::Above {
                        " or fifth"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }

    /// `Closing`: a unison or octave on the final, reached by step in contrary motion with a
    /// semitone in one voice.
    fn closing(&self, found: &mut Vec<Violation>) {
        if self.measure != self.last_measure || self.note().tied {
            return;
        }
        let (Some(last), Some(vertical)) = (self.note().pitch, self.vertical(self.index)) else {
            return;
        };
        let mut problems = Vec::new();
        if vertical.perfect_class() != Some(0) {
            problems.push(format!(
                "ends on a {}, not a unison or octave",
                vertical.name()
            ));
        }
        if !self.is_downbeat(self.index) || self.note().duration != self.exercise.bar {
            problems.push("the final note does not fill the last measure".to_string());
        }
        let cantus_move = self.exercise.cantus[self.last_measure].midi()
            - self.exercise.cantus[self.last_measure.saturating_sub(1)].midi();
        if let Some(previous) = self
            .previous_sounding(self.index)
            .and_then(|i| self.notes[i].pitch)
        {
            let line_move = last.midi() - previous.midi();
            if !(1..=2).contains(&line_move.abs()) {
                problems.push("the final is not reached by step".to_string());
            } else if line_move.signum() == cantus_move.signum() {
                problems.push("the final is not reached in contrary motion".to_string());
            } else if line_move.abs() != 1 && cantus_move.abs() != 1 {
                problems
                    .push("neither voice reaches the final by semitone (leading tone)".to_string());
            }
        }
        for problem in problems {
            found.push(self.violation(Rule::Closing, problem));
        }
    }
}

/// Why a melodic move is not allowed, if it is not.
fn bad_melodic_interval(semitones: i32, steps: i32) -> Option<&'static str> {
    let size = semitones.abs();
    let letters_moved = steps.abs();
    let simple = (letters_moved % 7, size % 12);
    let perfect_or_major_minor = matches!(
        simple,
        (0, 0) | (1, 1 | 2) | (2, 3 | 4) | (3, 5) | (4, 7) | (5, 8 | 9) | (6, 10 | 11)
    );
    if letters_moved == 0 {
        Some("a chromatic semitone")
    } else if !perfect_or_major_minor {
        Some("an augmented or diminished interval")
    } else if size > 12 {
        Some("a leap over an octave")
    } else if matches!(size, 10 | 11) {
        Some("a leap of a seventh")
    } else if size == 9 {
        Some("a leap of a major sixth")
    } else if size == 8 && semitones < 0 {
        Some("a descending minor sixth")
    } else {
        None
    }
}

/// True when `pitch` is the raised sixth or seventh degree that musica ficta allows at the
/// cadence (a semitone below the final, or a tone below that), and the mode is not phrygian.
fn is_ficta(scale: &super::Scale, pitch: &Pitch) -> bool {
    let tonic = scale.tonic.pitch_class();
    let below = (i32::from(tonic) - i32::from(pitch.pitch_class())).rem_euclid(12);
    let phrygian = scale.semitones()[1] == 1;
    !phrygian && (below == 1 || (below == 3 && scale.is_minor_like()))
}

/// The widest the two voices may be apart, in semitones: a twelfth.
pub const MAX_SPACING: i32 = 19;

/// How often a fourth-species line may break its syncopations (Fux allows it where no
/// suspension can follow, the measure then going as in the second species).
pub const MAX_BROKEN_LIGATURES: usize = 2;

/// `MeasureFilled` and `SpeciesRhythm`.
fn filled_and_rhythm(exercise: &Exercise, found: &mut Vec<Violation>) {
    let measures = exercise.cantus.len();
    let mut per_measure: Vec<Vec<&CpNote>> = vec![Vec::new(); measures];
    for note in &exercise.counterpoint {
        let index = measure_index(note.start, exercise.bar);
        if index < measures {
            per_measure[index].push(note);
        } else {
            found.push(Violation {
                rule: Rule::MeasureFilled,
                measure: index + 1,
                detail: "a note after the last measure of the cantus".into(),
            });
        }
    }
    let mut broken_ligatures = 0;
    for (index, notes) in per_measure.iter().enumerate() {
        let filled: Ql = notes.iter().map(|n| n.duration).sum();
        let starts_ok = notes
            .first()
            .is_some_and(|n| n.start == exercise.bar * Ql::from_int(index as i64))
            && notes
                .windows(2)
                .all(|w| w[0].start + w[0].duration == w[1].start);
        if filled != exercise.bar || !starts_ok {
            found.push(Violation {
                rule: Rule::MeasureFilled,
                measure: index + 1,
                detail: format!(
                    "the notes fill {filled} of {} quarter lengths",
                    exercise.bar
                ),
            });
            continue;
        }
        let broken_ligature = exercise.species == Species::Fourth
            && index > 0
            && index + 1 < measures
            && notes.first().is_some_and(|n| !n.tied);
        if broken_ligature {
            broken_ligatures += 1;
            if broken_ligatures > MAX_BROKEN_LIGATURES {
                found.push(Violation {
                    rule: Rule::SpeciesRhythm,
                    measure: index + 1,
                    detail: format!(
                        "fourth species: the syncopation is broken more than {MAX_BROKEN_LIGATURES} times"
                    ),
                });
            }
        }
        if exercise.species == Species::Fourth
            && index + 2 == measures
            && index > 0
            && broken_ligatures == measures - 2
        {
            found.push(Violation {
                rule: Rule::SpeciesRhythm,
                measure: index + 1,
                detail: "fourth species: no note is tied over a barline; syncopate the line".into(),
            });
        }
        if let Some(problem) = rhythm_problem(exercise, index, notes) {
            found.push(Violation {
                rule: Rule::SpeciesRhythm,
                measure: index + 1,
                detail: problem,
            });
        }
    }
}

/// What is wrong with measure `index`'s rhythm for the species, if anything.
fn rhythm_problem(exercise: &Exercise, index: usize, notes: &[&CpNote]) -> Option<String> {
    let bar = exercise.bar;
    let last = index + 1 == exercise.cantus.len();
    let durations: Vec<Ql> = notes.iter().map(|n| n.duration).collect();
    let rests: Vec<bool> = notes.iter().map(|n| n.pitch.is_none()).collect();
    let part = |n: i64| bar / Ql::from_int(n);
    if last {
        let ok = durations == [bar] && !rests[0];
        return (!ok).then(|| "the last measure is one whole note".to_string());
    }
    let rest_allowed = index == 0;
    if rests
        .iter()
        .enumerate()
        .any(|(i, &r)| r && !(rest_allowed && i == 0))
    {
        return Some("a rest inside the line (only the first downbeat may rest)".into());
    }
    let expected = |pattern: Vec<Ql>| durations == pattern;
    match exercise.species {
        Species::First => {
            (!expected(vec![bar])).then(|| "first species: one whole note per measure".into())
        }
        Species::Second => (!expected(vec![part(2), part(2)]))
            .then(|| "second species: two half notes per measure".into()),
        Species::Third => (!expected(vec![part(4); 4]))
            .then(|| "third species: four quarter notes per measure".into()),
        Species::Fourth => {
            if !expected(vec![part(2), part(2)]) {
                Some("fourth species: two half notes per measure".into())
            } else if index == 0 && !rests[0] {
                Some("fourth species: the line starts after a half rest".into())
            } else {
                None
            }
        }
        Species::Fifth => fifth_species_rhythm(exercise, notes),
    }
}

/// Fifth species: halves, quarters, eighths in pairs on weak quarters, ties into downbeats only.
fn fifth_species_rhythm(exercise: &Exercise, notes: &[&CpNote]) -> Option<String> {
    let quarter = exercise.bar / Ql::from_int(4);
    let eighth = quarter / Ql::from_int(2);
    for (i, note) in notes.iter().enumerate() {
        let within = note.start
            - exercise.bar * Ql::from_int(measure_index(note.start, exercise.bar) as i64);
        if note.duration > quarter * Ql::from_int(2) {
            return Some("fifth species: no note longer than a half inside the line".into());
        }
        if note.tied && within.is_positive() {
            return Some("fifth species: ties only into the downbeat".into());
        }
        if note.duration == eighth {
            let pair_start = within == quarter || within == quarter * Ql::from_int(3);
            let pair_end =
                within == quarter + eighth || within == quarter * Ql::from_int(3) + eighth;
            let paired = (pair_start && notes.get(i + 1).is_some_and(|n| n.duration == eighth))
                || (pair_end && i > 0 && notes[i - 1].duration == eighth);
            if !paired {
                return Some("fifth species: eighth notes come in pairs on a weak quarter".into());
            }
        } else if note.duration < eighth
            || (note.duration != quarter && note.duration != quarter * Ql::from_int(2))
        {
            return Some("fifth species: use halves, quarters and pairs of eighths".into());
        }
        if note.duration == quarter * Ql::from_int(2)
            && within != Ql::ZERO
            && within != quarter * Ql::from_int(2)
        {
            return Some("fifth species: a half note starts on the first or third quarter".into());
        }
    }
    None
}

/// `Range` and `SingleClimax`.
fn range_and_climax(exercise: &Exercise, found: &mut Vec<Violation>) {
    let struck: Vec<(usize, Pitch)> = exercise
        .counterpoint
        .iter()
        .filter(|n| !n.tied)
        .filter_map(|n| {
            n.pitch
                .map(|p| (measure_index(n.start, exercise.bar) + 1, p))
        })
        .collect();
    let Some(high) = struck.iter().map(|(_, p)| p.midi()).max() else {
        return;
    };
    let low = struck.iter().map(|(_, p)| p.midi()).min().unwrap_or(high);
    if high - low > 16 {
        found.push(Violation {
            rule: Rule::Range,
            measure: 1,
            detail: format!("the line spans {} semitones, more than a tenth", high - low),
        });
    }
    let peaks: Vec<usize> = struck
        .iter()
        .filter(|(_, p)| p.midi() == high)
        .map(|(m, _)| *m)
        .collect();
    if peaks.len() > 1 {
        found.push(Violation {
            rule: Rule::SingleClimax,
            measure: peaks[1],
            detail: format!(
                "the highest note is reached {} times (measures {peaks:?})",
                peaks.len()
            ),
        });
    }
}

#[cfg(test)]
mod tests;
