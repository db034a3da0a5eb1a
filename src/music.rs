//! Pure music: the score model, the format readers and the analyses.
//!
//! Nothing here knows tokio, ractor or rmcp; every function is synchronous and testable alone.

pub mod abc;
pub mod abc_write;
pub mod chord;
pub mod chordify;
pub mod generate;
pub mod harmony;
pub mod histogram;
pub mod humdrum;
pub mod info;
pub mod interval;
pub mod key;
pub mod line;
pub mod melodic;
pub mod midi;
pub mod model;
pub mod musicxml;
pub mod musicxml_write;
pub mod patterns;
pub mod read;
pub mod record;
pub mod roman;
pub mod text_listing;
pub mod transpose;
pub mod voice_leading;
