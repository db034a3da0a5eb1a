//! `key_analysis`: the key of a stored score, as music21's `analyze('key')` finds it, and
//! optionally the key of each window of measures, to show modulations.
//!
//! A window holds `window` measures of part 0 (the last one may be shorter) and the notes of
//! every part that start inside those measures, each weighted by its whole duration as in the
//! whole-score histogram; windows start every `step` measures (default: one window after the
//! other).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::{Services, Tool, ToolError, ToolErrorKind};
use crate::music::key::{KeyAnalysis, KeyMethod, key_from_histogram, windowed_keys};
use crate::music::model::{Ql, Score};

/// Arguments of `key_analysis`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct KeyAnalysisArgs {
    /// The id of a stored score.
    pub score_id: String,
    /// The key-weighting method: `aarden_essen` (music21's default), `krumhansl_schmuckler`,
    /// `krumhansl_kessler`, `bellman_budge`, `temperley_kostka_payne` or `simple_weights`.
    #[serde(default)]
    pub method: Option<String>,
    /// Also find the key of every window of this many measures (part 0's measures).
    #[serde(default)]
    pub window: Option<u32>,
    /// Measures from one window's start to the next (default: the window size, so windows
    /// follow each other; 1 slides the window measure by measure).
    #[serde(default)]
    pub step: Option<u32>,
}

/// What `key_analysis` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KeyAnalysisResult {
    /// The id asked for.
    pub score_id: String,
    /// The best key, its correlation and the next four alternatives.
    #[serde(flatten)]
    pub key: KeyAnalysis,
    /// The duration-weighted pitch-class histogram (C first) the keys were correlated with.
    pub pitch_class_histogram: Vec<f64>,
    /// The key of each window, in order, when `window` was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows: Option<Vec<KeyWindow>>,
}

/// The key of one window of measures.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KeyWindow {
    /// The number of the window's first measure (music21's numbering).
    pub start_measure: i32,
    /// The number of its last measure.
    pub end_measure: i32,
    /// Where it starts, in ql from the score start, as an exact fraction.
    pub start_offset: String,
    /// Where it ends, as an exact fraction.
    pub end_offset: String,
    /// The best key, such as `"G major"`; null when the window has no notes.
    pub key: Option<String>,
    /// The key's correlation, when there is a key.
    pub correlation: Option<f64>,
    /// The runner-up key, to judge how clear the window is.
    pub runner_up: Option<String>,
    /// True when the key differs from the previous window's (a modulation, or a tonicisation).
    pub changed: bool,
    /// Why there is no key (no notes in the window).
    pub error: Option<String>,
}

/// The largest window size accepted, in measures.
const MAX_WINDOW: u32 = 10_000;

/// The `key_analysis` tool.
pub struct KeyAnalysisTool;

impl Tool for KeyAnalysisTool {
    const NAME: &'static str = "key_analysis";
    const RETRY_SAFE: bool = true;
    const HEAVY: bool = true;
    type Args = KeyAnalysisArgs;
    type Output = KeyAnalysisResult;

    async fn run(
        services: Arc<Services>,
        args: KeyAnalysisArgs,
    ) -> Result<KeyAnalysisResult, ToolError> {
        let method = parse_method(args.method.as_deref())?;
        let window = parse_window(args.window, args.step)?;
        blocking(move || {
            let score = services.load_score(&args.score_id)?;
            let histogram = crate::music::histogram::weighted_pitch_class_histogram(&score);
            let key = key_from_histogram(&histogram, method)
                .map_err(|err| ToolError::new(ToolErrorKind::NotAnalysable, err.to_string()))?;
            let windows = match window {
                Some((size, step)) => Some(key_windows(&score, method, size, step)?),
                None => None,
            };
            Ok(KeyAnalysisResult {
                score_id: args.score_id,
                key,
                pitch_class_histogram: histogram.to_vec(),
                windows,
            })
        })
        .await
    }
}

/// The window size and step in measures, when a window was asked for.
fn parse_window(
    window: Option<u32>,
    step: Option<u32>,
) -> Result<Option<(usize, usize)>, ToolError> {
    let Some(size) = window else {
        if step.is_some() {
            return Err(ToolError::invalid(
                "step needs window; give window (measures per window) as well",
            ));
        }
        return Ok(None);
    };
    if !(1..=MAX_WINDOW).contains(&size) {
        return Err(ToolError::invalid(format!(
            "window is {size} measures; use 1 to {MAX_WINDOW}, such as 4 or 8"
        )));
    }
    let step = step.unwrap_or(size);
    if !(1..=MAX_WINDOW).contains(&step) {
        return Err(ToolError::invalid(format!(
            "step is {step} measures; use 1 to {MAX_WINDOW}"
        )));
    }
    Ok(Some((size as usize, step as usize)))
}

/// The key of each window of `size` measures of part 0, starting every `step` measures.
fn key_windows(
    score: &Score,
    method: KeyMethod,
    size: usize,
    step: usize,
) -> Result<Vec<KeyWindow>, ToolError> {
    let measures = score
        .parts
        .first()
        .map(|p| p.measures.as_slice())
        .unwrap_or_default();
    if measures.is_empty() {
        return Err(ToolError::new(
            ToolErrorKind::NotAnalysable,
            "the score has no measures to window; call key_analysis without window",
        ));
    }
    let spans: Vec<(usize, usize)> = window_spans(measures.len(), size, step);
    let bounds: Vec<(Ql, Ql)> = spans
        .iter()
        .map(|&(first, last)| (measures[first].offset, measures[last].end()))
        .collect();
    let histograms: Vec<[f64; 12]> = bounds
        .iter()
        .map(|&(from, to)| histogram_between(score, from, to))
        .collect();
    let keys = windowed_keys(&histograms, method);

    let mut previous: Option<String> = None;
    let mut windows = Vec::with_capacity(spans.len());
    for ((&(first, last), &(from, to)), key) in spans.iter().zip(&bounds).zip(keys) {
        let (name, correlation, runner_up, error) = match key {
            Ok(key) => {
                let runner_up = key.alternates.first().map(|k| k.name.clone());
                (Some(key.name), Some(key.correlation), runner_up, None)
            }
            Err(err) => (None, None, None, Some(err.to_string())),
        };
        let changed = name.is_some() && previous.is_some() && name != previous;
        if name.is_some() {
            previous = name.clone();
        }
        windows.push(KeyWindow {
            start_measure: measures[first].number,
            end_measure: measures[last].number,
            start_offset: from.to_string(),
            end_offset: to.to_string(),
            key: name,
            correlation,
            runner_up,
            changed,
            error,
        });
    }
    Ok(windows)
}

/// `(first, last)` measure indexes of each window; the last window may be shorter, and the
/// windows stop once one reaches the last measure.
fn window_spans(count: usize, size: usize, step: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut first = 0;
    while first < count {
        let last = (first + size).min(count) - 1;
        spans.push((first, last));
        if last == count - 1 {
            break;
        }
        first += step;
    }
    spans
}

/// The duration-weighted pitch-class histogram of the notes of every part starting in
/// `[from, to)`.
fn histogram_between(score: &Score, from: Ql, to: Ql) -> [f64; 12] {
    let mut weights = [Ql::ZERO; 12];
    for placed in score.parts.iter().flat_map(|part| part.events()) {
        if placed.offset < from || placed.offset >= to {
            continue;
        }
        for pitch in placed.event.pitches() {
            weights[usize::from(pitch.pitch_class())] += placed.event.duration;
        }
    }
    weights.map(Ql::to_f64)
}

fn parse_method(name: Option<&str>) -> Result<KeyMethod, ToolError> {
    let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
        return Ok(KeyMethod::default());
    };
    KeyMethod::from_name(name).ok_or_else(|| {
        ToolError::invalid(format!(
            "unknown key method '{name}'; use one of aarden_essen (default), krumhansl_schmuckler, \
             krumhansl_kessler, bellman_budge, temperley_kostka_payne, simple_weights"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::ReadLimits;

    /// Four measures of C major arpeggios, then four of F# major ones.
    fn modulating() -> Score {
        let measure = |n: usize, steps: [(&str, i8); 3]| {
            let notes: String = steps
                .iter()
                .map(|(step, alter)| {
                    format!(
                        "<note><pitch><step>{step}</step><alter>{alter}</alter><octave>4</octave>\
                         </pitch><duration>1</duration></note>"
                    )
                })
                .collect();
            format!(
                "<measure number=\"{n}\"><attributes><divisions>1</divisions></attributes>{notes}</measure>"
            )
        };
        let c = [("C", 0), ("E", 0), ("G", 0)];
        let f_sharp = [("F", 1), ("A", 1), ("C", 1)];
        let body: String = (1..=8)
            .map(|n| measure(n, if n <= 4 { c } else { f_sharp }))
            .collect();
        let xml = format!(
            "<score-partwise><part-list><score-part id=\"P1\"/></part-list>\
             <part id=\"P1\">{body}</part></score-partwise>"
        );
        read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
    }

    #[test]
    fn windows_show_a_modulation_with_their_measure_ranges() {
        let windows = key_windows(&modulating(), KeyMethod::AardenEssen, 4, 4).unwrap();
        let keys: Vec<_> = windows.iter().map(|w| w.key.clone().unwrap()).collect();
        assert_eq!(keys, ["C major", "F# major"]);
        assert_eq!((windows[1].start_measure, windows[1].end_measure), (5, 8));
        assert_eq!(windows[1].start_offset, "12");
        assert!(!windows[0].changed && windows[1].changed);
    }

    #[test]
    fn a_sliding_window_steps_measure_by_measure_and_the_last_may_be_short() {
        assert_eq!(window_spans(5, 3, 1), [(0, 2), (1, 3), (2, 4)]);
        assert_eq!(window_spans(5, 2, 2), [(0, 1), (2, 3), (4, 4)]);
        assert_eq!(window_spans(2, 8, 1), [(0, 1)]);
    }

    #[test]
    fn window_arguments_are_checked_with_a_hint() {
        assert_eq!(parse_window(None, None).unwrap(), None);
        assert_eq!(parse_window(Some(4), None).unwrap(), Some((4, 4)));
        assert!(
            parse_window(Some(0), None)
                .unwrap_err()
                .message
                .contains("use 1 to")
        );
        assert!(
            parse_window(None, Some(2))
                .unwrap_err()
                .message
                .contains("needs window")
        );
    }
}
