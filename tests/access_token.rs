//! RFC 9068 JWT access tokens: issued by the testkit, verified through its
//! discovery document and JWK Set with a caller-owned `JwksCache` (fetches
//! counted against the testkit), refused when tampered, expired, for another
//! audience, of another type; the Salesforce preset.

mod common;

use std::time::{Duration, SystemTime};

use serde_json::json;

use s2s_oauth::discovery::{AuthorizationServerMetadata, JwksCache};
use s2s_oauth::jwt::{
    AccessTokenClaims, AccessTokenValidation, Claims, Confirmation, Jwks, JwksError, JwtError,
    verify_access_token,
};
use s2s_oauth::providers::salesforce::{self, LoginHost};
use s2s_oauth::testkit::{Client, Config, Fault, Profile, Server};
use s2s_oauth::{ClientAuth, Error, Grant, HttpResponse, SigningKey, TokenRequest};

const API: &str = "https://api.example";

fn at_key() -> SigningKey {
    common::signing_key("p256.pkcs8.pem").with_kid("at-1")
}

fn server() -> Server {
    Server::start(
        Config::new(Profile::Generic)
            .with_client(Client::new("billing").with_secret("s3cr3t"))
            .with_jwt_access_tokens(at_key(), API),
    )
    .unwrap()
}

fn access_token(server: &Server) -> String {
    TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::basic("billing", "s3cr3t"),
    )
    .unwrap()
    .with_scope("orders:read orders:write")
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap()
    .access_token()
    .expose_secret()
    .to_owned()
}

fn jwks_fetches(server: &Server) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path() == "/jwks")
        .count()
}

#[test]
fn testkit_tokens_verify_through_discovery_and_the_jwks() {
    let server = server();
    let agent = s2s_oauth::agent();
    let metadata = AuthorizationServerMetadata::discover(&agent, &server.base_url()).unwrap();
    assert_eq!(metadata.jwks_uri(), Some(server.jwks_url().as_str()));
    let mut cache = JwksCache::for_issuer(&metadata).unwrap();
    let rules = AccessTokenValidation::new(metadata.issuer(), API).require_scope("orders:read");
    let token = access_token(&server);
    let now = SystemTime::now();
    let verified = cache
        .verify_access_token(&agent, &token, &rules, now)
        .unwrap();
    assert_eq!(verified.client_id(), Some("billing"));
    assert_eq!(verified.issuer(), server.base_url());
    assert!(verified.subject().is_some());
    assert_eq!(
        verified
            .scopes()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["orders:read", "orders:write"]
    );
    assert_eq!(verified.jwt().header()["typ"], "at+jwt");
    assert_eq!(verified.confirmation().jkt(), None);
    // The opaque token's record moved to the JWT: the protected resource takes it.
    let api = agent
        .get(server.resource_url())
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(api.status(), 200);

    // Refusals, with no further fetch: the kid is known.
    let other_audience = AccessTokenValidation::new(metadata.issuer(), "https://other.example");
    let err = cache
        .verify_access_token(&agent, &token, &other_audience, now)
        .unwrap_err();
    assert!(
        matches!(err, Error::Jwt(JwtError::WrongAudience { .. })),
        "{err}"
    );
    let other_issuer = AccessTokenValidation::new("https://evil.example", API);
    let err = cache
        .verify_access_token(&agent, &token, &other_issuer, now)
        .unwrap_err();
    assert!(
        matches!(err, Error::Jwt(JwtError::WrongIssuer { .. })),
        "{err}"
    );
    let later = now + Duration::from_secs(2 * 3600);
    let err = cache.verify_access_token(&agent, &token, &rules, later);
    assert!(
        matches!(err, Err(Error::Jwt(JwtError::Expired { .. }))),
        "{err:?}"
    );
    let mut tampered = token.clone();
    let dot = tampered.rfind('.').unwrap();
    tampered.replace_range(
        dot + 1..dot + 3,
        if &token[dot + 1..dot + 3] == "AA" {
            "BB"
        } else {
            "AA"
        },
    );
    let err = cache
        .verify_access_token(&agent, &tampered, &rules, now)
        .unwrap_err();
    assert!(
        matches!(err, Error::Jwt(JwtError::InvalidSignature)),
        "{err}"
    );
    let err = cache
        .verify_access_token(&agent, &token, &rules.clone().require_scope("admin"), now)
        .unwrap_err();
    assert!(
        matches!(err, Error::Jwt(JwtError::MissingScope(_))),
        "{err}"
    );
    // One fetch, plus one for the check at +2 h, past the set's max age (300 s).
    assert_eq!(jwks_fetches(&server), 2);
    assert_eq!(cache.fetches(), 2);
}

#[test]
fn a_kid_flood_is_not_a_fetch_flood() {
    let server = server();
    let agent = s2s_oauth::agent();
    let mut cache = JwksCache::new(&server.jwks_url()).unwrap();
    let key = at_key();
    let rules = AccessTokenValidation::new(server.base_url(), API);
    let t0 = SystemTime::now();
    let forged = |i: usize, now: SystemTime| {
        AccessTokenClaims::new(server.base_url(), API, "svc", "billing")
            .sign_at(
                &key.clone().with_kid(format!("random-{i}")),
                now,
                &ring::rand::SystemRandom::new(),
            )
            .unwrap()
            .expose_secret()
            .to_owned()
    };
    for i in 0..300 {
        let err = cache
            .verify_access_token(&agent, &forged(i, t0), &rules, t0)
            .unwrap_err();
        assert!(
            matches!(err, Error::Jwt(JwtError::NoMatchingKey { .. })),
            "{err}"
        );
    }
    assert_eq!(
        jwks_fetches(&server),
        1,
        "one fetch for the empty cache, none for the flood"
    );
    // After the minimum interval, one more fetch for an unknown kid, then none.
    let t1 = t0 + JwksCache::DEFAULT_MIN_REFETCH_INTERVAL;
    for i in 300..400 {
        assert!(
            cache
                .verify_access_token(&agent, &forged(i, t1), &rules, t1)
                .is_err()
        );
    }
    assert_eq!(jwks_fetches(&server), 2);
    // A genuine token keeps verifying all along without fetches.
    let token = access_token(&server);
    cache
        .verify_access_token(&agent, &token, &rules, t1)
        .unwrap();
    assert_eq!(jwks_fetches(&server), 2);
    // The testkit's max-age=300 is the floor: past it, the set is fetched again.
    let t2 = t1 + Duration::from_secs(300);
    cache
        .verify_access_token(&agent, &token, &rules, t2)
        .unwrap();
    assert_eq!(jwks_fetches(&server), 3);
    assert_eq!(cache.fetches(), 3);
}

#[test]
fn a_failed_fetch_is_not_retried_before_the_interval() {
    let server = server();
    let agent = s2s_oauth::agent();
    let mut cache = JwksCache::new(&server.jwks_url()).unwrap();
    let rules = AccessTokenValidation::new(server.base_url(), API);
    let token = access_token(&server);
    server.inject(Fault::status(503, "text/html", "<h1>down</h1>"), 1);
    let t0 = SystemTime::now();
    let err = cache
        .verify_access_token(&agent, &token, &rules, t0)
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let err = cache
        .verify_access_token(&agent, &token, &rules, t0 + Duration::from_secs(5))
        .unwrap_err();
    assert!(
        matches!(err, Error::Jwks(JwksError::NotFetched { .. })),
        "{err}"
    );
    assert!(err.is_retryable());
    assert_eq!(cache.fetches(), 1);
    let t1 = t0 + JwksCache::DEFAULT_MIN_REFETCH_INTERVAL;
    cache
        .verify_access_token(&agent, &token, &rules, t1)
        .unwrap();
    assert_eq!(cache.fetches(), 2);
}

#[test]
fn sans_io_cache_max_age_rotation_and_bad_answers() {
    let t0 = common::now();
    let mut cache = JwksCache::new("https://idp.example.com/jwks").unwrap();
    assert!(JwksCache::new("http://idp.example.com/jwks").is_err());
    assert!(JwksCache::new("http://127.0.0.1:8080/jwks").is_ok());
    let old = common::signing_key("p256.pkcs8.pem").with_kid("old");
    let new = common::signing_key("p384.pkcs8.pem").with_kid("new");
    let set = |key: &SigningKey| {
        let mut jwk: serde_json::Value = serde_json::from_str(&key.public_jwk().unwrap()).unwrap();
        jwk["kid"] = key.kid().unwrap().into();
        json!({ "keys": [jwk] }).to_string().into_bytes()
    };
    let answer = |cc: Option<&str>, body: Vec<u8>| {
        let headers = cc
            .map(|v| vec![("Cache-Control".to_owned(), v.to_owned())])
            .unwrap_or_default();
        HttpResponse::new(200, headers, body)
    };
    // max-age=0 is held at the floor; an absent one is the default; huge ones the ceiling.
    for (cc, kept) in [
        (Some("no-store"), JwksCache::DEFAULT_FLOOR),
        (Some("max-age=0"), JwksCache::DEFAULT_FLOOR),
        (None, JwksCache::DEFAULT_MAX_AGE),
        (Some("max-age=31536000"), JwksCache::DEFAULT_CEILING),
        (Some("public, max-age=7200"), Duration::from_secs(7200)),
    ] {
        cache.accept(&answer(cc, set(&old)), t0).unwrap();
        assert!(
            !cache.needs_fetch(t0 + kept - Duration::from_secs(1)),
            "{cc:?}"
        );
        assert!(cache.needs_fetch(t0 + kept), "{cc:?}");
    }
    // A token by a rotated-in key asks for a refetch, once per interval.
    let rng = ring::rand::SystemRandom::new();
    let by_new = AccessTokenClaims::new("https://idp.example.com", API, "s", "c")
        .sign_at(&new, t0, &rng)
        .unwrap();
    let by_new = by_new.expose_secret();
    let t1 = t0 + JwksCache::DEFAULT_MIN_REFETCH_INTERVAL;
    assert!(!cache.needs_fetch_for(by_new, t0 + Duration::from_secs(1)));
    assert!(cache.needs_fetch_for(by_new, t1));
    cache.accept(&answer(None, set(&new)), t1).unwrap();
    assert!(!cache.needs_fetch_for(by_new, t1));
    // A clock set back does not hold the rate limit for the time it went back.
    let by_old = AccessTokenClaims::new("https://idp.example.com", API, "s", "c")
        .sign_at(&old, t0, &rng)
        .unwrap();
    assert!(!cache.needs_fetch_for(by_old.expose_secret(), t1 + Duration::from_secs(1)));
    assert!(cache.needs_fetch_for(by_old.expose_secret(), t1 - Duration::from_secs(3600)));
    let rules = AccessTokenValidation::new("https://idp.example.com", API);
    verify_access_token(by_new, cache.keys().unwrap(), &rules, t1).unwrap();
    // Bad answers keep the keys held.
    let t2 = t1 + Duration::from_secs(1);
    let redirect = HttpResponse::new(
        302,
        vec![("Location".into(), "https://evil.example/".into())],
        vec![],
    );
    assert!(matches!(
        cache.accept(&redirect, t2),
        Err(Error::Redirect { .. })
    ));
    assert!(matches!(
        cache.accept(&HttpResponse::new(404, vec![], b"nope".to_vec()), t2),
        Err(Error::UnexpectedStatus(_))
    ));
    assert!(matches!(
        cache.accept(&answer(None, b"<html>".to_vec()), t2),
        Err(Error::Jwks(JwksError::Malformed(_)))
    ));
    assert!(cache.keys().unwrap().has_kid("new"));
    assert_eq!(cache.request().method(), "GET");
}

/// Threads sharing a cache behind a lock read the clock, then wait: a `now`
/// a moment before the last fetch is within the interval, not a clock set back
/// (else every waiting request with an unknown `kid` fetched again).
#[test]
fn a_now_just_before_the_last_fetch_is_within_the_interval() {
    let t0 = common::now();
    let mut cache = JwksCache::new("https://idp.example.com/jwks").unwrap();
    let held = common::signing_key("p256.pkcs8.pem").with_kid("held");
    let mut jwk: serde_json::Value = serde_json::from_str(&held.public_jwk().unwrap()).unwrap();
    jwk["kid"] = "held".into();
    let body = json!({ "keys": [jwk] }).to_string().into_bytes();
    cache
        .accept(&HttpResponse::new(200, vec![], body), t0)
        .unwrap();
    let unknown = AccessTokenClaims::new("https://idp.example.com", API, "s", "c")
        .sign_at(
            &held.clone().with_kid("random"),
            t0,
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
    let unknown = unknown.expose_secret();
    let interval = JwksCache::DEFAULT_MIN_REFETCH_INTERVAL;
    for back in [1, 10, interval.as_secs()] {
        assert!(
            !cache.needs_fetch_for(unknown, t0 - Duration::from_secs(back)),
            "{back} s before the last fetch"
        );
    }
    // Set back by more than the interval: a fetch is allowed again.
    assert!(cache.needs_fetch_for(unknown, t0 - interval - Duration::from_secs(1)));
    assert!(cache.needs_fetch_for(unknown, t0 + interval));
}

/// A JWKS endpoint that keeps failing is asked again after the interval, then
/// after twice, four and eight times it (the cap); a JWK Set ends the backoff.
#[test]
fn a_failing_jwks_endpoint_is_backed_off() {
    let interval = JwksCache::DEFAULT_MIN_REFETCH_INTERVAL;
    let mut cache = JwksCache::new("https://idp.example.com/jwks").unwrap();
    let mut t = common::now();
    let down = HttpResponse::new(503, vec![], b"down".to_vec());
    // The first failure by transport, the others by status: both count.
    cache.fetch_failed(t);
    for factor in [1, 2, 4, 8, 8, 8] {
        let wait = interval * factor;
        assert!(
            !cache.needs_fetch(t + wait - Duration::from_secs(1)),
            "x{factor}"
        );
        assert!(cache.needs_fetch(t + wait), "x{factor}");
        t += wait;
        assert!(cache.accept(&down, t).is_err());
    }
    assert_eq!(cache.fetches(), 7);
    // Back up: the set is taken and the wait is the interval again.
    t += interval * 8;
    let key = common::signing_key("p256.pkcs8.pem").with_kid("k");
    let mut jwk: serde_json::Value = serde_json::from_str(&key.public_jwk().unwrap()).unwrap();
    jwk["kid"] = "k".into();
    let body = json!({ "keys": [jwk] }).to_string().into_bytes();
    cache
        .accept(&HttpResponse::new(200, vec![], body), t)
        .unwrap();
    let unknown = AccessTokenClaims::new("https://idp.example.com", API, "s", "c")
        .sign_at(
            &key.clone().with_kid("rotated"),
            t,
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
    assert!(!cache.needs_fetch_for(
        unknown.expose_secret(),
        t + interval - Duration::from_secs(1)
    ));
    assert!(cache.needs_fetch_for(unknown.expose_secret(), t + interval));
}

#[test]
fn the_rfc_9068_profile() {
    let key = at_key();
    let jwks = Jwks::from_keys([(key.verifying_key(), Some("at-1".into()))]);
    let now = common::now();
    let rng = ring::rand::SystemRandom::new();
    let rules = AccessTokenValidation::new("https://as.example", API);
    let issue = |claims: AccessTokenClaims| {
        claims
            .sign_at(&key, now, &rng)
            .unwrap()
            .expose_secret()
            .to_owned()
    };
    let base = || AccessTokenClaims::new("https://as.example", API, "svc", "billing");
    // cnf is exposed for the DPoP check.
    let bound = issue(base().with_confirmation(Confirmation::default().with_jkt("abc")));
    assert_eq!(
        verify_access_token(&bound, &jwks, &rules, now)
            .unwrap()
            .confirmation()
            .jkt(),
        Some("abc")
    );
    // An ID token or an assertion (typ JWT) is no access token.
    let id_token = Claims::new("https://as.example", "svc", API)
        .with_claim("client_id", "billing")
        .unwrap()
        .sign_at(&key, now, &rng)
        .unwrap();
    let err = verify_access_token(id_token.expose_secret(), &jwks, &rules, now).unwrap_err();
    assert!(
        matches!(&err, Error::Jwt(JwtError::WrongType { received: Some(t) }) if &**t == "JWT"),
        "{err}"
    );
    // typ application/at+jwt (any case) is the same type; no typ is refused.
    for (typ, ok) in [
        (Some("application/AT+JWT"), true),
        (Some("at+jwt"), true),
        (None, false),
        (Some("jwt"), false),
    ] {
        let token = hand_signed(
            &key,
            typ,
            json!({"iss": "https://as.example", "aud": API, "sub": "s",
            "client_id": "c", "iat": 1_700_000_000u64, "exp": 1_700_000_300u64, "jti": "j"}),
        );
        assert_eq!(
            verify_access_token(&token, &jwks, &rules, now).is_ok(),
            ok,
            "{typ:?}"
        );
    }
    // Each required claim.
    for missing in ["client_id", "iat", "jti", "sub", "exp", "iss", "aud"] {
        let mut claims = json!({"iss": "https://as.example", "aud": [API, "other"], "sub": "s",
            "client_id": "c", "iat": 1_700_000_000u64, "exp": 1_700_000_300u64, "jti": "j"});
        claims.as_object_mut().unwrap().remove(missing);
        let token = hand_signed(&key, Some("at+jwt"), claims);
        let err = verify_access_token(&token, &jwks, &rules, now).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Jwt(JwtError::MissingClaim(_) | JwtError::MissingJti)
            ),
            "{missing}: {err}"
        );
    }
    // scope of the wrong type; scp as an array when there is no scope.
    let token = hand_signed(
        &key,
        Some("at+jwt"),
        json!({"iss": "https://as.example", "aud": API, "sub": "s",
        "client_id": "c", "iat": 1_700_000_000u64, "exp": 1_700_000_300u64, "jti": "j", "scope": ["a"]}),
    );
    assert!(matches!(
        verify_access_token(&token, &jwks, &rules, now),
        Err(Error::Jwt(JwtError::InvalidClaim("scope")))
    ));
    // A token that lives longer than a day is refused.
    let long = issue(base().with_lifetime(Duration::from_secs(3 * 86_400)));
    assert!(matches!(
        verify_access_token(&long, &jwks, &rules, now),
        Err(Error::Jwt(JwtError::LifetimeTooLong { .. }))
    ));
    assert!(base().with_claim("client_id", "x").is_err());
}

/// A compact JWS with this `typ` and these claims, signed with `key`.
fn hand_signed(key: &SigningKey, typ: Option<&str>, claims: serde_json::Value) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let mut header = json!({"alg": key.algorithm().as_str(), "kid": key.kid()});
    if let Some(typ) = typ {
        header["typ"] = typ.into();
    }
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    );
    let signature = key
        .sign(input.as_bytes(), &ring::rand::SystemRandom::new())
        .unwrap();
    format!("{input}.{}", Base64UrlUnpadded::encode_string(&signature))
}

#[test]
fn salesforce_jwt_based_access_tokens() {
    let host = LoginHost::my_domain("https://acme.my.salesforce.com").unwrap();
    assert_eq!(
        salesforce::jwks_url(&host),
        "https://acme.my.salesforce.com/id/keys"
    );
    assert_eq!(
        salesforce::jwks_cache(&host).unwrap().url(),
        "https://acme.my.salesforce.com/id/keys"
    );
    let key = common::signing_key("rsa2048.pkcs8.pem").with_kid("sf-1");
    let jwks = Jwks::from_keys([(key.verifying_key(), Some("sf-1".into()))]);
    let now = common::now();
    // As Salesforce's help page describes it: RS256, typ JWT, scopes in scp.
    let token = hand_signed(
        &key,
        Some("JWT"),
        json!({"iss": "https://acme.my.salesforce.com",
        "aud": "my-api", "sub": "005xx000001SwiUAAS", "scp": ["api", "refresh_token"],
        "exp": 1_700_000_900u64, "nbf": 1_699_999_990u64}),
    );
    let rules = salesforce::access_token_validation(&host, "my-api").require_scope("api");
    let verified = verify_access_token(&token, &jwks, &rules, now).unwrap();
    assert!(verified.has_scope("refresh_token"));
    assert_eq!(verified.client_id(), None);
    // PS256 (not Salesforce's) and another org are refused.
    let ps = key
        .clone()
        .with_algorithm(s2s_oauth::Algorithm::PS256)
        .unwrap();
    let token = hand_signed(
        &ps,
        Some("JWT"),
        json!({"iss": "https://acme.my.salesforce.com",
        "aud": "my-api", "sub": "005", "exp": 1_700_000_900u64}),
    );
    assert!(matches!(
        verify_access_token(&token, &jwks, &rules, now),
        Err(Error::Jwt(JwtError::AlgorithmNotAllowed(_)))
    ));
    let token = hand_signed(
        &key,
        Some("JWT"),
        json!({"iss": "https://other.my.salesforce.com",
        "aud": "my-api", "sub": "005", "exp": 1_700_000_900u64}),
    );
    assert!(matches!(
        verify_access_token(&token, &jwks, &rules, now),
        Err(Error::Jwt(JwtError::WrongIssuer { .. }))
    ));
}

#[test]
fn the_jwks_uri_from_metadata_is_checked() {
    let metadata = |jwks_uri: Option<&str>| {
        let mut body = json!({"issuer": "https://idp.example.com", "token_endpoint": "https://idp.example.com/token"});
        if let Some(uri) = jwks_uri {
            body["jwks_uri"] = uri.into();
        }
        let response = HttpResponse::new(200, vec![], body.to_string().into_bytes());
        AuthorizationServerMetadata::parse(&response, "https://idp.example.com").unwrap()
    };
    assert_eq!(
        JwksCache::for_issuer(&metadata(Some("https://keys.example.com/jwks")))
            .unwrap()
            .url(),
        "https://keys.example.com/jwks"
    );
    for refused in [
        None,
        Some("http://127.0.0.1:9/jwks"),
        Some("http://idp.example.com/jwks"),
        Some("not a url"),
    ] {
        let err = JwksCache::for_issuer(&metadata(refused)).unwrap_err();
        assert!(
            matches!(err, Error::InvalidUrl { .. }),
            "{refused:?}: {err}"
        );
    }
}
