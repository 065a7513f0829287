//! Links other than USB readers: a transport supplied from JavaScript (`{ transmit(apdu) }`),
//! the Web Smart Card API (`navigator.smartCard`, Isolated Web Apps only), and the Web NFC
//! tap detector (NDEF only: it cannot exchange APDUs).

use js_sys::{Object, Uint8Array};
use mynacard_core::Error;
use mynacard_core::transport::{Capabilities, TransportError};
use wasm_bindgen::prelude::*;

use crate::bindings::{self, call_method, get, set};

/// Longest response a transport may hand back (extended Le 65536 + SW).
const MAX_RESPONSE: u32 = 65_538;

/// Maps an error a JS transport threw: `{ code: 'CARD_REMOVED' | ... }` keeps its meaning.
fn js_transport_error(e: &JsValue) -> TransportError {
    match get(e, "code").as_string().as_deref() {
        Some("CARD_REMOVED") => TransportError::CardRemoved,
        Some("READER_DISCONNECTED") => TransportError::ReaderDisconnected,
        Some("READER_NOT_FOUND") => TransportError::ReaderNotFound,
        Some("TIMEOUT") => TransportError::Timeout,
        Some("CANCELLED") => TransportError::Cancelled,
        _ => TransportError::Other {
            detail: bindings::error_message(e),
        },
    }
}

fn response_bytes(v: &JsValue) -> Result<Vec<u8>, TransportError> {
    if let Some(a) = v.dyn_ref::<Uint8Array>()
        && a.length() > MAX_RESPONSE
    {
        return Err(TransportError::Other {
            detail: "response longer than any APDU".into(),
        });
    }
    let bytes = bindings::bytes_of(v).ok_or_else(|| TransportError::Other {
        detail: "transmit() must resolve to a Uint8Array".into(),
    })?;
    if bytes.len() > MAX_RESPONSE as usize {
        return Err(TransportError::Other {
            detail: "response longer than any APDU".into(),
        });
    }
    Ok(bytes)
}

/// `{ transmit(apdu: Uint8Array): Promise<Uint8Array>, extendedLength?: boolean }`.
pub struct JsTransport {
    object: JsValue,
    caps: Capabilities,
}

impl JsTransport {
    pub fn new(object: JsValue) -> JsTransport {
        let caps = Capabilities {
            extended_length: get(&object, "extendedLength") == JsValue::TRUE,
        };
        JsTransport { object, caps }
    }

    pub async fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let buf = Uint8Array::from(apdu);
        let r = bindings::call(call_method(&self.object, "transmit", &[buf.clone().into()])).await;
        // The command may hold a PIN: wipe the copy handed to JS once it is done with it.
        buf.fill(0, 0, buf.length());
        response_bytes(&r.map_err(|e| js_transport_error(&e))?)
    }

    pub fn capabilities(&self) -> Capabilities {
        self.caps
    }

    pub async fn close(&mut self) {
        close_js(self.object.clone()).await;
    }

    pub fn object(&self) -> JsValue {
        self.object.clone()
    }
}

/// Calls `object.close()` if there is one (best effort).
pub async fn close_js(object: JsValue) {
    if get(&object, "close").is_function() {
        let _ = bindings::call(call_method(&object, "close", &[])).await;
    }
}

/// `connection.disconnect('unpower')` of a Web Smart Card connection (best effort): the card
/// is powered down, which clears any PIN still verified on it. `"reset"` (a warm reset)
/// would keep verified PINs (docs/card-notes.md, card-evidence §7).
pub async fn disconnect_smart_card(connection: JsValue) {
    let _ = bindings::call(call_method(&connection, "disconnect", &["unpower".into()])).await;
}

/// A Web Smart Card API connection (`SmartCardConnection`).
pub struct SmartCard {
    context: JsValue,
    connection: JsValue,
    /// An open `startTransaction` (`wasm/js/smart-card.js`): its promise keeps it open.
    transaction: Option<JsValue>,
}

#[wasm_bindgen(module = "/js/smart-card.js")]
extern "C" {
    /// `{ finish, done }` once a transaction has begun, `null` without `startTransaction`.
    #[wasm_bindgen(js_name = beginSmartCardTransaction)]
    fn begin_smart_card_transaction(connection: &JsValue) -> js_sys::Promise;
    /// Ends it with `"leave"`; settles when the browser has ended it.
    #[wasm_bindgen(js_name = endSmartCardTransaction, catch)]
    fn end_smart_card_transaction(transaction: &JsValue) -> Result<JsValue, JsValue>;
}

fn smart_card_error(e: &JsValue) -> TransportError {
    // SmartCardError.responseCode (WICG web-smart-card).
    match get(e, "responseCode").as_string().as_deref() {
        Some("removed-card" | "no-smartcard" | "reset-card" | "unpowered-card") => {
            TransportError::CardRemoved
        }
        Some("reader-unavailable" | "no-service" | "shutdown") => {
            TransportError::ReaderDisconnected
        }
        Some("unknown-reader" | "no-readers-available") => TransportError::ReaderNotFound,
        Some("timeout") => TransportError::Timeout,
        Some("cancelled") => TransportError::Cancelled,
        _ => TransportError::Other {
            detail: bindings::error_message(e),
        },
    }
}

impl SmartCard {
    /// `navigator.smartCard.establishContext()`, the first reader (or `reader`), `connect`.
    pub async fn open(reader: Option<String>) -> Result<SmartCard, Error> {
        let navigator = get(&js_sys::global(), "navigator");
        let api = get(&navigator, "smartCard");
        if !api.is_object() {
            return Err(Error::Transport(TransportError::Other {
                detail: "the Web Smart Card API is not available (Isolated Web Apps only)".into(),
            }));
        }
        let fail = |e: JsValue| Error::from(smart_card_error(&e));
        let context = bindings::call(call_method(&api, "establishContext", &[]))
            .await
            .map_err(fail)?;
        let name = match reader {
            Some(r) => r,
            None => {
                let readers = bindings::call(call_method(&context, "listReaders", &[]))
                    .await
                    .map_err(fail)?;
                js_sys::Array::is_array(&readers)
                    .then(|| js_sys::Array::from(&readers).get(0).as_string())
                    .flatten()
                    .ok_or(Error::Transport(TransportError::ReaderNotFound))?
            }
        };
        let options = Object::new();
        let protocols = js_sys::Array::of2(&"t1".into(), &"t0".into());
        set(&options, "preferredProtocols", protocols.into());
        let result = bindings::call(call_method(
            &context,
            "connect",
            &[name.into(), "shared".into(), options.into()],
        ))
        .await
        .map_err(fail)?;
        let connection = get(&result, "connection");
        if !connection.is_object() {
            return Err(Error::Transport(TransportError::CardRemoved));
        }
        Ok(SmartCard {
            context,
            connection,
            transaction: None,
        })
    }

    /// `connection.startTransaction(…)`, resolved once the browser runs the callback (it
    /// holds PC/SC's `SCardBeginTransaction` then). A browser without the method: nothing,
    /// as before.
    pub async fn begin_transaction(&mut self) -> Result<(), TransportError> {
        if self.transaction.is_some() {
            return Ok(());
        }
        let begun = bindings::call(Ok(begin_smart_card_transaction(&self.connection).into()))
            .await
            .map_err(|e| smart_card_error(&e))?;
        if !begun.is_null() {
            self.transaction = Some(begun);
        }
        Ok(())
    }

    /// Ends the transaction with `"leave"` (the core has cleared the PIN already) and waits
    /// until the browser has ended it.
    pub async fn end_transaction(&mut self) -> Result<(), TransportError> {
        let Some(t) = self.transaction.take() else {
            return Ok(());
        };
        bindings::call(end_smart_card_transaction(&t))
            .await
            .map(drop)
            .map_err(|e| smart_card_error(&e))
    }

    pub async fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let buf = Uint8Array::from(apdu);
        let r = bindings::call(call_method(
            &self.connection,
            "transmit",
            &[buf.clone().into()],
        ))
        .await;
        buf.fill(0, 0, buf.length());
        response_bytes(&r.map_err(|e| smart_card_error(&e))?)
    }

    pub async fn close(&mut self) {
        disconnect_smart_card(self.connection.clone()).await;
        let _ = &self.context;
    }

    pub fn connection(&self) -> JsValue {
        self.connection.clone()
    }
}

/// Resolves when Web NFC (`NDEFReader`, Chrome on Android) notices a tag: a `reading` event, or
/// a `readingerror` event, which is what a My Number Card (not NDEF) gives. Web NFC cannot
/// exchange APDUs, so a page uses this only to offer the hand-off to a native app.
pub async fn detect_nfc_tap(signal: JsValue) -> Result<JsValue, Error> {
    let global = js_sys::global();
    let ctor = get(&global, "NDEFReader");
    let Some(ctor) = ctor.dyn_ref::<js_sys::Function>() else {
        return Err(Error::Transport(TransportError::Other {
            detail: "Web NFC is not available in this browser".into(),
        }));
    };
    let reader = js_sys::Reflect::construct(ctor, &js_sys::Array::new()).map_err(|e| {
        Error::Transport(TransportError::Other {
            detail: bindings::error_message(&e),
        })
    })?;
    let tapped = js_sys::Promise::new(&mut |resolve, reject| {
        let on_read = resolve.bind1(&JsValue::UNDEFINED, &"ndef".into());
        let on_error = resolve.bind1(&JsValue::UNDEFINED, &"other".into());
        set(reader.unchecked_ref(), "onreading", on_read.into());
        set(reader.unchecked_ref(), "onreadingerror", on_error.into());
        if signal.is_object() {
            let _ = call_method(
                &signal,
                "addEventListener",
                &["abort".into(), reject.into()],
            );
        }
    });
    let options = Object::new();
    if signal.is_object() {
        set(&options, "signal", signal);
    }
    bindings::call(call_method(&reader, "scan", &[options.into()]))
        .await
        .map_err(|e| match bindings::error_name(&e).as_str() {
            "AbortError" => Error::Transport(TransportError::Cancelled),
            _ => Error::Transport(TransportError::Other {
                detail: bindings::error_message(&e),
            }),
        })?;
    wasm_bindgen_futures::JsFuture::from(tapped)
        .await
        .map_err(|_| Error::Transport(TransportError::Cancelled))
}
