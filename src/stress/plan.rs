//! The run's plan: the command-line flags turned into every number the harness uses.
//!
//! Built once by [`Plan::from_args`] and written into `report.json`, so a report says exactly
//! what was run. The profile sets the load's shape (think time, size of the generated scores,
//! chaos pace); the flags set duration, users, seed, kill interval and chaos.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::StressArgs;

const MIB: u64 = 1024 * 1024;

/// The load profiles of `music-mcp stress --profile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum StressProfile {
    /// Small generated scores (up to 256 KiB), brisk users; for CI and short runs.
    Quick,
    /// Generated scores up to 8 MiB.
    Moderate,
    /// Generated scores growing up to 100 MB; needs several GB of memory.
    Full,
    /// The server's `lite` profile (about 2 GB machines), small scores, slower users.
    Lite,
}

/// Everything the harness needs to know about one run.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// How long the load runs (verification comes after).
    #[serde(with = "secs")]
    pub duration: Duration,
    /// Concurrent simulated users.
    pub users: u32,
    /// The load profile.
    pub profile: StressProfile,
    /// Seed of every random choice of the harness and of the server's chaos monkey.
    pub seed: u64,
    /// Where report.json, report.html and server.log go.
    pub report_dir: PathBuf,
    /// Whether chaos is on: in-server chaos monkey, process kills and network faults.
    pub chaos: bool,
    /// Time between two SIGKILLs of the server process; `None` without chaos.
    #[serde(with = "opt_secs")]
    pub kill_interval: Option<Duration>,
    /// The server's own configuration profile (`default` or `lite`).
    pub server_profile: &'static str,
    /// Think time of a user between two operations: lower and upper bound.
    #[serde(with = "secs_pair")]
    pub think: (Duration, Duration),
    /// Client timeout of one call (generated-score imports get four times as long).
    #[serde(with = "secs")]
    pub call_timeout: Duration,
    /// Attempts of one operation before the user gives up on it.
    pub max_attempts: u32,
    /// Every how many users one imports generated scores.
    pub large_user_every: u32,
    /// Size of a user's first generated score, in bytes.
    pub large_min_bytes: u64,
    /// Largest generated score, in bytes; sizes double from the first up to this.
    pub large_max_bytes: u64,
    /// Most scores a user keeps before deleting some.
    pub max_owned: usize,
    /// Milliseconds between two chaos monkey actions in the server.
    pub chaos_interval_ms: u64,
    /// Size of the chaos monkey's memory spikes, in MiB.
    pub memory_spike_mib: u64,
    /// Network faults of the proxy, per connection.
    pub net: NetFaults,
    /// Largest request body the server accepts, in bytes (room for the largest score).
    pub max_body_bytes: u64,
    /// Free memory required before starting, in bytes.
    pub min_free_memory: u64,
    /// Free disk space required before starting, in bytes.
    pub min_free_disk: u64,
}

/// How often the loopback proxy injects each network fault; all zero without chaos.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct NetFaults {
    /// Share of connections held before they are forwarded.
    pub delay: f64,
    /// The hold, lower and upper bound in milliseconds.
    pub delay_ms: (u64, u64),
    /// Share of connections closed at once without forwarding anything.
    pub drop: f64,
    /// Share of connections reset (RST) at a random moment within their first seconds.
    pub reset: f64,
    /// Latest moment of such a reset after the connection opened, in milliseconds.
    pub reset_within_ms: u64,
}

impl NetFaults {
    /// No faults.
    pub const NONE: Self = Self {
        delay: 0.0,
        delay_ms: (0, 0),
        drop: 0.0,
        reset: 0.0,
        reset_within_ms: 0,
    };
}

impl Plan {
    /// The plan of `args`; an error names the flag that is wrong.
    pub fn from_args(args: &StressArgs) -> anyhow::Result<Self> {
        let duration = run_duration(args)?;
        anyhow::ensure!(
            (1..=10_000).contains(&args.users),
            "--users {} is out of range; give 1 to 10000",
            args.users
        );
        let chaos = !args.no_chaos;
        let kill_interval = if chaos {
            Some(kill_interval(args, duration)?)
        } else {
            None
        };
        let profile = args.profile;
        let (think, large_min, large_max) = match profile {
            StressProfile::Quick => (ms(300, 1000), 16 * 1024, 256 * 1024),
            StressProfile::Moderate => (ms(300, 1200), 64 * 1024, 8 * MIB),
            StressProfile::Full => (ms(300, 1500), MIB, 100 * MIB),
            StressProfile::Lite => (ms(600, 2000), 8 * 1024, 128 * 1024),
        };
        let seed = args
            .seed
            .unwrap_or_else(|| u64::from(rand::random::<u32>()));
        Ok(Self {
            duration,
            users: args.users,
            profile,
            seed,
            report_dir: args.report.clone(),
            chaos,
            kill_interval,
            server_profile: if profile == StressProfile::Lite {
                "lite"
            } else {
                "default"
            },
            think,
            call_timeout: Duration::from_secs(30),
            max_attempts: 8,
            large_user_every: 10,
            large_min_bytes: large_min,
            large_max_bytes: large_max,
            max_owned: 6,
            chaos_interval_ms: 1000,
            memory_spike_mib: match profile {
                StressProfile::Full => 256,
                StressProfile::Moderate => 128,
                StressProfile::Quick => 64,
                StressProfile::Lite => 32,
            },
            net: if chaos {
                NetFaults {
                    delay: 0.05,
                    delay_ms: (5, 150),
                    drop: 0.01,
                    reset: 0.01,
                    reset_within_ms: 3000,
                }
            } else {
                NetFaults::NONE
            },
            // JSON escaping and the envelope need a little room above the score itself.
            max_body_bytes: (large_max * 2 + 4 * MIB).max(8 * MIB),
            min_free_memory: match profile {
                StressProfile::Full => 6 * 1024 * MIB,
                StressProfile::Moderate => 2 * 1024 * MIB,
                _ => 512 * MIB,
            },
            min_free_disk: (large_max * 20).max(512 * MIB),
        })
    }

    /// The server's restart budget under `--watchdog`: room for every deliberate kill in a
    /// minute plus a few real deaths.
    pub fn watchdog_max_restarts(&self) -> u64 {
        let kills_per_minute = self
            .kill_interval
            .map_or(0, |every| (60.0 / every.as_secs_f64()).ceil() as u64);
        (kills_per_minute + 5).max(5)
    }
}

fn run_duration(args: &StressArgs) -> anyhow::Result<Duration> {
    let seconds = match (args.hours, args.minutes) {
        (Some(_), Some(_)) => anyhow::bail!("give --hours or --minutes, not both"),
        (Some(hours), None) => hours * 3600.0,
        (None, Some(minutes)) => minutes * 60.0,
        (None, None) => anyhow::bail!("say how long to run: --minutes M or --hours H"),
    };
    anyhow::ensure!(
        seconds.is_finite() && (5.0..=7.0 * 24.0 * 3600.0).contains(&seconds),
        "the run must last between 5 seconds and 7 days (got {seconds} s)"
    );
    Ok(Duration::from_secs_f64(seconds))
}

fn kill_interval(args: &StressArgs, duration: Duration) -> anyhow::Result<Duration> {
    let seconds = match args.kill_interval {
        Some(seconds) => seconds,
        // Four kills in a short run, one every five minutes in a long one.
        None => (duration.as_secs_f64() / 4.0).clamp(8.0, 300.0),
    };
    anyhow::ensure!(
        seconds.is_finite() && seconds >= 3.0,
        "--kill-interval {seconds} is too short; give at least 3 seconds so the server can \
         recover between kills"
    );
    Ok(Duration::from_secs_f64(seconds))
}

fn ms(low: u64, high: u64) -> (Duration, Duration) {
    (Duration::from_millis(low), Duration::from_millis(high))
}

mod secs {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

mod opt_secs {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_f64(d.as_secs_f64()),
            None => s.serialize_none(),
        }
    }
}

mod secs_pair {
    use std::time::Duration;

    use serde::Serialize;

    pub fn serialize<S: serde::Serializer>(
        d: &(Duration, Duration),
        s: S,
    ) -> Result<S::Ok, S::Error> {
        (d.0.as_secs_f64(), d.1.as_secs_f64()).serialize(s)
    }
}
