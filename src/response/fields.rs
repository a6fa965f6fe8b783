//! The typed fields of a successful token response (RFC 6749 §5.1, RFC 8693
//! §2.2.1): each taken out of the JSON object, checked, and the rest kept (a
//! provider's own fields, such as Salesforce's, are read by its module).

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use super::{TokenResponse, TokenType};
use crate::json::{self, FieldError, Number, Problem, take_string as string};
use crate::secrets::{AccessToken, IdToken, RefreshToken, SecretJson};

/// Builds the response from the JSON object, or says which field is wrong.
/// A `null` optional field counts as absent. The object (which holds the tokens)
/// is wiped when dropped, on the error paths too.
pub(super) fn token_response(
    object: Map<String, Value>,
    received_at: SystemTime,
) -> Result<TokenResponse, FieldError> {
    let mut object = SecretJson(object);
    let sent = object.clone();
    let access_token = match string(&mut object, "access_token")? {
        Some(token) if !token.is_empty() => AccessToken::new(token),
        token => {
            return Err(FieldError {
                name: "access_token",
                problem: match token {
                    Some(_) => Problem::EmptyString,
                    None => Problem::WrongType("null"),
                },
                expected: "a non-empty string",
            });
        }
    };
    let token_type = string(&mut object, "token_type")?.map(|t| TokenType::from(t.as_str()));
    let expires_in = expires_in(&mut object)?;
    let refresh_token = string(&mut object, "refresh_token")?.map(RefreshToken::new);
    let scope = string(&mut object, "scope")?;
    let id_token = string(&mut object, "id_token")?.map(IdToken::new);
    let issued_token_type = string(&mut object, "issued_token_type")?;
    Ok(TokenResponse {
        access_token,
        token_type,
        expires_in,
        refresh_token,
        scope,
        id_token,
        issued_token_type,
        extra: object,
        sent,
        received_at,
    })
}

/// `expires_in`: a non-negative number of seconds, as a JSON number or a string of
/// digits (Entra v1 sends `"3599"`).
fn expires_in(object: &mut Map<String, Value>) -> Result<Option<Duration>, FieldError> {
    const NAME: &str = "expires_in";
    const EXPECTED: &str = "a number of seconds";
    match json::take_number(object, NAME, EXPECTED)? {
        None => Ok(None),
        Some(Number::Whole(secs)) => Ok(Some(Duration::from_secs(secs))),
        Some(Number::Fraction(secs)) => Duration::try_from_secs_f64(secs)
            .map(Some)
            .map_err(|_| out_of_range(NAME, EXPECTED)),
    }
}

fn out_of_range(name: &'static str, expected: &'static str) -> FieldError {
    FieldError {
        name,
        problem: Problem::OutOfRange,
        expected,
    }
}
