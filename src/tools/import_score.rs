//! `import_score`: read a score from a file, the corpus or inline text, and store it durably.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::actor::blocking;
use super::error::validate_score_id;
use super::{Services, Tool, ToolError, ToolErrorKind};
use crate::music::info::score_info;
use crate::music::read::{ReadOptions, Score, read_bytes_with, read_file};
use crate::store::{InsertOutcome, NewScore, ScoreMeta};

/// Where `source` points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SourceType {
    /// A path to a score file on the server's machine.
    File,
    /// A music21-style corpus name such as `bach/bwv66.6` (built-in corpus, then the folders
    /// in `MUSIC_MCP_CORPUS`).
    Corpus,
    /// The score itself, as MusicXML, ABC or Humdrum `**kern` text.
    Text,
}

/// Arguments of `import_score`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct ImportScoreArgs {
    /// The id to store the score under: 1-128 letters, digits, '.', '_' or '-'.
    pub score_id: String,
    /// A file path, a corpus name (for example `bach/bwv66.6`), or the score as text
    /// (MusicXML, ABC or Humdrum `**kern`).
    pub source: String,
    /// How to read `source`: `file`, `corpus` or `text`.
    pub source_type: SourceType,
    /// For an ABC file with several tunes: the `X:` number of the tune to import (see
    /// `list_tunes`). Without it the tune with the lowest number is imported, as music21 does.
    #[serde(default)]
    pub tune: Option<u32>,
}

/// One import request; the key is the same for every retry of one client call.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// What the client asked for.
    pub args: ImportScoreArgs,
    /// Unique per client call, checked by the store in the import's transaction.
    pub idempotency_key: String,
}

/// What `import_score` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ImportScoreResult {
    /// The stored score's summary.
    #[serde(flatten)]
    pub score: ScoreMeta,
    /// The request had already been committed by an earlier attempt of this same call (the
    /// tool actor died after committing); the score is stored exactly once either way.
    pub deduplicated_retry: bool,
}

/// The `import_score` tool.
pub struct ImportScore;

impl Tool for ImportScore {
    const NAME: &'static str = "import_score";
    const RETRY_SAFE: bool = true;
    const HEAVY: bool = true;
    type Args = ImportRequest;
    type Output = ImportScoreResult;

    async fn run(
        services: Arc<Services>,
        request: ImportRequest,
    ) -> Result<ImportScoreResult, ToolError> {
        validate_score_id(&request.args.score_id)?;
        if request.args.source.trim().is_empty() {
            return Err(ToolError::invalid(
                "source is empty; give a file path, a corpus name such as 'bach/bwv66.6', or MusicXML text",
            ));
        }
        blocking(move || import_blocking(&services, &request)).await
    }
}

fn import_blocking(
    services: &Services,
    request: &ImportRequest,
) -> Result<ImportScoreResult, ToolError> {
    let args = &request.args;
    let (score, format) = read_source(services, args)?;
    let blob = serde_json::to_vec(&score)
        .map_err(|err| ToolError::internal(format!("cannot serialise the score: {err}")))?;
    let meta = summarise(args, &score, format, &blob);
    let (meta, deduplicated_retry) =
        store_score(services, score, meta, &blob, &request.idempotency_key)?;
    tracing::info!(score_id = %meta.score_id, notes = meta.note_count, deduplicated_retry, "score imported");
    Ok(ImportScoreResult {
        score: meta,
        deduplicated_retry,
    })
}

fn read_source(
    services: &Services,
    args: &ImportScoreArgs,
) -> Result<(Score, &'static str), ToolError> {
    let source = load_source(services, &args.source, args.source_type)?;
    let options = ReadOptions { tune: args.tune };
    let output = read_bytes_with(
        &source.bytes,
        source.file_name.as_deref(),
        &services.limits,
        &options,
    )
    .map_err(|err| source.unreadable(&err))?;
    Ok((output.score, output.format.name()))
}

/// The bytes a `source` names, with the file name that hints at their format.
pub(crate) struct SourceBytes {
    /// The content.
    pub bytes: Vec<u8>,
    /// The file name (for files and corpus entries), which settles text formats.
    pub file_name: Option<String>,
    /// How to name the source in an error: the path, the corpus name or "the inline text".
    pub described: String,
}

impl SourceBytes {
    /// A tool error saying this source could not be read, and why.
    pub(crate) fn unreadable(&self, err: &dyn std::fmt::Display) -> ToolError {
        ToolError::new(
            ToolErrorKind::UnreadableScore,
            format!("{}: {err}", self.described),
        )
    }
}

/// Reads the bytes of a file (inside the import roots), a corpus entry or inline text.
pub(crate) fn load_source(
    services: &Services,
    source: &str,
    source_type: SourceType,
) -> Result<SourceBytes, ToolError> {
    match source_type {
        SourceType::File => {
            let path = services
                .import_roots
                .confine(std::path::Path::new(source))?;
            let described = source.to_string();
            let bytes = read_file(&path, &services.limits).map_err(|err| {
                ToolError::new(
                    ToolErrorKind::UnreadableScore,
                    format!("{described}: {err}"),
                )
            })?;
            let file_name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned());
            Ok(SourceBytes {
                bytes,
                file_name,
                described,
            })
        }
        SourceType::Corpus => {
            let entry = crate::corpus::resolve_in(source, &services.corpus_folders)
                .map_err(|err| ToolError::new(ToolErrorKind::NotFound, err.to_string()))?;
            Ok(SourceBytes {
                bytes: entry.bytes,
                file_name: Some(entry.file_name),
                described: source.to_string(),
            })
        }
        SourceType::Text => Ok(SourceBytes {
            bytes: source.as_bytes().to_vec(),
            file_name: None,
            described: "the inline text".to_string(),
        }),
    }
}

/// Stores a new score exactly once per idempotency key, then caches it; the flag is true when an
/// earlier attempt of the same request had already committed it (its summary is returned).
pub(crate) fn store_score(
    services: &Services,
    score: Score,
    meta: ScoreMeta,
    blob: &[u8],
    idempotency_key: &str,
) -> Result<(ScoreMeta, bool), ToolError> {
    if services.faults.take_dropped_commit() {
        tracing::error!(score_id = %meta.score_id, "test hook: import acknowledged but not stored");
        return Ok((meta, false));
    }
    let outcome = services.store.insert(&NewScore {
        meta: &meta,
        blob,
        idempotency_key,
    })?;
    let (meta, already_applied) = match outcome {
        InsertOutcome::Inserted => (meta, false),
        InsertOutcome::AlreadyApplied(existing) => (existing, true),
    };
    services.cache.put(&meta.score_id, Arc::new(score));
    Ok((meta, already_applied))
}

fn summarise(args: &ImportScoreArgs, score: &Score, format: &str, blob: &[u8]) -> ScoreMeta {
    let source = match args.source_type {
        SourceType::Text => "text".to_string(),
        _ => args.source.clone(),
    };
    score_meta(&args.score_id, source, score, format, blob)
}

/// The stored summary of a score: title, composer, counts, content hash, time of storing.
pub(crate) fn score_meta(
    score_id: &str,
    source: String,
    score: &Score,
    format: &str,
    blob: &[u8],
) -> ScoreMeta {
    let info = score_info(score);
    ScoreMeta {
        score_id: score_id.to_string(),
        title: info
            .metadata
            .title
            .clone()
            .or_else(|| info.metadata.movement_name.clone()),
        composer: info.metadata.composer.clone(),
        format: format.to_string(),
        source,
        part_count: info.parts.count,
        measure_count: info.measure_count,
        note_count: info
            .parts
            .list
            .iter()
            .map(|p| u64::from(p.note_count))
            .sum(),
        content_hash: hex::encode(Sha256::digest(blob)),
        stored_bytes: blob.len() as u64,
        imported_at_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0),
    }
}
