//! Writing a score as MusicXML 4.0 `score-partwise`, uncompressed or as a `.mxl` archive.
//!
//! The output reads back through [`super::musicxml`] to the same score: metadata, the part
//! list, divisions chosen so every offset and duration is a whole number of divisions (the
//! least common multiple of their denominators), key, time and clef changes at their offsets,
//! metronome marks and chord symbols, voices joined with `<backup>`, chords, ties, grace notes,
//! rests (whole-measure rests with `measure="yes"`), fermatas, and `<time-modification>` for
//! tuplet values. The staves of a multi-staff part (music21 `PartStaff`s sharing one
//! `<part id>`) are written back as one part with `<staves>`. Notes without a notated value
//! (from MIDI, say) get one derived from their duration when a single value fits.
//!
//! Known differences after a round trip: a hidden rest without a notated value is written as
//! `<forward>`; a gap in every voice with no hidden rest can only be crossed by `<forward>`,
//! which the reader turns into an extra hidden rest; notes outside any voice in a measure with
//! voices join the voice read last.

mod measure;
mod notation;

use std::fmt::Write as _;
use std::io::{Cursor, Write as _};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::model::{Part, PartKind, Ql, Score};

/// The name of the score inside a written `.mxl` archive.
pub const MXL_ROOT_FILE: &str = "score.musicxml";

/// Why a score could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The `.mxl` archive could not be assembled.
    #[error("cannot build the .mxl archive: {detail}; try the uncompressed musicxml format")]
    Archive {
        /// What the zip writer reported.
        detail: String,
    },
}

/// Writes the score as an uncompressed MusicXML 4.0 document.
pub fn write_musicxml(score: &Score) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    out.push_str(
        "<!DOCTYPE score-partwise PUBLIC \"-//Recordare//DTD MusicXML 4.0 Partwise//EN\" \
         \"http://www.musicxml.org/dtds/partwise.dtd\">\n",
    );
    out.push_str("<score-partwise version=\"4.0\">\n");
    write_metadata(score, &mut out);
    let groups = part_groups(score);
    write_part_list(&groups, &mut out);
    for group in &groups {
        measure::write_part(group, &mut out);
    }
    out.push_str("</score-partwise>\n");
    out
}

/// Writes the score as a compressed `.mxl` archive (`META-INF/container.xml` naming
/// [`MXL_ROOT_FILE`]).
pub fn write_mxl(score: &Score) -> Result<Vec<u8>, WriteError> {
    let document = write_musicxml(score);
    let container = container_xml();
    let archive_error = |err: &dyn std::fmt::Display| WriteError::Archive {
        detail: err.to_string(),
    };
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    // The mimetype entry comes first and uncompressed, as the MusicXML spec recommends.
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let entries: [(&str, &[u8], SimpleFileOptions); 3] = [
        ("mimetype", b"application/vnd.recordare.musicxml", stored),
        ("META-INF/container.xml", container.as_bytes(), deflated),
        (MXL_ROOT_FILE, document.as_bytes(), deflated),
    ];
    for (name, bytes, options) in entries {
        zip.start_file(name, options)
            .map_err(|e| archive_error(&e))?;
        zip.write_all(bytes).map_err(|e| archive_error(&e))?;
    }
    let cursor = zip.finish().map_err(|e| archive_error(&e))?;
    Ok(cursor.into_inner())
}

fn container_xml() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<container>\n  <rootfiles>\n    \
         <rootfile full-path=\"{MXL_ROOT_FILE}\" media-type=\"application/vnd.recordare.musicxml+xml\"/>\n  \
         </rootfiles>\n</container>\n"
    )
}

/// One `<part>` to write: a plain part, or the staves of one multi-staff part.
pub(crate) struct PartGroup<'a> {
    /// The `<part id>`.
    pub id: String,
    /// The parts (one per staff) in staff order.
    pub staves: Vec<&'a Part>,
}

/// Groups consecutive `PartStaff` parts of one source part; gives every group a unique id.
fn part_groups(score: &Score) -> Vec<PartGroup<'_>> {
    let mut groups: Vec<PartGroup<'_>> = Vec::new();
    for part in &score.parts {
        let joins = groups.last().is_some_and(|group| {
            let first = group.staves[0];
            part.kind == PartKind::PartStaff
                && first.kind == PartKind::PartStaff
                && first.source_id == part.source_id
        });
        if joins {
            if let Some(group) = groups.last_mut() {
                group.staves.push(part);
            }
            continue;
        }
        groups.push(PartGroup {
            id: part.source_id.clone(),
            staves: vec![part],
        });
    }
    let mut seen: Vec<String> = Vec::new();
    for (index, group) in groups.iter_mut().enumerate() {
        if !valid_id(&group.id) || seen.contains(&group.id) {
            group.id = format!("P{}", index + 1);
            while seen.contains(&group.id) {
                group.id.push('x');
            }
        }
        seen.push(group.id.clone());
    }
    groups
}

/// An XML ID: a letter or underscore, then letters, digits, `-`, `_` or `.`.
fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn write_metadata(score: &Score, out: &mut String) {
    let metadata = &score.metadata;
    if metadata.title.is_some() || metadata.number.is_some() {
        out.push_str("  <work>\n");
        if let Some(number) = &metadata.number {
            let _ = writeln!(out, "    <work-number>{}</work-number>", escape(number));
        }
        if let Some(title) = &metadata.title {
            let _ = writeln!(out, "    <work-title>{}</work-title>", escape(title));
        }
        out.push_str("  </work>\n");
    }
    if let Some(number) = &metadata.movement_number {
        let _ = writeln!(
            out,
            "  <movement-number>{}</movement-number>",
            escape(number)
        );
    }
    if let Some(name) = &metadata.movement_name {
        let _ = writeln!(out, "  <movement-title>{}</movement-title>", escape(name));
    }
    out.push_str("  <identification>\n");
    if let Some(composer) = &metadata.composer {
        let _ = writeln!(
            out,
            "    <creator type=\"composer\">{}</creator>",
            escape(composer)
        );
    }
    out.push_str("    <encoding>\n      <software>music-mcp</software>\n    </encoding>\n");
    out.push_str("  </identification>\n");
}

fn write_part_list(groups: &[PartGroup<'_>], out: &mut String) {
    out.push_str("  <part-list>\n");
    for group in groups {
        let part = group.staves[0];
        let _ = writeln!(out, "    <score-part id=\"{}\">", escape(&group.id));
        let name = part.name.as_deref().unwrap_or("");
        let _ = writeln!(out, "      <part-name>{}</part-name>", escape(name));
        if let Some(abbreviation) = &part.abbreviation {
            let _ = writeln!(
                out,
                "      <part-abbreviation>{}</part-abbreviation>",
                escape(abbreviation)
            );
        }
        // music21 takes a part's id from its name, else its abbreviation, else the
        // instrument's name: keep an id that neither name gives.
        let unnamed_id = part
            .id
            .as_deref()
            .filter(|_| part.kind == PartKind::Part)
            .filter(|_| part.name.is_none() && part.abbreviation.is_none());
        if let Some(id) = unnamed_id {
            let _ = writeln!(
                out,
                "      <score-instrument id=\"{}-I1\">\n        <instrument-name>{}</instrument-name>\n      </score-instrument>",
                escape(&group.id),
                escape(id)
            );
        }
        out.push_str("    </score-part>\n");
    }
    out.push_str("  </part-list>\n");
}

/// Text and attribute values with XML's special characters escaped; control characters that
/// XML 1.0 forbids are dropped.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' | '\r' => escaped.push(c),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// Divisions per quarter that make every value a whole number: the least common multiple
/// of the denominators, or 10080 (rounding) when that grows unreasonably large.
pub(crate) fn divisions_for(values: impl Iterator<Item = Ql>) -> i64 {
    const LARGEST: i64 = 1 << 24;
    let mut lcm: i64 = 1;
    for value in values {
        let den = value.denom();
        lcm = lcm / gcd(lcm, den) * den;
        if lcm > LARGEST {
            return 10_080;
        }
    }
    lcm
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs().max(1)
}

#[cfg(test)]
mod tests;
