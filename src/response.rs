//! `TokenResponse` (RFC 6749 §5.1) and the parsing of a token endpoint's answer,
//! success or error (§5.2), from an [`HttpResponse`] without any I/O.

mod fields;
mod object;
mod retry_after;
mod triage;

use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::error::Error;
use crate::exchange::TokenTypeUri;
use crate::http::HttpResponse;
use crate::redact::{names, redacted_debug};
use crate::secrets::{AccessToken, IdToken, RefreshToken, SecretJson};

pub(crate) use retry_after::parse as parse_retry_after;
pub(crate) use triage::{Answer, is_oauth_error, without_bom};

/// The `token_type` of a token response (RFC 6749 §7.1, §5.1).
///
/// ```
/// use s2s_oauth::TokenType;
/// assert_eq!(TokenType::from("bearer"), TokenType::Bearer);
/// assert_eq!(TokenType::from("dpop"), TokenType::DPoP);
/// assert_eq!(TokenType::from("N_A").as_str(), "N_A");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenType {
    /// `Bearer` (RFC 6750), matched case-insensitively as RFC 6749 §5.1 requires.
    Bearer,
    /// `DPoP` (RFC 9449 §5): a token bound to the client's DPoP key, sent with
    /// `Authorization: DPoP` and a proof; matched case-insensitively.
    DPoP,
    /// Any other type, as sent (`mac`...). `N_A` (RFC 8693 §2.2.1): a token
    /// exchange issued a token that is not an access token
    /// ([`TokenResponse::is_access_token`] is `false`).
    Other(String),
}

impl TokenType {
    /// The type as it would be sent (`Bearer` for [`TokenType::Bearer`]).
    pub fn as_str(&self) -> &str {
        match self {
            TokenType::Bearer => "Bearer",
            TokenType::DPoP => "DPoP",
            TokenType::Other(s) => s,
        }
    }
}

impl From<&str> for TokenType {
    fn from(s: &str) -> Self {
        if s.eq_ignore_ascii_case("bearer") {
            TokenType::Bearer
        } else if s.eq_ignore_ascii_case("dpop") {
            TokenType::DPoP
        } else {
            TokenType::Other(s.to_owned())
        }
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A successful token response (RFC 6749 §5.1), with every field beyond RFC 6749
/// and RFC 8693 kept in [`extra`](TokenResponse::extra). A provider's own fields
/// are read through its module: Salesforce's `instance_url`, `id` and `issued_at`
/// with [`salesforce::TokenInfo`](crate::providers::salesforce::TokenInfo).
///
/// `Debug` redacts the tokens and prints only the names of the extra fields.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use s2s_oauth::{HttpResponse, TokenResponse, TokenType};
///
/// let body = br#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600}"#;
/// let http = HttpResponse::new(200, vec![("Content-Type".into(), "application/json".into())], body.to_vec());
/// let received_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let token = TokenResponse::parse(&http, received_at)?;
/// assert_eq!(token.access_token().expose_secret(), "2YotnFZFEjr1zCsicMWpAA");
/// assert_eq!(token.token_type(), Some(&TokenType::Bearer));
/// assert_eq!(token.expires_at(), Some(received_at + Duration::from_secs(3600)));
/// assert!(!token.is_expired(received_at, Duration::from_secs(30)));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone)]
pub struct TokenResponse {
    access_token: AccessToken,
    token_type: Option<TokenType>,
    expires_in: Option<Duration>,
    refresh_token: Option<RefreshToken>,
    scope: Option<String>,
    id_token: Option<IdToken>,
    issued_token_type: Option<String>,
    /// The `DPoP-Nonce` header of the answer (RFC 9449 §8), or the one the send
    /// retried with.
    dpop_nonce: Option<String>,
    extra: SecretJson,
    /// What the typed fields lose of the object as sent, for
    /// [`TokenResponse::to_json_exposing_secrets`] (no copy of the object is kept).
    as_sent: fields::AsSent,
    received_at: SystemTime,
}

impl TokenResponse {
    /// Parses a token endpoint's answer received at `received_at`.
    ///
    /// - 200 with a JSON object holding a string `access_token`: `Ok`.
    /// - 200 otherwise: [`Error::NotJson`], [`Error::MissingAccessToken`] (or
    ///   [`Error::OAuth`] if the object carries an `error`), or
    ///   [`Error::MalformedResponse`] naming the field of the wrong type. The whole
    ///   body is kept in the error ([`Error::raw_body`]): a refresh token the server
    ///   already rotated is never lost.
    /// - 3xx: [`Error::Redirect`]; redirects are never followed.
    /// - 4xx/5xx with a JSON `error`: [`Error::OAuth`] (RFC 6749 §5.2); with a body
    ///   that is not JSON: [`Error::NotJson`]; with JSON and no `error`:
    ///   [`Error::UnexpectedStatus`].
    /// - 1xx and 2xx other than 200: [`Error::UnexpectedStatus`].
    ///
    /// `Retry-After` (seconds or an HTTP date, relative to `received_at`) is parsed
    /// into every error that carries it.
    pub fn parse(response: &HttpResponse, received_at: SystemTime) -> Result<Self, Error> {
        let retry_after = response
            .header("retry-after")
            .and_then(|v| retry_after::parse(v, received_at));
        let answer = Answer::new(response, retry_after);
        answer.refuse_redirect()?;
        match answer.status() {
            200 => {
                // One pass over the body, with borrowed keys: the RFC 6749 fields
                // into their slots, the rest into `extra`.
                let mut fields = object::Fields::default();
                match object::read(response.body(), &mut fields) {
                    object::Read::Object => {}
                    object::Read::OtherJson => {
                        return Err(Error::MalformedResponse(
                            answer.unexpected(Some("the body is JSON but not an object".into())),
                        ));
                    }
                    object::Read::NotJson => return Err(Error::NotJson(answer.unexpected(None))),
                }
                if fields.named[object::ACCESS_TOKEN].is_none() {
                    let object = fields.take_map();
                    if is_oauth_error(&object) {
                        return Err(answer.oauth_error(object));
                    }
                    return Err(Error::MissingAccessToken(answer.unexpected(None)));
                }
                let mut token =
                    fields::token_response(&mut fields, received_at).map_err(|field| {
                        Error::MalformedResponse(answer.unexpected(Some(field.to_string())))
                    })?;
                token.dpop_nonce = response.dpop_nonce().map(str::to_owned);
                Ok(token)
            }
            _ => Err(answer.refusal("a token endpoint answers 200 on success (RFC 6749 §5.1)")),
        }
    }

    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// `token_type`, if sent; `Bearer` is matched case-insensitively.
    pub fn token_type(&self) -> Option<&TokenType> {
        self.token_type.as_ref()
    }

    /// The latest DPoP nonce (RFC 9449 §8): the `DPoP-Nonce` header of this
    /// answer, or the nonce the send had to retry with. Keep it and pass it to the
    /// next request with
    /// [`TokenRequest::with_dpop_nonce`](crate::TokenRequest::with_dpop_nonce);
    /// servers rotate nonces, so each answer's replaces the last.
    pub fn dpop_nonce(&self) -> Option<&str> {
        self.dpop_nonce.as_deref()
    }

    /// Records the nonce a retried send used, when the answer names none.
    #[cfg(feature = "ureq")]
    pub(crate) fn keep_dpop_nonce(&mut self, nonce: &str) {
        if self.dpop_nonce.is_none() {
            self.dpop_nonce = Some(nonce.to_owned());
        }
    }

    /// `expires_in`: how long the access token lives from when it was issued. A
    /// numeric string (Entra v1) is accepted. Salesforce sends none.
    pub fn expires_in(&self) -> Option<Duration> {
        self.expires_in
    }

    /// `refresh_token`, if one was issued (Salesforce: only with rotation on).
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// `scope`: the scope granted, space-separated (RFC 6749 §3.3).
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// `id_token` (OpenID Connect), if sent.
    pub fn id_token(&self) -> Option<&IdToken> {
        self.id_token.as_ref()
    }

    /// `issued_token_type` (RFC 8693 §2.2.1), if sent, as sent.
    pub fn issued_token_type(&self) -> Option<&str> {
        self.issued_token_type.as_deref()
    }

    /// `issued_token_type` (RFC 8693 §2.2.1), typed: what a token exchange issued.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use s2s_oauth::{HttpResponse, TokenResponse};
    /// use s2s_oauth::exchange::TokenTypeUri;
    ///
    /// let body = br#"{"access_token":"eyJ.jwt.sig","issued_token_type":"urn:ietf:params:oauth:token-type:jwt","token_type":"N_A"}"#;
    /// let token = TokenResponse::parse(&HttpResponse::new(200, vec![], body.to_vec()), SystemTime::now())?;
    /// assert_eq!(token.issued_token_type_uri(), Some(TokenTypeUri::Jwt));
    /// assert!(!token.is_access_token()); // a JWT to hand on, not for an Authorization header
    /// assert_eq!(token.access_token().expose_secret(), "eyJ.jwt.sig"); // RFC 8693 §2.2.1 names the field so
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn issued_token_type_uri(&self) -> Option<TokenTypeUri> {
        self.issued_token_type
            .as_deref()
            .map(TokenTypeUri::from_uri)
    }

    /// Whether the token in [`access_token`](Self::access_token) is an access token
    /// to send to a resource: `false` when `token_type` is `N_A` (RFC 8693 §2.2.1:
    /// the token exchange issued something else, such as a JWT or a SAML assertion
    /// to hand on), or when `issued_token_type` names another type than an access
    /// token; `true` otherwise.
    pub fn is_access_token(&self) -> bool {
        let not_applicable =
            matches!(&self.token_type, Some(TokenType::Other(t)) if t.eq_ignore_ascii_case("N_A"));
        let other_type = self
            .issued_token_type
            .as_deref()
            .is_some_and(|t| TokenTypeUri::from_uri(t) != TokenTypeUri::AccessToken);
        !not_applicable && !other_type
    }

    /// Every other field of the response, as sent (Salesforce's `instance_url`,
    /// `id`, `issued_at`, `signature` among them). Values may be secret: do not log.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use s2s_oauth::{HttpResponse, TokenResponse};
    ///
    /// let body = br#"{"access_token":"t","instance_url":"https://acme.my.salesforce.com","x_tenant":"eu-1"}"#;
    /// let token = TokenResponse::parse(&HttpResponse::new(200, vec![], body.to_vec()), SystemTime::now())?;
    /// assert_eq!(token.extra()["x_tenant"], "eu-1");
    /// assert_eq!(token.extra()["instance_url"], "https://acme.my.salesforce.com");
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// When the response was received (as passed to [`TokenResponse::parse`]).
    pub fn received_at(&self) -> SystemTime {
        self.received_at
    }

    /// When the access token expires: `received_at + expires_in`, or `None` when the
    /// server did not say.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.received_at.checked_add(self.expires_in?)
    }

    /// Whether the token has expired, or will within `leeway`, as of `now`.
    ///
    /// `false` when the expiry is unknown. Salesforce sends no `expires_in` (the
    /// session lifetime is an org setting): for such tokens, use the token until a
    /// resource server rejects it and then get a new one; see
    /// [`HttpResponse::is_token_rejected`](crate::HttpResponse::is_token_rejected).
    pub fn is_expired(&self, now: SystemTime, leeway: Duration) -> bool {
        crate::time::is_expired(self.expires_at(), now, leeway)
    }

    /// The whole response object exactly as the server sent it: every field, the
    /// unknown ones included, with its JSON type unchanged (Salesforce's `issued_at`
    /// stays a string, `expires_in` stays what it was).
    ///
    /// **It holds the access token and any refresh or ID token in clear.** Use it to
    /// hand the response on (the `s2s-oauth` command line prints it for scripts),
    /// never to log it.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use s2s_oauth::{HttpResponse, TokenResponse};
    ///
    /// let body = br#"{"access_token":"00Dxx!AQ","issued_at":"1708058728442","x_custom":[1,2]}"#;
    /// let http = HttpResponse::new(200, vec![], body.to_vec());
    /// let token = TokenResponse::parse(&http, SystemTime::now())?;
    /// let json = token.to_json_exposing_secrets();
    /// let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    /// assert_eq!(value, serde_json::from_slice::<serde_json::Value>(body).unwrap());
    /// assert_eq!(value["issued_at"], "1708058728442");
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    ///
    /// One line of JSON text, like [`Token::to_json_exposing_secrets`](crate::Token::to_json_exposing_secrets),
    /// with the fields in the order of their names. Built when asked for: the
    /// response keeps no second copy of the object.
    pub fn to_json_exposing_secrets(&self) -> String {
        // Serializing a map of JSON values cannot fail.
        serde_json::to_string(&fields::as_sent(self).0).unwrap_or_default()
    }

    /// Takes the refresh token out, if any, for the next refresh grant.
    pub fn into_refresh_token(self) -> Option<RefreshToken> {
        self.refresh_token
    }
}

// The tokens print redacted; of the extra fields only the names.
redacted_debug!(TokenResponse as response: access_token, token_type, expires_in, refresh_token,
    scope, id_token, issued_token_type, dpop_nonce, extra_fields = names(response.extra.keys()), received_at);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(body: &str) {
        let http = HttpResponse::new(200, vec![], body.as_bytes().to_vec());
        let token = TokenResponse::parse(&http, SystemTime::UNIX_EPOCH).unwrap();
        let expected: Value = serde_json::from_str(body).unwrap();
        let json: Value = serde_json::from_str(&token.to_json_exposing_secrets()).unwrap();
        assert_eq!(json, expected);
        assert!(!format!("{token:?}").contains("SECRET"), "{token:?}");
    }

    #[test]
    fn json_keeps_every_salesforce_field_verbatim() {
        round_trip(
            r#"{"access_token":"00Dxx!SECRET-AT","signature":"K3Xb0yZ8mW4v+w=","scope":"api refresh_token",
                "instance_url":"https://acme.my.salesforce.com","id":"https://login.salesforce.com/id/00Dxx/005xx",
                "token_type":"Bearer","issued_at":"1708058728442","api_instance_url":"https://api.salesforce.com",
                "refresh_token":"5Aep-SECRET-RT","sfdc_community_url":null}"#,
        );
    }

    #[test]
    fn json_keeps_every_generic_field_verbatim() {
        round_trip(
            r#"{"access_token":"SECRET-AT","token_type":"bearer","expires_in":3599.5,"refresh_token":"SECRET-RT",
                "scope":"a b","id_token":"SECRET.ID.TOKEN","issued_token_type":"urn:ietf:params:oauth:token-type:access_token",
                "ext_expires_in":"3599","nested":{"a":[1,true,null,"x"]},"big":18446744073709551615}"#,
        );
    }

    #[test]
    fn json_keeps_nulls_spellings_and_digit_strings_of_the_typed_fields() {
        round_trip(
            r#"{"access_token":"SECRET-AT","token_type":"BEARER","expires_in":"3599","refresh_token":null,
                "scope":null,"id_token":null,"issued_token_type":null,"x":null}"#,
        );
        round_trip(r#"{"access_token":"SECRET-AT","token_type":"Bearer","expires_in":null}"#);
        round_trip(r#"{"access_token":"SECRET-AT","token_type":"DPoP","expires_in":0}"#);
    }
}
