//! The GitHub Actions OIDC token endpoint's shape: `GET` the URL a job finds in
//! `ACTIONS_ID_TOKEN_REQUEST_URL` with `Authorization: Bearer
//! <ACTIONS_ID_TOKEN_REQUEST_TOKEN>` and an optional `audience` query parameter,
//! answered `{"count": 1, "value": "<JWT>"}`: a short-lived JWT signed with the
//! configured key, as GitHub's issuer signs one for the job.

use std::time::{Duration, SystemTime};

use serde_json::json;

use super::config::Config;
use super::wire::{Request, Response};
use crate::jwt::Claims;
use crate::key::SigningKey;
use crate::redact::redacted_debug;

/// The endpoint's path.
pub(crate) const PATH: &str = "/_apis/actions/idtoken";
/// GitHub's OIDC issuer: the `iss` of the tokens.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// GitHub's tokens live a few minutes.
const LIFETIME: Duration = Duration::from_secs(300);

/// Answers `GET /_apis/actions/idtoken`.
pub(crate) fn handle(
    config: &Config,
    request: &Request,
    rng: &dyn ring::rand::SecureRandom,
    now: SystemTime,
) -> Response {
    let Some(github) = &config.github_oidc else {
        return Response::json(
            404,
            &json!({ "message": "no GitHub Actions OIDC endpoint: configure one with Config::with_github_actions_oidc" }),
        );
    };
    if request.method != "GET" {
        return Response::json(405, &json!({ "message": "use GET" })).with_header("Allow", "GET");
    }
    let authorized = request
        .header("Authorization")
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("Bearer") && token.trim() == github.request_token
        });
    if !authorized {
        return Response::json(
            401,
            &json!({ "message": "the request token (ACTIONS_ID_TOKEN_REQUEST_TOKEN) is missing or wrong" }),
        );
    }
    let query = request.target.split_once('?').map_or("", |(_, q)| q);
    let pairs = crate::form::decode_pairs(query.as_bytes()).unwrap_or_default();
    let audience = pairs
        .iter()
        .find(|(n, _)| n == "audience")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| format!("https://github.com/{}", github.owner()));
    let signed = Claims::new(GITHUB_ISSUER, github.subject.as_str(), audience)
        .with_lifetime(LIFETIME)
        .with_claim("repository", github.repository.as_str())
        .and_then(|claims| claims.sign_at(&github.key, now, rng));
    match signed {
        Ok(token) => Response::json(200, &json!({ "count": 1, "value": token.expose_secret() })),
        Err(_) => Response::json(500, &json!({ "message": "the token could not be signed" })),
    }
}

/// What the GitHub Actions OIDC shape signs with and for whom.
#[derive(Clone)]
pub(crate) struct GithubOidc {
    pub(crate) key: SigningKey,
    pub(crate) request_token: String,
    pub(crate) repository: String,
    pub(crate) subject: String,
}

redacted_debug!(GithubOidc: repository, subject);

impl GithubOidc {
    pub(crate) fn new(key: SigningKey, request_token: String, repository: String) -> Self {
        let subject = format!("repo:{repository}:ref:refs/heads/main");
        GithubOidc {
            key,
            request_token,
            repository,
            subject,
        }
    }

    /// The repository's owner.
    fn owner(&self) -> &str {
        self.repository
            .split_once('/')
            .map_or(self.repository.as_str(), |(owner, _)| owner)
    }
}
