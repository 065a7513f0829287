//! A program on a pseudo-terminal, for clients that read a PIN only from a terminal.
//!
//! Why the echo check: a password prompt (dialoguer → console's `read_secure`) prints its
//! text, then switches the terminal's echo off with `tcsetattr(TCSAFLUSH)`, which *discards*
//! input that arrived before it. A PIN typed right after the prompt text appeared can be
//! thrown away, and the program then waits for a line that never comes. So the PIN is typed
//! only once the prompt text was seen and the echo is off: from then on the line is kept.
//! Every wait here is bounded by the deadline given at spawn.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
use rustix::process::Signal;
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{LocalModes, Winsize, tcgetattr, tcsetwinsize};

use crate::process::{Failure, describe, kill_group, wait_until};

/// A program on a pseudo-terminal of its own (standard input, output and error; echo on, as
/// a new terminal starts) in a process group of its own, with one deadline for everything it
/// is asked to do.
pub struct Tty {
    master: File,
    child: Child,
    what: String,
    deadline: Duration,
    end: Instant,
    /// Everything it printed (the terminal's echo included).
    printed: Vec<u8>,
    /// Where the next search for expected text starts.
    seen: usize,
    eof: bool,
}

fn pty_error(what: &str, e: impl std::fmt::Display) -> Failure {
    Failure::new(format!("`{what}`: no pseudo-terminal: {e}"))
}

impl Tty {
    /// Starts `cmd` on a new pseudo-terminal; every later call must be done by `deadline`.
    pub fn spawn(mut cmd: Command, deadline: Duration) -> Result<Tty, Failure> {
        let what = describe(&cmd);
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
            .map_err(|e| pty_error(&what, e))?;
        grantpt(&master).map_err(|e| pty_error(&what, e))?;
        unlockpt(&master).map_err(|e| pty_error(&what, e))?;
        let name = ptsname(&master, Vec::new()).map_err(|e| pty_error(&what, e))?;
        let _ = tcsetwinsize(
            &master,
            Winsize {
                ws_row: 24,
                ws_col: 120,
                ws_xpixel: 0,
                ws_ypixel: 0,
            },
        );
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(OFlags::NOCTTY.bits() as i32)
            .open(std::ffi::OsStr::new(&*name.to_string_lossy()))
            .map_err(|e| pty_error(&what, e))?;
        let clone = |f: &File| f.try_clone().map_err(|e| pty_error(&what, e));
        cmd.stdin(clone(&slave)?)
            .stdout(clone(&slave)?)
            .stderr(slave)
            .process_group(0);
        let child = cmd
            .spawn()
            .map_err(|e| Failure::new(format!("`{what}` could not be started on a pty: {e}")))?;
        // Our copies of the terminal's side go with the command, so the master reads end of
        // file (EIO) once the program and its children have closed theirs.
        drop(cmd);
        let flags = fcntl_getfl(&master).map_err(|e| pty_error(&what, e))?;
        fcntl_setfl(&master, flags | OFlags::NONBLOCK).map_err(|e| pty_error(&what, e))?;
        Ok(Tty {
            master: File::from(master),
            child,
            what,
            deadline,
            end: Instant::now() + deadline,
            printed: Vec::new(),
            seen: 0,
            eof: false,
        })
    }

    /// Kills its process group unless it has exited (std's `Child` keeps the exit status
    /// once reaped).
    fn kill(&mut self) {
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            kill_group(&self.child, Signal::KILL);
            let _ = wait_until(&mut self.child, Instant::now() + Duration::from_secs(5));
        }
    }

    /// What it printed so far, as text.
    pub fn printed(&self) -> String {
        String::from_utf8_lossy(&self.printed).into_owned()
    }

    fn fail(&mut self, why: &str) -> Failure {
        self.pump();
        self.kill();
        Failure::new(format!(
            "`{}` on a pty: {why} (deadline {:?}); killed. It had printed:\n{}",
            self.what,
            self.deadline,
            self.printed().trim_end()
        ))
    }

    /// Reads what is there without blocking; notes end of file (EIO once the child is gone).
    fn pump(&mut self) {
        let mut chunk = [0u8; 4096];
        loop {
            match self.master.read(&mut chunk) {
                Ok(0) => {
                    self.eof = true;
                    return;
                }
                Ok(n) => self.printed.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.eof = true;
                    return;
                }
            }
        }
    }

    /// Waits until `text` appears after what earlier calls matched.
    pub fn expect(&mut self, text: &str) -> Result<(), Failure> {
        loop {
            self.pump();
            let hay = &self.printed[self.seen..];
            if let Some(i) = hay.windows(text.len()).position(|w| w == text.as_bytes()) {
                self.seen += i + text.len();
                return Ok(());
            }
            if self.eof {
                return Err(self.fail(&format!("ended without printing {text:?}")));
            }
            if Instant::now() >= self.end {
                return Err(self.fail(&format!("never printed {text:?}")));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until the program has switched the terminal's echo off (a password prompt is
    /// reading).
    pub fn wait_echo_off(&mut self) -> Result<(), Failure> {
        loop {
            match tcgetattr(&self.master) {
                Ok(t) if !t.local_modes.contains(LocalModes::ECHO) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(self.fail(&format!("terminal state unreadable: {e}"))),
            }
            self.pump();
            if self.eof {
                return Err(self.fail("ended before switching the echo off for a password"));
            }
            if Instant::now() >= self.end {
                return Err(self.fail("printed its prompt but never switched the echo off"));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Types `bytes`.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        let mut written = 0;
        while written < bytes.len() {
            match self.master.write(&bytes[written..]) {
                Ok(n) => written += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < self.end => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    let why = format!("typing failed: {e}");
                    return Err(self.fail(&why));
                }
            }
        }
        Ok(())
    }

    /// Types end of file: ^D hands over a pending line, a second ^D on an empty line is EOF.
    pub fn send_eof(&mut self) -> Result<(), Failure> {
        // VEOF, ^D on every terminal a new pty starts as.
        self.send(&[0x04])?;
        self.send(&[0x04])
    }

    /// Answers a password prompt: waits for `prompt`, then for the echo to go off, then types
    /// `secret` and Enter.
    pub fn answer_secret(&mut self, prompt: &str, secret: &str) -> Result<(), Failure> {
        self.expect(prompt)?;
        self.wait_echo_off()?;
        self.send(format!("{secret}\n").as_bytes())
    }

    /// Waits for the program to end; Ok with everything it printed when it exited with 0.
    pub fn finish(mut self) -> Result<String, Failure> {
        loop {
            self.pump();
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    // The last output may still be in the pty.
                    let drain_end = Instant::now() + Duration::from_millis(500);
                    while !self.eof && Instant::now() < drain_end {
                        self.pump();
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    return if status.success() {
                        Ok(self.printed())
                    } else {
                        Err(Failure::new(format!(
                            "`{}` on a pty ended with {status}:\n{}",
                            self.what,
                            self.printed().trim_end()
                        )))
                    };
                }
                Ok(None) => {}
                Err(e) => return Err(self.fail(&format!("waiting failed: {e}"))),
            }
            if Instant::now() >= self.end {
                return Err(self.fail("did not exit"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Tty {
    fn drop(&mut self) {
        self.kill();
    }
}
