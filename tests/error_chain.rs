//! Error chains print each text once: a wrapper that shows the wrapped error's text
//! in its `Display` does not also return that error from `source()` (the Rust API
//! guidelines' rule), so a chain printer such as anyhow's `{:#}` repeats nothing.

use std::error::Error as StdError;
use std::time::SystemTime;

use s2s_oauth::error::{KeyError, TransportError, TransportErrorKind};
use s2s_oauth::jwt::JwtError;
use s2s_oauth::{ClientAuth, Error, Grant, HttpResponse, SigningKey, TokenRequest, TokenResponse};

/// Asserts that no error in `error`'s chain shows its source's text, and returns
/// the chain joined as anyhow's `{:#}` prints it.
fn each_text_once(error: &(dyn StdError + 'static)) -> String {
    let mut chain = error.to_string();
    let mut current = error;
    for _ in 0..16 {
        let Some(source) = current.source() else {
            return chain;
        };
        let (outer, inner) = (current.to_string(), source.to_string());
        assert!(
            !outer.contains(&inner),
            "{outer:?} shows its source's text {inner:?} and returns it from source()"
        );
        chain = format!("{chain}: {inner}");
        current = source;
    }
    panic!("a chain longer than 16: {chain}");
}

fn parse(status: u16, body: &str) -> Error {
    let headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    let answer = HttpResponse::new(status, headers, body.as_bytes().to_vec());
    TokenResponse::parse(&answer, SystemTime::now()).unwrap_err()
}

#[test]
fn an_oauth_error_prints_once() {
    let error = parse(
        400,
        r#"{"error":"invalid_grant","error_description":"audience is invalid"}"#,
    );
    assert!(matches!(error, Error::OAuth(_)));
    assert_eq!(
        each_text_once(&error),
        "invalid_grant: audience is invalid (HTTP 400)"
    );
}

#[test]
fn local_errors_print_once() {
    let key = Error::from(SigningKey::from_pem("").unwrap_err());
    assert!(matches!(key, Error::Key(KeyError::Empty)), "{key:?}");
    assert_eq!(each_text_once(&key), KeyError::Empty.to_string());

    let mismatch: Error = SigningKey::hmac(b"0123456789abcdef0123456789abcdef")
        .unwrap()
        .with_algorithm(s2s_oauth::Algorithm::ES256)
        .unwrap_err()
        .into();
    assert_eq!(each_text_once(&mismatch), mismatch.to_string());

    let url = TokenRequest::new(
        "http://idp.example.com/token",
        Grant::client_credentials(),
        ClientAuth::none(),
    )
    .unwrap_err();
    assert!(matches!(url, Error::InvalidUrl { .. }), "{url:?}");
    assert_eq!(each_text_once(&url), url.to_string());

    let jwt = Error::from(JwtError::Expired {
        ago: std::time::Duration::from_secs(90),
    });
    assert_eq!(
        each_text_once(&jwt),
        "JWT rejected: the assertion has expired (exp was 90 s ago): sign a fresh assertion for each request, and check the signer's clock"
    );

    #[cfg(feature = "saml")]
    {
        use s2s_oauth::saml::SamlError;
        let saml = Error::from(SamlError::InvalidSignature);
        assert_eq!(
            each_text_once(&saml),
            SamlError::InvalidSignature.to_string()
        );
    }
}

#[test]
fn peer_answers_print_once() {
    for (status, body) in [
        (502, "<html>bad gateway</html>"),
        (200, r#"{"token_type":"Bearer"}"#),
        (200, r#"{"access_token":"x","expires_in":"soon"}"#),
        (302, ""),
        (404, ""),
    ] {
        let error = parse(status, body);
        assert_eq!(each_text_once(&error), error.to_string(), "{error:?}");
    }
}

/// A stand-in for a library error that shows its source's text (as ureq's do).
#[derive(Debug)]
struct Showing(std::io::Error);

impl std::fmt::Display for Showing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "io: {}", self.0)
    }
}

impl StdError for Showing {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.0)
    }
}

#[test]
fn a_transport_error_skips_the_texts_its_message_shows() {
    let showing = Showing(std::io::Error::other("connection reset by peer"));
    let error = Error::Transport(Box::new(TransportError {
        kind: TransportErrorKind::Io,
        retryable: true,
        message: showing.to_string(),
        source: Some(Box::new(showing)),
    }));
    assert_eq!(
        each_text_once(&error),
        "the connection to the token endpoint failed: io: connection reset by peer"
    );
    // The wrapped error stays reachable through the field, for downcasting.
    let Error::Transport(t) = &error else {
        unreachable!()
    };
    assert!(
        t.source
            .as_ref()
            .unwrap()
            .downcast_ref::<Showing>()
            .is_some()
    );

    // A source whose text the message does not show is the chain's next link.
    let error = Error::Transport(Box::new(TransportError {
        kind: TransportErrorKind::Tls,
        retryable: false,
        message: "the server's certificate is not trusted".to_owned(),
        source: Some(Box::new(std::io::Error::other("UnknownIssuer"))),
    }));
    assert_eq!(
        each_text_once(&error),
        "TLS with the token endpoint failed: the server's certificate is not trusted: UnknownIssuer"
    );
}

#[cfg(feature = "ureq")]
#[test]
fn a_refused_connection_prints_once() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = TokenRequest::new(
        format!("http://127.0.0.1:{port}/token"),
        Grant::client_credentials(),
        ClientAuth::none(),
    )
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    let chain = each_text_once(&error);
    assert!(chain.starts_with("could not connect"), "{chain}");
}
