//! WebAssembly face of mynacard (`docs/browser.md`): the `MynaCard` session class over WebUSB
//! readers (RC-S380, RC-S300, CCID through the core's sans-IO drivers), JS-supplied transports
//! and the Web Smart Card API; `requestReader()` / `getReaders()`; `detectNfcTap()`; PIN format
//! checks (a malformed PIN never reaches the card); the shared error table as `MynaError`; and
//! `verify()` for relying parties (Node servers too).
//!
//! The card-facing parts exist on wasm32 only (JS values are not `Send`, which the core's
//! transport asks for on native targets); a native build of this crate has the rest.

#[cfg(target_arch = "wasm32")]
mod bindings;
mod error;
mod js;
#[cfg(target_arch = "wasm32")]
mod links;
#[cfg(feature = "oidc")]
mod oidc;
#[cfg(target_arch = "wasm32")]
mod session;
#[cfg(feature = "verify")]
mod verify;
#[cfg(target_arch = "wasm32")]
mod webusb;

use mynacard_core::PinKind;
use mynacard_core::error::ERROR_CODES;
use wasm_bindgen::prelude::*;

/// Checks a PIN's format without sending it anywhere. `kind` is one of `auth`, `sign`,
/// `assist`, `card_number_a`, `card_number_b`. Returns `undefined` when valid, else the error
/// code (`PIN_FORMAT`, or `INVALID_ARGUMENT` for an unknown kind).
#[wasm_bindgen(js_name = checkPinFormat)]
pub fn check_pin_format(kind: &str, pin: &str) -> Option<String> {
    match PinKind::from_name(kind) {
        Some(kind) => kind.check(pin).err().map(|e| e.code().to_string()),
        None => Some("INVALID_ARGUMENT".to_string()),
    }
}

/// The message of an error code in `lang` (`ja` or `en`), without parameters filled in.
#[wasm_bindgen(js_name = errorMessage)]
pub fn error_message(code: &str, lang: &str) -> Option<String> {
    let row = ERROR_CODES.iter().find(|r| r.code == code)?;
    Some(if lang == "ja" { row.ja } else { row.en }.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_checks() {
        assert_eq!(check_pin_format("auth", "1234"), None);
        assert_eq!(
            check_pin_format("auth", "12345").as_deref(),
            Some("PIN_FORMAT")
        );
        assert_eq!(
            check_pin_format("nope", "1234").as_deref(),
            Some("INVALID_ARGUMENT")
        );
        assert!(
            error_message("PIN_LOCKED", "ja")
                .unwrap()
                .contains("ロック")
        );
    }
}
