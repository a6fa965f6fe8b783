//! Salesforce SAML 2.0 Bearer flow (RFC 7522): a connected app with "Use digital
//! signatures" (the certificate `SF_CERTIFICATE` uploaded) and the user
//! pre-authorized. The assertion is built and signed here (enveloped XML-DSig,
//! RSA-SHA256); no IdP is involved.
//!
//! ```sh
//! SF_LOGIN=https://acme.my.salesforce.com SF_CONSUMER_KEY=3MVG9... \
//! SF_USERNAME=integration@acme.com SF_PRIVATE_KEY=server.key SF_CERTIFICATE=server.crt \
//! cargo run --example salesforce_saml
//! ```

mod support;

use s2s_oauth::providers::salesforce::{self, LoginHost, TokenInfo};
use s2s_oauth::saml::Signer;
use s2s_oauth::{Certificate, SigningKey};

fn main() {
    let mut settings = support::Settings::new("salesforce_saml");
    let login = settings
        .optional("SF_LOGIN")
        .unwrap_or_else(|| "login".to_owned());
    let consumer_key = settings.required("SF_CONSUMER_KEY", "the connected app's Consumer Key");
    let username = settings.required("SF_USERNAME", "the Salesforce username to act as");
    let key_path = settings.required("SF_PRIVATE_KEY", "path to the PEM RSA private key");
    let cert_path = settings.required(
        "SF_CERTIFICATE",
        "path to the PEM certificate uploaded to the connected app",
    );
    settings.finish();
    // SF_LOGIN: login (default), test, or a My Domain URL.
    let host = LoginHost::parse(&login).unwrap_or_else(|e| support::fail(&e, None));
    let key = SigningKey::from_pem(support::read(&key_path, "private key"))
        .unwrap_or_else(|e| support::fail(&e.into(), None));
    let cert = Certificate::from_pem(support::read(&cert_path, "certificate"))
        .unwrap_or_else(|e| support::fail(&e.into(), None));
    let signer = Signer::new(key, cert).unwrap_or_else(|e| support::fail(&e, None));

    let token = salesforce::saml_bearer(&host, &consumer_key, &username, signer)
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
