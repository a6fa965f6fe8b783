//! A checked, namespace-aware XML reader (XML 1.0 §2.4, §3.3.3; Namespaces in
//! XML 1.0), and the small borrowed tree the verifier and the signer walk; the
//! character, name and escaping rules are in [`chars`](super::chars),
//! re-exported here.
//!
//! The tokens come from this crate's lexer (`xml/lexer.rs`): text, references,
//! start and end tags and attributes cut in one pass over the bytes, exactly as
//! quick-xml's `Reader` and `Attributes` cut them (its unit tests hold it to
//! them token by token); comments, CDATA, DOCTYPE, the XML declaration and
//! processing instructions are still read by a quick-xml `Reader` per token.
//! [`Parser`] turns the tokens into resolved events: each start tag
//! with its prefix, local name and namespace URI, its attributes (values
//! normalized by quick-xml's `normalized_value_with`, XML 1.0 rules, the five
//! predefined entities through `resolve_xml_entity`) and its namespace
//! declarations pushed onto one [`Scope`]; text with character references
//! resolved by quick-xml's `BytesRef::resolve_char_ref`; comments and processing
//! instructions. It keeps this crate's stricter rules on top of the lexer's: a DTD
//! with entity or attribute declarations is refused (entity expansion is a classic
//! denial of service, and defaulted attributes would change what a signature
//! covers), an entity other than the five predefined ones is refused, every
//! character must be one XML 1.0 allows (quick-xml checks neither character
//! references nor raw text), names must be `NCName`s, the reserved namespace
//! bindings are enforced, and the depth, attribute and namespace counts are
//! bounded. Nothing is copied: names, values and text borrow from the input
//! unless a reference had to be expanded.
//!
//! The streaming canonicalizer ([`c14n`](super::c14n)) reads the parser's events
//! directly; [`parse_normalized`] builds a [`Document`] from them for the
//! verifier and the signer, which need to look around (child elements, `ID`s).
//!
//! quick-xml's own `NamespaceResolver` (`NsReader`) was tried for the namespace
//! part and not used: it resolves a name to a URI, but exclusive c14n needs the
//! bindings themselves — which prefixes are in scope with which URI, innermost
//! first, and which of them an output ancestor already rendered (the
//! visibly-utilized rule and the `InclusiveNamespaces` `PrefixList`) — and its
//! resolver exposes no borrowed view of its bindings per open element. It also
//! accepts what this crate refuses (an `xmlns:p=""` undeclaration, a default
//! namespace bound to the `xml` URI), so its answers would need checking twice.
//! One [`Scope`], a stack of borrowed `(prefix, URI)` pairs, serves both the
//! parser and the canonicalizer.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::escape::{EscapeError, resolve_xml_entity};
use quick_xml::events::{BytesDecl, BytesPI, BytesRef, BytesText, Event};

mod lexer;
mod scope;
mod tree;

use lexer::{AttrIter, Cut, Lexer, Token};

pub(crate) use super::chars::{check_chars, escape_attr, escape_text, normalize_line_ends};
use super::chars::{first_non_xml_char, is_ncname, is_xml_char, name_class};
use crate::error::Error;
use crate::error::SamlError;
pub(crate) use scope::Scope;
pub(crate) use tree::{Document, Element, Node, parse_normalized};

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

pub(crate) fn malformed(message: impl Into<String>) -> Error {
    Error::Saml(SamlError::Xml(message.into().into_boxed_str()))
}

/// An attribute other than a namespace declaration, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Attr<'a> {
    pub(crate) prefix: Option<&'a str>,
    pub(crate) local: &'a str,
    /// The namespace URI (empty: none).
    pub(crate) ns: Cow<'a, str>,
    pub(crate) value: Cow<'a, str>,
}

/// The start tag [`Parser::next`] last returned as [`Ev::Start`].
#[derive(Debug, Default)]
pub(crate) struct StartTag<'a> {
    /// The prefix as written (`None`: unprefixed).
    pub(crate) prefix: Option<&'a str>,
    pub(crate) local: &'a str,
    /// The namespace URI (empty: none).
    pub(crate) ns: Cow<'a, str>,
    pub(crate) attrs: Vec<Attr<'a>>,
    /// Where its declarations start in the [`Scope`].
    pub(crate) scope_mark: usize,
}

impl StartTag<'_> {
    /// Whether it is `{ns}local`.
    pub(crate) fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    /// Whether an `ID`, `Id` or `id` attribute (no namespace) is `id`.
    pub(crate) fn has_id(&self, id: &str) -> bool {
        has_id(&self.attrs, id)
    }
}

/// Whether an `ID`, `Id` or `id` attribute (no namespace) among `attrs` is `id`:
/// the attributes a same-document reference `#id` may name.
pub(crate) fn has_id(attrs: &[Attr<'_>], id: &str) -> bool {
    attrs
        .iter()
        .any(|a| a.ns.is_empty() && matches!(a.local, "ID" | "Id" | "id") && a.value == id)
}

/// A resolved event.
#[derive(Debug)]
pub(crate) enum Ev<'a> {
    /// A start tag (also for an empty element, whose [`Ev::End`] follows): read it
    /// with [`Parser::start`]; its declarations are in [`Parser::scope`].
    Start,
    /// The end of the innermost open element, with its name; its declarations have
    /// left the scope. `end` is the byte offset just after it.
    End {
        prefix: Option<&'a str>,
        local: &'a str,
        end: usize,
    },
    /// Text inside the document element (raw text has no references in it).
    Text(&'a str),
    /// A character or predefined entity reference inside the document element.
    Char(char),
    /// A comment.
    Comment(&'a str),
    /// A processing instruction: its target and its data, leading whitespace dropped.
    Pi { target: &'a str, data: &'a str },
    /// The end of a well-formed document.
    Eof,
}

/// An open element: its name and where its declarations start in the scope.
struct Open<'a> {
    prefix: Option<&'a str>,
    local: &'a str,
    scope_mark: usize,
}

/// Reads a whole document (line ends already normalized) as resolved events,
/// refusing what is not well-formed XML 1.0 or what this crate does not accept.
pub(crate) struct Parser<'a> {
    text: &'a str,
    lexer: Lexer<'a>,
    scope: Scope<'a>,
    start: StartTag<'a>,
    open: Vec<Open<'a>>,
    /// An empty element was returned as `Start`: its `End` comes next.
    pending_end: Option<usize>,
    root_done: bool,
    seen_decl: bool,
    seen_anything: bool,
    doctype: bool,
}

impl<'a> Parser<'a> {
    /// A parser over `text`, whose line ends are normalized already; refuses a
    /// character XML 1.0 does not allow anywhere in it.
    pub(crate) fn new(text: &'a str) -> Result<Self, Error> {
        check_text(text)?;
        Ok(Self {
            text,
            lexer: Lexer::new(text),
            scope: Scope::default(),
            start: StartTag::default(),
            // An assertion nests about six deep: one allocation, no growth.
            open: Vec::with_capacity(8),
            pending_end: None,
            root_done: false,
            seen_decl: false,
            seen_anything: false,
            doctype: false,
        })
    }

    /// The namespace bindings in scope.
    pub(crate) fn scope(&self) -> &Scope<'a> {
        &self.scope
    }

    /// The last start tag returned.
    pub(crate) fn start(&self) -> &StartTag<'a> {
        &self.start
    }

    /// The number of open elements.
    pub(crate) fn depth(&self) -> usize {
        self.open.len()
    }

    /// Whether the document element has ended.
    pub(crate) fn after_root(&self) -> bool {
        self.root_done
    }

    /// Whether the document has a DOCTYPE (one without an internal subset: one
    /// with declarations is refused).
    pub(crate) fn has_doctype(&self) -> bool {
        self.doctype
    }

    /// The next event.
    pub(crate) fn next(&mut self) -> Result<Ev<'a>, Error> {
        if let Some(end) = self.pending_end.take() {
            return Ok(self.close(end));
        }
        loop {
            let token = self.lexer.next().map_err(|e| {
                malformed(format!(
                    "not well-formed XML near byte {}: {}",
                    e.at, e.error
                ))
            })?;
            let after = self.lexer.position();
            let ev = match token {
                Token::Eof => return self.eof(),
                Token::Start { content, name_len } => {
                    self.start_tag(content, name_len)?;
                    Some(Ev::Start)
                }
                Token::Empty { content, name_len } => {
                    self.start_tag(content, name_len)?;
                    self.pending_end = Some(after);
                    Some(Ev::Start)
                }
                Token::End => {
                    if self.open.is_empty() {
                        return Err(malformed("an end tag closes no element"));
                    }
                    Some(self.close(after))
                }
                Token::Text(t) => self.text_event(t)?,
                Token::Ref(name) => self.reference(name)?,
                Token::Other(event) => match event {
                    Event::Eof => return self.eof(),
                    // Not "anything": a declaration may not follow it, but it may follow nothing.
                    Event::Decl(decl) => {
                        self.declaration(&decl)?;
                        continue;
                    }
                    Event::DocType(decl) => {
                        self.doctype(&decl)?;
                        None
                    }
                    Event::CData(c) => {
                        if self.open.is_empty() {
                            return Err(malformed("CDATA outside the document element"));
                        }
                        Some(Ev::Text(within(self.text, &c)?))
                    }
                    Event::Comment(c) => Some(Ev::Comment(within(self.text, &c)?)),
                    Event::PI(pi) => Some(processing_instruction(self.text, &pi)?),
                    // The lexer hands quick-xml only `<!…>` and `<?…?>`.
                    Event::Start(_)
                    | Event::Empty(_)
                    | Event::End(_)
                    | Event::Text(_)
                    | Event::GeneralRef(_) => {
                        return Err(Error::Internal(
                            "quick-xml read a tag where markup was expected",
                        ));
                    }
                },
            };
            self.seen_anything = true;
            if let Some(ev) = ev {
                return Ok(ev);
            }
        }
    }

    /// The end of the input: the document element must have been and be closed.
    fn eof(&self) -> Result<Ev<'a>, Error> {
        if !self.open.is_empty() {
            return Err(malformed(
                "the document ends before its elements are closed",
            ));
        }
        if !self.root_done {
            return Err(malformed("the document has no element"));
        }
        Ok(Ev::Eof)
    }

    /// Ends the innermost open element, its namespace scope with it.
    fn close(&mut self, end: usize) -> Ev<'a> {
        let open = self.open.pop();
        let (prefix, local) = match &open {
            Some(o) => {
                self.scope.truncate(o.scope_mark);
                (o.prefix, o.local)
            }
            None => (None, ""),
        };
        if self.open.is_empty() {
            self.root_done = true;
        }
        Ev::End { prefix, local, end }
    }

    /// Raw text: kept inside the document element; outside, only whitespace is
    /// allowed, and dropped.
    fn text_event(&self, s: &'a str) -> Result<Option<Ev<'a>>, Error> {
        // Nearly all text has no `]`: one SIMD search rules the sequence out.
        if memchr::memchr(b']', s.as_bytes()).is_some() && s.contains("]]>") {
            return Err(malformed(
                "']]>' is not allowed in text (XML 1.0 §2.4); write ']]&gt;'",
            ));
        }
        if !self.open.is_empty() {
            return Ok(Some(Ev::Text(s)));
        }
        outside_text(s)?;
        Ok(None)
    }

    /// A character reference (quick-xml's `resolve_char_ref`, then held to XML
    /// 1.0's `Char`) or one of the five predefined entities (`resolve_xml_entity`);
    /// anything else is refused.
    fn reference(&self, name: &str) -> Result<Option<Ev<'a>>, Error> {
        let r = BytesRef::new(name);
        let c = if r.is_char_ref() {
            r.resolve_char_ref()
                .ok()
                .flatten()
                .filter(|&c| is_xml_char(c))
                .ok_or_else(|| {
                    malformed(format!(
                        "character reference &{name}; is not a character XML 1.0 allows"
                    ))
                })?
        } else {
            resolve_xml_entity(name)
                .and_then(|s| s.chars().next())
                .ok_or_else(|| {
                    malformed(format!(
                        "undeclared entity reference &{name}; (only &amp; &lt; &gt; &quot; &apos; and character references are allowed)"
                    ))
                })?
        };
        if !self.open.is_empty() {
            return Ok(Some(Ev::Char(c)));
        }
        outside_text(c.encode_utf8(&mut [0; 4]))?;
        Ok(None)
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
            let encoding = std::str::from_utf8(&encoding).map_err(|_| not_utf8())?;
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
        let body = std::str::from_utf8(decl).map_err(|_| not_utf8())?;
        if self.root_done || !self.open.is_empty() {
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

    /// Reads a start tag: its namespace declarations (pushed onto the
    /// scope), its name and attributes, resolved.
    fn start_tag(&mut self, content: &'a str, name_len: usize) -> Result<(), Error> {
        if self.root_done && self.open.is_empty() {
            return Err(malformed("there is more than one document element"));
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(malformed(format!(
                "elements are nested deeper than {MAX_DEPTH} levels"
            )));
        }
        // The tag's content (`name attributes`, after the `<`) as a slice of the
        // input, so that names and values borrow from the input itself.
        let qname = content.get(..name_len).ok_or_else(not_utf8)?;
        let scope_mark = self.scope.len();
        let mut raw = std::mem::take(&mut self.start.attrs);
        raw.clear();
        // A tag the lexer cut in one pass has checked ASCII names, split at the
        // colons it found; any other is cut and checked here.
        let split = match self.lexer.take_cut() {
            Some((colon, cuts)) => {
                let read = self.read_cut_attributes(&cuts, qname, &mut raw);
                self.lexer.return_cuts(cuts);
                read?;
                Some(split_at_colon(qname, colon))
            }
            None => {
                self.read_attributes(content, name_len, qname, &mut raw)?;
                None
            }
        };
        if self.scope.len() > MAX_NAMESPACES_IN_SCOPE {
            return Err(malformed(format!(
                "more than {MAX_NAMESPACES_IN_SCOPE} namespace declarations are in scope at once; declare fewer namespaces"
            )));
        }
        let (prefix, local) = match split {
            Some(split) => split,
            None => split_qname(qname)?,
        };
        let ns = match self.scope.lookup_cow(prefix.unwrap_or("")) {
            Some(uri) => uri,
            None if prefix.is_none() => Cow::Borrowed(""),
            None => {
                return Err(malformed(format!(
                    "element <{qname}> uses prefix {:?}, which is not declared",
                    prefix.unwrap_or_default()
                )));
            }
        };
        self.resolve_attributes(&mut raw, qname, split.is_some())?;
        self.open.push(Open {
            prefix,
            local,
            scope_mark,
        });
        // Field by field: the old tag's vector was taken above, its name and
        // namespace borrow or are dropped here, with no drop of a whole tag.
        let start = &mut self.start;
        start.prefix = prefix;
        start.local = local;
        start.ns = ns;
        start.attrs = raw;
        start.scope_mark = scope_mark;
        Ok(())
    }

    /// Pushes the start tag's namespace declarations (checked against the reserved
    /// bindings) onto the scope and puts its other attributes in `raw`, with their
    /// qualified name as local name (resolved by
    /// [`resolve_attributes`](Self::resolve_attributes)).
    fn read_attributes(
        &mut self,
        content: &'a str,
        name_len: usize,
        qname: &str,
        raw: &mut Vec<Attr<'a>>,
    ) -> Result<(), Error> {
        let scope_mark = self.scope.len();
        // Duplicates are found here, by expanded name (attributes, in
        // `resolve_attributes`) or by prefix (declarations), not by quick-xml.
        let mut xml_declared = false;
        for (count, attr) in AttrIter::new(content, name_len).enumerate() {
            // The count first: a tag over the limit is refused for that even
            // where its next attribute is malformed.
            attribute_limit(count, qname)?;
            let (key, written) =
                attr.map_err(|e| malformed(format!("bad attribute in <{qname}>: {e}")))?;
            let name = (None, key);
            let tag = (scope_mark, &mut xml_declared, qname);
            self.attribute(key, name, written, tag, raw)?;
        }
        Ok(())
    }

    /// [`read_attributes`](Self::read_attributes) for a tag the lexer cut in one
    /// pass: the same checks in the same order, with each key already split at
    /// its colon (an `NCName` on each side).
    fn read_cut_attributes(
        &mut self,
        cuts: &[Cut<'a>],
        qname: &str,
        raw: &mut Vec<Attr<'a>>,
    ) -> Result<(), Error> {
        let scope_mark = self.scope.len();
        let mut xml_declared = false;
        for (count, cut) in cuts.iter().enumerate() {
            attribute_limit(count, qname)?;
            let name = split_at_colon(cut.key, cut.colon);
            let tag = (scope_mark, &mut xml_declared, qname);
            self.attribute(cut.key, name, cut.value, tag, raw)?;
        }
        Ok(())
    }

    /// One attribute of a start tag: its key, its name (`(None,
    /// key)` when the key is not split yet, else its prefix and local name) and
    /// its value as written. A namespace declaration goes onto the scope
    /// (checked against the reserved bindings), any other attribute, its value
    /// normalized, into `raw` (its namespace resolved later by
    /// [`resolve_attributes`](Self::resolve_attributes)). `tag` is the scope
    /// mark of the start tag, whether it declared `xml` already, and its name.
    fn attribute(
        &mut self,
        key: &'a str,
        (prefix, local): (Option<&'a str>, &'a str),
        written: &'a str,
        (scope_mark, xml_declared, qname): (usize, &mut bool, &str),
        raw: &mut Vec<Attr<'a>>,
    ) -> Result<(), Error> {
        // `Some(None)`: the default namespace; `Some(Some(p))`: prefix `p`.
        let declared = match prefix {
            None if key == "xmlns" => Some(None),
            None => key.strip_prefix("xmlns:").map(Some),
            Some("xmlns") => Some(Some(local)),
            Some(_) => None,
        };
        let value = attribute_value(key, written, qname)?;
        match declared {
            Some(None) => {
                self.refuse_redeclared("", scope_mark, xml_declared, qname)?;
                if value == XML_NS || value == XMLNS_NS {
                    return Err(malformed(format!(
                        "the default namespace cannot be {value:?}"
                    )));
                }
                self.scope.push("", value);
            }
            Some(Some(prefix)) => {
                self.refuse_redeclared(prefix, scope_mark, xml_declared, qname)?;
                if value.is_empty() {
                    return Err(malformed(format!(
                        "xmlns:{prefix}=\"\" cannot undeclare a prefix in XML 1.0"
                    )));
                }
                if prefix == "xmlns" || (prefix == "xml") != (value == XML_NS) || value == XMLNS_NS
                {
                    return Err(malformed(format!(
                        "the binding of prefix {prefix:?} to {value:?} is reserved"
                    )));
                }
                if !is_ncname(prefix) {
                    return Err(malformed(format!(
                        "namespace prefix {prefix:?} on <{qname}> is not a valid name (Namespaces in XML §3)"
                    )));
                }
                // The xml prefix may be declared (to its own URI) but is never rendered.
                if prefix != "xml" {
                    self.scope.push(prefix, value);
                }
            }
            None => raw.push(Attr {
                prefix,
                local,
                ns: Cow::Borrowed(""),
                value,
            }),
        }
        Ok(())
    }

    /// Refuses a second declaration of `prefix` on one start tag: its declarations
    /// are the scope's since `mark`, but for `xml`, which is never stored
    /// (`xml_declared` says whether it was declared already).
    fn refuse_redeclared(
        &self,
        prefix: &str,
        mark: usize,
        xml_declared: &mut bool,
        qname: &str,
    ) -> Result<(), Error> {
        let twice = if prefix == "xml" {
            std::mem::replace(xml_declared, true)
        } else {
            self.scope.since(mark).iter().any(|(p, _)| *p == prefix)
        };
        if twice {
            return Err(malformed(format!(
                "<{qname}> declares the namespace prefix {prefix:?} twice"
            )));
        }
        Ok(())
    }

    /// Resolves the prefixes of `attrs` (an unprefixed attribute is in no
    /// namespace); each expanded name at most once.
    fn resolve_attributes(
        &self,
        attrs: &mut [Attr<'a>],
        qname: &str,
        split: bool,
    ) -> Result<(), Error> {
        for i in 0..attrs.len() {
            let Some(attr) = attrs.get_mut(i) else { break };
            let (prefix, local) = if split {
                (attr.prefix, attr.local)
            } else {
                split_qname(attr.local)?
            };
            if let Some(p) = prefix {
                attr.ns = self
                    .scope
                    .lookup_cow(p)
                    .filter(|uri| !uri.is_empty())
                    .ok_or_else(|| {
                        malformed(format!(
                            "attribute {:?} on <{qname}> uses prefix {p:?}, which is not declared",
                            format!("{p}:{local}")
                        ))
                    })?;
            }
            attr.prefix = prefix;
            attr.local = local;
            let (before, rest) = attrs.split_at(i);
            if let Some(attr) = rest.first() {
                if before
                    .iter()
                    .any(|a| a.ns == attr.ns && a.local == attr.local)
                {
                    return Err(malformed(format!(
                        "<{qname}> has attribute {{{}}}{} twice",
                        attr.ns, attr.local
                    )));
                }
            }
        }
        Ok(())
    }
}

/// An attribute's value, normalized by quick-xml (XML 1.0 §3.3.3: TAB and LF
/// become spaces; character references and the five predefined entities
/// expanded, nothing else), refusing `<` and characters XML 1.0 does not allow.
/// A value with none of `<`, `&`, TAB or LF in it (nearly all) is the input
/// itself, borrowed from `content` with no second pass.
fn attribute_value<'a>(key: &'a str, raw: &'a str, qname: &str) -> Result<Cow<'a, str>, Error> {
    // Line ends are normalized before parsing: no CR is left to turn into a space.
    if !may_need_normalizing(raw.as_bytes()) {
        return Ok(Cow::Borrowed(raw));
    }
    if raw.contains('<') {
        return Err(malformed("'<' is not allowed in an attribute value"));
    }
    let attr = quick_xml::events::attributes::Attribute::from((key.as_bytes(), raw.as_bytes()));
    let value = attr
        .normalized_value_with(XmlVersion::Implicit1_0, 1, resolve_xml_entity)
        .map_err(|e| attribute_error(&e, qname))?;
    let value = match value {
        // Nothing was replaced: `raw` itself.
        Cow::Borrowed(same) if same == raw => Cow::Borrowed(raw),
        Cow::Borrowed(part) => Cow::Owned(part.to_owned()),
        Cow::Owned(expanded) => {
            if let Some(c) = first_non_xml_char(&expanded) {
                return Err(malformed(format!(
                    "an attribute of <{qname}> holds a character reference to U+{:04X}, which XML 1.0 does not allow",
                    u32::from(c)
                )));
            }
            Cow::Owned(expanded)
        }
    };
    Ok(value)
}

/// Whether `value` may hold `<`, `&`, TAB, LF or CR: eight bytes per step for
/// `<`, `&` or any byte below 0x0E (a superset: the other controls below 0x0E
/// were refused with the whole input, and a false alarm only takes the exact
/// path), the rest byte by byte. `false` means none of the five is there.
fn may_need_normalizing(value: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let has_zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS != 0;
    let mut words = value.chunks_exact(8);
    for word in &mut words {
        let w = u64::from_ne_bytes(word.try_into().unwrap_or([0; 8]));
        let below_0e = w.wrapping_sub(ONES * 0x0E) & !w & HIGHS != 0;
        if below_0e
            || has_zero(w ^ (ONES * u64::from(b'<')))
            || has_zero(w ^ (ONES * u64::from(b'&')))
        {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&b| matches!(b, b'<' | b'&' | b'\t' | b'\n' | b'\r'))
}

/// quick-xml's refusal of an attribute value, in the words the text path uses.
fn attribute_error(e: &quick_xml::Error, qname: &str) -> Error {
    match e {
        quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => malformed(format!(
            "undeclared entity reference &{name}; in an attribute of <{qname}> (only &amp; &lt; &gt; &quot; &apos; and character references are allowed)"
        )),
        quick_xml::Error::Escape(EscapeError::UnterminatedEntity(_)) => malformed(format!(
            "an '&' in an attribute of <{qname}> is not a reference (write &amp;)"
        )),
        quick_xml::Error::Escape(EscapeError::InvalidCharRef(why)) => malformed(format!(
            "an attribute of <{qname}> holds a character reference that is not a character XML 1.0 allows: {why}"
        )),
        other => malformed(format!("bad attribute value in <{qname}>: {other}")),
    }
}

fn not_utf8() -> Error {
    malformed("the document is not valid UTF-8")
}

/// `part`, which quick-xml borrowed from `whole`, as a `&str` with `whole`'s
/// lifetime: found by address, so it is not validated as UTF-8 a second time
/// (it is cut at ASCII delimiters of a `&str`, which `get` checks).
fn within<'a>(whole: &'a str, part: &[u8]) -> Result<&'a str, Error> {
    (part.as_ptr() as usize)
        .checked_sub(whole.as_ptr() as usize)
        .and_then(|from| whole.get(from..from.checked_add(part.len())?))
        .filter(|s| s.as_ptr() == part.as_ptr())
        .ok_or_else(|| Error::Internal("quick-xml returned text that is not the input's"))
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

/// Text outside the document element: whitespace only.
fn outside_text(s: &str) -> Result<(), Error> {
    if s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        Ok(())
    } else {
        Err(malformed("text outside the document element"))
    }
}

/// Splits `p:local` into its prefix and local name, both `NCName`s. An ASCII
/// name (nearly all) is split and checked in one pass over the character table;
/// any other goes through [`is_ncname`] part by part.
fn split_qname(qname: &str) -> Result<(Option<&str>, &str), Error> {
    let split = match ascii_qname_colon(qname.as_bytes()) {
        AsciiQName::Unprefixed => Some((None, qname)),
        AsciiQName::Prefixed(colon) => qname
            .get(..colon)
            .zip(qname.get(colon + 1..))
            .map(|(p, l)| (Some(p), l)),
        AsciiQName::Invalid => None,
        AsciiQName::NotAscii => {
            let (prefix, local) = match qname.split_once(':') {
                None => (None, qname),
                Some((p, l)) => (Some(p), l),
            };
            (prefix.is_none_or(is_ncname) && is_ncname(local)).then_some((prefix, local))
        }
    };
    split.ok_or_else(|| {
        malformed(format!(
            "{qname:?} is not a valid qualified name (XML 1.0 §2.3, Namespaces in XML §4)"
        ))
    })
}

/// Refuses the `count`th attribute (from 0) of `<qname>` past the limit.
fn attribute_limit(count: usize, qname: &str) -> Result<(), Error> {
    if count >= MAX_ATTRIBUTES {
        return Err(malformed(format!(
            "<{qname}> has more than {MAX_ATTRIBUTES} attributes and namespace declarations"
        )));
    }
    Ok(())
}

/// `qname` split at `colon` (the offset of its colon, if it has one), for names
/// the lexer checked already.
fn split_at_colon(qname: &str, colon: Option<usize>) -> (Option<&str>, &str) {
    match colon.and_then(|c| qname.get(..c).zip(qname.get(c + 1..))) {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, qname),
    }
}

/// What one pass over an ASCII qualified name found.
enum AsciiQName {
    /// A valid `NCName`.
    Unprefixed,
    /// A valid `NCName:NCName`, with the colon at this index.
    Prefixed(usize),
    /// Not a qualified name.
    Invalid,
    /// A byte above 0x7F: the `char` path decides.
    NotAscii,
}

fn ascii_qname_colon(bytes: &[u8]) -> AsciiQName {
    let mut colon = None;
    for (i, &b) in bytes.iter().enumerate() {
        if name_class(b) == 0 {
            if b == b':' && colon.is_none() {
                colon = Some(i);
            } else if b.is_ascii() {
                // An ASCII byte no name may hold, whatever follows.
                return AsciiQName::Invalid;
            } else {
                return AsciiQName::NotAscii;
            }
        }
    }
    let starts_name = |at: usize| bytes.get(at).is_some_and(|&b| name_class(b) == 2);
    match colon {
        None if starts_name(0) => AsciiQName::Unprefixed,
        Some(i) if starts_name(0) && starts_name(i + 1) => AsciiQName::Prefixed(i),
        _ => AsciiQName::Invalid,
    }
}

/// A processing instruction: a valid target that is not `xml`, its data with the
/// leading white space dropped.
fn processing_instruction<'a>(text: &'a str, pi: &BytesPI<'_>) -> Result<Ev<'a>, Error> {
    let whole = within(text, pi)?;
    let target_len = pi.target().len();
    let target = whole.get(..target_len).ok_or_else(not_utf8)?;
    if !is_ncname(target) {
        return Err(malformed(format!(
            "processing instruction target {target:?} is not a valid name"
        )));
    }
    if target.eq_ignore_ascii_case("xml") {
        return Err(malformed(
            "the XML declaration must come first, and only once",
        ));
    }
    let data = whole
        .get(target_len..)
        .unwrap_or_default()
        .trim_start_matches([' ', '\t', '\n', '\r']);
    Ok(Ev::Pi { target, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(xml: &str) -> String {
        match parse_normalized(xml) {
            Err(Error::Saml(SamlError::Xml(why))) => why.into_string(),
            other => panic!("{xml:?}: {other:?}"),
        }
    }

    /// quick-xml's attribute normalization refuses what the text path refuses,
    /// and the message says the same thing.
    #[test]
    fn attribute_references_are_held_to_the_text_rules() {
        for (xml, says) in [
            (
                "<a b='&nbsp;'/>",
                "undeclared entity reference &nbsp; in an attribute of <a>",
            ),
            ("<a b='x&y'/>", "is not a reference (write &amp;)"),
            ("<a b='&amp'/>", "is not a reference"),
            ("<a b='&#0;'/>", "not a character XML 1.0 allows"),
            ("<a b='&#xD800;'/>", "not a character XML 1.0 allows"),
            ("<a b='&#x+41;'/>", "not a character XML 1.0 allows"),
            ("<a b='&#x1;'/>", "character reference to U+0001"),
            ("<a b='&#xFFFE;'/>", "character reference to U+FFFE"),
            ("<a b='<'/>", "'<' is not allowed"),
            ("<a>&nbsp;</a>", "undeclared entity reference &nbsp;"),
            ("<a>&#x1;</a>", "character reference &#x1;"),
        ] {
            let why = refusal(xml);
            assert!(why.contains(says), "{xml:?}: {why}");
        }
    }

    /// The one-pass ASCII split agrees with splitting at the first `:` and
    /// checking both parts with `is_ncname`, on every string of up to four
    /// characters over an alphabet of each character class.
    #[test]
    fn qname_fast_path_agrees_with_the_char_path() {
        let alphabet = [
            'a', 'Z', '_', '1', '-', '.', ':', ' ', '\u{e9}', '\u{b7}', '>',
        ];
        let mut names = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = names
                .iter()
                .filter(|n| n.chars().count() == names.last().map_or(0, |l| l.chars().count()))
                .flat_map(|n| alphabet.iter().map(move |c| format!("{n}{c}")))
                .collect();
            names.extend(longer);
        }
        assert!(names.len() > 10_000);
        for name in &names {
            let slow = match name.split_once(':') {
                None => is_ncname(name).then_some((None, name.as_str())),
                Some((p, l)) => (is_ncname(p) && is_ncname(l)).then_some((Some(p), l)),
            };
            assert_eq!(split_qname(name).ok(), slow, "{name:?}");
        }
    }

    /// The word-at-a-time test never misses one of the five bytes, wherever it
    /// sits in a word, and says no for values without them.
    #[test]
    fn may_need_normalizing_misses_nothing() {
        for len in 0..20 {
            for at in 0..len {
                for b in [b'<', b'&', b'\t', b'\n', b'\r'] {
                    let mut value = vec![b'a'; len];
                    if let Some(slot) = value.get_mut(at) {
                        *slot = b;
                    }
                    assert!(may_need_normalizing(&value), "{value:?}");
                }
            }
            let plain: Vec<u8> = (0..len)
                .map(|i| b"=>'\"#;%~ \x7f\x80\xff"[i % 12])
                .collect();
            assert!(!may_need_normalizing(&plain), "{plain:?}");
        }
    }

    /// Values are normalized (TAB and LF to spaces, references expanded, a
    /// character reference to TAB kept) and borrowed when nothing was expanded.
    #[test]
    fn attribute_values_are_normalized_and_borrowed_when_plain() {
        let doc = parse_normalized("<a p='plain' q='a\tb\nc&#9;&lt;&#x41;'/>")
            .unwrap_or_else(|e| panic!("{e}"));
        let root = doc.root();
        let attrs = root.attrs();
        assert!(matches!(
            attrs.first().map(|a| &a.value),
            Some(Cow::Borrowed("plain"))
        ));
        assert_eq!(attrs.get(1).map(|a| a.value.as_ref()), Some("a b c\t<A"));
    }

    /// Every event of `text` as the parser resolves it (names, namespaces,
    /// attributes, the declarations each start tag brings into scope), up to
    /// the refusal, with the lexer's one-pass paths on or off.
    fn events(text: &str, one_pass: bool) -> Vec<String> {
        let mut log = Vec::new();
        let mut parser = match Parser::new(text) {
            Ok(parser) => parser,
            Err(e) => return vec![format!("refused: {e}")],
        };
        parser.lexer.one_pass = one_pass;
        loop {
            match parser.next() {
                Ok(Ev::Eof) => return log,
                Ok(Ev::Start) => {
                    let start = parser.start();
                    log.push(format!(
                        "start {:?} {:?} {:?} {:?} {:?}",
                        start.prefix,
                        start.local,
                        start.ns,
                        start.attrs,
                        parser.scope().since(start.scope_mark)
                    ));
                }
                Ok(ev) => log.push(format!("{ev:?}")),
                Err(e) => {
                    log.push(format!("refused: {e}"));
                    return log;
                }
            }
        }
    }

    /// The parser resolves tags the lexer cut in one pass exactly as it
    /// resolves them from the general path: the same names, namespaces,
    /// attribute values and declarations, and the same refusal first (reserved
    /// bindings, a prefix declared twice, `xmlns:p=""`, undeclared prefixes,
    /// duplicate expanded names, values to normalize or refuse, more than 256
    /// attributes), over 100 000 generated documents.
    #[test]
    fn one_pass_tags_resolve_as_general_tags_do() {
        const NAMES: [&str; 6] = ["a", "p:a", "q:a", "xml:a", "xmlns:a", "d:b"];
        const ATTRIBUTES: [&str; 25] = [
            "x='1'",
            "p:x=\"2\"",
            "q:x='3'",
            "xml:lang='en'",
            "xmlns='urn:d'",
            "xmlns=''",
            "xmlns:q='urn:q'",
            "xmlns:p='urn:p2'",
            "xmlns:d='urn:p'",
            "xmlns:xml='http://www.w3.org/XML/1998/namespace'",
            "xmlns:xml='urn:x'",
            "xmlns:xmlns='urn:y'",
            "xmlns:q=''",
            "xmlns:q='http://www.w3.org/2000/xmlns/'",
            "x='&amp;&#65;'",
            "x='a\tb\nc'",
            "d:x='dup'",
            "x='&bogus;'",
            "ID='_1' Id='_1'",
            "a:b='x'",
            "xmlns:='z'",
            "p:xmlns='v'",
            "xmlns:p:q='z'",
            "xml:space='preserve'",
            "x='/>'",
        ];
        let mut next = crate::testing::below(0x1234_5678_9abc_def1_u64);
        let mut refused = 0;
        for _ in 0..100_000 {
            let mut doc = String::from("<r xmlns:p='urn:p'>");
            let mut open = Vec::new();
            for _ in 0..next(6) {
                if next(3) == 0 {
                    if let Some(name) = open.pop() {
                        doc.push_str(&format!("</{name}>"));
                    }
                    continue;
                }
                let name = NAMES[next(NAMES.len())];
                doc.push('<');
                doc.push_str(name);
                for _ in 0..next(4) {
                    doc.push_str([" ", "\t", "\n", " \n\t"][next(4)]);
                    doc.push_str(ATTRIBUTES[next(ATTRIBUTES.len())]);
                }
                if next(2) == 0 {
                    doc.push_str("/>");
                } else {
                    doc.push('>');
                    open.push(name);
                }
                doc.push('t');
            }
            while let Some(name) = open.pop() {
                doc.push_str(&format!("</{name}>"));
            }
            doc.push_str("</r>");
            let one_pass = events(&doc, true);
            if one_pass.last().is_some_and(|e| e.starts_with("refused")) {
                refused += 1;
            }
            assert_eq!(one_pass, events(&doc, false), "{doc}");
        }
        assert!(refused > 10_000 && refused < 90_000, "{refused} refused");
        let many: String = (0..300).map(|i| format!(" a{i}='{i}'")).collect();
        for doc in [
            format!("<r{many}/>"),
            format!("<r{}/>", &many[..many.len() / 2]),
        ] {
            assert_eq!(events(&doc, true), events(&doc, false));
        }
    }
    /// Hand-picked hostile tags (the review of the one-pass paths): whitespace
    /// kinds, `/` `>` and the other quote inside values, names at the end of
    /// the input, the `xml` and `xmlns` prefixes, `xmlns:` with nothing after,
    /// an attribute named `xmlns` with a prefix, duplicate declarations and
    /// expanded names, end tags of tags the general path cut, byte-order
    /// marks: the one-pass paths resolve each as the general path does, and
    /// the probes that must be accepted or refused are.
    #[test]
    fn hostile_tags_resolve_alike_on_both_paths() {
        let accepted = [
            "<a\tx='1'\n\ty=\"2\"\n/>",
            // No white space between attributes: not well-formed (XML 1.0
            // §3.1), but quick-xml's attribute cutting, which the general path
            // keeps, takes it (the one-pass cut leaves it to that path).
            "<a x='1'y='2'/>",
            "<a x='/'/>",
            "<a x=\"/>\"/>",
            "<a x='>'>t</a>",
            "<a x='\"'/>",
            "<a x=\"'\"/>",
            "<a x='1' >t</a\n>",
            "<a x='1'></a >",
            "\u{FEFF}<a/>",
            "\u{FEFF}<a x='1'></a>",
            "<a p:xmlns='v' xmlns:p='urn:p'/>",
            "<a xmlns:p='urn:p' p:x='1' x='1'/>",
            "<xml:a xml:lang='en'/>",
            "<a xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:space='preserve'/>",
            "<a.b-c_d x.y-z_='1'/>",
            "<_:a xmlns:_='urn:u' _:b='1'/>",
            "<a:_ xmlns:a='urn:a'></a:_>",
            "<\u{e9}><a x='1'></a></\u{e9}>",
            "<a x='1'><\u{e9} y='2'></\u{e9}></a>",
            "<a x = '1'><b></b></a>",
            "<a x='&lt;&#x3e;&#9;'/>",
            "<a x='a\tb\nc'/>",
            "<r xmlns='urn:d'><a xmlns=''><b x='1'/></a></r>",
            "<a xmlns=''/>",
            "<p:a xmlns:p='urn:p' xmlns:q='urn:p' p:x='1' q:y='2'/>",
        ];
        let refused = [
            ("<a x='1' / >", "bad attribute"),
            ("<a", "not well-formed"),
            ("<a x='1'", "not well-formed"),
            ("<a x='1", "not well-formed"),
            ("<a x=", "not well-formed"),
            ("<a:", "not well-formed"),
            ("<a:b x", "not well-formed"),
            ("<a:/>", "not a valid qualified name"),
            ("<a::b/>", "not a valid qualified name"),
            ("<a:b:c/>", "not a valid qualified name"),
            ("<a:1 xmlns:a='u'/>", "not a valid qualified name"),
            ("<a b:1='x' xmlns:b='u'/>", "not a valid qualified name"),
            ("<a xmlns:='z'/>", "is not a valid name"),
            ("<a xmlns:p:q='z'/>", "is not a valid name"),
            ("<xmlns:a/>", "xmlns"),
            ("<a xmlns:xmlns='urn:y'/>", "reserved"),
            ("<a xmlns:xml='urn:x'/>", "reserved"),
            (
                "<a xmlns:p='http://www.w3.org/XML/1998/namespace'/>",
                "reserved",
            ),
            ("<a xmlns:p='http://www.w3.org/2000/xmlns/'/>", "reserved"),
            (
                "<a xmlns='http://www.w3.org/2000/xmlns/'/>",
                "default namespace",
            ),
            ("<a xmlns:p=''/>", "cannot undeclare"),
            ("<a xmlns:p='urn:p' xmlns:p='urn:p'/>", "twice"),
            ("<a xmlns='' xmlns=''/>", "twice"),
            (
                "<a xmlns:xml='http://www.w3.org/XML/1998/namespace' xmlns:xml='http://www.w3.org/XML/1998/namespace'/>",
                "twice",
            ),
            ("<a xmlns:p='u' xmlns:q='u' p:x='1' q:x='2'/>", "twice"),
            ("<a x='1' x='2'/>", "twice"),
            ("<a p:x='1'/>", "not declared"),
            ("<p:a/>", "not declared"),
            ("<a x='a<b'/>", "'<'"),
            ("<a x='&bogus;'/>", "undeclared entity"),
            ("<a x='1'/></a>", "does not match any open tag"),
            ("<a x='1'></b>", "not well-formed"),
            ("<a:b xmlns:a='u'></a:c>", "not well-formed"),
            ("<a:b xmlns:a='u'></a>", "not well-formed"),
            ("<a x='1'></a x>", "not well-formed"),
            ("<\u{e9}><a></\u{e9}></a>", "not well-formed"),
            ("<a><\u{e9}></a></\u{e9}>", "not well-formed"),
            ("\u{FEFF}\u{FEFF}<a/>", "text outside"),
            ("<a x='1'/><b/>", "more than one document element"),
        ];
        for doc in accepted {
            let one_pass = events(doc, true);
            assert!(
                !one_pass.iter().any(|e| e.starts_with("refused")),
                "{doc:?}: {one_pass:?}"
            );
            assert_eq!(one_pass, events(doc, false), "{doc:?}");
        }
        let mut wrong = Vec::new();
        for (doc, says) in refused {
            let one_pass = events(doc, true);
            assert_eq!(one_pass, events(doc, false), "{doc:?}");
            let last = one_pass.last().cloned().unwrap_or_default();
            if !(last.starts_with("refused") && last.contains(says)) {
                wrong.push(format!("{doc:?}: {last}"));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    /// The fuzz corpora of the XML targets, whole and cut at every tenth byte,
    /// are resolved alike with the one-pass paths on and off.
    #[test]
    fn one_pass_tags_resolve_alike_on_the_fuzz_corpora() {
        for text in crate::testing::xml_fuzz_corpora() {
            let text = normalize_line_ends(&text).into_owned();
            for cut in (0..text.len()).step_by(10).chain([text.len()]) {
                if let Some(head) = text.get(..cut) {
                    assert_eq!(events(head, true), events(head, false), "{head:?}");
                }
            }
        }
    }

    /// The attribute limit is checked before the attribute is cut, as it was
    /// before the one-pass paths: a tag whose 257th attribute is malformed is
    /// refused for its count, on both paths.
    #[test]
    fn the_attribute_limit_comes_before_a_bad_attribute() {
        let many: String = (0..MAX_ATTRIBUTES)
            .map(|i| format!(" a{i}='{i}'"))
            .collect();
        for bad in [" b", " b=", " b=c", " b c='1'"] {
            for doc in [format!("<r{many}{bad}/>"), format!("<r{many}{bad}></r>")] {
                let one_pass = events(&doc, true);
                assert_eq!(one_pass, events(&doc, false), "{bad:?}");
                assert!(
                    one_pass
                        .last()
                        .is_some_and(|e| e.contains("more than 256 attributes")),
                    "{bad:?}: {one_pass:?}"
                );
            }
        }
    }
}
