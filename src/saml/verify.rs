//! Verifying a received SAML 2.0 bearer assertion (RFC 7522 §3; XML-DSig §3.2 core
//! validation), for authorization servers and the testkit.

use std::time::SystemTime;

use base64ct::{Base64Url, Base64UrlUnpadded, Encoding};

use super::assertion::Attribute;
use super::c14n::{self, Ctx};
use super::dsig::{self, DS_NS, SAML_NS};
use super::signed_info::{self, SignedInfo};
use super::validation::{self, Validation};
use super::xml::{self, Element};
use crate::error::Error;
use crate::error::SamlError;
use crate::key::algorithm::Algorithm;
use crate::key::{KeyError, VerifyingKey};
use crate::replay::ReplayCache;

/// The largest assertion [`verify`] accepts: 256 KiB.
pub const MAX_ASSERTION_LEN: usize = 256 * 1024;

/// A SAML assertion that passed [`verify`]: the facts a server needs to issue a
/// token (RFC 7522 §3).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifiedAssertion {
    /// The assertion `ID`.
    pub id: String,
    /// The `Issuer` (XML whitespace around it trimmed: space, tab, LF, CR).
    pub issuer: String,
    /// The subject's `NameID` (XML whitespace around it trimmed: space, tab, LF,
    /// CR; other Unicode spaces are kept, they are part of the name).
    pub subject: String,
    /// The `NameID` `Format`, if any.
    pub name_id_format: Option<String>,
    /// Every `Audience`.
    pub audiences: Vec<String>,
    /// The earliest `NotOnOrAfter` of the conditions and the bearer confirmation.
    pub expires_at: SystemTime,
    /// The `SignatureMethod`, as a JWS algorithm name.
    pub algorithm: Algorithm,
    /// The attributes of every `AttributeStatement`.
    pub attributes: Vec<Attribute>,
}

/// Decodes the `assertion` form parameter of a SAML 2.0 Bearer request (RFC 7522
/// §2.1: base64url, no line breaks; padding tolerated) into the assertion XML.
/// A parameter that would decode to more than [`MAX_ASSERTION_LEN`] is refused
/// before decoding.
///
/// ```
/// let xml = s2s_oauth::saml::decode_assertion_parameter("PGEvPg")?;
/// assert_eq!(xml, "<a/>");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn decode_assertion_parameter(value: &str) -> Result<String, Error> {
    // Base64 takes 4 characters per 3 bytes: anything longer decodes to more than
    // verify accepts, so it is refused before allocating for it.
    if value.len() > MAX_ASSERTION_LEN.div_ceil(3) * 4 {
        return Err(structure(
            "the assertion parameter decodes to more than 256 KiB (the largest assertion accepted)",
        ));
    }
    let bytes = Base64UrlUnpadded::decode_vec(value)
        .or_else(|_| Base64Url::decode_vec(value))
        .map_err(|_| {
            SamlError::Structure("the assertion parameter is not base64url (RFC 7522 §2.1)".into())
        })?;
    String::from_utf8(bytes)
        .map_err(|_| SamlError::Xml("the decoded assertion is not UTF-8".into()).into())
}

/// The `Issuer` of a SAML 2.0 assertion, read **without** verification, to find
/// out which key to verify it with. Never trust it for anything else.
///
/// The document is held to the same rules as in [`verify`] up to the
/// `Assertion` element: 256 KiB at most, well-formed, no `<!DOCTYPE>` of any kind
/// ([`SamlError::Dtd`]).
///
/// ```
/// let xml = r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_1"><saml:Issuer> my-client </saml:Issuer></saml:Assertion>"#;
/// assert_eq!(s2s_oauth::saml::peek_issuer(xml)?, "my-client");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn peek_issuer(xml: &str) -> Result<String, Error> {
    let text = xml::normalize_line_ends(xml);
    let doc = parse_assertion(&text)?;
    let issuer = only_child(doc.root(), SAML_NS, "Issuer")?.text_cow();
    Ok(trim_xml(&issuer).to_owned())
}

/// Trims XML whitespace (XML 1.0 §2.3 `S`: space, tab, LF, CR) and nothing else:
/// `str::trim` would also drop Unicode spaces such as U+00A0, so a signed
/// `NameID` of `"\u{A0}admin"` (another user at the IdP) would read as `admin`.
pub(super) fn trim_xml(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r'])
}

pub(super) fn structure(why: impl Into<String>) -> Error {
    SamlError::Structure(why.into().into_boxed_str()).into()
}

/// The one child `{ns}local` of `e`; none or several is a structure error.
pub(super) fn only_child<'a>(e: Element<'a>, ns: &str, local: &str) -> Result<Element<'a>, Error> {
    at_most_one(e, ns, local)?.ok_or_else(|| structure(format!("{} has no {local}", e.local)))
}

/// The child `{ns}local` of `e` if there is one; several is a structure error
/// (the schema allows one, and a verifier reading the first while another tool
/// reads the last is a differential).
pub(super) fn at_most_one<'a>(
    e: Element<'a>,
    ns: &str,
    local: &str,
) -> Result<Option<Element<'a>>, Error> {
    let mut found = e.elements().filter(|c| c.is(ns, local));
    match (found.next(), found.next()) {
        (one, None) => Ok(one),
        _ => Err(structure(format!("{} has more than one {local}", e.local))),
    }
}

/// Verifies a SAML 2.0 bearer assertion (the XML document, as decoded by
/// [`decode_assertion_parameter`]) per RFC 7522 §3 as of `now`.
///
/// In order: size (256 KiB at most); well-formed XML without any `<!DOCTYPE>`
/// ([`SamlError::Dtd`]); the document element is a SAML 2.0 `Assertion` with
/// `Version="2.0"` and an `ID` no other element carries; exactly one
/// `ds:Signature` in the whole document, a child of the assertion; its
/// `SignedInfo` holding exactly what the XML-DSig schema allows and this verifier
/// uses (`CanonicalizationMethod` with at most an `InclusiveNamespaces`,
/// `SignatureMethod` without parameters, one `Reference` whose `URI` is `#` + the
/// assertion's `ID`, with the transforms enveloped-signature then exclusive c14n),
/// each `PrefixList` at most 32 distinct NCNames or `#default` — all checked
/// before anything is canonicalized; the `SignatureValue` over the canonical
/// `SignedInfo` with `key` (the certificate in `KeyInfo` is never used); the
/// digest of the assertion; then, on that same element, `Issuer`, `NameID`,
/// `Audience`, no condition the [`Validation`] does not accept (`OneTimeUse`,
/// `ProxyRestriction` and unknown ones are refused by default:
/// [`SamlError::UnsupportedCondition`]), a bearer `SubjectConfirmation` whose
/// `SubjectConfirmationData` names this `Recipient`, an expiry (`NotOnOrAfter` on
/// `Conditions`, on that `SubjectConfirmationData`, or both: RFC 7522 §3 allows
/// either, the earliest counts), `NotBefore`/`NotOnOrAfter` with the leeway, the
/// lifetime cap (1 hour by default, on the expiry ahead and the `IssueInstant`
/// behind), and last the `ID` replay check through `replay`.
///
/// ```
/// use std::collections::HashMap;
/// use std::time::{Duration, UNIX_EPOCH};
/// use ring::rand::SystemRandom;
/// use s2s_oauth::{Certificate, Error, SigningKey};
/// use s2s_oauth::saml::{SamlError, self, Assertion, Signer, Validation};
///
/// let key = SigningKey::from_pem(include_str!("../../tests/data/keys/p256.pkcs8.pem"))?;
/// let cert = Certificate::from_pem(include_str!("../../tests/data/keys/p256.cert.pem"))?;
/// let trusted = cert.verifying_key()?;
/// let signer = Signer::new(key, cert)?;
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let signed = Assertion::new("my-client", "alice", "https://as.example", "https://as.example/token")
///     .sign_at(&signer, now, &SystemRandom::new())?;
///
/// let validation = Validation::new("https://as.example", "https://as.example/token");
/// let mut seen = HashMap::new();
/// let ok = saml::verify(signed.expose_secret(), &trusted, &validation, now, Some(&mut seen))?;
/// assert_eq!(ok.subject, "alice");
/// let again = saml::verify(signed.expose_secret(), &trusted, &validation, now, Some(&mut seen));
/// assert!(matches!(again, Err(Error::Saml(SamlError::Replayed))));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn verify(
    xml: &str,
    key: &VerifyingKey,
    validation: &Validation,
    now: SystemTime,
    replay: Option<&mut dyn ReplayCache>,
) -> Result<VerifiedAssertion, Error> {
    let text = xml::normalize_line_ends(xml);
    let doc = parse_assertion(&text)?;
    let root = doc.root();
    if root.attr("Version") != Some("2.0") {
        return Err(structure("the Assertion's Version is not 2.0"));
    }
    let id = root
        .attr("ID")
        .ok_or_else(|| structure("the Assertion has no ID"))?;
    dsig::check_id(id)?;
    let signature = own_signature(root, id)?;
    // Every structural check on SignedInfo comes before the first costly step
    // (canonicalizing it): all of it is unauthenticated until then.
    let signed_info = signed_info::read(signature, validation.allow_sha1)?;
    if signed_info.uri.and_then(|uri| uri.strip_prefix('#')) != Some(id) {
        return Err(SamlError::SignatureNotOnAssertion(
            "the Reference URI is not the Assertion's ID".into(),
        )
        .into());
    }
    let signature_value = signed_info::base64_content(
        only_child(signature, DS_NS, "SignatureValue")?,
        "SignatureValue",
    )?;
    // The two renders share the renderer's work buffers.
    let mut work = c14n::Work::sized();
    check_signature(
        &doc,
        &signed_info,
        &signature_value,
        key,
        xml.len(),
        &mut work,
    )?;
    check_digest(&doc, signature, &signed_info, xml.len(), &mut work)?;
    validation::check(root, id, signed_info.algorithm, validation, now, replay)
}

/// Parses `text` (line ends normalized) as a SAML 2.0 `Assertion` document: at
/// most [`MAX_ASSERTION_LEN`], well-formed, no DOCTYPE at all (with or without an
/// internal subset: an external DTD reference is no business of an assertion).
fn parse_assertion(text: &str) -> Result<xml::Document<'_>, Error> {
    if text.len() > MAX_ASSERTION_LEN {
        return Err(structure("the assertion is larger than 256 KiB"));
    }
    let doc = xml::parse_normalized(text)?;
    if doc.doctype {
        return Err(SamlError::Dtd.into());
    }
    if !doc.root().is(SAML_NS, "Assertion") {
        return Err(structure(
            "the document element is not a SAML 2.0 Assertion",
        ));
    }
    Ok(doc)
}

/// The assertion's one `ds:Signature` (against signature wrapping): the only one
/// in the document, a child of the assertion, whose `ID` no other element
/// carries.
fn own_signature<'a>(root: Element<'a>, id: &str) -> Result<Element<'a>, Error> {
    let mut first: Option<Element> = None;
    let mut signatures = 0usize;
    let mut id_holders = 0usize;
    root.walk(&mut |e| {
        if e.is(DS_NS, "Signature") {
            signatures += 1;
            first.get_or_insert(e);
        }
        if e.has_id(id) {
            id_holders += 1;
        }
    });
    let wrapping = |why: &str| -> Error { SamlError::SignatureNotOnAssertion(why.into()).into() };
    let signature = match (first, signatures) {
        (Some(one), 1) => one,
        (None, _) => return Err(SamlError::MissingSignature.into()),
        _ => return Err(wrapping("the document carries more than one ds:Signature")),
    };
    if !dsig::is_child(root, signature) {
        return Err(wrapping("the ds:Signature is not a child of the Assertion"));
    }
    if id_holders != 1 {
        return Err(wrapping("another element carries the Assertion's ID"));
    }
    Ok(signature)
}

/// The signature over the canonical `SignedInfo`, with the trusted key only.
fn check_signature<'a>(
    doc: &'a xml::Document<'a>,
    signed_info: &SignedInfo<'a>,
    signature_value: &[u8],
    key: &VerifyingKey,
    input_len: usize,
    work: &mut c14n::Work<'a>,
) -> Result<(), Error> {
    let ctx = Ctx {
        comments: signed_info.comments,
        prefixes: &signed_info.prefixes,
        exclude: None,
        max_len: c14n::output_limit(input_len),
    };
    let canonical = c14n::subtree_with(doc, signed_info.element, &ctx, work)?;
    key.verify(signed_info.algorithm, canonical.as_bytes(), signature_value)
        .map_err(|e| match e {
            KeyError::BadSignature | KeyError::AlgorithmMismatch { .. } => {
                Error::Saml(SamlError::InvalidSignature)
            }
            other => other.into(),
        })
}

/// The digest of the assertion minus its signature (a same-document reference
/// leaves comments out) against the signed `DigestValue`.
fn check_digest<'a>(
    doc: &'a xml::Document<'a>,
    signature: Element<'a>,
    signed_info: &SignedInfo<'a>,
    input_len: usize,
    work: &mut c14n::Work<'a>,
) -> Result<(), Error> {
    let ctx = Ctx {
        comments: false,
        prefixes: &signed_info.reference_prefixes,
        exclude: Some(signature),
        max_len: c14n::output_limit(input_len),
    };
    let content = c14n::subtree_with(doc, doc.root(), &ctx, work)?;
    let computed = signed_info.digest.digest(content.as_bytes());
    // Digests are public values: a plain comparison is fine.
    if computed.as_ref() != signed_info.digest_value.as_slice() {
        return Err(SamlError::DigestMismatch.into());
    }
    Ok(())
}
