//! Google `external_account` files with a url `credential_source`
//! (`google-github-actions/auth`, Azure): the token fetched from a loopback
//! server at each exchange with the file's headers, `text` and `json` formats,
//! and the source's bad answers as typed errors that say what to check.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use s2s_oauth::Error;
use s2s_oauth::error::InputProblem;
use s2s_oauth::providers::google::{Credentials, ExternalAccount, LoadOptions};

const AUDIENCE: &str =
    "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/gh";

/// What the source answers next: status and body. The STS accepts any subject
/// token equal to `accept`.
struct Script {
    source: (u16, String),
    accept: String,
    /// Headers of the last GET, lowercased names.
    seen: Vec<(String, String)>,
}

/// A loopback server playing the token source (`GET /subject…`) and a Google
/// STS (`POST /v1/token`, the documented form; 200 with a token when
/// `subject_token` is the accepted one, else 400 invalid_grant).
fn server(script: Arc<Mutex<Script>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let (request_line, headers, body) = common::read_parsed_request(&stream);
            let mut script = script.lock().unwrap();
            let (status, body) = if request_line.starts_with("GET /subject") {
                script.seen = headers;
                script.source.clone()
            } else {
                let form: Vec<(String, String)> = url_decode(&body);
                let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
                if get("subject_token").as_deref() == Some(script.accept.as_str())
                    && get("audience").as_deref() == Some(AUDIENCE)
                {
                    (200, r#"{"access_token":"ya29.from-url","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":3600}"#.to_owned())
                } else {
                    (
                        400,
                        r#"{"error":"invalid_grant","error_description":"bad subject token"}"#
                            .to_owned(),
                    )
                }
            };
            let extra = if status == 302 {
                "Location: http://127.0.0.1:1/x\r\n"
            } else {
                ""
            };
            let response = format!(
                "HTTP/1.1 {status} X\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(response.as_bytes()).unwrap();
        }
    });
    base
}

fn url_decode(body: &[u8]) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    };
    std::str::from_utf8(body)
        .unwrap()
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn file(base: &str, source: serde_json::Value) -> String {
    serde_json::json!({
        "type": "external_account",
        "audience": AUDIENCE,
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": format!("{base}/v1/token"),
        "credential_source": source,
    })
    .to_string()
}

fn loopback() -> LoadOptions {
    LoadOptions::new().allow_loopback_endpoints(true)
}

fn setup(source: (u16, &str), accept: &str) -> (Arc<Mutex<Script>>, String) {
    let script = Arc::new(Mutex::new(Script {
        source: (source.0, source.1.to_owned()),
        accept: accept.to_owned(),
        seen: Vec::new(),
    }));
    let base = server(script.clone());
    (script, base)
}

#[test]
fn a_text_source_is_fetched_at_each_exchange_with_the_file_headers() {
    let (script, base) = setup((200, "eyJ.first.sig\n"), "eyJ.first.sig");
    let json = file(
        &base,
        serde_json::json!({
            "url": format!("{base}/subject?audience=x"),
            "headers": {"Authorization": "Bearer gh-request-token", "Metadata": "true"},
        }),
    );
    let credentials = Credentials::from_json(&json, &loopback()).unwrap();
    let agent = s2s_oauth::agent();
    let token = credentials.fetch_token(&agent, None).unwrap();
    assert_eq!(token.access_token().expose_secret(), "ya29.from-url");
    {
        let script = script.lock().unwrap();
        let seen = |n: &str| {
            script
                .seen
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(seen("authorization"), Some("Bearer gh-request-token"));
        assert_eq!(seen("metadata"), Some("true"));
    }
    // The token rotates: the next exchange fetches again.
    {
        let mut script = script.lock().unwrap();
        script.source = (200, "eyJ.second.sig".into());
        script.accept = "eyJ.second.sig".into();
    }
    credentials.fetch_token(&agent, None).unwrap();
    // The sans-IO request reads it too (with the crate's agent).
    let account = ExternalAccount::from_json(&json, &loopback()).unwrap();
    account.sts_request(None).unwrap().send(&agent).unwrap();
    // The headers never print.
    assert!(!format!("{account:?}").contains("gh-request-token"));
}

#[test]
fn a_json_source_gives_the_named_member() {
    let (_script, base) = setup(
        (200, r#"{"count":1,"value":"eyJ.json.sig"}"#),
        "eyJ.json.sig",
    );
    let json = file(
        &base,
        serde_json::json!({
            "url": format!("{base}/subject"),
            "format": {"type": "json", "subject_token_field_name": "value"},
        }),
    );
    let credentials = Credentials::from_json(json, &loopback()).unwrap();
    let token = credentials.fetch_token(&s2s_oauth::agent(), None).unwrap();
    assert_eq!(token.access_token().expose_secret(), "ya29.from-url");
}

#[test]
fn bad_answers_of_the_source_are_typed_and_say_what_to_check() {
    let (script, base) = setup((200, ""), "never");
    let agent = s2s_oauth::agent();
    let fetch = |format: serde_json::Value| {
        let mut source = serde_json::json!({ "url": format!("{base}/subject") });
        if !format.is_null() {
            source["format"] = format;
        }
        Credentials::from_json(file(&base, source), &loopback())
            .unwrap()
            .fetch_token(&agent, None)
            .unwrap_err()
    };
    let json_format = serde_json::json!({"type": "json", "subject_token_field_name": "value"});
    let cases: [(u16, &str, serde_json::Value, &str); 6] = [
        (
            403,
            "denied",
            serde_json::Value::Null,
            "credential_source.url",
        ),
        (302, "", serde_json::Value::Null, ""),
        (200, "", serde_json::Value::Null, "format"),
        (200, "<html>oops</html>", json_format.clone(), ""),
        (
            200,
            r#"{"other":"x"}"#,
            json_format.clone(),
            "subject_token_field_name",
        ),
        (
            200,
            r#"{"value":42}"#,
            json_format,
            "subject_token_field_name",
        ),
    ];
    for (status, body, format, hint) in cases {
        script.lock().unwrap().source = (status, body.to_owned());
        let err = fetch(format);
        let kind_ok = match status {
            403 => matches!(err, Error::UnexpectedStatus(_)),
            302 => matches!(err, Error::Redirect { .. }),
            _ if body.starts_with('<') => matches!(err, Error::NotJson(_)),
            _ => matches!(err, Error::MalformedResponse(_)),
        };
        assert!(kind_ok, "{status} {body}: {err:?}");
        assert!(err.to_string().contains(hint), "{status} {body}: {err}");
    }
}

#[test]
fn a_loopback_or_plain_http_source_is_refused_when_loading() {
    let refused = |url: &str, options: &LoadOptions| match ExternalAccount::from_json(
        file(
            "https://sts.googleapis.com",
            serde_json::json!({ "url": url }),
        ),
        options,
    ) {
        Err(Error::InvalidInput(e)) => (e.problem(), e.to_string()),
        other => panic!("{url}: expected an input error, got {other:?}"),
    };
    let (problem, message) = refused("http://127.0.0.1:9/subject", &LoadOptions::new());
    assert_eq!(problem, InputProblem::Unsupported);
    assert!(message.contains("allow_loopback_endpoints"), "{message}");
    let (problem, message) = refused("http://idp.example/subject", &LoadOptions::new());
    assert_eq!(problem, InputProblem::Unsupported);
    assert!(message.contains("https"), "{message}");
    // Any https host, and the metadata server over http, are accepted.
    for url in [
        "https://token.actions.githubusercontent.com/abc?api-version=2.0&audience=x",
        "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01",
    ] {
        let json = file(
            "https://sts.googleapis.com",
            serde_json::json!({ "url": url }),
        );
        ExternalAccount::from_json(json, &LoadOptions::new()).unwrap();
    }
}
