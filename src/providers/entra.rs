//! Microsoft Entra ID (Azure AD) certificate credentials: the Client Credentials
//! grant (RFC 6749 §4.4) with a `private_key_jwt` client assertion (RFC 7523 §2.2)
//! whose header names the certificate ([`CertificateCredential`]), or with the
//! platform's federated token as the client assertion ([`WorkloadIdentity`]: AKS
//! workload identity and any other federated credential).

use std::time::Duration;

use crate::client_auth::ClientAuth;
use crate::error::{Error, InputField, InputProblem, refuse_empty};
use crate::grant::Grant;
use crate::key::algorithm::Algorithm;
use crate::key::{Certificate, SigningKey};
use crate::request::TokenRequest;
use crate::url::EndpointUrl;

mod workload_identity;
pub use workload_identity::WorkloadIdentity;

/// The public cloud's authority host. Others: `https://login.microsoftonline.us`
/// (US Government), `https://login.chinacloudapi.cn` (China).
pub const AUTHORITY: &str = "https://login.microsoftonline.com";

/// The client assertion's lifetime: 5 minutes (Entra wants 5 to 10).
pub const ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// The v2.0 token URL of `tenant` (a tenant id or a verified domain such as
/// `contoso.onmicrosoft.com`) at [`AUTHORITY`]:
/// `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`.
///
/// `common`, `organizations` and `consumers` are refused: an app acts on its own
/// behalf only in a named tenant.
///
/// ```
/// assert_eq!(
///     s2s_oauth::providers::entra::token_url("contoso.onmicrosoft.com")?,
///     "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
/// );
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn token_url(tenant: &str) -> Result<String, Error> {
    token_url_at(AUTHORITY, tenant)
}

fn token_url_at(authority: &str, tenant: &str) -> Result<String, Error> {
    let authority = EndpointUrl::base(
        authority,
        "an Entra authority has no query; pass e.g. https://login.microsoftonline.com",
    )?
    .into_string();
    let tenant = crate::url::segment(
        tenant,
        InputField::Tenant,
        "Entra tenant (its id or domain)",
    )?;
    if ["common", "organizations", "consumers"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(tenant))
    {
        return Err(Error::input(
            InputField::Tenant,
            InputProblem::Unsupported,
            format!(
                "the tenant {tenant:?} cannot issue app-only tokens; pass the tenant id (a GUID) or its domain (contoso.onmicrosoft.com)"
            ),
        ));
    }
    Ok(format!("{authority}/{tenant}/oauth2/v2.0/token"))
}

/// A Microsoft Entra app registration's certificate credential: Client Credentials
/// with a `private_key_jwt` client assertion (RFC 7523 §2.2) whose header carries
/// `x5t#S256` with PS256 (current), or `x5t` with RS256
/// ([`legacy`](Self::legacy)); claims `aud` = the tenant's v2.0 token URL, `iss` =
/// `sub` = the client id, a fresh `jti`, `nbf`, `iat`, `exp` 5 minutes ahead.
///
/// ```
/// use s2s_oauth::{Certificate, SigningKey};
/// use s2s_oauth::providers::entra::CertificateCredential;
///
/// let key = SigningKey::from_pem(include_str!("../../tests/data/keys/rsa2048.pkcs8.pem"))?;
/// let cert = Certificate::from_pem(include_str!("../../tests/data/keys/rsa2048.cert.pem"))?;
/// let credential = CertificateCredential::new("contoso.onmicrosoft.com", "00001111-aaaa-2222-bbbb-3333cccc4444", key, &cert)?;
/// let request = credential.token_request("https://graph.microsoft.com")?;
/// assert_eq!(request.scope(), Some("https://graph.microsoft.com/.default"));
/// // let token = request.send(&s2s_oauth::agent())?;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CertificateCredential {
    tenant: String,
    token_url: String,
    client_id: String,
    key: SigningKey,
}

impl CertificateCredential {
    /// PS256 with `x5t#S256` (base64url SHA-256 of the certificate), as Entra's
    /// current documentation asks. The certificate must belong to `key` (the one
    /// uploaded to the app registration) and the key must be RSA.
    pub fn new(
        tenant: &str,
        client_id: impl Into<String>,
        key: SigningKey,
        certificate: &Certificate,
    ) -> Result<Self, Error> {
        let key = rsa(key, Algorithm::PS256)?.with_x5t_s256(certificate)?;
        Self::build(tenant, client_id.into(), key)
    }

    /// RS256 with the legacy `x5t` (base64url SHA-1 of the certificate), for
    /// tenants or tools that predate `x5t#S256`.
    pub fn legacy(
        tenant: &str,
        client_id: impl Into<String>,
        key: SigningKey,
        certificate: &Certificate,
    ) -> Result<Self, Error> {
        let key = rsa(key, Algorithm::RS256)?.with_x5t(certificate)?;
        Self::build(tenant, client_id.into(), key)
    }

    fn build(tenant: &str, client_id: String, key: SigningKey) -> Result<Self, Error> {
        refuse_empty(
            InputField::ClientId,
            client_id.trim(),
            "the client id is empty; pass the app registration's Application (client) ID",
        )?;
        Ok(CertificateCredential {
            tenant: tenant.to_owned(),
            token_url: token_url(tenant)?,
            client_id,
            key,
        })
    }

    /// Another authority host: a national cloud (`https://login.microsoftonline.us`)
    /// or a local test server. The token URL becomes
    /// `<authority>/<tenant>/oauth2/v2.0/token`.
    pub fn with_authority(mut self, authority: &str) -> Result<Self, Error> {
        self.token_url = token_url_at(authority, &self.tenant)?;
        Ok(self)
    }

    /// Another token URL altogether (a proxy in front of Entra, a local test
    /// server); it must pass the token URL rules (https, http only on loopback). It
    /// is also the assertion's `aud`.
    pub fn with_token_url(mut self, token_url: &str) -> Result<Self, Error> {
        self.token_url = EndpointUrl::parse(token_url)?.into_string();
        Ok(self)
    }

    /// The token URL, which is also the assertion's `aud`.
    pub fn token_url(&self) -> &str {
        &self.token_url
    }

    /// The client authentication alone, for other grants.
    pub fn client_auth(&self) -> Result<ClientAuth, Error> {
        Ok(
            ClientAuth::private_key_jwt(self.client_id.as_str(), self.key.clone())?
                .with_assertion_audience(self.token_url.as_str())
                .with_assertion_lifetime(ASSERTION_LIFETIME),
        )
    }

    /// The Client Credentials request for `resource` (`https://graph.microsoft.com`,
    /// an app id URI...): `scope=<resource>/.default`, as Entra requires for app-only
    /// tokens. A resource already ending in `/.default` is taken as the scope.
    pub fn token_request(&self, resource: &str) -> Result<TokenRequest, Error> {
        TokenRequest::new(
            self.token_url.as_str(),
            Grant::client_credentials(),
            self.client_auth()?,
        )?
        .with_scope(default_scope(resource)?)
    }
}

/// `<resource>/.default`, the scope of an app-only token; a resource already
/// ending in `/.default` is the scope as it is.
fn default_scope(resource: &str) -> Result<String, Error> {
    let resource = resource.trim();
    refuse_empty(
        InputField::Resource,
        resource,
        "the resource is empty; pass the API's app id URI, e.g. https://graph.microsoft.com",
    )?;
    Ok(if resource.ends_with("/.default") {
        resource.to_owned()
    } else {
        format!("{}/.default", resource.trim_end_matches('/'))
    })
}

fn rsa(key: SigningKey, algorithm: Algorithm) -> Result<SigningKey, Error> {
    key.with_algorithm(algorithm).map_err(|_| {
        Error::input(InputField::Key, InputProblem::Unsupported, format!(
            "Entra certificate credentials are RSA ({algorithm}); pass the RSA private key of the certificate uploaded to the app registration"
        ))
    })
}
