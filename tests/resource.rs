//! The resource-server classifier: when does an API answer mean "get a new token"?

use s2s_oauth::{HttpResponse, is_token_rejected, is_token_rejected_response};

const SF_EXPIRED: &[u8] =
    br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
const SF_LIMIT: &[u8] =
    br#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;

#[test]
fn bearer_invalid_token_is_rejected() {
    for header in [
        r#"Bearer realm="example", error="invalid_token", error_description="The access token expired""#,
        r#"Bearer error="invalid_token""#,
        "Bearer error=invalid_token",
        r#"bearer ERROR="invalid_token""#,
        r#"BEARER realm="x",error="invalid_token""#,
        r#"Basic realm="legacy", Bearer realm="api", error="invalid_token""#,
        r#"Bearer realm="a \"quoted\" realm", error="invalid_token""#,
    ] {
        assert!(is_token_rejected(401, Some(header), b""), "{header}");
    }
}

#[test]
fn other_bearer_errors_are_not() {
    for header in [
        r#"Bearer realm="example", error="insufficient_scope", scope="admin""#,
        r#"Bearer error="invalid_request""#,
        r#"Bearer realm="example""#,
        "Bearer",
        // The value must be the error code, not a description mentioning it.
        r#"Bearer error_description="invalid_token""#,
        r#"Bearer error="not invalid_token""#,
        // Another scheme's parameter.
        r#"Basic error="invalid_token""#,
        "",
        "garbage ;;; ===",
    ] {
        assert!(!is_token_rejected(401, Some(header), b""), "{header}");
    }
    assert!(!is_token_rejected(401, None, b""));
    assert!(!is_token_rejected(401, None, b"Unauthorized"));
}

#[test]
fn invalid_token_only_counts_on_a_401() {
    let header = Some(r#"Bearer error="invalid_token""#);
    assert!(!is_token_rejected(400, header, b""));
    assert!(!is_token_rejected(403, header, b""));
    assert!(!is_token_rejected(200, header, b""));
    assert!(!is_token_rejected(403, Some("Token"), b""));
}

#[test]
fn salesforce_token_challenge_and_invalid_session_id() {
    assert!(is_token_rejected(401, Some("Token"), SF_EXPIRED));
    assert!(is_token_rejected(401, Some("Token"), b""));
    assert!(is_token_rejected(401, Some("token"), b""));
    assert!(is_token_rejected(401, None, SF_EXPIRED));
    assert!(is_token_rejected(403, None, SF_EXPIRED));
    // A lone object and the XML form, too.
    assert!(is_token_rejected(
        401,
        None,
        br#"{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}"#
    ));
    assert!(is_token_rejected(
        401,
        None,
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Errors><Error><errorCode>INVALID_SESSION_ID</errorCode><message>Session expired or invalid</message></Error></Errors>"
    ));
    // Only on 401/403.
    assert!(!is_token_rejected(400, None, SF_EXPIRED));
    assert!(!is_token_rejected(500, None, SF_EXPIRED));
}

#[test]
fn salesforce_limits_and_permissions_are_not() {
    assert!(!is_token_rejected(403, None, SF_LIMIT));
    assert!(!is_token_rejected(
        403,
        None,
        br#"[{"message":"insufficient access rights on object id","errorCode":"INSUFFICIENT_ACCESS_OR_READONLY"}]"#
    ));
    assert!(!is_token_rejected(403, None, b"Forbidden"));
    // The code must be the errorCode, not text that mentions it.
    assert!(!is_token_rejected(
        401,
        None,
        br#"[{"message":"INVALID_SESSION_ID","errorCode":"NOT_FOUND"}]"#
    ));
}

#[test]
fn whole_response_convenience() {
    let expired = HttpResponse::new(
        401,
        vec![
            ("Content-Type".into(), "application/json".into()),
            ("WWW-Authenticate".into(), "Token".into()),
        ],
        SF_EXPIRED.to_vec(),
    );
    assert!(is_token_rejected_response(&expired));
    // Several WWW-Authenticate headers: any one may say it.
    let two = HttpResponse::new(
        401,
        vec![
            ("WWW-Authenticate".into(), r#"Basic realm="x""#.into()),
            (
                "www-authenticate".into(),
                r#"Bearer error="invalid_token""#.into(),
            ),
        ],
        Vec::new(),
    );
    assert!(is_token_rejected_response(&two));
    let scope = HttpResponse::new(
        401,
        vec![(
            "WWW-Authenticate".into(),
            r#"Bearer error="insufficient_scope""#.into(),
        )],
        Vec::new(),
    );
    assert!(!is_token_rejected_response(&scope));
    let limit = HttpResponse::new(403, vec![], SF_LIMIT.to_vec());
    assert!(!is_token_rejected_response(&limit));
    let body_only = HttpResponse::new(403, vec![], SF_EXPIRED.to_vec());
    assert!(is_token_rejected_response(&body_only));
}
