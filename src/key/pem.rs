//! PEM (RFC 7468) on top of `rustls_pki_types::pem`, plus the labels it skips that
//! matter for good error messages: `ENCRYPTED PRIVATE KEY`, legacy
//! `Proc-Type: 4,ENCRYPTED` headers, and `RSA PUBLIC KEY`.

use rustls_pki_types::pem::{self, SectionKind};
use zeroize::Zeroizing;

use super::KeyError;

/// One decoded PEM block.
pub(crate) enum Block {
    /// A private key (`PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`): its DER is
    /// wiped when dropped, whether it was used or skipped.
    PrivateKey(Zeroizing<Vec<u8>>),
    /// Another section `rustls_pki_types` knows.
    Known(SectionKind, Vec<u8>),
    /// `BEGIN RSA PUBLIC KEY`: a PKCS#1 RSAPublicKey.
    RsaPublicKey(Vec<u8>),
}

/// What a PEM input holds, in order, with the markers that are reported as errors.
pub(crate) struct Contents {
    pub(crate) blocks: Vec<Block>,
    /// An `ENCRYPTED PRIVATE KEY` block or a legacy encrypted PEM header.
    pub(crate) encrypted: bool,
}

/// Decodes every PEM block in `input`. Empty (or all-whitespace) input is
/// [`KeyError::Empty`]; input with no PEM armor that reads as a file path is
/// [`KeyError::LooksLikePath`]; other input with no PEM armor, or with no block at
/// all, is [`KeyError::Unrecognized`]; broken armor or base64 is [`KeyError::BadPem`].
pub(crate) fn parse(input: &[u8]) -> Result<Contents, KeyError> {
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(KeyError::Empty);
    }
    if !contains(input, b"-----BEGIN ") {
        if super::file::looks_like_path(input) {
            return Err(KeyError::LooksLikePath);
        }
        return Err(KeyError::Unrecognized);
    }
    let encrypted = contains(input, b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || contains(input, b"Proc-Type: 4,ENCRYPTED");
    if encrypted {
        // A legacy encrypted block carries headers the decoder refuses; nothing in an
        // encrypted file is usable anyway.
        return Ok(Contents {
            blocks: Vec::new(),
            encrypted,
        });
    }
    let mut blocks = Vec::new();
    let mut reader: &[u8] = input;
    loop {
        match pem::from_buf(&mut reader) {
            Ok(Some((
                SectionKind::PrivateKey | SectionKind::RsaPrivateKey | SectionKind::EcPrivateKey,
                der,
            ))) => blocks.push(Block::PrivateKey(Zeroizing::new(der))),
            Ok(Some((kind, der))) => blocks.push(Block::Known(kind, der)),
            Ok(None) => break,
            Err(_) => return Err(KeyError::BadPem),
        }
    }
    if let Some(der) = rsa_public_key_block(input)? {
        blocks.push(Block::RsaPublicKey(der));
    }
    if blocks.is_empty() {
        return Err(KeyError::Unrecognized);
    }
    Ok(Contents { blocks, encrypted })
}

impl Block {
    /// A private key block.
    pub(crate) fn is_private_key(&self) -> bool {
        matches!(self, Block::PrivateKey(_))
    }

    /// A public key block: `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1).
    pub(crate) fn is_public_key(&self) -> bool {
        matches!(
            self,
            Block::Known(SectionKind::PublicKey, _) | Block::RsaPublicKey(_)
        )
    }

    /// A `CERTIFICATE` block.
    pub(crate) fn is_certificate(&self) -> bool {
        matches!(self, Block::Known(SectionKind::Certificate, _))
    }
}

/// A refusal a loader names when no block was taken: the error, if some block
/// passes the test.
pub(crate) type Refusal = (fn(&Block) -> bool, KeyError);

/// The one PEM selection behind every `from_pem`: decodes `input` ([`parse`]),
/// refuses an encrypted input with `if_encrypted`, and loads the first block
/// `load` takes (it returns `None` for a block it does not want). With none
/// taken, the error is the first of `refusals` whose test matches some block
/// (a certificate where a private key was wanted, say), else
/// [`KeyError::Unrecognized`].
pub(crate) fn load_first<T, const N: usize>(
    input: &[u8],
    if_encrypted: KeyError,
    refusals: [Refusal; N],
    mut load: impl FnMut(Block) -> Option<Result<T, KeyError>>,
) -> Result<T, KeyError> {
    let contents = parse(input)?;
    if contents.encrypted {
        return Err(if_encrypted);
    }
    let refusal = refusals
        .into_iter()
        .find(|(matches, _)| contents.blocks.iter().any(matches))
        .map_or(KeyError::Unrecognized, |(_, error)| error);
    for block in contents.blocks {
        if let Some(loaded) = load(block) {
            return loaded;
        }
    }
    Err(refusal)
}

/// [`load_first`] for a loader of public material (a public key, a certificate):
/// an encrypted input or a lone private key is [`KeyError::PrivateKeyNotPublic`].
pub(crate) fn load_first_public<T>(
    input: &[u8],
    load: impl FnMut(Block) -> Option<Result<T, KeyError>>,
) -> Result<T, KeyError> {
    load_first(
        input,
        KeyError::PrivateKeyNotPublic,
        [(Block::is_private_key, KeyError::PrivateKeyNotPublic)],
        load,
    )
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The first `RSA PUBLIC KEY` block (a label the rustls decoder skips), decoded.
fn rsa_public_key_block(input: &[u8]) -> Result<Option<Vec<u8>>, KeyError> {
    const BEGIN: &[u8] = b"-----BEGIN RSA PUBLIC KEY-----";
    const END: &[u8] = b"-----END RSA PUBLIC KEY-----";
    let Some(start) = input.windows(BEGIN.len()).position(|w| w == BEGIN) else {
        return Ok(None);
    };
    let body = input.get(start + BEGIN.len()..).unwrap_or_default();
    let end = body
        .windows(END.len())
        .position(|w| w == END)
        .ok_or(KeyError::BadPem)?;
    // The same base64 under a label the rustls decoder knows: one base64 decoder
    // in the program (base64ct's would be a second).
    const RELABELLED: [&[u8]; 2] = [
        b"-----BEGIN PUBLIC KEY-----\n",
        b"\n-----END PUBLIC KEY-----\n",
    ];
    let b64 = body.get(..end).unwrap_or_default();
    let block = [RELABELLED[0], b64, RELABELLED[1]].concat();
    match pem::from_buf(&mut block.as_slice()) {
        Ok(Some((SectionKind::PublicKey, der))) => Ok(Some(der)),
        _ => Err(KeyError::BadPem),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Certificate, SigningKey, VerifyingKey};
    use super::*;

    const CERT: &str = include_str!("../../tests/data/keys/p256.cert.pem");
    const PUBLIC: &str = include_str!("../../tests/data/keys/p256.pub.pem");
    const RSA_PUBLIC: &str = include_str!("../../tests/data/keys/rsa2048.pkcs1.pub.pem");
    const PRIVATE: &str = include_str!("../../tests/data/keys/p256.pkcs8.pem");

    #[test]
    fn a_signing_key_refusal_names_a_public_key_before_a_certificate() {
        for pem in [
            format!("{CERT}{PUBLIC}"),
            format!("{PUBLIC}{CERT}"),
            format!("{CERT}{RSA_PUBLIC}"),
        ] {
            assert_eq!(
                SigningKey::from_pem(&pem).unwrap_err(),
                KeyError::PublicKeyNotPrivate
            );
        }
        assert_eq!(
            SigningKey::from_pem(CERT).unwrap_err(),
            KeyError::CertificateNotKey
        );
    }

    #[test]
    fn the_first_wanted_block_is_loaded_whatever_comes_before() {
        let key = SigningKey::from_pem(format!("{CERT}{PUBLIC}{PRIVATE}")).unwrap();
        assert_eq!(key.key_type(), super::super::KeyType::EcP256);
        let cert = Certificate::from_pem(format!("{PRIVATE}{CERT}")).unwrap();
        assert_eq!(cert, Certificate::from_pem(CERT).unwrap());
        let public = VerifyingKey::from_pem(format!("{PRIVATE}{PUBLIC}")).unwrap();
        assert_eq!(public.key_type(), super::super::KeyType::EcP256);
    }

    #[test]
    fn a_public_loader_refuses_a_lone_private_key_by_name() {
        assert_eq!(
            Certificate::from_pem(PRIVATE).unwrap_err(),
            KeyError::PrivateKeyNotPublic
        );
        assert_eq!(
            VerifyingKey::from_pem(PRIVATE).unwrap_err(),
            KeyError::PrivateKeyNotPublic
        );
        assert_eq!(
            Certificate::from_pem(PUBLIC).unwrap_err(),
            KeyError::Unrecognized
        );
    }
}
