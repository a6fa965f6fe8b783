//! Public keys as JWKs (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2): the required
//! members a public key is written with, and a received public JWK read back into
//! a key. The same members give the thumbprint (RFC 7638, `thumbprint.rs`).

use serde_json::{Map, Value};

use super::der::{self, Reader};
use super::load::{self, PublicKey};
use super::thumbprint::Members;
use super::{KeyError, KeyType};
use crate::encoding::base64;

/// The most bytes of JSON a received JWK may have: an RSA-8192 key is about 1.4 KB.
const MAX_JWK_LEN: usize = 4096;

/// The thumbprint members of a public key in ring's encoding (`load::PublicKey`):
/// the PKCS#1 RSAPublicKey is read for `n` and `e`, the EC point and the Ed25519
/// bytes are taken as they are.
pub(super) fn members(key_type: KeyType, bytes: &[u8]) -> Option<Members<'_>> {
    match key_type {
        KeyType::Rsa { .. } => {
            let content = der::single(bytes, der::SEQUENCE, "RSA public key").ok()?;
            let mut r = Reader::new(content);
            let n = r.read(der::INTEGER, "modulus").ok()?;
            let e = r.read(der::INTEGER, "exponent").ok()?;
            Some(Members::Rsa { e, n })
        }
        KeyType::EcP256 => Some(Members::Ec {
            crv: "P-256",
            point: bytes,
        }),
        KeyType::EcP384 => Some(Members::Ec {
            crv: "P-384",
            point: bytes,
        }),
        KeyType::Ed25519 => Some(Members::Ed25519 { x: bytes }),
        KeyType::Hmac => None,
    }
}

/// A JWK's JSON text, read into a public key in ring's encoding.
pub(super) fn parse_text(json: &str) -> Result<PublicKey, KeyError> {
    if json.len() > MAX_JWK_LEN {
        return Err(KeyError::Malformed("the JWK is larger than 4 KiB"));
    }
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(object)) => parse(&object),
        _ => Err(KeyError::Malformed("the JWK is not a JSON object")),
    }
}

/// A JWK object read into a public key. A JWK with private members (`d`, `p`,
/// `q`, `dp`, `dq`, `qi`, `oth`, `k`) is refused: whoever sent it has leaked its
/// private key, and a public key was asked for.
pub(super) fn parse(jwk: &Map<String, Value>) -> Result<PublicKey, KeyError> {
    const PRIVATE: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
    if PRIVATE.iter().any(|name| jwk.contains_key(*name)) {
        return Err(KeyError::PrivateKeyNotPublic);
    }
    let kty = text(jwk, "kty")?;
    match kty {
        "EC" => {
            let (key_type, len) = match text(jwk, "crv")? {
                "P-256" => (KeyType::EcP256, 32),
                "P-384" => (KeyType::EcP384, 48),
                _ => {
                    return Err(KeyError::Unsupported(
                        "an EC JWK on a curve other than P-256 or P-384",
                    ));
                }
            };
            let x = bytes(jwk, "x")?;
            let y = bytes(jwk, "y")?;
            if x.len() != len || y.len() != len {
                return Err(KeyError::Malformed(
                    "the EC JWK's x or y is not the length of its curve's coordinates",
                ));
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(4);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            Ok(PublicKey {
                key_type,
                bytes: point,
            })
        }
        "RSA" => {
            let n = bytes(jwk, "n")?;
            let e = bytes(jwk, "e")?;
            if e.is_empty() || e.len() > 8 {
                return Err(KeyError::Malformed("the RSA JWK's e is empty or too long"));
            }
            load::rsa_public(&rsa_public_key_der(&n, &e))
        }
        "OKP" => {
            if text(jwk, "crv")? != "Ed25519" {
                return Err(KeyError::Unsupported(
                    "an OKP JWK other than Ed25519 (X25519, Ed448)",
                ));
            }
            let x = bytes(jwk, "x")?;
            if x.len() != 32 {
                return Err(KeyError::Malformed("the Ed25519 JWK's x is not 32 bytes"));
            }
            Ok(PublicKey {
                key_type: KeyType::Ed25519,
                bytes: x,
            })
        }
        "oct" => Err(KeyError::PrivateKeyNotPublic),
        _ => Err(KeyError::Unsupported(
            "a JWK whose kty is not EC, RSA or OKP",
        )),
    }
}

/// A string member, required.
fn text<'a>(jwk: &'a Map<String, Value>, name: &'static str) -> Result<&'a str, KeyError> {
    match jwk.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(KeyError::Malformed(match name {
            "kty" => "the JWK's kty is not a string",
            _ => "the JWK's crv is not a string",
        })),
        None => Err(KeyError::Malformed(match name {
            "kty" => "the JWK has no kty",
            _ => "the JWK has no crv",
        })),
    }
}

/// A base64url member (RFC 7518 §6: unpadded), required.
fn bytes(jwk: &Map<String, Value>, name: &'static str) -> Result<Vec<u8>, KeyError> {
    let Some(Value::String(encoded)) = jwk.get(name) else {
        return Err(KeyError::Malformed(
            "the JWK lacks one of its key's members (x, y for EC; n, e for RSA; x for OKP), or one is not a string",
        ));
    };
    let mut out = Vec::with_capacity(base64::url_decoded_len(encoded.len()));
    base64::decode_url_into(encoded.as_bytes(), &mut out).map_err(|_| {
        KeyError::Malformed("a JWK member is not base64url without padding (RFC 7518 §6)")
    })?;
    Ok(out)
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, in DER
/// (RFC 8017 Appendix A.1.1), as ring takes it.
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(n.len() + e.len() + 16);
    push_unsigned(&mut content, n);
    push_unsigned(&mut content, e);
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(der::SEQUENCE);
    push_len(&mut out, content.len());
    out.extend_from_slice(&content);
    out
}

/// A DER INTEGER holding the unsigned big-endian `value` (leading zeros dropped,
/// one added when the high bit is set).
fn push_unsigned(out: &mut Vec<u8>, value: &[u8]) {
    let start = value.iter().position(|&b| b != 0).unwrap_or(value.len());
    let value = &value[start..];
    let pad = value.first().is_none_or(|&b| b & 0x80 != 0);
    out.push(der::INTEGER);
    push_len(out, value.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(value);
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let start = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - start) as u8);
        out.extend_from_slice(&bytes[start..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_and_integers() {
        let mut out = Vec::new();
        push_unsigned(&mut out, &[0, 0, 0x80]);
        assert_eq!(out, [2, 2, 0, 0x80]);
        let mut out = Vec::new();
        push_unsigned(&mut out, &[1, 0, 1]);
        assert_eq!(out, [2, 3, 1, 0, 1]);
        let mut out = Vec::new();
        push_len(&mut out, 300);
        assert_eq!(out, [0x82, 1, 44]);
    }
}
