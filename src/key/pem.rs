//! PEM (RFC 7468) on top of `rustls_pki_types::pem`, plus the labels it skips that
//! matter for good error messages: `ENCRYPTED PRIVATE KEY`, legacy
//! `Proc-Type: 4,ENCRYPTED` headers, and `RSA PUBLIC KEY`.

use base64ct::{Base64, Encoding};
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
    let b64: Vec<u8> = body
        .get(..end)
        .unwrap_or_default()
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    Base64::decode_vec(std::str::from_utf8(&b64).map_err(|_| KeyError::BadPem)?)
        .map(Some)
        .map_err(|_| KeyError::BadPem)
}
