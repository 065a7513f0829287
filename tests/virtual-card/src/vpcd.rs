//! The virtual card behind vsmartcard's vpcd driver: pcscd (with vpcd) listens on a TCP port
//! and the card connects to it as a client. Every message is a 2-byte big-endian length then
//! the payload; a 1-byte payload is a control code (0 power off, 1 power on, 2 reset, 4 ATR),
//! anything longer is a command APDU answered with a response APDU. Only the ATR request and
//! APDUs get an answer (vsmartcard `virtualsmartcard/src/vpcd/vpcd.c`,
//! `vpicc/virtualsmartcard/VirtualSmartcard.py`).
//!
//! vpcd opens one port per slot: the `CHANNELID` (or the port in `DEVICENAME host:port`) for
//! slot 0, one more for slot 1. The card takes one slot; [`serve`] is told which by `addr`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What a card must do to sit behind vpcd.
pub trait VpcdCard {
    /// The answer to reset, sent when vpcd asks for it (after every power-on and reset).
    fn atr(&self) -> Vec<u8>;
    /// vpcd powered the card (cold reset).
    fn power_on(&mut self);
    /// vpcd powered the card down.
    fn power_off(&mut self);
    /// vpcd asked for a warm reset.
    fn reset(&mut self);
    /// One command APDU in, one response APDU (data and SW1 SW2) out.
    fn process(&mut self, apdu: &[u8]) -> Vec<u8>;
}

const POWER_OFF: u8 = 0;
const POWER_ON: u8 = 1;
const RESET: u8 = 2;
const GET_ATR: u8 = 4;

/// How often a blocked read or a refused connect wakes up to look at `stop`.
const POLL: Duration = Duration::from_millis(100);

/// Connects to vpcd at `addr` (retrying until it is listening or `stop` is set) and answers
/// until the connection closes or `stop` becomes true; either way the result is `Ok(())` and
/// the socket is closed, which vpcd reports to pcscd as the card leaving the reader.
///
/// Never panics on bad input from the socket: an empty message and unknown one-byte control
/// codes are ignored (as vsmartcard's vicc does), a frame cut short by a closing connection
/// ends the session. Errors are I/O failures other than the peer going away, and a response
/// longer than the 65535 bytes a vpcd frame can carry.
pub fn serve<C: VpcdCard + ?Sized>(
    card: &mut C,
    addr: SocketAddr,
    stop: &AtomicBool,
) -> io::Result<()> {
    let Some(mut stream) = connect(addr, stop)? else {
        return Ok(());
    };
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(POLL))?;
    loop {
        let Some(message) = read_message(&mut stream, stop)? else {
            return Ok(());
        };
        let answer = match message.as_slice() {
            [] => None,
            [POWER_OFF] => {
                card.power_off();
                None
            }
            [POWER_ON] => {
                card.power_on();
                None
            }
            [RESET] => {
                card.reset();
                None
            }
            [GET_ATR] => Some(card.atr()),
            [_] => None,
            apdu => Some(card.process(apdu)),
        };
        if let Some(payload) = answer
            && !write_message(&mut stream, &payload)?
        {
            return Ok(());
        }
    }
}

/// Connects, retrying while nothing listens; `None` when `stop` was set first.
fn connect(addr: SocketAddr, stop: &AtomicBool) -> io::Result<Option<TcpStream>> {
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(s) => return Ok(Some(s)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionRefused
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                std::thread::sleep(POLL);
            }
            Err(e) => return Err(e),
        }
    }
}

/// One length-prefixed message; `None` when vpcd closed the connection (also in the middle
/// of a frame) or `stop` was set.
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
/// algorithm waiting for our delayed ACK of the first (vsmartcard 3.3 sends a frame's length
/// and payload in two `send`s). The kernel leaves quick-ACK mode by itself, hence before
/// every read.
fn quick_ack(stream: &TcpStream) {
    #[cfg(target_os = "linux")]
    let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
}

/// Fills `buf`; `false` when the peer closed (or reset) the connection or `stop` was set.
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
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(e) if peer_gone(&e) => return Ok(false),
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Sends one frame; `false` when the peer has gone away.
fn write_message(stream: &mut TcpStream, payload: &[u8]) -> io::Result<bool> {
    let len = u16::try_from(payload.len()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "a {}-byte answer is longer than a vpcd frame can carry (65535)",
                payload.len()
            ),
        )
    })?;
    // One write, so the frame leaves in one segment where it fits.
    let mut frame = Vec::with_capacity(2 + payload.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    match stream.write_all(&frame) {
        Ok(()) => Ok(true),
        Err(e) if peer_gone(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

fn peer_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::time::Instant;

    const ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

    /// Answers every APDU with the APDU itself and 9000, and records control codes.
    #[derive(Default)]
    struct Echo {
        events: Vec<&'static str>,
        apdus: usize,
    }

    impl VpcdCard for Echo {
        fn atr(&self) -> Vec<u8> {
            ATR.to_vec()
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
            self.apdus += 1;
            if apdu == [0xFF, 0xFF] {
                return vec![0; 70_000];
            }
            [apdu, &[0x90, 0x00]].concat()
        }
    }

    fn frame(payload: &[u8]) -> Vec<u8> {
        [&(payload.len() as u16).to_be_bytes()[..], payload].concat()
    }

    /// Reads one frame as the fake vpcd.
    fn read_frame(s: &mut TcpStream) -> Vec<u8> {
        let mut header = [0u8; 2];
        s.read_exact(&mut header).unwrap();
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(header))];
        s.read_exact(&mut body).unwrap();
        body
    }

    fn exchange(s: &mut TcpStream, payload: &[u8]) -> Vec<u8> {
        s.write_all(&frame(payload)).unwrap();
        read_frame(s)
    }

    /// A fake vpcd: `script` runs on the accepted connection while `serve` runs here.
    fn with_fake_vpcd(
        card: &mut Echo,
        script: impl FnOnce(TcpStream) + Send + 'static,
    ) -> io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let vpcd = std::thread::spawn(move || {
            let s = harness::net::accept(&listener, Duration::from_secs(10)).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            script(s);
        });
        let result = serve(card, addr, &AtomicBool::new(false));
        vpcd.join().expect("fake vpcd's assertions");
        result
    }

    #[test]
    fn framing_and_control_codes() {
        let mut card = Echo::default();
        with_fake_vpcd(&mut card, |mut s| {
            // Power on, then the ATR as a length-prefixed message.
            s.write_all(&frame(&[POWER_ON])).unwrap();
            assert_eq!(exchange(&mut s, &[GET_ATR]), ATR);
            // A short APDU, answered as one frame.
            assert_eq!(
                exchange(&mut s, &[0x00, 0xB0, 0x00, 0x00, 0x00]),
                [0x00, 0xB0, 0x00, 0x00, 0x00, 0x90, 0x00]
            );
            // A big APDU whose frame arrives in pieces, the length bytes split too.
            let big: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
            let f = frame(&big);
            for piece in [&f[..1], &f[1..2], &f[2..1000], &f[1000..]] {
                s.write_all(piece).unwrap();
                s.flush().unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
            let answer = read_frame(&mut s);
            assert_eq!(answer.len(), 3002);
            assert_eq!(&answer[..3000], &big[..]);
            assert_eq!(&answer[3000..], [0x90, 0x00]);
            // Two frames in one segment.
            s.write_all(&[frame(&[RESET]), frame(&[POWER_OFF])].concat())
                .unwrap();
            // Control codes get no answer: the next frame read is the APDU's.
            assert_eq!(exchange(&mut s, &[0x00, 0xA4]), [0x00, 0xA4, 0x90, 0x00]);
            // vpcd closes: serve returns Ok.
        })
        .unwrap();
        assert_eq!(card.events, ["on", "reset", "off"]);
        assert_eq!(card.apdus, 3);
    }

    #[test]
    fn garbage_is_ignored_and_a_cut_frame_ends_the_session() {
        let mut card = Echo::default();
        with_fake_vpcd(&mut card, |mut s| {
            // A zero-length message and unknown control codes: ignored, no answer.
            for m in [&[][..], &[3], &[9], &[0xFF]] {
                s.write_all(&frame(m)).unwrap();
            }
            assert_eq!(exchange(&mut s, &[0x80, 0x01]), [0x80, 0x01, 0x90, 0x00]);
            // A frame announcing 0xFFFF bytes, cut short by the connection closing.
            s.write_all(&[0xFF, 0xFF, 1, 2, 3]).unwrap();
        })
        .unwrap();
        assert!(card.events.is_empty());
        assert_eq!(card.apdus, 1);

        // Only half a length header.
        let mut card = Echo::default();
        with_fake_vpcd(&mut card, |mut s| s.write_all(&[0x00]).unwrap()).unwrap();
        assert_eq!(card.apdus, 0);
    }

    #[test]
    fn an_answer_too_long_for_a_frame_is_an_error() {
        let mut card = Echo::default();
        let e = with_fake_vpcd(&mut card, |mut s| {
            s.write_all(&frame(&[0xFF, 0xFF])).unwrap();
            // serve gives up and closes: EOF here.
            let mut b = [0u8; 1];
            assert_eq!(s.read(&mut b).unwrap_or(0), 0);
        })
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn retries_until_vpcd_listens() {
        // A port that is ours (bound) but refuses connections (not listening yet), so no
        // other process can take it while the client retries.
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket
            .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
            .unwrap();
        let addr = socket.local_addr().unwrap().as_socket().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s2 = stop.clone();
        let card = std::thread::spawn(move || {
            let mut card = Echo::default();
            serve(&mut card, addr, &s2).map(|()| card.events)
        });
        std::thread::sleep(Duration::from_millis(250));
        socket.listen(1).unwrap();
        let listener: TcpListener = socket.into();
        let mut s = harness::net::accept(&listener, Duration::from_secs(10)).unwrap();
        s.write_all(&frame(&[POWER_ON])).unwrap();
        assert_eq!(exchange(&mut s, &[GET_ATR]), ATR);
        drop(s);
        assert_eq!(card.join().unwrap().unwrap(), ["on"]);
    }

    #[test]
    fn stop_ends_a_waiting_client() {
        // Nothing listens: serve keeps retrying until stopped.
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s2 = stop.clone();
        let t = std::thread::spawn(move || serve(&mut Echo::default(), addr, &s2));
        std::thread::sleep(Duration::from_millis(150));
        let stopped = Instant::now();
        stop.store(true, Ordering::Relaxed);
        t.join().unwrap().unwrap();
        assert!(stopped.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn stop_ends_a_connected_session_and_closes_the_socket() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s2 = stop.clone();
        let t = std::thread::spawn(move || serve(&mut Echo::default(), addr, &s2));
        let mut s = harness::net::accept(&listener, Duration::from_secs(10)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        assert_eq!(exchange(&mut s, &[GET_ATR]), ATR);
        let stopped = Instant::now();
        stop.store(true, Ordering::Relaxed);
        t.join().unwrap().unwrap();
        assert!(stopped.elapsed() < Duration::from_secs(3));
        // vpcd sees the connection close: that is the card leaving the reader.
        let mut b = [0u8; 1];
        assert_eq!(s.read(&mut b).unwrap(), 0);
    }
}
