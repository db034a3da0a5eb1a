//! Unit tests of the ABC reader on tiny hand-written tunes, one construct each.

use super::*;
use crate::music::info::score_info;
use crate::music::model::{EventKind, Mode, Ql, Tie};

fn read(text: &str) -> Score {
    read_bytes(text.as_bytes(), &ReadLimits::default(), None).unwrap()
}

fn read_tune(text: &str, tune: u32) -> Result<Score, ReadError> {
    read_bytes(text.as_bytes(), &ReadLimits::default(), Some(tune))
}

/// Every event of part `part` as `pitches@offset+duration`.
fn events(score: &Score, part: usize) -> Vec<String> {
    score.parts[part]
        .events()
        .map(|placed| {
            let event = placed.event;
            let what = match &event.kind {
                EventKind::Note(pitch) => pitch.name_with_octave(),
                EventKind::Chord(tones) => {
                    let names: Vec<String> =
                        tones.iter().map(|t| t.pitch.name_with_octave()).collect();
                    format!("[{}]", names.join(" "))
                }
                EventKind::Rest(_) => "rest".to_string(),
                EventKind::Unpitched(_) => "unpitched".to_string(),
            };
            format!("{what}@{}+{}", placed.offset, event.duration)
        })
        .collect()
}

fn numbers(score: &Score) -> Vec<i32> {
    score.parts[0].measures.iter().map(|m| m.number).collect()
}

#[test]
fn header_fields_give_title_composer_number_meter_key_and_tempo() {
    let score = read(
        "X:7\nT:Song\nT:Other name\nC:Anon\nM:6/8\nL:1/8\nQ:3/8=60\nK:Edor\nEFG ABc|def edB|\n",
    );
    assert_eq!(score.metadata.title.as_deref(), Some("Song"));
    assert_eq!(score.metadata.composer.as_deref(), Some("Anon"));
    assert_eq!(score.metadata.number.as_deref(), Some("7"));
    let first = &score.parts[0].measures[0];
    assert_eq!(first.time_signatures[0].value.ratio(), "6/8");
    let key = &first.key_signatures[0].value;
    assert_eq!((key.fifths, key.mode), (2, Some(Mode::Dorian)));
    assert_eq!(first.tempos[0].value.number, Some(60.0));
    assert_eq!(first.tempos[0].value.referent, Ql::new(3, 2));
    assert_eq!(events(&score, 0)[0], "E4@0+1/2");
}

#[test]
fn a_key_with_explicit_accidentals_reads_as_its_named_key() {
    // music21 reads only the key name and mode; the extra ^f is not applied.
    let score = read("X:1\nL:1/4\nK:D exp _b\nB f|B f|\n");
    assert_eq!(
        events(&score, 0),
        ["B4@0+1", "F#5@1+1", "B4@2+1", "F#5@3+1"]
    );
    let key = &score.parts[0].measures[0].key_signatures[0].value;
    assert_eq!((key.fifths, key.mode), (2, None));
}

#[test]
fn the_first_measure_with_a_meter_is_numbered_zero_pickup_or_not() {
    let pickup = read("X:1\nM:4/4\nL:1/4\nK:C\nG|c2 c2|d4|\n");
    assert_eq!(numbers(&pickup), [0, 1, 2]);
    assert!(pickup.parts[0].measures[0].implicit);
    let full = read("X:1\nM:2/4\nL:1/4\nK:C\nGA|c2|d2|\n");
    assert_eq!(numbers(&full), [0, 1, 2]);
    let no_meter = read("X:1\nL:1/4\nK:C\nGA|c2|d2|\n");
    assert_eq!(numbers(&no_meter), [1, 2, 3]);
}

#[test]
fn chords_ties_and_slurs_keep_their_notes_and_lengths() {
    let score = read("X:1\nM:4/4\nL:1/8\nK:C\n[CEG]2 (c2 d2) e2-|e2 [c2e2] z4|\n");
    assert_eq!(
        events(&score, 0),
        [
            "[C4 E4 G4]@0+1",
            "C5@1+1",
            "D5@2+1",
            "E5@3+1",
            "E5@4+1",
            "[C5 E5]@5+1",
            "rest@6+2"
        ]
    );
    let ties: Vec<Option<Tie>> = score.parts[0].events().map(|p| p.event.tie).collect();
    assert_eq!(ties[3], Some(Tie::Start));
    assert_eq!(ties[4], Some(Tie::Stop));
}

#[test]
fn tuplets_grace_notes_and_broken_rhythm_change_lengths() {
    let score = read("X:1\nM:2/4\nL:1/8\nK:C\n(3cde {g}f2|A>B c<d|\n");
    assert_eq!(
        events(&score, 0),
        [
            "C5@0+1/3",
            "D5@1/3+1/3",
            "E5@2/3+1/3",
            "G5@1+0",
            "F5@1+1",
            "A4@2+3/4",
            "B4@11/4+1/4",
            "C5@3+1/4",
            "D5@13/4+3/4"
        ]
    );
    let info = score_info(&score);
    assert_eq!(info.parts.list[0].grace_note_count, 1);
}

#[test]
fn repeats_and_endings_are_kept_as_written_not_unfolded() {
    let score = read("X:1\nM:2/4\nL:1/4\nK:C\n|:C D|E F:|[1G A:|[2B c|]\n");
    assert_eq!(numbers(&score), [0, 1, 2, 3]);
    assert_eq!(score.duration(), Ql::from_int(8));
}

#[test]
fn inline_fields_change_key_meter_and_unit_length_mid_tune() {
    let score = read("X:1\nM:2/4\nL:1/8\nK:C\nF2 F2|[K:F]B2 B2|[M:3/4]c2 c2 c2|[L:1/4]d d d|\n");
    let names: Vec<String> = events(&score, 0);
    assert_eq!(names[2], "B-4@2+1");
    assert_eq!(names[6], "C5@6+1");
    assert_eq!(names[7], "D5@7+1");
    let info = score_info(&score);
    let meters: Vec<&str> = info
        .time_signatures
        .iter()
        .map(|t| t.ratio.as_str())
        .collect();
    assert_eq!(meters, ["2/4", "3/4"]);
    assert_eq!(info.key_signatures.len(), 2);
}

#[test]
fn accidentals_do_not_carry_before_abc_2_and_carry_after() {
    let old = read("X:1\nL:1/4\nK:C\n^F F|F F|\n");
    assert_eq!(&events(&old, 0)[..2], ["F#4@0+1", "F4@1+1"]);
    let new = read("%abc-2.1\nX:1\nL:1/4\nK:C\n^F F|F F|\n");
    assert_eq!(events(&new, 0), ["F#4@0+1", "F#4@1+1", "F4@2+1", "F4@3+1"]);
}

#[test]
fn decorations_are_skipped_and_chord_symbols_kept_aside() {
    let score = read("X:1\nL:1/4\nK:G\n!trill!~G .A \"D7\"uB Tc|d4|\n");
    assert_eq!(
        events(&score, 0)[..4],
        ["G4@0+1", "A4@1+1", "B4@2+1", "C5@3+1"]
    );
    let symbols = &score.parts[0].measures[0].chord_symbols;
    assert_eq!(symbols.len(), 1);
    assert_eq!(symbols[0].value.root.as_deref(), Some("D"));
}

#[test]
fn numbered_voices_become_parts() {
    let score = read("X:1\nM:2/4\nL:1/4\nK:C\nV:1\nc d|e f|\nV:2\nC, D,|E, F,|\n");
    assert_eq!(score.parts.len(), 2);
    assert_eq!(events(&score, 1)[0], "C3@0+1");
}

#[test]
fn several_tunes_read_the_lowest_number_unless_one_is_chosen() {
    let book = "X:2\nT:Second\nL:1/4\nK:C\nC D|E F|\n\nX:1\nT:First\nL:1/4\nK:G\nG A|B c|\n";
    assert_eq!(read(book).metadata.title.as_deref(), Some("First"));
    let second = read_tune(book, 2).unwrap();
    assert_eq!(second.metadata.title.as_deref(), Some("Second"));
    let missing = read_tune(book, 9).unwrap_err();
    assert!(matches!(missing, ReadError::TuneNotFound { .. }));
    assert!(missing.to_string().contains("X:1, 2"), "{missing}");
}

#[test]
fn list_tunes_gives_number_title_key_meter_and_the_default() {
    let book = "X:2\nT:Second\nM:3/4\nK:C\nC D E|\n\nX:1\nT:First\nM:6/8\nK:Am\nA B c|\n";
    let tunes = list_tunes(book.as_bytes(), &ReadLimits::default()).unwrap();
    assert_eq!(tunes.len(), 2);
    assert_eq!(tunes[0].number, Some(2));
    assert_eq!(tunes[0].meter.as_deref(), Some("3/4"));
    assert_eq!(tunes[1].key.as_deref(), Some("Am"));
    assert!(!tunes[0].is_default && tunes[1].is_default);
}

#[test]
fn a_tune_with_too_few_barlines_has_no_measures() {
    let score = read("X:1\nM:4/4\nL:1/4\nK:C\nC D E F G A B c\n");
    assert!(score.parts[0].is_measureless());
    let info = score_info(&score);
    assert_eq!(info.parts.list[0].measure_count, 0);
    assert_eq!(info.parts.list[0].first_measure_number, None);
    assert_eq!(info.time_signatures[0].measure, None);
    assert_eq!(info.total_duration_fraction, "8");
}

#[test]
fn overlong_measures_are_split_at_the_meter() {
    let score = read("X:1\nM:2/4\nL:1/4\nK:C\nC D|E F G A|B c|\n");
    assert_eq!(numbers(&score), [0, 1, 2, 3]);
    assert_eq!(score.parts[0].measures[2].offset, Ql::from_int(4));
}

#[test]
fn limits_and_empty_tunes_give_errors_naming_what_to_change() {
    let limits = ReadLimits {
        max_line_bytes: 10,
        ..ReadLimits::default()
    };
    let err = read_bytes(b"X:1\nK:C\nCDEFGABcdefgab|\n", &limits, None).unwrap_err();
    assert!(err.to_string().contains("max_line_bytes"), "{err}");
    let few = ReadLimits {
        max_events: 2,
        ..ReadLimits::default()
    };
    let err = read_bytes(b"X:1\nK:C\nCDEF|GABc|cdef|gabc|\n", &few, None).unwrap_err();
    assert!(err.to_string().contains("max_events"), "{err}");
    let empty = read_bytes(b"X:1\nT:Nothing\nK:C\n", &ReadLimits::default(), None).unwrap_err();
    assert!(empty.to_string().contains("has no notes"), "{empty}");
}
