//! Salesforce Client Credentials flow: a connected app with the flow enabled and a
//! "Run As" user, reached on the org's My Domain host (login.salesforce.com refuses
//! this flow). The response's signature is checked with the consumer secret.
//!
//! ```sh
//! SF_MY_DOMAIN=https://acme.my.salesforce.com SF_CONSUMER_KEY=3MVG9... \
//! SF_CONSUMER_SECRET=... cargo run --example salesforce_client_credentials
//! ```

mod support;

use s2s_oauth::providers::salesforce::{self, LoginHost, TokenInfo};
use s2s_oauth::secret::ClientSecret;

fn main() {
    let mut settings = support::Settings::new("salesforce_client_credentials");
    let my_domain = settings.required(
        "SF_MY_DOMAIN",
        "the org's My Domain URL, e.g. https://acme.my.salesforce.com",
    );
    let consumer_key = settings.required("SF_CONSUMER_KEY", "the connected app's Consumer Key");
    let secret = settings.required("SF_CONSUMER_SECRET", "the connected app's Consumer Secret");
    settings.finish();
    let secret = ClientSecret::new(secret);
    let host = LoginHost::my_domain(&my_domain).unwrap_or_else(|e| support::fail(&e, None));

    let token = salesforce::client_credentials(&host, &consumer_key, secret.clone())
        .and_then(|request| request.send(&s2s_oauth::agent()))
        .unwrap_or_else(|e| support::fail(&e, salesforce::hint(&e)));
    salesforce::verify_signature(&token, &secret).unwrap_or_else(|e| support::fail(&e, None));
    let info = TokenInfo::from_response(&token).unwrap_or_else(|e| support::fail(&e, None));
    println!(
        "signed token for run-as user {} in org {}; REST base {}",
        info.user_id(),
        info.org_id(),
        info.instance_url()
    );
}
