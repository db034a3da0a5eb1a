//! The command-line flags that set configuration, shared by `serve` and `config --print`.
//!
//! Each flag maps to one setting; `--set KEY=VALUE` reaches any setting by its TOML path.
//! Flags win over the environment, which wins over the file.

use std::path::PathBuf;

use toml::{Table, Value};

use super::layer::{insert_path, parse_set};
use super::{ConfigError, LogFormat, Profile};

/// Configuration flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigFlags {
    /// A TOML configuration file (also MUSIC_MCP_CONFIG).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Defaults to start from: `default`, or `lite` for machines with about 2 GB of memory.
    #[arg(long, value_enum)]
    pub profile: Option<Profile>,
    /// Folder of the durable score store.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A corpus folder searched after the built-in corpus; repeat for several.
    #[arg(long = "corpus", value_name = "DIR")]
    pub corpus: Vec<PathBuf>,
    /// Folder exported files are written to.
    #[arg(long, value_name = "DIR")]
    pub export_dir: Option<PathBuf>,
    /// Serve MCP Streamable HTTP instead of stdio, at ADDR (default http.bind, 127.0.0.1:8000).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "")]
    pub http: Option<String>,
    /// Bearer token required on /mcp and /health/detailed (also MUSIC_MCP_AUTH_TOKEN).
    #[arg(long, value_name = "TOKEN")]
    pub auth_token: Option<String>,
    /// A browser origin allowed to call, such as https://app.example.com:443; repeatable.
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,
    /// A Host header value accepted, such as music.example.com; repeatable.
    #[arg(long = "allowed-host", value_name = "HOST")]
    pub allowed_hosts: Vec<String>,
    /// Largest HTTP request body accepted, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<u64>,
    /// A folder file imports may read from; repeatable (confines `source_type=file`).
    #[arg(long = "import-root", value_name = "DIR")]
    pub import_roots: Vec<PathBuf>,
    /// Log filter in tracing EnvFilter syntax, such as `info` or `debug`.
    #[arg(long, value_name = "FILTER")]
    pub log_level: Option<String>,
    /// Log line format on stderr.
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,
    /// Turn the chaos monkey on.
    #[arg(long)]
    pub chaos: bool,
    /// Any setting by its TOML path, such as `limits.max_events=100000`; repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl ConfigFlags {
    /// The settings these flags give, as a table (`--set` entries first, named flags over them).
    pub(super) fn to_table(&self) -> Result<Table, ConfigError> {
        let mut table = Table::new();
        for entry in &self.set {
            let (path, value) = parse_set(entry)?;
            insert_path(&mut table, &path, value);
        }

        let text = |s: &str| Value::String(s.to_string());
        let path = |p: &PathBuf| Value::String(p.display().to_string());
        let paths = |ps: &[PathBuf]| Value::Array(ps.iter().map(path).collect());
        let texts = |ts: &[String]| Value::Array(ts.iter().map(|t| text(t)).collect());
        let mut set = |key: &str, value: Value| insert_path(&mut table, key, value);

        if let Some(profile) = self.profile {
            set("profile", text(&profile.to_string()));
        }
        if let Some(dir) = &self.data_dir {
            set("data_dir", path(dir));
        }
        if !self.corpus.is_empty() {
            set("corpus", paths(&self.corpus));
        }
        if let Some(dir) = &self.export_dir {
            set("export_dir", path(dir));
        }
        if let Some(addr) = &self.http {
            set("transport", text("http"));
            if !addr.is_empty() {
                set("http.bind", text(addr));
            }
        }
        if let Some(token) = &self.auth_token {
            set("http.auth_token", text(token));
        }
        if !self.allowed_origins.is_empty() {
            set("http.allowed_origins", texts(&self.allowed_origins));
        }
        if !self.allowed_hosts.is_empty() {
            set("http.allowed_hosts", texts(&self.allowed_hosts));
        }
        if let Some(bytes) = self.max_body_bytes {
            set("http.max_body_bytes", number(bytes)?);
        }
        if !self.import_roots.is_empty() {
            set("imports.roots", paths(&self.import_roots));
        }
        if let Some(level) = &self.log_level {
            set("log.level", text(level));
        }
        if let Some(format) = self.log_format {
            let name = match format {
                LogFormat::Text => "text",
                LogFormat::Json => "json",
            };
            set("log.format", text(name));
        }
        if self.chaos {
            set("chaos.enabled", Value::Boolean(true));
        }
        Ok(table)
    }
}

fn number(value: u64) -> Result<Value, ConfigError> {
    i64::try_from(value)
        .map(Value::Integer)
        .map_err(|_| ConfigError::Invalid(format!("{value} is too large")))
}
