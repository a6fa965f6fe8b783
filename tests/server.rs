//! The token endpoint core (`s2s_oauth::server`): request parsing, the five client
//! authentication methods and RFC 8705's two, the assertion grants, the answers,
//! and hostile input. Fixed clock, fixed keys.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use ring::rand::SystemRandom;
use s2s_oauth::HttpResponse;
use s2s_oauth::discovery::JwksCache;
use s2s_oauth::jwt::{Claims, Jwks};
use s2s_oauth::server::{
    self, Client, Endpoint, ErrorCode, Issuer, Method, PeerCertificate, Reason, Refusal, Request,
    Success, TlsClientAuth,
};
use s2s_oauth::{Certificate, SigningKey};

use common::{at, now, signing_key};

const TOKEN_URL: &str = "https://as.example/token";
const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
/// A secret with every character clients disagree on.
const AWKWARD: &str = "p+ss/w rd:%41=&";

type Seen = HashMap<String, SystemTime>;

fn clients() -> BTreeMap<String, Client> {
    let rsa = signing_key("rsa2048.pkcs8.pem").verifying_key();
    let p256 = signing_key("p256.pkcs8.pem").verifying_key();
    let self_signed =
        Certificate::from_pem(include_str!("data/tls/self-signed-client.cert.pem")).unwrap();
    [
        Client::new("basic-app").with_secret(AWKWARD),
        Client::new("jwt-app").with_keys(vec![("old".to_owned(), p256), ("new".to_owned(), rsa)]),
        Client::new("hs-app").with_secret("a shared secret of 32 bytes or more!"),
        Client::new("public-app"),
        Client::new("mtls-app")
            .with_tls_client_auth(TlsClientAuth::SanDns("mtls-client.example".into())),
        Client::new("self-signed-app").with_tls_client_auth(TlsClientAuth::SelfSigned(self_signed)),
    ]
    .into_iter()
    .map(|c| (c.id().to_owned(), c))
    .collect()
}

fn endpoint() -> Endpoint {
    Endpoint::new(TOKEN_URL).with_client_assertion_audience("https://as.example")
}

fn request(headers: &[(&str, &str)], body: &str) -> Request {
    Request::parse("POST", headers, body.as_bytes()).unwrap()
}

fn auth(headers: &[(&str, &str)], body: &str) -> Result<(Option<String>, Method), Refusal> {
    auth_with(headers, body, None, &mut Seen::new())
}

fn auth_with(
    headers: &[(&str, &str)],
    body: &str,
    peer: Option<PeerCertificate<'_>>,
    seen: &mut Seen,
) -> Result<(Option<String>, Method), Refusal> {
    let clients = clients();
    let request = Request::parse("POST", headers, body.as_bytes())?;
    let caller = server::authenticate(&request, &clients, &endpoint(), peer, seen, now())?;
    Ok((caller.client().map(|c| c.id().to_owned()), caller.method()))
}

fn basic(user: &[u8], secret: &[u8]) -> String {
    let mut raw = user.to_vec();
    raw.push(b':');
    raw.extend_from_slice(secret);
    format!("Basic {}", Base64::encode_string(&raw))
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn basic_credentials_are_taken_form_encoded_and_as_sent() {
    let encoded = basic(b"basic-app", enc(AWKWARD).as_bytes());
    let raw = basic(b"basic-app", AWKWARD.as_bytes());
    for header in [encoded, raw] {
        let got = auth(
            &[FORM, ("Authorization", &header)],
            "grant_type=client_credentials",
        );
        assert_eq!(
            got,
            Ok((Some("basic-app".into()), Method::ClientSecretBasic))
        );
    }
}

#[test]
fn latin_1_basic_credentials_as_authlib_writes_them() {
    let clients: BTreeMap<String, Client> = [(
        "café".to_owned(),
        Client::new("café").with_secret("s3cré+t"),
    )]
    .into();
    let latin1 = |s: &str| {
        s.chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect::<Vec<u8>>()
    };
    let header = basic(&latin1("café"), &latin1("s3cré+t"));
    let r = request(
        &[FORM, ("Authorization", &header)],
        "grant_type=client_credentials",
    );
    let caller =
        server::authenticate(&r, &clients, &endpoint(), None, &mut Seen::new(), now()).unwrap();
    assert_eq!(caller.client().map(Client::id), Some("café"));
    let strict = endpoint().strict_basic_decoding();
    assert!(server::authenticate(&r, &clients, &strict, None, &mut Seen::new(), now()).is_err());
}

#[test]
fn basic_fallbacks_take_only_spellings_of_the_registered_secret() {
    // Each attempt (form-decoded, as sent, Latin-1) must read the presented bytes
    // as the registered secret; none lets another secret through.
    let try_secret = |registered: &str, presented: &[u8]| {
        let clients: BTreeMap<String, Client> =
            [("app".to_owned(), Client::new("app").with_secret(registered))].into();
        let header = basic(b"app", presented);
        let r = request(
            &[FORM, ("Authorization", &header)],
            "grant_type=client_credentials",
        );
        server::authenticate(&r, &clients, &endpoint(), None, &mut Seen::new(), now()).is_ok()
    };
    // Spellings of the secret: accepted.
    assert!(try_secret("A", b"%41"), "form-encoded");
    assert!(try_secret("%41", b"%2541"), "form-encoded");
    assert!(try_secret("%41", b"%41"), "as sent");
    assert!(try_secret("a b", b"a+b"), "form-encoded space");
    assert!(try_secret("a+b", b"a+b"), "as sent");
    assert!(try_secret("\u{e9}t\u{e9}", b"\xe9t\xe9"), "Latin-1 bytes");
    // Other secrets: refused.
    assert!(!try_secret("%41", b"A"));
    assert!(!try_secret("a+b", b"a b"));
    assert!(!try_secret("a+b", b"a%20b"));
    assert!(!try_secret("A", b"%61"), "no case folding");
    assert!(!try_secret("A", b"%2541"));
    // UTF-8 bytes are not reread as Latin-1: "é" sent is not "Ã©".
    assert!(!try_secret("\u{c3}\u{a9}", "\u{e9}".as_bytes()));
    // Invalid UTF-8 after form decoding is not a wildcard.
    assert!(!try_secret("\u{fffd}", b"%FF"));
    assert!(!try_secret("\u{fffd}", b"\xff"));
    assert!(!try_secret("", b""), "an empty secret is no secret");
}

#[test]
fn strict_decoding_takes_the_form_encoded_basic_credentials_only() {
    let clients = clients();
    let strict = endpoint().strict_basic_decoding();
    let try_with = |secret: &str| {
        let header = basic(b"basic-app", secret.as_bytes());
        let r = request(
            &[FORM, ("Authorization", &header)],
            "grant_type=client_credentials",
        );
        server::authenticate(&r, &clients, &strict, None, &mut Seen::new(), now())
            .map(|c| c.method())
    };
    assert_eq!(try_with(&enc(AWKWARD)), Ok(Method::ClientSecretBasic));
    assert_eq!(
        try_with(AWKWARD).unwrap_err().reason(),
        Reason::BadClientCredentials
    );
}

#[test]
fn a_wrong_basic_secret_is_401_with_a_basic_challenge() {
    let header = basic(b"basic-app", b"guess");
    let refused = auth(
        &[FORM, ("Authorization", &header)],
        "grant_type=client_credentials",
    )
    .unwrap_err();
    assert_eq!(
        (refused.code(), refused.reason()),
        (&ErrorCode::InvalidClient, Reason::BadClientCredentials)
    );
    let response = refused.to_http_response();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.header("www-authenticate"),
        Some("Basic realm=\"token\"")
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("pragma"), Some("no-cache"));
    assert!(
        !refused.description().contains("guess"),
        "{}",
        refused.description()
    );
    // An unknown client in Basic credentials gets the challenge too.
    let header = basic(b"nobody", b"x");
    let refused = auth(
        &[FORM, ("Authorization", &header)],
        "grant_type=client_credentials",
    )
    .unwrap_err();
    assert_eq!(
        (refused.reason(), refused.challenge()),
        (Reason::UnknownClient, Some("Basic"))
    );
}

#[test]
fn another_authorization_scheme_is_challenged_with_that_scheme() {
    let refused = auth(
        &[FORM, ("Authorization", "Bearer abc")],
        "grant_type=client_credentials",
    )
    .unwrap_err();
    assert_eq!(refused.challenge(), Some("Bearer"));
    assert_eq!(
        refused.to_http_response().header("www-authenticate"),
        Some("Bearer realm=\"token\"")
    );
}

#[test]
fn post_credentials_and_their_failures() {
    let body = format!(
        "grant_type=client_credentials&client_id=basic-app&client_secret={}",
        enc(AWKWARD)
    );
    assert_eq!(
        auth(&[FORM], &body),
        Ok((Some("basic-app".into()), Method::ClientSecretPost))
    );
    let wrong = auth(
        &[FORM],
        "grant_type=client_credentials&client_id=basic-app&client_secret=x",
    )
    .unwrap_err();
    assert_eq!(wrong.reason(), Reason::BadClientCredentials);
    assert_eq!(
        wrong.challenge(),
        None,
        "no Authorization header, no scheme used"
    );
    // A 401 carries a challenge all the same (RFC 7235 §3.1): the scheme the
    // endpoint takes.
    assert_eq!(
        wrong.to_http_response().header("www-authenticate"),
        Some("Basic realm=\"token\"")
    );
    let unknown = auth(
        &[FORM],
        "grant_type=client_credentials&client_id=nobody&client_secret=x",
    )
    .unwrap_err();
    assert_eq!(
        (unknown.reason(), unknown.status()),
        (Reason::UnknownClient, 401)
    );
    let no_id = auth(&[FORM], "grant_type=client_credentials&client_secret=x").unwrap_err();
    assert_eq!(no_id.reason(), Reason::InconsistentParameters);
}

#[test]
fn more_than_one_method_is_invalid_request() {
    let header = basic(b"basic-app", AWKWARD.as_bytes());
    let refused = auth(
        &[FORM, ("Authorization", &header)],
        "grant_type=client_credentials&client_id=basic-app&client_secret=x",
    )
    .unwrap_err();
    assert_eq!(
        (refused.code(), refused.reason()),
        (
            &ErrorCode::InvalidRequest,
            Reason::MultipleClientAuthentication
        )
    );
    let other_id = auth(
        &[FORM, ("Authorization", &header)],
        "grant_type=client_credentials&client_id=jwt-app",
    )
    .unwrap_err();
    assert_eq!(other_id.reason(), Reason::InconsistentParameters);
}

fn client_assertion(key: &SigningKey, client: &str, aud: &str, kid: Option<&str>) -> String {
    let signed = claims_with_kid(&mut Claims::for_client(client, aud), key, kid);
    format!(
        "grant_type=client_credentials&client_assertion_type={}&client_assertion={signed}",
        enc(server::JWT_ASSERTION_TYPE)
    )
}

fn claims_with_kid(claims: &mut Claims, key: &SigningKey, kid: Option<&str>) -> String {
    let key = match kid {
        Some(kid) => key.clone().with_kid(kid),
        None => key.clone(),
    };
    claims
        .sign_at(&key, now(), &SystemRandom::new())
        .unwrap()
        .expose_secret()
        .to_owned()
}

#[test]
fn private_key_jwt_by_kid_and_by_trying_each_key() {
    let rsa = signing_key("rsa2048.pkcs8.pem");
    let p256 = signing_key("p256.pkcs8.pem");
    for (key, kid) in [
        (&rsa, Some("new")),
        (&p256, Some("old")),
        (&rsa, None),
        (&p256, None),
    ] {
        for aud in [TOKEN_URL, "https://as.example"] {
            let body = client_assertion(key, "jwt-app", aud, kid);
            assert_eq!(
                auth(&[FORM], &body),
                Ok((Some("jwt-app".into()), Method::PrivateKeyJwt)),
                "{kid:?} {aud}"
            );
        }
    }
    // A kid that names another key: that key alone is tried.
    let refused = auth(
        &[FORM],
        &client_assertion(&rsa, "jwt-app", TOKEN_URL, Some("old")),
    )
    .unwrap_err();
    assert_eq!(refused.reason(), Reason::BadClientCredentials);
    let refused = auth(
        &[FORM],
        &client_assertion(&rsa, "jwt-app", "https://elsewhere", None),
    )
    .unwrap_err();
    assert!(
        refused.description().contains("aud"),
        "{}",
        refused.description()
    );
}

/// A JWK Set document of `(key, kid, alg)` members.
fn jwk_set(members: &[(&SigningKey, &str, Option<&str>)]) -> String {
    let members: Vec<String> = members
        .iter()
        .map(|(key, kid, alg)| {
            let alg = alg.map(|a| format!(r#""alg":"{a}","#)).unwrap_or_default();
            let extra = format!(r#"{{"kid":"{kid}",{alg}"use":"sig","#);
            key.public_jwk().unwrap().replacen('{', &extra, 1)
        })
        .collect();
    format!(r#"{{"keys":[{}]}}"#, members.join(","))
}

fn jwks_clients(set: Jwks) -> BTreeMap<String, Client> {
    [(
        "jwks-app".to_owned(),
        Client::new("jwks-app").with_keys(set),
    )]
    .into()
}

fn auth_jwks(clients: &BTreeMap<String, Client>, body: &str) -> Result<Method, Refusal> {
    let r = request(&[FORM], body);
    server::authenticate(&r, clients, &endpoint(), None, &mut Seen::new(), now())
        .map(|c| c.method())
}

#[test]
fn private_key_jwt_against_a_jwk_set_by_kid() {
    let rsa = signing_key("rsa2048.pkcs8.pem");
    let p256 = signing_key("p256.pkcs8.pem");
    let stranger = signing_key("p384.pkcs8.pem");
    let set = jwk_set(&[(&rsa, "rsa-2026", Some("RS256")), (&p256, "ec-2026", None)]);
    let clients = jwks_clients(Jwks::parse(set.as_bytes()).unwrap());
    for (key, kid) in [
        (&rsa, Some("rsa-2026")),
        (&p256, Some("ec-2026")),
        (&p256, None),
    ] {
        let body = client_assertion(key, "jwks-app", TOKEN_URL, kid);
        assert_eq!(
            auth_jwks(&clients, &body),
            Ok(Method::PrivateKeyJwt),
            "{kid:?}"
        );
    }
    // A key not in the set, with a kid of the set, another kid, or none.
    for kid in [Some("rsa-2026"), Some("ec-2026"), Some("p384"), None] {
        let body = client_assertion(&stranger, "jwks-app", TOKEN_URL, kid);
        let refused = auth_jwks(&clients, &body).unwrap_err();
        assert_eq!(refused.reason(), Reason::BadClientCredentials, "{kid:?}");
        assert_eq!(refused.status(), 401);
    }
    // A key of the set under another member's kid: only that member is tried.
    let body = client_assertion(&rsa, "jwks-app", TOKEN_URL, Some("ec-2026"));
    assert!(auth_jwks(&clients, &body).is_err());
}

#[test]
fn a_jwk_set_members_alg_is_kept() {
    // The member says RS384; an RS256 assertion under its kid is not checked with it.
    let rsa = signing_key("rsa2048.pkcs8.pem");
    let set = jwk_set(&[(&rsa, "pinned", Some("RS384"))]);
    let clients = jwks_clients(Jwks::parse(set.as_bytes()).unwrap());
    let body = client_assertion(&rsa, "jwks-app", TOKEN_URL, Some("pinned"));
    let refused = auth_jwks(&clients, &body).unwrap_err();
    assert_eq!(refused.reason(), Reason::BadClientCredentials);
    let open = jwk_set(&[(&rsa, "pinned", None)]);
    let clients = jwks_clients(Jwks::parse(open.as_bytes()).unwrap());
    assert_eq!(auth_jwks(&clients, &body), Ok(Method::PrivateKeyJwt));
}

#[test]
fn a_jwks_cache_serves_through_a_snapshot_of_its_set() {
    let p256 = signing_key("p256.pkcs8.pem");
    let mut cache = JwksCache::new("https://client.example/jwks").unwrap();
    let answer = HttpResponse::new(
        200,
        Vec::new(),
        jwk_set(&[(&p256, "ec-2026", None)]).into_bytes(),
    );
    cache.accept(&answer, now()).unwrap();
    let clients = jwks_clients(cache.keys().cloned().unwrap());
    let body = client_assertion(&p256, "jwks-app", TOKEN_URL, Some("ec-2026"));
    assert_eq!(auth_jwks(&clients, &body), Ok(Method::PrivateKeyJwt));
    let other = client_assertion(
        &signing_key("rsa2048.pkcs8.pem"),
        "jwks-app",
        TOKEN_URL,
        None,
    );
    assert!(auth_jwks(&clients, &other).is_err());
}

#[test]
fn a_replayed_client_assertion_is_refused() {
    let body = client_assertion(
        &signing_key("rsa2048.pkcs8.pem"),
        "jwt-app",
        TOKEN_URL,
        None,
    );
    let mut seen = Seen::new();
    assert!(auth_with(&[FORM], &body, None, &mut seen).is_ok());
    let again = auth_with(&[FORM], &body, None, &mut seen).unwrap_err();
    assert!(
        again.description().contains("replay"),
        "{}",
        again.description()
    );
}

#[test]
fn a_jti_is_unique_per_issuer_not_across_clients() {
    // RFC 7519 §4.1.7: a jti is unique for its issuer. Two clients that both
    // number their assertions must not refuse each other's, and one client must
    // not be able to burn another's jti values.
    let rsa = signing_key("rsa2048.pkcs8.pem");
    let key = rsa.verifying_key();
    let clients: BTreeMap<String, Client> = ["first", "second"]
        .map(|id| (id.to_owned(), Client::new(id).with_keys(key.clone())))
        .into();
    let body = |client: &str| {
        let mut claims = Claims::for_client(client, TOKEN_URL).with_jti("1");
        format!(
            "grant_type=client_credentials&client_assertion_type={}&client_assertion={}",
            enc(server::JWT_ASSERTION_TYPE),
            claims_with_kid(&mut claims, &rsa, None)
        )
    };
    let mut seen = Seen::new();
    let mut send = |client: &str| {
        let r = request(&[FORM], &body(client));
        server::authenticate(&r, &clients, &endpoint(), None, &mut seen, now()).map(|c| c.method())
    };
    assert_eq!(send("first"), Ok(Method::PrivateKeyJwt));
    assert_eq!(send("second"), Ok(Method::PrivateKeyJwt));
    let again = send("second").unwrap_err();
    assert!(
        again.description().contains("replay"),
        "{}",
        again.description()
    );
}

#[test]
fn client_assertions_without_jti_are_refused_by_default() {
    let key = signing_key("rsa2048.pkcs8.pem");
    let jwt = Claims::for_client("jwt-app", TOKEN_URL)
        .without_jti()
        .sign_at(&key, now(), &SystemRandom::new())
        .unwrap();
    let body = format!(
        "grant_type=client_credentials&client_assertion_type={}&client_assertion={}",
        enc(server::JWT_ASSERTION_TYPE),
        jwt.expose_secret()
    );
    assert!(auth(&[FORM], &body).is_err());
    let clients = clients();
    let lenient = endpoint().allow_missing_jti();
    let caller = server::authenticate(
        &request(&[FORM], &body),
        &clients,
        &lenient,
        None,
        &mut Seen::new(),
        now(),
    );
    assert_eq!(caller.map(|c| c.method()), Ok(Method::PrivateKeyJwt));
}

#[test]
fn client_secret_jwt() {
    let key = SigningKey::hmac(b"a shared secret of 32 bytes or more!").unwrap();
    let body = client_assertion(&key, "hs-app", TOKEN_URL, None);
    assert_eq!(
        auth(&[FORM], &body),
        Ok((Some("hs-app".into()), Method::ClientSecretJwt))
    );
    let other = SigningKey::hmac(b"another secret of 32 bytes or more!!").unwrap();
    assert!(
        auth(
            &[FORM],
            &client_assertion(&other, "hs-app", TOKEN_URL, None)
        )
        .is_err()
    );
    // An HMAC assertion for a client with keys and no secret.
    assert!(auth(&[FORM], &client_assertion(&key, "jwt-app", TOKEN_URL, None)).is_err());
}

#[test]
fn assertion_parameters_must_agree() {
    let body = client_assertion(
        &signing_key("rsa2048.pkcs8.pem"),
        "jwt-app",
        TOKEN_URL,
        None,
    );
    let refused = auth(&[FORM], &format!("{body}&client_id=basic-app")).unwrap_err();
    assert_eq!(refused.reason(), Reason::InconsistentParameters);
    let refused = auth(
        &[FORM],
        "grant_type=client_credentials&client_assertion=x.y.z",
    )
    .unwrap_err();
    assert_eq!(refused.reason(), Reason::InconsistentParameters);
    let refused = auth(
        &[FORM],
        &format!(
            "grant_type=client_credentials&client_assertion_type={}",
            enc(server::JWT_ASSERTION_TYPE)
        ),
    )
    .unwrap_err();
    assert_eq!(refused.reason(), Reason::InconsistentParameters);
    let not_jwt = format!(
        "grant_type=client_credentials&client_assertion_type={}&client_assertion=abc",
        enc(server::JWT_ASSERTION_TYPE)
    );
    assert_eq!(
        auth(&[FORM], &not_jwt).unwrap_err().reason(),
        Reason::BadClientCredentials
    );
}

#[test]
fn tls_client_auth_by_the_callers_certificate() {
    let pem = include_bytes!("data/tls/client.cert.pem");
    let leaf = common::der_of_pem(pem).unwrap();
    let body = "grant_type=client_credentials&client_id=mtls-app";
    let ok = auth_with(
        &[FORM],
        body,
        Some(PeerCertificate::chain_verified(&leaf)),
        &mut Seen::new(),
    );
    assert_eq!(ok, Ok((Some("mtls-app".into()), Method::TlsClientAuth)));
    // The chain unchecked, or no certificate at all: refused.
    for peer in [Some(PeerCertificate::unverified(&leaf)), None] {
        let refused = auth_with(&[FORM], body, peer, &mut Seen::new()).unwrap_err();
        assert_eq!(refused.reason(), Reason::BadClientCredentials);
    }
    let self_signed =
        common::der_of_pem(include_bytes!("data/tls/self-signed-client.cert.pem")).unwrap();
    let body = "grant_type=client_credentials&client_id=self-signed-app";
    let ok = auth_with(
        &[FORM],
        body,
        Some(PeerCertificate::unverified(&self_signed)),
        &mut Seen::new(),
    );
    assert_eq!(
        ok,
        Ok((
            Some("self-signed-app".into()),
            Method::SelfSignedTlsClientAuth
        ))
    );
    let refused = auth_with(
        &[FORM],
        body,
        Some(PeerCertificate::chain_verified(&leaf)),
        &mut Seen::new(),
    );
    assert!(refused.is_err(), "another certificate");
}

#[test]
fn no_credentials_names_the_client_and_require_refuses_it() {
    let clients = clients();
    let r = request(
        &[FORM],
        "grant_type=client_credentials&client_id=public-app",
    );
    let caller =
        server::authenticate(&r, &clients, &endpoint(), None, &mut Seen::new(), now()).unwrap();
    assert_eq!(
        (caller.client().map(Client::id), caller.method()),
        (Some("public-app"), Method::None)
    );
    let refused = caller.require().unwrap_err();
    assert_eq!(
        (refused.reason(), refused.status()),
        (Reason::ClientAuthenticationRequired, 401)
    );
    assert!(auth(&[FORM], "grant_type=client_credentials&client_id=nobody").is_err());
}

fn issuers() -> BTreeMap<String, Issuer> {
    let rsa = signing_key("rsa2048.pkcs8.pem").verifying_key();
    let cert = Certificate::from_pem(include_str!("data/keys/rsa2048.cert.pem")).unwrap();
    [
        Issuer::new("sf-org")
            .with_keys(rsa.clone())
            .with_saml_key(cert.verifying_key().unwrap()),
        Issuer::new("robot").with_keys(rsa).allow_missing_subject(),
    ]
    .into_iter()
    .map(|i| (i.name().to_owned(), i))
    .collect()
}

fn jwt_bearer_body(claims: Claims, key: &SigningKey) -> String {
    let jwt = claims.sign_at(key, now(), &SystemRandom::new()).unwrap();
    format!(
        "grant_type={}&assertion={}",
        enc(server::JWT_BEARER),
        jwt.expose_secret()
    )
}

#[test]
fn jwt_bearer_grants() {
    let key = signing_key("rsa2048.pkcs8.pem");
    let issuers = issuers();
    let mut seen = Seen::new();
    let verify = |body: &str, endpoint: &Endpoint, seen: &mut Seen| {
        server::verify_jwt_bearer(&request(&[FORM], body), &issuers, endpoint, seen, now())
    };
    let body = jwt_bearer_body(Claims::new("sf-org", "alice@example.com", TOKEN_URL), &key);
    let grant = verify(&body, &endpoint(), &mut seen).unwrap();
    assert_eq!(
        (grant.issuer(), grant.subject()),
        ("sf-org", Some("alice@example.com"))
    );
    assert_eq!(
        verify(&body, &endpoint(), &mut seen).unwrap_err().reason(),
        Reason::InvalidAssertion,
        "replay"
    );

    let wrong_aud = jwt_bearer_body(
        Claims::new("sf-org", "alice", "https://login.salesforce.com"),
        &key,
    );
    assert_eq!(
        verify(&wrong_aud, &endpoint(), &mut seen)
            .unwrap_err()
            .reason(),
        Reason::AssertionAudience
    );
    let salesforce_like = endpoint().with_grant_audience("https://login.salesforce.com");
    assert!(verify(&wrong_aud, &salesforce_like, &mut seen).is_ok());

    let unknown = jwt_bearer_body(Claims::new("stranger", "alice", TOKEN_URL), &key);
    let refused = verify(&unknown, &endpoint(), &mut seen).unwrap_err();
    assert_eq!(
        (refused.code(), refused.reason()),
        (&ErrorCode::InvalidGrant, Reason::UnknownIssuer)
    );

    let other_key = signing_key("p256.pkcs8.pem");
    let forged = jwt_bearer_body(Claims::new("sf-org", "alice", TOKEN_URL), &other_key);
    assert_eq!(
        verify(&forged, &endpoint(), &mut seen)
            .unwrap_err()
            .reason(),
        Reason::InvalidAssertion
    );

    let no_sub = jwt_bearer_body(Claims::without_subject("sf-org", TOKEN_URL), &key);
    assert!(
        verify(&no_sub, &endpoint(), &mut seen).is_err(),
        "RFC 7523 §3 wants sub"
    );
    let robot = jwt_bearer_body(Claims::without_subject("robot", TOKEN_URL), &key);
    assert_eq!(
        verify(&robot, &endpoint(), &mut seen).unwrap().subject(),
        None
    );

    let prn = Claims::without_subject("sf-org", TOKEN_URL)
        .with_claim("prn", "bob")
        .unwrap();
    let prn = jwt_bearer_body(prn, &key);
    assert!(verify(&prn, &endpoint(), &mut Seen::new()).is_err());
    let grant = verify(&prn, &endpoint().with_legacy_prn(true), &mut seen).unwrap();
    assert_eq!(grant.subject(), Some("bob"));

    let rs256_only = endpoint().with_grant_algorithms(&[s2s_oauth::Algorithm::RS256]);
    let ps256 = Claims::new("sf-org", "alice", TOKEN_URL)
        .sign_at(
            &key.clone()
                .with_algorithm(s2s_oauth::Algorithm::PS256)
                .unwrap(),
            now(),
            &SystemRandom::new(),
        )
        .unwrap();
    let ps256 = format!(
        "grant_type={}&assertion={}",
        enc(server::JWT_BEARER),
        ps256.expose_secret()
    );
    assert!(verify(&ps256, &rs256_only, &mut seen).is_err());
    assert!(verify(&ps256, &endpoint(), &mut seen).is_ok());

    let expired = Claims::new("sf-org", "alice", TOKEN_URL)
        .sign_at(&key, at(-7200), &SystemRandom::new())
        .unwrap();
    let expired = format!(
        "grant_type={}&assertion={}",
        enc(server::JWT_BEARER),
        expired.expose_secret()
    );
    assert_eq!(
        verify(&expired, &endpoint(), &mut seen)
            .unwrap_err()
            .reason(),
        Reason::AssertionExpired
    );

    let missing = verify(
        &format!("grant_type={}", enc(server::JWT_BEARER)),
        &endpoint(),
        &mut seen,
    )
    .unwrap_err();
    assert_eq!(
        (missing.code(), missing.reason()),
        (&ErrorCode::InvalidRequest, Reason::MissingParameter)
    );
}

#[cfg(feature = "saml")]
#[test]
fn saml_bearer_grants() {
    use s2s_oauth::saml::{Assertion, Signer};
    let key = signing_key("rsa2048.pkcs8.pem");
    let cert = Certificate::from_pem(include_str!("data/keys/rsa2048.cert.pem")).unwrap();
    let signer = Signer::new(key, cert).unwrap();
    let issuers = issuers();
    let body = |issuer: &str, audience: &str| {
        let xml = Assertion::new(issuer, "alice@example.com", audience, TOKEN_URL)
            .sign_at(&signer, now(), &SystemRandom::new())
            .unwrap();
        format!(
            "grant_type={}&assertion={}",
            enc(server::SAML2_BEARER),
            Base64UrlUnpadded::encode_string(xml.expose_secret().as_bytes())
        )
    };
    let mut seen = Seen::new();
    let ok = body("sf-org", TOKEN_URL);
    let verified = server::verify_saml_bearer(
        &request(&[FORM], &ok),
        &issuers,
        &endpoint(),
        &mut seen,
        now(),
    )
    .unwrap();
    assert_eq!(
        (verified.issuer.as_str(), verified.subject.as_str()),
        ("sf-org", "alice@example.com")
    );
    let again = server::verify_saml_bearer(
        &request(&[FORM], &ok),
        &issuers,
        &endpoint(),
        &mut seen,
        now(),
    );
    assert!(again.is_err(), "replayed ID");
    let wrong = body("sf-org", "https://elsewhere");
    let refused = server::verify_saml_bearer(
        &request(&[FORM], &wrong),
        &issuers,
        &endpoint(),
        &mut seen,
        now(),
    )
    .unwrap_err();
    assert_eq!(refused.reason(), Reason::AssertionAudience);
    let stranger = body("stranger", TOKEN_URL);
    let refused = server::verify_saml_bearer(
        &request(&[FORM], &stranger),
        &issuers,
        &endpoint(),
        &mut seen,
        now(),
    )
    .unwrap_err();
    assert_eq!(refused.reason(), Reason::UnknownIssuer);
    let junk = format!("grant_type={}&assertion=%%%", enc(server::SAML2_BEARER));
    let refused = server::verify_saml_bearer(
        &request(&[FORM], &junk),
        &issuers,
        &endpoint(),
        &mut seen,
        now(),
    )
    .unwrap_err();
    assert_eq!(refused.reason(), Reason::InvalidAssertion);
}

#[cfg(feature = "saml")]
#[test]
fn a_saml_id_is_unique_per_issuer() {
    use s2s_oauth::saml::{Assertion, Signer};
    let key = signing_key("rsa2048.pkcs8.pem");
    let cert = Certificate::from_pem(include_str!("data/keys/rsa2048.cert.pem")).unwrap();
    let signer = Signer::new(key, cert.clone()).unwrap();
    let issuers: BTreeMap<String, Issuer> = ["org-a", "org-b"]
        .map(|name| {
            let issuer = Issuer::new(name).with_saml_key(cert.verifying_key().unwrap());
            (name.to_owned(), issuer)
        })
        .into();
    let body = |issuer: &str| {
        let xml = Assertion::new(issuer, "alice@example.com", TOKEN_URL, TOKEN_URL)
            .with_id("_shared-1")
            .sign_at(&signer, now(), &SystemRandom::new())
            .unwrap();
        format!(
            "grant_type={}&assertion={}",
            enc(server::SAML2_BEARER),
            Base64UrlUnpadded::encode_string(xml.expose_secret().as_bytes())
        )
    };
    let mut seen = Seen::new();
    let mut send = |issuer: &str| {
        let r = request(&[FORM], &body(issuer));
        server::verify_saml_bearer(&r, &issuers, &endpoint(), &mut seen, now()).map(|v| v.issuer)
    };
    assert_eq!(send("org-a"), Ok("org-a".to_owned()));
    assert_eq!(send("org-b"), Ok("org-b".to_owned()), "another issuer's ID");
    assert!(send("org-b").is_err(), "replayed ID");
}

#[test]
fn a_refusal_of_the_callers_own_may_use_a_code_beyond_the_rfc() {
    let refused = Refusal::new(
        ErrorCode::Other("invalid_app_access".into()),
        "user is not admin approved",
    );
    let response = refused.to_http_response();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["error"], "invalid_app_access");
    // RFC 6749 §5.2: the error code keeps to %x20-21 / %x23-5B / %x5D-7E as the
    // description does, whatever the caller passed.
    let odd = Refusal::new(ErrorCode::Other("no \"quotes\"\\ or\r\né".into()), "x");
    let body: serde_json::Value = serde_json::from_slice(odd.to_http_response().body()).unwrap();
    let code = body["error"].as_str().unwrap();
    assert!(
        code.bytes()
            .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E)),
        "{code:?}"
    );
    assert_eq!(
        Refusal::new(ErrorCode::TemporarilyUnavailable, "later").status(),
        503
    );
}

#[test]
fn grant_types_are_typed() {
    use s2s_oauth::server::GrantType;
    for (sent, typed) in [
        ("client_credentials", GrantType::ClientCredentials),
        ("refresh_token", GrantType::RefreshToken),
        ("authorization_code", GrantType::AuthorizationCode),
        (server::JWT_BEARER, GrantType::JwtBearer),
        (server::SAML2_BEARER, GrantType::Saml2Bearer),
        (
            "urn:ietf:params:oauth:grant-type:token-exchange",
            GrantType::TokenExchange,
        ),
        ("Client_Credentials", GrantType::Other("Client_Credentials")),
    ] {
        let r = request(&[FORM], &format!("grant_type={}", enc(sent)));
        assert_eq!((r.grant(), r.grant_type()), (typed, sent));
    }
}

#[test]
fn success_is_rfc_6749_5_1() {
    let response = Success::new("at", "DPoP")
        .with_expires_in(Duration::from_secs(60))
        .with_refresh_token("rt")
        .with_scope("a b")
        .with_field(
            "issued_token_type",
            "urn:ietf:params:oauth:token-type:access_token",
        )
        .to_http_response();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(response.header("pragma"), Some("no-cache"));
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["token_type"], "DPoP");
    assert_eq!(body["refresh_token"], "rt");
    assert_eq!(body["expires_in"], 60);
    let debug = format!("{:?}", Success::bearer("secret-token"));
    assert!(!debug.contains("secret-token"), "{debug}");
}

#[test]
fn hostile_requests_get_typed_refusals_and_no_panic() {
    let clients = clients();
    let issuers = issuers();
    let long = "a".repeat(60_000);
    let bodies: Vec<String> = vec![
        String::new(),
        "&&&===&".into(),
        "grant_type".into(),
        format!("grant_type=client_credentials&client_id={long}"),
        format!("grant_type=client_credentials&client_id={long}&client_secret=x"),
        "grant_type=client_credentials&client_assertion_type=x&client_assertion=y".into(),
        format!("grant_type={}&assertion=a.b.c", enc(server::JWT_BEARER)),
        format!("grant_type={}&assertion=....", enc(server::JWT_BEARER)),
        "grant_type=%E2%82&client_id=x".into(),
        "grant_type=%%%%%&client_id=%00%0A".into(),
    ];
    let headers: Vec<Vec<(&str, &str)>> = vec![
        vec![FORM],
        vec![FORM, ("Authorization", "")],
        vec![FORM, ("Authorization", "Basic")],
        vec![FORM, ("Authorization", "Basic !!!")],
        vec![FORM, ("Authorization", "Basic Og==")], // ":"
        vec![FORM, ("Authorization", "Basic /w==")], // 0xFF, no colon
        vec![FORM, ("Authorization", "Basic /zr/")], // 0xFF ':' 0xFF
    ];
    for body in &bodies {
        for h in &headers {
            let Ok(r) = Request::parse("POST", h, body.as_bytes()) else {
                continue;
            };
            let a = server::authenticate(&r, &clients, &endpoint(), None, &mut Seen::new(), now());
            if let Err(refusal) = &a {
                assert!(
                    refusal.description().len() < 1024,
                    "echoes are bounded: {}",
                    refusal.description().len()
                );
                let _ = refusal.to_http_response();
            }
            let _ = server::verify_jwt_bearer(&r, &issuers, &endpoint(), &mut Seen::new(), now());
        }
    }
}

#[test]
fn many_distinct_parameters_parse_in_linear_time() {
    // 64 KiB of distinct one-to-three-letter names: a quadratic repeat check is
    // tens of millions of comparisons per request.
    let mut body = String::from("grant_type=client_credentials");
    let mut i = 0u32;
    while body.len() < server::MAX_BODY - 16 {
        body.push_str(&format!("&{i:x}=v"));
        i += 1;
    }
    let started = std::time::Instant::now();
    let r = request(&[FORM], &body);
    let took = started.elapsed();
    assert_eq!(r.pairs().len(), i as usize + 1);
    assert!(
        took < Duration::from_millis(200),
        "{took:?} for {i} parameters"
    );
}

/// A client assertion that could have been signed by more keys of a registered
/// set than one token may cost (no `kid`, five keys of its algorithm) is refused
/// before any signature is checked; naming the key in `kid` is accepted.
#[test]
fn an_assertion_without_kid_against_a_large_set_is_refused_unchecked() {
    let p256 = signing_key("p256.pkcs8.pem");
    let members: Vec<(&SigningKey, String)> = (0..5).map(|i| (&p256, format!("k{i}"))).collect();
    let members: Vec<(&SigningKey, &str, Option<&str>)> = members
        .iter()
        .map(|(key, kid)| (*key, kid.as_str(), None))
        .collect();
    let set = Jwks::parse(jwk_set(&members).as_bytes()).unwrap();
    assert!(set.keys().len() > Jwks::MAX_SIGNATURE_CHECKS);
    let clients = jwks_clients(set);
    let body = client_assertion(&p256, "jwks-app", TOKEN_URL, None);
    let refused = auth_jwks(&clients, &body).unwrap_err();
    assert_eq!(refused.reason(), Reason::BadClientCredentials);
    assert!(
        refused.description().contains("kid"),
        "{}",
        refused.description()
    );
    let body = client_assertion(&p256, "jwks-app", TOKEN_URL, Some("k3"));
    assert_eq!(auth_jwks(&clients, &body), Ok(Method::PrivateKeyJwt));
}
