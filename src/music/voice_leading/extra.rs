//! Voice-leading checks beyond the music21 oracle: voice overlap, spacing and vocal ranges.
//!
//! They read the same part lines and aligned quartets as [`super::voice_leading`] but are
//! reported apart, so the oracle-compared counts stay exactly music21's.
//!
//! - **Voice overlap** (music21's `voiceOverlap`, which the oracle does not record): on a
//!   quartet of two adjacent parts, the upper voice moves below where the lower voice just was,
//!   or the lower voice moves above where the upper voice just was.
//! - **Spacing**: two adjacent upper voices (every part but the lowest) more than an octave
//!   apart at a moment where either one starts a note.
//! - **Ranges**: for a four-part score, notes outside the usual SATB ranges (soprano C4-G5, alto
//!   G3-D5, tenor C3-G4, bass E2-C4, as in Kostka and Payne).

use schemars::JsonSchema;
use serde::Serialize;

use super::{aligned_quartets, pitch_names};
use crate::music::line::{LineEvent, part_line, sounding_at};
use crate::music::model::{Pitch, Ql, Score, Step};

/// The checks beyond music21, for a score of 2 to 6 parts.
#[derive(Serialize, JsonSchema, Clone, Debug, Default, PartialEq)]
pub struct VoiceLeadingExtras {
    /// Voice overlaps between adjacent parts.
    pub voice_overlaps: Vec<ExtraFinding>,
    /// Adjacent upper voices more than an octave apart.
    pub spacing: Vec<ExtraFinding>,
    /// Notes outside the SATB ranges; empty unless the score has exactly four parts.
    pub ranges: Vec<ExtraFinding>,
}

/// One finding of an extra check.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct ExtraFinding {
    /// The parts involved: two for overlap and spacing, one for a range.
    pub parts: Vec<u32>,
    /// The number of the first part's measure containing `offset`.
    pub measure: Option<i32>,
    /// When, in ql from the start, rounded to 4 places.
    pub offset: f64,
    /// `offset` as an exact fraction.
    pub offset_fraction: String,
    /// The pitches: a quartet `[v1n1, v1n2, v2n1, v2n2]` for overlap, `[upper, lower]` for
    /// spacing, the note for a range.
    pub pitches: Vec<String>,
    /// What is wrong, in words.
    pub detail: String,
}

/// A voice's name with its lowest and highest pitch (step and octave).
type VoiceRange = (&'static str, (Step, i32), (Step, i32));

/// The lowest and highest pitch of each SATB voice, top part first.
const SATB_RANGES: [VoiceRange; 4] = [
    ("soprano", (Step::C, 4), (Step::G, 5)),
    ("alto", (Step::G, 3), (Step::D, 5)),
    ("tenor", (Step::C, 3), (Step::G, 4)),
    ("bass", (Step::E, 2), (Step::C, 4)),
];

/// The widest distance, in semitones, allowed between adjacent upper voices.
const MAX_UPPER_SPACING: i32 = 12;

/// Runs the extra checks; a score outside 2 to 6 parts gets empty lists.
pub fn voice_leading_extras(score: &Score) -> VoiceLeadingExtras {
    if super::skip_reason(score).is_some() {
        return VoiceLeadingExtras::default();
    }
    let lines: Vec<Vec<LineEvent>> = score.parts.iter().map(part_line).collect();
    let mut extras = VoiceLeadingExtras::default();
    for upper in 0..lines.len() - 1 {
        let lower = upper + 1;
        extras.voice_overlaps.extend(overlaps(
            score,
            [upper, lower],
            &lines[upper],
            &lines[lower],
        ));
        if lower < lines.len() - 1 {
            extras
                .spacing
                .extend(spacing(score, [upper, lower], &lines[upper], &lines[lower]));
        }
    }
    if lines.len() == SATB_RANGES.len() {
        for (part, line) in lines.iter().enumerate() {
            extras.ranges.extend(out_of_range(score, part, line));
        }
    }
    extras
}

/// Voice overlaps on the aligned quartets of two adjacent parts.
fn overlaps(
    score: &Score,
    parts: [usize; 2],
    upper: &[LineEvent],
    lower: &[LineEvent],
) -> Vec<ExtraFinding> {
    aligned_quartets(upper, lower)
        .into_iter()
        .filter(|aligned| {
            aligned
                .quartet
                .evaluate()
                .is_ok_and(|found| found.voice_overlap)
        })
        .map(|aligned| {
            let detail = "a voice moves past the note the other voice just sang".to_string();
            let pitches = pitch_names(&aligned.quartet).to_vec();
            finding(score, &parts, aligned.t1, pitches, detail)
        })
        .collect()
}

/// Moments where two adjacent upper voices, both sounding, are more than an octave apart.
fn spacing(
    score: &Score,
    parts: [usize; 2],
    upper: &[LineEvent],
    lower: &[LineEvent],
) -> Vec<ExtraFinding> {
    let mut starts: Vec<Ql> = upper.iter().chain(lower).map(|e| e.start).collect();
    starts.sort_unstable();
    starts.dedup();
    starts
        .into_iter()
        .filter_map(|time| {
            let high = sounding_at(upper, time)?.pitch;
            let low = sounding_at(lower, time)?.pitch;
            let apart = high.midi() - low.midi();
            (apart > MAX_UPPER_SPACING).then(|| {
                let names = vec![high.name_with_octave(), low.name_with_octave()];
                let detail =
                    format!("{apart} semitones apart; adjacent upper voices keep an octave");
                finding(score, &parts, time, names, detail)
            })
        })
        .collect()
}

/// Notes of one SATB part outside its range.
fn out_of_range(score: &Score, part: usize, line: &[LineEvent]) -> Vec<ExtraFinding> {
    let (voice, (low_step, low_octave), (high_step, high_octave)) = SATB_RANGES[part];
    let lowest = Pitch::new(low_step, 0, low_octave);
    let highest = Pitch::new(high_step, 0, high_octave);
    line.iter()
        .filter(|event| event.pitch.midi() < lowest.midi() || event.pitch.midi() > highest.midi())
        .map(|event| {
            let detail = format!("outside the {voice} range {lowest}-{highest}");
            let names = vec![event.pitch.name_with_octave()];
            finding(score, &[part], event.start, names, detail)
        })
        .collect()
}

fn finding(
    score: &Score,
    parts: &[usize],
    time: Ql,
    pitches: Vec<String>,
    detail: String,
) -> ExtraFinding {
    ExtraFinding {
        parts: parts.iter().map(|&p| p as u32).collect(),
        measure: score.parts[parts[0]].measure_number_at(time),
        offset: time.to_f64_rounded(),
        offset_fraction: time.to_string(),
        pitches,
        detail,
    }
}
