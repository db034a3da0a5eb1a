//! Measures, voices, ties and rests for one MIDI part, as music21 makes them after reading.
//!
//! music21's MIDI import calls `makeMeasures`, then `makeVoices` on each measure when some
//! notes starting together end apart, then `makeTies` and `makeRests(fillGaps=True,
//! timeRangeFromBarDuration=True)`. This module does the same steps on the quantised notes:
//! measures follow the meter from offset 0, a note crossing a barline is split with ties,
//! overlapping notes in a measure go to voices, and every gap becomes one rest.

use crate::music::model::{
    Clef, Event, EventKind, KeySignature, Measure, MetronomeMark, Placed, Ql, Rest, Tie,
    TimeSignature, Voice,
};
use crate::music::read::{Limit, ReadError};

/// A note, chord or unpitched note at an absolute offset.
#[derive(Debug, Clone)]
pub(super) struct Sound {
    /// Offset from the start of the part.
    pub offset: Ql,
    /// The event (its own `offset` is ignored until it is placed).
    pub event: Event,
}

/// A mark read from the file (or copied from the conductor track).
#[derive(Debug, Clone)]
pub(super) enum Mark {
    /// A time signature.
    Time(TimeSignature),
    /// A key signature with its mode.
    Key(KeySignature),
    /// A tempo.
    Tempo(MetronomeMark),
    /// An instrument change: only a position in time.
    Instrument,
}

/// Everything one part's measures are built from.
#[derive(Debug, Clone)]
pub(super) struct PartPlan {
    /// Notes in music21's sorted order.
    pub sounds: Vec<Sound>,
    /// Marks with absolute offsets.
    pub marks: Vec<(Ql, Mark)>,
    /// The meter: time signatures by absolute offset, sorted, the first at 0.
    pub meter: Vec<(Ql, TimeSignature)>,
    /// Some notes starting together end apart, so measures with overlaps get voices.
    pub voices_required: bool,
}

/// The contents of one measure while it is built.
#[derive(Debug, Clone)]
struct Draft {
    start: Ql,
    number: i32,
    bar: Ql,
    time_signature: Option<TimeSignature>,
    marks: Vec<(Ql, Mark)>,
    layers: Layers,
}

/// A measure's notes: one stream, or voices plus notes tied in from a voice of the previous
/// measure that music21 leaves outside any voice.
#[derive(Debug, Clone)]
enum Layers {
    Flat(Vec<Event>),
    Voices {
        voices: Vec<Vec<Event>>,
        loose: Vec<Event>,
    },
}

/// Builds the measures of a part; `max_measures` bounds the count against hostile lengths.
pub(super) fn build_measures(plan: PartPlan, max_measures: u64) -> Result<Vec<Measure>, ReadError> {
    let end = highest_time(&plan);
    let mut drafts = lay_out_measures(&plan.meter, end, max_measures)?;
    place_sounds(&mut drafts, plan.sounds);
    place_marks(&mut drafts, plan.marks);
    if plan.voices_required {
        drafts.iter_mut().for_each(make_voices);
    }
    make_ties(&mut drafts, max_measures)?;
    drafts.iter_mut().for_each(flatten_unnecessary_voices);
    drafts.iter_mut().for_each(make_rests);
    Ok(finish(drafts))
}

/// `makeMeasures`' `oMax`: the latest end of any note or mark.
fn highest_time(plan: &PartPlan) -> Ql {
    let sounds = plan.sounds.iter().map(|s| s.offset + s.event.duration);
    let marks = plan.marks.iter().map(|(offset, _)| *offset);
    sounds.chain(marks).max().unwrap_or(Ql::ZERO)
}

/// One measure after another from offset 0 until `end` is reached (at least one).
fn lay_out_measures(
    meter: &[(Ql, TimeSignature)],
    end: Ql,
    max_measures: u64,
) -> Result<Vec<Draft>, ReadError> {
    let mut drafts = Vec::new();
    let mut start = Ql::ZERO;
    let mut last_meter: Option<usize> = None;
    loop {
        let index = meter
            .partition_point(|(offset, _)| *offset <= start)
            .saturating_sub(1);
        let time_signature = meter.get(index).map(|(_, ts)| ts.clone());
        let bar = time_signature
            .as_ref()
            .map_or(Ql::from_int(4), TimeSignature::bar_duration);
        let changed = last_meter != Some(index);
        last_meter = Some(index);
        drafts.push(Draft {
            start,
            number: drafts.len() as i32 + 1,
            bar,
            time_signature: if changed { time_signature } else { None },
            marks: Vec::new(),
            layers: Layers::Flat(Vec::new()),
        });
        if drafts.len() as u64 > max_measures {
            return Err(ReadError::limit(
                Limit::Events,
                max_measures,
                drafts.len() as u64,
            ));
        }
        start += bar;
        if start >= end || !bar.is_positive() {
            return Ok(drafts);
        }
    }
}

/// The index of the measure containing an absolute offset (the last one starting at or
/// before it).
fn measure_index(drafts: &[Draft], offset: Ql) -> usize {
    drafts
        .partition_point(|d| d.start <= offset)
        .saturating_sub(1)
}

/// Puts each note in the measure where it starts, keeping its full length for now.
fn place_sounds(drafts: &mut [Draft], sounds: Vec<Sound>) {
    for sound in sounds {
        let index = measure_index(drafts, sound.offset);
        let draft = &mut drafts[index];
        let mut event = sound.event;
        event.offset = sound.offset - draft.start;
        if let Layers::Flat(events) = &mut draft.layers {
            events.push(event);
        }
    }
}

/// Puts each mark in its measure; a time signature at a measure's start is already the
/// measure's own, as in `makeMeasures`.
fn place_marks(drafts: &mut [Draft], marks: Vec<(Ql, Mark)>) {
    for (offset, mark) in marks {
        let index = measure_index(drafts, offset);
        let draft = &mut drafts[index];
        let inner = offset - draft.start;
        if inner.is_zero() && matches!(mark, Mark::Time(_)) {
            continue;
        }
        draft.marks.push((inner, mark));
    }
}

/// `Measure.makeVoices`: when notes overlap, each goes to the first voice that has ended by
/// its offset.
fn make_voices(draft: &mut Draft) {
    let Layers::Flat(events) = &mut draft.layers else {
        return;
    };
    if !has_overlap(events) {
        return;
    }
    let mut voices: Vec<Vec<Event>> = Vec::new();
    for event in events.drain(..) {
        let free = voices
            .iter()
            .position(|voice| highest_end(voice) <= event.offset);
        match free {
            Some(index) => voices[index].push(event),
            None => voices.push(vec![event]),
        }
    }
    draft.layers = Layers::Voices {
        voices,
        loose: Vec::new(),
    };
}

/// music21's `getOverlaps` test: some note starts before an earlier-starting one ends.
fn has_overlap(events: &[Event]) -> bool {
    let mut spans: Vec<(Ql, Ql)> = events
        .iter()
        .map(|e| (e.offset, e.offset + e.duration))
        .collect();
    spans.sort();
    let mut latest_end: Option<Ql> = None;
    for (start, end) in spans {
        if latest_end.is_some_and(|latest| start < latest) {
            return true;
        }
        latest_end = Some(latest_end.map_or(end, |latest| latest.max(end)));
    }
    false
}

fn highest_end(events: &[Event]) -> Ql {
    events
        .iter()
        .map(|e| e.offset + e.duration)
        .max()
        .unwrap_or(Ql::ZERO)
}

/// `makeTies`: a note running past its barline is cut there and the rest, tied, starts the
/// next measure (appended when there is none).
fn make_ties(drafts: &mut Vec<Draft>, max_measures: u64) -> Result<(), ReadError> {
    let mut index = 0;
    while index < drafts.len() {
        let bar = drafts[index].bar;
        let (remainders, from_voices) = cut_at_barline(&mut drafts[index].layers, bar);
        if !remainders.is_empty() {
            if index + 1 == drafts.len() {
                let last = &drafts[index];
                drafts.push(Draft {
                    start: last.start + bar,
                    number: last.number + 1,
                    bar,
                    time_signature: None,
                    marks: Vec::new(),
                    layers: Layers::Flat(Vec::new()),
                });
                if drafts.len() as u64 > max_measures {
                    return Err(ReadError::limit(
                        Limit::Events,
                        max_measures,
                        drafts.len() as u64,
                    ));
                }
            }
            receive_remainders(&mut drafts[index + 1].layers, remainders, from_voices);
        }
        index += 1;
    }
    Ok(())
}

/// Cuts every note of a measure that overruns `bar`; returns the tied remainders, each with
/// the index of the voice it came from (`None` outside voices).
fn cut_at_barline(layers: &mut Layers, bar: Ql) -> (Vec<Event>, bool) {
    let mut remainders = Vec::new();
    match layers {
        Layers::Flat(events) => {
            for event in events.iter_mut() {
                remainders.extend(cut_event(event, bar));
            }
            (remainders, false)
        }
        Layers::Voices { voices, .. } => {
            for voice in voices.iter_mut() {
                for event in voice.iter_mut() {
                    remainders.extend(cut_event(event, bar));
                }
            }
            (remainders, true)
        }
    }
}

/// Cuts one event at `bar` if it overruns it, returning the tied remainder at offset 0.
fn cut_event(event: &mut Event, bar: Ql) -> Option<Event> {
    let end = event.offset + event.duration;
    if end <= bar || event.offset >= bar {
        return None;
    }
    let (first_tie, rest_tie) = match event.tie {
        None => (Tie::Start, Tie::Stop),
        Some(Tie::Start) => (Tie::Start, Tie::Continue),
        Some(Tie::Stop) => (Tie::Continue, Tie::Stop),
        Some(Tie::Continue) => (Tie::Continue, Tie::Continue),
    };
    let mut remainder = event.clone();
    remainder.offset = Ql::ZERO;
    remainder.duration = end - bar;
    event.duration = bar - event.offset;
    set_tie(event, first_tie);
    set_tie(&mut remainder, rest_tie);
    Some(remainder)
}

/// Sets the tie of a note, or of every note of a chord.
fn set_tie(event: &mut Event, tie: Tie) {
    event.tie = Some(tie);
    if let EventKind::Chord(tones) = &mut event.kind {
        for tone in tones {
            tone.tie = Some(tie);
        }
    }
}

/// Where tied remainders land, following `makeTies`: from voices into a measure without
/// voices, that measure's notes move into a first voice that also takes the remainders; from
/// voices into voices they stay outside the voices (music21 cannot match the voice ids);
/// into a measure with voices from a flat measure, the first voice takes them.
fn receive_remainders(layers: &mut Layers, remainders: Vec<Event>, from_voices: bool) {
    match layers {
        Layers::Flat(events) if from_voices => {
            let mut first: Vec<Event> = std::mem::take(events);
            first.extend(remainders);
            sort_events(&mut first);
            *layers = Layers::Voices {
                voices: vec![first],
                loose: Vec::new(),
            };
        }
        Layers::Flat(events) => {
            events.extend(remainders);
            sort_events(events);
        }
        Layers::Voices { loose, .. } if from_voices => loose.extend(remainders),
        Layers::Voices { voices, .. } => {
            if voices.is_empty() {
                voices.push(Vec::new());
            }
            voices[0].extend(remainders);
            sort_events(&mut voices[0]);
        }
    }
}

/// music21's order inside a stream: by offset, grace notes first, then insertion order.
fn sort_events(events: &mut [Event]) {
    events.sort_by_key(|e| (e.offset, !e.grace));
}

/// `flattenUnnecessaryVoices`: empty voices go, and a single remaining voice is dissolved.
fn flatten_unnecessary_voices(draft: &mut Draft) {
    let Layers::Voices { voices, loose } = &mut draft.layers else {
        return;
    };
    voices.retain(|voice| !voice.is_empty());
    if voices.len() <= 1 {
        let mut events: Vec<Event> = voices.drain(..).flatten().collect();
        events.append(loose);
        sort_events(&mut events);
        draft.layers = Layers::Flat(events);
    }
}

/// `makeRests`: every gap between the measure's start, its notes, its marks and the bar's
/// end becomes one rest (inside each voice when there are voices).
fn make_rests(draft: &mut Draft) {
    let bar = draft.bar;
    match &mut draft.layers {
        Layers::Flat(events) => {
            let anchors: Vec<Ql> = draft.marks.iter().map(|(offset, _)| *offset).collect();
            fill_gaps(events, &anchors, bar);
        }
        Layers::Voices { voices, .. } => {
            for voice in voices.iter_mut() {
                fill_gaps(voice, &[], bar);
            }
        }
    }
}

/// Adds a rest for each stretch of `[0, bar)` that no event covers, splitting at marks.
fn fill_gaps(events: &mut Vec<Event>, marks: &[Ql], bar: Ql) {
    let mut spans: Vec<(Ql, Ql)> = events
        .iter()
        .map(|e| (e.offset, e.offset + e.duration))
        .chain(marks.iter().map(|&offset| (offset, offset)))
        .collect();
    spans.sort();
    let content_end = spans.iter().map(|&(_, end)| end).max().unwrap_or(Ql::ZERO);

    let mut rests = Vec::new();
    let mut covered = Ql::ZERO;
    for (start, end) in spans {
        if start > covered {
            rests.push(rest(covered, start - covered));
        }
        covered = covered.max(end);
    }
    if bar > content_end {
        rests.push(rest(content_end, bar - content_end));
    }
    events.extend(rests);
    sort_events(events);
}

/// A plain rest.
fn rest(offset: Ql, duration: Ql) -> Event {
    Event {
        offset,
        duration,
        kind: EventKind::Rest(Rest::default()),
        tie: None,
        grace: false,
        fermata: false,
        hidden: false,
        notation: None,
    }
}

/// Turns drafts into model measures, each starting where the previous one's content ends.
fn finish(drafts: Vec<Draft>) -> Vec<Measure> {
    let mut offset = Ql::ZERO;
    let mut measures = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let measure = finish_measure(draft, offset);
        offset = measure.end();
        measures.push(measure);
    }
    if !measures.is_empty() {
        let clef = best_clef(diatonic_numbers(&measures));
        measures[0].clefs.push(Placed {
            offset: Ql::ZERO,
            value: clef,
        });
    }
    measures
}

/// music21's `diatonicNoteNum` of every pitch (C4 is 29).
fn diatonic_numbers(measures: &[Measure]) -> Vec<i32> {
    measures
        .iter()
        .flat_map(|m| &m.voices)
        .flat_map(|v| &v.events)
        .flat_map(|e| e.pitches())
        .map(|p| p.octave * 7 + p.step.index() + 1)
        .collect()
}

/// music21's `clef.bestClef` (without treble-8vb) from the diatonic numbers of every pitch.
fn best_clef(diatonic_numbers: Vec<i32>) -> Clef {
    let heights: Vec<f64> = diatonic_numbers
        .iter()
        .map(|&n| {
            let bonus = if n > 33 {
                3
            } else if n < 24 {
                -3
            } else {
                0
            };
            f64::from(n + bonus)
        })
        .collect();
    let average = if heights.is_empty() {
        29.0
    } else {
        heights.iter().sum::<f64>() / heights.len() as f64
    };
    let (sign, line, octave_change) = if average > 49.0 {
        ("G", 2, 1)
    } else if average > 28.0 {
        ("G", 2, 0)
    } else if average > 10.0 {
        ("F", 4, 0)
    } else {
        ("F", 4, -1)
    };
    Clef {
        sign: sign.to_string(),
        line: Some(line),
        octave_change,
    }
}

fn finish_measure(draft: Draft, offset: Ql) -> Measure {
    let voices = match draft.layers {
        Layers::Flat(events) => vec![Voice { id: None, events }],
        Layers::Voices { voices, loose } => {
            let mut voices: Vec<Voice> = voices
                .into_iter()
                .enumerate()
                .map(|(i, events)| Voice {
                    id: Some((i + 1).to_string()),
                    events,
                })
                .collect();
            // music21 keeps these beside the voices; the model has no such place, so they
            // join the first voice without adding rests.
            if let Some(first) = voices.first_mut() {
                first.events.extend(loose);
                sort_events(&mut first.events);
            }
            voices
        }
    };
    let content_end = voices
        .iter()
        .map(|v| highest_end(&v.events))
        .chain(draft.marks.iter().map(|(o, _)| *o))
        .max()
        .unwrap_or(Ql::ZERO);
    let mut measure = Measure {
        number: draft.number,
        number_suffix: None,
        number_text: None,
        implicit: false,
        offset,
        duration: content_end,
        time_signatures: Vec::new(),
        key_signatures: Vec::new(),
        clefs: Vec::new(),
        tempos: Vec::new(),
        chord_symbols: Vec::new(),
        voices,
    };
    if let Some(time_signature) = draft.time_signature {
        measure.time_signatures.push(Placed {
            offset: Ql::ZERO,
            value: time_signature,
        });
    }
    for (offset, mark) in draft.marks {
        match mark {
            Mark::Time(value) => measure.time_signatures.push(Placed { offset, value }),
            Mark::Key(value) => measure.key_signatures.push(Placed { offset, value }),
            Mark::Tempo(value) => measure.tempos.push(Placed { offset, value }),
            Mark::Instrument => {}
        }
    }
    measure
}
