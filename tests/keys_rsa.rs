//! `SigningKey::from_rsa_pem` / `from_rsa_der`: the RSA-only loaders load the same
//! RSA keys as `from_pem` / `from_der`, refuse every other private key as
//! `KeyError::NotRsa` naming its type, and refuse what is no usable key with the
//! same error as the loaders for every key type. Fixtures: tests/data/keys.

use ring::rand::SystemRandom;
use s2s_oauth::error::KeyError;
use s2s_oauth::{Algorithm, Error, KeyType, SigningKey};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn rsa_keys_load_as_from_pem_loads_them() {
    let rng = SystemRandom::new();
    for file in ["rsa2048.pkcs8.pem", "rsa2048.pkcs1.pem"] {
        let pem = fixture(file);
        let rsa = SigningKey::from_rsa_pem(&pem).unwrap_or_else(|e| panic!("{file}: {e}"));
        let any = SigningKey::from_pem(&pem).unwrap();
        assert_eq!(rsa.key_type(), KeyType::Rsa { bits: 2048 }, "{file}");
        assert_eq!(rsa.algorithm(), Algorithm::RS256, "{file}");
        assert_eq!(rsa.public_jwk(), any.public_jwk(), "{file}");
        // The same key: a signature by one verifies with the other's public half.
        let signature = rsa.sign(b"message", &rng).unwrap();
        any.verifying_key()
            .verify(Algorithm::RS256, b"message", &signature)
            .unwrap();
        // Another RSA algorithm can be chosen, as with from_pem.
        assert_eq!(
            rsa.with_algorithm(Algorithm::PS256).unwrap().algorithm(),
            Algorithm::PS256
        );
    }
    let der = fixture("rsa2048.pkcs8.der");
    assert_eq!(
        SigningKey::from_rsa_der(&der).unwrap().public_jwk(),
        SigningKey::from_der(&der).unwrap().public_jwk()
    );
    // A certificate before the key, as in a bundle: the key is found.
    let mut bundle = fixture("rsa2048.cert.pem");
    bundle.extend_from_slice(&fixture("rsa2048.pkcs8.pem"));
    assert!(SigningKey::from_rsa_pem(bundle).is_ok());
}

#[test]
fn other_private_keys_are_refused_naming_their_type() {
    let cases = [
        ("p256.pkcs8.pem", KeyType::EcP256),
        ("p256.sec1.pem", KeyType::EcP256),
        ("p384.pkcs8.pem", KeyType::EcP384),
        ("ed25519.pkcs8.pem", KeyType::Ed25519),
    ];
    for (file, key_type) in cases {
        let pem = fixture(file);
        assert_eq!(
            SigningKey::from_rsa_pem(&pem).unwrap_err(),
            KeyError::NotRsa(key_type),
            "{file}"
        );
        // ... which from_pem loads.
        assert_eq!(SigningKey::from_pem(&pem).unwrap().key_type(), key_type);
    }
    assert_eq!(
        SigningKey::from_rsa_der(&fixture("p256.sec1.der")).unwrap_err(),
        KeyError::NotRsa(KeyType::EcP256)
    );
    // Keys as ring writes them (PKCS#8 v2).
    let rng = SystemRandom::new();
    let ed25519 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    assert_eq!(
        SigningKey::from_rsa_der(ed25519.as_ref()).unwrap_err(),
        KeyError::NotRsa(KeyType::Ed25519)
    );
    let p384 = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        &rng,
    )
    .unwrap();
    assert_eq!(
        SigningKey::from_rsa_der(p384.as_ref()).unwrap_err(),
        KeyError::NotRsa(KeyType::EcP384)
    );
}

#[test]
fn what_is_no_usable_key_gets_the_same_error_as_from_pem() {
    let cases: [(&str, Vec<u8>, KeyError); 10] = [
        ("empty", Vec::new(), KeyError::Empty),
        (
            "garbage",
            b"not a key at all".to_vec(),
            KeyError::Unrecognized,
        ),
        (
            "a path",
            b"keys/server.key".to_vec(),
            KeyError::LooksLikePath,
        ),
        (
            "bad base64",
            b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n".to_vec(),
            KeyError::BadPem,
        ),
        (
            "encrypted PKCS#8",
            fixture("rsa2048.encrypted.pem"),
            KeyError::Encrypted,
        ),
        (
            "certificate",
            fixture("rsa2048.cert.pem"),
            KeyError::CertificateNotKey,
        ),
        (
            "SPKI public key",
            fixture("rsa2048.pub.pem"),
            KeyError::PublicKeyNotPrivate,
        ),
        (
            "PKCS#1 public key",
            fixture("rsa2048.pkcs1.pub.pem"),
            KeyError::PublicKeyNotPrivate,
        ),
        (
            "RSA-1024",
            fixture("rsa1024.pkcs8.pem"),
            KeyError::RsaTooSmall { bits: 1024 },
        ),
        // A SEC1 key that from_pem could not load either: its own error, not NotRsa.
        (
            "SEC1 without public key",
            fixture("p256.sec1-nopub.pem"),
            KeyError::MissingPublicKey,
        ),
    ];
    for (what, input, expected) in cases {
        assert_eq!(
            SigningKey::from_pem(&input).unwrap_err(),
            expected,
            "{what}: from_pem"
        );
        assert_eq!(
            SigningKey::from_rsa_pem(&input).unwrap_err(),
            expected,
            "{what}"
        );
    }
    for file in ["secp256k1.pkcs8.pem", "rsa6144.pkcs8.pem"] {
        let input = fixture(file);
        assert_eq!(
            SigningKey::from_rsa_pem(&input).unwrap_err(),
            SigningKey::from_pem(&input).unwrap_err(),
            "{file}"
        );
        assert!(matches!(
            SigningKey::from_rsa_pem(&input),
            Err(KeyError::Unsupported(_))
        ));
    }
}

#[test]
fn the_refusal_says_what_the_key_is_and_what_to_do() {
    let message = Error::from(KeyError::NotRsa(KeyType::EcP256)).to_string();
    // Both RSA-only loaders give it: it names each, and the loader for each form.
    for part in [
        "EC P-256",
        "not RSA",
        "from_rsa_pem",
        "from_rsa_der",
        "SigningKey::from_pem",
        "from_der",
    ] {
        assert!(message.contains(part), "{part:?} in {message}");
    }
    let error = SigningKey::from_rsa_pem(fixture("ed25519.pkcs8.pem")).unwrap_err();
    assert!(error.to_string().contains("Ed25519"), "{error}");
}
