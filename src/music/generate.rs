//! Generating music: four-part harmonisation of a melody, species counterpoint after Fux, and
//! Markov-chain style imitation.
//!
//! Pure music like the analyses beside it: synchronous, no tokio, ractor or rmcp. Every
//! generator takes an explicit seed, so the same input and seed give the same score. The tools
//! `harmonize_melody`, `generate_counterpoint`, `check_counterpoint`, `imitate_style` and
//! `analyze_style` in `src/tools/` wrap these functions and store what they make.

pub mod build;
pub mod counterpoint;
pub mod harmonize;
pub mod scale;
pub mod style;
