//! Species counterpoint after Fux: a cantus firmus (one note per measure) and one added line,
//! above or below it, in the first to fifth species.
//!
//! [`rules`] checks a finished or partial line against every rule, measure by measure;
//! [`search`] writes a line by backtracking over pitches (and, in the fifth species, rhythms),
//! using the same local rules to prune, so whatever it returns as solved passes the checker.
//! Here are the shared types and the conversions to and from the score model.

pub mod rules;
pub mod search;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::build::{
    MeasureFrame, NoteSpec, bass_clef, build_part, build_score, regular_frames, tenor_clef,
    treble_clef,
};
use super::scale::Scale;
use crate::music::model::{EventKind, Mode, Part, Pitch, Ql, Score, Tie, TimeSignature};

/// The five species.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Species {
    /// Note against note.
    First,
    /// Two half notes against each whole note.
    Second,
    /// Four quarter notes against each whole note.
    Third,
    /// Syncopated half notes: ligatures and suspensions.
    Fourth,
    /// Florid: a mix of the other four.
    Fifth,
}

impl Species {
    /// The species numbered 1 to 5.
    pub fn from_number(number: u8) -> Option<Species> {
        [
            Species::First,
            Species::Second,
            Species::Third,
            Species::Fourth,
            Species::Fifth,
        ]
        .get(usize::from(number).checked_sub(1)?)
        .copied()
    }

    /// The species' number, 1 to 5.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }
}

/// Where the added line sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    /// The counterpoint is the upper voice.
    Above,
    /// The counterpoint is the lower voice.
    Below,
}

/// One note (or rest) of the counterpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpNote {
    /// The pitch; `None` for a rest.
    pub pitch: Option<Pitch>,
    /// Offset from the start, in ql.
    pub start: Ql,
    /// Length in ql; a note never crosses a barline (a syncopation is two tied notes).
    pub duration: Ql,
    /// True when this note continues the previous one through a tie (same pitch, not struck).
    pub tied: bool,
}

/// A cantus firmus with a counterpoint line: what the checker checks and the search writes.
#[derive(Clone, Debug, PartialEq)]
pub struct Exercise {
    /// One note per measure.
    pub cantus: Vec<Pitch>,
    /// The added line, in time order.
    pub counterpoint: Vec<CpNote>,
    /// The species the line is written in.
    pub species: Species,
    /// Where the line sits.
    pub position: Position,
    /// The mode: its pitches, with the raised leading tone allowed at the cadence.
    pub scale: Scale,
    /// The length of a measure (a whole note, 4 ql).
    pub bar: Ql,
}

/// Why a score cannot be used as a cantus firmus or a two-part exercise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CounterpointError {
    /// The cantus part has a measure without exactly one note struck on its downbeat.
    #[error(
        "the cantus firmus must have exactly one note per measure, struck on the downbeat, and no rests; measure {measure} has {notes}{}",
        if *rests { " and a rest" } else { "" }
    )]
    NotOneNotePerMeasure {
        /// The measure number.
        measure: i32,
        /// How many notes are struck in it.
        notes: usize,
        /// Whether it holds a rest.
        rests: bool,
    },
    /// Too short or too long to write counterpoint against.
    #[error("the cantus firmus has {}; use a cantus of 3 to 64 notes, one per measure", notes(*.0))]
    Length(usize),
    /// The score has no part to use.
    #[error("the score has no parts")]
    NoParts,
    /// A two-part check was asked of a score without two parts.
    #[error(
        "checking counterpoint needs two parts (cantus firmus and counterpoint); the score has {0}"
    )]
    PartCount(usize),
    /// The part to check as the counterpoint has rests only.
    #[error(
        "the counterpoint part (part {0}) has no notes, only rests; write a line against the cantus firmus first"
    )]
    NoCounterpoint(usize),
    /// The counterpoint part does not line up with the cantus.
    #[error(
        "the counterpoint part has {found} measures and the cantus {expected}; give both parts the same measures"
    )]
    MeasureMismatch {
        /// The cantus measures.
        expected: usize,
        /// The counterpoint measures.
        found: usize,
    },
}

/// "1 note", "5 notes".
fn notes(count: usize) -> String {
    if count == 1 {
        "1 note".to_string()
    } else {
        format!("{count} notes")
    }
}

/// The cantus firmus of a part: one pitched note per measure, struck on the downbeat, with no
/// rest (a note tied on through the measure counts once).
pub fn cantus_from_part(part: &Part) -> Result<Vec<Pitch>, CounterpointError> {
    let mut cantus = Vec::new();
    for measure in &part.measures {
        let events: Vec<_> = measure
            .voices
            .first()
            .into_iter()
            .flat_map(|voice| &voice.events)
            .filter(|event| !event.grace)
            .collect();
        let struck: Vec<_> = events
            .iter()
            .filter(|event| !matches!(event.tie, Some(Tie::Stop | Tie::Continue)))
            .filter(|event| matches!(event.kind, EventKind::Note(_)))
            .collect();
        let rests = events
            .iter()
            .any(|event| matches!(event.kind, EventKind::Rest(_)));
        match struck.as_slice() {
            [event] if !rests && event.offset.is_zero() => {
                if let EventKind::Note(pitch) = &event.kind {
                    cantus.push(*pitch);
                }
            }
            _ => {
                return Err(CounterpointError::NotOneNotePerMeasure {
                    measure: measure.number,
                    notes: struck.len(),
                    rests,
                });
            }
        }
    }
    if !(3..=64).contains(&cantus.len()) {
        return Err(CounterpointError::Length(cantus.len()));
    }
    Ok(cantus)
}

/// True when the part's name says it is the cantus firmus.
fn named_cantus(part: &Part) -> bool {
    part.name.as_deref().is_some_and(|name| {
        let name = name.to_lowercase();
        name.contains("cantus") || name == "cf" || name == "c.f."
    })
}

/// The mode of a cantus: `mode` on its final, or the mode its key signature and final imply.
pub fn scale_of(part: &Part, cantus: &[Pitch], mode: Option<Mode>) -> Scale {
    let last = cantus
        .last()
        .copied()
        .unwrap_or(Pitch::new(crate::music::model::Step::C, 0, 4));
    if let Some(mode) = mode {
        return Scale::with_mode(&last, mode);
    }
    let fifths = part
        .measures
        .first()
        .and_then(|m| m.key_signatures.first())
        .map_or(0, |k| k.value.fifths);
    Scale::from_signature_and_final(fifths, &last)
}

/// Reads a two-part score as an exercise: the counterpoint is the part other than the cantus
/// (part 0 is the cantus unless `cantus_part` says otherwise); above or below follows the order.
pub fn exercise_from_score(
    score: &Score,
    species: Option<Species>,
    cantus_part: Option<usize>,
) -> Result<Exercise, CounterpointError> {
    if score.parts.len() != 2 {
        return Err(CounterpointError::PartCount(score.parts.len()));
    }

    // The cantus is the part with one note per measure; when both have one, the part named
    // as the cantus firmus, else the lower one.
    let (cantus_index, cantus) = match cantus_part {
        Some(index) => (index.min(1), cantus_from_part(&score.parts[index.min(1)])?),
        None => {
            let candidates = [0, 1].map(|i| cantus_from_part(&score.parts[i]));
            let named = [0, 1].map(|i| named_cantus(&score.parts[i]));
            let chosen = match (&candidates, named) {
                ([Ok(_), Ok(_)], [true, false]) => 0,
                ([Ok(_), Ok(_)], _) | ([_, Ok(_)], _) => 1,
                _ => 0,
            };
            let [first, second] = candidates;
            (chosen, if chosen == 0 { first? } else { second? })
        }
    };
    let other = &score.parts[1 - cantus_index];
    if other.measures.len() != cantus.len() {
        return Err(CounterpointError::MeasureMismatch {
            expected: cantus.len(),
            found: other.measures.len(),
        });
    }
    let counterpoint = notes_of(other);
    if counterpoint.iter().all(|n| n.pitch.is_none()) {
        return Err(CounterpointError::NoCounterpoint(1 - cantus_index));
    }
    let bar = score.parts[cantus_index]
        .measures
        .first()
        .map_or(Ql::from_int(4), |m| m.duration);
    let species = species.unwrap_or_else(|| guess_species(&counterpoint, bar));
    // Above or below by pitch, not by the order of the parts: the counterpoint is above when
    // its notes sound higher on the whole than the cantus's.
    let line_mean = mean_midi(counterpoint.iter().filter_map(|n| n.pitch));
    let position = if line_mean >= mean_midi(cantus.iter().copied()) {
        Position::Above
    } else {
        Position::Below
    };
    Ok(Exercise {
        scale: scale_of(&score.parts[cantus_index], &cantus, None),
        cantus,
        counterpoint,
        species,
        position,
        bar,
    })
}

/// The mean MIDI number of some pitches (0 for none).
fn mean_midi(pitches: impl Iterator<Item = Pitch>) -> f64 {
    let (sum, count) = pitches.fold((0i64, 0i64), |(s, c), p| (s + i64::from(p.midi()), c + 1));
    sum as f64 / count.max(1) as f64
}

/// The notes of a counterpoint part, measure by measure, ties marked.
fn notes_of(part: &Part) -> Vec<CpNote> {
    let mut notes = Vec::new();
    for measure in &part.measures {
        for event in measure.voices.first().into_iter().flat_map(|v| &v.events) {
            let pitch = match &event.kind {
                EventKind::Note(pitch) => Some(*pitch),
                EventKind::Chord(tones) => tones.iter().map(|t| t.pitch).max_by_key(Pitch::midi),
                _ => None,
            };
            notes.push(CpNote {
                pitch,
                start: measure.offset + event.offset,
                duration: event.duration,
                tied: matches!(event.tie, Some(Tie::Stop | Tie::Continue)),
            });
        }
    }
    notes
}

/// The species a line looks like: by its shortest note and its ties.
fn guess_species(notes: &[CpNote], bar: Ql) -> Species {
    let shortest = notes.iter().map(|n| n.duration).min().unwrap_or(bar);
    let tied = notes.iter().any(|n| n.tied);
    let kinds: std::collections::BTreeSet<Ql> = notes[..notes.len().saturating_sub(1)]
        .iter()
        .filter(|n| n.start.is_positive())
        .map(|n| n.duration)
        .collect();
    if kinds.len() > 1 {
        Species::Fifth
    } else if tied {
        Species::Fourth
    } else if shortest * Ql::from_int(4) <= bar {
        Species::Third
    } else if shortest * Ql::from_int(2) <= bar {
        Species::Second
    } else {
        Species::First
    }
}

/// The cantus and the counterpoint as a two-part score, the upper voice first.
pub fn exercise_score(exercise: &Exercise, title: &str) -> Score {
    let time = TimeSignature::simple(4, 4);
    let frames: Vec<MeasureFrame> = regular_frames(
        exercise.cantus.len(),
        &time,
        &exercise.scale.key_signature(),
    );
    let cantus_notes: Vec<Vec<NoteSpec>> = exercise
        .cantus
        .iter()
        .map(|&pitch| vec![NoteSpec::note(pitch, exercise.bar)])
        .collect();
    let mut line: Vec<Vec<NoteSpec>> = vec![Vec::new(); exercise.cantus.len()];
    for (index, note) in exercise.counterpoint.iter().enumerate() {
        let measure = measure_index(note.start, exercise.bar).min(line.len() - 1);
        let ties_on = exercise
            .counterpoint
            .get(index + 1)
            .is_some_and(|next| next.tied);
        let tie = match (note.tied, ties_on) {
            (true, true) => Some(Tie::Continue),
            (true, false) => Some(Tie::Stop),
            (false, true) => Some(Tie::Start),
            (false, false) => None,
        };
        line[measure].push(NoteSpec {
            pitch: note.pitch,
            duration: note.duration,
            tie,
            fermata: false,
        });
    }
    let low = |pitches: &mut dyn Iterator<Item = i32>| pitches.min().unwrap_or(60) < 55;
    let clef_for = |is_low: bool| if is_low { bass_clef() } else { treble_clef() };
    let cantus_low = low(&mut exercise.cantus.iter().map(Pitch::midi));
    let line_low = low(&mut exercise
        .counterpoint
        .iter()
        .filter_map(|n| n.pitch)
        .map(|p| p.midi()));
    let cantus_clef = if cantus_low && exercise.cantus.iter().all(|p| p.midi() >= 48) {
        tenor_clef()
    } else {
        clef_for(cantus_low)
    };
    let cantus = build_part("P-cf", "Cantus firmus", cantus_clef, &frames, cantus_notes);
    let counterpoint = build_part("P-cp", "Counterpoint", clef_for(line_low), &frames, line);
    let parts = match exercise.position {
        Position::Above => vec![counterpoint, cantus],
        Position::Below => vec![cantus, counterpoint],
    };
    build_score(title, parts)
}

/// The index of the measure containing `offset`, for measures of length `bar` from zero.
pub fn measure_index(offset: Ql, bar: Ql) -> usize {
    let ratio = offset / bar;
    (ratio.numer().div_euclid(ratio.denom())).max(0) as usize
}
