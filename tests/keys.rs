//! Loading private keys, public keys and certificates: every supported format, every
//! refused input with its exact error, algorithm binding and certificate thumbprints.
//! Fixtures: tests/data/keys (see its README for how they were made).

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use ring::rand::SystemRandom;
use s2s_oauth::error::KeyError;
use s2s_oauth::{Algorithm, Certificate, Error, KeyType, SigningKey, VerifyingKey};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Decodes the first PEM block by hand (independently of the crate).
fn pem_body(pem: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(pem).unwrap();
    let b64: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    Base64::decode_vec(&b64).unwrap()
}

fn key_error<E: Into<Error>>(result: Result<impl std::fmt::Debug, E>) -> KeyError {
    match result.map_err(Into::into) {
        Err(Error::Key(e)) => e,
        other => panic!("expected a key error, got {other:?}"),
    }
}

const RSA2048: KeyType = KeyType::Rsa { bits: 2048 };

#[test]
fn every_private_key_format_loads_with_its_type_and_default_algorithm() {
    let cases = [
        ("rsa2048.pkcs8.pem", RSA2048, Algorithm::RS256),
        ("rsa2048.pkcs1.pem", RSA2048, Algorithm::RS256),
        ("p256.pkcs8.pem", KeyType::EcP256, Algorithm::ES256),
        ("p256.sec1.pem", KeyType::EcP256, Algorithm::ES256),
        ("p384.pkcs8.pem", KeyType::EcP384, Algorithm::ES384),
        ("ed25519.pkcs8.pem", KeyType::Ed25519, Algorithm::EdDSA),
    ];
    let rng = SystemRandom::new();
    for (file, key_type, algorithm) in cases {
        let pem = fixture(file);
        let key = SigningKey::from_pem(&pem).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(key.key_type(), key_type, "{file}");
        assert_eq!(key.algorithm(), algorithm, "{file}");
        // The same key from DER, decoded independently.
        let from_der = SigningKey::from_der(&pem_body(&pem)).unwrap();
        assert_eq!(from_der.key_type(), key_type, "{file} as DER");
        // It signs, and its own public half verifies; a changed message does not.
        let sig = key.sign(b"message", &rng).unwrap();
        let public = key.verifying_key();
        assert_eq!(public.key_type(), key_type);
        public.verify(algorithm, b"message", &sig).unwrap();
        assert!(matches!(
            public.verify(algorithm, b"messagE", &sig),
            Err(KeyError::BadSignature)
        ));
    }
}

#[test]
fn der_file_and_ring_generated_keys_load() {
    let key = SigningKey::from_der(&fixture("rsa2048.pkcs8.der")).unwrap();
    assert_eq!(key.key_type(), RSA2048);
    let rng = SystemRandom::new();
    // PKCS#8 v2 (with public key), as ring writes it.
    let v2 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    assert_eq!(
        SigningKey::from_der(v2.as_ref()).unwrap().key_type(),
        KeyType::Ed25519
    );
    let p384 = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        &rng,
    )
    .unwrap();
    assert_eq!(
        SigningKey::from_der(p384.as_ref()).unwrap().key_type(),
        KeyType::EcP384
    );
}

#[test]
fn a_pem_file_with_a_certificate_before_the_key_loads_the_key() {
    let mut bundle = fixture("rsa2048.cert.pem");
    bundle.extend_from_slice(&fixture("rsa2048.pkcs8.pem"));
    assert_eq!(SigningKey::from_pem(bundle).unwrap().key_type(), RSA2048);
}

#[test]
fn every_bad_private_key_input_has_its_own_error() {
    let cases: [(&str, Vec<u8>, KeyError); 13] = [
        ("empty", Vec::new(), KeyError::Empty),
        ("blank", b" \n\t".to_vec(), KeyError::Empty),
        ("garbage", b"not a key at all".to_vec(), KeyError::Unrecognized),
        (
            "bad base64",
            b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n".to_vec(),
            KeyError::BadPem,
        ),
        (
            "no END line",
            b"-----BEGIN PRIVATE KEY-----\nMIIB\n".to_vec(),
            KeyError::BadPem,
        ),
        (
            "unknown label only",
            b"-----BEGIN DSA PARAMETERS-----\nMAA=\n-----END DSA PARAMETERS-----\n".to_vec(),
            KeyError::Unrecognized,
        ),
        ("encrypted PKCS#8", fixture("rsa2048.encrypted.pem"), KeyError::Encrypted),
        (
            "legacy encrypted PKCS#1",
            b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n".to_vec(),
            KeyError::Encrypted,
        ),
        ("certificate", fixture("rsa2048.cert.pem"), KeyError::CertificateNotKey),
        ("SPKI public key", fixture("p256.pub.pem"), KeyError::PublicKeyNotPrivate),
        ("PKCS#1 public key", fixture("rsa2048.pkcs1.pub.pem"), KeyError::PublicKeyNotPrivate),
        ("RSA-1024", fixture("rsa1024.pkcs8.pem"), KeyError::RsaTooSmall { bits: 1024 }),
        ("SEC1 without public key", fixture("p256.sec1-nopub.pem"), KeyError::MissingPublicKey),
    ];
    for (what, input, expected) in cases {
        assert_eq!(key_error(SigningKey::from_pem(&input)), expected, "{what}");
    }
    assert!(matches!(
        key_error(SigningKey::from_pem(fixture("secp256k1.pkcs8.pem"))),
        KeyError::Unsupported(what) if what.contains("secp256k1")
    ));
    assert!(matches!(
        key_error(SigningKey::from_pem(fixture("rsa6144.pkcs8.pem"))),
        KeyError::Unsupported(what) if what.contains("4096")
    ));
    // ... while its public key verifies (ring verifies up to 8192 bits).
    assert_eq!(
        VerifyingKey::from_pem(fixture("rsa6144.pub.pem"))
            .unwrap()
            .key_type(),
        KeyType::Rsa { bits: 6144 }
    );
    // The RSA-1024 message carries the size and says what to do.
    let message = Error::from(KeyError::RsaTooSmall { bits: 1024 }).to_string();
    assert!(
        message.contains("1024 bits") && message.contains("2048"),
        "{message}"
    );
}

#[test]
fn der_input_is_classified_by_structure() {
    let der = |name: &str| pem_body(&fixture(name));
    assert_eq!(
        key_error(SigningKey::from_der(&der("rsa2048.cert.pem"))),
        KeyError::CertificateNotKey
    );
    assert_eq!(
        key_error(SigningKey::from_der(&der("ed25519.pub.pem"))),
        KeyError::PublicKeyNotPrivate
    );
    assert_eq!(
        key_error(SigningKey::from_der(&der("rsa2048.pkcs1.pub.pem"))),
        KeyError::PublicKeyNotPrivate
    );
    assert_eq!(
        key_error(SigningKey::from_der(&der("rsa2048.encrypted.pem"))),
        KeyError::Encrypted
    );
    assert_eq!(
        key_error(SigningKey::from_der(&der("rsa1024.pkcs8.pem"))),
        KeyError::RsaTooSmall { bits: 1024 }
    );
    assert_eq!(key_error(SigningKey::from_der(&[])), KeyError::Empty);
    assert_eq!(
        key_error(SigningKey::from_der(b"\x04\x02ab")),
        KeyError::Unrecognized
    );
    // A truncated key is malformed, not a panic.
    let full = der("rsa2048.pkcs8.pem");
    for cut in [1, 2, 10, full.len() / 2, full.len() - 1] {
        assert!(SigningKey::from_der(&full[..cut]).is_err(), "cut at {cut}");
    }
    // PKCS#8 rsaEncryption whose private key is not an RSAPrivateKey.
    let not_rsa = [
        0x30, 0x16, 0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
        0x01, 0x01, 0x01, 0x05, 0x00, 0x04, 0x02, 0x05, 0x00,
    ];
    assert_eq!(
        key_error(SigningKey::from_der(&not_rsa)),
        KeyError::Malformed("RSA private key")
    );
    // A PKCS#8 with an unknown algorithm OID (1.2.3.4).
    let unknown = [
        0x30, 0x10, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x04, 0x04, 0x30,
        0x02, 0x05, 0x00,
    ];
    assert_eq!(
        key_error(SigningKey::from_der(&unknown)),
        KeyError::Unsupported("an unknown key algorithm")
    );
}

#[test]
fn algorithms_are_bound_to_the_key_type() {
    let rsa = SigningKey::from_pem(fixture("rsa2048.pkcs8.pem")).unwrap();
    let rng = SystemRandom::new();
    for alg in [
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
    ] {
        let key = rsa.clone().with_algorithm(alg).unwrap();
        let sig = key.sign(b"m", &rng).unwrap();
        key.verifying_key().verify(alg, b"m", &sig).unwrap();
        // The same signature is not valid under the default algorithm.
        assert!(
            key.verifying_key()
                .verify(Algorithm::RS256, b"m", &sig)
                .is_err()
        );
    }
    let mismatch = |key: &SigningKey, alg| match key.clone().with_algorithm(alg) {
        Err(KeyError::AlgorithmMismatch { requested, key: kt }) => (requested, kt),
        other => panic!("expected a mismatch, got {other:?}"),
    };
    assert_eq!(
        mismatch(&rsa, Algorithm::ES256),
        (Algorithm::ES256, RSA2048)
    );
    let p256 = SigningKey::from_pem(fixture("p256.pkcs8.pem")).unwrap();
    assert_eq!(
        mismatch(&p256, Algorithm::ES384),
        (Algorithm::ES384, KeyType::EcP256)
    );
    assert_eq!(
        mismatch(&p256, Algorithm::RS256),
        (Algorithm::RS256, KeyType::EcP256)
    );
    let ed = SigningKey::from_pem(fixture("ed25519.pkcs8.pem")).unwrap();
    assert_eq!(
        mismatch(&ed, Algorithm::HS256),
        (Algorithm::HS256, KeyType::Ed25519)
    );
    let hmac = SigningKey::hmac(b"0123456789abcdef0123456789abcdef").unwrap();
    assert_eq!(hmac.algorithm(), Algorithm::HS256);
    assert_eq!(
        mismatch(&hmac, Algorithm::RS256),
        (Algorithm::RS256, KeyType::Hmac)
    );
    let hs512 = hmac.with_algorithm(Algorithm::HS512).unwrap();
    assert_eq!(hs512.sign(b"m", &rng).unwrap().len(), 64);
    assert_eq!(key_error(SigningKey::hmac(b"")), KeyError::EmptySecret);
    assert_eq!(key_error(VerifyingKey::hmac(b"")), KeyError::EmptySecret);
    // The message names the algorithms that would fit.
    let message = rsa
        .with_algorithm(Algorithm::EdDSA)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("RS256") && message.contains("PS512"),
        "{message}"
    );
}

#[test]
fn verifying_keys_refuse_wrong_algorithms_and_bad_signatures() {
    let rng = SystemRandom::new();
    let rsa = SigningKey::from_pem(fixture("rsa2048.pkcs8.pem")).unwrap();
    let sig = rsa.sign(b"m", &rng).unwrap();
    let public = VerifyingKey::from_pem(fixture("rsa2048.pub.pem")).unwrap();
    public.verify(Algorithm::RS256, b"m", &sig).unwrap();
    assert!(matches!(
        public.verify(Algorithm::HS256, b"m", &sig),
        Err(KeyError::AlgorithmMismatch {
            requested: Algorithm::HS256,
            ..
        })
    ));
    assert!(matches!(
        public.verify(Algorithm::ES256, b"m", &sig),
        Err(KeyError::AlgorithmMismatch {
            requested: Algorithm::ES256,
            ..
        })
    ));
    let mut bad = sig.clone();
    bad[10] ^= 1;
    assert!(matches!(
        public.verify(Algorithm::RS256, b"m", &bad),
        Err(KeyError::BadSignature)
    ));
    let hmac = VerifyingKey::hmac(b"secret").unwrap();
    let tag = SigningKey::hmac(b"secret")
        .unwrap()
        .sign(b"m", &rng)
        .unwrap();
    hmac.verify(Algorithm::HS256, b"m", &tag).unwrap();
    assert!(matches!(
        hmac.verify(Algorithm::HS384, b"m", &tag),
        Err(KeyError::BadSignature)
    ));
    assert!(matches!(
        hmac.verify(Algorithm::RS256, b"m", &tag),
        Err(KeyError::AlgorithmMismatch {
            requested: Algorithm::RS256,
            ..
        })
    ));
}

#[test]
fn public_keys_load_from_spki_pkcs1_and_certificates() {
    let rng = SystemRandom::new();
    let pairs = [
        ("rsa2048.pkcs8.pem", "rsa2048.pub.pem", RSA2048),
        ("rsa2048.pkcs8.pem", "rsa2048.pkcs1.pub.pem", RSA2048),
        ("rsa2048.pkcs8.pem", "rsa2048.cert.pem", RSA2048),
        ("p256.sec1.pem", "p256.pub.pem", KeyType::EcP256),
        ("p256.pkcs8.pem", "p256.cert.pem", KeyType::EcP256),
        ("p384.pkcs8.pem", "p384.pub.pem", KeyType::EcP384),
        ("ed25519.pkcs8.pem", "ed25519.pub.pem", KeyType::Ed25519),
    ];
    for (private, public, key_type) in pairs {
        let key = SigningKey::from_pem(fixture(private)).unwrap();
        let public_key = VerifyingKey::from_pem(fixture(public)).unwrap();
        assert_eq!(public_key.key_type(), key_type, "{public}");
        let sig = key.sign(b"m", &rng).unwrap();
        public_key.verify(key.algorithm(), b"m", &sig).unwrap();
    }
    let spki = pem_body(&fixture("p384.pub.pem"));
    assert_eq!(
        VerifyingKey::from_spki_der(&spki).unwrap().key_type(),
        KeyType::EcP384
    );
    // A signature by another key does not verify.
    let other = VerifyingKey::from_pem(fixture("other.cert.pem")).unwrap();
    let sig = SigningKey::from_pem(fixture("rsa2048.pkcs8.pem"))
        .unwrap()
        .sign(b"m", &rng)
        .unwrap();
    assert!(other.verify(Algorithm::RS256, b"m", &sig).is_err());
}

#[test]
fn bad_public_key_inputs() {
    for private in [
        "rsa2048.pkcs8.pem",
        "rsa2048.pkcs1.pem",
        "p256.sec1.pem",
        "rsa2048.encrypted.pem",
    ] {
        assert_eq!(
            key_error(VerifyingKey::from_pem(fixture(private))),
            KeyError::PrivateKeyNotPublic,
            "{private}"
        );
    }
    assert_eq!(key_error(VerifyingKey::from_pem("")), KeyError::Empty);
    assert_eq!(
        key_error(VerifyingKey::from_pem("hello")),
        KeyError::Unrecognized
    );
    assert_eq!(
        key_error(VerifyingKey::from_spki_der(&[0x30, 0x03, 0x02, 0x01])),
        KeyError::Malformed("SubjectPublicKeyInfo is not a SEQUENCE")
    );
    // A PKCS#1 RSAPrivateKey passed as "RSA PUBLIC KEY".
    let private_der = pem_body(&fixture("rsa2048.pkcs1.pem"));
    let mislabeled = format!(
        "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n",
        Base64::encode_string(&private_der)
    );
    assert_eq!(
        key_error(VerifyingKey::from_pem(mislabeled)),
        KeyError::PrivateKeyNotPublic
    );
}

/// Hex as printed by `openssl x509 -fingerprint` to base64url, as x5t uses it.
fn fingerprint_to_b64url(fingerprint: &str) -> String {
    let bytes: Vec<u8> = fingerprint
        .split(':')
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect();
    Base64UrlUnpadded::encode_string(&bytes)
}

// Recorded with `openssl x509 -noout -fingerprint -sha1/-sha256` (see the README).
const RSA_CERT_SHA1: &str = "53:2C:CA:21:EC:5D:30:10:A5:A9:53:28:E9:AA:DC:1B:6D:04:D2:0D";
const RSA_CERT_SHA256: &str = "2D:98:1F:12:9A:48:17:EA:90:09:9E:FF:92:C0:E2:C8:A8:3F:CF:B4:E9:45:55:D2:49:CD:03:4F:BF:CB:8E:1D";
const P256_CERT_SHA256: &str = "18:E3:43:7A:21:24:83:BA:05:35:D1:72:B4:B0:85:FC:67:5C:9C:84:59:16:72:94:62:33:19:BB:C9:53:32:1D";

#[test]
fn certificate_thumbprints_match_openssl() {
    let cert = Certificate::from_pem(fixture("rsa2048.cert.pem")).unwrap();
    assert_eq!(
        cert.der(),
        pem_body(&fixture("rsa2048.cert.pem")).as_slice()
    );
    assert_eq!(cert.x5t(), fingerprint_to_b64url(RSA_CERT_SHA1));
    assert_eq!(cert.x5t_s256(), fingerprint_to_b64url(RSA_CERT_SHA256));
    let key = SigningKey::from_pem(fixture("rsa2048.pkcs8.pem"))
        .unwrap()
        .with_x5t(&cert)
        .unwrap()
        .with_x5t_s256(&cert)
        .unwrap();
    assert_eq!(
        key.x5t(),
        Some(fingerprint_to_b64url(RSA_CERT_SHA1).as_str())
    );
    assert_eq!(
        key.x5t_s256(),
        Some(fingerprint_to_b64url(RSA_CERT_SHA256).as_str())
    );
    // The PKCS#1 form of the same key matches the same certificate.
    SigningKey::from_pem(fixture("rsa2048.pkcs1.pem"))
        .unwrap()
        .with_x5t(&cert)
        .unwrap();

    let p256_cert = Certificate::from_pem(fixture("p256.cert.pem")).unwrap();
    assert_eq!(
        p256_cert.x5t_s256(),
        fingerprint_to_b64url(P256_CERT_SHA256)
    );
    assert_eq!(
        p256_cert.verifying_key().unwrap().key_type(),
        KeyType::EcP256
    );
    let p256 = SigningKey::from_pem(fixture("p256.sec1.pem")).unwrap();
    assert!(p256.with_x5t_s256(&p256_cert).is_ok());
    assert_eq!(
        format!("{p256_cert:?}"),
        format!(
            "Certificate {{ x5t#S256: {:?}, .. }}",
            fingerprint_to_b64url(P256_CERT_SHA256)
        )
    );
}

#[test]
fn a_certificate_of_another_key_is_refused() {
    let rsa = SigningKey::from_pem(fixture("rsa2048.pkcs8.pem")).unwrap();
    let other = Certificate::from_pem(fixture("other.cert.pem")).unwrap();
    let p256_cert = Certificate::from_pem(fixture("p256.cert.pem")).unwrap();
    assert_eq!(
        key_error(rsa.clone().with_x5t(&other)),
        KeyError::CertificateMismatch
    );
    assert_eq!(
        key_error(rsa.clone().with_x5t_s256(&p256_cert)),
        KeyError::CertificateMismatch
    );
    let hmac = SigningKey::hmac(b"secret").unwrap();
    assert_eq!(
        key_error(hmac.with_x5t_s256(&other)),
        KeyError::CertificateMismatch
    );
}

#[test]
fn bad_certificate_inputs() {
    assert_eq!(
        key_error(Certificate::from_der(b"garbage".to_vec())),
        KeyError::Unrecognized
    );
    assert_eq!(
        key_error(Certificate::from_der(Vec::new())),
        KeyError::Empty
    );
    let key_der = pem_body(&fixture("rsa2048.pkcs8.pem"));
    assert_eq!(
        key_error(Certificate::from_der(key_der)),
        KeyError::Unrecognized
    );
    assert_eq!(
        key_error(Certificate::from_pem(fixture("rsa2048.pkcs8.pem"))),
        KeyError::PrivateKeyNotPublic
    );
    assert_eq!(
        key_error(Certificate::from_pem(fixture("rsa2048.pub.pem"))),
        KeyError::Unrecognized
    );
    let mut truncated = pem_body(&fixture("rsa2048.cert.pem"));
    truncated.pop();
    assert!(Certificate::from_der(truncated).is_err());
}

#[test]
fn debug_shows_only_public_facts() {
    let pem = fixture("rsa2048.pkcs8.pem");
    let key = SigningKey::from_pem(&pem).unwrap().with_kid("demo-1");
    let debug = format!("{key:?}");
    assert_eq!(
        debug,
        r#"SigningKey { algorithm: RS256, key_type: Rsa { bits: 2048 }, kid: Some("demo-1"), .. }"#
    );
    let secret = b"very-secret-hmac-key";
    let hmac = SigningKey::hmac(secret).unwrap();
    assert_eq!(
        format!("{hmac:?}"),
        "SigningKey { algorithm: HS256, key_type: Hmac, kid: None, .. }"
    );
    assert_eq!(
        format!("{:?}", hmac.verifying_key()),
        "VerifyingKey { key_type: Hmac, .. }"
    );
    assert_eq!(
        format!("{:?}", key.verifying_key()),
        "VerifyingKey { key_type: Rsa { bits: 2048 }, .. }"
    );
}

#[test]
fn keys_are_cheap_shared_values() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<SigningKey>();
    assert_traits::<VerifyingKey>();
    assert_traits::<Certificate>();
}

#[test]
fn refusals_name_a_real_next_step() {
    let cert_as_key = key_error(SigningKey::from_pem(fixture("rsa2048.cert.pem"))).to_string();
    // The API that takes a certificate for signing: with_x5t_s256 / saml::Signer.
    assert!(cert_as_key.contains("with_x5t_s256"), "{cert_as_key}");
    assert!(cert_as_key.contains("Signer::new"), "{cert_as_key}");
    let empty = key_error(SigningKey::hmac(b"")).to_string();
    assert!(empty.contains("pass the client secret"), "{empty}");
}

#[test]
fn a_file_path_in_place_of_pem_says_to_read_the_file() {
    for path in [
        "server.key",
        "keys/client.pem",
        "/etc/ssl/app.crt",
        "C:\\k\\a.p8",
    ] {
        let errors = [
            SigningKey::from_pem(path).unwrap_err(),
            VerifyingKey::from_pem(path).unwrap_err(),
            Certificate::from_pem(path).unwrap_err(),
        ];
        for error in errors {
            assert_eq!(error, KeyError::LooksLikePath, "{path}");
            let message = error.to_string();
            assert!(
                message.contains("looks like a file path")
                    && message.contains("std::fs::read(path)")
                    && message.contains("from_pem_file(path)")
                    && !message.contains("CERTIFICATE"),
                "{message}"
            );
            // The input is not echoed: it might be a secret after all.
            assert!(!message.contains(path), "{message}");
        }
    }
    // One line of text that is no path stays unrecognized.
    assert_eq!(
        SigningKey::from_pem("not a key").unwrap_err(),
        KeyError::Unrecognized
    );
}

#[test]
fn keys_and_certificates_load_from_files() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/keys/");
    let key = SigningKey::from_pem_file(format!("{dir}rsa2048.pkcs8.pem")).unwrap();
    assert_eq!(key.key_type(), RSA2048);
    let public = VerifyingKey::from_pem_file(format!("{dir}p256.pub.pem")).unwrap();
    assert_eq!(public.key_type(), KeyType::EcP256);
    let cert = Certificate::from_pem_file(format!("{dir}rsa2048.cert.pem")).unwrap();
    assert!(key.check_certificate(&cert).is_ok());
    // The file's own refusals are the same as from_pem's.
    assert_eq!(
        SigningKey::from_pem_file(format!("{dir}rsa2048.cert.pem")).unwrap_err(),
        KeyError::CertificateNotKey
    );

    let missing = format!("{dir}no-such.key");
    let error = SigningKey::from_pem_file(&missing).unwrap_err();
    assert_eq!(
        error,
        KeyError::ReadFile {
            path: missing.clone().into(),
            kind: std::io::ErrorKind::NotFound
        }
    );
    let message = error.to_string();
    assert!(
        message.contains(&missing) && message.contains("check the path"),
        "{message}"
    );
    // A directory is no key file either; the error says which path.
    let error = Certificate::from_pem_file(dir).unwrap_err();
    assert!(
        matches!(&error, KeyError::ReadFile { path, .. } if &**path == dir),
        "{error:?}"
    );
    // Through Error, a local error (the CLI's exit 2).
    assert!(Error::from(error).is_local());
}

/// RFC 7638 thumbprints of the test keys, as the Python `cryptography` package
/// computes them (`tests/data/keys/jwk_thumbprint.py`, the command in its header).
#[test]
fn jwk_thumbprints_match_an_independent_implementation() {
    for (name, expected) in [
        (
            "rsa2048.pkcs8.pem",
            "SuF3CuwLLYkJ2qtIPAoSVTwV698iaGdIyFO2Tg-NFRQ",
        ),
        (
            "rsa2048.pkcs1.pem",
            "SuF3CuwLLYkJ2qtIPAoSVTwV698iaGdIyFO2Tg-NFRQ",
        ),
        (
            "p256.pkcs8.pem",
            "KsAXKoLh23zvgciIBhWrOzDRR97mW3E5vxjgBILcEmA",
        ),
        (
            "p384.pkcs8.pem",
            "9web2BJoZ3CQaxUZqhOi7BgmVRaqGNFlQBp3IzalINc",
        ),
        (
            "ed25519.pkcs8.pem",
            "9RwY2JIVvw4fmeY7ORpuuY7Rv3q_YPvTaUazkmabvGE",
        ),
    ] {
        let key = SigningKey::from_pem(fixture(name)).unwrap();
        assert_eq!(key.jwk_thumbprint().as_deref(), Some(expected), "{name}");
    }
    // The algorithm chosen is no part of the key.
    let pss = SigningKey::from_pem(fixture("rsa2048.pkcs8.pem"))
        .unwrap()
        .with_algorithm(Algorithm::PS256)
        .unwrap();
    assert_eq!(
        pss.jwk_thumbprint().as_deref(),
        Some("SuF3CuwLLYkJ2qtIPAoSVTwV698iaGdIyFO2Tg-NFRQ")
    );
    assert_eq!(SigningKey::hmac(b"secret").unwrap().jwk_thumbprint(), None);
}
