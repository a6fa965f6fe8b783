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
//! file, a `chmod` by mistake), that another account owns, or that is a symbolic
//! link (which could point the job at a file someone else controls) is not used:
//! the job gets a new token and the save replaces the file with its own 0600 one.
//! Elsewhere the mode cannot be set this way: keep the file in a directory only the
//! job's account can read (on Windows, set the ACL).
//!
//! The token goes only to an `https://` `instance_url`: Salesforce's response
//! signature covers `id` and `issued_at`, not `instance_url`, so the job checks it
//! before sending the token there (the demo's local server is plain http on
//! loopback, taken in demo mode only). The demo keeps its token file in a fresh
//! directory of its own (mode 0700, a new name each run), never at a fixed path
//! under the shared temporary directory.

mod support;

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use s2s_oauth::providers::salesforce::{self, ApiOutcome, LoginHost};
use s2s_oauth::secret::ClientSecret;
use s2s_oauth::testkit::{Client, Config, Profile, Server};
use s2s_oauth::{Error, HttpResponse, Token, TokenCache};

/// Salesforce tokens carry no expiry: refresh after this long anyway, below the
/// org's session timeout (2 hours by default), so a 401 is the exception.
const MAX_AGE: Duration = Duration::from_secs(90 * 60);

struct Job {
    host: LoginHost,
    consumer_key: String,
    secret: ClientSecret,
    token_file: PathBuf,
    agent: s2s_oauth::ureq::Agent,
    /// Demo mode only: the local server's `http://` loopback origin, the one place
    /// the token may go without TLS.
    demo_origin: Option<String>,
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
        if let Some(dir) = job.token_file.parent() {
            let _ = fs::remove_dir_all(dir);
        }
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
    // Salesforce's fields are read through the provider module.
    let info = salesforce::TokenInfo::from_token(&token).ok();
    let instance = info
        .as_ref()
        .map_or_else(|| job.host.base_url(), |info| info.instance_url());
    let url = api_url(instance, job.demo_origin.as_deref()).unwrap_or_else(|reason| {
        eprintln!("not sending the token: {reason}");
        std::process::exit(4);
    });
    // job.agent is s2s_oauth::agent(): a 401 comes back as a response (ureq's
    // default agent would turn it into an error and drop the body).
    let answer = job
        .agent
        .get(&url)
        .header(
            "Authorization",
            format!("Bearer {}", token.access_token().expose_secret()),
        )
        .call()
        .map_err(|e| e.to_string())
        .and_then(|answer| HttpResponse::from_ureq(answer).map_err(|e| e.to_string()));
    answer.unwrap_or_else(|e| {
        eprintln!("the API call failed: {e}");
        std::process::exit(4);
    })
}

/// The REST API URL under `instance`, if the token may be sent there: `https://`,
/// or (demo mode) the local server's own `http://` loopback origin. The response
/// signature does not cover `instance_url`, so nothing else vouches for it.
fn api_url(instance: &str, demo_origin: Option<&str>) -> Result<String, String> {
    let instance = instance.trim_end_matches('/');
    let https = instance
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
    let demo = demo_origin.is_some_and(|origin| {
        instance == origin
            || instance
                .strip_prefix(origin)
                .is_some_and(|rest| rest.starts_with('/'))
    });
    if https || demo {
        Ok(format!("{instance}/services/data/v60.0/"))
    } else {
        Err(format!(
            "instance_url {instance:?} is not https: the access token would travel unencrypted; \
             Salesforce instance URLs are https://<my-domain>.my.salesforce.com"
        ))
    }
}

/// A new token (Client Credentials), its signature checked.
fn fetch(job: &Job) -> Result<Token, Error> {
    let response =
        salesforce::client_credentials(&job.host, &job.consumer_key, job.secret.clone())?
            .send(&job.agent)?;
    salesforce::verify_signature(&response, &job.secret)?;
    Ok(Token::from(response))
}

/// The stored token, if the file exists, is a regular file (not a symbolic link)
/// of this account's, only its owner can read it, and it reads back; otherwise
/// start afresh (the next save replaces the file with a 0600 one).
fn load(path: &Path) -> Option<Token> {
    let file = match open_own_file(path) {
        Ok(file) => file?,
        Err(reason) => {
            eprintln!(
                "warning: not using the token in {path:?}: {reason}; getting a new one, saved as a 0600 file of this account's"
            );
            return None;
        }
    };
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

/// Opens `path` for reading if it is a regular file owned by this process's user:
/// `Ok(None)` if there is no such file, `Err` with the reason to refuse it (a
/// symbolic link, not a regular file, another account's, or swapped between the
/// check and the open).
fn open_own_file(path: &Path) -> Result<Option<fs::File>, String> {
    let before = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read its metadata: {e}")),
    };
    if before.file_type().is_symlink() {
        return Err(
            "it is a symbolic link, which may point at a file another account controls".into(),
        );
    }
    if !before.is_file() {
        return Err("it is not a regular file".into());
    }
    let file = fs::File::open(path).map_err(|e| format!("cannot open it: {e}"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let opened = file
            .metadata()
            .map_err(|e| format!("cannot read its metadata: {e}"))?;
        // The file opened is the one checked, not a link put there in between.
        if (opened.dev(), opened.ino()) != (before.dev(), before.ino()) {
            return Err("it was replaced while being opened".into());
        }
        let me = process_uid().map_err(|e| format!("cannot tell this process's user: {e}"))?;
        if opened.uid() != me {
            return Err(format!(
                "it belongs to another account (uid {}, this job runs as uid {me})",
                opened.uid()
            ));
        }
    }
    Ok(Some(file))
}

/// The user id files this process creates get: the owner of a file it has just
/// created (std has no `getuid`, and this example takes no `libc`).
#[cfg(unix)]
fn process_uid() -> io::Result<u32> {
    use std::os::unix::fs::MetadataExt;
    let probe = std::env::temp_dir().join(unique_name("s2s-oauth-uid"));
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    let uid = file.metadata().map(|meta| meta.uid());
    let _ = fs::remove_file(&probe);
    uid
}

/// `<prefix>-<pid>-<nanoseconds>-<counter>`: not reused within this process, and
/// unlikely to be guessed ahead by another (create with `create_new`/`create_dir`
/// anyway, which refuse a name that exists).
fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{nanos}-{n}", std::process::id())
}

/// Creates the directory `path`, mode 0700 on Unix; an existing one (which
/// someone else may have made, to read what is put in it) is an error.
fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// A new private directory under the temporary directory, with a fresh name.
fn fresh_private_dir(prefix: &str) -> io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(unique_name(prefix));
    create_private_dir(&dir)?;
    Ok(dir)
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
            LoginHost::my_domain(server.base_url()).unwrap_or_else(|e| support::fail(&e, None));
        // A fresh directory of the demo's own each run: nothing from an earlier run
        // (whose server is gone) or from another account is picked up.
        let dir = fresh_private_dir("s2s-oauth-demo").unwrap_or_else(|e| {
            eprintln!("cannot create a private directory for the demo's token file: {e}");
            std::process::exit(2)
        });
        let token_file = dir.join("token.json");
        println!(
            "demo: local server at {}, token file {token_file:?}",
            server.base_url()
        );
        let job = Job {
            host,
            consumer_key: "3MVG9demo".into(),
            secret: ClientSecret::new("demo-secret"),
            token_file,
            agent,
            demo_origin: Some(server.base_url().trim_end_matches('/').to_owned()),
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
        demo_origin: None,
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

    fn token() -> Token {
        token_with("00Dxx!secret")
    }

    fn token_with(access_token: &str) -> Token {
        let body = format!(
            r#"{{"access_token":"{access_token}","token_type":"Bearer","instance_url":"https://acme.my.salesforce.com"}}"#
        );
        // A fixed whole-second time: tokens made by two calls are equal (with
        // `now()`, two calls a second boundary apart were not, and the tests that
        // compare a loaded token with a new one failed now and then).
        let obtained = UNIX_EPOCH + Duration::from_secs(1_765_000_000);
        let response =
            TokenResponse::parse(&HttpResponse::new(200, vec![], body.into_bytes()), obtained)
                .unwrap();
        Token::from_response(&response)
    }

    /// Fails on the old `load`, which followed the link: a token file that is a
    /// symbolic link is not read; the save replaces the link, not its target.
    #[test]
    fn a_symlinked_token_file_is_not_used() {
        let dir = fresh_private_dir("s2s-oauth-cron-test").unwrap();
        let target = dir.join("elsewhere.json");
        save(&target, &token()).unwrap();
        let path = dir.join("token.json");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        assert_eq!(load(&target), Some(token()));
        assert_eq!(load(&path), None);
        assert!(open_own_file(&path).unwrap_err().contains("symbolic link"));

        let other = token_with("00Dxx!other");
        save(&path, &other).unwrap();
        assert!(
            !fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(load(&path), Some(other));
        assert_eq!(
            load(&target),
            Some(token()),
            "the link's target is untouched"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    /// Fails on the old `load`, which had no owner check: a 0600 token file of
    /// another account (a file planted there) is not used.
    #[test]
    fn a_token_file_of_another_account_is_not_used() {
        use std::os::unix::fs::MetadataExt;
        let me = process_uid().unwrap();
        let dir = fresh_private_dir("s2s-oauth-cron-test").unwrap();
        let path = dir.join("token.json");
        save(&path, &token()).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().uid(), me);
        assert_eq!(load(&path), Some(token()));
        if me == 0 {
            // Root can plant one: hand the file to another uid.
            std::os::unix::fs::chown(&path, Some(65_534), None).unwrap();
            let reason = open_own_file(&path).unwrap_err();
            assert!(reason.contains("another account"), "{reason}");
            assert_eq!(load(&path), None);
        } else {
            // Others cannot: take a file root owns.
            let reason = open_own_file(Path::new("/etc/passwd")).unwrap_err();
            assert!(reason.contains("another account"), "{reason}");
        }
        assert!(matches!(open_own_file(&dir.join("absent.json")), Ok(None)));
        assert!(
            open_own_file(&dir)
                .unwrap_err()
                .contains("not a regular file")
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    /// The demo's directory: new each time, 0700, and never one that exists.
    #[test]
    fn demo_directories_are_fresh_and_private() {
        let a = fresh_private_dir("s2s-oauth-cron-test").unwrap();
        let b = fresh_private_dir("s2s-oauth-cron-test").unwrap();
        assert_ne!(a, b);
        assert_eq!(mode(&a), 0o700);
        let err = create_private_dir(&a).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        fs::remove_dir_all(&a).unwrap();
        fs::remove_dir_all(&b).unwrap();
    }

    /// The token goes to https only; to plain http only in demo mode and only to
    /// the demo server itself.
    #[test]
    fn the_token_goes_only_to_an_https_instance_url() {
        assert_eq!(
            api_url("https://acme.my.salesforce.com/", None).unwrap(),
            "https://acme.my.salesforce.com/services/data/v60.0/"
        );
        api_url("HTTPS://acme.my.salesforce.com", None).unwrap();
        for bad in [
            "http://acme.my.salesforce.com",
            "http://127.0.0.1:8080",
            "ftp://acme.my.salesforce.com",
            "acme.my.salesforce.com",
            "",
        ] {
            let reason = api_url(bad, None).unwrap_err();
            assert!(reason.contains("not https"), "{bad}: {reason}");
        }
        let demo = Some("http://127.0.0.1:8080");
        api_url("http://127.0.0.1:8080", demo).unwrap();
        api_url("http://127.0.0.1:8080/", demo).unwrap();
        for bad in [
            "http://127.0.0.1:80801",
            "http://127.0.0.1:9090",
            "http://127.0.0.1:8080.evil.example",
            "http://acme.my.salesforce.com",
        ] {
            assert!(api_url(bad, demo).is_err(), "{bad}");
        }
    }

    /// Fails without the mode check in `load`: a 0644 token file was used as is,
    /// and never rewritten while its token lasted.
    #[test]
    fn a_token_file_others_can_read_is_not_used_and_is_replaced_with_mode_0600() {
        let dir = fresh_private_dir("s2s-oauth-cron-test").unwrap();
        let path = dir.join("token.json");
        let token = token();

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
