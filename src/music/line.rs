//! The part line: each part reduced to one melodic line, as the music21 oracle builds it.
//!
//! `melodic` and `voice_leading` both read parts through this line. The rules (SCHEMA.md, "The
//! part line") are: take `part.flatten().notes` in music21's order; drop chord symbols,
//! unpitched notes and grace notes; a chord stands for its highest pitch; a tied continuation of
//! the same pitch that starts where the previous event ends extends that event; an element that
//! starts before the previous event has ended is dropped, so the line follows whichever voice
//! music21 lists first.

use super::model::{EventKind, Part, Pitch, Ql, Tie};

/// One event of a part line: a pitch sounding from `start` to `end`.
///
/// Invariant: `start < end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineEvent {
    /// Offset of the start from the start of the score.
    pub start: Ql,
    /// Offset of the end from the start of the score.
    pub end: Ql,
    /// The sounding pitch (a chord's highest).
    pub pitch: Pitch,
}

/// A note or chord of the flattened part, before ties and overlaps are resolved.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    start: Ql,
    end: Ql,
    pitch: Pitch,
    continues_tie: bool,
}

/// The part's line: its notes and chords as single pitches, ties joined, overlaps dropped.
pub fn part_line(part: &Part) -> Vec<LineEvent> {
    let mut line: Vec<LineEvent> = Vec::new();
    for candidate in flattened_candidates(part) {
        let Some(last) = line.last_mut() else {
            line.push(candidate.event());
            continue;
        };

        // A tied continuation of the same spelled pitch, starting right at the end, extends it.
        let joins_tie =
            candidate.continues_tie && candidate.pitch == last.pitch && candidate.start == last.end;
        if joins_tie {
            last.end = candidate.end;
        } else if candidate.start >= last.end {
            line.push(candidate.event());
        }
    }
    line
}

/// The pitch an event of `line` is sounding at `time` (`start <= time < end`), if any.
///
/// `line` must be sorted and free of overlaps, as [`part_line`] returns it.
pub fn sounding_at(line: &[LineEvent], time: Ql) -> Option<&LineEvent> {
    let after = line.partition_point(|event| event.start <= time);
    let event = line.get(after.checked_sub(1)?)?;
    (time < event.end).then_some(event)
}

impl Candidate {
    fn event(self) -> LineEvent {
        LineEvent {
            start: self.start,
            end: self.end,
            pitch: self.pitch,
        }
    }
}

/// `part.flatten().notes` without grace notes, unpitched notes and chord symbols: sorted by
/// offset, keeping measure-then-voice order at equal offsets (music21's insertion order).
fn flattened_candidates(part: &Part) -> Vec<Candidate> {
    let mut candidates: Vec<Candidate> = part
        .events()
        .filter(|placed| !placed.event.grace && placed.event.duration.is_positive())
        .filter_map(|placed| {
            let event = placed.event;
            let pitch = highest_pitch(&event.kind)?;
            Some(Candidate {
                start: placed.offset,
                end: placed.offset + event.duration,
                pitch,
                continues_tie: matches!(event.tie, Some(Tie::Stop | Tie::Continue)),
            })
        })
        .collect();
    candidates.sort_by_key(|candidate| candidate.start);
    candidates
}

/// A note's pitch, or a chord's highest pitch (the first of equals); none for rests and
/// unpitched notes.
fn highest_pitch(kind: &EventKind) -> Option<Pitch> {
    match kind {
        EventKind::Note(pitch) => Some(*pitch),
        EventKind::Chord(tones) => tones
            .iter()
            .filter(|tone| !tone.unpitched)
            .map(|tone| tone.pitch)
            .reduce(|best, pitch| {
                if pitch.midi() > best.midi() {
                    pitch
                } else {
                    best
                }
            }),
        EventKind::Rest(_) | EventKind::Unpitched(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::{ReadLimits, Score};

    /// A one-part score in 4/4 with divisions 1; `measures` holds each measure's notes.
    fn one_part(measures: &[&str]) -> Score {
        let body: String = measures
            .iter()
            .enumerate()
            .map(|(i, notes)| {
                let attributes = if i == 0 {
                    "<attributes><divisions>1</divisions><time><beats>4</beats>\
                     <beat-type>4</beat-type></time></attributes>"
                } else {
                    ""
                };
                format!(
                    "<measure number=\"{}\">{attributes}{notes}</measure>",
                    i + 1
                )
            })
            .collect();
        let xml = format!(
            "<score-partwise><part-list><score-part id=\"P1\"/></part-list>\
             <part id=\"P1\">{body}</part></score-partwise>"
        );
        read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
    }

    fn note(step: &str, octave: u8, duration: u8, extra: &str) -> String {
        format!(
            "<note><pitch><step>{step}</step><octave>{octave}</octave></pitch>\
             <duration>{duration}</duration>{extra}</note>"
        )
    }

    fn names(line: &[LineEvent]) -> Vec<String> {
        line.iter()
            .map(|e| format!("{}@{}-{}", e.pitch, e.start, e.end))
            .collect()
    }

    #[test]
    fn a_tie_joining_across_a_barline_makes_one_event() {
        let first = format!(
            "{}{}",
            note("C", 4, 3, ""),
            note("D", 4, 1, "<tie type=\"start\"/>")
        );
        let second = format!(
            "{}{}",
            note("D", 4, 2, "<tie type=\"stop\"/>"),
            note("E", 4, 2, "")
        );
        let score = one_part(&[&first, &second]);
        let line = part_line(&score.parts[0]);
        assert_eq!(names(&line), ["C4@0-3", "D4@3-6", "E4@6-8"]);
    }

    #[test]
    fn a_tie_stop_on_a_different_pitch_starts_a_new_event() {
        let notes = format!(
            "{}{}",
            note("C", 4, 2, "<tie type=\"start\"/>"),
            note("D", 4, 2, "<tie type=\"stop\"/>")
        );
        let line = part_line(&one_part(&[&notes]).parts[0]);
        assert_eq!(names(&line), ["C4@0-2", "D4@2-4"]);
    }

    #[test]
    fn grace_notes_are_dropped_and_a_chord_gives_its_highest_pitch() {
        let notes = format!(
            "<note><grace/><pitch><step>B</step><octave>4</octave></pitch><type>eighth</type>\
             </note>{}<note><chord/><pitch><step>G</step><octave>4</octave></pitch>\
             <duration>2</duration></note><note><chord/><pitch><step>E</step>\
             <octave>4</octave></pitch><duration>2</duration></note>{}",
            note("C", 4, 2, ""),
            note("F", 4, 2, "")
        );
        let line = part_line(&one_part(&[&notes]).parts[0]);
        assert_eq!(names(&line), ["G4@0-2", "F4@2-4"]);
    }

    #[test]
    fn a_second_voice_overlapping_the_first_is_dropped() {
        let notes = format!(
            "{}{}<backup><duration>4</duration></backup>{}{}",
            note("E", 5, 2, "<voice>1</voice>"),
            note("D", 5, 2, "<voice>1</voice>"),
            note("C", 4, 3, "<voice>2</voice>"),
            note("B", 3, 1, "<voice>2</voice>")
        );
        let line = part_line(&one_part(&[&notes]).parts[0]);
        assert_eq!(names(&line), ["E5@0-2", "D5@2-4"]);
    }

    #[test]
    fn the_sounding_event_is_found_inside_its_span_only() {
        let notes = format!(
            "{}<note><rest/><duration>1</duration></note>{}",
            note("C", 4, 2, ""),
            note("D", 4, 1, "")
        );
        let line = part_line(&one_part(&[&notes]).parts[0]);
        assert_eq!(
            sounding_at(&line, Ql::ONE).map(|e| e.pitch.name()),
            Some("C".into())
        );
        assert!(sounding_at(&line, Ql::from_int(2)).is_none());
        assert_eq!(
            sounding_at(&line, Ql::from_int(3)).map(|e| e.pitch.name()),
            Some("D".into())
        );
        assert!(sounding_at(&line, Ql::from_int(4)).is_none());
    }
}
