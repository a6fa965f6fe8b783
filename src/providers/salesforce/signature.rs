//! Salesforce's token response `signature`: standard base64 of HMAC-SHA256 keyed
//! with the consumer secret over `id` immediately followed by `issued_at`, and
//! nothing else of the response.

use std::time::UNIX_EPOCH;

use base64ct::{Base64, Encoding};
use ring::hmac;

use crate::error::{Error, InputField, refuse_empty};
use crate::response::TokenResponse;
use crate::secrets::ClientSecret;

use super::identity::Fields;

/// Checks Salesforce's `signature` on a token response: base64 of
/// HMAC-SHA256(consumer secret, `id` ‖ `issued_at`), compared in constant time.
/// It proves the `id` and `issued_at` came from the org that knows the secret.
///
/// **What it does not cover:** the signature is over `id` and `issued_at` only.
/// The `access_token`, `instance_url`, `scope` and every other field may have been
/// changed without it failing. Do not take `instance_url` as vouched for by this
/// check: before sending the token there, check that it is `https://` on a host
/// you expect (a `*.my.salesforce.com` of your org, say). The channel's TLS, not
/// this signature, is what protects the rest of the response.
///
/// An empty consumer secret is [`Error::InvalidInput`]: anyone can compute an HMAC
/// under an empty key, so a match would prove nothing.
///
/// Salesforce signs Client Credentials and Refresh Token responses; JWT Bearer
/// responses carry no signature. A missing `signature`, `id` or `issued_at`, a
/// signature that is not base64, or a mismatch (a tampered response, or the wrong
/// consumer secret) is [`Error::ResponseSignature`].
///
/// `issued_at` is re-encoded from the parsed milliseconds, which gives back
/// Salesforce's string exactly (a decimal with no leading zeros).
///
/// ```
/// use std::time::SystemTime;
/// use s2s_oauth::{HttpResponse, TokenResponse};
/// use s2s_oauth::secret::ClientSecret;
/// use s2s_oauth::providers::salesforce;
///
/// let body = br#"{"access_token":"00D...","token_type":"Bearer","instance_url":"https://acme.my.salesforce.com",
///   "id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS","issued_at":"1708058728442",
///   "signature":"not the right one="}"#;
/// let token = TokenResponse::parse(&HttpResponse::new(200, vec![], body.to_vec()), SystemTime::now())?;
/// assert!(salesforce::verify_signature(&token, &ClientSecret::new("consumer-secret")).is_err());
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn verify_signature(
    response: &TokenResponse,
    consumer_secret: &ClientSecret,
) -> Result<(), Error> {
    refuse_empty(
        InputField::ClientSecret,
        consumer_secret.expose_secret(),
        "the consumer secret is empty, and an HMAC under an empty key can be made by anyone: pass the connected app's Consumer Secret (Setup > App Manager > the app > View > Manage Consumer Details)",
    )?;
    let fields = Fields::read(response.extra()).map_err(|_| {
        Error::ResponseSignature(
            "the response's signature, id or issued_at has the wrong JSON type (issued_at: milliseconds since the epoch)",
        )
    })?;
    let signature = fields.signature.ok_or(Error::ResponseSignature(
        "the response has no signature (Salesforce signs Client Credentials and Refresh Token responses, not JWT Bearer ones)",
    ))?;
    let id = fields.id.ok_or(Error::ResponseSignature(
        "the response has no id to check the signature over",
    ))?;
    let issued_at = fields.issued_at.ok_or(Error::ResponseSignature(
        "the response has no issued_at to check the signature over",
    ))?;
    let millis = issued_at
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Error::ResponseSignature("issued_at is before 1970"))?
        .as_millis();
    let expected = Base64::decode_vec(signature.trim())
        .map_err(|_| Error::ResponseSignature("the signature is not standard base64"))?;
    let key = hmac::Key::new(
        hmac::HMAC_SHA256,
        consumer_secret.expose_secret().as_bytes(),
    );
    let mut message = String::with_capacity(id.len() + 20);
    message.push_str(&id);
    message.push_str(&millis.to_string());
    hmac::verify(&key, message.as_bytes(), &expected).map_err(|_| {
        Error::ResponseSignature(
            "the signature does not match id and issued_at: the response was altered, or the consumer secret is not this connected app's",
        )
    })
}
