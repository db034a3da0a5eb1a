//! Score facts in the oracle's shape: metadata, per-part counts, meters, keys and tempo.
//!
//! [`score_info`] is pure: it walks the model once per part and never fails. Its result is the
//! output schema of the score-info tool, so every number is `u32`/`i32`/`f64`, never `usize`.

use schemars::JsonSchema;
use serde::Serialize;

use super::model::{EventKind, Part, Pitch, Ql, Score, Tie};

/// Everything `score_info` reports.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct ScoreInfo {
    /// Title, composer and other text.
    pub metadata: MetadataInfo,
    /// Part count and per-part facts.
    pub parts: PartsInfo,
    /// Part 0's time signatures in order, consecutive repeats merged.
    pub time_signatures: Vec<TimeSignatureInfo>,
    /// True when another part's list of ratios differs from part 0's.
    pub time_signatures_differ_between_parts: bool,
    /// Part 0's key signatures in order, consecutive repeats merged.
    pub key_signatures: Vec<KeySignatureInfo>,
    /// True when another part's list of sharps differs from part 0's.
    pub key_signatures_differ_between_parts: bool,
    /// The first metronome mark in score order, or null.
    pub initial_tempo: Option<TempoInfo>,
    /// Metronome marks in all parts.
    pub metronome_mark_count: u32,
    /// The text of the first tempo text, or null.
    pub first_tempo_text: Option<String>,
    /// The score's length in quarter lengths (its `highestTime`), rounded to 4 places.
    pub total_duration_ql: f64,
    /// The same length as an exact fraction such as `"3757/4"`.
    pub total_duration_fraction: String,
    /// Number of measures in part 0.
    pub measure_count: u32,
    /// The largest number of measures in any part.
    pub measure_count_max_over_parts: u32,
}

/// Text metadata.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct MetadataInfo {
    /// The work title.
    pub title: Option<String>,
    /// The movement name (the file name when the file has none).
    pub movement_name: Option<String>,
    /// The composer.
    pub composer: Option<String>,
    /// The movement number.
    pub movement_number: Option<String>,
    /// The work number.
    pub number: Option<String>,
}

/// The parts.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct PartsInfo {
    /// Number of parts.
    pub count: u32,
    /// One entry per part, top staff first.
    pub list: Vec<PartInfo>,
}

/// Facts about one part.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct PartInfo {
    /// Position in the score, 0 = top.
    pub index: u32,
    /// `Part` or `PartStaff`.
    pub class: String,
    /// The part id, or null when music21 would make one up.
    pub id: Option<String>,
    /// The part name.
    pub name: Option<String>,
    /// The part abbreviation.
    pub abbreviation: Option<String>,
    /// Number of measures.
    pub measure_count: u32,
    /// Number of the first measure (a pickup is usually 0).
    pub first_measure_number: Option<i32>,
    /// Number of the last measure.
    pub last_measure_number: Option<i32>,
    /// Every sounding notehead: single notes plus each pitch of each chord.
    pub note_count: u32,
    /// Notes not inside a chord.
    pub single_note_count: u32,
    /// Chords, each counted once.
    pub chord_count: u32,
    /// Pitches inside chords.
    pub chord_note_count: u32,
    /// Grace notes and grace chords.
    pub grace_note_count: u32,
    /// Notes and chords whose tie is `stop` or `continue`.
    pub tie_continuation_count: u32,
    /// Rests, whole-measure rests included.
    pub rest_count: u32,
    /// Unpitched percussion notes.
    pub unpitched_count: u32,
    /// Lead-sheet chord symbols (not counted as notes).
    pub chord_symbol_count: u32,
    /// RomanText roman numerals (always 0 for MusicXML).
    pub roman_numeral_count: u32,
    /// The lowest pitch by pitch space; the first in score order on a tie.
    pub lowest_pitch: Option<PitchInfo>,
    /// The highest pitch by pitch space; the first in score order on a tie.
    pub highest_pitch: Option<PitchInfo>,
    /// The part's length (`highestTime`) in quarter lengths, rounded to 4 places.
    pub duration_ql: f64,
    /// The same as an exact fraction.
    pub duration_fraction: String,
}

/// A pitch as the oracle reports extremes.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct PitchInfo {
    /// Name with octave, such as `B-3`.
    pub name: String,
    /// MIDI number.
    pub midi: i32,
    /// music21 pitch space value.
    pub ps: f64,
}

/// A time signature change.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct TimeSignatureInfo {
    /// Such as `3/4`.
    pub ratio: String,
    /// Number of part 0's measure containing the change.
    pub measure: Option<i32>,
    /// Quarter lengths from the start of the score, rounded to 4 places.
    pub offset: f64,
    /// The offset as an exact fraction.
    pub offset_fraction: String,
}

/// A key signature change.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct KeySignatureInfo {
    /// Sharps above zero, flats below.
    pub sharps: i32,
    /// `major`, `minor`, ... when the file states a mode.
    pub mode: Option<String>,
    /// The tonic's name when the file states a mode.
    pub tonic: Option<String>,
    /// Number of part 0's measure containing the change.
    pub measure: Option<i32>,
    /// Quarter lengths from the start of the score, rounded to 4 places.
    pub offset: f64,
    /// The offset as an exact fraction.
    pub offset_fraction: String,
}

/// A metronome mark.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct TempoInfo {
    /// Written beats per minute.
    pub number: Option<f64>,
    /// Playback-only beats per minute.
    pub number_sounding: Option<f64>,
    /// The beat unit in quarter lengths.
    pub referent_ql: f64,
    /// The tempo in quarter notes per minute.
    pub quarter_bpm: Option<f64>,
    /// Tempo text, if any.
    pub text: Option<String>,
    /// Quarter lengths from the start of the score.
    pub offset: f64,
    /// Number of part 0's measure containing the mark.
    pub measure: Option<i32>,
}

/// Summarises a score.
pub fn score_info(score: &Score) -> ScoreInfo {
    let first = score.parts.first();
    let time_lists: Vec<Vec<(String, Ql)>> = score.parts.iter().map(time_signature_list).collect();
    let key_lists: Vec<Vec<KeyEntry>> = score.parts.iter().map(key_signature_list).collect();
    let duration = score.duration();
    ScoreInfo {
        metadata: metadata_info(score),
        parts: PartsInfo {
            count: count(score.parts.len()),
            list: score
                .parts
                .iter()
                .enumerate()
                .map(|(i, p)| part_info(i, p))
                .collect(),
        },
        time_signatures: time_signature_infos(first, time_lists.first()),
        time_signatures_differ_between_parts: lists_differ(&time_lists, |(ratio, _)| ratio.clone()),
        key_signatures: key_signature_infos(first, key_lists.first()),
        key_signatures_differ_between_parts: lists_differ(&key_lists, |entry| entry.sharps),
        initial_tempo: initial_tempo(score),
        metronome_mark_count: count(
            score
                .parts
                .iter()
                .flat_map(|p| &p.measures)
                .map(|m| m.tempos.len())
                .sum(),
        ),
        first_tempo_text: first_tempo_text(score),
        total_duration_ql: duration.to_f64_rounded(),
        total_duration_fraction: duration.to_string(),
        measure_count: count(first.map_or(0, Part::measure_count)),
        measure_count_max_over_parts: count(
            score
                .parts
                .iter()
                .map(Part::measure_count)
                .max()
                .unwrap_or(0),
        ),
    }
}

fn count(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn metadata_info(score: &Score) -> MetadataInfo {
    let m = &score.metadata;
    MetadataInfo {
        title: m.title.clone(),
        movement_name: m.movement_name.clone(),
        composer: m.composer.clone(),
        movement_number: m.movement_number.clone(),
        number: m.number.clone(),
    }
}

/// Per-part counts, walked in music21's `recurse().notesAndRests` order.
#[derive(Default)]
struct Counts {
    note: u32,
    single_note: u32,
    chord: u32,
    chord_note: u32,
    grace: u32,
    tie_continuation: u32,
    rest: u32,
    unpitched: u32,
    lowest: Option<Pitch>,
    highest: Option<Pitch>,
}

impl Counts {
    fn add_pitch(&mut self, pitch: Pitch) {
        self.note += 1;
        if self.lowest.is_none_or(|low| pitch.ps() < low.ps()) {
            self.lowest = Some(pitch);
        }
        if self.highest.is_none_or(|high| pitch.ps() > high.ps()) {
            self.highest = Some(pitch);
        }
    }
}

fn part_counts(part: &Part) -> Counts {
    let mut counts = Counts::default();
    for placed in part.events() {
        let event = placed.event;
        let sounding = !matches!(event.kind, EventKind::Rest(_));
        if sounding && event.grace {
            counts.grace += 1;
        }
        if sounding && matches!(event.tie, Some(Tie::Stop | Tie::Continue)) {
            counts.tie_continuation += 1;
        }
        match &event.kind {
            EventKind::Note(pitch) => {
                counts.single_note += 1;
                counts.add_pitch(*pitch);
            }
            EventKind::Chord(tones) => {
                counts.chord += 1;
                for tone in tones {
                    if tone.unpitched {
                        counts.unpitched += 1;
                    } else {
                        counts.chord_note += 1;
                        counts.add_pitch(tone.pitch);
                    }
                }
            }
            EventKind::Rest(_) => counts.rest += 1,
            EventKind::Unpitched(_) => counts.unpitched += 1,
        }
    }
    counts
}

fn part_info(index: usize, part: &Part) -> PartInfo {
    let counts = part_counts(part);
    let duration = part.duration();
    let chord_symbols = part.measures.iter().map(|m| m.chord_symbols.len()).sum();
    PartInfo {
        index: count(index),
        class: part.kind.class_name().to_string(),
        id: part.id.clone(),
        name: part.name.clone(),
        abbreviation: part.abbreviation.clone(),
        measure_count: count(part.measure_count()),
        first_measure_number: part.reported_measures().first().map(|m| m.number),
        last_measure_number: part.reported_measures().last().map(|m| m.number),
        note_count: counts.note,
        single_note_count: counts.single_note,
        chord_count: counts.chord,
        chord_note_count: counts.chord_note,
        grace_note_count: counts.grace,
        tie_continuation_count: counts.tie_continuation,
        rest_count: counts.rest,
        unpitched_count: counts.unpitched,
        chord_symbol_count: count(chord_symbols),
        roman_numeral_count: 0,
        lowest_pitch: counts.lowest.map(pitch_info),
        highest_pitch: counts.highest.map(pitch_info),
        duration_ql: duration.to_f64_rounded(),
        duration_fraction: duration.to_string(),
    }
}

fn pitch_info(pitch: Pitch) -> PitchInfo {
    PitchInfo {
        name: pitch.name_with_octave(),
        midi: pitch.midi(),
        ps: pitch.ps(),
    }
}

/// A part's time signatures as `(ratio, absolute offset)`, consecutive repeats merged.
fn time_signature_list(part: &Part) -> Vec<(String, Ql)> {
    let mut list: Vec<(String, Ql)> = Vec::new();
    for measure in &part.measures {
        let mut marks: Vec<_> = measure.time_signatures.iter().collect();
        marks.sort_by_key(|mark| mark.offset);
        for mark in marks {
            let ratio = mark.value.ratio();
            if list.last().is_some_and(|(last, _)| *last == ratio) {
                continue;
            }
            list.push((ratio, measure.offset + mark.offset));
        }
    }
    list
}

fn time_signature_infos(
    part: Option<&Part>,
    list: Option<&Vec<(String, Ql)>>,
) -> Vec<TimeSignatureInfo> {
    let (Some(part), Some(list)) = (part, list) else {
        return Vec::new();
    };
    list.iter()
        .map(|(ratio, offset)| TimeSignatureInfo {
            ratio: ratio.clone(),
            measure: part.measure_number_at(*offset),
            offset: offset.to_f64_rounded(),
            offset_fraction: offset.to_string(),
        })
        .collect()
}

/// One merged key signature entry.
struct KeyEntry {
    sharps: i32,
    mode: Option<String>,
    tonic: Option<String>,
    offset: Ql,
}

/// A part's key signatures, consecutive equal sharps merged; a bare signature sharing its
/// offset with a moded one takes the mode.
fn key_signature_list(part: &Part) -> Vec<KeyEntry> {
    let mut list: Vec<KeyEntry> = Vec::new();
    for measure in &part.measures {
        let mut marks: Vec<_> = measure.key_signatures.iter().collect();
        marks.sort_by_key(|mark| mark.offset);
        for mark in marks {
            let offset = measure.offset + mark.offset;
            let key = &mark.value;
            let mode = key.mode.map(|m| m.name().to_string());
            let tonic = key.tonic();
            if let Some(last) = list.last_mut().filter(|last| last.sharps == key.fifths) {
                if last.mode.is_none() && mode.is_some() && last.offset == offset {
                    last.mode = mode;
                    last.tonic = tonic;
                }
                continue;
            }
            list.push(KeyEntry {
                sharps: key.fifths,
                mode,
                tonic,
                offset,
            });
        }
    }
    list
}

fn key_signature_infos(part: Option<&Part>, list: Option<&Vec<KeyEntry>>) -> Vec<KeySignatureInfo> {
    let (Some(part), Some(list)) = (part, list) else {
        return Vec::new();
    };
    list.iter()
        .map(|entry| KeySignatureInfo {
            sharps: entry.sharps,
            mode: entry.mode.clone(),
            tonic: entry.tonic.clone(),
            measure: part.measure_number_at(entry.offset),
            offset: entry.offset.to_f64_rounded(),
            offset_fraction: entry.offset.to_string(),
        })
        .collect()
}

/// True when some part's list, reduced by `key`, differs from part 0's.
fn lists_differ<T, K: PartialEq>(lists: &[Vec<T>], key: impl Fn(&T) -> K) -> bool {
    let Some((first, rest)) = lists.split_first() else {
        return false;
    };
    let reference: Vec<K> = first.iter().map(&key).collect();
    rest.iter().any(|list| {
        list.len() != reference.len()
            || list.iter().zip(&reference).any(|(item, k)| key(item) != *k)
    })
}

/// The first metronome mark of the flattened score: earliest offset, then part order, then
/// document order.
fn initial_tempo(score: &Score) -> Option<TempoInfo> {
    let mut best: Option<(Ql, &super::model::MetronomeMark)> = None;
    for part in &score.parts {
        for measure in &part.measures {
            for mark in &measure.tempos {
                let offset = measure.offset + mark.offset;
                if best.is_none_or(|(best_offset, _)| offset < best_offset) {
                    best = Some((offset, &mark.value));
                }
            }
        }
    }
    let (offset, mark) = best?;
    Some(TempoInfo {
        number: mark.number,
        number_sounding: mark.number_sounding,
        referent_ql: mark.referent.to_f64(),
        quarter_bpm: mark.quarter_bpm(),
        text: mark.text.clone(),
        offset: offset.to_f64_rounded(),
        measure: score
            .parts
            .first()
            .and_then(|p| p.measure_number_at(offset)),
    })
}

/// The text of the first tempo mark that carries text, in the same order.
fn first_tempo_text(score: &Score) -> Option<String> {
    let mut best: Option<(Ql, &String)> = None;
    for part in &score.parts {
        for measure in &part.measures {
            for mark in &measure.tempos {
                let Some(text) = &mark.value.text else {
                    continue;
                };
                let offset = measure.offset + mark.offset;
                if best.is_none_or(|(best_offset, _)| offset < best_offset) {
                    best = Some((offset, text));
                }
            }
        }
    }
    best.map(|(_, text)| text.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::ReadLimits;

    fn info(parts: &[&str]) -> ScoreInfo {
        let list: String = (0..parts.len())
            .map(|i| format!("<score-part id=\"P{i}\"><part-name>N{i}</part-name></score-part>"))
            .collect();
        let body: String = parts
            .iter()
            .enumerate()
            .map(|(i, p)| format!("<part id=\"P{i}\">{p}</part>"))
            .collect();
        let xml = format!("<score-partwise><part-list>{list}</part-list>{body}</score-partwise>");
        score_info(&read_bytes(xml.as_bytes(), Some("t.xml"), &ReadLimits::default()).unwrap())
    }

    fn measure(number: u32, attributes: &str, extra: &str) -> String {
        format!(
            "<measure number=\"{number}\"><attributes>\
                <divisions>1</divisions>{attributes}</attributes>{extra}\
             <note><pitch><step>C</step><octave>4</octave></pitch><duration>3</duration></note>\
             </measure>"
        )
    }

    const THREE_FOUR: &str = "<time><beats>3</beats><beat-type>4</beat-type></time>";

    #[test]
    fn repeated_time_signatures_are_merged_and_changes_keep_their_measure() {
        let part = [
            measure(1, THREE_FOUR, ""),
            measure(2, THREE_FOUR, ""),
            measure(
                3,
                "<time><beats>6</beats><beat-type>8</beat-type></time>",
                "",
            ),
        ]
        .concat();
        let info = info(&[&part]);
        let changes: Vec<(&str, Option<i32>, &str)> = info
            .time_signatures
            .iter()
            .map(|t| (t.ratio.as_str(), t.measure, t.offset_fraction.as_str()))
            .collect();
        assert_eq!(changes, [("3/4", Some(1), "0"), ("6/8", Some(3), "6")]);
        assert!(!info.time_signatures_differ_between_parts);
        assert_eq!(info.total_duration_fraction, "9");
    }

    #[test]
    fn parts_with_other_meters_or_keys_are_flagged() {
        let first = measure(1, &format!("<key><fifths>0</fifths></key>{THREE_FOUR}"), "");
        let second = measure(
            1,
            "<key><fifths>2</fifths></key><time><beats>6</beats><beat-type>8</beat-type></time>",
            "",
        );
        let info = info(&[&first, &second]);
        assert!(info.time_signatures_differ_between_parts);
        assert!(info.key_signatures_differ_between_parts);
        assert_eq!(info.parts.count, 2);
        assert_eq!(info.measure_count_max_over_parts, 1);
    }

    #[test]
    fn the_initial_tempo_is_the_earliest_metronome_mark_in_any_part() {
        let late = "<direction><direction-type><metronome><beat-unit>quarter</beat-unit>\
            <per-minute>100</per-minute></metronome></direction-type><offset>2</offset>\
            </direction>";
        let early = "<sound tempo=\"60\"/>";
        let info = info(&[
            &measure(1, THREE_FOUR, late),
            &measure(1, THREE_FOUR, early),
        ]);
        let tempo = info.initial_tempo.unwrap();
        assert_eq!(
            (tempo.number, tempo.number_sounding, tempo.quarter_bpm),
            (None, Some(60.0), Some(60.0))
        );
        assert_eq!((tempo.offset, tempo.measure), (0.0, Some(1)));
        assert_eq!(info.metronome_mark_count, 2);
        assert_eq!(info.first_tempo_text, None);
    }

    #[test]
    fn extremes_and_part_fields_are_reported() {
        let notes = "<note><pitch><step>B</step><alter>-1</alter><octave>3</octave></pitch>\
            <duration>1</duration></note>";
        let info = info(&[&measure(1, THREE_FOUR, notes)]);
        let part = &info.parts.list[0];
        assert_eq!(
            part.lowest_pitch
                .as_ref()
                .map(|p| (p.name.as_str(), p.midi)),
            Some(("B-3", 58))
        );
        assert_eq!(
            part.highest_pitch.as_ref().map(|p| p.name.as_str()),
            Some("C4")
        );
        assert_eq!(
            (part.class.as_str(), part.id.as_deref(), part.index),
            ("Part", Some("N0"), 0)
        );
        assert_eq!(
            (part.first_measure_number, part.duration_fraction.as_str()),
            (Some(1), "4")
        );
    }

    #[test]
    fn the_output_schema_has_no_unsigned_word_sizes() {
        let schema = serde_json::to_string(&schemars::schema_for!(ScoreInfo)).unwrap();
        assert!(!schema.contains("\"uint\""), "usize leaked into the schema");
        assert!(schema.contains("tie_continuation_count"));
    }
}
