//! Helpers shared by the provider-preset tests: a fixed clock, the form and the
//! assertions of a built request, decoded independently of the crate.
#![allow(dead_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::rand::SystemRandom;
use s2s_oauth::{HttpRequest, HttpResponse, TokenRequest};
use serde_json::{Map, Value};

pub const NOW_SECS: u64 = 1_700_000_000;

pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

/// The request built as of [`now`].
pub fn build(request: &TokenRequest) -> HttpRequest {
    request
        .to_http_request(now(), &SystemRandom::new())
        .expect("request builds")
}

/// `application/x-www-form-urlencoded` decoding (WHATWG URL §5.1), written here so
/// the tests do not trust the crate's own encoder.
pub fn form(body: &[u8]) -> Vec<(String, String)> {
    let text = std::str::from_utf8(body).expect("form is UTF-8");
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).expect("percent escape"));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8")
}

/// The names of the form's parameters, in order.
pub fn names(form: &[(String, String)]) -> Vec<&str> {
    form.iter().map(|(n, _)| n.as_str()).collect()
}

/// The value of the form parameter `name`.
pub fn value<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no form parameter {name}"))
}

/// A compact JWS's header and claims, decoded by hand.
pub fn jwt(token: &str) -> (Map<String, Value>, Map<String, Value>) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS has three parts");
    let part = |s: &str| -> Map<String, Value> {
        let bytes = Base64UrlUnpadded::decode_vec(s).expect("base64url");
        serde_json::from_slice(&bytes).expect("a JSON object")
    };
    (part(parts[0]), part(parts[1]))
}

/// The keys of a JSON object, sorted.
pub fn keys(object: &Map<String, Value>) -> Vec<&str> {
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

/// `GET url` with a bearer token (a call to the testkit's protected resource), as
/// an [`HttpResponse`].
pub fn get_with_token(url: &str, token: &str) -> HttpResponse {
    let mut response = s2s_oauth::agent()
        .get(url)
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("the testkit answers");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = response.body_mut().read_to_vec().expect("a body");
    HttpResponse::new(status, headers, body)
}
