//! The answers of the two endpoints: an introspection response (RFC 7662 §2.2),
//! typed with every other member kept, and a revocation's outcome (RFC 7009
//! §2.2), each read from an [`HttpResponse`] with no I/O. Errors go through the
//! triage every token response goes through (`response/triage.rs`).

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::error::Error;
use crate::http::HttpResponse;
use crate::json::{self, FieldError, Number, Problem};
use crate::jwt::Confirmation;
use crate::redact::{names, redacted_debug};
use crate::response::{Answer, TokenType, is_oauth_error};

/// The members [`Introspection`] reads into typed fields; every other member is
/// kept in [`Introspection::extra`].
const TYPED: [&str; 13] = [
    "active",
    "scope",
    "client_id",
    "username",
    "token_type",
    "exp",
    "iat",
    "nbf",
    "sub",
    "aud",
    "iss",
    "jti",
    "cnf",
];

/// An introspection response (RFC 7662 §2.2): whether the token is active and,
/// when the server says, what it is for.
///
/// The whole object as sent stays available ([`as_json`](Self::as_json)), for
/// checks that read it as claims (the certificate binding of RFC 8705 §3.2 with
/// [`tls::check_certificate_binding`](crate::tls::check_certificate_binding)).
/// An answer names no token, but may name users and clients: `Debug` shows the
/// typed members and the names of the others.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use s2s_oauth::HttpResponse;
/// use s2s_oauth::introspection::Introspection;
///
/// let body = br#"{"active":true,"client_id":"l238j323ds-23ij4","username":"jdoe",
///   "scope":"read write dolphin","sub":"Z5O3upPC88QrAjx00dis","aud":"https://protected.example.net/resource",
///   "iss":"https://server.example.com/","exp":1419356238,"iat":1419350238,"extension_field":"twenty-seven"}"#;
/// let answer = Introspection::parse(&HttpResponse::new(200, vec![], body.to_vec()))?;
/// assert!(answer.is_active());
/// assert!(answer.scope().contains("dolphin"));
/// assert_eq!(answer.audience(), ["https://protected.example.net/resource"]);
/// assert_eq!(answer.expires_at(), Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_419_356_238)));
/// assert_eq!(answer.extra()["extension_field"], "twenty-seven");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Introspection {
    active: bool,
    scope: BTreeSet<String>,
    client_id: Option<String>,
    username: Option<String>,
    token_type: Option<TokenType>,
    exp: Option<SystemTime>,
    iat: Option<SystemTime>,
    nbf: Option<SystemTime>,
    sub: Option<String>,
    aud: Vec<String>,
    iss: Option<String>,
    jti: Option<String>,
    cnf: Option<Confirmation>,
    extra: Map<String, Value>,
    object: Map<String, Value>,
}

redacted_debug!(Introspection as answer: active, scope, client_id, username, token_type,
    exp, iat, nbf, sub, aud, iss, jti, cnf, extra = names(answer.extra.keys()));

impl Introspection {
    /// Reads an introspection endpoint's answer.
    ///
    /// - 200 with a JSON object whose `active` is a boolean: `Ok`, inactive
    ///   included (an inactive token is an answer, not an error). A typed member
    ///   of the wrong JSON type (`exp` a string of letters, `aud` a number,
    ///   `scope` not a string) is [`Error::MalformedResponse`] naming it; a
    ///   missing or non-boolean `active` too (RFC 7662 §2.2 requires it); an
    ///   object with an `error` is [`Error::OAuth`]; a body that is not JSON,
    ///   [`Error::NotJson`].
    /// - 3xx: [`Error::Redirect`] (never followed).
    /// - 4xx and 5xx as for a token response: an OAuth error object (a 401
    ///   `invalid_client` for bad client credentials, RFC 7662 §2.3) is
    ///   [`Error::OAuth`], typed; another body [`Error::UnexpectedStatus`] or
    ///   [`Error::NotJson`]; 5xx, 429 and 408 are retryable.
    pub fn parse(response: &HttpResponse) -> Result<Self, Error> {
        let answer = answer(response);
        answer.refuse_redirect()?;
        if answer.status() != 200 {
            return Err(answer.refusal("an introspection endpoint answers 200 (RFC 7662 §2.2)"));
        }
        let object = answer.object(
            "the introspection response is JSON but not an object (RFC 7662 §2.2)",
            Some("an introspection response is JSON (RFC 7662 §2.2)"),
        )?;
        if is_oauth_error(&object) && !object.contains_key("active") {
            return Err(answer.oauth_error(object));
        }
        Self::from_object(object)
            .map_err(|reason| Error::MalformedResponse(answer.unexpected(Some(reason))))
    }

    /// Reads the members of an introspection response; the reason when one is
    /// not what RFC 7662 §2.2 says.
    fn from_object(object: Map<String, Value>) -> Result<Self, String> {
        let active = match object.get("active") {
            Some(Value::Bool(active)) => *active,
            None | Some(Value::Null) => {
                return Err("the introspection response has no \"active\" (RFC 7662 §2.2); is this an introspection endpoint?".into());
            }
            Some(_) => {
                return Err(
                    "field \"active\" is not a boolean; expected true or false (RFC 7662 §2.2)"
                        .into(),
                );
            }
        };
        let mut rest = object.clone();
        let text = |e: FieldError| format!("introspection response {e}");
        let scope = json::take_string(&mut rest, "scope")
            .map_err(text)?
            .map(|s| {
                s.split(' ')
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let cnf = match rest.remove("cnf") {
            None | Some(Value::Null) => None,
            Some(Value::Object(cnf)) => Some(
                Confirmation::from_cnf(&cnf)
                    .map_err(|e| format!("introspection response field \"cnf\" is refused: {e}"))?,
            ),
            Some(_) => {
                return Err("introspection response field \"cnf\" is not an object; expected a confirmation (RFC 7800 §3.1)".into());
            }
        };
        let answer = Introspection {
            active,
            scope,
            client_id: json::take_string(&mut rest, "client_id").map_err(text)?,
            username: json::take_string(&mut rest, "username").map_err(text)?,
            token_type: json::take_string(&mut rest, "token_type")
                .map_err(text)?
                .map(|t| TokenType::from(t.as_str())),
            exp: numeric_date(&mut rest, "exp").map_err(text)?,
            iat: numeric_date(&mut rest, "iat").map_err(text)?,
            nbf: numeric_date(&mut rest, "nbf").map_err(text)?,
            sub: json::take_string(&mut rest, "sub").map_err(text)?,
            aud: audience(&mut rest).map_err(text)?,
            iss: json::take_string(&mut rest, "iss").map_err(text)?,
            jti: json::take_string(&mut rest, "jti").map_err(text)?,
            cnf,
            extra: {
                rest.remove("active");
                rest
            },
            object,
        };
        debug_assert!(TYPED.iter().all(|name| !answer.extra.contains_key(*name)));
        Ok(answer)
    }

    /// `active`: whether the token is live (issued by this server, not expired, not
    /// revoked, and good for the client that asked). When `false`, the other
    /// members say nothing (RFC 7662 §2.2 lets the server leave them out).
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// `scope` as a set of scope tokens (RFC 6749 §3.3); empty when not sent.
    pub fn scope(&self) -> &BTreeSet<String> {
        &self.scope
    }

    /// `client_id`: the client the token was issued to.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// `username`: the resource owner who authorized the token, human-readable.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// `token_type` (RFC 6749 §7.1: `Bearer`, `DPoP`…; Salesforce sends
    /// `access_token` or `refresh_token` here, kept as [`TokenType::Other`]).
    pub fn token_type(&self) -> Option<&TokenType> {
        self.token_type.as_ref()
    }

    /// `exp`: when the token expires.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.exp
    }

    /// `iat`: when the token was issued.
    pub fn issued_at(&self) -> Option<SystemTime> {
        self.iat
    }

    /// `nbf`: before when the token is not to be used.
    pub fn not_before(&self) -> Option<SystemTime> {
        self.nbf
    }

    /// `sub`: the subject of the token, machine-readable.
    pub fn subject(&self) -> Option<&str> {
        self.sub.as_deref()
    }

    /// `aud`, one or many (a string is a list of one); empty when not sent.
    pub fn audience(&self) -> &[String] {
        &self.aud
    }

    /// `iss`: the issuer of the token.
    pub fn issuer(&self) -> Option<&str> {
        self.iss.as_deref()
    }

    /// `jti`: the token's identifier.
    pub fn jwt_id(&self) -> Option<&str> {
        self.jti.as_deref()
    }

    /// `cnf` (RFC 7800 §3.1): what the token is bound to, as far as this crate
    /// reads it (a DPoP key's `jkt`); the whole member, `x5t#S256` included, is in
    /// [`as_json`](Self::as_json).
    pub fn confirmation(&self) -> Option<&Confirmation> {
        self.cnf.as_ref()
    }

    /// Every member that has no typed accessor, as sent.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// The whole object as the server sent it.
    ///
    /// ```
    /// use s2s_oauth::HttpResponse;
    /// use s2s_oauth::introspection::Introspection;
    /// let body = br#"{"active":true,"cnf":{"x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}}"#;
    /// let answer = Introspection::parse(&HttpResponse::new(200, vec![], body.to_vec()))?;
    /// assert_eq!(answer.as_json()["cnf"]["x5t#S256"], "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2");
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.object
    }

    /// The object as sent, as one line of JSON text (what the `s2s-oauth
    /// introspect` command prints).
    pub fn to_json(&self) -> String {
        // Serializing a map of JSON values cannot fail.
        serde_json::to_string(&self.object).unwrap_or_default()
    }
}

/// Reads a revocation endpoint's answer (RFC 7009 §2.2): `Ok` for a 200,
/// whatever its body (the server answers 200 for a token it revoked and for one
/// it did not know; the body is to be ignored). `unsupported_token_type` (§2.2.1)
/// is [`Error::OAuth`] with
/// [`ErrorCode::UnsupportedTokenType`](crate::error::ErrorCode::UnsupportedTokenType);
/// another error is handled as a token response's (a 503 with `Retry-After` is
/// retryable, and says when).
///
/// ```
/// use s2s_oauth::HttpResponse;
/// use s2s_oauth::error::ErrorCode;
/// use s2s_oauth::introspection::parse_revocation;
///
/// parse_revocation(&HttpResponse::new(200, vec![], Vec::new()))?;
/// let refused = HttpResponse::new(400, vec![], br#"{"error":"unsupported_token_type"}"#.to_vec());
/// let error = parse_revocation(&refused).unwrap_err();
/// assert_eq!(error.oauth_error().map(|e| &e.code), Some(&ErrorCode::UnsupportedTokenType));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn parse_revocation(response: &HttpResponse) -> Result<(), Error> {
    let answer = answer(response);
    answer.refuse_redirect()?;
    match answer.status() {
        200 => Ok(()),
        _ => Err(answer.refusal("a revocation endpoint answers 200 (RFC 7009 §2.2)")),
    }
}

/// The JSON object of a 200 answer from an endpoint other than a token
/// endpoint (a userinfo or identity URL), every other answer triaged as a token
/// endpoint's: `what` names the endpoint in the messages.
pub(crate) fn json_object(
    response: &HttpResponse,
    what: &str,
) -> Result<Map<String, Value>, Error> {
    let answer = answer(response);
    answer.refuse_redirect()?;
    if answer.status() != 200 {
        return Err(answer.refusal(&format!("{what} answers 200 with a JSON object")));
    }
    let object = answer.object(
        &format!("the {what} answer is JSON but not an object"),
        Some(&format!("the {what} answer is not JSON")),
    )?;
    if is_oauth_error(&object) {
        return Err(answer.oauth_error(object));
    }
    Ok(object)
}

/// A malformed 200 answer of `response`, with `reason`.
pub(crate) fn malformed(response: &HttpResponse, reason: String) -> Error {
    Error::MalformedResponse(answer(response).unexpected(Some(reason)))
}

/// The answer with its `Retry-After` read (relative to now, for an HTTP date).
fn answer(response: &HttpResponse) -> Answer<'_> {
    let retry_after = response
        .header("retry-after")
        .and_then(|v| crate::response::parse_retry_after(v, SystemTime::now()));
    Answer::new(response, retry_after)
}

/// A NumericDate member (`exp`, `iat`, `nbf`: seconds since the epoch, RFC 7662
/// §2.2; a fraction is allowed as in RFC 7519 §2).
fn numeric_date(
    object: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<SystemTime>, FieldError> {
    const EXPECTED: &str = "seconds since the epoch";
    let out_of_range = FieldError {
        name,
        problem: Problem::OutOfRange,
        expected: EXPECTED,
    };
    // Beyond the year 9999 no server means it.
    const LAST: u64 = 253_402_300_799;
    match json::take_number(object, name, EXPECTED)? {
        None => Ok(None),
        Some(Number::Whole(secs)) if secs <= LAST => {
            Ok(Some(UNIX_EPOCH + Duration::from_secs(secs)))
        }
        Some(Number::Fraction(secs)) if secs.is_finite() && secs <= LAST as f64 => {
            Ok(Some(UNIX_EPOCH + Duration::from_secs_f64(secs)))
        }
        Some(_) => Err(out_of_range),
    }
}

/// `aud`: a string, or an array of strings (RFC 7519 §4.1.3).
fn audience(object: &mut Map<String, Value>) -> Result<Vec<String>, FieldError> {
    match object.get("aud") {
        Some(Value::String(_)) => Ok(json::take_string(object, "aud")?.into_iter().collect()),
        _ => Ok(json::take_strings(object, "aud")
            .map_err(|e| FieldError {
                expected: "a string or an array of strings",
                ..e
            })?
            .unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<Introspection, Error> {
        Introspection::parse(&HttpResponse::new(200, vec![], body.as_bytes().to_vec()))
    }

    fn reason(error: &Error) -> String {
        match error {
            Error::MalformedResponse(u) => u.reason.clone().unwrap_or_default(),
            other => panic!("not MalformedResponse: {other:?}"),
        }
    }

    #[test]
    fn every_typed_member_and_the_rest() {
        let answer = parse(
            r#"{"active":true,"scope":" a  b a ","client_id":"c","username":"u","token_type":"bearer",
               "exp":20,"iat":10.5,"nbf":"10","sub":"s","aud":["x","y"],"iss":"i","jti":"j",
               "cnf":{"jkt":"t","x5t#S256":"h"},"ext":{"n":1},"nul":null}"#,
        )
        .unwrap();
        assert!(answer.is_active());
        assert_eq!(answer.scope().iter().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(answer.client_id(), Some("c"));
        assert_eq!(answer.username(), Some("u"));
        assert_eq!(answer.token_type(), Some(&TokenType::Bearer));
        assert_eq!(
            answer.expires_at(),
            Some(UNIX_EPOCH + Duration::from_secs(20))
        );
        assert_eq!(
            answer.issued_at(),
            Some(UNIX_EPOCH + Duration::from_millis(10_500))
        );
        assert_eq!(
            answer.not_before(),
            Some(UNIX_EPOCH + Duration::from_secs(10))
        );
        assert_eq!(answer.subject(), Some("s"));
        assert_eq!(answer.audience(), ["x", "y"]);
        assert_eq!(answer.issuer(), Some("i"));
        assert_eq!(answer.jwt_id(), Some("j"));
        assert_eq!(answer.confirmation().and_then(Confirmation::jkt), Some("t"));
        let extra: Vec<&str> = answer.extra().keys().map(String::as_str).collect();
        assert_eq!(extra, ["ext", "nul"]);
        assert_eq!(answer.as_json()["cnf"]["x5t#S256"], "h");
        let debug = format!("{answer:?}");
        assert!(debug.contains("extra: [\"ext\", \"nul\"]"), "{debug}");
    }

    #[test]
    fn inactive_is_an_answer_with_nothing_else() {
        let answer = parse(r#"{"active":false}"#).unwrap();
        assert!(!answer.is_active());
        assert!(answer.scope().is_empty() && answer.audience().is_empty());
        assert_eq!(answer.to_json(), r#"{"active":false}"#);
    }

    #[test]
    fn hostile_members_are_named() {
        for (body, named) in [
            (r#"{}"#, "no \"active\""),
            (r#"{"active":null}"#, "no \"active\""),
            (r#"{"active":"true"}"#, "\"active\" is not a boolean"),
            (r#"{"active":1}"#, "\"active\" is not a boolean"),
            (r#"{"active":true,"exp":"soon"}"#, "\"exp\""),
            (r#"{"active":true,"exp":-1}"#, "\"exp\" is negative"),
            (r#"{"active":true,"exp":1e300}"#, "\"exp\" is out of range"),
            (
                r#"{"active":true,"iat":18446744073709551615}"#,
                "\"iat\" is out of range",
            ),
            (r#"{"active":true,"nbf":true}"#, "\"nbf\""),
            (
                r#"{"active":true,"aud":5}"#,
                "a string or an array of strings",
            ),
            (r#"{"active":true,"aud":["a",5]}"#, "\"aud\" has a member"),
            (r#"{"active":true,"scope":["a"]}"#, "\"scope\" is an array"),
            (
                r#"{"active":true,"client_id":{}}"#,
                "\"client_id\" is an object",
            ),
            (r#"{"active":true,"cnf":"x"}"#, "\"cnf\" is not an object"),
            (r#"{"active":true,"cnf":{"jkt":1}}"#, "\"cnf\" is refused"),
        ] {
            let error = parse(body).unwrap_err();
            assert!(reason(&error).contains(named), "{body}: {}", reason(&error));
        }
        assert!(matches!(parse("[]"), Err(Error::MalformedResponse(_))));
        assert!(matches!(parse("<html>"), Err(Error::NotJson(_))));
        assert!(matches!(parse(""), Err(Error::NotJson(_))));
    }

    #[test]
    fn errors_are_triaged_as_token_responses_are() {
        let error = Introspection::parse(&HttpResponse::new(
            401,
            vec![("WWW-Authenticate".into(), "Basic realm=\"x\"".into())],
            br#"{"error":"invalid_client","error_description":"bad secret"}"#.to_vec(),
        ))
        .unwrap_err();
        let oauth = error.oauth_error().expect("typed");
        assert_eq!(oauth.code, crate::error::ErrorCode::InvalidClient);
        assert_eq!(oauth.status, 401);
        assert_eq!(oauth.www_authenticate.as_deref(), Some("Basic realm=\"x\""));
        assert!(!error.is_retryable());
        // An error object with a 200.
        let error = parse(r#"{"error":"invalid_request"}"#).unwrap_err();
        assert!(error.oauth_error().is_some());
        let busy = HttpResponse::new(
            503,
            vec![("Retry-After".into(), "7".into())],
            b"down".to_vec(),
        );
        let error = Introspection::parse(&busy).unwrap_err();
        assert!(error.is_retryable());
        assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
        let moved = HttpResponse::new(
            302,
            vec![("Location".into(), "https://x/login".into())],
            vec![],
        );
        assert!(matches!(
            Introspection::parse(&moved),
            Err(Error::Redirect { .. })
        ));
        let odd = HttpResponse::new(204, vec![], vec![]);
        assert!(matches!(
            Introspection::parse(&odd),
            Err(Error::UnexpectedStatus(_))
        ));
        assert!(matches!(
            parse_revocation(&odd),
            Err(Error::UnexpectedStatus(_))
        ));
    }

    #[test]
    fn revocation_takes_any_200_body() {
        for body in ["", "{}", "<html>ok</html>", "null"] {
            parse_revocation(&HttpResponse::new(200, vec![], body.as_bytes().to_vec())).unwrap();
        }
        let error = parse_revocation(&HttpResponse::new(
            503,
            vec![("Retry-After".into(), "30".into())],
            br#"{"error":"temporarily_unavailable"}"#.to_vec(),
        ))
        .unwrap_err();
        assert!(error.is_retryable());
        assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
        let error =
            parse_revocation(&HttpResponse::new(404, vec![], b"Not Found".to_vec())).unwrap_err();
        assert!(error.is_wrong_endpoint(), "{error:?}");
    }
}
