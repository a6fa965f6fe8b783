//! SAML 2.0 assertions: the builder, enveloped XML-DSig signing, and verification
//! (RFC 7522 §3), including tampering and signature wrapping.
#![cfg(feature = "saml")]

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::rand::SystemRandom;
use s2s_oauth::error::KeyError;
use s2s_oauth::saml::{self, Assertion, Attribute, SamlError, Signer, Validation};
use s2s_oauth::{Algorithm, Certificate, Error, SigningKey, VerifyingKey};

const RSA_KEY: &str = include_str!("data/keys/rsa2048.pkcs8.pem");
const RSA_CERT: &str = include_str!("data/keys/rsa2048.cert.pem");
const P256_KEY: &str = include_str!("data/keys/p256.pkcs8.pem");
const P256_CERT: &str = include_str!("data/keys/p256.cert.pem");
const OTHER_CERT: &str = include_str!("data/keys/other.cert.pem");

const AUDIENCE: &str = "https://login.salesforce.com";
const TOKEN_URL: &str = "https://login.salesforce.com/services/oauth2/token";

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn rsa_signer() -> Signer {
    Signer::new(
        SigningKey::from_pem(RSA_KEY).unwrap(),
        Certificate::from_pem(RSA_CERT).unwrap(),
    )
    .unwrap()
}

fn p256_signer() -> Signer {
    Signer::new(
        SigningKey::from_pem(P256_KEY).unwrap(),
        Certificate::from_pem(P256_CERT).unwrap(),
    )
    .unwrap()
}

fn rsa_public() -> VerifyingKey {
    VerifyingKey::from_pem(RSA_CERT).unwrap()
}

fn assertion() -> Assertion {
    Assertion::new("3MVG9consumer", "user@example.com", AUDIENCE, TOKEN_URL)
}

fn validation() -> Validation {
    Validation::new(AUDIENCE, TOKEN_URL)
}

fn sign(a: &Assertion, signer: &Signer) -> String {
    a.sign_at(signer, now(), &SystemRandom::new())
        .unwrap()
        .into_exposed_secret()
}

fn verify_err(xml: &str) -> Error {
    saml::verify(xml, &rsa_public(), &validation(), now(), None).unwrap_err()
}

#[test]
fn rsa_round_trip_with_every_field() {
    let a = assertion()
        .with_name_id_format("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
        .with_audience("https://other.example")
        .with_authn_statement("urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified")
        .with_attribute(Attribute::new("role", "reader").with_value("writer"))
        .with_attribute(
            Attribute::new("dept", "R&D")
                .with_name_format("urn:oasis:names:tc:SAML:2.0:attrname-format:basic"),
        );
    let xml = sign(&a, &rsa_signer());
    // The Signature sits right after Issuer (SAML schema order).
    assert!(xml.contains("<saml:Issuer>3MVG9consumer</saml:Issuer><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"));
    assert!(xml.contains("Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\""));
    assert!(xml.contains("Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\""));
    assert!(xml.contains("IssueInstant=\"2023-11-14T22:13:20Z\""));
    assert!(xml.contains("<saml:SubjectConfirmationData NotOnOrAfter=\"2023-11-14T22:18:20Z\" Recipient=\"https://login.salesforce.com/services/oauth2/token\">"));
    let ok = saml::verify(&xml, &rsa_public(), &validation(), now(), None).unwrap();
    assert_eq!(ok.issuer, "3MVG9consumer");
    assert_eq!(ok.subject, "user@example.com");
    assert_eq!(ok.algorithm, Algorithm::RS256);
    assert_eq!(ok.audiences, [AUDIENCE, "https://other.example"]);
    assert_eq!(ok.expires_at, now() + Duration::from_secs(300));
    assert_eq!(ok.attributes.len(), 2);
    assert_eq!(ok.attributes[0].values(), ["reader", "writer"]);
    assert_eq!(ok.attributes[1].values(), ["R&D"]);
    assert!(ok.id.starts_with('_') && ok.id.len() == 33, "{}", ok.id);
    assert!(xml.contains(&format!("<ds:Reference URI=\"#{}\">", ok.id)));
}

#[test]
fn ecdsa_and_rsa_sha512_round_trip() {
    let xml = sign(&assertion(), &p256_signer());
    assert!(xml.contains("xmldsig-more#ecdsa-sha256"));
    let key = VerifyingKey::from_pem(P256_CERT).unwrap();
    let ok = saml::verify(&xml, &key, &validation(), now(), None).unwrap();
    assert_eq!(ok.algorithm, Algorithm::ES256);

    let key = SigningKey::from_pem(RSA_KEY)
        .unwrap()
        .with_algorithm(Algorithm::RS512)
        .unwrap();
    let signer = Signer::new(key, Certificate::from_pem(RSA_CERT).unwrap()).unwrap();
    let xml = sign(&assertion(), &signer);
    assert!(xml.contains("xmldsig-more#rsa-sha512"));
    let ok = saml::verify(&xml, &rsa_public(), &validation(), now(), None).unwrap();
    assert_eq!(ok.algorithm, Algorithm::RS512);
}

#[test]
fn hostile_strings_are_escaped_and_survive() {
    let nasty = "a&b<c>d\"e'f\r\tg\nh ]]> <!-- x --> ünïcödé 😀";
    let a = Assertion::new(nasty, nasty, AUDIENCE, TOKEN_URL)
        .with_attribute(Attribute::new(nasty, nasty).with_name_format(nasty));
    let xml = sign(&a, &rsa_signer());
    assert!(xml.contains("<saml:Issuer>a&amp;b&lt;c&gt;d\"e'f&#xD;\tg\nh ]]&gt; &lt;!-- x --&gt; ünïcödé 😀</saml:Issuer>"));
    assert!(
        xml.contains(
            "Name=\"a&amp;b&lt;c>d&quot;e'f&#xD;&#x9;g&#xA;h ]]> &lt;!-- x --> ünïcödé 😀\""
        ),
        "{xml}"
    );
    let ok = saml::verify(&xml, &rsa_public(), &validation(), now(), None).unwrap();
    // Text keeps everything but the surrounding whitespace the verifier trims.
    assert_eq!(ok.subject, nasty.trim());
    assert_eq!(ok.attributes[0].name(), nasty);
    assert_eq!(ok.attributes[0].values(), [nasty]);
    assert_eq!(ok.attributes[0].name_format(), Some(nasty));
}

#[test]
fn control_characters_are_refused_not_dropped() {
    for (field, a) in [
        (
            "NameID",
            Assertion::new("iss", "bad\u{1}", AUDIENCE, TOKEN_URL),
        ),
        (
            "Issuer",
            Assertion::new("bad\u{0}", "sub", AUDIENCE, TOKEN_URL),
        ),
        ("Audience", assertion().with_audience("x\u{1b}y")),
        (
            "AttributeValue",
            assertion().with_attribute(Attribute::new("n", "\u{fffe}")),
        ),
    ] {
        let err = a.to_xml_at(now(), &SystemRandom::new()).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, Error::InvalidInput(_)), "{message}");
        assert!(
            message.contains(field) && message.contains("U+"),
            "{message}"
        );
    }
    let err = Assertion::new("", "sub", AUDIENCE, TOKEN_URL)
        .to_xml_at(now(), &SystemRandom::new())
        .unwrap_err();
    assert!(err.to_string().contains("Issuer is empty"), "{err}");
}

#[test]
fn mismatched_key_and_certificate_is_refused_at_signing() {
    let err = Signer::new(
        SigningKey::from_pem(RSA_KEY).unwrap(),
        Certificate::from_pem(OTHER_CERT).unwrap(),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Key(KeyError::CertificateMismatch)),
        "{err}"
    );
    let err = Signer::new(
        SigningKey::from_pem(P256_KEY).unwrap(),
        Certificate::from_pem(RSA_CERT).unwrap(),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Key(KeyError::CertificateMismatch)),
        "{err}"
    );
    let pss = SigningKey::from_pem(RSA_KEY)
        .unwrap()
        .with_algorithm(Algorithm::PS256)
        .unwrap();
    let err = Signer::new(pss, Certificate::from_pem(RSA_CERT).unwrap()).unwrap_err();
    assert!(err.to_string().contains("PS256"), "{err}");
}

#[test]
fn tampered_content_fails_the_digest() {
    let xml = sign(&assertion(), &rsa_signer());
    let tampered = xml.replace("user@example.com", "admin@example.com");
    assert!(matches!(
        verify_err(&tampered),
        Error::Saml(SamlError::DigestMismatch)
    ));
}

#[test]
fn tampered_digest_value_fails_the_signature() {
    let xml = sign(&assertion(), &rsa_signer());
    let start = xml.find("<ds:DigestValue>").unwrap() + "<ds:DigestValue>".len();
    let mut tampered = xml.clone();
    let first = &xml[start..start + 1];
    tampered.replace_range(start..start + 1, if first == "A" { "B" } else { "A" });
    assert!(matches!(
        verify_err(&tampered),
        Error::Saml(SamlError::InvalidSignature)
    ));
}

#[test]
fn wrong_key_fails_and_keyinfo_is_not_trusted() {
    let xml = sign(&assertion(), &p256_signer());
    // The P-256 certificate is in KeyInfo; the verifier trusts only its own key.
    assert!(matches!(
        verify_err(&xml),
        Error::Saml(SamlError::InvalidSignature)
    ));
}

#[test]
fn wrapped_signature_attack_is_refused() {
    let xml = sign(&assertion(), &rsa_signer());
    let id_start = xml.find("ID=\"").unwrap() + 4;
    let id_end = id_start + xml[id_start..].find('"').unwrap();
    let id = &xml[id_start..id_end];

    // Classic wrapping: an evil assertion (new ID, new subject) that carries the
    // original signed assertion inside it. The signature still verifies over the
    // inner element, but the element whose conditions would be checked is the outer.
    let evil_outer = assertion()
        .with_id("_evil")
        .to_xml_at(now(), &SystemRandom::new())
        .unwrap()
        .replace("user@example.com", "admin@example.com");
    let wrapped = evil_outer.replace("</saml:Issuer>", &format!("</saml:Issuer>{xml}"));
    assert!(matches!(
        verify_err(&wrapped),
        Error::Saml(SamlError::SignatureNotOnAssertion(_))
    ));

    // The evil assertion takes the signed one's ID and moves the signature in.
    let sig_start = xml.find("<ds:Signature").unwrap();
    let sig_end = xml.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &xml[sig_start..sig_end];
    let evil = evil_outer
        .replace("_evil", id)
        .replace("</saml:Issuer>", &format!("</saml:Issuer>{signature}"));
    assert!(matches!(
        verify_err(&evil),
        Error::Saml(SamlError::DigestMismatch)
    ));

    // The signed original hidden in an extension next to the evil one, same ID.
    let hidden = evil.replace(
        "</saml:Assertion>",
        &format!(
            "<saml:Advice>{}</saml:Advice></saml:Assertion>",
            xml.replace(signature, "")
        ),
    );
    assert!(matches!(
        verify_err(&hidden),
        Error::Saml(SamlError::SignatureNotOnAssertion(_))
    ));
}

#[test]
fn conditions_are_checked() {
    let xml = sign(&assertion(), &rsa_signer());
    let key = rsa_public();
    let check = |v: &Validation, at: SystemTime| saml::verify(&xml, &key, v, at, None);
    assert!(check(&validation(), now()).is_ok());
    let late = now() + Duration::from_secs(300 + 60);
    assert!(matches!(
        check(&validation(), late),
        Err(Error::Saml(SamlError::Expired))
    ));
    assert!(
        check(&validation(), late - Duration::from_secs(1)).is_ok(),
        "within the leeway"
    );
    let early = now() - Duration::from_secs(61);
    assert!(matches!(
        check(&validation(), early),
        Err(Error::Saml(SamlError::NotYetValid))
    ));
    let v = Validation::new("https://test.salesforce.com", TOKEN_URL);
    assert!(matches!(
        check(&v, now()),
        Err(Error::Saml(SamlError::WrongAudience))
    ));
    let v = Validation::new(AUDIENCE, "https://elsewhere.example/token");
    assert!(matches!(
        check(&v, now()),
        Err(Error::Saml(SamlError::WrongRecipient))
    ));
    let v = validation().with_issuer("someone-else");
    assert!(matches!(
        check(&v, now()),
        Err(Error::Saml(SamlError::WrongIssuer))
    ));
    let v = validation().with_max_lifetime(Duration::from_secs(60));
    assert!(matches!(
        check(&v, now()),
        Err(Error::Saml(SamlError::LifetimeTooLong))
    ));
    assert!(check(&validation().with_issuer("3MVG9consumer"), now()).is_ok());
}

#[test]
fn replayed_ids_are_refused() {
    let xml = sign(&assertion(), &rsa_signer());
    let mut seen: HashMap<String, SystemTime> = HashMap::new();
    let key = rsa_public();
    saml::verify(&xml, &key, &validation(), now(), Some(&mut seen)).unwrap();
    let again = saml::verify(&xml, &key, &validation(), now(), Some(&mut seen));
    assert!(matches!(again, Err(Error::Saml(SamlError::Replayed))));
    // A fresh assertion gets a fresh ID and passes.
    let other = sign(&assertion(), &rsa_signer());
    saml::verify(&other, &key, &validation(), now(), Some(&mut seen)).unwrap();
}

#[test]
fn caller_xml_is_signed_as_given() {
    let unsigned = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<saml2:Assertion xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" Version=\"2.0\" ID=\"_tmpl1\" IssueInstant=\"2023-11-14T22:13:20.000Z\">\r\n  <saml2:Issuer>3MVG9consumer</saml2:Issuer>\r\n  <saml2:Subject><saml2:NameID>user@example.com</saml2:NameID>\r\n    <saml2:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"><saml2:SubjectConfirmationData Recipient=\"https://login.salesforce.com/services/oauth2/token\" NotOnOrAfter=\"2023-11-14T22:18:20.000Z\"/></saml2:SubjectConfirmation>\r\n  </saml2:Subject>\r\n  <saml2:Conditions NotBefore=\"2023-11-14T22:13:20.000Z\" NotOnOrAfter=\"2023-11-14T22:18:20.000Z\"><saml2:AudienceRestriction><saml2:Audience>https://login.salesforce.com</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>\r\n  <!-- a comment the signature does not cover -->\r\n</saml2:Assertion>\r\n";
    let signed = rsa_signer()
        .sign_xml(unsigned)
        .unwrap()
        .into_exposed_secret();
    assert!(signed.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<saml2:Assertion"));
    assert!(signed.contains("<saml2:Issuer>3MVG9consumer</saml2:Issuer><ds:Signature"));
    assert!(signed.contains("<ds:Reference URI=\"#_tmpl1\">"));
    let ok = saml::verify(&signed, &rsa_public(), &validation(), now(), None).unwrap();
    assert_eq!(ok.id, "_tmpl1");
    // Comments are outside what a same-document reference covers.
    let recommented = signed.replace("<!-- a comment", "<!-- another comment");
    saml::verify(&recommented, &rsa_public(), &validation(), now(), None).unwrap();

    for (bad, why) in [
        ("<a/>", "not a SAML 2.0 Assertion"),
        (
            "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"><saml:Issuer>i</saml:Issuer></saml:Assertion>",
            "no ID",
        ),
        (
            "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"1x\"><saml:Issuer>i</saml:Issuer></saml:Assertion>",
            "xs:ID",
        ),
        (
            "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_1\"><saml:Subject/></saml:Assertion>",
            "first child element must be saml:Issuer",
        ),
        (
            "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_1\"><saml:Issuer>i</saml:Issuer>",
            "before its elements are closed",
        ),
    ] {
        let err = rsa_signer().sign_xml(bad).unwrap_err();
        assert!(err.to_string().contains(why), "{bad}: {err}");
    }
    let err = rsa_signer().sign_xml(&signed).unwrap_err();
    assert!(
        err.to_string().contains("already carries a ds:Signature"),
        "{err}"
    );
}

#[test]
fn legacy_sha1_digest_only_when_asked() {
    let xml = sign(&assertion(), &rsa_signer().with_legacy_sha1_digest());
    assert!(xml.contains("xmldsig#sha1"));
    assert!(matches!(
        verify_err(&xml),
        Error::Saml(SamlError::UnsupportedAlgorithm(_))
    ));
    let v = validation().allow_legacy_sha1_digest();
    saml::verify(&xml, &rsa_public(), &v, now(), None).unwrap();
}

#[test]
fn unsigned_and_dtd_input_is_refused() {
    let unsigned = assertion().to_xml_at(now(), &SystemRandom::new()).unwrap();
    assert!(matches!(
        verify_err(&unsigned),
        Error::Saml(SamlError::MissingSignature)
    ));
    let dtd = format!("<!DOCTYPE x [<!ENTITY a \"b\">]>{unsigned}");
    assert!(matches!(verify_err(&dtd), Error::Saml(SamlError::Dtd)));
}

#[test]
fn debug_hides_the_signed_assertion() {
    let signed = assertion()
        .sign_at(&rsa_signer(), now(), &SystemRandom::new())
        .unwrap();
    assert_eq!(format!("{signed:?}"), "SignedAssertion([redacted])");
    let debug = format!("{:?}", rsa_signer());
    assert!(
        debug.starts_with("Signer { key: SigningKey {") && debug.ends_with(".. }"),
        "{debug}"
    );
    assert!(!debug.contains("PRIVATE"));
}

#[test]
fn damaged_input_never_panics() {
    let xml = sign(
        &assertion().with_attribute(Attribute::new("a", "ü & <x>")),
        &p256_signer(),
    );
    let key = VerifyingKey::from_pem(P256_CERT).unwrap();
    saml::verify(&xml, &key, &validation(), now(), None).unwrap();
    // Every truncation, and every single-byte change at a stride, is refused with
    // a typed error.
    for cut in (0..xml.len()).filter(|&i| xml.is_char_boundary(i)) {
        assert!(saml::verify(&xml[..cut], &key, &validation(), now(), None).is_err());
    }
    let key_info = xml.find("<ds:KeyInfo>").unwrap()..xml.find("</ds:KeyInfo>").unwrap();
    let bytes = xml.as_bytes();
    for i in (0..bytes.len()).step_by(7) {
        for replacement in [b'<', b'>', b'&', b'"', b'x', b' '] {
            if bytes[i] == replacement {
                continue;
            }
            let mut damaged = bytes.to_vec();
            damaged[i] = replacement;
            if let Ok(text) = String::from_utf8(damaged) {
                // Only KeyInfo is outside what the signature covers (and it is
                // never trusted): any other change must be refused.
                let ok = saml::verify(&text, &key, &validation(), now(), None).is_ok();
                assert!(
                    !ok || key_info.contains(&i),
                    "byte {i} -> {replacement}: {text}"
                );
            }
        }
    }
}

/// Strings that put every escaping rule of exclusive c14n to work: the XML
/// specials, quotes, TAB / LF / CR (escaped differently in text and attributes),
/// `]]>`, non-ASCII (two-, three- and four-byte UTF-8), spaces at the edges.
const TRICKY: [&str; 12] = [
    "plain",
    "a & b < c > d",
    "\"quoted\" and 'single'",
    "tab\there",
    "line\nfeed",
    "carriage\rreturn\r\nand crlf",
    "]]> end of cdata",
    "\u{e9}l\u{e8}ve \u{2603} \u{1f600}",
    "  spaced  ",
    "&amp; already escaped &#x9;",
    "https://login.example/services/oauth2/token?x=1&y=2",
    "<saml:Issuer>fake</saml:Issuer>",
];

/// About 300 assertion shapes: each optional part on or off, 1-3 audiences, 0-3
/// attributes with 1-3 values, every field drawn from [`TRICKY`], a fixed or a
/// random ID, several lifetimes.
fn shapes() -> Vec<Assertion> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let pick = |next: &mut dyn FnMut(usize) -> usize| TRICKY[next(TRICKY.len())];
    (0..300)
        .map(|i| {
            let mut a = Assertion::new(
                pick(&mut next),
                pick(&mut next),
                pick(&mut next),
                pick(&mut next),
            )
            .with_lifetime(Duration::from_secs([1, 60, 300, 86_400][i % 4]));
            if i % 2 == 0 {
                a = a.with_name_id_format(pick(&mut next));
            }
            for _ in 0..next(3) {
                a = a.with_audience(pick(&mut next));
            }
            if i % 3 != 0 {
                a = a.with_authn_statement(pick(&mut next));
                if i % 5 == 0 {
                    a = a.with_authn_instant(now() - Duration::from_secs(3600));
                }
            }
            for _ in 0..next(4) {
                let mut attribute = Attribute::new(pick(&mut next), pick(&mut next));
                for _ in 0..next(3) {
                    attribute = attribute.with_value(pick(&mut next));
                }
                if next(2) == 0 {
                    attribute = attribute.with_name_format(pick(&mut next));
                }
                a = a.with_attribute(attribute);
            }
            if i % 7 != 0 {
                a = a.with_id(format!("_shape{i}.\u{e9}-x"));
            }
            a
        })
        .collect()
}

/// `Assertion::sign_at` digests the builder's bytes as they are, without the parse
/// and exclusive c14n that `Signer::sign_xml` puts caller XML through. Over every
/// shape: the builder's output is its own exclusive c14n, and signing it through
/// the parse-and-canonicalize path gives the same bytes (RSA PKCS#1 v1.5 is
/// deterministic), so the digest and the signature are the same.
#[test]
fn built_assertions_are_canonical_and_sign_as_parsed_xml_does() {
    let signer = rsa_signer();
    let rng = SystemRandom::new();
    let mut compared = 0;
    for (i, a) in shapes().iter().enumerate() {
        let unsigned = a.to_xml_at(now(), &rng).unwrap();
        assert_eq!(
            saml::canonicalize(&unsigned).unwrap(),
            unsigned,
            "shape {i}"
        );
        if a.to_xml_at(now(), &rng).unwrap() != unsigned {
            continue; // a random ID: each build differs
        }
        let direct = a.sign_at(&signer, now(), &rng).unwrap();
        let parsed = signer.sign_xml_with(&unsigned, &rng).unwrap();
        assert_eq!(direct.expose_secret(), parsed.expose_secret(), "shape {i}");
        compared += 1;
    }
    assert!(compared > 200, "{compared}");
}

/// The signatures made the direct way verify, for RSA and ECDSA, whatever the
/// shape: the verifier canonicalizes what it received and finds the same digest.
/// (The conditions checked after the signature refuse some shapes: an audience
/// with spaces at its edges, a day-long lifetime; those are policy, not digest.)
#[test]
fn every_shape_verifies() {
    let rng = SystemRandom::new();
    for (signer, cert) in [(rsa_signer(), RSA_CERT), (p256_signer(), P256_CERT)] {
        let key = VerifyingKey::from_pem(cert).unwrap();
        let mut accepted = 0;
        for (i, a) in shapes().iter().enumerate().step_by(3) {
            let signed = a.sign_at(&signer, now(), &rng).unwrap();
            let validation = Validation::new(a.audiences()[0].clone(), a.recipient());
            match saml::verify(signed.expose_secret(), &key, &validation, now(), None) {
                Ok(_) => accepted += 1,
                Err(Error::Saml(
                    SamlError::WrongAudience
                    | SamlError::WrongRecipient
                    | SamlError::LifetimeTooLong,
                )) => {}
                Err(e) => panic!("shape {i}: {e:?}"),
            }
        }
        assert!(accepted > 30, "{accepted}");
    }
}

/// A document that starts with a second byte-order mark (the first is dropped
/// with the line ends, the parser skips the second as quick-xml did): offsets
/// into the input still count it, so the signature goes right after the
/// `Issuer` (it once went three bytes early, inside `</saml2:Issuer>`).
#[test]
fn caller_xml_after_two_byte_order_marks_is_signed_after_the_issuer() {
    let unsigned = "\u{FEFF}\u{FEFF}<saml2:Assertion xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\" Version=\"2.0\" ID=\"_bom\" IssueInstant=\"2023-11-14T22:13:20.000Z\"><saml2:Issuer>3MVG9consumer</saml2:Issuer><saml2:Subject><saml2:NameID>user@example.com</saml2:NameID><saml2:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"><saml2:SubjectConfirmationData Recipient=\"https://login.salesforce.com/services/oauth2/token\" NotOnOrAfter=\"2023-11-14T22:18:20.000Z\"/></saml2:SubjectConfirmation></saml2:Subject><saml2:Conditions NotBefore=\"2023-11-14T22:13:20.000Z\" NotOnOrAfter=\"2023-11-14T22:18:20.000Z\"><saml2:AudienceRestriction><saml2:Audience>https://login.salesforce.com</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions></saml2:Assertion>";
    let signed = rsa_signer()
        .sign_xml(unsigned)
        .unwrap()
        .into_exposed_secret();
    assert!(
        signed.contains("<saml2:Issuer>3MVG9consumer</saml2:Issuer><ds:Signature"),
        "{signed}"
    );
    let ok = saml::verify(&signed, &rsa_public(), &validation(), now(), None).unwrap();
    assert_eq!(ok.id, "_bom");
}
