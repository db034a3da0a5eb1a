//! The chords a style may use in a key or mode, with their function and how they are named.

use super::HarmonyStyle;
use crate::music::generate::scale::Scale;
use crate::music::model::{Mode, Pitch};

/// A chord's harmonic function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    /// Tonic: I, vi, iii.
    Tonic,
    /// Predominant: ii, IV and the applied dominants leading to a chord.
    Predominant,
    /// Dominant: V, V7, vii°.
    Dominant,
}

impl Function {
    /// The word reports use.
    pub fn name(self) -> &'static str {
        match self {
            Function::Tonic => "tonic",
            Function::Predominant => "predominant",
            Function::Dominant => "dominant",
        }
    }
}

/// One chord of the vocabulary, spelled in octave 4 from its root up.
#[derive(Clone, Debug, PartialEq)]
pub struct ChordTemplate {
    /// The root's scale degree, 0 (tonic) to 6.
    pub degree: i32,
    /// Root, third, fifth and (for seventh chords) seventh.
    pub tones: Vec<Pitch>,
    /// Its function in the key.
    pub function: Function,
    /// For an applied dominant, the degree of the chord it leads to.
    pub leads_to: Option<i32>,
    /// The cost of choosing it at all (rare chords cost more).
    pub cost: f64,
    /// Only in first inversion (the diminished triad in a chorale).
    pub first_inversion_only: bool,
}

impl ChordTemplate {
    /// True for a seventh chord.
    pub fn has_seventh(&self) -> bool {
        self.tones.len() == 4
    }

    /// The pitch classes of the chord's tones.
    pub fn pitch_classes(&self) -> Vec<u8> {
        self.tones.iter().map(Pitch::pitch_class).collect()
    }

    /// The role (0 root, 1 third, 2 fifth, 3 seventh) of a pitch class in the chord.
    pub fn role_of(&self, pitch_class: u8) -> Option<usize> {
        self.tones
            .iter()
            .position(|t| t.pitch_class() == pitch_class)
    }

    /// Semitones from the root up to each tone, within an octave (the tones may be spelled
    /// in any octave).
    fn intervals(&self) -> Vec<i32> {
        let root = self.tones[0].midi();
        self.tones
            .iter()
            .map(|t| (t.midi() - root).rem_euclid(12))
            .collect()
    }

    /// A lead-sheet symbol such as `G`, `Em`, `F#dim`, `D7`, `Bm7b5`, `Cmaj7`, `G/B`.
    pub fn symbol(&self, bass: Option<&Pitch>) -> String {
        let root = self.tones[0].name().replace('-', "b");
        let suffix = match self.intervals().as_slice() {
            [0, 4, 7] => "",
            [0, 3, 7] => "m",
            [0, 3, 6] => "dim",
            [0, 4, 8] => "+",
            [0, 4, 7, 10] => "7",
            [0, 4, 7, 11] => "maj7",
            [0, 3, 7, 10] => "m7",
            [0, 3, 6, 10] => "m7b5",
            [0, 3, 6, 9] => "dim7",
            [0, 3, 7, 11] => "m(maj7)",
            _ => "?",
        };
        match bass {
            Some(bass) if bass.pitch_class() != self.tones[0].pitch_class() => {
                format!("{root}{suffix}/{}", bass.name().replace('-', "b"))
            }
            _ => format!("{root}{suffix}"),
        }
    }

    /// True when the triad on the root is diminished or augmented.
    pub fn is_unstable_triad(&self) -> bool {
        matches!(self.intervals()[..3], [0, 3, 6] | [0, 4, 8])
    }
}

/// The chords `style` uses in `scale`.
pub fn vocabulary(scale: &Scale, style: HarmonyStyle) -> Vec<ChordTemplate> {
    let minor_key = matches!(scale.mode, Mode::Minor);
    let mut chords = Vec::new();
    for degree in 0..7 {
        let seventh = matches!(style, HarmonyStyle::Jazz);
        let mut chord = diatonic(
            scale,
            degree,
            seventh,
            minor_key && style != HarmonyStyle::Modal,
        );
        match style {
            HarmonyStyle::Modal => {
                if chord.is_unstable_triad() {
                    continue;
                }
                chord.cost = if degree == 0 { 0.0 } else { 0.3 };
            }
            HarmonyStyle::Pop => {
                if chord.is_unstable_triad() {
                    continue;
                }
                chord.cost = match degree {
                    0 | 3 | 4 | 5 => 0.0,
                    1 => 0.4,
                    _ => 1.5,
                };
            }
            HarmonyStyle::Classical => {
                if degree == 2 {
                    continue;
                }
                chord.first_inversion_only = degree == 6 || (minor_key && degree == 1);
                chord.cost = if degree == 6 { 0.8 } else { 0.0 };
            }
            HarmonyStyle::Chorale => {
                chord.first_inversion_only = chord.is_unstable_triad();
                chord.cost = match degree {
                    2 => 1.0,
                    6 => 0.6,
                    _ => 0.0,
                };
            }
            HarmonyStyle::Jazz => {
                chord.cost = match degree {
                    0 | 1 | 4 => 0.0,
                    6 => 1.0,
                    _ => 0.3,
                };
            }
        }
        chords.push(chord);
    }

    // Jazz also keeps the plain tonic triad, dearer than the seventh chords, for a final tonic
    // in root position where three voices cannot hold the major seventh's guide tones.
    if style == HarmonyStyle::Jazz {
        let mut triad = diatonic(scale, 0, false, minor_key);
        triad.cost = 1.5;
        chords.push(triad);
    }

    // Dominant sevenths and applied dominants for the tonal four-part styles.
    if matches!(style, HarmonyStyle::Chorale | HarmonyStyle::Classical) {
        let mut seventh = diatonic(scale, 4, true, minor_key);
        seventh.cost = 0.3;
        chords.push(seventh);
        let targets: &[i32] = match (style, minor_key) {
            (HarmonyStyle::Classical, _) => &[4],
            (_, false) => &[4, 5, 1],
            (_, true) => &[4, 3],
        };
        for &target in targets {
            chords.push(applied_dominant(scale, target));
        }
    }
    chords
}

/// The diatonic triad (or seventh chord) on `degree`; in a minor key the dominant chords take
/// the raised leading tone.
fn diatonic(scale: &Scale, degree: i32, seventh: bool, raise_leading_tone: bool) -> ChordTemplate {
    let count = if seventh { 4 } else { 3 };
    let tones: Vec<Pitch> = (0..count)
        .map(|i| {
            let step = degree + 2 * i;
            let pitch = scale.degree_pitch(step.rem_euclid(7));
            let raise = raise_leading_tone && step.rem_euclid(7) == 6 && matches!(degree, 4 | 6);
            if raise {
                Pitch::new(pitch.step, pitch.alter + 1, pitch.octave)
            } else {
                pitch
            }
        })
        .collect();
    let function = match degree {
        0 | 2 | 5 => Function::Tonic,
        1 | 3 => Function::Predominant,
        _ => Function::Dominant,
    };
    ChordTemplate {
        degree,
        tones,
        function,
        leads_to: None,
        cost: 0.0,
        first_inversion_only: false,
    }
}

/// The major triad a fifth above the chord on `target` (V/V, V/vi ...).
fn applied_dominant(scale: &Scale, target: i32) -> ChordTemplate {
    let target_root = scale.degree_pitch(target);
    let root = target_root.transposed(4, 7);
    ChordTemplate {
        degree: (target + 4).rem_euclid(7),
        tones: vec![root, root.transposed(2, 4), root.transposed(4, 7)],
        function: Function::Predominant,
        leads_to: Some(target),
        cost: 0.9,
        first_inversion_only: false,
    }
}
