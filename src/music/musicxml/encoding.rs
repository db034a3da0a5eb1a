//! Turning raw MusicXML bytes into UTF-8 text.
//!
//! MusicXML in the wild is UTF-8, UTF-16 with a byte-order mark (Finale, Sibelius), or now and
//! then Latin-1 mislabelled as UTF-8. The XML parser wants UTF-8, so this step normalises.

use std::borrow::Cow;

/// Decodes XML bytes to text: UTF-16 by byte-order mark, UTF-8, else Latin-1 when declared,
/// else UTF-8 with invalid bytes replaced. Never fails.
pub(crate) fn decode_xml(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return decode_utf8(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return Cow::Owned(decode_utf16(rest, u16::from_le_bytes));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return Cow::Owned(decode_utf16(rest, u16::from_be_bytes));
    }
    if looks_like_utf16_without_bom(bytes) {
        let little_endian = bytes.first() != Some(&0);
        let convert = if little_endian {
            u16::from_le_bytes
        } else {
            u16::from_be_bytes
        };
        return Cow::Owned(decode_utf16(bytes, convert));
    }
    decode_utf8(bytes)
}

/// UTF-8 if valid; otherwise Latin-1 when the declaration says so, else lossy UTF-8.
fn decode_utf8(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(text);
    }
    if declares_latin1(bytes) {
        return Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect());
    }
    String::from_utf8_lossy(bytes)
}

/// True when the XML declaration names ISO-8859-1, Latin-1 or Windows-1252.
fn declares_latin1(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(200)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    ["iso-8859-1", "latin-1", "latin1", "windows-1252"]
        .iter()
        .any(|name| head.contains(name))
}

/// `<?` encoded as UTF-16 without a byte-order mark starts with a zero byte on one side.
fn looks_like_utf16_without_bom(bytes: &[u8]) -> bool {
    matches!(bytes, [0, b'<', 0, b'?', ..] | [b'<', 0, b'?', 0, ..])
}

/// Decodes UTF-16 code units (an odd trailing byte is dropped), replacing unpaired surrogates.
fn decode_utf16(bytes: &[u8], convert: fn([u8; 2]) -> u16) -> String {
    let units = bytes
        .chunks_exact(2)
        .map(|pair| convert([pair[0], pair[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le_with_bom(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let bytes = utf16le_with_bom("<?xml version='1.0'?><a>é</a>");
        assert_eq!(decode_xml(&bytes), "<?xml version='1.0'?><a>é</a>");
    }

    #[test]
    fn latin1_declared_text_keeps_its_accents() {
        let bytes = b"<?xml version='1.0' encoding='ISO-8859-1'?><a>\xe9</a>";
        assert_eq!(
            decode_xml(bytes),
            "<?xml version='1.0' encoding='ISO-8859-1'?><a>é</a>"
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_not_rejected() {
        let bytes = b"<a>sch\x9an</a>";
        assert_eq!(decode_xml(bytes), "<a>sch\u{FFFD}n</a>");
    }
}
