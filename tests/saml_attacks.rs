//! Attacks on the SAML 2.0 verifier and the XML underneath it: whitespace games
//! with the subject, resource exhaustion before the signature is checked, and
//! RFC 7522 §3's expiry rules on assertions signed by other tools' templates.
#![cfg(feature = "saml")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use s2s_oauth::saml::{self, SamlError, Signer, Validation};
use s2s_oauth::{Certificate, Error, SigningKey, VerifyingKey};

const RSA_KEY: &str = include_str!("data/keys/rsa2048.pkcs8.pem");
const RSA_CERT: &str = include_str!("data/keys/rsa2048.cert.pem");
const AUDIENCE: &str = "https://login.salesforce.com";
const TOKEN_URL: &str = "https://login.salesforce.com/services/oauth2/token";

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn signer() -> Signer {
    Signer::new(
        SigningKey::from_pem(RSA_KEY).unwrap(),
        Certificate::from_pem(RSA_CERT).unwrap(),
    )
    .unwrap()
}

fn key() -> VerifyingKey {
    VerifyingKey::from_pem(RSA_CERT).unwrap()
}

fn validation() -> Validation {
    Validation::new(AUDIENCE, TOKEN_URL)
}

const SCD: &str = r#"<saml:SubjectConfirmationData NotOnOrAfter="2023-11-14T22:18:20Z" Recipient="https://login.salesforce.com/services/oauth2/token"/>"#;
const CONDITIONS: &str = r#"<saml:Conditions NotBefore="2023-11-14T22:13:20Z" NotOnOrAfter="2023-11-14T22:18:20Z"><saml:AudienceRestriction><saml:Audience>https://login.salesforce.com</saml:Audience></saml:AudienceRestriction></saml:Conditions>"#;

/// An unsigned assertion as an IdP template would make it, with `name_id`, the
/// bearer `SubjectConfirmation`'s content and the `Conditions` given.
fn template(name_id: &str, confirmation: &str, conditions: &str) -> String {
    format!(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_t1" IssueInstant="2023-11-14T22:13:20Z" Version="2.0"><saml:Issuer>iss</saml:Issuer><saml:Subject><saml:NameID>{name_id}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">{confirmation}</saml:SubjectConfirmation></saml:Subject>{conditions}</saml:Assertion>"#
    )
}

fn verify_template(unsigned: &str) -> Result<saml::VerifiedAssertion, Error> {
    let signed = signer().sign_xml(unsigned).unwrap();
    saml::verify(signed.expose_secret(), &key(), &validation(), now(), None)
}

#[test]
fn only_xml_whitespace_is_trimmed_from_the_subject() {
    // A different user at the IdP, "\u{A0}admin", must not come out as "admin"
    // (fails with str::trim, which drops Unicode spaces).
    let ok = verify_template(&template("\u{a0}admin\u{2003}", SCD, CONDITIONS)).unwrap();
    assert_eq!(ok.subject, "\u{a0}admin\u{2003}");
    // XML whitespace (a pretty-printing IdP) is still trimmed.
    let ok = verify_template(&template("\n  admin\t\r\n", SCD, CONDITIONS)).unwrap();
    assert_eq!(ok.subject, "admin");
    // The issuer read to pick the key follows the same rule.
    let xml = template("a", SCD, CONDITIONS).replace(">iss<", ">\u{a0}iss<");
    assert_eq!(saml::peek_issuer(&xml).unwrap(), "\u{a0}iss");
    // A Recipient with a trailing Unicode space is not this token endpoint.
    let scd = SCD.replace("token\"", "token\u{3000}\"");
    assert!(matches!(
        verify_template(&template("a", &scd, CONDITIONS)),
        Err(Error::Saml(SamlError::WrongRecipient))
    ));
}

#[test]
fn comment_inside_the_name_id_does_not_truncate_it() {
    // The classic comment-truncation attack: the signed text (comments dropped by
    // exclusive c14n) and the subject read must be the same string.
    let ok = verify_template(&template("user@evil.com<!---->.good.com", SCD, CONDITIONS)).unwrap();
    assert_eq!(ok.subject, "user@evil.com.good.com");
}

#[test]
fn namespace_amplification_is_refused_before_the_signature_check() {
    // Exclusive c14n renders a namespace on every element that uses it when its
    // output parent did not: one long URI declared on the Assertion and used by
    // 10 000 empty elements in SignedInfo would ask for 200 MB of canonical
    // SignedInfo, computed before any signature is checked. SignedInfo holds only
    // what the XML-DSig schema allows, so this is refused before canonicalizing.
    let signed = signer()
        .sign_xml(&template("alice", SCD, CONDITIONS))
        .unwrap()
        .into_exposed_secret();
    let uri = format!("urn:{}", "x".repeat(20_000));
    let hostile = signed
        .replacen(" ID=", &format!(" xmlns:x=\"{uri}\" ID="), 1)
        .replacen(
            "<ds:SignedInfo>",
            &format!("<ds:SignedInfo>{}", "<x:a/>".repeat(10_000)),
            1,
        );
    assert!(hostile.len() < saml::MAX_ASSERTION_LEN);
    let err = saml::verify(&hostile, &key(), &validation(), now(), None).unwrap_err();
    assert!(
        matches!(&err, Error::Saml(SamlError::Structure(why)) if why.contains("SignedInfo must hold")),
        "{err}"
    );
    // The same amplification in the Assertion's body, where the schema check of
    // SignedInfo does not look: refused, by the canonical output bound.
    let in_body = signed
        .replacen(" ID=", &format!(" xmlns:x=\"{uri}\" ID="), 1)
        .replacen(
            "</saml:Issuer>",
            &format!("</saml:Issuer>{}", "<x:a/>".repeat(10_000)),
            1,
        );
    assert!(in_body.len() < saml::MAX_ASSERTION_LEN);
    let err = saml::verify(&in_body, &key(), &validation(), now(), None).unwrap_err();
    assert!(
        matches!(&err, Error::Saml(SamlError::Xml(why)) if why.contains("canonical form would be larger")),
        "{err}"
    );
    // The public canonicalizer has the same bound.
    let doc = format!("<r xmlns:x=\"{uri}\">{}</r>", "<x:a/>".repeat(10_000));
    assert!(matches!(
        saml::canonicalize(&doc),
        Err(Error::Saml(SamlError::Xml(_)))
    ));
    // Ordinary re-rendering (a short URI on a few hundred siblings) is fine.
    let doc = format!("<r xmlns:x=\"urn:x\">{}</r>", "<x:a/>".repeat(300));
    let canonical = saml::canonicalize(&doc).unwrap();
    assert_eq!(canonical.matches("xmlns:x=\"urn:x\"").count(), 300);
}

/// A document of about `len` bytes: `open`, then `repeat` until the length,
/// then `close`.
fn filled(open: &str, repeat: &str, close: &str, len: usize) -> String {
    let mut doc = String::from(open);
    while doc.len() + repeat.len() + close.len() < len {
        doc.push_str(repeat);
    }
    doc.push_str(close);
    doc
}

#[test]
fn attribute_and_namespace_floods_are_refused_quickly() {
    let too_many = |n: usize, f: &dyn Fn(usize) -> String| {
        let attrs: String = (0..n).map(f).collect();
        saml::canonicalize(&format!("<a{attrs}/>"))
    };
    // 256 attributes (declarations included) per element are fine; more are not.
    assert!(too_many(256, &|i| format!(" a{i}=\"\"")).is_ok());
    for f in [
        &(|i| format!(" a{i}=\"\"")) as &dyn Fn(usize) -> String,
        &|i| format!(" xmlns:p{i}=\"urn:{i}\""),
    ] {
        let err = too_many(257, f).unwrap_err();
        assert!(matches!(err, Error::Saml(SamlError::Xml(_))), "{err}");
    }
    // At most 256 namespace declarations in scope, across nested elements too.
    let nested: String = (0..150)
        .map(|i| format!("<e xmlns:p{i}=\"urn:{i}\" xmlns:q{i}=\"urn:{i}\">"))
        .collect();
    let err = saml::canonicalize(&format!("{nested}{}", "</e>".repeat(150))).unwrap_err();
    assert!(err.to_string().contains("namespace declarations"), "{err}");

    // The worst inputs within those limits, at the verifier's size cap, are
    // refused (or canonicalized) in well under a second each in a release build.
    let started = std::time::Instant::now();
    let attrs: String = (0..255).map(|i| format!(" a{i}=\"\"")).collect();
    let many_attrs = filled(
        "<r>",
        &format!("<e{attrs}/>"),
        "</r>",
        saml::MAX_ASSERTION_LEN,
    );
    saml::canonicalize(&many_attrs).unwrap();
    let decls: String = (0..255).map(|i| format!(" xmlns:p{i}=\"u\"")).collect();
    let many_lookups = filled(
        &format!("<r{decls}>"),
        "<p0:b/>",
        "</r>",
        saml::MAX_ASSERTION_LEN,
    );
    saml::canonicalize(&many_lookups).unwrap();
    assert!(saml::verify(&many_lookups, &key(), &validation(), now(), None).is_err());
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    println!("worst cases: {elapsed:?}");
}

#[test]
fn expiry_on_conditions_alone_is_enough_and_some_expiry_is_required() {
    // RFC 7522 §3 item 3: the expiry is the NotOnOrAfter of Conditions *or* of the
    // bearer SubjectConfirmationData (an IdP template may set only the former).
    let scd = r#"<saml:SubjectConfirmationData Recipient="https://login.salesforce.com/services/oauth2/token"/>"#;
    let ok = verify_template(&template("alice", scd, CONDITIONS)).unwrap();
    assert_eq!(ok.expires_at, now() + Duration::from_secs(300));
    // Still checked: past it (and the leeway), the assertion has expired.
    let signed = signer()
        .sign_xml(&template("alice", scd, CONDITIONS))
        .unwrap();
    let late = now() + Duration::from_secs(360);
    assert!(matches!(
        saml::verify(signed.expose_secret(), &key(), &validation(), late, None),
        Err(Error::Saml(SamlError::Expired))
    ));
    // Only on the confirmation: fine too.
    let conditions = r#"<saml:Conditions><saml:AudienceRestriction><saml:Audience>https://login.salesforce.com</saml:Audience></saml:AudienceRestriction></saml:Conditions>"#;
    let ok = verify_template(&template("alice", SCD, conditions)).unwrap();
    assert_eq!(ok.expires_at, now() + Duration::from_secs(300));
    // Neither: refused, saying so.
    let err = verify_template(&template("alice", scd, conditions)).unwrap_err();
    assert!(err.to_string().contains("no expiry"), "{err}");
}

#[test]
fn character_references_with_a_sign_are_not_well_formed() {
    // XML 1.0 §4.1: digits only. libxml2 refuses these; accepting them would make
    // this crate read a document other tools reject.
    for bad in [
        "<a>&#x+41;</a>",
        "<a>&#+65;</a>",
        "<a b='&#x+41;'/>",
        "<a b='&#-1;'/>",
    ] {
        let err = saml::canonicalize(bad).unwrap_err();
        assert!(
            matches!(err, Error::Saml(SamlError::Xml(_))),
            "{bad}: {err}"
        );
    }
    assert_eq!(
        saml::canonicalize("<a b='&#x41;&#66;'>&#x43;&#68;</a>").unwrap(),
        r#"<a b="AB">CD</a>"#
    );
}

#[test]
fn a_second_conditions_element_is_refused_not_ignored() {
    // The schema allows one Conditions; reading the first and ignoring a second
    // (expired) one would disagree with a tool that reads the last.
    let expired = r#"<saml:Conditions NotOnOrAfter="2000-01-01T00:00:00Z"/>"#;
    let err =
        verify_template(&template("alice", SCD, &format!("{CONDITIONS}{expired}"))).unwrap_err();
    assert!(
        matches!(&err, Error::Saml(SamlError::Structure(why)) if why.contains("more than one Conditions")),
        "{err}"
    );
}

#[test]
fn a_foreign_element_among_the_transforms_is_refused() {
    let signed = signer()
        .sign_xml(&template("alice", SCD, CONDITIONS))
        .unwrap()
        .into_exposed_secret();
    let extra = signed.replace(
        "</ds:Transforms>",
        r#"<x:Transform xmlns:x="urn:x" Algorithm="urn:x:xpath"/></ds:Transforms>"#,
    );
    let err = saml::verify(&extra, &key(), &validation(), now(), None).unwrap_err();
    assert!(
        matches!(&err, Error::Saml(SamlError::Structure(why)) if why.contains("transforms")),
        "{err}"
    );
}

#[test]
fn an_oversized_assertion_parameter_is_refused_before_decoding() {
    let limit = saml::MAX_ASSERTION_LEN.div_ceil(3) * 4;
    // The largest parameter still decodes (to bytes verify then judges)...
    let xml = saml::decode_assertion_parameter(&"PGE-".repeat(limit / 4)).unwrap();
    assert!(xml.starts_with("<a><a>"));
    // ...one more block does not.
    let err = saml::decode_assertion_parameter(&"A".repeat(limit + 4)).unwrap_err();
    assert!(err.to_string().contains("256 KiB"), "{err}");
}

#[test]
fn names_and_text_that_are_not_well_formed_are_refused() {
    // quick-xml splits a tag on ASCII whitespace only: "a\u{A0}b='1'" came out as
    // an element name, and the canonical form `<a b='1'></a b='1'>` was not XML.
    for bad in [
        "<a\u{a0}b='1'/>",
        "<1a/>",
        "<a -b='1'/>",
        "<p:a:b xmlns:p='urn:p'/>",
        "<a>]]></a>",
        "<?1pi?><a/>",
    ] {
        let err = saml::canonicalize(bad).unwrap_err();
        assert!(
            matches!(err, Error::Saml(SamlError::Xml(_))),
            "{bad:?}: {err}"
        );
    }
    // Non-ASCII names are fine, and so is "]]&gt;".
    assert_eq!(
        saml::canonicalize("<é·ü-1 ñ.x='1'>]]&gt;</é·ü-1>").unwrap(),
        "<é·ü-1 ñ.x=\"1\">]]&gt;</é·ü-1>"
    );
}

#[test]
fn assertion_ids_are_ncnames() {
    use ring::rand::SystemRandom;
    // "²" and "¼" are alphanumeric to Rust but not XML name characters: such an ID
    // is no xs:ID (XML 1.0 fifth edition §2.3).
    for bad in ["_a²", "_¼", "a:b", "-a", "1a", ""] {
        let a = saml::Assertion::new("iss", "sub", AUDIENCE, TOKEN_URL).with_id(bad);
        assert!(
            a.to_xml_at(now(), &SystemRandom::new()).is_err(),
            "{bad:?} was accepted"
        );
    }
    for good in ["_a1", "a-b.c_d", "é\u{300}", "_\u{b7}"] {
        let a = saml::Assertion::new("iss", "sub", AUDIENCE, TOKEN_URL).with_id(good);
        a.to_xml_at(now(), &SystemRandom::new()).unwrap();
    }
}

#[test]
fn the_signer_refuses_an_id_another_element_carries() {
    // Signed as given, this would come out as an assertion every verifier (the
    // crate's included) refuses as a possible wrapping: say so at signing.
    let unsigned =
        template("alice", SCD, CONDITIONS).replace("<saml:Subject>", "<saml:Subject ID=\"_t1\">");
    let err = signer().sign_xml(&unsigned).unwrap_err();
    assert!(
        matches!(&err, Error::Saml(SamlError::Structure(why)) if why.contains("another element")),
        "{err}"
    );
}

#[test]
fn reference_uris_and_transforms_other_than_the_assertions_own_are_refused() {
    let signed = signer()
        .sign_xml(&template("alice", SCD, CONDITIONS))
        .unwrap()
        .into_exposed_secret();
    let verify = |xml: &str| saml::verify(xml, &key(), &validation(), now(), None).unwrap_err();
    // The whole document (""), XPointer forms, another ID, a bare "#".
    for uri in [
        "",
        "#xpointer(id('_t1'))",
        "#xpointer(/)",
        "#_other",
        "#",
        "_t1",
    ] {
        let xml = signed.replace("URI=\"#_t1\"", &format!("URI=\"{uri}\""));
        assert!(
            matches!(
                verify(&xml),
                Error::Saml(SamlError::SignatureNotOnAssertion(_))
            ),
            "URI {uri:?}"
        );
    }
    // Transforms: only enveloped-signature then exclusive c14n.
    const ENV: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    const EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
    let transforms = |list: &[&str]| {
        let inner: String = list
            .iter()
            .map(|a| format!("<ds:Transform Algorithm=\"{a}\"></ds:Transform>"))
            .collect();
        let start = signed.find("<ds:Transforms>").unwrap();
        let end = signed.find("</ds:Transforms>").unwrap();
        format!(
            "{}<ds:Transforms>{inner}{}",
            &signed[..start],
            &signed[end..]
        )
    };
    for list in [
        &[][..],
        &[EXC],
        &[ENV],
        &[EXC, ENV],
        &[ENV, "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"],
        &[ENV, "http://www.w3.org/TR/1999/REC-xpath-19991116"],
        &[ENV, EXC, EXC],
    ] {
        let err = verify(&transforms(list));
        assert!(
            matches!(
                err,
                Error::Saml(SamlError::Structure(_) | SamlError::UnsupportedAlgorithm(_))
            ),
            "{list:?}: {err}"
        );
    }
    // RSA-SHA1 and HMAC signature methods are refused before any key is used.
    for method in [
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
    ] {
        let xml = signed.replace("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", method);
        assert!(matches!(
            verify(&xml),
            Error::Saml(SamlError::UnsupportedAlgorithm(_))
        ));
    }
}

#[test]
fn namespace_tricks_do_not_hide_or_fake_a_signature() {
    let signed = signer()
        .sign_xml(&template("alice", SCD, CONDITIONS))
        .unwrap()
        .into_exposed_secret();
    let verify = |xml: &str| saml::verify(xml, &key(), &validation(), now(), None).unwrap_err();
    let sig_start = signed.find("<ds:Signature").unwrap();
    let sig_end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &signed[sig_start..sig_end];

    // The signature's "ds" bound to another namespace is no signature at all.
    let fake = signed.replace(
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"",
        "<ds:Signature xmlns:ds=\"urn:not-dsig\"",
    );
    assert!(matches!(
        verify(&fake),
        Error::Saml(SamlError::MissingSignature)
    ));

    // A second signature under another prefix bound to the DSig namespace, tucked
    // in an Advice, is seen (namespaces are resolved, prefixes do not matter).
    let other_prefix = signature
        .replace("ds:", "dsig:")
        .replace("xmlns:ds=", "xmlns:dsig=");
    let advice = signed.replace(
        "</saml:Assertion>",
        &format!("<saml:Advice>{other_prefix}</saml:Advice></saml:Assertion>"),
    );
    let err = verify(&advice);
    assert!(
        matches!(err, Error::Saml(SamlError::SignatureNotOnAssertion(_))),
        "{err}"
    );

    // The same signature re-prefixed (same namespace) is canonicalized with the new
    // prefix, so it no longer verifies.
    let reprefixed = signed.replace(signature, &other_prefix);
    assert!(matches!(
        verify(&reprefixed),
        Error::Saml(SamlError::InvalidSignature)
    ));

    // Rebinding the assertion's own prefix under it moves the Subject to another
    // namespace: exclusive c14n renders the new binding, the digest breaks.
    let rebound = signed.replacen(
        "<saml:Subject>",
        "<saml:Subject xmlns:saml=\"urn:evil\">",
        1,
    );
    assert!(matches!(
        verify(&rebound),
        Error::Saml(SamlError::DigestMismatch)
    ));
    // An unused default namespace is outside what exclusive c14n signs, and
    // changes nothing the verifier reads: still valid, same subject.
    let unused = signed.replacen("<saml:Subject>", "<saml:Subject xmlns=\"urn:evil\">", 1);
    let ok = saml::verify(&unused, &key(), &validation(), now(), None).unwrap();
    assert_eq!(ok.subject, "alice");
}

#[test]
fn a_lifetime_cap_past_the_end_of_time_caps_nothing() {
    let xml = signer()
        .sign_xml(&template("alice", SCD, CONDITIONS))
        .unwrap();
    let uncapped = validation().with_max_lifetime(Duration::MAX);
    saml::verify(xml.expose_secret(), &key(), &uncapped, now(), None).unwrap();
    // A real cap still applies.
    let capped = validation().with_max_lifetime(Duration::from_secs(10));
    assert!(matches!(
        saml::verify(xml.expose_secret(), &key(), &capped, now(), None),
        Err(Error::Saml(SamlError::LifetimeTooLong))
    ));
}

const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// The signed template with `decls` namespace declarations added to the
/// Assertion, `prefix_list` (if any) as the `InclusiveNamespaces` of SignedInfo's
/// CanonicalizationMethod, and `filler` empty `<x/>` elements first in SignedInfo.
fn hostile_signed_info(decls: usize, prefix_list: Option<&str>, filler: usize) -> String {
    let signed = signer()
        .sign_xml(&template("alice", SCD, CONDITIONS))
        .unwrap()
        .into_exposed_secret();
    let decls: String = (0..decls)
        .map(|i| format!(" xmlns:n{i}=\"urn:n{i}\""))
        .collect();
    let mut xml = signed.replacen(" ID=", &format!("{decls} ID="), 1);
    if let Some(list) = prefix_list {
        xml = xml.replacen(
            "</ds:CanonicalizationMethod>",
            &format!("<ec:InclusiveNamespaces xmlns:ec=\"{EXC_C14N}\" PrefixList=\"{list}\"/></ds:CanonicalizationMethod>"),
            1,
        );
    }
    xml.replacen(
        "<ds:SignedInfo>",
        &format!("<ds:SignedInfo>{}", "<x/>".repeat(filler)),
        1,
    )
}

/// `n` distinct prefixes that no element declares (the old lookup walked the
/// whole scope for each of them, on every element).
fn tokens(n: usize) -> String {
    (0..n)
        .map(|i| format!("p{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Re-signs `xml` after its SignedInfo was changed (the test plays the signer
/// of a SignedInfo with an `InclusiveNamespaces` PrefixList).
fn resign(xml: &str, prefix_list: &str) -> String {
    let ds = "http://www.w3.org/2000/09/xmldsig#";
    let options = saml::C14n::new()
        .with_subtree_element(ds, "SignedInfo")
        .with_inclusive_prefixes(prefix_list);
    let canonical = saml::canonicalize_with(xml, &options).unwrap();
    let key = SigningKey::from_pem(RSA_KEY).unwrap();
    let value = key
        .sign(canonical.as_bytes(), &ring::rand::SystemRandom::new())
        .unwrap();
    use base64ct::Encoding;
    let start = xml.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    let end = xml.find("</ds:SignatureValue>").unwrap();
    format!(
        "{}{}{}",
        &xml[..start],
        base64ct::Base64::encode_string(&value),
        &xml[end..]
    )
}

fn structure_error(xml: &str) -> String {
    match saml::verify(xml, &key(), &validation(), now(), None) {
        Err(Error::Saml(SamlError::Structure(why))) => why.into(),
        other => panic!("expected a structure error, got {other:?}"),
    }
}

#[test]
fn a_hostile_signed_info_is_refused_before_any_canonicalization() {
    // 250 namespaces in scope x 5,000 prefixes x 2,000 elements in SignedInfo:
    // the old code looked every prefix up in the whole scope on every element,
    // seconds of CPU in a release build (minutes in debug) before it found the
    // signature wrong, for a key that never signed anything.
    let big = hostile_signed_info(250, Some(&tokens(5_000)), 2_000);
    assert!(big.len() < saml::MAX_ASSERTION_LEN);
    let started = std::time::Instant::now();
    let why = structure_error(&big);
    let elapsed = started.elapsed();
    assert!(why.contains("SignedInfo"), "{why}");
    // A generous bound even for a debug build on a busy machine (it takes a few
    // milliseconds); the old code was still running after 60 s.
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");

    // Each part alone is refused too, with an error that names it.
    let why = structure_error(&hostile_signed_info(250, Some(&tokens(5_000)), 0));
    assert!(why.contains("PrefixList") && why.contains("32"), "{why}");
    let why = structure_error(&hostile_signed_info(250, None, 2_000));
    assert!(why.contains("SignedInfo") && why.contains("<x>"), "{why}");
}

#[test]
fn prefix_lists_hold_at_most_32_distinct_ncnames() {
    let why = structure_error(&hostile_signed_info(0, Some(&tokens(33)), 0));
    assert!(why.contains("more than 32"), "{why}");
    for bad in ["a:b", "#foo", "1a", "saml #default x&#x3A;y"] {
        let why = structure_error(&hostile_signed_info(0, Some(bad), 0));
        assert!(
            why.contains("PrefixList") && why.contains("NCName"),
            "{bad}: {why}"
        );
    }
    // Duplicates count once: 32 distinct names (#default among them) written
    // many times are fine, and the signature over them verifies.
    let mut list: Vec<String> = (0..30).map(|i| format!("p{i}")).collect();
    list.push("#default".into());
    list.push("saml".into());
    let list = vec![list.join(" "); 5].join(" ");
    let ok = resign(&hostile_signed_info(3, Some(&list), 0), &list);
    let verified = saml::verify(&ok, &key(), &validation(), now(), None).unwrap();
    assert_eq!(verified.subject, "alice");
    // "saml" in the list is in scope: the inclusive rule renders it on SignedInfo.
    let plain = resign(&hostile_signed_info(3, Some("saml"), 0), "saml");
    saml::verify(&plain, &key(), &validation(), now(), None).unwrap();

    // The same rules on the Reference's exclusive c14n transform.
    let signed = signer()
        .sign_xml(&template("alice", SCD, CONDITIONS))
        .unwrap()
        .into_exposed_secret();
    let with_list = |list: &str| {
        signed.replacen(
            &format!("<ds:Transform Algorithm=\"{EXC_C14N}\"></ds:Transform>"),
            &format!("<ds:Transform Algorithm=\"{EXC_C14N}\"><ec:InclusiveNamespaces xmlns:ec=\"{EXC_C14N}\" PrefixList=\"{list}\"/></ds:Transform>"),
            1,
        )
    };
    let why = structure_error(&with_list(&tokens(33)));
    assert!(why.contains("more than 32"), "{why}");
    let why = structure_error(&with_list("a:b"));
    assert!(why.contains("NCName"), "{why}");
    // A good list gets as far as the signature (SignedInfo changed, so it fails).
    assert!(matches!(
        saml::verify(&with_list("saml saml"), &key(), &validation(), now(), None),
        Err(Error::Saml(SamlError::InvalidSignature))
    ));
}

#[test]
fn signed_info_holds_only_what_the_schema_allows() {
    let signed = signer()
        .sign_xml(&template("alice", SCD, CONDITIONS))
        .unwrap()
        .into_exposed_secret();
    let ds = "http://www.w3.org/2000/09/xmldsig#";
    let refuse = |from: &str, to: &str, names: &str| {
        assert!(signed.contains(from), "{from}");
        let why = structure_error(&signed.replacen(from, to, 1));
        assert!(why.contains(names), "{to}: {why}");
    };
    let inc = format!("<ec:InclusiveNamespaces xmlns:ec=\"{EXC_C14N}\" PrefixList=\"a\"/>");
    // An unknown element in CanonicalizationMethod, a second InclusiveNamespaces.
    refuse(
        "</ds:CanonicalizationMethod>",
        "<ds:Foo/></ds:CanonicalizationMethod>",
        "CanonicalizationMethod",
    );
    refuse(
        "</ds:CanonicalizationMethod>",
        &format!("{inc}{inc}</ds:CanonicalizationMethod>"),
        "CanonicalizationMethod",
    );
    // HMACOutputLength (HMAC truncation) or anything else in SignatureMethod.
    refuse(
        "</ds:SignatureMethod>",
        "<ds:HMACOutputLength>80</ds:HMACOutputLength></ds:SignatureMethod>",
        "SignatureMethod",
    );
    // Reference: Transforms, DigestMethod, DigestValue, in that order.
    refuse(
        "</ds:Reference>",
        "<ds:Object/></ds:Reference>",
        "Reference",
    );
    refuse(
        "<ds:Transforms>",
        &format!("<ds:DigestMethod Algorithm=\"{ds}sha1\"/><ds:Transforms>"),
        "Reference",
    );
    refuse(
        "</ds:DigestMethod>",
        "<x/></ds:DigestMethod>",
        "DigestMethod",
    );
    refuse("</ds:DigestValue>", "<x/></ds:DigestValue>", "DigestValue");
    // The enveloped transform holds nothing; the exclusive one an InclusiveNamespaces.
    refuse(
        "#enveloped-signature\"></ds:Transform>",
        "#enveloped-signature\"><x/></ds:Transform>",
        "Transform",
    );
    refuse(
        &format!("{EXC_C14N}\"></ds:Transform>"),
        &format!("{EXC_C14N}\"><ds:XPath>1</ds:XPath></ds:Transform>"),
        "Transform",
    );
    // A second SignatureMethod, or the children out of order.
    let sm = format!("<ds:SignatureMethod Algorithm=\"{ds}rsa-sha1\"></ds:SignatureMethod>");
    refuse(
        "<ds:Reference ",
        &format!("{sm}<ds:Reference "),
        "SignedInfo",
    );
    refuse(
        "</ds:SignedInfo>",
        &format!("{sm}</ds:SignedInfo>"),
        "SignedInfo",
    );
    // Whitespace, comments between the children are fine (a pretty-printing
    // signer): they change the signed bytes, so the signature fails, not the shape.
    let pretty = signed.replacen(
        "<ds:SignatureMethod",
        "\n  <!-- x -->\n  <ds:SignatureMethod",
        1,
    );
    assert!(matches!(
        saml::verify(&pretty, &key(), &validation(), now(), None),
        Err(Error::Saml(SamlError::InvalidSignature))
    ));
}

/// `SignatureValue` holds base64 text only, as `DigestValue` does: an element or a
/// comment inside it would let the raw XML change without changing what verifies.
#[test]
fn signature_value_holds_base64_text_only() {
    let signed = signer()
        .sign_xml(&template("alice", SCD, CONDITIONS))
        .unwrap()
        .into_exposed_secret();
    assert!(saml::verify(&signed, &key(), &validation(), now(), None).is_ok());
    let start = signed.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    let (head, tail) = signed.split_at(start + 8);
    for inserted in [r#"<x:X xmlns:x="urn:x">pad</x:X>"#, "<ds:Foo/>"] {
        let tampered = format!("{head}{inserted}{tail}");
        let err = saml::verify(&tampered, &key(), &validation(), now(), None).unwrap_err();
        assert!(
            matches!(&err, Error::Saml(SamlError::Structure(why)) if why.contains("SignatureValue")),
            "{inserted}: {err}"
        );
    }
}

/// How a tag is spelled (quote kind, white space kinds between attributes and
/// before `>` or `/>`, white space in end tags) is outside what is signed:
/// every respelling, which sends tags down the parser's one-pass or general
/// path, verifies with the same subject. An attribute that only looks like a
/// declaration (`saml:xmlns`), an `xml:` attribute, or a second attribute with
/// the element's own prefix is signed: adding one breaks the digest.
#[test]
fn tag_spelling_is_not_signed_and_attributes_are() {
    let signed = signer()
        .sign_xml(&template("alice", SCD, CONDITIONS))
        .unwrap()
        .into_exposed_secret();
    assert!(!signed.contains('\''));
    type Respell = fn(&str) -> String;
    let respellings: [(&str, Respell); 6] = [
        ("single quotes", |s| s.replace('"', "'")),
        ("tabs and line feeds between attributes", |s| {
            s.replace("\" ", "\"\n\t")
        }),
        ("white space before > and />", |s| {
            s.replace("\">", "\"\t>").replace("\"/>", "\" \n/>")
        }),
        ("white space in end tags", |s| {
            s.replace("</saml:Subject>", "</saml:Subject\n>")
                .replace("</ds:SignedInfo>", "</ds:SignedInfo\t>")
                .replace("</saml:Assertion>", "</saml:Assertion >")
        }),
        ("a redundant declaration", |s| {
            s.replacen(
                "<saml:Subject>",
                "<saml:Subject xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">",
                1,
            )
        }),
        ("all of them", |s| {
            s.replace('"', "'")
                .replace("' ", "'\n\t")
                .replace("'>", "'\t>")
                .replace("</saml:Subject>", "</saml:Subject\n>")
        }),
    ];
    for (what, respell) in respellings {
        let xml = respell(&signed);
        assert_ne!(xml, signed, "{what}");
        let ok = saml::verify(&xml, &key(), &validation(), now(), None)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(ok.subject, "alice", "{what}");
    }
    for added in [
        "saml:xmlns=\"urn:x\"",
        "xml:lang=\"en\"",
        "saml:x=\"1\"",
        "x=\"1\"",
    ] {
        for xml in [
            signed.replacen("<saml:Subject>", &format!("<saml:Subject {added}>"), 1),
            signed.replacen("<saml:Subject>", &format!("<saml:Subject\t{added} >"), 1),
        ] {
            let err = saml::verify(&xml, &key(), &validation(), now(), None).unwrap_err();
            assert!(
                matches!(err, Error::Saml(SamlError::DigestMismatch)),
                "{added}: {err}"
            );
        }
    }
}
