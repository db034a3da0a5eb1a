//! The MCP face of the server: the only code that knows rmcp.
//!
//! `MusicServer` registers one MCP tool per [`crate::tools::Tool`]; each handler only decodes
//! arguments (rmcp does that), hands them to the runtime's retrying caller and shapes the reply.
//! No handler does real work, so none can panic: analysis runs inside supervised actors.
//!
//! The protocol beyond the tool methods lives in `server/`: `handler.rs` (capabilities,
//! resources, prompts, completion, logging), `tool_call.rs` (the span, progress and events
//! around every call), `http.rs` (the Streamable HTTP listener with health and metrics
//! routes), `conformance.rs` (the MCP conformance suite's fixtures, served only when asked for).

mod conformance;
mod context;
mod handler;
pub mod http;
pub mod in_flight;
mod prompts;
pub mod resources;
mod tool_call;

pub use context::{ResourceEvent, ServerContext, ServerOptions};
pub use tool_call::{CallScope, current_call};

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};
use tokio_util::sync::CancellationToken;

use crate::tools::analyze_style::{AnalyzeStyle, AnalyzeStyleArgs, AnalyzeStyleResult};
use crate::tools::check_counterpoint::{
    CheckCounterpoint, CheckCounterpointArgs, CheckCounterpointResult,
};
use crate::tools::chord_analysis::{ChordAnalysisArgs, ChordAnalysisResult, ChordAnalysisTool};
use crate::tools::delete_score::{DeleteScore, DeleteScoreArgs, DeleteScoreResult};
use crate::tools::export_score::{ExportContent, ExportScore, ExportScoreArgs, ExportScoreResult};
use crate::tools::generate_counterpoint::{
    GenerateCounterpoint, GenerateCounterpointArgs, GenerateCounterpointResult,
};
use crate::tools::generated::Generation;
use crate::tools::harmonize_melody::{HarmonizeMelody, HarmonizeMelodyArgs, HarmonizeMelodyResult};
use crate::tools::harmony_analysis::{
    HarmonyAnalysisArgs, HarmonyAnalysisResult, HarmonyAnalysisTool,
};
use crate::tools::health_check::{HealthCheck, HealthCheckArgs, HealthReport};
use crate::tools::imitate_style::{ImitateStyle, ImitateStyleArgs, ImitateStyleResult};
use crate::tools::import_score::{ImportRequest, ImportScore, ImportScoreArgs, ImportScoreResult};
use crate::tools::key_analysis::{KeyAnalysisArgs, KeyAnalysisResult, KeyAnalysisTool};
use crate::tools::list_scores::{ListScores, ListScoresArgs, ListScoresResult};
use crate::tools::list_tunes::{ListTunes, ListTunesArgs, ListTunesResult};
use crate::tools::pattern_recognition::{
    PatternRecognitionArgs, PatternRecognitionResult, PatternRecognitionTool,
};
use crate::tools::score_info::{ScoreInfoArgs, ScoreInfoResult, ScoreInfoTool};
use crate::tools::transpose_score::{
    TransposeRequest, TransposeScore, TransposeScoreArgs, TransposeScoreResult,
};
use crate::tools::voice_leading_analysis::{
    VoiceLeadingAnalysisArgs, VoiceLeadingAnalysisResult, VoiceLeadingAnalysisTool,
};
use crate::tools::{Runtime, Tool};

/// The rmcp server handler; cheap to clone (the runtime is shared).
#[derive(Clone)]
pub struct MusicServer {
    runtime: Arc<Runtime>,
    tool_router: ToolRouter<Self>,
    shared: Arc<ServerContext>,
    session: Arc<context::SessionState>,
}

#[tool_router]
impl MusicServer {
    /// A handler serving the tools of `runtime`.
    pub fn new(runtime: Arc<Runtime>) -> Self {
        Self::with_options(runtime, ServerOptions::default())
    }

    /// A handler serving the tools of `runtime`, with `options`.
    pub fn with_options(runtime: Arc<Runtime>, options: ServerOptions) -> Self {
        let mut tool_router = Self::tool_router();
        if options.conformance_fixtures {
            tool_router.merge(conformance::tools());
        }
        Self {
            runtime,
            tool_router,
            shared: Arc::new(ServerContext::new(options)),
            session: Arc::default(),
        }
    }

    /// A handler for a new MCP session: same runtime and shared state, fresh session state.
    pub fn for_session(&self) -> Self {
        Self {
            session: Arc::default(),
            ..self.clone()
        }
    }

    /// The runtime behind the tools.
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// State shared by every session: in-flight calls, resource events, options.
    pub fn shared(&self) -> &Arc<ServerContext> {
        &self.shared
    }

    async fn call<T: Tool>(
        &self,
        args: T::Args,
        ct: CancellationToken,
    ) -> Result<Json<T::Output>, String> {
        // The session of the `tools/call` being served (set by `tool_call::serve`), so the
        // runtime can apply per-session rate limits.
        let session = current_call().map(|call| call.session);
        self.runtime
            .call_in_session::<T>(args, &ct, session.as_deref())
            .await
            .result
            .map(Json)
            .map_err(|err| err.message)
    }

    /// Import a score (MusicXML .xml/.musicxml/.mxl, partwise or timewise; ABC; Humdrum
    /// **kern) from a file path, a corpus name such as 'bach/bwv1.6', or inline text, and
    /// store it durably under score_id. For an ABC file with several tunes, tune picks one by
    /// its X: number (see list_tunes); by default the lowest-numbered tune is read.
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false
    ))]
    async fn import_score(
        &self,
        Parameters(args): Parameters<ImportScoreArgs>,
        ct: CancellationToken,
    ) -> Result<Json<ImportScoreResult>, String> {
        let request = ImportRequest {
            args,
            idempotency_key: new_idempotency_key(),
        };
        self.call::<ImportScore>(request, ct).await
    }

    /// List every stored score with its title, composer, parts, measures and notes.
    #[tool(annotations(read_only_hint = true, idempotent_hint = true))]
    async fn list_scores(
        &self,
        Parameters(args): Parameters<ListScoresArgs>,
        ct: CancellationToken,
    ) -> Result<Json<ListScoresResult>, String> {
        self.call::<ListScores>(args, ct).await
    }

    /// List the tunes of an ABC file (file path, corpus name or ABC text): each tune's X:
    /// number, title, key and meter, and which one import_score reads by default. Pass a
    /// number as import_score's tune argument to import another tune.
    #[tool(annotations(read_only_hint = true, idempotent_hint = true))]
    async fn list_tunes(
        &self,
        Parameters(args): Parameters<ListTunesArgs>,
        ct: CancellationToken,
    ) -> Result<Json<ListTunesResult>, String> {
        self.call::<ListTunes>(args, ct).await
    }

    /// Facts about a stored score, named as in music21: parts (with note, chord and rest
    /// counts, ranges), time and key signatures, measure count, total duration, tempo.
    #[tool(annotations(read_only_hint = true, idempotent_hint = true))]
    async fn score_info(
        &self,
        Parameters(args): Parameters<ScoreInfoArgs>,
        ct: CancellationToken,
    ) -> Result<Json<ScoreInfoResult>, String> {
        self.call::<ScoreInfoTool>(args, ct).await
    }

    /// Delete a stored score.
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = false
    ))]
    async fn delete_score(
        &self,
        Parameters(args): Parameters<DeleteScoreArgs>,
        ct: CancellationToken,
    ) -> Result<Json<DeleteScoreResult>, String> {
        self.call::<DeleteScore>(args, ct).await
    }

    /// Find the key of a stored score as music21's analyze('key') does (Aarden-Essen
    /// weighting by default), with the correlation and the next four alternatives.
    #[tool(annotations(read_only_hint = true, idempotent_hint = true))]
    async fn key_analysis(
        &self,
        Parameters(args): Parameters<KeyAnalysisArgs>,
        ct: CancellationToken,
    ) -> Result<Json<KeyAnalysisResult>, String> {
        self.call::<KeyAnalysisTool>(args, ct).await
    }

    /// Name every chord of a stored score as music21 does: chordify (a chord at every onset
    /// across all parts), then root, bass, quality, common name, inversion, consonance and the
    /// Roman numeral in the analysed key. Lists every chord of the measure range (default: the
    /// whole score); page through long scores with start_measure and end_measure.
    #[tool(
        name = "chord_analysis",
        annotations(read_only_hint = true, idempotent_hint = true)
    )]
    async fn analyse_chords(
        &self,
        Parameters(args): Parameters<ChordAnalysisArgs>,
        ct: CancellationToken,
    ) -> Result<Json<ChordAnalysisResult>, String> {
        self.call::<ChordAnalysisTool>(args, ct).await
    }

    /// Harmony of a stored score in its analysed key: analysis_type "roman" (a Roman numeral
    /// per chord, as music21's romanNumeralFromChord), "functional" (tonic, predominant or
    /// dominant per chord) or "cadences" (authentic, half, plagal and deceptive cadences at
    /// fermatas, rests and the end).
    #[tool(
        name = "harmony_analysis",
        annotations(read_only_hint = true, idempotent_hint = true)
    )]
    async fn analyse_harmony(
        &self,
        Parameters(args): Parameters<HarmonyAnalysisArgs>,
        ct: CancellationToken,
    ) -> Result<Json<HarmonyAnalysisResult>, String> {
        self.call::<HarmonyAnalysisTool>(args, ct).await
    }

    /// Parallel and hidden fifths and octaves and voice crossings between every pair of parts
    /// (2 to 6; choose parts for bigger scores), as music21's VoiceLeadingQuartet finds them:
    /// counts per pair, and findings with measure, offset and the four pitches. Voice overlap,
    /// spacing wider than an octave between upper voices, and SATB ranges are reported apart.
    #[tool(
        name = "voice_leading_analysis",
        annotations(read_only_hint = true, idempotent_hint = true)
    )]
    async fn analyse_voice_leading(
        &self,
        Parameters(args): Parameters<VoiceLeadingAnalysisArgs>,
        ct: CancellationToken,
    ) -> Result<Json<VoiceLeadingAnalysisResult>, String> {
        self.call::<VoiceLeadingAnalysisTool>(args, ct).await
    }

    /// Recurring patterns of a stored score: pattern_type "melodic" (interval patterns, motifs
    /// inverted or in retrograde, real and tonal sequences), "rhythmic" (repeated durations),
    /// "harmonic" (repeated chord-root progressions), "both" (melodic and rhythmic, the
    /// default) or "all". Each occurrence has its measure numbers; lengths and caps are
    /// arguments.
    #[tool(
        name = "pattern_recognition",
        annotations(read_only_hint = true, idempotent_hint = true)
    )]
    async fn recognise_patterns(
        &self,
        Parameters(args): Parameters<PatternRecognitionArgs>,
        ct: CancellationToken,
    ) -> Result<Json<PatternRecognitionResult>, String> {
        self.call::<PatternRecognitionTool>(args, ct).await
    }

    /// Transpose a stored score by an interval ('M2', '-m3', 'P-4', 'A4', or semitones such as
    /// '3') with music21's spelling, key signatures included, and store the result under
    /// new_score_id (default '<score_id>_transposed').
    #[tool(
        name = "transpose_score",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false
        )
    )]
    async fn transpose_stored_score(
        &self,
        Parameters(args): Parameters<TransposeScoreArgs>,
        ct: CancellationToken,
    ) -> Result<Json<TransposeScoreResult>, String> {
        let request = TransposeRequest {
            args,
            idempotency_key: new_idempotency_key(),
        };
        self.call::<TransposeScore>(request, ct).await
    }

    /// Harmonise the melody (the first part) of a stored score in voice_parts voices (2 to 4,
    /// default 4), style 'chorale' (default), 'classical', 'jazz', 'pop' or 'modal', and store
    /// the result under new_score_id (default '<score_id>_harmonized'). Returns every chord
    /// (Roman numeral, symbol, function, cadence), the key or mode, the seed used and our own
    /// voice-leading report on the result.
    #[tool(
        name = "harmonize_melody",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false
        )
    )]
    async fn harmonize_stored_melody(
        &self,
        Parameters(args): Parameters<HarmonizeMelodyArgs>,
        ct: CancellationToken,
    ) -> Result<Json<HarmonizeMelodyResult>, String> {
        self.call::<HarmonizeMelody>(Generation::new(args), ct)
            .await
    }

    /// Write a species counterpoint (species 1 to 5, after Fux) above or below the cantus
    /// firmus in a stored score's first part (one note per measure), in its mode or the one
    /// given, and store the two parts under new_score_id. Returns the line, every rule with
    /// its violations by measure, and whether a line breaking no rule was found.
    #[tool(
        name = "generate_counterpoint",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false
        )
    )]
    async fn generate_species_counterpoint(
        &self,
        Parameters(args): Parameters<GenerateCounterpointArgs>,
        ct: CancellationToken,
    ) -> Result<Json<GenerateCounterpointResult>, String> {
        self.call::<GenerateCounterpoint>(Generation::new(args), ct)
            .await
    }

    /// Check a stored two-part score (a cantus firmus, one note per measure, and a
    /// counterpoint) against every rule of species counterpoint, measure by measure: rhythm,
    /// consonance and dissonance treatment, suspensions, parallel and direct perfect
    /// intervals, melodic intervals and leaps, climax, range, opening and closing.
    #[tool(annotations(read_only_hint = true, idempotent_hint = true))]
    async fn check_counterpoint(
        &self,
        Parameters(args): Parameters<CheckCounterpointArgs>,
        ct: CancellationToken,
    ) -> Result<Json<CheckCounterpointResult>, String> {
        self.call::<CheckCounterpoint>(args, ct).await
    }

    /// Learn Markov chains (order 1 to 4) over melodic intervals, rhythms and harmony from a
    /// stored score (score_id) or a composer's corpus pieces (composer, such as 'bach'), write
    /// length measures in that style and store them under new_score_id. Returns the learned
    /// style features beside those of the new music, and the seed used.
    #[tool(
        name = "imitate_style",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false
        )
    )]
    async fn imitate_stored_style(
        &self,
        Parameters(args): Parameters<ImitateStyleArgs>,
        ct: CancellationToken,
    ) -> Result<Json<ImitateStyleResult>, String> {
        self.call::<ImitateStyle>(Generation::new(args), ct).await
    }

    /// The style features of a stored score: melodic moves (sizes, steps, leaps, direction),
    /// range, note lengths, notes per measure and chords, as imitate_style learns them.
    #[tool(annotations(read_only_hint = true, idempotent_hint = true))]
    async fn analyze_style(
        &self,
        Parameters(args): Parameters<AnalyzeStyleArgs>,
        ct: CancellationToken,
    ) -> Result<Json<AnalyzeStyleResult>, String> {
        self.call::<AnalyzeStyle>(args, ct).await
    }

    /// Report the server's health: version, uptime, the supervision tree with restart counts,
    /// the score store and memory use.
    #[tool(annotations(read_only_hint = true, idempotent_hint = true))]
    async fn health_check(
        &self,
        Parameters(args): Parameters<HealthCheckArgs>,
        ct: CancellationToken,
    ) -> Result<Json<HealthReport>, String> {
        self.call::<HealthCheck>(args, ct).await
    }

    /// Export a stored score as musicxml (MusicXML 4.0), mxl (compressed MusicXML), midi, abc
    /// or text (one line per note, chord or rest). Text formats come back as text, mxl and
    /// midi as an embedded base64 resource, with a summary; with path, the file is also
    /// written inside the server's export folder (relative paths only).
    #[tool(
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<
            crate::tools::export_score::ExportSummary,
        >()
    )]
    async fn export_score(
        &self,
        Parameters(args): Parameters<ExportScoreArgs>,
        ct: CancellationToken,
    ) -> Result<rmcp::model::CallToolResult, String> {
        let session = current_call().map(|call| call.session);
        self.runtime
            .call_in_session::<ExportScore>(args, &ct, session.as_deref())
            .await
            .result
            .map(export_reply)
            .map_err(|err| err.message)
    }
}

/// The reply of `export_score`: the content (text, or an embedded base64 resource for binary
/// formats), the summary as JSON text, and the summary as structured content.
fn export_reply(exported: ExportScoreResult) -> rmcp::model::CallToolResult {
    use base64::Engine as _;
    use rmcp::model::{CallToolResult, ContentBlock, ResourceContents};

    let summary = exported.summary;
    let content = match exported.content {
        ExportContent::Text(text) => ContentBlock::text(text),
        ExportContent::Binary(bytes) => {
            let blob = base64::engine::general_purpose::STANDARD.encode(bytes);
            let uri = format!(
                "music-mcp://exports/{}.{}",
                summary.score_id, summary.format
            );
            ContentBlock::resource(
                ResourceContents::blob(blob, uri).with_mime_type(summary.mime_type.clone()),
            )
        }
    };
    let structured = serde_json::to_value(&summary).ok();
    let summary_text = structured
        .as_ref()
        .map_or_else(String::new, serde_json::Value::to_string);
    let mut result = CallToolResult::success(vec![content, ContentBlock::text(summary_text)]);
    result.structured_content = structured;
    result
}

/// A fresh key per client call: every retry of that call reuses it, a new call never does.
fn new_idempotency_key() -> String {
    let bits: u128 = rand::random();
    format!("import-{bits:032x}")
}
