//! The JWK thumbprint (RFC 7638): SHA-256 over the public key's required JWK
//! members, in lexicographic order, with no whitespace, base64url without padding.

use crate::encoding::Base64;

/// A public key's members for its thumbprint (RFC 7638 §3.2), as raw bytes.
pub(super) enum Members<'a> {
    /// `{"e","kty":"RSA","n"}`: the exponent and modulus, big-endian.
    Rsa { e: &'a [u8], n: &'a [u8] },
    /// `{"crv","kty":"EC","x","y"}` from an uncompressed SEC1 point (`04 ‖ x ‖ y`).
    Ec { crv: &'static str, point: &'a [u8] },
    /// `{"crv":"Ed25519","kty":"OKP","x"}` (RFC 8037 §2).
    Ed25519 { x: &'a [u8] },
}

/// The thumbprint; `None` for an EC point that is not uncompressed.
pub(super) fn jwk_thumbprint(members: &Members<'_>) -> Option<String> {
    canonical_jwk(members).map(|json| of_canonical_jwk(&json))
}

/// The thumbprint of a JWK already written by [`canonical_jwk`].
pub(super) fn of_canonical_jwk(json: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, json.as_bytes());
    Base64::UrlUnpadded.encode_string(digest.as_ref())
}

/// The public key as a JWK holding its required members only, in lexicographic
/// order and with no whitespace (RFC 7638 §3.2): a valid public JWK (RFC 7517 §4)
/// and the thumbprint's input at once. `None` for an EC point that is not
/// uncompressed.
pub(super) fn canonical_jwk(members: &Members<'_>) -> Option<String> {
    let b64 = |data: &[u8]| Base64::UrlUnpadded.encode_string(data);
    let json = match members {
        Members::Rsa { e, n } => format!(
            r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
            b64(strip_zeros(e)),
            b64(strip_zeros(n))
        ),
        Members::Ec { crv, point } => {
            let coordinates = point.strip_prefix(&[4])?;
            if coordinates.is_empty() || coordinates.len() % 2 != 0 {
                return None;
            }
            let (x, y) = coordinates.split_at(coordinates.len() / 2);
            format!(
                r#"{{"crv":"{crv}","kty":"EC","x":"{}","y":"{}"}}"#,
                b64(x),
                b64(y)
            )
        }
        Members::Ed25519 { x } => format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, b64(x)),
    };
    Some(json)
}

/// RFC 7518 §6.3.1: `n` and `e` are unsigned big-endian with no leading zeros.
fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64UrlUnpadded, Encoding};

    /// RFC 7638 §3.1: the example RSA key and its thumbprint.
    #[test]
    fn rfc7638_example() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let n = Base64UrlUnpadded::decode_vec(n).unwrap();
        let thumbprint = jwk_thumbprint(&Members::Rsa {
            e: &[0x01, 0x00, 0x01],
            n: &n,
        });
        assert_eq!(
            thumbprint.as_deref(),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        );
        // Leading zero bytes (ring's positive integers have none; DER's may) change nothing.
        let mut padded = vec![0];
        padded.extend_from_slice(&n);
        let again = jwk_thumbprint(&Members::Rsa {
            e: &[0, 0x01, 0x00, 0x01],
            n: &padded,
        });
        assert_eq!(again, thumbprint);
    }

    #[test]
    fn a_compressed_or_odd_ec_point_has_none() {
        for point in [&[2u8, 1, 2][..], &[4, 1, 2, 3], &[4]] {
            assert_eq!(
                jwk_thumbprint(&Members::Ec {
                    crv: "P-256",
                    point
                }),
                None
            );
        }
    }
}
