//! Sending: redirects refused, error bodies read whatever the agent's settings, body
//! limits (also after gzip), timeouts and connection failures classified.

mod common;

use std::time::{Duration, Instant};

use common::{CannedServer, client_credentials, http_response, silent_listener};
use s2s_oauth::error::{ErrorCode, TransportErrorKind};
use s2s_oauth::{ClientAuth, Error, Grant, HttpResponse, SendOptions, TokenRequest};

const TOKEN_JSON: &[u8] = br#"{"access_token":"at-1","token_type":"Bearer","expires_in":3600}"#;

#[test]
fn success_over_real_http() {
    let server = CannedServer::start(
        http_response("200 OK", &["Content-Type: application/json"], TOKEN_JSON),
        1,
    );
    let token = client_credentials(&server.url("/token"))
        .send(&s2s_oauth::agent())
        .unwrap();
    assert_eq!(token.access_token().expose_secret(), "at-1");
    let request = String::from_utf8(server.requests().remove(0)).unwrap();
    assert!(request.starts_with("POST /token HTTP/1.1\r\n"), "{request}");
    assert!(
        request
            .to_ascii_lowercase()
            .contains("content-type: application/x-www-form-urlencoded")
    );
    assert!(
        request.ends_with("grant_type=client_credentials"),
        "{request}"
    );
}

#[test]
fn redirects_are_refused_not_followed_even_with_a_default_agent() {
    let server = CannedServer::start(
        http_response(
            "307 Temporary Redirect",
            &["Location: http://127.0.0.1:9/elsewhere"],
            b"",
        ),
        3,
    );
    // ureq's own defaults follow 10 redirects; the request overrides that.
    let agent = ureq::Agent::new_with_defaults();
    let err = client_credentials(&server.url("/token"))
        .send(&agent)
        .unwrap_err();
    match &err {
        Error::Redirect { status, location } => {
            assert_eq!(*status, 307);
            assert_eq!(location.as_deref(), Some("http://127.0.0.1:9/elsewhere"));
        }
        other => panic!("expected a redirect error, got {other:?}"),
    }
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("http://127.0.0.1:9/elsewhere"));
    assert_eq!(
        server.requests().len(),
        1,
        "the redirect must not be followed"
    );
}

#[test]
fn oauth_error_body_is_read_even_when_the_agent_treats_statuses_as_errors() {
    let body = br#"{"error":"invalid_client","error_description":"invalid client credentials"}"#;
    let server = CannedServer::start(
        http_response(
            "401 Unauthorized",
            &[
                "Content-Type: application/json",
                "WWW-Authenticate: Basic realm=\"x\"",
            ],
            body,
        ),
        1,
    );
    let agent = ureq::Agent::new_with_defaults(); // http_status_as_error = true by default
    let err = client_credentials(&server.url("/token"))
        .send(&agent)
        .unwrap_err();
    let oauth = err.oauth_error().expect("typed OAuth error");
    assert_eq!(oauth.code, ErrorCode::InvalidClient);
    assert_eq!(
        oauth.description.as_deref(),
        Some("invalid client credentials")
    );
    assert_eq!(oauth.status, 401);
    assert_eq!(oauth.www_authenticate.as_deref(), Some("Basic realm=\"x\""));
    assert!(!err.is_retryable());
}

#[test]
fn service_unavailable_with_retry_after_is_retryable() {
    let server = CannedServer::start(
        http_response(
            "503 Service Unavailable",
            &["Content-Type: text/html", "Retry-After: 12"],
            b"<h1>down</h1>",
        ),
        1,
    );
    let err = client_credentials(&server.url("/token"))
        .send(&s2s_oauth::agent())
        .unwrap_err();
    assert!(matches!(err, Error::NotJson(_)), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(12)));
    assert_eq!(err.status(), Some(503));
}

#[test]
fn body_over_the_limit_is_refused() {
    let big = vec![b'x'; 4096];
    let server = CannedServer::start(
        http_response("200 OK", &["Content-Type: application/json"], &big),
        1,
    );
    let options = SendOptions::new().with_body_limit(1024);
    let err = client_credentials(&server.url("/token"))
        .send_with(&s2s_oauth::agent(), &options)
        .unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 1024 }),
        "{err:?}"
    );
}

#[test]
fn default_body_limit_is_one_mebibyte() {
    let big = vec![b' '; (s2s_oauth::SendOptions::DEFAULT_BODY_LIMIT + 1) as usize];
    let server = CannedServer::start(
        http_response("200 OK", &["Content-Type: application/json"], &big),
        1,
    );
    let err = client_credentials(&server.url("/token"))
        .send(&s2s_oauth::agent())
        .unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 1048576 }),
        "{err:?}"
    );
}

#[test]
#[cfg(feature = "gzip")]
fn body_limit_bounds_the_decompressed_size() {
    use std::io::Write;

    // 8 MiB of zeros compress to a few KiB: a gzip bomb against a 1 MiB limit.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![0u8; 8 * 1024 * 1024]).unwrap();
    let compressed = gz.finish().unwrap();
    assert!(compressed.len() < 64 * 1024);
    let server = CannedServer::start(
        http_response(
            "200 OK",
            &["Content-Type: application/json", "Content-Encoding: gzip"],
            &compressed,
        ),
        1,
    );
    let err = client_credentials(&server.url("/token"))
        .send(&s2s_oauth::agent())
        .unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { .. }), "{err:?}");
}

#[test]
fn a_server_that_never_answers_times_out() {
    let addr = silent_listener();
    let options = SendOptions::new().with_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let err = client_credentials(&format!("http://{addr}/token"))
        .send_with(&s2s_oauth::agent(), &options)
        .unwrap_err();
    let elapsed = started.elapsed();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind, TransportErrorKind::Timeout, "{t}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(err.is_retryable());
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}

#[test]
fn connection_refused_is_a_retryable_transport_error() {
    // Bind then drop a listener: the port is very likely closed afterwards.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = client_credentials(&format!("http://{addr}/token"))
        .send(&s2s_oauth::agent())
        .unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind, TransportErrorKind::Connect, "{t}"),
        other => panic!("expected a connect failure, got {other:?}"),
    }
    assert!(err.is_retryable());
    assert!(!err.is_local());
}

#[test]
fn a_host_that_cannot_resolve_is_a_dns_error() {
    // RFC 6761 §6.4: a `.invalid` name never resolves; NXDOMAIN is final, so not
    // retryable. Only a sandbox with no reachable DNS server answers "Temporary
    // failure in name resolution" (EAI_AGAIN): then, and only then, Dns and
    // retryable.
    // No proxy, whatever HTTPS_PROXY says: the lookup must be this process's own.
    let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
    let err = client_credentials("https://token.s2s-oauth-test.invalid/token")
        .send(&agent)
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(t.kind, TransportErrorKind::Dns, "{t}");
    let temporary = t.message.contains("Temporary failure in name resolution");
    assert_eq!(err.is_retryable(), temporary, "{t}");
    assert!(!err.is_local(), "{t}");
    assert!(
        err.to_string()
            .starts_with("could not resolve the token endpoint's host"),
        "{err}"
    );
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_sending() {
    let err = TokenRequest::new(
        "http://login.example.com/services/oauth2/token",
        Grant::client_credentials(),
        ClientAuth::basic("client", "secret"),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    assert!(err.is_local());
}

#[test]
fn header_values_with_non_ascii_bytes_are_kept() {
    // Servers do send UTF-8 (obs-text) in header values; dropping the header would
    // lose the WWW-Authenticate challenge or the redirect target.
    let server = CannedServer::start(
        http_response(
            "401 Unauthorized",
            &[
                "Content-Type: application/json",
                "WWW-Authenticate: Basic realm=\"Zürich\"",
            ],
            br#"{"error":"invalid_client"}"#,
        ),
        1,
    );
    let err = client_credentials(&server.url("/token"))
        .send(&s2s_oauth::agent())
        .unwrap_err();
    let oauth = err.oauth_error().expect("an OAuth error");
    assert_eq!(
        oauth.www_authenticate.as_deref(),
        Some("Basic realm=\"Zürich\"")
    );
    let server = CannedServer::start(
        http_response("302 Found", &["Location: https://exämple.com/token"], b""),
        1,
    );
    match client_credentials(&server.url("/token")).send(&s2s_oauth::agent()) {
        Err(Error::Redirect { location, .. }) => {
            assert_eq!(location.as_deref(), Some("https://exämple.com/token"))
        }
        other => panic!("expected a redirect error, got {other:?}"),
    }
}

#[test]
fn a_request_the_agent_cannot_make_is_local_and_not_retryable() {
    // An https-only agent given a loopback http URL: ureq refuses before sending.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .https_only(true)
        .build()
        .into();
    let server = CannedServer::start(
        http_response("200 OK", &["Content-Type: application/json"], TOKEN_JSON),
        1,
    );
    let err = client_credentials(&server.url("/token"))
        .send(&agent)
        .unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind, TransportErrorKind::Request),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(!err.is_retryable(), "retrying cannot fix the agent: {err}");
    assert!(err.is_local(), "{err}");
    assert!(err.to_string().contains("nothing was sent"), "{err}");
}

#[test]
fn a_timeout_ureq_cannot_represent_is_refused_before_sending() {
    let server = CannedServer::start(http_response("200 OK", &[], TOKEN_JSON), 1);
    let request = client_credentials(&server.url("/token"));
    for timeout in [
        Duration::ZERO,
        Duration::MAX,
        s2s_oauth::SendOptions::MAX_TIMEOUT + Duration::from_secs(1),
    ] {
        let err = request
            .send_with(
                &s2s_oauth::agent(),
                &SendOptions::new().with_timeout(timeout),
            )
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput(_)),
            "{timeout:?}: {err:?}"
        );
        assert!(err.is_local());
    }
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[test]
fn send_puts_on_the_wire_what_to_http_request_describes() {
    // TokenRequest::send sends from the request's parts without building an
    // HttpRequest; the bytes must be those of sending to_http_request's.
    let server = CannedServer::start(
        http_response("200 OK", &["Content-Type: application/json"], TOKEN_JSON),
        2,
    );
    let request = client_credentials(&server.url("/token"))
        .with_scope("api")
        .unwrap()
        .with_param("format", "json")
        .unwrap();
    request.send(&s2s_oauth::agent()).unwrap();
    let http = request.to_http_request_now().unwrap();
    http.send(&s2s_oauth::agent(), &SendOptions::new()).unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        String::from_utf8_lossy(&seen[0]),
        String::from_utf8_lossy(&seen[1])
    );
    let text = String::from_utf8_lossy(&seen[0]).to_ascii_lowercase();
    for (name, value) in http.headers() {
        let line = format!(
            "{}: {}\r\n",
            name.to_ascii_lowercase(),
            value.to_ascii_lowercase()
        );
        assert!(text.contains(&line), "{line:?} missing from {text}");
    }
    assert!(
        text.ends_with("grant_type=client_credentials&scope=api&format=json"),
        "{text}"
    );
}

#[test]
fn repeated_and_non_ascii_header_values_read_as_an_eager_copy_would() {
    // The transport packs the headers it reads; what `header()` and `headers()`
    // answer must be what the former eager copy of ureq's header map (in its
    // order, values decoded lossily) answered: repeats kept in order, the first
    // match by any case, UTF-8 kept, invalid UTF-8 replaced, empty values kept.
    let mut raw = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n".to_vec();
    for line in [
        &b"WWW-Authenticate: DPoP error=\"use_dpop_nonce\""[..],
        "X-Realm: Zürich".as_bytes(),
        b"www-authenticate: Bearer realm=\"a\"",
        b"X-Bad: caf\xE9!",
        b"X-Empty:",
        b"Set-Cookie: a=1",
        b"set-cookie: b=2",
    ] {
        raw.extend_from_slice(line);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"\r\n{}");
    let server = CannedServer::start(raw, 1);
    let read = s2s_oauth::agent()
        .get(server.url("/resource"))
        .call()
        .expect("a response");
    let eager: Vec<(String, String)> = read
        .headers()
        .iter()
        .map(|(n, v)| {
            let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (n.as_str().to_owned(), value)
        })
        .collect();
    let response = HttpResponse::from_ureq(read).expect("read");
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        let own = |(n, v): &(&str, &str)| ((*n).to_owned(), (*v).to_owned());
        list.iter().map(own).collect()
    };
    let want = pairs(&[
        ("content-length", "2"),
        ("connection", "close"),
        ("www-authenticate", "DPoP error=\"use_dpop_nonce\""),
        ("www-authenticate", "Bearer realm=\"a\""),
        ("x-realm", "Zürich"),
        ("x-bad", "caf\u{FFFD}!"),
        ("x-empty", ""),
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
    ]);
    assert_eq!(eager, want, "ureq's header map changed its order");
    for (name, first) in [
        ("WWW-Authenticate", Some("DPoP error=\"use_dpop_nonce\"")),
        ("x-realm", Some("Zürich")),
        ("X-BAD", Some("caf\u{FFFD}!")),
        ("x-empty", Some("")),
        ("Set-Cookie", Some("a=1")),
        ("", None),
        ("x-missing", None),
    ] {
        assert_eq!(response.header(name), first, "{name}");
    }
    let debug = format!("{response:?}");
    assert!(debug.contains("x-realm"), "{debug}");
    assert!(!debug.contains("Zürich") && !debug.contains("use_dpop_nonce"));
    assert_eq!(
        response,
        HttpResponse::new(200, want.clone(), b"{}".to_vec())
    );
    assert_eq!(response.clone().headers(), want.as_slice());
    assert_eq!(response.headers(), want.as_slice());
    assert_eq!(
        response.header("www-authenticate"),
        Some(want[2].1.as_str())
    );
}
