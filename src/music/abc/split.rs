//! Cutting processed ABC tokens into tunes, voices and measures, as music21's
//! `splitByReferenceNumber`, `splitByVoice`, `splitByMeasure` and `mergeLeadingMetaData` do.
//!
//! These rules decide measure numbers and counts, so they follow music21 closely: a field
//! line followed by a note ends a measure (a `P:` or `M:` line mid-tune starts a new one), a
//! voice is cut at every `V:` whose name starts with a digit, and a tune with fewer than two
//! plain barlines gets no measures at all.

use std::collections::BTreeMap;

use super::process::Item;
use super::token::Token;

/// The tokens of one measure (or of leading or trailing fields).
#[derive(Debug, Clone, Default)]
pub(super) struct BarChunk {
    /// The tokens, barlines removed.
    pub items: Vec<Item>,
}

impl BarChunk {
    /// True when the chunk holds a note, rest or chord token.
    pub(super) fn has_notes(&self) -> bool {
        has_notes(&self.items)
    }
}

/// True when the tokens include a note, rest or chord.
pub(super) fn has_notes(items: &[Item]) -> bool {
    items
        .iter()
        .any(|item| matches!(item.token, Token::Note(_) | Token::Chord(_)))
}

fn is_reference(item: &Item) -> bool {
    matches!(&item.token, Token::Field(field) if field.tag == 'X' && !field.inline)
}

/// The reference number of an `X:` value (its leading digits; 0 when there are none).
pub(super) fn reference_number(data: &str) -> u32 {
    let digits: String = data
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap_or(0)
}

/// The tunes of a file with several `X:` fields, by number (a repeated number keeps its last
/// tune, as in music21); `None` for a file with at most one. Tokens before the first `X:` are
/// prepended to every tune.
pub(super) fn split_tunes(items: Vec<Item>) -> Option<BTreeMap<u32, Vec<Item>>> {
    if items.iter().filter(|item| is_reference(item)).count() < 2 {
        return None;
    }
    let mut header = Vec::new();
    let mut tunes: BTreeMap<u32, Vec<Item>> = BTreeMap::new();
    let mut current: Option<(u32, Vec<Item>)> = None;
    for item in items {
        if let Token::Field(field) = &item.token
            && is_reference(&item)
        {
            if let Some((number, tokens)) = current.take() {
                tunes.insert(number, tokens);
            }
            current = Some((reference_number(&field.data), Vec::new()));
        }
        match current.as_mut() {
            Some((_, tokens)) => tokens.push(item),
            None => header.push(item),
        }
    }
    if let Some((number, tokens)) = current {
        tunes.insert(number, tokens);
    }
    for tokens in tunes.values_mut() {
        let mut joined = header.clone();
        joined.append(tokens);
        *tokens = joined;
    }
    Some(tunes)
}

/// One token list per part: with two or more `V:` fields whose value starts with a digit, the
/// tokens before the first one are put in front of each stretch between them.
pub(super) fn split_voices(items: Vec<Item>) -> Vec<Vec<Item>> {
    let starts: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| match &item.token {
            Token::Field(field) => {
                field.tag == 'V' && field.data.starts_with(|c: char| c.is_ascii_digit())
            }
            _ => false,
        })
        .map(|(i, _)| i)
        .collect();
    if starts.len() <= 1 {
        return vec![items];
    }
    let header = items[..starts[0]].to_vec();
    let mut bounds = starts.clone();
    bounds.push(items.len());
    bounds
        .windows(2)
        .map(|pair| {
            let mut part = header.clone();
            part.extend_from_slice(&items[pair[0]..pair[1]]);
            part
        })
        .collect()
}

/// music21 makes measures only when at least two plain barlines (`|`, `[1`, `[2`) appear.
pub(super) fn defines_measures(items: &[Item]) -> bool {
    items
        .iter()
        .filter(|item| matches!(&item.token, Token::Bar(bar) if matches!(bar.as_str(), "|" | "[1" | "[2")))
        .count()
        >= 2
}

/// Cuts a part's tokens at barlines and at the last field before a note.
pub(super) fn split_measures(items: &[Item]) -> Vec<BarChunk> {
    let boundaries = boundary_indices(items);
    let Some(&first) = boundaries.first() else {
        return vec![BarChunk {
            items: items.to_vec(),
        }];
    };
    let last_index = items.len() - 1;
    let mut pairs = vec![(0, first)];
    let mut start = first;
    for &end in &boundaries[1..] {
        if end != start + 1 {
            pairs.push((start, end));
        }
        start = end;
    }
    if start != last_index {
        pairs.push((start, last_index));
    }
    pairs
        .into_iter()
        .map(|(x, y)| clip(items, x, y))
        .filter(|chunk| !chunk.items.is_empty())
        .collect()
}

fn is_field(item: &Item) -> bool {
    matches!(item.token, Token::Field(_))
}

fn is_note(item: &Item) -> bool {
    matches!(item.token, Token::Note(_) | Token::Chord(_))
}

fn boundary_indices(items: &[Item]) -> Vec<usize> {
    (0..items.len())
        .filter(|&i| match &items[i].token {
            Token::Bar(_) => true,
            Token::Field(field) => !field.inline && items.get(i + 1).is_some_and(is_note),
            _ => false,
        })
        .collect()
}

/// The tokens between two boundaries: a barline at either end is dropped, a field at the start
/// belongs to the previous measure (except at the very start), and a note at the end is kept
/// only when it is the last token.
fn clip(items: &[Item], x: usize, y: usize) -> BarChunk {
    let mut from = x;
    if matches!(items[x].token, Token::Bar(_)) || (x != 0 && is_field(&items[x])) {
        from = x + 1;
    }
    let to = match &items[y].token {
        Token::Bar(_) => y.checked_sub(1),
        Token::Field(_) => Some(y),
        _ if is_note(&items[y]) && y == items.len() - 1 => Some(y),
        _ => y.checked_sub(1),
    };
    let items = match to {
        Some(to) if from <= to => items[from..=to].to_vec(),
        _ => Vec::new(),
    };
    BarChunk { items }
}

/// Joins field-only chunks to the measure after them; with at most one chunk holding notes,
/// everything becomes one chunk (and the part gets no measures).
pub(super) fn merge_leading_fields(chunks: Vec<BarChunk>) -> Vec<BarChunk> {
    let with_notes = chunks.iter().filter(|chunk| chunk.has_notes()).count();
    if with_notes <= 1 {
        let items = chunks.into_iter().flat_map(|chunk| chunk.items).collect();
        return vec![BarChunk { items }];
    }
    let count = chunks.len();
    let mut merged = Vec::new();
    let mut iter = chunks.into_iter().enumerate();
    while let Some((i, mut chunk)) = iter.next() {
        if !chunk.has_notes()
            && i != count - 1
            && let Some((_, next)) = iter.next()
        {
            chunk.items.extend(next.items);
        }
        merged.push(chunk);
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::super::process::process;
    use super::*;

    fn chunk_sources(text: &str) -> Vec<usize> {
        let items = process(text, (1, 3, 0));
        merge_leading_fields(split_measures(&items))
            .iter()
            .map(|chunk| chunk.items.iter().filter(|i| i.note.is_some()).count())
            .collect()
    }

    #[test]
    fn the_header_joins_the_first_measure_and_barlines_cut_the_rest() {
        assert_eq!(
            chunk_sources("X:1\nM:4/4\nL:1/4\nK:C\nG|ABcd|e4|]"),
            [1, 4, 1]
        );
    }

    #[test]
    fn a_field_line_before_notes_starts_a_new_measure() {
        assert_eq!(
            chunk_sources("X:1\nL:1/4\nK:C\nAB|cd\nP:B\nef|g2|"),
            [2, 2, 2, 1]
        );
    }

    #[test]
    fn tunes_are_found_by_number_with_the_file_header_in_front() {
        let items = process("T:Book\nX:2\nK:C\nC|\nX:1\nK:G\nG|", (1, 3, 0));
        let tunes = split_tunes(items).unwrap();
        assert_eq!(tunes.keys().copied().collect::<Vec<_>>(), [1, 2]);
        assert!(matches!(&tunes[&1][0].token, Token::Field(f) if f.tag == 'T'));
        assert_eq!(reference_number(" 0490"), 490);
    }

    #[test]
    fn voices_named_with_digits_become_parts_sharing_the_header() {
        let items = process("X:1\nK:C\nV:1\nCD|EF|\nV:2\nC,D,|E,F,|", (1, 3, 0));
        let parts = split_voices(items);
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| defines_measures(p)));
    }
}
