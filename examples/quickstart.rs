//! Every flow of the crate, end to end, against the local authorization server
//! (`s2s_oauth::testkit`) on 127.0.0.1. No setup, no network:
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! The keys under `examples/demo-keys/` are published demo keys: never use them for
//! anything real.

use std::time::Duration;

use s2s_oauth::saml::{self, Signer};
use s2s_oauth::testkit::{Client, Config, Profile, Server};
use s2s_oauth::{
    Certificate, Claims, ClientAuth, ClientSecret, Error, Grant, SigningKey, TokenRequest,
    TokenResponse, VerifyingKey, is_token_rejected,
};

const RSA_KEY: &str = include_str!("demo-keys/jwt-bearer-rsa.pem");
const RSA_CERT: &str = include_str!("demo-keys/jwt-bearer-rsa.crt");
const P256_KEY: &str = include_str!("demo-keys/client-p256.pem");
const P256_PUBLIC: &str = include_str!("demo-keys/client-p256.pub.pem");

fn main() {
    if let Err(e) = run() {
        eprintln!("quickstart failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let agent = s2s_oauth::agent();
    salesforce_jwt_bearer(&agent)?;
    salesforce_saml_bearer(&agent)?;
    client_credentials_and_refresh(&agent)?;
    println!("\nall flows succeeded");
    Ok(())
}

/// JWT Bearer (RFC 7523) against a server that answers like Salesforce.
fn salesforce_jwt_bearer(agent: &s2s_oauth::ureq::Agent) -> Result<(), Box<dyn std::error::Error>> {
    let consumer_key = "3MVG9demo.consumer.key";
    let username = "integration@example.com";
    let server = Server::start(
        Config::new(Profile::Salesforce).with_client(
            Client::new(consumer_key)
                .with_secret(ClientSecret::new("demo-consumer-secret"))
                .with_public_key(VerifyingKey::from_pem(RSA_CERT)?)
                .with_user(username),
        ),
    )?;
    println!("== JWT Bearer, Salesforce profile ({})", server.token_url());

    // What a Salesforce user writes; with real Salesforce the token URL is
    // https://login.salesforce.com/services/oauth2/token and the audience
    // https://login.salesforce.com.
    let key = SigningKey::from_pem(RSA_KEY)?;
    let claims = Claims::new(consumer_key, username, server.audience());
    let request = TokenRequest::new(
        server.token_url(),
        Grant::jwt_bearer(claims, key),
        ClientAuth::none(),
    )?;
    let token = request.send(agent)?;
    println!("{token:#?}");

    // Salesforce sends no expires_in: a 401 from the API is how expiry shows.
    println!(
        "-- calling the API: {}",
        call_api(agent, &server.resource_url(), &token)?
    );
    server.expire_access_tokens();
    let status = call_api(agent, &server.resource_url(), &token)?;
    println!("-- after the session expired: {status}");
    if !status.contains("token expired") {
        return Err("the expired session was not detected".into());
    }

    // A new assertion gets a new token (the JWT Bearer flow issues no refresh token).
    let token = request.send(agent)?;
    println!(
        "-- new token, API says: {}",
        call_api(agent, &server.resource_url(), &token)?
    );

    // A refusal is a typed OAuth error with Salesforce's own words.
    let stranger = Claims::new(consumer_key, "nobody@example.com", server.audience());
    let refused = TokenRequest::new(
        server.token_url(),
        Grant::jwt_bearer(stranger, SigningKey::from_pem(RSA_KEY)?),
        ClientAuth::none(),
    )?
    .send(agent);
    match refused {
        Err(Error::OAuth(e)) => println!("-- unknown user refused as expected: {e}"),
        other => return Err(format!("expected a refusal, got {other:?}").into()),
    }
    Ok(())
}

/// SAML 2.0 Bearer (RFC 7522) against a server that answers like Salesforce: the
/// assertion is built and signed (enveloped XML-DSig, RSA-SHA256) for each request.
fn salesforce_saml_bearer(
    agent: &s2s_oauth::ureq::Agent,
) -> Result<(), Box<dyn std::error::Error>> {
    let consumer_key = "3MVG9demo.saml.consumer.key";
    let username = "integration@example.com";
    let certificate = Certificate::from_pem(RSA_CERT)?;
    let server = Server::start(
        Config::new(Profile::Salesforce).with_client(
            Client::new(consumer_key)
                .with_certificate(&certificate)?
                .with_user(username),
        ),
    )?;
    println!(
        "\n== SAML 2.0 Bearer, Salesforce profile ({})",
        server.token_url()
    );

    // With real Salesforce: Audience https://login.salesforce.com, Recipient (and
    // token URL) https://login.salesforce.com/services/oauth2/token.
    let signer = Signer::new(SigningKey::from_pem(RSA_KEY)?, certificate)?;
    let assertion = saml::Assertion::new(
        consumer_key,
        username,
        server.audience(),
        server.token_url(),
    );
    let signed = assertion.sign(&signer)?;
    let xml = signed.expose_secret();
    let signature_at = xml.find("<ds:Signature").unwrap_or(0);
    println!(
        "-- signed assertion, {} bytes, signature after Issuer at byte {signature_at}",
        xml.len()
    );
    let request = TokenRequest::new(
        server.token_url(),
        Grant::saml2_bearer_signed(assertion, signer),
        ClientAuth::none(),
    )?;
    let token = request.send(agent)?;
    println!("{token:#?}");
    println!(
        "-- calling the API: {}",
        call_api(agent, &server.resource_url(), &token)?
    );

    // The same signed assertion a second time is a replay: refused.
    TokenRequest::new(
        server.token_url(),
        Grant::saml2_bearer(signed.clone()),
        ClientAuth::none(),
    )?
    .send(agent)?;
    match TokenRequest::new(
        server.token_url(),
        Grant::saml2_bearer(signed),
        ClientAuth::none(),
    )?
    .send(agent)
    {
        Err(Error::OAuth(e)) => println!("-- replayed assertion refused as expected: {e}"),
        other => return Err(format!("expected a refusal, got {other:?}").into()),
    }
    Ok(())
}

/// Client Credentials with client_secret_basic and with private_key_jwt, then the
/// Refresh Token grant, against a generic RFC 6749 server.
fn client_credentials_and_refresh(
    agent: &s2s_oauth::ureq::Agent,
) -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_token_lifetime(Duration::from_secs(600))
            .with_client(
                Client::new("batch-job")
                    .with_secret(ClientSecret::new("a b+c%/:=&é"))
                    .with_public_key(VerifyingKey::from_pem(P256_PUBLIC)?)
                    .with_refresh_tokens(true),
            ),
    )?;
    println!(
        "\n== Client Credentials, generic profile ({})",
        server.token_url()
    );

    let basic = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::basic("batch-job", ClientSecret::new("a b+c%/:=&é")),
    )?
    .with_scope("read write")?;
    let token = basic.send(agent)?;
    println!("client_secret_basic: {token:#?}");
    println!("-- expires at {:?}", token.expires_at());

    let key = SigningKey::from_pem(P256_KEY)?; // ES256
    let private_key_jwt = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::private_key_jwt("batch-job", key)?,
    )?;
    let token = private_key_jwt.send(agent)?;
    println!("private_key_jwt: {token:#?}");

    println!("\n== Refresh Token, with detected expiry");
    println!(
        "-- calling the API: {}",
        call_api(agent, &server.resource_url(), &token)?
    );
    server.expire_access_tokens();
    let status = call_api(agent, &server.resource_url(), &token)?;
    println!("-- after expiry: {status}");
    if !status.contains("token expired") {
        return Err("the expired token was not detected".into());
    }
    let refresh_token = token
        .refresh_token()
        .ok_or("the server issued no refresh token")?
        .clone();
    let refreshed = TokenRequest::new(
        server.token_url(),
        Grant::refresh_token(refresh_token),
        ClientAuth::basic("batch-job", ClientSecret::new("a b+c%/:=&é")),
    )?
    .send(agent)?;
    println!("refreshed: {refreshed:#?}");
    println!(
        "-- retried call: {}",
        call_api(agent, &server.resource_url(), &refreshed)?
    );
    Ok(())
}

/// Calls the protected resource and says what happened.
fn call_api(
    agent: &s2s_oauth::ureq::Agent,
    url: &str,
    token: &TokenResponse,
) -> Result<String, Box<dyn std::error::Error>> {
    let response = agent
        .get(url)
        .header(
            "Authorization",
            &format!("Bearer {}", token.access_token().expose_secret()),
        )
        .call()?;
    let status = response.status().as_u16();
    let www_authenticate = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.into_body().read_to_vec()?;
    Ok(
        if is_token_rejected(status, www_authenticate.as_deref(), &body) {
            format!("HTTP {status}: token expired or invalid -> get a new one and retry")
        } else {
            format!("HTTP {status}")
        },
    )
}
