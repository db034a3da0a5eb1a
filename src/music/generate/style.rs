//! Style features and imitation.
