//! uniffi face of mynacard for Swift and Kotlin. For now: PIN format checks and the shared
//! error table; the NFC transport callback and card operations arrive with the mobile issue.

uniffi::setup_scaffolding!();

/// Which secret a string is meant to be.
#[derive(uniffi::Enum)]
pub enum PinKind {
    Auth,
    Sign,
    Assist,
    CardNumberA,
    CardNumberB,
}

/// `None` when `pin` has the card's format, else the error code (`PIN_FORMAT`). Nothing is sent.
#[uniffi::export]
pub fn check_pin_format(kind: PinKind, pin: String) -> Option<String> {
    use mynacard_core::{AssistPin, AuthPin, CardNumberA, CardNumberB, SignPin};
    let result = match kind {
        PinKind::Auth => AuthPin::new(&pin).map(drop),
        PinKind::Sign => SignPin::new(&pin).map(drop),
        PinKind::Assist => AssistPin::new(&pin).map(drop),
        PinKind::CardNumberA => CardNumberA::new(&pin).map(drop),
        PinKind::CardNumberB => CardNumberB::new(&pin).map(drop),
    };
    result.err().map(|e| e.code().to_string())
}

/// One row of the shared error table.
#[derive(uniffi::Record)]
pub struct ErrorCodeRow {
    pub code: String,
    pub en: String,
    pub ja: String,
}

/// The error table every face prints.
#[uniffi::export]
pub fn error_codes() -> Vec<ErrorCodeRow> {
    mynacard_core::error::ERROR_CODES
        .iter()
        .map(|r| ErrorCodeRow {
            code: r.code.into(),
            en: r.en.into(),
            ja: r.ja.into(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports() {
        assert_eq!(check_pin_format(PinKind::Auth, "1234".into()), None);
        assert_eq!(
            check_pin_format(PinKind::Sign, "abc".into()).as_deref(),
            Some("PIN_FORMAT")
        );
        assert_eq!(error_codes().len(), mynacard_core::error::ERROR_CODES.len());
    }
}
