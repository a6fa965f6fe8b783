//! A url-sourced `credential_source` (`"url"`, optional `"headers"` and
//! `"format"`): a GET to the URL with the file's headers, fetched each time the
//! STS request is built (the token rotates), whose answer is the token (`text`)
//! or holds it in a member (`json` with `subject_token_field_name`). Files made by
//! `google-github-actions/auth` (GitHub's OIDC endpoint with a bearer header) and
//! for Azure (the instance metadata endpoint with `Metadata: true`) are of this
//! kind. Which URLs are accepted: [`super::fetch_url`].

use std::fmt;

use serde_json::{Map, Value};

use crate::error::{Error, InputField, InputProblem};
use crate::http::HttpResponse;
use crate::response::Answer;
use crate::secrets::{SecretJson, SecurityToken};

/// The most headers a file may name.
const MAX_HEADERS: usize = 32;

/// A checked url source.
#[derive(Clone)]
pub(super) struct UrlSource {
    url: String,
    /// Names and values as the file has them; the values may be credentials.
    headers: Vec<(String, SecurityToken)>,
    /// `format.subject_token_field_name` when the format is `json`.
    field: Option<String>,
}

impl fmt::Debug for UrlSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UrlSource")
            .field("url", &self.url)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("field", &self.field)
            .finish_non_exhaustive()
    }
}

fn bad(problem: InputProblem, message: impl Into<String>) -> Error {
    Error::input(InputField::CredentialsFile, problem, message)
}

impl UrlSource {
    /// The source from the file's `url`, `headers` (a JSON object of strings) and
    /// already-read format (`field`: `Some` for json).
    pub(super) fn new(
        url: &str,
        headers: Option<&Map<String, Value>>,
        field: Option<String>,
        allow_loopback: bool,
    ) -> Result<Self, Error> {
        let url = super::fetch_url::check(
            url.trim(),
            "url",
            super::fetch_url::Hosts::HttpsOrMetadata,
            allow_loopback,
        )?;
        let mut checked = Vec::new();
        for (name, value) in headers.into_iter().flatten() {
            if checked.len() == MAX_HEADERS {
                return Err(bad(
                    InputProblem::OutOfRange,
                    format!("credential_source.headers names more than {MAX_HEADERS} headers"),
                ));
            }
            let token_char = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            if name.is_empty() || name.len() > 256 || !name.bytes().all(token_char) {
                return Err(bad(
                    InputProblem::Malformed,
                    format!(
                        "credential_source.headers has a name that is not an HTTP header name ({:?})",
                        name.chars().take(40).collect::<String>()
                    ),
                ));
            }
            let Some(value) = value.as_str() else {
                return Err(bad(
                    InputProblem::Malformed,
                    format!("credential_source.headers.{name} is not a string"),
                ));
            };
            // No CR, LF or other control character: a header cannot smuggle another.
            if value.len() > 8192 || value.chars().any(|c| c.is_control()) {
                return Err(bad(
                    InputProblem::Malformed,
                    format!(
                        "credential_source.headers.{name} holds a control character or is over 8 KiB"
                    ),
                ));
            }
            checked.push((name.clone(), SecurityToken::new(value)));
        }
        Ok(UrlSource {
            url,
            headers: checked,
            field,
        })
    }

    /// The token in the source's answer. A status other than 2xx is
    /// [`Error::UnexpectedStatus`] (3xx: [`Error::Redirect`]); for `json`, a body
    /// that is not a JSON object [`Error::NotJson`] / [`Error::MalformedResponse`],
    /// an object with no non-empty string member named by the file
    /// [`Error::MalformedResponse`]; for `text`, an empty body or one that is not
    /// one token [`Error::MalformedResponse`]. Each says what to check.
    pub(super) fn parse(&self, response: &HttpResponse) -> Result<SecurityToken, Error> {
        let answer = Answer::new(response, None);
        answer.refuse_redirect()?;
        if !(200..300).contains(&answer.status()) {
            return Err(Error::UnexpectedStatus(answer.unexpected(Some(
                "the credential source URL gave no token; check credential_source.url and its headers (a GitHub Actions job needs `permissions: id-token: write`; an Azure VM a managed identity)".into(),
            ))));
        }
        let Some(field) = &self.field else {
            let text = std::str::from_utf8(response.body()).ok();
            return match text.map(|t| {
                crate::exchange::one_token(t, || "the credential source URL's answer".into())
            }) {
                Some(Ok(token)) => Ok(token),
                _ => Err(Error::MalformedResponse(answer.unexpected(Some(
                    "the credential source URL's answer is not one token (empty, not UTF-8, or holding spaces); if it answers JSON, set credential_source.format to {\"type\": \"json\", \"subject_token_field_name\": ...}".into(),
                )))),
            };
        };
        // Wiped when dropped: it holds the token.
        let object = SecretJson(answer.object(
            "the credential source URL's answer is JSON but not an object",
            Some("the credential source URL answers JSON (credential_source.format is json)"),
        )?);
        match object.get(field.as_str()).and_then(Value::as_str) {
            Some(token) if !token.trim().is_empty() => Ok(SecurityToken::new(token.trim())),
            _ => Err(Error::MalformedResponse(answer.unexpected(Some(format!(
                "the credential source URL's answer has no non-empty string {:?}; check credential_source.format.subject_token_field_name",
                field.chars().take(40).collect::<String>()
            ))))),
        }
    }

    /// One fetch with `agent` and the default send options (no redirects, a
    /// timeout, a bounded body), then [`parse`](Self::parse).
    #[cfg(feature = "ureq")]
    pub(super) fn fetch(&self, agent: &crate::ureq::Agent) -> Result<SecurityToken, Error> {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.expose_secret()))
            .collect();
        let answer = crate::transport::send_dynamic(
            agent,
            false,
            &self.url,
            &headers,
            &crate::SendOptions::new(),
        )?;
        self.parse(&answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(field: Option<&str>) -> UrlSource {
        let headers = serde_json::json!({"Authorization": "Bearer abc", "Metadata": "true"});
        UrlSource::new(
            "https://idp.example.com/token?audience=x",
            headers.as_object(),
            field.map(str::to_owned),
            false,
        )
        .unwrap()
    }

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, vec![], body.as_bytes().to_vec())
    }

    #[test]
    fn text_and_json_answers() {
        let text = source(None);
        assert_eq!(
            text.parse(&answer(200, "eyJ.a.b\n"))
                .unwrap()
                .expose_secret(),
            "eyJ.a.b"
        );
        assert!(matches!(
            text.parse(&answer(200, "")),
            Err(Error::MalformedResponse(_))
        ));
        assert!(matches!(
            text.parse(&answer(200, "a b")),
            Err(Error::MalformedResponse(_))
        ));
        assert!(matches!(
            text.parse(&answer(500, "x")),
            Err(Error::UnexpectedStatus(_))
        ));
        assert!(matches!(
            text.parse(&answer(401, "x")),
            Err(Error::UnexpectedStatus(_))
        ));
        let json = source(Some("value"));
        assert_eq!(
            json.parse(&answer(200, r#"{"value":"eyJ.c.d"}"#))
                .unwrap()
                .expose_secret(),
            "eyJ.c.d"
        );
        assert!(matches!(
            json.parse(&answer(200, "<html>")),
            Err(Error::NotJson(_))
        ));
        assert!(matches!(
            json.parse(&answer(200, "[1]")),
            Err(Error::MalformedResponse(_))
        ));
        assert!(matches!(
            json.parse(&answer(200, r#"{"other":"x"}"#)),
            Err(Error::MalformedResponse(_))
        ));
        assert!(matches!(
            json.parse(&answer(200, r#"{"value":7}"#)),
            Err(Error::MalformedResponse(_))
        ));
        assert!(matches!(
            json.parse(&answer(200, r#"{"value":""}"#)),
            Err(Error::MalformedResponse(_))
        ));
        let missing = json
            .parse(&answer(200, r#"{"other":"x"}"#))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("subject_token_field_name"), "{missing}");
    }

    #[test]
    fn headers_are_checked_and_not_printed() {
        let s = source(None);
        let debug = format!("{s:?}");
        assert!(
            debug.contains("Authorization") && !debug.contains("abc"),
            "{debug}"
        );
        for headers in [
            serde_json::json!({"Bad Name": "x"}),
            serde_json::json!({"X": "a\r\nHost: evil"}),
            serde_json::json!({"X": 1}),
            serde_json::json!({"": "x"}),
        ] {
            let e = UrlSource::new("https://a.example/t", headers.as_object(), None, false);
            assert!(matches!(e, Err(Error::InvalidInput(_))), "{headers}");
        }
        let many: Map<String, Value> = (0..40).map(|i| (format!("h{i}"), "v".into())).collect();
        assert!(UrlSource::new("https://a.example/t", Some(&many), None, false).is_err());
    }
}
