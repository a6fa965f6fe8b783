//! Google `external_account` credential files: the STS request's wire shape as
//! Google documents it (form parameters of `sts.googleapis.com/v1/token`), the
//! endpoint checks that keep a tampered file from sending the platform token
//! elsewhere, the credential sources, and a loopback run against a small
//! STS-shaped server written here from Google's documentation.
#![cfg(feature = "ureq")]

mod common;
mod presets;

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;

use s2s_oauth::Error;
use s2s_oauth::error::{ErrorCode, InputField, InputProblem};
use s2s_oauth::providers::google::{Credentials, ExternalAccount, LoadOptions};

use presets::{build, form, names, value};

const AUDIENCE: &str =
    "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/k8s";
const JWT_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("s2s-google-ea-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn file_json(token_url: &str, source: serde_json::Value) -> String {
    serde_json::json!({
        "type": "external_account",
        "audience": AUDIENCE,
        "subject_token_type": JWT_TYPE,
        "token_url": token_url,
        "credential_source": source,
    })
    .to_string()
}

fn refusal(json: &str, options: &LoadOptions) -> (InputField, InputProblem, String) {
    match ExternalAccount::from_json(json, options).unwrap_err() {
        Error::InvalidInput(e) => (e.field(), e.problem(), e.message().to_owned()),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn the_sts_request_carries_the_documented_form_parameters() {
    let dir = temp_dir("shape");
    let path = dir.join("token");
    std::fs::write(&path, "eyJ.k8s.sig\n").unwrap();
    let json = file_json(
        "https://sts.googleapis.com/v1/token",
        serde_json::json!({ "file": path }),
    );
    let account = ExternalAccount::from_json(&json, &LoadOptions::new()).unwrap();
    let http = build(&account.sts_request(None).unwrap());
    assert_eq!(http.url(), "https://sts.googleapis.com/v1/token");
    assert_eq!(http.method(), "POST");
    assert!(http.header("authorization").is_none());
    let sent = form(http.body());
    let mut sorted = names(&sent);
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "audience",
            "grant_type",
            "requested_token_type",
            "scope",
            "subject_token",
            "subject_token_type"
        ]
    );
    assert_eq!(
        value(&sent, "grant_type"),
        "urn:ietf:params:oauth:grant-type:token-exchange"
    );
    assert_eq!(value(&sent, "audience"), AUDIENCE);
    assert_eq!(
        value(&sent, "scope"),
        "https://www.googleapis.com/auth/cloud-platform"
    );
    assert_eq!(
        value(&sent, "requested_token_type"),
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert_eq!(value(&sent, "subject_token"), "eyJ.k8s.sig");
    assert_eq!(value(&sent, "subject_token_type"), JWT_TYPE);
    // Another scope; the file read again.
    std::fs::write(&path, "eyJ.rotated.sig").unwrap();
    let sent = form(
        build(
            &account
                .sts_request(Some("https://www.googleapis.com/auth/devstorage.read_only"))
                .unwrap(),
        )
        .body(),
    );
    assert_eq!(
        value(&sent, "scope"),
        "https://www.googleapis.com/auth/devstorage.read_only"
    );
    assert_eq!(value(&sent, "subject_token"), "eyJ.rotated.sig");

    // format json: the named member of the file's object.
    std::fs::write(&path, r#"{"id_token":"eyJ.json.sig","other":1}"#).unwrap();
    let json = file_json(
        "https://sts.googleapis.com/v1/token",
        serde_json::json!({ "file": path, "format": {"type": "json", "subject_token_field_name": "id_token"} }),
    );
    let account = ExternalAccount::from_json(&json, &LoadOptions::new()).unwrap();
    let sent = form(build(&account.sts_request(None).unwrap()).body());
    assert_eq!(value(&sent, "subject_token"), "eyJ.json.sig");
    // ...and a file without that member is a source error when building.
    std::fs::write(&path, r#"{"access_token":"x"}"#).unwrap();
    let err = account
        .sts_request(None)
        .unwrap()
        .to_http_request(presets::now(), &ring::rand::SystemRandom::new())
        .unwrap_err();
    assert!(matches!(err, Error::TokenSource(_)), "{err:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_tampered_endpoint_is_refused_before_anything_is_read() {
    let source = serde_json::json!({ "file": "/nonexistent/token" });
    let options = LoadOptions::new();
    for url in [
        "https://sts.googleapis.com/v1/token",
        "https://sts.us-east7.rep.googleapis.com/v1/token",
        "https://us-east1-sts.googleapis.com/v1/token",
    ] {
        ExternalAccount::from_json(file_json(url, source.clone()), &options)
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }
    for url in [
        "https://attacker.example/v1/token",
        "https://sts.googleapis.com.attacker.example/v1/token",
        "https://attacker.example/sts.googleapis.com",
        "https://iamcredentials.googleapis.com/v1/token",
        "http://sts.googleapis.com/v1/token",
        "https://sts.example.goog/v1/token",
        "http://127.0.0.1:8080/v1/token",
    ] {
        let err = ExternalAccount::from_json(file_json(url, source.clone()), &options);
        assert!(err.is_err(), "{url} accepted");
    }
    let (field, problem, message) = refusal(
        &file_json("https://attacker.example/v1/token", source.clone()),
        &options,
    );
    assert_eq!(
        (field, problem),
        (InputField::CredentialsFile, InputProblem::Unsupported)
    );
    assert!(message.contains("attacker.example"), "{message}");
    // A universe domain the caller names.
    let universe = LoadOptions::new().with_universe_domain("example.goog");
    ExternalAccount::from_json(
        file_json("https://sts.example.goog/v1/token", source.clone()),
        &universe,
    )
    .unwrap();

    // The impersonation URL is checked too.
    let mut value: serde_json::Value =
        serde_json::from_str(&file_json(STS, source.clone())).unwrap();
    value["service_account_impersonation_url"] = "https://attacker.example/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken".into();
    assert!(ExternalAccount::from_json(value.to_string(), &options).is_err());
    let good = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken";
    value["service_account_impersonation_url"] = good.into();
    let account = ExternalAccount::from_json(value.to_string(), &options).unwrap();
    assert_eq!(account.impersonation_url(), Some(good));
    assert_eq!(account.token_url(), STS);
}

const STS: &str = "https://sts.googleapis.com/v1/token";

#[test]
fn malformed_files_and_sources_get_typed_errors() {
    let options = LoadOptions::new();
    let file = serde_json::json!({ "file": "/t" });
    // Not JSON; another type; missing members.
    assert_eq!(refusal("{", &options).1, InputProblem::Malformed);
    assert_eq!(
        refusal(r#"{"type":"service_account"}"#, &options).1,
        InputProblem::Unsupported
    );
    let mut v: serde_json::Value = serde_json::from_str(&file_json(STS, file.clone())).unwrap();
    for member in ["audience", "subject_token_type", "credential_source"] {
        let mut without = v.clone();
        without.as_object_mut().unwrap().remove(member);
        let (_, problem, message) = refusal(&without.to_string(), &options);
        assert_eq!(problem, InputProblem::Missing, "{member}");
        assert!(message.contains(member), "{message}");
    }
    // No token_url: Google's STS.
    v.as_object_mut().unwrap().remove("token_url");
    assert_eq!(
        ExternalAccount::from_json(v.to_string(), &options)
            .unwrap()
            .token_url(),
        STS
    );
    // Sources.
    let exe =
        serde_json::json!({ "executable": {"command": "/bin/echo hi", "timeout_millis": 5000} });
    let (_, problem, message) = refusal(&file_json(STS, exe.clone()), &options);
    assert_eq!(problem, InputProblem::Unsupported);
    assert!(
        message.contains("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES"),
        "{message}"
    );
    let allowed = LoadOptions::new().allow_executables(true);
    ExternalAccount::from_json(file_json(STS, exe), &allowed).unwrap();
    let slow =
        serde_json::json!({ "executable": {"command": "/bin/echo", "timeout_millis": 500_000} });
    assert_eq!(
        refusal(&file_json(STS, slow), &allowed).1,
        InputProblem::OutOfRange
    );
    let relative = serde_json::json!({ "executable": {"command": "echo hi"} });
    assert!(ExternalAccount::from_json(file_json(STS, relative), &allowed).is_err());
    for (source, problem) in [
        (
            serde_json::json!({ "environment_id": "aws1", "region_url": "x",
                "regional_cred_verification_url": "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15" }),
            InputProblem::Unsupported,
        ),
        (
            serde_json::json!({ "environment_id": "aws1" }),
            InputProblem::Missing,
        ),
        (
            serde_json::json!({ "environment_id": "aws2",
                "regional_cred_verification_url": "https://sts.{region}.amazonaws.com" }),
            InputProblem::Unsupported,
        ),
        (
            serde_json::json!({ "url": "http://example.com/token" }),
            InputProblem::Unsupported,
        ),
        (
            serde_json::json!({ "url": "file:///var/run/token" }),
            InputProblem::Unsupported,
        ),
        (
            serde_json::json!({ "url": "https://idp.example/t", "headers": {"X": "a\r\nB: c"} }),
            InputProblem::Malformed,
        ),
        (serde_json::json!({}), InputProblem::Missing),
        (
            serde_json::json!({ "file": "/t", "format": {"type": "json"} }),
            InputProblem::Missing,
        ),
        (
            serde_json::json!({ "file": "/t", "format": {"type": "xml"} }),
            InputProblem::Unsupported,
        ),
    ] {
        assert_eq!(
            refusal(&file_json(STS, source.clone()), &options).1,
            problem,
            "{source}"
        );
    }
    // A subject token type that is not a URI.
    let mut bad_type = v.clone();
    bad_type["subject_token_type"] = "jwt token".into();
    assert!(ExternalAccount::from_json(bad_type.to_string(), &options).is_err());
}

#[test]
fn one_loader_takes_either_kind_of_file() {
    let pem = include_str!("data/keys/rsa2048.pkcs8.pem");
    let service_account = serde_json::json!({
        "type": "service_account",
        "client_email": "robot@p.iam.gserviceaccount.com",
        "private_key": pem,
        "token_uri": "https://oauth2.googleapis.com/token",
    })
    .to_string();
    let options = LoadOptions::new();
    let credentials = Credentials::from_json(&service_account, &options).unwrap();
    assert!(matches!(credentials, Credentials::ServiceAccount(_)));
    let request = credentials.token_request(None).unwrap();
    assert_eq!(request.token_url(), "https://oauth2.googleapis.com/token");
    let sent = form(build(&request).body());
    assert_eq!(
        value(&sent, "grant_type"),
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    let (_, claims) = presets::jwt(value(&sent, "assertion"));
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/cloud-platform"
    );

    let external = file_json(STS, serde_json::json!({ "file": "/t" }));
    let credentials = Credentials::from_json(&external, &options).unwrap();
    assert!(matches!(credentials, Credentials::ExternalAccount(_)));
    assert_eq!(credentials.token_request(None).unwrap().token_url(), STS);

    for bad in [r#"{"type":"authorized_user"}"#, "{}", "[", "null"] {
        match Credentials::from_json(bad, &options).unwrap_err() {
            Error::InvalidInput(e) => assert_eq!(e.field(), InputField::CredentialsFile, "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
}

/// One request read from `stream`: its request line, `Authorization` header and
/// body.
fn read_request(stream: &mut std::net::TcpStream) -> (String, String, Vec<u8>) {
    let (request_line, headers, body) = common::read_parsed_request(stream);
    let authorization = headers
        .into_iter()
        .find(|(n, _)| n == "authorization")
        .map(|(_, v)| v)
        .unwrap_or_default();
    (request_line, authorization, body)
}

const IMPERSONATE_PATH: &str =
    "/v1/projects/-/serviceAccounts/robot@p.iam.gserviceaccount.com:generateAccessToken";

/// A Google STS-shaped server, written from the documentation of
/// `POST https://sts.googleapis.com/v1/token`: it checks the documented form
/// parameters and answers `{access_token, issued_token_type, token_type,
/// expires_in}`, or `{error, error_description}` with 400 for a subject token it
/// does not accept. On [`IMPERSONATE_PATH`] it plays IAM Credentials
/// `generateAccessToken` (documented request `{"scope": [...], "lifetime"}` with
/// the STS token as bearer; answer `{"accessToken", "expireTime"}`).
fn sts_server(
    accepted_subject: &'static str,
    requests: usize,
) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        for _ in 0..requests {
            let (mut stream, _) = listener.accept().unwrap();
            let (line, authorization, body) = read_request(&mut stream);
            let (status, body) = if line.starts_with(&format!("POST {IMPERSONATE_PATH} ")) {
                let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let ok = authorization == "Bearer ya29.federated"
                    && request["lifetime"] == "3600s"
                    && request["scope"]
                        == serde_json::json!(["https://www.googleapis.com/auth/cloud-platform"]);
                if ok {
                    ("200 OK", r#"{"accessToken":"ya29.impersonated","expireTime":"2030-01-02T03:04:05.123456Z"}"#.to_owned())
                } else {
                    ("403 Forbidden", r#"{"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getAccessToken' denied","status":"PERMISSION_DENIED"}}"#.to_owned())
                }
            } else {
                let params = form(&body);
                let get = |name: &str| {
                    params
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.as_str())
                        .unwrap_or("")
                };
                let ok = line.starts_with("POST /v1/token ")
                    && authorization.is_empty()
                    && get("grant_type") == "urn:ietf:params:oauth:grant-type:token-exchange"
                    && get("audience") == AUDIENCE
                    && get("requested_token_type")
                        == "urn:ietf:params:oauth:token-type:access_token"
                    && get("subject_token_type") == JWT_TYPE
                    && !get("scope").is_empty();
                if ok && get("subject_token") == accepted_subject {
                    (
                        "200 OK",
                        r#"{"access_token":"ya29.federated","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":3600}"#.to_owned(),
                    )
                } else {
                    (
                        "400 Bad Request",
                        r#"{"error":"invalid_grant","error_description":"The audience in ID Token does not match the expected audience."}"#.to_owned(),
                    )
                }
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(response.as_bytes()).unwrap();
        }
    });
    (url, handle)
}

#[test]
fn a_loopback_sts_exchanges_the_file_token_and_refusals_are_oauth_errors() {
    let (base, server) = sts_server("eyJ.good.sig", 2);
    let url = format!("{base}/v1/token");
    let dir = temp_dir("loopback");
    let path = dir.join("token");
    std::fs::write(&path, "eyJ.good.sig").unwrap();
    let credentials = Credentials::from_json(
        file_json(&url, serde_json::json!({ "file": path })),
        &LoadOptions::new().allow_loopback_endpoints(true),
    )
    .unwrap();
    let request = credentials.token_request(None).unwrap();
    let agent = s2s_oauth::agent();
    let token = request.send(&agent).unwrap();
    assert_eq!(token.access_token().expose_secret(), "ya29.federated");
    std::fs::write(&path, "eyJ.other.sig").unwrap();
    match request.send(&agent).unwrap_err() {
        Error::OAuth(e) => assert_eq!(e.code, ErrorCode::InvalidGrant),
        other => panic!("expected invalid_grant, got {other:?}"),
    }
    server.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn impersonation_follows_the_sts_exchange() {
    let (base, server) = sts_server("eyJ.good.sig", 5);
    let dir = temp_dir("impersonate");
    let path = dir.join("token");
    std::fs::write(&path, "eyJ.good.sig").unwrap();
    let mut file: serde_json::Value = serde_json::from_str(&file_json(
        &format!("{base}/v1/token"),
        serde_json::json!({ "file": path }),
    ))
    .unwrap();
    file["service_account_impersonation_url"] = format!("{base}{IMPERSONATE_PATH}").into();
    let credentials = Credentials::from_json(
        file.to_string(),
        &LoadOptions::new().allow_loopback_endpoints(true),
    )
    .unwrap();
    let agent = s2s_oauth::agent();
    // STS, then generateAccessToken with the STS token as bearer.
    let token = credentials.fetch_token(&agent, None).unwrap();
    assert_eq!(token.access_token().expose_secret(), "ya29.impersonated");
    assert_eq!(
        token.expires_at(),
        Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_893_553_445))
    );
    // Another scope than the impersonation server grants: its 403 is typed.
    let err = credentials
        .fetch_token(&agent, Some("https://www.googleapis.com/auth/other"))
        .unwrap_err();
    match &err {
        Error::UnexpectedStatus(r) => assert_eq!(r.status, 403),
        other => panic!("expected a 403, got {other:?}"),
    }
    assert!(err.to_string().contains("workloadIdentityUser"), "{err}");
    // A refused subject token stops at the STS: no impersonation call is made.
    std::fs::write(&path, "eyJ.bad.sig").unwrap();
    assert!(matches!(
        credentials.fetch_token(&agent, None).unwrap_err(),
        Error::OAuth(_)
    ));
    server.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_impersonation_halves_are_pure() {
    use s2s_oauth::HttpResponse;
    use s2s_oauth::secret::AccessToken;
    let mut file: serde_json::Value =
        serde_json::from_str(&file_json(STS, serde_json::json!({ "file": "/t" }))).unwrap();
    let account = ExternalAccount::from_json(file.to_string(), &LoadOptions::new()).unwrap();
    // No impersonation URL: a typed refusal.
    assert!(matches!(
        account.impersonation_request(&AccessToken::new("ya29.sts"), None),
        Err(Error::InvalidInput(_))
    ));
    let url = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/robot@p.iam.gserviceaccount.com:generateAccessToken";
    file["service_account_impersonation_url"] = url.into();
    let account = ExternalAccount::from_json(file.to_string(), &LoadOptions::new()).unwrap();
    let http = account
        .impersonation_request(
            &AccessToken::new("ya29.sts"),
            Some("https://www.googleapis.com/auth/a https://www.googleapis.com/auth/b"),
        )
        .unwrap();
    assert_eq!((http.method(), http.url()), ("POST", url));
    assert_eq!(http.header("authorization"), Some("Bearer ya29.sts"));
    assert_eq!(http.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(http.body()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"scope": ["https://www.googleapis.com/auth/a", "https://www.googleapis.com/auth/b"], "lifetime": "3600s"})
    );
    assert!(!format!("{http:?}").contains("ya29.sts"));
    let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    let answer = |status: u16, body: &str| {
        HttpResponse::new(
            status,
            vec![("Content-Type".into(), "application/json".into())],
            body.as_bytes().to_vec(),
        )
    };
    let token = ExternalAccount::parse_impersonation_response(
        &answer(
            200,
            r#"{"accessToken":"ya29.i","expireTime":"2023-11-14T23:13:20+01:00"}"#,
        ),
        now,
    )
    .unwrap();
    assert_eq!(token.access_token().expose_secret(), "ya29.i");
    assert_eq!(
        token.expires_at(),
        Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000))
    );
    for (status, body, malformed) in [
        (200, r#"{"expireTime":"2030-01-01T00:00:00Z"}"#, true),
        (
            200,
            r#"{"accessToken":"","expireTime":"2030-01-01T00:00:00Z"}"#,
            true,
        ),
        (200, r#"{"accessToken":"a","expireTime":"tomorrow"}"#, true),
        (200, r#"{"accessToken":"a","expireTime":5}"#, true),
        (500, r#"{"error":{"code":500}}"#, false),
    ] {
        let err =
            ExternalAccount::parse_impersonation_response(&answer(status, body), now).unwrap_err();
        if malformed {
            assert!(
                matches!(err, Error::MalformedResponse(_)),
                "{body}: {err:?}"
            );
        } else {
            assert!(matches!(err, Error::UnexpectedStatus(_)), "{body}: {err:?}");
        }
    }
    assert!(ExternalAccount::parse_impersonation_response(&answer(200, "[1]"), now).is_err());
    assert!(ExternalAccount::parse_impersonation_response(&answer(200, "<html>"), now).is_err());
}
