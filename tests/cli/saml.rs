//! `sign-saml` and `saml-bearer`: the printed assertion verifies with the
//! library's RFC 7522 verifier; bad SAML input is exit 2 with nothing sent.

use std::time::{Duration, SystemTime};

use s2s_oauth::Certificate;
use s2s_oauth::saml::{self, Validation};
use s2s_oauth::testkit::Profile;

use super::support::{CLIENT, TempDir, USER, endpoint, key, run, server, strs};
use super::{PROFILES, assert_profile_shape, assert_sent_auth, auth_flags};

/// A subject with every character XML escapes.
const HOSTILE: &str = "a&b<c>\"d'@example.com";

fn verify(xml: &str, cert: &str, audience: &str, recipient: &str) -> saml::VerifiedAssertion {
    let cert = Certificate::from_pem(std::fs::read(key(cert)).unwrap()).unwrap();
    let validation = Validation::new(audience, recipient).with_issuer(CLIENT);
    saml::verify(
        xml,
        &cert.verifying_key().unwrap(),
        &validation,
        SystemTime::now(),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}: {xml}"))
}

#[test]
fn saml_bearer_in_both_profiles_with_every_client_authentication() {
    for profile in PROFILES {
        for method in [
            "none",
            "basic",
            "post",
            "private-key-jwt",
            "client-secret-jwt",
        ] {
            let server = server(profile);
            let dir = TempDir::new();
            let mut args = vec!["saml-bearer".to_owned()];
            args.extend(endpoint(&server));
            args.extend(["--issuer", CLIENT, "--subject", USER].map(str::to_owned));
            args.extend(["--key".into(), key("rsa2048.pkcs8.pem")]);
            args.extend(["--cert".into(), key("rsa2048.cert.pem")]);
            args.extend(auth_flags(method, &dir));
            let json = run(&strs(&args)).json();
            assert_profile_shape(profile, &json, &server.base_url());
            let requests = server.requests();
            assert_eq!(requests.len(), 1);
            let grant = requests[0].form_value("grant_type");
            assert_eq!(grant, Some("urn:ietf:params:oauth:grant-type:saml2-bearer"));
            // The assertion as sent (base64url) is the one the library verifies.
            let sent = requests[0].form_value("assertion").unwrap();
            let xml = saml::decode_assertion_parameter(sent).unwrap();
            let verified = verify(
                &xml,
                "rsa2048.cert.pem",
                &server.audience(),
                &server.token_url(),
            );
            assert_eq!(verified.subject, USER);
            assert_sent_auth(&server, method);
        }
    }
}

#[test]
fn a_saml_refusal_is_exit_3() {
    let server = server(Profile::Salesforce);
    let mut args = vec!["saml-bearer".to_owned()];
    args.extend(endpoint(&server));
    args.extend(["--issuer", CLIENT, "--subject", USER].map(str::to_owned));
    args.extend(["--key".into(), key("rsa2048.pkcs8.pem")]);
    args.extend(["--cert".into(), key("rsa2048.cert.pem")]);
    let mut wrong_audience = args.clone();
    wrong_audience.extend(["--audience", "https://test.salesforce.com"].map(str::to_owned));
    assert_eq!(
        run(&strs(&wrong_audience)).failure(3),
        "error: invalid_grant: audience is invalid (HTTP 400)"
    );
    args.extend(["--recipient", "https://elsewhere.example/token"].map(str::to_owned));
    assert!(
        run(&strs(&args))
            .failure(3)
            .starts_with("error: invalid_grant: ")
    );
}

#[test]
fn sign_saml_output_verifies_for_rsa_and_p256() {
    let cases = [
        (
            "rsa2048.pkcs8.pem",
            "rsa2048.cert.pem",
            None,
            s2s_oauth::Algorithm::RS256,
        ),
        (
            "rsa2048.pkcs1.pem",
            "rsa2048.cert.pem",
            Some("RS512"),
            s2s_oauth::Algorithm::RS512,
        ),
        (
            "p256.pkcs8.pem",
            "p256.cert.pem",
            None,
            s2s_oauth::Algorithm::ES256,
        ),
    ];
    for (private, cert, alg, expected) in cases {
        let (private_path, cert_path) = (key(private), key(cert));
        let token_url = "https://test.salesforce.com/services/oauth2/token";
        let mut args = vec!["sign-saml", "--issuer", CLIENT];
        args.extend(["--audience", "https://test.salesforce.com"]);
        args.extend(["--recipient", token_url]);
        args.extend([
            "--subject",
            HOSTILE,
            "--key",
            &private_path,
            "--cert",
            &cert_path,
        ]);
        if let Some(alg) = alg {
            args.extend(["--alg", alg]);
        }
        // With --salesforce, an RSA key only, as Salesforce verifies.
        let preset = run(&[&args[..], &["--salesforce", "test"]].concat());
        if expected == s2s_oauth::Algorithm::ES256 {
            let line = preset.failure(2);
            assert!(
                line.contains("Salesforce verifies SAML signatures made with RSA only"),
                "{line}"
            );
        } else {
            assert_eq!(preset.code, 0, "{preset:?}");
        }
        let run = run(&args);
        assert_eq!(run.code, 0, "{run:?}");
        let xml = run.stdout.strip_suffix('\n').expect("a trailing newline");
        assert!(xml.starts_with("<saml:Assertion "), "{xml}");
        let verified = verify(xml, cert, "https://test.salesforce.com", token_url);
        assert_eq!(verified.subject, HOSTILE);
        assert_eq!(verified.algorithm, expected);
        let left = verified
            .expires_at
            .duration_since(SystemTime::now())
            .unwrap();
        assert!(
            left <= Duration::from_secs(180) && left > Duration::from_secs(120),
            "{left:?}"
        );
        // A tampered copy does not verify.
        let tampered = xml.replacen(CLIENT, "3MVG9-someone-else", 1);
        let cert = Certificate::from_pem(std::fs::read(key(cert)).unwrap()).unwrap();
        let validation = Validation::new("https://test.salesforce.com", token_url);
        let now = SystemTime::now();
        assert!(
            saml::verify(
                &tampered,
                &cert.verifying_key().unwrap(),
                &validation,
                now,
                None
            )
            .is_err()
        );
    }
}

#[test]
fn sign_saml_recipient_audience_and_lifetime_flags() {
    let (private, cert) = (key("rsa2048.pkcs8.pem"), key("rsa2048.cert.pem"));
    let args = [
        "sign-saml",
        "--issuer",
        CLIENT,
        "--subject",
        "alice",
        "--key",
        &private,
        "--cert",
        &cert,
        "--audience",
        "https://as.example",
        "--recipient",
        "https://as.example/token",
        "--lifetime",
        "60",
    ];
    let run = run(&args);
    assert_eq!(run.code, 0, "{run:?}");
    let verified = verify(
        run.stdout.trim_end(),
        "rsa2048.cert.pem",
        "https://as.example",
        "https://as.example/token",
    );
    let left = verified
        .expires_at
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(left <= Duration::from_secs(60), "{left:?}");
    // Without an endpoint or --recipient there is no Recipient to put in.
    let no_recipient = super::support::run(&args[..11]);
    assert!(
        no_recipient
            .failure(2)
            .contains("sign-saml needs --recipient URL"),
        "{no_recipient:?}"
    );
}

#[test]
fn bad_saml_input_is_exit_2_and_nothing_is_sent() {
    let server = server(Profile::Salesforce);
    let (rsa, rsa_cert, p256_cert) = (
        key("rsa2048.pkcs8.pem"),
        key("rsa2048.cert.pem"),
        key("p256.cert.pem"),
    );
    let base = |more: &[&str]| {
        let mut args = vec![
            "saml-bearer".to_owned(),
            "--salesforce".into(),
            server.base_url(),
        ];
        args.extend(["--issuer", CLIENT].map(str::to_owned));
        args.extend(more.iter().map(|s| s.to_string()));
        args
    };
    let cases = [
        (
            "certificate of another key",
            base(&["--subject", "u", "--key", &rsa, "--cert", &p256_cert]),
            "--key and --cert: the certificate does not belong to the private key",
        ),
        (
            "no --cert",
            base(&["--subject", "u", "--key", &rsa]),
            "saml-bearer needs --cert FILE",
        ),
        (
            "no --subject",
            base(&["--key", &rsa, "--cert", &rsa_cert]),
            "saml-bearer needs --subject SUB",
        ),
        (
            "a key as certificate",
            base(&["--subject", "u", "--key", &rsa, "--cert", &rsa]),
            "--cert ",
        ),
        (
            "PS256 for SAML",
            base(&[
                "--subject",
                "u",
                "--key",
                &rsa,
                "--cert",
                &rsa_cert,
                "--alg",
                "PS256",
            ]),
            "SAML assertions are signed with RS256, RS384, RS512",
        ),
        (
            "control character",
            base(&["--subject", "u\u{1}", "--key", &rsa, "--cert", &rsa_cert]),
            "error: ",
        ),
        (
            "--claim is JWT only",
            base(&["--claim", "a=1"]),
            "--claim does not apply to saml-bearer",
        ),
    ];
    for (name, args, expected) in cases {
        let run = run(&strs(&args));
        assert!(run.failure(2).contains(expected), "{name}: {run:?}");
    }
    assert!(server.requests().is_empty());
}
