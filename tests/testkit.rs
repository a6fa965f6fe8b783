//! The local authorization server, over real HTTP on loopback.
//!
//! Requests are raw forms sent with ureq (no redirects, statuses as values), and
//! assertions are signed here with ring directly, so these tests depend neither on
//! the crate's request builder nor on its JWT signer: only the server is under test.

#[path = "testkit/configuration.rs"]
mod configuration;
#[path = "testkit/robustness.rs"]
mod robustness;
#[path = "testkit/support.rs"]
mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use base64ct::{Base64, Encoding};
use s2s_oauth::testkit::{Client, Config, Profile, Server};
use serde_json::json;

use support::*;

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
        &rs256(&pair, &claims("app", USER, &server.audience())),
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
            {
                // One character in the middle of the signature changed.
                let mut jwt = rs256(&pair, &claims("app", USER, &aud)).into_bytes();
                let at = jwt.len() - 20;
                jwt[at] = if jwt[at] == b'A' { b'B' } else { b'A' };
                String::from_utf8(jwt).unwrap()
            },
            ("invalid_grant", "invalid assertion"),
        ),
        (
            // The key verifies PS256, but Salesforce takes RS256 only.
            "PS256 with the app's RSA key",
            ps256(&pair, &claims("app", USER, &aud)),
            ("invalid_grant", "invalid assertion"),
        ),
        (
            "ES256",
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
            rs256(&pair, &claims("app", USER, "https://test.salesforce.com")),
            ("invalid_grant", "audience is invalid"),
        ),
        (
            "expired",
            rs256(
                &pair,
                &json!({"iss": "app", "sub": USER, "aud": aud, "exp": now - 600}),
            ),
            ("invalid_grant", "expired authorization code"),
        ),
        (
            "unknown user",
            rs256(&pair, &claims("app", "mallory@example.com", &aud)),
            ("invalid_grant", "user hasn't approved this consumer"),
        ),
        (
            "unknown issuer",
            rs256(&pair, &claims("stranger", USER, &aud)),
            ("invalid_client_id", "client identifier invalid"),
        ),
        (
            "lifetime beyond 3 minutes",
            rs256(
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
    let once = rs256(&pair, &claims("app", USER, &aud));
    assert_eq!(jwt_bearer(&server, &once).status, 200);
    let r = jwt_bearer(&server, &once);
    assert_eq!(r.error(), ("invalid_grant", "invalid assertion"));
}

#[test]
fn salesforce_accepts_the_legacy_prn_claim() {
    let (server, pair) = salesforce();
    let aud = server.audience();
    let now = now_secs();
    let prn_only = json!({"iss": "app", "prn": USER, "aud": aud, "exp": now + 60});
    let r = jwt_bearer(&server, &rs256(&pair, &prn_only));
    assert_eq!(r.status, 200, "{:?}", r.body);
    // prn wins over sub.
    let both = json!({"iss": "app", "prn": "mallory@example.com", "sub": USER, "aud": aud, "exp": now + 60});
    let r = jwt_bearer(&server, &rs256(&pair, &both));
    assert_eq!(
        r.error(),
        ("invalid_grant", "user hasn't approved this consumer")
    );
    // Neither: refused.
    let neither = json!({"iss": "app", "aud": aud, "exp": now + 60});
    let r = jwt_bearer(&server, &rs256(&pair, &neither));
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

#[test]
fn introspection_and_revocation_take_the_token_once() {
    let (server, _) = generic();
    for url in [server.introspection_url(), server.revocation_url()] {
        let creds = basic("app", "s3cr3t");
        let missing = post(&url, Some(&creds), &[("token_type_hint", "access_token")]);
        assert_eq!(
            (missing.status, missing.error().0),
            (400, "invalid_request"),
            "{url}"
        );
        let twice = post(&url, Some(&creds), &[("token", "a"), ("token", "b")]);
        assert_eq!(
            (twice.status, twice.error().0),
            (400, "invalid_request"),
            "{url}"
        );
        assert!(
            twice.error().1.contains("token"),
            "{url}: {:?}",
            twice.error()
        );
    }
}
