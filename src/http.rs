//! Plain HTTP request and response values: what the sans-IO core produces and
//! consumes, with no HTTP library's types.

use std::fmt;

use zeroize::Zeroize;

/// A token request ready to send: method, URL, headers and the form body.
///
/// `Debug` shows header names and the body length only: the `Authorization` header
/// and the body carry secrets. Header values and the body are overwritten with
/// zeros when the request is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub(crate) method: &'static str,
    pub(crate) url: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

impl HttpRequest {
    /// The method (`POST` for a token request).
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The full URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers, in order. `Authorization` may be among them: never log values.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }

    /// The `application/x-www-form-urlencoded` body. It carries secrets.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

impl HttpRequest {
    /// Overwrites the header values and the body with zeros; what `Drop` does.
    fn wipe(&mut self) {
        crate::secrets::wipe_values(&mut self.headers);
        self.body.zeroize();
    }
}

impl Drop for HttpRequest {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &crate::url::redact(&self.url))
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// The value of the first header named `name` (ASCII case-insensitive).
pub(crate) fn find_header<'a, N: AsRef<str>>(
    headers: &'a [(N, String)],
    name: &str,
) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A received HTTP response: status, headers and the body bytes.
///
/// `Debug` shows the body length only. The body (a token response carries tokens)
/// is overwritten with zeros when the response is dropped.
#[derive(Clone)]
pub struct HttpResponse {
    status: u16,
    headers: Headers,
    body: Vec<u8>,
}

/// A response's headers: the pairs given to [`HttpResponse::new`], or the ones the
/// transport read, packed into one buffer (two allocations for all of them, not
/// two per header) and turned into owned pairs only if
/// [`HttpResponse::headers`] is asked for them.
#[derive(Clone)]
enum Headers {
    Pairs(Vec<(String, String)>),
    Packed(PackedHeaders),
}

/// Header names and values one after another in one string.
#[derive(Clone)]
pub(crate) struct PackedHeaders {
    text: String,
    /// Where each name ends and where its value ends, in `text`.
    ends: Vec<(usize, usize)>,
    /// The owned pairs, made the first time they are asked for.
    pairs: std::sync::OnceLock<Vec<(String, String)>>,
}

#[cfg_attr(not(feature = "ureq"), allow(dead_code))]
impl PackedHeaders {
    /// Room for `count` headers whose names and values take `len` bytes.
    pub(crate) fn with_capacity(count: usize, len: usize) -> Self {
        PackedHeaders {
            text: String::with_capacity(len),
            ends: Vec::with_capacity(count),
            pairs: std::sync::OnceLock::new(),
        }
    }

    /// Appends a header.
    pub(crate) fn push(&mut self, name: &str, value: &str) {
        self.text.push_str(name);
        let name_end = self.text.len();
        self.text.push_str(value);
        self.ends.push((name_end, self.text.len()));
    }

    /// The headers, in order.
    fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut start = 0;
        self.ends.iter().map(move |&(name_end, value_end)| {
            let name = self.text.get(start..name_end).unwrap_or_default();
            let value = self.text.get(name_end..value_end).unwrap_or_default();
            start = value_end;
            (name, value)
        })
    }
}

impl Headers {
    fn pairs(&self) -> &[(String, String)] {
        match self {
            Headers::Pairs(pairs) => pairs,
            Headers::Packed(packed) => packed.pairs.get_or_init(|| {
                packed
                    .iter()
                    .map(|(n, v)| (n.to_owned(), v.to_owned()))
                    .collect()
            }),
        }
    }

    /// The headers, in order, however they are held (without making the owned
    /// pairs of packed ones).
    fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let (pairs, packed) = match self {
            Headers::Pairs(pairs) => (pairs.as_slice(), None),
            Headers::Packed(packed) => (&[][..], Some(packed)),
        };
        pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .chain(packed.into_iter().flat_map(PackedHeaders::iter))
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    fn find(&self, name: &str) -> Option<&str> {
        match self {
            Headers::Pairs(pairs) => find_header(pairs, name),
            Headers::Packed(packed) => packed
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v),
        }
    }
}

impl HttpResponse {
    /// A response from its parts, as read from any HTTP library.
    ///
    /// ```
    /// use s2s_oauth::HttpResponse;
    /// let resp = HttpResponse::new(200, vec![("Content-Type".into(), "application/json".into())], b"{}".to_vec());
    /// assert_eq!(resp.header("content-type"), Some("application/json"));
    /// ```
    pub fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        HttpResponse {
            status,
            headers: Headers::Pairs(headers),
            body,
        }
    }

    /// A response whose headers the transport packed as it read them.
    #[cfg_attr(not(feature = "ureq"), allow(dead_code))]
    pub(crate) fn packed(status: u16, headers: PackedHeaders, body: Vec<u8>) -> Self {
        HttpResponse {
            status,
            headers: Headers::Packed(headers),
            body,
        }
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers, in order.
    pub fn headers(&self) -> &[(String, String)] {
        self.headers.pairs()
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.find(name)
    }

    /// The `Date` header (RFC 9110 §6.6.1): when the server says it answered, for
    /// comparing its clock with the local one. `None` when the header is missing or
    /// not an HTTP-date. `now` places the two-digit years of the obsolete RFC 850
    /// form (at most 50 years ahead of it).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use s2s_oauth::HttpResponse;
    /// let resp = HttpResponse::new(200, vec![("Date".into(), "Sun, 06 Nov 1994 08:49:37 GMT".into())], vec![]);
    /// let date = resp.date(SystemTime::now()).unwrap();
    /// assert_eq!(date, SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777));
    /// assert_eq!(HttpResponse::new(200, vec![], vec![]).date(SystemTime::now()), None);
    /// ```
    pub fn date(&self, now: std::time::SystemTime) -> Option<std::time::SystemTime> {
        crate::time::parse_http_date(self.header("date")?, now)
    }

    /// The body bytes. A token response's body carries secrets.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Takes the body out; wiping it is then the caller's business.
    pub fn into_body(mut self) -> Vec<u8> {
        std::mem::take(&mut self.body)
    }
}

/// Equal when the status, the headers (names and values, in order) and the body
/// are, however the headers are held.
impl PartialEq for HttpResponse {
    fn eq(&self, other: &Self) -> bool {
        self.status == other.status
            && self.body == other.body
            && self.headers.iter().eq(other.headers.iter())
    }
}

impl Eq for HttpResponse {}

impl Drop for HttpResponse {
    fn drop(&mut self) {
        self.body.zeroize();
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names only, read where they are: printing never copies the values.
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n).collect();
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipe_clears_header_values_and_body() {
        let mut request = HttpRequest {
            method: "POST",
            url: "https://as.example/token".into(),
            headers: vec![("Authorization", "Basic Y2xpZW50OnNlY3JldA==".into())],
            body: b"client_secret=s3cr3t".to_vec(),
        };
        let copy = request.clone();
        request.wipe();
        assert_eq!(request.header("authorization"), Some(""));
        assert!(request.body().is_empty());
        assert_eq!(copy.body(), b"client_secret=s3cr3t", "a clone is its own");
    }

    #[test]
    fn into_body_returns_the_body_although_drop_wipes() {
        let response = HttpResponse::new(200, Vec::new(), b"{\"access_token\":\"at\"}".to_vec());
        assert_eq!(response.into_body(), b"{\"access_token\":\"at\"}");
    }

    /// Headers packed by the transport answer as the same headers given as
    /// pairs: `header` (first match, any case), `headers` (in order, repeats
    /// kept), `Debug`, equality and clones, with empty values and names of
    /// every length.
    #[test]
    fn packed_headers_read_as_pairs() {
        let pairs = [
            ("Content-Type", "application/json"),
            ("WWW-Authenticate", "DPoP error=\"use_dpop_nonce\""),
            ("www-authenticate", "Bearer"),
            ("X-Empty", ""),
            ("", "odd"),
            ("Retry-After", "120"),
        ];
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        let len = pairs.iter().map(|(n, v)| n.len() + v.len()).sum();
        let mut packed = PackedHeaders::with_capacity(pairs.len(), len);
        for (n, v) in pairs {
            packed.push(n, v);
        }
        let body = b"{}".to_vec();
        let packed = HttpResponse::packed(401, packed, body.clone());
        let plain = HttpResponse::new(401, owned.clone(), body);
        for name in [
            "content-type",
            "WWW-AUTHENTICATE",
            "x-empty",
            "",
            "retry-after",
            "date",
        ] {
            assert_eq!(packed.header(name), plain.header(name), "{name}");
        }
        assert_eq!(
            packed.header("www-authenticate"),
            Some("DPoP error=\"use_dpop_nonce\"")
        );
        let debug = format!("{packed:?}");
        assert_eq!(debug, format!("{plain:?}"));
        assert!(debug.contains("Retry-After") && !debug.contains("use_dpop_nonce"));
        assert_eq!(packed, plain);
        assert_ne!(
            packed,
            HttpResponse::new(401, owned[..5].to_vec(), b"{}".to_vec())
        );
        // Reading, comparing and printing never made the owned pairs.
        let made = |r: &HttpResponse| match &r.headers {
            Headers::Packed(p) => p.pairs.get().is_some(),
            Headers::Pairs(_) => true,
        };
        assert!(!made(&packed));
        let copy = packed.clone();
        assert_eq!(packed.headers(), owned.as_slice());
        assert_eq!(copy.headers(), owned.as_slice());
        assert!(made(&packed) && made(&packed.clone()));
        assert_eq!(packed, plain);
        assert_eq!(copy, plain);
        let other = HttpResponse::new(401, owned[1..].to_vec(), b"{}".to_vec());
        assert_ne!(packed, other);
        let empty = PackedHeaders::with_capacity(0, 0);
        let empty = HttpResponse::packed(200, empty, Vec::new());
        assert_eq!(empty, HttpResponse::new(200, Vec::new(), Vec::new()));
        assert_eq!(empty.header("content-type"), None);
    }
}
