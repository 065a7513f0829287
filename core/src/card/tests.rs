use pollster::block_on;
use sha2::{Digest, Sha256};

use super::testing::{CLEAR, Scripted, hex, hex_of};
use super::*;
use crate::digest::{DigestAlgorithm, SignInput};
use crate::error::CardKind;
use crate::error::{CardError, PinError};
use crate::pin::{AssistPin, AuthPin};
use crate::transport::TransportError;

const CERT_PEM: &str = include_str!("../../anchors/auth_ca_2023.pem");

fn cert_der() -> Vec<u8> {
    crate::cert::JpkiCertificate::from_pem(CERT_PEM)
        .unwrap()
        .der()
        .to_vec()
}

fn ok(data: &[u8]) -> Vec<u8> {
    [data, &[0x90, 0x00]].concat()
}

#[test]
fn connect_is_two_apdus() {
    let card = block_on(MynaCard::connect(Scripted::new(true).connected())).unwrap();
    assert_eq!(card.stats().apdus, 2);
    assert!(card.transport().done());
}

#[test]
fn a_card_refusing_short_ef_ids_is_served_by_select_for_the_session() {
    let der = cert_der();
    let s = Scripted::new(true)
        .connected_without_short_ef_ids()
        // No second short-id attempt: SELECT EF, then the extended READ by offset.
        .expect("00A4020C02000A", "9000")
        .expect_raw(hex("00B0000000 0000"), ok(&der))
        .expect("00A4020C020018", "9000")
        .expect("00200080", "63C3")
        .expect("002000800431323334", "9000");
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    assert_eq!(card.stats().apdus, 4);
    assert_eq!(block_on(card.read_auth_certificate()).unwrap().der(), der);
    let pin = AuthPin::new("1234").unwrap();
    block_on(card.verify_pin(CardPin::JpkiAuth, &pin)).unwrap();
    assert!(card.transport().done());
}

#[test]
fn verify_uses_the_form_the_tries_check_got_through() {
    // The card reads by short EF id but refuses it in VERIFY: the tries check is asked again
    // through SELECT EF, and the one VERIFY goes to the selected EF (P2 = 80).
    let s = Scripted::new(false)
        .connected()
        .expect("00200098", "6A86")
        .expect("00A4020C020018", "9000")
        .expect("00200080", "63C3")
        .expect("002000800431323334", "9000");
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    block_on(card.verify_pin(CardPin::JpkiAuth, &AuthPin::new("1234").unwrap())).unwrap();
    assert!(card.transport().done());
    let verifies = card
        .transport()
        .sent
        .iter()
        .filter(|c| c.len() > 4 && c[1] == 0x20)
        .count();
    assert_eq!(verifies, 1);
}

#[test]
fn a_missing_pin_ef_is_absent_not_an_error() {
    let s = Scripted::new(false)
        .connected()
        .expect("0020009B", "6A88")
        .expect("00A4020C02001B", "6A82");
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    assert_eq!(
        block_on(card.pin_state(CardPin::JpkiSign)).unwrap(),
        PinState::Absent
    );
}

#[test]
fn wrong_cards_are_refused() {
    for (token, kind) in [
        (&b"JPKIAPICCTOKEN"[..], CardKind::JukiCard),
        (b"JPKIAPGPSETOKEN", CardKind::Smartphone),
    ] {
        let mut t = token.to_vec();
        t.resize(32, b' ');
        let s = Scripted::new(false)
            .expect("00A4040C0AD392F000260100000001", "9000")
            .expect_raw(hex("00B0860020"), ok(&t));
        assert_eq!(
            block_on(MynaCard::connect(s)).unwrap_err(),
            Error::Card(CardError::WrongCard { found: kind })
        );
    }
    // No token EF: the short-id READ finds nothing, nor does SELECT.
    let s = Scripted::new(false)
        .expect("00A4040C0AD392F000260100000001", "9000")
        .expect("00B0860020", "6A82")
        .expect("00A4020C020006", "6A82");
    assert_eq!(
        block_on(MynaCard::connect(s)).unwrap_err(),
        Error::Card(CardError::WrongCard {
            found: CardKind::Unknown
        })
    );
    let s = Scripted::new(false).expect("00A4040C0AD392F000260100000001", "6A82");
    assert_eq!(
        block_on(MynaCard::connect(s)).unwrap_err(),
        Error::Card(CardError::WrongCard {
            found: CardKind::Unknown
        })
    );
}

#[test]
fn first_apdu_6f00_is_resent_once() {
    let s = Scripted::new(false)
        .expect("00A4040C0AD392F000260100000001", "6F00")
        .connected();
    let card = block_on(MynaCard::connect(s)).unwrap();
    assert_eq!(card.stats().apdus, 3);
    let s = Scripted::new(false)
        .expect("00A4040C0AD392F000260100000001", "6F00")
        .expect("00A4040C0AD392F000260100000001", "6F00");
    assert_eq!(
        block_on(MynaCard::connect(s)).unwrap_err(),
        Error::Card(CardError::UnexpectedStatus { sw: 0x6F00 })
    );
}

#[test]
fn certificate_in_one_extended_read_with_filler_trimmed() {
    let der = cert_der();
    let mut file = der.clone();
    file.extend_from_slice(&[0xFF; 100]);
    // One READ BINARY by short EF id (8A = 80|0A), no SELECT EF.
    let s = Scripted::new(true)
        .connected()
        .expect_raw(hex("00B08A00 000000"), ok(&file));
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    let cert = block_on(card.read_auth_certificate()).unwrap();
    assert_eq!(cert.der(), der.as_slice());
    assert_eq!(card.stats().apdus, 3);
    assert!(card.transport().done());
}

#[test]
fn certificate_in_fewest_short_reads() {
    let der = cert_der();
    // The first short read asks for 256 (Le 00) and gets up to 256; then exact lengths.
    let s = Scripted::new(false)
        .connected()
        .expect("00A4020C02000A", "9000")
        .expect_raw(hex("00B0000000"), ok(&der[..256.min(der.len())]))
        .short_reads(&der, 256.min(der.len()));
    let reads = der.len().div_ceil(256);
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    let cert = block_on(card.read_auth_certificate()).unwrap();
    assert_eq!(cert.der(), der.as_slice());
    assert_eq!(card.stats().apdus, 2 + 1 + reads);
    assert!(card.transport().done());
}

#[test]
fn extended_refused_falls_back_to_short() {
    let der = cert_der();
    let s = Scripted::new(true)
        .connected()
        .expect("00B08A00 000000", "6700")
        .expect("00A4020C02000A", "9000")
        .expect_raw(hex("00B0000000"), ok(&der[..256]))
        .short_reads(&der, 256);
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    assert!(block_on(card.read_auth_certificate()).is_ok());
    assert!(!card.capabilities().extended_length);
}

/// The extended READ of the 利用者証明用 certificate by its short EF id (8A = 80|0A), which the
/// signing calls make first to learn the key.
const READ_AUTH_CERT: &str = "00B08A00000000";

fn sign_script(tries: &str, verify: Option<&str>) -> Scripted {
    // The certificate first (an RSA key: a DigestInfo is sent); the PIN EF named by its short
    // EF id (98 = 80|18) in both VERIFYs: no SELECT EF.
    let s = Scripted::new(true)
        .connected()
        .expect_raw(hex(READ_AUTH_CERT), ok(&cert_der()))
        .expect("00200098", tries);
    match verify {
        Some(sw) => s.expect("002000980431323334", sw),
        None => s,
    }
}

#[test]
fn auth_signature_is_seven_apdus_from_cold() {
    let di = SignInput::data(b"challenge").digest_info().unwrap();
    let sig = vec![0x5A; 256];
    // The key EF is named in P2 (80|17): no SELECT of the key EF.
    let s = sign_script("63C3", Some("9000"))
        .expect_raw(
            [&[0x80, 0x2A, 0x00, 0x97, di.len() as u8][..], &di, &[0x00]].concat(),
            ok(&sig),
        )
        .cleared();
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    let pin = AuthPin::new("1234").unwrap();
    assert_eq!(
        block_on(card.sign_with_auth_key(&pin, SignInput::data(b"challenge"))).unwrap(),
        sig
    );
    // connect (2) + certificate, tries, VERIFY, SIGN, the clearing SELECT; the JPKI SELECT
    // was shared.
    assert_eq!(card.stats().apdus, 7);
    assert!(card.transport().done());
}

#[test]
fn locked_pin_sends_no_verify() {
    for sw in ["63C0", "6984", "6983"] {
        let mut card = block_on(MynaCard::connect(sign_script(sw, None))).unwrap();
        let pin = AuthPin::new("1234").unwrap();
        let e = block_on(card.sign_with_auth_key(&pin, SignInput::data(b"x"))).unwrap_err();
        assert_eq!(e, Error::Pin(PinError::Locked));
        assert!(card.transport().done());
        assert!(
            !card
                .transport()
                .sent
                .iter()
                .any(|c| c.len() > 4 && c[1] == 0x20),
            "a VERIFY with data went out"
        );
    }
}

#[test]
fn wrong_pin_reports_remaining_and_is_not_retried() {
    for (sw, remaining) in [("63C2", 2), ("63C0", 0)] {
        let mut card =
            block_on(MynaCard::connect(sign_script("63C3", Some(sw)).cleared())).unwrap();
        let pin = AuthPin::new("1234").unwrap();
        let e = block_on(card.sign_with_auth_key(&pin, SignInput::data(b"x"))).unwrap_err();
        assert_eq!(e, Error::Pin(PinError::Incorrect { remaining }));
        assert!(card.transport().done());
    }
    let mut card = block_on(MynaCard::connect(
        sign_script("63C3", Some("6984")).cleared(),
    ))
    .unwrap();
    let e =
        block_on(card.sign_with_auth_key(&AuthPin::new("1234").unwrap(), SignInput::data(b"x")))
            .unwrap_err();
    assert_eq!(e, Error::Pin(PinError::Locked));
}

#[test]
fn tries_after_correct_pin_are_not_a_failure() {
    // 63C3 (most cards) and 9000 (some cards) right after a correct VERIFY.
    for sw in ["63C3", "9000"] {
        let s = Scripted::new(false).connected().expect("00200098", sw);
        let mut card = block_on(MynaCard::connect(s)).unwrap();
        let state = block_on(card.pin_state(CardPin::JpkiAuth)).unwrap();
        assert!(matches!(state, PinState::Remaining(3) | PinState::Verified));
    }
}

#[test]
fn bad_digest_sends_nothing() {
    let mut card = block_on(MynaCard::connect(Scripted::new(false).connected())).unwrap();
    let e = block_on(card.sign_with_auth_key(
        &AuthPin::new("1234").unwrap(),
        SignInput::digest(DigestAlgorithm::Sha256, &[1; 20]),
    ))
    .unwrap_err();
    assert_eq!(e.code(), "INVALID_ARGUMENT");
    assert_eq!(card.stats().apdus, 2);
}

#[test]
fn transport_failure_and_garbage_are_typed_errors() {
    let s = Scripted::new(false)
        .connected()
        .fail("00A4020C02000A", TransportError::CardRemoved);
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    assert_eq!(
        block_on(card.read_auth_certificate()).unwrap_err(),
        Error::Transport(TransportError::CardRemoved)
    );

    let s = Scripted::new(false)
        .connected()
        .expect("00A4020C02000A", "90");
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    assert_eq!(
        block_on(card.read_auth_certificate()).unwrap_err().code(),
        "MALFORMED_RESPONSE"
    );

    let s = Scripted::new(false)
        .connected()
        .expect("00A4020C02000A", "9000")
        .expect("00B0000000", "3003020100 9000");
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    assert_eq!(
        block_on(card.read_auth_certificate()).unwrap_err().code(),
        "CERTIFICATE_INVALID"
    );

    // A header that promises more than the card then gives.
    let s = Scripted::new(false)
        .connected()
        .expect("00A4020C02000A", "9000")
        .expect("00B0000000", "30820632 9000")
        .expect("00B0000400", "9000");
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    assert_eq!(
        block_on(card.read_auth_certificate()).unwrap_err().code(),
        "MALFORMED_RESPONSE"
    );
}

fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut v = tag.to_vec();
    if value.len() < 128 {
        v.push(value.len() as u8);
    } else {
        v.extend_from_slice(&[0x82, (value.len() >> 8) as u8, value.len() as u8]);
    }
    v.extend_from_slice(value);
    v
}

fn four_info_files(tamper: bool) -> (Vec<u8>, Vec<u8>) {
    let body = [
        tlv(&[0xDF, 0x21], &[0; 8]),
        tlv(&[0xDF, 0x22], "番号\u{E000}花子".as_bytes()),
        tlv(&[0xDF, 0x23], "東京都千代田区霞が関".as_bytes()),
        tlv(&[0xDF, 0x24], b"19800217"),
        tlv(&[0xDF, 0x25], b"2"),
    ]
    .concat();
    let file = tlv(&[0xFF, 0x20], &body);
    let start = file.len() - body.len() + tlv(&[0xDF, 0x21], &[0; 8]).len();
    let mut h = Sha256::digest(&file[start..]).to_vec();
    if tamper {
        h[0] ^= 1;
    }
    let integrity = tlv(
        &[0xFF, 0x30],
        &[
            tlv(&[0xDF, 0x31], &[7; 32]),
            tlv(&[0xDF, 0x32], &h),
            tlv(&[0xDF, 0x33], &[1; 256]),
        ]
        .concat(),
    );
    (file, integrity)
}

fn four_info_script(tamper: bool) -> Scripted {
    let (file, integrity) = four_info_files(tamper);
    Scripted::new(true)
        .connected()
        .expect("00A4040C0AD39210003100010104 08", "9000")
        .expect("00200091", "63C3")
        .expect("0020009104 31323334", "9000")
        .expect_raw(hex("00B08200 000000"), ok(&file))
        .expect_raw(hex("00B08300 000000"), ok(&integrity))
        .cleared()
}

#[test]
fn four_info_is_read_and_hash_checked() {
    let mut card = block_on(MynaCard::connect(four_info_script(false))).unwrap();
    let read = block_on(card.read_four_info(&AssistPin::new("1234").unwrap())).unwrap();
    assert_eq!(read.four_info.name.to_marked_string(), "番号〓花子");
    let integrity = read.integrity.verified().expect("checked");
    assert_eq!(integrity.signature.len(), 256);
    assert_eq!(integrity.signed_data.len(), 2 * 35);
    assert_eq!(read.integrity.code(), "verified");
    assert!(card.transport().done());
    assert!(!format!("{read:?}").contains("花子"));

    let mut card = block_on(MynaCard::connect(four_info_script(true))).unwrap();
    let e = block_on(card.read_four_info(&AssistPin::new("1234").unwrap())).unwrap_err();
    assert_eq!(e.code(), "INTEGRITY_MISMATCH");
}

#[test]
fn progress_is_reported() {
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut card = block_on(MynaCard::connect(four_info_script(false))).unwrap();
    let s2 = seen.clone();
    card.set_progress(Box::new(move |p| s2.lock().unwrap().push(*p)));
    block_on(card.read_four_info(&AssistPin::new("1234").unwrap())).unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[0],
        Progress::Selecting {
            application: Application::Assist
        }
    );
    assert!(seen.contains(&Progress::VerifyingPin {
        pin: CardPin::Assist
    }));
    assert!(
        seen.iter()
            .any(|p| matches!(p, Progress::Reading { ef: 2, done, total } if done == total))
    );
    let _ = hex_of(&[]);
}

/// Native futures of every operation are `Send`, so apps can run them on any executor thread
/// (the uniffi face needs it).
#[test]
fn operation_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let mut card = block_on(MynaCard::connect(Scripted::new(false).connected())).unwrap();
    let pin = AuthPin::new("1234").unwrap();
    send(&card.authenticate(&pin, SignInput::data(b"x")));
    send(&card.read_four_info(&crate::AssistPin::new("1234").unwrap()));
    send(&card.all_pin_states());
    send(&card.change_pin(PinKind::Auth, "1234", "5678"));
    send(&card.change_auth_pin(&pin, &pin));
}

// ---- command forms (issue 14) ---------------------------------------------------------------

fn sign_command(p2: u8, di: &[u8]) -> Vec<u8> {
    [&[0x80, 0x2A, 0x00, p2, di.len() as u8][..], di, &[0x00]].concat()
}

#[test]
fn a_refused_short_id_signature_falls_back_once_to_select_ef_and_is_remembered() {
    let di = SignInput::data(b"challenge").digest_info().unwrap();
    let sig = vec![0x5A; 256];
    for refusal in ["6A86", "6982", "6F00", "6A88", "6D00", "6985"] {
        let s = sign_script("63C3", Some("9000"))
            .expect_raw(sign_command(0x97, &di), hex(refusal))
            // The PIN stays verified: SELECT EF inside the JPKI AP keeps the security state.
            .expect("00A4020C020017", "9000")
            .expect_raw(sign_command(0x80, &di), ok(&sig))
            .cleared()
            // The second signature of the session: the JPKI AP again (the clearing left it),
            // the proven form at once, no second VERIFY beyond the one the operation makes.
            .expect("00A4040C0AD392F000260100000001", "9000")
            .expect_raw(hex(READ_AUTH_CERT), ok(&cert_der()))
            .expect("00200098", "63C3")
            .expect("002000980431323334", "9000")
            .expect("00A4020C020017", "9000")
            .expect_raw(sign_command(0x80, &di), ok(&sig))
            .cleared();
        let mut card = block_on(MynaCard::connect(s)).unwrap();
        let pin = AuthPin::new("1234").unwrap();
        for _ in 0..2 {
            assert_eq!(
                block_on(card.sign_with_auth_key(&pin, SignInput::data(b"challenge"))).unwrap(),
                sig,
                "{refusal}"
            );
        }
        assert!(card.transport().done());
        let verifies = card
            .transport()
            .sent
            .iter()
            .filter(|c| c.len() > 4 && c[1] == 0x20)
            .count();
        assert_eq!(verifies, 2, "one VERIFY per operation");
    }
}

#[test]
fn a_signature_is_never_retried_after_a_link_failure() {
    let di = SignInput::data(b"x").digest_info().unwrap();
    let s = sign_script("63C3", Some("9000"))
        .fail(&hex_of(&sign_command(0x97, &di)), TransportError::Timeout)
        // Not the signature again: the clearing, which the link failure does not excuse.
        .cleared();
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    let e =
        block_on(card.sign_with_auth_key(&AuthPin::new("1234").unwrap(), SignInput::data(b"x")))
            .unwrap_err();
    assert_eq!(e, Error::Transport(TransportError::Timeout));
    assert!(card.transport().done());
}

#[test]
fn on_a_card_without_short_ids_the_signature_takes_the_peer_form_directly() {
    let di = SignInput::data(b"c").digest_info().unwrap();
    let sig = vec![0x11; 256];
    let s = Scripted::new(true)
        .connected_without_short_ef_ids()
        .expect("00A4020C02000A", "9000")
        .expect_raw(hex("00B0000000 0000"), ok(&cert_der()))
        .expect("00A4020C020018", "9000")
        .expect("00200080", "63C3")
        .expect("002000800431323334", "9000")
        .expect("00A4020C020017", "9000")
        .expect_raw(sign_command(0x80, &di), ok(&sig))
        .cleared();
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    block_on(card.sign_with_auth_key(&AuthPin::new("1234").unwrap(), SignInput::data(b"c")))
        .unwrap();
    assert!(card.transport().done());
    // connect 4, then exactly the peers' 7: SELECT + READ of the certificate (its key decides
    // what is signed), SELECT PIN EF, tries, VERIFY, SELECT key, SIGN; and the clearing.
    assert_eq!(card.stats().apdus, 4 + 7 + 1);
}

#[test]
fn any_refusal_of_a_short_id_tries_query_falls_back_to_select_ef() {
    for refusal in ["6982", "6F00", "6985", "6A88", "6400"] {
        let s = Scripted::new(false)
            .connected()
            .expect("00200098", refusal)
            .expect("00A4020C020018", "9000")
            .expect("00200080", "63C3")
            .expect("002000800431323334", "9000")
            // Remembered: the next tries query goes straight to the selected EF.
            .expect("00200080", "63C3");
        let mut card = block_on(MynaCard::connect(s)).unwrap();
        block_on(card.verify_pin(CardPin::JpkiAuth, &AuthPin::new("1234").unwrap())).unwrap();
        assert_eq!(
            block_on(card.pin_state(CardPin::JpkiAuth)).unwrap(),
            PinState::Remaining(3),
            "{refusal}"
        );
        assert!(card.transport().done(), "{refusal}");
    }
}

#[test]
fn any_refusal_of_a_short_id_read_falls_back_to_select_ef() {
    for refusal in ["6F00", "6982", "6985", "6400"] {
        let mut t = b"JPKIAPICCTOKEN2".to_vec();
        t.resize(32, b' ');
        let s = Scripted::new(false)
            .expect("00A4040C0AD392F000260100000001", "9000")
            .expect("00B0860020", refusal)
            .expect("00A4020C020006", "9000")
            .expect_raw(hex("00B0000020"), ok(&t));
        let card = block_on(MynaCard::connect(s));
        assert!(card.is_ok(), "{refusal}: connect must not fail");
    }
}

#[test]
fn a_link_failure_on_the_first_extended_read_retries_it_once_in_short_reads() {
    let der = cert_der();
    for e in [
        TransportError::Other {
            detail: "reader cannot".into(),
        },
        TransportError::Timeout,
    ] {
        let s = Scripted::new(true)
            .connected()
            .fail("00B08A00 000000", e.clone())
            // The link failure forgot the selection: SELECT AP, SELECT EF, short reads.
            .expect("00A4040C0AD392F000260100000001", "9000")
            .expect("00A4020C02000A", "9000")
            .expect_raw(hex("00B0000000"), ok(&der[..256]))
            .short_reads(&der, 256);
        let mut card = block_on(MynaCard::connect(s)).unwrap();
        assert_eq!(block_on(card.read_auth_certificate()).unwrap().der(), der);
        assert!(
            !card.capabilities().extended_length,
            "the session stays short"
        );
        assert!(card.transport().done());
    }
    // Once an extended READ was answered, a link failure is an error, not retried.
    let mut file = der.clone();
    file.extend_from_slice(&[0xFF; 10]);
    let s = Scripted::new(true)
        .connected()
        .expect_raw(hex("00B08A00 000000"), ok(&file))
        .fail("00B08B00 000000", TransportError::Timeout);
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    block_on(card.read_auth_certificate()).unwrap();
    assert_eq!(
        block_on(card.read_auth_ca_certificate()).unwrap_err(),
        Error::Transport(TransportError::Timeout)
    );
    // Cancelled is the caller's wish: never retried.
    let s = Scripted::new(true)
        .connected()
        .fail("00B08A00 000000", TransportError::Cancelled);
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    assert_eq!(
        block_on(card.read_auth_certificate()).unwrap_err(),
        Error::Transport(TransportError::Cancelled)
    );
}

#[test]
fn four_info_with_a_closed_integrity_file_is_returned_marked_not_checkable() {
    let (file, _) = four_info_files(false);
    let s = Scripted::new(true)
        .connected()
        .expect("00A4040C0AD39210003100010104 08", "9000")
        .expect("00200095", "63CA")
        .expect_raw(
            [hex("002000950E"), b"55021720352285".to_vec()].concat(),
            hex("9000"),
        )
        .expect_raw(hex("00B08200 000000"), ok(&file))
        .expect("00B08300 000000", "6982")
        .expect("00A4020C020003", "9000")
        .expect("00B0000000 0000", "6982")
        .cleared();
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    let b = crate::pin::CardNumberB::new("55021720352285").unwrap();
    let read = block_on(card.read_four_info_with_card_number_b(&b)).unwrap();
    assert_eq!(
        read.integrity,
        Integrity::NotCheckable {
            reason: NotCheckableReason::IntegrityFileClosed
        }
    );
    assert!(read.integrity.verified().is_none());
    assert_eq!(read.integrity.code(), "integrity_file_closed");
    assert_eq!(read.four_info.name.to_marked_string(), "番号〓花子");
    assert!(card.transport().done());
}

// ---- no PIN left verified, no interleaving (issue 14) ---------------------------------------

const SELECT_JPKI: &str = "00A4040C0AD392F000260100000001";
const SELECT_ASSIST: &str = "00A4040C0AD39210003100010104 08";

fn auth_sign(card: &mut MynaCard<Scripted>) -> Result<Vec<u8>, Error> {
    block_on(card.sign_with_auth_key(&AuthPin::new("1234").unwrap(), SignInput::data(b"x")))
}

/// The events of the operation after connect: exchanges (hex) and the exclusive stretch.
fn events_after_connect(card: &MynaCard<Scripted>) -> Vec<String> {
    card.transport().events[2..].to_vec()
}

#[test]
fn the_security_state_is_cleared_inside_the_exclusive_stretch_after_success() {
    let di = SignInput::data(b"x").digest_info().unwrap();
    let s = sign_script("63C3", Some("9000"))
        .expect_raw(sign_command(0x97, &di), ok(&[0x5A; 256]))
        .cleared();
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    auth_sign(&mut card).unwrap();
    assert!(card.transport().done());
    assert_eq!(
        events_after_connect(&card),
        [
            "begin".to_string(),
            READ_AUTH_CERT.into(),
            "00200098".into(),
            "002000980431323334".into(),
            hex_of(&sign_command(0x97, &di)),
            CLEAR.into(),
            "end".into(),
        ]
    );
    assert_eq!(card.transport().verifies(), 1);
}

#[test]
fn the_security_state_is_cleared_after_every_failure_that_follows_a_verify() {
    let di = SignInput::data(b"x").digest_info().unwrap();
    let sign = hex_of(&sign_command(0x97, &di));
    let cases: Vec<(&str, Scripted, Error)> = vec![
        (
            "wrong PIN",
            sign_script("63C3", Some("63C2")),
            Error::Pin(PinError::Incorrect { remaining: 2 }),
        ),
        (
            "VERIFY lost on the link",
            sign_script("63C3", None).fail("002000980431323334", TransportError::Timeout),
            Error::Transport(TransportError::Timeout),
        ),
        (
            "signature refused in both forms",
            sign_script("63C3", Some("9000"))
                .expect(&sign, "6A80")
                .expect("00A4020C020017", "9000")
                .expect_raw(sign_command(0x80, &di), hex("6A80")),
            Error::Card(CardError::UnexpectedStatus { sw: 0x6A80 }),
        ),
        (
            "signature lost on the link",
            sign_script("63C3", Some("9000"))
                .fail(&sign, TransportError::Other { detail: "x".into() }),
            Error::Transport(TransportError::Other { detail: "x".into() }),
        ),
        (
            "signature too short",
            sign_script("63C3", Some("9000")).expect(&sign, "0102 9000"),
            Error::Card(CardError::MalformedResponse {
                what: "signature shorter than any RSA key",
            }),
        ),
    ];
    for (name, script, expected) in cases {
        let mut card = block_on(MynaCard::connect(script.cleared())).unwrap();
        assert_eq!(auth_sign(&mut card).unwrap_err(), expected, "{name}");
        assert!(card.transport().done(), "{name}: the clearing was not sent");
        let events = events_after_connect(&card);
        assert_eq!(
            events[events.len() - 2..],
            [CLEAR.to_string(), "end".into()],
            "{name}"
        );
        assert!(card.transport().verifies() <= 1, "{name}: a second VERIFY");
    }
}

#[test]
fn nothing_to_clear_without_a_verify_and_nothing_to_send_to_a_removed_card() {
    // Locked: no VERIFY, so no clearing; the stretch still begins and ends.
    let mut card = block_on(MynaCard::connect(sign_script("63C0", None))).unwrap();
    assert_eq!(
        auth_sign(&mut card).unwrap_err(),
        Error::Pin(PinError::Locked)
    );
    assert!(card.transport().done());
    assert_eq!(
        events_after_connect(&card),
        ["begin", READ_AUTH_CERT, "00200098", "end"].map(String::from)
    );
    // The card left the reader after the VERIFY: it lost power, which cleared it.
    let di = SignInput::data(b"x").digest_info().unwrap();
    let s = sign_script("63C3", Some("9000")).fail(
        &hex_of(&sign_command(0x97, &di)),
        TransportError::CardRemoved,
    );
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    assert_eq!(
        auth_sign(&mut card).unwrap_err(),
        Error::Transport(TransportError::CardRemoved)
    );
    assert!(card.transport().done());
    // Operations without a PIN take no exclusive stretch and clear nothing.
    let mut card = block_on(MynaCard::connect(
        Scripted::new(false).connected().expect("00200098", "63C3"),
    ))
    .unwrap();
    block_on(card.pin_state(CardPin::JpkiAuth)).unwrap();
    assert_eq!(events_after_connect(&card), ["00200098"].map(String::from));
}

#[test]
fn a_refused_exclusive_stretch_sends_nothing() {
    let mut s = Scripted::new(false).connected();
    s.refuse_begin = Some(TransportError::Other {
        detail: "SCardBeginTransaction".into(),
    });
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    assert_eq!(
        auth_sign(&mut card).unwrap_err().code(),
        "TRANSPORT",
        "the stretch's error"
    );
    assert_eq!(card.stats().apdus, 2);
    assert_eq!(events_after_connect(&card), ["begin"].map(String::from));
}

#[test]
fn a_card_refusing_the_issuer_security_domain_is_cleared_by_another_ap_and_remembered() {
    let di = SignInput::data(b"x").digest_info().unwrap();
    let sign_ok = |s: Scripted| s.expect_raw(sign_command(0x97, &di), ok(&[0x5A; 256]));
    let s = sign_ok(sign_script("63C3", Some("9000")))
        .expect(CLEAR, "6A82")
        // Leaving the JPKI AP for 入力補助AP clears its PINs.
        .expect(SELECT_ASSIST, "9000")
        // The next operation: back to the JPKI AP; the clearing goes straight to the other
        // AP.
        .expect(SELECT_JPKI, "9000")
        .expect_raw(hex(READ_AUTH_CERT), ok(&cert_der()))
        .expect("00200098", "63C3")
        .expect("002000980431323334", "9000");
    let s = sign_ok(s).expect(SELECT_ASSIST, "9000");
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    auth_sign(&mut card).unwrap();
    auth_sign(&mut card).unwrap();
    assert!(card.transport().done());
    assert_eq!(card.transport().verifies(), 2, "one per operation");

    // 4情報 (入力補助AP): the other AP is the JPKI AP.
    let (file, integrity) = four_info_files(false);
    let s = Scripted::new(true)
        .connected()
        .expect(SELECT_ASSIST, "9000")
        .expect("00200091", "63C3")
        .expect("0020009104 31323334", "9000")
        .expect_raw(hex("00B08200 000000"), ok(&file))
        .expect_raw(hex("00B08300 000000"), ok(&integrity))
        .expect(CLEAR, "6A82")
        .expect(SELECT_JPKI, "9000");
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    block_on(card.read_four_info(&AssistPin::new("1234").unwrap())).unwrap();
    assert!(card.transport().done());
}

#[test]
fn a_clearing_that_fails_after_success_is_the_operations_error() {
    // The signature was made, but the PIN may still be verified: the caller must know (and
    // close the session, which unpowers the card).
    let di = SignInput::data(b"x").digest_info().unwrap();
    let s = sign_script("63C3", Some("9000"))
        .expect_raw(sign_command(0x97, &di), ok(&[0x5A; 256]))
        .expect(CLEAR, "6A82")
        .fail(SELECT_ASSIST, TransportError::Timeout);
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    assert_eq!(
        auth_sign(&mut card).unwrap_err(),
        Error::Transport(TransportError::Timeout)
    );
    assert!(card.transport().done());
    assert_eq!(
        card.transport().events.last().map(String::as_str),
        Some("end")
    );
    assert_eq!(card.transport().verifies(), 1);
}

#[test]
fn every_pin_operation_clears_the_security_state() {
    // authenticate (from a card refusing short ids: the peers' forms, then the clearing).
    let der = cert_der();
    let di = SignInput::data(b"c").digest_info().unwrap();
    let s = Scripted::new(true)
        .connected_without_short_ef_ids()
        .expect("00A4020C02000A", "9000")
        .expect_raw(hex("00B0000000 0000"), ok(&der))
        .expect("00A4020C020018", "9000")
        .expect("00200080", "63C3")
        .expect("002000800431323334", "9000")
        .expect("00A4020C020017", "9000")
        .expect_raw(sign_command(0x80, &di), ok(&[0x11; 256]))
        .cleared();
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    block_on(card.authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(b"c"))).unwrap();
    assert!(card.transport().done());
    // This connect took 4 exchanges.
    let events = &card.transport().events[4..];
    assert_eq!(events.first().map(String::as_str), Some("begin"));
    assert_eq!(events.last().map(String::as_str), Some("end"));
    // The 署名用 certificate behind the sign PIN (2 tries query + VERIFY + READ + clearing).
    let s = Scripted::new(true)
        .connected()
        .expect("0020009B", "63C5")
        .expect_raw(
            [hex("0020009B08"), b"TARO2025".to_vec()].concat(),
            hex("9000"),
        )
        .expect_raw(hex("00B08100 000000"), ok(&der))
        .cleared();
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    block_on(card.read_sign_certificate(&crate::pin::SignPin::new("TARO2025").unwrap())).unwrap();
    assert!(card.transport().done());
}

#[test]
fn a_cancel_right_after_the_verify_still_clears_the_security_state() {
    // A browser link refuses every command once its AbortSignal fired; the clearing goes out
    // anyway (`Transport::clearing`), inside the exclusive stretch, and the cancel is reported.
    let mut s = sign_script("63C3", Some("9000")).cleared();
    s.cancel_after = Some(5); // connect's 2, the certificate, the tries check, the VERIFY
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    assert_eq!(
        auth_sign(&mut card).unwrap_err(),
        Error::Transport(TransportError::Cancelled)
    );
    assert!(card.transport().done());
    assert_eq!(card.transport().sent_clearing, [CLEAR.to_string()]);
    assert_eq!(
        events_after_connect(&card),
        [
            "begin".to_string(),
            hex_of(&hex(READ_AUTH_CERT)),
            "00200098".into(),
            "002000980431323334".into(),
            CLEAR.into(),
            "end".into(),
        ]
    );
    assert!(
        !card.transport().clearing,
        "clearing(false) after the clearing"
    );
}

/// The change of the 利用者証明用 PIN 1234 → 5678 after connect, as the peers send it: SELECT
/// the PIN EF, tries, VERIFY, CHANGE REFERENCE DATA on the current EF (`change` the answer to
/// it, `None` for a script that stops before it).
fn change_auth_script(tries: &str, verify: Option<&str>, change: Option<&str>) -> Scripted {
    let s = Scripted::new(true)
        .connected()
        .expect("00A4020C020018", "9000")
        .expect("00200080", tries);
    let s = match verify {
        Some(sw) => s.expect("002000800431323334", sw),
        None => s,
    };
    match change {
        Some(sw) => s.expect("002401800435363738", sw),
        None => s,
    }
}

fn change_auth(card: &mut MynaCard<Scripted>) -> Result<(), Error> {
    block_on(card.change_auth_pin(
        &AuthPin::new("1234").unwrap(),
        &AuthPin::new("5678").unwrap(),
    ))
}

#[test]
fn a_pin_change_is_select_verify_change_then_cleared_in_one_stretch() {
    let s = change_auth_script("63C3", Some("9000"), Some("9000")).cleared();
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    change_auth(&mut card).unwrap();
    assert!(card.transport().done());
    assert_eq!(
        events_after_connect(&card),
        [
            "begin",
            "00A4020C020018",
            "00200080",
            "002000800431323334",
            "002401800435363738",
            CLEAR,
            "end",
        ]
    );
    assert_eq!(card.transport().verifies(), 1);
    // The session's short-id VERIFY form is untouched: a later authentication may use it.
    assert_eq!(card.short_verify, ShortEfIds::Untried);
}

#[test]
fn the_sign_password_and_the_assist_pin_change_in_their_own_efs() {
    // 署名用: EF 001B in the JPKI AP; lower case is the same password (upper-cased).
    let s = Scripted::new(true)
        .connected()
        .expect("00A4020C02001B", "9000")
        .expect("00200080", "63C5")
        .expect("00200080085441524F32303235", "9000")
        .expect("00240180084E45575041535331", "9000")
        .cleared();
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    block_on(card.change_pin(PinKind::Sign, "TARO2025", "newpass1")).unwrap();
    assert!(card.transport().done());
    // 券面事項入力補助用: the 入力補助AP is selected first, EF 0011.
    let s = Scripted::new(true)
        .connected()
        .expect("00A4040C0AD3921000310001010408", "9000")
        .expect("00A4020C020011", "9000")
        .expect("00200080", "63C3")
        .expect("002000800431323334", "9000")
        .expect("002401800430303030", "9000")
        .cleared();
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    block_on(card.change_pin(PinKind::Assist, "1234", "0000")).unwrap();
    assert!(card.transport().done());
}

#[test]
fn a_malformed_current_or_new_pin_sends_nothing() {
    let cases: [(PinKind, &str, &str, Error); 8] = [
        (
            PinKind::Auth,
            "123",
            "5678",
            Error::Pin(PinError::Format {
                kind: PinKind::Auth,
            }),
        ),
        (
            PinKind::Auth,
            "1234",
            "56a8",
            Error::Pin(PinError::Format {
                kind: PinKind::Auth,
            }),
        ),
        (
            PinKind::Auth,
            "1234",
            "",
            Error::Pin(PinError::Format {
                kind: PinKind::Auth,
            }),
        ),
        (
            PinKind::Sign,
            "TARO2025",
            "SHORT",
            Error::Pin(PinError::Format {
                kind: PinKind::Sign,
            }),
        ),
        (
            PinKind::Sign,
            "TARO2025",
            "A1B2C3D4E5F6G7H8I",
            Error::Pin(PinError::Format {
                kind: PinKind::Sign,
            }),
        ),
        (
            PinKind::Assist,
            "1234",
            "12345",
            Error::Pin(PinError::Format {
                kind: PinKind::Assist,
            }),
        ),
        (
            PinKind::CardNumberB,
            "55021720352285",
            "55021720352285",
            Error::Usage(UsageError::InvalidArgument {
                what: "照合番号 and the birth-date key cannot be changed: only auth, sign and assist PINs",
            }),
        ),
        (
            PinKind::BirthDate,
            "550217",
            "550217",
            Error::Usage(UsageError::InvalidArgument {
                what: "照合番号 and the birth-date key cannot be changed: only auth, sign and assist PINs",
            }),
        ),
    ];
    for (kind, current, new, expected) in cases {
        let mut card = block_on(MynaCard::connect(Scripted::new(true).connected())).unwrap();
        let e = block_on(card.change_pin(kind, current, new)).unwrap_err();
        assert_eq!(e, expected, "{kind:?} {current:?} -> {new:?}");
        // Not even the exclusive stretch began.
        assert_eq!(card.transport().events.len(), 2, "{kind:?}");
        assert_eq!(card.stats().apdus, 2);
    }
}

#[test]
fn a_locked_pin_is_not_changed_and_no_verify_goes_out() {
    for sw in ["63C0", "6984", "6983"] {
        let mut card = block_on(MynaCard::connect(change_auth_script(sw, None, None))).unwrap();
        assert_eq!(
            change_auth(&mut card).unwrap_err(),
            Error::Pin(PinError::Locked)
        );
        assert!(card.transport().done());
        assert_eq!(card.transport().verifies(), 0);
        // Nothing was presented: nothing to clear.
        assert_eq!(
            events_after_connect(&card),
            ["begin", "00A4020C020018", "00200080", "end"]
        );
    }
}

#[test]
fn a_wrong_current_pin_is_one_attempt_with_the_tries_left_and_no_change() {
    for (sw, expected) in [
        ("63C2", Error::Pin(PinError::Incorrect { remaining: 2 })),
        ("63C0", Error::Pin(PinError::Incorrect { remaining: 0 })),
        ("6984", Error::Pin(PinError::Locked)),
    ] {
        let s = change_auth_script("63C3", Some(sw), None).cleared();
        let mut card = block_on(MynaCard::connect(s)).unwrap();
        assert_eq!(change_auth(&mut card).unwrap_err(), expected, "{sw}");
        assert!(card.transport().done());
        assert_eq!(card.transport().verifies(), 1);
        assert!(
            !card.transport().sent.iter().any(|c| c[1] == 0x24),
            "a CHANGE went out after a wrong PIN"
        );
    }
}

#[test]
fn a_refused_or_lost_change_is_typed_and_still_cleared() {
    let cases: Vec<(Scripted, Error)> = vec![
        (
            change_auth_script("63C3", Some("9000"), Some("6982")),
            Error::Card(CardError::SecurityStatus),
        ),
        (
            change_auth_script("63C3", Some("9000"), Some("6A80")),
            Error::Card(CardError::UnexpectedStatus { sw: 0x6A80 }),
        ),
        (
            change_auth_script("63C3", Some("9000"), None)
                .fail("002401800435363738", TransportError::Timeout),
            Error::Transport(TransportError::Timeout),
        ),
    ];
    for (s, expected) in cases {
        let mut card = block_on(MynaCard::connect(s.cleared())).unwrap();
        assert_eq!(change_auth(&mut card).unwrap_err(), expected);
        assert!(
            card.transport().done(),
            "{expected:?}: the clearing was not sent"
        );
        // Never a second VERIFY, never a second CHANGE.
        assert_eq!(card.transport().verifies(), 1);
        assert_eq!(
            card.transport()
                .sent
                .iter()
                .filter(|c| c[1] == 0x24)
                .count(),
            1
        );
    }
}

#[test]
fn a_card_without_short_ef_ids_changes_the_same_way() {
    let s = Scripted::new(true)
        .connected_without_short_ef_ids()
        .expect("00A4020C020018", "9000")
        .expect("00200080", "63C3")
        .expect("002000800431323334", "9000")
        .expect("002401800435363738", "9000")
        .cleared();
    let mut card = block_on(MynaCard::connect(s)).unwrap();
    change_auth(&mut card).unwrap();
    assert!(card.transport().done());
}
