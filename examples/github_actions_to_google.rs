//! GitHub Actions to Google Cloud with no key on the runner: the job's OIDC token
//! (from GitHub's token endpoint) exchanged at Google's Security Token Service
//! (workload identity federation), then, if a service account is named, that
//! service account's token from IAM Credentials `generateAccessToken`.
//!
//! In a workflow with `permissions: id-token: write` (GitHub sets
//! `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`):
//!
//! ```sh
//! GCP_WORKLOAD_IDENTITY_PROVIDER=projects/123456789/locations/global/workloadIdentityPools/github/providers/my-repo \
//! GCP_SERVICE_ACCOUNT=deployer@my-project.iam.gserviceaccount.com \
//! GOOGLE_SCOPE=https://www.googleapis.com/auth/devstorage.read_only \
//! cargo run --example github_actions_to_google
//! ```
//!
//! `GCP_SERVICE_ACCOUNT` is optional (without it the federated token is the
//! token: grant the principal roles on resources directly); `GOOGLE_SCOPE`
//! defaults to cloud-platform. Instead of the provider, `GOOGLE_APPLICATION_CREDENTIALS`
//! may name an `external_account` file (`gcloud iam workload-identity-pools
//! create-cred-config`) with a file or executable source.
//!
//! With no cloud account, against the local testkit (a GitHub-OIDC-shaped token
//! endpoint, Google's STS shape and `generateAccessToken`, all on 127.0.0.1):
//!
//! ```sh
//! S2S_DEMO=1 cargo run --example github_actions_to_google
//! ```
//!
//! The key under `examples/demo-keys/` is a published demo key: never use it for
//! anything real.

mod support;

use s2s_oauth::exchange::{TokenSource, TokenTypeUri};
use s2s_oauth::providers::github_actions;
use s2s_oauth::providers::google::{Credentials, ExternalAccount, LoadOptions};
use s2s_oauth::secret::SecurityToken;

use s2s_oauth::{Error, SendOptions, SigningKey, Token};

/// Google's default allowed audience for a provider: `https://iam.googleapis.com/`
/// + its name; the STS `audience` is the same name after `//iam.googleapis.com/`.
fn audiences(provider: &str) -> (String, String) {
    let name = provider.trim().trim_start_matches('/');
    let name = name.strip_prefix("iam.googleapis.com/").unwrap_or(name);
    (
        format!("https://iam.googleapis.com/{name}"),
        format!("//iam.googleapis.com/{name}"),
    )
}

fn main() {
    if std::env::var("S2S_DEMO").is_ok_and(|v| v == "1") {
        demo();
        return;
    }
    let mut settings = support::Settings::new("github_actions_to_google");
    let agent = s2s_oauth::agent();
    let scope = settings.optional("GOOGLE_SCOPE");
    // An external_account file, if one is named.
    if let Some(path) = settings.optional("GOOGLE_APPLICATION_CREDENTIALS") {
        let json = support::read(&path, "credential file");
        let token = Credentials::from_json(json, &LoadOptions::from_env())
            .and_then(|c| c.fetch_token(&agent, scope.as_deref()))
            .unwrap_or_else(|e| support::fail(&e, None));
        report(&token);
        return;
    }
    let provider = settings.required(
        "GCP_WORKLOAD_IDENTITY_PROVIDER",
        "projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>",
    );
    settings.required(
        github_actions::REQUEST_URL_VAR,
        "set by GitHub in a job with `permissions: id-token: write`",
    );
    settings.required(
        github_actions::REQUEST_TOKEN_VAR,
        "set by GitHub in a job with `permissions: id-token: write`",
    );
    settings.finish();
    let (token_audience, sts_audience) = audiences(&provider);
    // Read again for each exchange: GitHub's tokens live minutes.
    let subject = github_actions::token_source(agent.clone(), Some(token_audience));
    let mut account = ExternalAccount::new(sts_audience, TokenTypeUri::Jwt, subject)
        .unwrap_or_else(|e| support::fail(&e, None));
    if let Some(email) = settings.optional("GCP_SERVICE_ACCOUNT") {
        account = account
            .with_service_account(&email)
            .unwrap_or_else(|e| support::fail(&e, None));
    }
    let token = account
        .fetch_token(&agent, scope.as_deref())
        .unwrap_or_else(|e| support::fail(&e, None));
    report(&token);
}

fn report(token: &Token) {
    let left = token
        .expires_at()
        .and_then(|at| at.duration_since(std::time::SystemTime::now()).ok());
    println!("Google access token obtained, valid for {left:?}");
}

/// The whole chain on loopback: the testkit plays GitHub's OIDC endpoint (signing
/// with the demo key), Google's STS (trusting GitHub's issuer with that key) and
/// IAM Credentials.
fn demo() {
    use s2s_oauth::testkit::{Config, GITHUB_ISSUER, Profile, Server, TrustedIssuer};

    const PROVIDER: &str =
        "projects/123456789/locations/global/workloadIdentityPools/github/providers/demo";
    const SERVICE_ACCOUNT: &str = "deployer@demo-project.iam.gserviceaccount.com";
    const REQUEST_TOKEN: &str = "demo-request-token";
    let fail = |step: &str, e: &dyn std::fmt::Display| -> ! {
        eprintln!("github_actions_to_google demo failed at {step}: {e}");
        std::process::exit(1)
    };
    let github_key = SigningKey::from_pem(include_str!("demo-keys/client-p256.pem"))
        .unwrap_or_else(|e| fail("the demo key", &e));
    let (token_audience, sts_audience) = audiences(PROVIDER);
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_github_actions_oidc(github_key.clone(), REQUEST_TOKEN, "acme/deploy")
            .with_trusted_issuer(TrustedIssuer::new(
                GITHUB_ISSUER,
                github_key.verifying_key(),
            ))
            .with_google_provider(sts_audience.clone())
            .with_google_service_account(SERVICE_ACCOUNT),
    )
    .unwrap_or_else(|e| fail("starting the testkit", &e));
    let agent = s2s_oauth::agent();

    // What ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN hold in a job; the request
    // and the answer are github_actions::{request, parse}, as token_source uses.
    let oidc_url = server.github_actions_oidc_url();
    let oidc_agent = agent.clone();
    let subject = TokenSource::from_fn(move || {
        let http = github_actions::request(
            &oidc_url,
            &SecurityToken::new(REQUEST_TOKEN),
            Some(&token_audience),
        )?;
        github_actions::parse(&http.send(&oidc_agent, &SendOptions::new())?)
    });
    // The testkit is on 127.0.0.1: loopback endpoints allowed for the demo only.
    let local = LoadOptions::new().allow_loopback_endpoints(true);
    let account = ExternalAccount::new(sts_audience, TokenTypeUri::Jwt, subject)
        .and_then(|a| a.with_token_url(&server.google_sts_url(), &local))
        .and_then(|a| {
            a.with_impersonation_url(&server.google_impersonation_url(SERVICE_ACCOUNT), &local)
        })
        .unwrap_or_else(|e| fail("the workload identity setup", &e));
    let scope = "https://www.googleapis.com/auth/devstorage.read_only";
    let token = account
        .fetch_token(&agent, Some(scope))
        .unwrap_or_else(|e: Error| fail("the exchange", &e));
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.path().split('?').next().unwrap_or("").to_owned())
        .collect();
    if paths.len() != 3 || !paths[2].ends_with(":generateAccessToken") {
        fail("the request log", &format!("{paths:?}"));
    }
    println!("1. GitHub OIDC token from {}", paths[0]);
    println!("2. exchanged at the STS ({})", paths[1]);
    println!("3. impersonated {SERVICE_ACCOUNT} for {scope}");
    report(&token);
    // The token works at a protected resource.
    let status = agent
        .get(server.resource_url())
        .header(
            "Authorization",
            format!("Bearer {}", token.access_token().expose_secret()),
        )
        .call()
        .map(|r| r.status().as_u16())
        .unwrap_or_else(|e| fail("the resource call", &e));
    if status != 200 {
        fail("the resource call", &format!("HTTP {status}"));
    }
    println!("4. the token is accepted by the resource (HTTP 200)");
}
