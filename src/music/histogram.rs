//! The pitch-class histogram behind key finding, as music21's key analyses build it.
//!
//! Every pitch of every note and chord in every part adds the element's whole duration in
//! quarter lengths to its pitch class; grace notes add nothing, unpitched notes are left out.
//! Chord symbols take part with zero duration, so they show only in the counts.

use schemars::JsonSchema;
use serde::Serialize;

use super::model::{Ql, Score};

/// Both versions of the histogram, index 0 = C through 11 = B.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct PitchClassHistogram {
    /// Quarter lengths per pitch class (music21's `_getPitchClassDistribution`).
    pub weighted_ql: [f64; 12],
    /// Number of pitches per pitch class.
    pub counts: [u64; 12],
    /// Sum of `weighted_ql`.
    pub total_weight_ql: f64,
    /// Sum of `counts`.
    pub total_count: u64,
}

/// The duration-weighted pitch-class histogram of the whole score.
pub fn weighted_pitch_class_histogram(score: &Score) -> [f64; 12] {
    pitch_class_histogram(score).weighted_ql
}

/// Weighted and counted pitch-class histograms of the whole score.
pub fn pitch_class_histogram(score: &Score) -> PitchClassHistogram {
    let mut weights = [Ql::ZERO; 12];
    let mut counts = [0u64; 12];
    for part in &score.parts {
        for placed in part.events() {
            let event = placed.event;
            for pitch in event.pitches() {
                let class = usize::from(pitch.pitch_class());
                weights[class] += event.duration;
                counts[class] += 1;
            }
        }
        let symbols = part.measures.iter().flat_map(|m| &m.chord_symbols);
        for pitch in symbols.flat_map(|symbol| &symbol.value.pitches) {
            counts[usize::from(pitch.pitch_class())] += 1;
        }
    }
    let weighted_ql = weights.map(Ql::to_f64);
    PitchClassHistogram {
        weighted_ql,
        counts,
        total_weight_ql: weights.into_iter().sum::<Ql>().to_f64(),
        total_count: counts.iter().sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::ReadLimits;

    fn score(notes: &str) -> Score {
        let xml = format!(
            "<score-partwise><part-list><score-part id=\"P1\"/></part-list><part id=\"P1\">\
             <measure number=\"1\"><attributes><divisions>2</divisions>\
                 </attributes>{notes}</measure>\
             </part></score-partwise>"
        );
        read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
    }

    const C4_HALF: &str =
        "<note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration></note>";

    #[test]
    fn each_chord_pitch_adds_the_whole_chord_duration() {
        let chord = format!(
            "{C4_HALF}<note><chord/><pitch><step>E</step><octave>4</octave></pitch>\
                <duration>4</duration></note>"
        );
        let histogram = pitch_class_histogram(&score(&chord));
        assert_eq!(histogram.weighted_ql[0], 2.0);
        assert_eq!(histogram.weighted_ql[4], 2.0);
        assert_eq!((histogram.total_weight_ql, histogram.total_count), (4.0, 2));
    }

    #[test]
    fn grace_notes_count_but_weigh_nothing_and_rests_and_unpitched_are_left_out() {
        let notes = format!(
            "<note><grace/><pitch><step>D</step><octave>4</octave></pitch><type>eighth</type>\
                </note>{C4_HALF}\
             <note><rest/><duration>2</duration></note>\
             <note><unpitched><display-step>E</display-step><display-octave>4</display-octave>\
             </unpitched>\
             <duration>2</duration></note>"
        );
        let histogram = pitch_class_histogram(&score(&notes));
        assert_eq!(histogram.weighted_ql[2], 0.0);
        assert_eq!(histogram.counts[2], 1);
        assert_eq!(histogram.total_count, 2);
        assert_eq!(weighted_pitch_class_histogram(&score(&notes))[0], 2.0);
    }

    #[test]
    fn chord_symbols_show_in_the_counts_only() {
        let notes = format!(
            "<harmony><root><root-step>G</root-step></root><kind>major</kind></harmony>{C4_HALF}"
        );
        let histogram = pitch_class_histogram(&score(&notes));
        assert_eq!(histogram.counts[7], 1);
        assert_eq!(histogram.counts[11], 1);
        assert_eq!(histogram.weighted_ql[7], 0.0);
        assert_eq!(histogram.total_count, 4);
    }
}
