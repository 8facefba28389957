//! `tend`: the command-line entry point and composition root. It reads the
//! configuration, opens the store, and hands both to the command that runs.
//! Errors print their whole cause chain and exit with status 1.

mod command;
mod config;

use clap::Parser as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = command::Cli::parse();
    match command::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
