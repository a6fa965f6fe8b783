//! The names in an X.509 certificate that RFC 8705 §2.1.2 matches a
//! `tls_client_auth` client by: the subject distinguished name, as RFC 4514
//! writes it, and the subject alternative names of type dNSName.

use super::KeyError;
use super::der::{self, Reader};

/// `id-ce-subjectAltName` (RFC 5280 §4.2.1.6): 2.5.29.17.
const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
/// The `[3] EXPLICIT Extensions` of a v3 TBSCertificate.
const EXTENSIONS: u8 = 0xa3;
/// A dNSName `GeneralName`: `[2] IMPLICIT IA5String`.
const DNS_NAME: u8 = 0x82;
const SET: u8 = 0x31;

/// The subject `Name` and the `Extensions` (if any) of a certificate's TBS.
fn subject_and_extensions(cert: &[u8]) -> Result<(&[u8], Option<&[u8]>), KeyError> {
    let content = der::single(cert, der::SEQUENCE, "certificate")?;
    let tbs = Reader::new(content).read(der::SEQUENCE, "certificate")?;
    let mut t = Reader::new(tbs);
    t.read_optional(der::CONTEXT_0, "certificate version")?;
    t.read(der::INTEGER, "certificate serial number")?;
    t.read(der::SEQUENCE, "certificate signature algorithm")?;
    t.read(der::SEQUENCE, "certificate issuer")?;
    t.read(der::SEQUENCE, "certificate validity")?;
    let subject = t.read(der::SEQUENCE, "certificate subject")?;
    t.read(der::SEQUENCE, "certificate subjectPublicKeyInfo")?;
    // issuerUniqueID [1] and subjectUniqueID [2], implicit primitive BIT STRINGs.
    t.read_optional(0x81, "certificate issuerUniqueID")?;
    t.read_optional(0x82, "certificate subjectUniqueID")?;
    let extensions = t.read_optional(EXTENSIONS, "certificate extensions")?;
    Ok((subject, extensions))
}

/// The subject DN in RFC 4514's string form: the RDNs last to first, joined by
/// `,`; the attributes of a multi-valued RDN joined by `+`; well-known types by
/// name (`CN`, `O`, ...), others by dotted OID with the value as `#` and hex.
pub(super) fn subject_dn(cert: &[u8]) -> Result<String, KeyError> {
    let (subject, _) = subject_and_extensions(cert)?;
    let mut rdns = Vec::new();
    let mut r = Reader::new(subject);
    while !r.is_empty() {
        let set = r.read(SET, "certificate subject RDN")?;
        let mut attributes = Vec::new();
        let mut s = Reader::new(set);
        while !s.is_empty() {
            let pair = s.read(der::SEQUENCE, "certificate subject attribute")?;
            let mut p = Reader::new(pair);
            let oid = p.read(der::OID, "certificate subject attribute type")?;
            let whole = p.rest();
            let (tag, value) = p.read_any()?;
            if !p.is_empty() {
                return Err(KeyError::Malformed("certificate subject attribute"));
            }
            attributes.push(attribute(oid, tag, value, whole)?);
        }
        if attributes.is_empty() {
            // RFC 5280 §4.1.2.4: an RDN is a SET SIZE (1..MAX); an empty one would
            // print as an empty string between two commas.
            return Err(KeyError::Malformed("certificate subject RDN is empty"));
        }
        rdns.push(attributes.join("+"));
    }
    rdns.reverse();
    Ok(rdns.join(","))
}

fn attribute(oid: &[u8], tag: u8, value: &[u8], whole: &[u8]) -> Result<String, KeyError> {
    let name = match oid {
        [0x55, 0x04, 0x03] => Some("CN"),
        [0x55, 0x04, 0x06] => Some("C"),
        [0x55, 0x04, 0x07] => Some("L"),
        [0x55, 0x04, 0x08] => Some("ST"),
        [0x55, 0x04, 0x09] => Some("STREET"),
        [0x55, 0x04, 0x0a] => Some("O"),
        [0x55, 0x04, 0x0b] => Some("OU"),
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => Some("DC"),
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => Some("UID"),
        _ => None,
    };
    // UTF8String, PrintableString, IA5String: text.
    let text = matches!(tag, 0x0c | 0x13 | 0x16)
        .then(|| std::str::from_utf8(value).ok())
        .flatten();
    Ok(match (name, text) {
        (Some(name), Some(text)) => format!("{name}={}", escape(text)),
        (name, _) => {
            let mut out = match name {
                Some(name) => name.to_owned(),
                None => dotted(oid).ok_or(KeyError::Malformed(
                    "certificate subject attribute type is no DER object identifier",
                ))?,
            };
            out.push_str("=#");
            crate::encoding::push_hex(&mut out, whole);
            out
        }
    })
}

/// RFC 4514 §2.4: `"+,;<>\` escaped, and a leading space or `#`, a trailing space.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let last = text.chars().count().saturating_sub(1);
    for (i, c) in text.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || (i == 0 && (c == ' ' || c == '#'))
            || (i == last && c == ' ');
        if c == '\0' {
            out.push_str("\\00");
            continue;
        }
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An OID's dotted-decimal form; `None` for an encoding that is not DER (X.690
/// §8.19): empty, a subidentifier with a leading `0x80` byte (not minimal), one
/// cut off (its last byte has the continuation bit), or one over 64 bits. Two
/// different attribute types must never print the same, or a crafted subject
/// could match another's registered DN.
fn dotted(oid: &[u8]) -> Option<String> {
    let mut arcs = Vec::new();
    let mut value: u64 = 0;
    let mut start = true;
    for &b in oid {
        if start && b == 0x80 {
            return None;
        }
        if value > u64::MAX >> 7 {
            return None;
        }
        value = (value << 7) | u64::from(b & 0x7f);
        start = b & 0x80 == 0;
        if start {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        }
    }
    if !start || arcs.is_empty() {
        return None;
    }
    Some(
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// The dNSName subject alternative names, in order.
pub(super) fn dns_names(cert: &[u8]) -> Result<Vec<String>, KeyError> {
    let (_, extensions) = subject_and_extensions(cert)?;
    let Some(extensions) = extensions else {
        return Ok(Vec::new());
    };
    let list = der::single(extensions, der::SEQUENCE, "certificate extensions")?;
    let mut r = Reader::new(list);
    let mut names = Vec::new();
    let mut seen_san = false;
    while !r.is_empty() {
        let extension = r.read(der::SEQUENCE, "certificate extension")?;
        let mut e = Reader::new(extension);
        let oid = e.read(der::OID, "certificate extension id")?;
        e.read_optional(0x01, "certificate extension critical flag")?;
        let value = e.read(der::OCTET_STRING, "certificate extension value")?;
        if oid != SUBJECT_ALT_NAME {
            continue;
        }
        if seen_san {
            // RFC 5280 §4.2: an extension appears at most once. webpki refuses a
            // second one; taking the union would read names it never validated.
            return Err(KeyError::Malformed(
                "certificate has two subjectAltName extensions",
            ));
        }
        seen_san = true;
        let general_names = der::single(value, der::SEQUENCE, "subjectAltName")?;
        let mut g = Reader::new(general_names);
        while !g.is_empty() {
            let (tag, name) = g.read_any()?;
            if tag == DNS_NAME {
                if let Ok(name) = std::str::from_utf8(name) {
                    names.push(name.to_owned());
                }
            }
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4514_escapes() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(
            escape("a,b+c;d<e>f\"g\\h"),
            "a\\,b\\+c\\;d\\<e\\>f\\\"g\\\\h"
        );
        assert_eq!(escape(" lead and trail "), "\\ lead and trail\\ ");
        assert_eq!(escape("#hash # inside"), "\\#hash # inside");
        assert_eq!(escape("nul\0"), "nul\\00");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn attributes_by_name_or_dotted_oid() {
        // CN as UTF8String, a known name.
        assert_eq!(
            attribute(&[0x55, 0x04, 0x03], 0x0c, b"x", b"\x0c\x01x").unwrap(),
            "CN=x"
        );
        // serialNumber (2.5.4.5) has no short name here: dotted OID and hex DER.
        assert_eq!(
            attribute(&[0x55, 0x04, 0x05], 0x13, b"42", b"\x13\x0242").unwrap(),
            "2.5.4.5=#13023432"
        );
        // A known name with a value that is no string type: hex too.
        assert_eq!(
            attribute(&[0x55, 0x04, 0x03], 0x04, b"\x01", b"\x04\x01\x01").unwrap(),
            "CN=#040101"
        );
        // emailAddress, 1.2.840.113549.1.9.1 (multi-byte arcs).
        assert_eq!(
            dotted(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01]).unwrap(),
            "1.2.840.113549.1.9.1"
        );
        assert_eq!(dotted(&[0x55, 0x1d, 0x11]).unwrap(), "2.5.29.17");
    }

    #[test]
    fn hostile_der_is_an_error_not_a_panic() {
        for input in [
            &b""[..],
            b"\x30",
            b"\x30\x00",
            b"\x30\x03\x30\x01\x00",
            b"\x30\x84\xff\xff\xff\xff",
            b"\x30\x02\x30\x00",
        ] {
            assert!(subject_dn(input).is_err(), "{input:?}");
            assert!(dns_names(input).is_err(), "{input:?}");
        }
        // An OID of endless continuation bytes does not overflow.
        assert_eq!(dotted(&[0xff; 64]), None);
    }

    /// A certificate whose TBS has `subject` (a whole `Name` element) and empty
    /// other fields: enough for the walker, which reads no further.
    fn with_subject(subject: &[u8]) -> Vec<u8> {
        with_subject_and_extensions(subject, None)
    }

    /// [`with_subject`] with `[3] extensions` (the content of `Extensions`).
    fn with_subject_and_extensions(subject: &[u8], extensions: Option<&[u8]>) -> Vec<u8> {
        fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
            let mut out = vec![tag];
            let len = content.len();
            if len < 0x80 {
                out.push(len as u8);
            } else {
                out.extend([0x82, (len >> 8) as u8, len as u8]);
            }
            out.extend_from_slice(content);
            out
        }
        let mut tbs = tlv(der::CONTEXT_0, &tlv(der::INTEGER, &[2]));
        tbs.extend(tlv(der::INTEGER, &[1]));
        tbs.extend(tlv(der::SEQUENCE, &[]));
        tbs.extend(tlv(der::SEQUENCE, &[]));
        tbs.extend(tlv(der::SEQUENCE, &[]));
        tbs.extend_from_slice(subject);
        tbs.extend(tlv(der::SEQUENCE, &[]));
        if let Some(extensions) = extensions {
            tbs.extend(tlv(EXTENSIONS, &tlv(der::SEQUENCE, extensions)));
        }
        tlv(der::SEQUENCE, &tlv(der::SEQUENCE, &tbs))
    }

    /// `Name` with one RDN of one attribute: `oid` and a PrintableString `value`.
    fn name(oid: &[u8], value: &[u8]) -> Vec<u8> {
        let mut pair = vec![der::OID, oid.len() as u8];
        pair.extend_from_slice(oid);
        pair.extend([0x13, value.len() as u8]);
        pair.extend_from_slice(value);
        let mut set = vec![der::SEQUENCE, pair.len() as u8];
        set.extend(pair);
        let mut rdn = vec![SET, set.len() as u8];
        rdn.extend(set);
        let mut out = vec![der::SEQUENCE, rdn.len() as u8];
        out.extend(rdn);
        out
    }

    #[test]
    fn walker_reads_a_built_subject() {
        let cert = with_subject(&name(&[0x55, 0x04, 0x05], b"42"));
        assert_eq!(subject_dn(&cert).unwrap(), "2.5.4.5=#13023432");
        let cert = with_subject(&name(&[0x55, 0x04, 0x03], b"a,b"));
        assert_eq!(subject_dn(&cert).unwrap(), "CN=a\\,b");
    }

    /// An attribute type encoded other than in DER (a non-minimal subidentifier,
    /// one cut off, an empty OID) is another OID's bytes, and must not print as
    /// that OID: it is refused, so it cannot match a registered DN.
    #[test]
    fn an_attribute_type_that_is_no_der_oid_is_refused() {
        for oid in [
            &[0x55, 0x04, 0x80, 0x05][..], // 2.5.4.5 with a leading 0x80 byte
            &[0x80, 0x55, 0x04, 0x05],
            &[0x55, 0x04, 0x05, 0x85], // 2.5.4.5 and an arc cut off
            &[],
            &[
                0x55, 0x04, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
            ],
        ] {
            let cert = with_subject(&name(oid, b"42"));
            assert!(
                matches!(subject_dn(&cert), Err(KeyError::Malformed(_))),
                "{oid:02x?}: {:?}",
                subject_dn(&cert)
            );
        }
        // 2^64 - 1 in the last arc still prints; one bit more does not.
        assert_eq!(
            dotted(&[
                0x55, 0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f
            ])
            .unwrap(),
            "2.5.18446744073709551615"
        );
        assert_eq!(
            dotted(&[
                0x55, 0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f
            ]),
            None
        );
    }

    /// A certificate with two subjectAltName extensions (RFC 5280 §4.2: at most
    /// one of each) is refused, not read as the union of their names.
    #[test]
    fn two_subject_alt_name_extensions_are_refused() {
        fn san(name: &[u8]) -> Vec<u8> {
            // Extension ::= SEQUENCE { 2.5.29.17, OCTET STRING { SEQUENCE { [2] name } } }
            let mut general = vec![DNS_NAME, name.len() as u8];
            general.extend_from_slice(name);
            let mut names = vec![der::SEQUENCE, general.len() as u8];
            names.extend(general);
            let mut value = vec![der::OCTET_STRING, names.len() as u8];
            value.extend(names);
            let mut ext = vec![der::OID, 3, 0x55, 0x1d, 0x11];
            ext.extend(value);
            let mut out = vec![der::SEQUENCE, ext.len() as u8];
            out.extend(ext);
            out
        }
        let build = |exts: &[Vec<u8>]| {
            with_subject_and_extensions(&name(&[0x55, 0x04, 0x03], b"x"), Some(&exts.concat()))
        };
        assert_eq!(
            dns_names(&build(&[san(b"a.example")])).unwrap(),
            ["a.example"]
        );
        assert!(matches!(
            dns_names(&build(&[san(b"a.example"), san(b"b.example")])),
            Err(KeyError::Malformed(_))
        ));
    }

    /// An empty RDN (RFC 5280: SET SIZE (1..MAX)) is refused, not printed as an
    /// empty string between two commas.
    #[test]
    fn an_empty_rdn_is_refused() {
        let mut subject = name(&[0x55, 0x04, 0x03], b"x");
        subject[1] += 2;
        subject.extend([SET, 0x00]);
        let cert = with_subject(&subject);
        assert!(
            matches!(subject_dn(&cert), Err(KeyError::Malformed(_))),
            "{:?}",
            subject_dn(&cert)
        );
    }
}
