//! Sockets with deadlines: an accept that gives up, a read to end of stream that gives up.

use std::io::{ErrorKind, Read};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::process::Failure;

/// Accepts one connection on `listener` within `deadline` (the listener is left blocking
/// again afterwards).
pub fn accept(listener: &TcpListener, deadline: Duration) -> Result<TcpStream, Failure> {
    let fail =
        |e: std::io::Error| Failure::new(format!("accept on {:?}: {e}", listener.local_addr()));
    listener.set_nonblocking(true).map_err(fail)?;
    let end = Instant::now() + deadline;
    let result = loop {
        match listener.accept() {
            Ok((s, _)) => break Ok(s),
            Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < end => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                break Err(Failure::new(format!(
                    "nobody connected to {:?} within {deadline:?}",
                    listener.local_addr()
                )));
            }
            Err(e) => break Err(fail(e)),
        }
    };
    listener.set_nonblocking(false).map_err(fail)?;
    let stream = result?;
    stream.set_nonblocking(false).map_err(fail)?;
    Ok(stream)
}

/// Reads `stream` to its end within `deadline`.
pub fn read_to_end(stream: &mut TcpStream, deadline: Duration) -> Result<Vec<u8>, Failure> {
    let end = Instant::now() + deadline;
    let mut data = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::new(format!(
                "the peer of {:?} did not close within {deadline:?}; {} bytes read",
                stream.peer_addr(),
                data.len()
            )));
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| Failure::new(format!("socket: {e}")))?;
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(data),
            Ok(n) => data.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(e) => {
                return Err(Failure::new(format!(
                    "reading from {:?}: {e}",
                    stream.peer_addr()
                )));
            }
        }
    }
}

/// Runs `attempt` with a fresh port until it does not fail because the port was taken in
/// the meantime (a port probed free can be bound by another process before ours binds it),
/// at most `tries` times. `attempt` returns `Err(Some(f))` for a failure to report and
/// `Err(None)` for "the port was taken, try another".
pub fn with_free_port<T>(
    tries: usize,
    mut attempt: impl FnMut(u16) -> Result<T, Option<Failure>>,
) -> Result<T, Failure> {
    let mut last = String::from("no attempt made");
    for _ in 0..tries.max(1) {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| Failure::new(format!("no free port: {e}")))?
            .port();
        match attempt(port) {
            Ok(v) => return Ok(v),
            Err(Some(f)) => return Err(f),
            Err(None) => last = format!("port {port} was taken before it could be bound"),
        }
    }
    Err(Failure::new(format!(
        "no port could be bound in {tries} tries: {last}"
    )))
}
