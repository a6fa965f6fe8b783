//! `s2s-oauth doctor` over the real binary against the testkit: a passing setup,
//! and each failure with its exit code (a key and certificate that do not belong
//! together, a clock off the server's `Date`, a My Domain audience for Salesforce,
//! a TLS failure). Doctor never requests a token.
#![cfg(feature = "cli")]

#[path = "cli/support.rs"]
mod support;

use s2s_oauth::testkit::{Config, Profile, Server};
use support::{CLIENT, Run, key, run, server};

fn doctor(server: &Server, more: &[&str]) -> Run {
    let url = server.token_url();
    let mut args = vec!["doctor", "--token-url", &url];
    args.extend(more);
    run(&args)
}

/// The stdout lines with the given tag (`ok`, `warn`, `fail`).
fn lines<'a>(run: &'a Run, tag: &str) -> Vec<&'a str> {
    let prefix = format!("{tag}: ");
    run.stdout
        .lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .collect()
}

fn has(run: &Run, tag: &str, text: &str) -> bool {
    lines(run, tag).iter().any(|l| l.contains(text))
}

/// Exit 1, the `fail:` line containing `text`, and the one stderr line.
fn failed(run: &Run, text: &str) {
    assert_eq!(run.code, 1, "{run:?}");
    assert!(has(run, "fail", text), "{run:?}");
    assert!(
        run.stderr.starts_with("error: doctor: ") && run.stderr.lines().count() == 1,
        "{run:?}"
    );
}

fn no_token_request(server: &Server) {
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.method() == "GET" && r.path().starts_with("/.well-known/")),
        "doctor sent something else than metadata GETs"
    );
}

#[test]
fn a_good_setup_passes_with_every_check_named() {
    let server = server(Profile::Generic);
    let rsa = key("rsa2048.pkcs8.pem");
    let cert = key("rsa2048.cert.pem");
    let p256 = key("p256.pkcs8.pem");
    let run = doctor(
        &server,
        &["--key", &rsa, "--cert", &cert, "--client-key", &p256],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, "");
    assert!(
        run.stdout
            .lines()
            .all(|l| l.starts_with("ok: ") || l.starts_with("warn: ")),
        "{run:?}"
    );
    for expected in [
        "an RSA-2048 key, signs RS256 (JWK thumbprint SuF3CuwLLYkJ2qtIPAoSVTwV698iaGdIyFO2Tg-NFRQ)",
        "an EC P-256 key, signs ES256 (JWK thumbprint KsAXKoLh23zvgciIBhWrOzDRR97mW3E5vxjgBILcEmA)",
        "x5t#S256 ",
        "is valid from 2026-11-29 06:33:21 UTC until 2126-11-05 06:33:21 UTC",
        "carries the public key of --key",
        "answered over plain http (loopback only) in ",
        "the local clock is within ",
        "the metadata names",
        "the server lists the grant urn:ietf:params:oauth:grant-type:saml2-bearer",
        "the server lists the client authentication private_key_jwt",
    ] {
        assert!(has(&run, "ok", expected), "{expected}: {run:?}");
    }
    // Public facts only.
    assert!(!run.stdout.contains("PRIVATE"), "{run:?}");
    no_token_request(&server);
}

#[test]
fn a_certificate_of_another_key_fails() {
    let server = server(Profile::Generic);
    let run = doctor(
        &server,
        &[
            "--key",
            &key("rsa2048.pkcs8.pem"),
            "--cert",
            &key("other.cert.pem"),
        ],
    );
    failed(&run, "does not belong to --key");
    assert_eq!(
        run.stderr,
        "error: doctor: 1 check failed (the fail: lines above)\n"
    );
    // A key that does not load is a fail line too, not a stop.
    let run = doctor(&server, &["--key", &key("rsa1024.pkcs8.pem")]);
    failed(&run, "1024 bits");
    assert!(has(&run, "ok", "answered"), "{run:?}");
    no_token_request(&server);
}

#[test]
fn a_clock_off_the_servers_date_warns_then_fails() {
    for (skew, code, tag) in [(-45, 0, "warn"), (600, 1, "fail"), (-600, 1, "fail")] {
        let server = Server::start(Config::new(Profile::Generic).with_date_skew(skew)).unwrap();
        let run = doctor(&server, &[]);
        assert_eq!(run.code, code, "{skew}: {run:?}");
        let side = if skew > 0 { "behind" } else { "ahead of" };
        let line = lines(&run, tag)
            .into_iter()
            .find(|l| l.starts_with("the local clock is "))
            .unwrap_or_else(|| panic!("{skew}: {run:?}"));
        // The Date header has whole seconds: the measured skew may be one less.
        let secs: i64 = line["the local clock is ".len()..]
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!((secs - skew.abs()).abs() <= 2, "{skew}: {line}");
        assert!(line.contains(&format!(" s {side} the server's")), "{line}");
    }
}

#[test]
fn salesforce_my_domain_audience_and_issuer_shape() {
    let server = server(Profile::Salesforce);
    let base = server.base_url();
    let sf = |more: &[&str]| {
        let mut args = vec!["doctor", "--salesforce", &base];
        args.extend(more);
        run(&args)
    };
    let good = sf(&["--issuer", CLIENT, "--subject", "alice@example.com"]);
    assert_eq!(good.code, 0, "{good:?}");
    assert!(has(&good, "ok", "audience https://login.salesforce.com"));
    assert!(has(&good, "ok", "shape of a consumer key"));
    let run = sf(&["--audience", "https://acme.my.salesforce.com"]);
    failed(&run, "is a My Domain URL");
    assert!(has(
        &run,
        "fail",
        "the audience is https://login.salesforce.com"
    ));
    let run = sf(&["--issuer", "alice@example.com"]);
    failed(&run, "--issuer looks like a username");
    let run = sf(&["--key", &key("p256.pkcs8.pem")]);
    failed(&run, "takes RS256, an RSA key");
    no_token_request(&server);
}

#[test]
fn a_tls_failure_fails_the_reachability_check() {
    let server = server(Profile::Generic);
    // The testkit speaks plain HTTP: a TLS handshake with it fails.
    let url = server.token_url().replace("http://", "https://");
    let tls = run(&["doctor", "--token-url", &url, "--timeout", "5"]);
    failed(&tls, "cannot reach https://127.0.0.1:");
    assert!(!has(&tls, "ok", "answered"), "{tls:?}");
}

#[test]
fn doctor_takes_only_its_flags() {
    let scope = run(&["doctor", "--scope", "api"]);
    assert!(
        scope
            .failure(2)
            .contains("--scope does not apply to doctor")
    );
    let cache = run(&["doctor", "--cache", "x"]);
    assert!(
        cache
            .failure(2)
            .contains("--cache does not apply to doctor")
    );
    // The endpoint is required (the usage line says so): a flag error, exit 2 as
    // its --help says, before any check.
    let nothing = run(&["doctor", "--key", &key("rsa2048.pkcs8.pem")]);
    assert!(
        nothing
            .failure(2)
            .contains("doctor needs --token-url URL or --salesforce login|test|URL"),
        "{nothing:?}"
    );
    let both = run(&[
        "doctor",
        "--token-url",
        "https://idp.example/token",
        "--salesforce",
        "login",
    ]);
    assert!(
        both.failure(2)
            .contains("give --token-url or --salesforce, not both"),
        "{both:?}"
    );
}

#[test]
fn an_expired_or_not_yet_valid_certificate_fails() {
    let server = server(Profile::Generic);
    let rsa = key("rsa2048.pkcs8.pem");
    let expired = doctor(
        &server,
        &["--key", &rsa, "--cert", &key("rsa2048.expired.cert.pem")],
    );
    failed(&expired, "expired on 2021-01-01 00:00:00 UTC");
    // The pair itself is right.
    assert!(has(&expired, "ok", "carries the public key of --key"));
    let future = doctor(
        &server,
        &["--key", &rsa, "--cert", &key("rsa2048.future.cert.pem")],
    );
    failed(
        &future,
        "is not valid yet: from 2200-01-01 00:00:00 UTC (until 2300-01-01 00:00:00 UTC)",
    );
}

/// A URL that carries a credential (a `user:password@`, a query) is refused
/// without showing it: the fail: line has the library's redacted URL only.
#[test]
fn an_endpoint_with_credentials_is_refused_without_echoing_them() {
    const CANARY: &str = "HUNTER2-canary";
    for (flag, value) in [
        (
            "--token-url",
            format!("https://app:{CANARY}@idp.example/token"),
        ),
        (
            "--salesforce",
            format!("https://app:{CANARY}@acme.my.salesforce.com"),
        ),
        (
            "--salesforce",
            format!("http://app:{CANARY}@acme.my.salesforce.com"),
        ),
        (
            "--salesforce",
            format!("app:{CANARY}@acme.my.salesforce.com"),
        ),
        (
            "--salesforce",
            format!("https://acme.my.salesforce.com?client_secret={CANARY}"),
        ),
    ] {
        let run = run(&["doctor", flag, &value]);
        failed(&run, "refused");
        assert!(
            !run.stdout.contains(CANARY) && !run.stderr.contains(CANARY),
            "{run:?}"
        );
    }
}

/// An endpoint that does not answer in time is a fail: line in the tool's words
/// (`no answer from HOST within N s`), not ureq's (`timeout: global`, `io:`).
#[test]
fn a_slow_endpoint_fails_in_plain_words() {
    let server = server(Profile::Generic);
    server.inject(
        s2s_oauth::testkit::Fault::Delay(std::time::Duration::from_secs(3)),
        1,
    );
    let run = doctor(&server, &["--timeout", "1"]);
    let host = server.base_url().replace("http://", "");
    failed(&run, &format!("no answer from {host} within 1 s"));
    assert!(
        !run.stdout.contains("timeout:") && !run.stdout.contains("io:"),
        "{run:?}"
    );
}
