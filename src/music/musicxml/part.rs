//! Assembling one `<part>`: measure offsets, whole-measure rests, and the split of a
//! multi-staff part into one `PartStaff` per staff, as music21's `PartParser` does.

use super::dom::{Dom, NodeId};
use super::measure::{Item, ItemKind, Numbering, Origin, ParsedMeasure, read_measure};
use crate::music::model::{
    Event, EventKind, Measure, Part, PartKind, Placed, Ql, Rest, TimeSignature, Transposition,
    Voice,
};
use crate::music::read::{Limit, ReadError, ReadLimits};

/// music21's default divisions per quarter, used until a part states its own.
const DEFAULT_DIVISIONS: i64 = 10_080;

/// What the `<score-part>` says about a part.
#[derive(Debug, Clone, Default)]
pub(super) struct PartHeader {
    /// The `<part id>`.
    pub source_id: String,
    /// music21's id: the instrument's best name, if any.
    pub id: Option<String>,
    /// `<part-name>`.
    pub name: Option<String>,
    /// `<part-abbreviation>`.
    pub abbreviation: Option<String>,
}

/// A measure with its settled offset in the part.
struct PlacedMeasure {
    parsed: ParsedMeasure,
    offset: Ql,
}

/// Reads a `<part>` into one part, or one part per staff. `budget` tracks the parts and
/// events read so far against the limits, counting each staff's copy of shared events.
pub(super) fn read_part(
    dom: &Dom<'_>,
    part: NodeId,
    header: &PartHeader,
    limits: &ReadLimits,
    budget: &mut Budget,
) -> Result<Vec<Part>, ReadError> {
    let mut timeline = Timeline::default();
    let mut measures: Vec<PlacedMeasure> = Vec::new();
    let mut divisions = Ql::from_int(DEFAULT_DIVISIONS);
    let mut events_here = 0;
    for measure in dom.children_named(part, "measure") {
        let parsed = read_measure(dom, measure, &mut divisions, &timeline.numbering);
        events_here += event_count(&parsed, None);
        budget.check_events(events_here, limits)?;
        measures.push(timeline.place(parsed));
    }
    if let Some(last) = measures.last_mut() {
        remove_trailing_forward_rest(&mut last.parsed);
    }

    let staves: Vec<Option<u32>> = if timeline.max_staves <= 1 {
        vec![None]
    } else {
        staff_keys(&measures).into_iter().map(Some).collect()
    };
    budget.check_parts(staves.len() as u64, limits)?;
    let copies: u64 = staves
        .iter()
        .map(|&staff| {
            measures
                .iter()
                .map(|m| event_count(&m.parsed, staff))
                .sum::<u64>()
        })
        .sum();
    budget.check_events(copies, limits)?;
    budget.parts += staves.len() as u64;
    budget.events += copies;

    Ok(staves
        .into_iter()
        .map(|staff| build_part(header, &measures, staff, timeline.transposition))
        .collect())
}

/// Parts and events accepted so far in the score.
#[derive(Debug, Default)]
pub(super) struct Budget {
    parts: u64,
    events: u64,
}

impl Budget {
    fn check_events(&self, more: u64, limits: &ReadLimits) -> Result<(), ReadError> {
        let total = self.events.saturating_add(more);
        if total > limits.max_events {
            return Err(ReadError::limit(Limit::Events, limits.max_events, total));
        }
        Ok(())
    }

    fn check_parts(&self, more: u64, limits: &ReadLimits) -> Result<(), ReadError> {
        let total = self.parts.saturating_add(more);
        if total > limits.max_parts {
            return Err(ReadError::limit(Limit::Parts, limits.max_parts, total));
        }
        Ok(())
    }
}

/// Notes, chords and rests of a measure shown on `staff` (all of them for `None`).
fn event_count(parsed: &ParsedMeasure, staff: Option<u32>) -> u64 {
    let events = parsed
        .items
        .iter()
        .filter(|item| matches!(item.kind, ItemKind::Event(..)));
    events.filter(|item| on_staff(item, staff)).count() as u64
}

/// The running state of music21's `PartParser` across measures.
#[derive(Default)]
struct Timeline {
    numbering: Numbering,
    last_time_signature: Option<TimeSignature>,
    next_offset: Ql,
    max_staves: u32,
    transposition: Option<Transposition>,
}

impl Timeline {
    /// Settles a measure: numbering, time signature, whole-measure rest, offset.
    fn place(&mut self, mut parsed: ParsedMeasure) -> PlacedMeasure {
        self.max_staves = self.max_staves.max(parsed.staves);
        if self.transposition.is_none() {
            self.transposition = parsed.transposition;
        }
        if parsed.number != self.numbering.last_number {
            self.numbering.last_number = parsed.number;
            self.numbering.last_suffix = parsed.suffix.clone();
        }
        if let Some(time) = opening_time_signature(&parsed) {
            self.last_time_signature = Some(time.clone());
        }
        let bar = self
            .last_time_signature
            .as_ref()
            .map_or(Ql::from_int(4), TimeSignature::bar_duration);

        if parsed.full_measure_rest {
            stretch_full_measure_rest(&mut parsed, bar);
        }
        let offset = self.next_offset;
        let highest = highest_time(&parsed.items, None);
        let shift = if highest.is_zero() && !has_events(&parsed) {
            insert_measure_rest(&mut parsed, bar);
            bar
        } else if overfull_by_rounding(highest, bar) {
            bar
        } else {
            highest
        };
        self.next_offset += shift;
        PlacedMeasure { parsed, offset }
    }
}

/// music21 (since 9.1) trusts the time signature over a measure that overruns it by less than
/// half a quarter with an \"ugly\" length, the mark of rounded tuplets or stray offsets. Its
/// exact test is not public in this form; lengths whose denominator divides 192 (down to
/// 64th-note triplets) count as deliberate here, which matches the corpus.
fn overfull_by_rounding(highest: Ql, bar: Ql) -> bool {
    let excess = highest - bar;
    excess.is_positive() && excess < Ql::new(1, 2) && 192 % highest.denom() != 0
}

/// The time signature at the very start of the measure (music21's `measure.timeSignature`).
fn opening_time_signature(parsed: &ParsedMeasure) -> Option<&TimeSignature> {
    parsed.items.iter().find_map(|item| match &item.kind {
        ItemKind::TimeSignature(time) if item.offset.is_zero() && item.voice.is_none() => {
            Some(time)
        }
        _ => None,
    })
}

/// music21 stretches the measure's first (non-voice) rest to the bar length when it was
/// marked `measure="yes"`, or is a plain whole or breve rest of the wrong length.
fn stretch_full_measure_rest(parsed: &mut ParsedMeasure, bar: Ql) {
    let first_rest = parsed
        .items
        .iter_mut()
        .enumerate()
        .filter(|(_, item)| item.voice.is_none())
        .filter(|(_, item)| matches!(&item.kind, ItemKind::Event(e, _) if e.is_rest()))
        .min_by_key(|(index, item)| (item.offset, *index))
        .map(|(_, item)| item);
    let Some(Item {
        kind: ItemKind::Event(event, origin),
        ..
    }) = first_rest
    else {
        return;
    };
    let EventKind::Rest(rest) = &mut event.kind else {
        return;
    };
    let plain_whole = match origin {
        Origin::Note { plain_whole } => *plain_whole,
        Origin::Forward | Origin::EmptyMeasure => {
            event.duration == Ql::from_int(4) || event.duration == Ql::from_int(8)
        }
    };
    if rest.full_measure || (event.duration != bar && plain_whole) {
        event.duration = bar;
        rest.full_measure = true;
    }
}

/// True when the measure holds any note, chord or rest.
fn has_events(parsed: &ParsedMeasure) -> bool {
    parsed
        .items
        .iter()
        .any(|item| matches!(item.kind, ItemKind::Event(..)))
}

/// An empty measure gets a rest as long as the bar (music21's fix for PDFtoMusic output).
fn insert_measure_rest(parsed: &mut ParsedMeasure, bar: Ql) {
    let event = Event {
        offset: Ql::ZERO,
        duration: bar,
        kind: EventKind::Rest(Rest::default()),
        tie: None,
        grace: false,
        fermata: false,
        hidden: false,
        notation: None,
    };
    let origin = Origin::EmptyMeasure;
    parsed.items.push(Item {
        offset: Ql::ZERO,
        staff: 0,
        voice: None,
        kind: ItemKind::Event(event, origin),
    });
}

/// The end of the measure's last item; with `staff`, only items shown on that staff.
fn highest_time(items: &[Item], staff: Option<u32>) -> Ql {
    items
        .iter()
        .filter(|item| on_staff(item, staff))
        .map(Item::end)
        .max()
        .unwrap_or(Ql::ZERO)
}

/// Items without a staff appear on every staff.
fn on_staff(item: &Item, staff: Option<u32>) -> bool {
    match staff {
        None => true,
        Some(staff) => item.staff == 0 || item.staff == staff,
    }
}

/// music21 drops the hidden rest of a final `<forward>` when it is the measure's last note or
/// rest and the measure has no voices.
fn remove_trailing_forward_rest(parsed: &mut ParsedMeasure) {
    let Some(index) = parsed.ended_with_forward else {
        return;
    };
    if !parsed.voice_ids.is_empty() {
        return;
    }
    let last = parsed
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| matches!(item.kind, ItemKind::Event(..) | ItemKind::ChordSymbol(_)))
        .max_by_key(|(i, item)| (item.offset, *i))
        .map(|(i, _)| i);
    if last == Some(index) {
        parsed.items.remove(index);
        parsed.ended_with_forward = None;
    }
}

/// The staff numbers used anywhere in the part, ascending.
fn staff_keys(measures: &[PlacedMeasure]) -> Vec<u32> {
    let mut keys: Vec<u32> = measures
        .iter()
        .flat_map(|m| m.parsed.items.iter().map(|item| item.staff))
        .filter(|&staff| staff != 0)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Builds the model part, for one staff (`Some`) or the whole part (`None`).
fn build_part(
    header: &PartHeader,
    measures: &[PlacedMeasure],
    staff: Option<u32>,
    transposition: Option<Transposition>,
) -> Part {
    let (kind, id) = match staff {
        None => (PartKind::Part, header.id.clone()),
        Some(staff) => (
            PartKind::PartStaff,
            Some(format!("{}-Staff{staff}", header.source_id)),
        ),
    };
    Part {
        id,
        source_id: header.source_id.clone(),
        name: header.name.clone(),
        abbreviation: header.abbreviation.clone(),
        kind,
        staff,
        transposition,
        measures: measures.iter().map(|m| build_measure(m, staff)).collect(),
    }
}

fn build_measure(placed: &PlacedMeasure, staff: Option<u32>) -> Measure {
    let parsed = &placed.parsed;
    let mut measure = Measure {
        number: parsed.number,
        number_suffix: parsed.suffix.clone(),
        number_text: parsed.number_text.clone(),
        implicit: parsed.implicit,
        offset: placed.offset,
        duration: highest_time(&parsed.items, staff),
        time_signatures: Vec::new(),
        key_signatures: Vec::new(),
        clefs: Vec::new(),
        tempos: Vec::new(),
        chord_symbols: Vec::new(),
        voices: Vec::new(),
    };
    let mut loose: Vec<Event> = Vec::new();
    let mut voiced: Vec<Vec<Event>> = vec![Vec::new(); parsed.voice_ids.len()];
    for item in parsed.items.iter().filter(|item| on_staff(item, staff)) {
        let offset = item.offset;
        match &item.kind {
            ItemKind::Event(event, _) => {
                let event = Event {
                    offset,
                    ..event.clone()
                };
                match item.voice {
                    Some(voice) => voiced[voice].push(event),
                    None => loose.push(event),
                }
            }
            ItemKind::TimeSignature(t) => measure.time_signatures.push(placed_at(offset, t)),
            ItemKind::KeySignature(k) => measure.key_signatures.push(placed_at(offset, k)),
            ItemKind::Clef(c) => measure.clefs.push(placed_at(offset, c)),
            ItemKind::Tempo(t) => measure.tempos.push(placed_at(offset, t)),
            ItemKind::ChordSymbol(c) => measure.chord_symbols.push(placed_at(offset, c)),
            ItemKind::Marker => {}
        }
    }
    measure.voices = assemble_voices(loose, voiced, &parsed.voice_ids);
    measure
}

fn placed_at<T: Clone>(offset: Ql, value: &T) -> Placed<T> {
    Placed {
        offset,
        value: value.clone(),
    }
}

/// Events outside voices first, then each non-empty voice; always at least one voice.
fn assemble_voices(loose: Vec<Event>, voiced: Vec<Vec<Event>>, ids: &[String]) -> Vec<Voice> {
    let mut voices = Vec::new();
    if !loose.is_empty() || ids.is_empty() {
        voices.push(Voice {
            id: None,
            events: sorted(loose),
        });
    }
    for (events, id) in voiced.into_iter().zip(ids) {
        if !events.is_empty() {
            voices.push(Voice {
                id: Some(id.clone()),
                events: sorted(events),
            });
        }
    }
    if voices.is_empty() {
        voices.push(Voice {
            id: None,
            events: Vec::new(),
        });
    }
    voices
}

/// music21's stream order: by offset, grace notes before others, then insertion order.
fn sorted(mut events: Vec<Event>) -> Vec<Event> {
    events.sort_by_key(|event| (event.offset, !event.grace));
    events
}
