//! Reading what the flags point at: secrets from files or environment variables,
//! PEM keys and certificates from files. Every failure is a usage failure (exit 2)
//! that names the flag (and the path of a key or certificate), never a secret, nor
//! the path given for a secret, nor a variable name that does not read as one (a
//! secret pasted there by mistake must not end up in a log).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use s2s_oauth::error::KeyError;
use s2s_oauth::exchange::TokenSource;
use s2s_oauth::tls::AgentTls;
use s2s_oauth::{Algorithm, Certificate, SigningKey};
use zeroize::Zeroizing;

use crate::args::{Options, Source};
use crate::exit::Failure;

/// The most read from any file the flags name: keys, certificates and secrets are
/// a few KiB; this stops `--key /dev/zero` from filling memory.
const MAX_FILE: u64 = 1024 * 1024;

/// A secret from `--NAME-file` or `--NAME-env` (`name` without the suffix). A
/// file's single trailing newline (`\n` or `\r\n`) is dropped, nothing else; an
/// empty secret is refused.
pub(crate) fn secret(source: &Source, name: &str) -> Result<String, Failure> {
    let value = match source {
        Source::File(path) => {
            let flag = format!("--{name}-file");
            let bytes = read_limited(path).map_err(|e| {
                Failure::usage(format!("cannot read the file given to {flag}: {e}"))
            })?;
            // The file's whole text is wiped once the secret is copied out of it.
            let text = Zeroizing::new(String::from_utf8(bytes).map_err(|_| {
                Failure::usage(format!("the file given to {flag} is not UTF-8 text"))
            })?);
            let value = without_trailing_newline(&text).to_owned();
            if value.is_empty() {
                return Err(Failure::usage(format!("the file given to {flag} is empty")));
            }
            value
        }
        Source::Env(var) => {
            let flag = format!("--{name}-env");
            let Some(value) = std::env::var_os(var) else {
                let named = match var.to_str().filter(|v| is_variable_name(v)) {
                    Some(var) => format!("the environment variable {var} (named by {flag})"),
                    None => format!("the environment variable named by {flag}"),
                };
                return Err(Failure::usage(format!(
                    "{named} is not set; export it in the job's environment (a crontab line sets it with NAME=value on a line of its own)"
                )));
            };
            let value = value.into_string().map_err(|_| {
                Failure::usage(format!(
                    "the environment variable named by {flag} is not valid UTF-8"
                ))
            })?;
            if value.is_empty() {
                return Err(Failure::usage(format!(
                    "the environment variable named by {flag} is empty"
                )));
            }
            value
        }
    };
    Ok(value)
}

/// A token source for `--NAME-file` or `--NAME-env`, read now once to check it
/// (with [`secret`]'s messages, which never show the path or a value) and read
/// again by the library when the request is built.
pub(crate) fn token_source(source: &Source, name: &str) -> Result<TokenSource, Failure> {
    drop(Zeroizing::new(secret(source, name)?));
    Ok(match source {
        Source::File(path) => TokenSource::file(path),
        Source::Env(var) => {
            let var = var.to_str().ok_or_else(|| {
                Failure::usage(format!(
                    "the variable name given to --{name}-env is not UTF-8"
                ))
            })?;
            TokenSource::env(var)
        }
    })
}

/// Whether `var` reads as a conventional variable name (`CLIENT_SECRET`,
/// `TOKEN`), safe to show: upper-case letters, digits and `_`, not starting with a
/// digit, at most 64 characters, and with a `_` or no digit at all. A secret pasted
/// in place of the name (a hex consumer secret, a token) fails this and is not
/// echoed.
fn is_variable_name(var: &str) -> bool {
    let allowed = var
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    let starts_well = var.bytes().next().is_some_and(|b| !b.is_ascii_digit());
    let wordy = var.contains('_') || !var.bytes().any(|b| b.is_ascii_digit());
    allowed && starts_well && wordy && var.len() <= 64
}

/// Drops one trailing `\n` or `\r\n`.
fn without_trailing_newline(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

/// A PEM private key from `--flag FILE`, bound to `alg` when one is given.
pub(crate) fn signing_key(
    path: &Path,
    flag: &str,
    alg: Option<Algorithm>,
) -> Result<SigningKey, Failure> {
    let context = format!("{flag} {}", path.display());
    // The PEM text of a private key is wiped when dropped.
    let pem = Zeroizing::new(read_file(path, &context)?);
    let key = SigningKey::from_pem(&pem[..]).map_err(|e| match e {
        // The library's wording names its Rust API; say it in flags.
        KeyError::CertificateNotKey => Failure::usage(format!(
            "{context}: a certificate was given where a private key was expected; pass the PEM private key file to {flag}{}",
            if flag == "--key" {
                " (saml-bearer and sign-saml take the certificate with --cert)"
            } else {
                ""
            }
        )),
        e => Failure::library(&context, e),
    })?;
    match alg {
        Some(alg) => key
            .with_algorithm(alg)
            .map_err(|e| Failure::library(context, e)),
        None => Ok(key),
    }
}

/// A PEM certificate from `--flag FILE`.
pub(crate) fn certificate(path: &Path, flag: &str) -> Result<Certificate, Failure> {
    let context = format!("{flag} {}", path.display());
    let pem = read_file(path, &context)?;
    Certificate::from_pem(pem).map_err(|e| Failure::library(context, e))
}

pub(crate) fn read_file(path: &Path, context: &str) -> Result<Vec<u8>, Failure> {
    read_limited(path).map_err(|e| Failure::usage(format!("{context}: cannot read it: {e}")))
}

/// Reads at most [`MAX_FILE`] bytes; a longer file is an error.
pub(crate) fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = File::open(path)?;
    // Sized from the file up front: a buffer that grows while reading would free
    // partial copies of the key or secret on the way, beyond the reach of zeroize.
    let expected = file.metadata().map_or(0, |m| m.len().min(MAX_FILE + 1));
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0) + 1);
    file.take(MAX_FILE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(std::io::Error::other(
            "larger than 1 MiB, not a key or secret",
        ));
    }
    Ok(bytes)
}

/// The agent the tool sends with: the library's safe defaults, with the CAs of
/// `--ca-file` trusted next to the built-in roots and the client certificate of
/// `--client-cert` / `--client-cert-key` presented (RFC 8705), when given. Bad
/// files are exit 2: nothing was sent.
pub(crate) fn agent(options: &Options) -> Result<s2s_oauth::ureq::Agent, Failure> {
    let tls = tls_settings(options)?;
    Ok(match tls {
        Some(tls) => tls.agent(),
        None => s2s_oauth::agent(),
    })
}

/// The `x5t#S256` of the `--client-cert` leaf; `None` without the flag. A
/// certificate-bound token (RFC 8705 §3) is good only with the certificate it was
/// issued to, so the token cache tells certificates apart by it.
pub(crate) fn client_cert_thumbprint(options: &Options) -> Result<Option<String>, Failure> {
    let Some(path) = &options.client_cert else {
        return Ok(None);
    };
    let context = format!("--client-cert {}", path.display());
    // The chain file may hold the key too.
    let pem = Zeroizing::new(read_file(path, &context)?);
    let chain = Certificate::all_from_pem(&pem[..]).map_err(|e| Failure::library(context, e))?;
    Ok(chain.first().map(Certificate::x5t_s256))
}

/// [`agent`]'s TLS settings, `None` for the defaults.
fn tls_settings(options: &Options) -> Result<Option<AgentTls>, Failure> {
    if options.ca_file.is_none()
        && options.client_cert.is_none()
        && options.client_cert_key.is_none()
    {
        return Ok(None);
    }
    let mut tls = AgentTls::new();
    if let Some(path) = &options.ca_file {
        let context = format!("--ca-file {}", path.display());
        let pem = read_file(path, &context)?;
        tls = tls
            .with_ca_pem(pem)
            .map_err(|e| Failure::library(context, e))?;
    }
    match (&options.client_cert, &options.client_cert_key) {
        (Some(cert), Some(key)) => {
            let context = format!(
                "--client-cert {} --client-cert-key {}",
                cert.display(),
                key.display()
            );
            // Wiped too: the chain file may hold the key as well.
            let chain = Zeroizing::new(read_file(
                cert,
                &format!("--client-cert {}", cert.display()),
            )?);
            let key = Zeroizing::new(read_file(
                key,
                &format!("--client-cert-key {}", key.display()),
            )?);
            tls = tls
                .with_client_cert_pem(&chain[..], &key[..])
                .map_err(|e| Failure::library(context, e))?;
        }
        (Some(_), None) => {
            return Err(Failure::usage(
                "--client-cert needs --client-cert-key FILE (the certificate's PEM private key)",
            ));
        }
        (None, Some(_)) => {
            return Err(Failure::usage(
                "--client-cert-key needs --client-cert FILE (the PEM certificate chain, leaf first)",
            ));
        }
        (None, None) => {}
    }
    Ok(Some(tls))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_trailing_newline_is_dropped() {
        assert_eq!(without_trailing_newline("s3cr3t\n"), "s3cr3t");
        assert_eq!(without_trailing_newline("s3cr3t\r\n"), "s3cr3t");
        assert_eq!(without_trailing_newline("s3cr3t\n\n"), "s3cr3t\n");
        assert_eq!(without_trailing_newline(" s3cr3t \r"), " s3cr3t \r");
        assert_eq!(without_trailing_newline("s3cr3t"), "s3cr3t");
        assert_eq!(without_trailing_newline("\n"), "");
    }

    #[test]
    fn only_conventional_variable_names_are_shown() {
        for shown in ["CLIENT_SECRET", "SF_REFRESH_TOKEN_2", "TOKEN", "_X"] {
            assert!(is_variable_name(shown), "{shown}");
        }
        for hidden in [
            "8C1F5E0D2A9B4C7E",
            "C1F5E0D2A9B4C7E8",
            "HUNTER2-canary",
            "client_secret",
            "s3cr3t with space",
            "",
            &"A_".repeat(40),
        ] {
            assert!(!is_variable_name(hidden), "{hidden}");
        }
    }

    #[test]
    fn oversized_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("s2s-oauth-inputs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.pem");
        std::fs::write(&big, vec![b'A'; (MAX_FILE + 1) as usize]).unwrap();
        let failure = signing_key(&big, "--key", None).unwrap_err();
        assert!(
            failure.to_string().contains("larger than 1 MiB"),
            "{failure}"
        );
        let secret_failure = secret(&Source::File(big.clone()), "client-secret").unwrap_err();
        assert!(!secret_failure.to_string().contains("big.pem"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
