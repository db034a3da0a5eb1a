//! `list_tunes`: the tunes of an ABC file (reference number, title, key, meter), so a client
//! can pick one for `import_score`'s `tune` argument.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::import_score::{SourceType, load_source};
use super::{Services, Tool, ToolError};
use crate::music::abc::{TuneSummary, list_tunes};
use crate::music::read::{Format, detect_format};

/// Arguments of `list_tunes`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct ListTunesArgs {
    /// A file path, a corpus name (for example `essenFolksong/altdeu10`), or ABC text.
    pub source: String,
    /// How to read `source`: `file`, `corpus` or `text`.
    pub source_type: SourceType,
}

/// One tune of the file.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TuneEntry {
    /// The `X:` reference number to pass as `import_score`'s `tune`; null for a file without
    /// one.
    pub number: Option<u32>,
    /// The first `T:` title.
    pub title: Option<String>,
    /// The `K:` key as written (`G`, `A Dorian`).
    pub key: Option<String>,
    /// The `M:` meter as written (`6/8`, `C|`).
    pub meter: Option<String>,
    /// True for the tune imported when no `tune` is given (the lowest number, as music21).
    pub default: bool,
}

/// What `list_tunes` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ListTunesResult {
    /// The tunes in file order.
    pub tunes: Vec<TuneEntry>,
    /// How many tunes the file holds.
    pub count: u32,
}

/// The `list_tunes` tool.
pub struct ListTunes;

impl Tool for ListTunes {
    const NAME: &'static str = "list_tunes";
    const RETRY_SAFE: bool = true;
    type Args = ListTunesArgs;
    type Output = ListTunesResult;

    async fn run(
        services: Arc<Services>,
        args: ListTunesArgs,
    ) -> Result<ListTunesResult, ToolError> {
        if args.source.trim().is_empty() {
            return Err(ToolError::invalid(
                "source is empty; give an ABC file path, a corpus name such as \
                 'essenFolksong/altdeu10', or ABC text",
            ));
        }
        blocking(move || list_blocking(&services, &args)).await
    }
}

fn list_blocking(services: &Services, args: &ListTunesArgs) -> Result<ListTunesResult, ToolError> {
    let source = load_source(services, &args.source, args.source_type)?;
    let format = detect_format(&source.bytes, source.file_name.as_deref());
    if format != Some(Format::Abc) {
        let found = format.map_or("an unknown format", Format::name);
        return Err(ToolError::invalid(format!(
            "{} is {found}, not ABC; only ABC files hold several tunes (import other formats \
             directly with import_score)",
            source.described
        )));
    }
    let tunes =
        list_tunes(&source.bytes, &services.limits).map_err(|err| source.unreadable(&err))?;
    Ok(ListTunesResult {
        count: u32::try_from(tunes.len()).unwrap_or(u32::MAX),
        tunes: tunes.into_iter().map(entry).collect(),
    })
}

fn entry(tune: TuneSummary) -> TuneEntry {
    TuneEntry {
        number: tune.number,
        title: tune.title,
        key: tune.key,
        meter: tune.meter,
        default: tune.is_default,
    }
}
