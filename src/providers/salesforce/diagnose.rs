//! What a Salesforce refusal means and what to fix: token endpoint errors mapped to
//! hints, and REST API answers classified (session expired versus API limits).

use crate::error::{Error, ErrorCode, OAuthError};
use crate::http::HttpResponse;

const UNKNOWN_CONSUMER: &str = "the consumer key is unknown to this org: copy the connected app's Consumer Key, and check the login host (production vs sandbox); a new app can take up to 10 minutes to be usable";

/// Each known Salesforce token error (code, start of the description, lower case)
/// with what the user has to fix.
const HINTS: [(&str, &str, &str); 11] = [
    (
        "invalid_grant",
        "user hasn't approved this consumer",
        "the user has not approved the connected app: pre-authorize the user through a profile or permission set (connected app policy \"Admin approved users are pre-authorized\"), or approve it once through a browser (web server) flow",
    ),
    (
        "invalid_grant",
        "audience is invalid",
        "the assertion's aud is wrong: use https://login.salesforce.com (production), https://test.salesforce.com (sandbox) or the Experience Cloud site URL, never the My Domain URL",
    ),
    (
        "invalid_grant",
        "audience validation failed",
        "the assertion's aud is wrong: use https://login.salesforce.com (production), https://test.salesforce.com (sandbox) or the Experience Cloud site URL, never the My Domain URL",
    ),
    (
        "invalid_grant",
        "expired authorization code",
        "the JWT had already expired when Salesforce checked it: check this machine's clock (exp is at most 3 minutes ahead)",
    ),
    (
        "invalid_grant",
        "invalid assertion",
        "the assertion's signature or shape was refused: sign with the private key whose certificate is uploaded to the connected app (\"Use digital signatures\"), with RS256",
    ),
    (
        "invalid_grant",
        "request not supported on this domain",
        "the Client Credentials flow works only on the org's My Domain host: send it to https://<your-domain>.my.salesforce.com",
    ),
    (
        "invalid_grant",
        "no client credentials user enabled",
        "the connected app has no \"Run As\" user: enable the Client Credentials flow in its policies and choose an integration user",
    ),
    (
        "invalid_grant",
        "expired access/refresh token",
        "the refresh token was revoked or has expired (or a rotated-out one was re-used): get a new one through the original flow",
    ),
    (
        "invalid_app_access",
        "user is not admin approved",
        "the connected app is admin-approved only and this user is not assigned: add the user's profile or a permission set to the app's policies",
    ),
    (
        "invalid_client_id",
        "client identifier invalid",
        UNKNOWN_CONSUMER,
    ),
    (
        "invalid_client",
        "invalid client credentials",
        "the consumer secret is wrong: copy the connected app's Consumer Secret again (and the matching Consumer Key)",
    ),
];

/// What to fix, for a Salesforce token endpoint refusal this crate knows; `None`
/// for any other error. The hint never repeats request contents.
///
/// ```
/// use std::time::SystemTime;
/// use s2s_oauth::{HttpResponse, TokenResponse};
/// use s2s_oauth::providers::salesforce;
///
/// let answer = HttpResponse::new(400, vec![],
///     br#"{"error":"invalid_grant","error_description":"user hasn't approved this consumer"}"#.to_vec());
/// let error = TokenResponse::parse(&answer, SystemTime::now()).unwrap_err();
/// assert!(salesforce::hint(&error).unwrap().contains("pre-authorize the user"));
/// ```
pub fn hint(error: &Error) -> Option<&'static str> {
    error.oauth_error().and_then(hint_for)
}

/// [`hint`] for an [`OAuthError`] itself.
pub fn hint_for(error: &OAuthError) -> Option<&'static str> {
    let code = error.code.as_str();
    let description = error.description.as_deref()?.trim().to_ascii_lowercase();
    HINTS
        .iter()
        .find(|(c, d, _)| *c == code && description.starts_with(d))
        .map(|(_, _, hint)| *hint)
        .or_else(|| {
            // An unknown consumer key is sometimes sent as invalid_client.
            (error.code == ErrorCode::InvalidClient && description.contains("client identifier"))
                .then_some(UNKNOWN_CONSUMER)
        })
}

/// What a Salesforce REST API answer means for the token that was used (the
/// resource side, RFC 6750 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiOutcome {
    /// A 2xx: the call worked.
    Success,
    /// 401 `INVALID_SESSION_ID` (or an RFC 6750 `invalid_token`, or a bare 401
    /// naming no other reason): the token expired or was revoked. Get a new token
    /// and retry the call once.
    SessionExpired,
    /// 403 `REQUEST_LIMIT_EXCEEDED`: the org's API limit is used up. A new token
    /// does not help; wait (Salesforce sends no `Retry-After`; limits are per 24 h).
    RequestLimitExceeded,
    /// Any other answer (403 for permissions, 404, 400, 5xx...): not about the token.
    Other,
}

/// Classifies a Salesforce REST API response (the resource side, RFC 6750 §3.1):
/// an expired session (401 `INVALID_SESSION_ID`) is told apart from API limits
/// (403 `REQUEST_LIMIT_EXCEEDED`, for which a new token would not help).
///
/// ```
/// use s2s_oauth::HttpResponse;
/// use s2s_oauth::providers::salesforce::{self, ApiOutcome};
///
/// let expired = HttpResponse::new(401, vec![("WWW-Authenticate".into(), "Token".into())],
///     br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#.to_vec());
/// assert_eq!(salesforce::classify_api_response(&expired), ApiOutcome::SessionExpired);
/// let limited = HttpResponse::new(403, vec![],
///     br#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#.to_vec());
/// assert_eq!(salesforce::classify_api_response(&limited), ApiOutcome::RequestLimitExceeded);
/// ```
pub fn classify_api_response(response: &HttpResponse) -> ApiOutcome {
    if (200..300).contains(&response.status()) {
        ApiOutcome::Success
    } else if crate::resource::is_token_rejected_response(response) {
        ApiOutcome::SessionExpired
    } else if response.status() == 403
        && crate::resource::has_salesforce_error_code(response.body(), "REQUEST_LIMIT_EXCEEDED")
    {
        ApiOutcome::RequestLimitExceeded
    } else {
        ApiOutcome::Other
    }
}
