//! What a server requires of a signed SAML 2.0 bearer assertion ([`Validation`]),
//! and the RFC 7522 §3 and SAML 2.0 Core §2.5 checks on it, made once the
//! signature has verified.

use std::time::SystemTime;

use super::assertion::{Attribute, BEARER};
use super::dsig::SAML_NS;
use super::verify::{VerifiedAssertion, at_most_one, only_child, structure, trim_xml};
use super::xml::Element;
use crate::error::Error;
use crate::error::SamlError;
use crate::key::algorithm::Algorithm;
use crate::replay::ReplayCache;
use crate::time::{self, Window, validation_setters};

/// What a server verifying a SAML 2.0 bearer assertion requires (RFC 7522 §3).
///
/// Defaults: any `Issuer` (name the expected one with
/// [`with_issuer`](Self::with_issuer)), an `Audience` equal to the one given here in
/// every `AudienceRestriction`, a bearer `SubjectConfirmation` whose `Recipient` is
/// the token endpoint given here, 60 s leeway, SHA-1 digests refused, and:
///
/// - **a one-hour lifetime cap**: the expiry (the earliest `NotOnOrAfter` that
///   applies) may be at most 1 hour (plus the leeway) ahead of now, and the
///   `IssueInstant` at most 1 hour (plus the leeway) behind it, so a signed
///   `NotOnOrAfter="9999-…"` or an assertion issued yesterday is refused. Bearer
///   assertions live minutes (RFC 7522 §3 asks for a limited window); change the
///   cap with [`with_max_lifetime`](Self::with_max_lifetime), turn it off with
///   [`dangerous_without_max_lifetime`](Self::dangerous_without_max_lifetime).
/// - **`OneTimeUse`, `ProxyRestriction` and any other condition refused**: SAML
///   2.0 Core §2.5.1 makes an assertion with a condition the verifier does not
///   enforce Indeterminate. Accept the first two explicitly with
///   [`accept_one_time_use`](Self::accept_one_time_use) and
///   [`accept_proxy_restriction`](Self::accept_proxy_restriction).
///
/// ```
/// use std::time::Duration;
/// use s2s_oauth::saml::Validation;
/// // The defaults: 60 s leeway, assertions living at most an hour.
/// let default = Validation::new("https://as.example", "https://as.example/token");
/// // A stricter server: a known issuer, 30 s leeway, 10 minutes at most.
/// let strict = Validation::new("https://as.example", "https://as.example/token")
///     .with_issuer("my-client")
///     .with_leeway(Duration::from_secs(30))
///     .with_max_lifetime(Duration::from_secs(600));
/// // No cap at all (the caller checks the lifetime some other way).
/// let uncapped = Validation::new("https://as.example", "https://as.example/token")
///     .dangerous_without_max_lifetime();
/// // OneTimeUse accepted: this server passes a shared replay cache to every
/// // `saml::verify` call, which refuses a second use of an assertion ID.
/// let once = Validation::new("https://as.example", "https://as.example/token")
///     .accept_one_time_use();
/// # let _ = (default, strict, uncapped, once);
/// ```
#[derive(Debug, Clone)]
pub struct Validation {
    pub(super) audiences: Vec<String>,
    pub(super) recipient: String,
    pub(super) issuer: Option<String>,
    pub(super) window: Window,
    pub(super) allow_sha1: bool,
    pub(super) accept_one_time_use: bool,
    pub(super) accept_proxy_restriction: bool,
}

impl Validation {
    /// Accepts assertions for `audience` (RFC 7522 §3, item 3) presented at the
    /// token endpoint `recipient` (item 5), with the defaults above.
    pub fn new(audience: impl Into<String>, recipient: impl Into<String>) -> Self {
        Validation {
            audiences: vec![audience.into()],
            recipient: recipient.into(),
            issuer: None,
            window: Window::default(),
            allow_sha1: false,
            accept_one_time_use: false,
            accept_proxy_restriction: false,
        }
    }

    validation_setters!(
        issuer: "the `Issuer`",
        expiry: "`NotOnOrAfter`",
        issued: "`IssueInstant`",
        leeway_on: "`NotBefore`, `NotOnOrAfter`"
    );

    /// Accepts SHA-1 reference digests (legacy signers; Salesforce's documentation
    /// still mentions them). Off by default. RSA-SHA1 signatures stay refused.
    pub fn allow_legacy_sha1_digest(mut self) -> Self {
        self.allow_sha1 = true;
        self
    }

    /// Accepts assertions carrying a `OneTimeUse` condition (SAML 2.0 Core
    /// §2.5.1.5), refused by default. The single use is enforced by the replay
    /// cache passed to [`verify`](super::verify()) (it refuses a second use of the
    /// same `ID` while the assertion is valid): without one, such an assertion is
    /// refused ([`SamlError::OneTimeUseWithoutReplayCache`]). Share the cache
    /// between every server instance that accepts the assertion.
    pub fn accept_one_time_use(mut self) -> Self {
        self.accept_one_time_use = true;
        self
    }

    /// Accepts assertions carrying a `ProxyRestriction` condition (SAML 2.0 Core
    /// §2.5.1.6), refused by default. A token endpoint that issues access tokens
    /// and no SAML assertions of its own on the strength of this one meets it.
    pub fn accept_proxy_restriction(mut self) -> Self {
        self.accept_proxy_restriction = true;
        self
    }
}

/// The RFC 7522 §3 checks on the signed assertion `root` with this `id`, then
/// the `ID` replay check through `replay`.
pub(super) fn check(
    root: Element,
    id: &str,
    algorithm: Algorithm,
    validation: &Validation,
    now: SystemTime,
    replay: Option<&mut dyn ReplayCache>,
) -> Result<VerifiedAssertion, Error> {
    let issuer = issuer(root, validation)?;
    let subject = only_child(root, SAML_NS, "Subject")?;
    let name_id = only_child(subject, SAML_NS, "NameID")?;
    let subject_name = trim_xml(&name_id.text_cow()).to_owned();
    if subject_name.is_empty() {
        return Err(structure("the NameID is empty"));
    }
    let conditions = at_most_one(root, SAML_NS, "Conditions")?;
    let audiences = audiences(conditions, validation)?;
    if let Some(conditions) = conditions {
        condition_kinds(conditions, validation, replay.is_some())?;
    }
    let expires_at = expiry(subject, conditions, validation, now)?;
    lifetime_cap(root, expires_at, validation, now)?;
    if let Some(cache) = replay {
        if !cache.check_and_insert(id, validation.window.valid_until(expires_at), now) {
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
        attributes: attributes(root),
    })
}

/// The `Issuer`, trimmed, not empty, the expected one if one is named.
fn issuer(root: Element, validation: &Validation) -> Result<String, Error> {
    let issuer = trim_xml(&only_child(root, SAML_NS, "Issuer")?.text_cow()).to_owned();
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
    Ok(issuer)
}

/// Every `Audience`; at least one `AudienceRestriction`, each naming this server
/// (RFC 7522 §3, item 3).
fn audiences(conditions: Option<Element>, validation: &Validation) -> Result<Vec<String>, Error> {
    let mut audiences = Vec::new();
    let mut restricted = false;
    for restriction in conditions
        .into_iter()
        .flat_map(|c| c.children_named(SAML_NS, "AudienceRestriction"))
    {
        restricted = true;
        let mut ok = false;
        for audience in restriction.children_named(SAML_NS, "Audience") {
            let audience = trim_xml(&audience.text_cow()).to_owned();
            ok |= validation.audiences.contains(&audience);
            audiences.push(audience);
        }
        if !ok {
            return Err(SamlError::WrongAudience.into());
        }
    }
    if !restricted {
        return Err(SamlError::WrongAudience.into());
    }
    Ok(audiences)
}

/// Refuses a condition this verifier does not enforce (SAML 2.0 Core §2.5.1: the
/// assertion would be Indeterminate): `OneTimeUse` and `ProxyRestriction` unless
/// accepted (`OneTimeUse` also needs a replay cache to enforce it), anything but
/// `AudienceRestriction` otherwise.
fn condition_kinds(
    conditions: Element,
    validation: &Validation,
    has_replay_cache: bool,
) -> Result<(), Error> {
    for condition in conditions.elements() {
        let one_time_use = condition.ns == SAML_NS && condition.local == "OneTimeUse";
        if one_time_use && validation.accept_one_time_use && !has_replay_cache {
            return Err(SamlError::OneTimeUseWithoutReplayCache.into());
        }
        let accepted = condition.ns == SAML_NS
            && match condition.local {
                "AudienceRestriction" => true,
                "OneTimeUse" => validation.accept_one_time_use,
                "ProxyRestriction" => validation.accept_proxy_restriction,
                _ => false,
            };
        if !accepted {
            let name = if condition.ns == SAML_NS {
                condition.local.to_owned()
            } else {
                format!("{{{}}}{}", condition.ns, condition.local)
            };
            return Err(SamlError::UnsupportedCondition(name.chars().take(80).collect()).into());
        }
    }
    Ok(())
}

/// The `name` attribute of `e` as a time, if it has one.
fn date(e: Element, name: &str) -> Result<Option<SystemTime>, Error> {
    match e.attr(name) {
        None => Ok(None),
        Some(v) => time::parse_xs_datetime(v)
            .map(Some)
            .ok_or_else(|| structure(format!("{} {name} is not an xs:dateTime in UTC", e.local))),
    }
}

/// Whether `until` (a `NotOnOrAfter`) has passed, beyond the leeway.
fn expired(until: SystemTime, validation: &Validation, now: SystemTime) -> bool {
    validation.window.has_expired(until, now)
}

/// Refuses `e` if its `NotBefore` is still ahead, beyond the leeway.
fn not_before(e: Element, validation: &Validation, now: SystemTime) -> Result<(), Error> {
    match date(e, "NotBefore")? {
        Some(t) if validation.window.is_ahead(t, now) => Err(SamlError::NotYetValid.into()),
        _ => Ok(()),
    }
}

fn no_expiry() -> Error {
    structure(
        "the assertion has no expiry: neither Conditions nor the bearer SubjectConfirmationData has a NotOnOrAfter (RFC 7522 §3)",
    )
}

/// The assertion's expiry: the earliest `NotOnOrAfter` of `Conditions` and of the
/// bearer confirmation for this endpoint (RFC 7522 §3, items 3 and 4: either
/// may carry it); every `NotBefore` and `NotOnOrAfter` checked as of `now`.
fn expiry(
    subject: Element,
    conditions: Option<Element>,
    validation: &Validation,
    now: SystemTime,
) -> Result<SystemTime, Error> {
    let conditions_until = match conditions {
        Some(c) => date(c, "NotOnOrAfter")?,
        None => None,
    };
    let confirmed_until = bearer_confirmation(subject, validation, now, conditions_until)?;
    if let Some(conditions) = conditions {
        not_before(conditions, validation, now)?;
    }
    if conditions_until.is_some_and(|t| expired(t, validation, now)) {
        return Err(SamlError::Expired.into());
    }
    match (confirmed_until, conditions_until) {
        (Some(a), Some(b)) => Ok(a.min(b)),
        (Some(t), None) | (None, Some(t)) => Ok(t),
        (None, None) => Err(no_expiry()),
    }
}

/// The `NotOnOrAfter` of the first valid bearer confirmation whose
/// `SubjectConfirmationData` names this `Recipient` (RFC 7522 §3, item 4; this
/// crate always wants the data, with the `Recipient` checked).
fn bearer_confirmation(
    subject: Element,
    validation: &Validation,
    now: SystemTime,
    conditions_until: Option<SystemTime>,
) -> Result<Option<SystemTime>, Error> {
    let mut bearer = false;
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
            return Err(no_expiry());
        }
        not_before(data, validation, now)?;
        if until.is_some_and(|t| expired(t, validation, now)) {
            saw_expired = true;
        } else {
            return Ok(until);
        }
    }
    Err(match (bearer, saw_expired) {
        (false, _) => structure("the Subject has no bearer SubjectConfirmation"),
        (true, true) => SamlError::Expired.into(),
        (true, false) => SamlError::WrongRecipient.into(),
    })
}

/// The lifetime cap, if any: the expiry at most `max_lifetime` + leeway ahead of
/// `now`, the `IssueInstant` at most that far behind it.
fn lifetime_cap(
    root: Element,
    expires_at: SystemTime,
    validation: &Validation,
    now: SystemTime,
) -> Result<(), Error> {
    let window = validation.window;
    if window.max_lifetime().is_none() {
        return Ok(());
    }
    if window.lives_too_long(expires_at, now) {
        return Err(SamlError::LifetimeTooLong.into());
    }
    let issued = date(root, "IssueInstant")?.ok_or_else(|| {
        structure("the Assertion has no IssueInstant (SAML 2.0 Core §2.3.3), which the lifetime cap needs")
    })?;
    if window.issued_too_long_ago(issued, now) {
        return Err(SamlError::IssuedTooLongAgo.into());
    }
    Ok(())
}

/// The attributes of every `AttributeStatement`.
fn attributes(root: Element) -> Vec<Attribute> {
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
    attributes
}
