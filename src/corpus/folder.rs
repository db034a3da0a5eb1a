//! Finding and reading score files inside the corpus folders.
//!
//! Lookups join a validated [`CorpusName`] onto each folder in order; walks (for a bare file
//! name, for listings and for suggestions) visit the folders depth first in name order, skip
//! hidden entries and symbolic links, and stop at fixed bounds so a huge or looping tree cannot
//! stall a tool call.

use std::collections::HashSet;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use super::CorpusError;
use super::name::{CorpusName, score_extension, strip_score_extension};

/// How deep a walk descends below a corpus folder.
const MAX_WALK_DEPTH: usize = 12;

/// How many directory entries a walk examines in one folder before it stops.
const MAX_WALK_ENTRIES: usize = 200_000;

/// A score file found in a corpus folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundFile {
    /// The folder it was found in, as configured.
    pub(crate) folder: PathBuf,
    /// Its path: the folder joined with `name`.
    pub(crate) path: PathBuf,
    /// Its name relative to the folder, components separated by `/`, with its extension.
    pub(crate) name: String,
}

/// Looks `name` up in each folder in turn: first the file as named, then with each extension.
pub(crate) fn find_direct(name: &CorpusName, folders: &[PathBuf]) -> Option<FoundFile> {
    let components = name.components();
    let (_, directories) = components.split_last()?;
    let candidates = name.file_name_candidates();
    for folder in folders {
        let directory = directories
            .iter()
            .fold(folder.clone(), |path, part| path.join(part));
        for candidate in &candidates {
            let path = directory.join(candidate);
            if is_regular_file(&path) {
                let parts = directories
                    .iter()
                    .map(String::as_str)
                    .chain([candidate.as_str()]);
                let name = parts.collect::<Vec<_>>().join("/");
                return Some(FoundFile {
                    folder: folder.clone(),
                    path,
                    name,
                });
            }
        }
    }
    None
}

/// Looks for a one-component name anywhere below the folders, as music21 does for `bwv66.6`.
///
/// The first folder holding a match wins; inside it, the earlier file name candidate wins, then
/// the path that sorts first.
pub(crate) fn find_anywhere(name: &CorpusName, folders: &[PathBuf]) -> Option<FoundFile> {
    let candidates = name.file_name_candidates();
    for folder in folders {
        let best = score_files(folder)
            .into_iter()
            .filter_map(|file| {
                let file_name = file.name.rsplit('/').next().unwrap_or(&file.name);
                let rank = candidates
                    .iter()
                    .position(|candidate| candidate == file_name)?;
                Some((rank, file))
            })
            .min_by_key(|(rank, _)| *rank);
        if let Some((_, file)) = best {
            return Some(file);
        }
    }
    None
}

/// Reads `file`, refusing files that lead outside their folder or are larger than `limit`.
pub(crate) fn read_limited(file: &FoundFile, limit: u64) -> Result<Vec<u8>, CorpusError> {
    let read_error = |error| CorpusError::Read {
        path: file.path.clone(),
        error,
    };

    // Compare real paths, so a symbolic link cannot lead a name outside the folder.
    let real_folder = fs::canonicalize(&file.folder).map_err(read_error)?;
    let real_path = fs::canonicalize(&file.path).map_err(read_error)?;
    if !real_path.starts_with(&real_folder) {
        return Err(CorpusError::OutsideFolder {
            path: file.path.clone(),
            folder: file.folder.clone(),
        });
    }

    // Check the size up front, and bound the read in case the file grows meanwhile.
    let opened = fs::File::open(&real_path).map_err(read_error)?;
    let size = opened.metadata().map_err(read_error)?.len();
    let too_large = |size| CorpusError::TooLarge {
        path: file.path.clone(),
        size,
        limit,
    };
    if size > limit {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    opened
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The names of the score files in `folders`, in folder order then name order, without
/// duplicates (an earlier folder shadows a later one), at most `limit` of them.
pub(crate) fn list_names(folders: &[PathBuf], limit: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut names = Vec::new();
    for folder in folders {
        for file in score_files(folder) {
            if names.len() >= limit {
                return names;
            }
            if seen.insert(file.name.clone()) {
                names.push(file.name);
            }
        }
    }
    names
}

/// Up to `limit` existing names to offer when `name` was not found: the scores inside the
/// directory it names, if it names one, otherwise names whose stem contains its stem or the
/// other way round.
pub(crate) fn suggest(name: &CorpusName, folders: &[PathBuf], limit: usize) -> Vec<String> {
    // A directory name, such as `bach`: show what it holds.
    for folder in folders {
        let directory = name
            .components()
            .iter()
            .fold(folder.clone(), |path, part| path.join(part));
        if directory.is_dir() {
            let prefix = format!("{}/", name.joined());
            return score_files(&directory)
                .into_iter()
                .take(limit)
                .map(|file| format!("{prefix}{}", file.name))
                .collect();
        }
    }

    let wanted = strip_score_extension(name.file_name()).to_lowercase();
    let similar = |file_name: &str| {
        let stem = strip_score_extension(file_name).to_lowercase();
        stem.contains(&wanted) || (stem.len() >= 3 && wanted.contains(&stem))
    };
    let mut seen = HashSet::new();
    let mut suggestions = Vec::new();
    for folder in folders {
        for file in score_files(folder) {
            if suggestions.len() >= limit {
                return suggestions;
            }
            let file_name = file.name.rsplit('/').next().unwrap_or(&file.name);
            if similar(file_name) && seen.insert(file.name.clone()) {
                suggestions.push(file.name);
            }
        }
    }
    suggestions
}

/// Whether `path` is a regular file, following symbolic links.
fn is_regular_file(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|metadata| metadata.is_file())
}

/// The score files below `folder`: regular files with a known extension, depth first in name
/// order, within the walk bounds.
fn score_files(folder: &Path) -> Vec<FoundFile> {
    let mut walk = Walk {
        folder,
        budget: MAX_WALK_ENTRIES,
        found: Vec::new(),
    };
    walk.visit(folder, "", 0);
    walk.found
}

/// The state of one bounded walk below a folder.
struct Walk<'a> {
    /// The folder the walk started from.
    folder: &'a Path,
    /// Directory entries the walk may still examine.
    budget: usize,
    /// The score files found so far.
    found: Vec<FoundFile>,
}

impl Walk<'_> {
    fn visit(&mut self, directory: &Path, prefix: &str, depth: usize) {
        let Ok(entries) = fs::read_dir(directory) else {
            return;
        };

        // Name order makes walks, listings and tie-breaks deterministic.
        let mut entries: Vec<(String, fs::FileType, PathBuf)> = entries
            .filter_map(Result::ok)
            .take(self.budget)
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let file_type = entry.file_type().ok()?;
                Some((name, file_type, entry.path()))
            })
            .collect();
        self.budget = self.budget.saturating_sub(entries.len());
        entries.sort_by(|a, b| a.0.cmp(&b.0));

        for (name, file_type, path) in entries {
            if name.starts_with('.') {
                continue;
            }
            let relative = format!("{prefix}{name}");
            if file_type.is_dir() && depth < MAX_WALK_DEPTH && self.budget > 0 {
                self.visit(&path, &format!("{relative}/"), depth + 1);
            } else if file_type.is_file() && score_extension(&name).is_some() {
                self.found.push(FoundFile {
                    folder: self.folder.to_path_buf(),
                    path,
                    name: relative,
                });
            }
        }
    }
}
