//! A caller-owned JWK Set cache (RFC 7517 §5 keys from an issuer's `jwks_uri`):
//! keys kept for the maximum age the issuer's `Cache-Control` gives (within a
//! floor and a ceiling), and a refetch when a token names a `kid` the set does
//! not hold (the issuer rotated its keys), rate-limited so that a flood of tokens
//! with random `kid`s cannot become a flood of fetches. Sans-IO at the core:
//! [`request`](JwksCache::request), [`accept`](JwksCache::accept) and the
//! `needs_*` questions take `now`; the `ureq` join fetches with the caller's
//! agent and the crate's safety settings.

use std::time::{Duration, SystemTime};

use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};
use crate::jwt::Jwks;
use crate::response::Answer;
use crate::url::EndpointUrl;

use super::AuthorizationServerMetadata;

/// A JWK Set and when to fetch it again, for one `jwks_uri`. A plain value: keep
/// it where the service keeps its state (a `Mutex` if threads share it).
///
/// - **Maximum age**: `Cache-Control: max-age=N` of the last answer, held between
///   [`with_floor`](Self::with_floor) (default 5 min: a `max-age=0` or `no-store`
///   does not make every token a fetch) and [`with_ceiling`](Self::with_ceiling)
///   (default 24 h); with no `max-age`, [`with_default_max_age`](Self::with_default_max_age)
///   (default 1 h). `Expires` and `Age` are not read.
/// - **Unknown `kid`**: refetched at most once per
///   [`with_min_refetch_interval`](Self::with_min_refetch_interval) (default
///   60 s), counted from the last attempt, whether it worked or not.
/// - **A failed refetch** keeps the keys already held (they are still the
///   issuer's keys): verification goes on with them, and the next attempt waits
///   for the minimum interval, doubled after each further failure in a row up
///   to [`MAX_BACKOFF_FACTOR`](Self::MAX_BACKOFF_FACTOR) times it (8 min by
///   default): a JWKS endpoint that is down is not polled every interval by
///   every process. An answer that is a JWK Set ends the backoff.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use s2s_oauth::HttpResponse;
/// use s2s_oauth::discovery::JwksCache;
///
/// let mut cache = JwksCache::new("https://idp.example.com/jwks")?;
/// let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert!(cache.needs_fetch(t0));
/// let request = cache.request(); // GET, send it with any HTTP client
/// assert_eq!(request.url(), "https://idp.example.com/jwks");
/// let headers = vec![("Cache-Control".to_owned(), "public, max-age=3600".to_owned())];
/// let answer = HttpResponse::new(200, headers, br#"{"keys":[]}"#.to_vec());
/// cache.accept(&answer, t0)?;
/// assert!(!cache.needs_fetch(t0 + Duration::from_secs(3599)));
/// assert!(cache.needs_fetch(t0 + Duration::from_secs(3600)));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct JwksCache {
    url: EndpointUrl,
    keys: Option<Jwks>,
    /// When the held keys stop being fresh.
    fresh_until: Option<SystemTime>,
    /// When the last fetch was tried (worked or not).
    last_attempt: Option<SystemTime>,
    /// Failed attempts in a row, for the backoff.
    failures: u32,
    fetches: u64,
    floor: Duration,
    ceiling: Duration,
    default_max_age: Duration,
    min_refetch_interval: Duration,
}

impl JwksCache {
    /// The default [`with_floor`](Self::with_floor): 5 minutes.
    pub const DEFAULT_FLOOR: Duration = Duration::from_secs(5 * 60);
    /// The default [`with_ceiling`](Self::with_ceiling): 24 hours.
    pub const DEFAULT_CEILING: Duration = Duration::from_secs(24 * 60 * 60);
    /// The default [`with_default_max_age`](Self::with_default_max_age): 1 hour.
    pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(60 * 60);
    /// The default [`with_min_refetch_interval`](Self::with_min_refetch_interval): 60 s.
    pub const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(60);
    /// After failed fetches in a row, the wait before the next is the minimum
    /// interval doubled for each failure after the first, at most this many
    /// times the interval: 8.
    pub const MAX_BACKOFF_FACTOR: u32 = 8;

    /// An empty cache for the JWK Set at `jwks_url`: `https://`, or `http://` on
    /// a loopback host only (the token URL rules: keys read over plain http from
    /// elsewhere could be anyone's). Otherwise [`Error::InvalidUrl`].
    pub fn new(jwks_url: &str) -> Result<Self, Error> {
        Ok(JwksCache {
            url: EndpointUrl::parse(jwks_url)?,
            keys: None,
            fresh_until: None,
            last_attempt: None,
            failures: 0,
            fetches: 0,
            floor: Self::DEFAULT_FLOOR,
            ceiling: Self::DEFAULT_CEILING,
            default_max_age: Self::DEFAULT_MAX_AGE,
            min_refetch_interval: Self::DEFAULT_MIN_REFETCH_INTERVAL,
        })
    }

    /// A cache for the `jwks_uri` of `metadata` (RFC 8414 §2). Metadata with no
    /// `jwks_uri`, a `jwks_uri` that is no https URL (plain http only on a
    /// loopback host, and only from a loopback http issuer) are
    /// [`Error::InvalidUrl`].
    ///
    /// ```
    /// use s2s_oauth::HttpResponse;
    /// use s2s_oauth::discovery::{AuthorizationServerMetadata, JwksCache};
    /// let body = br#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token",
    ///   "jwks_uri":"https://idp.example.com/jwks"}"#;
    /// let metadata = AuthorizationServerMetadata::parse(&HttpResponse::new(200, vec![], body.to_vec()), "https://idp.example.com")?;
    /// assert_eq!(JwksCache::for_issuer(&metadata)?.url(), "https://idp.example.com/jwks");
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn for_issuer(metadata: &AuthorizationServerMetadata) -> Result<Self, Error> {
        let Some(uri) = metadata.jwks_uri() else {
            return Err(crate::url::invalid(
                metadata.issuer(),
                "the issuer's metadata names no jwks_uri: its tokens cannot be verified from its metadata; give the JWK Set URL itself",
            ));
        };
        let cache = Self::new(uri)?;
        if metadata.issuer().starts_with("https://") && !cache.url.is_https() {
            return Err(crate::url::invalid(
                uri,
                "the metadata of an https issuer names a plain-http jwks_uri: keys read over plain http could be anyone's; the jwks_uri must be https",
            ));
        }
        Ok(cache)
    }

    /// The shortest time keys are kept, whatever `Cache-Control` says.
    pub fn with_floor(mut self, floor: Duration) -> Self {
        self.floor = floor;
        self
    }

    /// The longest time keys are kept, whatever `Cache-Control` says.
    pub fn with_ceiling(mut self, ceiling: Duration) -> Self {
        self.ceiling = ceiling;
        self
    }

    /// How long keys are kept when the answer has no `max-age`.
    pub fn with_default_max_age(mut self, max_age: Duration) -> Self {
        self.default_max_age = max_age;
        self
    }

    /// The least time between two fetches made for an unknown `kid` (or after a
    /// failed fetch).
    pub fn with_min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch_interval = interval;
        self
    }

    /// The JWK Set URL.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// The keys held, fresh or not.
    pub fn keys(&self) -> Option<&Jwks> {
        self.keys.as_ref()
    }

    /// How many answers were accepted or failed ([`accept`](Self::accept),
    /// [`fetch_failed`](Self::fetch_failed)): the fetches made.
    pub fn fetches(&self) -> u64 {
        self.fetches
    }

    /// The `GET` request for the set (sans-IO).
    pub fn request(&self) -> HttpRequest {
        HttpRequest {
            method: "GET",
            url: self.url.as_str().to_owned(),
            headers: vec![(
                "Accept",
                "application/jwk-set+json, application/json".to_owned(),
            )],
            body: Vec::new(),
        }
    }

    /// Whether the rate limit lets a fetch happen at `now`: the last attempt is
    /// at least the minimum interval before `now`, or more than the interval
    /// after it (the clock was set back: waiting for it to catch up could block
    /// fetches for hours). A `now` a little before the last attempt is the
    /// usual case of threads sharing the cache behind a lock (each read the
    /// clock, then waited for the lock): that is within the interval, not a
    /// clock set back, else every such waiting request would fetch again.
    fn may_fetch(&self, now: SystemTime) -> bool {
        let interval = self.wait();
        self.last_attempt
            .is_none_or(|last| match now.duration_since(last) {
                Ok(since) => since >= interval,
                Err(back) => back.duration() > interval,
            })
    }

    /// The least time from the last attempt to the next: the minimum interval,
    /// doubled for each failure in a row after the first, up to
    /// [`MAX_BACKOFF_FACTOR`](Self::MAX_BACKOFF_FACTOR) times it.
    fn wait(&self) -> Duration {
        let doublings = self.failures.saturating_sub(1).min(31);
        let factor = (1u32 << doublings).min(Self::MAX_BACKOFF_FACTOR.max(1));
        self.min_refetch_interval.saturating_mul(factor)
    }

    /// Whether the set should be fetched at `now`: none held, or the held one is
    /// past its maximum age; and the last attempt is at least the minimum
    /// interval ago.
    pub fn needs_fetch(&self, now: SystemTime) -> bool {
        let stale = self.fresh_until.is_none_or(|until| now >= until);
        stale && self.may_fetch(now)
    }

    /// Whether the set should be fetched at `now` to verify `token`: as
    /// [`needs_fetch`](Self::needs_fetch), or the token's `kid` (or, with none,
    /// its algorithm) is unknown to the held set and the last attempt is at
    /// least the minimum interval ago.
    pub fn needs_fetch_for(&self, token: &str, now: SystemTime) -> bool {
        if self.needs_fetch(now) {
            return true;
        }
        let unknown = self
            .keys
            .as_ref()
            .is_none_or(|keys| crate::jwt::key_is_unknown(token, keys));
        unknown && self.may_fetch(now)
    }

    /// Takes the answer to [`request`](Self::request), received at `now`. A 200
    /// with a JWK Set replaces the held keys; anything else is an error (and the
    /// held keys stay): a 3xx [`Error::Redirect`], another status
    /// [`Error::UnexpectedStatus`], a body that is no JWK Set [`Error::Jwks`].
    pub fn accept(&mut self, response: &HttpResponse, now: SystemTime) -> Result<&Jwks, Error> {
        self.fetches += 1;
        self.last_attempt = Some(now);
        let keys = match self.read_answer(response) {
            Ok(keys) => keys,
            Err(e) => {
                self.failures = self.failures.saturating_add(1);
                return Err(e);
            }
        };
        self.failures = 0;
        let max_age = max_age(response.header("cache-control"))
            .unwrap_or(self.default_max_age)
            .clamp(self.floor, self.ceiling.max(self.floor));
        self.fresh_until = now.checked_add(max_age);
        Ok(self.keys.insert(keys))
    }

    /// The JWK Set of a 200 answer, or why there is none.
    fn read_answer(&self, response: &HttpResponse) -> Result<Jwks, Error> {
        let answer = Answer::new(response, None);
        answer.refuse_redirect()?;
        if answer.status() != 200 {
            return Err(Error::UnexpectedStatus(answer.unexpected(Some(
                "no JWK Set at this URL: check the issuer's jwks_uri".to_owned(),
            ))));
        }
        Ok(Jwks::parse(crate::response::without_bom(response.body()))?)
    }

    /// Records a fetch that got no answer (a transport error) at `now`, for the
    /// rate limit.
    pub fn fetch_failed(&mut self, now: SystemTime) {
        self.fetches += 1;
        self.failures = self.failures.saturating_add(1);
        self.last_attempt = Some(now);
    }

    /// The held keys, or the error saying why there are none.
    #[cfg(feature = "ureq")]
    fn held(&self, now: SystemTime) -> Result<&Jwks, Error> {
        self.keys.as_ref().ok_or_else(|| {
            let next = self
                .last_attempt
                .and_then(|last| last.checked_add(self.wait()))
                .and_then(|next| next.duration_since(now).ok())
                .unwrap_or_default();
            Error::Jwks(crate::jwt::JwksError::NotFetched { retry_in: next })
        })
    }
}

#[cfg(feature = "ureq")]
impl JwksCache {
    /// The keys to verify `token` with at `now`, fetched with `agent` when
    /// [`needs_fetch_for`](Self::needs_fetch_for) says so (no redirects, the
    /// crate's timeout, a body limit of [`Jwks::MAX_LEN`]). A failed fetch is
    /// the error only when no keys are held.
    pub fn keys_for(
        &mut self,
        agent: &ureq::Agent,
        token: &str,
        now: SystemTime,
    ) -> Result<&Jwks, Error> {
        if self.needs_fetch_for(token, now) {
            if let Err(e) = self.fetch(agent, now) {
                if self.keys.is_none() {
                    return Err(e);
                }
            }
        }
        self.held(now)
    }

    /// Fetches the set now, whatever the cache holds (the rate limit is the
    /// caller's business here).
    pub fn fetch(&mut self, agent: &ureq::Agent, now: SystemTime) -> Result<&Jwks, Error> {
        let options = crate::SendOptions::new().with_body_limit(Jwks::MAX_LEN as u64);
        match crate::transport::send_http(agent, &self.request(), &options) {
            Ok(response) => self.accept(&response, now),
            Err(e) => {
                self.fetch_failed(now);
                Err(e)
            }
        }
    }

    /// [`verify_with_jwks`](crate::jwt::verify_with_jwks) with the keys of
    /// [`keys_for`](Self::keys_for).
    pub fn verify(
        &mut self,
        agent: &ureq::Agent,
        token: &str,
        validation: &crate::jwt::Validation,
        now: SystemTime,
        replay: Option<&mut dyn crate::jwt::ReplayCache>,
    ) -> Result<crate::jwt::VerifiedJwt, Error> {
        let keys = self.keys_for(agent, token, now)?;
        crate::jwt::verify_with_jwks(token, keys, validation, now, replay)
    }

    /// [`verify_access_token`](crate::jwt::verify_access_token) (RFC 9068) with
    /// the keys of [`keys_for`](Self::keys_for).
    ///
    /// ```no_run
    /// use std::time::SystemTime;
    /// use s2s_oauth::discovery::{AuthorizationServerMetadata, JwksCache};
    /// use s2s_oauth::jwt::AccessTokenValidation;
    ///
    /// let agent = s2s_oauth::agent();
    /// let metadata = AuthorizationServerMetadata::discover(&agent, "https://idp.example.com")?;
    /// let mut keys = JwksCache::for_issuer(&metadata)?; // keep it for the life of the service
    /// let rules = AccessTokenValidation::new(metadata.issuer(), "https://api.example.com");
    /// # let bearer = "";
    /// let token = keys.verify_access_token(&agent, bearer, &rules, SystemTime::now())?;
    /// println!("{} for {:?}", token.client_id().unwrap_or("?"), token.scopes());
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn verify_access_token(
        &mut self,
        agent: &ureq::Agent,
        token: &str,
        rules: &crate::jwt::AccessTokenValidation,
        now: SystemTime,
    ) -> Result<crate::jwt::VerifiedAccessToken, Error> {
        let keys = self.keys_for(agent, token, now)?;
        crate::jwt::verify_access_token(token, keys, rules, now)
    }
}

/// `max-age` of a `Cache-Control` value (RFC 9111 §5.2.2.1); `no-store` and
/// `no-cache` count as zero (the floor then applies). `None` when it says
/// nothing about the age.
fn max_age(cache_control: Option<&str>) -> Option<Duration> {
    let mut age = None;
    for directive in cache_control?.split(',') {
        let directive = directive.trim();
        let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
        let name = name.trim().to_ascii_lowercase();
        match name.as_str() {
            "no-store" | "no-cache" => return Some(Duration::ZERO),
            "max-age" => {
                let value = value.trim().trim_matches('"');
                if let Ok(seconds) = value.parse::<u64>() {
                    age = Some(Duration::from_secs(seconds));
                } else if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
                    // Larger than u64: as long as anything (the ceiling applies).
                    age = Some(Duration::MAX);
                }
            }
            _ => {}
        }
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_max_age() {
        let s = Duration::from_secs;
        assert_eq!(max_age(Some("public, max-age=600")), Some(s(600)));
        assert_eq!(max_age(Some("Max-Age=\"30\"")), Some(s(30)));
        assert_eq!(max_age(Some("max-age=600, no-cache")), Some(s(0)));
        assert_eq!(max_age(Some("no-store")), Some(s(0)));
        assert_eq!(max_age(Some("private")), None);
        assert_eq!(max_age(Some("max-age=-5")), None);
        assert_eq!(max_age(Some("max-age=abc")), None);
        assert_eq!(
            max_age(Some("max-age=99999999999999999999999")),
            Some(Duration::MAX)
        );
        assert_eq!(max_age(None), None);
    }
}
