//! Salesforce's other OAuth endpoints: introspection (`/services/oauth2/introspect`),
//! revocation (`/services/oauth2/revoke`), the OpenID Connect UserInfo endpoint
//! (`/services/oauth2/userinfo`) and the identity URL a token response names
//! (`id`).
//!
//! What Salesforce's documentation says, and what is inferred:
//! - Introspection takes `token`, `token_type_hint` and the connected app's
//!   `client_id` and `client_secret`, in the body or as Basic credentials; the
//!   answer is RFC 7662's with `token_type` naming the kind of token
//!   (`access_token`, `refresh_token`) rather than RFC 6749 §7.1's `Bearer`, and
//!   `sub` the identity URL. (Documented: "OpenID Connect Token Introspection".)
//! - Revocation takes `token` alone, as a form POST (Salesforce also takes a GET
//!   with `?token=`, which would put the token in logs: not used here). An access
//!   token is revoked alone, a refresh token with its access tokens. Unlike RFC
//!   7009 §2.2, every error is a 400, an invalid token included (`invalid_token`,
//!   or `unsupported_token_type`): both come back as [`Error::OAuth`].
//!   (Documented: "Revoke OAuth Tokens"; no client authentication is named
//!   there, so none is sent: inferred that the token is its own proof.)
//! - UserInfo and the identity URL are GETs with `Authorization: Bearer` (both
//!   also take an `oauth_token` parameter, not used: it would put the token in
//!   the URL). The answers are JSON objects with `Accept: application/json`. A
//!   token that is no longer good gets a 401 or 403 with a short text body
//!   (`Bad_OAuth_Token`, inferred from what clients report; not in the docs):
//!   that is [`Error::NotJson`] or [`Error::UnexpectedStatus`] carrying the status.

use serde_json::{Map, Value};

use super::LoginHost;
use crate::client_auth::ClientAuth;
use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};
use crate::introspection::{self, IntrospectionRequest, RevocationRequest};
use crate::json::{self, FieldError};
use crate::redact::{names, redacted_debug};
use crate::secrets::{AccessToken, SecurityToken};

use super::TokenInfo;

/// An introspection request to `host`'s `/services/oauth2/introspect`, for
/// `token` with the connected app's credentials (`auth`: Salesforce documents
/// `client_secret_basic` and `client_secret_post`).
///
/// ```
/// use s2s_oauth::ClientAuth;
/// use s2s_oauth::providers::salesforce::{self, LoginHost};
///
/// let host = LoginHost::my_domain("https://acme.my.salesforce.com")?;
/// let request = salesforce::introspect(&host, "00Dxx!AQ...", ClientAuth::basic("3MVG9...", "secret"))?;
/// assert_eq!(request.url(), "https://acme.my.salesforce.com/services/oauth2/introspect");
/// // request.send(&s2s_oauth::agent())?.is_active()
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn introspect(
    host: &LoginHost,
    token: impl Into<SecurityToken>,
    auth: ClientAuth,
) -> Result<IntrospectionRequest, Error> {
    IntrospectionRequest::new(host.introspection_url(), token, auth)
}

/// A revocation request to `host`'s `/services/oauth2/revoke` for `token` (an
/// access token alone; a refresh token with its access tokens), as a form POST
/// with no client authentication (Salesforce names none).
///
/// ```
/// use s2s_oauth::providers::salesforce::{self, LoginHost};
///
/// let request = salesforce::revoke(&LoginHost::production(), "5Aep861...")?;
/// assert_eq!(request.url(), "https://login.salesforce.com/services/oauth2/revoke");
/// // request.send(&s2s_oauth::agent())?  (an invalid token: Error::OAuth, 400 invalid_token)
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn revoke(
    host: &LoginHost,
    token: impl Into<SecurityToken>,
) -> Result<RevocationRequest, Error> {
    RevocationRequest::new(host.revocation_url(), token, ClientAuth::none())
}

/// A GET of `url` with the access token as a bearer token.
fn bearer_get(url: &str, token: &AccessToken) -> Result<HttpRequest, Error> {
    let url = crate::url::EndpointUrl::parse(url)?;
    Ok(HttpRequest {
        method: "GET",
        url: url.into_string(),
        headers: vec![
            ("Accept", "application/json".to_owned()),
            ("Authorization", format!("Bearer {}", token.expose_secret())),
        ],
        body: Vec::new(),
    })
}

/// The OpenID Connect UserInfo answer of Salesforce (`/services/oauth2/userinfo`):
/// the standard claims Salesforce fills, its own `user_id` and `organization_id`,
/// and every other member (`urls`, `photos`, `zoneinfo`…) in
/// [`extra`](Self::extra).
///
/// ```
/// use s2s_oauth::HttpResponse;
/// use s2s_oauth::providers::salesforce::UserInfo;
///
/// let body = br#"{"sub":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS",
///   "user_id":"005xx000001SwiUAAS","organization_id":"00Dxx0000001gPLEAY",
///   "preferred_username":"integration@acme.com","email":"ops@acme.com","email_verified":true,
///   "urls":{"rest":"https://acme.my.salesforce.com/services/data/v{version}/"}}"#;
/// let info = UserInfo::parse(&HttpResponse::new(200, vec![], body.to_vec()))?;
/// assert_eq!(info.user_id(), Some("005xx000001SwiUAAS"));
/// assert_eq!(info.preferred_username(), Some("integration@acme.com"));
/// assert_eq!(info.email_verified(), Some(true));
/// assert!(info.extra().contains_key("urls"));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct UserInfo {
    sub: Option<String>,
    user_id: Option<String>,
    organization_id: Option<String>,
    preferred_username: Option<String>,
    name: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
    extra: Map<String, Value>,
}

// Names and addresses are personal data: the members' names only.
redacted_debug!(UserInfo as info: extra = names(info.extra.keys()));

impl UserInfo {
    /// The GET of `host`'s UserInfo endpoint with `access_token` as a bearer token.
    ///
    /// ```
    /// use s2s_oauth::providers::salesforce::{LoginHost, UserInfo};
    /// use s2s_oauth::secret::AccessToken;
    ///
    /// let host = LoginHost::my_domain("https://acme.my.salesforce.com")?;
    /// let http = UserInfo::request(&host, &AccessToken::new("00Dxx!AQ"))?;
    /// assert_eq!((http.method(), http.url()), ("GET", "https://acme.my.salesforce.com/services/oauth2/userinfo"));
    /// assert_eq!(http.header("authorization"), Some("Bearer 00Dxx!AQ"));
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn request(host: &LoginHost, access_token: &AccessToken) -> Result<HttpRequest, Error> {
        bearer_get(&host.userinfo_url(), access_token)
    }

    /// Reads the answer: a 200 JSON object (members of the wrong JSON type are
    /// [`Error::MalformedResponse`] naming them); any other answer is triaged as
    /// a token endpoint's.
    pub fn parse(response: &HttpResponse) -> Result<Self, Error> {
        let mut object = introspection::json_object(response, "the UserInfo endpoint")?;
        let fail = |e: FieldError| introspection::malformed(response, format!("UserInfo {e}"));
        Ok(UserInfo {
            sub: json::take_string(&mut object, "sub").map_err(fail)?,
            user_id: json::take_string(&mut object, "user_id").map_err(fail)?,
            organization_id: json::take_string(&mut object, "organization_id").map_err(fail)?,
            preferred_username: json::take_string(&mut object, "preferred_username")
                .map_err(fail)?,
            name: json::take_string(&mut object, "name").map_err(fail)?,
            email: json::take_string(&mut object, "email").map_err(fail)?,
            email_verified: take_bool(&mut object, "email_verified").map_err(fail)?,
            extra: object,
        })
    }

    /// Sends [`request`](Self::request) with `agent` and parses the answer.
    #[cfg(feature = "ureq")]
    pub fn fetch(
        host: &LoginHost,
        access_token: &AccessToken,
        agent: &ureq::Agent,
    ) -> Result<Self, Error> {
        let request = Self::request(host, access_token)?;
        Self::parse(&request.send(agent, &crate::SendOptions::default())?)
    }

    /// `sub`: Salesforce puts the identity URL here.
    pub fn subject(&self) -> Option<&str> {
        self.sub.as_deref()
    }

    /// `user_id` (starts with `005`).
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// `organization_id` (starts with `00D`).
    pub fn organization_id(&self) -> Option<&str> {
        self.organization_id.as_deref()
    }

    /// `preferred_username`: the Salesforce username.
    pub fn preferred_username(&self) -> Option<&str> {
        self.preferred_username.as_deref()
    }

    /// `name`: the user's full name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// `email`.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// `email_verified`.
    pub fn email_verified(&self) -> Option<bool> {
        self.email_verified
    }

    /// Every other member, as sent.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

/// The answer of a Salesforce identity URL (the `id` of a token response,
/// `https://login.salesforce.com/id/<org id>/<user id>`): who the token's user
/// is, with every other member (`urls`, `photos`, `status`…) in
/// [`extra`](Self::extra).
///
/// ```
/// use s2s_oauth::HttpResponse;
/// use s2s_oauth::providers::salesforce::Identity;
///
/// let body = br#"{"id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS",
///   "user_id":"005xx000001SwiUAAS","organization_id":"00Dxx0000001gPLEAY","username":"integration@acme.com",
///   "display_name":"Integration","active":true,"user_type":"STANDARD","urls":{}}"#;
/// let identity = Identity::parse(&HttpResponse::new(200, vec![], body.to_vec()))?;
/// assert_eq!(identity.username(), Some("integration@acme.com"));
/// assert_eq!(identity.is_active(), Some(true));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Identity {
    id: Option<String>,
    user_id: Option<String>,
    organization_id: Option<String>,
    username: Option<String>,
    display_name: Option<String>,
    email: Option<String>,
    active: Option<bool>,
    user_type: Option<String>,
    extra: Map<String, Value>,
}

redacted_debug!(Identity as identity: id, user_id, organization_id, active, user_type,
    extra = names(identity.extra.keys()));

impl Identity {
    /// The GET of the token's identity URL ([`TokenInfo::identity_url`], checked
    /// when the token response was read) with `access_token` as a bearer token.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use s2s_oauth::{HttpResponse, TokenResponse};
    /// use s2s_oauth::providers::salesforce::{Identity, TokenInfo};
    ///
    /// let body = br#"{"access_token":"00Dxx!AQ","instance_url":"https://acme.my.salesforce.com",
    ///   "id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS"}"#;
    /// let token = TokenResponse::parse(&HttpResponse::new(200, vec![], body.to_vec()), SystemTime::now())?;
    /// let http = Identity::request(&TokenInfo::from_response(&token)?, token.access_token())?;
    /// assert_eq!(http.url(), "https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS");
    /// assert_eq!(http.header("authorization"), Some("Bearer 00Dxx!AQ"));
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn request(info: &TokenInfo, access_token: &AccessToken) -> Result<HttpRequest, Error> {
        bearer_get(info.identity_url(), access_token)
    }

    /// Reads the answer, as [`UserInfo::parse`] does.
    pub fn parse(response: &HttpResponse) -> Result<Self, Error> {
        let mut object = introspection::json_object(response, "the identity URL")?;
        let fail = |e: FieldError| introspection::malformed(response, format!("identity {e}"));
        Ok(Identity {
            id: json::take_string(&mut object, "id").map_err(fail)?,
            user_id: json::take_string(&mut object, "user_id").map_err(fail)?,
            organization_id: json::take_string(&mut object, "organization_id").map_err(fail)?,
            username: json::take_string(&mut object, "username").map_err(fail)?,
            display_name: json::take_string(&mut object, "display_name").map_err(fail)?,
            email: json::take_string(&mut object, "email").map_err(fail)?,
            active: take_bool(&mut object, "active").map_err(fail)?,
            user_type: json::take_string(&mut object, "user_type").map_err(fail)?,
            extra: object,
        })
    }

    /// Sends [`request`](Self::request) with `agent` and parses the answer.
    #[cfg(feature = "ureq")]
    pub fn fetch(
        info: &TokenInfo,
        access_token: &AccessToken,
        agent: &ureq::Agent,
    ) -> Result<Self, Error> {
        let request = Self::request(info, access_token)?;
        Self::parse(&request.send(agent, &crate::SendOptions::default())?)
    }

    /// `id`: the identity URL itself.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// `user_id` (starts with `005`).
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// `organization_id` (starts with `00D`).
    pub fn organization_id(&self) -> Option<&str> {
        self.organization_id.as_deref()
    }

    /// `username`: the Salesforce username.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// `display_name`.
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// `email`.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// `active`: whether the user is active.
    pub fn is_active(&self) -> Option<bool> {
        self.active
    }

    /// `user_type` (`STANDARD`…).
    pub fn user_type(&self) -> Option<&str> {
        self.user_type.as_deref()
    }

    /// Every other member, as sent.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

/// Takes a boolean member out of `object` (`null`: absent).
fn take_bool(
    object: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<bool>, FieldError> {
    match object.get(name) {
        None | Some(Value::Null) => {
            object.remove(name);
            Ok(None)
        }
        Some(Value::Bool(b)) => {
            let b = *b;
            object.remove(name);
            Ok(Some(b))
        }
        Some(_) => Err(FieldError {
            name,
            problem: json::Problem::WrongType("not a boolean"),
            expected: "true or false",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_of_the_wrong_type_are_named_and_errors_triaged() {
        let bad = HttpResponse::new(200, vec![], br#"{"user_id":5}"#.to_vec());
        let error = UserInfo::parse(&bad).unwrap_err();
        assert!(error.to_string().contains("user_id"), "{error}");
        let bad = HttpResponse::new(200, vec![], br#"{"active":"yes"}"#.to_vec());
        let error = Identity::parse(&bad).unwrap_err();
        assert!(matches!(error, Error::MalformedResponse(_)), "{error:?}");
        let expired = HttpResponse::new(403, vec![], b"Bad_OAuth_Token".to_vec());
        assert!(matches!(Identity::parse(&expired), Err(Error::NotJson(_))));
        let refused = HttpResponse::new(401, vec![], br#"{"error":"invalid_token"}"#.to_vec());
        let error = UserInfo::parse(&refused).unwrap_err();
        assert_eq!(
            error.oauth_error().map(|e| e.code.as_str()),
            Some("invalid_token")
        );
        assert!(matches!(
            UserInfo::parse(&HttpResponse::new(200, vec![], b"[]".to_vec())),
            Err(Error::MalformedResponse(_))
        ));
    }

    #[test]
    fn debug_shows_no_personal_data() {
        let body = br#"{"name":"Ada Lovelace","email":"ada@example.com","urls":{}}"#;
        let info = UserInfo::parse(&HttpResponse::new(200, vec![], body.to_vec())).unwrap();
        let debug = format!("{info:?}");
        assert!(!debug.contains("Ada") && !debug.contains("ada@"), "{debug}");
    }
}
