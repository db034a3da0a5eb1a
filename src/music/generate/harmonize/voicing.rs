//! Voicings: the lower voices' pitches for one chord under one melody note, and the cost of
//! moving from one voicing to the next.
//!
//! Hard rules (no parallel fifths, octaves or unisons between any two voices, no voice overlap,
//! ranges and spacing) make a move cost [`FORBIDDEN`], so the search never takes one while any
//! other way exists; the soft rules (leading tones and sevenths resolved, smooth inner voices,
//! no hidden fifths or octaves in the outer voices) add smaller costs.

use super::HarmonyStyle;
use super::vocabulary::{ChordTemplate, Function};
use crate::music::model::Pitch;

/// The cost of breaking a hard rule.
pub const FORBIDDEN: f64 = 1000.0;

/// Lowest and highest MIDI numbers of each lower voice: alto, tenor, bass (Kostka and Payne,
/// as the voice-leading analysis checks them).
const ALTO: (i32, i32) = (55, 74);
const TENOR: (i32, i32) = (48, 67);
const BASS: (i32, i32) = (40, 60);

/// The highest soprano note (G5), above which the alto may lie more than an octave below.
const SOPRANO_HIGHEST: i32 = 79;

/// The most voicings kept per chord and melody note.
const MAX_VOICINGS: usize = 40;

/// What the melody does during one harmonic slot.
#[derive(Clone, Debug)]
pub struct SlotMelody {
    /// The melody pitch at the start of the slot.
    pub first: Pitch,
    /// The melody pitch at the end of the slot.
    pub last: Pitch,
    /// The lowest melody pitch in the slot.
    pub lowest: i32,
}

/// The lower voices, top to bottom (alto, tenor, bass; or alto, bass; or bass).
#[derive(Clone, Debug, PartialEq)]
pub struct Voicing {
    /// The pitches, top to bottom.
    pub pitches: Vec<Pitch>,
    /// The voicing's own cost (doubling, spacing, inversion).
    pub cost: f64,
}

impl Voicing {
    /// The bass.
    pub fn bass(&self) -> &Pitch {
        self.pitches.last().expect("at least one lower voice")
    }
}

/// The ranges of the lower voices for `voices` voices in all (2 to 4).
fn ranges(voices: usize) -> &'static [(i32, i32)] {
    match voices {
        2 => &[BASS],
        3 => &[ALTO, BASS],
        _ => &[ALTO, TENOR, BASS],
    }
}

/// The chord's pitches within each lower voice's range, top voice first.
fn options_per_voice(chord: &ChordTemplate, voices: usize) -> Vec<Vec<Pitch>> {
    ranges(voices)
        .iter()
        .map(|&(low, high)| chord_pitches_between(chord, low, high))
        .collect()
}

/// Every acceptable voicing of `chord` under `melody`, cheapest first.
pub fn voicings(
    chord: &ChordTemplate,
    melody: &SlotMelody,
    voices: usize,
    style: HarmonyStyle,
    leading_tone: u8,
) -> Vec<Voicing> {
    let options = options_per_voice(chord, voices);
    let mut found = Vec::new();
    let mut current = Vec::with_capacity(options.len());
    collect(&options, 0, melody, &mut current, &mut |pitches| {
        if let Some(cost) = voicing_cost(chord, melody, pitches, style, leading_tone) {
            found.push(Voicing {
                pitches: pitches.to_vec(),
                cost,
            });
        }
    });
    found.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    found.truncate(MAX_VOICINGS);
    found
}

/// The root-position voicings of `chord` under `melody` that keep only the rules of range,
/// order and spacing, dearer than any full voicing: for a final tonic under a melody too low
/// for the voices to complete the chord (an open fifth or a bare octave then ends the piece).
pub fn bare_root_voicings(
    chord: &ChordTemplate,
    melody: &SlotMelody,
    voices: usize,
) -> Vec<Voicing> {
    let options = options_per_voice(chord, voices);
    let mut found = Vec::new();
    let mut current = Vec::with_capacity(options.len());
    collect(&options, 0, melody, &mut current, &mut |pitches| {
        let root = pitches
            .last()
            .is_some_and(|bass| chord.role_of(bass.pitch_class()) == Some(0));
        if root {
            found.push(Voicing {
                pitches: pitches.to_vec(),
                cost: 5.0,
            });
        }
    });
    found.truncate(MAX_VOICINGS);
    found
}

/// Every chord pitch between two MIDI numbers.
fn chord_pitches_between(chord: &ChordTemplate, low: i32, high: i32) -> Vec<Pitch> {
    chord
        .tones
        .iter()
        .flat_map(|tone| (1..=6).map(move |octave| Pitch::new(tone.step, tone.alter, octave)))
        .filter(|p| (low..=high).contains(&p.midi()))
        .collect()
}

/// Walks every choice of one pitch per voice, top down, each below the one above.
fn collect(
    options: &[Vec<Pitch>],
    voice: usize,
    melody: &SlotMelody,
    current: &mut Vec<Pitch>,
    emit: &mut dyn FnMut(&[Pitch]),
) {
    if voice == options.len() {
        emit(current);
        return;
    }
    for pitch in &options[voice] {
        let above = match voice {
            0 => melody.lowest + 1,
            _ => current[voice - 1].midi(),
        };
        let upper_gap = match voice {
            0 => melody.first.midi() - pitch.midi(),
            _ => current[voice - 1].midi() - pitch.midi(),
        };
        let is_bass = voice + 1 == options.len();
        // A melody above the soprano's range (a trumpet's line) may stand further off.
        let widest = match voice {
            0 => 12 + (melody.first.midi() - SOPRANO_HIGHEST).max(0),
            _ => 12,
        };
        if pitch.midi() >= above || (!is_bass && upper_gap > widest) {
            continue;
        }
        current.push(*pitch);
        collect(options, voice + 1, melody, current, emit);
        current.pop();
    }
}

/// The cost of one voicing, or `None` when it breaks a rule of chord construction.
fn voicing_cost(
    chord: &ChordTemplate,
    melody: &SlotMelody,
    lower: &[Pitch],
    style: HarmonyStyle,
    leading_tone: u8,
) -> Option<f64> {
    let bass = lower.last()?;
    let bass_role = chord.role_of(bass.pitch_class())?;
    let mut cost = 0.0;

    // The bass: root position or first inversion (third inversion for a seventh chord).
    match (bass_role, style) {
        (0, _) => {
            if chord.first_inversion_only {
                return None;
            }
        }
        (_, HarmonyStyle::Jazz) => return None,
        (1, HarmonyStyle::Pop) => cost += 1.5,
        (1, _) => cost += 0.6,
        (3, HarmonyStyle::Chorale | HarmonyStyle::Classical) => cost += 1.2,
        _ => return None,
    }
    if chord.first_inversion_only && bass_role != 1 {
        return None;
    }

    // Which tones sound, counting the melody when it is a chord tone.
    let mut counts = [0usize; 4];
    for pitch in lower.iter().chain(std::iter::once(&melody.first)) {
        if let Some(role) = chord.role_of(pitch.pitch_class()) {
            counts[role] += 1;
        }
    }
    let voices = lower.len() + 1;
    let has_seventh = chord.has_seventh();
    let guide_tones_missing = counts[1] == 0 || (has_seventh && counts[3] == 0);
    match style {
        HarmonyStyle::Jazz if voices >= 3 && guide_tones_missing => return None,
        _ if counts[0] == 0 && voices >= 3 => return None,
        _ if counts[1] == 0 && voices >= 3 => return None,
        _ => {}
    }
    if has_seventh && counts[3] == 0 && voices == 4 {
        return None;
    }
    if counts[2] == 0 && voices == 4 && !has_seventh {
        cost += 0.7;
    }

    // Never double the leading tone (in a dominant chord) or the seventh.
    let leading_tone_count = lower
        .iter()
        .chain(std::iter::once(&melody.first))
        .filter(|p| p.pitch_class() == leading_tone)
        .count();
    if chord.function == Function::Dominant && leading_tone_count > 1 {
        return None;
    }
    if counts[3] > 1 {
        return None;
    }
    if voices == 4 && counts[1] > 1 && bass_role == 1 {
        cost += 0.8;
    }

    // Spacing between tenor and bass.
    if lower.len() >= 2 {
        let gap = lower[lower.len() - 2].midi() - bass.midi();
        if gap > 24 {
            return None;
        }
        if gap > 19 {
            cost += 1.0;
        }
    }
    Some(cost)
}

/// One voice at the end of a slot and at the start of the next.
#[derive(Clone, Copy, Debug)]
struct Move {
    from: i32,
    to: i32,
}

impl Move {
    fn moves(self) -> bool {
        self.from != self.to
    }

    fn direction(self) -> i32 {
        (self.to - self.from).signum()
    }
}

/// The cost of moving from one chord and voicing to the next.
#[allow(clippy::too_many_arguments)]
pub fn transition_cost(
    before: (&ChordTemplate, &Voicing, &SlotMelody),
    after: (&ChordTemplate, &Voicing, &SlotMelody),
    style: HarmonyStyle,
    leading_tone: u8,
    tonic: u8,
) -> f64 {
    let (chord_a, voicing_a, melody_a) = before;
    let (chord_b, voicing_b, melody_b) = after;
    let mut moves = vec![Move {
        from: melody_a.last.midi(),
        to: melody_b.first.midi(),
    }];
    moves.extend(
        voicing_a
            .pitches
            .iter()
            .zip(&voicing_b.pitches)
            .map(|(a, b)| Move {
                from: a.midi(),
                to: b.midi(),
            }),
    );
    let mut cost = 0.0;

    // Parallel (and contrary) perfect intervals between any two voices.
    for upper in 0..moves.len() {
        for lower in upper + 1..moves.len() {
            let (a, b) = (moves[upper], moves[lower]);
            if !(a.moves() && b.moves()) {
                continue;
            }
            let before = (a.from - b.from).rem_euclid(12);
            let after = (a.to - b.to).rem_euclid(12);
            if before == after && (before == 0 || before == 7) {
                return FORBIDDEN;
            }
            let similar = a.direction() == b.direction();
            if similar && (after == 0 || after == 7) {
                let outer = upper == 0 && lower == moves.len() - 1;
                cost += if outer { 3.0 } else { 0.3 };
            }
        }
    }

    // Voice overlap between neighbours, and leaps.
    for pair in moves.windows(2) {
        let (upper, lower) = (pair[0], pair[1]);
        if lower.to > upper.from || upper.to < lower.from {
            return FORBIDDEN;
        }
    }
    let bass_index = moves.len() - 1;
    for (index, voice) in moves.iter().enumerate().skip(1) {
        let leap = (voice.to - voice.from).abs();
        if leap > 12 {
            return FORBIDDEN;
        }
        if index == bass_index {
            cost += if leap > 7 { 1.0 } else { 0.0 };
        } else {
            cost += 0.15 * f64::from(leap) + if leap > 5 { 1.5 } else { 0.0 };
        }
    }

    // The leading tone rises to the tonic, the seventh falls by step.
    let resolves = chord_b.role_of(tonic).is_some();
    for (index, (a, b)) in voicing_a.pitches.iter().zip(&voicing_b.pitches).enumerate() {
        let step = b.midi() - a.midi();
        let is_bass = index + 1 == voicing_a.pitches.len();
        if chord_a.function == Function::Dominant
            && resolves
            && a.pitch_class() == leading_tone
            && step != 1
            && style != HarmonyStyle::Jazz
        {
            cost += if is_bass { 8.0 } else { 3.0 };
        }
        if chord_a.role_of(a.pitch_class()) == Some(3) && !(1..=2).contains(&-step) {
            cost += if style == HarmonyStyle::Jazz {
                1.0
            } else {
                20.0
            };
        }
    }
    cost
}
