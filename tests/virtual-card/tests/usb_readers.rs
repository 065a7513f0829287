//! The SDK's card operations through `UsbReaderTransport` and each USB reader driver
//! (`mynacard_core::reader`), over the device-side reader emulators of this crate: RC-S380
//! (Port-100), RC-S300 (CCID escape + transparent session), and a CCID reader at extended and
//! short APDU level. Authentication, 4情報, wrong PIN, chained responses, WTX / time
//! extensions, a card lifted mid-read and an unplugged reader; transfers per APDU are printed
//! by `transfers_per_apdu` (run with `--nocapture`).
//!
//! `cargo test -p mynacard-virtual-card --features core-transport --test usb_readers`

use mynacard_core::error::{PinError, TransportError};
use mynacard_core::reader::ccid::{Ccid, CcidConfig, CcidLevel as DriverLevel};
use mynacard_core::reader::port100::Port100;
use mynacard_core::reader::rcs300::Rcs300 as Rcs300Driver;
use mynacard_core::reader::{ReaderDriver, ReaderStats, UsbDevice, UsbReaderTransport};
use mynacard_core::{AssistPin, AuthPin, CardPin, Error, MynaCard, SignInput, UnixTime};
use mynacard_virtual_card::VirtualCard;
use mynacard_virtual_card::usb::{
    CcidLevel, CcidReader, Picc, PiccConfig, Rcs300, Rcs380, UsbEmulator,
};
use pollster::block_on;

/// 2026-06-01: inside the personas' validity.
const NOW: UnixTime = UnixTime(1_780_272_000);

/// What a test needs from an emulated reader beyond USB transfers.
trait Rig: UsbDevice + UsbEmulator {
    /// The card stops answering after `n` more frames (contactless) or APDUs (contact).
    fn lift_later(&mut self, n: usize);
    /// The card asks for `n` waiting time extensions before its next signature.
    fn slow_signature(&mut self, n: u32);
    /// Time extensions (S(WTX) or CCID) the card/reader sent.
    fn extensions_sent(&self) -> usize;
    /// The card acts on the next APDU with `ins`; its answer is lost (or, contactless, its
    /// first block arrives as `corrupt`).
    fn lose_answer_to(&mut self, ins: u8, corrupt: Option<Vec<u8>>);
    /// The card itself.
    fn virtual_card(&self) -> &VirtualCard;
}

impl Rig for Rcs380 {
    fn lift_later(&mut self, n: usize) {
        self.picc_mut().lift_after_frames(n);
    }
    fn slow_signature(&mut self, n: u32) {
        self.picc_mut().inject_wtx(Some(0x2A), n, 12);
    }
    fn extensions_sent(&self) -> usize {
        self.picc().wtx_sent()
    }
    fn lose_answer_to(&mut self, ins: u8, corrupt: Option<Vec<u8>>) {
        self.picc_mut().lose_answer_to(ins, corrupt);
    }
    fn virtual_card(&self) -> &VirtualCard {
        self.picc().card()
    }
}

impl Rig for Rcs300 {
    fn lift_later(&mut self, n: usize) {
        self.picc_mut().lift_after_frames(n);
    }
    fn slow_signature(&mut self, n: u32) {
        self.picc_mut().inject_wtx(Some(0x2A), n, 12);
        // And the reader itself asks the host to wait, once.
        self.time_extensions(1);
    }
    fn extensions_sent(&self) -> usize {
        self.picc().wtx_sent()
    }
    fn lose_answer_to(&mut self, ins: u8, corrupt: Option<Vec<u8>>) {
        self.picc_mut().lose_answer_to(ins, corrupt);
    }
    fn virtual_card(&self) -> &VirtualCard {
        self.picc().card()
    }
}

/// The CCID reader emulator, wrapped so the test can give it the `Rig` trait.
struct Contact {
    reader: CcidReader,
}

impl UsbEmulator for Contact {
    fn transfer_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
    ) -> Result<(), mynacard_virtual_card::usb::UsbFault> {
        UsbEmulator::transfer_out(&mut self.reader, endpoint, data)
    }
    fn port(&mut self) -> &mut mynacard_virtual_card::usb::BulkPort {
        self.reader.port()
    }
    fn port_ref(&self) -> &mynacard_virtual_card::usb::BulkPort {
        self.reader.port_ref()
    }
}

impl UsbDevice for Contact {
    async fn transfer_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
    ) -> Result<(), mynacard_core::reader::UsbError> {
        UsbDevice::transfer_out(&mut self.reader, endpoint, data).await
    }
    async fn transfer_in(
        &mut self,
        endpoint: u8,
        max_len: usize,
        timeout_ms: u32,
    ) -> Result<Vec<u8>, mynacard_core::reader::UsbError> {
        UsbDevice::transfer_in(&mut self.reader, endpoint, max_len, timeout_ms).await
    }
    async fn control_out(
        &mut self,
        setup: mynacard_core::reader::ControlSetup,
        data: &[u8],
    ) -> Result<(), mynacard_core::reader::UsbError> {
        UsbDevice::control_out(&mut self.reader, setup, data).await
    }
    async fn control_in(
        &mut self,
        setup: mynacard_core::reader::ControlSetup,
        max_len: usize,
    ) -> Result<Vec<u8>, mynacard_core::reader::UsbError> {
        UsbDevice::control_in(&mut self.reader, setup, max_len).await
    }
    async fn wait(&mut self, ms: u32) {
        UsbDevice::wait(&mut self.reader, ms).await
    }
}

impl Rig for Contact {
    fn lift_later(&mut self, n: usize) {
        self.reader.remove_after_apdus(n);
    }
    fn slow_signature(&mut self, n: u32) {
        self.reader.time_extensions(n);
    }
    fn extensions_sent(&self) -> usize {
        self.reader.time_extensions_sent()
    }
    fn lose_answer_to(&mut self, ins: u8, _corrupt: Option<Vec<u8>>) {
        // Contact: no block protocol to corrupt; the reader's answer is lost.
        self.reader.lose_answer_to(ins);
    }
    fn virtual_card(&self) -> &VirtualCard {
        self.reader.card()
    }
}

fn taro() -> VirtualCard {
    VirtualCard::builtin("taro").unwrap()
}

fn rcs380(picc: PiccConfig) -> UsbReaderTransport<Rcs380, Port100> {
    UsbReaderTransport::new(
        Rcs380::with_picc(Picc::with_config(taro(), picc)),
        Port100::default(),
    )
}

fn rcs300(picc: PiccConfig) -> UsbReaderTransport<Rcs300, Rcs300Driver> {
    UsbReaderTransport::new(
        Rcs300::with_picc(Picc::with_config(taro(), picc)),
        Rcs300Driver::default(),
    )
}

fn ccid(extended: bool) -> UsbReaderTransport<Contact, Ccid> {
    let (level, dlevel) = if extended {
        (CcidLevel::ExtendedApdu, DriverLevel::ExtendedApdu)
    } else {
        (CcidLevel::ShortApdu, DriverLevel::ShortApdu)
    };
    let reader = CcidReader::new(taro(), level, 271);
    let features = reader.features();
    assert_eq!(DriverLevel::from_features(features), dlevel);
    UsbReaderTransport::new(
        Contact { reader },
        Ccid::new(CcidConfig {
            level: dlevel,
            max_message: 271,
            ..CcidConfig::default()
        }),
    )
}

fn authenticate<D: Rig, R: ReaderDriver + Send>(
    t: UsbReaderTransport<D, R>,
) -> MynaCard<UsbReaderTransport<D, R>> {
    let mut card = block_on(MynaCard::connect(t)).unwrap();
    let challenge = [0x5Au8; 32];
    let auth =
        block_on(card.authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(&challenge)))
            .unwrap();
    mynacard_virtual_card::checks::assert_authentication(&auth, &challenge, NOW);
    assert!(
        auth.certificate.der().len() > 1000,
        "a certificate far larger than FSD"
    );
    card
}

fn four_info<D: Rig, R: ReaderDriver + Send>(t: UsbReaderTransport<D, R>) {
    let mut card = block_on(MynaCard::connect(t)).unwrap();
    let read = block_on(card.read_four_info(&AssistPin::new("1234").unwrap())).unwrap();
    assert_eq!(read.four_info.name.to_marked_string(), "〓田　太郎");
    assert_eq!(read.four_info.birth_date.to_string(), "1980-02-17");
    assert_eq!(read.four_info.sex, mynacard_core::Sex::Male);
}

fn wrong_pin<D: Rig, R: ReaderDriver + Send>(t: UsbReaderTransport<D, R>) {
    let mut card = block_on(MynaCard::connect(t)).unwrap();
    let e = block_on(card.authenticate(&AuthPin::new("9999").unwrap(), SignInput::data(b"c")))
        .unwrap_err();
    assert_eq!(e, Error::Pin(PinError::Incorrect { remaining: 2 }));
    assert_eq!(e.code(), "PIN_INCORRECT");
}

fn slow_card<D: Rig, R: ReaderDriver + Send>(mut t: UsbReaderTransport<D, R>) {
    t.device_mut().slow_signature(3);
    let card = authenticate(t);
    assert!(card.transport().device().extensions_sent() >= 3);
}

fn lifted_mid_read<D: Rig, R: ReaderDriver + Send>(t: UsbReaderTransport<D, R>, after: usize) {
    let mut card = block_on(MynaCard::connect(t)).unwrap();
    card.transport_mut().device_mut().lift_later(after);
    let e = block_on(card.read_auth_certificate()).unwrap_err();
    assert_eq!(e, Error::Transport(TransportError::CardRemoved));
    assert_eq!(e.code(), "CARD_REMOVED");
    // It stays removed: no silent re-activation under the session's feet.
    let e = block_on(card.read_auth_certificate()).unwrap_err();
    assert_eq!(e.code(), "CARD_REMOVED");
}

fn unplugged<D: Rig, R: ReaderDriver + Send>(t: UsbReaderTransport<D, R>) {
    let mut card = block_on(MynaCard::connect(t)).unwrap();
    card.transport_mut().device_mut().unplug();
    let e = block_on(card.read_auth_certificate()).unwrap_err();
    assert_eq!(e, Error::Transport(TransportError::ReaderDisconnected));
    assert_eq!(e.code(), "READER_DISCONNECTED");
}

fn no_card<D: Rig, R: ReaderDriver + Send>(mut t: UsbReaderTransport<D, R>) {
    t.device_mut().lift_later(0);
    let e = block_on(MynaCard::connect(t)).err().unwrap();
    assert_eq!(e.code(), "CARD_REMOVED");
}

/// Issue 23.10: the card received the VERIFY (or the signature) and acted; its answer was lost
/// or corrupted on the way. The card must have seen exactly one VERIFY, its tries must show it,
/// and the operation must end with a typed error or a correct result: never the VERIFY block
/// resent as a new command.
fn lost_answers<D: Rig, R: ReaderDriver + Send>(make: impl Fn() -> UsbReaderTransport<D, R>) {
    let corruptions: [Option<Vec<u8>>; 3] = [None, Some(vec![0xFF, 0x00]), Some(vec![0x02])];
    for (ins, pin) in [(0x20, "9999"), (0x20, "1234"), (0x2A, "1234")] {
        for corrupt in &corruptions {
            let mut t = make();
            t.device_mut().lose_answer_to(ins, corrupt.clone());
            let mut card = block_on(MynaCard::connect(t)).unwrap();
            let result =
                block_on(card.authenticate(&AuthPin::new(pin).unwrap(), SignInput::data(b"c")));
            let what = format!("INS {ins:02X}, PIN {pin}, answer {corrupt:?}");
            if let Err(e) = &result {
                assert!(!e.code().is_empty() && !e.message_ja().is_empty(), "{what}");
            }
            let v = card.transport().device().virtual_card();
            let verifies = v
                .seen()
                .iter()
                .filter(|s| s.ins == 0x20 && s.lc > 0)
                .count();
            assert_eq!(verifies, 1, "{what}: the card saw {verifies} VERIFYs");
            let tries = v
                .pin_tries(mynacard_virtual_card::App::Jpki, 0x0018)
                .unwrap();
            assert_eq!(tries, if pin == "9999" { 2 } else { 3 }, "{what}");
            assert!(v.count_ins(0x2A) <= 1, "{what}: signature sent twice");
            if let Ok(auth) = &result {
                mynacard_virtual_card::checks::assert_authentication(auth, b"c", NOW);
            }
        }
    }
}

#[test]
fn lost_answers_rcs380() {
    lost_answers(|| rcs380(PiccConfig::default()));
}

#[test]
fn lost_answers_rcs300() {
    lost_answers(|| rcs300(PiccConfig::default()));
}

#[test]
fn lost_answers_ccid() {
    lost_answers(|| ccid(true));
}

macro_rules! reader_tests {
    ($m:ident, $make:expr, $lift_after:expr) => {
        mod $m {
            use super::*;
            #[test]
            fn authenticate_and_verify() {
                authenticate($make);
            }
            #[test]
            fn read_four_info() {
                four_info($make);
            }
            #[test]
            fn wrong_pin_reports_remaining_tries() {
                wrong_pin($make);
            }
            #[test]
            fn slow_signature_with_time_extensions() {
                slow_card($make);
            }
            #[test]
            fn card_lifted_mid_read_is_card_removed() {
                lifted_mid_read($make, $lift_after);
            }
            #[test]
            fn unplugged_reader_is_reader_disconnected() {
                unplugged($make);
            }
            #[test]
            fn no_card_on_the_reader() {
                no_card($make);
            }
        }
    };
}

// Contactless: lift after 3 frames = inside the chained certificate response.
reader_tests!(rcs380_reader, rcs380(PiccConfig::default()), 3);
reader_tests!(rcs300_reader, rcs300(PiccConfig::default()), 3);
// A card that only takes 32-byte frames: every longer command is chained.
reader_tests!(
    rcs380_small_fsc,
    rcs380(PiccConfig {
        fsci: 2,
        ..PiccConfig::default()
    }),
    3
);
reader_tests!(
    rcs300_small_fsc,
    rcs300(PiccConfig {
        fsci: 2,
        ..PiccConfig::default()
    }),
    3
);
// Contact CCID: removed before the second APDU of the read.
reader_tests!(ccid_extended, ccid(true), 1);
reader_tests!(ccid_short, ccid(false), 1);

/// One authentication and one 4情報 read; the transport's counters. Then one short APDU on
/// its own (a PIN tries query, no chaining anywhere): the base cost of the reader.
fn measure<D: Rig, R: ReaderDriver + Send>(
    t: UsbReaderTransport<D, R>,
) -> (ReaderStats, usize, ReaderStats) {
    let mut card = authenticate(t);
    block_on(card.read_four_info(&AssistPin::new("1234").unwrap())).unwrap();
    let stats = card.transport().stats();
    let all = card.transport().device().transfers();
    // The 4情報 read cleared the security state by leaving 入力補助AP; select it again (one
    // tries query), so that the measured tries query is one short APDU on its own.
    block_on(card.pin_state(CardPin::Assist)).unwrap();
    card.transport_mut().reset_stats();
    block_on(card.pin_state(CardPin::Assist)).unwrap();
    let single = card.transport().stats();
    (stats, all.out + all.r#in, single)
}

#[test]
fn transfers_per_apdu() {
    let rows = [
        ("RC-S380 (Port-100)", measure(rcs380(PiccConfig::default()))),
        (
            "RC-S380, FSC 32",
            measure(rcs380(PiccConfig {
                fsci: 2,
                ..PiccConfig::default()
            })),
        ),
        ("RC-S300 (escape)", measure(rcs300(PiccConfig::default()))),
        (
            "RC-S300, FSC 32",
            measure(rcs300(PiccConfig {
                fsci: 2,
                ..PiccConfig::default()
            })),
        ),
        ("CCID extended APDU", measure(ccid(true))),
        ("CCID short APDU", measure(ccid(false))),
    ];
    println!("connect + authenticate + 4情報, then one short APDU alone:");
    println!("reader               APDUs  transfers/APDU  all transfers  bytes out/in  short APDU");
    for (name, (s, device_total, single)) in &rows {
        println!(
            "{name:<20} {:>5}  {:>14.2}  {:>13}  {:>5}/{:<5}  {} transfers",
            s.apdus,
            s.transfers_per_apdu(),
            s.transfers,
            s.bytes_out,
            s.bytes_in,
            single.transfers_per_apdu()
        );
        assert_eq!(
            s.transfers, *device_total,
            "{name}: the device saw every transfer"
        );
    }
    // A short APDU without chaining: Port-100 = OUT command, IN ACK, IN answer; CCID-shaped
    // readers = OUT, IN. Chained certificate reads and time extensions add to the mean.
    let single: Vec<f64> = rows.iter().map(|r| r.1.2.transfers_per_apdu()).collect();
    assert_eq!(single, [3.0, 3.0, 2.0, 2.0, 2.0, 2.0]);
    for (name, (s, _, _)) in &rows {
        assert!(s.transfers_per_apdu() < 6.0, "{name}");
    }
}

#[test]
fn rcs300_asks_for_the_field_guard_times() {
    let mut t = rcs300(PiccConfig::default());
    block_on(t.open()).unwrap();
    // RF off 30 ms, RF on 21 ms, protocol switch 20 ms (felica-rs guard times).
    assert_eq!(t.device().waited_ms(), 71);
    // 7 escapes (end stale session, start, RF off, RF on, switch, REQB, ATTRIB), OUT + IN each.
    assert_eq!(t.stats().transfers, 14);
    assert_eq!(t.card_id()[0], 0x50, "ATQB");
    block_on(t.close()).unwrap();
    assert!(!t.driver().is_open());
}

#[test]
fn rcs380_open_and_close_sequence() {
    let mut t = rcs380(PiccConfig::default());
    block_on(t.open()).unwrap();
    // ACK, then 8 commands of OUT + IN ACK + IN answer.
    assert_eq!(t.stats().transfers, 25);
    // nfcpy's init and Type B sensing, then ATTRIB.
    assert_eq!(
        t.device().commands(),
        [0x2A, 0x20, 0x06, 0x00, 0x02, 0x02, 0x04, 0x04]
    );
    block_on(t.close()).unwrap();
    // DESELECT through InCommRF, then the field off.
    assert_eq!(&t.device().commands()[8..], [0x04, 0x06]);
    assert!(!t.driver().is_open());
}

#[test]
fn rcs380_opens_past_an_answer_left_by_a_killed_host() {
    // The previous host died after its InCommRF: the answer is still in the IN pipe and the
    // open's ACK does not take it back (nfcpy drains it, `rcs380.py` l. 186–193). The driver
    // skips it and opens on the first try.
    let mut t = rcs380(PiccConfig::default());
    t.device_mut().leave_stale_answer();
    block_on(t.open()).unwrap();
    assert_eq!(
        t.device().commands(),
        [0x2A, 0x20, 0x06, 0x00, 0x02, 0x02, 0x04, 0x04]
    );
    // One more IN transfer than a clean open (25).
    assert_eq!(t.stats().transfers, 26);
    let mut card = block_on(MynaCard::connect(t)).unwrap();
    assert!(block_on(card.read_auth_certificate()).is_ok());
}

#[test]
fn chaining_happens_both_ways() {
    // FSC 32: the signature command (DigestInfo of 51 bytes) goes out in chained blocks, and
    // the certificate comes back in chained blocks of FSD 256.
    let card = authenticate(rcs380(PiccConfig {
        fsci: 2,
        ..PiccConfig::default()
    }));
    let (rx, tx) = card.transport().device().picc().chained_blocks();
    assert!(rx >= 1, "command chaining: {rx}");
    assert!(tx >= 6, "response chaining: {tx}");
    let card = authenticate(rcs300(PiccConfig::default()));
    let (rx, tx) = card.transport().device().picc().chained_blocks();
    assert_eq!(rx, 0, "everything fits in FSC 256");
    assert!(tx >= 6, "response chaining: {tx}");
}
