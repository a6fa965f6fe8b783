//! What the revocation (RFC 7009) and introspection (RFC 7662) endpoints need of
//! the issued tokens: revoking one, and what is known of a refresh token. A
//! child of `state` so that the token records stay private to it.

use std::time::SystemTime;

use super::{RefreshState, State};

/// What revoking a token did (RFC 7009 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Revoked {
    /// An access token: it alone.
    Access,
    /// A refresh token: it, the refresh tokens of its grant and their access
    /// tokens.
    Refresh,
    /// Nothing: the token is unknown, or revoked already (still a 200, RFC 7009
    /// §2.2).
    Unknown,
    /// A refresh token of another client: refused (RFC 7009 §2.1).
    NotYours,
}

/// Whom an access token was issued to.
#[derive(Debug)]
pub(crate) struct Owner {
    pub(crate) client_id: String,
    pub(crate) username: String,
    pub(crate) scope: Option<String>,
}

/// What the server knows of a live refresh token.
#[derive(Debug)]
pub(crate) struct LiveRefresh<'s> {
    pub(crate) client_id: &'s str,
    pub(crate) username: &'s str,
    pub(crate) scope: Option<&'s str>,
}

impl State {
    /// Revokes `token` for the authenticated client `client_id` (`None`: whoever
    /// holds the token), looking it up as a refresh token first when
    /// `refresh_first`, then as the other kind.
    pub(crate) fn revoke(
        &mut self,
        token: &str,
        client_id: Option<&str>,
        refresh_first: bool,
    ) -> Revoked {
        let as_refresh = |state: &mut State| {
            let record = state.refresh.get(token)?;
            if client_id.is_some_and(|id| record.client_id != id) {
                return Some(Revoked::NotYours);
            }
            if record.state == RefreshState::Revoked {
                return Some(Revoked::Unknown);
            }
            let family = record.family;
            state.revoke_family(family);
            Some(Revoked::Refresh)
        };
        let as_access = |state: &mut State| {
            let record = state.access.get_mut(token)?;
            if record.revoked {
                return Some(Revoked::Unknown);
            }
            record.revoked = true;
            Some(Revoked::Access)
        };
        let found = if refresh_first {
            as_refresh(self).or_else(|| as_access(self))
        } else {
            as_access(self).or_else(|| as_refresh(self))
        };
        found.unwrap_or(Revoked::Unknown)
    }

    /// Records whom the access token `token` was issued to.
    pub(crate) fn record_owner(
        &mut self,
        token: &str,
        client_id: &str,
        username: &str,
        scope: Option<&str>,
    ) {
        let owner = Owner {
            client_id: client_id.to_owned(),
            username: username.to_owned(),
            scope: scope.map(str::to_owned),
        };
        self.owners.insert(token.to_owned(), owner);
    }

    /// Whom the access token `token` was issued to, if the server issued it.
    pub(crate) fn owner(&self, token: &str) -> Option<&Owner> {
        self.owners.get(token)
    }

    /// A refresh token that can still be used, and whom it belongs to.
    pub(crate) fn live_refresh(&self, token: &str, _now: SystemTime) -> Option<LiveRefresh<'_>> {
        let record = self.refresh.get(token)?;
        (record.state == RefreshState::Live).then(|| LiveRefresh {
            client_id: &record.client_id,
            username: &record.username,
            scope: record.scope.as_deref(),
        })
    }
}
