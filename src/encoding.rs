//! Small encoders shared by the layers above (bottom layer: uses nothing of the
//! crate): hex, lowercase for random identifiers (a JWT `jti`, a SAML `ID`) and
//! upper-case for percent-encoding, and the hex-digit decoder; strict padded
//! base64 for what a received XML-DSig signature carries.

#[cfg(feature = "saml")]
pub(crate) mod base64;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `bytes` to `out` as lowercase hex, two digits a byte.
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    for &byte in bytes {
        out.extend(hex_digits(byte));
    }
}

/// Appends `byte` to `out` as two upper-case hex digits, as percent-encoding
/// writes them (RFC 3986 §2.1).
pub(crate) fn push_hex_upper(out: &mut String, byte: u8) {
    out.extend(hex_digits(byte).map(|digit| digit.to_ascii_uppercase()));
}

/// The value of one hex digit, either case; `None` for any other byte.
pub(crate) fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

/// The two lowercase hex digits of `byte`, high nibble first.
fn hex_digits(byte: u8) -> [char; 2] {
    [
        char::from(HEX[usize::from(byte >> 4)]),
        char::from(HEX[usize::from(byte & 0x0f)]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

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
