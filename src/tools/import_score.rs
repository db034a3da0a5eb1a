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
use crate::music::read::{Score, read_bytes, read_path};
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
    /// The score itself, as MusicXML text.
    Text,
}

/// Arguments of `import_score`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct ImportScoreArgs {
    /// The id to store the score under: 1-128 letters, digits, '.', '_' or '-'.
    pub score_id: String,
    /// A file path, a corpus name (for example `bach/bwv66.6`), or MusicXML text.
    pub source: String,
    /// How to read `source`: `file`, `corpus` or `text`.
    pub source_type: SourceType,
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

    let outcome = services.store.insert(&NewScore {
        meta: &meta,
        blob: &blob,
        idempotency_key: &request.idempotency_key,
    })?;
    let (meta, deduplicated_retry) = match outcome {
        InsertOutcome::Inserted => (meta, false),
        InsertOutcome::AlreadyApplied(existing) => (existing, true),
    };
    services.cache.put(&meta.score_id, Arc::new(score));
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
    let unreadable = |what: &str, err: &dyn std::fmt::Display| {
        ToolError::new(ToolErrorKind::UnreadableScore, format!("{what}: {err}"))
    };
    match args.source_type {
        SourceType::File => {
            let path = std::path::Path::new(&args.source);
            let score =
                read_path(path, &services.limits).map_err(|e| unreadable(&args.source, &e))?;
            let bytes_head = std::fs::read(path)
                .ok()
                .and_then(|b| b.get(..2).map(<[u8]>::to_vec));
            Ok((score, format_of(bytes_head.as_deref().unwrap_or_default())))
        }
        SourceType::Corpus => {
            let entry = crate::corpus::resolve(&args.source)
                .map_err(|err| ToolError::new(ToolErrorKind::NotFound, err.to_string()))?;
            let score = read_bytes(&entry.bytes, Some(&entry.file_name), &services.limits)
                .map_err(|e| unreadable(&args.source, &e))?;
            Ok((score, format_of(&entry.bytes)))
        }
        SourceType::Text => {
            let bytes = args.source.as_bytes();
            let score = read_bytes(bytes, None, &services.limits)
                .map_err(|e| unreadable("the inline text", &e))?;
            Ok((score, format_of(bytes)))
        }
    }
}

fn format_of(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"PK") {
        "musicxml-compressed"
    } else {
        "musicxml"
    }
}

fn summarise(args: &ImportScoreArgs, score: &Score, format: &str, blob: &[u8]) -> ScoreMeta {
    let info = score_info(score);
    let source = match args.source_type {
        SourceType::Text => "text".to_string(),
        _ => args.source.clone(),
    };
    ScoreMeta {
        score_id: args.score_id.clone(),
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
