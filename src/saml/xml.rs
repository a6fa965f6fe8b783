//! A small, namespace-aware XML tree over `quick-xml` (XML 1.0 §2.4, §3.3.3;
//! Namespaces in XML 1.0); the character, name and escaping rules are in
//! [`chars`](super::chars), re-exported here.
//!
//! Parsing keeps what Exclusive XML Canonicalization needs and nothing more: each
//! element's namespace declarations, its attributes with their namespace URIs, text
//! (entity and character references expanded, CDATA turned into text, line ends
//! normalized), comments and processing instructions. A DTD with entity or attribute
//! declarations is refused: entity expansion is a classic denial of service, and
//! defaulted attributes would change what a signature covers.

use quick_xml::events::{BytesDecl, BytesPI, BytesStart, BytesText, Event};
use quick_xml::reader::Reader;

pub(crate) use super::chars::{check_chars, escape_attr, escape_text, normalize_line_ends};
use super::chars::{first_non_xml_char, is_ncname, is_xml_char};
use crate::error::Error;
use crate::error::SamlError;

/// The namespace bound to the `xml` prefix (Namespaces in XML 1.0 §3).
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of namespace declarations themselves.
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// The deepest element nesting accepted (the tree is walked recursively).
pub(crate) const MAX_DEPTH: usize = 256;

/// The most attributes (namespace declarations included) one element may have:
/// duplicate detection and namespace lookups are linear per attribute, so an
/// unbounded count is quadratic (a 256 KiB tag of 26 000 attributes took minutes).
const MAX_ATTRIBUTES: usize = 256;

/// The most namespace declarations in scope at once (all open elements together):
/// every prefix lookup walks them.
const MAX_NAMESPACES_IN_SCOPE: usize = 256;

/// A parsed document: comments and PIs before and after the document element, and
/// the document element itself.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub(crate) prolog: Vec<Node>,
    /// Whether the document has a DOCTYPE (one without an internal subset: one
    /// with declarations is refused while parsing).
    pub(crate) doctype: bool,
    pub(crate) root: Element,
    pub(crate) epilog: Vec<Node>,
}

/// A node of the tree.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
    Comment(String),
    Pi { target: String, data: String },
}

/// An element, with its names resolved.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    /// The prefix as written (`None`: unprefixed).
    pub(crate) prefix: Option<String>,
    pub(crate) local: String,
    /// The namespace URI (empty: none).
    pub(crate) ns: String,
    /// The namespace declarations on this element: (prefix, URI); prefix `""` is the
    /// default namespace, URI `""` undeclares it.
    pub(crate) decls: Vec<(String, String)>,
    pub(crate) attrs: Vec<Attr>,
    pub(crate) children: Vec<Node>,
    /// Byte offset (in the normalized input) just after the element's end.
    pub(crate) end: usize,
}

/// An attribute other than a namespace declaration.
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    pub(crate) prefix: Option<String>,
    pub(crate) local: String,
    pub(crate) ns: String,
    pub(crate) value: String,
}

impl Element {
    /// Whether this element is `{ns}local`.
    pub(crate) fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    /// The value of the attribute with no namespace named `local`.
    pub(crate) fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_empty() && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// Whether an `ID`, `Id` or `id` attribute (no namespace) of this element is
    /// `id`: the attributes a same-document reference `#id` may name.
    pub(crate) fn has_id(&self, id: &str) -> bool {
        ["ID", "Id", "id"].iter().any(|n| self.attr(n) == Some(id))
    }

    /// The child elements, in document order.
    pub(crate) fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The child elements named `{ns}local`.
    pub(crate) fn children_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.is(ns, local))
    }

    /// The first child element named `{ns}local`.
    pub(crate) fn child(&self, ns: &str, local: &str) -> Option<&Element> {
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
    pub(crate) fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Element)) {
        f(self);
        for e in self.elements() {
            e.walk(f);
        }
    }
}

fn malformed(message: impl Into<String>) -> Error {
    Error::Saml(SamlError::Xml(message.into().into_boxed_str()))
}

/// Expands one entity or character reference (`name` without `&` and `;`).
fn resolve_reference(name: &str) -> Result<char, Error> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            // XML 1.0 §4.1 CharRef: `&#x` [0-9a-fA-F]+ `;` or `&#` [0-9]+ `;`
            // (the integer parsers alone would take a sign: `&#x+41;`).
            let number = if let Some(hex) = name.strip_prefix("#x") {
                hex.bytes()
                    .all(|b| b.is_ascii_hexdigit())
                    .then(|| u32::from_str_radix(hex, 16).ok())
                    .flatten()
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.bytes()
                    .all(|b| b.is_ascii_digit())
                    .then(|| dec.parse::<u32>().ok())
                    .flatten()
            } else {
                return Err(malformed(format!(
                    "undeclared entity reference &{name}; (only &amp; &lt; &gt; &quot; &apos; and character references are allowed)"
                )));
            };
            number
                .and_then(char::from_u32)
                .filter(|&c| is_xml_char(c))
                .ok_or_else(|| {
                    malformed(format!(
                        "character reference &{name}; is not a character XML 1.0 allows"
                    ))
                })?
        }
    };
    Ok(c)
}

/// Expands the references in a raw attribute value, after attribute-value
/// normalization (XML 1.0 §3.3.3: literal TAB, LF and CR become spaces).
fn attribute_value(raw: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(['&', '<', '\t', '\n', '\r']) {
        out.push_str(rest.get(..i).unwrap_or_default());
        let tail = rest.get(i..).unwrap_or_default();
        match tail.chars().next() {
            Some('&') => {
                let end = tail
                    .find(';')
                    .ok_or_else(|| malformed("an '&' in an attribute value is not a reference"))?;
                out.push(resolve_reference(tail.get(1..end).unwrap_or_default())?);
                rest = tail.get(end + 1..).unwrap_or_default();
            }
            Some('<') => return Err(malformed("'<' is not allowed in an attribute value")),
            _ => {
                out.push(' ');
                rest = tail.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn utf8(bytes: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(bytes).map_err(|_| malformed("the document is not valid UTF-8"))
}

fn check_text(text: &str) -> Result<(), Error> {
    match first_non_xml_char(text) {
        None => Ok(()),
        Some(c) => Err(malformed(format!(
            "the document contains U+{:04X}, which XML 1.0 does not allow",
            u32::from(c)
        ))),
    }
}

/// Splits `p:local` into its prefix and local name, both `NCName`s.
fn split_qname(qname: &str) -> Result<(Option<&str>, &str), Error> {
    let (prefix, local) = match qname.split_once(':') {
        None => (None, qname),
        Some((p, l)) => (Some(p), l),
    };
    if prefix.is_none_or(is_ncname) && is_ncname(local) {
        Ok((prefix, local))
    } else {
        Err(malformed(format!(
            "{qname:?} is not a valid qualified name (XML 1.0 §2.3, Namespaces in XML §4)"
        )))
    }
}

/// The in-scope namespace bindings while parsing: one frame per open element.
#[derive(Default)]
struct Scopes {
    frames: Vec<Vec<(String, String)>>,
}

impl Scopes {
    fn push(&mut self, frame: Vec<(String, String)>) -> Result<(), Error> {
        self.frames.push(frame);
        let total: usize = self.frames.iter().map(Vec::len).sum();
        if total > MAX_NAMESPACES_IN_SCOPE {
            return Err(malformed(format!(
                "more than {MAX_NAMESPACES_IN_SCOPE} namespace declarations are in scope at once; declare fewer namespaces"
            )));
        }
        Ok(())
    }
}

impl Scopes {
    fn lookup(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(XML_NS);
        }
        self.frames
            .iter()
            .rev()
            .flat_map(|f| f.iter().rev())
            .find(|(p, _)| p == prefix)
            .map(|(_, uri)| uri.as_str())
    }
}

/// Parses a well-formed XML document.
pub(crate) fn parse(xml: &str) -> Result<Document, Error> {
    let text = normalize_line_ends(xml);
    parse_normalized(&text)
}

/// Parses a document whose line ends are already normalized (offsets in the
/// returned tree are into `text`).
pub(crate) fn parse_normalized(text: &str) -> Result<Document, Error> {
    check_text(text)?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    config.check_comments = true;
    config.expand_empty_elements = false;

    let mut tree = Tree::default();
    loop {
        let event = reader.read_event().map_err(|e| {
            malformed(format!(
                "not well-formed XML near byte {}: {e}",
                reader.error_position()
            ))
        })?;
        let position = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        if let Event::Eof = event {
            return tree.finish();
        }
        tree.add(event, position)?;
    }
}

/// The document as it is being built, one reader event at a time.
#[derive(Default)]
struct Tree {
    prolog: Vec<Node>,
    epilog: Vec<Node>,
    root: Option<Element>,
    /// The elements started and not yet ended, outermost first.
    open: Vec<Element>,
    scopes: Scopes,
    seen_decl: bool,
    seen_anything: bool,
    doctype: bool,
}

impl Tree {
    /// Adds one event; `position` is the reader's offset just after it.
    fn add(&mut self, event: Event<'_>, position: usize) -> Result<(), Error> {
        match event {
            Event::Eof => return Ok(()),
            // Not "anything": a declaration may not follow it, but it may follow nothing.
            Event::Decl(decl) => return self.declaration(&decl),
            Event::DocType(decl) => self.doctype(&decl)?,
            Event::Start(_) | Event::Empty(_) if self.root.is_some() && self.open.is_empty() => {
                return Err(malformed("there is more than one document element"));
            }
            Event::Start(start) => {
                if self.open.len() >= MAX_DEPTH {
                    return Err(malformed(format!(
                        "elements are nested deeper than {MAX_DEPTH} levels"
                    )));
                }
                let element = start_element(&start, &mut self.scopes)?;
                self.open.push(element);
            }
            Event::Empty(start) => {
                let element = start_element(&start, &mut self.scopes)?;
                self.close(element, position)?;
            }
            Event::End(_) => {
                let element = self
                    .open
                    .pop()
                    .ok_or_else(|| malformed("an end tag closes no element"))?;
                self.close(element, position)?;
            }
            Event::Text(t) => {
                let s = utf8(&t)?;
                if s.contains("]]>") {
                    return Err(malformed(
                        "']]>' is not allowed in text (XML 1.0 §2.4); write ']]&gt;'",
                    ));
                }
                push_text(s, &mut self.open)?;
            }
            Event::GeneralRef(r) => {
                let c = resolve_reference(utf8(&r)?)?;
                push_text(c.encode_utf8(&mut [0; 4]), &mut self.open)?;
            }
            Event::CData(c) => {
                if self.open.is_empty() {
                    return Err(malformed("CDATA outside the document element"));
                }
                push_text(utf8(&c)?, &mut self.open)?;
            }
            Event::Comment(c) => self.misc(Node::Comment(utf8(&c)?.to_owned())),
            Event::PI(pi) => self.misc(processing_instruction(&pi)?),
        }
        self.seen_anything = true;
        Ok(())
    }

    /// The XML declaration: first, once, and UTF-8 if it names an encoding.
    fn declaration(&mut self, decl: &BytesDecl<'_>) -> Result<(), Error> {
        if self.seen_decl || self.seen_anything {
            return Err(malformed(
                "the XML declaration must come first, and only once",
            ));
        }
        self.seen_decl = true;
        if let Some(Ok(encoding)) = decl.encoding() {
            let encoding = utf8(&encoding)?;
            if !encoding.eq_ignore_ascii_case("utf-8") {
                return Err(malformed(format!(
                    "the XML declaration names encoding {encoding:?}; only UTF-8 is accepted"
                )));
            }
        }
        Ok(())
    }

    /// A DOCTYPE: before the document element, once, and with no internal subset
    /// (entity and attribute declarations are refused).
    fn doctype(&mut self, decl: &BytesText<'_>) -> Result<(), Error> {
        let body = utf8(decl)?;
        if self.root.is_some() || !self.open.is_empty() {
            return Err(malformed("a DOCTYPE must come before the document element"));
        }
        if body.contains('[') {
            return Err(Error::Saml(SamlError::Dtd));
        }
        // Two DOCTYPEs are not well-formed, whatever quick-xml says.
        if self.doctype {
            return Err(malformed("the document has more than one DOCTYPE"));
        }
        self.doctype = true;
        Ok(())
    }

    /// Ends `element` at `position` (its namespace scope with it) and puts it in its
    /// parent, or makes it the root.
    fn close(&mut self, mut element: Element, position: usize) -> Result<(), Error> {
        self.scopes.frames.pop();
        element.end = position;
        match self.open.last_mut() {
            Some(parent) => parent.children.push(Node::Element(element)),
            None if self.root.is_none() => self.root = Some(element),
            None => return Err(malformed("there is more than one document element")),
        }
        Ok(())
    }

    /// A comment or processing instruction: in its element, or before or after the
    /// document element.
    fn misc(&mut self, node: Node) {
        match self.open.last_mut() {
            Some(parent) => parent.children.push(node),
            None if self.root.is_some() => self.epilog.push(node),
            None => self.prolog.push(node),
        }
    }

    /// The document, once the input has ended.
    fn finish(self) -> Result<Document, Error> {
        if !self.open.is_empty() {
            return Err(malformed(
                "the document ends before its elements are closed",
            ));
        }
        let root = self
            .root
            .ok_or_else(|| malformed("the document has no element"))?;
        Ok(Document {
            prolog: self.prolog,
            doctype: self.doctype,
            root,
            epilog: self.epilog,
        })
    }
}

/// A processing instruction: a valid target that is not `xml`, its data with the
/// leading white space dropped.
fn processing_instruction(pi: &BytesPI<'_>) -> Result<Node, Error> {
    let target = utf8(pi.target())?.to_owned();
    if !is_ncname(&target) {
        return Err(malformed(format!(
            "processing instruction target {target:?} is not a valid name"
        )));
    }
    if target.eq_ignore_ascii_case("xml") {
        return Err(malformed(
            "the XML declaration must come first, and only once",
        ));
    }
    let data = utf8(pi.content())?
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .to_owned();
    Ok(Node::Pi { target, data })
}

/// Text inside an element is kept (merged with a preceding text node); outside, only
/// whitespace is allowed, and dropped.
fn push_text(s: &str, open: &mut [Element]) -> Result<(), Error> {
    match open.last_mut() {
        Some(parent) => {
            if let Some(Node::Text(prev)) = parent.children.last_mut() {
                prev.push_str(s);
            } else {
                parent.children.push(Node::Text(s.to_owned()));
            }
            Ok(())
        }
        None if s.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) => Ok(()),
        None => Err(malformed("text outside the document element")),
    }
}

/// Reads a start tag: its namespace declarations (pushed as a new scope frame), its
/// name and attributes, resolved.
fn start_element(start: &BytesStart<'_>, scopes: &mut Scopes) -> Result<Element, Error> {
    let qname = utf8(start.name().as_ref())?.to_owned();
    let (decls, raw_attrs) = read_attributes(start, &qname)?;
    scopes.push(decls.clone())?;

    let (prefix, local) = split_qname(&qname)?;
    let ns = scopes
        .lookup(prefix.unwrap_or(""))
        .map(str::to_owned)
        .or_else(|| prefix.is_none().then(String::new))
        .ok_or_else(|| {
            malformed(format!(
                "element <{qname}> uses prefix {:?}, which is not declared",
                prefix.unwrap_or_default()
            ))
        })?;
    let attrs = resolve_attributes(raw_attrs, scopes, &qname)?;
    Ok(Element {
        prefix: prefix.map(str::to_owned),
        local: local.to_owned(),
        ns,
        decls,
        attrs,
        children: Vec::new(),
        end: 0,
    })
}

/// Names (a prefix, a qualified name) and values, as a start tag has them.
type Pairs = Vec<(String, String)>;

/// A start tag's namespace declarations (prefix, URI; the default namespace with an
/// empty prefix), checked against the reserved bindings, and its other attributes
/// as written (qualified name, value).
fn read_attributes(start: &BytesStart<'_>, qname: &str) -> Result<(Pairs, Pairs), Error> {
    let mut decls = Pairs::new();
    let mut raw_attrs = Pairs::new();
    for (count, attr) in start.attributes().with_checks(true).enumerate() {
        if count >= MAX_ATTRIBUTES {
            return Err(malformed(format!(
                "<{qname}> has more than {MAX_ATTRIBUTES} attributes and namespace declarations"
            )));
        }
        let attr = attr.map_err(|e| malformed(format!("bad attribute in <{qname}>: {e}")))?;
        let key = utf8(attr.key.as_ref())?.to_owned();
        let value = attribute_value(utf8(&attr.value)?)?;
        if key == "xmlns" {
            if value == XML_NS || value == XMLNS_NS {
                return Err(malformed(format!(
                    "the default namespace cannot be {value:?}"
                )));
            }
            decls.push((String::new(), value));
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            if value.is_empty() {
                return Err(malformed(format!(
                    "xmlns:{prefix}=\"\" cannot undeclare a prefix in XML 1.0"
                )));
            }
            if prefix == "xmlns" || (prefix == "xml") != (value == XML_NS) || value == XMLNS_NS {
                return Err(malformed(format!(
                    "the binding of prefix {prefix:?} to {value:?} is reserved"
                )));
            }
            split_qname(prefix)?;
            // The xml prefix may be declared (to its own URI) but is never rendered.
            if prefix != "xml" {
                decls.push((prefix.to_owned(), value));
            }
        } else {
            raw_attrs.push((key, value));
        }
    }
    Ok((decls, raw_attrs))
}

/// The attributes of element `qname`, their prefixes resolved in `scopes` (an
/// unprefixed attribute is in no namespace), each expanded name at most once.
fn resolve_attributes(raw_attrs: Pairs, scopes: &Scopes, qname: &str) -> Result<Vec<Attr>, Error> {
    let mut attrs: Vec<Attr> = Vec::with_capacity(raw_attrs.len());
    for (key, value) in raw_attrs {
        let (aprefix, alocal) = split_qname(&key)?;
        let ans = match aprefix {
            None => String::new(),
            Some(p) => scopes
                .lookup(p)
                .filter(|uri| !uri.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    malformed(format!(
                        "attribute {key:?} on <{qname}> uses prefix {p:?}, which is not declared"
                    ))
                })?,
        };
        if attrs.iter().any(|a| a.ns == ans && a.local == alocal) {
            return Err(malformed(format!(
                "<{qname}> has attribute {{{ans}}}{alocal} twice"
            )));
        }
        attrs.push(Attr {
            prefix: aprefix.map(str::to_owned),
            local: alocal.to_owned(),
            ns: ans,
            value,
        });
    }
    Ok(attrs)
}
