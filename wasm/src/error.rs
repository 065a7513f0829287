//! Core errors as JavaScript `Error`s: `name` "MynaError", `code` (the stable code shared by
//! every face), `params`, and the Japanese message beside the English `message`.

use js_sys::{Object, Reflect};
use mynacard_core::Error;
use wasm_bindgen::JsValue;

pub fn to_js(e: &Error) -> JsValue {
    let error = js_sys::Error::new(&e.message_en());
    error.set_name("MynaError");
    let params = Object::new();
    for (k, v) in e.params() {
        let _ = Reflect::set(&params, &k.into(), &v.into());
    }
    let _ = Reflect::set(&error, &"code".into(), &e.code().into());
    let _ = Reflect::set(&error, &"params".into(), &params);
    let _ = Reflect::set(&error, &"messageJa".into(), &e.message_ja().into());
    error.into()
}
