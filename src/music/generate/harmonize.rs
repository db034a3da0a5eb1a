//! Harmonising a melody.
