//! The values of ABC fields: meter (`M:`), unit note length (`L:`), key (`K:`) and tempo
//! (`Q:`), read as music21's `ABCMetadata` reads them.
//!
//! Malformed values that make music21 raise are read as "absent" here, so one bad field does
//! not lose the whole file.

use crate::music::model::{KeySignature, MetronomeMark, Mode, Ql, Step, TimeSignature};

/// A meter field: a time signature, or `M:none` (free meter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Meter {
    /// A time signature such as 3/4; `C` is 4/4 and `C|` is 2/2.
    Signature(TimeSignature),
    /// `M:none`, or a value that cannot be read.
    Free,
}

impl Meter {
    /// Reads an `M:` value. Digits on each side of the slash are gathered as music21 does, so
    /// `2+3/8` reads as 23/8.
    pub(super) fn parse(data: &str) -> Meter {
        let data = data.trim();
        if data.eq_ignore_ascii_case("none") {
            return Meter::Free;
        }
        let signature = match data {
            "C" => Some(with_symbol(4, 4, "common")),
            "C|" => Some(with_symbol(2, 2, "cut")),
            _ => slash_pair(data).map(|(n, d)| TimeSignature::simple(n, d)),
        };
        signature.map_or(Meter::Free, Meter::Signature)
    }

    /// The time signature, if any.
    pub(super) fn signature(&self) -> Option<&TimeSignature> {
        match self {
            Meter::Signature(signature) => Some(signature),
            Meter::Free => None,
        }
    }

    /// The unit note length a meter implies when no `L:` is given: a sixteenth below 3/4, an
    /// eighth otherwise (and for free meter).
    pub(super) fn default_unit(&self) -> Ql {
        match self.signature().and_then(|s| s.groups.first()) {
            Some(group) => {
                let beats: u32 = group.beats.iter().sum();
                if f64::from(beats) / f64::from(group.beat_type) < 0.75 {
                    Ql::new(1, 4)
                } else {
                    Ql::new(1, 2)
                }
            }
            None => Ql::new(1, 2),
        }
    }

    /// True when music21 divides the beat in three (6/8, 9/8, 12/8, 6/4, ...).
    pub(super) fn is_compound(&self) -> bool {
        self.signature()
            .and_then(|s| s.groups.first())
            .is_some_and(|group| {
                let beats: u32 = group.beats.iter().sum();
                beats > 3 && beats.is_multiple_of(3)
            })
    }
}

fn with_symbol(beats: u32, beat_type: u32, symbol: &str) -> TimeSignature {
    let mut signature = TimeSignature::simple(beats, beat_type);
    signature.symbol = Some(symbol.to_string());
    signature
}

/// `n/d` with every digit of each side gathered; `None` unless both are positive.
fn slash_pair(data: &str) -> Option<(u32, u32)> {
    let (left, right) = data.split_once('/')?;
    if right.contains('/') {
        return None;
    }
    let digits = |s: &str| -> Option<u32> {
        let d: String = s.chars().filter(char::is_ascii_digit).collect();
        d.parse().ok().filter(|&v: &u32| v > 0 && v <= 4096)
    };
    Some((digits(left)?, digits(right)?))
}

/// An `L:` value in quarter lengths: `1/8` is 1/2. `L:1/G` (seen in Essen files) reads as 1/4.
pub(super) fn unit_length(data: &str) -> Option<Ql> {
    let (n, d) = data.split_once('/')?;
    let n: i64 = n.trim().parse().ok()?;
    let d: i64 = if d == "G" { 4 } else { d.trim().parse().ok()? };
    (n > 0 && d > 0 && n <= 64 && d <= 4096).then(|| Ql::new(n * 4, d))
}

/// A `K:` value: the key signature (with its mode when a mode is known) and the octave shift
/// music21 applies for a `bass` or `-8va` clef, in semitones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct KeyField {
    /// The signature.
    pub signature: KeySignature,
    /// -24 for `bass`, -12 for `-8va`, else 0.
    pub transposition: i32,
}

/// Key names music21 recognises, longest first so `Bb` wins over `B`.
const KEY_NAMES: [&str; 20] = [
    "bb", "eb", "ab", "db", "gb", "cb", "f#", "g#", "a#", "d#", "e#", "c#", "hp", "c", "g", "d",
    "a", "e", "b", "f",
];

impl KeyField {
    /// Reads a `K:` value such as `G`, `Gm`, `Eb Lydian`, `A Dorian`, `Hp` or `D bass`.
    pub(super) fn parse(data: &str) -> KeyField {
        let lower = data.to_lowercase();
        let (name, rest) = KEY_NAMES
            .iter()
            .find(|name| lower.starts_with(**name))
            .map_or(("c".to_string(), ""), |name| {
                let original: String = data.chars().take(name.len()).collect();
                let rest = &data[original.len()..];
                (original, rest)
            });
        let rest = rest.trim();
        let mut mode = if rest.is_empty() {
            Some(Mode::Major)
        } else {
            mode_prefix(&rest.to_lowercase())
        };
        let tonic = match name.as_str() {
            "HP" => {
                mode = None;
                "C".to_string()
            }
            "Hp" => {
                mode = None;
                "D".to_string()
            }
            _ => name,
        };
        let fifths = tonic_fifths(&tonic) + mode.map_or(0, mode_offset);
        let transposition = if lower.contains("-8va") {
            -12
        } else if lower.contains("bass") {
            -24
        } else {
            0
        };
        KeyField {
            signature: KeySignature { fifths, mode },
            transposition,
        }
    }
}

fn mode_prefix(rest: &str) -> Option<Mode> {
    const PREFIXES: [(&str, Mode); 8] = [
        ("dor", Mode::Dorian),
        ("phr", Mode::Phrygian),
        ("lyd", Mode::Lydian),
        ("mix", Mode::Mixolydian),
        ("maj", Mode::Major),
        ("ion", Mode::Ionian),
        ("aeo", Mode::Aeolian),
        ("m", Mode::Minor),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| rest.starts_with(prefix))
        .map(|&(_, mode)| mode)
}

/// music21's `modeSharpsAlter`.
fn mode_offset(mode: Mode) -> i32 {
    match mode {
        Mode::Major | Mode::Ionian => 0,
        Mode::Minor | Mode::Aeolian => -3,
        Mode::Dorian => -2,
        Mode::Phrygian => -4,
        Mode::Lydian => 1,
        Mode::Mixolydian => -1,
        Mode::Locrian => -5,
    }
}

/// Sharps of the major key on a tonic written like `F#`, `Bb` or `e` (`b` after the letter
/// is a flat).
fn tonic_fifths(tonic: &str) -> i32 {
    let mut chars = tonic.chars();
    let step = chars.next().and_then(Step::from_letter).unwrap_or(Step::C);
    let alter: i32 = chars
        .map(|c| match c {
            '#' => 1,
            'b' | '-' => -1,
            _ => 0,
        })
        .sum();
    step_fifths(step) + 7 * alter
}

/// A natural letter's place on the circle of fifths (C = 0, G = 1, F = -1).
pub(super) fn step_fifths(step: Step) -> i32 {
    match step {
        Step::F => -1,
        Step::C => 0,
        Step::G => 1,
        Step::D => 2,
        Step::A => 3,
        Step::E => 4,
        Step::B => 5,
    }
}

/// A `Q:` value: `1/4=120`, `"Allegro" 3/8=50`, or a bare number (a quarter-note tempo).
pub(super) fn tempo(data: &str) -> MetronomeMark {
    let mut text = String::new();
    let mut rest = String::new();
    let mut quoted = false;
    for c in data.chars() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => text.push(c),
            _ => rest.push(c),
        }
    }
    let text = text.trim();
    let rest = rest.trim();
    let (number, referent) = tempo_number(rest);
    MetronomeMark {
        number,
        number_sounding: None,
        referent: referent.unwrap_or(Ql::ONE),
        text: (!text.is_empty()).then(|| text.to_string()),
    }
}

/// The beats per minute and beat unit of `1/4=120` (music21 adds a whole note for each empty
/// piece between spaces, as in `1/4 = 120`).
fn tempo_number(rest: &str) -> (Option<f64>, Option<Ql>) {
    if rest.is_empty() {
        return (None, None);
    }
    let Some((durations, number)) = rest.split_once('=') else {
        return (rest.parse().ok().filter(|n: &f64| n.is_finite()), None);
    };
    let number = number.trim().parse().ok().filter(|n: &f64| n.is_finite());
    let mut referent = Ql::ZERO;
    for piece in durations.split(' ') {
        let value = match piece.split_once('/') {
            Some((n, d)) => match (n.parse::<i64>(), d.parse::<i64>()) {
                (Ok(n), Ok(d)) if d != 0 => Ql::new(n * 4, d),
                _ => Ql::ZERO,
            },
            None => Ql::from_int(4),
        };
        referent += value;
    }
    (number, referent.is_positive().then_some(referent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meters_read_common_cut_free_and_gathered_digits() {
        assert_eq!(Meter::parse("C").signature().unwrap().ratio(), "4/4");
        assert_eq!(Meter::parse("C|").signature().unwrap().ratio(), "2/2");
        assert_eq!(Meter::parse("none"), Meter::Free);
        assert_eq!(Meter::parse("6/8").default_unit(), Ql::new(1, 2));
        assert_eq!(Meter::parse("2/4").default_unit(), Ql::new(1, 4));
        assert!(Meter::parse("6/8").is_compound());
        assert!(!Meter::parse("3/8").is_compound());
        assert_eq!(Meter::parse("FREI4/4").signature().unwrap().ratio(), "4/4");
    }

    #[test]
    fn keys_read_modes_flats_and_pipes() {
        let key = |data: &str| {
            let field = KeyField::parse(data);
            (field.signature.fifths, field.signature.mode)
        };
        assert_eq!(key("G"), (1, Some(Mode::Major)));
        assert_eq!(key("Gm"), (-2, Some(Mode::Minor)));
        assert_eq!(key("Eb Lydian"), (-2, Some(Mode::Lydian)));
        assert_eq!(key("A Dorian"), (1, Some(Mode::Dorian)));
        assert_eq!(key("APhry"), (-1, Some(Mode::Phrygian)));
        assert_eq!(key("Hp"), (2, None));
        assert_eq!(key("F#m"), (3, Some(Mode::Minor)));
        assert_eq!(KeyField::parse("G bass").transposition, -24);
        assert_eq!(key("G clef=treble"), (1, None));
    }

    #[test]
    fn unit_lengths_and_tempi_are_in_quarter_lengths() {
        assert_eq!(unit_length("1/8"), Some(Ql::new(1, 2)));
        assert_eq!(unit_length("1/G"), Some(Ql::ONE));
        let mark = tempo("\"Allegro\" 3/8=50");
        assert_eq!(mark.number, Some(50.0));
        assert_eq!(mark.referent, Ql::new(3, 2));
        assert_eq!(mark.text.as_deref(), Some("Allegro"));
        assert_eq!(tempo("90").number, Some(90.0));
    }
}
