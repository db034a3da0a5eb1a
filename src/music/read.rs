//! Reading score files into the model: format detection, limits and errors.
//!
//! `read_path` and `read_bytes` are the entry points every tool uses; they pick the reader by
//! content (zip and MIDI magic, an XML root, `**kern` spines, ABC header fields; see
//! [`detect_format`]) and never panic on any input. The `_with` variants also take
//! [`ReadOptions`] (such as the ABC tune to read) and report the detected [`Format`].

mod error;
mod format;
pub(crate) mod metadata_text;

use std::path::Path;

pub use error::{Limit, ReadError};
pub use format::{Format, detect_format};

pub use super::model::Score;

/// Limits every reader enforces, so hostile or broken files fail fast instead of exhausting
/// memory. All of them can be raised for trusted input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadLimits {
    /// Largest file accepted, in bytes (default 64 MiB).
    pub max_file_bytes: u64,
    /// Most entries accepted in a .mxl archive (default 1000).
    pub max_zip_entries: u64,
    /// Largest total uncompressed size read from a .mxl archive, in bytes (default 256 MiB);
    /// checked against the declared size and while inflating, against zip bombs.
    pub max_unzipped_bytes: u64,
    /// Most parts (after splitting multi-staff parts) accepted (default 512).
    pub max_parts: u64,
    /// Most notes, chords and rests accepted over the whole score (default 2,000,000).
    pub max_events: u64,
    /// Deepest XML element nesting accepted (default 64; MusicXML needs about 10).
    pub max_xml_depth: u64,
    /// Most tunes accepted in one ABC file (default 10,000).
    pub max_tunes: u64,
    /// Longest line accepted in ABC or Humdrum text, in bytes (default 1 MiB).
    pub max_line_bytes: u64,
    /// Most Humdrum spines accepted, counting every split (default 1024).
    pub max_spines: u64,
}

impl Default for ReadLimits {
    fn default() -> ReadLimits {
        ReadLimits {
            max_file_bytes: 64 * 1024 * 1024,
            max_zip_entries: 1000,
            max_unzipped_bytes: 256 * 1024 * 1024,
            max_parts: 512,
            max_events: 2_000_000,
            max_xml_depth: 64,
            max_tunes: 10_000,
            max_line_bytes: 1024 * 1024,
            max_spines: 1024,
        }
    }
}

/// Options for one read, beyond the limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// For an ABC file with several tunes: the `X:` number of the tune to read. Without it the
    /// tune with the lowest number is read, as music21 analyses an Opus's first score.
    pub tune: Option<u32>,
}

/// A score together with the format it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOutput {
    /// The score.
    pub score: Score,
    /// The detected format.
    pub format: Format,
}

/// Reads a score file (MusicXML, .mxl, ABC or Humdrum; detected by content, then extension).
pub fn read_path(path: &Path, limits: &ReadLimits) -> Result<Score, ReadError> {
    read_path_with(path, limits, &ReadOptions::default()).map(|output| output.score)
}

/// Reads a score from bytes; `file_name_hint` (such as `bwv1.6.mxl`) supplies music21's
/// fallback movement name and settles text that could be ABC or Humdrum.
pub fn read_bytes(
    bytes: &[u8],
    file_name_hint: Option<&str>,
    limits: &ReadLimits,
) -> Result<Score, ReadError> {
    read_bytes_with(bytes, file_name_hint, limits, &ReadOptions::default())
        .map(|output| output.score)
}

/// [`read_path`] with options, also reporting the format.
pub fn read_path_with(
    path: &Path,
    limits: &ReadLimits,
    options: &ReadOptions,
) -> Result<ReadOutput, ReadError> {
    let bytes = read_file(path, limits)?;
    let name = path.file_name().map(|name| name.to_string_lossy());
    read_bytes_with(&bytes, name.as_deref(), limits, options)
}

/// [`read_bytes`] with options, also reporting the format.
pub fn read_bytes_with(
    bytes: &[u8],
    file_name_hint: Option<&str>,
    limits: &ReadLimits,
    options: &ReadOptions,
) -> Result<ReadOutput, ReadError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(ReadError::limit(
            Limit::FileBytes,
            limits.max_file_bytes,
            bytes.len() as u64,
        ));
    }
    let Some(format) = detect_format(bytes, file_name_hint) else {
        return Err(ReadError::UnknownFormat {
            detail: describe_unknown(bytes),
        });
    };
    let score = match format {
        Format::MusicXml | Format::MusicXmlCompressed => {
            super::musicxml::read_bytes(bytes, file_name_hint, limits)?
        }
        Format::Abc => super::abc::read_bytes(bytes, limits, options.tune)?,
        Format::Humdrum => super::humdrum::read_bytes(bytes, limits)?,
        Format::Midi => super::midi::read_bytes(bytes, limits)?,
    };
    Ok(ReadOutput { score, format })
}

/// Says what unrecognised content looks like, for the error message.
fn describe_unknown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(256)]);
    let start = text.trim_start();
    if start.is_empty() {
        return "the file is empty".to_string();
    }
    if start
        .chars()
        .take(64)
        .any(|c| (c.is_control() && !c.is_whitespace()) || c == char::REPLACEMENT_CHARACTER)
    {
        return "the content is binary data".to_string();
    }
    let preview: String = start.chars().take(40).collect();
    format!("the content is plain text starting {preview:?}")
}

/// Reads the whole file, refusing missing paths, directories and files over the size limit.
pub fn read_file(path: &Path, limits: &ReadLimits) -> Result<Vec<u8>, ReadError> {
    let unreadable = |source| ReadError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(ReadError::NotFound {
                path: path.to_path_buf(),
            });
        }
        Err(err) => return Err(unreadable(err)),
    };
    if metadata.len() > limits.max_file_bytes {
        return Err(ReadError::limit(
            Limit::FileBytes,
            limits.max_file_bytes,
            metadata.len(),
        ));
    }
    std::fs::read(path).map_err(unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_path_says_so_and_mentions_the_corpus() {
        let err = read_path(Path::new("/no/such/score.mxl"), &ReadLimits::default()).unwrap_err();
        assert!(matches!(err, ReadError::NotFound { .. }));
        let message = err.to_string();
        assert!(
            message.starts_with("no such file: /no/such/score.mxl"),
            "{message}"
        );
        assert!(message.contains("source_type=corpus"), "{message}");
    }

    #[test]
    fn a_directory_is_unreadable_not_missing() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_path(dir.path(), &ReadLimits::default()).unwrap_err();
        assert!(matches!(err, ReadError::Unreadable { .. }), "{err}");
    }

    #[test]
    fn a_file_over_the_size_limit_names_the_limit_to_raise() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.xml");
        std::fs::write(&path, vec![b' '; 100]).unwrap();
        let limits = ReadLimits {
            max_file_bytes: 10,
            ..ReadLimits::default()
        };
        let err = read_path(&path, &limits).unwrap_err();
        assert!(matches!(
            err,
            ReadError::LimitExceeded {
                limit: Limit::FileBytes,
                ..
            }
        ));
        assert!(
            err.to_string().contains("ReadLimits::max_file_bytes"),
            "{err}"
        );
    }
}
