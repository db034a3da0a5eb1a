//! The ABC writer: a score as ABC 2.1 text that the ABC reader (and music21) reads back to the
//! same pitches and lengths.
//!
//! One `X:1` tune: title, composer, meter, a unit length of an eighth, tempo and key in the
//! header, then one `V:` voice per part (and per extra voice inside a part). Lengths are
//! written as multiples of the unit (`3/2`, `2/3`), so tuplets need no tuplet syntax; rests a
//! reader would drop (`x`) are never written; accidentals are written whenever a reader that
//! carries accidentals through the measure, or one that does not (music21 by default), could
//! otherwise read another pitch. Meter and key changes are inline fields (`[M:3/4]`).

use std::collections::HashMap;
use std::fmt::Write as _;

use super::model::signature::name_on_circle_of_fifths;
use super::model::{
    Event, EventKind, KeySignature, Measure, Mode, Part, Pitch, Ql, Score, Step, Tie,
};

/// The unit note length written in `L:` (an eighth), in quarter lengths.
fn unit() -> Ql {
    Ql::new(1, 2)
}

/// Measures per line of music.
const MEASURES_PER_LINE: usize = 4;

/// Writes a score as one ABC tune.
pub fn write_abc(score: &Score) -> String {
    let mut out = String::new();
    let header = write_header(&mut out, score);
    // Readers carry the meter and key from one voice into the next, as they appear in the file.
    let mut running = Header {
        meter: header.meter.clone(),
        key: header.key.clone(),
    };
    let voices = voice_plan(score);
    let several = voices.len() > 1;
    for (number, (part, voice)) in voices.iter().enumerate() {
        if several {
            write_voice_field(&mut out, number + 1, &score.parts[*part]);
        }
        write_voice(&mut out, &score.parts[*part], *voice, &header, &mut running);
    }
    out
}

/// A meter and key: the ones the header sets, or the ones a reader is using.
struct Header {
    meter: Option<String>,
    key: KeySignature,
}

fn write_header(out: &mut String, score: &Score) -> Header {
    out.push_str("X:1\n");
    let title = score
        .metadata
        .title
        .as_ref()
        .or(score.metadata.movement_name.as_ref());
    if let Some(title) = title {
        let _ = writeln!(out, "T:{}", one_line(title));
    }
    if let Some(composer) = &score.metadata.composer {
        let _ = writeln!(out, "C:{}", one_line(composer));
    }
    let first = score.parts.first().and_then(|p| p.measures.first());
    let meter = first
        .and_then(|m| m.time_signatures.iter().find(|t| t.offset.is_zero()))
        .map(|t| t.value.ratio());
    let _ = writeln!(out, "M:{}", meter.as_deref().unwrap_or("none"));
    out.push_str("L:1/8\n");
    if let Some(mark) = first.and_then(|m| m.tempos.first())
        && let Some(number) = mark.value.number.or(mark.value.number_sounding)
    {
        let _ = writeln!(out, "Q:{}={}", beat_text(mark.value.referent), number);
    }
    let key = first
        .and_then(|m| m.key_signatures.iter().find(|k| k.offset.is_zero()))
        .map_or(
            KeySignature {
                fifths: 0,
                mode: None,
            },
            |k| k.value.clone(),
        );
    let _ = writeln!(out, "K:{}", key_text(&key));
    Header { meter, key }
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// A beat unit as a fraction of a whole note: a quarter is `1/4`.
fn beat_text(referent: Ql) -> String {
    let whole = referent * Ql::new(1, 4);
    format!("{}/{}", whole.numer(), whole.denom())
}

/// A key as ABC writes it: `G`, `Bbm`, `D Dor`.
fn key_text(key: &KeySignature) -> String {
    let (position, suffix) = match key.mode {
        Some(Mode::Minor) => (key.fifths + 3, "m"),
        Some(Mode::Aeolian) => (key.fifths + 3, " Aeo"),
        Some(Mode::Dorian) => (key.fifths + 2, " Dor"),
        Some(Mode::Phrygian) => (key.fifths + 4, " Phr"),
        Some(Mode::Lydian) => (key.fifths - 1, " Lyd"),
        Some(Mode::Mixolydian) => (key.fifths + 1, " Mix"),
        Some(Mode::Ionian) => (key.fifths, " Ion"),
        // music21 reads no Locrian in ABC: write the signature as a major key.
        _ => (key.fifths, ""),
    };
    let tonic = name_on_circle_of_fifths(position).replace('-', "b");
    format!("{tonic}{suffix}")
}

/// Each part's voices, in order: `(part index, voice index)`.
fn voice_plan(score: &Score) -> Vec<(usize, usize)> {
    score
        .parts
        .iter()
        .enumerate()
        .flat_map(|(index, part)| {
            let voices = part
                .measures
                .iter()
                .map(|m| m.voices.len())
                .max()
                .unwrap_or(1);
            (0..voices.max(1)).map(move |voice| (index, voice))
        })
        .collect()
}

fn write_voice_field(out: &mut String, number: usize, part: &Part) {
    let _ = write!(out, "V:{number}");
    if let Some(name) = &part.name {
        let _ = write!(out, " name=\"{}\"", one_line(name).replace('"', "'"));
    }
    out.push('\n');
}

/// One voice of one part, measure by measure.
fn write_voice(out: &mut String, part: &Part, voice: usize, header: &Header, running: &mut Header) {
    for (index, measure) in part.measures.iter().enumerate() {
        let (meter, key) = wanted_signatures(measure, index == 0, header);
        write_changes(out, meter, key, running);
        match measure.voices.get(voice) {
            Some(events) => write_events(out, &events.events, measure, running.key.fifths),
            None => write_rest(out, measure.duration),
        }
        // A plain barline even at the end: music21 makes measures only from two or more.
        out.push('|');
        let last = index + 1 == part.measures.len();
        if last || (index + 1) % MEASURES_PER_LINE == 0 {
            out.push('\n');
        }
    }
    if part.measures.is_empty() {
        out.push_str("z|\n");
    }
}

/// The meter and key a measure starts with: its own, or the header's for a first measure
/// without any (readers put the header's there).
fn wanted_signatures(
    measure: &Measure,
    first: bool,
    header: &Header,
) -> (Option<String>, Option<KeySignature>) {
    let meter = measure
        .time_signatures
        .iter()
        .find(|t| t.offset.is_zero())
        .map(|t| t.value.ratio())
        .or_else(|| first.then(|| header.meter.clone()).flatten());
    let key = measure
        .key_signatures
        .iter()
        .find(|k| k.offset.is_zero())
        .map(|k| k.value.clone())
        .or_else(|| first.then(|| header.key.clone()));
    (meter, key)
}

/// Inline `[M:]` and `[K:]` fields where the meter or key differs from the running one.
fn write_changes(
    out: &mut String,
    meter: Option<String>,
    key: Option<KeySignature>,
    running: &mut Header,
) {
    if let Some(ratio) = meter
        && running.meter.as_deref() != Some(ratio.as_str())
    {
        let _ = write!(out, "[M:{ratio}]");
        running.meter = Some(ratio);
    }
    if let Some(key) = key
        && key_text(&key) != key_text(&running.key)
    {
        let _ = write!(out, "[K:{}]", key_text(&key));
        running.key = key;
    }
}

fn write_rest(out: &mut String, duration: Ql) {
    if duration.is_positive() {
        let _ = write!(out, "z{} ", length_text(duration));
    }
}

/// The events of one measure; rests fill gaps so that every event starts where it should.
fn write_events(out: &mut String, events: &[Event], measure: &Measure, key: i32) {
    let mut carried: HashMap<Step, i8> = HashMap::new();
    let mut cursor = Ql::ZERO;
    let mut graces: Vec<&Event> = Vec::new();
    for event in events {
        if event.grace {
            graces.push(event);
            continue;
        }
        if event.offset > cursor {
            write_rest(out, event.offset - cursor);
        }
        if !graces.is_empty() {
            write_graces(out, &graces, key, &mut carried);
            graces.clear();
        }
        write_event(out, event, key, &mut carried);
        out.push(' ');
        cursor = cursor.max(event.offset + event.duration);
    }
    if !graces.is_empty() {
        write_graces(out, &graces, key, &mut carried);
    }
    if measure.duration > cursor {
        write_rest(out, measure.duration - cursor);
    }
}

fn write_graces(out: &mut String, graces: &[&Event], key: i32, carried: &mut HashMap<Step, i8>) {
    out.push('{');
    for grace in graces {
        let pitch = match &grace.kind {
            EventKind::Note(pitch) => Some(*pitch),
            EventKind::Chord(tones) => tones.first().map(|t| t.pitch),
            _ => None,
        };
        if let Some(pitch) = pitch {
            out.push_str(&pitch_text(pitch, key, carried));
        }
    }
    out.push('}');
}

fn write_event(out: &mut String, event: &Event, key: i32, carried: &mut HashMap<Step, i8>) {
    let length = length_text(event.duration);
    match &event.kind {
        EventKind::Note(pitch) => {
            out.push_str(&pitch_text(*pitch, key, carried));
            out.push_str(&length);
        }
        EventKind::Chord(tones) if tones.iter().any(|t| !t.unpitched) => {
            out.push('[');
            for tone in tones.iter().filter(|t| !t.unpitched) {
                out.push_str(&pitch_text(tone.pitch, key, carried));
            }
            out.push(']');
            out.push_str(&length);
        }
        EventKind::Chord(_) | EventKind::Rest(_) | EventKind::Unpitched(_) => {
            out.push('z');
            out.push_str(&length);
            return;
        }
    }
    if matches!(event.tie, Some(Tie::Start | Tie::Continue)) {
        out.push('-');
    }
}

/// A length as a multiple of the unit: empty for one unit, `2`, `/`, `3/2`, `2/3`.
fn length_text(duration: Ql) -> String {
    let ratio = duration / unit();
    match (ratio.numer(), ratio.denom()) {
        (1, 1) => String::new(),
        (n, 1) => n.to_string(),
        (1, 2) => "/".to_string(),
        (n, d) => format!("{n}/{d}"),
    }
}

/// A pitch in ABC: letter case and `,`/`'` for the octave, and an accidental whenever the key
/// (for readers that do not carry accidentals, like music21 by default) or an earlier
/// accidental in the measure (for readers that do) would otherwise give another pitch.
fn pitch_text(pitch: Pitch, key: i32, carried: &mut HashMap<Step, i8>) -> String {
    let from_key = key_alter(key, pitch.step);
    let from_measure = carried.get(&pitch.step).copied();
    let needs_sign =
        from_key != pitch.alter || from_measure.is_some_and(|alter| alter != pitch.alter);
    let mut text = String::new();
    if needs_sign {
        text.push_str(&accidental(pitch.alter));
        carried.insert(pitch.step, pitch.alter);
    }
    let letter = pitch.step.letter();
    if pitch.octave >= 5 {
        text.push(letter.to_ascii_lowercase());
        for _ in 5..pitch.octave {
            text.push('\'');
        }
    } else {
        text.push(letter);
        for _ in pitch.octave..4 {
            text.push(',');
        }
    }
    text
}

fn accidental(alter: i8) -> String {
    match alter {
        0 => "=".to_string(),
        a if a > 0 => "^".repeat(usize::from(a.unsigned_abs())),
        a => "_".repeat(usize::from(a.unsigned_abs())),
    }
}

/// The alteration a key signature gives a letter.
fn key_alter(fifths: i32, step: Step) -> i8 {
    let order = [
        Step::F,
        Step::C,
        Step::G,
        Step::D,
        Step::A,
        Step::E,
        Step::B,
    ];
    let position = order.iter().position(|&s| s == step).unwrap_or(0) as i32;
    if fifths >= 0 {
        let laps = fifths / 7 + i32::from(position < fifths % 7);
        laps.clamp(-4, 4) as i8
    } else {
        let flats = -fifths;
        let laps = flats / 7 + i32::from(6 - position < flats % 7);
        -(laps.clamp(-4, 4) as i8)
    }
}

#[cfg(test)]
mod tests;
