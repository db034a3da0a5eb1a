//! music-mcp: music21-compatible score analysis served over the Model Context Protocol.
//!
//! The crate is layered: `music` is pure music (model, readers, analyses) with no runtime;
//! `corpus` finds scores by music21-style names; `store` keeps imported scores durable in redb;
//! `tools` runs each MCP tool as a supervised actor; `server` is the only code that knows rmcp.

pub mod client;
pub mod config;
pub mod corpus;
pub mod demo;
pub mod metrics;
pub mod music;
pub mod server;
pub mod shutdown;
pub mod store;
pub mod stress;
pub mod tools;
pub mod watchdog;

/// The per-user default data directory: `$XDG_DATA_HOME/music-mcp` or its platform equivalent,
/// falling back to `./music-mcp-data`.
pub fn default_data_dir() -> std::path::PathBuf {
    dirs::data_dir()
        .map(|d| d.join("music-mcp"))
        .unwrap_or_else(|| std::path::PathBuf::from("music-mcp-data"))
}

/// The multi-threaded tokio runtime every command runs on; when it cannot start, the reason is
/// printed on stderr and `None` returned, for the caller to exit with its own code.
pub fn start_async_runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => Some(runtime),
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            None
        }
    }
}
