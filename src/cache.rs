//! `TokenCache`: one caller-owned token slot with refresh-before-expiry. No
//! threads, no statics, no clock reads: `now` is passed in. (The convenience
//! `get_or_send`, which reads the clock like `send` does, lives with the I/O in
//! `transport.rs`.)

use std::time::{Duration, SystemTime};

use crate::token::Token;

/// A caller-owned cache of one access token (RFC 6749 §5.1 with an absolute
/// expiry): [`get_or_refresh`](Self::get_or_refresh) hands back the cached token
/// while it is good and calls the caller's `fetch` when it is missing, about to
/// expire (within the margin), too old ([`with_max_age`](Self::with_max_age), for
/// tokens without an expiry such as Salesforce's) or
/// [`invalidate`](Self::invalidate)d after a resource server refused it.
///
/// With the `ureq` feature, [`get_or_send`](Self::get_or_send) takes the
/// [`TokenRequest`](crate::TokenRequest) and the agent and does the rest:
/// `cache.get_or_send(&request, &agent)?`. [`get_or_refresh`](Self::get_or_refresh)
/// is the sans-IO core under it: `now` and a fetch function of the caller's
/// (`|_| request.send(&agent).map(Token::from)`).
///
/// It is a plain value: put it where the job keeps its state (a struct field, a
/// `Mutex` if threads share it); nothing is global. To keep it between runs,
/// store [`token`](Self::token) with [`Token::to_json_exposing_secrets`] and start
/// the next run [`with_token`](Self::with_token).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use s2s_oauth::{HttpResponse, Token, TokenCache, TokenResponse};
///
/// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let mut fetches = 0;
/// let mut fetch = |_previous: Option<&Token>| {
///     fetches += 1;
///     let body = br#"{"access_token":"abc","token_type":"Bearer","expires_in":300}"#;
///     TokenResponse::parse(&HttpResponse::new(200, vec![], body.to_vec()), t0)
///         .map(Token::from)
/// };
/// let mut cache = TokenCache::new();
/// cache.get_or_refresh(t0, &mut fetch)?;                                // fetched
/// cache.get_or_refresh(t0 + Duration::from_secs(200), &mut fetch)?;    // cached
/// cache.get_or_refresh(t0 + Duration::from_secs(241), &mut fetch)?;    // within 60 s of expiry
/// assert_eq!(fetches, 2);
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TokenCache {
    token: Option<Token>,
    stale: bool,
    margin: Duration,
    max_age: Option<Duration>,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache {
            token: None,
            stale: false,
            margin: Self::DEFAULT_REFRESH_MARGIN,
            max_age: None,
        }
    }
}

impl TokenCache {
    /// The default early-refresh margin: a token is refreshed when it expires within
    /// 60 seconds.
    ///
    /// ```
    /// use std::time::Duration;
    /// use s2s_oauth::TokenCache;
    /// assert_eq!(TokenCache::DEFAULT_REFRESH_MARGIN, Duration::from_secs(60));
    /// ```
    pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

    /// An empty cache with the [`DEFAULT_REFRESH_MARGIN`](Self::DEFAULT_REFRESH_MARGIN) and no maximum age.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refresh a token this long before its expiry (default 60 s), so that it does
    /// not expire between the check and its use.
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Refresh a token this long after it was received, whatever its expiry says.
    /// Useful for tokens without an expiry (Salesforce: set it below the org's
    /// session timeout), so a refusal by the API is the exception.
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// Starts with `token` (read back from the last run, say).
    pub fn with_token(mut self, token: Token) -> Self {
        self.token = Some(token);
        self.stale = false;
        self
    }

    /// The cached token, good or not.
    pub fn token(&self) -> Option<&Token> {
        self.token.as_ref()
    }

    /// Whether [`get_or_refresh`](Self::get_or_refresh) would call `fetch` at `now`.
    pub fn needs_refresh(&self, now: SystemTime) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let too_old = self.max_age.is_some_and(|age| {
            token
                .received_at()
                .checked_add(age)
                .is_some_and(|limit| now >= limit)
        });
        self.stale || too_old || token.is_expired(now, self.margin)
    }

    /// The cached token if it is good at `now`; otherwise the token `fetch`
    /// returns, which replaces it. `fetch` gets the previous token (for its refresh
    /// token; see [`Token::keep_refresh_token_of`]). When `fetch` fails, its error
    /// is returned and the previous token is kept (with its refresh token), still
    /// marked for refresh.
    pub fn get_or_refresh<E>(
        &mut self,
        now: SystemTime,
        fetch: impl FnOnce(Option<&Token>) -> Result<Token, E>,
    ) -> Result<&Token, E> {
        let needs_refresh = self.needs_refresh(now);
        let token = match self.token.take() {
            Some(token) if !needs_refresh => token,
            previous => match fetch(previous.as_ref()) {
                Ok(fresh) => {
                    self.stale = false;
                    fresh
                }
                Err(error) => {
                    self.token = previous;
                    return Err(error);
                }
            },
        };
        Ok(self.token.insert(token))
    }

    /// Marks the cached token as refused (a 401 `INVALID_SESSION_ID` or
    /// `invalid_token` from the resource server): the next
    /// [`get_or_refresh`](Self::get_or_refresh) fetches a new one. The token stays
    /// available to `fetch` for its refresh token.
    pub fn invalidate(&mut self) {
        self.stale = true;
    }

    /// Takes the token out, leaving the cache empty.
    pub fn take(&mut self) -> Option<Token> {
        self.stale = false;
        self.token.take()
    }
}
