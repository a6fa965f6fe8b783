//! The namespace bindings in scope, shared by the [`Parser`](super::Parser), the
//! tree and the canonicalizer (Namespaces in XML 1.0 §6).

use std::borrow::Cow;

use super::XML_NS;

/// The namespace bindings in scope: `(prefix, URI)` pairs of the open elements,
/// outermost first; prefix `""` is the default namespace, URI `""` undeclares it.
/// The `xml` prefix is implicit and never stored.
#[derive(Debug, Default)]
pub(crate) struct Scope<'a> {
    bindings: Vec<(&'a str, Cow<'a, str>)>,
}

impl<'a> Scope<'a> {
    /// The number of bindings (a mark for [`truncate`](Self::truncate)).
    pub(crate) fn len(&self) -> usize {
        self.bindings.len()
    }

    /// Drops the bindings pushed since `mark`.
    pub(crate) fn truncate(&mut self, mark: usize) {
        self.bindings.truncate(mark);
    }

    pub(crate) fn push(&mut self, prefix: &'a str, uri: Cow<'a, str>) {
        self.bindings.push((prefix, uri));
    }

    /// The binding at `index`.
    pub(crate) fn get(&self, index: usize) -> Option<(&'a str, &str)> {
        self.bindings.get(index).map(|(p, uri)| (*p, uri.as_ref()))
    }

    /// The bindings, innermost first, with their indexes.
    pub(crate) fn innermost_first(&self) -> impl Iterator<Item = (usize, &'a str)> + '_ {
        self.bindings
            .iter()
            .enumerate()
            .rev()
            .map(|(i, (p, _))| (i, *p))
    }

    /// The bindings pushed since `mark`.
    pub(crate) fn since(&self, mark: usize) -> &[(&'a str, Cow<'a, str>)] {
        self.bindings.get(mark..).unwrap_or_default()
    }

    /// The URI `prefix` is bound to, borrowed from the input unless the
    /// declaration had references expanded.
    pub(crate) fn lookup_cow(&self, prefix: &str) -> Option<Cow<'a, str>> {
        if prefix == "xml" {
            return Some(Cow::Borrowed(XML_NS));
        }
        self.bindings
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map(|(_, uri)| uri.clone())
    }
}
