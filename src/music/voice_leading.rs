//! Voice leading between every pair of parts: parallel and hidden fifths and octaves, and voice
//! crossings, exactly as the music21 oracle's `voice_leading` field finds them.
//!
//! The procedure is SCHEMA.md's "aligned pairs": for parts `i < j`, take both part lines, make a
//! grid of every start and end, and at each pair of consecutive grid times build music21's
//! `VoiceLeadingQuartet` from the pitches sounding then (part `i` is the upper voice). Quartets
//! with a silent voice, or where nothing moves, are skipped. Each quartet goes through music21's
//! tests ([`quartet`]); every test that holds is one finding. Checks beyond music21 (voice
//! overlap, spacing, ranges) live in [`extra`] and never touch these counts.

pub mod extra;
pub mod quartet;

use schemars::JsonSchema;
use serde::Serialize;

use super::line::{LineEvent, part_line, sounding_at};
use super::model::{Part, Ql, Score};
use quartet::{Quartet, QuartetFindings};

/// The fewest parts analysed; fewer gives a skipped report.
pub const MIN_PARTS: usize = 2;
/// The most parts analysed (the oracle's limit, 15 pairs); more gives a skipped report.
pub const MAX_PARTS: usize = 6;

/// The oracle's `voice_leading`: a report, or why the score was skipped.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum VoiceLeading {
    /// Fewer than 2 or more than 6 parts.
    Skipped {
        /// The reason, such as `"8 parts (needs 2..6)"`.
        skipped: String,
    },
    /// The analysis.
    Report(VoiceLeadingReport),
}

/// The findings of every pair of parts.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct VoiceLeadingReport {
    /// Always `"aligned-pairs"`, the oracle's name for this procedure.
    pub method: String,
    /// One entry per pair `(i, j)`, `i < j`, in order.
    pub pairs: Vec<PairReport>,
    /// The counts summed over all pairs.
    pub totals: KindCounts,
    /// One entry per finding, grouped by pair, in time order.
    pub findings: Vec<Finding>,
    /// Quartets whose intervals could not be named (absurd spellings; normally empty).
    pub errors: Vec<QuartetError>,
}

/// What music21 test a finding comes from.
#[derive(Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// `parallelFifth()`: parallel or antiparallel perfect fifths, octaves apart allowed.
    ParallelFifth,
    /// `parallelOctave()`: parallel octaves, or antiparallel octaves or unisons.
    ParallelOctave,
    /// `parallelUnison()`: parallel unisons, or antiparallel octaves or unisons.
    ParallelUnison,
    /// `hiddenFifth()`: similar, non-parallel motion into a perfect fifth.
    HiddenFifth,
    /// `hiddenOctave()`: similar, non-parallel motion into an octave or unison.
    HiddenOctave,
    /// `voiceCrossing()`: the upper part below the lower one at either moment.
    VoiceCrossing,
}

/// One count per kind of finding.
#[derive(Serialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindCounts {
    /// Parallel fifths.
    pub parallel_fifth: u32,
    /// Parallel octaves.
    pub parallel_octave: u32,
    /// Parallel unisons.
    pub parallel_unison: u32,
    /// Hidden fifths.
    pub hidden_fifth: u32,
    /// Hidden octaves.
    pub hidden_octave: u32,
    /// Voice crossings.
    pub voice_crossing: u32,
}

/// The counts of one pair of parts.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct PairReport {
    /// `[i, j]`, the upper part first.
    pub parts: [u32; 2],
    /// Quartets built and tested.
    pub quartets_evaluated: u32,
    /// Findings by kind.
    pub counts: KindCounts,
}

/// One finding: a test that held on one quartet.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Finding {
    /// The test.
    pub kind: FindingKind,
    /// `[i, j]`, the upper part first.
    pub parts: [u32; 2],
    /// The number of part `i`'s measure containing `offset`; null if the part has no measures.
    pub measure: Option<i32>,
    /// The second moment of the quartet (`t1`), in ql, rounded to 4 places.
    pub offset: f64,
    /// `offset` as an exact fraction.
    pub offset_fraction: String,
    /// The first moment of the quartet (`t0`), in ql, rounded to 4 places.
    pub prev_offset: f64,
    /// `[v1n1, v1n2, v2n1, v2n2]`: the upper part's two pitches, then the lower part's.
    pub pitches: [String; 4],
}

/// A quartet music21 would have raised on.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct QuartetError {
    /// `[i, j]`.
    pub parts: [u32; 2],
    /// The quartet's second moment, as an exact fraction.
    pub offset_fraction: String,
    /// `[v1n1, v1n2, v2n1, v2n2]`.
    pub pitches: [String; 4],
    /// What went wrong.
    pub error: String,
}

/// A quartet on the grid of two part lines: the pitches sounding at `t0` and at `t1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlignedQuartet {
    /// The earlier grid time.
    pub t0: Ql,
    /// The next grid time.
    pub t1: Ql,
    /// The pitches, the upper part's first.
    pub quartet: Quartet,
}

/// The oracle's `voice_leading` for a score.
pub fn voice_leading(score: &Score) -> VoiceLeading {
    if let Some(reason) = skip_reason(score) {
        return VoiceLeading::Skipped { skipped: reason };
    }
    let lines: Vec<Vec<LineEvent>> = score.parts.iter().map(part_line).collect();
    let mut report = VoiceLeadingReport {
        method: "aligned-pairs".to_string(),
        pairs: Vec::new(),
        totals: KindCounts::default(),
        findings: Vec::new(),
        errors: Vec::new(),
    };
    for (upper, lower) in part_pairs(score.parts.len()) {
        let pair = analyse_pair(
            &score.parts[upper],
            [upper as u32, lower as u32],
            &lines[upper],
            &lines[lower],
            &mut report,
        );
        report.totals.add(&pair.counts);
        report.pairs.push(pair);
    }
    VoiceLeading::Report(report)
}

/// Why a score is not analysed: outside 2 to 6 parts.
pub fn skip_reason(score: &Score) -> Option<String> {
    let parts = score.parts.len();
    (!(MIN_PARTS..=MAX_PARTS).contains(&parts))
        .then(|| format!("{parts} parts (needs {MIN_PARTS}..{MAX_PARTS})"))
}

/// Every pair `(i, j)` with `i < j`, in order.
pub fn part_pairs(parts: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..parts).flat_map(move |i| (i + 1..parts).map(move |j| (i, j)))
}

/// The quartets of two part lines on their common grid, skipping silences and non-moves.
pub fn aligned_quartets(upper: &[LineEvent], lower: &[LineEvent]) -> Vec<AlignedQuartet> {
    let grid = grid_times(upper, lower);
    grid.windows(2)
        .filter_map(|times| {
            let (t0, t1) = (times[0], times[1]);
            let a0 = sounding_at(upper, t0)?.pitch;
            let a1 = sounding_at(upper, t1)?.pitch;
            let b0 = sounding_at(lower, t0)?.pitch;
            let b1 = sounding_at(lower, t1)?.pitch;
            let still = a0 == a1 && b0 == b1;
            (!still).then_some(AlignedQuartet {
                t0,
                t1,
                quartet: Quartet {
                    v1n1: a0,
                    v1n2: a1,
                    v2n1: b0,
                    v2n2: b1,
                },
            })
        })
        .collect()
}

/// The sorted, distinct starts and ends of both lines.
fn grid_times(upper: &[LineEvent], lower: &[LineEvent]) -> Vec<Ql> {
    let mut times: Vec<Ql> = upper
        .iter()
        .chain(lower)
        .flat_map(|event| [event.start, event.end])
        .collect();
    times.sort_unstable();
    times.dedup();
    times
}

/// Tests every quartet of one pair, adding its findings and errors to `report`.
fn analyse_pair(
    upper_part: &Part,
    parts: [u32; 2],
    upper: &[LineEvent],
    lower: &[LineEvent],
    report: &mut VoiceLeadingReport,
) -> PairReport {
    let mut pair = PairReport {
        parts,
        quartets_evaluated: 0,
        counts: KindCounts::default(),
    };
    for aligned in aligned_quartets(upper, lower) {
        pair.quartets_evaluated += 1;
        let pitches = pitch_names(&aligned.quartet);
        let found = match aligned.quartet.evaluate() {
            Ok(found) => found,
            Err(err) => {
                report.errors.push(QuartetError {
                    parts,
                    offset_fraction: aligned.t1.to_string(),
                    pitches,
                    error: err.to_string(),
                });
                continue;
            }
        };
        for kind in kinds_found(&found) {
            pair.counts.bump(kind);
            report.findings.push(Finding {
                kind,
                parts,
                measure: upper_part.measure_number_at(aligned.t1),
                offset: aligned.t1.to_f64_rounded(),
                offset_fraction: aligned.t1.to_string(),
                prev_offset: aligned.t0.to_f64_rounded(),
                pitches: pitches.clone(),
            });
        }
    }
    pair
}

/// The kinds a quartet shows, in the oracle's test order.
fn kinds_found(found: &QuartetFindings) -> impl Iterator<Item = FindingKind> {
    [
        (found.parallel_fifth, FindingKind::ParallelFifth),
        (found.parallel_octave, FindingKind::ParallelOctave),
        (found.parallel_unison, FindingKind::ParallelUnison),
        (found.hidden_fifth, FindingKind::HiddenFifth),
        (found.hidden_octave, FindingKind::HiddenOctave),
        (found.voice_crossing, FindingKind::VoiceCrossing),
    ]
    .into_iter()
    .filter_map(|(held, kind)| held.then_some(kind))
}

/// `[v1n1, v1n2, v2n1, v2n2]` as names with octave.
fn pitch_names(quartet: &Quartet) -> [String; 4] {
    [quartet.v1n1, quartet.v1n2, quartet.v2n1, quartet.v2n2].map(|p| p.name_with_octave())
}

impl KindCounts {
    /// The count of one kind.
    pub fn get(&self, kind: FindingKind) -> u32 {
        match kind {
            FindingKind::ParallelFifth => self.parallel_fifth,
            FindingKind::ParallelOctave => self.parallel_octave,
            FindingKind::ParallelUnison => self.parallel_unison,
            FindingKind::HiddenFifth => self.hidden_fifth,
            FindingKind::HiddenOctave => self.hidden_octave,
            FindingKind::VoiceCrossing => self.voice_crossing,
        }
    }

    fn bump(&mut self, kind: FindingKind) {
        let slot = match kind {
            FindingKind::ParallelFifth => &mut self.parallel_fifth,
            FindingKind::ParallelOctave => &mut self.parallel_octave,
            FindingKind::ParallelUnison => &mut self.parallel_unison,
            FindingKind::HiddenFifth => &mut self.hidden_fifth,
            FindingKind::HiddenOctave => &mut self.hidden_octave,
            FindingKind::VoiceCrossing => &mut self.voice_crossing,
        };
        *slot += 1;
    }

    fn add(&mut self, other: &KindCounts) {
        self.parallel_fifth += other.parallel_fifth;
        self.parallel_octave += other.parallel_octave;
        self.parallel_unison += other.parallel_unison;
        self.hidden_fifth += other.hidden_fifth;
        self.hidden_octave += other.hidden_octave;
        self.voice_crossing += other.voice_crossing;
    }
}

#[cfg(test)]
mod tests;
