//! A 200 answer's body read in one pass, with the borrowed keys of serde_json's
//! parser: the fields RFC 6749 §5.1 and RFC 8693 §2.2.1 name go into slots (their
//! keys never allocated), every other field into the map that becomes
//! [`TokenResponse::extra`](super::TokenResponse::extra). The values are parsed
//! exactly as `serde_json::Value` parses them, so the whole read costs what a
//! `Value` parse of the same bytes costs, and no second copy is made.

use std::fmt;

use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::secrets::{SecretJson, wipe_json};

/// The fields with a slot, in the order their types are checked.
pub(super) const NAMES: [&str; 7] = [
    "access_token",
    "token_type",
    "expires_in",
    "refresh_token",
    "scope",
    "id_token",
    "issued_token_type",
];

/// Slot numbers in [`NAMES`].
pub(super) const ACCESS_TOKEN: usize = 0;
pub(super) const TOKEN_TYPE: usize = 1;
pub(super) const EXPIRES_IN: usize = 2;
pub(super) const REFRESH_TOKEN: usize = 3;
pub(super) const SCOPE: usize = 4;
pub(super) const ID_TOKEN: usize = 5;
pub(super) const ISSUED_TOKEN_TYPE: usize = 6;

/// A JSON object split into the named fields and the rest. A key sent twice keeps
/// its last value, as `serde_json::Value` does.
#[derive(Default)]
pub(super) struct Fields {
    /// The value of each of [`NAMES`], if the key was there (`null` included).
    pub(super) named: [Option<Value>; NAMES.len()],
    /// Every other field.
    pub(super) rest: SecretJson,
}

impl Drop for Fields {
    /// The values may hold tokens (a field of the wrong type stays in its slot);
    /// `rest` wipes itself.
    fn drop(&mut self) {
        self.named.iter_mut().flatten().for_each(wipe_json);
    }
}

impl Fields {
    /// The object as sent, in one map (for an OAuth error object on a 200),
    /// taken out of `self`.
    pub(super) fn take_map(&mut self) -> Map<String, Value> {
        let mut object = std::mem::take(&mut self.rest.0);
        for (name, value) in NAMES.into_iter().zip(&mut self.named) {
            if let Some(value) = value.take() {
                object.insert(name.to_owned(), value);
            }
        }
        object
    }
}

/// What a body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Read {
    /// A JSON object, now in the [`Fields`] passed to [`read`].
    Object,
    /// JSON, but not an object.
    OtherJson,
    /// Not JSON (RFC 8259), or not UTF-8.
    NotJson,
}

/// Reads `body` (after any byte order mark) in one pass; an object's fields go
/// into `fields` (the caller's, so that they are never moved: they are a few
/// hundred bytes). After [`Read::NotJson`], `fields` may hold part of the body.
pub(super) fn read(body: &[u8], fields: &mut Fields) -> Read {
    let mut deserializer = serde_json::Deserializer::from_slice(super::triage::without_bom(body));
    match deserializer
        .deserialize_any(BodyVisitor(fields))
        .and_then(|read| deserializer.end().map(|()| read))
    {
        Ok(read) => read,
        Err(_) => Read::NotJson,
    }
}

/// Sorts the top-level value: an object is split, anything else is parsed to the
/// end (so that a syntax error anywhere still makes it [`Read::NotJson`]) and
/// dropped.
struct BodyVisitor<'f>(&'f mut Fields);

impl<'de> Visitor<'de> for BodyVisitor<'_> {
    type Value = Read;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
        let fields = self.0;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value::<Value>()?;
            match key {
                Key::Named(slot) => fields.named[slot] = Some(value),
                Key::Other(name) => {
                    fields.rest.insert(name, value);
                }
            }
        }
        Ok(Read::Object)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read, A::Error> {
        while seq.next_element::<Value>()?.is_some() {}
        Ok(Read::OtherJson)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Read, E> {
        Ok(Read::OtherJson)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Read, E> {
        Ok(Read::OtherJson)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Read, E> {
        Ok(Read::OtherJson)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Read, E> {
        Ok(Read::OtherJson)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Read, E> {
        Ok(Read::OtherJson)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Read, E> {
        Ok(Read::OtherJson)
    }
}

/// A key: one of [`NAMES`] (by its slot), or another, owned for the map.
enum Key {
    Named(usize),
    Other(String),
}

/// Reads a key as the parser lends it (a slice of the body when it has no escape).
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match NAMES.iter().position(|name| *name == key) {
            Some(slot) => Key::Named(slot),
            None => Key::Other(key.to_owned()),
        })
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Key, E> {
        Ok(match NAMES.iter().position(|name| *name == key) {
            Some(slot) => Key::Named(slot),
            None => Key::Other(key),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_new(body: &[u8]) -> (Read, Fields) {
        let mut fields = Fields::default();
        (read(body, &mut fields), fields)
    }

    fn object(body: &str) -> Fields {
        match read_new(body.as_bytes()) {
            (Read::Object, fields) => fields,
            (other, _) => panic!("{other:?}: {body}"),
        }
    }

    #[test]
    fn named_fields_go_to_slots_and_the_rest_to_the_map() {
        let fields = object(
            r#"{"access_token":"a","x":[1,{"y":null}],"expires_in":"3599","token_type":null,"z":"\u0041"}"#,
        );
        assert_eq!(fields.named[ACCESS_TOKEN], Some(Value::from("a")));
        assert_eq!(fields.named[EXPIRES_IN], Some(Value::from("3599")));
        assert_eq!(fields.named[TOKEN_TYPE], Some(Value::Null));
        assert_eq!(fields.named[SCOPE], None);
        let rest: Vec<&str> = fields.rest.keys().map(String::as_str).collect();
        assert_eq!(rest, ["x", "z"]);
        assert_eq!(fields.rest["z"], "A");
    }

    #[test]
    fn escaped_keys_and_repeated_keys_read_as_serde_json_reads_them() {
        // `\u0073cope` is `scope`; the last of two values wins, in a slot and in the map.
        let body = r#"{"\u0073cope":"a","scope":"b","k":1,"k":2,"access_token":"t"}"#;
        let fields = object(body);
        assert_eq!(fields.named[SCOPE], Some(Value::from("b")));
        assert_eq!(fields.rest["k"], 2);
        let value: Value = serde_json::from_str(body).unwrap();
        assert_eq!(Value::Object(object(body).take_map()), value);
    }

    #[test]
    fn other_json_and_not_json_are_told_apart_as_a_value_parse_does() {
        for body in [
            "[1,2]",
            "\"s\"",
            "3",
            "-1",
            "1.5",
            "true",
            "null",
            "\u{feff}[]",
        ] {
            assert!(read_new(body.as_bytes()).0 == Read::OtherJson, "{body}");
        }
        for body in [
            "",
            "[1,",
            "[1]x",
            "{\"a\":1",
            "{\"a\":1}}",
            "{\"a\" 1}",
            "<html>",
            "{1:2}",
            "[\"\\x\"]",
        ] {
            assert!(serde_json::from_str::<Value>(body).is_err(), "{body}");
            assert!(read_new(body.as_bytes()).0 == Read::NotJson, "{body}");
        }
        assert!(read_new(b"[\"\xff\"]").0 == Read::NotJson);
        assert!(read_new(b"{\"\xff\":1}").0 == Read::NotJson);
        assert!(read_new(b" {} \n").0 == Read::Object);
    }

    /// Differential: on bodies mutated at random (fixed seed, bounded), `read`
    /// classifies and splits exactly as a `serde_json::Value` parse reads them.
    #[test]
    fn mutated_bodies_read_as_a_value_parse_reads_them() {
        const SEEDS: [&[u8]; 3] = [
            br#"{"access_token":"00D!AR8","signature":"K3+w=","scope":"api","instance_url":"https://a.my.salesforce.com","token_type":"Bearer","issued_at":"1708058728442"}"#,
            br#"{"access_token":"a\u00e9","expires_in":3599.5,"refresh_token":null,"x":[1,true,{"y":-1e3}],"error":"e"}"#,
            b"\xEF\xBB\xBF[{\"access_token\":\"t\"},\"s\\n\",18446744073709551616]",
        ];
        const PIECES: [&[u8]; 10] = [
            b"\"",
            b"\\",
            b"{",
            b"}",
            b"[",
            b",",
            b":",
            b"\xff",
            b"null",
            b"\"scope\"",
        ];
        let mut below = crate::testing::below(0x2545_f491_4f6c_dd1d_u64);
        let mut seen = [0usize; 3];
        for round in 0..6000 {
            let mut body = SEEDS[round % SEEDS.len()].to_vec();
            for _ in 0..=below(3) {
                let at = below(body.len() + 1);
                match below(3) {
                    0 if at < body.len() => body[at] = u8::try_from(below(256)).unwrap_or(0),
                    1 => body
                        .splice(at..at, PIECES[below(PIECES.len())].iter().copied())
                        .for_each(drop),
                    _ if at < body.len() => drop(body.remove(at)),
                    _ => {}
                }
            }
            let expected =
                serde_json::from_slice::<Value>(super::super::triage::without_bom(&body));
            match (read_new(&body), expected) {
                ((Read::Object, mut fields), Ok(Value::Object(map))) => {
                    assert_eq!(fields.take_map(), map);
                    seen[0] += 1;
                }
                ((Read::OtherJson, _), Ok(value)) => {
                    assert!(!value.is_object());
                    seen[1] += 1;
                }
                ((Read::NotJson, _), Err(_)) => seen[2] += 1,
                (_, expected) => panic!("{:?}: {expected:?}", String::from_utf8_lossy(&body)),
            }
        }
        // Each kind of body came up often enough to count.
        assert!(seen.iter().all(|&n| n > 200), "{seen:?}");
    }
}
