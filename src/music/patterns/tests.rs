//! Pattern finding on tiny hand-written scores.

use super::*;
use crate::music::model::Pitch;
use crate::music::musicxml::read_bytes;
use crate::music::read::ReadLimits;

/// One part per entry, each a list of measures (4/4, divisions 2), each measure a list of
/// `C#4:2` tokens (pitch, eighths), `R:2` rests, or `C4+E4+G4:4` chords.
fn score(parts: &[&[&str]]) -> Score {
    let list: String = (0..parts.len())
        .map(|i| format!("<score-part id=\"P{i}\"/>"))
        .collect();
    let body: String = parts
        .iter()
        .enumerate()
        .map(|(i, measures)| {
            let measures: String = measures
                .iter()
                .enumerate()
                .map(|(n, tokens)| measure_xml(n, tokens))
                .collect();
            format!("<part id=\"P{i}\">{measures}</part>")
        })
        .collect();
    let xml = format!("<score-partwise><part-list>{list}</part-list>{body}</score-partwise>");
    read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
}

fn measure_xml(n: usize, tokens: &str) -> String {
    let attributes = if n == 0 {
        "<attributes><divisions>2</divisions><time><beats>4</beats><beat-type>4</beat-type>\
         </time></attributes>"
    } else {
        ""
    };
    let notes: String = tokens.split_whitespace().map(token_xml).collect();
    format!(
        "<measure number=\"{}\">{attributes}{notes}</measure>",
        n + 1
    )
}

fn token_xml(token: &str) -> String {
    let (names, duration) = token.split_once(':').unwrap();
    if names == "R" {
        return format!("<note><rest/><duration>{duration}</duration></note>");
    }
    names
        .split('+')
        .enumerate()
        .map(|(i, name)| {
            let pitch = Pitch::parse(name).unwrap();
            let chord = if i > 0 { "<chord/>" } else { "" };
            format!(
                "<note>{chord}<pitch><step>{}</step><alter>{}</alter><octave>{}</octave>\
                 </pitch><duration>{duration}</duration></note>",
                pitch.step.letter(),
                pitch.alter,
                pitch.octave
            )
        })
        .collect()
}

fn find(score: &Score, options: PatternOptions) -> Vec<Pattern> {
    find_patterns(score, &options).unwrap().patterns
}

fn of_kind(patterns: &[Pattern], kind: PatternKind) -> Vec<&Pattern> {
    patterns.iter().filter(|p| p.kind == kind).collect()
}

fn melodic() -> PatternOptions {
    PatternOptions::new(PatternType::Melodic)
}

#[test]
fn a_motif_repeated_a_fifth_higher_is_found_with_measure_numbers() {
    let score = score(&[&["C4:2 D4:2 E4:2 C4:2", "G4:2 A4:2 B4:2 G4:2"]]);
    let patterns = find(&score, melodic());
    let repeated = of_kind(&patterns, PatternKind::RepeatedIntervals);
    assert_eq!(repeated.len(), 1);
    let pattern = repeated[0];
    assert_eq!(pattern.length, 4);
    assert_eq!(pattern.signature, ["M2", "M2", "M-3"]);
    assert_eq!(pattern.semitones, [2, 2, -4]);
    let second = &pattern.occurrences[1];
    assert_eq!(
        (pattern.occurrences[0].measure, second.measure),
        (Some(1), Some(2))
    );
    assert_eq!(second.transformation, Transformation::Transposed);
    assert_eq!(second.transposition_semitones, Some(7));
    assert_eq!(second.content, ["G4", "A4", "B4", "G4"]);
}

#[test]
fn an_inverted_motif_is_one_motif_with_an_inversion() {
    let score = score(&[&["C4:2 D4:2 E4:2 C4:2", "G4:2 F4:2 E-4:2 G4:2"]]);
    let patterns = find(&score, melodic());
    let motifs = of_kind(&patterns, PatternKind::Motif);
    assert_eq!(motifs.len(), 1);
    let forms: Vec<Transformation> = motifs[0]
        .occurrences
        .iter()
        .map(|o| o.transformation)
        .collect();
    assert_eq!(forms, [Transformation::Exact, Transformation::Inversion]);
}

#[test]
fn a_retrograde_is_found_only_with_transformations_on() {
    let score = score(&[&["C4:2 D4:2 F4:2 A4:2", "R:8", "A4:2 F4:2 D4:2 C4:2"]]);
    let options = PatternOptions {
        min_length: 4,
        ..melodic()
    };
    let motifs = find(&score, options.clone());
    assert_eq!(
        motifs[0].occurrences[1].transformation,
        Transformation::Retrograde
    );
    let plain = PatternOptions {
        transformations: false,
        ..options
    };
    assert!(find(&score, plain).is_empty());
}

#[test]
fn a_unit_restated_a_step_higher_with_changing_qualities_is_a_tonal_sequence() {
    let score = score(&[&[
        "C4:2 D4:2 E4:2 C4:2",
        "D4:2 E4:2 F4:2 D4:2",
        "E4:2 F4:2 G4:2 E4:2",
    ]]);
    let patterns = find(&score, melodic());
    let sequences = of_kind(&patterns, PatternKind::TonalSequence);
    assert_eq!(sequences.len(), 1);
    assert_eq!((sequences[0].length, sequences[0].occurrence_count), (4, 3));
    assert!(sequences[0].description.contains("1 letter step higher"));
}

#[test]
fn a_unit_restated_at_the_same_semitone_shift_is_a_real_sequence() {
    let score = score(&[&[
        "C4:2 D4:2 E4:2 C4:2",
        "D4:2 E4:2 F#4:2 D4:2",
        "E4:2 F#4:2 G#4:2 E4:2",
    ]]);
    let patterns = find(&score, melodic());
    let sequences = of_kind(&patterns, PatternKind::RealSequence);
    assert_eq!(sequences.len(), 1);
    let shifts: Vec<Option<i32>> = sequences[0]
        .occurrences
        .iter()
        .map(|o| o.transposition_semitones)
        .collect();
    assert_eq!(shifts, [Some(0), Some(2), Some(4)]);
}

#[test]
fn a_repeated_rhythm_is_found_and_uniform_runs_are_not() {
    let score = score(&[
        &["C4:2 D4:1 E4:1 F4:4", "G4:2 A4:1 B4:1 C5:4", "R:8"],
        &[
            "C4:2 C4:2 C4:2 C4:2",
            "C4:2 C4:2 C4:2 C4:2",
            "C4:2 C4:2 C4:2 C4:2",
        ],
    ]);
    let options = PatternOptions::new(PatternType::Rhythmic);
    let patterns = find(&score, options);
    assert_eq!(patterns.len(), 1);
    assert_eq!(patterns[0].signature, ["1", "1/2", "1/2", "2"]);
    assert_eq!(patterns[0].occurrences[1].measure, Some(2));
    assert_eq!(patterns[0].occurrences[1].offset_in_measure, "0");
}

#[test]
fn a_progression_repeated_in_another_voicing_is_found_by_its_roots() {
    let score = score(&[&[
        "C4+E4+G4:2 C4+F4+A4:2 B3+D4+G4:2 R:2",
        "E4+G4+C5:2 F4+A4+C5:2 D4+G4+B4:2 R:2",
    ]]);
    let options = PatternOptions {
        min_length: 3,
        ..PatternOptions::new(PatternType::Harmonic)
    };
    let report = find_patterns(&score, &options).unwrap();
    assert!(report.root_method.is_some());
    assert_eq!(report.patterns.len(), 1);
    assert_eq!(report.patterns[0].signature, ["C", "F", "G"]);
    assert_eq!(report.patterns[0].semitones, [5, 2]);
    assert_eq!(report.patterns[0].occurrences[1].part, None);
    assert_eq!(report.patterns[0].occurrences[1].measure, Some(2));
}

#[test]
fn options_out_of_range_are_refused_with_the_allowed_range() {
    let score = score(&[&["C4:8"]]);
    let short = PatternOptions {
        min_length: 1,
        ..melodic()
    };
    let err = find_patterns(&score, &short).unwrap_err();
    assert_eq!(err.to_string(), "min_length is 1; use a value from 2 to 64");
    let swapped = PatternOptions {
        min_length: 6,
        max_length: 5,
        ..melodic()
    };
    assert!(matches!(
        find_patterns(&score, &swapped),
        Err(PatternError::EmptyLengthRange { .. })
    ));
    let missing = PatternOptions {
        parts: Some(vec![3]),
        ..melodic()
    };
    assert_eq!(
        find_patterns(&score, &missing).unwrap_err().to_string(),
        "part 3 does not exist; the score has parts 0 to 0"
    );
}

#[test]
fn results_are_capped_and_the_same_on_every_run() {
    let score = score(&[&[
        "C4:2 D4:2 E4:2 C4:2",
        "G4:2 A4:2 B4:2 G4:2",
        "C4:2 D4:2 F4:2 C4:2",
        "G4:2 A4:2 C5:2 G4:2",
    ]]);
    let options = PatternOptions {
        min_length: 3,
        max_patterns: 1,
        ..melodic()
    };
    let first = find_patterns(&score, &options).unwrap();
    assert!(first.truncated);
    assert_eq!(first.patterns.len(), 1);
    assert!(first.patterns_found > 1);
    assert_eq!(first, find_patterns(&score, &options).unwrap());
}
