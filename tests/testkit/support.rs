//! Helpers for the testkit tests: raw forms over ureq, and JWTs signed with ring.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RSA_PSS_SHA256,
    RsaEncoding, RsaKeyPair,
};
use s2s_oauth::VerifyingKey;
use s2s_oauth::testkit::{Client, Config, Profile, Server};
use serde_json::{Value, json};

pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
pub(crate) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// A secret with every character that form encoding must escape.
pub(crate) const AWKWARD_SECRET: &str = "a b+c%/:=&é";
pub(crate) const USER: &str = "alice@example.com";

pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// RFC 6749 Appendix B form encoding, written independently of the crate's.
pub(crate) fn enc(value: &str) -> String {
    let mut out = String::new();
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| format!("{}={}", enc(n), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        Base64::encode_string(format!("{}:{}", enc(id), enc(secret)).as_bytes())
    )
}

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Value,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn error(&self) -> (&str, &str) {
        (
            self.body["error"].as_str().unwrap_or("<none>"),
            self.body["error_description"].as_str().unwrap_or("<none>"),
        )
    }

    pub(crate) fn token(&self) -> &str {
        self.body["access_token"].as_str().unwrap_or("")
    }
}

pub(crate) fn read_reply(mut resp: ureq::http::Response<ureq::Body>) -> Reply {
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        headers,
        body,
    }
}

pub(crate) fn post(url: &str, authorization: Option<&str>, pairs: &[(&str, &str)]) -> Reply {
    let mut req = agent()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded");
    if let Some(auth) = authorization {
        req = req.header("Authorization", auth);
    }
    read_reply(req.send(form(pairs)).expect("transport"))
}

pub(crate) fn get_resource(server: &Server, token: &str) -> Reply {
    let resp = agent()
        .get(server.resource_url())
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("transport");
    read_reply(resp)
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A fresh P-256 key pair and its public key as the crate loads it (from SPKI DER,
/// built here by hand).
pub(crate) fn p256() -> (EcdsaKeyPair, VerifyingKey) {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let mut spki = vec![
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    spki.extend_from_slice(pair.public_key().as_ref());
    let key = VerifyingKey::from_spki_der(&spki).unwrap();
    (pair, key)
}

pub(crate) fn signing_input(alg: &str, claims: &Value) -> String {
    let header = json!({"alg": alg, "typ": "JWT"});
    format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    )
}

pub(crate) fn es256(pair: &EcdsaKeyPair, claims: &Value) -> String {
    let input = signing_input("ES256", claims);
    let sig = pair.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
    format!("{input}.{}", Base64UrlUnpadded::encode_string(sig.as_ref()))
}

pub(crate) fn hs256(secret: &str, claims: &Value) -> String {
    let input = signing_input("HS256", claims);
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let sig = ring::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", Base64UrlUnpadded::encode_string(sig.as_ref()))
}

pub(crate) fn claims(iss: &str, sub: &str, aud: &str) -> Value {
    let now = now_secs();
    json!({"iss": iss, "sub": sub, "aud": aud, "iat": now, "exp": now + 120, "jti": jti()})
}

pub(crate) fn jti() -> String {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&SystemRandom::new(), &mut bytes).unwrap();
    Base64UrlUnpadded::encode_string(&bytes)
}

/// The RSA key pair of `tests/data/keys/rsa2048.pkcs8.der` and its public key.
pub(crate) fn rsa2048() -> (RsaKeyPair, VerifyingKey) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/keys");
    let der = std::fs::read(format!("{dir}/rsa2048.pkcs8.der")).unwrap();
    // `openssl pkey -outform DER` wrote it as PKCS#1 (RSAPrivateKey).
    let pair = RsaKeyPair::from_pkcs8(&der)
        .or_else(|_| RsaKeyPair::from_der(&der))
        .unwrap();
    let public = std::fs::read(format!("{dir}/rsa2048.pub.pem")).unwrap();
    (pair, VerifyingKey::from_pem(public).unwrap())
}

/// A JWT signed with `pair`: RS256, or PS256 when `pss`.
fn rsa_jwt(pair: &RsaKeyPair, claims: &Value, pss: bool) -> String {
    let (alg, padding): (_, &dyn RsaEncoding) = if pss {
        ("PS256", &RSA_PSS_SHA256)
    } else {
        ("RS256", &RSA_PKCS1_SHA256)
    };
    let input = signing_input(alg, claims);
    let mut sig = vec![0; pair.public().modulus_len()];
    pair.sign(padding, &SystemRandom::new(), input.as_bytes(), &mut sig)
        .unwrap();
    format!("{input}.{}", Base64UrlUnpadded::encode_string(&sig))
}

pub(crate) fn rs256(pair: &RsaKeyPair, claims: &Value) -> String {
    rsa_jwt(pair, claims, false)
}

pub(crate) fn ps256(pair: &RsaKeyPair, claims: &Value) -> String {
    rsa_jwt(pair, claims, true)
}

/// A Salesforce server with one app: secret, RSA key (Salesforce verifies RS256
/// only), one approved user, a run-as user.
pub(crate) fn salesforce() -> (Server, RsaKeyPair) {
    let (pair, key) = rsa2048();
    let server = Server::start(
        Config::new(Profile::Salesforce).with_client(
            Client::new("app")
                .with_secret(AWKWARD_SECRET)
                .with_public_key(key)
                .with_user(USER)
                .with_run_as("integration@example.com"),
        ),
    )
    .unwrap();
    (server, pair)
}

pub(crate) fn generic() -> (Server, EcdsaKeyPair) {
    let (pair, key) = p256();
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_token_lifetime(Duration::from_secs(900))
            .with_client(
                Client::new("app")
                    .with_secret("s3cr3t")
                    .with_public_key(key)
                    .with_user(USER)
                    .with_refresh_tokens(true),
            )
            .with_client(Client::new("public")),
    )
    .unwrap();
    (server, pair)
}

pub(crate) fn jwt_bearer(server: &Server, assertion: &str) -> Reply {
    post(
        &server.token_url(),
        None,
        &[("grant_type", JWT_BEARER), ("assertion", assertion)],
    )
}
