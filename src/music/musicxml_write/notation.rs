//! Notated values for durations that carry none: note type, dots and tuplet ratio.
//!
//! Used for notes read from formats without notation (MIDI) and for rests made by readers.
//! A duration that no single value (with up to three dots, plain or in a triplet, quintuplet,
//! sextuplet or septuplet) can show gets no type, which MusicXML allows.

use crate::music::model::{Notation, Ql};

/// Note types from the longest, with their lengths in quarter notes as `(numerator,
/// denominator)`.
const TYPES: [(&str, i64, i64); 11] = [
    ("breve", 8, 1),
    ("whole", 4, 1),
    ("half", 2, 1),
    ("quarter", 1, 1),
    ("eighth", 1, 2),
    ("16th", 1, 4),
    ("32nd", 1, 8),
    ("64th", 1, 16),
    ("128th", 1, 32),
    ("256th", 1, 64),
    ("512th", 1, 128),
];

/// Tuplet ratios `(actual, normal)` tried after plain values.
const TUPLETS: [(u32, u32); 5] = [(3, 2), (5, 4), (6, 4), (7, 4), (9, 8)];

/// The notated value of a duration, if one exists.
pub(super) fn notation_for(duration: Ql) -> Option<Notation> {
    if !duration.is_positive() {
        return None;
    }
    if let Some((note_type, dots)) = plain_value(duration) {
        return Some(Notation {
            note_type: note_type.to_string(),
            dots,
            tuplet: None,
        });
    }
    TUPLETS.iter().find_map(|&(actual, normal)| {
        let untupled = duration * Ql::new(i64::from(actual), i64::from(normal));
        let (note_type, dots) = plain_value(untupled).filter(|&(_, dots)| dots <= 1)?;
        Some(Notation {
            note_type: note_type.to_string(),
            dots,
            tuplet: Some((actual, normal)),
        })
    })
}

/// A type and dot count whose length is exactly `duration`.
fn plain_value(duration: Ql) -> Option<(&'static str, u8)> {
    for (name, num, den) in TYPES {
        let base = Ql::new(num, den);
        let mut length = base;
        let mut added = base;
        for dots in 0..=3u8 {
            if length == duration {
                return Some((name, dots));
            }
            added = added * Ql::new(1, 2);
            length += added;
        }
    }
    None
}

/// The length of a beat unit type with dots as the MusicXML reader counts them (each
/// `<beat-unit-dot>` multiplies by 3/2); `None` when no type and up to two dots give `referent`.
pub(super) fn beat_unit_for(referent: Ql) -> Option<(&'static str, u8)> {
    for (name, num, den) in TYPES {
        let mut length = Ql::new(num, den);
        for dots in 0..=2u8 {
            if length == referent {
                return Some((name, dots));
            }
            length = length * Ql::new(3, 2);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A note type, its dots and its tuplet ratio.
    type Described = (String, u8, Option<(u32, u32)>);

    fn described(duration: Ql) -> Option<Described> {
        notation_for(duration).map(|n| (n.note_type, n.dots, n.tuplet))
    }

    #[test]
    fn binary_durations_get_a_type_and_dots() {
        assert_eq!(described(Ql::ONE), Some(("quarter".into(), 0, None)));
        assert_eq!(described(Ql::new(3, 2)), Some(("quarter".into(), 1, None)));
        assert_eq!(described(Ql::new(7, 4)), Some(("quarter".into(), 2, None)));
        assert_eq!(described(Ql::from_int(3)), Some(("half".into(), 1, None)));
    }

    #[test]
    fn thirds_and_fifths_become_tuplets() {
        assert_eq!(
            described(Ql::new(1, 3)),
            Some(("eighth".into(), 0, Some((3, 2))))
        );
        assert_eq!(
            described(Ql::new(2, 3)),
            Some(("quarter".into(), 0, Some((3, 2))))
        );
        assert_eq!(
            described(Ql::new(1, 5)),
            Some(("16th".into(), 0, Some((5, 4))))
        );
    }

    #[test]
    fn durations_without_a_single_value_get_none() {
        assert_eq!(described(Ql::from_int(5)), None);
        assert_eq!(described(Ql::ZERO), None);
    }

    #[test]
    fn beat_units_count_dots_as_the_reader_does() {
        assert_eq!(beat_unit_for(Ql::ONE), Some(("quarter", 0)));
        assert_eq!(beat_unit_for(Ql::new(3, 2)), Some(("quarter", 1)));
        assert_eq!(beat_unit_for(Ql::from_int(2)), Some(("half", 0)));
    }
}
