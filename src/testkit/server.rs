//! The server handle and its one thread.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use ring::rand::SystemRandom;

use super::config::{Config, Profile};
use super::faults::Fault;
use super::github;
use super::google;
use super::introspect::{self, INTROSPECT_PATH};
use super::jwt_access;
use super::metadata;
use super::record::RecordedRequest;
use super::resource::{self, RESOURCE_PATH};
use super::revoke::{self, REVOKE_PATH};
use super::salesforce_exchange;
use super::state::State;
use super::tls;
use super::token::{self, Ctx};
use super::userinfo::{self, IDENTITY_PREFIX, USERINFO_PATH};
use super::wire::{self, Conn, Request, Response};
use crate::secrets::RefreshToken;

/// The token endpoint path, below the base URL (both profiles).
const TOKEN_PATH: &str = "/services/oauth2/token";
/// How often the listener looks for a new connection.
const ACCEPT_POLL: Duration = Duration::from_millis(5);
/// Salesforce's login host: the default `aud` of the Salesforce profile.
const SALESFORCE_AUDIENCE: &str = "https://login.salesforce.com";

/// A running local authorization server on `127.0.0.1` (an ephemeral port), served
/// by one thread. It stops when dropped.
///
/// Endpoints:
/// - `POST /services/oauth2/token`: the token endpoint (RFC 6749 §3.2) for the JWT
///   bearer (RFC 7523), client credentials (RFC 6749 §4.4) and refresh token
///   (RFC 6749 §6) grants, with every client authentication method, and the token
///   exchange grant (RFC 8693; with the Salesforce profile, Salesforce's token
///   exchange and asset token flows).
/// - `POST /services/a360/token` (Salesforce profile only): the Data Cloud
///   exchange (`grant_type=urn:salesforce:grant-type:external:cdp`), a live access
///   token for a Data Cloud token and an `instance_url`.
/// - `GET /services/data/v60.0/`: a protected resource (RFC 6750) that answers 200
///   for a live access token and 401 otherwise (a certificate-bound token also
///   without its client certificate on the connection).
/// - `POST /services/oauth2/introspect`: token introspection (RFC 7662) with the
///   certificate binding (`cnf`, RFC 8705 §3.2).
/// - `POST /v1/token` and
///   `POST /v1/projects/-/serviceAccounts/<email>:generateAccessToken`: Google's
///   STS and IAM Credentials shapes ([`google_sts_url`](Self::google_sts_url)).
/// - `GET /jwks`: the JWK Set (RFC 7517 §5) of the key that signs JWT access
///   tokens when [`Config::with_jwt_access_tokens`](super::Config::with_jwt_access_tokens)
///   is set (empty otherwise), named as `jwks_uri` in the metadata.
/// - `GET /.well-known/oauth-authorization-server` (RFC 8414) and
///   `GET /.well-known/openid-configuration` (OpenID Connect Discovery): metadata
///   with `issuer` = the base URL and the token endpoint.
///
/// Every response closes its connection (`Connection: close`). Request heads are
/// limited to 16 KiB and bodies to 64 KiB (413 beyond); a client has 5 s to send its
/// request. Requests are served one at a time.
///
/// ```
/// use s2s_oauth::testkit::{Client, Config, Profile, Server};
/// let server = Server::start(
///     Config::new(Profile::Salesforce).with_client(Client::new("app").with_secret("s3cr3t")),
/// )?;
/// assert!(server.token_url().starts_with("http://127.0.0.1:"));
/// assert!(server.token_url().ends_with("/services/oauth2/token"));
/// assert_eq!(server.audience(), "https://login.salesforce.com");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Server {
    base_url: String,
    audience: String,
    profile: Profile,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("base_url", &self.base_url)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

/// Everything the server thread owns.
struct Worker {
    config: Config,
    base_url: String,
    token_url: String,
    audience: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    rng: SystemRandom,
    /// The TLS listener's configuration ([`Server::start_tls`]).
    tls: Option<Arc<rustls::ServerConfig>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while the lock was held cannot leave the state half-updated in a way
    // that matters for a test server: keep serving.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Server {
    /// Binds `127.0.0.1:0` and starts serving on one thread.
    pub fn start(config: Config) -> io::Result<Server> {
        Self::start_with(config, None)
    }

    /// Binds `127.0.0.1:0` and serves HTTPS on one thread: the same endpoints
    /// behind TLS, with a certificate for `127.0.0.1` and `localhost` from the test
    /// CA [`TLS_CA_PEM`](super::TLS_CA_PEM) (trust it with
    /// [`AgentTls::with_ca_pem`](crate::tls::AgentTls::with_ca_pem)). The
    /// handshake asks for a client certificate, which the client may decline:
    /// clients registered for `tls_client_auth`
    /// ([`Client::with_tls_client_auth_subject_dn`](super::Client::with_tls_client_auth_subject_dn),
    /// [`with_tls_client_auth_san_dns`](super::Client::with_tls_client_auth_san_dns),
    /// against [`Config::with_client_ca`]) or `self_signed_tls_client_auth`
    /// ([`Client::with_self_signed_certificate`](super::Client::with_self_signed_certificate))
    /// authenticate with it (RFC 8705 §2), and clients registered
    /// [`with_certificate_bound_tokens`](super::Client::with_certificate_bound_tokens)
    /// get tokens bound to it (RFC 8705 §3), which the protected resource takes
    /// only over a connection with that certificate.
    ///
    /// ```
    /// use s2s_oauth::testkit::{self, Client, Config, Profile, Server};
    /// use s2s_oauth::tls::AgentTls;
    /// use s2s_oauth::{Certificate, ClientAuth, Grant, TokenRequest};
    ///
    /// let server = Server::start_tls(
    ///     Config::new(Profile::Generic)
    ///         .with_client_ca(Certificate::from_pem(include_str!("../../tests/data/tls/client-ca.cert.pem"))?)
    ///         .with_client(Client::new("mtls-client").with_tls_client_auth_subject_dn("CN=mtls-client,O=s2s-oauth tests")),
    /// )?;
    /// assert!(server.token_url().starts_with("https://127.0.0.1:"));
    /// let agent = AgentTls::new()
    ///     .with_ca_pem(testkit::TLS_CA_PEM)?
    ///     .with_client_cert_files("tests/data/tls/client.cert.pem", "tests/data/tls/client.key.pem")?
    ///     .agent();
    /// let request = TokenRequest::new(server.token_url(), Grant::client_credentials(), ClientAuth::tls_client_auth("mtls-client")?)?;
    /// let token = request.send(&agent)?;
    /// # let _ = token;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start_tls(config: Config) -> io::Result<Server> {
        Self::start_with(config, Some(tls::server_config()?))
    }

    fn start_with(config: Config, tls: Option<Arc<rustls::ServerConfig>>) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{addr}");
        let token_url = format!("{base_url}{TOKEN_PATH}");
        let profile = config.profile;
        let audience = config.audience.clone().unwrap_or_else(|| match profile {
            Profile::Salesforce => SALESFORCE_AUDIENCE.to_owned(),
            Profile::Generic => token_url.clone(),
        });
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            config,
            base_url: base_url.clone(),
            token_url,
            audience: audience.clone(),
            state: Arc::clone(&state),
            stop: Arc::clone(&stop),
            rng: SystemRandom::new(),
            tls,
        };
        let thread = std::thread::Builder::new()
            .name("s2s-oauth-testkit".into())
            .spawn(move || worker.run(listener))?;
        Ok(Server {
            base_url,
            audience,
            profile,
            state,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT` (`https://` for [`start_tls`](Self::start_tls)): the
    /// `instance_url` of Salesforce responses.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The token endpoint: the base URL + `/services/oauth2/token` (both profiles).
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.base_url)
    }

    /// The introspection endpoint (RFC 7662): the base URL +
    /// `/services/oauth2/introspect`. It answers `active`, `exp`, and for a
    /// certificate-bound token `cnf` with `x5t#S256` (RFC 8705 §3.2); for a refresh
    /// token `client_id`, `username` and `scope`. Client credentials, when sent,
    /// are checked as at the token endpoint (a client assertion's `aud`: this URL
    /// or the base URL); a caller with none is answered too.
    pub fn introspection_url(&self) -> String {
        format!("{}{INTROSPECT_PATH}", self.base_url)
    }

    /// The Google STS shape's token endpoint: the base URL + `/v1/token` (see
    /// [`Config::with_google_provider`]); the `token_url` of an
    /// `external_account` credential file that runs against this server.
    pub fn google_sts_url(&self) -> String {
        format!("{}{}", self.base_url, google::STS_PATH)
    }

    /// IAM Credentials `generateAccessToken` for the service account `email`
    /// (see [`Config::with_google_service_account`]): the base URL +
    /// `/v1/projects/-/serviceAccounts/<email>:generateAccessToken`, a file's
    /// `service_account_impersonation_url`.
    ///
    /// ```
    /// use s2s_oauth::testkit::{Config, Profile, Server};
    /// let server = Server::start(Config::new(Profile::Generic))?;
    /// assert!(server
    ///     .google_impersonation_url("robot@p.iam.gserviceaccount.com")
    ///     .ends_with("/v1/projects/-/serviceAccounts/robot@p.iam.gserviceaccount.com:generateAccessToken"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn google_impersonation_url(&self, email: &str) -> String {
        format!(
            "{}{}{email}{}",
            self.base_url,
            google::IAM_PREFIX,
            google::GENERATE_SUFFIX
        )
    }

    /// GitHub Actions' OIDC token endpoint (see
    /// [`Config::with_github_actions_oidc`]): what a job finds in
    /// `ACTIONS_ID_TOKEN_REQUEST_URL`, the base URL +
    /// `/_apis/actions/idtoken?api-version=2.0`.
    pub fn github_actions_oidc_url(&self) -> String {
        format!("{}{}?api-version=2.0", self.base_url, github::PATH)
    }

    /// The revocation endpoint (RFC 7009): the base URL +
    /// `/services/oauth2/revoke`. It wants client authentication (any method the
    /// token endpoint takes); an access token is revoked alone, a refresh token
    /// with its grant's refresh and access tokens; `token_type_hint` other than
    /// `access_token` / `refresh_token` is `unsupported_token_type`.
    pub fn revocation_url(&self) -> String {
        format!("{}{REVOKE_PATH}", self.base_url)
    }

    /// The protected resource: the base URL + `/services/data/v60.0/`.
    pub fn resource_url(&self) -> String {
        format!("{}{RESOURCE_PATH}", self.base_url)
    }

    /// The `aud` JWT bearer assertions must carry (see [`Config::with_audience`]).
    pub fn audience(&self) -> String {
        self.audience.clone()
    }

    /// The response profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Issues a refresh token to `client_id` for `username`, as a prior
    /// authorization-code flow would have. It works with the refresh grant of that
    /// client only.
    ///
    /// Should the system random source fail (it does not on supported platforms),
    /// the token returned is empty and the server refuses it.
    ///
    /// ```
    /// use s2s_oauth::testkit::{Client, Config, Profile, Server};
    /// let server = Server::start(Config::new(Profile::Generic).with_client(Client::new("app")))?;
    /// let token = server.issue_refresh_token("app", "alice@example.com");
    /// assert!(!token.expose_secret().is_empty());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn issue_refresh_token(&self, client_id: &str, username: &str) -> RefreshToken {
        let rng = SystemRandom::new();
        let issued = lock(&self.state).issue_refresh(&rng, self.profile, client_id, username, None);
        RefreshToken::new(issued.map(|(token, _)| token).unwrap_or_default())
    }

    /// Makes every access token issued so far expired: the resource answers 401 to
    /// them from now on. Tokens issued later are fresh.
    pub fn expire_access_tokens(&self) {
        lock(&self.state).expire_access(SystemTime::now());
    }

    /// Hands out a new DPoP nonce (with [`Config::with_dpop_nonces`]): proofs
    /// carrying the old one are refused with `use_dpop_nonce` and the new one, as
    /// a server rotating its nonces does (RFC 9449 §8).
    pub fn rotate_dpop_nonce(&self) {
        lock(&self.state).rotate_dpop_nonce();
    }

    /// Applies `fault` to the next `times` requests, whatever their path. Faults
    /// injected earlier apply first.
    ///
    /// ```
    /// use s2s_oauth::testkit::{Config, Fault, Profile, Server};
    /// let server = Server::start(Config::new(Profile::Generic))?;
    /// server.inject(Fault::status(503, "text/html", "<h1>maintenance</h1>"), 2);
    /// server.inject(Fault::DropConnection, 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn inject(&self, fault: Fault, times: usize) {
        lock(&self.state).faults.push(fault, times);
    }

    /// The requests received so far, in order (at most the last 10 000). Requests too
    /// malformed to parse are not recorded.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).requests.clone()
    }
}

impl Drop for Server {
    /// Stops the thread and closes the listening socket. Waits at most for the
    /// request being served (a client has 5 s to send one; an injected delay is cut
    /// short).
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Worker {
    /// Accepts connections until the handle is dropped. The listener polls (every
    /// few milliseconds) rather than blocks, so that stopping never depends on
    /// waking a blocked `accept`.
    fn run(self, listener: TcpListener) {
        if listener.set_nonblocking(true).is_err() {
            return;
        }
        while !self.stop.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((stream, _)) => {
                    if stream.set_nonblocking(false).is_err() {
                        continue;
                    }
                    // Nothing in `serve` should panic; if it did, the server must go on.
                    let _ = catch_unwind(AssertUnwindSafe(|| self.serve(stream)));
                }
                // WouldBlock (nothing to accept), or out of file descriptors and the
                // like: wait a little.
                Err(_) => std::thread::sleep(ACCEPT_POLL),
            }
        }
    }

    fn serve(&self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
        match &self.tls {
            None => self.serve_on(stream, Vec::new()),
            Some(config) => {
                if let Some((tls, peers)) = tls::accept(config, stream) {
                    self.serve_on(tls, peers);
                }
            }
        }
    }

    /// Serves one request on a connection whose client presented `peers` (its TLS
    /// certificate chain; empty for none).
    fn serve_on(&self, mut stream: impl Conn, peers: Vec<Vec<u8>>) {
        let mut request = match wire::read_request(&mut stream) {
            Ok(request) => request,
            Err(failure) => {
                if let Some(response) = failure.response() {
                    wire::respond(stream, &response);
                }
                return;
            }
        };
        request.peer_certificates = peers;
        let fault = {
            let mut state = lock(&self.state);
            state.record(record(&request));
            state.faults.next()
        };
        match fault {
            Some(Fault::DropConnection) => return wire::drop_connection(stream),
            Some(Fault::Status {
                status,
                content_type,
                body,
                headers,
            }) => {
                let mut response = Response::new(status, &content_type, body);
                self.stamp(&mut response);
                response.headers.extend(headers);
                return wire::respond(stream, &response);
            }
            Some(Fault::Delay(delay)) => self.sleep(delay),
            None => {}
        }
        let mut response =
            catch_unwind(AssertUnwindSafe(|| self.route(&request))).unwrap_or_else(|_| {
                Response::new(500, "text/plain;charset=UTF-8", "testkit server error")
            });
        self.stamp(&mut response);
        wire::respond(stream, &response);
    }

    /// The `Date` header (RFC 9110 §6.6.1), off by the configured skew.
    fn stamp(&self, response: &mut Response) {
        let now = SystemTime::now();
        let skew = Duration::from_secs(self.config.date_skew.unsigned_abs());
        let date = if self.config.date_skew >= 0 {
            now.checked_add(skew)
        } else {
            now.checked_sub(skew)
        };
        if let Some(date) = date.and_then(crate::time::format_http_date) {
            response.headers.push(("Date".to_owned(), date));
        }
    }

    /// Sleeps `delay`, cut short when the server is being dropped.
    fn sleep(&self, delay: Duration) {
        let started = Instant::now();
        while !self.stop.load(Ordering::SeqCst) {
            let left = delay.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(20)));
        }
    }

    /// What the handlers need to know about the server, for `request`.
    fn ctx<'c>(&'c self, request: &'c Request) -> Ctx<'c> {
        Ctx {
            config: &self.config,
            base_url: &self.base_url,
            token_url: &self.token_url,
            audience: &self.audience,
            rng: &self.rng,
            dpop_jkt: None,
            peer_certificates: &request.peer_certificates,
        }
    }

    fn route(&self, request: &Request) -> Response {
        let now = SystemTime::now();
        let path = request.path();
        if path == TOKEN_PATH {
            let ctx = self.ctx(request);
            token::handle(&ctx, request, &mut lock(&self.state), now)
        } else if path == salesforce_exchange::DATA_CLOUD_PATH
            && self.config.profile == Profile::Salesforce
        {
            let ctx = self.ctx(request);
            salesforce_exchange::data_cloud(&ctx, request, &mut lock(&self.state), now)
        } else if path == github::PATH {
            github::handle(&self.config, request, &self.rng, now)
        } else if path == google::STS_PATH {
            let ctx = self.ctx(request);
            google::sts(&ctx, request, &mut lock(&self.state), now)
        } else if path.starts_with(google::IAM_PREFIX) && path.ends_with(google::GENERATE_SUFFIX) {
            let ctx = self.ctx(request);
            google::generate_access_token(&ctx, request, &mut lock(&self.state), now)
        } else if path == INTROSPECT_PATH || path == REVOKE_PATH {
            // Client assertions name the endpoint they are sent to (or the base URL).
            let endpoint = format!("{}{path}", self.base_url);
            let ctx = Ctx {
                token_url: &endpoint,
                ..self.ctx(request)
            };
            let handle = if path == REVOKE_PATH {
                revoke::handle
            } else {
                introspect::handle
            };
            handle(&ctx, request, &mut lock(&self.state), now)
        } else if path == USERINFO_PATH || path.starts_with(IDENTITY_PREFIX) {
            userinfo::handle(&self.base_url, request, &lock(&self.state), now)
        } else if path == jwt_access::JWKS_PATH {
            jwt_access::handle(request, &self.config)
        } else if path == metadata::OAUTH_PATH || path == metadata::OPENID_PATH {
            metadata::handle(request, &self.base_url, &self.token_url, self.tls.is_some())
        } else if path == RESOURCE_PATH || Some(path) == RESOURCE_PATH.strip_suffix('/') {
            let url = format!("{}{RESOURCE_PATH}", self.base_url);
            resource::handle(
                &self.config,
                &url,
                request,
                &mut lock(&self.state),
                &self.rng,
                now,
            )
        } else {
            Response::new(
                404,
                "text/plain;charset=UTF-8",
                "not found: the testkit serves /services/oauth2/token, /services/oauth2/introspect, /services/oauth2/revoke, /services/oauth2/userinfo, /id/, /services/data/v60.0/, /services/a360/token (Salesforce profile), /jwks, the metadata at /.well-known/oauth-authorization-server and /.well-known/openid-configuration, and Google's and GitHub's shapes at /v1/token, /v1/projects/-/serviceAccounts/<email>:generateAccessToken and /_apis/actions/idtoken",
            )
        }
    }
}

/// The log entry for a request: the form is decoded when the body is one.
fn record(request: &Request) -> RecordedRequest {
    let is_form = request.is_form();
    let form = if is_form {
        crate::form::decode_pairs(&request.body).unwrap_or_default()
    } else {
        Vec::new()
    };
    RecordedRequest {
        method: request.method.clone(),
        path: request.target.clone(),
        headers: request.headers.clone(),
        form,
    }
}
