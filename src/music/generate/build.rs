//! Building new parts and scores from plain note lists, measure by measure.
//!
//! A generator decides pitches and durations; this module turns them into the score model:
//! measures with their offsets, time and key signatures, clefs, and events whose durations fill
//! each measure exactly (the writers derive note types from durations).

use crate::music::model::{
    Clef, Event, EventKind, KeySignature, Measure, Metadata, Part, PartKind, Pitch, Placed, Ql,
    Rest, Score, Tie, TimeSignature, Voice,
};

/// One note or rest to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoteSpec {
    /// The pitch; `None` for a rest.
    pub pitch: Option<Pitch>,
    /// The length in quarter lengths.
    pub duration: Ql,
    /// The tie on this note, if any.
    pub tie: Option<Tie>,
    /// Carries a fermata.
    pub fermata: bool,
}

impl NoteSpec {
    /// A plain note.
    pub fn note(pitch: Pitch, duration: Ql) -> NoteSpec {
        NoteSpec {
            pitch: Some(pitch),
            duration,
            tie: None,
            fermata: false,
        }
    }

    /// A rest.
    pub fn rest(duration: Ql) -> NoteSpec {
        NoteSpec {
            pitch: None,
            duration,
            tie: None,
            fermata: false,
        }
    }
}

/// Where a measure sits and what signatures start in it.
#[derive(Clone, Debug, PartialEq)]
pub struct MeasureFrame {
    /// The measure number.
    pub number: i32,
    /// Offset of the measure's start from the start of the score.
    pub offset: Ql,
    /// The measure's length.
    pub duration: Ql,
    /// A time signature starting here.
    pub time: Option<TimeSignature>,
    /// A key signature starting here.
    pub key: Option<KeySignature>,
}

/// The treble clef.
pub fn treble_clef() -> Clef {
    Clef {
        sign: "G".into(),
        line: Some(2),
        octave_change: 0,
    }
}

/// The treble clef an octave down, for tenors.
pub fn tenor_clef() -> Clef {
    Clef {
        sign: "G".into(),
        line: Some(2),
        octave_change: -1,
    }
}

/// The bass clef.
pub fn bass_clef() -> Clef {
    Clef {
        sign: "F".into(),
        line: Some(4),
        octave_change: 0,
    }
}

/// The frames of an existing part: its measures' numbers, offsets, lengths and signatures.
pub fn frames_of(part: &Part) -> Vec<MeasureFrame> {
    part.measures
        .iter()
        .map(|measure| MeasureFrame {
            number: measure.number,
            offset: measure.offset,
            duration: measure.duration,
            time: measure.time_signatures.first().map(|t| t.value.clone()),
            key: measure.key_signatures.first().map(|k| k.value.clone()),
        })
        .collect()
}

/// `count` measures of `time`, numbered from 1, with `key` and `time` in the first.
pub fn regular_frames(count: usize, time: &TimeSignature, key: &KeySignature) -> Vec<MeasureFrame> {
    let length = time.bar_duration();
    (0..count)
        .map(|index| MeasureFrame {
            number: index as i32 + 1,
            offset: length * Ql::from_int(index as i64),
            duration: length,
            time: (index == 0).then(|| time.clone()),
            key: (index == 0).then(|| key.clone()),
        })
        .collect()
}

/// A part with one voice per measure: `contents[i]` fills `frames[i]`.
pub fn build_part(
    id: &str,
    name: &str,
    clef: Clef,
    frames: &[MeasureFrame],
    contents: Vec<Vec<NoteSpec>>,
) -> Part {
    let measures = frames
        .iter()
        .zip(contents)
        .enumerate()
        .map(|(index, (frame, notes))| {
            build_measure(frame, notes, (index == 0).then(|| clef.clone()))
        })
        .collect();
    Part {
        id: Some(name.to_string()),
        source_id: id.to_string(),
        name: Some(name.to_string()),
        abbreviation: None,
        kind: PartKind::Part,
        staff: None,
        transposition: None,
        measures,
    }
}

/// `value` placed at the start of its measure.
fn at_start<T>(value: T) -> Placed<T> {
    Placed {
        offset: Ql::ZERO,
        value,
    }
}

fn build_measure(frame: &MeasureFrame, notes: Vec<NoteSpec>, clef: Option<Clef>) -> Measure {
    let mut offset = Ql::ZERO;
    let events = notes
        .into_iter()
        .map(|spec| {
            let event = Event {
                offset,
                duration: spec.duration,
                kind: match spec.pitch {
                    Some(pitch) => EventKind::Note(pitch),
                    None => EventKind::Rest(Rest::default()),
                },
                tie: spec.tie,
                grace: false,
                fermata: spec.fermata,
                hidden: false,
                notation: None,
            };
            offset += spec.duration;
            event
        })
        .collect();
    Measure {
        number: frame.number,
        number_suffix: None,
        number_text: Some(frame.number.to_string()),
        implicit: false,
        offset: frame.offset,
        duration: frame.duration,
        time_signatures: frame.time.clone().map(at_start).into_iter().collect(),
        key_signatures: frame.key.clone().map(at_start).into_iter().collect(),
        clefs: clef.map(at_start).into_iter().collect(),
        tempos: Vec::new(),
        chord_symbols: Vec::new(),
        voices: vec![Voice { id: None, events }],
    }
}

/// A score titled `title` with `parts`, top part first.
pub fn build_score(title: &str, parts: Vec<Part>) -> Score {
    Score {
        metadata: Metadata {
            title: Some(title.to_string()),
            movement_name: Some(title.to_string()),
            composer: Some("music-mcp".to_string()),
            movement_number: None,
            number: None,
        },
        parts,
        spelling_inferred: false,
    }
}

/// The measures whose events do not add up to the measure's length, as `(part, measure number,
/// filled, length)`; empty when every measure of every part is filled exactly.
pub fn unfilled_measures(score: &Score) -> Vec<(usize, i32, Ql, Ql)> {
    let mut wrong = Vec::new();
    for (index, part) in score.parts.iter().enumerate() {
        for measure in &part.measures {
            for voice in &measure.voices {
                let filled: Ql = voice.events.iter().map(|e| e.duration).sum();
                if filled != measure.duration {
                    wrong.push((index, measure.number, filled, measure.duration));
                }
            }
        }
    }
    wrong
}
