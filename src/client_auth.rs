//! Client authentication (RFC 6749 §2.3, RFC 7523 §2.2, OIDC Core §9): each method
//! turns into headers and form parameters; the grant merges them without knowing
//! which method it was.

use std::time::Duration;

use crate::key::SigningKey;
use crate::secret::ClientSecret;

/// How the client authenticates to the token endpoint. Combinable with any grant.
#[derive(Debug, Clone)]
pub struct ClientAuth {
    pub(crate) method: Method,
}

#[derive(Debug, Clone)]
pub(crate) enum Method {
    None {
        client_id: Option<String>,
    },
    SecretBasic {
        client_id: String,
        secret: ClientSecret,
    },
    SecretPost {
        client_id: String,
        secret: ClientSecret,
    },
    PrivateKeyJwt {
        client_id: String,
        key: SigningKey,
        audience: Option<String>,
        lifetime: Duration,
    },
    ClientSecretJwt {
        client_id: String,
        key: SigningKey,
        audience: Option<String>,
        lifetime: Duration,
    },
}
