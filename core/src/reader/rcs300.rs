//! Sony RC-S300 (USB 054c:0dc8 RC-S300/S, 054c:0dc9 RC-S300/P): CCID-shaped bulk messages
//! on its vendor-specific interface. Everything goes through PC_to_RDR_Escape (0x6B, answered
//! by RDR_to_PC_Escape 0x83) carrying PC/SC "transparent session" pseudo-APDUs of class `FF`;
//! the host runs REQB/ATTRIB and the ISO/IEC 14443-4 block protocol
//! ([`super::iso14443_4`]) itself through the transparent exchange.
//!
//! Sources (byte values from them; no code copied):
//! - PC/SC Workgroup, Interoperability Specification for ICCs and Personal Computer Systems,
//!   Part 3 supplement (v2.02.x), "Transparent Exchange": Manage Session `FF C2 00 00`,
//!   Transparent Exchange `FF C2 00 01`, Switch Protocol `FF C2 00 02`, data objects `80`
//!   version, `81` start session, `82` end session, `83` RF off, `84` RF on, `8F` switch
//!   protocol, `90` transmission/reception flags, `91` bit framing, `95` transceive,
//!   `5F46` timer (µs), answers `C0` generic error status, `92`, `96`, `97` ICC response.
//! - `soltia48/felica-rs src/driver/port400/pcsc/{mod,ccid,tlv}.rs` (MIT): the RC-S300 uses
//!   INS `50` in place of the specification's `C2` (`FF 50 00 00 02 81 00 00` starts the
//!   session), switch protocol `FF 50 00 02` with `FF 6E 03 01 01 <FSDI>`,
//!   `FF 6E 03 08 01 <CID>` and `8F 02 <01 = Type B> <04>`, transceive
//!   `FF 50 00 01 00 <len16> 90 02 00 1C 5F 46 04 <µs LE> 95 82 <len16> <frame> 00 00 00`,
//!   answers `C0 03 00 90 00 … 97 <len> <frame> … 90 00`, `C0 03 xx 64 0x` = no answer from
//!   the card, CCID Escape header with bmCommandStatus 2 = time extension.
//! - `/work/shared/spec/readers.md` (session commands, tag `5F46`, `95`, `97`).
//!
//! - A public RC-S300 WebUSB write-up (EZ Sign writer notes, §9 "SONY RC-S300 (PaSoRi 4.0) +
//!   WebUSB"): interface 1 (class 0xFF; interface 0 is CCID and refused to WebUSB), bulk
//!   endpoints 2 OUT and 2 IN (64-byte packets), the same `FF 50 00 00 02 8x 00 00` session
//!   commands, I-blocks built by the host over P2 `01`, S(WTX) echoed.
//!
//! Guard times: felica-rs waits 30 ms after RF off, 21 ms after RF on and 20 ms after the
//! protocol switch; the driver asks for them with [`UsbStep::Wait`]. (The EZ Sign notes wait
//! 500-800 ms between RF off and RF on; raise them here if a card does not answer REQB.)
//!
//! Unconfirmed (not stated alike by the sources, or not checked on hardware with this card):
//! whether `8F 02 01 04` (Type B, layer 4, as felica-rs sends it) leaves REQB/ATTRIB to the
//! host as felica-rs's low-level path assumes (for Type A, the EZ Sign notes say layer 4 makes
//! the reader activate the card itself and report the ATS in `5F51`); the vendor `FF 6E`
//! objects (FSDI, CID); the flags object `90 02 00 1C` (felica-rs sends it; an ESP32 probe of
//! the RC-S300 with FeliCa saw `90` objects refused); the three trailing zero bytes of the
//! transceive pseudo-APDU (felica-rs sends them; an extended Le would be two).
//!
//! Transfers per APDU (no chaining): 2 per ISO-DEP block (OUT Escape, IN Escape answer),
//! plus one IN per CCID time extension.

use super::ccid::{Header, Wire, WireEvent, msg};
use super::iso14443_4::{Action, IsoDep, IsoDepConfig, IsoDepError, Rx, type_b};
use super::{Operation, ReaderDriver, ReaderError, TransferResult, UsbStep};
use crate::transport::Capabilities;

/// INS of the RC-S300's transparent-session pseudo-APDUs (felica-rs `MANAGE_SESSION_INS`).
pub const INS: u8 = 0x50;

/// Manage Session data objects (PC/SC part 3 supplement).
pub mod tag {
    /// StartTransparentSession.
    pub const START_SESSION: u8 = 0x81;
    /// EndTransparentSession.
    pub const END_SESSION: u8 = 0x82;
    /// TurnOffRFField.
    pub const RF_OFF: u8 = 0x83;
    /// TurnOnRFField.
    pub const RF_ON: u8 = 0x84;
    /// SwitchProtocol.
    pub const SWITCH_PROTOCOL: u8 = 0x8F;
    /// TransmissionAndReceptionFlag.
    pub const FLAGS: u8 = 0x90;
    /// Transceive: frame to the card.
    pub const TRANSCEIVE: u8 = 0x95;
    /// Response data object: the card's answer.
    pub const RESPONSE_DATA: u8 = 0x97;
    /// Generic error status object.
    pub const STATUS: u8 = 0xC0;
}

/// `FF 50 00 00 02 <tag> 00 00`: a Manage Session command with one empty data object.
pub fn manage_session(t: u8) -> [u8; 8] {
    [0xFF, INS, 0x00, 0x00, 0x02, t, 0x00, 0x00]
}

/// Switch Protocol to ISO/IEC 14443-4 Type B with FSDI 8 and CID 0 (felica-rs
/// `switch_protocol_iso14443_4b(fsdi, cid, 4)`).
pub fn switch_protocol_type_b() -> Vec<u8> {
    let objects: [u8; 16] = [
        0xFF,
        0x6E,
        0x03,
        0x01,
        0x01,
        0x08, // vendor: FSDI 8
        0xFF,
        0x6E,
        0x03,
        0x08,
        0x01,
        0x00, // vendor: CID 0
        tag::SWITCH_PROTOCOL,
        0x02,
        0x01,
        0x04, // Type B, layer 4
    ];
    let mut a = vec![0xFF, INS, 0x00, 0x02, objects.len() as u8];
    a.extend_from_slice(&objects);
    a.push(0x00);
    a
}

/// Transmission/reception flags for Type B: CRC added and checked by the reader, no parity,
/// no protocol prologue (felica-rs `build_flag_mask`: bits set = feature off → `00 1C`).
pub const FLAGS_TYPE_B: [u8; 2] = [0x00, 0x1C];

/// Transparent exchange of one frame with the card, waiting at most `timeout_us`.
pub fn transceive(frame: &[u8], timeout_us: u32) -> Vec<u8> {
    let frame = &frame[..frame.len().min(0xFFF0)];
    let mut objects = Vec::with_capacity(frame.len() + 16);
    objects.extend_from_slice(&[tag::FLAGS, 0x02, FLAGS_TYPE_B[0], FLAGS_TYPE_B[1]]);
    objects.extend_from_slice(&[0x5F, 0x46, 0x04]);
    objects.extend_from_slice(&timeout_us.to_le_bytes());
    objects.extend_from_slice(&[tag::TRANSCEIVE, 0x82]);
    objects.extend_from_slice(&(frame.len() as u16).to_be_bytes());
    objects.extend_from_slice(frame);
    let mut a = vec![0xFF, INS, 0x00, 0x01, 0x00];
    a.extend_from_slice(&(objects.len() as u16).to_be_bytes());
    a.extend_from_slice(&objects);
    a.extend_from_slice(&[0x00, 0x00, 0x00]);
    a
}

/// What a transparent-session answer says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionAnswer {
    /// The `C0` status (3 bytes), `00 90 00` when all went well.
    pub status: Option<[u8; 3]>,
    /// The card's frame (`97`), if any.
    pub data: Option<Vec<u8>>,
}

impl SessionAnswer {
    /// `C0` reports "no response from the card" (`xx 64 00` / `xx 64 01`, felica-rs
    /// `status_error`).
    pub fn no_response(&self) -> bool {
        matches!(self.status, Some([_, 0x64, 0x00 | 0x01]))
    }
    /// Whether the reader reported success (no status object, or 90 00).
    pub fn ok(&self) -> bool {
        matches!(self.status, None | Some([0x00, 0x90, 0x00]))
    }
}

fn ber_length(b: &[u8]) -> Option<(usize, usize)> {
    match *b.first()? {
        n @ 0..=0x7F => Some((usize::from(n), 1)),
        0x81 => Some((usize::from(*b.get(1)?), 2)),
        0x82 => Some((usize::from(u16::from_be_bytes([*b.get(1)?, *b.get(2)?])), 3)),
        _ => None,
    }
}

/// Parses the payload of an Escape answer: data objects then SW1 SW2 (`90 00` required).
pub fn parse_session_answer(payload: &[u8]) -> Result<SessionAnswer, ReaderError> {
    let Some((body, sw)) = payload.split_last_chunk::<2>() else {
        return Err(ReaderError::Protocol(
            "escape answer shorter than a status word",
        ));
    };
    if *sw != [0x90, 0x00] {
        return Err(ReaderError::ReaderStatus {
            command: INS,
            status: u32::from(u16::from_be_bytes(*sw)),
        });
    }
    let mut out = SessionAnswer {
        status: None,
        data: None,
    };
    let mut i = 0;
    // Each pass consumes at least two bytes, so the loop is bounded by the body length.
    while i < body.len() {
        let t = body[i];
        // Two-byte tags: 5F xx, FF xx (vendor objects).
        let tag_len = if t == 0x5F || t == 0xFF { 2 } else { 1 };
        let Some(rest) = body.get(i + tag_len..) else {
            return Err(ReaderError::Protocol("truncated data object"));
        };
        let Some((len, n)) = ber_length(rest) else {
            return Err(ReaderError::Protocol("bad data object length"));
        };
        let Some(value) = rest.get(n..n + len) else {
            return Err(ReaderError::Protocol("data object beyond the answer"));
        };
        match t {
            tag::STATUS => {
                out.status = Some(
                    <[u8; 3]>::try_from(value)
                        .map_err(|_| ReaderError::Protocol("bad C0 status object"))?,
                )
            }
            tag::RESPONSE_DATA => out
                .data
                .get_or_insert_with(Vec::new)
                .extend_from_slice(value),
            _ => {}
        }
        i += tag_len + n + len;
    }
    Ok(out)
}

/// Endpoints and bounds; see the module documentation for what is unconfirmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rcs300Config {
    /// Bulk OUT endpoint number.
    pub endpoint_out: u8,
    /// Bulk IN endpoint address (direction bit set).
    pub endpoint_in: u8,
    /// Largest bulk IN transfer.
    pub max_in: usize,
    /// How many times to poll (REQB) before giving up.
    pub reqb_attempts: u8,
    /// Lower bound of the per-block timeout (5F46), microseconds.
    pub min_block_timeout_us: u32,
}

impl Default for Rcs300Config {
    fn default() -> Self {
        Rcs300Config {
            endpoint_out: 2,
            endpoint_in: 2,
            max_in: 1024,
            reqb_attempts: 3,
            min_block_timeout_us: 500_000,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    EndStale,
    Start,
    RfOff,
    RfOn,
    Switch,
    Reqb(u8),
    Attrib,
    Block,
    Deselect,
    CloseRfOff,
    End,
}

/// The RC-S300 driver. See the module documentation.
#[derive(Debug)]
pub struct Rcs300 {
    cfg: Rcs300Config,
    wire: Wire,
    step: Step,
    busy: bool,
    iso: Option<IsoDep>,
    atqb: Vec<u8>,
    fwi: u8,
    fsc: usize,
    after_wait: Option<(Vec<u8>, Step)>,
}

impl Default for Rcs300 {
    fn default() -> Self {
        Rcs300::new(Rcs300Config::default())
    }
}

impl Rcs300 {
    /// A driver for the RC-S300 with this configuration.
    pub fn new(cfg: Rcs300Config) -> Rcs300 {
        Rcs300 {
            cfg,
            wire: Wire::new(cfg.endpoint_out, cfg.endpoint_in, cfg.max_in, 0),
            step: Step::Start,
            busy: false,
            iso: None,
            atqb: Vec::new(),
            fwi: 4,
            fsc: 32,
            after_wait: None,
        }
    }

    fn escape(&mut self, payload: &[u8], step: Step) -> UsbStep {
        self.step = step;
        self.wire.send(
            msg::PC_TO_RDR_ESCAPE,
            msg::RDR_TO_PC_ESCAPE,
            [0, 0, 0],
            payload,
        )
    }

    /// Asks the caller to wait `ms`, then sends `payload`.
    fn wait_then(&mut self, ms: u32, payload: Vec<u8>, step: Step) -> UsbStep {
        self.after_wait = Some((payload, step));
        UsbStep::Wait { ms }
    }

    fn block_timeout_us(&self) -> u32 {
        let wtxm = self
            .iso
            .as_ref()
            .map_or(1, |i| u32::from(i.wtx_multiplier()));
        type_b::fwt_us(self.fwi)
            .saturating_mul(wtxm)
            .max(self.cfg.min_block_timeout_us)
    }

    fn done(&mut self, r: Result<Vec<u8>, ReaderError>) -> UsbStep {
        self.busy = false;
        if matches!(
            r,
            Err(ReaderError::CardRemoved | ReaderError::ReaderDisconnected)
        ) {
            self.iso = None;
        }
        UsbStep::Done(r)
    }

    fn on_answer(&mut self, h: Header, payload: Vec<u8>) -> UsbStep {
        if h.command_status() != 0 {
            if self.step == Step::EndStale {
                // Nothing to end: fine.
                return self.escape(&manage_session(tag::START_SESSION), Step::Start);
            }
            return self.done(Err(ReaderError::ReaderStatus {
                command: msg::PC_TO_RDR_ESCAPE,
                status: u32::from(h.error),
            }));
        }
        let answer = match parse_session_answer(&payload) {
            Ok(a) => a,
            Err(_) if self.step == Step::EndStale => {
                return self.escape(&manage_session(tag::START_SESSION), Step::Start);
            }
            Err(e) => return self.done(Err(e)),
        };
        let status_err = |a: &SessionAnswer| ReaderError::ReaderStatus {
            command: INS,
            status: a
                .status
                .map_or(0, |s| u32::from_be_bytes([0, s[0], s[1], s[2]])),
        };
        match self.step {
            Step::EndStale => self.escape(&manage_session(tag::START_SESSION), Step::Start),
            Step::Start | Step::RfOff | Step::RfOn | Step::Switch if !answer.ok() => {
                self.done(Err(status_err(&answer)))
            }
            Step::Start => self.escape(&manage_session(tag::RF_OFF), Step::RfOff),
            // Guard times of felica-rs (`RF_OFF_GUARD_TIME`, `RF_ON_GUARD_TIME`,
            // `SWITCH_PROTOCOL_GUARD_TIME`): the card must lose power, then power up.
            Step::RfOff => self.wait_then(30, manage_session(tag::RF_ON).to_vec(), Step::RfOn),
            Step::RfOn => self.wait_then(21, switch_protocol_type_b(), Step::Switch),
            Step::Switch => {
                self.wait_then(20, transceive(&type_b::reqb(0x00), 30_000), Step::Reqb(1))
            }
            Step::Reqb(attempt) => {
                if answer.no_response() || (answer.ok() && answer.data.is_none()) {
                    if attempt < self.cfg.reqb_attempts {
                        return self.escape(
                            &transceive(&type_b::reqb(0x00), 30_000),
                            Step::Reqb(attempt + 1),
                        );
                    }
                    return self.done(Err(ReaderError::CardRemoved));
                }
                if !answer.ok() {
                    return self.done(Err(status_err(&answer)));
                }
                let frame = answer.data.unwrap_or_default();
                match type_b::parse_atqb(&frame) {
                    Some(a) if a.iso14443_4 => {
                        self.fwi = a.fwi;
                        self.atqb = frame;
                        self.fsc = a.fsc;
                        self.escape(&transceive(&type_b::attrib(a.pupi), 30_000), Step::Attrib)
                    }
                    Some(_) => self.done(Err(ReaderError::Unsupported(
                        "card is not ISO/IEC 14443-4 compliant",
                    ))),
                    None => self.done(Err(ReaderError::Protocol("invalid ATQB"))),
                }
            }
            Step::Attrib => {
                if answer.no_response() {
                    return self.done(Err(ReaderError::CardRemoved));
                }
                match answer.data {
                    Some(d) if answer.ok() && type_b::attrib_ok(&d) => {
                        self.iso = Some(IsoDep::new(IsoDepConfig {
                            fsc: self.fsc,
                            fsd: type_b::ATTRIB_FSD,
                            ..IsoDepConfig::default()
                        }));
                        let id = self.atqb.clone();
                        self.done(Ok(id))
                    }
                    _ => self.done(Err(ReaderError::Protocol("invalid ATTRIB answer"))),
                }
            }
            Step::Block => {
                let rx = if answer.no_response() {
                    Rx::Timeout
                } else if !answer.ok() {
                    Rx::Error
                } else {
                    match &answer.data {
                        Some(d) => Rx::Block(d),
                        None => Rx::Timeout,
                    }
                };
                let Some(iso) = self.iso.as_mut() else {
                    return self.done(Err(ReaderError::InvalidState("no card")));
                };
                match iso.receive(rx) {
                    Ok(Action::Send(block)) => {
                        let t = self.block_timeout_us();
                        self.escape(&transceive(&block, t), Step::Block)
                    }
                    Ok(Action::Done(apdu)) => self.done(Ok(apdu)),
                    Err(IsoDepError::NoResponse) => self.done(Err(ReaderError::CardRemoved)),
                    Err(e) => self.done(Err(ReaderError::Iso14443(e))),
                }
            }
            Step::Deselect => {
                self.iso = None;
                self.escape(&manage_session(tag::RF_OFF), Step::CloseRfOff)
            }
            Step::CloseRfOff => self.escape(&manage_session(tag::END_SESSION), Step::End),
            Step::End => self.done(Ok(Vec::new())),
        }
    }
}

impl ReaderDriver for Rcs300 {
    fn start(&mut self, op: Operation<'_>) -> UsbStep {
        if self.busy && op != Operation::Open {
            // The previous operation was abandoned mid-way: only a new open may follow (its
            // stale answer is skipped by sequence number).
            self.busy = false;
            self.iso = None;
            return UsbStep::Done(Err(ReaderError::InvalidState(
                "previous operation abandoned; open again",
            )));
        }
        self.busy = true;
        match op {
            Operation::Open => {
                self.iso = None;
                // A session left open by a crashed program locks the reader (felica-rs
                // "priority" start): end it first, ignoring the answer.
                self.escape(&manage_session(tag::END_SESSION), Step::EndStale)
            }
            Operation::Exchange(apdu) => {
                let Some(iso) = self.iso.as_mut() else {
                    return self.done(Err(ReaderError::CardRemoved));
                };
                match iso.start(apdu) {
                    Ok(block) => {
                        let t = self.block_timeout_us();
                        self.escape(&transceive(&block, t), Step::Block)
                    }
                    Err(e) => self.done(Err(ReaderError::Iso14443(e))),
                }
            }
            Operation::Close => match self.iso.as_mut() {
                Some(iso) => {
                    let block = iso.deselect();
                    self.escape(&transceive(&block, 30_000), Step::Deselect)
                }
                None => self.escape(&manage_session(tag::RF_OFF), Step::CloseRfOff),
            },
        }
    }

    fn next(&mut self, input: TransferResult) -> UsbStep {
        if self.busy && input == TransferResult::Waited {
            return match self.after_wait.take() {
                Some((payload, step)) => self.escape(&payload, step),
                None => self.done(Err(ReaderError::InvalidState("no wait was asked for"))),
            };
        }
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
        self.iso.is_some()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            extended_length: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ccid::encode;
    use super::*;
    use crate::reader::test_util::hex;

    fn out(s: &UsbStep) -> Vec<u8> {
        match s {
            UsbStep::Out { data, .. } => data.clone(),
            o => panic!("expected OUT, got {o:?}"),
        }
    }

    fn reply(d: &mut Rcs300, seq: u8, payload: &[u8]) -> UsbStep {
        assert!(matches!(d.next(TransferResult::Sent), UsbStep::In { .. }));
        let mut m = encode(0x83, 0, seq, [0, 0, 0], payload);
        m[0] = 0x83;
        d.next(TransferResult::Received(m))
    }

    const OK: &str = "C0 03 00 90 00 90 00";

    fn card(frame: &str) -> Vec<u8> {
        let f = hex(frame);
        let mut p = hex("C0 03 00 90 00 92 01 00 96 02 00 00 97");
        p.push(f.len() as u8);
        p.extend_from_slice(&f);
        p.extend_from_slice(&[0x90, 0x00]);
        p
    }

    #[test]
    fn pseudo_apdus_as_in_the_sources() {
        assert_eq!(
            manage_session(tag::START_SESSION).to_vec(),
            hex("FF 50 00 00 02 81 00 00")
        );
        assert_eq!(
            manage_session(tag::END_SESSION).to_vec(),
            hex("FF 50 00 00 02 82 00 00")
        );
        assert_eq!(
            switch_protocol_type_b(),
            hex("FF 50 00 02 10 FF6E03010108 FF6E03080100 8F020104 00")
        );
        assert_eq!(
            transceive(&[0x05, 0x00, 0x00], 30_000),
            hex("FF 50 00 01 00 0012 9002001C 5F4604 30750000 9582 0003 050000 000000")
        );
    }

    #[test]
    fn answers_parse_and_are_bounded() {
        let a = parse_session_answer(&card("50 01020304")).unwrap();
        assert!(a.ok());
        assert_eq!(a.data.unwrap(), hex("50 01020304"));
        let a = parse_session_answer(&hex("C0 03 01 64 01 90 00")).unwrap();
        assert!(a.no_response());
        assert!(parse_session_answer(&hex("6A 81")).is_err());
        assert!(parse_session_answer(&hex("97 05 01 90 00")).is_err());
        assert!(parse_session_answer(&hex("97 82 FF")).is_err());
        assert!(parse_session_answer(&hex("C0 02 00 90 90 00")).is_err());
        assert!(parse_session_answer(&hex("5F")).is_err());
        // Extended length form.
        let a = parse_session_answer(&hex("97 81 02 AA BB FF6D 03 000000 90 00")).unwrap();
        assert_eq!(a.data.unwrap(), [0xAA, 0xBB]);
    }

    fn open(d: &mut Rcs300) {
        let s = d.start(Operation::Open);
        assert_eq!(out(&s), hex("6B 08000000 00 00 000000 FF50000002820000"));
        let s = reply(d, 0, &hex("C0 03 01 69 8A 90 00"));
        assert_eq!(&out(&s)[10..], hex("FF50000002810000"));
        let s = reply(d, 1, &hex(OK));
        assert_eq!(&out(&s)[10..], hex("FF50000002830000"));
        assert_eq!(reply(d, 2, &hex(OK)), UsbStep::Wait { ms: 30 });
        let s = d.next(TransferResult::Waited);
        assert_eq!(&out(&s)[10..], hex("FF50000002840000"));
        assert_eq!(reply(d, 3, &hex(OK)), UsbStep::Wait { ms: 21 });
        let s = d.next(TransferResult::Waited);
        assert_eq!(&out(&s)[10..], switch_protocol_type_b());
        assert_eq!(reply(d, 4, &hex(OK)), UsbStep::Wait { ms: 20 });
        let s = d.next(TransferResult::Waited);
        assert_eq!(&out(&s)[10..], transceive(&[5, 0, 0], 30_000));
        let s = reply(d, 5, &card("50 01020304 00000000 00 81 71"));
        assert_eq!(
            &out(&s)[10..],
            transceive(&hex("1D01020304 00080100"), 30_000)
        );
        let s = reply(d, 6, &card("00"));
        assert_eq!(s, UsbStep::Done(Ok(hex("50 01020304 00000000 00 81 71"))));
        assert!(d.is_open());
    }

    #[test]
    fn open_exchange_and_removal() {
        let mut d = Rcs300::default();
        open(&mut d);
        let s = d.start(Operation::Exchange(&hex("00B0000000")));
        let o = out(&s);
        assert_eq!(o[o.len() - 11..], hex("0006 02 00B0000000 000000")[..]);
        // A CCID time extension, then the card's chained answer.
        assert!(matches!(d.next(TransferResult::Sent), UsbStep::In { .. }));
        let mut te = encode(0x83, 0, 7, [0x80, 1, 0], &[]);
        te[0] = 0x83;
        assert!(matches!(
            d.next(TransferResult::Received(te)),
            UsbStep::In { .. }
        ));
        let mut m = encode(0x83, 0, 7, [0, 0, 0], &card("12 0102"));
        m[0] = 0x83;
        let s = d.next(TransferResult::Received(m));
        let o = out(&s);
        assert_eq!(o[o.len() - 6..], hex("0001 A3 000000")[..]);
        let s = reply(&mut d, 8, &card("03 9000"));
        assert_eq!(s, UsbStep::Done(Ok(hex("0102 9000"))));
        // Lifted: no answer three times -> CARD_REMOVED.
        let mut s = d.start(Operation::Exchange(&hex("00B0000000")));
        let mut seq = 9;
        while let UsbStep::Out { .. } = s {
            s = reply(&mut d, seq, &hex("C0 03 01 64 01 90 00"));
            seq += 1;
        }
        assert_eq!(s, UsbStep::Done(Err(ReaderError::CardRemoved)));
        assert_eq!(seq, 12);
        assert!(!d.is_open());
    }
}
