//! A typed view of a Salesforce token response: where to send API calls, and
//! which org and user the token belongs to.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::error::{Error, UnexpectedResponse};
use crate::json::{self, FieldError, Number, Problem};
use crate::response::TokenResponse;
use crate::secrets::{RawBody, SecretJson};
use crate::token::Token;
use crate::url::EndpointUrl;

/// What a Salesforce token response says beyond the token: `instance_url`, the
/// identity URL `id` split into the org id and the user id, and `issued_at`
/// (Salesforce's token response, beyond RFC 6749 §5.1).
///
/// ```
/// use std::time::SystemTime;
/// use s2s_oauth::{HttpResponse, TokenResponse};
/// use s2s_oauth::providers::salesforce::TokenInfo;
///
/// let body = br#"{"access_token":"00D...","token_type":"Bearer","instance_url":"https://acme.my.salesforce.com",
///   "id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS","issued_at":"1708058728442"}"#;
/// let token = TokenResponse::parse(&HttpResponse::new(200, vec![], body.to_vec()), SystemTime::now())?;
/// let info = TokenInfo::from_response(&token)?;
/// assert_eq!(info.instance_url(), "https://acme.my.salesforce.com");
/// assert_eq!(info.org_id(), "00Dxx0000001gPLEAY");
/// assert_eq!(info.user_id(), "005xx000001SwiUAAS");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    instance_url: String,
    identity_url: String,
    org_id: String,
    user_id: String,
    issued_at: Option<SystemTime>,
    api_instance_url: Option<String>,
}

impl TokenInfo {
    /// Reads the Salesforce fields of a token response. A response without
    /// `instance_url` or `id`, or whose `id` is not `…/id/<org id>/<user id>`, is
    /// [`Error::MalformedResponse`] (the token itself is still in `response`), and
    /// so is one of these fields with the wrong JSON type (`issued_at`: milliseconds
    /// since the epoch, as a string of digits or a number).
    pub fn from_response(response: &TokenResponse) -> Result<Self, Error> {
        Self::from_extra(response.extra())
    }

    /// The same from the fields kept in a [`Token`](crate::Token) (its
    /// [`extra`](crate::Token::extra)).
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use s2s_oauth::{HttpResponse, Token, TokenResponse, providers::salesforce::TokenInfo};
    ///
    /// let body = br#"{"access_token":"00D...","instance_url":"https://acme.my.salesforce.com",
    ///   "id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS"}"#;
    /// let token = Token::from(TokenResponse::parse(&HttpResponse::new(200, vec![], body.to_vec()), SystemTime::now())?);
    /// let stored = Token::from_json(token.to_json_exposing_secrets().as_bytes())?;
    /// assert_eq!(TokenInfo::from_token(&stored)?.instance_url(), "https://acme.my.salesforce.com");
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn from_token(token: &Token) -> Result<Self, Error> {
        Self::from_extra(token.extra())
    }

    fn from_extra(extra: &Map<String, Value>) -> Result<Self, Error> {
        let fields = Fields::read(extra).map_err(|field| malformed(&field.to_string()))?;
        let instance_url = fields
            .instance_url
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                malformed("the response has no instance_url: is this a Salesforce token?")
            })?;
        let identity_url = fields.id.ok_or_else(|| {
            malformed("the response has no id (identity URL): is this a Salesforce token?")
        })?;
        let (org_id, user_id) = split_identity_url(&identity_url).ok_or_else(|| {
            malformed(
                "the id is not a Salesforce identity URL (https://<host>/id/<org id>/<user id>)",
            )
        })?;
        // The token is sent to these: the endpoint rules apply (https, or http on
        // loopback; no userinfo, no query, no fragment).
        let instance_url = checked_base(&instance_url, "instance_url")?;
        let api_instance_url = fields
            .api_instance_url
            .map(|url| checked_base(&url, "api_instance_url"))
            .transpose()?;
        Ok(TokenInfo {
            instance_url,
            identity_url,
            org_id,
            user_id,
            issued_at: fields.issued_at,
            api_instance_url,
        })
    }

    /// `instance_url`, without a trailing slash: the base URL of REST calls
    /// (`<instance_url>/services/data/vXX.X/...`).
    pub fn instance_url(&self) -> &str {
        &self.instance_url
    }

    /// The identity URL (`id`), to GET with the token for the user's details.
    pub fn identity_url(&self) -> &str {
        &self.identity_url
    }

    /// The org id (starts with `00D`).
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// The user id (starts with `005`).
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// `issued_at`, if the response had one (Client Credentials and Refresh Token
    /// responses do).
    pub fn issued_at(&self) -> Option<SystemTime> {
        self.issued_at
    }

    /// `api_instance_url`, if the response had one (Salesforce sends it with Client
    /// Credentials and Refresh Token): the base URL of the newer API host.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use s2s_oauth::{HttpResponse, TokenResponse, providers::salesforce::TokenInfo};
    ///
    /// let body = br#"{"access_token":"00D...","instance_url":"https://acme.my.salesforce.com",
    ///   "id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS",
    ///   "api_instance_url":"https://api.salesforce.com"}"#;
    /// let token = TokenResponse::parse(&HttpResponse::new(200, vec![], body.to_vec()), SystemTime::now())?;
    /// assert_eq!(TokenInfo::from_response(&token)?.api_instance_url(), Some("https://api.salesforce.com"));
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn api_instance_url(&self) -> Option<&str> {
        self.api_instance_url.as_deref()
    }
}

/// Salesforce's fields of a token response (beyond RFC 6749 §5.1), read from its
/// extra fields with their JSON types checked; each absent (or `null`) is `None`.
pub(crate) struct Fields {
    pub(crate) instance_url: Option<String>,
    pub(crate) id: Option<String>,
    pub(crate) issued_at: Option<SystemTime>,
    pub(crate) signature: Option<String>,
    pub(crate) api_instance_url: Option<String>,
}

impl Fields {
    pub(crate) fn read(extra: &Map<String, Value>) -> Result<Self, FieldError> {
        const NAMES: [&str; 5] = [
            "instance_url",
            "id",
            "issued_at",
            "signature",
            "api_instance_url",
        ];
        // A copy of just these fields (wiped when dropped), for the shared
        // field readers, which take what they read.
        let mut object = SecretJson(
            NAMES
                .iter()
                .filter_map(|name| extra.get(*name).map(|v| ((*name).to_owned(), v.clone())))
                .collect(),
        );
        Ok(Fields {
            instance_url: json::take_string(&mut object, "instance_url")?,
            id: json::take_string(&mut object, "id")?,
            issued_at: issued_at(&mut object)?,
            signature: json::take_string(&mut object, "signature")?,
            api_instance_url: json::take_string(&mut object, "api_instance_url")?,
        })
    }
}

/// Salesforce's `issued_at`: milliseconds since the epoch, as a string of digits
/// (what Salesforce sends) or a JSON number.
fn issued_at(object: &mut Map<String, Value>) -> Result<Option<SystemTime>, FieldError> {
    const NAME: &str = "issued_at";
    const EXPECTED: &str = "milliseconds since the epoch";
    match json::take_number(object, NAME, EXPECTED)? {
        None => Ok(None),
        Some(Number::Whole(millis)) => UNIX_EPOCH
            .checked_add(Duration::from_millis(millis))
            .map(Some)
            .ok_or(FieldError {
                name: NAME,
                problem: Problem::OutOfRange,
                expected: EXPECTED,
            }),
        Some(Number::Fraction(_)) => Err(FieldError {
            name: NAME,
            problem: Problem::NotWhole,
            expected: EXPECTED,
        }),
    }
}

/// `url` as a base for API calls: checked like a token endpoint (the token goes
/// there), without a query, trailing slashes trimmed; otherwise
/// [`Error::MalformedResponse`] naming the field.
fn checked_base(url: &str, field: &str) -> Result<String, Error> {
    EndpointUrl::base(url, "a Salesforce instance URL has no query")
        .map(EndpointUrl::into_string)
        .map_err(|e| match e {
            Error::InvalidUrl { url, reason } => malformed(&format!(
                "the {field} {:?} is refused: {reason}",
                crate::redact::redact(&url)
            )),
            other => other,
        })
}

/// `https://host/id/<org>/<user>` → (org, user): the last two path segments after
/// an `id` segment, each 15 or 18 ASCII letters and digits. The URL is one the
/// token is sent to (a GET for the user's details), so it must pass the endpoint
/// URL rules (https, http only on a loopback host).
fn split_identity_url(url: &str) -> Option<(String, String)> {
    let url = EndpointUrl::parse(url).ok()?;
    let path = url.path().trim_end_matches('/');
    let mut segments = path.rsplit('/');
    let user = segments.next()?;
    let org = segments.next()?;
    let marker = segments.next()?;
    let is_id =
        |s: &str| (s.len() == 15 || s.len() == 18) && s.bytes().all(|b| b.is_ascii_alphanumeric());
    (marker == "id" && is_id(org) && is_id(user)).then(|| (org.to_owned(), user.to_owned()))
}

pub(super) fn malformed(reason: &str) -> Error {
    Error::MalformedResponse(Box::new(UnexpectedResponse {
        status: 200,
        content_type: None,
        retry_after: None,
        reason: Some(reason.to_owned()),
        body: RawBody::default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::split_identity_url;

    #[test]
    fn identity_urls() {
        let split = |url| split_identity_url(url).map(|(org, user)| format!("{org} {user}"));
        assert_eq!(
            split("https://login.salesforce.com/id/00Dxx0000001gPL/005xx000001SwiU").as_deref(),
            Some("00Dxx0000001gPL 005xx000001SwiU")
        );
        assert_eq!(
            split("http://127.0.0.1:1/id/00D000000000001AAA/005000000000001AAA/").as_deref(),
            Some("00D000000000001AAA 005000000000001AAA")
        );
        assert_eq!(
            split("https://login.salesforce.com/id/00Dxx0000001gPL/005xx000001SwiU?oauth_token=x")
                .as_deref(),
            Some("00Dxx0000001gPL 005xx000001SwiU")
        );
        for bad in [
            "",
            "https://login.salesforce.com/id/00Dxx0000001gPL",
            "https://login.salesforce.com/xx/00Dxx0000001gPL/005xx000001SwiU",
            "https://login.salesforce.com/id/00D-x0000001gPL/005xx000001SwiU",
            "https://login.salesforce.com/id/00Dxx/005xx000001SwiU",
            "no scheme/id/00Dxx0000001gPL/005xx000001SwiU",
            // The token would be sent there: the endpoint URL rules hold.
            "http://login.salesforce.com/id/00Dxx0000001gPL/005xx000001SwiU",
            "https://u:p@login.salesforce.com/id/00Dxx0000001gPL/005xx000001SwiU",
            "https://login.salesforce.com/id/00Dxx0000001gPL/005xx000001SwiU#x",
        ] {
            assert_eq!(split_identity_url(bad), None, "{bad}");
        }
    }
}
