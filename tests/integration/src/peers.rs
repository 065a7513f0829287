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
/// with `pin`, and returns what it printed. Err on a non-zero exit or no prompt.
pub fn run_on_tty(
    program: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    prompt: &str,
    pin: &str,
) -> Result<String, String> {
    use expectrl::ControlCode;
    use std::io::Read;
    let mut command = Command::new(program);
    command.args(args);
    let mut session = expectrl::Session::spawn(command).map_err(|e| format!("pty: {e}"))?;
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    let io = |e: std::io::Error| e.to_string();
    if let Some(data) = stdin {
        // On a terminal, ^D hands over the pending bytes; a second ^D on an empty line is EOF.
        session.send(data).map_err(io)?;
        session.send(ControlCode::EndOfTransmission).map_err(io)?;
        session.send(ControlCode::EndOfTransmission).map_err(io)?;
    }
    if let Err(e) = session.expect(prompt) {
        let rest = session
            .expect(expectrl::Eof)
            .map(|c| String::from_utf8_lossy(c.before()).into_owned());
        return Err(format!("{args:?} asked for no PIN ({e}): {rest:?}"));
    }
    session.expect(": ").map_err(|e| e.to_string())?;
    session.send_line(pin).map_err(io)?;
    let mut printed = Vec::new();
    // The pty reports EIO once the child has exited and everything was read.
    let _ = session.read_to_end(&mut printed);
    let status = session
        .get_process_mut()
        .wait()
        .map_err(|e| e.to_string())?;
    let printed = String::from_utf8_lossy(&printed).into_owned();
    match status {
        expectrl::WaitStatus::Exited(_, 0) => Ok(printed),
        other => Err(format!("{args:?}: {other:?}\n{printed}")),
    }
}
