//! Small helpers for JS objects, shared by every part of the face (compiled on every target,
//! since `verify()` and the OIDC backend build natively too).

use js_sys::{Object, Reflect};
use mynacard_core::four_info::FourInfo;
use wasm_bindgen::JsValue;

/// `obj[key]`, undefined when `obj` is not an object.
// Its callers (the session, the OIDC backend) are not in a native build without `oidc`.
#[cfg_attr(not(any(target_arch = "wasm32", feature = "oidc")), allow(dead_code))]
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn set(obj: &Object, key: &str, value: JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value);
}

/// 基本4情報 as the page sees it from every source (card read, 署名用 certificate, userinfo):
/// `{ name, address, birthDate, sex }`, 外字 marked 〓; `sex` the ISO/IEC 5218 digit, or an
/// unrecognized code as the card holds it.
pub fn four_info_object(f: &FourInfo) -> Object {
    let o = Object::new();
    set(&o, "name", f.name.to_marked_string().into());
    set(&o, "address", f.address.to_marked_string().into());
    set(&o, "birthDate", f.birth_date.to_string().into());
    set(&o, "sex", f.sex.code().to_string().into());
    o
}
