//! What the token endpoint requires of the assertions it receives: its URL, the
//! audiences it answers to, clock leeway, lifetime caps, algorithms.

use std::time::Duration;

use crate::key::algorithm::Algorithm;

/// The token endpoint's own identity and assertion policy (RFC 7523 §3, RFC 7522
/// §3, OIDC Core §9).
///
/// Defaults: client assertions (`private_key_jwt`, `client_secret_jwt`) must have
/// `aud` = the token URL (add the issuer identifier with
/// [`with_client_assertion_audience`](Self::with_client_assertion_audience)) and
/// a `jti`, checked against the caller's replay cache; JWT and SAML bearer grants
/// must name the token URL as audience (Salesforce-style servers use their login
/// URL: [`with_grant_audience`](Self::with_grant_audience)); SAML `Recipient` =
/// the token URL; 60 s leeway; assertions live one hour at most.
///
/// ```
/// use std::time::Duration;
/// use s2s_oauth::Algorithm;
/// use s2s_oauth::server::Endpoint;
/// // As a Salesforce Named Credential's JWT bearer callout expects it.
/// let endpoint = Endpoint::new("https://api.example.com/oauth2/token")
///     .with_client_assertion_audience("https://api.example.com")
///     .with_grant_audience("https://api.example.com")
///     .with_max_lifetime(Duration::from_secs(300))
///     .with_grant_algorithms(&[Algorithm::RS256]);
/// assert_eq!(endpoint.token_url(), "https://api.example.com/oauth2/token");
/// ```
#[derive(Debug, Clone)]
pub struct Endpoint {
    token_url: String,
    client_assertion_audiences: Vec<String>,
    grant_audience: String,
    leeway: Duration,
    max_lifetime: Duration,
    max_saml_lifetime: Option<Duration>,
    grant_algorithms: Option<Vec<Algorithm>>,
    legacy_prn: bool,
    require_jti: bool,
    raw_basic: bool,
}

impl Endpoint {
    /// An endpoint at `token_url` with the defaults above.
    pub fn new(token_url: impl Into<String>) -> Self {
        let token_url = token_url.into();
        Endpoint {
            client_assertion_audiences: vec![token_url.clone()],
            grant_audience: token_url.clone(),
            token_url,
            leeway: Duration::from_secs(60),
            max_lifetime: Duration::from_secs(3600),
            max_saml_lifetime: None,
            grant_algorithms: None,
            legacy_prn: false,
            require_jti: true,
            raw_basic: true,
        }
    }

    /// Also takes client assertions whose `aud` is `audience` (the issuer
    /// identifier, as OIDC Core §9 allows). Call it once per audience.
    pub fn with_client_assertion_audience(mut self, audience: impl Into<String>) -> Self {
        self.client_assertion_audiences.push(audience.into());
        self
    }

    /// The audience JWT bearer (`aud`) and SAML bearer (`Audience`) grants must
    /// name, in place of the token URL.
    pub fn with_grant_audience(mut self, audience: impl Into<String>) -> Self {
        self.grant_audience = audience.into();
        self
    }

    /// Clock skew tolerated on `exp`, `nbf`, `iat` and SAML's conditions.
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// How far ahead of now an assertion's `exp` (or `NotOnOrAfter`) may be.
    pub fn with_max_lifetime(mut self, lifetime: Duration) -> Self {
        self.max_lifetime = lifetime;
        self
    }

    /// A separate cap for SAML assertions (default: the one of
    /// [`with_max_lifetime`](Self::with_max_lifetime)).
    pub fn with_max_saml_lifetime(mut self, lifetime: Duration) -> Self {
        self.max_saml_lifetime = Some(lifetime);
        self
    }

    /// The only algorithms JWT bearer grants may be signed with (Salesforce takes
    /// RS256 only). Client assertions take any that fits the client's key.
    pub fn with_grant_algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.grant_algorithms = Some(algorithms.to_vec());
        self
    }

    /// Takes the legacy `prn` claim in place of `sub` in JWT bearer grants (and
    /// prefers it when both are present), as Salesforce does.
    pub fn with_legacy_prn(mut self, accept: bool) -> Self {
        self.legacy_prn = accept;
        self
    }

    /// Takes client assertions and grants without a `jti` (RFC 7523 §3 makes it
    /// optional; OIDC Core §9 requires it for client assertions, the default
    /// here). A `jti` that is present is always checked for replay.
    pub fn allow_missing_jti(mut self) -> Self {
        self.require_jti = false;
        self
    }

    /// Takes Basic credentials form-decoded only (RFC 6749 §2.3.1 to the letter,
    /// as Salesforce and oidc-provider do), not also as sent. For a test server
    /// that must catch a client that does not form-encode; a production endpoint
    /// cannot choose its clients and keeps the default.
    pub fn strict_basic_decoding(mut self) -> Self {
        self.raw_basic = false;
        self
    }

    /// The token URL.
    pub fn token_url(&self) -> &str {
        &self.token_url
    }

    pub(crate) fn client_assertion_audiences(&self) -> &[String] {
        &self.client_assertion_audiences
    }

    pub(crate) fn grant_audience(&self) -> &str {
        &self.grant_audience
    }

    pub(crate) fn leeway(&self) -> Duration {
        self.leeway
    }

    pub(crate) fn max_lifetime(&self) -> Duration {
        self.max_lifetime
    }

    #[cfg(feature = "saml")]
    pub(crate) fn max_saml_lifetime(&self) -> Duration {
        self.max_saml_lifetime.unwrap_or(self.max_lifetime)
    }

    pub(crate) fn grant_algorithms(&self) -> Option<&[Algorithm]> {
        self.grant_algorithms.as_deref()
    }

    pub(crate) fn legacy_prn(&self) -> bool {
        self.legacy_prn
    }

    pub(crate) fn require_jti(&self) -> bool {
        self.require_jti
    }

    pub(crate) fn takes_raw_basic(&self) -> bool {
        self.raw_basic
    }
}
