//! Service account impersonation after a workload identity federation exchange:
//! IAM Credentials `generateAccessToken`, a JSON POST
//! `{"scope": [...], "lifetime": "3600s"}` with the STS token as bearer, answered
//! `{"accessToken": ..., "expireTime": <RFC 3339>}`. Both halves are pure.

use std::time::SystemTime;

use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};
use crate::json::take_string;
use crate::response::Answer;
use crate::secrets::{AccessToken, SecretJson};
use crate::token::Token;

/// The lifetime asked for: one hour, Google's default and most without an
/// organization policy.
const LIFETIME: &str = "3600s";

/// The `generateAccessToken` request to `url` (already checked as a Google
/// endpoint) for the space-separated `scope`, with `sts_token` as bearer.
pub(super) fn request(url: &str, sts_token: &AccessToken, scope: &str) -> HttpRequest {
    let scopes: Vec<&str> = scope.split_ascii_whitespace().collect();
    let body = serde_json::json!({ "scope": scopes, "lifetime": LIFETIME }).to_string();
    HttpRequest {
        method: "POST",
        url: url.to_owned(),
        headers: vec![
            ("Content-Type", "application/json".to_owned()),
            ("Accept", "application/json".to_owned()),
            (
                "Authorization",
                format!("Bearer {}", sts_token.expose_secret()),
            ),
        ],
        body: body.into_bytes(),
    }
}

/// The token in a `generateAccessToken` answer received at `now`. A status other
/// than 200 is [`Error::UnexpectedStatus`] (3xx: [`Error::Redirect`]); a body
/// without a string `accessToken` or with an `expireTime` that is not RFC 3339 is
/// [`Error::MalformedResponse`].
pub(super) fn parse(response: &HttpResponse, now: SystemTime) -> Result<Token, Error> {
    let answer = Answer::new(response, None);
    answer.refuse_redirect()?;
    if answer.status() != 200 {
        return Err(Error::UnexpectedStatus(answer.unexpected(Some(
            "IAM Credentials refused to impersonate the service account; grant the federated principal roles/iam.workloadIdentityUser (or serviceAccountTokenCreator) on it".into(),
        ))));
    }
    // Wiped when dropped: it holds the token.
    let mut object = SecretJson(answer.object(
        "the IAM Credentials answer is JSON but not an object",
        Some("IAM Credentials answers JSON"),
    )?);
    let token = match take_string(&mut object, "accessToken") {
        Ok(Some(token)) if !token.is_empty() => token,
        _ => {
            return Err(Error::MalformedResponse(answer.unexpected(Some(
                "the IAM Credentials answer has no string \"accessToken\"".into(),
            ))));
        }
    };
    let expires_at = match take_string(&mut object, "expireTime") {
        Ok(Some(text)) => Some(crate::time::parse_xs_datetime(&text).ok_or_else(|| {
            Error::MalformedResponse(answer.unexpected(Some(
                "the IAM Credentials answer's \"expireTime\" is not an RFC 3339 time".into(),
            )))
        })?),
        Ok(None) => None,
        Err(_) => {
            return Err(Error::MalformedResponse(answer.unexpected(Some(
                "the IAM Credentials answer's \"expireTime\" is not a string".into(),
            ))));
        }
    };
    Ok(Token::bearer(AccessToken::new(token), expires_at, now))
}
