//! The one fuzz harness: a function per target, each taking the fuzzer's bytes,
//! calling the crate's public entry points and asserting what must hold for any
//! input. `fuzz/fuzz_targets/*.rs` (cargo fuzz, nightly) and `tests/fuzz_corpus.rs`
//! (a normal `cargo test`, replaying `fuzz/corpus/*`) include this file with
//! `#[path]`, so a crash the fuzzer found stays fixed.
//!
//! The keys and certificates are the public test fixtures in `tests/data/keys`;
//! the seed tokens and assertions are signed with them at [`now`], so the verifiers
//! go deep on the seeds. The fuzzer cannot forge a signature: a token or an
//! assertion that verifies and is not one of the seeds is a bug.

#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::rand::SystemRandom;
use s2s_oauth::jwt::{Claims, Validation};
use s2s_oauth::saml;
use s2s_oauth::{
    Algorithm, Certificate, ClientAuth, Grant, HttpResponse, SigningKey, TokenRequest,
    TokenResponse, VerifyingKey,
};

/// A target: takes the fuzzer's bytes, panics on a finding.
pub type Target = fn(&[u8]);

/// Every target, by the name of its `fuzz/corpus` directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("keys", keys),
    ("token_response", token_response),
    ("jwt", jwt),
    ("saml_canonicalize", saml_canonicalize),
    ("saml_verify", saml_verify),
    ("token_url", token_url),
    ("discovery", discovery),
    ("dpop_proof", dpop_proof),
    ("mtls", mtls),
    ("token_source", token_source),
    ("introspection", introspection),
    ("token_endpoint", token_endpoint),
    ("jwks", jwks),
];

const RSA_KEY: &str = include_str!("../tests/data/keys/rsa2048.pkcs8.pem");
const RSA_CERT: &str = include_str!("../tests/data/keys/rsa2048.cert.pem");
const P256_KEY: &str = include_str!("../tests/data/keys/p256.pkcs8.pem");
const P256_CERT: &str = include_str!("../tests/data/keys/p256.cert.pem");
const HMAC_SECRET: &[u8] = b"the fuzz harness's shared secret, 32+ bytes";

/// The issuer, subject, audience and token endpoint of every seed.
pub const ISSUER: &str = "fuzz-client";
/// The subject of every seed.
pub const SUBJECT: &str = "fuzz-user";
/// The audience of every seed.
pub const AUDIENCE: &str = "https://as.example";
/// The token endpoint (JWT audience, SAML recipient) of every seed.
pub const TOKEN_URL: &str = "https://as.example/token";

/// The fixed clock: the seeds are signed at this time and verified at it.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

struct Fixtures {
    hmac: VerifyingKey,
    rsa: VerifyingKey,
    p256: VerifyingKey,
    rsa_signer: SigningKey,
    p256_signer: SigningKey,
    hmac_signer: SigningKey,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let rsa_signer = SigningKey::from_pem(RSA_KEY).expect("fixture key");
        let p256_signer = SigningKey::from_pem(P256_KEY).expect("fixture key");
        let hmac_signer = SigningKey::hmac(HMAC_SECRET).expect("fixture secret");
        Fixtures {
            hmac: hmac_signer.verifying_key(),
            rsa: Certificate::from_pem(RSA_CERT)
                .and_then(|c| c.verifying_key())
                .expect("fixture certificate"),
            p256: Certificate::from_pem(P256_CERT)
                .and_then(|c| c.verifying_key())
                .expect("fixture certificate"),
            rsa_signer,
            p256_signer,
            hmac_signer,
        }
    })
}

fn utf8(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Formats an error both ways: `Display` and `Debug` must not panic either.
fn show(error: &s2s_oauth::Error) {
    let _ = format!("{error} {error:?} {:?}", error.retry_after());
    let _ = (error.is_retryable(), error.is_local(), error.status());
}

// ---------------------------------------------------------------- keys

/// Key loading, PEM and DER, private and public, every algorithm: no panic; a
/// private key that loads signs a message its own public half verifies.
pub fn keys(data: &[u8]) {
    let message = b"fuzz";
    let rng = SystemRandom::new();
    match SigningKey::from_pem(data) {
        Ok(key) => check_pair(&key, message, &rng),
        Err(e) => show(&e.into()),
    }
    match SigningKey::from_der(data) {
        Ok(key) => check_pair(&key, message, &rng),
        Err(e) => show(&e.into()),
    }
    rsa_only_agrees(SigningKey::from_pem(data), SigningKey::from_rsa_pem(data));
    rsa_only_agrees(SigningKey::from_der(data), SigningKey::from_rsa_der(data));
    let public = [
        VerifyingKey::from_pem(data),
        VerifyingKey::from_spki_der(data),
    ];
    for key in public {
        match key {
            Ok(key) => {
                // A loaded public key refuses a signature that is not one.
                for &alg in key.key_type().algorithms() {
                    assert!(key.verify(alg, message, &[0u8; 64]).is_err());
                }
                let _ = format!("{key:?}");
            }
            Err(e) => show(&e.into()),
        }
    }
    let certificates = [Certificate::from_pem(data), Certificate::from_der(data)];
    for certificate in certificates {
        match certificate {
            Ok(c) => {
                let _ = (c.x5t(), c.x5t_s256(), format!("{c:?}"));
                match c.verifying_key() {
                    Ok(key) => {
                        let _ = key.key_type();
                    }
                    Err(e) => show(&e.into()),
                }
            }
            Err(e) => show(&e.into()),
        }
    }
}

/// The RSA-only loader against the one for every key type, on the same input: the
/// same RSA key, `NotRsa` naming any other key's type, and for a refusal the same
/// error (or `NotRsa`: a damaged EC key is refused as not RSA before its damage is
/// found).
fn rsa_only_agrees(
    any: Result<SigningKey, s2s_oauth::error::KeyError>,
    rsa: Result<SigningKey, s2s_oauth::error::KeyError>,
) {
    use s2s_oauth::KeyType;
    use s2s_oauth::error::KeyError;
    match (any, rsa) {
        (Ok(any), Ok(rsa)) => {
            assert!(matches!(any.key_type(), KeyType::Rsa { .. }));
            assert_eq!(rsa.key_type(), any.key_type());
            assert_eq!(rsa.public_jwk(), any.public_jwk());
        }
        (Ok(any), Err(e)) => {
            assert!(
                !matches!(any.key_type(), KeyType::Rsa { .. }),
                "an RSA key refused by the RSA-only loader: {e:?}"
            );
            assert_eq!(e, KeyError::NotRsa(any.key_type()));
        }
        (Err(e), Ok(_)) => panic!("only the RSA-only loader took it (the other: {e})"),
        (Err(any), Err(rsa)) => {
            // NotRsa never names RSA.
            assert!(
                rsa == any
                    || matches!(rsa, KeyError::NotRsa(key) if !matches!(key, KeyType::Rsa { .. })),
                "{any:?} / {rsa:?}"
            )
        }
    }
}

fn check_pair(key: &SigningKey, message: &[u8], rng: &SystemRandom) {
    let _ = format!("{key:?}");
    let signature = key.sign(message, rng).expect("a loaded key signs");
    key.verifying_key()
        .verify(key.algorithm(), message, &signature)
        .expect("a loaded key's public half verifies its signature");
}

// ---------------------------------------------------------------- HTTP responses

/// Reads the input as `STATUS\nname: value\n...\n\nBODY` (the text form the seeds
/// use); `None` when the first line is not a status code.
pub fn http_response(data: &[u8]) -> Option<HttpResponse> {
    let line_end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let status: u16 = utf8(&data[..line_end])?.trim().parse().ok()?;
    let mut rest = data.get(line_end + 1..).unwrap_or_default();
    let mut headers = Vec::new();
    loop {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let line = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or_default();
        if line.is_empty() {
            break;
        }
        let line = String::from_utf8_lossy(line);
        let (name, value) = line.split_once(':').unwrap_or((&line, ""));
        headers.push((name.to_owned(), value.trim_start().to_owned()));
    }
    Some(HttpResponse::new(status, headers, rest.to_vec()))
}

/// `TokenResponse::parse` (with the resource-server and Salesforce readers of the
/// same response): no panic; a response that parses has a non-empty access token
/// and an expiry not before it was received.
pub fn token_response(data: &[u8]) {
    let Some(response) = http_response(data) else {
        return;
    };
    let _ = response.is_token_rejected();
    let _ = s2s_oauth::providers::salesforce::classify_api_response(&response);
    match TokenResponse::parse(&response, now()) {
        Ok(token) => {
            assert!(!token.access_token().expose_secret().is_empty());
            if let Some(expires_at) = token.expires_at() {
                assert!(expires_at >= now());
            }
            let _ = format!("{token:?}");
            let _ = token.to_json_exposing_secrets().to_string();
            if let Err(e) = s2s_oauth::providers::salesforce::TokenInfo::from_response(&token) {
                show(&e);
            }
            salesforce_exchange_answers(&token);
            let secret = s2s_oauth::secret::ClientSecret::new("fuzz-consumer-secret");
            if let Err(e) = s2s_oauth::providers::salesforce::verify_signature(&token, &secret) {
                show(&e);
            }
        }
        Err(e) => show(&e),
    }
}

/// The Salesforce token exchange readers: a Data Cloud `instance_url` that is read
/// is an http(s) base URL (http only on loopback) with no query, fragment or
/// userinfo; an asset token that is read came with `issued_token_type` JWT.
fn salesforce_exchange_answers(token: &TokenResponse) {
    use s2s_oauth::providers::salesforce::{AssetToken, DataCloudToken};
    match DataCloudToken::from_response(token) {
        Ok(tenant) => {
            let url = tenant.instance_url();
            let https = url.starts_with("https://");
            assert!(
                https
                    || url.starts_with("http://127.")
                    || url.starts_with("http://localhost")
                    || url.starts_with("http://[::1]"),
                "a Data Cloud instance_url that is no https or loopback URL was accepted: {url:?}"
            );
            assert!(!url.contains(['?', '#', '@']), "{url:?}");
            assert!(!url.ends_with('/'), "{url:?}");
        }
        Err(e) => show(&e),
    }
    match AssetToken::from_response(token) {
        Ok(asset) => {
            assert_eq!(
                asset.token().expose_secret(),
                token.access_token().expose_secret()
            );
            assert!(!token.is_access_token());
        }
        Err(e) => show(&e),
    }
}

/// `Introspection::parse` (RFC 7662 §2.2), `parse_revocation` (RFC 7009 §2.2) and
/// Salesforce's `UserInfo::parse` / `Identity::parse` of the same response: no
/// panic; an answer that parses has a boolean `active` equal to `is_active()` in
/// the JSON it prints, scope tokens that are non-empty and hold no space, and
/// the members it typed are not in `extra()`; a revocation is `Ok` exactly for a
/// 200.
pub fn introspection(data: &[u8]) {
    use s2s_oauth::introspection::{Introspection, parse_revocation};
    use s2s_oauth::providers::salesforce::{Identity, UserInfo};
    let Some(response) = http_response(data) else {
        return;
    };
    match Introspection::parse(&response) {
        Ok(answer) => {
            let printed: serde_json::Value =
                serde_json::from_str(&answer.to_json()).expect("to_json prints JSON");
            assert_eq!(printed["active"].as_bool(), Some(answer.is_active()));
            for token in answer.scope() {
                assert!(!token.is_empty() && !token.contains(' '), "{token:?}");
            }
            for typed in ["active", "scope", "exp", "aud", "cnf", "client_id"] {
                assert!(!answer.extra().contains_key(typed), "{typed} in extra");
            }
            let _ = (
                answer.expires_at(),
                answer.issued_at(),
                answer.not_before(),
                answer.audience(),
                answer.confirmation(),
                answer.token_type(),
                format!("{answer:?}"),
            );
        }
        Err(e) => show(&e),
    }
    match parse_revocation(&response) {
        Ok(()) => assert_eq!(response.status(), 200),
        Err(e) => {
            assert_ne!(response.status(), 200);
            show(&e);
        }
    }
    match UserInfo::parse(&response) {
        Ok(info) => {
            assert!(!info.extra().contains_key("user_id"));
            let _ = format!("{info:?}");
        }
        Err(e) => show(&e),
    }
    match Identity::parse(&response) {
        Ok(identity) => {
            assert!(!identity.extra().contains_key("username"));
            let _ = format!("{identity:?}");
        }
        Err(e) => show(&e),
    }
}

/// `AuthorizationServerMetadata::parse` for a fixed issuer: no panic; metadata that
/// parses names that issuer and a token endpoint `TokenRequest::new` accepts.
pub fn discovery(data: &[u8]) {
    let Some(response) = http_response(data) else {
        return;
    };
    match s2s_oauth::discovery::AuthorizationServerMetadata::parse(&response, AUDIENCE) {
        Ok(metadata) => {
            // The issuer compares with its origin's case folded and "/" for no path.
            let found = metadata.issuer().to_ascii_lowercase();
            assert!(
                found == AUDIENCE || found == format!("{AUDIENCE}/"),
                "metadata of another issuer was accepted: {found:?}"
            );
            token_url_accepted(metadata.token_endpoint());
            let _ = (
                metadata.grant_types_supported(),
                metadata.auth_methods_supported(),
                metadata.auth_signing_algs_supported(),
                metadata.scopes_supported(),
                metadata.supports_grant(&Grant::client_credentials()),
                metadata.choose_client_auth([ClientAuth::none()]),
                format!("{metadata:?}"),
            );
        }
        Err(e) => show(&e),
    }
}

// ---------------------------------------------------------------- token URL

/// The token URL check behind `TokenRequest::new`: no panic; a URL that passes is
/// `https://`, or `http://` on a loopback host, with no userinfo and no fragment.
pub fn token_url(data: &[u8]) {
    let Some(url) = utf8(data) else {
        return;
    };
    match TokenRequest::new(url, Grant::client_credentials(), ClientAuth::none()) {
        Ok(request) => {
            assert_eq!(request.token_url(), url);
            token_url_accepted(url);
        }
        Err(e) => show(&e),
    }
}

/// What an accepted token URL must look like, checked independently of the crate.
fn token_url_accepted(url: &str) {
    assert!(!url.contains('#'), "a fragment was accepted: {url:?}");
    let (scheme, rest) = url.split_once("://").expect("an absolute URL");
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    assert!(!authority.contains('@'), "userinfo was accepted: {url:?}");
    assert!(!authority.is_empty(), "no host, accepted: {url:?}");
    if scheme.eq_ignore_ascii_case("https") {
        return;
    }
    assert!(scheme.eq_ignore_ascii_case("http"), "scheme of {url:?}");
    let host = match authority.strip_prefix('[') {
        Some(v6) => &v6[..v6.find(']').expect("a closed IPv6 literal")],
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
        || host
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    assert!(loopback, "plain http to a non-loopback host: {url:?}");
}

// ---------------------------------------------------------------- JWT

/// The seed JWTs: every claim fixed (`jti` too), signed at [`now`] with HS256,
/// RS256, PS256 and ES256. Their signing inputs do not depend on the signature's
/// randomness.
pub fn seed_jwts() -> Vec<String> {
    let f = fixtures();
    let rng = SystemRandom::new();
    let claims = Claims::new(ISSUER, SUBJECT, TOKEN_URL)
        .with_jti("fuzz-jti-1")
        .with_claim("scope", "api")
        .expect("a custom claim");
    let minimal = Claims::without_subject(ISSUER, TOKEN_URL)
        .with_jti("fuzz-jti-2")
        .with_not_before();
    let keys = [
        f.hmac_signer.clone(),
        f.rsa_signer.clone(),
        f.rsa_signer
            .clone()
            .with_algorithm(Algorithm::PS256)
            .expect("PS256 fits an RSA key"),
        f.p256_signer.clone().with_kid("p256"),
    ];
    let mut tokens = Vec::new();
    for key in &keys {
        for claims in [&claims, &minimal] {
            let token = claims.sign_at(key, now(), &rng).expect("seed signs");
            tokens.push(token.expose_secret().to_owned());
        }
    }
    tokens
}

fn seed_signing_inputs() -> &'static [String] {
    static INPUTS: OnceLock<Vec<String>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        seed_jwts()
            .iter()
            .map(|t| t[..t.rfind('.').expect("three parts")].to_owned())
            .collect()
    })
}

/// `UnverifiedJwt::decode` and `verify` with fixed HMAC, RSA and P-256 keys: no
/// panic; a token that verifies was signed by the harness (its signing input is a
/// seed's) and its facts are the seed's.
pub fn jwt(data: &[u8]) {
    jwt_accepted(data);
}

/// [`jwt`], returning how many of the fixed keys accepted the token.
pub fn jwt_accepted(data: &[u8]) -> usize {
    let mut accepted = 0;
    let Some(token) = utf8(data) else {
        return accepted;
    };
    if let Ok(unverified) = s2s_oauth::jwt::UnverifiedJwt::decode(token) {
        let _ = (
            unverified.issuer(),
            unverified.subject(),
            unverified.kid(),
            unverified.algorithm_name(),
            format!("{unverified:?}"),
        );
    }
    let f = fixtures();
    let validation = Validation::new(TOKEN_URL)
        .with_issuer(ISSUER)
        .allow_missing_subject();
    for key in [&f.hmac, &f.rsa, &f.p256] {
        match s2s_oauth::jwt::verify(token, key, &validation, now(), None) {
            Ok(verified) => {
                let signing_input = &token[..token.rfind('.').expect("a verified JWT has dots")];
                assert!(
                    seed_signing_inputs().iter().any(|s| s == signing_input),
                    "a token the harness did not sign verified: {token:?}"
                );
                assert_eq!(verified.issuer(), ISSUER);
                assert!(verified.audiences().contains(&TOKEN_URL));
                assert!(verified.expires_at() > now());
                accepted += 1;
            }
            Err(e) => show(&e),
        }
    }
    accepted
}

// ---------------------------------------------------------------- SAML

/// `saml::canonicalize` with and without comments: no panic; the output is its own
/// canonical form (canonicalizing it again changes nothing).
pub fn saml_canonicalize(data: &[u8]) {
    let Some(xml) = utf8(data) else {
        return;
    };
    for options in [saml::C14n::new(), saml::C14n::new().with_comments()] {
        if let Ok(once) = saml::canonicalize_with(xml, &options) {
            let twice = saml::canonicalize_with(&once, &options)
                .expect("canonical XML canonicalizes again");
            assert_eq!(once, twice, "canonicalization is not idempotent");
        }
    }
}

/// The seed assertions: fixed IDs, signed at [`now`] with RSA (SHA-256 and legacy
/// SHA-1 digests) and P-256.
pub fn seed_assertions() -> Vec<String> {
    let f = fixtures();
    let rng = SystemRandom::new();
    let rsa = saml::Signer::new(
        f.rsa_signer.clone(),
        Certificate::from_pem(RSA_CERT).expect("fixture"),
    )
    .expect("RSA signer");
    let p256 = saml::Signer::new(
        f.p256_signer.clone(),
        Certificate::from_pem(P256_CERT).expect("fixture"),
    )
    .expect("P-256 signer");
    let plain = saml::Assertion::new(ISSUER, SUBJECT, AUDIENCE, TOKEN_URL).with_id("_fuzz1");
    let full = saml::Assertion::new(ISSUER, SUBJECT, AUDIENCE, TOKEN_URL)
        .with_id("_fuzz2")
        .with_name_id_format("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
        .with_audience("https://other.example")
        .with_authn_statement("urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified")
        .with_attribute(saml::Attribute::new("role", "admin").with_value("user &<>\"'"));
    let mut out = Vec::new();
    for (assertion, signer) in [(&plain, &rsa), (&full, &p256)] {
        out.push(assertion.sign_at(signer, now(), &rng).expect("signs"));
    }
    let sha1 = rsa.with_legacy_sha1_digest();
    let legacy = saml::Assertion::new(ISSUER, SUBJECT, AUDIENCE, TOKEN_URL).with_id("_fuzz3");
    out.push(legacy.sign_at(&sha1, now(), &rng).expect("signs"));
    out.iter().map(|a| a.expose_secret().to_owned()).collect()
}

const SEED_ASSERTION_IDS: [&str; 3] = ["_fuzz1", "_fuzz2", "_fuzz3"];

/// `saml::verify` with the fixture RSA and P-256 keys (and `peek_issuer`,
/// `decode_assertion_parameter`): no panic; an assertion that verifies is a seed:
/// its ID, issuer, subject and recipient-bound facts are the seed's.
pub fn saml_verify(data: &[u8]) {
    saml_accepted(data);
}

/// [`saml_verify`], returning how many of the fixed keys accepted the assertion.
pub fn saml_accepted(data: &[u8]) -> usize {
    let mut accepted = 0;
    let Some(text) = utf8(data) else {
        return accepted;
    };
    if let Ok(decoded) = saml::decode_assertion_parameter(text) {
        assert!(decoded.len() <= saml::MAX_ASSERTION_LEN);
    }
    if let Ok(issuer) = saml::peek_issuer(text) {
        let _ = issuer;
    }
    let f = fixtures();
    let validation = saml::Validation::new(AUDIENCE, TOKEN_URL)
        .with_issuer(ISSUER)
        .allow_legacy_sha1_digest();
    for key in [&f.rsa, &f.p256] {
        match saml::verify(text, key, &validation, now(), None) {
            Ok(verified) => {
                assert!(
                    SEED_ASSERTION_IDS.contains(&verified.id.as_str()),
                    "an assertion the harness did not sign verified: {text:?}"
                );
                assert_eq!(verified.issuer, ISSUER);
                assert_eq!(verified.subject, SUBJECT);
                assert!(verified.audiences.iter().any(|a| a == AUDIENCE));
                assert!(verified.expires_at > now());
                accepted += 1;
            }
            Err(e) => show(&e),
        }
    }
    accepted
}

// ---------------------------------------------------------------- DPoP

/// The resource URL and access token of the seed proofs that carry `ath`.
pub const DPOP_RESOURCE: &str = "https://api.example/v1/items";
/// The access token of the seed proofs that carry `ath`.
pub const DPOP_TOKEN: &str = "fuzz-access-token";
/// The nonce of the seed proofs that carry one.
pub const DPOP_NONCE: &str = "fuzz-nonce";

/// The seed proofs (RFC 9449 §4.2), every claim fixed (`jti` too), signed at
/// [`now`] with the RSA and P-256 fixture keys: for the token endpoint (with and
/// without a nonce) and for the resource (with `ath`). Their signing inputs do not
/// depend on the signature's randomness.
pub fn seed_proofs() -> Vec<String> {
    let f = fixtures();
    let rng = SystemRandom::new();
    let iat = now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let ath = s2s_oauth::jwt::dpop::access_token_hash(DPOP_TOKEN);
    let claims = [
        format!(r#"{{"jti":"fuzz-dpop-1","htm":"POST","htu":"{TOKEN_URL}","iat":{iat}}}"#),
        format!(
            r#"{{"jti":"fuzz-dpop-2","htm":"POST","htu":"{TOKEN_URL}","iat":{iat},"nonce":"{DPOP_NONCE}"}}"#
        ),
        format!(
            r#"{{"jti":"fuzz-dpop-3","htm":"GET","htu":"{DPOP_RESOURCE}","iat":{iat},"ath":"{ath}"}}"#
        ),
    ];
    let b64 = |bytes: &[u8]| {
        use base64ct::Encoding as _;
        base64ct::Base64UrlUnpadded::encode_string(bytes)
    };
    let mut proofs = Vec::new();
    for key in [&f.p256_signer, &f.rsa_signer] {
        let jwk = key.public_jwk().expect("an asymmetric fixture key");
        let header = format!(
            r#"{{"typ":"dpop+jwt","alg":"{}","jwk":{jwk}}}"#,
            key.algorithm().as_str()
        );
        for claims in &claims {
            let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
            let signature = key.sign(input.as_bytes(), &rng).expect("seed signs");
            proofs.push(format!("{input}.{}", b64(&signature)));
        }
    }
    proofs
}

fn seed_proof_inputs() -> &'static [String] {
    static INPUTS: OnceLock<Vec<String>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        seed_proofs()
            .iter()
            .map(|t| t[..t.rfind('.').expect("three parts")].to_owned())
            .collect()
    })
}

/// `dpop::verify_proof` at the token endpoint (with and without a required
/// nonce) and at the resource (with the access token and its binding): no panic;
/// a proof that verifies was signed by the harness (its signing input is a seed's),
/// by a fixture key, and is refused as a replay the second time.
pub fn dpop_proof(data: &[u8]) {
    dpop_accepted(data);
}

/// [`dpop_proof`], returning how many of the checks accepted the proof.
pub fn dpop_accepted(data: &[u8]) -> usize {
    use s2s_oauth::jwt::Confirmation;
    use s2s_oauth::jwt::dpop::{DpopError, ProofValidation, verify_proof};
    let Some(proof) = utf8(data) else {
        return 0;
    };
    let f = fixtures();
    let thumbprints = [
        f.p256_signer.jwk_thumbprint().expect("a public key"),
        f.rsa_signer.jwk_thumbprint().expect("a public key"),
    ];
    let p256 = Confirmation::default().with_jkt(thumbprints[0].clone());
    let rsa = Confirmation::default().with_jkt(thumbprints[1].clone());
    let checks = [
        ProofValidation::new("POST", TOKEN_URL),
        ProofValidation::new("POST", TOKEN_URL).with_nonce(DPOP_NONCE),
        ProofValidation::new("GET", DPOP_RESOURCE).with_access_token(DPOP_TOKEN, &p256),
        ProofValidation::new("GET", DPOP_RESOURCE).with_access_token(DPOP_TOKEN, &rsa),
    ];
    let mut accepted = 0;
    for check in &checks {
        let mut seen = std::collections::HashMap::new();
        match verify_proof(proof, check, now(), &mut seen) {
            Ok(verified) => {
                let signing_input = &proof[..proof.rfind('.').expect("a verified proof has dots")];
                assert!(
                    seed_proof_inputs().iter().any(|s| s == signing_input),
                    "a proof the harness did not sign verified: {proof:?}"
                );
                assert!(thumbprints.iter().any(|t| t == verified.jkt()));
                assert!(verified.jti().starts_with("fuzz-dpop-"));
                assert_eq!(
                    verify_proof(proof, check, now(), &mut seen).map(|_| ()),
                    Err(DpopError::Replayed)
                );
                accepted += 1;
            }
            Err(e) => {
                let _ = (e.to_string(), e.error_code(), format!("{e:?}"));
            }
        }
    }
    accepted
}

// ---------------------------------------------------------------- mutual TLS

/// The client certificate the `mtls` seeds are bound to.
const MTLS_CERT: &str = include_str!("../tests/data/tls/client.cert.pem");

/// RFC 8705's parsers: a certificate bundle (PEM) or certificate (DER) and the
/// names a `tls_client_auth` server matches (subject DN, dNSNames); and the
/// `cnf` binding check on a JSON claims object. No panic; a binding accepted
/// only with the certificate's own thumbprint.
pub fn mtls(data: &[u8]) {
    if let Ok(certificates) = Certificate::all_from_pem(data) {
        assert!(!certificates.is_empty(), "an empty bundle was accepted");
        for certificate in &certificates {
            let _ = (certificate.subject_dn(), certificate.dns_names());
        }
    }
    if let Ok(certificate) = Certificate::from_der(data) {
        let _ = (certificate.subject_dn(), certificate.dns_names());
    }
    let Ok(serde_json::Value::Object(claims)) = serde_json::from_slice(data) else {
        return;
    };
    let Ok(presented) = Certificate::from_pem(MTLS_CERT) else {
        return;
    };
    if s2s_oauth::tls::check_certificate_binding(&claims, presented.der()).is_ok() {
        assert_eq!(
            claims["cnf"]["x5t#S256"].as_str(),
            Some(presented.x5t_s256().as_str()),
            "a binding to another thumbprint was accepted"
        );
    }
}

// ---------------------------------------------------------------- token_source

/// What a token source parses: the first byte picks the parser, the rest is its
/// input. `0`: an executable's stdout (Google's executable-sourced contract, as of
/// [`now`]); `1`: a GitHub Actions OIDC answer (an HTTP response, as
/// [`http_response`] reads one), also read as an IAM Credentials
/// `generateAccessToken` answer; `2`: a token type and a `resource`; `3`: a token
/// response's `issued_token_type` / `N_A` readers. No panic; a token that parses
/// is a non-empty part of the input; a token type that parses round-trips.
pub fn token_source(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 5 {
        0 => {
            let exe =
                s2s_oauth::exchange::Executable::new("/fuzz/helper").expect("an absolute program");
            match exe.parse_output(rest, now()) {
                Ok(token) => {
                    let token = token.expose_secret();
                    assert!(!token.is_empty());
                    // JSON escapes aside, the token's bytes were in the input.
                    if !rest.contains(&b'\\') {
                        assert!(
                            rest.windows(token.len()).any(|w| w == token.as_bytes()),
                            "a token that is not in the output"
                        );
                    }
                }
                Err(e) => show(&e),
            }
        }
        1 => {
            let Some(response) = http_response(rest) else {
                return;
            };
            match s2s_oauth::providers::github_actions::parse(&response) {
                Ok(token) => {
                    assert_eq!(response.status(), 200);
                    assert!(!token.expose_secret().is_empty());
                }
                Err(e) => show(&e),
            }
            // The same answer read as IAM Credentials generateAccessToken's.
            use s2s_oauth::providers::google::ExternalAccount;
            match ExternalAccount::parse_impersonation_response(&response, now()) {
                Ok(token) => {
                    assert_eq!(response.status(), 200);
                    assert!(!token.access_token().expose_secret().is_empty());
                }
                Err(e) => show(&e),
            }
        }
        2 => {
            let Some(text) = utf8(rest) else {
                return;
            };
            if let Ok(parsed) = s2s_oauth::exchange::TokenTypeUri::parse(text) {
                let uri = parsed.as_str();
                assert!(!uri.is_empty() && !uri.contains(char::is_whitespace));
                assert_eq!(
                    s2s_oauth::exchange::TokenTypeUri::parse(uri).ok(),
                    Some(parsed.clone())
                );
            }
            let exchange = s2s_oauth::exchange::TokenExchange::new(
                s2s_oauth::exchange::TokenSource::new("t"),
                s2s_oauth::exchange::TokenTypeUri::Jwt,
            );
            if let Ok(exchange) = exchange.with_resource(text) {
                let resource = &exchange.resources()[0];
                assert!(!resource.contains('#') && resource.contains(':'));
            }
        }
        4 => {
            // A Google credential file: an accepted external_account sends only to
            // a Google endpoint, never elsewhere (not even to this machine).
            use s2s_oauth::providers::google::{Credentials, LoadOptions};
            match Credentials::from_json(rest, &LoadOptions::new()) {
                Ok(Credentials::ExternalAccount(account)) => {
                    for url in
                        std::iter::once(account.token_url()).chain(account.impersonation_url())
                    {
                        let rest = url
                            .strip_prefix("https://")
                            .or_else(|| url.strip_prefix("http://"))
                            .expect("an http(s) URL");
                        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
                        let name = host
                            .rsplit_once(':')
                            .map_or(host, |(h, _)| h)
                            .to_ascii_lowercase();
                        // Loopback only with LoadOptions::allow_loopback_endpoints.
                        assert!(
                            name.ends_with(".googleapis.com"),
                            "an endpoint off Google: {url}"
                        );
                    }
                }
                Ok(Credentials::ServiceAccount(_)) => {}
                Err(e) => show(&e),
            }
        }
        _ => {
            let Some(response) = http_response(rest) else {
                return;
            };
            if let Ok(token) = TokenResponse::parse(&response, now()) {
                let not_applicable = token
                    .token_type()
                    .is_some_and(|t| t.as_str().eq_ignore_ascii_case("N_A"));
                if not_applicable {
                    assert!(!token.is_access_token());
                }
                let _ = token.issued_token_type_uri();
            }
        }
    }
}

// ---------------------------------------------------------------- token_endpoint

/// The client secret of [`token_endpoint`]'s `fuzz-basic` client: every
/// character clients disagree on when they write Basic credentials.
pub const ENDPOINT_SECRET: &str = "p+ss/w rd:%41=&";

/// `server::Request::parse` and `server::authenticate` (and the JWT bearer
/// verifier) on a request written as `METHOD\nName: value\n...\n\nbody`. No
/// panic; a refusal has a bounded description and renders; a client that
/// authenticates is one whose credentials the request can carry: `fuzz-basic`
/// by a secret, [`ISSUER`] by a seed assertion (the fuzzer cannot sign one).
pub fn token_endpoint(data: &[u8]) {
    token_endpoint_accepted(data);
}

/// [`token_endpoint`], returning how many checks the request passed: 1 for an
/// authenticated client, 2 when a JWT bearer grant verified too.
pub fn token_endpoint_accepted(data: &[u8]) -> usize {
    use s2s_oauth::server::{self, Client, Endpoint, Issuer, Method, Request};
    use std::collections::HashMap;

    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &b""[..]),
    };
    let Some(head) = utf8(head) else { return 0 };
    let mut lines = head.split('\n');
    let method = lines.next().unwrap_or_default();
    let headers: Vec<(&str, &str)> = lines.filter_map(|l| l.split_once(':')).collect();
    let request = match Request::parse(method, &headers, body) {
        Ok(request) => request,
        Err(refusal) => {
            check_refusal(&refusal);
            return 0;
        }
    };
    let _ = format!("{request:?}");
    let f = fixtures();
    let clients = vec![
        Client::new("fuzz-basic").with_secret(ENDPOINT_SECRET),
        Client::new(ISSUER).with_keys(vec![f.rsa.clone(), f.p256.clone()]),
        Client::new("fuzz-public"),
    ];
    let endpoint = Endpoint::new(TOKEN_URL).with_client_assertion_audience(AUDIENCE);
    let mut seen: HashMap<String, SystemTime> = HashMap::new();
    let mut accepted = 0;
    match server::authenticate(&request, &clients, &endpoint, None, &mut seen, now()) {
        Ok(caller) => {
            let id = caller.client().map(|c| c.id());
            match caller.method() {
                Method::ClientSecretBasic | Method::ClientSecretPost => {
                    assert_eq!(
                        id,
                        Some("fuzz-basic"),
                        "a secret authenticated another client"
                    );
                    accepted = 1;
                }
                Method::PrivateKeyJwt => {
                    assert_eq!(id, Some(ISSUER));
                    let assertion = request.param("client_assertion").unwrap_or_default();
                    // ECDSA signs differently each time: compare what was signed.
                    let signed =
                        |jwt: &str| jwt.rsplit_once('.').map(|(input, _)| input.to_owned());
                    assert!(
                        seed_client_assertions()
                            .iter()
                            .any(|s| signed(s) == signed(assertion)),
                        "a client assertion that is no seed verified"
                    );
                    accepted = 1;
                }
                Method::None => assert!(caller.require().is_err()),
                other => panic!("{other:?} with no client certificate"),
            }
        }
        Err(refusal) => check_refusal(&refusal),
    }
    let issuers = vec![Issuer::new(ISSUER).with_keys(f.rsa.clone())];
    match server::verify_jwt_bearer(&request, &issuers, &endpoint, &mut seen, now()) {
        Ok(grant) => {
            assert_eq!(grant.issuer(), ISSUER);
            accepted += 1;
        }
        Err(refusal) => check_refusal(&refusal),
    }
    accepted
}

fn check_refusal(refusal: &s2s_oauth::server::Refusal) {
    assert!(
        refusal.description().len() < 2048,
        "an unbounded description: {} bytes",
        refusal.description().len()
    );
    let response = refusal.to_http_response();
    assert!(
        matches!(response.status(), 400 | 401 | 405 | 413),
        "{}",
        response.status()
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let _ = format!("{refusal} {refusal:?}");
}

/// Client assertions of [`ISSUER`] for [`TOKEN_URL`], signed at [`now`] by the
/// RSA and P-256 fixtures (each with a `jti`).
pub fn seed_client_assertions() -> &'static [String] {
    static SEEDS: OnceLock<Vec<String>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let f = fixtures();
        let rng = SystemRandom::new();
        [
            (&f.rsa_signer, "seed-jti-rsa"),
            (&f.p256_signer, "seed-jti-p256"),
        ]
        .into_iter()
        .map(|(key, jti)| {
            Claims::for_client(ISSUER, TOKEN_URL)
                .with_jti(jti)
                .sign_at(key, now(), &rng)
                .expect("a seed signs")
                .expose_secret()
                .to_owned()
        })
        .collect()
    })
}

// ---------------------------------------------------------------- jwks

/// The `kid` of the JWK Set seeds' P-256 key, and of the tokens checked against it.
pub const JWKS_KID: &str = "fuzz-p256";

/// Two tokens signed with the P-256 fixture under [`JWKS_KID`] at [`now`]: an
/// assertion and an RFC 9068 access token.
pub fn jwks_tokens() -> &'static (String, String) {
    static TOKENS: OnceLock<(String, String)> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let key = fixtures().p256_signer.clone().with_kid(JWKS_KID);
        let rng = SystemRandom::new();
        let assertion = Claims::new(ISSUER, SUBJECT, AUDIENCE)
            .sign_at(&key, now(), &rng)
            .expect("seed assertion");
        let access = s2s_oauth::jwt::AccessTokenClaims::new(ISSUER, AUDIENCE, SUBJECT, ISSUER)
            .with_scope("a b")
            .sign_at(&key, now(), &rng)
            .expect("seed access token");
        (
            assertion.expose_secret().to_owned(),
            access.expose_secret().to_owned(),
        )
    })
}

/// JWK Set seeds: the fixtures' public keys with `kid`s, beside members that are
/// skipped (an `oct` key, `use: enc`, an unknown `alg`, a duplicate `kid`).
pub fn seed_jwk_sets() -> Vec<String> {
    let f = fixtures();
    let jwk = |key: &SigningKey, extra: &str| {
        let jwk = key.public_jwk().expect("a public key");
        format!("{{{extra}{}", &jwk[1..])
    };
    let p256 = jwk(
        &f.p256_signer,
        &format!(r#""kid":"{JWKS_KID}","use":"sig","#),
    );
    let rsa = jwk(&f.rsa_signer, r#""kid":"rsa","alg":"RS256","#);
    vec![
        format!(r#"{{"keys":[{p256}]}}"#),
        format!(r#"{{"keys":[{rsa},{p256}]}}"#),
        format!(
            r#"{{"keys":[{{"kty":"oct","k":"c2VjcmV0"}},{},{},{p256}]}}"#,
            jwk(&f.rsa_signer, r#""kid":"enc","use":"enc","#),
            jwk(&f.rsa_signer, r#""kid":"x","alg":"RSA-OAEP","#)
        ),
        format!(
            r#"{{"keys":[{},{p256}]}}"#,
            jwk(&f.rsa_signer, &format!(r#""kid":"{JWKS_KID}","#))
        ),
        r#"{"keys":[]}"#.to_owned(),
        // The signer's kid repeated on more keys than one token may cost:
        // refused (AmbiguousKey) before any signature check.
        format!(r#"{{"keys":[{p256},{p256},{p256},{p256},{p256}]}}"#),
    ]
}

/// JWK Set parsing and key selection: no panic; every key kept has a thumbprint
/// and fits what it is selected for; a token verifies only with the fixture key
/// itself (the fuzzer cannot forge a signature).
pub fn jwks(data: &[u8]) {
    use s2s_oauth::jwt::{AccessTokenValidation, Jwks, verify_access_token, verify_with_jwks};
    let set = match Jwks::parse(data) {
        Ok(set) => set,
        Err(e) => {
            show(&e.into());
            return;
        }
    };
    assert!(set.keys().len() + set.skipped().len() <= Jwks::MAX_KEYS);
    for skipped in set.skipped() {
        let _ = format!("{} {:?}", skipped.reason(), skipped);
    }
    for key in set.keys() {
        assert!(!key.thumbprint().is_empty());
        assert_eq!(
            set.by_thumbprint(key.thumbprint()).map(|k| k.thumbprint()),
            Some(key.thumbprint())
        );
        for alg in Algorithm::ALL {
            if let Some(chosen) = set.select(key.kid(), alg) {
                // With no kid, any key that fits the algorithm may be chosen.
                assert!(chosen.fits(alg));
                assert!(key.kid().is_none() || chosen.kid() == key.kid());
                assert!(!alg.is_hmac(), "a public set chose a key for {alg}");
            }
        }
    }
    let fixture = fixtures()
        .p256_signer
        .jwk_thumbprint()
        .expect("a public key");
    let holds_fixture = set
        .candidates(Some(JWKS_KID), Algorithm::ES256)
        .any(|k| k.thumbprint() == fixture);
    let (assertion, access) = jwks_tokens();
    let validation = Validation::new(AUDIENCE).with_issuer(ISSUER);
    match verify_with_jwks(assertion, &set, &validation, now(), None) {
        Ok(_) => {
            assert!(
                holds_fixture,
                "a token verified with a key that did not sign it"
            );
            assert!(
                set.candidates(Some(JWKS_KID), Algorithm::ES256).count()
                    <= Jwks::MAX_SIGNATURE_CHECKS,
                "a token was checked against more keys than the bound"
            );
        }
        Err(e) => show(&e),
    }
    let rules = AccessTokenValidation::new(ISSUER, AUDIENCE);
    match verify_access_token(access, &set, &rules, now()) {
        Ok(token) => {
            assert!(
                holds_fixture,
                "an access token verified with a key that did not sign it"
            );
            assert!(token.has_scope("a") && token.has_scope("b"));
        }
        Err(e) => show(&e),
    }
}
