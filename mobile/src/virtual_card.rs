//! The virtual card as an exported object (feature `virtual-card`, tests only): foreign test
//! code implements [`crate::NfcTransport`] by handing each APDU to it, so the whole path
//! foreign → Rust session → foreign transport → card runs.

use std::sync::Mutex;

use mynacard_core::error::UsageError;
use mynacard_virtual_card::{App, VirtualCard};

#[derive(uniffi::Object)]
pub struct TestCard {
    card: Mutex<VirtualCard>,
}

#[uniffi::export]
impl TestCard {
    /// A built-in persona (`taro`, `hanako`, `locked`, …); `INVALID_ARGUMENT` for another.
    #[uniffi::constructor]
    pub fn new(persona: String) -> Result<std::sync::Arc<Self>, crate::MynaError> {
        VirtualCard::builtin(&persona)
            .map(|card| {
                std::sync::Arc::new(TestCard {
                    card: Mutex::new(card),
                })
            })
            .ok_or_else(|| {
                mynacard_core::Error::Usage(UsageError::InvalidArgument {
                    what: "unknown persona",
                })
                .into()
            })
    }

    /// One APDU exchange.
    pub fn process(&self, apdu: Vec<u8>) -> Vec<u8> {
        self.card
            .lock()
            .map(|mut c| c.process(&apdu))
            .unwrap_or_else(|_| vec![0x6F, 0x00])
    }

    /// VERIFY commands carrying a PIN that reached the card.
    pub fn verify_count(&self) -> u32 {
        self.card
            .lock()
            .map(|c| {
                c.seen()
                    .iter()
                    .filter(|s| s.ins == 0x20 && s.lc > 0)
                    .count() as u32
            })
            .unwrap_or(0)
    }

    /// Tries left on the 利用者証明用 PIN.
    pub fn auth_tries(&self) -> u8 {
        self.card
            .lock()
            .ok()
            .and_then(|c| c.pin_tries(App::Jpki, 0x0018))
            .unwrap_or(0)
    }

    /// Tries left on the 券面事項確認AP birth-date key (EF 0011).
    pub fn birth_date_tries(&self) -> u8 {
        self.card
            .lock()
            .ok()
            .and_then(|c| c.pin_tries(App::Surface, 0x0011))
            .unwrap_or(0)
    }

    /// Whether any PIN of the card is verified now (none may be after an operation).
    pub fn any_verified(&self) -> bool {
        self.card
            .lock()
            .map(|c| {
                [
                    (App::Jpki, 0x0018),
                    (App::Jpki, 0x001B),
                    (App::Assist, 0x0011),
                    (App::Assist, 0x0014),
                    (App::Assist, 0x0015),
                    (App::Surface, 0x0011),
                    (App::Surface, 0x0012),
                    (App::Surface, 0x0013),
                ]
                .into_iter()
                .any(|(app, fid)| c.is_verified(app, fid))
            })
            .unwrap_or(true)
    }
}
