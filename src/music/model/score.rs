//! The score tree: score → parts → measures → voices → events.
//!
//! Parts follow music21's `score.parts` (a piano grand staff becomes two `PartStaff` parts).
//! Every measure knows its absolute offset, and every event its offset inside the measure, so
//! an event's absolute position is `measure.offset + event.offset` (see [`Part::events`]).

use serde::{Deserialize, Serialize};

use super::pitch::Pitch;
use super::ql::Ql;
use super::signature::{ChordSymbol, Clef, KeySignature, MetronomeMark, Placed, TimeSignature};

/// A whole score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Title, composer and other text.
    pub metadata: Metadata,
    /// Parts in score order; index 0 is the top staff.
    pub parts: Vec<Part>,
    /// The pitches were named from bare key numbers (a MIDI file), as music21's
    /// `spellingIsInferred`: a transposition then names its results the same way instead of
    /// moving letters.
    #[serde(default)]
    pub spelling_inferred: bool,
}

/// Text metadata, as music21's `score.metadata` reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The work title.
    pub title: Option<String>,
    /// The movement name (music21 falls back to the file name for MusicXML without one).
    pub movement_name: Option<String>,
    /// The first composer.
    pub composer: Option<String>,
    /// The movement number, as text.
    pub movement_number: Option<String>,
    /// The work number, as text.
    pub number: Option<String>,
}

/// Whether a part is a whole instrument or one staff of a multi-staff instrument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartKind {
    /// music21 `Part`.
    Part,
    /// music21 `PartStaff`: one staff of a multi-staff MusicXML part.
    PartStaff,
}

impl PartKind {
    /// music21's class name.
    pub fn class_name(self) -> &'static str {
        match self {
            PartKind::Part => "Part",
            PartKind::PartStaff => "PartStaff",
        }
    }
}

/// A written transposition (MusicXML `<transpose>`): written pitch + interval = sounding pitch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transposition {
    /// Diatonic steps (-1 for a B-flat clarinet).
    pub diatonic: i32,
    /// Chromatic semitones (-2 for a B-flat clarinet).
    pub chromatic: i32,
}

/// One part (or one staff of a multi-staff part).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// music21's part id: the part name for a `Part`, `P2-Staff1` for a `PartStaff`; `None`
    /// when music21 would invent one.
    pub id: Option<String>,
    /// The MusicXML `<part id>` this part came from.
    pub source_id: String,
    /// The part name.
    pub name: Option<String>,
    /// The part abbreviation.
    pub abbreviation: Option<String>,
    /// `Part` or `PartStaff`.
    pub kind: PartKind,
    /// The staff number inside the MusicXML part, for a `PartStaff`.
    pub staff: Option<u32>,
    /// The first written transposition, if the part is written at a transposing pitch.
    pub transposition: Option<Transposition>,
    /// Measures in order. Invariant: offsets never decrease.
    pub measures: Vec<Measure>,
}

/// One measure of one part.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    /// music21's measure number: the digits of the MusicXML `number` (a pickup is usually 0).
    pub number: i32,
    /// The rest of the number text (`a` in `12a`), if any.
    pub number_suffix: Option<String>,
    /// The MusicXML `number` attribute as written.
    pub number_text: Option<String>,
    /// MusicXML `implicit="yes"` (typical of pickups).
    pub implicit: bool,
    /// Offset of the measure's start from the start of the score.
    pub offset: Ql,
    /// The measure's length as music21 sees it: the end of its last element.
    pub duration: Ql,
    /// Time signatures in the measure.
    pub time_signatures: Vec<Placed<TimeSignature>>,
    /// Key signatures in the measure.
    pub key_signatures: Vec<Placed<KeySignature>>,
    /// Clefs in the measure.
    pub clefs: Vec<Placed<Clef>>,
    /// Metronome marks (written or playback-only).
    pub tempos: Vec<Placed<MetronomeMark>>,
    /// Lead-sheet chord symbols.
    pub chord_symbols: Vec<Placed<ChordSymbol>>,
    /// The measure's voices; a measure without several voices has exactly one.
    pub voices: Vec<Voice>,
}

impl Measure {
    /// Offset of the measure's end from the start of the score.
    pub fn end(&self) -> Ql {
        self.offset + self.duration
    }
}

/// One voice of a measure: events in time order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Voice {
    /// The MusicXML voice id when the measure has several voices; `None` otherwise.
    pub id: Option<String>,
    /// Notes, chords and rests, sorted by offset (ties keep document order).
    pub events: Vec<Event>,
}

/// A note, chord, rest or unpitched note.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Offset from the start of the measure.
    pub offset: Ql,
    /// Sounding length; zero for grace notes.
    pub duration: Ql,
    /// What sounds.
    pub kind: EventKind,
    /// The tie on this note; for a chord, the first tie among its notes (music21's `chord.tie`).
    pub tie: Option<Tie>,
    /// A grace note or grace chord.
    pub grace: bool,
    /// Carries a fermata.
    pub fermata: bool,
    /// Not printed: `print-object="no"`, or a rest the reader added to fill a gap.
    pub hidden: bool,
    /// The notated value, when the file gives one.
    pub notation: Option<Notation>,
}

impl Event {
    /// The sounding pitches: one for a note, several for a chord, none otherwise.
    pub fn pitches(&self) -> impl Iterator<Item = &Pitch> {
        let (single, chord): (Option<&Pitch>, &[ChordTone]) = match &self.kind {
            EventKind::Note(pitch) => (Some(pitch), &[]),
            EventKind::Chord(tones) => (None, tones.as_slice()),
            _ => (None, &[]),
        };
        single
            .into_iter()
            .chain(chord.iter().filter(|t| !t.unpitched).map(|t| &t.pitch))
    }

    /// True for rests.
    pub fn is_rest(&self) -> bool {
        matches!(self.kind, EventKind::Rest(_))
    }
}

/// The content of an event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EventKind {
    /// A single pitched note.
    Note(Pitch),
    /// Several notes struck together, in document order.
    Chord(Vec<ChordTone>),
    /// A rest.
    Rest(Rest),
    /// An unpitched (percussion) note, with its display position when given.
    Unpitched(Option<Pitch>),
}

/// One note of a chord.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChordTone {
    /// The pitch (the display position for an unpitched note).
    pub pitch: Pitch,
    /// This note's own tie.
    pub tie: Option<Tie>,
    /// An unpitched percussion note inside a percussion chord.
    pub unpitched: bool,
}

/// Details of a rest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rest {
    /// A whole-measure rest (`<rest measure="yes">` or a lone whole rest).
    pub full_measure: bool,
}

/// A tie's role on its note.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tie {
    /// The tie starts here.
    Start,
    /// The tie ends here.
    Stop,
    /// The note both ends one tie and starts the next.
    Continue,
}

/// A notated value: type, dots and tuplet ratio, for writing the score back out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notation {
    /// The MusicXML note type (`quarter`, `eighth`, `16th`, ...).
    pub note_type: String,
    /// Number of augmentation dots.
    pub dots: u8,
    /// Tuplet ratio `(actual, normal)`, such as `(3, 2)` for a triplet.
    pub tuplet: Option<(u32, u32)>,
}

/// An event with its position in the part, yielded by [`Part::events`].
#[derive(Clone, Copy, Debug)]
pub struct PlacedEvent<'a> {
    /// Index of the measure in `part.measures`.
    pub measure_index: usize,
    /// Index of the voice in the measure.
    pub voice_index: usize,
    /// Offset from the start of the score.
    pub offset: Ql,
    /// The event.
    pub event: &'a Event,
}

impl Part {
    /// Every event of every voice, measure by measure, voice by voice (music21's
    /// `part.recurse().notesAndRests` order), with absolute offsets.
    pub fn events(&self) -> impl Iterator<Item = PlacedEvent<'_>> {
        self.measures
            .iter()
            .enumerate()
            .flat_map(|(measure_index, measure)| {
                measure
                    .voices
                    .iter()
                    .enumerate()
                    .flat_map(move |(voice_index, voice)| {
                        voice.events.iter().map(move |event| PlacedEvent {
                            measure_index,
                            voice_index,
                            offset: measure.offset + event.offset,
                            event,
                        })
                    })
            })
    }

    /// The part's `highestTime`: the end of its last measure.
    pub fn duration(&self) -> Ql {
        self.measures
            .iter()
            .map(Measure::end)
            .max()
            .unwrap_or(Ql::ZERO)
    }

    /// The number of the measure containing `offset`: the last one starting at or before it.
    /// `None` for a part without measures, or a measureless part (see [`MEASURELESS`]).
    pub fn measure_number_at(&self, offset: Ql) -> Option<i32> {
        if self.is_measureless() {
            return None;
        }
        let index = self.measures.partition_point(|m| m.offset <= offset);
        let index = index.checked_sub(1).or(if self.measures.is_empty() {
            None
        } else {
            Some(0)
        })?;
        Some(self.measures[index].number)
    }
}

/// `Measure::number_text` of the one container measure of a measureless part: a part that
/// music21 holds without Measure objects (an ABC tune without barlines, for example). Readers
/// still put its events in one measure so that every walk over `measures` sees them.
pub const MEASURELESS: &str = "(no measures)";

impl Part {
    /// True when music21 would hold this part's events directly, without Measure objects; the
    /// part then has exactly one container measure marked with [`MEASURELESS`].
    pub fn is_measureless(&self) -> bool {
        matches!(self.measures.as_slice(), [only] if only.number_text.as_deref() == Some(MEASURELESS))
    }

    /// The number of Measure objects music21 reports: 0 for a measureless part.
    pub fn measure_count(&self) -> usize {
        if self.is_measureless() {
            0
        } else {
            self.measures.len()
        }
    }

    /// The measures music21 reports (none for a measureless part), for first/last numbers.
    pub fn reported_measures(&self) -> &[Measure] {
        if self.is_measureless() {
            &[]
        } else {
            &self.measures
        }
    }
}

impl Score {
    /// The score's `highestTime`: the end of the longest part.
    pub fn duration(&self) -> Ql {
        self.parts
            .iter()
            .map(Part::duration)
            .max()
            .unwrap_or(Ql::ZERO)
    }
}
