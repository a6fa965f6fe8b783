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

/// What to do about a `generateAccessToken` answer with `status` other than 200
/// (Google's `google.rpc.Status` body itself is shown by the error's snippet).
fn refusal_hint(status: u16) -> &'static str {
    match status {
        401 => {
            "IAM Credentials did not accept the federated token as bearer; check that the STS exchange succeeded and that the token is used before it expires"
        }
        403 => {
            "IAM Credentials refused to impersonate the service account; grant the federated principal roles/iam.workloadIdentityUser (or serviceAccountTokenCreator) on it, and check that the service account exists"
        }
        404 => {
            "IAM Credentials knows no such service account; check the email in service_account_impersonation_url"
        }
        400 => {
            "IAM Credentials refused the request; check the scopes (and that the service account is in the project the URL names)"
        }
        408 | 429 | 500..=599 => "IAM Credentials is unavailable for now; a retry may help",
        _ => "IAM Credentials answered with an unexpected status",
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
        return Err(Error::UnexpectedStatus(
            answer.unexpected(Some(refusal_hint(answer.status()).into())),
        ));
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
        // RFC 3339 §5.6: "T" and "Z" may be lower case (xs:dateTime, which the
        // parser also reads for SAML, says upper case).
        Ok(Some(text)) => Some(
            crate::time::parse_xs_datetime(&text.to_ascii_uppercase()).ok_or_else(|| {
                Error::MalformedResponse(answer.unexpected(Some(
                    "the IAM Credentials answer's \"expireTime\" is not an RFC 3339 time".into(),
                )))
            })?,
        ),
        Ok(None) => None,
        Err(_) => {
            return Err(Error::MalformedResponse(answer.unexpected(Some(
                "the IAM Credentials answer's \"expireTime\" is not a string".into(),
            ))));
        }
    };
    Ok(Token::bearer(AccessToken::new(token), expires_at, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(status: u16, body: &str) -> String {
        let response = HttpResponse::new(
            status,
            vec![("Content-Type".into(), "application/json".into())],
            body.as_bytes().to_vec(),
        );
        let error = parse(&response, SystemTime::UNIX_EPOCH).unwrap_err();
        assert!(matches!(error, Error::UnexpectedStatus(_)), "{error:?}");
        assert_eq!(
            error.is_retryable(),
            status >= 500 || status == 429,
            "{status}"
        );
        error.to_string()
    }

    #[test]
    fn expire_time_is_read_as_rfc_3339() {
        let expiry = |text: &str| {
            let body = format!(r#"{{"accessToken":"ya29.x","expireTime":"{text}"}}"#);
            let response = HttpResponse::new(200, vec![], body.into_bytes());
            parse(&response, SystemTime::UNIX_EPOCH).map(|t| {
                t.expires_at()
                    .and_then(|at| at.duration_since(SystemTime::UNIX_EPOCH).ok())
                    .map(|d| d.as_secs())
            })
        };
        // 2030-01-02T03:04:05Z
        let at = 1_893_553_445;
        for text in [
            "2030-01-02T03:04:05Z",
            "2030-01-02T03:04:05.123456789Z",
            "2030-01-02t03:04:05z",
            "2030-01-01T19:04:05-08:00",
            "2030-01-02T04:04:05.5+01:00",
        ] {
            assert_eq!(expiry(text).unwrap(), Some(at), "{text}");
        }
        for text in [
            "2030-01-02T03:04:05",
            "2030-01-02 03:04:05Z",
            "2030-13-02T03:04:05Z",
            "2030-01-02T03:04Z",
            "1893553445",
            "",
            "2030-01-02T03:04:05+99:00",
        ] {
            assert!(
                matches!(expiry(text), Err(Error::MalformedResponse(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn each_refusal_says_what_to_do_about_its_own_cause() {
        let rpc = |code: u16, status: &str| {
            format!(r#"{{"error":{{"code":{code},"message":"m","status":"{status}"}}}}"#)
        };
        let denied = refusal(403, &rpc(403, "PERMISSION_DENIED"));
        assert!(
            denied.contains("roles/iam.workloadIdentityUser"),
            "{denied}"
        );
        assert!(denied.contains("PERMISSION_DENIED"), "{denied}");
        // An expired or foreign bearer is not a missing role.
        let unauthenticated = refusal(401, &rpc(401, "UNAUTHENTICATED"));
        assert!(!unauthenticated.contains("roles/"), "{unauthenticated}");
        assert!(
            unauthenticated.contains("STS exchange"),
            "{unauthenticated}"
        );
        let missing = refusal(404, &rpc(404, "NOT_FOUND"));
        assert!(
            missing.contains("service_account_impersonation_url"),
            "{missing}"
        );
        let invalid = refusal(400, &rpc(400, "INVALID_ARGUMENT"));
        assert!(invalid.contains("scopes"), "{invalid}");
        for status in [429, 500, 503] {
            let busy = refusal(status, &rpc(status, "UNAVAILABLE"));
            assert!(!busy.contains("roles/"), "{busy}");
            assert!(busy.contains("retry"), "{busy}");
        }
    }
}
