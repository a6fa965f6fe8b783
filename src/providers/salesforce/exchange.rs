//! Salesforce's OAuth 2.0 Token Exchange flow (RFC 8693 at
//! `<host>/services/oauth2/token`): a token from an external identity provider,
//! validated by the org's Apex token exchange handler, for a Salesforce token.
//!
//! Sources: Salesforce Help "OAuth 2.0 Token Exchange Flow"
//! (`remoteaccess_token_exchange_overview`, `…_diagram`, `…_integrate`), the Apex
//! reference `Auth.OAuth2TokenExchangeType` (the five subject token types) and the
//! object reference `OauthTokenExchHandlerApp` (`token_handler`). What is inferred
//! rather than documented is marked so below.

use crate::client_auth::ClientAuth;
use crate::error::{Error, InputField, InputProblem};
use crate::exchange::{TokenExchange, TokenSource, TokenTypeUri};
use crate::grant::Grant;
use crate::request::TokenRequest;
use crate::secrets::ClientSecret;

use super::LoginHost;
use super::flows::check_consumer_key;

/// The `subject_token_type` Salesforce's Apex reference gives for a JWT
/// (`Auth.OAuth2TokenExchangeType.JWT`): `urn:ietf:params:oauth:token-type:JWT`,
/// with `JWT` in capitals where RFC 8693 §3 writes `jwt`. *Documented*: the
/// reference says the enum's values "must correspond to the subject_token_type in
/// the token request" and spells this one in capitals (the pages of releases 252,
/// 256 and 264 alike), so the preset sends Salesforce's spelling.
/// *Not documented*: whether the RFC's lower-case spelling is accepted too (the
/// flow's Help pages searched show no request sample); it is not sent. The asset
/// token flow's `actor_token_type` is another matter: Salesforce's sample sends
/// the RFC's `…:jwt` there, and so does [`asset_token`](super::asset_token).
pub const JWT_SUBJECT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:JWT";

/// Whether Salesforce's token exchange flow takes `subject_type`: the five types
/// of `Auth.OAuth2TokenExchangeType` (access token, refresh token, ID token, JWT,
/// SAML 2.0 assertion). Any other (a SAML 1.1 assertion, a provider's own URI) is
/// [`Error::InvalidInput`] for [`InputField::TokenType`] with
/// [`InputProblem::Unsupported`], before anything is read or sent.
///
/// ```
/// use s2s_oauth::exchange::TokenTypeUri;
/// use s2s_oauth::providers::salesforce;
///
/// salesforce::check_subject_token_type(&TokenTypeUri::IdToken)?;
/// assert!(salesforce::check_subject_token_type(&TokenTypeUri::Saml1).is_err());
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn check_subject_token_type(subject_type: &TokenTypeUri) -> Result<(), Error> {
    match subject_type {
        TokenTypeUri::AccessToken
        | TokenTypeUri::RefreshToken
        | TokenTypeUri::IdToken
        | TokenTypeUri::Jwt
        | TokenTypeUri::Saml2 => Ok(()),
        TokenTypeUri::Other(uri) if uri == JWT_SUBJECT_TOKEN_TYPE => Ok(()),
        other => Err(Error::input(
            InputField::TokenType,
            InputProblem::Unsupported,
            format!(
                "Salesforce's token exchange flow takes subject tokens of type access_token, refresh_token, id_token, jwt or saml2, not {other}; send one of those (the org's Apex token exchange handler validates it)"
            ),
        )),
    }
}

/// The `subject_token_type` to send to Salesforce's token exchange flow for
/// `subject_type`: checked by [`check_subject_token_type`], then
/// [`JWT_SUBJECT_TOKEN_TYPE`] for a JWT and the RFC 8693 URI for the others. For
/// a request built by hand (another client authentication, extra parameters);
/// [`token_exchange`] does this itself.
///
/// ```
/// use s2s_oauth::exchange::TokenTypeUri;
/// use s2s_oauth::providers::salesforce;
///
/// let jwt = salesforce::subject_token_type(TokenTypeUri::Jwt)?;
/// assert_eq!(jwt.as_str(), "urn:ietf:params:oauth:token-type:JWT");
/// assert_eq!(salesforce::subject_token_type(TokenTypeUri::IdToken)?, TokenTypeUri::IdToken);
/// assert!(salesforce::subject_token_type(TokenTypeUri::Saml1).is_err());
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn subject_token_type(subject_type: TokenTypeUri) -> Result<TokenTypeUri, Error> {
    check_subject_token_type(&subject_type)?;
    Ok(match subject_type {
        TokenTypeUri::Jwt => TokenTypeUri::Other(JWT_SUBJECT_TOKEN_TYPE.to_owned()),
        other => other,
    })
}

/// Salesforce's token exchange flow: `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`,
/// `subject_token` (read from `subject` each time the request is built),
/// `subject_token_type`, and `client_id` = the consumer key, posted to
/// [`LoginHost::token_url`] (the My Domain or Experience Cloud site host: the
/// handler is set up in that org).
///
/// With `consumer_secret`, `client_secret` goes in the body too: Salesforce
/// requires it when the app has *Require Secret for Token Exchange Flow* on;
/// without, the app is a public client and `client_id` alone is sent. *Inferred*:
/// `Authorization: Basic` is not documented for this flow, so the preset sends the
/// secret in the body, as Salesforce's examples of its other flows do.
///
/// Optional parameters go on the request: `scope` with
/// [`TokenRequest::with_scope`] (a subset of the app's scopes), the handler's name
/// with `with_param("token_handler", …)` (else the app's default handler). The
/// answer is Salesforce's token response (`access_token`, `instance_url`, `id`,
/// `issued_token_type`, maybe `refresh_token` and `id_token`), read with
/// [`TokenInfo`](super::TokenInfo).
///
/// A subject type Salesforce does not take is refused here
/// ([`subject_token_type`]).
///
/// ```
/// use std::time::SystemTime;
/// use ring::rand::SystemRandom;
/// use s2s_oauth::exchange::{TokenSource, TokenTypeUri};
/// use s2s_oauth::providers::salesforce::{self, LoginHost};
/// use s2s_oauth::secret::SecurityToken;
///
/// let host = LoginHost::my_domain("https://acme.my.salesforce.com")?;
/// // The identity provider's ID token; TokenSource::file(...) for a rotated file.
/// let subject = TokenSource::new(SecurityToken::new("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln"));
/// let request = salesforce::token_exchange(&host, "3MVG9consumerKey", None, subject, TokenTypeUri::IdToken)?
///     .with_scope("api refresh_token")?
///     .with_param("token_handler", "OktaHandler")?;
/// let http = request.to_http_request(SystemTime::now(), &SystemRandom::new())?;
/// assert_eq!(http.url(), "https://acme.my.salesforce.com/services/oauth2/token");
/// assert_eq!(
///     std::str::from_utf8(http.body()).unwrap(),
///     "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange\
///      &subject_token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln\
///      &subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token\
///      &client_id=3MVG9consumerKey&scope=api+refresh_token&token_handler=OktaHandler"
/// );
/// // let token = request.send(&s2s_oauth::agent())?;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn token_exchange(
    host: &LoginHost,
    consumer_key: &str,
    consumer_secret: Option<ClientSecret>,
    subject: TokenSource,
    subject_type: TokenTypeUri,
) -> Result<TokenRequest, Error> {
    check_consumer_key(consumer_key)?;
    let exchange = TokenExchange::new(subject, subject_token_type(subject_type)?);
    let auth = match consumer_secret {
        Some(secret) => ClientAuth::post(consumer_key, secret),
        None => ClientAuth::none_with_client_id(consumer_key),
    };
    TokenRequest::new(host.token_url(), Grant::token_exchange(exchange), auth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SecurityToken;

    fn subject() -> TokenSource {
        TokenSource::new(SecurityToken::new("subject"))
    }

    #[test]
    fn the_five_documented_types_pass_and_no_other() {
        for ok in [
            TokenTypeUri::AccessToken,
            TokenTypeUri::RefreshToken,
            TokenTypeUri::IdToken,
            TokenTypeUri::Jwt,
            TokenTypeUri::Saml2,
            TokenTypeUri::Other(JWT_SUBJECT_TOKEN_TYPE.into()),
        ] {
            assert!(check_subject_token_type(&ok).is_ok(), "{ok}");
        }
        for bad in [
            TokenTypeUri::Saml1,
            TokenTypeUri::Other("urn:ietf:params:aws:token-type:aws4_request".into()),
            TokenTypeUri::Other("urn:ietf:params:oauth:token-type:Jwt".into()),
        ] {
            let err = check_subject_token_type(&bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput(e) if e.field() == InputField::TokenType
                    && e.problem() == InputProblem::Unsupported),
                "{bad}: {err:?}"
            );
            assert!(err.to_string().contains("access_token, refresh_token"));
        }
    }

    #[test]
    fn preset_refuses_before_reading_the_subject() {
        let never = TokenSource::from_fn(|| panic!("the subject must not be read"));
        let err = token_exchange(
            &LoginHost::production(),
            "key",
            None,
            never,
            TokenTypeUri::Saml1,
        )
        .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)));
        assert!(
            token_exchange(
                &LoginHost::production(),
                " ",
                None,
                subject(),
                TokenTypeUri::Jwt
            )
            .is_err()
        );
    }

    #[test]
    fn jwt_goes_out_in_salesforce_spelling_with_the_secret_in_the_body() {
        let request = token_exchange(
            &LoginHost::sandbox(),
            "key",
            Some(ClientSecret::new("s e c")),
            subject(),
            TokenTypeUri::Jwt,
        )
        .unwrap();
        let http = request.to_http_request_now().unwrap();
        let body = std::str::from_utf8(http.body()).unwrap();
        assert_eq!(
            body,
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=subject\
             &subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3AJWT&client_id=key&client_secret=s+e+c"
        );
        assert_eq!(
            http.url(),
            "https://test.salesforce.com/services/oauth2/token"
        );
        assert!(http.header("Authorization").is_none());
    }
}
