//! Test harness: every external program, socket and pseudo-terminal a test touches runs under
//! a deadline. On expiry the program (its whole process group) is killed and the test gets a
//! [`Failure`] naming the program, its arguments, the deadline and everything it had printed,
//! so a hang anywhere becomes a readable failure instead of a stuck CI run.
//!
//! - [`run`] / [`run_ok`]: a program to completion, with optional standard input.
//! - [`Server`]: a long-running program (pcscd, the Node stand-in provider, an OCSP
//!   responder) whose output is collected while it runs, with bounded waits for a line or an
//!   exit, killed with its group when dropped.
//! - [`Tty`]: a program on a pseudo-terminal that is typed to only once it really waits for
//!   input (prompt text seen *and* the terminal's echo switched off).
//! - [`net`]: accept and read on sockets with a deadline.
//! - [`MachineLock`]: one holder at a time of a machine-wide resource (pcscd's socket).
//!
//! No function here waits without a bound.

mod lock;
pub mod net;
mod process;
mod tty;

pub use lock::MachineLock;
pub use process::{Failure, Output, Server, describe, run, run_ok};
pub use tty::Tty;

use std::time::Duration;

/// A deadline for short tools (openssl, OpenSC tools, the CLI on the virtual card).
pub const SHORT: Duration = Duration::from_secs(60);
/// A deadline for programs that talk to a card through pcscd or start a server.
pub const MEDIUM: Duration = Duration::from_secs(120);
/// A deadline for package installs and builds a test starts (npm ci).
pub const LONG: Duration = Duration::from_secs(600);

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
