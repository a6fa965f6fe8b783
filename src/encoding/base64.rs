//! Strict base64 decoded through lookup tables, for public values whose decoding
//! needs no constant time: the three parts of a received JWT (base64url without
//! padding, RFC 4648 §5 as RFC 7515 §2 uses it) and the `DigestValue` and
//! `SignatureValue` of a received XML-DSig signature (padded base64, RFC 4648 §4).
//!
//! Each decoder accepts exactly what base64ct accepts for its alphabet (the tests
//! below hold them to `base64ct::Base64UrlUnpadded` and `base64ct::Base64` over a
//! generated set of inputs): the alphabet only, no whitespace, padding only where
//! the alphabet has it and only to complete the last group, no length of 1 modulo
//! 4, and no set bit in the unused low bits of a final partial group (one encoding
//! per byte string). base64ct decodes in constant time, which public values do not
//! need; a table is several times fewer instructions per character.

/// The marker of a byte outside an alphabet in a table (`=` included).
const INVALID: u8 = 0xff;

/// Each byte's 6-bit value in the URL-safe alphabet, or [`INVALID`].
static URL: [u8; 256] = table(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

/// Each byte's 6-bit value in the standard alphabet, or [`INVALID`].
#[cfg(any(feature = "saml", test))]
static STANDARD: [u8; 256] =
    table(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

const fn table(alphabet: &[u8; 64]) -> [u8; 256] {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// `text` was not strict base64 of the expected form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invalid;

/// How many bytes `len` characters of unpadded base64url decode to (at most).
pub(crate) fn url_decoded_len(len: usize) -> usize {
    len / 4 * 3 + (len % 4) * 3 / 4
}

/// Decodes unpadded base64url `text`, appending the bytes to `out`. On error
/// `out` is left as it was.
pub(crate) fn decode_url_into(text: &[u8], out: &mut Vec<u8>) -> Result<(), Invalid> {
    let start = out.len();
    let (groups, tail) = text.split_at(text.len() / 4 * 4);
    out.reserve(url_decoded_len(text.len()));
    let decoded = decode(&URL, groups, out).and_then(|()| match *tail {
        [] => Ok(()),
        [a, b] => partial(&URL, a, b, None, out),
        [a, b, c] => partial(&URL, a, b, Some(c), out),
        // A single character carries 6 bits: not even one byte.
        _ => Err(Invalid),
    });
    if decoded.is_err() {
        out.truncate(start);
    }
    decoded
}

/// `text`, strict padded base64, decoded; `None` if it is anything else.
#[cfg(any(feature = "saml", test))]
pub(crate) fn decode_padded(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let Some((groups, &[a, b, c, d])) = text.split_last_chunk::<4>() else {
        return Some(out);
    };
    decode(&STANDARD, groups, &mut out).ok()?;
    match (c, d) {
        (b'=', b'=') => partial(&STANDARD, a, b, None, &mut out),
        (c, b'=') => partial(&STANDARD, a, b, Some(c), &mut out),
        (c, d) => decode(&STANDARD, &[a, b, c, d], &mut out),
    }
    .ok()?;
    Some(out)
}

/// Decodes whole groups of four characters (`text.len()` a multiple of 4),
/// appending three bytes each (written in place into room made once, with no
/// capacity check per group). On error the bytes appended are garbage: the
/// callers cut them off or drop `out`.
fn decode(table: &[u8; 256], text: &[u8], out: &mut Vec<u8>) -> Result<(), Invalid> {
    let start = out.len();
    out.resize(start + text.len() / 4 * 3, 0);
    let room = out.get_mut(start..).unwrap_or_default();
    // Every value of an alphabet fits 6 bits; INVALID has the top bits set.
    let mut invalid = 0u8;
    for (group, bytes) in text.chunks_exact(4).zip(room.chunks_exact_mut(3)) {
        let &[a, b, c, d] = group else {
            return Err(Invalid);
        };
        let [a, b, c, d] = [a, b, c, d].map(|byte| table[usize::from(byte)]);
        invalid |= a | b | c | d;
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        let [_, x, y, z] = n.to_be_bytes();
        bytes.copy_from_slice(&[x, y, z]);
    }
    if invalid & 0xc0 != 0 {
        return Err(Invalid);
    }
    Ok(())
}

/// Decodes a final partial group, two characters (one byte) or three (two
/// bytes), whose unused low bits must be zero.
fn partial(
    table: &[u8; 256],
    a: u8,
    b: u8,
    c: Option<u8>,
    out: &mut Vec<u8>,
) -> Result<(), Invalid> {
    let value = |byte: u8| table[usize::from(byte)];
    let (a, b) = (value(a), value(b));
    let (invalid, unused) = match c.map(value) {
        None => {
            out.push(a << 2 | b >> 4);
            // 12 bits for one byte: the last 4 must be zero.
            (a | b, b & 0x0f)
        }
        Some(c) => {
            out.extend_from_slice(&[a << 2 | b >> 4, b << 4 | c >> 2]);
            // 18 bits for two bytes: the last 2 must be zero.
            (a | b | c, c & 0x03)
        }
    };
    if invalid & 0xc0 != 0 || unused != 0 {
        return Err(Invalid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use base64ct::{Base64, Base64UrlUnpadded, Encoding};

    use super::*;

    type Decoder = fn(&[u8]) -> Option<Vec<u8>>;

    fn url(text: &[u8]) -> Option<Vec<u8>> {
        let mut out = vec![1, 2, 3];
        let decoded = decode_url_into(text, &mut out);
        // On error, `out` is left as it was.
        if decoded.is_err() {
            assert_eq!(out, [1, 2, 3]);
        }
        decoded.ok().map(|()| out.split_off(3))
    }

    fn url_theirs(text: &[u8]) -> Option<Vec<u8>> {
        Base64UrlUnpadded::decode_vec(std::str::from_utf8(text).ok()?).ok()
    }

    fn standard_theirs(text: &[u8]) -> Option<Vec<u8>> {
        Base64::decode_vec(std::str::from_utf8(text).ok()?).ok()
    }

    /// Every string of each length in `lens` over `symbols`: the same answer
    /// from `ours` and `theirs`. Returns how many strings were checked.
    fn agree_on_every_string(
        symbols: &[u8],
        lens: std::ops::RangeInclusive<u32>,
        ours: Decoder,
        theirs: Decoder,
    ) -> usize {
        let mut text = Vec::new();
        let mut checked = 0;
        for len in lens {
            for mut i in 0..symbols.len().pow(len) {
                text.clear();
                for _ in 0..len {
                    text.push(symbols[i % symbols.len()]);
                    i /= symbols.len();
                }
                assert_eq!(ours(&text), theirs(&text), "{text:?}");
                checked += 1;
            }
        }
        checked
    }

    /// The encodings of pseudo-random byte strings of every length below `lens`,
    /// decoded back, then each damaged at one position with each symbol (and
    /// lengthened by it): the same answer from `ours` and `theirs`.
    fn agree_on_damaged_encodings(
        lens: usize,
        encode: fn(&[u8]) -> String,
        ours: Decoder,
        theirs: Decoder,
    ) {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in 0..lens {
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let encoded = encode(&data);
            assert_eq!(ours(encoded.as_bytes()), Some(data));
            if encoded.is_empty() {
                continue;
            }
            for symbol in b"AQ_-+/= \0" {
                let mut damaged = encoded.clone().into_bytes();
                let at = next() as usize % damaged.len();
                damaged[at] = *symbol;
                assert_eq!(ours(&damaged), theirs(&damaged), "{damaged:?}");
                damaged.push(*symbol);
                assert_eq!(ours(&damaged), theirs(&damaged), "{damaged:?}");
            }
        }
    }

    /// Every string of up to 4 characters over an alphabet that has each class
    /// of byte in it (first and last values of each range, characters with
    /// trailing bits set and clear, both alphabets' `+ / - _`, padding,
    /// whitespace, NUL, a non-ASCII byte), and for the padded form every string
    /// of 5 to 8 over a smaller one (padding inside, trailing bits).
    #[test]
    fn agrees_with_base64ct_on_every_short_string() {
        let symbols = b"AQBZagz09w-_E+/= \n.\0\xc3";
        assert!(agree_on_every_string(symbols, 0..=4, url, url_theirs) > 100_000);
        let padded = agree_on_every_string(symbols, 0..=4, decode_padded, standard_theirs)
            + agree_on_every_string(b"AQw/=", 5..=8, decode_padded, standard_theirs);
        assert!(padded > 200_000);
    }

    #[test]
    fn agrees_with_base64ct_on_long_strings() {
        agree_on_damaged_encodings(200, Base64UrlUnpadded::encode_string, url, url_theirs);
        agree_on_damaged_encodings(300, Base64::encode_string, decode_padded, standard_theirs);
    }

    #[test]
    fn sizes_its_output() {
        for len in 0..64 {
            let encoded = Base64UrlUnpadded::encode_string(&vec![7u8; len]);
            assert_eq!(url_decoded_len(encoded.len()), len);
        }
    }
}
