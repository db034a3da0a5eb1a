//! Reading score files into the model: format detection, limits and errors.
//!
//! `read_path` and `read_bytes` are the entry points every tool uses; they pick the reader by
//! content (zip magic, XML root) and never panic on any input.

mod error;

use std::path::Path;

pub use error::{Limit, ReadError};

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
        }
    }
}

/// Reads a score file (.xml, .musicxml or .mxl; detected by content, not only by extension).
pub fn read_path(path: &Path, limits: &ReadLimits) -> Result<Score, ReadError> {
    let bytes = read_file(path, limits)?;
    let name = path.file_name().map(|name| name.to_string_lossy());
    read_bytes(&bytes, name.as_deref(), limits)
}

/// Reads a score from bytes; `file_name_hint` (such as `bwv1.6.mxl`) supplies music21's
/// fallback movement name.
pub fn read_bytes(
    bytes: &[u8],
    file_name_hint: Option<&str>,
    limits: &ReadLimits,
) -> Result<Score, ReadError> {
    super::musicxml::read_bytes(bytes, file_name_hint, limits)
}

/// Reads the whole file, refusing missing paths, directories and files over the size limit.
fn read_file(path: &Path, limits: &ReadLimits) -> Result<Vec<u8>, ReadError> {
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
