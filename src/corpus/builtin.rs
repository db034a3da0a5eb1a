//! The built-in corpus: a few short public-domain pieces embedded in the binary.
//!
//! The files live in the crate's `corpus/` folder, where `corpus/make_builtin.py` generated them
//! and `corpus/README.md` describes them. They let `import_score` and the demo work with no
//! corpus folder configured, and they exercise the MusicXML reader: four one-voice parts, a
//! pickup measure, two voices on one staff with chords, ties and rests, and a grand staff with
//! key changes.

use super::BUILTIN_PREFIX;
use super::name::CorpusName;

/// One built-in piece and its embedded MusicXML file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinPiece {
    /// The corpus name, always `builtin/<piece>`; the bare `<piece>` also resolves.
    pub name: &'static str,
    /// The title, as in the file's `<work-title>`.
    pub title: &'static str,
    /// The composer, as in the file's `<creator type="composer">`.
    pub composer: &'static str,
    /// The file name, whose extension tells the reader the format.
    pub file_name: &'static str,
    /// The file's bytes, embedded at build time.
    pub bytes: &'static [u8],
}

/// The built-in pieces, in a fixed order.
pub fn builtin_pieces() -> &'static [BuiltinPiece] {
    &BUILTIN_PIECES
}

static BUILTIN_PIECES: [BuiltinPiece; 5] = [
    BuiltinPiece {
        name: "builtin/old-hundredth",
        title: "Old Hundredth",
        composer: "Louis Bourgeois (attr.)",
        file_name: "old-hundredth.musicxml",
        bytes: include_bytes!("../../corpus/old-hundredth.musicxml"),
    },
    BuiltinPiece {
        name: "builtin/twinkle",
        title: "Ah! vous dirai-je, maman",
        composer: "Traditional",
        file_name: "twinkle.musicxml",
        bytes: include_bytes!("../../corpus/twinkle.musicxml"),
    },
    BuiltinPiece {
        name: "builtin/minuet-in-d-minor",
        title: "Minuet in D minor",
        composer: "music-mcp team",
        file_name: "minuet-in-d-minor.musicxml",
        bytes: include_bytes!("../../corpus/minuet-in-d-minor.musicxml"),
    },
    BuiltinPiece {
        name: "builtin/au-clair-de-la-lune",
        title: "Au clair de la lune",
        composer: "Traditional",
        file_name: "au-clair-de-la-lune.musicxml",
        bytes: include_bytes!("../../corpus/au-clair-de-la-lune.musicxml"),
    },
    BuiltinPiece {
        name: "builtin/ode-to-joy",
        title: "Ode to Joy (theme and minore)",
        composer: "Ludwig van Beethoven",
        file_name: "ode-to-joy.musicxml",
        bytes: include_bytes!("../../corpus/ode-to-joy.musicxml"),
    },
];

impl BuiltinPiece {
    /// The piece's name without the `builtin/` prefix.
    pub fn bare_name(&self) -> &'static str {
        self.name
            .strip_prefix(BUILTIN_PREFIX)
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(self.name)
    }
}

/// The built-in piece `name` refers to: `builtin/<piece>` or `<piece>`, with or without the
/// file's extension, compared without case.
pub(crate) fn find_builtin(name: &CorpusName) -> Option<&'static BuiltinPiece> {
    let file_name = match name.components() {
        [prefix, file_name] if prefix == BUILTIN_PREFIX => file_name,
        [file_name] => file_name,
        _ => return None,
    };
    builtin_pieces().iter().find(|piece| {
        file_name.eq_ignore_ascii_case(piece.bare_name())
            || file_name.eq_ignore_ascii_case(piece.file_name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(raw: &str) -> Option<&'static str> {
        find_builtin(&CorpusName::parse(raw).unwrap()).map(|piece| piece.name)
    }

    #[test]
    fn every_builtin_piece_is_musicxml_whose_title_and_composer_match_the_table() {
        for piece in builtin_pieces() {
            let text = std::str::from_utf8(piece.bytes).expect("utf-8");
            assert!(text.starts_with("<?xml"), "{}", piece.name);
            assert!(
                text.contains("<score-partwise version=\"4.0\">"),
                "{}",
                piece.name
            );
            let title = format!("<work-title>{}</work-title>", piece.title);
            assert!(text.contains(&title), "{} lacks {title}", piece.name);
            let composer = format!("<creator type=\"composer\">{}</creator>", piece.composer);
            assert!(text.contains(&composer), "{} lacks {composer}", piece.name);
            assert!(piece.file_name.ends_with(".musicxml"), "{}", piece.name);
        }
    }

    #[test]
    fn builtin_names_are_unique_and_prefixed() {
        let mut names: Vec<_> = builtin_pieces()
            .iter()
            .map(BuiltinPiece::bare_name)
            .collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), builtin_pieces().len());
        for piece in builtin_pieces() {
            assert_eq!(
                piece.name,
                format!("{BUILTIN_PREFIX}/{}", piece.bare_name())
            );
        }
    }

    #[test]
    fn a_builtin_piece_is_found_by_prefixed_or_bare_name_with_or_without_extension() {
        for raw in [
            "builtin/old-hundredth",
            "old-hundredth",
            "builtin/old-hundredth.musicxml",
            "old-hundredth.musicxml",
            "builtin\\old-hundredth",
        ] {
            assert_eq!(find(raw), Some("builtin/old-hundredth"), "{raw}");
        }
    }

    #[test]
    fn other_names_do_not_match_a_builtin_piece() {
        for raw in [
            "bach/old-hundredth",
            "old-hundredth.mxl",
            "builtin",
            "builtin/nope",
            "x/y/z",
        ] {
            assert_eq!(find(raw), None, "{raw}");
        }
    }
}
