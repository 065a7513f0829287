//! The card itself: APDU in, APDU out, with the state a real My Number Card keeps (selected
//! application and EF, verified PINs, retry counters, power).

use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pss::Pss;
use sha2::{Digest, Sha256};

use crate::command::{self, Apdu};
use crate::files::{self, Access, App, FileSystem, Node};
use crate::persona::{FirstApdu, Persona, ShortEfIdCommand, VerifiedTriesAnswer};
use crate::pki;

/// Status words the card answers (ISO/IEC 7816-4 and card-evidence).
pub mod sw {
    pub const OK: u16 = 0x9000;
    pub const WRONG_LENGTH: u16 = 0x6700;
    pub const CHANNEL_NOT_SUPPORTED: u16 = 0x6881;
    pub const SM_NOT_SUPPORTED: u16 = 0x6882;
    pub const INCOMPATIBLE_FILE: u16 = 0x6981;
    pub const SECURITY_STATUS: u16 = 0x6982;
    pub const AUTH_BLOCKED: u16 = 0x6984;
    pub const CONDITIONS: u16 = 0x6985;
    pub const NO_CURRENT_EF: u16 = 0x6986;
    pub const FILE_NOT_FOUND: u16 = 0x6A82;
    pub const WRONG_P1P2: u16 = 0x6A86;
    pub const WRONG_OFFSET: u16 = 0x6B00;
    pub const INS_NOT_SUPPORTED: u16 = 0x6D00;
    pub const CLA_NOT_SUPPORTED: u16 = 0x6E00;
    pub const NO_DIAGNOSIS: u16 = 0x6F00;
    pub const fn tries(n: u8) -> u16 {
        0x63C0 | (n as u16 & 0x0F)
    }
}

/// The default AID of the GlobalPlatform Issuer Security Domain.
const ISSUER_SECURITY_DOMAIN: [u8; 7] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00];

/// One exchange as the card saw it. Holds no command data (PINs never stay in memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    /// Bytes of command data.
    pub lc: usize,
    pub le: Option<usize>,
    pub sw: u16,
    /// Bytes of response data.
    pub response_len: usize,
}

/// A virtual My Number Card.
pub struct VirtualCard {
    persona: Persona,
    atr: Vec<u8>,
    fs: FileSystem,
    powered: bool,
    first_after_power_on: bool,
    selected_app: Option<App>,
    selected_ef: Option<u16>,
    /// The application whose PINs are verified, and which.
    verified_app: Option<App>,
    verified: Vec<u16>,
    seen: Vec<Seen>,
    touched: Vec<(App, Option<u16>)>,
}

impl core::fmt::Debug for VirtualCard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VirtualCard")
            .field("persona", &self.persona.id)
            .field("powered", &self.powered)
            .field("selected_app", &self.selected_app)
            .field("selected_ef", &self.selected_ef)
            .finish_non_exhaustive()
    }
}

impl VirtualCard {
    /// A card for `persona`, powered on.
    pub fn new(persona: Persona) -> VirtualCard {
        let fs = files::build(&persona);
        let atr = persona.atr_bytes().unwrap_or_default();
        let mut card = VirtualCard {
            persona,
            atr,
            fs,
            powered: false,
            first_after_power_on: false,
            selected_app: None,
            selected_ef: None,
            verified_app: None,
            verified: Vec::new(),
            seen: Vec::new(),
            touched: Vec::new(),
        };
        card.power_on();
        card
    }

    /// The card of built-in persona `id`, powered on.
    pub fn builtin(id: &str) -> Option<VirtualCard> {
        Persona::builtin(id).map(VirtualCard::new)
    }

    pub fn persona(&self) -> &Persona {
        &self.persona
    }

    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    pub fn is_powered(&self) -> bool {
        self.powered
    }

    /// Cold start: clears the security state and selection (card-evidence §7).
    pub fn power_on(&mut self) {
        self.powered = true;
        self.first_after_power_on = true;
        self.selected_app = None;
        self.selected_ef = None;
        self.verified_app = None;
        self.verified.clear();
    }

    pub fn power_off(&mut self) {
        self.powered = false;
        self.selected_app = None;
        self.selected_ef = None;
        self.verified_app = None;
        self.verified.clear();
    }

    /// Warm reset: the selection is gone, verified PINs stay (card-evidence §7).
    pub fn warm_reset(&mut self) {
        self.powered = true;
        self.selected_app = None;
        self.selected_ef = None;
    }

    /// Tries left on PIN EF `fid` of `app`; `None` if there is no such PIN.
    pub fn pin_tries(&self, app: App, fid: u16) -> Option<u8> {
        match self.fs.get(&(app, fid)) {
            Some(Node::Pin(p)) => Some(p.tries),
            _ => None,
        }
    }

    /// Sets the tries left on a PIN (capped at its maximum), for tests of low counters.
    pub fn set_pin_tries(&mut self, app: App, fid: u16, tries: u8) -> bool {
        match self.fs.get_mut(&(app, fid)) {
            Some(Node::Pin(p)) => {
                p.tries = tries.min(p.max);
                true
            }
            _ => false,
        }
    }

    /// Whether PIN EF `fid` of `app` is verified now.
    pub fn is_verified(&self, app: App, fid: u16) -> bool {
        self.verified_app == Some(app) && self.verified.contains(&fid)
    }

    /// The exchanges so far, oldest first.
    pub fn seen(&self) -> &[Seen] {
        &self.seen
    }

    /// How many commands carried instruction `ins` (e.g. 0x20 VERIFY).
    pub fn count_ins(&self, ins: u8) -> usize {
        self.seen.iter().filter(|s| s.ins == ins).count()
    }

    pub fn clear_seen(&mut self) {
        self.seen.clear();
        self.touched.clear();
    }

    /// The contents of a binary EF (for tests comparing what the SDK read).
    /// Every application selected (`None`) and every EF selected or read, in order, since the
    /// card was made or [`VirtualCard::clear_seen`]: to show what a flow never touches (the
    /// 対面確認 never reaches the My Number).
    pub fn touched(&self) -> &[(App, Option<u16>)] {
        &self.touched
    }

    /// Replaces the content of a transparent EF, keeping its access rule (tests that tamper
    /// with a card's data); `false` when there is no such EF.
    pub fn set_file(&mut self, app: App, fid: u16, content: Vec<u8>) -> bool {
        match self.fs.get_mut(&(app, fid)) {
            Some(Node::Binary { data, .. }) => {
                *data = content;
                true
            }
            _ => false,
        }
    }

    pub fn file(&self, app: App, fid: u16) -> Option<&[u8]> {
        match self.fs.get(&(app, fid)) {
            Some(Node::Binary { data, .. }) => Some(data),
            _ => None,
        }
    }

    /// Answers one command APDU: response data followed by SW1 SW2. Never panics.
    pub fn process(&mut self, raw: &[u8]) -> Vec<u8> {
        let (mut data, sw, seen) = match command::parse(raw) {
            None => (Vec::new(), sw::WRONG_LENGTH, None),
            Some(apdu) => {
                let (data, sw) = self.dispatch(&apdu);
                let seen = Seen {
                    cla: apdu.cla,
                    ins: apdu.ins,
                    p1: apdu.p1,
                    p2: apdu.p2,
                    lc: apdu.data.len(),
                    le: apdu.le,
                    sw,
                    response_len: data.len(),
                };
                (data, sw, Some(seen))
            }
        };
        let header = raw.get(..4).unwrap_or(raw);
        self.seen.push(seen.unwrap_or(Seen {
            cla: header.first().copied().unwrap_or(0),
            ins: header.get(1).copied().unwrap_or(0),
            p1: header.get(2).copied().unwrap_or(0),
            p2: header.get(3).copied().unwrap_or(0),
            lc: 0,
            le: None,
            sw,
            response_len: 0,
        }));
        data.extend_from_slice(&sw.to_be_bytes());
        data
    }

    fn dispatch(&mut self, apdu: &Apdu<'_>) -> (Vec<u8>, u16) {
        if !self.powered {
            return (Vec::new(), sw::NO_DIAGNOSIS);
        }
        if std::mem::take(&mut self.first_after_power_on)
            && self.persona.first_apdu_after_power_on == FirstApdu::NoDiagnosis
        {
            return (Vec::new(), sw::NO_DIAGNOSIS);
        }
        let secure_messaging = apdu.cla & 0x0C != 0;
        match apdu.cla & !0x0C {
            0x00 | 0x80 => {}
            cla if cla & 0x03 != 0 && cla & 0x80 == 0 => {
                return (Vec::new(), sw::CHANNEL_NOT_SUPPORTED);
            }
            _ => return (Vec::new(), sw::CLA_NOT_SUPPORTED),
        }
        if secure_messaging {
            return (
                Vec::new(),
                if apdu.ins == 0xA4 {
                    sw::SM_NOT_SUPPORTED
                } else {
                    0x69FC
                },
            );
        }
        if apdu.extended && !self.persona.extended_length {
            // A card (or its link) that takes no extended-length APDU (persona `nobu`).
            return (Vec::new(), sw::WRONG_LENGTH);
        }
        match (apdu.cla, apdu.ins) {
            (0x00, 0x84) => Self::get_challenge(apdu),
            (0x00, 0xA4) => (Vec::new(), self.select(apdu)),
            (0x00, 0xB0) => self.read_binary(apdu),
            (0x00, 0x20) => (Vec::new(), self.verify(apdu)),
            (0x00, 0x24) => (Vec::new(), self.change_pin(apdu)),
            (0x80, 0x2A) => self.sign(apdu),
            (0x00, 0x88) => (Vec::new(), self.internal_authenticate(apdu)),
            _ => (Vec::new(), sw::INS_NOT_SUPPORTED),
        }
    }

    fn select(&mut self, apdu: &Apdu<'_>) -> u16 {
        if apdu.p2 & !0x0C != 0 {
            return sw::WRONG_P1P2;
        }
        match apdu.p1 {
            0x04 if apdu.data == ISSUER_SECURITY_DOMAIN => {
                if !self.persona.issuer_security_domain {
                    return sw::FILE_NOT_FOUND;
                }
                // The card-manager state: no application selected, and leaving the one that
                // was clears its verified PINs (soltia48/myna-card `src/mf.rs`, card-evidence §7).
                self.selected_app = None;
                self.selected_ef = None;
                self.verified_app = None;
                self.verified.clear();
                sw::OK
            }
            0x04 => {
                let Some(app) = App::ALL.into_iter().find(|a| a.aid() == apdu.data) else {
                    return sw::FILE_NOT_FOUND;
                };
                if self.verified_app.is_some_and(|v| v != app) {
                    // Selecting another application clears verified PINs (card-evidence §7).
                    self.verified_app = None;
                    self.verified.clear();
                }
                self.selected_app = Some(app);
                self.selected_ef = None;
                self.touched.push((app, None));
                sw::OK
            }
            0x02 => {
                let Some(app) = self.selected_app else {
                    return sw::FILE_NOT_FOUND;
                };
                let Ok(fid) = <[u8; 2]>::try_from(apdu.data).map(u16::from_be_bytes) else {
                    return sw::WRONG_LENGTH;
                };
                if self.fs.contains_key(&(app, fid)) {
                    self.selected_ef = Some(fid);
                    self.touched.push((app, Some(fid)));
                    sw::OK
                } else {
                    self.selected_ef = None;
                    sw::FILE_NOT_FOUND
                }
            }
            // SELECT MF by its FID 3F00: 6A82, nothing changes (soltia48/myna-card `src/mf.rs`).
            0x00 if apdu.data == [0x3F, 0x00] => sw::FILE_NOT_FOUND,
            // `00 A4 00 00`: 6A86 after reset, 9000 with no effect inside a DF (card-evidence §6):
            // the DF and its verified PINs stay.
            0x00 if apdu.data.is_empty() => {
                if self.selected_app.is_some() {
                    sw::OK
                } else {
                    sw::WRONG_P1P2
                }
            }
            _ => sw::WRONG_P1P2,
        }
    }

    /// The status word by which this card refuses `command` naming its EF by a short EF id in
    /// the selected application (persona `short_ef_ids`, `short_ef_id_refusals`).
    fn short_id_refusal(&self, command: ShortEfIdCommand) -> Option<u16> {
        let app = self.selected_app?;
        self.persona.short_ef_id_refusal(command, app)
    }

    /// The EF a command addresses: by short EF id in `p` (80|SFI) or the current EF.
    fn target(&self, short_id: Option<u8>) -> Result<(App, u16), u16> {
        let app = self.selected_app.ok_or(sw::NO_CURRENT_EF)?;
        match short_id {
            Some(sfi) => {
                let fid = u16::from(sfi);
                if self.fs.contains_key(&(app, fid)) {
                    Ok((app, fid))
                } else {
                    Err(sw::FILE_NOT_FOUND)
                }
            }
            None => self
                .selected_ef
                .map(|fid| (app, fid))
                .ok_or(sw::NO_CURRENT_EF),
        }
    }

    fn read_binary(&mut self, apdu: &Apdu<'_>) -> (Vec<u8>, u16) {
        let Some(le) = apdu.le else {
            return (Vec::new(), sw::WRONG_LENGTH);
        };
        if !apdu.data.is_empty() {
            return (Vec::new(), sw::WRONG_LENGTH);
        }
        // P1 bit 8: short EF id in bits 1-5, offset in P2 (ISO 7816-4 §7.2.2).
        let (short_id, offset) = if apdu.p1 & 0x80 != 0 {
            if apdu.p1 & 0x60 != 0 {
                return (Vec::new(), sw::WRONG_P1P2);
            }
            (Some(apdu.p1 & 0x1F), usize::from(apdu.p2))
        } else {
            (None, usize::from(u16::from_be_bytes([apdu.p1, apdu.p2])))
        };
        if short_id.is_some()
            && let Some(sw) = self.short_id_refusal(ShortEfIdCommand::Read)
        {
            return (Vec::new(), sw);
        }
        let (app, fid) = match self.target(short_id) {
            Ok(t) => t,
            Err(sw) => return (Vec::new(), sw),
        };
        self.touched.push((app, Some(fid)));
        let data = match self.fs.get(&(app, fid)) {
            Some(Node::Binary { data, access }) => {
                let allowed = match access {
                    Access::Always => true,
                    Access::AnyPin(pins) => pins.iter().any(|p| self.is_verified(app, *p)),
                };
                if !allowed {
                    return (Vec::new(), sw::SECURITY_STATUS);
                }
                data
            }
            Some(_) => return (Vec::new(), sw::INCOMPATIBLE_FILE),
            None => return (Vec::new(), sw::FILE_NOT_FOUND),
        };
        if short_id.is_some() {
            self.selected_ef = Some(fid);
        }
        if offset >= data.len() {
            return (Vec::new(), sw::WRONG_OFFSET);
        }
        // Le past the end: the rest, with 9000 (card-evidence §6).
        let end = data.len().min(offset + le);
        (data[offset..end].to_vec(), sw::OK)
    }

    /// The PIN EF a VERIFY / CHANGE addresses: P2 = 80 (current EF) or 80|SFI.
    fn pin_target(&self, p2: u8) -> Result<(App, u16), u16> {
        if p2 & 0x80 == 0 || p2 & 0x60 != 0 {
            return Err(sw::WRONG_P1P2);
        }
        let sfi = p2 & 0x1F;
        if sfi != 0
            && let Some(sw) = self.short_id_refusal(ShortEfIdCommand::Verify)
        {
            return Err(sw);
        }
        let target = self.target((sfi != 0).then_some(sfi))?;
        match self.fs.get(&target) {
            Some(Node::Pin(_)) => Ok(target),
            _ => Err(sw::INCOMPATIBLE_FILE),
        }
    }

    fn verify(&mut self, apdu: &Apdu<'_>) -> u16 {
        if apdu.p1 != 0x00 {
            return sw::WRONG_P1P2;
        }
        let (app, fid) = match self.pin_target(apdu.p2) {
            Ok(t) => t,
            Err(sw) => return sw,
        };
        let verified = self.is_verified(app, fid);
        let answer_ok_when_verified = self.persona.verified_tries_answer == VerifiedTriesAnswer::Ok;
        let Some(Node::Pin(pin)) = self.fs.get_mut(&(app, fid)) else {
            return sw::INCOMPATIBLE_FILE;
        };
        if apdu.data.is_empty() {
            // Tries query: 63Cx, even right after a correct PIN, or 9000 on some cards.
            return if verified && answer_ok_when_verified {
                sw::OK
            } else {
                sw::tries(pin.tries)
            };
        }
        if pin.tries == 0 {
            return sw::AUTH_BLOCKED;
        }
        let matches = pin.value.len() == apdu.data.len()
            && pin
                .value
                .iter()
                .zip(apdu.data)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if matches {
            pin.tries = pin.max;
            self.verified_app = Some(app);
            if !self.verified.contains(&fid) {
                self.verified.push(fid);
            }
            sw::OK
        } else {
            pin.tries -= 1;
            let left = pin.tries;
            self.verified.retain(|v| *v != fid);
            // The VERIFY that spends the last try answers 63C0 (card-evidence §1).
            sw::tries(left)
        }
    }

    fn change_pin(&mut self, apdu: &Apdu<'_>) -> u16 {
        if apdu.p1 != 0x01 {
            return sw::WRONG_P1P2;
        }
        let (app, fid) = match self.pin_target(apdu.p2) {
            Ok(t) => t,
            Err(sw) => return sw,
        };
        if !self.is_verified(app, fid) {
            return sw::SECURITY_STATUS;
        }
        if apdu.data.is_empty() || apdu.data.len() > 16 {
            return sw::WRONG_LENGTH;
        }
        let Some(Node::Pin(pin)) = self.fs.get_mut(&(app, fid)) else {
            return sw::INCOMPATIBLE_FILE;
        };
        pin.value.iter_mut().for_each(|b| *b = 0);
        pin.value = apdu.data.to_vec();
        sw::OK
    }

    /// GET CHALLENGE `00 84 00 00 Le`: Le random bytes, 1–256 (Le 00 = 256), each length
    /// honoured exactly; extended Le → 6985 (soltia48/myna-card `Card::get_challenge`, measured
    /// on cards); P1 P2 other than 00 00 → 6A86; no Le or command data → 6700 (ISO/IEC 7816-4
    /// §11.5.3: case 2, Le present). Answers in any state, with or without an AP selected.
    fn get_challenge(apdu: &Apdu<'_>) -> (Vec<u8>, u16) {
        if apdu.p1 != 0 || apdu.p2 != 0 {
            return (Vec::new(), sw::WRONG_P1P2);
        }
        let Some(le) = apdu.le.filter(|_| apdu.data.is_empty()) else {
            return (Vec::new(), sw::WRONG_LENGTH);
        };
        if apdu.extended {
            return (Vec::new(), sw::CONDITIONS);
        }
        let mut bytes = vec![0u8; le];
        match getrandom::fill(&mut bytes) {
            Ok(()) => (bytes, sw::OK),
            Err(_) => (Vec::new(), sw::NO_DIAGNOSIS),
        }
    }

    /// INTERNAL AUTHENTICATE `00 88 00 80|SFI challenge 00`: refused as soltia48/myna-card
    /// `Card::internal_authenticate` measured it on cards, where only the 共通カードAP key 0019
    /// (not modelled) answers: a key behind an unverified PIN 6982, the 券面 keys (no PIN) 6985;
    /// no key EF there 6A82. The 券面事項確認AP signs through `80 2A 00 00` instead.
    fn internal_authenticate(&self, apdu: &Apdu<'_>) -> u16 {
        if apdu.p1 != 0 || apdu.p2 & 0xE0 != 0x80 {
            return sw::WRONG_P1P2;
        }
        let sfi = apdu.p2 & 0x1F;
        let (app, fid) = match self.target((sfi != 0).then_some(sfi)) {
            Ok(t) => t,
            Err(sw) => return sw,
        };
        match self.fs.get(&(app, fid)) {
            Some(Node::Key { pin: Some(pin), .. }) if !self.is_verified(app, *pin) => {
                sw::SECURITY_STATUS
            }
            Some(Node::Key { .. }) => sw::CONDITIONS,
            _ => sw::INCOMPATIBLE_FILE,
        }
    }

    /// COMPUTE DIGITAL SIGNATURE `80 2A P1 P2 Lc data 00`. P2 = 80 (the current EF), 80|SFI
    /// (the key EF named directly, no SELECT) or 00 (the AP's default key: in the 券面事項確認AP
    /// its card key, no credential; soltia48/myna-card `SurfaceAp::sign`). P1 the scheme
    /// (soltia48/myna-card `SignatureScheme`, found by exercising every P1 on a card and
    /// recovering the block with the certificate's key): 00 PKCS#1 v1.5 over the data as given
    /// (1–245 bytes), 01 over SHA-256(data) bare, 02 a given SHA-256 (32 bytes) in a
    /// DigestInfo, 03 SHA-256(data) in a DigestInfo, 04 RSASSA-PSS over a given SHA-256, 05
    /// RSASSA-PSS over SHA-256(data) (MGF1-SHA-256; salt 32 bytes here, its length
    /// unconfirmed); the card-hashing forms take 1–255 bytes. Any other P1 → 6A86.
    fn sign(&mut self, apdu: &Apdu<'_>) -> (Vec<u8>, u16) {
        if apdu.p2 & 0x60 != 0 || (apdu.p2 & 0x80 == 0 && apdu.p2 != 0) || apdu.p1 > 0x05 {
            return (Vec::new(), sw::WRONG_P1P2);
        }
        let target = if apdu.p2 == 0 {
            match self.selected_app {
                Some(App::Surface) => Ok((App::Surface, 0x001A)),
                Some(_) => return (Vec::new(), sw::WRONG_P1P2),
                None => Err(sw::NO_CURRENT_EF),
            }
        } else {
            let sfi = apdu.p2 & 0x1F;
            if sfi != 0
                && let Some(sw) = self.short_id_refusal(ShortEfIdCommand::Sign)
            {
                return (Vec::new(), sw);
            }
            let target = self.target((sfi != 0).then_some(sfi));
            if sfi != 0
                && let Ok((_, fid)) = target
            {
                self.selected_ef = Some(fid);
            }
            target
        };
        let (app, fid) = match target {
            Ok(t) => t,
            Err(sw) => return (Vec::new(), sw),
        };
        let Some(Node::Key { key, pin }) = self.fs.get(&(app, fid)) else {
            return (Vec::new(), sw::INCOMPATIBLE_FILE);
        };
        if pin.is_some_and(|pin| !self.is_verified(app, pin)) {
            return (Vec::new(), sw::SECURITY_STATUS);
        }
        // The modelled P-384 key (docs/card-notes.md, "modelled, not specified"): P1 = 00,
        // the data is the digest itself (SHA-256/384/512 lengths), the answer r ‖ s.
        let key = match key.as_ref() {
            pki::CardKey::Rsa(key) => key,
            pki::CardKey::EcdsaP384(key) => {
                if apdu.p1 != 0x00 {
                    return (Vec::new(), sw::WRONG_P1P2);
                }
                if ![32, 48, 64].contains(&apdu.data.len()) {
                    return (Vec::new(), sw::WRONG_LENGTH);
                }
                use p384::ecdsa::signature::hazmat::PrehashSigner;
                let signed: Result<p384::ecdsa::Signature, _> = key.sign_prehash(apdu.data);
                return match signed {
                    Ok(sig) => (sig.to_bytes().to_vec(), sw::OK),
                    Err(_) => (Vec::new(), sw::CONDITIONS),
                };
            }
        };
        let sha256_info = |hash: &[u8]| {
            let prefix = [
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ];
            [&prefix[..], hash].concat()
        };
        let data = apdu.data;
        let hashed = (1..=255).contains(&data.len());
        let signed = match apdu.p1 {
            0x00 if (1..=245).contains(&data.len()) => {
                key.sign(Pkcs1v15Sign::new_unprefixed(), data)
            }
            0x01 if hashed => key.sign(Pkcs1v15Sign::new_unprefixed(), &Sha256::digest(data)),
            0x02 if data.len() == 32 => {
                key.sign(Pkcs1v15Sign::new_unprefixed(), &sha256_info(data))
            }
            0x03 if hashed => key.sign(
                Pkcs1v15Sign::new_unprefixed(),
                &sha256_info(&Sha256::digest(data)),
            ),
            0x04 if data.len() == 32 => {
                key.sign_with_rng(&mut getrandom::SysRng, Pss::<Sha256>::new(), data)
            }
            0x05 if hashed => key.sign_with_rng(
                &mut getrandom::SysRng,
                Pss::<Sha256>::new(),
                &Sha256::digest(data),
            ),
            _ => return (Vec::new(), sw::WRONG_LENGTH),
        };
        match signed {
            Ok(sig) => (sig, sw::OK),
            Err(_) => (Vec::new(), sw::CONDITIONS),
        }
    }
}
