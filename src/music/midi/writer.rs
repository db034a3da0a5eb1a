//! Writing a score as a format 1 Standard MIDI File.
//!
//! Track 0 is the conductor (tempo marks of every part, time and key signatures of part 0);
//! then one track per part, named after the part, on its own channel (channel 10 for a part
//! of unpitched notes). Choices, so that reading the file back gives the same notes:
//! - 10080 ticks per quarter (music21's value), exact for halves, thirds, quarters, fifths,
//!   sixths, sevenths, eighths, ninths and their multiples; other durations round to a tick.
//! - Tied notes are merged into one note, per pitch (so each tone of a chord keeps its tie).
//! - Grace notes are skipped: they take no time, and a zero-length MIDI note would read back
//!   as a grace note only by accident of note-off ordering.
//! - A pickup is padded with silence to a full first measure ([`pickup_padding`]), so that the
//!   barlines of the score and of the file read back agree; every onset moves by the padding.
//! - Velocity is 90, as music21 writes. MIDI has keys 0-127 only: callers check
//!   [`first_note_outside_midi`] first and refuse such a score, as the writer skips those notes.
//! - Unpitched notes are written (at their display position's key) only in a part of nothing
//!   but unpitched notes, which goes on the percussion channel; elsewhere they are skipped.

use std::collections::HashMap;

use midly::num::{u4, u7, u15, u24, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

use crate::music::model::{EventKind, Mode, Part, Pitch, Ql, Score, Tie};

/// Ticks per quarter note in written files.
pub const TICKS_PER_QUARTER: u32 = 10_080;

/// The velocity of every written note (music21's default).
const VELOCITY: u8 = 90;

/// The MIDI channel of unpitched percussion (channel 10, zero-based 9).
const PERCUSSION_CHANNEL: u8 = 9;

/// A note to write, in ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct WrittenNote {
    on: u64,
    off: u64,
    key: u8,
}

/// A timed event before deltas are computed; `order` puts note-offs before note-ons at one
/// tick, so a repeated note is not cut short.
struct Timed<'a> {
    tick: u64,
    order: u8,
    kind: TrackEventKind<'a>,
}

/// Writes the score as a format 1 MIDI file.
pub fn write_midi(score: &Score) -> Vec<u8> {
    let padding = pickup_padding(score);
    let mut tracks = vec![conductor_track(score, padding)];
    for (index, part) in score.parts.iter().enumerate() {
        tracks.push(part_track(part, index, padding));
    }
    let smf = Smf {
        header: Header::new(
            Format::Parallel,
            Timing::Metrical(u15::new(TICKS_PER_QUARTER as u16)),
        ),
        tracks,
    };
    let mut bytes = Vec::new();
    // Writing to a Vec only fails for more than 65535 tracks, which ReadLimits never lets in.
    if smf.write_std(&mut bytes).is_err() {
        bytes.clear();
    }
    bytes
}

/// The silence written before a pickup measure so that it fills a whole first measure: the
/// first measure's time-signature length minus its actual length (zero without a pickup).
pub fn pickup_padding(score: &Score) -> Ql {
    let Some(first) = score.parts.first().and_then(|p| p.measures.first()) else {
        return Ql::ZERO;
    };
    let Some(time_signature) = first.time_signatures.first() else {
        return Ql::ZERO;
    };
    let bar = time_signature.value.bar_duration();
    if first.duration < bar && first.duration.is_positive() {
        bar - first.duration
    } else {
        Ql::ZERO
    }
}

/// A quarter-length position as ticks, rounded to the nearest tick.
fn ticks(ql: Ql) -> u64 {
    let scaled = i128::from(ql.numer()) * i128::from(TICKS_PER_QUARTER);
    let den = i128::from(ql.denom());
    let rounded = (2 * scaled + den).div_euclid(2 * den);
    u64::try_from(rounded.max(0)).unwrap_or(u64::MAX)
}

/// Tempo marks of every part, and part 0's time and key signatures.
fn conductor_track(score: &Score, padding: Ql) -> Vec<TrackEvent<'static>> {
    let mut timed: Vec<Timed<'static>> = Vec::new();
    let mut tempo_ticks: Vec<u64> = Vec::new();
    for part in &score.parts {
        for measure in &part.measures {
            for mark in &measure.tempos {
                let tick = ticks(padding + measure.offset + mark.offset);
                let Some(bpm) = mark.value.quarter_bpm().filter(|b| *b > 0.0) else {
                    continue;
                };
                if tempo_ticks.contains(&tick) {
                    continue;
                }
                tempo_ticks.push(tick);
                let micros = (60_000_000.0 / bpm).round().clamp(1.0, 16_777_215.0) as u32;
                timed.push(meta(tick, 0, MetaMessage::Tempo(u24::new(micros))));
            }
        }
    }
    if let Some(part) = score.parts.first() {
        signatures(part, padding, &mut timed);
    }
    finish_track(timed)
}

/// Part 0's time signatures (power-of-two beat types only) and key signatures.
fn signatures(part: &Part, padding: Ql, timed: &mut Vec<Timed<'static>>) {
    for measure in &part.measures {
        for mark in &measure.time_signatures {
            let tick = ticks(padding + measure.offset + mark.offset);
            let tick = if measure.offset.is_zero() { 0 } else { tick };
            let beats: u32 = mark.value.groups.iter().flat_map(|g| &g.beats).sum();
            let beat_type = mark.value.groups.first().map_or(4, |g| g.beat_type);
            let same_type = mark.value.groups.iter().all(|g| g.beat_type == beat_type);
            let (Ok(numerator), true, true) =
                (u8::try_from(beats), beat_type.is_power_of_two(), same_type)
            else {
                continue;
            };
            let power = beat_type.trailing_zeros() as u8;
            timed.push(meta(
                tick,
                1,
                MetaMessage::TimeSignature(numerator, power, 24, 8),
            ));
        }
        for mark in &measure.key_signatures {
            let tick = ticks(padding + measure.offset + mark.offset);
            let tick = if measure.offset.is_zero() { 0 } else { tick };
            let sharps = mark.value.fifths.clamp(-7, 7) as i8;
            let minor = mark.value.mode == Some(Mode::Minor);
            timed.push(meta(tick, 2, MetaMessage::KeySignature(sharps, minor)));
        }
    }
}

fn meta(tick: u64, order: u8, message: MetaMessage<'static>) -> Timed<'static> {
    Timed {
        tick,
        order,
        kind: TrackEventKind::Meta(message),
    }
}

/// One part's track: its name, then its notes with ties merged and grace notes left out.
fn part_track(part: &Part, index: usize, padding: Ql) -> Vec<TrackEvent<'_>> {
    let channel = channel_for(part, index);
    let mut timed: Vec<Timed<'_>> = Vec::new();
    if let Some(name) = part.name.as_deref() {
        timed.push(Timed {
            tick: 0,
            order: 0,
            kind: TrackEventKind::Meta(MetaMessage::TrackName(name.as_bytes())),
        });
    }
    let percussion = channel == PERCUSSION_CHANNEL;
    for note in merged_notes(part, padding, percussion) {
        timed.push(note_event(note.off, 1, channel, note.key, false));
        timed.push(note_event(note.on, 2, channel, note.key, true));
    }
    finish_track(timed)
}

/// A channel per part, skipping the percussion channel unless the part is all unpitched.
fn channel_for(part: &Part, index: usize) -> u8 {
    let unpitched = part
        .events()
        .any(|e| matches!(e.event.kind, EventKind::Unpitched(_)));
    let pitched = part.events().any(|e| e.event.pitches().next().is_some());
    if unpitched && !pitched {
        return PERCUSSION_CHANNEL;
    }
    let melodic = (index % 15) as u8;
    if melodic >= PERCUSSION_CHANNEL {
        melodic + 1
    } else {
        melodic
    }
}

fn note_event(tick: u64, order: u8, channel: u8, key: u8, on: bool) -> Timed<'static> {
    let (key, vel) = (u7::new(key), u7::new(if on { VELOCITY } else { 0 }));
    let message = if on {
        MidiMessage::NoteOn { key, vel }
    } else {
        MidiMessage::NoteOff { key, vel }
    };
    Timed {
        tick,
        order,
        kind: TrackEventKind::Midi {
            channel: u4::new(channel),
            message,
        },
    }
}

/// A sounding note that MIDI cannot hold (its key would be below 0 or above 127).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteOutsideMidi {
    /// The pitch, as music21 names it (`C50`).
    pub pitch: String,
    /// The part's index in the score (0 is the top staff).
    pub part: usize,
    /// music21's number of the measure holding it.
    pub measure: i32,
}

impl std::fmt::Display for NoteOutsideMidi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} in part {} measure {} is outside MIDI's range C-1 to G9 (keys 0 to 127)",
            self.pitch, self.part, self.measure
        )
    }
}

/// The first pitched note of `score` that MIDI cannot hold, in part then time order.
pub fn first_note_outside_midi(score: &Score) -> Option<NoteOutsideMidi> {
    score.parts.iter().enumerate().find_map(|(index, part)| {
        part.events().find_map(|placed| {
            sounding(&placed.event.kind, None, false)
                .into_iter()
                .find(|(pitch, _)| !(0..=127).contains(&pitch.midi()))
                .map(|(pitch, _)| NoteOutsideMidi {
                    pitch: pitch.name_with_octave(),
                    part: index,
                    measure: part.measures[placed.measure_index].number,
                })
        })
    })
}

/// The part's sounding notes in ticks, a tied chain of one pitch written as one note.
fn merged_notes(part: &Part, padding: Ql, percussion: bool) -> Vec<WrittenNote> {
    let mut notes: Vec<WrittenNote> = Vec::new();
    // Open tie chains by MIDI key: the index of the note and the tick where it ends.
    let mut open: HashMap<u8, usize> = HashMap::new();
    for placed in part.events() {
        let event = placed.event;
        if event.grace || !event.duration.is_positive() {
            continue;
        }
        let on = ticks(padding + placed.offset);
        let off = ticks(padding + placed.offset + event.duration);
        for (pitch, tie) in sounding(&event.kind, event.tie, percussion) {
            let Ok(key) = u8::try_from(pitch.midi()) else {
                continue;
            };
            if key > 127 {
                continue;
            }
            let continues = matches!(tie, Some(Tie::Stop | Tie::Continue));
            match open.get(&key) {
                Some(&index) if continues && notes[index].off == on => notes[index].off = off,
                _ => {
                    open.insert(key, notes.len());
                    notes.push(WrittenNote { on, off, key });
                }
            }
        }
    }
    notes.sort();
    notes
}

/// The pitches an event sounds, with each one's tie; unpitched notes (at their display
/// position) only on the percussion channel.
fn sounding(kind: &EventKind, tie: Option<Tie>, percussion: bool) -> Vec<(Pitch, Option<Tie>)> {
    match kind {
        EventKind::Note(pitch) => vec![(*pitch, tie)],
        EventKind::Unpitched(Some(pitch)) if percussion => vec![(*pitch, tie)],
        EventKind::Chord(tones) => tones
            .iter()
            .filter(|t| percussion || !t.unpitched)
            .map(|t| (t.pitch, t.tie.or(tie)))
            .collect(),
        EventKind::Unpitched(_) | EventKind::Rest(_) => Vec::new(),
    }
}

/// Sorts timed events, turns ticks into deltas and ends the track.
fn finish_track(mut timed: Vec<Timed<'_>>) -> Vec<TrackEvent<'_>> {
    timed.sort_by_key(|t| (t.tick, t.order));
    let mut events = Vec::with_capacity(timed.len() + 1);
    let mut now: u64 = 0;
    for item in timed {
        let mut delta = item.tick.saturating_sub(now);
        // A delta holds 28 bits; longer silences are bridged with empty text events.
        while delta > u64::from(u28::max_value().as_int()) {
            let step = u28::max_value();
            events.push(TrackEvent {
                delta: step,
                kind: TrackEventKind::Meta(MetaMessage::Text(b"")),
            });
            delta -= u64::from(step.as_int());
        }
        events.push(TrackEvent {
            delta: u28::new(delta as u32),
            kind: item.kind,
        });
        now = item.tick.max(now);
    }
    events.push(TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    events
}
