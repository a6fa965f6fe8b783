//! The small borrowed tree the verifier and the signer walk, built from the
//! [`Parser`]'s events: elements with their resolved names, declarations,
//! attributes and children; text with references expanded; comments and
//! processing instructions inside the document element.
//!
//! The tree is flat: one vector of nodes in document order (an element is
//! followed by its subtree, and knows where that subtree ends), one vector of
//! the attributes and one of the namespace declarations of all elements, each
//! element holding the range of its own. Three allocations for the whole
//! document, sized from the input's length, instead of two vectors per element.

use std::borrow::Cow;
use std::ops::Range;

use super::{Attr, Ev, Parser, has_id, malformed};
use crate::error::Error;

/// A parsed document: its document element, borrowing from `text`.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    /// The input, line ends normalized: the elements' offsets are into it.
    pub(crate) text: &'a str,
    /// Whether the document has a DOCTYPE (one without an internal subset: one
    /// with declarations is refused while parsing).
    pub(crate) doctype: bool,
    /// The nodes in document order; the document element first.
    nodes: Vec<Slot<'a>>,
    attrs: Vec<Attr<'a>>,
    decls: Vec<(&'a str, Cow<'a, str>)>,
}

/// A node as stored.
#[derive(Debug)]
enum Slot<'a> {
    Element(Data<'a>),
    Text(Cow<'a, str>),
    Comment(&'a str),
    Pi { target: &'a str, data: &'a str },
}

/// A node of the tree, as its parent's children are read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Node<'a> {
    Element(Element<'a>),
    Text(&'a str),
    Comment(&'a str),
    Pi { target: &'a str, data: &'a str },
}

/// What an element holds, with its names resolved.
#[derive(Debug)]
pub(crate) struct Data<'a> {
    /// The prefix as written (`None`: unprefixed).
    pub(crate) prefix: Option<&'a str>,
    pub(crate) local: &'a str,
    /// The namespace URI (empty: none).
    pub(crate) ns: Cow<'a, str>,
    /// Byte offset (in the normalized input) just after the element's end.
    pub(crate) end: usize,
    /// Its namespace declarations and attributes in the document's vectors.
    decls: Range<usize>,
    attrs: Range<usize>,
    /// The index of the first node after its subtree.
    next: usize,
}

/// An element of a [`Document`]: a cheap handle (`Copy`); its names, `ns` and
/// `end` are read through `Deref`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Element<'a> {
    doc: &'a Document<'a>,
    index: usize,
    data: &'a Data<'a>,
}

impl<'a> std::ops::Deref for Element<'a> {
    type Target = Data<'a>;

    fn deref(&self) -> &Data<'a> {
        self.data
    }
}

impl<'a> Document<'a> {
    /// The document element.
    pub(crate) fn root(&'a self) -> Element<'a> {
        self.element(0).unwrap_or_else(no_root)
    }

    fn element(&'a self, index: usize) -> Option<Element<'a>> {
        match self.nodes.get(index) {
            Some(Slot::Element(data)) => Some(Element {
                doc: self,
                index,
                data,
            }),
            _ => None,
        }
    }

    fn node(&'a self, index: usize) -> Option<Node<'a>> {
        Some(match self.nodes.get(index)? {
            Slot::Element(data) => Node::Element(Element {
                doc: self,
                index,
                data,
            }),
            Slot::Text(t) => Node::Text(t),
            Slot::Comment(c) => Node::Comment(c),
            Slot::Pi { target, data } => Node::Pi { target, data },
        })
    }
}

/// Never reached: [`parse_normalized`] makes no document without an element, so
/// a `Document`'s first node is its document element. Rather than a panic, an
/// element named `""` with no attributes and no children (no check accepts it).
#[cold]
fn no_root<'a>() -> Element<'a> {
    static EMPTY: Document<'static> = Document {
        text: "",
        doctype: false,
        nodes: Vec::new(),
        attrs: Vec::new(),
        decls: Vec::new(),
    };
    static DATA: Data<'static> = Data {
        prefix: None,
        local: "",
        ns: Cow::Borrowed(""),
        end: 0,
        decls: 0..0,
        attrs: 0..0,
        next: 0,
    };
    Element {
        doc: &EMPTY,
        index: usize::MAX,
        data: &DATA,
    }
}

impl<'a> Element<'a> {
    /// Whether this element is `{ns}local`.
    pub(crate) fn is(&self, ns: &str, local: &str) -> bool {
        self.data.ns == ns && self.data.local == local
    }

    /// Whether `other` is this same element of the same document.
    pub(crate) fn same(&self, other: &Element<'_>) -> bool {
        self.index == other.index && std::ptr::addr_eq(self.data, other.data)
    }

    /// Its attributes other than namespace declarations, in document order.
    pub(crate) fn attrs(&self) -> &'a [Attr<'a>] {
        self.doc
            .attrs
            .get(self.data.attrs.clone())
            .unwrap_or_default()
    }

    /// The namespace declarations on this element: (prefix, URI); prefix `""` is
    /// the default namespace, URI `""` undeclares it.
    pub(crate) fn decls(&self) -> &'a [(&'a str, Cow<'a, str>)] {
        self.doc
            .decls
            .get(self.data.decls.clone())
            .unwrap_or_default()
    }

    /// The value of the attribute with no namespace named `local`.
    pub(crate) fn attr(&self, local: &str) -> Option<&'a str> {
        self.attrs()
            .iter()
            .find(|a| a.ns.is_empty() && a.local == local)
            .map(|a| a.value.as_ref())
    }

    /// Whether an `ID`, `Id` or `id` attribute (no namespace) of this element is
    /// `id`: the attributes a same-document reference `#id` may name.
    pub(crate) fn has_id(&self, id: &str) -> bool {
        has_id(self.attrs(), id)
    }

    /// The child nodes, in document order.
    pub(crate) fn children(&self) -> impl Iterator<Item = Node<'a>> + use<'a> {
        let doc = self.doc;
        let end = self.data.next;
        let mut at = self.index.saturating_add(1);
        std::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            let node = doc.node(at)?;
            at = match node {
                Node::Element(e) => e.data.next,
                _ => at + 1,
            };
            Some(node)
        })
    }

    /// The child elements, in document order.
    pub(crate) fn elements(&self) -> impl Iterator<Item = Element<'a>> + use<'a> {
        self.children().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The child elements named `{ns}local`.
    pub(crate) fn children_named<'s>(
        &self,
        ns: &'s str,
        local: &'s str,
    ) -> impl Iterator<Item = Element<'a>> + use<'a, 's> {
        self.elements().filter(move |e| e.is(ns, local))
    }

    /// The first child element named `{ns}local`.
    pub(crate) fn child(&self, ns: &str, local: &str) -> Option<Element<'a>> {
        self.elements().find(|e| e.is(ns, local))
    }

    /// The text content (all descendant text, in order).
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        for slot in self.subtree() {
            if let Slot::Text(t) = slot {
                out.push_str(t);
            }
        }
        out
    }

    /// The text of this element and its descendants, concatenated: borrowed when
    /// it is one text node (or none), the usual case, which needs no copy.
    pub(crate) fn text_cow(&self) -> Cow<'a, str> {
        let mut texts = self.subtree().iter().filter_map(|slot| match slot {
            Slot::Text(t) => Some(t),
            _ => None,
        });
        match (texts.next(), texts.next()) {
            (None, _) => Cow::Borrowed(""),
            (Some(Cow::Borrowed(one)), None) => Cow::Borrowed(one),
            _ => Cow::Owned(self.text()),
        }
    }

    /// This element's node and its descendants, in document order.
    fn subtree(&self) -> &'a [Slot<'a>] {
        self.doc
            .nodes
            .get(self.index..self.data.next)
            .unwrap_or_default()
    }

    /// Calls `f` on this element and every descendant element, in document order.
    pub(crate) fn walk(&self, f: &mut dyn FnMut(Element<'a>)) {
        for index in self.index..self.data.next {
            if let Some(e) = self.doc.element(index) {
                f(e);
            }
        }
    }

    /// The child element whose subtree holds `descendant` (`None` if it is not
    /// under this element).
    pub(crate) fn child_towards(&self, descendant: &Element<'_>) -> Option<Element<'a>> {
        self.elements()
            .find(|c| (c.index..c.data.next).contains(&descendant.index))
    }
}

/// An open element while building: its index and its last child's.
struct Open {
    index: usize,
    last_child: Option<usize>,
}

/// Parses a document whose line ends are already normalized
/// ([`normalize_line_ends`](super::normalize_line_ends)) into a tree; offsets in
/// it are into `text`. Comments and processing instructions outside the
/// document element are checked and left out.
pub(crate) fn parse_normalized(text: &str) -> Result<Document<'_>, Error> {
    let mut parser = Parser::new(text)?;
    // A SAML assertion has a node per ~30 bytes and an attribute per ~100: one
    // allocation each for the usual document.
    let mut doc = Document {
        text,
        doctype: false,
        nodes: Vec::with_capacity(text.len() / 24 + 4),
        attrs: Vec::with_capacity(text.len() / 64 + 4),
        decls: Vec::new(),
    };
    let mut open: Vec<Open> = Vec::with_capacity(16);
    let mut done = false;
    loop {
        match parser.next()? {
            Ev::Start => {
                let start = parser.start();
                let decls = parser.scope().since(start.scope_mark);
                let d = doc.decls.len();
                doc.decls.extend_from_slice(decls);
                let a = doc.attrs.len();
                doc.attrs.extend_from_slice(&start.attrs);
                let index = doc.nodes.len();
                doc.nodes.push(Slot::Element(Data {
                    prefix: start.prefix,
                    local: start.local,
                    ns: start.ns.clone(),
                    end: 0,
                    decls: d..doc.decls.len(),
                    attrs: a..doc.attrs.len(),
                    next: 0,
                }));
                if let Some(parent) = open.last_mut() {
                    parent.last_child = Some(index);
                }
                open.push(Open {
                    index,
                    last_child: None,
                });
            }
            Ev::End { end, .. } => {
                let Some(element) = open.pop() else {
                    return Err(Error::Internal("an end without a start"));
                };
                let next = doc.nodes.len();
                if let Some(Slot::Element(data)) = doc.nodes.get_mut(element.index) {
                    data.end = end;
                    data.next = next;
                }
                done = open.is_empty();
            }
            Ev::Text(t) => push_text(&mut doc.nodes, &mut open, Cow::Borrowed(t)),
            Ev::Char(c) => push_text(&mut doc.nodes, &mut open, Cow::Owned(c.to_string())),
            Ev::Comment(c) => push_node(&mut doc.nodes, &mut open, Slot::Comment(c)),
            Ev::Pi { target, data } => {
                push_node(&mut doc.nodes, &mut open, Slot::Pi { target, data });
            }
            Ev::Eof => break,
        }
    }
    if !done {
        return Err(malformed("the document has no element"));
    }
    doc.doctype = parser.has_doctype();
    Ok(doc)
}

/// Text goes into the innermost open element, merged with a text node before it
/// (the parser sends text only inside the document element).
fn push_text<'a>(nodes: &mut Vec<Slot<'a>>, open: &mut [Open], s: Cow<'a, str>) {
    let Some(parent) = open.last_mut() else {
        return;
    };
    if let Some(Slot::Text(prev)) = parent.last_child.and_then(|i| nodes.get_mut(i)) {
        prev.to_mut().push_str(&s);
        return;
    }
    parent.last_child = Some(nodes.len());
    nodes.push(Slot::Text(s));
}

/// A comment or PI inside an element; outside, it is not part of the tree.
fn push_node<'a>(nodes: &mut Vec<Slot<'a>>, open: &mut [Open], node: Slot<'a>) {
    if let Some(parent) = open.last_mut() {
        parent.last_child = Some(nodes.len());
        nodes.push(node);
    }
}
