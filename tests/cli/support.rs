//! Running the built `s2s-oauth` binary, and a testkit server set up for it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use s2s_oauth::testkit::{Client, Config, Profile, Server};
use s2s_oauth::{Certificate, VerifyingKey};

pub const BIN: &str = env!("CARGO_BIN_EXE_s2s-oauth");

/// The client every test server knows: a secret, the RSA public key of
/// `rsa2048.pkcs8.pem` (for JWT bearer and private_key_jwt) and its certificate (for
/// SAML bearer), one approved user and a run-as user.
pub const CLIENT: &str = "3MVG9-cli-test";
pub const SECRET: &str = "s3cr3t with +%:& and space";
pub const USER: &str = "alice@example.com";

/// A path under `tests/data/keys/`.
pub fn key(name: &str) -> String {
    format!("{}/tests/data/keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// One run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts exit 0 and returns stdout parsed as the one JSON object it must be.
    pub fn json(&self) -> serde_json::Map<String, serde_json::Value> {
        assert_eq!(self.code, 0, "{self:?}");
        assert!(self.stdout.ends_with('\n'), "{self:?}");
        assert_eq!(self.stdout.lines().count(), 1, "{self:?}");
        match serde_json::from_str(&self.stdout) {
            Ok(serde_json::Value::Object(object)) => object,
            other => panic!("not a JSON object: {other:?} from {self:?}"),
        }
    }

    /// Asserts `code`, an empty stdout and one `error: ` line on stderr (maybe
    /// followed by one `hint: ` line), and returns the error line without its
    /// newline.
    pub fn failure(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "{self:?}");
        assert_eq!(self.stdout, "", "{self:?}");
        assert!(self.stderr.starts_with("error: "), "{self:?}");
        assert!(self.stderr.ends_with('\n'), "{self:?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert!(lines.len() <= 2, "{self:?}");
        if let Some(hint) = lines.get(1) {
            assert!(hint.starts_with("hint: "), "{self:?}");
        }
        lines[0]
    }

    /// The `hint: ` line's text, if stderr has one.
    pub fn hint(&self) -> Option<&str> {
        self.stderr.lines().nth(1)?.strip_prefix("hint: ")
    }
}

/// Runs the binary with `args` and `env` (no other variable of ours is set).
pub fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = Command::new(BIN)
        .args(args)
        .env_remove("CLIENT_SECRET")
        .env_remove("REFRESH_TOKEN")
        .envs(env.iter().copied())
        .output()
        .expect("run the s2s-oauth binary");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs the binary with `args`.
pub fn run(args: &[&str]) -> Run {
    run_env(args, &[])
}

/// A test server in `profile` that knows [`CLIENT`] and a public client
/// `public-app` (no secret, so refresh needs no client authentication).
pub fn server(profile: Profile) -> Server {
    let public = VerifyingKey::from_pem(
        std::fs::read(key("rsa2048.pub.pem")).expect("read the RSA public key"),
    )
    .expect("RSA public key");
    let certificate = Certificate::from_pem(
        std::fs::read(key("rsa2048.cert.pem")).expect("read the RSA certificate"),
    )
    .expect("RSA certificate");
    let config = Config::new(profile)
        .with_client(
            Client::new(CLIENT)
                .with_secret(SECRET)
                .with_public_key(public)
                .with_certificate(&certificate)
                .expect("the certificate's key is usable")
                .with_user(USER)
                .with_run_as("integration@example.com"),
        )
        .with_client(Client::new("public-app").with_user(USER));
    Server::start(config).expect("start the testkit server")
}

/// The endpoint flags for `server`: `--salesforce <base URL>` for the Salesforce
/// profile (its audience default is the testkit's), `--token-url` otherwise.
pub fn endpoint(server: &Server) -> Vec<String> {
    match server.profile() {
        Profile::Salesforce => vec!["--salesforce".into(), server.base_url()],
        _ => vec!["--token-url".into(), server.token_url()],
    }
}

/// A directory removed when dropped, for secret files.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("s2s-oauth-cli-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create a temp dir");
        TempDir(dir)
    }

    /// Writes `contents` to `name` in the directory and returns its path.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write a temp file");
        path.to_string_lossy().into_owned()
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `args` as `&str`s.
pub fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Runs `client-credentials` with `extra` flags, then `endpoint` (the flags from
/// [`endpoint`], or `--token-url URL`), then [`CLIENT`] with its secret read from
/// the `CLIENT_SECRET` variable, set to `secret`.
pub fn run_client_credentials(endpoint: &[String], extra: &[&str], secret: &str) -> Run {
    let mut args = vec!["client-credentials".to_owned()];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args.extend_from_slice(endpoint);
    args.extend(
        [
            "--client-id",
            CLIENT,
            "--client-secret-env",
            "CLIENT_SECRET",
        ]
        .map(str::to_owned),
    );
    run_env(&strs(&args), &[("CLIENT_SECRET", secret)])
}
