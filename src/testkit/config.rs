//! What the local server knows before it starts: its profile, its clients, its
//! lifetimes and limits.

use std::collections::BTreeMap;
use std::time::Duration;

use super::exchange::TrustedIssuer;
use crate::error::Error;
use crate::key::{Certificate, VerifyingKey};
use crate::redact::redacted_debug;
use crate::secrets::ClientSecret;
use crate::server;

/// The testkit's plain setters: each stores its argument in a field. `name(arg:
/// Type) => field = value;` makes `pub fn name(mut self, arg: Type) -> Self`, with
/// the doc comments written above it.
macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident($arg:ident: $ty:ty) => $field:ident = $value:expr;)+) => {$(
        $(#[$doc])*
        pub fn $name(mut self, $arg: $ty) -> Self {
            self.$field = $value;
            self
        }
    )+};
}

/// The response shape and error strings the server uses.
///
/// - [`Profile::Generic`]: RFC 6749 §5.1 responses (with `expires_in`) and §5.2 errors
///   with RFC codes and descriptions that say which check failed.
/// - [`Profile::Salesforce`]: Salesforce's token responses (no `expires_in`;
///   `instance_url`, `id`, `issued_at`, `signature`) and its exact error strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// A plain RFC 6749 / RFC 7523 authorization server.
    Generic,
    /// A Salesforce org, as far as the server-to-server flows go.
    Salesforce,
}

/// A registered client (RFC 6749 §2): its id, its credentials, and the users who
/// approved it.
///
/// Client authentication (RFC 6749 §2.3): a client with a secret may authenticate
/// with `client_secret_basic`, `client_secret_post` or `client_secret_jwt`; a client
/// with a public key with `private_key_jwt`. Whether it *must* authenticate is
/// [`require_client_auth`](Client::require_client_auth); its default is `true`
/// exactly when the client has a secret.
///
/// ```
/// use s2s_oauth::testkit::Client;
/// let client = Client::new("my-app")
///     .with_secret("s3cr3t")
///     .with_user("alice@example.com")
///     .with_run_as("integration@example.com");
/// assert_eq!(client.id(), "my-app");
/// assert!(client.requires_client_auth());
/// assert!(!format!("{client:?}").contains("s3cr3t"));
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) id: String,
    pub(crate) secret: Option<ClientSecret>,
    pub(crate) public_key: Option<VerifyingKey>,
    pub(crate) saml_key: Option<VerifyingKey>,
    pub(crate) users: Vec<String>,
    pub(crate) run_as: Option<String>,
    pub(crate) refresh_tokens: bool,
    pub(crate) require_auth: Option<bool>,
    pub(crate) acts_for_itself: bool,
    pub(crate) tls_subject_dn: Option<String>,
    pub(crate) tls_san_dns: Option<String>,
    pub(crate) self_signed_certificate: Option<Certificate>,
    pub(crate) bound_tokens: bool,
    /// Federated identities (issuer, subject) whose JWTs authenticate this client
    /// as client assertions ([`Client::with_federated_identity`]).
    pub(crate) federated: Vec<(String, String)>,
}

impl Client {
    /// A client with this id (the Salesforce consumer key) and no credentials yet.
    pub fn new(id: impl Into<String>) -> Self {
        Client {
            id: id.into(),
            secret: None,
            public_key: None,
            saml_key: None,
            users: Vec::new(),
            run_as: None,
            refresh_tokens: false,
            require_auth: None,
            acts_for_itself: false,
            tls_subject_dn: None,
            tls_san_dns: None,
            self_signed_certificate: None,
            bound_tokens: false,
            federated: Vec::new(),
        }
    }

    setters! {
        /// The client secret (Salesforce: the consumer secret). It authenticates
        /// `client_secret_basic`, `client_secret_post` and `client_secret_jwt`, and
        /// keys the Salesforce `signature`.
        with_secret(secret: impl Into<ClientSecret>) => secret = Some(secret.into());

        /// The public key that verifies JWT bearer assertions whose `iss` is this
        /// client's id (RFC 7523 §2.1) and `private_key_jwt` client assertions
        /// (RFC 7523 §2.2).
        with_public_key(key: VerifyingKey) => public_key = Some(key);
    }

    /// The certificate that verifies SAML 2.0 bearer assertions whose `Issuer` is
    /// this client's id (RFC 7522 §3), as the certificate uploaded to a Salesforce
    /// connected app. Without one, SAML assertions are verified with
    /// [`with_public_key`](Client::with_public_key)'s key. Refused if the crate
    /// cannot verify with its key (RSA under 2048 bits, another curve).
    ///
    /// ```
    /// use s2s_oauth::Certificate;
    /// use s2s_oauth::testkit::Client;
    /// let cert = Certificate::from_pem(include_str!("../../tests/data/keys/rsa2048.cert.pem"))?;
    /// let client = Client::new("my-app").with_certificate(&cert)?.with_user("alice@example.com");
    /// # let _ = client;
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn with_certificate(mut self, certificate: &Certificate) -> Result<Self, Error> {
        self.saml_key = Some(certificate.verifying_key()?);
        Ok(self)
    }

    /// A user who approved this client: an allowed `sub` of JWT bearer assertions.
    /// Call it once per user.
    pub fn with_user(mut self, username: impl Into<String>) -> Self {
        self.users.push(username.into());
        self
    }

    setters! {
        /// The user that client-credentials tokens act as (Salesforce's "run as"
        /// user). The Salesforce profile refuses client credentials without one.
        with_run_as(username: impl Into<String>) => run_as = Some(username.into());

        /// Accept JWT bearer assertions with no `sub` and issue the token to the
        /// client itself, as Google does for a service account that acts for itself
        /// (no domain-wide delegation). Default `false`: RFC 7523 §3 requires `sub`.
        with_assertions_for_itself(accept: bool) => acts_for_itself = accept;

        /// Generic profile only: also issue a `refresh_token` with JWT bearer and
        /// client credentials tokens (default `false`). The Salesforce profile never
        /// does.
        with_refresh_tokens(issue: bool) => refresh_tokens = issue;

        /// Whether token requests naming this client must authenticate it.
        ///
        /// Default: `true` when the client has a secret or authenticates with a TLS
    /// client certificate, `false` otherwise. It
        /// governs the refresh grant; client credentials always require
        /// authentication and JWT bearer never does (RFC 7523 §3.1: the assertion
        /// identifies the client). Where credentials are sent anyway they are always
        /// checked: a wrong secret is refused even when authentication is optional.
        require_client_auth(required: bool) => require_auth = Some(required);
    }

    setters! {
        /// `tls_client_auth` (RFC 8705 §2.1) by subject: the client authenticates
        /// with a TLS client certificate that chains to a client CA of the server
        /// ([`Config::with_client_ca`]) and whose subject DN, in RFC 4514 form
        /// ([`Certificate::subject_dn`]), is `dn`. Only on a server started with
        /// [`Server::start_tls`](super::Server::start_tls).
        ///
        /// ```
        /// use s2s_oauth::testkit::Client;
        /// let client = Client::new("mtls-client").with_tls_client_auth_subject_dn("CN=mtls-client,O=s2s-oauth tests");
        /// assert!(client.requires_client_auth());
        /// ```
        with_tls_client_auth_subject_dn(dn: impl Into<String>) => tls_subject_dn = Some(dn.into());

        /// `tls_client_auth` (RFC 8705 §2.1) by DNS name: as
        /// [`with_tls_client_auth_subject_dn`](Client::with_tls_client_auth_subject_dn),
        /// with a certificate that has `name` among its dNSName subject alternative
        /// names. RFC 8705 §2.1.2 allows exactly one registered name: a client with
        /// a subject DN and a DNS name (or either and a
        /// [self-signed certificate](Client::with_self_signed_certificate)) is
        /// refused at the token endpoint as misconfigured.
        with_tls_client_auth_san_dns(name: impl Into<String>) => tls_san_dns = Some(name.into());

        /// Whether access tokens issued to this client are bound to the TLS client
        /// certificate of the connection they were requested on (RFC 8705 §3;
        /// the client metadata `tls_client_certificate_bound_access_tokens`):
        /// the token endpoint then requires a client certificate, the protected
        /// resource takes the token only with that certificate, and introspection
        /// shows `cnf.x5t#S256`. Default `false`.
        with_certificate_bound_tokens(bound: bool) => bound_tokens = bound;
    }

    /// `self_signed_tls_client_auth` (RFC 8705 §2.2): the client authenticates
    /// with exactly this (self-signed) TLS client certificate.
    ///
    /// ```
    /// use s2s_oauth::Certificate;
    /// use s2s_oauth::testkit::Client;
    /// let cert = Certificate::from_pem(include_str!("../../tests/data/tls/self-signed-client.cert.pem"))?;
    /// let client = Client::new("self-signed").with_self_signed_certificate(cert);
    /// assert!(client.uses_tls_client_auth());
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn with_self_signed_certificate(mut self, certificate: Certificate) -> Self {
        self.self_signed_certificate = Some(certificate);
        self
    }

    /// Whether the client authenticates with a TLS client certificate
    /// (`tls_client_auth` or `self_signed_tls_client_auth`).
    pub fn uses_tls_client_auth(&self) -> bool {
        self.tls_subject_dn.is_some()
            || self.tls_san_dns.is_some()
            || self.self_signed_certificate.is_some()
    }

    /// A federated identity credential, as Entra workload identity federation
    /// registers one on an app: a JWT with `iss` = `issuer` (a
    /// [`TrustedIssuer`](super::TrustedIssuer) of the configuration, whose key
    /// verifies it and whose audience it must carry) and `sub` = `subject`, sent as
    /// the `client_assertion` with this client's `client_id`, authenticates this
    /// client. A platform token is reused while it lives, so its `jti` is not
    /// checked for replay. Call it once per identity.
    ///
    /// ```
    /// use s2s_oauth::SigningKey;
    /// use s2s_oauth::testkit::{Client, Config, Profile, TrustedIssuer};
    ///
    /// let cluster = SigningKey::from_pem(include_str!("../../tests/data/keys/p256.pkcs8.pem"))?;
    /// let issuer = "https://oidc.prod-aks.azure.com/tenant/cluster/";
    /// let config = Config::new(Profile::Generic)
    ///     .with_trusted_issuer(TrustedIssuer::new(issuer, cluster.verifying_key())
    ///         .with_audience("api://AzureADTokenExchange"))
    ///     .with_client(Client::new("app-id").with_federated_identity(issuer, "system:serviceaccount:jobs:sync"));
    /// # let _ = config;
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn with_federated_identity(
        mut self,
        issuer: impl Into<String>,
        subject: impl Into<String>,
    ) -> Self {
        self.federated.push((issuer.into(), subject.into()));
        self
    }

    /// The client id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether requests naming this client must authenticate it (see
    /// [`require_client_auth`](Client::require_client_auth)).
    pub fn requires_client_auth(&self) -> bool {
        self.require_auth
            .unwrap_or(self.secret.is_some() || self.uses_tls_client_auth())
    }
}

impl Client {
    /// The client as the `server` module authenticates it. A client registered
    /// with more than one RFC 8705 name is refused before this is consulted
    /// (`client_auth::peer_certificate`).
    fn registration(&self) -> server::Client {
        let mut registered = server::Client::new(self.id.clone());
        if let Some(secret) = &self.secret {
            registered = registered.with_secret(secret.clone());
        }
        if let Some(key) = &self.public_key {
            registered = registered.with_keys(key.clone());
        }
        let tls = match (
            &self.tls_subject_dn,
            &self.tls_san_dns,
            &self.self_signed_certificate,
        ) {
            (Some(dn), _, _) => Some(server::TlsClientAuth::SubjectDn(dn.clone())),
            (None, Some(name), _) => Some(server::TlsClientAuth::SanDns(name.clone())),
            (None, None, Some(cert)) => Some(server::TlsClientAuth::SelfSigned(cert.clone())),
            (None, None, None) => None,
        };
        if let Some(tls) = tls {
            registered = registered.with_tls_client_auth(tls);
        }
        registered
    }

    /// The client as the issuer of its JWT and SAML bearer assertions.
    fn as_issuer(&self) -> server::Issuer {
        let mut issuer = server::Issuer::new(self.id.clone());
        if let Some(key) = &self.public_key {
            issuer = issuer.with_keys(key.clone());
        }
        if let Some(key) = &self.saml_key {
            issuer = issuer.with_saml_key(key.clone());
        }
        if self.acts_for_itself {
            issuer = issuer.allow_missing_subject();
        }
        issuer
    }
}

// Whether there is a secret, never the secret.
redacted_debug!(Client as client: id, has_secret = client.secret.is_some(), public_key, saml_key,
    users, run_as, refresh_tokens, requires_client_auth = client.requires_client_auth(),
    tls_subject_dn, tls_san_dns, self_signed_certificate, bound_tokens);

/// How the server behaves: profile, clients, token lifetime, refresh rotation, and
/// what JWT bearer assertions must look like (RFC 7523 §3).
///
/// ```
/// use std::time::Duration;
/// use s2s_oauth::testkit::{Client, Config, Profile};
/// let config = Config::new(Profile::Salesforce)
///     .with_client(Client::new("my-app").with_secret("s3cr3t"))
///     .with_token_lifetime(Duration::from_secs(600))
///     .with_refresh_rotation(false);
/// assert_eq!(config.profile(), Profile::Salesforce);
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) profile: Profile,
    pub(crate) clients: BTreeMap<String, Client>,
    /// The clients as the `server` module authenticates them.
    pub(crate) registered: BTreeMap<String, server::Client>,
    /// The clients as issuers of JWT and SAML bearer assertions (`iss` =
    /// `Issuer` = the client id).
    pub(crate) issuers: BTreeMap<String, server::Issuer>,
    pub(crate) token_lifetime: Duration,
    pub(crate) rotation: bool,
    pub(crate) audience: Option<String>,
    pub(crate) leeway: Duration,
    pub(crate) max_assertion_lifetime: Option<Duration>,
    pub(crate) date_skew: i64,
    pub(crate) dpop_nonces: bool,
    pub(crate) client_cas: Vec<Certificate>,
    pub(crate) trusted_issuers: Vec<TrustedIssuer>,
    pub(crate) google_providers: Vec<String>,
    pub(crate) google_service_accounts: Vec<String>,
    pub(crate) github_oidc: Option<super::github::GithubOidc>,
    pub(crate) jwt_access_tokens: Option<super::jwt_access::JwtAccessTokens>,
}

/// Salesforce's SAML sample: `NotOnOrAfter` = `IssueInstant` + 5 minutes.
#[cfg(feature = "saml")]
const SALESFORCE_MAX_SAML: Duration = Duration::from_secs(300);

/// Salesforce: "the expiration time of the assertion within 3 minutes".
const SALESFORCE_MAX_ASSERTION: Duration = Duration::from_secs(180);
const GENERIC_MAX_ASSERTION: Duration = Duration::from_secs(3600);

impl Config {
    /// A configuration with no clients, tokens valid 3600 s, refresh-token rotation
    /// on, a 30 s clock leeway, and the profile's default audience and assertion
    /// lifetime cap.
    pub fn new(profile: Profile) -> Self {
        Config {
            profile,
            clients: BTreeMap::new(),
            registered: BTreeMap::new(),
            issuers: BTreeMap::new(),
            token_lifetime: Duration::from_secs(3600),
            rotation: true,
            audience: None,
            leeway: Duration::from_secs(30),
            max_assertion_lifetime: None,
            date_skew: 0,
            dpop_nonces: false,
            client_cas: Vec::new(),
            trusted_issuers: Vec::new(),
            google_providers: Vec::new(),
            google_service_accounts: Vec::new(),
            github_oidc: None,
            jwt_access_tokens: None,
        }
    }

    /// Registers a client. A client with the same id replaces the earlier one.
    pub fn with_client(mut self, client: Client) -> Self {
        self.registered
            .insert(client.id.clone(), client.registration());
        self.issuers.insert(client.id.clone(), client.as_issuer());
        self.clients.insert(client.id.clone(), client);
        self
    }

    /// Trusts an issuer's JWTs as subject and actor tokens of the token exchange
    /// grant (RFC 8693). Call it once per issuer (or per key).
    pub fn with_trusted_issuer(mut self, issuer: TrustedIssuer) -> Self {
        self.trusted_issuers.push(issuer);
        self
    }

    /// A workload identity pool provider the Google STS shape
    /// ([`Server::google_sts_url`](super::Server::google_sts_url)) exchanges
    /// tokens for: its resource name, the STS `audience` parameter
    /// (`//iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`).
    /// Subject tokens are checked against the trusted issuers; a
    /// [`TrustedIssuer`] without an audience of its own then wants `aud` =
    /// `https:` + this name, Google's default allowed audience.
    ///
    /// ```
    /// use s2s_oauth::SigningKey;
    /// use s2s_oauth::testkit::{Config, Profile, Server, TrustedIssuer};
    ///
    /// let provider = "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/gh";
    /// let ci = SigningKey::from_pem(include_str!("../../tests/data/keys/p256.pkcs8.pem"))?;
    /// let server = Server::start(
    ///     Config::new(Profile::Generic)
    ///         .with_trusted_issuer(TrustedIssuer::new("https://token.actions.githubusercontent.com", ci.verifying_key()))
    ///         .with_google_provider(provider)
    ///         .with_google_service_account("robot@p.iam.gserviceaccount.com"),
    /// )?;
    /// assert!(server.google_sts_url().ends_with("/v1/token"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_google_provider(mut self, audience: impl Into<String>) -> Self {
        self.google_providers.push(audience.into());
        self
    }

    /// A service account whose tokens IAM Credentials `generateAccessToken`
    /// ([`Server::google_impersonation_url`](super::Server::google_impersonation_url))
    /// hands out to any holder of a live token of this server; others are 403
    /// `PERMISSION_DENIED`.
    pub fn with_google_service_account(mut self, email: impl Into<String>) -> Self {
        self.google_service_accounts.push(email.into());
        self
    }

    /// Serves GitHub Actions' OIDC token endpoint
    /// ([`Server::github_actions_oidc_url`](super::Server::github_actions_oidc_url)):
    /// to a caller with `request_token` as bearer it hands out JWTs signed with
    /// `key` for the workflow of `repository` (`owner/repo`). Trust them with a
    /// [`TrustedIssuer`] for [`GITHUB_ISSUER`](super::GITHUB_ISSUER) and
    /// `key.verifying_key()`.
    ///
    /// ```
    /// use s2s_oauth::SigningKey;
    /// use s2s_oauth::testkit::{Config, Profile, Server, GITHUB_ISSUER};
    ///
    /// let key = SigningKey::from_pem(include_str!("../../tests/data/keys/p256.pkcs8.pem"))?;
    /// let server = Server::start(Config::new(Profile::Generic).with_github_actions_oidc(key, "request-token", "acme/deploy"))?;
    /// assert!(server.github_actions_oidc_url().contains("/_apis/actions/idtoken?"));
    /// # let _ = GITHUB_ISSUER;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_github_actions_oidc(
        mut self,
        key: crate::key::SigningKey,
        request_token: impl Into<String>,
        repository: impl Into<String>,
    ) -> Self {
        self.github_oidc = Some(super::github::GithubOidc::new(
            key,
            request_token.into(),
            repository.into(),
        ));
        self
    }

    setters! {
        /// How long issued access tokens live (default 3600 s). The Generic profile
        /// reports it as `expires_in`; Salesforce reports nothing, as the real one.
        with_token_lifetime(lifetime: Duration) => token_lifetime = lifetime;

        /// Whether the refresh grant rotates refresh tokens (default `true`): it
        /// returns a new one and the old one dies; re-using a rotated-out token
        /// revokes its successors and their access tokens (Salesforce's behaviour).
        with_refresh_rotation(rotate: bool) => rotation = rotate;

        /// The `aud` that JWT bearer assertions must carry, and the `Audience` of
        /// SAML bearer assertions. Default: Salesforce `https://login.salesforce.com`;
        /// Generic the server's token URL.
        with_audience(audience: impl Into<String>) => audience = Some(audience.into());

        /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 30 s).
        with_leeway(leeway: Duration) => leeway = leeway;

        /// How far ahead of now an assertion's `exp` (JWT) or `NotOnOrAfter` (SAML)
        /// may be. Default: Salesforce 3 minutes for JWTs and 5 minutes for SAML,
        /// plus the leeway; Generic one hour.
        with_max_assertion_lifetime(lifetime: Duration) => max_assertion_lifetime = Some(lifetime);

        /// How many seconds the server's clock is off (negative: behind) in the
        /// `Date` header of every answer (default 0), for testing clock checks
        /// such as `s2s-oauth doctor`. The server's own time checks keep the real
        /// clock.
        with_date_skew(seconds: i64) => date_skew = seconds;

        /// Demands a DPoP nonce (RFC 9449 §8, §9) in every proof, at the token
        /// endpoint and at the resource: a proof without the server's current
        /// nonce is refused with `use_dpop_nonce` and a `DPoP-Nonce` header, and
        /// every answer to a DPoP request carries the nonce. Off by default.
        with_dpop_nonces(demand: bool) => dpop_nonces = demand;
    }

    /// Trusts `ca` to issue the TLS client certificates of `tls_client_auth`
    /// clients (RFC 8705 §2.1). Call it once per CA.
    ///
    /// ```
    /// use s2s_oauth::Certificate;
    /// use s2s_oauth::testkit::{Client, Config, Profile};
    /// let ca = Certificate::from_pem(include_str!("../../tests/data/tls/client-ca.cert.pem"))?;
    /// let config = Config::new(Profile::Generic)
    ///     .with_client_ca(ca)
    ///     .with_client(Client::new("mtls-client").with_tls_client_auth_san_dns("mtls-client.example"));
    /// # let _ = config;
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn with_client_ca(mut self, ca: Certificate) -> Self {
        self.client_cas.push(ca);
        self
    }

    /// The profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// How far ahead a SAML assertion's expiry may be: the configured cap, else
    /// Salesforce 5 minutes plus the leeway, Generic one hour.
    #[cfg(feature = "saml")]
    pub(crate) fn max_saml_lifetime(&self) -> Duration {
        self.max_assertion_lifetime.unwrap_or(match self.profile {
            Profile::Salesforce => SALESFORCE_MAX_SAML.saturating_add(self.leeway),
            Profile::Generic => GENERIC_MAX_ASSERTION,
        })
    }

    pub(crate) fn max_assertion_lifetime(&self) -> Duration {
        self.max_assertion_lifetime.unwrap_or(match self.profile {
            Profile::Salesforce => SALESFORCE_MAX_ASSERTION.saturating_add(self.leeway),
            Profile::Generic => GENERIC_MAX_ASSERTION,
        })
    }
}
