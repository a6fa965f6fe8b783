//! Agents with their own TLS trust and a client certificate (RFC 8705 §2): the
//! settings are checked when they are given, so that building the agent cannot
//! fail and the first handshake does not find a key that ureq cannot use.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::key::{Certificate, KeyError, SigningKey};

/// The TLS settings of an [`agent`](Self::agent) (feature `ureq`): which
/// certificate authorities to trust for the server's certificate, and the
/// certificate to present as a client (mutual TLS, RFC 8705). Combinable: a
/// private CA and a client certificate on one agent.
///
/// The agent it builds has every safety setting of [`crate::agent`] (timeouts, no
/// redirects, HTTP errors as responses). By default it trusts the built-in web
/// roots (Mozilla's, as [`crate::agent`] does); [`with_ca_pem`](Self::with_ca_pem)
/// adds certificate authorities to them, and
/// [`without_web_roots`](Self::without_web_roots) drops them, to trust only the
/// added ones. A server whose certificate chains to none of the trusted roots is
/// refused at the handshake: [`Error::Transport`](crate::Error::Transport) of kind
/// [`Tls`](crate::error::TransportErrorKind::Tls), not retryable.
///
/// ```
/// use s2s_oauth::tls::AgentTls;
///
/// // An identity provider on a private CA, and a client certificate for
/// // tls_client_auth: both checked here (a key that does not belong to the
/// // certificate is KeyError::CertificateMismatch).
/// let tls = AgentTls::new()
///     .with_ca_pem(include_str!("../../tests/data/tls/ca.cert.pem"))?
///     .with_client_cert_pem(
///         include_str!("../../tests/data/tls/client.cert.pem"),
///         include_str!("../../tests/data/tls/client.key.pem"),
///     )?;
/// let agent = tls.agent();
/// // The thumbprint a certificate-bound token carries (cnf.x5t#S256).
/// assert_eq!(tls.client_certificate().unwrap().x5t_s256().len(), 43);
/// # let _ = agent;
/// # Ok::<(), s2s_oauth::error::KeyError>(())
/// ```
///
/// Keycloak on a corporate CA, its client set to the "X509 Certificate"
/// authenticator (`tls_client_auth`): the corporate root next to the web roots,
/// the client's certificate and key, and the client id in the form.
///
/// ```
/// use s2s_oauth::providers::keycloak;
/// use s2s_oauth::tls::AgentTls;
/// use s2s_oauth::{ClientAuth, Grant, TokenRequest};
///
/// let tls = AgentTls::new()
///     .with_ca_file("tests/data/tls/ca.cert.pem")? // e.g. /etc/pki/corp-root.pem
///     .with_client_cert_files("tests/data/tls/client.cert.pem", "tests/data/tls/client.key.pem")?;
/// let url = keycloak::token_url("https://sso.corp.example", "acme")?;
/// let auth = ClientAuth::tls_client_auth("billing-job")?;
/// let request = TokenRequest::new(&url, Grant::client_credentials(), auth)?;
/// let http = request.to_http_request_now()?; // no secret, no Authorization header
/// assert_eq!(http.body(), b"grant_type=client_credentials&client_id=billing-job");
/// assert_eq!(http.header("Authorization"), None);
/// // let token = request.send(&tls.agent())?;
/// # let _ = tls.agent();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AgentTls {
    /// Trust the built-in web roots too.
    web_roots: bool,
    /// Certificate authorities added by the caller.
    extra_roots: Vec<Certificate>,
    /// The client certificate chain (leaf first) and its key.
    client: Option<Identity>,
}

/// A client certificate chain and the key of its leaf, checked to fit together.
#[derive(Clone)]
struct Identity {
    chain: Vec<Certificate>,
    /// The chain and key as ureq takes them (shared, not copied, by clones).
    ureq: ureq::tls::ClientCert,
}

impl Default for AgentTls {
    fn default() -> Self {
        Self::new()
    }
}

impl AgentTls {
    /// The built-in web roots, no client certificate: what [`crate::agent`] has.
    pub fn new() -> Self {
        AgentTls {
            web_roots: true,
            extra_roots: Vec::new(),
            client: None,
        }
    }

    /// Also trusts the certificate authorities in `pem` (one or more `BEGIN
    /// CERTIFICATE` blocks). A bundle with no certificate is
    /// [`KeyError::NoCertificate`]; one with a private key in it is
    /// [`KeyError::PrivateKeyInCaFile`] (a CA file holds certificates only: a key
    /// there is the wrong file, and a secret to move off this machine).
    ///
    /// ```
    /// use s2s_oauth::tls::AgentTls;
    /// use s2s_oauth::error::KeyError;
    /// let with_key = format!(
    ///     "{}{}",
    ///     include_str!("../../tests/data/tls/ca.cert.pem"),
    ///     include_str!("../../tests/data/tls/server.key.pem"),
    /// );
    /// assert_eq!(AgentTls::new().with_ca_pem(with_key).unwrap_err(), KeyError::PrivateKeyInCaFile);
    /// ```
    pub fn with_ca_pem(mut self, pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        self.extra_roots
            .extend(Certificate::authorities_from_pem(pem.as_ref())?);
        Ok(self)
    }

    /// [`with_ca_pem`](Self::with_ca_pem) with the contents of the file at
    /// `path`; a file that cannot be read is [`KeyError::ReadFile`].
    ///
    /// ```
    /// use s2s_oauth::tls::AgentTls;
    /// use s2s_oauth::error::KeyError;
    /// let agent = AgentTls::new().with_ca_file("tests/data/tls/ca.cert.pem")?.agent();
    /// # let _ = agent;
    /// let missing = AgentTls::new().with_ca_file("no/such/ca.pem").unwrap_err();
    /// assert!(matches!(missing, KeyError::ReadFile { .. }));
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn with_ca_file(self, path: impl AsRef<Path>) -> Result<Self, KeyError> {
        self.with_ca_pem(&*crate::key::read_file(path.as_ref())?)
    }

    /// Also trusts these certificate authorities.
    pub fn with_roots(mut self, roots: impl IntoIterator<Item = Certificate>) -> Self {
        self.extra_roots.extend(roots);
        self
    }

    /// Trusts only the certificate authorities added with
    /// [`with_ca_pem`](Self::with_ca_pem) and the like, not the built-in web
    /// roots: for a client that talks only to servers of a private CA. With no CA
    /// added, the agent trusts no server at all.
    ///
    /// ```
    /// use s2s_oauth::tls::AgentTls;
    /// let tls = AgentTls::new()
    ///     .with_ca_pem(include_str!("../../tests/data/tls/ca.cert.pem"))?
    ///     .without_web_roots();
    /// assert_eq!(tls.roots_len(), 1);
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn without_web_roots(mut self) -> Self {
        self.web_roots = false;
        self
    }

    /// Presents the client certificate chain `chain_pem` (PEM, the leaf first,
    /// then any intermediates) with the leaf's private key `key_pem` (PEM: PKCS#8,
    /// or PKCS#1 for RSA, or SEC1 for EC) in every TLS handshake, for RFC 8705
    /// client authentication (`tls_client_auth`, `self_signed_tls_client_auth`) and
    /// certificate-bound tokens.
    ///
    /// Checked here: a chain with no certificate is [`KeyError::NoCertificate`]; a
    /// key that does not belong to the leaf is [`KeyError::CertificateMismatch`];
    /// an encrypted, damaged or unsupported key gets the error
    /// [`SigningKey::from_pem`] gives it.
    ///
    /// ```
    /// use s2s_oauth::tls::AgentTls;
    /// use s2s_oauth::error::KeyError;
    /// let wrong_key = AgentTls::new()
    ///     .with_client_cert_pem(
    ///         include_str!("../../tests/data/tls/client.cert.pem"),
    ///         include_str!("../../tests/data/tls/server.key.pem"),
    ///     )
    ///     .unwrap_err();
    /// assert_eq!(wrong_key, KeyError::CertificateMismatch);
    /// ```
    pub fn with_client_cert_pem(
        mut self,
        chain_pem: impl AsRef<[u8]>,
        key_pem: impl AsRef<[u8]>,
    ) -> Result<Self, KeyError> {
        let key_pem = key_pem.as_ref();
        // The key first, with the crate's own loader: its errors say what is wrong
        // with the key (encrypted, a certificate instead, RSA too small) and what to
        // do. (A chain file that also holds the encrypted key would otherwise be
        // "no certificate".)
        let signing = SigningKey::from_pem(key_pem)?;
        let chain = Certificate::all_from_pem(chain_pem)?;
        signing.check_certificate(&chain[0])?;
        let key = ureq::tls::PrivateKey::from_pem(key_pem).map_err(|_| KeyError::BadPem)?;
        check_with_rustls(&chain, key_pem)?;
        let ureq_chain: Vec<_> = chain
            .iter()
            .map(|cert| ureq::tls::Certificate::from_der(cert.der()).to_owned())
            .collect();
        let ureq = ureq::tls::ClientCert::new_with_certs(&ureq_chain, key);
        self.client = Some(Identity { chain, ureq });
        Ok(self)
    }

    /// [`with_client_cert_pem`](Self::with_client_cert_pem) with the contents of
    /// two files (they may be the same file, holding both the chain and the key).
    ///
    /// ```
    /// use s2s_oauth::tls::AgentTls;
    /// let tls = AgentTls::new()
    ///     .with_client_cert_files("tests/data/tls/client.cert.pem", "tests/data/tls/client.key.pem")?;
    /// assert!(tls.client_certificate().is_some());
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn with_client_cert_files(
        self,
        chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, KeyError> {
        let chain = crate::key::read_file(chain.as_ref())?;
        let key = crate::key::read_file(key.as_ref())?;
        self.with_client_cert_pem(&*chain, &*key)
    }

    /// The client certificate (the chain's leaf), if one is set: its
    /// [`x5t_s256`](Certificate::x5t_s256) is what a certificate-bound token's
    /// `cnf` carries (RFC 8705 §3.1).
    pub fn client_certificate(&self) -> Option<&Certificate> {
        self.client.as_ref().map(|identity| &identity.chain[0])
    }

    /// How many certificate authorities are trusted: the added ones, plus the
    /// built-in web roots unless [`without_web_roots`](Self::without_web_roots).
    pub fn roots_len(&self) -> usize {
        let web = if self.web_roots {
            webpki_root_certs::TLS_SERVER_ROOT_CERTS.len()
        } else {
            0
        };
        web + self.extra_roots.len()
    }

    /// An agent with these TLS settings and the safety settings of
    /// [`crate::agent`]. Cheap to clone; build it once and share it.
    pub fn agent(&self) -> ureq::Agent {
        super::safe_agent(Some(self.tls_config()))
    }

    /// ureq's TLS configuration for these settings: rustls on ring, as ureq's own.
    pub fn tls_config(&self) -> ureq::tls::TlsConfig {
        let mut builder = ureq::tls::TlsConfig::builder().provider(ureq::tls::TlsProvider::Rustls);
        if self.web_roots && self.extra_roots.is_empty() {
            builder = builder.root_certs(ureq::tls::RootCerts::WebPki);
        } else {
            let web: &[CertificateDer<'static>] = if self.web_roots {
                webpki_root_certs::TLS_SERVER_ROOT_CERTS
            } else {
                &[]
            };
            let roots = web
                .iter()
                .map(|der| ureq::tls::Certificate::from_der(der.as_ref()).to_owned())
                .chain(
                    self.extra_roots
                        .iter()
                        .map(|cert| ureq::tls::Certificate::from_der(cert.der()).to_owned()),
                );
            builder = builder.root_certs(ureq::tls::RootCerts::from(roots));
        }
        if let Some(identity) = &self.client {
            builder = builder.client_cert(Some(identity.ureq.clone()));
        }
        builder.build()
    }
}

/// What ureq does with a client certificate when it makes its first connection,
/// done now: rustls (ring provider) takes the chain and key, and checks that the
/// key is the leaf's. ureq would panic on a refusal there.
fn check_with_rustls(chain: &[Certificate], key_pem: &[u8]) -> Result<(), KeyError> {
    use rustls::pki_types::pem::PemObject as _;
    let key_der = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| KeyError::BadPem)?;
    let chain = chain
        .iter()
        .map(|cert| CertificateDer::from(cert.der().to_vec()))
        .collect();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| {
            KeyError::Unsupported("TLS client key: no TLS version with the ring provider")
        })?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_client_auth_cert(chain, key_der)
        .map(drop)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => KeyError::CertificateMismatch,
            _ => KeyError::Unsupported("a TLS client key rustls cannot sign with"),
        })
}

impl fmt::Debug for AgentTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentTls")
            .field("web_roots", &self.web_roots)
            .field("extra_roots", &self.extra_roots)
            .field("client_certificate", &self.client_certificate())
            .finish_non_exhaustive()
    }
}
