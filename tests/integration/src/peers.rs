//! Third-party clients run as their users run them, for the conformance tests and the peer
//! benchmark: jpki-cli (siketyan/jpki-rs) and myna (jpki/myna).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// jpki-cli, installed by scripts/setup.sh (`cargo install jpki-cli`).
pub fn jpki_cli() -> Option<PathBuf> {
    let home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
    std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("jpki-cli"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .chain([home.join(".cargo/bin/jpki-cli")])
        .find(|p| p.is_file())
}

/// myna (jpki/myna), not on the crate registry: only where `MYNA_BIN` names a build of it
/// (docs/pcsc.md says how to build one), so never in the test command.
pub fn myna() -> Option<PathBuf> {
    std::env::var_os("MYNA_BIN")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
}

/// Runs a client that reads its PIN only from a terminal (jpki-cli's dialoguer prompt) on a
/// pseudo-terminal: feeds `stdin` (then end of file), answers the prompt containing `prompt`
/// with `pin` once the client really reads (echo off, see [`harness::Tty`]), and returns what
/// it printed. Err on a non-zero exit, no prompt, or anything not done within `deadline`.
pub fn run_on_tty(
    program: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    prompt: &str,
    pin: &str,
    deadline: Duration,
) -> Result<String, harness::Failure> {
    let mut command = Command::new(program);
    command.args(args);
    let mut tty = harness::Tty::spawn(command, deadline)?;
    if let Some(data) = stdin {
        tty.send(data)?;
        tty.send_eof()?;
    }
    tty.answer_secret(prompt, pin)?;
    tty.finish()
}
