//! What `saml::verify` accepts by default beyond the signature: no DOCTYPE, no
//! condition it does not enforce (SAML 2.0 Core §2.5.1), and a one-hour lifetime
//! cap on both ends (expiry ahead, `IssueInstant` behind), with explicit opt-outs.
#![cfg(feature = "saml")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use s2s_oauth::saml::{self, SamlError, Signer, Validation};
use s2s_oauth::{Certificate, Error, SigningKey, VerifyingKey};

const RSA_KEY: &str = include_str!("data/keys/rsa2048.pkcs8.pem");
const RSA_CERT: &str = include_str!("data/keys/rsa2048.cert.pem");
const AUDIENCE: &str = "https://login.salesforce.com";
const TOKEN_URL: &str = "https://login.salesforce.com/services/oauth2/token";

/// 2023-11-14T22:13:20Z.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn key() -> VerifyingKey {
    VerifyingKey::from_pem(RSA_CERT).unwrap()
}

fn validation() -> Validation {
    Validation::new(AUDIENCE, TOKEN_URL)
}

/// A signed assertion issued at `issued` (no `IssueInstant` if `None`), expiring
/// at `until`, with `conditions` added after the `AudienceRestriction`.
fn signed(issued: Option<&str>, until: &str, conditions: &str) -> String {
    let issued = issued
        .map(|t| format!(" IssueInstant=\"{t}\""))
        .unwrap_or_default();
    let unsigned = format!(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_p1"{issued} Version="2.0"><saml:Issuer>iss</saml:Issuer><saml:Subject><saml:NameID>alice</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="{TOKEN_URL}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="2023-11-14T22:13:20Z" NotOnOrAfter="{until}"><saml:AudienceRestriction><saml:Audience>{AUDIENCE}</saml:Audience></saml:AudienceRestriction>{conditions}</saml:Conditions></saml:Assertion>"#
    );
    let signer = Signer::new(
        SigningKey::from_pem(RSA_KEY).unwrap(),
        Certificate::from_pem(RSA_CERT).unwrap(),
    )
    .unwrap();
    signer.sign_xml(&unsigned).unwrap().into_exposed_secret()
}

/// Issued now, valid five minutes.
fn ordinary(conditions: &str) -> String {
    signed(
        Some("2023-11-14T22:13:20Z"),
        "2023-11-14T22:18:20Z",
        conditions,
    )
}

fn check(xml: &str, v: &Validation) -> Result<saml::VerifiedAssertion, Error> {
    saml::verify(xml, &key(), v, now(), None)
}

#[test]
fn any_doctype_is_refused_by_verify_and_peek_issuer() {
    let xml = ordinary("");
    check(&xml, &validation()).unwrap();
    for doctype in [
        r#"<!DOCTYPE saml:Assertion SYSTEM "http://127.0.0.1:9/assertion.dtd">"#,
        r#"<!DOCTYPE saml:Assertion PUBLIC "-//x//y//EN" "http://127.0.0.1:9/a.dtd">"#,
        "<!DOCTYPE saml:Assertion>",
        "<!DOCTYPE saml:Assertion []>",
        "<!doctype saml:Assertion>",
        "<!DocType saml:Assertion SYSTEM \"x.dtd\">",
        // After the XML declaration and a comment.
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!-- c --><!DOCTYPE saml:Assertion>",
    ] {
        let with = format!("{doctype}{xml}");
        assert!(
            matches!(
                check(&with, &validation()),
                Err(Error::Saml(SamlError::Dtd))
            ),
            "{doctype}"
        );
        let err = saml::peek_issuer(&with).unwrap_err();
        assert!(matches!(err, Error::Saml(SamlError::Dtd)), "{doctype}");
        assert!(err.to_string().contains("remove the <!DOCTYPE"), "{err}");
    }
    // The general canonicalizer keeps its documented rule: only a DTD with
    // declarations is refused (c14n drops the DOCTYPE).
    let plain = format!("<!DOCTYPE saml:Assertion SYSTEM \"a.dtd\">{xml}");
    assert!(saml::canonicalize(&plain).is_ok());
}

#[test]
fn conditions_the_verifier_does_not_enforce_are_refused() {
    let refused = |xml: &str, v: &Validation| match check(xml, v) {
        Err(e @ Error::Saml(SamlError::UnsupportedCondition(_))) => e.to_string(),
        other => panic!("expected UnsupportedCondition, got {other:?}"),
    };
    // OneTimeUse: refused by default, saying how to accept it.
    let once = ordinary("<saml:OneTimeUse/>");
    let why = refused(&once, &validation());
    assert!(
        why.contains("\"OneTimeUse\"") && why.contains("accept_one_time_use"),
        "{why}"
    );
    // Accepted, it needs a replay cache to enforce the single use...
    assert!(matches!(
        check(&once, &validation().accept_one_time_use()),
        Err(Error::Saml(SamlError::OneTimeUseWithoutReplayCache))
    ));
    // ...which then takes it once, and refuses the second use.
    let mut seen = std::collections::HashMap::<String, SystemTime>::new();
    let mut once_with = |v: &Validation| saml::verify(&once, &key(), v, now(), Some(&mut seen));
    let ok = once_with(&validation().accept_one_time_use()).unwrap();
    assert_eq!(ok.subject, "alice");
    assert!(matches!(
        once_with(&validation().accept_one_time_use()),
        Err(Error::Saml(SamlError::Replayed))
    ));

    // ProxyRestriction likewise.
    let proxy = ordinary(
        "<saml:ProxyRestriction Count=\"0\"><saml:Audience>x</saml:Audience></saml:ProxyRestriction>",
    );
    let why = refused(&proxy, &validation());
    assert!(
        why.contains("ProxyRestriction") && why.contains("accept_proxy_restriction"),
        "{why}"
    );
    assert!(refused(&proxy, &validation().accept_one_time_use()).contains("ProxyRestriction"));
    check(&proxy, &validation().accept_proxy_restriction()).unwrap();

    // Any other condition: refused, whatever is accepted.
    let all = validation()
        .accept_one_time_use()
        .accept_proxy_restriction();
    let custom = ordinary(
        r#"<saml:Condition xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:x="urn:x" xsi:type="x:MustBeOnVpn"/>"#,
    );
    assert!(refused(&custom, &all).contains("\"Condition\""));
    let foreign = ordinary(r#"<x:Geofence xmlns:x="urn:x"/>"#);
    assert!(refused(&foreign, &all).contains("{urn:x}Geofence"));
}

#[test]
fn the_lifetime_is_capped_at_an_hour_by_default() {
    // A signed NotOnOrAfter in year 9999 no longer means "valid forever".
    let forever = signed(Some("2023-11-14T22:13:20Z"), "9999-12-31T23:59:59Z", "");
    assert!(matches!(
        check(&forever, &validation()),
        Err(Error::Saml(SamlError::LifetimeTooLong))
    ));
    let ok = check(&forever, &validation().dangerous_without_max_lifetime()).unwrap();
    assert_eq!(ok.subject, "alice");

    // The bound: now + 1 hour + the 60 s leeway (22:13:20 + 3660 s = 23:14:20).
    let at_limit = signed(Some("2023-11-14T22:13:20Z"), "2023-11-14T23:14:20Z", "");
    check(&at_limit, &validation()).unwrap();
    let past_limit = signed(Some("2023-11-14T22:13:20Z"), "2023-11-14T23:14:21Z", "");
    let err = check(&past_limit, &validation()).unwrap_err();
    assert!(
        matches!(err, Error::Saml(SamlError::LifetimeTooLong))
            && err.to_string().contains("with_max_lifetime"),
        "{err}"
    );
    // with_max_lifetime moves the bound.
    check(
        &past_limit,
        &validation().with_max_lifetime(Duration::from_secs(7200)),
    )
    .unwrap();
}

#[test]
fn an_assertion_issued_too_long_ago_is_refused_even_if_it_expires_soon() {
    let issued_at = |issued: &str| signed(Some(issued), "2023-11-14T22:18:20Z", "");
    // Issued 1 hour + the leeway ago (21:12:20): still fine; one second earlier: not.
    check(&issued_at("2023-11-14T21:12:20Z"), &validation()).unwrap();
    let old = issued_at("2023-11-14T21:12:19Z");
    let err = check(&old, &validation()).unwrap_err();
    assert!(
        matches!(err, Error::Saml(SamlError::IssuedTooLongAgo))
            && err.to_string().contains("IssueInstant"),
        "{err}"
    );
    check(&old, &validation().dangerous_without_max_lifetime()).unwrap();
    // The cap set by with_max_lifetime bounds the age too: 10 minutes + 60 s.
    let ten = validation().with_max_lifetime(Duration::from_secs(600));
    check(&issued_at("2023-11-14T22:02:20Z"), &ten).unwrap();
    assert!(matches!(
        check(&issued_at("2023-11-14T22:02:19Z"), &ten),
        Err(Error::Saml(SamlError::IssuedTooLongAgo))
    ));
    // The cap needs an IssueInstant (the schema requires one anyway).
    let undated = signed(None, "2023-11-14T22:18:20Z", "");
    let err = check(&undated, &validation()).unwrap_err();
    assert!(
        matches!(&err, Error::Saml(SamlError::Structure(why)) if why.contains("IssueInstant")),
        "{err}"
    );
    check(&undated, &validation().dangerous_without_max_lifetime()).unwrap();
}
