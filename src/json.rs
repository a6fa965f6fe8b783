//! Typed fields out of a JSON object a server sent (a token response, an OAuth
//! error response, authorization server metadata), in one place with one set of
//! reasons. Each reader takes its field out of the object, so what is left is
//! "every other field"; a field of the wrong type is left in place. `null` counts
//! as absent.

use std::fmt;

use serde_json::{Map, Value};

/// A field that is there but cannot be read as what it should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldError {
    /// The field's name.
    pub(crate) name: &'static str,
    /// What is wrong with it.
    pub(crate) problem: Problem,
    /// What it should have been, for the message: "a string", "a number of seconds".
    pub(crate) expected: &'static str,
}

/// What is wrong with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    /// Another JSON type: "a number", "an object"...
    WrongType(&'static str),
    /// An array with a member that is not a string.
    MemberNotString,
    /// A number below zero.
    Negative,
    /// A number with a fraction where a whole one is needed.
    NotWhole,
    /// A string that is not a whole number (ASCII digits only).
    StringNotWhole,
    /// An empty string where a value is needed.
    EmptyString,
    /// A number too large for what it stands for.
    OutOfRange,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field {:?} ", self.name)?;
        match self.problem {
            Problem::WrongType(found) => write!(f, "is {found}")?,
            Problem::MemberNotString => f.write_str("has a member that is not a string")?,
            Problem::Negative => f.write_str("is negative")?,
            Problem::NotWhole => f.write_str("is not a whole number")?,
            Problem::StringNotWhole => f.write_str("is a string that is not a whole number")?,
            Problem::OutOfRange => f.write_str("is out of range")?,
            Problem::EmptyString => f.write_str("is an empty string")?,
        }
        write!(f, "; expected {}", self.expected)
    }
}

/// A number read by [`take_number`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    /// A whole number, from a JSON integer or a string of digits.
    Whole(u64),
    /// A JSON number with a fraction or an exponent (`59.5`, `1e3`), not negative.
    Fraction(f64),
}

/// Takes a string field out of `object`.
pub(crate) fn take_string(
    object: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, FieldError> {
    let Some(value) = object.get_mut(name) else {
        return Ok(None);
    };
    let string = string(value, name)?;
    object.remove(name);
    Ok(string)
}

/// Takes the string out of `value`, the value of field `name` (leaving an empty
/// string behind); `null` is `None`; a value of another type is left as it was.
pub(crate) fn string(value: &mut Value, name: &'static str) -> Result<Option<String>, FieldError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(std::mem::take(s))),
        other => Err(wrong_type(name, other, "a string")),
    }
}

/// Takes an array-of-strings field out of `object`.
pub(crate) fn take_strings(
    object: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<Vec<String>>, FieldError> {
    const EXPECTED: &str = "an array of strings";
    match object.get(name) {
        None => Ok(None),
        Some(Value::Array(items)) if !items.iter().all(Value::is_string) => Err(FieldError {
            name,
            problem: Problem::MemberNotString,
            expected: EXPECTED,
        }),
        Some(Value::Null | Value::Array(_)) => match object.remove(name) {
            Some(Value::Array(items)) => Ok(Some(
                items
                    .into_iter()
                    .filter_map(|item| match item {
                        Value::String(s) => Some(s),
                        _ => None,
                    })
                    .collect(),
            )),
            _ => Ok(None),
        },
        Some(other) => Err(wrong_type(name, other, EXPECTED)),
    }
}

/// Takes a non-negative number field out of `object`: a JSON number, or a string
/// of ASCII digits (surrounding white space ignored), as some servers send
/// (Entra v1's `"expires_in": "3599"`, Salesforce's `issued_at`). `expected` names
/// what the number stands for, for the message.
pub(crate) fn take_number(
    object: &mut Map<String, Value>,
    name: &'static str,
    expected: &'static str,
) -> Result<Option<Number>, FieldError> {
    let Some(value) = object.get(name) else {
        return Ok(None);
    };
    let number = number(value, name, expected)?;
    object.remove(name);
    Ok(number)
}

/// Reads `value`, the value of field `name`, as [`take_number`] does; `null` is
/// `None`.
pub(crate) fn number(
    value: &Value,
    name: &'static str,
    expected: &'static str,
) -> Result<Option<Number>, FieldError> {
    let error = |problem| FieldError {
        name,
        problem,
        expected,
    };
    Ok(match value {
        Value::Null => None,
        Value::Number(n) => Some(match (n.as_u64(), n.as_f64()) {
            (Some(whole), _) => Number::Whole(whole),
            (None, Some(f)) if f >= 0.0 => Number::Fraction(f),
            _ => return Err(error(Problem::Negative)),
        }),
        Value::String(s) => match s.trim() {
            t if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => Some(Number::Whole(
                t.parse().map_err(|_| error(Problem::OutOfRange))?,
            )),
            _ => return Err(error(Problem::StringNotWhole)),
        },
        other => return Err(wrong_type(name, other, expected)),
    })
}

fn wrong_type(name: &'static str, value: &Value, expected: &'static str) -> FieldError {
    FieldError {
        name,
        problem: Problem::WrongType(kind(value)),
        expected,
    }
}

/// The JSON type of `value`, as a message names it.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("a test object"),
        }
    }

    #[test]
    fn strings_are_taken_and_the_rest_stays() {
        let mut o =
            object(json!({"a": "x", "n": null, "bad": 1, "list": ["p", "q"], "mixed": ["p", 2]}));
        assert_eq!(take_string(&mut o, "a"), Ok(Some("x".into())));
        assert_eq!(take_string(&mut o, "n"), Ok(None));
        assert_eq!(take_string(&mut o, "absent"), Ok(None));
        let err = take_string(&mut o, "bad").unwrap_err();
        assert_eq!(err.problem, Problem::WrongType("a number"));
        assert_eq!(
            err.to_string(),
            "field \"bad\" is a number; expected a string"
        );
        assert_eq!(
            take_strings(&mut o, "list"),
            Ok(Some(vec!["p".into(), "q".into()]))
        );
        assert_eq!(
            take_strings(&mut o, "mixed").unwrap_err().to_string(),
            "field \"mixed\" has a member that is not a string; expected an array of strings"
        );
        // Taken fields are gone; a field of the wrong type stays where it was.
        let left: Vec<&str> = o.keys().map(String::as_str).collect();
        assert_eq!(left, ["bad", "mixed"]);
        assert_eq!(
            take_strings(&mut o, "bad").unwrap_err().problem,
            Problem::WrongType("a number")
        );
    }

    #[test]
    fn numbers_from_json_numbers_and_digit_strings() {
        let mut o = object(json!({
            "int": 3600, "frac": 59.5, "str": " 3599 ", "neg": -5, "negstr": "-5",
            "huge": "99999999999999999999", "word": "abc", "empty": "", "bool": true, "null": null
        }));
        let mut take = |name| take_number(&mut o, name, "a number of seconds");
        assert_eq!(take("int"), Ok(Some(Number::Whole(3600))));
        assert_eq!(take("frac"), Ok(Some(Number::Fraction(59.5))));
        assert_eq!(take("str"), Ok(Some(Number::Whole(3599))));
        assert_eq!(take("null"), Ok(None));
        assert_eq!(take("absent"), Ok(None));
        for (name, problem) in [
            ("neg", Problem::Negative),
            ("negstr", Problem::StringNotWhole),
            ("huge", Problem::OutOfRange),
            ("word", Problem::StringNotWhole),
            ("empty", Problem::StringNotWhole),
            ("bool", Problem::WrongType("a boolean")),
        ] {
            assert_eq!(take(name).unwrap_err().problem, problem, "{name}");
        }
        assert_eq!(
            take("neg").unwrap_err().to_string(),
            "field \"neg\" is negative; expected a number of seconds"
        );
    }
}
