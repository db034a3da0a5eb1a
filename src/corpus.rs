//! Music21-style corpus names: the built-in corpus and the `MUSIC_MCP_CORPUS` folders.
//!
//! `import_score` with `source_type="corpus"` hands a name such as `bach/bwv66.6` to [`resolve`]
//! and gets back the file's bytes and name; parsing them is `music::read`'s job. This module sits
//! beside `music`: plain synchronous file access, no tokio, ractor or rmcp.
//!
//! A name is resolved against the built-in corpus first (pieces embedded in the binary, named
//! `builtin/<piece>` or just `<piece>`), then against each folder listed in `MUSIC_MCP_CORPUS`,
//! in order. Inside a folder the name is a relative path with `/` between components, as in
//! music21; the file as named is tried first, then the name with each of [`SCORE_EXTENSIONS`]
//! appended, unless it already ends with one (music21 names contain dots, as in `bwv66.6`, so
//! only a known extension counts). A leading `corpus/` is optional, and a bare file name such as
//! `bwv66.6` is also looked for in the folders' subfolders, as music21 does.
//!
//! Names are validated before any file is touched: absolute paths, `..` components, NUL bytes
//! and empty names are refused, and a file reached through a symbolic link that leads outside its
//! folder is not read. Files larger than a limit ([`DEFAULT_MAX_FILE_BYTES`] unless configured
//! with [`Corpus::with_max_file_bytes`]) are refused too.

mod builtin;
mod error;
mod folder;
mod name;

#[cfg(test)]
mod tests;

use std::ffi::OsStr;
use std::fmt;
use std::path::PathBuf;

pub use builtin::{BuiltinPiece, builtin_pieces};
pub use error::{CorpusError, SearchedFolder};

use name::CorpusName;

/// The environment variable that lists the corpus folders, separated by `:` (`;` on Windows).
pub const CORPUS_ENV_VAR: &str = "MUSIC_MCP_CORPUS";

/// The first component of every built-in piece's name.
pub const BUILTIN_PREFIX: &str = "builtin";

/// The score file extensions tried after the name as given, in this order.
pub const SCORE_EXTENSIONS: [&str; 7] = ["mxl", "musicxml", "xml", "krn", "abc", "mid", "midi"];

/// The largest corpus file read unless configured otherwise: 64 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The longest corpus name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 1024;

/// How many existing names a not-found error suggests.
const MAX_SUGGESTIONS: usize = 5;

/// A score found in the corpus: its bytes and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusEntry {
    /// The name it was found under: `builtin/<piece>`, or the file's path relative to its corpus
    /// folder with `/` separators and its extension (`bach/bwv66.6.mxl`).
    pub name: String,
    /// The file name with its extension, which tells the reader the format.
    pub file_name: String,
    /// The file's contents, at most the configured size limit.
    pub bytes: Vec<u8>,
    /// Whether it came from the built-in corpus or from a folder.
    pub origin: CorpusOrigin,
}

/// Where a [`CorpusEntry`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorpusOrigin {
    /// Embedded in the binary.
    Builtin,
    /// Read from this file, inside one of the corpus folders.
    Folder(PathBuf),
}

/// A corpus to resolve names against: the built-in pieces, then `folders` in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corpus {
    /// The folders searched after the built-in corpus; missing ones are skipped.
    folders: Vec<PathBuf>,
    /// The largest file read, in bytes.
    max_file_bytes: u64,
}

impl Corpus {
    /// A corpus over `folders`, with the default file size limit.
    pub fn new(folders: Vec<PathBuf>) -> Self {
        Self {
            folders,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }

    /// A corpus over the folders listed in `MUSIC_MCP_CORPUS`.
    pub fn from_env() -> Self {
        Self::new(folders_from_env())
    }

    /// The same corpus with files larger than `limit` bytes refused.
    #[must_use]
    pub fn with_max_file_bytes(mut self, limit: u64) -> Self {
        self.max_file_bytes = limit;
        self
    }

    /// The folders searched after the built-in corpus.
    pub fn folders(&self) -> &[PathBuf] {
        &self.folders
    }

    /// Finds `name` in the built-in corpus, then in the folders, and reads it.
    ///
    /// # Errors
    ///
    /// A [`CorpusError`] when the name is malformed or unsafe, matches nothing (the error says
    /// what was searched and suggests names that exist), or names a file that cannot be read or
    /// is over the size limit.
    pub fn resolve(&self, name: &str) -> Result<CorpusEntry, CorpusError> {
        let parsed = CorpusName::parse(name)?;
        let mut spellings = vec![parsed.clone()];
        spellings.extend(parsed.without_corpus_prefix());

        for spelling in &spellings {
            if let Some(piece) = builtin::find_builtin(spelling) {
                return Ok(CorpusEntry::from(piece));
            }
        }
        for spelling in &spellings {
            if let Some(file) = folder::find_direct(spelling, &self.folders) {
                return self.read(file);
            }
        }
        if parsed.components().len() == 1
            && let Some(file) = folder::find_anywhere(&parsed, &self.folders)
        {
            return self.read(file);
        }
        Err(self.not_found(name.trim(), spellings.last().unwrap_or(&parsed)))
    }

    /// The names available: the built-in pieces, then the score files in the folders (an
    /// earlier folder shadows a later one), at most `limit` in all.
    pub fn list(&self, limit: usize) -> Vec<String> {
        let mut names: Vec<String> = builtin_pieces()
            .iter()
            .take(limit)
            .map(|piece| piece.name.to_string())
            .collect();
        names.extend(folder::list_names(&self.folders, limit - names.len()));
        names
    }

    /// Reads a file found in a folder into an entry.
    fn read(&self, file: folder::FoundFile) -> Result<CorpusEntry, CorpusError> {
        let bytes = folder::read_limited(&file, self.max_file_bytes)?;
        let file_name = file
            .name
            .rsplit('/')
            .next()
            .unwrap_or(&file.name)
            .to_string();
        Ok(CorpusEntry {
            name: file.name,
            file_name,
            bytes,
            origin: CorpusOrigin::Folder(file.path),
        })
    }

    /// The error for a name found nowhere, with what was searched and what exists nearby.
    fn not_found(&self, raw: &str, name: &CorpusName) -> CorpusError {
        let folders = self
            .folders
            .iter()
            .map(|path| SearchedFolder {
                path: path.clone(),
                exists: path.is_dir(),
            })
            .collect();
        CorpusError::NotFound {
            name: raw.to_string(),
            builtin_names: builtin_pieces().iter().map(|piece| piece.name).collect(),
            folders,
            suggestions: folder::suggest(name, &self.folders, MAX_SUGGESTIONS),
        }
    }
}

impl From<&'static BuiltinPiece> for CorpusEntry {
    fn from(piece: &'static BuiltinPiece) -> Self {
        Self {
            name: piece.name.to_string(),
            file_name: piece.file_name.to_string(),
            bytes: piece.bytes.to_vec(),
            origin: CorpusOrigin::Builtin,
        }
    }
}

impl fmt::Display for CorpusOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Builtin => f.write_str("the built-in corpus"),
            Self::Folder(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The folders listed in `MUSIC_MCP_CORPUS`, in order; empty when it is unset.
pub fn folders_from_env() -> Vec<PathBuf> {
    std::env::var_os(CORPUS_ENV_VAR)
        .map(|value| parse_folder_list(&value))
        .unwrap_or_default()
}

/// Splits a `MUSIC_MCP_CORPUS` value into folders: separated by `:` (`;` on Windows), with
/// empty entries ignored.
pub fn parse_folder_list(value: &OsStr) -> Vec<PathBuf> {
    std::env::split_paths(value)
        .filter(|path| !path.as_os_str().is_empty())
        .collect()
}

/// Resolves `name` against the built-in corpus, then the `MUSIC_MCP_CORPUS` folders.
///
/// # Errors
///
/// As [`Corpus::resolve`].
pub fn resolve(name: &str) -> Result<CorpusEntry, CorpusError> {
    Corpus::from_env().resolve(name)
}

/// Resolves `name` against the built-in corpus, then `folders` in order.
///
/// # Errors
///
/// As [`Corpus::resolve`].
pub fn resolve_in(name: &str, folders: &[PathBuf]) -> Result<CorpusEntry, CorpusError> {
    Corpus::new(folders.to_vec()).resolve(name)
}

/// The names of the score files in `folders` (relative paths with their extensions, as
/// [`resolve_in`] accepts them), folder by folder in name order, at most `limit` of them.
pub fn list_in(folders: &[PathBuf], limit: usize) -> Vec<String> {
    folder::list_names(folders, limit)
}
