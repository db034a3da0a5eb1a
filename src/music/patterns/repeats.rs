//! Finding runs of tokens that recur: the engine under every pattern family.
//!
//! Sequences (one per part, or one for the whole score) are cut into windows of every length in
//! a range; windows with the same key form a group. Longer windows are searched first, and a
//! shorter group whose every window lies inside an accepted longer window adds nothing, so it is
//! dropped: a repeated phrase is reported once, not also as each of its fragments.

use std::collections::HashMap;
use std::hash::Hash;
use std::ops::RangeInclusive;

/// A run of `len` tokens of sequence `seq`, starting at token `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    /// Which sequence (a part index, or 0 for the whole score).
    pub seq: usize,
    /// The first token.
    pub start: usize,
    /// The number of tokens.
    pub len: usize,
}

impl Window {
    /// One past the last token.
    pub fn end(&self) -> usize {
        self.start + self.len
    }

    fn overlaps(&self, other: &Window) -> bool {
        self.seq == other.seq && self.start < other.end() && other.start < self.end()
    }
}

/// Groups of windows sharing a key, longest windows first, windows in sequence order.
///
/// A group keeps only windows that do not overlap the previous kept window of the same
/// sequence, needs at least `min_occurrences` of them, and is dropped when all of them lie
/// inside windows of groups already accepted. `key` returns `None` for windows that cannot be
/// part of a pattern (crossing a rest, say). Groups of one length come in order of their first
/// window, so the result is deterministic.
pub fn repeated<K: Eq + Hash>(
    seq_lens: &[usize],
    lengths: RangeInclusive<usize>,
    min_occurrences: usize,
    key: impl Fn(Window) -> Option<K>,
) -> Vec<Vec<Window>> {
    let mut coverage = Coverage::new(seq_lens);
    let mut accepted = Vec::new();
    for len in lengths.rev().filter(|&len| len > 0) {
        let mut level: Vec<Vec<Window>> = groups_of_length(seq_lens, len, &key)
            .into_iter()
            .map(without_overlaps)
            .filter(|group| group.len() >= min_occurrences.max(1))
            .filter(|group| !group.iter().all(|w| coverage.covers(w)))
            .collect();
        level.sort_by_key(|group| group[0]);
        for group in &level {
            coverage.add(group);
        }
        coverage.refresh();
        accepted.extend(level);
    }
    accepted
}

/// Every window of one length, grouped by key, each group in sequence order.
fn groups_of_length<K: Eq + Hash>(
    seq_lens: &[usize],
    len: usize,
    key: &impl Fn(Window) -> Option<K>,
) -> Vec<Vec<Window>> {
    let mut groups: HashMap<K, Vec<Window>> = HashMap::new();
    for (seq, &seq_len) in seq_lens.iter().enumerate() {
        for start in 0..(seq_len + 1).saturating_sub(len) {
            let window = Window { seq, start, len };
            if let Some(k) = key(window) {
                groups.entry(k).or_default().push(window);
            }
        }
    }
    groups.into_values().collect()
}

/// Keeps windows that do not overlap the previously kept one (windows arrive in order).
fn without_overlaps(group: Vec<Window>) -> Vec<Window> {
    let mut kept: Vec<Window> = Vec::with_capacity(group.len());
    for window in group {
        if kept.last().is_none_or(|last| !last.overlaps(&window)) {
            kept.push(window);
        }
    }
    kept
}

/// Which token ranges accepted windows already cover, per sequence.
struct Coverage {
    /// The largest end of an accepted window starting at each token.
    end_at_start: Vec<Vec<usize>>,
    /// Prefix maximum of `end_at_start`: the furthest end of any window starting at or before.
    reach: Vec<Vec<usize>>,
}

impl Coverage {
    fn new(seq_lens: &[usize]) -> Coverage {
        let empty: Vec<Vec<usize>> = seq_lens.iter().map(|&len| vec![0; len]).collect();
        Coverage {
            end_at_start: empty.clone(),
            reach: empty,
        }
    }

    fn covers(&self, window: &Window) -> bool {
        self.reach[window.seq]
            .get(window.start)
            .is_some_and(|&reach| reach >= window.end())
    }

    fn add(&mut self, group: &[Window]) {
        for window in group {
            let slot = &mut self.end_at_start[window.seq][window.start];
            *slot = (*slot).max(window.end());
        }
    }

    fn refresh(&mut self) {
        for (ends, reach) in self.end_at_start.iter().zip(&mut self.reach) {
            let mut furthest = 0;
            for (end, slot) in ends.iter().zip(reach.iter_mut()) {
                furthest = furthest.max(*end);
                *slot = furthest;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(seqs: &[&str], lengths: RangeInclusive<usize>, min: usize) -> Vec<Vec<(usize, usize)>> {
        let chars: Vec<Vec<char>> = seqs.iter().map(|s| s.chars().collect()).collect();
        let lens: Vec<usize> = chars.iter().map(Vec::len).collect();
        repeated(&lens, lengths, min, |w| {
            let run: String = chars[w.seq][w.start..w.end()].iter().collect();
            (!run.contains('.')).then_some(run)
        })
        .into_iter()
        .map(|group| group.iter().map(|w| (w.seq, w.start)).collect())
        .collect()
    }

    #[test]
    fn a_repeated_phrase_is_reported_once_not_as_its_fragments() {
        let groups = find(&["abcdxabcd"], 2..=4, 2);
        assert_eq!(groups, vec![vec![(0, 0), (0, 5)]]);
    }

    #[test]
    fn a_fragment_that_also_recurs_elsewhere_is_kept() {
        let groups = find(&["abcdxabcdyab"], 2..=4, 2);
        assert_eq!(
            groups,
            vec![vec![(0, 0), (0, 5)], vec![(0, 0), (0, 5), (0, 10)]]
        );
    }

    #[test]
    fn overlapping_occurrences_of_one_group_are_counted_once() {
        let groups = find(&["aaaa"], 2..=2, 2);
        assert_eq!(groups, vec![vec![(0, 0), (0, 2)]]);
    }

    #[test]
    fn windows_refused_by_the_key_are_never_grouped_and_groups_span_sequences() {
        let groups = find(&["ab.ab", "xab"], 2..=3, 3);
        assert_eq!(groups, vec![vec![(0, 0), (0, 3), (1, 1)]]);
    }
}
