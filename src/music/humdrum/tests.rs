//! Unit tests of the Humdrum reader on tiny hand-written files, one construct each.

use super::*;
use crate::music::info::score_info;
use crate::music::model::{EventKind, Mode, Ql, Tie};

fn read(text: &str) -> Score {
    read_bytes(text.as_bytes(), &ReadLimits::default()).unwrap()
}

/// Every event of part `part` as `pitches@offset+duration`, voice ids in brackets.
fn events(score: &Score, part: usize) -> Vec<String> {
    let part = &score.parts[part];
    part.events()
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
            let voice = &part.measures[placed.measure_index].voices[placed.voice_index];
            let tag = voice
                .id
                .as_deref()
                .map(|id| format!("v{id}:"))
                .unwrap_or_default();
            format!("{tag}{what}@{}+{}", placed.offset, event.duration)
        })
        .collect()
}

#[test]
fn each_kern_spine_is_a_part_last_spine_first() {
    let score =
        read("**kern\t**dynam\t**kern\n*Icello\t*\t*Ivioln\n4C\tp\t4c\n4D\t.\t4d\n*-\t*-\t*-\n");
    assert_eq!(score.parts.len(), 2);
    assert_eq!(score.parts[0].id.as_deref(), Some("spine_2"));
    assert_eq!(score.parts[0].name.as_deref(), Some("Violin"));
    assert_eq!(score.parts[1].abbreviation.as_deref(), Some("Vc"));
    assert_eq!(events(&score, 1), ["C3@0+1", "D3@1+1"]);
}

#[test]
fn barlines_make_measures_and_a_pickup_without_bar_one_becomes_measure_one() {
    let score = read("**kern\n*M3/4\n4c\n=2\n2.d\n=3\n2.e\n==\n*-\n");
    let numbers: Vec<i32> = score.parts[0].measures.iter().map(|m| m.number).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(score.parts[0].measures[1].offset, Ql::ONE);
    let info = score_info(&score);
    assert_eq!(info.time_signatures[0].ratio, "3/4");
    assert_eq!(info.total_duration_fraction, "7");
}

#[test]
fn ties_chords_rests_grace_notes_and_dots_are_read() {
    let score = read("**kern\n=1\n[4.c\n8c]\n4r\n8eq\n4G 4B\n=2\n2e_\n*-\n");
    assert_eq!(
        events(&score, 0),
        [
            "C4@0+3/2",
            "C4@3/2+1/2",
            "rest@2+1",
            "E4@3+0",
            "[G3 B3]@3+1",
            "E4@4+2"
        ]
    );
    let ties: Vec<Option<Tie>> = score.parts[0].events().map(|p| p.event.tie).collect();
    assert_eq!(ties[0], Some(Tie::Start));
    assert_eq!(ties[1], Some(Tie::Stop));
    assert_eq!(ties[5], Some(Tie::Continue));
    let info = score_info(&score);
    assert_eq!(info.parts.list[0].grace_note_count, 1);
    assert_eq!(info.parts.list[0].chord_count, 1);
}

#[test]
fn key_time_and_tempo_interpretations_become_marks() {
    let score = read("**kern\n*k[f#c#g#]\n*A:\n*M6/8\n*MM90\n=1\n4.a\n4.b\n*-\n");
    let info = score_info(&score);
    assert_eq!(info.key_signatures.len(), 1);
    assert_eq!(info.key_signatures[0].sharps, 3);
    assert_eq!(info.key_signatures[0].mode.as_deref(), Some("major"));
    assert_eq!(info.time_signatures[0].ratio, "6/8");
    let tempo = info.initial_tempo.unwrap();
    assert_eq!(tempo.number, Some(90.0));
    let keys = &score.parts[0].measures[0].key_signatures;
    assert_eq!(keys[1].value.mode, Some(Mode::Major));
}

#[test]
fn a_split_spine_becomes_two_voices_until_it_joins_back() {
    let score = read("**kern\n=1\n4c\n*^\n4e\t8g\n.\t8a\n*v\t*v\n4f\n=2\n2c\n*-\n");
    assert_eq!(
        events(&score, 0),
        [
            "C4@0+1",
            "F4@2+1",
            "v1:E4@1+1",
            "v2:G4@1+1/2",
            "v2:A4@3/2+1/2",
            "C4@3+2"
        ]
    );
    assert_eq!(score.parts[0].measures.len(), 2);
}

#[test]
fn reference_records_fill_the_metadata() {
    let score = read(
        "!!!COM: Bach, Johann Sebastian\n!!!OTL: Chorale, The\n!!!OMD: Andante\n!!!OMV: 2\n\
         !!!ONM: 7\n**kern\n4c\n*-\n",
    );
    let metadata = &score.metadata;
    assert_eq!(metadata.composer.as_deref(), Some("Bach, Johann Sebastian"));
    assert_eq!(metadata.title.as_deref(), Some("The Chorale"));
    assert_eq!(metadata.movement_name.as_deref(), Some("Andante"));
    assert_eq!(metadata.movement_number.as_deref(), Some("2"));
    assert_eq!(metadata.number.as_deref(), Some("7"));
}

#[test]
fn a_file_of_several_pieces_reads_the_first() {
    let score = read("**kern\n4c\n*-\n!! Second\n**kern\n4d\n4e\n*-\n");
    assert_eq!(events(&score, 0), ["C4@0+1"]);
    assert_eq!(score.metadata.number.as_deref(), Some("1"));
}

#[test]
fn files_without_kern_or_over_the_limits_are_refused_with_advice() {
    let err = read_bytes(b"**dynam\np\n*-\n", &ReadLimits::default()).unwrap_err();
    assert!(err.to_string().contains("no **kern spine"), "{err}");
    let limits = ReadLimits {
        max_spines: 2,
        ..ReadLimits::default()
    };
    let err = read_bytes(b"**kern\t**kern\t**kern\n4c\t4d\t4e\n", &limits).unwrap_err();
    assert!(err.to_string().contains("max_spines"), "{err}");
}
