//! Writing a result to stdout: the token response as one JSON object, the access
//! token alone, or a signed assertion; each with a trailing newline.

use std::io::Write;

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
        (Outcome::Token(token), Output::Json) => {
            // Serializing a serde_json::Value cannot fail.
            serde_json::to_string(&token.to_json_exposing_secrets()).unwrap_or_default()
        }
        (Outcome::Token(token), Output::Token) => token.access_token().expose_secret().to_owned(),
        (Outcome::Assertion(assertion), _) => assertion.expose_secret().to_owned(),
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(Failure::Output)
}
