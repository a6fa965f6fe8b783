//! Salesforce presets, thin and built on the public API: which host a token request
//! goes to and which audience its JWT or SAML assertion names ([`LoginHost`]); the
//! JWT Bearer, SAML 2.0 Bearer, Client Credentials and Refresh Token flows as ready
//! [`TokenRequest`](crate::TokenRequest)s; the response `signature` check
//! ([`verify_signature`]); a typed view of the token ([`TokenInfo`]); what to fix
//! for each known token error ([`hint`]); and the REST API classifier
//! ([`classify_api_response`]). Token exchange: Salesforce's token exchange flow
//! ([`token_exchange`]: an external identity provider's token for a Salesforce
//! token), the asset token flow for devices ([`asset_token`], [`DeviceClaims`],
//! [`AssetToken`]) and the Data Cloud exchange ([`data_cloud_token`],
//! [`DataCloudToken`]).
//!
//! ```no_run
//! use s2s_oauth::SigningKey;
//! use s2s_oauth::providers::salesforce::{self, LoginHost, TokenInfo};
//!
//! let key = SigningKey::from_pem_file("server.key")?;
//! let host = LoginHost::my_domain("https://acme.my.salesforce.com")?;
//! let token = salesforce::jwt_bearer(&host, "3MVG9...", "integration@acme.com", key)?
//!     .send(&s2s_oauth::agent())
//!     .inspect_err(|e| eprintln!("{e}\n{}", salesforce::hint(e).unwrap_or("")))?;
//! let info = TokenInfo::from_response(&token)?;
//! println!("org {} at {}", info.org_id(), info.instance_url());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The two differ, and getting them confused is the most common cause of
//! `invalid_grant: audience is invalid`: the token may be requested from a My Domain
//! host, but the assertion's audience is still the *login* host
//! (`https://login.salesforce.com`, or `https://test.salesforce.com` for a sandbox).
//! Only an Experience Cloud site is its own audience.

mod access_token;
mod asset;
mod data_cloud;
mod diagnose;
mod endpoints;
mod exchange;
mod flows;
mod identity;
mod signature;

use crate::error::Error;
use crate::url::EndpointUrl;

pub use access_token::{JWKS_PATH, access_token_validation, jwks_cache, jwks_url};
pub use asset::{ACTOR_TOKEN_LIFETIME, AssetToken, DeviceClaims, asset_token};
pub use data_cloud::{
    DATA_CLOUD_GRANT_TYPE, DATA_CLOUD_TOKEN_PATH, DataCloudToken, data_cloud_token,
};
pub use diagnose::{ApiOutcome, classify_api_response, hint, hint_for};
pub use endpoints::{Identity, UserInfo, introspect, revoke};
pub use exchange::{
    JWT_SUBJECT_TOKEN_TYPE, check_subject_token_type, subject_token_type, token_exchange,
};
#[cfg(feature = "saml")]
pub use flows::saml_bearer;
pub use flows::{
    MAX_JWT_LIFETIME, check_client_credentials_host, check_jwt_bearer, client_credentials,
    jwt_bearer, refresh_token,
};
#[cfg(feature = "saml")]
pub use flows::{MAX_SAML_LIFETIME, check_saml_bearer};
pub use identity::TokenInfo;
pub use signature::verify_signature;

/// The production login host, and the audience of production assertions.
pub const PRODUCTION: &str = "https://login.salesforce.com";
/// The sandbox login host, and the audience of sandbox assertions.
pub const SANDBOX: &str = "https://test.salesforce.com";
/// The token endpoint's path on every Salesforce host.
pub const TOKEN_PATH: &str = "/services/oauth2/token";
/// The introspection endpoint's path (RFC 7662) on every Salesforce host.
pub const INTROSPECT_PATH: &str = "/services/oauth2/introspect";
/// The revocation endpoint's path (RFC 7009) on every Salesforce host.
pub const REVOKE_PATH: &str = "/services/oauth2/revoke";
/// The OpenID Connect UserInfo endpoint's path on every Salesforce host.
pub const USERINFO_PATH: &str = "/services/oauth2/userinfo";

/// Where a Salesforce org is reached: the host that takes token requests and the
/// audience its assertions must name.
///
/// ```
/// use s2s_oauth::providers::salesforce::LoginHost;
///
/// let host = LoginHost::my_domain("https://acme.my.salesforce.com")?;
/// assert_eq!(host.token_url(), "https://acme.my.salesforce.com/services/oauth2/token");
/// assert_eq!(host.audience(), "https://login.salesforce.com");
///
/// let sandbox = LoginHost::parse("test")?;
/// assert_eq!(sandbox.token_url(), "https://test.salesforce.com/services/oauth2/token");
/// assert_eq!(sandbox.audience(), "https://test.salesforce.com");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginHost {
    base_url: String,
    audience: String,
    kind: HostKind,
}

/// Which kind of Salesforce host a [`LoginHost`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostKind {
    /// `https://login.salesforce.com`.
    Production,
    /// `https://test.salesforce.com`.
    Sandbox,
    /// A My Domain host (`https://<name>.my.salesforce.com`, or
    /// `…sandbox.my.salesforce.com` for a sandbox). The only kind of host that
    /// accepts the Client Credentials flow.
    MyDomain,
    /// An Experience Cloud site URL, which is also the assertions' audience.
    ExperienceCloud,
}

impl LoginHost {
    /// Production: `https://login.salesforce.com`.
    pub fn production() -> Self {
        LoginHost {
            base_url: PRODUCTION.into(),
            audience: PRODUCTION.into(),
            kind: HostKind::Production,
        }
    }

    /// Sandbox: `https://test.salesforce.com`.
    pub fn sandbox() -> Self {
        LoginHost {
            base_url: SANDBOX.into(),
            audience: SANDBOX.into(),
            kind: HostKind::Sandbox,
        }
    }

    /// A My Domain base URL such as `https://acme.my.salesforce.com`. The audience is
    /// `https://login.salesforce.com`, or `https://test.salesforce.com` when the host
    /// is a sandbox My Domain (`….sandbox.my.salesforce.com`).
    ///
    /// The login hosts themselves are recognized whatever their case or trailing
    /// slash: `https://login.salesforce.com` is [`production`](Self::production) and
    /// `https://test.salesforce.com` is [`sandbox`](Self::sandbox) (audience and
    /// [`kind`](Self::kind) included), so a sandbox login URL never gets the
    /// production audience.
    ///
    /// ```
    /// use s2s_oauth::providers::salesforce::{HostKind, LoginHost};
    ///
    /// let host = LoginHost::my_domain("https://test.salesforce.com/")?;
    /// assert_eq!(host.audience(), "https://test.salesforce.com");
    /// assert_eq!(host.kind(), HostKind::Sandbox);
    ///
    /// // A String read from the configuration, by value or by reference.
    /// let configured = String::from("https://acme.my.salesforce.com");
    /// assert_eq!(LoginHost::my_domain(&configured)?, LoginHost::my_domain(configured)?);
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn my_domain(base_url: impl AsRef<str>) -> Result<Self, Error> {
        let base_url = base(base_url.as_ref())?;
        if base_url.as_str().eq_ignore_ascii_case(PRODUCTION) {
            return Ok(Self::production());
        }
        if base_url.as_str().eq_ignore_ascii_case(SANDBOX) {
            return Ok(Self::sandbox());
        }
        let sandbox = base_url
            .host()
            .to_ascii_lowercase()
            .ends_with(".sandbox.my.salesforce.com");
        let audience = if sandbox { SANDBOX } else { PRODUCTION };
        Ok(LoginHost {
            base_url: base_url.into_string(),
            audience: audience.into(),
            kind: HostKind::MyDomain,
        })
    }

    /// An Experience Cloud site URL (e.g. `https://acme.my.site.com/partners`),
    /// which is also the audience.
    pub fn experience_cloud(site_url: impl AsRef<str>) -> Result<Self, Error> {
        let base_url = base(site_url.as_ref())?.into_string();
        Ok(LoginHost {
            audience: base_url.clone(),
            base_url,
            kind: HostKind::ExperienceCloud,
        })
    }

    /// `login`, `test`, or a base URL ([`my_domain`](Self::my_domain), which also
    /// recognizes the two login hosts' URLs): the CLI's `--salesforce` values.
    pub fn parse(value: impl AsRef<str>) -> Result<Self, Error> {
        match value.as_ref() {
            "login" | "production" => Ok(Self::production()),
            "test" | "sandbox" => Ok(Self::sandbox()),
            url => Self::my_domain(url),
        }
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The token endpoint: `<base>/services/oauth2/token`.
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.base_url)
    }

    /// The introspection endpoint (RFC 7662): `<base>/services/oauth2/introspect`.
    pub fn introspection_url(&self) -> String {
        format!("{}{INTROSPECT_PATH}", self.base_url)
    }

    /// The revocation endpoint (RFC 7009): `<base>/services/oauth2/revoke`.
    pub fn revocation_url(&self) -> String {
        format!("{}{REVOKE_PATH}", self.base_url)
    }

    /// The OpenID Connect UserInfo endpoint: `<base>/services/oauth2/userinfo`.
    pub fn userinfo_url(&self) -> String {
        format!("{}{USERINFO_PATH}", self.base_url)
    }

    /// The `aud` of a JWT Bearer assertion, the `Audience` of a SAML assertion.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Which kind of host this is.
    pub fn kind(&self) -> HostKind {
        self.kind
    }
}

/// Checks a base URL (https, or http on loopback for tests) and trims trailing
/// slashes.
fn base(url: &str) -> Result<EndpointUrl, Error> {
    EndpointUrl::base(
        url,
        "a Salesforce base URL has no query; pass e.g. https://acme.my.salesforce.com",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_is_the_login_host_not_my_domain() {
        let prod = LoginHost::my_domain("https://Acme.my.salesforce.com/").unwrap();
        assert_eq!(prod.base_url(), "https://Acme.my.salesforce.com");
        assert_eq!(prod.audience(), PRODUCTION);
        assert_eq!(prod.kind(), HostKind::MyDomain);
        let sandbox = LoginHost::my_domain("https://acme--uat.sandbox.my.salesforce.com").unwrap();
        assert_eq!(sandbox.audience(), SANDBOX);
        assert_eq!(
            sandbox.token_url(),
            "https://acme--uat.sandbox.my.salesforce.com/services/oauth2/token"
        );
        let site = LoginHost::experience_cloud("https://acme.my.site.com/partners/").unwrap();
        assert_eq!(site.audience(), "https://acme.my.site.com/partners");
        assert_eq!(
            site.token_url(),
            "https://acme.my.site.com/partners/services/oauth2/token"
        );
    }

    #[test]
    fn parse_takes_the_cli_values() {
        assert_eq!(LoginHost::parse("login").unwrap(), LoginHost::production());
        assert_eq!(
            LoginHost::parse("test").unwrap().token_url(),
            "https://test.salesforce.com/services/oauth2/token"
        );
        assert_eq!(
            LoginHost::parse("http://127.0.0.1:8080")
                .unwrap()
                .audience(),
            PRODUCTION
        );
        assert!(matches!(
            LoginHost::parse("http://acme.my.salesforce.com"),
            Err(Error::InvalidUrl { .. })
        ));
        assert!(matches!(
            LoginHost::parse("acme"),
            Err(Error::InvalidUrl { .. })
        ));
        assert!(LoginHost::parse("https://acme.my.salesforce.com?x=1").is_err());
    }

    /// A login host given as a URL is that login host, not a My Domain: before,
    /// `https://test.salesforce.com` got the production audience (Salesforce answers
    /// `audience is invalid`) and `https://login.salesforce.com` passed the Client
    /// Credentials My Domain check.
    #[test]
    fn login_host_urls_are_the_login_hosts() {
        for url in [
            "https://test.salesforce.com",
            "https://TEST.salesforce.com/",
            "HTTPS://test.salesforce.com//",
        ] {
            let host = LoginHost::parse(url).unwrap();
            assert_eq!(host, LoginHost::sandbox(), "{url}");
            assert_eq!(host.audience(), SANDBOX);
        }
        for url in [
            "https://login.salesforce.com",
            "https://Login.Salesforce.com/",
        ] {
            let host = LoginHost::my_domain(url).unwrap();
            assert_eq!(host, LoginHost::production(), "{url}");
            assert_eq!(host.kind(), HostKind::Production);
        }
        // Other hosts under salesforce.com stay My Domains.
        let other = LoginHost::my_domain("https://test.my.salesforce.com").unwrap();
        assert_eq!(other.kind(), HostKind::MyDomain);
        assert_eq!(other.audience(), PRODUCTION);
    }
}
