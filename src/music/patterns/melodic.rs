//! Melodic patterns on part lines: interval patterns, motifs and their transformations, tonal
//! repetitions, and real and tonal sequences.

use std::collections::BTreeMap;

use super::repeats::{Window, repeated};
use super::{Occurrence, Pattern, PatternKind, PatternOptions, Transformation, occurrence};
use crate::music::interval::{Interval, diatonic_number};
use crate::music::line::{LineEvent, part_line};
use crate::music::model::{Part, Pitch, Score};

/// One part's line and the moves between its events.
struct Melody<'a> {
    index: usize,
    part: &'a Part,
    events: Vec<LineEvent>,
    /// `moves[i]` goes from event `i` to event `i + 1`; `None` across a rest or gap.
    moves: Vec<Option<Move>>,
}

/// A move between two touching events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Move {
    semitones: i32,
    letters: i32,
}

/// A unit of a sequence: `notes` events from `start`.
#[derive(Clone, Copy)]
struct Unit {
    start: usize,
    notes: usize,
}

/// Every melodic pattern of the selected parts, unranked.
pub(super) fn patterns(score: &Score, parts: &[usize], options: &PatternOptions) -> Vec<Pattern> {
    let melodies: Vec<Melody> = parts
        .iter()
        .map(|&index| Melody::new(index, &score.parts[index]))
        .collect();
    let mut found = motifs(&melodies, options);
    found.extend(tonal_repetitions(&melodies, options));
    for melody in &melodies {
        found.extend(sequences(melody, options));
    }
    found
}

impl<'a> Melody<'a> {
    fn new(index: usize, part: &'a Part) -> Melody<'a> {
        let events = part_line(part);
        let moves = events
            .windows(2)
            .map(|pair| {
                (pair[1].start == pair[0].end).then(|| Move {
                    semitones: pair[1].pitch.midi() - pair[0].pitch.midi(),
                    letters: diatonic_number(&pair[1].pitch) - diatonic_number(&pair[0].pitch),
                })
            })
            .collect();
        Melody {
            index,
            part,
            events,
            moves,
        }
    }

    /// The moves of a window (a window counts moves), or `None` if it crosses a gap.
    fn moves_in(&self, window: Window) -> Option<Vec<Move>> {
        self.moves[window.start..window.end()]
            .iter()
            .copied()
            .collect()
    }

    fn pitch(&self, event: usize) -> Pitch {
        self.events[event].pitch
    }

    /// The occurrence of the events `first..=last`.
    fn occurrence(
        &self,
        (first, last): (usize, usize),
        transformation: Transformation,
        transposition: i32,
    ) -> Occurrence {
        let content = self.events[first..=last]
            .iter()
            .map(|e| e.pitch.name_with_octave())
            .collect();
        let span = (self.events[first].start, self.events[last].start);
        occurrence(
            self.part,
            Some(self.index),
            span,
            transformation,
            Some(transposition),
            content,
        )
    }

    /// The spelled intervals of the events `first..=last`, as `M2`, `m-3`.
    fn signature(&self, first: usize, last: usize) -> Vec<String> {
        self.events[first..=last]
            .windows(2)
            .map(
                |pair| match Interval::between(&pair[0].pitch, &pair[1].pitch) {
                    Ok(interval) => interval.directed_name(),
                    Err(_) => format!("{:+}", pair[1].pitch.midi() - pair[0].pitch.midi()),
                },
            )
            .collect()
    }
}

/// Interval patterns recurring exactly or transposed, and (with transformations) inverted, in
/// retrograde or retrograde inversion.
fn motifs(melodies: &[Melody], options: &PatternOptions) -> Vec<Pattern> {
    let groups = repeated(
        &move_counts(melodies),
        move_range(options),
        options.min_occurrences,
        |window| {
            let moves = melodies[window.seq].moves_in(window)?;
            let semitones: Vec<i32> = moves.iter().map(|m| m.semitones).collect();
            if semitones.iter().all(|&s| s == 0) {
                return None;
            }
            Some(if options.transformations {
                family_key(&semitones)
            } else {
                semitones
            })
        },
    );
    groups
        .iter()
        .map(|group| motif_pattern(melodies, group))
        .collect()
}

fn motif_pattern(melodies: &[Melody], group: &[Window]) -> Pattern {
    let semitones_of = |w: &Window| -> Vec<i32> {
        melodies[w.seq].moves[w.start..w.end()]
            .iter()
            .map(|m| m.map_or(0, |m| m.semitones))
            .collect()
    };
    let prime = semitones_of(&group[0]);
    let first_pitch = melodies[group[0].seq].pitch(group[0].start);
    let occurrences: Vec<Occurrence> = group
        .iter()
        .map(|w| {
            let melody = &melodies[w.seq];
            let start_pitch = melody.pitch(w.start);
            let form = transformation_of(&prime, &semitones_of(w), start_pitch == first_pitch);
            let shift = start_pitch.midi() - first_pitch.midi();
            melody.occurrence((w.start, w.end()), form, shift)
        })
        .collect();
    let transformed = occurrences.iter().any(|o| {
        !matches!(
            o.transformation,
            Transformation::Exact | Transformation::Transposed
        )
    });
    let kind = if transformed {
        PatternKind::Motif
    } else {
        PatternKind::RepeatedIntervals
    };
    let signature = melodies[group[0].seq].signature(group[0].start, group[0].end());
    let description = format!(
        "{} notes ({}), {} times: {}",
        group[0].len + 1,
        signature.join(" "),
        group.len(),
        summarise(&occurrences)
    );
    Pattern {
        kind,
        length: (group[0].len + 1) as u32,
        occurrence_count: group.len() as u32,
        description,
        signature,
        semitones: prime,
        occurrences,
    }
}

/// The same letter steps at least twice, with different semitones somewhere.
fn tonal_repetitions(melodies: &[Melody], options: &PatternOptions) -> Vec<Pattern> {
    let groups = repeated(
        &move_counts(melodies),
        move_range(options),
        options.min_occurrences,
        |window| {
            let moves = melodies[window.seq].moves_in(window)?;
            let letters: Vec<i32> = moves.iter().map(|m| m.letters).collect();
            (!letters.iter().all(|&l| l == 0)).then_some(letters)
        },
    );
    groups
        .iter()
        .filter_map(|group| tonal_pattern(melodies, group))
        .collect()
}

fn tonal_pattern(melodies: &[Melody], group: &[Window]) -> Option<Pattern> {
    let semitones_of = |w: &Window| -> Vec<i32> {
        melodies[w.seq].moves[w.start..w.end()]
            .iter()
            .map(|m| m.map_or(0, |m| m.semitones))
            .collect()
    };
    let prime = semitones_of(&group[0]);
    if group.iter().all(|w| semitones_of(w) == prime) {
        return None;
    }
    let first_pitch = melodies[group[0].seq].pitch(group[0].start);
    let occurrences: Vec<Occurrence> = group
        .iter()
        .map(|w| {
            let melody = &melodies[w.seq];
            let start_pitch = melody.pitch(w.start);
            let form = if semitones_of(w) != prime {
                Transformation::Tonal
            } else if start_pitch == first_pitch {
                Transformation::Exact
            } else {
                Transformation::Transposed
            };
            let shift = start_pitch.midi() - first_pitch.midi();
            melody.occurrence((w.start, w.end()), form, shift)
        })
        .collect();
    let signature = melodies[group[0].seq].signature(group[0].start, group[0].end());
    let description = format!(
        "{} notes on the same letter steps ({}), {} times with changing qualities: {}",
        group[0].len + 1,
        signature.join(" "),
        group.len(),
        summarise(&occurrences)
    );
    Some(Pattern {
        kind: PatternKind::TonalRepetition,
        length: (group[0].len + 1) as u32,
        occurrence_count: group.len() as u32,
        description,
        signature,
        semitones: prime,
        occurrences,
    })
}

/// Units restated back to back, each at a new pitch level moved by the same letter steps.
fn sequences(melody: &Melody, options: &PatternOptions) -> Vec<Pattern> {
    let mut found: Vec<Pattern> = Vec::new();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for notes in (options.min_length.max(3)..=options.max_length).rev() {
        for start in 0..melody.events.len() {
            let units = sequence_at(melody, Unit { start, notes });
            let end = start + units * notes;
            let covered = spans.iter().any(|&(s, e)| s <= start && end <= e);
            if units >= options.min_sequence_units && !covered {
                spans.push((start, end));
                found.push(sequence_pattern(melody, Unit { start, notes }, units));
            }
        }
    }
    found
}

/// How many units, from `first` on, form a sequence (1 if none follows).
fn sequence_at(melody: &Melody, first: Unit) -> usize {
    let Some(shape) = unit_letters(melody, first) else {
        return 0;
    };
    if shape.windows(2).all(|pair| pair[0] == pair[1]) {
        return 1;
    }
    let level = |unit: Unit| diatonic_number(&melody.pitch(unit.start));
    let second = Unit {
        start: first.start + first.notes,
        ..first
    };
    let step = if second.start < melody.events.len() {
        level(second) - level(first)
    } else {
        0
    };
    let mut units = 1;
    let mut previous = first;
    loop {
        let next = Unit {
            start: previous.start + previous.notes,
            ..previous
        };
        let joined = melody
            .moves
            .get(next.start.wrapping_sub(1))
            .copied()
            .flatten()
            .is_some();
        let same_shape = unit_letters(melody, next).is_some_and(|s| s == shape);
        if step == 0 || !joined || !same_shape || level(next) - level(previous) != step {
            return units;
        }
        units += 1;
        previous = next;
    }
}

/// The letter steps inside a unit, if the unit lies in the line without gaps.
fn unit_letters(melody: &Melody, unit: Unit) -> Option<Vec<i32>> {
    let window = Window {
        seq: 0,
        start: unit.start,
        len: unit.notes - 1,
    };
    if window.end() > melody.moves.len() {
        return None;
    }
    melody
        .moves_in(window)
        .map(|moves| moves.iter().map(|m| m.letters).collect())
}

fn sequence_pattern(melody: &Melody, first: Unit, units: usize) -> Pattern {
    let unit_at = |k: usize| Unit {
        start: first.start + k * first.notes,
        ..first
    };
    let semitones_of = |unit: Unit| -> Vec<i32> {
        melody.moves[unit.start..unit.start + unit.notes - 1]
            .iter()
            .map(|m| m.map_or(0, |m| m.semitones))
            .collect()
    };
    let prime = semitones_of(first);
    let first_pitch = melody.pitch(first.start);
    let shifts: Vec<i32> = (0..units)
        .map(|k| melody.pitch(unit_at(k).start).midi() - first_pitch.midi())
        .collect();
    let real = (0..units).all(|k| semitones_of(unit_at(k)) == prime)
        && shifts.windows(2).all(|pair| pair[1] - pair[0] == shifts[1]);
    let form = if real {
        Transformation::Transposed
    } else {
        Transformation::Tonal
    };
    let occurrences = (0..units)
        .map(|k| {
            let unit = unit_at(k);
            let this = if k == 0 { Transformation::Exact } else { form };
            melody.occurrence((unit.start, unit.start + unit.notes - 1), this, shifts[k])
        })
        .collect();
    let signature = melody.signature(first.start, first.start + first.notes - 1);
    let kind = if real {
        PatternKind::RealSequence
    } else {
        PatternKind::TonalSequence
    };
    let letters = diatonic_number(&melody.pitch(unit_at(1).start)) - diatonic_number(&first_pitch);
    let description = format!(
        "{} sequence in part {}: a {}-note unit ({}) stated {} times, each {} letter step{} {}",
        if real { "real" } else { "tonal" },
        melody.index,
        first.notes,
        signature.join(" "),
        units,
        letters.abs(),
        if letters.abs() == 1 { "" } else { "s" },
        if letters > 0 { "higher" } else { "lower" },
    );
    Pattern {
        kind,
        length: first.notes as u32,
        occurrence_count: units as u32,
        description,
        signature,
        semitones: prime,
        occurrences,
    }
}

/// The smallest of an interval vector, its inversion, retrograde and retrograde inversion: one
/// key for the whole family.
fn family_key(semitones: &[i32]) -> Vec<i32> {
    let inversion: Vec<i32> = semitones.iter().map(|s| -s).collect();
    let retrograde: Vec<i32> = inversion.iter().rev().copied().collect();
    let retrograde_inversion: Vec<i32> = semitones.iter().rev().copied().collect();
    [
        semitones.to_vec(),
        inversion,
        retrograde,
        retrograde_inversion,
    ]
    .into_iter()
    .min()
    .unwrap_or_default()
}

/// How `moves` relates to the first occurrence's `prime`.
fn transformation_of(prime: &[i32], moves: &[i32], same_start: bool) -> Transformation {
    let inverted: Vec<i32> = prime.iter().map(|s| -s).collect();
    if moves == prime {
        if same_start {
            Transformation::Exact
        } else {
            Transformation::Transposed
        }
    } else if moves == inverted.as_slice() {
        Transformation::Inversion
    } else if moves.iter().eq(inverted.iter().rev()) {
        Transformation::Retrograde
    } else {
        Transformation::RetrogradeInversion
    }
}

/// Counts of each transformation, in words: `2 exact, 1 inversion`.
fn summarise(occurrences: &[Occurrence]) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for occurrence in occurrences {
        let name = serde_json::to_value(occurrence.transformation)
            .ok()
            .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
            .unwrap_or_default();
        *counts.entry(name).or_default() += 1;
    }
    counts
        .iter()
        .map(|(name, count)| format!("{count} {name}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn move_counts(melodies: &[Melody]) -> Vec<usize> {
    melodies.iter().map(|m| m.moves.len()).collect()
}

/// Pattern lengths in notes become window lengths in moves.
fn move_range(options: &PatternOptions) -> std::ops::RangeInclusive<usize> {
    options.min_length.saturating_sub(1).max(1)..=options.max_length.saturating_sub(1).max(1)
}
