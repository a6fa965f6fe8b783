//! Exclusive XML Canonicalization 1.0 (<http://www.w3.org/2001/10/xml-exc-c14n#>,
//! and `#WithComments`), streamed over the events of [`xml`](super::xml)'s parser.
//!
//! What it does, per the W3C recommendations (Canonical XML 1.0 §2.3, §4; Exclusive
//! XML Canonicalization 1.0 §3): no XML declaration and no DTD; line ends already
//! normalized to LF; entity and character references expanded; CDATA sections as
//! text; empty elements as start/end pairs; attribute values normalized and
//! delimited by `"`; text escaped as `&amp; &lt; &gt; &#xD;`, attributes as
//! `&amp; &lt; &quot; &#x9; &#xA; &#xD;`; namespace declarations only where a
//! prefix (or the default namespace) is visibly utilized by the element or one of
//! its attributes, or named in the `InclusiveNamespaces` `PrefixList`, and not
//! already rendered with the same value by an output ancestor; namespace
//! declarations sorted by prefix (default first), then attributes sorted by
//! namespace URI (none first) and local name; comments and processing instructions
//! outside the document element each on their own line; whitespace outside the
//! document element dropped.

use std::borrow::Cow;

use super::xml::{self, Attr, Document, Element, Ev, Node, Parser, Scope};
use crate::error::Error;
use crate::error::SamlError;

/// Options for [`canonicalize_with`]: comments, the `InclusiveNamespaces`
/// `PrefixList`, and which part of the document to canonicalize.
///
/// The default is the whole document, without comments, no inclusive prefixes:
/// exactly [`canonicalize`].
///
/// ```
/// use s2s_oauth::saml::{C14n, canonicalize_with};
/// let xml = r#"<r xmlns:a="urn:a" xmlns:b="urn:b"><!-- note --><a:x Id="n1" b:y="1"/></r>"#;
/// let subtree = canonicalize_with(xml, &C14n::new().with_subtree_id("n1"))?;
/// assert_eq!(subtree, r#"<a:x xmlns:a="urn:a" xmlns:b="urn:b" Id="n1" b:y="1"></a:x>"#);
/// let with_comments = canonicalize_with(xml, &C14n::new().with_comments())?;
/// assert!(with_comments.contains("<!-- note -->"));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct C14n {
    with_comments: bool,
    prefixes: Vec<String>,
    subtree: Option<Subtree>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Subtree {
    Id(String),
    Element { ns: String, local: String },
}

impl C14n {
    /// The whole document, without comments, no inclusive prefixes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps comments (`xml-exc-c14n#WithComments`).
    pub fn with_comments(mut self) -> Self {
        self.with_comments = true;
        self
    }

    /// The `InclusiveNamespaces` `PrefixList` (Exclusive C14N §3): whitespace-separated
    /// prefixes whose in-scope declarations are rendered as inclusive
    /// canonicalization would; `#default` names the default namespace.
    pub fn with_inclusive_prefixes(mut self, prefix_list: &str) -> Self {
        self.prefixes = prefix_list
            .split_ascii_whitespace()
            .map(|p| if p == "#default" { "" } else { p }.to_owned())
            .collect();
        self.prefixes.sort_unstable();
        self.prefixes.dedup();
        self
    }

    /// Canonicalizes only the element whose `ID`, `Id` or `id` attribute is `id`, and
    /// its descendants (the document subset of a same-document reference `#id`),
    /// with the namespaces its ancestors declare in scope. Exactly one element
    /// must carry that value.
    pub fn with_subtree_id(mut self, id: impl Into<String>) -> Self {
        self.subtree = Some(Subtree::Id(id.into()));
        self
    }

    /// Canonicalizes only the first element (in document order) named
    /// `{namespace}local_name`, and its descendants; `namespace` is `""` for an
    /// element in no namespace.
    pub fn with_subtree_element(
        mut self,
        namespace: impl Into<String>,
        local_name: impl Into<String>,
    ) -> Self {
        self.subtree = Some(Subtree::Element {
            ns: namespace.into(),
            local: local_name.into(),
        });
        self
    }
}

/// Exclusive XML Canonicalization 1.0, without comments, of a whole well-formed
/// document (<http://www.w3.org/2001/10/xml-exc-c14n#>).
///
/// A DTD with declarations is refused ([`SamlError::Dtd`]), as is anything that is
/// not well-formed XML 1.0 in UTF-8 ([`SamlError::Xml`]).
///
/// ```
/// let xml = "<?xml version=\"1.0\"?>\r\n<doc b='2' a=\"1\"\r\n  xmlns:unused='urn:x'><e/>&#65;</doc>";
/// assert_eq!(s2s_oauth::saml::canonicalize(xml)?, r#"<doc a="1" b="2"><e></e>A</doc>"#);
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn canonicalize(xml: &str) -> Result<String, Error> {
    canonicalize_with(xml, &C14n::new())
}

/// Exclusive XML Canonicalization 1.0 of a well-formed document, with the
/// [`C14n`] options: comments, an `InclusiveNamespaces` prefix list, a subtree.
///
/// The document is canonicalized as it is read, in one pass and without a tree;
/// it is read to its end even when a subtree is asked for (to refuse what is not
/// well-formed and an `ID` that two elements carry).
pub fn canonicalize_with(xml: &str, options: &C14n) -> Result<String, Error> {
    let text = xml::normalize_line_ends(xml);
    let mut parser = Parser::new(&text)?;
    let mut r = Renderer::new(
        options.with_comments,
        &options.prefixes,
        output_limit(xml.len()),
        text.len(),
    );
    match &options.subtree {
        None => whole_document(&mut parser, &mut r)?,
        Some(subtree) => one_subtree(&mut parser, &mut r, subtree)?,
    }
    r.finish()
}

/// Renders every event of the document: comments and PIs outside the document
/// element on their own line (Canonical XML 1.0 §2.3), whitespace there dropped.
fn whole_document<'a>(parser: &mut Parser<'a>, r: &mut Renderer<'_, 'a>) -> Result<(), Error> {
    loop {
        let ev = parser.next()?;
        let outside = parser.depth() == 0;
        match ev {
            Ev::Eof => return Ok(()),
            Ev::Comment(_) | Ev::Pi { .. } if outside => {
                let before_root = !parser.after_root();
                if !before_root && r.writes(&ev) {
                    r.out.push('\n');
                }
                r.misc(&ev);
                if before_root && r.writes(&ev) {
                    r.out.push('\n');
                }
            }
            ev => r.event(parser, &ev),
        }
    }
}

/// Renders the first element the subtree option names, with its descendants;
/// counts the elements it names in the whole document.
fn one_subtree<'a>(
    parser: &mut Parser<'a>,
    r: &mut Renderer<'_, 'a>,
    subtree: &Subtree,
) -> Result<(), Error> {
    let mut hits = 0usize;
    // The depth of the element being rendered, while inside it.
    let mut inside: Option<usize> = None;
    loop {
        let ev = parser.next()?;
        match ev {
            Ev::Eof => break,
            Ev::Start => {
                let start = parser.start();
                let hit = match subtree {
                    Subtree::Id(id) => start.has_id(id),
                    Subtree::Element { ns, local } => start.is(ns, local),
                };
                if hit {
                    hits += 1;
                    if hits == 1 {
                        inside = Some(parser.depth());
                    }
                }
            }
            Ev::End { .. } if inside.is_some_and(|d| parser.depth() < d) => {
                r.event(parser, &ev);
                inside = None;
                continue;
            }
            _ => {}
        }
        if inside.is_some() {
            r.event(parser, &ev);
        }
    }
    match (subtree, hits) {
        (_, 0) => Err(SamlError::Structure(
            "no element matches the subtree to canonicalize".into(),
        )
        .into()),
        (Subtree::Id(_), 2..) => {
            Err(SamlError::Structure("more than one element carries that ID".into()).into())
        }
        _ => Ok(()),
    }
}

/// How to render a subtree of a parsed [`Document`]: comments or not, the
/// inclusive prefixes (`""` for `#default`; sorted and deduplicated), an element
/// to leave out with its subtree (the enveloped signature), and the most output
/// allowed ([`output_limit`]).
pub(crate) struct Ctx<'a> {
    pub(crate) comments: bool,
    pub(crate) prefixes: &'a [String],
    pub(crate) exclude: Option<Element<'a>>,
    pub(crate) max_len: usize,
}

/// The most canonical output allowed for an input of `input_len` bytes: 32 times
/// the input plus 1 MiB.
///
/// Exclusive c14n renders a namespace declaration on every output element that
/// visibly uses it and whose output parent did not render it, so a long
/// namespace URI declared once on an ancestor and used by many small siblings
/// multiplies without bound (a 256 KiB input can ask for gigabytes). Legitimate
/// documents stay within a few times their size.
pub(crate) fn output_limit(input_len: usize) -> usize {
    input_len.saturating_mul(32).saturating_add(1 << 20)
}

fn too_large(max_len: usize) -> Error {
    SamlError::Xml(
        format!(
            "the canonical form would be larger than {max_len} bytes (32 times the input, plus 1 MiB): namespace declarations are re-rendered on too many elements; declare each namespace on the element that uses it"
        )
        .into_boxed_str(),
    )
    .into()
}

/// `target` (an element of `doc`) and its descendants, with the namespaces its
/// ancestors declare in scope: the same renderer as [`canonicalize_with`], driven
/// by the tree the verifier and the signer already hold.
pub(crate) fn subtree_of<'t>(
    doc: &'t Document<'t>,
    target: Element<'t>,
    ctx: &Ctx<'_>,
) -> Result<String, Error> {
    subtree_with(doc, target, ctx, &mut Work::default())
}

/// [`subtree_of`] with the work buffers of an earlier render of `doc`, left in
/// `work` for the next one.
pub(crate) fn subtree_with<'t>(
    doc: &'t Document<'t>,
    target: Element<'t>,
    ctx: &Ctx<'_>,
    work: &mut Work<'t>,
) -> Result<String, Error> {
    let mut scope = std::mem::take(&mut work.scope);
    scope.truncate(0);
    ancestors_scope(doc.root(), target, &mut scope)?;
    let mut r = Renderer::with_work(
        ctx.comments,
        ctx.prefixes,
        ctx.max_len,
        doc.text.len(),
        std::mem::take(work),
    );
    tree(&mut r, target, &mut scope, ctx.exclude)?;
    let (out, kept) = r.finish_keeping_work();
    *work = kept;
    work.scope = scope;
    out
}

/// Pushes the declarations of `target`'s ancestors (outermost first, from `e`
/// down) onto `scope`; an error if `target` is not under `e`.
fn ancestors_scope<'t>(
    mut e: Element<'t>,
    target: Element<'t>,
    scope: &mut Scope<'t>,
) -> Result<(), Error> {
    while !e.same(&target) {
        for (p, uri) in e.decls() {
            scope.push(p, Cow::Borrowed(uri));
        }
        e = e.child_towards(&target).ok_or_else(|| {
            Error::from(SamlError::Structure(
                "the element is not in the document".into(),
            ))
        })?;
    }
    Ok(())
}

/// Renders `e` and its subtree, leaving out `exclude`; fails once the output
/// passes the limit.
fn tree<'t>(
    r: &mut Renderer<'_, 't>,
    e: Element<'t>,
    scope: &mut Scope<'t>,
    exclude: Option<Element<'_>>,
) -> Result<(), Error> {
    if exclude.is_some_and(|x| x.same(&e)) {
        return Ok(());
    }
    let mark = scope.len();
    for (p, uri) in e.decls() {
        scope.push(p, Cow::Borrowed(uri));
    }
    r.start(scope, e.prefix, e.local, e.attrs());
    if r.too_large {
        return Err(too_large(r.max_len));
    }
    for child in e.children() {
        match child {
            Node::Element(c) => tree(r, c, scope, exclude)?,
            Node::Text(t) => xml::escape_text(&mut r.out, t),
            Node::Comment(c) => r.misc(&Ev::Comment(c)),
            Node::Pi { target, data } => r.misc(&Ev::Pi { target, data }),
        }
    }
    r.end(e.prefix, e.local);
    scope.truncate(mark);
    Ok(())
}

/// The canonical writer: one output buffer, sized once, and the namespace
/// declarations its output ancestors rendered; the per-element work buffers are
/// kept between elements. `'s` is the lifetime of the names (the input's, or the
/// tree's).
struct Renderer<'p, 's> {
    out: String,
    comments: bool,
    /// The inclusive prefixes, sorted (`""`: `#default`).
    prefixes: &'p [String],
    max_len: usize,
    /// The output passed `max_len`: nothing more is written.
    too_large: bool,
    work: Work<'s>,
}

/// The renderer's work buffers, emptied by each render and kept between the
/// renders of one document (the verifier renders `SignedInfo`, then the
/// assertion), so that the second render does not grow them again.
#[derive(Default)]
pub(crate) struct Work<'s> {
    /// The declarations output ancestors rendered: (prefix, its binding in the
    /// scope; `None` for the empty default namespace).
    rendered: Vec<(&'s str, Option<usize>)>,
    /// Where each open element's declarations start in `rendered`.
    marks: Vec<usize>,
    /// Per element: the prefixes it visibly uses; the bindings to consider with
    /// what an output ancestor rendered for each; the order of its attributes.
    visible: Vec<&'s str>,
    found: Vec<Candidate<'s>>,
    order: Vec<usize>,
    /// The namespace bindings in scope during a subtree render
    /// ([`subtree_with`]).
    scope: Scope<'s>,
    /// Unit tests turn the one-candidate path off to compare it with the
    /// general one.
    #[cfg(test)]
    general_only: bool,
}

impl Work<'_> {
    /// Buffers sized for a usual assertion (about 16 elements deep, a few
    /// declarations and attributes per element), so that they do not grow.
    pub(crate) fn sized() -> Self {
        Self {
            rendered: Vec::with_capacity(8),
            marks: Vec::with_capacity(16),
            // Only elements that use prefixes other than their own, or sit under
            // an inclusive prefix list, need these (`Renderer::own_prefix_only`).
            visible: Vec::new(),
            found: Vec::new(),
            order: Vec::new(),
            scope: Scope::default(),
            #[cfg(test)]
            general_only: false,
        }
    }

    /// Empties every buffer, keeping its capacity.
    fn clear(&mut self) {
        self.rendered.clear();
        self.marks.clear();
        self.visible.clear();
        self.found.clear();
        self.order.clear();
    }
}

/// A namespace declaration an element may render: its prefix, its innermost
/// binding in the scope (`None`: the empty default namespace), and what an output
/// ancestor rendered for that prefix (`None`: nothing).
#[derive(Clone, Copy)]
struct Candidate<'s> {
    prefix: &'s str,
    binding: Option<usize>,
    rendered: Option<Option<usize>>,
}

impl<'s> Candidate<'s> {
    fn new(prefix: &'s str, binding: Option<usize>) -> Self {
        Self {
            prefix,
            binding,
            rendered: None,
        }
    }
}

impl<'p, 's> Renderer<'p, 's> {
    fn new(comments: bool, prefixes: &'p [String], max_len: usize, input_len: usize) -> Self {
        Self::with_work(comments, prefixes, max_len, input_len, Work::default())
    }

    /// A renderer that uses (emptied) `work`'s buffers.
    fn with_work(
        comments: bool,
        prefixes: &'p [String],
        max_len: usize,
        input_len: usize,
        mut work: Work<'s>,
    ) -> Self {
        work.clear();
        Self {
            // Canonical output is about the input's size (declarations added, the
            // XML declaration and references removed).
            out: String::with_capacity(input_len.saturating_add(input_len / 8).min(max_len)),
            comments,
            prefixes,
            max_len,
            too_large: false,
            work,
        }
    }

    /// The output, or the error for one that grew too large.
    fn finish(self) -> Result<String, Error> {
        self.finish_keeping_work().0
    }

    /// [`finish`](Self::finish), and the work buffers for the next render.
    fn finish_keeping_work(self) -> (Result<String, Error>, Work<'s>) {
        let out = if self.too_large {
            Err(too_large(self.max_len))
        } else {
            Ok(self.out)
        };
        (out, self.work)
    }

    /// Renders an event inside the part being canonicalized.
    fn event(&mut self, parser: &Parser<'s>, ev: &Ev<'s>) {
        match *ev {
            Ev::Start => {
                let start = parser.start();
                self.start(parser.scope(), start.prefix, start.local, &start.attrs);
            }
            Ev::End { prefix, local, .. } => self.end(prefix, local),
            Ev::Text(t) => {
                if !self.too_large {
                    xml::escape_text(&mut self.out, t);
                }
            }
            Ev::Char(c) => {
                if !self.too_large {
                    xml::escape_text(&mut self.out, c.encode_utf8(&mut [0; 4]));
                }
            }
            Ev::Comment(_) | Ev::Pi { .. } => self.misc(ev),
            Ev::Eof => {}
        }
    }

    /// Whether [`misc`](Self::misc) writes `ev`.
    fn writes(&self, ev: &Ev<'_>) -> bool {
        match ev {
            Ev::Comment(_) => self.comments,
            Ev::Pi { .. } => true,
            _ => false,
        }
    }

    /// Writes a comment (if kept) or a processing instruction.
    fn misc(&mut self, ev: &Ev<'_>) {
        if self.too_large {
            return;
        }
        match *ev {
            Ev::Comment(c) if self.comments => {
                self.out.push_str("<!--");
                self.out.push_str(c);
                self.out.push_str("-->");
            }
            Ev::Pi { target, data } => {
                self.out.push_str("<?");
                self.out.push_str(target);
                if !data.is_empty() {
                    self.out.push(' ');
                    self.out.push_str(data);
                }
                self.out.push_str("?>");
            }
            _ => {}
        }
    }

    fn is_inclusive(&self, prefix: &str) -> bool {
        self.prefixes
            .binary_search_by(|q| q.as_str().cmp(prefix))
            .is_ok()
    }

    /// Finds the namespace declarations an element renders (Exclusive C14N §3)
    /// into `found`, sorted by prefix: each prefix that it or one of its
    /// attributes visibly uses, and each inclusive prefix in scope, with its
    /// innermost binding and what output ancestors rendered for it. One pass over
    /// the scope and one over `rendered` (a prefix list is attacker-sized).
    fn declarations(&mut self, scope: &Scope<'s>, prefix: Option<&'s str>, attrs: &[Attr<'s>]) {
        self.work.visible.clear();
        self.work.visible.push(prefix.unwrap_or(""));
        self.work.visible.extend(
            attrs
                .iter()
                .filter_map(|a| a.prefix)
                .filter(|&p| p != "xml"),
        );
        let mut found = std::mem::take(&mut self.work.found);
        found.clear();
        self.work.visible.sort_unstable();
        self.work.visible.dedup();
        for (i, p) in scope.innermost_first() {
            if self.work.visible.binary_search(&p).is_ok() || self.is_inclusive(p) {
                found.push(Candidate::new(p, Some(i)));
            }
        }
        // Stable: the innermost binding of each prefix stays first, and is kept.
        found.sort_by(|a, b| a.prefix.cmp(b.prefix));
        found.dedup_by(|later, first| later.prefix == first.prefix);
        // The default namespace, used or listed, with no binding in scope: "".
        let default_wanted = self.work.visible.first() == Some(&"") || self.is_inclusive("");
        if default_wanted && found.first().is_none_or(|f| !f.prefix.is_empty()) {
            found.insert(0, Candidate::new("", None));
        }
        for (p, binding) in self.work.rendered.iter().rev() {
            if let Ok(k) = found.binary_search_by(|f| f.prefix.cmp(p)) {
                if let Some(f) = found.get_mut(k) {
                    f.rendered.get_or_insert(*binding);
                }
            }
        }
        self.work.found = found;
    }

    /// [`declarations`](Self::declarations) for the usual element, whose
    /// attributes use no prefix but its own (or `xml`), with no inclusive
    /// prefixes: at most one candidate, its prefix's, found with no work vector.
    /// `None` when the element is not of that kind.
    fn own_prefix_only(
        &self,
        scope: &Scope<'s>,
        prefix: Option<&'s str>,
        attrs: &[Attr<'s>],
    ) -> Option<Option<Candidate<'s>>> {
        #[cfg(test)]
        if self.work.general_only {
            return None;
        }
        let own = |p: Option<&str>| p.is_none_or(|p| p == "xml" || Some(p) == prefix);
        if !self.prefixes.is_empty() || !attrs.iter().all(|a| own(a.prefix)) {
            return None;
        }
        let only = prefix.unwrap_or("");
        let binding = scope
            .innermost_first()
            .find(|(_, p)| *p == only)
            .map(|(i, _)| i);
        if binding.is_none() && !only.is_empty() {
            return Some(None);
        }
        let rendered = self.work.rendered.iter().rev().find(|(p, _)| *p == only);
        Some(Some(Candidate {
            prefix: only,
            binding,
            rendered: rendered.map(|(_, b)| *b),
        }))
    }

    /// Writes a start tag: its name, the declarations it renders, its attributes
    /// sorted by namespace URI and local name. `scope` includes its own
    /// declarations.
    fn start(
        &mut self,
        scope: &Scope<'s>,
        prefix: Option<&'s str>,
        local: &str,
        attrs: &[Attr<'s>],
    ) {
        if self.too_large {
            return;
        }
        self.work.marks.push(self.work.rendered.len());
        self.out.push('<');
        push_qname(&mut self.out, prefix, local);
        match self.own_prefix_only(scope, prefix, attrs) {
            Some(only) => {
                if let Some(candidate) = only {
                    self.declare(scope, candidate);
                }
            }
            None => {
                self.declarations(scope, prefix, attrs);
                let found = std::mem::take(&mut self.work.found);
                for &candidate in &found {
                    self.declare(scope, candidate);
                }
                self.work.found = found;
            }
        }
        if attrs.is_sorted_by(|a, b| attr_key(a) <= attr_key(b)) {
            for a in attrs {
                push_attribute(&mut self.out, a);
            }
        } else {
            let order = &mut self.work.order;
            order.clear();
            order.extend(0..attrs.len());
            order.sort_by(|&i, &j| attrs.get(i).map(attr_key).cmp(&attrs.get(j).map(attr_key)));
            for a in order.iter().filter_map(|&i| attrs.get(i)) {
                push_attribute(&mut self.out, a);
            }
        }
        self.out.push('>');
        if self.out.len() > self.max_len {
            self.too_large = true;
        }
    }

    /// Writes the declaration of `candidate` unless an output ancestor rendered
    /// the same binding (Exclusive C14N §3), and remembers it.
    fn declare(&mut self, scope: &Scope<'s>, candidate: Candidate<'s>) {
        let Candidate {
            prefix: p,
            binding,
            rendered,
        } = candidate;
        let uri = |binding: Option<usize>| binding.and_then(|i| scope.get(i)).map_or("", |b| b.1);
        // Nothing rendered above: the default namespace is empty, a prefix unbound.
        let before = rendered.or(if p.is_empty() { Some(None) } else { None });
        if before.map(uri) == Some(uri(binding)) {
            return;
        }
        let out = &mut self.out;
        if p.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(p);
            out.push_str("=\"");
        }
        xml::escape_attr(out, uri(binding));
        out.push('"');
        self.work.rendered.push((p, binding));
    }

    /// Writes an end tag and forgets the declarations its start tag rendered.
    fn end(&mut self, prefix: Option<&str>, local: &str) {
        if self.too_large {
            return;
        }
        self.out.push_str("</");
        push_qname(&mut self.out, prefix, local);
        self.out.push('>');
        if let Some(mark) = self.work.marks.pop() {
            self.work.rendered.truncate(mark);
        }
    }
}

/// Writes a name as written (`prefix:local` or `local`).
/// What attributes are sorted by (Exclusive C14N §2.2): namespace URI, then
/// local name.
fn attr_key<'a>(a: &'a Attr<'_>) -> (&'a str, &'a str) {
    (a.ns.as_ref(), a.local)
}

/// ` prefix:local="value"`, the value escaped.
fn push_attribute(out: &mut String, a: &Attr<'_>) {
    out.push(' ');
    push_qname(out, a.prefix, a.local);
    out.push_str("=\"");
    xml::escape_attr(out, &a.value);
    out.push('"');
}

fn push_qname(out: &mut String, prefix: Option<&str>, local: &str) {
    if let Some(prefix) = prefix {
        out.push_str(prefix);
        out.push(':');
    }
    out.push_str(local);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `*.input.xml` of the c14n corpus (`tests/data/c14n`) with its path.
    fn corpus_inputs() -> Vec<(std::path::PathBuf, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/c14n");
        let mut inputs = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().ends_with(".input.xml") {
                let input = std::fs::read_to_string(&path).unwrap();
                inputs.push((path, input));
            }
        }
        inputs
    }

    /// The two drivers of the one renderer agree: the tree path the verifier and
    /// the signer use ([`subtree_of`]) and the streaming path behind
    /// [`canonicalize_with`], on every element of every document of the c14n
    /// corpus (the first element of each name, which is the one the streaming
    /// path's `with_subtree_element` picks), with and without comments.
    #[test]
    fn the_tree_path_renders_what_the_streaming_path_renders() {
        let mut compared = 0;
        for (path, input) in corpus_inputs() {
            let text = xml::normalize_line_ends(&input);
            let Ok(doc) = xml::parse_normalized(&text) else {
                continue;
            };
            let mut firsts: Vec<Element<'_>> = Vec::new();
            doc.root().walk(&mut |e| {
                if !firsts.iter().any(|f| f.ns == e.ns && f.local == e.local) {
                    firsts.push(e);
                }
            });
            for e in firsts {
                for comments in [false, true] {
                    let ctx = Ctx {
                        comments,
                        prefixes: &[],
                        exclude: None,
                        max_len: output_limit(text.len()),
                    };
                    let mut options = C14n::new().with_subtree_element(&*e.ns, e.local);
                    if comments {
                        options = options.with_comments();
                    }
                    assert_eq!(
                        subtree_of(&doc, e, &ctx).unwrap(),
                        canonicalize_with(&input, &options).unwrap(),
                        "{} <{}> comments: {comments}",
                        path.display(),
                        e.local
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 100, "{compared}");
    }

    /// Work buffers carried from render to render change nothing: every element
    /// of every document of the c14n corpus rendered in document order with one
    /// `Work` (each excluding, in turn, the element before it; with and without
    /// comments; with and without an inclusive prefix list) is what a fresh
    /// `Work` renders, also after each is followed by a render that the output
    /// limit stops.
    #[test]
    fn shared_work_buffers_render_what_fresh_ones_render() {
        let mut compared = 0;
        let prefix_lists = [
            Vec::new(),
            vec![String::new(), "a".to_owned(), "ds".to_owned()],
        ];
        for (path, input) in corpus_inputs() {
            let text = xml::normalize_line_ends(&input);
            let Ok(doc) = xml::parse_normalized(&text) else {
                continue;
            };
            let mut all: Vec<Element<'_>> = Vec::new();
            doc.root().walk(&mut |e| all.push(e));
            let mut work = Work::default();
            let mut previous: Option<Element<'_>> = None;
            for &e in &all {
                for prefixes in &prefix_lists {
                    for comments in [false, true] {
                        let ctx = Ctx {
                            comments,
                            prefixes,
                            exclude: previous,
                            max_len: output_limit(text.len()),
                        };
                        assert_eq!(
                            subtree_with(&doc, e, &ctx, &mut work).unwrap(),
                            subtree_of(&doc, e, &ctx).unwrap(),
                            "{} <{}>",
                            path.display(),
                            e.local
                        );
                        compared += 1;
                        let tiny = Ctx { max_len: 1, ..ctx };
                        assert!(subtree_with(&doc, e, &tiny, &mut work).is_err());
                    }
                }
                previous = Some(e);
            }
        }
        assert!(compared > 400, "{compared}");
    }

    /// The one-candidate path for elements that use only their own prefix
    /// renders what the general path renders: every element of every corpus
    /// document and of 20 000 generated namespace-heavy documents, with and
    /// without an inclusive prefix list (which turns the path off) and with the
    /// element before it excluded.
    #[test]
    fn own_prefix_path_renders_what_the_general_path_renders() {
        let mut inputs: Vec<String> = corpus_inputs()
            .into_iter()
            .map(|(_, input)| input)
            .collect();
        // And the XML fuzz targets' corpora (assertions, signatures, mutants).
        inputs.extend(crate::testing::xml_fuzz_corpora());
        let names = ["a", "p:a", "q:b", "c", "xml:d"];
        let attributes = [
            " x='1'",
            " p:x='2'",
            " q:y='3'",
            " xml:lang='en'",
            " xmlns='urn:d'",
            " xmlns=''",
            " xmlns:q='urn:q'",
            " xmlns:p='urn:p2'",
            " xmlns:p='urn:p'",
            " b='&lt;'",
            " p:xmlns='v'",
            " xml:space='preserve'",
            " q:z='4'",
        ];
        let mut next = crate::testing::below(0x0bad_5eed_1234_5678_u64);
        for _ in 0..20_000 {
            let mut doc = String::from("<r xmlns:p='urn:p' xmlns:q='urn:q'>");
            let mut open = Vec::new();
            for _ in 0..next(8) {
                if next(3) == 0 {
                    if let Some(name) = open.pop() {
                        doc.push_str(&format!("</{name}>"));
                    }
                    continue;
                }
                let name = names[next(names.len())];
                doc.push('<');
                doc.push_str(name);
                for _ in 0..next(3) {
                    doc.push_str(attributes[next(attributes.len())]);
                }
                if next(4) == 0 {
                    doc.push_str("/>");
                } else {
                    doc.push('>');
                    open.push(name);
                }
            }
            while let Some(name) = open.pop() {
                doc.push_str(&format!("</{name}>"));
            }
            doc.push_str("</r>");
            inputs.push(doc);
        }
        let prefix_lists = [Vec::new(), vec!["p".to_owned()], vec![String::new()]];
        let mut compared = 0;
        for input in &inputs {
            let text = xml::normalize_line_ends(input);
            let Ok(doc) = xml::parse_normalized(&text) else {
                continue;
            };
            let mut all: Vec<Element<'_>> = Vec::new();
            doc.root().walk(&mut |e| all.push(e));
            let mut previous: Option<Element<'_>> = None;
            for &e in &all {
                for prefixes in &prefix_lists {
                    let ctx = Ctx {
                        comments: false,
                        prefixes,
                        exclude: previous,
                        max_len: output_limit(text.len()),
                    };
                    let mut general = Work {
                        general_only: true,
                        ..Work::default()
                    };
                    assert_eq!(
                        subtree_with(&doc, e, &ctx, &mut Work::default()).unwrap(),
                        subtree_with(&doc, e, &ctx, &mut general).unwrap(),
                        "{input}"
                    );
                    compared += 1;
                }
                previous = Some(e);
            }
        }
        assert!(compared > 100_000, "{compared}");
    }

    /// Every element of `input` rendered by both paths, with no prefix list,
    /// `p` and `#default`, excluding nothing and each element in turn: the same
    /// output. Returns the general path's rendering of the document element
    /// (no prefix list, nothing excluded).
    fn both_paths_render_alike(input: &str) -> String {
        let text = xml::normalize_line_ends(input);
        let doc = xml::parse_normalized(&text).unwrap_or_else(|e| panic!("{input}: {e}"));
        let mut all: Vec<Element<'_>> = Vec::new();
        doc.root().walk(&mut |e| all.push(e));
        let prefix_lists = [Vec::new(), vec!["p".to_owned()], vec![String::new()]];
        let excludes = std::iter::once(None).chain(all.iter().copied().map(Some));
        let excludes: Vec<Option<Element<'_>>> = excludes.collect();
        // One work buffer per path across all renders, as the verifier keeps it.
        let mut one_pass = Work::default();
        let mut general = Work {
            general_only: true,
            ..Work::default()
        };
        for &e in &all {
            for prefixes in &prefix_lists {
                for &exclude in &excludes {
                    let ctx = Ctx {
                        comments: false,
                        prefixes,
                        exclude,
                        max_len: output_limit(text.len()),
                    };
                    assert_eq!(
                        subtree_with(&doc, e, &ctx, &mut one_pass).unwrap(),
                        subtree_with(&doc, e, &ctx, &mut general).unwrap(),
                        "{input} at <{}> excluding {:?} with {prefixes:?}",
                        e.local,
                        exclude.map(|x| x.local)
                    );
                }
            }
        }
        let ctx = Ctx {
            comments: false,
            prefixes: &[],
            exclude: None,
            max_len: output_limit(text.len()),
        };
        subtree_with(&doc, doc.root(), &ctx, &mut general).unwrap()
    }

    /// Hand-picked namespace cases for the one-candidate path (the review of
    /// the one-pass paths): the default namespace undeclared below a default,
    /// an unprefixed element with no default in scope, attributes with the
    /// element's own prefix and `xml:` attributes, a prefix rebound and bound
    /// back, siblings after one that rendered a declaration (the `rendered`
    /// stack), attributes out of canonical order. Both paths render each the
    /// same for every element, exclusion and prefix list, and the document
    /// elements render as Exclusive C14N says.
    #[test]
    fn hostile_namespace_cases_render_alike_on_both_paths() {
        for (input, canonical) in [
            (
                "<r xmlns='urn:d'><a xmlns=''><b x='1'/></a><c/></r>",
                "<r xmlns=\"urn:d\"><a xmlns=\"\"><b x=\"1\"></b></a><c></c></r>",
            ),
            (
                "<p:r xmlns:p='urn:p' xmlns='urn:d'><a p:x='1' xml:lang='en'/><p:b xml:space='preserve' x='1'/></p:r>",
                "<p:r xmlns:p=\"urn:p\"><a xmlns=\"urn:d\" xml:lang=\"en\" p:x=\"1\"></a><p:b x=\"1\" xml:space=\"preserve\"></p:b></p:r>",
            ),
            (
                "<r xmlns:p='urn:p'><p:a xmlns:p='urn:q'><p:b xmlns:p='urn:p' p:y='2'/></p:a><p:a/><p:a p:z='3'/></r>",
                "<r><p:a xmlns:p=\"urn:q\"><p:b xmlns:p=\"urn:p\" p:y=\"2\"></p:b></p:a><p:a xmlns:p=\"urn:p\"></p:a><p:a xmlns:p=\"urn:p\" p:z=\"3\"></p:a></r>",
            ),
            (
                "<a z='1' b='2' xmlns:p='urn:p' p:a='3' xmlns:q='urn:a' q:c='4'/>",
                "<a xmlns:p=\"urn:p\" xmlns:q=\"urn:a\" b=\"2\" z=\"1\" q:c=\"4\" p:a=\"3\"></a>",
            ),
            (
                "<p:a xmlns:p='urn:p' xmlns:q='urn:p' q:x='1' p:y='2'><p:b/><q:c/></p:a>",
                "<p:a xmlns:p=\"urn:p\" xmlns:q=\"urn:p\" q:x=\"1\" p:y=\"2\"><p:b></p:b><q:c></q:c></p:a>",
            ),
            (
                "<r xmlns='urn:d'><a xmlns=''/><a/><b xmlns='urn:e'><a xmlns='urn:d'/></b></r>",
                "<r xmlns=\"urn:d\"><a xmlns=\"\"></a><a></a><b xmlns=\"urn:e\"><a xmlns=\"urn:d\"></a></b></r>",
            ),
            (
                "<xml:r xml:lang='en'><a/></xml:r>",
                "<xml:r xml:lang=\"en\"><a></a></xml:r>",
            ),
        ] {
            assert_eq!(both_paths_render_alike(input), canonical, "{input}");
        }
    }
}
