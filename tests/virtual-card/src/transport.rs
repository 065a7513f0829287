//! The SDK's [`Transport`] over an in-process [`VirtualCard`], with counters for benchmarks
//! and fault injection for tests of failure paths.

use mynacard_core::transport::{Capabilities, Transport, TransportError};

use crate::card::VirtualCard;

/// A fault injected at a given exchange (0-based).
#[derive(Clone, Debug)]
enum Fault {
    /// The transport fails with this error instead of reaching the card.
    Fail(TransportError),
    /// The card answers, then the response is replaced by these bytes.
    Replace(Vec<u8>),
    /// The card answers, then the response is cut to this many bytes.
    Truncate(usize),
    /// The card receives and carries out the command, then its answer is lost with this error
    /// (a timeout or a lifted card after the card changed state: issue 23.1).
    Lose(TransportError),
}

/// What the transport was asked to send at one exchange, whether or not it reached the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sent {
    /// CLA INS P1 P2.
    pub header: [u8; 4],
    /// Whether the command carried data (a VERIFY with data presents a PIN).
    pub has_data: bool,
}

impl Sent {
    fn of(command: &[u8]) -> Sent {
        let mut header = [0; 4];
        let n = command.len().min(4);
        header[..n].copy_from_slice(&command[..n]);
        Sent {
            header,
            has_data: command.len() > 5,
        }
    }

    /// A VERIFY that presents a PIN (not the empty tries query).
    pub fn is_pin_verify(&self) -> bool {
        self.header[1] == 0x20 && self.has_data
    }
}

/// An in-process reader holding one virtual card.
#[derive(Debug)]
pub struct VirtualTransport {
    card: VirtualCard,
    extended_length: bool,
    present: bool,
    exchanges: usize,
    bytes_sent: usize,
    bytes_received: usize,
    faults: Vec<(usize, Fault)>,
    /// Every command handed to the transport, counted here rather than at the card, so a
    /// command resent after a lost answer is seen even when the card saw it once.
    sent: Vec<Sent>,
    /// The exclusive stretches the SDK asked for, as exchange numbers `[begin, end)`; the last
    /// one open while `exclusive` is set.
    stretches: Vec<(usize, usize)>,
    exclusive: bool,
}

impl VirtualTransport {
    /// A reader that carries extended-length APDUs, like a contact reader.
    pub fn new(card: VirtualCard) -> VirtualTransport {
        VirtualTransport {
            card,
            extended_length: true,
            present: true,
            exchanges: 0,
            bytes_sent: 0,
            bytes_received: 0,
            faults: Vec::new(),
            sent: Vec::new(),
            stretches: Vec::new(),
            exclusive: false,
        }
    }

    /// Whether this reader carries extended APDUs; one that does not refuses them with an
    /// error, as PC/SC readers without the feature do.
    pub fn with_extended_length(mut self, on: bool) -> VirtualTransport {
        self.extended_length = on;
        self
    }

    pub fn card(&self) -> &VirtualCard {
        &self.card
    }

    pub fn card_mut(&mut self) -> &mut VirtualCard {
        &mut self.card
    }

    pub fn into_card(self) -> VirtualCard {
        self.card
    }

    /// Exchanges attempted so far (including failed ones).
    pub fn exchanges(&self) -> usize {
        self.exchanges
    }

    /// Every command the SDK handed to this transport, in order, including those a fault kept
    /// from the card (index = exchange number).
    pub fn sent(&self) -> &[Sent] {
        &self.sent
    }

    /// VERIFY commands presenting a PIN that the SDK handed to this transport.
    pub fn pin_verifies_sent(&self) -> usize {
        self.sent.iter().filter(|s| s.is_pin_verify()).count()
    }

    /// Bytes sent to and received from the card.
    pub fn bytes(&self) -> (usize, usize) {
        (self.bytes_sent, self.bytes_received)
    }

    /// Takes the card out: later exchanges fail with `CardRemoved`, and the card loses power.
    pub fn remove_card(&mut self) {
        self.present = false;
        self.card.power_off();
    }

    /// Puts the card back (cold start).
    pub fn insert_card(&mut self) {
        self.present = true;
        self.card.power_on();
    }

    /// The exclusive stretches so far ([`Transport::begin_exclusive`] … `end_exclusive`), as
    /// half-open ranges of exchange numbers.
    pub fn exclusive_stretches(&self) -> &[(usize, usize)] {
        &self.stretches
    }

    /// Whether an exclusive stretch is open now.
    pub fn in_exclusive(&self) -> bool {
        self.exclusive
    }

    /// Exchange number `n` (0-based, counted from now on the transport's total) fails with `error`.
    pub fn fail_at(&mut self, n: usize, error: TransportError) {
        self.faults.push((n, Fault::Fail(error)));
    }

    /// Exchange `n` reaches the card, but its response is replaced by `bytes`.
    pub fn replace_response_at(&mut self, n: usize, bytes: Vec<u8>) {
        self.faults.push((n, Fault::Replace(bytes)));
    }

    /// Exchange `n` reaches the card and the card acts on it, but its answer is lost: the
    /// transport reports `error`.
    pub fn lose_answer_at(&mut self, n: usize, error: TransportError) {
        self.faults.push((n, Fault::Lose(error)));
    }

    /// Exchange `n` reaches the card, but only the first `len` bytes of the response arrive.
    pub fn truncate_response_at(&mut self, n: usize, len: usize) {
        self.faults.push((n, Fault::Truncate(len)));
    }

    fn exchange(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let n = self.exchanges;
        self.exchanges += 1;
        self.sent.push(Sent::of(command));
        let fault = self
            .faults
            .iter()
            .position(|(at, _)| *at == n)
            .map(|i| self.faults.remove(i).1);
        if let Some(Fault::Fail(e)) = fault {
            return Err(e);
        }
        if !self.present {
            return Err(TransportError::CardRemoved);
        }
        // Extended APDUs: header + 00 + two length bytes.
        let extended = command.len() >= 7 && command[4] == 0;
        if extended && !self.extended_length {
            return Err(TransportError::Other {
                detail: "reader does not carry extended-length APDUs".into(),
            });
        }
        self.bytes_sent += command.len();
        let mut response = self.card.process(command);
        match fault {
            Some(Fault::Replace(bytes)) => response = bytes,
            Some(Fault::Truncate(len)) => response.truncate(len),
            Some(Fault::Lose(e)) => return Err(e),
            _ => {}
        }
        self.bytes_received += response.len();
        Ok(response)
    }
}

impl Transport for VirtualTransport {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.exchange(command)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            extended_length: self.extended_length,
        }
    }

    /// Records the stretch; a nested begin is refused (the SDK never nests them).
    async fn begin_exclusive(&mut self) -> Result<(), TransportError> {
        if self.exclusive {
            return Err(TransportError::Other {
                detail: "exclusive stretch already open".into(),
            });
        }
        self.exclusive = true;
        self.stretches.push((self.exchanges, self.exchanges));
        Ok(())
    }

    async fn end_exclusive(&mut self) -> Result<(), TransportError> {
        if !std::mem::take(&mut self.exclusive) {
            return Err(TransportError::Other {
                detail: "no exclusive stretch open".into(),
            });
        }
        if let Some(last) = self.stretches.last_mut() {
            last.1 = self.exchanges;
        }
        Ok(())
    }
}
