//! [`SamlError`]: why XML or a SAML assertion was refused.

use std::fmt;

/// Why XML was refused, or why a SAML 2.0 assertion did not pass signing or
/// verification (RFC 7522 §3; XML-DSig §3.2; Exclusive XML Canonicalization 1.0).
///
/// No variant carries assertion content beyond element and algorithm names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SamlError {
    /// The input is not well-formed XML (or uses something this parser refuses:
    /// an undeclared entity, an encoding other than UTF-8...); the text says what.
    Xml(Box<str>),
    /// The document has a DTD: [`verify`](crate::saml::verify()) and
    /// [`peek_issuer`](crate::saml::peek_issuer()) refuse any `<!DOCTYPE ...>` (an
    /// assertion has no use for one, and an external DTD reference invites a
    /// fetch); [`canonicalize`](crate::saml::canonicalize()) refuses one with
    /// declarations (`<!DOCTYPE x [ ... ]>`), ruling out entity-expansion attacks
    /// and defaulted attributes.
    Dtd,
    /// The document is not what was expected (not a SAML 2.0 `Assertion`, no `ID`,
    /// an element missing or in the wrong place); the text says what.
    Structure(Box<str>),
    /// An algorithm (signature, digest, canonicalization, transform) this crate
    /// does not use; its URI, cut to 80 characters.
    UnsupportedAlgorithm(Box<str>),
    /// The assertion carries no `Signature`.
    MissingSignature,
    /// More than one `Signature`, a `Signature` that is not a child of the
    /// assertion, or a `Reference` that does not point at the assertion's own
    /// `ID` (signature wrapping).
    SignatureNotOnAssertion(Box<str>),
    /// The digest of the signed content does not match `DigestValue`: the
    /// assertion was changed after signing.
    DigestMismatch,
    /// `SignatureValue` does not verify with the trusted key.
    InvalidSignature,
    /// `Issuer` is not the expected issuer.
    WrongIssuer,
    /// No `Audience` names this server (RFC 7522 §3, item 3).
    WrongAudience,
    /// No bearer `SubjectConfirmation` whose `Recipient` is this token endpoint
    /// (RFC 7522 §3, item 5).
    WrongRecipient,
    /// The assertion has expired (`NotOnOrAfter` has passed, beyond the leeway).
    Expired,
    /// The assertion is not valid yet (`NotBefore` is in the future).
    NotYetValid,
    /// The assertion is valid for longer than the verifier allows: its expiry is
    /// further ahead than the maximum lifetime
    /// ([`Validation::with_max_lifetime`](crate::saml::Validation::with_max_lifetime),
    /// 1 hour by default) plus the leeway.
    LifetimeTooLong,
    /// The assertion's `IssueInstant` is further back than the maximum lifetime
    /// plus the leeway: an old assertion, refused even if its `NotOnOrAfter` is
    /// near.
    IssuedTooLongAgo,
    /// The `Conditions` hold a condition the verifier does not enforce (SAML 2.0
    /// Core §2.5.1: the assertion is then Indeterminate): `OneTimeUse` or
    /// `ProxyRestriction` not accepted in the
    /// [`Validation`](crate::saml::Validation), or any other condition. The name of the
    /// condition, cut to 80 characters.
    UnsupportedCondition(Box<str>),
    /// The assertion carries `OneTimeUse`, the [`Validation`](crate::saml::Validation)
    /// accepts it, but no replay cache was passed to [`verify`](crate::saml::verify()):
    /// nothing would enforce the single use.
    OneTimeUseWithoutReplayCache,
    /// This assertion `ID` was seen before: a replay.
    Replayed,
}

impl fmt::Display for SamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SamlError::Xml(why) => write!(f, "XML refused: {why}"),
            SamlError::Dtd => f.write_str(
                "XML refused: a document type declaration is not accepted (entity expansion, external DTDs); remove the <!DOCTYPE ...>",
            ),
            SamlError::Structure(why) => write!(f, "SAML assertion refused: {why}"),
            SamlError::UnsupportedAlgorithm(uri) => write!(
                f,
                "SAML signature refused: algorithm {uri:?} is not supported (use RSA-SHA256/384/512 or ECDSA-SHA256, SHA-256 digests, exclusive c14n)"
            ),
            SamlError::MissingSignature => {
                f.write_str("SAML assertion refused: it is not signed (no ds:Signature)")
            }
            SamlError::SignatureNotOnAssertion(why) => write!(
                f,
                "SAML assertion refused: the signature does not cover the assertion ({why})"
            ),
            SamlError::DigestMismatch => f.write_str(
                "SAML assertion refused: the digest does not match (the assertion was changed after signing)",
            ),
            SamlError::InvalidSignature => f.write_str(
                "SAML assertion refused: the signature does not verify with the trusted key",
            ),
            SamlError::WrongIssuer => {
                f.write_str("SAML assertion refused: Issuer is not the expected issuer")
            }
            SamlError::WrongAudience => {
                f.write_str("SAML assertion refused: no Audience names this server")
            }
            SamlError::WrongRecipient => f.write_str(
                "SAML assertion refused: no bearer SubjectConfirmation with this token endpoint as Recipient",
            ),
            SamlError::Expired => f.write_str("SAML assertion refused: it has expired (NotOnOrAfter)"),
            SamlError::NotYetValid => {
                f.write_str("SAML assertion refused: it is not valid yet (NotBefore)")
            }
            SamlError::LifetimeTooLong => f.write_str(
                "SAML assertion refused: its NotOnOrAfter is further ahead than the maximum lifetime allows (1 hour by default): sign assertions that live minutes, or raise Validation::with_max_lifetime",
            ),
            SamlError::IssuedTooLongAgo => f.write_str(
                "SAML assertion refused: its IssueInstant is further back than the maximum lifetime allows (1 hour by default): sign a fresh assertion for each request, or raise Validation::with_max_lifetime",
            ),
            SamlError::UnsupportedCondition(name) => {
                write!(
                    f,
                    "SAML assertion refused: its Conditions hold {name:?}, which this server does not enforce (SAML 2.0 Core §2.5.1: the assertion is Indeterminate); "
                )?;
                f.write_str(match &**name {
                    "OneTimeUse" => {
                        "to accept it, enforce single use (a replay cache) and call Validation::accept_one_time_use"
                    }
                    "ProxyRestriction" => {
                        "to accept it, call Validation::accept_proxy_restriction (a server that issues no assertions of its own meets it)"
                    }
                    _ => "ask the issuer to leave it out",
                })
            }
            SamlError::OneTimeUseWithoutReplayCache => f.write_str(
                "SAML assertion refused: it is OneTimeUse, and no replay cache was passed to saml::verify to enforce that; pass one (shared by every instance that accepts the assertion)",
            ),
            SamlError::Replayed => {
                f.write_str("SAML assertion refused: its ID was already used (replay)")
            }
        }
    }
}

impl std::error::Error for SamlError {}
