//! GitHub Actions OIDC tokens: a workflow job with `permissions: id-token: write`
//! gets `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN` in its
//! environment, and a GET to that URL (with the request token as bearer and an
//! `audience`) returns `{"value": "<JWT>"}`: a short-lived JWT naming the
//! repository, workflow and ref, for a token exchange or a client assertion.
//!
//! The halves are pure ([`request`], [`parse`]); with the `ureq` feature
//! `token_source` joins them into a [`TokenSource`](crate::exchange::TokenSource) that fetches a fresh token
//! each time a request is built.
//!
//! ```
//! use s2s_oauth::HttpResponse;
//! use s2s_oauth::providers::github_actions;
//! use s2s_oauth::secret::SecurityToken;
//!
//! let http = github_actions::request(
//!     "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0",
//!     &SecurityToken::new("request-token"),
//!     Some("api://AzureADTokenExchange"),
//! )?;
//! assert_eq!(http.method(), "GET");
//! assert!(http.url().ends_with("?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange"));
//! assert_eq!(http.header("authorization"), Some("Bearer request-token"));
//!
//! let answer = HttpResponse::new(200, vec![], br#"{"count":1,"value":"eyJ.gh.sig"}"#.to_vec());
//! assert_eq!(github_actions::parse(&answer)?.expose_secret(), "eyJ.gh.sig");
//! # Ok::<(), s2s_oauth::Error>(())
//! ```

use crate::error::{Error, InputField, InputProblem};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::take_string;
use crate::response::Answer;
use crate::secrets::{SecretJson, SecurityToken};
use crate::url::EndpointUrl;

/// The variable holding the URL of the job's OIDC token endpoint.
pub const REQUEST_URL_VAR: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
/// The variable holding the bearer token for that endpoint.
pub const REQUEST_TOKEN_VAR: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

/// The GET that asks for an OIDC token for `audience` (GitHub's default audience,
/// the repository owner's URL, when `None`). `request_url` must be https (or http
/// on a loopback host, for tests).
pub fn request(
    request_url: &str,
    request_token: &SecurityToken,
    audience: Option<&str>,
) -> Result<HttpRequest, Error> {
    let mut url = EndpointUrl::parse(request_url)?.as_str().to_owned();
    if let Some(audience) = audience {
        if audience.trim().is_empty() {
            return Err(Error::input(
                InputField::Audience,
                InputProblem::Empty,
                "the GitHub Actions OIDC audience is empty; name the audience the token is for, or leave it out",
            ));
        }
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("audience=");
        url.push_str(&crate::form::encode(audience));
    }
    Ok(HttpRequest {
        method: "GET",
        url,
        headers: vec![
            ("Accept", "application/json; api-version=2.0".to_owned()),
            (
                "Authorization",
                format!("Bearer {}", request_token.expose_secret()),
            ),
        ],
        body: Vec::new(),
    })
}

/// The token in the endpoint's answer (`value`). A status other than 200 is
/// [`Error::UnexpectedStatus`] (3xx: [`Error::Redirect`]), a body that is not a
/// JSON object [`Error::NotJson`] or [`Error::MalformedResponse`], an object with
/// no string `value` [`Error::MalformedResponse`].
pub fn parse(response: &HttpResponse) -> Result<SecurityToken, Error> {
    let answer = Answer::new(response, None);
    answer.refuse_redirect()?;
    if answer.status() != 200 {
        return Err(Error::UnexpectedStatus(answer.unexpected(Some(
            "the GitHub Actions OIDC endpoint gave no token; check that the job has `permissions: id-token: write`".into(),
        ))));
    }
    // Wiped when dropped: it holds the token.
    let mut object = SecretJson(answer.object(
        "the OIDC endpoint's answer is JSON but not an object",
        Some("the OIDC endpoint answers JSON"),
    )?);
    match take_string(&mut object, "value") {
        Ok(Some(value)) if !value.is_empty() => Ok(SecurityToken::new(value)),
        _ => Err(Error::MalformedResponse(answer.unexpected(Some(
            "the OIDC endpoint's answer has no string \"value\"".into(),
        )))),
    }
}

/// A [`TokenSource`](crate::exchange::TokenSource) that asks the job's OIDC endpoint for a fresh token for
/// `audience` each time it is read: the two variables are read then (a missing
/// one is [`SourceError::EnvNotSet`](crate::error::SourceError::EnvNotSet): the
/// job lacks `permissions: id-token: write`), and the GET is sent with `agent`
/// and the default [`SendOptions`](crate::SendOptions) (its safety settings: no
/// redirects, a timeout, a bounded body). Feature `ureq`.
///
/// ```no_run
/// use s2s_oauth::{ClientAuth, Grant, TokenRequest};
/// use s2s_oauth::exchange::{TokenExchange, TokenTypeUri};
/// use s2s_oauth::providers::github_actions;
///
/// let agent = s2s_oauth::agent();
/// let subject = github_actions::token_source(agent.clone(), Some("https://sts.example.com".into()));
/// let token = TokenRequest::new(
///     "https://sts.example.com/token",
///     Grant::token_exchange(TokenExchange::new(subject, TokenTypeUri::Jwt)),
///     ClientAuth::none(),
/// )?
/// .send(&agent)?;
/// # let _ = token;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[cfg(feature = "ureq")]
pub fn token_source(
    agent: crate::ureq::Agent,
    audience: Option<String>,
) -> crate::exchange::TokenSource {
    crate::exchange::TokenSource::from_fn(move || fetch(&agent, audience.as_deref()))
}

/// One fetch: read the variables, send, parse.
#[cfg(feature = "ureq")]
fn fetch(agent: &crate::ureq::Agent, audience: Option<&str>) -> Result<SecurityToken, Error> {
    let now = std::time::SystemTime::now();
    let url = crate::exchange::TokenSource::env(REQUEST_URL_VAR).read(now)?;
    let token = crate::exchange::TokenSource::env(REQUEST_TOKEN_VAR).read(now)?;
    let http = request(url.expose_secret(), &token, audience)?;
    let answer = http.send(agent, &crate::SendOptions::new())?;
    parse(&answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_typed() {
        let token = SecurityToken::new("t");
        assert!(matches!(
            request("http://example.com/idtoken", &token, None),
            Err(Error::InvalidUrl { .. })
        ));
        assert!(request("https://gh.example/idtoken", &token, Some(" ")).is_err());
        let no_query = request("https://gh.example/idtoken", &token, Some("a b")).unwrap();
        assert_eq!(no_query.url(), "https://gh.example/idtoken?audience=a+b");
        for (status, body) in [
            (200, &b"{}"[..]),
            (200, br#"{"value":""}"#),
            (200, br#"{"value":5}"#),
            (200, b"[]"),
            (200, b"<html>"),
            (401, br#"{"message":"no"}"#),
            (302, b""),
        ] {
            let err = parse(&HttpResponse::new(status, vec![], body.to_vec())).unwrap_err();
            assert!(!err.is_local(), "{err:?}");
        }
    }
}
