//! Reader behaviour on minimal inline scores, one music21 choice per test.

use super::read_bytes;
use crate::music::info::score_info;
use crate::music::model::{EventKind, Part, PartKind, Ql, Score, Tie};
use crate::music::read::{Limit, ReadError, ReadLimits};

/// A score-partwise document with one `<score-part>` per `(id, name)` and the given parts.
fn document(parts: &[(&str, &str, &str)]) -> String {
    let mut list = String::new();
    let mut body = String::new();
    for (id, name, measures) in parts {
        list.push_str(&format!(
            "<score-part id=\"{id}\"><part-name>{name}</part-name></score-part>"
        ));
        body.push_str(&format!("<part id=\"{id}\">{measures}</part>"));
    }
    format!(
        "<?xml version=\"1.0\"?><score-partwise>\
            <part-list>{list}</part-list>{body}</score-partwise>"
    )
}

fn one_part(measures: &str) -> String {
    document(&[("P1", "Flute", measures)])
}

const FOUR_FOUR: &str = "<attributes><divisions>2</divisions><key><fifths>0</fifths></key>\
    <time><beats>4</beats><beat-type>4</beat-type></time></attributes>";

fn note(step: &str, octave: u8, duration: u32) -> String {
    format!(
        "<note><pitch><step>{step}</step><octave>{octave}</octave></pitch>\
            <duration>{duration}</duration></note>"
    )
}

fn read(xml: &str) -> Score {
    read_bytes(
        xml.as_bytes(),
        Some("fixture.musicxml"),
        &ReadLimits::default(),
    )
    .unwrap()
}

fn read_err(bytes: &[u8]) -> ReadError {
    read_bytes(bytes, None, &ReadLimits::default()).unwrap_err()
}

fn event_names(part: &Part) -> Vec<String> {
    part.events()
        .map(|placed| {
            let e = placed.event;
            let what = match &e.kind {
                EventKind::Note(p) => p.name_with_octave(),
                EventKind::Chord(tones) => {
                    let names: Vec<String> =
                        tones.iter().map(|t| t.pitch.name_with_octave()).collect();
                    format!("[{}]", names.join(" "))
                }
                EventKind::Rest(_) => "rest".to_string(),
                EventKind::Unpitched(_) => "unpitched".to_string(),
            };
            format!("{}@{}+{}", what, placed.offset, e.duration)
        })
        .collect()
}

#[test]
fn a_pickup_measure_is_numbered_zero_and_keeps_its_own_length() {
    let xml = one_part(&format!(
        "<measure number=\"0\" implicit=\"yes\">{FOUR_FOUR}{}</measure><measure \
            number=\"1\">{}</measure>",
        note("G", 4, 2),
        note("C", 5, 8)
    ));
    let score = read(&xml);
    let part = &score.parts[0];
    assert_eq!(part.measures[0].number, 0);
    assert!(part.measures[0].implicit);
    assert_eq!(part.measures[1].offset, Ql::ONE);
    assert_eq!(part.duration(), Ql::from_int(5));
    assert_eq!(part.measure_number_at(Ql::ZERO), Some(0));
}

#[test]
fn backup_and_forward_lay_out_two_voices() {
    let xml = one_part(&format!(
        "<measure number=\"1\">{FOUR_FOUR}\
         <note><pitch><step>E</step><octave>5</octave></pitch><duration>8</duration>\
         <voice>1</voice></note>\
         <backup><duration>8</duration></backup>\
         <forward><duration>4</duration><voice>2</voice></forward>\
         <note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration>\
         <voice>2</voice></note>\
         </measure>"
    ));
    let score = read(&xml);
    let measure = &score.parts[0].measures[0];
    let ids: Vec<Option<&str>> = measure.voices.iter().map(|v| v.id.as_deref()).collect();
    assert_eq!(ids, [Some("1"), Some("2")]);
    assert_eq!(
        event_names(&score.parts[0]),
        ["E5@0+4", "rest@0+2", "C4@2+2"]
    );
    assert!(
        measure.voices[1].events[0].hidden,
        "a forward leaves a hidden rest"
    );
    let info = score_info(&score);
    assert_eq!(info.parts.list[0].rest_count, 1);
}

#[test]
fn voices_are_not_padded_with_rests() {
    let xml = one_part(&format!(
        "<measure number=\"1\">{FOUR_FOUR}\
         <note><pitch><step>E</step><octave>5</octave></pitch><duration>8</duration>\
         <voice>1</voice></note>\
         <backup><duration>6</duration></backup>\
         <note><pitch><step>C</step><octave>4</octave></pitch><duration>2</duration>\
         <voice>2</voice></note>\
         </measure>"
    ));
    let info = score_info(&read(&xml));
    assert_eq!(info.parts.list[0].rest_count, 0);
}

#[test]
fn chord_notes_make_one_chord_that_lasts_as_its_first_note() {
    let xml = one_part(&format!(
        "<measure number=\"1\">{FOUR_FOUR}{}\
         <note><chord/><pitch><step>E</step><octave>4</octave></pitch><duration>4</duration></note>\
         <note><chord/><pitch><step>G</step><octave>4</octave></pitch><duration>4</duration>\
         </note>{}</measure>",
        note("C", 4, 4),
        note("D", 5, 4)
    ));
    let score = read(&xml);
    assert_eq!(event_names(&score.parts[0]), ["[C4 E4 G4]@0+2", "D5@2+2"]);
    let part = &score_info(&score).parts.list[0];
    assert_eq!(
        (part.note_count, part.chord_count, part.chord_note_count),
        (4, 1, 3)
    );
    assert_eq!(part.single_note_count, 1);
}

#[test]
fn ties_count_their_stop_and_continue_notes() {
    let tied = |tie: &str| {
        format!(
            "<note><pitch><step>C</step><octave>4</octave></pitch>\
                <duration>2</duration>{tie}</note>"
        )
    };
    let xml = one_part(&format!(
        "<measure number=\"1\">{FOUR_FOUR}{}{}{}{}</measure>",
        tied("<tie type=\"start\"/>"),
        tied("<tie type=\"stop\"/><tie type=\"start\"/>"),
        tied("<tie type=\"stop\"/>"),
        tied("")
    ));
    let score = read(&xml);
    let ties: Vec<Option<Tie>> = score.parts[0].events().map(|p| p.event.tie).collect();
    assert_eq!(
        ties,
        [Some(Tie::Start), Some(Tie::Continue), Some(Tie::Stop), None]
    );
    assert_eq!(score_info(&score).parts.list[0].tie_continuation_count, 2);
}

#[test]
fn grace_notes_take_no_time_but_are_counted() {
    let xml = one_part(&format!(
        "<measure number=\"1\">{FOUR_FOUR}\
         <note><grace slash=\"yes\"/><pitch><step>D</step><octave>5</octave></pitch>\
             <type>eighth</type></note>{}</measure>",
        note("C", 5, 8)
    ));
    let score = read(&xml);
    assert_eq!(event_names(&score.parts[0]), ["D5@0+0", "C5@0+4"]);
    let part = &score_info(&score).parts.list[0];
    assert_eq!((part.grace_note_count, part.note_count), (1, 2));
}

#[test]
fn a_key_change_mid_piece_is_listed_at_its_measure() {
    let xml = one_part(&format!(
        "<measure number=\"1\">{FOUR_FOUR}{}</measure>\
         <measure number=\"2\"><attributes><key><fifths>-3</fifths><mode>minor</mode></key>\
             </attributes>{}</measure>\
         <measure number=\"3\">{}</measure>",
        note("C", 4, 8),
        note("C", 4, 8),
        note("C", 4, 8)
    ));
    let info = score_info(&read(&xml));
    let keys: Vec<(i32, Option<&str>, Option<i32>, &str)> = info
        .key_signatures
        .iter()
        .map(|k| {
            (
                k.sharps,
                k.tonic.as_deref(),
                k.measure,
                k.offset_fraction.as_str(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [(0, None, Some(1), "0"), (-3, Some("C"), Some(2), "4")]
    );
}

#[test]
fn measure_numbers_keep_digits_and_follow_finale_x_numbering() {
    let xml = one_part(&format!(
        "<measure number=\"12a\">{FOUR_FOUR}{}</measure><measure number=\"X1\">{}</measure>",
        note("C", 4, 8),
        note("C", 4, 8)
    ));
    let score = read(&xml);
    let measures = &score.parts[0].measures;
    assert_eq!(
        (measures[0].number, measures[0].number_suffix.as_deref()),
        (12, Some("a"))
    );
    assert_eq!(
        (measures[1].number, measures[1].number_suffix.as_deref()),
        (12, Some("aX1"))
    );
    assert_eq!(measures[1].number_text.as_deref(), Some("X1"));
}

#[test]
fn a_two_staff_part_becomes_two_part_staves() {
    let xml = document(&[(
        "P1",
        "Piano",
        "<measure number=\"1\"><attributes><divisions>1</divisions><staves>2</staves>\
         <time><beats>4</beats><beat-type>4</beat-type></time>\
         <clef number=\"1\"><sign>G</sign></clef><clef number=\"2\"><sign>F</sign></clef>\
             </attributes>\
         <direction><direction-type><metronome><beat-unit>quarter</beat-unit>\
         <per-minute>80</per-minute></metronome></direction-type></direction>\
         <note><pitch><step>E</step><octave>5</octave></pitch><duration>4</duration>\
         <voice>1</voice><staff>1</staff></note>\
         <backup><duration>4</duration></backup>\
         <note><pitch><step>C</step><octave>3</octave></pitch><duration>4</duration>\
         <voice>5</voice><staff>2</staff></note>\
         </measure>",
    )]);
    let score = read(&xml);
    let ids: Vec<Option<&str>> = score.parts.iter().map(|p| p.id.as_deref()).collect();
    assert_eq!(ids, [Some("P1-Staff1"), Some("P1-Staff2")]);
    assert!(score.parts.iter().all(|p| p.kind == PartKind::PartStaff));
    assert_eq!(event_names(&score.parts[0]), ["E5@0+4"]);
    assert_eq!(event_names(&score.parts[1]), ["C3@0+4"]);
    assert_eq!(score.parts[1].measures[0].clefs[0].value.sign, "F");
    // Marks without a staff appear on every staff, as music21 copies them.
    assert_eq!(score_info(&score).metronome_mark_count, 2);
}

#[test]
fn a_whole_rest_stretches_to_the_bar() {
    let xml = one_part(
        "<measure number=\"1\"><attributes><divisions>1</divisions>\
         <time><beats>3</beats><beat-type>4</beat-type></time></attributes>\
         <note><rest/><duration>4</duration><type>whole</type></note></measure>\
         <measure number=\"2\"><note><rest measure=\"yes\"/><duration>3</duration></note>\
             </measure>",
    );
    let score = read(&xml);
    assert_eq!(event_names(&score.parts[0]), ["rest@0+3", "rest@3+3"]);
    assert_eq!(score.duration(), Ql::from_int(6));
}

#[test]
fn an_empty_measure_gets_a_rest_of_the_bar() {
    let xml = one_part(&format!(
        "<measure number=\"1\">{FOUR_FOUR}{}</measure><measure number=\"2\"/><measure \
            number=\"3\">{}</measure>",
        note("C", 4, 8),
        note("C", 4, 8)
    ));
    let score = read(&xml);
    assert_eq!(
        event_names(&score.parts[0]),
        ["C4@0+4", "rest@4+4", "C4@8+4"]
    );
}

#[test]
fn a_final_forward_leaves_no_rest() {
    let xml = one_part(&format!(
        "<measure number=\"1\">{FOUR_FOUR}{}<forward><duration>4</duration></forward></measure>",
        note("C", 4, 4)
    ));
    let score = read(&xml);
    assert_eq!(event_names(&score.parts[0]), ["C4@0+2"]);
    assert_eq!(score.duration(), Ql::from_int(2));
}

#[test]
fn a_stray_direction_offset_does_not_lengthen_the_measure() {
    let measure = |offset: u32| {
        format!(
            "<measure number=\"1\"><attributes><divisions>1024</divisions>\
             <time><beats>3</beats><beat-type>4</beat-type></time></attributes>\
             <direction><direction-type><words>rit.</words></direction-type>\
             <offset>{offset}</offset></direction>\
             <note><rest/><duration>3072</duration></note></measure>\
             <measure number=\"2\"><note><rest/><duration>3072</duration></note></measure>"
        )
    };
    // 3181/1024 overruns 3/4 by an "ugly" amount: music21 keeps the bar length.
    assert_eq!(
        read(&one_part(&measure(3181))).parts[0].measures[1].offset,
        Ql::from_int(3)
    );
    // 3200/1024 = 25/8 is a plausible length, so the measure really is that long.
    assert_eq!(
        read(&one_part(&measure(3200))).parts[0].measures[1].offset,
        Ql::new(25, 8)
    );
}

#[test]
fn metadata_falls_back_to_the_file_name_and_drops_a_repeated_title() {
    let xml = "<score-partwise><work><work-title>Chorale</work-title></work>\
        <movement-title>Chorale</movement-title>\
        <identification><creator type=\"lyricist\">Anon</creator><creator type=\"composer\">J.S. \
            Bach</creator></identification>\
        <part-list><score-part id=\"P1\"><part-name>S</part-name></score-part></part-list>\
        <part id=\"P1\"><measure number=\"1\"/></part></score-partwise>";
    let score = read(xml);
    assert_eq!(score.metadata.title, None);
    assert_eq!(score.metadata.movement_name.as_deref(), Some("Chorale"));
    assert_eq!(score.metadata.composer.as_deref(), Some("J.S. Bach"));
    let untitled = read(&one_part("<measure number=\"1\"/>"));
    assert_eq!(
        untitled.metadata.movement_name.as_deref(),
        Some("fixture.musicxml")
    );
}

#[test]
fn a_missing_abbreviation_comes_from_the_instrument() {
    let xml = "<score-partwise><part-list><score-part id=\"P1\"><part-name>Horn 1</part-name>\
        <score-instrument id=\"I1\"><instrument-name>Acoustic Grand Piano</instrument-name>\
            </score-instrument>\
        <midi-instrument id=\"I1\"><midi-program>1</midi-program></midi-instrument></score-part>\
        <score-part id=\"P2\"><part-name/><midi-instrument id=\"I2\">\
            <midi-program>53</midi-program></midi-instrument></score-part>\
        </part-list><part id=\"P1\"><measure number=\"1\"/></part><part id=\"P2\"><measure \
            number=\"1\"/></part></score-partwise>";
    let score = read(xml);
    assert_eq!(score.parts[0].abbreviation.as_deref(), Some("Pno"));
    assert_eq!(score.parts[0].id.as_deref(), Some("Horn 1"));
    assert_eq!(score.parts[1].name.as_deref(), Some("Choir"));
    assert_eq!(score.parts[1].abbreviation.as_deref(), Some("Ch"));
}

#[test]
fn tuplets_and_dots_give_exact_durations() {
    let xml = one_part(
        "<measure number=\"1\"><attributes><divisions>3</divisions></attributes>\
         <note><pitch><step>C</step><octave>4</octave></pitch><duration>1</duration>\
         <type>eighth</type>\
         <time-modification><actual-notes>3</actual-notes><normal-notes>2</normal-notes>\
         </time-modification></note>\
         <note><pitch><step>D</step><octave>4</octave></pitch><duration>9</duration>\
         <type>quarter</type><dot/></note></measure>",
    );
    assert_eq!(event_names(&read(&xml).parts[0]), ["C4@0+1/3", "D4@1/3+3"]);
}

#[test]
fn utf16_files_are_read() {
    let xml = one_part(&format!(
        "<measure number=\"1\">{FOUR_FOUR}{}</measure>",
        note("C", 4, 8)
    ));
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(xml.encode_utf16().flat_map(u16::to_le_bytes));
    let score = read_bytes(&bytes, None, &ReadLimits::default()).unwrap();
    assert_eq!(event_names(&score.parts[0]), ["C4@0+4"]);
}

fn zipped(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in entries {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(content).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[test]
fn an_mxl_archive_is_read_through_its_container() {
    let xml = one_part(&format!(
        "<measure number=\"1\">{FOUR_FOUR}{}</measure>",
        note("A", 4, 8)
    ));
    let container =
        br#"<container><rootfiles><rootfile full-path="inner/score.xml"/></rootfiles></container>"#;
    let bytes = zipped(&[
        ("META-INF/container.xml", container),
        ("inner/score.xml", xml.as_bytes()),
    ]);
    let score = read_bytes(&bytes, Some("piece.mxl"), &ReadLimits::default()).unwrap();
    assert_eq!(event_names(&score.parts[0]), ["A4@0+4"]);
    assert_eq!(score.metadata.movement_name.as_deref(), Some("piece.mxl"));
}

#[test]
fn text_and_images_are_not_musicxml() {
    let text = read_err(b"just some notes about music");
    assert!(matches!(text, ReadError::NotMusicXml { .. }), "{text}");
    assert!(
        text.to_string().contains("expected <score-partwise>"),
        "{text}"
    );
    let png = read_err(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    assert!(png.to_string().contains("binary"), "{png}");
    let html = read_err(b"<html><body/></html>");
    assert!(html.to_string().contains("<html>"), "{html}");
    assert!(matches!(read_err(b""), ReadError::NotMusicXml { .. }));
    let humdrum = read_bytes(
        b"**kern\n*M4/4\n4c\n*-\n",
        Some("a.krn"),
        &ReadLimits::default(),
    );
    let message = humdrum.unwrap_err().to_string();
    assert!(
        message.contains("plain text") && message.contains("Humdrum"),
        "{message}"
    );
}

#[test]
fn malformed_and_truncated_xml_report_the_line() {
    let xml = one_part(&format!(
        "<measure number=\"1\">{FOUR_FOUR}\n{}</measure>",
        note("C", 4, 8)
    ));
    let cut = &xml.as_bytes()[..xml.len() - 40];
    match read_err(cut) {
        ReadError::MalformedXml { line, .. } => assert_eq!(line, 2),
        other => panic!("expected malformed XML, got {other}"),
    }
    let err = read_err(b"<score-partwise>\n<part-list></part-lost></score-partwise>");
    assert!(
        matches!(err, ReadError::MalformedXml { line: 2, .. }),
        "{err}"
    );
}

#[test]
fn a_zip_without_musicxml_is_reported() {
    let err = read_err(&zipped(&[("notes.txt", b"hello")]));
    assert!(matches!(err, ReadError::NoMusicXmlInArchive), "{err}");
}

#[test]
fn score_timewise_is_read_as_its_partwise_equivalent() {
    let timewise = "<score-timewise><part-list><score-part id=\"P1\"><part-name>Flute</part-name>\
        </score-part></part-list><measure number=\"1\"><part id=\"P1\"><attributes>\
        <divisions>1</divisions></attributes><note><pitch><step>D</step><octave>5</octave>\
        </pitch><duration>4</duration></note></part></measure></score-timewise>";
    let score = read_bytes(timewise.as_bytes(), None, &ReadLimits::default()).unwrap();
    assert_eq!(score.parts.len(), 1);
    assert_eq!(score.parts[0].name.as_deref(), Some("Flute"));
    assert_eq!(event_names(&score.parts[0]), ["D5@0+4"]);
}

#[test]
fn limits_name_the_setting_to_raise() {
    let xml = one_part(&format!(
        "<measure number=\"1\">{FOUR_FOUR}{}{}</measure>",
        note("C", 4, 4),
        note("D", 4, 4)
    ));
    let limits = ReadLimits {
        max_events: 1,
        ..ReadLimits::default()
    };
    let err = read_bytes(xml.as_bytes(), None, &limits).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::LimitExceeded {
                limit: Limit::Events,
                max: 1,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("ReadLimits::max_events"), "{err}");

    let two_parts = document(&[("P1", "A", "<measure/>"), ("P2", "B", "<measure/>")]);
    let limits = ReadLimits {
        max_parts: 1,
        ..ReadLimits::default()
    };
    let err = read_bytes(two_parts.as_bytes(), None, &limits).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::LimitExceeded {
                limit: Limit::Parts,
                ..
            }
        ),
        "{err}"
    );

    let limits = ReadLimits {
        max_file_bytes: 10,
        ..ReadLimits::default()
    };
    let err = read_bytes(xml.as_bytes(), None, &limits).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::LimitExceeded {
                limit: Limit::FileBytes,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_score_without_measures_is_empty() {
    let err = read_err(b"<score-partwise><part-list/></score-partwise>");
    assert!(matches!(err, ReadError::EmptyScore), "{err}");
    let err = read_err(document(&[("P1", "A", "")]).as_bytes());
    assert!(matches!(err, ReadError::EmptyScore), "{err}");
}

#[test]
fn parts_missing_from_the_part_list_are_skipped() {
    let xml = "<score-partwise><part-list><score-part id=\"P1\"/></part-list>\
        <part id=\"P1\"><measure number=\"1\"/></part><part id=\"P9\"><measure number=\"1\"/>\
            </part></score-partwise>";
    assert_eq!(read(xml).parts.len(), 1);
}

#[test]
fn scores_round_trip_through_serde() {
    let xml = one_part(&format!(
        "<measure number=\"1\">{FOUR_FOUR}{}</measure>",
        note("B", 3, 8)
    ));
    let score = read(&xml);
    let json = serde_json::to_string(&score).unwrap();
    let back: Score = serde_json::from_str(&json).unwrap();
    assert_eq!(back, score);
}

/// A small but busy score: two staves, voices, chords, ties, tuplets, grace notes,
/// directions, a chord symbol and a key change, to feed the robustness tests.
fn busy_score() -> String {
    document(&[
        (
            "P1",
            "Violin",
            "<measure number=\"0\" implicit=\"yes\"><attributes><divisions>6</divisions>\
             <key><fifths>2</fifths><mode>major</mode></key><time><beats>3</beats>\
             <beat-type>4</beat-type></time></attributes>\
             <sound tempo=\"96\"/><note><pitch><step>A</step><octave>4</octave></pitch>\
                 <duration>6</duration><voice>1</voice>\
             <type>quarter</type><tie type=\"start\"/></note></measure>\
             <measure number=\"1\"><harmony><root><root-step>D</root-step></root>\
                 <kind>major</kind></harmony>\
             <note><pitch><step>A</step><octave>4</octave></pitch><duration>6</duration>\
             <voice>1</voice><tie type=\"stop\"/></note>\
             <note><grace/><pitch><step>C</step><alter>1</alter><octave>5</octave></pitch>\
             <voice>1</voice><type>16th</type></note>\
             <note><pitch><step>B</step><octave>4</octave></pitch><duration>2</duration>\
             <voice>1</voice><type>eighth</type>\
             <time-modification><actual-notes>3</actual-notes><normal-notes>2</normal-notes>\
             </time-modification></note>\
             <note><pitch><step>C</step><alter>1</alter><octave>5</octave></pitch>\
             <duration>2</duration><voice>1</voice></note>\
             <note><pitch><step>D</step><octave>5</octave></pitch><duration>2</duration>\
             <voice>1</voice></note>\
             <note><pitch><step>E</step><octave>5</octave></pitch><duration>6</duration>\
             <voice>1</voice>\
             <notations><fermata/></notations></note>\
             <backup><duration>18</duration></backup>\
             <note><pitch><step>F</step><alter>1</alter><octave>4</octave></pitch>\
             <duration>12</duration><voice>2</voice></note>\
             <note><chord/><pitch><step>D</step><octave>4</octave></pitch><duration>12</duration>\
             <voice>2</voice></note>\
             <forward><duration>6</duration><voice>2</voice></forward></measure>\
             <measure number=\"2\"><attributes><key><fifths>-1</fifths></key></attributes>\
             <direction><direction-type><metronome><beat-unit>half</beat-unit>\
             <per-minute>40</per-minute></metronome>\
             </direction-type><offset>3</offset></direction>\
             <note><rest measure=\"yes\"/><duration>18</duration></note></measure>",
        ),
        (
            "P2",
            "Piano",
            "<measure number=\"0\"><attributes><divisions>2</divisions><staves>2</staves>\
             <clef number=\"1\"><sign>G</sign><line>2</line></clef><clef number=\"2\">\
                 <sign>F</sign><line>4</line></clef></attributes>\
             <note><rest/><duration>2</duration><staff>1</staff></note><backup>\
             <duration>2</duration></backup>\
             <note><pitch><step>D</step><octave>3</octave></pitch><duration>2</duration>\
             <staff>2</staff></note></measure>\
             <measure number=\"1\"><note><pitch><step>D</step><octave>4</octave></pitch>\
                 <duration>6</duration><staff>1</staff></note>\
             <backup><duration>6</duration></backup>\
             <note><unpitched><display-step>E</display-step><display-octave>4</display-octave>\
             </unpitched>\
             <duration>6</duration><staff>2</staff></note></measure>",
        ),
    ])
}

/// A tiny deterministic generator (xorshift), so failures reproduce.
struct Noise(u64);

impl Noise {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound.max(1) as u64) as usize
    }
}

/// Reads every truncation and corruption of `bytes`; any panic fails the test.
fn survive_damage(bytes: &[u8], rounds: usize, seed: u64) {
    let limits = ReadLimits::default();
    let mut noise = Noise(seed);
    for _ in 0..rounds {
        let cut = noise.below(bytes.len());
        let _ = read_bytes(&bytes[..cut], Some("cut.xml"), &limits);

        let mut flipped = bytes.to_vec();
        for _ in 0..=noise.below(3) {
            let at = noise.below(flipped.len());
            flipped[at] ^= 1 << noise.below(8);
        }
        let _ = read_bytes(&flipped, Some("flipped.xml"), &limits);
    }
}

#[test]
fn the_busy_fixture_reads_as_music21_would() {
    let score = read(&busy_score());
    let info = score_info(&score);
    let classes: Vec<&str> = info.parts.list.iter().map(|p| p.class.as_str()).collect();
    assert_eq!(classes, ["Part", "PartStaff", "PartStaff"]);
    let violin = &info.parts.list[0];
    assert_eq!(
        (
            violin.note_count,
            violin.chord_count,
            violin.grace_note_count
        ),
        (9, 1, 1)
    );
    assert_eq!(
        (
            violin.rest_count,
            violin.tie_continuation_count,
            violin.chord_symbol_count
        ),
        (2, 1, 1)
    );
    assert_eq!(info.parts.list[2].unpitched_count, 1);
    assert_eq!(info.total_duration_fraction, "7");
}

#[test]
fn damaged_musicxml_never_panics() {
    let xml = busy_score();
    survive_damage(xml.as_bytes(), 300, 0x9E37_79B9_7F4A_7C15);
}

#[test]
fn damaged_mxl_archives_never_panic() {
    let xml = busy_score();
    let container =
        br#"<container><rootfiles><rootfile full-path="s.xml"/></rootfiles></container>"#;
    let bytes = zipped(&[
        ("META-INF/container.xml", container),
        ("s.xml", xml.as_bytes()),
    ]);
    survive_damage(&bytes, 300, 0xD1B5_4A32_D192_ED03);
}

#[test]
fn a_damaged_corpus_chorale_never_panics() {
    // The shared corpus sits beside the project; skip quietly where it is absent.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/bach/bwv1.6.mxl"
    );
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    survive_damage(&bytes, 40, 7);
    let limits = ReadLimits::default();
    if let Ok(unzipped) = super::container::extract_musicxml(&bytes, &limits) {
        survive_damage(&unzipped, 40, 11);
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = read_bytes(&bytes, None, &ReadLimits::default());
        }

        #[test]
        fn spliced_fragments_never_panic(at in 0usize..4000, junk in "[<>/a-z \
            =\"0-9&;#!?-]{0,40}") {
            let mut xml = busy_score();
            let at = at.min(xml.len());
            if xml.is_char_boundary(at) {
                xml.insert_str(at, &junk);
            }
            let _ = read_bytes(xml.as_bytes(), None, &ReadLimits::default());
        }
    }
}

#[test]
fn staff_copies_count_against_the_event_limit() {
    // One shared rest shown on three staves counts three times.
    let xml = document(&[(
        "P1",
        "Organ",
        "<measure number=\"1\"><attributes><divisions>1</divisions><staves>3</staves>\
         <clef number=\"1\"/><clef number=\"2\"/><clef number=\"3\"/></attributes>\
         <note><rest/><duration>4</duration></note></measure>",
    )]);
    assert_eq!(read(&xml).parts.len(), 3);
    let limits = ReadLimits {
        max_events: 2,
        ..ReadLimits::default()
    };
    let err = read_bytes(xml.as_bytes(), None, &limits).unwrap_err();
    assert!(matches!(
        err,
        ReadError::LimitExceeded {
            limit: Limit::Events,
            found: 3,
            ..
        }
    ));
    let limits = ReadLimits {
        max_parts: 2,
        ..ReadLimits::default()
    };
    let err = read_bytes(xml.as_bytes(), None, &limits).unwrap_err();
    assert!(matches!(
        err,
        ReadError::LimitExceeded {
            limit: Limit::Parts,
            found: 3,
            ..
        }
    ));
}
