//! Chordify: the score reduced to one chord per change of sounding pitches, as music21's
//! `score.chordify()` builds it with its defaults.
//!
//! music21 works measure by measure, using part 0's measures as the template: for measure index
//! `i` it gathers the `i`-th measure of every part (all voices), takes every start and end of a
//! note, chord or rest inside them as a time point (0 always included), and makes one element
//! per pair of neighbouring time points: a chord of every pitch that starts there or is held
//! across it (grace notes and chord symbols included at their offset, duplicates by name and
//! octave removed, sorted low to high), or a rest when nothing sounds. Consecutive rests in one measure merge.
//! A measure whose content runs past the template measure's end keeps its chords, so two chords
//! can share an offset; they are listed in measure order. When part 0 is written at a
//! transposing pitch, every transposing part is first moved to sounding pitch.
//!
//! This sits below [`super::chord`] (naming) and [`super::roman`]; it only slices the score.

use super::model::{Event, Part, Pitch, Ql, Score, Transposition};

/// One element of the chordified score: a chord, or a rest when `pitches` is empty.
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    /// Offset from the start of the score.
    pub offset: Ql,
    /// Length: up to the next time point of its measure.
    pub duration: Ql,
    /// The number of part 0's measure containing `offset` (`None` if part 0 has no measures).
    pub measure: Option<i32>,
    /// Sounding pitches, lowest first, each name and octave once; empty for a rest.
    pub pitches: Vec<Pitch>,
    /// Some note sounding in the slice carries a fermata.
    pub fermata: bool,
}

impl Slice {
    /// True for a rest (no pitch sounds).
    pub fn is_rest(&self) -> bool {
        self.pitches.is_empty()
    }

    /// The end of the slice.
    pub fn end(&self) -> Ql {
        self.offset + self.duration
    }
}

/// The chordified score: chords and rests in time order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chordified {
    /// Every chord and rest, by offset; elements sharing an offset keep their measure order.
    pub slices: Vec<Slice>,
}

impl Chordified {
    /// The chords only.
    pub fn chords(&self) -> impl Iterator<Item = &Slice> {
        self.slices.iter().filter(|s| !s.is_rest())
    }

    /// Number of chords (music21's chord count of the flattened chordified stream).
    pub fn chord_count(&self) -> usize {
        self.chords().count()
    }

    /// Number of rests after consecutive rests were merged.
    pub fn rest_count(&self) -> usize {
        self.slices.iter().filter(|s| s.is_rest()).count()
    }
}

/// One note, chord, rest or chord symbol of a measure slice, with offsets from the measure's
/// start.
struct Span<'a> {
    start: Ql,
    end: Ql,
    /// The note, chord or rest; `None` for a chord symbol.
    event: Option<&'a Event>,
    /// A chord symbol's realised pitches (music21 gives symbols no duration, but a symbol still
    /// sounds in the slice where it starts).
    symbol: &'a [Pitch],
    transposition: Option<Transposition>,
}

impl Span<'_> {
    fn pitches(&self) -> impl Iterator<Item = &Pitch> {
        self.event
            .into_iter()
            .flat_map(Event::pitches)
            .chain(self.symbol)
    }

    fn has_fermata(&self) -> bool {
        self.event.is_some_and(|e| e.fermata && !e.is_rest())
    }
}

/// Chordifies a score as music21's `chordify()` does.
pub fn chordify(score: &Score) -> Chordified {
    let Some(template) = score.parts.first() else {
        return Chordified::default();
    };
    let sounding = template.transposition.is_some();

    let mut slices = Vec::new();
    let mut spans = Vec::new();
    for (index, measure) in template.measures.iter().enumerate() {
        spans.clear();
        for part in &score.parts {
            collect_spans(part, index, sounding, &mut spans);
        }
        let first = slices.len();
        chordify_measure(&spans, measure.offset, &mut slices);
        merge_rests(&mut slices, first);
    }

    // Overfull measures can reach into the next one; a stable sort keeps measure order.
    slices.sort_by_key(|s: &Slice| s.offset);
    for slice in &mut slices {
        slice.measure = template.measure_number_at(slice.offset);
    }
    Chordified { slices }
}

/// Every note, chord and rest of one part's measure at `index`, in voice and event order.
fn collect_spans<'a>(part: &'a Part, index: usize, sounding: bool, spans: &mut Vec<Span<'a>>) {
    let Some(measure) = part.measures.get(index) else {
        return;
    };
    let transposition = if sounding { part.transposition } else { None };
    for voice in &measure.voices {
        for event in &voice.events {
            spans.push(Span {
                start: event.offset,
                end: event.offset + event.duration,
                event: Some(event),
                symbol: &[],
                transposition,
            });
        }
    }
    for symbol in &measure.chord_symbols {
        spans.push(Span {
            start: symbol.offset,
            end: symbol.offset,
            event: None,
            symbol: &symbol.value.pitches,
            transposition,
        });
    }
}

/// The slices of one measure index, appended to `out` with absolute offsets.
fn chordify_measure(spans: &[Span<'_>], measure_offset: Ql, out: &mut Vec<Slice>) {
    let mut points: Vec<Ql> = Vec::with_capacity(spans.len() * 2 + 1);
    points.push(Ql::ZERO);
    for span in spans {
        points.push(span.start);
        points.push(span.end);
    }
    points.sort_unstable();
    points.dedup();

    for pair in points.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        let (pitches, fermata) = sounding_at(spans, start);
        out.push(Slice {
            offset: measure_offset + start,
            duration: end - start,
            measure: None,
            pitches,
            fermata,
        });
    }
}

/// The pitches sounding at `time`: those starting there first, then those held across it (by
/// their start), each name and octave once, sorted low to high with ties in that order.
fn sounding_at(spans: &[Span<'_>], time: Ql) -> (Vec<Pitch>, bool) {
    let starting = spans.iter().filter(|s| s.start == time);
    let mut held: Vec<&Span<'_>> = spans
        .iter()
        .filter(|s| s.start < time && time < s.end)
        .collect();
    held.sort_by_key(|s| s.start);

    let mut pitches: Vec<Pitch> = Vec::new();
    let mut fermata = false;
    for span in starting.chain(held) {
        fermata |= span.has_fermata();
        for pitch in span.pitches() {
            let pitch = match span.transposition {
                Some(t) => pitch.transposed(t.diatonic, t.chromatic),
                None => *pitch,
            };
            if !pitches.contains(&pitch) {
                pitches.push(pitch);
            }
        }
    }
    pitches.sort_by_key(Pitch::midi);
    (pitches, fermata)
}

/// Merges runs of consecutive rests among `slices[first..]` into one rest each.
fn merge_rests(slices: &mut Vec<Slice>, first: usize) {
    let mut write = first;
    for read in first..slices.len() {
        let merge = write > first && slices[write - 1].is_rest() && slices[read].is_rest();
        if merge {
            let duration = slices[read].duration;
            slices[write - 1].duration += duration;
        } else {
            slices.swap(write, read);
            write += 1;
        }
    }
    slices.truncate(write);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::ReadLimits;

    fn score(parts: &[&str]) -> Score {
        let list: String = (1..=parts.len())
            .map(|i| format!("<score-part id=\"P{i}\"/>"))
            .collect();
        let body: String = parts
            .iter()
            .enumerate()
            .map(|(i, measures)| format!("<part id=\"P{}\">{measures}</part>", i + 1))
            .collect();
        let xml = format!("<score-partwise><part-list>{list}</part-list>{body}</score-partwise>");
        read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
    }

    fn note(step: &str, octave: u8, duration: u32) -> String {
        format!(
            "<note><pitch><step>{step}</step><octave>{octave}</octave></pitch>\
             <duration>{duration}</duration></note>"
        )
    }

    fn rest(duration: u32) -> String {
        format!("<note><rest/><duration>{duration}</duration></note>")
    }

    fn measure(number: u32, content: &str) -> String {
        let attributes = if number == 1 {
            "<attributes><divisions>1</divisions></attributes>"
        } else {
            ""
        };
        format!("<measure number=\"{number}\">{attributes}{content}</measure>")
    }

    fn names(slice: &Slice) -> Vec<String> {
        slice.pitches.iter().map(Pitch::name_with_octave).collect()
    }

    #[test]
    fn every_onset_in_any_part_starts_a_new_chord_with_held_notes_included() {
        let upper = measure(1, &(note("E", 4, 2) + &note("F", 4, 2)));
        let lower = measure(1, &(note("C", 3, 1) + &note("G", 3, 3)));
        let result = chordify(&score(&[&upper, &lower]));
        let chords: Vec<_> = result.chords().collect();
        assert_eq!(chords.len(), 3);
        assert_eq!(names(chords[0]), ["C3", "E4"]);
        assert_eq!(names(chords[1]), ["G3", "E4"]);
        assert_eq!(chords[1].offset, Ql::ONE);
        assert_eq!(chords[1].duration, Ql::ONE);
        assert_eq!(names(chords[2]), ["G3", "F4"]);
        assert_eq!(chords[2].measure, Some(1));
    }

    #[test]
    fn duplicate_pitches_across_parts_are_kept_once() {
        let a = measure(1, &note("C", 4, 4));
        let b = measure(1, &note("C", 4, 4));
        let result = chordify(&score(&[&a, &b]));
        assert_eq!(result.chord_count(), 1);
        assert_eq!(names(&result.slices[0]), ["C4"]);
    }

    #[test]
    fn consecutive_rests_in_a_measure_merge_and_are_counted() {
        let a = measure(1, &(rest(1) + &rest(1) + &note("D", 4, 2)));
        let b = measure(1, &(rest(2) + &note("B", 3, 2)));
        let result = chordify(&score(&[&a, &b]));
        assert_eq!(result.rest_count(), 1);
        assert_eq!(result.slices[0].duration, Ql::from_int(2));
        assert_eq!(result.chord_count(), 1);
    }

    #[test]
    fn a_tied_note_is_sliced_again_at_the_barline() {
        let tied = "<note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration>\
                    <tie type=\"start\"/></note>";
        let stop = "<note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration>\
                    <tie type=\"stop\"/></note>";
        let a = measure(1, tied) + &measure(2, stop);
        let result = chordify(&score(&[&a]));
        assert_eq!(result.chord_count(), 2);
        assert_eq!(result.slices[1].measure, Some(2));
        assert_eq!(result.slices[1].offset, Ql::from_int(4));
    }
}
