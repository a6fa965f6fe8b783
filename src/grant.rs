//! Grants: the grant-specific form parameters of a token request.

use crate::jwt::Claims;
use crate::key::SigningKey;
use crate::secret::{Assertion, RefreshToken};

/// An authorization grant (RFC 6749 §1.3): what the client offers in exchange for a
/// token.
#[derive(Debug, Clone)]
pub struct Grant {
    pub(crate) kind: GrantKind,
}

#[derive(Debug, Clone)]
pub(crate) enum GrantKind {
    /// RFC 7523 §2.1, signed when the request is built (fresh `exp` and `jti` on
    /// every attempt).
    JwtBearer { claims: Claims, key: SigningKey },
    /// RFC 7523 §2.1 with an assertion the caller signed.
    JwtBearerAssertion(Assertion),
    /// RFC 7522 §2.1: the SAML assertion XML, base64url-encoded when sent.
    Saml2Bearer(Assertion),
    /// RFC 6749 §4.4.
    ClientCredentials,
    /// RFC 6749 §6.
    RefreshToken(RefreshToken),
}
