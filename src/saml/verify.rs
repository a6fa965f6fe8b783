//! Verifying a received SAML 2.0 bearer assertion (RFC 7522 §3; XML-DSig §3.2 core
//! validation), for authorization servers and the testkit.

use std::time::{Duration, SystemTime};

use base64ct::{Base64, Base64Url, Base64UrlUnpadded, Encoding};

use super::assertion::{Attribute, BEARER};
use super::c14n::{self, Ctx};
use super::dsig::{
    self, DS_NS, Digest, ENVELOPED, EXC_C14N, EXC_C14N_COMMENTS, SAML_NS, algorithm_of,
};
use super::error::SamlError;
use super::time;
use super::xml::{self, Element};
use crate::algorithm::Algorithm;
use crate::error::{Error, JwtError};
use crate::jwt::ReplayCache;
use crate::key::VerifyingKey;

/// The largest assertion [`verify`] accepts: 256 KiB.
pub const MAX_ASSERTION_LEN: usize = 256 * 1024;

/// The default clock-skew allowance.
const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// What a server verifying a SAML 2.0 bearer assertion requires (RFC 7522 §3).
///
/// Defaults: any `Issuer` (name the expected one with
/// [`with_issuer`](Self::with_issuer)), an `Audience` equal to the one given here in
/// every `AudienceRestriction`, a bearer `SubjectConfirmation` whose `Recipient` is
/// the token endpoint given here, 60 s leeway, no lifetime cap, SHA-1 digests
/// refused.
///
/// ```
/// use std::time::Duration;
/// use s2s_oauth::saml::Validation;
/// let validation = Validation::new("https://as.example", "https://as.example/token")
///     .with_issuer("my-client")
///     .with_leeway(Duration::from_secs(30))
///     .with_max_lifetime(Duration::from_secs(600));
/// # let _ = validation;
/// ```
#[derive(Debug, Clone)]
pub struct Validation {
    audiences: Vec<String>,
    recipient: String,
    issuer: Option<String>,
    leeway: Duration,
    max_lifetime: Option<Duration>,
    allow_sha1: bool,
}

impl Validation {
    /// Accepts assertions for `audience` (RFC 7522 §3, item 3) presented at the
    /// token endpoint `recipient` (item 5).
    pub fn new(audience: impl Into<String>, recipient: impl Into<String>) -> Self {
        Validation {
            audiences: vec![audience.into()],
            recipient: recipient.into(),
            issuer: None,
            leeway: DEFAULT_LEEWAY,
            max_lifetime: None,
            allow_sha1: false,
        }
    }

    /// Accepts this audience too.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Requires this `Issuer`.
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Clock skew tolerated on `NotBefore` and `NotOnOrAfter` (default 60 s).
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Refuses assertions whose expiry is further than this ahead of now.
    pub fn with_max_lifetime(mut self, max_lifetime: Duration) -> Self {
        self.max_lifetime = Some(max_lifetime);
        self
    }

    /// Accepts SHA-1 reference digests (legacy signers; Salesforce's documentation
    /// still mentions them). Off by default. RSA-SHA1 signatures stay refused.
    pub fn allow_legacy_sha1_digest(mut self) -> Self {
        self.allow_sha1 = true;
        self
    }
}

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
/// ```
/// let xml = r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_1"><saml:Issuer> my-client </saml:Issuer></saml:Assertion>"#;
/// assert_eq!(s2s_oauth::saml::peek_issuer(xml)?, "my-client");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn peek_issuer(xml: &str) -> Result<String, Error> {
    if xml.len() > MAX_ASSERTION_LEN {
        return Err(structure("the assertion is larger than 256 KiB"));
    }
    let doc = xml::parse(xml)?;
    if !doc.root.is(SAML_NS, "Assertion") {
        return Err(structure(
            "the document element is not a SAML 2.0 Assertion",
        ));
    }
    let issuer = only_child(&doc.root, SAML_NS, "Issuer")?.text();
    Ok(trim_xml(&issuer).to_owned())
}

/// Trims XML whitespace (XML 1.0 §2.3 `S`: space, tab, LF, CR) and nothing else:
/// `str::trim` would also drop Unicode spaces such as U+00A0, so a signed
/// `NameID` of `"\u{A0}admin"` (another user at the IdP) would read as `admin`.
fn trim_xml(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r'])
}

fn structure(why: impl Into<String>) -> Error {
    SamlError::Structure(why.into().into_boxed_str()).into()
}

/// The one child `{ns}local` of `e`; none or several is a structure error.
fn only_child<'a>(e: &'a Element, ns: &str, local: &str) -> Result<&'a Element, Error> {
    at_most_one(e, ns, local)?.ok_or_else(|| structure(format!("{} has no {local}", e.local)))
}

/// The child `{ns}local` of `e` if there is one; several is a structure error
/// (the schema allows one, and a verifier reading the first while another tool
/// reads the last is a differential).
fn at_most_one<'a>(e: &'a Element, ns: &str, local: &str) -> Result<Option<&'a Element>, Error> {
    let mut found = e.elements().filter(|c| c.is(ns, local));
    match (found.next(), found.next()) {
        (one, None) => Ok(one),
        _ => Err(structure(format!("{} has more than one {local}", e.local))),
    }
}

fn unsupported(uri: &str) -> Error {
    SamlError::UnsupportedAlgorithm(uri.chars().take(80).collect()).into()
}

/// The `Algorithm` of a c14n method or transform, with its `InclusiveNamespaces`
/// prefix list; `None` if it is not exclusive c14n.
fn exclusive_c14n(e: &Element) -> Option<(bool, Vec<String>)> {
    let comments = match e.attr("Algorithm")? {
        EXC_C14N => false,
        EXC_C14N_COMMENTS => true,
        _ => return None,
    };
    let prefixes = e
        .child(EXC_C14N, "InclusiveNamespaces")
        .and_then(|i| i.attr("PrefixList"))
        .map(|list| {
            list.split_ascii_whitespace()
                .map(|p| if p == "#default" { "" } else { p }.to_owned())
                .collect()
        })
        .unwrap_or_default();
    Some((comments, prefixes))
}

fn base64_content(e: &Element, what: &str) -> Result<Vec<u8>, Error> {
    let text: String = e
        .text()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    Base64::decode_vec(&text).map_err(|_| structure(format!("{what} is not base64")))
}

/// Verifies a SAML 2.0 bearer assertion (the XML document, as decoded by
/// [`decode_assertion_parameter`]) per RFC 7522 §3 as of `now`.
///
/// In order: size (256 KiB at most); well-formed XML without DTD; the document
/// element is a SAML 2.0 `Assertion` with `Version="2.0"` and an `ID` no other
/// element carries; exactly one `ds:Signature` in the whole document, a child of
/// the assertion, with one `Reference` whose `URI` is `#` + the assertion's `ID`
/// and whose transforms are enveloped-signature then exclusive c14n; the
/// `SignatureValue` over the canonical `SignedInfo` with `key` (the certificate in
/// `KeyInfo` is never used); the digest of the assertion; then, on that same
/// element, `Issuer`, `NameID`, `Audience`, a bearer `SubjectConfirmation` whose
/// `SubjectConfirmationData` names this `Recipient`, an expiry (`NotOnOrAfter` on
/// `Conditions`, on that `SubjectConfirmationData`, or both: RFC 7522 §3 allows
/// either, the earliest counts), `NotBefore`/`NotOnOrAfter` with the leeway, the
/// lifetime cap, and last the `ID` replay check through `replay`.
///
/// ```
/// use std::collections::HashMap;
/// use std::time::{Duration, UNIX_EPOCH};
/// use ring::rand::SystemRandom;
/// use s2s_oauth::{Certificate, Error, SamlError, SigningKey};
/// use s2s_oauth::saml::{self, Assertion, Signer, Validation};
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
    if xml.len() > MAX_ASSERTION_LEN {
        return Err(structure("the assertion is larger than 256 KiB"));
    }
    let doc = xml::parse(xml)?;
    let root = &doc.root;
    if !root.is(SAML_NS, "Assertion") {
        return Err(structure(
            "the document element is not a SAML 2.0 Assertion",
        ));
    }
    if root.attr("Version") != Some("2.0") {
        return Err(structure("the Assertion's Version is not 2.0"));
    }
    let id = root
        .attr("ID")
        .ok_or_else(|| structure("the Assertion has no ID"))?;
    dsig::check_id(id)?;

    // Signature wrapping: one signature, the assertion's own, over the assertion's
    // own ID, which nothing else in the document carries.
    let mut signatures: Vec<&Element> = Vec::new();
    let mut id_holders = 0usize;
    root.walk(&mut |e| {
        if e.is(DS_NS, "Signature") {
            signatures.push(e);
        }
        if e.has_id(id) {
            id_holders += 1;
        }
    });
    let signature = match signatures.as_slice() {
        [] => return Err(SamlError::MissingSignature.into()),
        [one] => *one,
        _ => {
            return Err(SamlError::SignatureNotOnAssertion(
                "the document carries more than one ds:Signature".into(),
            )
            .into());
        }
    };
    if !dsig::is_child(root, signature) {
        return Err(SamlError::SignatureNotOnAssertion(
            "the ds:Signature is not a child of the Assertion".into(),
        )
        .into());
    }
    if id_holders != 1 {
        return Err(SamlError::SignatureNotOnAssertion(
            "another element carries the Assertion's ID".into(),
        )
        .into());
    }

    let signed_info = only_child(signature, DS_NS, "SignedInfo")?;
    let c14n_method = only_child(signed_info, DS_NS, "CanonicalizationMethod")?;
    let (si_comments, si_prefixes) = exclusive_c14n(c14n_method)
        .ok_or_else(|| unsupported(c14n_method.attr("Algorithm").unwrap_or("")))?;
    let method = only_child(signed_info, DS_NS, "SignatureMethod")?
        .attr("Algorithm")
        .unwrap_or("");
    let algorithm = algorithm_of(method).ok_or_else(|| unsupported(method))?;
    let reference = only_child(signed_info, DS_NS, "Reference")?;
    let wanted_uri = format!("#{id}");
    if reference.attr("URI") != Some(wanted_uri.as_str()) {
        return Err(SamlError::SignatureNotOnAssertion(
            "the Reference URI is not the Assertion's ID".into(),
        )
        .into());
    }
    // Every child of Transforms counts: a foreign element is not skipped.
    let transforms: Vec<&Element> = match at_most_one(reference, DS_NS, "Transforms")? {
        Some(t) => t.elements().collect(),
        None => Vec::new(),
    };
    let ref_prefixes = match transforms.as_slice() {
        [first, second]
            if first.is(DS_NS, "Transform")
                && second.is(DS_NS, "Transform")
                && first.attr("Algorithm") == Some(ENVELOPED) =>
        {
            exclusive_c14n(second)
                .ok_or_else(|| unsupported(second.attr("Algorithm").unwrap_or("")))?
                .1
        }
        _ => {
            return Err(structure(
                "the Reference transforms must be enveloped-signature then exclusive c14n",
            ));
        }
    };
    let digest_method = only_child(reference, DS_NS, "DigestMethod")?
        .attr("Algorithm")
        .unwrap_or("");
    let digest = Digest::from_uri(digest_method)
        .filter(|d| *d != Digest::Sha1 || validation.allow_sha1)
        .ok_or_else(|| unsupported(digest_method))?;
    let digest_value = base64_content(only_child(reference, DS_NS, "DigestValue")?, "DigestValue")?;
    let signature_value = base64_content(
        only_child(signature, DS_NS, "SignatureValue")?,
        "SignatureValue",
    )?;

    // The signature over the canonical SignedInfo, with the trusted key only.
    let canonical_si = c14n::subtree_of(
        &doc,
        signed_info,
        &Ctx {
            comments: si_comments,
            prefixes: &si_prefixes,
            exclude: None,
            max_len: c14n::output_limit(xml.len()),
        },
    )?;
    key.verify(algorithm, canonical_si.as_bytes(), &signature_value)
        .map_err(|e| match e {
            Error::Jwt(JwtError::InvalidSignature | JwtError::AlgorithmNotAllowed(_)) => {
                Error::Saml(SamlError::InvalidSignature)
            }
            other => other,
        })?;
    // Then the digest of the assertion, minus the signature (a same-document
    // reference leaves comments out).
    let content = c14n::subtree_of(
        &doc,
        root,
        &Ctx {
            comments: false,
            prefixes: &ref_prefixes,
            exclude: Some(signature),
            max_len: c14n::output_limit(xml.len()),
        },
    )?;
    let computed = digest.digest(content.as_bytes());
    // Digests are public values: a plain comparison is fine.
    if computed.as_ref() != digest_value.as_slice() {
        return Err(SamlError::DigestMismatch.into());
    }

    conditions(root, id, algorithm, validation, now, replay)
}

/// The RFC 7522 §3 checks on the signed assertion.
fn conditions(
    root: &Element,
    id: &str,
    algorithm: Algorithm,
    validation: &Validation,
    now: SystemTime,
    replay: Option<&mut dyn ReplayCache>,
) -> Result<VerifiedAssertion, Error> {
    let issuer = trim_xml(&only_child(root, SAML_NS, "Issuer")?.text()).to_owned();
    if issuer.is_empty() {
        return Err(structure("the Issuer is empty"));
    }
    if validation
        .issuer
        .as_deref()
        .is_some_and(|want| want != issuer)
    {
        return Err(SamlError::WrongIssuer.into());
    }
    let subject = only_child(root, SAML_NS, "Subject")?;
    let name_id = only_child(subject, SAML_NS, "NameID")?;
    let subject_name = trim_xml(&name_id.text()).to_owned();
    if subject_name.is_empty() {
        return Err(structure("the NameID is empty"));
    }

    let conditions = at_most_one(root, SAML_NS, "Conditions")?;
    let mut audiences = Vec::new();
    let mut restricted = false;
    if let Some(conditions) = conditions {
        for restriction in conditions.children_named(SAML_NS, "AudienceRestriction") {
            restricted = true;
            let mut ok = false;
            for audience in restriction.children_named(SAML_NS, "Audience") {
                let audience = trim_xml(&audience.text()).to_owned();
                ok |= validation.audiences.contains(&audience);
                audiences.push(audience);
            }
            if !ok {
                return Err(SamlError::WrongAudience.into());
            }
        }
    }
    if !restricted {
        return Err(SamlError::WrongAudience.into());
    }

    let leeway = validation.leeway;
    let date = |e: &Element, name: &str| -> Result<Option<SystemTime>, Error> {
        match e.attr(name) {
            None => Ok(None),
            Some(v) => time::parse(v).map(Some).ok_or_else(|| {
                structure(format!("{} {name} is not an xs:dateTime in UTC", e.local))
            }),
        }
    };
    let expired = |until: SystemTime| now >= until.checked_add(leeway).unwrap_or(until);

    // The expiry may be on Conditions, on the bearer SubjectConfirmationData, or
    // both (RFC 7522 §3, items 3 and 4); the earliest one counts.
    let conditions_until = match conditions {
        Some(c) => date(c, "NotOnOrAfter")?,
        None => None,
    };

    // A bearer confirmation for this endpoint (RFC 7522 §3, item 4). This crate
    // always wants its SubjectConfirmationData with the Recipient checked.
    let mut bearer = false;
    let mut confirmed: Option<Option<SystemTime>> = None;
    let mut saw_expired = false;
    for confirmation in subject.children_named(SAML_NS, "SubjectConfirmation") {
        if confirmation.attr("Method") != Some(BEARER) {
            continue;
        }
        bearer = true;
        let Some(data) = confirmation.child(SAML_NS, "SubjectConfirmationData") else {
            continue;
        };
        if data.attr("Recipient").map(trim_xml) != Some(validation.recipient.as_str()) {
            continue;
        }
        let until = date(data, "NotOnOrAfter")?;
        if until.is_none() && conditions_until.is_none() {
            return Err(structure(
                "the assertion has no expiry: neither Conditions nor the bearer SubjectConfirmationData has a NotOnOrAfter (RFC 7522 §3)",
            ));
        }
        if let Some(not_before) = date(data, "NotBefore")? {
            if not_before > now.checked_add(leeway).unwrap_or(now) {
                return Err(SamlError::NotYetValid.into());
            }
        }
        if until.is_some_and(expired) {
            saw_expired = true;
        } else {
            confirmed = Some(until);
            break;
        }
    }
    let Some(confirmed_until) = confirmed else {
        return Err(match (bearer, saw_expired) {
            (false, _) => structure("the Subject has no bearer SubjectConfirmation"),
            (true, true) => SamlError::Expired.into(),
            (true, false) => SamlError::WrongRecipient.into(),
        });
    };
    if let Some(conditions) = conditions {
        if let Some(not_before) = date(conditions, "NotBefore")? {
            if not_before > now.checked_add(leeway).unwrap_or(now) {
                return Err(SamlError::NotYetValid.into());
            }
        }
    }
    if conditions_until.is_some_and(expired) {
        return Err(SamlError::Expired.into());
    }
    let expires_at = match (confirmed_until, conditions_until) {
        (Some(a), Some(b)) => a.min(b),
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => {
            return Err(structure(
                "the assertion has no expiry: neither Conditions nor the bearer SubjectConfirmationData has a NotOnOrAfter (RFC 7522 §3)",
            ));
        }
    };
    if let Some(max) = validation.max_lifetime {
        // A cap beyond the last representable time caps nothing (it used to
        // fall back to `now`, refusing every assertion).
        let limit = now.checked_add(max).and_then(|t| t.checked_add(leeway));
        if limit.is_some_and(|limit| expires_at > limit) {
            return Err(SamlError::LifetimeTooLong.into());
        }
    }

    let mut attributes = Vec::new();
    for statement in root.children_named(SAML_NS, "AttributeStatement") {
        for a in statement.children_named(SAML_NS, "Attribute") {
            attributes.push(Attribute::received(
                a.attr("Name").unwrap_or_default().to_owned(),
                a.attr("NameFormat").map(str::to_owned),
                a.children_named(SAML_NS, "AttributeValue")
                    .map(|v| v.text())
                    .collect(),
            ));
        }
    }

    if let Some(cache) = replay {
        let until = expires_at.checked_add(leeway).unwrap_or(expires_at);
        if !cache.check_and_insert(id, until, now) {
            return Err(SamlError::Replayed.into());
        }
    }
    Ok(VerifiedAssertion {
        id: id.to_owned(),
        issuer,
        subject: subject_name,
        name_id_format: name_id.attr("Format").map(str::to_owned),
        audiences,
        expires_at,
        algorithm,
        attributes,
    })
}
