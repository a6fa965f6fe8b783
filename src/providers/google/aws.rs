//! The AWS credential source of an `external_account` file
//! (`"environment_id": "aws1"`), as Google's workload identity federation
//! documents it: the subject token is a SigV4-signed AWS STS
//! `GetCallerIdentity` request, which Google's STS sends to AWS to learn who the
//! caller is. The request is never sent by this crate.
//!
//! At each exchange: the region from `AWS_REGION` / `AWS_DEFAULT_REGION`, else
//! from the metadata server's `region_url` (an availability zone, its last
//! letter dropped); the credentials from `AWS_ACCESS_KEY_ID` /
//! `AWS_SECRET_ACCESS_KEY` (/ `AWS_SESSION_TOKEN`), else from the metadata
//! server's `url` (the role name, then `url/<role>`); an IMDSv2 session token
//! first (a `PUT` to `imdsv2_session_token_url`) when the file names one and the
//! metadata server is asked. The signed request (`POST` to
//! `regional_cred_verification_url` with `{region}` filled in, headers `host`,
//! `x-amz-date`, `x-amz-security-token`, `x-goog-cloud-target-resource` = the
//! audience, and the `Authorization` that signs them) is serialized as Google
//! documents: `{"headers": [{"key", "value"}…], "method", "url"}`, URL-encoded.

use std::time::SystemTime;

use serde_json::Value;

use super::sigv4::{self, AwsCredentials};
use crate::error::{Error, InputField, InputProblem};
use crate::http::HttpResponse;
use crate::response::Answer;
use crate::secrets::{SecretJson, SecurityToken};

/// The header that names the workload identity pool provider.
const TARGET_RESOURCE: &str = "x-goog-cloud-target-resource";

fn bad(problem: InputProblem, message: impl Into<String>) -> Error {
    Error::input(InputField::CredentialsFile, problem, message)
}

/// A checked AWS credential source.
#[derive(Debug, Clone)]
pub(super) struct AwsSource {
    region_url: Option<String>,
    credentials_url: Option<String>,
    /// `regional_cred_verification_url`, with `{region}` still in it.
    verification_url: String,
    imdsv2_url: Option<String>,
    audience: String,
}

/// The members of the file's `credential_source` an AWS source reads.
pub(super) struct AwsMembers {
    pub(super) environment_id: String,
    pub(super) region_url: Option<String>,
    pub(super) url: Option<String>,
    pub(super) regional_cred_verification_url: Option<String>,
    pub(super) imdsv2_session_token_url: Option<String>,
}

impl AwsSource {
    /// The source from the file's members; `audience` is the file's. The
    /// metadata URLs must name the metadata server (or loopback when
    /// `allow_loopback`); the verification URL must be https on an
    /// `amazonaws.com` host: the signed request is for AWS STS.
    pub(super) fn new(
        members: AwsMembers,
        audience: &str,
        allow_loopback: bool,
    ) -> Result<Self, Error> {
        let version = members
            .environment_id
            .strip_prefix("aws")
            .ok_or_else(|| {
                bad(
                    InputProblem::Unsupported,
                    format!(
                        "credential_source.environment_id {:?} is not an AWS environment (aws1); regenerate the credential file",
                        members.environment_id.chars().take(20).collect::<String>()
                    ),
                )
            })?;
        if version != "1" {
            return Err(bad(
                InputProblem::Unsupported,
                format!(
                    "credential_source.environment_id is aws{}, and only aws1 is known; regenerate the credential file with gcloud",
                    version.chars().take(10).collect::<String>()
                ),
            ));
        }
        let metadata = |url: Option<String>, field: &str| {
            url.filter(|u| !u.trim().is_empty())
                .map(|u| {
                    super::fetch_url::check(
                        u.trim(),
                        field,
                        super::fetch_url::Hosts::MetadataOnly,
                        allow_loopback,
                    )
                })
                .transpose()
        };
        let verification_url = members
            .regional_cred_verification_url
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                bad(
                    InputProblem::Missing,
                    "the AWS credential_source has no regional_cred_verification_url; regenerate the credential file",
                )
            })?;
        // The signed request is for AWS STS: refuse another host, so that what the
        // file makes this process sign is only ever an AWS request.
        let example = verification_url.replace("{region}", "us-east-1");
        let (host, _, _) = split_https(&example).ok_or_else(|| not_aws(&verification_url))?;
        let host_name = host.split(':').next().unwrap_or(host);
        if !(host_name.ends_with(".amazonaws.com") || host_name.ends_with(".amazonaws.com.cn"))
            || example.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(not_aws(&verification_url));
        }
        Ok(AwsSource {
            region_url: metadata(members.region_url, "region_url")?,
            credentials_url: metadata(members.url, "url")?,
            verification_url,
            imdsv2_url: metadata(members.imdsv2_session_token_url, "imdsv2_session_token_url")?,
            audience: audience.to_owned(),
        })
    }

    /// The subject token for `region` and `credentials` at `now`: the signed
    /// `GetCallerIdentity` request, serialized and URL-encoded as Google
    /// documents.
    pub(super) fn subject_token(
        &self,
        region: &str,
        credentials: &AwsCredentials,
        now: SystemTime,
    ) -> Result<SecurityToken, Error> {
        check_region(region)?;
        let url = self.verification_url.replace("{region}", region);
        let (host, path, query) = split_https(&url).ok_or_else(|| not_aws(&url))?;
        // The service is the host's first label (`sts`), as Google's libraries sign.
        let service = host.split('.').next().unwrap_or("sts");
        let request = sigv4::Request {
            method: "POST",
            host,
            path,
            query,
            headers: &[(TARGET_RESOURCE, &self.audience)],
            body: b"",
        };
        let mut headers = sigv4::sign(&request, region, service, credentials, now);
        headers.sort_by(|a, b| a.0.cmp(&b.0));
        let headers: Vec<Value> = headers
            .into_iter()
            .map(|(key, value)| serde_json::json!({"key": key, "value": value}))
            .collect();
        let json = serde_json::json!({"headers": headers, "method": "POST", "url": url});
        let text = SecurityToken::new(json.to_string());
        Ok(SecurityToken::new(url_encode(text.expose_secret())))
    }

    /// One read with `agent`: the region, the credentials (each from the
    /// environment when set there, else from the metadata server), then
    /// [`subject_token`](Self::subject_token) at the current time.
    #[cfg(feature = "ureq")]
    pub(super) fn fetch(&self, agent: &crate::ureq::Agent) -> Result<SecurityToken, Error> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let env_region = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION"));
        let env_credentials = match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) => Some(AwsCredentials {
                access_key_id: id.trim().to_owned(),
                secret_access_key: SecurityToken::new(secret.trim()),
                session_token: var("AWS_SESSION_TOKEN").map(|t| SecurityToken::new(t.trim())),
            }),
            _ => None,
        };
        let options = crate::SendOptions::new();
        let session = match &self.imdsv2_url {
            Some(url) if env_region.is_none() || env_credentials.is_none() => {
                let answer = crate::transport::send_dynamic(
                    agent,
                    true,
                    url,
                    &[("X-aws-ec2-metadata-token-ttl-seconds", "300")],
                    &options,
                )?;
                // A session token is base64 (`/`, `+`, `=`): one token, any of those.
                Some(metadata_text(&answer, "IMDSv2 session token", false)?)
            }
            _ => None,
        };
        let session_header: Vec<(&str, &str)> = session
            .as_ref()
            .map(|t| ("X-aws-ec2-metadata-token", t.expose_secret()))
            .into_iter()
            .collect();
        let get = |url: &str, what: &'static str| {
            let answer =
                crate::transport::send_dynamic(agent, false, url, &session_header, &options)?;
            Ok::<_, Error>((answer, what))
        };
        let region = match env_region {
            Some(region) => region.trim().to_owned(),
            None => {
                let url = self.region_url.as_deref().ok_or_else(|| {
                    bad(
                        InputProblem::Missing,
                        "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or give the credential file a credential_source.region_url",
                    )
                })?;
                let (answer, what) = get(url, "the availability zone (region_url)")?;
                region_of_zone(&answer, what)?
            }
        };
        let credentials = match env_credentials {
            Some(credentials) => credentials,
            None => {
                let url = self.credentials_url.as_deref().ok_or_else(|| {
                    bad(
                        InputProblem::Missing,
                        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give the credential file a credential_source.url (the metadata server's security-credentials)",
                    )
                })?;
                let (answer, what) = get(url, "the role name (url)")?;
                let role = metadata_text(&answer, what, true)?;
                let role_url = format!("{}/{}", url.trim_end_matches('/'), role.expose_secret());
                let (answer, _) = get(&role_url, "the role's credentials")?;
                parse_credentials(&answer)?
            }
        };
        self.subject_token(&region, &credentials, SystemTime::now())
    }
}

fn not_aws(url: &str) -> Error {
    bad(
        InputProblem::Unsupported,
        format!(
            "credential_source.regional_cred_verification_url {:?} is not an https AWS STS URL (an amazonaws.com host); regenerate the credential file",
            url.chars().take(80).collect::<String>()
        ),
    )
}

/// `(host[:port], path, query)` of an https URL with no user information or
/// fragment.
fn split_https(url: &str) -> Option<(&str, &str, &str)> {
    let rest = url.strip_prefix("https://")?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(end);
    if host.is_empty() || host.contains(['@', '#']) || tail.contains('#') {
        return None;
    }
    let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
    Some((host, path, query))
}

/// A region is lowercase letters, digits and `-` (it goes into a host name).
fn check_region(region: &str) -> Result<(), Error> {
    let ok = !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::input(
            InputField::CredentialsFile,
            InputProblem::Malformed,
            format!(
                "the AWS region {:?} is not a region name such as us-east-1; check AWS_REGION or the metadata server",
                region.chars().take(32).collect::<String>()
            ),
        ))
    }
}

/// Google's libraries URL-encode the serialized request as Python's
/// `urllib.parse.quote` does: every byte but letters, digits, `_.-~` and `/`.
fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            crate::encoding::push_hex_upper(&mut out, b);
        }
    }
    out
}

/// A metadata answer's status checked: 2xx, or a typed error naming `what`.
fn metadata_status(answer: &Answer<'_>, what: &str) -> Result<(), Error> {
    answer.refuse_redirect()?;
    if (200..300).contains(&answer.status()) {
        return Ok(());
    }
    Err(Error::UnexpectedStatus(answer.unexpected(Some(format!(
        "the AWS metadata server gave no {what}; check that the instance has an IAM role attached, and that the credential file has imdsv2_session_token_url when the instance requires IMDSv2"
    )))))
}

/// A metadata answer that is one line of text (a token, a role name, a zone);
/// with `segment` (a role name, which goes into the next URL's path) without
/// `/`, `?`, `#` or `%` either.
pub(super) fn metadata_text(
    response: &HttpResponse,
    what: &str,
    segment: bool,
) -> Result<SecurityToken, Error> {
    let answer = Answer::new(response, None);
    metadata_status(&answer, what)?;
    let text = std::str::from_utf8(response.body()).ok();
    match text.map(|t| crate::exchange::one_token(t, || "the AWS metadata server".into())) {
        Some(Ok(token)) if !(segment && token.expose_secret().contains(['/', '?', '#', '%'])) => {
            Ok(token)
        }
        _ => Err(Error::MalformedResponse(answer.unexpected(Some(format!(
            "the AWS metadata server's {what} is not one word"
        ))))),
    }
}

/// The region of an availability zone answer (`us-east-1b` → `us-east-1`).
pub(super) fn region_of_zone(response: &HttpResponse, what: &str) -> Result<String, Error> {
    let zone = metadata_text(response, what, true)?;
    let zone = zone.expose_secret();
    // `get`: `None` rather than a panic if the last character is not ASCII.
    let region = zone.get(..zone.len().saturating_sub(1)).unwrap_or("");
    check_region(region).map_err(|_| {
        Error::MalformedResponse(Answer::new(response, None).unexpected(Some(format!(
            "the AWS metadata server's {what} is not an availability zone such as us-east-1b"
        ))))
    })?;
    Ok(region.to_owned())
}

/// The credentials in a security-credentials answer (`AccessKeyId`,
/// `SecretAccessKey`, `Token`).
pub(super) fn parse_credentials(response: &HttpResponse) -> Result<AwsCredentials, Error> {
    let what = "role's credentials";
    let answer = Answer::new(response, None);
    metadata_status(&answer, what)?;
    // Wiped when dropped: it holds the secret key.
    let object = SecretJson(answer.object(
        "the AWS metadata server's credentials are JSON but not an object",
        Some("the AWS metadata server answers its credentials as JSON"),
    )?);
    let member = |name: &str| {
        object
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    match (member("AccessKeyId"), member("SecretAccessKey")) {
        (Some(id), Some(secret)) => Ok(AwsCredentials {
            access_key_id: id.to_owned(),
            secret_access_key: SecurityToken::new(secret),
            session_token: member("Token").map(SecurityToken::new),
        }),
        _ => Err(Error::MalformedResponse(answer.unexpected(Some(
            "the AWS metadata server's credentials have no AccessKeyId and SecretAccessKey; check the instance's IAM role".into(),
        )))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const AUDIENCE: &str =
        "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/aws";

    fn members() -> AwsMembers {
        AwsMembers {
            environment_id: "aws1".into(),
            region_url: Some(
                "http://169.254.169.254/latest/meta-data/placement/availability-zone".into(),
            ),
            url: Some("http://169.254.169.254/latest/meta-data/iam/security-credentials".into()),
            regional_cred_verification_url: Some(
                "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"
                    .into(),
            ),
            imdsv2_session_token_url: Some("http://169.254.169.254/latest/api/token".into()),
        }
    }

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, vec![], body.as_bytes().to_vec())
    }

    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_subject_token_is_the_signed_request_as_google_documents() {
        let source = AwsSource::new(members(), AUDIENCE, false).unwrap();
        let credentials = AwsCredentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: SecurityToken::new("secret"),
            session_token: Some(SecurityToken::new("session/token+=")),
        };
        let now = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        let token = source
            .subject_token("us-east-2", &credentials, now)
            .unwrap();
        let encoded = token.expose_secret();
        assert!(!encoded.contains(['{', '"', ':', ' ']), "{encoded}");
        let json: Value = serde_json::from_str(&decode(encoded)).unwrap();
        assert_eq!(json["method"], "POST");
        assert_eq!(
            json["url"],
            "https://sts.us-east-2.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"
        );
        let keys: Vec<&str> = json["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["key"].as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "Authorization",
                "host",
                "x-amz-date",
                "x-amz-security-token",
                TARGET_RESOURCE
            ]
        );
        assert_eq!(json["headers"][1]["value"], "sts.us-east-2.amazonaws.com");
        assert_eq!(json["headers"][2]["value"], "20150830T123600Z");
        assert_eq!(json["headers"][3]["value"], "session/token+=");
        assert_eq!(json["headers"][4]["value"], AUDIENCE);
        let authorization = json["headers"][0]["value"].as_str().unwrap();
        assert!(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-2/sts/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token;x-goog-cloud-target-resource, Signature="), "{authorization}");
        // A region that is not one is refused, not put into the host.
        assert!(
            source
                .subject_token("evil.com/", &credentials, now)
                .is_err()
        );
    }

    #[test]
    fn files_are_checked() {
        let with = |f: fn(&mut AwsMembers)| {
            let mut m = members();
            f(&mut m);
            AwsSource::new(m, AUDIENCE, false)
        };
        assert!(with(|_| {}).is_ok());
        for (change, problem) in [
            (
                with(|m| m.environment_id = "aws2".into()),
                InputProblem::Unsupported,
            ),
            (
                with(|m| m.environment_id = "azure1".into()),
                InputProblem::Unsupported,
            ),
            (
                with(|m| m.regional_cred_verification_url = None),
                InputProblem::Missing,
            ),
            (
                with(|m| {
                    m.regional_cred_verification_url =
                        Some("https://sts.evil.example/?Action=x".into())
                }),
                InputProblem::Unsupported,
            ),
            (
                with(|m| {
                    m.regional_cred_verification_url = Some("http://sts.amazonaws.com/".into())
                }),
                InputProblem::Unsupported,
            ),
            (
                with(|m| m.url = Some("https://evil.example/creds".into())),
                InputProblem::Unsupported,
            ),
            (
                with(|m| m.region_url = Some("http://127.0.0.1:1/az".into())),
                InputProblem::Unsupported,
            ),
            (
                with(|m| m.imdsv2_session_token_url = Some("http://169.254.169.254.evil/".into())),
                InputProblem::Unsupported,
            ),
        ] {
            match change {
                Err(Error::InvalidInput(e)) => assert_eq!(e.problem(), problem, "{e}"),
                other => panic!("expected {problem:?}, got {other:?}"),
            }
        }
    }

    #[test]
    fn metadata_answers() {
        assert_eq!(
            region_of_zone(&answer(200, "us-east-1b\n"), "zone").unwrap(),
            "us-east-1"
        );
        assert!(matches!(
            region_of_zone(&answer(200, "x"), "zone"),
            Err(Error::MalformedResponse(_))
        ));
        assert!(matches!(
            region_of_zone(&answer(200, "US/EAST"), "zone"),
            Err(Error::MalformedResponse(_))
        ));
        assert!(matches!(
            metadata_text(&answer(404, ""), "role", true),
            Err(Error::UnexpectedStatus(_))
        ));
        assert!(matches!(
            metadata_text(&answer(200, "a b"), "role", true),
            Err(Error::MalformedResponse(_))
        ));
        assert!(matches!(
            metadata_text(&answer(200, "../x"), "role", true),
            Err(Error::MalformedResponse(_))
        ));
        let creds = parse_credentials(&answer(
            200,
            r#"{"Code":"Success","AccessKeyId":"ASIA1","SecretAccessKey":"s","Token":"t"}"#,
        ))
        .unwrap();
        assert_eq!(creds.access_key_id, "ASIA1");
        assert_eq!(creds.session_token.unwrap().expose_secret(), "t");
        assert!(matches!(
            parse_credentials(&answer(200, "<html>")),
            Err(Error::NotJson(_))
        ));
        let missing = parse_credentials(&answer(200, r#"{"AccessKeyId":"A"}"#)).unwrap_err();
        assert!(matches!(missing, Error::MalformedResponse(_)));
        assert!(missing.to_string().contains("SecretAccessKey"), "{missing}");
        // A session token is base64: `/` and `+` are fine there.
        let session = metadata_text(&answer(200, "AQAEA/b+c=="), "session", false).unwrap();
        assert_eq!(session.expose_secret(), "AQAEA/b+c==");
        let denied = metadata_text(&answer(401, ""), "IMDSv2 session token", false).unwrap_err();
        assert!(
            denied.to_string().contains("imdsv2_session_token_url"),
            "{denied}"
        );
    }
}
