//! Harmonising a melody in two to four parts, in the style of a chorale, a classical piece,
//! jazz, pop or a modal setting.
//!
//! The melody's key comes from key finding (the candidate that fits the key signature) or, for
//! the modal style, from the key signature and the melody's final. The melody is cut into
//! harmonic slots (a beat, or half a measure in jazz and pop); at each slot the vocabulary's
//! chords holding the melody note are voiced in every acceptable way ([`voicing`]), and a beam
//! search over the slots picks the cheapest path: functional order (tonic, predominant,
//! dominant), cadences at fermatas and at the end, and the voice-leading rules of
//! [`voicing::transition_cost`], where parallel fifths and octaves, overlaps, ranges and spacing
//! are hard rules.

pub mod vocabulary;
pub mod voicing;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::build::{
    NoteSpec, bass_clef, build_part, build_score, frames_of, tenor_clef, treble_clef,
};
use super::scale::Scale;
use crate::music::chord::Chord;
use crate::music::histogram::weighted_pitch_class_histogram;
use crate::music::key::{KeyMethod, rank_keys};
use crate::music::line::{LineEvent, part_line};
use crate::music::model::{Mode, Part, Pitch, Ql, Score, TimeSignature};
use crate::music::roman::{Key, KeyMode, roman_numeral_from_chord};
use vocabulary::{ChordTemplate, Function, vocabulary};
use voicing::{FORBIDDEN, SlotMelody, Voicing, bare_root_voicings, transition_cost, voicings};

/// The styles of harmonisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HarmonyStyle {
    /// Bach-like four-part chorale: a chord per beat, applied dominants, strict voice leading.
    Chorale,
    /// Classical: diatonic triads and the dominant seventh, chords held across weak beats.
    Classical,
    /// Jazz: seventh chords on every degree, root in the bass, guide tones (thirds and
    /// sevenths) in the upper voices, two chords per measure.
    Jazz,
    /// Pop: I, ii, IV, V, vi in root position, two chords per measure.
    Pop,
    /// Modal: the triads of the melody's own mode on its own final, no leading tone.
    Modal,
}

/// How to harmonise.
#[derive(Clone, Copy, Debug)]
pub struct HarmonizeRequest {
    /// The style.
    pub style: HarmonyStyle,
    /// The number of voices, melody included: 2 to 4.
    pub voices: usize,
    /// The random seed (small variations between equally good chords).
    pub seed: u64,
}

/// One chosen chord.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ChosenChord {
    /// The measure number.
    pub measure: i32,
    /// Offset in the measure, in ql.
    pub beat_offset: f64,
    /// Roman numeral with inversion figure, against the key's (or mode's) tonic.
    pub roman: String,
    /// Lead-sheet symbol.
    pub symbol: String,
    /// `tonic`, `predominant` or `dominant`.
    pub function: String,
    /// The chord's own tones, once each, from the bass up (whatever the voice count).
    pub chord_pitches: Vec<String>,
    /// The pitches sounding at the chord's start, bass first, the melody note included.
    pub pitches: Vec<String>,
    /// The melody note at the chord's start.
    pub melody: String,
    /// The cadence ending a phrase here, if any: `authentic`, `half`, `plagal`, `deceptive`.
    pub cadence: Option<String>,
}

/// A harmonised melody.
#[derive(Clone, Debug)]
pub struct Harmonization {
    /// The melody with its new lower voices, top part first.
    pub score: Score,
    /// The key or mode the chords are in, such as `G major` or `D dorian`.
    pub key: String,
    /// The chords in time order (rests in the melody have none).
    pub chords: Vec<ChosenChord>,
    /// The search's total cost; `FORBIDDEN` or more means a hard rule had to be broken.
    pub cost: f64,
}

/// Why a melody cannot be harmonised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HarmonizeError {
    /// The first part has no notes.
    #[error("the melody part has no notes to harmonise; import a melody with notes")]
    NoMelody,
    /// The voice count is out of range.
    #[error("voice_parts is {0}; use 2, 3 or 4 (melody included)")]
    Voices(usize),
    /// The melody is too long for one call.
    #[error(
        "the melody has {0} harmonic slots; harmonise at most {MAX_SLOTS} (about 250 measures of 4/4) at once"
    )]
    TooLong(usize),
}

/// The most slots harmonised in one call.
pub const MAX_SLOTS: usize = 1000;

/// States kept per slot by the beam search.
const BEAM: usize = 64;

/// One slot of the melody: a stretch with one chord.
#[derive(Clone, Debug)]
struct Slot {
    measure_index: usize,
    start: Ql,
    end: Ql,
    /// `None` when the melody rests at the slot's start: the lower voices rest too.
    melody: Option<SlotMelody>,
    /// Melody notes in the slot: pitch class, length, struck at the slot's start.
    notes: Vec<(u8, f64, bool)>,
    cadence: bool,
    first: bool,
    last: bool,
    /// The slot lies in the melody's final note: the tonic in root position.
    ending: bool,
    /// The last slot before the final note: a root-position V when the style and melody allow.
    penultimate: bool,
    strong: bool,
}

/// Harmonises the first part of `score`.
pub fn harmonize(
    score: &Score,
    request: &HarmonizeRequest,
) -> Result<Harmonization, HarmonizeError> {
    if !(2..=4).contains(&request.voices) {
        return Err(HarmonizeError::Voices(request.voices));
    }
    let melody = score.parts.first().ok_or(HarmonizeError::NoMelody)?;
    let line = part_line(melody);
    if line.is_empty() {
        return Err(HarmonizeError::NoMelody);
    }
    let scale = melody_scale(melody, &line, request.style);
    let slots = slots(melody, &line, request.style);
    if slots.len() > MAX_SLOTS {
        return Err(HarmonizeError::TooLong(slots.len()));
    }
    let chords = vocabulary(&scale, request.style);
    let tonal = request.style != HarmonyStyle::Modal;
    let leading_tone = if tonal {
        (scale.tonic.pitch_class() + 11) % 12
    } else {
        255
    };
    let context = Context {
        style: request.style,
        voices: request.voices,
        chords: &chords,
        leading_tone,
        tonic: scale.tonic.pitch_class(),
    };
    let (path, cost) = context.search(&slots, request.seed);
    let score = write_score(melody, &slots, &path, request.voices, &score.metadata);
    let chosen = describe(&slots, &path, &chords, &scale, melody);
    Ok(Harmonization {
        score,
        key: scale.to_string(),
        chords: chosen,
        cost,
    })
}

/// The key of a tonal melody (the best key-finding candidate that agrees with the key
/// signature), or the mode of a modal one (the key signature with the melody's final).
fn melody_scale(melody: &Part, line: &[LineEvent], style: HarmonyStyle) -> Scale {
    let signature = melody
        .measures
        .iter()
        .find_map(|m| m.key_signatures.first())
        .map(|k| k.value.clone());
    let fifths = signature.as_ref().map_or(0, |k| k.fifths);
    let last =
        line.last()
            .map(|e| e.pitch)
            .unwrap_or(Pitch::new(crate::music::model::Step::C, 0, 4));
    if style == HarmonyStyle::Modal {
        if let Some(signature) = &signature
            && let (Some(mode), Some(tonic)) = (signature.mode, signature.tonic())
            && let Some(tonic) = Pitch::parse(&tonic)
            && !matches!(mode, Mode::Major | Mode::Minor)
        {
            return Scale::new(tonic, mode);
        }
        return Scale::from_signature_and_final(fifths, &last);
    }
    let alone = Score {
        metadata: Default::default(),
        parts: vec![melody.clone()],
        spelling_inferred: false,
    };
    let ranked = rank_keys(
        &weighted_pitch_class_histogram(&alone),
        KeyMethod::AardenEssen,
    );
    let fits = |name: &str| {
        let Some(key) = Key::parse(name) else {
            return false;
        };
        let mode = if key.mode == KeyMode::Major {
            Mode::Major
        } else {
            Mode::Minor
        };
        signature.is_none() || Scale::new(key.tonic, mode).key_signature().fifths == fifths
    };
    // Relative keys share a signature; a melody ends on its tonic far more often than not.
    let fitting: Vec<_> = ranked.iter().take(6).filter(|c| fits(&c.name)).collect();
    let chosen = fitting
        .iter()
        .find(|c| c.tonic_pitch_class == last.pitch_class())
        .or(fitting.first())
        .copied()
        .or(ranked.first())
        .and_then(|c| Key::parse(&c.name));
    match chosen {
        Some(key) => Scale::new(
            key.tonic,
            if key.mode == KeyMode::Major {
                Mode::Major
            } else {
                Mode::Minor
            },
        ),
        None => Scale::from_signature_and_final(fifths, &last),
    }
}

/// The length of one beat of a time signature.
fn beat_length(time: &TimeSignature) -> Ql {
    let group = time.groups.first();
    let beats: u32 = group.map_or(4, |g| g.beats.iter().sum());
    let beat_type = group.map_or(4, |g| g.beat_type);
    let unit = Ql::new(4, i64::from(beat_type.max(1)));
    if beat_type == 8 && beats.is_multiple_of(3) && beats > 3 {
        unit * Ql::from_int(3)
    } else {
        unit
    }
}

/// Cuts the melody into harmonic slots, measure by measure.
fn slots(melody: &Part, line: &[LineEvent], style: HarmonyStyle) -> Vec<Slot> {
    let fermatas: Vec<Ql> = melody
        .events()
        .filter(|placed| placed.event.fermata && !placed.event.is_rest())
        .map(|placed| placed.offset)
        .collect();
    let mut time = TimeSignature::simple(4, 4);
    let mut slots = Vec::new();
    for (index, measure) in melody.measures.iter().enumerate() {
        if let Some(t) = measure.time_signatures.first() {
            time = t.value.clone();
        }
        let beat = beat_length(&time);
        let per_bar = time.bar_duration();
        let length = match style {
            HarmonyStyle::Jazz | HarmonyStyle::Pop => {
                let beats = (per_bar / beat).numer();
                if beats % 2 == 0 {
                    beat * Ql::from_int(2)
                } else {
                    per_bar
                }
            }
            _ => beat,
        };
        // A pickup's beats line up with the end of the measure, as the meter counts them.
        let mut start = measure.offset;
        let shortfall = per_bar - measure.duration;
        if index == 0 && shortfall.is_positive() {
            let into =
                Ql::from_int((shortfall / length).numer() / (shortfall / length).denom().max(1));
            let phase = shortfall - length * into;
            if phase.is_positive() && phase < length {
                start = measure.offset + (length - phase).min(measure.duration);
                slots.push(slot(index, measure.offset, start, line, &fermatas));
            }
        }
        while start < measure.end() {
            let end = (start + length).min(measure.end());
            let mut new = slot(index, start, end, line, &fermatas);
            new.strong = start == measure.offset;
            slots.push(new);
            start = end;
        }
    }
    if let Some(first) = slots.iter_mut().find(|s| s.melody.is_some()) {
        first.first = true;
    }
    if let Some(last) = slots.iter_mut().rev().find(|s| s.melody.is_some()) {
        last.last = true;
        last.cadence = true;
    }
    if let Some(final_note) = line.last() {
        // A final note struck inside a slot (an eighth after the beat) ends in that slot too:
        // every slot that sounds any of it takes the tonic.
        for slot in slots.iter_mut() {
            slot.ending = slot.melody.is_some() && slot.end > final_note.start;
        }
        if let Some(before) = slots
            .iter_mut()
            .rev()
            .find(|s| s.melody.is_some() && s.end <= final_note.start)
        {
            before.penultimate = true;
        }
    }
    if fermatas.is_empty() {
        mark_phrase_ends(&mut slots, melody);
    }
    slots
}

fn slot(measure_index: usize, start: Ql, end: Ql, line: &[LineEvent], fermatas: &[Ql]) -> Slot {
    let inside: Vec<&LineEvent> = line
        .iter()
        .filter(|e| e.start < end && e.end > start)
        .collect();
    let at_start = inside.first().filter(|e| e.start <= start);
    let melody = at_start.map(|first| SlotMelody {
        first: first.pitch,
        last: inside.last().map_or(first.pitch, |e| e.pitch),
        lowest: inside
            .iter()
            .map(|e| e.pitch.midi())
            .min()
            .unwrap_or(first.pitch.midi()),
    });
    let notes = inside
        .iter()
        .map(|e| {
            let length = (e.end.min(end) - e.start.max(start)).to_f64();
            (e.pitch.pitch_class(), length, e.start <= start)
        })
        .collect();
    Slot {
        measure_index,
        start,
        end,
        melody,
        notes,
        cadence: fermatas.iter().any(|&f| f >= start && f < end),
        first: false,
        last: false,
        ending: false,
        penultimate: false,
        strong: false,
    }
}

/// Without fermatas: a phrase ends on a long note every second or fourth measure.
fn mark_phrase_ends(slots: &mut [Slot], melody: &Part) {
    let full = |index: usize| melody.measures[index].duration;
    let widest = melody
        .measures
        .iter()
        .map(|m| m.duration)
        .max()
        .unwrap_or(Ql::ONE);
    let first_full = (0..melody.measures.len())
        .find(|&i| full(i) == widest)
        .unwrap_or(0);
    for slot in slots.iter_mut() {
        let counted = slot.measure_index as i64 - first_full as i64 + 1;
        let long = slot
            .notes
            .first()
            .is_some_and(|&(_, length, struck)| struck && length >= 1.0);
        let at_end_of_measure = slot.end == melody.measures[slot.measure_index].end();
        if counted > 0 && counted % 4 == 0 && long && at_end_of_measure && slot.melody.is_some() {
            slot.cadence = true;
        }
    }
}

/// What the search needs besides the slots.
struct Context<'a> {
    style: HarmonyStyle,
    voices: usize,
    chords: &'a [ChordTemplate],
    leading_tone: u8,
    tonic: u8,
}

/// One state of the search: a chord and its voicing at a slot (or a rest).
#[derive(Clone, Debug)]
struct State {
    chord: Option<usize>,
    voicing: Option<Voicing>,
    cost: f64,
    back: usize,
}

/// The chosen chord and voicing of each slot (none where the melody rests).
type Path = Vec<Option<(usize, Voicing)>>;

impl Context<'_> {
    /// The beam search over every slot; returns the cheapest path and its cost.
    fn search(&self, slots: &[Slot], seed: u64) -> (Path, f64) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut layers: Vec<Vec<State>> = Vec::with_capacity(slots.len());
        for (index, slot) in slots.iter().enumerate() {
            let candidates = self.candidates(slot, slots.get(index + 1), &mut rng);
            let previous = layers.last();
            let mut layer: Vec<State> = candidates
                .into_iter()
                .map(|(chord, voicing, unary)| {
                    let (cost, back) = match previous {
                        None => (0.0, 0),
                        Some(states) => {
                            self.best_predecessor(states, slots, index, chord, voicing.as_ref())
                        }
                    };
                    State {
                        chord,
                        voicing,
                        cost: cost + unary,
                        back,
                    }
                })
                .collect();
            layer.sort_by(|a, b| a.cost.total_cmp(&b.cost));
            layer.truncate(BEAM);
            layers.push(layer);
        }

        // Walk back from the cheapest final state.
        let mut path: Path = vec![None; slots.len()];
        let mut at = 0;
        let total = layers
            .last()
            .and_then(|l| l.first())
            .map_or(0.0, |s| s.cost);
        for index in (0..layers.len()).rev() {
            let state = &layers[index][at];
            path[index] = state.chord.zip(state.voicing.clone());
            at = state.back;
        }
        (path, total)
    }

    /// The cheapest way into `(chord, voicing)` at slot `index` from the previous layer.
    fn best_predecessor(
        &self,
        states: &[State],
        slots: &[Slot],
        index: usize,
        chord: Option<usize>,
        voicing: Option<&Voicing>,
    ) -> (f64, usize) {
        let mut best = (f64::INFINITY, 0);
        for (at, state) in states.iter().enumerate() {
            let step = match (state.chord, &state.voicing, chord, voicing) {
                (Some(a), Some(va), Some(b), Some(vb)) => {
                    let before = slots[index - 1]
                        .melody
                        .as_ref()
                        .expect("a chord has a melody");
                    let after = slots[index].melody.as_ref().expect("a chord has a melody");
                    transition_cost(
                        (&self.chords[a], va, before),
                        (&self.chords[b], vb, after),
                        self.style,
                        self.leading_tone,
                        self.tonic,
                    ) + self.harmonic_cost(a, b, &slots[index], &slots[index - 1])
                }
                _ => 0.0,
            };
            let total = state.cost + step;
            if total < best.0 {
                best = (total, at);
            }
        }
        best
    }

    /// The chords and voicings worth trying at a slot, with their own costs. The final note
    /// takes the tonic in root position; the slot before it, in the chorale, classical and
    /// pop styles, is steered to a root-position V (or V7) when one holds the melody note. Only
    /// when no voicing of the tonic exists are the other chords tried at the end.
    fn candidates(
        &self,
        slot: &Slot,
        next: Option<&Slot>,
        rng: &mut StdRng,
    ) -> Vec<(Option<usize>, Option<Voicing>, f64)> {
        let Some(melody) = &slot.melody else {
            return vec![(None, None, 0.0)];
        };
        let first = melody.first.pitch_class();
        let is_tonic = |chord: &ChordTemplate| chord.degree == 0 && chord.leads_to.is_none();
        let is_dominant = |chord: &ChordTemplate| {
            chord.degree == 4 && chord.leads_to.is_none() && chord.role_of(first).is_some()
        };
        let cadential = matches!(
            self.style,
            HarmonyStyle::Chorale | HarmonyStyle::Classical | HarmonyStyle::Pop
        );
        let required: Option<&dyn Fn(&ChordTemplate) -> bool> =
            if slot.ending { Some(&is_tonic) } else { None };
        if let Some(required) = required {
            let mut found = Vec::new();
            for (index, chord) in self.chords.iter().enumerate() {
                if !required(chord) {
                    continue;
                }
                let unary = self.chord_cost(chord, slot, next) + rng.random_range(0.0..0.4);
                for voicing in voicings(chord, melody, self.voices, self.style, self.leading_tone) {
                    if chord.role_of(voicing.bass().pitch_class()) != Some(0) {
                        continue;
                    }
                    let cost = unary + voicing.cost;
                    found.push((Some(index), Some(voicing), cost));
                }
            }
            if found.is_empty() && slot.ending {
                for (index, chord) in self.chords.iter().enumerate() {
                    if required(chord) {
                        let unary = self.chord_cost(chord, slot, next);
                        found.extend(
                            bare_root_voicings(chord, melody, self.voices)
                                .into_iter()
                                .map(|v| (Some(index), Some(v.clone()), unary + v.cost)),
                        );
                    }
                }
            }
            if !found.is_empty() {
                return found;
            }
        }
        let mut found = self.any_candidates(slot, melody, next, rng);
        // Before the final note, a root-position V costs far less than anything else (a cost,
        // not a rule, so that voice leading can still avoid parallels into the final tonic).
        if slot.penultimate && cadential && self.chords.iter().any(is_dominant) {
            for (chord, voicing, cost) in &mut found {
                let chord = chord.map(|c| &self.chords[c]);
                let root_v = chord.zip(voicing.as_ref()).is_some_and(|(c, v)| {
                    is_dominant(c) && c.role_of(v.bass().pitch_class()) == Some(0)
                });
                if !root_v {
                    *cost += 8.0;
                }
            }
        }
        found
    }

    /// Every chord holding the melody note (or any chord when none does), in every voicing.
    fn any_candidates(
        &self,
        slot: &Slot,
        melody: &SlotMelody,
        next: Option<&Slot>,
        rng: &mut StdRng,
    ) -> Vec<(Option<usize>, Option<Voicing>, f64)> {
        let first = melody.first.pitch_class();
        let fits =
            |chord: &ChordTemplate| chord.role_of(first).is_some() || self.is_tension(chord, first);
        let any_fits = self.chords.iter().any(fits);
        let mut found = Vec::new();
        for (index, chord) in self.chords.iter().enumerate() {
            if any_fits && !fits(chord) {
                continue;
            }
            let unary = self.chord_cost(chord, slot, next) + rng.random_range(0.0..0.4);
            for voicing in voicings(chord, melody, self.voices, self.style, self.leading_tone) {
                let cost = unary + voicing.cost + self.cadence_voicing_cost(chord, &voicing, slot);
                found.push((Some(index), Some(voicing), cost));
            }
        }
        if found.is_empty() {
            // No voicing fits (a melody below the voices' ranges): the lower voices rest.
            found.push((None, None, FORBIDDEN));
        }
        found
    }

    /// True when `pitch_class` is a ninth or thirteenth a jazz chord can carry in the melody.
    fn is_tension(&self, chord: &ChordTemplate, pitch_class: u8) -> bool {
        if self.style != HarmonyStyle::Jazz {
            return false;
        }
        let root = chord.tones[0].pitch_class();
        let above = (i32::from(pitch_class) - i32::from(root)).rem_euclid(12);
        matches!(above, 2 | 9) && chord.role_of((pitch_class + 11) % 12).is_none()
    }

    /// The cost of a chord at a slot: its rarity, how well it fits the melody, cadences.
    fn chord_cost(&self, chord: &ChordTemplate, slot: &Slot, next: Option<&Slot>) -> f64 {
        let mut cost = chord.cost;
        for &(pitch_class, length, struck) in &slot.notes {
            if chord.role_of(pitch_class).is_some() {
                continue;
            }
            let weight = if self.is_tension(chord, pitch_class) {
                0.3
            } else if struck {
                6.0
            } else {
                1.0
            };
            cost += weight * length;
        }
        let tonic_chord = chord.degree == 0 && chord.leads_to.is_none();
        // A piece opens on its tonic chord when the melody allows.
        if slot.first && !tonic_chord {
            cost += 2.5;
        }
        if slot.last {
            cost += if tonic_chord {
                0.0
            } else if chord.function == Function::Dominant && self.style != HarmonyStyle::Modal {
                4.0
            } else {
                12.0
            };
        } else if slot.cadence {
            cost += match (tonic_chord, chord.function) {
                (true, _) => 0.0,
                (_, Function::Dominant) if chord.leads_to.is_none() => 1.5,
                (_, Function::Tonic) if chord.degree == 5 => 2.5,
                _ => 8.0,
            };
        }
        // Before a cadence, the chord that leads into it.
        if next.is_some_and(|n| n.cadence)
            && chord.function == Function::Dominant
            && chord.leads_to.is_none()
        {
            cost -= 0.5;
        }
        cost.max(0.0)
    }

    /// Cadences end on a root-position chord.
    fn cadence_voicing_cost(&self, chord: &ChordTemplate, voicing: &Voicing, slot: &Slot) -> f64 {
        let root_position = chord.role_of(voicing.bass().pitch_class()) == Some(0);
        if (slot.cadence || slot.last) && !root_position {
            3.0
        } else {
            0.0
        }
    }

    /// The cost of one chord following another: functional order, applied dominants resolving,
    /// repeated chords, and the approach to cadences.
    fn harmonic_cost(&self, a: usize, b: usize, slot: &Slot, previous: &Slot) -> f64 {
        let (from, to) = (&self.chords[a], &self.chords[b]);
        let mut cost = 0.0;
        if a == b {
            cost += match self.style {
                HarmonyStyle::Chorale if slot.strong => 1.5,
                HarmonyStyle::Chorale => 1.0,
                HarmonyStyle::Modal => 0.8,
                _ if previous.measure_index != slot.measure_index => 0.6,
                _ => 0.1,
            };
            return cost;
        }
        if let Some(target) = from.leads_to
            && (to.degree != target || to.leads_to.is_some())
        {
            cost += 10.0;
        }
        if slot.cadence && to.degree == 0 && to.leads_to.is_none() {
            cost += match from.function {
                Function::Dominant if from.leads_to.is_none() => 0.0,
                Function::Predominant => 2.0,
                _ => 6.0,
            };
        }
        cost += match self.style {
            HarmonyStyle::Modal => {
                let step_to_final = matches!(from.degree, 1 | 3 | 4 | 6);
                if slot.last && !step_to_final {
                    3.0
                } else {
                    0.0
                }
            }
            HarmonyStyle::Jazz => {
                let root_motion = (to.tones[0].midi() - from.tones[0].midi()).rem_euclid(12);
                match root_motion {
                    5 => 0.0,
                    1 | 2 | 10 | 11 => 1.0,
                    _ => 2.0,
                }
            }
            _ => functional_cost(from, to, self.style),
        };
        cost
    }
}

/// Tonic, predominant, dominant: the cost of going from one function to the next.
fn functional_cost(from: &ChordTemplate, to: &ChordTemplate, style: HarmonyStyle) -> f64 {
    use Function::{Dominant, Predominant, Tonic};
    let pop = style == HarmonyStyle::Pop;
    match (from.function, to.function) {
        (Dominant, Predominant) if to.leads_to.is_none() => {
            if pop {
                1.0
            } else {
                6.0
            }
        }
        (Dominant, Tonic) if to.degree == 5 => 1.0,
        (Dominant, Tonic) if to.degree == 2 => 4.0,
        (Dominant, Dominant) if from.has_seventh() && !to.has_seventh() => 4.0,
        (Predominant, Tonic) if to.degree != 0 => 1.5,
        (Predominant, Tonic) => {
            if pop {
                0.0
            } else {
                1.5
            }
        }
        (Predominant, Predominant) if from.degree == 1 && to.degree == 3 => 1.0,
        _ => 0.0,
    }
}

/// Writes the melody part and the lower voices, measure by measure.
fn write_score(
    melody: &Part,
    slots: &[Slot],
    path: &Path,
    voices: usize,
    metadata: &crate::music::model::Metadata,
) -> Score {
    let frames = frames_of(melody);
    let names: &[(&str, &str)] = match voices {
        2 => &[("P-bass", "Bass")],
        3 => &[("P-alto", "Alto"), ("P-bass", "Bass")],
        _ => &[("P-alto", "Alto"), ("P-tenor", "Tenor"), ("P-bass", "Bass")],
    };
    let mut parts = vec![melody.clone()];
    for (voice, (id, name)) in names.iter().enumerate() {
        let mut contents: Vec<Vec<NoteSpec>> = vec![Vec::new(); frames.len()];
        for (slot, chosen) in slots.iter().zip(path) {
            let duration = slot.end - slot.start;
            let mut note = match chosen {
                Some((_, voicing)) => NoteSpec::note(voicing.pitches[voice], duration),
                None => NoteSpec::rest(duration),
            };
            note.fermata = slot.cadence && chosen.is_some();
            contents[slot.measure_index].push(note);
        }
        let clef = match *name {
            "Bass" => bass_clef(),
            "Tenor" => tenor_clef(),
            _ => treble_clef(),
        };
        parts.push(build_part(id, name, clef, &frames, contents));
    }
    // Chorales often carry only a movement name (music21's corpus names them so).
    let title = [&metadata.title, &metadata.movement_name]
        .into_iter()
        .find_map(|name| name.as_deref().filter(|n| !n.trim().is_empty()))
        .unwrap_or("Melody");
    build_score(&format!("{title} (harmonised)"), parts)
}

/// The chosen chords as reports list them.
fn describe(
    slots: &[Slot],
    path: &Path,
    chords: &[ChordTemplate],
    scale: &Scale,
    melody: &Part,
) -> Vec<ChosenChord> {
    let key = Key::new(
        scale.tonic,
        if scale.is_minor_like() {
            KeyMode::Minor
        } else {
            KeyMode::Major
        },
    );
    let mut described: Vec<ChosenChord> = Vec::new();
    // The chord before the current run of one chord, which a cadence comes from.
    let mut previous: Option<&ChordTemplate> = None;
    let mut current: Option<usize> = None;
    for (slot, chosen) in slots.iter().zip(path) {
        let Some((index, voicing)) = chosen else {
            previous = None;
            current = None;
            continue;
        };
        if current != Some(*index) {
            previous = current.map(|c| &chords[c]);
            current = Some(*index);
        }
        let chord = &chords[*index];
        let melody_note = slot.melody.as_ref().map(|m| m.first);
        let mut pitches: Vec<Pitch> = voicing.pitches.clone();
        pitches.extend(melody_note);
        pitches.sort_by_key(Pitch::midi);
        let chord_pitches = tones_over(chord, voicing.bass());
        let roman = roman_of(chord, &chord_pitches, &key, scale);
        let cadence = (slot.cadence || slot.last)
            .then(|| cadence_name(previous, chord))
            .flatten();
        let measure = &melody.measures[slot.measure_index];
        described.push(ChosenChord {
            measure: measure.number,
            beat_offset: (slot.start - measure.offset).to_f64_rounded(),
            roman,
            symbol: chord.symbol(Some(voicing.bass())),
            function: chord.function.name().to_string(),
            chord_pitches: chord_pitches.iter().map(Pitch::name_with_octave).collect(),
            pitches: pitches.iter().map(Pitch::name_with_octave).collect(),
            melody: melody_note.map_or_else(String::new, |p| p.name_with_octave()),
            cadence,
        });
    }
    described
}

/// The chord's tones, once each, from `bass` up within an octave and a bit.
fn tones_over(chord: &ChordTemplate, bass: &Pitch) -> Vec<Pitch> {
    let mut tones = vec![*bass];
    for tone in &chord.tones {
        if tone.pitch_class() == bass.pitch_class() {
            continue;
        }
        let mut pitch = Pitch::new(tone.step, tone.alter, bass.octave - 1);
        while pitch.midi() <= bass.midi() {
            pitch = Pitch::new(pitch.step, pitch.alter, pitch.octave + 1);
        }
        tones.push(pitch);
    }
    tones.sort_by_key(Pitch::midi);
    tones
}

/// The Roman numeral of the chosen chord (not of the voices that happen to sound it), with
/// its inversion; an applied dominant is named against the chord it leads to (`V/V`).
fn roman_of(chord: &ChordTemplate, tones: &[Pitch], key: &Key, scale: &Scale) -> String {
    let Some(sounded) = Chord::new(tones.to_vec()) else {
        return String::new();
    };
    let Some(target) = chord.leads_to else {
        return roman_numeral_from_chord(&sounded, key).figure;
    };
    let target_root = scale.degree_pitch(target);
    let target_third = scale.degree_pitch(target + 2);
    let major = (target_third.midi() - target_root.midi()).rem_euclid(12) == 4;
    let target_key = Key::new(
        target_root,
        if major {
            KeyMode::Major
        } else {
            KeyMode::Minor
        },
    );
    let target_triad = Chord::new(vec![
        target_root,
        target_third,
        scale.degree_pitch(target + 4),
    ]);
    let target_numeral = target_triad
        .map(|c| roman_numeral_from_chord(&c, key).figure)
        .unwrap_or_default();
    format!(
        "{}/{target_numeral}",
        roman_numeral_from_chord(&sounded, &target_key).figure
    )
}

/// The kind of cadence from `before` to `chord`.
fn cadence_name(before: Option<&ChordTemplate>, chord: &ChordTemplate) -> Option<String> {
    let before = before?;
    let tonic = chord.degree == 0 && chord.leads_to.is_none();
    let name = match (before.function, tonic) {
        (Function::Dominant, true) => "authentic",
        (Function::Predominant, true) => "plagal",
        (Function::Dominant, false) if chord.degree == 5 => "deceptive",
        (_, false) if chord.function == Function::Dominant => "half",
        _ => return None,
    };
    Some(name.to_string())
}

#[cfg(test)]
mod tests;
