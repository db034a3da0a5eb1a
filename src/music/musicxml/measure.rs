//! Reading one `<measure>` of one `<part>` into timed items, the way music21's
//! `MeasureParser` does: chords, voices, `<backup>`/`<forward>`, directions and attributes.
//!
//! Every item keeps the staff it was written for (0 = every staff), so the part reader can
//! later split a multi-staff part into one part per staff. Unlike older music21 releases,
//! music21 10 does not pad voices with hidden rests (its records show none), so neither do
//! we; a `<forward>` still leaves its hidden rest.

use super::attributes::{
    TempoMark, read_clef, read_harmony, read_key, read_metronome, read_sound_tempo, read_time,
    read_transpose, staff_child, staff_number_attribute,
};
use super::dom::{Dom, NodeId};
use super::note::{NoteElement, divide, read_note};
use crate::music::model::{
    ChordSymbol, ChordTone, Clef, Event, EventKind, KeySignature, MetronomeMark, Notation, Pitch,
    Ql, Rest, Step, TimeSignature, Transposition,
};

/// One measure as read, before measure offsets and staves are settled.
#[derive(Debug)]
pub(super) struct ParsedMeasure {
    /// music21's measure number.
    pub number: i32,
    /// music21's number suffix.
    pub suffix: Option<String>,
    /// The `number` attribute as written.
    pub number_text: Option<String>,
    /// `implicit="yes"`.
    pub implicit: bool,
    /// Voice ids in music21's order when the measure has several voices; empty otherwise.
    pub voice_ids: Vec<String>,
    /// Everything in the measure, in insertion order.
    pub items: Vec<Item>,
    /// The `<staves>` count (1 when not given).
    pub staves: u32,
    /// A `<transpose>` met in this measure.
    pub transposition: Option<Transposition>,
    /// music21's `fullMeasureRest`: one rest and no notes, or a trusted `measure="yes"` rest.
    pub full_measure_rest: bool,
    /// The hidden rest made by a trailing `<forward>`, if the measure ended with one.
    pub ended_with_forward: Option<usize>,
}

/// A timed item of a measure.
#[derive(Debug, Clone)]
pub(super) struct Item {
    /// Offset from the start of the measure.
    pub offset: Ql,
    /// The staff it belongs to; 0 means every staff.
    pub staff: u32,
    /// Index into `voice_ids`, or `None` for the measure itself.
    pub voice: Option<usize>,
    /// What it is.
    pub kind: ItemKind,
}

impl Item {
    /// Where the item ends.
    pub fn end(&self) -> Ql {
        match &self.kind {
            ItemKind::Event(event, _) => self.offset + event.duration,
            _ => self.offset,
        }
    }
}

/// The kinds of item a measure holds.
#[derive(Debug, Clone)]
pub(super) enum ItemKind {
    /// A note, chord, rest or unpitched note, and how it came about.
    Event(Event, Origin),
    /// A time signature.
    TimeSignature(TimeSignature),
    /// A key signature.
    KeySignature(KeySignature),
    /// A clef.
    Clef(Clef),
    /// A metronome mark.
    Tempo(MetronomeMark),
    /// A chord symbol.
    ChordSymbol(ChordSymbol),
    /// Another zero-length mark (dynamic, words, staff layout...): it only takes up time.
    Marker,
}

/// How an event entered the measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// A `<note>` element; `plain_whole` is true for an undotted whole or breve value.
    Note {
        /// Undotted, untupleted whole or breve.
        plain_whole: bool,
    },
    /// The hidden rest a `<forward>` leaves.
    Forward,
    /// The rest music21 puts into a measure that has nothing else.
    EmptyMeasure,
}

/// music21's running measure numbering, for its Finale `X1` fix.
#[derive(Debug, Clone, Default)]
pub(super) struct Numbering {
    /// The last measure number seen.
    pub last_number: i32,
    /// The suffix of the measure that set `last_number`.
    pub last_suffix: Option<String>,
}

/// Reads one `<measure>`. `divisions` carries over from measure to measure.
pub(super) fn read_measure(
    dom: &Dom<'_>,
    measure: NodeId,
    divisions: &mut Ql,
    numbering: &Numbering,
) -> ParsedMeasure {
    let (number, suffix) = measure_number(dom.attr(measure, "number").as_deref(), numbering);
    let mut reader = MeasureReader {
        dom,
        divisions,
        offset: Ql::ZERO,
        voice_ids: voice_ids(dom, measure),
        last_voice: None,
        chord: Vec::new(),
        items: Vec::new(),
        staves: 1,
        transposition: None,
        rests: 0,
        notes: 0,
        trusted_measure_rest: false,
        ended_with_forward: None,
    };
    reader.read_prints(measure);
    let children: Vec<NodeId> = dom.children(measure).collect();
    for (index, &child) in children.iter().enumerate() {
        let next = children.get(index + 1).copied();
        reader.read_child(child, next);
    }

    let full_measure_rest = reader.trusted_measure_rest || (reader.rests == 1 && reader.notes == 0);
    ParsedMeasure {
        number,
        suffix,
        number_text: dom.attr(measure, "number").map(|n| n.into_owned()),
        implicit: dom.attr(measure, "implicit").as_deref() == Some("yes"),
        voice_ids: reader.voice_ids,
        items: reader.items,
        staves: reader.staves,
        transposition: reader.transposition,
        full_measure_rest,
        ended_with_forward: reader.ended_with_forward,
    }
}

/// music21's `parseMeasureNumbers`: the digits give the number, the rest the suffix, and
/// Finale's `X1`, `X2` for unnumbered measures keep the previous number.
pub(super) fn measure_number(raw: Option<&str>, numbering: &Numbering) -> (i32, Option<String>) {
    let Some(raw) = raw else { return (0, None) };
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let rest: String = raw.chars().filter(|c| !c.is_ascii_digit()).collect();
    let mut number = digits.parse::<i32>().unwrap_or(0);
    let mut suffix = (!rest.is_empty()).then_some(rest);
    if suffix.as_deref() == Some("X") && number != numbering.last_number.saturating_add(1) {
        let mut new_suffix = numbering.last_suffix.clone().unwrap_or_default();
        new_suffix.push('X');
        new_suffix.push_str(&number.to_string());
        number = numbering.last_number;
        suffix = Some(new_suffix);
    }
    (number, suffix)
}

/// Distinct `<voice>` texts of the measure's notes, sorted as strings, when there are two or
/// more (music21's `updateVoiceInformation`); otherwise empty.
fn voice_ids(dom: &Dom<'_>, measure: NodeId) -> Vec<String> {
    let mut ids: Vec<String> = dom
        .children_named(measure, "note")
        .filter_map(|note| dom.child_text(note, "voice"))
        .map(str::to_string)
        .collect();
    ids.sort();
    ids.dedup();
    if ids.len() > 1 { ids } else { Vec::new() }
}

struct MeasureReader<'d, 'a, 'v> {
    dom: &'d Dom<'a>,
    divisions: &'v mut Ql,
    /// music21's `offsetMeasureNote`.
    offset: Ql,
    voice_ids: Vec<String>,
    last_voice: Option<String>,
    /// Notes collected for the chord under construction.
    chord: Vec<NoteElement>,
    items: Vec<Item>,
    staves: u32,
    transposition: Option<Transposition>,
    rests: u32,
    notes: u32,
    trusted_measure_rest: bool,
    ended_with_forward: Option<usize>,
}

impl MeasureReader<'_, '_, '_> {
    /// Staff layouts in `<print>`, which music21 reads before anything else.
    fn read_prints(&mut self, measure: NodeId) {
        let dom = self.dom;
        for print in dom.children_named(measure, "print") {
            for layout in dom.children_named(print, "staff-layout") {
                let staff = staff_number_attribute(dom, layout);
                if staff != 0 {
                    self.push(Ql::ZERO, staff, None, ItemKind::Marker);
                }
            }
        }
    }

    fn read_child(&mut self, child: NodeId, next: Option<NodeId>) {
        match self.dom.name(child) {
            "note" => self.read_note_element(child, next),
            "backup" => self.backup(child),
            "forward" => self.forward(child),
            "direction" => self.direction(child),
            "attributes" => self.attributes(child),
            "harmony" => self.harmony(child),
            "sound" => self.sound(child),
            _ => {}
        }
    }

    fn push(&mut self, offset: Ql, staff: u32, voice: Option<usize>, kind: ItemKind) -> usize {
        self.items.push(Item {
            offset,
            staff,
            voice,
            kind,
        });
        self.items.len() - 1
    }

    /// music21's `xmlToNote`: a chord is complete when the next element is not a chord note.
    fn read_note_element(&mut self, node: NodeId, next: Option<NodeId>) {
        let dom = self.dom;
        let note = read_note(dom, node, *self.divisions);
        let next_is_chord =
            next.is_some_and(|next| dom.name(next) == "note" && dom.child(next, "chord").is_some());
        let in_chord = note.chord || next_is_chord;
        if next_is_chord && let Some(voice) = &note.voice {
            self.last_voice = Some(voice.clone());
        }

        let mut increment = Ql::ZERO;
        if in_chord {
            self.chord.push(note);
        } else {
            if note.rest {
                self.rests += 1;
            } else {
                self.notes += 1;
            }
            self.trusted_measure_rest |= note.rest && note.full_measure_rest;
            let staff = note.staff;
            let voice = self.voice_for(note.voice.clone());
            increment = note.duration;
            let (event, origin) = single_event(note);
            self.push(self.offset, staff, voice, ItemKind::Event(event, origin));
        }

        if !self.chord.is_empty() && !next_is_chord {
            increment = self.finish_chord();
        }
        self.offset += increment;
        self.ended_with_forward = None;
    }

    /// Turns the collected chord notes into one chord event; returns its duration.
    fn finish_chord(&mut self) -> Ql {
        let notes = std::mem::take(&mut self.chord);
        let first = &notes[0];
        let (staff, duration, grace, hidden) =
            (first.staff, first.duration, first.grace, first.hidden);
        let notation = first.notation.clone();
        let voice_text = notes.iter().find_map(|n| n.voice.clone());
        let voice = self.voice_for(voice_text);
        let tones: Vec<ChordTone> = notes
            .iter()
            .map(|n| ChordTone {
                pitch: n.pitch.unwrap_or(Pitch::new(Step::C, 0, 4)),
                tie: n.tie,
                unpitched: n.unpitched,
            })
            .collect();
        let event = Event {
            offset: self.offset,
            duration,
            tie: tones.iter().find_map(|t| t.tie),
            kind: EventKind::Chord(tones),
            grace,
            fermata: notes.iter().any(|n| n.fermata),
            hidden,
            notation: notation.clone(),
        };
        let origin = Origin::Note {
            plain_whole: plain_whole(notation.as_ref(), duration),
        };
        self.push(self.offset, staff, voice, ItemKind::Event(event, origin));
        duration
    }

    /// The voice an element goes into (music21's `findM21VoiceFromXmlVoice`).
    fn voice_for(&mut self, voice: Option<String>) -> Option<usize> {
        if self.voice_ids.is_empty() {
            return None;
        }
        if let Some(voice) = voice {
            self.last_voice = Some(voice);
        }
        let wanted = self.last_voice.as_deref().unwrap_or("1");
        self.voice_ids
            .iter()
            .position(|id| id == wanted)
            .or_else(|| {
                let wanted: i64 = wanted.parse().ok()?;
                self.voice_ids
                    .iter()
                    .position(|id| id.parse::<i64>().ok() == Some(wanted))
            })
    }

    fn backup(&mut self, node: NodeId) {
        let Some(text) = self.dom.child_text(node, "duration") else {
            return;
        };
        let change = divide(Some(text), *self.divisions);
        self.offset = (self.offset - change).max(Ql::ZERO);
    }

    /// A `<forward>` leaves a hidden rest behind, as in music21.
    fn forward(&mut self, node: NodeId) {
        let dom = self.dom;
        let Some(text) = dom.child_text(node, "duration") else {
            return;
        };
        let change = divide(Some(text), *self.divisions);
        let staff = staff_child(dom, node);
        let voice_text = dom.child_text(node, "voice").map(str::to_string);
        let voice = self.voice_for(voice_text);
        let event = Event {
            offset: self.offset,
            duration: change,
            kind: EventKind::Rest(Rest::default()),
            tie: None,
            grace: false,
            fermata: false,
            hidden: true,
            notation: None,
        };
        let index = self.push(
            self.offset,
            staff,
            voice,
            ItemKind::Event(event, Origin::Forward),
        );
        self.offset += change;
        self.ended_with_forward = Some(index);
    }

    /// `<direction>`: metronome marks, else `<sound tempo>`; other marks only take up time.
    fn direction(&mut self, node: NodeId) {
        let dom = self.dom;
        let offset = self.offset + self.direction_offset(node);
        let staff = staff_child(dom, node);
        let mut metronome = false;
        for direction_type in dom.children_named(node, "direction-type") {
            for mark in dom.children(direction_type) {
                match dom.name(mark) {
                    "metronome" => {
                        metronome = true;
                        let kind = match read_metronome(dom, mark) {
                            TempoMark::Metronome(mark) => ItemKind::Tempo(mark),
                            TempoMark::Modulation => ItemKind::Marker,
                        };
                        self.push(offset, staff, None, kind);
                    }
                    "dynamics" => {
                        for _ in dom.children(mark) {
                            self.push(offset, staff, None, ItemKind::Marker);
                        }
                    }
                    "words" | "rehearsal" | "coda" | "segno" => {
                        self.push(offset, staff, None, ItemKind::Marker);
                    }
                    _ => {}
                }
            }
        }
        if !metronome {
            for sound in dom.children_named(node, "sound") {
                if let Some(mark) = read_sound_tempo(dom, sound) {
                    self.push(offset, staff, None, ItemKind::Tempo(mark));
                }
            }
        }
    }

    /// The `<offset>` of a direction or harmony, in quarter lengths.
    fn direction_offset(&self, node: NodeId) -> Ql {
        divide(self.dom.child_text(node, "offset"), *self.divisions)
    }

    /// A `<sound>` directly in the measure.
    fn sound(&mut self, node: NodeId) {
        if let Some(mark) = read_sound_tempo(self.dom, node) {
            let offset = self.offset + self.direction_offset(node);
            self.push(offset, 0, None, ItemKind::Tempo(mark));
        }
    }

    fn harmony(&mut self, node: NodeId) {
        let symbol = read_harmony(self.dom, node);
        let offset = self.offset + self.direction_offset(node);
        let staff = staff_child(self.dom, node);
        self.push(offset, staff, None, ItemKind::ChordSymbol(symbol));
    }

    /// `<attributes>`: divisions, staves, transposition, and the marks they carry.
    fn attributes(&mut self, node: NodeId) {
        let dom = self.dom;
        let mut staff_details_seen: Vec<u32> = Vec::new();
        for child in dom.children(node) {
            let staff = staff_number_attribute(dom, child);
            let offset = self.offset;
            match dom.name(child) {
                "divisions" => {
                    let value = dom
                        .text(child)
                        .and_then(crate::music::model::ql::parse_decimal);
                    if let Some(value) = value.filter(|v| v.is_positive()) {
                        *self.divisions = value;
                    }
                }
                "staves" => {
                    self.staves = dom.text(child).and_then(|s| s.parse().ok()).unwrap_or(1);
                }
                "transpose" => self.transposition = Some(read_transpose(dom, child)),
                "time" => {
                    if let Some(time) = read_time(dom, child) {
                        self.push(offset, staff, None, ItemKind::TimeSignature(time));
                    }
                }
                "key" => {
                    if let Some(key) = read_key(dom, child) {
                        self.push(offset, staff, None, ItemKind::KeySignature(key));
                    }
                }
                "clef" => {
                    let clef = read_clef(dom, child);
                    self.push(offset, staff, None, ItemKind::Clef(clef));
                }
                "staff-details" if !staff_details_seen.contains(&staff) => {
                    staff_details_seen.push(staff);
                    self.push(offset, staff, None, ItemKind::Marker);
                }
                _ => {}
            }
        }
    }
}

/// An event (and its origin) for a note, rest or unpitched note outside a chord.
fn single_event(note: NoteElement) -> (Event, Origin) {
    let kind = if note.rest {
        EventKind::Rest(Rest {
            full_measure: note.full_measure_rest,
        })
    } else if note.unpitched {
        EventKind::Unpitched(note.pitch)
    } else {
        EventKind::Note(note.pitch.unwrap_or(Pitch::new(Step::C, 0, 4)))
    };
    let origin = Origin::Note {
        plain_whole: plain_whole(note.notation.as_ref(), note.duration),
    };
    let event = Event {
        offset: Ql::ZERO,
        duration: note.duration,
        kind,
        tie: note.tie,
        grace: note.grace,
        fermata: note.fermata,
        hidden: note.hidden,
        notation: note.notation,
    };
    (event, origin)
}

/// music21's test for a rest to stretch over a whole measure: a whole or breve value, with
/// no dots and no tuplet (judged from the length when no type is written).
fn plain_whole(notation: Option<&Notation>, duration: Ql) -> bool {
    match notation {
        Some(n) => {
            matches!(n.note_type.as_str(), "whole" | "breve") && n.dots == 0 && n.tuplet.is_none()
        }
        None => duration == Ql::from_int(4) || duration == Ql::from_int(8),
    }
}
