//! The driver's Salesforce subcommands, over the `providers::salesforce` presets:
//!
//! ```text
//! interop-driver sf-exchange --url BASE --client-id ID [--secret-file F]
//!     --subject-token-file F --subject-token-type TYPE [--scope S]
//!     salesforce::token_exchange; the token report plus "instance_url" (TokenInfo).
//!     A subject type Salesforce does not take: {"ok":false,"kind":"local",
//!     "field":"TokenType",...} and nothing sent.
//! interop-driver sf-actor-token --key PEM --did DID [--name N] [--serial S] --out F
//!     DeviceClaims::sign: the device's actor token, written to F (never printed).
//! interop-driver sf-asset --url BASE --subject-token-file F --actor-token-file F
//!     salesforce::asset_token; the token report plus "device_id" (AssetToken).
//! interop-driver sf-data-cloud --instance-url URL --subject-token-file F [--dataspace D]
//!     salesforce::data_cloud_token; the token report plus "instance_url"
//!     (DataCloudToken::instance_url).
//! ```

use std::process::ExitCode;

use s2s_oauth::exchange::{TokenSource, TokenTypeUri};
use s2s_oauth::providers::salesforce::{
    self, AssetToken, DataCloudToken, DeviceClaims, LoginHost, TokenInfo,
};
use s2s_oauth::secret::{ClientSecret, SignedAssertion};
use s2s_oauth::{Error, SigningKey};
use serde_json::{Value, json};

use super::{Options, outcome, print_report, read_secret};

/// Runs one of the `sf-*` subcommands and prints its JSON report.
pub fn run(command: &str, options: &Options) -> ExitCode {
    let result = match command {
        "sf-exchange" => exchange(options),
        "sf-actor-token" => actor_token(options),
        "sf-asset" => asset(options),
        _ => data_cloud(options),
    };
    print_report(result)
}

fn host(options: &Options) -> Result<LoginHost, String> {
    LoginHost::my_domain(options.need("--url")?).map_err(|e| e.to_string())
}

fn exchange(options: &Options) -> Result<(Value, u8), String> {
    let subject_type =
        TokenTypeUri::parse(options.need("--subject-token-type")?).map_err(|e| e.to_string())?;
    let secret = options
        .get("--secret-file")
        .map(read_secret)
        .transpose()?
        .map(ClientSecret::new);
    let subject = TokenSource::file(options.need("--subject-token-file")?);
    let request = salesforce::token_exchange(
        &host(options)?,
        options.need("--client-id")?,
        secret,
        subject,
        subject_type,
    )
    .and_then(|r| match options.get("--scope") {
        Some(scope) => r.with_scope(scope),
        None => Ok(r),
    });
    let request = match request {
        Ok(request) => request,
        Err(e) => return Ok(local(&e)),
    };
    let result = request.send(&s2s_oauth::agent());
    let instance_url = result
        .as_ref()
        .ok()
        .and_then(|t| TokenInfo::from_response(t).ok())
        .map(|i| i.instance_url().to_owned());
    let (mut report, code) = outcome(result, None);
    report["instance_url"] = json!(instance_url);
    Ok((report, code))
}

fn actor_token(options: &Options) -> Result<(Value, u8), String> {
    let path = options.need("--key")?;
    let pem = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
    let key = SigningKey::from_pem(pem).map_err(|e| format!("{path}: {e}"))?;
    let mut claims = DeviceClaims::new(options.need("--did")?).map_err(|e| e.to_string())?;
    if let Some(name) = options.get("--name") {
        claims = claims.with_name(name).map_err(|e| e.to_string())?;
    }
    if let Some(serial) = options.get("--serial") {
        claims = claims
            .with_asset_field("SerialNumber", serial)
            .map_err(|e| e.to_string())?;
    }
    let actor = claims.sign(&key).map_err(|e| e.to_string())?;
    let out = options.need("--out")?;
    std::fs::write(out, actor.expose_secret()).map_err(|e| format!("writing {out}: {e}"))?;
    Ok((json!({"ok": true}), 0))
}

fn asset(options: &Options) -> Result<(Value, u8), String> {
    let actor = read_secret(options.need("--actor-token-file")?)?;
    let subject = TokenSource::file(options.need("--subject-token-file")?);
    let request =
        match salesforce::asset_token(&host(options)?, subject, SignedAssertion::new(actor)) {
            Ok(request) => request,
            Err(e) => return Ok(local(&e)),
        };
    let result = request.send(&s2s_oauth::agent());
    let device_id = result
        .as_ref()
        .ok()
        .and_then(|t| AssetToken::from_response(t).ok())
        .and_then(|a| a.device_id().map(str::to_owned));
    let (mut report, code) = outcome(result, None);
    report["device_id"] = json!(device_id);
    Ok((report, code))
}

fn data_cloud(options: &Options) -> Result<(Value, u8), String> {
    let subject = TokenSource::file(options.need("--subject-token-file")?);
    let request = match salesforce::data_cloud_token(
        options.need("--instance-url")?,
        subject,
        options.get("--dataspace"),
    ) {
        Ok(request) => request,
        Err(e) => return Ok(local(&e)),
    };
    let result = request.send(&s2s_oauth::agent());
    let tenant = result.as_ref().ok().map(DataCloudToken::from_response);
    let (mut report, code) = outcome(result, None);
    match tenant {
        Some(Ok(tenant)) => report["instance_url"] = json!(tenant.instance_url()),
        Some(Err(e)) => {
            report["ok"] = json!(false);
            report["kind"] = json!("malformed");
            report["message"] = json!(e.to_string());
            return Ok((report, 4));
        }
        None => {}
    }
    Ok((report, code))
}

/// A request refused before anything was sent.
fn local(error: &Error) -> (Value, u8) {
    let field = match error {
        Error::InvalidInput(e) => format!("{:?}", e.field()),
        _ => String::new(),
    };
    (
        json!({"ok": false, "kind": "local", "field": field, "message": error.to_string()}),
        2,
    )
}
