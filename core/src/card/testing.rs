//! A scripted transport for unit tests: each step names the exact command bytes expected and
//! the raw response to give, so a test fails on any APDU the SDK should not have sent.

use crate::transport::{Capabilities, MaybeSend, Transport, TransportError};

pub(crate) enum Step {
    Reply(Vec<u8>, Vec<u8>),
    Fail(Vec<u8>, TransportError),
}

pub(crate) struct Scripted {
    steps: std::collections::VecDeque<Step>,
    pub extended: bool,
    pub sent: Vec<Vec<u8>>,
    /// Every exchange and exclusive stretch in order: the command's hex, `begin`, `end`.
    pub events: Vec<String>,
    /// `begin_exclusive` fails with this (once).
    pub refuse_begin: Option<TransportError>,
    /// Like a browser link after its `AbortSignal` fired: once this many commands were sent,
    /// every later one is `CANCELLED` (not sent), except while the core is clearing.
    pub cancel_after: Option<usize>,
    /// Inside `Transport::clearing(true)` … `clearing(false)`.
    pub clearing: bool,
    /// The commands sent while clearing (hex).
    pub sent_clearing: Vec<String>,
}

/// SELECT of the Issuer Security Domain: how the SDK clears the card's security state.
pub(crate) const CLEAR: &str = "00A4040C07A0000001510000";

pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

impl Scripted {
    pub fn new(extended: bool) -> Self {
        Scripted {
            steps: Default::default(),
            extended,
            sent: Vec::new(),
            events: Vec::new(),
            refuse_begin: None,
            cancel_after: None,
            clearing: false,
            sent_clearing: Vec::new(),
        }
    }
    pub fn expect(mut self, command: &str, response: &str) -> Self {
        self.steps
            .push_back(Step::Reply(hex(command), hex(response)));
        self
    }
    pub fn expect_raw(mut self, command: Vec<u8>, response: Vec<u8>) -> Self {
        self.steps.push_back(Step::Reply(command, response));
        self
    }
    /// Short READ BINARYs of `data` from offset `from` (256 bytes each, after the EF was
    /// selected), each answered with its slice and 9000.
    pub fn short_reads(mut self, data: &[u8], from: usize) -> Self {
        let mut off = from;
        while off < data.len() {
            let n = (data.len() - off).min(256);
            self = self.expect_raw(
                vec![0, 0xB0, (off >> 8) as u8, off as u8, (n % 256) as u8],
                [&data[off..off + n], &[0x90, 0x00][..]].concat(),
            );
            off += n;
        }
        self
    }
    pub fn fail(mut self, command: &str, e: TransportError) -> Self {
        self.steps.push_back(Step::Fail(hex(command), e));
        self
    }
    /// The connect sequence of a My Number Card: SELECT JPKI, READ BINARY of the token EF by
    /// its short EF id (86).
    pub fn connected(self) -> Self {
        self.expect("00A4040C0AD392F000260100000001", "9000")
            .expect_raw(hex("00B0860020"), token_answer())
    }
    /// The connect sequence of a card that refuses short EF ids: SELECT JPKI, the short-id
    /// READ refused (6A86), SELECT token EF, READ.
    pub fn connected_without_short_ef_ids(self) -> Self {
        self.expect("00A4040C0AD392F000260100000001", "9000")
            .expect("00B0860020", "6A86")
            .expect("00A4020C020006", "9000")
            .expect_raw(hex("00B0000020"), token_answer())
    }
    /// The clearing of the security state after an operation that presented a PIN, answered
    /// 9000.
    pub fn cleared(self) -> Self {
        self.expect(CLEAR, "9000")
    }
    /// The number of VERIFYs with a PIN sent.
    pub fn verifies(&self) -> usize {
        self.sent
            .iter()
            .filter(|c| c.len() > 4 && c[1] == 0x20)
            .count()
    }
    pub fn done(&self) -> bool {
        self.steps.is_empty()
    }
}

impl Transport for Scripted {
    fn transmit(
        &mut self,
        command: &[u8],
    ) -> impl core::future::Future<Output = Result<Vec<u8>, TransportError>> + MaybeSend {
        if self.cancel_after.is_some_and(|n| self.sent.len() >= n) && !self.clearing {
            return core::future::ready(Err(TransportError::Cancelled));
        }
        if self.clearing {
            self.sent_clearing.push(hex_of(command));
        }
        self.sent.push(command.to_vec());
        self.events.push(hex_of(command));
        let r = match self.steps.pop_front() {
            Some(Step::Reply(expected, response)) => {
                assert_eq!(hex_of(command), hex_of(&expected), "unexpected APDU");
                Ok(response)
            }
            Some(Step::Fail(expected, e)) => {
                assert_eq!(hex_of(command), hex_of(&expected), "unexpected APDU");
                Err(e)
            }
            None => panic!("APDU after the script ended: {}", hex_of(command)),
        };
        core::future::ready(r)
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            extended_length: self.extended,
        }
    }
    fn begin_exclusive(
        &mut self,
    ) -> impl core::future::Future<Output = Result<(), TransportError>> + MaybeSend {
        self.events.push("begin".into());
        core::future::ready(self.refuse_begin.take().map_or(Ok(()), Err))
    }
    fn end_exclusive(
        &mut self,
    ) -> impl core::future::Future<Output = Result<(), TransportError>> + MaybeSend {
        self.events.push("end".into());
        core::future::ready(Ok(()))
    }
    fn clearing(&mut self, on: bool) {
        self.clearing = on;
    }
}

fn token_answer() -> Vec<u8> {
    let mut token = b"JPKIAPICCTOKEN2".to_vec();
    token.resize(32, b' ');
    token.extend_from_slice(&[0x90, 0x00]);
    token
}

pub(crate) fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}
