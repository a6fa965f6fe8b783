//! Enveloped XML-DSig signatures on SAML 2.0 assertions (XML Signature Syntax and
//! Processing §3.1, SAML 2.0 Core §5.4): the `Signature` right after `Issuer`,
//! `Reference URI="#<ID>"`, transforms enveloped-signature + exclusive c14n, a
//! SHA-256 digest, RSA-SHA256/384/512 or ECDSA-SHA256/384, and the signer's
//! certificate in `KeyInfo/X509Data/X509Certificate`.

use ring::digest;
use ring::rand::SecureRandom;

use super::c14n::{self, Ctx};
use super::chars;
use super::xml::{self, Element};
use crate::encoding::Base64;
use crate::error::Error;
use crate::error::SamlError;
use crate::key::SigningKey;
use crate::key::algorithm::Algorithm;
use crate::secrets::SignedAssertion;

/// The XML-DSig namespace.
pub(crate) const DS_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The SAML 2.0 assertion namespace.
pub(crate) const SAML_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// Exclusive XML Canonicalization 1.0, without and with comments.
pub(crate) const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub(crate) const EXC_C14N_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
/// The enveloped-signature transform.
pub(crate) const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// A digest algorithm of a `Reference` (XML-DSig §6.2, RFC 6931 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Digest {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Digest {
    pub(crate) fn uri(self) -> &'static str {
        match self {
            Digest::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
            Digest::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
            Digest::Sha384 => "http://www.w3.org/2001/04/xmldsig-more#sha384",
            Digest::Sha512 => "http://www.w3.org/2001/04/xmlenc#sha512",
        }
    }

    pub(crate) fn from_uri(uri: &str) -> Option<Self> {
        [Digest::Sha1, Digest::Sha256, Digest::Sha384, Digest::Sha512]
            .into_iter()
            .find(|d| d.uri() == uri)
    }

    pub(crate) fn digest(self, data: &[u8]) -> digest::Digest {
        let alg = match self {
            Digest::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Digest::Sha256 => &digest::SHA256,
            Digest::Sha384 => &digest::SHA384,
            Digest::Sha512 => &digest::SHA512,
        };
        digest::digest(alg, data)
    }
}

/// The `SignatureMethod` URI of a JWS algorithm, for those XML-DSig signs with
/// (RFC 6931 §2.3.2, §2.3.6).
pub(crate) fn signature_method(algorithm: Algorithm) -> Option<&'static str> {
    match algorithm {
        Algorithm::RS256 => Some("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"),
        Algorithm::RS384 => Some("http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"),
        Algorithm::RS512 => Some("http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"),
        Algorithm::ES256 => Some("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"),
        Algorithm::ES384 => Some("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"),
        _ => None,
    }
}

/// The JWS algorithm of a `SignatureMethod` URI.
pub(crate) fn algorithm_of(uri: &str) -> Option<Algorithm> {
    [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::ES256,
        Algorithm::ES384,
    ]
    .into_iter()
    .find(|&a| signature_method(a) == Some(uri))
}

/// How to sign: the digest algorithm (SHA-256 unless asked otherwise).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SignOptions {
    pub(crate) digest: Digest,
}

/// Signs an unsigned SAML 2.0 assertion (the whole document) with an enveloped
/// signature placed right after its `Issuer`; `certificate_b64` is the signer's
/// certificate DER in base64, for `X509Certificate`.
///
/// The caller's XML is parsed, checked ([`signable`]) and canonicalized before
/// its digest is taken; [`sign_canonical`] is the same for XML that is canonical
/// already.
pub(crate) fn sign_xml(
    unsigned: &str,
    key: &SigningKey,
    certificate_b64: &str,
    options: SignOptions,
    rng: &dyn SecureRandom,
) -> Result<SignedAssertion, Error> {
    let text = xml::normalize_line_ends(unsigned);
    let doc = xml::parse_normalized(&text)?;
    let (id, issuer) = signable(doc.root())?;
    let ctx = Ctx {
        comments: false,
        prefixes: &[],
        exclude: None,
        max_len: c14n::output_limit(text.len()),
    };
    let content = c14n::subtree_of(&doc, doc.root(), &ctx)?;
    let document = Unsigned {
        text: &text,
        id,
        issuer_end: issuer.end,
    };
    enveloped(
        &document,
        content.as_bytes(),
        key,
        certificate_b64,
        options,
        rng,
    )
}

/// An unsigned assertion ready for its signature: the whole document, its `ID`
/// (an `xs:ID` no other element carries) and the byte offset right after the
/// `Issuer` element, where the `Signature` goes.
pub(crate) struct Unsigned<'a> {
    pub(crate) text: &'a str,
    pub(crate) id: &'a str,
    pub(crate) issuer_end: usize,
}

/// Signs `document`, which must be exactly its own exclusive c14n (no XML
/// declaration, no comments, attributes in canonical order, empty elements as
/// start-end pairs, text and attributes escaped as c14n escapes them, LF line
/// ends): the builder's output, whose digest is then taken over the bytes as
/// they are, with no parse and no c14n pass (`tests/saml_sign.rs` holds the
/// builder to that over hundreds of shapes).
pub(crate) fn sign_canonical(
    document: &Unsigned<'_>,
    key: &SigningKey,
    certificate_b64: &str,
    options: SignOptions,
    rng: &dyn SecureRandom,
) -> Result<SignedAssertion, Error> {
    enveloped(
        document,
        document.text.as_bytes(),
        key,
        certificate_b64,
        options,
        rng,
    )
}

/// The enveloped signature of `document` whose canonical form (the
/// enveloped-signature and exclusive c14n transforms applied) is `canonical`:
/// digest, `SignedInfo`, signature value, and the `Signature` element inserted
/// after `Issuer`.
fn enveloped(
    document: &Unsigned<'_>,
    canonical: &[u8],
    key: &SigningKey,
    certificate_b64: &str,
    options: SignOptions,
    rng: &dyn SecureRandom,
) -> Result<SignedAssertion, Error> {
    // The Signer checked the algorithm and the certificate when it was made.
    let method = signature_method(key.algorithm())
        .ok_or(Error::Internal("a Signer key without an XML-DSig method"))?;
    let digest_value = Base64::Standard.encode_string(options.digest.digest(canonical).as_ref());
    // Built in canonical form (constant URIs, an NCName ID, base64): signed as is,
    // without a second parse (the unit test below holds it to exclusive c14n).
    let signed_info = signed_info(document.id, method, options.digest, &digest_value);
    let signature = key.sign(signed_info.as_bytes(), rng)?;
    insert_signature(document, &signed_info, &signature, certificate_b64)
}

/// The signed document: `document` with the `ds:Signature` element written right
/// after its `Issuer`, in one buffer of the final size.
fn insert_signature(
    document: &Unsigned<'_>,
    signed_info: &str,
    signature: &[u8],
    certificate_b64: &str,
) -> Result<SignedAssertion, Error> {
    let misplaced = || Error::Internal("placing ds:Signature");
    let before = document
        .text
        .get(..document.issuer_end)
        .ok_or_else(misplaced)?;
    let after = document
        .text
        .get(document.issuer_end..)
        .ok_or_else(misplaced)?;
    let body = signed_info
        .strip_prefix(SIGNED_INFO_START)
        .ok_or(Error::Internal("building ds:Signature"))?;
    let signature_b64 = Base64::Standard.encode_string(signature);
    let parts = [
        before,
        SIGNATURE_START,
        body,
        "<ds:SignatureValue>",
        &signature_b64,
        "</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>",
        certificate_b64,
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>",
        after,
    ];
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    Ok(SignedAssertion::new(out))
}

/// How a canonical `SignedInfo` starts: its namespace declared on itself.
const SIGNED_INFO_START: &str = "<ds:SignedInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">";
/// How the `Signature` starts: the declaration moved up from `SignedInfo`.
const SIGNATURE_START: &str =
    "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>";

/// The assertion's `ID` and its `Issuer`, after which the signature goes, if the
/// document can be signed: a SAML 2.0 `Assertion` with an `xs:ID` that no other
/// element carries, not signed already, `Issuer` its first child.
fn signable<'a>(root: Element<'a>) -> Result<(&'a str, Element<'a>), Error> {
    if !root.is(SAML_NS, "Assertion") {
        return Err(SamlError::Structure(format!(
            "the document element is {{{}}}{}, not a SAML 2.0 Assertion ({{{SAML_NS}}}Assertion)",
            root.ns, root.local
        )
        .into_boxed_str())
        .into());
    }
    let id = root
        .attr("ID")
        .ok_or_else(|| SamlError::Structure("the Assertion has no ID attribute".into()))?;
    check_id(id)?;
    let mut signed_already = false;
    let mut id_holders = 0usize;
    root.walk(&mut |e| {
        signed_already |= e.is(DS_NS, "Signature");
        if e.has_id(id) {
            id_holders += 1;
        }
    });
    if id_holders > 1 {
        return Err(SamlError::Structure(
            format!("another element carries the Assertion's ID {id:?}; the Reference #ID would be ambiguous (verifiers refuse it): give that element another ID").into_boxed_str(),
        )
        .into());
    }
    if signed_already {
        return Err(SamlError::Structure(
            "the assertion already carries a ds:Signature; pass the unsigned assertion".into(),
        )
        .into());
    }
    match root.elements().next() {
        Some(first) if first.is(SAML_NS, "Issuer") => Ok((id, first)),
        _ => Err(SamlError::Structure(
            "the Assertion's first child element must be saml:Issuer (SAML 2.0 schema order); the signature goes right after it".into(),
        )
        .into()),
    }
}

/// The `SignedInfo` of an enveloped signature over `#id`, in its exclusive c14n
/// form (`id` must have passed [`check_id`]).
fn signed_info(id: &str, method: &str, digest: Digest, digest_value: &str) -> String {
    let mut signed_info = String::with_capacity(1024);
    signed_info.push_str(SIGNED_INFO_START);
    signed_info.push_str("<ds:CanonicalizationMethod Algorithm=\"");
    signed_info.push_str(EXC_C14N);
    signed_info.push_str("\"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm=\"");
    signed_info.push_str(method);
    signed_info.push_str("\"></ds:SignatureMethod><ds:Reference URI=\"#");
    xml::escape_attr(&mut signed_info, id);
    signed_info.push_str("\"><ds:Transforms><ds:Transform Algorithm=\"");
    signed_info.push_str(ENVELOPED);
    signed_info.push_str("\"></ds:Transform><ds:Transform Algorithm=\"");
    signed_info.push_str(EXC_C14N);
    signed_info.push_str("\"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm=\"");
    signed_info.push_str(digest.uri());
    signed_info.push_str("\"></ds:DigestMethod><ds:DigestValue>");
    signed_info.push_str(digest_value);
    signed_info.push_str("</ds:DigestValue></ds:Reference></ds:SignedInfo>");
    signed_info
}

/// An `ID` must be an NCName (XML Schema `xs:ID`): a letter or `_` first, then
/// letters, digits, `. - _` and the other XML name characters; no `:`.
pub(crate) fn check_id(id: &str) -> Result<(), Error> {
    if chars::is_ncname(id) {
        Ok(())
    } else {
        Err(SamlError::Structure(
            "the Assertion ID must be an xs:ID: a letter or '_' first, then letters, digits, '.', '-', '_'".into(),
        )
        .into())
    }
}

/// Whether `child` is a child element of `parent` (by identity): the verifier
/// makes sure the `Signature` it checks is the assertion's own.
pub(crate) fn is_child(parent: Element, child: Element) -> bool {
    parent.elements().any(|e| e.same(&child))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `sign_xml` signs without canonicalizing it again is already canonical,
    /// for every method, digest and the characters an ID may hold.
    #[test]
    fn signed_info_is_built_canonical() {
        let methods = [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::ES256,
            Algorithm::ES384,
        ]
        .map(|a| signature_method(a).unwrap_or_default());
        for method in methods {
            for digest in [Digest::Sha1, Digest::Sha256, Digest::Sha384, Digest::Sha512] {
                for id in ["_a1", "a.b-c_d", "\u{e9}l\u{e8}ve9"] {
                    assert!(check_id(id).is_ok(), "{id}");
                    let value =
                        Base64::Standard.encode_string(digest.digest(id.as_bytes()).as_ref());
                    let built = signed_info(id, method, digest, &value);
                    assert_eq!(c14n::canonicalize(&built).ok(), Some(built.clone()));
                }
            }
        }
    }
}
