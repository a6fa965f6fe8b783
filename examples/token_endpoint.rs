//! A token endpoint on the standard library alone (`std::net::TcpListener`, one
//! blocking thread), built on `s2s_oauth::server`: the endpoint a Salesforce Named
//! Credential calls with the JWT bearer grant (an External Credential of the
//! "OAuth 2.0 / JWT Bearer Flow" protocol: Salesforce signs an RS256 JWT with its
//! certificate, `iss` and `sub` as configured there, and posts it here).
//!
//! ```sh
//! # Salesforce's certificate (exported from Setup > Certificate and Key
//! # Management) verifies the assertions of issuer "salesforce-org":
//! cargo run --example token_endpoint -- --listen 127.0.0.1:8080 \
//!     --issuer salesforce-org=salesforce.crt --audience https://api.example.com \
//!     --client reporting --client-secret-file reporting=reporting.secret \
//!     --client-key batch=batch.pub.pem --requests 100
//! ```
//!
//! It serves `POST /token` with the JWT bearer grant (RFC 7523) from registered
//! issuers and client credentials (RFC 6749 §4.4) for registered clients
//! (`client_secret_basic` with encoded or raw credentials, `client_secret_post`,
//! `private_key_jwt`, `client_secret_jwt`), and answers as RFC 6749 §5 says. It
//! stops after `--requests N` requests, and prints `PORT <n>` and `listening on
//! http://ADDR` first, so a script can read the port (`--listen 127.0.0.1:0`, the
//! default, picks one).
//! Access tokens are random and not remembered: a real service stores them, or
//! issues JWTs its resource servers verify. Put TLS in front of it (a reverse
//! proxy) anywhere but on loopback: Salesforce calls https endpoints only.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use ring::rand::{SecureRandom, SystemRandom};
use s2s_oauth::server::{
    self, Client, Endpoint, ErrorCode, GrantType, Issuer, MAX_BODY, Refusal, Request, Success,
};
use s2s_oauth::{Certificate, HttpResponse, VerifyingKey};

/// How long issued access tokens live.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// The largest request head read.
const MAX_HEAD: usize = 16 * 1024;

/// What the endpoint knows: its clients, its issuers, its policy.
pub struct Registry {
    pub clients: BTreeMap<String, Client>,
    pub issuers: BTreeMap<String, Issuer>,
    pub endpoint: Endpoint,
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut listen = "127.0.0.1:0".to_owned();
    let mut token_url = None;
    let mut audience = None;
    let mut requests = usize::MAX;
    let mut clients: BTreeMap<String, Client> = BTreeMap::new();
    let mut issuers: BTreeMap<String, Issuer> = BTreeMap::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => listen = value()?,
            "--token-url" => token_url = Some(value()?),
            "--audience" => audience = Some(value()?),
            "--requests" => {
                requests = value()?
                    .parse()
                    .map_err(|_| "--requests takes a number".to_owned())?
            }
            "--client" => {
                let id = value()?;
                clients.insert(id.clone(), Client::new(id));
            }
            "--client-secret-file" => {
                let (id, file) = pair(&value()?)?;
                let secret = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
                let secret = secret.strip_suffix('\n').unwrap_or(&secret).to_owned();
                let client = clients
                    .remove(&id)
                    .unwrap_or_else(|| Client::new(id.clone()));
                clients.insert(id, client.with_secret(secret));
            }
            "--client-key" => {
                let (id, file) = pair(&value()?)?;
                let client = clients
                    .remove(&id)
                    .unwrap_or_else(|| Client::new(id.clone()));
                clients.insert(id, client.with_keys(public_key(&file)?));
            }
            "--issuer" => {
                let (name, file) = pair(&value()?)?;
                let issuer = Issuer::new(name.clone()).with_keys(public_key(&file)?);
                issuers.insert(name, issuer);
            }
            other => {
                return Err(format!(
                    "unknown flag {other}; see the example's doc comment"
                ));
            }
        }
    }
    let listener = TcpListener::bind(&listen).map_err(|e| format!("{listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let token_url = token_url.unwrap_or(format!("http://{addr}/token"));
    let base = token_url.trim_end_matches("/token").to_owned();
    let endpoint = Endpoint::new(token_url.as_str())
        .with_client_assertion_audience(base)
        .with_grant_audience(audience.unwrap_or(token_url));
    let registry = Registry {
        clients,
        issuers,
        endpoint,
    };
    println!("PORT {}", addr.port());
    println!("listening on http://{addr}");
    io::stdout().flush().map_err(|e| e.to_string())?;
    serve(&listener, &registry, requests, &AtomicBool::new(false)).map_err(|e| e.to_string())
}

/// `ID=FILE`.
fn pair(value: &str) -> Result<(String, String), String> {
    value
        .split_once('=')
        .map(|(id, file)| (id.to_owned(), file.to_owned()))
        .ok_or(format!("{value:?}: write ID=FILE"))
}

/// A PEM public key or certificate.
fn public_key(file: &str) -> Result<VerifyingKey, String> {
    let pem = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    VerifyingKey::from_pem(&pem)
        .or_else(|_| Certificate::from_pem(&pem).and_then(|c| c.verifying_key()))
        .map_err(|e| format!("{file}: {e}"))
}

/// Serves `max_requests` connections (one request each), or until `stop` is set
/// (checked between connections).
pub fn serve(
    listener: &TcpListener,
    registry: &Registry,
    max_requests: usize,
    stop: &AtomicBool,
) -> io::Result<()> {
    let rng = SystemRandom::new();
    let mut seen: HashMap<String, SystemTime> = HashMap::new();
    for _ in 0..max_requests {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let (stream, _) = listener.accept()?;
        // One bad connection must not stop the endpoint.
        let _ = handle(stream, registry, &mut seen, &rng);
    }
    Ok(())
}

fn handle(
    mut stream: TcpStream,
    registry: &Registry,
    seen: &mut HashMap<String, SystemTime>,
    rng: &dyn SecureRandom,
) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let response = match read_request(&mut stream)? {
        Ok((method, path, headers, body)) if path == "/token" => answer(
            &method,
            &headers,
            &body,
            registry,
            seen,
            rng,
            SystemTime::now(),
        ),
        Ok(_) => plain(404, "only /token is served here"),
        Err(response) => response,
    };
    write_response(&mut stream, &response)
}

/// The token endpoint: parse, authenticate, verify the grant, decide, answer.
pub fn answer(
    method: &str,
    headers: &[(String, String)],
    body: &[u8],
    registry: &Registry,
    seen: &mut HashMap<String, SystemTime>,
    rng: &dyn SecureRandom,
    now: SystemTime,
) -> HttpResponse {
    let result = (|| {
        let request = Request::parse(method, headers, body)?;
        let caller = server::authenticate(
            &request,
            &registry.clients,
            &registry.endpoint,
            None,
            seen,
            now,
        )?;
        let subject = match request.grant() {
            GrantType::JwtBearer => {
                let grant = server::verify_jwt_bearer(
                    &request,
                    &registry.issuers,
                    &registry.endpoint,
                    seen,
                    now,
                )?;
                // The decision is the service's: here any subject of a registered
                // issuer gets a token.
                grant.subject().unwrap_or(grant.issuer()).to_owned()
            }
            GrantType::ClientCredentials => caller.require()?.id().to_owned(),
            _ => {
                return Err(Refusal::new(
                    ErrorCode::UnsupportedGrantType,
                    format!(
                        "grant_type {} is not served; use {} or client_credentials",
                        request.grant_type(),
                        server::JWT_BEARER
                    ),
                ));
            }
        };
        let mut bytes = [0u8; 32];
        rng.fill(&mut bytes)
            .map_err(|_| Refusal::new(ErrorCode::ServerError, "the random source failed"))?;
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut success = Success::bearer(token)
            .with_expires_in(TOKEN_LIFETIME)
            .with_field("sub", subject);
        if let Some(scope) = request.param("scope") {
            success = success.with_scope(scope);
        }
        Ok::<_, Refusal>(success)
    })();
    match result {
        Ok(success) => success.to_http_response(),
        Err(refusal) => refusal.to_http_response(),
    }
}

type Head = (String, String, Vec<(String, String)>, Vec<u8>);

/// Reads one HTTP/1.1 request: the request line, the headers, a body of
/// `Content-Length` bytes. `Ok(Err(response))` answers a request that cannot be
/// served.
fn read_request(stream: &mut TcpStream) -> io::Result<Result<Head, HttpResponse>> {
    let mut reader = BufReader::new(stream.take((MAX_HEAD + MAX_BODY) as u64));
    let mut line = String::new();
    let mut head_len = 0;
    let mut read_line = |reader: &mut BufReader<_>, line: &mut String| -> io::Result<bool> {
        line.clear();
        let n = reader.read_line(line)?;
        head_len += n;
        Ok(n > 0 && head_len <= MAX_HEAD)
    };
    if !read_line(&mut reader, &mut line)? {
        return Ok(Err(plain(400, "no request line")));
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Ok(Err(plain(400, "malformed request line")));
    };
    let (method, path) = (method.to_owned(), path.to_owned());
    let mut headers = Vec::new();
    loop {
        if !read_line(&mut reader, &mut line)? {
            return Ok(Err(plain(431, "request head too large or cut short")));
        }
        let text = line.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        let Some((name, value)) = text.split_once(':') else {
            return Ok(Err(plain(400, "malformed header line")));
        };
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if header("Transfer-Encoding").is_some() {
        return Ok(Err(plain(411, "send a Content-Length")));
    }
    let length = match header("Content-Length").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) if n <= MAX_BODY => n,
        Some(Ok(_)) => return Ok(Err(plain(413, "request body too large"))),
        Some(Err(_)) => return Ok(Err(plain(400, "malformed Content-Length"))),
    };
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Ok((method, path, headers, body)))
}

fn plain(status: u16, text: &str) -> HttpResponse {
    HttpResponse::new(
        status,
        vec![("Content-Type".into(), "text/plain;charset=UTF-8".into())],
        text.as_bytes().to_vec(),
    )
}

fn write_response(stream: &mut TcpStream, response: &HttpResponse) -> io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status(),
        reason(response.status())
    );
    for (name, value) in response.headers() {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body().len()
    ));
    stream.write_all(out.as_bytes())?;
    stream.write_all(response.body())?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use s2s_oauth::jwt::Claims;
    use s2s_oauth::{ClientAuth, Grant, SigningKey, TokenRequest};
    use std::sync::Arc;

    const KEY: &str = include_str!("../tests/data/keys/rsa2048.pkcs8.pem");

    /// The endpoint on an ephemeral loopback port, serving `n` requests.
    fn start(n: usize) -> (String, std::thread::JoinHandle<()>) {
        let key = SigningKey::from_pem(KEY).unwrap().verifying_key();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        let registry = Registry {
            clients: [
                (
                    "job".to_owned(),
                    Client::new("job").with_secret("s3cr+t /x"),
                ),
                (
                    "signer".to_owned(),
                    Client::new("signer").with_keys(key.clone()),
                ),
            ]
            .into(),
            issuers: [(
                "salesforce-org".to_owned(),
                Issuer::new("salesforce-org").with_keys(key),
            )]
            .into(),
            endpoint: Endpoint::new(url.as_str()).with_grant_audience("https://api.example.com"),
        };
        let stop = Arc::new(AtomicBool::new(false));
        let handle = std::thread::spawn(move || serve(&listener, &registry, n, &stop).unwrap());
        (url, handle)
    }

    #[test]
    fn the_crates_own_client_gets_tokens_every_way() {
        let (url, server) = start(4);
        let agent = s2s_oauth::agent();
        let key = SigningKey::from_pem(KEY).unwrap();
        let basic = TokenRequest::new(
            &url,
            Grant::client_credentials(),
            ClientAuth::basic("job", "s3cr+t /x"),
        )
        .unwrap();
        let post = TokenRequest::new(
            &url,
            Grant::client_credentials(),
            ClientAuth::post("job", "s3cr+t /x"),
        )
        .unwrap();
        let pkjwt = TokenRequest::new(
            &url,
            Grant::client_credentials(),
            ClientAuth::private_key_jwt("signer", key.clone()).unwrap(),
        )
        .unwrap();
        let claims = Claims::new(
            "salesforce-org",
            "alice@example.com",
            "https://api.example.com",
        );
        let bearer =
            TokenRequest::new(&url, Grant::jwt_bearer(claims, key), ClientAuth::none()).unwrap();
        for request in [basic, post, pkjwt, bearer] {
            let token = request.send(&agent).unwrap();
            assert_eq!(token.access_token().expose_secret().len(), 64);
        }
        server.join().unwrap();
    }

    #[test]
    fn refusals_are_rfc_6749_answers() {
        let (url, server) = start(2);
        let agent = s2s_oauth::agent();
        let wrong = TokenRequest::new(
            &url,
            Grant::client_credentials(),
            ClientAuth::basic("job", "guess"),
        )
        .unwrap();
        let error = wrong.send(&agent).unwrap_err();
        assert_eq!(error.status(), Some(401), "{error}");
        let claims = Claims::new("salesforce-org", "alice", "https://elsewhere.example");
        let key = SigningKey::from_pem(KEY).unwrap();
        let bearer =
            TokenRequest::new(&url, Grant::jwt_bearer(claims, key), ClientAuth::none()).unwrap();
        let error = bearer.send(&agent).unwrap_err();
        assert!(error.to_string().contains("invalid_grant"), "{error}");
        server.join().unwrap();
    }
}
