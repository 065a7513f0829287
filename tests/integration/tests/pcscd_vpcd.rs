//! The same operations through the real PC/SC stack: a pcscd started here, vsmartcard's vpcd
//! reader, the virtual card behind it, and the SDK's PC/SC transport, then OpenSC (a
//! third-party client with its own JPKI driver) reading and signing on the same card.
//!
//! One test function: pcscd serves a single machine-wide socket, so the steps share one
//! daemon and run in order.

use std::process::Command;

use mynacard_core::error::{PinError, TransportError};
use mynacard_core::verify;
use mynacard_core::{
    AssistPin, AuthPin, CardPin, Error, JpkiCertificate, MynaCard, PinState, SignInput, SignPin,
    Transport, UnixTime,
};
use mynacard_pcsc::PcscTransport;
use mynacard_tests::pcscd::Pcscd;
use mynacard_tests::peers;
use mynacard_virtual_card::{App, VirtualCard, pki};
use pollster::block_on;

const NOW: UnixTime = UnixTime(1_780_272_000);

#[test]
fn pcsc_stack_and_opensc() {
    let pcscd = Pcscd::start().expect("private pcscd");
    let run = |name: &str, f: &dyn Fn(&Pcscd)| {
        eprintln!("-- {name}");
        if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&pcscd))) {
            eprintln!("pcscd log (tail):\n{}", pcscd.log_tail(60));
            std::panic::resume_unwind(panic);
        }
    };
    run("no card: READER present, CARD_REMOVED", &no_card);
    run("every SDK operation over PC/SC", &sdk_operations);
    run("short APDUs only", &short_apdus);
    run(
        "round trips: no 40 ms delayed-ACK stall between vpcd and the card",
        &round_trips,
    );
    run("wrong and locked PINs over PC/SC", &pins);
    run(
        "no PIN left verified: another client's signature after authenticate is 6982",
        &no_pin_left_verified,
    );
    run(
        "no interleaving: a client hammering the reader never lands between VERIFY and signature",
        &no_interleaving,
    );
    run(
        "internal authentication (かざし利用 3) over PC/SC: taro genuine, nise refused, nothing left verified",
        &internal_authentication,
    );
    run(
        "対面確認 (issue 19.4) over PC/SC: taro genuine, tampered face, nise, wrong 照合番号B",
        &in_person_check,
    );
    run("card pulled mid-session", &card_pulled);
    run(
        "OpenSC reads the certificate, signs, and counts a wrong PIN as the SDK does",
        &opensc,
    );
    run("the mynacard CLI on the PC/SC reader", &cli);
    run(
        "mynacard doctor: a My Number Card, a 住基カード, an empty reader",
        &doctor,
    );
    run("myna-card (soltia48) reads and signs", &myna_card_client);
    run(
        "PIN change: the SDK's accepted by myna-card and OpenSC, myna-card's by the SDK",
        &pin_change,
    );
    run(
        "jpki-cli (siketyan) reads certificates, tries and 4情報, and signs",
        &jpki_cli,
    );
}

fn no_card(pcscd: &Pcscd) {
    let readers = PcscTransport::list_readers().unwrap();
    assert!(readers.contains(&pcscd.reader_name()), "{readers:?}");
    let e = PcscTransport::connect(Some(&pcscd.reader_name())).unwrap_err();
    assert_eq!(
        mynacard_core::Error::from(e),
        Error::Transport(TransportError::CardRemoved)
    );
    let e = PcscTransport::connect(Some("No Such Reader")).unwrap_err();
    assert_eq!(
        mynacard_core::Error::from(e),
        Error::Transport(TransportError::ReaderNotFound)
    );
}

fn sdk_operations(pcscd: &Pcscd) {
    let inserted = pcscd.insert(VirtualCard::builtin("taro").unwrap());
    let mut transport = pcscd.connect().unwrap();
    assert_eq!(
        transport.atr().unwrap(),
        [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]
    );
    // The capability comes from the reader (PC/SC part 10 dwMaxAPDUDataSize) where its driver
    // says, else the default (extended): vsmartcard's vpcd says 0x10000 in newer versions.
    let said = transport.reader_max_apdu_data_size();
    eprintln!("vpcd dwMaxAPDUDataSize: {said:?}");
    assert_eq!(
        transport.capabilities().extended_length,
        said.is_none_or(mynacard_pcsc::carries_extended_length)
    );
    assert!(transport.capabilities().extended_length);
    let mut card = block_on(MynaCard::connect(transport)).unwrap();
    let challenge = [9u8; 32];
    let auth =
        block_on(card.authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(&challenge)))
            .unwrap();
    mynacard_virtual_card::checks::assert_authentication(&auth, &challenge, NOW);
    assert_eq!(
        auth.certificate.der(),
        pki::persona("taro").unwrap().auth_cert
    );
    let signed =
        block_on(card.sign(&SignPin::new("TARO2025").unwrap(), SignInput::data(b"doc"))).unwrap();
    verify::verify_signature(
        &signed.certificate,
        SignInput::data(b"doc"),
        &signed.signature,
    )
    .unwrap();
    let fi = block_on(card.read_four_info(&AssistPin::new("1234").unwrap())).unwrap();
    assert_eq!(fi.four_info.name.to_marked_string(), "〓田　太郎");
    let mn = block_on(card.read_my_number(&AssistPin::new("1234").unwrap())).unwrap();
    assert_eq!(mn.my_number.expose(), "123456789018");
    let states = block_on(card.all_pin_states()).unwrap();
    assert!(states.contains(&(CardPin::JpkiAuth, PinState::Remaining(3))));
    drop(card);
    let returned = inserted.remove();
    // The card saw exactly one VERIFY per PIN-protected operation, each followed by the
    // clearing SELECT of the Issuer Security Domain.
    assert_eq!(
        returned
            .seen()
            .iter()
            .filter(|s| s.ins == 0x20 && s.lc > 0)
            .count(),
        4
    );
    assert_eq!(returned.seen().iter().filter(|s| clears(s)).count(), 4);
}

/// The SDK's clearing of the security state, as the card saw it: SELECT by AID of the 7-byte
/// Issuer Security Domain.
fn clears(s: &mynacard_virtual_card::Seen) -> bool {
    s.ins == 0xA4 && s.p1 == 0x04 && s.lc == 7
}

/// A raw PC/SC client on the vpcd reader (shared, as any other program).
fn raw_client(pcscd: &Pcscd) -> pcsc::Card {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let reader = std::ffi::CString::new(pcscd.reader_name()).unwrap();
    ctx.connect(&reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .unwrap()
}

/// One APDU from a raw client; its status word.
fn raw_sw(card: &pcsc::Card, apdu: &[u8]) -> u16 {
    let mut buf = [0u8; 600];
    let r = card.transmit(apdu, &mut buf).unwrap();
    u16::from_be_bytes([r[r.len() - 2], r[r.len() - 1]])
}

/// SELECT of the 券面事項確認AP, sent raw by a second client.
const SELECT_SURFACE: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02,
];

/// After a 券面事項確認AP operation: the other client cannot read the EF with short id `sfi`
/// (the PIN that opens it is not left verified), and the card saw exactly one VERIFY. `sdk` is
/// the SDK's session, still connected during the check (its disconnect resets the card).
fn surface_closed_after_one_verify<C>(
    sdk: C,
    other: pcsc::Card,
    inserted: mynacard_tests::pcscd::InsertedCard,
    sfi: u8,
    label: &str,
) -> VirtualCard {
    assert_eq!(raw_sw(&other, &SELECT_SURFACE), 0x9000);
    assert_eq!(
        raw_sw(&other, &[0x00, 0xB0, sfi, 0x00, 0x10]),
        0x6982,
        "{label}"
    );
    drop(sdk);
    drop(other);
    let returned = inserted.remove();
    assert_eq!(
        returned
            .seen()
            .iter()
            .filter(|s| s.ins == 0x20 && s.lc > 0)
            .count(),
        1,
        "{label}: one VERIFY"
    );
    returned
}

const SELECT_JPKI: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
];

/// The peers' signature with the 利用者証明用 key, with no VERIFY of its own: SELECT JPKI (a
/// re-SELECT keeps a verified PIN), SELECT EF 0017, `80 2A 00 80`.
fn sign_without_pin(card: &pcsc::Card) -> u16 {
    assert_eq!(raw_sw(card, &SELECT_JPKI), 0x9000);
    assert_eq!(
        raw_sw(card, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x17]),
        0x9000
    );
    raw_sw(card, &[0x80, 0x2A, 0x00, 0x80, 0x01, 0x42, 0x00])
}

/// Issue 14 (a): a PIN verified through PC/SC survives the client that verified it (the
/// control: another client then signs without the PIN); after the SDK's `authenticate`
/// returns, the same attempt from another client is refused with 6982.
fn no_pin_left_verified(pcscd: &Pcscd) {
    let inserted = pcscd.insert(VirtualCard::builtin("taro").unwrap());
    drop(pcscd.connect().unwrap());
    // Control: client 1 verifies the PIN and leaves without resetting the card.
    let first = raw_client(pcscd);
    assert_eq!(raw_sw(&first, &SELECT_JPKI), 0x9000);
    assert_eq!(
        raw_sw(&first, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18]),
        0x9000
    );
    assert_eq!(
        raw_sw(
            &first,
            &[0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4']
        ),
        0x9000
    );
    first
        .disconnect(pcsc::Disposition::LeaveCard)
        .map_err(|(_, e)| e)
        .unwrap();
    let other = raw_client(pcscd);
    assert_eq!(
        sign_without_pin(&other),
        0x9000,
        "control: the verified PIN must survive the client that presented it"
    );
    // The SDK, with the other client connected all along.
    let mut card = block_on(MynaCard::connect(pcscd.connect().unwrap())).unwrap();
    let auth =
        block_on(card.authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(b"c"))).unwrap();
    mynacard_virtual_card::checks::assert_authentication(&auth, b"c", NOW);
    // Right after it returns (the session still open): no signature without the PIN.
    assert_eq!(sign_without_pin(&other), 0x6982);
    let fi = block_on(card.read_four_info(&AssistPin::new("1234").unwrap())).unwrap();
    assert!(fi.integrity.verified().is_some());
    // 4情報 needs the 入力補助 PIN: after the read, another client cannot read it.
    let assist = [
        0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08,
    ];
    assert_eq!(raw_sw(&other, &assist), 0x9000);
    assert_eq!(raw_sw(&other, &[0x00, 0xB0, 0x82, 0x00, 0x10]), 0x6982);
    drop(card);
    drop(other);
    drop(inserted.remove());
}

/// Issue 20: the 券面事項確認AP internal authentication through pcscd, with another PC/SC client
/// connected all along: taro's answer verifies under the test record CA, and right after it
/// the other client cannot read EF 0001 (the birth-date key is not left verified); nise (taro's
/// files on a card with other keys) is CARD_NOT_GENUINE, its card cleared too.
fn internal_authentication(pcscd: &Pcscd) {
    let birth = mynacard_core::BirthDatePin::from_gregorian("19800217").unwrap();
    let anchor = pki::record_ca_key().to_public_key();
    for persona in ["taro", "nise"] {
        let inserted = pcscd.insert(VirtualCard::builtin(persona).unwrap());
        let mut card = block_on(MynaCard::connect(pcscd.connect().unwrap())).unwrap();
        let other = raw_client(pcscd);
        let result = block_on(card.internal_authentication(&birth, None));
        match persona {
            "taro" => {
                let answer = result.unwrap();
                let g = answer.verify(Some(&anchor)).unwrap();
                assert!(g.key_record_checked);
                assert_eq!(g.birth_date.unwrap().to_string(), "1980-02-17");
            }
            _ => assert_eq!(
                result.unwrap_err(),
                Error::Verify(mynacard_core::error::VerifyError::CardNotGenuine)
            ),
        }
        // EF 0001 by short id from the other client: closed again.
        let returned = surface_closed_after_one_verify(card, other, inserted, 0x81, persona);
        let seen = returned.seen();
        assert_eq!(seen.iter().filter(|s| clears(s)).count(), 1, "{persona}");
        // The signature APDU came after the VERIFY and before the clearing, in one stretch.
        let at = |f: &dyn Fn(&mynacard_virtual_card::Seen) -> bool| seen.iter().position(f);
        let verify = at(&|s| s.ins == 0x20 && s.lc > 0).unwrap();
        let sign = at(&|s| s.ins == 0x2A && s.p2 == 0x00).unwrap();
        let clear = at(&|s| clears(s)).unwrap();
        assert!(
            verify < sign && sign < clear,
            "{persona}: {verify} {sign} {clear}"
        );
    }
}

/// Issue 19 part 4: the 窓口's 対面確認 through pcscd and vpcd. taro: every check passed; its
/// face data with one signed byte changed: the face signature fails, named; nise: the challenge
/// answer fails; a wrong 照合番号B: PIN_INCORRECT with 9 left. Never the 入力補助AP nor the My
/// Number image; one VERIFY; 照合番号B cleared for the other client.
fn in_person_check(pcscd: &Pcscd) {
    use mynacard_core::card::Check;
    use mynacard_virtual_card::App;
    let issuer = pki::record_ca_key().to_public_key();
    let b = mynacard_core::CardNumberB::new("55021720352285").unwrap();
    for case in ["taro", "tampered", "nise", "wrong"] {
        let mut virtual_card =
            VirtualCard::builtin(if case == "nise" { "nise" } else { "taro" }).unwrap();
        if case == "tampered" {
            let mut face = virtual_card.file(App::Surface, 0x0002).unwrap().to_vec();
            let at = face.windows(4).position(|w| w == b"IHDR").unwrap();
            face[at + 6] ^= 0x01;
            assert!(virtual_card.set_file(App::Surface, 0x0002, face));
        }
        let inserted = pcscd.insert(virtual_card);
        let mut card = block_on(MynaCard::connect(pcscd.connect().unwrap())).unwrap();
        let other = raw_client(pcscd);
        let number = if case == "wrong" {
            mynacard_core::CardNumberB::new("55021720350000").unwrap()
        } else {
            b.clone()
        };
        let result = block_on(card.in_person_check(&number, None, Some(&issuer)));
        match case {
            "wrong" => assert_eq!(
                result.unwrap_err(),
                Error::Pin(mynacard_core::error::PinError::Incorrect { remaining: 9 })
            ),
            _ => {
                let a = result.unwrap().authenticity;
                assert_eq!(a.genuine(), case == "taro", "{case}: {a:?}");
                assert_eq!(a.key_record, Check::Passed, "{case}");
                let face_ok = case != "tampered";
                assert_eq!(a.face_signature.passed(), face_ok, "{case}");
                assert_eq!(a.challenge_answer.passed(), case != "nise", "{case}");
            }
        }
        // EF 0002 by short id from the other client: 照合番号B is not left verified.
        let returned = surface_closed_after_one_verify(card, other, inserted, 0x82, case);
        assert!(
            returned
                .touched()
                .iter()
                .all(|t| t.0 != App::Assist && t.1 != Some(0x0005)),
            "{case}: {:?}",
            returned.touched()
        );
    }
}

/// Issue 14 (b): while the SDK authenticates and signs, a second client sends GET DATA
/// (`00 CA`, a command the SDK never sends) as fast as pcscd lets it. In the card's own log,
/// at most one such command lies between an operation's VERIFY and its clearing SELECT (the one
/// pcsc-lite had admitted before the transaction began; docs/pcsc.md), never two, and the hammer
/// did land commands between the operations.
fn no_interleaving(pcscd: &Pcscd) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};
    let inserted = pcscd.insert(VirtualCard::builtin("taro").unwrap());
    drop(pcscd.connect().unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let landed = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let hammer = {
        let (stop, landed, refused) = (stop.clone(), landed.clone(), refused.clone());
        let client = raw_client(pcscd);
        std::thread::spawn(move || {
            let mut buf = [0u8; 300];
            while !stop.load(Ordering::Relaxed) {
                match client.transmit(&[0x00, 0xCA, 0x01, 0x01, 0x00], &mut buf) {
                    Ok(_) => landed.fetch_add(1, Ordering::Relaxed),
                    Err(_) => {
                        std::thread::sleep(Duration::from_micros(200));
                        refused.fetch_add(1, Ordering::Relaxed)
                    }
                };
            }
        })
    };
    let started = Instant::now();
    while landed.load(Ordering::Relaxed) < 10 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the hammer never landed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut card = block_on(MynaCard::connect(pcscd.connect().unwrap())).unwrap();
    const ROUNDS: usize = 8;
    // A pause between operations until the hammer has landed there (inside them there is no
    // room): a fixed pause missed every gap on a loaded machine, where the hammer's client
    // sleeps out a sharing violation (pcsc-lite's lock poll) while a transaction runs.
    let room_for_the_hammer = || {
        let before = landed.load(Ordering::Relaxed);
        let until = Instant::now() + Duration::from_secs(3);
        while landed.load(Ordering::Relaxed) == before && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(2));
        }
    };
    for _ in 0..ROUNDS {
        block_on(card.authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(b"c"))).unwrap();
        room_for_the_hammer();
        block_on(
            card.sign_with_sign_key(&SignPin::new("TARO2025").unwrap(), SignInput::data(b"d")),
        )
        .unwrap();
        room_for_the_hammer();
    }
    stop.store(true, Ordering::Relaxed);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !hammer.is_finished() {
        assert!(Instant::now() < deadline, "the hammer did not stop");
        std::thread::sleep(Duration::from_millis(5));
    }
    hammer.join().unwrap();
    drop(card);
    let returned = inserted.remove();
    let seen = returned.seen();
    let mut operations = 0;
    let mut hammered_between = 0;
    let mut admitted_inside = 0;
    let mut i = 0;
    while i < seen.len() {
        if seen[i].ins == 0x20 && seen[i].lc > 0 {
            operations += 1;
            let end = (i..seen.len())
                .find(|&j| clears(&seen[j]))
                .expect("every VERIFY is followed by the clearing");
            assert!(
                seen[i..end].iter().any(|s| s.ins == 0x2A),
                "a signature between VERIFY and clearing"
            );
            // pcsc-lite admits a transmit (RFCheckSharing, src/winscard.c) before it takes the
            // reader's mutex (IFDTransmit), and SCardBeginTransaction does not wait for a
            // transmit already admitted: one APDU per other client may land inside a transaction
            // when its pcscd thread is descheduled (docs/pcsc.md). A second one would mean the
            // SDK's transaction did not hold.
            let foreign = seen[i..=end].iter().filter(|s| s.ins == 0xCA).count();
            assert!(
                foreign <= 1,
                "{foreign} APDUs of another client between VERIFY and the clearing: {:?}",
                &seen[i..=end]
            );
            admitted_inside += foreign;
            i = end;
        } else if seen[i].ins == 0xCA && operations > 0 && operations < 2 * ROUNDS {
            hammered_between += 1;
        }
        i += 1;
    }
    assert_eq!(operations, 2 * ROUNDS);
    eprintln!(
        "hammer: {} APDUs landed ({} between the SDK's operations, {} admitted before a \
         transaction began and run inside it), {} refused during them",
        landed.load(Ordering::Relaxed),
        hammered_between,
        admitted_inside,
        refused.load(Ordering::Relaxed)
    );
    assert!(
        hammered_between > 0,
        "the hammer never got between two operations, so the test proved nothing"
    );
}

fn short_apdus(pcscd: &Pcscd) {
    let _inserted = pcscd.insert(VirtualCard::builtin("hanako").unwrap());
    let transport = pcscd.connect().unwrap().with_extended_length(false);
    // hanako's card answers 6F00 to the first APDU after power-on; the SDK resends that SELECT.
    let mut card = block_on(MynaCard::connect(transport)).unwrap();
    let before = card.stats().apdus;
    let cert = block_on(card.read_auth_certificate()).unwrap();
    assert_eq!(
        card.stats().apdus - before,
        1 + cert.der().len().div_ceil(256)
    );
}

/// Issue 23.6, the vpcd TCP_QUICKACK fix (`tests/virtual-card/src/vpcd.rs` `quick_ack`):
/// vpcd writes a frame's length and payload in two sends, and without quick ACKs Nagle's
/// algorithm holds the second until Linux's delayed ACK of the first (40 ms) on every APDU.
/// The median round trip must stay far below that figure (measured with the same clock, in
/// the same run: a ratio, not a speed goal).
fn round_trips(pcscd: &Pcscd) {
    const DELAYED_ACK: std::time::Duration = std::time::Duration::from_millis(40);
    let _inserted = pcscd.insert(VirtualCard::builtin("taro").unwrap());
    let mut transport = pcscd.connect().unwrap();
    let mut times: Vec<std::time::Duration> = (0..60)
        .map(|_| {
            let t = std::time::Instant::now();
            let answer = block_on(transport.transmit(&SELECT_JPKI)).unwrap();
            let took = t.elapsed();
            assert_eq!(answer, [0x90, 0x00]);
            took
        })
        .collect();
    times.sort();
    let (median, p90) = (times[times.len() / 2], times[times.len() * 9 / 10]);
    eprintln!(
        "round trip over pcscd + vpcd: median {median:?}, p90 {p90:?} ({:.3} of the delayed-ACK 40 ms)",
        median.as_secs_f64() / DELAYED_ACK.as_secs_f64()
    );
    assert!(
        median < DELAYED_ACK / 4,
        "median APDU round trip {median:?}: the delayed-ACK stall is back"
    );
}

fn pins(pcscd: &Pcscd) {
    let inserted = pcscd.insert(VirtualCard::builtin("taro").unwrap());
    let mut card = block_on(MynaCard::connect(pcscd.connect().unwrap())).unwrap();
    let e = block_on(card.authenticate(&AuthPin::new("9999").unwrap(), SignInput::data(b"c")))
        .unwrap_err();
    assert_eq!(e, Error::Pin(PinError::Incorrect { remaining: 2 }));
    drop(card);
    let mut returned = inserted.remove();
    assert_eq!(returned.pin_tries(App::Jpki, 0x0018), Some(2));
    returned.set_pin_tries(App::Jpki, 0x0018, 0);
    returned.clear_seen();
    let inserted = pcscd.insert(returned);
    let mut card = block_on(MynaCard::connect(pcscd.connect().unwrap())).unwrap();
    let e = block_on(card.authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(b"c")))
        .unwrap_err();
    assert_eq!(e, Error::Pin(PinError::Locked));
    drop(card);
    let returned = inserted.remove();
    assert_eq!(
        returned
            .seen()
            .iter()
            .filter(|s| s.ins == 0x20 && s.lc > 0)
            .count(),
        0
    );
}

fn card_pulled(pcscd: &Pcscd) {
    let inserted = pcscd.insert(VirtualCard::builtin("taro").unwrap());
    let mut card = block_on(MynaCard::connect(pcscd.connect().unwrap())).unwrap();
    block_on(card.read_auth_certificate()).unwrap();
    drop(inserted.remove());
    // Wait until pcscd has noticed the empty slot (its reader polling), as with a real pull.
    let started = std::time::Instant::now();
    while pcscd.card_present() {
        assert!(
            started.elapsed().as_secs() < 10,
            "pcscd never noticed the card was gone"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let e = block_on(card.read_auth_ca_certificate()).unwrap_err();
    assert_eq!(e, Error::Transport(TransportError::CardRemoved));
}

fn opensc(pcscd: &Pcscd) {
    let inserted = pcscd.insert(VirtualCard::builtin("taro").unwrap());
    // Wait until pcscd has powered the card.
    drop(pcscd.connect().unwrap());
    let dir = std::env::temp_dir().join(format!("mynacard-opensc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // OpenSC tools (scripts/setup.sh installs opensc), each under a deadline.
    let out = |cmd: &mut Command| harness::run_ok(cmd, None, harness::MEDIUM).unwrap().text();
    // The JPKI driver recognises the card.
    let info = out(Command::new("opensc-tool").args(["--reader", "0", "--name"]));
    assert!(info.contains("jpki"), "{info}");
    // pkcs15-tool reads the 利用者証明用 certificate: the same bytes as the card holds.
    let listing = out(Command::new("pkcs15-tool").args(["--reader", "0", "--list-certificates"]));
    assert!(
        listing.to_lowercase().contains("user authentication"),
        "{listing}"
    );
    let pem = out(Command::new("pkcs15-tool").args(["--reader", "0", "--read-certificate", "01"]));
    let cert =
        JpkiCertificate::from_pem(&pem[pem.find("-----BEGIN").expect("a PEM certificate")..])
            .unwrap();
    assert_eq!(cert.der(), pki::persona("taro").unwrap().auth_cert);
    // pkcs11-tool signs with the 利用者証明用 key (RSA-PKCS over a SHA-256 DigestInfo); the
    // core verifies the signature against the certificate OpenSC read.
    let data = dir.join("data.bin");
    std::fs::write(&data, b"signed through OpenSC").unwrap();
    let sig = dir.join("sig.bin");
    let module = opensc_pkcs11_module();
    // pkcs11-tool on the first slot, logged in with `pin`.
    let pkcs11 = |pin: &str| {
        let mut c = Command::new("pkcs11-tool");
        c.arg("--module")
            .arg(&module)
            .args(["--slot-index", "0", "--login", "--pin", pin]);
        c
    };
    out(pkcs11("1234")
        .args(["--sign", "--mechanism", "SHA256-RSA-PKCS", "--id", "01"])
        .arg("--input-file")
        .arg(&data)
        .arg("--output-file")
        .arg(&sig));
    let signature = std::fs::read(&sig).unwrap();
    verify::verify_signature(&cert, SignInput::data(b"signed through OpenSC"), &signature).unwrap();

    // A wrong PIN through OpenSC: OpenSC and the SDK then report the same remaining count.
    let refused =
        harness::run(pkcs11("9999").arg("--list-objects"), None, harness::MEDIUM).unwrap();
    assert!(!refused.success());
    assert!(
        refused.stderr_text().contains("CKR_PIN_INCORRECT"),
        "{refused:?}"
    );
    let opensc_tries = |pcscd: &Pcscd| {
        let pins = out(Command::new("pkcs15-tool").args(["--reader", "0", "--list-pins"]));
        let auth = &pins[pins
            .find("User Authentication PIN")
            .expect("auth PIN listed")..];
        let line = auth.lines().find(|l| l.contains("Tries left")).unwrap();
        let opensc: u8 = line.rsplit(':').next().unwrap().trim().parse().unwrap();
        let mut card = block_on(MynaCard::connect(pcscd.connect().unwrap())).unwrap();
        let sdk = block_on(card.pin_state(CardPin::JpkiAuth)).unwrap();
        (opensc, sdk)
    };
    assert_eq!(opensc_tries(pcscd), (2, PinState::Remaining(2)));
    // The right PIN through OpenSC restores the counter, seen the same way by both.
    out(pkcs11("1234").arg("--list-objects"));
    assert_eq!(opensc_tries(pcscd), (3, PinState::Remaining(3)));
    drop(inserted);
    std::fs::remove_dir_all(&dir).ok();
}

fn opensc_pkcs11_module() -> std::path::PathBuf {
    for p in [
        "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
        "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
        "/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so",
        "/usr/lib/opensc-pkcs11.so",
    ] {
        if std::path::Path::new(p).exists() {
            return p.into();
        }
    }
    panic!("opensc-pkcs11.so not found: run scripts/setup.sh");
}

/// The `mynacard` binary, built by `cargo build --workspace` (scripts/test.sh builds first).
fn cli_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let bin = dir.join("mynacard");
    assert!(
        bin.exists(),
        "{} missing: build the workspace first (scripts/test.sh does)",
        bin.display()
    );
    bin
}

fn cli(pcscd: &Pcscd) {
    let _inserted = pcscd.insert(VirtualCard::builtin("taro").unwrap());
    drop(pcscd.connect().unwrap());
    let reader = format!("pcsc:{}", pcscd.reader_name());
    let run = |args: &[&str], stdin: &str| {
        harness::run_ok(
            Command::new(cli_binary())
                .args(["--reader", &reader])
                .args(args),
            Some(stdin.as_bytes()),
            harness::MEDIUM,
        )
        .unwrap()
        .text()
    };
    assert!(run(&["tries", "-q"], "").contains("jpki_auth"));
    assert!(run(&["auth", "--pin-stdin", "-q"], "1234\n").contains("signature verifies"));
    assert!(run(&["four-info", "--pin-stdin", "-q"], "1234\n").contains("〓田　太郎"));
}

/// Issue 17: `mynacard doctor` over the real pcscd: what is in the vpcd reader decides the
/// finding; the doctor presents no PIN (no VERIFY reaches the card).
fn doctor(pcscd: &Pcscd) {
    let empty_sysfs = std::env::temp_dir().join(format!("mynacard-doctor-{}", std::process::id()));
    std::fs::create_dir_all(&empty_sysfs).unwrap();
    let findings = || -> (bool, Vec<(String, String)>) {
        let out = harness::run(
            Command::new(cli_binary())
                .args(["doctor", "--json"])
                .env("MYNACARD_DOCTOR_ROOT", &empty_sysfs),
            None,
            harness::MEDIUM,
        )
        .unwrap();
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        let rows = rows
            .iter()
            .map(|r| {
                (
                    r["code"].as_str().unwrap().to_owned(),
                    r["reader"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        (out.status.success(), rows)
    };
    let reader = pcscd.reader_name();
    for (persona, want) in [("taro", "READY"), ("juki", "NOT_MY_NUMBER_CARD")] {
        let inserted = pcscd.insert(VirtualCard::builtin(persona).unwrap());
        drop(pcscd.connect().unwrap());
        let (ok, rows) = findings();
        // vpcd also lists a second, empty slot.
        assert!(
            rows.contains(&(want.to_owned(), reader.clone())),
            "{persona}: {rows:?}"
        );
        assert!(
            rows.iter()
                .all(|(code, r)| r == &reader || code == "NO_CARD"),
            "{rows:?}"
        );
        // Exit status 0: a reader can be used (the card's slot, or the empty one).
        assert!(ok, "{persona}: exit status");
        let card = inserted.remove();
        assert_eq!(
            card.count_ins(0x20),
            0,
            "{persona}: the doctor sent a VERIFY"
        );
    }
    // The reader without a card: usable, nothing on it.
    let (ok, rows) = findings();
    assert!(rows.contains(&("NO_CARD".to_owned(), reader)), "{rows:?}");
    assert!(rows.iter().all(|(code, _)| code == "NO_CARD"), "{rows:?}");
    assert!(ok);
    // With pcscd running, a client pointed at another socket finds no service: what a user
    // without pcscd sees (and what the CLI's own test relies on).
    let out = harness::run(
        Command::new(cli_binary())
            .args(["doctor", "--json"])
            .env("MYNACARD_DOCTOR_ROOT", &empty_sysfs)
            .env("PCSCLITE_CSOCK_NAME", empty_sysfs.join("none.comm")),
        None,
        harness::MEDIUM,
    )
    .unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["code"], "PCSC_SERVICE_DOWN");
    assert!(!out.status.success());
    std::fs::remove_dir_all(&empty_sysfs).ok();
}

/// soltia48's `myna-card`, whose behaviour comes from probing issued cards, must accept the
/// virtual card as it accepts a real one.
fn myna_card_client(pcscd: &Pcscd) {
    use myna_card::ap::jpki::{JpkiAp, SignatureScheme, TokenType};
    use myna_card::ap::text::TextAp;
    use myna_card::transport::pcsc::{Sharing, connect};
    use myna_card::{Pin, Retries};
    let inserted = pcscd.insert(VirtualCard::builtin("taro").unwrap());
    drop(pcscd.connect().unwrap());
    let mut card = connect(&pcscd.reader_name(), Sharing::Shared).expect("myna-card connects");
    {
        let mut jpki = JpkiAp::select(&mut card).expect("SELECT JPKI");
        assert!(matches!(jpki.read_token_type().unwrap(), TokenType::Card));
        assert_eq!(
            jpki.read_auth_certificate_der().unwrap(),
            pki::persona("taro").unwrap().auth_cert
        );
        assert_eq!(
            jpki.read_auth_ca_certificate_der().unwrap(),
            pki::auth_ca_der()
        );
        assert!(matches!(
            jpki.auth_pin_retries().unwrap(),
            Retries::Remaining(3)
        ));
        assert!(matches!(
            jpki.sign_pin_retries().unwrap(),
            Retries::Remaining(5)
        ));
        jpki.verify_auth_pin(&Pin::new("1234").unwrap()).unwrap();
        let digest_info = SignInput::data(b"myna-card").digest_info().unwrap();
        let sig = jpki
            .sign_with_auth_key(SignatureScheme::Verbatim, &digest_info)
            .unwrap();
        let cert = JpkiCertificate::from_der(pki::persona("taro").unwrap().auth_cert).unwrap();
        verify::verify_signature(&cert, SignInput::data(b"myna-card"), &sig).unwrap();
        jpki.verify_sign_pin(&Pin::new("TARO2025").unwrap())
            .unwrap();
        assert_eq!(
            jpki.read_sign_certificate_der().unwrap(),
            pki::persona("taro").unwrap().sign_cert
        );
    }
    {
        let mut text = TextAp::select(&mut card).expect("SELECT 券面事項入力補助AP");
        text.verify_pin(&Pin::new("1234").unwrap()).unwrap();
        let attrs = text
            .read_attributes()
            .expect("myna-card parses the virtual 4情報");
        assert_eq!(attrs.name, "\u{E0A1}田　太郎");
        assert_eq!(
            (
                attrs.birth_date.year,
                attrs.birth_date.month,
                attrs.birth_date.day
            ),
            (1980, 2, 17)
        );
        assert!(attrs.address.len() >= 128, "long-form length parsed");
        let my_number = text
            .read_my_number()
            .expect("myna-card parses the My Number EF");
        assert_eq!(my_number.as_str(), "123456789018");
    }
    drop(card);
    let returned = inserted.remove();
    // The virtual card saw nothing it refused with a wrong-state or parameter error.
    assert!(
        returned
            .seen()
            .iter()
            .all(|s| s.sw == 0x9000 || s.sw & 0xFFF0 == 0x63C0),
        "{:?}",
        returned
            .seen()
            .iter()
            .filter(|s| s.sw != 0x9000)
            .collect::<Vec<_>>()
    );
}

/// siketyan's jpki-cli: reads the certificates and the PIN status, reads 基本4情報 and signs with
/// the 利用者証明用 key (both behind a PIN it reads from a terminal, so they run on a pty).
fn jpki_cli(pcscd: &Pcscd) {
    let _inserted = pcscd.insert(VirtualCard::builtin("taro").unwrap());
    drop(pcscd.connect().unwrap());
    let bin = peers::jpki_cli().expect("jpki-cli not installed: run scripts/setup.sh");
    let out = |args: &[&str]| {
        harness::run_ok(Command::new(&bin).args(args), None, harness::MEDIUM)
            .unwrap()
            .stdout
    };
    let persona = pki::persona("taro").unwrap();
    assert_eq!(
        out(&["crypto", "--auth", "read-certificate"]),
        persona.auth_cert
    );
    assert_eq!(
        out(&["crypto", "--auth", "--ca", "read-certificate"]),
        pki::auth_ca_der()
    );
    assert_eq!(
        String::from_utf8_lossy(&out(&["crypto", "--auth", "stat"])).trim(),
        "3"
    );

    // 基本4情報 through the 券面事項入力補助AP, as JSON on the terminal.
    let shown = peers::run_on_tty(
        &bin,
        &["support", "get", "attributes"],
        None,
        "pin_hint",
        "1234",
        harness::MEDIUM,
    )
    .unwrap();
    let json = &shown[shown.find('{').expect("no JSON from jpki-cli")..];
    let json = &json[..=json.rfind('}').unwrap()];
    let attributes: serde_json::Value = serde_json::from_str(json).unwrap();
    let resident = mynacard_virtual_card::Persona::builtin("taro").unwrap();
    assert_eq!(attributes["name"], resident.name.as_str());
    assert_eq!(attributes["address"], resident.address.as_str());
    assert_eq!(attributes["date_of_birth"], resident.birth.replace('-', ""));
    assert_eq!(attributes["sex"], "Male");

    // A signature with the 利用者証明用 key over a SHA-1 DigestInfo (jpki-cli's only digest),
    // checked by the core against the certificate the card holds.
    let dir = std::env::temp_dir().join(format!("mynacard-jpki-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sig_path = dir.join("signature.bin");
    let document = b"signed through jpki-cli";
    peers::run_on_tty(
        &bin,
        &["crypto", "--auth", "sign", sig_path.to_str().unwrap()],
        Some(document),
        "pin_hint",
        "1234",
        harness::MEDIUM,
    )
    .unwrap();
    let signature = std::fs::read(&sig_path).unwrap();
    let cert = mynacard_core::JpkiCertificate::from_der(persona.auth_cert).unwrap();
    let digest = mynacard_core::DigestAlgorithm::Sha1.hash(document);
    verify::verify_signature(
        &cert,
        SignInput::digest(mynacard_core::DigestAlgorithm::Sha1, &digest),
        &signature,
    )
    .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    // Both PINs were right: the counters are full again.
    assert_eq!(
        String::from_utf8_lossy(&out(&["crypto", "--auth", "stat"])).trim(),
        "3"
    );
}

/// 暗証番号の変更 through pcscd, checked against third-party clients both ways: PINs the SDK
/// (and its CLI) changed are the ones myna-card and OpenSC then verify; PINs myna-card changed
/// (its `change_reference_data`, the form the SDK sends) are the ones the SDK then uses. OpenSC's
/// JPKI driver has no change command (`jpki_pin_cmd`: no `SC_PIN_CMD_CHANGE`): its
/// `--change-pin` must fail without spending a try or changing anything.
fn pin_change(pcscd: &Pcscd) {
    use myna_card::ap::jpki::JpkiAp;
    use myna_card::ap::text::TextAp;
    use myna_card::transport::pcsc::{Sharing, connect};
    use myna_card::{Pin, Retries};
    let inserted = pcscd.insert(VirtualCard::builtin("taro").unwrap());
    let mut card = block_on(MynaCard::connect(pcscd.connect().unwrap())).unwrap();
    let auth = |p: &str| AuthPin::new(p).unwrap();
    let sign = |p: &str| SignPin::new(p).unwrap();
    let assist = |p: &str| AssistPin::new(p).unwrap();
    block_on(card.change_auth_pin(&auth("1234"), &auth("5678"))).unwrap();
    block_on(card.change_sign_pin(&sign("TARO2025"), &sign("NEWPASS9"))).unwrap();
    block_on(card.change_assist_pin(&assist("1234"), &assist("0000"))).unwrap();
    drop(card);

    // myna-card, a separate PC/SC client: the old PINs are wrong, the new ones right.
    let mut peer = connect(&pcscd.reader_name(), Sharing::Shared).expect("myna-card connects");
    {
        let mut jpki = JpkiAp::select(&mut peer).expect("SELECT JPKI");
        assert!(matches!(
            jpki.verify_auth_pin(&Pin::new("1234").unwrap()),
            Err(myna_card::Error::PinIncorrect { retries: Some(2) })
        ));
        jpki.verify_auth_pin(&Pin::new("5678").unwrap())
            .expect("myna-card verifies the PIN the SDK set");
        jpki.verify_sign_pin(&Pin::new("NEWPASS9").unwrap())
            .expect("myna-card verifies the password the SDK set");
        let mut text = TextAp::select(jpki.card()).expect("SELECT 入力補助AP");
        text.verify_pin(&Pin::new("0000").unwrap())
            .expect("myna-card verifies the assist PIN the SDK set");
    }
    drop(peer);

    // OpenSC verifies the new 利用者証明用 PIN, and cannot change it.
    let opensc = |args: &[&str]| {
        harness::run(
            Command::new("pkcs15-tool")
                .args(["--reader", "0"])
                .args(args),
            None,
            harness::MEDIUM,
        )
        .unwrap()
    };
    let old = opensc(&["--verify-pin", "--auth-id", "01", "--pin", "1234"]);
    assert!(!old.success(), "OpenSC accepted the old PIN: {old:?}");
    let verified = opensc(&["--verify-pin", "--auth-id", "01", "--pin", "5678"]);
    assert!(verified.success(), "{verified:?}");
    let refused = opensc(&[
        "--change-pin",
        "--auth-id",
        "01",
        "--pin",
        "5678",
        "--new-pin",
        "1111",
    ]);
    assert!(!refused.success(), "OpenSC changed a JPKI PIN: {refused:?}");
    eprintln!(
        "pkcs15-tool --change-pin on JPKI: {}",
        refused.stderr_text().trim()
    );

    // The other way: myna-card changes all three, the SDK uses its values.
    let mut peer = connect(&pcscd.reader_name(), Sharing::Shared).expect("myna-card connects");
    {
        let mut jpki = JpkiAp::select(&mut peer).expect("SELECT JPKI");
        jpki.change_auth_pin(&Pin::new("5678").unwrap(), &Pin::new("2468").unwrap())
            .expect("myna-card changes the 利用者証明用 PIN");
        jpki.change_sign_pin(
            &Pin::new("NEWPASS9").unwrap(),
            &Pin::new("PEER2026").unwrap(),
        )
        .expect("myna-card changes the 署名用 password");
        assert!(matches!(
            jpki.auth_pin_retries().unwrap(),
            Retries::Remaining(3) | Retries::NotReported
        ));
        let mut text = TextAp::select(jpki.card()).expect("SELECT 入力補助AP");
        text.change_pin(&Pin::new("0000").unwrap(), &Pin::new("1357").unwrap())
            .expect("myna-card changes the assist PIN");
    }
    drop(peer);
    let mut card = block_on(MynaCard::connect(pcscd.connect().unwrap())).unwrap();
    // OpenSC's refused change spent nothing and changed nothing: 5678 is wrong now only
    // because myna-card changed it.
    let e = block_on(card.authenticate(&auth("5678"), SignInput::data(b"c"))).unwrap_err();
    assert_eq!(e, Error::Pin(PinError::Incorrect { remaining: 2 }));
    let challenge = [3u8; 32];
    let done = block_on(card.authenticate(&auth("2468"), SignInput::data(&challenge))).unwrap();
    mynacard_virtual_card::checks::assert_authentication(&done, &challenge, NOW);
    let signed = block_on(card.sign(&sign("PEER2026"), SignInput::data(b"doc"))).unwrap();
    verify::verify_signature(
        &signed.certificate,
        SignInput::data(b"doc"),
        &signed.signature,
    )
    .unwrap();
    let fi = block_on(card.read_four_info(&assist("1357"))).unwrap();
    assert_eq!(fi.four_info.name.to_marked_string(), "〓田　太郎");
    drop(card);

    // The CLI on the PC/SC reader puts the 利用者証明用 PIN back; myna-card accepts it.
    let reader = format!("pcsc:{}", pcscd.reader_name());
    let changed = harness::run_ok(
        Command::new(cli_binary()).args([
            "--reader",
            &reader,
            "change-pin",
            "auth",
            "--pin-stdin",
            "-q",
        ]),
        Some(b"2468\n1234\n1234\n"),
        harness::MEDIUM,
    )
    .unwrap()
    .text();
    assert!(changed.contains("を変更しました"), "{changed}");
    let mut peer = connect(&pcscd.reader_name(), Sharing::Shared).expect("myna-card connects");
    JpkiAp::select(&mut peer)
        .expect("SELECT JPKI")
        .verify_auth_pin(&Pin::new("1234").unwrap())
        .expect("myna-card verifies the PIN the CLI set");
    drop(peer);

    let returned = inserted.remove();
    // The SDK's three changes, myna-card's three, the CLI's one; every one answered 9000.
    let changes: Vec<_> = returned.seen().iter().filter(|s| s.ins == 0x24).collect();
    assert_eq!(changes.len(), 7, "{changes:?}");
    assert!(
        changes
            .iter()
            .all(|s| s.sw == 0x9000 && s.p1 == 0x01 && s.p2 == 0x80)
    );
}
