//! The resource-server classifier: when does an API answer mean "get a new token"?
//! And the glue from a ureq response to it, against the testkit's protected resource.

use s2s_oauth::testkit::{Client, Config, Fault, Profile, Server};
use s2s_oauth::{ClientAuth, Error, Grant, HttpResponse, TokenRequest};

const SF_EXPIRED: &[u8] =
    br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
const SF_LIMIT: &[u8] =
    br#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;

/// [`HttpResponse::is_token_rejected`] on a response made of `status`, one
/// `WWW-Authenticate` value (if any) and `body`.
fn is_token_rejected(status: u16, www_authenticate: Option<&str>, body: &[u8]) -> bool {
    let headers = www_authenticate
        .map(|value| vec![("WWW-Authenticate".to_owned(), value.to_owned())])
        .unwrap_or_default();
    HttpResponse::new(status, headers, body.to_vec()).is_token_rejected()
}

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
        r#"Bearer error="not invalid_token""#,
        r#"Basic realm="legacy", Bearer error="insufficient_scope""#,
        // A DPoP server asking for a nonce (RFC 9449 §8): retry with it, no new
        // token; and an error on any scheme names some other reason.
        r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#,
        r#"Basic error="insufficient_scope""#,
    ] {
        assert!(!is_token_rejected(401, Some(header), b""), "{header}");
    }
    // The reason may be in an RFC 6749-style body instead of the header.
    assert!(!is_token_rejected(
        401,
        None,
        br#"{"error":"insufficient_scope","error_description":"needs admin"}"#
    ));
    assert!(!is_token_rejected(
        401,
        Some(r#"Bearer realm="api""#),
        br#"{"error":"invalid_request"}"#
    ));
}

#[test]
fn a_bare_401_is_rejected() {
    // The request carried a token, the server refused it and named no other
    // reason: a new token is what the client can try (once).
    for header in [
        r#"Bearer realm="example""#,
        "Bearer",
        // No `error` parameter: a description alone names no code.
        r#"Bearer error_description="invalid_token""#,
        r#"Basic realm="api""#,
        // A DPoP-bound token refused (RFC 9449 §7.1).
        r#"DPoP algs="ES256", error="invalid_token""#,
        "",
        "garbage ;;; ===",
    ] {
        assert!(is_token_rejected(401, Some(header), b""), "{header}");
    }
    assert!(is_token_rejected(401, None, b""));
    assert!(is_token_rejected(401, None, b"Unauthorized"));
    assert!(is_token_rejected(
        401,
        None,
        b"<html><h1>401 Unauthorized</h1></html>"
    ));
    assert!(is_token_rejected(
        401,
        None,
        br#"{"message":"Unauthorized"}"#
    ));
    assert!(is_token_rejected(
        401,
        None,
        br#"{"error":"invalid_token"}"#
    ));
    // Not on other statuses.
    assert!(!is_token_rejected(403, None, b""));
    assert!(!is_token_rejected(400, None, b"Unauthorized"));
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
    assert!(expired.is_token_rejected());
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
    assert!(two.is_token_rejected());
    let scope = HttpResponse::new(
        401,
        vec![(
            "WWW-Authenticate".into(),
            r#"Bearer error="insufficient_scope""#.into(),
        )],
        Vec::new(),
    );
    assert!(!scope.is_token_rejected());
    let limit = HttpResponse::new(403, vec![], SF_LIMIT.to_vec());
    assert!(!limit.is_token_rejected());
    let body_only = HttpResponse::new(403, vec![], SF_EXPIRED.to_vec());
    assert!(body_only.is_token_rejected());
    // Several headers are one list: a bare challenge beside a named reason is not
    // a bare 401.
    let scope_in_second = HttpResponse::new(
        401,
        vec![
            ("WWW-Authenticate".into(), r#"Basic realm="x""#.into()),
            (
                "WWW-Authenticate".into(),
                r#"Bearer error="insufficient_scope""#.into(),
            ),
        ],
        Vec::new(),
    );
    assert!(!scope_in_second.is_token_rejected());
    let bare = HttpResponse::new(401, vec![], b"Unauthorized".to_vec());
    assert!(bare.is_token_rejected());
}

/// A testkit server with one client, and a live access token from it.
fn server_and_token(profile: Profile) -> (Server, String) {
    let server = Server::start(
        Config::new(profile).with_client(
            Client::new("app")
                .with_secret("s3cr3t")
                .with_run_as("integration@example.com"),
        ),
    )
    .unwrap();
    let token = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::basic("app", "s3cr3t"),
    )
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap();
    let token = token.access_token().expose_secret().to_owned();
    (server, token)
}

fn call_api(server: &Server, token: &str) -> Result<HttpResponse, Error> {
    let response = s2s_oauth::agent()
        .get(server.resource_url())
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("the agent returns HTTP errors as responses");
    HttpResponse::from_ureq(response)
}

#[test]
fn from_ureq_feeds_the_classifier_with_the_resource_answers() {
    for profile in [Profile::Generic, Profile::Salesforce] {
        let (server, token) = server_and_token(profile);
        let live = call_api(&server, &token).unwrap();
        assert_eq!(live.status(), 200, "{profile:?}");
        assert!(!live.is_token_rejected());
        assert!(live.body().starts_with(b"{"), "{profile:?}");

        server.expire_access_tokens();
        let expired = call_api(&server, &token).unwrap();
        assert_eq!(expired.status(), 401, "{profile:?}");
        assert!(expired.header("www-authenticate").is_some(), "{profile:?}");
        assert!(!expired.body().is_empty(), "{profile:?}");
        assert!(expired.is_token_rejected(), "{profile:?}");
    }
}

#[test]
fn a_bare_401_from_the_api_means_get_a_new_token() {
    let (server, token) = server_and_token(Profile::Generic);
    server.inject(Fault::status(401, "text/plain", "Unauthorized"), 1);
    let bare = call_api(&server, &token).unwrap();
    assert_eq!(bare.status(), 401);
    assert!(bare.is_token_rejected());

    server.inject(
        Fault::status(401, "application/json", "{}")
            .with_header("WWW-Authenticate", r#"Bearer error="insufficient_scope""#),
        1,
    );
    let scope = call_api(&server, &token).unwrap();
    assert!(!scope.is_token_rejected());
    // The token itself was fine all along.
    assert_eq!(call_api(&server, &token).unwrap().status(), 200);
}

#[test]
fn ureqs_default_agent_turns_the_401_into_an_error() {
    // Why the docs name s2s_oauth::agent(): with ureq's defaults the headers and
    // body of a 401 never reach the classifier.
    let (server, _) = server_and_token(Profile::Salesforce);
    let plain = s2s_oauth::ureq::get(server.resource_url())
        .header("Authorization", "Bearer expired")
        .call();
    assert!(matches!(
        plain,
        Err(s2s_oauth::ureq::Error::StatusCode(401))
    ));
}

#[test]
fn from_ureq_bounds_the_body() {
    let (server, token) = server_and_token(Profile::Generic);
    let big = "x".repeat(1024 * 1024 + 1);
    server.inject(Fault::status(200, "text/plain", big.clone()), 2);
    let err = call_api(&server, &token).unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit } if limit == s2s_oauth::SendOptions::DEFAULT_BODY_LIMIT),
        "{err:?}"
    );
    let response = s2s_oauth::agent()
        .get(server.resource_url())
        .call()
        .unwrap();
    let read = HttpResponse::from_ureq_with_limit(response, 2 * 1024 * 1024).unwrap();
    assert_eq!(read.body().len(), big.len());
    // TryFrom is the same conversion.
    let response = s2s_oauth::agent()
        .get(server.resource_url())
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    let converted: HttpResponse = response.try_into().unwrap();
    assert_eq!(converted.status(), 200);
}
