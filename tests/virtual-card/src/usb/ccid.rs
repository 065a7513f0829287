//! A contact CCID reader (class 0x0B) seen from the device, at short or extended APDU level
//! (CCID rev 1.1 §6: 10-byte headers, IccPowerOn/Off, GetSlotStatus, XfrBlock with
//! wLevelParameter chaining, DataBlock with bChainParameter, time extensions). The card is a
//! [`VirtualCard`] in the slot; the reader does the T=1 work, so APDUs reach the card whole.

use super::{BulkPort, UsbEmulator, UsbFault};
use crate::card::VirtualCard;

pub const ENDPOINT_OUT: u8 = 2;
pub const ENDPOINT_IN: u8 = 2;

/// Exchange level the reader announces in dwFeatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CcidLevel {
    ShortApdu,
    ExtendedApdu,
}

/// A CCID reader with one slot.
#[derive(Debug)]
pub struct CcidReader {
    card: VirtualCard,
    level: CcidLevel,
    max_message: usize,
    port: BulkPort,
    pub(crate) waited_ms: u64,
    present: bool,
    powered: bool,
    command: Vec<u8>,
    response: Vec<u8>,
    response_sent: usize,
    time_extensions: u32,
    time_extensions_sent: usize,
    remove_after: Option<usize>,
    apdus: usize,
    /// Issue 23.10: the answer to the next APDU with this INS is lost after the card acted.
    lose_answer: Option<u8>,
}

impl CcidReader {
    /// Milliseconds the host was asked to wait (guard times), summed.
    pub fn waited_ms(&self) -> u64 {
        self.waited_ms
    }

    /// `max_message` is dwMaxCCIDMessageLength (header included).
    pub fn new(card: VirtualCard, level: CcidLevel, max_message: usize) -> CcidReader {
        CcidReader {
            card,
            level,
            max_message: max_message.max(11),
            port: BulkPort::new(ENDPOINT_OUT, ENDPOINT_IN),
            present: true,
            powered: false,
            command: Vec::new(),
            response: Vec::new(),
            response_sent: 0,
            time_extensions: 0,
            time_extensions_sent: 0,
            remove_after: None,
            apdus: 0,
            waited_ms: 0,
            lose_answer: None,
        }
    }

    /// The card acts on the next APDU with `ins` that carries data; the reader's RDR_to_PC_DataBlock for it never
    /// reaches the host (the host times out).
    pub fn lose_answer_to(&mut self, ins: u8) {
        self.lose_answer = Some(ins);
    }

    /// dwFeatures bits for the level (CCID §5.1).
    pub fn features(&self) -> u32 {
        match self.level {
            CcidLevel::ShortApdu => 0x0002_0000,
            CcidLevel::ExtendedApdu => 0x0004_0000,
        }
    }

    pub fn card(&self) -> &VirtualCard {
        &self.card
    }

    pub fn card_mut(&mut self) -> &mut VirtualCard {
        &mut self.card
    }

    /// Pulls the card out of the slot.
    pub fn remove_card(&mut self) {
        self.present = false;
        self.powered = false;
        self.card.power_off();
    }

    /// The card is pulled out after `n` more APDUs.
    pub fn remove_after_apdus(&mut self, n: usize) {
        self.remove_after = Some(self.apdus + n);
    }

    /// Time extensions sent so far.
    pub fn time_extensions_sent(&self) -> usize {
        self.time_extensions_sent
    }

    /// Each of the next `n` XfrBlock answers comes after one time extension.
    pub fn time_extensions(&mut self, n: u32) {
        self.time_extensions = n;
    }

    fn icc_status(&self) -> u8 {
        match (self.present, self.powered) {
            (false, _) => 2,
            (true, false) => 1,
            (true, true) => 0,
        }
    }

    fn message(&mut self, t: u8, seq: u8, status: u8, error: u8, specific: u8, data: &[u8]) {
        let mut m = vec![t];
        m.extend_from_slice(&(data.len() as u32).to_le_bytes());
        m.extend_from_slice(&[0, seq, status, error, specific]);
        m.extend_from_slice(data);
        self.port.queue.push(m);
    }

    fn failed(&mut self, t: u8, seq: u8) {
        // bmCommandStatus 1 (failed), bError ICC_MUTE.
        let status = 0x40 | self.icc_status();
        self.message(t, seq, status, 0xFE, 0, &[]);
    }

    fn send_response_part(&mut self, seq: u8) {
        let room = self.max_message - 10;
        let start = self.response_sent;
        let end = (start + room).min(self.response.len());
        let first = start == 0;
        let last = end == self.response.len();
        let chain = match (first, last) {
            (true, true) => 0x00,
            (true, false) => 0x01,
            (false, true) => 0x02,
            (false, false) => 0x03,
        };
        self.response_sent = end;
        let part = self.response[start..end].to_vec();
        self.message(0x80, seq, 0, 0, chain, &part);
    }

    fn xfr(&mut self, seq: u8, level: u16, data: &[u8]) {
        if self.remove_after.is_some_and(|n| self.apdus >= n) {
            self.remove_card();
            self.remove_after = None;
        }
        if !self.present || !self.powered {
            self.failed(0x80, seq);
            return;
        }
        if self.time_extensions > 0 {
            self.time_extensions -= 1;
            self.time_extensions_sent += 1;
            self.message(0x80, seq, 0x80, 0x01, 0, &[]);
        }
        match (self.level, level) {
            (_, 0x0000) => {
                self.command = data.to_vec();
            }
            (CcidLevel::ExtendedApdu, 0x0001) => {
                self.command = data.to_vec();
                self.message(0x80, seq, 0, 0, 0x10, &[]);
                return;
            }
            (CcidLevel::ExtendedApdu, 0x0003) => {
                self.command.extend_from_slice(data);
                self.message(0x80, seq, 0, 0, 0x10, &[]);
                return;
            }
            (CcidLevel::ExtendedApdu, 0x0002) => {
                self.command.extend_from_slice(data);
            }
            (CcidLevel::ExtendedApdu, 0x0010) => {
                self.send_response_part(seq);
                return;
            }
            _ => {
                // Bad wLevelParameter: error at offset 8.
                self.message(0x80, seq, 0x40, 0x08, 0, &[]);
                return;
            }
        }
        let apdu = std::mem::take(&mut self.command);
        let extended = apdu.len() > 5 && apdu[4] == 0;
        if self.level == CcidLevel::ShortApdu && extended {
            // A short-APDU reader passes what it cannot carry as an error.
            self.message(0x80, seq, 0x40, 0x05, 0, &[]);
            return;
        }
        self.apdus += 1;
        self.response = self.card.process(&apdu);
        self.response_sent = 0;
        if let Some(want) = self.lose_answer.take() {
            if apdu.get(1) == Some(&want) && apdu.len() > 5 {
                // The card acted; the reader's answer never reaches the host.
                return;
            }
            self.lose_answer = Some(want);
        }
        self.send_response_part(seq);
    }
}

impl UsbEmulator for CcidReader {
    fn transfer_out(&mut self, endpoint: u8, data: &[u8]) -> Result<(), UsbFault> {
        self.port.accept_out(endpoint)?;
        if data.len() < 10 {
            return Ok(());
        }
        let len = u32::from_le_bytes([data[1], data[2], data[3], data[4]]) as usize;
        if data.len() != 10 + len || len + 10 > self.max_message || data[5] != 0 {
            return Ok(());
        }
        let seq = data[6];
        let body = &data[10..];
        match data[0] {
            // GetSlotStatus
            0x65 => {
                let s = self.icc_status();
                self.message(0x81, seq, s, 0, 0, &[]);
            }
            // IccPowerOn
            0x62 => {
                if !self.present {
                    self.failed(0x80, seq);
                } else {
                    self.card.power_on();
                    self.powered = true;
                    let atr = self.card.atr().to_vec();
                    self.message(0x80, seq, 0, 0, 0, &atr);
                }
            }
            // IccPowerOff
            0x63 => {
                self.powered = false;
                self.card.power_off();
                let s = self.icc_status();
                self.message(0x81, seq, s, 0, 0, &[]);
            }
            // XfrBlock
            0x6F => {
                let level = u16::from_le_bytes([data[8], data[9]]);
                self.xfr(seq, level, body);
            }
            // Anything else: command not supported (bError 0 = offset of bMessageType).
            t => self.message(if t == 0x6B { 0x83 } else { 0x81 }, seq, 0x40, 0, 0, &[]),
        }
        Ok(())
    }

    fn port(&mut self) -> &mut BulkPort {
        &mut self.port
    }

    fn port_ref(&self) -> &BulkPort {
        &self.port
    }
}
