//! The card's side of ISO/IEC 14443-3 Type B activation and the ISO/IEC 14443-4 block
//! protocol, in front of a [`VirtualCard`]. Frames are what the reader chip hands over after
//! SOF/EOF and CRC_B: no CRC here.
//!
//! PICC rules followed (ISO/IEC 14443-4 §7.5.4, "PICC rules"): block number 1 after
//! activation (rule C); toggle on every I-block received (rule D) and on an R(ACK) whose
//! block number differs (rule E); a chained I-block is acknowledged with R(ACK); an R(ACK) or
//! R(NAK) with the current block number makes the last block go again (rule 11); an R(NAK)
//! with another number is answered with R(ACK) (rule 12); S(WTX) requests are sent before a
//! response when injected; S(DESELECT) is answered and halts the card. Frames this card does
//! not understand get no answer, as on air.

use std::collections::VecDeque;

use crate::card::VirtualCard;

/// Card-side settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PiccConfig {
    /// PUPI sent in ATQB.
    pub pupi: [u8; 4],
    /// FSCI announced in ATQB (frame size the card accepts: 8 → 256 bytes).
    pub fsci: u8,
    /// FWI announced in ATQB.
    pub fwi: u8,
}

impl Default for PiccConfig {
    fn default() -> Self {
        PiccConfig {
            pupi: [0x4D, 0x59, 0x4E, 0x41],
            fsci: 8,
            fwi: 8,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// No field, or field just switched on.
    Idle,
    /// Answered REQB.
    Ready,
    /// ATTRIB accepted: blocks expected.
    Active,
    /// Deselected.
    Halt,
}

/// A Type B card in a reader's field.
#[derive(Debug)]
pub struct Picc {
    card: VirtualCard,
    cfg: PiccConfig,
    state: State,
    field: bool,
    bn: u8,
    fsd: usize,
    rx: Vec<u8>,
    tx: Vec<u8>,
    tx_sent: usize,
    tx_last_len: usize,
    last: Vec<u8>,
    pending_wtx: u32,
    wtxm: u8,
    wtx_plan: VecDeque<(Option<u8>, u32, u8)>,
    wtx_sent: usize,
    lifted: bool,
    lift_after: Option<usize>,
    frames: usize,
    apdus: usize,
    rx_chained: usize,
    tx_chained: usize,
    /// Issue 23.10: the first answer block to the next APDU with this INS is lost (`None`) or
    /// arrives corrupted (`Some(bytes)`), after the card acted on the APDU.
    lose_answer: Option<(u8, Option<Vec<u8>>)>,
}

impl Picc {
    pub fn new(card: VirtualCard) -> Picc {
        Picc::with_config(card, PiccConfig::default())
    }

    pub fn with_config(card: VirtualCard, cfg: PiccConfig) -> Picc {
        Picc {
            card,
            cfg,
            state: State::Idle,
            field: false,
            bn: 1,
            fsd: 32,
            rx: Vec::new(),
            tx: Vec::new(),
            tx_sent: 0,
            tx_last_len: 0,
            last: Vec::new(),
            pending_wtx: 0,
            wtxm: 1,
            wtx_plan: VecDeque::new(),
            wtx_sent: 0,
            lifted: false,
            lift_after: None,
            frames: 0,
            apdus: 0,
            rx_chained: 0,
            tx_chained: 0,
            lose_answer: None,
        }
    }

    pub fn card(&self) -> &VirtualCard {
        &self.card
    }

    pub fn card_mut(&mut self) -> &mut VirtualCard {
        &mut self.card
    }

    /// Takes the card out of the field: it stops answering and loses power.
    pub fn lift(&mut self) {
        self.lifted = true;
        self.card.power_off();
        self.state = State::Idle;
    }

    /// Puts the card back (it answers REQB again after the field is reset or polled).
    pub fn put_back(&mut self) {
        self.lifted = false;
        self.lift_after = None;
    }

    /// The card acts on the next APDU with `ins` that carries data (a VERIFY presenting a PIN,
    /// not the tries query), then its first answer block is lost in the
    /// field (the reader hears nothing) or, with `corrupt`, reaches the reader as these bytes.
    /// The block stays the card's last one: an R(NAK) gets it again (ISO/IEC 14443-4 rule 11).
    pub fn lose_answer_to(&mut self, ins: u8, corrupt: Option<Vec<u8>>) {
        self.lose_answer = Some((ins, corrupt));
    }

    /// The card leaves the field after answering `n` more frames.
    pub fn lift_after_frames(&mut self, n: usize) {
        self.lift_after = Some(self.frames + n);
    }

    /// Before answering the next APDU whose INS is `ins` (any APDU for `None`), the card asks
    /// for `count` waiting time extensions with multiplier `wtxm`.
    pub fn inject_wtx(&mut self, ins: Option<u8>, count: u32, wtxm: u8) {
        self.wtx_plan.push_back((ins, count, wtxm));
    }

    /// S(WTX) requests sent so far.
    pub fn wtx_sent(&self) -> usize {
        self.wtx_sent
    }

    /// Chained I-blocks received (command chaining) and sent (response chaining).
    pub fn chained_blocks(&self) -> (usize, usize) {
        (self.rx_chained, self.tx_chained)
    }

    /// APDUs the card processed.
    pub fn apdus(&self) -> usize {
        self.apdus
    }

    /// The reader switched its field on or off. Off resets the card (power lost).
    pub fn set_field(&mut self, on: bool) {
        if on == self.field {
            return;
        }
        self.field = on;
        self.state = State::Idle;
        if on {
            self.card.power_on();
        } else {
            self.card.power_off();
        }
    }

    /// One frame from the reader; `None` is silence (the reader times out).
    pub fn frame(&mut self, f: &[u8]) -> Option<Vec<u8>> {
        if self.lift_after.is_some_and(|n| self.frames >= n) {
            self.lift();
            self.lift_after = None;
        }
        if self.lifted || !self.field {
            return None;
        }
        self.frames += 1;
        let (&first, rest) = f.split_first()?;
        // REQB / WUPB: APf 05, AFI, PARAM (ISO/IEC 14443-3 §7.7).
        if first == 0x05 && rest.len() == 2 && self.state != State::Active {
            let wakeup = rest[1] & 0x08 != 0;
            if self.state == State::Halt && !wakeup {
                return None;
            }
            if rest[0] != 0x00 {
                // AFI other than "all families": this card (AFI 0) stays quiet.
                return None;
            }
            self.state = State::Ready;
            let p = self.cfg.pupi;
            return Some(vec![
                0x50,
                p[0],
                p[1],
                p[2],
                p[3],
                0x00,
                0x00,
                0x00,
                0x00,
                0x00,
                (self.cfg.fsci << 4) | 0x01,
                self.cfg.fwi << 4,
            ]);
        }
        // ATTRIB (ISO/IEC 14443-3 §7.10).
        if first == 0x1D && self.state == State::Ready {
            if rest.len() < 8 || rest[..4] != self.cfg.pupi || rest[6] & 0x01 == 0 {
                return None;
            }
            let fsdi = rest[5] & 0x0F;
            self.fsd = [16, 24, 32, 40, 48, 64, 96, 128, 256]
                .get(usize::from(fsdi))
                .copied()
                .unwrap_or(256);
            self.state = State::Active;
            self.bn = 1;
            self.rx.clear();
            self.tx.clear();
            self.last.clear();
            return Some(vec![0x00]);
        }
        if self.state != State::Active {
            return None;
        }
        self.block(first, rest)
    }

    fn block(&mut self, pcb: u8, inf: &[u8]) -> Option<Vec<u8>> {
        if pcb & 0xE2 == 0x02 && pcb & 0x0C == 0 {
            // I-block.
            self.bn ^= 1;
            if self.rx.len() + inf.len() > 70_000 {
                return None;
            }
            self.rx.extend_from_slice(inf);
            if pcb & 0x10 != 0 {
                self.rx_chained += 1;
                self.last = vec![0xA2 | self.bn];
                return Some(self.last.clone());
            }
            let apdu = std::mem::take(&mut self.rx);
            self.apdus += 1;
            self.tx = self.card.process(&apdu);
            self.tx_sent = 0;
            self.tx_last_len = 0;
            let ins = apdu.get(1).copied();
            let planned = self
                .wtx_plan
                .iter()
                .position(|(want, _, _)| want.is_none() || *want == ins)
                .and_then(|i| self.wtx_plan.remove(i));
            if let Some((_, count, wtxm)) = planned {
                self.pending_wtx = count;
                self.wtxm = wtxm;
            }
            let block = self.next_block();
            if let Some((want, corrupt)) = self.lose_answer.take() {
                if Some(want) == ins && apdu.len() > 5 {
                    return corrupt;
                }
                self.lose_answer = Some((want, corrupt));
            }
            return Some(block);
        }
        if pcb & 0xE6 == 0xA2 && pcb & 0x08 == 0 && inf.is_empty() {
            // R-block.
            let nak = pcb & 0x10 != 0;
            let bn = pcb & 1;
            if bn == self.bn {
                // Rule 11.
                return Some(self.last.clone());
            }
            if nak {
                // Rule 12.
                self.last = vec![0xA2 | self.bn];
                return Some(self.last.clone());
            }
            // Rule E, then continue our chain.
            self.bn ^= 1;
            if self.tx_last_len == 0 {
                return None;
            }
            self.tx_sent += self.tx_last_len;
            self.tx_last_len = 0;
            if self.tx_sent < self.tx.len() {
                return Some(self.next_block());
            }
            return None;
        }
        if pcb == 0xF2 && inf.len() == 1 {
            // S(WTX) response: go on with the answer (or the next extension).
            return Some(self.next_block());
        }
        if pcb == 0xC2 && inf.is_empty() {
            self.state = State::Halt;
            return Some(vec![0xC2]);
        }
        None
    }

    /// The next block of the current answer: an S(WTX) request while some are planned,
    /// else the next I-block of the response (chained while it does not fit in FSD).
    fn next_block(&mut self) -> Vec<u8> {
        if self.pending_wtx > 0 {
            self.pending_wtx -= 1;
            self.wtx_sent += 1;
            self.last = vec![0xF2, self.wtxm];
            return self.last.clone();
        }
        let room = self.fsd.saturating_sub(3).max(1);
        let start = self.tx_sent.min(self.tx.len());
        let end = (start + room).min(self.tx.len());
        let more = end < self.tx.len();
        self.tx_last_len = end - start;
        if more {
            self.tx_chained += 1;
        }
        let mut b = vec![0x02 | self.bn | if more { 0x10 } else { 0 }];
        b.extend_from_slice(&self.tx[start..end]);
        if !more {
            // Whole answer handed over: nothing left to chain.
            self.tx_sent = self.tx.len();
            self.tx_last_len = 0;
        }
        self.last = b.clone();
        b
    }
}
