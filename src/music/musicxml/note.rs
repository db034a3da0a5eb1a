//! Reading one `<note>` element: pitch, duration, tie, grace, fermata, voice and staff.
//!
//! The choices follow music21's `MeasureParser.xmlToNote` family: the `<duration>` always
//! wins over the notated type, an `<accidental>` spells the pitch when `<alter>` is absent,
//! and several `<tie>` elements make a `continue`.

use super::dom::{Dom, NodeId};
use crate::music::model::ql::parse_decimal;
use crate::music::model::{Notation, Pitch, Ql, Step, Tie};

/// What one `<note>` element says, before it is grouped into chords and voices.
#[derive(Debug, Clone)]
pub(super) struct NoteElement {
    /// Has `<chord/>`: joins the previous note's chord.
    pub chord: bool,
    /// Has `<rest>`.
    pub rest: bool,
    /// `<rest measure="yes">` with no type, or a whole or breve type: a whole-measure rest.
    pub full_measure_rest: bool,
    /// The pitch; for an unpitched note, its display position.
    pub pitch: Option<Pitch>,
    /// Has `<unpitched>`.
    pub unpitched: bool,
    /// `<duration>` divided by the divisions; zero when absent.
    pub duration: Ql,
    /// `<type>`, dots and time modification, when a type is given.
    pub notation: Option<Notation>,
    /// Has `<grace>`.
    pub grace: bool,
    /// From the `<tie>` elements.
    pub tie: Option<Tie>,
    /// Has a `<fermata>` in its notations.
    pub fermata: bool,
    /// `print-object="no"`.
    pub hidden: bool,
    /// The `<staff>` number, 0 when absent.
    pub staff: u32,
    /// The `<voice>` text, when present.
    pub voice: Option<String>,
}

/// Reads a `<note>` element; `divisions` is the current number of divisions per quarter.
pub(super) fn read_note(dom: &Dom<'_>, note: NodeId, divisions: Ql) -> NoteElement {
    let mut element = NoteElement {
        chord: false,
        rest: false,
        full_measure_rest: false,
        pitch: None,
        unpitched: false,
        duration: Ql::ZERO,
        notation: None,
        grace: false,
        tie: None,
        fermata: false,
        hidden: dom.attr(note, "print-object").as_deref() == Some("no"),
        staff: 0,
        voice: None,
    };
    let mut alter: Option<i8> = None;
    let mut accidental: Option<i8> = None;
    let mut ties: Vec<Option<Tie>> = Vec::new();
    let mut note_type: Option<&str> = None;
    let mut dots: u8 = 0;
    let mut tuplet = None;

    for child in dom.children(note) {
        match dom.name(child) {
            "chord" => element.chord = true,
            "rest" => {
                element.rest = true;
                element.full_measure_rest = dom.attr(child, "measure").as_deref() == Some("yes");
            }
            "pitch" => {
                element.pitch = read_pitch(dom, child);
                alter = dom.child_text(child, "alter").and_then(parse_alter);
            }
            "unpitched" => {
                element.unpitched = true;
                element.pitch = read_display_position(dom, child);
            }
            "duration" => element.duration = divide(dom.text(child), divisions),
            "type" => note_type = dom.text(child),
            "dot" => dots = dots.saturating_add(1),
            "time-modification" => tuplet = read_time_modification(dom, child),
            "accidental" => accidental = dom.text(child).and_then(accidental_alter),
            "grace" => element.grace = true,
            "tie" => ties.push(dom.attr(child, "type").as_deref().and_then(tie_type)),
            "staff" => element.staff = dom.text(child).and_then(|s| s.parse().ok()).unwrap_or(0),
            "voice" => element.voice = dom.text(child).map(str::to_string),
            "notations" => element.fermata |= dom.child(child, "fermata").is_some(),
            _ => {}
        }
    }

    if let Some(pitch) = element.pitch.as_mut().filter(|_| !element.unpitched) {
        pitch.alter = alter.or(accidental).unwrap_or(0);
    }
    element.tie = combine_ties(&ties);
    if let Some(note_type) = note_type {
        let note_type = normalise_type(note_type);
        let whole_like = matches!(note_type.as_str(), "whole" | "breve");
        if element.full_measure_rest && !whole_like {
            // music21 trusts measure="yes" only without a type or with a whole or breve type.
            element.full_measure_rest = false;
        }
        element.notation = Some(Notation {
            note_type,
            dots,
            tuplet,
        });
    }
    if element.grace {
        element.duration = Ql::ZERO;
    }
    element
}

/// `<step>` and `<octave>` of a `<pitch>`; a missing part falls back to C and octave 4.
fn read_pitch(dom: &Dom<'_>, pitch: NodeId) -> Option<Pitch> {
    let step = dom
        .child_text(pitch, "step")
        .and_then(|s| s.chars().next())
        .and_then(Step::from_letter)
        .unwrap_or(Step::C);
    let octave = dom
        .child_text(pitch, "octave")
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    Some(Pitch::new(step, 0, octave))
}

/// The `<display-step>`/`<display-octave>` of an `<unpitched>`, when both are present.
fn read_display_position(dom: &Dom<'_>, unpitched: NodeId) -> Option<Pitch> {
    let step = dom.child_text(unpitched, "display-step")?.chars().next()?;
    let octave = dom.child_text(unpitched, "display-octave")?.parse().ok()?;
    Some(Pitch::new(Step::from_letter(step)?, 0, octave))
}

/// An `<alter>` value rounded to whole semitones (quarter tones are not modelled).
fn parse_alter(text: &str) -> Option<i8> {
    let value: f64 = text.trim().parse().ok()?;
    value
        .is_finite()
        .then(|| value.round().clamp(-8.0, 8.0) as i8)
}

/// The alteration an `<accidental>` implies, for notes that give no `<alter>`.
fn accidental_alter(text: &str) -> Option<i8> {
    match text.trim().to_ascii_lowercase().as_str() {
        "sharp" => Some(1),
        "flat" => Some(-1),
        "natural" => Some(0),
        "double-sharp" | "sharp-sharp" => Some(2),
        "flat-flat" | "double-flat" => Some(-2),
        "triple-sharp" => Some(3),
        "triple-flat" => Some(-3),
        _ => None,
    }
}

fn tie_type(text: &str) -> Option<Tie> {
    match text.trim() {
        "start" => Some(Tie::Start),
        "stop" => Some(Tie::Stop),
        "continue" => Some(Tie::Continue),
        _ => None,
    }
}

/// One `<tie>` gives its type; several (a stop and a start) make a `continue`.
fn combine_ties(ties: &[Option<Tie>]) -> Option<Tie> {
    match ties {
        [] => None,
        [single] => *single,
        _ => Some(Tie::Continue),
    }
}

/// `(actual, normal)` from `<time-modification>`.
fn read_time_modification(dom: &Dom<'_>, node: NodeId) -> Option<(u32, u32)> {
    let actual = dom.child_text(node, "actual-notes")?.parse().ok()?;
    let normal = dom.child_text(node, "normal-notes")?.parse().ok()?;
    Some((actual, normal))
}

/// MusicXML type names as music21 stores them (`long` is music21's `longa`).
fn normalise_type(text: &str) -> String {
    match text {
        "long" => "longa".to_string(),
        "32th" => "32nd".to_string(),
        other => other.to_string(),
    }
}

/// A `<duration>`-like count of divisions, in quarter lengths; unreadable text gives zero.
pub(super) fn divide(text: Option<&str>, divisions: Ql) -> Ql {
    let count = text.and_then(parse_decimal).unwrap_or(Ql::ZERO);
    let plausible = count.numer().unsigned_abs() < 1 << 40;
    if divisions.is_positive() && plausible {
        count / divisions
    } else {
        Ql::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(xml: &str) -> NoteElement {
        let dom = Dom::parse(xml, 64).unwrap();
        read_note(&dom, dom.root(), Ql::from_int(2))
    }

    #[test]
    fn a_note_reads_pitch_duration_voice_and_staff() {
        let n = note(
            "<note><pitch><step>B</step><alter>-1</alter><octave>3</octave></pitch>\
             <duration>3</duration><voice>2</voice><type>quarter</type><dot/><staff>2</staff>\
             </note>",
        );
        assert_eq!(n.pitch.unwrap().name_with_octave(), "B-3");
        assert_eq!(n.duration, Ql::new(3, 2));
        assert_eq!(n.voice.as_deref(), Some("2"));
        assert_eq!(n.staff, 2);
        assert_eq!(n.notation.unwrap().dots, 1);
    }

    #[test]
    fn an_accidental_spells_the_pitch_when_alter_is_missing() {
        let n = note(
            "<note><pitch><step>F</step><octave>4</octave></pitch><accidental>sharp</accidental>\
                </note>",
        );
        assert_eq!(n.pitch.unwrap().name(), "F#");
    }

    #[test]
    fn a_stop_and_a_start_tie_make_a_continue() {
        let n = note(
            "<note><pitch><step>C</step><octave>4</octave></pitch><tie type='stop'/><tie \
                type='start'/></note>",
        );
        assert_eq!(n.tie, Some(Tie::Continue));
        let n =
            note("<note><pitch><step>C</step><octave>4</octave></pitch><tie type='stop'/></note>");
        assert_eq!(n.tie, Some(Tie::Stop));
    }

    #[test]
    fn grace_notes_have_no_duration() {
        let n = note(
            "<note><grace/><pitch><step>D</step><octave>5</octave></pitch><type>eighth</type>\
                </note>",
        );
        assert!(n.grace);
        assert_eq!(n.duration, Ql::ZERO);
    }

    #[test]
    fn measure_rests_are_trusted_only_without_a_short_type() {
        assert!(note("<note><rest measure='yes'/><duration>8</duration></note>").full_measure_rest);
        let pickup =
            note("<note><rest measure='yes'/><duration>2</duration><type>quarter</type></note>");
        assert!(!pickup.full_measure_rest);
    }

    #[test]
    fn tuplet_durations_stay_exact() {
        let dom = Dom::parse(
            "<note><duration>1</duration><type>eighth</type><time-modification>\
            <actual-notes>3</actual-notes><normal-notes>2</normal-notes></time-modification>\
            </note>",
            64,
        )
        .unwrap();
        let n = read_note(&dom, dom.root(), Ql::from_int(3));
        assert_eq!(n.duration, Ql::new(1, 3));
        assert_eq!(n.notation.unwrap().tuplet, Some((3, 2)));
    }
}
