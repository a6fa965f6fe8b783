//! The receiving side's token endpoint core, sans-IO: a token request in, a
//! verified client and grant out, an RFC 6749 §5 answer back.
//!
//! This module does no network I/O. The caller's HTTP server (any blocking one,
//! or `std::net` as in `examples/token_endpoint.rs`) hands over the method, the
//! headers, the body and the TLS client certificate, if any; the caller decides
//! on the verified grant (which user, which scope) and issues the token.
//!
//! 1. [`Request::parse`]: a POST with an `application/x-www-form-urlencoded` body
//!    of at most [`MAX_BODY`] bytes, no repeated parameter.
//! 2. [`authenticate`]: the client by `client_secret_basic` (form-decoded per RFC
//!    6749 §2.3.1 *and* as sent: many clients do not encode), `client_secret_post`,
//!    `private_key_jwt`, `client_secret_jwt` (RFC 7523 §2.2, `jti` through the
//!    caller's [`ReplayCache`](crate::jwt::ReplayCache)), `tls_client_auth` or
//!    `self_signed_tls_client_auth` (RFC 8705 §2) against registered [`Client`]s;
//!    secrets compared in constant time.
//! 3. [`verify_jwt_bearer`] / `verify_saml_bearer` (feature `saml`): the grant's
//!    assertion against registered [`Issuer`]s by RFC 7523 §3 / RFC 7522 §3.
//! 4. [`Success`] / [`Refusal`]: the RFC 6749 §5.1 / §5.2 answer as an
//!    [`HttpResponse`](crate::HttpResponse) (status, `Cache-Control: no-store`,
//!    `Pragma: no-cache`, `WWW-Authenticate` on a 401 with the scheme the client
//!    used, JSON).
//!
//! Keys are found through the [`Keys`] seam: one key, several, keys by `kid`, or
//! a key set.
//!
//! ```
//! use std::collections::{BTreeMap, HashMap};
//! use std::time::SystemTime;
//! use s2s_oauth::server::{self, Client, Endpoint, ErrorCode, Refusal, Request, Success};
//!
//! let clients: BTreeMap<String, Client> =
//!     [("job".to_owned(), Client::new("job").with_secret("s3cr3t"))].into();
//! let endpoint = Endpoint::new("https://as.example/token");
//! let mut seen: HashMap<String, SystemTime> = HashMap::new();
//!
//! let mut answer = |method: &str, headers: &[(&str, &str)], body: &[u8]| {
//!     let request = Request::parse(method, headers, body)?;
//!     let caller = server::authenticate(&request, &clients, &endpoint, None, &mut seen, SystemTime::now())?;
//!     match request.grant_type() {
//!         "client_credentials" => {
//!             let client = caller.require()?;
//!             Ok(Success::bearer(format!("token-for-{}", client.id())))
//!         }
//!         other => Err(Refusal::new(ErrorCode::UnsupportedGrantType, format!("{other} is not served"))),
//!     }
//! };
//! let form = [("Content-Type", "application/x-www-form-urlencoded")];
//! let ok = answer("POST", &form, b"grant_type=client_credentials&client_id=job&client_secret=s3cr3t");
//! assert_eq!(ok.map(|s| s.to_http_response().status()), Ok(200));
//! let wrong = answer("POST", &form, b"grant_type=client_credentials&client_id=job&client_secret=guess");
//! assert_eq!(wrong.unwrap_err().to_http_response().status(), 401);
//! ```

mod authenticate;
mod endpoint;
mod grant;
mod refusal;
mod registry;
mod request;
mod success;

pub use authenticate::{Authenticated, JWT_ASSERTION_TYPE, Method, authenticate};
// The testkit's token endpoint is built on these.
/// The RFC 6749 §5.2 codes ([`error::ErrorCode`](crate::error::ErrorCode), the
/// client's type for them too), here for [`Refusal::new`].
pub use crate::error::ErrorCode;
#[cfg(feature = "testkit")]
pub(crate) use authenticate::{Credentials, authenticate_credentials, credentials, lookup};
pub use endpoint::Endpoint;
#[cfg(feature = "saml")]
pub use grant::verify_saml_bearer;
pub use grant::{JWT_BEARER, JwtBearer, SAML2_BEARER, verify_jwt_bearer};
pub use refusal::{Reason, Refusal};
pub use registry::{Client, Clients, Issuer, Issuers, Keys, PeerCertificate, TlsClientAuth};
pub use request::{GrantType, MAX_BODY, Request};
pub use success::Success;
