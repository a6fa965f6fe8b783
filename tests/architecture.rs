//! The layering of ARCHITECTURE.md, checked: the top-level modules of `src/` form no
//! cycle, the bottom layer uses nothing above it, and `jwt` and `saml` never use each
//! other. A module "uses" another when its code (not its comments) names
//! `crate::other`, names a root re-export (`crate::Error` is the `error` module's),
//! or lists it in a group (`use crate::{error, url}`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Keys, time and the small encoders: they know nothing of tokens, requests or
/// `crate::Error`.
const BOTTOM: &[&str] = &[
    "encoding", "form", "json", "key", "redact", "replay", "secrets", "time",
];

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Top-level module → the top-level modules its code names. `lib.rs` and the
/// binary are left out.
fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let reexports = root_reexports(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut graph = Graph::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(&src).unwrap();
            let top = rel.components().next().unwrap().as_os_str();
            let top = top.to_str().unwrap().trim_end_matches(".rs").to_owned();
            if top == "bin" || top == "lib" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let uses = graph.entry(top.clone()).or_default();
            // Code only, as one text: a `use crate::{...}` may span lines.
            let text = std::fs::read_to_string(&path).unwrap();
            let code: String = text
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join(" ");
            for (at, _) in code.match_indices("crate::") {
                for name in used_modules(&code[at + "crate::".len()..], &reexports) {
                    if name != top {
                        uses.insert(name);
                    }
                }
            }
        }
    }
    graph
}

/// The root's re-exported names and the module each comes from: `pub use
/// error::Error;` maps `Error` to `error`, `pub use key::{SigningKey, ...}` each
/// name to `key`.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let code: String = lib
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join(" ");
    for statement in code.split(';') {
        let Some(at) = statement.find("pub use ") else {
            continue;
        };
        let path = statement[at + "pub use ".len()..].trim();
        let module: String = path
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        let names = match (path.find('{'), path.rfind('}')) {
            (Some(open), Some(close)) => path[open + 1..close].to_owned(),
            _ => path.rsplit("::").next().unwrap_or(path).to_owned(),
        };
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let name = name.rsplit("::").next().unwrap_or(name);
            map.insert(name.to_owned(), module.clone());
        }
    }
    map
}

/// The top-level modules that the text after a `crate::` names: a module
/// (`error::...`), a root re-export (`Error`), or each entry of a group
/// (`{error, url::EndpointUrl, Error}`).
fn used_modules(after: &str, reexports: &BTreeMap<String, String>) -> Vec<String> {
    let entry = |text: &str| -> Option<String> {
        let name: String = text
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        match name.chars().next() {
            Some(c) if c.is_ascii_uppercase() || reexports.contains_key(&name) => {
                reexports.get(&name).cloned()
            }
            Some(_) => Some(name),
            None => None,
        }
    };
    let Some(group) = after.strip_prefix('{') else {
        return entry(after).into_iter().collect();
    };
    // The group's entries: split at the commas outside nested braces, up to the
    // brace that closes it.
    let (mut entries, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                entries.push(&group[start..i]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                entries.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    entries.into_iter().filter_map(entry).collect()
}

/// A cycle through `from`, if there is one (depth-first search).
fn cycle(graph: &Graph, from: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &Graph,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> bool {
        if let Some(at) = path.iter().position(|n| n == node) {
            path.drain(..at);
            path.push(node.to_owned());
            return true;
        }
        if !done.insert(node.to_owned()) {
            return false;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if walk(graph, next, path, done) {
                return true;
            }
        }
        path.pop();
        false
    }
    let mut path = Vec::new();
    walk(graph, from, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn the_modules_of_src_form_no_cycle() {
    let graph = graph();
    assert!(graph.len() > 20, "too few modules found: {graph:?}");
    for module in graph.keys() {
        if let Some(cycle) = cycle(&graph, module) {
            panic!("module cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_bottom_layer_uses_nothing_above_it() {
    let graph = graph();
    for module in BOTTOM {
        let uses = graph
            .get(*module)
            .unwrap_or_else(|| panic!("no module {module}"));
        let above: Vec<&String> = uses
            .iter()
            .filter(|u| !BOTTOM.contains(&u.as_str()))
            .collect();
        assert!(
            above.is_empty(),
            "{module} uses {above:?}, above the bottom layer"
        );
    }
}

#[test]
fn jwt_and_saml_never_use_each_other() {
    let graph = graph();
    assert!(!graph["jwt"].contains("saml"), "jwt uses saml");
    assert!(!graph["saml"].contains("jwt"), "saml uses jwt");
}

#[test]
fn re_exports_and_groups_count_as_uses() {
    let reexports = root_reexports(
        "pub use error::Error;\npub use key::{Algorithm, SigningKey};\npub use ureq;",
    );
    assert_eq!(used_modules("Error::input(", &reexports), ["error"]);
    assert_eq!(used_modules("SigningKey", &reexports), ["key"]);
    assert_eq!(
        used_modules("{error::Error, url, Algorithm};", &reexports),
        ["error", "url", "key"]
    );
    assert_eq!(used_modules("time::parse", &reexports), ["time"]);
    // Nested groups and a group wrapped over lines (joined with spaces).
    assert_eq!(
        used_modules("{error::{Error, KeyError}, url};", &reexports),
        ["error", "url"]
    );
    assert_eq!(
        used_modules("{   error,   url::EndpointUrl, };", &reexports),
        ["error", "url"]
    );
}

#[test]
fn a_cycle_is_found_when_there_is_one() {
    let mut graph = Graph::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(cycle(&graph, "a").unwrap(), ["a", "b", "c", "a"]);
    graph.get_mut("c").unwrap().clear();
    assert_eq!(cycle(&graph, "a"), None);
}
