//! Salesforce JWT Bearer flow (RFC 7523): a connected app with "Use digital
//! signatures" (the certificate of `SF_PRIVATE_KEY` uploaded) and the user
//! pre-authorized through a profile or permission set.
//!
//! ```sh
//! SF_LOGIN=https://acme.my.salesforce.com SF_CONSUMER_KEY=3MVG9... \
//! SF_USERNAME=integration@acme.com SF_PRIVATE_KEY=server.key \
//! cargo run --example salesforce_jwt
//! ```

mod support;

use s2s_oauth::SigningKey;
use s2s_oauth::providers::salesforce::{self, LoginHost, TokenInfo};

fn main() {
    let mut settings = support::Settings::new("salesforce_jwt");
    let login = settings
        .optional("SF_LOGIN")
        .unwrap_or_else(|| "login".to_owned());
    let consumer_key = settings.required("SF_CONSUMER_KEY", "the connected app's Consumer Key");
    let username = settings.required("SF_USERNAME", "the Salesforce username to act as");
    let key_path = settings.required(
        "SF_PRIVATE_KEY",
        "path to the PEM private key whose certificate is uploaded to the app",
    );
    settings.finish();
    // SF_LOGIN: login (default), test, or a My Domain URL.
    let host = LoginHost::parse(&login).unwrap_or_else(|e| support::fail(&e, None));
    let key = SigningKey::from_pem(support::read(&key_path, "private key"))
        .unwrap_or_else(|e| support::fail(&e.into(), None));

    let token = salesforce::jwt_bearer(&host, &consumer_key, &username, key)
        .and_then(|request| request.send(&s2s_oauth::agent()))
        .unwrap_or_else(|e| support::fail(&e, salesforce::hint(&e)));
    let info = TokenInfo::from_response(&token).unwrap_or_else(|e| support::fail(&e, None));
    println!(
        "token for user {} in org {}; REST base {}",
        info.user_id(),
        info.org_id(),
        info.instance_url()
    );
}
