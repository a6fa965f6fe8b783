//! Sending a token request with the caller's `ureq::Agent` (feature `ureq`).
//!
//! This is the crate's only I/O. Whatever `Agent` the caller passes, each request
//! overrides the settings that matter for a token client (ureq 3 lets a request
//! override its agent's config):
//!
//! - **no redirects**: a POST carrying credentials must not be replayed to another
//!   place; a 3xx becomes [`Error::Redirect`] naming the `Location`;
//! - **HTTP errors are responses**: ureq's `http_status_as_error` would turn a 400
//!   into a bare status and lose the OAuth error body (RFC 6749 §5.2);
//! - **a timeout** ([`SendOptions::with_timeout`], 30 s by default), so a cron job
//!   never hangs: carved into per-phase budgets that add up to it (`phases.rs`:
//!   cheaper than ureq's whole-request timeout, which looks every host up on a new
//!   thread), so no request outlives it;
//! - **a body limit** ([`SendOptions::with_body_limit`], 1 MiB by default) on the
//!   decoded body, so a hostile or broken server cannot exhaust memory (a gzip bomb
//!   included);
//! - **plain http goes direct**: `http://` is allowed only to a loopback host, and
//!   is never sent through the agent's proxy, which would see the credentials in
//!   clear text; `https://` uses the agent's proxy as configured.

use std::time::{Duration, SystemTime};

use ring::rand::SystemRandom;

use crate::cache::TokenCache;
use crate::error::{Error, InputField, InputProblem};
use crate::http::{HttpRequest, HttpResponse, PackedHeaders};
use crate::request::{FORM_HEADERS, TokenRequest};
use crate::response::TokenResponse;
use crate::token::Token;

mod classify;
mod phases;
pub(crate) mod tls;

use classify::transport_error;
use phases::{Current, Phases, with_phases};

const USER_AGENT: &str = concat!("s2s-oauth/", env!("CARGO_PKG_VERSION"));

/// An `Agent` with safe defaults for a token client: a 30 s timeout, no redirects,
/// HTTP error statuses returned as responses.
///
/// The timeout is set as per-phase budgets that add up to 30 s (name lookup 3 s,
/// connect and TLS 6 s, sending the request 1.5 s + 1.5 s, the response head 15 s,
/// the body 3 s; see [`SendOptions::with_timeout`]), so a call made with this agent
/// directly (an API call) is bounded too. For a large download with it, give that
/// call a longer body budget:
///
/// ```no_run
/// use std::time::Duration;
/// let agent = s2s_oauth::agent();
/// let response = agent
///     .get("https://api.example.com/reports/big")
///     .config()
///     .timeout_recv_body(Some(Duration::from_secs(300)))
///     .build()
///     .call()?;
/// # let _ = response;
/// # Ok::<(), ureq::Error>(())
/// ```
///
/// Cheap to clone; share one per process or per job. Any agent works with
/// [`TokenRequest::send`]: the safety settings are applied per request anyway; with
/// this agent and the default [`SendOptions`], a request to a named host needs no
/// configuration of its own.
///
/// ```
/// let agent = s2s_oauth::agent();
/// # let _ = agent;
/// ```
pub fn agent() -> ureq::Agent {
    safe_agent(None)
}

/// The agent of [`agent`], with `tls` (trust and a client certificate) when given.
pub(crate) fn safe_agent(tls: Option<ureq::tls::TlsConfig>) -> ureq::Agent {
    let phases = Phases::of(SendOptions::DEFAULT_TIMEOUT, true);
    // An agent's config starts from ureq's defaults.
    let defaults = Current {
        timeouts: ureq::config::Timeouts::default(),
        per_read: None,
        per_write: None,
    };
    let mut config = with_phases!(ureq::Agent::config_builder(), &phases, &defaults)
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(USER_AGENT);
    if let Some(tls) = tls {
        config = config.tls_config(tls);
    }
    config.build().into()
}

/// Per-request limits for [`TokenRequest::send_with`].
///
/// ```
/// use std::time::Duration;
/// use s2s_oauth::SendOptions;
/// let options = SendOptions::new().with_timeout(Duration::from_secs(10)).with_body_limit(64 * 1024);
/// assert_eq!(options.timeout(), Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendOptions {
    timeout: Duration,
    body_limit: u64,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            timeout: SendOptions::DEFAULT_TIMEOUT,
            body_limit: SendOptions::DEFAULT_BODY_LIMIT,
        }
    }
}

impl SendOptions {
    /// The default whole-request timeout: 30 seconds.
    ///
    /// ```
    /// use std::time::Duration;
    /// use s2s_oauth::SendOptions;
    /// assert_eq!(SendOptions::new().timeout(), SendOptions::DEFAULT_TIMEOUT);
    /// assert_eq!(SendOptions::DEFAULT_TIMEOUT, Duration::from_secs(30));
    /// ```
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// The longest whole-request timeout accepted: one day. Longer ones (which a clock
    /// could not even represent past some size) are refused before anything is sent.
    ///
    /// ```
    /// use s2s_oauth::SendOptions;
    /// assert_eq!(SendOptions::MAX_TIMEOUT.as_secs(), 24 * 60 * 60);
    /// ```
    pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

    /// The default response body limit: 1 MiB.
    ///
    /// ```
    /// use s2s_oauth::SendOptions;
    /// assert_eq!(SendOptions::new().body_limit(), SendOptions::DEFAULT_BODY_LIMIT);
    /// assert_eq!(SendOptions::DEFAULT_BODY_LIMIT, 1024 * 1024);
    /// ```
    pub const DEFAULT_BODY_LIMIT: u64 = 1024 * 1024;

    /// The defaults: [`DEFAULT_TIMEOUT`](Self::DEFAULT_TIMEOUT) and
    /// [`DEFAULT_BODY_LIMIT`](Self::DEFAULT_BODY_LIMIT).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the request timeout: no request lasts longer (name lookup, connect and
    /// TLS, sending, receiving the response and its body, together).
    ///
    /// It is applied as per-phase budgets carved from it, which add up to it: the
    /// name lookup 1/10 (none when the host is an IP address), connect and TLS 1/5,
    /// sending the request head 1/20 and the body 1/20, waiting for and receiving
    /// the response head 1/2, receiving the body 1/10. **Each phase can fail on its
    /// own share**: with the default 30 s, a server that takes over 15 s to start
    /// answering (14.85 s in one silent wait: a single read or write may take 99 %
    /// of its phase's share), or a connect that takes over 6 s, times out although
    /// the whole 30 s are not spent. Give a slow server a larger timeout.
    /// (Per-phase budgets cost less than ureq's whole-request timeout, which runs
    /// every name lookup on a new thread.) The budgets replace the agent's own
    /// timeouts (global, per-call and per-phase) for this request; the agent's
    /// per-read and per-write timeouts still apply if shorter.
    ///
    /// A timeout of zero or above [`MAX_TIMEOUT`](Self::MAX_TIMEOUT) makes the send fail with
    /// [`Error::InvalidInput`] before anything is sent.
    ///
    /// ```
    /// use std::time::Duration;
    /// use s2s_oauth::SendOptions;
    /// // A server known to take up to 20 s before answering: 50 s in all.
    /// let options = SendOptions::new().with_timeout(Duration::from_secs(50));
    /// # assert_eq!(options.timeout(), Duration::from_secs(50));
    /// ```
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the largest response body accepted, in bytes (after decompression).
    pub fn with_body_limit(mut self, limit: u64) -> Self {
        self.body_limit = limit;
        self
    }

    /// The request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The body limit in bytes.
    pub fn body_limit(&self) -> u64 {
        self.body_limit
    }
}

impl TokenRequest {
    /// Builds, signs and sends the request with `agent`, and parses the answer.
    /// Uses the system clock and random source and [`SendOptions::default`].
    ///
    /// Blocking; no retries: on an error, [`Error::is_retryable`] and
    /// [`Error::retry_after`] tell the caller whether and when to try again.
    ///
    /// Here against the crate's local authorization server (feature `testkit`):
    ///
    /// ```
    /// # #[cfg(feature = "testkit")] {
    /// use s2s_oauth::testkit::{Client, Config, Profile, Server};
    /// use s2s_oauth::{ClientAuth, Grant, TokenRequest};
    ///
    /// let server = Server::start(Config::new(Profile::Generic).with_client(Client::new("app").with_secret("s3cr3t")))?;
    /// let request = TokenRequest::new(server.token_url(), Grant::client_credentials(), ClientAuth::basic("app", "s3cr3t"))?;
    /// let token = request.send(&s2s_oauth::agent())?;
    /// assert!(token.expires_in().is_some());
    ///
    /// let refused = TokenRequest::new(server.token_url(), Grant::client_credentials(), ClientAuth::basic("app", "wrong"))?
    ///     .send(&s2s_oauth::agent())
    ///     .unwrap_err();
    /// assert_eq!(refused.oauth_error().map(|e| e.code.as_str()), Some("invalid_client"));
    /// assert!(!refused.is_retryable());
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send(&self, agent: &ureq::Agent) -> Result<TokenResponse, Error> {
        self.send_with(agent, &SendOptions::default())
    }

    /// [`send`](Self::send) with explicit limits.
    pub fn send_with(
        &self,
        agent: &ureq::Agent,
        options: &SendOptions,
    ) -> Result<TokenResponse, Error> {
        // The same request as `to_http_request`, sent from its parts: the constant
        // headers and the URL are not copied into an `HttpRequest` first.
        let rng = SystemRandom::new();
        let send = |nonce: Option<&str>| {
            let now = SystemTime::now();
            let encoded = self.to_parts(now, &rng)?;
            let dpop = self.dpop_header(nonce, now, &rng)?;
            let headers = FORM_HEADERS
                .into_iter()
                .chain(
                    encoded
                        .auth_headers
                        .iter()
                        .map(|(name, value)| (*name, value.as_str())),
                )
                .chain(dpop.as_ref().map(|(name, value)| (*name, value.as_str())));
            post(agent, self.token_url(), headers, &encoded.body, options)
        };
        let response = send(None)?;
        // RFC 9449 §8: a server that wants a nonce refuses with `use_dpop_nonce`
        // and hands one out; the request goes once more, with a fresh proof
        // carrying it, and fresh client and grant assertions (a server may have
        // recorded the first ones' `jti` before it looked at the proof). A second
        // demand is the answer.
        if let Some(nonce) = self.dpop_nonce_demand(&response).map(str::to_owned) {
            let retried = send(Some(&nonce))?;
            let mut token = TokenResponse::parse(&retried, SystemTime::now())?;
            token.keep_dpop_nonce(&nonce);
            return Ok(token);
        }
        TokenResponse::parse(&response, SystemTime::now())
    }
}

impl TokenCache {
    /// The cached token if it is still good; otherwise sends `request` with
    /// `agent` and keeps the answer. The convenience over
    /// [`get_or_refresh`](Self::get_or_refresh) for the usual case: one request
    /// (JWT Bearer, Client Credentials...) sent again whenever a new token is
    /// needed. Like [`TokenRequest::send`], it reads the system clock; for a fixed
    /// clock, or to send a refresh grant built from the previous token's refresh
    /// token, use [`get_or_refresh`](Self::get_or_refresh).
    ///
    /// A new token keeps the previous one's refresh token when the server sent
    /// none ([`Token::keep_refresh_token_of`]). On an error nothing changes: the
    /// previous token stays, still marked for refresh.
    ///
    /// The first cache program, here against the crate's local authorization server
    /// (feature `testkit`):
    ///
    /// ```
    /// # #[cfg(feature = "testkit")] {
    /// use s2s_oauth::testkit::{Client, Config, Profile, Server};
    /// use s2s_oauth::{ClientAuth, Grant, TokenCache, TokenRequest};
    ///
    /// # let server = Server::start(Config::new(Profile::Generic).with_client(Client::new("app").with_secret("s3cr3t")))?;
    /// let agent = s2s_oauth::agent();
    /// let request = TokenRequest::new(server.token_url(), Grant::client_credentials(), ClientAuth::basic("app", "s3cr3t"))?;
    /// let mut cache = TokenCache::new();
    ///
    /// let first = cache.get_or_send(&request, &agent)?.clone();      // sent
    /// let again = cache.get_or_send(&request, &agent)?.clone();      // cached
    /// assert_eq!(first, again);
    ///
    /// cache.invalidate(); // the API answered 401: see HttpResponse::is_token_rejected
    /// let renewed = cache.get_or_send(&request, &agent)?;            // sent again
    /// assert_ne!(renewed, &first);
    /// # assert_eq!(server.requests().len(), 2);
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_or_send(
        &mut self,
        request: &TokenRequest,
        agent: &ureq::Agent,
    ) -> Result<&Token, Error> {
        self.get_or_refresh(SystemTime::now(), |previous| {
            let fresh = Token::from(request.send(agent)?);
            Ok(match previous {
                Some(previous) => fresh.keep_refresh_token_of(previous),
                None => fresh,
            })
        })
    }
}

impl HttpRequest {
    /// Sends this request with `agent` and returns the raw response, for callers
    /// who want to look at it before parsing. Applies the same per-request safety
    /// settings as [`TokenRequest::send`]. A `GET` request (discovery metadata) is
    /// sent without a body, anything else as a `POST` with its body.
    ///
    /// ```no_run
    /// use std::time::SystemTime;
    /// use ring::rand::SystemRandom;
    /// use s2s_oauth::{ClientAuth, Grant, SendOptions, TokenRequest, TokenResponse};
    ///
    /// let request = TokenRequest::new("https://idp.example.com/oauth2/token", Grant::client_credentials(), ClientAuth::basic("app", "secret"))?;
    /// let http = request.to_http_request(SystemTime::now(), &SystemRandom::new())?;
    /// let answer = http.send(&s2s_oauth::agent(), &SendOptions::new())?;
    /// println!("HTTP {}", answer.status()); // look at it, then parse it
    /// let token = TokenResponse::parse(&answer, SystemTime::now())?;
    /// # let _ = token;
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn send(&self, agent: &ureq::Agent, options: &SendOptions) -> Result<HttpResponse, Error> {
        send_http(agent, self, options)
    }
}

/// [`HttpRequest::send`], for the crate's own callers.
pub(crate) fn send_http(
    agent: &ureq::Agent,
    request: &HttpRequest,
    options: &SendOptions,
) -> Result<HttpResponse, Error> {
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| (*name, value.as_str()));
    let url = request.url();
    if request.method() == "GET" {
        check_timeout(options)?;
        let sent = Safety::for_request(agent, url, options)
            .apply(agent.get(url), headers)
            .call();
        read_response(sent, options)
    } else {
        post(agent, url, headers, request.body(), options)
    }
}

/// A `GET` (or, with `put`, a body-less `PUT`) whose header names are not
/// known at compile time (a credential file's `headers`), with the same safety
/// settings as [`send_http`]. For the providers' metadata and token-source
/// fetches; the URL is checked by the caller.
pub(crate) fn send_dynamic(
    agent: &ureq::Agent,
    put: bool,
    url: &str,
    headers: &[(&str, &str)],
    options: &SendOptions,
) -> Result<HttpResponse, Error> {
    check_timeout(options)?;
    let safety = Safety::for_request(agent, url, options);
    let headers = headers.iter().copied();
    let sent = if put {
        safety.apply(agent.put(url), headers).send_empty()
    } else {
        safety.apply(agent.get(url), headers).call()
    };
    read_response(sent, options)
}

/// POSTs `body` to `url` with `headers` and the safety settings; reads the
/// answer. A token request is always a POST: with the GET path apart (in
/// [`send_http`]), a program that only gets tokens carries no GET request code.
fn post<'a>(
    agent: &ureq::Agent,
    url: &str,
    headers: impl Iterator<Item = (&'static str, &'a str)>,
    body: &[u8],
    options: &SendOptions,
) -> Result<HttpResponse, Error> {
    check_timeout(options)?;
    let sent = Safety::for_request(agent, url, options)
        .apply(agent.post(url), headers)
        .send(body);
    read_response(sent, options)
}

/// Refuses a timeout of zero or over [`SendOptions::MAX_TIMEOUT`] before anything
/// is sent.
fn check_timeout(options: &SendOptions) -> Result<(), Error> {
    if options.timeout.is_zero() || options.timeout > SendOptions::MAX_TIMEOUT {
        return Err(Error::input(
            InputField::Timeout,
            InputProblem::OutOfRange,
            format!(
                "the request timeout is {:?}; give one above zero and at most 24 h (SendOptions::with_timeout)",
                options.timeout
            ),
        ));
    }
    Ok(())
}

/// The answer to a sent request, its body read up to the limit.
fn read_response(
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    options: &SendOptions,
) -> Result<HttpResponse, Error> {
    let response = sent.map_err(transport_error)?;
    HttpResponse::from_ureq_with_limit(response, options.body_limit)
}

impl HttpResponse {
    /// Reads a ureq response (status, headers, and the body up to
    /// [`SendOptions::DEFAULT_BODY_LIMIT`]) into an `HttpResponse`, for
    /// [`HttpResponse::is_token_rejected`] after an
    /// API call, or [`TokenResponse::parse`] after a token request sent by hand.
    ///
    /// Make the call with [`agent`] (or any agent built with
    /// `http_status_as_error(false)`): ureq's default agent (`ureq::get(url)`)
    /// turns a 401 into an `Err` without the headers and the body, and the
    /// response never gets here.
    ///
    /// A body over the limit is [`Error::BodyTooLarge`]
    /// ([`from_ureq_with_limit`](Self::from_ureq_with_limit) sets another limit);
    /// a connection lost while reading it is [`Error::Transport`].
    ///
    /// Against the local authorization server's protected resource (feature
    /// `testkit`), with the refresh-once loop:
    ///
    /// ```
    /// # #[cfg(feature = "testkit")] {
    /// use s2s_oauth::testkit::{Client, Config, Profile, Server};
    /// use s2s_oauth::{ClientAuth, Grant, HttpResponse, TokenRequest};
    ///
    /// # let server = Server::start(Config::new(Profile::Generic).with_client(Client::new("app").with_secret("s3cr3t")))?;
    /// let agent = s2s_oauth::agent(); // a 401 comes back as a response, not an Err
    /// let request = TokenRequest::new(server.token_url(), Grant::client_credentials(), ClientAuth::basic("app", "s3cr3t"))?;
    /// let call_api = |token: &str| -> Result<HttpResponse, Box<dyn std::error::Error>> {
    ///     let response = agent.get(server.resource_url()).header("Authorization", format!("Bearer {token}")).call()?;
    ///     Ok(HttpResponse::from_ureq(response)?)
    /// };
    ///
    /// let token = request.send(&agent)?;
    /// server.expire_access_tokens();
    /// let mut response = call_api(token.access_token().expose_secret())?;
    /// if response.is_token_rejected() {
    ///     let token = request.send(&agent)?; // a new token, then retry once
    ///     response = call_api(token.access_token().expose_secret())?;
    /// }
    /// assert_eq!(response.status(), 200);
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_ureq(response: ureq::http::Response<ureq::Body>) -> Result<Self, Error> {
        Self::from_ureq_with_limit(response, SendOptions::DEFAULT_BODY_LIMIT)
    }

    /// [`from_ureq`](Self::from_ureq) with a body limit of `limit` bytes (after
    /// decompression).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let response = s2s_oauth::agent().get("https://api.example.com/reports").call()?;
    /// let report = s2s_oauth::HttpResponse::from_ureq_with_limit(response, 16 * 1024 * 1024)?;
    /// # let _ = report;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_ureq_with_limit(
        mut response: ureq::http::Response<ureq::Body>,
        limit: u64,
    ) -> Result<Self, Error> {
        let status = response.status().as_u16();
        // A value with bytes beyond visible ASCII (UTF-8 in a realm or a Location) is
        // kept, decoded lossily, rather than dropped with what it says. (Visible
        // ASCII decodes to itself: no separate `to_str` check is needed.)
        let len = response
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        let mut headers = PackedHeaders::with_capacity(response.headers().len(), len);
        for (name, value) in response.headers() {
            headers.push(name.as_str(), &String::from_utf8_lossy(value.as_bytes()));
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => Error::BodyTooLarge { limit },
                other => transport_error(other),
            })?;
        Ok(HttpResponse::packed(status, headers, body))
    }
}

/// The same as [`HttpResponse::from_ureq`] (the default body limit).
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use s2s_oauth::HttpResponse;
/// let response: HttpResponse = s2s_oauth::agent().get("https://api.example.com/").call()?.try_into()?;
/// # let _ = response;
/// # Ok(())
/// # }
/// ```
impl TryFrom<ureq::http::Response<ureq::Body>> for HttpResponse {
    type Error = Error;

    fn try_from(response: ureq::http::Response<ureq::Body>) -> Result<Self, Error> {
        HttpResponse::from_ureq(response)
    }
}

/// The per-request safety settings (no redirects, statuses as responses, the
/// timeout as per-phase budgets, plain http never through a proxy), worked out for
/// one request and agent: only what the agent does not have already is set on the
/// request (a request-level config copies the agent's whole config, and each
/// setter looks it up again).
struct Safety {
    phases: Phases,
    /// The agent's own timeouts.
    agent_timeouts: Current,
    /// The agent follows redirects: set 0.
    redirects: bool,
    /// The agent turns 4xx/5xx into errors: turn that off.
    status_errors: bool,
    /// Plain http (to a loopback host) with an agent that has a proxy: go direct.
    unproxy: bool,
}

impl Safety {
    fn for_request(agent: &ureq::Agent, url: &str, options: &SendOptions) -> Self {
        let config = agent.config();
        Safety {
            phases: Phases::of(options.timeout, !crate::url::host_is_ip(url)),
            agent_timeouts: Current::of(config),
            redirects: config.max_redirects() != 0,
            status_errors: config.http_status_as_error(),
            unproxy: config.proxy().is_some() && is_plain_http(url),
        }
    }

    /// Whether the agent has every setting already, so the request needs no config
    /// of its own: [`agent`] with the default [`SendOptions`] and a named host.
    fn agent_has_them(&self) -> bool {
        !self.redirects
            && !self.status_errors
            && !self.unproxy
            && self.phases.are(&self.agent_timeouts)
    }

    /// The settings and the request's headers, on any ureq request builder.
    fn apply<'n, 'a, B>(
        &self,
        builder: ureq::RequestBuilder<B>,
        headers: impl Iterator<Item = (&'n str, &'a str)>,
    ) -> ureq::RequestBuilder<B> {
        let mut builder = if self.agent_has_them() {
            builder
        } else {
            let mut config = with_phases!(builder.config(), &self.phases, &self.agent_timeouts);
            if self.redirects {
                config = config.max_redirects(0);
            }
            if self.status_errors {
                config = config.http_status_as_error(false);
            }
            if self.unproxy {
                // Plain http is allowed only to a loopback host (crate::url): the server
                // is on this machine, and a proxy (ureq's default agent takes one from
                // HTTP_PROXY / ALL_PROXY) would see the credentials in clear text.
                config = config.proxy(None);
            }
            config.build()
        };
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        builder
    }
}

/// Whether `url` is plain `http://` (scheme compared case-insensitively).
fn is_plain_http(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
}
