//! Hex, the one small encoder the crate needs beyond base64: lower-case for the
//! random identifiers it makes (a JWT `jti`, a SAML `ID`), upper-case for
//! percent-encoding (RFC 3986 §2.1 recommends it), and the value of a hex digit for
//! decoding.

/// Which letters [`push_hex`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// `0-9a-f`.
    Lower,
    /// `0-9A-F`.
    Upper,
}

/// Appends the two hex digits of `byte`, high nibble first.
pub(crate) fn push_hex(out: &mut String, byte: u8, case: Case) {
    let digits: &[u8; 16] = match case {
        Case::Lower => b"0123456789abcdef",
        Case::Upper => b"0123456789ABCDEF",
    };
    out.push(char::from(digits[usize::from(byte >> 4)]));
    out.push(char::from(digits[usize::from(byte & 0x0f)]));
}

/// The value of one hex digit, either case; `None` for any other byte.
#[cfg_attr(not(feature = "testkit"), allow(dead_code))]
pub(crate) fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips_in_both_cases() {
        for byte in 0..=u8::MAX {
            for case in [Case::Lower, Case::Upper] {
                let mut out = String::new();
                push_hex(&mut out, byte, case);
                assert_eq!(out.len(), 2);
                let expected = match case {
                    Case::Lower => format!("{byte:02x}"),
                    Case::Upper => format!("{byte:02X}"),
                };
                assert_eq!(out, expected);
                let b = out.as_bytes();
                let decoded = hex_value(b[0])
                    .zip(hex_value(b[1]))
                    .map(|(h, l)| h << 4 | l);
                assert_eq!(decoded, Some(byte));
            }
        }
        for not_hex in [b'g', b'G', b'/', b':', b'@', b'`', b' ', 0xff] {
            assert_eq!(hex_value(not_hex), None, "{not_hex}");
        }
    }
}
