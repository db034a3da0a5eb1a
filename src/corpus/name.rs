//! Checking and normalising a corpus name before any file is touched.
//!
//! A name that passes is a list of plain components: no root, no drive prefix, no `..`, no NUL,
//! so joining it onto a corpus folder can only point inside that folder (symbolic links are
//! checked later, when the file is read).

use super::{CorpusError, MAX_NAME_BYTES, SCORE_EXTENSIONS};

/// A validated corpus name, split into components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CorpusName {
    /// The components in order; never empty, and none is empty, `.` or `..`.
    components: Vec<String>,
}

impl CorpusName {
    /// Validates `raw`: accepts `/` and `\` as separators, skips empty and `.` components, and
    /// rejects empty names, NUL bytes, absolute paths and `..` components.
    pub(crate) fn parse(raw: &str) -> Result<Self, CorpusError> {
        let trimmed = raw.trim();
        if trimmed.len() > MAX_NAME_BYTES {
            return Err(CorpusError::NameTooLong {
                length: trimmed.len(),
            });
        }
        if trimmed.contains('\0') {
            return Err(CorpusError::NulByte {
                name: trimmed.to_string(),
            });
        }

        // A leading separator or a drive prefix such as `C:` makes the name absolute.
        let has_drive =
            trimmed.as_bytes().get(1) == Some(&b':') && trimmed.as_bytes()[0].is_ascii_alphabetic();
        if trimmed.starts_with(['/', '\\']) || has_drive {
            return Err(CorpusError::AbsolutePath {
                name: trimmed.to_string(),
            });
        }

        let mut components = Vec::new();
        for component in trimmed.split(['/', '\\']) {
            match component {
                "" | "." => {}
                ".." => {
                    return Err(CorpusError::ParentComponent {
                        name: trimmed.to_string(),
                    });
                }
                _ => components.push(component.to_string()),
            }
        }
        if components.is_empty() {
            return Err(CorpusError::EmptyName);
        }
        Ok(Self { components })
    }

    /// The components, never empty.
    pub(crate) fn components(&self) -> &[String] {
        &self.components
    }

    /// The last component, the file name asked for.
    pub(crate) fn file_name(&self) -> &str {
        self.components.last().map_or("", String::as_str)
    }

    /// The name without a leading `corpus/` component, when it has one and more follow.
    pub(crate) fn without_corpus_prefix(&self) -> Option<Self> {
        match self.components.as_slice() {
            [first, rest @ ..] if first == "corpus" && !rest.is_empty() => Some(Self {
                components: rest.to_vec(),
            }),
            _ => None,
        }
    }

    /// The file names to try, in order: the name as given, then, unless it already ends with a
    /// known score extension, the name with each extension appended.
    pub(crate) fn file_name_candidates(&self) -> Vec<String> {
        let given = self.file_name();
        let mut candidates = vec![given.to_string()];
        if score_extension(given).is_none() {
            candidates.extend(SCORE_EXTENSIONS.iter().map(|ext| format!("{given}.{ext}")));
        }
        candidates
    }

    /// The components joined with `/`.
    pub(crate) fn joined(&self) -> String {
        self.components.join("/")
    }
}

/// The known score extension `file_name` ends with (compared without case), if any.
///
/// music21 names contain dots (`bwv66.6`), so only a known extension counts as one.
pub(crate) fn score_extension(file_name: &str) -> Option<&'static str> {
    let (stem, extension) = file_name.rsplit_once('.')?;
    if stem.is_empty() {
        return None;
    }
    SCORE_EXTENSIONS
        .iter()
        .copied()
        .find(|known| extension.eq_ignore_ascii_case(known))
}

/// `file_name` without its known score extension, if it has one.
pub(crate) fn strip_score_extension(file_name: &str) -> &str {
    match score_extension(file_name) {
        Some(extension) => &file_name[..file_name.len() - extension.len() - 1],
        None => file_name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn components(raw: &str) -> Vec<String> {
        CorpusName::parse(raw)
            .expect("valid name")
            .components()
            .to_vec()
    }

    #[test]
    fn empty_and_dot_only_names_are_rejected() {
        for raw in ["", "   ", ".", "./.", ".//."] {
            let result = CorpusName::parse(raw);
            assert!(
                matches!(result, Err(CorpusError::EmptyName)),
                "{raw:?} gave {result:?}"
            );
        }
    }

    #[test]
    fn nul_bytes_absolute_paths_and_parent_components_are_rejected() {
        assert!(matches!(
            CorpusName::parse("bach/\0x"),
            Err(CorpusError::NulByte { .. })
        ));
        for raw in [
            "/etc/passwd",
            "\\server\\share",
            "C:\\scores\\a.xml",
            "c:a.xml",
        ] {
            let result = CorpusName::parse(raw);
            assert!(
                matches!(result, Err(CorpusError::AbsolutePath { .. })),
                "{raw:?}: {result:?}"
            );
        }
        for raw in ["..", "../x", "bach/../../etc/passwd", "bach\\..\\x"] {
            let result = CorpusName::parse(raw);
            assert!(
                matches!(result, Err(CorpusError::ParentComponent { .. })),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn overlong_names_are_rejected_before_anything_else() {
        let raw = "a/".repeat(MAX_NAME_BYTES);
        assert!(matches!(
            CorpusName::parse(&raw),
            Err(CorpusError::NameTooLong { .. })
        ));
    }

    #[test]
    fn backslashes_empty_and_dot_components_are_normalised() {
        assert_eq!(components("bach\\bwv66.6"), ["bach", "bwv66.6"]);
        assert_eq!(components(" ./bach//bwv66.6 "), ["bach", "bwv66.6"]);
        assert_eq!(components("bach/bwv66.6/"), ["bach", "bwv66.6"]);
    }

    #[test]
    fn a_leading_corpus_component_can_be_dropped_but_not_when_it_is_alone() {
        let name = CorpusName::parse("corpus/bach/bwv66.6").unwrap();
        assert_eq!(
            name.without_corpus_prefix().unwrap().joined(),
            "bach/bwv66.6"
        );
        assert!(
            CorpusName::parse("corpus")
                .unwrap()
                .without_corpus_prefix()
                .is_none()
        );
    }

    #[test]
    fn dotted_music21_names_get_every_extension_but_known_extensions_are_kept() {
        let dotted = CorpusName::parse("bach/bwv66.6")
            .unwrap()
            .file_name_candidates();
        assert_eq!(dotted[0], "bwv66.6");
        assert_eq!(dotted[1], "bwv66.6.mxl");
        assert_eq!(dotted.len(), 1 + SCORE_EXTENSIONS.len());
        let with_extension = CorpusName::parse("bach/bwv66.6.MXL").unwrap();
        assert_eq!(with_extension.file_name_candidates(), ["bwv66.6.MXL"]);
    }

    #[test]
    fn only_known_extensions_count_as_extensions() {
        assert_eq!(score_extension("bwv66.6"), None);
        assert_eq!(score_extension("bwv66.6.mxl"), Some("mxl"));
        assert_eq!(score_extension("Song.MusicXML"), Some("musicxml"));
        assert_eq!(score_extension(".mxl"), None);
        assert_eq!(strip_score_extension("bwv1.6.mid"), "bwv1.6");
        assert_eq!(strip_score_extension("bwv1.6"), "bwv1.6");
    }
}
