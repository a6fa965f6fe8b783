//! Keycloak: a realm's token URL, and the Client Credentials grant (RFC 6749 §4.4)
//! with `private_key_jwt` (RFC 7523 §2.2; Keycloak's "Signed JWT" client
//! authenticator).

use crate::client_auth::ClientAuth;
use crate::error::{Error, InputField};
use crate::grant::Grant;
use crate::key::SigningKey;
use crate::request::TokenRequest;
use crate::url::EndpointUrl;

/// A realm's token URL: `<base>/realms/<realm>/protocol/openid-connect/token`.
/// For Keycloak before version 17 (WildFly), include the `/auth` prefix in
/// `base_url`.
///
/// ```
/// assert_eq!(
///     s2s_oauth::providers::keycloak::token_url("https://sso.example.com", "acme")?,
///     "https://sso.example.com/realms/acme/protocol/openid-connect/token"
/// );
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn token_url(base_url: &str, realm: &str) -> Result<String, Error> {
    let base = EndpointUrl::base(
        base_url,
        "a Keycloak base URL has no query; pass e.g. https://sso.example.com",
    )?
    .into_string();
    let realm = crate::url::segment(realm, InputField::Realm, "Keycloak realm name")?;
    Ok(format!(
        "{base}/realms/{realm}/protocol/openid-connect/token"
    ))
}

/// Client Credentials with `private_key_jwt`: `iss` = `sub` = the client id,
/// `aud` = the token URL, a fresh `jti`, `exp` 60 s ahead. Keycloak finds the
/// public key by `kid` when the client uses a JWKS URL: set it with
/// [`SigningKey::with_kid`]; with an imported certificate it is not needed.
///
/// ```
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::providers::keycloak;
///
/// let key = SigningKey::from_pem(include_str!("../../tests/data/keys/rsa2048.pkcs8.pem"))?.with_kid("k1");
/// let url = keycloak::token_url("https://sso.example.com", "acme")?;
/// let request = keycloak::client_credentials(&url, "billing-job", key)?;
/// assert_eq!(request.auth().client_id(), Some("billing-job"));
/// // let token = request.send(&s2s_oauth::agent())?;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn client_credentials(
    token_url: &str,
    client_id: &str,
    key: SigningKey,
) -> Result<TokenRequest, Error> {
    TokenRequest::new(
        token_url,
        Grant::client_credentials(),
        ClientAuth::private_key_jwt(client_id, key)?,
    )
}
