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
        (Outcome::Token(token), Output::Json) => token.to_json_exposing_secrets(),
        (Outcome::Token(token), Output::Token) => {
            let value = token.access_token().expose_secret();
            // RFC 6749 Appendix A.12: access-token = 1*VSCHAR (%x20-7E). Anything
            // else (a line break, a terminal escape) would not be "the token alone
            // on one line" for the script reading it.
            if !value.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
                return Err(Failure::Answer(
                    "the server's access_token has characters outside printable ASCII (RFC 6749 Appendix A.12), so it cannot be printed alone on one line; use --output json to see it".into(),
                ));
            }
            value.to_owned()
        }
        (Outcome::Assertion(assertion), _) => assertion.expose_secret().to_owned(),
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(Failure::Output)
}
