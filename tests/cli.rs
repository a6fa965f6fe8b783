//! The `s2s-oauth` binary against the testkit server: every subcommand in both
//! profiles, every client authentication method, the output formats. Exit codes 2,
//! 3 and 4 are in `cli/exit_codes.rs`, exit 5 in `cli/wrong_endpoint.rs`.
#![cfg(feature = "cli")]

#[path = "cli/support.rs"]
mod support;

mod common;

#[path = "cli/dpop.rs"]
mod dpop;

#[path = "cli/exit_codes.rs"]
mod exit_codes;

#[path = "cli/outputs.rs"]
mod outputs;

#[path = "cli/presets.rs"]
mod presets;

#[path = "cli/retries.rs"]
mod retries;

#[path = "cli/saml.rs"]
mod saml;

#[path = "cli/wrong_endpoint.rs"]
mod wrong_endpoint;

use s2s_oauth::jwt::{Validation, verify};
use s2s_oauth::testkit::Profile;
use s2s_oauth::{Algorithm, VerifyingKey};
use serde_json::Value;
use support::{
    CLIENT, SECRET, TempDir, USER, endpoint, key, run, run_client_credentials, run_env, server,
    strs,
};

pub(crate) const PROFILES: [Profile; 2] = [Profile::Generic, Profile::Salesforce];

/// The client authentication flags for `method`, with the secret in a file.
pub(crate) fn auth_flags(method: &str, dir: &TempDir) -> Vec<String> {
    let secret_file = dir.file("client-secret", format!("{SECRET}\n"));
    let mut flags = vec!["--auth".to_owned(), method.to_owned()];
    match method {
        "none" => {}
        "basic" | "post" | "client-secret-jwt" => {
            flags.extend(["--client-id".into(), CLIENT.into()]);
            flags.extend(["--client-secret-file".into(), secret_file]);
        }
        "private-key-jwt" => {
            flags.extend(["--client-id".into(), CLIENT.into()]);
            flags.extend(["--client-key".into(), key("rsa2048.pkcs8.pem")]);
        }
        other => panic!("{other}"),
    }
    flags
}

/// Checks that the last request carried the client authentication of `method`.
pub(crate) fn assert_sent_auth(server: &s2s_oauth::testkit::Server, method: &str) {
    let requests = server.requests();
    let last = requests.last().expect("a request was sent");
    let basic = last
        .header("authorization")
        .is_some_and(|h| h.starts_with("Basic "));
    let assertion_type = last.form_value("client_assertion_type");
    let client_secret = last.form_value("client_secret");
    match method {
        "none" => {
            assert!(!basic && assertion_type.is_none() && client_secret.is_none());
        }
        "basic" => assert!(basic && client_secret.is_none()),
        "post" => assert_eq!(client_secret, Some(SECRET)),
        "private-key-jwt" | "client-secret-jwt" => {
            assert_eq!(
                assertion_type,
                Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            );
            let jwt = last.form_value("client_assertion").unwrap();
            let alg = s2s_oauth::jwt::UnverifiedJwt::decode(jwt).unwrap();
            let expected = if method == "private-key-jwt" {
                "RS256"
            } else {
                "HS256"
            };
            assert_eq!(alg.algorithm_name(), Some(expected));
        }
        other => panic!("{other}"),
    }
}

/// Checks the profile's response shape in the JSON output.
pub(crate) fn assert_profile_shape(
    profile: Profile,
    json: &serde_json::Map<String, Value>,
    base: &str,
) {
    assert!(json["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    match profile {
        Profile::Salesforce => {
            assert!(!json.contains_key("expires_in"), "{json:?}");
            assert_eq!(json["instance_url"], base);
            assert!(
                json["id"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{base}/id/"))
            );
        }
        _ => assert_eq!(json["expires_in"], 3600),
    }
}

#[test]
fn jwt_bearer_in_both_profiles_with_every_client_authentication() {
    for profile in PROFILES {
        for method in [
            "none",
            "basic",
            "post",
            "private-key-jwt",
            "client-secret-jwt",
        ] {
            let server = server(profile);
            let dir = TempDir::new();
            let mut args = vec!["jwt-bearer".to_owned()];
            args.extend(endpoint(&server));
            args.extend([
                "--issuer".into(),
                CLIENT.into(),
                "--subject".into(),
                USER.into(),
            ]);
            args.extend(["--key".into(), key("rsa2048.pkcs8.pem")]);
            args.extend(auth_flags(method, &dir));
            let json = run(&strs(&args)).json();
            assert_profile_shape(profile, &json, &server.base_url());
            assert_eq!(json["token_type"], "Bearer");
            let requests = server.requests();
            assert_eq!(requests.len(), 1);
            let grant = requests[0].form_value("grant_type");
            assert_eq!(grant, Some("urn:ietf:params:oauth:grant-type:jwt-bearer"));
            assert_sent_auth(&server, method);
        }
    }
}

#[test]
fn client_credentials_in_both_profiles_with_every_client_authentication() {
    for profile in PROFILES {
        for method in ["basic", "post", "private-key-jwt", "client-secret-jwt"] {
            let server = server(profile);
            let dir = TempDir::new();
            let mut args = vec!["client-credentials".to_owned()];
            args.extend(endpoint(&server));
            args.extend(auth_flags(method, &dir));
            let json = run(&strs(&args)).json();
            assert_profile_shape(profile, &json, &server.base_url());
            if profile == Profile::Salesforce {
                // Every field as Salesforce sends it: issued_at stays a string.
                assert!(json["issued_at"].as_str().unwrap().parse::<u64>().is_ok());
                assert!(json["signature"].is_string());
                assert_eq!(json["api_instance_url"], server.base_url());
            }
            assert_sent_auth(&server, method);
        }
        // Without client authentication nothing is sent (RFC 6749 §4.4): exit 2.
        let server = server(profile);
        let mut args = vec![
            "client-credentials".to_owned(),
            "--client-id".into(),
            CLIENT.into(),
        ];
        args.extend(endpoint(&server));
        let run = run(&strs(&args));
        let line = run.failure(2);
        assert!(line.contains("needs client authentication"), "{line}");
        assert!(server.requests().is_empty());
    }
}

#[test]
fn client_secret_jwt_with_another_hmac_algorithm() {
    let server = server(Profile::Generic);
    let dir = TempDir::new();
    let mut args = vec!["client-credentials".to_owned()];
    args.extend(endpoint(&server));
    args.extend(auth_flags("client-secret-jwt", &dir));
    args.extend(["--client-alg", "HS512", "--client-kid", "hmac-1"].map(str::to_owned));
    run(&strs(&args)).json();
    let requests = server.requests();
    let jwt = requests[0].form_value("client_assertion").unwrap();
    let header = s2s_oauth::jwt::UnverifiedJwt::decode(jwt).unwrap();
    assert_eq!(header.algorithm_name(), Some("HS512"));
    assert_eq!(header.kid(), Some("hmac-1"));
}

#[test]
fn kid_flags_name_the_keys() {
    let server = server(Profile::Generic);
    let mut args = vec!["jwt-bearer".to_owned()];
    args.extend(endpoint(&server));
    args.extend(["--issuer", CLIENT, "--subject", USER, "--kid", "2024-01"].map(str::to_owned));
    args.extend(["--key".into(), key("rsa2048.pkcs8.pem")]);
    args.extend(["--client-id", CLIENT, "--client-kid", "client-7"].map(str::to_owned));
    args.extend(["--client-key".into(), key("rsa2048.pkcs8.pem")]);
    run(&strs(&args)).json();
    let requests = server.requests();
    let kid = |name| {
        let jwt = requests[0].form_value(name).unwrap();
        s2s_oauth::jwt::UnverifiedJwt::decode(jwt)
            .unwrap()
            .kid()
            .map(str::to_owned)
    };
    assert_eq!(kid("assertion").as_deref(), Some("2024-01"));
    assert_eq!(kid("client_assertion").as_deref(), Some("client-7"));
}

#[test]
fn refresh_in_both_profiles_from_a_file_and_from_the_environment() {
    for profile in PROFILES {
        let server = server(profile);
        let dir = TempDir::new();
        let first = server.issue_refresh_token("public-app", USER);
        // A file with a CRLF line end: the one trailing newline is ignored.
        let file = dir.file("rt", format!("{}\r\n", first.expose_secret()));
        let mut args = vec![
            "refresh".to_owned(),
            "--client-id".into(),
            "public-app".into(),
        ];
        args.extend(endpoint(&server));
        let mut from_file = args.clone();
        from_file.extend(["--refresh-token-file".into(), file]);
        let json = run(&strs(&from_file)).json();
        assert_profile_shape(profile, &json, &server.base_url());
        let rotated = json["refresh_token"]
            .as_str()
            .expect("rotation returns a new one");
        assert_ne!(rotated, first.expose_secret());
        let requests = server.requests();
        assert_eq!(
            requests[0].form_value("refresh_token"),
            Some(first.expose_secret())
        );
        assert_eq!(requests[0].form_value("client_id"), Some("public-app"));

        // The rotated token, from the environment.
        args.extend(["--refresh-token-env".into(), "REFRESH_TOKEN".into()]);
        let json = run_env(&strs(&args), &[("REFRESH_TOKEN", rotated)]).json();
        assert_ne!(json["refresh_token"].as_str(), Some(rotated));

        // The rotated-out first token is refused: exit 3.
        let mut again = vec![
            "refresh".to_owned(),
            "--client-id".into(),
            "public-app".into(),
        ];
        again.extend(endpoint(&server));
        again.extend(["--refresh-token-env".into(), "REFRESH_TOKEN".into()]);
        let refused = run_env(&strs(&again), &[("REFRESH_TOKEN", first.expose_secret())]);
        assert!(
            refused.failure(3).starts_with("error: invalid_grant"),
            "{refused:?}"
        );
    }
}

#[test]
fn refresh_with_a_confidential_client_and_the_secret_in_the_environment() {
    let server = server(Profile::Salesforce);
    let token = server.issue_refresh_token(CLIENT, USER);
    let mut args = vec!["refresh".to_owned()];
    args.extend(endpoint(&server));
    args.extend(["--client-id".into(), CLIENT.into()]);
    args.extend(["--client-secret-env".into(), "CLIENT_SECRET".into()]);
    args.extend(["--refresh-token-env".into(), "REFRESH_TOKEN".into()]);
    let env = [
        ("CLIENT_SECRET", SECRET),
        ("REFRESH_TOKEN", token.expose_secret()),
    ];
    let json = run_env(&strs(&args), &env).json();
    assert!(json["issued_at"].is_string());
    assert_sent_auth(&server, "basic");
}

#[test]
fn output_token_prints_a_working_access_token_alone() {
    for profile in PROFILES {
        let server = server(profile);
        let mut args = vec!["jwt-bearer".to_owned(), "--output".into(), "token".into()];
        args.extend(endpoint(&server));
        args.extend([
            "--issuer".into(),
            CLIENT.into(),
            "--subject".into(),
            USER.into(),
        ]);
        args.extend(["--key".into(), key("rsa2048.pkcs1.pem")]);
        let run = run(&strs(&args));
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(run.stderr, "");
        let token = run.stdout.strip_suffix('\n').expect("a trailing newline");
        assert!(
            !token.is_empty() && !token.contains(char::is_whitespace),
            "{token:?}"
        );
        // The resource accepts exactly this token.
        let answer = ureq::get(&server.resource_url())
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .expect("the resource answers");
        assert_eq!(answer.status(), 200);
    }
}

#[test]
fn output_json_is_every_field_the_server_sent() {
    let body = r#"{"access_token":"00Dxx!AQ4AQ","token_type":"Bearer","issued_at":"1708058728442",
        "instance_url":"https://acme.my.salesforce.com","refresh_token":"5Aep861","x_unknown":{"a":[1,null,true]},
        "expires_in":"3599","sfdc_site_url":null}"#;
    let server = server(Profile::Generic);
    server.inject(
        s2s_oauth::testkit::Fault::status(200, "application/json", body),
        1,
    );
    let before = now_secs();
    let mut json = run_client_credentials(&endpoint(&server), &[], SECRET).json();
    let sent: serde_json::Map<String, Value> = serde_json::from_str(body).unwrap();
    // expires_at (Unix seconds) is added: the lifetime is known.
    let expires_at = json.remove("expires_at").and_then(|v| v.as_u64()).unwrap();
    assert!((before + 3599..=now_secs() + 3599).contains(&expires_at));
    assert_eq!(json, sent);
}

#[test]
fn scope_and_lifetime_and_claims_reach_the_server() {
    let server = server(Profile::Generic);
    let mut args = vec!["jwt-bearer".to_owned()];
    args.extend(endpoint(&server));
    args.extend([
        "--issuer".into(),
        CLIENT.into(),
        "--subject".into(),
        USER.into(),
    ]);
    args.extend([
        "--key".into(),
        key("rsa2048.pkcs8.pem"),
        "--alg".into(),
        "PS256".into(),
    ]);
    args.extend([
        "--scope".into(),
        "api refresh_token".into(),
        "--lifetime".into(),
        "90".into(),
    ]);
    args.extend([
        "--claim".into(),
        "n=7".into(),
        "--claim".into(),
        "s=plain text".into(),
    ]);
    let json = run(&strs(&args)).json();
    assert_eq!(json["scope"], "api refresh_token");
    let requests = server.requests();
    assert_eq!(requests[0].form_value("scope"), Some("api refresh_token"));
    let jwt = s2s_oauth::jwt::UnverifiedJwt::decode(requests[0].form_value("assertion").unwrap())
        .unwrap();
    assert_eq!(jwt.algorithm_name(), Some("PS256"));
    let claims = jwt.claims();
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        90
    );
    assert_eq!(claims["aud"], server.token_url());
    assert_eq!(claims["n"], 7);
    assert_eq!(claims["s"], "plain text");
}

/// Seconds since the epoch.
pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `run`, for where a local variable shadows it.
fn super_run(args: &[&str]) -> support::Run {
    run(args)
}

#[test]
fn sign_jwt_output_verifies_for_every_key_type() {
    let cases = [
        (
            "rsa2048.pkcs8.pem",
            "rsa2048.pub.pem",
            None,
            Algorithm::RS256,
        ),
        (
            "rsa2048.pkcs1.pem",
            "rsa2048.pub.pem",
            Some("PS256"),
            Algorithm::PS256,
        ),
        ("p256.pkcs8.pem", "p256.pub.pem", None, Algorithm::ES256),
        ("p384.pkcs8.pem", "p384.pub.pem", None, Algorithm::ES384),
        (
            "ed25519.pkcs8.pem",
            "ed25519.pub.pem",
            None,
            Algorithm::EdDSA,
        ),
    ];
    for (private, public, alg, expected) in cases {
        let mut args = vec!["sign-jwt", "--issuer", CLIENT, "--subject", USER];
        args.extend(["--audience", "https://test.salesforce.com", "--key"]);
        let private = key(private);
        args.push(&private);
        if let Some(alg) = alg {
            args.extend(["--alg", alg]);
        }
        args.extend(["--claim", "scope=\"api\"", "--claim", "flags=[1,true]"]);
        let run = run(&args);
        assert_eq!(run.code, 0, "{run:?}");
        // With --salesforce, only what Salesforce verifies: RS256.
        let mut salesforce = args.clone();
        salesforce.extend(["--salesforce", "test"]);
        let preset = super_run(&salesforce);
        if expected == Algorithm::RS256 {
            assert_eq!(preset.code, 0, "{preset:?}");
        } else {
            let line = preset.failure(2);
            assert!(
                line.contains("Salesforce verifies JWT Bearer assertions with RS256 only"),
                "{line}"
            );
        }
        let jwt = run.stdout.strip_suffix('\n').expect("one line");
        assert_eq!(jwt.split('.').count(), 3, "{jwt}");
        let key = VerifyingKey::from_pem(std::fs::read(key(public)).unwrap()).unwrap();
        let validation = Validation::new("https://test.salesforce.com")
            .with_issuer(CLIENT)
            .with_subject(USER)
            .with_algorithms(&[expected]);
        let now = std::time::SystemTime::now();
        let verified = verify(jwt, &key, &validation, now, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(verified.claims()["scope"], "api");
        assert_eq!(verified.claims()["flags"], serde_json::json!([1, true]));
        let claims = verified.claims();
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
            180
        );
        // A tampered copy does not verify.
        let at = jwt.find('.').unwrap() + 6;
        let swapped = if &jwt[at..=at] == "A" { "B" } else { "A" };
        let tampered = format!("{}{swapped}{}", &jwt[..at], &jwt[at + 1..]);
        assert!(verify(&tampered, &key, &validation, now, None).is_err());
    }
}

#[test]
fn sign_jwt_audience_defaults() {
    let decode = |args: &[&str]| {
        let run = run(args);
        assert_eq!(run.code, 0, "{run:?}");
        let jwt = s2s_oauth::jwt::UnverifiedJwt::decode(run.stdout.trim_end()).unwrap();
        (
            jwt.claims()["aud"].clone(),
            jwt.subject().map(str::to_owned),
        )
    };
    let key = key("rsa2048.pkcs8.pem");
    let base = ["sign-jwt", "--issuer", "i", "--key", &key];
    // A My Domain host: the audience stays the production login host.
    let my_domain = [
        &base[..],
        &["--salesforce", "https://acme.my.salesforce.com"],
    ]
    .concat();
    assert_eq!(decode(&my_domain).0, "https://login.salesforce.com");
    // A sandbox My Domain: the sandbox login host, as Salesforce requires.
    let sandbox = [
        &base[..],
        &[
            "--salesforce",
            "https://acme--uat.sandbox.my.salesforce.com",
        ],
    ];
    assert_eq!(decode(&sandbox.concat()).0, "https://test.salesforce.com");
    // The sandbox login host spelled as a URL is the sandbox login host.
    let test_url = [&base[..], &["--salesforce", "https://test.salesforce.com/"]];
    assert_eq!(decode(&test_url.concat()).0, "https://test.salesforce.com");
    // --audience overrides; --token-url is the default otherwise; no --subject, no sub.
    let over = [
        &base[..],
        &["--salesforce", "login", "--audience", "https://x.example"],
    ];
    assert_eq!(decode(&over.concat()), ("https://x.example".into(), None));
    let url = [&base[..], &["--token-url", "https://idp.example/token"]];
    assert_eq!(decode(&url.concat()).0, "https://idp.example/token");
}

#[test]
fn help_and_version() {
    let top = run(&["--help"]);
    assert_eq!(top.code, 0);
    for needle in [
        "jwt-bearer",
        "sign-saml",
        "Exit codes",
        "never from flag values",
    ] {
        assert!(top.stdout.contains(needle), "{needle}");
    }
    for command in [
        "jwt-bearer",
        "saml-bearer",
        "client-credentials",
        "refresh",
        "sign-jwt",
        "sign-saml",
    ] {
        let help = run(&[command, "--help"]);
        assert_eq!(help.code, 0, "{help:?}");
        assert!(help.stdout.starts_with(&format!("s2s-oauth {command}: ")));
        assert!(
            help.stdout.contains("Example (Salesforce")
                || help.stdout.contains("Example (a Salesforce")
        );
    }
    let version = run(&["--version"]);
    assert_eq!(
        version.stdout,
        format!("s2s-oauth {}\n", env!("CARGO_PKG_VERSION"))
    );
}
