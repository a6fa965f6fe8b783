//! Secrets do not linger in freed memory: this test binary's allocator looks at
//! every byte buffer as it is freed and counts the ones that still hold a watched
//! secret. Client secrets, tokens, the `Authorization: Basic` value, the form body
//! and a private key's bytes must all be wiped (zeroize) before their memory goes
//! back.
//!
//! Why this reads no uninitialized memory: every block is handed out zeroed
//! (`alloc_zeroed`), so each byte is initialized from the start, and only blocks
//! with alignment 1 (`String`, `Vec<u8>`, `Box<[u8]>`: types without padding bytes)
//! are read, in `dealloc`, before the block is returned to the system allocator.
//! `realloc` is the trait's default (allocate, copy, free), so the old block of a
//! growing buffer is checked too.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use s2s_oauth::secret::{AccessToken, ClientSecret, RawBody, RefreshToken};
use s2s_oauth::{ClientAuth, Grant, HttpResponse, SigningKey, TokenRequest, TokenResponse};

const SLOTS: usize = 8;

/// The secrets being watched, one slot per test (tests run in parallel).
static WATCHED: [OnceLock<&'static [u8]>; SLOTS] = [const { OnceLock::new() }; SLOTS];
/// How many freed buffers still held each watched secret.
static LEFT_BEHIND: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];

struct Detector;

// SAFETY: every call is forwarded to the system allocator with the same layout;
// `dealloc` reads the block it is given (initialized, see the module docs) before
// freeing it, and allocates nothing itself.
unsafe impl GlobalAlloc for Detector {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.align() == 1 && layout.size() > 0 {
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            for (slot, watched) in WATCHED.iter().enumerate() {
                if let Some(secret) = watched.get() {
                    if contains(block, secret) {
                        LEFT_BEHIND[slot].fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Detector = Detector;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Starts watching `secret` in `slot`. The copy kept here is never freed.
fn watch(slot: usize, secret: &[u8]) {
    let kept: &'static [u8] = Box::leak(secret.to_vec().into_boxed_slice());
    WATCHED[slot].set(kept).expect("one slot per test");
}

/// The pieces joined in one allocation of the exact size (`format!` may grow its
/// buffer and free a block holding part of the text: the test's own leftover).
fn exact(pieces: &[&str]) -> String {
    let mut out = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
    for piece in pieces {
        out.push_str(piece);
    }
    out
}

fn left_behind(slot: usize) -> usize {
    LEFT_BEHIND[slot].load(Ordering::SeqCst)
}

#[test]
fn the_detector_sees_an_unwiped_buffer() {
    // The check of the check: a plain String holding the secret is found.
    watch(0, b"detector-self-test-5a1e");
    drop(String::from("... detector-self-test-5a1e ..."));
    assert_eq!(left_behind(0), 1);
}

#[test]
fn secret_newtypes_are_wiped_when_dropped() {
    const SECRET: &str = "newtype-secret-0b7d41";
    watch(1, SECRET.as_bytes());
    drop(ClientSecret::new(SECRET));
    drop(AccessToken::new(exact(&["at.", SECRET])));
    drop(RefreshToken::from(SECRET));
    drop(RawBody::new(exact(&[
        "{\"access_token\":\"",
        SECRET,
        "\"}",
    ])));
    assert_eq!(left_behind(1), 0, "a secret newtype left its value behind");
}

#[test]
fn a_token_request_and_its_encoding_leave_no_copy_of_the_secrets() {
    const SECRET: &str = "client-secret-9c2f66";
    const REFRESH: &str = "refresh-token-41d0e8";
    // The Authorization value is base64: watch it as it is sent.
    let basic = TokenRequest::new(
        "https://as.example/token",
        Grant::client_credentials(),
        ClientAuth::basic("client", SECRET),
    )
    .unwrap();
    let header = basic.to_http_request_now().unwrap();
    let value = header.header("Authorization").unwrap();
    watch(2, value.strip_prefix("Basic ").unwrap().as_bytes());
    watch(3, SECRET.as_bytes());
    watch(4, REFRESH.as_bytes());
    drop(header);

    let post = TokenRequest::new(
        "https://as.example/token",
        Grant::refresh_token(RefreshToken::new(REFRESH)),
        ClientAuth::post("client", SECRET),
    )
    .unwrap();
    let jwt = TokenRequest::new(
        "https://as.example/token",
        Grant::client_credentials(),
        ClientAuth::client_secret_jwt("client", SECRET).unwrap(),
    )
    .unwrap();
    for request in [&basic, &post, &jwt] {
        let http = request.to_http_request_now().unwrap();
        assert!(!http.body().is_empty());
        drop(http);
    }
    drop(basic);
    drop(post);
    drop(jwt);
    assert_eq!(left_behind(2), 0, "the Basic credentials were left behind");
    assert_eq!(left_behind(3), 0, "the client secret was left behind");
    assert_eq!(left_behind(4), 0, "the refresh token was left behind");
}

#[test]
fn loading_a_sec1_key_leaves_no_copy_of_the_private_key() {
    // ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING (32 bytes: the private
    // scalar), ... }; the crate rewraps it as PKCS#8 for ring.
    const SEC1: &[u8] = include_bytes!("data/keys/p256.sec1.der");
    assert_eq!(&SEC1[5..7], [0x04, 0x20], "the fixture's layout");
    watch(5, &SEC1[7..39]);
    let key = SigningKey::from_der(SEC1).unwrap();
    assert_eq!(left_behind(5), 0, "the PKCS#8 rewrap was left behind");
    // ring's own key pair (not a byte buffer) is out of this test's reach.
    drop(key);
}

#[test]
fn loading_a_pem_key_leaves_no_copy_of_the_private_key() {
    const SEC1: &[u8] = include_bytes!("data/keys/p256.sec1.der");
    const PKCS8_PEM: &[u8] = include_bytes!("data/keys/p256.pkcs8.pem");
    const SEC1_PEM: &[u8] = include_bytes!("data/keys/p256.sec1.pem");
    // The same key: its private scalar is in both files' DER.
    watch(6, &SEC1[7..39]);
    for pem in [PKCS8_PEM, SEC1_PEM] {
        drop(SigningKey::from_pem(pem).unwrap());
    }
    assert_eq!(left_behind(6), 0, "the decoded DER was left behind");
}

#[test]
fn a_parsed_token_response_leaves_no_copy_of_the_tokens() {
    const ACCESS: &str = "access-token-e5a7c2";
    watch(7, ACCESS.as_bytes());
    let received = std::time::SystemTime::now();
    for expires_in in ["3600", "\"soon\""] {
        // The second is malformed: the error path drops the parsed object.
        let body = exact(&[
            "{\"access_token\":\"",
            ACCESS,
            "\",\"refresh_token\":\"r.",
            ACCESS,
            "\",\"token_type\":\"Bearer\",\"expires_in\":",
            expires_in,
            ",\"nested\":{\"copy\":[\"",
            ACCESS,
            "\"]}}",
        ]);
        let http = HttpResponse::new(200, Vec::new(), body.into_bytes());
        match TokenResponse::parse(&http, received) {
            Ok(token) => {
                assert_eq!(token.access_token().expose_secret(), ACCESS);
                drop(token);
            }
            Err(error) => {
                assert!(error.raw_body().is_some(), "{error}");
                drop(error);
            }
        }
        drop(http);
    }
    assert_eq!(
        left_behind(7),
        0,
        "a token from the response was left behind"
    );
}
