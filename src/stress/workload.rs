//! What a simulated user does: a weighted mix of the server's tools on real scores, and the
//! generated MusicXML scores some users import.
//!
//! The scores are the built-in corpus plus a sample of the `MUSIC_MCP_CORPUS` folders checked
//! readable in pre-flight; a user analyses only scores it imported itself and has not deleted,
//! so a correct server never answers "not found".

use rand::RngExt;
use rand::rngs::StdRng;
use serde_json::{Value, json};

/// One kind of operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Import a corpus score.
    Import,
    /// Import a generated MusicXML score given inline.
    ImportGenerated,
    /// List every stored score.
    List,
    /// Facts of one of the user's scores.
    Info,
    /// Key analysis.
    Key,
    /// Chord analysis.
    Chords,
    /// Roman numerals, functions or cadences.
    Harmony,
    /// Voice leading.
    VoiceLeading,
    /// Motifs and sequences.
    Patterns,
    /// Export to one of the formats.
    Export,
    /// Transpose into a new score.
    Transpose,
    /// Delete one of the user's scores.
    Delete,
    /// Harmonize the melody of one of the user's scores into a new score.
    Harmonize,
    /// Imitate the style of one of the user's scores in a new score.
    Imitate,
    /// The style features of one of the user's scores.
    Style,
}

/// Weights of the operations a user picks among once it holds scores.
const MIX: [(Op, u32); 14] = [
    (Op::Import, 10),
    (Op::List, 4),
    (Op::Info, 12),
    (Op::Key, 12),
    (Op::Chords, 10),
    (Op::Harmony, 10),
    (Op::VoiceLeading, 8),
    (Op::Patterns, 6),
    (Op::Export, 8),
    (Op::Transpose, 5),
    (Op::Delete, 6),
    (Op::Harmonize, 3),
    (Op::Imitate, 2),
    (Op::Style, 3),
];

impl Op {
    /// The MCP tool it calls.
    pub fn tool(self) -> &'static str {
        match self {
            Self::Import | Self::ImportGenerated => "import_score",
            Self::List => "list_scores",
            Self::Info => "score_info",
            Self::Key => "key_analysis",
            Self::Chords => "chord_analysis",
            Self::Harmony => "harmony_analysis",
            Self::VoiceLeading => "voice_leading_analysis",
            Self::Patterns => "pattern_recognition",
            Self::Export => "export_score",
            Self::Transpose => "transpose_score",
            Self::Delete => "delete_score",
            Self::Harmonize => "harmonize_melody",
            Self::Imitate => "imitate_style",
            Self::Style => "analyze_style",
        }
    }

    /// Whether it needs one of the user's corpus scores.
    pub fn needs_score(self) -> bool {
        !matches!(self, Self::Import | Self::ImportGenerated | Self::List)
    }
}

/// Picks the next operation from the weighted mix.
pub fn pick(rng: &mut StdRng) -> Op {
    let total: u32 = MIX.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (op, weight) in MIX {
        if roll < weight {
            return op;
        }
        roll -= weight;
    }
    Op::Info
}

/// The arguments of an analysis, export or info call on `score_id`, varied at random.
pub fn arguments(op: Op, score_id: &str, rng: &mut StdRng) -> Value {
    match op {
        Op::Key => {
            let methods = ["aarden", "krumhansl", "temperley", "bellman"];
            json!({"score_id": score_id, "method": methods[rng.random_range(0..methods.len())]})
        }
        Op::Harmony => {
            let kinds = ["roman", "functional", "cadences"];
            json!({"score_id": score_id, "analysis_type": kinds[rng.random_range(0..kinds.len())]})
        }
        Op::Patterns => {
            let kinds = ["melodic", "rhythmic", "harmonic", "all"];
            json!({"score_id": score_id, "pattern_type": kinds[rng.random_range(0..kinds.len())]})
        }
        Op::Export => {
            let formats = ["musicxml", "mxl", "midi", "abc", "text"];
            json!({"score_id": score_id, "format": formats[rng.random_range(0..formats.len())]})
        }
        _ => json!({"score_id": score_id}),
    }
}

/// The arguments of a generation call on `score_id` writing `new_id`, varied at random; the
/// seed is given so a retried call writes the same score.
pub fn generation_arguments(op: Op, score_id: &str, new_id: &str, rng: &mut StdRng) -> Value {
    let seed = rng.random_range(0..1_000_000u64);
    match op {
        Op::Harmonize => {
            let styles = ["chorale", "classical", "jazz", "pop", "modal"];
            json!({
                "score_id": score_id,
                "style": styles[rng.random_range(0..styles.len())],
                "voice_parts": rng.random_range(2..=4u8),
                "seed": seed,
                "new_score_id": new_id,
            })
        }
        _ => json!({
            "score_id": score_id,
            "length": rng.random_range(4..=16u32),
            "complexity": rng.random_range(1..=10u8),
            "seed": seed,
            "new_score_id": new_id,
        }),
    }
}

/// A transposition interval, at random.
pub fn interval(rng: &mut StdRng) -> &'static str {
    let intervals = ["M2", "-m3", "P4", "P5", "-M2", "m3"];
    intervals[rng.random_range(0..intervals.len())]
}

/// Bytes of MusicXML per generated measure (four quarter notes), measured.
const MEASURE_BYTES: u64 = 446;

/// A one-part MusicXML score of about `target_bytes`: scales of quarter notes in 4/4.
pub fn generated_musicxml(title: &str, target_bytes: u64) -> String {
    const STEPS: [&str; 7] = ["C", "D", "E", "F", "G", "A", "B"];
    let measures = (target_bytes / MEASURE_BYTES).max(1);
    let mut xml = String::with_capacity(usize::try_from(target_bytes).unwrap_or(0) + 1024);
    xml.push_str(&format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<score-partwise version=\"4.0\">\n\
         <work><work-title>{title}</work-title></work>\n\
         <identification><creator type=\"composer\">music-mcp stress</creator></identification>\n\
         <part-list><score-part id=\"P1\"><part-name>Generated</part-name></score-part></part-list>\n\
         <part id=\"P1\">\n"
    ));
    for number in 1..=measures {
        xml.push_str(&format!("<measure number=\"{number}\">"));
        if number == 1 {
            xml.push_str(
                "<attributes><divisions>1</divisions><key><fifths>0</fifths></key>\
                 <time><beats>4</beats><beat-type>4</beat-type></time>\
                 <clef><sign>G</sign><line>2</line></clef></attributes>",
            );
        }
        for beat in 0..4u64 {
            let degree = ((number - 1) * 4 + beat) % 14;
            let (step, octave) = if degree < 7 {
                (STEPS[degree as usize], 4)
            } else {
                (STEPS[(13 - degree) as usize], 5)
            };
            xml.push_str(&format!(
                "\n<note><pitch><step>{step}</step><octave>{octave}</octave></pitch>\
                 <duration>1</duration><type>quarter</type></note>"
            ));
        }
        xml.push_str("</measure>\n");
    }
    xml.push_str("</part>\n</score-partwise>\n");
    xml
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::music::read::{ReadLimits, ReadOptions, read_bytes_with};

    #[test]
    fn generated_scores_are_readable_and_near_their_target_size() {
        let xml = generated_musicxml("big", 200_000);

        let read = read_bytes_with(
            xml.as_bytes(),
            None,
            &ReadLimits::default(),
            &ReadOptions::default(),
        )
        .expect("generated MusicXML reads");

        let ratio = xml.len() as f64 / 200_000.0;
        assert!((0.8..1.25).contains(&ratio), "{} bytes", xml.len());
        let info = crate::music::info::score_info(&read.score);
        assert_eq!(u64::from(info.measure_count), 200_000 / MEASURE_BYTES);
    }

    #[test]
    fn every_operation_of_the_mix_gets_picked() {
        let mut rng = StdRng::seed_from_u64(3);
        let picks: Vec<Op> = (0..2000).map(|_| pick(&mut rng)).collect();
        for (op, _) in MIX {
            assert!(picks.contains(&op), "{op:?} never picked");
        }
    }
}
