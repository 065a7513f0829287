//! Programs run to completion ([`run`], [`run_ok`]) or in the background ([`Server`]), each in
//! its own process group so that a kill on expiry also ends what it started (npm → node).

use std::fmt;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process_group};

/// Why a bounded wait ended without the expected result: the message names the program, its
/// arguments, the deadline and what the program had printed. `Debug` prints the message as
/// it is, so `.unwrap()` and `.expect()` show it readably.
pub struct Failure(String);

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure(message.into())
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0
    }

    /// The same failure with `more` appended (for example the pcscd log tail).
    pub fn with(self, more: impl fmt::Display) -> Failure {
        Failure(format!("{}\n{more}", self.0))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

impl From<Failure> for String {
    fn from(f: Failure) -> String {
        f.0
    }
}

/// `program arg1 arg2 …` as a person would type it (arguments quoted where needed).
pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        let a = a.to_string_lossy();
        if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
            s.push_str(&format!(" {a:?}"));
        } else {
            s.push(' ');
            s.push_str(&a);
        }
    }
    s
}

/// What a finished program printed and how it ended.
pub struct Output {
    /// The program as [`describe`] writes it.
    pub what: String,
    /// Its exit status.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
}

impl Output {
    /// Standard output as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Standard output followed by standard error.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout_text(), self.stderr_text())
    }

    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}):\n{}",
            self.what,
            self.status,
            printed(&self.stdout, &self.stderr)
        )
    }
}

fn printed(stdout: &[u8], stderr: &[u8]) -> String {
    let part = |name: &str, bytes: &[u8]| {
        if bytes.is_empty() {
            format!("--- {name}: (nothing)\n")
        } else {
            let text = String::from_utf8_lossy(bytes);
            format!("--- {name}:\n{}\n", text.trim_end())
        }
    };
    format!("{}{}", part("stdout", stdout), part("stderr", stderr))
}

/// A pipe drained on a thread into a buffer that can be looked at while the program runs.
struct Collector {
    buffer: Arc<Mutex<Vec<u8>>>,
    done: Receiver<()>,
}

impl Collector {
    fn start(pipe: Option<impl Read + Send + 'static>) -> Collector {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let (tx, done) = mpsc::channel();
        let b = buffer.clone();
        std::thread::spawn(move || {
            if let Some(mut pipe) = pipe {
                let mut chunk = [0u8; 8192];
                while let Ok(n) = pipe.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut b) = b.lock() {
                        b.extend_from_slice(&chunk[..n]);
                    }
                }
            }
            let _ = tx.send(());
        });
        Collector { buffer, done }
    }

    fn snapshot(&self) -> Vec<u8> {
        self.buffer.lock().map(|b| b.clone()).unwrap_or_default()
    }

    /// Everything, once the pipe closed or `grace` passed (a grandchild may hold it open).
    fn finish(&self, grace: Duration) -> Vec<u8> {
        let _ = self.done.recv_timeout(grace);
        self.snapshot()
    }
}

/// How long a [`Server`] has between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

pub(crate) fn kill_group(child: &Child, signal: Signal) {
    let _ = kill_process_group(Pid::from_child(child), signal);
}

/// Polls `child` until it exits or `deadline` passes.
pub(crate) fn wait_until(
    child: &mut Child,
    deadline: Instant,
) -> std::io::Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `cmd` to completion within `deadline`, feeding `input` on standard input (none: the
/// null device). Err when it cannot start or does not finish in time (then its process group
/// is killed); a non-zero exit is returned as an [`Output`] (see [`run_ok`]).
pub fn run(cmd: &mut Command, input: Option<&[u8]>, deadline: Duration) -> Result<Output, Failure> {
    let what = describe(cmd);
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| Failure::new(format!("`{what}` could not be started: {e}")))?;
    if let Some(data) = input {
        let data = data.to_vec();
        if let Some(mut stdin) = child.stdin.take() {
            // A program that never reads its input must not block the test: write on a thread.
            std::thread::spawn(move || {
                let _ = stdin.write_all(&data);
            });
        }
    }
    let out = Collector::start(child.stdout.take());
    let err = Collector::start(child.stderr.take());
    let status = wait_until(&mut child, Instant::now() + deadline)
        .map_err(|e| Failure::new(format!("`{what}`: waiting failed: {e}")))?;
    match status {
        Some(status) => Ok(Output {
            what,
            status,
            stdout: out.finish(Duration::from_secs(5)),
            stderr: err.finish(Duration::from_secs(5)),
        }),
        None => {
            kill_group(&child, Signal::KILL);
            let _ = wait_until(&mut child, Instant::now() + Duration::from_secs(5));
            Err(Failure::new(format!(
                "`{what}` did not finish within its deadline of {deadline:?} and was killed. It had printed:\n{}",
                printed(
                    &out.finish(Duration::from_millis(200)),
                    &err.finish(Duration::from_millis(200))
                )
            )))
        }
    }
}

/// [`run`], and Err unless the program exited with status 0 (the message holds its output).
pub fn run_ok(
    cmd: &mut Command,
    input: Option<&[u8]>,
    deadline: Duration,
) -> Result<Output, Failure> {
    let o = run(cmd, input, deadline)?;
    if o.success() {
        Ok(o)
    } else {
        Err(Failure::new(format!(
            "`{}` failed ({}):\n{}",
            o.what,
            o.status,
            printed(&o.stdout, &o.stderr)
        )))
    }
}

/// A long-running program (a daemon or a server a test talks to): its output is collected
/// while it runs, every wait on it has a deadline, and dropping it ends its process group
/// (SIGTERM, then SIGKILL after a grace period).
pub struct Server {
    child: Child,
    what: String,
    out: Collector,
    err: Collector,
    stopped: bool,
    own_group: bool,
}

impl Server {
    /// Starts `cmd` in a process group of its own with its standard input on the null device
    /// and its output collected.
    pub fn spawn(cmd: &mut Command) -> Result<Server, Failure> {
        Server::spawn_with(cmd, true, false)
    }

    /// Starts `cmd` in the caller's process group, so a person's Ctrl-C in a terminal ends it
    /// too (for servers a demo starts); `show_stderr` passes its standard error through.
    pub fn spawn_attached(cmd: &mut Command, show_stderr: bool) -> Result<Server, Failure> {
        Server::spawn_with(cmd, false, show_stderr)
    }

    fn spawn_with(
        cmd: &mut Command,
        own_group: bool,
        show_stderr: bool,
    ) -> Result<Server, Failure> {
        let what = describe(cmd);
        cmd.stdin(Stdio::null()).stdout(Stdio::piped());
        cmd.stderr(if show_stderr {
            Stdio::inherit()
        } else {
            Stdio::piped()
        });
        if own_group {
            cmd.process_group(0);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| Failure::new(format!("`{what}` could not be started: {e}")))?;
        let out = Collector::start(child.stdout.take());
        let err = Collector::start(child.stderr.take());
        Ok(Server {
            child,
            what,
            out,
            err,
            stopped: false,
            own_group,
        })
    }

    /// What it printed on standard output so far.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.snapshot()).into_owned()
    }

    /// What it printed on standard error so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err.snapshot()).into_owned()
    }

    /// Both, labelled, for failure messages.
    pub fn printed(&self) -> String {
        printed(&self.out.snapshot(), &self.err.snapshot())
    }

    /// Polls `ready` every 20 ms until it gives a value. Err when the program exits first or
    /// `deadline` passes; the message says what was awaited and what the program printed.
    pub fn wait_for<T>(
        &mut self,
        awaited: &str,
        deadline: Duration,
        mut ready: impl FnMut(&Server) -> Option<T>,
    ) -> Result<T, Failure> {
        let end = Instant::now() + deadline;
        loop {
            if let Some(v) = ready(self) {
                return Ok(v);
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // The last lines may still be in the pipes.
                if let Some(v) = ready(self) {
                    return Ok(v);
                }
                return Err(Failure::new(format!(
                    "`{}` exited ({status}) before {awaited}. It had printed:\n{}",
                    self.what,
                    printed(
                        &self.out.finish(Duration::from_secs(1)),
                        &self.err.finish(Duration::from_secs(1))
                    )
                )));
            }
            if Instant::now() >= end {
                return Err(Failure::new(format!(
                    "`{}` did not get to {awaited} within {deadline:?}. It had printed:\n{}",
                    self.what,
                    self.printed()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The first line of standard output that `pick` accepts, within `deadline`.
    pub fn wait_for_line<T>(
        &mut self,
        awaited: &str,
        deadline: Duration,
        mut pick: impl FnMut(&str) -> Option<T>,
    ) -> Result<T, Failure> {
        self.wait_for(awaited, deadline, |s| {
            // Only complete lines: a line still being written could be cut.
            let out = s.stdout();
            let complete = out.rfind('\n').map_or("", |i| &out[..i]);
            complete.lines().find_map(&mut pick)
        })
    }

    /// Waits for it to exit by itself within `deadline`; on expiry it is killed and Err names
    /// it with its output.
    pub fn wait(&mut self, deadline: Duration) -> Result<ExitStatus, Failure> {
        match wait_until(&mut self.child, Instant::now() + deadline) {
            Ok(Some(status)) => {
                let _ = self.out.finish(Duration::from_secs(2));
                let _ = self.err.finish(Duration::from_secs(2));
                Ok(status)
            }
            Ok(None) | Err(_) => {
                self.stop();
                Err(Failure::new(format!(
                    "`{}` did not exit within {deadline:?} and was killed. It had printed:\n{}",
                    self.what,
                    self.printed()
                )))
            }
        }
    }

    /// Ends it (its process group, when it has its own): SIGTERM, then SIGKILL when the
    /// grace period passes.
    pub fn stop(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        let signal = |s: &Server, sig: Signal| {
            if s.own_group {
                kill_group(&s.child, sig);
            } else {
                let _ = rustix::process::kill_process(Pid::from_child(&s.child), sig);
            }
        };
        if let Ok(Some(_)) = self.child.try_wait() {
            if self.own_group {
                // What is left of its group (a grandchild still running).
                kill_group(&self.child, Signal::KILL);
            }
            return;
        }
        signal(self, Signal::TERM);
        if !matches!(
            wait_until(&mut self.child, Instant::now() + STOP_GRACE),
            Ok(Some(_))
        ) {
            signal(self, Signal::KILL);
            let _ = wait_until(&mut self.child, Instant::now() + Duration::from_secs(5));
        }
        if self.own_group {
            // Whatever else of the group is left (a grandchild that ignored SIGTERM).
            kill_group(&self.child, Signal::KILL);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
