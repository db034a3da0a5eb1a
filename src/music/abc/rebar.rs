//! music21's `reBar` for ABC parts: a measure longer than its meter is split at the bar length,
//! notes across the split are tied, and the measures after it are renumbered. A leftover
//! shorter than a bar gets the meter music21's `bestTimeSignature` picks, and the next
//! measure gets the running meter back.

use super::translate::{empty_measure, split_ties};
use crate::music::model::{ChordTone, Event, EventKind, Measure, Placed, Ql, TimeSignature, Voice};

/// Splits overlong measures in place. As in music21, a part whose first measure has no meter
/// is left alone, and a leftover is not split again.
pub(super) fn rebar(measures: &mut Vec<Measure>) {
    let mut running: Option<TimeSignature> = None;
    let mut shift = 0;
    let mut index = 0;
    while index < measures.len() {
        if let Some(signature) = signature_at_start(&measures[index]) {
            running = Some(signature.clone());
        }
        let Some(meter) = running.clone() else { return };
        measures[index].number += shift;
        let bar = meter.bar_duration();
        if measures[index].duration <= bar || !bar.is_positive() {
            index += 1;
            continue;
        }
        let Some(right) = split_measure(&mut measures[index], bar, &meter) else {
            return;
        };
        if right.time_signatures.iter().any(|m| m.offset.is_zero())
            && let Some(next) = measures.get_mut(index + 1)
            && signature_at_start(next).is_none()
        {
            next.time_signatures.insert(0, at_zero(meter.clone()));
        }
        shift += 1;
        measures.insert(index + 1, right);
        index += 2;
    }
}

fn signature_at_start(measure: &Measure) -> Option<&TimeSignature> {
    measure
        .time_signatures
        .iter()
        .find(|mark| mark.offset.is_zero())
        .map(|mark| &mark.value)
}

fn at_zero<T>(value: T) -> Placed<T> {
    Placed {
        offset: Ql::ZERO,
        value,
    }
}

/// Cuts `measure` at `at`; returns the right-hand measure, or `None` when music21 would give
/// up on re-barring (no meter fits the leftover).
fn split_measure(measure: &mut Measure, at: Ql, meter: &TimeSignature) -> Option<Measure> {
    let mut right = empty_measure();
    right.number = measure.number + 1;
    let mut right_events = Vec::new();
    for voice in &mut measure.voices {
        let mut kept = Vec::with_capacity(voice.events.len());
        for mut event in voice.events.drain(..) {
            let end = event.offset + event.duration;
            if event.offset < at && end > at {
                let mut tail = event.clone();
                cut(&mut event, &mut tail, at);
                right_events.push(tail);
                kept.push(event);
            } else if event.offset > at || (event.offset == at && end > at) {
                event.offset -= at;
                right_events.push(event);
            } else {
                kept.push(event);
            }
        }
        voice.events = kept;
    }
    move_marks(&mut measure.time_signatures, &mut right.time_signatures, at);
    move_marks(&mut measure.key_signatures, &mut right.key_signatures, at);
    move_marks(&mut measure.tempos, &mut right.tempos, at);
    move_marks(&mut measure.chord_symbols, &mut right.chord_symbols, at);
    move_marks(&mut measure.clefs, &mut right.clefs, at);
    right.time_signatures.retain(|mark| !mark.offset.is_zero());
    right.key_signatures.retain(|mark| !mark.offset.is_zero());

    right_events.sort_by_key(|event| event.offset);
    measure.duration = highest_time(&measure.voices);
    right.offset = measure.offset + measure.duration;
    right.voices = vec![Voice {
        id: None,
        events: right_events,
    }];
    right.duration = highest_time(&right.voices);
    if right.duration != meter.bar_duration() {
        let best = best_time_signature(&right)?;
        right.time_signatures.insert(0, at_zero(best));
    }
    Some(right)
}

/// Splits an event crossing the barline into a tied head and tail.
fn cut(head: &mut Event, tail: &mut Event, at: Ql) {
    let head_length = at - head.offset;
    tail.duration = head.duration - head_length;
    tail.offset = Ql::ZERO;
    head.duration = head_length;
    head.notation = None;
    tail.notation = None;
    match (&mut head.kind, &mut tail.kind) {
        (EventKind::Note(_) | EventKind::Unpitched(_), _) => {
            let (kept, next) = split_ties(head.tie);
            head.tie = Some(kept);
            tail.tie = Some(next);
        }
        (EventKind::Chord(head_tones), EventKind::Chord(tail_tones)) => {
            for (h, t) in head_tones.iter_mut().zip(tail_tones.iter_mut()) {
                let (kept, next) = split_ties(h.tie);
                h.tie = Some(kept);
                t.tie = Some(next);
            }
            head.tie = first_tie(head_tones);
            tail.tie = first_tie(tail_tones);
        }
        _ => {}
    }
}

fn first_tie(tones: &[ChordTone]) -> Option<crate::music::model::Tie> {
    tones.iter().find_map(|tone| tone.tie)
}

/// Marks after the split point move right (marks exactly at it stay, as zero-length elements
/// ending at the split do in music21).
fn move_marks<T>(left: &mut Vec<Placed<T>>, right: &mut Vec<Placed<T>>, at: Ql) {
    let mut kept = Vec::with_capacity(left.len());
    for mut mark in left.drain(..) {
        if mark.offset > at {
            mark.offset -= at;
            right.push(mark);
        } else {
            kept.push(mark);
        }
    }
    *left = kept;
}

fn highest_time(voices: &[Voice]) -> Ql {
    voices
        .iter()
        .flat_map(|voice| &voice.events)
        .map(|event| event.offset + event.duration)
        .max()
        .unwrap_or(Ql::ZERO)
}

/// music21's `meter.bestTimeSignature` for a measure's content.
fn best_time_signature(measure: &Measure) -> Option<TimeSignature> {
    let sum = measure.duration;
    let (numerator, denominator) = if is_dyadic(sum) {
        dyadic_fraction(measure, sum)?
    } else {
        (sum.numer(), sum.denom())
    };
    let (numerator, denominator) = simplify(numerator, denominator);
    let numerator = u32::try_from(numerator).ok().filter(|&n| n > 0)?;
    let denominator = u32::try_from(denominator).ok().filter(|&d| d > 0)?;
    let onsets = onsets(measure);
    Some(match (numerator, denominator) {
        (3, 4) => {
            if beat_strength(&onsets, Meter::ThreeFour) <= beat_strength(&onsets, Meter::SixEight) {
                TimeSignature::simple(6, 8)
            } else {
                TimeSignature::simple(3, 4)
            }
        }
        (6, 4) => {
            let six_four = beat_strength(&onsets, Meter::SixFour);
            let twelve_eight = beat_strength(&onsets, Meter::TwelveEight);
            let three_two = beat_strength(&onsets, Meter::ThreeTwo);
            let best = six_four.max(twelve_eight).max(three_two);
            if best == six_four {
                TimeSignature::simple(6, 4)
            } else if best == three_two {
                TimeSignature::simple(3, 2)
            } else {
                TimeSignature::simple(12, 8)
            }
        }
        (n, d) => TimeSignature::simple(n, d),
    })
}

fn is_dyadic(value: Ql) -> bool {
    (value.denom() as u64).is_power_of_two()
}

/// The smallest note value that divides the measure, as a count of that value.
fn dyadic_fraction(measure: &Measure, sum: Ql) -> Option<(i64, i64)> {
    let mut min_duration = Ql::from_int(4);
    let mut min_dots = 0;
    for event in measure.voices.iter().flat_map(|v| &v.events) {
        let length = event.duration;
        if length.is_zero() || length >= min_duration || !is_dyadic(length) {
            continue;
        }
        min_duration = length;
        min_dots = dots_of(length);
    }
    let dot_factor = Ql::new((1 << (min_dots + 1)) - 1, 1 << min_dots);
    let step = Ql::from_int(2) * dot_factor;
    let smallest = Ql::new(1, 32);
    let mut test = min_duration;
    let mut budget = 10;
    while budget > 0 {
        let parts = sum / test;
        if parts.denom() == 1 || test <= smallest {
            break;
        }
        test = test / step;
        budget -= 1;
    }
    budget = 10;
    while budget > 0 {
        if test < smallest {
            test = smallest;
            break;
        }
        let (_, exact) = closest_type(test)?;
        let closest_is_128th = test < Ql::new(1, 16);
        if exact || closest_is_128th {
            break;
        }
        test = test / step;
        budget -= 1;
    }
    let (type_number, exact) = closest_type(test)?;
    if !exact {
        return None;
    }
    let mut multiplier = Ql::ONE;
    let mut numerator = Ql::ZERO;
    while budget > 0 {
        numerator = multiplier * sum / test;
        if numerator.denom() == 1 {
            break;
        }
        multiplier = multiplier * Ql::from_int(2);
        budget -= 1;
    }
    let denominator = type_number * multiplier;
    if numerator.denom() != 1 || denominator.denom() != 1 || denominator.is_zero() {
        return None;
    }
    let (n, d) = (numerator.numer(), denominator.numer());
    let divisor = gcd(n, d);
    Some((n / divisor, d / divisor))
}

/// The number music21 gives a note type (quarter = 4, breve = 1/2) and whether `length` is
/// exactly that type; otherwise the type just below it.
fn closest_type(length: Ql) -> Option<(Ql, bool)> {
    if !length.is_positive() {
        return None;
    }
    let number = Ql::from_int(4) / length;
    let is_type = |n: Ql| {
        (n.denom() == 1 && (n.numer() as u64).is_power_of_two() && n.numer() <= 2048)
            || (n.numer() == 1 && matches!(n.denom(), 2 | 4 | 8 | 16))
    };
    if is_type(number) {
        return Some((number, true));
    }
    let upper = Ql::from_int(8) / length;
    let candidates = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]
        .map(Ql::from_int)
        .into_iter()
        .chain([16, 8, 4, 2].map(|d| Ql::new(1, d)));
    candidates
        .filter(|&n| number < n && n < upper)
        .min()
        .map(|n| (n, false))
}

fn dots_of(length: Ql) -> i32 {
    for dots in 1..4 {
        let factor = Ql::new((1 << (dots + 1)) - 1, 1 << dots);
        let base = length / factor;
        if base.numer() == 1 && (base.denom() as u64).is_power_of_two()
            || base.denom() == 1 && (base.numer() as u64).is_power_of_two()
        {
            return dots;
        }
    }
    0
}

fn gcd(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// music21's last touches: 16/16 and 1/1 become 4/4; n/1 and n/2 are written over 4.
fn simplify(numerator: i64, denominator: i64) -> (i64, i64) {
    if numerator == denominator && numerator != 2 && numerator != 4 {
        (4, 4)
    } else if numerator != denominator && denominator == 1 {
        (numerator * 4, 4)
    } else if numerator != denominator && denominator == 2 {
        (numerator * 2, 4)
    } else {
        (numerator, denominator)
    }
}

/// Candidate meters compared by average beat strength.
#[derive(Clone, Copy)]
enum Meter {
    ThreeFour,
    SixEight,
    SixFour,
    TwelveEight,
    ThreeTwo,
}

fn onsets(measure: &Measure) -> Vec<Ql> {
    measure
        .voices
        .iter()
        .flat_map(|v| &v.events)
        .filter(|event| !event.is_rest())
        .map(|event| event.offset)
        .collect()
}

/// The mean accent weight of the note onsets: 1 on the downbeat, 1/2 on beats, 1/4 on beat
/// divisions, 1/8 on their halves, 0 elsewhere.
fn beat_strength(onsets: &[Ql], meter: Meter) -> f64 {
    if onsets.is_empty() {
        return 0.0;
    }
    let (beat, division) = match meter {
        Meter::ThreeFour => (Ql::ONE, Ql::new(1, 2)),
        Meter::SixEight => (Ql::new(3, 2), Ql::new(1, 2)),
        Meter::SixFour => (Ql::from_int(3), Ql::ONE),
        Meter::TwelveEight => (Ql::new(3, 2), Ql::new(1, 2)),
        Meter::ThreeTwo => (Ql::from_int(2), Ql::ONE),
    };
    let on = |offset: Ql, grid: Ql| (offset / grid).denom() == 1;
    let total: f64 = onsets
        .iter()
        .map(|&offset| {
            if offset.is_zero() {
                1.0
            } else if on(offset, beat) {
                0.5
            } else if on(offset, division) {
                0.25
            } else if on(offset, division * Ql::new(1, 2)) {
                0.125
            } else {
                0.0
            }
        })
        .sum();
    total / onsets.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::model::{Pitch, Step};

    fn note(offset: Ql, duration: Ql) -> Event {
        Event {
            offset,
            duration,
            kind: EventKind::Note(Pitch::new(Step::C, 0, 4)),
            tie: None,
            grace: false,
            fermata: false,
            hidden: false,
            notation: None,
        }
    }

    fn measure(lengths: &[i64], signature: Option<TimeSignature>) -> Measure {
        let mut measure = empty_measure();
        let mut offset = Ql::ZERO;
        let mut events = Vec::new();
        for &length in lengths {
            events.push(note(offset, Ql::from_int(length)));
            offset += Ql::from_int(length);
        }
        measure.duration = offset;
        measure.voices = vec![Voice { id: None, events }];
        measure.time_signatures = signature.into_iter().map(at_zero).collect();
        measure
    }

    #[test]
    fn an_overlong_measure_is_split_and_the_note_across_is_tied() {
        let mut measures = vec![measure(&[2, 3, 3], Some(TimeSignature::simple(2, 2)))];
        measures[0].number = 1;
        rebar(&mut measures);
        assert_eq!(measures.len(), 2);
        assert_eq!(measures[1].number, 2);
        assert_eq!(measures[1].offset, Ql::from_int(4));
        let first = &measures[0].voices[0].events;
        let second = &measures[1].voices[0].events;
        assert_eq!(first[1].duration, Ql::from_int(2));
        assert_eq!(first[1].tie, Some(crate::music::model::Tie::Start));
        assert_eq!(second[0].duration, Ql::ONE);
        assert_eq!(second[0].tie, Some(crate::music::model::Tie::Stop));
        assert!(measures[1].time_signatures.is_empty());
    }

    #[test]
    fn a_short_leftover_gets_the_best_meter() {
        let mut measures = vec![
            measure(&[1, 1, 1, 1, 1, 1], Some(TimeSignature::simple(4, 4))),
            measure(&[4], None),
        ];
        rebar(&mut measures);
        assert_eq!(measures.len(), 3);
        assert_eq!(measures[1].time_signatures[0].value.ratio(), "2/4");
        assert_eq!(measures[2].time_signatures[0].value.ratio(), "4/4");
    }

    #[test]
    fn three_quarter_leftovers_choose_between_three_four_and_six_eight() {
        let quarters = measure(&[1, 1, 1], None);
        assert_eq!(best_time_signature(&quarters).unwrap().ratio(), "3/4");
        let mut dotted = measure(&[1, 1], None);
        dotted.voices[0].events[0].duration = Ql::new(3, 2);
        dotted.voices[0].events[1].offset = Ql::new(3, 2);
        dotted.voices[0].events[1].duration = Ql::new(3, 2);
        dotted.duration = Ql::from_int(3);
        assert_eq!(best_time_signature(&dotted).unwrap().ratio(), "6/8");
    }
}
