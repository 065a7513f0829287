//! Every card operation of the SDK against the virtual card, in process: results, APDU
//! counts, PIN rules and failure paths.

use mynacard_core::card::SurfaceKey;
use mynacard_core::error::{CardError, PinError, VerifyError};
use mynacard_core::verify::{self, TrustAnchors};
use mynacard_core::{
    AssistPin, AuthPin, CardKind, CardNumberA, CardNumberB, CardPin, DigestAlgorithm, Error,
    JpkiCertificate, MynaCard, PinState, SignInput, SignPin, TransportError, UnixTime,
};
use mynacard_virtual_card::{App, Persona, VirtualCard, VirtualTransport, pki};
use pollster::block_on;

fn transport(persona: &str) -> VirtualTransport {
    VirtualTransport::new(VirtualCard::builtin(persona).unwrap())
}

fn connect(persona: &str) -> MynaCard<VirtualTransport> {
    block_on(MynaCard::connect(transport(persona))).unwrap()
}

fn persona(id: &str) -> Persona {
    Persona::builtin(id).unwrap()
}

fn verify_count(card: &MynaCard<VirtualTransport>) -> usize {
    // VERIFY carrying a PIN (a tries query has no data).
    card.transport()
        .card()
        .seen()
        .iter()
        .filter(|s| s.ins == 0x20 && s.lc > 0)
        .count()
}

/// 2026-06-01: inside every normal persona's validity.
const NOW: UnixTime = UnixTime(1_780_272_000);

#[test]
fn authenticate_and_verify_against_the_test_ca() {
    let mut card = connect("taro");
    assert_eq!(
        card.stats().apdus,
        2,
        "connect: SELECT AP, READ token by its short EF id"
    );
    let challenge = [7u8; 32];
    let auth =
        block_on(card.authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(&challenge)))
            .unwrap();
    verify::verify_signature(
        &auth.certificate,
        SignInput::data(&challenge),
        &auth.signature,
    )
    .unwrap();
    let anchors = TrustAnchors::new(vec![JpkiCertificate::from_der(pki::auth_ca_der()).unwrap()]);
    anchors.verify(&auth.certificate, NOW).unwrap();
    // The real JPKI roots do not vouch for the test PKI.
    assert!(
        verify::jpki_trust_anchors()
            .verify(&auth.certificate, NOW)
            .is_err()
    );
    assert!((1500..=1850).contains(&auth.certificate.der().len()));
    assert_eq!(auth.certificate.key_bits(), 2048);
    assert_eq!(verify_count(&card), 1);
    // A wrong challenge does not verify.
    assert_eq!(
        verify::verify_signature(
            &auth.certificate,
            SignInput::data(b"other"),
            &auth.signature
        ),
        Err(Error::Verify(VerifyError::SignatureInvalid))
    );
}

#[test]
fn reading_a_certificate_takes_one_extended_read() {
    let mut card = connect("taro");
    let before = card.stats().apdus;
    let cert = block_on(card.read_auth_certificate()).unwrap();
    // One READ BINARY by short EF id with Le 65536 (the JPKI AP was selected by connect).
    assert_eq!(card.stats().apdus - before, 1);
    assert_eq!(cert.der(), pki::persona("taro").unwrap().auth_cert);
}

#[test]
fn short_apdu_reader_uses_the_fewest_short_reads() {
    let mut card = block_on(MynaCard::connect(
        transport("taro").with_extended_length(false),
    ))
    .unwrap();
    let before = card.stats().apdus;
    let cert = block_on(card.read_auth_certificate()).unwrap();
    let reads = cert.der().len().div_ceil(256);
    assert_eq!(card.stats().apdus - before, 1 + reads);
    assert_eq!(cert.der(), pki::persona("taro").unwrap().auth_cert);
}

#[test]
fn extended_refused_falls_back_to_short_reads() {
    // A link that claims extended support but whose card answers 6700 to the extended READ:
    // connect is 2 exchanges, the extended READ by short EF id the 3rd.
    let mut t = transport("taro");
    t.replace_response_at(2, vec![0x67, 0x00]);
    let mut card = block_on(MynaCard::connect(t)).unwrap();
    let cert = block_on(card.read_auth_certificate()).unwrap();
    assert_eq!(cert.der(), pki::persona("taro").unwrap().auth_cert);
    assert!(
        !card.capabilities().extended_length,
        "the session remembers the fallback"
    );
}

#[test]
fn sign_with_the_signature_certificate() {
    let mut card = connect("taro");
    let pin = SignPin::new("taro2025").unwrap(); // lower case is accepted and uppercased
    let doc = b"application form";
    let signed = block_on(card.sign(&pin, SignInput::data(doc))).unwrap();
    verify::verify_signature(&signed.certificate, SignInput::data(doc), &signed.signature).unwrap();
    let anchors = TrustAnchors::new(vec![JpkiCertificate::from_der(pki::sign_ca_der()).unwrap()]);
    anchors.verify(&signed.certificate, NOW).unwrap();
    // The 署名用 certificate carries 基本4情報, 外字 replaced by 代替文字.
    let fi = signed.certificate.four_info().unwrap().unwrap();
    assert_eq!(
        fi.four_info.name.to_marked_string(),
        persona("taro").cert_name
    );
    assert_eq!(
        fi.four_info.address.to_marked_string(),
        persona("taro").cert_address
    );
    assert_eq!(fi.four_info.birth_date.to_string(), "1980-02-17");
    // SHA-384 and a caller-made digest work too.
    let digest = [0x5Au8; 48];
    let sig = block_on(
        card.sign_with_sign_key(&pin, SignInput::digest(DigestAlgorithm::Sha384, &digest)),
    )
    .unwrap();
    verify::verify_signature(
        &signed.certificate,
        SignInput::digest(DigestAlgorithm::Sha384, &digest),
        &sig,
    )
    .unwrap();
}

#[test]
fn four_info_with_gaiji_and_a_long_address() {
    let mut card = connect("taro");
    let read = block_on(card.read_four_info(&AssistPin::new("1234").unwrap())).unwrap();
    let p = persona("taro");
    let fi = &read.four_info;
    assert!(fi.name.has_gaiji());
    assert_eq!(fi.name.to_marked_string(), "〓田　太郎");
    assert_eq!(
        fi.address.to_marked_string(),
        p.address.replace('\u{E0B2}', "〓")
    );
    assert!(p.address.len() >= 128, "the long-form length is exercised");
    assert_eq!(fi.birth_date.to_string(), "1980-02-17");
    assert_eq!(fi.sex, mynacard_core::Sex::Male);
    // The integrity signature verifies with the key of EF 0004 (the test signer).
    let key = pki::assist_signer().to_public_key();
    let integrity = read
        .integrity
        .verified()
        .expect("4情報 checked against EF 0003");
    let digest_info = SignInput::data(&integrity.signed_data)
        .digest_info()
        .unwrap();
    verify::verify_digest_info(&key, &digest_info, &integrity.signature).unwrap();
    // Debug never shows the data.
    let shown = format!("{read:?}");
    assert!(
        !shown.contains("太郎") && !shown.contains("東京"),
        "{shown}"
    );
}

#[test]
fn four_info_with_card_number_b() {
    let p = persona("hanako");
    let mut card = connect("hanako");
    let b = CardNumberB::new(&p.card_number_b()).unwrap();
    let read = block_on(card.read_four_info_with_card_number_b(&b)).unwrap();
    assert_eq!(read.four_info.name.to_marked_string(), p.name);
    assert_eq!(read.four_info.sex, mynacard_core::Sex::Female);
    // A wrong 照合番号B costs one try of its own counter only.
    let mut card = connect("taro");
    let wrong = CardNumberB::new("55021720351111").unwrap();
    assert_eq!(
        block_on(card.read_four_info_with_card_number_b(&wrong)).unwrap_err(),
        Error::Pin(PinError::Incorrect { remaining: 9 })
    );
    assert_eq!(
        card.transport().card().pin_tries(App::Assist, 0x0011),
        Some(3)
    );
}

#[test]
fn my_number_only_through_its_own_call() {
    let mut card = connect("taro");
    let read = block_on(card.read_my_number(&AssistPin::new("1234").unwrap())).unwrap();
    assert_eq!(read.my_number.expose(), "123456789018");
    assert!(!format!("{read:?}").contains("123456789018"));
    // Reading 4情報 never reads the My Number EF (17 bytes).
    let mut card = connect("taro");
    block_on(card.read_four_info(&AssistPin::new("1234").unwrap())).unwrap();
    let seen = card.transport().card().seen();
    assert!(
        !seen.iter().any(|s| s.ins == 0xB0 && s.response_len == 17),
        "4情報 read must not read the My Number EF"
    );
}

#[test]
fn card_face_with_number_a_and_b() {
    let p = persona("taro");
    let mut card = connect("taro");
    let a = CardNumberA::new(&p.card_number_a()).unwrap();
    let face = block_on(card.read_face(SurfaceKey::A(&a))).unwrap();
    assert_eq!(face.birth_date.unwrap().to_string(), "1980-02-17");
    assert_eq!(face.sex, Some(mynacard_core::Sex::Male));
    assert!(face.name_image.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(face.address_image.starts_with(b"\x89PNG"));
    assert!(face.security_code_image.starts_with(b"\x89PNG"));
    assert_eq!(&face.face_image[4..8], b"jP  ");
    assert_eq!(face.expiry.unwrap().to_string(), "2035-02-17");
    let mut card = connect("taro");
    let b = CardNumberB::new(&p.card_number_b()).unwrap();
    assert!(block_on(card.read_face(SurfaceKey::B(&b))).is_ok());
}

#[test]
fn malformed_pin_sends_nothing_and_costs_nothing() {
    let card = connect("taro");
    let before = card.stats().apdus;
    let seen_before = card.transport().card().seen().len();
    for bad in ["123", "12345", "12a4", "１２３４", "", " 1234"] {
        assert!(
            matches!(AuthPin::new(bad), Err(Error::Pin(PinError::Format { .. }))),
            "{bad:?}"
        );
        assert!(
            matches!(
                AssistPin::new(bad),
                Err(Error::Pin(PinError::Format { .. }))
            ),
            "{bad:?}"
        );
    }
    for bad in ["ABC12", "ABCDEFGHIJ1234567", "ABC-123", "あいうえお12"] {
        assert!(
            matches!(SignPin::new(bad), Err(Error::Pin(PinError::Format { .. }))),
            "{bad:?}"
        );
    }
    for bad in ["12345678901", "123456789019", "55021720352"] {
        assert!(CardNumberA::new(bad).is_err(), "{bad:?}");
        assert!(CardNumberB::new(bad).is_err(), "{bad:?}");
    }
    assert!(CardNumberB::new("55131720352285").is_err(), "month 13");
    assert_eq!(card.stats().apdus, before);
    assert_eq!(card.transport().card().seen().len(), seen_before);
    assert_eq!(
        card.transport().card().pin_tries(App::Jpki, 0x0018),
        Some(3)
    );
    assert_eq!(
        card.transport().card().pin_tries(App::Jpki, 0x001B),
        Some(5)
    );
}

#[test]
fn wrong_pin_reports_remaining_and_is_never_retried() {
    let mut card = connect("taro");
    let wrong = AuthPin::new("9999").unwrap();
    for remaining in [2, 1, 0] {
        let before = verify_count(&card);
        let e = block_on(card.authenticate(&wrong, SignInput::data(b"c"))).unwrap_err();
        assert_eq!(e, Error::Pin(PinError::Incorrect { remaining }));
        assert_eq!(
            verify_count(&card),
            before + 1,
            "exactly one VERIFY per attempt"
        );
        assert_eq!(
            card.transport().card().pin_tries(App::Jpki, 0x0018),
            Some(remaining)
        );
    }
    // Now locked: the right PIN is not even sent.
    let before = verify_count(&card);
    let e = block_on(card.authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(b"c")))
        .unwrap_err();
    assert_eq!(e, Error::Pin(PinError::Locked));
    assert_eq!(verify_count(&card), before);
}

#[test]
fn locked_persona_gets_pin_locked_without_verify() {
    let mut card = connect("locked");
    let e = block_on(card.authenticate(&AuthPin::new("0000").unwrap(), SignInput::data(b"c")))
        .unwrap_err();
    assert_eq!(e, Error::Pin(PinError::Locked));
    assert_eq!(verify_count(&card), 0);
    let states = block_on(card.all_pin_states()).unwrap();
    assert!(states.contains(&(CardPin::JpkiAuth, PinState::Locked)));
    assert!(states.contains(&(CardPin::JpkiSign, PinState::Remaining(1))));
    // A wrong sign PIN with one try left locks it and says so.
    let e = block_on(card.read_sign_certificate(&SignPin::new("WRONG1").unwrap())).unwrap_err();
    assert_eq!(e, Error::Pin(PinError::Incorrect { remaining: 0 }));
    assert_eq!(
        block_on(card.pin_state(CardPin::JpkiSign)).unwrap(),
        PinState::Locked
    );
}

#[test]
fn tries_never_spend_a_try_and_survive_a_correct_pin() {
    for id in ["taro", "hanako"] {
        let p = persona(id);
        let mut card = connect(id);
        let before = verify_count(&card);
        let states = block_on(card.all_pin_states()).unwrap();
        assert_eq!(verify_count(&card), before);
        assert!(states.contains(&(CardPin::JpkiAuth, PinState::Remaining(3))));
        assert!(states.contains(&(CardPin::JpkiSign, PinState::Remaining(5))));
        assert!(states.contains(&(CardPin::Assist, PinState::Remaining(3))));
        // After a correct PIN the query answers 63C3 (taro) or 9000 (hanako): both fine,
        // and a second signature in the same session works.
        let pin = AuthPin::new(&p.auth_pin).unwrap();
        block_on(card.sign_with_auth_key(&pin, SignInput::data(b"1"))).unwrap();
        let state = block_on(card.pin_state(CardPin::JpkiAuth)).unwrap();
        assert!(
            matches!(state, PinState::Remaining(3) | PinState::Verified),
            "{id}: {state:?}"
        );
        block_on(card.sign_with_auth_key(&pin, SignInput::data(b"2"))).unwrap();
    }
}

#[test]
fn wrong_cards_are_refused() {
    for (id, kind) in [
        ("juki", CardKind::JukiCard),
        ("phone", CardKind::Smartphone),
    ] {
        let e = block_on(MynaCard::connect(transport(id))).unwrap_err();
        assert_eq!(e, Error::Card(CardError::WrongCard { found: kind }), "{id}");
    }
}

#[test]
fn expired_and_revoked_certificates_are_read_but_not_trusted() {
    let anchors = TrustAnchors::new(vec![JpkiCertificate::from_der(pki::auth_ca_der()).unwrap()]);
    let mut card = connect("expired");
    let cert = block_on(card.read_auth_certificate()).unwrap();
    assert_eq!(
        anchors.verify(&cert, NOW).unwrap_err(),
        Error::Verify(VerifyError::CertificateExpired)
    );
    let mut card = connect("revoked");
    let cert = block_on(card.read_auth_certificate()).unwrap();
    // Revocation is checked against the CRL (issue 7); the chain itself is fine.
    anchors.verify(&cert, NOW).unwrap();
    assert!(!pki::auth_ca_crl_der().is_empty());
}

#[test]
fn card_removed_mid_operation_is_a_typed_error() {
    let mut card = connect("taro");
    card.transport_mut().remove_card();
    assert_eq!(
        block_on(card.read_auth_certificate()).unwrap_err(),
        Error::Transport(TransportError::CardRemoved)
    );
    card.transport_mut().insert_card();
    // After a cold start nothing is selected or verified; the session reselects.
    assert!(block_on(card.read_auth_certificate()).is_ok());
}

/// Every exchange of a full authentication, failed or garbled in every way: never a panic,
/// always a typed error (or success where the fault changes nothing the SDK relies on).
#[test]
fn faults_at_every_exchange_give_typed_errors() {
    let pin = AuthPin::new("1234").unwrap();
    let clean = {
        let mut t = transport("taro");
        block_on(async {
            let mut card = MynaCard::connect(&mut t).await.unwrap();
            card.authenticate(&pin, SignInput::data(b"c"))
                .await
                .unwrap();
        });
        t.exchanges()
    };
    type Inject = Box<dyn Fn(&mut VirtualTransport, usize)>;
    let faults: Vec<Inject> = vec![
        Box::new(|t, n| t.fail_at(n, TransportError::CardRemoved)),
        Box::new(|t, n| t.fail_at(n, TransportError::Timeout)),
        Box::new(|t, n| t.replace_response_at(n, vec![])),
        Box::new(|t, n| t.replace_response_at(n, vec![0x90])),
        Box::new(|t, n| t.replace_response_at(n, vec![0x6A, 0x86])),
        Box::new(|t, n| t.replace_response_at(n, vec![0x6F, 0x00])),
        Box::new(|t, n| t.replace_response_at(n, vec![0xFF; 70_000])),
        Box::new(|t, n| {
            t.replace_response_at(
                n,
                [vec![0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], vec![0x90, 0x00]].concat(),
            )
        }),
        Box::new(|t, n| t.truncate_response_at(n, 3)),
        Box::new(|t, n| t.truncate_response_at(n, 100)),
    ];
    for (f, fault) in faults.iter().enumerate() {
        for n in 0..clean {
            let mut t = transport("taro");
            fault(&mut t, n);
            let result = block_on(async {
                let mut card = MynaCard::connect(&mut t).await?;
                card.authenticate(&pin, SignInput::data(b"c")).await
            });
            if let Err(e) = &result {
                assert!(!e.code().is_empty());
                assert!(!e.message_ja().is_empty());
            }
            // A fault may cost at most the one VERIFY the operation makes.
            assert!(
                t.card().pin_tries(App::Jpki, 0x0018).unwrap() >= 2,
                "fault {f} at {n}"
            );
        }
    }
}

#[test]
fn progress_reports_steps_without_data() {
    use std::sync::{Arc, Mutex};
    let steps = Arc::new(Mutex::new(Vec::new()));
    let mut card = connect("taro");
    let sink = steps.clone();
    card.set_progress(Box::new(move |p| sink.lock().unwrap().push(*p)));
    block_on(card.authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(b"c"))).unwrap();
    let steps = steps.lock().unwrap();
    use mynacard_core::Progress;
    assert!(steps.iter().any(|p| matches!(
        p,
        Progress::VerifyingPin {
            pin: CardPin::JpkiAuth
        }
    )));
    assert!(steps.iter().any(|p| matches!(p, Progress::Signing)));
    assert!(
        steps
            .iter()
            .any(|p| matches!(p, Progress::Reading { ef: 0x000A, done, total } if done == total))
    );
}

#[test]
fn a_card_without_short_ef_ids_gets_select_ef_after_one_refusal() {
    // hanako answers 6A86 to READ BINARY / VERIFY by short EF id: the session asks once, then
    // selects EFs, and every operation still works with one VERIFY.
    let p = persona("hanako");
    let mut card = connect("hanako");
    let auth = block_on(card.authenticate(
        &AuthPin::new(&p.auth_pin).unwrap(),
        SignInput::data(b"challenge"),
    ))
    .unwrap();
    verify::verify_signature(
        &auth.certificate,
        SignInput::data(b"challenge"),
        &auth.signature,
    )
    .unwrap();
    block_on(card.read_four_info(&AssistPin::new(&p.assist_pin).unwrap())).unwrap();
    let seen = card.transport().card().seen();
    let by_short_id = seen
        .iter()
        .filter(|s| (s.ins == 0xB0 && s.p1 & 0x80 != 0) || (s.ins == 0x20 && s.p2 & 0x1F != 0))
        .count();
    assert_eq!(by_short_id, 1, "one refused attempt, then SELECT EF");
    assert_eq!(verify_count(&card), 2);

    // taro takes them: the same operations without a single SELECT EF.
    let p = persona("taro");
    let mut card = connect("taro");
    block_on(card.authenticate(&AuthPin::new(&p.auth_pin).unwrap(), SignInput::data(b"c")))
        .unwrap();
    block_on(card.read_four_info(&AssistPin::new(&p.assist_pin).unwrap())).unwrap();
    let seen = card.transport().card().seen();
    assert!(!seen.iter().any(|s| s.ins == 0xA4 && s.p1 == 0x02));
    // connect 2, authenticate 4 (certificate, tries, VERIFY, SIGN), 4情報 5 (SELECT AP, tries,
    // VERIFY, 4情報, integrity record), each + 1 for the clearing SELECT of the Issuer
    // Security Domain (issue 14).
    assert_eq!(card.stats().apdus, 2 + (4 + 1) + (5 + 1));
}

#[test]
fn a_link_failure_on_the_first_extended_read_is_retried_once_in_short_reads() {
    // The reader claims extended APDUs but fails the first one (exchange 2, after connect):
    // the read is asked again in short APDUs and the session stays short.
    let mut t = transport("taro");
    t.fail_at(
        2,
        TransportError::Other {
            detail: "extended APDU not carried".into(),
        },
    );
    let mut card = block_on(MynaCard::connect(t)).unwrap();
    let cert = block_on(card.read_auth_certificate()).unwrap();
    assert_eq!(cert.der(), pki::persona("taro").unwrap().auth_cert);
    assert!(!card.capabilities().extended_length);
    // Signing is never retried: a link failure on 80 2A is the caller's error.
    let mut t = transport("taro");
    // connect 2, certificate 1, tries 1, VERIFY 1: the 6th exchange is the signature.
    t.fail_at(5, TransportError::Timeout);
    let mut card = block_on(MynaCard::connect(t)).unwrap();
    let e = block_on(card.authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(b"c")))
        .unwrap_err();
    assert_eq!(e, Error::Transport(TransportError::Timeout));
    assert_eq!(verify_count(&card), 1);
    assert_eq!(card.transport().card().count_ins(0x2A), 0);
}

/// Whether the card holds any PIN of any application as verified.
fn any_verified(card: &MynaCard<VirtualTransport>) -> bool {
    let c = card.transport().card();
    [
        (App::Jpki, 0x0018),
        (App::Jpki, 0x001B),
        (App::Assist, 0x0011),
        (App::Assist, 0x0014),
        (App::Assist, 0x0015),
    ]
    .into_iter()
    .any(|(app, fid)| c.is_verified(app, fid))
}

#[test]
fn changed_pins_are_the_pins_for_the_rest_of_the_session_on_every_card_kind() {
    for id in Persona::ids() {
        if ["juki", "phone", "locked"].contains(&id.as_str()) {
            continue;
        }
        let p = persona(&id);
        let mut card = connect(&id);
        let (auth, sign, assist) = ("9876", "CHANGED22", "4321");
        block_on(card.change_pin(mynacard_core::PinKind::Auth, &p.auth_pin, auth))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        // Lower case is the same 署名用 password: the card holds upper case.
        block_on(card.change_pin(mynacard_core::PinKind::Sign, &p.sign_pin, "changed22"))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        block_on(card.change_pin(mynacard_core::PinKind::Assist, &p.assist_pin, assist))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(verify_count(&card), 3, "{id}: one VERIFY per change");
        assert!(!any_verified(&card), "{id}: a PIN was left verified");
        assert_eq!(
            card.transport().card().count_ins(0x24),
            3,
            "{id}: one CHANGE per PIN"
        );
        // The old PINs now cost a try each; the new ones work and fill the counters again.
        let e =
            block_on(card.authenticate(&AuthPin::new(&p.auth_pin).unwrap(), SignInput::data(b"c")))
                .unwrap_err();
        assert_eq!(e, Error::Pin(PinError::Incorrect { remaining: 2 }), "{id}");
        block_on(card.authenticate(&AuthPin::new(auth).unwrap(), SignInput::data(b"c")))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        block_on(card.sign(&SignPin::new(sign).unwrap(), SignInput::data(b"d")))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let e = block_on(card.read_four_info(&AssistPin::new(&p.assist_pin).unwrap())).unwrap_err();
        assert_eq!(e, Error::Pin(PinError::Incorrect { remaining: 2 }), "{id}");
        block_on(card.read_four_info(&AssistPin::new(assist).unwrap()))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            block_on(card.pin_state(CardPin::JpkiAuth))
                .unwrap()
                .remaining(),
            Some(3),
            "{id}"
        );
        assert!(!any_verified(&card), "{id}");
        // The card keeps the new PINs after a power cycle: they are the card's, not the
        // session's.
        let mut virtual_card = card.into_transport().into_card();
        virtual_card.power_off();
        virtual_card.power_on();
        let mut card = block_on(MynaCard::connect(VirtualTransport::new(virtual_card))).unwrap();
        block_on(card.authenticate(&AuthPin::new(auth).unwrap(), SignInput::data(b"c")))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
    }
}

#[test]
fn a_wrong_current_pin_changes_nothing_and_a_locked_pin_is_not_tried() {
    let mut card = connect("taro");
    let e = block_on(card.change_pin(mynacard_core::PinKind::Auth, "9999", "5678")).unwrap_err();
    assert_eq!(e, Error::Pin(PinError::Incorrect { remaining: 2 }));
    assert_eq!(card.transport().card().count_ins(0x24), 0);
    assert!(!any_verified(&card));
    // The PIN is still the old one.
    block_on(card.authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(b"c"))).unwrap();
    // A malformed new PIN costs nothing: no APDU at all.
    let before = card.stats().apdus;
    let e = block_on(card.change_pin(mynacard_core::PinKind::Sign, "TARO2025", "NO")).unwrap_err();
    assert_eq!(e.code(), "PIN_FORMAT");
    assert_eq!(card.stats().apdus, before);

    let mut card = connect("locked");
    let p = persona("locked");
    let e =
        block_on(card.change_pin(mynacard_core::PinKind::Auth, &p.auth_pin, "5678")).unwrap_err();
    assert_eq!(e, Error::Pin(PinError::Locked));
    assert_eq!(verify_count(&card), 0);
    assert_eq!(card.transport().card().count_ins(0x24), 0);
}

/// Issue 23.6: the APDU counts README.md quotes ("APDUs per operation …") are the counts the
/// SDK makes on the virtual card; changing either without the other fails here.
#[test]
fn the_readme_apdu_counts_are_the_measured_ones() {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("APDUs per operation (after `connect`")
        .expect("README's APDU paragraph");
    let paragraph = &readme[start..start + readme[start..].find("\n\n").unwrap()];
    let paragraph = paragraph.replace('\n', " ");
    // The number right after `anchor` in the paragraph.
    let quoted = |anchor: &str| -> usize {
        let at = paragraph
            .find(anchor)
            .unwrap_or_else(|| panic!("README no longer says {anchor:?}"))
            + anchor.len();
        let digits: String = paragraph[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits
            .parse()
            .unwrap_or_else(|_| panic!("no count after {anchor:?}"))
    };
    type Op = fn(&mut MynaCard<VirtualTransport>);
    let measured = |t: VirtualTransport, op: Op| {
        let mut card = block_on(MynaCard::connect(t)).unwrap();
        let before = card.stats().apdus;
        op(&mut card);
        card.stats().apdus - before
    };
    let connect_apdus = connect("taro").stats().apdus;
    assert_eq!(quoted("which is "), connect_apdus, "connect");
    let cases: [(&str, bool, Op); 7] = [
        ("read a certificate ", true, |c| {
            block_on(c.read_auth_certificate()).unwrap();
        }),
        ("short id; ", false, |c| {
            block_on(c.read_auth_certificate()).unwrap();
        }),
        ("authenticate ", true, |c| {
            block_on(c.authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(b"c")))
                .unwrap();
        }),
        (", sign ", true, |c| {
            block_on(c.sign(&SignPin::new("TARO2025").unwrap(), SignInput::data(b"d"))).unwrap();
        }),
        ("基本4情報 ", true, |c| {
            block_on(c.read_four_info(&AssistPin::new("1234").unwrap())).unwrap();
        }),
        ("My Number ", true, |c| {
            block_on(c.read_my_number(&AssistPin::new("1234").unwrap())).unwrap();
        }),
        ("all eight PIN counters ", true, |c| {
            assert_eq!(block_on(c.all_pin_states()).unwrap().len(), 8);
        }),
    ];
    for (anchor, extended, op) in cases {
        let t = transport("taro").with_extended_length(extended);
        assert_eq!(
            quoted(anchor),
            measured(t, op),
            "README's count after {anchor:?}"
        );
    }
}
/// Issue 20: the 券面事項確認AP internal authentication against the virtual card. taro answers
/// with the key its signed EF 0001 names, under a key record the test PKI's stand-in for J-LIS
/// signed; nise (taro's files on a card with other keys) is refused; a wrong birth date costs
/// one try and tells how many are left; a malformed one sends nothing.
#[test]
fn internal_authentication_tells_a_genuine_card_from_a_copy() {
    use mynacard_core::BirthDatePin;
    let anchor = pki::record_ca_key().to_public_key();
    let birth = BirthDatePin::from_gregorian("19800217").unwrap();

    let mut card = connect("taro");
    let challenge = [0x5Au8; 32];
    let answer = block_on(card.internal_authentication(&birth, Some(&challenge))).unwrap();
    assert_eq!(card.stats().apdus, 2 + 7);
    assert_eq!(verify_count(&card), 1);
    assert!(
        !any_surface_verified(&card),
        "the birth-date key was left verified"
    );
    let g = mynacard_core::card::verify_internal_authentication(
        &challenge,
        &answer.signature,
        &answer.age_record_file,
        &answer.key_record_file,
        Some(&anchor),
    )
    .unwrap();
    assert!(g.key_record_checked);
    assert_eq!(g.birth_date.unwrap().to_string(), "1980-02-17");
    assert_eq!(g.issuer_key_id.as_deref(), Some("6000023/001"));
    // Another issuer key (the 入力補助AP's signer) does not vouch for the record.
    let e = answer
        .verify(Some(&pki::assist_signer().to_public_key()))
        .unwrap_err();
    assert_eq!(e, Error::Verify(VerifyError::KeyRecordUntrusted));

    // The copy: same files, same PIN accepted, the answer refused; nothing left verified.
    let mut nise = connect("nise");
    let e = block_on(nise.internal_authentication(&birth, Some(&challenge))).unwrap_err();
    assert_eq!(e, Error::Verify(VerifyError::CardNotGenuine));
    assert!(!any_surface_verified(&nise));
    // The copied files are taro's byte for byte: only the answer tells them apart.
    assert_eq!(
        nise.transport().card().file(App::Surface, 0x0001),
        card.transport().card().file(App::Surface, 0x0001)
    );

    // A wrong birth date: one VERIFY, the tries left, never retried.
    let mut card = connect("taro");
    let wrong = BirthDatePin::from_gregorian("19800218").unwrap();
    let e = block_on(card.internal_authentication(&wrong, None)).unwrap_err();
    assert_eq!(e, Error::Pin(PinError::Incorrect { remaining: 9 }));
    assert_eq!(verify_count(&card), 1);
    assert_eq!(
        block_on(card.pin_state(CardPin::SurfaceBirthDate)).unwrap(),
        PinState::Remaining(9)
    );
    assert!(!any_surface_verified(&card));
    // The right one refills the counter.
    block_on(card.internal_authentication(&birth, None)).unwrap();
    assert_eq!(
        block_on(card.pin_state(CardPin::SurfaceBirthDate)).unwrap(),
        PinState::Remaining(10)
    );
    // Malformed: refused when typed, before any card is touched.
    for bad in ["551317", "5502", "19800230", "1980-13-01"] {
        let e = BirthDatePin::new(bad)
            .or_else(|_| BirthDatePin::from_gregorian(bad))
            .unwrap_err();
        assert_eq!(e.code(), "PIN_FORMAT", "{bad}");
    }
}

fn any_surface_verified(card: &MynaCard<VirtualTransport>) -> bool {
    let c = card.transport().card();
    [0x0011, 0x0012, 0x0013]
        .into_iter()
        .any(|fid| c.is_verified(App::Surface, fid))
}

/// Issue 19 part 4: the PIN-less 対面確認 at the 窓口 against the virtual card. taro: face read
/// with 照合番号B, every check named and passed under the test PKI's stand-in for the J-LIS key,
/// the photo a real JPEG 2000 that decodes; the flow never selects the 入力補助AP nor touches
/// the My Number image; nothing left verified.
#[test]
fn in_person_check_reads_the_face_and_names_every_check() {
    use mynacard_core::card::Check;
    let issuer = pki::record_ca_key().to_public_key();
    let b = CardNumberB::new("55021720352285").unwrap();
    let mut card = connect("taro");
    card.transport_mut().card_mut().clear_seen();
    let check = block_on(card.in_person_check(&b, None, Some(&issuer))).unwrap();
    let a = &check.authenticity;
    assert_eq!(a.face_signature, Check::Passed);
    assert_eq!(a.key_record, Check::Passed);
    assert_eq!(a.challenge_answer, Check::Passed);
    assert!(a.genuine());
    assert_eq!(check.challenge.len(), 32);
    assert_eq!(check.issuer_key_id.as_deref(), Some("6000023/001"));
    let f = &check.face;
    assert_eq!(f.birth_date.unwrap().to_string(), "1980-02-17");
    assert_eq!(f.sex, Some(mynacard_core::Sex::Male));
    assert_eq!(f.expiry.unwrap().to_string(), "2035-02-17");
    assert!(f.name_image.starts_with(b"\x89PNG"));
    assert!(f.address_image.starts_with(b"\x89PNG"));
    assert!(f.security_code_image.starts_with(b"\x89PNG"));
    let photo = mynacard_core::photo::jpeg2000_to_png(&f.face_image).unwrap();
    assert_eq!((photo.width, photo.height), (90, 120));
    assert_eq!(verify_count(&card), 1);
    assert!(!any_surface_verified(&card));
    assert!(!format!("{check:?}").contains("1980"));
    // What it touched: the 券面事項確認AP, its EF 0002 and EF 0004 (and the PIN EF's tries);
    // never the 入力補助AP, never the My Number image EF 0005.
    let touched = card.transport().card().touched().to_vec();
    assert!(touched.contains(&(App::Surface, Some(0x0002))));
    assert!(touched.contains(&(App::Surface, Some(0x0004))));
    assert!(
        touched
            .iter()
            .all(|t| t.0 == App::Surface && t.1 != Some(0x0005) && t.1 != Some(0x0001)),
        "{touched:?}"
    );
    // Select + tries + VERIFY + READ 0002 + READ 0004 + 80 2A + clearing.
    let seen = card.transport().card().seen();
    assert_eq!(seen.iter().filter(|s| s.ins == 0x2A).count(), 1);
    assert_eq!(seen.iter().filter(|s| s.ins == 0xB0).count(), 2);

    // Without the issuer key: key record NOT checked, so not called genuine.
    let mut card = connect("taro");
    let check = block_on(card.in_person_check(&b, Some(&[9u8; 16]), None)).unwrap();
    assert!(matches!(
        check.authenticity.key_record,
        Check::NotChecked { .. }
    ));
    assert!(check.authenticity.face_signature.passed());
    assert!(check.authenticity.challenge_answer.passed());
    assert!(!check.authenticity.genuine());
    // Another issuer key: the key record fails, named.
    let other = pki::assist_signer().to_public_key();
    assert_eq!(
        check.rejudge(Some(&other)).key_record,
        Check::Failed {
            code: "KEY_RECORD_UNTRUSTED"
        }
    );
    assert!(check.rejudge(Some(&issuer)).genuine());
}

/// The 対面確認's refusals: tampered face data fails the face signature (named), nise (taro's
/// files on another card) fails the challenge answer, a wrong 照合番号B costs one try and says
/// how many are left, a malformed one or a bad challenge sends nothing.
#[test]
fn in_person_check_refuses_tampered_data_a_copy_and_a_wrong_number_b() {
    use mynacard_core::card::Check;
    let issuer = pki::record_ca_key().to_public_key();
    let b = CardNumberB::new("55021720352285").unwrap();

    // One byte of the name image (DF25, signed) changed on the card.
    let mut t = transport("taro");
    let mut face = t.card().file(App::Surface, 0x0002).unwrap().to_vec();
    let at = face.windows(4).position(|w| w == b"IHDR").unwrap();
    face[at + 6] ^= 0x01;
    assert!(t.card_mut().set_file(App::Surface, 0x0002, face));
    let mut card = block_on(MynaCard::connect(t)).unwrap();
    let check = block_on(card.in_person_check(&b, None, Some(&issuer))).unwrap();
    assert_eq!(
        check.authenticity.face_signature,
        Check::Failed {
            code: "INTEGRITY_MISMATCH"
        }
    );
    assert_eq!(check.authenticity.key_record, Check::Passed);
    assert!(!check.authenticity.genuine());
    assert!(!any_surface_verified(&card));

    // nise: the files are taro's, the key that answers is not.
    let mut nise = connect("nise");
    let check = block_on(nise.in_person_check(&b, None, Some(&issuer))).unwrap();
    assert_eq!(check.authenticity.face_signature, Check::Passed);
    assert_eq!(check.authenticity.key_record, Check::Passed);
    assert_eq!(
        check.authenticity.challenge_answer,
        Check::Failed {
            code: "CARD_NOT_GENUINE"
        }
    );
    assert!(!check.authenticity.genuine());
    assert!(!any_surface_verified(&nise));

    // A wrong 照合番号B (another security code): PIN_INCORRECT with the tries left, one VERIFY.
    let mut card = connect("taro");
    let wrong = CardNumberB::new("55021720350000").unwrap();
    let e = block_on(card.in_person_check(&wrong, None, Some(&issuer))).unwrap_err();
    assert_eq!(e, Error::Pin(PinError::Incorrect { remaining: 9 }));
    assert_eq!(verify_count(&card), 1);
    assert_eq!(card.transport().card().count_ins(0x2A), 0);
    assert_eq!(
        block_on(card.pin_state(CardPin::SurfaceCardNumberB)).unwrap(),
        PinState::Remaining(9)
    );
    assert!(!any_surface_verified(&card));

    // Malformed 照合番号B: refused when typed. A bad challenge: nothing sent.
    for bad in ["5502172035228", "55023020352285", "5502172035228X", ""] {
        assert_eq!(
            CardNumberB::new(bad).unwrap_err().code(),
            "PIN_FORMAT",
            "{bad}"
        );
    }
    let mut card = connect("taro");
    let before = card.stats().apdus;
    let e = block_on(card.in_person_check(&b, Some(&[1u8; 15]), None)).unwrap_err();
    assert_eq!(e.code(), "INVALID_ARGUMENT");
    assert_eq!(card.stats().apdus, before);
}
