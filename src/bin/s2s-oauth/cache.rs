//! `--cache FILE`: a token file shared by the runs of one job.
//!
//! - **Keyed by the request.** The file holds one token response with a SHA-256 of
//!   what identifies the request (subcommand, endpoint, client id, issuer, subject,
//!   audience, scope, extra claims, the refresh token's digest). A file written for
//!   another request is never served from; the next fetch replaces it.
//! - **Served while it lives.** A token is served while it is still valid for
//!   `--min-ttl` (default 60 s): until `expires_in` says, or, with no `expires_in`
//!   (Salesforce), for `--max-age` (default 900 s) after it was received.
//!   `--refresh` skips the token cached before the run started and replaces it
//!   (a token another run cached meanwhile, while this one waited for the lock, is
//!   served: it is not the one the API refused).
//! - **One request across concurrent runs.** An advisory lock on `FILE.lock` is held
//!   across check, fetch and write; the runs waiting for it then find the fresh token.
//!   The lock belongs to the open file, so it dies with a killed holder. A holder that
//!   keeps it longer than its send can last (every attempt of `--retries` and the
//!   waits between them) plus [`LOCK_MARGIN`] is not waited for:
//!   the run then fetches on its own (the write is atomic either way).
//! - **Private.** The file and its lock are created `0600`, must be owned by the user
//!   running the tool and be regular files, and are never opened through a symbolic
//!   link (`O_NOFOLLOW`). A cache file readable by others is refused. Writes go to a
//!   temporary file in the same directory, synced, then renamed over the file.
//!
//! The file holds the access token (and any refresh or ID token) in clear: whoever
//! can read it has the token, exactly as with the `--output json` it reproduces.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use s2s_oauth::{HttpResponse, TokenResponse};

use crate::args::Options;
use crate::command::Command;
use crate::exit::Failure;

/// `--min-ttl` when not given.
pub(crate) const DEFAULT_MIN_TTL: Duration = Duration::from_secs(60);
/// `--max-age` when not given.
pub(crate) const DEFAULT_MAX_AGE: Duration = Duration::from_secs(900);
/// How much longer than the holder's longest send a run waits for its lock.
pub(crate) const LOCK_MARGIN: Duration = Duration::from_secs(30);

/// `--min-ttl SECS`: whole seconds, 0 allowed (serve until the expiry itself).
pub(crate) fn min_ttl(value: &str) -> Result<Duration, Failure> {
    value.parse::<u64>().map(Duration::from_secs).map_err(|_| {
        Failure::usage(format!(
            "--min-ttl {value:?}: expected a whole number of seconds (0 or more)"
        ))
    })
}

/// Gets the token through `--cache` if given, else with `fetch` alone.
pub(crate) fn through(
    command: Command,
    options: &Options,
    fetch: impl FnOnce() -> Result<TokenResponse, Failure>,
) -> Result<TokenResponse, Failure> {
    let Some(path) = &options.cache else {
        return fetch();
    };
    if options.token_url.is_none() && options.salesforce.is_none() && options.credentials.is_none()
    {
        // No endpoint: `fetch` says what is missing, before any file is touched.
        return fetch();
    }
    let key = request_key(command, options)?;
    let policy = Policy {
        min_ttl: options.min_ttl.unwrap_or(DEFAULT_MIN_TTL),
        max_age: options.max_age.unwrap_or(DEFAULT_MAX_AGE),
    };
    // The holder may be retrying (`--retries`): wait as long as its send can last.
    let sending = crate::send::Sending {
        timeout: options
            .timeout
            .unwrap_or(s2s_oauth::SendOptions::DEFAULT_TIMEOUT),
        retries: options.retries.unwrap_or(0),
        salesforce: false,
        endpoint: crate::send::Endpoint::Token,
    };
    imp::through(
        path,
        &key,
        policy,
        options.refresh,
        sending.longest().saturating_add(LOCK_MARGIN),
        fetch,
    )
}

/// When a cached token may be served.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    min_ttl: Duration,
    max_age: Duration,
}

impl Policy {
    /// Whether `token` is still good for `min_ttl` at `now`: until its expiry, or
    /// with none until `received_at + max_age`. A token received in the future (the
    /// clock went back) is not served.
    pub(crate) fn serves(self, token: &TokenResponse, now: SystemTime) -> bool {
        let received = token.received_at();
        if received > now {
            return false;
        }
        let end = token
            .expires_at()
            .or_else(|| received.checked_add(self.max_age));
        end.and_then(|end| end.duration_since(now).ok())
            .is_some_and(|left| left >= self.min_ttl)
    }
}

/// The SHA-256 (hex) of what identifies the request: the same flags make the same
/// key; secrets are in it only as their digest (the refresh token's).
fn request_key(command: Command, options: &Options) -> Result<String, Failure> {
    let refresh_token = match &options.refresh_token {
        Some(source) => {
            let token = zeroize::Zeroizing::new(crate::inputs::secret(source, "refresh-token")?);
            Some(hex(ring::digest::digest(
                &ring::digest::SHA256,
                token.as_bytes(),
            )
            .as_ref()))
        }
        None => None,
    };
    // A DPoP-bound token is good only with its key: the key's thumbprint counts.
    let dpop_jkt = crate::commands::dpop_key(options)?.map(|key| key.jkt().to_owned());
    // So is a certificate-bound one (RFC 8705 §3) with its client certificate: a
    // rotated certificate needs a new token.
    let client_cert = crate::inputs::client_cert_thumbprint(options)?;
    let claims: Vec<(&str, &serde_json::Value)> = options
        .claims
        .iter()
        .map(|(n, v)| (n.as_str(), v))
        .collect();
    let mut identity = serde_json::json!([
        FORMAT,
        command.name(),
        options.token_url,
        options.salesforce,
        options.client_id,
        options.issuer,
        options.subject,
        options.audience,
        options.scope,
        claims,
        refresh_token,
        dpop_jkt,
        client_cert,
    ]);
    // Only for the requests that have them, so that the other keys stay as they were.
    if command == Command::TokenExchange || options.client_assertion_file.is_some() {
        let digest = |source: &Option<crate::args::Source>, name: &str| -> Result<_, Failure> {
            Ok(match source {
                Some(source) => {
                    let token = zeroize::Zeroizing::new(crate::inputs::secret(source, name)?);
                    Some(hex(ring::digest::digest(
                        &ring::digest::SHA256,
                        token.as_bytes(),
                    )
                    .as_ref()))
                }
                None => None,
            })
        };
        let types = |t: &Option<s2s_oauth::exchange::TokenTypeUri>| {
            t.as_ref().map(|t| t.as_str().to_owned())
        };
        if let serde_json::Value::Array(items) = &mut identity {
            items.push(serde_json::json!({
                "subject_token": digest(&options.subject_token, "subject-token")?,
                "subject_token_type": types(&options.subject_token_type),
                "actor_token": digest(&options.actor_token, "actor-token")?,
                "actor_token_type": types(&options.actor_token_type),
                "requested_token_type": types(&options.requested_token_type),
                "audiences": options.audiences,
                "resources": options.resources,
                "client_assertion_file": options.client_assertion_file.as_ref().map(|p| p.display().to_string()),
            }));
        }
    }
    // google: the credential file's path and contents name the endpoints and the
    // identity (a rewritten file is another request).
    if let (Command::Google, Some(path)) = (command, &options.credentials) {
        let contents = crate::google::read_credentials(path)?;
        if let serde_json::Value::Array(items) = &mut identity {
            items.push(serde_json::json!({
                "credentials": path.display().to_string(),
                "credentials_sha256": hex(ring::digest::digest(&ring::digest::SHA256, &contents).as_ref()),
                "allow_loopback_endpoints": options.allow_loopback_endpoints,
            }));
        }
    }
    let text = identity.to_string();
    Ok(hex(ring::digest::digest(
        &ring::digest::SHA256,
        text.as_bytes(),
    )
    .as_ref()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The format name written in every cache file.
const FORMAT: &str = "s2s-oauth-cli-cache/1";

/// The file's contents: the format, the request key, when the response was received
/// (nanoseconds since the Unix epoch) and the response object as the server sent it.
fn encode(key: &str, token: &TokenResponse) -> zeroize::Zeroizing<String> {
    let received = token
        .received_at()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    zeroize::Zeroizing::new(format!(
        "{{\"format\":\"{FORMAT}\",\"key\":\"{key}\",\"received_at_ns\":{received},\"response\":{}}}\n",
        token.to_json_exposing_secrets()
    ))
}

/// The token of a cache file written for `key`; `None` for another key, another
/// format or anything unreadable (the file is then replaced).
fn decode(key: &str, bytes: &[u8]) -> Option<TokenResponse> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    if value.get("format")?.as_str()? != FORMAT || value.get("key")?.as_str()? != key {
        return None;
    }
    let received = SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_nanos(value.get("received_at_ns")?.as_u64()?))?;
    let response = value.get("response")?;
    if !response.is_object() {
        return None;
    }
    let body = zeroize::Zeroizing::new(serde_json::to_vec(response).ok()?);
    let http = HttpResponse::new(
        200,
        vec![("Content-Type".into(), "application/json".into())],
        body.to_vec(),
    );
    TokenResponse::parse(&http, received).ok()
}

/// `FILE.lock`, next to the cache file.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

#[cfg(unix)]
#[path = "cache_unix.rs"]
mod imp;

#[cfg(not(unix))]
mod imp {
    //! No owner and mode checks off Unix: the cache is refused there.
    use super::*;

    pub(super) fn through(
        _: &Path,
        _: &str,
        _: Policy,
        _: bool,
        _: Duration,
        _: impl FnOnce() -> Result<TokenResponse, Failure>,
    ) -> Result<TokenResponse, Failure> {
        Err(Failure::usage(
            "--cache is supported on Unix only (it checks the file's owner and mode)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(body: &str, received: SystemTime) -> TokenResponse {
        TokenResponse::parse(
            &HttpResponse::new(200, vec![], body.as_bytes().to_vec()),
            received,
        )
        .unwrap()
    }

    #[test]
    fn a_token_is_served_while_it_lives_for_min_ttl() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let policy = Policy {
            min_ttl: Duration::from_secs(60),
            max_age: Duration::from_secs(900),
        };
        let expiring = token(r#"{"access_token":"a","expires_in":3600}"#, t0);
        assert!(policy.serves(&expiring, t0));
        assert!(policy.serves(&expiring, t0 + Duration::from_secs(3540)));
        assert!(!policy.serves(&expiring, t0 + Duration::from_secs(3541)));
        assert!(!policy.serves(&expiring, t0 - Duration::from_secs(1)));
        let unknown = token(r#"{"access_token":"a"}"#, t0);
        assert!(policy.serves(&unknown, t0 + Duration::from_secs(840)));
        assert!(!policy.serves(&unknown, t0 + Duration::from_secs(841)));
    }

    #[test]
    fn the_file_round_trips_the_whole_response_for_its_key_only() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_nanos(1_800_000_000_123_456_789);
        let body = r#"{"access_token":"a","id_token":"x.y.z","instance_url":"https://acme.my.salesforce.com","issued_at":"1800000000123","scope":"api","x":[1,{"b":null}]}"#;
        let original = token(body, t0);
        let file = encode("k1", &original);
        let back = decode("k1", file.as_bytes()).unwrap();
        assert_eq!(
            back.to_json_exposing_secrets(),
            original.to_json_exposing_secrets()
        );
        assert_eq!(back.received_at(), t0);
        assert!(decode("k2", file.as_bytes()).is_none());
        assert!(decode("k1", b"{}").is_none());
        assert!(decode("k1", b"not json").is_none());
        let other = file.replace(FORMAT, "s2s-oauth-cli-cache/9");
        assert!(decode("k1", other.as_bytes()).is_none());
    }

    #[test]
    fn the_key_follows_what_identifies_the_request() {
        let base = || Options {
            token_url: Some("https://idp.example.com/token".into()),
            client_id: Some("app".into()),
            scope: Some("api".into()),
            ..Options::default()
        };
        let key = |command, options: &Options| request_key(command, options).unwrap();
        let k = key(Command::ClientCredentials, &base());
        assert_eq!(k.len(), 64);
        // Output, timeout and the cache's own flags are no part of the request.
        let same = Options {
            output: Some(crate::args::Output::Token),
            timeout: Some(Duration::from_secs(5)),
            min_ttl: Some(Duration::ZERO),
            refresh: true,
            ..base()
        };
        assert_eq!(key(Command::ClientCredentials, &same), k);
        let others = [
            Options {
                scope: Some("api web".into()),
                ..base()
            },
            Options {
                client_id: Some("app2".into()),
                ..base()
            },
            Options {
                token_url: Some("https://idp.example.com/token2".into()),
                ..base()
            },
            Options {
                audience: Some("https://api".into()),
                ..base()
            },
            Options {
                subject: Some("u@example.com".into()),
                ..base()
            },
            Options {
                claims: vec![("tenant".into(), 1.into())],
                ..base()
            },
        ];
        for other in &others {
            assert_ne!(key(Command::ClientCredentials, other), k, "{other:?}");
        }
        assert_ne!(key(Command::JwtBearer, &base()), k);
        // A refresh token counts by its digest.
        let dir = std::env::temp_dir().join(format!("s2s-cache-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a"), dir.join("b"));
        std::fs::write(&a, "rt-1\n").unwrap();
        std::fs::write(&b, "rt-2").unwrap();
        let file = |path: &std::path::Path| Options {
            refresh_token: Some(crate::args::Source::File(path.to_owned())),
            ..base()
        };
        let ka = key(Command::Refresh, &file(&a));
        assert_ne!(ka, key(Command::Refresh, &file(&b)));
        assert_eq!(ka, key(Command::Refresh, &file(&a)));
        assert!(!ka.contains("rt-1"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn min_ttl_takes_zero_and_refuses_the_rest() {
        assert_eq!(min_ttl("0").unwrap(), Duration::ZERO);
        assert_eq!(min_ttl("120").unwrap(), Duration::from_secs(120));
        for bad in ["-1", "1.5", "x", ""] {
            assert!(min_ttl(bad).unwrap_err().to_string().contains("--min-ttl"));
        }
    }
}
