//! Characters and names (XML 1.0 fifth edition §2.2, §2.3, §2.11) and the
//! escaping rules of Canonical XML 1.0 §2.3 that the builder and the
//! canonicalizer share.

use std::borrow::Cow;

use crate::error::{Error, InputField, InputProblem};

/// Whether `c` may appear in an XML 1.0 document (XML 1.0 §2.2 `Char`).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The first character of `text` that XML 1.0 does not allow. In UTF-8 those are
/// the C0 controls other than TAB, LF and CR, and U+FFFE and U+FFFF (lead byte
/// `0xEF`; a `&str` holds no surrogates). The bytes are checked 32 at a time
/// with no early exit inside a block (so the compiler checks a block with vector
/// instructions), and only a block holding a suspicious byte is looked at byte
/// by byte.
pub(crate) fn first_non_xml_char(text: &str) -> Option<char> {
    const BLOCK: usize = 32;
    let bytes = text.as_bytes();
    let mut from = 0;
    let mut blocks = bytes.chunks_exact(BLOCK);
    for block in &mut blocks {
        if block.iter().fold(false, |any, &b| any | suspicious(b)) {
            if let Some(c) = first_in(text, from, from + BLOCK) {
                return Some(c);
            }
        }
        from += BLOCK;
    }
    first_in(text, from, bytes.len())
}

/// Whether `b` is a control byte XML 1.0 refuses, or `0xEF` (which starts
/// U+FFFE and U+FFFF, and other characters): no branches, so a block of them
/// vectorizes.
#[inline(always)]
fn suspicious(b: u8) -> bool {
    ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')) | (b == 0xEF)
}

/// The first character XML 1.0 refuses that starts in `text[from..to]`.
fn first_in(text: &str, from: usize, to: usize) -> Option<char> {
    let bytes = text.as_bytes();
    for i in from..to {
        let b = *bytes.get(i)?;
        if !suspicious(b) {
            continue;
        }
        if b < 0x20 {
            return Some(char::from(b));
        }
        // 0xEF only ever leads a character: decode it.
        let c = text.get(i..)?.chars().next()?;
        if !is_xml_char(c) {
            return Some(c);
        }
    }
    None
}

/// Refuses a caller string that XML 1.0 cannot carry; `what` names the field.
pub(crate) fn check_chars(field: InputField, what: &str, value: &str) -> Result<(), Error> {
    match first_non_xml_char(value) {
        None => Ok(()),
        Some(c) => Err(Error::input(
            field,
            InputProblem::ControlCharacter,
            format!(
                "the SAML {what} contains U+{:04X}, a character XML 1.0 cannot carry (control characters other than tab, LF and CR are not allowed); remove it",
                u32::from(c)
            ),
        )),
    }
}

/// The bytes [`escape_text`] replaces, and those [`escape_attr`] replaces.
const TEXT_SPECIALS: [bool; 256] = specials(b"&<>\r");
const ATTR_SPECIALS: [bool; 256] = specials(b"&<\"\t\n\r");

const fn specials(bytes: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
}

/// Escapes text content as Canonical XML does: `& < >` and CR.
pub(crate) fn escape_text(out: &mut String, text: &str) {
    escape(out, text, &TEXT_SPECIALS);
}

/// Escapes an attribute value as Canonical XML does: `& < "`, TAB, LF and CR.
pub(crate) fn escape_attr(out: &mut String, value: &str) {
    escape(out, value, &ATTR_SPECIALS);
}

/// Copies `text` to `out` with the ASCII bytes `specials` marks replaced by their
/// Canonical XML escapes, copying the runs in between whole (an ASCII byte is
/// never inside a multi-byte char).
fn escape(out: &mut String, text: &str, specials: &[bool; 256]) {
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(at) = bytes
        .get(start..)
        .and_then(|rest| rest.iter().position(|&b| specials[usize::from(b)]))
    {
        let i = start + at;
        out.push_str(text.get(start..i).unwrap_or_default());
        out.push_str(match bytes.get(i) {
            Some(b'&') => "&amp;",
            Some(b'<') => "&lt;",
            Some(b'>') => "&gt;",
            Some(b'"') => "&quot;",
            Some(b'\t') => "&#x9;",
            Some(b'\n') => "&#xA;",
            _ => "&#xD;",
        });
        start = i + 1;
    }
    out.push_str(text.get(start..).unwrap_or_default());
}

/// Normalizes line ends (XML 1.0 §2.11): CR LF and lone CR become LF. A leading
/// byte-order mark is dropped. Borrowed when there is no CR (the usual case).
pub(crate) fn normalize_line_ends(xml: &str) -> Cow<'_, str> {
    let xml = xml.strip_prefix('\u{FEFF}').unwrap_or(xml);
    if memchr::memchr(b'\r', xml.as_bytes()).is_none() {
        return Cow::Borrowed(xml);
    }
    let mut out = String::with_capacity(xml.len());
    let mut chars = xml.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `c` may start an XML name (XML 1.0 fifth edition §2.3
/// `NameStartChar`, without `:`).
fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

/// Whether `s` is an `NCName` (Namespaces in XML 1.0 §3: a `Name` without `:`).
pub(crate) fn is_ncname(s: &str) -> bool {
    let bytes = s.as_bytes();
    // ASCII names (nearly all) in one pass over a table; the rest by `char`.
    let ascii_start = bytes
        .first()
        .is_some_and(|&b| ASCII_NAME[usize::from(b)] == 2);
    if ascii_start && bytes.iter().all(|&b| ASCII_NAME[usize::from(b)] != 0) {
        return true;
    }
    if bytes.is_ascii() {
        return false;
    }
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start)
        && chars.all(|c| {
            is_name_start(c)
                || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
        })
}

/// The class of an ASCII byte in a name: 2 for a letter or `_` (may start an
/// `NCName`), 1 for a digit, `-` or `.` (may only follow), 0 for anything else.
pub(crate) fn name_class(b: u8) -> u8 {
    ASCII_NAME[usize::from(b)]
}

/// ASCII name characters: 2 for those that may start an `NCName` (letters, `_`),
/// 1 for those that may only follow (digits, `-`, `.`), 0 for the rest.
const ASCII_NAME: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphabetic() || c == b'_' {
            2
        } else if c.is_ascii_digit() || c == b'-' || c == b'.' {
            1
        } else {
            0
        };
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The block-at-a-time scan finds what a char-by-char scan finds, wherever
    /// the character sits relative to a 32-byte block (and with a harmless
    /// suspicious byte before it in the same block).
    #[test]
    fn first_non_xml_char_matches_a_plain_scan() {
        let plain = |s: &str| s.chars().find(|&c| !is_xml_char(c));
        let bad = [
            '\u{0}', '\u{1}', '\u{8}', '\u{B}', '\u{1F}', '\u{FFFE}', '\u{FFFF}',
        ];
        let good = [
            '\t',
            '\n',
            '\r',
            ' ',
            'a',
            '\u{7F}',
            '\u{85}',
            '\u{E9}',
            '\u{F000}',
            '\u{FFFD}',
            '\u{10000}',
        ];
        for prefix in 0..70 {
            let head = "x".repeat(prefix);
            for c in bad.iter().chain(&good) {
                for tail in ["", "yyyyyyyyy", "\u{FFFD}\u{FFFE}", "\u{1}"] {
                    let s = format!("{head}{c}{tail}");
                    assert_eq!(first_non_xml_char(&s), plain(&s), "{s:?}");
                    let s = format!("\u{F000}{head}{c}{tail}");
                    assert_eq!(first_non_xml_char(&s), plain(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn escapes_as_canonical_xml() {
        let mut text = String::new();
        escape_text(&mut text, "a&b<c>d\"e\tf\ng\rh\u{E9}");
        assert_eq!(text, "a&amp;b&lt;c&gt;d\"e\tf\ng&#xD;h\u{E9}");
        let mut attr = String::new();
        escape_attr(&mut attr, "a&b<c>d\"e\tf\ng\rh\u{E9}");
        assert_eq!(attr, "a&amp;b&lt;c>d&quot;e&#x9;f&#xA;g&#xD;h\u{E9}");
    }

    #[test]
    fn ncnames_ascii_and_not() {
        for yes in ["a", "_", "a-b.c_9", "\u{E9}l\u{E8}ve", "A\u{B7}"] {
            assert!(is_ncname(yes), "{yes}");
        }
        for no in ["", "9a", "-a", ".a", "a:b", "a b", "\u{B7}a", "a\u{D7}"] {
            assert!(!is_ncname(no), "{no}");
        }
    }
}
