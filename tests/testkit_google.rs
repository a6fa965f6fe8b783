//! The testkit's Google shapes: the STS token exchange (`POST /v1/token` with
//! Google's form parameters, the subject token checked by the testkit's trust)
//! and IAM Credentials `generateAccessToken`, driven by the crate's own
//! `external_account` loader and by hand-written requests for the wire shape.
#![cfg(all(feature = "testkit", feature = "ureq"))]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use s2s_oauth::Error;
use s2s_oauth::error::ErrorCode;
use s2s_oauth::providers::google::{ExternalAccount, LoadOptions};
use s2s_oauth::testkit::{Config, Profile, Server, TrustedIssuer};

use common::{CLUSTER, cluster_key};

const PROVIDER: &str =
    "//iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/ci/providers/k8s";
const ROBOT: &str = "robot@demo.iam.gserviceaccount.com";
const JWT_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

fn server() -> Server {
    Server::start(
        Config::new(Profile::Generic)
            .with_trusted_issuer(TrustedIssuer::new(CLUSTER, cluster_key().verifying_key()))
            .with_google_provider(PROVIDER)
            .with_google_service_account(ROBOT),
    )
    .unwrap()
}

/// A platform token with `aud` = Google's default allowed audience.
fn subject(aud: &str) -> String {
    common::ci_subject_token(aud)
}

fn default_aud() -> String {
    format!("https:{PROVIDER}")
}

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An `external_account` file against `server`, its token file holding `token`.
fn account(
    server: &Server,
    name: &str,
    audience: &str,
    token: &str,
    impersonate: Option<&str>,
) -> (ExternalAccount, Dir) {
    let dir = std::env::temp_dir().join(format!("s2s-tk-google-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("token"), token).unwrap();
    let mut json = serde_json::json!({
        "type": "external_account",
        "audience": audience,
        "subject_token_type": JWT_TYPE,
        "token_url": server.google_sts_url(),
        "credential_source": { "file": dir.join("token") },
    });
    if let Some(email) = impersonate {
        json["service_account_impersonation_url"] = server.google_impersonation_url(email).into();
    }
    let options = LoadOptions::new().allow_loopback_endpoints(true);
    (
        ExternalAccount::from_json(json.to_string(), &options).unwrap(),
        Dir(dir),
    )
}

fn post(
    url: &str,
    content_type: &str,
    authorization: Option<&str>,
    body: &str,
) -> (u16, serde_json::Value) {
    let mut request = s2s_oauth::agent()
        .post(url)
        .header("Content-Type", content_type);
    if let Some(a) = authorization {
        request = request.header("Authorization", a);
    }
    let mut response = request.send(body).expect("the testkit answers");
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_vec().expect("a body");
    (status, serde_json::from_slice(&body).unwrap_or_default())
}

fn sts_form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| format!("{n}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn good_form(token: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "grant_type",
            "urn:ietf:params:oauth:grant-type:token-exchange".into(),
        ),
        ("audience", PROVIDER.into()),
        (
            "scope",
            "https://www.googleapis.com/auth/cloud-platform".into(),
        ),
        (
            "requested_token_type",
            "urn:ietf:params:oauth:token-type:access_token".into(),
        ),
        ("subject_token", token.into()),
        ("subject_token_type", JWT_TYPE.into()),
    ]
}

fn send_form(server: &Server, form: &[(&'static str, String)]) -> (u16, serde_json::Value) {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(n, v)| (*n, v.as_str())).collect();
    post(
        &server.google_sts_url(),
        "application/x-www-form-urlencoded",
        None,
        &sts_form(&pairs),
    )
}

#[test]
fn the_sts_answers_in_googles_shape() {
    let server = server();
    let (status, body) = send_form(&server, &good_form(&subject(&default_aud())));
    assert_eq!(status, 200, "{body}");
    let mut members: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(
        members,
        [
            "access_token",
            "expires_in",
            "issued_token_type",
            "token_type"
        ]
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(
        body["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert_eq!(body["expires_in"], 3600);
    // The optional `options` member: a JSON object, else invalid_request.
    let mut with_options = good_form(&subject(&default_aud()));
    with_options.push(("options", r#"{"userProject":"42"}"#.into()));
    assert_eq!(send_form(&server, &with_options).0, 200);
    with_options.pop();
    with_options.push(("options", "not json".into()));
    let (status, body) = send_form(&server, &with_options);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
}

/// A change made to a good STS form.
type Change = dyn Fn(&mut Vec<(&'static str, String)>);

#[test]
fn sts_refusals_are_googles_errors() {
    let server = server();
    let token = subject(&default_aud());
    let cases: Vec<(&str, Box<Change>, &str)> = vec![
        (
            "unknown provider",
            Box::new(|f| f[1].1 = format!("{PROVIDER}x")),
            "invalid_target",
        ),
        (
            "wrong grant",
            Box::new(|f| f[0].1 = "client_credentials".into()),
            "unsupported_grant_type",
        ),
        (
            "no requested type",
            Box::new(|f| {
                f.remove(3);
            }),
            "invalid_request",
        ),
        (
            "saml2 subject",
            Box::new(|f| f[5].1 = "urn:ietf:params:oauth:token-type:saml2".into()),
            "invalid_request",
        ),
        (
            "no subject",
            Box::new(|f| {
                f.remove(4);
            }),
            "invalid_request",
        ),
        (
            "tampered subject",
            Box::new(|f| f[4].1.push('x')),
            "invalid_grant",
        ),
        (
            "repeated audience",
            Box::new(|f| f.push(("audience", PROVIDER.into()))),
            "invalid_request",
        ),
        (
            // Google's reference: required for an external credential.
            "no scope",
            Box::new(|f| {
                f.remove(2);
            }),
            "invalid_request",
        ),
        (
            "empty scope",
            Box::new(|f| f[2].1 = String::new()),
            "invalid_request",
        ),
    ];
    for (name, change, code) in cases {
        let mut form = good_form(&token);
        change(&mut form);
        let (status, body) = send_form(&server, &form);
        assert_eq!(status, 400, "{name}: {body}");
        assert_eq!(body["error"], code, "{name}: {body}");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{name}"
        );
    }
    // Google's reference: "do not send the Authorization HTTP header".
    let form = good_form(&token);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let (status, body) = post(
        &server.google_sts_url(),
        "application/x-www-form-urlencoded",
        Some("Bearer ya29.elsewhere"),
        &sts_form(&pairs),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    // A JSON body is not the form the STS takes here.
    let (status, _) = post(&server.google_sts_url(), "application/json", None, "{}");
    assert_eq!(status, 400);
}

#[test]
fn the_crates_loader_runs_the_exchange_and_refusals_are_typed() {
    let server = server();
    let agent = s2s_oauth::agent();
    let (good, _dir) = account(&server, "good", PROVIDER, &subject(&default_aud()), None);
    let token = good.fetch_token(&agent, None).unwrap();
    assert!(!token.access_token().expose_secret().is_empty());
    // The STS token works at the protected resource.
    let answer = common_get(&server.resource_url(), token.access_token().expose_secret());
    assert_eq!(answer, 200);
    let sent = &server.requests()[0];
    assert_eq!(sent.path(), "/v1/token");
    assert_eq!(sent.form_value("audience"), Some(PROVIDER));

    // A subject token for another audience: invalid_grant, typed.
    let (wrong_aud, _d2) = account(
        &server,
        "aud",
        PROVIDER,
        &subject("https://elsewhere"),
        None,
    );
    match wrong_aud.fetch_token(&agent, None).unwrap_err() {
        Error::OAuth(e) => assert_eq!(e.code, ErrorCode::InvalidGrant),
        other => panic!("{other:?}"),
    }
    // A provider the STS does not know: invalid_target, typed.
    let (unknown, _d3) = account(
        &server,
        "target",
        "//iam.googleapis.com/other",
        &subject(&default_aud()),
        None,
    );
    match unknown.fetch_token(&agent, None).unwrap_err() {
        Error::OAuth(e) => assert_eq!(e.code.as_str(), "invalid_target"),
        other => panic!("{other:?}"),
    }
}

fn common_get(url: &str, token: &str) -> u16 {
    s2s_oauth::agent()
        .get(url)
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("the testkit answers")
        .status()
        .as_u16()
}

#[test]
fn generate_access_token_impersonates_with_the_sts_token() {
    let server = server();
    let agent = s2s_oauth::agent();
    let (impersonating, _dir) = account(
        &server,
        "imp",
        PROVIDER,
        &subject(&default_aud()),
        Some(ROBOT),
    );
    let scope = "https://www.googleapis.com/auth/devstorage.read_only";
    let token = impersonating.fetch_token(&agent, Some(scope)).unwrap();
    let expires = token.expires_at().unwrap();
    let left = expires
        .duration_since(std::time::SystemTime::now())
        .unwrap();
    assert!(
        left > Duration::from_secs(3500) && left <= Duration::from_secs(3600),
        "{left:?}"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    // The STS is asked for cloud-platform; the caller's scope goes to IAM.
    assert_eq!(
        requests[0].form_value("scope"),
        Some("https://www.googleapis.com/auth/cloud-platform")
    );
    assert!(
        requests[1]
            .path()
            .ends_with(&format!("/serviceAccounts/{ROBOT}:generateAccessToken"))
    );
    assert_eq!(
        common_get(&server.resource_url(), token.access_token().expose_secret()),
        200
    );

    // Another service account: 403 PERMISSION_DENIED, typed as an unexpected status.
    let (other, _d2) = account(
        &server,
        "imp2",
        PROVIDER,
        &subject(&default_aud()),
        Some("other@p.iam.gserviceaccount.com"),
    );
    match other.fetch_token(&agent, None).unwrap_err() {
        Error::UnexpectedStatus(r) => assert_eq!(r.status, 403),
        e => panic!("{e:?}"),
    }
    // By hand: no bearer, an unknown bearer, a bad body.
    let url = server.google_impersonation_url(ROBOT);
    let sts = ExternalAccount::fetch_token(
        &account(&server, "imp3", PROVIDER, &subject(&default_aud()), None).0,
        &agent,
        None,
    )
    .unwrap();
    let bearer = format!("Bearer {}", sts.access_token().expose_secret());
    let body = r#"{"scope":["https://www.googleapis.com/auth/cloud-platform"],"lifetime":"600s"}"#;
    let (status, answer) = post(&url, "application/json", None, body);
    assert_eq!(
        (status, answer["error"]["status"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );
    let (status, _) = post(&url, "application/json", Some("Bearer nope"), body);
    assert_eq!(status, 401);
    let (status, answer) = post(&url, "application/json", Some(&bearer), body);
    assert_eq!(status, 200, "{answer}");
    assert!(answer["accessToken"].is_string());
    assert!(
        answer["expireTime"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    // A Duration's JSON form may carry a fraction of a second, as Google reads it.
    let fractional = r#"{"scope":["a"],"lifetime":"600.5s"}"#;
    let (status, answer) = post(&url, "application/json", Some(&bearer), fractional);
    assert_eq!(status, 200, "{answer}");
    for bad in [
        r#"{"scope":["a"],"lifetime":"600.s"}"#,
        r#"{"scope":["a"],"lifetime":".5s"}"#,
        r#"{"scope":["a"],"lifetime":"1.0000000001s"}"#,
        r#"{"scope":["a"],"lifetime":"-600s"}"#,
        r#"{"scope":["a"],"lifetime":"6e2s"}"#,
        r#"{"scope":["a"],"lifetime":"0.0s"}"#,
        r#"{"scope":[],"lifetime":"600s"}"#,
        r#"{"lifetime":"600s"}"#,
        r#"{"scope":["a"],"lifetime":"7200s"}"#,
        r#"{"scope":["a"],"lifetime":"soon"}"#,
        r#"{"scope":[""]}"#,
        "[",
    ] {
        let (status, answer) = post(&url, "application/json", Some(&bearer), bad);
        assert_eq!(
            (status, answer["error"]["status"].as_str()),
            (400, Some("INVALID_ARGUMENT")),
            "{bad}"
        );
    }
}

#[test]
fn the_github_oidc_shape_feeds_the_sts() {
    use s2s_oauth::exchange::{TokenSource, TokenTypeUri};
    use s2s_oauth::providers::github_actions;
    use s2s_oauth::secret::SecurityToken;
    use s2s_oauth::testkit::GITHUB_ISSUER;

    let github = common::signing_key("rsa2048.pkcs8.pem");
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_github_actions_oidc(github.clone(), "request-token", "acme/deploy")
            .with_trusted_issuer(TrustedIssuer::new(GITHUB_ISSUER, github.verifying_key()))
            .with_google_provider(PROVIDER)
            .with_google_service_account(ROBOT),
    )
    .unwrap();
    let agent = s2s_oauth::agent();
    let fetch = |request_token: &str, audience: Option<&str>| {
        let http = github_actions::request(
            &server.github_actions_oidc_url(),
            &SecurityToken::new(request_token),
            audience,
        )
        .unwrap();
        github_actions::parse(&http.send(&agent, &s2s_oauth::SendOptions::new()).unwrap())
    };
    // The token: GitHub's issuer, the workflow's subject, the audience asked for.
    let token = fetch("request-token", Some("https://iam.example")).unwrap();
    let claims = s2s_oauth::jwt::UnverifiedJwt::decode(token.expose_secret()).unwrap();
    assert_eq!(claims.issuer(), Some(GITHUB_ISSUER));
    assert_eq!(
        claims.claims()["sub"],
        "repo:acme/deploy:ref:refs/heads/main"
    );
    assert_eq!(claims.claims()["aud"], "https://iam.example");
    // No audience: GitHub's default, the owner's URL.
    let token = fetch("request-token", None).unwrap();
    let claims = s2s_oauth::jwt::UnverifiedJwt::decode(token.expose_secret()).unwrap();
    assert_eq!(claims.claims()["aud"], "https://github.com/acme");
    // A wrong request token: 401, a typed error.
    assert!(matches!(
        fetch("guess", None).unwrap_err(),
        Error::UnexpectedStatus(_)
    ));

    // The chain, built without a credential file.
    let url = server.github_actions_oidc_url();
    let source_agent = agent.clone();
    let subject = TokenSource::from_fn(move || {
        let http = github_actions::request(
            &url,
            &SecurityToken::new("request-token"),
            Some(&format!("https:{PROVIDER}")),
        )?;
        github_actions::parse(&http.send(&source_agent, &s2s_oauth::SendOptions::new())?)
    });
    let local = LoadOptions::new().allow_loopback_endpoints(true);
    let account = ExternalAccount::new(PROVIDER, TokenTypeUri::Jwt, subject)
        .unwrap()
        .with_token_url(&server.google_sts_url(), &local)
        .unwrap()
        .with_impersonation_url(&server.google_impersonation_url(ROBOT), &local)
        .unwrap();
    let token = account.fetch_token(&agent, None).unwrap();
    assert_eq!(
        common_get(&server.resource_url(), token.access_token().expose_secret()),
        200
    );
    // The builder's checks: no loopback without the switch, no odd service account.
    let bare = ExternalAccount::new(PROVIDER, TokenTypeUri::Jwt, TokenSource::new("t")).unwrap();
    assert!(
        bare.clone()
            .with_token_url(&server.google_sts_url(), &LoadOptions::new())
            .is_err()
    );
    assert!(bare.clone().with_service_account("not-an-email").is_err());
    assert!(bare.clone().with_service_account("a@b/../x").is_err());
    assert!(ExternalAccount::new(" ", TokenTypeUri::Jwt, TokenSource::new("t")).is_err());
}
