//! Sans-IO USB reader protocols: bytes in, bytes out, no I/O and no platform code.
//!
//! A driver ([`ReaderDriver`]) is a state machine. The caller starts an operation
//! ([`Operation::Open`], [`Operation::Exchange`], [`Operation::Close`]) and gets back the USB
//! transfer to make next ([`UsbStep`]); it makes that transfer and feeds the outcome
//! ([`TransferResult`]) to [`ReaderDriver::next`], until the driver answers
//! [`UsbStep::Done`]. Faces only move transfers: WebUSB in the browser, a recorded script or a
//! device emulator in native tests. [`UsbReaderTransport`] does that loop over any
//! [`UsbDevice`] and implements the core's [`Transport`](crate::Transport).
//!
//! Drivers:
//! - [`port100::Port100`]: Sony RC-S380 (054c:06c3), Port-100 frames, with the ISO/IEC 14443-4
//!   block protocol ([`iso14443_4`]) run by the host.
//! - [`rcs300::Rcs300`]: Sony RC-S300 (054c:0dc8 / 054c:0dc9), CCID escape messages carrying
//!   PC/SC transparent-session commands, ISO/IEC 14443-4 run by the host.
//! - [`ccid::Ccid`]: any CCID (class 0x0B) reader working at short or extended APDU level.
//!
//! Which reader a USB device is, which interface to claim, what to read before the driver can
//! start and which driver to build: [`devices`] (one table of supported readers), so a face
//! only reads descriptors and moves transfers.
//!
//! Frame formats, sources and transfers per APDU: `docs/readers.md`.
//!
//! Every input byte is untrusted (a reader or a card can send anything): parsing never panics,
//! every loop and every buffer is bounded.

pub mod ccid;
pub mod devices;
pub mod doctor;
pub mod iso14443_4;
pub mod port100;
pub mod rcs300;
mod transport;

pub use devices::{AnyDriver, ReaderKind, UsbInterface};
pub use transport::{ReaderStats, UsbDevice, UsbReaderTransport};

use crate::transport::{Capabilities, TransportError};

/// A USB control transfer's setup packet (USB 2.0 §9.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControlSetup {
    /// bmRequestType (direction, type, recipient).
    pub request_type: u8,
    /// bRequest.
    pub request: u8,
    /// wValue.
    pub value: u16,
    /// wIndex.
    pub index: u16,
}

/// The transfer a driver asks the caller to make next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsbStep {
    /// Bulk OUT transfer of `data` on `endpoint` (endpoint number with the direction bit clear).
    Out {
        /// Endpoint number.
        endpoint: u8,
        /// The bytes to send.
        data: Vec<u8>,
    },
    /// Bulk IN transfer of at most `max_len` bytes on `endpoint` (direction bit set).
    /// `timeout_ms` is how long the reader itself may take to answer; a face without transfer
    /// timeouts (WebUSB) may race it with a timer, or ignore it.
    In {
        /// Endpoint number.
        endpoint: u8,
        /// Largest transfer accepted.
        max_len: usize,
        /// How long the reader itself may take, milliseconds.
        timeout_ms: u32,
    },
    /// Control OUT transfer (class or vendor request) with `data`.
    ControlOut {
        /// The setup packet.
        setup: ControlSetup,
        /// The data stage.
        data: Vec<u8>,
    },
    /// Control IN transfer of at most `max_len` bytes.
    ControlIn {
        /// The setup packet.
        setup: ControlSetup,
        /// Largest data stage accepted.
        max_len: usize,
    },
    /// No transfer: wait `ms` milliseconds (a guard time the reader or the card needs, e.g.
    /// after switching the field), then report [`TransferResult::Waited`].
    Wait {
        /// Milliseconds to wait.
        ms: u32,
    },
    /// The operation is over: for an exchange the response APDU, for an open the card's
    /// identification (ATQB or ATR), for a close nothing.
    Done(Result<Vec<u8>, ReaderError>),
}

/// What happened to the transfer a driver asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferResult {
    /// An OUT (bulk or control) transfer completed.
    Sent,
    /// An IN transfer completed with these bytes.
    Received(Vec<u8>),
    /// The transfer failed.
    Failed(UsbError),
    /// A [`UsbStep::Wait`] is over.
    Waited,
}

/// Why a USB transfer failed, as the face saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsbError {
    /// The device is gone (unplugged, `NotFoundError` in WebUSB, `ENODEV` natively).
    Disconnected,
    /// The transfer did not complete in time.
    Timeout,
    /// The endpoint stalled.
    Stall,
    /// Anything else, described for developers.
    Other(String),
}

/// What a driver is asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation<'a> {
    /// Initialise the reader, switch the field on and activate the card.
    Open,
    /// Send one command APDU and return the whole response APDU.
    Exchange(&'a [u8]),
    /// Deactivate the card, switch the field off and release the reader.
    Close,
}

/// Typed reader-protocol errors. [`TransportError`] (and so the core's error codes) is what
/// they become at the [`crate::Transport`] boundary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReaderError {
    /// No card answered, or the card stopped answering (lifted, pulled out).
    CardRemoved,
    /// The USB device went away.
    ReaderDisconnected,
    /// The reader did not answer in time.
    Timeout,
    /// The reader or the card broke its protocol (malformed frame, wrong sequence...).
    Protocol(&'static str),
    /// The reader answered a command with an error status.
    ReaderStatus {
        /// The reader command that failed.
        command: u8,
        /// The reader's status code for it.
        status: u32,
    },
    /// The ISO/IEC 14443-4 exchange failed after the bounded retransmissions.
    Iso14443(iso14443_4::IsoDepError),
    /// The reader cannot do what is needed (e.g. a CCID reader at TPDU level).
    Unsupported(&'static str),
    /// [`ReaderDriver::start`] called in the wrong state (e.g. an exchange before open).
    InvalidState(&'static str),
    /// The USB transfer failed for another reason.
    Usb(String),
}

impl core::fmt::Display for ReaderError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ReaderError::CardRemoved => f.write_str("card removed"),
            ReaderError::ReaderDisconnected => f.write_str("reader disconnected"),
            ReaderError::Timeout => f.write_str("reader timeout"),
            ReaderError::Protocol(w) => write!(f, "reader protocol error: {w}"),
            ReaderError::ReaderStatus { command, status } => {
                write!(
                    f,
                    "reader command {command:02X} failed with status {status:08X}"
                )
            }
            ReaderError::Iso14443(e) => write!(f, "ISO 14443-4: {e}"),
            ReaderError::Unsupported(w) => write!(f, "unsupported reader: {w}"),
            ReaderError::InvalidState(w) => write!(f, "reader driver misuse: {w}"),
            ReaderError::Usb(w) => write!(f, "USB transfer failed: {w}"),
        }
    }
}

impl std::error::Error for ReaderError {}

impl From<ReaderError> for TransportError {
    fn from(e: ReaderError) -> Self {
        match e {
            ReaderError::CardRemoved => TransportError::CardRemoved,
            ReaderError::ReaderDisconnected => TransportError::ReaderDisconnected,
            ReaderError::Timeout => TransportError::Timeout,
            ReaderError::Iso14443(iso14443_4::IsoDepError::NoResponse) => {
                TransportError::CardRemoved
            }
            other => TransportError::Other {
                detail: other.to_string(),
            },
        }
    }
}

impl From<UsbError> for ReaderError {
    fn from(e: UsbError) -> Self {
        match e {
            UsbError::Disconnected => ReaderError::ReaderDisconnected,
            UsbError::Timeout => ReaderError::Timeout,
            UsbError::Stall => ReaderError::Usb("endpoint stalled".into()),
            UsbError::Other(s) => ReaderError::Usb(s),
        }
    }
}

/// A reader protocol as a state machine. See the module documentation for the loop.
pub trait ReaderDriver {
    /// Starts `op` and returns the first transfer to make (or `Done` at once on misuse).
    fn start(&mut self, op: Operation<'_>) -> UsbStep;
    /// Feeds the outcome of the last transfer and returns the next one.
    fn next(&mut self, input: TransferResult) -> UsbStep;
    /// Whether a card is activated (open succeeded and no removal since).
    fn is_open(&self) -> bool;
    /// What the link carries once open.
    fn capabilities(&self) -> Capabilities;
}

/// Upper bound on IN transfers that may be needed to assemble one reader answer: a reader
/// that keeps sending fragments or time extensions beyond this is treated as broken.
pub(crate) const MAX_READS_PER_ANSWER: u32 = 64;

#[cfg(test)]
pub(crate) mod test_util {
    pub fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }
}

/// Hostile-input checks: every driver is fed random and half-valid answers; none may panic,
/// and every operation must end within a bounded number of transfers.
#[cfg(test)]
mod robustness {
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            // xorshift64*
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn byte(&mut self) -> u8 {
            self.next() as u8
        }
        fn bytes(&mut self, max: usize) -> Vec<u8> {
            let n = (self.next() as usize) % (max + 1);
            (0..n).map(|_| self.byte()).collect()
        }
    }

    /// A Port-100 frame with checksums right and random content (ACK half of the time).
    fn port100_answer(r: &mut Rng) -> Vec<u8> {
        if r.byte() < 100 {
            return port100::ACK.to_vec();
        }
        let mut data = vec![0xD7, r.byte() | 1];
        data.extend(r.bytes(40));
        let mut f = port100::encode_command(0, &data[2..]);
        // Rewrite the body as D7 xx … with a matching DCS.
        f[8] = data[0];
        f[9] = data[1];
        let n = f.len();
        let sum = f[8..n - 2].iter().fold(0u8, |a, b| a.wrapping_add(*b));
        f[n - 2] = 0u8.wrapping_sub(sum);
        f
    }

    /// A CCID answer with a plausible header and random status and data.
    fn ccid_answer(r: &mut Rng) -> Vec<u8> {
        let t = [0x80, 0x81, 0x83][(r.byte() % 3) as usize];
        let data = r.bytes(300);
        let specific = [
            [0x00, 0x40, 0x80, 0x42, 0x01][(r.byte() % 5) as usize],
            r.byte(),
            [0, 1, 2, 3, 0x10][(r.byte() % 5) as usize],
        ];
        let mut m = ccid::encode(t, 0, r.byte() % 8, specific, &data);
        m[0] = t;
        m
    }

    fn drive<D: ReaderDriver>(d: &mut D, r: &mut Rng, answer: fn(&mut Rng) -> Vec<u8>) {
        let apdu = [0x00, 0xB0, 0x00, 0x00, 0x00];
        for op in [
            Operation::Open,
            Operation::Exchange(&apdu),
            Operation::Close,
        ] {
            let mut step = d.start(op);
            let mut n = 0;
            loop {
                n += 1;
                assert!(n < 20_000, "operation {op:?} does not end");
                let input = match &step {
                    UsbStep::Done(_) => break,
                    UsbStep::Wait { .. } => TransferResult::Waited,
                    UsbStep::Out { .. } | UsbStep::ControlOut { .. } => match r.byte() {
                        0 => TransferResult::Failed(UsbError::Stall),
                        _ => TransferResult::Sent,
                    },
                    UsbStep::In { .. } | UsbStep::ControlIn { .. } => match r.byte() {
                        0..=2 => TransferResult::Received(r.bytes(64)),
                        3 => TransferResult::Failed(UsbError::Timeout),
                        _ => TransferResult::Received(answer(r)),
                    },
                };
                step = d.next(input);
            }
        }
        // Misuse never panics either.
        let _ = d.next(TransferResult::Received(vec![0; 3]));
        let _ = d.next(TransferResult::Sent);
    }

    #[test]
    fn drivers_survive_hostile_readers() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..300 {
            drive(&mut port100::Port100::default(), &mut r, port100_answer);
            drive(&mut rcs300::Rcs300::default(), &mut r, ccid_answer);
            drive(
                &mut ccid::Ccid::new(ccid::CcidConfig::default()),
                &mut r,
                ccid_answer,
            );
        }
    }

    #[test]
    fn iso_dep_survives_hostile_cards() {
        let mut r = Rng(42);
        for _ in 0..2000 {
            let mut d = iso14443_4::IsoDep::new(iso14443_4::IsoDepConfig {
                fsc: 16,
                max_response: 512,
                ..Default::default()
            });
            let cmd = r.bytes(100);
            let Ok(_) = d.start(&cmd) else { continue };
            for _ in 0..5000 {
                // Mostly well-formed PCBs with random bits, sometimes garbage.
                let mut f = r.bytes(20);
                if let Some(p) = f.first_mut() {
                    *p = [0x02, 0x03, 0x12, 0x13, 0xA2, 0xA3, 0xB2, 0xF2, 0xC2, *p]
                        [(r.byte() % 10) as usize];
                }
                let rx = match r.byte() % 8 {
                    0 => iso14443_4::Rx::Timeout,
                    1 => iso14443_4::Rx::Error,
                    _ => iso14443_4::Rx::Block(&f),
                };
                match d.receive(rx) {
                    Ok(iso14443_4::Action::Send(b)) => assert!(b.len() <= 16),
                    _ => break,
                }
            }
        }
    }
}
