//! The environment variables the configuration reads, and how each value is parsed.
//!
//! [`VARIABLES`] is the whole list; README's configuration table shows the same names. Lists of
//! folders are separated by `:` (as `PATH`), lists of origins and hosts by `,`.

use toml::{Table, Value};

use super::ConfigError;
use super::layer::insert_path;

/// How a variable's text becomes a TOML value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Taken as it is.
    Text,
    /// A non-negative whole number.
    Number,
    /// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`.
    Flag,
    /// Folders separated by `:`.
    Folders,
    /// Items separated by `,`.
    Items,
}

/// One environment variable: its name, the setting it sets, and its kind.
#[derive(Debug, Clone, Copy)]
pub struct Variable {
    /// The variable's name.
    pub name: &'static str,
    /// The dotted setting it sets, as in the TOML file.
    pub setting: &'static str,
    /// How its value is parsed.
    pub kind: Kind,
}

const fn var(name: &'static str, setting: &'static str, kind: Kind) -> Variable {
    Variable {
        name,
        setting,
        kind,
    }
}

/// Every variable read, in the order they are documented.
#[rustfmt::skip]
pub const VARIABLES: &[Variable] = &[
    var("MUSIC_MCP_PROFILE", "profile", Kind::Text),
    var("MUSIC_MCP_TRANSPORT", "transport", Kind::Text),
    var("MUSIC_MCP_DATA_DIR", "data_dir", Kind::Text),
    var("MUSIC_MCP_CORPUS", "corpus", Kind::Folders),
    var("MUSIC_MCP_EXPORT_DIR", "export_dir", Kind::Text),
    var("MUSIC_MCP_LOG", "log.level", Kind::Text),
    var("MUSIC_MCP_LOG_FORMAT", "log.format", Kind::Text),
    var("MUSIC_MCP_HTTP_BIND", "http.bind", Kind::Text),
    var("MUSIC_MCP_AUTH_TOKEN", "http.auth_token", Kind::Text),
    var("MUSIC_MCP_ALLOWED_ORIGINS", "http.allowed_origins", Kind::Items),
    var("MUSIC_MCP_ALLOWED_HOSTS", "http.allowed_hosts", Kind::Items),
    var("MUSIC_MCP_MAX_BODY_BYTES", "http.max_body_bytes", Kind::Number),
    var("MUSIC_MCP_SHUTDOWN_DEADLINE_SECONDS", "http.shutdown_deadline_seconds", Kind::Number),
    var("MUSIC_MCP_IMPORT_ROOTS", "imports.roots", Kind::Folders),
    var("MUSIC_MCP_MAX_FILE_BYTES", "limits.max_file_bytes", Kind::Number),
    var("MUSIC_MCP_MAX_ZIP_ENTRIES", "limits.max_zip_entries", Kind::Number),
    var("MUSIC_MCP_MAX_UNZIPPED_BYTES", "limits.max_unzipped_bytes", Kind::Number),
    var("MUSIC_MCP_MAX_PARTS", "limits.max_parts", Kind::Number),
    var("MUSIC_MCP_MAX_EVENTS", "limits.max_events", Kind::Number),
    var("MUSIC_MCP_MAX_XML_DEPTH", "limits.max_xml_depth", Kind::Number),
    var("MUSIC_MCP_MAX_TUNES", "limits.max_tunes", Kind::Number),
    var("MUSIC_MCP_MAX_LINE_BYTES", "limits.max_line_bytes", Kind::Number),
    var("MUSIC_MCP_MAX_SPINES", "limits.max_spines", Kind::Number),
    var("MUSIC_MCP_CACHE_SCORES", "cache.scores", Kind::Number),
    var("MUSIC_MCP_MEMORY_SOFT_LIMIT_BYTES", "memory.soft_limit_bytes", Kind::Number),
    var("MUSIC_MCP_MEMORY_HARD_LIMIT_BYTES", "memory.hard_limit_bytes", Kind::Number),
    var("MUSIC_MCP_RATE_LIMIT_PER_SECOND", "rate_limit.calls_per_second", Kind::Number),
    var("MUSIC_MCP_RATE_LIMIT_BURST", "rate_limit.burst", Kind::Number),
    var("MUSIC_MCP_BREAKER_FAILURES", "breaker.failure_threshold", Kind::Number),
    var("MUSIC_MCP_BREAKER_OPEN_SECONDS", "breaker.open_seconds", Kind::Number),
    var("MUSIC_MCP_CHAOS", "chaos.enabled", Kind::Flag),
    var("MUSIC_MCP_CHAOS_INTERVAL_MS", "chaos.interval_ms", Kind::Number),
    var("MUSIC_MCP_CHAOS_SEED", "chaos.seed", Kind::Number),
    var("MUSIC_MCP_CHAOS_MEMORY_SPIKE_MIB", "chaos.memory_spike_mib", Kind::Number),
    var("MUSIC_MCP_SUPERVISION_MAX_RESTARTS", "supervision.max_restarts", Kind::Number),
    var("MUSIC_MCP_SUPERVISION_PERIOD_SECONDS", "supervision.period_seconds", Kind::Number),
    var("MUSIC_MCP_WATCHDOG_MAX_RESTARTS", "watchdog.max_restarts", Kind::Number),
    var("MUSIC_MCP_WATCHDOG_PERIOD_SECONDS", "watchdog.period_seconds", Kind::Number),
];

/// The process environment as name-value pairs (non-Unicode values are skipped).
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect()
}

/// The settings given by `environment`, as a table; empty variables count as unset.
pub(super) fn env_table(environment: &[(String, String)]) -> Result<Table, ConfigError> {
    let mut table = Table::new();
    for variable in VARIABLES {
        let Some((_, raw)) = environment
            .iter()
            .find(|(name, value)| name == variable.name && !value.trim().is_empty())
        else {
            continue;
        };
        insert_path(&mut table, variable.setting, parse(variable, raw)?);
    }
    Ok(table)
}

fn parse(variable: &Variable, raw: &str) -> Result<Value, ConfigError> {
    let wrong = |expected| ConfigError::Env {
        name: variable.name.to_string(),
        value: raw.to_string(),
        expected,
    };
    let raw = raw.trim();
    let value = match variable.kind {
        Kind::Text => Value::String(raw.to_string()),
        Kind::Number => raw
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Value::Integer)
            .ok_or_else(|| wrong("a whole number of zero or more"))?,
        Kind::Flag => match raw.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Value::Boolean(true),
            "0" | "false" | "no" | "off" => Value::Boolean(false),
            _ => return Err(wrong("true or false")),
        },
        Kind::Folders => list(std::env::split_paths(raw).map(|p| p.display().to_string())),
        Kind::Items => list(raw.split(',').map(|item| item.trim().to_string())),
    };
    Ok(value)
}

fn list(items: impl Iterator<Item = String>) -> Value {
    Value::Array(
        items
            .filter(|item| !item.is_empty())
            .map(Value::String)
            .collect(),
    )
}
