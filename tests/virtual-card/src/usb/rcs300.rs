//! Sony RC-S300 seen from the device: CCID PC_to_RDR_Escape (0x6B) messages carrying
//! `FF 50 00 P2` pseudo-APDUs of a PC/SC transparent session, answered with RDR_to_PC_Escape
//! (0x83) carrying data objects and `90 00`; a Type B card in the field. Formats as
//! `docs/readers.md` states them (PC/SC part 3 supplement, `soltia48/felica-rs`).

use super::{BulkPort, Picc, UsbEmulator, UsbFault};
use crate::card::VirtualCard;

pub const ENDPOINT_OUT: u8 = 2;
pub const ENDPOINT_IN: u8 = 2;

/// An RC-S300 with a card on it.
#[derive(Debug)]
pub struct Rcs300 {
    picc: Picc,
    port: BulkPort,
    pub(crate) waited_ms: u64,
    session: bool,
    type_b: bool,
    time_extensions: u32,
    escapes: usize,
}

const OK: [u8; 5] = [0xC0, 0x03, 0x00, 0x90, 0x00];
const NO_ANSWER: [u8; 5] = [0xC0, 0x03, 0x01, 0x64, 0x01];

impl Rcs300 {
    /// Milliseconds the host was asked to wait (guard times), summed.
    pub fn waited_ms(&self) -> u64 {
        self.waited_ms
    }

    pub fn new(card: VirtualCard) -> Rcs300 {
        Rcs300::with_picc(Picc::new(card))
    }

    pub fn with_picc(picc: Picc) -> Rcs300 {
        Rcs300 {
            picc,
            port: BulkPort::new(ENDPOINT_OUT, ENDPOINT_IN),
            session: false,
            type_b: false,
            time_extensions: 0,
            escapes: 0,
            waited_ms: 0,
        }
    }

    pub fn picc(&self) -> &Picc {
        &self.picc
    }

    pub fn picc_mut(&mut self) -> &mut Picc {
        &mut self.picc
    }

    /// The next `n` Escape commands are each answered after one CCID time extension.
    pub fn time_extensions(&mut self, n: u32) {
        self.time_extensions = n;
    }

    /// Escape messages received.
    pub fn escapes(&self) -> usize {
        self.escapes
    }

    fn reply(&mut self, seq: u8, body: &[u8]) {
        if self.time_extensions > 0 {
            self.time_extensions -= 1;
            // bmCommandStatus 2: time extension requested, bError = multiplier.
            self.port
                .queue
                .push(vec![0x83, 0, 0, 0, 0, 0, seq, 0x80, 0x01, 0]);
        }
        let mut m = vec![0x83];
        m.extend_from_slice(&(body.len() as u32).to_le_bytes());
        m.extend_from_slice(&[0, seq, 0, 0, 0]);
        m.extend_from_slice(body);
        self.port.queue.push(m);
    }

    /// Data objects `tag len value` with 1- or 2-byte tags (5F xx, FF xx) and BER lengths.
    fn objects(mut d: &[u8]) -> Option<Vec<(u16, Vec<u8>)>> {
        let mut out = Vec::new();
        while !d.is_empty() {
            let (tag, rest) = if d[0] == 0x5F || d[0] == 0xFF {
                (u16::from_be_bytes([d[0], *d.get(1)?]), d.get(2..)?)
            } else {
                (u16::from(d[0]), &d[1..])
            };
            let (len, n) = match *rest.first()? {
                l @ 0..=0x7F => (usize::from(l), 1),
                0x81 => (usize::from(*rest.get(1)?), 2),
                0x82 => (
                    usize::from(u16::from_be_bytes([*rest.get(1)?, *rest.get(2)?])),
                    3,
                ),
                _ => return None,
            };
            out.push((tag, rest.get(n..n + len)?.to_vec()));
            d = &rest[n + len..];
        }
        Some(out)
    }

    fn pseudo_apdu(&mut self, a: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        if a.len() < 5 || a[0] != 0xFF || a[1] != 0x50 || a[2] != 0x00 {
            return vec![0x6D, 0x00];
        }
        // Short Lc (Manage Session, Switch Protocol) or extended Lc (transparent exchange).
        let data = if a[4] == 0 && a.len() >= 7 {
            let lc = usize::from(u16::from_be_bytes([a[5], a[6]]));
            a.get(7..7 + lc)
        } else {
            a.get(5..5 + usize::from(a[4]))
        };
        let Some(objects) = data.and_then(Self::objects) else {
            return vec![0x67, 0x00];
        };
        match a[3] {
            0x00 => {
                for (tag, _) in &objects {
                    match tag {
                        0x81 => self.session = true,
                        0x82 => {
                            self.session = false;
                            self.picc.set_field(false);
                        }
                        0x83 | 0x84 if !self.session => {
                            out.extend_from_slice(&[0xC0, 0x03, 0x01, 0x69, 0x8A]);
                            out.extend_from_slice(&[0x90, 0x00]);
                            return out;
                        }
                        0x83 => self.picc.set_field(false),
                        0x84 => self.picc.set_field(true),
                        _ => {}
                    }
                }
                out.extend_from_slice(&OK);
            }
            0x02 => {
                for (tag, v) in &objects {
                    if *tag == 0x8F {
                        self.type_b = v.first() == Some(&0x01);
                    }
                }
                out.extend_from_slice(&OK);
            }
            0x01 => {
                let frame = objects
                    .iter()
                    .find(|(t, _)| *t == 0x95)
                    .map(|(_, v)| v.clone());
                let reply = match frame {
                    Some(f) if self.session && self.type_b => self.picc.frame(&f),
                    _ => None,
                };
                match reply {
                    Some(r) => {
                        out.extend_from_slice(&OK);
                        out.extend_from_slice(&[0x92, 0x01, 0x00, 0x96, 0x02, 0x00, 0x00, 0x97]);
                        if r.len() < 0x80 {
                            out.push(r.len() as u8);
                        } else {
                            out.push(0x82);
                            out.extend_from_slice(&(r.len() as u16).to_be_bytes());
                        }
                        out.extend_from_slice(&r);
                    }
                    None => out.extend_from_slice(&NO_ANSWER),
                }
            }
            _ => return vec![0x6A, 0x86],
        }
        out.extend_from_slice(&[0x90, 0x00]);
        out
    }
}

impl UsbEmulator for Rcs300 {
    fn transfer_out(&mut self, endpoint: u8, data: &[u8]) -> Result<(), UsbFault> {
        self.port.accept_out(endpoint)?;
        if data.len() < 10 {
            return Ok(());
        }
        let len = u32::from_le_bytes([data[1], data[2], data[3], data[4]]) as usize;
        let seq = data[6];
        if data.len() != 10 + len {
            return Ok(());
        }
        if data[0] != 0x6B {
            // Only Escape on this interface: CMD_NOT_SUPPORTED (bError 0).
            self.port
                .queue
                .push(vec![0x83, 0, 0, 0, 0, 0, seq, 0x40, 0x00, 0]);
            return Ok(());
        }
        self.escapes += 1;
        let body = self.pseudo_apdu(&data[10..]);
        self.reply(seq, &body);
        Ok(())
    }

    fn port(&mut self) -> &mut BulkPort {
        &mut self.port
    }

    fn port_ref(&self) -> &BulkPort {
        &self.port
    }
}
