//! AWS Signature Version 4 (header signing, `AWS4-HMAC-SHA256`), as AWS's
//! "Create a signed AWS API request" documents it, with ring's HMAC-SHA256 and
//! SHA-256. Only what Google's AWS credential source needs: a request with no
//! body or a small one, signed in the `Authorization` header. Pure: the time is
//! a parameter.

use std::time::SystemTime;

use ring::{digest, hmac};

use crate::encoding::{hex_value, push_hex, push_hex_upper};
use crate::secrets::SecurityToken;

/// AWS security credentials: an access key, its secret, and the session token of
/// temporary credentials. `Debug` shows the access key id only.
#[derive(Clone)]
pub(super) struct AwsCredentials {
    pub(super) access_key_id: String,
    pub(super) secret_access_key: SecurityToken,
    pub(super) session_token: Option<SecurityToken>,
}

impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// What is signed: the method, the URL split into host, path and query, the
/// headers beyond `host`, `x-amz-date` and `x-amz-security-token` (which the
/// signer adds), and the body.
pub(super) struct Request<'a> {
    pub(super) method: &'a str,
    /// `host[:port]` as the URL has it.
    pub(super) host: &'a str,
    /// The path, percent-encoded as in the URL; empty means `/`.
    pub(super) path: &'a str,
    /// The query, without `?`.
    pub(super) query: &'a str,
    pub(super) headers: &'a [(&'a str, &'a str)],
    pub(super) body: &'a [u8],
}

/// The headers to send, lowercase names except `Authorization`: `host`,
/// `x-amz-date`, `x-amz-security-token` (with a session token), the request's
/// own headers, and `Authorization`, which signs them all.
pub(super) fn sign(
    request: &Request<'_>,
    region: &str,
    service: &str,
    credentials: &AwsCredentials,
    now: SystemTime,
) -> Vec<(String, String)> {
    let amz_date = amz_date(now);
    let date = &amz_date[..8];
    let mut headers: Vec<(String, String)> = vec![
        ("host".to_owned(), request.host.to_owned()),
        ("x-amz-date".to_owned(), amz_date.clone()),
    ];
    if let Some(token) = &credentials.session_token {
        headers.push((
            "x-amz-security-token".to_owned(),
            token.expose_secret().to_owned(),
        ));
    }
    for (name, value) in request.headers {
        headers.push((name.to_ascii_lowercase(), canonical_value(value)));
    }
    headers.sort();
    let signed_headers = headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let mut canonical = String::new();
    canonical.push_str(request.method);
    canonical.push('\n');
    canonical.push_str(&canonical_path(request.path));
    canonical.push('\n');
    canonical.push_str(&canonical_query(request.query));
    canonical.push('\n');
    for (name, value) in &headers {
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(value);
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(&signed_headers);
    canonical.push('\n');
    canonical.push_str(&sha256_hex(request.body));

    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let secret = format!("AWS4{}", credentials.secret_access_key.expose_secret());
    let mut key = hmac_sha256(secret.as_bytes(), date.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    let mut signature = String::new();
    push_hex(
        &mut signature,
        &hmac_sha256(&key, string_to_sign.as_bytes()),
    );
    headers.push((
        "Authorization".to_owned(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            credentials.access_key_id
        ),
    ));
    headers
}

/// `YYYYMMDD'T'HHMMSS'Z'` in UTC.
fn amz_date(now: SystemTime) -> String {
    let secs = crate::time::unix_seconds(now).unwrap_or(0);
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let (y, m, d) = crate::time::civil_from_days(days);
    let rest = secs % 86_400;
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

fn sha256_hex(data: &[u8]) -> String {
    let mut out = String::new();
    push_hex(&mut out, digest::digest(&digest::SHA256, data).as_ref());
    out
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&key, data).as_ref().to_vec()
}

/// A header value trimmed, runs of spaces made one.
fn canonical_value(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// RFC 3986 encoding of every byte but the unreserved ones (and `/` when
/// `keep_slash`), upper-case hex, as SigV4 requires.
fn uri_encode(out: &mut String, bytes: &[u8], keep_slash: bool) {
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push('%');
            push_hex_upper(out, b);
        }
    }
}

/// `%XX` decoded (a stray `%` kept as it is).
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let pair = bytes
            .get(i + 1..i + 3)
            .and_then(|h| Some(hex_value(h[0])? << 4 | hex_value(h[1])?));
        match (bytes[i], pair) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// The path, each segment decoded and encoded again (one encoding: services
/// other than S3 then encode it once more, as AWS's test suite does).
fn canonical_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut once = String::new();
    uri_encode(&mut once, &percent_decode(path), true);
    let mut twice = String::new();
    uri_encode(&mut twice, once.as_bytes(), true);
    twice
}

/// The query's parameters decoded, encoded again, sorted by name then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let mut name = String::new();
            uri_encode(&mut name, &percent_decode(k), false);
            let mut value = String::new();
            uri_encode(&mut value, &percent_decode(v), false);
            (name, value)
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    /// AWS's SigV4 test suite (aws-sig-v4-test-suite): the credentials, region,
    /// service and time every case uses.
    fn suite() -> (AwsCredentials, SystemTime) {
        let credentials = AwsCredentials {
            access_key_id: "AKIDEXAMPLE".to_owned(),
            secret_access_key: SecurityToken::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            session_token: None,
        };
        // 2015-08-30T12:36:00Z
        (credentials, UNIX_EPOCH + Duration::from_secs(1_440_938_160))
    }

    fn authorization(
        request: &Request<'_>,
        credentials: &AwsCredentials,
        now: SystemTime,
    ) -> String {
        sign(request, "us-east-1", "service", credentials, now)
            .into_iter()
            .find(|(n, _)| n == "Authorization")
            .unwrap()
            .1
    }

    fn vanilla<'a>(method: &'a str, path: &'a str, query: &'a str) -> Request<'a> {
        Request {
            method,
            host: "example.amazonaws.com",
            path,
            query,
            headers: &[],
            body: b"",
        }
    }

    const PREFIX: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=";

    #[test]
    fn aws_test_suite_vectors() {
        let (credentials, now) = suite();
        assert_eq!(amz_date(now), "20150830T123600Z");
        for (request, signature) in [
            // get-vanilla
            (
                vanilla("GET", "/", ""),
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            // post-vanilla
            (
                vanilla("POST", "/", ""),
                "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            ),
            // get-vanilla-query-order-key-case
            (
                vanilla("GET", "/", "Param2=value2&Param1=value1"),
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
            // get-vanilla-query-unreserved
            (
                vanilla(
                    "GET",
                    "/",
                    "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                ),
                "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
            ),
            // get-vanilla-empty-query-key
            (
                vanilla("GET", "/", "Param1=value1"),
                "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
            ),
        ] {
            assert_eq!(
                authorization(&request, &credentials, now),
                format!("{PREFIX}{signature}"),
                "{} {}?{}",
                request.method,
                request.path,
                request.query
            );
        }
    }

    #[test]
    fn session_token_and_extra_headers_are_signed() {
        let (mut credentials, now) = suite();
        credentials.session_token = Some(SecurityToken::new("session"));
        let request = Request {
            headers: &[("X-Goog-Cloud-Target-Resource", "  //iam.googleapis.com/x  ")],
            ..vanilla("POST", "/", "Action=GetCallerIdentity&Version=2011-06-15")
        };
        let headers = sign(&request, "us-east-1", "sts", &credentials, now);
        let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "host",
                "x-amz-date",
                "x-amz-security-token",
                "x-goog-cloud-target-resource",
                "Authorization"
            ]
        );
        assert_eq!(headers[3].1, "//iam.googleapis.com/x");
        assert!(headers[4].1.contains(
            "/20150830/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token;x-goog-cloud-target-resource, Signature="
        ));
        // Another session token, another signature.
        credentials.session_token = Some(SecurityToken::new("other"));
        let again = sign(&request, "us-east-1", "sts", &credentials, now);
        assert_ne!(again[4].1, headers[4].1);
        assert!(!format!("{credentials:?}").contains("wJal"));
    }

    #[test]
    fn canonical_parts() {
        assert_eq!(canonical_path(""), "/");
        assert_eq!(canonical_path("/a b/%7e"), "/a%2520b/~");
        assert_eq!(canonical_query("b=2&a=%2F&a=1"), "a=%2F&a=1&b=2");
        assert_eq!(percent_decode("%4G%41%"), b"%4GA%");
    }
}
