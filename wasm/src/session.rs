//! The JS-facing `MynaCard` session: every core operation as a method returning a Promise,
//! over a WebUSB reader, a JS transport or a Web Smart Card connection. Errors reject with
//! `MynaError`. An `AbortSignal` (per session and per call) is checked before every APDU:
//! once aborted the operation ends with `CANCELLED` between two APDUs, never inside one; the
//! commands that clear a verified PIN still go out (`Transport::clearing`).
//!
//! One operation at a time: the session is taken out of its cell while an operation runs and
//! put back after, so a second call meanwhile gets `BUSY` (nothing sent to the card), not a panic.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Uint8Array};
use mynacard_core::transport::{Capabilities, Transport, TransportError};
use mynacard_core::{
    Application, AssistPin, AuthPin, CardPin, Error, JpkiCertificate, MynaCard as CoreCard,
    PinKind, PinState, Progress, SignInput, SignPin,
};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::bindings::{self, UsbDeviceJs, get, set};
use crate::links::{JsTransport, SmartCard};
use crate::webusb::{self, UsbLink};
use mynacard_core::error::UsageError;

/// Per-session state shared by the link and the JS object: abort signals and progress callback.
#[derive(Default)]
struct Controls {
    session_signal: Option<JsValue>,
    call_signal: Option<JsValue>,
    session_progress: Option<Function>,
    call_progress: Option<Function>,
    /// `close()` ran: later calls get SESSION_CLOSED, not BUSY.
    closed: bool,
    /// The core is clearing the card's security state (`Transport::clearing`): its commands
    /// go out even after an abort, so no PIN stays verified.
    clearing: bool,
}

impl Controls {
    fn aborted(&self) -> bool {
        [&self.session_signal, &self.call_signal]
            .into_iter()
            .flatten()
            .any(|s| get(s, "aborted") == JsValue::TRUE)
    }
}

enum LinkKind {
    Usb(UsbLink),
    Js(JsTransport),
    SmartCard(SmartCard),
}

/// The core's `Transport` for a session: abort check, then the link.
struct Link {
    kind: LinkKind,
    controls: Rc<RefCell<Controls>>,
    caps: Capabilities,
}

impl Transport for Link {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let aborted = {
            let c = self.controls.borrow();
            !c.clearing && c.aborted()
        };
        if aborted {
            return Err(TransportError::Cancelled);
        }
        match &mut self.kind {
            LinkKind::Usb(l) => l.transmit(command).await,
            LinkKind::Js(l) => l.transmit(command).await,
            LinkKind::SmartCard(l) => l.transmit(command).await,
        }
    }

    fn capabilities(&self) -> Capabilities {
        self.caps
    }

    fn clearing(&mut self, on: bool) {
        if let Ok(mut c) = self.controls.try_borrow_mut() {
            c.clearing = on;
        }
    }

    /// Web Smart Card: `startTransaction` (other programs on the machine share the reader
    /// through PC/SC). A USB reader claimed by this page and a JS transport: nothing to do.
    async fn begin_exclusive(&mut self) -> Result<(), TransportError> {
        match &mut self.kind {
            LinkKind::SmartCard(l) => l.begin_transaction().await,
            LinkKind::Usb(_) | LinkKind::Js(_) => Ok(()),
        }
    }

    async fn end_exclusive(&mut self) -> Result<(), TransportError> {
        match &mut self.kind {
            LinkKind::SmartCard(l) => l.end_transaction().await,
            LinkKind::Usb(_) | LinkKind::Js(_) => Ok(()),
        }
    }
}

/// Releases what a link held when the link itself is gone.
enum Cleanup {
    Usb(webusb::Releaser),
    Js(JsValue),
    SmartCard(JsValue),
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::Usb(r) => r.run().await,
            Cleanup::Js(o) => crate::links::close_js(o).await,
            Cleanup::SmartCard(c) => crate::links::disconnect_smart_card(c).await,
        }
    }
}

impl Link {
    async fn close(&mut self) {
        match &mut self.kind {
            LinkKind::Usb(l) => l.close().await,
            LinkKind::Js(l) => l.close().await,
            LinkKind::SmartCard(l) => l.close().await,
        }
    }
}

fn js_err(e: Error) -> JsValue {
    crate::error::to_js(&e)
}

fn progress_object(p: &Progress) -> Object {
    let o = Object::new();
    let app = |a: Application| match a {
        Application::Jpki => "jpki",
        Application::Assist => "assist",
        Application::Surface => "surface",
    };
    // `code`: the core's stable code, the same in every face; `step`: the same in camelCase,
    // as this face has always spelled it.
    set(&o, "code", p.code().into());
    set(&o, "step", camel(p.code()).into());
    match p {
        Progress::Selecting { application } => {
            set(&o, "application", app(*application).into());
        }
        Progress::CheckingTries { pin } | Progress::VerifyingPin { pin } => {
            set(&o, "pin", pin.code().into());
        }
        Progress::Reading { ef, done, total } => {
            set(&o, "ef", (*ef).into());
            set(&o, "done", (*done as u32).into());
            set(&o, "total", (*total as u32).into());
        }
        Progress::Signing => {}
    }
    o
}

/// `checking_tries` → `checkingTries`.
fn camel(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut upper = false;
    for c in code.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// `{ state, remaining? }` of a PIN, with the core's state code.
fn pin_state_object(state: PinState) -> Object {
    let s = Object::new();
    set(&s, "state", state.code().into());
    if let Some(n) = state.remaining() {
        set(&s, "remaining", n.into());
    }
    s
}

/// `options.signal` / `options.onProgress` of a call.
fn read_options(options: &JsValue) -> (Option<JsValue>, Option<Function>) {
    let signal = Some(get(options, "signal")).filter(|s| s.is_object());
    let progress = get(options, "onProgress").dyn_into::<Function>().ok();
    (signal, progress)
}

fn bytes_arg(v: &JsValue, what: &'static str) -> Result<Vec<u8>, Error> {
    bindings::bytes_of(v).ok_or(Error::Usage(UsageError::InvalidArgument { what }))
}

/// The PIN as a string, wiped from wasm memory when dropped.
fn pin_arg(v: &JsValue) -> Result<Zeroizing<String>, Error> {
    v.as_string()
        .map(Zeroizing::new)
        .ok_or(Error::Usage(UsageError::InvalidArgument {
            what: "the PIN must be a string",
        }))
}

/// The kinds of PIN a resident can change (not the 照合番号, printed on the card).
#[cfg(feature = "verify")]
fn changeable_kind(name: &str) -> Result<PinKind, Error> {
    PinKind::from_name(name)
        .filter(|k| matches!(k, PinKind::Auth | PinKind::Sign | PinKind::Assist))
        .ok_or(Error::Usage(UsageError::InvalidArgument {
            what: "the PIN to change must be auth, sign or assist",
        }))
}

fn cert_object(c: &JpkiCertificate) -> Uint8Array {
    Uint8Array::from(c.der())
}

type Session = CoreCard<Link>;

#[wasm_bindgen]
extern "C" {
    /// `{ signal?, onProgress? }` of a call (read with Reflect; any object works).
    #[wasm_bindgen(typescript_type = "CallOptions")]
    pub type CallOptionsJs;
    #[wasm_bindgen(typescript_type = "AbortSignal")]
    pub type AbortSignalJs;
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** The minimal shape of a WebUSB USBDevice this package uses (the DOM's USBDevice fits). */
export interface USBDevice {
  readonly vendorId: number;
  readonly productId: number;
  readonly opened: boolean;
  readonly configuration?: unknown;
  open(): Promise<void>;
  close(): Promise<void>;
  selectConfiguration(value: number): Promise<void>;
  claimInterface(interfaceNumber: number): Promise<void>;
  releaseInterface(interfaceNumber: number): Promise<void>;
  transferIn(endpointNumber: number, length: number): Promise<unknown>;
  transferOut(endpointNumber: number, data: BufferSource): Promise<unknown>;
  controlTransferIn(setup: object, length: number): Promise<unknown>;
  controlTransferOut(setup: object, data?: BufferSource): Promise<unknown>;
}
/** An APDU link supplied by the page (e.g. a native bridge or a test double). */
export interface ApduTransport {
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
  /** The link carries extended-length APDUs end to end. */
  extendedLength?: boolean;
  close?(): Promise<void> | void;
}
/** Web Smart Card API reader (Isolated Web Apps only); null takes the first reader. */
export interface SmartCardSource { smartCardReader: string | null }
export type ConnectSource = USBDevice | ApduTransport | SmartCardSource;
export type ReaderKind = 'rcs380' | 'rcs300' | 'ccid';
/** `code` is the core's stable step code (the same in Kotlin, Swift, Python); `step` spells it in camelCase. */
export type Progress =
  | { code: 'selecting'; step: 'selecting'; application: 'jpki' | 'assist' | 'surface' }
  | { code: 'checking_tries'; step: 'checkingTries'; pin: PinName }
  | { code: 'verifying_pin'; step: 'verifyingPin'; pin: PinName }
  | { code: 'reading'; step: 'reading'; ef: number; done: number; total: number }
  | { code: 'signing'; step: 'signing' };
export interface CallOptions {
  /** Checked before every APDU: once aborted the call rejects with code CANCELLED. */
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}
export type PinName = 'jpki_auth' | 'jpki_sign' | 'assist' | 'assist_card_number_a'
  | 'assist_card_number_b' | 'surface_card_number_a' | 'surface_card_number_b'
  | 'surface_birth_date';
export interface PinTry { state: 'remaining' | 'locked' | 'verified' | 'absent'; remaining?: number }
export type PinTries = Record<PinName, PinTry>;
export interface Authentication { signature: Uint8Array; certificate: Uint8Array }
export interface Signed { signature: Uint8Array; certificate: Uint8Array }
/** The 券面事項確認AP's answer to the internal authentication (内部認証): the challenge, the
 * card's signature over it, EF 0001 (birth date, card key, issuer signature) and EF 0004 (the
 * key record) as read, for a server's `verifyInternalAuthentication`; birthDate YYYY-MM-DD. */
export interface InternalAuthentication {
  challenge: Uint8Array; signature: Uint8Array; ageRecord: Uint8Array; keyRecord: Uint8Array;
  birthDate: string | null; issuerKeyId: string | null;
}
export interface InternalAuthenticationCheck {
  challenge: Uint8Array; signature: Uint8Array; ageRecord: Uint8Array; keyRecord: Uint8Array;
  /** The J-LIS key that issues key records, as a `90 e 91 n` key object; without it the
   * records' issuer is unchecked (keyRecordChecked false). */
  issuerKey?: Uint8Array;
}
export interface CardGenuineness {
  keyRecordChecked: boolean; birthDate: string | null; issuerKeyId: string | null;
}
/** 基本4情報; characters the card holds as 外字 are shown as 〓. sex (ISO/IEC 5218): '0' not
 * known, '1' male, '2' female, '9' not applicable; any other code is passed on as the card holds
 * it (one character). integrity (card reads only): 'verified' when checked against the card's
 * hash, else why it could not be checked ('integrity_file_closed'): then the data is unchecked. */
export interface FourInfo {
  name: string; address: string; birthDate: string; sex: string;
  integrity?: 'verified' | 'integrity_file_closed';
}
export interface VerifyOptions {
  certificate?: Uint8Array; signature?: Uint8Array; data?: Uint8Array; kind?: 'auth' | 'sign';
  cms?: Uint8Array; content?: Uint8Array;
  anchors?: Uint8Array[]; crls?: Uint8Array[];
  /** Unix seconds; default now. */
  at?: number;
  /** Refuse ECDSA P-384 certificates (services that take RSA only). */
  rsaOnly?: boolean;
}
export interface VerifyResult {
  subject: string; serial: string; notAfter: number; status: 'good' | 'not_checked';
  /** The certificate's key: RSA-2048 today, ECDSA P-384 in the next generation. */
  keyAlgorithm: 'rsa' | 'ecdsa-p384'; keyBits: number;
  /** Where the status came from; null when not checked. */
  source: 'crl' | 'ocsp' | null;
  fourInfo: FourInfo | null; signingTime?: number | null; content?: Uint8Array;
}
"#;

/// One operation: `$body` runs with `$card: &mut Session` and yields `Result<JsValue, Error>`.
/// One operation on a taken session, boxed so that `run` exists once.
type Op = Box<
    dyn FnOnce(
        Session,
    ) -> std::pin::Pin<
        Box<dyn core::future::Future<Output = (Session, Result<JsValue, Error>)>>,
    >,
>;

macro_rules! op {
    ($self:ident, $options:expr, $card:ident, $body:block) => {
        $self.run(
            $options,
            Box::new(move |mut session: Session| {
                Box::pin(async move {
                    let result: Result<JsValue, Error> = async {
                        let $card = &mut session;
                        $body
                    }
                    .await;
                    (session, result)
                })
            }),
        )
    };
}

/// A session with one My Number Card. Open with `MynaCard.connect(source, options)`.
#[wasm_bindgen(js_name = MynaCard)]
pub struct MynaCardJs {
    session: Rc<RefCell<Option<Session>>>,
    controls: Rc<RefCell<Controls>>,
    reader: &'static str,
}

/// Takes the session for one operation: BUSY when another operation holds it (nothing is sent
/// to the card), SESSION_CLOSED after `close()`.
fn take(
    cell: &Rc<RefCell<Option<Session>>>,
    controls: &RefCell<Controls>,
) -> Result<Session, Error> {
    let taken = cell.try_borrow_mut().ok().and_then(|mut s| s.take());
    taken.ok_or_else(|| match controls.try_borrow() {
        Ok(c) if c.closed => Error::Usage(UsageError::SessionClosed),
        _ => Error::Usage(UsageError::Busy),
    })
}

#[wasm_bindgen(js_class = MynaCard)]
impl MynaCardJs {
    /// Opens a session. `source` is a WebUSB `USBDevice` (RC-S380, RC-S300 or CCID reader), an
    /// object `{ transmit(apdu): Promise<Uint8Array> }`, or `{ smartCardReader: name | null }`
    /// for the Web Smart Card API. `options`: `{ signal?: AbortSignal, onProgress?: (p) => void }`.
    #[wasm_bindgen(unchecked_return_type = "Promise<MynaCard>")]
    pub fn connect(
        #[wasm_bindgen(unchecked_param_type = "ConnectSource")] source: JsValue,
        options: Option<CallOptionsJs>,
    ) -> js_sys::Promise {
        wasm_bindgen_futures::future_to_promise(async move {
            let (signal, progress) = read_options(&options.map(JsValue::from).unwrap_or_default());
            let controls = Rc::new(RefCell::new(Controls {
                session_signal: signal,
                session_progress: progress,
                ..Default::default()
            }));
            if controls.borrow().aborted() {
                return Err(js_err(Error::Transport(TransportError::Cancelled)));
            }
            let (kind, reader) = if get(&source, "transferIn").is_function() {
                let device: UsbDeviceJs = source.unchecked_into();
                let link = webusb::open(device).await.map_err(js_err)?;
                let name = link.kind().as_str();
                (LinkKind::Usb(link), name)
            } else if get(&source, "transmit").is_function() {
                (LinkKind::Js(JsTransport::new(source)), "js")
            } else if source.is_object()
                && js_sys::Reflect::has(&source, &"smartCardReader".into()).unwrap_or(false)
            {
                let name = get(&source, "smartCardReader").as_string();
                (
                    LinkKind::SmartCard(SmartCard::open(name).await.map_err(js_err)?),
                    "smartcard",
                )
            } else {
                return Err(js_err(Error::Usage(UsageError::InvalidArgument {
                    what: "connect() takes a USBDevice, { transmit } or { smartCardReader }",
                })));
            };
            let caps = match &kind {
                LinkKind::Usb(l) => l.capabilities(),
                LinkKind::Js(l) => l.capabilities(),
                LinkKind::SmartCard(_) => Capabilities::default(),
            };
            let mut link = Link {
                kind,
                controls: controls.clone(),
                caps,
            };
            if controls.borrow().aborted() {
                link.close().await;
                return Err(js_err(Error::Transport(TransportError::Cancelled)));
            }
            // The core consumes the link; if it refuses the card, release the reader anyway.
            let cleanup = match &link.kind {
                LinkKind::Usb(l) => Cleanup::Usb(l.releaser()),
                LinkKind::Js(l) => Cleanup::Js(l.object()),
                LinkKind::SmartCard(l) => Cleanup::SmartCard(l.connection()),
            };
            let mut card = match CoreCard::connect(link).await {
                Ok(card) => card,
                Err(e) => {
                    cleanup.run().await;
                    return Err(js_err(e));
                }
            };
            let sink = controls.clone();
            card.set_progress(Box::new(move |p: &Progress| {
                let f = sink
                    .try_borrow()
                    .ok()
                    .and_then(|c| c.call_progress.clone().or(c.session_progress.clone()));
                if let Some(f) = f {
                    let _ = f.call1(&JsValue::UNDEFINED, &progress_object(p));
                }
            }));
            Ok(MynaCardJs {
                session: Rc::new(RefCell::new(Some(card))),
                controls,
                reader,
            }
            .into())
        })
    }

    /// `rcs380`, `rcs300`, `ccid`, `js` or `smartcard`.
    #[wasm_bindgen(getter, unchecked_return_type = "ReaderKind | 'js' | 'smartcard'")]
    pub fn reader(&self) -> String {
        self.reader.to_string()
    }

    /// APDUs sent in this session.
    #[wasm_bindgen(getter)]
    pub fn apdus(&self) -> u32 {
        self.session
            .try_borrow()
            .ok()
            .and_then(|s| s.as_ref().map(|c| c.stats().apdus as u32))
            .unwrap_or(0)
    }

    /// USB transfers made in this session (0 for other links).
    #[wasm_bindgen(getter, js_name = usbTransfers)]
    pub fn usb_transfers(&self) -> u32 {
        self.session
            .try_borrow()
            .ok()
            .and_then(|s| {
                s.as_ref().map(|c| match &c.transport().kind {
                    LinkKind::Usb(l) => l.transfers() as u32,
                    _ => 0,
                })
            })
            .unwrap_or(0)
    }

    /// Runs one operation with the call's options; the session is put back whatever happens.
    /// Not generic (one copy in the module): `op` is boxed.
    fn run(&self, options: Option<CallOptionsJs>, op: Op) -> js_sys::Promise {
        let cell = self.session.clone();
        let controls = self.controls.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let (signal, progress) = read_options(&options.map(JsValue::from).unwrap_or_default());
            let card = take(&cell, &controls).map_err(js_err)?;
            if let Ok(mut c) = controls.try_borrow_mut() {
                c.call_signal = signal;
                c.call_progress = progress;
            }
            let (card, result) = if controls.borrow().aborted() {
                (card, Err(Error::Transport(TransportError::Cancelled)))
            } else {
                op(card).await
            };
            if let Ok(mut c) = controls.try_borrow_mut() {
                c.call_signal = None;
                c.call_progress = None;
            }
            if let Ok(mut s) = cell.try_borrow_mut() {
                *s = Some(card);
            }
            result.map_err(js_err)
        })
    }

    /// 利用者証明用電子証明書 (DER). No PIN.
    #[wasm_bindgen(js_name = readAuthCertificate, unchecked_return_type = "Promise<Uint8Array>")]
    pub fn read_auth_certificate(&self, options: Option<CallOptionsJs>) -> js_sys::Promise {
        op!(self, options, card, {
            let cert = card.read_auth_certificate().await?;
            Ok(cert_object(&cert).into())
        })
    }

    /// Signs `challenge` with the 利用者証明用 key after one VERIFY of the 4-digit PIN (checked
    /// before any APDU). Resolves to `{ signature, certificate }` (both Uint8Array; DER).
    #[wasm_bindgen(unchecked_return_type = "Promise<Authentication>")]
    pub fn authenticate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] pin: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] challenge: JsValue,
        options: Option<CallOptionsJs>,
    ) -> js_sys::Promise {
        let parsed = pin_arg(&pin).and_then(|p| AuthPin::new(&p)).and_then(|p| {
            Ok((
                p,
                bytes_arg(&challenge, "the challenge must be a Uint8Array")?,
            ))
        });
        op!(self, options, card, {
            let (pin, challenge) = parsed?;
            let auth = card.authenticate(&pin, SignInput::data(&challenge)).await?;
            let o = Object::new();
            set(
                &o,
                "signature",
                Uint8Array::from(auth.signature.as_slice()).into(),
            );
            set(&o, "certificate", cert_object(&auth.certificate).into());
            Ok(o.into())
        })
    }

    /// 基本4情報 with the 4-digit 券面事項入力補助用暗証番号, checked against the card's
    /// integrity hash. Resolves to `{ name, address, birthDate, sex, integrity }` (外字 marked
    /// 〓; `integrity` is `verified`, or why the card's hash could not be read).
    #[wasm_bindgen(js_name = readFourInfo, unchecked_return_type = "Promise<FourInfo>")]
    pub fn read_four_info(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] pin: JsValue,
        options: Option<CallOptionsJs>,
    ) -> js_sys::Promise {
        let parsed = pin_arg(&pin).and_then(|p| AssistPin::new(&p));
        op!(self, options, card, {
            let pin = parsed?;
            let read = card.read_four_info(&pin).await?;
            let o = crate::js::four_info_object(&read.four_info);
            crate::js::set(&o, "integrity", read.integrity.code().into());
            Ok(o.into())
        })
    }

    /// The 券面事項確認AP internal authentication (内部認証, かざし利用): `birthDate` (the service's
    /// registered `YYYYMMDD` / `YYYY-MM-DD`, or the card's era form `YYMMDD`) opens EF 0001;
    /// checked before any APDU (`PIN_FORMAT`). `challenge`: the server's fresh challenge
    /// (16–1024 bytes), or undefined for 32 random bytes. One VERIFY, never retried
    /// (`PIN_INCORRECT` with `remaining`); the answer is checked against the card's own records
    /// before it resolves (`CARD_NOT_GENUINE` for a copy of another card's files).
    ///
    /// In the `mynacard/verify` module only: the check before resolving links the RSA
    /// arithmetic, which would put the card page (`mynacard`) 26 KB over its size budget.
    #[cfg(feature = "verify")]
    #[wasm_bindgen(
        js_name = internalAuthentication,
        unchecked_return_type = "Promise<InternalAuthentication>"
    )]
    pub fn internal_authentication(
        &self,
        #[wasm_bindgen(js_name = birthDate, unchecked_param_type = "string")] birth_date: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | undefined")] challenge: JsValue,
        options: Option<CallOptionsJs>,
    ) -> js_sys::Promise {
        let parsed = pin_arg(&birth_date)
            .and_then(|b| mynacard_core::BirthDatePin::from_text(&b))
            .and_then(|b| {
                let challenge = if challenge.is_undefined() || challenge.is_null() {
                    None
                } else {
                    Some(bytes_arg(&challenge, "the challenge must be a Uint8Array")?)
                };
                Ok((b, challenge))
            });
        op!(self, options, card, {
            let (birth, challenge) = parsed?;
            let a = card
                .internal_authentication(&birth, challenge.as_deref())
                .await?;
            let o = Object::new();
            let bytes = |b: &[u8]| JsValue::from(Uint8Array::from(b));
            set(&o, "challenge", bytes(&a.challenge));
            set(&o, "signature", bytes(&a.signature));
            set(&o, "ageRecord", bytes(&a.age_record_file));
            set(&o, "keyRecord", bytes(&a.key_record_file));
            let text = |v: Option<String>| v.map_or(JsValue::NULL, JsValue::from);
            set(
                &o,
                "birthDate",
                text(a.age_record.birth_date.map(|d| d.to_string())),
            );
            set(
                &o,
                "issuerKeyId",
                text(mynacard_core::card::KeyRecord::id_text(
                    &a.key_record.issuer_key_id,
                )),
            );
            Ok(o.into())
        })
    }

    /// Remaining tries of every PIN without spending one: `{ jpki_auth: { state, remaining? },
    /// ... }` with state `remaining` | `locked` | `verified` | `absent`.
    #[wasm_bindgen(js_name = pinTries, unchecked_return_type = "Promise<PinTries>")]
    pub fn pin_tries(&self, options: Option<CallOptionsJs>) -> js_sys::Promise {
        op!(self, options, card, {
            let states = card.all_pin_states().await?;
            let o = Object::new();
            for (pin, state) in states {
                set(&o, pin.code(), pin_state_object(state).into());
            }
            Ok(o.into())
        })
    }

    /// Remaining tries of one PIN (`jpki_auth`, `jpki_sign`, `assist`, ...).
    #[wasm_bindgen(js_name = pinState, unchecked_return_type = "Promise<PinTry>")]
    pub fn pin_state(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PinName")] pin: String,
        options: Option<CallOptionsJs>,
    ) -> js_sys::Promise {
        let which = CardPin::ALL.into_iter().find(|p| p.code() == pin);
        op!(self, options, card, {
            let which = which.ok_or(Error::Usage(UsageError::InvalidArgument {
                what: "unknown PIN name",
            }))?;
            Ok(pin_state_object(card.pin_state(which).await?).into())
        })
    }

    /// Signs `data` with the 署名用 key (SHA-256 DigestInfo) after one VERIFY of the signature
    /// PIN. Resolves to `{ signature, certificate }`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Signed>")]
    pub fn sign(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] pin: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] data: JsValue,
        options: Option<CallOptionsJs>,
    ) -> js_sys::Promise {
        let parsed = pin_arg(&pin)
            .and_then(|p| SignPin::new(&p))
            .and_then(|p| Ok((p, bytes_arg(&data, "data must be a Uint8Array")?)));
        op!(self, options, card, {
            let (pin, data) = parsed?;
            let signed = card.sign(&pin, SignInput::data(&data)).await?;
            let o = Object::new();
            set(
                &o,
                "signature",
                Uint8Array::from(signed.signature.as_slice()).into(),
            );
            set(&o, "certificate", cert_object(&signed.certificate).into());
            Ok(o.into())
        })
    }

    /// 署名用電子証明書 (DER) after one VERIFY of the signature PIN.
    #[wasm_bindgen(js_name = readSignCertificate, unchecked_return_type = "Promise<Uint8Array>")]
    pub fn read_sign_certificate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] pin: JsValue,
        options: Option<CallOptionsJs>,
    ) -> js_sys::Promise {
        let parsed = pin_arg(&pin).and_then(|p| SignPin::new(&p));
        op!(self, options, card, {
            let pin = parsed?;
            let cert = card.read_sign_certificate(&pin).await?;
            Ok(cert_object(&cert).into())
        })
    }

    /// Changes a PIN (暗証番号の変更): `pin` is `auth` (利用者証明用, 4 digits), `sign` (署名用,
    /// 6–16 of A–Z/0–9) or `assist` (券面事項入力補助用, 4 digits). `current` and `newPin` are
    /// both checked before any APDU (`PIN_FORMAT`); a locked PIN rejects with `PIN_LOCKED`
    /// and nothing sent; a wrong `current` spends one try (`PIN_INCORRECT`, `remaining`) and
    /// changes nothing. The page asks for the new PIN twice; the card gets it once.
    ///
    /// In the `mynacard/verify` module (and `mynacard/node`) only: with it the card page was
    /// over its 100 KB budget (docs/browser.md); a PIN change is a settings page's job.
    #[cfg(feature = "verify")]
    #[wasm_bindgen(js_name = changePin, unchecked_return_type = "Promise<void>")]
    pub fn change_pin(
        &self,
        #[wasm_bindgen(unchecked_param_type = "'auth' | 'sign' | 'assist'")] pin: String,
        #[wasm_bindgen(unchecked_param_type = "string")] current: JsValue,
        #[wasm_bindgen(js_name = newPin, unchecked_param_type = "string")] new_pin: JsValue,
        options: Option<CallOptionsJs>,
    ) -> js_sys::Promise {
        let parsed = changeable_kind(&pin).and_then(|kind| {
            let current = pin_arg(&current)?;
            kind.check(&current)?;
            let new = pin_arg(&new_pin)?;
            kind.check(&new)?;
            Ok((kind, current, new))
        });
        op!(self, options, card, {
            let (kind, current, new) = parsed?;
            card.change_pin(kind, &current, &new).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Switches the field off (USB readers), releases the reader and ends the session.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn close(&self) -> js_sys::Promise {
        let cell = self.session.clone();
        let controls = self.controls.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let card = take(&cell, &controls).map_err(js_err)?;
            if let Ok(mut c) = controls.try_borrow_mut() {
                c.closed = true;
            }
            let mut link = card.into_transport();
            link.close().await;
            Ok(JsValue::UNDEFINED)
        })
    }
}

/// Asks the user to choose a reader (`navigator.usb.requestDevice` with the filters of the
/// supported readers; needs a user gesture). Resolves to the `USBDevice`.
#[wasm_bindgen(js_name = requestReader, unchecked_return_type = "Promise<USBDevice>")]
pub fn request_reader() -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        webusb::request_reader().await.map_err(js_err)
    })
}

/// Readers this origin may already use (`navigator.usb.getDevices()`, supported ones only).
#[wasm_bindgen(js_name = getReaders, unchecked_return_type = "Promise<USBDevice[]>")]
pub fn get_readers() -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        webusb::get_readers().await.map(Into::into).map_err(js_err)
    })
}

/// Which driver a USB device would get: `rcs380`, `rcs300`, `ccid`, or undefined.
#[wasm_bindgen(js_name = readerKind, unchecked_return_type = "ReaderKind | undefined")]
pub fn reader_kind(
    #[wasm_bindgen(unchecked_param_type = "USBDevice")] device: JsValue,
) -> Option<String> {
    webusb::reader_kind(&device).map(|k| k.as_str().to_string())
}

/// Resolves when Web NFC notices a tag (`'ndef'` or `'other'`, the latter for a My Number
/// Card). Web NFC cannot exchange APDUs: use it only to offer the hand-off to a native app.
#[wasm_bindgen(js_name = detectNfcTap, unchecked_return_type = "Promise<'ndef' | 'other'>")]
pub fn detect_nfc_tap(signal: Option<AbortSignalJs>) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        crate::links::detect_nfc_tap(signal.map(JsValue::from).unwrap_or_default())
            .await
            .map_err(js_err)
    })
}

/// The hand-written TypeScript declarations above name the core's stable codes; this keeps
/// each union equal to the core's list, so a code added or renamed in the core fails here
/// instead of drifting in the `.d.ts` (the drift issue 13 found: sex documented as '3').
#[cfg(test)]
mod declarations {
    use super::TS_TYPES;
    use mynacard_core::card::{Application, Integrity, NotCheckableReason, Progress};
    use mynacard_core::reader::devices::ReaderKind;
    use mynacard_core::verify::StatusSource;
    use mynacard_core::{CardPin, PinState, Sex};

    /// The quoted literals of the declaration that starts with `start`, up to `end`.
    fn literals(start: &str, end: &str) -> Vec<String> {
        let from = TS_TYPES.find(start).map(|i| i + start.len());
        let text = from.map_or("", |i| {
            let rest = &TS_TYPES[i..];
            &rest[..rest.find(end).unwrap_or(rest.len())]
        });
        let mut out: Vec<String> = text
            .split('\'')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    fn sorted(codes: impl IntoIterator<Item = &'static str>) -> Vec<String> {
        let mut v: Vec<String> = codes.into_iter().map(str::to_string).collect();
        v.sort();
        v
    }

    #[test]
    fn pin_names_and_states_are_the_cores() {
        assert_eq!(
            literals("export type PinName =", ";"),
            sorted(CardPin::ALL.map(CardPin::code))
        );
        let states = [
            PinState::Remaining(1),
            PinState::Locked,
            PinState::Verified,
            PinState::Absent,
        ];
        assert_eq!(literals("state:", ";"), sorted(states.map(PinState::code)));
    }

    #[test]
    fn progress_codes_are_the_cores() {
        let all = [
            Progress::Selecting {
                application: Application::Jpki,
            },
            Progress::CheckingTries {
                pin: CardPin::JpkiAuth,
            },
            Progress::VerifyingPin {
                pin: CardPin::JpkiAuth,
            },
            Progress::Reading {
                ef: 0,
                done: 0,
                total: 0,
            },
            Progress::Signing,
        ];
        let mut codes = sorted(all.iter().map(Progress::code));
        codes.dedup();
        for code in &codes {
            assert!(
                TS_TYPES.contains(&format!("code: '{code}'")),
                "Progress code {code} is not declared"
            );
        }
        assert_eq!(
            TS_TYPES.matches("{ code: '").count(),
            codes.len(),
            "a declared Progress code the core does not have"
        );
    }

    #[test]
    fn reader_kinds_integrity_and_status_sources_are_the_cores() {
        assert_eq!(
            literals("export type ReaderKind =", ";"),
            sorted(
                [ReaderKind::Rcs380, ReaderKind::Rcs300, ReaderKind::Ccid].map(ReaderKind::as_str)
            )
        );
        assert_eq!(
            literals("integrity?:", ";"),
            sorted(["verified", NotCheckableReason::IntegrityFileClosed.code()])
        );
        let _exhaustive = |i: &Integrity| match i {
            Integrity::Verified(_) | Integrity::NotCheckable { .. } => (),
        };
        assert_eq!(
            literals("source:", ";"),
            sorted([StatusSource::Crl, StatusSource::Ocsp].map(StatusSource::as_str))
        );
    }

    #[test]
    fn the_sex_codes_documented_are_the_cores() {
        let doc = &TS_TYPES[TS_TYPES.find("sex (").unwrap_or(0)
            ..TS_TYPES.find("export interface FourInfo").unwrap_or(0)];
        for sex in [Sex::NotKnown, Sex::Male, Sex::Female, Sex::NotApplicable] {
            assert!(
                doc.contains(&format!("'{}'", sex.code())),
                "sex code {} undocumented",
                sex.code()
            );
        }
        for wrong in ['3', '4', '5', '6', '7', '8'] {
            assert!(
                !doc.contains(&format!("'{wrong}'")),
                "sex code {wrong} is not the core's"
            );
        }
    }
}
