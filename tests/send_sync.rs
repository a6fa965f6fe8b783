//! Every public type a caller may share between threads is `Send + Sync`, checked
//! at compile time: a change that puts an `Rc`, a `RefCell` or a raw pointer inside
//! one of them fails to build this file. Errors are also `'static` so that they fit
//! `Box<dyn std::error::Error + Send + Sync>`.
//!
//! (The soak test in `tests/soak.rs` shares one `ureq::Agent` and one `SigningKey`
//! between eight threads at run time.)

use s2s_oauth::discovery::{AuthorizationServerMetadata, WellKnown};
use s2s_oauth::error::*;
use s2s_oauth::jwt::*;
use s2s_oauth::providers::entra::CertificateCredential;
use s2s_oauth::providers::google::ServiceAccountKey;
use s2s_oauth::providers::salesforce::{ApiOutcome, HostKind, LoginHost, TokenInfo};
#[cfg(feature = "saml")]
use s2s_oauth::saml;
use s2s_oauth::secret::*;
use s2s_oauth::testkit;
use s2s_oauth::*;

const fn shared<T: Send + Sync>() {}
const fn shared_error<T: std::error::Error + Send + Sync + 'static>() {}

// Evaluated by the compiler: nothing runs.
const _: () = {
    // Token exchange and the token sources (RFC 8693).
    shared::<exchange::TokenSource>();
    shared::<exchange::TokenExchange>();
    shared::<exchange::TokenTypeUri>();
    shared::<exchange::Executable>();
    shared::<SecurityToken>();
    shared::<testkit::TrustedIssuer>();
    shared_error::<SourceError>();
    // Keys, time and algorithms.
    shared::<Algorithm>();
    shared::<KeyType>();
    shared::<SigningKey>();
    shared::<VerifyingKey>();
    shared::<Certificate>();
    // Assertions.
    shared::<Audience>();
    shared::<Claims>();
    shared::<UnverifiedJwt>();
    shared::<VerifiedJwt>();
    shared::<jwt::Validation>();
    // DPoP (RFC 9449) and token binding.
    shared::<Confirmation>();
    shared::<dpop::DpopKey>();
    shared::<dpop::Proof<'static>>();
    shared::<dpop::ResourceHeaders>();
    shared::<dpop::ProofValidation<'static>>();
    shared::<dpop::VerifiedProof>();
    shared_error::<dpop::DpopError>();
    #[cfg(feature = "saml")]
    shared::<saml::Assertion>();
    #[cfg(feature = "saml")]
    shared::<saml::Attribute>();
    #[cfg(feature = "saml")]
    shared::<saml::Signer>();
    #[cfg(feature = "saml")]
    shared::<saml::Validation>();
    #[cfg(feature = "saml")]
    shared::<saml::VerifiedAssertion>();
    #[cfg(feature = "saml")]
    shared::<saml::C14n>();
    // Secrets.
    shared::<AccessToken>();
    // Receiving side: JWK Sets, the cache, RFC 9068 access tokens.
    shared::<Jwks>();
    shared::<Jwk>();
    shared::<discovery::JwksCache>();
    shared::<VerifiedAccessToken>();
    shared::<AccessTokenValidation>();
    shared::<AccessTokenClaims>();
    shared_error::<JwksError>();
    shared::<SignedAssertion>();
    shared::<ClientSecret>();
    shared::<IdToken>();
    shared::<RawBody>();
    shared::<RefreshToken>();
    // Grants, client authentication, the request and the response.
    shared::<Grant>();
    shared::<ClientAuth>();
    shared::<TokenRequest>();
    shared::<HttpRequest>();
    shared::<HttpResponse>();
    shared::<SendOptions>();
    shared::<TokenResponse>();
    shared::<TokenType>();
    shared::<Token>();
    shared::<ExposedToken<'static>>();
    shared::<TokenCache>();
    // Errors.
    shared_error::<Error>();
    shared_error::<JwtError>();
    shared_error::<KeyError>();
    #[cfg(feature = "saml")]
    shared_error::<saml::SamlError>();
    shared::<ErrorCode>();
    shared::<OAuthError>();
    shared::<UnexpectedResponse>();
    shared::<TransportError>();
    shared::<TransportErrorKind>();
    // Providers and discovery.
    shared::<AuthorizationServerMetadata>();
    shared::<WellKnown>();
    shared::<CertificateCredential>();
    shared::<ServiceAccountKey>();
    shared::<ApiOutcome>();
    shared::<HostKind>();
    shared::<LoginHost>();
    shared::<TokenInfo>();
    // The testkit: a server handle may be shared by test threads.
    shared::<testkit::Server>();
    shared::<testkit::Config>();
    shared::<testkit::Client>();
    shared::<testkit::Profile>();
    shared::<testkit::Fault>();
    shared::<testkit::RecordedRequest>();
};

/// The same property at run time, where it matters: one key and one request built
/// on one thread, used on others.
#[test]
fn a_key_and_a_request_cross_threads() {
    let key = SigningKey::from_pem(include_str!("data/keys/p256.pkcs8.pem")).unwrap();
    let request = TokenRequest::new(
        "https://idp.example/token",
        Grant::client_credentials(),
        ClientAuth::private_key_jwt("client", key.clone()).unwrap(),
    )
    .unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (key, request) = (key.clone(), request.clone());
            std::thread::spawn(move || {
                let rng = ring::rand::SystemRandom::new();
                let signed = key.sign(b"input", &rng).unwrap();
                let http = request.to_http_request_now().unwrap();
                (signed.len(), http.url().to_owned())
            })
        })
        .collect();
    for handle in handles {
        let (signature_len, url) = handle.join().unwrap();
        assert_eq!(signature_len, 64, "ES256 signatures are 64 bytes");
        assert_eq!(url, "https://idp.example/token");
    }
}

// Mutual TLS (RFC 8705).
const _: () = {
    #[cfg(feature = "ureq")]
    shared::<s2s_oauth::tls::AgentTls>();
    shared_error::<s2s_oauth::tls::BindingError>();
};
