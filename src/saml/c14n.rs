//! Exclusive XML Canonicalization 1.0 (<http://www.w3.org/2001/10/xml-exc-c14n#>,
//! and `#WithComments`) over the tree of [`xml`](super::xml).
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

use std::collections::BTreeMap;

use super::xml::{self, Document, Element, Node};
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
pub fn canonicalize_with(xml: &str, options: &C14n) -> Result<String, Error> {
    let doc = xml::parse(xml)?;
    let ctx = Ctx {
        comments: options.with_comments,
        prefixes: &options.prefixes,
        exclude: None,
        max_len: output_limit(xml.len()),
    };
    match &options.subtree {
        None => document(&doc, &ctx),
        Some(subtree) => {
            let mut found: Vec<&Element> = Vec::new();
            doc.root.walk(&mut |e| {
                let hit = match subtree {
                    Subtree::Id(id) => e.has_id(id),
                    Subtree::Element { ns, local } => e.is(ns, local),
                };
                if hit {
                    found.push(e);
                }
            });
            let target = match (subtree, found.as_slice()) {
                (_, []) => {
                    return Err(SamlError::Structure(
                        "no element matches the subtree to canonicalize".into(),
                    )
                    .into());
                }
                (Subtree::Id(_), [_, _, ..]) => {
                    return Err(SamlError::Structure(
                        "more than one element carries that ID".into(),
                    )
                    .into());
                }
                (_, [first, ..]) => *first,
            };
            subtree_of(&doc, target, &ctx)
        }
    }
}

/// How to render: comments or not, the inclusive prefixes (`""` for
/// `#default`; sorted and deduplicated), an element to leave out with its subtree (the enveloped
/// signature), and the most output allowed ([`output_limit`]).
pub(crate) struct Ctx<'a> {
    pub(crate) comments: bool,
    pub(crate) prefixes: &'a [String],
    pub(crate) exclude: Option<&'a Element>,
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

/// The whole document.
pub(crate) fn document(doc: &Document, ctx: &Ctx<'_>) -> Result<String, Error> {
    let mut out = String::new();
    for node in &doc.prolog {
        if misc(&mut out, node, ctx) {
            out.push('\n');
        }
    }
    element(&mut out, &doc.root, &mut Vec::new(), &mut Vec::new(), ctx)?;
    for node in &doc.epilog {
        let mark = out.len();
        out.push('\n');
        if !misc(&mut out, node, ctx) {
            out.truncate(mark);
        }
    }
    Ok(out)
}

/// `target` (an element of `doc`) and its descendants, with the namespaces its
/// ancestors declare in scope.
pub(crate) fn subtree_of(doc: &Document, target: &Element, ctx: &Ctx<'_>) -> Result<String, Error> {
    let mut scope = Vec::new();
    if !ancestors_scope(&doc.root, target, &mut scope) {
        return Err(SamlError::Structure("the element is not in the document".into()).into());
    }
    let mut out = String::new();
    element(&mut out, target, &mut scope, &mut Vec::new(), ctx)?;
    Ok(out)
}

/// Fills `scope` with the declarations of `target`'s ancestors (outermost first);
/// `false` if `target` is not under `e`.
fn ancestors_scope(e: &Element, target: &Element, scope: &mut Vec<(String, String)>) -> bool {
    if std::ptr::eq(e, target) {
        return true;
    }
    let mark = scope.len();
    scope.extend(e.decls.iter().cloned());
    for child in e.elements() {
        if ancestors_scope(child, target, scope) {
            return true;
        }
    }
    scope.truncate(mark);
    false
}

/// Writes a comment or PI; `false` if nothing was written.
fn misc(out: &mut String, node: &Node, ctx: &Ctx<'_>) -> bool {
    match node {
        Node::Comment(c) if ctx.comments => {
            out.push_str("<!--");
            out.push_str(c);
            out.push_str("-->");
            true
        }
        Node::Pi { target, data } => {
            out.push_str("<?");
            out.push_str(target);
            if !data.is_empty() {
                out.push(' ');
                out.push_str(data);
            }
            out.push_str("?>");
            true
        }
        _ => false,
    }
}

/// Writes the element's name as written (`prefix:local` or `local`), without
/// allocating it.
fn push_qname(out: &mut String, e: &Element) {
    if let Some(prefix) = &e.prefix {
        out.push_str(prefix);
        out.push(':');
    }
    out.push_str(&e.local);
}

/// The innermost binding in `stack` of each prefix `wanted` accepts, by prefix:
/// one pass over the stack, innermost first (looking each wanted prefix up in
/// turn cost prefixes × scope per element, and a prefix list is attacker-sized).
fn innermost(stack: &[(String, String)], wanted: impl Fn(&str) -> bool) -> BTreeMap<&str, &str> {
    let mut found = BTreeMap::new();
    for (p, uri) in stack.iter().rev() {
        if wanted(p) {
            found.entry(p.as_str()).or_insert(uri.as_str());
        }
    }
    found
}

/// The namespace declarations `e` renders (Exclusive C14N §3), sorted by prefix:
/// each prefix that `e` or one of its attributes visibly uses, and each inclusive
/// prefix in scope, whose in-scope binding is not what an output ancestor
/// rendered. `scope` includes `e`'s own declarations.
fn declarations(
    e: &Element,
    scope: &[(String, String)],
    rendered: &[(String, String)],
    ctx: &Ctx<'_>,
) -> Vec<(String, String)> {
    let mut visible: Vec<&str> = vec![e.prefix.as_deref().unwrap_or("")];
    for a in &e.attrs {
        if let Some(p) = a.prefix.as_deref() {
            if p != "xml" {
                visible.push(p);
            }
        }
    }
    visible.sort_unstable();
    visible.dedup();
    let inclusive = |p: &str| ctx.prefixes.binary_search_by(|q| q.as_str().cmp(p)).is_ok();
    let mut bound = innermost(scope, |p| visible.binary_search(&p).is_ok() || inclusive(p));
    // The default namespace, used or listed, with no binding in scope: "".
    if visible.first() == Some(&"") || inclusive("") {
        bound.entry("").or_insert("");
    }
    let before = innermost(rendered, |p| bound.contains_key(p));
    bound
        .into_iter()
        .filter(|(p, uri)| {
            let before = before
                .get(p)
                .copied()
                .or(if p.is_empty() { Some("") } else { None });
            before != Some(*uri)
        })
        .map(|(p, uri)| (p.to_owned(), uri.to_owned()))
        .collect()
}

/// Renders `e` and its subtree. `scope`: the namespace bindings in scope from the
/// ancestors; `rendered`: the declarations output ancestors rendered. Fails
/// once the output passes `ctx.max_len`.
fn element(
    out: &mut String,
    e: &Element,
    scope: &mut Vec<(String, String)>,
    rendered: &mut Vec<(String, String)>,
    ctx: &Ctx<'_>,
) -> Result<(), Error> {
    if ctx.exclude.is_some_and(|x| std::ptr::eq(x, e)) {
        return Ok(());
    }
    let scope_mark = scope.len();
    scope.extend(e.decls.iter().cloned());

    let emit = declarations(e, scope, rendered, ctx);
    let rendered_mark = rendered.len();

    out.push('<');
    push_qname(out, e);
    for (p, uri) in &emit {
        if p.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(p);
            out.push_str("=\"");
        }
        xml::escape_attr(out, uri);
        out.push('"');
    }
    rendered.extend(emit);
    let mut attrs: Vec<&xml::Attr> = e.attrs.iter().collect();
    attrs.sort_by(|a, b| (&a.ns, &a.local).cmp(&(&b.ns, &b.local)));
    for a in attrs {
        out.push(' ');
        if let Some(p) = &a.prefix {
            out.push_str(p);
            out.push(':');
        }
        out.push_str(&a.local);
        out.push_str("=\"");
        xml::escape_attr(out, &a.value);
        out.push('"');
    }
    out.push('>');
    if out.len() > ctx.max_len {
        return Err(too_large(ctx.max_len));
    }
    for child in &e.children {
        match child {
            Node::Element(c) => element(out, c, scope, rendered, ctx)?,
            Node::Text(t) => xml::escape_text(out, t),
            other => {
                misc(out, other, ctx);
            }
        }
    }
    out.push_str("</");
    push_qname(out, e);
    out.push('>');
    rendered.truncate(rendered_mark);
    scope.truncate(scope_mark);
    Ok(())
}
