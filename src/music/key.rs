//! Key finding from a pitch-class histogram, reproducing music21's key-weight analyses.
//!
//! This is the pure analysis behind `analyze('key')`: it sits in `music/` below the tools layer
//! and knows nothing of the score model. Callers build the duration-weighted pitch-class
//! histogram (index 0 = C through 11 = B, each note or chord pitch adding its element's whole
//! duration in quarter lengths) and ask for the best key, the full ranking, or one key per window.
//!
//! The arithmetic follows `music21.analysis.discrete.KeyWeightKeyAnalysis` (music21 10.5.1)
//! step by step, so that correlations agree bit for bit with music21 on Linux:
//!
//! - For each tonic `i` (0 = C up to 11 = B), the profile is rotated, not the histogram: pitch
//!   class `j` is paired with weight `profile[(j - i) mod 12]`, and `j` runs from 0 to 11. The
//!   covariance and both sums of squares are accumulated in that order, the means being plain
//!   left-to-right sums divided by 12, and the correlation is
//!   `top / (sum_sq_profile * sum_sq_histogram) ** 0.5`, or exactly 0 when either sum is 0.
//!   Squares and the square root go through the C library's `pow`, as CPython's `**` does.
//! - All 24 keys are ranked by correlation, highest first. On an exact tie the higher tonic
//!   pitch class comes first and, for the same tonic, minor comes before major. This is what
//!   music21's `sortList.sort(); sortList.reverse()` does on `(correlation, Pitch, mode)` tuples.
//! - Tonics are spelled as music21 spells `Pitch(pc)` and then fixes up with
//!   `_bestKeyEnharmonic`: major keys C, C#, D, E-, E, F, F#, G, A-, A, B-, B and minor keys
//!   C, C#, D, E-, E, F, F#, G, G#, A, B-, B. Names read `"E- major"`, `"F# minor"`.

use std::cmp::Ordering;
use std::hint::black_box;

use schemars::JsonSchema;
use serde::Serialize;
use thiserror::Error;

#[cfg(test)]
mod tests;

/// How many alternates a [`KeyAnalysis`] carries, as the oracle records them.
pub const ALTERNATE_COUNT: usize = 4;

/// One of music21's key-weighting classes in `music21.analysis.discrete`.
///
/// Every method runs the same correlation; they differ only in their major and minor profiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum KeyMethod {
    /// Krumhansl-Schmuckler weights, "strong tendency to identify the dominant key as the tonic".
    KrumhanslSchmuckler,
    /// Krumhansl-Kessler weights; since music21 6.3 the same profiles as Krumhansl-Schmuckler.
    KrumhanslKessler,
    /// Aarden-Essen weights, the default of music21's `analyze('key')`.
    #[default]
    AardenEssen,
    /// Bellman-Budge weights.
    BellmanBudge,
    /// Temperley-Kostka-Payne weights.
    TemperleyKostkaPayne,
    /// Craig Sapp's simple weights.
    SimpleWeights,
}

/// The best key for a histogram, with the runners-up, in the shape of the oracle's records.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct KeyAnalysis {
    /// The music21 class that produced this result, for example `"AardenEssen"`.
    pub method: String,
    /// The key name, tonic then mode: `"F# minor"`, `"E- major"`.
    pub name: String,
    /// The tonic's spelling without octave, for example `"E-"`.
    pub tonic: String,
    /// The tonic's pitch class, 0 = C through 11 = B.
    pub tonic_pitch_class: u8,
    /// `"major"` or `"minor"`.
    pub mode: String,
    /// music21's `correlationCoefficient`: the Pearson correlation, in -1..=1.
    pub correlation: f64,
    /// The next [`ALTERNATE_COUNT`] keys by correlation, best first.
    pub alternates: Vec<KeyCandidate>,
}

/// One of the 24 keys with its correlation against a histogram.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct KeyCandidate {
    /// The key name, tonic then mode: `"F# minor"`, `"E- major"`.
    pub name: String,
    /// The tonic's spelling without octave, for example `"G#"`.
    pub tonic: String,
    /// The tonic's pitch class, 0 = C through 11 = B.
    pub tonic_pitch_class: u8,
    /// `"major"` or `"minor"`.
    pub mode: String,
    /// The Pearson correlation between the histogram and this key's rotated profile.
    pub correlation: f64,
}

/// Why a key could not be found.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum KeyError {
    /// Every pitch class weighs zero: no notes, or only notes without duration.
    #[error("the score has no pitched notes with duration; key finding needs notes")]
    NoNotes,
    /// A histogram entry is negative, infinite or NaN, which no duration can give.
    #[error(
        "key histogram: pitch class {pitch_class} weighs {weight}; weights must be finite and \
         not negative"
    )]
    InvalidWeight {
        /// The offending pitch class, 0 = C through 11 = B.
        pitch_class: u8,
        /// The weight found there.
        weight: f64,
    },
}

/// The major and minor profiles of one method, index 0 the tonic and 11 the leading tone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeyProfile {
    /// Weights for major keys.
    pub major: [f64; 12],
    /// Weights for minor keys.
    pub minor: [f64; 12],
}

/// Krumhansl's probe-tone profiles, shared by Krumhansl-Schmuckler and Krumhansl-Kessler.
///
/// Older music21 versions had 2.33 as the second major weight of Krumhansl-Schmuckler; since 6.3
/// both classes are one, with 2.23, and the oracle confirms it.
const KRUMHANSL: KeyProfile = KeyProfile {
    major: [
        6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
    ],
    minor: [
        6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
    ],
};

const AARDEN_ESSEN: KeyProfile = KeyProfile {
    major: [
        17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587, 0.291248, 22.062, 0.145624,
        8.15494, 0.232998, 4.95122,
    ],
    minor: [
        18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362, 0.702494, 18.6161, 4.56621,
        1.93186, 7.37619, 1.75623,
    ],
};

const BELLMAN_BUDGE: KeyProfile = KeyProfile {
    major: [
        16.80, 0.86, 12.95, 1.41, 13.49, 11.93, 1.25, 20.28, 1.80, 8.04, 0.62, 10.57,
    ],
    minor: [
        18.16, 0.69, 12.99, 13.34, 1.07, 11.15, 1.38, 21.07, 7.49, 1.53, 0.92, 10.21,
    ],
};

const TEMPERLEY_KOSTKA_PAYNE: KeyProfile = KeyProfile {
    major: [
        0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400,
    ],
    minor: [
        0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330,
    ],
};

const SIMPLE_WEIGHTS: KeyProfile = KeyProfile {
    major: [2.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 1.0],
    minor: [2.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 2.0, 1.0, 0.0, 0.5, 0.5],
};

/// Major tonics as music21 spells them after `_bestKeyEnharmonic` (G# becomes A-).
const MAJOR_TONICS: [&str; 12] = [
    "C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B",
];

/// Minor tonics as music21 spells them (`Pitch(pc)` is already valid for every minor key).
const MINOR_TONICS: [&str; 12] = [
    "C", "C#", "D", "E-", "E", "F", "F#", "G", "G#", "A", "B-", "B",
];

/// The two modes music21's key-weight analyses consider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Major,
    Minor,
}

impl KeyMethod {
    /// Every method, in the order the oracle's `by_method` lists them.
    pub const ALL: [KeyMethod; 6] = [
        KeyMethod::KrumhanslSchmuckler,
        KeyMethod::KrumhanslKessler,
        KeyMethod::AardenEssen,
        KeyMethod::BellmanBudge,
        KeyMethod::TemperleyKostkaPayne,
        KeyMethod::SimpleWeights,
    ];

    /// The class name in `music21.analysis.discrete`, which keys the oracle's `by_method`.
    pub fn music21_class_name(self) -> &'static str {
        match self {
            KeyMethod::KrumhanslSchmuckler => "KrumhanslSchmuckler",
            KeyMethod::KrumhanslKessler => "KrumhanslKessler",
            KeyMethod::AardenEssen => "AardenEssen",
            KeyMethod::BellmanBudge => "BellmanBudge",
            KeyMethod::TemperleyKostkaPayne => "TemperleyKostkaPayne",
            KeyMethod::SimpleWeights => "SimpleWeights",
        }
    }

    /// Parses a method name, ignoring case, `_`, `-`, spaces and a leading `key.`.
    ///
    /// Accepted, besides the class name in any case (`"AardenEssen"`, `"aarden_essen"`), are
    /// music21's own identifiers and a few abbreviations:
    ///
    /// - Krumhansl-Schmuckler: `krumhansl`, `schmuckler`, `ks`.
    /// - Krumhansl-Kessler: `kessler`, `kk`.
    /// - Aarden-Essen: `aarden`, `essen`, `ae`, and `key`, music21's default.
    /// - Bellman-Budge: `bellman`, `budge`, `bb`.
    /// - Temperley-Kostka-Payne: `temperley`, `kostka`, `payne`, `tkp`.
    /// - Simple weights: `simple`, `weight`, `simpleweight`, `sapp`.
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.trim().to_ascii_lowercase();
        let bare = lower.strip_prefix("key.").unwrap_or(&lower);
        let normalized: String = bare
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .collect();
        let method = match normalized.as_str() {
            "krumhanslschmuckler" | "krumhansl" | "schmuckler" | "ks" => {
                KeyMethod::KrumhanslSchmuckler
            }
            "krumhanslkessler" | "kessler" | "kk" => KeyMethod::KrumhanslKessler,
            "aardenessen" | "aarden" | "essen" | "ae" | "key" => KeyMethod::AardenEssen,
            "bellmanbudge" | "bellman" | "budge" | "bb" => KeyMethod::BellmanBudge,
            "temperleykostkapayne" | "temperley" | "kostka" | "payne" | "tkp" => {
                KeyMethod::TemperleyKostkaPayne
            }
            "simpleweights" | "simpleweight" | "simple" | "weight" | "sapp" => {
                KeyMethod::SimpleWeights
            }
            _ => return None,
        };
        Some(method)
    }

    /// The method's major and minor profiles, exactly as music21 10.5.1 hard-codes them.
    pub fn profile(self) -> &'static KeyProfile {
        match self {
            KeyMethod::KrumhanslSchmuckler | KeyMethod::KrumhanslKessler => &KRUMHANSL,
            KeyMethod::AardenEssen => &AARDEN_ESSEN,
            KeyMethod::BellmanBudge => &BELLMAN_BUDGE,
            KeyMethod::TemperleyKostkaPayne => &TEMPERLEY_KOSTKA_PAYNE,
            KeyMethod::SimpleWeights => &SIMPLE_WEIGHTS,
        }
    }
}

impl std::fmt::Display for KeyMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.music21_class_name())
    }
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Major => "major",
            Mode::Minor => "minor",
        }
    }

    fn tonic_name(self, pitch_class: u8) -> &'static str {
        match self {
            Mode::Major => MAJOR_TONICS[usize::from(pitch_class)],
            Mode::Minor => MINOR_TONICS[usize::from(pitch_class)],
        }
    }
}

impl From<ScoredKey> for KeyCandidate {
    fn from((correlation, pitch_class, mode): ScoredKey) -> Self {
        let tonic = mode.tonic_name(pitch_class);
        KeyCandidate {
            name: format!("{tonic} {}", mode.as_str()),
            tonic: tonic.to_string(),
            tonic_pitch_class: pitch_class,
            mode: mode.as_str().to_string(),
            correlation,
        }
    }
}

/// Finds the best key for a duration-weighted pitch-class histogram, as music21 does.
///
/// The result carries the next [`ALTERNATE_COUNT`] keys as alternates. Fails with
/// [`KeyError::NoNotes`] when every weight is zero and with [`KeyError::InvalidWeight`] when a
/// weight is negative or not finite.
pub fn key_from_histogram(hist: &[f64; 12], method: KeyMethod) -> Result<KeyAnalysis, KeyError> {
    validate(hist)?;

    let [best, rest @ ..] = ranked(hist, method);
    let best = KeyCandidate::from(best);
    Ok(KeyAnalysis {
        method: method.music21_class_name().to_string(),
        name: best.name,
        tonic: best.tonic,
        tonic_pitch_class: best.tonic_pitch_class,
        mode: best.mode,
        correlation: best.correlation,
        alternates: rest
            .into_iter()
            .take(ALTERNATE_COUNT)
            .map(KeyCandidate::from)
            .collect(),
    })
}

/// Ranks all 24 keys against a histogram, best first, with music21's tie order.
///
/// This never fails. A histogram whose weights are all equal (all zero included) gives every key
/// a correlation of exactly 0, so the order is the tie order alone: B minor, B major, B- minor
/// and so on down to C major. That is music21's answer for notes that have no duration.
pub fn rank_keys(hist: &[f64; 12], method: KeyMethod) -> Vec<KeyCandidate> {
    ranked(hist, method)
        .into_iter()
        .map(KeyCandidate::from)
        .collect()
}

/// Finds the key of each window's histogram on its own, in window order.
///
/// The caller builds one histogram per window; a window without sounding notes gives
/// [`KeyError::NoNotes`] in its place rather than failing the whole run.
pub fn windowed_keys(hists: &[[f64; 12]], method: KeyMethod) -> Vec<Result<KeyAnalysis, KeyError>> {
    hists
        .iter()
        .map(|hist| key_from_histogram(hist, method))
        .collect()
}

/// One key as music21's `process` holds it: correlation, tonic pitch class, mode.
type ScoredKey = (f64, u8, Mode);

/// All 24 keys scored and sorted, best first.
fn ranked(hist: &[f64; 12], method: KeyMethod) -> [ScoredKey; 24] {
    let profile = method.profile();
    let major = correlations(&profile.major, hist);
    let minor = correlations(&profile.minor, hist);

    // Major tonics then minor tonics, each in pitch-class order, as music21 lists them.
    let mut scored: [ScoredKey; 24] = std::array::from_fn(|index| {
        let pitch_class = (index % 12) as u8;
        if index < 12 {
            (major[index], pitch_class, Mode::Major)
        } else {
            (minor[index - 12], pitch_class, Mode::Minor)
        }
    });
    scored.sort_by(|a, b| music21_order(*a, *b));
    scored
}

/// Rejects histograms no score can produce, and the empty one.
fn validate(hist: &[f64; 12]) -> Result<(), KeyError> {
    if let Some((pitch_class, &weight)) = (0u8..)
        .zip(hist)
        .find(|(_, weight)| !weight.is_finite() || **weight < 0.0)
    {
        return Err(KeyError::InvalidWeight {
            pitch_class,
            weight,
        });
    }
    if hist.iter().all(|&weight| weight == 0.0) {
        return Err(KeyError::NoNotes);
    }
    Ok(())
}

/// The correlation of the histogram with the profile rotated to each tonic, C first.
///
/// A line-by-line port of music21's `_getDifference`: the profile is rotated (weight
/// `(j - i) mod 12` against pitch class `j`), the three sums run over `j` in order, and the
/// result is exactly 0 when either sum of squares is 0. Keep the order of operations: it is what
/// makes the correlations, and so the exact ties, agree with music21 to the last bit.
fn correlations(weights: &[f64; 12], hist: &[f64; 12]) -> [f64; 12] {
    let profile_mean = python_sum(weights) / 12.0;
    let histogram_mean = python_sum(hist) / 12.0;

    let mut result = [0.0; 12];
    for (tonic, slot) in result.iter_mut().enumerate() {
        let mut top = 0.0;
        let mut sum_sq_profile = 0.0;
        let mut sum_sq_histogram = 0.0;
        for (pitch_class, &count) in hist.iter().enumerate() {
            let weight = weights[(pitch_class + 12 - tonic) % 12];
            top += (weight - profile_mean) * (count - histogram_mean);
            sum_sq_profile += python_pow(weight - profile_mean, 2.0);
            sum_sq_histogram += python_pow(count - histogram_mean, 2.0);
        }

        let degenerate = sum_sq_profile == 0.0 || sum_sq_histogram == 0.0;
        *slot = if degenerate {
            0.0
        } else {
            top / python_pow(sum_sq_profile * sum_sq_histogram, 0.5)
        };
    }
    result
}

/// Python 3.11's `sum` over floats: a plain left-to-right addition starting from zero.
fn python_sum(values: &[f64; 12]) -> f64 {
    values.iter().fold(0.0, |sum, &value| sum + value)
}

/// CPython's float `**`, which calls the C library's `pow` for finite operands.
///
/// With a constant exponent LLVM rewrites `pow(x, 2.0)` as `x * x` and `pow(x, 0.5)` as
/// `sqrt(x)` in optimized builds. glibc's `pow` is not always correctly rounded, so the rewritten
/// forms drift from music21: in a release build 24 of the oracle's 4375 correlations then differ
/// by up to 2 units in the last place. Hiding the exponent from the optimizer keeps the real
/// `pow` call, and all 4375 agree bit for bit in debug and release builds alike.
fn python_pow(base: f64, exponent: f64) -> f64 {
    base.powf(black_box(exponent))
}

/// Descending order of music21's `(correlation, Pitch(pc), mode)` tuples.
///
/// music21 sorts the tuples ascending and reverses the list. Pitches compare by pitch space,
/// which rises with the pitch class, and `"minor" > "major"`, so on an exact tie the higher
/// tonic comes first, then minor before major. Adding 0.0 folds -0.0 into 0.0, which Python
/// treats as equal.
fn music21_order(a: ScoredKey, b: ScoredKey) -> Ordering {
    let mode_rank = |mode: Mode| match mode {
        Mode::Major => 0,
        Mode::Minor => 1,
    };
    (b.0 + 0.0)
        .total_cmp(&(a.0 + 0.0))
        .then(b.1.cmp(&a.1))
        .then(mode_rank(b.2).cmp(&mode_rank(a.2)))
}
