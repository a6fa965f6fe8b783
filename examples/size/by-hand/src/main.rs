//! Gets a token with the JWT Bearer grant (RFC 7523) and prints it, written by
//! hand on ureq and ring with the same safety settings as s2s-oauth (a 30 s
//! whole-request timeout, no redirects, statuses as responses, a 1 MiB body
//! limit): the reference side of the binary size comparison
//! (examples/size/build.sh). RS256 keys only.
//!
//! `size-by-hand TOKEN_URL ISSUER SUBJECT AUDIENCE KEY.pem`

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [token_url, issuer, subject, audience, key_path] = &args[..] else {
        return Err("usage: size-by-hand TOKEN_URL ISSUER SUBJECT AUDIENCE KEY.pem".into());
    };
    let der = PrivateKeyDer::from_pem_file(key_path)?;
    let key = match &der {
        PrivateKeyDer::Pkcs8(der) => RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()),
        PrivateKeyDer::Pkcs1(der) => RsaKeyPair::from_der(der.secret_pkcs1_der()),
        _ => return Err("not an RSA key".into()),
    }
    .map_err(|e| format!("bad key: {e}"))?;

    let rng = SystemRandom::new();
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let mut jti = [0u8; 16];
    rng.fill(&mut jti).map_err(|_| "no randomness")?;
    let claims = serde_json::json!({
        "iss": issuer, "sub": subject, "aud": audience,
        "exp": now + 180, "iat": now, "jti": URL_SAFE_NO_PAD.encode(jti),
    });
    let mut jwt = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    jwt.push('.');
    jwt.push_str(&URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims)?));
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &rng, jwt.as_bytes(), &mut signature)
        .map_err(|_| "signing failed")?;
    jwt.push('.');
    jwt.push_str(&URL_SAFE_NO_PAD.encode(signature));

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent.post(token_url).send_form([
        ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
        ("assertion", jwt.as_str()),
    ])?;
    let status = response.status();
    let body = response
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_vec()?;
    let json: serde_json::Value = serde_json::from_slice(&body)?;
    match json.get("access_token").and_then(|t| t.as_str()) {
        Some(token) if status == 200 => println!("{token}"),
        _ => return Err(format!("HTTP {status}: {}", json.get("error").unwrap_or(&json)).into()),
    }
    Ok(())
}
