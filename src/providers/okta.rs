//! Okta: the Client Credentials grant (RFC 6749 §4.4) with `private_key_jwt`
//! (RFC 7523 §2.2), the key named by `kid`.

use crate::client_auth::ClientAuth;
use crate::error::{Error, InputField, InputProblem, refuse_empty};
use crate::grant::Grant;
use crate::key::SigningKey;
use crate::request::TokenRequest;
use crate::url::EndpointUrl;

/// The token URL of an Okta org: `<org>/oauth2/<server>/v1/token` for a custom
/// authorization server (`default`, or its id), `<org>/oauth2/v1/token` for the
/// org authorization server (Okta's own APIs, `okta.*` scopes) when `server` is
/// `None`.
///
/// ```
/// use s2s_oauth::providers::okta;
/// assert_eq!(okta::token_url("https://acme.okta.com", Some("default"))?, "https://acme.okta.com/oauth2/default/v1/token");
/// assert_eq!(okta::token_url("https://acme.okta.com/", None)?, "https://acme.okta.com/oauth2/v1/token");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn token_url(org_url: &str, server: Option<&str>) -> Result<String, Error> {
    let org = EndpointUrl::base(
        org_url,
        "an Okta org URL has no query; pass e.g. https://acme.okta.com",
    )?
    .into_string();
    Ok(match server {
        Some(server) => {
            let server = crate::url::segment(
                server,
                InputField::AuthorizationServer,
                "Okta authorization server id",
            )?;
            format!("{org}/oauth2/{server}/v1/token")
        }
        None => format!("{org}/oauth2/v1/token"),
    })
}

/// Client Credentials with `private_key_jwt` to Okta: `iss` = `sub` = the client
/// id, `aud` = the token URL, a fresh `jti`, `exp` 60 s ahead (Okta accepts at
/// most an hour), header `kid` = the key id of the public key registered with the
/// app (Okta picks the key by it, so a key without `kid` is refused here). Okta
/// requires a scope for this grant.
///
/// ```
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::providers::okta;
///
/// let key = SigningKey::from_pem(include_str!("../../tests/data/keys/rsa2048.pkcs8.pem"))?.with_kid("my-key-1");
/// let url = okta::token_url("https://acme.okta.com", Some("default"))?;
/// let request = okta::client_credentials(&url, "0oa1b2c3d4", key, "orders.read")?;
/// assert_eq!(request.auth().method_name(), "private_key_jwt");
/// // let token = request.send(&s2s_oauth::agent())?;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn client_credentials(
    token_url: &str,
    client_id: &str,
    key: SigningKey,
    scope: &str,
) -> Result<TokenRequest, Error> {
    if key.kid().is_none_or(str::is_empty) {
        return Err(Error::input(
            InputField::Key,
            InputProblem::Missing,
            "Okta picks the client's public key by kid: set it with SigningKey::with_kid(<the kid of the JWK registered with the app>)",
        ));
    }
    refuse_empty(
        InputField::Scope,
        scope.trim(),
        "Okta requires a scope for client credentials; pass the custom scope(s) the app is granted",
    )?;
    TokenRequest::new(
        token_url,
        Grant::client_credentials(),
        ClientAuth::private_key_jwt(client_id, key)?,
    )?
    .with_scope(scope)
}
