//! Google `external_account` credential files (workload identity federation): the
//! platform's token, read from the file's `credential_source`, exchanged at
//! Google's Security Token Service (RFC 8693) for a Google access token.
//!
//! Parameters follow Google's documentation of the STS `token` method
//! (`grant_type` token-exchange, `audience` from the file, `scope`,
//! `requested_token_type` access token, `subject_token`, `subject_token_type` from
//! the file).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde_json::Value;

use crate::client_auth::ClientAuth;
use crate::error::{Error, InputField, InputProblem, SourceError};
use crate::exchange::{Executable, TokenExchange, TokenSource, TokenTypeUri};
use crate::grant::Grant;
use crate::http::{HttpRequest, HttpResponse};
use crate::request::TokenRequest;
use crate::secrets::AccessToken;
use crate::secrets::SecurityToken;
use crate::token::Token;
use crate::url::EndpointUrl;

use super::aws::{AwsMembers, AwsSource};
use super::url_source::UrlSource;

/// Google's STS token endpoint, used when a file names none.
pub const STS_TOKEN_URL: &str = "https://sts.googleapis.com/v1/token";

/// The scope asked of the STS when the caller names none.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// The variable that must be `1` for a file's executable source to run, as
/// Google's libraries require.
pub const ALLOW_EXECUTABLES_ENV: &str = "GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES";

/// What a loader accepts beyond the file itself.
///
/// ```
/// use s2s_oauth::providers::google::LoadOptions;
/// let options = LoadOptions::new().with_universe_domain("example-universe.goog").allow_executables(true);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    universe_domain: String,
    allow_executables: bool,
    allow_loopback_endpoints: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl LoadOptions {
    /// The `googleapis.com` universe; executables and loopback endpoints refused.
    pub fn new() -> Self {
        LoadOptions {
            universe_domain: "googleapis.com".to_owned(),
            allow_executables: false,
            allow_loopback_endpoints: false,
        }
    }

    /// [`new`](Self::new), with executables allowed when
    /// `GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES` is `1` in the process
    /// environment.
    pub fn from_env() -> Self {
        Self::new()
            .allow_executables(std::env::var(ALLOW_EXECUTABLES_ENV).is_ok_and(|v| v.trim() == "1"))
    }

    /// Another universe domain the caller trusts (Google Distributed Cloud): its
    /// `sts.<domain>` and `iamcredentials.<domain>` hosts are accepted too.
    pub fn with_universe_domain(mut self, domain: impl Into<String>) -> Self {
        self.universe_domain = domain.into().trim().trim_matches('.').to_ascii_lowercase();
        self
    }

    /// Whether a file's `credential_source.executable` may run.
    pub fn allow_executables(mut self, allow: bool) -> Self {
        self.allow_executables = allow;
        self
    }

    /// Whether a file's `token_url` and `service_account_impersonation_url` may
    /// name this machine (`localhost`, `127.0.0.1`, `[::1]`; plain http only
    /// there): for tests against a local server such as the testkit. Off by
    /// default: a file that a local process could rewrite must not send the
    /// platform's token to a listener on this machine.
    ///
    /// ```
    /// use s2s_oauth::providers::google::{ExternalAccount, LoadOptions};
    /// let json = r#"{"type": "external_account", "audience": "//iam.googleapis.com/x",
    ///   "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
    ///   "token_url": "http://127.0.0.1:8080/v1/token",
    ///   "credential_source": {"file": "/var/run/token"}}"#;
    /// assert!(ExternalAccount::from_json(json, &LoadOptions::new()).is_err());
    /// let options = LoadOptions::new().allow_loopback_endpoints(true);
    /// assert!(ExternalAccount::from_json(json, &options).is_ok());
    /// ```
    pub fn allow_loopback_endpoints(mut self, allow: bool) -> Self {
        self.allow_loopback_endpoints = allow;
        self
    }
}

/// A workload identity federation credential file (`"type": "external_account"`).
///
/// Its `token_url` and `service_account_impersonation_url` must be Google
/// endpoints: https on `sts.googleapis.com`, `sts.<location>.rep.googleapis.com`,
/// `<location>-sts.googleapis.com`, `sts-<name>.p.googleapis.com` (and the same
/// with `iamcredentials` for impersonation), or the `sts.` / `iamcredentials.`
/// host of the universe domain of the [`LoadOptions`]; or a loopback address (for
/// tests). A file naming anything else is refused before anything is read or
/// sent: it could send the platform's token to someone else.
///
/// ```
/// use s2s_oauth::providers::google::{ExternalAccount, LoadOptions};
///
/// let json = r#"{
///   "type": "external_account",
///   "audience": "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/k8s",
///   "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
///   "token_url": "https://sts.googleapis.com/v1/token",
///   "credential_source": { "file": "/var/run/secrets/tokens/gcp-ksa/token" }
/// }"#;
/// let account = ExternalAccount::from_json(json, &LoadOptions::from_env())?;
/// let request = account.sts_request(None)?;
/// assert_eq!(request.token_url(), "https://sts.googleapis.com/v1/token");
/// assert_eq!(request.scope(), Some("https://www.googleapis.com/auth/cloud-platform"));
/// assert_eq!(account.impersonation_url(), None);
/// // let token = request.send(&s2s_oauth::agent())?;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ExternalAccount {
    audience: String,
    subject_token_type: TokenTypeUri,
    token_url: String,
    impersonation_url: Option<String>,
    subject: TokenSource,
    /// `workforce_pool_user_project`: sent as the STS `options`' `userProject`.
    user_project: Option<String>,
    /// The file's `client_id` / `client_secret`: the STS request's client
    /// authentication (HTTP Basic, as Google's libraries send it), else none.
    sts_auth: ClientAuth,
    /// A source fetched over HTTP (url, AWS): [`fetch_token`](Self::fetch_token)
    /// fetches it with the caller's agent.
    #[cfg_attr(not(feature = "ureq"), allow(dead_code))]
    fetched: Option<Fetched>,
}

/// A credential source read over HTTP, kept so that the caller's agent can be
/// used for it.
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "ureq"), allow(dead_code))]
enum Fetched {
    Url(UrlSource),
    Aws(AwsSource),
}

impl Fetched {
    /// A token source fetching with `agent` each time it is read.
    #[cfg(feature = "ureq")]
    fn token_source(&self, agent: crate::ureq::Agent) -> TokenSource {
        match self.clone() {
            Fetched::Url(url) => TokenSource::from_fn(move || url.fetch(&agent)),
            Fetched::Aws(aws) => TokenSource::from_fn(move || aws.fetch(&agent)),
        }
    }

    /// Without the `ureq` feature there is nothing to fetch with.
    #[cfg(not(feature = "ureq"))]
    fn default_source(&self) -> TokenSource {
        TokenSource::from_fn(|| {
            Err(bad(
                InputProblem::Unsupported,
                "this credential file's source is fetched over HTTP, which needs the crate's ureq feature; or read the token yourself and pass it with TokenSource::from_fn",
            ))
        })
    }

    /// With the crate's default agent, for [`ExternalAccount::sts_request`].
    #[cfg(feature = "ureq")]
    fn default_source(&self) -> TokenSource {
        self.token_source(crate::transport::agent())
    }
}

#[derive(Deserialize)]
struct File {
    #[serde(rename = "type")]
    kind: Option<String>,
    audience: Option<String>,
    subject_token_type: Option<String>,
    token_url: Option<String>,
    service_account_impersonation_url: Option<String>,
    credential_source: Option<Source>,
    workforce_pool_user_project: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

#[derive(Deserialize)]
struct Source {
    file: Option<String>,
    url: Option<String>,
    headers: Option<serde_json::Map<String, Value>>,
    region_url: Option<String>,
    regional_cred_verification_url: Option<String>,
    imdsv2_session_token_url: Option<String>,
    executable: Option<ExecutableSource>,
    environment_id: Option<String>,
    format: Option<Format>,
}

#[derive(Deserialize)]
struct Format {
    #[serde(rename = "type")]
    kind: Option<String>,
    subject_token_field_name: Option<String>,
}

#[derive(Deserialize)]
struct ExecutableSource {
    command: Option<String>,
    timeout_millis: Option<u64>,
    output_file: Option<String>,
}

fn bad(problem: InputProblem, message: impl Into<String>) -> Error {
    Error::input(InputField::CredentialsFile, problem, message)
}

impl ExternalAccount {
    /// Reads an `external_account` credential file. A file of another type, a
    /// missing `audience`, `subject_token_type` or `credential_source`, a
    /// `token_url` or impersonation URL that is not Google's, an executable source
    /// without [`LoadOptions::allow_executables`], a `url` source whose URL is
    /// not allowed, or an AWS source (`environment_id` `aws1`) whose metadata URLs
    /// are not the metadata server's is refused with a typed [`InputError`](crate::error::InputError).
    ///
    /// A `url` source may name any `https` URL (as Google's libraries allow), plain
    /// `http` only to the cloud metadata server `169.254.169.254` /
    /// `[fd00:ec2::254]`, and loopback only with
    /// [`LoadOptions::allow_loopback_endpoints`]. Its `headers` go to that URL
    /// only; the token it answers goes only to the checked `token_url`.
    ///
    /// An AWS source's `region_url`, `url` and `imdsv2_session_token_url` must
    /// name the instance metadata server (`169.254.169.254` / `[fd00:ec2::254]`;
    /// loopback only with [`LoadOptions::allow_loopback_endpoints`]), its
    /// `regional_cred_verification_url` an https `amazonaws.com` host: its
    /// subject token is a signed AWS STS `GetCallerIdentity` request that Google's
    /// STS sends on to AWS, never sent by this crate.
    pub fn from_json(json: impl AsRef<[u8]>, options: &LoadOptions) -> Result<Self, Error> {
        let file: File = serde_json::from_slice(json.as_ref()).map_err(|e| {
            bad(
                InputProblem::Malformed,
                format!(
                    "the credential file is not valid JSON ({}); download the configuration again with gcloud iam workload-identity-pools create-cred-config",
                    crate::token::json_problem(&e)
                ),
            )
        })?;
        if file.kind.as_deref() != Some("external_account") {
            return Err(bad(
                InputProblem::Unsupported,
                "the credential file is not of type \"external_account\"",
            ));
        }
        let audience = required(file.audience, "audience")?;
        let subject_token_type =
            TokenTypeUri::parse(&required(file.subject_token_type, "subject_token_type")?)?;
        let token_url = file.token_url.unwrap_or_else(|| STS_TOKEN_URL.to_owned());
        let token_url = google_endpoint(&token_url, "sts", options)?;
        let impersonation_url = file
            .service_account_impersonation_url
            .map(|url| google_endpoint(&url, "iamcredentials", options))
            .transpose()?;
        let source = file.credential_source.ok_or_else(|| {
            bad(
                InputProblem::Missing,
                "the credential file has no credential_source; it says where the platform's token is read from",
            )
        })?;
        let user_project = workforce_user_project(file.workforce_pool_user_project, &audience)?;
        let sts_auth = sts_client_auth(file.client_id, file.client_secret)?;
        let executable_env =
            executable_env(&audience, &subject_token_type, impersonation_url.as_deref());
        let (subject, fetched) = subject_source(source, &audience, options, executable_env)?;
        Ok(ExternalAccount {
            audience,
            subject_token_type,
            token_url,
            impersonation_url,
            subject,
            // The client id names the project: no userProject with one, as in
            // Google's libraries.
            user_project: user_project.filter(|_| sts_auth.client_id().is_none()),
            sts_auth,
            fetched,
        })
    }

    /// Workload identity federation without a credential file: `audience` is the
    /// pool provider's resource name (the STS `audience`:
    /// `//iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`),
    /// `subject` where the platform's token is read from (a GitHub Actions job:
    /// [`github_actions::token_source`](crate::providers::github_actions::token_source)),
    /// `subject_token_type` its type. Google's STS ([`STS_TOKEN_URL`]), no
    /// impersonation until [`with_service_account`](Self::with_service_account).
    ///
    /// ```
    /// use s2s_oauth::exchange::{TokenSource, TokenTypeUri};
    /// use s2s_oauth::providers::google::ExternalAccount;
    ///
    /// let account = ExternalAccount::new(
    ///     "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/github",
    ///     TokenTypeUri::Jwt,
    ///     TokenSource::env("GITHUB_OIDC_TOKEN"),
    /// )?
    /// .with_service_account("deployer@my-project.iam.gserviceaccount.com")?;
    /// assert_eq!(account.token_url(), "https://sts.googleapis.com/v1/token");
    /// assert_eq!(
    ///     account.impersonation_url(),
    ///     Some("https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/deployer@my-project.iam.gserviceaccount.com:generateAccessToken")
    /// );
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn new(
        audience: impl Into<String>,
        subject_token_type: TokenTypeUri,
        subject: TokenSource,
    ) -> Result<Self, Error> {
        let audience = audience.into().trim().to_owned();
        crate::error::refuse_empty(
            InputField::Audience,
            &audience,
            "the workload identity pool provider is empty; name it as //iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>",
        )?;
        Ok(ExternalAccount {
            audience,
            subject_token_type,
            token_url: STS_TOKEN_URL.to_owned(),
            impersonation_url: None,
            subject,
            user_project: None,
            sts_auth: ClientAuth::none(),
            fetched: None,
        })
    }

    /// Another STS endpoint, checked as a credential file's `token_url` is (a
    /// Google endpoint, a universe domain `options` names, or loopback with
    /// [`LoadOptions::allow_loopback_endpoints`]).
    pub fn with_token_url(mut self, url: &str, options: &LoadOptions) -> Result<Self, Error> {
        self.token_url = google_endpoint(url, "sts", options)?;
        Ok(self)
    }

    /// Impersonates the service account `email` after the exchange: IAM
    /// Credentials `generateAccessToken` at `iamcredentials.googleapis.com`.
    pub fn with_service_account(self, email: &str) -> Result<Self, Error> {
        let valid = email.contains('@')
            && !email
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b"/?#%:".contains(&b));
        if !valid {
            return Err(Error::input(
                InputField::Subject,
                InputProblem::Malformed,
                "the service account is not an email address; name it as NAME@PROJECT.iam.gserviceaccount.com",
            ));
        }
        let url = format!(
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/{email}:generateAccessToken"
        );
        self.with_impersonation_url(&url, &LoadOptions::new())
    }

    /// Impersonation at `url` (a `generateAccessToken` URL), checked as a
    /// credential file's `service_account_impersonation_url` is.
    pub fn with_impersonation_url(
        mut self,
        url: &str,
        options: &LoadOptions,
    ) -> Result<Self, Error> {
        self.impersonation_url = Some(google_endpoint(url, "iamcredentials", options)?);
        Ok(self)
    }

    /// The STS token-exchange request for `scope` (space-separated; `None`:
    /// [`CLOUD_PLATFORM_SCOPE`]), with the file's `client_id` / `client_secret` as
    /// HTTP Basic when it names them, else no client authentication. The platform's
    /// token is read from the credential source each time the request is built.
    ///
    /// When [`impersonation_url`](Self::impersonation_url) is set, the token this
    /// returns is the federated token that the impersonation call takes as bearer,
    /// and the STS is asked for [`CLOUD_PLATFORM_SCOPE`] whatever `scope` is (as
    /// Google's libraries do): `scope` goes into
    /// [`impersonation_request`](Self::impersonation_request).
    ///
    /// A url-sourced file's token is fetched then with the crate's
    /// [`agent`](crate::agent) (feature `ureq`); [`fetch_token`](Self::fetch_token)
    /// fetches it with the caller's agent.
    pub fn sts_request(&self, scope: Option<&str>) -> Result<TokenRequest, Error> {
        self.sts_request_from(self.subject.clone(), scope)
    }

    /// [`sts_request`](Self::sts_request) with the subject token read from `subject`.
    fn sts_request_from(
        &self,
        subject: TokenSource,
        scope: Option<&str>,
    ) -> Result<TokenRequest, Error> {
        // With impersonation the federated token only has to call IAM Credentials:
        // Google's libraries ask the STS for cloud-platform alone, and the
        // caller's scopes go into generateAccessToken.
        let scope = match self.impersonation_url {
            Some(_) => CLOUD_PLATFORM_SCOPE,
            None => scope.unwrap_or(CLOUD_PLATFORM_SCOPE),
        };
        let exchange = TokenExchange::new(subject, self.subject_token_type.clone())
            .with_audience(self.audience.as_str())?
            .with_requested_token_type(TokenTypeUri::AccessToken);
        let request = TokenRequest::new(
            self.token_url.as_str(),
            Grant::token_exchange(exchange),
            self.sts_auth.clone(),
        )?
        .with_scope(scope)?;
        match &self.user_project {
            // The STS `options` (a JSON object): the project billed for a
            // workforce pool's token, as Google's libraries send it.
            Some(project) => request.with_param(
                "options",
                serde_json::json!({ "userProject": project }).to_string(),
            ),
            None => Ok(request),
        }
    }

    /// The IAM Credentials `generateAccessToken` request that turns the STS
    /// token (the answer to [`sts_request`](Self::sts_request)) into the
    /// impersonated service account's token for `scope` (`None`:
    /// [`CLOUD_PLATFORM_SCOPE`]): a JSON POST `{"scope": [...], "lifetime":
    /// "3600s"}` with the STS token as bearer. A file without
    /// `service_account_impersonation_url` is refused
    /// ([`InputProblem::Missing`]): its STS token is the token.
    pub fn impersonation_request(
        &self,
        sts_token: &AccessToken,
        scope: Option<&str>,
    ) -> Result<HttpRequest, Error> {
        let url = self.impersonation_url.as_deref().ok_or_else(|| {
            bad(
                InputProblem::Missing,
                "the credential file has no service_account_impersonation_url; the STS token is the access token",
            )
        })?;
        let scope = scope.unwrap_or(CLOUD_PLATFORM_SCOPE);
        crate::error::refuse_empty(
            InputField::Scope,
            scope.trim(),
            "the scope is empty; pass one or more space-separated Google OAuth scopes",
        )?;
        Ok(super::impersonation::request(url, sts_token, scope))
    }

    /// The impersonated token in a `generateAccessToken` answer received at `now`
    /// (`{"accessToken": ..., "expireTime": <RFC 3339>}`). Another status is
    /// [`Error::UnexpectedStatus`]; a body without `accessToken`, or with an
    /// `expireTime` that is not RFC 3339, [`Error::MalformedResponse`].
    pub fn parse_impersonation_response(
        response: &HttpResponse,
        now: SystemTime,
    ) -> Result<Token, Error> {
        super::impersonation::parse(response, now)
    }

    /// Both steps with `agent`: the STS exchange, then, when the file names one,
    /// the impersonation call. A url-sourced file's token is fetched with
    /// `agent` too. Feature `ureq`.
    ///
    /// ```no_run
    /// use s2s_oauth::providers::google::{ExternalAccount, LoadOptions};
    /// let json = std::fs::read("/etc/gcp/credential-config.json")?;
    /// let account = ExternalAccount::from_json(json, &LoadOptions::from_env())?;
    /// let token = account.fetch_token(&s2s_oauth::agent(), None)?;
    /// # let _ = token;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "ureq")]
    pub fn fetch_token(
        &self,
        agent: &crate::ureq::Agent,
        scope: Option<&str>,
    ) -> Result<Token, Error> {
        let request = match &self.fetched {
            Some(fetched) => self.sts_request_from(fetched.token_source(agent.clone()), scope)?,
            None => self.sts_request(scope)?,
        };
        let sts = Token::from_response(&request.send(agent)?);
        if self.impersonation_url.is_none() {
            return Ok(sts);
        }
        let http = self.impersonation_request(sts.access_token(), scope)?;
        let answer = http.send(agent, &crate::SendOptions::new())?;
        Self::parse_impersonation_response(&answer, SystemTime::now())
    }

    /// `audience`: the workload identity pool provider.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// `subject_token_type`.
    pub fn subject_token_type(&self) -> &TokenTypeUri {
        &self.subject_token_type
    }

    /// `token_url` (checked), or [`STS_TOKEN_URL`].
    pub fn token_url(&self) -> &str {
        &self.token_url
    }

    /// `service_account_impersonation_url` (checked), if the file has one.
    pub fn impersonation_url(&self) -> Option<&str> {
        self.impersonation_url.as_deref()
    }

    /// Where the platform's token is read from.
    pub fn subject(&self) -> &TokenSource {
        &self.subject
    }
}

/// The STS client authentication a file names: `client_id` (and `client_secret`,
/// empty when absent) as HTTP Basic, as Google's libraries send them; neither:
/// none. A secret without an id is refused.
fn sts_client_auth(id: Option<String>, secret: Option<String>) -> Result<ClientAuth, Error> {
    let present = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    Ok(match (present(id), present(secret)) {
        (Some(id), Some(secret)) => ClientAuth::basic(id, secret),
        (Some(id), None) => ClientAuth::basic(id, String::new()),
        (None, Some(_)) => {
            return Err(bad(
                InputProblem::Missing,
                "the credential file has a client_secret but no client_id; add the OAuth client's id or regenerate the file",
            ));
        }
        (None, None) => ClientAuth::none(),
    })
}

/// A file's `workforce_pool_user_project`, which only a workforce pool's file
/// (audience `//iam.googleapis.com/locations/<location>/workforcePools/...`)
/// may carry, as Google's libraries require.
fn workforce_user_project(
    project: Option<String>,
    audience: &str,
) -> Result<Option<String>, Error> {
    let Some(project) = project
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
    else {
        return Ok(None);
    };
    let workforce = audience
        .strip_prefix("//iam.googleapis.com/locations/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(location, rest)| {
            !location.is_empty() && rest.starts_with("workforcePools/")
        });
    if !workforce {
        return Err(bad(
            InputProblem::Unsupported,
            "the credential file has a workforce_pool_user_project but its audience is no workforce pool (//iam.googleapis.com/locations/<location>/workforcePools/<pool>/providers/<provider>); remove the field or regenerate the file",
        ));
    }
    Ok(Some(project))
}

fn required(value: Option<String>, name: &str) -> Result<String, Error> {
    value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            bad(
                InputProblem::Missing,
                format!("the external_account credential file has no {name}"),
            )
        })
}

/// `url` checked as a Google endpoint of `service` (`sts`, `iamcredentials`).
fn google_endpoint(url: &str, service: &str, options: &LoadOptions) -> Result<String, Error> {
    let parsed = EndpointUrl::parse(url)?;
    // Plain http passed EndpointUrl only on a loopback host: a test server,
    // accepted only when the caller says so.
    if !parsed.is_https() || is_loopback_name(parsed.host()) {
        if options.allow_loopback_endpoints {
            return Ok(parsed.into_string());
        }
        return Err(bad(
            InputProblem::Unsupported,
            format!(
                "the credential file sends the token to {:?} on this machine, not to a Google {service} endpoint; a loopback endpoint is for tests only: allow it with LoadOptions::allow_loopback_endpoints(true) (the CLI's --allow-loopback-endpoints), or regenerate the file",
                parsed.host()
            ),
        ));
    }
    let host = parsed.host().to_ascii_lowercase();
    if is_google_host(&host, service, &options.universe_domain) {
        return Ok(parsed.into_string());
    }
    Err(bad(
        InputProblem::Unsupported,
        format!(
            "the credential file sends the token to {host:?}, which is not a Google {service} endpoint; a tampered file could send the platform's token elsewhere: regenerate it, or name the universe domain with LoadOptions::with_universe_domain"
        ),
    ))
}

fn is_loopback_name(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "[::1]"
}

/// The host patterns Google's libraries accept for `service`: `<service>.<universe>`,
/// `<service>.<location>.rep.googleapis.com`, `<location>-<service>.googleapis.com`,
/// `<location>.<service>.googleapis.com`, `<service>-<name>.p.googleapis.com`, and
/// the `mtls` variants of the first.
fn is_google_host(host: &str, service: &str, universe: &str) -> bool {
    let label = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    };
    if !universe.is_empty() && host == format!("{service}.{universe}") {
        return true;
    }
    let Some(rest) = host.strip_suffix(".googleapis.com") else {
        return false;
    };
    if rest == service || rest == format!("{service}.mtls") {
        return true;
    }
    if let Some(location) = rest
        .strip_prefix(&format!("{service}."))
        .and_then(|r| r.strip_suffix(".rep"))
    {
        return label(location);
    }
    if let Some(location) = rest.strip_suffix(&format!("-{service}")) {
        return label(location);
    }
    if let Some(location) = rest.strip_suffix(&format!(".{service}")) {
        return label(location);
    }
    if let Some(name) = rest
        .strip_prefix(&format!("{service}-"))
        .and_then(|r| r.strip_suffix(".p"))
    {
        return label(name);
    }
    false
}

/// The environment Google's executable-sourced credential contract gives the
/// program: `GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE`, `…_TOKEN_TYPE`, `…_INTERACTIVE=0`
/// (this crate never runs one interactively) and, when impersonating,
/// `…_IMPERSONATED_EMAIL` (the service account named in the impersonation URL).
/// `…_OUTPUT_FILE` is set by [`Executable`] itself when the file names one.
fn executable_env(
    audience: &str,
    token_type: &TokenTypeUri,
    impersonation_url: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE", audience.to_owned()),
        (
            "GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE",
            token_type.as_str().to_owned(),
        ),
        ("GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE", "0".to_owned()),
    ];
    if let Some(email) = impersonation_url.and_then(impersonated_email) {
        env.push((
            "GOOGLE_EXTERNAL_ACCOUNT_IMPERSONATED_EMAIL",
            email.to_owned(),
        ));
    }
    env
}

/// The service account of an impersonation URL
/// (`…/serviceAccounts/<email>:generateAccessToken`).
fn impersonated_email(url: &str) -> Option<&str> {
    let (_, rest) = url.rsplit_once("/serviceAccounts/")?;
    let email = rest.strip_suffix(":generateAccessToken")?;
    (!email.is_empty() && !email.contains('/')).then_some(email)
}

fn subject_source(
    source: Source,
    audience: &str,
    options: &LoadOptions,
    env: Vec<(&'static str, String)>,
) -> Result<(TokenSource, Option<Fetched>), Error> {
    if let Some(environment_id) = source.environment_id {
        let members = AwsMembers {
            environment_id,
            region_url: source.region_url,
            url: source.url,
            regional_cred_verification_url: source.regional_cred_verification_url,
            imdsv2_session_token_url: source.imdsv2_session_token_url,
        };
        let fetched = Fetched::Aws(AwsSource::new(
            members,
            audience,
            options.allow_loopback_endpoints,
        )?);
        return Ok((fetched.default_source(), Some(fetched)));
    }
    if let Some(exe) = source.executable {
        if !options.allow_executables {
            return Err(bad(
                InputProblem::Unsupported,
                format!(
                    "the credential file runs an executable; set {ALLOW_EXECUTABLES_ENV}=1 (LoadOptions::allow_executables) to allow it, as Google's libraries require"
                ),
            ));
        }
        let command = exe
            .command
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| {
                bad(
                    InputProblem::Missing,
                    "credential_source.executable has no command",
                )
            })?;
        let mut executable = Executable::new(&command)?;
        if let Some(ms) = exe.timeout_millis {
            // Google's range: 5 s to 120 s.
            if !(5_000..=120_000).contains(&ms) {
                return Err(bad(
                    InputProblem::OutOfRange,
                    "credential_source.executable.timeout_millis must be from 5000 to 120000",
                ));
            }
            executable = executable.with_timeout(Duration::from_millis(ms));
        }
        if let Some(output) = exe.output_file.filter(|o| !o.trim().is_empty()) {
            executable = executable.with_output_file(PathBuf::from(output));
        }
        for (name, value) in env {
            executable = executable.with_env(name, value);
        }
        return Ok((TokenSource::executable(executable), None));
    }
    let field = format_field(source.format)?;
    if let Some(url) = source.url {
        if source.file.is_some() {
            return Err(bad(
                InputProblem::Malformed,
                "credential_source names both a file and a url; keep one",
            ));
        }
        let fetched = Fetched::Url(UrlSource::new(
            &url,
            source.headers.as_ref(),
            field,
            options.allow_loopback_endpoints,
        )?);
        return Ok((fetched.default_source(), Some(fetched)));
    }
    let Some(path) = source.file.filter(|p| !p.trim().is_empty()) else {
        return Err(bad(
            InputProblem::Missing,
            "credential_source names no file, url or executable",
        ));
    };
    let path = PathBuf::from(path);
    Ok((
        match field {
            None => TokenSource::file(path),
            Some(field) => TokenSource::from_fn(move || json_field_of_file(&path, &field)),
        },
        None,
    ))
}

/// The member a `json` format names, `None` for `text` (or no format).
fn format_field(format: Option<Format>) -> Result<Option<String>, Error> {
    Ok(match format {
        None => None,
        Some(format) => match format.kind.as_deref().unwrap_or("text") {
            "text" => None,
            "json" => Some(
                format
                    .subject_token_field_name
                    .filter(|f| !f.is_empty())
                    .ok_or_else(|| {
                        bad(
                            InputProblem::Missing,
                            "credential_source.format is json but names no subject_token_field_name",
                        )
                    })?,
            ),
            other => {
                return Err(bad(
                    InputProblem::Unsupported,
                    format!(
                        "credential_source.format.type {:?} is neither \"text\" nor \"json\"",
                        other.chars().take(20).collect::<String>()
                    ),
                ));
            }
        },
    })
}

/// The string `field` of the JSON object in the file at `path`, read now.
fn json_field_of_file(path: &std::path::Path, field: &str) -> Result<SecurityToken, Error> {
    let bytes = crate::exchange::read_file(path)?;
    let from = || format!("the token file {:?}", path.display().to_string()).into();
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| SourceError::Malformed {
        from: from(),
        reason: "it is not JSON, and the credential file's format says json",
    })?;
    match value.get(field).and_then(Value::as_str) {
        Some(token) => Ok(SecurityToken::new(token)),
        None => Err(SourceError::Malformed {
            from: from(),
            reason: "it has no string member named by the credential file's subject_token_field_name",
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_hosts() {
        let ok = |h: &str, s: &str| is_google_host(h, s, "googleapis.com");
        for host in [
            "sts.googleapis.com",
            "sts.mtls.googleapis.com",
            "sts.us-east7.rep.googleapis.com",
            "us-east1-sts.googleapis.com",
            "us-east1.sts.googleapis.com",
            "sts-xyz123.p.googleapis.com",
        ] {
            assert!(ok(host, "sts"), "{host}");
        }
        assert!(ok("iamcredentials.googleapis.com", "iamcredentials"));
        for host in [
            "sts.googleapis.com.evil.com",
            "evil.com",
            "stsgoogleapis.com",
            "sts.evil.com",
            "iamcredentials.googleapis.com",
            "a.b.sts.googleapis.com",
            "sts..rep.googleapis.com",
            "-sts.googleapis.com",
            "evilgoogleapis.com",
        ] {
            assert!(!ok(host, "sts"), "{host}");
        }
        assert!(is_google_host("sts.example.goog", "sts", "example.goog"));
        assert_eq!(
            impersonated_email(
                "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken"
            ),
            Some("sa@p.iam.gserviceaccount.com")
        );
        assert_eq!(
            impersonated_email("https://iamcredentials.googleapis.com/v1/x"),
            None
        );
        assert!(!is_google_host("sts.example.goog", "sts", "googleapis.com"));
    }
}
