//! Telling transport failures apart by what they are, not by how ureq carried them.
//!
//! ureq 3 hands two important failures over as a plain [`ureq::Error::Io`]:
//!
//! - a certificate the client refuses (`invalid peer certificate: UnknownIssuer`,
//!   `Expired`, `NotValidForName`...): rustls's error travels *inside* the
//!   `io::Error` that the TLS stream returned;
//! - a host name that does not resolve: the `io::Error` from `to_socket_addrs`,
//!   which the standard library words `failed to lookup address information: …`
//!   with the resolver's own text (glibc's `gai_strerror`).
//!
//! Reported as [`TransportErrorKind::Io`] they were retryable, so a job retried a
//! bad certificate forever. Here they become [`TransportErrorKind::Tls`] (never
//! retryable: the configuration must change) and [`TransportErrorKind::Dns`]
//! (retryable only when the resolver said the failure was temporary).

use std::error::Error as StdError;
use std::io;

use crate::error::{Error, TransportError, TransportErrorKind as Kind};

/// How deep into an error's `source()` chain to look: real chains are two or three
/// long; the bound keeps a cyclic or pathological chain from looping.
const MAX_CHAIN: usize = 16;

/// The prefix the standard library puts before a resolver error (Unix, `getaddrinfo`).
const LOOKUP_FAILED: &str = "failed to lookup address information";

/// Maps a ureq error to the crate's transport error. Messages never contain the
/// request's contents.
pub(super) fn transport_error(error: ureq::Error) -> Error {
    let (kind, retryable) = classify(&error);
    let (message, source): (String, Option<Box<dyn StdError + Send + Sync>>) =
        match without_url(&error) {
            // ureq's own text (and so the source chain) would repeat the URL, with
            // whatever userinfo or query it holds: neither is kept.
            Some(message) => (message.to_owned(), None),
            None => (error.to_string(), Some(Box::new(error))),
        };
    Error::Transport(Box::new(TransportError {
        kind,
        retryable,
        message,
        source,
    }))
}

/// What to say instead of ureq's text for the errors whose text carries the URL.
fn without_url(error: &ureq::Error) -> Option<&'static str> {
    match error {
        ureq::Error::BadUri(_) => Some("the HTTP library could not use the URL (bad uri)"),
        ureq::Error::RequireHttpsOnly(_) => Some(
            "the agent is configured for https only, and this request is plain http (loopback)",
        ),
        _ => None,
    }
}

/// The kind of a ureq error and whether trying again may help.
fn classify(error: &ureq::Error) -> (Kind, bool) {
    match error {
        ureq::Error::Timeout(_) => (Kind::Timeout, true),
        // The resolver answered, with no address of a family the agent accepts.
        ureq::Error::HostNotFound => (Kind::Dns, false),
        ureq::Error::ConnectionFailed => (Kind::Connect, true),
        ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::Pem(_)
        | ureq::Error::TlsRequired => (Kind::Tls, false),
        ureq::Error::Http(_)
        | ureq::Error::BadUri(_)
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::InvalidProxyUrl => (Kind::Request, false),
        ureq::Error::Io(io) => classify_io(io),
        // The peer's answer is not HTTP (or breaks its rules): it would be the
        // same again.
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => (Kind::Protocol, false),
        _ => (Kind::Io, true),
    }
}

/// The kind of an I/O error from ureq, looking inside it for rustls's error and
/// for the resolver's.
pub(super) fn classify_io(io: &io::Error) -> (Kind, bool) {
    if rustls_error(io).is_some() {
        return (Kind::Tls, false);
    }
    if let Some(temporary) = dns_failure(io) {
        return (Kind::Dns, temporary);
    }
    match io.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => (Kind::Timeout, true),
        io::ErrorKind::ConnectionRefused => (Kind::Connect, true),
        _ => (Kind::Io, true),
    }
}

/// The rustls error carried inside `io` (as the error it wraps, or anywhere in that
/// error's `source()` chain, nested `io::Error`s included).
fn rustls_error(io: &io::Error) -> Option<&rustls::Error> {
    inner_chain(io).find_map(|e| e.downcast_ref::<rustls::Error>())
}

/// The errors wrapped inside `io`, outermost first. An `io::Error`'s own `source()`
/// skips the error it wraps, so `get_ref()` is how to reach it.
fn inner_chain(io: &io::Error) -> impl Iterator<Item = &(dyn StdError + 'static)> {
    fn next<'a>(e: &&'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
        let e: &'a (dyn StdError + 'static) = *e;
        match e.downcast_ref::<io::Error>() {
            Some(nested) => wrapped(nested),
            None => e.source(),
        }
    }
    std::iter::successors(wrapped(io), next).take(MAX_CHAIN)
}

/// The error an `io::Error` wraps, if it wraps one.
fn wrapped(io: &io::Error) -> Option<&(dyn StdError + 'static)> {
    io.get_ref().map(|e| e as &(dyn StdError + 'static))
}

/// `Some(temporary)` if `io` is a failure to resolve a host name: `Some(true)` when
/// the resolver said to try again later (`EAI_AGAIN`: "Temporary failure in name
/// resolution", no DNS server reachable just now), `Some(false)` when it gave a
/// final answer (the name does not exist, has no address, or the lookup failed for
/// good). `None` for any other I/O error.
fn dns_failure(io: &io::Error) -> Option<bool> {
    #[cfg(windows)]
    {
        // Windows reports getaddrinfo's failure as a WinSock error code.
        const WSAHOST_NOT_FOUND: i32 = 11001;
        const WSATRY_AGAIN: i32 = 11002;
        const WSANO_RECOVERY: i32 = 11003;
        const WSANO_DATA: i32 = 11004;
        match io.raw_os_error() {
            Some(WSATRY_AGAIN) => return Some(true),
            Some(WSAHOST_NOT_FOUND | WSANO_RECOVERY | WSANO_DATA) => return Some(false),
            _ => {}
        }
    }
    // The standard library makes this message itself (`io::Error::new`), so it is
    // the error's whole text; the resolver's reason follows the colon.
    let message = io.get_ref()?.to_string();
    let reason = message.strip_prefix(LOOKUP_FAILED)?.to_ascii_lowercase();
    // Final only when the resolver said so; anything else (`EAI_AGAIN`, and
    // `EAI_SYSTEM`, `EAI_MEMORY`, a wording this list does not know) may pass.
    let final_answer = [
        "not known",       // EAI_NONAME (glibc; macOS: "...nor servname provided, or not known")
        "no address",      // EAI_NODATA, EAI_ADDRFAMILY
        "non-recoverable", // EAI_FAIL
    ]
    .iter()
    .any(|phrase| crate::encoding::find_str(&reason, phrase).is_some());
    Some(!final_answer)
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use super::*;

    fn lookup_error(reason: &str) -> io::Error {
        // What std's `cvt_gai` builds from `gai_strerror` on Unix.
        io::Error::other(format!("{LOOKUP_FAILED}: {reason}"))
    }

    #[test]
    fn errors_that_carry_the_url_are_reported_without_it() {
        let url = "https://app:s3cr3t@idp.example/token?client_secret=s3cr3t";
        for error in [
            ureq::Error::BadUri(url.to_owned()),
            ureq::Error::RequireHttpsOnly(url.to_owned()),
        ] {
            let Error::Transport(t) = transport_error(error) else {
                panic!("not a transport error");
            };
            let shown = format!("{t} {t:?}");
            assert!(!shown.contains("s3cr3t"), "{shown}");
            assert!(t.source.is_none(), "the source would print the URL");
            assert_eq!(t.kind, Kind::Request);
        }
        // Other errors keep ureq's text and their source.
        let Error::Transport(t) = transport_error(ureq::Error::ConnectionFailed) else {
            panic!("not a transport error");
        };
        assert!(t.source.is_some());
    }

    #[test]
    fn resolver_answers_are_dns_and_only_a_final_answer_is_not_retryable() {
        let cases = [
            ("Temporary failure in name resolution", true), // EAI_AGAIN, glibc and musl
            ("temporary failure in name resolution", true), // EAI_AGAIN, macOS
            ("Name or service not known", false),           // EAI_NONAME: NXDOMAIN
            ("No address associated with hostname", false), // EAI_NODATA
            ("nodename nor servname provided, or not known", false), // EAI_NONAME, macOS
            ("Non-recoverable failure in name resolution", false), // EAI_FAIL
            ("System error", true),                         // EAI_SYSTEM: errno, often EMFILE
            ("Memory allocation failure", true),            // EAI_MEMORY
            ("a wording nobody knows yet", true),
        ];
        for (reason, retryable) in cases {
            assert_eq!(
                classify_io(&lookup_error(reason)),
                (Kind::Dns, retryable),
                "{reason}"
            );
            let error = transport_error(ureq::Error::Io(lookup_error(reason)));
            assert_eq!(error.is_retryable(), retryable, "{reason}");
        }
        assert_eq!(
            classify(&ureq::Error::HostNotFound),
            (Kind::Dns, false),
            "a name with no usable address"
        );
    }

    #[test]
    fn the_real_resolver_error_for_a_name_that_cannot_exist_is_dns() {
        use std::net::ToSocketAddrs;
        // RFC 6761 §6.4: `.invalid` never resolves. A sandbox with no resolver at
        // all may answer EAI_AGAIN ("temporary"): Dns either way, never Io.
        let error = "token.example.invalid:443"
            .to_socket_addrs()
            .expect_err("a .invalid name resolved");
        assert_eq!(classify_io(&error).0, Kind::Dns, "{error}");
    }

    #[test]
    fn other_io_errors_keep_their_kind() {
        let cases = [
            (io::ErrorKind::TimedOut, Kind::Timeout),
            (io::ErrorKind::ConnectionRefused, Kind::Connect),
            (io::ErrorKind::ConnectionReset, Kind::Io),
            (io::ErrorKind::UnexpectedEof, Kind::Io),
        ];
        for (io_kind, kind) in cases {
            assert_eq!(classify_io(&io::Error::from(io_kind)), (kind, true));
        }
        // A message that merely mentions a lookup is not a resolver error.
        let other = io::Error::other("proxy said: failed to lookup address information");
        assert_eq!(classify_io(&other), (Kind::Io, true));
    }

    /// An answer that breaks HTTP (another service on the port) would come again:
    /// not retryable, and a wrong endpoint.
    #[test]
    fn an_answer_that_is_not_http_is_protocol_and_not_retryable() {
        let error = transport_error(ureq::Error::LargeResponseHeader(65_536, 65_536));
        let Error::Transport(t) = &error else {
            panic!("not a transport error");
        };
        assert_eq!(t.kind, Kind::Protocol);
        assert!(!error.is_retryable() && error.is_wrong_endpoint() && !error.is_local());
    }

    #[test]
    fn a_rustls_error_inside_an_io_error_is_tls_and_not_retryable() {
        use rustls::{CertificateError, Error as TlsError};
        // As rustls's stream returns it: io::Error(InvalidData, rustls::Error).
        for tls in [
            TlsError::InvalidCertificate(CertificateError::UnknownIssuer),
            TlsError::InvalidCertificate(CertificateError::Expired),
            TlsError::InvalidCertificate(CertificateError::NotValidForName),
            TlsError::InvalidCertificate(CertificateError::BadEncoding),
            TlsError::NoCertificatesPresented,
        ] {
            let io = io::Error::new(io::ErrorKind::InvalidData, tls.clone());
            assert_eq!(classify_io(&io), (Kind::Tls, false), "{tls:?}");
            let error = transport_error(ureq::Error::Io(io));
            assert!(!error.is_retryable(), "{tls:?}");
            assert!(!error.is_local(), "{tls:?}");
        }
    }

    #[test]
    fn a_rustls_error_deeper_in_the_chain_is_found() {
        #[derive(Debug)]
        struct Wrapper(rustls::Error);
        impl fmt::Display for Wrapper {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("handshake failed")
            }
        }
        impl StdError for Wrapper {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let wrapped = io::Error::other(Wrapper(tls.clone()));
        assert_eq!(classify_io(&wrapped), (Kind::Tls, false));
        let nested = io::Error::other(io::Error::new(io::ErrorKind::InvalidData, tls));
        assert_eq!(classify_io(&nested), (Kind::Tls, false));
    }
}
