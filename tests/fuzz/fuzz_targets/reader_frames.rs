//! The USB reader drivers against a hostile reader: Port-100 frames (RC-S380), CCID messages
//! (generic CCID and RC-S300 escapes), and ISO/IEC 14443-4 blocks from the card. Input: one
//! selector byte, then IN-transfer answers as [len_hi len_lo bytes…]; when they run out the
//! reader "times out". Every operation must end (Done) within a bounded number of steps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard_core::reader::ccid::{self, Ccid, CcidConfig};
use mynacard_core::reader::iso14443_4::{self, IsoDep, IsoDepConfig, Rx};
use mynacard_core::reader::port100::{self, Port100, Port100Config};
use mynacard_core::reader::rcs300::{Rcs300, Rcs300Config};
use mynacard_core::reader::{Operation, ReaderDriver, TransferResult, UsbError, UsbStep};

/// Runs `op` to its end, answering every IN transfer from `answers`.
fn drive(driver: &mut dyn ReaderDriver, op: Operation<'_>, answers: &mut &[u8]) {
    let mut step = driver.start(op);
    for _ in 0..10_000 {
        let input = match step {
            UsbStep::Done(_) => return,
            UsbStep::Out { .. } | UsbStep::ControlOut { .. } => TransferResult::Sent,
            UsbStep::Wait { .. } => TransferResult::Waited,
            UsbStep::In { .. } | UsbStep::ControlIn { .. } => match *answers {
                [hi, lo, rest @ ..] => {
                    let len = (usize::from(*hi) << 8 | usize::from(*lo)).min(rest.len());
                    let (answer, rest) = rest.split_at(len);
                    *answers = rest;
                    TransferResult::Received(answer.to_vec())
                }
                _ => TransferResult::Failed(UsbError::Timeout),
            },
        };
        step = driver.next(input);
    }
    panic!("a driver did not finish within 10000 transfers");
}

fuzz_target!(|data: &[u8]| {
    let Some((&select, mut answers)) = data.split_first() else {
        return;
    };
    // The frame parsers on the raw input, too.
    let _ = port100::parse_frame(answers);
    let _ = ccid::parse_header(answers);
    let _ = iso14443_4::parse_block(answers);
    let _ = iso14443_4::type_b::parse_atqb(answers);
    let _ = iso14443_4::type_b::attrib_ok(answers);
    // SELECT JPKI, then a whole certificate by short EF id (as the recorded seeds).
    let select_ap = [
        0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
    ];
    let apdu = [0x00, 0xB0, 0x8A, 0x00, 0x00, 0x00, 0x00];
    match select % 4 {
        0 => {
            let mut d = Port100::new(Port100Config::default());
            drive(&mut d, Operation::Open, &mut answers);
            drive(&mut d, Operation::Exchange(&select_ap), &mut answers);
            drive(&mut d, Operation::Exchange(&apdu), &mut answers);
            drive(&mut d, Operation::Close, &mut answers);
        }
        1 => {
            let mut d = Rcs300::new(Rcs300Config::default());
            drive(&mut d, Operation::Open, &mut answers);
            drive(&mut d, Operation::Exchange(&select_ap), &mut answers);
            drive(&mut d, Operation::Exchange(&apdu), &mut answers);
            drive(&mut d, Operation::Close, &mut answers);
        }
        2 => {
            let mut d = Ccid::new(CcidConfig::default());
            drive(&mut d, Operation::Open, &mut answers);
            drive(&mut d, Operation::Exchange(&select_ap), &mut answers);
            drive(&mut d, Operation::Exchange(&apdu), &mut answers);
            drive(&mut d, Operation::Close, &mut answers);
        }
        _ => {
            // The card side of ISO-DEP alone: blocks straight from the input.
            let mut iso = IsoDep::new(IsoDepConfig::default());
            if iso.start(&apdu).is_err() {
                return;
            }
            for _ in 0..1000 {
                let [hi, lo, rest @ ..] = answers else { return };
                let len = (usize::from(*hi) << 8 | usize::from(*lo)).min(rest.len());
                let (block, rest) = rest.split_at(len);
                answers = rest;
                let rx = match block {
                    [] => Rx::Timeout,
                    [0xEE] => Rx::Error,
                    b => Rx::Block(b),
                };
                match iso.receive(rx) {
                    Ok(iso14443_4::Action::Send(_)) => {}
                    Ok(iso14443_4::Action::Done(_)) | Err(_) => return,
                }
            }
        }
    }
});
