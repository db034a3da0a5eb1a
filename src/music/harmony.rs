//! The harmonic analysis of a score: its chordified chords named and numbered the way music21
//! names them (the oracle's `chords` record), their tonal functions, and cadences at phrase
//! ends.
//!
//! This is the score-level layer over [`super::chordify`] (slices), [`super::chord`] (names)
//! and [`super::roman`] (numerals in music21's `analyze('key')` key). The `chord_analysis` and
//! `harmony_analysis` tools and `music-mcp analyze` read it; it stays synchronous and pure.
//!
//! Functions and cadences are this project's own reading of the numerals (music21 has no
//! equivalent): degree 1, 3 and 6 are tonic, 2 and 4 (with the Neapolitan and augmented sixths)
//! predominant, 5 and 7 dominant, and a tonic six-four chord that resolves to a dominant on the
//! same bass is a cadential six-four (dominant). A phrase ends at a chord with a fermata, a chord
//! followed by a rest, and the last chord; its cadence compares the final harmony with the
//! harmony before it (chords with the same root count as one harmony).

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

use super::chord::Chord;
use super::chordify::{Slice, chordify};
use super::histogram::weighted_pitch_class_histogram;
use super::key::{KeyMethod, key_from_histogram};
use super::model::{Pitch, Score};
use super::roman::{Key, RomanNumeral, roman_numeral_from_chord};

/// The oracle lists chords only for scores with at most this many parts.
pub const RECORD_MAX_PARTS: usize = 8;
/// The oracle lists chords only for scores with at most this many chords.
pub const RECORD_MAX_CHORDS: usize = 3000;

/// One chord of the chordified score, identified as music21 identifies it.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct AnalysedChord {
    /// Quarter lengths from the start of the score, rounded to 4 places.
    pub offset: f64,
    /// The offset as an exact fraction, such as `"3/2"`.
    pub offset_fraction: String,
    /// The number of the measure containing the chord (part 0's measures).
    pub measure: Option<i32>,
    /// The chord's length in quarter lengths, rounded to 4 places.
    pub duration_ql: f64,
    /// The length as an exact fraction.
    pub duration_fraction: String,
    /// Sounding pitches with octave, lowest first (`"B-3"`).
    pub pitches: Vec<String>,
    /// The root's name without octave.
    pub root: String,
    /// The bass's name without octave.
    pub bass: String,
    /// `major`, `minor`, `diminished`, `augmented` or `other`.
    pub quality: String,
    /// music21's `commonName`, such as `"dominant seventh chord"`.
    pub common_name: String,
    /// 0 for root position, 1 for first inversion, and so on.
    pub inversion: Option<u8>,
    /// Why the inversion could not be found (music21 never fails here; always null).
    pub inversion_error: Option<String>,
    /// music21's `isConsonant()`.
    pub is_consonant: bool,
    /// The Roman numeral in the analysed key; null when the score has no key.
    pub roman: Option<RomanNumeral>,
    /// Why there is no Roman numeral, when there is none.
    pub roman_error: Option<String>,
}

/// Every chord of a score with the key its numerals are in.
#[derive(Clone, Debug, PartialEq)]
pub struct ChordAnalysis {
    /// The key of music21's `analyze('key')`, or `None` for a score without pitched notes.
    pub key: Option<Key>,
    /// The chords in time order.
    pub chords: Vec<AnalysedChord>,
    /// The chordify slices the chords came from (chords and merged rests, in time order).
    pub slices: Vec<Slice>,
}

impl ChordAnalysis {
    /// Number of rests in the chordified score.
    pub fn rest_count(&self) -> usize {
        self.slices.iter().filter(|s| s.is_rest()).count()
    }
}

/// A chord's role in the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HarmonicFunction {
    /// I, iii, vi and their relatives: rest.
    Tonic,
    /// ii, IV, the Neapolitan and augmented sixths: motion towards the dominant.
    Predominant,
    /// V, vii and the cadential six-four: tension towards the tonic.
    Dominant,
}

/// A chord with its numeral and function.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct FunctionalChord {
    /// Quarter lengths from the start of the score, rounded to 4 places.
    pub offset: f64,
    /// The offset as an exact fraction.
    pub offset_fraction: String,
    /// The measure number.
    pub measure: Option<i32>,
    /// The Roman numeral figure.
    pub figure: String,
    /// The function the numeral has in the key.
    pub function: HarmonicFunction,
}

/// The kinds of cadence recognised at phrase ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CadenceKind {
    /// V (or vii°) to I, both in root position, the tonic in the top voice.
    PerfectAuthentic,
    /// V (or vii°) to I otherwise.
    ImperfectAuthentic,
    /// A phrase ending on V.
    Half,
    /// IV to I.
    Plagal,
    /// V to vi.
    Deceptive,
}

/// What marks the end of a phrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PhraseEnd {
    /// A fermata on the final chord.
    Fermata,
    /// A rest after the final chord.
    Rest,
    /// The end of the score.
    Final,
}

/// A cadence found at a phrase end.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Cadence {
    /// The kind of cadence.
    pub kind: CadenceKind,
    /// The measure of the final chord.
    pub measure: Option<i32>,
    /// The final chord's offset, rounded to 4 places.
    pub offset: f64,
    /// The final chord's offset as an exact fraction.
    pub offset_fraction: String,
    /// The numerals of the approaching and final harmonies, such as `["V7", "I"]`.
    pub figures: [String; 2],
    /// What ends the phrase.
    pub phrase_end: PhraseEnd,
}

/// Chordifies the score and names every chord, with numerals in music21's analysed key.
pub fn analyse_chords(score: &Score) -> ChordAnalysis {
    analyse_chords_in_key(score, analysed_key(score))
}

/// The key of music21's `analyze('key')` (Aarden-Essen), or `None` without pitched notes.
pub fn analysed_key(score: &Score) -> Option<Key> {
    let histogram = weighted_pitch_class_histogram(score);
    key_from_histogram(&histogram, KeyMethod::AardenEssen)
        .ok()
        .and_then(|analysis| Key::from_analysis(&analysis))
}

/// Chordifies the score and names every chord, with numerals in `key` (none without a key).
pub fn analyse_chords_in_key(score: &Score, key: Option<Key>) -> ChordAnalysis {
    let chordified = chordify(score);
    let chords = chordified
        .chords()
        .filter_map(|slice| analyse_slice(slice, key.as_ref()))
        .collect();
    ChordAnalysis {
        key,
        chords,
        slices: chordified.slices,
    }
}

/// The oracle's `chords` field: `{count, rest_count, key_used_for_roman, skipped, list}`.
pub fn chords_record(score: &Score) -> Value {
    let analysis = analyse_chords(score);
    let count = analysis.chords.len();
    let skipped = if score.parts.len() > RECORD_MAX_PARTS {
        Some(format!(
            "{} parts; chords are listed for at most {RECORD_MAX_PARTS}",
            score.parts.len()
        ))
    } else if count > RECORD_MAX_CHORDS {
        Some(format!(
            "{count} chords; chords are listed for at most {RECORD_MAX_CHORDS}"
        ))
    } else {
        None
    };
    let list = if skipped.is_none() {
        json!(analysis.chords)
    } else {
        Value::Null
    };
    json!({
        "count": count,
        "rest_count": analysis.rest_count(),
        "key_used_for_roman": analysis.key.map(|k| k.to_string()),
        "skipped": skipped,
        "list": list,
    })
}

/// Names one chordify slice; `None` for a rest.
pub fn analyse_slice(slice: &Slice, key: Option<&Key>) -> Option<AnalysedChord> {
    let chord = Chord::new(slice.pitches.clone())?;
    let (roman, roman_error) = match key {
        Some(key) => (Some(roman_numeral_from_chord(&chord, key)), None),
        None => (
            None,
            Some("the score has no key: it has no pitched notes".to_string()),
        ),
    };
    Some(AnalysedChord {
        offset: slice.offset.to_f64_rounded(),
        offset_fraction: slice.offset.to_string(),
        measure: slice.measure,
        duration_ql: slice.duration.to_f64_rounded(),
        duration_fraction: slice.duration.to_string(),
        pitches: slice.pitches.iter().map(Pitch::name_with_octave).collect(),
        root: chord.root().name(),
        bass: chord.bass().name(),
        quality: chord.quality().name().to_string(),
        common_name: chord.common_name(),
        inversion: Some(chord.inversion()),
        inversion_error: None,
        is_consonant: chord.is_consonant(),
        roman,
        roman_error,
    })
}

/// The function of every chord that has a numeral.
pub fn functions(chords: &[AnalysedChord]) -> Vec<FunctionalChord> {
    chords
        .iter()
        .enumerate()
        .filter_map(|(i, chord)| {
            let roman = chord.roman.as_ref()?;
            let next = chords
                .get(i + 1)
                .and_then(|c| c.roman.as_ref().map(|r| (c, r)));
            Some(FunctionalChord {
                offset: chord.offset,
                offset_fraction: chord.offset_fraction.clone(),
                measure: chord.measure,
                figure: roman.figure.clone(),
                function: function_of(chord, roman, next),
            })
        })
        .collect()
}

/// The function of a numeral: by scale degree, with the cadential six-four as a dominant.
pub fn function_of(
    chord: &AnalysedChord,
    roman: &RomanNumeral,
    next: Option<(&AnalysedChord, &RomanNumeral)>,
) -> HarmonicFunction {
    let cadential_six_four = roman.scale_degree == 1
        && chord.inversion == Some(2)
        && next.is_some_and(|(n, r)| r.scale_degree == 5 && n.bass == chord.bass);
    if cadential_six_four {
        return HarmonicFunction::Dominant;
    }
    let figure = roman.figure.as_str();
    let chromatic_predominant = ["It", "Ger", "Fr", "Sw", "bII"]
        .iter()
        .any(|p| figure.starts_with(p));
    if chromatic_predominant {
        return HarmonicFunction::Predominant;
    }
    match roman.scale_degree {
        2 | 4 => HarmonicFunction::Predominant,
        5 | 7 => HarmonicFunction::Dominant,
        _ => HarmonicFunction::Tonic,
    }
}

/// Cadences at every phrase end of an analysed score.
pub fn cadences(analysis: &ChordAnalysis) -> Vec<Cadence> {
    let chords = &analysis.chords;
    phrase_ends(analysis)
        .into_iter()
        .filter_map(|(index, end)| cadence_at(chords, index, end))
        .collect()
}

/// Indices of chords that end phrases, with what ends them.
fn phrase_ends(analysis: &ChordAnalysis) -> Vec<(usize, PhraseEnd)> {
    let chord_slices: Vec<&Slice> = analysis.slices.iter().filter(|s| !s.is_rest()).collect();
    let mut ends = Vec::new();
    for (i, slice) in chord_slices.iter().enumerate() {
        let next_chord = chord_slices.get(i + 1);
        let end = if next_chord.is_none() {
            Some(PhraseEnd::Final)
        } else if slice.fermata && !next_chord.is_some_and(|n| n.fermata) {
            // A fermata held over several slices ends its phrase on the last of them.
            Some(PhraseEnd::Fermata)
        } else if rest_follows(&analysis.slices, slice) {
            Some(PhraseEnd::Rest)
        } else {
            None
        };
        if let Some(end) = end {
            ends.push((i, end));
        }
    }
    ends
}

/// True when a rest starts where `slice` ends.
fn rest_follows(slices: &[Slice], slice: &Slice) -> bool {
    slices
        .iter()
        .any(|s| s.is_rest() && s.offset == slice.end())
}

/// The cadence ending at chord `index`, if the harmonies there make one.
fn cadence_at(chords: &[AnalysedChord], index: usize, end: PhraseEnd) -> Option<Cadence> {
    let last = &chords[index];
    let last_roman = last.roman.as_ref()?;

    // The approaching harmony: the nearest earlier chord with another root.
    let before = chords[..index]
        .iter()
        .rev()
        .find(|c| c.root != last.root)
        .and_then(|c| c.roman.as_ref().map(|r| (c, r)));

    let kind = classify(last, last_roman, before)?;
    Some(Cadence {
        kind,
        measure: last.measure,
        offset: last.offset,
        offset_fraction: last.offset_fraction.clone(),
        figures: [
            before.map_or_else(String::new, |(_, r)| r.figure.clone()),
            last_roman.figure.clone(),
        ],
        phrase_end: end,
    })
}

fn classify(
    last: &AnalysedChord,
    last_roman: &RomanNumeral,
    before: Option<(&AnalysedChord, &RomanNumeral)>,
) -> Option<CadenceKind> {
    let last_degree = plain_degree(last_roman);
    let before_degree = before.and_then(|(_, r)| plain_degree(r));
    let dominant_before = matches!(before_degree, Some(5) | Some(7));
    match last_degree? {
        1 if dominant_before => Some(authentic_kind(last, before.map(|(c, _)| c))),
        1 if before_degree == Some(4) => Some(CadenceKind::Plagal),
        6 if before_degree == Some(5) => Some(CadenceKind::Deceptive),
        5 if last.quality == "major" => Some(CadenceKind::Half),
        _ => None,
    }
}

/// Perfect when both chords are in root position and the top voice ends on the tonic's root.
fn authentic_kind(last: &AnalysedChord, before: Option<&AnalysedChord>) -> CadenceKind {
    let root_positions =
        last.inversion == Some(0) && before.is_some_and(|b| b.inversion == Some(0));
    let top_is_root = last
        .pitches
        .last()
        .and_then(|p| Pitch::parse(p))
        .is_some_and(|p| p.name() == last.root);
    if root_positions && top_is_root {
        CadenceKind::PerfectAuthentic
    } else {
        CadenceKind::ImperfectAuthentic
    }
}

/// The scale degree of a numeral on a diatonic root; `None` for chromatic roots (`#iv`,
/// `bII`) and augmented sixths, which make none of the cadences above. A flat sixth or seventh
/// counts, since music21 writes the natural-minor sixth and seventh as `bVI` and `bVII`.
fn plain_degree(roman: &RomanNumeral) -> Option<u8> {
    let figure = roman.figure.as_str();
    let flat_six_or_seven = figure.starts_with('b') && matches!(roman.scale_degree, 6 | 7);
    let numeral = if flat_six_or_seven {
        &figure[1..]
    } else {
        figure
    };
    let is_numeral = matches!(numeral.chars().next()?, 'I' | 'V' | 'i' | 'v');
    is_numeral.then_some(roman.scale_degree)
}

#[cfg(test)]
mod tests;
