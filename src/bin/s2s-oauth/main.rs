//! `s2s-oauth`: OAuth 2.0 server-to-server tokens for shell scripts and cron jobs
//! (feature `cli`). The command line is a fixed contract: see `s2s-oauth --help`,
//! or the "Command line" section of the README.
//!
//! Each subcommand is a thin layer over the library's public API; the binary adds
//! argument parsing (`lexopt`), reading secrets from files and environment
//! variables, output, and the mapping of errors to exit codes.

#![forbid(unsafe_code)]

mod args;
mod cache;
mod command;
mod commands;
mod doctor;
mod exit;
mod google;
mod help;
mod inputs;
mod introspect;
mod output;
mod send;
mod verify_jwt;

use std::io::Write;
use std::process::ExitCode;

use args::Parsed;
use exit::Failure;

fn main() -> ExitCode {
    let code = match run(std::env::args_os().skip(1)) {
        Ok(()) => exit::OK,
        Err(failure) => {
            // If stderr is gone too there is nobody left to tell.
            let _ = writeln!(std::io::stderr().lock(), "{failure}");
            exit::exit_code(&failure)
        }
    };
    ExitCode::from(code)
}

fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    let text = match args::parse(args)? {
        Parsed::Help(text) => text.to_owned(),
        Parsed::Version => format!("s2s-oauth {}\n", env!("CARGO_PKG_VERSION")),
        Parsed::Run(command::Command::Doctor, options) => {
            return doctor::run(&options, &mut stdout);
        }
        Parsed::Run(
            command @ (command::Command::Introspect | command::Command::Revoke),
            options,
        ) => {
            return introspect::run(command, &options, &mut stdout);
        }
        Parsed::Run(command::Command::VerifyJwt, options) => {
            return verify_jwt::run(&options, &mut stdout);
        }
        Parsed::Run(command, options) => {
            let outcome = commands::run(command, &options)?;
            return output::write(&mut stdout, &outcome, options.output.unwrap_or_default());
        }
    };
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(Failure::Output)
}
