//! Each subcommand as a thin layer over the library: the flags become a
//! [`TokenRequest`] (grant, client authentication, token URL, scope) or a signed
//! assertion. Everything local is loaded and checked before anything is sent.

use std::io::Write as _;
use std::path::Path;
use std::time::SystemTime;

use ring::rand::SystemRandom;
use s2s_oauth::jwt::dpop::{DpopKey, Proof};

use s2s_oauth::exchange::{TokenExchange, TokenTypeUri};
use s2s_oauth::jwt::{Claims, DEFAULT_LIFETIME};
use s2s_oauth::providers::salesforce::{self, LoginHost};
use s2s_oauth::saml;
use s2s_oauth::secret::{ClientSecret, RefreshToken, SignedAssertion};
use s2s_oauth::{
    ClientAuth, Grant, SendOptions, SigningKey, TokenRequest, TokenResponse, TokenType,
};

use crate::args::{AuthMethod, Options};
use crate::command::Command;
use crate::exit::Failure;
use crate::inputs;
use crate::send::{self, Sending};

/// What a subcommand produced.
pub(crate) enum Outcome {
    /// A token response (the grant subcommands).
    Token(Box<TokenResponse>),
    /// A signed assertion (`sign-jwt`, `sign-saml`).
    Assertion(SignedAssertion),
}

/// Runs `command` with `options`.
pub(crate) fn run(command: Command, options: &Options) -> Result<Outcome, Failure> {
    let endpoint = Endpoint::from_options(options)?;
    match command {
        Command::SignJwt => {
            let claims = jwt_claims(options, &endpoint, command)?;
            let key = assertion_key(options, command)?;
            endpoint.check_jwt(&claims, &key)?;
            Ok(Outcome::Assertion(claims.sign(&key)?))
        }
        Command::SignSaml => {
            let assertion = saml_assertion(options, &endpoint, command)?;
            let signer = saml_signer(options, command)?;
            endpoint.check_saml(&assertion, &signer)?;
            Ok(Outcome::Assertion(assertion.sign(&signer)?))
        }
        // Dispatched to crate::doctor and crate::introspect before this.
        Command::Doctor => Err(Failure::usage("doctor requests no token")),
        Command::Introspect | Command::Revoke => Err(Failure::usage(format!(
            "{} requests no token",
            command.name()
        ))),
        Command::DpopProof => dpop_proof(options).map(Outcome::Assertion),
        Command::Google => {
            let fetch = || crate::google::fetch(options);
            Ok(Outcome::Token(Box::new(crate::cache::through(
                command, options, fetch,
            )?)))
        }
        _ => {
            let fetch = || request_token(command, options, &endpoint);
            Ok(Outcome::Token(Box::new(crate::cache::through(
                command, options, fetch,
            )?)))
        }
    }
}

/// The token URL and the default audience, from `--token-url` or `--salesforce`.
#[derive(Debug, Default)]
struct Endpoint {
    token_url: Option<String>,
    audience: Option<String>,
    /// The `--salesforce` host, if that is where the token URL came from.
    salesforce: Option<LoginHost>,
}

impl Endpoint {
    fn from_options(options: &Options) -> Result<Self, Failure> {
        match (&options.token_url, &options.salesforce) {
            (Some(_), Some(_)) => Err(Failure::usage("give --token-url or --salesforce, not both")),
            (Some(url), None) => Ok(Endpoint {
                token_url: Some(url.clone()),
                ..Endpoint::default()
            }),
            (None, Some(value)) => {
                let host = LoginHost::parse(value).map_err(|e| salesforce_failure(value, e))?;
                Ok(Endpoint {
                    token_url: Some(host.token_url()),
                    audience: Some(host.audience().to_owned()),
                    salesforce: Some(host),
                })
            }
            (None, None) => Ok(Endpoint::default()),
        }
    }

    /// What Salesforce refuses in a JWT Bearer assertion (a key that does not sign
    /// RS256, a lifetime over 180 s), refused with the preset's own message before
    /// anything is signed or sent; nothing for another endpoint.
    fn check_jwt(&self, claims: &Claims, key: &SigningKey) -> Result<(), Failure> {
        match &self.salesforce {
            Some(_) => salesforce::check_jwt_bearer(claims, key)
                .map_err(|e| Failure::library("--salesforce", e)),
            None => Ok(()),
        }
    }

    /// [`check_jwt`](Self::check_jwt) for a SAML assertion (an RSA key, at most
    /// 300 s).
    fn check_saml(
        &self,
        assertion: &saml::Assertion,
        signer: &saml::Signer,
    ) -> Result<(), Failure> {
        match &self.salesforce {
            Some(_) => salesforce::check_saml_bearer(assertion, signer)
                .map_err(|e| Failure::library("--salesforce", e)),
            None => Ok(()),
        }
    }

    /// The assertion audience: `--audience`, else the preset's, else the token URL
    /// (RFC 7523 §3 and RFC 7522 §3 name the token endpoint as an audience).
    fn audience(&self, options: &Options, command: Command) -> Result<String, Failure> {
        options
            .audience
            .clone()
            .or_else(|| self.audience.clone())
            .or_else(|| self.token_url.clone())
            .ok_or_else(|| {
                Failure::usage(format!(
                    "{} needs --audience AUD (or --salesforce / --token-url to default it)",
                    command.name()
                ))
            })
    }
}

fn request_token(
    command: Command,
    options: &Options,
    endpoint: &Endpoint,
) -> Result<TokenResponse, Failure> {
    let Some(token_url) = endpoint.token_url.clone() else {
        return Err(Failure::usage(format!(
            "{} needs --token-url URL or --salesforce login|test|URL",
            command.name()
        )));
    };
    if let (Some(host), Command::ClientCredentials) = (&endpoint.salesforce, command) {
        salesforce::check_client_credentials_host(host)
            .map_err(|e| Failure::library(format!("--salesforce {}", host.base_url()), e))?;
    }
    let grant = grant(command, options, endpoint)?;
    let secret = match &options.client_secret {
        Some(source) => Some(ClientSecret::new(inputs::secret(source, "client-secret")?)),
        None => None,
    };
    let auth = client_auth(options, secret.clone())?;
    // The agent first: a bad --ca-file or client certificate is exit 2 before any
    // assertion is signed.
    let agent = inputs::agent(options)?;
    let mut request = TokenRequest::new(token_url, grant, auth)?;
    if command == Command::ClientCredentials && request.auth().method_name() == "none" {
        // RFC 6749 §4.4: the client MUST authenticate. Sent without, the request
        // could only be refused.
        return Err(Failure::usage(
            "client-credentials needs client authentication: --client-secret-file FILE, --client-secret-env VAR or --client-key FILE, with --client-id ID (or --auth tls|self-signed-tls with --client-cert FILE --client-cert-key FILE)",
        ));
    }
    if let Some(scope) = &options.scope {
        request = request
            .with_scope(scope)
            .map_err(|e| Failure::library("--scope", e))?;
    }
    let dpop = dpop_key(options)?;
    if let Some(key) = &dpop {
        request = request.with_dpop(key);
    }
    let how = Sending {
        timeout: options.timeout.unwrap_or(SendOptions::DEFAULT_TIMEOUT),
        retries: options.retries.unwrap_or(0),
        salesforce: endpoint.salesforce.is_some(),
        endpoint: crate::send::Endpoint::Token,
    };
    let token = send::send(&request, how, &agent)?;
    // Salesforce signs client-credentials and refresh answers with the consumer
    // secret (HMAC-SHA256 over id and issued_at): with the secret at hand, an
    // answer that does not carry the org's signature is not taken.
    let signed = matches!(command, Command::ClientCredentials | Command::Refresh);
    if let (Some(_), true, Some(secret)) = (&endpoint.salesforce, signed, &secret) {
        salesforce::verify_signature(&token, secret)
            .map_err(|e| send::failure(&request, how, e, 1))?;
    }
    warn_if_unbound(dpop.is_some(), &token);
    Ok(token)
}

/// RFC 9449 §5: a server without DPoP ignores the proof and issues a bearer
/// token. It works, but is not bound to the key: say so rather than let the
/// caller believe otherwise.
pub(crate) fn warn_if_unbound(dpop: bool, token: &TokenResponse) {
    if dpop && token.token_type() != Some(&TokenType::DPoP) {
        let sent = token.token_type().map_or("none", TokenType::as_str);
        let _ = writeln!(
            std::io::stderr(),
            "warning: --dpop-key: the server answered token_type {sent:?}, not \"DPoP\": the token is not bound to the key (the server may not support DPoP); use it as that type says"
        );
    }
}

/// A `--salesforce` value the presets refuse; a bare host name gets the URL to
/// use instead (`acme.my.salesforce.com` → `https://acme.my.salesforce.com`).
/// A value that may carry a credential (`user:password@`, a query or fragment) is
/// not repeated: the library's message shows it redacted.
pub(crate) fn salesforce_failure(value: &str, error: s2s_oauth::Error) -> Failure {
    if value.contains(['@', '?', '#']) {
        return Failure::library("--salesforce", error);
    }
    let bare =
        !value.contains("://") && value.contains('.') && !value.contains(char::is_whitespace);
    if bare {
        return Failure::usage(format!(
            "--salesforce {value}: expected login, test or a URL; did you mean --salesforce https://{value}"
        ));
    }
    if let Some(rest) = value.strip_prefix("http://") {
        return Failure::usage(format!(
            "--salesforce {value}: plain http is allowed only to a loopback host; did you mean --salesforce https://{rest}"
        ));
    }
    Failure::library(format!("--salesforce {value}"), error)
}

fn grant(command: Command, options: &Options, endpoint: &Endpoint) -> Result<Grant, Failure> {
    match command {
        Command::JwtBearer => {
            let claims = jwt_claims(options, endpoint, command)?;
            let key = assertion_key(options, command)?;
            endpoint.check_jwt(&claims, &key)?;
            Ok(Grant::jwt_bearer(claims, key))
        }
        Command::Refresh => {
            let Some(source) = &options.refresh_token else {
                return Err(Failure::usage(
                    "refresh needs --refresh-token-file FILE or --refresh-token-env VAR",
                ));
            };
            let token = inputs::secret(source, "refresh-token")?;
            Ok(Grant::refresh_token(RefreshToken::new(token)))
        }
        Command::SamlBearer => {
            let assertion = saml_assertion(options, endpoint, command)?;
            let signer = saml_signer(options, command)?;
            endpoint.check_saml(&assertion, &signer)?;
            Ok(Grant::saml2_bearer_signed(assertion, signer))
        }
        Command::ClientCredentials => Ok(Grant::client_credentials()),
        Command::TokenExchange => token_exchange(options, endpoint),
        Command::SignJwt
        | Command::SignSaml
        | Command::Doctor
        | Command::DpopProof
        | Command::Introspect
        | Command::Revoke
        | Command::VerifyJwt => Err(Failure::usage(format!(
            "{} prints an assertion and requests no token",
            command.name()
        ))),
        // Dispatched to crate::google in `run`.
        Command::Google => Err(Failure::usage("google takes --credentials FILE")),
    }
}

/// `--dpop-key`, as a DPoP key (RFC 9449): any asymmetric key, with its default
/// algorithm.
pub(crate) fn dpop_key(options: &Options) -> Result<Option<DpopKey>, Failure> {
    let Some(path) = &options.dpop_key else {
        return Ok(None);
    };
    let key = inputs::signing_key(path, "--dpop-key", None)?;
    DpopKey::new(key)
        .map(Some)
        .map_err(|e| Failure::library("--dpop-key", e))
}

/// `dpop-proof`: one proof for `--method` `--url`, with `ath` for the access token
/// and the server's `--nonce` if given.
fn dpop_proof(options: &Options) -> Result<SignedAssertion, Failure> {
    let command = Command::DpopProof;
    let key =
        dpop_key(options)?.ok_or_else(|| Failure::usage("dpop-proof needs --dpop-key FILE"))?;
    let method = required(&options.method, "--method METHOD", command)?;
    let url = required(&options.url, "--url URL", command)?;
    let token = match &options.access_token {
        Some(source) => Some(zeroize::Zeroizing::new(inputs::secret(
            source,
            "access-token",
        )?)),
        None => None,
    };
    let mut proof = Proof::new(method, url);
    if let Some(token) = &token {
        proof = proof.with_access_token(token);
    }
    if let Some(nonce) = &options.nonce {
        proof = proof.with_nonce(nonce);
    }
    key.proof(&proof, SystemTime::now(), &SystemRandom::new())
        .map_err(|e| Failure::library("--method, --url or --nonce", e))
}

/// token-exchange (RFC 8693 §2.1): the subject token (and an actor token) read
/// from its file or variable when the request is built, with its type; the
/// requested type, audiences and resources. With `--salesforce`, Salesforce's
/// token exchange flow (or, with an actor token, its asset token flow): a subject
/// type Salesforce does not take is refused before anything is read or sent, a
/// JWT goes out in Salesforce's spelling, and the flow without an actor token
/// names its connected app (`--client-id`).
fn token_exchange(options: &Options, endpoint: &Endpoint) -> Result<Grant, Failure> {
    let (Some(subject), Some(subject_type)) = (&options.subject_token, &options.subject_token_type)
    else {
        return Err(Failure::usage(
            "token-exchange needs --subject-token-file FILE or --subject-token-env VAR, and --subject-token-type TYPE",
        ));
    };
    let mut subject_type = subject_type.clone();
    if endpoint.salesforce.is_some() {
        let sent = salesforce::subject_token_type(subject_type.clone())
            .map_err(|e| Failure::library("--subject-token-type", e))?;
        if options.actor_token.is_some() {
            salesforce_asset_types(&subject_type, options.actor_token_type.as_ref())?;
        }
        subject_type = sent;
        if options.actor_token.is_none() && options.client_id.is_none() {
            return Err(Failure::usage(
                "token-exchange --salesforce needs --client-id ID (the connected app's consumer key); the asset token flow (with --actor-token-file) needs none",
            ));
        }
    }
    let mut exchange = TokenExchange::new(
        inputs::token_source(subject, "subject-token")?,
        subject_type,
    );
    match (&options.actor_token, &options.actor_token_type) {
        (Some(actor), Some(actor_type)) => {
            exchange = exchange.with_actor(
                inputs::token_source(actor, "actor-token")?,
                actor_type.clone(),
            );
        }
        (None, None) => {}
        _ => {
            return Err(Failure::usage(
                "an actor token needs both --actor-token-file FILE (or --actor-token-env VAR) and --actor-token-type TYPE",
            ));
        }
    }
    if let Some(requested) = &options.requested_token_type {
        exchange = exchange.with_requested_token_type(requested.clone());
    }
    for audience in &options.audiences {
        exchange = exchange
            .with_audience(audience)
            .map_err(|e| Failure::library("--audience", e))?;
    }
    for resource in &options.resources {
        exchange = exchange
            .with_resource(resource)
            .map_err(|e| Failure::library("--resource", e))?;
    }
    Ok(Grant::token_exchange(exchange))
}

/// With `--salesforce` and an actor token: Salesforce's asset token flow, whose
/// subject is an access token of the connected app and whose actor token is the
/// device's JWT (Help "OAuth 2.0 Asset Token Flow"; the same types
/// [`salesforce::asset_token`] sends). Checked before anything is read or sent.
fn salesforce_asset_types(
    subject_type: &TokenTypeUri,
    actor_type: Option<&TokenTypeUri>,
) -> Result<(), Failure> {
    if *subject_type != TokenTypeUri::AccessToken {
        return Err(Failure::usage(format!(
            "with an actor token, --salesforce is Salesforce's asset token flow, whose subject is an access token of the connected app: give --subject-token-type access_token (not {subject_type}), or leave out the actor token for the token exchange flow"
        )));
    }
    match actor_type {
        Some(TokenTypeUri::Jwt) | None => Ok(()),
        Some(other) => Err(Failure::usage(format!(
            "Salesforce's asset token flow takes the device's signed JWT as the actor token: give --actor-token-type jwt (not {other})"
        ))),
    }
}

/// `--client-assertion-file`: a platform-issued JWT as the client assertion
/// (RFC 7523 §2.2), with `--client-id` if given; its own client authentication, so
/// no secret, client key or `--auth` goes with it.
pub(crate) fn client_assertion(options: &Options) -> Result<Option<ClientAuth>, Failure> {
    let Some(path) = &options.client_assertion_file else {
        return Ok(None);
    };
    if options.client_secret.is_some() || options.client_key.is_some() || options.auth.is_some() {
        return Err(Failure::usage(
            "--client-assertion-file is the client authentication: leave out --client-secret-file/-env, --client-key and --auth",
        ));
    }
    let source = crate::args::Source::File(path.clone());
    let source = inputs::token_source(&source, "client-assertion")?;
    Ok(Some(match &options.client_id {
        Some(id) => ClientAuth::client_assertion(id, source)
            .map_err(|e| Failure::library("--client-id", e))?,
        None => ClientAuth::client_assertion_only(source),
    }))
}

/// The SAML assertion of `saml-bearer` and `sign-saml` (RFC 7522 §3): `Recipient`
/// defaults to the token URL.
fn saml_assertion(
    options: &Options,
    endpoint: &Endpoint,
    command: Command,
) -> Result<saml::Assertion, Failure> {
    let issuer = required(&options.issuer, "--issuer ISS", command)?;
    let subject = required(&options.subject, "--subject SUB", command)?;
    let audience = endpoint.audience(options, command)?;
    let Some(recipient) = options
        .recipient
        .clone()
        .or_else(|| endpoint.token_url.clone())
    else {
        return Err(Failure::usage(format!(
            "{} needs --recipient URL (or --salesforce / --token-url to default it)",
            command.name()
        )));
    };
    Ok(saml::Assertion::new(issuer, subject, audience, recipient)
        .with_lifetime(options.lifetime.unwrap_or(DEFAULT_LIFETIME)))
}

/// `--key` (bound to `--alg` if given) and its `--cert`, which must match.
fn saml_signer(options: &Options, command: Command) -> Result<saml::Signer, Failure> {
    let key = assertion_key(options, command)?;
    let path = required(&options.cert, "--cert FILE", command)?;
    let certificate = inputs::certificate(path, "--cert")?;
    saml::Signer::new(key, certificate).map_err(|e| Failure::library("--key and --cert", e))
}

/// The JWT claims of `jwt-bearer` and `sign-jwt`.
fn jwt_claims(options: &Options, endpoint: &Endpoint, command: Command) -> Result<Claims, Failure> {
    let issuer = required(&options.issuer, "--issuer ISS", command)?;
    let audience = endpoint.audience(options, command)?;
    let claims = match &options.subject {
        Some(subject) => Claims::new(issuer, subject, audience),
        None => Claims::without_subject(issuer, audience),
    };
    let mut claims = claims.with_lifetime(options.lifetime.unwrap_or(DEFAULT_LIFETIME));
    for (name, value) in &options.claims {
        claims = claims
            .with_claim(name, value.clone())
            .map_err(|e| Failure::library(format!("--claim {name}"), e))?;
    }
    Ok(claims)
}

/// `--key`, bound to `--alg` and named by `--kid` if given.
fn assertion_key(options: &Options, command: Command) -> Result<SigningKey, Failure> {
    let path = required(&options.key, "--key FILE", command)?;
    let key = inputs::signing_key(path, "--key", options.alg)?;
    Ok(with_kid(key, &options.kid))
}

/// The key with the JWS `kid` header (RFC 7515 §4.1.4), if one is given.
fn with_kid(key: SigningKey, kid: &Option<String>) -> SigningKey {
    match kid {
        Some(kid) => key.with_kid(kid),
        None => key,
    }
}

fn required<'a, T>(value: &'a Option<T>, flag: &str, command: Command) -> Result<&'a T, Failure> {
    value
        .as_ref()
        .ok_or_else(|| Failure::usage(format!("{} needs {flag}", command.name())))
}

/// The client authentication from `--auth`, `--client-id`, the client secret (read
/// from its file or variable) and `--client-key`. A secret, key or algorithm the
/// method would not use is an error rather than silently ignored.
pub(crate) fn client_auth(
    options: &Options,
    secret: Option<ClientSecret>,
) -> Result<ClientAuth, Failure> {
    if let Some(auth) = client_assertion(options)? {
        return Ok(auth);
    }
    let key_path: Option<&Path> = options.client_key.as_deref();
    let method = auth_method(options.auth, secret.is_some(), key_path.is_some())?;
    refuse_unused(options, method, secret.is_some())?;
    let name = method.name();
    let client_id = || {
        options
            .client_id
            .clone()
            .ok_or_else(|| Failure::usage(format!("--auth {name} needs --client-id ID")))
    };
    let secret = || {
        secret.clone().ok_or_else(|| {
            Failure::usage(format!(
                "--auth {name} needs --client-secret-file FILE or --client-secret-env VAR"
            ))
        })
    };
    Ok(match method {
        AuthMethod::None => match &options.client_id {
            Some(id) => ClientAuth::none_with_client_id(id),
            None => ClientAuth::none(),
        },
        AuthMethod::Basic => ClientAuth::basic(client_id()?, secret()?),
        AuthMethod::Post => ClientAuth::post(client_id()?, secret()?),
        AuthMethod::PrivateKeyJwt => {
            let Some(path) = key_path else {
                return Err(Failure::usage(format!(
                    "--auth {name} needs --client-key FILE"
                )));
            };
            let key = inputs::signing_key(path, "--client-key", options.client_alg)?;
            ClientAuth::private_key_jwt(client_id()?, with_kid(key, &options.client_kid))
                .map_err(|e| Failure::library(format!("--auth {name}"), e))?
        }
        AuthMethod::ClientSecretJwt => {
            let (id, secret) = (client_id()?, secret()?);
            client_secret_jwt(options, id, &secret)?
        }
        AuthMethod::Tls | AuthMethod::SelfSignedTls => {
            if options.client_cert.is_none() {
                return Err(Failure::usage(format!(
                    "--auth {name} authenticates with a TLS client certificate: give --client-cert FILE --client-cert-key FILE"
                )));
            }
            let id = client_id()?;
            let auth = if method == AuthMethod::Tls {
                ClientAuth::tls_client_auth(id)
            } else {
                ClientAuth::self_signed_tls_client_auth(id)
            };
            auth.map_err(|e| Failure::library(format!("--auth {name}"), e))?
        }
    })
}

/// `--auth`, or the default: basic with a secret, private-key-jwt with a client
/// key, else none; both a secret and a key need `--auth` to choose.
fn auth_method(
    chosen: Option<AuthMethod>,
    has_secret: bool,
    has_key: bool,
) -> Result<AuthMethod, Failure> {
    if let Some(method) = chosen {
        return Ok(method);
    }
    match (has_secret, has_key) {
        (true, true) => Err(Failure::usage(
            "both a client secret and --client-key are given; choose with --auth",
        )),
        (true, false) => Ok(AuthMethod::Basic),
        (false, true) => Ok(AuthMethod::PrivateKeyJwt),
        (false, false) => Ok(AuthMethod::None),
    }
}

/// A secret, client key, `--client-alg` or `--client-kid` that `method` would not
/// use is a usage error rather than silently ignored.
fn refuse_unused(options: &Options, method: AuthMethod, has_secret: bool) -> Result<(), Failure> {
    let name = method.name();
    let uses_secret = matches!(
        method,
        AuthMethod::Basic | AuthMethod::Post | AuthMethod::ClientSecretJwt
    );
    if has_secret && !uses_secret {
        return Err(Failure::usage(format!(
            "a client secret is given but --auth {name} does not use one"
        )));
    }
    if options.client_key.is_some() && method != AuthMethod::PrivateKeyJwt {
        return Err(Failure::usage(format!(
            "--client-key is given but --auth {name} does not use it"
        )));
    }
    if (options.client_alg.is_some() || options.client_kid.is_some())
        && !matches!(
            method,
            AuthMethod::PrivateKeyJwt | AuthMethod::ClientSecretJwt
        )
    {
        return Err(Failure::usage(format!(
            "--client-alg and --client-kid apply to private-key-jwt and client-secret-jwt, not --auth {name}"
        )));
    }
    Ok(())
}

/// client_secret_jwt: an HMAC key from the secret, with `--client-alg` and
/// `--client-kid` if given.
fn client_secret_jwt(
    options: &Options,
    client_id: String,
    secret: &ClientSecret,
) -> Result<ClientAuth, Failure> {
    let context = format!("--auth {}", AuthMethod::ClientSecretJwt.name());
    let mut key = SigningKey::hmac(secret.expose_secret().as_bytes())
        .map_err(|e| Failure::library(&context, e))?;
    if let Some(alg) = options.client_alg {
        key = key
            .with_algorithm(alg)
            .map_err(|e| Failure::library("--client-alg", e))?;
    }
    ClientAuth::client_secret_jwt_with_key(client_id, with_kid(key, &options.client_kid))
        .map_err(|e| Failure::library(context, e))
}
