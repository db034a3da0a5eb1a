//! MIDI in and out: Standard MIDI Files read the way music21 reads them, and written back.
//!
//! Reading mirrors music21's `converter.parse` of a `.mid` file with its defaults: a part per
//! track that has notes (tracks without notes act as the conductor, whose tempo, meter and key
//! marks are copied into every part), notes starting within a sixteenth of each other and
//! ending together become chords, onsets and durations are quantised to sixteenths or
//! eighth-note triplets (`quarterLengthDivisors=(4, 3)`), then measures, voices, ties and rests
//! are made as `makeMeasures`, `makeVoices`, `makeTies` and `makeRests` make them. Pitches are
//! spelled with music21's default accidentals (C# E- F# G# B-). One deliberate difference,
//! switchable with [`MidiReadOptions::split_channels`]: a track that mixes channels becomes one
//! part per channel, where music21 keeps a single part.
//!
//! Writing ([`write_midi`]) produces a format 1 file with a conductor track and a track per
//! part; see `writer` for how ties, grace notes and pickups are written.

mod notation;
mod parse;
mod quantise;
mod spelling;
mod writer;

use notation::{Mark, PartPlan, Sound};
use parse::{MetaKind, MidiFile, TimedMeta, TimedNote, Track};
use quantise::{Quantised, Unquantised};

use super::model::{
    ChordTone, Event, EventKind, KeySignature, Metadata, MetronomeMark, Mode, Part, PartKind, Ql,
    Score, TimeSignature,
};
use super::read::{Limit, ReadError, ReadLimits};

pub use quantise::DEFAULT_DIVISORS;
pub use spelling::pitch_from_midi;
pub use writer::{
    NoteOutsideMidi, TICKS_PER_QUARTER, first_note_outside_midi, pickup_padding, write_midi,
};

/// How a MIDI file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MidiReadOptions {
    /// Make one part per channel of a track that mixes channels (default true). music21 keeps
    /// such a track as one part; set false to match it exactly.
    pub split_channels: bool,
    /// The quantisation grids as divisions of a quarter note (music21's default `[4, 3]`).
    pub quarter_length_divisors: Vec<u32>,
}

impl Default for MidiReadOptions {
    fn default() -> MidiReadOptions {
        MidiReadOptions {
            split_channels: true,
            quarter_length_divisors: DEFAULT_DIVISORS.to_vec(),
        }
    }
}

/// True when the bytes start like a Standard MIDI File (`MThd`).
pub fn is_midi(bytes: &[u8]) -> bool {
    bytes.starts_with(b"MThd")
}

/// Reads a Standard MIDI File (format 0, 1 or 2) with the default options.
pub fn read_bytes(bytes: &[u8], limits: &ReadLimits) -> Result<Score, ReadError> {
    read_bytes_with(bytes, &MidiReadOptions::default(), limits)
}

/// Reads a Standard MIDI File with explicit options.
pub fn read_bytes_with(
    bytes: &[u8],
    options: &MidiReadOptions,
    limits: &ReadLimits,
) -> Result<Score, ReadError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(ReadError::limit(
            Limit::FileBytes,
            limits.max_file_bytes,
            bytes.len() as u64,
        ));
    }
    if !is_midi(bytes) {
        return Err(ReadError::BadMidi {
            detail: "the file does not start with the MThd header".to_string(),
        });
    }
    let file = parse::parse(bytes, options.split_channels, limits)?;
    read_score(&file, options, limits)
}

/// Builds the score: conductor marks gathered in track order, a part per track with notes.
fn read_score(
    file: &MidiFile,
    options: &MidiReadOptions,
    limits: &ReadLimits,
) -> Result<Score, ReadError> {
    let divisors = divisors(options);
    let mut conductor: Vec<(Ql, Mark)> = Vec::new();
    let mut parts = Vec::new();
    let mut events: u64 = 0;
    for track in &file.tracks {
        if !track.has_note_on {
            conductor.extend(conductor_marks(track, file.ticks_per_quarter, &divisors));
            continue;
        }
        let part = read_part(track, &conductor, file.ticks_per_quarter, &divisors, limits)?;
        events += part.events().count() as u64;
        if events > limits.max_events {
            return Err(ReadError::limit(Limit::Events, limits.max_events, events));
        }
        parts.push(Part {
            source_id: format!("P{}", parts.len() + 1),
            ..part
        });
    }
    if parts.is_empty() {
        return Err(ReadError::BadMidi {
            detail: "no track has any notes".to_string(),
        });
    }
    Ok(Score {
        metadata: Metadata::default(),
        parts,
        spelling_inferred: true,
    })
}

fn divisors(options: &MidiReadOptions) -> Vec<u32> {
    let divisors: Vec<u32> = options
        .quarter_length_divisors
        .iter()
        .copied()
        .filter(|&d| d > 0)
        .collect();
    if divisors.is_empty() {
        DEFAULT_DIVISORS.to_vec()
    } else {
        divisors
    }
}

/// The tempo, meter and key marks of a track without notes, at quantised offsets.
fn conductor_marks(track: &Track, ticks_per_quarter: u32, divisors: &[u32]) -> Vec<(Ql, Mark)> {
    let elements: Vec<Unquantised> = track
        .metas
        .iter()
        .map(|meta| Unquantised {
            offset: ql_float(meta.tick, ticks_per_quarter),
            duration: 0.0,
            needs_duration: false,
        })
        .collect();
    let quantised = quantise::quantise(&elements, divisors);
    track
        .metas
        .iter()
        .zip(quantised)
        .filter_map(|(meta, q)| Some((q.offset, mark(meta)?)))
        .collect()
}

/// The model mark for a meta event; instrument changes only count as positions.
fn mark(meta: &TimedMeta) -> Option<Mark> {
    match meta.kind {
        MetaKind::Tempo(micros) => Some(Mark::Tempo(MetronomeMark {
            number: Some(round2(60_000_000.0 / f64::from(micros))),
            number_sounding: None,
            referent: Ql::ONE,
            text: None,
        })),
        MetaKind::TimeSignature { numerator, power } => Some(Mark::Time(TimeSignature::simple(
            u32::from(numerator),
            1 << power,
        ))),
        MetaKind::KeySignature { sharps, minor } => Some(Mark::Key(KeySignature {
            fifths: i32::from(sharps),
            mode: Some(if minor { Mode::Minor } else { Mode::Major }),
        })),
        MetaKind::Instrument => None,
    }
}

/// Python's `round(x, 2)`.
fn round2(x: f64) -> f64 {
    format!("{x:.2}").parse().unwrap_or(x)
}

/// Ticks as a float quarter length, as music21 divides them.
fn ql_float(ticks: u64, ticks_per_quarter: u32) -> f64 {
    ticks as f64 / f64::from(ticks_per_quarter)
}

/// Notes gathered into one note or chord, with music21's offset and duration ticks.
#[derive(Debug, Clone)]
struct Group {
    tick: u64,
    duration_ticks: u64,
    notes: Vec<TimedNote>,
}

/// One element of a track in music21's sort: marks before notes, grace notes before others.
#[derive(Debug, Clone)]
enum Element<'a> {
    Meta(&'a TimedMeta),
    Sound(Group),
}

impl Element<'_> {
    fn tick(&self) -> u64 {
        match self {
            Element::Meta(meta) => meta.tick,
            Element::Sound(group) => group.tick,
        }
    }

    fn class_rank(&self) -> u8 {
        match self {
            Element::Meta(_) => 0,
            Element::Sound(group) if group.duration_ticks == 0 => 1,
            Element::Sound(_) => 2,
        }
    }
}

/// One part from one track with notes.
fn read_part(
    track: &Track,
    conductor: &[(Ql, Mark)],
    ticks_per_quarter: u32,
    divisors: &[u32],
    limits: &ReadLimits,
) -> Result<Part, ReadError> {
    let max_divisor = divisors.iter().copied().max().unwrap_or(4);
    let tolerance = f64::from(ticks_per_quarter) / f64::from(max_divisor);
    let (groups, voices_required) = gather_chords(&track.notes, tolerance);

    let mut elements: Vec<Element<'_>> = track.metas.iter().map(Element::Meta).collect();
    elements.extend(groups.into_iter().map(Element::Sound));
    elements.sort_by_key(|e| (e.tick(), e.class_rank()));
    let unquantised: Vec<Unquantised> = elements
        .iter()
        .map(|e| unquantised(e, ticks_per_quarter))
        .collect();
    let quantised = quantise::quantise(&unquantised, divisors);

    let mut placed: Vec<(Quantised, Element<'_>)> = quantised.into_iter().zip(elements).collect();
    placed.sort_by_key(|(q, e)| (q.offset, e.class_rank()));
    let plan = plan_part(placed, conductor, voices_required);
    let measures = if track.notes.is_empty() {
        Vec::new()
    } else {
        notation::build_measures(plan, limits.max_events)?
    };
    Ok(Part {
        id: None,
        source_id: String::new(),
        name: track.name.clone(),
        abbreviation: None,
        kind: PartKind::Part,
        staff: None,
        transposition: None,
        measures,
    })
}

fn unquantised(element: &Element<'_>, ticks_per_quarter: u32) -> Unquantised {
    let (duration, needs_duration) = match element {
        Element::Meta(_) => (0.0, false),
        Element::Sound(group) => (
            ql_float(group.duration_ticks, ticks_per_quarter),
            group.duration_ticks > 0,
        ),
    };
    Unquantised {
        offset: ql_float(element.tick(), ticks_per_quarter),
        duration,
        needs_duration,
    }
}

/// music21's chord gathering: a note takes into its chord every later note starting less than
/// `tolerance` ticks after it and ending within `tolerance` of it; one starting together but
/// ending apart asks for voices instead. A note may be taken by two chords, as in music21.
fn gather_chords(notes: &[TimedNote], tolerance: f64) -> (Vec<Group>, bool) {
    let mut gathered = vec![false; notes.len()];
    let mut voices_required = false;
    let mut groups = Vec::new();
    for (i, note) in notes.iter().enumerate() {
        if gathered[i] {
            continue;
        }
        let mut chord = vec![*note];
        for (j, other) in notes.iter().enumerate().skip(i + 1) {
            if other.on.abs_diff(note.on) as f64 >= tolerance {
                break;
            }
            if other.off.abs_diff(note.off) as f64 > tolerance {
                voices_required = true;
                continue;
            }
            chord.push(*other);
            gathered[j] = true;
        }
        // music21 times a chord by its last note's on and off (its own comment calls it a bug).
        let last = chord[chord.len() - 1];
        groups.push(Group {
            tick: note.on,
            duration_ticks: last.off.saturating_sub(last.on),
            notes: chord,
        });
    }
    (groups, voices_required)
}

/// The notes and marks of one part, ready for measures.
fn plan_part(
    placed: Vec<(Quantised, Element<'_>)>,
    conductor: &[(Ql, Mark)],
    voices_required: bool,
) -> PartPlan {
    let mut sounds = Vec::new();
    let mut marks = Vec::new();
    for (q, element) in placed {
        match element {
            Element::Meta(meta) => marks.push((q.offset, mark(meta).unwrap_or(Mark::Instrument))),
            Element::Sound(group) => sounds.push(Sound {
                offset: q.offset,
                event: sound_event(&group, q.duration),
            }),
        }
    }
    let own_meter = meter_from(&marks);
    marks.extend(conductor.iter().cloned());
    let conductor_meter = meter_from(conductor);
    let meter = if conductor_meter.is_empty() {
        own_meter
    } else {
        conductor_meter
    };
    PartPlan {
        sounds,
        marks,
        meter: with_default_start(meter),
        voices_required,
    }
}

/// The time signatures among marks, by offset (the last of several at one offset wins).
fn meter_from(marks: &[(Ql, Mark)]) -> Vec<(Ql, TimeSignature)> {
    let mut meter: Vec<(Ql, TimeSignature)> = Vec::new();
    let mut times: Vec<(Ql, TimeSignature)> = marks
        .iter()
        .filter_map(|(offset, mark)| match mark {
            Mark::Time(ts) => Some((*offset, ts.clone())),
            _ => None,
        })
        .collect();
    times.sort_by_key(|(offset, _)| *offset);
    for (offset, ts) in times {
        match meter.last_mut() {
            Some(last) if last.0 == offset => last.1 = ts,
            _ => meter.push((offset, ts)),
        }
    }
    meter
}

/// music21 supplies 4/4 when no time signature starts the piece.
fn with_default_start(mut meter: Vec<(Ql, TimeSignature)>) -> Vec<(Ql, TimeSignature)> {
    if meter.first().is_none_or(|(offset, _)| !offset.is_zero()) {
        meter.insert(0, (Ql::ZERO, TimeSignature::simple(4, 4)));
    }
    meter
}

/// The note, chord or unpitched note of a group; channel 10 is percussion, as in music21.
fn sound_event(group: &Group, duration: Ql) -> Event {
    let percussion = group.notes.iter().any(|n| n.channel == 10);
    let kind = match group.notes.as_slice() {
        [single] if single.channel == 10 => EventKind::Unpitched(Some(pitch_from_midi(single.key))),
        [single] => EventKind::Note(pitch_from_midi(single.key)),
        notes => EventKind::Chord(
            notes
                .iter()
                .map(|n| ChordTone {
                    pitch: pitch_from_midi(n.key),
                    tie: None,
                    unpitched: percussion,
                })
                .collect(),
        ),
    };
    Event {
        offset: Ql::ZERO,
        duration,
        kind,
        tie: None,
        grace: group.duration_ticks == 0,
        fermata: false,
        hidden: false,
        notation: None,
    }
}
