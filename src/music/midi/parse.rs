//! Standard MIDI File bytes into timed notes and meta marks, one [`Track`] per track.
//!
//! Parsing uses `midly` leniently (a damaged track ends at its first bad event, as music21
//! skips what it cannot read). Notes are paired with their note-offs the way music21's
//! `getNotesFromEvents` pairs them, so unmatched note-ons are dropped and several note-ons of
//! one key before a single note-off all end there.

use std::collections::HashMap;

use midly::{MetaMessage, MidiMessage, Timing, TrackEventKind};

use crate::music::read::{Limit, ReadError, ReadLimits};

/// A parsed MIDI file: its resolution and its tracks in file order.
#[derive(Debug)]
pub(super) struct MidiFile {
    /// Ticks per quarter note (derived at 120 bpm for SMPTE-timed files).
    pub ticks_per_quarter: u32,
    /// The tracks, in file order (split by channel when asked).
    pub tracks: Vec<Track>,
}

/// One track: its name, its notes and its meta marks.
#[derive(Debug, Default, Clone)]
pub(super) struct Track {
    /// The first usable track name (`FF 03`).
    pub name: Option<String>,
    /// True when the track holds any note-on, even an unmatched one (music21's `hasNotes`).
    pub has_note_on: bool,
    /// Paired notes, ordered by onset, then by the order of their note-on events.
    pub notes: Vec<TimedNote>,
    /// Tempo, meter, key and instrument marks in event order.
    pub metas: Vec<TimedMeta>,
}

/// A note with its onset and release in ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TimedNote {
    /// Tick of the note-on.
    pub on: u64,
    /// Tick of the matching note-off.
    pub off: u64,
    /// MIDI key number.
    pub key: u8,
    /// Channel, 1 to 16 as music21 numbers them (10 is percussion).
    pub channel: u8,
}

/// A meta mark at a tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct TimedMeta {
    /// Absolute tick.
    pub tick: u64,
    /// What the mark is.
    pub kind: MetaKind,
}

/// The meta marks the reader keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum MetaKind {
    /// A tempo, in microseconds per quarter note (never zero).
    Tempo(u32),
    /// A time signature `numerator / 2^power`.
    TimeSignature {
        /// Beats per measure.
        numerator: u8,
        /// The beat type as a power of two (2 is a quarter).
        power: u8,
    },
    /// A key signature: sharps (negative for flats) and mode.
    KeySignature {
        /// Sharps above zero, flats below.
        sharps: i8,
        /// Minor rather than major.
        minor: bool,
    },
    /// A program change or instrument/track name: music21 makes an `Instrument` of it, which
    /// matters only as a position in time.
    Instrument,
}

/// One raw event kept while walking a track, before notes are paired.
enum Raw {
    On { key: u8, channel: u8 },
    Off { key: u8, channel: u8 },
}

/// Parses the bytes into tracks, enforcing the track and note limits.
pub(super) fn parse(
    bytes: &[u8],
    split_channels: bool,
    limits: &ReadLimits,
) -> Result<MidiFile, ReadError> {
    let (header, track_iter) = midly::parse(bytes).map_err(|err| bad(err.to_string()))?;
    let ticks_per_quarter = ticks_per_quarter(header.timing)?;

    let mut tracks = Vec::new();
    let mut notes_seen: u64 = 0;
    for (index, events) in track_iter.enumerate() {
        if index as u64 >= limits.max_parts {
            return Err(ReadError::limit(
                Limit::Parts,
                limits.max_parts,
                index as u64 + 1,
            ));
        }
        let Ok(events) = events else { continue };
        let track = read_track(events, &mut notes_seen, limits)?;
        if split_channels {
            tracks.extend(split_by_channel(track));
        } else {
            tracks.push(track);
        }
        if tracks.len() as u64 > limits.max_parts {
            return Err(ReadError::limit(
                Limit::Parts,
                limits.max_parts,
                tracks.len() as u64,
            ));
        }
    }
    if tracks.is_empty() {
        return Err(bad("the file has no tracks".to_string()));
    }
    Ok(MidiFile {
        ticks_per_quarter,
        tracks,
    })
}

/// A `BadMidi` error.
fn bad(detail: String) -> ReadError {
    ReadError::BadMidi { detail }
}

/// Ticks per quarter note from the header's timing.
fn ticks_per_quarter(timing: Timing) -> Result<u32, ReadError> {
    let ticks = match timing {
        Timing::Metrical(ticks) => u32::from(ticks.as_int()),
        // Timecode files count ticks per second; read them as if at 120 quarters per minute.
        Timing::Timecode(fps, subframes) => {
            (fps.as_f32() * f32::from(subframes) / 2.0).round() as u32
        }
    };
    if ticks == 0 {
        return Err(bad(
            "the header gives zero ticks per quarter note".to_string()
        ));
    }
    Ok(ticks)
}

/// Walks one track's events, keeping notes and meta marks.
fn read_track(
    events: midly::EventIter<'_>,
    notes_seen: &mut u64,
    limits: &ReadLimits,
) -> Result<Track, ReadError> {
    let mut track = Track::default();
    let mut raw: Vec<(u64, Raw)> = Vec::new();
    let mut tick: u64 = 0;
    for event in events {
        // A damaged event ends the track; what came before it is kept.
        let Ok(event) = event else { break };
        tick += u64::from(event.delta.as_int());
        match event.kind {
            TrackEventKind::Midi { channel, message } => {
                let channel = channel.as_int() + 1;
                read_channel_message(&mut track, &mut raw, tick, channel, message);
                if raw.len() as u64 > limits.max_events.saturating_mul(2) {
                    return Err(ReadError::limit(
                        Limit::Events,
                        limits.max_events,
                        *notes_seen + raw.len() as u64 / 2,
                    ));
                }
            }
            TrackEventKind::Meta(meta) => read_meta(&mut track, tick, meta),
            TrackEventKind::SysEx(_) | TrackEventKind::Escape(_) => {}
        }
    }
    track.notes = pair_notes(&raw);
    *notes_seen += track.notes.len() as u64;
    if *notes_seen > limits.max_events {
        return Err(ReadError::limit(
            Limit::Events,
            limits.max_events,
            *notes_seen,
        ));
    }
    Ok(track)
}

/// Records note-ons, note-offs and program changes.
fn read_channel_message(
    track: &mut Track,
    raw: &mut Vec<(u64, Raw)>,
    tick: u64,
    channel: u8,
    message: MidiMessage,
) {
    match message {
        MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
            track.has_note_on = true;
            raw.push((
                tick,
                Raw::On {
                    key: key.as_int(),
                    channel,
                },
            ));
        }
        MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => raw.push((
            tick,
            Raw::Off {
                key: key.as_int(),
                channel,
            },
        )),
        MidiMessage::ProgramChange { .. } => track.metas.push(TimedMeta {
            tick,
            kind: MetaKind::Instrument,
        }),
        _ => {}
    }
}

/// Records the meta marks music21 turns into objects.
fn read_meta(track: &mut Track, tick: u64, meta: MetaMessage<'_>) {
    let kind = match meta {
        MetaMessage::Tempo(micros) if micros.as_int() > 0 => MetaKind::Tempo(micros.as_int()),
        MetaMessage::TimeSignature(numerator, power, _, _) if numerator > 0 && power <= 6 => {
            MetaKind::TimeSignature { numerator, power }
        }
        MetaMessage::KeySignature(sharps, minor) if (-7..=7).contains(&sharps) => {
            MetaKind::KeySignature { sharps, minor }
        }
        MetaMessage::TrackName(bytes) => {
            if track.name.is_none() {
                track.name = usable_name(bytes);
            }
            MetaKind::Instrument
        }
        MetaMessage::InstrumentName(_) => MetaKind::Instrument,
        _ => return,
    };
    track.metas.push(TimedMeta { tick, kind });
}

/// A track name as music21 keeps it: UTF-8 up to the first NUL, trimmed, and not a
/// placeholder such as `Instrument 3`.
fn usable_name(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let name = text.split('\0').next().unwrap_or("").trim();
    let lower = name.to_lowercase();
    let placeholder = lower == "instrument"
        || lower == "inst"
        || is_digits(lower.replace("instrument ", "").as_str())
        || is_digits(lower.replace("inst ", "").as_str());
    (!name.is_empty() && !placeholder).then(|| name.to_string())
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_digit())
}

/// Pairs note-ons with note-offs as music21 does: walking backwards, each note-on takes the
/// latest note-off of its key and channel seen so far (later in time), without consuming it.
fn pair_notes(raw: &[(u64, Raw)]) -> Vec<TimedNote> {
    let mut awaiting: HashMap<(u8, u8), u64> = HashMap::new();
    let mut notes = Vec::new();
    for (tick, event) in raw.iter().rev() {
        match *event {
            Raw::Off { key, channel } => {
                awaiting.insert((key, channel), *tick);
            }
            Raw::On { key, channel } => {
                if let Some(&off) = awaiting.get(&(key, channel)) {
                    notes.push(TimedNote {
                        on: *tick,
                        off,
                        key,
                        channel,
                    });
                }
            }
        }
    }
    notes.reverse();
    notes
}

/// One track per channel when a track mixes channels; otherwise the track itself.
fn split_by_channel(track: Track) -> Vec<Track> {
    let mut channels: Vec<u8> = track.notes.iter().map(|n| n.channel).collect();
    channels.sort_unstable();
    channels.dedup();
    if channels.len() <= 1 {
        return vec![track];
    }
    channels
        .into_iter()
        .map(|channel| Track {
            name: track.name.clone(),
            has_note_on: true,
            notes: track
                .notes
                .iter()
                .filter(|n| n.channel == channel)
                .copied()
                .collect(),
            metas: track.metas.clone(),
        })
        .collect()
}
