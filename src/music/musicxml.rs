//! The MusicXML reader: `.xml`, `.musicxml` and compressed `.mxl`, into the score model.
//!
//! The reader mirrors music21's MusicXML import closely enough that counts, offsets and
//! measure numbers agree with it: a multi-staff part becomes one `PartStaff` per staff,
//! voices get hidden rests in their gaps, pickups keep their own length, and so on. Zip or
//! XML is detected from the content, not the file extension.

mod attributes;
mod container;
mod dom;
mod encoding;
mod instrument;
mod measure;
mod note;
mod part;
mod score;
mod timewise;

use crate::music::model::Score;
use crate::music::read::{Limit, ReadError, ReadLimits};

/// Reads MusicXML or `.mxl` bytes. `file_name_hint` (such as `bwv1.6.mxl`) becomes the
/// movement name when the file has none, as in music21.
pub fn read_bytes(
    bytes: &[u8],
    file_name_hint: Option<&str>,
    limits: &ReadLimits,
) -> Result<Score, ReadError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(ReadError::limit(
            Limit::FileBytes,
            limits.max_file_bytes,
            bytes.len() as u64,
        ));
    }
    let unzipped;
    let xml_bytes = if container::is_zip(bytes) {
        unzipped = container::extract_musicxml(bytes, limits)?;
        unzipped.as_slice()
    } else {
        bytes
    };

    let text = encoding::decode_xml(xml_bytes);
    check_looks_like_xml(&text, file_name_hint)?;
    let partwise;
    let text = if timewise::is_timewise(&text) {
        partwise = timewise::to_partwise(&text)?;
        partwise.as_str()
    } else {
        &text
    };
    let dom = dom::Dom::parse(text, limits.max_xml_depth)?;
    score::read_document(&dom, file_name_hint, limits)
}

/// Refuses content that cannot be XML at all (binary data, plain text, empty files), naming
/// the format when the file name reveals another one.
fn check_looks_like_xml(text: &str, file_name_hint: Option<&str>) -> Result<(), ReadError> {
    let start = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    if start.starts_with('<') {
        return Ok(());
    }
    let binary =
        |c: char| (c.is_control() && !c.is_whitespace()) || c == char::REPLACEMENT_CHARACTER;
    let mut detail = if start.is_empty() {
        "the file is empty".to_string()
    } else if start.chars().take(64).any(binary) {
        "the content is binary data, not XML".to_string()
    } else {
        let preview: String = start.chars().take(40).collect();
        format!("the content is plain text starting {preview:?}")
    };
    if let Some(format) = file_name_hint.and_then(other_format) {
        detail.push_str(&format!(
            " (it looks like {format}, which is not read here yet)"
        ));
    }
    Err(ReadError::NotMusicXml { detail })
}

/// The score format a file extension announces, for formats this reader does not handle.
fn other_format(file_name: &str) -> Option<&'static str> {
    let extension = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
    match extension.as_str() {
        "krn" => Some("Humdrum"),
        "abc" => Some("ABC notation"),
        "mid" | "midi" => Some("MIDI"),
        "rntxt" => Some("RomanText"),
        "mei" => Some("MEI"),
        "mscz" | "mscx" => Some("MuseScore"),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
