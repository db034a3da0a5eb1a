//! music-mcp: music21-compatible score analysis served over the Model Context Protocol.
//!
//! The crate is layered: `music` is pure music (model, readers, analyses) with no runtime;
//! `corpus` finds scores by music21-style names; `store` keeps imported scores durable in redb;
//! `tools` runs each MCP tool as a supervised actor; `server` is the only code that knows rmcp.

pub mod corpus;
pub mod music;
pub mod store;
