//! `mynacard-fuzz-seeds DIR`: writes the seed corpus of the `card_responses` fuzz target
//! (tests/fuzz): for each operation, the virtual card's real answers in the target's input
//! format (selector byte, then [len_hi len_lo bytes…] per response), on extended and short links.

use std::path::PathBuf;
use std::process::ExitCode;

use mynacard_core::card::SurfaceKey;
use mynacard_core::transport::{Capabilities, Transport, TransportError};
use mynacard_core::{AssistPin, AuthPin, CardNumberB, CardPin, MynaCard, SignInput, SignPin};
use mynacard_virtual_card::{Persona, VirtualCard, VirtualTransport};

/// Passes exchanges to the virtual card and writes down every answer.
struct Recorder {
    inner: VirtualTransport,
    answers: Vec<u8>,
}

impl Transport for Recorder {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let answer = self.inner.transmit(command).await?;
        let len = u16::try_from(answer.len()).expect("an answer fits 64 KiB");
        self.answers.extend_from_slice(&len.to_be_bytes());
        self.answers.extend_from_slice(&answer);
        Ok(answer)
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
}

/// The operation the fuzz target runs for `select % 10` (same order as the target).
async fn run(select: u8, card: &mut MynaCard<&mut Recorder>, b: &CardNumberB) {
    let auth = AuthPin::new("1234").unwrap();
    let assist = AssistPin::new("1234").unwrap();
    let sign = SignPin::new("TARO2025").unwrap();
    let ok = match select % 10 {
        0 => card.read_auth_certificate().await.is_ok(),
        1 => card
            .authenticate(&auth, SignInput::data(b"challenge"))
            .await
            .is_ok(),
        2 => card.read_four_info(&assist).await.is_ok(),
        3 => card.read_my_number(&assist).await.is_ok(),
        4 => card.all_pin_states().await.is_ok(),
        5 => card.pin_state(CardPin::JpkiSign).await.is_ok(),
        6 => card.read_face(SurfaceKey::B(b)).await.is_ok(),
        7 => card.sign(&sign, SignInput::data(b"document")).await.is_ok(),
        8 => card.read_sign_certificate(&sign).await.is_ok(),
        _ => card.read_four_info_with_card_number_b(b).await.is_ok(),
    };
    assert!(ok, "operation {select} failed on the virtual card");
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: mynacard-fuzz-seeds DIR");
        return ExitCode::from(2);
    };
    std::fs::create_dir_all(&dir).expect("create the corpus folder");
    let persona = Persona::builtin("taro").unwrap();
    let b = CardNumberB::new(&persona.card_number_b()).unwrap();
    for extended in [true, false] {
        for op in 0..10u8 {
            let select = op | if extended { 0x80 } else { 0 };
            let transport = VirtualTransport::new(VirtualCard::new(persona.clone()))
                .with_extended_length(extended);
            let mut recorder = Recorder {
                inner: transport,
                answers: vec![select],
            };
            pollster::block_on(async {
                let mut card = MynaCard::connect(&mut recorder).await.expect("connect");
                run(select, &mut card, &b).await;
            });
            let path = dir.join(format!(
                "op{op}-{}",
                if extended { "extended" } else { "short" }
            ));
            std::fs::write(&path, &recorder.answers).expect("write a seed");
        }
    }
    println!("wrote 20 seeds to {}", dir.display());
    ExitCode::SUCCESS
}
