//! `s2s-oauth doctor`: checks a setup without asking for a token, one line per
//! check on stdout (`ok: …`, `warn: …`, `fail: …`); exit 0 with no `fail`, else 1.
//!
//! - each key loads (type, size, the algorithm it signs with, its JWK thumbprint);
//! - the certificate: its thumbprints (`x5t`, `x5t#S256`), validity dates, and that
//!   it carries `--key`'s public key;
//! - the endpoint answers (over TLS, the chain verified), and how long it took: a
//!   GET of its RFC 8414 / OpenID Connect metadata, never a token request;
//! - the local clock against the server's `Date` header (warn above
//!   [`CLOCK_WARN`], fail above [`CLOCK_FAIL`]: assertions live minutes);
//! - Salesforce: the audience against the host (a My Domain audience is the
//!   classic mistake) and the issuer's shape (a consumer key);
//! - the metadata, when published: the token endpoint, and the grant types and
//!   client authentication methods the flags would use.
//!
//! Nothing secret is printed: keys show only public facts.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use s2s_oauth::discovery::{AuthorizationServerMetadata, WellKnown};
use s2s_oauth::providers::salesforce::{HostKind, LoginHost};
use s2s_oauth::{Certificate, ClientAuth, Grant, HttpResponse, SendOptions, SigningKey};
use s2s_oauth::{KeyType, TokenRequest};

use crate::args::Options;
use crate::exit::Failure;
use crate::inputs;

/// A clock this far off the server's is a warning.
pub(crate) const CLOCK_WARN: Duration = Duration::from_secs(30);
/// A clock this far off the server's fails: assertions (minutes long) are refused.
pub(crate) const CLOCK_FAIL: Duration = Duration::from_secs(120);
/// A certificate expiring within this is a warning.
const CERT_EXPIRY_WARN: Duration = Duration::from_secs(30 * 24 * 3600);

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const SAML2_BEARER: &str = "urn:ietf:params:oauth:grant-type:saml2-bearer";

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Ok,
    Warn,
    Fail,
}

/// The checks' lines, in order.
#[derive(Debug, Default)]
pub(crate) struct Report {
    lines: Vec<(Level, String)>,
}

impl Report {
    fn ok(&mut self, text: impl Into<String>) {
        self.lines.push((Level::Ok, text.into()));
    }
    fn warn(&mut self, text: impl Into<String>) {
        self.lines.push((Level::Warn, text.into()));
    }
    fn fail(&mut self, text: impl Into<String>) {
        self.lines.push((Level::Fail, text.into()));
    }

    fn failures(&self) -> usize {
        self.lines.iter().filter(|(l, _)| *l == Level::Fail).count()
    }

    /// The report as printed: one line per check, control characters blanked.
    fn text(&self) -> String {
        let mut out = String::new();
        for (level, text) in &self.lines {
            let tag = match level {
                Level::Ok => "ok",
                Level::Warn => "warn",
                Level::Fail => "fail",
            };
            let text: String = text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            out.push_str(&format!("{tag}: {text}\n"));
        }
        out
    }
}

/// Runs every check and prints the report; a `fail` line is
/// [`Failure::ChecksFailed`] (exit 1).
pub(crate) fn run(options: &Options, out: &mut impl Write) -> Result<(), Failure> {
    // The endpoint flags are required, one of them (the usage line): a flag
    // error is exit 2, as for the grant subcommands, before any check.
    match (&options.token_url, &options.salesforce) {
        (Some(_), Some(_)) => {
            return Err(Failure::usage("give --token-url or --salesforce, not both"));
        }
        (None, None) => {
            return Err(Failure::usage(
                "doctor needs --token-url URL or --salesforce login|test|URL",
            ));
        }
        _ => {}
    }
    let report = check(options);
    out.write_all(report.text().as_bytes())
        .and_then(|()| out.flush())
        .map_err(Failure::Output)?;
    match report.failures() {
        0 => Ok(()),
        n => Err(Failure::ChecksFailed(format!(
            "doctor: {n} check{} failed (the fail: lines above)",
            if n == 1 { "" } else { "s" }
        ))),
    }
}

fn check(options: &Options) -> Report {
    let mut report = Report::default();
    let now = SystemTime::now();
    let key = options
        .key
        .as_deref()
        .and_then(|path| signing_key(&mut report, path, "--key"));
    if let Some(path) = &options.cert {
        certificate(&mut report, path, key.as_ref(), now);
    }
    if let Some(path) = &options.client_key {
        signing_key(&mut report, path, "--client-key");
    }
    let Some(endpoint) = endpoint(&mut report, options) else {
        return report;
    };
    if let Some(host) = &endpoint.salesforce {
        salesforce(&mut report, options, host, key.as_ref());
    }
    network(&mut report, options, &endpoint);
    report
}

/// `--key` / `--client-key`: type, size, algorithm, JWK thumbprint.
fn signing_key(report: &mut Report, path: &Path, flag: &str) -> Option<SigningKey> {
    match inputs::signing_key(path, flag, None) {
        Ok(key) => {
            let thumbprint = key.jwk_thumbprint().unwrap_or_default();
            report.ok(format!(
                "{flag} {}: {}, signs {} (JWK thumbprint {thumbprint})",
                path.display(),
                key.key_type(),
                key.algorithm()
            ));
            Some(key)
        }
        Err(failure) => {
            report.fail(without_prefix(&failure));
            None
        }
    }
}

/// `--cert`: thumbprints, validity, and that it carries `--key`'s public key.
fn certificate(report: &mut Report, path: &Path, key: Option<&SigningKey>, now: SystemTime) {
    let shown = path.display();
    let cert = match inputs::certificate(path, "--cert") {
        Ok(cert) => cert,
        Err(failure) => return report.fail(without_prefix(&failure)),
    };
    report.ok(format!(
        "--cert {shown}: x5t {}, x5t#S256 {}",
        cert.x5t(),
        cert.x5t_s256()
    ));
    validity(report, &cert, &format!("--cert {shown}"), now);
    match key {
        Some(key) => match key.check_certificate(&cert) {
            Ok(()) => report.ok(format!("--cert {shown} carries the public key of --key")),
            Err(_) => report.fail(format!(
                "--cert {shown} does not belong to --key: its public key is another key's; upload (or pass) the certificate made from this key"
            )),
        },
        None => report.warn("--cert given without --key: the pair is not checked"),
    }
}

fn validity(report: &mut Report, cert: &Certificate, what: &str, now: SystemTime) {
    let Some((not_before, not_after)) = cert.validity() else {
        return report.warn(format!("{what}: its validity dates could not be read"));
    };
    let (from, until) = (utc(not_before), utc(not_after));
    if now < not_before {
        report.fail(format!(
            "{what} is not valid yet: from {from} (until {until})"
        ));
    } else if now >= not_after {
        report.fail(format!("{what} expired on {until}"));
    } else if not_after.duration_since(now).unwrap_or_default() < CERT_EXPIRY_WARN {
        report.warn(format!(
            "{what} expires on {until}, within 30 days: make and upload the next one"
        ));
    } else {
        report.ok(format!("{what} is valid from {from} until {until}"));
    }
}

/// The endpoint: the token URL (checked by the library's rules) and where the
/// metadata would be.
struct Endpoint {
    token_url: String,
    /// The issuer whose metadata is looked for: the Salesforce host, else the
    /// token URL's origin.
    issuer: String,
    salesforce: Option<LoginHost>,
}

fn endpoint(report: &mut Report, options: &Options) -> Option<Endpoint> {
    let (token_url, salesforce) = match (&options.token_url, &options.salesforce) {
        (Some(url), None) => (url.clone(), None),
        (None, Some(value)) => match LoginHost::parse(value) {
            Ok(host) => (host.token_url(), Some(host)),
            Err(e) => {
                report.fail(without_prefix(&crate::commands::salesforce_failure(
                    value, e,
                )));
                return None;
            }
        },
        // Neither or both: refused by `run` as a usage error.
        _ => return None,
    };
    if let Err(e) = TokenRequest::new(&token_url, Grant::client_credentials(), ClientAuth::none()) {
        // The library's message shows the URL, redacted (no `user:password@`).
        report.fail(e.to_string());
        return None;
    }
    let issuer = match &salesforce {
        Some(host) => host.base_url().to_owned(),
        None => origin(&token_url),
    };
    Some(Endpoint {
        token_url,
        issuer,
        salesforce,
    })
}

/// `scheme://authority` of a URL the library accepted.
fn origin(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    url[..end].to_owned()
}

/// Salesforce: the audience against the host, the issuer's and subject's shape,
/// and the key type its JWT bearer flow takes.
fn salesforce(report: &mut Report, options: &Options, host: &LoginHost, key: Option<&SigningKey>) {
    let expected = host.audience();
    match options.audience.as_deref() {
        None => report.ok(format!("audience {expected} (the --salesforce default)")),
        Some(given) if given.trim_end_matches('/') == expected => {
            report.ok(format!("--audience {given} is what Salesforce expects for this host"))
        }
        Some(given) if is_my_domain(given) && host.kind() != HostKind::ExperienceCloud => {
            report.fail(format!(
                "--audience {given} is a My Domain URL: Salesforce refuses it (invalid_grant: audience is invalid); the audience is {expected}, the My Domain host only takes the request"
            ))
        }
        Some(given) => report.fail(format!(
            "--audience {given}: Salesforce expects {expected} for {}",
            host.base_url()
        )),
    }
    match options.issuer.as_deref() {
        None => {}
        Some(issuer) if issuer.contains('@') => report.fail(
            "--issuer looks like a username: the issuer is the connected app's Consumer Key (3MVG...); the username goes to --subject",
        ),
        Some(issuer) if issuer.starts_with("3MVG") => {
            report.ok("--issuer has the shape of a consumer key (3MVG...)")
        }
        Some(_) => report.warn(
            "--issuer does not look like a consumer key (they start with 3MVG): copy the connected app's Consumer Key",
        ),
    }
    if let Some(subject) = options.subject.as_deref() {
        if !subject.contains('@') {
            report.warn(format!(
                "--subject {subject} is not shaped like a Salesforce username (name@domain)"
            ));
        }
    }
    if let Some(key) = key {
        if !matches!(key.key_type(), KeyType::Rsa { .. }) {
            report.fail(format!(
                "--key is {}: Salesforce's JWT bearer flow takes RS256, an RSA key",
                key.key_type()
            ));
        }
    }
}

fn is_my_domain(url: &str) -> bool {
    let host = origin(url).to_ascii_lowercase();
    host.ends_with(".my.salesforce.com") || host.ends_with(".my.salesforce.com:443")
}

/// The endpoint's host over the network: reachability and TLS, latency, clock, and
/// the metadata if published.
fn network(report: &mut Report, options: &Options, endpoint: &Endpoint) {
    // --ca-file: the metadata GETs trust the same CAs as the token requests.
    let agent = match crate::inputs::agent(options) {
        Ok(agent) => agent,
        Err(failure) => return report.fail(failure.to_string()),
    };
    let send =
        SendOptions::new().with_timeout(options.timeout.unwrap_or(SendOptions::DEFAULT_TIMEOUT));
    let kinds = if endpoint.salesforce.is_some() {
        // Salesforce publishes OpenID Connect discovery only.
        &[WellKnown::OpenIdConfiguration][..]
    } else {
        &[
            WellKnown::OAuthAuthorizationServer,
            WellKnown::OpenIdConfiguration,
        ]
    };
    let mut first = true;
    for kind in kinds {
        let request = match AuthorizationServerMetadata::request(&endpoint.issuer, *kind) {
            Ok(request) => request,
            Err(e) => return report.fail(format!("metadata URL for {}: {e}", endpoint.issuer)),
        };
        let started = Instant::now();
        let answer = request.send(&agent, &send);
        let elapsed = started.elapsed();
        let received = SystemTime::now();
        let response = match answer {
            Ok(response) => response,
            Err(error) => {
                // In the tool's words, as a token request's failure would be
                // (`no answer from HOST within 30 s`), not ureq's.
                let failure = crate::send::SendFailure {
                    host: crate::send::host(&endpoint.issuer).to_owned(),
                    timeout: send.timeout(),
                    salesforce: false,
                    endpoint: crate::send::Endpoint::Token,
                    attempts: 1,
                    error,
                };
                return report.fail(format!("cannot reach {}: {failure}", endpoint.issuer));
            }
        };
        if first {
            reached(report, endpoint, &response, elapsed);
            clock(report, &response, received);
            first = false;
        }
        if response.status() == 200 {
            return metadata(report, options, endpoint, &response);
        }
    }
    report.ok(format!(
        "no RFC 8414 / OpenID Connect metadata published at {}: grant types and client authentication not checked",
        endpoint.issuer
    ));
}

fn reached(report: &mut Report, endpoint: &Endpoint, response: &HttpResponse, elapsed: Duration) {
    let how = if endpoint.issuer.starts_with("https://") {
        "over TLS (certificate chain verified)"
    } else {
        "over plain http (loopback only)"
    };
    report.ok(format!(
        "{} answered {how} in {} ms (HTTP {})",
        endpoint.issuer,
        elapsed.as_millis(),
        response.status()
    ));
}

/// The local clock against the server's `Date` (whole seconds, so a second of
/// difference is noise).
fn clock(report: &mut Report, response: &HttpResponse, received: SystemTime) {
    let Some(date) = response.date(received) else {
        return report.warn("the server sent no Date header: the clock is not checked");
    };
    let (skew, side) = match date.duration_since(received) {
        Ok(ahead) => (ahead, "behind"),
        Err(e) => (e.duration(), "ahead of"),
    };
    let secs = skew.as_secs();
    let text = format!("the local clock is {secs} s {side} the server's (its Date header)");
    if skew > CLOCK_FAIL {
        report.fail(format!(
            "{text}: assertions will be refused as expired or not yet valid; fix the system clock (NTP)"
        ));
    } else if skew > CLOCK_WARN {
        report.warn(format!("{text}: assertions live minutes; check NTP"));
    } else {
        report.ok(format!(
            "the local clock is within {} s of the server's",
            secs.max(1)
        ));
    }
}

/// The published metadata against the flags: token endpoint, grant, client auth.
fn metadata(report: &mut Report, options: &Options, endpoint: &Endpoint, response: &HttpResponse) {
    let metadata = match AuthorizationServerMetadata::parse(response, &endpoint.issuer) {
        Ok(metadata) => metadata,
        Err(e) => {
            return report.warn(format!(
                "the metadata of {} is unusable: {e}",
                endpoint.issuer
            ));
        }
    };
    if metadata.token_endpoint() == endpoint.token_url {
        report.ok(format!(
            "the metadata names {} as the token endpoint",
            endpoint.token_url
        ));
    } else {
        report.warn(format!(
            "the metadata names {} as the token endpoint, not {}",
            metadata.token_endpoint(),
            endpoint.token_url
        ));
    }
    let grants = metadata.grant_types_supported();
    let mut wanted = Vec::new();
    if options.key.is_some() {
        wanted.push(if options.cert.is_some() {
            SAML2_BEARER
        } else {
            JWT_BEARER
        });
    }
    for grant in wanted {
        if grants.contains(&grant) {
            report.ok(format!("the server lists the grant {grant}"));
        } else {
            report.warn(format!(
                "the server does not list the grant {grant} in grant_types_supported (servers often take more than they list)"
            ));
        }
    }
    if options.client_key.is_some() {
        if metadata
            .auth_methods_supported()
            .contains(&"private_key_jwt")
        {
            report.ok("the server lists the client authentication private_key_jwt");
        } else {
            report.warn(
                "the server does not list private_key_jwt in token_endpoint_auth_methods_supported",
            );
        }
    }
}

/// A failure's message without its `error: ` prefix, for a `fail:` line.
fn without_prefix(failure: &Failure) -> String {
    let text = failure.to_string();
    text.strip_prefix("error: ").unwrap_or(&text).to_owned()
}

/// The library's calendar (one file compiled into both; it is not public).
#[path = "../../time/civil.rs"]
mod civil;

/// `YYYY-MM-DD HH:MM:SS UTC`.
fn utc(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (year, month, day) = civil::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_origins() {
        let at = |s| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(utc(at(0)), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(at(951_825_600)), "2000-02-29 12:00:00 UTC");
        assert_eq!(utc(at(4_949_534_001)), "2126-11-05 06:33:21 UTC");
        assert_eq!(
            origin("https://idp.example.com:8443/oauth2/token?x=1"),
            "https://idp.example.com:8443"
        );
        assert_eq!(origin("http://127.0.0.1:5/t"), "http://127.0.0.1:5");
        assert!(is_my_domain("https://acme.my.salesforce.com"));
        assert!(is_my_domain("https://ACME.sandbox.my.salesforce.com/"));
        assert!(!is_my_domain("https://login.salesforce.com"));
    }

    #[test]
    fn clock_thresholds() {
        // 1_800_000_000 is Fri, 15 Jan 2027 08:00:00 GMT.
        let received = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let level = |server_offset: i64| {
            let date = if server_offset >= 0 {
                received + Duration::from_secs(server_offset.unsigned_abs())
            } else {
                received - Duration::from_secs(server_offset.unsigned_abs())
            };
            let response = HttpResponse::new(404, vec![("Date".into(), httpdate(date))], vec![]);
            let mut report = Report::default();
            clock(&mut report, &response, received);
            report.lines[0].0
        };
        assert_eq!(level(0), Level::Ok);
        assert_eq!(level(30), Level::Ok);
        assert_eq!(level(-30), Level::Ok);
        assert_eq!(level(31), Level::Warn);
        assert_eq!(level(-120), Level::Warn);
        assert_eq!(level(121), Level::Fail);
        assert_eq!(level(-121), Level::Fail);
        let mut report = Report::default();
        clock(
            &mut report,
            &HttpResponse::new(200, vec![], vec![]),
            received,
        );
        assert_eq!(report.lines[0].0, Level::Warn);
    }

    /// An IMF-fixdate for `t` on 14 or 15 January 2027 (all the test needs).
    fn httpdate(t: SystemTime) -> String {
        let text = utc(t); // YYYY-MM-DD HH:MM:SS UTC
        let weekday = if &text[8..10] == "14" { "Thu" } else { "Fri" };
        format!("{weekday}, {} Jan 2027 {} GMT", &text[8..10], &text[11..19])
    }

    #[test]
    fn report_lines_are_tagged_and_one_line_each() {
        let mut report = Report::default();
        report.ok("a");
        report.warn("b\nc");
        report.fail("d");
        assert_eq!(report.text(), "ok: a\nwarn: b c\nfail: d\n");
        assert_eq!(report.failures(), 1);
    }
}
