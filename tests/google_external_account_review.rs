//! Review findings on Google `external_account` files, each pinned by a test
//! that failed before its fix: with impersonation the STS is asked for
//! cloud-platform alone; an executable gets Google's documented environment;
//! loopback endpoints need an explicit opt-in.
#![cfg(feature = "ureq")]

mod presets;

use std::path::{Path, PathBuf};

use s2s_oauth::Error;
use s2s_oauth::error::{InputField, InputProblem};
use s2s_oauth::providers::google::{CLOUD_PLATFORM_SCOPE, ExternalAccount, LoadOptions};

use presets::{build, form, value};

const AUDIENCE: &str =
    "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/gh";
const JWT_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";
const STS: &str = "https://sts.googleapis.com/v1/token";
const IMPERSONATE: &str = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/robot@p.iam.gserviceaccount.com:generateAccessToken";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("s2s-google-rv-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn file(token_url: &str, impersonation: Option<&str>, source: serde_json::Value) -> String {
    let mut json = serde_json::json!({
        "type": "external_account",
        "audience": AUDIENCE,
        "subject_token_type": JWT_TYPE,
        "token_url": token_url,
        "credential_source": source,
    });
    if let Some(url) = impersonation {
        json["service_account_impersonation_url"] = url.into();
    }
    json.to_string()
}

#[test]
fn with_impersonation_the_sts_is_asked_for_cloud_platform_only() {
    let storage = "https://www.googleapis.com/auth/devstorage.read_only";
    let dir = temp_dir("scope");
    let path = dir.join("token");
    std::fs::write(&path, "eyJ.a.b").unwrap();
    let source_file = serde_json::json!({ "file": path });

    let account = ExternalAccount::from_json(
        file(STS, Some(IMPERSONATE), source_file.clone()),
        &LoadOptions::new(),
    )
    .unwrap();
    let sent = form(build(&account.sts_request(Some(storage)).unwrap()).body());
    assert_eq!(value(&sent, "scope"), CLOUD_PLATFORM_SCOPE);
    // The caller's scope goes to generateAccessToken.
    let http = account
        .impersonation_request(
            &s2s_oauth::secret::AccessToken::new("ya29.sts"),
            Some(storage),
        )
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(http.body()).unwrap();
    assert_eq!(body["scope"], serde_json::json!([storage]));

    // Without impersonation the STS token is the token: the caller's scope.
    let direct =
        ExternalAccount::from_json(file(STS, None, source_file), &LoadOptions::new()).unwrap();
    let sent = form(build(&direct.sts_request(Some(storage)).unwrap()).body());
    assert_eq!(value(&sent, "scope"), storage);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
fn script(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("token.sh");
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The environment the program saw, `NAME=value` lines for Google's variables.
#[cfg(unix)]
fn executable_env(impersonation: Option<&str>, output_file: bool) -> Vec<String> {
    let dir = temp_dir(if output_file { "env-out" } else { "env" });
    let seen = dir.join("seen");
    let program = script(
        &dir,
        &format!(
            "#!/bin/sh\nenv | grep '^GOOGLE_EXTERNAL_ACCOUNT_' | sort > {}\nprintf '%s' '{{\"version\":1,\"success\":true,\"token_type\":\"{JWT_TYPE}\",\"id_token\":\"eyJ.exe.sig\",\"expiration_time\":4102444800}}'\n",
            seen.display()
        ),
    );
    let mut executable = serde_json::json!({ "command": program, "timeout_millis": 5000 });
    if output_file {
        executable["output_file"] = dir.join("out.json").display().to_string().into();
    }
    let account = ExternalAccount::from_json(
        file(
            STS,
            impersonation,
            serde_json::json!({ "executable": executable }),
        ),
        &LoadOptions::new().allow_executables(true),
    )
    .unwrap();
    let sent = form(build(&account.sts_request(None).unwrap()).body());
    assert_eq!(value(&sent, "subject_token"), "eyJ.exe.sig");
    let lines = std::fs::read_to_string(&seen)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    std::fs::remove_dir_all(&dir).unwrap();
    lines
}

#[cfg(unix)]
#[test]
fn an_executable_gets_googles_documented_environment() {
    let lines = executable_env(None, false);
    assert_eq!(
        lines,
        [
            format!("GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE={AUDIENCE}"),
            "GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE=0".to_owned(),
            format!("GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE={JWT_TYPE}"),
        ]
    );
    let lines = executable_env(Some(IMPERSONATE), true);
    assert!(
        lines.contains(
            &"GOOGLE_EXTERNAL_ACCOUNT_IMPERSONATED_EMAIL=robot@p.iam.gserviceaccount.com"
                .to_owned()
        ),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE=")
                && l.ends_with("out.json")),
        "{lines:?}"
    );
    assert_eq!(lines.len(), 5, "{lines:?}");
}

#[test]
fn loopback_endpoints_need_an_explicit_opt_in() {
    let source = serde_json::json!({ "file": "/nonexistent/token" });
    for (token_url, impersonation) in [
        ("http://127.0.0.1:8080/v1/token", None),
        ("https://localhost/v1/token", None),
        ("http://[::1]:9/v1/token", None),
        (
            STS,
            Some("http://127.0.0.1:8080/v1/projects/-/serviceAccounts/a@b:generateAccessToken"),
        ),
    ] {
        let json = file(token_url, impersonation, source.clone());
        match ExternalAccount::from_json(&json, &LoadOptions::new()).unwrap_err() {
            Error::InvalidInput(e) => {
                assert_eq!(
                    (e.field(), e.problem()),
                    (InputField::CredentialsFile, InputProblem::Unsupported),
                    "{token_url}"
                );
                assert!(
                    e.message().contains("allow_loopback_endpoints"),
                    "{}",
                    e.message()
                );
            }
            other => panic!("{token_url}: expected an input error, got {other:?}"),
        }
        let account =
            ExternalAccount::from_json(&json, &LoadOptions::new().allow_loopback_endpoints(true))
                .unwrap();
        assert_eq!(account.token_url(), token_url);
    }
    // The opt-in is for this machine only: other hosts are still refused.
    let elsewhere = file("https://attacker.example/v1/token", None, source);
    assert!(
        ExternalAccount::from_json(
            elsewhere,
            &LoadOptions::new().allow_loopback_endpoints(true)
        )
        .is_err()
    );
}

#[test]
fn a_workforce_pool_file_sends_its_user_project_as_the_sts_options() {
    let dir = temp_dir("workforce");
    let path = dir.join("token");
    std::fs::write(&path, "eyJ.a.b").unwrap();
    let mut json: serde_json::Value =
        serde_json::from_str(&file(STS, None, serde_json::json!({ "file": path }))).unwrap();
    json["audience"] =
        "//iam.googleapis.com/locations/global/workforcePools/staff/providers/okta".into();
    let plain = ExternalAccount::from_json(json.to_string(), &LoadOptions::new()).unwrap();
    let sent = form(build(&plain.sts_request(None).unwrap()).body());
    assert!(sent.iter().all(|(name, _)| name != "options"), "{sent:?}");

    json["workforce_pool_user_project"] = "billing-123".into();
    let account = ExternalAccount::from_json(json.to_string(), &LoadOptions::new()).unwrap();
    let sent = form(build(&account.sts_request(None).unwrap()).body());
    let options: serde_json::Value = serde_json::from_str(value(&sent, "options")).unwrap();
    assert_eq!(options, serde_json::json!({ "userProject": "billing-123" }));

    // A workload identity pool's file cannot carry one (Google's libraries refuse it).
    json["audience"] = AUDIENCE.into();
    match ExternalAccount::from_json(json.to_string(), &LoadOptions::new()).unwrap_err() {
        Error::InvalidInput(e) => {
            assert_eq!(
                (e.field(), e.problem()),
                (InputField::CredentialsFile, InputProblem::Unsupported)
            );
            assert!(
                e.message().contains("workforce_pool_user_project"),
                "{}",
                e.message()
            );
        }
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn hostile_endpoint_urls_are_refused_and_spellings_of_google_are_not() {
    let source = serde_json::json!({ "file": "/nonexistent/token" });
    let load = |url: &str, options: &LoadOptions| {
        ExternalAccount::from_json(file(url, None, source.clone()), options)
    };
    let default = LoadOptions::new();
    let universe = LoadOptions::new().with_universe_domain(" Example.GOOG. ");
    for url in [
        "https://sts.googleapis.com.attacker.example/v1/token",
        "https://sts.googleapis.com@attacker.example/v1/token",
        "https://attacker.example@sts.googleapis.com/v1/token",
        "https://sts.googleapis.com:443@attacker.example/v1/token",
        "https://sts.googleapis.com\\@attacker.example/v1/token",
        "https://sts.googleapis.com%2eattacker.example/v1/token",
        "https://sts.googleapis.com#@attacker.example/v1/token",
        "https://stsgoogleapis.com/v1/token",
        "https://attackergoogleapis.com/v1/token",
        "https://sts.googleapis.com./v1/token",
        "https://sts.googleapis.c\u{43e}m/v1/token",
        "https://sts.g\u{43e}\u{43e}gleapis.com/v1/token",
        "https://127.0.0.1.nip.io/v1/token",
        "https://sts.example.goog.attacker.example/v1/token",
        "https://attacker.sts.example.goog/v1/token",
        "https://iamcredentials.googleapis.com/v1/token",
        "http://sts.googleapis.com/v1/token",
        "ftp://sts.googleapis.com/v1/token",
        "https:///v1/token",
        "",
    ] {
        assert!(load(url, &default).is_err(), "{url:?} accepted");
        assert!(
            load(url, &universe).is_err(),
            "{url:?} accepted in a universe"
        );
    }
    // A DNS name is case-insensitive; a port does not change whose host it is.
    for url in [
        "https://STS.GoogleAPIs.com/v1/token",
        "https://sts.googleapis.com:443/v1/token",
        "https://us-east1-sts.googleapis.com/v1/token",
    ] {
        assert_eq!(load(url, &default).unwrap().token_url(), url);
    }
    // The universe the caller names, whatever its spelling; only for that caller.
    assert!(load("https://sts.example.goog/v1/token", &universe).is_ok());
    assert!(load("https://STS.EXAMPLE.GOOG/v1/token", &universe).is_ok());
    assert!(load("https://sts.example.goog/v1/token", &default).is_err());
}

#[test]
fn a_service_account_email_cannot_steer_the_impersonation_url() {
    let account = ExternalAccount::new(
        AUDIENCE,
        s2s_oauth::exchange::TokenTypeUri::Jwt,
        s2s_oauth::exchange::TokenSource::env("UNUSED"),
    )
    .unwrap();
    for email in [
        "robot",
        "",
        "a@b/../../x",
        "a@b:generateIdToken",
        "a@b?x=1",
        "a@b#",
        "a@b%2f",
        "a @b",
        "a@b\n",
        "a@\u{43e}.com",
    ] {
        assert!(
            account.clone().with_service_account(email).is_err(),
            "{email:?} accepted"
        );
    }
}

#[test]
fn a_files_client_id_and_secret_authenticate_the_sts_request() {
    let dir = temp_dir("client");
    let path = dir.join("token");
    std::fs::write(&path, "eyJ.a.b").unwrap();
    let mut json: serde_json::Value =
        serde_json::from_str(&file(STS, None, serde_json::json!({ "file": path }))).unwrap();
    let load = |json: &serde_json::Value| {
        ExternalAccount::from_json(json.to_string(), &LoadOptions::new())
    };
    let authorization = |account: &ExternalAccount| {
        let http = build(&account.sts_request(None).unwrap());
        let body = form(http.body());
        assert!(
            body.iter()
                .all(|(name, _)| name != "client_secret" && name != "client_id"),
            "{body:?}"
        );
        http.header("Authorization").map(str::to_owned)
    };
    assert_eq!(authorization(&load(&json).unwrap()), None);

    json["client_id"] = "cid".into();
    json["client_secret"] = "s3cr3t".into();
    let account = load(&json).unwrap();
    assert_eq!(
        authorization(&account).as_deref(),
        Some("Basic Y2lkOnMzY3IzdA==")
    );
    assert!(!format!("{account:?}").contains("s3cr3t"));

    // An id alone: Basic with an empty password, as Google's libraries send it.
    json.as_object_mut().unwrap().remove("client_secret");
    assert_eq!(
        authorization(&load(&json).unwrap()).as_deref(),
        Some("Basic Y2lkOg==")
    );

    // With a client id, a workforce pool's project is not sent (the id names it).
    json["audience"] =
        "//iam.googleapis.com/locations/global/workforcePools/staff/providers/okta".into();
    json["workforce_pool_user_project"] = "billing-123".into();
    let sent = form(build(&load(&json).unwrap().sts_request(None).unwrap()).body());
    assert!(sent.iter().all(|(name, _)| name != "options"), "{sent:?}");

    // A secret without an id.
    json.as_object_mut().unwrap().remove("client_id");
    json["client_secret"] = "s3cr3t".into();
    match load(&json).unwrap_err() {
        Error::InvalidInput(e) => {
            assert_eq!(
                (e.field(), e.problem()),
                (InputField::CredentialsFile, InputProblem::Missing)
            );
            assert!(!e.message().contains("s3cr3t"));
        }
        other => panic!("expected an input error, got {other:?}"),
    }
}
