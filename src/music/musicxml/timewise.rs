//! `score-timewise` MusicXML turned into `score-partwise` text before the partwise reader runs.
//!
//! A timewise document nests parts inside measures; the partwise reader wants measures inside
//! parts. The conversion copies the header (work, identification, part list) unchanged, then
//! writes each part with its measures in document order, each measure keeping its attributes
//! and the part's content for it. Only the nesting changes, so what the partwise reader sees
//! is exactly what the timewise file says (music21 converts the same way, with its XSLT).

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::music::read::ReadError;

/// True when the document element is `<score-timewise>`.
pub(super) fn is_timewise(text: &str) -> bool {
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(start) | Event::Empty(start)) => {
                return start.name().as_ref() == "score-timewise";
            }
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// One `<measure>`: its start-tag attributes and each part's content.
struct TimewiseMeasure {
    attributes: String,
    parts: Vec<(String, String)>,
}

/// The document split into the pieces the partwise text is made of.
#[derive(Default)]
struct Pieces {
    root_attributes: String,
    header: String,
    measures: Vec<TimewiseMeasure>,
    part_order: Vec<String>,
}

/// Rewrites a timewise document as partwise text.
pub(super) fn to_partwise(text: &str) -> Result<String, ReadError> {
    let pieces = split(text)?;
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str("<score-partwise");
    out.push_str(&pieces.root_attributes);
    out.push('>');
    out.push_str(&pieces.header);
    for id in &pieces.part_order {
        out.push_str(&format!("<part id=\"{}\">", escape_attribute(id)));
        for measure in &pieces.measures {
            out.push_str("<measure");
            out.push_str(&measure.attributes);
            out.push('>');
            for (_, content) in measure.parts.iter().filter(|(part, _)| part == id) {
                out.push_str(content);
            }
            out.push_str("</measure>");
        }
        out.push_str("</part>");
    }
    out.push_str("</score-partwise>");
    Ok(out)
}

fn escape_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// Walks the document once, cutting it at the root's children and the measures' parts.
fn split(text: &str) -> Result<Pieces, ReadError> {
    let mut reader = Reader::from_str(text);
    let mut pieces = Pieces::default();
    let mut depth = 0usize;
    let mut child_start = 0usize;
    let mut part: Option<(String, usize)> = None;
    let mut in_measure = false;
    loop {
        let before = position(&reader);
        let event = reader
            .read_event()
            .map_err(|err| malformed(text, reader.error_position(), &err.to_string()))?;
        let after = position(&reader);
        match event {
            Event::Start(start) => {
                depth += 1;
                let name = start.name().as_ref().to_string();
                let attributes = tag_attributes(&text[before..after], name.len());
                match depth {
                    1 => pieces.root_attributes = attributes,
                    2 => {
                        child_start = before;
                        in_measure = name == "measure";
                        if in_measure {
                            pieces.measures.push(TimewiseMeasure {
                                attributes,
                                parts: Vec::new(),
                            });
                        }
                    }
                    3 if name == "part" && in_measure => {
                        let id = attribute(&start, "id").unwrap_or_default();
                        part = Some((id, after));
                    }
                    _ => {}
                }
            }
            Event::Empty(start) => {
                let name = start.name().as_ref().to_string();
                match depth {
                    1 if name == "measure" => pieces.measures.push(TimewiseMeasure {
                        attributes: tag_attributes(&text[before..after], name.len()),
                        parts: Vec::new(),
                    }),
                    1 => pieces.header.push_str(&text[before..after]),
                    2 if name == "part" && in_measure => {
                        let id = attribute(&start, "id").unwrap_or_default();
                        remember(&mut pieces, id, String::new());
                    }
                    _ => {}
                }
            }
            Event::End(end) => {
                let name = end.name().as_ref().to_string();
                match depth {
                    3 if name == "part" => {
                        if let Some((id, content_start)) = part.take() {
                            remember(&mut pieces, id, text[content_start..before].to_string());
                        }
                    }
                    2 if name != "measure" => {
                        pieces.header.push_str(&text[child_start..after]);
                    }
                    _ => {}
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    add_part_list_order(text, &mut pieces);
    Ok(pieces)
}

fn position(reader: &Reader<&[u8]>) -> usize {
    usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)
}

/// The attribute text of a start tag `<name attrs>`, with its leading space.
fn tag_attributes(tag: &str, name_len: usize) -> String {
    let inner = tag
        .strip_prefix('<')
        .unwrap_or(tag)
        .trim_end_matches('>')
        .trim_end_matches('/');
    inner.get(name_len..).unwrap_or("").trim_end().to_string()
}

fn attribute(start: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

fn remember(pieces: &mut Pieces, id: String, content: String) {
    if !pieces.part_order.contains(&id) {
        pieces.part_order.push(id.clone());
    }
    if let Some(measure) = pieces.measures.last_mut() {
        measure.parts.push((id, content));
    }
}

/// Parts are written in part-list order; parts only found in measures follow.
fn add_part_list_order(text: &str, pieces: &mut Pieces) {
    let mut order: Vec<String> = Vec::new();
    let mut reader = Reader::from_str(text);
    let mut in_part_list = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) if start.name().as_ref() == "part-list" => in_part_list = true,
            Ok(Event::End(end)) if end.name().as_ref() == "part-list" => break,
            Ok(Event::Start(start) | Event::Empty(start))
                if in_part_list && start.name().as_ref() == "score-part" =>
            {
                if let Some(id) = attribute(&start, "id") {
                    order.push(id);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    for id in std::mem::take(&mut pieces.part_order) {
        if !order.contains(&id) {
            order.push(id);
        }
    }
    pieces.part_order = order;
}

fn malformed(text: &str, byte: u64, detail: &str) -> ReadError {
    let end = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
    let line = text
        .get(..end)
        .map_or(1, |head| head.matches('\n').count() + 1);
    ReadError::MalformedXml {
        line: line as u64,
        byte,
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEWISE: &str = r#"<?xml version="1.0"?>
<!DOCTYPE score-timewise PUBLIC "-//Recordare//DTD MusicXML 4.0 Timewise//EN" "x">
<score-timewise version="4.0">
  <work><work-title>Round</work-title></work>
  <part-list><score-part id="P1"/><score-part id="P2"/></part-list>
  <measure number="1">
    <part id="P1"><note>a</note></part>
    <part id="P2"><note>b</note></part>
  </measure>
  <measure number="2" implicit="no">
    <part id="P1"><note>c</note></part>
    <part id="P2"/>
  </measure>
</score-timewise>"#;

    #[test]
    fn timewise_documents_are_recognised_by_their_root() {
        assert!(is_timewise(TIMEWISE));
        assert!(!is_timewise("<score-partwise/>"));
    }

    #[test]
    fn measures_of_each_part_are_gathered_in_order() {
        let partwise = to_partwise(TIMEWISE).unwrap();
        assert!(
            partwise.starts_with("<score-partwise version=\"4.0\">"),
            "{partwise}"
        );
        assert!(partwise.contains("<work><work-title>Round</work-title></work>"));
        let p1 = partwise.find("<part id=\"P1\">").unwrap();
        let p2 = partwise.find("<part id=\"P2\">").unwrap();
        assert!(p1 < p2);
        assert!(partwise[p1..p2].contains(
            "<measure number=\"1\"><note>a</note></measure><measure number=\"2\" implicit=\"no\">\
             <note>c</note></measure>"
        ));
        assert!(partwise[p2..].contains("<measure number=\"2\" implicit=\"no\"></measure>"));
    }
}
