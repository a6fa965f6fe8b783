//! Strict base64url without padding (RFC 4648 §5, as RFC 7515 §2 uses it), decoded
//! through a lookup table: the three parts of a received JWT.
//!
//! It accepts exactly what `base64ct::Base64UrlUnpadded` accepts (the tests below
//! hold it to that over a generated set of inputs): the alphabet `A-Z a-z 0-9 - _`
//! only, no `=` padding, no whitespace, no length of 1 modulo 4, and no set bit
//! in the unused low bits of a final partial group (one encoding per byte string).
//! base64ct decodes in constant time, which a public token does not need; the table
//! is some four times fewer instructions per character.

/// The marker of a byte outside the alphabet in [`TABLE`].
const INVALID: u8 = 0xff;

/// Each byte's 6-bit value, or [`INVALID`].
static TABLE: [u8; 256] = table();

const fn table() -> [u8; 256] {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// `text` was not strict unpadded base64url.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invalid;

/// How many bytes `len` characters of unpadded base64url decode to (at most).
pub(crate) fn decoded_len(len: usize) -> usize {
    len / 4 * 3 + (len % 4) * 3 / 4
}

/// Decodes `text`, appending the bytes to `out`. On error `out` is left as it
/// was.
pub(crate) fn decode_into(text: &[u8], out: &mut Vec<u8>) -> Result<(), Invalid> {
    let start = out.len();
    out.resize(start + decoded_len(text.len()), 0);
    let decoded = decode_slice(text, out.get_mut(start..).unwrap_or_default());
    if decoded.is_err() {
        out.truncate(start);
    }
    decoded
}

/// Decodes `text` into `out`, exactly [`decoded_len`] bytes long.
fn decode_slice(text: &[u8], out: &mut [u8]) -> Result<(), Invalid> {
    let groups = text.chunks_exact(4);
    let tail = groups.remainder();
    let mut outs = out.chunks_exact_mut(3);
    // Every value of the alphabet fits 6 bits; INVALID has the top bits set.
    let mut invalid = 0u8;
    for (group, dst) in groups.zip(&mut outs) {
        let (a, b, c, d) = (
            value(group[0]),
            value(group[1]),
            value(group[2]),
            value(group[3]),
        );
        invalid |= a | b | c | d;
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        dst.copy_from_slice(&n.to_be_bytes()[1..]);
    }
    let dst = outs.into_remainder();
    let bits = match (tail, dst) {
        (&[], []) => 0,
        (&[a, b], [x]) => {
            let (a, b) = (value(a), value(b));
            invalid |= a | b;
            *x = a << 2 | b >> 4;
            // 12 bits for one byte: the last 4 must be zero.
            b & 0x0f
        }
        (&[a, b, c], [x, y]) => {
            let (a, b, c) = (value(a), value(b), value(c));
            invalid |= a | b | c;
            *x = a << 2 | b >> 4;
            *y = b << 4 | c >> 2;
            // 18 bits for two bytes: the last 2 must be zero.
            c & 0x03
        }
        // A single character carries 6 bits: not even one byte.
        _ => return Err(Invalid),
    };
    if invalid & 0xc0 != 0 || bits != 0 {
        return Err(Invalid);
    }
    Ok(())
}

fn value(byte: u8) -> u8 {
    TABLE[usize::from(byte)]
}

#[cfg(test)]
mod tests {
    use base64ct::{Base64UrlUnpadded, Encoding};

    use super::*;

    fn ours(text: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        decode_into(text, &mut out).ok().map(|()| out)
    }

    fn theirs(text: &[u8]) -> Option<Vec<u8>> {
        let text = std::str::from_utf8(text).ok()?;
        Base64UrlUnpadded::decode_vec(text).ok()
    }

    /// Every string of up to 4 characters over an alphabet that has each class
    /// of byte in it (first and last values of each range, characters with
    /// trailing bits set and clear, the standard alphabet's `+ /`, padding,
    /// whitespace, NUL, a non-ASCII byte): the same answer as base64ct.
    #[test]
    fn agrees_with_base64ct_on_every_short_string() {
        let symbols = b"AQBZagz09w-_E+/= \n.\0\xc3";
        let mut text = Vec::new();
        let mut checked = 0usize;
        for len in 0..=4u32 {
            let count = symbols.len().pow(len);
            for mut i in 0..count {
                text.clear();
                for _ in 0..len {
                    text.push(symbols[i % symbols.len()]);
                    i /= symbols.len();
                }
                assert_eq!(ours(&text), theirs(&text), "{:?}", text);
                checked += 1;
            }
        }
        assert!(checked > 100_000);
    }

    /// Longer strings: the encodings of pseudo-random byte strings of every
    /// length up to 200, each then damaged at one position with each symbol.
    #[test]
    fn agrees_with_base64ct_on_long_strings() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in 0..200usize {
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let encoded = Base64UrlUnpadded::encode_string(&data);
            assert_eq!(ours(encoded.as_bytes()), Some(data.clone()));
            for symbol in b"AQ_-+/= \0" {
                if encoded.is_empty() {
                    continue;
                }
                let mut damaged = encoded.clone().into_bytes();
                let at = next() as usize % damaged.len();
                damaged[at] = *symbol;
                assert_eq!(ours(&damaged), theirs(&damaged), "{damaged:?}");
                damaged.push(*symbol);
                assert_eq!(ours(&damaged), theirs(&damaged), "{damaged:?}");
            }
        }
    }

    #[test]
    fn sizes_its_output() {
        for len in 0..64 {
            let data = vec![7u8; len];
            let encoded = Base64UrlUnpadded::encode_string(&data);
            assert_eq!(decoded_len(encoded.len()), len);
        }
    }
}
