//! Newtypes for secrets: client secrets, tokens, assertions and raw response bodies.
//!
//! Each one prints `Name([redacted])` through `Debug` and `[redacted]` through
//! `Display`. The value is read only through `expose_secret()`, a name that is easy
//! to spot in review. Each one overwrites its bytes with zeros when dropped
//! (`zeroize`), so a secret does not linger in freed memory.
//!
//! (The types live in the bottom layer, `secrets.rs`; this module is their public
//! face, with [`ExposedToken`], the view a [`Token`](crate::Token) gives of them.)

pub use crate::secrets::{
    AccessToken, ClientSecret, IdToken, RawBody, RefreshToken, SecurityToken, SignedAssertion,
};
pub use crate::token::ExposedToken;
