//! Small encoders shared by the layers above (bottom layer: uses nothing of the
//! crate): hex, lowercase for random identifiers (a JWT `jti`, a SAML `ID`) and
//! upper-case for percent-encoding, and the hex-digit decoder; strict base64 by
//! table for public values (a received JWT, a received XML-DSig signature).

pub(crate) mod base64;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `bytes` to `out` as lowercase hex, two digits a byte.
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    out.reserve(2 * bytes.len());
    for &byte in bytes {
        for digit in hex_digits(byte) {
            out.push(digit);
        }
    }
}

/// Appends `byte` to `out` as two upper-case hex digits, as percent-encoding
/// writes them (RFC 3986 §2.1).
pub(crate) fn push_hex_upper(out: &mut String, byte: u8) {
    for digit in hex_digits(byte) {
        out.push(digit.to_ascii_uppercase());
    }
}

/// The value of one hex digit, either case; `None` for any other byte.
pub(crate) fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

/// The two lowercase hex digits of `byte`, high nibble first.
fn hex_digits(byte: u8) -> [char; 2] {
    // `& 0x7f`: ASCII by construction; the mask lets the compiler see it, so a
    // push is one byte with no UTF-8 encoding path.
    [
        char::from(HEX[usize::from(byte >> 4)] & 0x7f),
        char::from(HEX[usize::from(byte & 0x0f)] & 0x7f),
    ]
}

/// Where `needle` first occurs in `haystack`: `str::find` with a `&str`, as a
/// plain byte scan. The texts are short (URLs, error messages); std's two-way
/// searcher, inlined at each call site, cost kilobytes of code per site.
pub(crate) fn find_str(haystack: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window == needle.as_bytes())
}

/// `haystack.split_once(needle)`, with [`find_str`].
pub(crate) fn split_once_str<'a>(haystack: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let at = find_str(haystack, needle)?;
    Some((haystack.get(..at)?, haystack.get(at + needle.len()..)?))
}

/// The base64 encoder (both alphabets, in constant time): a base64 alphabet
/// (RFC 4648), which one and whether `=` pads the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Base64 {
    /// §4: `+` and `/`, padded (HTTP Basic credentials, XML-DSig values).
    Standard,
    /// §5: `-` and `_`, no padding (JWS, thumbprints, the SAML Bearer assertion).
    UrlUnpadded,
}

impl Base64 {
    /// The length of `len` bytes encoded.
    pub(crate) fn encoded_len(self, len: usize) -> usize {
        match self {
            Base64::Standard => len.div_ceil(3) * 4,
            Base64::UrlUnpadded => (len * 4).div_ceil(3),
        }
    }

    /// `data` encoded, in a string allocated at its final size.
    pub(crate) fn encode_string(self, data: &[u8]) -> String {
        let mut out = String::with_capacity(self.encoded_len(data.len()));
        self.push(&mut out, data);
        out
    }

    /// Appends `data` encoded to `out`.
    ///
    /// In constant time for a given length (no branch or table index depends on
    /// the data): it encodes client secrets too. One function for both alphabets,
    /// so a program carries one copy (base64ct's is generic, one copy each).
    pub(crate) fn push(self, out: &mut String, data: &[u8]) {
        // What to add past `9` to reach the alphabet's 62nd and 63rd digits.
        let (at_62, at_63) = match self {
            Base64::Standard => (b'+', b'/'),
            Base64::UrlUnpadded => (b'-', b'_'),
        };
        let alphabet = [
            i32::from(at_62) - i32::from(b'0') - 10,
            i32::from(at_63) - i32::from(at_62) - 1,
        ];
        out.reserve(self.encoded_len(data.len()));
        // Whole groups are written four digits at a time into a stack buffer
        // and appended a buffer at a time (one `push_str` per 48 bytes, not one
        // `push` per digit).
        let mut buffer = [0u8; 64];
        let whole = data.len() / 3 * 3;
        let (groups, rest) = data.split_at_checked(whole).unwrap_or((&[], data));
        for block in groups.chunks(48) {
            let mut used = 0;
            for (group, digits) in block.chunks_exact(3).zip(buffer.chunks_exact_mut(4)) {
                let &[a, b, c] = group else { break };
                let n = u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c);
                digits.copy_from_slice(&[
                    digit(n >> 18, alphabet),
                    digit(n >> 12, alphabet),
                    digit(n >> 6, alphabet),
                    digit(n, alphabet),
                ]);
                used += 4;
            }
            push_ascii(out, buffer.get(..used).unwrap_or_default());
        }
        // The last one or two bytes: 2 or 3 digits.
        if !rest.is_empty() {
            let byte = |i: usize| rest.get(i).copied().map_or(0, u32::from);
            let n = byte(0) << 16 | byte(1) << 8;
            let digits = [
                digit(n >> 18, alphabet),
                digit(n >> 12, alphabet),
                digit(n >> 6, alphabet),
            ];
            push_ascii(out, digits.get(..rest.len() + 1).unwrap_or_default());
            if self == Base64::Standard {
                push_ascii(out, b"==".get(rest.len() - 1..).unwrap_or_default());
            }
        }
    }
}

/// Appends `ascii`, which the encoder made of ASCII only: every byte is a
/// [`digit`] (masked with `0x7f`) or a `=`. So the UTF-8 check always succeeds,
/// and takes the same path whatever the encoded bytes were (its ASCII fast path:
/// no byte ever has its high bit set). Were that ever broken, the bytes are still
/// written, one `char` each, never dropped.
fn push_ascii(out: &mut String, ascii: &[u8]) {
    match std::str::from_utf8(ascii) {
        Ok(text) => out.push_str(text),
        Err(_) => out.extend(ascii.iter().copied().map(char::from)),
    }
}

/// The base64 digit for the low six bits of `n`, by arithmetic on masks rather
/// than a table lookup (as base64ct does): `A`–`Z`, `a`–`z`, `0`–`9`, then the
/// alphabet's two, whose offsets `alphabet` holds.
fn digit(n: u32, alphabet: [i32; 2]) -> u8 {
    let v = i32::try_from(n & 0x3f).unwrap_or_default();
    // All ones (-1) when `v` is past `last`, else zero.
    let past = |last: i32| (last - v) >> 8;
    let mut d = v + i32::from(b'A');
    d += past(25) & (i32::from(b'a') - i32::from(b'A') - 26);
    d += past(51) & (i32::from(b'0') - i32::from(b'a') - 26);
    d += past(61) & alphabet[0];
    d += past(62) & alphabet[1];
    // ASCII by construction; the mask lets the compiler see it.
    u8::try_from(d & 0x7f).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_str_agrees_with_std() {
        for haystack in ["", "a", "https://h/p", "a..b", "xx://y://", "é://ü", "::/"] {
            for needle in ["", "://", "..", "a", "é", "p", "x://y://z"] {
                assert_eq!(
                    find_str(haystack, needle),
                    haystack.find(needle),
                    "{haystack} {needle}"
                );
                assert_eq!(
                    split_once_str(haystack, needle),
                    haystack.split_once(needle),
                    "{haystack} {needle}"
                );
            }
        }
    }

    #[test]
    fn base64_agrees_with_base64ct_for_both_alphabets() {
        use base64ct::Encoding as _;
        let data: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for len in 0..data.len() {
            for offset in [0, 1, 2] {
                let input = &data[offset..][..len.min(data.len() - offset)];
                assert_eq!(
                    Base64::Standard.encode_string(input),
                    base64ct::Base64::encode_string(input)
                );
                assert_eq!(
                    Base64::UrlUnpadded.encode_string(input),
                    base64ct::Base64UrlUnpadded::encode_string(input)
                );
            }
        }
        assert_eq!(
            Base64::Standard.encode_string(b"app:s3cr3t"),
            "YXBwOnMzY3IzdA=="
        );
        assert_eq!(Base64::UrlUnpadded.encode_string(&[0xfb, 0xff]), "-_8");
        let mut out = String::from("x.");
        Base64::UrlUnpadded.push(&mut out, b"ab");
        assert_eq!(out, "x.YWI");
    }

    #[test]
    fn base64_appends_whole_blocks_and_tails_at_its_reserved_size() {
        use base64ct::Encoding as _;
        // Around the 48-byte block (16 groups, 64 digits) and its multiples,
        // appended after text already there: nothing lost, nothing repeated, and
        // no reallocation past the size reserved up front (the string may hold a
        // client secret).
        let data: Vec<u8> = (0..200u8).map(|i| i.wrapping_mul(151) ^ 0x5a).collect();
        for len in [
            0, 1, 2, 3, 45, 46, 47, 48, 49, 50, 51, 95, 96, 97, 98, 144, 145, 146,
        ] {
            let input = &data[..len];
            for (b64, want) in [
                (Base64::Standard, base64ct::Base64::encode_string(input)),
                (
                    Base64::UrlUnpadded,
                    base64ct::Base64UrlUnpadded::encode_string(input),
                ),
            ] {
                let mut out = String::from("Basic ");
                out.shrink_to_fit();
                // What the one `reserve` at the start makes room for.
                let mut reserved = out.clone();
                reserved.reserve(b64.encoded_len(len));
                b64.push(&mut out, input);
                assert_eq!(out.strip_prefix("Basic "), Some(want.as_str()), "{len}");
                assert_eq!(out.len(), 6 + b64.encoded_len(len), "{len}");
                assert_eq!(out.capacity(), reserved.capacity(), "reallocated at {len}");
                let once = b64.encode_string(input);
                assert_eq!(once.capacity(), once.len(), "{len}");
            }
        }
    }

    #[test]
    fn base64_digits_are_the_alphabets_ascii_for_all_64_values() {
        let standard = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (b64, table) in [
            (Base64::Standard, standard),
            (Base64::UrlUnpadded, &{
                let mut url = *standard;
                url[62] = b'-';
                url[63] = b'_';
                url
            }),
        ] {
            for (n, &want) in (0u32..).zip(table.iter()) {
                // High bits above the six are ignored.
                let mut out = String::new();
                b64.push(&mut out, &[u8::try_from(n << 2).unwrap(), 0, 0]);
                assert_eq!(out.as_bytes()[0], want, "{n}");
                assert!(out.is_ascii());
            }
        }
    }

    #[test]
    fn push_ascii_never_drops_bytes() {
        let mut out = String::from("x");
        push_ascii(&mut out, b"QUJD==");
        assert_eq!(out, "xQUJD==");
        // Not reachable from the encoder (its bytes are ASCII), but were it
        // ever, the bytes are written rather than silently dropped.
        push_ascii(&mut out, &[b'a', 0xe9]);
        assert_eq!(out, "xQUJD==a\u{e9}");
    }

    #[test]
    fn lowercase_hex() {
        let mut out = String::from("_");
        push_hex(&mut out, &[0x00, 0x0f, 0xa5, 0xff]);
        assert_eq!(out, "_000fa5ff");
    }

    #[test]
    fn upper_case_hex_for_percent_encoding() {
        let mut out = String::from("%");
        push_hex_upper(&mut out, 0xa5);
        push_hex_upper(&mut out, 0x0f);
        assert_eq!(out, "%A50F");
    }

    #[test]
    fn hex_digits_decode_in_either_case_and_nothing_else() {
        for (digit, value) in [(b'0', 0), (b'9', 9), (b'a', 10), (b'F', 15), (b'f', 15)] {
            assert_eq!(hex_value(digit), Some(value), "{}", char::from(digit));
        }
        for other in [b'g', b'G', b'/', b':', b'@', b' ', 0xff] {
            assert_eq!(hex_value(other), None, "{other:#x}");
        }
        for byte in 0..=255u8 {
            let mut out = String::new();
            push_hex_upper(&mut out, byte);
            let [high, low] = out.as_bytes() else {
                panic!("{out}")
            };
            assert_eq!(
                hex_value(*high).zip(hex_value(*low)),
                Some((byte >> 4, byte & 0x0f))
            );
        }
    }
}
