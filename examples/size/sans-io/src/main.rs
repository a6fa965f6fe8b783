//! The sans-IO half of a JWT Bearer token request (RFC 7523) on s2s-oauth built
//! with `default-features = false`: builds the HTTP request, prints its body,
//! and parses a 200 answer's body read from stdin (examples/size/build.sh).
//!
//! `size-sans-io TOKEN_URL ISSUER SUBJECT AUDIENCE KEY.pem < response.json`

use std::io::Read;
use std::time::SystemTime;

use s2s_oauth::jwt::Claims;
use s2s_oauth::{ClientAuth, Grant, HttpResponse, SigningKey, TokenRequest, TokenResponse};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [token_url, issuer, subject, audience, key_path] = &args[..] else {
        return Err("usage: size-sans-io TOKEN_URL ISSUER SUBJECT AUDIENCE KEY.pem".into());
    };
    let key = SigningKey::from_pem(std::fs::read_to_string(key_path)?)?;
    let grant = Grant::jwt_bearer(Claims::new(issuer, subject, audience), key);
    let request = TokenRequest::new(token_url, grant, ClientAuth::none())?;
    let http = request.to_http_request_now()?;
    println!("{}", String::from_utf8_lossy(http.body()));
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body)?;
    let token = TokenResponse::parse(&HttpResponse::new(200, vec![], body), SystemTime::now())?;
    println!("{}", token.access_token().expose_secret());
    Ok(())
}
