//! Strict padded base64 (RFC 4648 §4, the standard alphabet), decoded through a
//! lookup table: the `DigestValue` and `SignatureValue` of a received XML-DSig
//! signature.
//!
//! It accepts exactly what `base64ct::Base64` accepts (the tests below hold it to
//! that over a generated set of inputs): the alphabet `A-Z a-z 0-9 + /`, a length
//! that is a multiple of 4, `=` padding only to complete the last group, no
//! whitespace, and no set bit in the unused low bits of a final partial group
//! (one encoding per byte string). base64ct decodes in constant time, which the
//! public values of a signature do not need; the table is several times fewer
//! instructions per character.

/// The marker of a byte outside the alphabet in [`TABLE`].
const INVALID: u8 = 0xff;

/// Each byte's 6-bit value, or [`INVALID`] (`=` included).
static TABLE: [u8; 256] = table();

const fn table() -> [u8; 256] {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
}

fn value(byte: u8) -> u8 {
    TABLE[usize::from(byte)]
}

/// `text` decoded, or `None` if it is not strict padded base64.
pub(crate) fn decode_padded(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let Some((groups, last)) = text.split_last_chunk::<4>() else {
        return Some(out);
    };
    // Every value of the alphabet fits 6 bits; INVALID has the top bits set.
    let mut invalid = 0u8;
    for group in groups.chunks_exact(4) {
        let &[a, b, c, d] = group else { return None };
        let (a, b, c, d) = (value(a), value(b), value(c), value(d));
        invalid |= a | b | c | d;
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        out.extend_from_slice(&n.to_be_bytes()[1..]);
    }
    let &[a, b, c, d] = last;
    let (a, b) = (value(a), value(b));
    invalid |= a | b;
    let bits = match (c, d) {
        (b'=', b'=') => {
            out.push(a << 2 | b >> 4);
            // 12 bits for one byte: the last 4 must be zero.
            b & 0x0f
        }
        (c, b'=') => {
            let c = value(c);
            invalid |= c;
            out.extend_from_slice(&[a << 2 | b >> 4, b << 4 | c >> 2]);
            // 18 bits for two bytes: the last 2 must be zero.
            c & 0x03
        }
        (c, d) => {
            let (c, d) = (value(c), value(d));
            invalid |= c | d;
            out.extend_from_slice(&[a << 2 | b >> 4, b << 4 | c >> 2, c << 6 | d]);
            0
        }
    };
    (invalid & 0xc0 == 0 && bits == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use base64ct::{Base64, Encoding};

    use super::*;

    fn theirs(text: &[u8]) -> Option<Vec<u8>> {
        let text = std::str::from_utf8(text).ok()?;
        Base64::decode_vec(text).ok()
    }

    /// Every string of up to 4 characters over an alphabet that has each class
    /// of byte in it (first and last values of each range, characters with
    /// trailing bits set and clear, `+ /`, the URL alphabet's `- _`, padding,
    /// whitespace, NUL, a non-ASCII byte), and every string of 8 over a smaller
    /// one (padding inside, trailing bits): the same answer as base64ct.
    #[test]
    fn agrees_with_base64ct_on_every_short_string() {
        let mut checked = 0usize;
        for (symbols, lens) in [
            (&b"AQBZagz09w+/E-_= \n.\0\xc3"[..], 0..=4u32),
            (&b"AQw/="[..], 5..=8),
        ] {
            let mut text = Vec::new();
            for len in lens {
                for mut i in 0..symbols.len().pow(len) {
                    text.clear();
                    for _ in 0..len {
                        text.push(symbols[i % symbols.len()]);
                        i /= symbols.len();
                    }
                    assert_eq!(decode_padded(&text), theirs(&text), "{text:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 200_000);
    }

    /// Longer strings: the encodings of pseudo-random byte strings of every
    /// length up to 300, each then damaged at one position with each symbol.
    #[test]
    fn agrees_with_base64ct_on_long_strings() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in 0..300usize {
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let encoded = Base64::encode_string(&data);
            assert_eq!(decode_padded(encoded.as_bytes()), Some(data.clone()));
            if encoded.is_empty() {
                continue;
            }
            for symbol in b"AQ_-+/= \0" {
                let mut damaged = encoded.clone().into_bytes();
                let at = next() as usize % damaged.len();
                damaged[at] = *symbol;
                assert_eq!(decode_padded(&damaged), theirs(&damaged), "{damaged:?}");
                damaged.push(*symbol);
                assert_eq!(decode_padded(&damaged), theirs(&damaged), "{damaged:?}");
            }
        }
    }
}
