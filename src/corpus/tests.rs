//! Resolution tests over temporary corpus folders, and one over `../shared/corpus`.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;

/// A temporary corpus folder holding `files` (relative paths) with their names as contents.
fn corpus_with(files: &[&str]) -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("temporary folder");
    for file in files {
        write(folder.path(), file, file.as_bytes());
    }
    folder
}

fn write(folder: &Path, relative: &str, bytes: &[u8]) {
    let path = folder.join(relative);
    fs::create_dir_all(path.parent().expect("parent")).expect("create folders");
    fs::write(path, bytes).expect("write file");
}

fn resolved_name(name: &str, folders: &[PathBuf]) -> String {
    match resolve_in(name, folders) {
        Ok(entry) => entry.name,
        Err(err) => panic!("{name} did not resolve: {err}"),
    }
}

#[test]
fn a_dotted_music21_name_finds_its_mxl_file() {
    let folder = corpus_with(&["bach/bwv66.6.mxl"]);
    let entry = resolve_in("bach/bwv66.6", &[folder.path().to_path_buf()]).unwrap();

    assert_eq!(entry.name, "bach/bwv66.6.mxl");
    assert_eq!(entry.file_name, "bwv66.6.mxl");
    assert_eq!(entry.bytes, b"bach/bwv66.6.mxl");
    assert_eq!(
        entry.origin,
        CorpusOrigin::Folder(folder.path().join("bach/bwv66.6.mxl"))
    );
}

#[test]
fn a_name_without_extension_tries_the_extensions_in_the_documented_order() {
    let files: Vec<String> = SCORE_EXTENSIONS
        .iter()
        .map(|ext| format!("song.{ext}"))
        .collect();
    let folder = corpus_with(&files.iter().map(String::as_str).collect::<Vec<_>>());
    let folders = [folder.path().to_path_buf()];

    // Each winner is removed in turn, so the next extension in the order must win.
    for expected in &files {
        assert_eq!(resolved_name("song", &folders), *expected);
        fs::remove_file(folder.path().join(expected)).unwrap();
    }
}

#[test]
fn the_file_as_named_wins_over_an_appended_extension() {
    let folder = corpus_with(&["bach/bwv1.6", "bach/bwv1.6.mxl"]);
    assert_eq!(
        resolved_name("bach/bwv1.6", &[folder.path().to_path_buf()]),
        "bach/bwv1.6"
    );
}

#[test]
fn a_name_with_a_known_extension_gets_no_other_extension() {
    let folder = corpus_with(&["bach/x.xml.mxl"]);
    let result = resolve_in("bach/x.xml", &[folder.path().to_path_buf()]);
    assert!(
        matches!(result, Err(CorpusError::NotFound { .. })),
        "{result:?}"
    );
}

#[test]
fn an_earlier_folder_shadows_a_later_one_whatever_the_extension() {
    let first = corpus_with(&["bach/x.xml"]);
    let second = corpus_with(&["bach/x.mxl", "bach/y.mxl"]);
    let folders = [first.path().to_path_buf(), second.path().to_path_buf()];

    assert_eq!(resolved_name("bach/x", &folders), "bach/x.xml");
    let from_second = resolve_in("bach/y", &folders).unwrap();
    assert_eq!(
        from_second.origin,
        CorpusOrigin::Folder(second.path().join("bach/y.mxl"))
    );
}

#[test]
fn a_missing_folder_is_skipped() {
    let folder = corpus_with(&["bach/x.mxl"]);
    let folders = [folder.path().join("not-there"), folder.path().to_path_buf()];
    assert_eq!(resolved_name("bach/x", &folders), "bach/x.mxl");
}

#[test]
fn a_leading_corpus_component_is_optional_but_a_real_corpus_folder_wins() {
    let folder = corpus_with(&["bach/x.mxl"]);
    let folders = [folder.path().to_path_buf()];
    assert_eq!(resolved_name("corpus/bach/x", &folders), "bach/x.mxl");

    write(folder.path(), "corpus/bach/x.mxl", b"nested");
    assert_eq!(
        resolved_name("corpus/bach/x", &folders),
        "corpus/bach/x.mxl"
    );
}

#[test]
fn a_bare_file_name_is_found_in_a_subfolder_preferring_the_extension_order() {
    let folder = corpus_with(&["a-midi/bwv1.6.mid", "bach/bwv1.6.mxl", "bach/bwv2.mxl"]);
    let folders = [folder.path().to_path_buf()];

    assert_eq!(resolved_name("bwv1.6", &folders), "bach/bwv1.6.mxl");
    assert_eq!(resolved_name("bwv1.6.mid", &folders), "a-midi/bwv1.6.mid");
    assert_eq!(resolved_name("bwv2", &folders), "bach/bwv2.mxl");
}

#[test]
fn builtin_pieces_resolve_before_the_folders_by_prefixed_or_bare_name() {
    let folder = corpus_with(&["old-hundredth.musicxml", "builtin/twinkle.musicxml"]);
    let folders = [folder.path().to_path_buf()];

    for name in [
        "old-hundredth",
        "builtin/twinkle",
        "corpus/builtin/twinkle.musicxml",
    ] {
        let entry = resolve_in(name, &folders).unwrap();
        assert_eq!(entry.origin, CorpusOrigin::Builtin, "{name}");
    }
    let entry = resolve_in("builtin/twinkle", &[]).unwrap();
    assert_eq!(entry.file_name, "twinkle.musicxml");
    assert_eq!(entry.bytes, builtin_pieces()[1].bytes);
}

#[test]
fn unsafe_names_are_refused_before_any_lookup() {
    let folder = corpus_with(&["bach/x.mxl"]);
    let inside = folder.path().join("bach");
    let folders = [inside];

    let parent = resolve_in("../bach/x", &folders);
    assert!(
        matches!(parent, Err(CorpusError::ParentComponent { .. })),
        "{parent:?}"
    );
    let absolute = folder.path().join("bach/x.mxl").display().to_string();
    let absolute = resolve_in(&absolute, &folders);
    assert!(
        matches!(absolute, Err(CorpusError::AbsolutePath { .. })),
        "{absolute:?}"
    );
    assert!(matches!(
        resolve_in("", &folders),
        Err(CorpusError::EmptyName)
    ));
    assert!(matches!(
        resolve_in("x\0", &folders),
        Err(CorpusError::NulByte { .. })
    ));
}

#[test]
fn files_above_the_size_limit_are_refused_and_files_at_it_are_read() {
    let folder = tempfile::tempdir().unwrap();
    write(folder.path(), "big.mxl", &[b'x'; 11]);
    write(folder.path(), "fits.mxl", &[b'x'; 10]);
    let corpus = Corpus::new(vec![folder.path().to_path_buf()]).with_max_file_bytes(10);

    match corpus.resolve("big") {
        Err(CorpusError::TooLarge {
            size: 11,
            limit: 10,
            ..
        }) => {}
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert_eq!(corpus.resolve("fits").unwrap().bytes.len(), 10);
    let message = corpus.resolve("big").unwrap_err().to_string();
    assert!(message.contains("over the limit of 10 bytes"), "{message}");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_leading_out_of_the_folder_is_not_read() {
    let outside = corpus_with(&["secret.mxl"]);
    let folder = corpus_with(&["bach/real.mxl"]);
    let link = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, folder.path().join(name)).expect("symlink");
    };
    link(&outside.path().join("secret.mxl"), "bach/escape.mxl");
    link(&folder.path().join("bach/real.mxl"), "bach/alias.mxl");
    let folders = [folder.path().to_path_buf()];

    let escape = resolve_in("bach/escape", &folders);
    assert!(
        matches!(escape, Err(CorpusError::OutsideFolder { .. })),
        "{escape:?}"
    );
    assert_eq!(
        resolve_in("bach/alias", &folders).unwrap().bytes,
        b"bach/real.mxl"
    );
}

#[test]
fn a_directory_is_not_a_score_and_its_scores_are_suggested() {
    let folder = corpus_with(&["bach/bwv1.6.mxl", "bach/bwv2.6.mxl"]);
    let err = resolve_in("bach", &[folder.path().to_path_buf()]).unwrap_err();

    match &err {
        CorpusError::NotFound { suggestions, .. } => {
            assert_eq!(suggestions, &["bach/bwv1.6.mxl", "bach/bwv2.6.mxl"]);
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[test]
fn not_found_without_folders_names_the_variable_the_builtin_pieces_and_what_to_try() {
    let message = resolve_in("bach/bwv66.6", &[]).unwrap_err().to_string();

    assert!(
        message.starts_with("no corpus score named \"bach/bwv66.6\""),
        "{message}"
    );
    assert!(
        message.contains("MUSIC_MCP_CORPUS is unset or empty"),
        "{message}"
    );
    for piece in builtin_pieces() {
        assert!(message.contains(piece.name), "{message}");
    }
    assert!(
        message.contains("set MUSIC_MCP_CORPUS=/path/to/music21/corpus"),
        "{message}"
    );
    assert!(message.contains("source_type=file"), "{message}");
}

#[test]
fn not_found_lists_each_folder_marks_missing_ones_and_suggests_similar_names() {
    let folder = corpus_with(&["bach/bwv66.6.mxl", "bach/bwv1.6.mxl"]);
    let missing = folder.path().join("missing");
    let folders = [folder.path().to_path_buf(), missing.clone()];
    let err = resolve_in("bach/BWV66", &folders).unwrap_err();
    let message = err.to_string();

    assert!(
        message.contains(&folder.path().display().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&format!("{} (missing)", missing.display())),
        "{message}"
    );
    assert!(
        message.contains(".mxl, .musicxml, .xml, .krn, .abc, .mid, .midi"),
        "{message}"
    );
    assert!(
        message.contains("names that exist: bach/bwv66.6.mxl"),
        "{message}"
    );
    assert!(!message.contains("bwv1.6"), "{message}");
    assert!(
        message.contains("add the folder that holds the score"),
        "{message}"
    );
}

#[test]
fn list_in_names_score_files_in_order_without_duplicates_up_to_the_limit() {
    let first = corpus_with(&["b/y.mxl", "a.krn", "notes.txt", ".hidden/z.mxl", "b/.x.mxl"]);
    let second = corpus_with(&["a.krn", "c.abc"]);
    let folders = [first.path().to_path_buf(), second.path().to_path_buf()];

    assert_eq!(list_in(&folders, 10), ["a.krn", "b/y.mxl", "c.abc"]);
    assert_eq!(list_in(&folders, 2), ["a.krn", "b/y.mxl"]);
    assert!(list_in(&folders, 0).is_empty());
}

#[test]
fn every_listed_name_resolves_to_itself() {
    let folder = corpus_with(&["bach/bwv1.6.mxl", "essen/song.abc", "x.musicxml"]);
    let folders = [folder.path().to_path_buf()];
    for name in list_in(&folders, 100) {
        assert_eq!(resolved_name(&name, &folders), name);
    }
}

#[test]
fn corpus_list_starts_with_the_builtin_pieces_then_the_folders() {
    let folder = corpus_with(&["bach/bwv1.6.mxl"]);
    let corpus = Corpus::new(vec![folder.path().to_path_buf()]);
    let names = corpus.list(100);

    let builtin: Vec<_> = builtin_pieces().iter().map(|piece| piece.name).collect();
    assert_eq!(names[..builtin.len()], builtin[..]);
    assert_eq!(names[builtin.len()..], ["bach/bwv1.6.mxl"]);
    assert_eq!(corpus.list(2).len(), 2);
}

#[cfg(unix)]
#[test]
fn the_folder_list_is_split_on_colons_and_empty_entries_are_ignored() {
    let folders = parse_folder_list(OsStr::new(":/a/corpus::../shared/corpus:"));
    assert_eq!(
        folders,
        [
            PathBuf::from("/a/corpus"),
            PathBuf::from("../shared/corpus")
        ]
    );
    assert!(parse_folder_list(OsStr::new("")).is_empty());
}

/// The real music21 corpus copy beside the crate, when present.
#[test]
fn the_shared_corpus_resolves_bach_chorales_with_and_without_extension() {
    let shared = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !shared.is_dir() {
        eprintln!("SKIPPED: ../shared/corpus not found ({})", shared.display());
        return;
    }
    let folders = [shared.clone()];

    // bwv66.6 is the usual music21 example; the shared copy may hold only other chorales.
    let chorale = if shared.join("bach/bwv66.6.mxl").is_file() {
        "bach/bwv66.6"
    } else {
        eprintln!("NOTE: ../shared/corpus has no bach/bwv66.6.mxl; testing bach/bwv1.6 instead");
        "bach/bwv1.6"
    };
    let with_extension = format!("{chorale}.mxl");
    for name in [chorale, with_extension.as_str()] {
        let entry = resolve_in(name, &folders).unwrap();
        assert_eq!(entry.name, with_extension);
        assert!(
            entry.bytes.starts_with(b"PK"),
            "{name} is not a compressed MusicXML file"
        );
        assert_eq!(
            entry.origin,
            CorpusOrigin::Folder(shared.join(&with_extension))
        );
    }

    // A bare name finds the chorale, not the MIDI file music21 wrote from it.
    let bare = chorale.trim_start_matches("bach/");
    assert_eq!(resolved_name(bare, &folders), with_extension);
    assert_eq!(
        resolved_name(&format!("corpus/{chorale}"), &folders),
        with_extension
    );
    assert!(list_in(&folders, 1000).contains(&with_extension));
}

#[test]
fn every_builtin_piece_is_read_by_the_musicxml_reader_in_its_intended_key() {
    let intended = [
        ("builtin/old-hundredth", "G major"),
        ("builtin/twinkle", "C major"),
        ("builtin/minuet-in-d-minor", "D minor"),
        ("builtin/au-clair-de-la-lune", "C major"),
        ("builtin/ode-to-joy", "D major"),
    ];
    let names: Vec<_> = builtin_pieces().iter().map(|piece| piece.name).collect();
    assert_eq!(names, intended.map(|(name, _)| name));

    let limits = crate::music::read::ReadLimits::default();
    for (name, key) in intended {
        let entry = resolve_in(name, &[]).unwrap();
        let score = crate::music::read::read_bytes(&entry.bytes, Some(&entry.file_name), &limits)
            .unwrap_or_else(|err| panic!("{name} is not readable: {err}"));
        let record = crate::music::record::analysis_record(&score);
        assert_eq!(record["key_analysis"]["analyze_key"]["name"], key, "{name}");
    }
}
