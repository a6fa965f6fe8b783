//! Client authentication (RFC 6749 §2.3, RFC 7523 §2.2, OIDC Core §9): each method
//! turns into headers and form parameters; the grant merges them without knowing
//! which method it was.

use std::time::{Duration, SystemTime};

use ring::rand::SecureRandom;
use zeroize::Zeroizing;

use crate::encoding::Base64;
use crate::error::{Error, InputField, InputProblem, refuse_control, refuse_empty};
use crate::exchange::TokenSource;
use crate::form;
use crate::jwt::Claims;
use crate::key::SigningKey;
use crate::secrets::{ClientSecret, SecretPairs};

/// `client_assertion_type` for a JWT client assertion (RFC 7523 §2.2).
const JWT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The default lifetime of a client assertion: 60 seconds.
const DEFAULT_ASSERTION_LIFETIME: Duration = Duration::from_secs(60);

/// How the client authenticates to the token endpoint (RFC 6749 §2.3, RFC 7523
/// §2.2, OpenID Connect Core §9). Combinable with any [`Grant`](crate::Grant).
///
/// | constructor | method | sends |
/// |---|---|---|
/// | [`none`](Self::none) | `none` | nothing |
/// | [`none_with_client_id`](Self::none_with_client_id) | `none` | `client_id` in the body |
/// | [`basic`](Self::basic) | `client_secret_basic` | `Authorization: Basic …` (RFC 6749 §2.3.1) |
/// | [`post`](Self::post) | `client_secret_post` | `client_id`, `client_secret` in the body |
/// | [`private_key_jwt`](Self::private_key_jwt) | `private_key_jwt` | `client_assertion` signed with a private key, `client_id` |
/// | [`client_secret_jwt`](Self::client_secret_jwt) | `client_secret_jwt` | `client_assertion` signed with HMAC of the secret, `client_id` |
/// | [`tls_client_auth`](Self::tls_client_auth) | `tls_client_auth` | `client_id`; the TLS client certificate (PKI) authenticates |
/// | [`self_signed_tls_client_auth`](Self::self_signed_tls_client_auth) | `self_signed_tls_client_auth` | `client_id`; the registered self-signed TLS client certificate authenticates |
/// | [`client_assertion`](Self::client_assertion) | `private_key_jwt` | a `client_assertion` the platform issued (read from a [`TokenSource`]), `client_id` |
///
/// A client assertion has `iss` = `sub` = the client id, `aud` = the token URL
/// (unless [`with_assertion_audience`](Self::with_assertion_audience) says
/// otherwise), a fresh `jti`, `iat`, `nbf` and `exp` = now + 60 s (see
/// [`with_assertion_lifetime`](Self::with_assertion_lifetime)); it is signed anew
/// each time a request is built.
///
/// `Debug` never shows the secret or key material.
///
/// ```
/// use s2s_oauth::ClientAuth;
/// let auth = ClientAuth::basic("3MVG9...", "s3cr3t");
/// assert_eq!(auth.method_name(), "client_secret_basic");
/// assert_eq!(auth.client_id(), Some("3MVG9..."));
/// assert!(!format!("{auth:?}").contains("s3cr3t"));
/// ```
#[derive(Debug, Clone)]
pub struct ClientAuth {
    pub(crate) method: Method,
}

#[derive(Debug, Clone)]
pub(crate) enum Method {
    None {
        client_id: Option<String>,
    },
    SecretBasic {
        client_id: String,
        /// `Basic base64(form(id):form(secret))`, built once when the method is
        /// made: it never changes, and the secret is kept only inside it.
        header: ClientSecret,
    },
    SecretPost {
        client_id: String,
        secret: ClientSecret,
    },
    PrivateKeyJwt {
        client_id: String,
        key: SigningKey,
        audience: Option<String>,
        lifetime: Duration,
    },
    ClientSecretJwt {
        client_id: String,
        key: SigningKey,
        audience: Option<String>,
        lifetime: Duration,
    },
    /// RFC 8705 §2.1 (`tls_client_auth`) or §2.2 (`self_signed_tls_client_auth`).
    Tls {
        client_id: String,
        self_signed: bool,
    },
    /// RFC 7523 §2.2 with a JWT someone else signed (the platform), read from its
    /// source each time a request is built.
    ClientAssertion {
        client_id: Option<String>,
        source: TokenSource,
    },
}

/// What a client authentication method adds to a request (secrets: wiped when
/// dropped).
#[derive(Default)]
pub(crate) struct AuthParts {
    pub(crate) headers: SecretPairs,
    pub(crate) params: SecretPairs,
}

impl ClientAuth {
    /// No client authentication and no client id (a public client, or a grant that
    /// identifies the client itself such as Salesforce's JWT Bearer flow).
    pub fn none() -> Self {
        ClientAuth {
            method: Method::None { client_id: None },
        }
    }

    /// No client authentication, but `client_id` sent in the body (RFC 6749 §3.2.1
    /// for public clients; some servers want it with an assertion grant).
    ///
    /// (Named so because [`client_id`](Self::client_id) is the getter.)
    ///
    /// ```
    /// use s2s_oauth::ClientAuth;
    /// let auth = ClientAuth::none_with_client_id("my-client");
    /// assert_eq!(auth.method_name(), "none");
    /// assert_eq!(auth.client_id(), Some("my-client"));
    /// ```
    pub fn none_with_client_id(client_id: impl Into<String>) -> Self {
        ClientAuth {
            method: Method::None {
                client_id: Some(client_id.into()),
            },
        }
    }

    /// `client_secret_basic` (RFC 6749 §2.3.1): HTTP Basic with the client id and
    /// secret, each form-encoded before base64 as the RFC requires.
    pub fn basic(client_id: impl Into<String>, secret: impl Into<ClientSecret>) -> Self {
        let client_id = client_id.into();
        let secret = secret.into();
        let header = ClientSecret::new(basic_header(&client_id, &secret));
        ClientAuth {
            method: Method::SecretBasic { client_id, header },
        }
    }

    /// `client_secret_post` (RFC 6749 §2.3.1): `client_id` and `client_secret` in
    /// the form body.
    pub fn post(client_id: impl Into<String>, secret: impl Into<ClientSecret>) -> Self {
        ClientAuth {
            method: Method::SecretPost {
                client_id: client_id.into(),
                secret: secret.into(),
            },
        }
    }

    /// `private_key_jwt` (RFC 7523 §2.2, OIDC Core §9): a client assertion signed with
    /// an asymmetric `key`. An HMAC key is refused: use
    /// [`client_secret_jwt`](Self::client_secret_jwt) for that.
    ///
    /// ```
    /// use s2s_oauth::{ClientAuth, SigningKey};
    /// let key = SigningKey::from_pem(include_str!("../tests/data/keys/p256.pkcs8.pem"))?;
    /// let auth = ClientAuth::private_key_jwt("my-client", key)?;
    /// assert_eq!(auth.method_name(), "private_key_jwt");
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn private_key_jwt(client_id: impl Into<String>, key: SigningKey) -> Result<Self, Error> {
        let client_id = checked_client_id(client_id)?;
        if key.algorithm().is_hmac() {
            return Err(Error::input(
                InputField::Key,
                InputProblem::Unsupported,
                "private_key_jwt needs a private key (RSA, EC or Ed25519), not an HMAC secret; use ClientAuth::client_secret_jwt for a shared secret",
            ));
        }
        Ok(ClientAuth {
            method: Method::PrivateKeyJwt {
                client_id,
                key,
                audience: None,
                lifetime: DEFAULT_ASSERTION_LIFETIME,
            },
        })
    }

    /// `client_secret_jwt` (RFC 7523 §2.2, OIDC Core §9): a client assertion signed
    /// with HS256 keyed by the client secret. An empty secret is refused.
    ///
    /// ```
    /// use s2s_oauth::ClientAuth;
    /// let auth = ClientAuth::client_secret_jwt("my-client", "a long shared secret")?;
    /// assert_eq!(auth.method_name(), "client_secret_jwt");
    /// assert!(ClientAuth::client_secret_jwt("my-client", "").is_err());
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn client_secret_jwt(
        client_id: impl Into<String>,
        secret: impl Into<ClientSecret>,
    ) -> Result<Self, Error> {
        let client_id = checked_client_id(client_id)?;
        let secret = secret.into();
        refuse_empty(
            InputField::ClientSecret,
            secret.expose_secret(),
            "client_secret_jwt needs a non-empty client secret to key HMAC-SHA256",
        )?;
        let key = SigningKey::hmac(secret.expose_secret().as_bytes())?;
        Self::client_secret_jwt_with_key(client_id, key)
    }

    /// `client_secret_jwt` with an HMAC key made by the caller, for HS384 or HS512:
    /// `SigningKey::hmac(secret)?.with_algorithm(Algorithm::HS512)?`. A key that is
    /// not HMAC is refused: use [`private_key_jwt`](Self::private_key_jwt) for it.
    ///
    /// ```
    /// use s2s_oauth::{Algorithm, ClientAuth, SigningKey};
    /// let key = SigningKey::hmac(b"a long shared secret")?.with_algorithm(Algorithm::HS512)?;
    /// let auth = ClientAuth::client_secret_jwt_with_key("my-client", key)?;
    /// assert_eq!(auth.method_name(), "client_secret_jwt");
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn client_secret_jwt_with_key(
        client_id: impl Into<String>,
        key: SigningKey,
    ) -> Result<Self, Error> {
        let client_id = checked_client_id(client_id)?;
        if !key.algorithm().is_hmac() {
            return Err(Error::input(
                InputField::Key,
                InputProblem::Unsupported,
                "client_secret_jwt needs an HMAC key made from the client secret (SigningKey::hmac); use ClientAuth::private_key_jwt for a private key",
            ));
        }
        Ok(ClientAuth {
            method: Method::ClientSecretJwt {
                client_id,
                key,
                audience: None,
                lifetime: DEFAULT_ASSERTION_LIFETIME,
            },
        })
    }

    /// `tls_client_auth` (RFC 8705 §2.1): the client authenticates with the TLS
    /// client certificate its agent presents, issued by a CA the server trusts and
    /// matching the subject the client registered; the request carries only
    /// `client_id` (no secret). Send it with an agent that presents the
    /// certificate: [`tls::AgentTls::with_client_cert_pem`](crate::tls::AgentTls::with_client_cert_pem).
    /// With discovery, the request goes to the server's `mtls_endpoint_aliases`
    /// token endpoint when it has one
    /// ([`AuthorizationServerMetadata::token_request`](crate::discovery::AuthorizationServerMetadata::token_request)).
    ///
    /// ```
    /// use s2s_oauth::ClientAuth;
    /// let auth = ClientAuth::tls_client_auth("my-client")?;
    /// assert_eq!(auth.method_name(), "tls_client_auth");
    /// assert!(auth.uses_client_certificate());
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn tls_client_auth(client_id: impl Into<String>) -> Result<Self, Error> {
        Self::tls(client_id.into(), false)
    }

    /// `self_signed_tls_client_auth` (RFC 8705 §2.2): the client authenticates with
    /// a self-signed TLS client certificate it registered with the server (in its
    /// `jwks` or `jwks_uri`); the request carries only `client_id`. Send it with an
    /// agent that presents the certificate, as for
    /// [`tls_client_auth`](Self::tls_client_auth).
    ///
    /// ```
    /// use s2s_oauth::ClientAuth;
    /// let auth = ClientAuth::self_signed_tls_client_auth("my-client")?;
    /// assert_eq!(auth.method_name(), "self_signed_tls_client_auth");
    /// assert!(ClientAuth::self_signed_tls_client_auth("").is_err());
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn self_signed_tls_client_auth(client_id: impl Into<String>) -> Result<Self, Error> {
        Self::tls(client_id.into(), true)
    }

    fn tls(client_id: String, self_signed: bool) -> Result<Self, Error> {
        Ok(ClientAuth {
            method: Method::Tls {
                client_id: checked_client_id(client_id)?,
                self_signed,
            },
        })
    }

    /// A client assertion (RFC 7523 §2.2) that the platform issued rather than the
    /// client signed: a Kubernetes service-account token, a GitHub Actions OIDC
    /// token, a SPIFFE JWT-SVID, read from `source` each time a request is built
    /// (so a rotated token file is picked up). Sends
    /// `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`,
    /// `client_assertion` and `client_id`. This is how Entra workload identity
    /// (federated credentials) and Keycloak's federated/SPIFFE client
    /// authentication take a workload's identity; the server verifies the JWT
    /// against the platform's keys, so the machine holds no secret.
    ///
    /// Its [`method_name`](Self::method_name) is `private_key_jwt`, the method
    /// servers list for JWT client assertions.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use ring::rand::SystemRandom;
    /// use s2s_oauth::{ClientAuth, Grant, TokenRequest};
    /// use s2s_oauth::exchange::TokenSource;
    /// use s2s_oauth::secret::SecurityToken;
    ///
    /// // On AKS: TokenSource::file(std::env::var("AZURE_FEDERATED_TOKEN_FILE")?).
    /// let platform_jwt = SecurityToken::new("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYSJ9.c2ln");
    /// let auth = ClientAuth::client_assertion("my-app-id", TokenSource::new(platform_jwt))?;
    /// let request = TokenRequest::new("https://login.example.com/token", Grant::client_credentials(), auth)?;
    /// let http = request.to_http_request(SystemTime::now(), &SystemRandom::new())?;
    /// assert!(std::str::from_utf8(http.body()).unwrap().ends_with(
    ///     "&client_assertion=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYSJ9.c2ln&client_id=my-app-id"
    /// ));
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn client_assertion(
        client_id: impl Into<String>,
        source: TokenSource,
    ) -> Result<Self, Error> {
        let client_id = checked_client_id(client_id)?;
        Ok(ClientAuth {
            method: Method::ClientAssertion {
                client_id: Some(client_id),
                source,
            },
        })
    }

    /// Whether the method authenticates with the TLS client certificate
    /// (`tls_client_auth`, `self_signed_tls_client_auth`; RFC 8705 §2), so that the
    /// request must go over mutual TLS (to an `mtls_endpoint_aliases` endpoint,
    /// RFC 8705 §5).
    pub fn uses_client_certificate(&self) -> bool {
        matches!(self.method, Method::Tls { .. })
    }

    /// [`client_assertion`](Self::client_assertion) without `client_id`, for
    /// servers that identify the client by the assertion alone (RFC 7523 §3.1
    /// makes `client_id` optional; Keycloak's SPIFFE client authentication).
    pub fn client_assertion_only(source: TokenSource) -> Self {
        ClientAuth {
            method: Method::ClientAssertion {
                client_id: None,
                source,
            },
        }
    }

    /// The `aud` of the client assertion (default: the token URL). Some servers want
    /// their issuer identifier instead. No effect on methods without an assertion.
    pub fn with_assertion_audience(mut self, audience: impl Into<String>) -> Self {
        if let Method::PrivateKeyJwt { audience: a, .. }
        | Method::ClientSecretJwt { audience: a, .. } = &mut self.method
        {
            *a = Some(audience.into());
        }
        self
    }

    /// How long the client assertion is valid (default 60 s; Okta accepts at most
    /// an hour). No effect on methods without an assertion.
    pub fn with_assertion_lifetime(mut self, lifetime: Duration) -> Self {
        if let Method::PrivateKeyJwt { lifetime: l, .. }
        | Method::ClientSecretJwt { lifetime: l, .. } = &mut self.method
        {
            *l = lifetime;
        }
        self
    }

    /// The method's registered name (RFC 7591 §2 `token_endpoint_auth_method`):
    /// `none`, `client_secret_basic`, `client_secret_post`, `private_key_jwt`,
    /// `client_secret_jwt`, `tls_client_auth` or `self_signed_tls_client_auth`.
    pub fn method_name(&self) -> &'static str {
        match self.method {
            Method::None { .. } => "none",
            Method::SecretBasic { .. } => "client_secret_basic",
            Method::SecretPost { .. } => "client_secret_post",
            Method::PrivateKeyJwt { .. } | Method::ClientAssertion { .. } => "private_key_jwt",
            Method::ClientSecretJwt { .. } => "client_secret_jwt",
            Method::Tls {
                self_signed: false, ..
            } => "tls_client_auth",
            Method::Tls {
                self_signed: true, ..
            } => "self_signed_tls_client_auth",
        }
    }

    /// The client id, if the method has one.
    pub fn client_id(&self) -> Option<&str> {
        match &self.method {
            Method::None { client_id } | Method::ClientAssertion { client_id, .. } => {
                client_id.as_deref()
            }
            Method::SecretBasic { client_id, .. }
            | Method::SecretPost { client_id, .. }
            | Method::PrivateKeyJwt { client_id, .. }
            | Method::ClientSecretJwt { client_id, .. }
            | Method::Tls { client_id, .. } => Some(client_id),
        }
    }

    /// Refuses what cannot work, before anything is signed or sent.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if let Some(id) = self.client_id() {
            check_client_id(id)?;
        }
        match &self.method {
            Method::PrivateKeyJwt {
                lifetime, audience, ..
            }
            | Method::ClientSecretJwt {
                lifetime, audience, ..
            } => {
                // `exp` is in whole seconds: under one second it would equal `iat`,
                // an assertion already expired when sent.
                if lifetime.as_secs() == 0 {
                    return Err(Error::input(
                        InputField::Lifetime,
                        InputProblem::OutOfRange,
                        "the client assertion lifetime is under one second, so it would expire as it is made; give it a few minutes at most (default 60 s)",
                    ));
                }
                if audience.as_deref().is_some_and(|a| a.trim().is_empty()) {
                    return Err(Error::input(
                        InputField::Audience,
                        InputProblem::Empty,
                        "the client assertion audience is empty; leave it unset to use the token URL",
                    ));
                }
                Ok(())
            }
            Method::ClientAssertion { source, .. } => source.check(),
            _ => Ok(()),
        }
    }

    /// The headers and form parameters for a request to `token_url` as of `now`.
    pub(crate) fn parts(
        &self,
        token_url: &str,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<AuthParts, Error> {
        let mut parts = AuthParts::default();
        match &self.method {
            Method::None { client_id } => {
                if let Some(id) = client_id {
                    parts.params.push(("client_id", id.clone()));
                }
            }
            // RFC 8705 §2: the certificate on the connection authenticates; the
            // client id says which client it is meant to be.
            Method::Tls { client_id, .. } => {
                parts.params.push(("client_id", client_id.clone()));
            }
            Method::SecretBasic { header, .. } => {
                parts
                    .headers
                    .push(("Authorization", header.expose_secret().to_owned()));
            }
            Method::SecretPost { client_id, secret } => {
                parts.params.push(("client_id", client_id.clone()));
                parts
                    .params
                    .push(("client_secret", secret.expose_secret().to_owned()));
            }
            Method::PrivateKeyJwt {
                client_id,
                key,
                audience,
                lifetime,
            }
            | Method::ClientSecretJwt {
                client_id,
                key,
                audience,
                lifetime,
            } => {
                let aud = audience.as_deref().unwrap_or(token_url);
                let assertion = Claims::for_client(client_id.as_str(), aud)
                    .with_lifetime(*lifetime)
                    .with_not_before()
                    .sign_at(key, now, rng)?;
                push_client_assertion(
                    &mut parts.params,
                    assertion.into_exposed_secret(),
                    Some(client_id),
                );
            }
            Method::ClientAssertion { client_id, source } => {
                let assertion = source.read(now)?;
                push_client_assertion(
                    &mut parts.params,
                    assertion.into_exposed_secret(),
                    client_id.as_ref(),
                );
            }
        }
        Ok(parts)
    }
}

/// `Basic base64(form(id) ":" form(secret))` (RFC 6749 §2.3.1).
///
/// Each buffer is allocated at its final size (no reallocation leaves a copy
/// behind) and the intermediate ones are wiped when dropped.
/// The JWT client assertion's form parameters (RFC 7523 §2.2): its type, the
/// assertion, and the client id when there is one.
fn push_client_assertion(params: &mut SecretPairs, assertion: String, client_id: Option<&String>) {
    params.push(("client_assertion_type", JWT_ASSERTION_TYPE.to_owned()));
    params.push(("client_assertion", assertion));
    if let Some(id) = client_id {
        params.push(("client_id", id.clone()));
    }
}

fn basic_header(client_id: &str, secret: &ClientSecret) -> String {
    let secret = secret.expose_secret();
    let len = form::encoded_len(client_id) + 1 + form::encoded_len(secret);
    let mut credentials = Zeroizing::new(String::with_capacity(len));
    form::encode_into(&mut credentials, client_id);
    credentials.push(':');
    form::encode_into(&mut credentials, secret);
    let encoded = Zeroizing::new(Base64::Standard.encode_string(credentials.as_bytes()));
    let mut header = String::with_capacity("Basic ".len() + encoded.len());
    header.push_str("Basic ");
    header.push_str(&encoded);
    header
}

/// The client id, refused if [`check_client_id`] refuses it.
fn checked_client_id(id: impl Into<String>) -> Result<String, Error> {
    let id = id.into();
    check_client_id(&id)?;
    Ok(id)
}

fn check_client_id(id: &str) -> Result<(), Error> {
    refuse_empty(
        InputField::ClientId,
        id,
        "the client id is empty; pass the id the authorization server registered (Salesforce: the consumer key)",
    )?;
    refuse_control(
        InputField::ClientId,
        id,
        "the client id contains a control character (a stray newline from a file?); remove it",
    )?;
    Ok(())
}
