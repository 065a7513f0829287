//! uniffi face of mynacard for Swift and Kotlin (and Python, for tests). The app implements
//! [`NfcTransport`] on its NFC stack (iOS `NFCISO7816Tag.sendCommand`, Android
//! `IsoDep.transceive`) and calls the async operations of a [`MynaSession`]; errors carry the
//! same stable codes as every other face.

use std::sync::Arc;

use async_lock::Mutex;
use mynacard_core::card::Progress;
use mynacard_core::error::UsageError;
use mynacard_core::transport::{Capabilities, Transport, TransportError};
use mynacard_core::{
    AssistPin, AuthPin, CardNumberB, CardPin, Error, MynaCard, PinKind, PinState, SignInput,
    SignPin,
};
use zeroize::Zeroizing;

uniffi::setup_scaffolding!();

#[cfg(feature = "virtual-card")]
mod virtual_card;

#[cfg(feature = "oidc-backend")]
mod oidc;

/// An SDK error: the stable `code` (`PIN_INCORRECT`, `PIN_LOCKED`, `CARD_REMOVED`, …), the
/// remaining tries for `PIN_INCORRECT`, and the messages in English and Japanese.
#[derive(Debug, uniffi::Error)]
pub enum MynaError {
    Failed {
        code: String,
        remaining_tries: Option<u8>,
        message_en: String,
        message_ja: String,
    },
}

impl std::fmt::Display for MynaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let MynaError::Failed {
            code, message_en, ..
        } = self;
        write!(f, "{code}: {message_en}")
    }
}

impl std::error::Error for MynaError {}

impl From<Error> for MynaError {
    fn from(e: Error) -> Self {
        MynaError::Failed {
            code: e.code().to_string(),
            remaining_tries: e.remaining_tries(),
            message_en: e.message_en(),
            message_ja: e.message_ja(),
        }
    }
}

/// What the app's NFC stack reports when an exchange fails.
#[derive(Debug, uniffi::Error)]
pub enum TransceiveError {
    /// Tag lost / card lifted (iOS `NFCReaderError.readerTransceiveErrorTagConnectionLost`,
    /// Android `TagLostException`).
    CardRemoved,
    /// The NFC session ended or the reader went away.
    ReaderDisconnected,
    Timeout,
    /// The user cancelled (closed the NFC sheet).
    Cancelled,
    Other {
        detail: String,
    },
}

impl std::fmt::Display for TransceiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for TransceiveError {}

impl From<uniffi::UnexpectedUniFFICallbackError> for TransceiveError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TransceiveError::Other { detail: e.reason }
    }
}

/// The app's link to the card: one APDU in, one response out.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait NfcTransport: Send + Sync {
    async fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, TransceiveError>;
    /// Whether the link carries extended-length APDUs (iOS: yes on iPhone XS and later;
    /// Android: `IsoDep.isExtendedLengthApduSupported()`).
    fn extended_length(&self) -> bool;
}

/// The app's link to the card when its NFC API blocks (Android `IsoDep.transceive`, desktop
/// PC/SC): the SDK calls it on the thread that runs the operation, so run operations off the
/// main thread (Kotlin: `withContext(Dispatchers.IO)`). No async hop per APDU: use it where
/// the platform call blocks anyway. iOS CoreNFC is asynchronous: use [`NfcTransport`] there.
#[uniffi::export(with_foreign)]
pub trait BlockingNfcTransport: Send + Sync {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, TransceiveError>;
    fn extended_length(&self) -> bool;
}

/// Progress of the running operation, for a progress bar (no card data).
#[uniffi::export(with_foreign)]
pub trait ProgressListener: Send + Sync {
    fn on_progress(&self, step: String, done: u64, total: u64);
}

enum Foreign {
    Async(Arc<dyn NfcTransport>),
    Blocking(Arc<dyn BlockingNfcTransport>),
}

impl From<TransceiveError> for TransportError {
    fn from(e: TransceiveError) -> TransportError {
        match e {
            TransceiveError::CardRemoved => TransportError::CardRemoved,
            TransceiveError::ReaderDisconnected => TransportError::ReaderDisconnected,
            TransceiveError::Timeout => TransportError::Timeout,
            TransceiveError::Cancelled => TransportError::Cancelled,
            TransceiveError::Other { detail } => TransportError::Other { detail },
        }
    }
}

impl Transport for Foreign {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            Foreign::Async(t) => Ok(t.transceive(command.to_vec()).await?),
            Foreign::Blocking(t) => Ok(t.transceive(command.to_vec())?),
        }
    }

    fn capabilities(&self) -> Capabilities {
        let extended_length = match self {
            Foreign::Async(t) => t.extended_length(),
            Foreign::Blocking(t) => t.extended_length(),
        };
        Capabilities { extended_length }
    }
}

/// 基本4情報, with 外字 shown as 〓. Its string forms (Kotlin `toString`, Swift
/// `description`, Python `str`/`repr`) name no field value: 4情報 never reaches a log by accident.
#[derive(uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct FourInfo {
    pub name: String,
    pub address: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
    /// ISO/IEC 5218: "1" male, "2" female, "9" not applicable, "0" not known; any other code
    /// as the card holds it (one character).
    pub sex: String,
    pub has_gaiji: bool,
    /// "verified" when checked against the card's integrity hash; otherwise why it could not
    /// be ("integrity_file_closed"), and the data is unchecked. "certificate" for 4情報 taken
    /// from a 署名用 certificate whose chain was verified (the CA's signature covers it);
    /// "provider" for 4情報 from デジタル認証アプリ's userinfo.
    pub integrity: String,
}

impl FourInfo {
    fn of(f: &mynacard_core::FourInfo, integrity: &str) -> Self {
        FourInfo {
            name: f.name.to_marked_string(),
            address: f.address.to_marked_string(),
            birth_date: f.birth_date.to_string(),
            sex: f.sex.code().to_string(),
            has_gaiji: f.name.has_gaiji() || f.address.has_gaiji(),
            integrity: integrity.to_string(),
        }
    }

    /// 4情報 of a verified 署名用 certificate.
    #[cfg(feature = "oidc-backend")]
    pub(crate) fn from_certificate(f: &mynacard_core::FourInfo) -> Self {
        FourInfo::of(f, "certificate")
    }

    /// 4情報 the provider (デジタル認証アプリ) returned from its userinfo endpoint.
    #[cfg(feature = "oidc-backend")]
    pub(crate) fn from_provider(f: &mynacard_core::FourInfo) -> Self {
        FourInfo::of(f, "provider")
    }
}

/// What the bindings print for a record that holds personal data: its type, the fields that
/// are not personal, and `..` for the rest (the Rust `Debug` of the core's types does the same).
macro_rules! redacted_string_forms {
    ($ty:ident, |$v:ident, $f:ident| $body:expr) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, $f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let $v = self;
                $body
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(self, f)
            }
        }
    };
}
#[cfg(feature = "oidc-backend")]
pub(crate) use redacted_string_forms;

redacted_string_forms!(FourInfo, |v, f| f
    .debug_struct("FourInfo")
    .field("integrity", &v.integrity)
    .field("has_gaiji", &v.has_gaiji)
    .finish_non_exhaustive());

redacted_string_forms!(FaceData, |v, f| write!(
    f,
    "FaceData {{ face_image: {} bytes, name_image: {} bytes, address_image: {} bytes, .. }}",
    v.face_image.len(),
    v.name_image.len(),
    v.address_image.len()
));

impl From<&mynacard_core::card::FourInfoRead> for FourInfo {
    fn from(r: &mynacard_core::card::FourInfoRead) -> Self {
        FourInfo::of(&r.four_info, r.integrity.code())
    }
}

/// The card face (券面事項確認AP). Its string forms show the images' sizes only.
#[derive(uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct FaceData {
    pub birth_date: Option<String>,
    pub expiry: Option<String>,
    pub sex: Option<String>,
    pub name_image: Vec<u8>,
    pub address_image: Vec<u8>,
    pub face_image: Vec<u8>,
    pub security_code_image: Vec<u8>,
}

redacted_string_forms!(InternalAuthResult, |v, f| f
    .debug_struct("InternalAuthResult")
    .field("signature", &format_args!("{} bytes", v.signature.len()))
    .field("issuer_key_id", &v.issuer_key_id)
    .finish_non_exhaustive());

redacted_string_forms!(CardGenuineness, |v, f| f
    .debug_struct("CardGenuineness")
    .field("key_record_checked", &v.key_record_checked)
    .field("issuer_key_id", &v.issuer_key_id)
    .finish_non_exhaustive());

/// The 券面事項確認AP's answer to the internal authentication (内部認証): the challenge, the
/// card's signature over it, and the two records (EF 0001, EF 0004) a server checks it with
/// ([`verify_internal_authentication`]). Its string forms show no birth date.
#[derive(uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct InternalAuthResult {
    pub challenge: Vec<u8>,
    pub signature: Vec<u8>,
    /// EF 0001 as read: birth date, the card key, the issuer's signature.
    pub age_record: Vec<u8>,
    /// EF 0004 as read: the record of the key that signed EF 0001.
    pub key_record: Vec<u8>,
    /// DF11 of EF 0001, `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// 証明者鍵ID of the key record (`6000023/001`).
    pub issuer_key_id: Option<String>,
}

/// What [`verify_internal_authentication`] established. Its string forms show no birth date.
#[derive(uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct CardGenuineness {
    /// `false`: no issuer key was given, so who issued the records is unchecked.
    pub key_record_checked: bool,
    pub birth_date: Option<String>,
    pub issuer_key_id: Option<String>,
}

impl From<mynacard_core::card::CardGenuineness> for CardGenuineness {
    fn from(g: mynacard_core::card::CardGenuineness) -> Self {
        CardGenuineness {
            key_record_checked: g.key_record_checked,
            birth_date: g.birth_date.map(|d| d.to_string()),
            issuer_key_id: g.issuer_key_id,
        }
    }
}

/// Checks an internal authentication answer (a server's part): EF 0001's signature against
/// the key EF 0004 certifies (`INTEGRITY_MISMATCH`), EF 0004 against `issuer_key` (the J-LIS
/// key as a `90 e 91 n` object; `KEY_RECORD_UNTRUSTED`) when given, then the signature over
/// `challenge` against the card key EF 0001 names (`CARD_NOT_GENUINE`).
#[uniffi::export]
pub fn verify_internal_authentication(
    challenge: Vec<u8>,
    signature: Vec<u8>,
    age_record: Vec<u8>,
    key_record: Vec<u8>,
    issuer_key: Option<Vec<u8>>,
) -> Result<CardGenuineness, MynaError> {
    let anchor = issuer_key
        .map(|k| mynacard_core::card::issuer_key_from_object(&k))
        .transpose()?;
    Ok(mynacard_core::card::verify_internal_authentication(
        &challenge,
        &signature,
        &age_record,
        &key_record,
        anchor.as_ref(),
    )?
    .into())
}

/// A signature and the certificate (DER) that verifies it.
#[derive(uniffi::Record)]
pub struct SignatureResult {
    pub signature: Vec<u8>,
    pub certificate: Vec<u8>,
}

/// The tries of one PIN.
#[derive(uniffi::Record)]
pub struct PinTries {
    /// `jpki_auth`, `jpki_sign`, `assist`, … (the core's `CardPin::code`).
    pub pin: String,
    /// What the card says of it.
    pub state: PinState,
    /// Tries left when the card counts them (0 when locked): `state`'s count, for display.
    pub remaining: Option<u8>,
}

/// A session with one card. Operations take turns; dropping the session releases the
/// transport.
#[derive(uniffi::Object)]
pub struct MynaSession {
    card: Mutex<MynaCard<Foreign>>,
}

/// Opens a session: checks this is a My Number Card (`WRONG_CARD` for 住基カード and phones).
#[uniffi::export]
pub async fn connect(transport: Arc<dyn NfcTransport>) -> Result<Arc<MynaSession>, MynaError> {
    open(Foreign::Async(transport)).await
}

/// [`connect`] over a [`BlockingNfcTransport`].
#[uniffi::export]
pub async fn connect_blocking(
    transport: Arc<dyn BlockingNfcTransport>,
) -> Result<Arc<MynaSession>, MynaError> {
    open(Foreign::Blocking(transport)).await
}

async fn open(link: Foreign) -> Result<Arc<MynaSession>, MynaError> {
    let card = MynaCard::connect(link).await?;
    Ok(Arc::new(MynaSession {
        card: Mutex::new(card),
    }))
}

/// The core's stable step code, and bytes done / total while reading.
fn step(p: &Progress) -> (String, u64, u64) {
    let (done, total) = match p {
        Progress::Reading { done, total, .. } => (*done as u64, *total as u64),
        _ => (0, 0),
    };
    (p.code().to_string(), done, total)
}

impl MynaSession {
    /// The card for one operation, or at once an error when another operation of this session
    /// is running: a double tap must not queue a second VERIFY behind the first (with a wrong
    /// PIN it would cost two tries), as the JS face refuses it too.
    fn card(&self) -> Result<async_lock::MutexGuard<'_, MynaCard<Foreign>>, MynaError> {
        self.card
            .try_lock()
            .ok_or_else(|| Error::Usage(UsageError::Busy).into())
    }
}

#[uniffi::export]
impl MynaSession {
    /// Reports each step of later operations to `listener`.
    pub async fn set_progress_listener(&self, listener: Arc<dyn ProgressListener>) {
        self.card.lock().await.set_progress(Box::new(move |p| {
            let (s, done, total) = step(p);
            listener.on_progress(s, done, total);
        }));
    }

    /// 利用者証明用電子証明書 (DER), no PIN.
    pub async fn read_auth_certificate(&self) -> Result<Vec<u8>, MynaError> {
        Ok(self.card()?.read_auth_certificate().await?.der().to_vec())
    }

    /// Signs `challenge` (SHA-256) with the 利用者証明用 key; the 4-digit PIN is checked before
    /// anything is sent.
    pub async fn authenticate(
        &self,
        pin: String,
        challenge: Vec<u8>,
    ) -> Result<SignatureResult, MynaError> {
        let pin = AuthPin::new(&Zeroizing::new(pin))?;
        let a = self
            .card()?
            .authenticate(&pin, SignInput::data(&challenge))
            .await?;
        Ok(SignatureResult {
            signature: a.signature,
            certificate: a.certificate.der().to_vec(),
        })
    }

    /// Signs `document` (SHA-256) with the 署名用 key (6–16 character PIN).
    pub async fn sign(&self, pin: String, document: Vec<u8>) -> Result<SignatureResult, MynaError> {
        let pin = SignPin::new(&Zeroizing::new(pin))?;
        let s = self.card()?.sign(&pin, SignInput::data(&document)).await?;
        Ok(SignatureResult {
            signature: s.signature,
            certificate: s.certificate.der().to_vec(),
        })
    }

    /// 基本4情報 with the 4-digit 券面事項入力補助 PIN (integrity hash checked).
    pub async fn read_four_info(&self, pin: String) -> Result<FourInfo, MynaError> {
        let pin = AssistPin::new(&Zeroizing::new(pin))?;
        let r = self.card()?.read_four_info(&pin).await?;
        Ok(FourInfo::from(&r))
    }

    /// 基本4情報 with 照合番号B (birth date YYMMDD in the Japanese era + expiry year + code).
    /// Whether the card lets its integrity hash be read with 照合番号B is unconfirmed: look at
    /// `integrity`.
    pub async fn read_four_info_with_card_number_b(
        &self,
        number: String,
    ) -> Result<FourInfo, MynaError> {
        let number = CardNumberB::new(&Zeroizing::new(number))?;
        let r = self
            .card()?
            .read_four_info_with_card_number_b(&number)
            .await?;
        Ok(FourInfo::from(&r))
    }

    /// The My Number (個人番号), only through this named call.
    pub async fn read_my_number(&self, pin: String) -> Result<String, MynaError> {
        let pin = AssistPin::new(&Zeroizing::new(pin))?;
        let r = self.card()?.read_my_number(&pin).await?;
        Ok(r.my_number.expose().to_string())
    }

    /// 署名用電子証明書 (DER); needs the signature PIN.
    pub async fn read_sign_certificate(&self, pin: String) -> Result<Vec<u8>, MynaError> {
        let pin = SignPin::new(&Zeroizing::new(pin))?;
        Ok(self
            .card()?
            .read_sign_certificate(&pin)
            .await?
            .der()
            .to_vec())
    }

    /// Signs `document` as CMS SignedData (電子申請) with the 署名用 key; `detached` leaves the
    /// document out. `signing_time` in Unix seconds.
    pub async fn sign_document(
        &self,
        pin: String,
        document: Vec<u8>,
        detached: bool,
        signing_time: u64,
    ) -> Result<Vec<u8>, MynaError> {
        let pin = SignPin::new(&Zeroizing::new(pin))?;
        let time = mynacard_core::UnixTime(signing_time);
        Ok(self
            .card()?
            .sign_document(&pin, &document, detached, time)
            .await?)
    }

    /// The card face (券面事項確認AP) with 照合番号B: PNG images of name, address and security
    /// code, the photo (JPEG 2000), birth date and expiry.
    pub async fn read_face_with_card_number_b(
        &self,
        number: String,
    ) -> Result<FaceData, MynaError> {
        let number = CardNumberB::new(&Zeroizing::new(number))?;
        let f = self
            .card()?
            .read_face(mynacard_core::card::SurfaceKey::B(&number))
            .await?;
        Ok(FaceData {
            birth_date: f.birth_date.map(|d| d.to_string()),
            expiry: f.expiry.map(|d| d.to_string()),
            sex: f.sex.map(|s| s.code().to_string()),
            name_image: f.name_image,
            address_image: f.address_image,
            face_image: f.face_image,
            security_code_image: f.security_code_image,
        })
    }

    /// The 券面事項確認AP internal authentication (内部認証, かざし利用): `birth_date` opens the
    /// card's EF 0001, given as the service's registered date (`YYYYMMDD` / `YYYY-MM-DD`) or the
    /// card's era form (`YYMMDD`, 1980-02-17 → `550217`); a malformed one is `PIN_FORMAT` with
    /// nothing sent. `challenge` is the server's fresh challenge (16–1024 bytes), or `None` for
    /// 32 random bytes. The answer is checked against the card's own records before it returns
    /// (`CARD_NOT_GENUINE` for a copy); the server checks it again with the issuer key.
    pub async fn internal_authentication(
        &self,
        birth_date: String,
        challenge: Option<Vec<u8>>,
    ) -> Result<InternalAuthResult, MynaError> {
        let pin = mynacard_core::BirthDatePin::from_text(&Zeroizing::new(birth_date))?;
        let a = self
            .card()?
            .internal_authentication(&pin, challenge.as_deref())
            .await?;
        Ok(InternalAuthResult {
            birth_date: a.age_record.birth_date.map(|d| d.to_string()),
            issuer_key_id: mynacard_core::card::KeyRecord::id_text(&a.key_record.issuer_key_id),
            challenge: a.challenge,
            signature: a.signature,
            age_record: a.age_record_file,
            key_record: a.key_record_file,
        })
    }

    /// Changes a PIN (暗証番号の変更): `kind` `Auth` (利用者証明用, 4 digits), `Sign` (署名用,
    /// 6–16 of A–Z/0–9) or `Assist` (券面事項入力補助用, 4 digits); the 照合番号 kinds are
    /// `INVALID_ARGUMENT`. `current` and `new_pin` are both checked before anything is sent
    /// (`PIN_FORMAT`); a locked PIN is `PIN_LOCKED` with nothing sent; a wrong `current` spends
    /// one try (`PIN_INCORRECT`) and changes nothing. Ask the user for the new PIN twice; pass
    /// it once.
    pub async fn change_pin(
        &self,
        kind: PinKind,
        current: String,
        new_pin: String,
    ) -> Result<(), MynaError> {
        let (current, new_pin) = (Zeroizing::new(current), Zeroizing::new(new_pin));
        Ok(self.card()?.change_pin(kind, &current, &new_pin).await?)
    }

    /// Remaining tries of every PIN, without spending any.
    pub async fn pin_tries(&self) -> Result<Vec<PinTries>, MynaError> {
        let states = self.card()?.all_pin_states().await?;
        Ok(states
            .into_iter()
            .map(|(pin, state): (CardPin, PinState)| PinTries {
                pin: pin.code().to_string(),
                state,
                remaining: state.remaining(),
            })
            .collect())
    }
}

/// Which secret a string is meant to be: the core's [`mynacard_core::PinKind`] itself. uniffi
/// needs its variants written here (a remote type); the generated conversion matches on the
/// core's enum, so a variant added or renamed there fails this build instead of drifting.
#[uniffi::remote(Enum)]
enum PinKind {
    Auth,
    Sign,
    Assist,
    CardNumberA,
    CardNumberB,
    BirthDate,
}

/// `None` when `pin` has the card's format, else the error code (`PIN_FORMAT`). Nothing is sent.
#[uniffi::export]
pub fn check_pin_format(kind: PinKind, pin: String) -> Option<String> {
    let pin = Zeroizing::new(pin);
    kind.check(&pin).err().map(|e| e.code().to_string())
}

/// A PIN's state: the core's [`mynacard_core::PinState`] itself (a remote type, checked
/// against the core's enum by the build as [`PinKind`] is).
#[uniffi::remote(Enum)]
enum PinState {
    /// `n` tries left.
    Remaining(u8),
    /// Locked (閉塞): only a municipal office can reset it.
    Locked,
    /// Already verified in this session; the card reports no count.
    Verified,
    /// This card has no such PIN.
    Absent,
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
        assert!(error_codes().iter().any(|r| r.code == "PIN_LOCKED"));
    }
}

/// Issue 18: a card of the modelled ECDSA P-384 generation through the uniffi session (the
/// path an app takes): the signature the session returns verifies with the P-384 chain and
/// CRL, a tampered one does not. Needs `--features virtual-card`.
#[cfg(all(test, feature = "virtual-card"))]
mod p384_tests {
    use super::*;
    use crate::virtual_card::TestCard;
    use mynacard_core::error::VerifyError;
    use mynacard_core::verify::{CertificateKind, RelyingParty};
    use mynacard_core::{JpkiCertificate, KeyAlgorithm, UnixTime};
    use mynacard_virtual_card::pki;

    struct Link(Arc<TestCard>);

    impl BlockingNfcTransport for Link {
        fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, TransceiveError> {
            Ok(self.0.process(apdu))
        }
        fn extended_length(&self) -> bool {
            true
        }
    }

    #[test]
    fn a_p384_card_signs_through_the_session_and_verifies() {
        let now = UnixTime(1_780_272_000);
        let card = TestCard::new("p384".into()).unwrap();
        let session = pollster::block_on(connect_blocking(Arc::new(Link(card)))).unwrap();
        let challenge = vec![7u8; 32];
        let r = pollster::block_on(session.authenticate("2468".into(), challenge.clone())).unwrap();
        assert_eq!(r.signature.len(), 96);
        let party = RelyingParty::from_der(
            &[pki::p384_auth_ca_der()],
            &[pki::p384_auth_ca_crl_der()],
            now,
        )
        .unwrap();
        let cert = JpkiCertificate::from_der(&r.certificate).unwrap();
        let check = |sig: &[u8]| {
            party.verify_signed(
                &cert,
                SignInput::data(&challenge),
                sig,
                CertificateKind::Authentication,
                now,
            )
        };
        assert_eq!(
            check(&r.signature).unwrap().key_algorithm,
            KeyAlgorithm::EcdsaP384
        );
        let mut bad = r.signature.clone();
        bad[5] ^= 1;
        assert_eq!(
            check(&bad).unwrap_err(),
            Error::Verify(VerifyError::SignatureInvalid)
        );
    }
}
