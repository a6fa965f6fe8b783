//! A minimal DER reader and writer (X.690), just enough to classify key files,
//! read an RSA modulus length, find a certificate's SubjectPublicKeyInfo and wrap a
//! SEC1 EC key into PKCS#8. Everything that can go wrong is a
//! [`KeyError::Malformed`]; nothing here panics on input.

use super::KeyError;

pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
pub(crate) const SEQUENCE: u8 = 0x30;
/// X.509 `Time` (RFC 5280 §4.1.2.5).
pub(crate) const UTC_TIME: u8 = 0x17;
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
/// `[0]` constructed, context-specific.
pub(crate) const CONTEXT_0: u8 = 0xa0;
/// `[1]` constructed, context-specific.
pub(crate) const CONTEXT_1: u8 = 0xa1;

/// Object identifiers (DER content bytes, without tag and length).
pub(crate) mod oid {
    /// rsaEncryption, 1.2.840.113549.1.1.1 (RFC 8017).
    pub(crate) const RSA_ENCRYPTION: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    /// id-RSASSA-PSS, 1.2.840.113549.1.1.10 (RFC 4055).
    pub(crate) const RSASSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
    /// id-ecPublicKey, 1.2.840.10045.2.1 (RFC 5480).
    pub(crate) const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    /// prime256v1 / secp256r1, 1.2.840.10045.3.1.7.
    pub(crate) const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    /// secp384r1, 1.3.132.0.34.
    pub(crate) const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    /// id-Ed25519, 1.3.101.112 (RFC 8410).
    pub(crate) const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    /// id-Ed448, 1.3.101.113.
    pub(crate) const ED448: &[u8] = &[0x2b, 0x65, 0x71];
    /// id-X25519, 1.3.101.110.
    pub(crate) const X25519: &[u8] = &[0x2b, 0x65, 0x6e];
    /// id-X448, 1.3.101.111.
    pub(crate) const X448: &[u8] = &[0x2b, 0x65, 0x6f];
    /// id-dsa, 1.2.840.10040.4.1.
    pub(crate) const DSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];
}

/// Reads consecutive TLVs from a byte slice.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader { rest: data }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// What is left to read.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// The tag of the next element, if any.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads the next element: its tag and its content.
    pub(crate) fn read_any(&mut self) -> Result<(u8, &'a [u8]), KeyError> {
        let (tag, content, rest) = split_tlv(self.rest)?;
        self.rest = rest;
        Ok((tag, content))
    }

    /// Reads the next element, which must have `tag`; `what` names it in the error.
    pub(crate) fn read(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8], KeyError> {
        match self.read_any() {
            Ok((t, content)) if t == tag => Ok(content),
            _ => Err(KeyError::Malformed(what)),
        }
    }

    /// Reads the next element, which must have `tag`, and returns it whole (tag,
    /// length and content).
    pub(crate) fn read_element(
        &mut self,
        tag: u8,
        what: &'static str,
    ) -> Result<&'a [u8], KeyError> {
        let start = self.rest;
        self.read(tag, what)?;
        let len = start.len() - self.rest.len();
        start.get(..len).ok_or(KeyError::Malformed(what))
    }

    /// Reads the next element if it has `tag`.
    pub(crate) fn read_optional(
        &mut self,
        tag: u8,
        what: &'static str,
    ) -> Result<Option<&'a [u8]>, KeyError> {
        if self.peek_tag() == Some(tag) {
            self.read(tag, what).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Reads the next element whatever it is, or fails with `what`.
    pub(crate) fn skip(&mut self, what: &'static str) -> Result<(), KeyError> {
        self.read_any()
            .map(|_| ())
            .map_err(|_| KeyError::Malformed(what))
    }
}

/// Splits one TLV off the front of `data`: (tag, content, rest).
fn split_tlv(data: &[u8]) -> Result<(u8, &[u8], &[u8]), KeyError> {
    const TRUNCATED: KeyError = KeyError::Malformed("DER element is truncated");
    let (&tag, after_tag) = data.split_first().ok_or(TRUNCATED)?;
    if tag & 0x1f == 0x1f {
        return Err(KeyError::Malformed(
            "DER high tag numbers are not used in keys",
        ));
    }
    let (&first, mut after_len) = after_tag.split_first().ok_or(TRUNCATED)?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return Err(KeyError::Malformed("DER length is indefinite or too large"));
        }
        let (len_bytes, rest) = after_len.split_at_checked(count).ok_or(TRUNCATED)?;
        after_len = rest;
        len_bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let (content, rest) = after_len.split_at_checked(len).ok_or(TRUNCATED)?;
    Ok((tag, content, rest))
}

/// Parses `data` as exactly one element with `tag` (nothing may follow) and
/// returns its content.
pub(crate) fn single<'a>(
    data: &'a [u8],
    tag: u8,
    what: &'static str,
) -> Result<&'a [u8], KeyError> {
    let (t, content, rest) = split_tlv(data).map_err(|_| KeyError::Malformed(what))?;
    if t != tag || !rest.is_empty() {
        return Err(KeyError::Malformed(what));
    }
    Ok(content)
}

/// The bit length of an unsigned big-endian INTEGER content (leading zeros ignored).
pub(crate) fn unsigned_bits(content: &[u8]) -> usize {
    let trimmed = match content.iter().position(|&b| b != 0) {
        Some(i) => content.get(i..).unwrap_or_default(),
        None => return 0,
    };
    match trimmed.first() {
        Some(&top) => trimmed.len() * 8 - top.leading_zeros() as usize,
        None => 0,
    }
}

/// The content of a BIT STRING with no unused bits (as every key encoding uses).
pub(crate) fn bit_string_bytes<'a>(
    content: &'a [u8],
    what: &'static str,
) -> Result<&'a [u8], KeyError> {
    match content.split_first() {
        Some((0, bytes)) => Ok(bytes),
        _ => Err(KeyError::Malformed(what)),
    }
}

/// Appends one TLV element to `out`.
pub(crate) fn write_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
}

/// The encoded length of a TLV element whose content is `content_len` bytes.
pub(crate) fn tlv_len(content_len: usize) -> usize {
    let len_bytes = if content_len < 0x80 {
        1
    } else {
        1 + (usize::BITS - content_len.leading_zeros()).div_ceil(8) as usize
    };
    1 + len_bytes + content_len
}

/// A TLV element as a new vector.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    write_tlv(&mut out, tag, content);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn tlv_len_is_the_written_length() {
        for n in [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000] {
            let content = vec![0u8; n];
            assert_eq!(super::tlv_len(n), super::tlv(0x04, &content).len(), "{n}");
        }
    }

    use super::*;

    #[test]
    fn reads_short_and_long_lengths() {
        let long = tlv(OCTET_STRING, &[7u8; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
        let mut seq = tlv(INTEGER, &[1]);
        seq.extend_from_slice(&long);
        let outer = tlv(SEQUENCE, &seq);
        let content = single(&outer, SEQUENCE, "outer").unwrap();
        let mut r = Reader::new(content);
        assert_eq!(r.read(INTEGER, "int").unwrap(), &[1]);
        assert_eq!(r.read(OCTET_STRING, "octets").unwrap().len(), 300);
        assert!(r.is_empty());
    }

    #[test]
    fn refuses_truncated_trailing_and_indefinite() {
        assert!(single(&[0x30, 0x05, 0x02, 0x01], SEQUENCE, "x").is_err());
        assert!(single(&[0x02, 0x01, 0x01, 0x00], INTEGER, "x").is_err());
        assert!(single(&[0x30, 0x80, 0x00, 0x00], SEQUENCE, "x").is_err());
        assert!(single(&[0x30, 0x85, 1, 1, 1, 1, 1], SEQUENCE, "x").is_err());
        assert!(single(&[], SEQUENCE, "x").is_err());
        assert!(single(&[0x1f, 0x01, 0x00], 0x1f, "x").is_err());
    }

    #[test]
    fn counts_integer_bits() {
        assert_eq!(unsigned_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(unsigned_bits(&[0x01, 0xff]), 9);
        assert_eq!(unsigned_bits(&[0x00]), 0);
        assert_eq!(unsigned_bits(&[]), 0);
    }
}
