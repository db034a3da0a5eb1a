//! The score model shared by every reader, analysis and writer.
//!
//! It is plain data (`Clone + Debug + PartialEq + Serialize + Deserialize`) so the score store
//! can keep it; times are exact [`Ql`] fractions and pitches keep their spelling.

pub mod pitch;
pub mod ql;
pub mod score;
pub mod signature;

pub use pitch::{Pitch, Step};
pub use ql::Ql;
pub use score::{
    ChordTone, Event, EventKind, Measure, Metadata, Notation, Part, PartKind, PlacedEvent, Rest,
    Score, Tie, Transposition, Voice,
};
pub use signature::{
    ChordSymbol, Clef, KeySignature, MetronomeMark, Mode, Placed, TimeGroup, TimeSignature,
};
