//! Keys and certificates from files: reading one (its bytes wiped when dropped), and
//! telling a file path handed over in place of the file's contents.

use std::path::Path;

use zeroize::Zeroizing;

use super::KeyError;

/// The most bytes of a key or certificate file read: PEM files are a few KiB; a
/// larger file is not one (and is not read into memory whole).
const MAX_FILE_LEN: u64 = 1 << 20;

/// The file's bytes, wiped when dropped (it may hold a private key). A file that
/// cannot be read is [`KeyError::ReadFile`], naming the path.
pub(crate) fn read(path: &Path) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    use std::io::Read as _;

    let refused = |kind| KeyError::ReadFile {
        path: path.display().to_string().into(),
        kind,
    };
    let file = std::fs::File::open(path).map_err(|e| refused(e.kind()))?;
    // Sized up front: a buffer that grew while reading would free partial copies
    // of the key on the way, beyond the reach of the wipe.
    // A pipe or device reports no length: then the most that will be read.
    let expected = match file.metadata() {
        Ok(m) if m.is_file() && m.len() > 0 => m.len().min(MAX_FILE_LEN + 1),
        _ => MAX_FILE_LEN + 1,
    };
    let mut bytes = Zeroizing::new(Vec::with_capacity(
        usize::try_from(expected).unwrap_or(0) + 1,
    ));
    file.take(MAX_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refused(e.kind()))?;
    if bytes.len() as u64 > MAX_FILE_LEN {
        return Err(refused(std::io::ErrorKind::FileTooLarge));
    }
    Ok(bytes)
}

/// Whether `input`, which has no PEM armor, reads as a file name or path rather
/// than a key: one short line of printable text (not JSON, not a run of base64
/// that could be an unarmored key) that ends in a key or certificate extension
/// (`.pem`, `.key`, `.crt`, `.cer`, `.der`, `.p8`) or holds a path separator.
pub(super) fn looks_like_path(input: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(input) else {
        return false;
    };
    let text = text.trim();
    if text.is_empty() || text.len() > 1024 || text.chars().any(char::is_control) {
        return false;
    }
    let base64_only = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_'));
    let rooted = text.starts_with(['/', '.', '~']);
    if text.starts_with('{') || (base64_only && !rooted && text.len() > 64) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let extension = [".pem", ".key", ".crt", ".cer", ".der", ".p8"]
        .iter()
        .any(|ext| lower.ends_with(ext));
    extension || text.contains(['/', '\\'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_not_paths() {
        for path in [
            "server.key",
            "server.KEY",
            " keys/server.pem\n",
            "/etc/ssl/private/app.crt",
            "C:\\keys\\client.p8",
            "./key",
        ] {
            assert!(looks_like_path(path.as_bytes()), "{path:?}");
        }
        for not in [
            "",
            "server",
            "key material",
            "line one\nline two.pem",
            "-----BEGIN PRIVATE KEY-----",
        ] {
            assert!(!looks_like_path(not.as_bytes()), "{not:?}");
        }
        assert!(!looks_like_path(&[0x30, 0x82, 0x01, 0x0a, b'/']));
        // One-line base64 (an unarmored key) and one-line JSON hold a `/` too.
        let base64 = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7/x+y".repeat(3);
        assert!(!looks_like_path(base64.as_bytes()));
        assert!(!looks_like_path(br#"{"type":"service_account","x":"a/b"}"#));
        // A long path with no extension is still a path.
        assert!(looks_like_path(
            b"/var/lib/svc/credentials/salesforce_jwt_signing_key_production_x"
        ));
    }
}
