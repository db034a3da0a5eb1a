//! Round trips of small hand-written scores through the writer and the reader.

use super::*;
use crate::music::musicxml::read_bytes;
use crate::music::read::ReadLimits;

fn read(xml: &str) -> Score {
    read_bytes(
        xml.as_bytes(),
        Some("fixture.musicxml"),
        &ReadLimits::default(),
    )
    .unwrap()
}

fn assert_round_trips(xml: &str) {
    let original = read(xml);
    let written = write_musicxml(&original);
    let again = read(&written);
    assert_eq!(again, original, "written document:\n{written}");
}

const HEADER: &str = "<score-partwise><part-list><score-part id=\"P1\"><part-name>Voice</part-name>\
    </score-part></part-list><part id=\"P1\">";

#[test]
fn notes_rests_chords_ties_and_signatures_read_back_the_same() {
    assert_round_trips(&format!(
        "{HEADER}<measure number=\"1\"><attributes><divisions>2</divisions><key><fifths>-2</fifths>\
         <mode>minor</mode></key><time><beats>3</beats><beat-type>4</beat-type></time><clef>\
         <sign>F</sign><line>4</line></clef></attributes>\
         <direction><direction-type><metronome><beat-unit>quarter</beat-unit><dot/>\
         <per-minute>72</per-minute></metronome></direction-type></direction>\
         <note><pitch><step>B</step><alter>-1</alter><octave>3</octave></pitch><duration>3</duration>\
         <tie type=\"start\"/><type>quarter</type><dot/></note>\
         <note><pitch><step>B</step><alter>-1</alter><octave>3</octave></pitch><duration>1</duration>\
         <tie type=\"stop\"/><type>eighth</type></note>\
         <note><rest/><duration>1</duration><type>eighth</type></note>\
         <note><pitch><step>D</step><octave>4</octave></pitch><duration>1</duration><type>eighth</type>\
         <notations><fermata/></notations></note>\
         <note><chord/><pitch><step>F</step><octave>4</octave></pitch><duration>1</duration>\
         <type>eighth</type></note></measure>\
         <measure number=\"2\"><note><rest measure=\"yes\"/><duration>6</duration></note></measure>\
         </part></score-partwise>"
    ));
}

#[test]
fn voices_grace_notes_and_triplets_read_back_the_same() {
    assert_round_trips(&format!(
        "{HEADER}<measure number=\"0\" implicit=\"yes\"><attributes><divisions>3</divisions>\
         <time><beats>2</beats><beat-type>4</beat-type></time></attributes>\
         <note><grace/><pitch><step>A</step><octave>4</octave></pitch><voice>1</voice>\
         <type>16th</type></note>\
         <note><pitch><step>G</step><octave>4</octave></pitch><duration>1</duration><voice>1</voice>\
         <type>eighth</type><time-modification><actual-notes>3</actual-notes><normal-notes>2\
         </normal-notes></time-modification></note>\
         <note><pitch><step>F</step><octave>4</octave></pitch><duration>2</duration><voice>1</voice>\
         <type>quarter</type><time-modification><actual-notes>3</actual-notes><normal-notes>2\
         </normal-notes></time-modification></note>\
         <backup><duration>3</duration></backup>\
         <forward><duration>1</duration><voice>2</voice></forward>\
         <note><pitch><step>C</step><octave>4</octave></pitch><duration>2</duration><voice>2</voice>\
         <type>quarter</type></note></measure></part></score-partwise>"
    ));
}

#[test]
fn a_grand_staff_reads_back_as_the_same_two_part_staves() {
    assert_round_trips(
        "<score-partwise><part-list><score-part id=\"P1\"><part-name>Piano</part-name>\
         </score-part></part-list><part id=\"P1\"><measure number=\"1\"><attributes>\
         <divisions>1</divisions><time><beats>2</beats><beat-type>4</beat-type></time>\
         <staves>2</staves><clef number=\"1\"><sign>G</sign><line>2</line></clef>\
         <clef number=\"2\"><sign>F</sign><line>4</line></clef></attributes>\
         <note><pitch><step>E</step><octave>5</octave></pitch><duration>2</duration><voice>1</voice>\
         <type>half</type><staff>1</staff></note><backup><duration>2</duration></backup>\
         <note><pitch><step>C</step><octave>3</octave></pitch><duration>1</duration><voice>5</voice>\
         <type>quarter</type><staff>2</staff></note>\
         <attributes><clef number=\"2\"><sign>G</sign><line>2</line></clef></attributes>\
         <note><pitch><step>G</step><octave>4</octave></pitch><duration>1</duration><voice>5</voice>\
         <type>quarter</type><staff>2</staff></note></measure></part></score-partwise>",
    );
}

#[test]
fn metadata_and_part_names_are_escaped_and_read_back() {
    let xml = "<score-partwise><work><work-title>Fish &amp; Chips &lt;3</work-title></work>\
        <identification><creator type=\"composer\">A \"B\" C</creator></identification>\
        <part-list><score-part id=\"P1\"><part-name>S&amp;A</part-name></score-part></part-list>\
        <part id=\"P1\"><measure number=\"1\"><note><pitch><step>C</step><octave>4</octave>\
        </pitch><duration>10080</duration><type>quarter</type></note></measure></part>\
        </score-partwise>";
    assert_round_trips(xml);
    let written = write_musicxml(&read(xml));
    assert!(written.contains("<work-title>Fish &amp; Chips &lt;3</work-title>"));
}

#[test]
fn divisions_are_the_least_common_multiple_of_the_denominators() {
    let values = [Ql::new(1, 3), Ql::new(1, 4), Ql::from_int(2), Ql::new(5, 6)];
    assert_eq!(divisions_for(values.into_iter()), 12);
    assert_eq!(
        divisions_for([Ql::new(1, 65_521), Ql::new(1, 65_519)].into_iter()),
        10_080
    );
}

#[test]
fn an_mxl_archive_reads_back_like_the_uncompressed_document() {
    let original = read(&format!(
        "{HEADER}<measure number=\"1\"><note><pitch><step>E</step><octave>4</octave></pitch>\
         <duration>10080</duration><type>quarter</type></note></measure></part></score-partwise>"
    ));
    let bytes = write_mxl(&original).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"));
    let again = read_bytes(&bytes, Some("fixture.musicxml"), &ReadLimits::default()).unwrap();
    assert_eq!(again, original);
}

#[test]
fn notes_without_notation_get_a_derived_type() {
    let mut score = read(&format!(
        "{HEADER}<measure number=\"1\"><attributes><divisions>3</divisions></attributes>\
         <note><pitch><step>E</step><octave>4</octave></pitch><duration>1</duration></note>\
         </measure></part></score-partwise>"
    ));
    score.parts[0].measures[0].voices[0].events[0].notation = None;
    let written = write_musicxml(&score);
    assert!(written.contains("<type>eighth</type>"), "{written}");
    assert!(
        written.contains("<actual-notes>3</actual-notes>"),
        "{written}"
    );
}
