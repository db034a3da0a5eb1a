//! A small arena tree of a whole XML document, built in one pass over the text (quick-xml
//! parses attributes, lazily, when the interpreter asks for one).
//!
//! Names and attributes borrow from the input text; only element text that contains entity
//! references is copied. The MusicXML interpreter walks this tree much as music21 walks
//! ElementTree, which keeps its choices easy to mirror.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::attributes::Attributes;

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
    /// One pass over the text: markup is found with a byte search for `<`, and elements,
    /// character data, CDATA, comments, processing instructions and the doctype are told apart
    /// by what follows it. Reading stops when the document element closes.
    fn run(&mut self) -> Result<(), ReadError> {
        let text = self.text;
        let mut pos = 0;
        loop {
            let Some(found) = text[pos..].find('<') else {
                self.character_data(pos, &text[pos..])?;
                return self.finish(text.len() as u64);
            };
            let lt = pos + found;
            if lt > pos {
                self.character_data(pos, &text[pos..lt])?;
            }
            let rest = &text[lt + 1..];
            pos = if rest.starts_with('/') {
                let end = self.close_tag(lt)?;
                if self.stack.is_empty() {
                    return Ok(());
                }
                end
            } else if rest.starts_with('?') {
                self.skip_past(lt, "?>", "a processing instruction")?
            } else if rest.starts_with("!--") {
                self.skip_past(lt, "-->", "a comment")?
            } else if rest.starts_with("![CDATA[") {
                let body = lt + "<![CDATA[".len();
                let end = self.skip_past(lt, "]]>", "a CDATA section")?;
                self.push_text(Cow::Borrowed(&text[body..end - "]]>".len()]));
                end
            } else if rest.starts_with('!') {
                self.skip_declaration(lt)?
            } else {
                let (end, empty) = self.open_tag(lt)?;
                if empty {
                    self.stack.pop();
                    if self.stack.is_empty() {
                        return Ok(());
                    }
                }
                end
            };
        }
    }

    /// Character data between markup, starting at byte `at`: line ends normalised to `\n` and
    /// references resolved, as an XML processor passes them on.
    fn character_data(&mut self, at: usize, run: &'a str) -> Result<(), ReadError> {
        // Indentation between elements is most of the text; skip it unread.
        if self.stack.is_empty() || (!self.current_has_text() && run.trim_ascii().is_empty()) {
            return Ok(());
        }
        if !run.contains(['&', '\r']) {
            self.push_text(Cow::Borrowed(run));
            return Ok(());
        }
        let mut out = String::with_capacity(run.len());
        let mut rest = run;
        while let Some(amp) = rest.find('&') {
            out.push_str(&rest[..amp]);
            let after = &rest[amp + 1..];
            let Some(semi) = after.find(';').filter(|&i| i <= 32) else {
                let offset = at + (run.len() - rest.len()) + amp;
                let detail = "an '&' that starts no reference; write it as &amp;".to_string();
                return Err(self.malformed(offset as u64, detail));
            };
            out.push_str(&resolve_reference(&after[..semi]));
            rest = &after[semi + 1..];
        }
        out.push_str(rest);
        let normalised = if out.contains('\r') {
            out.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            out
        };
        self.push_text(Cow::Owned(normalised));
        Ok(())
    }

    /// A start or empty-element tag at `lt`; returns the byte after it and whether it was empty.
    fn open_tag(&mut self, lt: usize) -> Result<(usize, bool), ReadError> {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut quote = None;
        let mut gt = None;
        for (i, &b) in bytes.iter().enumerate().skip(lt + 1) {
            match (quote, b) {
                (None, b'"' | b'\'') => quote = Some(b),
                (Some(q), _) if b == q => quote = None,
                (None, b'>') => {
                    gt = Some(i);
                    break;
                }
                (None, b'<') => {
                    let detail = "a '<' inside a tag; the tag before it is not closed".into();
                    return Err(self.malformed(i as u64, detail));
                }
                _ => {}
            }
        }
        let Some(gt) = gt else {
            let detail = "the file ends inside a tag".to_string();
            return Err(self.malformed(text.len() as u64, detail));
        };
        let inner = &text[lt + 1..gt];
        let (tag, empty) = match inner.strip_suffix('/') {
            Some(tag) => (tag, true),
            None => (inner, false),
        };
        let name_len = tag
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(tag.len());
        if name_len == 0 {
            let detail = "a tag without a name".to_string();
            return Err(self.malformed(lt as u64, detail));
        }
        self.open(tag, name_len)?;
        Ok((gt + 1, empty))
    }

    /// An end tag at `lt`, which must close the current element; returns the byte after it.
    fn close_tag(&mut self, lt: usize) -> Result<usize, ReadError> {
        let text = self.text;
        let Some(gt) = text[lt..].find('>').map(|i| lt + i) else {
            let detail = "the file ends inside an end tag".to_string();
            return Err(self.malformed(text.len() as u64, detail));
        };
        let name = text[lt + 2..gt].trim_end();
        let Some(&current) = self.stack.last() else {
            let detail = format!("</{name}> closes an element that was never opened");
            return Err(self.malformed(lt as u64, detail));
        };
        let node = &self.nodes[current as usize];
        let open = &node.tag[..node.name_len];
        if open != name {
            let detail = format!("expected </{open}>, found </{name}>");
            return Err(self.malformed(lt as u64, detail));
        }
        self.stack.pop();
        Ok(gt + 1)
    }

    /// Skips from `lt` past the next `end`; returns the byte after it.
    fn skip_past(&self, lt: usize, end: &str, what: &str) -> Result<usize, ReadError> {
        match self.text[lt..].find(end) {
            Some(i) => Ok(lt + i + end.len()),
            None => {
                let detail = format!("the file ends inside {what}");
                Err(self.malformed(self.text.len() as u64, detail))
            }
        }
    }

    /// A `<!DOCTYPE ...>` (or other declaration), including an internal subset in brackets.
    fn skip_declaration(&self, lt: usize) -> Result<usize, ReadError> {
        let mut depth = 0usize;
        let mut quote = None;
        for (i, &b) in self.text.as_bytes().iter().enumerate().skip(lt + 1) {
            match (quote, b) {
                (None, b'"' | b'\'') => quote = Some(b),
                (Some(q), _) if b == q => quote = None,
                (None, b'[') => depth += 1,
                (None, b']') => depth = depth.saturating_sub(1),
                (None, b'>') if depth == 0 => return Ok(i + 1),
                _ => {}
            }
        }
        let detail = "the file ends inside a declaration".to_string();
        Err(self.malformed(self.text.len() as u64, detail))
    }

    /// Adds an element under the current one and makes it current.
    fn open(&mut self, tag: &'a str, name_len: usize) -> Result<(), ReadError> {
        if self.stack.len() as u64 >= self.max_depth {
            let found = self.stack.len() as u64 + 1;
            return Err(ReadError::limit(Limit::XmlDepth, self.max_depth, found));
        }
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

/// The text of a reference (`lt`, `#233`, `#xE9`): a character reference, a predefined
/// entity, or the reference itself when unknown (music21 keeps those as written too).
fn resolve_reference(name: &str) -> String {
    let character = match name.strip_prefix('#') {
        Some(hex) if hex.starts_with(['x', 'X']) => u32::from_str_radix(&hex[1..], 16).ok(),
        Some(decimal) => decimal.parse::<u32>().ok(),
        None => None,
    };
    if let Some(c) = character.and_then(char::from_u32) {
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
    fn declarations_comments_cdata_and_references_are_read_as_xml_says() {
        let text = "<?xml version='1.0'?>\r\n<!DOCTYPE a PUBLIC \"-//x\" \"y.dtd\" [\
                    <!ENTITY e 'v'>]>\r<!-- <b>not an element</b> -->\
                    <a><b>one\r\ntwo\rthree</b><c><![CDATA[x < y & z]]></c>\
                    <d>&#233;&#xE9;&lt;&unknown;</d><!-- > --><e a='1>2'/></a>trailing";
        let dom = Dom::parse(text, 64).unwrap();
        let root = dom.root();
        let names: Vec<&str> = dom.children(root).map(|c| dom.name(c)).collect();
        assert_eq!(names, ["b", "c", "d", "e"]);
        assert_eq!(dom.child_text(root, "b"), Some("one\ntwo\nthree"));
        assert_eq!(dom.child_text(root, "c"), Some("x < y & z"));
        assert_eq!(dom.child_text(root, "d"), Some("\u{e9}\u{e9}<&unknown;"));
        let e = dom.child(root, "e").unwrap();
        assert_eq!(dom.attr(e, "a").as_deref(), Some("1>2"));
    }

    #[test]
    fn broken_markup_is_malformed_with_a_reason() {
        for (text, reason) in [
            ("</a>", "never opened"),
            ("<a>fish & chips</a>", "starts no reference"),
            ("<a><b x='1'", "ends inside a tag"),
            ("<a><!-- open", "ends inside a comment"),
            ("<a><![CDATA[ open", "ends inside a CDATA section"),
            ("<a></b>", "expected </a>, found </b>"),
            ("<a>< b/></a>", "without a name"),
        ] {
            match Dom::parse(text, 64) {
                Err(ReadError::MalformedXml { detail, .. }) => {
                    assert!(detail.contains(reason), "{text}: {detail}")
                }
                other => panic!("{text}: expected malformed XML, got {other:?}"),
            }
        }
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
