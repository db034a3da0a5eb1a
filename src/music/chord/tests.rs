//! Behaviour of chord identification on small hand-spelled chords, checked against what
//! music21 10.5.1 answers for the same pitches.

use super::*;

fn chord(names: &str) -> Chord {
    let mut pitches: Vec<Pitch> = names
        .split_whitespace()
        .map(|n| Pitch::parse(n).unwrap())
        .collect();
    pitches.sort_by_key(Pitch::midi);
    Chord::new(pitches).unwrap()
}

#[test]
fn a_root_position_triad_is_named_by_its_root_and_quality() {
    let c = chord("F3 A3 C4 F4");
    assert_eq!(c.root().name(), "F");
    assert_eq!(c.bass().name(), "F");
    assert_eq!(c.quality(), Quality::Major);
    assert_eq!(c.common_name(), "major triad");
    assert_eq!(c.inversion(), 0);
    assert!(c.is_consonant());
}

#[test]
fn a_chord_with_a_missing_fifth_is_still_named_by_its_root() {
    let c = chord("E3 C4 C5");
    assert_eq!(c.root().name(), "C");
    assert_eq!(c.bass().name(), "E");
    assert_eq!(c.quality(), Quality::Major);
    assert_eq!(c.inversion(), 1);
    // The name reads the interval up from the lowest pitch: E3 to C4.
    assert_eq!(c.common_name(), "Minor Sixth with octave doublings");
}

#[test]
fn an_incomplete_dominant_seventh_is_named_from_the_set_class_table() {
    let c = chord("G3 F4 B4");
    assert_eq!(c.root().name(), "G");
    assert_eq!(c.common_name(), "incomplete dominant-seventh chord");
    assert_eq!(c.quality(), Quality::Major);
    assert!(!c.is_consonant());
}

#[test]
fn sevenths_are_named_and_inverted() {
    let v65 = chord("B3 D4 F4 G4");
    assert_eq!(v65.root().name(), "G");
    assert_eq!(v65.common_name(), "dominant seventh chord");
    assert_eq!(v65.inversion(), 1);
    assert_eq!(
        chord("B3 D4 F4 A-4").common_name(),
        "diminished seventh chord"
    );
    assert_eq!(
        chord("B3 D4 F4 A4").common_name(),
        "half-diminished seventh chord"
    );
    assert_eq!(chord("D3 F3 A3 C4").common_name(), "minor seventh chord");
    assert_eq!(chord("F3 A3 C4 E4").common_name(), "major seventh chord");
}

#[test]
fn misspelled_chords_are_enharmonic_equivalents() {
    assert_eq!(
        chord("C4 E4 A--4").common_name(),
        "enharmonic equivalent to major triad"
    );
    assert_eq!(
        chord("C4 F-4 G4 B-4").common_name(),
        "enharmonic to dominant seventh chord"
    );
}

#[test]
fn augmented_sixth_chords_are_recognised_with_their_inversion() {
    let german = chord("A-3 C4 E-4 F#4");
    assert_eq!(german.common_name(), "German augmented sixth chord");
    assert!(german.is_augmented_sixth(false));
    assert_eq!(
        chord("A-3 C4 F#4").common_name(),
        "Italian augmented sixth chord"
    );
    assert_eq!(
        chord("A-3 C4 D4 F#4").common_name(),
        "French augmented sixth chord"
    );
    assert_eq!(
        chord("C4 F#4 A-4").common_name(),
        "Italian augmented sixth chord in second inversion"
    );
}

#[test]
fn dyads_are_named_by_their_interval() {
    assert_eq!(chord("C4 E4").common_name(), "Major Third");
    assert_eq!(chord("C3 E4").common_name(), "Major Tenth");
    assert_eq!(chord("C4 C5").common_name(), "Perfect Octave");
    assert_eq!(chord("C3 C4 C5").common_name(), "multiple octaves");
    assert_eq!(chord("C4").common_name(), "note");
    assert_eq!(chord("C4 E4 F-5").common_name(), "4 semitones");
}

#[test]
fn two_note_consonance_depends_on_spelling() {
    assert!(chord("C4 E5").is_consonant());
    assert!(!chord("C4 F-4").is_consonant());
    assert!(!chord("C4 F4").is_consonant());
    assert!(chord("C4 G4").is_consonant());
}

#[test]
fn a_second_inversion_triad_is_dissonant() {
    let c = chord("G3 C4 E4");
    assert_eq!(c.inversion(), 2);
    assert!(!c.is_consonant());
}

#[test]
fn a_chord_with_two_spellings_of_its_third_has_other_quality() {
    assert_eq!(chord("C4 E-4 E4 G4").quality(), Quality::Other);
}

#[test]
fn roots_without_stacked_thirds_follow_music21s_rootness_score() {
    // C D G: no letter has stacked thirds above it; C scores a fifth (G) and a ninth (D),
    // which beats G's fifth (D) and eleventh (C).
    assert_eq!(chord("C4 D4 G4").root().name(), "C");
    // C E B-flat D: C has the third, seventh and ninth above it.
    assert_eq!(chord("C4 E4 B-4 D5").root().name(), "C");
}

#[test]
fn a_thirteenth_chord_is_rooted_on_its_bass() {
    let c = chord("F3 A3 C4 E4 G4 B4 D5");
    assert_eq!(c.root().name(), "F");
    let c = chord("D3 F3 A3 C4 E4 G4 B4");
    assert_eq!(c.root().name(), "D");
}
