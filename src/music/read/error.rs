//! Why a score file could not be read.
//!
//! Every message names what was wrong and what to try, so a tool can pass it to the user as is.

use std::fmt;
use std::path::PathBuf;

/// A reader limit from [`super::ReadLimits`], named so errors can say which one to raise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// `ReadLimits::max_file_bytes`.
    FileBytes,
    /// `ReadLimits::max_zip_entries`.
    ZipEntries,
    /// `ReadLimits::max_unzipped_bytes`.
    UnzippedBytes,
    /// `ReadLimits::max_parts`.
    Parts,
    /// `ReadLimits::max_events`.
    Events,
    /// `ReadLimits::max_xml_depth`.
    XmlDepth,
    /// `ReadLimits::max_tunes`.
    Tunes,
    /// `ReadLimits::max_line_bytes`.
    LineBytes,
    /// `ReadLimits::max_spines`.
    Spines,
}

impl Limit {
    /// The `ReadLimits` field that sets this limit.
    pub fn field(self) -> &'static str {
        match self {
            Limit::FileBytes => "max_file_bytes",
            Limit::ZipEntries => "max_zip_entries",
            Limit::UnzippedBytes => "max_unzipped_bytes",
            Limit::Parts => "max_parts",
            Limit::Events => "max_events",
            Limit::XmlDepth => "max_xml_depth",
            Limit::Tunes => "max_tunes",
            Limit::LineBytes => "max_line_bytes",
            Limit::Spines => "max_spines",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Limit::FileBytes => "file size in bytes",
            Limit::ZipEntries => "number of entries in the .mxl archive",
            Limit::UnzippedBytes => "uncompressed size of the .mxl content in bytes",
            Limit::Parts => "number of parts",
            Limit::Events => "number of notes, chords and rests",
            Limit::XmlDepth => "XML nesting depth",
            Limit::Tunes => "number of tunes in the ABC file",
            Limit::LineBytes => "length of a line in bytes",
            Limit::Spines => "number of Humdrum spines",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what())
    }
}

/// Why a score could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The path does not exist.
    #[error("no such file: {}; check the path, or use source_type=corpus for corpus \
        names", .path.display())]
    NotFound {
        /// The path that was asked for.
        path: PathBuf,
    },
    /// The path exists but could not be read.
    #[error("cannot read {}: {source}; check that it is a readable file, not a \
        directory", .path.display())]
    Unreadable {
        /// The path that was asked for.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The content is neither MusicXML nor a compressed .mxl archive.
    #[error(
        "does not look like MusicXML: {detail}; expected <score-partwise> (.xml, .musicxml) or a \
            .mxl archive"
    )]
    NotMusicXml {
        /// What was found instead.
        detail: String,
    },
    /// The XML is malformed or cut short.
    #[error(
        "malformed XML at line {line} (byte {byte}): {detail}; the file may be truncated or \
            corrupt, try exporting it again"
    )]
    MalformedXml {
        /// 1-based line of the fault.
        line: u64,
        /// 0-based byte offset of the fault in the (decoded) XML text.
        byte: u64,
        /// What the parser found.
        detail: String,
    },
    /// The .mxl file is not a readable zip archive.
    #[error(
        "not a readable .mxl archive: {detail}; re-export the score as .mxl or as uncompressed \
            .musicxml"
    )]
    BadArchive {
        /// What went wrong while unzipping.
        detail: String,
    },
    /// The .mxl archive holds no MusicXML document.
    #[error(
        "the .mxl archive contains no MusicXML file; expected META-INF/container.xml to name one, \
            or an .xml/.musicxml entry"
    )]
    NoMusicXmlInArchive,
    /// The content is in no format this server reads.
    #[error(
        "cannot tell the score format: {detail}; expected MusicXML (.xml, .musicxml, .mxl), ABC \
            (.abc), Humdrum **kern (.krn) or MIDI (.mid)"
    )]
    UnknownFormat {
        /// What was found instead.
        detail: String,
    },
    /// The format was recognised but no reader for it is built in yet.
    #[error("{format} files cannot be read yet; convert the score to MusicXML, ABC or Humdrum")]
    FormatUnsupported {
        /// The format's name.
        format: &'static str,
    },
    /// The ABC text could not be read.
    #[error("malformed ABC: {detail}; check the tune's header (X:, M:, L:, K:) and its notes")]
    BadAbc {
        /// What was wrong.
        detail: String,
    },
    /// The Humdrum text could not be read.
    #[error("malformed Humdrum: {detail}; check the **kern spines and their interpretations")]
    BadHumdrum {
        /// What was wrong, with the line number when known.
        detail: String,
    },
    /// The MIDI data could not be read.
    #[error("not a readable MIDI file: {detail}; export the score again as a standard MIDI file")]
    BadMidi {
        /// What went wrong.
        detail: String,
    },
    /// An ABC file has no tune with the requested `X:` number.
    #[error("the ABC file has no tune X:{requested}; its tunes are X:{available}")]
    TuneNotFound {
        /// The requested reference number.
        requested: u32,
        /// The reference numbers the file has, comma separated.
        available: String,
    },
    /// A configured limit was exceeded.
    #[error("the {limit} exceeds the limit of {max} (found {found}); raise ReadLimits::{} if the \
        file is trusted", .limit.field())]
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// The configured maximum.
        max: u64,
        /// What was found (at least this much).
        found: u64,
    },
    /// The score has no parts with measures.
    #[error(
        "the score is empty: no <part> with measures was found; check that the file is a complete \
            score"
    )]
    EmptyScore,
}

impl ReadError {
    /// A `LimitExceeded` error.
    pub fn limit(limit: Limit, max: u64, found: u64) -> ReadError {
        ReadError::LimitExceeded { limit, max, found }
    }
}
