//! A cron job that keeps its Salesforce token between runs in a file only its user
//! can read (mode 0600), gets a new one when it has expired or when the API answers
//! 401 `INVALID_SESSION_ID`, and retries the API call once.
//!
//! ```sh
//! SF_MY_DOMAIN=https://acme.my.salesforce.com SF_CONSUMER_KEY=3MVG9... \
//! SF_CONSUMER_SECRET=... TOKEN_FILE=/var/lib/my-job/token.json \
//! cargo run --example cron_token_file
//!
//! # Or, with no org at hand, against the local testkit server:
//! S2S_DEMO=1 cargo run --example cron_token_file
//! ```
//!
//! On Unix the file is created with mode 0600 and replaced atomically (written
//! beside it, then renamed); a token file that other accounts can read (an older
//! file, a `chmod` by mistake) is not used: the job gets a new token and the save
//! replaces the file with a 0600 one. Elsewhere the mode cannot be set this way: keep the
//! file in a directory only the job's account can read (on Windows, set the ACL).

mod support;

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use s2s_oauth::salesforce::{self, ApiOutcome, LoginHost};
use s2s_oauth::testkit::{Client, Config, Profile, Server};
use s2s_oauth::{ClientSecret, Error, HttpResponse, Token, TokenCache};

/// Salesforce tokens carry no expiry: refresh after this long anyway, below the
/// org's session timeout (2 hours by default), so a 401 is the exception.
const MAX_AGE: Duration = Duration::from_secs(90 * 60);

struct Job {
    host: LoginHost,
    consumer_key: String,
    secret: ClientSecret,
    token_file: PathBuf,
    agent: ureq::Agent,
}

fn main() {
    let (job, demo_server) = configure();
    run(&job);
    if let Some(server) = demo_server {
        // Demo: a second run reuses the stored token; then the session expires and
        // a third run gets a 401, a new token, and a successful retry.
        run(&job);
        server.expire_access_tokens();
        run(&job);
    }
}

/// One cron run: load the stored token, call the API, refresh once on a 401.
fn run(job: &Job) {
    let mut cache = TokenCache::new().with_max_age(MAX_AGE);
    if let Some(stored) = load(&job.token_file) {
        println!("using the token stored in {:?}", job.token_file);
        cache = cache.with_token(stored);
    }
    let mut response = call_api(job, &mut cache);
    if salesforce::classify_api_response(&response) == ApiOutcome::SessionExpired {
        println!("the session expired; getting a new token and retrying once");
        cache.invalidate();
        response = call_api(job, &mut cache);
    }
    match salesforce::classify_api_response(&response) {
        ApiOutcome::Success => println!("API call succeeded (HTTP {})", response.status()),
        ApiOutcome::RequestLimitExceeded => {
            eprintln!("the org's API limit is used up; try again later");
            std::process::exit(4);
        }
        _ => {
            eprintln!("API call failed with HTTP {}", response.status());
            std::process::exit(4);
        }
    }
}

/// A REST call with the cached (or a new) token; a new token is saved at once.
fn call_api(job: &Job, cache: &mut TokenCache) -> HttpResponse {
    let before = cache.token().cloned();
    let token = cache
        .get_or_refresh(SystemTime::now(), |_previous| fetch(job))
        .unwrap_or_else(|e| support::fail(&e, salesforce::hint(&e)))
        .clone();
    if before.as_ref() != Some(&token) {
        println!("got a new token; saving it");
        if let Err(e) = save(&job.token_file, &token) {
            eprintln!(
                "warning: could not save the token to {:?}: {e}",
                job.token_file
            );
        }
    }
    let instance = token.instance_url().unwrap_or_else(|| job.host.base_url());
    let url = format!("{}/services/data/v60.0/", instance.trim_end_matches('/'));
    let sent = job
        .agent
        .get(&url)
        .header(
            "Authorization",
            format!("Bearer {}", token.access_token().expose_secret()),
        )
        .call();
    let mut answer = match sent {
        Ok(answer) => answer,
        Err(e) => {
            eprintln!("the API call failed: {e}");
            std::process::exit(4);
        }
    };
    let status = answer.status().as_u16();
    let headers = answer
        .headers()
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let body = answer
        .body_mut()
        .with_config()
        .limit(1024 * 1024)
        .read_to_vec()
        .unwrap_or_default();
    HttpResponse::new(status, headers, body)
}

/// A new token (Client Credentials), its signature checked.
fn fetch(job: &Job) -> Result<Token, Error> {
    let response =
        salesforce::client_credentials(&job.host, &job.consumer_key, job.secret.clone())?
            .send(&job.agent)?;
    salesforce::verify_signature(&response, &job.secret)?;
    Ok(Token::from_response(&response))
}

/// The stored token, if the file exists, only its owner can read it, and it reads
/// back; otherwise start afresh (the next save replaces the file with a 0600 one).
fn load(path: &Path) -> Option<Token> {
    let file = fs::File::open(path).ok()?;
    if let Some(mode) = readable_by_others(&file) {
        eprintln!(
            "warning: {path:?} can be read by other accounts (mode {mode:o}): not using the token in it, \
             which may have leaked; getting a new one, saved with mode 0600"
        );
        return None;
    }
    let mut bytes = Vec::new();
    // A token file is a few hundred bytes; do not read an arbitrary file whole.
    file.take(64 * 1024).read_to_end(&mut bytes).ok()?;
    match Token::from_json(&bytes) {
        Ok(token) => Some(token),
        Err(e) => {
            eprintln!("ignoring {path:?}: {e}");
            None
        }
    }
}

/// The file's permission bits when group or others may read or write it (Unix);
/// `None` when only the owner can, and always elsewhere (see the module docs).
fn readable_by_others(file: &fs::File) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata().ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        None
    }
}

/// Writes the token beside `path` with mode 0600, then renames it over `path`.
fn save(path: &Path, token: &Token) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    let _ = fs::remove_file(&temporary);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary)?;
    file.write_all(token.to_json_exposing_secrets().as_bytes())?;
    file.sync_all()?;
    fs::rename(&temporary, path)
}

fn configure() -> (Job, Option<Server>) {
    let agent = s2s_oauth::agent();
    if std::env::var_os("S2S_DEMO").is_some() {
        let server = Server::start(
            Config::new(Profile::Salesforce).with_client(
                Client::new("3MVG9demo")
                    .with_secret("demo-secret")
                    .with_run_as("integration@example.com"),
            ),
        )
        .unwrap_or_else(|e| {
            eprintln!("cannot start the local server: {e}");
            std::process::exit(2)
        });
        let host =
            LoginHost::my_domain(&server.base_url()).unwrap_or_else(|e| support::fail(&e, None));
        let token_file = std::env::temp_dir().join("s2s-oauth-demo-token.json");
        println!(
            "demo: local server at {}, token file {token_file:?}",
            server.base_url()
        );
        let job = Job {
            host,
            consumer_key: "3MVG9demo".into(),
            secret: ClientSecret::new("demo-secret"),
            // A token from an earlier demo run names a server that is gone: start clean.
            token_file: {
                let _ = fs::remove_file(&token_file);
                token_file
            },
            agent,
        };
        return (job, Some(server));
    }
    let mut settings = support::Settings::new("cron_token_file");
    let my_domain = settings.required(
        "SF_MY_DOMAIN",
        "the org's My Domain URL, e.g. https://acme.my.salesforce.com",
    );
    let consumer_key = settings.required("SF_CONSUMER_KEY", "the connected app's Consumer Key");
    let secret = settings.required("SF_CONSUMER_SECRET", "the connected app's Consumer Secret");
    let token_file = settings.required(
        "TOKEN_FILE",
        "where to keep the token between runs (created with mode 0600)",
    );
    settings.finish();
    let host = LoginHost::my_domain(&my_domain).unwrap_or_else(|e| support::fail(&e, None));
    let job = Job {
        host,
        consumer_key,
        secret: ClientSecret::new(secret),
        token_file: PathBuf::from(token_file),
        agent,
    };
    (job, None)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use s2s_oauth::TokenResponse;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// Fails without the mode check in `load`: a 0644 token file was used as is,
    /// and never rewritten while its token lasted.
    #[test]
    fn a_token_file_others_can_read_is_not_used_and_is_replaced_with_mode_0600() {
        let dir = std::env::temp_dir().join(format!("s2s-oauth-cron-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("token.json");
        let body = br#"{"access_token":"00Dxx!secret","token_type":"Bearer","instance_url":"https://acme.my.salesforce.com"}"#;
        let response = TokenResponse::parse(
            &HttpResponse::new(200, vec![], body.to_vec()),
            SystemTime::now(),
        )
        .unwrap();
        let token = Token::from_response(&response);

        save(&path, &token).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(load(&path), Some(token.clone()));

        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(load(&path), None);
        save(&path, &token).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(load(&path), Some(token));

        fs::remove_dir_all(&dir).unwrap();
    }
}
