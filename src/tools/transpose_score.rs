//! `transpose_score`: transpose a stored score and store the result as a new score.
//!
//! The interval is a music21 name (`M2`, `-m3`, `P-4`, `A4`, `P8`) or a whole number of
//! semitones; spelling follows music21's `transpose` (see `crate::music::transpose`). Storing
//! goes through the same idempotent insert as `import_score`: every retry of one client call
//! carries the same key, so the new score is stored exactly once.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::error::validate_score_id;
use super::import_score::{score_meta, store_score};
use super::{Services, Tool, ToolError};
use crate::music::histogram::weighted_pitch_class_histogram;
use crate::music::key::{KeyMethod, key_from_histogram};
use crate::music::midi::first_note_outside_midi;
use crate::music::model::Score;
use crate::music::transpose::{FIRST_PITCH_COUNT, Shift, first_pitches, transpose_by};
use crate::store::ScoreMeta;

/// Arguments of `transpose_score`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct TransposeScoreArgs {
    /// The id of the stored score to transpose.
    pub score_id: String,
    /// The interval: a music21 name such as `M2`, `-m3`, `P-4`, `A4` or `P8` (a `-` anywhere
    /// means down), or a whole number of semitones such as `3` or `-5`.
    pub interval: String,
    /// The id to store the result under (default `<score_id>_transposed`).
    #[serde(default)]
    pub new_score_id: Option<String>,
}

/// One transposition request; the key is the same for every retry of one client call.
#[derive(Debug, Clone)]
pub struct TransposeRequest {
    /// What the client asked for.
    pub args: TransposeScoreArgs,
    /// Unique per client call, checked by the store in the insert's transaction.
    pub idempotency_key: String,
}

/// What `transpose_score` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TransposeScoreResult {
    /// The new score's summary.
    #[serde(flatten)]
    pub score: ScoreMeta,
    /// The score it was transposed from.
    pub source_score_id: String,
    /// The interval as music21 names it (`M2`, `m-3`) or `N semitones`.
    pub interval: String,
    /// The key of the original (music21's `analyze('key')`), if it has notes.
    pub key_before: Option<String>,
    /// The key of the transposed score.
    pub key_after: Option<String>,
    /// The first pitches of part 0 before transposing.
    pub first_pitches_before: Vec<String>,
    /// The same pitches after.
    pub first_pitches_after: Vec<String>,
    /// An earlier attempt of this same call had already stored the score.
    pub deduplicated_retry: bool,
}

/// The `transpose_score` tool.
pub struct TransposeScore;

impl Tool for TransposeScore {
    const NAME: &'static str = "transpose_score";
    const RETRY_SAFE: bool = true;
    const HEAVY: bool = true;
    type Args = TransposeRequest;
    type Output = TransposeScoreResult;

    async fn run(
        services: Arc<Services>,
        request: TransposeRequest,
    ) -> Result<TransposeScoreResult, ToolError> {
        let args = &request.args;
        let shift =
            Shift::parse(&args.interval).map_err(|err| ToolError::invalid(err.to_string()))?;
        let new_id = new_score_id(args)?;
        blocking(move || transpose_blocking(&services, &request, shift, &new_id)).await
    }
}

/// The id to store under: the one given, or `<score_id>_transposed`; never the source's.
fn new_score_id(args: &TransposeScoreArgs) -> Result<String, ToolError> {
    validate_score_id(&args.score_id)?;
    let new_id = args
        .new_score_id
        .clone()
        .unwrap_or_else(|| format!("{}_transposed", args.score_id));
    validate_score_id(&new_id)?;
    if new_id == args.score_id {
        return Err(ToolError::invalid(format!(
            "new_score_id '{new_id}' is the score being transposed; choose another id, such as \
             '{new_id}_up'"
        )));
    }
    Ok(new_id)
}

fn transpose_blocking(
    services: &Services,
    request: &TransposeRequest,
    shift: Shift,
    new_id: &str,
) -> Result<TransposeScoreResult, ToolError> {
    let source_id = &request.args.score_id;
    let original = services.load_score(source_id)?;
    let format = services.store.meta(source_id)?.format;
    let transposed = transpose_by(&original, &shift);
    refuse_leaving_midi_range(&original, &transposed, &shift)?;

    let blob = serde_json::to_vec(&transposed)
        .map_err(|err| ToolError::internal(format!("cannot serialise the score: {err}")))?;
    let source = format!("{source_id} transposed by {}", shift.name());
    let meta = score_meta(new_id, source, &transposed, &format, &blob);
    let summary = Summary::of(&original, &transposed);
    let (meta, deduplicated_retry) =
        store_score(services, transposed, meta, &blob, &request.idempotency_key)?;
    tracing::info!(score_id = %meta.score_id, from = %source_id, interval = %shift.name(), deduplicated_retry, "score transposed");

    Ok(TransposeScoreResult {
        score: meta,
        source_score_id: source_id.clone(),
        interval: shift.name(),
        key_before: summary.key_before,
        key_after: summary.key_after,
        first_pitches_before: summary.before,
        first_pitches_after: summary.after,
        deduplicated_retry,
    })
}

/// A transposition may not carry notes that MIDI could hold out of its range (C-1 to G9):
/// music21 would name them (`E-46`), but no instrument, MIDI file or player could.
fn refuse_leaving_midi_range(
    original: &Score,
    transposed: &Score,
    shift: &Shift,
) -> Result<(), ToolError> {
    if first_note_outside_midi(original).is_some() {
        return Ok(());
    }
    match first_note_outside_midi(transposed) {
        None => Ok(()),
        Some(note) => Err(ToolError::invalid(format!(
            "transposing by {} would put {note}; choose a smaller interval",
            shift.name()
        ))),
    }
}

/// Keys and first pitches before and after.
struct Summary {
    key_before: Option<String>,
    key_after: Option<String>,
    before: Vec<String>,
    after: Vec<String>,
}

impl Summary {
    fn of(original: &Score, transposed: &Score) -> Summary {
        let key = |score: &Score| {
            key_from_histogram(
                &weighted_pitch_class_histogram(score),
                KeyMethod::AardenEssen,
            )
            .ok()
            .map(|key| key.name)
        };
        let pitches = |score: &Score| {
            score
                .parts
                .first()
                .map(|part| first_pitches(part, FIRST_PITCH_COUNT))
                .unwrap_or_default()
        };
        Summary {
            key_before: key(original),
            key_after: key(transposed),
            before: pitches(original),
            after: pitches(transposed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(new_score_id: Option<&str>) -> TransposeScoreArgs {
        TransposeScoreArgs {
            score_id: "bwv66.6".into(),
            interval: "M2".into(),
            new_score_id: new_score_id.map(String::from),
        }
    }

    #[test]
    fn the_new_id_defaults_to_the_source_id_with_a_suffix() {
        assert_eq!(new_score_id(&args(None)).unwrap(), "bwv66.6_transposed");
        assert_eq!(new_score_id(&args(Some("up"))).unwrap(), "up");
    }

    #[test]
    fn a_transposition_that_leaves_the_midi_range_is_refused_and_names_the_note() {
        let xml = "<score-partwise><part-list><score-part id=\"P1\"/></part-list>\
                   <part id=\"P1\"><measure number=\"1\"><attributes><divisions>1</divisions>\
                   </attributes><note><pitch><step>C</step><octave>4</octave></pitch>\
                   <duration>4</duration></note></measure></part></score-partwise>";
        let limits = crate::music::read::ReadLimits::default();
        let original = crate::music::musicxml::read_bytes(xml.as_bytes(), None, &limits).unwrap();
        let check = |interval: &str| {
            let shift = Shift::parse(interval).unwrap();
            refuse_leaving_midi_range(&original, &transpose_by(&original, &shift), &shift)
        };
        assert!(check("M2").is_ok());
        assert!(check("67").is_ok(), "C4 + 67 semitones is G9, key 127");
        let err = check("68").unwrap_err();
        assert!(
            err.message.contains("G#9 in part 0 measure 1"),
            "{}",
            err.message
        );
        assert!(check("-61").is_err());
    }

    #[test]
    fn the_new_id_must_be_valid_and_differ_from_the_source() {
        let same = new_score_id(&args(Some("bwv66.6"))).unwrap_err();
        assert!(same.message.contains("choose another id"));
        assert!(new_score_id(&args(Some("a/b"))).is_err());
    }
}
