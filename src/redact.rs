//! The bottom-layer redaction that errors and `Debug` output share: URLs as
//! messages may show them, so that a `user:password@` or a `?client_secret=...`
//! never reaches a log; and `redacted_debug!`, the `Debug` of every type that
//! holds a key, a token or a secret value, which names what it shows.

/// The URL as an error may show it: no userinfo, no query, no fragment, each
/// replaced by `[redacted]` so the reader sees that something was there (a
/// `user:password@`, a `?client_secret=...` must not reach a log). Idempotent,
/// total, for any text (it need not be a valid URL).
///
/// Where the text is ambiguous, more is hidden, never less: userinfo is taken to
/// run to the last `@` before the query (a password with an unencoded `/` is hidden
/// too, at the price of hiding a path with an `@` in it); an `@` after a `?` or `#`
/// that comes before any `/` may be a password holding `?` or `#`, so everything
/// after the scheme is hidden; and `://` counts as the end of a scheme only after
/// a valid scheme name (RFC 3986 §3.1), not inside a query.
pub(crate) fn redact(url: &str) -> Box<str> {
    const HIDDEN: &str = "[redacted]";
    let start = scheme_end(url).unwrap_or(0);
    let (head, rest) = url.split_at(start);
    let query = rest.find(['?', '#']).unwrap_or(rest.len());
    let mut out = String::with_capacity(url.len().min(256) + 24);
    out.push_str(head);
    match rest.rfind('@') {
        // Userinfo (which may hold a `/`), then host and path.
        Some(at) if at < query => {
            out.push_str(HIDDEN);
            out.push_str(&rest[at..query]);
        }
        // An `@` in the query or fragment of a URL whose path has begun: harmless
        // here, since the query is hidden anyway.
        Some(_) if rest[..query].contains('/') => out.push_str(&rest[..query]),
        // `app:s3?cr3t@idp`: the `?` may be inside a password.
        Some(_) => {
            out.push_str(HIDDEN);
            return out.into_boxed_str();
        }
        None => out.push_str(&rest[..query]),
    }
    if let Some(mark @ ('?' | '#')) = rest[query..].chars().next() {
        out.push(mark);
        out.push_str(HIDDEN);
    }
    out.into_boxed_str()
}

/// Where the authority starts: just after `scheme://`, if the text starts with a
/// scheme name (a letter, then letters, digits, `+`, `-`, `.`).
fn scheme_end(url: &str) -> Option<usize> {
    let colon = crate::encoding::find_str(url, "://")?;
    let scheme = &url[..colon];
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(colon + 3)
}

/// Implements `Debug` for a type holding something secret by naming what it
/// shows: `redacted_debug!(Type: a, b)` prints `Type { a: …, b: …, .. }`, each
/// listed field with its own `Debug` (a secret newtype prints `[redacted]`), and
/// the closing `..` says that the rest (a key pair, secret values) is left out on
/// purpose. A shown value that is not a field is `label = expression`, over the
/// value named after `as`: `redacted_debug!(Type as t: a, has_secret =
/// t.secret.is_some())`. Anything added to the type stays hidden until listed here.
macro_rules! redacted_debug {
    ($ty:ident $(as $this:ident)?: $($label:ident $(= $value:expr)?),+ $(,)?) => {
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                $(let $this = self;)?
                f.debug_struct(stringify!($ty))
                    $(.field(
                        stringify!($label),
                        $crate::redact::redacted_debug!(@shown self.$label $(, $value)?),
                    ))+
                    .finish_non_exhaustive()
            }
        }
    };
    (@shown $field:expr) => {
        &$field
    };
    (@shown $field:expr, $value:expr) => {
        &$value
    };
}
pub(crate) use redacted_debug;

/// The names of name/value pairs whose values may be secret (extra response
/// fields, form parameters), for `Debug`: the names alone.
pub(crate) fn names<'a, N>(names: impl IntoIterator<Item = &'a N>) -> Vec<&'a str>
where
    N: AsRef<str> + ?Sized + 'a,
{
    names.into_iter().map(AsRef::as_ref).collect()
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redaction_keeps_scheme_host_and_path_only() {
        for (url, shown) in [
            (
                "https://idp.example.com/token",
                "https://idp.example.com/token",
            ),
            (
                "https://app:s3cr3t@idp.example.com/token",
                "https://[redacted]@idp.example.com/token",
            ),
            (
                "http://idp.example.com/token?client_secret=s3cr3t&x=1",
                "http://idp.example.com/token?[redacted]",
            ),
            (
                "https://u:p@h/t?client_secret=s#frag",
                "https://[redacted]@h/t?[redacted]",
            ),
            ("https://h/t#s3cr3t", "https://h/t#[redacted]"),
            // A password with an unencoded '/' still does not show.
            (
                "https://app:s3/cr3t@idp/token",
                "https://[redacted]@idp/token",
            ),
            ("app:s3cr3t@idp/token", "[redacted]@idp/token"),
            // A `?` or `#` inside a password: nothing of it shows.
            ("https://app:s3?cr3t@idp/token", "https://[redacted]"),
            ("https://app:s3#cr3t@idp/token", "https://[redacted]"),
            // An `@` in the query of a URL with a path keeps host and path.
            (
                "https://idp/t?email=a@b.example&secret=s3cr3t",
                "https://idp/t?[redacted]",
            ),
            // `://` inside the query is no scheme.
            (
                "http:/idp/token?client_secret=s3cr3t&next=https://x/",
                "http:/idp/token?[redacted]",
            ),
            ("", ""),
        ] {
            assert_eq!(&*redact(url), shown, "{url}");
            assert_eq!(redact(shown), redact(url), "idempotent: {url}");
        }
    }
}
