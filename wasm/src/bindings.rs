//! The few browser APIs the face calls, declared here rather than taken from web-sys: WebUSB is
//! behind web-sys's unstable-API cfg (its shape changes between releases), and Web Smart Card
//! and Web NFC are not in web-sys at all. Every method is `catch`: a JS exception becomes an
//! `Err`, never an unwinding through wasm. Results that should be promises are taken as plain
//! values and wrapped with `Promise.resolve`, so a JS double returning anything cannot break
//! the awaiting code.

use js_sys::{Function, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A WebUSB `USBDevice` (or a double with the same shape).
    #[wasm_bindgen(typescript_type = "USBDevice")]
    #[derive(Clone, Debug)]
    pub type UsbDeviceJs;

    #[wasm_bindgen(method, getter, js_name = vendorId)]
    pub fn vendor_id(this: &UsbDeviceJs) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = productId)]
    pub fn product_id(this: &UsbDeviceJs) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn opened(this: &UsbDeviceJs) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn configuration(this: &UsbDeviceJs) -> JsValue;

    #[wasm_bindgen(method, catch)]
    pub fn open(this: &UsbDeviceJs) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn close(this: &UsbDeviceJs) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = selectConfiguration)]
    pub fn select_configuration(this: &UsbDeviceJs, value: u8) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = claimInterface)]
    pub fn claim_interface(this: &UsbDeviceJs, number: u8) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = releaseInterface)]
    pub fn release_interface(this: &UsbDeviceJs, number: u8) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = transferOut)]
    pub fn transfer_out(
        this: &UsbDeviceJs,
        endpoint: u8,
        data: &Uint8Array,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = transferIn)]
    pub fn transfer_in(this: &UsbDeviceJs, endpoint: u8, length: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = controlTransferOut)]
    pub fn control_transfer_out(
        this: &UsbDeviceJs,
        setup: &Object,
        data: &Uint8Array,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = controlTransferIn)]
    pub fn control_transfer_in(
        this: &UsbDeviceJs,
        setup: &Object,
        length: u16,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["navigator", "usb"], js_name = requestDevice)]
    pub fn usb_request_device(options: &Object) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["navigator", "usb"], js_name = getDevices)]
    pub fn usb_get_devices() -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: i32) -> Result<JsValue, JsValue>;
}

/// A promise of `v` (a promise stays itself; anything else resolves to itself).
pub fn promise(v: JsValue) -> Promise {
    Promise::resolve(&v)
}

/// Awaits a JS call that should return a promise; a synchronous throw or a rejection is `Err`.
pub async fn call(r: Result<JsValue, JsValue>) -> Result<JsValue, JsValue> {
    wasm_bindgen_futures::JsFuture::from(promise(r?)).await
}

/// A promise that resolves to `value` after `ms` milliseconds.
pub fn timer(ms: u32, value: JsValue) -> Promise {
    let ms = ms.min(i32::MAX as u32) as i32;
    Promise::new(&mut |resolve, reject| {
        let bound = resolve.bind1(&JsValue::UNDEFINED, &value);
        if let Err(e) = set_timeout(bound.unchecked_ref(), ms) {
            let _ = reject.call1(&JsValue::UNDEFINED, &e);
        }
    })
}

pub async fn sleep(ms: u32) {
    let _ = wasm_bindgen_futures::JsFuture::from(timer(ms, JsValue::UNDEFINED)).await;
}

pub use crate::js::{get, set};

/// `obj[key]` as a whole number in `0..=max`.
pub fn get_uint(obj: &JsValue, key: &str, max: u32) -> Option<u32> {
    get(obj, key)
        .as_f64()
        .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v <= f64::from(max))
        .map(|v| v as u32)
}

/// Calls `obj[name](...args)` if it is a function.
pub fn call_method(obj: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f = get(obj, name);
    let Some(f) = f.dyn_ref::<Function>() else {
        return Err(JsValue::from_str(&format!("{name} is not a function")));
    };
    let array = js_sys::Array::new();
    for a in args {
        array.push(a);
    }
    f.apply(obj, &array)
}

/// The `name` of a DOMException or Error (`NotFoundError`, `SecurityError`...).
pub fn error_name(e: &JsValue) -> String {
    get(e, "name").as_string().unwrap_or_default()
}

/// The message of a JS error, for developer details (never card data).
pub fn error_message(e: &JsValue) -> String {
    get(e, "message")
        .as_string()
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// Bytes of a Uint8Array, ArrayBuffer or DataView (`None` for anything else).
pub fn bytes_of(v: &JsValue) -> Option<Vec<u8>> {
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return Some(a.to_vec());
    }
    if let Some(b) = v.dyn_ref::<js_sys::ArrayBuffer>() {
        return Some(Uint8Array::new(b).to_vec());
    }
    if let Some(d) = v.dyn_ref::<js_sys::DataView>() {
        let view = Uint8Array::new_with_byte_offset_and_length(
            &d.buffer(),
            d.byte_offset() as u32,
            d.byte_length() as u32,
        );
        return Some(view.to_vec());
    }
    None
}
