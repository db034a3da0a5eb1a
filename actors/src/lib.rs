//! Supervision runtime.
