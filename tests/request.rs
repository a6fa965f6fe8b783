//! Token request encoding (RFC 6749 §3.2, §2.3.1; RFC 7523 §2.1/§2.2; RFC 7522 §2.1):
//! exact bodies and headers for each grant × client authentication method.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::rand::SystemRandom;
use s2s_oauth::jwt::Claims;
use s2s_oauth::secret::{RefreshToken, SignedAssertion};
use s2s_oauth::{Algorithm, ClientAuth, Error, Grant, HttpRequest, SigningKey, TokenRequest};
use serde_json::{Map, Value};

const TOKEN_URL: &str = "https://login.example.com/services/oauth2/token";
const HOSTILE_SECRET: &str = "a b+c%/:=&é";
/// `<saml:Assertion ID="_a1">??>~éx</saml:Assertion>` (49 bytes: base64 would pad,
/// and standard base64 would have `/` and `+`).
const SAML_XML: &str = "<saml:Assertion ID=\"_a1\">??>~éx</saml:Assertion>";
/// The same, base64url without padding (computed with Python's
/// `base64.urlsafe_b64encode`, padding removed).
const SAML_B64URL: &str = "PHNhbWw6QXNzZXJ0aW9uIElEPSJfYTEiPj8_Pn7DqXg8L3NhbWw6QXNzZXJ0aW9uPg";

/// A fixed clock: 2023-11-14T22:13:20Z.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn rsa_key() -> SigningKey {
    SigningKey::from_pem(include_bytes!("data/keys/rsa2048.pkcs8.pem")).unwrap()
}

fn build(grant: Grant, auth: ClientAuth) -> HttpRequest {
    TokenRequest::new(TOKEN_URL, grant, auth)
        .unwrap()
        .to_http_request(now(), &SystemRandom::new())
        .unwrap()
}

fn body(request: &HttpRequest) -> &str {
    std::str::from_utf8(request.body()).unwrap()
}

/// The body's pairs, decoded by hand (RFC 6749 Appendix B), independent of the crate.
fn pairs(request: &HttpRequest) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    }
    body(request)
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (decode(k), decode(v))
        })
        .collect()
}

fn names(request: &HttpRequest) -> Vec<String> {
    pairs(request).into_iter().map(|(k, _)| k).collect()
}

fn param(request: &HttpRequest, name: &str) -> String {
    pairs(request)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {name}"))
}

/// Decodes a compact JWT's header and claims, and checks its signature with `key`.
fn decode_jwt(jwt: &str, key: &SigningKey) -> (Map<String, Value>, Map<String, Value>) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    let json = |part: &str| -> Map<String, Value> {
        serde_json::from_slice(&Base64UrlUnpadded::decode_vec(part).unwrap()).unwrap()
    };
    let header = json(parts[0]);
    let signature = Base64UrlUnpadded::decode_vec(parts[2]).unwrap();
    let signing_input = format!("{}.{}", parts[0], parts[1]);
    key.verifying_key()
        .verify(key.algorithm(), signing_input.as_bytes(), &signature)
        .expect("signature verifies");
    (header, json(parts[1]))
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn basic_header_for_a_hostile_secret_is_form_encoded_before_base64() {
    let request = build(
        Grant::client_credentials(),
        ClientAuth::basic("my client", HOSTILE_SECRET),
    );
    // base64("my+client:a+b%2Bc%25%2F%3A%3D%26%C3%A9"), RFC 6749 §2.3.1.
    assert_eq!(
        request.header("authorization"),
        Some("Basic bXkrY2xpZW50OmErYiUyQmMlMjUlMkYlM0ElM0QlMjYlQzMlQTk=")
    );
    assert_eq!(body(&request), "grant_type=client_credentials");
    // A simple pair, as every client sends it: base64("client:secret").
    let simple = build(
        Grant::client_credentials(),
        ClientAuth::basic("client", "secret"),
    );
    assert_eq!(
        simple.header("Authorization"),
        Some("Basic Y2xpZW50OnNlY3JldA==")
    );
}

#[test]
fn headers_are_exact_and_in_order() {
    let request = build(
        Grant::client_credentials(),
        ClientAuth::basic("client", "secret"),
    );
    assert_eq!(request.method(), "POST");
    assert_eq!(request.url(), TOKEN_URL);
    assert_eq!(
        request.headers(),
        [
            (
                "Content-Type",
                "application/x-www-form-urlencoded".to_owned()
            ),
            ("Accept", "application/json".to_owned()),
            ("Authorization", "Basic Y2xpZW50OnNlY3JldA==".to_owned()),
        ]
    );
    let no_auth = build(Grant::client_credentials(), ClientAuth::none());
    assert_eq!(no_auth.headers().len(), 2);
    assert_eq!(no_auth.header("authorization"), None);
    // Debug shows neither the Authorization value nor the body.
    let debug = format!("{request:?}");
    assert!(!debug.contains("Y2xpZW50"), "{debug}");
}

type GrantCase = fn() -> Grant;
type AuthCase = fn() -> ClientAuth;

/// Every grant without a signing step, × every client authentication without one:
/// the exact body and the Authorization header.
#[test]
fn exact_bodies_for_each_grant_and_secret_based_method() {
    let grants: [(GrantCase, &str); 4] = [
        (Grant::client_credentials, "grant_type=client_credentials"),
        (
            || Grant::refresh_token(RefreshToken::new("5Aep861.rT/k+w==")),
            "grant_type=refresh_token&refresh_token=5Aep861.rT%2Fk%2Bw%3D%3D",
        ),
        (
            || Grant::jwt_bearer_assertion(SignedAssertion::new("eyJh.eyJp.c2ln")),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJh.eyJp.c2ln",
        ),
        (
            || Grant::saml2_bearer(SignedAssertion::new(SAML_XML)),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Asaml2-bearer&assertion=PHNhbWw6QXNzZXJ0aW9uIElEPSJfYTEiPj8_Pn7DqXg8L3NhbWw6QXNzZXJ0aW9uPg",
        ),
    ];
    let auths: [(AuthCase, &str, Option<&str>); 4] = [
        (ClientAuth::none, "", None),
        (
            || ClientAuth::none_with_client_id("3MVG9 id"),
            "&client_id=3MVG9+id",
            None,
        ),
        (
            || ClientAuth::basic("client", "secret"),
            "",
            Some("Basic Y2xpZW50OnNlY3JldA=="),
        ),
        (
            || ClientAuth::post("3MVG9 id", HOSTILE_SECRET),
            "&client_id=3MVG9+id&client_secret=a+b%2Bc%25%2F%3A%3D%26%C3%A9",
            None,
        ),
    ];
    for (grant, grant_body) in grants {
        for (auth, auth_body, authorization) in auths {
            let request = build(grant(), auth());
            assert_eq!(body(&request), format!("{grant_body}{auth_body}"));
            assert_eq!(request.header("Authorization"), authorization);
        }
    }
}

#[test]
fn saml_assertion_is_base64url_without_padding() {
    let request = build(
        Grant::saml2_bearer(SignedAssertion::new(SAML_XML)),
        ClientAuth::none(),
    );
    let sent = param(&request, "assertion");
    assert_eq!(sent, SAML_B64URL);
    assert!(!sent.contains(['=', '+', '/', '\n']), "{sent}");
    assert_eq!(
        Base64UrlUnpadded::decode_vec(&sent).unwrap(),
        SAML_XML.as_bytes()
    );
}

#[test]
fn scope_then_extra_params_come_last_in_order() {
    let request = TokenRequest::new(
        TOKEN_URL,
        Grant::client_credentials(),
        ClientAuth::post("id", "s"),
    )
    .unwrap()
    .with_param("format", "json")
    .unwrap()
    .with_scope("api refresh_token")
    .unwrap()
    .with_param("resource", "https://graph.microsoft.com/")
    .unwrap();
    assert_eq!(request.scope(), Some("api refresh_token"));
    let http = request
        .to_http_request(now(), &SystemRandom::new())
        .unwrap();
    assert_eq!(
        body(&http),
        "grant_type=client_credentials&client_id=id&client_secret=s&scope=api+refresh_token&format=json&resource=https%3A%2F%2Fgraph.microsoft.com%2F"
    );
}

#[test]
fn private_key_jwt_client_assertion_claims() {
    let key = rsa_key();
    let request = build(
        Grant::client_credentials(),
        ClientAuth::private_key_jwt("my-client", key.clone()).unwrap(),
    );
    assert_eq!(
        names(&request),
        [
            "grant_type",
            "client_assertion_type",
            "client_assertion",
            "client_id"
        ]
    );
    assert_eq!(
        param(&request, "client_assertion_type"),
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    assert_eq!(param(&request, "client_id"), "my-client");
    assert_eq!(request.header("Authorization"), None);
    let (header, claims) = decode_jwt(&param(&request, "client_assertion"), &key);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], "my-client");
    assert_eq!(claims["sub"], "my-client");
    assert_eq!(claims["aud"], TOKEN_URL);
    assert_eq!(claims["iat"], secs(now()));
    assert_eq!(claims["nbf"], secs(now()));
    assert_eq!(claims["exp"], secs(now()) + 60);
    assert!(!claims["jti"].as_str().unwrap().is_empty());
}

#[test]
fn client_assertion_audience_and_lifetime_overrides() {
    let key = rsa_key().with_algorithm(Algorithm::PS256).unwrap();
    let auth = ClientAuth::private_key_jwt("my-client", key.clone())
        .unwrap()
        .with_assertion_audience("https://issuer.example.com")
        .with_assertion_lifetime(Duration::from_secs(300));
    let request = build(Grant::refresh_token(RefreshToken::new("r")), auth);
    assert_eq!(
        names(&request),
        [
            "grant_type",
            "refresh_token",
            "client_assertion_type",
            "client_assertion",
            "client_id"
        ]
    );
    let (header, claims) = decode_jwt(&param(&request, "client_assertion"), &key);
    assert_eq!(header["alg"], "PS256");
    assert_eq!(claims["aud"], "https://issuer.example.com");
    assert_eq!(claims["exp"], secs(now()) + 300);
}

#[test]
fn client_secret_jwt_is_hs256_over_the_secret() {
    let request = build(
        Grant::client_credentials(),
        ClientAuth::client_secret_jwt("my-client", HOSTILE_SECRET).unwrap(),
    );
    let key = SigningKey::hmac(HOSTILE_SECRET.as_bytes()).unwrap();
    let (header, claims) = decode_jwt(&param(&request, "client_assertion"), &key);
    assert_eq!(header["alg"], "HS256");
    assert_eq!(claims["iss"], "my-client");
    assert_eq!(claims["sub"], "my-client");
    assert_eq!(claims["aud"], TOKEN_URL);
    assert_eq!(claims["exp"], secs(now()) + 60);
    assert_eq!(param(&request, "client_id"), "my-client");
    // The secret itself is never sent.
    assert!(!body(&request).contains("a+b%2Bc"));
}

#[test]
fn client_secret_jwt_with_an_hs512_key() {
    let key = SigningKey::hmac(b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
        .unwrap()
        .with_algorithm(Algorithm::HS512)
        .unwrap();
    let auth = ClientAuth::client_secret_jwt_with_key("my-client", key.clone()).unwrap();
    let request = build(Grant::client_credentials(), auth);
    let (header, claims) = decode_jwt(&param(&request, "client_assertion"), &key);
    assert_eq!(header["alg"], "HS512");
    assert_eq!(claims["iss"], "my-client");
}

#[test]
fn jwt_bearer_grant_is_signed_at_build_time_with_a_fresh_jti() {
    let key = rsa_key();
    let claims = Claims::new(
        "3MVG9consumer",
        "user@example.com",
        "https://login.salesforce.com",
    );
    let request = TokenRequest::new(
        TOKEN_URL,
        Grant::jwt_bearer(claims, key.clone()),
        ClientAuth::none(),
    )
    .unwrap();
    let rng = SystemRandom::new();
    let first = request.to_http_request(now(), &rng).unwrap();
    let later = now() + Duration::from_secs(30);
    let second = request.to_http_request(later, &rng).unwrap();
    assert_eq!(names(&first), ["grant_type", "assertion"]);
    assert_eq!(
        param(&first, "grant_type"),
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    let (_, one) = decode_jwt(&param(&first, "assertion"), &key);
    let (_, two) = decode_jwt(&param(&second, "assertion"), &key);
    assert_eq!(one["iss"], "3MVG9consumer");
    assert_eq!(one["sub"], "user@example.com");
    assert_eq!(one["aud"], "https://login.salesforce.com");
    assert_eq!(one["exp"], secs(now()) + 180);
    assert_eq!(two["exp"], secs(later) + 180);
    assert_ne!(one["jti"], two["jti"]);
    // Same clock, same request: still a different jti.
    let third = request.to_http_request(now(), &rng).unwrap();
    let (_, three) = decode_jwt(&param(&third, "assertion"), &key);
    assert_ne!(one["jti"], three["jti"]);
}

#[test]
fn jwt_bearer_grant_with_client_authentication() {
    let key = rsa_key();
    let claims = Claims::new("iss", "sub", TOKEN_URL);
    let request = build(
        Grant::jwt_bearer(claims, key.clone()),
        ClientAuth::post("id", "s"),
    );
    assert_eq!(
        names(&request),
        ["grant_type", "assertion", "client_id", "client_secret"]
    );
}

#[test]
fn token_url_rules() {
    let new = |url: &str| TokenRequest::new(url, Grant::client_credentials(), ClientAuth::none());
    for ok in [
        "https://login.salesforce.com/services/oauth2/token",
        "http://127.0.0.1:8080/token",
        "http://[::1]/token",
        "http://[::1]:9999/token",
        "http://localhost/token",
        "http://localhost:3000",
    ] {
        assert_eq!(new(ok).unwrap().token_url(), ok);
    }
    for bad in [
        "http://example.com/token",
        "ftp://example.com/token",
        "not a url",
        "",
        "https://user:pass@example.com/token",
        "https://example.com/token#x",
        "https:///token",
    ] {
        match new(bad) {
            Err(Error::InvalidUrl { url, reason }) => {
                // Kept as given, but for userinfo, query and fragment (redacted).
                let expected = match bad {
                    "https://user:pass@example.com/token" => "https://[redacted]@example.com/token",
                    "https://example.com/token#x" => "https://example.com/token#[redacted]",
                    other => other,
                };
                assert_eq!(&*url, expected);
                assert!(!reason.is_empty());
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    let err = new("http://example.com/token").unwrap_err();
    assert!(err.is_local());
    assert!(err.to_string().contains("https"), "{err}");
}

fn input_error(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::InvalidInput(message)) => message.message().into(),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn reserved_params_are_refused() {
    let request =
        TokenRequest::new(TOKEN_URL, Grant::client_credentials(), ClientAuth::none()).unwrap();
    for name in [
        "grant_type",
        "assertion",
        "client_assertion",
        "client_assertion_type",
        "client_id",
        "client_secret",
        "refresh_token",
        "scope",
    ] {
        let message = input_error(request.clone().with_param(name, "x"));
        assert!(message.contains(name), "{message}");
    }
    input_error(request.clone().with_param("", "x"));
    input_error(request.clone().with_param("a\nb", "x"));
    // Values are free: they are form-encoded.
    assert!(request.with_param("format", "a&b=c\n").is_ok());
}

#[test]
fn bad_scopes_are_refused() {
    let request =
        TokenRequest::new(TOKEN_URL, Grant::client_credentials(), ClientAuth::none()).unwrap();
    assert!(input_error(request.clone().with_scope("")).contains("empty"));
    assert!(input_error(request.clone().with_scope("  ")).contains("empty"));
    assert!(input_error(request.clone().with_scope("api\nweb")).contains("control"));
}

#[test]
fn scope_tokens_are_sent_one_space_apart() {
    // RFC 6749 §3.3: scope = scope-token *( SP scope-token ).
    let request = TokenRequest::new(TOKEN_URL, Grant::client_credentials(), ClientAuth::none())
        .unwrap()
        .with_scope("  api   refresh_token ")
        .unwrap();
    assert_eq!(request.scope(), Some("api refresh_token"));
    let http = request.to_http_request_now().unwrap();
    assert_eq!(
        http.body(),
        b"grant_type=client_credentials&scope=api+refresh_token"
    );
}

#[test]
fn bad_client_ids_are_refused() {
    let new = |auth| TokenRequest::new(TOKEN_URL, Grant::client_credentials(), auth);
    assert!(input_error(new(ClientAuth::basic("", "s"))).contains("empty"));
    assert!(input_error(new(ClientAuth::post("", "s"))).contains("empty"));
    assert!(input_error(new(ClientAuth::none_with_client_id(""))).contains("empty"));
    assert!(input_error(new(ClientAuth::basic("id\n", "s"))).contains("control"));
    assert!(input_error(ClientAuth::private_key_jwt("", rsa_key())).contains("empty"));
    assert!(input_error(ClientAuth::client_secret_jwt("a\tb", "s")).contains("control"));
}

#[test]
fn jwt_methods_refuse_the_wrong_kind_of_key() {
    let hmac = SigningKey::hmac(b"shared secret").unwrap();
    assert!(input_error(ClientAuth::private_key_jwt("id", hmac)).contains("client_secret_jwt"));
    assert!(input_error(ClientAuth::client_secret_jwt("id", "")).contains("non-empty"));
    assert!(
        input_error(ClientAuth::client_secret_jwt_with_key("id", rsa_key()))
            .contains("private_key_jwt")
    );
    let zero = ClientAuth::private_key_jwt("id", rsa_key())
        .unwrap()
        .with_assertion_lifetime(Duration::ZERO);
    assert!(
        input_error(TokenRequest::new(
            TOKEN_URL,
            Grant::client_credentials(),
            zero
        ))
        .contains("lifetime")
    );
    // exp is whole seconds: 500 ms would give exp == iat, expired on arrival.
    let sub_second = ClientAuth::client_secret_jwt("id", "a shared secret")
        .unwrap()
        .with_assertion_lifetime(Duration::from_millis(500));
    assert!(
        input_error(TokenRequest::new(
            TOKEN_URL,
            Grant::client_credentials(),
            sub_second
        ))
        .contains("under one second")
    );
}

#[test]
fn unusable_grants_are_refused() {
    let new = |grant| TokenRequest::new(TOKEN_URL, grant, ClientAuth::none());
    assert!(input_error(new(Grant::refresh_token(RefreshToken::new("")))).contains("empty"));
    assert!(
        input_error(new(Grant::jwt_bearer_assertion(SignedAssertion::new("")))).contains("empty")
    );
    assert!(
        input_error(new(Grant::jwt_bearer_assertion(SignedAssertion::new(
            "not-a-jwt"
        ))))
        .contains("compact")
    );
    assert!(
        input_error(new(Grant::jwt_bearer_assertion(SignedAssertion::new(
            "a.b.c\n"
        ))))
        .contains("compact")
    );
    // An encrypted JWT (JWE, five parts) is a JWT too.
    assert!(
        new(Grant::jwt_bearer_assertion(SignedAssertion::new(
            "h.k.iv.c.t"
        )))
        .is_ok()
    );
    // Already base64: the crate encodes it, so this would be encoded twice.
    assert!(
        input_error(new(Grant::saml2_bearer(SignedAssertion::new(SAML_B64URL)))).contains("XML")
    );
}

#[test]
fn method_names_and_client_ids() {
    let hmac = ClientAuth::client_secret_jwt("c", "s").unwrap();
    let pk = ClientAuth::private_key_jwt("d", rsa_key()).unwrap();
    let cases = [
        (ClientAuth::none(), "none", None),
        (ClientAuth::none_with_client_id("a"), "none", Some("a")),
        (
            ClientAuth::basic("b", "s"),
            "client_secret_basic",
            Some("b"),
        ),
        (ClientAuth::post("p", "s"), "client_secret_post", Some("p")),
        (hmac, "client_secret_jwt", Some("c")),
        (pk, "private_key_jwt", Some("d")),
    ];
    for (auth, name, id) in cases {
        assert_eq!(auth.method_name(), name);
        assert_eq!(auth.client_id(), id);
        assert!(!format!("{auth:?}").contains("\"s\""), "{auth:?}");
    }
    assert_eq!(
        Grant::jwt_bearer_assertion(SignedAssertion::new("a.b.c")).grant_type(),
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    assert_eq!(
        Grant::saml2_bearer(SignedAssertion::new("<a/>")).grant_type(),
        "urn:ietf:params:oauth:grant-type:saml2-bearer"
    );
}

#[test]
fn secrets_stay_out_of_debug() {
    let request = TokenRequest::new(
        TOKEN_URL,
        Grant::refresh_token(RefreshToken::new("REFRESH-SECRET")),
        ClientAuth::post("id", "CLIENT-SECRET"),
    )
    .unwrap();
    let debug = format!("{request:?}");
    assert!(!debug.contains("REFRESH-SECRET"), "{debug}");
    assert!(!debug.contains("CLIENT-SECRET"), "{debug}");
}

#[test]
fn absurd_assertion_lifetime_is_an_error_not_a_panic() {
    let auth = ClientAuth::private_key_jwt("id", rsa_key())
        .unwrap()
        .with_assertion_lifetime(Duration::MAX);
    let request = TokenRequest::new(TOKEN_URL, Grant::client_credentials(), auth).unwrap();
    assert!(
        request
            .to_http_request(now(), &SystemRandom::new())
            .is_err()
    );
}

/// Values read from configuration are `String`s: every constructor takes them by
/// value and by reference (`&String`), like `&str`.
#[test]
fn constructors_take_strings_by_reference() {
    use s2s_oauth::jwt::{Audience, Claims};
    use s2s_oauth::providers::salesforce::LoginHost;
    use s2s_oauth::secret::ClientSecret;
    use s2s_oauth::{ClientAuth, Grant, TokenRequest};

    let issuer = String::from("3MVG9.consumer");
    let subject = String::from("integration@example.com");
    let audience = String::from("https://login.salesforce.com");
    let token_url = String::from("https://login.salesforce.com/services/oauth2/token");
    let secret = String::from("s3cr3t");
    let client_id = String::from("my-client");

    let claims = Claims::new(&issuer, &subject, &audience);
    assert_eq!(claims.audience(), &Audience::One(audience.clone()));
    assert_eq!(Audience::from(&audience), Audience::from(audience.as_str()));
    #[cfg(feature = "saml")]
    let _ = s2s_oauth::saml::Assertion::new(&issuer, &subject, &audience, &token_url);
    assert_eq!(ClientSecret::from(&secret).expose_secret(), secret.as_str());
    let request = TokenRequest::new(
        &token_url,
        Grant::client_credentials(),
        ClientAuth::basic(&client_id, &secret),
    )
    .unwrap();
    assert_eq!(request.token_url(), token_url);
    let _ = ClientAuth::post(&client_id, &secret);
    let my_domain = String::from("https://acme.my.salesforce.com");
    assert_eq!(
        LoginHost::my_domain(&my_domain).unwrap(),
        LoginHost::my_domain(my_domain).unwrap()
    );
}

/// RFC 8705 §2: the TLS client certificate authenticates; the request carries
/// the client id in the form and nothing secret.
#[test]
fn tls_client_auth_methods_send_the_client_id_only() {
    for (auth, method) in [
        (
            ClientAuth::tls_client_auth("mtls app").unwrap(),
            "tls_client_auth",
        ),
        (
            ClientAuth::self_signed_tls_client_auth("mtls app").unwrap(),
            "self_signed_tls_client_auth",
        ),
    ] {
        assert_eq!(auth.method_name(), method);
        assert!(auth.uses_client_certificate());
        let request = build(Grant::client_credentials(), auth);
        assert_eq!(
            body(&request),
            "grant_type=client_credentials&client_id=mtls+app"
        );
        assert_eq!(request.header("Authorization"), None);
    }
    assert!(!ClientAuth::basic("a", "b").uses_client_certificate());
    for bad in ["", "id\n"] {
        let err = ClientAuth::tls_client_auth(bad).unwrap_err();
        assert!(err.is_local(), "{err}");
        assert!(ClientAuth::self_signed_tls_client_auth(bad).is_err());
    }
}
