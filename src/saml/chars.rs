//! Characters and names (XML 1.0 fifth edition §2.2, §2.3, §2.11) and the
//! escaping rules of Canonical XML 1.0 §2.3 that the builder and the
//! canonicalizer share.

use crate::error::Error;

/// Whether `c` may appear in an XML 1.0 document (XML 1.0 §2.2 `Char`).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Refuses a caller string that XML 1.0 cannot carry; `what` names the field.
pub(crate) fn check_chars(what: &str, value: &str) -> Result<(), Error> {
    match value.chars().find(|&c| !is_xml_char(c)) {
        None => Ok(()),
        Some(c) => Err(Error::input(format!(
            "the SAML {what} contains U+{:04X}, a character XML 1.0 cannot carry (control characters other than tab, LF and CR are not allowed); remove it",
            u32::from(c)
        ))),
    }
}

/// Escapes text content as Canonical XML does: `& < >` and CR.
pub(crate) fn escape_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// Escapes an attribute value as Canonical XML does: `& < "`, TAB, LF and CR.
pub(crate) fn escape_attr(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// Normalizes line ends (XML 1.0 §2.11): CR LF and lone CR become LF. A leading
/// byte-order mark is dropped.
pub(crate) fn normalize_line_ends(xml: &str) -> String {
    let xml = xml.strip_prefix('\u{FEFF}').unwrap_or(xml);
    if !xml.contains('\r') {
        return xml.to_owned();
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
    out
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
