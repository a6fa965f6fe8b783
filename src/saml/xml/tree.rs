//! The small borrowed tree the verifier and the signer walk, built from the
//! [`Parser`]'s events: elements with their resolved names, declarations,
//! attributes and children; text with references expanded; comments and
//! processing instructions inside the document element.

use std::borrow::Cow;

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
    pub(crate) root: Element<'a>,
}

/// A node of the tree.
#[derive(Debug)]
pub(crate) enum Node<'a> {
    Element(Element<'a>),
    Text(Cow<'a, str>),
    Comment(&'a str),
    Pi { target: &'a str, data: &'a str },
}

/// An element, with its names resolved.
#[derive(Debug)]
pub(crate) struct Element<'a> {
    /// The prefix as written (`None`: unprefixed).
    pub(crate) prefix: Option<&'a str>,
    pub(crate) local: &'a str,
    /// The namespace URI (empty: none).
    pub(crate) ns: Cow<'a, str>,
    /// The namespace declarations on this element: (prefix, URI); prefix `""` is the
    /// default namespace, URI `""` undeclares it.
    pub(crate) decls: Vec<(&'a str, Cow<'a, str>)>,
    pub(crate) attrs: Vec<Attr<'a>>,
    pub(crate) children: Vec<Node<'a>>,
    /// Byte offset (in the normalized input) just after the element's end.
    pub(crate) end: usize,
}

impl<'a> Element<'a> {
    /// Whether this element is `{ns}local`.
    pub(crate) fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    /// The value of the attribute with no namespace named `local`.
    pub(crate) fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_empty() && a.local == local)
            .map(|a| a.value.as_ref())
    }

    /// Whether an `ID`, `Id` or `id` attribute (no namespace) of this element is
    /// `id`: the attributes a same-document reference `#id` may name.
    pub(crate) fn has_id(&self, id: &str) -> bool {
        has_id(&self.attrs, id)
    }

    /// The child elements, in document order.
    pub(crate) fn elements(&self) -> impl Iterator<Item = &Element<'a>> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The child elements named `{ns}local`.
    pub(crate) fn children_named<'s>(
        &'s self,
        ns: &'s str,
        local: &'s str,
    ) -> impl Iterator<Item = &'s Element<'a>> + 's {
        self.elements().filter(move |e| e.is(ns, local))
    }

    /// The first child element named `{ns}local`.
    pub(crate) fn child(&self, ns: &str, local: &str) -> Option<&Element<'a>> {
        self.elements().find(|e| e.is(ns, local))
    }

    /// The text content (all descendant text, in order).
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for node in &self.children {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.collect_text(out),
                _ => {}
            }
        }
    }

    /// Calls `f` on this element and every descendant element, in document order.
    pub(crate) fn walk<'s>(&'s self, f: &mut dyn FnMut(&'s Element<'a>)) {
        f(self);
        for e in self.elements() {
            e.walk(f);
        }
    }
}

/// Parses a document whose line ends are already normalized
/// ([`normalize_line_ends`]) into a tree; offsets in it are into `text`.
/// Comments and processing instructions outside the document element are
/// checked and left out.
pub(crate) fn parse_normalized(text: &str) -> Result<Document<'_>, Error> {
    let mut parser = Parser::new(text)?;
    let mut open: Vec<Element<'_>> = Vec::new();
    let mut root = None;
    loop {
        match parser.next()? {
            Ev::Start => {
                let start = parser.start();
                open.push(Element {
                    prefix: start.prefix,
                    local: start.local,
                    ns: start.ns.clone(),
                    decls: parser.scope().since(start.scope_mark).to_vec(),
                    attrs: start.attrs.clone(),
                    children: Vec::new(),
                    end: 0,
                });
            }
            Ev::End { end, .. } => {
                let Some(mut element) = open.pop() else {
                    return Err(Error::Internal("an end without a start"));
                };
                element.end = end;
                match open.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(element)),
                    None => root = Some(element),
                }
            }
            Ev::Text(t) => push_text(&mut open, Cow::Borrowed(t)),
            Ev::Char(c) => push_text(&mut open, Cow::Owned(c.to_string())),
            Ev::Comment(c) => push_node(&mut open, Node::Comment(c)),
            Ev::Pi { target, data } => push_node(&mut open, Node::Pi { target, data }),
            Ev::Eof => break,
        }
    }
    let root = root.ok_or_else(|| malformed("the document has no element"))?;
    Ok(Document {
        text,
        doctype: parser.has_doctype(),
        root,
    })
}

/// Text goes into the innermost open element, merged with a text node before it
/// (the parser sends text only inside the document element).
fn push_text<'a>(open: &mut [Element<'a>], s: Cow<'a, str>) {
    if let Some(parent) = open.last_mut() {
        if let Some(Node::Text(prev)) = parent.children.last_mut() {
            prev.to_mut().push_str(&s);
        } else {
            parent.children.push(Node::Text(s));
        }
    }
}

/// A comment or PI inside an element; outside, it is not part of the tree.
fn push_node<'a>(open: &mut [Element<'a>], node: Node<'a>) {
    if let Some(parent) = open.last_mut() {
        parent.children.push(node);
    }
}
