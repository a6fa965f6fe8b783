//! The local authorization server, over real HTTP on loopback.
//!
//! Requests are raw forms sent with ureq (no redirects, statuses as values), and
//! assertions are signed here with ring directly, so these tests depend neither on
//! the crate's request builder nor on its JWT signer: only the server is under test.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use s2s_oauth::VerifyingKey;
use s2s_oauth::testkit::{Client, Config, Fault, Profile, Server};
use serde_json::{Value, json};

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// A secret with every character that form encoding must escape.
const AWKWARD_SECRET: &str = "a b+c%/:=&é";
const USER: &str = "alice@example.com";

// ---------------------------------------------------------------- helpers

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// RFC 6749 Appendix B form encoding, written independently of the crate's.
fn enc(value: &str) -> String {
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

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| format!("{}={}", enc(n), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        Base64::encode_string(format!("{}:{}", enc(id), enc(secret)).as_bytes())
    )
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn error(&self) -> (&str, &str) {
        (
            self.body["error"].as_str().unwrap_or("<none>"),
            self.body["error_description"].as_str().unwrap_or("<none>"),
        )
    }

    fn token(&self) -> &str {
        self.body["access_token"].as_str().unwrap_or("")
    }
}

fn read_reply(mut resp: ureq::http::Response<ureq::Body>) -> Reply {
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

fn post(url: &str, authorization: Option<&str>, pairs: &[(&str, &str)]) -> Reply {
    let mut req = agent()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded");
    if let Some(auth) = authorization {
        req = req.header("Authorization", auth);
    }
    read_reply(req.send(form(pairs)).expect("transport"))
}

fn get_resource(server: &Server, token: &str) -> Reply {
    let resp = agent()
        .get(server.resource_url())
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("transport");
    read_reply(resp)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A fresh P-256 key pair and its public key as the crate loads it (from SPKI DER,
/// built here by hand).
fn p256() -> (EcdsaKeyPair, VerifyingKey) {
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

fn signing_input(alg: &str, claims: &Value) -> String {
    let header = json!({"alg": alg, "typ": "JWT"});
    format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    )
}

fn es256(pair: &EcdsaKeyPair, claims: &Value) -> String {
    let input = signing_input("ES256", claims);
    let sig = pair.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
    format!("{input}.{}", Base64UrlUnpadded::encode_string(sig.as_ref()))
}

fn hs256(secret: &str, claims: &Value) -> String {
    let input = signing_input("HS256", claims);
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let sig = ring::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", Base64UrlUnpadded::encode_string(sig.as_ref()))
}

fn claims(iss: &str, sub: &str, aud: &str) -> Value {
    let now = now_secs();
    json!({"iss": iss, "sub": sub, "aud": aud, "iat": now, "exp": now + 120, "jti": jti()})
}

fn jti() -> String {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&SystemRandom::new(), &mut bytes).unwrap();
    Base64UrlUnpadded::encode_string(&bytes)
}

/// A Salesforce server with one app: secret, key, one approved user, a run-as user.
fn salesforce() -> (Server, EcdsaKeyPair) {
    let (pair, key) = p256();
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

fn generic() -> (Server, EcdsaKeyPair) {
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

fn jwt_bearer(server: &Server, assertion: &str) -> Reply {
    post(
        &server.token_url(),
        None,
        &[("grant_type", JWT_BEARER), ("assertion", assertion)],
    )
}

// ---------------------------------------------------------------- client authentication

#[test]
fn basic_credentials_are_form_decoded_before_comparison() {
    let (server, _) = salesforce();
    let ok = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(ok.status, 200, "{:?}", ok.body);

    // The same secret NOT form-encoded inside Basic: `+` decodes to a space, so the
    // server sees another secret.
    let raw = format!(
        "Basic {}",
        Base64::encode_string(format!("app:{AWKWARD_SECRET}").as_bytes())
    );
    let refused = post(
        &server.token_url(),
        Some(&raw),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.error(),
        ("invalid_client", "invalid client credentials")
    );
}

#[test]
fn generic_wrong_basic_secret_is_401_with_www_authenticate() {
    let (server, _) = generic();
    let r = post(
        &server.token_url(),
        Some(&basic("app", "wrong")),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.error().0, "invalid_client");
    assert_eq!(
        r.header("WWW-Authenticate"),
        Some("Basic realm=\"testkit\"")
    );

    // client_secret_post with a wrong secret: 401 but no Basic challenge.
    let r = post(
        &server.token_url(),
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "app"),
            ("client_secret", "wrong"),
        ],
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.error().0, "invalid_client");
    assert_eq!(r.header("WWW-Authenticate"), None);
}

#[test]
fn client_secret_post_is_accepted() {
    let (server, _) = salesforce();
    let r = post(
        &server.token_url(),
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "app"),
            ("client_secret", AWKWARD_SECRET),
        ],
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
}

#[test]
fn unknown_client_and_two_methods_are_refused() {
    let (server, _) = salesforce();
    let r = post(
        &server.token_url(),
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "nope"),
            ("client_secret", "x"),
        ],
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error(),
        ("invalid_client_id", "client identifier invalid")
    );

    let r = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "app"),
            ("client_secret", AWKWARD_SECRET),
        ],
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.error().0, "invalid_request");
}

#[test]
fn private_key_jwt_is_verified() {
    let (server, pair) = generic();
    let token_url = server.token_url();
    let send = |assertion: &str| {
        post(
            &token_url,
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", assertion),
            ],
        )
    };
    // aud = the token URL, or the base URL.
    let first = es256(&pair, &claims("app", "app", &token_url));
    assert_eq!(send(&first).status, 200);
    assert_eq!(
        send(&es256(&pair, &claims("app", "app", &server.base_url()))).status,
        200
    );

    // Replay of the same jti.
    let r = send(&first);
    assert_eq!((r.status, r.error().0), (401, "invalid_client"));
    assert!(r.error().1.contains("replay"), "{}", r.error().1);
    // Wrong audience, iss != sub, another key.
    let r = send(&es256(&pair, &claims("app", "app", "https://elsewhere")));
    assert_eq!((r.status, r.error().0), (401, "invalid_client"));
    let r = send(&es256(&pair, &claims("app", "someone", &token_url)));
    assert_eq!((r.status, r.error().0), (401, "invalid_client"));
    let (other, _) = p256();
    let r = send(&es256(&other, &claims("app", "app", &token_url)));
    assert_eq!((r.status, r.error().0), (401, "invalid_client"));
    assert!(r.error().1.contains("signature"), "{}", r.error().1);
    // A wrong assertion type.
    let r = post(
        &token_url,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:example:other"),
            (
                "client_assertion",
                &es256(&pair, &claims("app", "app", &token_url)),
            ),
        ],
    );
    assert_eq!(r.error().0, "invalid_request");
}

#[test]
fn client_secret_jwt_is_verified() {
    let (server, _) = generic();
    let token_url = server.token_url();
    let send = |assertion: &str| {
        post(
            &token_url,
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", assertion),
            ],
        )
    };
    assert_eq!(
        send(&hs256("s3cr3t", &claims("app", "app", &token_url))).status,
        200
    );
    let r = send(&hs256("wrong", &claims("app", "app", &token_url)));
    assert_eq!((r.status, r.error().0), (401, "invalid_client"));
}

// ---------------------------------------------------------------- JWT bearer

#[test]
fn salesforce_jwt_bearer_accepts_a_valid_assertion() {
    let (server, pair) = salesforce();
    let r = jwt_bearer(
        &server,
        &es256(&pair, &claims("app", USER, &server.audience())),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let body = &r.body;
    assert!(r.token().starts_with("00D"));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["instance_url"], server.base_url());
    assert_eq!(body["scope"], "api");
    let id = body["id"].as_str().unwrap();
    assert!(
        id.starts_with(&format!("{}/id/00D", server.base_url())),
        "{id}"
    );
    for absent in ["expires_in", "refresh_token", "signature", "issued_at"] {
        assert!(body.get(absent).is_none(), "{absent} present: {body}");
    }
    assert_eq!(
        r.header("Cache-Control"),
        Some("no-cache,must-revalidate,max-age=0,no-store,private")
    );
    // The token works at the resource.
    assert_eq!(get_resource(&server, r.token()).status, 200);
}

#[test]
fn salesforce_jwt_bearer_refusals_use_salesforce_strings() {
    let (server, pair) = salesforce();
    let aud = server.audience();
    let now = now_secs();
    let (other, _) = p256();
    let cases: Vec<(&str, String, (&str, &str))> = vec![
        (
            "bad signature",
            es256(&other, &claims("app", USER, &aud)),
            ("invalid_grant", "invalid assertion"),
        ),
        (
            "malformed",
            "not.a.jwt".into(),
            ("invalid_grant", "invalid assertion"),
        ),
        (
            "wrong audience",
            es256(&pair, &claims("app", USER, "https://test.salesforce.com")),
            ("invalid_grant", "audience is invalid"),
        ),
        (
            "expired",
            es256(
                &pair,
                &json!({"iss": "app", "sub": USER, "aud": aud, "exp": now - 600}),
            ),
            ("invalid_grant", "expired authorization code"),
        ),
        (
            "unknown user",
            es256(&pair, &claims("app", "mallory@example.com", &aud)),
            ("invalid_grant", "user hasn't approved this consumer"),
        ),
        (
            "unknown issuer",
            es256(&pair, &claims("stranger", USER, &aud)),
            ("invalid_client_id", "client identifier invalid"),
        ),
        (
            "lifetime beyond 3 minutes",
            es256(
                &pair,
                &json!({"iss": "app", "sub": USER, "aud": aud, "exp": now + 3600}),
            ),
            ("invalid_grant", "invalid assertion"),
        ),
    ];
    for (what, assertion, expected) in cases {
        let r = jwt_bearer(&server, &assertion);
        assert_eq!(r.status, 400, "{what}");
        assert_eq!(r.error(), expected, "{what}");
    }
    // Replay: the same assertion twice.
    let once = es256(&pair, &claims("app", USER, &aud));
    assert_eq!(jwt_bearer(&server, &once).status, 200);
    let r = jwt_bearer(&server, &once);
    assert_eq!(r.error(), ("invalid_grant", "invalid assertion"));
}

#[test]
fn generic_jwt_bearer_reports_expires_in_and_the_failed_check() {
    let (server, pair) = generic();
    assert_eq!(server.audience(), server.token_url());
    let mut c = claims("app", USER, &server.audience());
    c["scope"] = json!("ignored-claim");
    let r = post(
        &server.token_url(),
        None,
        &[
            ("grant_type", JWT_BEARER),
            ("assertion", &es256(&pair, &c)),
            ("scope", "read write"),
        ],
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["expires_in"], 900);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["scope"], "read write");
    assert!(r.body["refresh_token"].is_string());
    assert_eq!(r.header("Cache-Control"), Some("no-store"));
    assert_eq!(r.header("Pragma"), Some("no-cache"));

    let r = jwt_bearer(
        &server,
        &es256(&pair, &claims("app", USER, "https://elsewhere")),
    );
    assert_eq!(r.error().0, "invalid_grant");
    assert!(r.error().1.contains("aud"), "{}", r.error().1);
}

// ---------------------------------------------------------------- client credentials

#[test]
fn salesforce_client_credentials_signature_and_issued_at() {
    let (server, _) = salesforce();
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let r = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let issued_at = r.body["issued_at"].as_str().expect("issued_at is a string");
    let millis: u128 = issued_at.parse().expect("issued_at is digits");
    assert!(
        millis >= before && millis < before + 60_000,
        "{millis} vs {before}"
    );
    assert_eq!(r.body["api_instance_url"], server.base_url());
    assert!(r.body.get("expires_in").is_none());
    assert!(r.body.get("refresh_token").is_none());

    // signature = base64(HMAC-SHA256(client secret, id + issued_at)), recomputed here.
    let id = r.body["id"].as_str().unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, AWKWARD_SECRET.as_bytes());
    let expected = Base64::encode_string(
        ring::hmac::sign(&key, format!("{id}{issued_at}").as_bytes()).as_ref(),
    );
    assert_eq!(r.body["signature"], expected);
}

#[test]
fn client_credentials_needs_a_run_as_user_and_authentication() {
    let server = Server::start(
        Config::new(Profile::Salesforce).with_client(Client::new("app").with_secret("s3cr3t")),
    )
    .unwrap();
    let r = post(
        &server.token_url(),
        Some(&basic("app", "s3cr3t")),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(
        r.error(),
        ("invalid_grant", "no client credentials user enabled")
    );

    let (server, _) = salesforce();
    let r = post(
        &server.token_url(),
        None,
        &[("grant_type", "client_credentials"), ("client_id", "app")],
    );
    assert_eq!(r.error(), ("invalid_client", "invalid client credentials"));
}

// ---------------------------------------------------------------- refresh

#[test]
fn rotation_kills_the_old_token_and_reuse_revokes_the_successor() {
    let (server, _) = salesforce();
    let seeded = server.issue_refresh_token("app", USER);
    let auth = basic("app", AWKWARD_SECRET);
    let refresh = |token: &str| {
        post(
            &server.token_url(),
            Some(&auth),
            &[("grant_type", "refresh_token"), ("refresh_token", token)],
        )
    };
    let first = refresh(seeded.expose_secret());
    assert_eq!(first.status, 200, "{:?}", first.body);
    let successor = first.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(successor, seeded.expose_secret());
    assert!(first.body["signature"].is_string() && first.body["issued_at"].is_string());
    assert_eq!(get_resource(&server, first.token()).status, 200);

    // The rotated-out token is refused, and that reuse revoked the successor and
    // the access token issued with it.
    let reused = refresh(seeded.expose_secret());
    assert_eq!(
        reused.error(),
        ("invalid_grant", "expired access/refresh token")
    );
    let after = refresh(&successor);
    assert_eq!(
        after.error(),
        ("invalid_grant", "expired access/refresh token")
    );
    assert_eq!(get_resource(&server, first.token()).status, 401);
}

#[test]
fn without_rotation_the_same_refresh_token_keeps_working() {
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_refresh_rotation(false)
            .with_client(Client::new("public")),
    )
    .unwrap();
    let token = server.issue_refresh_token("public", USER);
    for _ in 0..2 {
        let r = post(
            &server.token_url(),
            None,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", token.expose_secret()),
                ("client_id", "public"),
            ],
        );
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert!(r.body.get("refresh_token").is_none());
        assert_eq!(r.body["expires_in"], 3600);
    }
}

#[test]
fn refresh_checks_the_client() {
    let (server, _) = generic();
    let token = server.issue_refresh_token("app", USER);
    // "app" has a secret, so it must authenticate.
    let r = post(
        &server.token_url(),
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", token.expose_secret()),
            ("client_id", "app"),
        ],
    );
    assert_eq!((r.status, r.error().0), (401, "invalid_client"));
    // Another client cannot use it.
    let r = post(
        &server.token_url(),
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", token.expose_secret()),
            ("client_id", "public"),
        ],
    );
    assert_eq!(r.error().0, "invalid_grant");
    assert!(r.error().1.contains("another client"), "{}", r.error().1);
    // The right client, authenticated: rotation on by default.
    let r = post(
        &server.token_url(),
        Some(&basic("app", "s3cr3t")),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", token.expose_secret()),
        ],
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["refresh_token"].is_string());
}

// ---------------------------------------------------------------- resource

#[test]
fn salesforce_resource_answers_invalid_session_once_expired() {
    let (server, _) = salesforce();
    let r = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[("grant_type", "client_credentials")],
    );
    let token = r.token().to_owned();
    let ok = get_resource(&server, &token);
    assert_eq!(ok.status, 200);
    assert!(ok.body["sobjects"].is_string());

    server.expire_access_tokens();
    let expired = get_resource(&server, &token);
    assert_eq!(expired.status, 401);
    assert_eq!(expired.header("WWW-Authenticate"), Some("Token"));
    assert_eq!(
        expired.body,
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
}

#[test]
fn generic_resource_answers_rfc_6750() {
    let (server, pair) = generic();
    let r = jwt_bearer(
        &server,
        &es256(&pair, &claims("app", USER, &server.audience())),
    );
    let token = r.token().to_owned();
    assert_eq!(get_resource(&server, &token).status, 200);
    server.expire_access_tokens();
    let expired = get_resource(&server, &token);
    assert_eq!(expired.status, 401);
    let challenge = expired.header("WWW-Authenticate").unwrap_or("");
    assert!(
        challenge.starts_with("Bearer error=\"invalid_token\""),
        "{challenge}"
    );
    assert_eq!(get_resource(&server, "unknown").status, 401);
}

// ---------------------------------------------------------------- faults

#[test]
fn status_fault_applies_the_given_number_of_times() {
    let (server, _) = salesforce();
    server.inject(
        Fault::status(503, "text/html", "<h1>maintenance</h1>").with_header("Retry-After", "7"),
        2,
    );
    for _ in 0..2 {
        let r = post(
            &server.token_url(),
            None,
            &[("grant_type", "client_credentials")],
        );
        assert_eq!(r.status, 503);
        assert_eq!(r.header("Retry-After"), Some("7"));
        assert_eq!(r.header("Content-Type"), Some("text/html"));
        assert_eq!(r.body, Value::String("<h1>maintenance</h1>".into()));
    }
    let r = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn delay_fault_delays_then_answers() {
    let (server, _) = salesforce();
    server.inject(Fault::Delay(Duration::from_millis(400)), 1);
    let started = Instant::now();
    let r = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[("grant_type", "client_credentials")],
    );
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(r.status, 200);
}

#[test]
fn drop_connection_is_a_transport_error() {
    let (server, _) = salesforce();
    server.inject(Fault::DropConnection, 1);
    let result = agent()
        .post(server.token_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send("grant_type=client_credentials");
    let err = result.expect_err("no response was sent");
    assert!(!matches!(err, ureq::Error::StatusCode(_)), "{err:?}");
    // The next request is served normally.
    let r = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(r.status, 200);
}

// ---------------------------------------------------------------- robustness

fn raw_exchange(server: &Server, bytes: &[u8]) -> String {
    let authority = server.base_url().trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(authority).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn server_survives_garbage_and_bounds_bodies() {
    let (server, _) = salesforce();
    assert!(raw_exchange(&server, b"\x00\xff garbage\r\n\r\n").starts_with("HTTP/1.1 400"));
    assert!(raw_exchange(&server, b"GET /x HTTP/9.9\r\n\r\n").starts_with("HTTP/1.1 400"));
    assert!(
        raw_exchange(
            &server,
            b"POST /services/oauth2/token HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"
        )
        .starts_with("HTTP/1.1 413")
    );
    let big = "a=".to_owned() + &"b".repeat(70 * 1024);
    let r = agent()
        .post(server.token_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(big)
        .map(read_reply);
    if let Ok(r) = r {
        assert_eq!(r.status, 413);
    }
    // Closed before sending anything, and a half-sent request.
    drop(TcpStream::connect(server.base_url().trim_start_matches("http://")).unwrap());
    let mut half = TcpStream::connect(server.base_url().trim_start_matches("http://")).unwrap();
    half.write_all(b"POST /services/oauth2/token HTTP/1.1\r\nContent-Le")
        .unwrap();
    drop(half);

    let r = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn token_endpoint_refuses_bad_shapes() {
    let (server, _) = generic();
    let get = read_reply(agent().get(server.token_url()).call().unwrap());
    assert_eq!(get.status, 405);
    assert_eq!(get.header("Allow"), Some("POST"));

    let json_body = read_reply(
        agent()
            .post(server.token_url())
            .header("Content-Type", "application/json")
            .send("{\"grant_type\":\"client_credentials\"}")
            .unwrap(),
    );
    assert_eq!(
        (json_body.status, json_body.error().0),
        (400, "invalid_request")
    );

    let r = post(&server.token_url(), None, &[("scope", "x")]);
    assert_eq!(r.error().0, "invalid_request");
    let r = post(&server.token_url(), None, &[("grant_type", "password")]);
    assert_eq!(r.error().0, "unsupported_grant_type");
    let r = post(
        &server.token_url(),
        None,
        &[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:saml2-bearer",
            ),
            ("assertion", "PHNhbWw+"),
        ],
    );
    assert_eq!(r.error().0, "unsupported_grant_type");
    let r = post(
        &server.token_url(),
        None,
        &[
            ("grant_type", "client_credentials"),
            ("grant_type", "refresh_token"),
        ],
    );
    assert_eq!(r.error().0, "invalid_request");

    let missing = read_reply(
        agent()
            .get(format!("{}/nothing", server.base_url()))
            .call()
            .unwrap(),
    );
    assert_eq!(missing.status, 404);
}

#[test]
fn requests_are_recorded_and_debug_redacts_secrets() {
    let (server, _) = generic();
    post(
        &server.token_url(),
        Some(&basic("app", "s3cr3t")),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "rt-value-123"),
            ("scope", "a b"),
        ],
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method(), "POST");
    assert_eq!(r.path(), "/services/oauth2/token");
    assert_eq!(r.form_value("scope"), Some("a b"));
    assert_eq!(r.form_value("refresh_token"), Some("rt-value-123"));
    assert_eq!(
        r.header("authorization"),
        Some(basic("app", "s3cr3t").as_str())
    );
    let debug = format!("{r:?}");
    assert!(!debug.contains("rt-value-123"), "{debug}");
    assert!(!debug.contains(&basic("app", "s3cr3t")), "{debug}");
    assert!(debug.contains("a b"), "{debug}");
}

#[test]
fn dropping_the_server_stops_it() {
    let (server, _) = salesforce();
    server.inject(Fault::Delay(Duration::from_secs(30)), 1);
    let authority = server.base_url().trim_start_matches("http://").to_owned();
    // A request stuck in a long delay must not make the drop hang.
    let mut stuck = TcpStream::connect(&authority).unwrap();
    stuck
        .write_all(b"GET /services/data/v60.0/ HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(TcpStream::connect(&authority).is_err(), "still accepting");
}
