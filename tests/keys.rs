//! Key, public key and certificate loading.

use s2s_oauth::{Algorithm, KeyType, SigningKey};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn smoke() {
    for (f, kt, alg) in [
        (
            "rsa2048.pkcs8.pem",
            KeyType::Rsa { bits: 2048 },
            Algorithm::RS256,
        ),
        (
            "rsa2048.pkcs1.pem",
            KeyType::Rsa { bits: 2048 },
            Algorithm::RS256,
        ),
        ("p256.pkcs8.pem", KeyType::EcP256, Algorithm::ES256),
        ("p256.sec1.pem", KeyType::EcP256, Algorithm::ES256),
        ("p384.pkcs8.pem", KeyType::EcP384, Algorithm::ES384),
        ("ed25519.pkcs8.pem", KeyType::Ed25519, Algorithm::EdDSA),
    ] {
        let k = SigningKey::from_pem(fixture(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(k.key_type(), kt);
        assert_eq!(k.algorithm(), alg);
        let rng = ring::rand::SystemRandom::new();
        let sig = k.sign(b"hi", &rng).unwrap();
        k.verifying_key().verify(alg, b"hi", &sig).unwrap();
    }
    for f in [
        "rsa1024.pkcs8.pem",
        "p256.sec1-nopub.pem",
        "secp256k1.pkcs8.pem",
        "rsa2048.encrypted.pem",
        "rsa2048.cert.pem",
        "rsa2048.pub.pem",
        "rsa2048.pkcs1.pub.pem",
    ] {
        println!("{f}: {:?}", SigningKey::from_pem(fixture(f)).unwrap_err());
    }
}
