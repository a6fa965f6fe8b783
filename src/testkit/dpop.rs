//! DPoP at the local server (RFC 9449): proofs checked with the crate's own
//! verifier at the token endpoint (§5) and the resource (§7), nonces (§8, §9).

use std::time::SystemTime;

use ring::rand::SecureRandom;
use serde_json::json;

use super::config::Config;
use super::state::State;
use super::token::Ctx;
use super::wire::{Request, Response};
use crate::jwt::Confirmation;
use crate::jwt::dpop::{self, DpopError, ProofValidation, verify_proof};

/// The proof of a request: `None` without a `DPoP` header, an error for more than
/// one (RFC 9449 §4.3 item 1).
fn proof(request: &Request) -> Result<Option<&str>, DpopError> {
    let mut values = request
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(dpop::HEADER))
        .map(|(_, value)| value.as_str());
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(proof), None) => Ok(Some(proof)),
        (Some(_), Some(_)) => Err(DpopError::Malformed("more than one DPoP header")),
    }
}

/// Checks the token request's proof, if it has one: the thumbprint to bind the
/// token to, or the refusal to send (400, RFC 9449 §5 and §8).
pub(crate) fn check_token_request(
    ctx: &Ctx<'_>,
    request: &Request,
    state: &mut State,
    now: SystemTime,
) -> Result<Option<String>, Response> {
    let refuse = |state: &mut State, error: DpopError| {
        let body = json!({"error": error.error_code(), "error_description": error.to_string()});
        let response = Response::json(400, &body).with_header("Cache-Control", "no-store");
        with_nonce(ctx.config, request, state, ctx.rng, response)
    };
    let proof = match proof(request) {
        Ok(Some(proof)) => proof,
        Ok(None) => return Ok(None),
        Err(error) => return Err(refuse(state, error)),
    };
    let nonce = demanded_nonce(ctx.config, state, ctx.rng);
    let mut validation = ProofValidation::new("POST", ctx.token_url).with_leeway(ctx.config.leeway);
    if let Some(nonce) = &nonce {
        validation = validation.with_nonce(nonce);
    }
    match verify_proof(proof, &validation, now, &mut state.dpop_jti_seen) {
        Ok(verified) => Ok(Some(verified.jkt().to_owned())),
        Err(error) => Err(refuse(state, error)),
    }
}

/// Checks a resource request that presents `Authorization: DPoP <token>`: the
/// proof, its `ath` and the token's binding; `Err` is the 401 to send (RFC 9449
/// §7.1: `WWW-Authenticate: DPoP` with the error, and the nonce when one is due).
pub(crate) fn check_resource_request(
    config: &Config,
    url: &str,
    request: &Request,
    token: &str,
    state: &mut State,
    rng: &dyn SecureRandom,
    now: SystemTime,
) -> Result<(), Response> {
    let refuse = |state: &mut State, error: &DpopError| {
        let code = error.error_code();
        let why = error.to_string().replace('"', "'");
        let body = json!({"error": code, "error_description": why});
        let response = Response::json(401, &body).with_header(
            "WWW-Authenticate",
            format!("DPoP error=\"{code}\", error_description=\"{why}\", algs=\"ES256 ES384 EdDSA RS256 PS256\""),
        );
        with_nonce(config, request, state, rng, response)
    };
    let proof = match proof(request) {
        Ok(Some(proof)) => proof,
        Ok(None) => {
            return Err(refuse(
                state,
                &DpopError::Malformed("no DPoP header: a DPoP-bound token goes with a proof"),
            ));
        }
        Err(error) => return Err(refuse(state, &error)),
    };
    let cnf = match state.access_jkt(token) {
        Some(jkt) => Confirmation::default().with_jkt(jkt),
        None => Confirmation::default(),
    };
    let nonce = demanded_nonce(config, state, rng);
    let mut validation = ProofValidation::new(&request.method, url)
        .with_leeway(config.leeway)
        .with_access_token(token, &cnf);
    if let Some(nonce) = &nonce {
        validation = validation.with_nonce(nonce);
    }
    verify_proof(proof, &validation, now, &mut state.dpop_jti_seen)
        .map(|_| ())
        .map_err(|error| refuse(state, &error))
}

/// The nonce proofs must carry, when the server demands one.
fn demanded_nonce(config: &Config, state: &mut State, rng: &dyn SecureRandom) -> Option<String> {
    if config.dpop_nonces {
        state.dpop_nonce(rng)
    } else {
        None
    }
}

/// Adds the current nonce to the answer to a DPoP request, when the server
/// demands nonces (RFC 9449 §8.1: a server may hand out a fresh one any time).
pub(crate) fn with_nonce(
    config: &Config,
    request: &Request,
    state: &mut State,
    rng: &dyn SecureRandom,
    response: Response,
) -> Response {
    if request.header(dpop::HEADER).is_none() {
        return response;
    }
    match demanded_nonce(config, state, rng) {
        Some(nonce) => response.with_header(dpop::NONCE_HEADER, nonce),
        None => response,
    }
}
