//! One holder at a time of something the whole machine shares.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::process::Failure;

/// An exclusive lock on a machine-wide resource, held until dropped. The lock file (in the
/// system's temporary directory) records the holder's pid and purpose for the message a
/// second claimant gets. The operating system releases it when the holder dies, so a killed
/// test never leaves it stuck.
pub struct MachineLock {
    _file: File,
}

impl MachineLock {
    /// Takes the lock named `name`, waiting at most `patience` for another holder to finish.
    /// `purpose` says what this holder does (shown to whoever waits for it).
    pub fn acquire(name: &str, purpose: &str, patience: Duration) -> Result<MachineLock, Failure> {
        let path = std::env::temp_dir().join(format!("{name}.lock"));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Failure::new(format!("lock file {}: {e}", path.display())))?;
        let end = Instant::now() + patience;
        loop {
            match file.try_lock() {
                Ok(()) => {
                    let _ = file.set_len(0);
                    let _ = file.rewind();
                    let _ = write!(file, "pid {} — {purpose}", std::process::id());
                    let _ = file.flush();
                    return Ok(MachineLock { _file: file });
                }
                Err(TryLockError::WouldBlock) if Instant::now() < end => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(Failure::new(format!(
                        "{} is held by another process ({}) and was not released within {patience:?}: \
                         run the test command and the bench one at a time",
                        lock_name(&path),
                        holder(&mut file)
                    )));
                }
                Err(TryLockError::Error(e)) => {
                    return Err(Failure::new(format!("lock {}: {e}", path.display())));
                }
            }
        }
    }
}

fn lock_name(path: &Path) -> String {
    format!("the machine-wide lock {}", path.display())
}

fn holder(file: &mut File) -> String {
    let mut s = String::new();
    let _ = file.rewind();
    let _ = file.read_to_string(&mut s);
    if s.is_empty() {
        "holder unknown".into()
    } else {
        s
    }
}
