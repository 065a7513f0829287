//! Core errors as JavaScript `MynaError`s (a subclass of `Error`, `wasm/js/myna-error.js`):
//! `code` (the stable code shared by every face), `messageEn` (also `message`), `messageJa`,
//! `params`, and `remaining` for `PIN_INCORRECT`. The texts come from the core's error table.

use js_sys::{Object, Reflect};
use mynacard_core::Error;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(raw_module = "../myna-error.js")]
extern "C" {
    #[wasm_bindgen(js_name = mynaError)]
    fn myna_error(
        code: &str,
        message_en: &str,
        message_ja: &str,
        params: &Object,
        remaining: u8,
    ) -> JsValue;
}

#[cfg_attr(not(any(feature = "verify", target_arch = "wasm32")), allow(dead_code))]
pub fn to_js(e: &Error) -> JsValue {
    let params = Object::new();
    for (k, v) in e.params() {
        let _ = Reflect::set(&params, &k.into(), &v.into());
    }
    myna_error(
        e.code(),
        &e.message_en(),
        &e.message_ja(),
        &params,
        e.remaining_tries().unwrap_or(255),
    )
}
