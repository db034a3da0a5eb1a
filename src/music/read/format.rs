//! Which reader a file needs: MusicXML, compressed MusicXML, ABC, Humdrum or MIDI.
//!
//! The content decides first (zip and MIDI magic numbers, an XML root, a `**kern` spine line,
//! ABC header fields); the file extension only settles text that could be either ABC or
//! Humdrum, so a misnamed file is still read correctly.

use std::fmt;

/// A score file format, named as the music21 oracle names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Uncompressed MusicXML (`.xml`, `.musicxml`), partwise or timewise.
    MusicXml,
    /// Compressed MusicXML (`.mxl`, a zip archive).
    MusicXmlCompressed,
    /// ABC notation (`.abc`), one or several tunes.
    Abc,
    /// Humdrum `**kern` (`.krn`).
    Humdrum,
    /// Standard MIDI file (`.mid`, `.midi`).
    Midi,
}

impl Format {
    /// The oracle's `format` name: `musicxml`, `musicxml-compressed`, `abc`, `humdrum`, `midi`.
    pub fn name(self) -> &'static str {
        match self {
            Format::MusicXml => "musicxml",
            Format::MusicXmlCompressed => "musicxml-compressed",
            Format::Abc => "abc",
            Format::Humdrum => "humdrum",
            Format::Midi => "midi",
        }
    }

    /// The format a file extension announces (without the dot, any case).
    pub fn from_extension(extension: &str) -> Option<Format> {
        match extension.to_ascii_lowercase().as_str() {
            "xml" | "musicxml" => Some(Format::MusicXml),
            "mxl" => Some(Format::MusicXmlCompressed),
            "abc" => Some(Format::Abc),
            "krn" => Some(Format::Humdrum),
            "mid" | "midi" => Some(Format::Midi),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Detects the format from the content, using the file name only to settle plain text.
pub fn detect_format(bytes: &[u8], file_name_hint: Option<&str>) -> Option<Format> {
    if bytes.starts_with(b"PK") {
        return Some(Format::MusicXmlCompressed);
    }
    if bytes.starts_with(b"MThd") {
        return Some(Format::Midi);
    }
    let by_name = file_name_hint
        .and_then(|name| name.rsplit_once('.'))
        .and_then(|(_, extension)| Format::from_extension(extension));
    let head = text_head(bytes);
    if head.starts_with('<') {
        return Some(Format::MusicXml);
    }
    match by_name {
        Some(format @ (Format::Abc | Format::Humdrum)) if !looks_binary(&head) => Some(format),
        _ => detect_text(bytes).or(by_name),
    }
}

/// The start of the content as text, without a byte order mark or leading white space.
fn text_head(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
        .to_string()
}

fn looks_binary(head: &str) -> bool {
    head.chars()
        .take(256)
        .any(|c| (c.is_control() && !c.is_whitespace()) || c == char::REPLACEMENT_CHARACTER)
}

/// Humdrum when a line starts an exclusive interpretation (`**kern`), ABC when a line holds an
/// ABC header field such as `X:1` or `K:G`; the first such line decides.
fn detect_text(bytes: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(1 << 16)]);
    if looks_binary(&text) {
        return None;
    }
    for line in text.lines().map(str::trim_end) {
        if line.starts_with("**") {
            return Some(Format::Humdrum);
        }
        let mut chars = line.chars();
        let (Some(field), Some(':')) = (chars.next(), chars.next()) else {
            continue;
        };
        if "XTMLKCQVP".contains(field) {
            return Some(Format::Abc);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers_and_xml_roots_decide_before_the_extension() {
        assert_eq!(
            detect_format(b"PK\x03\x04rest", Some("a.abc")),
            Some(Format::MusicXmlCompressed)
        );
        assert_eq!(detect_format(b"MThd\0\0\0\x06", None), Some(Format::Midi));
        assert_eq!(
            detect_format(
                b"\xEF\xBB\xBF  <?xml version=\"1.0\"?><score-timewise/>",
                None
            ),
            Some(Format::MusicXml)
        );
    }

    #[test]
    fn plain_text_is_told_apart_by_kern_spines_or_abc_fields() {
        let kern = b"!!!COM: Anon\n**kern\n4c\n*-\n";
        assert_eq!(detect_format(kern, None), Some(Format::Humdrum));
        let abc = b"% comment\nX:1\nT:Tune\nK:G\nGABc|\n";
        assert_eq!(detect_format(abc, None), Some(Format::Abc));
        assert_eq!(detect_format(b"just words", None), None);
        assert_eq!(
            detect_format(b"just words", Some("x.krn")),
            Some(Format::Humdrum)
        );
    }

    #[test]
    fn format_names_follow_the_oracle() {
        assert_eq!(Format::MusicXmlCompressed.name(), "musicxml-compressed");
        assert_eq!(Format::from_extension("KRN"), Some(Format::Humdrum));
        assert_eq!(Format::from_extension("txt"), None);
    }
}
