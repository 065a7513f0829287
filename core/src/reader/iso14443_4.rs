//! ISO/IEC 14443-4 (ISO-DEP) half-duplex block protocol, PCD (reader) side, as the My Number
//! Card (Type B) needs it: no CID, no NAD.
//!
//! Sources: ISO/IEC 14443-4 §7 (block format, PCB coding, block numbering rules A/B, PCD
//! rules 1-8, chaining, S(WTX)); NFC Forum Digital Protocol §15 (ISO-DEP) for the same rules;
//! `nfcpy/nfcpy src/nfc/tag/tt4.py` and `aruneko/WebUSB-MyNumberCard src/Type4B.ts` for how
//! the PCB values `02`/`03`, `A2`/`A3`, `F2` are used with this card.
//!
//! PCB bits (without CID/NAD, which this card does not use):
//! - I-block `000C 001B`: C = chaining (0x10), B = block number.   `02` `03` `12` `13`
//! - R-block `101N 001B`: N = NAK (0x10).                           `A2` `A3` `B2` `B3`
//! - S-block `11xx 0010`: `C2` DESELECT, `F2` WTX (+1 byte WTXM).
//!
//! The CRC_B the frame carries on air is added and checked by the reader chip, so the
//! blocks here are PCB + INF only; the frame sizes (FSC, FSD) count the 2 CRC bytes.

/// PCB of an I-block with block number 0 and no chaining.
pub const PCB_I: u8 = 0x02;
/// Chaining bit of an I-block (more blocks of this message follow).
pub const PCB_CHAINING: u8 = 0x10;
/// PCB of R(ACK) with block number 0.
pub const PCB_R_ACK: u8 = 0xA2;
/// PCB of R(NAK) with block number 0.
pub const PCB_R_NAK: u8 = 0xB2;
/// PCB of S(DESELECT).
pub const PCB_S_DESELECT: u8 = 0xC2;
/// PCB of S(WTX).
pub const PCB_S_WTX: u8 = 0xF2;

/// FSCI/FSDI to frame size (ISO/IEC 14443-4 Table 1 / 14443-3 ATQB protocol info). Values
/// above 8 were RFU before the 2016 amendment and are read as 256, as that edition told PCDs
/// to; a larger PICC buffer only costs us a few more blocks.
pub fn frame_size(fsci: u8) -> usize {
    match fsci {
        0 => 16,
        1 => 24,
        2 => 32,
        3 => 40,
        4 => 48,
        5 => 64,
        6 => 96,
        7 => 128,
        _ => 256,
    }
}

/// Frame sizes and bounds of one activated card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsoDepConfig {
    /// FSC: the largest frame the card accepts (from ATQB protocol info, FSCI), CRC included.
    pub fsc: usize,
    /// FSD: the largest frame we accept (sent in ATTRIB param 2), CRC included.
    pub fsd: usize,
    /// Retransmissions (R(NAK)/R(ACK) after a timeout or an invalid block, or a repeated
    /// I-block) allowed in a row before the exchange fails. ISO/IEC 14443-4 leaves the number
    /// to the PCD; NFC Forum Digital uses 2.
    pub max_retries: u8,
    /// S(WTX) requests allowed per APDU: a slow RSA signature needs a few dozen at most, a
    /// card that never stops asking is broken.
    pub max_wtx: u32,
    /// Upper bound on a reassembled response (extended Le 65536 + SW).
    pub max_response: usize,
}

impl Default for IsoDepConfig {
    fn default() -> Self {
        IsoDepConfig {
            fsc: 32,
            fsd: 256,
            max_retries: 2,
            max_wtx: 1000,
            max_response: 65536 + 2,
        }
    }
}

/// What went wrong in the block protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsoDepError {
    /// The card stopped answering (timeouts beyond the retries): lifted off the reader.
    NoResponse,
    /// Invalid blocks beyond the retries.
    TransmissionError,
    /// A block that is valid in form but not allowed here (e.g. R(NAK) or S(DESELECT) from
    /// the card, a CID or NAD the card was not given).
    Protocol(&'static str),
    /// More S(WTX) requests than [`IsoDepConfig::max_wtx`].
    TooManyWtx,
    /// The reassembled response exceeds [`IsoDepConfig::max_response`].
    ResponseTooLong,
    /// [`IsoDep::receive`] without an exchange under way, or an empty command.
    Idle,
}

impl core::fmt::Display for IsoDepError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            IsoDepError::NoResponse => f.write_str("card does not answer"),
            IsoDepError::TransmissionError => f.write_str("repeated transmission errors"),
            IsoDepError::Protocol(w) => write!(f, "protocol error: {w}"),
            IsoDepError::TooManyWtx => f.write_str("too many waiting time extensions"),
            IsoDepError::ResponseTooLong => f.write_str("response too long"),
            IsoDepError::Idle => f.write_str("no exchange under way"),
        }
    }
}

/// What the reader got back for the last block sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rx<'a> {
    /// A frame with a good CRC: PCB + INF.
    Block(&'a [u8]),
    /// No answer within the frame waiting time.
    Timeout,
    /// The reader saw a broken frame (CRC, parity, framing error).
    Error,
}

/// What to do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send this block to the card and report what comes back.
    Send(Vec<u8>),
    /// The exchange is complete: the response APDU.
    Done(Vec<u8>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    /// A chained I-block of the command was sent: R(ACK) expected.
    CommandChain,
    /// The last I-block of the command (or an R(ACK) during response chaining) was sent.
    Response,
}

/// One card's ISO-DEP state: block number, chaining, retransmission counters.
#[derive(Clone, Debug)]
pub struct IsoDep {
    cfg: IsoDepConfig,
    /// The PCD's current block number (rule A: 0 after activation).
    bn: u8,
    phase: Phase,
    command: Vec<u8>,
    /// Bytes of `command` sent in I-blocks acknowledged or in flight.
    sent: usize,
    last_iblock: Vec<u8>,
    response: Vec<u8>,
    receiving_chain: bool,
    retries: u8,
    wtx_count: u32,
    wtxm: u8,
}

/// The kinds of block a frame can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block<'a> {
    /// An information block.
    I {
        /// More blocks of this message follow.
        chaining: bool,
        /// Block number (0 or 1).
        bn: u8,
        /// The information field.
        inf: &'a [u8],
    },
    /// A receive-ready block (ACK or NAK).
    R {
        /// NAK rather than ACK.
        nak: bool,
        /// Block number (0 or 1).
        bn: u8,
    },
    /// A waiting-time extension request from the card.
    Wtx {
        /// The multiplier the card asks for (1-59).
        wtxm: u8,
    },
    /// S(DESELECT).
    Deselect,
}

/// Classifies a frame. `None` for anything that is not a well-formed block without CID/NAD.
pub fn parse_block(frame: &[u8]) -> Option<Block<'_>> {
    let (&pcb, inf) = frame.split_first()?;
    if pcb & 0xE2 == 0x02 {
        // I-block: CID (0x08) and NAD (0x04) are not used with this card.
        if pcb & 0x0C != 0 {
            return None;
        }
        Some(Block::I {
            chaining: pcb & PCB_CHAINING != 0,
            bn: pcb & 1,
            inf,
        })
    } else if pcb & 0xE6 == 0xA2 {
        if pcb & 0x08 != 0 || !inf.is_empty() {
            return None;
        }
        Some(Block::R {
            nak: pcb & 0x10 != 0,
            bn: pcb & 1,
        })
    } else if pcb & 0xC7 == 0xC2 {
        if pcb & 0x08 != 0 {
            return None;
        }
        match (pcb & 0x30, inf) {
            (0x30, [wtxm]) => Some(Block::Wtx { wtxm: wtxm & 0x3F }),
            (0x00, []) => Some(Block::Deselect),
            _ => None,
        }
    } else {
        None
    }
}

impl IsoDep {
    /// State right after activation (ATTRIB answered): block number 0.
    pub fn new(cfg: IsoDepConfig) -> IsoDep {
        IsoDep {
            cfg,
            bn: 0,
            phase: Phase::Idle,
            command: Vec::new(),
            sent: 0,
            last_iblock: Vec::new(),
            response: Vec::new(),
            receiving_chain: false,
            retries: 0,
            wtx_count: 0,
            wtxm: 1,
        }
    }

    /// The link parameters this state machine was made with.
    pub fn config(&self) -> &IsoDepConfig {
        &self.cfg
    }

    /// INF bytes per I-block: FSC minus PCB and CRC_B.
    fn chunk(&self) -> usize {
        self.cfg.fsc.saturating_sub(3).max(1)
    }

    /// The multiplier the card asked for with its last S(WTX): the reader should wait this
    /// many frame waiting times for the next answer (1 otherwise).
    pub fn wtx_multiplier(&self) -> u8 {
        self.wtxm
    }

    /// Begins an exchange: returns the first I-block to send.
    pub fn start(&mut self, apdu: &[u8]) -> Result<Vec<u8>, IsoDepError> {
        if apdu.is_empty() {
            return Err(IsoDepError::Idle);
        }
        self.command = apdu.to_vec();
        self.sent = 0;
        self.response.clear();
        self.receiving_chain = false;
        self.retries = 0;
        self.wtx_count = 0;
        self.wtxm = 1;
        Ok(self.next_iblock())
    }

    fn next_iblock(&mut self) -> Vec<u8> {
        let start = self.sent.min(self.command.len());
        let end = (start + self.chunk()).min(self.command.len());
        let more = end < self.command.len();
        let mut block = Vec::with_capacity(1 + end - start);
        block.push(PCB_I | self.bn | if more { PCB_CHAINING } else { 0 });
        block.extend_from_slice(&self.command[start..end]);
        self.sent = end;
        self.phase = if more {
            Phase::CommandChain
        } else {
            Phase::Response
        };
        self.last_iblock = block.clone();
        block
    }

    /// S(DESELECT) request, to send before switching the field off.
    pub fn deselect(&mut self) -> Vec<u8> {
        self.phase = Phase::Idle;
        vec![PCB_S_DESELECT]
    }

    /// Feeds what came back for the last block sent.
    pub fn receive(&mut self, rx: Rx<'_>) -> Result<Action, IsoDepError> {
        if self.phase == Phase::Idle {
            return Err(IsoDepError::Idle);
        }
        let frame = match rx {
            Rx::Block(f) => f,
            Rx::Timeout => return self.recover(IsoDepError::NoResponse),
            Rx::Error => return self.recover(IsoDepError::TransmissionError),
        };
        let Some(block) = parse_block(frame) else {
            return self.recover(IsoDepError::TransmissionError);
        };
        if !matches!(block, Block::Wtx { .. }) {
            self.wtxm = 1;
        }
        match block {
            Block::I { chaining, bn, inf } => {
                if self.phase != Phase::Response || bn != self.bn {
                    // Rule 4: an unexpected block is treated as invalid.
                    return self.recover(IsoDepError::TransmissionError);
                }
                // Rule B: toggle on an I-block with our block number.
                self.bn ^= 1;
                self.retries = 0;
                if self.response.len().saturating_add(inf.len()) > self.cfg.max_response {
                    self.phase = Phase::Idle;
                    return Err(IsoDepError::ResponseTooLong);
                }
                self.response.extend_from_slice(inf);
                if chaining {
                    // Rule 2: acknowledge a chained I-block.
                    self.receiving_chain = true;
                    Ok(Action::Send(vec![PCB_R_ACK | self.bn]))
                } else {
                    self.phase = Phase::Idle;
                    self.receiving_chain = false;
                    Ok(Action::Done(core::mem::take(&mut self.response)))
                }
            }
            Block::R { nak: true, .. } => {
                // A PICC never sends R(NAK).
                self.recover(IsoDepError::TransmissionError)
            }
            Block::R { nak: false, bn } => {
                if bn != self.bn {
                    // Rule 6: the card missed our last I-block.
                    if self.receiving_chain {
                        return self.recover(IsoDepError::TransmissionError);
                    }
                    self.bump_retry(IsoDepError::TransmissionError)?;
                    return Ok(Action::Send(self.last_iblock.clone()));
                }
                if self.phase != Phase::CommandChain {
                    return self.recover(IsoDepError::TransmissionError);
                }
                // Rule 7 (and B): continue chaining with the toggled block number.
                self.bn ^= 1;
                self.retries = 0;
                Ok(Action::Send(self.next_iblock()))
            }
            Block::Wtx { wtxm } => {
                if !(1..=59).contains(&wtxm) {
                    return self.recover(IsoDepError::TransmissionError);
                }
                self.wtx_count += 1;
                if self.wtx_count > self.cfg.max_wtx {
                    self.phase = Phase::Idle;
                    return Err(IsoDepError::TooManyWtx);
                }
                // Rule 3: answer the request with the same WTXM.
                self.wtxm = wtxm;
                Ok(Action::Send(vec![PCB_S_WTX, wtxm]))
            }
            Block::Deselect => {
                self.phase = Phase::Idle;
                Err(IsoDepError::Protocol("S(DESELECT) request from the card"))
            }
        }
    }

    fn bump_retry(&mut self, cause: IsoDepError) -> Result<(), IsoDepError> {
        self.retries += 1;
        if self.retries > self.cfg.max_retries {
            self.phase = Phase::Idle;
            return Err(cause);
        }
        Ok(())
    }

    /// Rules 4 and 5: after a timeout or an invalid block, R(NAK) (R(ACK) while the card is
    /// chaining) with the current block number, at most `max_retries` times.
    fn recover(&mut self, cause: IsoDepError) -> Result<Action, IsoDepError> {
        self.bump_retry(cause)?;
        let pcb = if self.receiving_chain {
            PCB_R_ACK
        } else {
            PCB_R_NAK
        };
        Ok(Action::Send(vec![pcb | self.bn]))
    }
}

/// ISO/IEC 14443-3 Type B activation frames (REQB/ATQB, ATTRIB) the drivers send through
/// the reader before the block protocol starts.
pub mod type_b {
    use super::frame_size;

    /// REQB/SENSB_REQ with AFI 00 (all families) and PARAM as given: APf `05`, AFI, PARAM.
    /// `nfcpy` sends PARAM `10` (NFC Forum: extended ATQB supported), `soltia48/felica-rs`
    /// `00`; both single-slot (N=1).
    pub fn reqb(param: u8) -> [u8; 3] {
        [0x05, 0x00, param]
    }

    /// The parts of an ATQB/SENSB_RES the reader needs.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Atqb {
        /// PUPI: the card's (random, per activation) identifier, echoed in ATTRIB.
        pub pupi: [u8; 4],
        /// FSC from FSCI (high nibble of protocol info byte 2).
        pub fsc: usize,
        /// Whether protocol info says "ISO/IEC 14443-4 compliant" (byte 2 bit 1).
        pub iso14443_4: bool,
        /// FWI (high nibble of protocol info byte 3); 15 is read as 4 (ISO/IEC 14443-3).
        pub fwi: u8,
    }

    /// Parses `50 PUPI(4) AppData(4) ProtInfo(3..4)` (ISO/IEC 14443-3 §7.9). `None` if the
    /// frame is not an ATQB.
    pub fn parse_atqb(frame: &[u8]) -> Option<Atqb> {
        if frame.len() < 12 || frame[0] != 0x50 {
            return None;
        }
        let pupi = [frame[1], frame[2], frame[3], frame[4]];
        let fsci = frame[10] >> 4;
        let fwi = match frame[11] >> 4 {
            15 => 4,
            f => f,
        };
        Some(Atqb {
            pupi,
            fsc: frame_size(fsci),
            iso14443_4: frame[10] & 0x01 != 0,
            fwi,
        })
    }

    /// Frame waiting time in microseconds: (256 × 16 / fc) × 2^FWI, fc = 13.56 MHz.
    pub fn fwt_us(fwi: u8) -> u32 {
        // 4096 / 13.56 MHz = 302.06 µs.
        302u32.saturating_mul(1u32 << fwi.min(14))
    }

    /// ATTRIB `1D PUPI Param1..4` with the parameters of `aruneko/WebUSB-MyNumberCard`
    /// (`00 08 01 00`): default TR0/TR1 and SOF/EOF, FSDI 8 (FSD 256) at 106 kbit/s both ways,
    /// "ISO/IEC 14443-4 compliant", CID 0.
    pub fn attrib(pupi: [u8; 4]) -> [u8; 9] {
        [
            0x1D, pupi[0], pupi[1], pupi[2], pupi[3], 0x00, 0x08, 0x01, 0x00,
        ]
    }

    /// FSD announced by [`attrib`].
    pub const ATTRIB_FSD: usize = 256;

    /// An ATTRIB answer is `MBLI|CID` (+ optional higher-layer bytes); CID must be 0 here.
    pub fn attrib_ok(answer: &[u8]) -> bool {
        matches!(answer.first(), Some(b) if b & 0x0F == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(fsc: usize) -> IsoDepConfig {
        IsoDepConfig {
            fsc,
            ..IsoDepConfig::default()
        }
    }

    fn send(a: Result<Action, IsoDepError>) -> Vec<u8> {
        match a {
            Ok(Action::Send(b)) => b,
            other => panic!("expected a block to send, got {other:?}"),
        }
    }

    #[test]
    fn block_numbers_toggle_between_apdus() {
        let mut d = IsoDep::new(cfg(256));
        assert_eq!(
            d.start(&[0x00, 0xB0, 0, 0, 4]).unwrap(),
            [0x02, 0x00, 0xB0, 0, 0, 4]
        );
        assert_eq!(
            d.receive(Rx::Block(&[0x02, 1, 2, 0x90, 0x00])).unwrap(),
            Action::Done(vec![1, 2, 0x90, 0x00])
        );
        assert_eq!(d.start(&[0x00, 0xB0, 0, 0, 4]).unwrap()[0], 0x03);
        assert_eq!(
            d.receive(Rx::Block(&[0x03, 0x90, 0x00])).unwrap(),
            Action::Done(vec![0x90, 0x00])
        );
        assert_eq!(d.start(&[0x00]).unwrap()[0], 0x02);
    }

    #[test]
    fn response_chaining_sends_r_ack() {
        // Example of ISO/IEC 14443-4 Annex (chaining by the PICC).
        let mut d = IsoDep::new(cfg(256));
        d.start(&[0x00, 0xB0, 0, 0, 0]).unwrap();
        assert_eq!(send(d.receive(Rx::Block(&[0x12, 1, 2]))), [0xA3]);
        assert_eq!(send(d.receive(Rx::Block(&[0x13, 3, 4]))), [0xA2]);
        assert_eq!(
            d.receive(Rx::Block(&[0x02, 5, 0x90, 0x00])).unwrap(),
            Action::Done(vec![1, 2, 3, 4, 5, 0x90, 0x00])
        );
        assert_eq!(d.start(&[0]).unwrap()[0], 0x03);
    }

    #[test]
    fn command_chaining_by_fsc() {
        // FSC 16: 13 INF bytes per block.
        let mut d = IsoDep::new(cfg(16));
        let apdu: Vec<u8> = (0..30).collect();
        let b0 = d.start(&apdu).unwrap();
        assert_eq!(b0[0], 0x12);
        assert_eq!(&b0[1..], &apdu[..13]);
        let b1 = send(d.receive(Rx::Block(&[0xA2])));
        assert_eq!(b1[0], 0x13);
        assert_eq!(&b1[1..], &apdu[13..26]);
        let b2 = send(d.receive(Rx::Block(&[0xA3])));
        assert_eq!(b2[0], 0x02);
        assert_eq!(&b2[1..], &apdu[26..]);
        assert_eq!(
            d.receive(Rx::Block(&[0x02, 0x90, 0x00])).unwrap(),
            Action::Done(vec![0x90, 0x00])
        );
    }

    #[test]
    fn wtx_is_answered_with_the_same_wtxm() {
        let mut d = IsoDep::new(cfg(256));
        d.start(&[0x80, 0x2A, 0, 0x80, 1, 0, 0]).unwrap();
        assert_eq!(send(d.receive(Rx::Block(&[0xF2, 0x05]))), [0xF2, 0x05]);
        assert_eq!(d.wtx_multiplier(), 5);
        // Power level bits are not echoed.
        assert_eq!(send(d.receive(Rx::Block(&[0xF2, 0x81]))), [0xF2, 0x01]);
        assert_eq!(
            d.receive(Rx::Block(&[0x02, 0x90, 0x00])).unwrap(),
            Action::Done(vec![0x90, 0x00])
        );
        assert_eq!(d.wtx_multiplier(), 1);
    }

    #[test]
    fn wtx_is_bounded() {
        let mut d = IsoDep::new(IsoDepConfig {
            max_wtx: 3,
            ..cfg(256)
        });
        d.start(&[0]).unwrap();
        for _ in 0..3 {
            send(d.receive(Rx::Block(&[0xF2, 1])));
        }
        assert_eq!(
            d.receive(Rx::Block(&[0xF2, 1])),
            Err(IsoDepError::TooManyWtx)
        );
    }

    #[test]
    fn timeouts_send_nak_then_give_up() {
        let mut d = IsoDep::new(cfg(256));
        d.start(&[0]).unwrap();
        assert_eq!(send(d.receive(Rx::Timeout)), [0xB2]);
        assert_eq!(send(d.receive(Rx::Timeout)), [0xB2]);
        assert_eq!(d.receive(Rx::Timeout), Err(IsoDepError::NoResponse));
        // Idle afterwards: nothing loops.
        assert_eq!(d.receive(Rx::Timeout), Err(IsoDepError::Idle));
    }

    #[test]
    fn nak_recovery_gets_the_lost_response() {
        let mut d = IsoDep::new(cfg(256));
        d.start(&[0]).unwrap();
        // CRC error: R(NAK); the card retransmits its I-block.
        assert_eq!(send(d.receive(Rx::Error)), [0xB2]);
        assert_eq!(
            d.receive(Rx::Block(&[0x02, 0x90, 0x00])).unwrap(),
            Action::Done(vec![0x90, 0x00])
        );
    }

    #[test]
    fn r_ack_with_other_block_number_resends_the_i_block() {
        let mut d = IsoDep::new(cfg(256));
        let first = d.start(&[1, 2, 3]).unwrap();
        assert_eq!(send(d.receive(Rx::Timeout)), [0xB2]);
        // The card never got our I-block: it answers R(ACK) with its own number (1).
        assert_eq!(send(d.receive(Rx::Block(&[0xA3]))), first);
    }

    #[test]
    fn timeout_during_response_chaining_sends_r_ack() {
        let mut d = IsoDep::new(cfg(256));
        d.start(&[0]).unwrap();
        assert_eq!(send(d.receive(Rx::Block(&[0x12, 1]))), [0xA3]);
        assert_eq!(send(d.receive(Rx::Timeout)), [0xA3]);
    }

    #[test]
    fn invalid_blocks_are_bounded() {
        for bad in [
            &[][..],
            &[0x0A, 0],          // CID
            &[0x06, 0],          // NAD
            &[0xB2],             // R(NAK) from the card
            &[0xF2],             // WTX without WTXM
            &[0xF2, 0x00],       // WTXM 0
            &[0x42],             // nothing
            &[0x03, 0x90, 0x00], // wrong block number
        ] {
            let mut d = IsoDep::new(cfg(256));
            d.start(&[0]).unwrap();
            let mut n = 0;
            while let Ok(Action::Send(_)) = d.receive(Rx::Block(bad)) {
                n += 1;
                assert!(n < 10);
            }
            assert_eq!(n, 2, "{bad:02X?}");
        }
    }

    #[test]
    fn deselect_from_card_is_an_error_and_response_is_bounded() {
        let mut d = IsoDep::new(cfg(256));
        d.start(&[0]).unwrap();
        assert!(matches!(
            d.receive(Rx::Block(&[0xC2])),
            Err(IsoDepError::Protocol(_))
        ));
        let mut d = IsoDep::new(IsoDepConfig {
            max_response: 4,
            ..cfg(256)
        });
        d.start(&[0]).unwrap();
        send(d.receive(Rx::Block(&[0x12, 1, 2, 3])));
        assert_eq!(
            d.receive(Rx::Block(&[0x03, 4, 5])),
            Err(IsoDepError::ResponseTooLong)
        );
        assert_eq!(d.deselect(), [0xC2]);
    }

    #[test]
    fn type_b_frames() {
        let atqb = [0x50, 1, 2, 3, 4, 0, 0, 0, 0, 0x00, 0x81, 0x71];
        let a = type_b::parse_atqb(&atqb).unwrap();
        assert_eq!(a.pupi, [1, 2, 3, 4]);
        assert_eq!(a.fsc, 256);
        assert!(a.iso14443_4);
        assert_eq!(a.fwi, 7);
        assert_eq!(
            type_b::attrib(a.pupi),
            [0x1D, 1, 2, 3, 4, 0x00, 0x08, 0x01, 0x00]
        );
        assert!(type_b::parse_atqb(&atqb[..11]).is_none());
        assert!(type_b::attrib_ok(&[0x00]));
        assert!(!type_b::attrib_ok(&[]));
        assert_eq!(type_b::reqb(0x10), [0x05, 0x00, 0x10]);
    }

    #[test]
    fn frame_sizes() {
        assert_eq!(frame_size(0), 16);
        assert_eq!(frame_size(5), 64);
        assert_eq!(frame_size(8), 256);
        assert_eq!(frame_size(0xF), 256);
    }
}
