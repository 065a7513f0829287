//! Every card operation against arbitrary card answers: the response APDU codec, status words,
//! the token, certificates as read, 4情報 TLV and its integrity record, the card face, the My
//! Number, PIN counters. Input: one selector byte, then responses as [len_hi len_lo bytes…];
//! when they run out the card is "removed". Besides no panic: never a second VERIFY, and no
//! PIN presented after the card answered a VERIFY with a lock (63C0, 6983, 6984).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard_core::card::SurfaceKey;
use mynacard_core::transport::{Capabilities, Transport, TransportError};
use mynacard_core::{AssistPin, AuthPin, CardNumberB, CardPin, MynaCard, SignInput, SignPin};

struct Replay<'a> {
    rest: &'a [u8],
    extended: bool,
    verifies: usize,
    /// A VERIFY (either form) was answered with a lock status.
    locked: bool,
}

impl Transport for Replay<'_> {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        // VERIFY with a PIN (not the empty "how many tries" form).
        let verify = command.get(1) == Some(&0x20);
        if verify && command.len() > 5 {
            assert!(!self.locked, "a PIN presented after the card said it is blocked");
            self.verifies += 1;
        }
        let [hi, lo, rest @ ..] = self.rest else {
            return Err(TransportError::CardRemoved);
        };
        let len = (usize::from(*hi) << 8 | usize::from(*lo)).min(rest.len());
        let (answer, rest) = rest.split_at(len);
        self.rest = rest;
        if verify && matches!(answer, [.., 0x63, 0xC0] | [.., 0x69, 0x83 | 0x84]) {
            self.locked = true;
        }
        Ok(answer.to_vec())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            extended_length: self.extended,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&select, rest)) = data.split_first() else {
        return;
    };
    let mut transport = Replay {
        rest,
        extended: select & 0x80 != 0,
        verifies: 0,
        locked: false,
    };
    pollster::block_on(async {
        let Ok(mut card) = MynaCard::connect(&mut transport).await else {
            return;
        };
        let auth = AuthPin::new("1234").unwrap();
        let assist = AssistPin::new("1234").unwrap();
        let sign = SignPin::new("ABC123").unwrap();
        // Bit 0x40: the 券面事項確認AP internal authentication (issue 20); the older seeds never
        // set it, so their operations are unchanged.
        if select & 0x40 != 0 {
            let birth = mynacard_core::BirthDatePin::new("550217").unwrap();
            drop(card.internal_authentication(&birth, None).await);
            return;
        }
        match select % 10 {
            0 => drop(card.read_auth_certificate().await),
            1 => drop(
                card.authenticate(&auth, SignInput::data(b"challenge"))
                    .await,
            ),
            2 => drop(card.read_four_info(&assist).await),
            3 => drop(card.read_my_number(&assist).await),
            4 => drop(card.all_pin_states().await),
            5 => drop(card.pin_state(CardPin::JpkiSign).await),
            6 => {
                let b = CardNumberB::new("55021720352285").unwrap();
                drop(card.read_face(SurfaceKey::B(&b)).await)
            }
            7 => drop(card.sign(&sign, SignInput::data(b"document")).await),
            8 => drop(card.read_sign_certificate(&sign).await),
            _ => {
                let b = CardNumberB::new("55021720352285").unwrap();
                drop(card.read_four_info_with_card_number_b(&b).await)
            }
        }
    });
    assert!(
        transport.verifies <= 1,
        "VERIFY sent {} times",
        transport.verifies
    );
});
