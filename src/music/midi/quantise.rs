//! music21's `Stream.quantize`: offsets and durations snapped to multiples of 1/4 or 1/3 ql.
//!
//! The arithmetic is done in `f64` step for step as music21 does it (including its rounding
//! of errors to 7 places and its look-ahead that prefers a grid closing the gap to the next
//! element), so the same grid is chosen for every element; the chosen value is then exact.

use crate::music::model::Ql;

/// music21's default `quarterLengthDivisors`: sixteenths and eighth-note triplets.
pub const DEFAULT_DIVISORS: [u32; 2] = [4, 3];

/// One element to quantise: offset and duration in quarter lengths as floats (ticks divided
/// by ticks per quarter), in music21's sorted order.
#[derive(Debug, Clone, Copy)]
pub(super) struct Unquantised {
    /// Offset in ql.
    pub offset: f64,
    /// Duration in ql.
    pub duration: f64,
    /// A note or chord that is not a grace note: its duration may not become zero.
    pub needs_duration: bool,
}

/// The quantised offset and duration of an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Quantised {
    /// Offset on the grid.
    pub offset: Ql,
    /// Duration on the grid.
    pub duration: Ql,
}

/// A grid point chosen for one value, with music21's sort key.
#[derive(Debug, Clone, Copy)]
struct Match {
    remaining_gap: f64,
    error: f64,
    tick: f64,
    value: f64,
    exact: Ql,
}

/// Quantises elements sorted by offset, as `quantize(processOffsets=True,
/// processDurations=True)` does on a sorted stream.
pub(super) fn quantise(elements: &[Unquantised], divisors: &[u32]) -> Vec<Quantised> {
    let mut result = Vec::with_capacity(elements.len());
    // The look-ahead asks for the next element's grid offset many times; compute each once.
    let offset_matches: Vec<Match> = elements
        .iter()
        .map(|e| best_match(e.offset.max(0.0), divisors, true, 0.0))
        .collect();
    let mut next_later = 0usize;
    let mut previous = f64::NEG_INFINITY;
    for (i, element) in elements.iter().enumerate() {
        let offset = offset_matches[i];
        // Elements skipped for an earlier, lower offset are skipped again; after a drop in
        // offset (the grids are not monotone together) the scan starts afresh.
        next_later = if offset.value >= previous {
            next_later.max(i + 1)
        } else {
            i + 1
        };
        previous = offset.value;
        while next_later < elements.len() && offset_matches[next_later].value <= offset.value {
            next_later += 1;
        }
        let target = element.duration.max(0.0);
        let duration = match offset_matches.get(next_later) {
            Some(next) => {
                let gap = Ql::from_f64(next.value - offset.exact.to_f64()).to_f64();
                best_match(target, divisors, !element.needs_duration, gap)
            }
            None => best_match(target, divisors, !element.needs_duration, 0.0),
        };
        result.push(Quantised {
            offset: offset.exact,
            duration: duration.exact,
        });
    }
    result
}

/// music21's `bestMatch`: the grid point with the smallest remaining gap, then the smallest
/// error, then the finer grid.
fn best_match(target: f64, divisors: &[u32], zero_allowed: bool, gap_to_fill: f64) -> Match {
    let mut best: Option<Match> = None;
    for &divisor in divisors.iter().filter(|&&d| d > 0) {
        let tick = 1.0 / f64::from(divisor);
        let (mut value, mut error, mut multiple) = nearest_multiple(target, tick);
        if !zero_allowed && value == 0.0 {
            value = tick;
            multiple = 1;
            error = round7(target - value).abs();
        }
        let remaining_gap = if gap_to_fill % tick == 0.0 {
            0.0
        } else {
            (gap_to_fill - value).max(0.0)
        };
        let candidate = Match {
            remaining_gap,
            error,
            tick,
            value,
            exact: Ql::new(multiple, i64::from(divisor)),
        };
        if best.is_none_or(|b| is_better(&candidate, &b)) {
            best = Some(candidate);
        }
    }
    best.unwrap_or(Match {
        remaining_gap: 0.0,
        error: 0.0,
        tick: 0.0,
        value: target,
        exact: Ql::from_f64(target),
    })
}

/// Python's tuple order on `(remainingGap, error, tick, match)`.
fn is_better(a: &Match, b: &Match) -> bool {
    let key = |m: &Match| [m.remaining_gap, m.error, m.tick, m.value];
    key(a)
        .iter()
        .zip(key(b).iter())
        .find(|(x, y)| x != y)
        .is_some_and(|(x, y)| x < y)
}

/// music21's `common.nearestMultiple`: the multiple of `unit` nearest `n` (the lower one on a
/// tie), the error rounded to 7 places, and the multiple's index.
fn nearest_multiple(n: f64, unit: f64) -> (f64, f64, i64) {
    let multiple = (n / unit).floor();
    let half = unit / 2.0;
    let low = unit * multiple;
    let high = unit * (multiple + 1.0);
    if low <= n && n <= low + half {
        (low, round7(n - low), multiple as i64)
    } else {
        (high, round7(high - n), multiple as i64 + 1)
    }
}

/// Python's `round(x, 7)` (correctly rounded, ties to even).
fn round7(x: f64) -> f64 {
    format!("{x:.7}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(offset: f64, duration: f64) -> Unquantised {
        Unquantised {
            offset,
            duration,
            needs_duration: true,
        }
    }

    fn fractions(result: &[Quantised]) -> Vec<(String, String)> {
        result
            .iter()
            .map(|q| (q.offset.to_string(), q.duration.to_string()))
            .collect()
    }

    #[test]
    fn near_sixteenth_values_snap_to_the_sixteenth_grid() {
        let input = [
            element(0.1, 0.49),
            element(0.49, 0.51),
            element(0.9, 0.52),
            element(1.49, 0.24),
            element(1.76, 0.26),
        ];
        let result = quantise(&input, &DEFAULT_DIVISORS);
        assert_eq!(
            fractions(&result),
            [
                ("0", "1/2"),
                ("1/2", "1/2"),
                ("1", "1/2"),
                ("3/2", "1/4"),
                ("7/4", "1/4")
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    #[test]
    fn triplet_onsets_snap_to_thirds() {
        let input = [
            element(0.0, 0.33),
            element(0.334, 0.33),
            element(0.665, 0.33),
        ];
        let result = quantise(&input, &DEFAULT_DIVISORS);
        assert_eq!(result[1].offset, Ql::new(1, 3));
        assert_eq!(result[2].offset, Ql::new(2, 3));
        assert_eq!(result[0].duration, Ql::new(1, 3));
    }

    #[test]
    fn the_look_ahead_keeps_short_notes_from_leaving_gaps() {
        // music21's own example: 0.385-long notes every half quarter become eighths, except
        // the last, which has no next note and takes the nearer triplet eighth.
        let input = [
            element(0.0, 0.385),
            element(0.5, 0.385),
            element(1.0, 0.385),
            element(1.5, 0.385),
        ];
        let result = quantise(&input, &DEFAULT_DIVISORS);
        let durations: Vec<Ql> = result.iter().map(|q| q.duration).collect();
        let half = Ql::new(1, 2);
        assert_eq!(durations, [half, half, half, Ql::new(1, 3)]);
    }

    #[test]
    fn a_sounding_note_never_gets_zero_duration() {
        let result = quantise(&[element(0.0, 0.01)], &DEFAULT_DIVISORS);
        assert_eq!(result[0].duration, Ql::new(1, 4));
        let grace = Unquantised {
            needs_duration: false,
            ..element(0.0, 0.0)
        };
        assert_eq!(quantise(&[grace], &DEFAULT_DIVISORS)[0].duration, Ql::ZERO);
    }

    #[test]
    fn errors_are_rounded_like_python() {
        assert_eq!(round7(0.00390625), 0.0039062);
        assert_eq!(round7(1.0 / 3.0 - 0.25), 0.0833333);
    }
}
