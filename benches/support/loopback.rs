//! A minimal keep-alive HTTP/1.1 server on loopback for the round-trip benchmarks:
//! it reads each request (head and `Content-Length` body) and answers every one with
//! the same small token response, so the server's own cost is as small and as
//! constant as it can be. One thread per connection; standard library only.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;

/// The token response every request gets.
pub const TOKEN_BODY: &[u8] =
    br#"{"access_token":"at-0123456789abcdef0123456789abcdef","token_type":"Bearer","expires_in":3600,"scope":"api"}"#;

/// Starts the server on `127.0.0.1` (an ephemeral port) for at most `max_connections`
/// connections, and returns its address. The threads end when their clients hang up.
pub fn start(max_connections: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    thread::spawn(move || serve(listener, max_connections));
    addr
}

/// Serves `listener` for at most `max_connections` connections, each on its own thread.
pub fn serve(listener: TcpListener, max_connections: usize) {
    let mut head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nContent-Length: {}\r\n\r\n",
        TOKEN_BODY.len()
    )
    .into_bytes();
    head.extend_from_slice(TOKEN_BODY);
    let response: &'static [u8] = head.leak();
    for stream in listener.incoming().take(max_connections) {
        let Ok(stream) = stream else { break };
        thread::spawn(move || {
            let _ = answer_all(stream, response);
        });
    }
}

/// Answers every request on one kept-alive connection until the client hangs up.
fn answer_all(stream: TcpStream, response: &[u8]) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut body = Vec::new();
    loop {
        let mut content_length = 0usize;
        let mut first = true;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(()); // the client hung up
            }
            if line == "\r\n" && !first {
                break;
            }
            first = false;
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        body.resize(content_length, 0);
        reader.read_exact(&mut body)?;
        writer.write_all(response)?;
    }
}
