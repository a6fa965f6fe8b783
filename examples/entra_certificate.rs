//! Microsoft Entra ID certificate credential: client credentials with a
//! `private_key_jwt` assertion naming the certificate (`x5t#S256`, PS256; set
//! `ENTRA_LEGACY=1` for RS256 with `x5t`).
//!
//! ```sh
//! ENTRA_TENANT=contoso.onmicrosoft.com ENTRA_CLIENT_ID=00001111-... \
//! ENTRA_PRIVATE_KEY=app.key ENTRA_CERTIFICATE=app.crt \
//! cargo run --example entra_certificate
//! ```

mod support;

use s2s_oauth::providers::entra::CertificateCredential;
use s2s_oauth::{Certificate, SigningKey};

fn main() {
    let mut settings = support::Settings::new("entra_certificate");
    let tenant = settings.required("ENTRA_TENANT", "the tenant id (GUID) or its domain");
    let client_id = settings.required(
        "ENTRA_CLIENT_ID",
        "the app registration's Application (client) ID",
    );
    let key_path = settings.required("ENTRA_PRIVATE_KEY", "path to the PEM RSA private key");
    let cert_path = settings.required(
        "ENTRA_CERTIFICATE",
        "path to the PEM certificate uploaded to the app registration",
    );
    settings.finish();
    // ENTRA_RESOURCE: the API, default Microsoft Graph.
    let resource = settings
        .optional("ENTRA_RESOURCE")
        .unwrap_or_else(|| "https://graph.microsoft.com".to_owned());
    let key = SigningKey::from_pem(support::read(&key_path, "private key"))
        .unwrap_or_else(|e| support::fail(&e.into(), None));
    let cert = Certificate::from_pem(support::read(&cert_path, "certificate"))
        .unwrap_or_else(|e| support::fail(&e.into(), None));

    let credential = if settings.optional("ENTRA_LEGACY").is_some() {
        CertificateCredential::legacy(&tenant, client_id, key, &cert)
    } else {
        CertificateCredential::new(&tenant, client_id, key, &cert)
    }
    .unwrap_or_else(|e| support::fail(&e, None));
    let token = credential
        .token_request(&resource)
        .and_then(|request| request.send(&s2s_oauth::agent()))
        .unwrap_or_else(|e| support::fail(&e, None));
    println!(
        "app-only token for {resource}, valid {:?}",
        token.expires_in()
    );
}
