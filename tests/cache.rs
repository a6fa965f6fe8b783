//! `Token` (absolute expiry, serde round trip, secrets only through the explicit
//! method) and `TokenCache` (`get_or_refresh` with an early-refresh margin, a
//! maximum age, invalidation after a 401), with a fixed clock; and the whole loop
//! against the testkit's Salesforce profile.

mod presets;

use std::cell::Cell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use s2s_oauth::providers::salesforce::{self, LoginHost, TokenInfo};
use s2s_oauth::testkit::{Client, Config, Profile, Server};
use s2s_oauth::{Error, HttpResponse, Token, TokenCache, TokenResponse, TokenType};

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
}

fn token(body: &str, received_at: SystemTime) -> Token {
    let http = HttpResponse::new(200, vec![], body.as_bytes().to_vec());
    Token::from_response(&TokenResponse::parse(&http, received_at).unwrap())
}

const SALESFORCE: &str = r#"{"access_token":"00Dxx!AQ0.secret-access","token_type":"Bearer","scope":"api refresh_token",
  "refresh_token":"5Aep.secret-refresh","instance_url":"https://acme.my.salesforce.com",
  "id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS","issued_at":"1708058728442",
  "api_instance_url":"https://api.salesforce.com","signature":"x"}"#;

#[test]
fn token_keeps_an_absolute_expiry() {
    let received = at(0) + Duration::from_millis(700);
    let t = token(
        r#"{"access_token":"a","token_type":"bearer","expires_in":3600,"scope":"read"}"#,
        received,
    );
    // Whole seconds, never later than the truth.
    assert_eq!(t.expires_at(), Some(at(3600)));
    assert_eq!(t.received_at(), at(0));
    assert_eq!(t.token_type(), Some(&TokenType::Bearer));
    assert_eq!(t.scope(), Some("read"));
    assert!(!t.is_expired(at(3539), Duration::from_secs(60)));
    assert!(t.is_expired(at(3540), Duration::from_secs(60)));
    assert!(t.is_expired(at(3600), Duration::ZERO));
    let salesforce = token(SALESFORCE, at(0));
    assert_eq!(salesforce.expires_at(), None);
    assert!(!salesforce.is_expired(at(1_000_000), Duration::from_secs(60)));
}

#[test]
fn token_round_trips_through_json_and_never_debugs_secrets() {
    let t = token(SALESFORCE, at(5));
    let debug = format!("{t:?}");
    assert!(
        !debug.contains("secret-access") && !debug.contains("secret-refresh"),
        "{debug}"
    );
    assert!(debug.contains("AccessToken([redacted])"), "{debug}");
    assert!(debug.ends_with(".. }"), "finish_non_exhaustive: {debug}");

    let json = t.to_json_exposing_secrets();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["version"], 2);
    assert_eq!(value["access_token"], "00Dxx!AQ0.secret-access");
    assert_eq!(value["refresh_token"], "5Aep.secret-refresh");
    // Salesforce's fields are kept as sent, among the response's other fields.
    assert_eq!(value["extra"]["issued_at"], "1708058728442");
    assert_eq!(
        value["extra"]["instance_url"],
        "https://acme.my.salesforce.com"
    );
    assert_eq!(value["received_at"], 1_700_000_005u64);
    assert!(value.get("expires_at").is_none());

    let back = Token::from_json(json.as_bytes()).unwrap();
    assert_eq!(back, t);
    let info = TokenInfo::from_token(&back).unwrap();
    assert_eq!(info.org_id(), "00Dxx0000001gPLEAY");
    assert_eq!(info.api_instance_url(), Some("https://api.salesforce.com"));
    assert_eq!(
        info.issued_at(),
        Some(UNIX_EPOCH + Duration::from_millis(1_708_058_728_442))
    );
    assert_eq!(back.extra(), t.extra());
    // Debug names the extra fields, never their values.
    assert!(debug.contains("\"signature\""), "{debug}");
    assert!(!debug.contains("acme.my.salesforce.com"), "{debug}");

    // Any serde format through the explicit view, and plain serde to read back.
    let via_serde = serde_json::to_value(t.exposing_secrets()).unwrap();
    assert_eq!(via_serde, value);
    let read: Token = serde_json::from_value(via_serde).unwrap();
    assert_eq!(read, t);
    assert!(!format!("{:?}", t.exposing_secrets()).contains("secret-access"));
}

#[test]
fn unreadable_stored_tokens_get_clear_errors_without_their_contents() {
    for (input, fragment) in [
        (&b"not json"[..], "not JSON"),
        (br#"{"version":1,"access_token":"SECRET""#, "ends too early"),
        (
            br#"{"version":1,"received_at":1}"#,
            "missing field `access_token`",
        ),
        (
            br#"{"version":1,"access_token":"SECRET","received_at":"yesterday"}"#,
            "wrong type",
        ),
        (
            br#"{"version":2,"access_token":"","received_at":1}"#,
            "the access_token is empty",
        ),
    ] {
        let err = Token::from_json(input).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, Error::InvalidInput(_)));
        assert!(message.contains(fragment), "{message}");
        assert!(!message.contains("SECRET"), "{message}");
        assert!(message.contains("delete it"), "{message}");
    }
}

/// A token stored by version 1 (Salesforce's fields at the top level) is read,
/// its fields moved where version 2 keeps them: an upgrade keeps a rotated
/// refresh token that lives only in that file.
#[test]
fn a_version_1_stored_token_is_migrated() {
    let v1 = br#"{"version":1,"access_token":"a","refresh_token":"r-only-copy","received_at":1700000000,"instance_url":"https://acme.my.salesforce.com","id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS","issued_at_ms":1700000000123,"api_instance_url":"https://api.salesforce.com"}"#;
    let token = Token::from_json(v1).unwrap();
    assert_eq!(
        token.refresh_token().unwrap().expose_secret(),
        "r-only-copy"
    );
    let info = s2s_oauth::providers::salesforce::TokenInfo::from_token(&token).unwrap();
    assert_eq!(info.instance_url(), "https://acme.my.salesforce.com");
    assert_eq!(info.org_id(), "00Dxx0000001gPLEAY");
    assert_eq!(info.api_instance_url(), Some("https://api.salesforce.com"));
    assert_eq!(
        info.issued_at(),
        Some(UNIX_EPOCH + Duration::from_millis(1_700_000_000_123))
    );
    // Written back, it is version 2 and reads the same.
    let again = Token::from_json(token.to_json_exposing_secrets().as_bytes()).unwrap();
    assert!(token.to_json_exposing_secrets().contains(r#""version":2"#));
    assert_eq!(again, token);
}

/// A newer format is named, with no advice to delete it (it may hold the only
/// copy of a refresh token); top-level fields of another type do not matter in a
/// version-2 file, and do not hide the version of a newer one.
#[test]
fn stored_token_versions() {
    let newer = br#"{"version":3,"access_token":"SECRET","received_at":1,"instance_url":{}}"#;
    let message = Token::from_json(newer).unwrap_err().to_string();
    assert!(
        message.contains("format version 3 was written by a newer s2s-oauth"),
        "{message}"
    );
    assert!(
        !message.contains("delete it to get") && !message.contains("SECRET"),
        "{message}"
    );
    let zero = br#"{"version":0,"access_token":"SECRET","received_at":1}"#;
    let message = Token::from_json(zero).unwrap_err().to_string();
    assert!(
        message.contains("format version 0 is not one s2s-oauth writes"),
        "{message}"
    );
    assert!(message.contains("delete it to get"), "{message}");
    let v2 = br#"{"version":2,"access_token":"a","received_at":1,"id":5,"instance_url":{}}"#;
    let token = Token::from_json(v2).unwrap();
    assert!(token.extra().is_empty(), "{:?}", token.extra());
}

#[test]
fn keep_refresh_token_of_only_fills_a_gap() {
    let first = token(r#"{"access_token":"a1","refresh_token":"r1"}"#, at(0));
    let plain = token(r#"{"access_token":"a2"}"#, at(10)).keep_refresh_token_of(&first);
    assert_eq!(plain.refresh_token().unwrap().expose_secret(), "r1");
    let rotated = token(r#"{"access_token":"a3","refresh_token":"r2"}"#, at(20))
        .keep_refresh_token_of(&first);
    assert_eq!(rotated.refresh_token().unwrap().expose_secret(), "r2");
}

#[test]
fn cache_fetches_when_empty_expiring_old_or_invalidated() {
    let fetches = Cell::new(0u32);
    let seen_previous = Cell::new(false);
    let fetch_at = |now: SystemTime| {
        let fetches = &fetches;
        let seen_previous = &seen_previous;
        move |previous: Option<&Token>| -> Result<Token, Error> {
            fetches.set(fetches.get() + 1);
            seen_previous.set(previous.is_some());
            Ok(token(
                &format!(
                    r#"{{"access_token":"t{}","expires_in":600}}"#,
                    fetches.get()
                ),
                now,
            ))
        }
    };
    let mut cache = TokenCache::new();
    assert_eq!(TokenCache::DEFAULT_REFRESH_MARGIN, Duration::from_secs(60));
    assert!(cache.needs_refresh(at(0)));
    let t = cache.get_or_refresh(at(0), fetch_at(at(0))).unwrap();
    assert_eq!(t.access_token().expose_secret(), "t1");
    assert!(!seen_previous.get());
    // Good until 60 s before expiry.
    let t = cache.get_or_refresh(at(539), fetch_at(at(539))).unwrap();
    assert_eq!(t.access_token().expose_secret(), "t1");
    let t = cache.get_or_refresh(at(540), fetch_at(at(540))).unwrap();
    assert_eq!(t.access_token().expose_secret(), "t2");
    assert!(seen_previous.get(), "fetch sees the previous token");
    // Invalidated after a 401: fetched at once, even though not expired.
    cache.invalidate();
    assert!(cache.needs_refresh(at(541)));
    let t = cache.get_or_refresh(at(541), fetch_at(at(541))).unwrap();
    assert_eq!(t.access_token().expose_secret(), "t3");
    assert!(!cache.needs_refresh(at(542)));
    assert_eq!(fetches.get(), 3);
}

#[test]
fn cache_margin_and_max_age() {
    let no_expiry = token(SALESFORCE, at(0));
    let mut cache = TokenCache::new().with_token(no_expiry.clone());
    assert!(
        !cache.needs_refresh(at(1_000_000)),
        "unknown expiry: use until refused"
    );
    cache = TokenCache::new()
        .with_max_age(Duration::from_secs(3600))
        .with_token(no_expiry);
    assert!(!cache.needs_refresh(at(3599)));
    assert!(cache.needs_refresh(at(3600)));
    let short = token(r#"{"access_token":"a","expires_in":600}"#, at(0));
    let cache = TokenCache::new()
        .with_margin(Duration::from_secs(300))
        .with_token(short);
    assert!(!cache.needs_refresh(at(299)));
    assert!(cache.needs_refresh(at(300)));
}

#[test]
fn a_failed_fetch_keeps_the_previous_token() {
    let old = token(
        r#"{"access_token":"old","refresh_token":"r1","expires_in":60}"#,
        at(0),
    );
    let mut cache = TokenCache::new().with_token(old);
    let err = cache
        .get_or_refresh(at(100), |previous| {
            assert_eq!(previous.unwrap().access_token().expose_secret(), "old");
            Err::<Token, _>("token endpoint down")
        })
        .unwrap_err();
    assert_eq!(err, "token endpoint down");
    let kept = cache.token().expect("the previous token is kept");
    assert_eq!(kept.refresh_token().unwrap().expose_secret(), "r1");
    assert!(cache.needs_refresh(at(100)));
    // Invalidation survives a failed fetch too.
    let fresh = token(r#"{"access_token":"fresh","expires_in":600}"#, at(100));
    let mut cache = TokenCache::new().with_token(fresh);
    cache.invalidate();
    let _ = cache.get_or_refresh(at(101), |_| Err::<Token, _>(()));
    assert!(cache.needs_refresh(at(101)));
    assert_eq!(
        cache.take().unwrap().access_token().expose_secret(),
        "fresh"
    );
    assert!(cache.token().is_none());
}

#[test]
fn the_cron_loop_against_the_testkit() {
    let server = Server::start(
        Config::new(Profile::Salesforce).with_client(
            Client::new("3MVG9cache")
                .with_secret("consumer-secret")
                .with_run_as("run-as@acme.com"),
        ),
    )
    .unwrap();
    let host = LoginHost::my_domain(server.base_url()).unwrap();
    let agent = s2s_oauth::agent();
    let fetch = |_: Option<&Token>| -> Result<Token, Error> {
        let response =
            salesforce::client_credentials(&host, "3MVG9cache", "consumer-secret")?.send(&agent)?;
        Ok(Token::from_response(&response))
    };
    let call_api = |token: &Token| {
        presets::get_with_token(&server.resource_url(), token.access_token().expose_secret())
    };

    // Run 1: fetch, use, store.
    let mut cache = TokenCache::new();
    let first = cache
        .get_or_refresh(SystemTime::now(), fetch)
        .unwrap()
        .clone();
    assert_eq!(call_api(&first).status(), 200);
    let stored = first.to_json_exposing_secrets();

    // Run 2: read back, no fetch needed (Salesforce says no expiry).
    let mut cache = TokenCache::new().with_token(Token::from_json(stored.as_bytes()).unwrap());
    let reused = cache
        .get_or_refresh(SystemTime::now(), |_| -> Result<Token, Error> {
            panic!("a stored live token needs no fetch")
        })
        .unwrap()
        .clone();
    assert_eq!(reused, first);

    // The session expires; the API says so; invalidate and refetch once.
    server.expire_access_tokens();
    let refused = call_api(&reused);
    assert!(refused.is_token_rejected());
    cache.invalidate();
    let renewed = cache
        .get_or_refresh(SystemTime::now(), fetch)
        .unwrap()
        .clone();
    assert_ne!(
        renewed.access_token().expose_secret(),
        first.access_token().expose_secret()
    );
    assert_eq!(call_api(&renewed).status(), 200);
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.path() == "/services/oauth2/token")
            .count(),
        2
    );
}

#[test]
fn a_token_response_converts_into_a_token() {
    let http = HttpResponse::new(200, vec![], SALESFORCE.as_bytes().to_vec());
    let response = TokenResponse::parse(&http, at(0)).unwrap();
    let by_ref = Token::from(&response);
    assert_eq!(by_ref, Token::from_response(&response));
    // Both sides write the same kind of JSON text.
    let sent: serde_json::Value =
        serde_json::from_str(&response.to_json_exposing_secrets()).unwrap();
    assert_eq!(sent["issued_at"], "1708058728442");
    let owned: Token = response.into();
    assert_eq!(owned, by_ref);
    let stored: String = owned.to_json_exposing_secrets();
    assert_eq!(Token::from_json(stored.as_bytes()).unwrap(), by_ref);
}

#[test]
fn get_or_send_sends_only_when_a_new_token_is_needed() {
    use s2s_oauth::testkit::Fault;
    use s2s_oauth::{ClientAuth, Grant, TokenRequest};

    let server = Server::start(
        Config::new(Profile::Generic).with_client(Client::new("app").with_secret("s3cr3t")),
    )
    .unwrap();
    let agent = s2s_oauth::agent();
    let request = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::basic("app", "s3cr3t"),
    )
    .unwrap();
    let sent = || server.requests().len();

    let mut cache = TokenCache::new();
    let first = cache.get_or_send(&request, &agent).unwrap().clone();
    assert_eq!(sent(), 1);
    assert!(first.expires_at().is_some());
    assert_eq!(cache.get_or_send(&request, &agent).unwrap(), &first);
    assert_eq!(sent(), 1, "a good cached token is not fetched again");

    // The API refused the token: the next call sends, and its answer replaces it.
    cache.invalidate();
    let renewed = cache.get_or_send(&request, &agent).unwrap().clone();
    assert_eq!(sent(), 2);
    assert_ne!(renewed, first);

    // A failed send keeps the previous token, still marked for refresh.
    cache.invalidate();
    server.inject(Fault::status(503, "text/plain", "down"), 1);
    let err = cache.get_or_send(&request, &agent).unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(cache.token(), Some(&renewed));
    assert!(cache.needs_refresh(SystemTime::now()));
    let third = cache.get_or_send(&request, &agent).unwrap();
    assert_ne!(third, &renewed);
    assert_eq!(sent(), 4);
}

#[test]
fn get_or_send_keeps_the_refresh_token_the_server_did_not_rotate() {
    use s2s_oauth::{ClientAuth, Grant, TokenRequest};

    let server = Server::start(
        Config::new(Profile::Generic)
            .with_refresh_rotation(false)
            .with_client(
                Client::new("app")
                    .with_secret("s3cr3t")
                    .with_refresh_tokens(true),
            ),
    )
    .unwrap();
    let agent = s2s_oauth::agent();
    let auth = || ClientAuth::basic("app", "s3cr3t");
    let first: Token = TokenRequest::new(server.token_url(), Grant::client_credentials(), auth())
        .unwrap()
        .send(&agent)
        .unwrap()
        .into();
    let refresh = first.refresh_token().expect("a refresh token").clone();
    let request = TokenRequest::new(
        server.token_url(),
        Grant::refresh_token(refresh.clone()),
        auth(),
    )
    .unwrap();
    let mut cache = TokenCache::new().with_token(first);
    cache.invalidate();
    let renewed = cache.get_or_send(&request, &agent).unwrap();
    assert_eq!(renewed.refresh_token(), Some(&refresh));
}
