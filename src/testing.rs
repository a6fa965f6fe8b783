//! What the crate's unit tests share.

/// A fixed pseudo-random sequence (xorshift64 from `seed`) for generated test
/// inputs: each call with `n` gives a number in `0..n` (`n` > 0), the same
/// numbers on every run.
pub(crate) fn below(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |n| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % n as u64).unwrap_or(0)
    }
}

/// Every file of the XML fuzz targets' corpora (`fuzz/corpus/saml_verify`,
/// `fuzz/corpus/saml_canonicalize`) as text (invalid UTF-8 replaced); panics
/// if they are not there, so a test over them cannot pass over nothing.
pub(crate) fn xml_fuzz_corpora() -> Vec<String> {
    let mut texts = Vec::new();
    for target in ["saml_verify", "saml_canonicalize"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                texts.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    assert!(texts.len() > 100, "the fuzz corpora were not found");
    texts
}
