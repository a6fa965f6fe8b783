//! Replays the fuzz corpora (`fuzz/corpus/<target>/`, minimized with `cargo fuzz
//! cmin`) and the crash repros (`fuzz/regressions/<target>/`) through the same
//! harness the fuzz targets run, so a normal `cargo test` keeps every finding
//! fixed. See FUZZING.md.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod common;

use base64ct::{Base64UrlUnpadded, Encoding};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs every file of `target`'s corpus and regressions; fails naming each file
/// that panicked.
fn replay(target: &str) {
    let (_, run) = harness::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a harness target");
    let mut inputs = files(&fuzz_dir().join("corpus").join(target));
    assert!(
        !inputs.is_empty(),
        "fuzz/corpus/{target} is empty: run `cargo test --test fuzz_corpus -- --ignored write_seeds`"
    );
    inputs.extend(files(&fuzz_dir().join("regressions").join(target)));
    let mut slowest = (Duration::ZERO, None);
    let failed: Vec<String> = inputs
        .iter()
        .filter(|path| {
            let data = fs::read(path).expect("a readable corpus file");
            let start = Instant::now();
            let panicked = catch_unwind(AssertUnwindSafe(|| run(&data))).is_err();
            if start.elapsed() > slowest.0 {
                slowest = (start.elapsed(), Some(path.to_owned()));
            }
            panicked
        })
        .map(|path| path.display().to_string())
        .collect();
    // Not asserted (a debug build on a shared machine is no clock), but shown with
    // --nocapture: a slow input is a denial-of-service finding.
    eprintln!(
        "{target}: {} inputs, the slowest {:?} ({:?})",
        inputs.len(),
        slowest.0,
        slowest.1
    );
    assert!(
        failed.is_empty(),
        "{target}: {} of {} inputs panicked; reproduce one with `cargo +nightly fuzz run {target} FILE`:\n{}",
        failed.len(),
        inputs.len(),
        failed.join("\n")
    );
}

#[test]
fn jwks() {
    replay("jwks");
}

/// The JWK Set seeds with the fixture key verify the harness's tokens, so the
/// target goes deep on them; the empty set does not.
#[test]
fn jwks_seeds_verify_the_tokens() {
    use s2s_oauth::jwt::{Jwks, Validation, verify_with_jwks};
    let (assertion, _) = harness::jwks_tokens();
    let validation = Validation::new(harness::AUDIENCE).with_issuer(harness::ISSUER);
    let verified: Vec<bool> = harness::seed_jwk_sets()
        .iter()
        .map(|set| {
            let set = Jwks::parse(set.as_bytes()).unwrap();
            verify_with_jwks(assertion, &set, &validation, harness::now(), None).is_ok()
        })
        .collect();
    assert_eq!(verified, [true, true, true, true, false, false]);
}

/// Writes the JWK Set seeds.
#[test]
#[ignore = "writes fuzz/corpus/jwks; run by hand"]
fn write_jwks_seeds() {
    let dir = fuzz_dir().join("corpus").join("jwks");
    fs::create_dir_all(&dir).unwrap();
    for (i, set) in harness::seed_jwk_sets().iter().enumerate() {
        fs::write(dir.join(format!("seed-{i}.json")), set).unwrap();
    }
}

#[test]
fn keys() {
    replay("keys");
}

#[test]
fn token_response() {
    replay("token_response");
}

#[test]
fn jwt() {
    replay("jwt");
    assert_reaches_acceptance("jwt", harness::jwt_accepted);
}

/// Some inputs of the corpus still verify: the replay goes past the signature
/// check into the claims, not only through the early refusals.
fn assert_reaches_acceptance(target: &str, accepted: fn(&[u8]) -> usize) {
    let verified = files(&fuzz_dir().join("corpus").join(target))
        .iter()
        .filter(|path| accepted(&fs::read(path).unwrap()) > 0)
        .count();
    assert!(
        verified > 0,
        "no input in fuzz/corpus/{target} verifies; add the seeds back with write_seeds"
    );
}

#[test]
fn saml_canonicalize() {
    replay("saml_canonicalize");
}

#[test]
fn saml_verify() {
    replay("saml_verify");
    assert_reaches_acceptance("saml_verify", harness::saml_accepted);
}

#[test]
fn token_url() {
    replay("token_url");
}

#[test]
fn discovery() {
    replay("discovery");
}

#[test]
fn dpop_proof() {
    replay("dpop_proof");
    assert_reaches_acceptance("dpop_proof", harness::dpop_accepted);
}

#[test]
fn mtls() {
    replay("mtls");
}

#[test]
fn token_source() {
    replay("token_source");
}

#[test]
fn introspection() {
    replay("introspection");
}

#[test]
fn token_endpoint() {
    replay("token_endpoint");
    assert_reaches_acceptance("token_endpoint", harness::token_endpoint_accepted);
}

/// Writes `fuzz/corpus/token_endpoint`: requests with every client authentication
/// shape, the seed client assertions and hostile heads
/// (`cargo test --all-features --test fuzz_corpus -- --ignored write_token_endpoint_seeds`).
#[test]
#[ignore = "writes fuzz/corpus; run by hand"]
fn write_token_endpoint_seeds() {
    let dir = fuzz_dir().join("corpus").join("token_endpoint");
    fs::create_dir_all(&dir).unwrap();
    let form = "Content-Type: application/x-www-form-urlencoded";
    let basic = |raw: &str| base64ct::Base64::encode_string(raw.as_bytes());
    let enc_secret = "p%2Bss%2Fw+rd%3A%2541%3D%26";
    let jwt_type = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer";
    let mut seeds: Vec<(String, String)> = vec![
        (
            "basic-raw".into(),
            format!(
                "POST\n{form}\nAuthorization: Basic {}\n\ngrant_type=client_credentials",
                basic(&format!("fuzz-basic:{}", harness::ENDPOINT_SECRET))
            ),
        ),
        (
            "basic-encoded".into(),
            format!(
                "POST\n{form}\nAuthorization: Basic {}\n\ngrant_type=client_credentials",
                basic(&format!("fuzz-basic:{enc_secret}"))
            ),
        ),
        (
            "post".into(),
            format!(
                "POST\n{form}\n\ngrant_type=client_credentials&client_id=fuzz-basic&client_secret={enc_secret}"
            ),
        ),
        (
            "public".into(),
            format!("POST\n{form}\n\ngrant_type=client_credentials&client_id=fuzz-public"),
        ),
        (
            "two-methods".into(),
            format!("POST\n{form}\nAuthorization: Basic Og==\n\ngrant_type=x&client_secret=y"),
        ),
        (
            "repeated".into(),
            format!("POST\n{form}\n\ngrant_type=x&grant_type=y&resource=a&resource=b"),
        ),
        ("get".into(), "GET\n\n".into()),
        (
            "json".into(),
            "POST\nContent-Type: application/json\n\n{}".into(),
        ),
        (
            "bad-utf8".into(),
            format!("POST\n{form}\n\ngrant_type=%FF%FE"),
        ),
        (
            "bearer-scheme".into(),
            format!("POST\n{form}\nAuthorization: Bearer x\n\ngrant_type=client_credentials"),
        ),
    ];
    for (i, assertion) in harness::seed_client_assertions().iter().enumerate() {
        seeds.push((format!("private-key-jwt-{i}"), format!("POST\n{form}\n\ngrant_type=client_credentials&client_assertion_type={jwt_type}&client_assertion={assertion}")));
    }
    for (i, token) in harness::seed_jwts().iter().enumerate() {
        seeds.push((format!("jwt-bearer-{i}"), format!("POST\n{form}\n\ngrant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={token}")));
    }
    for (name, text) in seeds {
        fs::write(dir.join(format!("seed-{name}")), text.as_bytes()).unwrap();
    }
}

#[test]
fn every_target_has_a_replay_test() {
    let names: Vec<&str> = harness::TARGETS.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        [
            "keys",
            "token_response",
            "jwt",
            "saml_canonicalize",
            "saml_verify",
            "token_url",
            "discovery",
            "dpop_proof",
            "mtls",
            "token_source",
            "introspection",
            "token_endpoint",
            "jwks"
        ]
    );
}

/// The harness's own properties hold on its seeds: every seed JWT and assertion
/// verifies (so the fuzzer starts deep), and the checks refuse a changed one.
#[test]
fn seeds_verify_and_a_changed_seed_does_not() {
    for token in harness::seed_jwts() {
        assert_eq!(harness::jwt_accepted(token.as_bytes()), 1, "{token}");
        // The claims are the second part; changing one of their characters breaks
        // the signature.
        let dot = token.find('.').unwrap();
        let mut forged = token.clone().into_bytes();
        forged[dot + 2] ^= 1;
        assert_eq!(harness::jwt_accepted(&forged), 0, "{token}");
    }
    for proof in harness::seed_proofs() {
        // Each seed passes a check: the token endpoint's (a seed with a nonce also
        // the one demanding it) or the resource's (with ath).
        assert!(harness::dpop_accepted(proof.as_bytes()) >= 1, "{proof}");
        let dot = proof.find('.').unwrap();
        let mut forged = proof.clone().into_bytes();
        forged[dot + 2] ^= 1;
        assert_eq!(harness::dpop_accepted(&forged), 0, "{proof}");
    }
    for xml in harness::seed_assertions() {
        assert_eq!(harness::saml_accepted(xml.as_bytes()), 1, "{xml}");
        let forged = xml.replace("fuzz-user", "fuzz-usEr");
        assert_ne!(forged, xml);
        assert_eq!(harness::saml_accepted(forged.as_bytes()), 0, "{forged}");
    }
}

/// Writes `fuzz/corpus/dpop_proof`: the harness's signed seed proofs and hostile
/// shapes (`cargo test --all-features --test fuzz_corpus -- --ignored write_dpop_seeds`).
#[test]
#[ignore = "writes fuzz/corpus; run by hand"]
fn write_dpop_seeds() {
    let dir = fuzz_dir().join("corpus").join("dpop_proof");
    fs::create_dir_all(&dir).unwrap();
    let write =
        |name: &str, bytes: &[u8]| fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
    for (i, proof) in harness::seed_proofs().iter().enumerate() {
        write(&format!("{i}.jwt"), proof.as_bytes());
    }
    let b64 = |text: &str| Base64UrlUnpadded::encode_string(text.as_bytes());
    let hostile = [
        ("empty", String::new()),
        ("dots", "..".to_owned()),
        (
            "no-typ",
            format!("{}.{}.AA", b64(r#"{"alg":"ES256"}"#), b64("{}")),
        ),
        (
            "jwk-string",
            format!(
                "{}.{}.AA",
                b64(r#"{"typ":"dpop+jwt","alg":"ES256","jwk":"x"}"#),
                b64("{}")
            ),
        ),
        (
            "jwk-private",
            format!(
                "{}.{}.AA",
                b64(
                    r#"{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}}"#
                ),
                b64("{}")
            ),
        ),
        (
            "jwk-rsa-small",
            format!(
                "{}.{}.AA",
                b64(
                    r#"{"typ":"dpop+jwt","alg":"RS256","jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"}}"#
                ),
                b64("{}")
            ),
        ),
        (
            "alg-none",
            format!(
                "{}.{}.",
                b64(r#"{"typ":"dpop+jwt","alg":"none","jwk":{}}"#),
                b64("{}")
            ),
        ),
        (
            "alg-hs",
            format!(
                "{}.{}.AA",
                b64(r#"{"typ":"dpop+jwt","alg":"HS256","jwk":{"kty":"oct","k":"AA"}}"#),
                b64("{}")
            ),
        ),
        ("arrays", format!("{}.{}.AA", b64("[]"), b64("[]"))),
    ];
    for (name, text) in hostile {
        write(name, text.as_bytes());
    }
}

/// Writes the seed corpora from the fixtures (`tests/data`) and the harness's
/// signed seeds. Run once when the fixtures change:
/// `cargo test --all-features --test fuzz_corpus -- --ignored write_seeds`,
/// then minimize with `cargo +nightly fuzz cmin TARGET`.
#[test]
#[ignore = "writes fuzz/corpus; run by hand"]
fn write_seeds() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let corpus = fuzz_dir().join("corpus");
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = corpus.join(target);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
    };
    for path in files(&data.join("keys")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".md") || name.starts_with("rsa6144") {
            continue; // the 6144-bit key only slows the fuzzer down
        }
        let bytes = fs::read(&path).unwrap();
        write("keys", &name, &bytes);
        if let Some(der) = common::der_of_pem(&bytes) {
            write("keys", &format!("{name}.der"), &der);
        }
    }
    for path in files(&data.join("c14n")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".input.xml") {
            write("saml_canonicalize", &name, &fs::read(&path).unwrap());
        }
    }
    for (i, xml) in harness::seed_assertions().iter().enumerate() {
        write("saml_verify", &format!("assertion-{i}.xml"), xml.as_bytes());
        write(
            "saml_canonicalize",
            &format!("assertion-{i}.xml"),
            xml.as_bytes(),
        );
        let param = Base64UrlUnpadded::encode_string(xml.as_bytes());
        write(
            "saml_verify",
            &format!("assertion-{i}.b64"),
            param.as_bytes(),
        );
    }
    for (i, token) in harness::seed_jwts().iter().enumerate() {
        write("jwt", &format!("{i}.jwt"), token.as_bytes());
    }
    write_dpop_seeds();
    for (name, url) in [
        ("https", "https://login.example.com/services/oauth2/token"),
        ("https-port-query", "HTTPS://idp.example.com:8443/t?x=1"),
        ("http-loopback-v4", "http://127.0.0.1:8080/token"),
        ("http-loopback-v6", "http://[::1]:8080/token"),
        ("http-localhost", "http://localhost./token"),
        ("http-remote", "http://example.com/token"),
        ("userinfo", "https://user:pw@example.com/token"),
        ("fragment", "https://example.com/token#x"),
        ("ipv6-zone", "https://[fe80::1%25eth0]/token"),
    ] {
        write("token_url", name, url.as_bytes());
    }
    let json = "content-type: application/json";
    for (name, response) in [
        (
            "bearer",
            format!(
                "200\n{json}\n\n{{\"access_token\":\"abc\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"refresh_token\":\"r\",\"scope\":\"api web\",\"id_token\":\"x.y.z\"}}"
            ),
        ),
        (
            "salesforce",
            format!(
                "200\n{json}\n\n{{\"access_token\":\"00D!x\",\"token_type\":\"Bearer\",\"instance_url\":\"https://acme.my.salesforce.com\",\"id\":\"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS\",\"issued_at\":\"1708058728442\",\"signature\":\"c2ln\",\"api_instance_url\":\"https://api.salesforce.com\"}}"
            ),
        ),
        (
            "expires-string",
            format!("200\n{json}\n\n{{\"access_token\":\"a\",\"token_type\":\"mac\",\"expires_in\":\"60\"}}"),
        ),
        (
            "oauth-error",
            format!(
                "400\n{json}\n\n{{\"error\":\"invalid_grant\",\"error_description\":\"expired\",\"error_uri\":\"https://e.example/x\"}}"
            ),
        ),
        (
            "rate-limited",
            "429\nretry-after: 120\ncontent-type: text/html\n\n<html>slow down</html>".to_owned(),
        ),
        (
            "retry-after-date",
            "503\nRetry-After: Sun, 06 Nov 1994 08:49:37 GMT\n\n".to_owned(),
        ),
        (
            "unauthorized",
            "401\nwww-authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"expired\"\n\n".to_owned(),
        ),
        (
            "salesforce-api-error",
            format!("401\n{json}\n\n[{{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}}]"),
        ),
        ("redirect", "302\nlocation: https://elsewhere.example/\n\n".to_owned()),
        (
            "salesforce-data-cloud",
            format!("200\n{json}\n\n{{\"access_token\":\"eyJ.dc.sig\",\"instance_url\":\"gq2tqnjxgu.c360a.salesforce.com\",\"token_type\":\"Bearer\",\"issued_token_type\":\"urn:ietf:params:oauth:token-type:jwt\",\"expires_in\":7130}}"),
        ),
        (
            "salesforce-asset-token",
            format!("200\n{json}\n\n{{\"access_token\":\"eyJhbGciOiJub25lIn0.eyJkaWQiOiJwcmludGVyIn0.c2ln\",\"issued_token_type\":\"urn:ietf:params:oauth:token-type:jwt\",\"token_type\":\"Bearer\",\"expires_in\":60}}"),
        ),
    ] {
        write("token_response", name, response.as_bytes());
    }
    for (name, response) in [
        (
            "full",
            format!(
                "200\n{json}\n\n{{\"issuer\":\"https://as.example\",\"token_endpoint\":\"https://as.example/token\",\"jwks_uri\":\"https://as.example/jwks\",\"grant_types_supported\":[\"client_credentials\",\"urn:ietf:params:oauth:grant-type:jwt-bearer\"],\"token_endpoint_auth_methods_supported\":[\"private_key_jwt\",\"client_secret_basic\"],\"token_endpoint_auth_signing_alg_values_supported\":[\"RS256\",\"ES256\"],\"scopes_supported\":[\"api\"],\"x\":1}}"
            ),
        ),
        (
            "minimal-slash",
            format!(
                "200\n{json}\n\n{{\"issuer\":\"HTTPS://AS.EXAMPLE/\",\"token_endpoint\":\"http://127.0.0.1:9/t\"}}"
            ),
        ),
        (
            "wrong-issuer",
            format!(
                "200\n{json}\n\n{{\"issuer\":\"https://evil.example\",\"token_endpoint\":\"https://as.example/token\"}}"
            ),
        ),
        (
            "not-found",
            "404\ncontent-type: text/html\n\n<h1>no</h1>".to_owned(),
        ),
    ] {
        write("discovery", name, response.as_bytes());
    }
    write_introspection_seeds();
    for (name, selector, input) in token_source_seeds() {
        let mut bytes = vec![selector];
        bytes.extend_from_slice(input.as_bytes());
        write("token_source", name, &bytes);
    }
}

/// Writes the `introspection` seeds: introspection, revocation, UserInfo and
/// identity answers (RFC 7662 §2.2's example, Salesforce's shapes, hostile
/// members, errors). Alone:
/// `cargo test --all-features --test fuzz_corpus -- --ignored write_introspection_seeds`.
#[test]
#[ignore = "writes fuzz/corpus; run by hand"]
fn write_introspection_seeds() {
    let dir = fuzz_dir().join("corpus").join("introspection");
    fs::create_dir_all(&dir).unwrap();
    let json = "content-type: application/json";
    for (name, response) in [
        (
            "rfc7662",
            format!(
                "200\n{json}\n\n{{\"active\":true,\"client_id\":\"l238j323ds-23ij4\",\"username\":\"jdoe\",\"scope\":\"read write dolphin\",\"sub\":\"Z5O3upPC88QrAjx00dis\",\"aud\":\"https://protected.example.net/resource\",\"iss\":\"https://server.example.com/\",\"exp\":1419356238,\"iat\":1419350238,\"extension_field\":\"twenty-seven\"}}"
            ),
        ),
        (
            "salesforce",
            format!(
                "200\n{json}\n\n{{\"active\":true,\"scope\":\"id api refresh_token\",\"client_id\":\"3MVG9x\",\"username\":\"a@b.c\",\"sub\":\"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS\",\"token_type\":\"access_token\",\"exp\":1676058616,\"iat\":1676051416,\"nbf\":1676051416}}"
            ),
        ),
        (
            "bound",
            format!(
                "200\n{json}\n\n{{\"active\":true,\"token_type\":\"DPoP\",\"aud\":[\"a\",\"b\"],\"jti\":\"j\",\"nbf\":1.5,\"cnf\":{{\"jkt\":\"0ZcOCORZNYy\",\"x5t#S256\":\"bwcK0esc\"}}}}"
            ),
        ),
        ("inactive", format!("200\n{json}\n\n{{\"active\":false}}")),
        (
            "hostile",
            format!("200\n{json}\n\n{{\"active\":\"true\",\"exp\":1e400,\"aud\":[1],\"cnf\":[]}}"),
        ),
        (
            "invalid-client",
            format!(
                "401\nwww-authenticate: Basic realm=\"x\"\n{json}\n\n{{\"error\":\"invalid_client\",\"error_description\":\"bad\"}}"
            ),
        ),
        (
            "unsupported-token-type",
            format!("400\n{json}\n\n{{\"error\":\"unsupported_token_type\"}}"),
        ),
        ("revoked-empty", "200\n\n".to_owned()),
        (
            "unavailable",
            "503\nretry-after: 30\ncontent-type: text/html\n\n<html>busy</html>".to_owned(),
        ),
        (
            "userinfo",
            format!(
                "200\n{json}\n\n{{\"sub\":\"https://login.salesforce.com/id/00D/005\",\"user_id\":\"005\",\"organization_id\":\"00D\",\"preferred_username\":\"a@b.c\",\"email_verified\":true,\"urls\":{{\"rest\":\"x\"}}}}"
            ),
        ),
        (
            "identity",
            format!(
                "200\n{json}\n\n{{\"id\":\"https://login.salesforce.com/id/00D/005\",\"user_id\":\"005\",\"username\":\"a@b.c\",\"active\":true,\"user_type\":\"STANDARD\"}}"
            ),
        ),
        (
            "bad-token",
            "403\ncontent-type: text/plain\n\nBad_OAuth_Token".to_owned(),
        ),
    ] {
        fs::write(dir.join(format!("seed-{name}")), response.as_bytes()).unwrap();
    }
}

/// The `token_source` seeds: (name, the parser's selector byte, its input).
fn token_source_seeds() -> Vec<(&'static str, u8, String)> {
    let jwt = "urn:ietf:params:oauth:token-type:jwt";
    vec![
        (
            "exe-ok",
            0,
            format!(
                r#"{{"version":1,"success":true,"token_type":"{jwt}","id_token":"eyJ.a.b","expiration_time":4102444800}}"#
            ),
        ),
        (
            "exe-saml",
            0,
            r#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:saml2","saml_response":"PHNhbWw"}"#.to_owned(),
        ),
        (
            "exe-refused",
            0,
            r#"{"version":1,"success":false,"code":"401","message":"no"}"#.to_owned(),
        ),
        (
            "exe-expired",
            0,
            format!(
                r#"{{"version":1,"success":true,"token_type":"{jwt}","id_token":"x","expiration_time":1}}"#
            ),
        ),
        (
            "gh-ok",
            1,
            "200\ncontent-type: application/json\n\n{\"count\":1,\"value\":\"eyJ.gh.sig\"}".to_owned(),
        ),
        ("gh-denied", 1, "403\n\n{\"message\":\"no\"}".to_owned()),
        // Branch 1 also reads the answer as generateAccessToken's.
        (
            "iam-ok",
            1,
            "200\ncontent-type: application/json\n\n{\"accessToken\":\"ya29.sa\",\"expireTime\":\"2030-01-02T03:04:05.123456789Z\"}".to_owned(),
        ),
        (
            "iam-offset",
            1,
            "200\ncontent-type: application/json\n\n{\"accessToken\":\"ya29.sa\",\"expireTime\":\"2030-01-02t03:04:05-08:00\"}".to_owned(),
        ),
        (
            "iam-denied",
            1,
            "403\ncontent-type: application/json\n\n{\"error\":{\"code\":403,\"message\":\"Permission denied\",\"status\":\"PERMISSION_DENIED\"}}".to_owned(),
        ),
        ("type-short", 2, "saml2".to_owned()),
        ("type-uri", 2, "urn:ietf:params:oauth:token-type:id_token".to_owned()),
        ("resource", 2, "https://api.example.com/x?y=1".to_owned()),
        (
            "google-external",
            4,
            r#"{"type":"external_account","audience":"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/k","subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"https://sts.googleapis.com/v1/token","service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/a@p.iam.gserviceaccount.com:generateAccessToken","credential_source":{"file":"/t","format":{"type":"json","subject_token_field_name":"id_token"}}}"#.to_owned(),
        ),
        (
            "google-tampered",
            4,
            r#"{"type":"external_account","audience":"a","subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"https://sts.googleapis.com.evil.example/v1/token","credential_source":{"file":"/t"}}"#.to_owned(),
        ),
        (
            "google-url-json",
            4,
            r#"{"type":"external_account","audience":"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/gh","subject_token_type":"urn:ietf:params:oauth:token-type:jwt","credential_source":{"url":"https://pipelines.actions.githubusercontent.com/x/idtoken?api-version=2.0&audience=y","headers":{"Authorization":"Bearer r","Accept":"application/json"},"format":{"type":"json","subject_token_field_name":"value"}}}"#.to_owned(),
        ),
        (
            "google-url-azure",
            4,
            r#"{"type":"external_account","audience":"a","subject_token_type":"urn:ietf:params:oauth:token-type:jwt","credential_source":{"url":"http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=x","headers":{"Metadata":"True"},"format":{"type":"text"}}}"#.to_owned(),
        ),
        (
            "google-aws",
            4,
            r#"{"type":"external_account","audience":"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/aws","subject_token_type":"urn:ietf:params:aws:token-type:aws4_request","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"environment_id":"aws1","region_url":"http://169.254.169.254/latest/meta-data/placement/availability-zone","url":"http://169.254.169.254/latest/meta-data/iam/security-credentials","regional_cred_verification_url":"https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15","imdsv2_session_token_url":"http://169.254.169.254/latest/api/token"}}"#.to_owned(),
        ),
        (
            "google-aws-tampered",
            4,
            r#"{"type":"external_account","audience":"a","subject_token_type":"urn:ietf:params:aws:token-type:aws4_request","credential_source":{"environment_id":"aws1","url":"http://evil.example/creds","regional_cred_verification_url":"https://sts.{region}.evil.example"}}"#.to_owned(),
        ),
        (
            "response-n-a",
            3,
            format!(
                "200\ncontent-type: application/json\n\n{{\"access_token\":\"eyJ.a.b\",\"token_type\":\"N_A\",\"issued_token_type\":\"{jwt}\"}}"
            ),
        ),
    ]
}

/// Writes only the `token_source` seeds (the other corpora are minimized ones):
/// `cargo test --all-features --test fuzz_corpus -- --ignored write_token_source_seeds`.
#[test]
#[ignore = "writes fuzz/corpus/token_source; run by hand"]
fn write_token_source_seeds() {
    let dir = fuzz_dir().join("corpus").join("token_source");
    fs::create_dir_all(&dir).unwrap();
    for (name, selector, input) in token_source_seeds() {
        let mut bytes = vec![selector];
        bytes.extend_from_slice(input.as_bytes());
        fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
    }
}
