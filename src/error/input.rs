//! What the caller gave us that cannot work: [`InputError`], with the parameter it
//! is about ([`InputField`]) and what is wrong with it ([`InputProblem`]), so that a
//! caller can branch on a kind rather than on message text.

use std::fmt;

/// A local input that cannot work, found before anything was sent: which
/// parameter ([`field`](Self::field)), what is wrong with it
/// ([`problem`](Self::problem)), and a message that says what to do
/// (`Display`). Inside [`Error::InvalidInput`](crate::Error::InvalidInput).
///
/// ```
/// use s2s_oauth::error::{InputField, InputProblem};
/// use s2s_oauth::{ClientAuth, Error, Grant, TokenRequest};
///
/// let auth = ClientAuth::basic("", "secret");
/// let err = TokenRequest::new("https://auth.example.com/token", Grant::client_credentials(), auth)
///     .unwrap_err();
/// let Error::InvalidInput(input) = &err else { panic!("{err:?}") };
/// assert_eq!(input.field(), InputField::ClientId);
/// assert_eq!(input.problem(), InputProblem::Empty);
/// assert!(input.to_string().starts_with("the client id is empty"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    field: InputField,
    problem: InputProblem,
    message: Box<str>,
}

impl InputError {
    /// An input error about `field` with `problem`; `message` is the whole text
    /// `Display` shows: say what was wrong and what to do. For callers who wrap
    /// their own checks in [`Error`](crate::Error) (a command-line tool, say).
    ///
    /// ```
    /// use s2s_oauth::Error;
    /// use s2s_oauth::error::{InputError, InputField, InputProblem};
    ///
    /// let err = Error::InvalidInput(InputError::new(
    ///     InputField::Scope,
    ///     InputProblem::Empty,
    ///     "scope must not be empty",
    /// ));
    /// assert_eq!(err.to_string(), "invalid input: scope must not be empty");
    /// ```
    pub fn new(field: InputField, problem: InputProblem, message: impl Into<String>) -> Self {
        InputError {
            field,
            problem,
            message: message.into().into_boxed_str(),
        }
    }

    /// The parameter or value the error is about.
    ///
    /// ```
    /// use s2s_oauth::error::InputField;
    /// use s2s_oauth::secret::RefreshToken;
    /// use s2s_oauth::{ClientAuth, Error, Grant, TokenRequest};
    ///
    /// let grant = Grant::refresh_token(RefreshToken::new(""));
    /// let err = TokenRequest::new("https://auth.example.com/token", grant, ClientAuth::none())
    ///     .unwrap_err();
    /// assert!(matches!(&err, Error::InvalidInput(e) if e.field() == InputField::RefreshToken));
    /// ```
    pub fn field(&self) -> InputField {
        self.field
    }

    /// What is wrong with it.
    ///
    /// ```
    /// use s2s_oauth::error::InputProblem;
    /// use s2s_oauth::{ClientAuth, Error, Grant, TokenRequest};
    ///
    /// let request = TokenRequest::new(
    ///     "https://auth.example.com/token",
    ///     Grant::client_credentials(),
    ///     ClientAuth::none(),
    /// )?;
    /// let err = request.with_param("grant_type", "password").unwrap_err();
    /// assert!(matches!(&err, Error::InvalidInput(e) if e.problem() == InputProblem::Reserved));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn problem(&self) -> InputProblem {
        self.problem
    }

    /// The message `Display` shows (without the `invalid input: ` that
    /// [`Error`](crate::Error) puts before it).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

/// Refuses an empty `value` for `field` as [`InputProblem::Empty`] with `message`
/// (say what to pass). The caller decides what empty means: pass `value.trim()`
/// where only whitespace counts as empty too. The one empty check behind the
/// request, grant, client authentication and provider constructors.
pub(crate) fn refuse_empty(
    field: InputField,
    value: &str,
    message: &'static str,
) -> Result<(), crate::Error> {
    if value.is_empty() {
        return Err(crate::Error::input(field, InputProblem::Empty, message));
    }
    Ok(())
}

/// Refuses a `value` for `field` that holds a control character (a stray newline
/// from a file, often) as [`InputProblem::ControlCharacter`] with `message` (say
/// how to fix it).
pub(crate) fn refuse_control(
    field: InputField,
    value: &str,
    message: &'static str,
) -> Result<(), crate::Error> {
    if value.chars().any(char::is_control) {
        return Err(crate::Error::input(
            field,
            InputProblem::ControlCharacter,
            message,
        ));
    }
    Ok(())
}

/// Which parameter or value an [`InputError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InputField {
    /// The client id (RFC 6749 §2.2; Salesforce: the consumer key).
    ClientId,
    /// The client secret (Salesforce: the consumer secret).
    ClientSecret,
    /// The `scope` (RFC 6749 §3.3), or a provider's resource turned into one.
    Scope,
    /// An extra form parameter ([`TokenRequest::with_param`](crate::TokenRequest::with_param)).
    Parameter,
    /// A refresh token (RFC 6749 §6).
    RefreshToken,
    /// A ready-made assertion handed to a grant (a compact JWT, a SAML document).
    Assertion,
    /// An assertion's audience (`aud`, SAML `Audience`).
    Audience,
    /// An assertion's issuer (`iss`, SAML `Issuer`).
    Issuer,
    /// An assertion's subject (`sub`, SAML `NameID`, a Salesforce username).
    Subject,
    /// A SAML `SubjectConfirmationData` `Recipient`.
    Recipient,
    /// A SAML assertion `ID`.
    AssertionId,
    /// A SAML `Attribute`, its name, format or values.
    Attribute,
    /// A SAML `AuthnContextClassRef`.
    AuthnContext,
    /// A JWT claim set with [`Claims::with_claim`](crate::jwt::Claims::with_claim).
    Claim,
    /// An assertion's lifetime.
    Lifetime,
    /// A point in time handed to the crate (`now`).
    Time,
    /// A request timeout ([`SendOptions`](crate::SendOptions)).
    Timeout,
    /// A signing key, or its algorithm, that this use does not take.
    Key,
    /// A JWT algorithm name.
    Algorithm,
    /// The client authentication method, against what the server supports.
    ClientAuth,
    /// A provider's login host (Salesforce My Domain, say).
    Host,
    /// An Entra tenant.
    Tenant,
    /// A Keycloak realm.
    Realm,
    /// An Okta authorization server id.
    AuthorizationServer,
    /// An Entra resource (an API's app id URI).
    Resource,
    /// A credentials file (a Google service account key file).
    CredentialsFile,
    /// A stored token ([`Token::from_json`](crate::Token::from_json)).
    StoredToken,
    /// What a DPoP proof is made for: its HTTP method, URL or nonce (RFC 9449 §4.2).
    DpopProof,
    /// A token type identifier (RFC 8693 §3) of a token exchange.
    TokenType,
    /// A token source ([`TokenSource`](crate::exchange::TokenSource)), or the
    /// subject or actor token of a token exchange (RFC 8693 §2.1).
    TokenSource,
    /// A token handed back to its server: introspected (RFC 7662 §2.1) or revoked
    /// (RFC 7009 §2.1), or its `token_type_hint`.
    Token,
}

/// What is wrong with an [`InputError`]'s field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InputProblem {
    /// Empty (or only whitespace) where a value is needed.
    Empty,
    /// Missing from a document that must carry it (a credentials file's `client_email`).
    Missing,
    /// Contains a control character (a stray newline from a file, often).
    ControlCharacter,
    /// Set by the crate itself; use the constructor or setter made for it.
    Reserved,
    /// A number or duration outside what works (zero, too long, before 1970).
    OutOfRange,
    /// Not in the form it must have (not a compact JWT, not an xs:ID, not JSON).
    Malformed,
    /// Well-formed, but not accepted here (an HMAC key for `private_key_jwt`, an
    /// algorithm the provider does not verify, a tenant that cannot issue app-only
    /// tokens).
    Unsupported,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn kind(r: Result<(), Error>) -> Option<(InputField, InputProblem, String)> {
        match r {
            Ok(()) => None,
            Err(Error::InvalidInput(e)) => Some((e.field(), e.problem(), e.to_string())),
            Err(e) => panic!("not an input error: {e:?}"),
        }
    }

    #[test]
    fn refuse_empty_refuses_only_the_empty_string() {
        assert_eq!(
            kind(refuse_empty(InputField::Scope, "", "pass a scope")),
            Some((
                InputField::Scope,
                InputProblem::Empty,
                "pass a scope".into()
            ))
        );
        assert_eq!(
            kind(refuse_empty(InputField::Scope, " ", "pass a scope")),
            None
        );
        assert_eq!(
            kind(refuse_empty(InputField::Scope, " ".trim(), "pass")).map(|k| k.1),
            Some(InputProblem::Empty)
        );
    }

    #[test]
    fn refuse_control_refuses_any_control_character() {
        for bad in ["id\n", "a\tb", "\u{7f}", "x\u{85}"] {
            assert_eq!(
                kind(refuse_control(InputField::ClientId, bad, "remove it")),
                Some((
                    InputField::ClientId,
                    InputProblem::ControlCharacter,
                    "remove it".into()
                )),
                "{bad:?}"
            );
        }
        assert_eq!(
            kind(refuse_control(
                InputField::ClientId,
                "my client é",
                "remove it"
            )),
            None
        );
    }
}
