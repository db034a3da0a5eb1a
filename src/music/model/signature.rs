//! Measure-level marks: time and key signatures, clefs, metronome marks and chord symbols.
//!
//! Each mark sits in a measure at an offset (see [`Placed`]); none of them has a duration.

use serde::{Deserialize, Serialize};

use super::pitch::{Pitch, Step, accidental_modifier};
use super::ql::Ql;

/// A mark placed at an offset (in quarter lengths) from the start of its measure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Placed<T> {
    /// Offset from the start of the measure.
    pub offset: Ql,
    /// The mark itself.
    pub value: T,
}

/// A time signature such as 3/4, 6/8, or additive 3+2/8.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeSignature {
    /// One `(beats, beat type)` group per `<beats>`/`<beat-type>` pair; a group's beats may be
    /// additive, as in `3+2`. Invariant: never empty and no beat type is zero.
    pub groups: Vec<TimeGroup>,
    /// The MusicXML `symbol` attribute (`common`, `cut`, ...), when given.
    pub symbol: Option<String>,
}

/// One `beats / beat-type` pair of a time signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeGroup {
    /// The numerator's summands: `[3]` for 3/8, `[3, 2]` for 3+2/8.
    pub beats: Vec<u32>,
    /// The denominator.
    pub beat_type: u32,
}

impl TimeSignature {
    /// A simple signature such as 3/4.
    pub fn simple(beats: u32, beat_type: u32) -> TimeSignature {
        TimeSignature {
            groups: vec![TimeGroup {
                beats: vec![beats],
                beat_type,
            }],
            symbol: None,
        }
    }

    /// The ratio text music21 reports: `3/4`, `3+2/8`, or `3/8+4/4` for several groups.
    pub fn ratio(&self) -> String {
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|group| {
                let beats: Vec<String> = group.beats.iter().map(u32::to_string).collect();
                format!("{}/{}", beats.join("+"), group.beat_type)
            })
            .collect();
        groups.join("+")
    }

    /// The length of a full measure in quarter lengths (3/4 is 3, 6/8 is 3).
    pub fn bar_duration(&self) -> Ql {
        self.groups
            .iter()
            .map(|group| {
                let beats: i64 = group.beats.iter().map(|&b| i64::from(b)).sum();
                Ql::new(beats * 4, i64::from(group.beat_type))
            })
            .sum()
    }
}

/// A key mode, as MusicXML `<mode>` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Major (and ionian, which music21 treats alike for naming).
    Major,
    /// Minor.
    Minor,
    /// Dorian.
    Dorian,
    /// Phrygian.
    Phrygian,
    /// Lydian.
    Lydian,
    /// Mixolydian.
    Mixolydian,
    /// Aeolian.
    Aeolian,
    /// Locrian.
    Locrian,
    /// Ionian.
    Ionian,
}

impl Mode {
    /// Parses a MusicXML mode name; unknown names give `None`, as music21 ignores them.
    pub fn parse(text: &str) -> Option<Mode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "major" => Some(Mode::Major),
            "minor" => Some(Mode::Minor),
            "dorian" => Some(Mode::Dorian),
            "phrygian" => Some(Mode::Phrygian),
            "lydian" => Some(Mode::Lydian),
            "mixolydian" => Some(Mode::Mixolydian),
            "aeolian" => Some(Mode::Aeolian),
            "locrian" => Some(Mode::Locrian),
            "ionian" => Some(Mode::Ionian),
            _ => None,
        }
    }

    /// The lower-case name music21 reports.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Major => "major",
            Mode::Minor => "minor",
            Mode::Dorian => "dorian",
            Mode::Phrygian => "phrygian",
            Mode::Lydian => "lydian",
            Mode::Mixolydian => "mixolydian",
            Mode::Aeolian => "aeolian",
            Mode::Locrian => "locrian",
            Mode::Ionian => "ionian",
        }
    }

    /// How far the tonic sits from the major tonic along the circle of fifths.
    fn fifths_from_major(self) -> i32 {
        match self {
            Mode::Lydian => -1,
            Mode::Major | Mode::Ionian => 0,
            Mode::Mixolydian => 1,
            Mode::Dorian => 2,
            Mode::Minor | Mode::Aeolian => 3,
            Mode::Phrygian => 4,
            Mode::Locrian => 5,
        }
    }
}

/// A key signature: sharps (positive) or flats (negative), with the mode when the file states it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySignature {
    /// Sharps above zero, flats below: -2 is two flats.
    pub fifths: i32,
    /// The stated mode; `None` for a bare signature.
    pub mode: Option<Mode>,
}

impl KeySignature {
    /// The tonic's name (no octave) when a mode is stated, such as `F` or `C#`.
    pub fn tonic(&self) -> Option<String> {
        let mode = self.mode?;
        Some(name_on_circle_of_fifths(
            self.fifths + mode.fifths_from_major(),
        ))
    }
}

/// The pitch name at a position on the circle of fifths: 0 is C, 1 G, -1 F, 7 C#, -7 C-.
pub fn name_on_circle_of_fifths(position: i32) -> String {
    // F C G D A E B: position + 1 indexes this cycle, and each lap adds a sharp.
    const CYCLE: [Step; 7] = [
        Step::F,
        Step::C,
        Step::G,
        Step::D,
        Step::A,
        Step::E,
        Step::B,
    ];
    let shifted = position + 1;
    let step = CYCLE[shifted.rem_euclid(7) as usize];
    let alter = shifted.div_euclid(7).clamp(-8, 8) as i8;
    format!("{}{}", step.letter(), accidental_modifier(alter))
}

/// A clef as MusicXML writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clef {
    /// `G`, `F`, `C`, `percussion`, `TAB` or `none`.
    pub sign: String,
    /// The staff line, counted from the bottom, when the sign has one.
    pub line: Option<i32>,
    /// Octave transposition (-1 for a tenor's treble-8vb clef).
    pub octave_change: i32,
}

/// A metronome mark: a written tempo, a playback-only tempo (`<sound tempo>`), or both.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetronomeMark {
    /// Written beats per minute, if printed.
    pub number: Option<f64>,
    /// Playback beats per minute (MusicXML `<sound tempo>`), in quarter notes.
    pub number_sounding: Option<f64>,
    /// The beat unit in quarter lengths (1 = quarter, 3/2 = dotted quarter).
    pub referent: Ql,
    /// Tempo text attached to the mark, if any.
    pub text: Option<String>,
}

impl MetronomeMark {
    /// music21's `getQuarterBPM()`: the sounding (else written) number converted to quarter
    /// notes per minute, with music21's float steps so results agree to the last bit.
    pub fn quarter_bpm(&self) -> Option<f64> {
        let number = self.number_sounding.or(self.number)?;
        let seconds_per_beat = 60.0 / number;
        let seconds_per_quarter = seconds_per_beat / self.referent.to_f64();
        Some(60.0 / seconds_per_quarter)
    }
}

/// A lead-sheet chord symbol (`<harmony>`): not a note, never counted as one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChordSymbol {
    /// The root's name without octave (`D`, `B-`), when given.
    pub root: Option<String>,
    /// The MusicXML kind (`major`, `minor-seventh`, ...).
    pub kind: Option<String>,
    /// The bass's name without octave, for slash chords.
    pub bass: Option<String>,
    /// The pitches music21 realises for the symbol (root position, from octave 3).
    pub pitches: Vec<Pitch>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_signatures_report_ratio_and_bar_length() {
        assert_eq!(TimeSignature::simple(3, 4).ratio(), "3/4");
        assert_eq!(TimeSignature::simple(6, 8).bar_duration(), Ql::from_int(3));
        let additive = TimeSignature {
            groups: vec![TimeGroup {
                beats: vec![3, 2],
                beat_type: 8,
            }],
            symbol: None,
        };
        assert_eq!(additive.ratio(), "3+2/8");
        assert_eq!(additive.bar_duration(), Ql::new(5, 2));
    }

    #[test]
    fn key_signature_tonics_follow_the_mode() {
        let f_major = KeySignature {
            fifths: -1,
            mode: Some(Mode::Major),
        };
        assert_eq!(f_major.tonic().as_deref(), Some("F"));
        let d_minor = KeySignature {
            fifths: -1,
            mode: Some(Mode::Minor),
        };
        assert_eq!(d_minor.tonic().as_deref(), Some("D"));
        let c_sharp_minor = KeySignature {
            fifths: 4,
            mode: Some(Mode::Minor),
        };
        assert_eq!(c_sharp_minor.tonic().as_deref(), Some("C#"));
        let e_flat_major = KeySignature {
            fifths: -3,
            mode: Some(Mode::Major),
        };
        assert_eq!(e_flat_major.tonic().as_deref(), Some("E-"));
        let d_dorian = KeySignature {
            fifths: 0,
            mode: Some(Mode::Dorian),
        };
        assert_eq!(d_dorian.tonic().as_deref(), Some("D"));
        assert_eq!(
            KeySignature {
                fifths: 2,
                mode: None
            }
            .tonic(),
            None
        );
    }
}
