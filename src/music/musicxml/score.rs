//! The document level of MusicXML: the root element, metadata, the part list, and the parts.

use std::collections::HashMap;

use super::dom::{Dom, NodeId};
use super::instrument::default_instrument;
use super::part::{Budget, PartHeader, read_part};
use crate::music::model::{Metadata, Score};
use crate::music::read::{ReadError, ReadLimits};

/// Interprets a parsed MusicXML document.
pub(super) fn read_document(
    dom: &Dom<'_>,
    file_name_hint: Option<&str>,
    limits: &ReadLimits,
) -> Result<Score, ReadError> {
    let root = dom.root();
    match dom.name(root) {
        "score-partwise" => {}
        other => {
            let detail = format!("the root element is <{other}>");
            return Err(ReadError::NotMusicXml { detail });
        }
    }

    let metadata = read_metadata(dom, root, file_name_hint);
    let headers = read_part_list(dom, root);
    let first_id = headers.order.first().cloned();
    let mut parts = Vec::new();
    let mut budget = Budget::default();
    for part in dom.children_named(root, "part") {
        let id = dom
            .attr(part, "id")
            .map(|id| id.into_owned())
            .or_else(|| first_id.clone());
        // Like music21, a part missing from the part list is skipped.
        let Some(header) = id.as_ref().and_then(|id| headers.by_id.get(id)) else {
            continue;
        };
        parts.extend(read_part(dom, part, header, limits, &mut budget)?);
    }
    if parts.iter().all(|part| part.measures.is_empty()) {
        return Err(ReadError::EmptyScore);
    }
    Ok(Score {
        metadata,
        parts,
        spelling_inferred: false,
    })
}

/// Work title and number, movement title and number, and the first composer. As in
/// music21, a title equal to the movement name is dropped, and without a movement name the
/// file name stands in.
fn read_metadata(dom: &Dom<'_>, root: NodeId, file_name_hint: Option<&str>) -> Metadata {
    let text = |node: Option<NodeId>| node.and_then(|n| dom.text(n)).map(str::to_string);
    let mut metadata = Metadata {
        title: text(dom.path(root, "work/work-title")),
        number: text(dom.path(root, "work/work-number")),
        movement_number: text(dom.child(root, "movement-number")),
        movement_name: text(dom.child(root, "movement-title")),
        composer: None,
    };
    if metadata.title.is_some() && metadata.title == metadata.movement_name {
        metadata.title = None;
    }
    if metadata.movement_name.is_none() {
        metadata.movement_name = file_name_hint.map(str::to_string);
    }
    if let Some(identification) = dom.child(root, "identification") {
        metadata.composer = dom
            .children_named(identification, "creator")
            .find(|&creator| dom.attr(creator, "type").as_deref() == Some("composer"))
            .and_then(|creator| dom.text(creator))
            .map(str::to_string);
    }
    metadata
}

/// Part headers by id, and the ids in part-list order.
#[derive(Default)]
struct PartList {
    by_id: HashMap<String, PartHeader>,
    order: Vec<String>,
}

fn read_part_list(dom: &Dom<'_>, root: NodeId) -> PartList {
    let mut list = PartList::default();
    let Some(part_list) = dom.child(root, "part-list") else {
        return list;
    };
    for score_part in dom.children_named(part_list, "score-part") {
        let Some(id) = dom.attr(score_part, "id").map(|id| id.into_owned()) else {
            continue;
        };
        let header = read_score_part(dom, score_part, &id);
        list.order.push(id.clone());
        list.by_id.insert(id, header);
    }
    list
}

/// Name, abbreviation, and music21's part id (the instrument's best name). A missing name or
/// abbreviation comes from the part's instrument, as in music21.
fn read_score_part(dom: &Dom<'_>, score_part: NodeId, id: &str) -> PartHeader {
    let instrument = dom.child(score_part, "score-instrument");
    let instrument_name = instrument.and_then(|i| cleaned_child(dom, i, "instrument-name"));
    let instrument_abbreviation =
        instrument.and_then(|i| cleaned_child(dom, i, "instrument-abbreviation"));
    let program = dom
        .path(score_part, "midi-instrument/midi-program")
        .and_then(|p| dom.text(p))
        .and_then(|p| p.parse().ok());
    let default = default_instrument(program, instrument_name.as_deref());
    let name = cleaned_child(dom, score_part, "part-name")
        .filter(|name| !name.is_empty())
        .or_else(|| default.map(|i| i.name.to_string()));
    let abbreviation = cleaned_child(dom, score_part, "part-abbreviation")
        .filter(|abbreviation| !abbreviation.is_empty())
        .or_else(|| default.map(|i| i.abbreviation.to_string()));
    let best_name = [
        &name,
        &abbreviation,
        &instrument_name,
        &instrument_abbreviation,
    ]
    .into_iter()
    .flatten()
    .find(|candidate| !candidate.is_empty())
    .cloned();
    PartHeader {
        source_id: id.to_string(),
        id: best_name,
        name,
        abbreviation,
    }
}

/// music21's `_clean`: the child's text, trimmed, line breaks made spaces; `None` when the
/// element is missing or has no text at all.
fn cleaned_child(dom: &Dom<'_>, node: NodeId, name: &str) -> Option<String> {
    let child = dom.child(node, name)?;
    let raw = dom.raw_text(child);
    if raw.is_empty() {
        return None;
    }
    Some(raw.trim().replace('\n', " "))
}
