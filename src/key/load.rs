//! Turning DER into ring key pairs and public keys: classifying PKCS#8, PKCS#1,
//! SEC1, SubjectPublicKeyInfo and certificates by structure (RFC 5208, RFC 8017
//! Appendix A.1, RFC 5915, RFC 5280 §4.1).

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    RSA_PKCS1_SHA256, RsaKeyPair,
};

use zeroize::Zeroizing;

use super::KeyError;
use super::KeyType;
use super::der::{self, Reader, oid};

/// The smallest RSA modulus accepted (RFC 7518 §3.3).
const RSA_MIN_BITS: usize = 2048;
/// The largest RSA modulus ring verifies with.
const RSA_MAX_BITS: usize = 8192;
/// The largest RSA modulus ring signs with.
const RSA_MAX_SIGNING_BITS: usize = 4096;

const REJECTED: KeyError =
    KeyError::Malformed("the key material is inconsistent or invalid (rejected by ring)");

/// A loaded private key pair.
pub(super) enum KeyPair {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// Loads a private key from DER of any supported layout, refusing other DER
/// (public keys, certificates, encrypted keys) with the matching error.
pub(super) fn private_key(der: &[u8]) -> Result<(KeyPair, KeyType), KeyError> {
    classify(der, pkcs8, sec1)
}

/// [`private_key`] for RSA keys only (PKCS#8 or PKCS#1): another private key
/// (EC, Ed25519) is [`KeyError::NotRsa`], and is not loaded. The non-RSA loaders
/// are not called from here, so a program that loads only RSA keys carries none
/// of them.
pub(super) fn rsa_private_key(der: &[u8]) -> Result<(KeyPair, KeyType), KeyError> {
    classify(der, pkcs8_rsa, sec1_not_rsa)
}

/// A loader of one DER layout.
type Loader = fn(&[u8]) -> Result<(KeyPair, KeyType), KeyError>;

/// Tells the DER layouts apart by structure: a PKCS#8 key goes to `pkcs8`, a
/// SEC1 EC key to `sec1`, a PKCS#1 RSA key is loaded, and anything else is
/// refused with the matching error.
fn classify(der: &[u8], pkcs8: Loader, sec1: Loader) -> Result<(KeyPair, KeyType), KeyError> {
    if der.is_empty() {
        return Err(KeyError::Empty);
    }
    let content = der::single(der, der::SEQUENCE, "not a DER SEQUENCE")
        .map_err(|_| KeyError::Unrecognized)?;
    let mut r = Reader::new(content);
    let (first, _) = r.read_any()?;
    let second = r.peek_tag();
    match (first, second) {
        (der::INTEGER, Some(der::SEQUENCE)) => pkcs8(der),
        (der::INTEGER, Some(der::INTEGER)) => {
            r.skip("RSA modulus")?;
            if r.is_empty() {
                // RSAPublicKey ::= SEQUENCE { modulus, publicExponent }
                Err(KeyError::PublicKeyNotPrivate)
            } else {
                pkcs1(der)
            }
        }
        (der::INTEGER, Some(der::OCTET_STRING)) => sec1(der),
        (der::SEQUENCE, Some(der::BIT_STRING)) => Err(KeyError::PublicKeyNotPrivate),
        (der::SEQUENCE, Some(der::OCTET_STRING)) => Err(KeyError::Encrypted),
        (der::SEQUENCE, Some(der::SEQUENCE)) => Err(KeyError::CertificateNotKey),
        _ => Err(KeyError::Unrecognized),
    }
}

/// What takes a PKCS#8 key that is not RSA, given its algorithm OID, the rest of
/// its algorithm identifier, its private key and the whole DER.
type NonRsa = fn(&[u8], Reader<'_>, &[u8], &[u8]) -> Result<(KeyPair, KeyType), KeyError>;

/// PrivateKeyInfo / OneAsymmetricKey (RFC 5208 §5, RFC 5958 §2), any key type.
fn pkcs8(der: &[u8]) -> Result<(KeyPair, KeyType), KeyError> {
    pkcs8_with(der, non_rsa_pair)
}

/// [`pkcs8`] for an RSA key only.
fn pkcs8_rsa(der: &[u8]) -> Result<(KeyPair, KeyType), KeyError> {
    pkcs8_with(der, non_rsa_refused)
}

/// A PKCS#8 key: RSA loaded here, any other algorithm handed to `non_rsa`.
fn pkcs8_with(der: &[u8], non_rsa: NonRsa) -> Result<(KeyPair, KeyType), KeyError> {
    let content = der::single(der, der::SEQUENCE, "PKCS#8 is not a SEQUENCE")?;
    let mut r = Reader::new(content);
    r.read(der::INTEGER, "PKCS#8 version")?;
    let alg_id = r.read(der::SEQUENCE, "PKCS#8 algorithm identifier")?;
    let private = r.read(der::OCTET_STRING, "PKCS#8 private key")?;
    let mut alg = Reader::new(alg_id);
    let algorithm = alg.read(der::OID, "PKCS#8 algorithm OID")?;
    if algorithm == oid::RSA_ENCRYPTION {
        let bits = rsa_private_bits(private)?;
        return rsa_pair(RsaKeyPair::from_pkcs8(der), bits);
    }
    non_rsa(algorithm, alg, private, der)
}

/// The non-RSA keys of a PKCS#8 key, loaded.
fn non_rsa_pair(
    algorithm: &[u8],
    mut alg: Reader<'_>,
    private: &[u8],
    der: &[u8],
) -> Result<(KeyPair, KeyType), KeyError> {
    match algorithm {
        oid::EC_PUBLIC_KEY => {
            let curve = alg.read(der::OID, "EC key without a named curve")?;
            let key_type = curve_type(curve)?;
            ec_private_key_has_public(private)?;
            ecdsa(der, key_type)
        }
        oid::ED25519 => {
            let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(|_| REJECTED)?;
            Ok((KeyPair::Ed25519(pair), KeyType::Ed25519))
        }
        other => Err(unsupported_algorithm(other)),
    }
}

/// The non-RSA keys of a PKCS#8 key, refused as [`KeyError::NotRsa`] naming
/// their type (what no key type fits is refused as [`pkcs8`] refuses it).
fn non_rsa_refused(
    algorithm: &[u8],
    mut alg: Reader<'_>,
    _private: &[u8],
    _der: &[u8],
) -> Result<(KeyPair, KeyType), KeyError> {
    match algorithm {
        oid::EC_PUBLIC_KEY => {
            let curve = alg.read(der::OID, "EC key without a named curve")?;
            Err(KeyError::NotRsa(curve_type(curve)?))
        }
        oid::ED25519 => Err(KeyError::NotRsa(KeyType::Ed25519)),
        other => Err(unsupported_algorithm(other)),
    }
}

/// A SEC1 EC key where an RSA key was asked for: [`KeyError::NotRsa`] naming its
/// curve, or the error [`sec1`] gives for a curve it would not load either.
fn sec1_not_rsa(der: &[u8]) -> Result<(KeyPair, KeyType), KeyError> {
    let (key_type, _) = sec1_curve(der)?;
    Err(KeyError::NotRsa(key_type))
}

/// RSAPrivateKey (RFC 8017 Appendix A.1.2).
fn pkcs1(der: &[u8]) -> Result<(KeyPair, KeyType), KeyError> {
    let content = der::single(der, der::SEQUENCE, "PKCS#1 is not a SEQUENCE")?;
    let bits = rsa_private_bits_content(content)?;
    rsa_pair(RsaKeyPair::from_der(der), bits)
}

/// The RSA key ring loaded from PKCS#8 or PKCS#1 (of `bits` bits, already
/// checked), once it has signed ([`check_rsa_signs`]).
fn rsa_pair(
    loaded: Result<RsaKeyPair, ring::error::KeyRejected>,
    bits: usize,
) -> Result<(KeyPair, KeyType), KeyError> {
    let pair = loaded.map_err(|_| REJECTED)?;
    check_rsa_signs(&pair)?;
    Ok((
        KeyPair::Rsa(pair),
        KeyType::Rsa {
            bits: bits_u16(bits),
        },
    ))
}

/// Signs once at load time. ring checks the primes against the modulus but not the
/// CRT exponents, and checks each signature before returning it: a key with a
/// damaged `exponent1`/`exponent2` would load and then fail every signature with an
/// opaque error (found by the `keys` fuzz target).
fn check_rsa_signs(pair: &RsaKeyPair) -> Result<(), KeyError> {
    let mut signature = vec![0; pair.public().modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        b"s2s-oauth key check",
        &mut signature,
    )
    .map_err(|_| {
        KeyError::Malformed(
            "the RSA private key's CRT values do not match its primes, so it cannot sign; the file is damaged: export the key again from its source",
        )
    })
}

/// ECPrivateKey (RFC 5915 §3), wrapped into PKCS#8 for ring.
fn sec1(der: &[u8]) -> Result<(KeyPair, KeyType), KeyError> {
    let (key_type, curve) = sec1_curve(der)?;
    let mut alg_id = der::tlv(der::OID, oid::EC_PUBLIC_KEY);
    der::write_tlv(&mut alg_id, der::OID, curve);
    // The PKCS#8 copies carry the private key: allocated at their final size (no
    // reallocation leaves a copy behind) and wiped when dropped.
    let body_len = der::tlv_len(1) + der::tlv_len(alg_id.len()) + der::tlv_len(der.len());
    let mut body = Zeroizing::new(Vec::with_capacity(body_len));
    der::write_tlv(&mut body, der::INTEGER, &[0]);
    der::write_tlv(&mut body, der::SEQUENCE, &alg_id);
    der::write_tlv(&mut body, der::OCTET_STRING, der);
    let pkcs8 = Zeroizing::new(der::tlv(der::SEQUENCE, &body));
    ecdsa(&pkcs8, key_type)
}

/// A SEC1 EC key's type and curve OID, once its structure is checked (a named
/// curve, the public key present).
fn sec1_curve(der: &[u8]) -> Result<(KeyType, &[u8]), KeyError> {
    let content = der::single(der, der::SEQUENCE, "SEC1 EC key is not a SEQUENCE")?;
    let mut r = Reader::new(content);
    r.read(der::INTEGER, "SEC1 version")?;
    r.read(der::OCTET_STRING, "SEC1 private key")?;
    let params = r
        .read_optional(der::CONTEXT_0, "SEC1 parameters")?
        .ok_or(KeyError::Malformed(
            "SEC1 EC key names no curve; convert it to PKCS#8 with openssl pkcs8 -topk8 -nocrypt",
        ))?;
    let curve = der::single(params, der::OID, "SEC1 curve is not a named curve")?;
    let key_type = curve_type(curve)?;
    if r.read_optional(der::CONTEXT_1, "SEC1 public key")?
        .is_none()
    {
        return Err(KeyError::MissingPublicKey);
    }
    Ok((key_type, curve))
}

fn ecdsa(pkcs8: &[u8], key_type: KeyType) -> Result<(KeyPair, KeyType), KeyError> {
    let alg = match key_type {
        KeyType::EcP384 => &ECDSA_P384_SHA384_FIXED_SIGNING,
        _ => &ECDSA_P256_SHA256_FIXED_SIGNING,
    };
    // ring wants a random source at load time (for blinding); this one is local and
    // dropped at once, so no state is kept.
    let rng = SystemRandom::new();
    let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8, &rng).map_err(|_| REJECTED)?;
    Ok((KeyPair::Ecdsa(pair), key_type))
}

/// Checks that the ECPrivateKey inside a PKCS#8 carries its public key, as ring needs.
fn ec_private_key_has_public(ec_private_key: &[u8]) -> Result<(), KeyError> {
    let content = der::single(ec_private_key, der::SEQUENCE, "EC private key")?;
    let mut r = Reader::new(content);
    r.read(der::INTEGER, "EC private key version")?;
    r.read(der::OCTET_STRING, "EC private key scalar")?;
    r.read_optional(der::CONTEXT_0, "EC private key parameters")?;
    match r.read_optional(der::CONTEXT_1, "EC public key")? {
        Some(_) => Ok(()),
        None => Err(KeyError::MissingPublicKey),
    }
}

fn curve_type(curve: &[u8]) -> Result<KeyType, KeyError> {
    match curve {
        oid::P256 => Ok(KeyType::EcP256),
        oid::P384 => Ok(KeyType::EcP384),
        _ => Err(KeyError::Unsupported(
            "an EC curve other than P-256 and P-384, such as secp256k1 or P-521",
        )),
    }
}

fn unsupported_algorithm(algorithm: &[u8]) -> KeyError {
    KeyError::Unsupported(match algorithm {
        oid::RSASSA_PSS => {
            "an RSASSA-PSS-restricted RSA key; export it as a plain rsaEncryption key"
        }
        oid::ED448 => "Ed448",
        oid::X25519 | oid::X448 => "an X25519/X448 key agreement key, which cannot sign",
        oid::DSA => "DSA",
        _ => "an unknown key algorithm",
    })
}

/// The modulus length of a PKCS#8-embedded RSAPrivateKey, range-checked.
fn rsa_private_bits(rsa_private_key: &[u8]) -> Result<usize, KeyError> {
    let content = der::single(rsa_private_key, der::SEQUENCE, "RSA private key")?;
    rsa_private_bits_content(content)
}

fn rsa_private_bits_content(content: &[u8]) -> Result<usize, KeyError> {
    let mut r = Reader::new(content);
    r.read(der::INTEGER, "RSA private key version")?;
    let modulus = r.read(der::INTEGER, "RSA modulus")?;
    let bits = check_rsa_bits(der::unsigned_bits(modulus))?;
    if bits > RSA_MAX_SIGNING_BITS {
        return Err(KeyError::Unsupported(
            "an RSA private key over 4096 bits; ring signs with 2048 to 4096",
        ));
    }
    Ok(bits)
}

fn check_rsa_bits(bits: usize) -> Result<usize, KeyError> {
    if bits < RSA_MIN_BITS {
        Err(KeyError::RsaTooSmall { bits })
    } else if bits > RSA_MAX_BITS {
        Err(KeyError::RsaTooLarge { bits })
    } else {
        Ok(bits)
    }
}

fn bits_u16(bits: usize) -> u16 {
    u16::try_from(bits).unwrap_or(u16::MAX)
}

/// A public key as ring's `UnparsedPublicKey` takes it: a PKCS#1 RSAPublicKey for
/// RSA, the uncompressed point for EC, the 32 bytes for Ed25519.
pub(super) struct PublicKey {
    pub(super) key_type: KeyType,
    pub(super) bytes: Vec<u8>,
}

/// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
pub(super) fn spki(der: &[u8]) -> Result<PublicKey, KeyError> {
    if der.is_empty() {
        return Err(KeyError::Empty);
    }
    let content = der::single(der, der::SEQUENCE, "SubjectPublicKeyInfo is not a SEQUENCE")?;
    let mut r = Reader::new(content);
    let alg_id = r.read(der::SEQUENCE, "SubjectPublicKeyInfo algorithm")?;
    let key_bits = r.read(der::BIT_STRING, "SubjectPublicKeyInfo key")?;
    if !r.is_empty() {
        return Err(KeyError::Malformed("trailing data in SubjectPublicKeyInfo"));
    }
    let key = der::bit_string_bytes(key_bits, "public key BIT STRING")?;
    let mut alg = Reader::new(alg_id);
    let algorithm = alg.read(der::OID, "SubjectPublicKeyInfo algorithm OID")?;
    match algorithm {
        oid::RSA_ENCRYPTION => rsa_public(key),
        oid::EC_PUBLIC_KEY => {
            let key_type = curve_type(alg.read(der::OID, "EC key without a named curve")?)?;
            let len = if key_type == KeyType::EcP256 { 65 } else { 97 };
            if key.len() != len || key.first() != Some(&0x04) {
                return Err(KeyError::Malformed(
                    "EC public key is not an uncompressed point of its curve",
                ));
            }
            Ok(PublicKey {
                key_type,
                bytes: key.to_vec(),
            })
        }
        oid::ED25519 => {
            if key.len() != 32 {
                return Err(KeyError::Malformed("Ed25519 public key is not 32 bytes"));
            }
            Ok(PublicKey {
                key_type: KeyType::Ed25519,
                bytes: key.to_vec(),
            })
        }
        other => Err(unsupported_algorithm(other)),
    }
}

/// RSAPublicKey (RFC 8017 Appendix A.1.1).
pub(super) fn rsa_public(der: &[u8]) -> Result<PublicKey, KeyError> {
    let content = der::single(der, der::SEQUENCE, "RSA public key is not a SEQUENCE")?;
    let mut r = Reader::new(content);
    let modulus = r.read(der::INTEGER, "RSA public key modulus")?;
    let exponent = r.read(der::INTEGER, "RSA public key exponent")?;
    if !r.is_empty() {
        // Three or more INTEGERs: an RSAPrivateKey.
        return Err(KeyError::PrivateKeyNotPublic);
    }
    // An exponent of 1 (no encryption at all) or an even one is no RSA key;
    // ring would refuse it only when a signature is checked, as a bad signature.
    let significant = exponent.iter().skip_while(|&&b| b == 0).count();
    let odd = exponent.last().is_some_and(|b| b & 1 == 1);
    if !odd || (significant == 1 && exponent[exponent.len() - 1] < 3) {
        return Err(KeyError::Malformed(
            "the RSA public exponent is even or less than 3: the key is not a valid RSA key (65537 is usual)",
        ));
    }
    let bits = check_rsa_bits(der::unsigned_bits(modulus))?;
    Ok(PublicKey {
        key_type: KeyType::Rsa {
            bits: bits_u16(bits),
        },
        bytes: der.to_vec(),
    })
}

/// Checks the structure of an X.509 certificate (RFC 5280 §4.1) and returns its
/// SubjectPublicKeyInfo DER.
pub(super) fn certificate_spki(der: &[u8]) -> Result<&[u8], KeyError> {
    Ok(certificate_parts(der)?.1)
}

/// The `validity` contents and the `subjectPublicKeyInfo` element of a certificate
/// (RFC 5280 §4.1).
pub(super) fn certificate_parts(der: &[u8]) -> Result<(&[u8], &[u8]), KeyError> {
    if der.is_empty() {
        return Err(KeyError::Empty);
    }
    let content =
        der::single(der, der::SEQUENCE, "certificate").map_err(|_| KeyError::Unrecognized)?;
    let mut r = Reader::new(content);
    let tbs = r
        .read(der::SEQUENCE, "certificate")
        .map_err(|_| KeyError::Unrecognized)?;
    r.read(der::SEQUENCE, "certificate signature algorithm")
        .map_err(|_| KeyError::Unrecognized)?;
    r.read(der::BIT_STRING, "certificate signature")
        .map_err(|_| KeyError::Unrecognized)?;
    if !r.is_empty() {
        return Err(KeyError::Malformed("trailing data in certificate"));
    }
    let mut t = Reader::new(tbs);
    t.read_optional(der::CONTEXT_0, "certificate version")?;
    t.read(der::INTEGER, "certificate serial number")?;
    t.read(der::SEQUENCE, "certificate signature algorithm")?;
    t.read(der::SEQUENCE, "certificate issuer")?;
    let validity = t.read(der::SEQUENCE, "certificate validity")?;
    t.read(der::SEQUENCE, "certificate subject")?;
    let spki = t.read_element(der::SEQUENCE, "certificate subjectPublicKeyInfo")?;
    Ok((validity, spki))
}
