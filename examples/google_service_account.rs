//! Google service account: the JSON key file traded for an access token with the
//! JWT Bearer grant (`scope` in the assertion; `sub` for domain-wide delegation).
//!
//! ```sh
//! GOOGLE_APPLICATION_CREDENTIALS=service-account.json \
//! GOOGLE_SCOPE=https://www.googleapis.com/auth/cloud-platform \
//! cargo run --example google_service_account
//! ```

mod support;

use s2s_oauth::providers::google::ServiceAccountKey;

fn main() {
    let mut settings = support::Settings::new("google_service_account");
    let key_file = settings.required(
        "GOOGLE_APPLICATION_CREDENTIALS",
        "path to the service account's JSON key file",
    );
    settings.finish();
    // GOOGLE_SCOPE: space-separated scopes; GOOGLE_SUBJECT: a Workspace user to act
    // as (domain-wide delegation), optional.
    let scope = settings
        .optional("GOOGLE_SCOPE")
        .unwrap_or_else(|| "https://www.googleapis.com/auth/cloud-platform".to_owned());
    let mut account = ServiceAccountKey::from_json(support::read(&key_file, "key file"))
        .unwrap_or_else(|e| support::fail(&e, None));
    if let Some(subject) = settings.optional("GOOGLE_SUBJECT") {
        account = account.with_subject(subject);
    }

    let token = account
        .token_request(&scope)
        .and_then(|request| request.send(&s2s_oauth::agent()))
        .unwrap_or_else(|e| support::fail(&e, None));
    println!(
        "token for {} valid {:?}",
        account.client_email(),
        token.expires_in()
    );
}
