//! DPoP end to end against the testkit over real HTTP (RFC 9449 §5, §7, §8): a
//! DPoP-bound token from client credentials and refresh, with and without a
//! demanded nonce (the send's one nonce retry, and the nonce handed over), the
//! bound token used at the protected resource with a proof carrying `ath`, and the
//! refusals: as a bearer token, with another key, with a stale nonce.
#![cfg(feature = "ureq")]

use std::time::SystemTime;

use ring::rand::SystemRandom;
use s2s_oauth::jwt::dpop::DpopKey;
use s2s_oauth::secret::ClientSecret;
use s2s_oauth::testkit::{Client, Config, Fault, Profile, Server};
use s2s_oauth::{ClientAuth, Error, Grant, HttpResponse, TokenRequest, TokenType, agent};

const CLIENT_ID: &str = "dpop-client";
const SECRET: &str = "dpop-secret";

fn server(nonces: bool) -> Server {
    Server::start(
        Config::new(Profile::Generic)
            .with_dpop_nonces(nonces)
            .with_client(
                Client::new(CLIENT_ID)
                    .with_secret(ClientSecret::new(SECRET))
                    .with_refresh_tokens(true),
            ),
    )
    .unwrap()
}

fn request(server: &Server, key: &DpopKey) -> TokenRequest {
    TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::basic(CLIENT_ID, SECRET),
    )
    .unwrap()
    .with_dpop(key)
}

/// A GET to the testkit's resource with `headers`, through the crate's own send.
fn call_resource(server: &Server, headers: Vec<(&'static str, String)>) -> HttpResponse {
    let mut call = agent().get(server.resource_url());
    for (name, value) in headers {
        call = call.header(name, value);
    }
    HttpResponse::from_ureq(call.call().unwrap()).unwrap()
}

fn dpop_headers(
    server: &Server,
    key: &DpopKey,
    token: &str,
    nonce: Option<&str>,
) -> Vec<(&'static str, String)> {
    let headers = key
        .resource_headers(
            "GET",
            &server.resource_url(),
            token,
            nonce,
            SystemTime::now(),
            &SystemRandom::new(),
        )
        .unwrap();
    vec![
        ("Authorization", headers.authorization().to_owned()),
        ("DPoP", headers.dpop().to_owned()),
    ]
}

#[test]
fn client_credentials_with_dpop_gets_a_bound_token_that_works_at_the_resource() {
    let server = server(false);
    let key = DpopKey::generate(&SystemRandom::new()).unwrap();
    let token = request(&server, &key).send(&agent()).unwrap();
    assert_eq!(token.token_type(), Some(&TokenType::DPoP));
    assert_eq!(token.dpop_nonce(), None);
    let recorded = server.requests();
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].header("DPoP").is_some());
    let access = token.access_token().expose_secret();

    let ok = call_resource(&server, dpop_headers(&server, &key, access, None));
    assert_eq!(ok.status(), 200, "{}", String::from_utf8_lossy(ok.body()));

    // As a bearer token: refused (RFC 9449 §7.2), and a new token is what helps.
    let bearer = call_resource(&server, vec![("Authorization", format!("Bearer {access}"))]);
    assert_eq!(bearer.status(), 401);
    assert!(bearer.is_token_rejected());

    // With a proof by another key: the binding does not match.
    let thief = DpopKey::generate(&SystemRandom::new()).unwrap();
    let stolen = call_resource(&server, dpop_headers(&server, &thief, access, None));
    assert_eq!(stolen.status(), 401);
    let challenge = stolen.header("WWW-Authenticate").unwrap();
    assert!(
        challenge.starts_with("DPoP error=\"invalid_token\""),
        "{challenge}"
    );

    // The same proof twice: a replay.
    let headers = dpop_headers(&server, &key, access, None);
    assert_eq!(call_resource(&server, headers.clone()).status(), 200);
    let replayed = call_resource(&server, headers);
    assert_eq!(replayed.status(), 401);
    assert!(
        replayed
            .header("WWW-Authenticate")
            .unwrap()
            .contains("invalid_dpop_proof")
    );

    // A proof without ath (made for the token endpoint, say).
    let proof = key
        .proof(
            &s2s_oauth::jwt::dpop::Proof::new("GET", &server.resource_url()),
            SystemTime::now(),
            &SystemRandom::new(),
        )
        .unwrap();
    let no_ath = call_resource(
        &server,
        vec![
            ("Authorization", format!("DPoP {access}")),
            ("DPoP", proof.into_exposed_secret()),
        ],
    );
    assert_eq!(no_ath.status(), 401);
}

#[test]
fn a_token_request_without_dpop_still_gets_a_bearer_token() {
    let server = server(true);
    let token = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::basic(CLIENT_ID, SECRET),
    )
    .unwrap()
    .send(&agent())
    .unwrap();
    assert_eq!(token.token_type(), Some(&TokenType::Bearer));
    let access = token.access_token().expose_secret();
    let ok = call_resource(&server, vec![("Authorization", format!("Bearer {access}"))]);
    assert_eq!(ok.status(), 200);
}

#[test]
fn a_demanded_nonce_is_answered_by_one_more_send_and_handed_over() {
    let server = server(true);
    let rng = SystemRandom::new();
    let key = DpopKey::generate(&rng).unwrap();
    let request = request(&server, &key);
    let token = request.send(&agent()).unwrap();
    assert_eq!(token.token_type(), Some(&TokenType::DPoP));
    let nonce = token.dpop_nonce().expect("the latest nonce").to_owned();
    let recorded = server.requests();
    assert_eq!(recorded.len(), 2, "one nonce retry");
    let proof_nonce = |i: usize| -> Option<String> {
        let proof = recorded[i].header("DPoP").unwrap();
        let claims = proof.split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&base64ct::Base64UrlUnpadded::decode_vec(claims).unwrap())
                .unwrap();
        claims
            .get("nonce")
            .and_then(|n| n.as_str())
            .map(str::to_owned)
    };
    use base64ct::Encoding as _;
    assert_eq!(proof_nonce(0), None);
    assert_eq!(proof_nonce(1).as_deref(), Some(nonce.as_str()));

    // The next request starts with the nonce kept: no retry.
    let refresh_token = token.refresh_token().unwrap().clone();
    let refresh = TokenRequest::new(
        server.token_url(),
        Grant::refresh_token(refresh_token),
        ClientAuth::basic(CLIENT_ID, SECRET),
    )
    .unwrap()
    .with_dpop(&key)
    .with_dpop_nonce(&nonce)
    .unwrap();
    let refreshed = refresh.send(&agent()).unwrap();
    assert_eq!(refreshed.token_type(), Some(&TokenType::DPoP));
    assert_eq!(server.requests().len(), 3, "no retry with a current nonce");

    // The resource demands the nonce too: a proof without one is a nonce demand,
    // not a rejected token.
    let access = refreshed.access_token().expose_secret();
    let demand = call_resource(&server, dpop_headers(&server, &key, access, None));
    assert_eq!(demand.status(), 401);
    assert!(!demand.is_token_rejected());
    let fresh = demand
        .dpop_nonce_challenge()
        .expect("a use_dpop_nonce challenge")
        .to_owned();
    let ok = call_resource(&server, dpop_headers(&server, &key, access, Some(&fresh)));
    assert_eq!(ok.status(), 200);

    // The server rotates its nonce: the send retries once with the new one.
    server.rotate_dpop_nonce();
    let before = server.requests().len();
    let again = request
        .clone()
        .with_dpop_nonce(&nonce)
        .unwrap()
        .send(&agent())
        .unwrap();
    assert_eq!(server.requests().len(), before + 2);
    assert_ne!(again.dpop_nonce(), Some(nonce.as_str()));
}

#[test]
fn a_second_nonce_demand_is_the_answer() {
    let server = server(false);
    let key = DpopKey::generate(&SystemRandom::new()).unwrap();
    let demand = Fault::status(
        400,
        "application/json",
        r#"{"error":"use_dpop_nonce","error_description":"nonce"}"#,
    )
    .with_header("DPoP-Nonce", "n-1");
    server.inject(demand, 3);
    let err = request(&server, &key).send(&agent()).unwrap_err();
    let Error::OAuth(oauth) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(oauth.code.as_str(), "use_dpop_nonce");
    assert_eq!(server.requests().len(), 2, "exactly one retry");

    // Without a DPoP key, a nonce demand is not retried at all.
    let server = server_without_faults();
    server.inject(
        Fault::status(400, "application/json", r#"{"error":"use_dpop_nonce"}"#)
            .with_header("DPoP-Nonce", "n-1"),
        1,
    );
    let plain = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::basic(CLIENT_ID, SECRET),
    )
    .unwrap();
    assert!(plain.send(&agent()).is_err());
    assert_eq!(server.requests().len(), 1);
}

fn server_without_faults() -> Server {
    server(false)
}

#[test]
fn the_nonce_retry_sends_a_fresh_proof_and_a_fresh_client_assertion() {
    let rng = SystemRandom::new();
    let client_key = s2s_oauth::SigningKey::generate_p256(&rng).unwrap();
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_client(Client::new(CLIENT_ID).with_public_key(client_key.verifying_key())),
    )
    .unwrap();
    server.inject(
        Fault::status(400, "application/json", r#"{"error":"use_dpop_nonce"}"#)
            .with_header("DPoP-Nonce", "n-1"),
        1,
    );
    let key = DpopKey::generate(&rng).unwrap();
    let token = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::private_key_jwt(CLIENT_ID, client_key).unwrap(),
    )
    .unwrap()
    .with_dpop(&key)
    .send(&agent())
    .unwrap();
    assert_eq!(token.token_type(), Some(&TokenType::DPoP));
    assert_eq!(token.dpop_nonce(), Some("n-1"));
    let recorded = server.requests();
    assert_eq!(recorded.len(), 2, "one nonce retry");
    let claims = |jwt: &str| -> serde_json::Value {
        use base64ct::Encoding as _;
        let part = jwt.split('.').nth(1).unwrap();
        serde_json::from_slice(&base64ct::Base64UrlUnpadded::decode_vec(part).unwrap()).unwrap()
    };
    let proofs: Vec<_> = (0..2)
        .map(|i| claims(recorded[i].header("DPoP").unwrap()))
        .collect();
    assert_ne!(proofs[0]["jti"], proofs[1]["jti"], "a fresh proof");
    assert_eq!(proofs[0].get("nonce"), None);
    assert_eq!(proofs[1]["nonce"], "n-1");
    let assertions: Vec<_> = (0..2)
        .map(|i| claims(recorded[i].form_value("client_assertion").unwrap()))
        .collect();
    assert_ne!(
        assertions[0]["jti"], assertions[1]["jti"],
        "a fresh client assertion"
    );
}
