//! Exclusive XML Canonicalization 1.0: the corpus under `tests/data/c14n/` (expected
//! outputs made by lxml/libxml2, see its README), plus the cases lxml cannot check.
#![cfg(feature = "saml")]

use std::path::Path;

use s2s_oauth::Error;
use s2s_oauth::saml::{C14n, SamlError, canonicalize, canonicalize_with};

fn corpus() -> Vec<serde_json::Value> {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/c14n/cases.json"),
    )
    .expect("tests/data/c14n/cases.json");
    serde_json::from_str::<serde_json::Value>(&manifest)
        .expect("cases.json is JSON")
        .as_array()
        .expect("cases.json is an array")
        .clone()
}

#[test]
fn corpus_matches_libxml2_byte_for_byte() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/c14n");
    let cases = corpus();
    assert!(cases.len() >= 25, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let input = std::fs::read_to_string(dir.join(format!("{name}.input.xml"))).expect("input");
        let expected =
            std::fs::read_to_string(dir.join(format!("{name}.expected.xml"))).expect("expected");
        let mut options = C14n::new();
        if case["comments"].as_bool() == Some(true) {
            options = options.with_comments();
        }
        if let Some(prefixes) = case["prefixes"].as_str() {
            options = options.with_inclusive_prefixes(prefixes);
        }
        if let Some(id) = case["subtree_id"].as_str() {
            options = options.with_subtree_id(id);
        }
        if let Some(element) = case["subtree_element"].as_str() {
            let (ns, local) = element
                .trim_start_matches('{')
                .split_once('}')
                .expect("{ns}local");
            options = options.with_subtree_element(ns, local);
        }
        match canonicalize_with(&input, &options) {
            Ok(out) if out == expected => {}
            Ok(out) => failures.push(format!(
                "{name}:\n  got      {out:?}\n  expected {expected:?}"
            )),
            Err(e) => failures.push(format!("{name}: error {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn whole_document_defaults_match_canonicalize() {
    let xml = "<?xml version=\"1.0\"?>\n<!-- c --><doc b='1' a='2'><e/></doc>";
    assert_eq!(
        canonicalize(xml).unwrap(),
        canonicalize_with(xml, &C14n::new()).unwrap()
    );
    assert_eq!(
        canonicalize(xml).unwrap(),
        "<doc a=\"2\" b=\"1\"><e></e></doc>"
    );
}

#[test]
fn prefix_list_default_token() {
    // Exclusive C14N §3: "#default" in the PrefixList names the default namespace,
    // rendered as inclusive c14n would. (lxml drops this token, so it is not in the
    // corpus.)
    let xml = r#"<doc xmlns="urn:d" xmlns:p="urn:p"><p:e Id="e"><p:f/></p:e></doc>"#;
    let out = canonicalize_with(
        xml,
        &C14n::new()
            .with_subtree_id("e")
            .with_inclusive_prefixes("#default"),
    )
    .unwrap();
    assert_eq!(
        out,
        r#"<p:e xmlns="urn:d" xmlns:p="urn:p" Id="e"><p:f></p:f></p:e>"#
    );
    let out = canonicalize_with(xml, &C14n::new().with_subtree_id("e")).unwrap();
    assert_eq!(out, r#"<p:e xmlns:p="urn:p" Id="e"><p:f></p:f></p:e>"#);
}

#[test]
fn default_namespace_is_undeclared_only_after_being_rendered() {
    let xml = r#"<doc xmlns="urn:d"><e xmlns=""><f/></e></doc>"#;
    assert_eq!(
        canonicalize(xml).unwrap(),
        r#"<doc xmlns="urn:d"><e xmlns=""><f></f></e></doc>"#
    );
    let xml = r#"<p:doc xmlns:p="urn:p" xmlns="urn:d"><e xmlns=""/></p:doc>"#;
    assert_eq!(
        canonicalize(xml).unwrap(),
        r#"<p:doc xmlns:p="urn:p"><e></e></p:doc>"#
    );
}

#[test]
fn bad_input_gets_typed_errors() {
    let dtd =
        "<!DOCTYPE doc [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><doc>&lol2;</doc>";
    assert!(matches!(
        canonicalize(dtd),
        Err(Error::Saml(SamlError::Dtd))
    ));
    for (bad, why) in [
        ("", "no element"),
        ("<a>", "before its elements are closed"),
        ("<a></b>", "not well-formed"),
        ("<a>&nbsp;</a>", "undeclared entity"),
        ("<a>&#0;</a>", "not a character XML 1.0 allows"),
        ("<a>\u{7}</a>", "U+0007"),
        ("<p:a/>", "not declared"),
        ("<a x='1' x='2'/>", "has attribute {}x twice"),
        (
            "<a xmlns:p='urn:p' xmlns:q='urn:p' p:x='1' q:x='2'/>",
            "has attribute {urn:p}x twice",
        ),
        ("<a xmlns:p='urn:p' xmlns:p='urn:p'/>", "prefix \"p\" twice"),
        ("<a xmlns='urn:a' xmlns='urn:b'/>", "prefix \"\" twice"),
        (
            "<a xmlns:xml='http://www.w3.org/XML/1998/namespace' xmlns:xml='http://www.w3.org/XML/1998/namespace'/>",
            "prefix \"xml\" twice",
        ),
        ("<a xmlns:p:q='urn:p'/>", "is not a valid name"),
        ("<a:b:c xmlns:a='urn:a'/>", "not a valid qualified name"),
        ("<a b:='1'/>", "not a valid qualified name"),
        ("<a :b='1'/>", "not a valid qualified name"),
        ("<a x\u{e9}:='1'/>", "not a valid qualified name"),
        ("<-a/>", "not"),
        ("<a/>text", "outside the document element"),
        ("<a/><b/>", "more than one document element"),
        (
            "<?xml version='1.0' encoding='ISO-8859-1'?><a/>",
            "only UTF-8",
        ),
        ("<a xmlns:p=''/>", "cannot undeclare"),
    ] {
        match canonicalize(bad) {
            Err(e @ Error::Saml(SamlError::Xml(_))) => {
                assert!(e.to_string().contains(why), "{bad:?}: {e}")
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    let deep = "<a>".repeat(300) + &"</a>".repeat(300);
    assert!(
        canonicalize(&deep)
            .unwrap_err()
            .to_string()
            .contains("deeper than")
    );
    let err = canonicalize_with("<a/>", &C14n::new().with_subtree_id("nope")).unwrap_err();
    assert!(err.to_string().contains("no element matches"), "{err}");
    let err = canonicalize_with(
        "<a><b id='x'/><c ID='x'/></a>",
        &C14n::new().with_subtree_id("x"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("more than one element"), "{err}");
}

/// The byte-wise fast paths (character check, escaping) give what the per-character
/// rules give: around and between multi-byte characters, at the start and the end.
#[test]
fn escaping_and_character_checks_around_non_ascii() {
    let xml = "<a b='&lt;é&quot;x&#9;ü&#xA;&amp;'>&amp;é&lt;&gt;ü&#xD;z€</a>";
    assert_eq!(
        canonicalize(xml).unwrap(),
        "<a b=\"&lt;é&quot;x&#x9;ü&#xA;&amp;\">&amp;é&lt;&gt;ü&#xD;z€</a>"
    );
    for (bad, code) in [
        ("<a>é\u{7}</a>", "U+0007"),
        ("<a>€ü\u{1F}</a>", "U+001F"),
        ("<a>é\u{FFFE}</a>", "U+FFFE"),
        ("<a>x</a>\u{0}", "U+0000"),
        ("<a>\t\n\u{B}</a>", "U+000B"),
    ] {
        let err = canonicalize(bad).unwrap_err().to_string();
        assert!(err.contains(code), "{bad:?}: {err}");
    }
}

/// 250 namespaces in scope, a 5,000-prefix list, 2,000 elements: each element
/// looks its prefixes up in one pass over the scope (the old per-prefix lookup
/// was 2.5 billion string comparisons here, minutes in a debug build).
#[test]
fn a_long_prefix_list_costs_one_pass_over_the_scope_per_element() {
    let decls: String = (0..250)
        .map(|i| format!(" xmlns:n{i}=\"urn:n{i}\""))
        .collect();
    let doc = format!("<r{decls}>{}</r>", "<x/>".repeat(2_000));
    let mut list: Vec<String> = (0..5_000).map(|i| format!("p{i}")).collect();
    list.push("n7 #default".into());
    let options = C14n::new().with_inclusive_prefixes(&list.join(" "));
    let started = std::time::Instant::now();
    let out = canonicalize_with(&doc, &options).unwrap();
    let elapsed = started.elapsed();
    // Only n7 of the listed prefixes is in scope: rendered on the root, not again.
    assert!(
        out.starts_with("<r xmlns:n7=\"urn:n7\"><x></x>"),
        "{out:.60}"
    );
    assert_eq!(out.matches("xmlns").count(), 1);
    // Generous for a debug build on a busy machine.
    assert!(elapsed < std::time::Duration::from_secs(3), "{elapsed:?}");
}
