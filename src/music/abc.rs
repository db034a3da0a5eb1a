//! The ABC reader: ABC 2.1 text, one tune or many, into the score model, as music21 reads it.
//!
//! Reading follows music21's `abcFormat` pipeline so that analyses agree with it: the whole
//! file is tokenized and processed at once ([`token`], [`process`]), cut into tunes by `X:`
//! number, into parts at each numbered `V:` and into measures at barlines ([`split`]), then
//! built into parts ([`translate`]) whose overlong measures are re-barred ([`rebar`]). A file
//! with several tunes is a music21 Opus: the tune with the lowest number is read unless another
//! is asked for. [`list_tunes`] lists the tunes of a file.

mod chord_symbol;
mod field;
mod process;
mod rebar;
mod split;
mod token;
mod translate;

use process::Item;
use token::Token;

use crate::music::model::{Metadata, Score};
use crate::music::read::metadata_text;
use crate::music::read::{Limit, ReadError, ReadLimits};

/// One tune of an ABC file, as [`list_tunes`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TuneSummary {
    /// The `X:` reference number; `None` for a file without one.
    pub number: Option<u32>,
    /// The first `T:` title.
    pub title: Option<String>,
    /// The `K:` key as written, such as `G` or `A Dorian`.
    pub key: Option<String>,
    /// The `M:` meter as written, such as `6/8` or `C|`.
    pub meter: Option<String>,
    /// The tune read when no tune number is given (the lowest number, as music21 does).
    pub is_default: bool,
}

/// Reads ABC bytes; `tune` picks a tune by its `X:` number in a file with several.
pub fn read_bytes(
    bytes: &[u8],
    limits: &ReadLimits,
    tune: Option<u32>,
) -> Result<Score, ReadError> {
    let items = read_items(bytes, limits)?;
    let (number, items) = select_tune(items, limits, tune)?;
    if !split::has_notes(&items) {
        return Err(ReadError::BadAbc {
            detail: describe_tune(number, "has no notes"),
        });
    }
    check_events(&items, limits)?;
    let metadata = metadata(&items);
    let voices = split::split_voices(items);
    if voices.len() as u64 > limits.max_parts {
        return Err(ReadError::limit(
            Limit::Parts,
            limits.max_parts,
            voices.len() as u64,
        ));
    }
    let parts = voices
        .iter()
        .enumerate()
        .map(|(index, voice)| translate::build_part(voice, index))
        .collect();
    Ok(Score {
        metadata,
        parts,
        spelling_inferred: false,
    })
}

/// The tunes of an ABC file in file order, with the one read by default marked.
pub fn list_tunes(bytes: &[u8], limits: &ReadLimits) -> Result<Vec<TuneSummary>, ReadError> {
    let items = read_items(bytes, limits)?;
    let header_end = items
        .iter()
        .position(|item| reference(item).is_some())
        .unwrap_or(items.len());
    let (header, body) = items.split_at(header_end);
    let mut tunes: Vec<(Option<u32>, Vec<&Item>)> = Vec::new();
    for item in body {
        if let Some(number) = reference(item) {
            tunes.push((Some(number), Vec::new()));
        }
        if let Some((_, tokens)) = tunes.last_mut() {
            tokens.push(item);
        }
    }
    if tunes.is_empty() {
        tunes.push((None, Vec::new()));
    }
    // music21 reads the lowest number; a repeated number keeps its last tune.
    let lowest = tunes.iter().filter_map(|(n, _)| *n).min();
    let default_index = tunes.iter().rposition(|(n, _)| *n == lowest).unwrap_or(0);
    Ok(tunes
        .into_iter()
        .enumerate()
        .map(|(i, (number, tokens))| {
            let all: Vec<&Item> = header.iter().chain(tokens).collect();
            TuneSummary {
                number,
                title: first_field(&all, 'T'),
                key: first_field(&all, 'K'),
                meter: first_field(&all, 'M'),
                is_default: i == default_index,
            }
        })
        .collect())
}

fn reference(item: &Item) -> Option<u32> {
    match &item.token {
        Token::Field(field) if field.tag == 'X' && !field.inline => {
            Some(split::reference_number(&field.data))
        }
        _ => None,
    }
}

fn first_field(items: &[&Item], tag: char) -> Option<String> {
    items.iter().find_map(|item| match &item.token {
        Token::Field(field) if field.tag == tag && !field.inline => Some(field.data.clone()),
        _ => None,
    })
}

/// Decodes, checks the limits, and tokenizes and processes the whole file.
fn read_items(bytes: &[u8], limits: &ReadLimits) -> Result<Vec<Item>, ReadError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(ReadError::limit(
            Limit::FileBytes,
            limits.max_file_bytes,
            bytes.len() as u64,
        ));
    }
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    if let Some(longest) = text.lines().map(str::len).max()
        && longest as u64 > limits.max_line_bytes
    {
        return Err(ReadError::limit(
            Limit::LineBytes,
            limits.max_line_bytes,
            longest as u64,
        ));
    }
    let version = token::header_version(text);
    // Every note is a token, and the marks between notes are a few more per note.
    let max_tokens = usize::try_from(limits.max_events.saturating_mul(4)).unwrap_or(usize::MAX);
    process::process_limited(text, version, max_tokens)
        .map_err(|found| ReadError::limit(Limit::Events, limits.max_events, (found / 4) as u64))
}

/// The tune to read: the requested number, or music21's first score (the lowest number).
fn select_tune(
    items: Vec<Item>,
    limits: &ReadLimits,
    tune: Option<u32>,
) -> Result<(Option<u32>, Vec<Item>), ReadError> {
    let single_number = items.iter().find_map(reference);
    let Some(mut tunes) = split::split_tunes(items.clone()) else {
        return match (tune, single_number) {
            (Some(requested), Some(number)) if requested != number => {
                Err(not_found(requested, [number].into_iter()))
            }
            (Some(requested), None) => Err(not_found(requested, std::iter::empty())),
            _ => Ok((single_number, items)),
        };
    };
    if tunes.len() as u64 > limits.max_tunes {
        return Err(ReadError::limit(
            Limit::Tunes,
            limits.max_tunes,
            tunes.len() as u64,
        ));
    }
    let number = match tune {
        Some(requested) if !tunes.contains_key(&requested) => {
            return Err(not_found(requested, tunes.keys().copied()));
        }
        Some(requested) => requested,
        None => *tunes.keys().next().unwrap_or(&0),
    };
    let items = tunes.remove(&number).unwrap_or_default();
    Ok((Some(number), items))
}

fn not_found(requested: u32, available: impl Iterator<Item = u32>) -> ReadError {
    let list: Vec<String> = available.map(|n| n.to_string()).collect();
    ReadError::TuneNotFound {
        requested,
        available: if list.is_empty() {
            "none (the file has no X: field)".to_string()
        } else {
            list.join(", ")
        },
    }
}

fn describe_tune(number: Option<u32>, what: &str) -> String {
    match number {
        Some(number) => format!("tune X:{number} {what}"),
        None => format!("the tune {what}"),
    }
}

fn check_events(items: &[Item], limits: &ReadLimits) -> Result<(), ReadError> {
    let events = items.iter().filter(|item| item.note.is_some()).count() as u64;
    if events > limits.max_events {
        return Err(ReadError::limit(Limit::Events, limits.max_events, events));
    }
    Ok(())
}

/// Title (first `T:`), composers (every `C:`) and number (`X:`), as music21 fills them.
fn metadata(items: &[Item]) -> Metadata {
    let values = |tag: char| -> Vec<String> {
        items
            .iter()
            .filter_map(|item| match &item.token {
                Token::Field(field) if field.tag == tag && !field.inline => {
                    Some(field.data.clone())
                }
                _ => None,
            })
            .collect()
    };
    let titles = values('T');
    Metadata {
        title: metadata_text::title(&titles[..titles.len().min(1)]),
        composer: metadata_text::contributors(&values('C')),
        number: values('X')
            .first()
            .map(|x| split::reference_number(x).to_string()),
        movement_name: None,
        movement_number: None,
    }
}

#[cfg(test)]
mod tests;
