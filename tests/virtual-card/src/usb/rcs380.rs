//! Sony RC-S380 seen from the device: Port-100 frames on bulk OUT, ACK + answer frames on
//! bulk IN, a Type B card in the field. Frame rules as `docs/readers.md` states them from
//! nfcpy's `rcs380.py`: `00 00 FF FF FF`, LEN little-endian, LCS, `D6` CMD data, DCS, `00`;
//! answers `D7` CMD+1; a bare ACK from the host cancels whatever is queued.

use super::{BulkPort, Picc, UsbEmulator, UsbFault};
use crate::card::VirtualCard;

/// Bulk endpoints this emulation uses (the driver's defaults).
pub const ENDPOINT_OUT: u8 = 2;
pub const ENDPOINT_IN: u8 = 1;

const ACK: [u8; 6] = [0, 0, 0xFF, 0, 0xFF, 0];

/// The byte between InCommRF's status and the received frame (see `command`).
const IN_COMM_RF_RECEIVED: u8 = 0x08;

/// An RC-S380 with a card on it.
#[derive(Debug)]
pub struct Rcs380 {
    picc: Picc,
    port: BulkPort,
    pub(crate) waited_ms: u64,
    command_type: u8,
    rf_type_b: bool,
    commands: Vec<u8>,
}

impl Rcs380 {
    /// Bulk OUT endpoint number (a host's `transferOut(2, …)`).
    pub const ENDPOINT_OUT: u8 = ENDPOINT_OUT;
    /// Bulk IN endpoint number (address 0x81).
    pub const ENDPOINT_IN: u8 = ENDPOINT_IN;

    /// Milliseconds the host was asked to wait (guard times), summed.
    pub fn waited_ms(&self) -> u64 {
        self.waited_ms
    }

    pub fn new(card: VirtualCard) -> Rcs380 {
        Rcs380::with_picc(Picc::new(card))
    }

    pub fn with_picc(picc: Picc) -> Rcs380 {
        Rcs380 {
            picc,
            port: BulkPort::new(ENDPOINT_OUT, ENDPOINT_IN),
            command_type: 0,
            rf_type_b: false,
            commands: Vec::new(),
            waited_ms: 0,
        }
    }

    pub fn picc(&self) -> &Picc {
        &self.picc
    }

    pub fn picc_mut(&mut self) -> &mut Picc {
        &mut self.picc
    }

    /// What a host killed in the middle of an exchange leaves behind: the answer to its
    /// InCommRF (an I-block `02 90 00`) already in the IN pipe, where the next host's
    /// soft-reset ACK does not reach it. nfcpy opens the reader for this case by reading
    /// until a 10 ms read times out after its ACK, "to clear any response data that may be
    /// leftover from the last session when it was killed" (`src/nfc/clf/rcs380.py` l. 182–193).
    pub fn leave_stale_answer(&mut self) {
        let d = [
            0xD7,
            0x05,
            0,
            0,
            0,
            0,
            IN_COMM_RF_RECEIVED,
            0x02,
            0x90,
            0x00,
        ];
        self.port.queue.push_in_pipe(Self::frame(&d));
    }

    /// Command codes received, in order.
    pub fn commands(&self) -> &[u8] {
        &self.commands
    }

    fn frame(data: &[u8]) -> Vec<u8> {
        let len = data.len() as u16;
        let [lo, hi] = len.to_le_bytes();
        let mut f = vec![
            0,
            0,
            0xFF,
            0xFF,
            0xFF,
            lo,
            hi,
            0u8.wrapping_sub(lo).wrapping_sub(hi),
        ];
        f.extend_from_slice(data);
        let sum: u8 = data.iter().fold(0, |a, b| a.wrapping_add(*b));
        f.push(0u8.wrapping_sub(sum));
        f.push(0);
        f
    }

    fn answer(&mut self, code: u8, data: &[u8]) {
        let mut d = vec![0xD7, code.wrapping_add(1)];
        d.extend_from_slice(data);
        self.port.queue.push(ACK.to_vec());
        self.port.queue.push(Self::frame(&d));
    }

    fn command(&mut self, code: u8, p: &[u8]) {
        self.commands.push(code);
        match code {
            // SetCommandType
            0x2A => {
                self.command_type = p.first().copied().unwrap_or(0);
                self.answer(code, &[0]);
            }
            // GetFirmwareVersion: 1.11
            0x20 => self.answer(code, &[0x11, 0x01]),
            // GetPDDataVersion
            0x22 => self.answer(code, &[0x00, 0x01]),
            // SwitchRF
            0x06 => {
                let on = p.first() == Some(&1);
                self.picc.set_field(on);
                self.answer(code, &[0]);
            }
            // InSetRF: send and receive settings; the field comes on.
            0x00 => {
                self.rf_type_b = p == [0x03, 0x07, 0x0F, 0x07];
                self.picc.set_field(true);
                self.answer(code, &[0]);
            }
            // InSetProtocol: pairs of (setting, value).
            0x02 => {
                let ok =
                    p.chunks_exact(2).remainder().is_empty() && p.chunks(2).all(|c| c[0] <= 0x18);
                self.answer(code, &[if ok { 0 } else { 1 }]);
            }
            // InCommRF: timeout (2 bytes) then the frame.
            0x04 => {
                if self.command_type != 1 || p.len() < 2 {
                    self.answer(code, &[0x01, 0, 0, 0, 0]);
                    return;
                }
                let reply = if self.rf_type_b {
                    self.picc.frame(&p[2..])
                } else {
                    None
                };
                match reply {
                    // Status 0 (4 bytes LE), then `08`, then the card's frame: every received
                    // answer of a real RC-S380 in public traces has `08` there (marioninc/
                    // webusb-felica's nfcpy log: Type F `d705 00000000 08 14 01…`, Type A
                    // `d705 00000000 08 0400`; nfcpy `tests/test_clf_rcs380.py` for Type B).
                    Some(r) => {
                        let mut d = vec![0, 0, 0, 0, IN_COMM_RF_RECEIVED];
                        d.extend_from_slice(&r);
                        self.answer(code, &d);
                    }
                    // RECEIVE_TIMEOUT_ERROR, the 4 status bytes alone, as nfcpy's tests have
                    // the chip answer when no card replied (`RSP('05 80000000')`).
                    None => self.answer(code, &[0x80, 0, 0, 0]),
                }
            }
            // Unknown command: parameter error.
            _ => self.answer(code, &[0x01]),
        }
    }
}

impl UsbEmulator for Rcs380 {
    fn transfer_out(&mut self, endpoint: u8, data: &[u8]) -> Result<(), UsbFault> {
        self.port.accept_out(endpoint)?;
        if data == ACK {
            // Cancel: drop every answer not yet on its way to the host.
            self.port.queue.clear();
            return Ok(());
        }
        // A malformed frame is ignored by the chip: nothing will be read back.
        if data.len() < 10 || data[..5] != [0, 0, 0xFF, 0xFF, 0xFF] {
            return Ok(());
        }
        let len = usize::from(u16::from_le_bytes([data[5], data[6]]));
        if data[5].wrapping_add(data[6]).wrapping_add(data[7]) != 0 || data.len() != 8 + len + 2 {
            return Ok(());
        }
        let body = &data[8..8 + len];
        let dcs = data[8 + len];
        if body.iter().fold(dcs, |a, b| a.wrapping_add(*b)) != 0 || data[9 + len] != 0 {
            return Ok(());
        }
        if body.len() < 2 || body[0] != 0xD6 {
            return Ok(());
        }
        self.command(body[1], &body[2..]);
        Ok(())
    }

    fn port(&mut self) -> &mut BulkPort {
        &mut self.port
    }

    fn port_ref(&self) -> &BulkPort {
        &self.port
    }
}
