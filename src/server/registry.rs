//! What the token endpoint knows before a request arrives: its registered clients,
//! the issuers whose assertions it takes, and the keys that verify them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use crate::Algorithm;
use crate::jwt::Jwks;
use crate::key::{Certificate, VerifyingKey};
use crate::redact::redacted_debug;
use crate::secrets::ClientSecret;

/// Registered keys: where the verifier finds the keys that may have signed a JWS.
///
/// The seam for key sets: one [`VerifyingKey`] (any `kid`), a list of keys (all
/// tried), keys by `kid` (`Vec<(String, VerifyingKey)>`: the one with the JWS's
/// `kid`, or every key when the JWS names none), or a JWK Set ([`Jwks`]: the keys
/// with the JWS's `kid` that fit its `alg`, a member's own `alg` included). Every
/// candidate is tried until one verifies, so a key rotation can overlap; more than
/// [`Jwks::MAX_SIGNATURE_CHECKS`] candidates for one JWS (no `kid`, many keys of its
/// algorithm) is refused before any check, so register keys by `kid` when a client
/// has more than that.
///
/// A caller-owned [`JwksCache`](crate::discovery::JwksCache) serves through a
/// snapshot of its current set (`cache.keys().cloned()`): the token endpoint
/// stays sans-IO, and the caller registers the client again after a refetch.
///
/// ```
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::server::Keys;
/// let old = SigningKey::from_pem(include_str!("../../tests/data/keys/p256.pkcs8.pem"))?.verifying_key();
/// let new = SigningKey::from_pem(include_str!("../../tests/data/keys/rsa2048.pkcs8.pem"))?.verifying_key();
/// let by_kid = vec![("2025".to_owned(), old), ("2026".to_owned(), new)];
/// assert_eq!(by_kid.candidates(Some("2026")).len(), 1);
/// assert_eq!(by_kid.candidates(Some("1999")).len(), 0);
/// assert_eq!(by_kid.candidates(None).len(), 2);
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub trait Keys: fmt::Debug + Send + Sync {
    /// The keys that may have signed a JWS whose header names `kid` (`None`: no
    /// `kid`), in the order to try them.
    fn candidates(&self, kid: Option<&str>) -> Vec<&VerifyingKey>;

    /// [`candidates`](Self::candidates) for a JWS signed with `algorithm` (its
    /// header's `alg`): a key set that knows which algorithm each key is for
    /// leaves the others out. By default, `candidates(kid)`.
    fn candidates_for(&self, kid: Option<&str>, algorithm: Algorithm) -> Vec<&VerifyingKey> {
        let _ = algorithm;
        self.candidates(kid)
    }
}

/// A JWK Set: the keys with the JWS's `kid` (every key when it names none);
/// for a known algorithm, only those that fit it ([`Jwk::fits`](crate::jwt::Jwk::fits)).
///
/// ```
/// use s2s_oauth::{Algorithm, VerifyingKey};
/// use s2s_oauth::jwt::Jwks;
/// use s2s_oauth::server::{Client, Keys};
/// let key = VerifyingKey::from_pem_file("tests/data/keys/rsa2048.pub.pem")?;
/// let set = Jwks::from_keys([(key, Some("2026".to_owned()))]);
/// assert_eq!(set.candidates_for(Some("2026"), Algorithm::RS256).len(), 1);
/// assert_eq!(set.candidates_for(Some("2026"), Algorithm::ES256).len(), 0);
/// assert_eq!(Keys::candidates(&set, Some("1999")).len(), 0); // (Jwks has its own `candidates`)
/// let client = Client::new("reporting").with_keys(set);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl Keys for Jwks {
    fn candidates(&self, kid: Option<&str>) -> Vec<&VerifyingKey> {
        self.keys()
            .iter()
            .filter(|k| kid.is_none_or(|kid| k.kid() == Some(kid)))
            .map(|k| k.key())
            .collect()
    }

    fn candidates_for(&self, kid: Option<&str>, algorithm: Algorithm) -> Vec<&VerifyingKey> {
        self.keys()
            .iter()
            .filter(|k| kid.is_none_or(|kid| k.kid() == Some(kid)) && k.fits(algorithm))
            .map(|k| k.key())
            .collect()
    }
}

impl Keys for VerifyingKey {
    fn candidates(&self, _kid: Option<&str>) -> Vec<&VerifyingKey> {
        vec![self]
    }
}

impl Keys for Vec<VerifyingKey> {
    fn candidates(&self, _kid: Option<&str>) -> Vec<&VerifyingKey> {
        self.iter().collect()
    }
}

impl Keys for Vec<(String, VerifyingKey)> {
    fn candidates(&self, kid: Option<&str>) -> Vec<&VerifyingKey> {
        self.iter()
            .filter(|(k, _)| kid.is_none_or(|kid| kid == k))
            .map(|(_, key)| key)
            .collect()
    }
}

/// The one name a `tls_client_auth` client registers (RFC 8705 §2.1.2), or the
/// certificate of a `self_signed_tls_client_auth` one (§2.2). One value, so a
/// client cannot register two.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TlsClientAuth {
    /// `tls_client_auth_subject_dn`: the subject DN in RFC 4514 form
    /// ([`Certificate::subject_dn`]).
    SubjectDn(String),
    /// `tls_client_auth_san_dns`: a dNSName subject alternative name.
    SanDns(String),
    /// `self_signed_tls_client_auth`: exactly this certificate.
    SelfSigned(Certificate),
}

/// The TLS client certificate of the connection a request came on, as the
/// caller's TLS server hands it over.
///
/// `tls_client_auth` (RFC 8705 §2.1) needs a certificate whose chain the TLS
/// layer verified against the client CAs the endpoint trusts
/// ([`chain_verified`](Self::chain_verified)); `self_signed_tls_client_auth`
/// (§2.2) takes either kind, as it compares the certificate itself.
#[derive(Debug, Clone, Copy)]
pub struct PeerCertificate<'a> {
    leaf: &'a [u8],
    chain_verified: bool,
}

impl<'a> PeerCertificate<'a> {
    /// A leaf certificate (DER) whose chain the caller's TLS server verified
    /// against its trusted client CAs.
    pub fn chain_verified(leaf_der: &'a [u8]) -> Self {
        PeerCertificate {
            leaf: leaf_der,
            chain_verified: true,
        }
    }

    /// A leaf certificate (DER) the TLS layer took without checking its chain (the
    /// client proved it holds the key, nothing more).
    pub fn unverified(leaf_der: &'a [u8]) -> Self {
        PeerCertificate {
            leaf: leaf_der,
            chain_verified: false,
        }
    }

    pub(crate) fn leaf(&self) -> &'a [u8] {
        self.leaf
    }

    pub(crate) fn is_chain_verified(&self) -> bool {
        self.chain_verified
    }
}

/// A registered client (RFC 6749 §2) and the credentials it authenticates with:
/// a secret (`client_secret_basic`, `client_secret_post`, `client_secret_jwt`),
/// keys (`private_key_jwt`), a TLS client certificate (RFC 8705 §2). `Debug`
/// says whether there is a secret, never the secret.
///
/// ```
/// use s2s_oauth::server::Client;
/// let client = Client::new("reporting").with_secret("s3cr3t");
/// assert_eq!(client.id(), "reporting");
/// assert!(!format!("{client:?}").contains("s3cr3t"));
/// ```
#[derive(Clone)]
pub struct Client {
    id: String,
    secret: Option<ClientSecret>,
    keys: Option<Arc<dyn Keys>>,
    tls: Option<TlsClientAuth>,
}

redacted_debug!(Client as client: id, has_secret = client.secret.is_some(), keys, tls);

impl Client {
    /// A client with this id and no credentials yet: it can only send requests
    /// without client authentication.
    pub fn new(id: impl Into<String>) -> Self {
        Client {
            id: id.into(),
            secret: None,
            keys: None,
            tls: None,
        }
    }

    /// The client secret.
    pub fn with_secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// The keys that verify the client's `private_key_jwt` assertions: one
    /// [`VerifyingKey`], a list, keys by `kid`, or a key set ([`Keys`]).
    pub fn with_keys(mut self, keys: impl Keys + 'static) -> Self {
        self.keys = Some(Arc::new(keys));
        self
    }

    /// Authentication by TLS client certificate (RFC 8705 §2).
    pub fn with_tls_client_auth(mut self, tls: TlsClientAuth) -> Self {
        self.tls = Some(tls);
        self
    }

    /// The client id.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn secret(&self) -> Option<&ClientSecret> {
        self.secret.as_ref()
    }

    pub(crate) fn keys(&self) -> Option<&dyn Keys> {
        self.keys.as_deref()
    }

    pub(crate) fn tls(&self) -> Option<&TlsClientAuth> {
        self.tls.as_ref()
    }
}

/// Where the token endpoint looks clients up by id: a map or a list of
/// [`Client`]s, or the caller's own store.
pub trait Clients {
    /// The client registered as `id`, if any.
    fn client(&self, id: &str) -> Option<&Client>;
}

impl Clients for BTreeMap<String, Client> {
    fn client(&self, id: &str) -> Option<&Client> {
        self.get(id)
    }
}

impl<S: std::hash::BuildHasher> Clients for HashMap<String, Client, S> {
    fn client(&self, id: &str) -> Option<&Client> {
        self.get(id)
    }
}

impl Clients for [Client] {
    fn client(&self, id: &str) -> Option<&Client> {
        self.iter().find(|c| c.id == id)
    }
}

impl Clients for Vec<Client> {
    fn client(&self, id: &str) -> Option<&Client> {
        self.as_slice().client(id)
    }
}

/// An issuer whose assertions the token endpoint takes as grants (RFC 7523 §3:
/// JWT `iss`; RFC 7522 §3: SAML `Issuer`), with the keys that verify them. For
/// Salesforce-style JWT bearer, the issuer is the client id.
///
/// ```
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::server::Issuer;
/// let key = SigningKey::from_pem(include_str!("../../tests/data/keys/rsa2048.pkcs8.pem"))?.verifying_key();
/// let issuer = Issuer::new("3MVG9-consumer-key").with_keys(key);
/// assert_eq!(issuer.name(), "3MVG9-consumer-key");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Issuer {
    name: String,
    keys: Option<Arc<dyn Keys>>,
    saml_key: Option<VerifyingKey>,
    subject_optional: bool,
}

impl Issuer {
    /// An issuer with this name and no keys yet (its assertions are refused).
    pub fn new(name: impl Into<String>) -> Self {
        Issuer {
            name: name.into(),
            keys: None,
            saml_key: None,
            subject_optional: false,
        }
    }

    /// The keys that verify this issuer's JWT assertions (and its SAML assertions
    /// when it has no [`with_saml_key`](Self::with_saml_key)).
    pub fn with_keys(mut self, keys: impl Keys + 'static) -> Self {
        self.keys = Some(Arc::new(keys));
        self
    }

    /// The key of the certificate that signs this issuer's SAML assertions.
    pub fn with_saml_key(mut self, key: VerifyingKey) -> Self {
        self.saml_key = Some(key);
        self
    }

    /// Takes JWT assertions with no `sub` (a service account acting for itself,
    /// as Google's). RFC 7523 §3 requires `sub`; this relaxes it.
    pub fn allow_missing_subject(mut self) -> Self {
        self.subject_optional = true;
        self
    }

    /// The issuer's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn keys(&self) -> Option<&dyn Keys> {
        self.keys.as_deref()
    }

    #[cfg(feature = "saml")]
    pub(crate) fn saml_keys(&self) -> Vec<&VerifyingKey> {
        match (&self.saml_key, &self.keys) {
            (Some(key), _) => vec![key],
            (None, Some(keys)) => keys.candidates(None),
            (None, None) => Vec::new(),
        }
    }

    pub(crate) fn subject_optional(&self) -> bool {
        self.subject_optional
    }
}

/// Where the token endpoint looks issuers up by name.
pub trait Issuers {
    /// The issuer named `name`, if registered.
    fn issuer(&self, name: &str) -> Option<&Issuer>;
}

impl Issuers for BTreeMap<String, Issuer> {
    fn issuer(&self, name: &str) -> Option<&Issuer> {
        self.get(name)
    }
}

impl<S: std::hash::BuildHasher> Issuers for HashMap<String, Issuer, S> {
    fn issuer(&self, name: &str) -> Option<&Issuer> {
        self.get(name)
    }
}

impl Issuers for [Issuer] {
    fn issuer(&self, name: &str) -> Option<&Issuer> {
        self.iter().find(|i| i.name == name)
    }
}

impl Issuers for Vec<Issuer> {
    fn issuer(&self, name: &str) -> Option<&Issuer> {
        self.as_slice().issuer(name)
    }
}
