//! Round trips of the ABC writer through the ABC reader.

use super::*;
use crate::music::abc::read_bytes as read_abc;
use crate::music::musicxml::read_bytes as read_xml;
use crate::music::read::ReadLimits;

fn from_xml(xml: &str) -> Score {
    read_xml(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
}

/// Every part's events as `pitches@offset+duration`, ties included.
fn listing(score: &Score) -> Vec<Vec<String>> {
    score
        .parts
        .iter()
        .map(|part| {
            part.events()
                .filter(|placed| !placed.event.grace)
                .map(|placed| {
                    let event = placed.event;
                    let what: Vec<String> = match &event.kind {
                        EventKind::Note(p) => vec![p.name_with_octave()],
                        EventKind::Chord(tones) => {
                            tones.iter().map(|t| t.pitch.name_with_octave()).collect()
                        }
                        _ => vec!["rest".to_string()],
                    };
                    format!("{}@{}+{}", what.join(" "), placed.offset, event.duration)
                })
                .collect()
        })
        .collect()
}

fn round_trip(score: &Score) -> (String, Score) {
    let text = write_abc(score);
    let again = read_abc(text.as_bytes(), &ReadLimits::default(), None)
        .unwrap_or_else(|err| panic!("{err}\n{text}"));
    (text, again)
}

const TWO_PARTS: &str = r#"<score-partwise><part-list>
<score-part id="P1"><part-name>Soprano</part-name></score-part>
<score-part id="P2"><part-name>Bass</part-name></score-part></part-list>
<part id="P1">
<measure number="1"><attributes><divisions>6</divisions><key><fifths>2</fifths><mode>major</mode></key>
<time><beats>3</beats><beat-type>4</beat-type></time></attributes>
<note><pitch><step>F</step><alter>1</alter><octave>5</octave></pitch><duration>6</duration></note>
<note><pitch><step>F</step><octave>5</octave></pitch><duration>3</duration></note>
<note><pitch><step>G</step><octave>5</octave></pitch><duration>3</duration><tie type="start"/></note>
<note><pitch><step>G</step><octave>5</octave></pitch><duration>6</duration><tie type="stop"/></note>
</measure>
<measure number="2"><attributes><key><fifths>-1</fifths><mode>minor</mode></key></attributes>
<note><pitch><step>B</step><alter>-1</alter><octave>4</octave></pitch><duration>2</duration></note>
<note><pitch><step>C</step><alter>1</alter><octave>5</octave></pitch><duration>2</duration></note>
<note><pitch><step>D</step><octave>5</octave></pitch><duration>2</duration></note>
<note><rest/><duration>6</duration></note>
<note><pitch><step>A</step><octave>4</octave></pitch><duration>6</duration></note>
<note><chord/><pitch><step>C</step><alter>1</alter><octave>5</octave></pitch><duration>6</duration></note>
</measure></part>
<part id="P2">
<measure number="1"><attributes><divisions>1</divisions><key><fifths>2</fifths></key>
<time><beats>3</beats><beat-type>4</beat-type></time><clef><sign>F</sign><line>4</line></clef></attributes>
<note><pitch><step>D</step><octave>2</octave></pitch><duration>3</duration></note>
</measure>
<measure number="2"><attributes><key><fifths>-1</fifths><mode>minor</mode></key></attributes>
<note><pitch><step>D</step><octave>3</octave></pitch><duration>2</duration></note>
<note><pitch><step>A</step><octave>2</octave></pitch><duration>1</duration></note>
</measure></part></score-partwise>"#;

#[test]
fn reading_written_abc_gives_the_same_pitches_offsets_and_durations() {
    let score = from_xml(TWO_PARTS);
    let (text, again) = round_trip(&score);
    assert_eq!(listing(&again), listing(&score), "{text}");
    assert_eq!(again.parts.len(), 2);
    assert_eq!(again.parts[0].measures.len(), 2, "{text}");
}

#[test]
fn the_header_names_title_meter_unit_and_key_and_parts_become_voices() {
    let score = from_xml(TWO_PARTS);
    let text = write_abc(&score);
    assert!(text.starts_with("X:1\n"), "{text}");
    assert!(text.contains("M:3/4\nL:1/8\nK:D\n"), "{text}");
    assert!(text.contains("V:1 name=\"Soprano\"\n"), "{text}");
    assert!(text.contains("V:2 name=\"Bass\"\n"), "{text}");
    assert!(text.contains("[K:Dm]"), "{text}");
}

#[test]
fn ties_tuplet_lengths_and_explicit_naturals_are_written() {
    let score = from_xml(TWO_PARTS);
    let text = write_abc(&score);
    // F natural against two sharps, then a tied G.
    assert!(text.contains("=f "), "{text}");
    assert!(text.contains("g- g2"), "{text}");
    // Triplet eighths are two-thirds of the unit; B is flat by the D minor key.
    assert!(text.contains("[K:Dm]B2/3 ^c2/3 d2/3"), "{text}");
}

#[test]
fn keys_are_written_with_their_modes() {
    let key = |fifths, mode| key_text(&KeySignature { fifths, mode });
    assert_eq!(key(-3, Some(Mode::Minor)), "Cm");
    assert_eq!(key(-2, None), "Bb");
    assert_eq!(key(0, Some(Mode::Dorian)), "D Dor");
    assert_eq!(key(4, Some(Mode::Minor)), "C#m");
}

#[test]
fn grace_notes_and_rests_survive_a_round_trip() {
    let abc = "X:1\nM:2/4\nL:1/8\nK:G\n{a}g2 z2|B4|]\n";
    let score = read_abc(abc.as_bytes(), &ReadLimits::default(), None).unwrap();
    let (text, again) = round_trip(&score);
    assert_eq!(listing(&again), listing(&score), "{text}");
    let graces = again.parts[0].events().filter(|p| p.event.grace).count();
    assert_eq!(graces, 1, "{text}");
}
