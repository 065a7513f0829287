//! USB CCID (class 0x0B) smart-card readers at short- or extended-APDU level, and the CCID
//! message framing the RC-S300 driver ([`super::rcs300`]) reuses for its escape messages.
//!
//! Source: USB Device Class Specification for Integrated Circuit(s) Cards Interface Devices
//! (CCID) rev 1.1: §6.1 (bulk-OUT messages: PC_to_RDR_IccPowerOn 0x62, IccPowerOff 0x63,
//! GetSlotStatus 0x65, Escape 0x6B, XfrBlock 0x6F; 10-byte header: bMessageType,
//! dwLength LE, bSlot, bSeq, 3 message-specific bytes), §6.2 (bulk-IN messages:
//! RDR_to_PC_DataBlock 0x80, SlotStatus 0x81, Escape 0x83; bStatus = bmICCStatus (bits 0-1:
//! 0 active, 1 inactive, 2 no ICC) | bmCommandStatus (bits 6-7: 0 ok, 1 failed, 2 time
//! extension requested), bError, bChainParameter), §6.2.6 (error codes: 0xFE ICC_MUTE,
//! 0xE0 CMD_SLOT_BUSY), §5.1 `dwFeatures` (0x00010000 TPDU, 0x00020000 short APDU, 0x00040000
//! short and extended APDU level) and §6.1.4 `wLevelParameter` / §6.2.1 `bChainParameter`
//! (extended APDU exchange in several messages). pcsc-lite's `ccid` driver
//! (LudovicRousseau/CCID `commands.c`) reads the messages the same way.
//!
//! Transfers per APDU at APDU level: 2 (OUT XfrBlock, IN DataBlock), plus one IN per time
//! extension and 2 per extra block of an extended APDU split across messages.

use super::{MAX_READS_PER_ANSWER, Operation, ReaderDriver, ReaderError, TransferResult, UsbStep};
use crate::transport::Capabilities;

/// Message types (CCID rev 1.1 §6.1, §6.2).
pub mod msg {
    /// PC_to_RDR_IccPowerOn.
    pub const PC_TO_RDR_ICC_POWER_ON: u8 = 0x62;
    /// PC_to_RDR_IccPowerOff.
    pub const PC_TO_RDR_ICC_POWER_OFF: u8 = 0x63;
    /// PC_to_RDR_GetSlotStatus.
    pub const PC_TO_RDR_GET_SLOT_STATUS: u8 = 0x65;
    /// PC_to_RDR_Escape.
    pub const PC_TO_RDR_ESCAPE: u8 = 0x6B;
    /// PC_to_RDR_XfrBlock.
    pub const PC_TO_RDR_XFR_BLOCK: u8 = 0x6F;
    /// RDR_to_PC_DataBlock.
    pub const RDR_TO_PC_DATA_BLOCK: u8 = 0x80;
    /// RDR_to_PC_SlotStatus.
    pub const RDR_TO_PC_SLOT_STATUS: u8 = 0x81;
    /// RDR_to_PC_Escape.
    pub const RDR_TO_PC_ESCAPE: u8 = 0x83;
}

/// bError: the card did not answer (CCID §6.2.6).
pub const ERROR_ICC_MUTE: u8 = 0xFE;
/// bError: a command is already running in the slot.
pub const ERROR_SLOT_BUSY: u8 = 0xE0;

/// The CCID header length.
pub const HEADER_LEN: usize = 10;

/// Encodes a bulk-OUT message: 10-byte header then `data`.
pub fn encode(msg_type: u8, slot: u8, seq: u8, specific: [u8; 3], data: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(HEADER_LEN + data.len());
    m.push(msg_type);
    m.extend_from_slice(&(data.len() as u32).to_le_bytes());
    m.extend_from_slice(&[slot, seq]);
    m.extend_from_slice(&specific);
    m.extend_from_slice(data);
    m
}

/// A bulk-IN message header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// bMessageType.
    pub msg_type: u8,
    /// dwLength: bytes of data after the header.
    pub length: u32,
    /// bSlot.
    pub slot: u8,
    /// bSeq: must echo the command's.
    pub seq: u8,
    /// bStatus (ICC status and command status bits).
    pub status: u8,
    /// bError: the slot error when the command failed.
    pub error: u8,
    /// bChainParameter (DataBlock), bClockStatus (SlotStatus), bRFU (Escape).
    pub specific: u8,
}

impl Header {
    /// bmICCStatus: 0 present and active, 1 present and inactive, 2 no card.
    pub fn icc_status(&self) -> u8 {
        self.status & 0x03
    }
    /// bmCommandStatus: 0 processed, 1 failed, 2 time extension requested.
    pub fn command_status(&self) -> u8 {
        self.status >> 6
    }
}

/// Parses the 10-byte header at the start of `buf`.
pub fn parse_header(buf: &[u8]) -> Option<Header> {
    let h = buf.get(..HEADER_LEN)?;
    Some(Header {
        msg_type: h[0],
        length: u32::from_le_bytes([h[1], h[2], h[3], h[4]]),
        slot: h[5],
        seq: h[6],
        status: h[7],
        error: h[8],
        specific: h[9],
    })
}

/// dwFeatures exchange level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CcidLevel {
    /// Character or TPDU level: the host would run T=0/T=1 itself (not supported here).
    Tpdu,
    /// Short APDU level.
    ShortApdu,
    /// Short and extended APDU level.
    ExtendedApdu,
}

impl CcidLevel {
    /// Level from the class descriptor's dwFeatures (CCID §5.1, bits 16-18). Character level
    /// (none of them) is reported as [`CcidLevel::Tpdu`]: both need host-side T=0/T=1.
    pub fn from_features(features: u32) -> CcidLevel {
        if features & 0x0004_0000 != 0 {
            CcidLevel::ExtendedApdu
        } else if features & 0x0002_0000 != 0 {
            CcidLevel::ShortApdu
        } else {
            CcidLevel::Tpdu
        }
    }
}

/// Outcome of feeding IN bytes to a [`Wire`].
#[derive(Debug)]
pub(crate) enum WireEvent {
    /// Read again (message incomplete, time extension, stale sequence number).
    Read(UsbStep),
    /// The answer to the pending command, processed (bmCommandStatus 0 or 1).
    Answer(Header, Vec<u8>),
    Error(ReaderError),
}

/// Bulk message plumbing shared by CCID-shaped readers: sequence numbers, reassembly across
/// IN transfers, time extensions, stale answers. Bounded: `MAX_READS_PER_ANSWER` fragments or
/// stale messages, `max_time_extensions` time extensions per command.
#[derive(Clone, Debug)]
pub(crate) struct Wire {
    pub endpoint_out: u8,
    pub endpoint_in: u8,
    pub max_in: usize,
    pub slot: u8,
    pub read_timeout_ms: u32,
    pub max_time_extensions: u32,
    seq: u8,
    expect: Option<(u8, u8)>,
    rx: Vec<u8>,
    reads: u32,
    time_extensions: u32,
}

impl Wire {
    pub fn new(endpoint_out: u8, endpoint_in: u8, max_in: usize, slot: u8) -> Wire {
        Wire {
            endpoint_out,
            endpoint_in,
            max_in,
            slot,
            read_timeout_ms: 5000,
            max_time_extensions: 1000,
            seq: 0xFF,
            expect: None,
            rx: Vec::new(),
            reads: 0,
            time_extensions: 0,
        }
    }

    /// The next command message; `answer_type` is the bulk-IN type that answers it.
    pub fn send(
        &mut self,
        msg_type: u8,
        answer_type: u8,
        specific: [u8; 3],
        data: &[u8],
    ) -> UsbStep {
        self.seq = self.seq.wrapping_add(1);
        self.expect = Some((answer_type, self.seq));
        self.rx.clear();
        self.reads = 0;
        self.time_extensions = 0;
        UsbStep::Out {
            endpoint: self.endpoint_out,
            data: encode(msg_type, self.slot, self.seq, specific, data),
        }
    }

    pub fn read(&self) -> UsbStep {
        UsbStep::In {
            endpoint: self.endpoint_in,
            max_len: self.max_in,
            timeout_ms: self.read_timeout_ms,
        }
    }

    pub fn pending(&self) -> bool {
        self.expect.is_some()
    }

    /// What the outcome of the last transfer means for the pending message: read (again), an
    /// answer, or an error (a failed transfer, or a wait nobody asked for).
    pub fn on_transfer(&mut self, input: TransferResult) -> WireEvent {
        match input {
            TransferResult::Failed(e) => WireEvent::Error(e.into()),
            TransferResult::Sent => WireEvent::Read(self.read()),
            TransferResult::Waited => {
                WireEvent::Error(ReaderError::InvalidState("no wait was asked for"))
            }
            TransferResult::Received(b) => self.receive(&b),
        }
    }

    pub fn receive(&mut self, bytes: &[u8]) -> WireEvent {
        let Some((answer_type, seq)) = self.expect else {
            return WireEvent::Error(ReaderError::InvalidState("IN data without a command"));
        };
        self.reads += 1;
        if self.reads > MAX_READS_PER_ANSWER + self.max_time_extensions {
            self.expect = None;
            return WireEvent::Error(ReaderError::Protocol("too many reads for one answer"));
        }
        self.rx.extend_from_slice(bytes);
        let Some(h) = parse_header(&self.rx) else {
            return WireEvent::Read(self.read());
        };
        let total = HEADER_LEN.saturating_add(h.length as usize);
        if total > 0x1_0000 + HEADER_LEN + 16 {
            self.expect = None;
            return WireEvent::Error(ReaderError::Protocol("CCID message too long"));
        }
        if self.rx.len() < total {
            // A long message spans several IN transfers; only the bounded count above stops
            // a reader that announces more than it sends.
            return WireEvent::Read(self.read());
        }
        let data = self.rx[HEADER_LEN..total].to_vec();
        self.rx.drain(..total);
        if h.seq != seq {
            // An answer to an earlier, abandoned command: drop it and keep reading.
            return WireEvent::Read(self.read());
        }
        if h.msg_type != answer_type || h.slot != self.slot {
            self.expect = None;
            return WireEvent::Error(ReaderError::Protocol("CCID answer of another type or slot"));
        }
        if h.command_status() == 2 {
            self.time_extensions += 1;
            if self.time_extensions > self.max_time_extensions {
                self.expect = None;
                return WireEvent::Error(ReaderError::Timeout);
            }
            self.reads = 0;
            return WireEvent::Read(self.read());
        }
        self.expect = None;
        WireEvent::Answer(h, data)
    }
}

/// The usual card errors of a CCID answer: no card, mute card, other failure.
pub(crate) fn check_answer(h: &Header) -> Result<(), ReaderError> {
    if h.icc_status() == 2 {
        return Err(ReaderError::CardRemoved);
    }
    if h.command_status() != 0 {
        return Err(match h.error {
            ERROR_ICC_MUTE => ReaderError::CardRemoved,
            e => ReaderError::ReaderStatus {
                command: h.msg_type,
                status: u32::from(e),
            },
        });
    }
    Ok(())
}

/// Interface details of a CCID reader, from its descriptors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CcidConfig {
    /// Bulk OUT endpoint number.
    pub endpoint_out: u8,
    /// Bulk IN endpoint address (direction bit set).
    pub endpoint_in: u8,
    /// The slot the card is in (bSlot).
    pub slot: u8,
    /// From dwFeatures ([`CcidLevel::from_features`]).
    pub level: CcidLevel,
    /// dwMaxCCIDMessageLength: header + data of the longest message the reader takes.
    pub max_message: usize,
}

impl Default for CcidConfig {
    fn default() -> Self {
        CcidConfig {
            endpoint_out: 2,
            endpoint_in: 2,
            slot: 0,
            level: CcidLevel::ExtendedApdu,
            max_message: 271,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    SlotStatus,
    PowerOn,
    Xfr,
    PowerOff,
}

/// Driver for a CCID reader at APDU level. See the module documentation.
#[derive(Debug)]
pub struct Ccid {
    cfg: CcidConfig,
    wire: Wire,
    step: Step,
    busy: bool,
    powered: bool,
    command: Vec<u8>,
    sent: usize,
    response: Vec<u8>,
    atr: Vec<u8>,
}

impl Ccid {
    /// A CCID driver for the given endpoints and slot.
    pub fn new(cfg: CcidConfig) -> Ccid {
        let max_in = cfg.max_message.clamp(HEADER_LEN + 2, 0x1_0000 + HEADER_LEN);
        Ccid {
            cfg,
            wire: Wire::new(cfg.endpoint_out, cfg.endpoint_in, max_in, cfg.slot),
            step: Step::SlotStatus,
            busy: false,
            powered: false,
            command: Vec::new(),
            sent: 0,
            response: Vec::new(),
            atr: Vec::new(),
        }
    }

    /// The card's ATR, once open.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    fn chunk(&self) -> usize {
        self.cfg.max_message.saturating_sub(HEADER_LEN).max(1)
    }

    /// The next XfrBlock of the command (wLevelParameter per CCID §6.1.4).
    fn send_command_part(&mut self) -> UsbStep {
        let start = self.sent.min(self.command.len());
        let end = (start + self.chunk()).min(self.command.len());
        let first = start == 0;
        let last = end == self.command.len();
        let level: u16 = match (first, last) {
            (true, true) => 0x0000,
            (true, false) => 0x0001,
            (false, true) => 0x0002,
            (false, false) => 0x0003,
        };
        self.sent = end;
        let [lo, hi] = level.to_le_bytes();
        let part = self.command[start..end].to_vec();
        self.wire.send(
            msg::PC_TO_RDR_XFR_BLOCK,
            msg::RDR_TO_PC_DATA_BLOCK,
            [0, lo, hi],
            &part,
        )
    }

    fn done(&mut self, r: Result<Vec<u8>, ReaderError>) -> UsbStep {
        self.busy = false;
        if matches!(
            r,
            Err(ReaderError::CardRemoved | ReaderError::ReaderDisconnected)
        ) {
            self.powered = false;
        }
        UsbStep::Done(r)
    }

    fn on_answer(&mut self, h: Header, data: Vec<u8>) -> UsbStep {
        match self.step {
            Step::SlotStatus => {
                if h.icc_status() == 2 {
                    return self.done(Err(ReaderError::CardRemoved));
                }
                self.step = Step::PowerOn;
                // bPowerSelect 0: automatic voltage selection.
                self.wire.send(
                    msg::PC_TO_RDR_ICC_POWER_ON,
                    msg::RDR_TO_PC_DATA_BLOCK,
                    [0, 0, 0],
                    &[],
                )
            }
            Step::PowerOn => {
                if let Err(e) = check_answer(&h) {
                    return self.done(Err(e));
                }
                if data.is_empty() {
                    return self.done(Err(ReaderError::Protocol("empty ATR")));
                }
                self.powered = true;
                self.atr = data.clone();
                self.done(Ok(data))
            }
            Step::Xfr => {
                if let Err(e) = check_answer(&h) {
                    return self.done(Err(e));
                }
                if self.sent < self.command.len() {
                    // Command chaining: the reader acknowledges each part with an empty
                    // DataBlock whose bChainParameter is 0x10.
                    return self.send_command_part();
                }
                if self.response.len() + data.len() > 0x1_0002 {
                    return self.done(Err(ReaderError::Protocol("response too long")));
                }
                self.response.extend_from_slice(&data);
                match h.specific {
                    0x00 | 0x02 => {
                        let r = core::mem::take(&mut self.response);
                        self.done(Ok(r))
                    }
                    0x01 | 0x03 | 0x10 => self.wire.send(
                        msg::PC_TO_RDR_XFR_BLOCK,
                        msg::RDR_TO_PC_DATA_BLOCK,
                        [0, 0x10, 0x00],
                        &[],
                    ),
                    _ => self.done(Err(ReaderError::Protocol("bad bChainParameter"))),
                }
            }
            Step::PowerOff => {
                self.powered = false;
                self.done(Ok(Vec::new()))
            }
        }
    }
}

impl ReaderDriver for Ccid {
    fn start(&mut self, op: Operation<'_>) -> UsbStep {
        if self.busy && op != Operation::Open {
            // The previous operation was abandoned mid-way: only a new open may follow (its
            // stale answer is skipped by sequence number).
            self.busy = false;
            self.powered = false;
            return UsbStep::Done(Err(ReaderError::InvalidState(
                "previous operation abandoned; open again",
            )));
        }
        if self.cfg.level == CcidLevel::Tpdu {
            return UsbStep::Done(Err(ReaderError::Unsupported(
                "this CCID reader works at TPDU or character level; only APDU-level readers are supported",
            )));
        }
        self.busy = true;
        match op {
            Operation::Open => {
                self.step = Step::SlotStatus;
                self.wire.send(
                    msg::PC_TO_RDR_GET_SLOT_STATUS,
                    msg::RDR_TO_PC_SLOT_STATUS,
                    [0, 0, 0],
                    &[],
                )
            }
            Operation::Exchange(apdu) => {
                if !self.powered {
                    return self.done(Err(ReaderError::CardRemoved));
                }
                if apdu.is_empty() || apdu.len() > 65544 {
                    return self.done(Err(ReaderError::InvalidState("APDU length")));
                }
                let extended = apdu.len() > 5 && apdu[4] == 0;
                if self.cfg.level == CcidLevel::ShortApdu && (extended || apdu.len() > self.chunk())
                {
                    return self.done(Err(ReaderError::Unsupported(
                        "extended APDU on a short-APDU-level reader",
                    )));
                }
                self.step = Step::Xfr;
                self.command = apdu.to_vec();
                self.sent = 0;
                self.response.clear();
                self.send_command_part()
            }
            Operation::Close => {
                self.step = Step::PowerOff;
                self.wire.send(
                    msg::PC_TO_RDR_ICC_POWER_OFF,
                    msg::RDR_TO_PC_SLOT_STATUS,
                    [0, 0, 0],
                    &[],
                )
            }
        }
    }

    fn next(&mut self, input: TransferResult) -> UsbStep {
        if !self.busy || !self.wire.pending() {
            return self.done(Err(ReaderError::InvalidState("no operation under way")));
        }
        match self.wire.on_transfer(input) {
            WireEvent::Read(s) => s,
            WireEvent::Error(e) => self.done(Err(e)),
            WireEvent::Answer(h, d) => self.on_answer(h, d),
        }
    }

    fn is_open(&self) -> bool {
        self.powered
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            extended_length: self.cfg.level == CcidLevel::ExtendedApdu,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::test_util::hex;

    fn answer(t: u8, seq: u8, status: u8, error: u8, chain: u8, data: &[u8]) -> Vec<u8> {
        let mut m = encode(t, 0, seq, [status, error, chain], data);
        m[0] = t;
        m
    }

    fn out(s: &UsbStep) -> Vec<u8> {
        match s {
            UsbStep::Out { data, .. } => data.clone(),
            o => panic!("expected OUT, got {o:?}"),
        }
    }

    fn open(d: &mut Ccid) {
        let s = d.start(Operation::Open);
        assert_eq!(out(&s), hex("65 00000000 00 00 000000"));
        assert!(matches!(d.next(TransferResult::Sent), UsbStep::In { .. }));
        let s = d.next(TransferResult::Received(answer(0x81, 0, 0x01, 0, 0, &[])));
        assert_eq!(out(&s), hex("62 00000000 00 01 000000"));
        d.next(TransferResult::Sent);
        let atr = hex("3B 88 80 01 00 00 00 00 00 00 00 00 09");
        let s = d.next(TransferResult::Received(answer(0x80, 1, 0, 0, 0, &atr)));
        assert_eq!(s, UsbStep::Done(Ok(atr)));
        assert!(d.is_open());
    }

    #[test]
    fn headers_as_in_ccid_1_1() {
        assert_eq!(
            encode(msg::PC_TO_RDR_XFR_BLOCK, 0, 7, [0, 0, 0], &[0, 0xA4, 4, 0]),
            hex("6F 04000000 00 07 00 0000 00A40400")
        );
        let h = parse_header(&hex("80 02000000 00 07 40 FE 00 9000")).unwrap();
        assert_eq!(h.length, 2);
        assert_eq!(h.command_status(), 1);
        assert_eq!(h.icc_status(), 0);
        assert_eq!(h.error, ERROR_ICC_MUTE);
        assert!(parse_header(&[0x80, 0]).is_none());
        assert_eq!(
            CcidLevel::from_features(0x0004_0840),
            CcidLevel::ExtendedApdu
        );
        assert_eq!(CcidLevel::from_features(0x0002_0840), CcidLevel::ShortApdu);
        assert_eq!(CcidLevel::from_features(0x0001_0840), CcidLevel::Tpdu);
    }

    #[test]
    fn exchange_with_time_extension_and_split_in() {
        let mut d = Ccid::new(CcidConfig::default());
        open(&mut d);
        let s = d.start(Operation::Exchange(&hex("00A4040C02 3F00")));
        assert_eq!(out(&s), hex("6F 07000000 00 02 00 0000 00A4040C023F00"));
        d.next(TransferResult::Sent);
        // Time extension: read again.
        let s = d.next(TransferResult::Received(answer(0x80, 2, 0x80, 1, 0, &[])));
        assert!(matches!(s, UsbStep::In { .. }));
        // The answer split across two IN transfers.
        let a = answer(0x80, 2, 0, 0, 0, &hex("0102 9000"));
        assert!(matches!(
            d.next(TransferResult::Received(a[..7].to_vec())),
            UsbStep::In { .. }
        ));
        assert_eq!(
            d.next(TransferResult::Received(a[7..].to_vec())),
            UsbStep::Done(Ok(hex("0102 9000")))
        );
    }

    #[test]
    fn extended_response_in_several_blocks() {
        let mut d = Ccid::new(CcidConfig::default());
        open(&mut d);
        d.start(Operation::Exchange(&hex("00B0000000 0000")));
        d.next(TransferResult::Sent);
        let s = d.next(TransferResult::Received(answer(
            0x80, 2, 0, 0, 0x01, &[1; 10],
        )));
        assert_eq!(out(&s), hex("6F 00000000 00 03 00 1000"));
        d.next(TransferResult::Sent);
        let s = d.next(TransferResult::Received(answer(
            0x80,
            3,
            0,
            0,
            0x02,
            &[2, 0x90, 0],
        )));
        let mut want = vec![1; 10];
        want.extend_from_slice(&[2, 0x90, 0]);
        assert_eq!(s, UsbStep::Done(Ok(want)));
    }

    #[test]
    fn card_absent_or_mute_is_card_removed() {
        let mut d = Ccid::new(CcidConfig::default());
        d.start(Operation::Open);
        d.next(TransferResult::Sent);
        assert_eq!(
            d.next(TransferResult::Received(answer(
                0x81,
                0,
                0x42,
                ERROR_ICC_MUTE,
                0,
                &[]
            ))),
            UsbStep::Done(Err(ReaderError::CardRemoved))
        );
        let mut d = Ccid::new(CcidConfig::default());
        open(&mut d);
        d.start(Operation::Exchange(&hex("00B0000000")));
        d.next(TransferResult::Sent);
        assert_eq!(
            d.next(TransferResult::Received(answer(
                0x80,
                2,
                0x41,
                ERROR_ICC_MUTE,
                0,
                &[]
            ))),
            UsbStep::Done(Err(ReaderError::CardRemoved))
        );
        assert!(!d.is_open());
    }

    #[test]
    fn stale_answers_garbage_and_tpdu() {
        let mut d = Ccid::new(CcidConfig::default());
        open(&mut d);
        d.start(Operation::Exchange(&hex("00B0000000")));
        d.next(TransferResult::Sent);
        // A stale answer (seq 1) is skipped.
        let s = d.next(TransferResult::Received(answer(
            0x80,
            1,
            0,
            0,
            0,
            &[0x90, 0],
        )));
        assert!(matches!(s, UsbStep::In { .. }));
        // Wrong type is a protocol error.
        assert!(matches!(
            d.next(TransferResult::Received(answer(0x81, 2, 0, 0, 0, &[]))),
            UsbStep::Done(Err(ReaderError::Protocol(_)))
        ));
        // Announcing 4 GB is refused at once.
        let mut d = Ccid::new(CcidConfig::default());
        open(&mut d);
        d.start(Operation::Exchange(&hex("00B0000000")));
        d.next(TransferResult::Sent);
        assert!(matches!(
            d.next(TransferResult::Received(hex("80 FFFFFFFF 00 02 00 00 00"))),
            UsbStep::Done(Err(ReaderError::Protocol(_)))
        ));
        let mut d = Ccid::new(CcidConfig {
            level: CcidLevel::Tpdu,
            ..CcidConfig::default()
        });
        assert!(matches!(
            d.start(Operation::Open),
            UsbStep::Done(Err(ReaderError::Unsupported(_)))
        ));
        let mut d = Ccid::new(CcidConfig {
            level: CcidLevel::ShortApdu,
            ..CcidConfig::default()
        });
        open(&mut d);
        assert!(matches!(
            d.start(Operation::Exchange(&hex("00B0000000 0000"))),
            UsbStep::Done(Err(ReaderError::Unsupported(_)))
        ));
        assert!(!d.capabilities().extended_length);
    }

    #[test]
    fn long_command_is_chained() {
        let mut d = Ccid::new(CcidConfig {
            max_message: 10 + 8,
            ..CcidConfig::default()
        });
        open(&mut d);
        let apdu: Vec<u8> = (0..20).collect();
        let s = d.start(Operation::Exchange(&apdu));
        assert_eq!(&out(&s)[7..10], &[0, 0x01, 0x00]);
        d.next(TransferResult::Sent);
        let s = d.next(TransferResult::Received(answer(0x80, 2, 0, 0, 0x10, &[])));
        assert_eq!(&out(&s)[7..10], &[0, 0x03, 0x00]);
        d.next(TransferResult::Sent);
        let s = d.next(TransferResult::Received(answer(0x80, 3, 0, 0, 0x10, &[])));
        let o = out(&s);
        assert_eq!(&o[7..10], &[0, 0x02, 0x00]);
        assert_eq!(&o[10..], &apdu[16..]);
        d.next(TransferResult::Sent);
        assert_eq!(
            d.next(TransferResult::Received(answer(
                0x80,
                4,
                0,
                0,
                0,
                &[0x90, 0]
            ))),
            UsbStep::Done(Ok(vec![0x90, 0]))
        );
    }
}
