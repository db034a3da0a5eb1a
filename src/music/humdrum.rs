//! The Humdrum reader: `**kern` spines into the score model, as music21's `humdrum.spineParser`
//! reads them.
//!
//! Lines are classified and the spines followed through splits and joins ([`spines`]), each
//! `**kern` spine that was not split off another becomes a part ([`stream`]), and reference
//! records (`!!!COM:`, `!!!OTL:`) fill the metadata. As in music21, parts come last spine
//! first and are named `spine_<n>` after their spine number, other spines (`**dynam`) add
//! nothing to the parts, and a file of several pieces (several `**kern` headers each closed by
//! `*-`) is an Opus of which the first piece is read.

mod instruments;
mod kern;
mod spines;
mod stream;

use spines::{Line, classify, follow_spines, spine_type};

use crate::music::model::{Metadata, Score};
use crate::music::read::metadata_text;
use crate::music::read::{Limit, ReadError, ReadLimits};

/// Reads Humdrum bytes.
pub fn read_bytes(bytes: &[u8], limits: &ReadLimits) -> Result<Score, ReadError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(ReadError::limit(
            Limit::FileBytes,
            limits.max_file_bytes,
            bytes.len() as u64,
        ));
    }
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    check_lines(text, limits)?;
    let (piece, section) = first_piece(text)?;
    let lines = classify(&piece);
    check_events(&lines, limits)?;
    let spines = follow_spines(&lines, limits)?;
    let kern: Vec<usize> = spines
        .iter()
        .rev()
        .filter(|spine| spine.parent.is_none())
        .filter(|spine| spine_type(&spines, spine.id).as_deref() == Some("kern"))
        .map(|spine| spine.id)
        .collect();
    if kern.is_empty() {
        return Err(ReadError::BadHumdrum {
            detail: "no **kern spine found".to_string(),
        });
    }
    if kern.len() as u64 > limits.max_parts {
        return Err(ReadError::limit(
            Limit::Parts,
            limits.max_parts,
            kern.len() as u64,
        ));
    }
    let parts = kern
        .iter()
        .map(|&id| stream::build_part(&spines, id))
        .collect();
    let mut metadata = metadata(&lines);
    if section.is_some() {
        metadata.number = section.map(|n| n.to_string());
    }
    Ok(Score {
        metadata,
        parts,
        spelling_inferred: false,
    })
}

fn check_lines(text: &str, limits: &ReadLimits) -> Result<(), ReadError> {
    match text.lines().map(str::len).max() {
        Some(longest) if longest as u64 > limits.max_line_bytes => Err(ReadError::limit(
            Limit::LineBytes,
            limits.max_line_bytes,
            longest as u64,
        )),
        _ => Ok(()),
    }
}

fn check_events(lines: &[Line], limits: &ReadLimits) -> Result<(), ReadError> {
    let tokens: u64 = lines
        .iter()
        .map(|line| match line {
            Line::Data(tokens) => tokens.len() as u64,
            _ => 0,
        })
        .sum();
    if tokens > limits.max_events {
        return Err(ReadError::limit(Limit::Events, limits.max_events, tokens));
    }
    Ok(())
}

/// The text of the piece to read, and its section number when the file holds several pieces
/// (music21 numbers the scores of such an Opus from 1).
fn first_piece(text: &str) -> Result<(String, Option<u32>), ReadError> {
    let lines: Vec<&str> = text.lines().collect();
    let is_end = |line: &str| {
        let line = line.trim_end();
        !line.is_empty() && line.split('\t').all(|t| t == "*-")
    };
    let is_start = |line: &str| {
        let line = line.trim_end();
        !line.is_empty()
            && line.split('\t').all(|t| {
                t.strip_prefix("**").is_some_and(|name| {
                    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                })
            })
    };
    let starts: Vec<usize> = (0..lines.len()).filter(|&i| is_start(lines[i])).collect();
    if starts.len() < 2 {
        return Ok((text.to_string(), None));
    }
    let ends: Vec<usize> = (0..lines.len()).filter(|&i| is_end(lines[i])).collect();
    let Some(&first_end) = ends.first() else {
        return Err(ReadError::BadHumdrum {
            detail: "several **kern headers but no *- line ending a piece".to_string(),
        });
    };
    let last_start = starts.last().copied().unwrap_or(0);
    let pieces = ends.len() + usize::from(ends.last().is_some_and(|&e| e < last_start));
    if pieces < 2 {
        return Err(ReadError::BadHumdrum {
            detail: "several ** exclusive interpretation lines without *- lines closing each \
                piece; a tandem interpretation may be written with ** by mistake"
                .to_string(),
        });
    }
    Ok((lines[..=first_end].join("\n"), Some(1)))
}

/// Title, composer, movement name and number, and number from the reference records.
fn metadata(lines: &[Line]) -> Metadata {
    let values = |wanted: &str| -> Vec<String> {
        lines
            .iter()
            .filter_map(|line| match line {
                Line::Reference { code, value } if code == wanted => Some(value.clone()),
                _ => None,
            })
            .collect()
    };
    Metadata {
        title: metadata_text::title(&values("OTL")),
        movement_name: metadata_text::title(&values("OMD")),
        composer: metadata_text::contributors(&values("COM")),
        movement_number: metadata_text::plain(&values("OMV")),
        number: metadata_text::plain(&values("ONM")),
    }
}

#[cfg(test)]
mod tests;
