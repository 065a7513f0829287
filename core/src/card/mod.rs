//! A session with one My Number Card over a [`Transport`]: the card's applications, file
//! reads, PIN verification and signing. Every operation sends the fewest APDUs the card
//! allows: no repeated SELECT, whole files in one extended READ BINARY where the link carries
//! it, one VERIFY per PIN, never retried.

mod assist;
mod change;
mod in_person;
mod internal_auth;
mod jpki;
mod surface;
mod token;

pub use assist::{AssistIntegrity, FourInfoRead, Integrity, MyNumberRead, NotCheckableReason};
pub use in_person::{Authenticity, Check, InPersonCheck};
pub use internal_auth::{
    AgeRecord, CardGenuineness, InternalAuthentication, issuer_key_from_object,
    verify_internal_authentication,
};
pub use jpki::{Authentication, Signed};
pub use surface::{FaceData, KeyRecord, SurfaceKey};

use zeroize::Zeroizing;

use crate::apdu::{Command, EXTENDED_LE_MAX, Response, SHORT_LE_MAX, Status};
use crate::error::Error;
use crate::error::{CardError, PinError, TransportError, UsageError};
use crate::pin::{Pin, PinKind};
use crate::tlv;
use crate::transport::{Capabilities, Transport};

/// The card's applications (AP), selected by AID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Application {
    /// 公的個人認証AP (JPKI): the 利用者証明用 and 署名用 certificates and keys.
    Jpki,
    /// 券面事項入力補助AP: 基本4情報 and the My Number as text.
    Assist,
    /// 券面事項確認AP: the card face as images.
    Surface,
}

impl Application {
    /// The application identifier SELECTed by DF name.
    pub const fn aid(self) -> &'static [u8] {
        match self {
            Application::Jpki => &[0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01],
            Application::Assist => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08],
            Application::Surface => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02],
        }
    }
}

/// A PIN as the card holds it: which application, which PIN EF, which format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CardPin {
    /// 利用者証明用電子証明書の暗証番号 (JPKI EF 0018).
    JpkiAuth,
    /// 署名用電子証明書の暗証番号 (JPKI EF 001B).
    JpkiSign,
    /// 券面事項入力補助用の暗証番号 (入力補助AP EF 0011).
    Assist,
    /// 照合番号A in 入力補助AP (EF 0014).
    AssistCardNumberA,
    /// 照合番号B in 入力補助AP (EF 0015).
    AssistCardNumberB,
    /// 照合番号A in 券面事項確認AP (EF 0013).
    SurfaceCardNumberA,
    /// 照合番号B in 券面事項確認AP (EF 0012).
    SurfaceCardNumberB,
    /// 生年月日 key in 券面事項確認AP (EF 0011): opens EF 0001 for the internal authentication.
    SurfaceBirthDate,
}

impl CardPin {
    /// Every PIN the card holds, in a stable order (faces list them in this order).
    pub const ALL: [CardPin; 8] = [
        CardPin::JpkiAuth,
        CardPin::JpkiSign,
        CardPin::Assist,
        CardPin::AssistCardNumberA,
        CardPin::AssistCardNumberB,
        CardPin::SurfaceCardNumberA,
        CardPin::SurfaceCardNumberB,
        CardPin::SurfaceBirthDate,
    ];

    /// The application that holds this PIN.
    pub const fn application(self) -> Application {
        match self {
            CardPin::JpkiAuth | CardPin::JpkiSign => Application::Jpki,
            CardPin::Assist | CardPin::AssistCardNumberA | CardPin::AssistCardNumberB => {
                Application::Assist
            }
            CardPin::SurfaceCardNumberA
            | CardPin::SurfaceCardNumberB
            | CardPin::SurfaceBirthDate => Application::Surface,
        }
    }

    /// The EF of the PIN in its application (the VERIFY P2).
    pub const fn ef(self) -> u16 {
        match self {
            CardPin::JpkiAuth => 0x0018,
            CardPin::JpkiSign => 0x001B,
            CardPin::Assist => 0x0011,
            CardPin::AssistCardNumberA => 0x0014,
            CardPin::AssistCardNumberB => 0x0015,
            CardPin::SurfaceCardNumberA => 0x0013,
            CardPin::SurfaceCardNumberB => 0x0012,
            CardPin::SurfaceBirthDate => 0x0011,
        }
    }

    /// The format rules this PIN follows (digits, length, character set).
    pub const fn kind(self) -> PinKind {
        match self {
            CardPin::JpkiAuth => PinKind::Auth,
            CardPin::JpkiSign => PinKind::Sign,
            CardPin::Assist => PinKind::Assist,
            CardPin::AssistCardNumberA | CardPin::SurfaceCardNumberA => PinKind::CardNumberA,
            CardPin::AssistCardNumberB | CardPin::SurfaceCardNumberB => PinKind::CardNumberB,
            CardPin::SurfaceBirthDate => PinKind::BirthDate,
        }
    }

    /// The stable code every face uses for this PIN.
    pub const fn code(self) -> &'static str {
        match self {
            CardPin::JpkiAuth => "jpki_auth",
            CardPin::JpkiSign => "jpki_sign",
            CardPin::Assist => "assist",
            CardPin::AssistCardNumberA => "assist_card_number_a",
            CardPin::AssistCardNumberB => "assist_card_number_b",
            CardPin::SurfaceCardNumberA => "surface_card_number_a",
            CardPin::SurfaceCardNumberB => "surface_card_number_b",
            CardPin::SurfaceBirthDate => "surface_birth_date",
        }
    }
}

/// What the card says of a PIN without spending a try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinState {
    /// `n` tries left (63Cn with n > 0).
    Remaining(u8),
    /// Locked (63C0, 6983 or 6984).
    Locked,
    /// Already verified in this session and the card reports no count (9000; some cards).
    Verified,
    /// This card has no such PIN EF.
    Absent,
}

impl PinState {
    /// The stable code every face reports: `remaining`, `locked`, `verified`, `absent`.
    pub const fn code(self) -> &'static str {
        match self {
            PinState::Remaining(_) => "remaining",
            PinState::Locked => "locked",
            PinState::Verified => "verified",
            PinState::Absent => "absent",
        }
    }

    /// Tries left when the card counts them (0 when locked).
    pub const fn remaining(self) -> Option<u8> {
        match self {
            PinState::Remaining(n) => Some(n),
            PinState::Locked => Some(0),
            PinState::Verified | PinState::Absent => None,
        }
    }
}

/// A step of an operation, for progress bars. Carries no card data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Selecting an application.
    Selecting {
        /// The application being selected.
        application: Application,
    },
    /// Asking the card how many tries a PIN has left (VERIFY with no data).
    CheckingTries {
        /// The PIN asked about.
        pin: CardPin,
    },
    /// Sending a PIN (VERIFY with the PIN): one try is spent if it is wrong.
    VerifyingPin {
        /// The PIN sent.
        pin: CardPin,
    },
    /// Reading an EF in parts.
    Reading {
        /// The EF being read.
        ef: u16,
        /// Bytes read so far.
        done: usize,
        /// Bytes to read in all.
        total: usize,
    },
    /// The card is computing a signature.
    Signing,
}

impl Progress {
    /// The stable code every face reports: `selecting`, `checking_tries`, `verifying_pin`,
    /// `reading`, `signing`.
    pub const fn code(&self) -> &'static str {
        match self {
            Progress::Selecting { .. } => "selecting",
            Progress::CheckingTries { .. } => "checking_tries",
            Progress::VerifyingPin { .. } => "verifying_pin",
            Progress::Reading { .. } => "reading",
            Progress::Signing => "signing",
        }
    }
}

/// Progress callback.
#[cfg(not(target_arch = "wasm32"))]
pub type ProgressFn = Box<dyn FnMut(&Progress) + Send>;
/// Progress callback.
#[cfg(target_arch = "wasm32")]
pub type ProgressFn = Box<dyn FnMut(&Progress)>;

/// Counters of what went over the link, for benchmarks and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Command APDUs sent.
    pub apdus: usize,
    /// Bytes of command APDUs sent.
    pub bytes_sent: usize,
    /// Bytes of response APDUs received, status words included.
    pub bytes_received: usize,
}

/// The default AID of the GlobalPlatform Issuer Security Domain (カードマネージャ). Selecting it
/// leaves the application in use, which clears its verified PINs (card-evidence §7;
/// soltia48/myna-sign `crates/myna-sign-card/src/lib.rs`, soltia48/myna-card `src/mf.rs`).
const ISSUER_SECURITY_DOMAIN: [u8; 7] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00];

/// EF sizes above this are not files of this card: a bound on what a hostile card can make the
/// SDK allocate (READ BINARY offsets end at 0x7FFF anyway).
const MAX_FILE: usize = 0x7FFF;

/// Whether the card takes a short EF id in one command form (READ BINARY P1 = 80|SFI; VERIFY
/// P2 = 80|SFI; COMPUTE DIGITAL SIGNATURE P2 = 80|SFI). The forms are standard (ISO 7816-4) but
/// not in the card's published interface, so each session learns each form from the card's
/// first answer to it and, when refused (any status but 9000, or a tries answer for VERIFY),
/// uses the form every independent client uses (SELECT EF, then P1/P2 = 80) for good
/// (docs/card-notes.md, "Short EF ids").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ShortEfIds {
    Untried,
    Accepted,
    Refused,
}

impl ShortEfIds {
    /// After the card answered a short-id command: `ok` whether it took the form.
    fn learn(&mut self, ok: bool) {
        match (*self, ok) {
            (_, true) => *self = ShortEfIds::Accepted,
            // A refusal of a form the card took earlier in the session is the answer for
            // this one command (e.g. a file its key does not open); the SELECT EF form is
            // asked once, the session keeps the fast form.
            (ShortEfIds::Untried, false) => *self = ShortEfIds::Refused,
            _ => {}
        }
    }
}

/// The short EF id of `ef` (1–30), if it has one.
fn short_ef_id(ef: u16) -> Option<u8> {
    u8::try_from(ef).ok().filter(|id| (1..=0x1E).contains(id))
}

/// A failure of the link (not an answer of the card), after which the first extended READ of a
/// session is tried once more with short APDUs: readers that do not carry extended APDUs fail
/// this way (a transport error or no answer) as often as they answer 6700. A removed card, a
/// gone reader and a cancel are what they say, never retried.
fn link_failure(e: &Error) -> bool {
    matches!(
        e,
        Error::Transport(TransportError::Other { .. }) | Error::Transport(TransportError::Timeout)
    )
}

/// A session with one My Number Card. Open it with [`MynaCard::connect`], which refuses other
/// cards with `WRONG_CARD`.
pub struct MynaCard<T: Transport> {
    transport: T,
    caps: Capabilities,
    selected_df: Option<Application>,
    selected_ef: Option<u16>,
    /// READ BINARY by short EF id (P1 = 80|SFI).
    short_read: ShortEfIds,
    /// VERIFY (tries query and PIN) by short EF id (P2 = 80|SFI).
    short_verify: ShortEfIds,
    /// COMPUTE DIGITAL SIGNATURE with the key named by short EF id (P2 = 80|SFI).
    short_sign: ShortEfIds,
    /// Whether an extended READ BINARY got an answer in this session (after that a link
    /// failure is a link failure, not a reader that cannot carry extended APDUs).
    extended_answered: bool,
    /// The application a VERIFY with a PIN went to since the security state was last cleared.
    pin_presented: Option<Application>,
    /// Whether the card refused the SELECT of the Issuer Security Domain in this session (the
    /// clearing then selects another of the card's applications).
    isd_refused: bool,
    /// Inside [`MynaCard::pin_operation`] (so a nested one neither begins nor clears).
    in_pin_operation: bool,
    progress: Option<ProgressFn>,
    stats: Stats,
}

impl<T: Transport> core::fmt::Debug for MynaCard<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MynaCard")
            .field("caps", &self.caps)
            .field("selected_df", &self.selected_df)
            .field("selected_ef", &self.selected_ef)
            .field("short_read", &self.short_read)
            .field("short_verify", &self.short_verify)
            .field("short_sign", &self.short_sign)
            .field("extended_answered", &self.extended_answered)
            .field("pin_presented", &self.pin_presented)
            .field("isd_refused", &self.isd_refused)
            .field("stats", &self.stats)
            .finish()
    }
}

impl<T: Transport> MynaCard<T> {
    /// Opens a session: selects the JPKI AP and reads its token EF to make sure this is a
    /// My Number Card (not a 住基カード or a smartphone credential). 2 APDUs (3 on a card that
    /// refuses short EF ids).
    pub async fn connect(transport: T) -> Result<MynaCard<T>, Error> {
        let caps = transport.capabilities();
        let mut card = MynaCard {
            transport,
            caps,
            selected_df: None,
            selected_ef: None,
            short_read: ShortEfIds::Untried,
            short_verify: ShortEfIds::Untried,
            short_sign: ShortEfIds::Untried,
            extended_answered: false,
            pin_presented: None,
            isd_refused: false,
            in_pin_operation: false,
            progress: None,
            stats: Stats::default(),
        };
        card.check_token().await?;
        Ok(card)
    }

    /// Reports each step of later operations to `f`.
    pub fn set_progress(&mut self, f: ProgressFn) {
        self.progress = Some(f);
    }

    /// What went over the link since the session began.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// What the transport offers (extended length, largest response).
    pub fn capabilities(&self) -> Capabilities {
        self.caps
    }

    /// The transport, for reading its own counters or state.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably (a face that reconfigures its link).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Ends the session and gives the transport back (the card is not touched).
    pub fn into_transport(self) -> T {
        self.transport
    }

    fn report(&mut self, p: Progress) {
        if let Some(f) = self.progress.as_mut() {
            f(&p);
        }
    }

    /// One APDU exchange. Logs the header and status word only.
    async fn exchange(&mut self, command: Command<'_>) -> Result<Response, Error> {
        // Zeroized after use: the encoded command may hold a PIN.
        let encoded = Zeroizing::new(command.encode()?);
        let result = self.transport.transmit(&encoded).await;
        self.stats.apdus += 1;
        self.stats.bytes_sent += encoded.len();
        let raw = match result {
            Ok(raw) => raw,
            Err(e) => {
                // After a link failure the card's state is unknown.
                self.selected_df = None;
                self.selected_ef = None;
                log::debug!("{command:?} -> transport error");
                return Err(e.into());
            }
        };
        self.stats.bytes_received += raw.len();
        let response = Response::parse(raw)?;
        log::trace!("{command:?} -> {response:?}");
        Ok(response)
    }

    pub(crate) async fn select_application(&mut self, app: Application) -> Result<(), Error> {
        if self.selected_df == Some(app) {
            return Ok(());
        }
        self.report(Progress::Selecting { application: app });
        let command = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(app.aid());
        let mut response = self.exchange(command.clone()).await?;
        if response.status() == Status::NoDiagnosis && self.stats.apdus == 1 {
            // Some cards answer the first APDU after power-on with 6F00 (card-notes §power-on);
            // SELECT changes nothing on the card, so sending it once more is safe.
            response = self.exchange(command).await?;
        }
        self.selected_ef = None;
        self.selected_df = None;
        match response.status() {
            Status::Ok => {
                self.selected_df = Some(app);
                Ok(())
            }
            Status::FileNotFound | Status::WrongParameters if app == Application::Jpki => {
                Err(Error::Card(CardError::WrongCard {
                    found: crate::error::CardKind::Unknown,
                }))
            }
            _ => Err(response.sw.to_error()),
        }
    }

    pub(crate) async fn select_ef(&mut self, app: Application, ef: u16) -> Result<(), Error> {
        self.select_application(app).await?;
        if self.selected_ef == Some(ef) {
            return Ok(());
        }
        let fid = ef.to_be_bytes();
        let response = self
            .exchange(Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(&fid))
            .await?;
        self.selected_ef = None;
        response.into_ok()?;
        self.selected_ef = Some(ef);
        Ok(())
    }

    /// One READ BINARY of the current EF.
    async fn read_binary(&mut self, offset: usize, le: usize) -> Result<Vec<u8>, Error> {
        let [p1, p2] = u16::try_from(offset)
            .ok()
            .filter(|o| *o <= MAX_FILE as u16)
            .ok_or(Error::Card(CardError::MalformedResponse {
                what: "file larger than READ BINARY can address",
            }))?
            .to_be_bytes();
        let response = self
            .exchange(Command::new(0x00, 0xB0, p1, p2).with_le(le))
            .await?;
        if le > SHORT_LE_MAX {
            self.extended_answered = true;
        }
        response.into_ok()
    }

    /// READ BINARY from offset 0 of `ef` named by its short EF id: no SELECT EF. `None` when the
    /// card or the link does not take this form (the caller then selects the EF): any answer
    /// but 9000 is a refusal of the form, and the SELECT EF form is asked instead.
    pub(crate) async fn read_by_short_ef_id(
        &mut self,
        app: Application,
        ef: u16,
        le: usize,
    ) -> Result<Option<Vec<u8>>, Error> {
        let Some(id) = short_ef_id(ef).filter(|_| self.short_read != ShortEfIds::Refused) else {
            return Ok(None);
        };
        self.select_application(app).await?;
        let response = self
            .exchange(Command::new(0x00, 0xB0, 0x80 | id, 0x00).with_le(le))
            .await?;
        if le > SHORT_LE_MAX {
            self.extended_answered = true;
        }
        // Whether a short-EF-id reference changes the current EF is not relied on.
        self.selected_ef = None;
        match response.status() {
            Status::Ok => {
                self.short_read.learn(true);
                Ok(Some(response.data))
            }
            // The reader or card refused the extended form: fall back for this session.
            Status::WrongLength if le > SHORT_LE_MAX => {
                self.caps.extended_length = false;
                Ok(None)
            }
            _ => {
                log::debug!(
                    "READ by short EF id answered {:04X}: SELECT EF instead",
                    response.sw.0
                );
                self.short_read.learn(false);
                Ok(None)
            }
        }
    }

    /// Reads a file holding one BER-TLV object (certificates, 4情報, ...) and returns exactly
    /// that object, without the filler some EFs have after it.
    pub(crate) async fn read_tlv_file(
        &mut self,
        app: Application,
        ef: u16,
    ) -> Result<Vec<u8>, Error> {
        if self.caps.extended_length {
            match self.read_by_short_ef_id(app, ef, EXTENDED_LE_MAX).await {
                Ok(Some(whole)) => {
                    let total =
                        tlv::encoded_len(&whole)
                            .filter(|n| *n <= MAX_FILE)
                            .ok_or(Error::Card(CardError::MalformedResponse {
                                what: "file does not start with a TLV header",
                            }))?;
                    // One extended READ holds any EF of this card; a shorter answer is read
                    // again by offset below, which needs the EF selected.
                    if whole.len() >= total {
                        self.report(Progress::Reading {
                            ef,
                            done: total,
                            total,
                        });
                        let mut whole = whole;
                        whole.truncate(total);
                        return Ok(whole);
                    }
                }
                Ok(None) => {}
                // The first extended READ of the session failed on the link: a reader that
                // does not carry extended APDUs. The read is asked once more in short APDUs
                // below, and the session stays short.
                Err(e) if !self.extended_answered && link_failure(&e) => {
                    log::debug!("extended READ failed on the link: short APDUs from now on");
                    self.caps.extended_length = false;
                }
                Err(e) => return Err(e),
            }
        }
        self.select_ef(app, ef).await?;
        let first = if self.caps.extended_length {
            match self.read_binary(0, EXTENDED_LE_MAX).await {
                // The reader or card refused the extended form: fall back for this session.
                Err(Error::Card(CardError::UnexpectedStatus { sw: 0x6700 })) => {
                    self.caps.extended_length = false;
                    self.read_binary(0, SHORT_LE_MAX).await?
                }
                Err(e) if !self.extended_answered && link_failure(&e) => {
                    log::debug!("extended READ failed on the link: short APDUs from now on");
                    self.caps.extended_length = false;
                    // The link failure forgot the selection.
                    self.select_ef(app, ef).await?;
                    self.read_binary(0, SHORT_LE_MAX).await?
                }
                other => other?,
            }
        } else {
            self.read_binary(0, SHORT_LE_MAX).await?
        };
        let total = tlv::encoded_len(&first)
            .filter(|n| *n <= MAX_FILE)
            .ok_or(Error::Card(CardError::MalformedResponse {
                what: "file does not start with a TLV header",
            }))?;
        let mut data = first;
        self.report(Progress::Reading {
            ef,
            done: data.len().min(total),
            total,
        });
        while data.len() < total {
            let want = (total - data.len()).min(SHORT_LE_MAX);
            let chunk = self.read_binary(data.len(), want).await?;
            if chunk.is_empty() {
                return Err(Error::Card(CardError::MalformedResponse {
                    what: "file ends before its TLV object",
                }));
            }
            data.extend_from_slice(&chunk);
            self.report(Progress::Reading {
                ef,
                done: data.len().min(total),
                total,
            });
        }
        data.truncate(total);
        Ok(data)
    }

    /// Reads a small file whole (at most 256 bytes), filler included: for files whose
    /// integrity hash covers the physical EF (the My Number EF) or that are not TLV.
    pub(crate) async fn read_small_file(
        &mut self,
        app: Application,
        ef: u16,
    ) -> Result<Vec<u8>, Error> {
        let data = match self.read_by_short_ef_id(app, ef, SHORT_LE_MAX).await? {
            Some(data) => data,
            None => {
                self.select_ef(app, ef).await?;
                self.read_binary(0, SHORT_LE_MAX).await?
            }
        };
        self.report(Progress::Reading {
            ef,
            done: data.len(),
            total: data.len(),
        });
        Ok(data)
    }

    /// Whether a short EF id in P2 (VERIFY, COMPUTE DIGITAL SIGNATURE) is still worth a try: not
    /// once the card refused it, nor once it refused short ids in READ BINARY (the same ISO
    /// 7816-4 feature; a card without it would cost one refused APDU per form otherwise).
    fn short_p2_open(&self) -> bool {
        self.short_verify != ShortEfIds::Refused && self.short_read != ShortEfIds::Refused
    }

    /// Remaining tries of `pin` without spending one (VERIFY with no data).
    pub async fn pin_state(&mut self, pin: CardPin) -> Result<PinState, Error> {
        self.pin_state_and_reference(pin)
            .await
            .map(|(state, _)| state)
    }

    /// The tries of `pin`, and the P2 that reached its PIN EF (80|SFI, or 80 for the selected
    /// EF): VERIFY then uses the very form the card has just answered.
    async fn pin_state_and_reference(&mut self, pin: CardPin) -> Result<(PinState, u8), Error> {
        self.pin_state_by(pin, true).await
    }

    /// [`pin_state_and_reference`](Self::pin_state_and_reference); with `short_ok` false only
    /// the SELECT EF form (P2 = 80), which leaves the PIN EF the current EF.
    async fn pin_state_by(
        &mut self,
        pin: CardPin,
        short_ok: bool,
    ) -> Result<(PinState, u8), Error> {
        let state = |response: &Response| match response.status() {
            Status::Tries(0) | Status::PinBlocked => Some(PinState::Locked),
            Status::Tries(n) => Some(PinState::Remaining(n)),
            Status::Ok => Some(PinState::Verified),
            _ => None,
        };
        if let Some(id) = short_ef_id(pin.ef()).filter(|_| short_ok && self.short_p2_open()) {
            self.select_application(pin.application()).await?;
            self.report(Progress::CheckingTries { pin });
            let p2 = 0x80 | id;
            let response = self.exchange(Command::new(0x00, 0x20, 0x00, p2)).await?;
            self.selected_ef = None;
            if let Some(found) = state(&response) {
                self.short_verify.learn(true);
                return Ok((found, p2));
            }
            // Any other answer (6A86, 6982, 6F00, ...) refuses the form: the tries are asked
            // through SELECT EF, which every independent client uses. A tries query spends
            // nothing, so asking twice is harmless.
            log::debug!(
                "tries query by short EF id answered {:04X}: SELECT EF instead",
                response.sw.0
            );
            self.short_verify.learn(false);
        }
        match self.select_ef(pin.application(), pin.ef()).await {
            Err(Error::Card(CardError::FileNotFound)) => {
                // A missing PIN EF leaves no EF selected; the AP stays selected.
                return Ok((PinState::Absent, 0x80));
            }
            other => other?,
        }
        self.report(Progress::CheckingTries { pin });
        let response = self.exchange(Command::new(0x00, 0x20, 0x00, 0x80)).await?;
        match state(&response) {
            Some(found) => Ok((found, 0x80)),
            None => Err(response.sw.to_error()),
        }
    }

    /// Remaining tries of every PIN on the card.
    pub async fn all_pin_states(&mut self) -> Result<Vec<(CardPin, PinState)>, Error> {
        let mut out = Vec::with_capacity(CardPin::ALL.len());
        for pin in CardPin::ALL {
            out.push((pin, self.pin_state(pin).await?));
        }
        Ok(out)
    }

    /// Checks the tries (a locked PIN is never sent), then sends exactly one VERIFY.
    pub(crate) async fn verify_pin(&mut self, which: CardPin, pin: &dyn Pin) -> Result<(), Error> {
        self.verify_pin_by(which, pin, true).await
    }

    /// [`verify_pin`](Self::verify_pin); with `short_ok` false in the SELECT EF form only, so
    /// the PIN EF stays the current EF for a command that follows (CHANGE REFERENCE DATA).
    async fn verify_pin_by(
        &mut self,
        which: CardPin,
        pin: &dyn Pin,
        short_ok: bool,
    ) -> Result<(), Error> {
        debug_assert_eq!(which.kind(), pin.kind());
        if which.kind() != pin.kind() {
            return Err(Error::Usage(UsageError::InvalidArgument {
                what: "PIN of the wrong kind for this PIN EF",
            }));
        }
        let (state, p2) = self.pin_state_by(which, short_ok).await?;
        match state {
            PinState::Locked => return Err(Error::Pin(PinError::Locked)),
            PinState::Absent => return Err(Error::Card(CardError::FileNotFound)),
            PinState::Remaining(_) | PinState::Verified => {}
        }
        self.report(Progress::VerifyingPin { pin: which });
        // From here the card may hold this PIN as verified, whatever the answer: the
        // operation clears the security state before it returns.
        self.pin_presented = Some(which.application());
        let response = self
            .exchange(Command::new(0x00, 0x20, 0x00, p2).with_data(pin.bytes()))
            .await?;
        match response.status() {
            Status::Ok => Ok(()),
            Status::Tries(remaining) => Err(Error::Pin(PinError::Incorrect { remaining })),
            Status::PinBlocked => Err(Error::Pin(PinError::Locked)),
            _ => Err(response.sw.to_error()),
        }
    }

    /// Runs `op`, an operation that presents a PIN, the way the card's security state needs
    /// (docs/card-notes.md, "No PIN left verified"):
    ///
    /// - inside one exclusive stretch of the transport ([`Transport::begin_exclusive`]), so no
    ///   other client of the reader can slip a command between the tries check, the VERIFY,
    ///   the signature and the clearing;
    /// - once a VERIFY with a PIN went out, the security state is cleared before it returns,
    ///   whether the operation then succeeded or failed (one SELECT: see
    ///   [`MynaCard::clear_security_state`]), unless the card was removed (it lost power,
    ///   which clears it).
    ///
    /// The first error wins: the operation's, then the clearing's, then the end of the
    /// exclusive stretch. A result is never returned while the PIN may still be verified.
    pub(crate) async fn pin_operation<R>(
        &mut self,
        op: impl AsyncFnOnce(&mut Self) -> Result<R, Error>,
    ) -> Result<R, Error> {
        if self.in_pin_operation {
            return op(self).await;
        }
        self.begin_pin_operation().await?;
        let result = op(self).await;
        let removed = matches!(result, Err(Error::Transport(TransportError::CardRemoved)));
        let finished = self.end_pin_operation(removed).await;
        let value = result?;
        finished?;
        Ok(value)
    }

    /// The start of [`pin_operation`](Self::pin_operation), apart from its generic shell so
    /// that ten operations share one copy (the page's wasm size).
    async fn begin_pin_operation(&mut self) -> Result<(), Error> {
        self.transport
            .begin_exclusive()
            .await
            .map_err(Error::from)?;
        self.in_pin_operation = true;
        Ok(())
    }

    /// The end of [`pin_operation`](Self::pin_operation): the clearing (unless the card was
    /// removed or no PIN was presented), then the end of the exclusive stretch; the clearing's
    /// error wins over the end's.
    async fn end_pin_operation(&mut self, removed: bool) -> Result<(), Error> {
        let cleared = match self.pin_presented {
            Some(app) if !removed => {
                // Sent even after the caller cancelled (see `Transport::clearing`).
                self.transport.clearing(true);
                let cleared = self.clear_security_state(app).await;
                self.transport.clearing(false);
                cleared
            }
            _ => Ok(()),
        };
        self.in_pin_operation = false;
        let ended = self.transport.end_exclusive().await.map_err(Error::from);
        cleared?;
        ended
    }

    /// Clears every verified PIN on the card by leaving the application `app` whose PIN was
    /// presented: SELECT of the GlobalPlatform Issuer Security Domain (`A0 00 00 01 51 00 00`),
    /// as soltia48/myna-sign does when a session ends; on a card that refuses it, SELECT of
    /// another of the card's applications (leaving a DF clears its security state, JICSAP
    /// 5.1.3, soltia48/myna-card), and the session remembers. SELECT MF does not work on this
    /// card (`00 A4 00 00` keeps the DF, 3F00 is 6A82: soltia48/myna-card `src/mf.rs`).
    async fn clear_security_state(&mut self, app: Application) -> Result<(), Error> {
        if !self.isd_refused {
            let response = self
                .exchange(Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(&ISSUER_SECURITY_DOMAIN))
                .await?;
            self.selected_df = None;
            self.selected_ef = None;
            if response.status() == Status::Ok {
                self.pin_presented = None;
                return Ok(());
            }
            log::debug!(
                "SELECT of the Issuer Security Domain answered {:04X}: another AP instead",
                response.sw.0
            );
            self.isd_refused = true;
        }
        let other = match app {
            Application::Jpki => Application::Assist,
            Application::Assist | Application::Surface => Application::Jpki,
        };
        self.selected_df = None;
        self.select_application(other).await?;
        self.pin_presented = None;
        Ok(())
    }

    /// COMPUTE DIGITAL SIGNATURE with the key in `key_ef` over a DigestInfo (card pads PKCS#1
    /// v1.5), after the VERIFY of the key's PIN.
    ///
    /// Every independent client selects the key EF and sends `80 2A 00 80` (OpenSC
    /// `card-jpki.c`, jpki/myna, siketyan/jpki-rs); only soltia48/myna-card names the key in P2
    /// (`80 2A 00 80|SFI`), which saves the SELECT. That fast form is sent only while the
    /// session has not seen it (or the short-id VERIFY) refused; any answer but 9000 to it is
    /// followed, once, by SELECT EF + `80 2A 00 80`, and the session remembers. The PIN
    /// verified just before stays verified: a SELECT EF inside the JPKI AP keeps the security
    /// state (the peers above VERIFY on the PIN EF, then SELECT the key EF, then sign), so
    /// there is never a second VERIFY. A link failure is never retried.
    pub(crate) async fn compute_signature(
        &mut self,
        key_ef: u16,
        digest_info: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.select_application(Application::Jpki).await?;
        let sfi = short_ef_id(key_ef).ok_or(Error::Usage(UsageError::InvalidArgument {
            what: "key EF has no short EF id",
        }))?;
        self.report(Progress::Signing);
        let sign = |p2| {
            Command::new(0x80, 0x2A, 0x00, p2)
                .with_data(digest_info)
                .with_le(SHORT_LE_MAX)
        };
        if self.short_sign != ShortEfIds::Refused && self.short_p2_open() {
            let result = self.exchange(sign(0x80 | sfi)).await;
            // Whether a short-EF-id reference changes the current EF is not recorded.
            self.selected_ef = None;
            let response = result?;
            if response.status() == Status::Ok {
                self.short_sign = ShortEfIds::Accepted;
                return check_signature(response.data);
            }
            log::debug!(
                "signature by short EF id answered {:04X}: SELECT EF + 80 2A 00 80",
                response.sw.0
            );
            self.short_sign = ShortEfIds::Refused;
        }
        self.select_ef(Application::Jpki, key_ef).await?;
        let response = self.exchange(sign(0x80)).await?;
        check_signature(response.into_ok()?)
    }
}

pub(crate) fn check_signature(sig: Vec<u8>) -> Result<Vec<u8>, Error> {
    if sig.len() < 64 {
        return Err(Error::Card(CardError::MalformedResponse {
            what: "signature shorter than any RSA key",
        }));
    }
    Ok(sig)
}

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
