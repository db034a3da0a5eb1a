//! The two profiles and their defaults: `default` for a workstation or server, `lite` for
//! machines with about 2 GB of memory (smaller caches and limits, memory limits of 512 MiB soft
//! and 1 GiB hard).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{
    BreakerSettings, CacheSettings, ChaosSettings, Config, HttpSettings, ImportSettings,
    LimitSettings, LogFormat, LogSettings, MemorySettings, RateLimitSettings, SupervisionSettings,
    Transport, WatchdogSettings,
};

const MIB: u64 = 1024 * 1024;

/// A named set of defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Generous limits for a workstation or a shared server.
    Default,
    /// Small caches and limits for machines with about 2 GB of memory.
    Lite,
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Default => "default",
            Self::Lite => "lite",
        })
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "default" => Ok(Self::Default),
            "lite" => Ok(Self::Lite),
            other => Err(format!(
                "unknown profile '{other}'; use 'default' or 'lite'"
            )),
        }
    }
}

/// The defaults of `profile`.
pub(super) fn defaults(profile: Profile) -> Config {
    let lite = profile == Profile::Lite;
    let pick = |default: u64, small: u64| if lite { small } else { default };
    Config {
        profile,
        transport: Transport::Stdio,
        data_dir: crate::default_data_dir(),
        corpus: Vec::new(),
        export_dir: None,
        log: LogSettings {
            level: "info".to_string(),
            format: LogFormat::Text,
        },
        http: HttpSettings {
            bind: "127.0.0.1:8000".to_string(),
            auth_token: None,
            allowed_origins: vec![
                "http://localhost:*".to_string(),
                "http://127.0.0.1:*".to_string(),
            ],
            allowed_hosts: vec![
                "localhost".to_string(),
                "127.0.0.1".to_string(),
                "::1".to_string(),
            ],
            max_body_bytes: pick(8 * MIB, 2 * MIB),
            shutdown_deadline_seconds: 10,
        },
        imports: ImportSettings { roots: Vec::new() },
        limits: LimitSettings {
            max_file_bytes: pick(64 * MIB, 16 * MIB),
            max_zip_entries: pick(1000, 200),
            max_unzipped_bytes: pick(256 * MIB, 64 * MIB),
            max_parts: pick(512, 128),
            max_events: pick(2_000_000, 500_000),
            max_xml_depth: 64,
            max_tunes: pick(10_000, 1000),
            max_line_bytes: pick(MIB, MIB / 4),
            max_spines: pick(1024, 256),
        },
        cache: CacheSettings {
            scores: pick(64, 8),
        },
        memory: MemorySettings {
            soft_limit_bytes: pick(2 * 1024 * MIB, 512 * MIB),
            hard_limit_bytes: pick(4 * 1024 * MIB, 1024 * MIB),
        },
        rate_limit: RateLimitSettings {
            calls_per_second: if lite { 20 } else { 50 },
            burst: if lite { 40 } else { 100 },
        },
        breaker: BreakerSettings {
            failure_threshold: 5,
            open_seconds: 60,
        },
        chaos: ChaosSettings {
            enabled: false,
            interval_ms: 500,
            seed: 0,
            memory_spike_mib: 0,
        },
        supervision: SupervisionSettings {
            max_restarts: 10,
            period_seconds: 10,
        },
        watchdog: WatchdogSettings {
            max_restarts: 5,
            period_seconds: 60,
        },
    }
}
