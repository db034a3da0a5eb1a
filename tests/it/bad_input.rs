//! Bad input gets a tool error that names the problem and what to do; the server keeps
//! serving and the store is unchanged.

use std::io::Write;

use serde_json::json;

use crate::common::{call, serve_binary};

#[tokio::test]
async fn every_kind_of_bad_input_gets_a_clear_tool_error_and_changes_nothing() {
    // Only the built-in corpus is used, so this runs with or without ../shared.
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = files.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(bytes)
            .unwrap();
        path.to_str().unwrap().to_string()
    };
    let xml = "<?xml version=\"1.0\"?><score-partwise version=\"4.0\"><part-list><score-part id=\"P1\"><part-name>x</part-name></score-part></part-list><part id=\"P1\"><measure number=\"1\"><attributes><divisions>1</divisions></attributes><note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration></note></measure></part></score-partwise>";
    let not_music = write("notes.txt", b"just some words, not a score\n");
    let truncated = write("truncated.musicxml", &xml.as_bytes()[..xml.len() / 2]);
    let zip_not_music = {
        let mut buffer = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buffer);
        zip.start_file("readme.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"hello").unwrap();
        zip.finish().unwrap();
        write("not-music.mxl", buffer.get_ref())
    };
    let missing = files
        .path()
        .join("missing.mxl")
        .to_str()
        .unwrap()
        .to_string();

    let served = serve_binary(data.path(), None).await;
    let client = &served.client;
    call(
        client,
        "import_score",
        json!({"score_id": "kept", "source": "builtin/old-hundredth", "source_type": "corpus"}),
    )
    .await
    .unwrap();
    let silent = "<?xml version=\"1.0\"?><score-partwise version=\"4.0\"><part-list><score-part id=\"P1\"><part-name>x</part-name></score-part></part-list><part id=\"P1\"><measure number=\"1\"><attributes><divisions>1</divisions></attributes><note><rest/><duration>4</duration></note></measure></part></score-partwise>";
    call(
        client,
        "import_score",
        json!({"score_id": "silent", "source": silent, "source_type": "text"}),
    )
    .await
    .unwrap();
    let before = call(client, "list_scores", json!({})).await.unwrap();

    let import = |id: &str, source: &str, kind: &str| json!({"score_id": id, "source": source, "source_type": kind});
    let cases = [
        (
            "missing file",
            "import_score",
            import("a", &missing, "file"),
            vec!["missing.mxl"],
        ),
        (
            "not music",
            "import_score",
            import("b", &not_music, "file"),
            vec!["musicxml"],
        ),
        (
            "truncated xml",
            "import_score",
            import("c", &truncated, "file"),
            vec!["truncated"],
        ),
        (
            "zip without musicxml",
            "import_score",
            import("d", &zip_not_music, "file"),
            vec!["contains no musicxml"],
        ),
        (
            "unknown corpus name",
            "import_score",
            import("e", "bach/no-such-chorale", "corpus"),
            vec!["no-such-chorale"],
        ),
        (
            "unknown score_id",
            "key_analysis",
            json!({"score_id": "nope"}),
            vec!["nope", "list_scores"],
        ),
        (
            "unknown score_id for info",
            "score_info",
            json!({"score_id": "nope"}),
            vec!["nope"],
        ),
        (
            "unknown score_id for delete",
            "delete_score",
            json!({"score_id": "nope"}),
            vec!["nope"],
        ),
        (
            "empty score_id",
            "import_score",
            import("", "builtin/old-hundredth", "corpus"),
            vec!["empty"],
        ),
        (
            "existing score_id",
            "import_score",
            import("kept", "builtin/twinkle", "corpus"),
            vec!["kept", "already exists"],
        ),
        (
            "unknown key method",
            "key_analysis",
            json!({"score_id": "kept", "method": "astrology"}),
            vec!["astrology", "aarden_essen"],
        ),
        (
            "measure range outside the score",
            "chord_analysis",
            json!({"score_id": "kept", "start_measure": 400, "end_measure": 410}),
            vec!["400-410", "this score has measures"],
        ),
        (
            "reversed measure range",
            "chord_analysis",
            json!({"score_id": "kept", "start_measure": 5, "end_measure": 2}),
            vec!["start_measure 5 is after end_measure 2"],
        ),
        (
            "unknown analysis type",
            "harmony_analysis",
            json!({"score_id": "kept", "analysis_type": "astrology"}),
            vec!["astrology", "roman", "functional", "cadences"],
        ),
        (
            "no notes for a key",
            "key_analysis",
            json!({"score_id": "silent"}),
            vec!["notes"],
        ),
        (
            "no notes for harmony",
            "harmony_analysis",
            json!({"score_id": "silent"}),
            vec!["silent", "no pitched notes"],
        ),
        (
            "unknown export format",
            "export_score",
            json!({"score_id": "kept", "format": "pdf"}),
            vec!["pdf", "musicxml", "midi", "abc"],
        ),
        (
            "export path outside the folder",
            "export_score",
            json!({"score_id": "kept", "format": "musicxml", "path": "../escape.musicxml"}),
            vec!["leaves the export folder"],
        ),
        (
            "bad transposition interval",
            "transpose_score",
            json!({"score_id": "kept", "interval": "Q9", "new_score_id": "kept_up"}),
            vec!["q9"],
        ),
    ];
    for (what, tool, args, needles) in cases {
        let err = call(client, tool, args).await.expect_err(what);
        let lower = err.to_lowercase();
        for needle in needles {
            assert!(
                lower.contains(&needle.to_lowercase()),
                "{what}: '{err}' does not mention '{needle}'"
            );
        }
    }

    // Still serving, store unchanged.
    let after = call(client, "list_scores", json!({})).await.unwrap();
    assert_eq!(after, before);
    let health = call(client, "health_check", json!({})).await.unwrap();
    assert_eq!(health["status"], "ok");
    served.client.cancel().await.unwrap();
}
