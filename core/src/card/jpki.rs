//! 公的個人認証AP (JPKI): 利用者証明用 and 署名用 certificates and signatures.

use super::{Application, CardPin, MynaCard};
use crate::cert::JpkiCertificate;
use crate::digest::SignInput;
use crate::error::Error;
use crate::pin::{AuthPin, SignPin};
use crate::transport::Transport;

const EF_SIGN_CERT: u16 = 0x0001;
const EF_SIGN_CA_CERT: u16 = 0x0002;
const EF_AUTH_CERT: u16 = 0x000A;
const EF_AUTH_CA_CERT: u16 = 0x000B;
const EF_AUTH_KEY: u16 = 0x0017;
const EF_SIGN_KEY: u16 = 0x001A;

/// The result of an authentication: a signature over the challenge and the certificate
/// that verifies it.
#[derive(Clone, Debug)]
pub struct Authentication {
    /// The 利用者証明用 key's signature over the challenge's DigestInfo.
    pub signature: Vec<u8>,
    /// The 利用者証明用 certificate read from the card.
    pub certificate: JpkiCertificate,
}

/// A 署名用 signature with its certificate (which carries 基本4情報).
#[derive(Clone, Debug)]
pub struct Signed {
    /// The 署名用 key's signature.
    pub signature: Vec<u8>,
    /// The 署名用 certificate read from the card (it carries 基本4情報).
    pub certificate: JpkiCertificate,
}

impl<T: Transport> MynaCard<T> {
    async fn read_certificate(&mut self, ef: u16) -> Result<JpkiCertificate, Error> {
        let der = self.read_tlv_file(Application::Jpki, ef).await?;
        JpkiCertificate::from_der(&der)
    }

    /// 利用者証明用電子証明書. No PIN.
    pub async fn read_auth_certificate(&mut self) -> Result<JpkiCertificate, Error> {
        self.read_certificate(EF_AUTH_CERT).await
    }

    /// The CA certificate of the 利用者証明用 certificate, as the card holds it. No PIN.
    /// A relying party must not trust it for that: configure the trust anchors instead.
    pub async fn read_auth_ca_certificate(&mut self) -> Result<JpkiCertificate, Error> {
        self.read_certificate(EF_AUTH_CA_CERT).await
    }

    /// The CA certificate of the 署名用 certificate, as the card holds it. No PIN.
    pub async fn read_sign_ca_certificate(&mut self) -> Result<JpkiCertificate, Error> {
        self.read_certificate(EF_SIGN_CA_CERT).await
    }

    /// Signs with the 利用者証明用 key after one VERIFY of the 4-digit PIN: the signature of
    /// [`authenticate`](Self::authenticate) without its certificate. What the card receives
    /// follows the key of the 利用者証明用 certificate, which is read first (free, before the
    /// VERIFY): a DigestInfo for RSA (the card pads PKCS#1 v1.5) and the bare digest for ECDSA
    /// P-384, which answers `r ‖ s` (*modelled*, see `docs/card-notes.md`). An input the key
    /// cannot sign (a SHA-1 digest for P-384, a DigestInfo longer than an RSA modulus allows)
    /// is `DIGEST_UNFIT_FOR_KEY`, before the VERIFY.
    pub async fn sign_with_auth_key(
        &mut self,
        pin: &AuthPin,
        input: SignInput<'_>,
    ) -> Result<Vec<u8>, Error> {
        Ok(self.authenticate(pin, input).await?.signature)
    }

    /// Reads the 利用者証明用 certificate and signs `challenge` with its key: what a server
    /// needs to authenticate the resident.
    pub async fn authenticate(
        &mut self,
        pin: &AuthPin,
        challenge: SignInput<'_>,
    ) -> Result<Authentication, Error> {
        // A digest of the wrong length is refused before any APDU.
        challenge.digest_bytes()?;
        self.pin_operation(async |card| {
            let certificate = card.read_auth_certificate().await?;
            // DigestInfo for an RSA key, the bare digest for a P-384 key (SignInput::card_input);
            // an input the key cannot sign is refused here, before the VERIFY.
            let card_input = challenge.card_input(certificate.key_algorithm())?;
            card.verify_pin(CardPin::JpkiAuth, pin).await?;
            let signature = card.compute_signature(EF_AUTH_KEY, &card_input).await?;
            Ok(Authentication {
                signature,
                certificate,
            })
        })
        .await
    }

    /// 署名用電子証明書; the card asks for the signature PIN first.
    pub async fn read_sign_certificate(&mut self, pin: &SignPin) -> Result<JpkiCertificate, Error> {
        self.pin_operation(async |card| {
            card.verify_pin(CardPin::JpkiSign, pin).await?;
            card.read_certificate(EF_SIGN_CERT).await
        })
        .await
    }

    /// Signs with the 署名用 key after one VERIFY of the signature PIN: the signature of
    /// [`sign`](Self::sign) without its certificate. The 署名用 certificate is read after the
    /// VERIFY (it needs the PIN) and names the key, so the card receives what that key signs,
    /// as for [`sign_with_auth_key`](Self::sign_with_auth_key); an input the key cannot sign is
    /// `DIGEST_UNFIT_FOR_KEY` before the signature APDU (the PIN was verified by then).
    pub async fn sign_with_sign_key(
        &mut self,
        pin: &SignPin,
        input: SignInput<'_>,
    ) -> Result<Vec<u8>, Error> {
        Ok(self.sign(pin, input).await?.signature)
    }

    /// One VERIFY, then the 署名用 certificate and a signature: what a signed document needs.
    pub async fn sign(&mut self, pin: &SignPin, input: SignInput<'_>) -> Result<Signed, Error> {
        input.digest_bytes()?;
        self.pin_operation(async |card| {
            card.verify_pin(CardPin::JpkiSign, pin).await?;
            let certificate = card.read_certificate(EF_SIGN_CERT).await?;
            let card_input = input.card_input(certificate.key_algorithm())?;
            let signature = card.compute_signature(EF_SIGN_KEY, &card_input).await?;
            Ok(Signed {
                signature,
                certificate,
            })
        })
        .await
    }

    /// A detached CMS SignedData whose signed attributes `attributes` builds from the 署名用
    /// certificate (read after the one VERIFY, since it needs the PIN): what a signed PDF
    /// needs, where the content digest is a ByteRange's and a profile may refuse the key. An
    /// error from `attributes` comes before the signature APDU (the PIN was verified by then,
    /// and is cleared as after every PIN operation).
    pub async fn sign_detached_with(
        &mut self,
        pin: &SignPin,
        attributes: impl FnOnce(&JpkiCertificate) -> Result<crate::cms::PreparedSignature, Error>,
    ) -> Result<Vec<u8>, Error> {
        self.pin_operation(async |card| {
            card.verify_pin(CardPin::JpkiSign, pin).await?;
            let certificate = card.read_certificate(EF_SIGN_CERT).await?;
            let prepared = attributes(&certificate)?;
            let signature = card
                .compute_signature(EF_SIGN_KEY, prepared.card_input())
                .await?;
            prepared.finish(&[], true, &certificate, &signature)
        })
        .await
    }

    /// Signs `content` as a CMS SignedData (電子申請) with the 署名用 key: one VERIFY, the
    /// certificate, one signature over the signed attributes. `detached` leaves the document
    /// out of the result (the receiver has it).
    pub async fn sign_document(
        &mut self,
        pin: &SignPin,
        content: &[u8],
        detached: bool,
        signing_time: crate::cert::UnixTime,
    ) -> Result<Vec<u8>, Error> {
        self.pin_operation(async |card| {
            card.verify_pin(CardPin::JpkiSign, pin).await?;
            let certificate = card.read_certificate(EF_SIGN_CERT).await?;
            let prepared = crate::cms::PreparedSignature::new(content, &certificate, signing_time)?;
            let signature = card
                .compute_signature(EF_SIGN_KEY, prepared.card_input())
                .await?;
            prepared.finish(content, detached, &certificate, &signature)
        })
        .await
    }
}
