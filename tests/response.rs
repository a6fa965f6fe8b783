//! Token response parsing (RFC 6749 §5.1, §5.2) on literal bodies: every branch of
//! `TokenResponse::parse`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use s2s_oauth::error::ErrorCode;
use s2s_oauth::{Error, HttpResponse, TokenResponse, TokenType};

/// A fixed clock: 2024-02-16T04:45:28Z.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_708_058_728)
}

fn response(status: u16, content_type: &str, body: &str) -> HttpResponse {
    HttpResponse::new(
        status,
        vec![("Content-Type".into(), content_type.into())],
        body.as_bytes().to_vec(),
    )
}

fn json(status: u16, body: &str) -> HttpResponse {
    response(status, "application/json;charset=UTF-8", body)
}

fn parse(resp: &HttpResponse) -> Result<TokenResponse, Error> {
    TokenResponse::parse(resp, now())
}

#[test]
fn salesforce_success_with_issued_at_string() {
    let body = r#"{"access_token":"00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxezPwuX5VAIrrbbHMuol7GQxnMeYMN7cj8EoWr78nt1u44zU31IbYNNJguseu","signature":"uOQNhTu7Ff9wZw+IIe3GQU6aq6lJaI+jzxL2WO8JALM=","scope":"id api","instance_url":"https://mycompany.my.salesforce.com","id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS","token_type":"Bearer","issued_at":"1708058728442","api_instance_url":"https://api.salesforce.com"}"#;
    let token = parse(&json(200, body)).unwrap();
    assert!(
        token
            .access_token()
            .expose_secret()
            .starts_with("00Dxx0000001gPL!AR8")
    );
    assert_eq!(token.token_type(), Some(&TokenType::Bearer));
    assert_eq!(token.scope(), Some("id api"));
    // Salesforce's fields stay among the extra fields, as sent; the provider
    // module reads them (tests/salesforce_response.rs).
    assert_eq!(
        token.extra()["instance_url"],
        "https://mycompany.my.salesforce.com"
    );
    assert_eq!(
        token.extra()["id"],
        "https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS"
    );
    assert_eq!(token.extra()["issued_at"], "1708058728442");
    assert_eq!(
        token.extra()["signature"],
        "uOQNhTu7Ff9wZw+IIe3GQU6aq6lJaI+jzxL2WO8JALM="
    );
    assert_eq!(
        token.extra()["api_instance_url"],
        "https://api.salesforce.com"
    );
    assert_eq!(token.expires_in(), None);
    assert_eq!(token.expires_at(), None);
    // Unknown expiry: never "expired", however late.
    assert!(!token.is_expired(now() + Duration::from_secs(86_400 * 365), Duration::ZERO));
    assert!(token.refresh_token().is_none());
    assert_eq!(token.extra().len(), 5);
    assert_eq!(token.received_at(), now());
}

#[test]
fn provider_fields_of_any_type_do_not_break_a_generic_parse() {
    // Another server's `id` or `issued_at` (a number of seconds, an object) is its
    // own business: the token is still there. Salesforce's reading of them is in
    // salesforce::TokenInfo.
    let token = parse(&json(
        200,
        r#"{"access_token":"t","id":42,"issued_at":"yesterday","instance_url":false}"#,
    ))
    .unwrap();
    assert_eq!(token.access_token().expose_secret(), "t");
    assert_eq!(token.extra()["id"], 42);
    assert_eq!(token.extra()["issued_at"], "yesterday");
}

#[test]
fn generic_success_with_numeric_expires_in_and_refresh_token() {
    let body = r#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"bearer","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","scope":"read write","example_parameter":"example_value","nested":{"a":[1,2]}}"#;
    let token = parse(&json(200, body)).unwrap();
    assert_eq!(
        token.access_token().expose_secret(),
        "2YotnFZFEjr1zCsicMWpAA"
    );
    // `bearer` matches case-insensitively (RFC 6749 §5.1).
    assert_eq!(token.token_type(), Some(&TokenType::Bearer));
    assert_eq!(token.expires_in(), Some(Duration::from_secs(3600)));
    assert_eq!(token.expires_at(), Some(now() + Duration::from_secs(3600)));
    assert_eq!(
        token.refresh_token().map(|t| t.expose_secret()),
        Some("tGzv3JOkF0XG5Qx2TlKWIA")
    );
    assert_eq!(token.scope(), Some("read write"));
    // Unknown fields are kept, whole.
    assert_eq!(token.extra().len(), 2);
    assert_eq!(token.extra()["example_parameter"], "example_value");
    assert_eq!(token.extra()["nested"], serde_json::json!({"a": [1, 2]}));
    // Debug redacts both tokens and names the extra fields only.
    let debug = format!("{token:?}");
    assert!(!debug.contains("2YotnFZFEjr1zCsicMWpAA"), "{debug}");
    assert!(!debug.contains("tGzv3JOkF0XG5Qx2TlKWIA"), "{debug}");
    assert!(!debug.contains("example_value"), "{debug}");
    assert!(debug.contains("example_parameter"), "{debug}");
    assert!(debug.ends_with(".. }"), "{debug}");
    assert_eq!(
        token.into_refresh_token().map(|t| t.into_exposed_secret()),
        Some("tGzv3JOkF0XG5Qx2TlKWIA".to_owned())
    );
}

#[test]
fn expiry_arithmetic_with_leeway() {
    let token = parse(&json(
        200,
        r#"{"access_token":"t","token_type":"Bearer","expires_in":100}"#,
    ))
    .unwrap();
    let leeway = Duration::from_secs(30);
    assert!(!token.is_expired(now(), leeway));
    assert!(!token.is_expired(now() + Duration::from_secs(69), leeway));
    assert!(token.is_expired(now() + Duration::from_secs(70), leeway));
    assert!(token.is_expired(now() + Duration::from_secs(100), Duration::ZERO));
    assert!(!token.is_expired(now() + Duration::from_secs(99), Duration::ZERO));
}

#[test]
fn entra_v1_expires_in_as_a_string() {
    let body = r#"{"token_type":"Bearer","expires_in":"3599","ext_expires_in":"3599","expires_on":"1708062327","not_before":"1708058427","resource":"https://graph.microsoft.com","access_token":"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2ln"}"#;
    let token = parse(&json(200, body)).unwrap();
    assert_eq!(token.expires_in(), Some(Duration::from_secs(3599)));
    assert_eq!(token.extra()["ext_expires_in"], "3599");
    assert_eq!(token.extra()["resource"], "https://graph.microsoft.com");
    assert_eq!(token.extra().len(), 4);
}

#[test]
fn other_token_types_id_token_and_issued_token_type() {
    let body = r#"{"access_token":"t","token_type":"DPoP","id_token":"h.c.s","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","refresh_token":null}"#;
    let token = parse(&json(200, body)).unwrap();
    // DPoP (RFC 9449 §5) is recognised, whatever its case; its spelling is kept.
    assert_eq!(token.token_type(), Some(&TokenType::DPoP));
    let lower = parse(&json(200, r#"{"access_token":"t","token_type":"dpop"}"#)).unwrap();
    assert_eq!(lower.token_type(), Some(&TokenType::DPoP));
    assert!(
        lower
            .to_json_exposing_secrets()
            .contains(r#""token_type":"dpop""#)
    );
    let other = parse(&json(200, r#"{"access_token":"t","token_type":"N_A"}"#)).unwrap();
    assert_eq!(other.token_type(), Some(&TokenType::Other("N_A".into())));
    assert_eq!(token.id_token().map(|t| t.expose_secret()), Some("h.c.s"));
    assert_eq!(
        token.issued_token_type(),
        Some("urn:ietf:params:oauth:token-type:access_token")
    );
    // null counts as absent.
    assert!(token.refresh_token().is_none());
    assert!(!format!("{token:?}").contains("h.c.s"));
}

#[test]
fn missing_token_type_is_none() {
    let token = parse(&json(200, r#"{"access_token":"t"}"#)).unwrap();
    assert_eq!(token.token_type(), None);
}

fn malformed_reason(resp: &HttpResponse) -> String {
    match parse(resp) {
        Err(Error::MalformedResponse(r)) => {
            assert_eq!(r.body.expose_secret(), resp.body(), "raw body kept");
            assert_eq!(r.status, 200);
            r.reason.clone().unwrap_or_default()
        }
        other => panic!("expected MalformedResponse, got {other:?}"),
    }
}

#[test]
fn wrongly_typed_fields_are_malformed_and_keep_the_body() {
    let cases = [
        (
            r#"{"access_token":"t","refresh_token":"ROTATED","expires_in":"abc"}"#,
            "expires_in",
        ),
        (r#"{"access_token":"t","expires_in":-5}"#, "expires_in"),
        (r#"{"access_token":"t","expires_in":true}"#, "expires_in"),
        (r#"{"access_token":"t","expires_in":"-5"}"#, "expires_in"),
        (r#"{"access_token":42}"#, "access_token"),
        (r#"{"access_token":""}"#, "access_token"),
        (r#"{"access_token":null}"#, "access_token"),
        (r#"{"access_token":"t","token_type":1}"#, "token_type"),
        (r#"{"access_token":"t","scope":["a","b"]}"#, "scope"),
        (
            r#"{"access_token":"t","refresh_token":{}}"#,
            "refresh_token",
        ),
    ];
    for (body, field) in cases {
        let reason = malformed_reason(&json(200, body));
        assert!(reason.contains(field), "{body}: {reason}");
    }
    assert!(malformed_reason(&json(200, "[1,2]")).contains("not an object"));
}

#[test]
fn expires_in_garbage_keeps_the_rotated_refresh_token_reachable() {
    let body = r#"{"access_token":"t","refresh_token":"ROTATED","expires_in":"abc"}"#;
    let err = parse(&json(200, body)).unwrap_err();
    assert!(matches!(err, Error::MalformedResponse(_)));
    assert_eq!(err.raw_body().unwrap().expose_secret(), body.as_bytes());
    // ...but never printed.
    assert!(!err.to_string().contains("ROTATED"), "{err}");
    assert!(!format!("{err:?}").contains("ROTATED"));
    assert!(err.to_string().contains("expires_in"), "{err}");
}

#[test]
fn fractional_expires_in_is_accepted() {
    let token = parse(&json(200, r#"{"access_token":"t","expires_in":59.5}"#)).unwrap();
    assert_eq!(token.expires_in(), Some(Duration::from_millis(59_500)));
}

#[test]
fn ok_html_is_not_json_and_keeps_the_body() {
    let body = "<html><body>Login</body></html>";
    let resp = response(200, "text/html", body);
    match parse(&resp) {
        Err(Error::NotJson(r)) => {
            assert_eq!(r.status, 200);
            assert_eq!(r.content_type.as_deref(), Some("text/html"));
            assert_eq!(r.body.expose_secret(), body.as_bytes());
            assert_eq!(r.snippet(), None, "2xx bodies are never shown");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ok_json_without_access_token() {
    let body = r#"{"token":"abc","refresh_token":"R"}"#;
    match parse(&json(200, body)) {
        Err(Error::MissingAccessToken(r)) => {
            assert_eq!(r.body.expose_secret(), body.as_bytes());
            assert_eq!(
                r.content_type.as_deref(),
                Some("application/json;charset=UTF-8")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ok_json_with_an_error_is_an_oauth_error() {
    let err = parse(&json(
        200,
        r#"{"error":"invalid_grant","error_description":"bad"}"#,
    ))
    .unwrap_err();
    let oauth = err.oauth_error().expect("OAuth");
    assert_eq!(oauth.code, ErrorCode::InvalidGrant);
    assert_eq!(oauth.status, 200);
    assert_eq!(oauth.description.as_deref(), Some("bad"));
}

#[test]
fn no_content_and_informational_are_unexpected_status() {
    for status in [204, 201, 101] {
        match parse(&response(status, "text/plain", "")) {
            Err(Error::UnexpectedStatus(r)) => {
                assert_eq!(r.status, status);
                assert_eq!(r.content_type.as_deref(), Some("text/plain"));
            }
            other => panic!("{status}: {other:?}"),
        }
    }
}

#[test]
fn redirect_is_never_followed() {
    let resp = HttpResponse::new(
        302,
        vec![(
            "Location".into(),
            "https://login.example.com/elsewhere".into(),
        )],
        Vec::new(),
    );
    match parse(&resp) {
        Err(Error::Redirect { status, location }) => {
            assert_eq!(status, 302);
            assert_eq!(
                location.as_deref(),
                Some("https://login.example.com/elsewhere")
            );
        }
        other => panic!("{other:?}"),
    }
    match parse(&HttpResponse::new(307, vec![], Vec::new())) {
        Err(Error::Redirect { status, location }) => {
            assert_eq!((status, location), (307, None));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn salesforce_error_with_description() {
    let resp = HttpResponse::new(
        400,
        vec![
            (
                "Content-Type".into(),
                "application/json;charset=UTF-8".into(),
            ),
            (
                "Cache-Control".into(),
                "no-cache,must-revalidate,max-age=0,no-store,private".into(),
            ),
        ],
        br#"{"error":"invalid_grant","error_description":"user hasn't approved this consumer"}"#
            .to_vec(),
    );
    let err = parse(&resp).unwrap_err();
    let oauth = err.oauth_error().expect("OAuth");
    assert_eq!(oauth.code, ErrorCode::InvalidGrant);
    assert_eq!(
        oauth.description.as_deref(),
        Some("user hasn't approved this consumer")
    );
    assert_eq!(oauth.uri, None);
    assert_eq!(oauth.status, 400);
    assert!(oauth.extra.is_empty());
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        "invalid_grant: user hasn't approved this consumer (HTTP 400)"
    );
}

#[test]
fn error_without_description_with_uri_extra_and_www_authenticate() {
    let resp = HttpResponse::new(
        401,
        vec![
            ("Content-Type".into(), "application/json".into()),
            (
                "WWW-Authenticate".into(),
                r#"Basic realm="token""#.into(),
            ),
        ],
        br#"{"error":"invalid_client","error_uri":"https://docs.example.com/e","trace_id":"abc","error_codes":[7000215]}"#
            .to_vec(),
    );
    let err = parse(&resp).unwrap_err();
    let oauth = err.oauth_error().expect("OAuth");
    assert_eq!(oauth.code, ErrorCode::InvalidClient);
    assert_eq!(oauth.description, None);
    assert_eq!(oauth.uri.as_deref(), Some("https://docs.example.com/e"));
    assert_eq!(
        oauth.www_authenticate.as_deref(),
        Some(r#"Basic realm="token""#)
    );
    assert_eq!(oauth.extra.len(), 2);
    assert_eq!(oauth.extra["trace_id"], "abc");
    assert_eq!(oauth.extra["error_codes"], serde_json::json!([7000215]));
    assert_eq!(err.to_string(), "invalid_client (HTTP 401)");
}

#[test]
fn non_rfc_error_codes_are_kept() {
    let err = parse(&json(
        400,
        r#"{"error":"invalid_app_access","error_description":"user is not admin approved to access this app"}"#,
    ))
    .unwrap_err();
    assert_eq!(
        err.oauth_error().unwrap().code,
        ErrorCode::Other("invalid_app_access".into())
    );
}

#[test]
fn a_json_body_with_a_byte_order_mark_is_read() {
    // RFC 8259 §8.1 lets a parser ignore a BOM; some servers send one.
    let token = parse(&json(
        200,
        "\u{feff}{\"access_token\":\"at-bom\",\"expires_in\":60}",
    ))
    .unwrap();
    assert_eq!(token.access_token().expose_secret(), "at-bom");
    match parse(&json(400, "\u{feff}{\"error\":\"invalid_grant\"}")) {
        Err(Error::OAuth(e)) => assert_eq!(e.code.as_str(), "invalid_grant"),
        other => panic!("expected an OAuth error, got {other:?}"),
    }
}

#[test]
fn html_502_page_is_not_json() {
    let body = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body></html>";
    let err = parse(&response(502, "text/html", body)).unwrap_err();
    match &err {
        Error::NotJson(r) => {
            assert_eq!(r.status, 502);
            assert_eq!(r.content_type.as_deref(), Some("text/html"));
            assert_eq!(r.body.expose_secret(), body.as_bytes());
            assert!(r.snippet().unwrap().contains("502 Bad Gateway"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());
    assert!(err.to_string().contains("502 Bad Gateway"), "{err}");
}

#[test]
fn error_json_without_error_member_is_unexpected_status() {
    let body = r#"{"message":"Internal failure"}"#;
    match parse(&json(500, body)) {
        Err(Error::UnexpectedStatus(r)) => {
            assert_eq!(r.status, 500);
            assert_eq!(r.body.expose_secret(), body.as_bytes());
            assert!(r.reason.as_deref().unwrap().contains("error"));
        }
        other => panic!("{other:?}"),
    }
    // A non-string `error` is not an OAuth error either.
    assert!(matches!(
        parse(&json(400, r#"{"error":42}"#)),
        Err(Error::UnexpectedStatus(_))
    ));
}

fn with_retry_after(status: u16, value: &str, content_type: &str, body: &str) -> HttpResponse {
    HttpResponse::new(
        status,
        vec![
            ("Content-Type".into(), content_type.into()),
            ("Retry-After".into(), value.into()),
        ],
        body.as_bytes().to_vec(),
    )
}

#[test]
fn retry_after_seconds_on_a_503_page() {
    let err = parse(&with_retry_after(
        503,
        "120",
        "text/plain",
        "Service Unavailable",
    ))
    .unwrap_err();
    assert!(matches!(err, Error::NotJson(_)));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert!(err.is_retryable());
}

#[test]
fn retry_after_http_date_relative_to_received_at() {
    // now() is Fri, 16 Feb 2024 04:45:28 GMT; 90 seconds later:
    let err = parse(&with_retry_after(
        503,
        "Fri, 16 Feb 2024 04:46:58 GMT",
        "application/json",
        r#"{"error":"temporarily_unavailable"}"#,
    ))
    .unwrap_err();
    let oauth = err.oauth_error().unwrap();
    assert_eq!(oauth.code, ErrorCode::TemporarilyUnavailable);
    assert_eq!(oauth.retry_after, Some(Duration::from_secs(90)));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(90)));
    // A date in the past: retry now.
    let past = parse(&with_retry_after(
        503,
        "Thu, 15 Feb 2024 00:00:00 GMT",
        "text/plain",
        "busy",
    ))
    .unwrap_err();
    assert_eq!(past.retry_after(), Some(Duration::ZERO));
    // Garbage: no hint at all.
    let garbage = parse(&with_retry_after(503, "in a while", "text/plain", "busy")).unwrap_err();
    assert_eq!(garbage.retry_after(), None);
}

/// A server may ask for any wait; `retry_after()` caps it at one hour (a client
/// sleeping on it must not hang for 31 years), `retry_after_raw()` keeps the
/// server's value.
#[test]
fn retry_after_is_capped_at_one_hour_and_the_raw_value_kept() {
    let hour = Duration::from_secs(3600);
    let huge = parse(&with_retry_after(503, "999999999", "text/plain", "busy")).unwrap_err();
    assert_eq!(huge.retry_after(), Some(hour));
    assert_eq!(
        huge.retry_after_raw(),
        Some(Duration::from_secs(999_999_999))
    );
    // now() is 2024: a date in 2100, with an OAuth body.
    let far = parse(&with_retry_after(
        429,
        "Fri, 01 Jan 2100 00:00:00 GMT",
        "application/json",
        r#"{"error":"slow_down"}"#,
    ))
    .unwrap_err();
    assert_eq!(far.retry_after(), Some(hour));
    assert!(far.retry_after_raw().unwrap() > Duration::from_secs(75 * 365 * 86_400));
    assert_eq!(
        far.oauth_error().unwrap().retry_after,
        far.retry_after_raw()
    );
    // Under the cap both agree.
    let short = parse(&with_retry_after(503, "3600", "text/plain", "busy")).unwrap_err();
    assert_eq!(short.retry_after(), Some(hour));
    assert_eq!(short.retry_after_raw(), Some(hour));
}

/// 408 Request Timeout is a transient failure like 429 and 503 (RFC 9110
/// §15.5.9: the client may repeat the request).
#[test]
fn http_408_is_retryable() {
    let page = parse(&with_retry_after(408, "5", "text/html", "<h1>Timeout</h1>")).unwrap_err();
    assert!(page.is_retryable(), "{page:?}");
    let oauth = parse(&with_retry_after(
        408,
        "5",
        "application/json",
        r#"{"error":"invalid_request"}"#,
    ))
    .unwrap_err();
    assert!(oauth.oauth_error().is_some());
    assert!(oauth.is_retryable(), "{oauth:?}");
    let not = parse(&with_retry_after(
        400,
        "5",
        "application/json",
        r#"{"error":"invalid_request"}"#,
    ))
    .unwrap_err();
    assert!(!not.is_retryable());
}

#[test]
fn missing_content_type_is_none() {
    match parse(&HttpResponse::new(500, vec![], b"oops".to_vec())) {
        Err(Error::NotJson(r)) => assert_eq!(r.content_type, None),
        other => panic!("{other:?}"),
    }
}
