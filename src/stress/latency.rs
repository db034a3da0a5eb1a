//! A small log-bucketed latency histogram: bounded memory however long the run.
//!
//! Buckets grow by 10 % from 0.1 ms to about 10 minutes, so a quantile read from it is at
//! most 10 % above the true value (it reports the bucket's upper edge).

use serde::Serialize;

const FIRST_US: f64 = 100.0;
const GROWTH: f64 = 1.1;
const BUCKETS: usize = 170;

/// Counts of latencies per bucket.
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    total: u64,
    max_us: u64,
}

/// Quantiles of a histogram, in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct LatencySummary {
    /// Calls counted.
    pub count: u64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest seen (exact).
    pub max_ms: f64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self {
            counts: vec![0; BUCKETS],
            total: 0,
            max_us: 0,
        }
    }
}

impl LatencyHistogram {
    /// Counts one latency in microseconds.
    pub fn record_us(&mut self, micros: u64) {
        let index = if (micros as f64) <= FIRST_US {
            0
        } else {
            let steps = ((micros as f64) / FIRST_US).ln() / GROWTH.ln();
            (steps.ceil() as usize).min(BUCKETS - 1)
        };
        self.counts[index] += 1;
        self.total += 1;
        self.max_us = self.max_us.max(micros);
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Self) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.total += other.total;
        self.max_us = self.max_us.max(other.max_us);
    }

    /// Calls counted.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// The `q` quantile (0..=1) in microseconds: the upper edge of its bucket, capped at the
    /// largest latency seen; 0 when empty.
    pub fn quantile_us(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let edge = FIRST_US * GROWTH.powi(index as i32);
                return (edge as u64).min(self.max_us);
            }
        }
        self.max_us
    }

    /// The usual quantiles.
    pub fn summary(&self) -> LatencySummary {
        let ms = |us: u64| us as f64 / 1000.0;
        LatencySummary {
            count: self.total,
            p50_ms: ms(self.quantile_us(0.50)),
            p90_ms: ms(self.quantile_us(0.90)),
            p99_ms: ms(self.quantile_us(0.99)),
            max_ms: ms(self.max_us),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_ten_percent_above_the_truth() {
        let mut histogram = LatencyHistogram::default();
        for ms in 1..=1000u64 {
            histogram.record_us(ms * 1000);
        }

        let p50 = histogram.quantile_us(0.5) as f64 / 1000.0;
        let p99 = histogram.quantile_us(0.99) as f64 / 1000.0;

        assert!((500.0..=550.0).contains(&p50), "{p50}");
        assert!((990.0..=1000.0).contains(&p99), "{p99}");
        assert_eq!(histogram.summary().max_ms, 1000.0);
    }

    #[test]
    fn an_empty_histogram_reports_zero() {
        assert_eq!(LatencyHistogram::default().quantile_us(0.99), 0);
    }
}
