//! Tests for key finding: small hand-made histograms, properties, and every oracle record.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;

use super::*;

/// The oracle records, one JSON file per corpus score, beside the crate in `shared/`.
const ORACLE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/oracle");

/// The relative error allowed between our correlations and music21's.
const CORRELATION_TOLERANCE: f64 = 1e-9;

/// A histogram with the given weight on each listed pitch class and zero elsewhere.
fn histogram(weights: &[(usize, f64)]) -> [f64; 12] {
    let mut hist = [0.0; 12];
    for &(pitch_class, weight) in weights {
        hist[pitch_class] = weight;
    }
    hist
}

/// A C major melody: the scale in quarter notes, with the tonic triad held longer.
fn c_major_scale() -> [f64; 12] {
    histogram(&[
        (0, 4.0),
        (2, 1.0),
        (4, 3.0),
        (5, 1.0),
        (7, 3.0),
        (9, 1.0),
        (11, 1.0),
    ])
}

/// Moves every weight up by `semitones` pitch classes.
fn transpose(hist: &[f64; 12], semitones: usize) -> [f64; 12] {
    std::array::from_fn(|pitch_class| hist[(pitch_class + 12 - semitones % 12) % 12])
}

#[test]
fn c_major_scale_is_in_c_major_for_every_method() {
    for method in KeyMethod::ALL {
        let key = key_from_histogram(&c_major_scale(), method).unwrap();

        assert_eq!(key.name, "C major", "{method}");
        assert_eq!(key.tonic_pitch_class, 0);
        assert_eq!(key.method, method.music21_class_name());
        assert_eq!(key.alternates.len(), ALTERNATE_COUNT);
    }
}

#[test]
fn aarden_essen_hears_a_bare_scale_with_long_tonic_as_a_minor() {
    // The Aarden-Essen minor profile leans on the sixth degree; music21 gives the same answer.
    let bare = histogram(&[
        (0, 2.0),
        (2, 1.0),
        (4, 1.0),
        (5, 1.0),
        (7, 1.0),
        (9, 1.0),
        (11, 1.0),
    ]);

    let key = key_from_histogram(&bare, KeyMethod::AardenEssen).unwrap();
    assert_eq!(key.name, "A minor");
    assert_eq!(key.alternates[0].name, "C major");
}

#[test]
fn transposed_scale_gives_transposed_key_with_music21_spelling() {
    let expected = [
        "C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B",
    ];
    for (semitones, tonic) in expected.iter().enumerate() {
        let key = key_from_histogram(
            &transpose(&c_major_scale(), semitones),
            KeyMethod::default(),
        )
        .unwrap();

        assert_eq!(key.tonic, *tonic);
        assert_eq!(key.name, format!("{tonic} major"));
        assert_eq!(usize::from(key.tonic_pitch_class), semitones);
    }
}

#[test]
fn minor_keys_spell_g_sharp_not_a_flat() {
    let a_minor = histogram(&[(9, 4.0), (11, 1.0), (0, 2.0), (2, 1.0), (4, 3.0), (5, 1.0)]);
    let g_sharp_minor = transpose(&a_minor, 11);

    let key = key_from_histogram(&g_sharp_minor, KeyMethod::AardenEssen).unwrap();

    assert_eq!(key.name, "G# minor");
    assert_eq!(key.tonic, "G#");
    assert_eq!(key.mode, "minor");
}

#[test]
fn all_zero_histogram_is_an_error_saying_notes_are_needed() {
    let err = key_from_histogram(&[0.0; 12], KeyMethod::default()).unwrap_err();

    assert_eq!(err, KeyError::NoNotes);
    assert_eq!(
        err.to_string(),
        "the score has no pitched notes with duration; key finding needs notes"
    );
}

#[test]
fn negative_or_nan_weight_is_an_error_naming_the_pitch_class() {
    let mut hist = c_major_scale();
    hist[3] = -1.0;
    let err = key_from_histogram(&hist, KeyMethod::default()).unwrap_err();
    assert_eq!(
        err,
        KeyError::InvalidWeight {
            pitch_class: 3,
            weight: -1.0
        }
    );

    hist[3] = f64::NAN;
    let err = key_from_histogram(&hist, KeyMethod::default()).unwrap_err();
    assert!(
        matches!(err, KeyError::InvalidWeight { pitch_class: 3, .. }),
        "{err}"
    );
}

#[test]
fn flat_histogram_ties_every_key_and_orders_higher_tonic_then_minor_first() {
    let ranked = rank_keys(&[1.5; 12], KeyMethod::KrumhanslSchmuckler);
    let names: Vec<&str> = ranked.iter().take(5).map(|key| key.name.as_str()).collect();

    assert_eq!(
        names,
        ["B minor", "B major", "B- minor", "B- major", "A minor"]
    );
    assert_eq!(ranked.last().unwrap().name, "C major");
    assert!(ranked.iter().all(|key| key.correlation == 0.0));
}

#[test]
fn rank_keys_lists_all_24_keys_once_best_first() {
    let ranked = rank_keys(&c_major_scale(), KeyMethod::BellmanBudge);

    assert_eq!(ranked.len(), 24);
    assert!(
        ranked
            .windows(2)
            .all(|pair| pair[0].correlation >= pair[1].correlation)
    );
    let mut names: Vec<&str> = ranked.iter().map(|key| key.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 24);
}

#[test]
fn windowed_keys_answers_each_window_on_its_own() {
    let windows = [c_major_scale(), [0.0; 12], transpose(&c_major_scale(), 7)];

    let keys = windowed_keys(&windows, KeyMethod::default());

    assert_eq!(keys.len(), 3);
    assert_eq!(keys[0].as_ref().unwrap().name, "C major");
    assert_eq!(keys[1], Err(KeyError::NoNotes));
    assert_eq!(keys[2].as_ref().unwrap().name, "G major");
}

#[test]
fn method_names_round_trip_through_from_name() {
    for method in KeyMethod::ALL {
        let class_name = method.music21_class_name();
        assert_eq!(KeyMethod::from_name(class_name), Some(method));
        assert_eq!(
            KeyMethod::from_name(&class_name.to_lowercase()),
            Some(method)
        );
        assert_eq!(KeyMethod::from_name(&method.to_string()), Some(method));
    }
}

#[test]
fn from_name_accepts_snake_case_short_names_and_music21_identifiers() {
    let cases = [
        ("aarden_essen", KeyMethod::AardenEssen),
        ("AARDEN", KeyMethod::AardenEssen),
        ("key", KeyMethod::AardenEssen),
        ("krumhansl", KeyMethod::KrumhanslSchmuckler),
        ("ks", KeyMethod::KrumhanslSchmuckler),
        ("krumhansl_kessler", KeyMethod::KrumhanslKessler),
        ("temperley", KeyMethod::TemperleyKostkaPayne),
        (
            "key.temperley-kostka-payne",
            KeyMethod::TemperleyKostkaPayne,
        ),
        ("bellman", KeyMethod::BellmanBudge),
        ("simple", KeyMethod::SimpleWeights),
        ("simple_weights", KeyMethod::SimpleWeights),
    ];
    for (name, method) in cases {
        assert_eq!(KeyMethod::from_name(name), Some(method), "{name}");
    }
    assert_eq!(KeyMethod::from_name("ambitus"), None);
    assert_eq!(KeyMethod::from_name(""), None);
}

#[test]
fn default_method_is_aarden_essen_like_music21_analyze_key() {
    assert_eq!(KeyMethod::default(), KeyMethod::AardenEssen);
}

#[test]
fn krumhansl_schmuckler_and_kessler_share_profiles_with_2_23_as_in_music21_10() {
    let schmuckler = KeyMethod::KrumhanslSchmuckler.profile();

    assert_eq!(schmuckler, KeyMethod::KrumhanslKessler.profile());
    assert_eq!(schmuckler.major[1], 2.23);
}

#[test]
fn profiles_match_the_oracle_manifest() {
    let Some(manifest) = read_json(&Path::new(ORACLE_DIR).join("manifest.json")) else {
        eprintln!("SKIPPED: ../shared/oracle not found");
        return;
    };

    for method in KeyMethod::ALL {
        let listed = &manifest["key_weight_profiles"][method.music21_class_name()];
        let profile = method.profile();
        assert_eq!(
            numbers(&listed["major"]),
            profile.major.to_vec(),
            "{method} major"
        );
        assert_eq!(
            numbers(&listed["minor"]),
            profile.minor.to_vec(),
            "{method} minor"
        );
    }
}

proptest! {
    #[test]
    fn correlations_stay_within_minus_one_and_one(
        hist in prop::array::uniform12(0.0f64..64.0),
        method_index in 0usize..6,
    ) {
        for key in rank_keys(&hist, KeyMethod::ALL[method_index]) {
            prop_assert!(key.correlation.abs() <= 1.0 + 1e-12, "{}", key.correlation);
        }
    }

    #[test]
    fn transposing_the_histogram_transposes_every_correlation(
        hist in prop::array::uniform12(0.0f64..64.0),
        semitones in 0usize..12,
        method_index in 0usize..6,
    ) {
        let method = KeyMethod::ALL[method_index];
        let original = rank_keys(&hist, method);
        let moved = rank_keys(&transpose(&hist, semitones), method);

        // Summation order changes with the rotation, so compare with a tolerance, key by key.
        for key in &original {
            let pitch_class = (usize::from(key.tonic_pitch_class) + semitones) % 12;
            let twin = moved
                .iter()
                .find(|other| {
                    usize::from(other.tonic_pitch_class) == pitch_class && other.mode == key.mode
                })
                .unwrap();
            prop_assert!((twin.correlation - key.correlation).abs() < 1e-12);
        }
    }
}

/// Agreement of one method with the oracle over all records.
#[derive(Default)]
struct Agreement {
    compared: usize,
    names_agree: usize,
    alternates_agree: usize,
    correlations_agree: usize,
    bit_exact: usize,
    errors_agree: usize,
}

/// One answer music21 gave: where it sits in the record, and which method gave it.
struct Expectation<'a> {
    label: &'a str,
    method: KeyMethod,
    /// The keys leading to the answer's object, from the record's root.
    path: Vec<&'a str>,
}

#[test]
fn every_oracle_record_gets_music21s_key_for_every_method() {
    let records = oracle_records();
    if records.is_empty() {
        eprintln!("SKIPPED: ../shared/oracle not found");
        return;
    }

    let expectations: Vec<Expectation> = KeyMethod::ALL
        .iter()
        .map(|&method| Expectation {
            label: method.music21_class_name(),
            method,
            path: vec!["key_analysis", "by_method", method.music21_class_name()],
        })
        .chain([Expectation {
            label: "analyze_key",
            method: KeyMethod::default(),
            path: vec!["key_analysis", "analyze_key"],
        }])
        .collect();
    let mut agreements: Vec<Agreement> =
        expectations.iter().map(|_| Agreement::default()).collect();
    let mut failures = Vec::new();
    for record in &records {
        for (expectation, agreement) in expectations.iter().zip(&mut agreements) {
            compare(record, expectation, agreement, &mut failures);
        }
    }

    for (expectation, agreement) in expectations.iter().zip(&agreements) {
        eprintln!(
            "{}: {} records, names {}, alternates {}, correlations {} (bit-exact {} of {}), \
             errors {}",
            expectation.label,
            agreement.compared,
            agreement.names_agree,
            agreement.alternates_agree,
            agreement.correlations_agree,
            agreement.bit_exact,
            agreement.compared * (1 + ALTERNATE_COUNT),
            agreement.errors_agree,
        );
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for agreement in &agreements {
        let answered = records.len() - agreement.errors_agree;
        assert_eq!(agreement.compared, records.len());
        assert_eq!(agreement.names_agree, answered);
        assert_eq!(agreement.alternates_agree, answered);
        assert_eq!(agreement.correlations_agree, answered);
    }
}

#[test]
fn transposing_up_a_major_second_matches_music21s_transposed_analysis() {
    let records = oracle_records();
    if records.is_empty() {
        eprintln!("SKIPPED: ../shared/oracle not found");
        return;
    }

    // RomanText chords are rebuilt from their figures when transposed, so that score's
    // histogram is not a plain rotation: music21 still finds A minor, with another correlation.
    let not_rotations = ["monteverdi/madrigal.3.1.rntxt.json"];
    let mut compared = 0;
    let mut differing = Vec::new();
    for record in &records {
        let expected = &record.json["transposition"]["analyze_key"];
        let (Some(hist), Some(name)) = (record.histogram, expected["name"].as_str()) else {
            continue;
        };
        assert_eq!(record.json["transposition"]["interval"], "M2");
        compared += 1;

        // Transposing moves every pitch class up two and keeps each duration, so the histogram
        // rotates; the correlations change in the last bits because the sums run in a new order.
        let key = key_from_histogram(&transpose(&hist, 2), KeyMethod::default()).unwrap();
        let correlation = raw_numbers(&record.text, &["transposition", "correlation"], 1);
        assert_eq!(key.name, name, "{}", record.path.display());
        if correlation != [key.correlation] {
            differing.push(record.path.to_string_lossy().into_owned());
        }
    }
    assert_eq!(compared, records.len());
    assert_eq!(differing.len(), not_rotations.len(), "{differing:?}");
    for (path, expected) in differing.iter().zip(not_rotations) {
        assert!(path.ends_with(expected), "{path}");
    }
}

/// Compares one method's answer for one record, counting agreement and noting failures.
fn compare(
    record: &OracleRecord,
    expectation: &Expectation,
    agreement: &mut Agreement,
    failures: &mut Vec<String>,
) {
    agreement.compared += 1;
    let context = format!("{} {}", record.path.display(), expectation.label);
    let actual = match &record.histogram {
        Some(hist) => key_from_histogram(hist, expectation.method),
        None => Err(KeyError::NoNotes),
    };

    // When music21 raised, the record holds `{"error": ...}` instead; we must refuse too.
    let key_analysis = &record.json["key_analysis"];
    if key_analysis.get("error").is_some() {
        match actual {
            Err(_) => agreement.errors_agree += 1,
            Ok(key) => failures.push(format!("{context}: expected an error, got {}", key.name)),
        }
        return;
    }
    let expected = expectation
        .path
        .iter()
        .fold(&record.json, |value, key| &value[*key]);
    let key = match actual {
        Ok(key) => key,
        Err(err) => {
            failures.push(format!(
                "{context}: expected {}, got error {err}",
                expected["name"]
            ));
            return;
        }
    };

    if key.name == expected["name"] && key.tonic == expected["tonic"] {
        agreement.names_agree += 1;
    } else {
        failures.push(format!(
            "{context}: name {} != {}",
            key.name, expected["name"]
        ));
    }

    let expected_names: Vec<&str> = expected["alternates"]
        .as_array()
        .map(|list| list.iter().filter_map(|key| key["name"].as_str()).collect())
        .unwrap_or_default();
    let alternate_names: Vec<&str> = key.alternates.iter().map(|key| key.name.as_str()).collect();
    if alternate_names == expected_names {
        agreement.alternates_agree += 1;
    } else {
        failures.push(format!(
            "{context}: alternates {alternate_names:?} != {expected_names:?}"
        ));
    }

    let ours = std::iter::once(key.correlation).chain(key.alternates.iter().map(|k| k.correlation));
    let path: Vec<&str> = expectation
        .path
        .iter()
        .copied()
        .chain(["correlation"])
        .collect();
    let theirs = raw_numbers(&record.text, &path, 1 + ALTERNATE_COUNT);
    let mut all_close = theirs.len() == 1 + ALTERNATE_COUNT;
    for (ours, theirs) in ours.zip(theirs) {
        agreement.bit_exact += usize::from(ours == theirs);
        let relative = (ours - theirs).abs() / theirs.abs().max(f64::MIN_POSITIVE);
        if relative > CORRELATION_TOLERANCE {
            all_close = false;
            failures.push(format!("{context}: correlation {ours} != {theirs}"));
        }
    }
    agreement.correlations_agree += usize::from(all_close);
}

/// One oracle record, with the numbers we compare bit for bit parsed from its text.
///
/// serde_json's default float parser can be a unit in the last place off (it is for 328 of the
/// oracle's 4375 key correlations), so the histogram and the correlations are read from the
/// text with Rust's exact parser; the JSON tree serves for everything else.
struct OracleRecord {
    path: PathBuf,
    text: String,
    json: Value,
    /// `pitch_class_histogram.weighted_ql`, or `None` when music21 found no notes.
    histogram: Option<[f64; 12]>,
}

impl OracleRecord {
    fn read(path: PathBuf) -> Option<Self> {
        let text = std::fs::read_to_string(&path).ok()?;
        let json: Value =
            serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        json.get("key_analysis")?;

        let histogram = raw_numbers(&text, &["pitch_class_histogram", "weighted_ql"], 12);
        let histogram = histogram.try_into().ok();
        Some(OracleRecord {
            path,
            text,
            json,
            histogram,
        })
    }
}

/// Up to `count` numbers written after the nested `keys`, each key found after the one before.
///
/// An array gives its items. A scalar gives itself and those after it under the same last key,
/// so `count` 5 under `correlation` gives the best key's and then its alternates'. `null` or a
/// missing key gives fewer numbers.
fn raw_numbers(text: &str, keys: &[&str], count: usize) -> Vec<f64> {
    let Some((last, parents)) = keys.split_last() else {
        return Vec::new();
    };
    let mut rest = text;
    for key in parents {
        let Some(at) = rest.find(&format!("\"{key}\":")) else {
            return Vec::new();
        };
        rest = &rest[at..];
    }

    let pattern = format!("\"{last}\":");
    let mut values = Vec::new();
    for (at, _) in rest.match_indices(&pattern) {
        let value = rest[at + pattern.len()..].trim_start();
        let end = match value.strip_prefix('[') {
            Some(_) => value.find(']'),
            None => value.find([',', '}', '\n']),
        };
        let items = value[..end.unwrap_or(value.len())]
            .trim_start_matches('[')
            .split(',');
        values.extend(items.filter_map(|item| item.trim().parse::<f64>().ok()));
        if values.len() >= count {
            break;
        }
    }
    values.truncate(count);
    values
}

/// A JSON array of numbers as floats; anything else gives an empty list.
fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

/// Every record under the oracle directory, sorted by path; empty when the directory is absent.
fn oracle_records() -> Vec<OracleRecord> {
    let mut paths = Vec::new();
    collect_json_files(Path::new(ORACLE_DIR), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter(|path| path.file_name().is_some_and(|name| name != "manifest.json"))
        .filter_map(OracleRecord::read)
        .collect()
}

fn collect_json_files(dir: &Path, paths: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_json_files(&path, paths);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            paths.push(path);
        }
    }
}

fn read_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display())))
}
