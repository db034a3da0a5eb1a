//! `export_score`: a stored score as MusicXML, compressed MusicXML, MIDI, ABC or a text
//! listing, returned inline and, on request, written into the export folder.
//!
//! Text formats come back as text, binary ones (`mxl`, `midi`) as bytes that the server sends
//! as an MCP embedded resource. A `path` names a file inside `Services::export_dir`; absolute
//! paths, `..` and symbolic links that lead out of the folder are refused.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actor::blocking;
use super::{Services, Tool, ToolError, ToolErrorKind};
use crate::music::abc_write::write_abc;
use crate::music::midi::{first_note_outside_midi, write_midi};
use crate::music::model::Score;
use crate::music::musicxml_write::{write_musicxml, write_mxl};
use crate::music::text_listing::text_listing;

/// Arguments of `export_score`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct ExportScoreArgs {
    /// The id of a stored score.
    pub score_id: String,
    /// `musicxml` (uncompressed MusicXML 4.0), `mxl` (compressed MusicXML), `midi`, `abc` or
    /// `text` (one line per note, chord or rest).
    pub format: String,
    /// Also write the export to this file, relative to the server's export folder (for example
    /// `chorales/bwv66.6.musicxml`); the format's extension is added when the name has none.
    #[serde(default)]
    pub path: Option<String>,
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Uncompressed MusicXML.
    MusicXml,
    /// Compressed MusicXML (`.mxl`).
    Mxl,
    /// Standard MIDI File.
    Midi,
    /// ABC notation.
    Abc,
    /// The plain-text listing.
    Text,
}

impl ExportFormat {
    /// Every format, in the order error messages list them.
    pub const ALL: [ExportFormat; 5] = [
        ExportFormat::MusicXml,
        ExportFormat::Mxl,
        ExportFormat::Midi,
        ExportFormat::Abc,
        ExportFormat::Text,
    ];

    /// The name clients pass.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::MusicXml => "musicxml",
            ExportFormat::Mxl => "mxl",
            ExportFormat::Midi => "midi",
            ExportFormat::Abc => "abc",
            ExportFormat::Text => "text",
        }
    }

    /// The format for a name (case-insensitive; `xml`, `mid` and `txt` are accepted too).
    pub fn from_name(name: &str) -> Option<ExportFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "musicxml" | "xml" => Some(ExportFormat::MusicXml),
            "mxl" => Some(ExportFormat::Mxl),
            "midi" | "mid" => Some(ExportFormat::Midi),
            "abc" => Some(ExportFormat::Abc),
            "text" | "txt" => Some(ExportFormat::Text),
            _ => None,
        }
    }

    /// The MIME type of the content.
    pub fn mime_type(self) -> &'static str {
        match self {
            ExportFormat::MusicXml => "application/vnd.recordare.musicxml+xml",
            ExportFormat::Mxl => "application/vnd.recordare.musicxml",
            ExportFormat::Midi => "audio/midi",
            ExportFormat::Abc => "text/vnd.abc",
            ExportFormat::Text => "text/plain",
        }
    }

    /// The file extension, without its dot.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::MusicXml => "musicxml",
            ExportFormat::Mxl => "mxl",
            ExportFormat::Midi => "mid",
            ExportFormat::Abc => "abc",
            ExportFormat::Text => "txt",
        }
    }
}

/// The exported content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportContent {
    /// Text formats.
    Text(String),
    /// Binary formats.
    Binary(Vec<u8>),
}

impl ExportContent {
    /// The bytes to store or send.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            ExportContent::Text(text) => text.as_bytes(),
            ExportContent::Binary(bytes) => bytes,
        }
    }
}

/// The structured summary of an export.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ExportSummary {
    /// The id asked for.
    pub score_id: String,
    /// The format written.
    pub format: String,
    /// Its MIME type.
    pub mime_type: String,
    /// Size of the content in bytes.
    pub size_bytes: u64,
    /// `text` when the content is returned as text, `base64` when as an embedded blob.
    pub encoding: String,
    /// The file written, relative to the export folder, when a path was given.
    pub path: Option<String>,
}

/// What `export_score` returns: a summary and the content itself.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ExportScoreResult {
    /// The summary (the structured part of the reply).
    #[serde(flatten)]
    pub summary: ExportSummary,
    /// The content (sent as text content or as an embedded resource, not as JSON).
    #[serde(skip)]
    pub content: ExportContent,
}

/// The `export_score` tool.
pub struct ExportScore;

impl Tool for ExportScore {
    const NAME: &'static str = "export_score";
    const RETRY_SAFE: bool = true;
    type Args = ExportScoreArgs;
    type Output = ExportScoreResult;

    async fn run(
        services: Arc<Services>,
        args: ExportScoreArgs,
    ) -> Result<ExportScoreResult, ToolError> {
        let format = parse_format(&args.format)?;
        let relative = args
            .path
            .as_deref()
            .map(checked_relative_path)
            .transpose()?;
        blocking(move || {
            let score = services.load_score(&args.score_id)?;
            let content = export(&score, format)?;
            let path = match relative {
                Some(relative) => {
                    let relative = with_extension(relative, format)?;
                    write_export(&services.export_dir, &relative, content.as_bytes())?;
                    Some(relative.to_string_lossy().into_owned())
                }
                None => None,
            };
            let encoding = match content {
                ExportContent::Text(_) => "text",
                ExportContent::Binary(_) => "base64",
            };
            Ok(ExportScoreResult {
                summary: ExportSummary {
                    score_id: args.score_id,
                    format: format.name().to_string(),
                    mime_type: format.mime_type().to_string(),
                    size_bytes: content.as_bytes().len() as u64,
                    encoding: encoding.to_string(),
                    path,
                },
                content,
            })
        })
        .await
    }
}

/// The score in a format.
pub fn export(score: &Score, format: ExportFormat) -> Result<ExportContent, ToolError> {
    Ok(match format {
        ExportFormat::MusicXml => ExportContent::Text(write_musicxml(score)),
        ExportFormat::Mxl => ExportContent::Binary(
            write_mxl(score).map_err(|err| ToolError::internal(err.to_string()))?,
        ),
        ExportFormat::Midi => {
            if let Some(note) = first_note_outside_midi(score) {
                return Err(ToolError::invalid(format!(
                    "cannot write MIDI: {note}; transpose the score into range first, or \
                     export it as musicxml, which has no such limit"
                )));
            }
            ExportContent::Binary(write_midi(score))
        }
        ExportFormat::Abc => ExportContent::Text(write_abc(score)),
        ExportFormat::Text => ExportContent::Text(text_listing(score)),
    })
}

fn parse_format(name: &str) -> Result<ExportFormat, ToolError> {
    ExportFormat::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = ExportFormat::ALL.iter().map(|f| f.name()).collect();
        ToolError::invalid(format!(
            "unknown export format '{name}'; use one of {}",
            known.join(", ")
        ))
    })
}

/// A path relative to the export folder: not absolute, no `..`, not empty.
fn checked_relative_path(requested: &str) -> Result<PathBuf, ToolError> {
    let path = Path::new(requested.trim());
    let hint = "give a relative file name such as 'bwv66.6.musicxml' or 'exports/song.mid'";
    if path.as_os_str().is_empty() {
        return Err(ToolError::invalid(format!(
            "the export path is empty; {hint}"
        )));
    }
    if path.is_absolute() || path.has_root() {
        return Err(ToolError::invalid(format!(
            "the export path '{requested}' is absolute; files are written only inside the \
             export folder, so {hint}"
        )));
    }
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(ToolError::invalid(format!(
                    "the export path '{requested}' leaves the export folder; {hint}"
                )));
            }
        }
    }
    if clean.as_os_str().is_empty() {
        return Err(ToolError::invalid(format!(
            "the export path '{requested}' names no file; {hint}"
        )));
    }
    Ok(clean)
}

/// Gives the file name the format's extension. A name ending in an extension of this format
/// is kept; any other ending (`bwv1.6`, `song.v2`) gets the extension added, so exports of one
/// score in several formats never overwrite each other; an extension of another format is
/// refused rather than written with content that does not match it.
fn with_extension(path: PathBuf, format: ExportFormat) -> Result<PathBuf, ToolError> {
    let Some(extension) = path.extension().map(|e| e.to_string_lossy().into_owned()) else {
        return Ok(path.with_extension(format.extension()));
    };
    match ExportFormat::from_name(&extension) {
        Some(named) if named == format => Ok(path),
        Some(named) => Err(ToolError::invalid(format!(
            "the export path '{}' ends in .{extension}, a {} file, but the format asked for is \
             {}; end the name in .{} or leave the extension out",
            path.display(),
            named.name(),
            format.name(),
            format.extension()
        ))),
        None => {
            let mut name = path.into_os_string();
            name.push(".");
            name.push(format.extension());
            Ok(PathBuf::from(name))
        }
    }
}

/// Writes the bytes at `relative` inside `folder`, refusing anything that resolves outside
/// it (a symbolic link on the way, or in place of the file).
pub fn write_export(folder: &Path, relative: &Path, bytes: &[u8]) -> Result<PathBuf, ToolError> {
    let io_error = |what: &str, err: std::io::Error| {
        ToolError::new(
            ToolErrorKind::Unavailable,
            format!("cannot {what} in the export folder ({err}); check its permissions and space"),
        )
    };
    std::fs::create_dir_all(folder).map_err(|e| io_error("create the folder", e))?;
    let root = folder
        .canonicalize()
        .map_err(|e| io_error("resolve the folder", e))?;
    let target = root.join(relative);
    let parent = target.parent().unwrap_or(&root).to_path_buf();
    std::fs::create_dir_all(&parent).map_err(|e| io_error("create a subfolder", e))?;
    let real_parent = parent
        .canonicalize()
        .map_err(|e| io_error("resolve a subfolder", e))?;
    let escapes = ToolError::invalid(format!(
        "the export path '{}' leads outside the export folder through a symbolic link; choose \
         another name",
        relative.display()
    ));
    if !real_parent.starts_with(&root) {
        return Err(escapes);
    }
    let file = real_parent.join(target.file_name().unwrap_or_default());
    if std::fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(escapes);
    }
    std::fs::write(&file, bytes).map_err(|e| io_error("write the file", e))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::musicxml::read_bytes;
    use crate::music::read::ReadLimits;

    fn score() -> Score {
        let xml = "<score-partwise><part-list><score-part id=\"P1\"/></part-list><part id=\"P1\">\
            <measure number=\"1\"><attributes><divisions>1</divisions></attributes>\
            <note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration></note>\
            </measure></part></score-partwise>";
        read_bytes(xml.as_bytes(), None, &ReadLimits::default()).unwrap()
    }

    #[test]
    fn every_format_exports_and_binary_ones_are_bytes() {
        let score = score();
        for format in ExportFormat::ALL {
            let content = export(&score, format).unwrap();
            assert!(!content.as_bytes().is_empty(), "{format:?}");
            let binary = matches!(format, ExportFormat::Mxl | ExportFormat::Midi);
            assert_eq!(
                matches!(content, ExportContent::Binary(_)),
                binary,
                "{format:?}"
            );
        }
    }

    #[test]
    fn an_unknown_format_lists_the_supported_ones() {
        let err = parse_format("pdf").unwrap_err();
        assert_eq!(err.kind, ToolErrorKind::InvalidInput);
        assert!(
            err.message.contains("musicxml, mxl, midi, abc, text"),
            "{}",
            err.message
        );
        assert_eq!(parse_format("MIDI").unwrap(), ExportFormat::Midi);
    }

    #[test]
    fn absolute_and_parent_paths_are_refused() {
        for bad in [
            "/etc/passwd",
            "../outside.mid",
            "a/../../b.mid",
            "",
            "  ",
            ".",
        ] {
            let err = checked_relative_path(bad).unwrap_err();
            assert_eq!(err.kind, ToolErrorKind::InvalidInput, "{bad}");
        }
        assert_eq!(
            checked_relative_path("./songs/a.mid").unwrap(),
            PathBuf::from("songs/a.mid")
        );
    }

    #[test]
    fn a_dotted_score_id_gets_the_extension_of_each_format_so_exports_do_not_collide() {
        let named = |format| with_extension(PathBuf::from("out/bwv1.6"), format).unwrap();
        assert_eq!(named(ExportFormat::Midi), PathBuf::from("out/bwv1.6.mid"));
        assert_eq!(named(ExportFormat::Text), PathBuf::from("out/bwv1.6.txt"));
        let kept = with_extension(PathBuf::from("a.xml"), ExportFormat::MusicXml).unwrap();
        assert_eq!(kept, PathBuf::from("a.xml"));
        let clash = with_extension(PathBuf::from("a.mid"), ExportFormat::Abc).unwrap_err();
        assert!(clash.message.contains("ends in .mid"), "{}", clash.message);
    }

    #[test]
    fn midi_export_refuses_notes_outside_its_range_and_names_the_first() {
        let mut high = score();
        for part in &mut high.parts {
            for measure in &mut part.measures {
                for event in measure.voices.iter_mut().flat_map(|v| v.events.iter_mut()) {
                    if let crate::music::model::EventKind::Note(pitch) = &mut event.kind {
                        pitch.octave = 50;
                    }
                }
            }
        }
        let err = export(&high, ExportFormat::Midi).unwrap_err();
        assert!(
            err.message.contains("outside MIDI's range"),
            "{}",
            err.message
        );
        assert!(export(&high, ExportFormat::MusicXml).is_ok());
    }

    #[test]
    fn files_are_written_inside_the_folder_with_the_format_extension() {
        let dir = tempfile::tempdir().unwrap();
        let relative = with_extension(PathBuf::from("sub/song"), ExportFormat::Midi).unwrap();
        let written = write_export(dir.path(), &relative, b"MThd").unwrap();
        assert!(written.ends_with("sub/song.mid"));
        assert_eq!(std::fs::read(written).unwrap(), b"MThd");
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_out_of_the_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let folder = dir.path().join("exports");
        std::fs::create_dir_all(&folder).unwrap();
        std::os::unix::fs::symlink(outside.path(), folder.join("out")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("f.mid"), folder.join("f.mid")).unwrap();
        for relative in ["out/song.mid", "f.mid"] {
            let err = write_export(&folder, Path::new(relative), b"x").unwrap_err();
            assert!(err.message.contains("symbolic link"), "{}", err.message);
        }
        assert!(std::fs::read_dir(outside.path()).unwrap().next().is_none());
    }
}
