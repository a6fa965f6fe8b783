//! Entra workload identity (`providers::entra::WorkloadIdentity`): the wire shape
//! of the client-credentials request with the federated token as client assertion,
//! the AKS variables (given explicitly, never through the process environment, so
//! that tests cannot race), and a loopback run against the testkit's federated
//! identity, with the projected token file rotated between requests.
#![cfg(feature = "ureq")]

mod presets;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use s2s_oauth::error::{ErrorCode, InputField, InputProblem, SourceError};
use s2s_oauth::exchange::TokenSource;
use s2s_oauth::jwt::Claims;
use s2s_oauth::providers::entra::WorkloadIdentity;
use s2s_oauth::testkit::{Client, Config, Profile, Server, TrustedIssuer};
use s2s_oauth::{Error, SigningKey};

use presets::{build, form, names, value};

const CLUSTER: &str = "https://oidc.prod-aks.azure.com/tenant/issuer";
const ENTRA_AUDIENCE: &str = "api://AzureADTokenExchange";
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID: &str = "00001111-aaaa-2222-bbbb-3333cccc4444";
const SERVICE_ACCOUNT: &str = "system:serviceaccount:jobs:sync";

fn cluster_key() -> SigningKey {
    SigningKey::from_pem(include_str!("data/keys/p256.pkcs8.pem")).unwrap()
}

fn projected_token(subject: &str) -> String {
    Claims::new(CLUSTER, subject, ENTRA_AUDIENCE)
        .with_lifetime(Duration::from_secs(3600))
        .sign(&cluster_key())
        .unwrap()
        .into_exposed_secret()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("s2s-entra-wi-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn vars(pairs: &[(&'static str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn input_error(err: Error) -> (InputField, InputProblem, String) {
    match err {
        Error::InvalidInput(e) => (e.field(), e.problem(), e.message().to_owned()),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn the_request_is_client_credentials_with_the_file_as_client_assertion() {
    let dir = temp_dir("shape");
    let path = dir.join("azure-identity-token");
    std::fs::write(&path, "eyJ.first.sig\n").unwrap();
    let identity = WorkloadIdentity::new(TENANT, CLIENT_ID, TokenSource::file(&path)).unwrap();
    assert_eq!(identity.client_id(), CLIENT_ID);
    let request = identity
        .token_request("https://graph.microsoft.com/")
        .unwrap();
    let http = build(&request);
    assert_eq!(
        http.url(),
        format!("https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token")
    );
    let sent = form(http.body());
    assert_eq!(
        names(&sent),
        [
            "grant_type",
            "client_assertion_type",
            "client_assertion",
            "client_id",
            "scope"
        ]
    );
    assert_eq!(value(&sent, "grant_type"), "client_credentials");
    assert_eq!(
        value(&sent, "scope"),
        "https://graph.microsoft.com/.default"
    );
    assert_eq!(
        value(&sent, "client_assertion_type"),
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    assert_eq!(value(&sent, "client_assertion"), "eyJ.first.sig");
    assert_eq!(value(&sent, "client_id"), CLIENT_ID);
    // The file is read again when the request is built again.
    std::fs::write(&path, "eyJ.second.sig").unwrap();
    assert_eq!(
        value(&form(build(&request).body()), "client_assertion"),
        "eyJ.second.sig"
    );
    // A scope already ending in /.default is kept as it is.
    let request = identity.token_request("api://my-api/.default").unwrap();
    assert_eq!(request.scope(), Some("api://my-api/.default"));
    // A removed file is a typed source error naming the file, when building.
    std::fs::remove_dir_all(&dir).unwrap();
    match request
        .to_http_request(presets::now(), &ring::rand::SystemRandom::new())
        .unwrap_err()
    {
        Error::TokenSource(e) => assert!(matches!(*e, SourceError::File { .. }), "{e:?}"),
        other => panic!("expected a source error, got {other:?}"),
    }
}

#[test]
fn the_aks_variables_are_read_and_each_missing_one_is_named() {
    let all = [
        ("AZURE_TENANT_ID", TENANT),
        ("AZURE_CLIENT_ID", CLIENT_ID),
        (
            "AZURE_FEDERATED_TOKEN_FILE",
            "/var/run/secrets/azure/tokens/azure-identity-token",
        ),
    ];
    // AZURE_AUTHORITY_HOST unset: the public cloud.
    let identity = WorkloadIdentity::from_vars(vars(&all)).unwrap();
    assert_eq!(
        identity.token_url(),
        format!("https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token")
    );
    assert_eq!(identity.client_id(), CLIENT_ID);
    assert!(format!("{identity:?}").contains("azure-identity-token"));
    // As AKS sets it, with a trailing slash.
    let mut with_host = all.to_vec();
    with_host.push(("AZURE_AUTHORITY_HOST", "https://login.chinacloudapi.cn/"));
    assert_eq!(
        WorkloadIdentity::from_vars(vars(&with_host))
            .unwrap()
            .token_url(),
        format!("https://login.chinacloudapi.cn/{TENANT}/oauth2/v2.0/token")
    );
    // A local authority (a test server) over plain http on loopback is taken.
    let mut local = all.to_vec();
    local.push(("AZURE_AUTHORITY_HOST", "http://127.0.0.1:8443/"));
    assert_eq!(
        WorkloadIdentity::from_vars(vars(&local))
            .unwrap()
            .token_url(),
        format!("http://127.0.0.1:8443/{TENANT}/oauth2/v2.0/token")
    );
    // An http authority off loopback is refused.
    let mut plain = all.to_vec();
    plain.push(("AZURE_AUTHORITY_HOST", "http://login.example.com/"));
    assert!(WorkloadIdentity::from_vars(vars(&plain)).is_err());

    for (missing, field) in [
        ("AZURE_TENANT_ID", InputField::Tenant),
        ("AZURE_CLIENT_ID", InputField::ClientId),
        ("AZURE_FEDERATED_TOKEN_FILE", InputField::TokenSource),
    ] {
        let unset: Vec<_> = all.iter().copied().filter(|(k, _)| *k != missing).collect();
        let (f, problem, message) =
            input_error(WorkloadIdentity::from_vars(vars(&unset)).unwrap_err());
        assert_eq!((f, problem), (field, InputProblem::Missing), "{missing}");
        assert!(message.contains(missing), "{message}");
        // An empty value is as good as unset.
        let empty: Vec<_> = all
            .iter()
            .map(|&(k, v)| if k == missing { (k, " ") } else { (k, v) })
            .collect();
        let (f, problem, _) = input_error(WorkloadIdentity::from_vars(vars(&empty)).unwrap_err());
        assert_eq!((f, problem), (field, InputProblem::Missing), "{missing}");
    }
    // A tenant that cannot issue app-only tokens.
    let mut common = all.to_vec();
    common[0] = ("AZURE_TENANT_ID", "common");
    assert_eq!(
        input_error(WorkloadIdentity::from_vars(vars(&common)).unwrap_err()).0,
        InputField::Tenant
    );
}

#[test]
fn bad_explicit_values_are_refused() {
    let file = TokenSource::file("/tmp/token");
    assert_eq!(
        input_error(WorkloadIdentity::new(TENANT, " ", file.clone()).unwrap_err()).0,
        InputField::ClientId
    );
    assert_eq!(
        input_error(WorkloadIdentity::new(TENANT, CLIENT_ID, TokenSource::file("")).unwrap_err()).0,
        InputField::TokenSource
    );
    assert_eq!(
        input_error(WorkloadIdentity::new("organizations", CLIENT_ID, file.clone()).unwrap_err()).0,
        InputField::Tenant
    );
    let identity = WorkloadIdentity::new(TENANT, CLIENT_ID, file).unwrap();
    assert_eq!(
        input_error(identity.token_request("  ").unwrap_err()).0,
        InputField::Resource
    );
    assert!(
        identity
            .clone()
            .with_token_url("http://evil.example/token")
            .is_err()
    );
}

#[test]
fn the_testkit_accepts_the_federated_token_and_the_rotated_file_is_read_again() {
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_trusted_issuer(
                TrustedIssuer::new(CLUSTER, cluster_key().verifying_key())
                    .with_audience(ENTRA_AUDIENCE),
            )
            .with_client(Client::new(CLIENT_ID).with_federated_identity(CLUSTER, SERVICE_ACCOUNT)),
    )
    .unwrap();
    let dir = temp_dir("loopback");
    let path = dir.join("azure-identity-token");
    std::fs::write(&path, projected_token(SERVICE_ACCOUNT)).unwrap();
    let file = path.to_str().unwrap().to_owned();
    let identity = WorkloadIdentity::from_vars(vars(&[
        ("AZURE_TENANT_ID", TENANT),
        ("AZURE_CLIENT_ID", CLIENT_ID),
        ("AZURE_FEDERATED_TOKEN_FILE", &file),
    ]))
    .unwrap()
    .with_token_url(&server.token_url())
    .unwrap();
    let request = identity.token_request("api://testkit").unwrap();
    let agent = s2s_oauth::agent();
    let token = request.send(&agent).unwrap();
    assert!(!token.access_token().expose_secret().is_empty());

    // The platform rotates the file to another service account's token: the next
    // request sends the new one, which is not this app's federated identity.
    std::fs::write(&path, projected_token("system:serviceaccount:jobs:other")).unwrap();
    match request.send(&agent).unwrap_err() {
        Error::OAuth(e) => assert_eq!(e.code, ErrorCode::InvalidClient),
        other => panic!("expected invalid_client, got {other:?}"),
    }
    // Rotated back to a good token: accepted again, with no new request built.
    std::fs::write(&path, projected_token(SERVICE_ACCOUNT)).unwrap();
    request.send(&agent).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
