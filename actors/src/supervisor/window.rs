//! Sliding window of restart instants, used for restart intensity and per-child backoff.
//!
//! Private to the supervisor; it holds `tokio::time::Instant`s so tests can pause the clock.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// Restart instants younger than the window's period, oldest first.
#[derive(Debug, Default)]
pub(crate) struct RestartWindow {
    instants: VecDeque<Instant>,
}

impl RestartWindow {
    /// Forgets instants that are `period` old or older at `now`, then returns how many remain.
    pub(crate) fn count(&mut self, now: Instant, period: Duration) -> usize {
        while let Some(oldest) = self.instants.front() {
            if now.saturating_duration_since(*oldest) < period {
                break;
            }
            self.instants.pop_front();
        }
        self.instants.len()
    }

    /// Records a restart at `now` and returns the count within `period`, this one included.
    pub(crate) fn record(&mut self, now: Instant, period: Duration) -> usize {
        self.count(now, period);
        self.instants.push_back(now);
        self.instants.len()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn window_count_equals_a_naive_filter_over_all_restarts(
            gaps in prop::collection::vec(0u64..3_000, 1..50),
            period_ms in 1u64..2_000,
        ) {
            let period = Duration::from_millis(period_ms);
            let mut now = Instant::now();
            let mut all = Vec::new();
            let mut window = RestartWindow::default();
            for gap in gaps {
                now += Duration::from_millis(gap);
                all.push(now);
                let expected = all
                    .iter()
                    .filter(|at| now.saturating_duration_since(**at) < period)
                    .count();
                prop_assert_eq!(window.record(now, period), expected);
            }
        }
    }

    #[test]
    fn restarts_older_than_the_period_are_forgotten() {
        let start = Instant::now();
        let period = Duration::from_secs(10);
        let mut window = RestartWindow::default();

        assert_eq!(window.record(start, period), 1);
        assert_eq!(window.record(start + Duration::from_secs(5), period), 2);
        assert_eq!(window.count(start + Duration::from_secs(10), period), 1);
        assert_eq!(window.count(start + Duration::from_secs(15), period), 0);
    }

    #[test]
    fn a_zero_period_counts_only_the_restart_being_recorded() {
        let now = Instant::now();
        let mut window = RestartWindow::default();
        assert_eq!(window.record(now, Duration::ZERO), 1);
        assert_eq!(window.record(now, Duration::ZERO), 1);
    }
}
