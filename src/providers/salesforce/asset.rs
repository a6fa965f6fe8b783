//! Salesforce's OAuth 2.0 Asset Token flow for connected devices: an access token
//! (the subject) and an actor token (a JWT about the device, signed by the device's
//! key) exchanged at `<host>/services/oauth2/token` for an asset token, a JWT that
//! identifies the device to a backend service.
//!
//! Sources: Salesforce Help "OAuth 2.0 Asset Token Flow for Securing Connected
//! Devices" (`remoteaccess_oauth_asset_token_flow`), "Proof-of-Possession for Asset
//! Tokens" (`remoteaccess_asset_token_pop`: the device's public key in the actor
//! token's `cnf`, the actor token signed with the device's private key), the
//! platform event `AssetTokenEvent` (which actor token claims Salesforce reads:
//! `did`, `Name`, `Asset.Name`, `Asset.SerialNumber`, `cnf.jwk`), and Salesforce's
//! Postman collection ("Asset Token Flow": the parameters and a sample answer with
//! `issued_token_type` = `urn:ietf:params:oauth:token-type:jwt`).

use std::time::{Duration, SystemTime};

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::rand::SecureRandom;
use serde_json::{Map, Value, json};

use crate::client_auth::ClientAuth;
use crate::error::{Error, InputField, InputProblem, refuse_control, refuse_empty};
use crate::exchange::{TokenExchange, TokenSource, TokenTypeUri};
use crate::grant::Grant;
use crate::jwt::{UnverifiedJwt, compact_len, finish_compact};
use crate::key::SigningKey;
use crate::request::TokenRequest;
use crate::response::TokenResponse;
use crate::secrets::{SecurityToken, SignedAssertion};
use crate::time;

use super::LoginHost;
use super::identity::malformed;

/// How long an actor token is valid by default: 5 minutes. *Inferred*: Salesforce
/// documents no lifetime for actor tokens; a short one limits replay.
pub const ACTOR_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

/// The claims of an asset token flow's actor token, as Salesforce reads them:
/// `did` (the device id), `Name` (the asset token's name), `Asset` (the Asset
/// record to create or link: `Name`, `SerialNumber`, `AccountId`, `ContactId`...),
/// and `cnf.jwk` (the device's public key, which Salesforce binds into the asset
/// token for proof of possession). [`sign_at`](Self::sign_at) adds `cnf` from the
/// signing key itself, `iat` and `exp`.
///
/// *Inferred*: `iat` and `exp` (RFC 7519 claims; Salesforce lists none for the
/// actor token) and no `iss`/`aud`.
///
/// ```
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::providers::salesforce::DeviceClaims;
///
/// let device_key = SigningKey::from_pem(include_str!("../../../tests/data/keys/p256.pkcs8.pem"))?;
/// let claims = DeviceClaims::new("printer-4711")?
///     .with_name("Office printer")?
///     .with_asset_field("SerialNumber", "SN-4711")?
///     .with_asset_field("ContactId", "003xx000004TmiQAAS")?;
/// let actor = claims.sign(&device_key)?;
/// assert_eq!(actor.expose_secret().matches('.').count(), 2);
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceClaims {
    device_id: String,
    name: Option<String>,
    asset: Map<String, Value>,
    lifetime: Duration,
}

impl DeviceClaims {
    /// Claims for the device `device_id` (`did`); empty or control characters are
    /// refused.
    pub fn new(device_id: impl Into<String>) -> Result<Self, Error> {
        let device_id = device_id.into();
        checked(
            &device_id,
            "the device id (did) is empty; give the device's id, e.g. its serial number",
        )?;
        Ok(DeviceClaims {
            device_id,
            name: None,
            asset: Map::new(),
            lifetime: ACTOR_TOKEN_LIFETIME,
        })
    }

    /// `Name`: the asset token's display name.
    pub fn with_name(mut self, name: impl Into<String>) -> Result<Self, Error> {
        let name = name.into();
        checked(
            &name,
            "the asset token Name is empty; give a display name or leave it out",
        )?;
        self.name = Some(name);
        Ok(self)
    }

    /// A field of the `Asset` object (`Name`, `SerialNumber`, `AccountId`,
    /// `ContactId`, `Id` of an existing Asset...), as Salesforce's Asset object
    /// names it.
    pub fn with_asset_field(
        mut self,
        field: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, Error> {
        let (field, value) = (field.into(), value.into());
        checked(
            &field,
            "an Asset field name is empty; use a field of Salesforce's Asset object such as SerialNumber",
        )?;
        checked(
            &value,
            "an Asset field value is empty; give the value or leave the field out",
        )?;
        self.asset.insert(field, Value::String(value));
        Ok(self)
    }

    /// How long the actor token is valid (default [`ACTOR_TOKEN_LIFETIME`]).
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The device id (`did`).
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// Signs with the system clock and random source ([`sign_at`](Self::sign_at)).
    pub fn sign(&self, device_key: &SigningKey) -> Result<SignedAssertion, Error> {
        self.sign_at(
            device_key,
            SystemTime::now(),
            &ring::rand::SystemRandom::new(),
        )
    }

    /// The actor token as of `now`: a compact JWS (header `alg`, `typ: JWT`)
    /// signed by the device's key, whose public key goes in `cnf.jwk` (RFC 7800
    /// §3.2) so Salesforce binds it into the asset token.
    pub fn sign_at(
        &self,
        device_key: &SigningKey,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<SignedAssertion, Error> {
        let jwk = device_key
            .public_jwk()
            .and_then(|jwk| serde_json::from_str::<Value>(&jwk).ok())
            .ok_or_else(|| {
                Error::input(
                    InputField::Key,
                    InputProblem::Unsupported,
                    "the device key has no public JWK (an HMAC key?); sign the actor token with the device's RSA, EC or Ed25519 private key",
                )
            })?;
        let iat = time::unix_seconds(now)?;
        let exp = iat.saturating_add(self.lifetime.as_secs());
        let mut claims = Map::new();
        claims.insert("did".into(), self.device_id.clone().into());
        if let Some(name) = &self.name {
            claims.insert("Name".into(), name.clone().into());
        }
        if !self.asset.is_empty() {
            claims.insert("Asset".into(), Value::Object(self.asset.clone()));
        }
        claims.insert("cnf".into(), json!({ "jwk": jwk }));
        claims.insert("iat".into(), iat.into());
        claims.insert("exp".into(), exp.into());
        let header = json!({ "alg": device_key.algorithm().as_str(), "typ": "JWT" });
        let header = serde_json::to_vec(&header)
            .map_err(|_| Error::Internal("serializing the actor token header"))?;
        let payload = serde_json::to_vec(&Value::Object(claims))
            .map_err(|_| Error::Internal("serializing the actor token claims"))?;
        let mut token = String::with_capacity(compact_len(
            Base64UrlUnpadded::encoded_len(&header),
            payload.len(),
            device_key,
        ));
        token.push_str(&Base64UrlUnpadded::encode_string(&header));
        finish_compact(token, &payload, device_key, rng).map(SignedAssertion::new)
    }
}

/// An actor token claim value: `empty` is the message for an empty one.
fn checked(value: &str, empty: &'static str) -> Result<(), Error> {
    refuse_empty(InputField::Claim, value.trim(), empty)?;
    refuse_control(
        InputField::Claim,
        value,
        "an actor token claim contains a control character; give the device's values as plain text",
    )
}

/// Salesforce's asset token flow: `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`
/// with `subject_token` = an access token of the connected app (read from
/// `access_token` each time the request is built), `subject_token_type` = access
/// token, `actor_token` = the device's signed actor token
/// ([`DeviceClaims::sign`]), `actor_token_type` = JWT, posted to
/// [`LoginHost::token_url`] with no client authentication (the access token names
/// the app). The answer's token is the asset token, a JWT for the device's
/// backend: read it with [`AssetToken::from_response`].
///
/// *Inferred*: `requested_token_type` is not sent (Salesforce's samples leave it
/// out; the answer names `issued_token_type` JWT).
///
/// ```
/// use std::time::SystemTime;
/// use ring::rand::SystemRandom;
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::exchange::TokenSource;
/// use s2s_oauth::providers::salesforce::{self, DeviceClaims, LoginHost};
///
/// let device_key = SigningKey::from_pem(include_str!("../../../tests/data/keys/p256.pkcs8.pem"))?;
/// let actor = DeviceClaims::new("printer-4711")?.with_name("Office printer")?.sign(&device_key)?;
/// let host = LoginHost::experience_cloud("https://acme.my.site.com/support")?;
/// let access_token = TokenSource::env("SF_ACCESS_TOKEN"); // from an earlier flow
/// let request = salesforce::asset_token(&host, access_token, actor)?;
/// assert_eq!(request.token_url(), "https://acme.my.site.com/support/services/oauth2/token");
/// // let answer = request.send(&s2s_oauth::agent())?;
/// // let asset = salesforce::AssetToken::from_response(&answer)?;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn asset_token(
    host: &LoginHost,
    access_token: TokenSource,
    actor_token: SignedAssertion,
) -> Result<TokenRequest, Error> {
    let actor = actor_token.into_exposed_secret();
    if actor.bytes().filter(|&b| b == b'.').count() != 2 {
        return Err(Error::input(
            InputField::Assertion,
            InputProblem::Malformed,
            "the actor token is not a compact JWS (three base64url parts); make it with DeviceClaims::sign",
        ));
    }
    let exchange = TokenExchange::new(access_token, TokenTypeUri::AccessToken).with_actor(
        TokenSource::new(SecurityToken::new(actor)),
        TokenTypeUri::Jwt,
    );
    TokenRequest::new(
        host.token_url(),
        Grant::token_exchange(exchange),
        ClientAuth::none(),
    )
}

/// The answer of the asset token flow: the asset token (a JWT, not an access
/// token for Salesforce's APIs) and what it says about the device. Its claims are
/// read, not verified: the backend that receives the token verifies it with the
/// org's certificate.
///
/// ```
/// use std::time::SystemTime;
/// use s2s_oauth::{HttpResponse, TokenResponse};
/// use s2s_oauth::providers::salesforce::AssetToken;
///
/// let body = br#"{"access_token":"eyJhbGciOiJub25lIn0.eyJkaWQiOiJwcmludGVyLTQ3MTEifQ.c2ln",
///   "issued_token_type":"urn:ietf:params:oauth:token-type:jwt","token_type":"Bearer","expires_in":60}"#;
/// let answer = TokenResponse::parse(&HttpResponse::new(200, vec![], body.to_vec()), SystemTime::now())?;
/// assert!(!answer.is_access_token());
/// let asset = AssetToken::from_response(&answer)?;
/// assert_eq!(asset.device_id(), Some("printer-4711"));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AssetToken {
    token: SecurityToken,
    claims: Map<String, Value>,
}

impl AssetToken {
    /// Reads the asset token of an answer. An answer whose `issued_token_type` is
    /// not JWT (or is missing), or whose token is not a JWT, is
    /// [`Error::MalformedResponse`]: the flow issues JWTs only.
    pub fn from_response(response: &TokenResponse) -> Result<Self, Error> {
        if response.issued_token_type_uri() != Some(TokenTypeUri::Jwt) {
            return Err(malformed(
                "the answer's issued_token_type is not urn:ietf:params:oauth:token-type:jwt: is this an asset token flow answer?",
            ));
        }
        let token = response.access_token().expose_secret();
        let claims = UnverifiedJwt::decode(token)
            .map_err(|_| malformed("the asset token is not a JWT"))?
            .claims()
            .clone();
        Ok(AssetToken {
            token: SecurityToken::new(token),
            claims,
        })
    }

    /// The asset token, to present to the device's backend.
    pub fn token(&self) -> &SecurityToken {
        &self.token
    }

    /// The `did` claim: the device id the actor token named.
    pub fn device_id(&self) -> Option<&str> {
        self.claims.get("did").and_then(Value::as_str)
    }

    /// Every claim, unverified.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }
}
