//! Characters and names (XML 1.0 fifth edition §2.2, §2.3, §2.11) and the
//! escaping rules of Canonical XML 1.0 §2.3 that the builder and the
//! canonicalizer share.

use std::borrow::Cow;

use crate::error::{Error, InputField, InputProblem};

/// Whether `c` may appear in an XML 1.0 document (XML 1.0 §2.2 `Char`).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The first character of `text` that XML 1.0 does not allow. ASCII (the bulk of
/// any assertion: base64 certificates and signatures) is checked byte by byte.
pub(crate) fn first_non_xml_char(text: &str) -> Option<char> {
    let mut rest = text;
    loop {
        let i = rest
            .bytes()
            .position(|b| !b.is_ascii() || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')))?;
        let c = rest.get(i..)?.chars().next()?;
        if !is_xml_char(c) {
            return Some(c);
        }
        rest = rest.get(i + c.len_utf8()..)?;
    }
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

/// Escapes text content as Canonical XML does: `& < >` and CR.
pub(crate) fn escape_text(out: &mut String, text: &str) {
    escape(out, text, |b| match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'\r' => Some("&#xD;"),
        _ => None,
    });
}

/// Escapes an attribute value as Canonical XML does: `& < "`, TAB, LF and CR.
pub(crate) fn escape_attr(out: &mut String, value: &str) {
    escape(out, value, |b| match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'"' => Some("&quot;"),
        b'\t' => Some("&#x9;"),
        b'\n' => Some("&#xA;"),
        b'\r' => Some("&#xD;"),
        _ => None,
    });
}

/// Copies `text` to `out` with the ASCII bytes `replace` names replaced, copying
/// the runs in between whole (an ASCII byte is never inside a multi-byte char).
fn escape(out: &mut String, text: &str, replace: impl Fn(u8) -> Option<&'static str>) {
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if let Some(entity) = replace(b) {
            out.push_str(text.get(start..i).unwrap_or_default());
            out.push_str(entity);
            start = i + 1;
        }
    }
    out.push_str(text.get(start..).unwrap_or_default());
}

/// Normalizes line ends (XML 1.0 §2.11): CR LF and lone CR become LF. A leading
/// byte-order mark is dropped. Borrowed when there is no CR (the usual case).
pub(crate) fn normalize_line_ends(xml: &str) -> Cow<'_, str> {
    let xml = xml.strip_prefix('\u{FEFF}').unwrap_or(xml);
    if !xml.contains('\r') {
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
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start)
        && chars.all(|c| {
            is_name_start(c)
                || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
        })
}
