//! Test only. The virtual My Number Card behind an emulated USB reader, as a wasm-bindgen
//! class: `npm/test/browser/fake-usb.js` builds a `navigator.usb` double on top of it, so the
//! browser tests run page → JS API → wasm face → reader driver → USB frames → this emulator →
//! virtual card, with no reader and no card.
//!
//! ```js
//! const dev = new VirtualUsbDevice('taro', 'rcs380', { wtx: 3 });
//! dev.transferOut(2, frame);            // undefined, or throws 'disconnected' | 'stall'
//! const answer = dev.transferIn(1, 1024); // Uint8Array, or throws 'timeout' | 'disconnected'
//! ```

use mynacard_virtual_card::VirtualCard;
use mynacard_virtual_card::usb::{
    CcidLevel, CcidReader, Picc, PiccConfig, Rcs300, Rcs380, UsbEmulator, UsbFault,
};
use wasm_bindgen::prelude::*;

enum Reader {
    Rcs380(Rcs380),
    Rcs300(Rcs300),
    Ccid(CcidReader),
}

/// An emulated reader with a virtual card on it.
#[wasm_bindgen]
pub struct VirtualUsbDevice {
    reader: Reader,
    features: u32,
    max_message: u32,
}

fn fault(f: UsbFault) -> JsValue {
    JsValue::from_str(match f {
        UsbFault::Disconnected => "disconnected",
        UsbFault::Timeout => "timeout",
        UsbFault::Stall => "stall",
    })
}

fn option_u32(options: &JsValue, key: &str) -> Option<u32> {
    if !options.is_object() {
        return None;
    }
    js_sys_get(options, key)
        .as_f64()
        .filter(|v| *v >= 0.0 && *v <= f64::from(u32::MAX))
        .map(|v| v as u32)
}

fn option_str(options: &JsValue, key: &str) -> Option<String> {
    if !options.is_object() {
        return None;
    }
    js_sys_get(options, key).as_string()
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Reflect, js_name = get)]
    fn js_sys_get(target: &JsValue, key: &str) -> JsValue;
}

#[wasm_bindgen]
impl VirtualUsbDevice {
    /// `persona`: a built-in persona id (`taro`, `locked`, ...). `kind`: `rcs380`, `rcs300` or
    /// `ccid`. `options`: `{ wtx?: n }` (n waiting time extensions before the next signature:
    /// S(WTX) from the card, plus one CCID time extension from an RC-S300; CCID time
    /// extensions on a CCID reader), `{ fsci?: 0..8 }` (card frame size, contactless),
    /// `{ ccidLevel?: 'extended' | 'short', ccidMaxMessage?: n }`.
    #[wasm_bindgen(constructor)]
    pub fn new(persona: &str, kind: &str, options: JsValue) -> Result<VirtualUsbDevice, JsValue> {
        let card =
            VirtualCard::builtin(persona).ok_or_else(|| JsValue::from_str("unknown persona"))?;
        let picc = PiccConfig {
            fsci: option_u32(&options, "fsci").map_or(8, |f| f.min(8) as u8),
            ..PiccConfig::default()
        };
        let wtx = option_u32(&options, "wtx").unwrap_or(0);
        let mut features = 0;
        let mut max_message = 0;
        let reader = match kind {
            "rcs380" => {
                let mut r = Rcs380::with_picc(Picc::with_config(card, picc));
                if wtx > 0 {
                    r.picc_mut().inject_wtx(Some(0x2A), wtx, 12);
                }
                Reader::Rcs380(r)
            }
            "rcs300" => {
                let mut r = Rcs300::with_picc(Picc::with_config(card, picc));
                if wtx > 0 {
                    r.picc_mut().inject_wtx(Some(0x2A), wtx, 12);
                    r.time_extensions(1);
                }
                Reader::Rcs300(r)
            }
            "ccid" => {
                let level = match option_str(&options, "ccidLevel").as_deref() {
                    Some("short") => CcidLevel::ShortApdu,
                    _ => CcidLevel::ExtendedApdu,
                };
                max_message = option_u32(&options, "ccidMaxMessage").unwrap_or(271);
                let mut r = CcidReader::new(card, level, max_message as usize);
                features = r.features();
                if wtx > 0 {
                    r.time_extensions(wtx);
                }
                Reader::Ccid(r)
            }
            _ => return Err(JsValue::from_str("kind is rcs380, rcs300 or ccid")),
        };
        Ok(VirtualUsbDevice {
            reader,
            features,
            max_message,
        })
    }

    fn emulator(&mut self) -> &mut dyn UsbEmulator {
        match &mut self.reader {
            Reader::Rcs380(r) => r,
            Reader::Rcs300(r) => r,
            Reader::Ccid(r) => r,
        }
    }

    /// A bulk OUT transfer; throws `'disconnected'` or `'stall'`.
    #[wasm_bindgen(js_name = transferOut)]
    pub fn transfer_out(&mut self, endpoint: u8, data: &[u8]) -> Result<(), JsValue> {
        self.emulator().transfer_out(endpoint, data).map_err(fault)
    }

    /// A bulk IN transfer of at most `max_len` bytes; throws `'timeout'` (nothing to read),
    /// `'disconnected'` or `'stall'`.
    #[wasm_bindgen(js_name = transferIn)]
    pub fn transfer_in(&mut self, endpoint: u8, max_len: usize) -> Result<Vec<u8>, JsValue> {
        self.emulator()
            .transfer_in(endpoint, max_len)
            .map_err(fault)
    }

    /// The card leaves the field after `n` more frames (contactless) or is pulled out after `n`
    /// more APDUs (CCID).
    #[wasm_bindgen(js_name = liftAfter)]
    pub fn lift_after(&mut self, n: usize) {
        match &mut self.reader {
            Reader::Rcs380(r) => r.picc_mut().lift_after_frames(n),
            Reader::Rcs300(r) => r.picc_mut().lift_after_frames(n),
            Reader::Ccid(r) => r.remove_after_apdus(n),
        }
    }

    /// Every later transfer fails as on a vanished device.
    pub fn unplug(&mut self) {
        self.emulator().unplug();
    }

    /// dwFeatures of the CCID class descriptor (0 for the Sony readers).
    #[wasm_bindgen(getter, js_name = ccidFeatures)]
    pub fn ccid_features(&self) -> u32 {
        self.features
    }

    /// dwMaxCCIDMessageLength (0 for the Sony readers).
    #[wasm_bindgen(getter, js_name = ccidMaxMessage)]
    pub fn ccid_max_message(&self) -> u32 {
        self.max_message
    }

    /// Transfers served (OUT + IN).
    #[wasm_bindgen(getter)]
    pub fn transfers(&self) -> u32 {
        let c = match &self.reader {
            Reader::Rcs380(r) => r.transfers(),
            Reader::Rcs300(r) => r.transfers(),
            Reader::Ccid(r) => r.transfers(),
        };
        (c.out + c.r#in) as u32
    }

    /// Waiting time extensions sent: S(WTX) from the card, or CCID time extensions.
    #[wasm_bindgen(getter, js_name = extensionsSent)]
    pub fn extensions_sent(&self) -> u32 {
        match &self.reader {
            Reader::Rcs380(r) => r.picc().wtx_sent() as u32,
            Reader::Rcs300(r) => r.picc().wtx_sent() as u32,
            Reader::Ccid(r) => r.time_extensions_sent() as u32,
        }
    }

    /// Chained I-blocks the card received and sent (contactless; 0 for CCID).
    #[wasm_bindgen(getter, js_name = chainedBlocks)]
    pub fn chained_blocks(&self) -> Vec<u32> {
        let (rx, tx) = match &self.reader {
            Reader::Rcs380(r) => r.picc().chained_blocks(),
            Reader::Rcs300(r) => r.picc().chained_blocks(),
            Reader::Ccid(_) => (0, 0),
        };
        vec![rx as u32, tx as u32]
    }

    fn card(&self) -> &VirtualCard {
        match &self.reader {
            Reader::Rcs380(r) => r.picc().card(),
            Reader::Rcs300(r) => r.picc().card(),
            Reader::Ccid(r) => r.card(),
        }
    }

    /// VERIFY commands carrying a PIN that reached the card (tries queries not counted).
    #[wasm_bindgen(getter, js_name = pinVerifies)]
    pub fn pin_verifies(&self) -> u32 {
        self.card()
            .seen()
            .iter()
            .filter(|s| s.ins == 0x20 && s.lc > 0)
            .count() as u32
    }

    /// APDUs the card answered.
    #[wasm_bindgen(getter)]
    pub fn apdus(&self) -> u32 {
        self.card().seen().len() as u32
    }
}

/// The virtual card at APDU level, for tests of JS-supplied transports (`{ transmit }`).
#[wasm_bindgen]
pub struct VirtualApduCard {
    card: VirtualCard,
}

#[wasm_bindgen]
impl VirtualApduCard {
    #[wasm_bindgen(constructor)]
    pub fn new(persona: &str) -> Result<VirtualApduCard, JsValue> {
        let mut card =
            VirtualCard::builtin(persona).ok_or_else(|| JsValue::from_str("unknown persona"))?;
        card.power_on();
        Ok(VirtualApduCard { card })
    }

    /// One command APDU in, the response APDU out.
    pub fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.card.process(apdu)
    }

    /// APDUs the card answered.
    #[wasm_bindgen(getter)]
    pub fn apdus(&self) -> u32 {
        self.card.seen().len() as u32
    }
}
