//! The SAML 2.0 assertion builder (SAML 2.0 Core §2.3.3, with the bearer profile of
//! RFC 7522 §3).

use std::time::{Duration, SystemTime};

use ring::rand::SecureRandom;

use super::dsig::{SAML_NS, Unsigned};
use super::sign::Signer;
use super::xml;
use crate::error::{Error, InputField, InputProblem};
use crate::secrets as secret;
use crate::time;

/// The default assertion lifetime: 5 minutes, as in Salesforce's sample.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// The bearer subject confirmation method (SAML 2.0 Profiles §3.3).
pub(crate) const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// A SAML 2.0 assertion for the SAML 2.0 Bearer grant (RFC 7522 §3), to be signed
/// with a [`Signer`].
///
/// Required values are constructor arguments: `Issuer` (the client id; Salesforce:
/// the consumer key), the subject's `NameID` (Salesforce: the username), one
/// `Audience` (Salesforce: `https://login.salesforce.com` or
/// `https://test.salesforce.com`) and the `Recipient` (the token endpoint URL). The
/// rest are `with_*` setters.
///
/// When signed as of `now`, the assertion gets a random `ID` (`_` and 32 hex
/// digits), `IssueInstant` = `now`, `Conditions NotBefore` = `now`, and
/// `NotOnOrAfter` = `now` + lifetime (5 minutes by default) on both `Conditions` and
/// the bearer `SubjectConfirmationData`. Every string is escaped as XML text or
/// attribute content; a control character XML 1.0 cannot carry is refused with
/// [`Error::InvalidInput`], never dropped.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use ring::rand::SystemRandom;
/// use s2s_oauth::saml::{Assertion, Attribute};
///
/// let assertion = Assertion::new(
///     "3MVG9-consumer-key",
///     "integration@example.com",
///     "https://login.salesforce.com",
///     "https://login.salesforce.com/services/oauth2/token",
/// )
/// .with_name_id_format("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
/// .with_attribute(Attribute::new("department", "R&D <lab>"))
/// .with_id("_fixed-id-for-the-example");
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let xml = assertion.to_xml_at(now, &SystemRandom::new())?;
/// assert!(xml.starts_with(r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_fixed-id-for-the-example" IssueInstant="2023-11-14T22:13:20Z" Version="2.0">"#));
/// assert!(xml.contains("<saml:AttributeValue>R&amp;D &lt;lab&gt;</saml:AttributeValue>"));
/// assert!(xml.contains(r#"NotOnOrAfter="2023-11-14T22:18:20Z""#));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    issuer: String,
    name_id: String,
    name_id_format: Option<String>,
    audiences: Vec<String>,
    recipient: String,
    lifetime: Duration,
    id: Option<String>,
    authn_context: Option<String>,
    authn_instant: Option<SystemTime>,
    attributes: Vec<Attribute>,
}

/// An `Attribute` of the `AttributeStatement` (SAML 2.0 Core §2.7.3.1): a name, an
/// optional `NameFormat`, and one or more string values.
///
/// ```
/// use s2s_oauth::saml::Attribute;
/// let roles = Attribute::new("role", "reader")
///     .with_value("writer")
///     .with_name_format("urn:oasis:names:tc:SAML:2.0:attrname-format:basic");
/// assert_eq!(roles.values(), ["reader", "writer"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    name: String,
    name_format: Option<String>,
    values: Vec<String>,
}

impl Attribute {
    /// An attribute with one value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Attribute {
            name: name.into(),
            name_format: None,
            values: vec![value.into()],
        }
    }

    /// Adds another value.
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.values.push(value.into());
        self
    }

    /// Sets the `NameFormat` URI.
    pub fn with_name_format(mut self, name_format: impl Into<String>) -> Self {
        self.name_format = Some(name_format.into());
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `NameFormat`, if set.
    pub fn name_format(&self) -> Option<&str> {
        self.name_format.as_deref()
    }

    /// The values, in order.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// An attribute as received (it may have no value at all).
    pub(crate) fn received(name: String, name_format: Option<String>, values: Vec<String>) -> Self {
        Attribute {
            name,
            name_format,
            values,
        }
    }
}

impl Assertion {
    /// An assertion from `issuer` about `subject` (the `NameID`), for `audience`,
    /// to be presented at the token endpoint `recipient`.
    pub fn new(
        issuer: impl Into<String>,
        subject: impl Into<String>,
        audience: impl Into<String>,
        recipient: impl Into<String>,
    ) -> Self {
        Assertion {
            issuer: issuer.into(),
            name_id: subject.into(),
            name_id_format: None,
            audiences: vec![audience.into()],
            recipient: recipient.into(),
            lifetime: DEFAULT_LIFETIME,
            id: None,
            authn_context: None,
            authn_instant: None,
            attributes: Vec::new(),
        }
    }

    /// The `NameID` `Format` URI (for example
    /// `urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified`).
    pub fn with_name_id_format(mut self, format: impl Into<String>) -> Self {
        self.name_id_format = Some(format.into());
        self
    }

    /// Another `Audience` in the `AudienceRestriction`.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// How long the assertion is valid (default 5 minutes).
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Uses this `ID` instead of a random one (tests, golden files). It must be an
    /// `xs:ID`: a letter or `_` first. A fixed ID defeats replay protection on the
    /// server: use it once.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Adds an `AuthnStatement` with this `AuthnContextClassRef` (for example
    /// `urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified`) and `AuthnInstant` =
    /// the signing time, unless [`with_authn_instant`](Self::with_authn_instant)
    /// says when the subject authenticated.
    pub fn with_authn_statement(mut self, context_class: impl Into<String>) -> Self {
        self.authn_context = Some(context_class.into());
        self
    }

    /// When the subject authenticated (the `AuthnStatement`'s `AuthnInstant`);
    /// takes effect with [`with_authn_statement`](Self::with_authn_statement).
    pub fn with_authn_instant(mut self, instant: SystemTime) -> Self {
        self.authn_instant = Some(instant);
        self
    }

    /// Adds an `Attribute` to the `AttributeStatement` (the "additional claims" a
    /// server may want).
    pub fn with_attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// The `Issuer`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The subject's `NameID`.
    pub fn subject(&self) -> &str {
        &self.name_id
    }

    /// The audiences.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// The `Recipient` (the token endpoint URL).
    pub fn recipient(&self) -> &str {
        &self.recipient
    }

    /// The lifetime.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Signs with the system clock and random source.
    pub fn sign(&self, signer: &Signer) -> Result<secret::SignedAssertion, Error> {
        self.sign_at(signer, SystemTime::now(), &ring::rand::SystemRandom::new())
    }

    /// Builds the assertion as of `now` and signs it (enveloped XML-DSig, the
    /// `Signature` right after `Issuer`). The XML is built in its exclusive c14n
    /// form, so its digest is taken over the bytes as built: the same signature
    /// as [`Signer::sign_xml`] of [`to_xml_at`](Self::to_xml_at)'s output, without
    /// parsing it again.
    pub fn sign_at(
        &self,
        signer: &Signer,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<secret::SignedAssertion, Error> {
        let built = self.build(now, rng)?;
        // The builder writes the assertion in its exclusive c14n form, with one
        // ID and Issuer first: its bytes are digested as they are, without the
        // parse and c14n pass that XML from elsewhere goes through.
        signer.sign_canonical(
            &Unsigned {
                text: &built.xml,
                id: &built.id,
                issuer_end: built.issuer_end,
            },
            rng,
        )
    }

    /// The unsigned assertion XML as of `now` (already in canonical form), with an
    /// `ID` drawn from `rng` unless one was set.
    pub fn to_xml_at(&self, now: SystemTime, rng: &dyn SecureRandom) -> Result<String, Error> {
        Ok(self.build(now, rng)?.xml)
    }

    /// The unsigned assertion as of `now`, with where its parts are.
    fn build(&self, now: SystemTime, rng: &dyn SecureRandom) -> Result<Built, Error> {
        self.check()?;
        let id = match &self.id {
            Some(id) => {
                super::dsig::check_id(id)
                    .map_err(|_| Error::input(InputField::AssertionId, InputProblem::Malformed, format!("the assertion ID {id:?} is not an xs:ID: start it with a letter or '_', then letters, digits, '.', '-', '_'")))?;
                id.clone()
            }
            None => random_id(rng)?,
        };
        let issued = time::format_xs_datetime(now)?;
        let until = now.checked_add(self.lifetime).ok_or_else(|| {
            Error::input(
                InputField::Lifetime,
                InputProblem::OutOfRange,
                "the assertion lifetime is too long",
            )
        })?;
        let until = time::format_xs_datetime(until)?;

        let mut x = String::with_capacity(1024);
        x.push_str("<saml:Assertion xmlns:saml=\"");
        x.push_str(SAML_NS);
        x.push_str("\" ID=\"");
        xml::escape_attr(&mut x, &id);
        x.push_str("\" IssueInstant=\"");
        x.push_str(&issued);
        x.push_str("\" Version=\"2.0\"><saml:Issuer>");
        xml::escape_text(&mut x, &self.issuer);
        x.push_str("</saml:Issuer>");
        let issuer_end = x.len();
        x.push_str("<saml:Subject><saml:NameID");
        if let Some(format) = &self.name_id_format {
            attr(&mut x, "Format", format);
        }
        x.push('>');
        xml::escape_text(&mut x, &self.name_id);
        x.push_str("</saml:NameID><saml:SubjectConfirmation Method=\"");
        x.push_str(BEARER);
        x.push_str("\"><saml:SubjectConfirmationData");
        attr(&mut x, "NotOnOrAfter", &until);
        attr(&mut x, "Recipient", &self.recipient);
        x.push_str("></saml:SubjectConfirmationData></saml:SubjectConfirmation></saml:Subject><saml:Conditions");
        attr(&mut x, "NotBefore", &issued);
        attr(&mut x, "NotOnOrAfter", &until);
        x.push_str("><saml:AudienceRestriction>");
        for audience in &self.audiences {
            x.push_str("<saml:Audience>");
            xml::escape_text(&mut x, audience);
            x.push_str("</saml:Audience>");
        }
        x.push_str("</saml:AudienceRestriction></saml:Conditions>");
        self.push_authn_statement(&mut x, &issued)?;
        self.push_attribute_statement(&mut x);
        x.push_str("</saml:Assertion>");
        Ok(Built {
            xml: x,
            id,
            issuer_end,
        })
    }

    /// The `AuthnStatement`, if an authentication context was set; its instant
    /// defaults to `issued`.
    fn push_authn_statement(&self, x: &mut String, issued: &str) -> Result<(), Error> {
        if let Some(class) = &self.authn_context {
            x.push_str("<saml:AuthnStatement");
            match self.authn_instant {
                Some(at) => attr(x, "AuthnInstant", &time::format_xs_datetime(at)?),
                None => attr(x, "AuthnInstant", issued),
            }
            x.push_str("><saml:AuthnContext><saml:AuthnContextClassRef>");
            xml::escape_text(x, class);
            x.push_str("</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>");
        }
        Ok(())
    }

    /// The `AttributeStatement`, if there are attributes.
    fn push_attribute_statement(&self, x: &mut String) {
        if self.attributes.is_empty() {
            return;
        }
        x.push_str("<saml:AttributeStatement>");
        for a in &self.attributes {
            x.push_str("<saml:Attribute");
            attr(x, "Name", &a.name);
            if let Some(format) = &a.name_format {
                attr(x, "NameFormat", format);
            }
            x.push('>');
            for value in &a.values {
                x.push_str("<saml:AttributeValue>");
                xml::escape_text(x, value);
                x.push_str("</saml:AttributeValue>");
            }
            x.push_str("</saml:Attribute>");
        }
        x.push_str("</saml:AttributeStatement>");
    }

    /// Refuses empty required values and characters XML 1.0 cannot carry.
    fn check(&self) -> Result<(), Error> {
        let required = [
            (InputField::Issuer, "Issuer", &self.issuer),
            (InputField::Subject, "NameID", &self.name_id),
            (InputField::Recipient, "Recipient", &self.recipient),
        ];
        for (field, what, value) in required {
            if value.trim().is_empty() {
                return Err(Error::input(
                    field,
                    InputProblem::Empty,
                    format!("the SAML {what} is empty; pass a value"),
                ));
            }
            xml::check_chars(field, what, value)?;
        }
        for audience in &self.audiences {
            if audience.trim().is_empty() {
                return Err(Error::input(
                    InputField::Audience,
                    InputProblem::Empty,
                    "a SAML Audience is empty; pass the server's audience URI",
                ));
            }
            xml::check_chars(InputField::Audience, "Audience", audience)?;
        }
        if let Some(format) = &self.name_id_format {
            xml::check_chars(InputField::Subject, "NameID Format", format)?;
        }
        if let Some(class) = &self.authn_context {
            xml::check_chars(InputField::AuthnContext, "AuthnContextClassRef", class)?;
        }
        for a in &self.attributes {
            if a.name.trim().is_empty() {
                return Err(Error::input(
                    InputField::Attribute,
                    InputProblem::Empty,
                    "a SAML Attribute name is empty",
                ));
            }
            xml::check_chars(InputField::Attribute, "Attribute name", &a.name)?;
            if let Some(format) = &a.name_format {
                xml::check_chars(InputField::Attribute, "Attribute NameFormat", format)?;
            }
            for value in &a.values {
                xml::check_chars(InputField::Attribute, "AttributeValue", value)?;
            }
        }
        if self.lifetime.is_zero() {
            return Err(Error::input(
                InputField::Lifetime,
                InputProblem::OutOfRange,
                "the SAML assertion lifetime is zero; it would never be valid",
            ));
        }
        Ok(())
    }
}

/// An assertion the builder wrote: canonical XML, its `ID`, and the offset right
/// after `</saml:Issuer>`, where the signature goes.
struct Built {
    xml: String,
    id: String,
    issuer_end: usize,
}

fn attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    xml::escape_attr(out, value);
    out.push('"');
}

/// `_` and 32 hex digits of randomness: an `xs:ID` that starts as the schema wants.
fn random_id(rng: &dyn SecureRandom) -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes).map_err(|_| Error::Crypto)?;
    let mut id = String::with_capacity(33);
    id.push('_');
    crate::encoding::push_hex(&mut id, &bytes);
    Ok(id)
}
