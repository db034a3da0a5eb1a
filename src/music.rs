//! Pure music: the score model, the format readers and the analyses.
//!
//! Nothing here knows tokio, ractor or rmcp; every function is synchronous and testable alone.

pub mod histogram;
pub mod info;
pub mod key;
pub mod model;
pub mod musicxml;
pub mod read;
pub mod record;
