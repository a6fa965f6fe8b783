//! `Token`: a token response reduced to what a caller keeps between runs, with an
//! absolute expiry, serializable (secrets only through an explicitly named method).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{Error, InputField, InputProblem};
use crate::redact::{names, redacted_debug};
use crate::response::{TokenResponse, TokenType};
use crate::secrets::{AccessToken, RefreshToken, SecretJson};

/// The format version written by [`Token::to_json_exposing_secrets`].
const FORMAT_VERSION: u32 = 2;

/// An access token to keep between runs (RFC 6749 §5.1): the token, its type,
/// its **absolute** expiry (not `expires_in`, which means nothing once the process
/// that received it has exited), the refresh token, the scope, and the response's
/// other fields ([`extra`](Self::extra): a provider's own, such as Salesforce's
/// `instance_url`, read with
/// [`salesforce::TokenInfo::from_token`](crate::providers::salesforce::TokenInfo::from_token)).
///
/// `Debug` redacts the tokens. Serializing needs an explicit step that names the
/// danger: [`exposing_secrets`](Self::exposing_secrets) (any serde format) or
/// [`to_json_exposing_secrets`](Self::to_json_exposing_secrets); store the result
/// where only the job can read it (a `0600` file, a secrets store).
/// Deserializing is plain serde ([`Token::from_json`] for JSON).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use s2s_oauth::{HttpResponse, Token, TokenResponse};
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let body = br#"{"access_token":"abc","token_type":"Bearer","expires_in":3600,"refresh_token":"r1"}"#;
/// let response = TokenResponse::parse(&HttpResponse::new(200, vec![], body.to_vec()), now)?;
/// let token = Token::from_response(&response);
/// assert_eq!(token.expires_at(), Some(now + Duration::from_secs(3600)));
/// assert!(!format!("{token:?}").contains("abc"));
///
/// let json = token.to_json_exposing_secrets();
/// let again = Token::from_json(json.as_bytes())?;
/// assert_eq!(again, token);
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    access_token: AccessToken,
    token_type: Option<TokenType>,
    expires_at: Option<SystemTime>,
    refresh_token: Option<RefreshToken>,
    scope: Option<String>,
    received_at: SystemTime,
    /// The response's fields beyond RFC 6749 §5.1 (`TokenResponse::extra`); may
    /// hold secrets: wiped when dropped, only their names in `Debug`.
    extra: SecretJson,
}

impl Token {
    /// Keeps what a caller needs from a token response. The expiry becomes
    /// absolute: `received_at + expires_in`, truncated to whole seconds (so it
    /// never moves later); `None` when the server did not say (Salesforce).
    pub fn from_response(response: &TokenResponse) -> Self {
        let received_at = truncate_to_seconds(response.received_at());
        Token {
            access_token: response.access_token().clone(),
            token_type: response.token_type().cloned(),
            expires_at: response.expires_at().map(truncate_to_seconds),
            refresh_token: response.refresh_token().cloned(),
            scope: response.scope().map(str::to_owned),
            received_at,
            extra: SecretJson(response.extra().clone()),
        }
    }

    /// A bearer token a provider gave outside an OAuth token response (Google's
    /// IAM Credentials `generateAccessToken`), received at `received_at`.
    pub(crate) fn bearer(
        access_token: AccessToken,
        expires_at: Option<SystemTime>,
        received_at: SystemTime,
    ) -> Self {
        Token {
            access_token,
            token_type: Some(TokenType::Bearer),
            expires_at: expires_at.map(truncate_to_seconds),
            refresh_token: None,
            scope: None,
            received_at: truncate_to_seconds(received_at),
            extra: SecretJson(serde_json::Map::new()),
        }
    }

    /// When the response does not carry a refresh token but `previous` has one,
    /// keeps `previous`'s: RFC 6749 §6 lets a server answer a refresh without a new
    /// refresh token, and the old one stays good (Salesforce without rotation).
    ///
    /// ```
    /// # use std::time::SystemTime;
    /// # use s2s_oauth::{HttpResponse, Token, TokenResponse};
    /// # let parse = |body: &str| TokenResponse::parse(&HttpResponse::new(200, vec![], body.as_bytes().to_vec()), SystemTime::now());
    /// let first = Token::from_response(&parse(r#"{"access_token":"a1","refresh_token":"r1"}"#)?);
    /// let next = Token::from_response(&parse(r#"{"access_token":"a2"}"#)?).keep_refresh_token_of(&first);
    /// assert_eq!(next.refresh_token().map(|r| r.expose_secret()), Some("r1"));
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn keep_refresh_token_of(mut self, previous: &Token) -> Self {
        if self.refresh_token.is_none() {
            self.refresh_token = previous.refresh_token.clone();
        }
        self
    }

    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The token type, if the server said.
    pub fn token_type(&self) -> Option<&TokenType> {
        self.token_type.as_ref()
    }

    /// When the access token expires, if known.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// Whether the token has expired, or will within `margin`, as of `now`; `false`
    /// when the expiry is unknown (use the token until the resource server refuses
    /// it: [`HttpResponse::is_token_rejected`](crate::HttpResponse::is_token_rejected)).
    pub fn is_expired(&self, now: SystemTime, margin: Duration) -> bool {
        crate::time::is_expired(self.expires_at, now, margin)
    }

    /// The refresh token, if any.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// The granted scope, if the server said.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// When the token response was received (whole seconds).
    pub fn received_at(&self) -> SystemTime {
        self.received_at
    }

    /// The token response's other fields, as sent ([`TokenResponse::extra`]),
    /// kept and stored with the token. Values may be secret: do not log.
    ///
    /// ```
    /// # use std::time::SystemTime;
    /// # use s2s_oauth::{HttpResponse, Token, TokenResponse};
    /// let body = br#"{"access_token":"t","instance_url":"https://acme.my.salesforce.com"}"#;
    /// let response = TokenResponse::parse(&HttpResponse::new(200, vec![], body.to_vec()), SystemTime::now())?;
    /// let token = Token::from(&response);
    /// assert_eq!(token.extra()["instance_url"], "https://acme.my.salesforce.com");
    /// let again = Token::from_json(token.to_json_exposing_secrets().as_bytes())?;
    /// assert_eq!(again.extra(), token.extra());
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// A view that serializes the token **with its secrets** (access and refresh
    /// token) in any serde format. Only write it where no one else can read it.
    pub fn exposing_secrets(&self) -> ExposedToken<'_> {
        ExposedToken(self)
    }

    /// The token as one JSON object **with its secrets**; [`Token::from_json`]
    /// reads it back. A `String`, like
    /// [`TokenResponse::to_json_exposing_secrets`]: ready for a `0600` file.
    pub fn to_json_exposing_secrets(&self) -> String {
        serde_json::to_string(&self.exposing_secrets()).unwrap_or_default()
    }

    /// Reads a token written by [`to_json_exposing_secrets`](Self::to_json_exposing_secrets).
    /// Anything else is [`Error::InvalidInput`] saying what is wrong (the message
    /// never quotes the input).
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        serde_json::from_slice(json).map_err(|e| {
            let problem = json_problem(&e);
            // A newer format is no damage: deleting it could lose a refresh token.
            let advice = if problem.contains("newer s2s-oauth") {
                ""
            } else {
                "; delete it to get a new token"
            };
            Error::input(
                InputField::StoredToken,
                InputProblem::Malformed,
                format!("the stored token is not readable ({problem}){advice}"),
            )
        })
    }
}

/// The same as [`Token::from_response`], so that `send()`'s answer goes straight
/// into a [`TokenCache`](crate::TokenCache) fetch: `request.send(&agent).map(Token::from)`.
///
/// ```
/// use std::time::SystemTime;
/// use s2s_oauth::{HttpResponse, Token, TokenResponse};
///
/// let body = br#"{"access_token":"abc","expires_in":60}"#;
/// let response = TokenResponse::parse(&HttpResponse::new(200, vec![], body.to_vec()), SystemTime::now())?;
/// let token: Token = response.into();
/// assert_eq!(token.access_token().expose_secret(), "abc");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
impl From<TokenResponse> for Token {
    fn from(response: TokenResponse) -> Self {
        Token::from_response(&response)
    }
}

/// The same as [`Token::from_response`].
///
/// ```
/// use std::time::SystemTime;
/// use s2s_oauth::{HttpResponse, Token, TokenResponse};
///
/// let http = HttpResponse::new(200, vec![], br#"{"access_token":"abc"}"#.to_vec());
/// let response = TokenResponse::parse(&http, SystemTime::now())?;
/// assert_eq!(Token::from(&response), Token::from_response(&response));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
impl From<&TokenResponse> for Token {
    fn from(response: &TokenResponse) -> Self {
        Token::from_response(response)
    }
}

/// What is wrong with a JSON document, without quoting any of it (serde's messages
/// can quote values, and the values here are secrets): the position and the kind
/// of problem, and the field name when one is missing.
pub(crate) fn json_problem(e: &serde_json::Error) -> String {
    let message = e.to_string();
    if message.starts_with(OWN_MESSAGE) {
        let own = message
            .split_once(" at line")
            .map_or(&*message, |(own, _)| own);
        return own.trim_start_matches(OWN_MESSAGE).to_owned();
    }
    let what = match e.classify() {
        serde_json::error::Category::Data => match message.split_once(" at line") {
            Some((missing, _)) if missing.starts_with("missing field") => missing.to_owned(),
            _ => "a field has the wrong type or value".to_owned(),
        },
        serde_json::error::Category::Eof => "the data ends too early".to_owned(),
        _ => "not JSON".to_owned(),
    };
    format!("{what}, at line {} column {}", e.line(), e.column())
}

// The tokens print redacted; of the extra fields only the names.
redacted_debug!(Token as token: access_token, token_type, expires_at, refresh_token, scope,
    received_at, extra_fields = names(token.extra.keys()));

/// A [`Token`] (RFC 6749 §5.1) that serializes with its secrets: made only by
/// [`Token::exposing_secrets`]. `Debug` still redacts.
#[derive(Debug, Clone, Copy)]
pub struct ExposedToken<'a>(&'a Token);

/// The stored form: times as whole seconds since the Unix epoch, the response's
/// other fields as sent.
#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    received_at: u64,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    extra: Map<String, Value>,
    /// Any other top-level field, unchecked: version 1 kept Salesforce's fields
    /// there (read by [`migrate_v1`] only for a version-1 file); never written.
    #[serde(flatten, skip_serializing)]
    rest: Map<String, Value>,
}

/// Moves a version-1 file's top-level Salesforce fields into `extra`, named as a
/// token response names them (`issued_at_ms` becomes `issued_at`, milliseconds as
/// a digit string, as Salesforce sends it). A field of an unexpected type is left
/// out, as version 1 never wrote one.
fn migrate_v1(rest: &Map<String, Value>, extra: &mut Map<String, Value>) {
    for (from, to) in [
        ("instance_url", "instance_url"),
        ("id", "id"),
        ("api_instance_url", "api_instance_url"),
    ] {
        if let Some(Value::String(value)) = rest.get(from) {
            extra
                .entry(to)
                .or_insert_with(|| Value::String(value.clone()));
        }
    }
    if let Some(ms) = rest.get("issued_at_ms").and_then(Value::as_u64) {
        extra
            .entry("issued_at")
            .or_insert_with(|| Value::String(ms.to_string()));
    }
}

/// The prefix of the messages this module's `Deserialize` makes itself: they
/// quote nothing of the input, so [`json_problem`] may show them.
const OWN_MESSAGE: &str = "stored token: ";

impl Serialize for ExposedToken<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        Stored {
            version: FORMAT_VERSION,
            access_token: t.access_token.expose_secret().to_owned(),
            token_type: t.token_type.as_ref().map(|t| t.as_str().to_owned()),
            expires_at: t.expires_at.map(seconds),
            refresh_token: t
                .refresh_token
                .as_ref()
                .map(|r| r.expose_secret().to_owned()),
            scope: t.scope.clone(),
            received_at: seconds(t.received_at),
            extra: t.extra.0.clone(),
            rest: Map::new(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let mut s = Stored::deserialize(deserializer)?;
        match s.version {
            1 => migrate_v1(&s.rest, &mut s.extra),
            FORMAT_VERSION => {}
            newer if newer > FORMAT_VERSION => {
                return Err(D::Error::custom(format!(
                    "{OWN_MESSAGE}format version {newer} was written by a newer s2s-oauth (this one reads 1 and {FORMAT_VERSION}); upgrade rather than delete it if it holds the only copy of a refresh token"
                )));
            }
            unknown => {
                return Err(D::Error::custom(format!(
                    "{OWN_MESSAGE}format version {unknown} is not one s2s-oauth writes"
                )));
            }
        }
        if s.access_token.is_empty() {
            return Err(D::Error::custom(format!(
                "{OWN_MESSAGE}the access_token is empty"
            )));
        }
        let at = |secs: u64| {
            UNIX_EPOCH
                .checked_add(Duration::from_secs(secs))
                .ok_or_else(|| D::Error::custom(format!("{OWN_MESSAGE}a time is out of range")))
        };
        Ok(Token {
            access_token: AccessToken::new(s.access_token),
            token_type: s.token_type.as_deref().map(TokenType::from),
            expires_at: s.expires_at.map(at).transpose()?,
            refresh_token: s.refresh_token.map(RefreshToken::new),
            scope: s.scope,
            received_at: at(s.received_at)?,
            extra: SecretJson(s.extra),
        })
    }
}

fn seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn truncate_to_seconds(t: SystemTime) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds(t))
}
