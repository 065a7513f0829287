//! `mynacard-fuzz-seeds DIR`: writes the recorded seeds of two fuzz targets (tests/fuzz):
//! `DIR/card_responses`: for each operation, the virtual card's real answers; `DIR/reader_frames`:
//! the emulated readers' real IN transfers for open, one READ BINARY and close. Both in the
//! targets' input format (selector byte, then [len_hi len_lo bytes…] per answer).

use std::path::PathBuf;
use std::process::ExitCode;

use mynacard_core::card::SurfaceKey;
use mynacard_core::reader::{Operation, ReaderDriver, TransferResult, UsbStep};
use mynacard_core::transport::{Capabilities, Transport, TransportError};
use mynacard_core::{AssistPin, AuthPin, CardNumberB, CardPin, MynaCard, SignInput, SignPin};
use mynacard_virtual_card::usb::UsbEmulator;
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

/// The operation the fuzz target runs for `select % 10`, or the internal authentication when
/// bit 0x40 is set (same order as the target).
async fn run(select: u8, card: &mut MynaCard<&mut Recorder>, b: &CardNumberB) {
    let auth = AuthPin::new("1234").unwrap();
    let assist = AssistPin::new("1234").unwrap();
    let sign = SignPin::new("TARO2025").unwrap();
    let birth = mynacard_core::BirthDatePin::new("550217").unwrap();
    let ok = match select % 10 {
        _ if select & 0x40 != 0 => card.internal_authentication(&birth, None).await.is_ok(),
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

/// Runs `op` of a core reader driver against an emulated reader, appending every IN answer.
fn drive(
    driver: &mut dyn ReaderDriver,
    device: &mut dyn UsbEmulator,
    op: Operation<'_>,
    answers: &mut Vec<u8>,
) {
    let mut step = driver.start(op);
    loop {
        let input = match step {
            UsbStep::Done(result) => {
                result.expect("the emulated reader answers");
                return;
            }
            UsbStep::Out { endpoint, data } => {
                device.transfer_out(endpoint, &data).expect("OUT");
                TransferResult::Sent
            }
            UsbStep::In {
                endpoint, max_len, ..
            } => {
                let answer = device.transfer_in(endpoint, max_len).expect("IN");
                answers.extend_from_slice(&(answer.len() as u16).to_be_bytes());
                answers.extend_from_slice(&answer);
                TransferResult::Received(answer)
            }
            UsbStep::Wait { .. } => TransferResult::Waited,
            UsbStep::ControlOut { .. } | UsbStep::ControlIn { .. } => {
                panic!("no control transfers in these drivers")
            }
        };
        step = driver.next(input);
    }
}

fn reader_seeds(dir: &std::path::Path, persona: &Persona) {
    use mynacard_core::reader::ccid::{Ccid, CcidConfig};
    use mynacard_core::reader::port100::{Port100, Port100Config};
    use mynacard_core::reader::rcs300::{Rcs300, Rcs300Config};
    use mynacard_virtual_card::usb;
    std::fs::create_dir_all(dir).expect("create the corpus folder");
    let card = || VirtualCard::new(persona.clone());
    let run =
        |select: u8, name: &str, driver: &mut dyn ReaderDriver, device: &mut dyn UsbEmulator| {
            let mut answers = vec![select];
            let ops = [
                Operation::Open,
                Operation::Exchange(&READER_SELECT),
                Operation::Exchange(&READER_READ),
                Operation::Close,
            ];
            for op in ops {
                drive(driver, device, op, &mut answers);
            }
            std::fs::write(dir.join(name), answers).expect("write a seed");
        };
    run(
        0,
        "rcs380",
        &mut Port100::new(Port100Config::default()),
        &mut usb::Rcs380::new(card()),
    );
    run(
        1,
        "rcs300",
        &mut Rcs300::new(Rcs300Config::default()),
        &mut usb::Rcs300::new(card()),
    );
    let cfg = CcidConfig::default();
    run(
        2,
        "ccid",
        &mut Ccid::new(cfg),
        &mut usb::CcidReader::new(card(), usb::CcidLevel::ExtendedApdu, cfg.max_message),
    );
}

/// What the `reader_frames` target sends: SELECT JPKI, then a whole certificate by short EF id.
const READER_SELECT: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
];
const READER_READ: [u8; 7] = [0x00, 0xB0, 0x8A, 0x00, 0x00, 0x00, 0x00];

fn main() -> ExitCode {
    let Some(root) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: mynacard-fuzz-seeds DIR");
        return ExitCode::from(2);
    };
    reader_seeds(
        &root.join("reader_frames"),
        &Persona::builtin("taro").unwrap(),
    );
    let dir = root.join("card_responses");
    std::fs::create_dir_all(&dir).expect("create the corpus folder");
    let persona = Persona::builtin("taro").unwrap();
    let b = CardNumberB::new(&persona.card_number_b()).unwrap();
    for extended in [true, false] {
        for op in (0..10u8).chain([0x40]) {
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
    println!("wrote 25 seeds under {}", root.display());
    ExitCode::SUCCESS
}
