//! Compressed MusicXML (`.mxl`): a zip archive whose `META-INF/container.xml` names the score.
//!
//! Follows the first `rootfile full-path`; falls back to the first `.xml`/`.musicxml` entry
//! outside `META-INF/`. Entry count and uncompressed size are bounded by [`ReadLimits`], and the
//! size is checked both as declared and while inflating, so a zip bomb stops early.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::dom::Dom;
use super::encoding::decode_xml;
use crate::music::read::{Limit, ReadError, ReadLimits};

const CONTAINER_PATH: &str = "META-INF/container.xml";

/// True when the bytes start like a zip archive (`PK\x03\x04`, or `PK\x05\x06` when empty).
pub(crate) fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// The bytes of the MusicXML document inside an `.mxl` archive.
pub(crate) fn extract_musicxml(bytes: &[u8], limits: &ReadLimits) -> Result<Vec<u8>, ReadError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|err| ReadError::BadArchive {
        detail: err.to_string(),
    })?;
    let entries = archive.len() as u64;
    if entries > limits.max_zip_entries {
        return Err(ReadError::limit(
            Limit::ZipEntries,
            limits.max_zip_entries,
            entries,
        ));
    }

    let mut budget = limits.max_unzipped_bytes;
    let root_path = match read_entry(&mut archive, CONTAINER_PATH, &mut budget, limits)? {
        Some(container) => rootfile_path(&container, limits),
        None => None,
    };
    if let Some(path) = root_path
        && let Some(score) = read_entry(&mut archive, &path, &mut budget, limits)?
    {
        return Ok(score);
    }

    let Some(fallback) = first_musicxml_entry(&archive) else {
        return Err(ReadError::NoMusicXmlInArchive);
    };
    read_entry(&mut archive, &fallback, &mut budget, limits)?.ok_or(ReadError::NoMusicXmlInArchive)
}

/// The `full-path` of the first `<rootfile>` in `container.xml`, if it can be found.
fn rootfile_path(container: &[u8], limits: &ReadLimits) -> Option<String> {
    let text = decode_xml(container);
    let dom = Dom::parse(&text, limits.max_xml_depth).ok()?;
    let root = dom.root();
    let rootfiles = dom.child(root, "rootfiles")?;
    let rootfile = dom.child(rootfiles, "rootfile")?;
    let path = dom.attr(rootfile, "full-path")?;
    let path = path.trim().trim_start_matches('/');
    (!path.is_empty()).then(|| path.to_string())
}

/// The first entry that looks like MusicXML and is not under `META-INF/`.
fn first_musicxml_entry(archive: &ZipArchive<Cursor<&[u8]>>) -> Option<String> {
    archive
        .file_names()
        .flatten()
        .find(|name| {
            let lower = name.to_ascii_lowercase();
            !lower.starts_with("meta-inf/")
                && (lower.ends_with(".xml") || lower.ends_with(".musicxml"))
        })
        .map(|name| name.into_owned())
}

/// Reads one entry, charging its size to `budget`. `None` when the entry does not exist.
fn read_entry(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    name: &str,
    budget: &mut u64,
    limits: &ReadLimits,
) -> Result<Option<Vec<u8>>, ReadError> {
    let mut file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(err) => {
            return Err(ReadError::BadArchive {
                detail: err.to_string(),
            });
        }
    };
    let too_big =
        |found: u64| ReadError::limit(Limit::UnzippedBytes, limits.max_unzipped_bytes, found);
    let spent = limits.max_unzipped_bytes - *budget;
    if file.size() > *budget {
        return Err(too_big(spent.saturating_add(file.size())));
    }

    let capacity = usize::try_from(file.size().min(*budget)).unwrap_or(0);
    let mut content = Vec::with_capacity(capacity.min(64 * 1024 * 1024));
    (&mut file)
        .take(budget.saturating_add(1))
        .read_to_end(&mut content)
        .map_err(|err| ReadError::BadArchive {
            detail: format!("cannot inflate {name}: {err}"),
        })?;
    let read = content.len() as u64;
    if read > *budget {
        return Err(too_big(spent.saturating_add(read)));
    }
    *budget -= read;
    Ok(Some(content))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::{SimpleFileOptions, ZipWriter};

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in entries {
            writer
                .start_file(*name, SimpleFileOptions::default())
                .unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    const CONTAINER: &[u8] = br#"<?xml version="1.0"?><container><rootfiles>
        <rootfile full-path="music/score.xml"/></rootfiles></container>"#;

    #[test]
    fn the_container_rootfile_is_followed() {
        let bytes = zip_of(&[
            ("META-INF/container.xml", CONTAINER),
            ("other.xml", b"<wrong/>"),
            ("music/score.xml", b"<score-partwise/>"),
        ]);
        assert!(is_zip(&bytes));
        let score = extract_musicxml(&bytes, &ReadLimits::default()).unwrap();
        assert_eq!(score, b"<score-partwise/>");
    }

    #[test]
    fn without_a_container_the_first_musicxml_entry_is_used() {
        let bytes = zip_of(&[
            ("readme.txt", b"hi"),
            ("piece.musicxml", b"<score-partwise/>"),
        ]);
        let score = extract_musicxml(&bytes, &ReadLimits::default()).unwrap();
        assert_eq!(score, b"<score-partwise/>");
    }

    #[test]
    fn an_archive_without_musicxml_is_reported() {
        let bytes = zip_of(&[("readme.txt", b"hi")]);
        let err = extract_musicxml(&bytes, &ReadLimits::default()).unwrap_err();
        assert!(matches!(err, ReadError::NoMusicXmlInArchive), "{err}");
    }

    #[test]
    fn an_entry_larger_than_the_budget_is_refused() {
        let big = vec![b'a'; 10_000];
        let bytes = zip_of(&[("score.xml", &big)]);
        let limits = ReadLimits {
            max_unzipped_bytes: 1000,
            ..ReadLimits::default()
        };
        let err = extract_musicxml(&bytes, &limits).unwrap_err();
        assert!(matches!(
            err,
            ReadError::LimitExceeded {
                limit: Limit::UnzippedBytes,
                ..
            }
        ));
    }

    #[test]
    fn too_many_entries_are_refused() {
        let bytes = zip_of(&[("a.xml", b"<a/>"), ("b.xml", b"<b/>"), ("c.xml", b"<c/>")]);
        let limits = ReadLimits {
            max_zip_entries: 2,
            ..ReadLimits::default()
        };
        let err = extract_musicxml(&bytes, &limits).unwrap_err();
        assert!(matches!(
            err,
            ReadError::LimitExceeded {
                limit: Limit::ZipEntries,
                ..
            }
        ));
    }

    #[test]
    fn a_damaged_archive_is_a_bad_archive() {
        let mut bytes = zip_of(&[("a.xml", b"<a/>")]);
        bytes.truncate(bytes.len() / 2);
        let err = extract_musicxml(&bytes, &ReadLimits::default()).unwrap_err();
        assert!(matches!(err, ReadError::BadArchive { .. }), "{err}");
    }
}
