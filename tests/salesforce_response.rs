//! Salesforce token responses: the `signature` check against a vector computed here
//! from the HMAC definition, tampered responses, and the typed view (`TokenInfo`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64ct::{Base64, Encoding};
use ring::digest;
use s2s_oauth::providers::salesforce::{self, TokenInfo};
use s2s_oauth::secret::ClientSecret;
use s2s_oauth::{Error, HttpResponse, TokenResponse};

const CONSUMER_SECRET: &str = "8C1F5E0D2A9B4C7E";

// ---- the response signature ----------------------------------------------

/// HMAC-SHA256 from its definition (RFC 2104): H((K ^ opad) ‖ H((K ^ ipad) ‖ m)),
/// on SHA-256 alone, so the test does not lean on the code it checks.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(digest::digest(&digest::SHA256, key).as_ref());
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = digest::Context::new(&digest::SHA256);
    inner.update(&block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = digest::Context::new(&digest::SHA256);
    outer.update(&block.map(|b| b ^ 0x5c));
    outer.update(inner.finish().as_ref());
    outer.finish().as_ref().to_vec()
}

#[test]
fn the_test_hmac_matches_rfc_4231() {
    // RFC 4231 §4.3, test case 2.
    let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

const ID: &str = "https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS";
const ISSUED_AT: &str = "1708058728442";

fn signed_response(id: &str, issued_at: &str, signature: Option<&str>) -> TokenResponse {
    let mut body = serde_json::json!({
        "access_token": "00Dxx!AQ0AQ.token",
        "token_type": "Bearer",
        "instance_url": "https://acme.my.salesforce.com",
        "id": id,
        "issued_at": issued_at,
        "scope": "api",
    });
    if let Some(signature) = signature {
        body["signature"] = signature.into();
    }
    let http = HttpResponse::new(200, vec![], body.to_string().into_bytes());
    TokenResponse::parse(&http, SystemTime::now()).unwrap()
}

fn known_signature() -> String {
    let mac = hmac_sha256(
        CONSUMER_SECRET.as_bytes(),
        format!("{ID}{ISSUED_AT}").as_bytes(),
    );
    Base64::encode_string(&mac)
}

#[test]
fn signature_known_vector_verifies() {
    let signature = known_signature();
    assert!(signature.ends_with('='), "standard base64 with padding");
    let response = signed_response(ID, ISSUED_AT, Some(&signature));
    salesforce::verify_signature(&response, &ClientSecret::new(CONSUMER_SECRET)).unwrap();
}

#[test]
fn tampered_responses_fail_the_signature_check() {
    let signature = known_signature();
    let secret = ClientSecret::new(CONSUMER_SECRET);
    let other_user = ID.replace("005xx000001SwiUAAS", "005xx000001SwiVAAS");
    let mut flipped = Base64::decode_vec(&signature).unwrap();
    flipped[0] ^= 1;
    let flipped = Base64::encode_string(&flipped);
    let cases = [
        signed_response(&other_user, ISSUED_AT, Some(&signature)),
        signed_response(ID, "1708058728443", Some(&signature)),
        signed_response(ID, ISSUED_AT, Some(&flipped)),
    ];
    for response in &cases {
        let err = salesforce::verify_signature(response, &secret).unwrap_err();
        assert!(matches!(err, Error::ResponseSignature(_)), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("does not match"), "{message}");
        assert!(!message.contains(CONSUMER_SECRET) && !message.contains(&signature));
    }
    let err =
        salesforce::verify_signature(&signed_response(ID, ISSUED_AT, None), &secret).unwrap_err();
    assert!(err.to_string().contains("no signature"), "{err}");
    let err = salesforce::verify_signature(
        &signed_response(ID, ISSUED_AT, Some("not base64!")),
        &secret,
    )
    .unwrap_err();
    assert!(err.to_string().contains("not standard base64"), "{err}");
}

/// Anyone can compute an HMAC under an empty key: a "signature" checked with an
/// empty consumer secret proves nothing, so the check refuses to run.
#[test]
fn an_empty_consumer_secret_is_refused() {
    let forged = Base64::encode_string(&hmac_sha256(b"", format!("{ID}{ISSUED_AT}").as_bytes()));
    let response = signed_response(ID, ISSUED_AT, Some(&forged));
    let err = salesforce::verify_signature(&response, &ClientSecret::new("")).unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert!(err.is_local());
    let message = err.to_string();
    assert!(message.contains("consumer secret is empty"), "{message}");
    assert!(message.contains("Consumer Secret"), "{message}");
}

// ---- the typed view -------------------------------------------------------

#[test]
fn token_info_reads_the_salesforce_fields() {
    let response = signed_response(ID, ISSUED_AT, None);
    let info = TokenInfo::from_response(&response).unwrap();
    assert_eq!(info.instance_url(), "https://acme.my.salesforce.com");
    assert_eq!(info.org_id(), "00Dxx0000001gPLEAY");
    assert_eq!(info.user_id(), "005xx000001SwiUAAS");
    assert_eq!(
        info.issued_at(),
        Some(UNIX_EPOCH + Duration::from_millis(1_708_058_728_442))
    );
    let bad = signed_response(
        "https://login.salesforce.com/services/oauth2/userinfo",
        ISSUED_AT,
        None,
    );
    let err = TokenInfo::from_response(&bad).unwrap_err();
    assert!(matches!(err, Error::MalformedResponse(_)));
    assert!(err.to_string().contains("identity URL"), "{err}");
    let generic = TokenResponse::parse(
        &HttpResponse::new(
            200,
            vec![],
            br#"{"access_token":"a","expires_in":60}"#.to_vec(),
        ),
        SystemTime::now(),
    )
    .unwrap();
    assert!(
        TokenInfo::from_response(&generic)
            .unwrap_err()
            .to_string()
            .contains("no instance_url")
    );
}

fn parse(body: &str) -> TokenResponse {
    TokenResponse::parse(
        &HttpResponse::new(200, vec![], body.as_bytes().to_vec()),
        SystemTime::now(),
    )
    .unwrap()
}

/// Salesforce's fields are checked where they are read: a wrong JSON type is
/// `MalformedResponse` from `TokenInfo` (naming the field), while the generic
/// parse keeps the token.
#[test]
fn token_info_checks_the_types_of_the_salesforce_fields() {
    const ID_URL: &str = "https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS";
    let info = TokenInfo::from_response(&parse(&format!(
        r#"{{"access_token":"t","instance_url":"https://acme.my.salesforce.com/","id":"{ID_URL}","issued_at":1708058728442,"api_instance_url":"https://api.salesforce.com"}}"#
    )))
    .unwrap();
    // issued_at as a JSON number is accepted too.
    assert_eq!(
        info.issued_at(),
        Some(UNIX_EPOCH + Duration::from_millis(1_708_058_728_442))
    );
    assert_eq!(info.api_instance_url(), Some("https://api.salesforce.com"));
    assert_eq!(info.instance_url(), "https://acme.my.salesforce.com");
    for (fields, name) in [
        (r#""issued_at":"yesterday""#, "issued_at"),
        (r#""issued_at":-1"#, "issued_at"),
        (r#""issued_at":1.5"#, "issued_at"),
        (r#""api_instance_url":false"#, "api_instance_url"),
        (r#""signature":7"#, "signature"),
        // Where the token is sent: the endpoint rules apply.
        (
            r#""api_instance_url":"http://api.salesforce.com""#,
            "api_instance_url",
        ),
        (
            r#""api_instance_url":"https://u:p@api.salesforce.com""#,
            "api_instance_url",
        ),
    ] {
        let body = format!(
            r#"{{"access_token":"SECRET","instance_url":"https://acme.my.salesforce.com","id":"{ID_URL}",{fields}}}"#
        );
        let err = TokenInfo::from_response(&parse(&body)).unwrap_err();
        assert!(
            matches!(err, Error::MalformedResponse(_)),
            "{fields}: {err:?}"
        );
        let message = err.to_string();
        assert!(message.contains(name), "{fields}: {message}");
        assert!(!message.contains("SECRET"), "{message}");
    }
    let err = TokenInfo::from_response(&parse(r#"{"access_token":"t","instance_url":false}"#))
        .unwrap_err();
    assert!(err.to_string().contains("instance_url"), "{err}");
    // A plain-http, userinfo or query instance_url is refused: the token goes there.
    for bad in [
        "http://acme.my.salesforce.com",
        "https://evil@acme.my.salesforce.com",
        "https://acme.my.salesforce.com/?x=1",
        "acme.my.salesforce.com",
    ] {
        let body = format!(r#"{{"access_token":"SECRET","instance_url":"{bad}","id":"{ID_URL}"}}"#);
        let err = TokenInfo::from_response(&parse(&body)).unwrap_err();
        assert!(matches!(err, Error::MalformedResponse(_)), "{bad}: {err:?}");
        assert!(err.to_string().contains("instance_url"), "{bad}: {err}");
    }
    // The signature check reads the same fields and says what is wrong.
    let err = salesforce::verify_signature(
        &parse(&format!(
            r#"{{"access_token":"t","id":"{ID_URL}","issued_at":"yesterday","signature":"eA=="}}"#
        )),
        &ClientSecret::new(CONSUMER_SECRET),
    )
    .unwrap_err();
    assert!(matches!(err, Error::ResponseSignature(_)), "{err:?}");
    assert!(err.to_string().contains("issued_at"), "{err}");
}
