//! Configuration layers as TOML tables: reading the file, merging tables, `--set` entries.

use std::path::{Path, PathBuf};

use serde::Serialize;
use toml::{Table, Value};

use super::{ConfigError, Profile};

/// The environment variable naming the configuration file when `--config` is absent.
pub const CONFIG_ENV_VAR: &str = "MUSIC_MCP_CONFIG";

/// The table of the configuration file, or an empty one when none is named.
pub(super) fn file_table(
    flag: Option<&Path>,
    environment: &[(String, String)],
) -> Result<Table, ConfigError> {
    let from_env = environment
        .iter()
        .find(|(name, value)| name == CONFIG_ENV_VAR && !value.is_empty())
        .map(|(_, value)| PathBuf::from(value));
    let Some(path) = flag.map(Path::to_path_buf).or(from_env) else {
        return Ok(Table::new());
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    text.parse::<Table>().map_err(|err| ConfigError::Parse {
        path,
        message: err.message().to_string(),
    })
}

/// The profile named by the first layer that names one (flags, then environment, then file).
pub(super) fn choose_profile(layers: &[&Table]) -> Result<Profile, ConfigError> {
    let named = layers.iter().find_map(|table| table.get("profile"));
    match named {
        None => Ok(Profile::Default),
        Some(Value::String(name)) => name.parse().map_err(ConfigError::Invalid),
        Some(other) => Err(ConfigError::Invalid(format!(
            "profile = {other} is not a name; use \"default\" or \"lite\""
        ))),
    }
}

/// Any serialisable configuration as a TOML table.
pub(super) fn to_table(value: &impl Serialize) -> Result<Table, ConfigError> {
    Table::try_from(value).map_err(|err| ConfigError::Invalid(err.to_string()))
}

/// Merges `overlay` into `base`: tables merge key by key, anything else is replaced whole.
pub(super) fn merge(base: &mut Table, overlay: Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(inner)), Value::Table(over)) => merge(inner, over),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Puts `value` at the dotted `path` (`http.bind`) of `table`, creating tables on the way.
pub(super) fn insert_path(table: &mut Table, path: &str, value: Value) {
    let mut keys = path.split('.').peekable();
    let mut current = table;
    while let Some(key) = keys.next() {
        if keys.peek().is_none() {
            current.insert(key.to_string(), value);
            return;
        }
        let entry = current
            .entry(key.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        let Value::Table(inner) = entry else {
            return;
        };
        current = inner;
    }
}

/// Parses one `--set key.path=value` entry; the value is read as a TOML value (`42`, `true`,
/// `["a", "b"]`), and as a plain string when it is not one.
pub(super) fn parse_set(entry: &str) -> Result<(String, Value), ConfigError> {
    let bad = |reason: &str| ConfigError::Set {
        entry: entry.to_string(),
        reason: reason.to_string(),
    };
    let (path, raw) = entry
        .split_once('=')
        .ok_or_else(|| bad("expected KEY=VALUE, for example http.max_body_bytes=1048576"))?;
    let path = path.trim();
    let valid_key = |key: &str| {
        !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if !path.split('.').all(valid_key) {
        return Err(bad(
            "the key must be a dotted path of lowercase names, such as limits.max_events",
        ));
    }
    let raw = raw.trim();
    let value = format!("v = {raw}")
        .parse::<Table>()
        .ok()
        .and_then(|mut table| table.remove("v"))
        .unwrap_or_else(|| Value::String(raw.to_string()));
    Ok((path.to_string(), value))
}
