//! A local authorization server for tests and demos (feature `testkit`).
//!
//! [`Server::start`] binds `127.0.0.1` on an ephemeral port and serves, on one
//! thread, a token endpoint and a protected resource that check what they receive
//! as strictly as a production server:
//!
//! - **JWT bearer** (RFC 7523 §3): the signature with the public key of the client
//!   named by the assertion's `iss`, `sub` among the client's approved users (the
//!   Salesforce profile also takes the legacy `prn`, which wins over `sub`), `aud`
//!   equal to [`Server::audience`], `exp`/`nbf`/`iat` with a leeway, a lifetime cap,
//!   `jti` replay refused; the Salesforce profile takes RS256 signatures only (a
//!   PS256 or ES256 assertion is `invalid assertion`, as Salesforce answers).
//!   Client authentication is optional for this grant.
//! - **Client credentials** (RFC 6749 §4.4): client authentication required; the
//!   Salesforce profile also requires a run-as user.
//! - **Refresh token** (RFC 6749 §6): the token must be live and belong to the
//!   client; with rotation on (the default) each use returns a new refresh token and
//!   kills the old one, and re-using a rotated-out token revokes its successors and
//!   their access tokens, as Salesforce does.
//! - **SAML 2.0 bearer** (RFC 7522 §3): the enveloped XML-DSig signature with the
//!   certificate of the client named by the assertion's `Issuer`
//!   ([`Client::with_certificate`]; signature wrapping refused), the `NameID` among
//!   the client's approved users, an `Audience` equal to [`Server::audience`], a
//!   bearer `SubjectConfirmation` whose `Recipient` is [`Server::token_url`],
//!   `NotBefore`/`NotOnOrAfter` with a leeway, a lifetime cap (Salesforce 5 minutes),
//!   `ID` replay refused. Client authentication is optional for this grant.
//! - **Token exchange** (RFC 8693 §2.1): the `subject_token` (and an `actor_token`)
//!   of a JWT type (`jwt`, `id_token`, `access_token`) verified with `jwt::verify`
//!   against the key of an issuer the configuration trusts
//!   ([`Config::with_trusted_issuer`], [`TrustedIssuer`]): signature, `iss`, `aud`,
//!   `sub`, `exp`/`nbf`/`iat`. Another token type or `requested_token_type` is
//!   `invalid_request`; an untrusted issuer or a token that fails a check
//!   `invalid_grant`. The answer carries `issued_token_type` (an access token).
//!   Client authentication is optional for this grant.
//! - **Federated client assertions** (RFC 7523 §2.2 with a platform's JWT, as Entra
//!   workload identity and Keycloak take one): a `client_assertion` whose `iss` is a
//!   trusted issuer is verified with that issuer's key and audience, and
//!   authenticates the `client_id` sent along if that client registered the
//!   token's `iss` and `sub` ([`Client::with_federated_identity`]).
//! - **Google's workload identity federation** ([`Config::with_google_provider`],
//!   [`Config::with_google_service_account`]): the Security Token Service's token
//!   exchange at [`Server::google_sts_url`] (`POST /v1/token` with Google's form
//!   parameters; the subject token checked by the trust above, its default `aud`
//!   `https:` + the provider's name; answered `{access_token, issued_token_type,
//!   token_type: "Bearer", expires_in}`, errors `{error, error_description}`, an
//!   unknown provider `invalid_target`) and IAM Credentials `generateAccessToken`
//!   at [`Server::google_impersonation_url`] (JSON `{scope: [...], lifetime}` with a
//!   token of this server as bearer; answered `{accessToken, expireTime}`, errors
//!   as Google API errors: 401 `UNAUTHENTICATED`, 403 `PERMISSION_DENIED`, 400
//!   `INVALID_ARGUMENT`).
//! - **GitHub Actions' OIDC token endpoint** ([`Config::with_github_actions_oidc`],
//!   [`Server::github_actions_oidc_url`]): a `GET` with the request token as
//!   bearer and an `audience` parameter, answered `{"count": 1, "value": <JWT>}`
//!   signed with the configured key (`iss` [`GITHUB_ISSUER`], `sub`
//!   `repo:<owner>/<repo>:ref:refs/heads/main`), so a GitHub-to-Google chain runs
//!   on loopback.
//! - **Client authentication** (RFC 6749 §2.3, RFC 7523 §2.2): `client_secret_basic`
//!   (id and secret form-encoded before base64, RFC 6749 §2.3.1),
//!   `client_secret_post`, `private_key_jwt`, `client_secret_jwt` (`aud` = the token
//!   URL or the base URL; `iss` = `sub` = the client id; `jti` replay refused), or
//!   none. More than one method in a request is `invalid_request`.
//!
//! The token endpoint's request parsing, client authentication and JWT / SAML
//! bearer verification are the [`server`](crate::server) module's (the testkit
//! keeps its HTTP loop, state, profiles and faults); Basic credentials are
//! form-decoded only ([`Endpoint::strict_basic_decoding`](crate::server::Endpoint::strict_basic_decoding)),
//! so a client that does not encode them is caught here as Salesforce would.
//! - **DPoP** (RFC 9449): a token request with a `DPoP` proof (checked with
//!   [`jwt::dpop::verify_proof`](crate::jwt::dpop::verify_proof): `typ`, signature
//!   with the embedded key, `htm`/`htu`, `iat`, `jti` replay) gets a token bound to
//!   the proof's key (`token_type: DPoP`); the resource then takes it only as
//!   `Authorization: DPoP` with a proof carrying its `ath`, by the same key, and
//!   refuses it as a bearer token. [`Config::with_dpop_nonces`] makes both demand
//!   the server's nonce (`use_dpop_nonce` and a `DPoP-Nonce` header).
//!
//! Two [`Profile`]s shape the answers. `Generic` follows RFC 6749 §5.1
//! (`access_token`, `token_type`, `expires_in`, the requested `scope` echoed, a
//! `refresh_token` where one is issued; `Cache-Control: no-store`) and §5.2 (RFC
//! error codes, a description that says which check failed, 401 and
//! `WWW-Authenticate: Basic realm="testkit"` for bad Basic credentials).
//! `Salesforce` answers as a Salesforce org: no `expires_in`; `access_token`,
//! `scope` (the requested one, else `api`), `instance_url` (the base URL), `id`
//! (`<base>/id/<org id>/<user id>`, stable per user), `token_type`; client
//! credentials and refresh responses add `issued_at` (milliseconds, as a string) and
//! `signature` (base64 of HMAC-SHA256 keyed with the client secret over `id` then
//! `issued_at`; omitted for a client without a secret), client credentials
//! `api_instance_url` (the base URL); a `refresh_token` only from a rotating refresh.
//! Errors use Salesforce's strings, and the resource answers 401
//! `INVALID_SESSION_ID` once a token has expired.
//!
//! [`Server::start_tls`] serves the same behind TLS (rustls on ring, a certificate
//! from the test CA [`TLS_CA_PEM`]) and asks for a client certificate: mutual TLS
//! client authentication (`tls_client_auth`, `self_signed_tls_client_auth`,
//! RFC 8705 §2) and certificate-bound tokens (RFC 8705 §3), checked at the
//! protected resource and shown by introspection.
//!
//! Beside the token endpoint it serves introspection (RFC 7662,
//! [`Server::introspection_url`]: client credentials checked as at the token
//! endpoint when sent) and revocation (RFC 7009, [`Server::revocation_url`]: an
//! access token alone, a refresh token with its grant; the Salesforce profile
//! asks no client authentication and answers 400 `invalid_token` for an unknown
//! token), and who a token's user is: `GET /services/oauth2/userinfo` and the
//! identity URL (`id`) of a Salesforce-profile token response, with the token as
//! a bearer token.
//!
//! Faults ([`Fault`]) can be injected for the next requests: a status with any body,
//! a delay, or a connection closed with no response. Every request received is
//! logged ([`Server::requests`]) for wire-shape tests.
//!
//! Everything belongs to the [`Server`] value: no global state; dropping it stops
//! the thread and frees the port.
//!
//! ```
//! use std::io::{Read, Write};
//! use s2s_oauth::testkit::{Client, Config, Profile, Server};
//!
//! let server = Server::start(
//!     Config::new(Profile::Salesforce).with_client(
//!         Client::new("my-app").with_secret("s3cr3t").with_run_as("integration@example.com"),
//!     ),
//! )?;
//!
//! // A client-credentials request, written by hand.
//! let body = "grant_type=client_credentials&client_id=my-app&client_secret=s3cr3t";
//! let authority = server.base_url().trim_start_matches("http://").to_owned();
//! let mut stream = std::net::TcpStream::connect(&authority)?;
//! write!(
//!     stream,
//!     "POST /services/oauth2/token HTTP/1.1\r\nHost: {authority}\r\n\
//!      Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
//!     body.len()
//! )?;
//! let mut response = String::new();
//! stream.read_to_string(&mut response)?;
//! assert!(response.starts_with("HTTP/1.1 200 OK"));
//! assert!(response.contains("\"instance_url\""));
//!
//! // The form as the server decoded it.
//! let requests = server.requests();
//! assert_eq!(requests[0].form_value("grant_type"), Some("client_credentials"));
//! # Ok::<(), std::io::Error>(())
//! ```

mod client_auth;
mod config;
mod dpop;
mod exchange;
mod faults;
mod github;
mod google;
mod introspect;
mod jwt_access;
mod metadata;
mod profile;
mod record;
mod resource;
mod revoke;
mod salesforce_exchange;
mod server;
mod state;
mod tls;
mod token;
mod userinfo;
mod wire;

pub use config::{Client, Config, Profile};
pub use exchange::TrustedIssuer;
pub use faults::Fault;
pub use github::GITHUB_ISSUER;
pub use record::RecordedRequest;
pub use server::Server;
pub use tls::TLS_CA_PEM;
