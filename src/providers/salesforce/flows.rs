//! Salesforce's server-to-server flows as ready [`TokenRequest`]s: JWT Bearer,
//! SAML 2.0 Bearer, Client Credentials and Refresh Token. Each is a plain request built on the
//! public API, to inspect, tweak (`with_scope`, `with_param`) and send.

use std::time::Duration;

use crate::client_auth::ClientAuth;
use crate::error::{Error, InputField, InputProblem};
use crate::grant::Grant;
use crate::jwt::{Claims, DEFAULT_LIFETIME};
#[cfg(feature = "saml")]
use crate::key::KeyType;
use crate::key::SigningKey;
use crate::key::algorithm::Algorithm;
use crate::request::TokenRequest;
#[cfg(feature = "saml")]
use crate::saml;
use crate::secrets::{ClientSecret, RefreshToken};

use super::{HostKind, LoginHost};

/// Salesforce's JWT Bearer flow (RFC 7523 §2.1): an RS256 assertion with `iss` =
/// the consumer key, `sub` = the username, `aud` = [`LoginHost::audience`] (the
/// login host, even when the request goes to My Domain) and `exp` 3 minutes ahead
/// (Salesforce's maximum), posted to [`LoginHost::token_url`] with no client
/// authentication. The assertion is signed anew each time the request is built.
///
/// `key` must be the RSA key whose certificate is uploaded to the connected app:
/// Salesforce verifies RS256 only, so another algorithm is refused here. The user
/// must have approved the app, or be pre-authorized through a profile or
/// permission set.
///
/// ```
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::providers::salesforce::{self, LoginHost};
///
/// let key = SigningKey::from_pem(include_str!("../../../tests/data/keys/rsa2048.pkcs8.pem"))?;
/// let host = LoginHost::my_domain("https://acme.my.salesforce.com")?;
/// let request = salesforce::jwt_bearer(&host, "3MVG9consumerKey", "integration@acme.com", key)?;
/// assert_eq!(request.token_url(), "https://acme.my.salesforce.com/services/oauth2/token");
/// // let token = request.send(&s2s_oauth::agent())?;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn jwt_bearer(
    host: &LoginHost,
    consumer_key: &str,
    username: &str,
    key: SigningKey,
) -> Result<TokenRequest, Error> {
    check_app_and_user(consumer_key, username)?;
    let claims =
        Claims::new(consumer_key, username, host.audience()).with_lifetime(DEFAULT_LIFETIME);
    check_jwt_bearer(&claims, &key)?;
    TokenRequest::new(
        host.token_url(),
        Grant::jwt_bearer(claims, key),
        ClientAuth::none(),
    )
}

/// Salesforce's SAML 2.0 Bearer flow (RFC 7522 §2.1): an assertion with `Issuer` =
/// the consumer key, `NameID` = the username, `Audience` = [`LoginHost::audience`]
/// (the login host, even for My Domain), `Recipient` = [`LoginHost::token_url`]
/// (where it is posted), a bearer `SubjectConfirmation` and `Conditions` valid 5
/// minutes; signed (enveloped XML-DSig, exclusive c14n, the certificate in
/// `KeyInfo`) by `signer` each time the request is built, and posted base64url-encoded
/// with no client authentication.
///
/// The signer's key must be RSA (Salesforce verifies RSA-SHA256 or RSA-SHA1
/// signatures) and its certificate the one uploaded to the connected app.
/// Feature `saml` (on by default).
///
/// ```
/// use s2s_oauth::{Certificate, SigningKey, saml::Signer};
/// use s2s_oauth::providers::salesforce::{self, LoginHost};
///
/// let key = SigningKey::from_pem(include_str!("../../../tests/data/keys/rsa2048.pkcs8.pem"))?;
/// let cert = Certificate::from_pem(include_str!("../../../tests/data/keys/rsa2048.cert.pem"))?;
/// let request = salesforce::saml_bearer(&LoginHost::production(), "3MVG9consumerKey", "integration@acme.com", Signer::new(key, cert)?)?;
/// assert_eq!(request.grant().grant_type(), "urn:ietf:params:oauth:grant-type:saml2-bearer");
/// // let token = request.send(&s2s_oauth::agent())?;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[cfg(feature = "saml")]
pub fn saml_bearer(
    host: &LoginHost,
    consumer_key: &str,
    username: &str,
    signer: saml::Signer,
) -> Result<TokenRequest, Error> {
    check_app_and_user(consumer_key, username)?;
    let token_url = host.token_url();
    let assertion =
        saml::Assertion::new(consumer_key, username, host.audience(), token_url.as_str());
    check_saml_bearer(&assertion, &signer)?;
    TokenRequest::new(
        token_url,
        Grant::saml2_bearer_signed(assertion, signer),
        ClientAuth::none(),
    )
}

/// Salesforce's Client Credentials flow (RFC 6749 §4.4): the consumer key and
/// secret in the body (`client_secret_post`), posted to the My Domain host. The
/// token acts as the connected app's "Run As" user.
///
/// `login.salesforce.com`, `test.salesforce.com` and Experience Cloud sites answer
/// `invalid_grant: request not supported on this domain`, so any host but
/// [`LoginHost::my_domain`] is refused here, before anything is sent.
///
/// ```
/// use s2s_oauth::providers::salesforce::{self, LoginHost};
///
/// let host = LoginHost::my_domain("https://acme.my.salesforce.com")?;
/// let request = salesforce::client_credentials(&host, "3MVG9consumerKey", "consumer-secret")?;
/// assert_eq!(request.auth().method_name(), "client_secret_post");
/// assert!(salesforce::client_credentials(&LoginHost::production(), "3MVG9consumerKey", "s").is_err());
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn client_credentials(
    host: &LoginHost,
    consumer_key: &str,
    consumer_secret: impl Into<ClientSecret>,
) -> Result<TokenRequest, Error> {
    check_client_credentials_host(host)?;
    check_consumer_key(consumer_key)?;
    let secret = consumer_secret.into();
    non_empty(
        secret.expose_secret(),
        InputField::ClientSecret,
        "consumer secret",
        "the connected app's Consumer Secret",
    )?;
    TokenRequest::new(
        host.token_url(),
        Grant::client_credentials(),
        ClientAuth::post(consumer_key, secret),
    )
}

/// Salesforce's Refresh Token flow (RFC 6749 §6): `refresh_token` and `client_id`
/// in the body, plus `client_secret` when given (required when the connected app
/// requires the secret for refresh). If the response carries a new refresh token
/// (rotation on), keep that one: re-using the old one revokes the new.
///
/// ```
/// use s2s_oauth::secret::{ClientSecret, RefreshToken};
/// use s2s_oauth::providers::salesforce::{self, LoginHost};
///
/// let request = salesforce::refresh_token(
///     &LoginHost::production(),
///     "3MVG9consumerKey",
///     Some(ClientSecret::new("consumer-secret")),
///     RefreshToken::new("5Aep861..."),
/// )?;
/// assert_eq!(request.grant().grant_type(), "refresh_token");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn refresh_token(
    host: &LoginHost,
    consumer_key: &str,
    consumer_secret: Option<ClientSecret>,
    refresh_token: RefreshToken,
) -> Result<TokenRequest, Error> {
    check_consumer_key(consumer_key)?;
    let auth = match consumer_secret {
        Some(secret) => ClientAuth::post(consumer_key, secret),
        None => ClientAuth::none_with_client_id(consumer_key),
    };
    TokenRequest::new(host.token_url(), Grant::refresh_token(refresh_token), auth)
}

/// The longest JWT Bearer assertion lifetime Salesforce accepts: 3 minutes
/// (`exp` at most 3 minutes ahead), the crate's default
/// ([`DEFAULT_LIFETIME`](crate::jwt::DEFAULT_LIFETIME)).
pub const MAX_JWT_LIFETIME: Duration = Duration::from_secs(180);

/// The longest SAML 2.0 Bearer assertion lifetime Salesforce accepts: 5 minutes.
#[cfg(feature = "saml")]
pub const MAX_SAML_LIFETIME: Duration = Duration::from_secs(300);

/// What Salesforce refuses in a JWT Bearer assertion, refused here before anything
/// is sent: a key that does not sign RS256 (an EC or Ed25519 key, or an RSA key
/// bound to PS256 or RS384...: Salesforce verifies RS256 only) and a lifetime over
/// [`MAX_JWT_LIFETIME`]. [`jwt_bearer`] applies it; a caller that builds its own
/// [`Claims`] (another audience, extra claims) checks them with it.
///
/// ```
/// use std::time::Duration;
/// use s2s_oauth::{Algorithm, SigningKey};
/// use s2s_oauth::jwt::Claims;
/// use s2s_oauth::providers::salesforce;
///
/// let key = SigningKey::from_pem(include_str!("../../../tests/data/keys/rsa2048.pkcs8.pem"))?;
/// let claims = Claims::new("3MVG9consumerKey", "integration@acme.com", salesforce::PRODUCTION);
/// salesforce::check_jwt_bearer(&claims, &key)?;
/// let long = claims.clone().with_lifetime(Duration::from_secs(300));
/// assert!(salesforce::check_jwt_bearer(&long, &key).is_err());
/// let ps256 = key.with_algorithm(Algorithm::PS256)?;
/// assert!(salesforce::check_jwt_bearer(&claims, &ps256).is_err());
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn check_jwt_bearer(claims: &Claims, key: &SigningKey) -> Result<(), Error> {
    if key.algorithm() != Algorithm::RS256 {
        return Err(Error::input(
            InputField::Key,
            InputProblem::Unsupported,
            format!(
                "Salesforce verifies JWT Bearer assertions with RS256 only, and this key signs {}; use the RSA private key whose certificate is uploaded to the connected app, with RS256",
                key.algorithm()
            ),
        ));
    }
    check_lifetime(claims.lifetime(), MAX_JWT_LIFETIME, "JWT Bearer")
}

/// What Salesforce refuses in a SAML 2.0 Bearer assertion, refused here before
/// anything is sent: a key that is not RSA (Salesforce verifies RSA-SHA256 and
/// RSA-SHA1 signatures only) and a lifetime over [`MAX_SAML_LIFETIME`].
/// [`saml_bearer`] applies it. Feature `saml`.
#[cfg(feature = "saml")]
pub fn check_saml_bearer(assertion: &saml::Assertion, signer: &saml::Signer) -> Result<(), Error> {
    if !matches!(signer.key().key_type(), KeyType::Rsa { .. }) {
        return Err(Error::input(
            InputField::Key,
            InputProblem::Unsupported,
            format!(
                "Salesforce verifies SAML signatures made with RSA only, and this key is {}; use the RSA private key whose certificate is uploaded to the connected app",
                signer.key().key_type()
            ),
        ));
    }
    check_lifetime(assertion.lifetime(), MAX_SAML_LIFETIME, "SAML Bearer")
}

/// Salesforce takes the Client Credentials flow only on a My Domain host:
/// `login.salesforce.com`, `test.salesforce.com` and Experience Cloud sites answer
/// `invalid_grant: request not supported on this domain`. [`client_credentials`]
/// applies it.
///
/// ```
/// use s2s_oauth::providers::salesforce::{self, LoginHost};
///
/// assert!(salesforce::check_client_credentials_host(&LoginHost::my_domain("https://acme.my.salesforce.com")?).is_ok());
/// assert!(salesforce::check_client_credentials_host(&LoginHost::sandbox()).is_err());
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn check_client_credentials_host(host: &LoginHost) -> Result<(), Error> {
    if host.kind() == HostKind::MyDomain {
        return Ok(());
    }
    Err(Error::input(
        InputField::Host,
        InputProblem::Unsupported,
        format!(
            "Salesforce accepts the Client Credentials flow only on the org's My Domain host, not on {} (it answers \"request not supported on this domain\"); use the My Domain URL, https://<your-domain>.my.salesforce.com",
            host.base_url()
        ),
    ))
}

/// An assertion `lifetime` longer than Salesforce's `max` for `flow`.
fn check_lifetime(lifetime: Duration, max: Duration, flow: &str) -> Result<(), Error> {
    if lifetime <= max {
        return Ok(());
    }
    Err(Error::input(
        InputField::Lifetime,
        InputProblem::OutOfRange,
        format!(
            "Salesforce refuses {flow} assertions valid for more than {} s, and this one is valid for {} s; use a lifetime of at most {} s",
            max.as_secs(),
            lifetime.as_secs(),
            max.as_secs()
        ),
    ))
}

/// The consumer key every flow needs: the connected app's client id.
pub(super) fn check_consumer_key(consumer_key: &str) -> Result<(), Error> {
    non_empty(
        consumer_key,
        InputField::ClientId,
        "consumer key",
        "the connected app's Consumer Key",
    )
}

/// The consumer key and username every user-bound flow needs.
fn check_app_and_user(consumer_key: &str, username: &str) -> Result<(), Error> {
    check_consumer_key(consumer_key)?;
    non_empty(
        username,
        InputField::Subject,
        "username",
        "the Salesforce username the token acts for",
    )
}

fn non_empty(value: &str, field: InputField, name: &str, what: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::input(
            field,
            InputProblem::Empty,
            format!("the {name} is empty; pass {what}"),
        ));
    }
    Ok(())
}
