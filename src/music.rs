//! Pure music: the score model, the format readers and the analyses.
