//! Robustness of every key and certificate loader: each fixture in tests/data/keys,
//! truncated at every length and mutated at random (bounded, with a fixed seed), is
//! fed to every loader, as PEM and as DER. A loader may refuse, never panic.

mod common;

use base64ct::{Base64, Encoding};
use common::Rng;
use s2s_oauth::{Certificate, SigningKey, VerifyingKey};

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = format!("{}/tests/data/keys", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "pem" || e == "der"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    out.sort();
    assert!(out.len() >= 15, "fixtures missing: {}", out.len());
    out
}

fn pem_of(label: &str, der: &[u8]) -> Vec<u8> {
    let b64 = Base64::encode_string(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out.into_bytes()
}

/// Every loader on `input`; the results are dropped, only panics matter.
fn load_all(input: &[u8]) {
    let _ = SigningKey::from_pem(input);
    let _ = SigningKey::from_der(input);
    let _ = SigningKey::from_rsa_pem(input);
    let _ = SigningKey::from_rsa_der(input);
    let _ = VerifyingKey::from_pem(input);
    let _ = VerifyingKey::from_spki_der(input);
    let _ = Certificate::from_pem(input);
    if let Ok(cert) = Certificate::from_der(input.to_vec()) {
        let _ = cert.verifying_key();
        let _ = cert.x5t();
    }
}

fn check(what: &str, input: &[u8]) {
    if std::panic::catch_unwind(|| load_all(input)).is_err() {
        panic!("a loader panicked on {what}: {input:02x?}");
    }
}

fn mutate(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len());
        match rng.below(5) {
            0 if !bytes.is_empty() => bytes[at] ^= 1 << rng.below(8),
            1 if !bytes.is_empty() => bytes[at] = rng.next() as u8,
            2 => bytes.insert(at, rng.next() as u8),
            3 if !bytes.is_empty() => {
                bytes.remove(at);
            }
            _ if !bytes.is_empty() => bytes[at] = [0x00, 0x80, 0x81, 0x84, 0xff][rng.below(5)],
            _ => {}
        }
    }
    bytes
}

/// Where to cut an input of `len` bytes: every point near both ends (headers,
/// lengths, trailing fields) and about 300 in between, to keep the run short.
fn cut_points(len: usize) -> impl Iterator<Item = usize> {
    let step = (len / 300).max(1);
    (0..len).filter(move |&i| i < 64 || i + 64 >= len || i % step == 0)
}

#[test]
fn truncated_key_files_never_panic() {
    for (name, pem) in fixtures() {
        let der = if name.ends_with(".der") {
            pem.clone()
        } else {
            common::der_of_pem(&pem).unwrap()
        };
        for len in cut_points(der.len()) {
            check(&format!("{name} DER cut at {len}"), &der[..len]);
            check(
                &format!("{name} DER cut at {len} in PEM"),
                &pem_of("PRIVATE KEY", &der[..len]),
            );
        }
        for len in cut_points(pem.len()) {
            check(&format!("{name} PEM cut at {len}"), &pem[..len]);
        }
    }
}

#[test]
fn mutated_key_files_never_panic() {
    let mut rng = Rng(0x5eed_2026_1129_0001);
    let labels = [
        "PRIVATE KEY",
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
        "PUBLIC KEY",
        "RSA PUBLIC KEY",
        "CERTIFICATE",
    ];
    for (name, pem) in fixtures() {
        let der = if name.ends_with(".der") {
            pem.clone()
        } else {
            common::der_of_pem(&pem).unwrap()
        };
        for round in 0..120 {
            let mutated = mutate(&mut rng, &der);
            check(&format!("{name} DER mutation {round}"), &mutated);
            let label = labels[rng.below(labels.len())];
            check(
                &format!("{name} DER mutation {round} as {label}"),
                &pem_of(label, &mutated),
            );
            check(
                &format!("{name} PEM mutation {round}"),
                &mutate(&mut rng, &pem),
            );
        }
    }
}

#[test]
fn adversarial_inputs_never_panic() {
    let huge_len = [0x30, 0x84, 0xff, 0xff, 0xff, 0xff];
    let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 10_000)
        .flatten()
        .collect();
    let mut nested = Vec::new();
    for _ in 0..2_000 {
        let mut outer = vec![0x30, 0x82];
        outer.extend_from_slice(&(nested.len() as u16).to_be_bytes());
        outer.extend_from_slice(&nested);
        nested = outer;
        if nested.len() > 60_000 {
            break;
        }
    }
    let inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        vec![0],
        vec![0xff; 4096],
        huge_len.to_vec(),
        deep,
        nested,
        b"-----BEGIN PRIVATE KEY-----".to_vec(),
        b"-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n".to_vec(),
        b"-----BEGIN RSA PUBLIC KEY-----\n\xff\xfe\n-----END RSA PUBLIC KEY-----\n".to_vec(),
        b"-----BEGIN RSA PUBLIC KEY-----\nAAAA".to_vec(),
        b"-----BEGIN \x00\x01\x02-----\nAAAA\n-----END \x00\x01\x02-----\n".to_vec(),
        "-----BEGIN PRIVATE KEY-----\né日本\n-----END PRIVATE KEY-----\n"
            .as_bytes()
            .to_vec(),
    ];
    for (i, input) in inputs.iter().enumerate() {
        check(&format!("adversarial input {i}"), input);
        for label in ["PRIVATE KEY", "PUBLIC KEY", "CERTIFICATE", "EC PRIVATE KEY"] {
            check(
                &format!("adversarial input {i} as {label}"),
                &pem_of(label, input),
            );
        }
    }
}

/// The start and end of each top-level INTEGER in a DER SEQUENCE (short and
/// one- or two-byte long lengths only: enough for an RSAPrivateKey).
fn integers(der: &[u8]) -> Vec<(usize, usize)> {
    let length = |at: usize| -> (usize, usize) {
        match der[at] {
            0x81 => (der[at + 1] as usize, 2),
            0x82 => (u16::from_be_bytes([der[at + 1], der[at + 2]]) as usize, 3),
            short => (short as usize, 1),
        }
    };
    let (_, header) = length(1);
    let mut at = 1 + header;
    let mut out = Vec::new();
    while at < der.len() {
        assert_eq!(der[at], 0x02, "an INTEGER at {at}");
        let (len, header) = length(at + 1);
        let start = at + 1 + header;
        out.push((start, start + len));
        at = start + len;
    }
    out
}

/// Found by the `keys` fuzz target: ring accepts an RSA key whose CRT exponent
/// (exponent1, dP) does not match its primes, and then every signature fails with
/// an opaque error. The loader must refuse such a file and say it is damaged.
#[test]
fn an_rsa_key_with_a_damaged_crt_value_is_refused_at_load() {
    let pem = std::fs::read(format!(
        "{}/tests/data/keys/rsa2048.pkcs1.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut der = common::der_of_pem(&pem).unwrap();
    // RSAPrivateKey: version, modulus, publicExponent, privateExponent, prime1,
    // prime2, exponent1, exponent2, coefficient (RFC 8017 Appendix A.1.2).
    let fields = integers(&der);
    assert_eq!(fields.len(), 9);
    let (_, exponent1_end) = fields[6];
    der[exponent1_end - 1] ^= 0x02;
    for loaded in [
        SigningKey::from_der(&der),
        SigningKey::from_pem(pem_of("RSA PRIVATE KEY", &der)),
    ] {
        match loaded {
            Err(s2s_oauth::error::KeyError::Malformed(why)) => {
                assert!(why.contains("damaged"), "{why}");
            }
            Err(other) => panic!("refused for another reason: {other}"),
            Ok(key) => panic!(
                "a key that cannot sign was loaded: {:?}",
                key.sign(b"m", &ring::rand::SystemRandom::new())
            ),
        }
    }
    // The regression file the fuzzer found is refused too.
    let found = std::fs::read(format!(
        "{}/fuzz/regressions/keys/rsa-pkcs1-bad-crt.der",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert!(SigningKey::from_der(&found).is_err());
}
