//! Style features and imitation: Markov chains over melodic intervals, rhythms and harmony,
//! learned from one score or a set of pieces, and new music sampled from them.
//!
//! The melody is each piece's first part (its part line); the harmony is the chordified
//! score's Roman numerals (root and quality only, inversions dropped), one per chord change,
//! and only pieces of two or more parts teach it. Chains of any order back off to shorter
//! contexts when a context was never seen. Sampling is seeded; `complexity` (1 to 10) sets the
//! temperature, from the most common choices to nearly uniform ones.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use schemars::JsonSchema;
use serde::Serialize;

use super::build::{NoteSpec, bass_clef, build_part, build_score, regular_frames, treble_clef};
use super::scale::Scale;
use crate::music::harmony::analyse_chords;
use crate::music::histogram::weighted_pitch_class_histogram;
use crate::music::interval::spelled_from_midi;
use crate::music::key::{KeyMethod, key_from_histogram};
use crate::music::line::part_line;
use crate::music::model::{EventKind, Mode, Pitch, Ql, Score, TimeSignature};
use crate::music::roman::{Key, KeyMode};

/// How many entries each histogram in the features lists.
const TOP: usize = 8;

/// What a style's features are.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct StyleFeatures {
    /// Pieces the features were taken from.
    pub pieces: usize,
    /// Melody notes counted.
    pub melody_notes: usize,
    /// The key of all the melodies together (music21's `analyze('key')` weighting).
    pub key: Option<String>,
    /// The first piece's time signature.
    pub time_signature: Option<String>,
    /// The mean size of a melodic move, in semitones.
    pub mean_interval: f64,
    /// Share of moves by step (one or two semitones).
    pub step_share: f64,
    /// Share of leaps (more than four semitones).
    pub leap_share: f64,
    /// Share of repeated pitches.
    pub repeat_share: f64,
    /// Share of rising moves.
    pub ascending_share: f64,
    /// The widest melody range, in semitones.
    pub range_semitones: i32,
    /// Melody notes per measure.
    pub notes_per_measure: f64,
    /// The commonest melodic moves in semitones (`+2` is a major second up), with shares.
    pub intervals: Vec<Share>,
    /// The commonest note lengths in ql, with shares.
    pub durations: Vec<Share>,
    /// The commonest chords (Roman numerals without inversion), with shares.
    pub chords: Vec<Share>,
    /// The key the chord numerals are measured in: that of all the parts together (each
    /// piece's own when there are several pieces; the imitation writes in that of all of
    /// them); `None` when no piece has harmony.
    pub harmony_key: Option<String>,
}

/// One value of a histogram and its share of the whole.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Share {
    /// The value, as text.
    pub value: String,
    /// Its share, 0 to 1, rounded to 3 places.
    pub share: f64,
}

/// A Markov chain of some order over values of `T`.
#[derive(Clone, Debug, Default)]
struct Chain<T: Ord + Clone> {
    order: usize,
    /// Context (the last up-to-`order` values) to following values and their counts.
    transitions: BTreeMap<Vec<T>, BTreeMap<T, u32>>,
}

impl<T: Ord + Clone> Chain<T> {
    fn new(order: usize) -> Self {
        Chain {
            order,
            transitions: BTreeMap::new(),
        }
    }

    /// Counts every transition of one sequence, for every context length up to the order.
    fn learn(&mut self, sequence: &[T]) {
        for (index, value) in sequence.iter().enumerate() {
            for length in 0..=self.order.min(index) {
                let context = sequence[index - length..index].to_vec();
                *self
                    .transitions
                    .entry(context)
                    .or_default()
                    .entry(value.clone())
                    .or_default() += 1;
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.transitions.is_empty()
    }

    /// The counted continuations of `history` for each context length, longest first.
    fn options_after<'a>(&'a self, history: &'a [T]) -> impl Iterator<Item = &'a BTreeMap<T, u32>> {
        (0..=self.order.min(history.len()))
            .rev()
            .filter_map(|length| self.transitions.get(&history[history.len() - length..]))
    }

    /// Samples the next value after `history`, backing off to shorter contexts.
    fn sample(&self, history: &[T], temperature: f64, rng: &mut StdRng) -> Option<T> {
        for length in (0..=self.order.min(history.len())).rev() {
            let context = &history[history.len() - length..];
            if let Some(options) = self.transitions.get(context) {
                return Some(weighted_choice(options, temperature, rng));
            }
        }
        None
    }
}

/// A choice among counted options, counts sharpened or flattened by the temperature.
fn weighted_choice<T: Clone>(options: &BTreeMap<T, u32>, temperature: f64, rng: &mut StdRng) -> T {
    let weighted: Vec<(T, f64)> = options
        .iter()
        .map(|(value, &count)| (value.clone(), sharpened(count, temperature)))
        .collect();
    pick_weighted(&weighted, rng).expect("options are never empty")
}

/// A count raised to `1 / temperature`: low temperatures favour the commonest choices.
fn sharpened(count: u32, temperature: f64) -> f64 {
    f64::from(count).powf(1.0 / temperature)
}

/// A choice in proportion to the weights; `None` when they add up to nothing.
fn pick_weighted<T: Clone>(weighted: &[(T, f64)], rng: &mut StdRng) -> Option<T> {
    let total: f64 = weighted.iter().map(|(_, w)| w).sum();
    if total <= 0.0 {
        return None;
    }
    let mut target = rng.random_range(0.0..total);
    for (value, weight) in weighted {
        if target < *weight {
            return Some(value.clone());
        }
        target -= weight;
    }
    weighted.last().map(|(value, _)| value.clone())
}

/// What a style model learned.
#[derive(Clone, Debug)]
pub struct StyleModel {
    intervals: Chain<i32>,
    durations: Chain<Ql>,
    chords: Chain<String>,
    scale: Scale,
    time: TimeSignature,
    low: i32,
    high: i32,
}

/// How to imitate.
#[derive(Clone, Copy, Debug)]
pub struct ImitateRequest {
    /// Measures to write.
    pub measures: usize,
    /// 1 (the commonest choices) to 10 (nearly any choice seen).
    pub complexity: u8,
    /// The random seed.
    pub seed: u64,
}

/// The features of a set of pieces.
pub fn style_features(pieces: &[Score]) -> StyleFeatures {
    let mut moves: Vec<i32> = Vec::new();
    let mut durations: Vec<Ql> = Vec::new();
    let mut chords: Vec<String> = Vec::new();
    let mut range = 0;
    let mut measures = 0usize;
    let mut notes = 0usize;
    for piece in pieces {
        let Some(melody) = piece.parts.first() else {
            continue;
        };
        let line = part_line(melody);
        notes += line.len();
        measures += melody.measures.len();
        moves.extend(
            line.windows(2)
                .map(|w| w[1].pitch.midi() - w[0].pitch.midi()),
        );
        durations.extend(line.iter().map(|e| e.end - e.start));
        let midis = line.iter().map(|e| e.pitch.midi());
        if let (Some(low), Some(high)) = (midis.clone().min(), midis.max()) {
            range = range.max(high - low);
        }
        chords.extend(chord_sequence(piece));
    }
    let share = |predicate: &dyn Fn(i32) -> bool| {
        if moves.is_empty() {
            0.0
        } else {
            round3(moves.iter().filter(|&&m| predicate(m)).count() as f64 / moves.len() as f64)
        }
    };
    StyleFeatures {
        pieces: pieces.len(),
        melody_notes: notes,
        key: melody_key(pieces).map(|k| k.to_string()),
        time_signature: pieces.iter().find_map(first_time).map(|t| t.ratio()),
        mean_interval: if moves.is_empty() {
            0.0
        } else {
            round3(moves.iter().map(|m| f64::from(m.abs())).sum::<f64>() / moves.len() as f64)
        },
        step_share: share(&|m| (1..=2).contains(&m.abs())),
        leap_share: share(&|m| m.abs() > 4),
        repeat_share: share(&|m| m == 0),
        ascending_share: share(&|m| m > 0),
        range_semitones: range,
        notes_per_measure: if measures == 0 {
            0.0
        } else {
            round3(notes as f64 / measures as f64)
        },
        intervals: top_shares(moves.iter().map(|m| format!("{m:+}"))),
        durations: top_shares(durations.iter().map(|d| d.to_string())),
        harmony_key: if chords.is_empty() {
            None
        } else {
            harmony_key(pieces).map(|k| k.to_string())
        },
        chords: top_shares(chords.into_iter()),
    }
}

/// Learns a model of `order` from the pieces.
pub fn learn(pieces: &[Score], order: usize) -> StyleModel {
    let mut model = StyleModel {
        intervals: Chain::new(order),
        durations: Chain::new(order),
        chords: Chain::new(order),
        scale: harmony_key(pieces)
            .map(|k| {
                Scale::new(
                    k.tonic,
                    if k.mode == KeyMode::Major {
                        Mode::Major
                    } else {
                        Mode::Minor
                    },
                )
            })
            .unwrap_or(Scale::new(
                Pitch::new(crate::music::model::Step::C, 0, 4),
                Mode::Major,
            )),
        time: pieces
            .iter()
            .find_map(first_time)
            .unwrap_or(TimeSignature::simple(4, 4)),
        low: i32::MAX,
        high: i32::MIN,
    };
    for piece in pieces {
        let Some(melody) = piece.parts.first() else {
            continue;
        };
        let line = part_line(melody);
        let moves: Vec<i32> = line
            .windows(2)
            .map(|w| w[1].pitch.midi() - w[0].pitch.midi())
            .collect();
        model.intervals.learn(&moves);
        let lengths: Vec<Ql> = line.iter().map(|e| e.end - e.start).collect();
        model.durations.learn(&lengths);
        for event in &line {
            model.low = model.low.min(event.pitch.midi());
            model.high = model.high.max(event.pitch.midi());
        }
        model.chords.learn(&chord_sequence(piece));
    }
    if model.low > model.high {
        (model.low, model.high) = (60, 72);
    }
    model
}

/// Writes `request.measures` measures in the model's style: a melody, and a chord part when
/// the model learned harmony.
pub fn imitate(model: &StyleModel, request: &ImitateRequest, title: &str) -> Score {
    let mut rng = StdRng::seed_from_u64(request.seed);
    let temperature = 0.4 + f64::from(request.complexity.clamp(1, 10)) * 0.12;
    let bar = model.time.bar_duration();
    let measures = request.measures.max(1);

    let tonic = nearest_pitch_class(
        model.scale.tonic.pitch_class(),
        (model.low + model.high) / 2,
    );
    let mut pitch = tonic;
    let mut moves: Vec<i32> = Vec::new();
    let mut lengths: Vec<Ql> = Vec::new();
    let mut melody: Vec<Vec<NoteSpec>> = Vec::with_capacity(measures);
    for measure in 0..measures {
        let mut notes = Vec::new();
        if measure + 1 == measures {
            notes.push(NoteSpec::note(
                spell(
                    &model.scale,
                    nearest_pitch_class(model.scale.tonic.pitch_class(), pitch),
                ),
                bar,
            ));
            melody.push(notes);
            break;
        }
        let mut filled = Ql::ZERO;
        while filled < bar {
            let left = bar - filled;
            let length = model
                .durations
                .sample(&lengths, temperature, &mut rng)
                .filter(|&d| d <= left && d.is_positive())
                .or_else(|| longest_seen_within(model, left))
                .unwrap_or(left);
            lengths.push(length);
            let step = model
                .intervals
                .sample(&moves, temperature, &mut rng)
                .unwrap_or(0);
            let mut next = pitch + step;
            if next < model.low || next > model.high {
                next = pitch - step;
            }
            // Chromatic notes only at high complexity, and never on a downbeat under a chord.
            let downbeat_under_chord = filled.is_zero() && !model.chords.is_empty();
            if (request.complexity <= 6 || downbeat_under_chord)
                && model
                    .scale
                    .degree_of_pitch_class(next.rem_euclid(12) as u8)
                    .is_none()
            {
                next += if next < pitch { -1 } else { 1 };
            }
            moves.push(next - pitch);
            pitch = next;
            notes.push(NoteSpec::note(spell(&model.scale, pitch), length));
            filled += length;
        }
        melody.push(notes);
    }
    let chords = sample_chords(model, &melody, temperature, &mut rng);

    let key = model.scale.key_signature();
    let key = crate::music::model::KeySignature {
        fifths: key.fifths,
        mode: None,
    };
    let frames = regular_frames(measures, &model.time, &key);
    let mut parts = vec![build_part(
        "P-melody",
        "Melody",
        treble_clef(),
        &frames,
        melody,
    )];
    if !chords.is_empty() {
        let contents = chords
            .iter()
            .map(|pitches| vec![NoteSpec::note(pitches[0], bar)])
            .collect::<Vec<_>>();
        let mut part = build_part("P-chords", "Chords", bass_clef(), &frames, contents);
        for (measure, pitches) in part.measures.iter_mut().zip(&chords) {
            if let Some(event) = measure.voices[0].events.first_mut() {
                event.kind = EventKind::Chord(
                    pitches
                        .iter()
                        .map(|&pitch| crate::music::model::ChordTone {
                            pitch,
                            tie: None,
                            unpitched: false,
                        })
                        .collect(),
                );
            }
        }
        parts.push(part);
    }
    build_score(title, parts)
}

/// One chord per measure from the harmony chain, chosen to fit the melody: the chord holds the
/// measure's first melody note, and chords holding more of the measure's melody are likelier.
/// Chords are close triads with the root in octave 3; the last measure is the tonic chord.
fn sample_chords(
    model: &StyleModel,
    melody: &[Vec<NoteSpec>],
    temperature: f64,
    rng: &mut StdRng,
) -> Vec<Vec<Pitch>> {
    if model.chords.is_empty() {
        return Vec::new();
    }
    let mut history: Vec<String> = Vec::new();
    let mut chords = Vec::with_capacity(melody.len());
    for (measure, notes) in melody.iter().enumerate() {
        let numeral = if measure + 1 == melody.len() {
            if model.scale.is_minor_like() {
                "i"
            } else {
                "I"
            }
            .to_string()
        } else {
            fitting_numeral(model, &history, notes, temperature, rng)
        };
        chords.push(realise_numeral(&model.scale, &numeral));
        history.push(numeral);
    }
    chords
}

/// The next numeral after `history` whose triad holds the first note of `notes`: sampled from
/// the longest context that has one, weighted by how much of the measure the triad holds;
/// failing that, the diatonic triad that holds the most of it.
fn fitting_numeral(
    model: &StyleModel,
    history: &[String],
    notes: &[NoteSpec],
    temperature: f64,
    rng: &mut StdRng,
) -> String {
    let fit = |numeral: &str| chord_fit(&realise_numeral(&model.scale, numeral), notes);
    for options in model.chords.options_after(history) {
        let fitting: Vec<(String, f64)> = options
            .iter()
            .filter_map(|(numeral, &count)| {
                Some((
                    numeral.clone(),
                    sharpened(count, temperature) * fit(numeral)?,
                ))
            })
            .collect();
        if let Some(numeral) = pick_weighted(&fitting, rng) {
            return numeral;
        }
    }
    let diatonic = if model.scale.is_minor_like() {
        ["i", "iio", "III", "iv", "V", "VI", "viio"]
    } else {
        ["I", "ii", "iii", "IV", "V", "vi", "viio"]
    };
    diatonic
        .iter()
        .filter_map(|numeral| fit(numeral).map(|share| (share, *numeral)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or_else(
            || diatonic[0].to_string(),
            |(_, numeral)| numeral.to_string(),
        )
}

/// How well a triad fits a measure of melody: `None` when it lacks the first note, else the
/// share of the measure's sounding time on chord tones (at least a small positive share).
fn chord_fit(chord: &[Pitch], notes: &[NoteSpec]) -> Option<f64> {
    let holds = |pitch: &Pitch| chord.iter().any(|c| c.pitch_class() == pitch.pitch_class());
    let first = notes.iter().find_map(|n| n.pitch)?;
    if !holds(&first) {
        return None;
    }
    let total: Ql = notes.iter().map(|n| n.duration).sum();
    let held: Ql = notes
        .iter()
        .filter(|n| n.pitch.as_ref().is_some_and(holds))
        .map(|n| n.duration)
        .sum();
    let share = (held / total).to_f64();
    Some(share.max(0.05))
}

/// The triad of a Roman numeral (`V`, `ii`, `viio`, `bVII`, `III+`) in the scale, root in
/// octave 3. A numeral without an accidental is the scale's own triad on its degree, whatever
/// its case (a major-key `I` is `i` in a minor model), but for the dominant and leading-tone
/// triads in a minor key, which take the raised leading tone; an altered numeral (`bVI`, `#iv`)
/// keeps the quality its case and signs give.
fn realise_numeral(scale: &Scale, numeral: &str) -> Vec<Pitch> {
    let flat = numeral.starts_with('b');
    let sharp = numeral.starts_with('#');
    let letters: String = numeral
        .trim_start_matches(['b', '#'])
        .chars()
        .take_while(|c| "IViv".contains(*c))
        .collect();
    let degree = ["I", "II", "III", "IV", "V", "VI", "VII"]
        .iter()
        .position(|r| r.eq_ignore_ascii_case(&letters))
        .unwrap_or(0) as i32;
    let major = letters
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase());
    let diminished = numeral.contains('o') || numeral.contains('ø');
    let augmented = numeral.contains('+');
    let base = degree - 7;
    if !flat && !sharp {
        let raise = |pitch: Pitch| Pitch::new(pitch.step, pitch.alter + 1, pitch.octave);
        let mut triad = [base, base + 2, base + 4].map(|d| scale.degree_pitch(d));
        let leading_tone = scale.is_minor_like() && scale.semitones()[6] == 10;
        if leading_tone && degree == 4 && major {
            triad[1] = raise(triad[1]);
        } else if leading_tone && degree == 6 && diminished {
            triad[0] = raise(triad[0]);
        }
        return triad.to_vec();
    }
    let mut root = scale.degree_pitch(base);
    let shift = i8::from(sharp) - i8::from(flat);
    root = Pitch::new(root.step, root.alter + shift, root.octave);
    let third = if major {
        root.transposed(2, 4)
    } else {
        root.transposed(2, 3)
    };
    let fifth = match (diminished, augmented) {
        (true, _) => root.transposed(4, 6),
        (_, true) => root.transposed(4, 8),
        _ => root.transposed(4, 7),
    };
    vec![root, third, fifth]
}

/// The chord sequence of a piece: numerals without inversion figures, repeats merged.
fn chord_sequence(piece: &Score) -> Vec<String> {
    if piece.parts.len() < 2 {
        return Vec::new();
    }
    let analysis = analyse_chords(piece);
    let mut sequence: Vec<String> = Vec::new();
    for chord in &analysis.chords {
        let Some(roman) = &chord.roman else {
            continue;
        };
        let numeral: String = roman
            .figure
            .chars()
            .take_while(|c| matches!(c, 'b' | '#' | 'I' | 'V' | 'i' | 'v' | 'o' | 'ø' | '+'))
            .collect();
        if numeral.is_empty() || sequence.last() == Some(&numeral) {
            continue;
        }
        sequence.push(numeral);
    }
    sequence
}

/// The key of all the melodies together.
fn melody_key(pieces: &[Score]) -> Option<Key> {
    key_of_parts(pieces.iter().filter_map(|p| p.parts.first()))
}

/// The key of every part of every piece together: the key the chord numerals are measured
/// in (each piece's own, which is this one for a single piece), so the model writes in it.
fn harmony_key(pieces: &[Score]) -> Option<Key> {
    key_of_parts(pieces.iter().flat_map(|p| &p.parts))
}

fn key_of_parts<'a>(parts: impl Iterator<Item = &'a crate::music::model::Part>) -> Option<Key> {
    let together = Score {
        metadata: Default::default(),
        parts: parts.cloned().collect(),
        spelling_inferred: false,
    };
    key_from_histogram(
        &weighted_pitch_class_histogram(&together),
        KeyMethod::AardenEssen,
    )
    .ok()
    .and_then(|k| Key::parse(&k.name))
}

fn first_time(piece: &Score) -> Option<TimeSignature> {
    piece
        .parts
        .first()?
        .measures
        .iter()
        .find_map(|m| m.time_signatures.first().map(|t| t.value.clone()))
}

fn longest_seen_within(model: &StyleModel, left: Ql) -> Option<Ql> {
    model
        .durations
        .transitions
        .get(&Vec::new())?
        .keys()
        .filter(|&&d| d <= left && d.is_positive())
        .max()
        .copied()
}

fn nearest_pitch_class(pitch_class: u8, near: i32) -> i32 {
    let below = near - (near - i32::from(pitch_class)).rem_euclid(12);
    if near - below <= 6 { below } else { below + 12 }
}

/// A MIDI number spelled on the scale when it belongs to it.
fn spell(scale: &Scale, midi: i32) -> Pitch {
    let pitch_class = midi.rem_euclid(12) as u8;
    match scale.degree_of_pitch_class(pitch_class) {
        Some(degree) => {
            let pitch = scale.degree_pitch(degree);
            let octave_shift = (midi - pitch.midi()).div_euclid(12);
            Pitch::new(pitch.step, pitch.alter, pitch.octave + octave_shift)
        }
        None => spelled_from_midi(midi),
    }
}

fn top_shares(values: impl Iterator<Item = String>) -> Vec<Share> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0;
    for value in values {
        *counts.entry(value).or_default() += 1;
        total += 1;
    }
    let mut sorted: Vec<(String, usize)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    sorted
        .into_iter()
        .take(TOP)
        .map(|(value, count)| Share {
            value,
            share: round3(count as f64 / total as f64),
        })
        .collect()
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::generate::build::unfilled_measures;
    use crate::music::read::{ReadLimits, read_bytes};

    fn builtin(name: &str) -> Score {
        let entry = crate::corpus::resolve_in(name, &[]).unwrap();
        read_bytes(&entry.bytes, Some(&entry.file_name), &ReadLimits::default()).unwrap()
    }

    #[test]
    fn a_chain_backs_off_to_shorter_contexts_and_learns_counts() {
        let mut chain = Chain::new(2);
        chain.learn(&[1, 2, 3, 1, 2, 3]);
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(chain.sample(&[1, 2], 1.0, &mut rng), Some(3));
        assert_eq!(chain.sample(&[9, 2], 1.0, &mut rng), Some(3));
        assert!(chain.sample(&[9, 9], 1.0, &mut rng).is_some());
    }

    #[test]
    fn imitation_of_a_chorale_fills_its_measures_and_keeps_the_key_and_meter() {
        let hymn = builtin("old-hundredth");
        let model = learn(std::slice::from_ref(&hymn), 2);
        let request = ImitateRequest {
            measures: 8,
            complexity: 4,
            seed: 9,
        };
        let made = imitate(&model, &request, "test");
        assert_eq!(made.parts.len(), 2, "chords learned from four parts");
        // The imitation writes in the key its numerals were measured in.
        let learned = style_features(std::slice::from_ref(&hymn));
        assert_eq!(learned.harmony_key, Some(model.scale.to_string()));
        assert!(unfilled_measures(&made).is_empty());
        let before = style_features(std::slice::from_ref(&hymn));
        let after = style_features(std::slice::from_ref(&made));
        assert_eq!(before.time_signature, after.time_signature);
        assert_eq!(after.pieces, 1);
        assert!(after.melody_notes >= 8);
        assert_eq!(made, imitate(&model, &request, "test"));
    }

    #[test]
    fn every_imitated_chord_holds_the_first_melody_note_of_its_measure_and_keeps_the_mode() {
        for name in ["old-hundredth", "minuet-in-d-minor"] {
            let piece = builtin(name);
            let model = learn(std::slice::from_ref(&piece), 2);
            assert!(!model.chords.is_empty(), "{name} teaches harmony");
            let minor = name.contains("minor");
            assert_eq!(
                model.scale.is_minor_like(),
                minor,
                "{name}: {}",
                model.scale
            );
            let tonic = model.scale.tonic.pitch_class();
            for complexity in [1, 5, 10] {
                for seed in 0..20 {
                    let request = ImitateRequest {
                        measures: 10,
                        complexity,
                        seed,
                    };
                    let made = imitate(&model, &request, "t");
                    let (melody, chords) = (&made.parts[0], &made.parts[1]);
                    for (number, (tune, chord)) in
                        melody.measures.iter().zip(&chords.measures).enumerate()
                    {
                        let first = tune.voices[0]
                            .events
                            .iter()
                            .find_map(|e| match &e.kind {
                                EventKind::Note(p) => Some(*p),
                                _ => None,
                            })
                            .unwrap();
                        let EventKind::Chord(tones) = &chord.voices[0].events[0].kind else {
                            panic!("{name}: measure {number} has no chord");
                        };
                        let classes: Vec<u8> =
                            tones.iter().map(|t| t.pitch.pitch_class()).collect();
                        let at =
                            format!("{name} complexity {complexity} seed {seed} measure {number}");
                        assert!(
                            classes.contains(&first.pitch_class()),
                            "{at}: {first:?} not in {tones:?}"
                        );
                        // A triad on the tonic is the mode's own: no major tonic under a minor tune.
                        if classes[0] == tonic {
                            let third = (i32::from(classes[1]) - i32::from(tonic)).rem_euclid(12);
                            assert_eq!(third, if minor { 3 } else { 4 }, "{at}: {tones:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_features_of_a_melody_count_its_moves() {
        let features = style_features(&[builtin("twinkle")]);
        assert_eq!(features.key.as_deref(), Some("C major"));
        assert!(features.repeat_share > 0.2, "{features:?}");
        assert!(features.step_share > 0.3);
        assert!(features.chords.is_empty(), "one part has no harmony");
        assert_eq!(features.harmony_key, None);
    }
}
