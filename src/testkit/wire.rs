//! A deliberately small HTTP/1.1 reader and writer over one connection: a
//! `TcpStream`, or a TLS stream over one (`testkit/tls.rs`).
//!
//! One request per connection: every response says `Connection: close` and the
//! socket is closed after it. That keeps the server to a single thread (no idle
//! keep-alive connection can block it) and lets a fault close a connection with no
//! response at all, which tiny_http cannot do: its connection object keeps the
//! socket open after a request is dropped.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// A connection the server reads a request from and writes a response to.
pub(crate) trait Conn: Read + Write {
    /// The socket underneath (for timeouts and shutdown).
    fn socket(&self) -> &TcpStream;
    /// Ends the write side gracefully (a TLS `close_notify` first).
    fn close_write(&mut self) {
        let _ = self.socket().shutdown(Shutdown::Write);
    }
}

impl Conn for TcpStream {
    fn socket(&self) -> &TcpStream {
        self
    }
}

/// The largest request head (request line and headers) accepted.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// The largest request body accepted (larger ones get 413).
pub(crate) const MAX_BODY: usize = 64 * 1024;
/// How long a client may take to send its request.
const READ_DEADLINE: Duration = Duration::from_secs(5);
/// How long the server reads (and discards) what a client still sends after the
/// response, so that closing does not turn into a reset: a client trickling bytes
/// must not hold the one server thread.
const DRAIN_DEADLINE: Duration = Duration::from_millis(500);

/// A parsed request.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// The client's TLS certificate chain (DER, leaf first) on a TLS connection
    /// where the client presented one; empty otherwise.
    pub(crate) peer_certificates: Vec<Vec<u8>>,
}

impl Request {
    /// The first header named `name` (ASCII case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }

    /// The path without the query string.
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// Whether the body is declared `application/x-www-form-urlencoded`
    /// (parameters after `;` and the case of the media type ignored).
    pub(crate) fn is_form(&self) -> bool {
        self.header("Content-Type")
            .and_then(|ct| ct.split(';').next())
            .is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
    }
}

/// A response to write.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    pub(crate) fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into(),
        }
    }

    pub(crate) fn json(status: u16, value: &serde_json::Value) -> Self {
        Response::new(status, "application/json;charset=UTF-8", value.to_string())
    }

    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// This error answer as the refusal of a method other than POST: status
    /// 405 and `Allow: POST` (RFC 9110 §15.5.6).
    pub(crate) fn post_only(mut self) -> Self {
        self.status = 405;
        self.with_header("Allow", "POST")
    }
}

/// Why no request could be read; each maps to an error status (or none).
#[derive(Debug)]
pub(crate) enum ReadFailure {
    /// The peer closed or timed out before a full request: nothing to answer.
    Gone,
    /// The request is not HTTP/1.x as this server reads it.
    Malformed(&'static str),
    /// The head is larger than [`MAX_HEAD`].
    HeadTooLarge,
    /// The body is larger than [`MAX_BODY`].
    BodyTooLarge,
    /// A chunked body or a body without `Content-Length`.
    LengthRequired,
}

impl ReadFailure {
    pub(crate) fn response(&self) -> Option<Response> {
        let (status, text) = match self {
            ReadFailure::Gone => return None,
            ReadFailure::Malformed(what) => (400, *what),
            ReadFailure::HeadTooLarge => (431, "request head larger than 16 KiB"),
            ReadFailure::BodyTooLarge => (413, "request body larger than 64 KiB"),
            ReadFailure::LengthRequired => (
                411,
                "send the body with a Content-Length (chunked bodies are not supported)",
            ),
        };
        Some(Response::new(status, "text/plain;charset=UTF-8", text))
    }
}

/// Reads one request from `stream`, within [`READ_DEADLINE`].
pub(crate) fn read_request(stream: &mut impl Conn) -> Result<Request, ReadFailure> {
    let started = Instant::now();
    let mut buf = Vec::with_capacity(1024);
    let head_end = read_head(stream, &mut buf, started)?;
    let mut request = parse_head(buf.get(..head_end).unwrap_or(&[]))?;
    let body = buf.split_off(head_end + 4);
    request.body = read_body(stream, &request, body, started)?;
    Ok(request)
}

/// Reads into `buf` until it holds the whole head (up to the blank line); the
/// head's length, at most [`MAX_HEAD`].
fn read_head(
    stream: &mut impl Conn,
    buf: &mut Vec<u8>,
    started: Instant,
) -> Result<usize, ReadFailure> {
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = find_head_end(buf) {
            break end;
        }
        if buf.len() > MAX_HEAD {
            return Err(ReadFailure::HeadTooLarge);
        }
        let n = read_some(stream, &mut chunk, started)?;
        buf.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
    };
    if head_end > MAX_HEAD {
        return Err(ReadFailure::HeadTooLarge);
    }
    Ok(head_end)
}

/// The request line and the headers; the body is left empty.
fn parse_head(head: &[u8]) -> Result<Request, ReadFailure> {
    let head = std::str::from_utf8(head)
        .map_err(|_| ReadFailure::Malformed("request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) if !m.is_empty() && t.starts_with('/') => (m, t, v),
        _ => return Err(ReadFailure::Malformed("malformed request line")),
    };
    if !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ReadFailure::Malformed("malformed request method"));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(ReadFailure::Malformed(
            "only HTTP/1.0 and HTTP/1.1 are served",
        ));
    }
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or(ReadFailure::Malformed("malformed header line"))?;
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(ReadFailure::Malformed("malformed header name"));
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    Ok(Request {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        body: Vec::new(),
        peer_certificates: Vec::new(),
    })
}

/// The body `request`'s `Content-Length` announces, starting with what came with
/// the head; chunked bodies are refused.
fn read_body(
    stream: &mut impl Conn,
    request: &Request,
    mut body: Vec<u8>,
    started: Instant,
) -> Result<Vec<u8>, ReadFailure> {
    if request.header("Transfer-Encoding").is_some() {
        return Err(ReadFailure::LengthRequired);
    }
    let length = match request.header("Content-Length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| ReadFailure::Malformed("malformed Content-Length"))?,
    };
    if length > MAX_BODY {
        return Err(ReadFailure::BodyTooLarge);
    }
    if body.len() < length
        && request
            .header("Expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        // curl asks before sending a body over 1 KiB; say yes rather than make it wait.
        stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .map_err(|_| ReadFailure::Gone)?;
    }
    let mut chunk = [0u8; 4096];
    while body.len() < length {
        let n = read_some(stream, &mut chunk, started)?;
        body.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
    }
    body.truncate(length);
    Ok(body)
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

fn read_some(
    stream: &mut impl Conn,
    chunk: &mut [u8],
    started: Instant,
) -> Result<usize, ReadFailure> {
    let left = READ_DEADLINE
        .checked_sub(started.elapsed())
        .filter(|d| !d.is_zero())
        .ok_or(ReadFailure::Gone)?;
    stream
        .socket()
        .set_read_timeout(Some(left))
        .map_err(|_| ReadFailure::Gone)?;
    match stream.read(chunk) {
        Ok(0) | Err(_) => Err(ReadFailure::Gone),
        Ok(n) => Ok(n),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Writes `response`, then closes the connection gracefully (write side first, then
/// a short drain so unread request bytes do not turn the close into a reset).
pub(crate) fn respond(mut stream: impl Conn, response: &Response) {
    let mut out = Vec::with_capacity(256 + response.body.len());
    out.extend_from_slice(
        format!(
            "HTTP/1.1 {} {}\r\n",
            response.status,
            reason(response.status)
        )
        .as_bytes(),
    );
    for (name, value) in &response.headers {
        // Header values come from the server itself or from an injected fault; refuse
        // line breaks so a fault cannot split the response.
        if name.contains(['\r', '\n']) || value.contains(['\r', '\n']) {
            continue;
        }
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            response.body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&response.body);
    if stream.write_all(&out).and_then(|()| stream.flush()).is_ok() {
        stream.close_write();
        drain(&mut stream);
    }
}

/// Closes the connection with no response at all.
pub(crate) fn drop_connection(stream: impl Conn) {
    let _ = stream.socket().shutdown(Shutdown::Both);
}

fn drain(stream: &mut impl Conn) {
    let started = Instant::now();
    let mut sink = [0u8; 4096];
    let mut total = 0usize;
    while total < 1024 * 1024 {
        let Some(left) = DRAIN_DEADLINE
            .checked_sub(started.elapsed())
            .filter(|d| !d.is_zero())
        else {
            break;
        };
        if stream
            .socket()
            .set_read_timeout(Some(left.min(Duration::from_millis(200))))
            .is_err()
        {
            break;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
}
