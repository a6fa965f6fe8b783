//! One pass over a received JWT's header or claims (RFC 7519 §7.2 steps 8-10): the
//! members the verifier checks are read borrowed from the JSON text, the rest
//! parsed and skipped, with no `serde_json::Value` tree built.
//!
//! The JSON is held to exactly what `serde_json::from_slice::<Value>` accepts: the
//! members skipped go through `deserialize_any` as a `Value` would (numbers in
//! range, strings valid UTF-8 with valid escapes, nesting depth capped), so a
//! header or claims set that passed here always makes a `Map` later, when a caller
//! asks for one. Member names are compared after unescaping (`"\u0069ss"` is
//! `iss`), and a name given twice counts with its last value, as in a `Map`.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};

/// A member's value, as far as the verifier needs to know it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Member<'a> {
    /// A string, borrowed unless it had escapes.
    Str(Cow<'a, str>),
    /// A negative integer (as serde_json reports it).
    Int(i64),
    /// A non-negative integer.
    UInt(u64),
    /// A number with a fraction or an exponent.
    Float(f64),
    /// An array whose elements are all strings.
    Strings(Vec<Cow<'a, str>>),
    /// Anything else: `null`, a boolean, an object, an array with a non-string.
    Other,
}

#[cfg(test)]
impl<'a> Member<'a> {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Member::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Member<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MemberVisitor)
    }
}

struct MemberVisitor;

impl<'de> Visitor<'de> for MemberVisitor {
    type Value = Member<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Owned(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Member::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Member::UInt(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Member::Float(v))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Member::Other)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Member::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut strings = Some(Vec::new());
        while let Some(element) = seq.next_element::<Member<'de>>()? {
            match (element, &mut strings) {
                (Member::Str(s), Some(all)) => all.push(s),
                _ => strings = None,
            }
        }
        Ok(strings.map_or(Member::Other, Member::Strings))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Member::Other)
    }
}

/// Any JSON value, parsed as a `Value` would be and dropped (serde's `IgnoredAny`
/// would skip numbers without checking their range, which a `Value` parse
/// refuses).
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Skip)
    }
}

/// Reads the members of a JSON object: each name goes to `pick`, which says
/// into which slot its value is read (the slot is overwritten by a later
/// duplicate), or `None` to parse and skip it.
fn read_object<'de, D, T, F>(deserializer: D, fields: T, pick: F) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    F: Fn(&mut T, &str) -> Option<usize>,
    T: Slots<'de>,
{
    struct ObjectVisitor<T, F> {
        fields: T,
        pick: F,
    }

    impl<'de, T: Slots<'de>, F: Fn(&mut T, &str) -> Option<usize>> Visitor<'de>
        for ObjectVisitor<T, F>
    {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<T, A::Error> {
            while let Some(name) = map.next_key::<Name<'de>>()? {
                match (self.pick)(&mut self.fields, &name.0) {
                    Some(slot) => {
                        let value = map.next_value::<Member<'de>>()?;
                        self.fields.set(slot, value);
                    }
                    None => {
                        map.next_value::<Skip>()?;
                    }
                }
            }
            Ok(self.fields)
        }
    }

    deserializer.deserialize_map(ObjectVisitor { fields, pick })
}

/// A set of named slots a [`read_object`] fills.
trait Slots<'de> {
    fn set(&mut self, slot: usize, value: Member<'de>);
}

/// A member name, unescaped (borrowed when it had no escapes).
struct Name<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// The JOSE header members the verifier reads (RFC 7515 §4.1).
#[derive(Debug, Default)]
pub(crate) struct Header<'a> {
    pub(crate) alg: Option<Member<'a>>,
    /// Whether a `crit` member is present (whatever its value).
    pub(crate) crit: bool,
}

impl<'de> Slots<'de> for Header<'de> {
    fn set(&mut self, slot: usize, value: Member<'de>) {
        if slot == 0 {
            self.alg = Some(value);
        }
    }
}

impl<'de> Deserialize<'de> for Header<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_object(deserializer, Header::default(), |header, name| match name {
            "alg" => Some(0),
            "crit" => {
                header.crit = true;
                None
            }
            _ => None,
        })
    }
}

/// The registered claims (RFC 7519 §4.1) the verifier checks, each as received.
#[derive(Debug, Default)]
pub(crate) struct Registered<'a> {
    pub(crate) iss: Option<Member<'a>>,
    pub(crate) sub: Option<Member<'a>>,
    pub(crate) aud: Option<Member<'a>>,
    pub(crate) exp: Option<Member<'a>>,
    pub(crate) nbf: Option<Member<'a>>,
    pub(crate) iat: Option<Member<'a>>,
    pub(crate) jti: Option<Member<'a>>,
}

/// The claim names [`Registered`] reads, in slot order.
const REGISTERED: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

impl<'de> Slots<'de> for Registered<'de> {
    fn set(&mut self, slot: usize, value: Member<'de>) {
        let field = match slot {
            0 => &mut self.iss,
            1 => &mut self.sub,
            2 => &mut self.aud,
            3 => &mut self.exp,
            4 => &mut self.nbf,
            5 => &mut self.iat,
            _ => &mut self.jti,
        };
        *field = Some(value);
    }
}

impl<'de> Deserialize<'de> for Registered<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_object(deserializer, Registered::default(), |_, name| {
            REGISTERED.iter().position(|&n| n == name)
        })
    }
}

/// Parses a whole JSON text (`T` an object reader above); `None` if it is not
/// JSON, not an object, or has anything after the object.
pub(crate) fn read<'a, T: Deserialize<'a>>(json: &'a [u8]) -> Option<T> {
    serde_json::from_slice(json).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value};

    use super::*;

    /// Texts a `Value` parse refuses, or takes as something else than an object.
    const NOT_OBJECTS: [&str; 14] = [
        "",
        "[]",
        "[\"HS256\"]",
        "\"alg\"",
        "null",
        "{",
        "{\"alg\":\"HS256\"} x",
        "{\"alg\":\"HS256\",}",
        "{\"x\":1e400}",
        "{\"x\":-1e400}",
        "{\"x\":\"\\ud800\"}",
        "{\"x\":\"\\q\"}",
        "{\"x\":\"\u{1}\"}",
        "{\"x\":[1,]}",
    ];

    #[test]
    fn refuses_what_a_value_parse_refuses() {
        for text in NOT_OBJECTS {
            assert!(
                serde_json::from_str::<Map<String, Value>>(text).is_err(),
                "{text}"
            );
            assert!(read::<Header<'_>>(text.as_bytes()).is_none(), "{text}");
            assert!(read::<Registered<'_>>(text.as_bytes()).is_none(), "{text}");
        }
        let deep = format!("{{\"x\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        assert!(serde_json::from_str::<Map<String, Value>>(&deep).is_err());
        assert!(read::<Registered<'_>>(deep.as_bytes()).is_none());
        // Invalid UTF-8 inside a skipped string.
        assert!(read::<Registered<'_>>(b"{\"x\":\"\xff\"}").is_none());
    }

    #[test]
    fn reads_registered_claims() {
        let text = br#"{"iss":"me","sub":"\u0079ou","aud":["a","b"],"exp":1700000000,"nbf":-5,"iat":1.5,"jti":null,"x":{"y":[1,2,{"z":1e300}]}}"#;
        let r: Registered<'_> = read(text).unwrap();
        assert_eq!(r.iss, Some(Member::Str(Cow::Borrowed("me"))));
        assert_eq!(r.sub.as_ref().and_then(Member::as_str), Some("you"));
        assert_eq!(
            r.aud,
            Some(Member::Strings(vec![
                Cow::Borrowed("a"),
                Cow::Borrowed("b")
            ]))
        );
        assert_eq!(r.exp, Some(Member::UInt(1_700_000_000)));
        assert_eq!(r.nbf, Some(Member::Int(-5)));
        assert_eq!(r.iat, Some(Member::Float(1.5)));
        assert_eq!(r.jti, Some(Member::Other));
    }

    #[test]
    fn names_are_unescaped_and_the_last_duplicate_counts() {
        let r: Registered<'_> =
            read(br#"{"\u0069ss":"first","iss":"last","aud":["a",7]}"#).unwrap();
        assert_eq!(r.iss.as_ref().and_then(Member::as_str), Some("last"));
        assert_eq!(r.aud, Some(Member::Other));
        let h: Header<'_> = read(br#"{"alg":"none","crit":[],"alg":"HS256"}"#).unwrap();
        assert_eq!(h.alg.as_ref().and_then(Member::as_str), Some("HS256"));
        assert!(h.crit);
        let h: Header<'_> = read(br#"{"typ":"JWT"}"#).unwrap();
        assert!(h.alg.is_none() && !h.crit);
    }
}
