//! One `**kern` spine into a model part, the way music21's `KernSpine.parse`,
//! `performInsertions`, `moveElementsIntoMeasures` and `makeVoices` build it.
//!
//! Each token is appended after the previous one (so `.` placeholders take no time), a split
//! spine's two voices are inserted where the split began and the parent's later tokens follow
//! the longer voice, barlines then gather what follows them into measures, and inside a
//! measure the voices' events become voices 1 and 2.

use super::kern::{KernEvent, KernItem, read_token};
use super::spines::Spine;
use crate::music::model::{Event, Measure, Notation, Part, PartKind, Placed, Ql, Voice};

/// A parsed element of a spine's stream.
#[derive(Debug, Clone)]
struct Element {
    offset: Ql,
    line: usize,
    order: usize,
    /// 0 outside split voices, else the voice number (1 or 2).
    voice: u8,
    item: KernItem,
}

impl Element {
    fn duration(&self) -> Ql {
        match &self.item {
            KernItem::Event(event) => event.duration,
            _ => Ql::ZERO,
        }
    }

    fn end(&self) -> Ql {
        self.offset + self.duration()
    }
}

/// The elements of one spine, each appended at the end of the previous ones.
fn parse_spine(spine: &Spine) -> Vec<Element> {
    let mut cursor = Ql::ZERO;
    let mut elements = Vec::new();
    for event in &spine.events {
        let Some(item) = read_token(&event.contents) else {
            continue;
        };
        let element = Element {
            offset: cursor,
            line: event.line,
            order: elements.len(),
            voice: 0,
            item,
        };
        cursor = cursor.max(element.end());
        elements.push(element);
    }
    elements
}

/// The stream of a top-level spine with its split voices inserted.
fn with_voices(spines: &[Spine], id: usize) -> Vec<Element> {
    let spine = &spines[id];
    let parent = parse_spine(spine);
    if spine.splits.is_empty() {
        return parent;
    }
    let mut points: Vec<usize> = spine.splits.iter().map(|(line, _)| *line).collect();
    points.sort_unstable();
    let mut out = Stream::default();
    let mut last_line: isize = -1;
    for element in parent {
        // music21 removes from the list it iterates, which skips the point after each one
        // inserted; the same skipping is kept here.
        let mut index = 0;
        while index < points.len() {
            let point = points[index];
            if !(last_line > point as isize || element.line < point) {
                out.insert_split(spines, spine, point);
                points.remove(index);
            }
            index += 1;
        }
        last_line = element.line as isize;
        out.append(element);
    }
    for point in points {
        out.insert_split(spines, spine, point);
    }
    out.elements
}

/// A stream being rebuilt: appends go after everything so far.
#[derive(Default)]
struct Stream {
    elements: Vec<Element>,
    highest: Ql,
}

impl Stream {
    fn append(&mut self, mut element: Element) {
        element.offset = self.highest;
        self.push(element);
    }

    fn push(&mut self, mut element: Element) {
        element.order = self.elements.len();
        self.highest = self.highest.max(element.end());
        self.elements.push(element);
    }

    /// Inserts the two voices of the split at `line` after everything so far; only the first
    /// voice's barlines are kept.
    fn insert_split(&mut self, spines: &[Spine], spine: &Spine, line: usize) {
        let Some((_, children)) = spine.splits.iter().find(|(at, _)| *at == line) else {
            return;
        };
        let start = self.highest;
        for (number, &child) in children.iter().enumerate() {
            let first_voice = spines[child].is_first_voice;
            for mut element in parse_spine(&spines[child]) {
                if !first_voice && matches!(element.item, KernItem::Barline { .. }) {
                    continue;
                }
                element.voice = number as u8 + 1;
                element.offset = start + element.offset;
                self.push(element);
            }
        }
    }
}

/// A measure being filled: its number and its elements at offsets from its start.
struct MeasureBuild {
    number: i32,
    suffix: Option<String>,
    elements: Vec<(Ql, Element)>,
}

/// The part of a top-level `**kern` spine.
pub(super) fn build_part(spines: &[Spine], id: usize) -> Part {
    let mut elements = with_voices(spines, id);
    elements.sort_by_key(|a| (a.offset, a.line, a.order));
    let instrument = elements.iter().find_map(|e| match e.item {
        KernItem::Instrument(name, abbreviation) => Some((name, abbreviation)),
        _ => None,
    });
    let measures = into_measures(elements);
    let spine_id = format!("spine_{id}");
    Part {
        id: Some(spine_id.clone()),
        source_id: spine_id,
        name: instrument.map(|(name, _)| name.to_string()),
        abbreviation: instrument.map(|(_, abbreviation)| abbreviation.to_string()),
        kind: PartKind::Part,
        staff: None,
        transposition: None,
        measures,
    }
}

/// music21's `moveElementsIntoMeasures`: each barline starts a measure holding what follows
/// it; before the first numbered barline, and in unnumbered measures, elements without
/// length stay outside measures (at the start of the measure being built).
fn into_measures(elements: Vec<Element>) -> Vec<Measure> {
    let mut built: Vec<(Ql, MeasureBuild)> = Vec::new();
    let mut loose: Vec<(Ql, Element)> = Vec::new();
    let mut current = MeasureBuild {
        number: 0,
        suffix: None,
        elements: Vec::new(),
    };
    let mut current_offset = Ql::ZERO;
    let mut out_highest = Ql::ZERO;
    let mut has_measure_one = false;
    for element in elements {
        if let KernItem::Barline { number, suffix } = &element.item {
            if current.number != 0 || !current.elements.is_empty() {
                let length = measure_length(&current);
                built.push((out_highest, current));
                out_highest += length;
            }
            current = MeasureBuild {
                number: *number,
                suffix: suffix.clone(),
                elements: Vec::new(),
            };
            current_offset = element.offset;
            has_measure_one |= *number == 1;
        } else if current.number != 0 || !element.duration().is_zero() {
            current
                .elements
                .push((element.offset - current_offset, element));
        } else {
            loose.push((out_highest, element));
        }
    }
    if !current.elements.is_empty() {
        let length = measure_length(&current);
        built.push((out_highest, current));
        out_highest += length;
    }
    let _ = out_highest;
    if let Some((_, first)) = built.first_mut()
        && !has_measure_one
    {
        first.number = 1;
    }
    let mut measures: Vec<Measure> = built
        .into_iter()
        .map(|(offset, build)| to_measure(offset, build))
        .collect();
    place_loose(&mut measures, loose);
    measures
}

fn measure_length(build: &MeasureBuild) -> Ql {
    build
        .elements
        .iter()
        .map(|(offset, element)| *offset + element.duration())
        .max()
        .unwrap_or(Ql::ZERO)
}

/// Elements kept outside measures go into the measure that contains them (music21 moves those
/// at offset 0, other than unknown interpretations, into the first measure).
fn place_loose(measures: &mut [Measure], loose: Vec<(Ql, Element)>) {
    if measures.is_empty() {
        return;
    }
    for (offset, element) in loose {
        let index = measures
            .partition_point(|m| m.offset <= offset)
            .saturating_sub(1);
        let measure = &mut measures[index];
        let relative = offset - measure.offset;
        match element.item {
            KernItem::Event(event) => {
                let voice = match measure.voices.iter().position(|v| v.id.is_none()) {
                    Some(voice) => voice,
                    None => {
                        measure.voices.insert(
                            0,
                            Voice {
                                id: None,
                                events: Vec::new(),
                            },
                        );
                        0
                    }
                };
                let events = &mut measure.voices[voice].events;
                let at = events.partition_point(|e| e.offset <= relative);
                events.insert(at, to_event(relative, event));
            }
            item => add_mark(measure, relative, item),
        }
    }
}

/// music21's `makeVoices`: once a measure holds voice-1 elements, every voice element moves
/// into its voice; the rest stays in the measure.
fn to_measure(offset: Ql, build: MeasureBuild) -> Measure {
    let duration = measure_length(&build);
    let has_voices = build.elements.iter().any(|(_, e)| e.voice == 1);
    let mut measure = Measure {
        number: build.number,
        number_suffix: build.suffix.clone(),
        number_text: None,
        implicit: false,
        offset,
        duration,
        time_signatures: Vec::new(),
        key_signatures: Vec::new(),
        clefs: Vec::new(),
        tempos: Vec::new(),
        chord_symbols: Vec::new(),
        voices: Vec::new(),
    };
    let mut voices: [Vec<Event>; 3] = Default::default();
    for (relative, element) in build.elements {
        let slot = if has_voices {
            usize::from(element.voice)
        } else {
            0
        };
        match element.item {
            KernItem::Event(event) => voices[slot].push(to_event(relative, event)),
            item => add_mark(&mut measure, relative, item),
        }
    }
    let [direct, first, second] = voices;
    if !has_voices || !direct.is_empty() {
        measure.voices.push(Voice {
            id: None,
            events: direct,
        });
    }
    for (id, events) in [("1", first), ("2", second)] {
        if has_voices && !events.is_empty() {
            measure.voices.push(Voice {
                id: Some(id.to_string()),
                events,
            });
        }
    }
    measure
}

fn add_mark(measure: &mut Measure, offset: Ql, item: KernItem) {
    match item {
        KernItem::Meter(value) => measure.time_signatures.push(Placed { offset, value }),
        KernItem::Key(value) => measure.key_signatures.push(Placed { offset, value }),
        KernItem::Tempo(value) => measure.tempos.push(Placed { offset, value }),
        KernItem::Clef(value) => measure.clefs.push(Placed { offset, value }),
        _ => {}
    }
}

fn to_event(offset: Ql, event: KernEvent) -> Event {
    Event {
        offset,
        notation: notation(event.duration, event.grace),
        duration: event.duration,
        kind: event.kind,
        tie: event.tie,
        grace: event.grace,
        fermata: event.fermata,
        hidden: false,
    }
}

/// The note type and dots of a plain (non-tuplet) length.
fn notation(duration: Ql, grace: bool) -> Option<Notation> {
    if grace {
        return Some(Notation {
            note_type: "eighth".to_string(),
            dots: 0,
            tuplet: None,
        });
    }
    const TYPES: [(i64, i64, &str); 10] = [
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
    ];
    TYPES.iter().find_map(|&(num, den, name)| {
        (0..3u8).find_map(|dots| {
            let factor = Ql::new((1 << (dots + 1)) - 1, 1 << dots);
            (Ql::new(num, den) * factor == duration).then(|| Notation {
                note_type: name.to_string(),
                dots,
                tuplet: None,
            })
        })
    })
}
