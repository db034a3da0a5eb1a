//! The second pass over ABC tokens: context (unit length, key, meter, ties, tuplets, grace
//! notes, broken rhythm) given to every note, then each note's pitch and length worked out,
//! as music21's `ABCHandler.tokenProcess` and `ABCNote.parse` do.
//!
//! The pass runs over the whole file at once, so context flows from one tune into the next
//! exactly as in music21 (a tune without `L:` keeps the previous tune's unit length).

use super::field::{KeyField, Meter, step_fifths, unit_length};
use super::token::{NoteToken, Token, tokenize, tokenize_limited};
use crate::music::model::{KeySignature, Pitch, Ql, Step, Tie};

/// A processed token: the token itself, plus the note it describes when it is a note, rest or
/// chord.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Item {
    /// The token.
    pub token: Token,
    /// The note, rest or chord, for note and chord tokens.
    pub note: Option<ParsedNote>,
}

/// A note, rest or chord with its context resolved.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ParsedNote {
    /// Pitches: one for a note, several for a chord, none for a rest or an empty chord.
    pub pitches: Vec<Pitch>,
    /// True for a chord token (even an empty one, which music21 skips).
    pub is_chord: bool,
    /// The length before any tuplet, in quarter lengths.
    pub length: Ql,
    /// The tuplet ratio `(actual, normal)` this note falls under.
    pub tuplet: Option<(u32, u32)>,
    /// The tie on this note.
    pub tie: Option<Tie>,
    /// Inside `{...}`.
    pub grace: bool,
    /// Chord symbols written before the note, quotes removed.
    pub chord_symbols: Vec<String>,
}

impl ParsedNote {
    /// The sounding length: the written length scaled by the tuplet.
    pub(super) fn duration(&self) -> Ql {
        match self.tuplet {
            Some((actual, normal)) if actual > 0 => {
                self.length * Ql::new(i64::from(normal), i64::from(actual))
            }
            _ => self.length,
        }
    }
}

/// Context gathered while walking the tokens.
#[derive(Default)]
struct Context {
    unit: Option<Ql>,
    key: Option<KeySignature>,
    meter: Option<Meter>,
    /// The active tuplet: ratio and notes still to take it.
    tuplet: Option<((u32, u32), u32)>,
    tie_pending: bool,
    in_grace: bool,
    last_note: Option<usize>,
}

/// Per-note context assigned in the first walk, before parsing.
#[derive(Debug, Clone, Default)]
struct NoteContext {
    unit: Ql,
    key: Option<KeySignature>,
    broken: Option<(String, bool)>,
    tuplet: Option<(u32, u32)>,
    tie: Option<Tie>,
    grace: bool,
}

/// Tokenizes and processes a whole ABC text.
#[cfg(test)]
pub(super) fn process(text: &str, version: (u32, u32, u32)) -> Vec<Item> {
    process_limited(text, version, usize::MAX).unwrap_or_default()
}

/// Tokenizes and processes a whole ABC text; `Err` with the count reached when it holds more
/// than `max_tokens` tokens.
pub(super) fn process_limited(
    text: &str,
    version: (u32, u32, u32),
    max_tokens: usize,
) -> Result<Vec<Item>, usize> {
    let tokens = tokenize_limited(text, version, max_tokens)?;
    let contexts = assign_context(&tokens);
    Ok(tokens
        .into_iter()
        .zip(contexts)
        .map(|(token, context)| {
            let note = match (&token, context) {
                (Token::Note(note), Some(context)) => Some(parse_note(note, &context)),
                (Token::Chord(chord), Some(context)) => Some(parse_chord(chord, &context)),
                _ => None,
            };
            Item { token, note }
        })
        .collect::<Vec<Item>>())
}

fn assign_context(tokens: &[Token]) -> Vec<Option<NoteContext>> {
    let mut contexts: Vec<Option<NoteContext>> = vec![None; tokens.len()];
    let mut context = Context::default();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Field(field) => apply_field(&mut context, field.tag, &field.data),
            Token::Broken(marker) => mark_broken(tokens, &mut contexts, i, marker),
            Token::Tuplet(tuplet) => {
                context.tuplet = tuplet_ratio(&tuplet.src, context.meter.as_ref());
            }
            Token::Tie => {
                if let Some(last) = context.last_note.and_then(|l| contexts[l].as_mut()) {
                    last.tie = Some(match last.tie {
                        Some(Tie::Stop) => Tie::Continue,
                        _ => Tie::Start,
                    });
                }
                context.tie_pending = true;
            }
            Token::GraceStart => context.in_grace = true,
            Token::GraceStop => context.in_grace = false,
            Token::Note(_) | Token::Chord(_) => {
                let note = note_context(&mut context);
                let previous = contexts[i].take().and_then(|c| c.broken);
                contexts[i] = Some(NoteContext {
                    broken: previous,
                    ..note
                });
                context.last_note = Some(i);
            }
            _ => {}
        }
    }
    contexts
}

fn apply_field(context: &mut Context, tag: char, data: &str) {
    match tag {
        'M' => {
            let meter = Meter::parse(data);
            if context.unit.is_none() {
                context.unit = Some(meter.default_unit());
            }
            context.meter = Some(meter);
        }
        'L' => {
            if let Some(unit) = unit_length(data) {
                context.unit = Some(unit);
            }
        }
        'K' => context.key = Some(KeyField::parse(data).signature),
        _ => {}
    }
}

/// A broken-rhythm marker applies only between two adjacent note tokens.
fn mark_broken(tokens: &[Token], contexts: &mut [Option<NoteContext>], i: usize, marker: &str) {
    let is_note = |t: Option<&Token>| matches!(t, Some(Token::Note(_) | Token::Chord(_)));
    let previous = i.checked_sub(1).and_then(|p| tokens.get(p));
    if !is_note(previous) || !is_note(tokens.get(i + 1)) {
        return;
    }
    if let Some(Some(left)) = contexts.get_mut(i - 1) {
        left.broken = Some((marker.to_string(), true));
    }
    contexts[i + 1] = Some(NoteContext {
        broken: Some((marker.to_string(), false)),
        ..NoteContext::default()
    });
}

fn note_context(context: &mut Context) -> NoteContext {
    let mut note = NoteContext {
        unit: context.unit.unwrap_or(Ql::new(1, 2)),
        key: context.key.clone(),
        grace: context.in_grace,
        ..NoteContext::default()
    };
    if context.tie_pending {
        note.tie = Some(Tie::Stop);
        context.tie_pending = false;
    }
    match context.tuplet.as_mut() {
        Some((_, 0)) => context.tuplet = None,
        Some((ratio, remaining)) => {
            *remaining -= 1;
            note.tuplet = Some(*ratio);
        }
        None => {}
    }
    note
}

/// music21's tuplet ratios: `(2` is 2 in 3, `(3` 3 in 2, `(5`, `(7`, `(9` in 3 under a
/// compound meter and in 2 otherwise; `(p:q:r` overrides the normal count and note count.
fn tuplet_ratio(src: &str, meter: Option<&Meter>) -> Option<((u32, u32), u32)> {
    let switch = if meter.is_some_and(Meter::is_compound) {
        3
    } else {
        2
    };
    let mut pieces = src.trim().split(':');
    let actual_text = pieces.next()?;
    let (actual, normal) = match actual_text {
        "(1" => (1, 1),
        "(2" => (2, 3),
        "(3" => (3, 2),
        "(4" => (4, 3),
        "(5" => (5, switch),
        "(6" => (6, 2),
        "(7" => (7, switch),
        "(8" => (8, 3),
        "(9" => (9, switch),
        _ => return None,
    };
    let normal = match pieces.next() {
        Some(text) if !text.is_empty() => text.parse().ok()?,
        _ => normal,
    };
    let count = match pieces.next() {
        Some(text) if !text.is_empty() => text.parse().ok()?,
        _ => actual,
    };
    Some(((actual, normal), count))
}

/// Splits off the quoted chord symbols in front of a note.
fn split_chord_symbols(src: &str) -> (Vec<String>, &str) {
    let mut symbols = Vec::new();
    let mut rest = src;
    let mut consumed = 0;
    let mut search = src;
    while let Some(open) = search.find('"') {
        let after = &search[open + 1..];
        let Some(close) = after.find('"') else { break };
        symbols.push(after[..close].to_string());
        let advance = open + 1 + close + 1;
        consumed += advance;
        search = &search[advance..];
        rest = &src[consumed..];
    }
    (symbols, rest)
}

fn parse_note(token: &NoteToken, context: &NoteContext) -> ParsedNote {
    let (chord_symbols, body) = split_chord_symbols(&token.src);
    let pitch = note_pitch(body, &token.carried, context.key.as_ref());
    ParsedNote {
        pitches: pitch.into_iter().collect(),
        is_chord: false,
        length: note_length(body, context.unit, context.broken.as_ref()),
        tuplet: context.tuplet,
        tie: context.tie,
        grace: context.grace,
        chord_symbols,
    }
}

/// A chord's pitches come from its notes (rests inside are skipped); its length is the first
/// note's length times the length written after the bracket.
fn parse_chord(token: &NoteToken, context: &NoteContext) -> ParsedNote {
    let (chord_symbols, body) = split_chord_symbols(&token.src);
    let inner_end = body.find(']').unwrap_or(body.len());
    let inner = body.get(1..inner_end).unwrap_or("");
    let outer = body.get(inner_end + 1..).unwrap_or("");
    let outer_length = note_length(outer, Ql::ONE, context.broken.as_ref());
    let mut pitches = Vec::new();
    let mut inner_length = Ql::ZERO;
    for sub in tokenize(inner, (1, 3, 0)) {
        let Token::Note(sub) = sub else { continue };
        let Some(pitch) = note_pitch(&sub.src, "", context.key.as_ref()) else {
            continue;
        };
        if inner_length.is_zero() {
            inner_length = note_length(&sub.src, context.unit, None);
        }
        pitches.push(pitch);
    }
    ParsedNote {
        pitches,
        is_chord: true,
        length: outer_length * inner_length,
        tuplet: context.tuplet,
        tie: context.tie,
        grace: context.grace,
        chord_symbols,
    }
}

/// The pitch of a note's text, or `None` for a rest. Text without any pitch letter reads as
/// C4, as music21 falls back to.
fn note_pitch(src: &str, carried: &str, key: Option<&KeySignature>) -> Option<Pitch> {
    let mut text = src;
    if text.chars().count() > 1 && text.starts_with(['u', 'T']) {
        text = &text[1..];
    }
    let text = text.replace('T', "");
    let Some(letter) = text.chars().find(|c| "abcdefgABCDEFGz".contains(*c)) else {
        return Some(Pitch::new(Step::C, 0, 4));
    };
    if letter == 'z' {
        return None;
    }
    let step = Step::from_letter(letter)?;
    let mut octave = if letter.is_lowercase() { 5 } else { 4 };
    octave -= count(&text, ',');
    octave += count(&text, '\'');
    let written = Accidental::of(&text);
    let carried = Accidental::of(carried);
    let alter = if carried.any() {
        carried.alter()
    } else if written.any() {
        written.alter()
    } else {
        key.map_or(0, |key| key_alter(key, step))
    };
    Some(Pitch::new(step, alter, octave))
}

fn count(text: &str, c: char) -> i32 {
    i32::try_from(text.matches(c).count()).unwrap_or(i32::MAX)
}

/// The accidental signs in a note's text.
struct Accidental {
    sharps: i32,
    flats: i32,
    naturals: i32,
}

impl Accidental {
    fn of(text: &str) -> Accidental {
        Accidental {
            sharps: count(text, '^'),
            flats: count(text, '_'),
            naturals: count(text, '='),
        }
    }

    fn any(&self) -> bool {
        self.sharps + self.flats + self.naturals > 0
    }

    fn alter(&self) -> i8 {
        (self.sharps - self.flats).clamp(-4, 4) as i8
    }
}

/// The alteration a key signature gives a letter.
fn key_alter(key: &KeySignature, step: Step) -> i8 {
    let position = step_fifths(step);
    if key.fifths > 0 {
        // Sharps are added F, C, G, D, A, E, B: positions -1 to 5.
        let full_laps = (key.fifths - 1).div_euclid(7);
        let partial = (key.fifths - 1).rem_euclid(7);
        let extra = i32::from(position < partial);
        (full_laps + extra).clamp(-4, 4) as i8
    } else if key.fifths < 0 {
        // Flats are added B, E, A, D, G, C, F: positions 5 down to -1.
        let flats = -key.fifths;
        let full_laps = (flats - 1).div_euclid(7);
        let partial = (flats - 1).rem_euclid(7);
        let extra = i32::from(position >= 5 - partial);
        -((full_laps + extra).clamp(-4, 4)) as i8
    } else {
        0
    }
}

/// A note's length from the digits and slashes in its text, times the broken-rhythm factor.
pub(super) fn note_length(src: &str, unit: Ql, broken: Option<&(String, bool)>) -> Ql {
    let digits: String = src
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '/')
        .collect();
    let number = |s: &str| s.parse::<i64>().ok().filter(|&n| n <= 1 << 20);
    let length = match digits.as_str() {
        "" => unit,
        "/" => unit * Ql::new(1, 2),
        "//" => unit * Ql::new(1, 4),
        "///" => unit * Ql::new(1, 8),
        d if d.starts_with('/') => {
            let divisor = d.split('/').nth(1).and_then(number).unwrap_or(2);
            unit * Ql::new(1, divisor.max(1))
        }
        d if d.ends_with('/') => {
            let n = d.split('/').next().and_then(number).unwrap_or(1);
            unit * Ql::new(n, 2)
        }
        d if d.matches('/').count() == 2 => Ql::ONE,
        d => match d.split_once('/') {
            Some((n, den)) => match (number(n), number(den)) {
                (Some(n), Some(den)) if den > 0 => unit * Ql::new(n, den),
                _ => unit,
            },
            None => unit * Ql::from_int(number(d).unwrap_or(1)),
        },
    };
    match broken {
        Some((marker, left)) => length * broken_factor(marker, *left),
        None => length,
    }
}

fn broken_factor(marker: &str, left: bool) -> Ql {
    let (dotted, short) = match marker {
        ">" => (Ql::new(3, 2), Ql::new(1, 2)),
        "<" => (Ql::new(1, 2), Ql::new(3, 2)),
        ">>" => (Ql::new(7, 4), Ql::new(1, 4)),
        "<<" => (Ql::new(1, 4), Ql::new(7, 4)),
        ">>>" => (Ql::new(15, 8), Ql::new(1, 8)),
        "<<<" => (Ql::new(1, 8), Ql::new(15, 8)),
        _ => (Ql::ONE, Ql::ONE),
    };
    if left { dotted } else { short }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notes(text: &str) -> Vec<ParsedNote> {
        process(text, (1, 3, 0))
            .into_iter()
            .filter_map(|item| item.note)
            .collect()
    }

    fn names(text: &str) -> Vec<String> {
        notes(text)
            .iter()
            .map(|n| {
                let pitches: Vec<String> = n.pitches.iter().map(Pitch::name_with_octave).collect();
                format!("{}:{}", pitches.join("+"), n.duration())
            })
            .collect()
    }

    #[test]
    fn pitches_follow_octave_marks_accidentals_and_the_key() {
        assert_eq!(
            names("L:1/4\nK:D\nC, c' f =f _B ^^g z"),
            ["C#3:1", "C#6:1", "F#5:1", "F5:1", "B-4:1", "G##5:1", ":1"]
        );
    }

    #[test]
    fn lengths_follow_the_unit_length_and_modifiers() {
        assert_eq!(
            names("L:1/8\nK:C\nC2 C/ C// C3/2 C3/ C/4"),
            ["C4:1", "C4:1/4", "C4:1/8", "C4:3/4", "C4:3/4", "C4:1/8"]
        );
    }

    #[test]
    fn broken_rhythm_dots_the_first_note_and_halves_the_second() {
        assert_eq!(
            names("L:1/8\nK:C\nA>B c<<d"),
            ["A4:3/4", "B4:1/4", "C5:1/8", "D5:7/8"]
        );
    }

    #[test]
    fn triplets_take_three_notes_and_compound_meters_change_fives() {
        assert_eq!(
            names("L:1/8\nK:C\n(3ABc d"),
            ["A4:1/3", "B4:1/3", "C5:1/3", "D5:1/2"]
        );
        let five = notes("M:6/8\nL:1/8\nK:C\n(5ABcde");
        assert_eq!(five[0].tuplet, Some((5, 3)));
    }

    #[test]
    fn chords_take_the_first_note_length_times_the_outer_length() {
        assert_eq!(
            names("L:1/8\nK:C\n[CEG]2 [c2e2]"),
            ["C4+E4+G4:1", "C5+E5:1"]
        );
    }

    #[test]
    fn ties_start_continue_and_stop() {
        let ties: Vec<Option<Tie>> = notes("L:1/4\nK:C\nC-C-C D").iter().map(|n| n.tie).collect();
        assert_eq!(
            ties,
            [Some(Tie::Start), Some(Tie::Continue), Some(Tie::Stop), None]
        );
    }

    #[test]
    fn grace_notes_are_marked_and_unknown_letters_read_as_c4() {
        let parsed = notes("L:1/8\nK:C\n{g}A J");
        assert!(parsed[0].grace && !parsed[1].grace);
        assert_eq!(parsed[2].pitches, [Pitch::new(Step::C, 0, 4)]);
    }

    #[test]
    fn key_signatures_alter_the_right_letters() {
        let key = |fifths| KeySignature { fifths, mode: None };
        assert_eq!(key_alter(&key(1), Step::F), 1);
        assert_eq!(key_alter(&key(1), Step::C), 0);
        assert_eq!(key_alter(&key(3), Step::G), 1);
        assert_eq!(key_alter(&key(-2), Step::E), -1);
        assert_eq!(key_alter(&key(-2), Step::A), 0);
        assert_eq!(key_alter(&key(-7), Step::F), -1);
        assert_eq!(key_alter(&key(8), Step::F), 2);
    }
}
