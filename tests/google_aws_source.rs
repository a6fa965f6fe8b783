//! Google `external_account` files with an AWS credential source
//! (`environment_id` `aws1`) against a loopback server playing the EC2 metadata
//! server (IMDSv2 session token, availability zone, role, credentials) and the
//! Google STS: the subject token the STS receives is the signed
//! `GetCallerIdentity` request Google documents, with the metadata server's
//! credentials, and the metadata server's refusals are typed errors. (The
//! signature itself is checked against AWS's test vectors in the unit tests and
//! recomputed by botocore in the interop suite.)
//!
//! This process must not have AWS_* credentials or region in its environment:
//! they would be used instead of the metadata server.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use s2s_oauth::Error;
use s2s_oauth::providers::google::{ExternalAccount, LoadOptions};

const AUDIENCE: &str =
    "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/aws";

#[derive(Default)]
struct Seen {
    /// Request line and lowercase headers of each request, in order.
    requests: Vec<(String, Vec<(String, String)>)>,
    /// The STS's `subject_token`, decoded.
    subject: Option<serde_json::Value>,
    /// Whether the IMDSv2 PUT is refused.
    refuse_session: bool,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn server(seen: Arc<Mutex<Seen>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let (request_line, headers, body) = common::read_parsed_request(&stream);
            let header = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
            };
            let mut seen = seen.lock().unwrap();
            let session_ok =
                header("x-aws-ec2-metadata-token").as_deref() == Some("AQAE/imds+session==");
            let (status, body) = match request_line.split(' ').take(2).collect::<Vec<_>>()[..] {
                ["PUT", "/latest/api/token"] if seen.refuse_session => (403, String::new()),
                ["PUT", "/latest/api/token"]
                    if header("x-aws-ec2-metadata-token-ttl-seconds").is_some() =>
                {
                    (200, "AQAE/imds+session==".to_owned())
                }
                ["GET", "/latest/meta-data/placement/availability-zone"] if session_ok => {
                    (200, "eu-west-3a".to_owned())
                }
                ["GET", "/latest/meta-data/iam/security-credentials"] if session_ok => {
                    (200, "ec2-role\n".to_owned())
                }
                ["GET", "/latest/meta-data/iam/security-credentials/ec2-role"] if session_ok => (
                    200,
                    r#"{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret/key","Token":"session-token","Expiration":"2030-01-01T00:00:00Z"}"#.to_owned(),
                ),
                ["POST", "/v1/token"] => {
                    let form = std::str::from_utf8(&body).unwrap();
                    let token = form
                        .split('&')
                        .find_map(|p| p.strip_prefix("subject_token="))
                        .unwrap();
                    // Form-decoded once, then the URL encoding Google's contract adds.
                    let json = percent_decode(&percent_decode(token));
                    seen.subject = Some(serde_json::from_str(&json).unwrap());
                    let aws_type = form.contains(
                        "subject_token_type=urn%3Aietf%3Aparams%3Aaws%3Atoken-type%3Aaws4_request",
                    );
                    if aws_type {
                        (200, r#"{"access_token":"ya29.from-aws","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":3600}"#.to_owned())
                    } else {
                        (400, r#"{"error":"invalid_request"}"#.to_owned())
                    }
                }
                _ => (401, String::new()),
            };
            seen.requests.push((request_line, headers));
            let response = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(response.as_bytes()).unwrap();
        }
    });
    base
}

fn file(base: &str, imdsv2: bool) -> String {
    let mut source = serde_json::json!({
        "environment_id": "aws1",
        "region_url": format!("{base}/latest/meta-data/placement/availability-zone"),
        "url": format!("{base}/latest/meta-data/iam/security-credentials"),
        "regional_cred_verification_url": "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15",
    });
    if imdsv2 {
        source["imdsv2_session_token_url"] = format!("{base}/latest/api/token").into();
    }
    serde_json::json!({
        "type": "external_account",
        "audience": AUDIENCE,
        "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
        "token_url": format!("{base}/v1/token"),
        "credential_source": source,
    })
    .to_string()
}

fn no_aws_environment() {
    for var in [
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        assert!(
            std::env::var_os(var).is_none(),
            "{var} is set: unset it to run these tests"
        );
    }
}

#[test]
fn imdsv2_then_the_signed_request_as_the_subject_token() {
    no_aws_environment();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let base = server(seen.clone());
    let options = LoadOptions::new().allow_loopback_endpoints(true);
    let account = ExternalAccount::from_json(file(&base, true), &options).unwrap();
    let token = account.fetch_token(&s2s_oauth::agent(), None).unwrap();
    assert_eq!(token.access_token().expose_secret(), "ya29.from-aws");
    let seen = seen.lock().unwrap();
    let lines: Vec<&str> = seen.requests.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        lines,
        [
            "PUT /latest/api/token HTTP/1.1",
            "GET /latest/meta-data/placement/availability-zone HTTP/1.1",
            "GET /latest/meta-data/iam/security-credentials HTTP/1.1",
            "GET /latest/meta-data/iam/security-credentials/ec2-role HTTP/1.1",
            "POST /v1/token HTTP/1.1",
        ]
    );
    let subject = seen.subject.as_ref().unwrap();
    assert_eq!(subject["method"], "POST");
    assert_eq!(
        subject["url"],
        "https://sts.eu-west-3.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"
    );
    let header = |key: &str| {
        subject["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["key"] == key)
            .map(|h| h["value"].as_str().unwrap().to_owned())
    };
    assert_eq!(header("host").unwrap(), "sts.eu-west-3.amazonaws.com");
    assert_eq!(header("x-amz-security-token").unwrap(), "session-token");
    assert_eq!(header("x-goog-cloud-target-resource").unwrap(), AUDIENCE);
    let authorization = header("Authorization").unwrap();
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/")
            && authorization.contains("/eu-west-3/sts/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token;x-goog-cloud-target-resource, Signature="),
        "{authorization}"
    );
    // The secret key is nowhere in what was sent.
    assert!(!subject.to_string().contains("secret/key"));
}

#[test]
fn without_imdsv2_no_session_token_is_asked_and_a_refused_one_is_typed() {
    no_aws_environment();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let base = server(seen.clone());
    let options = LoadOptions::new().allow_loopback_endpoints(true);
    // IMDSv1 file against a server that wants the session header: its 401 is typed.
    let account = ExternalAccount::from_json(file(&base, false), &options).unwrap();
    let err = account.fetch_token(&s2s_oauth::agent(), None).unwrap_err();
    match &err {
        Error::UnexpectedStatus(r) => assert_eq!(r.status, 401),
        other => panic!("expected the metadata server's 401, got {other:?}"),
    }
    assert!(
        err.to_string().contains("imdsv2_session_token_url"),
        "{err}"
    );
    assert!(!seen.lock().unwrap().requests[0].0.starts_with("PUT"));
    // A refused session token stops there.
    seen.lock().unwrap().refuse_session = true;
    let account = ExternalAccount::from_json(file(&base, true), &options).unwrap();
    let err = account.fetch_token(&s2s_oauth::agent(), None).unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedStatus(r) if r.status == 403),
        "{err:?}"
    );
    // Without the loopback opt-in, the metadata URLs must be the metadata server.
    let refused = ExternalAccount::from_json(file(&base, true), &LoadOptions::new());
    assert!(matches!(refused, Err(Error::InvalidInput(_))));
}
