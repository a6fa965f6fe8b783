//! Parse + exclusive c14n (`saml::canonicalize`) against lxml/libxml2's parse +
//! exclusive c14n of the same bytes (issue 11: target ≤ 0.5×), on a signed 3.3 KB
//! SAML assertion, a generated ~1 MB SAML document (a wrapper of such
//! assertions) and a generated ~1 MB dense mixed-content document (references,
//! CDATA, comments, unsorted attributes on every line: a stress case).
//!
//! One driver runs both sides back to back: the bench starts
//! `benches/lxml_c14n.py` under `interop/.venv` (made by `interop/run.sh`; lxml
//! is pinned in `interop/requirements.txt`) as a child process, checks that both
//! produce the same canonical bytes (length and SHA-256), then alternates rounds
//! — one round of ours, one of lxml's — and reports the median and p10 of each
//! and their ratios. Without the venv the comparison is skipped (with a note).
//! Criterion then measures our side alone.
//!
//! Run: `cargo bench --bench c14n -- --warm-up-time 1 --measurement-time 3`
//! (results and the machine they came from: BENCHMARKS.md).

use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant, UNIX_EPOCH};

use criterion::Criterion;
use ring::digest::{SHA256, digest};
use ring::rand::SystemRandom;
use s2s_oauth::saml::{self, Assertion, Signer};
use s2s_oauth::{Certificate, SigningKey};

/// Rounds per side, alternating; each round runs long enough to time.
const ROUNDS: usize = 41;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The signed RSA-2048 assertion of `benches/saml.rs` (Salesforce-style, with an
/// AuthnStatement and the certificate in KeyInfo): about 3.3 KB.
fn signed_assertion() -> String {
    let signer = Signer::new(
        SigningKey::from_pem(fixture("rsa2048.pkcs8.pem")).unwrap(),
        Certificate::from_pem(fixture("rsa2048.cert.pem")).unwrap(),
    )
    .unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    Assertion::new(
        "3MVG9-demo-consumer-key",
        "integration@example.com",
        "https://login.salesforce.com",
        "https://login.salesforce.com/services/oauth2/token",
    )
    .with_authn_statement("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
    .sign_at(&signer, now, &SystemRandom::new())
    .unwrap()
    .expose_secret()
    .to_owned()
}

/// A ~1 MB SAML-shaped document: a `samlp:Response`-like wrapper holding signed
/// assertions (the shape a SAML server canonicalizes: namespaced elements,
/// attributes, base64 text), each with its own `ID`.
fn saml_document(assertion: &str) -> String {
    let body = assertion
        .split_once("?>")
        .map_or(assertion, |(_, rest)| rest)
        .trim_start();
    let mut xml = String::with_capacity(1 << 20);
    xml.push_str("<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_batch\" Version=\"2.0\">\n");
    let mut i = 0u32;
    while xml.len() < 1_000_000 {
        xml.push_str(&body.replacen("ID=\"_", &format!("ID=\"_{i}_"), 1));
        xml.push('\n');
        i += 1;
    }
    xml.push_str("</samlp:Response>\n");
    xml
}

/// A dense ~1 MB document of the shapes c14n cares about: a few namespaces declared at
/// the top and used below (prefixed and default), unsorted and prefixed
/// attributes, entity and character references, comments, CDATA, mixed content,
/// unused declarations, non-ASCII text.
fn large_document() -> String {
    let mut xml = String::with_capacity(1 << 20);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- generated -->\n");
    xml.push_str("<root xmlns=\"urn:example:default\" xmlns:a=\"urn:example:a\" xmlns:b=\"urn:example:b\" xmlns:unused=\"urn:example:unused\" version=\"1\">\n");
    let mut i = 0u32;
    while xml.len() < 1_000_000 {
        xml.push_str(&format!(
            "  <a:record id=\"r{i}\" b:kind='entry' z=\"last\" a=\"first &amp; &lt;second&gt;\">\n\
             \x20   <a:name xml:lang=\"en\">Record {i} &#x2014; caf\u{e9} &amp; more</a:name>\n\
             \x20   <value xmlns=\"\" unit=\"ms\">{v}</value>\n\
             \x20   <!-- note {i} -->\n\
             \x20   <b:data><![CDATA[raw <text> & {i}]]></b:data>\n\
             \x20   <text>mixed <b:em>content</b:em> with a &quot;quote&quot; and a tab&#9;end</text>\n\
             \x20   <empty/>\n\
             \x20 </a:record>\n",
            v = u64::from(i) * 37 % 1000
        ));
        i += 1;
    }
    xml.push_str("</root>\n");
    xml
}

/// The lxml side, running as a child process.
struct Lxml {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Lxml {
    fn start(files: &[PathBuf]) -> Option<(Self, Vec<String>)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let python = root.join("interop/.venv/bin/python");
        if !python.exists() {
            eprintln!(
                "lxml comparison skipped: no interop/.venv (run interop/run.sh once to make it)"
            );
            return None;
        }
        let mut child = Command::new(python)
            .arg(root.join("benches/lxml_c14n.py"))
            .args(files)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        let stdin = child.stdin.take()?;
        let mut stdout = BufReader::new(child.stdout.take()?);
        let mut digests = Vec::new();
        for _ in files {
            let mut line = String::new();
            stdout.read_line(&mut line).ok()?;
            digests.push(line.trim().to_owned());
        }
        Some((
            Self {
                child,
                stdin,
                stdout,
            },
            digests,
        ))
    }

    /// Nanoseconds per iteration of one lxml round.
    fn round(&mut self, index: usize, iterations: u32) -> f64 {
        writeln!(self.stdin, "{index} {iterations}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim().parse().unwrap()
    }
}

impl Drop for Lxml {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Nanoseconds per iteration of one round of ours.
fn ours(xml: &str, iterations: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        black_box(saml::canonicalize(black_box(xml)).unwrap());
    }
    start.elapsed().as_nanos() as f64 / f64::from(iterations)
}

/// (median, p10) of `samples`.
fn stats(samples: &mut [f64]) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.1))
}

fn fmt(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}

/// The interleaved comparison with lxml, printed as a table.
fn compare(inputs: &[(&str, String)]) {
    let dir = std::env::temp_dir().join(format!("s2s-oauth-c14n-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<PathBuf> = inputs
        .iter()
        .enumerate()
        .map(|(i, (_, xml))| {
            let path = dir.join(format!("input{i}.xml"));
            std::fs::write(&path, xml).unwrap();
            path
        })
        .collect();
    let started = Lxml::start(&files);
    let _ = std::fs::remove_dir_all(&dir);
    let Some((mut lxml, digests)) = started else {
        return;
    };
    println!("parse + exclusive c14n, {ROUNDS} interleaved rounds each (median, p10):");
    for (index, (name, xml)) in inputs.iter().enumerate() {
        let canonical = saml::canonicalize(xml).unwrap();
        let hex: String = digest(&SHA256, canonical.as_bytes())
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let same = digests[index] == format!("{} {hex}", canonical.len());
        // Rounds of ~20 ms: enough iterations to dwarf the timer and the pipe.
        let once = ours(xml, 1).max(1.0);
        let iterations = ((20e6 / once) as u32).clamp(1, 100_000);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            a.push(ours(xml, iterations));
            b.push(lxml.round(index, iterations));
        }
        let ((am, a10), (bm, b10)) = (stats(&mut a), stats(&mut b));
        println!(
            "  {name} ({} bytes; same canonical bytes as lxml: {same}): s2s-oauth {} / {}, lxml {} / {}, ratio {:.2}× / {:.2}×",
            xml.len(),
            fmt(am),
            fmt(a10),
            fmt(bm),
            fmt(b10),
            am / bm,
            a10 / b10
        );
    }
}

fn main() {
    let assertion = signed_assertion();
    let saml = saml_document(&assertion);
    let inputs = [
        ("3.3 KB signed assertion", assertion),
        ("~1 MB SAML document", saml),
        ("~1 MB dense mixed-content document", large_document()),
    ];
    // `cargo test --benches` runs this once with `--bench` absent: skip the comparison then.
    if std::env::args().any(|a| a == "--bench") {
        compare(&inputs);
    }
    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("parse + exclusive c14n");
    for (name, xml) in &inputs {
        g.bench_function(*name, |b| {
            b.iter(|| saml::canonicalize(black_box(xml)).unwrap())
        });
    }
    g.finish();
    c.final_summary();
}
