//! Mutual TLS and trust (RFC 8705): agents that trust a private CA or present a
//! client certificate, and the resource server's check that a token is bound to
//! the certificate it was presented with.
//!
//! **Client side** (feature `ureq`): [`AgentTls`] builds an agent that trusts extra
//! certificate authorities (an identity provider on a corporate CA) and/or presents
//! a client certificate. With a certificate, the client authenticates with
//! [`ClientAuth::tls_client_auth`](crate::ClientAuth::tls_client_auth) or
//! [`ClientAuth::self_signed_tls_client_auth`](crate::ClientAuth::self_signed_tls_client_auth)
//! (RFC 8705 §2), or any other method, and the server may bind the token to the
//! certificate (RFC 8705 §3). Discovery's `mtls_endpoint_aliases` (RFC 8705 §5)
//! are used by
//! [`AuthorizationServerMetadata::token_request`](crate::discovery::AuthorizationServerMetadata::token_request)
//! for those methods.
//!
//! **Verifier side** (no feature needed): [`check_certificate_binding`] compares
//! a token's `cnf` `x5t#S256` (from a verified JWT access token or an
//! introspection answer) with the certificate the client presented on the TLS
//! connection (RFC 8705 §3.1, §3.2).
//!
//! ```
//! use s2s_oauth::Certificate;
//! use s2s_oauth::tls::{BindingError, check_certificate_binding};
//!
//! let presented = Certificate::from_pem(include_str!("../tests/data/tls/client.cert.pem"))?;
//! // The claims of a verified JWT access token, or an introspection response.
//! let claims = serde_json::json!({
//!     "sub": "mtls-client",
//!     "cnf": { "x5t#S256": presented.x5t_s256() },
//! });
//! check_certificate_binding(claims.as_object().unwrap(), presented.der())?;
//!
//! let other = Certificate::from_pem(include_str!("../tests/data/tls/self-signed-client.cert.pem"))?;
//! assert_eq!(
//!     check_certificate_binding(claims.as_object().unwrap(), other.der()),
//!     Err(BindingError::Mismatch)
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod binding;

pub use binding::{BindingError, check_certificate_binding};

#[cfg(feature = "ureq")]
pub use crate::transport::tls::AgentTls;
