//! Kubernetes (AKS) to Microsoft Entra ID with no secret on the machine: the pod's
//! projected service-account token is the client assertion of a Client
//! Credentials request (Entra workload identity federation), and the token file
//! is read again for every request, since the kubelet replaces it about every hour.
//!
//! In a pod with workload identity (the AKS webhook sets `AZURE_TENANT_ID`,
//! `AZURE_CLIENT_ID`, `AZURE_FEDERATED_TOKEN_FILE` and `AZURE_AUTHORITY_HOST`);
//! `ENTRA_RESOURCE` names the API (default Microsoft Graph):
//!
//! ```sh
//! cargo run --example k8s_to_entra
//! ```
//!
//! With no cluster and no cloud account, against the crate's own authorization
//! server on 127.0.0.1 standing in for Entra, which trusts a "cluster" key made
//! for the run; the token file is rotated between two requests:
//!
//! ```sh
//! S2S_DEMO=1 cargo run --example k8s_to_entra
//! ```
//!
//! Exit status as the command-line tool's: 2 bad local input (a variable unset, the
//! token file unreadable; nothing sent), 3 the server refused, 4 transport failure
//! or server fault; in the demo, 1 if a step does not go as it should.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use s2s_oauth::SigningKey;
use s2s_oauth::jwt::Claims;
use s2s_oauth::providers::entra::WorkloadIdentity;
use s2s_oauth::testkit::{Client, Config, Profile, Server, TrustedIssuer};

/// The audience Entra wants on a federated token.
const ENTRA_AUDIENCE: &str = "api://AzureADTokenExchange";

fn main() {
    if std::env::var("S2S_DEMO").as_deref() == Ok("1") {
        if let Err(e) = demo() {
            eprintln!("k8s_to_entra demo failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    let settings = support::Settings::new("k8s_to_entra");
    let resource = settings
        .optional("ENTRA_RESOURCE")
        .unwrap_or_else(|| "https://graph.microsoft.com".to_owned());
    // This is all a pod needs: the file named by AZURE_FEDERATED_TOKEN_FILE is read
    // when each request is built.
    let identity = WorkloadIdentity::from_env().unwrap_or_else(|e| {
        support::fail(
            &e,
            Some(
                "run in a pod with workload identity (label azure.workload.identity/use: \"true\"), or try S2S_DEMO=1",
            ),
        )
    });
    let token = identity
        .token_request(&resource)
        .and_then(|request| request.send(&s2s_oauth::agent()))
        .unwrap_or_else(|e| support::fail(&e, None));
    println!(
        "app-only token for {resource} as client {}, valid {:?}",
        identity.client_id(),
        token.expires_in()
    );
}

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// The demo's cluster, app and service account.
const CLUSTER: &str = "https://oidc.prod-aks.azure.com/demo-tenant/demo-cluster/";
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID: &str = "00001111-aaaa-2222-bbbb-3333cccc4444";
const SERVICE_ACCOUNT: &str = "system:serviceaccount:jobs:sync";

/// The same call as in a pod, with the AKS variables given by the demo and the
/// token URL of the local server.
fn demo() -> Result<()> {
    // The cluster's service-account signing key, made for this run.
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| "cannot make the demo cluster key")?;
    let cluster = SigningKey::from_der(pkcs8.as_ref())?;

    // Entra's side: the app's federated credential trusts the cluster's issuer
    // for one service account.
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_trusted_issuer(
                TrustedIssuer::new(CLUSTER, cluster.verifying_key()).with_audience(ENTRA_AUDIENCE),
            )
            .with_client(Client::new(CLIENT_ID).with_federated_identity(CLUSTER, SERVICE_ACCOUNT)),
    )?;
    println!("local Entra stand-in at {}", server.base_url());

    // The kubelet's side: the projected token file.
    let dir = TempDir::new()?;
    let token_file = dir.0.join("azure-identity-token");
    let first = projected_token(&cluster)?;
    std::fs::write(&token_file, &first)?;

    // The job's side: what `WorkloadIdentity::from_env()` reads in a pod.
    let file = token_file
        .to_str()
        .ok_or("the temp dir is not UTF-8")?
        .to_owned();
    let vars = [
        ("AZURE_TENANT_ID", TENANT),
        ("AZURE_CLIENT_ID", CLIENT_ID),
        ("AZURE_FEDERATED_TOKEN_FILE", file.as_str()),
    ];
    let lookup = |name: &str| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    };
    // The testkit's token endpoint is not at Entra's /<tenant>/oauth2/v2.0/token.
    let identity = WorkloadIdentity::from_vars(lookup)?.with_token_url(&server.token_url())?;
    let request = identity.token_request("api://demo-api")?;
    let agent = s2s_oauth::agent();

    let token = request.send(&agent)?;
    check_sent(&server, &first, "first")?;
    println!(
        "1. client credentials with the projected token as client assertion: an access token, valid {:?}",
        token.expires_in()
    );

    // An hour later the kubelet has replaced the file; the same request reads it.
    let rotated = projected_token(&cluster)?;
    if rotated == first {
        return Err("the rotated token is the same as the first".into());
    }
    std::fs::write(&token_file, &rotated)?;
    request.send(&agent)?;
    check_sent(&server, &rotated, "rotated")?;
    println!("2. the file was rotated: the next request sent the new token, and it was accepted");
    Ok(())
}

/// A projected service-account token as the kubelet writes it for Entra: signed by
/// the cluster, `aud` = `api://AzureADTokenExchange`, an hour's lifetime, a fresh
/// `jti` each time.
fn projected_token(cluster: &SigningKey) -> Result<String> {
    Ok(Claims::new(CLUSTER, SERVICE_ACCOUNT, ENTRA_AUDIENCE)
        .with_lifetime(Duration::from_secs(3600))
        .sign(cluster)?
        .into_exposed_secret())
}

/// Checks that the server's last request carried `expected` as its client assertion
/// (the token itself is not printed).
fn check_sent(server: &Server, expected: &str, which: &str) -> Result<()> {
    let requests = server.requests();
    let sent = requests
        .last()
        .and_then(|r| r.form_value("client_assertion"))
        .ok_or("the server saw no client assertion")?;
    if sent != expected {
        return Err(format!("the request did not carry the {which} token file's content").into());
    }
    Ok(())
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        let path = std::env::temp_dir().join(format!("s2s-k8s-to-entra-{}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(Path::new(&self.0));
    }
}
