//! Okta service app: client credentials with `private_key_jwt`, the key named by
//! the `kid` of the public JWK registered with the app.
//!
//! ```sh
//! OKTA_ORG_URL=https://acme.okta.com OKTA_CLIENT_ID=0oa... OKTA_PRIVATE_KEY=okta.key \
//! OKTA_KEY_ID=my-key-1 OKTA_SCOPE=orders.read cargo run --example okta_private_key_jwt
//! ```

mod support;

use s2s_oauth::SigningKey;
use s2s_oauth::providers::okta;

fn main() {
    let mut settings = support::Settings::new("okta_private_key_jwt");
    let org = settings.required(
        "OKTA_ORG_URL",
        "the Okta org URL, e.g. https://acme.okta.com",
    );
    let client_id = settings.required("OKTA_CLIENT_ID", "the service app's client id");
    let key_path = settings.required("OKTA_PRIVATE_KEY", "path to the PEM private key");
    let kid = settings.required(
        "OKTA_KEY_ID",
        "the kid of the public key (JWK) registered with the app",
    );
    let scope = settings.required("OKTA_SCOPE", "the scope(s) granted to the app");
    settings.finish();
    // OKTA_AUTH_SERVER: a custom authorization server id (default "default");
    // "org" for the org authorization server (okta.* scopes).
    let server = settings
        .optional("OKTA_AUTH_SERVER")
        .unwrap_or_else(|| "default".to_owned());
    let server = (server != "org").then_some(server.as_str());
    let key = SigningKey::from_pem(support::read(&key_path, "private key"))
        .unwrap_or_else(|e| support::fail(&e.into(), None))
        .with_kid(kid);

    let token = okta::token_url(&org, server)
        .and_then(|url| okta::client_credentials(&url, &client_id, key, &scope))
        .and_then(|request| request.send(&s2s_oauth::agent()))
        .unwrap_or_else(|e| support::fail(&e, None));
    println!(
        "token with scope {:?}, valid {:?}",
        token.scope(),
        token.expires_in()
    );
}
