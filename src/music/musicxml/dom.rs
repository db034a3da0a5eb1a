//! A small arena tree of a whole XML document, built with quick-xml's pull parser.
//!
//! Names and attributes borrow from the input text; only element text that contains entity
//! references is copied. The MusicXML interpreter walks this tree much as music21 walks
//! ElementTree, which keeps its choices easy to mirror.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::attributes::Attributes;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::music::read::{Limit, ReadError};

/// Index of an element in a [`Dom`].
pub(crate) type NodeId = u32;

const NONE: NodeId = NodeId::MAX;

/// A parsed XML document.
#[derive(Debug)]
pub(crate) struct Dom<'a> {
    nodes: Vec<Node<'a>>,
}

#[derive(Debug)]
struct Node<'a> {
    /// The start tag's content: the name, then the raw attributes.
    tag: &'a str,
    name_len: usize,
    /// Character data directly inside the element (entities resolved).
    text: Cow<'a, str>,
    first_child: NodeId,
    last_child: NodeId,
    next_sibling: NodeId,
}

impl<'a> Dom<'a> {
    /// Parses `text`, refusing documents nested deeper than `max_depth`.
    pub(crate) fn parse(text: &'a str, max_depth: u64) -> Result<Dom<'a>, ReadError> {
        let mut builder = Builder {
            text,
            nodes: Vec::new(),
            stack: Vec::new(),
            max_depth,
        };
        builder.run()?;
        Ok(Dom {
            nodes: builder.nodes,
        })
    }

    /// The document element.
    pub(crate) fn root(&self) -> NodeId {
        0
    }

    /// The element's name.
    pub(crate) fn name(&self, id: NodeId) -> &'a str {
        let node = &self.nodes[id as usize];
        &node.tag[..node.name_len]
    }

    /// The element's direct text, untrimmed.
    pub(crate) fn raw_text(&self, id: NodeId) -> &str {
        &self.nodes[id as usize].text
    }

    /// The element's text, trimmed; `None` when empty (music21's `strippedText`).
    pub(crate) fn text(&self, id: NodeId) -> Option<&str> {
        let text = self.raw_text(id).trim();
        (!text.is_empty()).then_some(text)
    }

    /// The value of an attribute, with entities resolved.
    pub(crate) fn attr(&self, id: NodeId, name: &str) -> Option<Cow<'a, str>> {
        let node = &self.nodes[id as usize];
        let mut attributes = Attributes::new(node.tag, node.name_len);
        attributes.with_checks(false);
        for attribute in attributes.flatten() {
            if attribute.key.as_ref() == name {
                return attribute.normalized_value(XmlVersion::Implicit1_0).ok();
            }
        }
        None
    }

    /// The element's child elements, in document order.
    pub(crate) fn children(&self, id: NodeId) -> Children<'_, 'a> {
        Children {
            dom: self,
            next: self.nodes[id as usize].first_child,
        }
    }

    /// The first child element with this name (ElementTree's `find`).
    pub(crate) fn child(&self, id: NodeId, name: &str) -> Option<NodeId> {
        self.children(id).find(|&child| self.name(child) == name)
    }

    /// Every child element with this name (ElementTree's `findall`).
    pub(crate) fn children_named<'s>(
        &'s self,
        id: NodeId,
        name: &'s str,
    ) -> impl Iterator<Item = NodeId> + 's {
        self.children(id)
            .filter(move |&child| self.name(child) == name)
    }

    /// The trimmed text of the first child with this name.
    pub(crate) fn child_text(&self, id: NodeId, name: &str) -> Option<&str> {
        self.child(id, name).and_then(|child| self.text(child))
    }

    /// Follows a path of child names (`"work/work-title"`), first match at each step.
    pub(crate) fn path(&self, id: NodeId, path: &str) -> Option<NodeId> {
        path.split('/')
            .try_fold(id, |node, name| self.child(node, name))
    }
}

/// Iterator over an element's children.
pub(crate) struct Children<'d, 'a> {
    dom: &'d Dom<'a>,
    next: NodeId,
}

impl Iterator for Children<'_, '_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        if self.next == NONE {
            return None;
        }
        let current = self.next;
        self.next = self.dom.nodes[current as usize].next_sibling;
        Some(current)
    }
}

struct Builder<'a> {
    text: &'a str,
    nodes: Vec<Node<'a>>,
    stack: Vec<NodeId>,
    max_depth: u64,
}

impl<'a> Builder<'a> {
    fn run(&mut self) -> Result<(), ReadError> {
        let mut reader = Reader::from_str(self.text);
        loop {
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(err) => return Err(self.malformed(reader.error_position(), err.to_string())),
            };
            match event {
                Event::Start(start) => self.open(&start, reader.buffer_position())?,
                Event::Empty(start) => {
                    self.open(&start, reader.buffer_position())?;
                    self.stack.pop();
                    if self.stack.is_empty() {
                        break;
                    }
                }
                Event::End(_) => {
                    self.stack.pop();
                    if self.stack.is_empty() {
                        break;
                    }
                }
                Event::Text(text) => {
                    // Indentation between elements is most of the text; skip it unread.
                    let keep = self.current_has_text() || !text.trim_ascii().is_empty();
                    if keep {
                        self.push_text(text.xml10_content());
                    }
                }
                Event::CData(data) => self.push_text(data.into_inner()),
                Event::GeneralRef(reference) => {
                    let resolved = resolve_reference(&reference, reference.resolve_char_ref());
                    self.push_text(Cow::Owned(resolved));
                }
                Event::Eof => return self.finish(reader.buffer_position()),
                _ => {}
            }
        }
        Ok(())
    }

    /// Adds an element under the current one and makes it current.
    fn open(&mut self, start: &BytesStart<'_>, position: u64) -> Result<(), ReadError> {
        if self.stack.len() as u64 >= self.max_depth {
            let found = self.stack.len() as u64 + 1;
            return Err(ReadError::limit(Limit::XmlDepth, self.max_depth, found));
        }
        let tag = self.borrow_from_input(start, position);
        let name_len = start.name().as_ref().len().min(tag.len());
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            tag,
            name_len,
            text: Cow::Borrowed(""),
            first_child: NONE,
            last_child: NONE,
            next_sibling: NONE,
        });
        if let Some(&parent) = self.stack.last() {
            self.link_child(parent, id);
        }
        self.stack.push(id);
        Ok(())
    }

    /// The start tag's content as a slice of the input, so it lives as long as the input.
    fn borrow_from_input(&self, start: &BytesStart<'_>, position: u64) -> &'a str {
        let content: &str = start;
        let base = self.text.as_ptr() as usize;
        let begin = (content.as_ptr() as usize).wrapping_sub(base);
        let slice = self.text.get(begin..begin.saturating_add(content.len()));
        // Should the reader ever copy the tag, fall back to re-reading it from the position.
        slice.unwrap_or_else(|| self.tag_before(position))
    }

    /// The tag content ending just before `position` (`<` ... `>`), found by scanning back.
    fn tag_before(&self, position: u64) -> &'a str {
        let end = usize::try_from(position).unwrap_or(0).min(self.text.len());
        let head = self.text.get(..end).unwrap_or("");
        let open = head.rfind('<').map_or(0, |i| i + 1);
        let body = &head[open..];
        body.trim_end_matches('>').trim_end_matches('/')
    }

    fn current_has_text(&self) -> bool {
        self.stack
            .last()
            .is_some_and(|&current| !self.nodes[current as usize].text.is_empty())
    }

    fn link_child(&mut self, parent: NodeId, child: NodeId) {
        let last = self.nodes[parent as usize].last_child;
        if last == NONE {
            self.nodes[parent as usize].first_child = child;
        } else {
            self.nodes[last as usize].next_sibling = child;
        }
        self.nodes[parent as usize].last_child = child;
    }

    /// Appends character data to the current element; whitespace-only runs before any real
    /// text are dropped, which keeps indentation out of container elements.
    fn push_text(&mut self, piece: Cow<'a, str>) {
        let Some(&current) = self.stack.last() else {
            return;
        };
        let text = &mut self.nodes[current as usize].text;
        if text.is_empty() {
            if !piece.trim().is_empty() {
                *text = piece;
            }
        } else {
            text.to_mut().push_str(&piece);
        }
    }

    fn finish(&self, position: u64) -> Result<(), ReadError> {
        if self.nodes.is_empty() {
            return Err(ReadError::NotMusicXml {
                detail: "no XML element was found".into(),
            });
        }
        match self.stack.last() {
            None => Ok(()),
            Some(&open) => {
                let node = &self.nodes[open as usize];
                let name = &node.tag[..node.name_len];
                let detail = format!("the file ends while <{name}> is still open");
                Err(self.malformed(position, detail))
            }
        }
    }

    fn malformed(&self, position: u64, detail: String) -> ReadError {
        let byte = usize::try_from(position)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        ReadError::MalformedXml {
            line: line_of(self.text, byte),
            byte: byte as u64,
            detail,
        }
    }
}

/// The 1-based line containing `byte`; a lone CR (old Mac files) also ends a line.
fn line_of(text: &str, byte: usize) -> u64 {
    let head = text.as_bytes().get(..byte).unwrap_or(text.as_bytes());
    let mut lines = 1;
    let mut previous = 0u8;
    for &b in head {
        if b == b'\n' && previous != b'\r' || b == b'\r' {
            lines += 1;
        }
        previous = b;
    }
    lines
}

/// The text of an entity reference: a character reference, a predefined entity, or the
/// reference itself when unknown.
fn resolve_reference(name: &str, character: Result<Option<char>, quick_xml::Error>) -> String {
    if let Ok(Some(c)) = character {
        return c.to_string();
    }
    match name {
        "lt" => "<".into(),
        "gt" => ">".into(),
        "amp" => "&".into(),
        "apos" => "'".into(),
        "quot" => "\"".into(),
        other => format!("&{other};"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_text_and_attributes_are_reachable() {
        let dom = Dom::parse(
            "<a x='1 &amp; 2'><b>hi &lt;there&gt;</b><c/><b> two </b></a>",
            64,
        )
        .unwrap();
        let root = dom.root();
        assert_eq!(dom.name(root), "a");
        assert_eq!(dom.attr(root, "x").as_deref(), Some("1 & 2"));
        let names: Vec<&str> = dom.children(root).map(|c| dom.name(c)).collect();
        assert_eq!(names, ["b", "c", "b"]);
        assert_eq!(dom.child_text(root, "b"), Some("hi <there>"));
        assert_eq!(dom.children_named(root, "b").count(), 2);
        assert_eq!(dom.text(dom.child(root, "c").unwrap()), None);
    }

    #[test]
    fn a_truncated_document_reports_the_open_element_and_line() {
        let err = Dom::parse("<a>\n<b>\n<c>text", 64).unwrap_err();
        match err {
            ReadError::MalformedXml { line, detail, .. } => {
                assert_eq!(line, 3);
                assert!(detail.contains("<c>"), "{detail}");
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn mismatched_tags_are_malformed() {
        let err = Dom::parse("<a><b></a>", 64).unwrap_err();
        assert!(matches!(err, ReadError::MalformedXml { .. }), "{err}");
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused() {
        let deep = "<a>".repeat(10) + &"</a>".repeat(10);
        let err = Dom::parse(&deep, 5).unwrap_err();
        assert!(matches!(
            err,
            ReadError::LimitExceeded {
                limit: Limit::XmlDepth,
                ..
            }
        ));
    }
}
