//! The `SignedInfo` of an enveloped signature, read and held to the XML-DSig
//! schema (XML Signature Syntax and Processing 1.1 §4.4; Exclusive XML
//! Canonicalization 1.0 §3) before anything is canonicalized or verified.
//!
//! Everything here is attacker-controlled until the signature has been checked,
//! and canonicalizing `SignedInfo` is the first costly step: so `SignedInfo` holds
//! exactly `CanonicalizationMethod`, `SignatureMethod` and one `Reference`, each
//! with only the children this verifier uses, and an `InclusiveNamespaces`
//! `PrefixList` holds at most [`MAX_INCLUSIVE_PREFIXES`] distinct NCNames.

use super::chars::is_ncname;
use super::dsig::{DS_NS, Digest, ENVELOPED, EXC_C14N, EXC_C14N_COMMENTS, algorithm_of};
use super::xml::{Element, Node};
use crate::encoding::base64;
use crate::error::Error;
use crate::error::SamlError;
use crate::key::algorithm::Algorithm;

/// The most distinct prefixes an `InclusiveNamespaces` `PrefixList` may name.
/// Real signers name a handful (`xs`, `saml`, `#default`); each one costs a
/// lookup on every element canonicalized.
pub(crate) const MAX_INCLUSIVE_PREFIXES: usize = 32;

/// What a checked `SignedInfo` says: how to canonicalize it, the signature
/// algorithm, and its one `Reference`.
pub(crate) struct SignedInfo<'a> {
    pub(crate) element: Element<'a>,
    /// `SignedInfo`'s own canonicalization keeps comments (`#WithComments`).
    pub(crate) comments: bool,
    /// `SignedInfo`'s inclusive prefixes (`""` for `#default`), deduplicated.
    pub(crate) prefixes: Vec<String>,
    pub(crate) algorithm: Algorithm,
    /// The `URI` of the `Reference` (checked by the caller).
    pub(crate) uri: Option<&'a str>,
    /// The inclusive prefixes of the `Reference`'s exclusive c14n transform.
    pub(crate) reference_prefixes: Vec<String>,
    pub(crate) digest: Digest,
    pub(crate) digest_value: Vec<u8>,
}

fn structure(why: impl Into<String>) -> Error {
    SamlError::Structure(why.into().into_boxed_str()).into()
}

fn unsupported(uri: &str) -> Error {
    SamlError::UnsupportedAlgorithm(uri.chars().take(80).collect()).into()
}

/// An element's name for a message: `<local>` in the DSig namespace or none,
/// `<{namespace}local>` otherwise (cut to 80 characters).
fn name(e: Element) -> String {
    let full = if e.ns.is_empty() || e.ns == DS_NS {
        format!("<{}>", e.local)
    } else {
        format!("<{{{}}}{}>", e.ns, e.local)
    };
    full.chars().take(80).collect()
}

/// `parent`'s child elements, which must be exactly the DSig elements `names`,
/// in that order (whitespace, comments and PIs between them are the
/// signature's business, not the schema's).
fn children_exactly<'a, const N: usize>(
    parent: Element<'a>,
    names: [&str; N],
) -> Result<[Element<'a>; N], Error> {
    let wrong = |found: String| {
        structure(format!(
            "{} must hold {} in that order and nothing else (XML-DSig §4.4); it holds {found}",
            parent.local,
            names.join(", ")
        ))
    };
    let mut children = parent.elements();
    let mut out = [None; N];
    for (want, slot) in names.iter().zip(&mut out) {
        match children.next() {
            Some(c) if c.is(DS_NS, want) => *slot = Some(c),
            Some(c) => return Err(wrong(format!("{} where {want} belongs", name(c)))),
            None => return Err(wrong(format!("no {want}"))),
        }
    }
    if let Some(extra) = children.next() {
        return Err(wrong(format!("{} after {}", name(extra), names.join(", "))));
    }
    // Every slot was filled above, or the loop returned.
    let mut missing = false;
    let out = out.map(|slot| {
        slot.unwrap_or_else(|| {
            missing = true;
            parent
        })
    });
    if missing {
        return Err(wrong("fewer children".into()));
    }
    Ok(out)
}

/// Refuses any child element of `e` (the schema's parameters this verifier does
/// not support, such as `HMACOutputLength`, or foreign content).
fn no_children(e: Element, what: &str) -> Result<(), Error> {
    match e.elements().next() {
        None => Ok(()),
        Some(c) => Err(structure(format!("{} holds {}: {what}", e.local, name(c)))),
    }
}

/// Reads and checks `signature`'s `SignedInfo`; `allow_sha1` admits SHA-1
/// reference digests.
pub(crate) fn read<'a>(signature: Element<'a>, allow_sha1: bool) -> Result<SignedInfo<'a>, Error> {
    let mut found = signature.children_named(DS_NS, "SignedInfo");
    let element = match (found.next(), found.next()) {
        (Some(one), None) => one,
        (None, _) => return Err(structure("Signature has no SignedInfo")),
        (Some(_), Some(_)) => return Err(structure("Signature has more than one SignedInfo")),
    };
    let [c14n_method, method, reference] = children_exactly(
        element,
        ["CanonicalizationMethod", "SignatureMethod", "Reference"],
    )?;
    let (comments, prefixes) = exclusive_c14n(c14n_method)?;
    let uri = method.attr("Algorithm").unwrap_or("");
    let algorithm = algorithm_of(uri).ok_or_else(|| unsupported(uri))?;
    no_children(
        method,
        "SignatureMethod takes no parameters here (HMACOutputLength is not supported)",
    )?;
    let [transforms, digest_method, digest_value] =
        children_exactly(reference, ["Transforms", "DigestMethod", "DigestValue"])?;
    let reference_prefixes = reference_transforms(transforms)?;
    let digest_uri = digest_method.attr("Algorithm").unwrap_or("");
    let digest = Digest::from_uri(digest_uri)
        .filter(|d| *d != Digest::Sha1 || allow_sha1)
        .ok_or_else(|| unsupported(digest_uri))?;
    no_children(digest_method, "DigestMethod takes no parameters")?;
    Ok(SignedInfo {
        element,
        comments,
        prefixes,
        algorithm,
        uri: reference.attr("URI"),
        reference_prefixes,
        digest,
        digest_value: base64_content(digest_value, "DigestValue")?,
    })
}

/// The base64 text of `e`, which may hold no element (XML whitespace ignored;
/// decoded in place when the text is one run without whitespace, the usual case).
/// The values are public: decoded through a table, not in constant time.
pub(crate) fn base64_content(e: Element<'_>, what: &str) -> Result<Vec<u8>, Error> {
    // The message is formatted only on the way out (this runs twice per verify).
    if let Some(c) = e.elements().next() {
        return Err(structure(format!(
            "{} holds {}: {what} holds base64 text only",
            e.local,
            name(c)
        )));
    }
    let not_base64 = || structure(format!("{what} is not base64"));
    let mut children = e.children();
    // Whitespace is outside the alphabet: one run of text decodes as it is
    // unless it holds some, and only then is a copy without it made.
    if let (Some(Node::Text(text)), None) = (children.next(), children.next()) {
        if let Some(bytes) = base64::decode_padded(text.as_bytes()) {
            return Ok(bytes);
        }
        if !text.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(not_base64());
        }
    }
    let mut text = e.text();
    text.retain(|c| !c.is_ascii_whitespace());
    base64::decode_padded(text.as_bytes()).ok_or_else(not_base64)
}

/// The Reference's transforms: enveloped-signature (empty), then exclusive c14n;
/// the latter's inclusive prefixes.
fn reference_transforms(transforms: Element) -> Result<Vec<String>, Error> {
    // Every child of Transforms counts: a foreign element is not skipped.
    let mut list = transforms.elements();
    match (list.next(), list.next(), list.next()) {
        (Some(first), Some(second), None)
            if first.is(DS_NS, "Transform")
                && second.is(DS_NS, "Transform")
                && first.attr("Algorithm") == Some(ENVELOPED) =>
        {
            no_children(
                first,
                "the enveloped-signature Transform takes no parameters",
            )?;
            Ok(exclusive_c14n(second)?.1)
        }
        _ => Err(structure(
            "the Reference transforms must be enveloped-signature then exclusive c14n",
        )),
    }
}

/// The exclusive c14n `Algorithm` of a `CanonicalizationMethod` or `Transform`
/// (with or without comments), and its `InclusiveNamespaces` prefixes: the one
/// child it may have.
fn exclusive_c14n(e: Element) -> Result<(bool, Vec<String>), Error> {
    let uri = e.attr("Algorithm").unwrap_or("");
    let comments = match uri {
        EXC_C14N => false,
        EXC_C14N_COMMENTS => true,
        _ => return Err(unsupported(uri)),
    };
    let mut children = e.elements();
    let prefixes = match (children.next(), children.next()) {
        (None, _) => Vec::new(),
        (Some(inclusive), None) if inclusive.is(EXC_C14N, "InclusiveNamespaces") => {
            no_children(inclusive, "InclusiveNamespaces is empty")?;
            prefix_list(inclusive.attr("PrefixList").unwrap_or(""))?
        }
        (Some(first), second) => {
            let other = second.filter(|_| first.is(EXC_C14N, "InclusiveNamespaces"));
            return Err(structure(format!(
                "{} may hold one ec:InclusiveNamespaces and nothing else; it holds {}",
                e.local,
                name(other.unwrap_or(first))
            )));
        }
    };
    Ok((comments, prefixes))
}

/// Parses an `InclusiveNamespaces` `PrefixList` (Exclusive C14N §3): prefixes
/// (NCNames) or `#default` (returned as `""`), separated by whitespace,
/// deduplicated; more than [`MAX_INCLUSIVE_PREFIXES`] distinct ones are refused.
pub(crate) fn prefix_list(list: &str) -> Result<Vec<String>, Error> {
    let mut prefixes: Vec<&str> = Vec::new();
    for token in list.split_ascii_whitespace() {
        let prefix = match token {
            "#default" => "",
            p if is_ncname(p) => p,
            _ => {
                return Err(structure(format!(
                    "the InclusiveNamespaces PrefixList holds {:?}, which is neither an NCName (a namespace prefix) nor #default",
                    token.chars().take(40).collect::<String>()
                )));
            }
        };
        if !prefixes.contains(&prefix) {
            if prefixes.len() == MAX_INCLUSIVE_PREFIXES {
                return Err(structure(format!(
                    "the InclusiveNamespaces PrefixList names more than {MAX_INCLUSIVE_PREFIXES} distinct prefixes; list only the prefixes the signed content needs"
                )));
            }
            prefixes.push(prefix);
        }
    }
    prefixes.sort_unstable();
    Ok(prefixes.into_iter().map(str::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use base64ct::{Base64, Encoding};

    use super::*;
    use crate::saml::xml;

    /// What `base64_content` must give for an element whose content is
    /// `inner`: its text with ASCII whitespace removed, strict padded base64
    /// (base64ct's reading), wherever the whitespace is.
    fn expected(inner: &str) -> Option<Vec<u8>> {
        let text: String = inner.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        Base64::decode_vec(&text).ok()
    }

    /// The decode-first path (one text node decoded before any whitespace
    /// scan) gives what stripping whitespace then decoding gives: whitespace
    /// at either end, inside a group, between padding characters, alone;
    /// non-canonical padding and trailing bits, lengths 1 to 3 modulo 4,
    /// padding inside; text cut by a character reference.
    #[test]
    fn base64_content_reads_whitespace_and_padding_as_strict_base64() {
        let mut checked = 0;
        for inner in [
            "QUJD",
            " QUJD",
            "QUJD\n",
            "\tQUJD\t",
            "QU\nJD",
            "Q U J D",
            "QUJDRA==",
            "QUJDRA=\n=",
            "QUJDRA= =",
            "QUJDRA\n==",
            "QUJDRE==",
            "QUJDRE=",
            "QUJDREU=",
            "QUJDREV=",
            "QUJDR",
            "QUJDRA",
            "QUJDREU",
            "QUJ=RA==",
            "=QUJ",
            "QUJD====",
            "",
            " ",
            "\n\n",
            "&#x51;UJD",
            "QUJD&#x20;",
            "QUJD&#x9;",
            "QU&amp;D",
            "QUJ+RA/=",
            "QUJ-RA_=",
        ] {
            let text = format!("<DigestValue>{inner}</DigestValue>");
            let doc = xml::parse_normalized(&text).unwrap();
            let ours = base64_content(doc.root(), "DigestValue");
            match (ours, expected(&xml_text(inner))) {
                (Ok(bytes), Some(want)) => assert_eq!(bytes, want, "{inner:?}"),
                (Err(e), None) => assert!(e.to_string().contains("DigestValue is not base64")),
                (ours, want) => panic!("{inner:?}: {ours:?}, expected {want:?}"),
            }
            checked += 1;
        }
        assert_eq!(checked, 29);
    }

    /// `inner` with the references the probes use expanded.
    fn xml_text(inner: &str) -> String {
        inner
            .replace("&#x51;", "Q")
            .replace("&#x20;", " ")
            .replace("&#x9;", "\t")
            .replace("&amp;", "&")
    }
}
