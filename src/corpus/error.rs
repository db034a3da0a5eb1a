//! Why a corpus name could not be turned into score bytes.
//!
//! Every message names the input that failed and says what to try, because `import_score`
//! passes it to the client unchanged as a tool error.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{CORPUS_ENV_VAR, MAX_NAME_BYTES, SCORE_EXTENSIONS};

/// A corpus name that is malformed, unsafe, missing or unreadable.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// The name is empty, or only separators and `.` components.
    #[error(
        "the corpus name is empty; give a music21-style name such as \"bach/bwv66.6\" or \
         \"builtin/old-hundredth\""
    )]
    EmptyName,

    /// The name is longer than [`MAX_NAME_BYTES`].
    #[error(
        "the corpus name is {length} bytes long, over the limit of {MAX_NAME_BYTES}; give a \
         short relative name such as \"bach/bwv66.6\""
    )]
    NameTooLong {
        /// The length of the name in bytes.
        length: usize,
    },

    /// The name contains a NUL byte, which no file name can hold.
    #[error("the corpus name {name:?} contains a NUL byte; remove it")]
    NulByte {
        /// The name as given.
        name: String,
    },

    /// The name is an absolute path or starts with a drive prefix.
    #[error(
        "the corpus name {name:?} is an absolute path; corpus names are relative to a corpus \
         folder, such as \"bach/bwv66.6\" (to read a file by its path, use source_type=file)"
    )]
    AbsolutePath {
        /// The name as given.
        name: String,
    },

    /// The name has a `..` component, which could climb out of the corpus folders.
    #[error(
        "the corpus name {name:?} contains a \"..\" component, which is not allowed; give a \
         name relative to a corpus folder, such as \"bach/bwv66.6\""
    )]
    ParentComponent {
        /// The name as given.
        name: String,
    },

    /// No built-in piece and no file in any folder matches the name.
    #[error("{}", describe_not_found(name, builtin_names, folders, suggestions))]
    NotFound {
        /// The name as given.
        name: String,
        /// The names of the built-in pieces, which were searched first.
        builtin_names: Vec<&'static str>,
        /// The folders searched after the built-in corpus, in order.
        folders: Vec<SearchedFolder>,
        /// Existing names that look like the one asked for, or that sit in the folder it names.
        suggestions: Vec<String>,
    },

    /// The file was found but is larger than the configured limit.
    #[error(
        "corpus file {} is {size} bytes, over the limit of {limit} bytes for corpus files; use \
         a smaller score, or import the file with source_type=file",
        path.display()
    )]
    TooLarge {
        /// The file that was found.
        path: PathBuf,
        /// Its size in bytes (at least `limit + 1` when it grew while being read).
        size: u64,
        /// The configured limit in bytes.
        limit: u64,
    },

    /// The file was found through a symbolic link that leads outside its corpus folder.
    #[error(
        "corpus file {} leads outside its corpus folder {} through a symbolic link, so it is \
         not read; copy the file into the folder, or add the folder it lives in to {}",
        path.display(),
        folder.display(),
        CORPUS_ENV_VAR
    )]
    OutsideFolder {
        /// The path inside the folder, as joined from the name.
        path: PathBuf,
        /// The corpus folder it was looked up in.
        folder: PathBuf,
    },

    /// The file was found but reading it failed.
    #[error("could not read corpus file {}: {error}; check that it is readable", path.display())]
    Read {
        /// The file that was found.
        path: PathBuf,
        /// What the operating system said; printed in the message rather than chained.
        error: std::io::Error,
    },
}

/// A folder that a failed lookup searched, and whether it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchedFolder {
    /// The folder as configured.
    pub path: PathBuf,
    /// False when the folder is missing or is not a directory, a likely cause of the failure.
    pub exists: bool,
}

/// Renders [`CorpusError::NotFound`]: what was searched, what exists nearby, and what to try.
fn describe_not_found(
    name: &str,
    builtin_names: &[&'static str],
    folders: &[SearchedFolder],
    suggestions: &[String],
) -> String {
    let mut text = format!("no corpus score named {name:?}");
    let builtin = builtin_names.join(", ");
    if folders.is_empty() {
        let _ = write!(
            text,
            ": no corpus folders are configured ({CORPUS_ENV_VAR} is unset or empty), so only \
             the built-in corpus was searched ({builtin})"
        );
    } else {
        let listed: Vec<String> = folders
            .iter()
            .map(|folder| {
                let missing = if folder.exists { "" } else { " (missing)" };
                format!("{}{missing}", folder.path.display())
            })
            .collect();
        let extensions: Vec<String> = SCORE_EXTENSIONS
            .iter()
            .map(|ext| format!(".{ext}"))
            .collect();
        let _ = write!(
            text,
            " in the built-in corpus ({builtin}) or the corpus folders {} (trying the name as \
             given, then with {})",
            listed.join(", "),
            extensions.join(", ")
        );
    }
    if !suggestions.is_empty() {
        let _ = write!(text, "; names that exist: {}", suggestions.join(", "));
    }
    if folders.is_empty() {
        let _ = write!(
            text,
            "; to search a music21 corpus, set {CORPUS_ENV_VAR}=/path/to/music21/corpus \
             (several folders separated by ':'), or use source_type=file with a path"
        );
    } else {
        let _ = write!(
            text,
            "; check the spelling, add the folder that holds the score to {CORPUS_ENV_VAR} \
             (folders separated by ':'), or use source_type=file with a path"
        );
    }
    text
}
