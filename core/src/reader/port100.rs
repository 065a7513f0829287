//! Sony RC-S380 / PaSoRi (USB 054c:06c3): the NFC Port-100 chip's frames over two bulk
//! endpoints, with the My Number Card (ISO/IEC 14443 Type B) activated by REQB/ATTRIB and
//! driven with the ISO/IEC 14443-4 block protocol ([`super::iso14443_4`]) through InCommRF.
//!
//! Sources (byte values are taken from them; no code is copied):
//! - `nfcpy/nfcpy src/nfc/clf/rcs380.py`: `Frame` (header, LCS, DCS, ACK frame), `Chipset`
//!   command codes, `in_set_rf` settings (106B = `03 07 0F 07`), `in_set_protocol_defaults`,
//!   `sense_ttb` (InSetProtocol `initial_guard_time=20, add_sof, check_sof, add_eof,
//!   check_eof`, SENSB_REQ `05 00 10`, 30 ms), `in_comm_rf` (timeout in 0.1 ms units,
//!   `(ms + 1) * 10`, status = 4 bytes little-endian then one byte before the data),
//!   `CommunicationError` bits (0x80 RECEIVE_TIMEOUT_ERROR), init (ACK, SetCommandType 1,
//!   GetFirmwareVersion, SwitchRF off) and close (SwitchRF off, ACK).
//! - `aruneko/WebUSB-MyNumberCard src/Type4B.ts`: the same InSetRF/InSetProtocol bytes for
//!   this card over WebUSB, ATTRIB `1D PUPI 00 08 01 00`, I-blocks `02`/`03`, R(ACK) `A2`/`A3`.
//! - `kubohiroya/turbowarp-webusb-pasori src/extension.ts`: WebUSB interface 0, bulk OUT 2,
//!   bulk IN 1, InCommRF timeout `36 01` (310 × 0.1 ms).
//!
//! Frame (command, host → reader):
//! `00 00 FF FF FF` LEN_L LEN_H LCS `D6` CMD PARAMS… DCS `00`, LEN = bytes from `D6` to the
//! last parameter, LCS = −(LEN_L + LEN_H), DCS = −(sum of `D6`…). The reader answers with the
//! ACK frame `00 00 FF 00 FF 00`, then a frame of the same shape carrying `D7` CMD+1 DATA….
//!
//! Transfers per APDU (no chaining): 3 per ISO-DEP block: OUT command, IN ACK, IN response.

use super::iso14443_4::{Action, IsoDep, IsoDepConfig, IsoDepError, Rx, type_b};
use super::{MAX_READS_PER_ANSWER, Operation, ReaderDriver, ReaderError, TransferResult, UsbStep};
use crate::transport::Capabilities;

/// The ACK frame: sent by the reader before each answer, by the host to cancel or reset.
pub const ACK: [u8; 6] = [0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00];
const HEADER: [u8; 5] = [0x00, 0x00, 0xFF, 0xFF, 0xFF];

/// Command codes (`Chipset.CMD` in nfcpy).
pub mod cmd {
    /// InSetRF: the RF technology and bit rate.
    pub const IN_SET_RF: u8 = 0x00;
    /// InSetProtocol: framing and timing settings.
    pub const IN_SET_PROTOCOL: u8 = 0x02;
    /// InCommRF: send a frame to the card, wait for its answer.
    pub const IN_COMM_RF: u8 = 0x04;
    /// SwitchRF: field on or off.
    pub const SWITCH_RF: u8 = 0x06;
    /// GetFirmwareVersion.
    pub const GET_FIRMWARE_VERSION: u8 = 0x20;
    /// SetCommandType.
    pub const SET_COMMAND_TYPE: u8 = 0x2A;
}

/// InSetRF for 106 kbit/s Type B both ways (nfcpy `in_set_rf` "106B": `3, 7, 15, 7`).
pub const IN_SET_RF_106B: [u8; 4] = [0x03, 0x07, 0x0F, 0x07];

/// nfcpy `in_set_protocol_defaults` (pairs of setting number and value).
pub const IN_SET_PROTOCOL_DEFAULTS: [u8; 38] = [
    0x00, 0x18, 0x01, 0x01, 0x02, 0x01, 0x03, 0x00, 0x04, 0x00, 0x05, 0x00, 0x06, 0x00, 0x07, 0x08,
    0x08, 0x00, 0x09, 0x00, 0x0A, 0x00, 0x0B, 0x00, 0x0C, 0x00, 0x0E, 0x04, 0x0F, 0x00, 0x10, 0x00,
    0x11, 0x00, 0x12, 0x00, 0x13, 0x06,
];

/// Type B settings of nfcpy `sense_ttb` in the order nfcpy sends them (sorted by name):
/// add_eof(0B)=1, add_sof(09)=1, check_eof(0C)=1, check_sof(0A)=1, initial_guard_time(00)=20.
/// The same ten bytes are in aruneko's `Type4B.ts`.
pub const IN_SET_PROTOCOL_TYPE_B: [u8; 10] =
    [0x0B, 0x01, 0x09, 0x01, 0x0C, 0x01, 0x0A, 0x01, 0x00, 0x14];

/// InCommRF status bit: nothing received in time (nfcpy `RECEIVE_TIMEOUT_ERROR`).
pub const STATUS_RECEIVE_TIMEOUT: u32 = 0x0000_0080;

/// Builds a command frame `00 00 FF FF FF LEN LCS D6 code params DCS 00`.
/// Parameters longer than a frame can carry are cut to 65533 bytes (callers stay far below).
pub fn encode_command(code: u8, params: &[u8]) -> Vec<u8> {
    let params = &params[..params.len().min(0xFFFF - 2)];
    let len = (params.len() + 2) as u16;
    let [ll, lh] = len.to_le_bytes();
    let mut f = Vec::with_capacity(params.len() + 12);
    f.extend_from_slice(&HEADER);
    f.extend_from_slice(&[ll, lh, 0u8.wrapping_sub(ll.wrapping_add(lh)), 0xD6, code]);
    f.extend_from_slice(params);
    let sum = f[8..].iter().fold(0u8, |a, b| a.wrapping_add(*b));
    f.push(0u8.wrapping_sub(sum));
    f.push(0x00);
    f
}

/// Builds an answer frame (`D7`, code + 1): used by the device emulator's tests here only.
#[cfg(test)]
fn encode_answer(code: u8, data: &[u8]) -> Vec<u8> {
    let mut f = encode_command(code.wrapping_add(1), data);
    f[8] = 0xD7;
    let sum = f[8..f.len() - 2]
        .iter()
        .fold(0u8, |a, b| a.wrapping_add(*b));
    let n = f.len();
    f[n - 2] = 0u8.wrapping_sub(sum);
    f
}

/// One frame read from the reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// The 6-byte ACK frame.
    Ack,
    /// The 5-byte error frame nfcpy recognises (`00 00 FF FF FF` alone).
    Error,
    /// A data frame: its data from `D7`/`D6` on, checksums verified.
    Data(Vec<u8>),
}

/// Result of looking at the bytes read so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// The frame is not complete yet.
    NeedMore,
    /// A frame and how many bytes it took.
    Frame(Frame, usize),
    /// Not a Port-100 frame.
    Invalid(&'static str),
}

/// Parses one frame at the start of `buf`.
pub fn parse_frame(buf: &[u8]) -> Parsed {
    if buf.len() < 3 {
        return if HEADER.starts_with(buf) {
            Parsed::NeedMore
        } else {
            Parsed::Invalid("bad preamble")
        };
    }
    if buf[..3] != HEADER[..3] {
        return Parsed::Invalid("bad preamble");
    }
    if buf.starts_with(&ACK) {
        return Parsed::Frame(Frame::Ack, ACK.len());
    }
    if buf == HEADER {
        return Parsed::Frame(Frame::Error, HEADER.len());
    }
    if buf.len() < 8 {
        return if HEADER.starts_with(&buf[..buf.len().min(5)]) || ACK.starts_with(buf) {
            Parsed::NeedMore
        } else {
            Parsed::Invalid("bad frame header")
        };
    }
    if buf[3..5] != [0xFF, 0xFF] {
        return Parsed::Invalid("bad frame header");
    }
    let (ll, lh) = (buf[5], buf[6]);
    if ll.wrapping_add(lh).wrapping_add(buf[7]) != 0 {
        return Parsed::Invalid("length checksum");
    }
    let len = usize::from(u16::from_le_bytes([ll, lh]));
    let total = 8 + len + 2;
    if buf.len() < total {
        return Parsed::NeedMore;
    }
    let data = &buf[8..8 + len];
    let dcs = buf[8 + len];
    if data.iter().fold(dcs, |a, b| a.wrapping_add(*b)) != 0 {
        return Parsed::Invalid("data checksum");
    }
    Parsed::Frame(Frame::Data(data.to_vec()), total)
}

/// Endpoints and bounds. The defaults are the RC-S380's interface 0 bulk endpoints OUT 2 and
/// IN 1, as `kubohiroya/turbowarp-webusb-pasori src/extension.ts` uses them over WebUSB
/// (nfcpy looks them up in the interface descriptor; a face may do the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Port100Config {
    /// Bulk OUT endpoint number (no direction bit, as WebUSB takes it).
    pub endpoint_out: u8,
    /// Bulk IN endpoint number.
    pub endpoint_in: u8,
    /// Bytes asked for per IN transfer.
    pub max_in: usize,
    /// REQB attempts before "no card".
    pub reqb_attempts: u8,
    /// Lower bound of the InCommRF timeout for ISO-DEP blocks, milliseconds.
    pub min_block_timeout_ms: u32,
}

impl Default for Port100Config {
    fn default() -> Self {
        Port100Config {
            endpoint_out: 2,
            endpoint_in: 1,
            max_in: 1024,
            reqb_attempts: 3,
            min_block_timeout_ms: 500,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wire {
    Idle,
    /// A bare ACK was written (reset/cancel); no answer comes.
    AckSent,
    Sent(u8),
    AwaitAck(u8),
    AwaitAnswer(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    // open
    Reset,
    SetCommandType,
    GetFirmware,
    RfOffInit,
    SetRf,
    ProtocolDefaults,
    ProtocolTypeB,
    Reqb(u8),
    Attrib,
    // exchange
    Block,
    // close
    Deselect,
    RfOff,
    FinalAck,
}

enum Flow {
    Send(u8, Vec<u8>, Step),
    SendAck(Step),
    Done(Result<Vec<u8>, ReaderError>),
}

/// The RC-S380 driver. See the module documentation.
#[derive(Debug)]
pub struct Port100 {
    cfg: Port100Config,
    wire: Wire,
    step: Step,
    rx: Vec<u8>,
    reads: u32,
    pupi: [u8; 4],
    atqb: Vec<u8>,
    fwi: u8,
    fsc: usize,
    iso: Option<IsoDep>,
    firmware: Option<[u8; 2]>,
}

impl Default for Port100 {
    fn default() -> Self {
        Port100::new(Port100Config::default())
    }
}

impl Port100 {
    /// A driver for the RC-S380 with this configuration.
    pub fn new(cfg: Port100Config) -> Port100 {
        Port100 {
            cfg,
            wire: Wire::Idle,
            step: Step::Reset,
            rx: Vec::new(),
            reads: 0,
            pupi: [0; 4],
            atqb: Vec::new(),
            fwi: 4,
            fsc: 32,
            iso: None,
            firmware: None,
        }
    }

    /// Firmware version as reported by GetFirmwareVersion (minor, major), once open.
    pub fn firmware_version(&self) -> Option<[u8; 2]> {
        self.firmware
    }

    /// InCommRF timeout parameter (0.1 ms units) for `ms`, as nfcpy computes it.
    pub fn comm_rf_timeout(ms: u32) -> u16 {
        let t = if ms > 0 { ms.saturating_add(1) } else { 0 };
        t.saturating_mul(10).min(0xFFFF) as u16
    }

    fn block_timeout_ms(&self) -> u32 {
        let wtxm = self
            .iso
            .as_ref()
            .map_or(1, |i| u32::from(i.wtx_multiplier()));
        let fwt_ms = type_b::fwt_us(self.fwi).saturating_mul(wtxm).div_ceil(1000);
        fwt_ms
            .saturating_add(20)
            .clamp(self.cfg.min_block_timeout_ms, 6500)
    }

    fn in_comm_rf(&self, ms: u32, frame: &[u8], step: Step) -> Flow {
        let mut p = Vec::with_capacity(frame.len() + 2);
        p.extend_from_slice(&Self::comm_rf_timeout(ms).to_le_bytes());
        p.extend_from_slice(frame);
        Flow::Send(cmd::IN_COMM_RF, p, step)
    }

    fn emit(&mut self, flow: Flow) -> UsbStep {
        match flow {
            Flow::Send(code, params, step) => {
                self.step = step;
                self.wire = Wire::Sent(code);
                UsbStep::Out {
                    endpoint: self.cfg.endpoint_out,
                    data: encode_command(code, &params),
                }
            }
            Flow::SendAck(step) => {
                self.step = step;
                self.wire = Wire::AckSent;
                UsbStep::Out {
                    endpoint: self.cfg.endpoint_out,
                    data: ACK.to_vec(),
                }
            }
            Flow::Done(r) => {
                self.wire = Wire::Idle;
                if matches!(
                    r,
                    Err(ReaderError::CardRemoved | ReaderError::ReaderDisconnected)
                ) {
                    self.iso = None;
                }
                UsbStep::Done(r)
            }
        }
    }

    fn read(&self, code: u8) -> UsbStep {
        let timeout_ms = if code == cmd::IN_COMM_RF {
            self.block_timeout_ms() + 1000
        } else {
            1000
        };
        UsbStep::In {
            endpoint: self.cfg.endpoint_in,
            max_len: self.cfg.max_in,
            timeout_ms,
        }
    }

    /// What to do with the answer (`D7 code+1` stripped) to the command of `self.step`.
    fn on_answer(&mut self, code: u8, data: &[u8]) -> Flow {
        // Single status byte answers (SetCommandType, SwitchRF, InSetRF, InSetProtocol).
        let status_ok = |d: &[u8]| d.first() == Some(&0);
        let status_err = |d: &[u8]| ReaderError::ReaderStatus {
            command: code,
            status: u32::from(d.first().copied().unwrap_or(0xFF)),
        };
        match self.step {
            Step::SetCommandType => {
                if !status_ok(data) {
                    return Flow::Done(Err(status_err(data)));
                }
                Flow::Send(cmd::GET_FIRMWARE_VERSION, vec![], Step::GetFirmware)
            }
            Step::GetFirmware => {
                if let [minor, major, ..] = data {
                    self.firmware = Some([*minor, *major]);
                }
                Flow::Send(cmd::SWITCH_RF, vec![0], Step::RfOffInit)
            }
            Step::RfOffInit => {
                if !status_ok(data) {
                    return Flow::Done(Err(status_err(data)));
                }
                Flow::Send(cmd::IN_SET_RF, IN_SET_RF_106B.to_vec(), Step::SetRf)
            }
            Step::SetRf => {
                if !status_ok(data) {
                    return Flow::Done(Err(status_err(data)));
                }
                Flow::Send(
                    cmd::IN_SET_PROTOCOL,
                    IN_SET_PROTOCOL_DEFAULTS.to_vec(),
                    Step::ProtocolDefaults,
                )
            }
            Step::ProtocolDefaults => {
                if !status_ok(data) {
                    return Flow::Done(Err(status_err(data)));
                }
                Flow::Send(
                    cmd::IN_SET_PROTOCOL,
                    IN_SET_PROTOCOL_TYPE_B.to_vec(),
                    Step::ProtocolTypeB,
                )
            }
            Step::ProtocolTypeB => {
                if !status_ok(data) {
                    return Flow::Done(Err(status_err(data)));
                }
                self.in_comm_rf(30, &type_b::reqb(0x10), Step::Reqb(1))
            }
            Step::Reqb(attempt) => match comm_rf_result(data) {
                Ok(Some(frame)) => match type_b::parse_atqb(frame) {
                    Some(atqb) if atqb.iso14443_4 => {
                        self.pupi = atqb.pupi;
                        self.fwi = atqb.fwi;
                        self.fsc = atqb.fsc;
                        self.atqb = frame.to_vec();
                        self.in_comm_rf(30, &type_b::attrib(atqb.pupi), Step::Attrib)
                    }
                    Some(_) => Flow::Done(Err(ReaderError::Unsupported(
                        "card is not ISO/IEC 14443-4 compliant",
                    ))),
                    None => Flow::Done(Err(ReaderError::Protocol("invalid ATQB"))),
                },
                Ok(None) if attempt < self.cfg.reqb_attempts => {
                    self.in_comm_rf(30, &type_b::reqb(0x10), Step::Reqb(attempt + 1))
                }
                Ok(None) => Flow::Done(Err(ReaderError::CardRemoved)),
                Err(e) => Flow::Done(Err(e)),
            },
            Step::Attrib => match comm_rf_result(data) {
                Ok(Some(answer)) if type_b::attrib_ok(answer) => {
                    self.iso = Some(IsoDep::new(IsoDepConfig {
                        fsc: self.fsc,
                        fsd: type_b::ATTRIB_FSD,
                        ..IsoDepConfig::default()
                    }));
                    Flow::Done(Ok(self.atqb.clone()))
                }
                Ok(Some(_)) => Flow::Done(Err(ReaderError::Protocol("invalid ATTRIB answer"))),
                Ok(None) => Flow::Done(Err(ReaderError::CardRemoved)),
                Err(e) => Flow::Done(Err(e)),
            },
            Step::Block => {
                let rx = match comm_rf_result(data) {
                    Ok(Some(frame)) => Rx::Block(frame),
                    Ok(None) => Rx::Timeout,
                    Err(ReaderError::ReaderStatus { .. }) => Rx::Error,
                    Err(e) => return Flow::Done(Err(e)),
                };
                let Some(iso) = self.iso.as_mut() else {
                    return Flow::Done(Err(ReaderError::InvalidState("no card")));
                };
                match iso.receive(rx) {
                    Ok(Action::Send(block)) => {
                        let ms = self.block_timeout_ms();
                        self.in_comm_rf(ms, &block, Step::Block)
                    }
                    Ok(Action::Done(apdu)) => Flow::Done(Ok(apdu)),
                    Err(IsoDepError::NoResponse) => Flow::Done(Err(ReaderError::CardRemoved)),
                    Err(e) => Flow::Done(Err(ReaderError::Iso14443(e))),
                }
            }
            Step::Deselect => {
                // Whatever the card answered, the field goes off next.
                self.iso = None;
                Flow::Send(cmd::SWITCH_RF, vec![0], Step::RfOff)
            }
            Step::RfOff => Flow::SendAck(Step::FinalAck),
            Step::Reset | Step::FinalAck => {
                Flow::Done(Err(ReaderError::InvalidState("answer without command")))
            }
        }
    }
}

/// Splits an InCommRF answer: `Ok(Some(frame))` received, `Ok(None)` nothing received in
/// time, `Err` another reader error.
///
/// A failed exchange may carry the 4 status bytes alone (nfcpy's `tests/test_clf_rcs380.py`
/// has the chip answer `05 80000000` when no card replied; nfcpy's `in_comm_rf` reads only
/// `data[0:4]` then), so only a received frame needs the fifth byte.
fn comm_rf_result(data: &[u8]) -> Result<Option<&[u8]>, ReaderError> {
    let [s0, s1, s2, s3, ..] = *data else {
        return Err(ReaderError::Protocol("short InCommRF answer"));
    };
    let status = u32::from_le_bytes([s0, s1, s2, s3]);
    if status == 0 {
        data.get(5..)
            .map(Some)
            .ok_or(ReaderError::Protocol("short InCommRF answer"))
    } else if status & STATUS_RECEIVE_TIMEOUT != 0 {
        Ok(None)
    } else {
        Err(ReaderError::ReaderStatus {
            command: cmd::IN_COMM_RF,
            status,
        })
    }
}

impl ReaderDriver for Port100 {
    fn start(&mut self, op: Operation<'_>) -> UsbStep {
        if self.wire != Wire::Idle && op != Operation::Open {
            // The previous operation was abandoned mid-way (its future dropped): the reader
            // and the card are in an unknown state, so only a new open may follow.
            self.wire = Wire::Idle;
            self.iso = None;
            return UsbStep::Done(Err(ReaderError::InvalidState(
                "previous operation abandoned; open again",
            )));
        }
        self.wire = Wire::Idle;
        self.rx.clear();
        self.reads = 0;
        let flow = match op {
            Operation::Open => {
                self.iso = None;
                Flow::SendAck(Step::Reset)
            }
            Operation::Exchange(apdu) => {
                let Some(iso) = self.iso.as_mut() else {
                    return UsbStep::Done(Err(ReaderError::CardRemoved));
                };
                match iso.start(apdu) {
                    Ok(block) => {
                        let ms = self.block_timeout_ms();
                        self.in_comm_rf(ms, &block, Step::Block)
                    }
                    Err(e) => Flow::Done(Err(ReaderError::Iso14443(e))),
                }
            }
            Operation::Close => match self.iso.as_mut() {
                Some(iso) => {
                    let block = iso.deselect();
                    self.in_comm_rf(30, &block, Step::Deselect)
                }
                None => Flow::Send(cmd::SWITCH_RF, vec![0], Step::RfOff),
            },
        };
        self.emit(flow)
    }

    fn next(&mut self, input: TransferResult) -> UsbStep {
        let bytes = match input {
            TransferResult::Failed(e) => return self.emit(Flow::Done(Err(e.into()))),
            TransferResult::Sent => match self.wire {
                Wire::AckSent => {
                    let flow = match self.step {
                        Step::Reset => {
                            Flow::Send(cmd::SET_COMMAND_TYPE, vec![1], Step::SetCommandType)
                        }
                        _ => Flow::Done(Ok(Vec::new())),
                    };
                    return self.emit(flow);
                }
                Wire::Sent(code) => {
                    self.wire = Wire::AwaitAck(code);
                    self.rx.clear();
                    self.reads = 0;
                    return self.read(code);
                }
                _ => {
                    return self.emit(Flow::Done(Err(ReaderError::InvalidState(
                        "unexpected OUT completion",
                    ))));
                }
            },
            TransferResult::Received(b) => b,
            TransferResult::Waited => {
                return self.emit(Flow::Done(Err(ReaderError::InvalidState(
                    "no wait was asked for",
                ))));
            }
        };
        let code = match self.wire {
            Wire::AwaitAck(c) | Wire::AwaitAnswer(c) => c,
            _ => {
                return self.emit(Flow::Done(Err(ReaderError::InvalidState(
                    "unexpected IN data",
                ))));
            }
        };
        self.reads += 1;
        if self.reads > MAX_READS_PER_ANSWER || self.rx.len() + bytes.len() > 0x1_0010 {
            return self.emit(Flow::Done(Err(ReaderError::Protocol("answer too long"))));
        }
        self.rx.extend_from_slice(&bytes);
        loop {
            match parse_frame(&self.rx) {
                Parsed::NeedMore => return self.read(code),
                Parsed::Invalid(w) => return self.emit(Flow::Done(Err(ReaderError::Protocol(w)))),
                Parsed::Frame(Frame::Ack, n) if self.wire == Wire::AwaitAck(code) => {
                    self.rx.drain(..n);
                    self.wire = Wire::AwaitAnswer(code);
                    if self.rx.is_empty() {
                        return self.read(code);
                    }
                }
                Parsed::Frame(Frame::Ack, _) => {
                    return self.emit(Flow::Done(Err(ReaderError::Protocol("unexpected ACK"))));
                }
                Parsed::Frame(Frame::Error, _) => {
                    return self.emit(Flow::Done(Err(ReaderError::ReaderStatus {
                        command: code,
                        status: 0xFFFF_FFFF,
                    })));
                }
                Parsed::Frame(Frame::Data(d), n)
                    if self.step == Step::SetCommandType
                        && (self.wire != Wire::AwaitAnswer(code)
                            || d.get(..2) != Some(&[0xD7, code.wrapping_add(1)][..])) =>
                {
                    // The open's first command: an answer a killed host left in the IN pipe
                    // comes first (the reset ACK does not take it back; nfcpy drains it after
                    // its ACK, `rcs380.py` l. 186–193). Skip it and wait for our ACK again;
                    // bounded by the reads of this answer.
                    self.rx.drain(..n);
                    self.wire = Wire::AwaitAck(code);
                    if self.rx.is_empty() {
                        return self.read(code);
                    }
                }
                Parsed::Frame(Frame::Data(d), _) => {
                    if self.wire != Wire::AwaitAnswer(code) {
                        return self
                            .emit(Flow::Done(Err(ReaderError::Protocol("answer before ACK"))));
                    }
                    if d.len() < 2 || d[0] != 0xD7 || d[1] != code.wrapping_add(1) {
                        return self.emit(Flow::Done(Err(ReaderError::Protocol(
                            "answer to another command",
                        ))));
                    }
                    self.rx.clear();
                    let flow = self.on_answer(code, &d[2..]);
                    return self.emit(flow);
                }
            }
        }
    }

    fn is_open(&self) -> bool {
        self.iso.is_some()
    }

    fn capabilities(&self) -> Capabilities {
        // Command and response chaining carry any APDU length the card accepts.
        Capabilities {
            extended_length: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::test_util::hex;

    #[test]
    fn command_frames_match_nfcpy() {
        // SetCommandType 1 as nfcpy's Frame builds it: LEN 3, LCS FD, DCS = -(D6+2A+01).
        assert_eq!(
            encode_command(0x2A, &[1]),
            hex("0000FFFFFF 0300 FD D6 2A 01 FF 00")
        );
        // GetFirmwareVersion.
        assert_eq!(
            encode_command(0x20, &[]),
            hex("0000FFFFFF 0200 FE D6 20 0A 00")
        );
        // SwitchRF off.
        assert_eq!(
            encode_command(0x06, &[0]),
            hex("0000FFFFFF 0300 FD D6 06 00 24 00")
        );
        // InSetRF 106B.
        assert_eq!(
            encode_command(0x00, &IN_SET_RF_106B),
            hex("0000FFFFFF 0600 FA D6 00 03070F07 0A 00")
        );
        // InCommRF REQB, 30 ms -> 310 = 0x0136.
        let mut p = Port100::comm_rf_timeout(30).to_le_bytes().to_vec();
        p.extend_from_slice(&[0x05, 0x00, 0x10]);
        assert_eq!(
            encode_command(0x04, &p),
            hex("0000FFFFFF 0700 F9 D6 04 3601 050010 DA 00")
        );
    }

    #[test]
    fn frames_parse_and_checksums_are_checked() {
        assert_eq!(parse_frame(&ACK), Parsed::Frame(Frame::Ack, 6));
        assert_eq!(parse_frame(&ACK[..4]), Parsed::NeedMore);
        assert_eq!(parse_frame(&HEADER), Parsed::Frame(Frame::Error, 5));
        let a = encode_answer(0x2A, &[0]);
        assert_eq!(a, hex("0000FFFFFF 0300 FD D7 2B 00 FE 00"));
        assert_eq!(
            parse_frame(&a),
            Parsed::Frame(Frame::Data(vec![0xD7, 0x2B, 0]), a.len())
        );
        assert_eq!(parse_frame(&a[..9]), Parsed::NeedMore);
        let mut bad = a.clone();
        bad[9] ^= 1;
        assert_eq!(parse_frame(&bad), Parsed::Invalid("data checksum"));
        let mut bad = a.clone();
        bad[7] ^= 1;
        assert_eq!(parse_frame(&bad), Parsed::Invalid("length checksum"));
        assert_eq!(parse_frame(&[1, 2, 3]), Parsed::Invalid("bad preamble"));
        // Huge announced length: waits for more (bounded by the driver), never panics.
        assert_eq!(parse_frame(&hex("0000FFFFFF FFFF 02 D7")), Parsed::NeedMore);
    }

    /// Drives the driver with scripted reader answers, checking each OUT frame.
    fn run(d: &mut Port100, first: UsbStep, script: &[(&str, Vec<u8>)]) -> UsbStep {
        let mut step = first;
        for (expected_out, answer) in script {
            match &step {
                UsbStep::Out { data, .. } => assert_eq!(*data, hex(expected_out)),
                other => panic!("expected OUT {expected_out}, got {other:?}"),
            }
            step = d.next(TransferResult::Sent);
            if expected_out == &"0000FF00FF00"
                && matches!(step, UsbStep::Out { .. } | UsbStep::Done(_))
            {
                continue;
            }
            assert!(matches!(step, UsbStep::In { .. }), "{step:?}");
            step = d.next(TransferResult::Received(ACK.to_vec()));
            assert!(matches!(step, UsbStep::In { .. }));
            step = d.next(TransferResult::Received(answer.clone()));
        }
        step
    }

    /// A received frame as real readers answer it: status 0, `08`, the frame.
    fn comm_ok(frame: &[u8]) -> Vec<u8> {
        let mut d = vec![0, 0, 0, 0, 0x08];
        d.extend_from_slice(frame);
        encode_answer(0x04, &d)
    }

    /// Port-100 frames of the reader's start-up, each with the reader's answer: ACK,
    /// SetCommandType, GetFirmwareVersion, SwitchRF, InSetRF (106 kbps Type B).
    fn opening_frames() -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("0000FF00FF00", vec![]),
            (
                "0000FFFFFF 0300 FD D6 2A 01 FF 00",
                encode_answer(0x2A, &[0]),
            ),
            (
                "0000FFFFFF 0200 FE D6 20 0A 00",
                encode_answer(0x20, &[0x11, 0x01]),
            ),
            (
                "0000FFFFFF 0300 FD D6 06 00 24 00",
                encode_answer(0x06, &[0]),
            ),
            (
                "0000FFFFFF 0600 FA D6 00 03070F07 0A 00",
                encode_answer(0x00, &[0]),
            ),
        ]
    }

    fn open(d: &mut Port100) {
        let first = d.start(Operation::Open);
        let atqb = hex("50 01020304 00000000 00 81 71");
        let step = run(
            d,
            first,
            &[
                opening_frames(),
                vec![
                    (
                        "0000FFFFFF 2800 D8 D6 02 0018 0101 0201 0300 0400 0500 0600 0708 0800 0900 0A00 0B00 0C00 0E04 0F00 1000 1100 1200 1306 4B 00",
                        encode_answer(0x02, &[0]),
                    ),
                    (
                        "0000FFFFFF 0C00 F4 D6 02 0B01 0901 0C01 0A01 0014 E6 00",
                        encode_answer(0x02, &[0]),
                    ),
                    ("0000FFFFFF 0700 F9 D6 04 3601 050010 DA 00", comm_ok(&atqb)),
                    (
                        "0000FFFFFF 0D00 F3 D6 04 3601 1D01020304 00080100 BF 00",
                        comm_ok(&[0x00]),
                    ),
                ],
            ]
            .concat(),
        );
        assert_eq!(step, UsbStep::Done(Ok(atqb)));
        assert!(d.is_open());
        assert_eq!(d.firmware_version(), Some([0x11, 0x01]));
    }

    fn out_data(step: &UsbStep) -> Vec<u8> {
        match step {
            UsbStep::Out { data, .. } => data.clone(),
            other => panic!("expected OUT, got {other:?}"),
        }
    }

    fn block_of(frame: &[u8]) -> Vec<u8> {
        // D6 04 T T block..
        frame[8 + 4..frame.len() - 2].to_vec()
    }

    fn answer(d: &mut Port100, reader_answer: Vec<u8>) -> UsbStep {
        assert!(matches!(d.next(TransferResult::Sent), UsbStep::In { .. }));
        assert!(matches!(
            d.next(TransferResult::Received(ACK.to_vec())),
            UsbStep::In { .. }
        ));
        d.next(TransferResult::Received(reader_answer))
    }

    #[test]
    fn open_exchange_close() {
        let mut d = Port100::default();
        open(&mut d);
        let s = d.start(Operation::Exchange(&hex("00A4040C02 3F00")));
        assert_eq!(block_of(&out_data(&s)), hex("02 00A4040C023F00"));
        let s = answer(&mut d, comm_ok(&hex("12 0102")));
        assert_eq!(block_of(&out_data(&s)), hex("A3"));
        let s = answer(&mut d, comm_ok(&hex("F2 03")));
        assert_eq!(block_of(&out_data(&s)), hex("F2 03"));
        let s = answer(&mut d, comm_ok(&hex("03 9000")));
        assert_eq!(s, UsbStep::Done(Ok(hex("0102 9000"))));
        // Close: DESELECT, SwitchRF off, ACK.
        let s = d.start(Operation::Close);
        assert_eq!(block_of(&out_data(&s)), hex("C2"));
        let s = answer(&mut d, comm_ok(&hex("C2")));
        assert_eq!(out_data(&s), hex("0000FFFFFF 0300 FD D6 06 00 24 00"));
        let s = answer(&mut d, encode_answer(0x06, &[0]));
        assert_eq!(out_data(&s), ACK);
        assert_eq!(d.next(TransferResult::Sent), UsbStep::Done(Ok(vec![])));
        assert!(!d.is_open());
    }

    #[test]
    fn ack_and_answer_in_one_transfer_or_in_pieces() {
        let mut d = Port100::default();
        open(&mut d);
        d.start(Operation::Exchange(&hex("00A4040C02 3F00")));
        d.next(TransferResult::Sent);
        let mut both = ACK.to_vec();
        both.extend(comm_ok(&hex("02 9000")));
        assert_eq!(
            d.next(TransferResult::Received(both)),
            UsbStep::Done(Ok(hex("9000")))
        );
        d.start(Operation::Exchange(&hex("00A4040C02 3F00")));
        d.next(TransferResult::Sent);
        let mut all = ACK.to_vec();
        all.extend(comm_ok(&hex("03 9000")));
        let mut s = UsbStep::Done(Err(ReaderError::Timeout));
        for piece in all.chunks(4) {
            s = d.next(TransferResult::Received(piece.to_vec()));
        }
        assert_eq!(s, UsbStep::Done(Ok(hex("9000"))));
    }

    #[test]
    fn crc_error_is_answered_with_r_nak() {
        let mut d = Port100::default();
        open(&mut d);
        d.start(Operation::Exchange(&hex("00B0000004")));
        // CRC_ERROR (0x04) from the chip: the block was broken on air.
        let s = answer(&mut d, encode_answer(0x04, &[0x04, 0, 0, 0, 0]));
        assert_eq!(block_of(&out_data(&s)), hex("B2"));
        let s = answer(&mut d, comm_ok(&hex("02 01020304 9000")));
        assert_eq!(s, UsbStep::Done(Ok(hex("01020304 9000"))));
    }

    #[test]
    fn lifted_card_is_card_removed_after_bounded_retries() {
        let mut d = Port100::default();
        open(&mut d);
        let timeout = encode_answer(0x04, &[0x80, 0, 0, 0, 0]);
        let mut s = d.start(Operation::Exchange(&hex("00B0000000")));
        let mut n = 0;
        while let UsbStep::Out { .. } = s {
            n += 1;
            assert!(n < 10);
            s = answer(&mut d, timeout.clone());
        }
        assert_eq!(n, 3);
        assert_eq!(s, UsbStep::Done(Err(ReaderError::CardRemoved)));
        assert!(!d.is_open());
        assert_eq!(
            d.start(Operation::Exchange(&[0])),
            UsbStep::Done(Err(ReaderError::CardRemoved))
        );
    }

    #[test]
    fn unplugged_reader_and_garbage() {
        let mut d = Port100::default();
        open(&mut d);
        d.start(Operation::Exchange(&[0]));
        assert_eq!(
            d.next(TransferResult::Failed(super::super::UsbError::Disconnected)),
            UsbStep::Done(Err(ReaderError::ReaderDisconnected))
        );
        let mut d = Port100::default();
        open(&mut d);
        d.start(Operation::Exchange(&[0]));
        d.next(TransferResult::Sent);
        assert!(matches!(
            d.next(TransferResult::Received(vec![0xFF; 40])),
            UsbStep::Done(Err(ReaderError::Protocol(_)))
        ));
        // Endless fragments are bounded.
        let mut d = Port100::default();
        open(&mut d);
        d.start(Operation::Exchange(&[0]));
        d.next(TransferResult::Sent);
        d.next(TransferResult::Received(ACK.to_vec()));
        let mut s = d.next(TransferResult::Received(hex("0000FFFFFF FFFF 02")));
        let mut n = 0;
        while let UsbStep::In { .. } = s {
            n += 1;
            s = d.next(TransferResult::Received(vec![0; 10]));
        }
        assert!(n <= MAX_READS_PER_ANSWER as usize);
        assert!(matches!(s, UsbStep::Done(Err(_))));
    }

    #[test]
    fn open_skips_answers_a_killed_host_left_in_the_pipe() {
        let stale = comm_ok(&hex("02 9000"));
        // The stale answer alone, or the stale ACK and answer (killed before reading either).
        for leftovers in [vec![stale.clone()], vec![ACK.to_vec(), stale.clone()]] {
            let mut d = Port100::default();
            assert_eq!(out_data(&d.start(Operation::Open)), ACK);
            let s = d.next(TransferResult::Sent);
            assert_eq!(out_data(&s), encode_command(0x2A, &[1]));
            let mut s = d.next(TransferResult::Sent);
            for frame in &leftovers {
                assert!(matches!(s, UsbStep::In { .. }), "{s:?}");
                s = d.next(TransferResult::Received(frame.clone()));
            }
            assert!(matches!(s, UsbStep::In { .. }), "{s:?}");
            let s = d.next(TransferResult::Received(ACK.to_vec()));
            assert!(matches!(s, UsbStep::In { .. }), "{s:?}");
            let s = d.next(TransferResult::Received(encode_answer(0x2A, &[0])));
            assert_eq!(out_data(&s), encode_command(0x20, &[]));
        }
        // After the open's first command, another command's answer is still an error.
        let mut d = Port100::default();
        open(&mut d);
        d.start(Operation::Exchange(&hex("00B0000004")));
        d.next(TransferResult::Sent);
        d.next(TransferResult::Received(ACK.to_vec()));
        assert_eq!(
            d.next(TransferResult::Received(encode_answer(0x2A, &[0]))),
            UsbStep::Done(Err(ReaderError::Protocol("answer to another command")))
        );
    }

    #[test]
    fn in_comm_rf_answers_with_and_without_the_fifth_byte() {
        // Received: status 0, one byte (08 on real readers), the frame.
        assert_eq!(
            comm_rf_result(&hex("00000000 08 9000")),
            Ok(Some(&hex("9000")[..]))
        );
        assert_eq!(comm_rf_result(&hex("00000000 08")), Ok(Some(&[][..])));
        // Failed: the 4 status bytes alone (nfcpy's tests) or with a fifth byte.
        assert_eq!(comm_rf_result(&hex("80000000")), Ok(None));
        assert_eq!(comm_rf_result(&hex("80000000 00")), Ok(None));
        assert_eq!(
            comm_rf_result(&hex("04000000")),
            Err(ReaderError::ReaderStatus {
                command: cmd::IN_COMM_RF,
                status: 4
            })
        );
        // Too short to say anything.
        for short in ["", "80", "800000", "00000000"] {
            assert_eq!(
                comm_rf_result(&hex(short)),
                Err(ReaderError::Protocol("short InCommRF answer")),
                "{short}"
            );
        }
    }

    #[test]
    fn no_card_after_reqb_attempts() {
        let mut d = Port100::default();
        let first = d.start(Operation::Open);
        // As nfcpy's tests have the chip answer a REQB nobody replied to.
        let timeout = encode_answer(0x04, &[0x80, 0, 0, 0]);
        let _ = run(&mut d, first, &opening_frames());
        // InSetProtocol defaults, then Type B settings, then REQB.
        let _ = answer(&mut d, encode_answer(0x02, &[0]));
        let mut s = answer(&mut d, encode_answer(0x02, &[0]));
        for _ in 0..2 {
            assert!(matches!(s, UsbStep::Out { .. }));
            s = answer(&mut d, timeout.clone());
        }
        assert!(matches!(s, UsbStep::Out { .. }));
        assert_eq!(
            answer(&mut d, timeout),
            UsbStep::Done(Err(ReaderError::CardRemoved))
        );
    }
}
