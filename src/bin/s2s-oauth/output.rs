//! Writing a result to stdout: the token response as one JSON object (with an
//! absolute `expires_at` when the lifetime is known), the access token alone, an
//! `Authorization:` header line, shell assignments, or a signed assertion; each
//! with a trailing newline.

use std::fmt::Write as _;
use std::io::Write;
use std::time::UNIX_EPOCH;

use s2s_oauth::TokenResponse;
use serde_json::Value;

use crate::args::Output;
use crate::commands::Outcome;
use crate::exit::Failure;

/// Writes `outcome` to `out` as `--output` asks (assertions are always printed as
/// they are).
pub(crate) fn write(
    out: &mut impl Write,
    outcome: &Outcome,
    format: Output,
) -> Result<(), Failure> {
    let text = match (outcome, format) {
        (Outcome::Token(token), Output::Json) => json(token),
        (Outcome::Token(token), Output::Token) => access_token(token)?.to_owned(),
        (Outcome::Token(token), Output::Header) if !token.is_access_token() => {
            // RFC 8693 §2.2.1: token_type N_A, or an issued_token_type that is no
            // access token: nothing to put after `Authorization:`.
            return Err(Failure::Answer(
                "the issued token is not an access token (token_type N_A or another issued_token_type), so it cannot be sent as an Authorization header; use --output token or json".into(),
            ));
        }
        (Outcome::Token(token), Output::Header) => {
            format!(
                "Authorization: {} {}",
                token_type(token)?,
                access_token(token)?
            )
        }
        (Outcome::Token(token), Output::Env) => env(token)?,
        (Outcome::Assertion(assertion), _) => assertion.expose_secret().to_owned(),
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(Failure::Output)
}

/// Every field the server sent, plus `expires_at` (Unix seconds) when the lifetime
/// is known and the server sent no field of that name.
fn json(token: &TokenResponse) -> String {
    let sent = token.to_json_exposing_secrets();
    let Some(expires_at) = expires_at(token) else {
        return sent;
    };
    match serde_json::from_str::<serde_json::Map<String, Value>>(&sent) {
        Ok(mut object) if !object.contains_key("expires_at") => {
            object.insert("expires_at".into(), expires_at.into());
            serde_json::to_string(&object).unwrap_or(sent)
        }
        _ => sent,
    }
}

/// When the token expires, in Unix seconds, if the server said how long it lives.
fn expires_at(token: &TokenResponse) -> Option<u64> {
    let at = token.expires_at()?.duration_since(UNIX_EPOCH).ok()?;
    Some(at.as_secs())
}

/// RFC 6749 Appendix A.12: access-token = 1*VSCHAR (%x20-7E). Anything else (a
/// line break, a terminal escape) would not be "the token alone on one line" for
/// the script reading it, and a line break in a header line would add a header.
fn access_token(token: &TokenResponse) -> Result<&str, Failure> {
    let value = token.access_token().expose_secret();
    if !is_vschar(value) {
        return Err(Failure::Answer(
            "the server's access_token has characters outside printable ASCII (RFC 6749 Appendix A.12), so it cannot be printed alone on one line; use --output json to see it".into(),
        ));
    }
    Ok(value)
}

/// The `token_type` as sent (`Bearer` when the server left it out, as RFC 6750
/// tokens are), refused unless it is one printable word.
fn token_type(token: &TokenResponse) -> Result<&str, Failure> {
    let value = token.token_type().map_or("Bearer", |t| t.as_str());
    if value.is_empty() || !is_vschar(value) || value.contains(' ') {
        return Err(Failure::Answer(
            "the server's token_type is not one printable word (RFC 6749 §7.1), so it cannot be printed in a header; use --output json to see it".into(),
        ));
    }
    Ok(value)
}

fn is_vschar(value: &str) -> bool {
    value.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// `NAME='value'` lines for `eval`: `ACCESS_TOKEN`, `TOKEN_TYPE`, `EXPIRES_AT`
/// when the lifetime is known, `INSTANCE_URL` when the server sent one. Every
/// value is single-quoted (inside single quotes a POSIX shell expands nothing), a
/// `'` in it written as `'\''`.
fn env(token: &TokenResponse) -> Result<String, Failure> {
    let mut text = String::new();
    let _ = write!(text, "ACCESS_TOKEN={}", quote(access_token(token)?));
    let _ = write!(text, "\nTOKEN_TYPE={}", quote(token_type(token)?));
    if let Some(at) = expires_at(token) {
        let _ = write!(text, "\nEXPIRES_AT={at}");
    }
    if let Some(url) = token.extra().get("instance_url").and_then(Value::as_str) {
        if !is_vschar(url) {
            return Err(Failure::Answer(
                "the server's instance_url has characters outside printable ASCII, so it cannot be printed as a shell assignment; use --output json to see it".into(),
            ));
        }
        let _ = write!(text, "\nINSTANCE_URL={}", quote(url));
    }
    Ok(text)
}

/// `value` in single quotes for a POSIX shell.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use s2s_oauth::HttpResponse;

    use super::*;

    /// Seconds since the epoch now, to compare `expires_at` with.
    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    fn token(body: &str) -> TokenResponse {
        let http = HttpResponse::new(200, vec![], body.as_bytes().to_vec());
        TokenResponse::parse(&http, SystemTime::now()).unwrap()
    }

    fn shown(body: &str, format: Output) -> Result<String, String> {
        let outcome = Outcome::Token(Box::new(token(body)));
        let mut out = Vec::new();
        write(&mut out, &outcome, format).map_err(|f| f.to_string())?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn quoting_survives_every_shell_character() {
        assert_eq!(quote("a'b"), r"'a'\''b'");
        assert_eq!(quote("$(x) `y` \"z\" \\ ;"), "'$(x) `y` \"z\" \\ ;'");
    }

    #[test]
    fn header_and_env_lines() {
        let body = r#"{"access_token":"t0k","token_type":"bearer","expires_in":60,"instance_url":"https://acme.my.salesforce.com"}"#;
        assert_eq!(
            shown(body, Output::Header).unwrap(),
            "Authorization: Bearer t0k\n"
        );
        let env = shown(body, Output::Env).unwrap();
        let lines: Vec<&str> = env.lines().collect();
        assert_eq!(lines[0], "ACCESS_TOKEN='t0k'");
        assert_eq!(lines[1], "TOKEN_TYPE='Bearer'");
        let at: u64 = lines[2]
            .strip_prefix("EXPIRES_AT=")
            .unwrap()
            .parse()
            .unwrap();
        assert!((now() + 55..=now() + 60).contains(&at), "{at}");
        assert_eq!(lines[3], "INSTANCE_URL='https://acme.my.salesforce.com'");
        // No lifetime, no instance_url: no such lines.
        let bare = shown(r#"{"access_token":"t","token_type":"DPoP"}"#, Output::Env).unwrap();
        assert_eq!(bare, "ACCESS_TOKEN='t'\nTOKEN_TYPE='DPoP'\n");
    }

    #[test]
    fn json_adds_expires_at_only_when_known_and_not_sent() {
        let json = shown(r#"{"access_token":"t","expires_in":60}"#, Output::Json).unwrap();
        let value: Value = serde_json::from_str(&json).unwrap();
        let at = value["expires_at"].as_u64().unwrap();
        assert!((now() + 55..=now() + 60).contains(&at), "{at}");
        let sent = r#"{"access_token":"t","expires_in":60,"expires_at":"server's"}"#;
        let value: Value = serde_json::from_str(&shown(sent, Output::Json).unwrap()).unwrap();
        assert_eq!(value["expires_at"], "server's");
        let none = shown(r#"{"access_token":"t"}"#, Output::Json).unwrap();
        assert_eq!(none, "{\"access_token\":\"t\"}\n");
    }

    #[test]
    fn a_token_that_is_not_an_access_token_is_no_header() {
        let body = r#"{"access_token":"eyJ.a.b","token_type":"N_A","issued_token_type":"urn:ietf:params:oauth:token-type:jwt"}"#;
        let error = shown(body, Output::Header).unwrap_err();
        assert!(error.contains("not an access token"), "{error}");
        assert!(!error.contains("eyJ"), "{error}");
        assert_eq!(shown(body, Output::Token).unwrap(), "eyJ.a.b\n");
    }

    #[test]
    fn a_token_type_that_is_not_one_word_is_refused() {
        let error = shown(
            r#"{"access_token":"t","token_type":"Bearer\r\nX-Evil: 1"}"#,
            Output::Header,
        )
        .unwrap_err();
        assert!(error.contains("token_type"), "{error}");
        assert!(!error.contains("Evil"), "{error}");
    }
}
