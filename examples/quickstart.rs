//! Every flow of the crate, end to end, against the local authorization server
//! (`s2s_oauth::testkit`) on 127.0.0.1. No setup, no network:
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! Each step prints one line; any step that does not go as it should stops the
//! run with `quickstart failed: ...` and exit status 1.
//!
//! The keys under `examples/demo-keys/` are published demo keys: never use them for
//! anything real.

use std::time::{Duration, SystemTime};

use ring::rand::SystemRandom;
use s2s_oauth::providers::salesforce::{self, LoginHost, TokenInfo};
use s2s_oauth::saml::Signer;
use s2s_oauth::secret::{AccessToken, ClientSecret};
use s2s_oauth::testkit::{Client, Config, Profile, Server};
use s2s_oauth::ureq::Agent;
use s2s_oauth::{
    Certificate, ClientAuth, Grant, HttpResponse, SendOptions, SigningKey, TokenCache,
    TokenRequest, TokenResponse, VerifyingKey,
};

const RSA_KEY: &str = include_str!("demo-keys/jwt-bearer-rsa.pem");
const RSA_CERT: &str = include_str!("demo-keys/jwt-bearer-rsa.crt");
const P256_KEY: &str = include_str!("demo-keys/client-p256.pem");
const P256_PUBLIC: &str = include_str!("demo-keys/client-p256.pub.pem");

const CONSUMER_KEY: &str = "3MVG9demo.consumer.key";
const USERNAME: &str = "integration@example.com";

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

fn main() {
    if let Err(e) = run() {
        eprintln!("quickstart failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let agent = s2s_oauth::agent();
    salesforce_flows(&agent)?;
    generic_flows(&agent)?;
    println!("\nall flows succeeded");
    Ok(())
}

/// JWT Bearer (RFC 7523), SAML 2.0 Bearer (RFC 7522) and Client Credentials with
/// the Salesforce presets, against a server that answers like Salesforce.
fn salesforce_flows(agent: &Agent) -> Result<()> {
    let certificate = Certificate::from_pem(RSA_CERT)?;
    let server = Server::start(
        Config::new(Profile::Salesforce).with_client(
            Client::new(CONSUMER_KEY)
                .with_secret("demo-consumer-secret")
                .with_public_key(VerifyingKey::from_pem(RSA_CERT)?)
                .with_certificate(&certificate)?
                .with_user(USERNAME)
                .with_run_as(USERNAME),
        ),
    )?;
    // With a real org: LoginHost::my_domain("https://acme.my.salesforce.com"). The
    // token URL is the My Domain's; the assertion audience stays
    // https://login.salesforce.com, which the preset sets.
    let host = LoginHost::my_domain(server.base_url())?;
    println!(
        "Salesforce, answered by a local server at {}",
        host.base_url()
    );

    let jwt = salesforce::jwt_bearer(
        &host,
        CONSUMER_KEY,
        USERNAME,
        SigningKey::from_pem(RSA_KEY)?,
    )?;
    let token = jwt.send(agent)?;
    println!(
        "  JWT Bearer (salesforce::jwt_bearer): {}",
        describe_salesforce(&token)?
    );
    expect_api(agent, &server, token.access_token(), "calling the API", 200)?;
    // Salesforce sends no expires_in: a 401 from the API is how expiry shows.
    server.expire_access_tokens();
    expect_api(
        agent,
        &server,
        token.access_token(),
        "after the session expired",
        401,
    )?;
    // The JWT Bearer flow issues no refresh token: a new assertion gets a new token.
    let token = jwt.send(agent)?;
    expect_api(
        agent,
        &server,
        token.access_token(),
        "with a new token",
        200,
    )?;
    let stranger = salesforce::jwt_bearer(
        &host,
        CONSUMER_KEY,
        "nobody@example.com",
        SigningKey::from_pem(RSA_KEY)?,
    )?;
    expect_refusal("an unknown user", stranger.send(agent))?;

    // SAML 2.0 Bearer: the assertion is built and signed (enveloped XML-DSig,
    // RSA-SHA256) each time the request is built.
    let signer = Signer::new(SigningKey::from_pem(RSA_KEY)?, certificate)?;
    let saml = salesforce::saml_bearer(&host, CONSUMER_KEY, USERNAME, signer)?;
    // Built once by hand (sans-IO) so the same signed assertion can be sent twice.
    let http = saml.to_http_request(SystemTime::now(), &SystemRandom::new())?;
    let send_again = || -> Result<TokenResponse, s2s_oauth::Error> {
        let answer = http.send(agent, &SendOptions::default())?;
        TokenResponse::parse(&answer, SystemTime::now())
    };
    let token = send_again()?;
    println!(
        "  SAML 2.0 Bearer (salesforce::saml_bearer): {}",
        describe_salesforce(&token)?
    );
    expect_api(agent, &server, token.access_token(), "calling the API", 200)?;
    expect_refusal("the same signed assertion again", send_again())?;

    // Client Credentials (My Domain only), with the response signature checked.
    let secret = ClientSecret::new("demo-consumer-secret");
    let token = salesforce::client_credentials(&host, CONSUMER_KEY, secret.clone())?.send(agent)?;
    salesforce::verify_signature(&token, &secret)?;
    println!(
        "  Client Credentials (salesforce::client_credentials): {}, signature verified",
        describe_salesforce(&token)?
    );
    Ok(())
}

/// Client Credentials with client_secret_basic and with private_key_jwt, the
/// Refresh Token grant and the token cache, against a generic RFC 6749 server.
fn generic_flows(agent: &Agent) -> Result<()> {
    let secret = "a b+c%/:=&é"; // every character that needs form-encoding
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_token_lifetime(Duration::from_secs(600))
            .with_client(
                Client::new("batch-job")
                    .with_secret(secret)
                    .with_public_key(VerifyingKey::from_pem(P256_PUBLIC)?)
                    .with_refresh_tokens(true),
            ),
    )?;
    println!("\nGeneric RFC 6749 server at {}", server.base_url());

    let basic = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::basic("batch-job", secret),
    )?
    .with_scope("read write")?;
    let token = basic.send(agent)?;
    println!(
        "  Client Credentials, client_secret_basic: {}",
        describe(&token)
    );
    if token.scope() != Some("read write") {
        return Err(format!("expected scope \"read write\", got {:?}", token.scope()).into());
    }

    let private_key_jwt = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::private_key_jwt("batch-job", SigningKey::from_pem(P256_KEY)?)?,
    )?;
    let token = private_key_jwt.send(agent)?;
    println!(
        "  Client Credentials, private_key_jwt (ES256): {}",
        describe(&token)
    );

    expect_api(agent, &server, token.access_token(), "calling the API", 200)?;
    server.expire_access_tokens();
    expect_api(agent, &server, token.access_token(), "after expiry", 401)?;
    let refresh_token = token
        .into_refresh_token()
        .ok_or("the server issued no refresh token")?;
    let refreshed = TokenRequest::new(
        server.token_url(),
        Grant::refresh_token(refresh_token),
        ClientAuth::basic("batch-job", secret),
    )?
    .send(agent)?;
    println!("  Refresh Token: {}", describe(&refreshed));
    expect_api(
        agent,
        &server,
        refreshed.access_token(),
        "retried call",
        200,
    )?;

    // A cache in front of the request: one token request for many uses.
    let token_requests = || {
        let requests = server.requests();
        requests
            .iter()
            .filter(|r| r.path() == "/services/oauth2/token")
            .count()
    };
    let before = token_requests();
    let mut cache = TokenCache::new();
    for _ in 0..3 {
        let token = cache.get_or_send(&basic, agent)?;
        expect_status(agent, &server, token.access_token(), 200)?;
    }
    let sent = token_requests() - before;
    if sent != 1 {
        return Err(format!("TokenCache sent {sent} token requests for 3 uses, not 1").into());
    }
    println!("  TokenCache::get_or_send: 3 API calls, 1 token request");
    Ok(())
}

/// One line about a token: its type, its expiry, its scope, a refresh token.
fn describe(token: &TokenResponse) -> String {
    let kind = token.token_type().map_or("untyped", |t| t.as_str());
    let mut line = match token.expires_in() {
        Some(lifetime) => format!("{kind} token, expires in {} s", lifetime.as_secs()),
        None => format!("{kind} token, no expires_in"),
    };
    if let Some(scope) = token.scope() {
        line.push_str(&format!(", scope \"{scope}\""));
    }
    if token.refresh_token().is_some() {
        line.push_str(", with a refresh token");
    }
    line
}

/// [`describe`] plus what the Salesforce fields say (org and user).
fn describe_salesforce(token: &TokenResponse) -> Result<String> {
    let info = TokenInfo::from_response(token)?;
    Ok(format!(
        "{} (org {}, user {})",
        describe(token),
        info.org_id(),
        info.user_id()
    ))
}

/// Calls the protected resource and prints what happened, failing unless the
/// status is `expected` (and, for a 401, unless it reads as a rejected token).
fn expect_api(
    agent: &Agent,
    server: &Server,
    token: &AccessToken,
    step: &str,
    expected: u16,
) -> Result<()> {
    let response = call_api(agent, server, token)?;
    let status = response.status();
    if response.is_token_rejected() {
        println!("    {step}: HTTP {status}: token expired or invalid -> get a new one and retry");
    } else {
        println!("    {step}: HTTP {status}");
    }
    if status != expected || (status == 401) != response.is_token_rejected() {
        return Err(format!("{step}: expected HTTP {expected}, got {status}").into());
    }
    Ok(())
}

/// [`expect_api`] without the line.
fn expect_status(agent: &Agent, server: &Server, token: &AccessToken, expected: u16) -> Result<()> {
    let status = call_api(agent, server, token)?.status();
    if status != expected {
        return Err(format!("expected HTTP {expected} from the API, got {status}").into());
    }
    Ok(())
}

/// A GET with the bearer token. `s2s_oauth::agent()` hands a 401 back as a
/// response (ureq's default agent would make it an error without its body).
fn call_api(agent: &Agent, server: &Server, token: &AccessToken) -> Result<HttpResponse> {
    let response = agent
        .get(server.resource_url())
        .header("Authorization", format!("Bearer {}", token.expose_secret()))
        .call()?;
    Ok(HttpResponse::from_ureq(response)?)
}

/// Fails unless `result` is the server's OAuth refusal; prints it.
fn expect_refusal(what: &str, result: Result<TokenResponse, s2s_oauth::Error>) -> Result<()> {
    match result {
        Err(e) if e.oauth_error().is_some() => {
            println!("  {what}: refused as expected: {e}");
            Ok(())
        }
        Err(e) => Err(format!("{what}: expected an OAuth refusal, got: {e}").into()),
        Ok(_) => Err(format!("{what}: expected a refusal, got a token").into()),
    }
}
