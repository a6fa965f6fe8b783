//! Provider presets: thin functions over the client API that return ordinary
//! [`TokenRequest`](crate::TokenRequest)s with each provider's quirks handled.
//!
//! - [`salesforce`]: login hosts and audiences, JWT Bearer, SAML Bearer, Client
//!   Credentials on My Domain only, Refresh Token, the response `signature` check,
//!   [`salesforce::TokenInfo`] (`instance_url`, org and user ids), error hints, the
//!   REST API classifier.
//! - [`google`]: service account key files.
//! - [`entra`]: Microsoft Entra ID certificate credentials and workload identity
//!   (the federated token as client assertion).
//! - [`okta`] and [`keycloak`]: `private_key_jwt` client credentials.
//! - [`github_actions`]: the job's OIDC token, as a
//!   [`TokenSource`](crate::exchange::TokenSource) for a token exchange or a client
//!   assertion.
//!
//! Any other RFC 8414 / OpenID Connect server: [`discovery`](crate::discovery)
//! reads its token URL from its metadata.
//!
//! ```
//! use s2s_oauth::SigningKey;
//! use s2s_oauth::providers::salesforce::{self, LoginHost};
//!
//! let key = SigningKey::from_pem(include_str!("../tests/data/keys/rsa2048.pkcs8.pem"))?;
//! let host = LoginHost::my_domain("https://acme.my.salesforce.com")?;
//! let request = salesforce::jwt_bearer(&host, "3MVG9...", "integration@acme.com", key)?;
//! assert_eq!(request.token_url(), "https://acme.my.salesforce.com/services/oauth2/token");
//! # Ok::<(), s2s_oauth::Error>(())
//! ```

pub mod entra;
pub mod github_actions;
pub mod google;
pub mod keycloak;
pub mod okta;
pub mod salesforce;
