//! The virtual card behind vsmartcard's vpcd driver: pcscd (with vpcd) listens on a TCP port
//! and the card connects to it as a client. Every message is a 2-byte big-endian length then
//! the payload; a 1-byte payload is a control code (0 power off, 1 power on, 2 reset, 4 ATR),
//! anything longer is a command APDU answered with a response APDU (vsmartcard
//! `virtualsmartcard/src/vpcd/vpcd.c`, `vpicc/virtualsmartcard/VirtualSmartcard.py`).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What a card must do to sit behind vpcd.
pub trait VpcdCard {
    fn atr(&self) -> Vec<u8>;
    fn power_on(&mut self);
    fn power_off(&mut self);
    fn reset(&mut self);
    fn process(&mut self, apdu: &[u8]) -> Vec<u8>;
}

const POWER_OFF: u8 = 0;
const POWER_ON: u8 = 1;
const RESET: u8 = 2;
const GET_ATR: u8 = 4;

/// How often a blocked read wakes up to look at `stop`.
const POLL: Duration = Duration::from_millis(100);

/// Connects to vpcd at `addr` (retrying while nothing listens, until `stop`) and answers
/// until vpcd closes the connection or `stop` becomes true. Bad input never panics: an
/// empty message is ignored, an unknown control code is ignored (as vicc does).
pub fn serve<C: VpcdCard + ?Sized>(
    card: &mut C,
    addr: SocketAddr,
    stop: &AtomicBool,
) -> io::Result<()> {
    let mut stream = loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(s) => break s,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionRefused | io::ErrorKind::TimedOut
                ) =>
            {
                std::thread::sleep(POLL);
            }
            Err(e) => return Err(e),
        }
    };
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(POLL))?;
    loop {
        let message = match read_message(&mut stream, stop)? {
            Some(m) => m,
            None => return Ok(()),
        };
        match message.as_slice() {
            [] => {}
            [POWER_OFF] => card.power_off(),
            [POWER_ON] => card.power_on(),
            [RESET] => card.reset(),
            [GET_ATR] => write_message(&mut stream, &card.atr())?,
            [_] => {}
            apdu => {
                let response = card.process(apdu);
                write_message(&mut stream, &response)?;
            }
        }
    }
}

/// One length-prefixed message; `None` when vpcd closed the connection or `stop` was set.
fn read_message(stream: &mut TcpStream, stop: &AtomicBool) -> io::Result<Option<Vec<u8>>> {
    quick_ack(stream);
    let mut header = [0u8; 2];
    if !read_full(stream, &mut header, stop)? {
        return Ok(None);
    }
    quick_ack(stream);
    let mut body = vec![0u8; usize::from(u16::from_be_bytes(header))];
    if !read_full(stream, &mut body, stop)? {
        return Ok(None);
    }
    Ok(Some(body))
}

/// ACK at once (Linux), so vpcd's second write of a frame is not held back by Nagle's
/// algorithm waiting for our delayed ACK of the first. The kernel leaves quick-ACK mode by
/// itself, hence before every read.
fn quick_ack(stream: &TcpStream) {
    #[cfg(target_os = "linux")]
    let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
}

fn read_full(stream: &mut TcpStream, buf: &mut [u8], stop: &AtomicBool) -> io::Result<bool> {
    let mut done = 0;
    while done < buf.len() {
        if stop.load(Ordering::Relaxed) {
            return Ok(false);
        }
        match stream.read(&mut buf[done..]) {
            Ok(0) => return Ok(false),
            Ok(n) => done += n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                ) =>
            {
                return Ok(false);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

fn write_message(stream: &mut TcpStream, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "response longer than vpcd can carry",
        )
    })?;
    let mut frame = Vec::with_capacity(2 + payload.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[derive(Default)]
    struct Echo {
        events: Vec<&'static str>,
    }

    impl VpcdCard for Echo {
        fn atr(&self) -> Vec<u8> {
            vec![0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]
        }
        fn power_on(&mut self) {
            self.events.push("on");
        }
        fn power_off(&mut self) {
            self.events.push("off");
        }
        fn reset(&mut self) {
            self.events.push("reset");
        }
        fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
            [apdu, &[0x90, 0x00]].concat()
        }
    }

    fn frame(payload: &[u8]) -> Vec<u8> {
        [&(payload.len() as u16).to_be_bytes()[..], payload].concat()
    }

    #[test]
    fn framing_and_control_codes() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let vpcd = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            fn exchange(s: &mut TcpStream, payload: &[u8], answer_len: usize) -> Vec<u8> {
                s.write_all(&frame(payload)).unwrap();
                let mut out = vec![0u8; answer_len];
                s.read_exact(&mut out).unwrap();
                out
            }
            let atr = exchange(&mut s, &[GET_ATR], 11);
            assert_eq!(&atr[..2], [0, 9]);
            assert_eq!(
                exchange(&mut s, &[0x00, 0xB0, 0x00, 0x00, 0x00], 9),
                frame(&[0x00, 0xB0, 0x00, 0x00, 0x00, 0x90, 0x00])
            );
            // A big APDU, split across writes.
            let big = vec![0xAB; 3000];
            let f = frame(&big);
            s.write_all(&f[..1000]).unwrap();
            s.write_all(&f[1000..]).unwrap();
            let mut out = vec![0u8; 3004];
            s.read_exact(&mut out).unwrap();
            assert_eq!(&out[..2], (3002u16).to_be_bytes());
            // Control codes, an empty message and an unknown code get no answer.
            for m in [&[POWER_OFF][..], &[POWER_ON], &[RESET], &[], &[9]] {
                s.write_all(&frame(m)).unwrap();
            }
            assert_eq!(
                exchange(&mut s, &[0x00, 0xA4], 6),
                frame(&[0x00, 0xA4, 0x90, 0x00])
            );
        });
        let mut card = Echo::default();
        serve(&mut card, addr, &AtomicBool::new(false)).unwrap();
        vpcd.join().unwrap();
        assert_eq!(card.events, ["off", "on", "reset"]);
    }

    #[test]
    fn stop_ends_a_waiting_client() {
        // Nothing listens: serve keeps retrying until stopped.
        let addr: SocketAddr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let s2 = stop.clone();
        let t = std::thread::spawn(move || serve(&mut Echo::default(), addr, &s2));
        std::thread::sleep(Duration::from_millis(300));
        stop.store(true, Ordering::Relaxed);
        t.join().unwrap().unwrap();
    }
}
