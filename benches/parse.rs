//! Token response parsing side by side with its floor, a
//! `serde_json::from_slice::<Value>` of the same bytes (any parse has to read the
//! JSON at least that far): a Salesforce success body and RFC 6749 §5.1's example
//! with an `expires_in` and a refresh token.
//!
//! `cargo bench --bench parse -- --warm-up-time 1 --measurement-time 3`
//!
//! Instruction counts (the robust number on a shared machine): with
//! `PARSE_LOOP=<salesforce|rfc6749>/<value|crate>/<N>` the binary only parses N
//! times and exits, for `valgrind --tool=callgrind`; the cost of one parse is the
//! difference between N = 10000 and N = 0, divided by 10000 (`benches/parse.sh`).

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::Criterion;
use s2s_oauth::{HttpResponse, TokenResponse};

/// A Salesforce JWT Bearer success (no `expires_in`; `instance_url`, `id`,
/// `issued_at` in milliseconds as a string, `signature`).
const SALESFORCE: &[u8] = br#"{"access_token":"00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxezPwuX5VAIrrbbHMuol7GQxnMeYMN7cj8EoWr78nt1u44zU31IbYNNJguseu","signature":"d0u5HPcJrOpmXrC/0qsmaqrY7YwThDNIjyBAIfgl9mM=","scope":"api","instance_url":"https://example.my.salesforce.com","id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS","token_type":"Bearer","issued_at":"1708058728442"}"#;

/// RFC 6749 §5.1's example response.
const RFC6749: &[u8] = br#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","example_parameter":"example_value"}"#;

const BODIES: [(&str, &[u8]); 2] = [("salesforce", SALESFORCE), ("rfc6749", RFC6749)];

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000)
}

fn response(body: &[u8]) -> HttpResponse {
    HttpResponse::new(
        200,
        vec![(
            "Content-Type".into(),
            "application/json;charset=UTF-8".into(),
        )],
        body.to_vec(),
    )
}

fn value(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(black_box(body)).unwrap()
}

fn typed(response: &HttpResponse) -> TokenResponse {
    TokenResponse::parse(black_box(response), now()).unwrap()
}

fn parse(c: &mut Criterion) {
    for (name, body) in BODIES {
        let http = response(body);
        let mut group = c.benchmark_group(format!("token response, {name}"));
        // The floor: any JSON body has to be parsed at least this far.
        group.bench_function("serde_json::from_slice::<Value> (floor)", |b| {
            b.iter(|| value(body))
        });
        group.bench_function("s2s-oauth TokenResponse::parse", |b| {
            b.iter(|| typed(&http))
        });
        group.finish();
    }
}

/// `PARSE_LOOP=<body>/<value|crate>/<N>`: N parses and nothing else.
fn parse_loop(spec: &str) {
    let mut parts = spec.split('/');
    let (Some(body), Some(which), Some(n), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        panic!("PARSE_LOOP={spec}: expected <salesforce|rfc6749>/<value|crate>/<N>")
    };
    let Some((_, body)) = BODIES.into_iter().find(|(name, _)| *name == body) else {
        panic!("PARSE_LOOP: no body named {body}")
    };
    let n: u32 = n.parse().expect("PARSE_LOOP: N is a number");
    let http = response(body);
    for _ in 0..n {
        match which {
            "value" => drop(black_box(value(body))),
            "crate" => drop(black_box(typed(&http))),
            other => panic!("PARSE_LOOP: {other} is not value or crate"),
        }
    }
}

fn main() {
    if let Ok(spec) = std::env::var("PARSE_LOOP") {
        parse_loop(&spec);
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    parse(&mut criterion);
    criterion.final_summary();
}
