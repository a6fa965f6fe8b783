//! Telling, from a resource server's answer, that the access token was rejected
//! and a new one is needed (RFC 6750 §3 and §3.1; Salesforce's REST API).
//!
//! Salesforce sends no `expires_in`: a client keeps using its token until an API
//! call is refused, then gets a new token and retries that call once.

use serde_json::Value;

use crate::http::HttpResponse;

impl HttpResponse {
    /// Whether a resource server's response says the access token is no longer valid
    /// (expired or revoked), so that getting a new token and retrying may succeed.
    ///
    /// True for:
    /// - 401 with a `Bearer` (RFC 6750 §3.1) or `DPoP` (RFC 9449 §7.1) challenge
    ///   carrying `error="invalid_token"` (scheme case-insensitive, value quoted or
    ///   not, among other challenges);
    /// - 401 with a `Token` challenge (Salesforce);
    /// - 401 or 403 whose body is Salesforce's error list with the errorCode
    ///   `INVALID_SESSION_ID` (`[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`,
    ///   or the same in XML);
    /// - a bare 401 that names no other reason: no `WWW-Authenticate`, or challenges
    ///   without an `error` (`Bearer realm="api"`), and a body that is no error object
    ///   naming another code. The request carried a token and the server did not
    ///   take it; many APIs say no more than that, and a new token is the one thing
    ///   the client can try. Retry once, never in a loop.
    ///
    /// False for everything else, in particular a 401 that names another reason
    /// (an `error` other than `invalid_token` in a challenge of any scheme:
    /// `Bearer error="insufficient_scope"`, `DPoP error="use_dpop_nonce"`, `{"error":"insufficient_scope"}` or a Salesforce errorCode other than
    /// `INVALID_SESSION_ID` in the body), 403 `REQUEST_LIMIT_EXCEEDED` (API limits: a
    /// new token will not help) and other 403s (permissions).
    ///
    /// **Which agent:** ureq's default agent (`ureq::get(url)`) turns a 401 into an
    /// `Err(ureq::Error::StatusCode(401))` and drops the headers and the body, so
    /// this check never sees them. Call the API with [`agent`](crate::agent()) (or any
    /// agent built with `http_status_as_error(false)`): the 401 comes back as a
    /// response, which [`HttpResponse::from_ureq`] turns into an `HttpResponse` to ask.
    ///
    /// The refresh-and-retry loop a caller writes (retry once, never forever):
    ///
    /// ```
    /// use s2s_oauth::HttpResponse;
    ///
    /// // Stand-ins for the caller's own code.
    /// fn call_api(token: &str) -> HttpResponse {
    ///     if token == "old" {
    ///         let body = br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
    ///         HttpResponse::new(401, vec![("WWW-Authenticate".into(), "Token".into())], body.to_vec())
    ///     } else {
    ///         HttpResponse::new(200, vec![], b"{}".to_vec())
    ///     }
    /// }
    /// fn new_token() -> String { "new".into() }
    ///
    /// let mut token = String::from("old");
    /// let mut response = call_api(&token);
    /// if response.is_token_rejected() {
    ///     token = new_token(); // e.g. send the TokenRequest again
    ///     response = call_api(&token);
    /// }
    /// assert_eq!(response.status(), 200);
    ///
    /// // A bare 401 counts too; a 401 naming another reason does not; neither does a
    /// // 403 for API limits.
    /// assert!(HttpResponse::new(401, vec![], b"Unauthorized".to_vec()).is_token_rejected());
    /// let scope = vec![("WWW-Authenticate".into(), r#"Bearer error="insufficient_scope""#.into())];
    /// assert!(!HttpResponse::new(401, scope, Vec::new()).is_token_rejected());
    /// let throttled = HttpResponse::new(403, vec![], br#"[{"errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#.to_vec());
    /// assert!(!throttled.is_token_rejected());
    /// ```
    ///
    /// Several `WWW-Authenticate` headers are read as one list of challenges (RFC 9110
    /// §5.3). The check applies to any response of a resource server, whichever HTTP
    /// client made the call: [`HttpResponse::new`] takes the status, headers and body.
    pub fn is_token_rejected(&self) -> bool {
        is_token_rejected_response(self)
    }
}

impl HttpResponse {
    /// The nonce to send the request again with, when this answer is a DPoP
    /// nonce demand (RFC 9449 §8, §9): a 400 or 401 whose body's `error` is
    /// `use_dpop_nonce` (a token endpoint) or whose `WWW-Authenticate` has a `DPoP`
    /// challenge with `error="use_dpop_nonce"` (a resource server), and a
    /// `DPoP-Nonce` header. `None` for any other answer, and for a demand with no
    /// nonce to use (nothing to retry with).
    ///
    /// This is the one refusal a client answers by sending again at once, with a
    /// fresh proof carrying the nonce; it is not a rejected token
    /// ([`is_token_rejected`](HttpResponse::is_token_rejected) is false), and a
    /// second demand in a row is the server's final answer.
    ///
    /// ```
    /// use s2s_oauth::HttpResponse;
    /// let headers = vec![
    ///     ("WWW-Authenticate".into(), r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#.into()),
    ///     ("DPoP-Nonce".into(), "eyJ7S_zG.eyJH0-Z.HX4w-7v".into()),
    /// ];
    /// let answer = HttpResponse::new(401, headers, Vec::new());
    /// assert_eq!(answer.dpop_nonce_challenge(), Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"));
    /// assert!(!answer.is_token_rejected());
    /// let expired = HttpResponse::new(401, vec![("WWW-Authenticate".into(), r#"DPoP error="invalid_token""#.into())], Vec::new());
    /// assert_eq!(expired.dpop_nonce_challenge(), None);
    /// assert!(expired.is_token_rejected());
    /// ```
    pub fn dpop_nonce_challenge(&self) -> Option<&str> {
        if !matches!(self.status(), 400 | 401) {
            return None;
        }
        let nonce = self.dpop_nonce()?;
        let in_challenge = self
            .headers()
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("www-authenticate"))
            .flat_map(|(_, value)| challenges(value))
            .any(|c| c.scheme.eq_ignore_ascii_case("dpop") && c.error() == Some(USE_DPOP_NONCE));
        let in_body = || {
            serde_json::from_slice::<Value>(self.body())
                .ok()
                .is_some_and(|v| v.get("error").and_then(Value::as_str) == Some(USE_DPOP_NONCE))
        };
        (in_challenge || in_body()).then_some(nonce)
    }

    /// The `DPoP-Nonce` header (RFC 9449 §8.1): the nonce the server wants in the
    /// next proofs, sent with a refusal or with a success. `None` for a value that
    /// is not the nonce syntax (`1*NQCHAR`: visible ASCII but `"` and `\`), which
    /// is never echoed back.
    pub fn dpop_nonce(&self) -> Option<&str> {
        self.header("dpop-nonce")
            .map(str::trim)
            .filter(|n| crate::jwt::dpop::is_nonce(n))
    }
}

/// The error code of a DPoP nonce demand (RFC 9449 §8, §9).
const USE_DPOP_NONCE: &str = "use_dpop_nonce";

/// [`HttpResponse::is_token_rejected`] on the response's parts: the status, the
/// `WWW-Authenticate` value (several joined with `, `) and the body.
pub(crate) fn is_token_rejected(status: u16, www_authenticate: Option<&str>, body: &[u8]) -> bool {
    match status {
        401 => {
            let challenges = www_authenticate.map(challenges).unwrap_or_default();
            if challenges.iter().any(Challenge::says_token_rejected)
                || has_salesforce_error_code(body, "INVALID_SESSION_ID")
                || body_error(body) == BodyError::InvalidToken
            {
                return true;
            }
            let named_another_reason =
                challenges.iter().any(Challenge::has_error) || body_error(body) == BodyError::Other;
            !named_another_reason
        }
        403 => has_salesforce_error_code(body, "INVALID_SESSION_ID"),
        _ => false,
    }
}

/// The response's parts for [`is_token_rejected`]: several `WWW-Authenticate`
/// headers are read as one list of challenges (RFC 9110 §5.3).
pub(crate) fn is_token_rejected_response(response: &HttpResponse) -> bool {
    let values: Vec<&str> = response
        .headers()
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("www-authenticate"))
        .map(|(_, value)| value.as_str())
        .collect();
    let joined = (!values.is_empty()).then(|| values.join(", "));
    is_token_rejected(response.status(), joined.as_deref(), response.body())
}

/// What a 401 body's error names, read from a JSON object's `error` (RFC 6749
/// §5.2 style, which some APIs send beside or instead of the header) or from a
/// Salesforce error list's `errorCode`.
#[derive(Debug, PartialEq, Eq)]
enum BodyError {
    /// No error code in the body (empty, text, HTML, JSON without one).
    None,
    /// `invalid_token`.
    InvalidToken,
    /// Another code: the server named a reason that is not the token.
    Other,
}

fn body_error(body: &[u8]) -> BodyError {
    let code_of = |v: &Value| {
        v.get("error")
            .or_else(|| v.get("errorCode"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let code = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) => items.iter().find_map(code_of),
        Ok(object @ Value::Object(_)) => code_of(&object),
        Ok(_) => None,
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            text.split_once("<errorCode>")
                .and_then(|(_, rest)| rest.split_once("</errorCode>"))
                .map(|(code, _)| code.trim().to_owned())
        }
    };
    match code.as_deref() {
        None | Some("") => BodyError::None,
        Some("invalid_token") => BodyError::InvalidToken,
        Some(_) => BodyError::Other,
    }
}

/// Whether a Salesforce REST error body names `code`: a JSON array (or a lone
/// object) of `{"message", "errorCode"}`, or the XML form `<errorCode>CODE</errorCode>`.
pub(crate) fn has_salesforce_error_code(body: &[u8], code: &str) -> bool {
    let is_code = |v: &Value| v.get("errorCode").and_then(Value::as_str) == Some(code);
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) => items.iter().any(is_code),
        Ok(object @ Value::Object(_)) => is_code(&object),
        Ok(_) => false,
        Err(_) => {
            let needle = format!("<errorCode>{code}</errorCode>");
            body.windows(needle.len()).any(|w| w == needle.as_bytes())
        }
    }
}

/// One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1).
#[derive(Debug, PartialEq)]
struct Challenge<'a> {
    scheme: &'a str,
    params: Vec<(&'a str, String)>,
}

impl Challenge<'_> {
    fn is_bearer(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("bearer")
    }

    fn error(&self) -> Option<&str> {
        self.params
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("error"))
            .map(|(_, value)| value.as_str())
    }

    /// Salesforce's `Token` challenge, or `error="invalid_token"` on a `Bearer`
    /// (RFC 6750 §3.1) or `DPoP` (RFC 9449 §7.1) challenge.
    fn says_token_rejected(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("token")
            || ((self.is_bearer() || self.scheme.eq_ignore_ascii_case("dpop"))
                && self.error() == Some("invalid_token"))
    }

    /// A challenge naming an error other than `invalid_token`, whatever its
    /// scheme (`Bearer error="insufficient_scope"`, `DPoP error="use_dpop_nonce"`):
    /// a reason other than a rejected token.
    fn has_error(&self) -> bool {
        self.error().is_some_and(|e| e != "invalid_token")
    }
}

/// Parses `WWW-Authenticate`: `challenge *( "," challenge )`, each challenge a scheme
/// and then a token68 or comma-separated `name=value` auth-params (value a token
/// or a quoted string). Lenient and total: parsing stops at anything it cannot
/// read, keeping what it has.
fn challenges(header: &str) -> Vec<Challenge<'_>> {
    let mut out: Vec<Challenge<'_>> = Vec::new();
    let mut p = Parser { s: header, i: 0 };
    loop {
        p.skip(|c| c == ' ' || c == '\t' || c == ',');
        let name = p.token();
        if name.is_empty() {
            break;
        }
        let before_ws = p.i;
        p.skip(|c| c == ' ' || c == '\t');
        if p.peek() == Some('=') && !out.is_empty() {
            // An auth-param of the current challenge, or the padding of a token68.
            p.i += 1;
            p.skip(|c| c == ' ' || c == '\t');
            let value = if p.peek() == Some('"') {
                match p.quoted() {
                    Some(v) => v,
                    None => break,
                }
            } else {
                p.token().to_owned()
            };
            if value.is_empty() {
                // token68 padding (`abc==`): skip the rest of it.
                p.skip(|c| c == '=');
            } else if let Some(current) = out.last_mut() {
                current.params.push((name, value));
            }
        } else {
            p.i = before_ws;
            out.push(Challenge {
                scheme: name,
                params: Vec::new(),
            });
            // A token68 right after the scheme (`Basic dXNlcg==`) is read as a
            // param name followed by padding, and dropped: no scheme we classify
            // uses one.
        }
    }
    out
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.s.get(self.i..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip(&mut self, f: impl Fn(char) -> bool) {
        let rest = self.rest();
        let n = rest.find(|c| !f(c)).unwrap_or(rest.len());
        self.i += n;
    }

    /// A `token` (RFC 9110 §5.6.2) or token68 body: letters, digits and
    /// `!#$%&'*+-.^_`|~/`.
    fn token(&mut self) -> &'a str {
        let rest = self.rest();
        let n = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~/".contains(c)))
            .unwrap_or(rest.len());
        self.i += n;
        rest.get(..n).unwrap_or("")
    }

    /// A quoted-string with `\` escapes; `None` if it never closes.
    fn quoted(&mut self) -> Option<String> {
        let rest = self.rest();
        let mut value = String::new();
        let mut chars = rest.char_indices().skip(1);
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => {
                    self.i += at + 1;
                    return Some(value);
                }
                '\\' => value.push(chars.next()?.1),
                c => value.push(c),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_challenges() {
        let parsed = challenges(
            r#"Basic realm="x y", Bearer realm="api",error=invalid_token, error_description="The \"token\" expired", Token"#,
        );
        assert_eq!(
            parsed,
            vec![
                Challenge {
                    scheme: "Basic",
                    params: vec![("realm", "x y".into())]
                },
                Challenge {
                    scheme: "Bearer",
                    params: vec![
                        ("realm", "api".into()),
                        ("error", "invalid_token".into()),
                        ("error_description", "The \"token\" expired".into())
                    ]
                },
                Challenge {
                    scheme: "Token",
                    params: vec![]
                },
            ]
        );
        assert_eq!(challenges(""), vec![]);
        assert_eq!(challenges(r#"Bearer error="unterminated"#).len(), 1);
        let token68 = challenges("Negotiate abc123==, Bearer error=invalid_token");
        assert_eq!(token68.len(), 2, "{token68:?}");
        assert_eq!(token68[1].params, vec![("error", "invalid_token".into())]);
    }
}
