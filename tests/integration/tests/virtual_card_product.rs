//! The Rust example of `docs/virtual-card.md` (the virtual card for your own CI), run by the
//! test command: a persona of your own, defined in TOML, in process behind the SDK.

use mynacard_core::error::PinError;
use mynacard_core::{AssistPin, AuthPin, Error, MynaCard, SignInput};
use mynacard_virtual_card::{App, Persona, VirtualCard, VirtualTransport};
use pollster::block_on;

/// The persona file of the docs page (the fields are those of the built-in
/// `tests/virtual-card/personas.toml`).
const PERSONAS: &str = r#"
[yamada]
description = "A resident of our own test data"
token = "JPKIAPICCTOKEN2"
atr = "3BE000FF8131FE4514"
auth_pin = "4321"
sign_pin = "YAMADA2030"
assist_pin = "4321"
auth_tries = 3
sign_tries = 5
assist_tries = 3
name = "山田　花子"
address = "北海道札幌市中央区北一条西二丁目"
birth = "1990-04-01"
sex = "female"
cert_name = "山田　花子"
cert_address = "北海道札幌市中央区北一条西二丁目"
my_number = "123456789018"
expiry_year = 2034
security_code = "1234"
verified_tries_answer = "63Cx"
first_apdu_after_power_on = "normal"
"#;

#[test]
fn your_own_persona_in_process() {
    let personas = Persona::parse_toml(PERSONAS).expect("a valid persona file");
    let yamada = personas.into_iter().find(|p| p.id == "yamada").unwrap();
    let mut card = block_on(MynaCard::connect(VirtualTransport::new(VirtualCard::new(
        yamada,
    ))))
    .unwrap();
    // 基本4情報 as the file says.
    let info = block_on(card.read_four_info(&AssistPin::new("4321").unwrap())).unwrap();
    assert_eq!(info.four_info.name.to_marked_string(), "山田　花子");
    assert_eq!(info.four_info.birth_date.to_string(), "1990-04-01");
    // A wrong PIN costs a try on this card, as on a real one; the test can look inside.
    let e = block_on(card.authenticate(&AuthPin::new("0000").unwrap(), SignInput::data(b"c")))
        .unwrap_err();
    assert_eq!(e, Error::Pin(PinError::Incorrect { remaining: 2 }));
    assert_eq!(
        card.transport().card().pin_tries(App::Jpki, 0x0018),
        Some(2)
    );
    // The authentication signs with the test PKI's key (taro's certificate: a persona of your
    // own borrows it unless its id is built in).
    block_on(card.authenticate(&AuthPin::new("4321").unwrap(), SignInput::data(b"c"))).unwrap();
}

#[test]
fn a_bad_persona_file_says_what_is_wrong() {
    let bad = PERSONAS.replace("1990-04-01", "1990-13-01");
    let e = Persona::parse_toml(&bad).unwrap_err();
    assert!(e.contains("yamada") && e.contains("birth"), "{e}");
}
