//! `application/x-www-form-urlencoded` (WHATWG URL §5, as RFC 6749 Appendix B uses it):
//! encoding for request bodies and Basic credentials, decoding for the testkit server.

use crate::encoding::{hex_value, push_hex_upper};

/// Appends `value` form-encoded to `out`: unreserved bytes as they are, space as `+`,
/// every other byte as `%XX` (upper-case hex).
///
/// Runs of unreserved bytes (most of a form body: grant types, ids, base64url
/// assertions) are found through a table and copied whole.
pub(crate) fn encode_into(out: &mut String, value: &str) {
    let bytes = value.as_bytes();
    let mut run = 0; // where the current run of unreserved bytes starts
    while run < bytes.len() {
        let end = bytes[run..]
            .iter()
            .position(|&b| !UNRESERVED[usize::from(b)])
            .map_or(bytes.len(), |n| run + n);
        if run < end {
            // value[run..end] is all ASCII, so both ends are character boundaries
            // (an empty range could sit inside a multi-byte character).
            out.push_str(&value[run..end]);
        }
        let Some(&b) = bytes.get(end) else { break };
        if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            push_hex_upper(out, b);
        }
        run = end + 1;
    }
}

/// The bytes that go into a form body as they are (WHATWG's urlencoded set).
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] =
            matches!(b as u8, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_');
        b += 1;
    }
    table
};

/// The length of `value` form-encoded.
// Not inlined: its loop is vectorized, and every call site (each half of a
// chained pair iterator, Basic credentials) would carry a copy.
#[inline(never)]
pub(crate) fn encoded_len(value: &str) -> usize {
    // Sums of small table values: no branch per byte.
    let extra: usize = value
        .bytes()
        .map(|b| usize::from(!UNRESERVED[usize::from(b)] && b != b' ') * 2)
        .sum();
    value.len() + extra
}

/// `value` form-encoded.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(encoded_len(value));
    encode_into(&mut out, value);
    out
}

/// Encodes name/value pairs as a form body: `a=1&b=2`. The body carries secrets:
/// it is allocated once, at the most it can take (each byte encodes to at most
/// three), so no reallocation leaves a copy of part of it in freed memory; the
/// bound costs no pass over the values (counting what needs escaping was a
/// second scan of every assertion).
pub(crate) fn encode_pairs<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
) -> String {
    let len = pairs
        .clone()
        .into_iter()
        .map(|(name, value)| {
            (name.len() + value.len())
                .saturating_mul(3)
                .saturating_add(2)
        })
        .fold(0usize, usize::saturating_add);
    let mut out = String::with_capacity(len.saturating_sub(1));
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        encode_into(&mut out, name);
        out.push('=');
        encode_into(&mut out, value);
    }
    out
}

/// Decodes one form-encoded component: `+` is a space, `%XX` a byte. A `%` not followed
/// by two hex digits is kept as it is (as browsers do); the bytes must be UTF-8.
pub(crate) fn decode(value: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        match value[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                value.get(i + 1).copied().and_then(hex_value),
                value.get(i + 2).copied().and_then(hex_value),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Decodes a whole form body into name/value pairs, in order. `None` if a component
/// is not UTF-8.
pub(crate) fn decode_pairs(body: &[u8]) -> Option<Vec<(String, String)>> {
    body.split(|&b| b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = match part.iter().position(|&b| b == b'=') {
                Some(eq) => (&part[..eq], &part[eq + 1..]),
                None => (part, &b""[..]),
            };
            Some((decode(name)?, decode(value)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_per_rfc_6749_appendix_b() {
        assert_eq!(encode("a b+c%/:=&é"), "a+b%2Bc%25%2F%3A%3D%26%C3%A9");
        assert_eq!(encode("AZaz09*-._~"), "AZaz09*-._%7E");
        assert_eq!(encode_pairs([("a", "1 2"), ("b&", "=")]), "a=1+2&b%26=%3D");
        for s in ["a b+c%/:=&é", "", "AZaz09*-._~", "日本語"] {
            assert_eq!(encoded_len(s), encode(s).len(), "{s}");
        }
    }

    #[test]
    fn runs_are_copied_as_a_byte_by_byte_encoder_would_write_them() {
        fn byte_by_byte(value: &str) -> String {
            let mut out = String::new();
            for b in value.bytes() {
                match b {
                    b' ' => out.push('+'),
                    b if UNRESERVED[usize::from(b)] => out.push(char::from(b)),
                    b => out.push_str(&format!("%{b:02X}")),
                }
            }
            out
        }
        // Multi-byte characters next to runs, at both ends, alone and repeated.
        for s in [
            "é",
            "aé",
            "éa",
            "é é",
            "ééé",
            "a日b",
            "日本語",
            "x y+z",
            " ",
            "~",
            "a~",
            "~a",
            "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJhIn0.c2ln",
        ] {
            assert_eq!(encode(s), byte_by_byte(s), "{s}");
            assert_eq!(encoded_len(s), byte_by_byte(s).len(), "{s}");
        }
    }

    #[test]
    fn a_form_body_is_allocated_once() {
        // A reallocation while growing would leave a copy of the secret behind:
        // the body is allocated at its bound, which even a value that is all
        // escapes fits.
        for (pairs, want) in [
            (
                [
                    ("grant_type", "client_credentials"),
                    ("client_secret", "s3 cr/3t"),
                ],
                "grant_type=client_credentials&client_secret=s3+cr%2F3t",
            ),
            (
                [("é", "%%/"), ("k", "\u{10348}")],
                "%C3%A9=%25%25%2F&k=%F0%90%8D%88",
            ),
        ] {
            let bound: usize = pairs.iter().map(|(n, v)| (n.len() + v.len()) * 3 + 2).sum();
            let body = encode_pairs(pairs);
            assert_eq!(body, want);
            assert_eq!(body.capacity(), bound - 1);
        }
        assert_eq!(encode_pairs([]).capacity(), 0);
    }

    #[test]
    fn the_body_bound_holds_for_every_kind_of_byte() {
        // Every ASCII byte, characters of two, three and four bytes, empty names
        // and values, one to four pairs: the body always fits the capacity it
        // was given (a reallocation would have grown it) and reads as each part
        // encoded and joined.
        let mut values: Vec<String> = (0..128u8).map(|b| char::from(b).to_string()).collect();
        values.extend(
            ["", "é", "€", "\u{10348}", "% +&=", "a\u{7f}\u{80}\u{ffff}"].map(String::from),
        );
        let everything: String = values.concat();
        values.push(everything);
        for (i, value) in values.iter().enumerate() {
            let name = &values[(i * 7) % values.len()];
            for count in 0..=4 {
                let pairs: Vec<(&str, &str)> = [
                    (name.as_str(), value.as_str()),
                    ("", ""),
                    (value, name),
                    ("k", ""),
                ]
                .into_iter()
                .take(count)
                .collect();
                let bound = pairs
                    .iter()
                    .map(|(n, v)| (n.len() + v.len()) * 3 + 2)
                    .sum::<usize>()
                    .saturating_sub(1);
                let body = encode_pairs(pairs.iter().copied());
                let want: Vec<String> = pairs
                    .iter()
                    .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
                    .collect();
                assert_eq!(body, want.join("&"), "{value:?} x{count}");
                assert_eq!(body.capacity(), bound, "{value:?} x{count}");
            }
        }
    }

    #[test]
    fn decodes_what_it_encodes() {
        for s in ["a b+c%/:=&é", "", "plain", "日本語 ✓", "%zz"] {
            assert_eq!(decode(encode(s).as_bytes()).as_deref(), Some(s));
        }
        assert_eq!(decode(b"100%").as_deref(), Some("100%"));
        assert_eq!(decode(b"%ff"), None);
        assert_eq!(
            decode_pairs(b"a=1+2&&b%26=%3D&flag").unwrap(),
            vec![
                ("a".into(), "1 2".into()),
                ("b&".into(), "=".into()),
                ("flag".into(), "".into())
            ]
        );
    }
}
