//! The server's configuration: profile defaults, then an optional TOML file, then environment
//! variables, then command-line flags, each layer overriding the one before it.
//!
//! `main` builds one [`Config`] with [`Config::load`] and derives from it the runtime's
//! [`RuntimeConfig`] and the HTTP server's settings; `music-mcp config --print` shows it as TOML.
//! Every layer is first turned into a TOML table ([`layer`]), the tables are merged over the
//! profile's defaults, and the result is deserialised and checked once, so a setting has the
//! same name and type in the file, in `--set`, and in the environment table of [`env`].

pub mod env;
mod error;
pub mod flags;
mod layer;
mod profile;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use music_mcp_actors::{BucketConfig, Intensity};
use serde::{Deserialize, Serialize};

pub use error::ConfigError;
pub use flags::ConfigFlags;
pub use profile::Profile;

use crate::music::read::ReadLimits;
use crate::tools::RuntimeConfig;

/// The effective configuration of one server process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Which defaults the other settings start from: `default` or `lite` (2 GB machines).
    pub profile: Profile,
    /// How `serve` talks to clients: `stdio` or `http`.
    pub transport: Transport,
    /// Folder of the durable score store.
    pub data_dir: PathBuf,
    /// Corpus folders searched after the built-in corpus, in order.
    pub corpus: Vec<PathBuf>,
    /// Folder that exported files are written to; `<data_dir>/exports` when not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_dir: Option<PathBuf>,
    /// Logging.
    pub log: LogSettings,
    /// The HTTP listener.
    pub http: HttpSettings,
    /// Where `import_score` may read files from.
    pub imports: ImportSettings,
    /// Limits of every score reader.
    pub limits: LimitSettings,
    /// The decoded-score cache.
    pub cache: CacheSettings,
    /// Memory guard thresholds.
    pub memory: MemorySettings,
    /// Per-session rate limit of tool calls.
    pub rate_limit: RateLimitSettings,
    /// Circuit breaker in front of each tool.
    pub breaker: BreakerSettings,
    /// The chaos monkey (off unless asked for).
    pub chaos: ChaosSettings,
    /// Restart intensity of the tools supervisor.
    pub supervision: SupervisionSettings,
    /// Restart intensity of `serve --watchdog`.
    pub watchdog: WatchdogSettings,
}

/// How `serve` talks to its clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// MCP over standard input and output, for one desktop client.
    Stdio,
    /// MCP Streamable HTTP at `/mcp`, plus health and metrics routes.
    Http,
}

/// How log lines are written (always to stderr).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, with the span fields (request id, session, tool).
    Json,
}

/// Logging settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// A tracing `EnvFilter` such as `info` or `warn,music_mcp=debug`.
    pub level: String,
    /// `text` or `json`.
    pub format: LogFormat,
}

/// Settings of the HTTP listener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// Address and port to listen on; loopback unless deliberately changed.
    pub bind: String,
    /// Bearer token required on `/mcp` and `/health/detailed` when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
    /// Browser origins allowed to call (`scheme://host:port`, `:*` for any port); requests with
    /// another `Origin` header get 403. Requests without one (non-browser clients) pass.
    pub allowed_origins: Vec<String>,
    /// Values of the `Host` header accepted (defence against DNS rebinding).
    pub allowed_hosts: Vec<String>,
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub max_body_bytes: u64,
    /// How long a graceful shutdown waits for in-flight calls, in seconds.
    pub shutdown_deadline_seconds: u64,
}

/// Where file imports may come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSettings {
    /// Folders `import_score` may read files from. Empty means: no restriction over stdio, and
    /// `<data_dir>/imports` plus the corpus folders over HTTP.
    pub roots: Vec<PathBuf>,
}

/// Limits of every score reader (see `ReadLimits`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    /// Largest score file, in bytes.
    pub max_file_bytes: u64,
    /// Most entries in a .mxl archive.
    pub max_zip_entries: u64,
    /// Largest total uncompressed size read from a .mxl archive, in bytes.
    pub max_unzipped_bytes: u64,
    /// Most parts in a score.
    pub max_parts: u64,
    /// Most notes, chords and rests in a score.
    pub max_events: u64,
    /// Deepest XML element nesting.
    pub max_xml_depth: u64,
    /// Most tunes in one ABC file.
    pub max_tunes: u64,
    /// Longest line of ABC or Humdrum text, in bytes.
    pub max_line_bytes: u64,
    /// Most Humdrum spines, counting every split.
    pub max_spines: u64,
}

/// The decoded-score cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSettings {
    /// How many decoded scores to keep in memory.
    pub scores: u64,
}

/// Memory guard thresholds on the process's resident memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemorySettings {
    /// Above this, new heavy work is shed with a tool error, in bytes.
    pub soft_limit_bytes: u64,
    /// Above this, every new call is shed, in bytes.
    pub hard_limit_bytes: u64,
}

/// Per-session rate limit of tool calls (a token bucket).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Calls per second a session may make on average.
    pub calls_per_second: u32,
    /// Calls a session may make at once above the average.
    pub burst: u32,
}

/// Circuit breaker in front of each tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerSettings {
    /// Server faults in a row that open the breaker.
    pub failure_threshold: u32,
    /// Seconds the breaker stays open before letting a probe through.
    pub open_seconds: u64,
}

/// The chaos monkey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChaosSettings {
    /// Whether it runs at all.
    pub enabled: bool,
    /// Milliseconds between two chaos actions.
    pub interval_ms: u64,
    /// Seed of the monkey's random choices (the same seed makes the same choices).
    #[serde(default)]
    pub seed: u64,
    /// Size of the memory spikes the monkey allocates now and then, in MiB; 0 means none.
    #[serde(default)]
    pub memory_spike_mib: u64,
}

/// Restart intensity of the tools supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisionSettings {
    /// Restarts allowed within the period before the supervisor gives up.
    pub max_restarts: u32,
    /// The period, in seconds.
    pub period_seconds: u64,
}

/// Restart intensity of `serve --watchdog`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchdogSettings {
    /// Restarts of the server process allowed within the period before the watchdog gives up.
    pub max_restarts: u32,
    /// The period, in seconds.
    pub period_seconds: u64,
}

impl Config {
    /// The built-in defaults of `profile`, storing scores in the per-user data folder.
    pub fn defaults(profile: Profile) -> Self {
        profile::defaults(profile)
    }

    /// Builds the effective configuration from `flags`, the process environment and the TOML
    /// file named by `--config` or `MUSIC_MCP_CONFIG`, over the chosen profile's defaults.
    pub fn load(flags: &ConfigFlags) -> Result<Self, ConfigError> {
        Self::load_with_env(flags, &env::process_env())
    }

    /// As [`Config::load`], with the environment given as name-value pairs (for tests).
    pub fn load_with_env(
        flags: &ConfigFlags,
        environment: &[(String, String)],
    ) -> Result<Self, ConfigError> {
        let file = layer::file_table(flags.config.as_deref(), environment)?;
        let env = env::env_table(environment)?;
        let cli = flags.to_table()?;
        let profile = layer::choose_profile(&[&cli, &env, &file])?;

        let mut merged = layer::to_table(&Self::defaults(profile))?;
        for overlay in [file, env, cli] {
            layer::merge(&mut merged, overlay);
        }
        merged.insert("profile".into(), toml::Value::String(profile.to_string()));
        let config: Self = toml::Value::Table(merged)
            .try_into()
            .map_err(|err: toml::de::Error| ConfigError::Invalid(err.message().to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// The configuration as TOML, with the auth token hidden.
    pub fn to_toml(&self) -> String {
        let mut shown = self.clone();
        if shown.http.auth_token.is_some() {
            shown.http.auth_token = Some("<redacted>".to_string());
        }
        shown.export_dir = Some(self.export_dir());
        toml::to_string_pretty(&shown).unwrap_or_else(|err| format!("# cannot render: {err}\n"))
    }

    /// Where exported files go.
    pub fn export_dir(&self) -> PathBuf {
        self.export_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("exports"))
    }

    /// The HTTP listen address.
    pub fn bind_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.http.bind.parse().map_err(|_| {
            ConfigError::Invalid(format!(
                "http.bind '{}' is not an address and port; write it as 127.0.0.1:8000",
                self.http.bind
            ))
        })
    }

    /// The folders file imports are confined to; empty means unrestricted.
    pub fn import_roots(&self) -> Vec<PathBuf> {
        if !self.imports.roots.is_empty() || self.transport == Transport::Stdio {
            return self.imports.roots.clone();
        }
        let mut roots = vec![self.data_dir.join("imports")];
        roots.extend(self.corpus.iter().cloned());
        roots
    }

    /// The reader limits.
    pub fn read_limits(&self) -> ReadLimits {
        let l = &self.limits;
        ReadLimits {
            max_file_bytes: l.max_file_bytes,
            max_zip_entries: l.max_zip_entries,
            max_unzipped_bytes: l.max_unzipped_bytes,
            max_parts: l.max_parts,
            max_events: l.max_events,
            max_xml_depth: l.max_xml_depth,
            max_tunes: l.max_tunes,
            max_line_bytes: l.max_line_bytes,
            max_spines: l.max_spines,
        }
    }

    /// The graceful-shutdown deadline for in-flight calls.
    pub fn shutdown_deadline(&self) -> Duration {
        Duration::from_secs(self.http.shutdown_deadline_seconds)
    }

    /// The runtime's configuration.
    pub fn runtime_config(&self) -> RuntimeConfig {
        let mut runtime = RuntimeConfig::new(&self.data_dir);
        runtime.limits = self.read_limits();
        runtime.cache_capacity = usize::try_from(self.cache.scores).unwrap_or(usize::MAX);
        runtime.tools_intensity = Intensity::new(
            self.supervision.max_restarts,
            Duration::from_secs(self.supervision.period_seconds),
        );
        runtime.export_dir = self.export_dir();
        runtime.import_roots = self.import_roots();
        runtime.corpus_folders = self.corpus.clone();
        runtime.breaker.consecutive_failures = self.breaker.failure_threshold;
        runtime.breaker.open_for = Duration::from_secs(self.breaker.open_seconds);
        runtime.rate_limits.per_session = BucketConfig::new(
            f64::from(self.rate_limit.calls_per_second),
            f64::from(self.rate_limit.burst),
        );
        runtime.memory.soft_limit = self.memory.soft_limit_bytes;
        runtime.memory.hard_limit = self.memory.hard_limit_bytes;
        runtime.chaos.enabled = self.chaos.enabled;
        runtime.chaos.interval = Duration::from_millis(self.chaos.interval_ms);
        runtime.chaos.seed = self.chaos.seed;
        if self.chaos.memory_spike_mib > 0 {
            runtime.chaos.spike_mib = usize::try_from(self.chaos.memory_spike_mib).unwrap_or(64);
            runtime.chaos.weights.memory_spike = 1;
        }
        runtime
    }

    /// Checks what deserialising cannot: addresses, orderings, non-zero numbers.
    fn validate(&self) -> Result<(), ConfigError> {
        self.bind_addr()?;
        let invalid = |message: String| Err(ConfigError::Invalid(message));
        if self.memory.soft_limit_bytes > self.memory.hard_limit_bytes {
            return invalid(format!(
                "memory.soft_limit_bytes ({}) is above memory.hard_limit_bytes ({}); \
                 make the soft limit the smaller one",
                self.memory.soft_limit_bytes, self.memory.hard_limit_bytes
            ));
        }
        let zeros = [
            ("http.max_body_bytes", self.http.max_body_bytes),
            ("cache.scores", self.cache.scores),
            (
                "rate_limit.calls_per_second",
                u64::from(self.rate_limit.calls_per_second),
            ),
            ("rate_limit.burst", u64::from(self.rate_limit.burst)),
            (
                "supervision.period_seconds",
                self.supervision.period_seconds,
            ),
            ("watchdog.period_seconds", self.watchdog.period_seconds),
        ];
        if let Some((name, _)) = zeros.iter().find(|(_, value)| *value == 0) {
            return invalid(format!("{name} is 0; give a positive number"));
        }
        if let Some(token) = &self.http.auth_token
            && token.trim().len() < 16
        {
            return invalid(
                "http.auth_token is shorter than 16 characters; use a long random token \
                 (for example from `openssl rand -hex 32`)"
                    .to_string(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
