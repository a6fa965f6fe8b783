//! Gets a token with the JWT Bearer grant (RFC 7523) and prints it: the crate's
//! side of the binary size comparison (examples/size/build.sh). RS256 keys only,
//! as the hand-written program (`SigningKey::from_rsa_pem`; Salesforce's JWT
//! Bearer flow takes RS256 alone).
//!
//! `size-with-crate TOKEN_URL ISSUER SUBJECT AUDIENCE KEY.pem`

use s2s_oauth::jwt::Claims;
use s2s_oauth::{ClientAuth, Grant, SigningKey, TokenRequest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [token_url, issuer, subject, audience, key_path] = &args[..] else {
        return Err("usage: size-with-crate TOKEN_URL ISSUER SUBJECT AUDIENCE KEY.pem".into());
    };
    let key = SigningKey::from_rsa_pem(std::fs::read_to_string(key_path)?)?;
    let grant = Grant::jwt_bearer(Claims::new(issuer, subject, audience), key);
    let request = TokenRequest::new(token_url, grant, ClientAuth::none())?;
    let token = request.send(&s2s_oauth::agent())?;
    println!("{}", token.access_token().expose_secret());
    Ok(())
}
