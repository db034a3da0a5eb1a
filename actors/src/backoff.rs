//! Backoff and deadline arithmetic shared by the supervisor and the retrying caller.
//!
//! Pure functions without randomness, so both users stay testable; the caller adds its own jitter
//! on top.

use std::time::Duration;

use tokio::time::Instant;

/// Stand-in for "never" when a configured duration is too large to add to an instant.
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// Returns `initial * 2^(step - 1)`, capped at `max`, and zero for step 0.
///
/// Step 1 is the first delay; the doubling saturates instead of overflowing, so any step is safe.
pub(crate) fn exponential(initial: Duration, max: Duration, step: u32) -> Duration {
    if step == 0 {
        return Duration::ZERO;
    }
    let factor = 1u32.checked_shl(step - 1).unwrap_or(u32::MAX);
    initial.saturating_mul(factor).min(max)
}

/// Returns `now + delay`, saturating far in the future instead of panicking on overflow.
pub(crate) fn instant_after(now: Instant, delay: Duration) -> Instant {
    now.checked_add(delay)
        .or_else(|| now.checked_add(FAR_FUTURE))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_zero_is_immediate() {
        let delay = exponential(Duration::from_millis(10), Duration::from_secs(1), 0);
        assert_eq!(delay, Duration::ZERO);
    }

    #[test]
    fn delays_double_from_initial_until_capped() {
        let initial = Duration::from_millis(10);
        let max = Duration::from_millis(50);
        let delays: Vec<_> = (1..=5)
            .map(|step| exponential(initial, max, step))
            .collect();
        let expected = [10, 20, 40, 50, 50].map(Duration::from_millis);
        assert_eq!(delays, expected);
    }

    #[test]
    fn an_endless_delay_does_not_overflow_the_clock() {
        let now = Instant::now();
        assert!(instant_after(now, Duration::MAX) > now + Duration::from_secs(86_400));
    }

    #[test]
    fn huge_steps_saturate_at_the_cap() {
        let delay = exponential(Duration::from_millis(10), Duration::from_secs(1), u32::MAX);
        assert_eq!(delay, Duration::from_secs(1));
    }
}
