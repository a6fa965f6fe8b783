//! [`WorkloadIdentity`]: Entra workload identity federation. Client Credentials
//! whose client assertion is a token the platform issued (a Kubernetes projected
//! service-account token, audience `api://AzureADTokenExchange`), read from its
//! file on every request: no secret and no key on the machine.

use std::path::PathBuf;

use super::{AUTHORITY, default_scope, token_url_at};
use crate::client_auth::ClientAuth;
use crate::error::{Error, InputField, InputProblem, refuse_empty};
use crate::exchange::TokenSource;
use crate::grant::Grant;
use crate::request::TokenRequest;
use crate::url::EndpointUrl;

/// The variable naming the federated token's file (set by the AKS workload
/// identity webhook).
const ENV_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";
/// The variable holding the app registration's (or managed identity's) client id.
const ENV_CLIENT_ID: &str = "AZURE_CLIENT_ID";
/// The variable holding the tenant id.
const ENV_TENANT_ID: &str = "AZURE_TENANT_ID";
/// The variable holding the authority host (optional; [`AUTHORITY`] when unset).
const ENV_AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";

/// Entra workload identity: the Client Credentials grant (RFC 6749 §4.4) with
/// `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
/// and, as `client_assertion`, the platform's token for the app's federated
/// credential, read anew for each request (a projected token file is replaced
/// about every hour).
///
/// [`from_env`](Self::from_env) reads what AKS sets (`AZURE_FEDERATED_TOKEN_FILE`,
/// `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_AUTHORITY_HOST`);
/// [`from_vars`](Self::from_vars) takes the same names from any lookup, and
/// [`new`](Self::new) takes the values themselves.
///
/// ```
/// use s2s_oauth::exchange::TokenSource;
/// use s2s_oauth::providers::entra::WorkloadIdentity;
///
/// // In a pod: let identity = WorkloadIdentity::from_env()?;
/// let identity = WorkloadIdentity::new(
///     "contoso.onmicrosoft.com",
///     "00001111-aaaa-2222-bbbb-3333cccc4444",
///     TokenSource::file("/var/run/secrets/azure/tokens/azure-identity-token"),
/// )?;
/// let request = identity.token_request("https://graph.microsoft.com")?;
/// assert_eq!(request.scope(), Some("https://graph.microsoft.com/.default"));
/// assert_eq!(
///     request.token_url(),
///     "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
/// );
/// // let token = request.send(&s2s_oauth::agent())?;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WorkloadIdentity {
    tenant: String,
    token_url: String,
    client_id: String,
    assertion: TokenSource,
}

impl WorkloadIdentity {
    /// The app `client_id` of `tenant` (its id or verified domain) at the public
    /// cloud's [`AUTHORITY`], authenticated with the token `assertion` gives
    /// (usually [`TokenSource::file`] of the projected token).
    pub fn new(tenant: &str, client_id: &str, assertion: TokenSource) -> Result<Self, Error> {
        let client_id = client_id.trim();
        refuse_empty(
            InputField::ClientId,
            client_id,
            "the client id is empty; pass the Application (client) ID of the app registration or managed identity that holds the federated credential",
        )?;
        // Checked now (an empty path or variable name), so that it fails here and
        // not at the first send.
        assertion.check()?;
        Ok(WorkloadIdentity {
            tenant: tenant.to_owned(),
            token_url: token_url_at(AUTHORITY, tenant)?,
            client_id: client_id.to_owned(),
            assertion,
        })
    }

    /// Reads `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_FEDERATED_TOKEN_FILE` (the
    /// file itself is read at each request) and, if set, `AZURE_AUTHORITY_HOST`
    /// from the process environment. A missing variable is an
    /// [`InputError`](crate::error::InputError) with [`InputProblem::Missing`]
    /// whose message names it.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with the variables looked up by `var` (a map,
    /// a configuration file, a test's values) instead of the process environment.
    /// An empty value counts as unset.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use s2s_oauth::providers::entra::WorkloadIdentity;
    ///
    /// let vars = HashMap::from([
    ///     ("AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
    ///     ("AZURE_CLIENT_ID", "00001111-aaaa-2222-bbbb-3333cccc4444"),
    ///     ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token"),
    ///     ("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/"),
    /// ]);
    /// let identity = WorkloadIdentity::from_vars(|name| vars.get(name).map(|v| v.to_string()))?;
    /// assert_eq!(
    ///     identity.token_url(),
    ///     "https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"
    /// );
    ///
    /// let err = WorkloadIdentity::from_vars(|_| None).unwrap_err();
    /// assert!(err.to_string().contains("AZURE_TENANT_ID"));
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let required = |name: &'static str, field: InputField, what: &str| {
            get(name).ok_or_else(|| {
                Error::input(
                    field,
                    InputProblem::Missing,
                    format!(
                        "the environment variable {name} is not set; set it to {what} (the AKS workload identity webhook sets it when the pod's service account is annotated with azure.workload.identity/client-id and the pod is labelled azure.workload.identity/use: \"true\")"
                    ),
                )
            })
        };
        let tenant = required(ENV_TENANT_ID, InputField::Tenant, "the tenant id")?;
        let client_id = required(
            ENV_CLIENT_ID,
            InputField::ClientId,
            "the client id of the app registration or managed identity",
        )?;
        let file = required(
            ENV_TOKEN_FILE,
            InputField::TokenSource,
            "the path of the federated token file",
        )?;
        let identity = Self::new(&tenant, &client_id, TokenSource::file(PathBuf::from(file)))?;
        match get(ENV_AUTHORITY_HOST) {
            Some(authority) => identity.with_authority(authority.trim()),
            None => Ok(identity),
        }
    }

    /// Another authority host: a national cloud (`https://login.microsoftonline.us`)
    /// or a local test server. The token URL becomes
    /// `<authority>/<tenant>/oauth2/v2.0/token`.
    pub fn with_authority(mut self, authority: &str) -> Result<Self, Error> {
        self.token_url = token_url_at(authority, &self.tenant)?;
        Ok(self)
    }

    /// Another token URL altogether (a proxy in front of Entra, a local test
    /// server); it must pass the token URL rules (https, http only on loopback).
    pub fn with_token_url(mut self, token_url: &str) -> Result<Self, Error> {
        self.token_url = EndpointUrl::parse(token_url)?.into_string();
        Ok(self)
    }

    /// The token URL.
    pub fn token_url(&self) -> &str {
        &self.token_url
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client authentication alone (the federated client assertion), for
    /// other grants.
    pub fn client_auth(&self) -> Result<ClientAuth, Error> {
        ClientAuth::client_assertion(self.client_id.as_str(), self.assertion.clone())
    }

    /// The Client Credentials request for `resource` (`https://graph.microsoft.com`,
    /// an app id URI...): `scope=<resource>/.default`. A resource already ending in
    /// `/.default` is taken as the scope.
    pub fn token_request(&self, resource: &str) -> Result<TokenRequest, Error> {
        TokenRequest::new(
            self.token_url.as_str(),
            Grant::client_credentials(),
            self.client_auth()?,
        )?
        .with_scope(default_scope(resource)?)
    }
}
