//! A pcscd started by the tests, with vsmartcard's vpcd reader on a free port, and the
//! virtual card plugged into it through [`mynacard_virtual_card::vpcd::serve`].
//!
//! pcsc-lite 1.9 (Debian 12) serves only its compiled-in socket (`/run/pcscd/pcscd.comm`;
//! the daemon ignores `PCSCLITE_CSOCK_NAME`), so there can be one pcscd per machine: the
//! harness refuses to start when another one answers, rather than test someone else's readers.
//! Its reader configuration is private (`pcscd -c DIR`), so the system's own reader.conf.d
//! (which also lists vpcd, on port 35963) is not used.
//!
//! Because the socket is machine-wide, [`Pcscd::start`] first takes a machine-wide lock
//! ([`harness::MachineLock`] `mynacard-pcscd`): the test command and the bench queue for it
//! and the one that waits too long says who holds it. pcscd runs as a [`harness::Server`]:
//! its log is collected in memory and it is killed with its process group when dropped.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mynacard_pcsc::PcscTransport;
use mynacard_virtual_card::{VirtualCard, vpcd};

const PCSCD: &str = "/usr/sbin/pcscd";
const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
const SOCKET: &str = "/run/pcscd/pcscd.comm";
const DEADLINE: Duration = Duration::from_secs(15);
/// How long a second user of the machine's pcscd (the bench beside the tests) waits.
const LOCK_PATIENCE: Duration = Duration::from_secs(120);
/// Starts with a new port when vpcd could not listen on the one probed free.
const START_ATTEMPTS: usize = 3;

/// A running pcscd with one vpcd reader.
pub struct Pcscd {
    // Dropped first: pcscd ends before the lock is released.
    server: harness::Server,
    dir: PathBuf,
    port: u16,
    _lock: harness::MachineLock,
}

fn io_error(msg: String) -> std::io::Error {
    std::io::Error::other(msg)
}

/// A port `p` with `p + 1` free too (vpcd opens two slots on consecutive ports).
fn free_port_pair() -> std::io::Result<u16> {
    for _ in 0..50 {
        let a = TcpListener::bind("127.0.0.1:0")?;
        let p = a.local_addr()?.port();
        if p < u16::MAX
            && TcpListener::bind(("127.0.0.1", p + 1)).is_ok()
            && TcpListener::bind(("0.0.0.0", p)).is_err()
        {
            // `p` is ours while `a` lives; drop it right before pcscd binds it.
            drop(a);
            return Ok(p);
        }
    }
    Err(io_error("no free port pair for vpcd".into()))
}

impl Pcscd {
    /// Starts pcscd in the foreground with a private reader.conf.d holding one vpcd entry.
    pub fn start() -> std::io::Result<Pcscd> {
        if !Path::new(PCSCD).exists() || !Path::new(VPCD_DRIVER).exists() {
            return Err(io_error(format!(
                "{PCSCD} or {VPCD_DRIVER} is missing: run scripts/setup.sh (installs pcscd and vsmartcard-vpcd)"
            )));
        }
        let purpose = format!(
            "pcscd + vpcd for {}",
            std::env::current_exe()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_default()
        );
        let lock = harness::MachineLock::acquire("mynacard-pcscd", &purpose, LOCK_PATIENCE)
            .map_err(|f| io_error(f.into()))?;
        if PcscTransport::list_readers().is_ok()
            && std::os::unix::net::UnixStream::connect(SOCKET).is_ok()
        {
            return Err(io_error(format!(
                "another pcscd already serves {SOCKET}; stop it first (the tests start their own)"
            )));
        }
        let mut failures = Vec::new();
        for attempt in 1..=START_ATTEMPTS {
            match Pcscd::start_once() {
                Ok((server, dir, port)) => {
                    return Ok(Pcscd {
                        server,
                        dir,
                        port,
                        _lock: lock,
                    });
                }
                Err(e) => failures.push(format!("attempt {attempt}: {e}")),
            }
        }
        Err(io_error(failures.join("\n")))
    }

    /// One start on a port probed free: pcscd listing its vpcd reader, its config folder and
    /// the vpcd port.
    fn start_once() -> std::io::Result<(harness::Server, PathBuf, u16)> {
        let dir =
            std::env::temp_dir().join(format!("mynacard-pcscd-{}-{}", std::process::id(), nanos()));
        let conf = dir.join("reader.conf.d");
        std::fs::create_dir_all(&conf)?;
        let port = free_port_pair()?;
        std::fs::write(
            conf.join("vpcd"),
            format!(
                "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:0x{port:X}\nLIBPATH      {VPCD_DRIVER}\nCHANNELID    0x{port:X}\n"
            ),
        )?;
        let mut server = harness::Server::spawn(
            Command::new(PCSCD)
                .args([
                    "--foreground",
                    "--auto-exit",
                    "--apdu",
                    "--debug",
                    "--config",
                ])
                .arg(&conf),
        )
        .map_err(|f| io_error(f.into()))?;
        let name = reader_name();
        let listed = server.wait_for("listing its vpcd reader", DEADLINE, |_| {
            PcscTransport::list_readers()
                .ok()
                .filter(|readers| readers.iter().any(|r| r == &name))
                .map(drop)
        });
        match listed {
            Ok(()) => Ok((server, dir, port)),
            Err(f) => {
                drop(server);
                let _ = std::fs::remove_dir_all(&dir);
                Err(io_error(format!(
                    "port {port}: {}",
                    harness::tail(f.message(), 40)
                )))
            }
        }
    }

    /// Where vpcd waits for the card.
    pub fn vpcd_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The reader as PC/SC lists it.
    pub fn reader_name(&self) -> String {
        reader_name()
    }

    /// pcscd's log (APDUs included: test keys and PINs only).
    pub fn log(&self) -> String {
        format!("{}{}", self.server.stdout(), self.server.stderr())
    }

    /// The last `n` lines of pcscd's log, for failure messages.
    pub fn log_tail(&self, n: usize) -> String {
        harness::tail(&self.log(), n)
    }

    /// Plugs `card` into the vpcd reader on a thread; the card is handed back when the
    /// returned handle is removed.
    pub fn insert(&self, card: VirtualCard) -> InsertedCard {
        // pcscd notices a removal at its next poll of the reader; a card put in before that
        // would be seen as the old one going away.
        let started = Instant::now();
        while self.card_present() {
            assert!(
                started.elapsed() < DEADLINE,
                "pcscd still sees the previous card after {DEADLINE:?}:\n{}",
                self.log_tail(40)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let addr = self.vpcd_addr();
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut card = card;
            let result = vpcd::serve(&mut card, addr, &s);
            (card, result)
        });
        InsertedCard {
            stop,
            thread: Some(thread),
        }
    }

    /// Whether pcscd sees a card in the vpcd reader (asks without connecting, so no session
    /// on the card is disturbed).
    pub fn card_present(&self) -> bool {
        let Ok(ctx) = pcsc::Context::establish(pcsc::Scope::User) else {
            return false;
        };
        let Ok(name) = std::ffi::CString::new(self.reader_name()) else {
            return false;
        };
        let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
        ctx.get_status_change(Some(Duration::ZERO), &mut states)
            .is_ok()
            && states[0].event_state().contains(pcsc::State::PRESENT)
    }

    /// Connects the PC/SC transport to the card in the vpcd reader, waiting until pcscd has
    /// seen the card.
    pub fn connect(&self) -> std::io::Result<PcscTransport> {
        let started = Instant::now();
        loop {
            match PcscTransport::connect(Some(&self.reader_name())) {
                Ok(t) => return Ok(t),
                Err(e) if started.elapsed() > DEADLINE => {
                    return Err(io_error(format!(
                        "no card in the vpcd reader ({e}):\n{}",
                        self.log()
                    )));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        // SIGTERM lets pcscd remove its socket and pid file; SIGKILL only if it hangs.
        self.server.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A virtual card sitting in the vpcd reader.
pub struct InsertedCard {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<(VirtualCard, std::io::Result<()>)>>,
}

impl InsertedCard {
    /// Takes the card out of the reader and returns it. Panics when the bridge to vpcd
    /// failed or does not stop within its deadline.
    pub fn remove(mut self) -> VirtualCard {
        self.stop.store(true, Ordering::Relaxed);
        let thread = self.thread.take().expect("present");
        assert!(
            stopped_in_time(&thread),
            "the vpcd bridge did not stop within {DEADLINE:?}"
        );
        let (card, result) = thread.join().expect("vpcd thread");
        if let Err(e) = result {
            panic!("the vpcd bridge failed: {e}");
        }
        card
    }
}

impl Drop for InsertedCard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take()
            && stopped_in_time(&t)
        {
            let _ = t.join();
        }
    }
}

fn reader_name() -> String {
    "Virtual PCD 00 00".to_string()
}

/// Whether the bridge thread (told to stop) ended within [`DEADLINE`].
fn stopped_in_time<T>(thread: &JoinHandle<T>) -> bool {
    let started = Instant::now();
    while !thread.is_finished() {
        if started.elapsed() >= DEADLINE {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}
