//! Roman numerals of hand-spelled chords, checked against the answers music21 10.5.1 documents
//! for `romanNumeralFromChord`.

use super::*;

fn figure(names: &str, key: &str) -> String {
    roman(names, key).figure
}

fn roman(names: &str, key: &str) -> RomanNumeral {
    let mut pitches: Vec<Pitch> = names
        .split_whitespace()
        .map(|n| Pitch::parse(n).unwrap())
        .collect();
    pitches.sort_by_key(Pitch::midi);
    let chord = Chord::new(pitches).unwrap();
    roman_numeral_from_chord(&chord, &Key::parse(key).unwrap())
}

#[test]
fn a_dominant_seventh_in_first_inversion_is_v65() {
    let rn = roman("E3 C4 G4 B-4 E5 G5", "F major");
    assert_eq!(rn.figure, "V65");
    assert_eq!(rn.scale_degree, 5);
}

#[test]
fn minor_keys_write_the_natural_sixth_and_seventh_with_a_flat() {
    assert_eq!(figure("A4 C5 E-5", "C minor"), "vio");
    assert_eq!(figure("A-4 C5 E-5", "C minor"), "bVI");
    assert_eq!(figure("B4 D5 F5", "C minor"), "viio");
    assert_eq!(figure("B-4 D5 F5", "C minor"), "bVII");
    assert_eq!(figure("A--4 C-5 E--5", "C minor"), "bbVI");
    assert_eq!(figure("A#4 C#5 E#5", "C minor"), "#vi");
}

#[test]
fn a_diminished_seventh_without_its_third_is_still_viio7() {
    assert_eq!(figure("A3 E-4 G-4", "B- minor"), "viio7");
}

#[test]
fn altered_chords_carry_their_accidentals_in_the_figure() {
    assert_eq!(figure("E-3 C4 G-6", "G# minor"), "bivo6");
    assert_eq!(figure("F#3 A3 E4 C5", "D minor"), "#iiiø7");
    assert_eq!(figure("E-4 G4 C#5", "C major"), "#io6b3");
}

#[test]
fn an_augmented_sixth_is_named_by_its_nationality() {
    let italian = roman("E-4 G4 C#5", "G major");
    assert_eq!(italian.figure, "It6");
    assert_eq!(italian.scale_degree, 4);
}

#[test]
fn minor_and_minor_major_sevenths_use_plain_and_bracketed_figures() {
    assert_eq!(figure("C4 E-4 G4 B-4", "C major"), "i7");
    assert_eq!(figure("E-4 G4 B-4 C5", "G major"), "iv65");
    assert_eq!(figure("C4 E-4 G4 B4", "C major"), "i7[#7]");
    assert_eq!(figure("E-4 G4 B4 C5", "C major"), "i65[#7]");
}

#[test]
fn half_diminished_sevenths_are_marked_with_a_slashed_circle() {
    assert_eq!(figure("A3 C4 E-4 G4", "C minor"), "viø7");
    assert_eq!(figure("A3 C4 E-4 G4", "B- major"), "viiø7");
}

#[test]
fn a_neapolitan_sixth_is_a_flat_two_in_first_inversion() {
    assert_eq!(figure("F3 A-3 D-4", "C major"), "bII6");
    assert_eq!(figure("F3 A-3 D-4", "C minor"), "bII6");
}

#[test]
fn a_cadential_six_four_is_i64() {
    assert_eq!(figure("G3 C4 E4 G4", "C major"), "I64");
    assert_eq!(figure("G3 C4 E-4", "C minor"), "i64");
}

#[test]
fn an_incomplete_dominant_seventh_is_still_a_seventh_chord() {
    assert_eq!(figure("G3 B3 F4", "C major"), "V7");
    assert_eq!(figure("B3 F4 G4", "C major"), "V65");
}

#[test]
fn a_raised_leading_tone_in_a_minor_key_triad_is_spelled_against_natural_minor() {
    // E major in A minor: the third G# is a raised degree, cleared on the first G# only.
    assert_eq!(figure("E3 G#3 B3 E4", "A minor"), "V");
    assert_eq!(figure("E3 G#3 B3 G#4", "A minor"), "V53#3");
}

#[test]
fn key_names_parse_as_music21_writes_them() {
    let key = Key::parse("E- major").unwrap();
    assert_eq!(key.tonic.name(), "E-");
    assert_eq!(key.mode, KeyMode::Major);
    assert_eq!(key.to_string(), "E- major");
    assert_eq!(Key::parse("f# minor").unwrap().to_string(), "F# minor");
    assert_eq!(Key::parse("C dorian"), None);
}
