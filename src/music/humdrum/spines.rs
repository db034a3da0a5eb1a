//! Humdrum lines and spines: each line classified (global reference, global comment, data),
//! then the columns followed through spine splits `*^`, joins `*v`, exchanges `*x` and ends
//! `*-`, as music21's `createHumdrumSpines` follows them.
//!
//! A spine that splits gets two child spines (its voices); their events go to the children
//! until they join back into the parent. Spine ids count up in order of creation, which is
//! what music21's part ids (`spine_6`) and part order (last created first) come from.

use crate::music::read::{Limit, ReadError, ReadLimits};

/// A classified line of a Humdrum file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Line {
    /// An empty line.
    Blank,
    /// `!!!COM: name`: a reference record.
    Reference {
        /// The code, such as `COM` or `OTL`, language tags removed.
        code: String,
        /// The value, trimmed.
        value: String,
    },
    /// `!! text`: a global comment.
    Comment,
    /// A line of tab-separated spine tokens.
    Data(Vec<String>),
}

/// One token with its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SpineEvent {
    /// The token text.
    pub contents: String,
    /// The line it is on.
    pub line: usize,
}

/// A spine after spine paths are followed.
#[derive(Debug, Clone, Default)]
pub(super) struct Spine {
    /// The creation order, as music21 numbers spines.
    pub id: usize,
    /// Its tokens in order.
    pub events: Vec<SpineEvent>,
    /// The spine it was split from, for a voice.
    pub parent: Option<usize>,
    /// Split points: the line of each `*^` and the two voices created there.
    pub splits: Vec<(usize, [usize; 2])>,
    /// The first of the two voices of a split.
    pub is_first_voice: bool,
}

impl Spine {
    /// The exclusive interpretation (`kern`, `dynam`) named by its first `**` token.
    fn local_type(&self) -> Option<&str> {
        self.events
            .iter()
            .find_map(|event| event.contents.strip_prefix("**"))
    }
}

/// The type of a spine, from its own `**` token or its parent's.
pub(super) fn spine_type(spines: &[Spine], id: usize) -> Option<String> {
    let mut current = Some(id);
    let mut guard = 0;
    while let Some(index) = current {
        let spine = spines.get(index)?;
        if let Some(kind) = spine.local_type() {
            return Some(kind.to_string());
        }
        current = spine.parent;
        guard += 1;
        if guard > spines.len() {
            return None;
        }
    }
    None
}

/// Classifies the lines: trailing white space removed, `!!!` references, `!!` comments, and
/// data lines split at runs of tabs.
pub(super) fn classify(text: &str) -> Vec<Line> {
    text.lines()
        .map(|line| {
            let line = line.trim_end();
            if line.is_empty() {
                Line::Blank
            } else if let Some(reference) = line.strip_prefix("!!!") {
                reference_line(reference)
            } else if line.starts_with("!!") {
                Line::Comment
            } else {
                Line::Data(
                    line.split('\t')
                        .enumerate()
                        .filter(|(i, token)| *i == 0 || !token.is_empty())
                        .map(|(_, token)| token.to_string())
                        .collect(),
                )
            }
        })
        .collect()
}

fn reference_line(text: &str) -> Line {
    let text = text.trim_start_matches('!');
    let Some((code, value)) = text.split_once(':') else {
        return Line::Comment;
    };
    let code = code.trim().replace("@@", "@");
    let code = code.split('@').next().unwrap_or("").to_string();
    Line::Reference {
        code,
        value: value.trim().to_string(),
    }
}

const PATH_TOKENS: [&str; 6] = ["*+", "*-", "*^", "*v", "*x", "*"];

/// Follows the spine paths through the data lines.
pub(super) fn follow_spines(lines: &[Line], limits: &ReadLimits) -> Result<Vec<Spine>, ReadError> {
    let max_columns = lines
        .iter()
        .map(|line| match line {
            Line::Data(tokens) => tokens.len(),
            _ => 0,
        })
        .max()
        .unwrap_or(0);
    let mut spines: Vec<Spine> = Vec::new();
    let mut current: Vec<Option<usize>> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Line::Data(tokens) = line else { continue };
        let number = index + 1;
        for (column, token) in tokens.iter().enumerate().take(max_columns) {
            if current.len() <= column {
                current.resize(column + 1, None);
            }
            let id = match current[column] {
                Some(id) => id,
                None => {
                    let id = add_spine(&mut spines, None, limits)?;
                    current[column] = Some(id);
                    id
                }
            };
            spines[id].events.push(SpineEvent {
                contents: token.clone(),
                line: number,
            });
        }
        if tokens.iter().any(|t| PATH_TOKENS.contains(&t.as_str())) {
            current = follow_paths(&mut spines, &current, tokens, number, limits)?;
        }
    }
    Ok(spines)
}

fn add_spine(
    spines: &mut Vec<Spine>,
    parent: Option<usize>,
    limits: &ReadLimits,
) -> Result<usize, ReadError> {
    let id = spines.len();
    if id as u64 >= limits.max_spines {
        return Err(ReadError::limit(
            Limit::Spines,
            limits.max_spines,
            id as u64 + 1,
        ));
    }
    spines.push(Spine {
        id,
        parent,
        ..Spine::default()
    });
    Ok(id)
}

/// The spines of the next line after a line of path tokens.
fn follow_paths(
    spines: &mut Vec<Spine>,
    current: &[Option<usize>],
    tokens: &[String],
    line: usize,
    limits: &ReadLimits,
) -> Result<Vec<Option<usize>>, ReadError> {
    let mut next: Vec<Option<usize>> = Vec::new();
    // A join waits for its partner: `Some(None)` when the first joined spine had no parent.
    let mut merger: Option<Option<usize>> = None;
    let mut exchange: Option<usize> = None;
    for (column, spine) in current.iter().enumerate() {
        let Some(token) = tokens.get(column) else {
            if spine.is_some() {
                next.push(*spine);
            }
            continue;
        };
        let Some(id) = *spine else { continue };
        match token.as_str() {
            "*-" => {}
            "*^" => {
                let first = add_spine(spines, Some(id), limits)?;
                let second = add_spine(spines, Some(id), limits)?;
                spines[first].is_first_voice = true;
                spines[id].splits.push((line, [first, second]));
                next.extend([Some(first), Some(second)]);
            }
            "*v" => match merger.take() {
                None => merger = Some(spines[id].parent),
                Some(partner_parent) => {
                    let target = match (spines[id].parent, partner_parent) {
                        (Some(parent), _) | (None, Some(parent)) => parent,
                        (None, None) => add_spine(spines, None, limits)?,
                    };
                    next.push(Some(target));
                }
            },
            "*x" => match exchange.take() {
                None => exchange = Some(id),
                Some(other) => next.extend([Some(id), Some(other)]),
            },
            _ => next.push(Some(id)),
        }
    }
    if exchange.is_some() {
        return Err(ReadError::BadHumdrum {
            detail: format!("line {line} exchanges a spine (*x) without a partner"),
        });
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spines(text: &str) -> Vec<Spine> {
        follow_spines(&classify(text), &ReadLimits::default()).unwrap()
    }

    #[test]
    fn lines_are_classified_and_references_keep_their_code() {
        let lines = classify("!!!COM: Bach\n!! note\n\n**kern\t\t**kern\n");
        assert_eq!(
            lines[0],
            Line::Reference {
                code: "COM".into(),
                value: "Bach".into()
            }
        );
        assert_eq!(lines[1], Line::Comment);
        assert_eq!(lines[2], Line::Blank);
        assert_eq!(lines[3], Line::Data(vec!["**kern".into(), "**kern".into()]));
    }

    #[test]
    fn a_split_makes_two_voices_that_join_back_into_the_parent() {
        let text = "**kern\t**kern\n*^\t*\n4c\t4e\t4g\n*v\t*v\t*\n4d\t4f\n*-\t*-\n";
        let spines = spines(text);
        assert_eq!(spines.len(), 4);
        assert_eq!(spines[2].parent, Some(0));
        assert_eq!(spines[3].parent, Some(0));
        assert_eq!(spines[0].splits, vec![(2, [2, 3])]);
        let parent_tokens: Vec<&str> = spines[0]
            .events
            .iter()
            .map(|e| e.contents.as_str())
            .collect();
        assert_eq!(parent_tokens, ["**kern", "*^", "4d", "*-"]);
        assert_eq!(spine_type(&spines, 3).as_deref(), Some("kern"));
    }

    #[test]
    fn an_unpaired_exchange_is_an_error_naming_the_line() {
        let err = follow_spines(&classify("**kern\t**kern\n*x\t*\n"), &ReadLimits::default())
            .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
