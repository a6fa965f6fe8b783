//! `tls::check_certificate_binding` (RFC 8705 §3.1) on good and hostile `cnf`
//! claims, and the certificate names `tls_client_auth` matches (RFC 8705 §2.1.2):
//! no panic, a typed error for each malformed shape, a binding accepted only with
//! the certificate's own thumbprint.

use s2s_oauth::Certificate;
use s2s_oauth::tls::{BindingError, check_certificate_binding};
use serde_json::{Map, Value, json};

const CLIENT_CERT: &str = include_str!("data/tls/client.cert.pem");
const SELF_SIGNED: &str = include_str!("data/tls/self-signed-client.cert.pem");

fn cert(pem: &str) -> Certificate {
    Certificate::from_pem(pem).unwrap()
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn check(value: Value) -> Result<(), BindingError> {
    check_certificate_binding(&object(value), cert(CLIENT_CERT).der())
}

#[test]
fn the_certificate_own_thumbprint_is_accepted() {
    let presented = cert(CLIENT_CERT);
    // An independent SHA-256 of the DER (ring here, base64ct for the encoding).
    let digest = ring::digest::digest(&ring::digest::SHA256, presented.der());
    let thumbprint = {
        use base64ct::Encoding;
        base64ct::Base64UrlUnpadded::encode_string(digest.as_ref())
    };
    assert_eq!(thumbprint, presented.x5t_s256());
    assert_eq!(check(json!({"cnf": {"x5t#S256": thumbprint}})), Ok(()));
    // Other members of cnf (a DPoP jkt too) do not matter.
    assert_eq!(
        check(json!({"sub": "x", "cnf": {"x5t#S256": thumbprint, "jkt": "abc"}})),
        Ok(())
    );
}

#[test]
fn another_certificate_is_a_mismatch() {
    let other = cert(SELF_SIGNED).x5t_s256();
    assert_eq!(
        check(json!({"cnf": {"x5t#S256": other}})),
        Err(BindingError::Mismatch)
    );
    // The same thumbprint with one character changed.
    let mut changed = cert(CLIENT_CERT).x5t_s256().into_bytes();
    changed[0] = if changed[0] == b'A' { b'B' } else { b'A' };
    let changed = String::from_utf8(changed).unwrap();
    assert_eq!(
        check(json!({"cnf": {"x5t#S256": changed}})),
        Err(BindingError::Mismatch)
    );
}

#[test]
fn no_cnf_or_no_thumbprint_is_not_bound() {
    assert_eq!(check(json!({})), Err(BindingError::NoConfirmation));
    assert_eq!(
        check(json!({"cnf": {}})),
        Err(BindingError::NotCertificateBound)
    );
    assert_eq!(
        check(json!({"cnf": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}})),
        Err(BindingError::NotCertificateBound)
    );
    // x5t (SHA-1) is not x5t#S256.
    assert_eq!(
        check(json!({"cnf": {"x5t": cert(CLIENT_CERT).x5t()}})),
        Err(BindingError::NotCertificateBound)
    );
}

/// An empty certificate (what `peer_certificates().unwrap_or_default()` gives for
/// a connection without one) is "no certificate", never a match, even for a
/// `cnf` that carries the SHA-256 of zero bytes.
#[test]
fn no_certificate_presented_is_its_own_error_and_never_a_match() {
    let empty_digest = ring::digest::digest(&ring::digest::SHA256, b"");
    let empty_thumbprint = {
        use base64ct::Encoding;
        base64ct::Base64UrlUnpadded::encode_string(empty_digest.as_ref())
    };
    let claims = object(json!({"cnf": {"x5t#S256": empty_thumbprint}}));
    assert_eq!(
        check_certificate_binding(&claims, &[]),
        Err(BindingError::NoCertificatePresented)
    );
    let bound = object(json!({"cnf": {"x5t#S256": cert(CLIENT_CERT).x5t_s256()}}));
    let err = check_certificate_binding(&bound, &[]).unwrap_err();
    assert_eq!(err, BindingError::NoCertificatePresented);
    assert!(err.to_string().contains("present the certificate"), "{err}");
}

#[test]
fn hostile_shapes_are_malformed_never_accepted() {
    let good = cert(CLIENT_CERT).x5t_s256();
    let hostile = [
        json!({"cnf": null}),
        json!({"cnf": "x5t#S256"}),
        json!({"cnf": [good]}),
        json!({"cnf": 1}),
        json!({"cnf": {"x5t#S256": null}}),
        json!({"cnf": {"x5t#S256": 7}}),
        json!({"cnf": {"x5t#S256": [good]}}),
        json!({"cnf": {"x5t#S256": {"value": good}}}),
        json!({"cnf": {"x5t#S256": ""}}),
        // Padded, standard alphabet, whitespace, truncated, extended.
        json!({"cnf": {"x5t#S256": format!("{good}=")}}),
        json!({"cnf": {"x5t#S256": good.replace('-', "+").replace('_', "/") + "/+"}}),
        json!({"cnf": {"x5t#S256": format!(" {good}")}}),
        json!({"cnf": {"x5t#S256": &good[..42]}}),
        json!({"cnf": {"x5t#S256": format!("{good}A")}}),
        json!({"cnf": {"x5t#S256": format!("{good}AAAA")}}),
        // Hex of the digest, not base64url.
        json!({"cnf": {"x5t#S256": "ab".repeat(32)}}),
        // Large and odd input.
        json!({"cnf": {"x5t#S256": "A".repeat(1 << 20)}}),
        json!({"cnf": {"x5t#S256": "\u{0}".repeat(43)}}),
        json!({"cnf": {"x5t#S256": "é".repeat(43)}}),
    ];
    for claims in hostile {
        let result = check(claims.clone());
        let shown = claims.to_string();
        let shown = &shown[..shown.len().min(120)];
        match result {
            Err(BindingError::Malformed(why)) => {
                assert!(why.contains("cnf"), "{shown}: {why}");
            }
            // A string that happens to decode to 32 bytes is simply another thumbprint.
            Err(BindingError::Mismatch) => {}
            other => panic!("{shown}: {other:?}"),
        }
    }
    // A trailing character with unused bits set: a second encoding of one digest.
    let mut last_bits = good.clone().into_bytes();
    let last = last_bits.len() - 1;
    last_bits[last] = match last_bits[last] {
        b'A' => b'B',
        b'Q' => b'R',
        b'g' => b'h',
        b'w' => b'x',
        other => other,
    };
    if last_bits != good.as_bytes() {
        let claims = json!({"cnf": {"x5t#S256": String::from_utf8(last_bits).unwrap()}});
        assert!(matches!(check(claims), Err(BindingError::Malformed(_))));
    }
}

#[test]
fn errors_say_what_to_do() {
    for error in [
        BindingError::NoConfirmation,
        BindingError::NotCertificateBound,
        BindingError::Mismatch,
        BindingError::Malformed("cnf is not a JSON object (RFC 7800 §3.1)"),
    ] {
        let message = error.to_string();
        assert!(
            message.contains("cnf") || message.contains("x5t#S256"),
            "{message}"
        );
        assert!(message.contains("RFC"), "{message}");
    }
}

#[test]
fn certificate_names_for_tls_client_auth() {
    let client = cert(CLIENT_CERT);
    assert_eq!(
        client.subject_dn().unwrap(),
        "CN=mtls-client,O=s2s-oauth tests"
    );
    assert_eq!(client.dns_names().unwrap(), ["mtls-client.example"]);
    let self_signed = cert(SELF_SIGNED);
    assert_eq!(self_signed.subject_dn().unwrap(), "CN=self-signed-client");
    assert!(self_signed.dns_names().unwrap().is_empty());
    let loopback = cert(include_str!("data/tls/loopback.cert.pem"));
    assert_eq!(loopback.subject_dn().unwrap(), "CN=127.0.0.1");
    // IP addresses are not dNSNames.
    assert_eq!(loopback.dns_names().unwrap(), ["localhost"]);
}

#[test]
fn a_bundle_keeps_order_and_skips_keys() {
    let bundle = format!(
        "{}{}{CLIENT_CERT}",
        include_str!("data/tls/client.key.pem"),
        include_str!("data/tls/client-ca.cert.pem")
    );
    let all = Certificate::all_from_pem(&bundle).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].subject_dn().unwrap(), "CN=s2s-oauth-test-client-ca");
    assert_eq!(all[1], cert(CLIENT_CERT));
}

/// The usual resource-server path: a JWT access token verified with the crate's
/// verifier, then its `cnf` checked against the connection's certificate.
#[test]
fn a_verified_jwt_access_token_binding() {
    use ring::rand::SystemRandom;
    use s2s_oauth::SigningKey;
    use s2s_oauth::jwt::{Claims, Validation, verify};
    use std::time::{Duration, UNIX_EPOCH};

    let key = SigningKey::from_pem(include_str!("data/keys/p256.pkcs8.pem")).unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let presented = cert(CLIENT_CERT);
    let token = Claims::new("https://as.example", "mtls-client", "https://api.example")
        .with_claim("cnf", json!({ "x5t#S256": presented.x5t_s256() }))
        .unwrap()
        .sign_at(&key, now, &SystemRandom::new())
        .unwrap();
    let verified = verify(
        token.expose_secret(),
        &key.verifying_key(),
        &Validation::new("https://api.example").with_issuer("https://as.example"),
        now,
        None,
    )
    .unwrap();
    assert_eq!(
        check_certificate_binding(verified.claims(), presented.der()),
        Ok(())
    );
    assert_eq!(
        check_certificate_binding(verified.claims(), cert(SELF_SIGNED).der()),
        Err(BindingError::Mismatch)
    );
}
