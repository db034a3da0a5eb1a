//! The first pass over ABC text: characters into tokens, the way music21's `ABCHandler`
//! tokenizes.
//!
//! music21's quirks are kept on purpose, because analyses must agree with it: a field such as
//! `A:` is recognised anywhere on a line, a lone `:` is a dotted barline, `x` and `Z` rests and
//! notes carrying `H` are dropped, unknown letters become notes that later read as C4, and an
//! accidental carries through the measure only from ABC version 2.0 on (`%abc-2.1` in the first
//! 100 characters). One deliberate difference: an inline field such as `[K:D]` is a field here,
//! where music21 reads it as an empty chord and loses it.

use std::collections::HashMap;

/// One token of ABC text.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    /// A header or body field such as `K:G`; `inline` when written as `[K:G]`.
    Field(Field),
    /// A barline, by its source text (`|`, `:|`, `[1`, ...).
    Bar(String),
    /// A tuplet marker such as `(3` or `(3:2:3`, with the ratio filled in by processing.
    Tuplet(Tuplet),
    /// A tie `-` after a note.
    Tie,
    /// A slur or tuplet close `)`; kept because it separates notes for broken rhythm.
    ParenStop,
    /// Any other mark between notes: slur start, staccato, bowing, accents, crescendo.
    Mark,
    /// `{`: grace notes follow.
    GraceStart,
    /// `}`: grace notes end.
    GraceStop,
    /// A broken-rhythm marker such as `>` or `<<`.
    Broken(String),
    /// A note or rest.
    Note(NoteToken),
    /// A chord `[ceg]`.
    Chord(NoteToken),
}

/// A field: its tag letter and its text, comment removed and trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Field {
    /// The tag: one capital letter or `w`.
    pub tag: char,
    /// The value after the colon.
    pub data: String,
    /// Written inline in the music, as `[K:D]`.
    pub inline: bool,
}

/// A tuplet marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tuplet {
    /// The source text, such as `(3` or `(3:2:4`.
    pub src: String,
}

/// The source of a note, rest or chord, with the accidental carried from earlier in the
/// measure; the musical content is worked out by `process`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NoteToken {
    /// The token text, chord symbols in quotes included.
    pub src: String,
    /// An accidental (`^`, `_`, `=`) carried from an earlier note of the same letter.
    pub carried: String,
}

/// How accidentals carry through a measure (ABC 2.1 `%%propagate-accidentals`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Propagation {
    Not,
    Octave,
    Pitch,
}

/// Barline spellings, longest first, as music21 matches them.
const BARS: [&str; 14] = [
    ":|1", ":|2", "|]", "||", "[|", "[1", "[2", "|1", "|2", ":|", "|:", "::", "|", ":",
];

/// Strings that start a note but that music21 drops.
const DROPPED: [&str; 39] = [
    "w", "u", "v", "v.", "h", "H", "vk", "uk", "U", "~", ".", "=", "V", "v.", "S", "s", "i", "I",
    "ui", "u.", "Q", "Hy", "Hx", "r", "m", "M", "n", "N", "o", "O", "P", "l", "L", "R", "y", "T",
    "t", "x", "Z",
];

const DECORATIONS_AND_ACCIDENTALS: &str = ".~^=_HLMOPSTuv";
const ACCIDENTALS: &str = "^=_";

/// The ABC version named in the first 100 characters (`%abc-2.1`), or music21's default 1.3.
pub(super) fn header_version(text: &str) -> (u32, u32, u32) {
    let head: String = text.chars().take(100).collect();
    let mut rest = head.as_str();
    while let Some(at) = rest.find("%abc-") {
        rest = &rest[at + 5..];
        if let Some(version) = parse_version(rest) {
            return version;
        }
    }
    (1, 3, 0)
}

fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let digits = |s: &str| -> (String, usize) {
        let d: String = s.chars().take_while(char::is_ascii_digit).collect();
        let len = d.len();
        (d, len)
    };
    let (major, len) = digits(text);
    let rest = text.get(len..)?;
    let rest = rest.strip_prefix('.')?;
    let (minor, len) = digits(rest);
    if major.is_empty() || minor.is_empty() {
        return None;
    }
    let rest = &rest[len..];
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    let (patch, _) = digits(rest);
    Some((
        major.parse().ok()?,
        minor.parse().ok()?,
        patch.parse().unwrap_or(0),
    ))
}

/// Splits ABC text into tokens.
pub(super) fn tokenize(text: &str, version: (u32, u32, u32)) -> Vec<Token> {
    tokenize_limited(text, version, usize::MAX).unwrap_or_default()
}

/// Splits ABC text into tokens, giving up (with the count reached) beyond `max_tokens`.
pub(super) fn tokenize_limited(
    text: &str,
    version: (u32, u32, u32),
    max_tokens: usize,
) -> Result<Vec<Token>, usize> {
    let mut tokenizer = Tokenizer {
        chars: text.chars().collect(),
        tokens: Vec::new(),
        version,
        directives: HashMap::new(),
        chord_symbol: String::new(),
        accidentalized: HashMap::new(),
        accidental: String::new(),
        pitch: String::new(),
    };
    tokenizer.run(max_tokens)?;
    Ok(tokenizer.tokens)
}

struct Tokenizer {
    chars: Vec<char>,
    tokens: Vec<Token>,
    version: (u32, u32, u32),
    directives: HashMap<String, String>,
    /// Chord symbols waiting for the next note.
    chord_symbol: String,
    /// Accidentals seen in the current measure, by letter (or letter and octave marks).
    accidentalized: HashMap<String, String>,
    /// The accidental of the note being read (kept across tokens, as music21 does).
    accidental: String,
    /// The letter and octave marks of the last pitch read.
    pitch: String,
}

impl Tokenizer {
    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn slice(&self, from: usize, to: usize) -> String {
        let to = to.min(self.chars.len());
        self.chars[from.min(to)..to].iter().collect()
    }

    fn next_line_break(&self, from: usize) -> usize {
        (from + 1..self.chars.len())
            .find(|&j| self.chars[j] == '\n')
            .unwrap_or(self.chars.len())
    }

    /// Walks the text; each step returns the index of the next character to read.
    fn run(&mut self, max_tokens: usize) -> Result<(), usize> {
        let mut pos = 0;
        while pos < self.chars.len() {
            pos = self.step(pos);
            if self.tokens.len() > max_tokens {
                return Err(self.tokens.len());
            }
        }
        Ok(())
    }

    fn step(&mut self, pos: usize) -> usize {
        let c = self.chars[pos];
        let next = self.at(pos + 1);
        let next_next = self.at(pos + 2);
        if c == '%' {
            return self.comment(pos);
        }
        if starts_field(c, next, next_next) {
            let end = self.next_line_break(pos);
            self.push_field(&self.slice(pos, end), false);
            return end;
        }
        let may_be_bar = !c.is_whitespace() && !c.is_alphanumeric() && c != '~' && c != '(';
        if may_be_bar && let Some(end) = self.bar(pos) {
            return end;
        }
        if c == '(' && next.is_some_and(|n| n.is_ascii_digit()) {
            return self.tuplet(pos);
        }
        match c {
            '<' | '>' => self.broken(pos),
            '!' => self.exclamation(pos),
            '(' if next.is_some() => self.simple(pos, Token::Mark),
            ')' => self.simple(pos, Token::ParenStop),
            '-' => self.simple(pos, Token::Tie),
            '"' => self.chord_symbol(pos),
            '[' => self.chord(pos),
            '.' | 'u' | 'v' | 'K' | 'k' | 'M' => self.simple(pos, Token::Mark),
            '{' => self.simple(pos, Token::GraceStart),
            '}' => self.simple(pos, Token::GraceStop),
            _ if c.is_alphabetic() || "~^=_".contains(c) => self.note(pos),
            _ => pos + 1,
        }
    }

    fn simple(&mut self, pos: usize, token: Token) -> usize {
        self.tokens.push(token);
        pos + 1
    }

    /// A `%` comment to the end of the line; `%%name value` lines are directives.
    fn comment(&mut self, pos: usize) -> usize {
        let end = self.next_line_break(pos);
        let line = self.slice(pos, end);
        if let Some(body) = line.strip_prefix("%%") {
            let name: String = body
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                .collect();
            let rest = &body[name.len()..];
            let value = rest.trim_start();
            if !name.is_empty() && value.len() < rest.len() {
                let value: String = value.chars().take_while(|c| !c.is_whitespace()).collect();
                if !value.is_empty() {
                    self.directives.insert(name, value);
                }
            }
        }
        end
    }

    fn push_field(&mut self, source: &str, inline: bool) {
        let source = source.trim();
        let mut chars = source.chars();
        let Some(tag) = chars.next() else { return };
        let rest = chars.as_str().strip_prefix(':').unwrap_or("");
        let data = rest.split('%').next().unwrap_or("").trim().to_string();
        self.tokens.push(Token::Field(Field { tag, data, inline }));
    }

    fn bar(&mut self, pos: usize) -> Option<usize> {
        let window: String = self.slice(pos, pos + 3);
        let matched = BARS.iter().find(|bar| window.starts_with(**bar))?;
        self.accidentalized.clear();
        self.accidental.clear();
        match *matched {
            "::" => self.push_bars(&[":|", "|:"]),
            "|1" => self.push_bars(&["|", "[1"]),
            "|2" => self.push_bars(&["|", "[2"]),
            ":|1" => self.push_bars(&[":|", "[1"]),
            ":|2" => self.push_bars(&[":|", "[2"]),
            other => self.push_bars(&[other]),
        }
        Some(pos + matched.chars().count())
    }

    fn push_bars(&mut self, bars: &[&str]) {
        self.tokens
            .extend(bars.iter().map(|bar| Token::Bar((*bar).to_string())));
    }

    /// `(p`, `(p:q` or `(p:q:r`; only single digits are read, as in music21.
    fn tuplet(&mut self, pos: usize) -> usize {
        let mut end = pos + 2;
        if self.at(end) == Some(':') {
            end += 1;
            if self.at(end).is_some_and(|c| c.is_ascii_digit()) {
                end += 1;
            }
            if self.at(end) == Some(':') {
                end += 1;
                if self.at(end).is_some_and(|c| c.is_ascii_digit()) {
                    end += 1;
                }
            }
        }
        let src = self.slice(pos, end);
        self.tokens.push(Token::Tuplet(Tuplet { src }));
        end
    }

    fn broken(&mut self, pos: usize) -> usize {
        let mut end = pos + 1;
        while end + 1 < self.chars.len() && matches!(self.chars[end], '<' | '>') {
            end += 1;
        }
        self.tokens.push(Token::Broken(self.slice(pos, end)));
        end
    }

    /// `!decoration!` is skipped when it closes within 20 characters; otherwise only the `!`.
    fn exclamation(&mut self, pos: usize) -> usize {
        let limit = (pos + 20).min(self.chars.len());
        match (pos + 1..limit).find(|&j| self.chars[j] == '!') {
            Some(close) => {
                let text = self.slice(pos, close + 1);
                if text == "!crescendo(!" || text == "!diminuendo(!" {
                    self.tokens.push(Token::Mark);
                } else if text == "!crescendo)!" || text == "!diminuendo)!" {
                    self.tokens.push(Token::ParenStop);
                }
                close + 1
            }
            None => pos + 1,
        }
    }

    /// A quoted chord symbol or annotation, kept for the next note.
    fn chord_symbol(&mut self, pos: usize) -> usize {
        let mut end = pos + 1;
        while end + 1 < self.chars.len() && self.chars[end] != '"' {
            end += 1;
        }
        end += 1;
        let text = self.slice(pos, end);
        self.chord_symbol.push_str(&text);
        end
    }

    /// `[ceg]2`, or an inline field such as `[K:D]`.
    fn chord(&mut self, pos: usize) -> usize {
        if let Some(end) = self.inline_field(pos) {
            return end;
        }
        let mut end = pos + 1;
        while end + 1 < self.chars.len() && self.chars[end] != ']' {
            end += 1;
        }
        end += 1;
        while end < self.chars.len() && (self.chars[end].is_ascii_digit() || self.chars[end] == '/')
        {
            end += 1;
        }
        let src = format!(
            "{}{}",
            std::mem::take(&mut self.chord_symbol),
            self.slice(pos, end)
        );
        self.tokens.push(Token::Chord(NoteToken {
            src,
            carried: String::new(),
        }));
        end
    }

    fn inline_field(&mut self, pos: usize) -> Option<usize> {
        let tag = self.at(pos + 1)?;
        if !tag.is_ascii_alphabetic() || self.at(pos + 2) != Some(':') {
            return None;
        }
        let close = (pos + 3..self.chars.len())
            .take_while(|&j| self.chars[j] != '\n')
            .find(|&j| self.chars[j] == ']')?;
        let source = self.slice(pos + 1, close);
        self.push_field(&source, true);
        Some(close + 1)
    }

    /// A note or rest with its decorations, accidentals, octave marks and length.
    fn note(&mut self, pos: usize) -> usize {
        let c = self.chars[pos];
        let mut found = c.is_alphabetic() && !DECORATIONS_AND_ACCIDENTALS.contains(c);
        if found {
            self.pitch = c.to_string();
        }
        if ACCIDENTALS.contains(c) {
            self.accidental = c.to_string();
        }
        let mut j = pos + 1;
        while let Some(ch) = self.at(j) {
            if !found && DECORATIONS_AND_ACCIDENTALS.contains(ch) {
                j += 1;
                if let Some(after) = self.at(j).filter(|a| ACCIDENTALS.contains(*a)) {
                    self.accidental.push(after);
                }
            } else if !found && ch.is_alphabetic() && !"~wuvhHLTSN".contains(ch) {
                found = true;
                self.pitch = ch.to_string();
                j += 1;
            } else if ch.is_ascii_digit() || ",/'".contains(ch) {
                if ",'".contains(ch) {
                    self.pitch.push(ch);
                }
                j += 1;
            } else {
                break;
            }
        }
        let src = format!(
            "{}{}",
            std::mem::take(&mut self.chord_symbol),
            self.slice(pos, j)
        );
        self.push_note(src);
        j
    }

    fn push_note(&mut self, src: String) {
        if is_dropped(&src) {
            return;
        }
        if self.pitch.is_empty() {
            self.tokens.push(Token::Note(NoteToken {
                src,
                carried: String::new(),
            }));
            return;
        }
        let letter: String = self
            .pitch
            .chars()
            .take(1)
            .flat_map(char::to_uppercase)
            .collect();
        let propagation = self.propagation();
        let mut carried = String::new();
        if !self.accidental.is_empty() {
            let accidental = std::mem::take(&mut self.accidental);
            match propagation {
                Propagation::Octave => {
                    self.accidentalized.insert(self.pitch.clone(), accidental);
                }
                Propagation::Pitch => {
                    self.accidentalized.insert(letter, accidental);
                }
                Propagation::Not => {}
            }
        } else {
            let key = match propagation {
                Propagation::Pitch => Some(letter),
                Propagation::Octave => Some(self.pitch.clone()),
                Propagation::Not => None,
            };
            if let Some(found) = key.and_then(|key| self.accidentalized.get(&key)) {
                carried = found.clone();
            }
        }
        self.tokens.push(Token::Note(NoteToken { src, carried }));
    }

    fn propagation(&self) -> Propagation {
        if self.version < (2, 0, 0) {
            return Propagation::Not;
        }
        match self
            .directives
            .get("propagate-accidentals")
            .map(String::as_str)
        {
            Some("not") => Propagation::Not,
            Some("octave") => Propagation::Octave,
            _ => Propagation::Pitch,
        }
    }
}

/// A field starts at a capital letter (or `w`) followed by `:` and anything but `|`.
fn starts_field(c: char, next: Option<char>, next_next: Option<char>) -> bool {
    if next != Some(':') {
        return false;
    }
    match next_next {
        None | Some('|') => false,
        Some(_) => c == 'w' || (c.is_alphabetic() && c.is_uppercase()),
    }
}

/// Note strings music21 skips: lone decorations, `x`/`Z`/`H` starts, quoted text followed
/// only by a decoration, and `=` followed by digits.
fn is_dropped(src: &str) -> bool {
    if DROPPED.contains(&src) {
        return true;
    }
    let last = src.chars().last();
    if src.starts_with('"')
        && (last.is_some_and(|c| "uvkKQ.yTwhx".contains(c)) || src.ends_with("v."))
    {
        return true;
    }
    if src.starts_with('x') || src.starts_with('H') || src.starts_with('Z') {
        return true;
    }
    let mut chars = src.chars();
    chars.next() == Some('=') && chars.next().is_some_and(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(text: &str) -> Vec<String> {
        tokenize(text, (1, 3, 0))
            .into_iter()
            .map(|token| match token {
                Token::Field(f) => format!("{}:{}", f.tag, f.data),
                Token::Bar(b) => b,
                Token::Tuplet(t) => t.src,
                Token::Note(n) | Token::Chord(n) => n.src,
                Token::Broken(b) => b,
                Token::Tie => "-".into(),
                Token::ParenStop => ")".into(),
                Token::Mark => "mark".into(),
                Token::GraceStart => "{".into(),
                Token::GraceStop => "}".into(),
            })
            .collect()
    }

    #[test]
    fn fields_bars_notes_and_chords_become_tokens() {
        assert_eq!(
            sources("X:1\nK:G % key\nG2 A>B|[ceg]2 (3abc :|2 d-d|]"),
            [
                "X:1", "K:G", "G2", "A", ">", "B", "|", "[ceg]2", "(3", "a", "b", "c", ":|", "[2",
                "d", "-", "d", "|]"
            ]
        );
    }

    #[test]
    fn dropped_rests_and_decorations_leave_no_token() {
        assert_eq!(sources("x2 Z4 Hc ~d !trill!e"), ["~d", "e"]);
    }

    #[test]
    fn inline_fields_are_fields_not_chords() {
        assert_eq!(sources("C[K:D]D [M:3/4]E"), ["C", "K:D", "D", "M:3/4", "E"]);
    }

    #[test]
    fn chord_symbols_stay_with_the_next_note() {
        assert_eq!(sources("\"Am\"A \"G7\"[GBd]"), ["\"Am\"A", "\"G7\"[GBd]"]);
    }

    #[test]
    fn accidentals_carry_only_from_version_two() {
        let carried = |version| -> Vec<String> {
            tokenize("^c c|c", version)
                .into_iter()
                .filter_map(|t| match t {
                    Token::Note(n) => Some(n.carried),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(carried((1, 3, 0)), ["", "", ""]);
        assert_eq!(carried((2, 1, 0)), ["", "^", ""]);
    }

    #[test]
    fn the_version_comes_from_the_first_hundred_characters() {
        assert_eq!(header_version("%abc-2.1\nX:1"), (2, 1, 0));
        assert_eq!(header_version("X:1\n"), (1, 3, 0));
    }
}
