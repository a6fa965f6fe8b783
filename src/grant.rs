//! Grants: the grant-specific form parameters of a token request.

use std::fmt;
use std::time::SystemTime;

use ring::rand::SecureRandom;

use crate::encoding::Base64;
use crate::error::{Error, InputField, InputProblem, refuse_empty};
use crate::exchange::TokenExchange;
use crate::jwt::Claims;
use crate::key::SigningKey;
#[cfg(feature = "saml")]
use crate::saml;
use crate::secrets::{RefreshToken, SecretPairs, SignedAssertion};

/// `grant_type` of the JWT Bearer grant (RFC 7523 §2.1).
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// `grant_type` of the SAML 2.0 Bearer grant (RFC 7522 §2.1).
const SAML2_BEARER: &str = "urn:ietf:params:oauth:grant-type:saml2-bearer";

/// An authorization grant (RFC 6749 §1.3): what the client offers in exchange for a
/// token. Combine it with any [`ClientAuth`](crate::ClientAuth) in a
/// [`TokenRequest`](crate::TokenRequest).
///
/// - [`Grant::jwt_bearer`] / [`Grant::jwt_bearer_assertion`]: RFC 7523 §2.1.
/// - [`Grant::saml2_bearer`]: RFC 7522 §2.1.
/// - [`Grant::client_credentials`]: RFC 6749 §4.4.
/// - [`Grant::refresh_token`]: RFC 6749 §6.
/// - [`Grant::token_exchange`]: RFC 8693 §2.1.
///
/// ```
/// use s2s_oauth::Grant;
/// use s2s_oauth::secret::RefreshToken;
/// let grant = Grant::refresh_token(RefreshToken::new("tGzv3JOkF0XG5Qx2TlKWIA"));
/// assert_eq!(grant.grant_type(), "refresh_token");
/// assert_eq!(Grant::client_credentials().grant_type(), "client_credentials");
/// ```
#[derive(Debug, Clone)]
pub struct Grant {
    pub(crate) kind: GrantKind,
}

#[derive(Debug, Clone)]
pub(crate) enum GrantKind {
    /// RFC 7523 §2.1, signed when the request is built (fresh `exp` and `jti` on
    /// every attempt).
    JwtBearer {
        claims: Box<Claims>,
        key: SigningKey,
    },
    /// RFC 7523 §2.1 with an assertion the caller signed.
    JwtBearerAssertion(SignedAssertion),
    /// RFC 7522 §2.1: the SAML assertion XML, base64url-encoded when sent.
    Saml2Bearer(SignedAssertion),
    /// RFC 7522 §2.1, built and signed when the request is built (fresh `ID`,
    /// `IssueInstant` and expiry on every attempt).
    #[cfg(feature = "saml")]
    Saml2BearerSigned {
        assertion: Box<saml::Assertion>,
        signer: saml::Signer,
    },
    /// RFC 6749 §4.4.
    ClientCredentials,
    /// RFC 6749 §6.
    RefreshToken(RefreshToken),
    /// RFC 8693 §2.1, the tokens read from their sources when the request is
    /// built.
    TokenExchange(Box<Exchange>),
}

/// A token exchange and the function that adds its parameters
/// ([`TokenExchange::push_params`]), named here by [`Grant::token_exchange`]
/// rather than called from [`Grant::params`]: a program that makes no token
/// exchange carries none of its code. `Debug` is the exchange's.
#[derive(Clone)]
pub(crate) struct Exchange {
    exchange: TokenExchange,
    push: fn(&TokenExchange, &mut SecretPairs, SystemTime) -> Result<(), Error>,
}

impl fmt::Debug for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.exchange.fmt(f)
    }
}

impl Grant {
    /// The JWT Bearer grant (RFC 7523 §2.1) with claims signed by `key` each time the
    /// request is built, so every attempt (and every retry) carries a fresh `iat`,
    /// `exp` and `jti`.
    ///
    /// Salesforce's JWT Bearer flow: `iss` = the consumer key, `sub` = the username,
    /// `aud` = the login host; the token URL is the My Domain (or login) host.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use ring::rand::SystemRandom;
    /// use s2s_oauth::{ClientAuth, Grant, SigningKey, TokenRequest};
    /// use s2s_oauth::jwt::Claims;
    ///
    /// let key = SigningKey::from_pem(include_str!("../tests/data/keys/rsa2048.pkcs8.pem"))?;
    /// let claims = Claims::new("3MVG9consumerKey", "integration@example.com", "https://login.salesforce.com");
    /// let request = TokenRequest::new(
    ///     "https://example.my.salesforce.com/services/oauth2/token",
    ///     Grant::jwt_bearer(claims, key),
    ///     ClientAuth::none(),
    /// )?;
    /// let http = request.to_http_request(SystemTime::now(), &SystemRandom::new())?;
    /// assert!(http.body().starts_with(b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJ"));
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn jwt_bearer(claims: Claims, key: SigningKey) -> Self {
        Grant {
            kind: GrantKind::JwtBearer {
                claims: Box::new(claims),
                key,
            },
        }
    }

    /// The JWT Bearer grant (RFC 7523 §2.1) with a compact JWT the caller signed.
    /// It is sent as it is, however often the request is built.
    pub fn jwt_bearer_assertion(assertion: SignedAssertion) -> Self {
        Grant {
            kind: GrantKind::JwtBearerAssertion(assertion),
        }
    }

    /// The SAML 2.0 Bearer grant (RFC 7522 §2.1) with a signed SAML assertion: pass
    /// the assertion XML itself; it is sent base64url-encoded (no padding, no line
    /// breaks) as RFC 7522 §2.1 requires.
    ///
    /// ```
    /// use s2s_oauth::{ClientAuth, Grant, TokenRequest};
    /// use s2s_oauth::secret::SignedAssertion;
    /// let xml = r#"<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_1">…</saml2:Assertion>"#;
    /// let request = TokenRequest::new(
    ///     "https://login.salesforce.com/services/oauth2/token",
    ///     Grant::saml2_bearer(SignedAssertion::new(xml)),
    ///     ClientAuth::none(),
    /// )?;
    /// let body = request.to_http_request_now()?.body().to_vec();
    /// assert!(body.starts_with(b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Asaml2-bearer&assertion=PHNhbWwy"));
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn saml2_bearer(assertion: SignedAssertion) -> Self {
        Grant {
            kind: GrantKind::Saml2Bearer(assertion),
        }
    }

    /// The SAML 2.0 Bearer grant (RFC 7522 §2.1) with an assertion built and signed
    /// by `signer` each time the request is built, so every attempt (and every
    /// retry) carries a fresh `ID`, `IssueInstant` and `NotOnOrAfter`.
    ///
    /// Salesforce's SAML Bearer flow: `Issuer` = the consumer key, `NameID` = the
    /// username, `Audience` = the login host, `Recipient` = the token URL.
    /// Feature `saml` (on by default).
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use ring::rand::SystemRandom;
    /// use s2s_oauth::{Certificate, ClientAuth, Grant, SigningKey, TokenRequest};
    /// use s2s_oauth::saml::{Assertion, Signer};
    ///
    /// let key = SigningKey::from_pem(include_str!("../tests/data/keys/rsa2048.pkcs8.pem"))?;
    /// let cert = Certificate::from_pem(include_str!("../tests/data/keys/rsa2048.cert.pem"))?;
    /// let token_url = "https://login.salesforce.com/services/oauth2/token";
    /// let assertion = Assertion::new("3MVG9consumerKey", "integration@example.com", "https://login.salesforce.com", token_url);
    /// let request = TokenRequest::new(
    ///     token_url,
    ///     Grant::saml2_bearer_signed(assertion, Signer::new(key, cert)?),
    ///     ClientAuth::none(),
    /// )?;
    /// let http = request.to_http_request(SystemTime::now(), &SystemRandom::new())?;
    /// assert!(http.body().starts_with(b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Asaml2-bearer&assertion=PHNhbWw6QXNzZXJ0aW9u"));
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    #[cfg(feature = "saml")]
    pub fn saml2_bearer_signed(assertion: saml::Assertion, signer: saml::Signer) -> Self {
        Grant {
            kind: GrantKind::Saml2BearerSigned {
                assertion: Box::new(assertion),
                signer,
            },
        }
    }

    /// The Client Credentials grant (RFC 6749 §4.4): the client acts on its own
    /// behalf. Needs a client authentication other than
    /// [`ClientAuth::none`](crate::ClientAuth::none) on most servers.
    pub fn client_credentials() -> Self {
        Grant {
            kind: GrantKind::ClientCredentials,
        }
    }

    /// The Refresh Token grant (RFC 6749 §6). If the response carries a new refresh
    /// token (rotation), use that one next time: the old one may be revoked.
    pub fn refresh_token(refresh_token: RefreshToken) -> Self {
        Grant {
            kind: GrantKind::RefreshToken(refresh_token),
        }
    }

    /// The Token Exchange grant (RFC 8693 §2.1): a subject token (and maybe an
    /// actor token) for a token for the `audience` or `resource` named. The tokens
    /// are read from their [`TokenSource`](crate::exchange::TokenSource)s each time
    /// the request is built, so a rotated token file is picked up by the next
    /// request. Any [`ClientAuth`](crate::ClientAuth) goes with it.
    ///
    /// The answer's [`issued_token_type`](crate::TokenResponse::issued_token_type_uri)
    /// says what was issued; a token that is not an access token comes with
    /// `token_type` `N_A` ([`TokenResponse::is_access_token`](crate::TokenResponse::is_access_token)
    /// is `false`) and is still read with `access_token()`.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use ring::rand::SystemRandom;
    /// use s2s_oauth::{ClientAuth, Grant, TokenRequest};
    /// use s2s_oauth::exchange::{TokenExchange, TokenSource, TokenTypeUri};
    /// use s2s_oauth::secret::SecurityToken;
    ///
    /// let exchange = TokenExchange::new(TokenSource::new(SecurityToken::new("eyJ.sub.sig")), TokenTypeUri::Jwt)
    ///     .with_resource("https://api.example.com/")?;
    /// let request = TokenRequest::new("https://as.example.com/token", Grant::token_exchange(exchange), ClientAuth::basic("app", "s3cr3t"))?
    ///     .with_scope("orders.read")?;
    /// let http = request.to_http_request(SystemTime::now(), &SystemRandom::new())?;
    /// assert_eq!(
    ///     std::str::from_utf8(http.body()).unwrap(),
    ///     "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange\
    ///      &subject_token=eyJ.sub.sig&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt\
    ///      &resource=https%3A%2F%2Fapi.example.com%2F&scope=orders.read"
    /// );
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn token_exchange(exchange: TokenExchange) -> Self {
        Grant {
            kind: GrantKind::TokenExchange(Box::new(Exchange {
                exchange,
                push: TokenExchange::push_params,
            })),
        }
    }

    /// The `grant_type` parameter this grant sends.
    pub fn grant_type(&self) -> &'static str {
        match &self.kind {
            GrantKind::JwtBearer { .. } | GrantKind::JwtBearerAssertion(_) => JWT_BEARER,
            GrantKind::Saml2Bearer(_) => SAML2_BEARER,
            #[cfg(feature = "saml")]
            GrantKind::Saml2BearerSigned { .. } => SAML2_BEARER,
            GrantKind::ClientCredentials => "client_credentials",
            GrantKind::RefreshToken(_) => "refresh_token",
            GrantKind::TokenExchange(exchange) => exchange.exchange.grant_type(),
        }
    }

    /// Refuses grants that cannot work, before anything is signed or sent.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match &self.kind {
            GrantKind::JwtBearerAssertion(a) => {
                let jwt = a.expose_secret();
                refuse_empty(
                    InputField::Assertion,
                    jwt,
                    "the JWT bearer assertion is empty; pass the compact JWT (header.claims.signature)",
                )?;
                // A signed JWT has three parts, an encrypted one (JWE) five.
                let dots = jwt.bytes().filter(|&b| b == b'.').count();
                if !(dots == 2 || dots == 4)
                    || jwt
                        .bytes()
                        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
                {
                    return Err(Error::input(
                        InputField::Assertion,
                        InputProblem::Malformed,
                        "the JWT bearer assertion is not a compact JWT (three base64url parts, or five for JWE, separated by '.', no whitespace)",
                    ));
                }
            }
            GrantKind::Saml2Bearer(a) => {
                if !a.expose_secret().trim_start().starts_with('<') {
                    return Err(Error::input(
                        InputField::Assertion,
                        InputProblem::Malformed,
                        "the SAML assertion must be the signed XML (starting with '<'); the crate base64url-encodes it, so do not encode it yourself",
                    ));
                }
            }
            GrantKind::RefreshToken(t) => {
                refuse_empty(
                    InputField::RefreshToken,
                    t.expose_secret(),
                    "the refresh token is empty; pass the refresh_token of an earlier token response",
                )?;
            }
            GrantKind::TokenExchange(exchange) => exchange.exchange.check()?,
            GrantKind::JwtBearer { .. } | GrantKind::ClientCredentials => {}
            #[cfg(feature = "saml")]
            GrantKind::Saml2BearerSigned { .. } => {}
        }
        Ok(())
    }

    /// The grant's form parameters, `grant_type` first, signing as of `now`.
    pub(crate) fn params(
        &self,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<SecretPairs, Error> {
        let mut params = SecretPairs(vec![("grant_type", self.grant_type().to_owned())]);
        match &self.kind {
            GrantKind::JwtBearer { claims, key } => {
                let assertion = claims.sign_at(key, now, rng)?;
                params.push(("assertion", assertion.into_exposed_secret()));
            }
            GrantKind::JwtBearerAssertion(assertion) => {
                params.push(("assertion", assertion.expose_secret().to_owned()));
            }
            GrantKind::Saml2Bearer(xml) => {
                let encoded = Base64::UrlUnpadded.encode_string(xml.expose_secret().as_bytes());
                params.push(("assertion", encoded));
            }
            #[cfg(feature = "saml")]
            GrantKind::Saml2BearerSigned { assertion, signer } => {
                let xml = assertion.sign_at(signer, now, rng)?;
                let encoded = Base64::UrlUnpadded.encode_string(xml.expose_secret().as_bytes());
                params.push(("assertion", encoded));
            }
            GrantKind::ClientCredentials => {}
            GrantKind::RefreshToken(token) => {
                params.push(("refresh_token", token.expose_secret().to_owned()));
            }
            GrantKind::TokenExchange(exchange) => {
                (exchange.push)(&exchange.exchange, &mut params, now)?
            }
        }
        Ok(params)
    }
}
