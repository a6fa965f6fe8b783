//! The key and certificate fixtures of `tests/data/keys/`, for the benches.

/// The text of `tests/data/keys/{name}`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The DER inside the first PEM block.
pub fn der(name: &str) -> Vec<u8> {
    use base64ct::{Base64, Encoding};
    let pem = fixture(name);
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    Base64::decode_vec(&b64).unwrap()
}
