//! A plain-text listing of a score: a short header, then one line per note, chord or rest.
//!
//! Each event line is tab-separated: part number (from 1), measure number, absolute offset and
//! duration as exact fractions of a quarter note, then what sounds (`C#4`, `chord C4 E4 G4`,
//! `rest`, `unpitched`) and any of `voice N`, `tie start|stop|continue`, `grace`, `fermata`.
//! Text taken from the file (titles, part names) has control characters replaced, so the
//! listing is safe to return as MCP text content.

use std::fmt::Write;

use super::model::{EventKind, Part, PlacedEvent, Score, Tie};

/// The listing of a whole score.
pub fn text_listing(score: &Score) -> String {
    let mut out = String::new();
    write_header(score, &mut out);
    out.push_str("part\tmeasure\toffset\tduration\tevent\tdetails\n");
    for (index, part) in score.parts.iter().enumerate() {
        for placed in part.events() {
            write_event(index + 1, part, &placed, &mut out);
        }
    }
    out
}

/// Title, composer and the parts with their names and measure counts.
fn write_header(score: &Score, out: &mut String) {
    let metadata = &score.metadata;
    let title = metadata
        .title
        .as_deref()
        .or(metadata.movement_name.as_deref())
        .unwrap_or("untitled");
    let _ = writeln!(out, "score: {}", clean(title));
    if let Some(composer) = &metadata.composer {
        let _ = writeln!(out, "composer: {}", clean(composer));
    }
    let _ = writeln!(out, "parts: {}", score.parts.len());
    for (index, part) in score.parts.iter().enumerate() {
        let name = part.name.as_deref().map_or(String::new(), clean);
        let _ = writeln!(
            out,
            "part {}: {} ({} measures)",
            index + 1,
            if name.is_empty() { "unnamed" } else { &name },
            part.measures.len()
        );
    }
}

/// One event line.
fn write_event(part_number: usize, part: &Part, placed: &PlacedEvent<'_>, out: &mut String) {
    let event = placed.event;
    let measure = &part.measures[placed.measure_index];
    let what = match &event.kind {
        EventKind::Note(pitch) => pitch.name_with_octave(),
        EventKind::Chord(_) => {
            let names: Vec<String> = event.pitches().map(|p| p.name_with_octave()).collect();
            format!("chord {}", names.join(" "))
        }
        EventKind::Rest(_) => "rest".to_string(),
        EventKind::Unpitched(_) => "unpitched".to_string(),
    };
    let mut details: Vec<String> = Vec::new();
    if measure.voices.len() > 1 {
        details.push(format!("voice {}", placed.voice_index + 1));
    }
    if let Some(tie) = event.tie {
        details.push(format!("tie {}", tie_name(tie)));
    }
    if event.grace {
        details.push("grace".to_string());
    }
    if event.fermata {
        details.push("fermata".to_string());
    }
    let _ = writeln!(
        out,
        "{part_number}\t{}\t{}\t{}\t{what}\t{}",
        measure.number,
        placed.offset,
        event.duration,
        details.join(", ")
    );
}

fn tie_name(tie: Tie) -> &'static str {
    match tie {
        Tie::Start => "start",
        Tie::Stop => "stop",
        Tie::Continue => "continue",
    }
}

/// Text from the file with control characters (tabs and newlines included) made spaces.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::ReadLimits;

    const TWO_MEASURES: &str = r#"<score-partwise><work><work-title>Line&#10;Test</work-title></work>
        <part-list><score-part id="P1"><part-name>Flute</part-name></score-part></part-list>
        <part id="P1"><measure number="1"><attributes><divisions>2</divisions>
        <time><beats>2</beats><beat-type>4</beat-type></time></attributes>
        <note><pitch><step>C</step><alter>1</alter><octave>4</octave></pitch><duration>3</duration>
        <tie type="start"/></note>
        <note><pitch><step>E</step><octave>4</octave></pitch><duration>1</duration></note>
        <note><chord/><pitch><step>G</step><octave>4</octave></pitch><duration>1</duration></note>
        </measure><measure number="2">
        <note><rest/><duration>4</duration></note></measure></part></score-partwise>"#;

    fn listing() -> String {
        let score = read_bytes(TWO_MEASURES.as_bytes(), None, &ReadLimits::default()).unwrap();
        text_listing(&score)
    }

    #[test]
    fn every_event_gets_one_line_with_measure_offset_and_duration() {
        let text = listing();
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("1\t")).collect();
        assert_eq!(
            lines,
            [
                "1\t1\t0\t3/2\tC#4\ttie start",
                "1\t1\t3/2\t1/2\tchord E4 G4\t",
                "1\t2\t2\t2\trest\t"
            ]
        );
    }

    #[test]
    fn the_header_names_the_score_and_parts_without_control_characters() {
        let text = listing();
        assert!(text.starts_with("score: Line Test\nparts: 1\npart 1: Flute (2 measures)\n"));
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
        );
    }
}
