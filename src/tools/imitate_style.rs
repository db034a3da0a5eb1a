//! `imitate_style`: learn Markov chains over melodic intervals, rhythms and harmony from a
//! stored score or from a composer's pieces in the corpus, write new music with them and store
//! it as a new score.
//!
//! A composer names a corpus folder (`bach` is every score under `bach/` in the
//! `MUSIC_MCP_CORPUS` folders); the first `max_pieces` of them, in name order, are learned.
//! The music is `crate::music::generate::style`.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::error::validate_score_id;
use super::generated::{
    Generation, PartUsed, default_melody_part, has_notes, melody_first, new_score_id,
    store_generated,
};
use super::{Services, Tool, ToolError, ToolErrorKind};
use crate::corpus::{list_in, resolve_in};
use crate::music::generate::style::{
    ImitateRequest, StyleFeatures, imitate, learn, style_features,
};
use crate::music::model::Score;
use crate::music::read::read_bytes;
use crate::store::ScoreMeta;

/// The most corpus files listed when looking for a composer's pieces.
const LIST_LIMIT: usize = 100_000;

/// Arguments of `imitate_style`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct ImitateStyleArgs {
    /// A stored score to learn from (give this or `composer`).
    #[serde(default)]
    pub score_id: Option<String>,
    /// A corpus folder to learn from, such as `bach` (give this or `score_id`).
    #[serde(default)]
    pub composer: Option<String>,
    /// With `score_id`: the melody's part index, from 0 (default: the first part named
    /// soprano, else part 0). A composer's pieces always use that default.
    #[serde(default)]
    pub part: Option<usize>,
    /// Measures to write, 1 to 64 (default 8).
    #[serde(default)]
    pub length: Option<u32>,
    /// 1 (the commonest choices) to 10 (nearly any choice seen); default 5.
    #[serde(default)]
    pub complexity: Option<u8>,
    /// The Markov order, 1 to 4 (default 2).
    #[serde(default)]
    pub order: Option<u8>,
    /// The most corpus pieces learned for a composer, 1 to 200 (default 30).
    #[serde(default)]
    pub max_pieces: Option<u32>,
    /// The random seed; the same seed gives the same music (default: chosen and returned).
    #[serde(default)]
    pub seed: Option<u64>,
    /// The id to store the result under (default `<score_id or composer>_imitation`).
    #[serde(default)]
    pub new_score_id: Option<String>,
}

/// What `imitate_style` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ImitateStyleResult {
    /// The new score's summary.
    #[serde(flatten)]
    pub score: ScoreMeta,
    /// The pieces learned from: the score id, or corpus names.
    pub learned_from: Vec<String>,
    /// With `score_id`: the part learned as the melody.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<PartUsed>,
    /// The seed used.
    pub seed: u64,
    /// The Markov order used.
    pub order: u8,
    /// The features of what was learned.
    pub learned: StyleFeatures,
    /// The same features of the new music.
    pub generated: StyleFeatures,
    /// An earlier attempt of this same call had already stored the score.
    pub deduplicated_retry: bool,
}

/// The `imitate_style` tool.
pub struct ImitateStyle;

impl Tool for ImitateStyle {
    const NAME: &'static str = "imitate_style";
    const RETRY_SAFE: bool = true;
    const HEAVY: bool = true;
    type Args = Generation<ImitateStyleArgs>;
    type Output = ImitateStyleResult;

    async fn run(
        services: Arc<Services>,
        request: Generation<ImitateStyleArgs>,
    ) -> Result<ImitateStyleResult, ToolError> {
        let args = &request.args;
        let settings = Settings::of(args)?;
        blocking(move || run_blocking(&services, &request, &settings)).await
    }
}

/// The checked arguments.
struct Settings {
    base: String,
    new_id: String,
    length: usize,
    complexity: u8,
    order: u8,
    max_pieces: usize,
}

impl Settings {
    fn of(args: &ImitateStyleArgs) -> Result<Settings, ToolError> {
        let base = match (&args.score_id, &args.composer) {
            (Some(id), None) => {
                validate_score_id(id)?;
                id.clone()
            }
            (None, Some(composer))
                if !composer.trim().is_empty() && !composer.contains(['/', '\\', '.']) =>
            {
                composer.trim().to_lowercase()
            }
            (None, Some(composer)) => {
                return Err(ToolError::invalid(format!(
                    "composer '{composer}' is not a corpus folder name; use a plain name such as 'bach'"
                )));
            }
            (Some(_), Some(_)) => {
                return Err(ToolError::invalid(
                    "give either score_id (a stored score) or composer (a corpus folder such as 'bach'), not both",
                ));
            }
            (None, None) => {
                return Err(ToolError::invalid(
                    "give score_id (a stored score) or composer (a corpus folder such as 'bach') to learn the style from",
                ));
            }
        };
        let in_range = |name: &str, value: u32, low: u32, high: u32| {
            if (low..=high).contains(&value) {
                Ok(value)
            } else {
                Err(ToolError::invalid(format!(
                    "{name} is {value}; use {low} to {high}"
                )))
            }
        };
        let source = args.score_id.as_deref().unwrap_or("");
        Ok(Settings {
            new_id: new_score_id(source, args.new_score_id.as_deref(), &base, "imitation")?,
            length: in_range("length", args.length.unwrap_or(8), 1, 64)? as usize,
            complexity: in_range("complexity", args.complexity.map_or(5, u32::from), 1, 10)? as u8,
            order: in_range("order", args.order.map_or(2, u32::from), 1, 4)? as u8,
            max_pieces: in_range("max_pieces", args.max_pieces.unwrap_or(30), 1, 200)? as usize,
            base,
        })
    }
}

fn run_blocking(
    services: &Services,
    request: &Generation<ImitateStyleArgs>,
    settings: &Settings,
) -> Result<ImitateStyleResult, ToolError> {
    let args = &request.args;
    let (names, pieces, part) = match &args.score_id {
        Some(id) => {
            let (score, part) = melody_first(&*services.load_score(id)?, id, args.part)?;
            (vec![id.clone()], vec![score], Some(part))
        }
        None => {
            if args.part.is_some() {
                return Err(ToolError::invalid(
                    "part goes with score_id; a composer's pieces are read from their soprano \
                     (else first) part",
                ));
            }
            let (names, pieces) = composer_pieces(services, &settings.base, settings.max_pieces)?;
            (names, pieces, None)
        }
    };
    let seed = args.seed.unwrap_or(request.fallback_seed);
    let model = learn(&pieces, usize::from(settings.order));
    let imitate_request = ImitateRequest {
        measures: settings.length,
        complexity: settings.complexity,
        seed,
    };
    let title = format!("In the style of {}", settings.base);
    let made = imitate(&model, &imitate_request, &title);
    let learned = style_features(&pieces);
    let generated = style_features(std::slice::from_ref(&made));
    let source = format!(
        "imitation of {} (order {}, seed {seed})",
        settings.base, settings.order
    );
    let (meta, deduplicated_retry) = store_generated(
        services,
        made,
        &settings.new_id,
        source,
        &request.idempotency_key,
    )?;
    tracing::info!(score_id = %meta.score_id, pieces = pieces.len(), seed, "style imitated");
    Ok(ImitateStyleResult {
        score: meta,
        learned_from: names,
        part,
        seed,
        order: settings.order,
        learned,
        generated,
        deduplicated_retry,
    })
}

/// The composer's pieces in the corpus folders: every readable score under `<composer>/`.
fn composer_pieces(
    services: &Services,
    composer: &str,
    max_pieces: usize,
) -> Result<(Vec<String>, Vec<Score>), ToolError> {
    let folders = &services.corpus_folders;
    let prefix = format!("{composer}/");
    let mut names: Vec<String> = list_in(folders, LIST_LIMIT)
        .into_iter()
        .filter(|name| name.to_lowercase().starts_with(&prefix))
        .collect();
    names.sort();
    let mut used = Vec::new();
    let mut pieces = Vec::new();
    for name in names {
        if pieces.len() == max_pieces {
            break;
        }
        let Ok(entry) = resolve_in(&name, folders) else {
            continue;
        };
        let read = read_bytes(&entry.bytes, Some(&entry.file_name), &services.limits);
        let melody = read.ok().and_then(|score| {
            let index = default_melody_part(&score);
            let usable = score.parts.get(index).is_some_and(has_notes);
            usable
                .then(|| melody_first(&score, &name, Some(index)).ok())
                .flatten()
        });
        match melody {
            Some((score, _)) => {
                used.push(name);
                pieces.push(score);
            }
            _ => tracing::debug!(%name, "corpus piece skipped: unreadable or empty"),
        }
    }
    if pieces.is_empty() {
        return Err(ToolError::new(
            ToolErrorKind::NotFound,
            format!(
                "no corpus pieces for composer '{composer}'; set MUSIC_MCP_CORPUS (or --corpus) to \
                 a folder with a '{composer}/' subfolder, such as music21's corpus, or pass score_id"
            ),
        ));
    }
    Ok((used, pieces))
}
