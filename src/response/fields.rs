//! The typed fields of a successful token response (RFC 6749 §5.1, Salesforce's
//! additions): each taken out of the JSON object, checked, and the rest kept.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::{TokenResponse, TokenType};
use crate::secret::{AccessToken, IdToken, RefreshToken, SecretJson};

/// Builds the response from the JSON object, or says which field is wrong.
/// A `null` optional field counts as absent. The object (which holds the tokens)
/// is wiped when dropped, on the error paths too.
pub(super) fn token_response(
    object: Map<String, Value>,
    received_at: SystemTime,
) -> Result<TokenResponse, String> {
    let mut object = SecretJson(object);
    let sent = object.clone();
    let access_token = match string(&mut object, "access_token")? {
        Some(token) if !token.is_empty() => AccessToken::new(token),
        Some(_) => return Err("field \"access_token\" is an empty string".into()),
        None => return Err("field \"access_token\" is null".into()),
    };
    let token_type = string(&mut object, "token_type")?.map(|t| TokenType::from(t.as_str()));
    let expires_in = expires_in(object.remove("expires_in"))?;
    let refresh_token = string(&mut object, "refresh_token")?.map(RefreshToken::new);
    let scope = string(&mut object, "scope")?;
    let id_token = string(&mut object, "id_token")?.map(IdToken::new);
    let issued_token_type = string(&mut object, "issued_token_type")?;
    let instance_url = string(&mut object, "instance_url")?;
    let id = string(&mut object, "id")?;
    let issued_at = issued_at(object.remove("issued_at"))?;
    let signature = string(&mut object, "signature")?;
    let api_instance_url = string(&mut object, "api_instance_url")?;
    Ok(TokenResponse {
        access_token,
        token_type,
        expires_in,
        refresh_token,
        scope,
        id_token,
        issued_token_type,
        instance_url,
        id,
        issued_at,
        signature,
        api_instance_url,
        extra: object,
        sent,
        received_at,
    })
}

fn string(object: &mut Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match object.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "field {name:?} is {} where a string was expected",
            kind(&other)
        )),
    }
}

/// `expires_in`: a non-negative number of seconds, as a JSON number or a string of
/// digits (Entra v1 sends `"3599"`).
fn expires_in(value: Option<Value>) -> Result<Option<Duration>, String> {
    let bad = |what: &str| format!("field \"expires_in\" is {what}; expected a number of seconds");
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(secs) = n.as_u64() {
                Ok(Some(Duration::from_secs(secs)))
            } else {
                match n.as_f64() {
                    Some(f) if f >= 0.0 => Duration::try_from_secs_f64(f)
                        .map(Some)
                        .map_err(|_| bad("out of range")),
                    _ => Err(bad("negative")),
                }
            }
        }
        Some(Value::String(s)) => match s.trim() {
            t if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => t
                .parse()
                .map(|secs| Some(Duration::from_secs(secs)))
                .map_err(|_| bad("out of range")),
            _ => Err(bad("a string that is not a whole number")),
        },
        Some(other) => Err(bad(kind(&other))),
    }
}

/// Salesforce's `issued_at`: milliseconds since the epoch, as a string of digits
/// (what Salesforce sends) or a JSON number.
fn issued_at(value: Option<Value>) -> Result<Option<SystemTime>, String> {
    let bad = |what: &str| {
        format!("field \"issued_at\" is {what}; expected milliseconds since the epoch")
    };
    let millis: u64 = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| bad("not a whole non-negative number"))?,
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().map_err(|_| bad("out of range"))?
        }
        Some(Value::String(_)) => return Err(bad("a string that is not a whole number")),
        Some(other) => return Err(bad(kind(&other))),
    };
    UNIX_EPOCH
        .checked_add(Duration::from_millis(millis))
        .map(Some)
        .ok_or_else(|| bad("out of range"))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
