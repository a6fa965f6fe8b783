//! The Rust side of the SAML interop suite (`interop/suites/saml.sh`): signs and
//! verifies SAML 2.0 bearer assertions through the crate's public API only.
//!
//! ```text
//! saml-driver unsigned OUT                 an unsigned assertion (for other signers)
//! saml-driver sign KEY CERT OUT [ALG]      a signed assertion (ALG: RS256 RS384 RS512 ES256)
//! saml-driver verify CERT FILE             verify (exit 0 and "OK", else exit 1 and why)
//! ```
//!
//! Every assertion is about the same hostile subject and attributes (XML special
//! characters, CR, tab, non-ASCII) so that peers must agree on escaping and
//! canonicalization. `suites/saml.sh` tampers with a copy by replacing `alice`.

use std::process::ExitCode;
use std::time::SystemTime;

use ring::rand::SystemRandom;
use s2s_oauth::saml::{self, Assertion, Attribute, Signer, Validation};
use s2s_oauth::{Algorithm, Certificate, SigningKey, VerifyingKey};

const ISSUER: &str = "3MVG9interop.consumer";
const AUDIENCE: &str = "https://login.salesforce.com";
const RECIPIENT: &str = "https://login.salesforce.com/services/oauth2/token";
/// `alice` is what the suite replaces to tamper.
const SUBJECT: &str = "alice & <bob> \"quoted\" 'single' \t tab\r\nCRLF ]]> ünïcödé 😀";

fn assertion() -> Assertion {
    Assertion::new(ISSUER, SUBJECT, AUDIENCE, RECIPIENT)
        .with_name_id_format("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
        .with_authn_statement("urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified")
        .with_attribute(
            Attribute::new("role <&> \"x\"", "reader & writer")
                .with_value("a\r\nb\tc 'q' \"dq\" <tag/> ✓")
                .with_name_format("urn:oasis:names:tc:SAML:2.0:attrname-format:basic"),
        )
}

fn run(args: &[String]) -> Result<String, Box<dyn std::error::Error>> {
    match args {
        [cmd, out] if cmd == "unsigned" => {
            let xml = assertion().to_xml_at(SystemTime::now(), &SystemRandom::new())?;
            std::fs::write(out, xml)?;
            Ok(format!("wrote {out}"))
        }
        [cmd, key, cert, out, rest @ ..] if cmd == "sign" && rest.len() <= 1 => {
            let mut key = SigningKey::from_pem(std::fs::read(key)?)?;
            if let [alg] = rest {
                key = key.with_algorithm(alg.parse::<Algorithm>()?)?;
            }
            let signer = Signer::new(key, Certificate::from_pem(std::fs::read(cert)?)?)?;
            let signed = assertion().sign(&signer)?;
            std::fs::write(out, signed.expose_secret())?;
            Ok(format!("wrote {out}"))
        }
        [cmd, cert, file] if cmd == "verify" => {
            let key = VerifyingKey::from_pem(std::fs::read(cert)?)?;
            let xml = std::fs::read_to_string(file)?;
            let validation = Validation::new(AUDIENCE, RECIPIENT).with_issuer(ISSUER);
            let verified = saml::verify(&xml, &key, &validation, SystemTime::now(), None)?;
            if verified.subject != SUBJECT.trim() {
                return Err(format!("subject {:?} is not the one signed", verified.subject).into());
            }
            Ok(format!("OK {} {}", verified.algorithm, verified.id))
        }
        _ => Err(
            "usage: saml-driver unsigned OUT | sign KEY CERT OUT [ALG] | verify CERT FILE".into(),
        ),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("saml-driver: {e}");
            ExitCode::FAILURE
        }
    }
}
