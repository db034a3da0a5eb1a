//! Roman numerals for chords in a key, as music21's `roman.romanNumeralFromChord(chord, key)`
//! writes them: `V65`, `viio7`, `I64`, `bVI`, `It6`, `II53#3` and the rest of music21's
//! figured-bass spelling, quirks included.
//!
//! The numeral is the root's scale degree (natural minor in minor keys, with music21's `b`/`#`
//! corrections for the sixth and seventh degrees), upper case over a major third; the figure
//! lists every interval above the bass with its accidental against the key of the numeral's own
//! tonic, then music21's shorthands (`63` → `6`, `643` → `43`, ...), quality marks (`o`, `ø`,
//! `+`) and substitutions (minor sevenths, minor-major sevenths, augmented sixths).
//! This sits above [`super::chord`] and below the record and tools.

use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;

use super::chord::Chord;
use super::chord::interval::letter_distance;
use super::key::KeyAnalysis;
use super::model::Pitch;

/// Major or minor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyMode {
    /// A major key.
    Major,
    /// A minor key (natural minor for scale degrees).
    Minor,
}

/// A key: a spelled tonic and a mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// The tonic (its octave is ignored).
    pub tonic: Pitch,
    /// Major or minor.
    pub mode: KeyMode,
}

/// A Roman numeral as music21 gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RomanNumeral {
    /// The figure, for example `"V65"`, `"viio7"` or `"It6"`.
    pub figure: String,
    /// The scale degree of the numeral, 1 to 7 (4 for Italian and German sixths, 2 for French
    /// and Swiss ones, as music21 parses them).
    pub scale_degree: u8,
}

/// Semitones above the tonic of each degree of the major scale.
const MAJOR_SCALE: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];
/// Semitones above the tonic of each degree of the natural minor scale.
const MINOR_SCALE: [i32; 7] = [0, 2, 3, 5, 7, 8, 10];

/// music21's shorthands for complete figures.
const FIGURE_SHORTHANDS: [(&str, &str); 20] = [
    ("53", ""),
    ("3", ""),
    ("63", "6"),
    ("753", "7"),
    ("75", "7"),
    ("73", "7"),
    ("9753", "9"),
    ("975", "9"),
    ("953", "9"),
    ("97", "9"),
    ("95", "9"),
    ("93", "9"),
    ("653", "65"),
    ("6b53", "6b5"),
    ("643", "43"),
    ("642", "42"),
    ("bb7b5b3", "o7"),
    ("b7b5b3", "ø7"),
    ("bb7b53", "o7"),
    ("b7b53", "ø7"),
];

/// Figures of minor-minor sevenths rewritten to plain inversion figures.
const MINOR_SEVENTH_SUBSTITUTES: [(&str, &str); 4] = [
    ("b75b3", "7"),
    ("6b5", "65"),
    ("b64b3", "43"),
    ("6b42", "42"),
];

/// Figures of minor-major sevenths rewritten with a `[#7]` mark.
const MINOR_MAJOR_SEVENTH_SUBSTITUTES: [(&str, &str); 8] = [
    ("75b3", "7[#7]"),
    ("65", "65[#7]"),
    ("b643", "43[#7]"),
    ("6b42", "42[#7]"),
    ("#753", "#7"),
    ("6#53", "65[#7]"),
    ("64#3", "43[#7]"),
    ("42", "42[#7]"),
];

/// Whole numerals music21 renames as augmented sixths when the chord is one.
const AUGMENTED_SIXTH_SUBSTITUTES: [(&str, &str); 27] = [
    ("#ivo6b3", "It6"),
    ("#ivob64", "It64"),
    ("#ivobb64", "It64"),
    ("#ivob5b3", "It53"),
    ("#ivob5bb3", "It53"),
    ("IIø#643", "Fr43"),
    ("IIø75#3", "Fr7"),
    ("IIø7b5#3", "Fr7"),
    ("IIø6#42", "Fr42"),
    ("IIøb6#42", "Fr42"),
    ("IIø65", "Fr65"),
    ("IIø65b3", "Fr65"),
    ("#ii64b3", "Sw43"),
    ("#iiø7", "Sw7"),
    ("#iib7bb53", "Sw7"),
    ("#iib642", "Sw42"),
    ("#iibb642", "Sw42"),
    ("#ii6b5b3", "Sw65"),
    ("#ii6b5bb3", "Sw65"),
    ("#ivo6b5b3", "Ger65"),
    ("#ivo6bb5b3", "Ger65"),
    ("#ivob64b3", "Ger43"),
    ("#ivobb64bb3", "Ger43"),
    ("#ivob6b42", "Ger42"),
    ("#ivob6bb42", "Ger42"),
    ("#ivø7", "Ger7"),
    ("#ivobb7b5bb3", "Ger7"),
];

impl Key {
    /// A key on `tonic` in `mode`.
    pub fn new(tonic: Pitch, mode: KeyMode) -> Key {
        Key { tonic, mode }
    }

    /// Parses a music21 key name such as `"E- major"` or `"f# minor"`.
    pub fn parse(name: &str) -> Option<Key> {
        let (tonic, mode) = name.trim().split_once(' ')?;
        let mode = match mode.trim().to_ascii_lowercase().as_str() {
            "major" => KeyMode::Major,
            "minor" => KeyMode::Minor,
            _ => return None,
        };
        let tonic = Pitch::parse(tonic.trim())?;
        Some(Key { tonic, mode })
    }

    /// The key a key analysis found.
    pub fn from_analysis(analysis: &KeyAnalysis) -> Option<Key> {
        Key::parse(&analysis.name)
    }

    /// The spelled pitch of a scale degree (1 to 7), natural minor in minor keys.
    pub fn scale_pitch(&self, degree: i32) -> Pitch {
        let scale = match self.mode {
            KeyMode::Major => &MAJOR_SCALE,
            KeyMode::Minor => &MINOR_SCALE,
        };
        let index = (degree - 1).rem_euclid(7);
        self.tonic.transposed(index, scale[index as usize])
    }

    /// music21's `getScaleDegreeAndAccidentalFromPitch`: the degree of the pitch's letter and
    /// its alteration against the scale's pitch on that letter.
    pub fn degree_and_alteration(&self, pitch: &Pitch) -> (i32, i32) {
        let degree = letter_distance(&self.tonic, pitch);
        let scale = self.scale_pitch(degree);
        (degree, i32::from(pitch.alter) - i32::from(scale.alter))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match self.mode {
            KeyMode::Major => "major",
            KeyMode::Minor => "minor",
        };
        write!(f, "{} {mode}", self.tonic.name())
    }
}

/// music21's `romanNumeralFromChord(chord, key)`.
pub fn roman_numeral_from_chord(chord: &Chord, key: &Key) -> RomanNumeral {
    let root = chord.root();
    let major_third = chord.semitones_from_chord_step(3) == Some(4);

    // The root's degree, with music21's minor-key correction of the sixth and seventh.
    let (degree, alteration) = key.degree_and_alteration(root);
    let (alteration, prefix) = correct_for_minor(degree, alteration, key.mode);

    // Figures are spelled against the key of the numeral's own (possibly altered) tonic.
    let tonic = key.tonic.transposed(0, alteration);
    let altered_key = Key::new(tonic, key.mode);
    let numeral = roman_letters(degree);
    let numeral = if major_third {
        numeral.to_string()
    } else {
        numeral.to_lowercase()
    };
    let figure = post_figure(chord, &altered_key);

    let substituted = if major_third {
        None
    } else if let Some(sub) = lookup(&MINOR_SEVENTH_SUBSTITUTES, &figure)
        .filter(|_| chord.is_seventh_of_type(&[0, 3, 7, 10]))
    {
        Some(format!("{prefix}{numeral}{sub}"))
    } else {
        lookup(&MINOR_MAJOR_SEVENTH_SUBSTITUTES, &figure)
            .filter(|_| chord.is_seventh_of_type(&[0, 3, 7, 11]))
            .map(|sub| format!("{prefix}{numeral}{sub}"))
    };
    if let Some(figure) = substituted {
        return RomanNumeral {
            figure,
            scale_degree: degree as u8,
        };
    }

    let plain = format!("{prefix}{numeral}{figure}");
    match lookup(&AUGMENTED_SIXTH_SUBSTITUTES, &plain).filter(|_| chord.is_augmented_sixth(true)) {
        Some(name) => RomanNumeral {
            figure: name.to_string(),
            scale_degree: if name.starts_with("Fr") || name.starts_with("Sw") {
                2
            } else {
                4
            },
        },
        None => RomanNumeral {
            figure: plain,
            scale_degree: degree as u8,
        },
    }
}

/// music21's `correctRNAlterationForMinor`: in minor, the natural sixth and seventh are written
/// `b` (`bVI`), the raised ones plain (`vii`); returns the alteration and the numeral's prefix.
fn correct_for_minor(degree: i32, alteration: i32, mode: KeyMode) -> (i32, String) {
    let prefix = accidental_prefix(alteration);
    if mode != KeyMode::Minor || !matches!(degree, 6 | 7) {
        return (alteration, prefix);
    }
    match alteration {
        1 => (0, String::new()),
        0 => (0, "b".to_string()),
        a if a > 1 => (a - 1, prefix[1..].to_string()),
        a => (a, format!("b{prefix}")),
    }
}

/// `b` or `#` repeated for an alteration (`bb` for -2).
fn accidental_prefix(alteration: i32) -> String {
    let symbol = if alteration < 0 { "b" } else { "#" };
    symbol.repeat(alteration.unsigned_abs() as usize)
}

fn roman_letters(degree: i32) -> &'static str {
    ["I", "II", "III", "IV", "V", "VI", "VII"][(degree - 1).rem_euclid(7) as usize]
}

fn lookup(table: &[(&str, &'static str)], figure: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(from, _)| *from == figure)
        .map(|(_, to)| *to)
}

/// One pitch's figure: its letter above the bass and its accidental against the key.
struct Figure {
    above_bass: i32,
    alteration: i32,
    midi: i32,
    index: usize,
}

/// music21's `_postFigureFromChordAndKey`: the figure after the numeral.
fn post_figure(chord: &Chord, key: &Key) -> String {
    let bass = chord.bass();
    let mut figures: Vec<Figure> = chord
        .pitches()
        .iter()
        .enumerate()
        .map(|(index, pitch)| Figure {
            above_bass: letter_distance(bass, pitch),
            alteration: key.degree_and_alteration(pitch).1,
            midi: pitch.midi(),
            index,
        })
        .collect();
    let bass_alteration = figures[0].alteration;
    let triad = TriadKind::of(chord);
    let (third, fifth) = (chord.third_index(), chord.fifth_index());

    // Highest interval first, then by alteration and pitch (a stable sort, as in music21).
    figures.sort_by_key(|f| (-f.above_bass, f.alteration, f.midi));
    let mut parts: Vec<String> = Vec::new();
    for figure in &figures {
        let mut prefix = accidental_prefix(figure.alteration);
        if figure.above_bass != 1 && Some(figure.index) == third {
            if triad.major_or_minor {
                prefix.clear();
            }
        } else if figure.above_bass != 1 && Some(figure.index) == fifth && triad.standard {
            prefix.clear();
        }

        if figure.above_bass == 1 {
            // An altered doubling of the bass is marked as an octave, first.
            let octave = format!("{prefix}8");
            if figure.alteration != bass_alteration
                && !prefix.is_empty()
                && !parts.contains(&octave)
            {
                parts.insert(0, octave);
            }
        } else {
            let text = format!("{prefix}{}", figure.above_bass);
            if !parts.contains(&text) {
                parts.push(text);
            }
        }
    }

    let mut joined = parts.concat();
    if let Some(short) = lookup(&FIGURE_SHORTHANDS, &joined) {
        joined = short.to_string();
    }
    if joined == "75" || joined == "73" {
        joined = "7".to_string();
    }
    with_quality_mark(chord, joined)
}

/// Which standard triad a three-pitch-class chord is, as the figure rules need it.
struct TriadKind {
    major_or_minor: bool,
    standard: bool,
}

impl TriadKind {
    fn of(chord: &Chord) -> TriadKind {
        if chord.pitch_class_cardinality() != 3 {
            return TriadKind {
                major_or_minor: false,
                standard: false,
            };
        }
        let major_or_minor = chord.is_major_triad() || chord.is_minor_triad();
        let standard = major_or_minor || chord.is_diminished_triad() || chord.is_augmented_triad();
        TriadKind {
            major_or_minor,
            standard,
        }
    }
}

/// music21's `correctSuffixForChordQuality`: `o` over a diminished fifth (`ø` with a minor
/// seventh), `+` over an augmented one.
fn with_quality_mark(chord: &Chord, figure: String) -> String {
    let fifth = chord.semitones_from_chord_step(5);
    let mut mark = match fifth {
        Some(6) => "o",
        Some(8) => "+",
        _ => "",
    };
    let already_marked = ["o", "°", "/o", "ø"].iter().any(|m| figure.starts_with(m));
    if already_marked && mark == "o" {
        mark = "";
    }
    let seventh = chord.semitones_from_chord_step(7).filter(|&s| s != 0);
    if seventh == Some(10) && fifth == Some(6) && mark == "o" {
        mark = "ø";
    }
    format!("{mark}{figure}")
}

#[cfg(test)]
mod tests;
