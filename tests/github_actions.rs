//! The GitHub Actions OIDC source against a loopback stand-in for the job's token
//! endpoint (GET with the request token as bearer and `audience` in the query,
//! answering `{"value": JWT}`), its JWT then exchanged at the testkit. The two
//! variables are set once, in this binary's only test.
#![cfg(feature = "ureq")]

mod common;

use std::time::Duration;

use common::{CannedServer, http_response};
use s2s_oauth::error::SourceError;
use s2s_oauth::exchange::{TokenExchange, TokenTypeUri};
use s2s_oauth::jwt::Claims;
use s2s_oauth::providers::github_actions;
use s2s_oauth::testkit::{Config, Profile, Server, TrustedIssuer};
use s2s_oauth::{ClientAuth, Error, Grant, SigningKey, TokenRequest};

const GITHUB: &str = "https://token.actions.githubusercontent.com";

#[test]
fn the_job_token_is_fetched_for_each_request_and_exchanged() {
    let key = SigningKey::from_pem(include_str!("data/keys/p256.pkcs8.pem")).unwrap();
    let jwt = Claims::new(GITHUB, "repo:acme/app:ref:refs/heads/main", "sts.testkit")
        .with_lifetime(Duration::from_secs(300))
        .sign(&key)
        .unwrap()
        .into_exposed_secret();
    let body = format!(r#"{{"count":1,"value":"{jwt}"}}"#);
    let oidc = CannedServer::start(
        http_response(
            "200 OK",
            &["Content-Type: application/json"],
            body.as_bytes(),
        ),
        2,
    );
    let server = Server::start(Config::new(Profile::Generic).with_trusted_issuer(
        TrustedIssuer::new(GITHUB, key.verifying_key()).with_audience("sts.testkit"),
    ))
    .unwrap();
    let agent = s2s_oauth::agent();
    let request = TokenRequest::new(
        server.token_url(),
        Grant::token_exchange(TokenExchange::new(
            github_actions::token_source(agent.clone(), Some("sts.testkit".into())),
            TokenTypeUri::Jwt,
        )),
        ClientAuth::none(),
    )
    .unwrap();

    // Not in a job (or no `id-token: write`): a typed local error, nothing sent.
    let err = request.send(&agent).unwrap_err();
    assert!(
        matches!(&err, Error::TokenSource(e) if **e == SourceError::EnvNotSet { name: "ACTIONS_ID_TOKEN_REQUEST_URL".into() }),
        "{err:?}"
    );
    assert!(server.requests().is_empty());

    // SAFETY: this binary's only test; no other thread reads the environment.
    unsafe {
        std::env::set_var(
            github_actions::REQUEST_URL_VAR,
            oidc.url("/idtoken?api-version=2.0"),
        );
        std::env::set_var(github_actions::REQUEST_TOKEN_VAR, "gh-request-token");
    }
    let token = request.send(&agent).unwrap();
    assert!(token.is_access_token());
    request.send(&agent).unwrap();
    let seen = oidc.requests();
    assert_eq!(seen.len(), 2, "one fetch per token request");
    let head = String::from_utf8_lossy(&seen[0]).to_string();
    assert!(
        head.starts_with("GET /idtoken?api-version=2.0&audience=sts.testkit HTTP/1.1"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("authorization: bearer gh-request-token"),
        "{head}"
    );
    let exchanged = server.requests();
    assert_eq!(exchanged[0].form_value("subject_token"), Some(jwt.as_str()));
}
