//! Google credential files: service account keys (the JWT Bearer request, RFC
//! 7523 §2.1, that trades the key for an access token) and `external_account`
//! files of workload identity federation ([`ExternalAccount`]: the STS token
//! exchange); [`Credentials::from_json`] takes either.

use std::time::Duration;

use serde::Deserialize;

use crate::client_auth::ClientAuth;
use crate::error::{Error, InputField, InputProblem, refuse_empty};
use crate::grant::Grant;
use crate::jwt::Claims;
use crate::key::SigningKey;
use crate::redact::redacted_debug;
use crate::request::TokenRequest;
use crate::url::EndpointUrl;

// Without the `ureq` feature a url or AWS source is refused when read: the
// pure halves of these three stay (tested), with nothing to send them.
#[cfg_attr(not(feature = "ureq"), allow(dead_code))]
mod aws;
mod external_account;
mod fetch_url;
mod impersonation;
#[cfg_attr(not(feature = "ureq"), allow(dead_code))]
mod sigv4;
#[cfg_attr(not(feature = "ureq"), allow(dead_code))]
mod url_source;
pub use external_account::{
    ALLOW_EXECUTABLES_ENV, CLOUD_PLATFORM_SCOPE, ExternalAccount, LoadOptions, STS_TOKEN_URL,
};

/// Google's token endpoint, used when a key file names none.
pub const TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// The assertion lifetime: one hour, the most Google accepts.
pub const MAX_ASSERTION_LIFETIME: Duration = Duration::from_secs(3600);

/// A service account key, loaded from the JSON key file Google issues
/// (`"type": "service_account"`): `client_email`, `private_key` (PEM, with `\n`
/// escapes in the JSON), `private_key_id` (put in the JWT header as `kid`),
/// `token_uri`.
///
/// [`token_request`](Self::token_request) makes the JWT Bearer request (RFC 7523
/// §2.1): header `{"alg":"RS256","typ":"JWT","kid":<private_key_id>}`; claims
/// `iss` = `client_email`, `scope` (space-separated), `aud` = `token_uri`, `iat`,
/// `exp` = `iat` + 1 h, and `sub` only for domain-wide delegation
/// ([`with_subject`](Self::with_subject)).
///
/// `Debug` shows the email and key id, never the key.
///
/// ```
/// use s2s_oauth::providers::google::ServiceAccountKey;
///
/// let pem = include_str!("../../tests/data/keys/rsa2048.pkcs8.pem");
/// let json = serde_json::json!({
///     "type": "service_account",
///     "client_email": "robot@my-project.iam.gserviceaccount.com",
///     "private_key": pem,
///     "private_key_id": "1a2b3c",
///     "token_uri": "https://oauth2.googleapis.com/token",
/// }).to_string(); // std::fs::read("service-account.json")?
/// let account = ServiceAccountKey::from_json(json)?;
/// let request = account.token_request("https://www.googleapis.com/auth/cloud-platform")?;
/// assert_eq!(request.token_url(), "https://oauth2.googleapis.com/token");
/// // let token = request.send(&s2s_oauth::agent())?;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone)]
pub struct ServiceAccountKey {
    client_email: String,
    key: SigningKey,
    private_key_id: Option<String>,
    token_uri: String,
    project_id: Option<String>,
    subject: Option<String>,
}

/// The key file's fields this crate reads; others are ignored.
#[derive(Deserialize)]
struct KeyFile {
    #[serde(rename = "type")]
    kind: Option<String>,
    client_email: Option<String>,
    private_key: Option<String>,
    private_key_id: Option<String>,
    token_uri: Option<String>,
    project_id: Option<String>,
}

impl ServiceAccountKey {
    /// Reads a service account key file. A file of another `type` (an
    /// `authorized_user` file from `gcloud auth application-default login`, an
    /// `external_account` for workload identity federation), a missing
    /// `client_email` or `private_key`, or a key that does not load is refused with
    /// a message saying what to do; no message quotes the file.
    pub fn from_json(json: impl AsRef<[u8]>) -> Result<Self, Error> {
        let file: KeyFile = serde_json::from_slice(json.as_ref()).map_err(|e| {
            Error::input(InputField::CredentialsFile, InputProblem::Malformed, format!(
                "the service account key file is not valid JSON ({}); download a new JSON key for the service account",
                crate::token::json_problem(&e)
            ))
        })?;
        match file.kind.as_deref() {
            Some("service_account") => {}
            Some(other) => {
                return Err(Error::input(
                    InputField::CredentialsFile,
                    InputProblem::Unsupported,
                    format!(
                        "this credentials file is of type {:?}, not \"service_account\"; download a JSON key in the console under IAM & Admin > Service Accounts > Keys",
                        other.chars().take(40).collect::<String>()
                    ),
                ));
            }
            None => {
                return Err(Error::input(
                    InputField::CredentialsFile,
                    InputProblem::Missing,
                    "the credentials file has no \"type\"; a service account key file has \"type\": \"service_account\"",
                ));
            }
        }
        let client_email = required(file.client_email, "client_email")?;
        let pem = required(file.private_key, "private_key")?;
        let mut key = SigningKey::from_pem(pem.as_bytes())?;
        let private_key_id = file.private_key_id.filter(|id| !id.is_empty());
        if let Some(kid) = &private_key_id {
            key = key.with_kid(kid.as_str());
        }
        let token_uri = file.token_uri.unwrap_or_else(|| TOKEN_URI.to_owned());
        let token_uri = EndpointUrl::parse(token_uri)?.into_string();
        Ok(ServiceAccountKey {
            client_email,
            key,
            private_key_id,
            token_uri,
            project_id: file.project_id,
            subject: None,
        })
    }

    /// Domain-wide delegation: act as this Google Workspace user (the `sub`
    /// claim). The service account must be granted the scopes in the Workspace
    /// admin console.
    pub fn with_subject(mut self, user_email: impl Into<String>) -> Self {
        self.subject = Some(user_email.into());
        self
    }

    /// The claims of the assertion for `scope` (space-separated scopes): see the
    /// type's documentation. An empty scope is refused: Google wants one.
    pub fn claims(&self, scope: &str) -> Result<Claims, Error> {
        refuse_empty(
            InputField::Scope,
            scope.trim(),
            "the scope is empty; pass one or more space-separated Google OAuth scopes, e.g. https://www.googleapis.com/auth/cloud-platform",
        )?;
        let claims = match &self.subject {
            Some(sub) => Claims::new(&self.client_email, sub, self.token_uri.as_str()),
            None => Claims::without_subject(&self.client_email, self.token_uri.as_str()),
        };
        claims
            .with_lifetime(MAX_ASSERTION_LIFETIME)
            .with_claim("scope", scope)
    }

    /// The JWT Bearer token request for `scope`, to `token_uri`, with no client
    /// authentication (the assertion identifies the service account). The
    /// assertion is signed anew each time the request is built.
    pub fn token_request(&self, scope: &str) -> Result<TokenRequest, Error> {
        TokenRequest::new(
            self.token_uri.as_str(),
            Grant::jwt_bearer(self.claims(scope)?, self.key.clone()),
            ClientAuth::none(),
        )
    }

    /// `client_email`: the `iss` of the assertions.
    pub fn client_email(&self) -> &str {
        &self.client_email
    }

    /// `private_key_id`: the `kid` of the assertions.
    pub fn private_key_id(&self) -> Option<&str> {
        self.private_key_id.as_deref()
    }

    /// `token_uri`: where the request goes, and the `aud` of the assertions.
    pub fn token_uri(&self) -> &str {
        &self.token_uri
    }

    /// `project_id`, if the file has one.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// The signing key (RS256, with `kid` = `private_key_id`).
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }
}

/// A key file field that must be there and not blank (`name`: its JSON name).
fn required(value: Option<String>, name: &str) -> Result<String, Error> {
    value.filter(|v| !v.trim().is_empty()).ok_or_else(|| {
        Error::input(
            InputField::CredentialsFile,
            InputProblem::Missing,
            format!("the service account key file has no {name}"),
        )
    })
}

// Never the private key.
redacted_debug!(ServiceAccountKey: client_email, private_key_id, token_uri, project_id, subject);

/// Either kind of Google credential file, told apart by its `"type"`.
///
/// ```
/// use s2s_oauth::providers::google::{Credentials, LoadOptions};
///
/// let json = r#"{"type": "external_account",
///   "audience": "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/p/providers/k8s",
///   "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
///   "credential_source": {"file": "/var/run/secrets/tokens/gcp-ksa/token"}}"#;
/// let credentials = Credentials::from_json(json, &LoadOptions::from_env())?;
/// let request = credentials.token_request(None)?;
/// assert_eq!(request.token_url(), "https://sts.googleapis.com/v1/token");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Credentials {
    /// `"type": "service_account"`: a key file.
    ServiceAccount(ServiceAccountKey),
    /// `"type": "external_account"`: workload identity federation.
    ExternalAccount(ExternalAccount),
}

impl Credentials {
    /// Reads a credential file of either type; another type (`authorized_user`,
    /// say) is refused as [`InputProblem::Unsupported`].
    pub fn from_json(json: impl AsRef<[u8]>, options: &LoadOptions) -> Result<Self, Error> {
        #[derive(Deserialize)]
        struct Kind {
            #[serde(rename = "type")]
            kind: Option<String>,
        }
        let json = json.as_ref();
        let kind: Kind = serde_json::from_slice(json).map_err(|e| {
            Error::input(
                InputField::CredentialsFile,
                InputProblem::Malformed,
                format!(
                    "the Google credential file is not valid JSON ({})",
                    crate::token::json_problem(&e)
                ),
            )
        })?;
        match kind.kind.as_deref() {
            Some("external_account") => Ok(Credentials::ExternalAccount(
                ExternalAccount::from_json(json, options)?,
            )),
            // The service account loader names any other type, or a missing one.
            _ => Ok(Credentials::ServiceAccount(ServiceAccountKey::from_json(
                json,
            )?)),
        }
    }

    /// The token request for `scope` (`None`: [`CLOUD_PLATFORM_SCOPE`]): the JWT
    /// Bearer request of a service account, or the STS exchange of an external
    /// account (see [`ExternalAccount::impersonation_url`]).
    pub fn token_request(&self, scope: Option<&str>) -> Result<TokenRequest, Error> {
        match self {
            Credentials::ServiceAccount(key) => {
                key.token_request(scope.unwrap_or(CLOUD_PLATFORM_SCOPE))
            }
            Credentials::ExternalAccount(account) => account.sts_request(scope),
        }
    }

    /// The token for `scope` (`None`: [`CLOUD_PLATFORM_SCOPE`]), sent with
    /// `agent`: the JWT Bearer request of a service account, or the STS exchange
    /// and the optional impersonation call of an external account. Feature `ureq`.
    #[cfg(feature = "ureq")]
    pub fn fetch_token(
        &self,
        agent: &crate::ureq::Agent,
        scope: Option<&str>,
    ) -> Result<crate::token::Token, Error> {
        match self {
            Credentials::ServiceAccount(_) => Ok(crate::token::Token::from_response(
                &self.token_request(scope)?.send(agent)?,
            )),
            Credentials::ExternalAccount(account) => account.fetch_token(agent, scope),
        }
    }
}
