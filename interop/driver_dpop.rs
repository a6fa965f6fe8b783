//! The driver's DPoP subcommands (RFC 9449), over the crate's public API:
//!
//! ```text
//! interop-driver dpop-call --url URL --dpop-key PEM --access-token-file F [--nonce-file F]
//!     GET URL with Authorization: DPoP and a proof (DpopKey::resource_headers); a
//!     use_dpop_nonce answer (HttpResponse::dpop_nonce_challenge) is sent once more
//!     with the server's nonce. Prints {"ok","status","nonce_retry","sub"}.
//! interop-driver verify-dpop --method M --url U [--nonce N] [--max-age SECS]
//!     [--access-token-file F --jkt JKT] [--twice]        (the proof on stdin)
//!     jwt::dpop::verify_proof; prints {"ok":true,"jkt":…} or
//!     {"ok":false,"reason":"<DpopError variant>"}; --twice verifies the same proof
//!     twice with one replay cache and reports the second.
//! ```

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use ring::rand::SystemRandom;
use s2s_oauth::jwt::Confirmation;
use s2s_oauth::jwt::dpop::{DpopKey, ProofValidation, verify_proof};
use s2s_oauth::{HttpResponse, SigningKey};
use serde_json::{Value, json};

use super::{Options, print_report, read_secret};

/// `--dpop-key PEM`, as a DPoP key.
pub fn key(options: &Options) -> Result<Option<DpopKey>, String> {
    let Some(path) = options.get("--dpop-key") else {
        return Ok(None);
    };
    let pem = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
    let key = SigningKey::from_pem(pem).map_err(|e| format!("{path}: {e}"))?;
    DpopKey::new(key).map(Some).map_err(|e| e.to_string())
}

/// `dpop-call`.
pub fn call(options: &Options) -> ExitCode {
    print_report(run_call(options).map(|report| (report, 0)))
}

fn run_call(options: &Options) -> Result<Value, String> {
    let key = key(options)?.ok_or("--dpop-key is required")?;
    let url = options.need("--url")?;
    let token = read_secret(options.need("--access-token-file")?)?;
    let mut nonce = match options.get("--nonce-file") {
        Some(path) => Some(read_secret(path)?).filter(|n| !n.is_empty()),
        None => None,
    };
    let agent = s2s_oauth::agent();
    let rng = SystemRandom::new();
    let send = |nonce: Option<&str>| -> Result<HttpResponse, String> {
        let headers = key
            .resource_headers("GET", url, &token, nonce, SystemTime::now(), &rng)
            .map_err(|e| e.to_string())?;
        let answer = agent
            .get(url)
            .header("Authorization", headers.authorization())
            .header("DPoP", headers.dpop())
            .call()
            .map_err(|e| e.to_string())?;
        HttpResponse::from_ureq(answer).map_err(|e| e.to_string())
    };
    let mut response = send(nonce.as_deref())?;
    let mut nonce_retry = false;
    if let Some(fresh) = response.dpop_nonce_challenge() {
        nonce = Some(fresh.to_owned());
        nonce_retry = true;
        response = send(nonce.as_deref())?;
    }
    let body: Value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    Ok(json!({
        "ok": response.status() == 200,
        "status": response.status(),
        "nonce_retry": nonce_retry,
        "token_rejected": response.is_token_rejected(),
        "www_authenticate": response.header("www-authenticate"),
        "sub": body.get("sub"),
    }))
}

/// `verify-dpop`.
pub fn verify(options: &Options) -> ExitCode {
    match run_verify(options) {
        Ok((report, code)) => {
            println!("{report}");
            ExitCode::from(code)
        }
        Err(message) => {
            eprintln!("interop-driver verify-dpop: {message}");
            ExitCode::from(2)
        }
    }
}

fn run_verify(options: &Options) -> Result<(Value, u8), String> {
    let mut proof = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut proof)
        .map_err(|e| format!("reading the proof from stdin: {e}"))?;
    let token = options
        .get("--access-token-file")
        .map(read_secret)
        .transpose()?;
    let cnf = match options.get("--jkt") {
        Some(jkt) => Confirmation::default().with_jkt(jkt),
        None => Confirmation::default(),
    };
    let mut validation = ProofValidation::new(options.need("--method")?, options.need("--url")?);
    if let Some(nonce) = options.get("--nonce") {
        validation = validation.with_nonce(nonce);
    }
    if let Some(max_age) = options.seconds("--max-age")? {
        validation = validation.with_max_age(max_age);
    }
    if let Some(token) = &token {
        validation = validation.with_access_token(token, &cnf);
    }
    let mut seen: HashMap<String, SystemTime> = HashMap::new();
    let now = SystemTime::now();
    let mut result = verify_proof(proof.trim(), &validation, now, &mut seen);
    if options.has("--twice") && result.is_ok() {
        result = verify_proof(
            proof.trim(),
            &validation,
            now + Duration::from_secs(1),
            &mut seen,
        );
    }
    Ok(match result {
        Ok(verified) => (
            json!({"ok": true, "jkt": verified.jkt(), "alg": verified.algorithm().as_str(), "jti": verified.jti()}),
            0,
        ),
        Err(error) => {
            let reason = format!("{error:?}")
                .split([' ', '(', '{'])
                .next()
                .unwrap_or_default()
                .to_owned();
            (
                json!({"ok": false, "reason": reason, "code": error.error_code(), "message": error.to_string()}),
                1,
            )
        }
    })
}
