//! Response shapes and error strings, per profile: RFC 6749 §5.1/§5.2 for Generic,
//! Salesforce's own for Salesforce (see the crate's Salesforce notes).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64ct::{Base64, Encoding};
use serde_json::{Map, Value, json};

use super::config::Profile;
use super::wire::Response;

/// The org id in Salesforce identity URLs.
const ORG_ID: &str = "00Dxx0000001gPLEAY";

/// Why a token request was refused. Each variant knows its RFC 6749 §5.2 code and
/// its Salesforce string; `why` is the Generic profile's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A parameter is missing, repeated or malformed.
    InvalidRequest(String),
    /// The client id names no registered client.
    UnknownClient(String),
    /// The client's credentials are wrong or missing. `basic`: they came in an
    /// `Authorization: Basic` header (Generic answers with `WWW-Authenticate`).
    BadClientCredentials { basic: bool, why: String },
    /// A JWT bearer assertion failed a check.
    Assertion {
        problem: AssertionProblem,
        why: String,
    },
    /// The assertion's subject has not approved the client.
    UnknownUser(String),
    /// The refresh token is unknown, revoked, rotated out or someone else's.
    BadRefreshToken(String),
    /// Client credentials for a client with no run-as user (Salesforce).
    NoRunAsUser,
    /// A grant type the server does not support.
    UnsupportedGrantType(String),
    /// The server itself failed (its random source, say).
    ServerError(String),
}

/// Which Salesforce string an assertion failure gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AssertionProblem {
    /// Bad signature, malformed, wrong issuer, replayed, too long-lived...
    Invalid,
    /// `aud` does not name this server.
    Audience,
    /// `exp` has passed.
    Expired,
}

impl Refusal {
    /// (status, error, error_description, extra headers) for `profile`.
    fn parts(&self, profile: Profile) -> (u16, &'static str, String, Option<String>) {
        let sf = profile == Profile::Salesforce;
        let pick = |salesforce: &str, generic: &str| {
            if sf {
                salesforce.to_owned()
            } else {
                generic.to_owned()
            }
        };
        match self {
            Refusal::InvalidRequest(why) => (400, "invalid_request", why.clone(), None),
            Refusal::UnknownClient(_) if sf => (
                400,
                "invalid_client_id",
                "client identifier invalid".to_owned(),
                None,
            ),
            Refusal::UnknownClient(why) => (401, "invalid_client", why.clone(), None),
            Refusal::BadClientCredentials { .. } if sf => (
                400,
                "invalid_client",
                "invalid client credentials".to_owned(),
                None,
            ),
            Refusal::BadClientCredentials { basic, why } => (
                401,
                "invalid_client",
                why.clone(),
                basic.then(|| "Basic realm=\"testkit\"".to_owned()),
            ),
            Refusal::Assertion { problem, why } => {
                let salesforce = match problem {
                    AssertionProblem::Invalid => "invalid assertion",
                    AssertionProblem::Audience => "audience is invalid",
                    AssertionProblem::Expired => "expired authorization code",
                };
                (400, "invalid_grant", pick(salesforce, why), None)
            }
            Refusal::UnknownUser(why) => (
                400,
                "invalid_grant",
                pick("user hasn't approved this consumer", why),
                None,
            ),
            Refusal::BadRefreshToken(why) => (
                400,
                "invalid_grant",
                pick("expired access/refresh token", why),
                None,
            ),
            Refusal::NoRunAsUser => (
                400,
                "invalid_grant",
                pick(
                    "no client credentials user enabled",
                    "no client credentials user enabled: configure the client with with_run_as",
                ),
                None,
            ),
            Refusal::UnsupportedGrantType(why) => (
                400,
                "unsupported_grant_type",
                pick("grant type not supported", why),
                None,
            ),
            Refusal::ServerError(why) => (500, "server_error", why.clone(), None),
        }
    }

    /// The error response (RFC 6749 §5.2) for `profile`.
    pub(crate) fn response(&self, profile: Profile) -> Response {
        let (status, code, description, www_authenticate) = self.parts(profile);
        let body = json!({ "error": code, "error_description": description });
        let mut response = no_store(Response::json(status, &body), profile);
        if let Some(value) = www_authenticate {
            response = response.with_header("WWW-Authenticate", value);
        }
        response
    }
}

/// Adds the cache headers a token endpoint sends (RFC 6749 §5.1; Salesforce's own).
fn no_store(response: Response, profile: Profile) -> Response {
    match profile {
        Profile::Salesforce => response.with_header(
            "Cache-Control",
            "no-cache,must-revalidate,max-age=0,no-store,private",
        ),
        Profile::Generic => response
            .with_header("Cache-Control", "no-store")
            .with_header("Pragma", "no-cache"),
    }
}

/// Which grant issued a token: Salesforce adds `api_instance_url` for client
/// credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GrantKind {
    JwtBearer,
    #[cfg(feature = "saml")]
    Saml2Bearer,
    ClientCredentials,
    Refresh,
    /// RFC 8693: the answer names `issued_token_type`.
    TokenExchange,
}

/// What was issued, to render as a token response.
#[derive(Debug)]
pub(crate) struct Issued<'a> {
    pub(crate) grant: GrantKind,
    pub(crate) access_token: String,
    pub(crate) refresh_token: Option<String>,
    pub(crate) scope: Option<String>,
    pub(crate) username: &'a str,
    pub(crate) client_secret: Option<&'a str>,
    /// Bound to a DPoP key: `token_type` is `DPoP` (RFC 9449 §5).
    pub(crate) dpop: bool,
}

/// The token response (RFC 6749 §5.1, or Salesforce's shape).
///
/// Salesforce always sends `scope`: the requested scope, else `api`. Its JWT bearer
/// responses have no `signature` and no `issued_at` (as the real ones).
pub(crate) fn token_response(
    profile: Profile,
    base_url: &str,
    lifetime: Duration,
    issued: Issued<'_>,
    now: SystemTime,
) -> Response {
    let mut body = Map::new();
    body.insert("access_token".into(), Value::String(issued.access_token));
    let token_type = if issued.dpop { "DPoP" } else { "Bearer" };
    match profile {
        Profile::Generic => {
            body.insert("token_type".into(), token_type.into());
            body.insert("expires_in".into(), lifetime.as_secs().into());
            if let Some(scope) = issued.scope {
                body.insert("scope".into(), scope.into());
            }
        }
        Profile::Salesforce => {
            let id = identity_url(base_url, issued.username);
            let issued_at = now
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0)
                .to_string();
            // Salesforce's JWT and SAML bearer responses carry neither `signature`
            // nor `issued_at`; client credentials and refresh responses carry both.
            let signed = matches!(
                issued.grant,
                GrantKind::ClientCredentials | GrantKind::Refresh
            );
            if let (true, Some(secret)) = (signed, issued.client_secret) {
                body.insert(
                    "signature".into(),
                    signature(secret, &id, &issued_at).into(),
                );
            }
            body.insert(
                "scope".into(),
                issued.scope.unwrap_or_else(|| "api".to_owned()).into(),
            );
            body.insert("instance_url".into(), base_url.into());
            if issued.grant == GrantKind::ClientCredentials {
                body.insert("api_instance_url".into(), base_url.into());
            }
            body.insert("id".into(), id.into());
            body.insert("token_type".into(), token_type.into());
            if signed {
                body.insert("issued_at".into(), issued_at.into());
            }
        }
    }
    if let Some(refresh) = issued.refresh_token {
        body.insert("refresh_token".into(), refresh.into());
    }
    if issued.grant == GrantKind::TokenExchange {
        // RFC 8693 §2.2.1: required in a token exchange response.
        body.insert(
            "issued_token_type".into(),
            super::exchange::ACCESS_TOKEN_TYPE.into(),
        );
    }
    no_store(Response::json(200, &Value::Object(body)), profile)
}

/// Salesforce's `signature`: base64 (padded) of HMAC-SHA256 keyed with the client
/// secret over `id` immediately followed by `issued_at`.
pub(crate) fn signature(secret: &str, id: &str, issued_at: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(id.as_bytes());
    ctx.update(issued_at.as_bytes());
    Base64::encode_string(ctx.sign().as_ref())
}

/// `<base>/id/<org id>/<user id>`, the user id stable per username.
pub(crate) fn identity_url(base_url: &str, username: &str) -> String {
    format!("{base_url}/id/{ORG_ID}/{}", user_id(username))
}

/// An 18-character Salesforce-looking user id (`005...`) derived from the username.
fn user_id(username: &str) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let digest = ring::digest::digest(&ring::digest::SHA256, username.as_bytes());
    let mut id = String::from("005");
    for &b in digest.as_ref().iter().take(15) {
        id.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
    }
    id
}

/// The protected resource's answer to a missing, unknown or expired token.
pub(crate) fn invalid_token(profile: Profile, why: &str) -> Response {
    match profile {
        Profile::Salesforce => Response::json(
            401,
            &json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]),
        )
        .with_header("WWW-Authenticate", "Token"),
        Profile::Generic => Response::json(
            401,
            &json!({"error": "invalid_token", "error_description": why}),
        )
        .with_header(
            "WWW-Authenticate",
            format!("Bearer error=\"invalid_token\", error_description=\"{why}\""),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_stable_and_salesforce_shaped() {
        let a = identity_url("http://h", "alice@example.com");
        assert_eq!(a, identity_url("http://h", "alice@example.com"));
        assert_ne!(a, identity_url("http://h", "bob@example.com"));
        let user = a.rsplit('/').next().unwrap_or("");
        assert_eq!(user.len(), 18);
        assert!(user.starts_with("005"));
        assert!(a.starts_with("http://h/id/00Dxx0000001gPLEAY/"));
    }

    #[test]
    fn salesforce_errors_use_salesforce_strings() {
        let r = Refusal::UnknownClient("no client \"x\"".into()).response(Profile::Salesforce);
        assert_eq!(r.status, 400);
        let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        assert_eq!(body["error"], "invalid_client_id");
        assert_eq!(body["error_description"], "client identifier invalid");
        let r = Refusal::BadClientCredentials {
            basic: true,
            why: "wrong secret".into(),
        }
        .response(Profile::Generic);
        assert_eq!(r.status, 401);
        assert!(
            r.headers
                .iter()
                .any(|(n, v)| n == "WWW-Authenticate" && v == "Basic realm=\"testkit\"")
        );
    }
}
