//! What the provider examples share: reading their settings from environment
//! variables (and saying what to set when one is missing), reading files, and the
//! exit codes of the command-line tool (2: bad local input, nothing sent; 3: the
//! server refused; 4: transport failure or server fault, a retry may help).
#![allow(dead_code)]

use std::process::exit;

/// Collects the example's settings; [`Settings::finish`] lists every missing one
/// at once and exits 2.
pub struct Settings {
    example: &'static str,
    missing: Vec<(&'static str, &'static str)>,
}

impl Settings {
    pub fn new(example: &'static str) -> Self {
        Settings {
            example,
            missing: Vec::new(),
        }
    }

    /// A required variable; when unset or empty it is noted with `help`.
    pub fn required(&mut self, name: &'static str, help: &'static str) -> String {
        match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => value,
            _ => {
                self.missing.push((name, help));
                String::new()
            }
        }
    }

    /// An optional variable.
    pub fn optional(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }

    /// Exits 2 with the list of what to set, if anything is missing.
    pub fn finish(&self) {
        if self.missing.is_empty() {
            return;
        }
        eprintln!("{}: set these environment variables first:", self.example);
        for (name, help) in &self.missing {
            eprintln!("  {name:<22} {help}");
        }
        eprintln!("\nThen: cargo run --example {}", self.example);
        exit(2);
    }
}

/// Reads a file named by a setting, or exits 2 saying which.
pub fn read(path: &str, what: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("cannot read the {what} at {path:?}: {e}");
        exit(2)
    })
}

/// Prints the error (and `hint`, if any) and exits with the CLI's code for it.
pub fn fail(error: &s2s_oauth::Error, hint: Option<&str>) -> ! {
    eprintln!("error: {error}");
    if let Some(hint) = hint {
        eprintln!("hint: {hint}");
    }
    exit(if error.is_local() {
        2
    } else if error.oauth_error().is_some() && !error.is_retryable() {
        3
    } else {
        4
    })
}
