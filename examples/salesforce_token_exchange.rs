//! Salesforce token exchange with no secret on the machine: a token your identity
//! provider (or platform) issued is exchanged at the org's token endpoint for a
//! Salesforce token (the org's Apex token exchange handler validates it and maps
//! its subject to a user), then, optionally, that token for a Data Cloud (Data 360)
//! token at `<instance_url>/services/a360/token`.
//!
//! Environment variables:
//!
//! | variable | |
//! |---|---|
//! | `SF_MY_DOMAIN` | the org's My Domain URL, e.g. `https://acme.my.salesforce.com` (required) |
//! | `SF_CONSUMER_KEY` | the connected app's Consumer Key, with the token exchange flow enabled (required) |
//! | `SF_SUBJECT_TOKEN_FILE` | a file holding the identity provider's token, read again on every request (required) |
//! | `SF_SUBJECT_TOKEN_TYPE` | `access_token`, `refresh_token`, `id_token`, `jwt` (default) or `saml2` |
//! | `SF_CONSUMER_SECRET` | the Consumer Secret, if the app requires it for this flow |
//! | `SF_TOKEN_HANDLER` | the Apex token exchange handler's name (default: the app's default handler) |
//! | `SF_SCOPE` | scopes to ask for (a subset of the app's) |
//! | `SF_DATA_CLOUD` | `1`: go on to the Data Cloud exchange |
//! | `SF_DATASPACE` | the Data Cloud data space (default: Salesforce's) |
//!
//! ```sh
//! SF_MY_DOMAIN=https://acme.my.salesforce.com SF_CONSUMER_KEY=3MVG9... \
//! SF_SUBJECT_TOKEN_FILE=/var/run/secrets/tokens/salesforce \
//! cargo run --example salesforce_token_exchange
//! ```
//!
//! With `S2S_DEMO=1` it needs no org: it starts the crate's local authorization
//! server (`s2s_oauth::testkit`, Salesforce profile) trusting a demo identity
//! provider, and runs token exchange → Data Cloud token on 127.0.0.1:
//!
//! ```sh
//! S2S_DEMO=1 cargo run --example salesforce_token_exchange
//! ```
//!
//! The key under `examples/demo-keys/` is a published demo key: never use it for
//! anything real.

mod support;

use std::time::Duration;

use s2s_oauth::exchange::{TokenSource, TokenTypeUri};
use s2s_oauth::jwt::Claims;
use s2s_oauth::providers::salesforce::{self, DataCloudToken, LoginHost, TokenInfo};
use s2s_oauth::secret::ClientSecret;
use s2s_oauth::testkit::{Client, Config, Profile, Server, TrustedIssuer};
use s2s_oauth::{SigningKey, TokenRequest};

/// What the run needs, from the environment or the demo.
struct Setup {
    host: LoginHost,
    consumer_key: String,
    consumer_secret: Option<ClientSecret>,
    subject: TokenSource,
    subject_type: TokenTypeUri,
    token_handler: Option<String>,
    scope: Option<String>,
    data_cloud: bool,
    dataspace: Option<String>,
}

fn main() {
    // The demo's server and temporary file live until the run ends.
    let demo = std::env::var("S2S_DEMO").is_ok_and(|v| v == "1");
    let (setup, _demo) = if demo {
        let (setup, server, dir) = demo_setup().unwrap_or_else(|e| {
            eprintln!("demo setup failed: {e}");
            std::process::exit(1)
        });
        (setup, Some((server, dir)))
    } else {
        (from_env(), None)
    };
    run(&setup);
}

fn from_env() -> Setup {
    let mut settings = support::Settings::new("salesforce_token_exchange");
    let my_domain = settings.required(
        "SF_MY_DOMAIN",
        "the org's My Domain URL, e.g. https://acme.my.salesforce.com",
    );
    let consumer_key = settings.required("SF_CONSUMER_KEY", "the connected app's Consumer Key");
    let subject_file = settings.required(
        "SF_SUBJECT_TOKEN_FILE",
        "a file holding the identity provider's token",
    );
    settings.finish();
    let host = LoginHost::my_domain(&my_domain).unwrap_or_else(|e| support::fail(&e, None));
    let subject_type = settings
        .optional("SF_SUBJECT_TOKEN_TYPE")
        .map_or(Ok(TokenTypeUri::Jwt), |t| TokenTypeUri::parse(&t))
        .unwrap_or_else(|e| support::fail(&e, None));
    Setup {
        host,
        consumer_key,
        consumer_secret: settings
            .optional("SF_CONSUMER_SECRET")
            .map(ClientSecret::new),
        subject: TokenSource::file(subject_file),
        subject_type,
        token_handler: settings.optional("SF_TOKEN_HANDLER"),
        scope: settings.optional("SF_SCOPE"),
        data_cloud: settings.optional("SF_DATA_CLOUD").as_deref() == Some("1"),
        dataspace: settings.optional("SF_DATASPACE"),
    }
}

/// The exchange, then (if asked) the Data Cloud token.
fn run(setup: &Setup) {
    let agent = s2s_oauth::agent();
    let mut request = salesforce::token_exchange(
        &setup.host,
        &setup.consumer_key,
        setup.consumer_secret.clone(),
        setup.subject.clone(),
        setup.subject_type.clone(),
    )
    .unwrap_or_else(|e| support::fail(&e, None));
    if let Some(scope) = &setup.scope {
        request = request
            .with_scope(scope)
            .unwrap_or_else(|e| support::fail(&e, None));
    }
    if let Some(handler) = &setup.token_handler {
        request = request
            .with_param("token_handler", handler)
            .unwrap_or_else(|e| support::fail(&e, None));
    }
    let token = send(&request, &agent);
    let info = TokenInfo::from_response(&token).unwrap_or_else(|e| support::fail(&e, None));
    println!(
        "token exchange: a Salesforce token for user {} in org {}; REST base {}",
        info.user_id(),
        info.org_id(),
        info.instance_url()
    );
    if !setup.data_cloud {
        return;
    }
    let core = TokenSource::new(token.access_token().expose_secret());
    let request =
        salesforce::data_cloud_token(info.instance_url(), core, setup.dataspace.as_deref())
            .unwrap_or_else(|e| support::fail(&e, None));
    let answer = send(&request, &agent);
    let tenant = DataCloudToken::from_response(&answer).unwrap_or_else(|e| support::fail(&e, None));
    let lifetime = answer
        .expires_in()
        .map_or_else(|| "unknown".to_owned(), |d| format!("{} s", d.as_secs()));
    println!(
        "Data Cloud: a token for {} (valid {lifetime})",
        tenant.instance_url()
    );
}

fn send(request: &TokenRequest, agent: &s2s_oauth::ureq::Agent) -> s2s_oauth::TokenResponse {
    request
        .send(agent)
        .unwrap_or_else(|e| support::fail(&e, salesforce::hint(&e)))
}

const DEMO_IDP_KEY: &str = include_str!("demo-keys/client-p256.pem");
const DEMO_IDP: &str = "https://idp.example.com";
const DEMO_APP: &str = "3MVG9demo.exchange.app";

/// The testkit in Salesforce's shape, trusting a demo identity provider whose
/// token (a JWT for the org) sits in a temporary file.
fn demo_setup() -> Result<(Setup, Server, TempDir), Box<dyn std::error::Error>> {
    let idp = SigningKey::from_pem(DEMO_IDP_KEY)?;
    let server = Server::start(
        Config::new(Profile::Salesforce)
            .with_trusted_issuer(
                TrustedIssuer::new(DEMO_IDP, idp.verifying_key()).with_audience("salesforce"),
            )
            .with_client(Client::new(DEMO_APP)),
    )?;
    let token = Claims::new(DEMO_IDP, "alice@example.com", "salesforce")
        .with_lifetime(Duration::from_secs(600))
        .sign(&idp)?;
    let dir = TempDir::new();
    let file = dir.0.join("idp-token");
    std::fs::write(&file, token.expose_secret())?;
    println!("demo: a Salesforce-shaped server at {}", server.base_url());
    let setup = Setup {
        host: LoginHost::my_domain(server.base_url())?,
        consumer_key: DEMO_APP.into(),
        consumer_secret: None,
        subject: TokenSource::file(&file),
        subject_type: TokenTypeUri::Jwt,
        token_handler: Some("DemoHandler".into()),
        scope: Some("api cdp_query_api".into()),
        data_cloud: true,
        dataspace: Some("default".into()),
    };
    Ok((setup, server, dir))
}

/// A directory removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("s2s-sf-exchange-demo-{}", std::process::id()));
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!("cannot create {}: {e}", dir.display());
            std::process::exit(2);
        }
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
