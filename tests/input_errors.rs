//! `Error::InvalidInput` carries a kind a caller can branch on: which parameter
//! (`InputError::field`) and why (`InputError::problem`), with the message kept.

use std::time::{Duration, UNIX_EPOCH};

use s2s_oauth::error::{InputError, InputField, InputProblem};
use s2s_oauth::jwt::Claims;
use s2s_oauth::providers::salesforce::{self, LoginHost};
use s2s_oauth::providers::{entra, google, keycloak, okta};
use s2s_oauth::secret::{ClientSecret, RefreshToken};
use s2s_oauth::{ClientAuth, Error, Grant, SigningKey, Token, TokenRequest};

const URL: &str = "https://auth.example.com/token";
const RSA: &str = include_str!("data/keys/rsa2048.pkcs8.pem");
const P256: &str = include_str!("data/keys/p256.pkcs8.pem");

fn rsa() -> SigningKey {
    SigningKey::from_pem(RSA).unwrap()
}

fn p256() -> SigningKey {
    SigningKey::from_pem(P256).unwrap()
}

fn request() -> TokenRequest {
    TokenRequest::new(URL, Grant::client_credentials(), ClientAuth::none()).unwrap()
}

fn new(grant: Grant, auth: ClientAuth) -> Result<TokenRequest, Error> {
    TokenRequest::new(URL, grant, auth)
}

fn input<T: std::fmt::Debug>(case: &str, result: Result<T, Error>) -> InputError {
    match result {
        Err(Error::InvalidInput(e)) => e,
        other => panic!("{case}: expected InvalidInput, got {other:?}"),
    }
}

/// A case's name, its result, the expected field and problem, the message's start.
type Case = (
    &'static str,
    Result<(), Error>,
    InputField,
    InputProblem,
    &'static str,
);

/// One representative bad input per kind, through the public API: the field, the
/// problem, and the start of today's message (unchanged by the typed kind).
#[test]
fn each_bad_input_names_its_field_and_problem() {
    use InputField as F;
    use InputProblem as P;
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let rng = ring::rand::SystemRandom::new();
    let cases: Vec<Case> = vec![
        (
            "empty scope",
            request().with_scope(" ").map(drop),
            F::Scope,
            P::Empty,
            "the scope is empty",
        ),
        (
            "scope with a newline",
            request().with_scope("api\n").map(drop),
            F::Scope,
            P::ControlCharacter,
            "the scope contains a control character",
        ),
        (
            "empty parameter name",
            request().with_param("", "x").map(drop),
            F::Parameter,
            P::Empty,
            "a form parameter name is empty",
        ),
        (
            "parameter name with a control character",
            request().with_param("a\u{1}", "x").map(drop),
            F::Parameter,
            P::ControlCharacter,
            "a form parameter name contains a control character",
        ),
        (
            "reserved parameter",
            request().with_param("client_secret", "x").map(drop),
            F::Parameter,
            P::Reserved,
            "the form parameter \"client_secret\" is set by the crate",
        ),
        (
            "empty client id",
            new(Grant::client_credentials(), ClientAuth::basic("", "s")).map(drop),
            F::ClientId,
            P::Empty,
            "the client id is empty",
        ),
        (
            "client id with a newline",
            new(Grant::client_credentials(), ClientAuth::post("id\n", "s")).map(drop),
            F::ClientId,
            P::ControlCharacter,
            "the client id contains a control character",
        ),
        (
            "empty secret for client_secret_jwt",
            ClientAuth::client_secret_jwt("id", ClientSecret::new("")).map(drop),
            F::ClientSecret,
            P::Empty,
            "client_secret_jwt needs a non-empty client secret",
        ),
        (
            "HMAC key for private_key_jwt",
            ClientAuth::private_key_jwt(
                "id",
                SigningKey::hmac(b"0123456789abcdef0123456789abcdef").unwrap(),
            )
            .map(drop),
            F::Key,
            P::Unsupported,
            "private_key_jwt needs a private key",
        ),
        (
            "client assertion lifetime zero",
            new(
                Grant::client_credentials(),
                ClientAuth::private_key_jwt("id", rsa())
                    .unwrap()
                    .with_assertion_lifetime(Duration::ZERO),
            )
            .map(drop),
            F::Lifetime,
            P::OutOfRange,
            "the client assertion lifetime is under one second",
        ),
        (
            "empty client assertion audience",
            new(
                Grant::client_credentials(),
                ClientAuth::private_key_jwt("id", rsa())
                    .unwrap()
                    .with_assertion_audience(" "),
            )
            .map(drop),
            F::Audience,
            P::Empty,
            "the client assertion audience is empty",
        ),
        (
            "empty refresh token",
            new(
                Grant::refresh_token(RefreshToken::new("")),
                ClientAuth::none(),
            )
            .map(drop),
            F::RefreshToken,
            P::Empty,
            "the refresh token is empty",
        ),
        (
            "JWT assertion that is no JWT",
            new(
                Grant::jwt_bearer_assertion("not a jwt".into()),
                ClientAuth::none(),
            )
            .map(drop),
            F::Assertion,
            P::Malformed,
            "the JWT bearer assertion is not a compact JWT",
        ),
        (
            "reserved claim",
            Claims::new("i", "s", "a").with_claim("exp", 1).map(drop),
            F::Claim,
            P::Reserved,
            "claim \"exp\" is set by Claims itself",
        ),
        (
            "lifetime past NumericDate",
            Claims::new("i", "s", "a")
                .with_lifetime(Duration::from_secs(u64::MAX))
                .sign_at(&rsa(), at, &rng)
                .map(drop),
            F::Lifetime,
            P::OutOfRange,
            "the assertion lifetime is too long",
        ),
        (
            "clock before 1970",
            Claims::new("i", "s", "a")
                .sign_at(&rsa(), UNIX_EPOCH - Duration::from_secs(1), &rng)
                .map(drop),
            F::Time,
            P::OutOfRange,
            "the clock reads a time before 1970",
        ),
        (
            "stored token that is no token",
            Token::from_json(b"{").map(drop),
            F::StoredToken,
            P::Malformed,
            "the stored token is not readable",
        ),
        (
            "Salesforce JWT bearer with an EC key",
            salesforce::jwt_bearer(&LoginHost::production(), "key", "user@acme.com", p256())
                .map(drop),
            F::Key,
            P::Unsupported,
            "Salesforce verifies JWT Bearer assertions with RS256 only",
        ),
        (
            "Salesforce empty username",
            salesforce::jwt_bearer(&LoginHost::production(), "key", " ", rsa()).map(drop),
            F::Subject,
            P::Empty,
            "the username is empty",
        ),
        (
            "Salesforce empty consumer key",
            salesforce::refresh_token(&LoginHost::production(), "", None, RefreshToken::new("r"))
                .map(drop),
            F::ClientId,
            P::Empty,
            "the consumer key is empty",
        ),
        (
            "Salesforce client credentials off My Domain",
            salesforce::client_credentials(&LoginHost::production(), "key", "secret").map(drop),
            F::Host,
            P::Unsupported,
            "Salesforce accepts the Client Credentials flow only on the org's My Domain host",
        ),
        (
            "Keycloak realm with a slash",
            keycloak::token_url("https://sso.example.com", "a/b").map(drop),
            F::Realm,
            P::Malformed,
            "the Keycloak realm name must be",
        ),
        (
            "Entra tenant 'common'",
            entra::token_url("common").map(drop),
            F::Tenant,
            P::Unsupported,
            "the tenant \"common\" cannot issue app-only tokens",
        ),
        (
            "Okta key without kid",
            okta::client_credentials(URL, "0oa1", rsa(), "orders.read").map(drop),
            F::Key,
            P::Missing,
            "Okta picks the client's public key by kid",
        ),
        (
            "Google file that is no JSON",
            google::ServiceAccountKey::from_json("nope").map(drop),
            F::CredentialsFile,
            P::Malformed,
            "the service account key file is not valid JSON",
        ),
    ];
    for (case, result, field, problem, start) in cases {
        let e = input(case, result);
        assert_eq!((e.field(), e.problem()), (field, problem), "{case}: {e}");
        assert!(e.message().starts_with(start), "{case}: {e}");
        assert_eq!(e.to_string(), e.message(), "{case}");
        let err = Error::InvalidInput(e.clone());
        assert_eq!(err.to_string(), format!("invalid input: {e}"), "{case}");
        assert!(err.is_local() && !err.is_retryable(), "{case}");
    }
}

#[cfg(feature = "ureq")]
#[test]
fn a_zero_timeout_is_an_out_of_range_timeout() {
    use s2s_oauth::SendOptions;
    let options = SendOptions::new().with_timeout(Duration::ZERO);
    let e = input(
        "zero timeout",
        request().send_with(&s2s_oauth::agent(), &options),
    );
    assert_eq!(e.field(), InputField::Timeout);
    assert_eq!(e.problem(), InputProblem::OutOfRange);
    assert!(e.message().starts_with("the request timeout is 0ns"), "{e}");
}

#[cfg(feature = "saml")]
#[test]
fn saml_fields_are_named() {
    use s2s_oauth::Certificate;
    use s2s_oauth::saml::{Assertion, Attribute, Signer};
    let cert = Certificate::from_pem(include_str!("data/keys/rsa2048.cert.pem")).unwrap();
    let signer = Signer::new(rsa(), cert).unwrap();
    let base = || Assertion::new("issuer", "subject", "aud", URL);
    let cases = [
        (
            "empty issuer",
            Assertion::new(" ", "s", "a", URL),
            InputField::Issuer,
            InputProblem::Empty,
        ),
        (
            "empty NameID",
            Assertion::new("i", "", "a", URL),
            InputField::Subject,
            InputProblem::Empty,
        ),
        (
            "empty recipient",
            Assertion::new("i", "s", "a", ""),
            InputField::Recipient,
            InputProblem::Empty,
        ),
        (
            "empty audience",
            Assertion::new("i", "s", "", URL),
            InputField::Audience,
            InputProblem::Empty,
        ),
        (
            "audience with a control character",
            base().with_audience("a\u{7}"),
            InputField::Audience,
            InputProblem::ControlCharacter,
        ),
        (
            "attribute value with a control character",
            base().with_attribute(Attribute::new("role", "x\u{0}")),
            InputField::Attribute,
            InputProblem::ControlCharacter,
        ),
        (
            "bad ID",
            base().with_id("1abc"),
            InputField::AssertionId,
            InputProblem::Malformed,
        ),
        (
            "zero lifetime",
            base().with_lifetime(Duration::ZERO),
            InputField::Lifetime,
            InputProblem::OutOfRange,
        ),
    ];
    for (case, assertion, field, problem) in cases {
        let e = input(case, assertion.sign(&signer));
        assert_eq!((e.field(), e.problem()), (field, problem), "{case}: {e}");
    }
}
