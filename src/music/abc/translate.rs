//! Processed ABC tokens of one part into a model part, as music21's `abcToStreamPart` builds
//! it: measures from the chunks, a first measure holding a meter numbered 0 (pickup or not;
//! the rest count from 1), measures longer than the meter are split (`rebar`), and a part with fewer than two measures
//! of notes has none at all.

use super::chord_symbol::{Annotation, annotation};
use super::field::{KeyField, Meter, tempo};
use super::process::{Item, ParsedNote};
use super::rebar::rebar;
use super::split::{defines_measures, merge_leading_fields, split_measures};
use super::token::{Field, Token};
use crate::music::model::score::MEASURELESS;
use crate::music::model::{
    ChordTone, Clef, Event, EventKind, Measure, Notation, Part, PartKind, Placed, Ql, Rest, Tie,
    Voice,
};

/// One part built from its tokens.
pub(super) fn build_part(items: &[Item], index: usize) -> Part {
    let chunks = if defines_measures(items) {
        merge_leading_fields(split_measures(items))
    } else {
        vec![super::split::BarChunk {
            items: items.to_vec(),
        }]
    };
    let use_measures = chunks.len() > 1;
    let mut measures: Vec<Measure> = Vec::new();
    let mut loose = Builder::new(false);
    let mut transposition = 0;
    let mut next_number = 1;
    for chunk in &chunks {
        if use_measures && chunk.has_notes() {
            let mut builder = Builder::new(true);
            transposition = builder.read(&chunk.items);
            // music21 numbers only the measures after a first measure with a meter: that one
            // keeps the default number 0, pickup or not.
            let number = if measures.is_empty() && builder.has_meter_at_start() {
                0
            } else {
                next_number += 1;
                next_number - 1
            };
            let offset = measures.last().map_or(Ql::ZERO, Measure::end);
            measures.push(builder.into_measure(number, offset));
        } else {
            loose.cursor = measures.last().map_or(loose.cursor, Measure::end);
            transposition = loose.read(&chunk.items);
        }
    }
    if use_measures {
        rebar(&mut measures);
        attach_loose(&mut measures, loose);
    } else {
        let mut container = loose.into_measure(0, Ql::ZERO);
        container.number_text = Some(MEASURELESS.to_string());
        measures.push(container);
    }
    if transposition != 0 {
        shift_octaves(&mut measures, transposition / 12);
    }
    Part {
        id: None,
        source_id: format!("P{}", index + 1),
        name: None,
        abbreviation: None,
        kind: PartKind::Part,
        staff: None,
        transposition: None,
        measures,
    }
}

/// Collects one measure's (or the whole unmeasured part's) content.
struct Builder {
    in_measure: bool,
    cursor: Ql,
    events: Vec<Event>,
    measure: Measure,
}

impl Builder {
    fn new(in_measure: bool) -> Builder {
        Builder {
            in_measure,
            cursor: Ql::ZERO,
            events: Vec::new(),
            measure: empty_measure(),
        }
    }

    /// Reads the tokens; returns the octave shift of the last `K:` with a clef (music21 keeps
    /// only the last chunk's value).
    fn read(&mut self, items: &[Item]) -> i32 {
        let mut transposition = 0;
        for item in items {
            match (&item.token, &item.note) {
                (Token::Field(field), _) => {
                    if let Some(shift) = self.field(field) {
                        transposition = shift;
                    }
                }
                (_, Some(note)) => self.note(note),
                _ => {}
            }
        }
        transposition
    }

    /// Places a meter, key or tempo; a measure's meter and key go to its start, replacing
    /// any there, as music21's `Measure.timeSignature` setter does.
    fn field(&mut self, field: &Field) -> Option<i32> {
        let at_start = self.in_measure && !field.inline;
        let offset = if at_start { Ql::ZERO } else { self.cursor };
        match field.tag {
            'M' => {
                if let Some(signature) = Meter::parse(&field.data).signature() {
                    let list = &mut self.measure.time_signatures;
                    if at_start {
                        list.retain(|mark| !mark.offset.is_zero());
                    }
                    list.push(placed(offset, signature.clone()));
                }
                None
            }
            'K' => {
                let key = KeyField::parse(&field.data);
                let list = &mut self.measure.key_signatures;
                if at_start {
                    list.retain(|mark| !mark.offset.is_zero());
                }
                list.push(placed(offset, key.signature));
                let clef = clef_for(key.transposition)?;
                self.measure.clefs.push(placed(offset, clef));
                Some(key.transposition)
            }
            'Q' => {
                self.measure
                    .tempos
                    .push(placed(self.cursor, tempo(&field.data)));
                None
            }
            _ => None,
        }
    }

    fn note(&mut self, note: &ParsedNote) {
        if let Some(first) = note.chord_symbols.first() {
            match annotation(first) {
                Annotation::Symbol(symbol) => {
                    self.measure.chord_symbols.push(placed(self.cursor, symbol));
                }
                Annotation::DropsNote => return,
                Annotation::Ignored => {}
            }
        }
        let Some(event) = event_of(note, self.cursor) else {
            return;
        };
        self.cursor += event.duration;
        self.events.push(event);
    }

    fn has_meter_at_start(&self) -> bool {
        self.meter_at_start().is_some()
    }

    fn meter_at_start(&self) -> Option<&crate::music::model::TimeSignature> {
        self.measure
            .time_signatures
            .iter()
            .find(|mark| mark.offset.is_zero())
            .map(|mark| &mark.value)
    }

    /// A first measure shorter than its meter is a pickup (music21 pads it on the left).
    fn is_pickup(&self) -> bool {
        self.meter_at_start()
            .is_some_and(|meter| self.highest_time() < meter.bar_duration())
    }

    fn highest_time(&self) -> Ql {
        self.events
            .iter()
            .map(|e| e.offset + e.duration)
            .max()
            .unwrap_or(Ql::ZERO)
            .max(self.cursor)
    }

    fn into_measure(self, number: i32, offset: Ql) -> Measure {
        let duration = self.highest_time();
        let implicit = number == 0 && self.is_pickup();
        let mut measure = self.measure;
        measure.number = number;
        measure.implicit = implicit;
        measure.offset = offset;
        measure.duration = duration;
        measure.voices = vec![Voice {
            id: None,
            events: self.events,
        }];
        measure
    }
}

fn placed<T>(offset: Ql, value: T) -> Placed<T> {
    Placed { offset, value }
}

pub(super) fn empty_measure() -> Measure {
    Measure {
        number: 0,
        number_suffix: None,
        number_text: None,
        implicit: false,
        offset: Ql::ZERO,
        duration: Ql::ZERO,
        time_signatures: Vec::new(),
        key_signatures: Vec::new(),
        clefs: Vec::new(),
        tempos: Vec::new(),
        chord_symbols: Vec::new(),
        voices: Vec::new(),
    }
}

fn clef_for(transposition: i32) -> Option<Clef> {
    match transposition {
        -24 => Some(Clef {
            sign: "F".to_string(),
            line: Some(4),
            octave_change: 0,
        }),
        -12 => Some(Clef {
            sign: "G".to_string(),
            line: Some(2),
            octave_change: -1,
        }),
        _ => None,
    }
}

/// The event for a note, rest or chord; `None` for a chord without notes, which music21 skips.
fn event_of(note: &ParsedNote, offset: Ql) -> Option<Event> {
    let written = note.length;
    let mut duration = note.duration();
    let (kind, tie, grace) = if note.is_chord {
        if note.pitches.is_empty() {
            return None;
        }
        let tones = note
            .pitches
            .iter()
            .map(|&pitch| ChordTone {
                pitch,
                tie: None,
                unpitched: false,
            })
            .collect();
        (EventKind::Chord(tones), None, false)
    } else if let Some(&pitch) = note.pitches.first() {
        (EventKind::Note(pitch), note.tie, note.grace)
    } else {
        (EventKind::Rest(Rest::default()), None, note.grace)
    };
    if grace {
        duration = Ql::ZERO;
    }
    Some(Event {
        offset,
        duration,
        kind,
        tie,
        grace,
        fermata: false,
        hidden: false,
        notation: notation_of(written, note.tuplet),
    })
}

/// The note type and dots of a written length, when it has one.
pub(super) fn notation_of(written: Ql, tuplet: Option<(u32, u32)>) -> Option<Notation> {
    const TYPES: [(i64, i64, &str); 11] = [
        (16, 1, "longa"),
        (8, 1, "breve"),
        (4, 1, "whole"),
        (2, 1, "half"),
        (1, 1, "quarter"),
        (1, 2, "eighth"),
        (1, 4, "16th"),
        (1, 8, "32nd"),
        (1, 16, "64th"),
        (1, 32, "128th"),
        (1, 64, "256th"),
    ];
    for (num, den, name) in TYPES {
        let base = Ql::new(num, den);
        for dots in 0..3u8 {
            let factor = Ql::new((1 << (dots + 1)) - 1, 1 << dots);
            if base * factor == written {
                return Some(Notation {
                    note_type: name.to_string(),
                    dots,
                    tuplet: tuplet.filter(|&(actual, normal)| actual != normal),
                });
            }
        }
    }
    None
}

/// Puts marks read outside any measure (fields in chunks without notes) into the measure that
/// contains their offset.
fn attach_loose(measures: &mut [Measure], loose: Builder) {
    if measures.is_empty() {
        return;
    }
    let home = |measures: &[Measure], offset: Ql| {
        measures
            .partition_point(|m| m.offset <= offset)
            .saturating_sub(1)
    };
    let source = loose.measure;
    for mark in source.time_signatures {
        let i = home(measures, mark.offset);
        let offset = mark.offset - measures[i].offset;
        measures[i].time_signatures.push(placed(offset, mark.value));
    }
    for mark in source.key_signatures {
        let i = home(measures, mark.offset);
        let offset = mark.offset - measures[i].offset;
        measures[i].key_signatures.push(placed(offset, mark.value));
    }
    for mark in source.tempos {
        let i = home(measures, mark.offset);
        let offset = mark.offset - measures[i].offset;
        measures[i].tempos.push(placed(offset, mark.value));
    }
    for mark in source.clefs {
        let i = home(measures, mark.offset);
        let offset = mark.offset - measures[i].offset;
        measures[i].clefs.push(placed(offset, mark.value));
    }
}

/// music21 transposes the part when its last chunk held a `K:` with a bass or `-8va` clef.
fn shift_octaves(measures: &mut [Measure], octaves: i32) {
    for measure in measures {
        for voice in &mut measure.voices {
            for event in &mut voice.events {
                match &mut event.kind {
                    EventKind::Note(pitch) => pitch.octave += octaves,
                    EventKind::Chord(tones) => {
                        for tone in tones {
                            tone.pitch.octave += octaves;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The tie a note keeps when it is split at a barline, and the tie of its second half.
pub(super) fn split_ties(tie: Option<Tie>) -> (Tie, Tie) {
    match tie {
        None => (Tie::Start, Tie::Stop),
        Some(Tie::Start) => (Tie::Start, Tie::Continue),
        Some(Tie::Stop) => (Tie::Continue, Tie::Stop),
        Some(Tie::Continue) => (Tie::Continue, Tie::Continue),
    }
}
