//! Why a configuration could not be built; each message names the setting and the fix.

use std::path::PathBuf;

/// A configuration layer that could not be read or a value that is not allowed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The TOML file could not be read.
    #[error("cannot read the configuration file {}: {source}; check --config or MUSIC_MCP_CONFIG", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The TOML file is not valid TOML.
    #[error("configuration file {} is not valid TOML: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// An environment variable holds a value of the wrong kind.
    #[error("environment variable {name}='{value}' is not {expected}")]
    Env {
        /// The variable.
        name: String,
        /// Its value.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
    /// A `--set` entry is malformed.
    #[error("--set '{entry}': {reason}")]
    Set {
        /// The entry as given.
        entry: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A setting has a value that is not allowed.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}
