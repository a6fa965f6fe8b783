//! The typed fields of a successful token response (RFC 6749 §5.1, RFC 8693
//! §2.2.1): each taken out of its slot and checked, the rest kept (a provider's
//! own fields, such as Salesforce's, are read by its module). What the typed
//! fields lose of the object as sent (the spelling of `Bearer`, the JSON form of
//! `expires_in`, fields sent as `null`) is kept in an [`AsSent`], so that the
//! object can be rebuilt on demand without keeping a copy of it.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::object::{
    ACCESS_TOKEN, EXPIRES_IN, Fields, ID_TOKEN, ISSUED_TOKEN_TYPE, NAMES, REFRESH_TOKEN, SCOPE,
    TOKEN_TYPE,
};
use super::{TokenResponse, TokenType};
use crate::json::{self, FieldError, Number, Problem};
use crate::secrets::{AccessToken, IdToken, RefreshToken, SecretJson};

/// What [`TokenResponse::to_json_exposing_secrets`] needs beyond the typed
/// fields to give the object back as it was sent.
#[derive(Clone, Default)]
pub(super) struct AsSent {
    /// `token_type` when it is `Bearer` or `DPoP` spelled another way (`bearer`).
    type_spelling: Option<String>,
    /// `expires_in` as sent: a number, or a string of digits.
    expires_in: Option<Value>,
    /// The named fields sent as `null`, one bit per slot of [`NAMES`].
    nulls: u8,
}

/// Builds the response from the fields of the object, or says which field is
/// wrong. A `null` optional field counts as absent. The values (which hold the
/// tokens) are wiped when dropped, on the error paths too.
pub(super) fn token_response(
    fields: &mut Fields,
    received_at: SystemTime,
) -> Result<TokenResponse, FieldError> {
    let mut as_sent = AsSent::default();
    for (slot, value) in fields.named.iter().enumerate() {
        if matches!(value, Some(Value::Null)) {
            as_sent.nulls |= 1 << slot;
        }
    }
    let named = &mut fields.named;
    let access_token = match string(named, ACCESS_TOKEN)? {
        Some(token) if !token.is_empty() => AccessToken::new(token),
        token => {
            return Err(FieldError {
                name: NAMES[ACCESS_TOKEN],
                problem: match token {
                    Some(_) => Problem::EmptyString,
                    None => Problem::WrongType("null"),
                },
                expected: "a non-empty string",
            });
        }
    };
    // RFC 6749 §5.1: the type is case-insensitive; its spelling is kept for
    // `to_json_exposing_secrets` when it is not the usual one.
    let token_type = match string(named, TOKEN_TYPE)? {
        None => None,
        Some(sent) if sent.eq_ignore_ascii_case("bearer") => {
            if sent != "Bearer" {
                as_sent.type_spelling = Some(sent);
            }
            Some(TokenType::Bearer)
        }
        Some(sent) if sent.eq_ignore_ascii_case("dpop") => {
            if sent != "DPoP" {
                as_sent.type_spelling = Some(sent);
            }
            Some(TokenType::DPoP)
        }
        Some(other) => Some(TokenType::Other(other)),
    };
    let expires_in = expires_in(&named[EXPIRES_IN])?;
    as_sent.expires_in = named[EXPIRES_IN].take().filter(|v| !v.is_null());
    let refresh_token = string(named, REFRESH_TOKEN)?.map(RefreshToken::new);
    let scope = string(named, SCOPE)?;
    let id_token = string(named, ID_TOKEN)?.map(IdToken::new);
    let issued_token_type = string(named, ISSUED_TOKEN_TYPE)?;
    Ok(TokenResponse {
        access_token,
        token_type,
        expires_in,
        refresh_token,
        scope,
        id_token,
        issued_token_type,
        dpop_nonce: None,
        extra: std::mem::take(&mut fields.rest),
        as_sent,
        received_at,
    })
}

/// The string in `slot`, taken out; `null` or absent is `None`. A value of the
/// wrong type stays (to be wiped with the rest); otherwise the slot is emptied,
/// so that there is nothing left in it to wipe.
fn string(named: &mut [Option<Value>], slot: usize) -> Result<Option<String>, FieldError> {
    let Some(value) = &mut named[slot] else {
        return Ok(None);
    };
    let string = json::string(value, NAMES[slot])?;
    named[slot] = None;
    Ok(string)
}

/// `expires_in`: a non-negative number of seconds, as a JSON number or a string of
/// digits (Entra v1 sends `"3599"`).
fn expires_in(value: &Option<Value>) -> Result<Option<Duration>, FieldError> {
    const EXPECTED: &str = "a number of seconds";
    let Some(value) = value else { return Ok(None) };
    match json::number(value, NAMES[EXPIRES_IN], EXPECTED)? {
        None => Ok(None),
        Some(Number::Whole(secs)) => Ok(Some(Duration::from_secs(secs))),
        Some(Number::Fraction(secs)) => {
            Duration::try_from_secs_f64(secs)
                .map(Some)
                .map_err(|_| FieldError {
                    name: NAMES[EXPIRES_IN],
                    problem: Problem::OutOfRange,
                    expected: EXPECTED,
                })
        }
    }
}

/// The object as the server sent it, rebuilt from `response`: every field, with
/// its JSON type. Wiped when dropped.
pub(super) fn as_sent(response: &TokenResponse) -> SecretJson {
    let mut object = SecretJson(response.extra.0.clone());
    let sent = &response.as_sent;
    let string = |s: &str| Value::String(s.to_owned());
    let named: [Option<Value>; NAMES.len()] = [
        Some(string(response.access_token.expose_secret())),
        response
            .token_type
            .as_ref()
            .map(|t| string(sent.type_spelling.as_deref().unwrap_or_else(|| t.as_str()))),
        sent.expires_in.clone(),
        response
            .refresh_token
            .as_ref()
            .map(|t| string(t.expose_secret())),
        response.scope.as_deref().map(string),
        response
            .id_token
            .as_ref()
            .map(|t| string(t.expose_secret())),
        response.issued_token_type.as_deref().map(string),
    ];
    for (slot, (name, value)) in NAMES.into_iter().zip(named).enumerate() {
        let value = match value {
            Some(value) => value,
            None if sent.nulls & (1 << slot) != 0 => Value::Null,
            None => continue,
        };
        object.0.insert(name.to_owned(), value);
    }
    object
}
