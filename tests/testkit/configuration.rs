//! Configuration knobs: audience, assertion lifetime, refresh tokens, required
//! client authentication.

use std::time::Duration;

use s2s_oauth::testkit::{Client, Config, Profile, Server};
use serde_json::json;

use super::support::*;

#[test]
fn audience_and_assertion_lifetime_are_configurable() {
    let (pair, key) = p256();
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_audience("https://login.example.com")
            .with_max_assertion_lifetime(Duration::from_secs(60))
            .with_leeway(Duration::ZERO)
            .with_client(Client::new("app").with_public_key(key).with_user(USER)),
    )
    .unwrap();
    assert_eq!(server.audience(), "https://login.example.com");
    assert_eq!(server.profile(), Profile::Generic);
    let now = now_secs();
    let short = json!({"iss": "app", "sub": USER, "aud": server.audience(), "exp": now + 50});
    let r = jwt_bearer(&server, &es256(&pair, &short));
    assert_eq!(r.status, 200, "{:?}", r.body);
    // A client without with_refresh_tokens gets no refresh token.
    assert!(r.body.get("refresh_token").is_none());
    // The token URL is not the audience any more.
    let r = jwt_bearer(
        &server,
        &es256(&pair, &claims("app", USER, &server.token_url())),
    );
    assert_eq!(r.error().0, "invalid_grant");
    // Beyond the 60 s cap.
    let long = json!({"iss": "app", "sub": USER, "aud": server.audience(), "exp": now + 120});
    let r = jwt_bearer(&server, &es256(&pair, &long));
    assert_eq!(r.error().0, "invalid_grant");
}

#[test]
fn generic_client_credentials_can_issue_refresh_tokens() {
    let (server, _) = generic();
    let r = post(
        &server.token_url(),
        Some(&basic("app", "s3cr3t")),
        &[("grant_type", "client_credentials"), ("scope", "jobs")],
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["scope"], "jobs");
    let refresh = r.body["refresh_token"].as_str().unwrap().to_owned();
    let r = post(
        &server.token_url(),
        Some(&basic("app", "s3cr3t")),
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["scope"], "jobs",
        "the refresh keeps the granted scope"
    );
}

#[test]
fn a_key_only_client_can_be_required_to_authenticate() {
    let (pair, key) = p256();
    let server = Server::start(
        Config::new(Profile::Salesforce).with_client(
            Client::new("app")
                .with_public_key(key)
                .require_client_auth(true),
        ),
    )
    .unwrap();
    let token = server.issue_refresh_token("app", USER);
    let plain = post(
        &server.token_url(),
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", token.expose_secret()),
            ("client_id", "app"),
        ],
    );
    assert_eq!(
        plain.error(),
        ("invalid_client", "invalid client credentials")
    );
    let assertion = es256(&pair, &claims("app", "app", &server.token_url()));
    let r = post(
        &server.token_url(),
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", token.expose_secret()),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &assertion),
        ],
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    // No secret: no signature, but issued_at and a rotated refresh token.
    assert!(r.body.get("signature").is_none());
    assert!(r.body["issued_at"].is_string());
    assert!(r.body["refresh_token"].is_string());
}

/// The `Date` header of an answer from `server` (a raw GET of the metadata).
fn server_date(server: &Server) -> std::time::SystemTime {
    use std::io::{Read, Write};
    let address = server.base_url().trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .write_all(b"GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let headers: Vec<(String, String)> = text
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    s2s_oauth::HttpResponse::new(200, headers, Vec::new())
        .date(std::time::SystemTime::now())
        .expect("a Date header")
}

#[test]
fn every_answer_carries_a_date_off_by_the_configured_skew() {
    let now = std::time::SystemTime::now();
    let near = |date: std::time::SystemTime, expected: std::time::SystemTime| {
        let diff = date
            .duration_since(expected)
            .or_else(|e| Ok::<_, ()>(e.duration()))
            .unwrap();
        // Whole seconds, plus however long the test took to get here.
        assert!(diff < Duration::from_secs(60), "{diff:?}");
    };
    let plain = Server::start(Config::new(Profile::Generic)).unwrap();
    near(server_date(&plain), now);
    let ahead = Server::start(Config::new(Profile::Generic).with_date_skew(3600)).unwrap();
    near(server_date(&ahead), now + Duration::from_secs(3600));
    let behind = Server::start(Config::new(Profile::Salesforce).with_date_skew(-7200)).unwrap();
    near(server_date(&behind), now - Duration::from_secs(7200));
}
