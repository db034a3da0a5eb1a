//! How music21's `Metadata` summarises several values of one field, shared by the text readers:
//! titles are joined with commas after moving a trailing article to the front ("Ale is Dear,
//! The" reads "The Ale is Dear"), and contributors read "A and B" or "A and 2 others".

/// Articles music21 moves to the front of a title, for every language it knows.
const ARTICLES: [&str; 59] = [
    "al-", "the", "a", "an", "der", "die", "das", "des", "dem", "den", "ein", "eine", "einer",
    "einem", "einen", "de", "het", "'t", "een", "el", "la", "los", "las", "un", "una", "unos",
    "unas", "o", "a", "os", "as", "um", "uma", "uns", "umas", "le", "la", "les", "l'", "un", "une",
    "des", "du", "de la", "des", "il", "lo", "la", "l'", "i", "gli", "le", "un'", "un", "uno",
    "una", "del", "dello", "della",
];

/// More Italian articles (kept apart to keep the table readable).
const MORE_ARTICLES: [&str; 4] = ["dei", "degli", "delle", "dello"];

/// A title-like field: each value with its article normalised, joined with `, `.
pub(crate) fn title(values: &[String]) -> Option<String> {
    if values.is_empty() {
        return None;
    }
    let normalised: Vec<String> = values.iter().map(|v| prepend_article(v)).collect();
    Some(normalised.join(", "))
}

/// A plain field: the values joined with `, `.
pub(crate) fn plain(values: &[String]) -> Option<String> {
    (!values.is_empty()).then(|| values.join(", "))
}

/// A contributor field such as the composer: `A`, `A and B`, or `A and 2 others`.
pub(crate) fn contributors(values: &[String]) -> Option<String> {
    match values {
        [] => None,
        [one] => Some(one.clone()),
        [first, second] => Some(format!("{first} and {second}")),
        [first, rest @ ..] => Some(format!("{first} and {} others", rest.len())),
    }
}

fn prepend_article(text: &str) -> String {
    let Some((head, trailing)) = text.rsplit_once(',') else {
        return text.to_string();
    };
    let trailing = trailing.trim();
    let lower = trailing.to_lowercase();
    if ARTICLES.contains(&lower.as_str()) || MORE_ARTICLES.contains(&lower.as_str()) {
        format!("{trailing} {head}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_move_trailing_articles_and_contributors_are_summarised() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(title(&s(&["Ale is Dear, The"])).unwrap(), "The Ale is Dear");
        assert_eq!(title(&s(&["Kyrie", "Gloria"])).unwrap(), "Kyrie, Gloria");
        assert_eq!(
            title(&s(&["Mullindough, or the Laddie"])).unwrap(),
            "Mullindough, or the Laddie"
        );
        assert_eq!(contributors(&s(&["A", "B"])).unwrap(), "A and B");
        assert_eq!(
            contributors(&s(&["A", "B", "C"])).unwrap(),
            "A and 2 others"
        );
        assert_eq!(plain(&[]), None);
    }
}
