//! The server's mutable state: issued tokens, seen `jti`s, pending faults and the
//! request log. Shared between the `Server` handle and its thread.

use std::collections::HashMap;
use std::time::SystemTime;

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::rand::SecureRandom;

use super::config::Profile;
use super::faults::FaultQueue;
use super::profile::Refusal;
use super::record::RecordedRequest;
use crate::jwt::ReplayCache;
use crate::key::SigningKey;

mod revocation;
pub(crate) use revocation::Revoked;

/// The most requests kept by the log; older ones are dropped first.
pub(crate) const MAX_RECORDED: usize = 10_000;

/// The Salesforce-looking prefix of access tokens (org id, then `!`).
const SALESFORCE_TOKEN_PREFIX: &str = "00Dxx0000001gPL!";
/// The Salesforce-looking prefix of refresh tokens.
const SALESFORCE_REFRESH_PREFIX: &str = "5Aep861";

#[derive(Debug)]
struct AccessRecord {
    expires_at: SystemTime,
    family: Option<u64>,
    revoked: bool,
    /// The JWK thumbprint of the DPoP key the token is bound to (RFC 9449 §6).
    jkt: Option<String>,
    /// The `x5t#S256` of the client certificate the token is bound to (RFC 8705 §3).
    bound_to: Option<String>,
}

/// What the server knows of a live access token.
#[derive(Debug)]
pub(crate) struct LiveAccess<'s> {
    pub(crate) expires_at: SystemTime,
    pub(crate) bound_to: Option<&'s str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefreshState {
    Live,
    RotatedOut,
    Revoked,
}

#[derive(Debug, Clone)]
struct RefreshRecord {
    client_id: String,
    username: String,
    scope: Option<String>,
    family: u64,
    state: RefreshState,
}

/// What a successful refresh-token exchange yields.
#[derive(Debug)]
pub(crate) struct Refreshed {
    pub(crate) username: String,
    pub(crate) scope: Option<String>,
    pub(crate) family: u64,
    /// The new refresh token when rotation is on.
    pub(crate) rotated: Option<String>,
}

/// Everything that changes while the server runs.
#[derive(Debug, Default)]
pub(crate) struct State {
    access: HashMap<String, AccessRecord>,
    refresh: HashMap<String, RefreshRecord>,
    /// `jti` values seen, with their `exp`: the replay cache for assertions.
    jti_seen: HashMap<String, SystemTime>,
    /// DPoP proofs' `jti`s (RFC 9449 §11.1).
    pub(crate) dpop_jti_seen: HashMap<String, SystemTime>,
    /// The DPoP nonce currently handed out, made on first use.
    dpop_nonce: Option<String>,
    /// SAML assertion `ID`s seen, with their expiry: the replay cache for RFC 7522.
    #[cfg(feature = "saml")]
    pub(crate) saml_ids_seen: HashMap<String, SystemTime>,
    pub(crate) faults: FaultQueue,
    pub(crate) requests: Vec<RecordedRequest>,
    next_family: u64,
    /// While a token request is served: the certificate thumbprint its access
    /// tokens are bound to.
    pub(crate) binding: Option<String>,
    /// The key the server signs the JWTs it issues with (Salesforce's asset and
    /// Data Cloud tokens), made on first use.
    issuing_key: Option<SigningKey>,
    /// Whom each access token was issued to (introspection, userinfo).
    owners: HashMap<String, revocation::Owner>,
}

/// A token that cannot be guessed: base64url of 32 random bytes, with `prefix`.
pub(crate) fn random_token(rng: &dyn SecureRandom, prefix: &str) -> Option<String> {
    let mut bytes = [0u8; 32];
    rng.fill(&mut bytes).ok()?;
    Some(format!(
        "{prefix}{}",
        Base64UrlUnpadded::encode_string(&bytes)
    ))
}

/// A random token, with `salesforce_prefix` in front under the Salesforce profile
/// (its tokens look like Salesforce's) and nothing otherwise.
fn profile_token(
    rng: &dyn SecureRandom,
    profile: Profile,
    salesforce_prefix: &str,
) -> Option<String> {
    let prefix = match profile {
        Profile::Salesforce => salesforce_prefix,
        Profile::Generic => "",
    };
    random_token(rng, prefix)
}

impl State {
    /// The replay cache of JWT assertions (client assertions and grants); the
    /// `server` module consults it for an assertion that carries a `jti`.
    pub(crate) fn jti_cache(&mut self) -> &mut dyn ReplayCache {
        &mut self.jti_seen
    }

    /// Logs a request, keeping at most [`MAX_RECORDED`].
    pub(crate) fn record(&mut self, request: RecordedRequest) {
        if self.requests.len() >= MAX_RECORDED {
            self.requests.remove(0);
        }
        self.requests.push(request);
    }

    /// Issues an access token valid until `expires_at`. `None` if the random source
    /// failed.
    pub(crate) fn issue_access(
        &mut self,
        rng: &dyn SecureRandom,
        profile: Profile,
        expires_at: SystemTime,
        family: Option<u64>,
        jkt: Option<&str>,
    ) -> Option<String> {
        let token = profile_token(rng, profile, SALESFORCE_TOKEN_PREFIX)?;
        self.access.insert(
            token.clone(),
            AccessRecord {
                expires_at,
                family,
                bound_to: self.binding.clone(),
                revoked: false,
                jkt: jkt.map(str::to_owned),
            },
        );
        Some(token)
    }

    /// Takes `token`, made elsewhere (a JWT), as a live access token until
    /// `expires_at`.
    pub(crate) fn register_access(&mut self, token: String, expires_at: SystemTime) {
        self.access.insert(
            token,
            AccessRecord {
                expires_at,
                family: None,
                bound_to: None,
                revoked: false,
                jkt: None,
            },
        );
    }

    /// The server's key for the JWTs it issues, made from `rng` on first use;
    /// `None` if the random source failed.
    pub(crate) fn issuing_key(&mut self, rng: &dyn SecureRandom) -> Option<&SigningKey> {
        if self.issuing_key.is_none() {
            self.issuing_key = Some(SigningKey::generate_p256(rng).ok()?);
        }
        self.issuing_key.as_ref()
    }

    /// Gives the access token `old` the name `new` (a JWT access token in place of
    /// the opaque one), keeping its record; returns `new`.
    pub(crate) fn rename_access(&mut self, old: &str, new: String) -> String {
        if let Some(record) = self.access.remove(old) {
            self.access.insert(new.clone(), record);
        }
        new
    }

    /// Issues a refresh token in a new family (a new authorization) and returns it
    /// with the family.
    pub(crate) fn issue_refresh(
        &mut self,
        rng: &dyn SecureRandom,
        profile: Profile,
        client_id: &str,
        username: &str,
        scope: Option<String>,
    ) -> Option<(String, u64)> {
        let family = self.next_family;
        self.next_family += 1;
        let record = RefreshRecord {
            client_id: client_id.to_owned(),
            username: username.to_owned(),
            scope,
            family,
            state: RefreshState::Live,
        };
        let token = self.insert_refresh(rng, profile, record)?;
        Some((token, family))
    }

    /// Stores `record` under a new random token and returns the token.
    fn insert_refresh(
        &mut self,
        rng: &dyn SecureRandom,
        profile: Profile,
        record: RefreshRecord,
    ) -> Option<String> {
        let token = profile_token(rng, profile, SALESFORCE_REFRESH_PREFIX)?;
        self.refresh.insert(token.clone(), record);
        Some(token)
    }

    /// Exchanges a refresh token presented by `client_id` (RFC 6749 §6). With
    /// `rotate`, the token dies and a successor is issued; presenting a rotated-out
    /// token revokes its whole family (refresh and access tokens).
    pub(crate) fn use_refresh(
        &mut self,
        rng: &dyn SecureRandom,
        profile: Profile,
        token: &str,
        client_id: &str,
        rotate: bool,
    ) -> Result<Option<Refreshed>, Refusal> {
        let record = self
            .refresh
            .get_mut(token)
            .ok_or_else(|| Refusal::BadRefreshToken("the refresh token is unknown".into()))?;
        if record.client_id != client_id {
            return Err(Refusal::BadRefreshToken(
                "the refresh token was issued to another client".into(),
            ));
        }
        match record.state {
            RefreshState::Revoked => {
                return Err(Refusal::BadRefreshToken(
                    "the refresh token was revoked (a rotated-out token of its family was re-used)"
                        .into(),
                ));
            }
            RefreshState::RotatedOut => {
                let family = record.family;
                self.revoke_family(family);
                return Err(Refusal::BadRefreshToken(
                    "the refresh token was rotated out; re-using it revoked its successors".into(),
                ));
            }
            RefreshState::Live => {}
        }
        // The same grant, live: what the exchange yields, and the successor's record.
        let live = RefreshRecord {
            state: RefreshState::Live,
            ..record.clone()
        };
        if rotate {
            record.state = RefreshState::RotatedOut;
        }
        let rotated = if rotate {
            match self.insert_refresh(rng, profile, live.clone()) {
                Some(t) => Some(t),
                None => return Ok(None),
            }
        } else {
            None
        };
        Ok(Some(Refreshed {
            username: live.username,
            scope: live.scope,
            family: live.family,
            rotated,
        }))
    }

    fn revoke_family(&mut self, family: u64) {
        for record in self.refresh.values_mut() {
            if record.family == family {
                record.state = RefreshState::Revoked;
            }
        }
        for record in self.access.values_mut() {
            if record.family == Some(family) {
                record.revoked = true;
            }
        }
    }

    /// Makes every access token issued so far expired as of `now`.
    pub(crate) fn expire_access(&mut self, now: SystemTime) {
        for record in self.access.values_mut() {
            if record.expires_at > now {
                record.expires_at = now;
            }
        }
    }

    /// The DPoP nonce the server hands out now (made from `rng` on first use).
    pub(crate) fn dpop_nonce(&mut self, rng: &dyn SecureRandom) -> Option<String> {
        if self.dpop_nonce.is_none() {
            self.dpop_nonce = random_token(rng, "");
        }
        self.dpop_nonce.clone()
    }

    /// Replaces the DPoP nonce: proofs with the old one are refused from now on.
    pub(crate) fn rotate_dpop_nonce(&mut self) {
        self.dpop_nonce = None;
    }

    /// The DPoP key thumbprint a live access token is bound to, if any.
    pub(crate) fn access_jkt(&self, token: &str) -> Option<&str> {
        self.access.get(token).and_then(|r| r.jkt.as_deref())
    }

    /// Checks an access token presented to the resource.
    pub(crate) fn check_access(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Result<LiveAccess<'_>, &'static str> {
        let record = self
            .access
            .get(token)
            .ok_or("the access token is unknown")?;
        if record.revoked {
            Err("the access token was revoked")
        } else if record.expires_at <= now {
            Err("the access token expired")
        } else {
            Ok(LiveAccess {
                expires_at: record.expires_at,
                bound_to: record.bound_to.as_deref(),
            })
        }
    }
}
