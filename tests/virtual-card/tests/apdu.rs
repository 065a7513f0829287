//! The virtual card at the APDU level, against the answers recorded from real cards
//! (docs/card-notes.md). Raw bytes only: nothing here goes through the SDK.

use mynacard_virtual_card::{App, VirtualCard, sw};

const JPKI: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
const ASSIST: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];

fn sw_of(r: &[u8]) -> u16 {
    u16::from_be_bytes([r[r.len() - 2], r[r.len() - 1]])
}

fn select_ap(card: &mut VirtualCard, aid: &[u8]) -> u16 {
    let mut c = vec![0x00, 0xA4, 0x04, 0x0C, aid.len() as u8];
    c.extend_from_slice(aid);
    sw_of(&card.process(&c))
}

fn select_ef(card: &mut VirtualCard, fid: u16) -> u16 {
    let [a, b] = fid.to_be_bytes();
    sw_of(&card.process(&[0x00, 0xA4, 0x02, 0x0C, 0x02, a, b]))
}

fn verify(card: &mut VirtualCard, pin: &[u8]) -> u16 {
    let mut c = vec![0x00, 0x20, 0x00, 0x80];
    if !pin.is_empty() {
        c.push(pin.len() as u8);
        c.extend_from_slice(pin);
    }
    sw_of(&card.process(&c))
}

fn taro() -> VirtualCard {
    VirtualCard::builtin("taro").unwrap()
}

#[test]
fn select_and_token() {
    let mut card = taro();
    assert_eq!(
        select_ap(&mut card, &[0xD3, 0x92, 0, 0, 0, 0, 0, 0, 0, 0]),
        sw::FILE_NOT_FOUND
    );
    assert_eq!(select_ap(&mut card, &JPKI), sw::OK);
    assert_eq!(select_ef(&mut card, 0x2F10), sw::FILE_NOT_FOUND);
    assert_eq!(select_ef(&mut card, 0x0006), sw::OK);
    let r = card.process(&[0x00, 0xB0, 0x00, 0x00, 0x20]);
    assert_eq!(sw_of(&r), sw::OK);
    assert_eq!(&r[..32], b"JPKIAPICCTOKEN2                 ");
    // The token EF is 160 bytes (card-evidence §3).
    assert_eq!(card.file(App::Jpki, 0x0006).unwrap().len(), 160);
}

#[test]
fn read_binary_edges() {
    let mut card = taro();
    // No EF selected.
    assert_eq!(
        sw_of(&card.process(&[0x00, 0xB0, 0x00, 0x00, 0x00])),
        sw::NO_CURRENT_EF
    );
    select_ap(&mut card, &JPKI);
    assert_eq!(
        sw_of(&card.process(&[0x00, 0xB0, 0x00, 0x00, 0x00])),
        sw::NO_CURRENT_EF
    );
    select_ef(&mut card, 0x000A);
    let size = card.file(App::Jpki, 0x000A).unwrap().len();
    // The certificate is 1.5-1.8 KB; the EF ends with filler.
    let r = card.process(&[0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00]);
    assert_eq!((r.len() - 2, sw_of(&r)), (size, sw::OK));
    assert_eq!(&r[..2], [0x30, 0x82]);
    let cert_len = usize::from(u16::from_be_bytes([r[2], r[3]])) + 4;
    assert!(
        (1500..=1850).contains(&cert_len),
        "auth cert {cert_len} bytes"
    );
    // Le past the end: the rest, 9000.
    let [a, b] = ((size - 10) as u16).to_be_bytes();
    let r = card.process(&[0x00, 0xB0, a, b, 0x00]);
    assert_eq!((r.len() - 2, sw_of(&r)), (10, sw::OK));
    // Offset at or past the end: 6B00.
    let [a, b] = (size as u16).to_be_bytes();
    assert_eq!(card.process(&[0x00, 0xB0, a, b, 0x00]), [0x6B, 0x00]);
    // Case 1 READ BINARY (no Le) and a length mismatch: 6700.
    assert_eq!(
        sw_of(&card.process(&[0x00, 0xB0, 0x00, 0x00])),
        sw::WRONG_LENGTH
    );
    assert_eq!(
        sw_of(&card.process(&[0x00, 0xB0, 0x00, 0x00, 0x05, 0x01])),
        sw::WRONG_LENGTH
    );
    // Short EF id form: P1 = 80|SFI, P2 = offset.
    let r = card.process(&[0x00, 0xB0, 0x86, 0x00, 0x0F]);
    assert_eq!(&r[..15], b"JPKIAPICCTOKEN2");
    // Internal EF: 6981; key EF likewise.
    select_ef(&mut card, 0x001E);
    assert_eq!(
        sw_of(&card.process(&[0x00, 0xB0, 0x00, 0x00, 0x00])),
        sw::INCOMPATIBLE_FILE
    );
    select_ef(&mut card, 0x0017);
    assert_eq!(
        sw_of(&card.process(&[0x00, 0xB0, 0x00, 0x00, 0x00])),
        sw::INCOMPATIBLE_FILE
    );
}

#[test]
fn protected_files_need_their_pin() {
    let mut card = taro();
    select_ap(&mut card, &JPKI);
    select_ef(&mut card, 0x0001);
    assert_eq!(
        sw_of(&card.process(&[0x00, 0xB0, 0x00, 0x00, 0x04])),
        sw::SECURITY_STATUS
    );
    select_ef(&mut card, 0x001B);
    assert_eq!(verify(&mut card, b"TARO2025"), sw::OK);
    select_ef(&mut card, 0x0001);
    let r = card.process(&[0x00, 0xB0, 0x00, 0x00, 0x04]);
    assert_eq!(&r[..2], [0x30, 0x82]);
    // Signing without the key's PIN: 6982.
    select_ef(&mut card, 0x0017);
    assert_eq!(
        sw_of(&card.process(&[0x80, 0x2A, 0x00, 0x80, 0x03, 1, 2, 3, 0x00])),
        sw::SECURITY_STATUS
    );
}

#[test]
fn pin_counter_locks_as_recorded() {
    let mut card = taro();
    select_ap(&mut card, &JPKI);
    select_ef(&mut card, 0x0018);
    assert_eq!(verify(&mut card, b""), sw::tries(3));
    assert_eq!(verify(&mut card, b"0000"), sw::tries(2));
    assert_eq!(verify(&mut card, b""), sw::tries(2));
    // A correct PIN resets the counter; the tries query still answers 63Cx (OpenSC pull/959).
    assert_eq!(verify(&mut card, b"1234"), sw::OK);
    assert_eq!(verify(&mut card, b""), sw::tries(3));
    assert!(card.is_verified(App::Jpki, 0x0018));
    assert_eq!(verify(&mut card, b"0000"), sw::tries(2));
    assert!(!card.is_verified(App::Jpki, 0x0018));
    assert_eq!(verify(&mut card, b"0000"), sw::tries(1));
    // The VERIFY that spends the last try: 63C0; later ones 6984, even with the right PIN.
    assert_eq!(verify(&mut card, b"0000"), 0x63C0);
    assert_eq!(verify(&mut card, b"1234"), sw::AUTH_BLOCKED);
    assert_eq!(verify(&mut card, b""), 0x63C0);
    assert_eq!(card.pin_tries(App::Jpki, 0x0018), Some(0));
}

#[test]
fn tries_answer_after_correct_pin_is_per_persona() {
    let mut card = VirtualCard::builtin("hanako").unwrap();
    // hanako's card answers 6F00 to the first APDU after power-on.
    assert_eq!(select_ap(&mut card, &JPKI), sw::NO_DIAGNOSIS);
    assert_eq!(select_ap(&mut card, &JPKI), sw::OK);
    select_ef(&mut card, 0x0018);
    assert_eq!(verify(&mut card, b"5678"), sw::OK);
    assert_eq!(verify(&mut card, b""), sw::OK);
}

#[test]
fn security_state_resets_like_the_card() {
    let mut card = taro();
    select_ap(&mut card, &JPKI);
    select_ef(&mut card, 0x0018);
    verify(&mut card, b"1234");
    // Re-selecting the same AP keeps it; a warm reset keeps it.
    select_ap(&mut card, &JPKI);
    assert!(card.is_verified(App::Jpki, 0x0018));
    card.warm_reset();
    assert!(card.is_verified(App::Jpki, 0x0018));
    // After a warm reset nothing is selected: 00 A4 00 00 is refused.
    assert_eq!(card.process(&[0x00, 0xA4, 0x00, 0x00]), [0x6A, 0x86]);
    // Another AP clears it.
    select_ap(&mut card, &ASSIST);
    select_ap(&mut card, &JPKI);
    assert!(!card.is_verified(App::Jpki, 0x0018));
    // Power-off clears it.
    select_ef(&mut card, 0x0018);
    verify(&mut card, b"1234");
    card.power_off();
    card.power_on();
    assert!(!card.is_verified(App::Jpki, 0x0018));
}

const ISSUER_SECURITY_DOMAIN: [u8; 7] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00];

/// What clears a verified PIN on the card and what does not (soltia48/myna-card `src/mf.rs`,
/// `src/lib.rs`; card-evidence §7): SELECT of the Issuer Security Domain or of another AP
/// clears; SELECT MF (3F00 → 6A82, `00 A4 00 00` → 9000 with no effect), a re-SELECT of the
/// same AP and a warm reset keep it.
#[test]
fn only_leaving_the_application_or_power_clears_a_verified_pin() {
    let sign_with_auth_key = |card: &mut VirtualCard| {
        select_ap(card, &JPKI);
        select_ef(card, 0x0017);
        sw_of(&card.process(&[0x80, 0x2A, 0x00, 0x80, 0x01, 0x42, 0x00]))
    };
    let mut card = taro();
    select_ap(&mut card, &JPKI);
    select_ef(&mut card, 0x0018);
    assert_eq!(verify(&mut card, b"1234"), sw::OK);
    // SELECT MF does not leave the AP on this card.
    assert_eq!(
        sw_of(&card.process(&[0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00])),
        sw::FILE_NOT_FOUND
    );
    assert_eq!(card.process(&[0x00, 0xA4, 0x00, 0x00]), [0x90, 0x00]);
    assert!(card.is_verified(App::Jpki, 0x0018));
    assert_eq!(sign_with_auth_key(&mut card), sw::OK);
    // The Issuer Security Domain: 9000, no AP selected, nothing verified.
    assert_eq!(select_ap(&mut card, &ISSUER_SECURITY_DOMAIN), sw::OK);
    assert!(!card.is_verified(App::Jpki, 0x0018));
    assert_eq!(select_ef(&mut card, 0x0017), sw::FILE_NOT_FOUND);
    assert_eq!(sign_with_auth_key(&mut card), sw::SECURITY_STATUS);

    // A card whose Issuer Security Domain is not selectable: 6A82, the state stays; another
    // AP clears it.
    let mut goro = VirtualCard::builtin("goro").unwrap();
    select_ap(&mut goro, &JPKI);
    select_ef(&mut goro, 0x0018);
    assert_eq!(verify(&mut goro, b"1234"), sw::OK);
    assert_eq!(
        select_ap(&mut goro, &ISSUER_SECURITY_DOMAIN),
        sw::FILE_NOT_FOUND
    );
    assert_eq!(sign_with_auth_key(&mut goro), sw::OK);
    assert_eq!(select_ap(&mut goro, &ASSIST), sw::OK);
    assert_eq!(sign_with_auth_key(&mut goro), sw::SECURITY_STATUS);
}

#[test]
fn signs_with_pkcs1_padding_over_given_bytes() {
    use rsa::pkcs1v15::Pkcs1v15Sign;
    use rsa::pkcs8::DecodePublicKey;
    let mut card = taro();
    select_ap(&mut card, &JPKI);
    select_ef(&mut card, 0x0018);
    verify(&mut card, b"1234");
    select_ef(&mut card, 0x0017);
    let data = [0x42u8; 51];
    let mut c = vec![0x80, 0x2A, 0x00, 0x80, data.len() as u8];
    c.extend_from_slice(&data);
    c.push(0x00);
    let r = card.process(&c);
    assert_eq!((r.len(), sw_of(&r)), (258, sw::OK));
    // Check with the certificate's public key, parsed by hand from the SPKI.
    let cert = card.file(App::Jpki, 0x000A).unwrap();
    let spki = find_spki(cert);
    let key = rsa::PublicKey::from_public_key_der(spki).unwrap();
    key.verify(Pkcs1v15Sign::new_unprefixed(), &data, &r[..256])
        .unwrap();
    // Too long for PKCS#1 v1.5 with a 2048-bit key: 6700; P1 other than 00: 6A86.
    let mut c = vec![0x80, 0x2A, 0x00, 0x80, 246];
    c.extend_from_slice(&[0; 246]);
    assert_eq!(sw_of(&card.process(&c)), sw::WRONG_LENGTH);
    assert_eq!(
        sw_of(&card.process(&[0x80, 0x2A, 0x06, 0x80, 0x01, 0x00])),
        sw::WRONG_P1P2
    );
}

/// The SubjectPublicKeyInfo of an RSA certificate: the SEQUENCE that starts with the
/// rsaEncryption AlgorithmIdentifier.
fn find_spki(cert: &[u8]) -> &[u8] {
    let oid = [
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01,
    ];
    let at = cert.windows(oid.len()).position(|w| w == oid).unwrap();
    // 30 82 LL LL 30 0D 06 09 ...
    let start = at - 6;
    assert_eq!(&cert[start..start + 2], [0x30, 0x82]);
    let len = usize::from(u16::from_be_bytes([cert[start + 2], cert[start + 3]])) + 4;
    &cert[start..start + len]
}

#[test]
fn bad_classes_and_instructions() {
    let mut card = taro();
    assert_eq!(card.process(&[0x01, 0xA4, 0x04, 0x0C]), [0x68, 0x81]);
    assert_eq!(card.process(&[0x0C, 0xA4, 0x04, 0x0C]), [0x68, 0x82]);
    assert_eq!(card.process(&[0x0C, 0xB0, 0x00, 0x00, 0x00]), [0x69, 0xFC]);
    assert_eq!(card.process(&[0x00, 0xFE, 0x00, 0x00]), [0x6D, 0x00]);
    assert_eq!(card.process(&[0xA0, 0xA4, 0x00, 0x00]), [0x6E, 0x00]);
    assert_eq!(card.process(&[0x00]), [0x67, 0x00]);
    assert_eq!(card.process(&[]), [0x67, 0x00]);
}

#[test]
fn never_panics_on_any_short_apdu() {
    // Every header over a few bodies, from every state the card can be in.
    let mut card = taro();
    select_ap(&mut card, &JPKI);
    for cla in [0x00u8, 0x80, 0x0C, 0x01, 0xFF] {
        for ins in 0..=255u8 {
            for (p1, p2) in [
                (0, 0),
                (0x04, 0x0C),
                (0x02, 0x0C),
                (0x80, 0x80),
                (0xFF, 0xFF),
            ] {
                for body in [
                    &[][..],
                    &[0x00],
                    &[0x00, 0x00, 0x00],
                    &[0x02, 0x00, 0x18],
                    &[0x05, 1, 2],
                ] {
                    let mut c = vec![cla, ins, p1, p2];
                    c.extend_from_slice(body);
                    let r = card.process(&c);
                    assert!(r.len() >= 2);
                }
            }
        }
    }
}

#[test]
fn counters_of_the_other_pins() {
    let card = taro();
    assert_eq!(card.pin_tries(App::Jpki, 0x001B), Some(5));
    assert_eq!(card.pin_tries(App::Assist, 0x0011), Some(3));
    // 入力補助AP EF 0012 is blocked when issued (card-evidence §1).
    assert_eq!(card.pin_tries(App::Assist, 0x0012), Some(0));
    let locked = VirtualCard::builtin("locked").unwrap();
    assert_eq!(locked.pin_tries(App::Jpki, 0x0018), Some(0));
    assert_eq!(locked.pin_tries(App::Jpki, 0x001B), Some(1));
}

#[test]
fn card_numbers_open_complementary_files() {
    // 照合番号A opens the My Number (0001) and not 4情報 (0002); B the reverse
    // (soltia48/myna-card src/ap/text.rs).
    let read = |card: &mut VirtualCard, fid: u16| {
        select_ef(card, fid);
        sw_of(&card.process(&[0x00, 0xB0, 0x00, 0x00, 0x00]))
    };
    let mut card = taro();
    select_ap(&mut card, &ASSIST);
    select_ef(&mut card, 0x0014);
    assert_eq!(verify(&mut card, b"123456789018"), sw::OK);
    assert_eq!(read(&mut card, 0x0001), sw::OK);
    assert_eq!(read(&mut card, 0x0002), sw::SECURITY_STATUS);
    let mut card = taro();
    select_ap(&mut card, &ASSIST);
    select_ef(&mut card, 0x0015);
    assert_eq!(verify(&mut card, b"55021720352285"), sw::OK);
    assert_eq!(read(&mut card, 0x0002), sw::OK);
    assert_eq!(read(&mut card, 0x0001), sw::SECURITY_STATUS);
}

#[test]
fn key_named_by_short_ef_id_and_card_side_hashing() {
    use rsa::pkcs1v15::Pkcs1v15Sign;
    use rsa::pkcs8::DecodePublicKey;
    use sha2::{Digest, Sha256};
    let mut card = taro();
    select_ap(&mut card, &JPKI);
    select_ef(&mut card, 0x0018);
    verify(&mut card, b"1234");
    let key = rsa::PublicKey::from_public_key_der(find_spki(card.file(App::Jpki, 0x000A).unwrap()))
        .unwrap();
    let sign = |card: &mut VirtualCard, p1: u8, data: &[u8]| {
        // P2 = 80|17: the auth key EF 0017 by short EF id, with no SELECT (myna-card).
        let mut c = vec![0x80, 0x2A, p1, 0x97, data.len() as u8];
        c.extend_from_slice(data);
        c.push(0x00);
        let r = card.process(&c);
        assert_eq!(sw_of(&r), sw::OK, "P1 {p1:02X}");
        r[..r.len() - 2].to_vec()
    };
    let msg = b"message";
    let hash = Sha256::digest(msg);
    key.verify(
        Pkcs1v15Sign::new_unprefixed(),
        msg,
        &sign(&mut card, 0x00, msg),
    )
    .unwrap();
    key.verify(
        Pkcs1v15Sign::new_unprefixed(),
        &hash,
        &sign(&mut card, 0x01, msg),
    )
    .unwrap();
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &hash,
        &sign(&mut card, 0x02, &hash),
    )
    .unwrap();
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &hash,
        &sign(&mut card, 0x03, msg),
    )
    .unwrap();
    // The sign key by SFI needs the sign PIN.
    assert_eq!(
        sw_of(&card.process(&[0x80, 0x2A, 0x00, 0x9A, 0x01, 0x00, 0x00])),
        sw::SECURITY_STATUS
    );
}

/// The command-form personas (issue 14): each refuses one short-EF-id form with its own status
/// word and serves the SELECT EF form every independent client uses; a SELECT EF inside the
/// JPKI AP keeps the verified PIN.
#[test]
fn command_form_personas_refuse_short_ids_and_serve_the_select_form() {
    let sign_p2 = |card: &mut VirtualCard, p2: u8| {
        sw_of(&card.process(&[0x80, 0x2A, 0x00, p2, 0x03, 1, 2, 3, 0x00]))
    };
    // (persona, READ by SFI, tries by SFI, 80 2A by SFI) in the JPKI AP.
    for (id, read_sw, tries_sw, sign_sw) in [
        ("taro", sw::OK, sw::tries(3), sw::OK),
        ("hanako", sw::WRONG_P1P2, sw::WRONG_P1P2, sw::WRONG_P1P2),
        ("jiro", sw::OK, sw::tries(3), sw::WRONG_P1P2),
        ("mai", sw::OK, sw::SECURITY_STATUS, sw::SECURITY_STATUS),
        (
            "shiro",
            sw::NO_DIAGNOSIS,
            sw::NO_DIAGNOSIS,
            sw::NO_DIAGNOSIS,
        ),
    ] {
        let mut card = VirtualCard::builtin(id).unwrap();
        let pin = card.persona().auth_pin.clone();
        // hanako answers the first APDU after power-on with 6F00.
        if select_ap(&mut card, &JPKI) != sw::OK {
            assert_eq!(select_ap(&mut card, &JPKI), sw::OK);
        }
        assert_eq!(
            sw_of(&card.process(&[0x00, 0xB0, 0x86, 0x00, 0x20])),
            read_sw,
            "{id}"
        );
        assert_eq!(
            sw_of(&card.process(&[0x00, 0x20, 0x00, 0x98])),
            tries_sw,
            "{id}"
        );
        select_ef(&mut card, 0x0018);
        assert_eq!(verify(&mut card, pin.as_bytes()), sw::OK, "{id}");
        assert_eq!(sign_p2(&mut card, 0x97), sign_sw, "{id}");
        // SELECT EF of the key keeps the PIN verified: 80 2A 00 80 signs.
        assert_eq!(select_ef(&mut card, 0x0017), sw::OK);
        assert!(card.is_verified(App::Jpki, 0x0018), "{id}");
        assert_eq!(sign_p2(&mut card, 0x80), sw::OK, "{id}");
        // mai and shiro refuse only in the JPKI AP.
        if matches!(id, "mai" | "shiro") {
            select_ap(&mut card, &ASSIST);
            assert_eq!(
                sw_of(&card.process(&[0x00, 0x20, 0x00, 0x91])),
                sw::tries(3)
            );
            assert_eq!(
                sw_of(&card.process(&[0x00, 0xB0, 0x85, 0x00, 0x00])),
                sw::OK
            );
        }
    }
}

#[test]
fn ken_closes_the_integrity_file_to_card_number_b_and_yuki_has_sex_code_3() {
    let mut card = VirtualCard::builtin("ken").unwrap();
    select_ap(&mut card, &ASSIST);
    select_ef(&mut card, 0x0015);
    assert_eq!(verify(&mut card, b"55021720352285"), sw::OK);
    assert_eq!(
        sw_of(&card.process(&[0x00, 0xB0, 0x82, 0x00, 0x00])),
        sw::OK
    );
    assert_eq!(
        sw_of(&card.process(&[0x00, 0xB0, 0x83, 0x00, 0x00])),
        sw::SECURITY_STATUS
    );
    // With the PIN it opens.
    select_ef(&mut card, 0x0011);
    assert_eq!(verify(&mut card, b"1234"), sw::OK);
    assert_eq!(
        sw_of(&card.process(&[0x00, 0xB0, 0x83, 0x00, 0x00])),
        sw::OK
    );

    let card = VirtualCard::builtin("yuki").unwrap();
    let four_info = card.file(App::Assist, 0x0002).unwrap();
    assert_eq!(&four_info[four_info.len() - 4..], &[0xDF, 0x25, 0x01, b'3']);
}

const SURFACE: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];

/// `80 2A` P1 00–05 in the peers' form (SELECT EF 0017, P2 = 80), each checked against the
/// certificate's key as soltia48/myna-card documents it (`SignatureScheme`); every other P1
/// answers 6A86, wrong input lengths 6700.
#[test]
fn every_signature_scheme_p1_behaves_as_documented() {
    use rsa::pkcs1v15::Pkcs1v15Sign;
    use rsa::pkcs8::DecodePublicKey;
    use rsa::pss::Pss;
    use sha2::{Digest, Sha256};
    let mut card = taro();
    select_ap(&mut card, &JPKI);
    select_ef(&mut card, 0x0018);
    assert_eq!(verify(&mut card, b"1234"), sw::OK);
    select_ef(&mut card, 0x0017);
    let key = rsa::PublicKey::from_public_key_der(find_spki(card.file(App::Jpki, 0x000A).unwrap()))
        .unwrap();
    let sign = |card: &mut VirtualCard, p1: u8, data: &[u8]| {
        let mut c = vec![0x80, 0x2A, p1, 0x80, data.len() as u8];
        c.extend_from_slice(data);
        c.push(0x00);
        let r = card.process(&c);
        (sw_of(&r), r[..r.len() - 2].to_vec())
    };
    let msg = b"message to sign";
    let hash = Sha256::digest(msg);
    let info = [
        &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ][..],
        &hash,
    ]
    .concat();
    // 00: the peers' form, a DigestInfo padded as given.
    let (s, sig) = sign(&mut card, 0x00, &info);
    assert_eq!(s, sw::OK);
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &sig)
        .unwrap();
    // 01: SHA-256 on the card, bare (no AlgorithmIdentifier).
    let (s, sig) = sign(&mut card, 0x01, msg);
    assert_eq!(s, sw::OK);
    key.verify(Pkcs1v15Sign::new_unprefixed(), &hash, &sig)
        .unwrap();
    assert!(
        key.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &sig)
            .is_err()
    );
    // 02: a given SHA-256, wrapped in a DigestInfo by the card.
    let (s, sig) = sign(&mut card, 0x02, &hash);
    assert_eq!(s, sw::OK);
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &sig)
        .unwrap();
    // 03: SHA-256 on the card, in a DigestInfo.
    let (s, sig) = sign(&mut card, 0x03, msg);
    assert_eq!(s, sw::OK);
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &sig)
        .unwrap();
    // 04: PSS over a given SHA-256; random salt, so two signatures differ and both verify.
    let (s, sig) = sign(&mut card, 0x04, &hash);
    assert_eq!(s, sw::OK);
    key.verify(Pss::<Sha256>::new(), &hash, &sig).unwrap();
    assert!(
        key.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &sig)
            .is_err()
    );
    let (_, again) = sign(&mut card, 0x04, &hash);
    assert_ne!(sig, again);
    key.verify(Pss::<Sha256>::new(), &hash, &again).unwrap();
    // 05: PSS with SHA-256 on the card.
    let (s, sig) = sign(&mut card, 0x05, msg);
    assert_eq!(s, sw::OK);
    key.verify(Pss::<Sha256>::new(), &hash, &sig).unwrap();
    // Lengths: 02 and 04 take exactly 32 bytes; 00 at most 245.
    for p1 in [0x02, 0x04] {
        assert_eq!(
            sign(&mut card, p1, &hash[..31]).0,
            sw::WRONG_LENGTH,
            "P1 {p1:02X}"
        );
        assert_eq!(
            sign(&mut card, p1, &[0; 33]).0,
            sw::WRONG_LENGTH,
            "P1 {p1:02X}"
        );
    }
    assert_eq!(sign(&mut card, 0x00, &[0; 246]).0, sw::WRONG_LENGTH);
    // Every other P1: 6A86, and nothing signed.
    for p1 in 0x06..=0xFF {
        assert_eq!(
            sign(&mut card, p1, &info),
            (sw::WRONG_P1P2, vec![]),
            "P1 {p1:02X}"
        );
    }
    // Still no signature without the PIN: a fresh card answers 6982 to every scheme.
    let mut fresh = taro();
    select_ap(&mut fresh, &JPKI);
    select_ef(&mut fresh, 0x0017);
    for p1 in 0x00..=0x05 {
        assert_eq!(
            sign(&mut fresh, p1, &hash).0,
            sw::SECURITY_STATUS,
            "P1 {p1:02X}"
        );
    }
}

/// GET CHALLENGE `00 84 00 00 Le`: exactly Le random bytes (Le 00 = 256), in any state;
/// extended Le 6985, P1 P2 ≠ 00 00 6A86, no Le 6700 (soltia48/myna-card `Card::get_challenge`).
#[test]
fn get_challenge_gives_le_random_bytes() {
    let mut card = taro();
    // Before any SELECT (the card manager level) and inside an AP.
    let r = card.process(&[0x00, 0x84, 0x00, 0x00, 0x08]);
    assert_eq!((r.len(), sw_of(&r)), (10, sw::OK));
    select_ap(&mut card, &JPKI);
    for le in [1u8, 16, 255] {
        let r = card.process(&[0x00, 0x84, 0x00, 0x00, le]);
        assert_eq!(
            (r.len(), sw_of(&r)),
            (usize::from(le) + 2, sw::OK),
            "Le {le}"
        );
    }
    let a = card.process(&[0x00, 0x84, 0x00, 0x00, 0x00]);
    let b = card.process(&[0x00, 0x84, 0x00, 0x00, 0x00]);
    assert_eq!((a.len(), sw_of(&a)), (258, sw::OK));
    assert_ne!(a, b, "two challenges differ");
    // 256 random bytes are not all one value (a fixed or zeroed buffer would be).
    assert!(a[..256].iter().any(|&x| x != a[0]));
    assert_eq!(
        sw_of(&card.process(&[0x00, 0x84, 0x00, 0x00, 0x00, 0x00, 0x10])),
        sw::CONDITIONS
    );
    assert_eq!(
        sw_of(&card.process(&[0x00, 0x84, 0x01, 0x00, 0x08])),
        sw::WRONG_P1P2
    );
    assert_eq!(
        sw_of(&card.process(&[0x00, 0x84, 0x00, 0x01, 0x08])),
        sw::WRONG_P1P2
    );
    assert_eq!(
        sw_of(&card.process(&[0x00, 0x84, 0x00, 0x00])),
        sw::WRONG_LENGTH
    );
    assert_eq!(
        sw_of(&card.process(&[0x00, 0x84, 0x00, 0x00, 0x01, 0xAA, 0x08])),
        sw::WRONG_LENGTH
    );
    // GET CHALLENGE changes no security state.
    select_ef(&mut card, 0x0018);
    assert_eq!(verify(&mut card, b""), sw::tries(3));
}

/// 券面事項確認AP access as soltia48/myna-card measured it: the birth-date key 0011 opens 0001
/// only, 照合番号A 0013 opens 0002–0005, 照合番号B 0012 the same without 0005; 0003 and 0004 are
/// free. `80 2A 00 00` signs with the card key of DF24, no credential.
#[test]
fn surface_keys_open_what_real_cards_open() {
    let read = |card: &mut VirtualCard, fid: u16| {
        select_ef(card, fid);
        sw_of(&card.process(&[0x00, 0xB0, 0x00, 0x00, 0x00]))
    };
    let open = |key: u16, value: &[u8]| {
        let mut card = taro();
        select_ap(&mut card, &SURFACE);
        if key != 0 {
            select_ef(&mut card, key);
            assert_eq!(verify(&mut card, value), sw::OK, "key {key:04X}");
        }
        [0x0001, 0x0002, 0x0003, 0x0004, 0x0005].map(|fid| read(&mut card, fid) == sw::OK)
    };
    assert_eq!(open(0, b""), [false, false, true, true, false]);
    assert_eq!(open(0x0011, b"550217"), [true, false, true, true, false]);
    assert_eq!(
        open(0x0013, b"123456789018"),
        [false, true, true, true, true]
    );
    assert_eq!(
        open(0x0012, b"55021720352285"),
        [false, true, true, true, false]
    );

    use rsa::pkcs1v15::Pkcs1v15Sign;
    use sha2::{Digest, Sha256};
    let mut card = taro();
    select_ap(&mut card, &SURFACE);
    let hash = Sha256::digest(b"challenge");
    let mut c = vec![0x80, 0x2A, 0x02, 0x00, 32];
    c.extend_from_slice(&hash);
    c.push(0x00);
    let r = card.process(&c);
    assert_eq!((r.len(), sw_of(&r)), (258, sw::OK));
    // DF24 of EF 0002 (`90 03 e 91 82 01 00 n`) is the key that signed.
    let face = card.file(App::Surface, 0x0002).unwrap().to_vec();
    let at = face.windows(2).position(|w| w == [0xDF, 0x24]).unwrap();
    let key_object = &face[at + 5..at + 5 + 265];
    let e = rsa::BoxedUint::from_be_slice(&key_object[2..5], 64).unwrap();
    let n = rsa::BoxedUint::from_be_slice(&key_object[9..265], 2048).unwrap();
    let key = rsa::PublicKey::new(n, e).unwrap();
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &r[..256])
        .unwrap();
    // P2 = 00 names no default key in the JPKI AP.
    select_ap(&mut card, &JPKI);
    assert_eq!(sw_of(&card.process(&c)), sw::WRONG_P1P2);
}

/// Persona `nobu`: every extended-length APDU answers 6700; the same commands in short form work.
#[test]
fn nobu_refuses_extended_length() {
    let mut card = VirtualCard::builtin("nobu").unwrap();
    select_ap(&mut card, &JPKI);
    assert_eq!(
        sw_of(&card.process(&[0x00, 0xB0, 0x8A, 0x00, 0x00, 0x00, 0x00])),
        sw::WRONG_LENGTH
    );
    let r = card.process(&[0x00, 0xB0, 0x8A, 0x00, 0x00]);
    assert_eq!((r.len(), sw_of(&r)), (258, sw::OK));
    let mut taro = taro();
    select_ap(&mut taro, &JPKI);
    let r = taro.process(&[0x00, 0xB0, 0x8A, 0x00, 0x00, 0x00, 0x00]);
    assert_eq!(sw_of(&r), sw::OK);
    assert!(r.len() > 258);
}

/// CHANGE REFERENCE DATA `00 24 01 80 Lc new` on the current PIN EF after its VERIFY, as
/// jpki/myna and soltia48/myna-card send it (docs/card-notes.md, "Changing a PIN").
fn change(card: &mut VirtualCard, p1: u8, new: &[u8]) -> u16 {
    let mut c = vec![0x00, 0x24, p1, 0x80];
    if !new.is_empty() {
        c.push(new.len() as u8);
        c.extend_from_slice(new);
    }
    sw_of(&card.process(&c))
}

#[test]
fn a_changed_pin_is_the_pin_from_then_on() {
    let mut card = taro();
    assert_eq!(select_ap(&mut card, &JPKI), sw::OK);
    assert_eq!(select_ef(&mut card, 0x0018), sw::OK);
    // Not verified yet: 6982, and nothing changes.
    assert_eq!(change(&mut card, 0x01, b"5678"), sw::SECURITY_STATUS);
    assert_eq!(verify(&mut card, b"1234"), sw::OK);
    // Only P1 = 01 (the new value alone): 6A86; no data: 6700.
    assert_eq!(change(&mut card, 0x00, b"12345678"), sw::WRONG_P1P2);
    assert_eq!(change(&mut card, 0x01, b""), sw::WRONG_LENGTH);
    assert_eq!(change(&mut card, 0x01, b"5678"), sw::OK);
    // Leaving the application clears the security state; the old PIN now costs a try, the
    // new one is the PIN, and the counter is full again after it.
    assert_eq!(select_ap(&mut card, &ASSIST), sw::OK);
    assert_eq!(select_ap(&mut card, &JPKI), sw::OK);
    assert_eq!(select_ef(&mut card, 0x0018), sw::OK);
    assert_eq!(verify(&mut card, b"1234"), sw::tries(2));
    assert_eq!(verify(&mut card, b"5678"), sw::OK);
    assert_eq!(card.pin_tries(App::Jpki, 0x0018), Some(3));
    // Power does not bring the old PIN back.
    card.power_off();
    card.power_on();
    assert_eq!(select_ap(&mut card, &JPKI), sw::OK);
    assert_eq!(select_ef(&mut card, 0x0018), sw::OK);
    assert_eq!(verify(&mut card, b"5678"), sw::OK);
    // The other PIN of the AP did not change.
    assert_eq!(select_ef(&mut card, 0x001B), sw::OK);
    assert_eq!(change(&mut card, 0x01, b"NEWPASS1"), sw::SECURITY_STATUS);
    assert_eq!(verify(&mut card, b"TARO2025"), sw::OK);
}

#[test]
fn the_assist_pin_changes_in_its_own_application() {
    let mut card = taro();
    assert_eq!(select_ap(&mut card, &ASSIST), sw::OK);
    assert_eq!(select_ef(&mut card, 0x0011), sw::OK);
    assert_eq!(verify(&mut card, b"1234"), sw::OK);
    assert_eq!(change(&mut card, 0x01, b"0000"), sw::OK);
    assert_eq!(select_ap(&mut card, &JPKI), sw::OK);
    // The JPKI PINs are not the assist PIN.
    assert_eq!(select_ef(&mut card, 0x0018), sw::OK);
    assert_eq!(verify(&mut card, b"1234"), sw::OK);
    assert_eq!(select_ap(&mut card, &ASSIST), sw::OK);
    assert_eq!(select_ef(&mut card, 0x0011), sw::OK);
    assert_eq!(verify(&mut card, b"0000"), sw::OK);
}

/// INTERNAL AUTHENTICATE `00 88` as soltia48/myna-card measured it: the 券面 card key refuses
/// with 6985 (it signs through `80 2A 00 00`), a JPKI key behind an unverified PIN with 6982.
/// Persona `nise` (a forged card): the same files as taro, but `80 2A 00 00` answers with a key
/// the copied EF 0001 DF12 does not name.
#[test]
fn internal_authenticate_is_refused_and_nise_signs_with_another_key() {
    let mut card = taro();
    select_ap(&mut card, &SURFACE);
    let mut ia = vec![0x00, 0x88, 0x00, 0x9A, 16];
    ia.extend_from_slice(&[7; 16]);
    ia.push(0x00);
    assert_eq!(sw_of(&card.process(&ia)), sw::CONDITIONS);
    // No EF 0019 in this AP (the 共通カードAP's key is not modelled).
    let mut other = ia.clone();
    other[3] = 0x99;
    assert_eq!(sw_of(&card.process(&other)), sw::FILE_NOT_FOUND);
    select_ap(&mut card, &JPKI);
    let mut auth = ia.clone();
    auth[3] = 0x97; // 80|17, the 利用者証明用 key
    assert_eq!(sw_of(&card.process(&auth)), sw::SECURITY_STATUS);

    use rsa::pkcs1v15::Pkcs1v15Sign;
    use sha2::{Digest, Sha256};
    let sign = |card: &mut VirtualCard| {
        select_ap(card, &SURFACE);
        let hash = Sha256::digest(b"challenge");
        let mut c = vec![0x80, 0x2A, 0x02, 0x00, 32];
        c.extend_from_slice(&hash);
        c.push(0x00);
        let r = card.process(&c);
        assert_eq!(sw_of(&r), sw::OK);
        (hash, r[..r.len() - 2].to_vec())
    };
    let key_of = |card: &VirtualCard| {
        // EF 0001 DF12 (`90 03 e 91 82 01 00 n`), the key the record names.
        let age = card.file(App::Surface, 0x0001).unwrap().to_vec();
        let at = age.windows(2).position(|w| w == [0xDF, 0x12]).unwrap();
        let k = &age[at + 5..at + 5 + 265];
        let e = rsa::BoxedUint::from_be_slice(&k[2..5], 64).unwrap();
        let n = rsa::BoxedUint::from_be_slice(&k[9..265], 2048).unwrap();
        rsa::PublicKey::new(n, e).unwrap()
    };
    let mut taro = taro();
    let mut nise = VirtualCard::builtin("nise").unwrap();
    // The copy: every 券面 and JPKI file byte for byte.
    for (app, fid) in [
        (App::Surface, 0x0001),
        (App::Surface, 0x0002),
        (App::Surface, 0x0004),
        (App::Jpki, 0x000A),
    ] {
        assert_eq!(taro.file(app, fid), nise.file(app, fid), "{fid:04X}");
    }
    let (hash, sig) = sign(&mut taro);
    key_of(&taro)
        .verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &sig)
        .unwrap();
    let (hash, sig) = sign(&mut nise);
    assert!(
        key_of(&nise)
            .verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &sig)
            .is_err()
    );
}
