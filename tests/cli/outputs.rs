//! `--output header` and `--output env` for shells: a token made of every
//! character a shell treats specially comes back unchanged through
//! `eval "$(s2s-oauth … --output env)"`, and nothing in it is run.

use std::process::Command;

use s2s_oauth::testkit::{Fault, Profile};

use super::support::{SECRET, TempDir, endpoint, run_client_credentials, server};

/// A token with quotes, command substitutions, globbing, a variable, `;`, `&`,
/// `|`, `\`, `#`, `~` and spaces: all printable ASCII, so RFC 6749 allows it.
const HOSTILE: &str = r#"t'o"k$(touch PWNED)`touch PWNED2`;&|\ *?[x] #$HOME ~!{a,b}'\''"#;

/// client-credentials answered by `body`, printed as `--output output`.
fn print_as(output: &str, body: &str) -> super::support::Run {
    let server = server(Profile::Generic);
    server.inject(Fault::status(200, "application/json", body), 1);
    run_client_credentials(&endpoint(&server), &["--output", output], SECRET)
}

fn body() -> String {
    serde_json::json!({
        "access_token": HOSTILE,
        "token_type": "bearer",
        "expires_in": 3600,
        "instance_url": "https://acme.my.salesforce.com/it's",
    })
    .to_string()
}

#[test]
fn env_output_evaluates_to_the_values_and_runs_nothing() {
    let run = print_as("env", &body());
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, "");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{run:?}");
    for (line, name) in lines.iter().zip([
        "ACCESS_TOKEN=",
        "TOKEN_TYPE=",
        "EXPIRES_AT=",
        "INSTANCE_URL=",
    ]) {
        assert!(line.starts_with(name), "{line}");
    }
    // eval in a POSIX shell, in an empty directory where PWNED would appear.
    let dir = TempDir::new();
    let script = r#"eval "$S2S_OUTPUT" && printf '%s\n%s\n%s\n%s' "$ACCESS_TOKEN" "$TOKEN_TYPE" "$EXPIRES_AT" "$INSTANCE_URL""#;
    let shell = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir.path())
        .env("S2S_OUTPUT", &run.stdout)
        .output()
        .expect("run sh");
    assert!(shell.status.success(), "{shell:?}");
    let printed = String::from_utf8(shell.stdout).unwrap();
    let values: Vec<&str> = printed.split('\n').collect();
    assert_eq!(values[0], HOSTILE);
    assert_eq!(values[1], "Bearer");
    let now = super::now_secs();
    let expires_at: u64 = values[2].parse().unwrap();
    assert!(
        (now + 3590..=now + 3600).contains(&expires_at),
        "{expires_at}"
    );
    assert_eq!(values[3], "https://acme.my.salesforce.com/it's");
    let created: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(
        created.is_empty(),
        "the shell ran part of the token: {created:?}"
    );
}

#[test]
fn header_output_is_one_authorization_line() {
    let run = print_as("header", &body());
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, format!("Authorization: Bearer {HOSTILE}\n"));
    // A line break in the token would add a header line: refused, exit 5.
    let split = r#"{"access_token":"abc\r\nX-Injected: 1","token_type":"Bearer"}"#;
    let refused = print_as("header", split);
    let line = refused.failure(5);
    assert!(line.contains("outside printable ASCII"), "{line}");
    assert!(!refused.stderr.contains("Injected"), "{refused:?}");
}

/// Salesforce tokens say no lifetime: no EXPIRES_AT line, and no expires_at in
/// json.
#[test]
fn without_a_lifetime_there_is_no_expiry() {
    let body = r#"{"access_token":"00D!x","token_type":"Bearer","instance_url":"https://acme.my.salesforce.com"}"#;
    let run = print_as("env", body);
    assert_eq!(
        run.stdout,
        "ACCESS_TOKEN='00D!x'\nTOKEN_TYPE='Bearer'\nINSTANCE_URL='https://acme.my.salesforce.com'\n"
    );
    let json = print_as("json", body).json();
    assert!(!json.contains_key("expires_at"), "{json:?}");
}
