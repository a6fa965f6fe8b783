//! The TLS listener's parts (RFC 8705): the server's certificate, a handshake that
//! asks for a client certificate (and proves the client holds its key), and the
//! checks of `tls_client_auth` (a chain to a client CA, then the registered
//! subject DN or DNS name) and `self_signed_tls_client_auth` (the registered
//! certificate itself).

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    DigitallySignedStruct, DistinguishedName, ServerConfig, ServerConnection, StreamOwned,
};

use super::wire::Conn;
use crate::key::Certificate;

/// The certificate authority that issued the TLS listener's certificate (PEM), for
/// a client to trust:
/// `AgentTls::new().with_ca_pem(testkit::TLS_CA_PEM)` (see
/// [`Server::start_tls`](super::Server::start_tls)). A public test fixture: never
/// trust it outside tests.
pub const TLS_CA_PEM: &str = include_str!("../../tests/data/tls/ca.cert.pem");

/// The listener's certificate: for `IP:127.0.0.1` and `DNS:localhost`, from
/// [`TLS_CA_PEM`], valid 2020–2120.
const SERVER_CERT_PEM: &[u8] = include_bytes!("../../tests/data/tls/loopback.cert.pem");
const SERVER_KEY_PEM: &[u8] = include_bytes!("../../tests/data/tls/server.key.pem");

/// How long a client has for the handshake.
const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(5);

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The listener's rustls configuration: the loopback certificate, and a request
/// for a client certificate that the client may decline.
pub(crate) fn server_config() -> io::Result<Arc<ServerConfig>> {
    let invalid =
        |e: &dyn std::fmt::Display| io::Error::new(io::ErrorKind::InvalidData, e.to_string());
    let chain = CertificateDer::pem_slice_iter(SERVER_CERT_PEM)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(&e))?;
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY_PEM).map_err(|e| invalid(&e))?;
    let provider = provider();
    let verifier = Arc::new(AnyClientCertificate {
        algorithms: provider.signature_verification_algorithms,
    });
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(&e))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| invalid(&e))?;
    Ok(Arc::new(config))
}

/// Asks for a client certificate, takes any, and checks the handshake signature
/// with its key (so the client holds the key). Which certificate authenticates
/// which client is decided at the token endpoint, as `tls_client_auth` and
/// `self_signed_tls_client_auth` need different checks (RFC 8705 §2), and a
/// client with no certificate may still use the other methods.
#[derive(Debug)]
struct AnyClientCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyClientCertificate {
    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A TLS connection on the listener.
pub(crate) type TlsStream = StreamOwned<ServerConnection, TcpStream>;

impl Conn for TlsStream {
    fn socket(&self) -> &TcpStream {
        &self.sock
    }

    fn close_write(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
        let _ = self.sock.shutdown(Shutdown::Write);
    }
}

/// Completes the handshake on `stream`: the TLS stream and the client's
/// certificate chain (DER, leaf first; empty if it sent none). `None` when the
/// handshake fails (the client refused the server's certificate, say).
pub(crate) fn accept(
    config: &Arc<ServerConfig>,
    stream: TcpStream,
) -> Option<(TlsStream, Vec<Vec<u8>>)> {
    let conn = ServerConnection::new(Arc::clone(config)).ok()?;
    let mut tls = StreamOwned::new(conn, stream);
    tls.sock.set_read_timeout(Some(HANDSHAKE_DEADLINE)).ok()?;
    while tls.conn.is_handshaking() {
        if tls.conn.complete_io(&mut tls.sock).is_err() {
            return None;
        }
    }
    let peers = tls
        .conn
        .peer_certificates()
        .unwrap_or_default()
        .iter()
        .map(|der| der.as_ref().to_vec())
        .collect();
    Some((tls, peers))
}

/// Whether `chain` (leaf first) chains to one of `cas` as a client certificate.
pub(crate) fn chains_to(
    cas: &[Certificate],
    chain: &[Vec<u8>],
    now: SystemTime,
) -> Result<(), String> {
    let mut roots = rustls::RootCertStore::empty();
    for ca in cas {
        roots
            .add(CertificateDer::from(ca.der().to_vec()))
            .map_err(|e| format!("client CA unusable: {e}"))?;
    }
    if roots.is_empty() {
        return Err("no client CA is configured: Config::with_client_ca".into());
    }
    let verifier =
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| e.to_string())?;
    let (leaf, intermediates) = chain.split_first().ok_or("no certificate")?;
    let intermediates: Vec<_> = intermediates
        .iter()
        .map(|der| CertificateDer::from(der.as_slice()))
        .collect();
    let now = UnixTime::since_unix_epoch(
        now.duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default(),
    );
    verifier
        .verify_client_cert(&CertificateDer::from(leaf.as_slice()), &intermediates, now)
        .map(drop)
        .map_err(|e| e.to_string())
}
