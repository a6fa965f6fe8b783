//! The crate root stays a small public face for the client path (issue 10):
//! every name `pub use`d at the root plus every `pub mod` counts, and the total
//! stays at or under the limit. A new public item goes into the module of its
//! area (`error`, `secret`, `jwt`, `saml`, `providers`, `tls`, `exchange`, …),
//! not onto the root. The limit was 25; issue 13 added the area module `tls` (RFC
//! 8705: agents with their own trust and client certificate, the `cnf` check) and
//! issue 14 the area module `exchange` (RFC 8693 token exchange, token type
//! identifiers, and the token sources of workload identity federation), which
//! have no existing module to live in. Issue 15 added `introspection` (the
//! client side of RFC 7662 introspection and RFC 7009 revocation: requests to
//! other endpoints of the authorization server than the token endpoint, with
//! their own answers; no existing area holds them).
//! Issue 15 also added the area module `server`
//! (the receiving side's sans-IO token endpoint core: request parsing, client
//! authentication, grant verification, RFC 6749 §5 answers), which is no part of
//! the client path and belongs under none of its modules.

use std::collections::BTreeSet;

const LIMIT: usize = 29;

/// The root's public names, read from `src/lib.rs`: `pub mod NAME;` and the names
/// brought in by `pub use` (a group `pub use a::{B, C};` counts each name). The
/// `#[cfg(doctest)]` README holder is not part of the API and is skipped.
fn root_names() -> Vec<String> {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs"))
        .expect("src/lib.rs");
    let code: String = lib
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut names = Vec::new();
    for statement in code.split(';') {
        let statement = statement.split_whitespace().collect::<Vec<_>>().join(" ");
        let statement = match statement.rfind("pub ") {
            Some(at) => &statement[at..],
            None => continue,
        };
        if let Some(name) = statement.strip_prefix("pub mod ") {
            names.push(name.trim().to_owned());
        } else if let Some(path) = statement.strip_prefix("pub use ") {
            let list = match (path.find('{'), path.rfind('}')) {
                (Some(open), Some(close)) => &path[open + 1..close],
                _ => path.rsplit("::").next().unwrap_or(path),
            };
            for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                let name = item.rsplit(" as ").next().unwrap_or(item);
                names.push(name.rsplit("::").next().unwrap_or(name).to_owned());
            }
        }
    }
    names
}

#[test]
fn the_root_has_at_most_29_public_names() {
    let names = root_names();
    assert!(
        names.len() <= LIMIT,
        "{} public names at the crate root (limit {LIMIT}): {names:?}; put the new item in the module of its area",
        names.len()
    );
    // The parser sees the face as it is today (a parser that finds nothing would
    // pass the limit trivially).
    for expected in [
        "TokenRequest",
        "Grant",
        "ClientAuth",
        "SigningKey",
        "Error",
        "jwt",
        "providers",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not found in {names:?}"
        );
    }
}

#[test]
fn no_two_root_names_are_the_same() {
    let names = root_names();
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
}

#[test]
fn moved_items_are_reachable_at_their_new_paths() {
    use std::time::Duration;

    // Constants became associated constants.
    assert_eq!(
        s2s_oauth::TokenCache::DEFAULT_REFRESH_MARGIN,
        Duration::from_secs(60)
    );
    assert_eq!(
        s2s_oauth::SendOptions::DEFAULT_TIMEOUT,
        Duration::from_secs(30)
    );
    assert_eq!(
        s2s_oauth::SendOptions::MAX_TIMEOUT,
        Duration::from_secs(86_400)
    );
    assert_eq!(s2s_oauth::SendOptions::DEFAULT_BODY_LIMIT, 1024 * 1024);
    assert_eq!(s2s_oauth::jwt::DEFAULT_LIFETIME, Duration::from_secs(180));
    // The secret assertion and the SAML builder no longer share a name.
    let signed = s2s_oauth::secret::SignedAssertion::new("a.b.c");
    assert_eq!(format!("{signed:?}"), "SignedAssertion([redacted])");
    // The JWT verifier lives in `jwt`, mirroring `saml`.
    let validation = s2s_oauth::jwt::Validation::new("https://as.example.com/token");
    let _ = validation;
    let _: fn(&s2s_oauth::error::ErrorCode) -> &str = s2s_oauth::error::ErrorCode::as_str;
}
