//! The instrument music21 attaches to a part, which supplies the part's name and abbreviation
//! when `<score-part>` leaves them out.
//!
//! music21 picks an instrument from the General MIDI program, then re-reads it from the
//! `<instrument-name>` words; a part without `<part-abbreviation>` then shows the instrument's
//! abbreviation (`Pno` for a piano). Only the common orchestral and keyboard instruments are
//! known here; others leave the fields empty.

/// An instrument as music21 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Instrument {
    /// music21's `instrumentName`.
    pub name: &'static str,
    /// music21's `instrumentAbbreviation`.
    pub abbreviation: &'static str,
    /// The 0-based General MIDI program.
    pub program: u8,
}

const fn instrument(name: &'static str, abbreviation: &'static str, program: u8) -> Instrument {
    Instrument {
        name,
        abbreviation,
        program,
    }
}

const PIANO: Instrument = instrument("Piano", "Pno", 0);

/// Instruments by General MIDI program (0-based), and the words that name them.
const KNOWN: &[(Instrument, &[&str])] = &[
    (PIANO, &["piano", "pianoforte", "klavier"]),
    (instrument("Electric Piano", "E.Pno", 2), &[]),
    (
        instrument("Harpsichord", "Hpschd", 6),
        &["harpsichord", "cembalo"],
    ),
    (instrument("Clavichord", "Clv", 7), &["clavichord"]),
    (instrument("Celesta", "Clst", 8), &["celesta"]),
    (instrument("Pipe Organ", "P Org", 19), &["organ"]),
    (instrument("Accordion", "Acc", 21), &["accordion"]),
    (instrument("Acoustic Guitar", "Ac Gtr", 24), &["guitar"]),
    (instrument("Violin", "Vln", 40), &["violin", "violino"]),
    (instrument("Viola", "Vla", 41), &["viola"]),
    (
        instrument("Violoncello", "Vc", 42),
        &["violoncello", "cello"],
    ),
    (
        instrument("Contrabass", "Cb", 43),
        &["contrabass", "kontrabass"],
    ),
    (instrument("Harp", "Hp", 46), &["harp"]),
    (instrument("Timpani", "Timp", 47), &["timpani"]),
    (instrument("Choir", "Ch", 52), &["choir"]),
    (instrument("Trumpet", "Tpt", 56), &["trumpet"]),
    (instrument("Trombone", "Trb", 57), &["trombone"]),
    (instrument("Tuba", "Tba", 58), &["tuba"]),
    (instrument("Horn", "Hn", 60), &["horn"]),
    (instrument("Oboe", "Ob", 68), &["oboe"]),
    (instrument("Bassoon", "Bsn", 70), &["bassoon"]),
    (instrument("Clarinet", "Cl", 71), &["clarinet"]),
    (instrument("Piccolo", "Picc", 72), &["piccolo"]),
    (instrument("Flute", "Fl", 73), &["flute"]),
    (instrument("Recorder", "Rec", 74), &["recorder"]),
];

/// The instrument for a 1-based MusicXML `<midi-program>` (music21 treats 0 as 1).
fn from_program(program: u32) -> Option<Instrument> {
    let program = program.saturating_sub(1);
    KNOWN
        .iter()
        .map(|(i, _)| *i)
        .find(|i| u32::from(i.program) == program)
}

/// The instrument whose name appears among the words of `text` (music21's `fromString`).
fn from_name(text: &str) -> Option<Instrument> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
    KNOWN
        .iter()
        .find(|(_, names)| names.iter().any(|name| words.contains(name)))
        .map(|(i, _)| *i)
}

/// music21's `getDefaultInstrument`: by program, then re-read from the instrument name when
/// that agrees with the program or the program is a piano (a common placeholder).
pub(super) fn default_instrument(
    program: Option<u32>,
    instrument_name: Option<&str>,
) -> Option<Instrument> {
    let by_program = program.and_then(from_program);
    let Some(name) = instrument_name.filter(|n| !n.is_empty()) else {
        return by_program;
    };
    let by_name = from_name(name);
    let program_is_piano = by_program == Some(PIANO);
    let same_program = by_name.map(|i| i.program) == by_program.map(|i| i.program);
    if program_is_piano || (by_program.is_some() && same_program) {
        by_name
    } else {
        by_program
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piano_program_is_renamed_from_the_instrument_name() {
        let grand = default_instrument(Some(1), Some("Acoustic Grand Piano"));
        assert_eq!(grand.map(|i| i.abbreviation), Some("Pno"));
        assert_eq!(default_instrument(Some(1), Some("Instrument 5")), None);
    }

    #[test]
    fn other_programs_keep_their_instrument_unless_the_name_agrees() {
        assert_eq!(
            default_instrument(Some(72), Some("Bb Clarinet")).map(|i| i.abbreviation),
            Some("Cl")
        );
        assert_eq!(
            default_instrument(Some(53), None).map(|i| i.name),
            Some("Choir")
        );
        assert_eq!(
            default_instrument(Some(41), Some("Flute")).map(|i| i.name),
            Some("Violin")
        );
    }
}
