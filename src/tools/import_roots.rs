//! The folders `import_score` may read files from, and the check that confines a path to them.
//!
//! Built from `RuntimeConfig::import_roots` and held in [`super::Services`]. An empty list means
//! no restriction (stdio, one local user); over HTTP the configuration always names folders. A
//! path is accepted only when it has no `..` component and its fully resolved form (symbolic
//! links followed) lies inside the resolved form of one of the folders, so a link inside a folder
//! that points outside it is refused too.

use std::path::{Component, Path, PathBuf};

use super::{ToolError, ToolErrorKind};

/// The folders file imports are confined to.
#[derive(Debug, Clone, Default)]
pub struct ImportRoots {
    roots: Vec<PathBuf>,
}

impl ImportRoots {
    /// Confines imports to `roots`; an empty list allows any path.
    pub fn new(roots: Vec<PathBuf>) -> Self {
        Self { roots }
    }

    /// The configured folders.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// The resolved file to read for `requested`, or a tool error when it lies outside every
    /// folder. A relative path is looked for inside each folder in turn.
    pub fn confine(&self, requested: &Path) -> Result<PathBuf, ToolError> {
        if self.roots.is_empty() {
            return Ok(requested.to_path_buf());
        }
        if requested.components().any(|c| c == Component::ParentDir) {
            return Err(ToolError::invalid(format!(
                "file path '{}' contains '..'; give a path inside {}",
                requested.display(),
                self.listed()
            )));
        }

        let candidates: Vec<PathBuf> = if requested.is_absolute() {
            vec![requested.to_path_buf()]
        } else {
            self.roots.iter().map(|root| root.join(requested)).collect()
        };
        for candidate in candidates {
            let Ok(real) = candidate.canonicalize() else {
                continue;
            };
            if self.contains(&real) {
                return Ok(real);
            }
            return Err(ToolError::invalid(format!(
                "file '{}' is outside the allowed import folders ({}); copy it into one of them \
                 or import its MusicXML with source_type=text",
                requested.display(),
                self.listed()
            )));
        }
        Err(ToolError::new(
            ToolErrorKind::NotFound,
            format!(
                "no file '{}' in the allowed import folders ({}); copy the score into one of them",
                requested.display(),
                self.listed()
            ),
        ))
    }

    fn contains(&self, real: &Path) -> bool {
        self.roots
            .iter()
            .filter_map(|root| root.canonicalize().ok())
            .any(|root| real.starts_with(root))
    }

    fn listed(&self) -> String {
        let names: Vec<String> = self
            .roots
            .iter()
            .map(|root| root.display().to_string())
            .collect();
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, ImportRoots) {
        let dir = tempfile::tempdir().expect("temp dir");
        let inside = dir.path().join("imports");
        std::fs::create_dir_all(&inside).expect("mkdir");
        std::fs::write(inside.join("song.xml"), "<score-partwise/>").expect("write");
        std::fs::write(dir.path().join("secret.xml"), "<score-partwise/>").expect("write");
        (dir, ImportRoots::new(vec![inside]))
    }

    #[test]
    fn empty_roots_allow_any_path() {
        let roots = ImportRoots::default();

        let path = roots.confine(Path::new("/etc/hostname")).expect("allowed");

        assert_eq!(path, PathBuf::from("/etc/hostname"));
    }

    #[test]
    fn file_inside_a_root_is_accepted_by_absolute_or_relative_path() {
        let (dir, roots) = setup();
        let absolute = dir.path().join("imports/song.xml");

        let by_absolute = roots.confine(&absolute).expect("inside");
        let by_relative = roots.confine(Path::new("song.xml")).expect("inside");

        assert_eq!(by_absolute, absolute.canonicalize().expect("exists"));
        assert_eq!(by_relative, by_absolute);
    }

    #[test]
    fn parent_components_are_refused_even_when_they_land_inside() {
        let (dir, roots) = setup();
        let sneaky = dir.path().join("imports/../imports/song.xml");

        let err = roots.confine(&sneaky).unwrap_err();

        assert_eq!(err.kind, ToolErrorKind::InvalidInput);
        assert!(err.message.contains("'..'"), "{}", err.message);
    }

    #[test]
    fn file_outside_every_root_is_refused_naming_the_folders() {
        let (dir, roots) = setup();

        let err = roots.confine(&dir.path().join("secret.xml")).unwrap_err();

        assert_eq!(err.kind, ToolErrorKind::InvalidInput);
        assert!(err.message.contains("outside the allowed import folders"));
        assert!(err.message.contains("imports"));
    }

    #[test]
    fn symbolic_link_escaping_a_root_is_refused() {
        let (dir, roots) = setup();
        let link = dir.path().join("imports/escape.xml");
        std::os::unix::fs::symlink(dir.path().join("secret.xml"), &link).expect("symlink");

        let err = roots.confine(&link).unwrap_err();

        assert!(err.message.contains("outside"), "{}", err.message);
    }

    #[test]
    fn missing_file_is_not_found_with_a_hint() {
        let (_dir, roots) = setup();

        let err = roots.confine(Path::new("nothing.xml")).unwrap_err();

        assert_eq!(err.kind, ToolErrorKind::NotFound);
        assert!(err.message.contains("copy the score"));
    }
}
