//! The JPKI certificates (利用者証明用 / 署名用電子証明書) as the card stores them, over
//! `x509-cert`, with the 基本4情報 the 署名用 certificate carries in subjectAltName otherName
//! entries under 1.2.392.200149.8.5.5.

use der::referenced::OwnedToRef;
use der::{Decode, Encode, Tag, Tagged, asn1::ObjectIdentifier};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{SubjectAltName, name::GeneralName};

use crate::error::Error;
use crate::error::VerifyError;
use crate::four_info::{CardText, Date, FourInfo, Sex};
use crate::tlv;

/// Seconds since the Unix epoch. The core takes the time as a value (sans-IO; wasm32 has no clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(pub u64);

impl UnixTime {
    /// The UTC calendar date (year, month, day) and the seconds into that day (Howard
    /// Hinnant's days-from-civil inverse, exact for the proleptic Gregorian calendar).
    pub fn utc_civil(self) -> (i64, u8, u8, u32) {
        let z = (self.0 / 86_400) as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        (y, m as u8, d as u8, (self.0 % 86_400) as u32)
    }

    /// The system clock, for native callers.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn now() -> UnixTime {
        UnixTime(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        )
    }
}

/// OID arc of the 署名用 certificate's 4情報 (J-LIS): .1 name, .2 name substitute characters,
/// .3 sex, .4 birth date, .5 address, .6 address substitute characters.
pub const OID_JPKI_FOUR_INFO: &str = "1.2.392.200149.8.5.5";

/// A JPKI certificate read from the card (or received by a relying party).
#[derive(Clone)]
pub struct JpkiCertificate {
    der: Vec<u8>,
    cert: Certificate,
    /// Built on first use: a page that only reads certificates from the card never links the
    /// RSA or P-384 arithmetic (the browser build's size budget).
    key: std::sync::OnceLock<Result<PublicKey, Error>>,
    /// The key's algorithm and size, from the DER (no arithmetic).
    algorithm: KeyAlgorithm,
}

/// The algorithm of a certificate's public key (公開鍵アルゴリズム). Today's cards hold
/// RSA-2048 keys; the next card generation is reported to move JPKI to ECDSA P-384 with
/// SHA-384 (the Digital Agency's task force, 2024-03-18; see `docs/card-notes.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// RSA (PKCS#1 v1.5 signatures) with a modulus of `bits` bits.
    Rsa {
        /// Modulus length in bits (2048 on current cards).
        bits: usize,
    },
    /// ECDSA over NIST P-384 (secp384r1).
    EcdsaP384,
}

impl KeyAlgorithm {
    /// A stable name every face reports: `rsa` or `ecdsa-p384`.
    pub fn code(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa { .. } => "rsa",
            KeyAlgorithm::EcdsaP384 => "ecdsa-p384",
        }
    }

    /// Key size in bits: the RSA modulus length, or 384.
    pub fn bits(self) -> usize {
        match self {
            KeyAlgorithm::Rsa { bits } => bits,
            KeyAlgorithm::EcdsaP384 => 384,
        }
    }
}

/// A certificate's public key, ready for verification.
#[derive(Clone, Debug)]
pub enum PublicKey {
    /// An RSA key (PKCS#1 v1.5 signatures).
    Rsa(rsa::PublicKey),
    /// An ECDSA P-384 key.
    EcdsaP384(p384::ecdsa::VerifyingKey),
}

/// id-ecPublicKey (RFC 5480 §2.1.1).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp384r1 (RFC 5480 §2.1.1.1).
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

impl core::fmt::Debug for JpkiCertificate {
    // The 署名用 certificate's subject and extensions hold personal data: serial only.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "JpkiCertificate(serial={})", self.serial_hex())
    }
}

/// 基本4情報 from a 署名用 certificate, with the substitute-character forms where 外字 were
/// replaced by 代替文字.
#[derive(Clone, PartialEq, Eq)]
pub struct CertificateFourInfo {
    /// 基本4情報 as written in the certificate.
    pub four_info: FourInfo,
    /// 氏名代替文字の使用位置 / 代替文字 form of the name, when present.
    pub name_substitute: Option<CardText>,
    /// The same for the address.
    pub address_substitute: Option<CardText>,
}

impl core::fmt::Debug for CertificateFourInfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CertificateFourInfo(<redacted>)")
    }
}

const BAD: Error = Error::Verify(VerifyError::CertificateInvalid {
    what: "not a DER X.509 certificate",
});

impl JpkiCertificate {
    /// Parses DER. Trailing bytes after the certificate (EF filler) are ignored.
    pub fn from_der(der: &[u8]) -> Result<JpkiCertificate, Error> {
        let len = tlv::encoded_len(der).ok_or(BAD)?;
        let der = der.get(..len).ok_or(BAD)?;
        let cert = Certificate::from_der(der).map_err(|_| BAD)?;
        let algorithm = key_algorithm(&cert)?;
        Ok(JpkiCertificate {
            der: der.to_vec(),
            cert,
            key: std::sync::OnceLock::new(),
            algorithm,
        })
    }

    /// Parses one PEM `CERTIFICATE` block.
    pub fn from_pem(pem: &str) -> Result<JpkiCertificate, Error> {
        use der::DecodePem;
        let cert = Certificate::from_pem(pem.as_bytes()).map_err(|_| BAD)?;
        JpkiCertificate::from_der(&cert.to_der().map_err(|_| BAD)?)
    }

    /// The certificate's DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The parsed X.509 certificate.
    pub fn x509(&self) -> &Certificate {
        &self.cert
    }

    /// The public key (built on first use; `CERTIFICATE_INVALID` when the key is not one the
    /// arithmetic accepts, e.g. a P-384 point off the curve).
    pub fn public_key(&self) -> Result<&PublicKey, Error> {
        self.key
            .get_or_init(|| {
                let spki = self.cert.tbs_certificate().subject_public_key_info();
                match self.algorithm {
                    KeyAlgorithm::Rsa { .. } => rsa::PublicKey::try_from(spki.owned_to_ref())
                        .map(PublicKey::Rsa)
                        .map_err(|_| {
                            Error::Verify(VerifyError::CertificateInvalid {
                                what: "public key is not RSA",
                            })
                        }),
                    KeyAlgorithm::EcdsaP384 => spki
                        .subject_public_key
                        .as_bytes()
                        .and_then(|point| p384::ecdsa::VerifyingKey::from_sec1_bytes(point).ok())
                        .map(PublicKey::EcdsaP384)
                        .ok_or(Error::Verify(VerifyError::CertificateInvalid {
                            what: "public key is not a P-384 point",
                        })),
                }
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The RSA public key, for callers that only take RSA (the デジタル認証アプリ's sign
    /// result); `CERTIFICATE_INVALID` for any other key.
    pub fn rsa_public_key(&self) -> Result<&rsa::PublicKey, Error> {
        match self.public_key()? {
            PublicKey::Rsa(key) => Ok(key),
            PublicKey::EcdsaP384(_) => Err(Error::Verify(VerifyError::CertificateInvalid {
                what: "public key is not RSA",
            })),
        }
    }

    /// The public key's algorithm and size.
    pub fn key_algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// Key size in bits (RSA modulus length, 2048 on current cards; 384 for P-384).
    pub fn key_bits(&self) -> usize {
        self.algorithm.bits()
    }

    /// Serial number, upper-case hex (発行番号 is derived from it by relying parties).
    pub fn serial_hex(&self) -> String {
        self.cert
            .tbs_certificate()
            .serial_number()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    /// The subject name (RFC 4514 string).
    pub fn subject(&self) -> String {
        self.cert.tbs_certificate().subject().to_string()
    }

    /// The issuer name (RFC 4514 string).
    pub fn issuer(&self) -> String {
        self.cert.tbs_certificate().issuer().to_string()
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> UnixTime {
        UnixTime(
            self.cert
                .tbs_certificate()
                .validity()
                .not_before
                .to_unix_duration()
                .as_secs(),
        )
    }

    /// End of the validity period.
    pub fn not_after(&self) -> UnixTime {
        UnixTime(
            self.cert
                .tbs_certificate()
                .validity()
                .not_after
                .to_unix_duration()
                .as_secs(),
        )
    }

    /// Whether `at` lies within notBefore..=notAfter.
    pub fn is_valid_at(&self, at: UnixTime) -> bool {
        self.not_before() <= at && at <= self.not_after()
    }

    /// The raw TBSCertificate bytes as signed (not re-encoded).
    pub(crate) fn tbs_der(&self) -> Result<&[u8], Error> {
        let outer = tlv::read_at(&self.der, 0).map_err(|_| BAD)?;
        let tbs = tlv::read_at(outer.value, 0).map_err(|_| BAD)?;
        Ok(&outer.value[tbs.start..tbs.end])
    }

    pub(crate) fn signature_bytes(&self) -> Result<&[u8], Error> {
        self.cert.signature().as_bytes().ok_or(BAD)
    }

    /// The 4情報 in a 署名用 certificate; `Ok(None)` for a certificate without them
    /// (利用者証明用 certificates carry none).
    pub fn four_info(&self) -> Result<Option<CertificateFourInfo>, Error> {
        let arc = ObjectIdentifier::new_unwrap(OID_JPKI_FOUR_INFO);
        let san = match self
            .cert
            .tbs_certificate()
            .get_extension::<SubjectAltName>()
        {
            Ok(Some((_, san))) => san,
            Ok(None) => return Ok(None),
            Err(_) => {
                return Err(Error::Verify(VerifyError::CertificateInvalid {
                    what: "subjectAltName",
                }));
            }
        };
        let mut fields: [Option<Vec<u8>>; 7] = Default::default();
        for name in san.0.iter() {
            let GeneralName::OtherName(other) = name else {
                continue;
            };
            let Some(parent) = other.type_id.parent() else {
                continue;
            };
            if parent != arc {
                continue;
            }
            let Some(index) = other
                .type_id
                .arcs()
                .last()
                .map(|a| a as usize)
                .filter(|i| (1..=6).contains(i))
            else {
                continue;
            };
            fields[index] = Some(directory_string_bytes(&other.value)?);
        }
        if fields.iter().all(Option::is_none) {
            return Ok(None);
        }
        let missing = |what| Error::Verify(VerifyError::CertificateInvalid { what });
        let name = fields[1].take().ok_or(missing("4情報 name"))?;
        let sex = fields[3].take().ok_or(missing("4情報 sex"))?;
        let birth = fields[4].take().ok_or(missing("4情報 birth date"))?;
        let address = fields[5].take().ok_or(missing("4情報 address"))?;
        Ok(Some(CertificateFourInfo {
            four_info: FourInfo {
                name: CardText::decode(&name),
                address: CardText::decode(&address),
                birth_date: Date::parse(&birth).ok_or(missing("4情報 birth date format"))?,
                sex: Sex::from_card(&sex).ok_or(missing("4情報 sex code"))?,
            },
            name_substitute: fields[2].take().map(|v| CardText::decode(&v)),
            address_substitute: fields[6].take().map(|v| CardText::decode(&v)),
        }))
    }
}

/// The key algorithm from the SubjectPublicKeyInfo, checked for shape without arithmetic: an
/// RSA key of at least 1024 bits, or an uncompressed point on secp384r1 (RFC 5480).
fn key_algorithm(cert: &Certificate) -> Result<KeyAlgorithm, Error> {
    let spki = cert.tbs_certificate().subject_public_key_info();
    if spki.algorithm.oid == ID_EC_PUBLIC_KEY {
        let bad = Error::Verify(VerifyError::CertificateInvalid {
            what: "public key is not a P-384 point",
        });
        let curve: ObjectIdentifier = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as().ok())
            .ok_or(bad.clone())?;
        let point = spki.subject_public_key.as_bytes().ok_or(bad.clone())?;
        if curve != SECP384R1 || point.len() != 97 || point[0] != 0x04 {
            return Err(bad);
        }
        return Ok(KeyAlgorithm::EcdsaP384);
    }
    let not_rsa = Error::Verify(VerifyError::CertificateInvalid {
        what: "public key is neither RSA nor ECDSA P-384",
    });
    if spki.algorithm.oid != const_oid::db::rfc5912::RSA_ENCRYPTION {
        return Err(not_rsa);
    }
    let key_der = spki.subject_public_key.as_bytes().ok_or(not_rsa.clone())?;
    let key = rsa::pkcs1::RsaPublicKeyRef::from_der(key_der).map_err(|_| not_rsa.clone())?;
    let modulus = key.modulus.as_bytes();
    let bits = modulus.iter().position(|b| *b != 0).map_or(0, |i| {
        (modulus.len() - i) * 8 - modulus[i].leading_zeros() as usize
    });
    if bits < 1024 || key.public_exponent.as_bytes().is_empty() {
        return Err(not_rsa);
    }
    Ok(KeyAlgorithm::Rsa { bits })
}

/// The text of a DirectoryString-like value. The string type J-LIS uses is not publicly
/// confirmed, so UTF8String, PrintableString, IA5String, VisibleString and BMPString are all
/// accepted, bare or wrapped once in another element (some encoders do); deeper nesting is
/// refused, never recursed into.
fn directory_string_bytes(value: &der::Any) -> Result<Vec<u8>, Error> {
    let bad = Error::Verify(VerifyError::CertificateInvalid {
        what: "4情報 value",
    });
    if let Some(text) = string_bytes(value)? {
        return Ok(text);
    }
    let inner = der::Any::from_der(value.value()).map_err(|_| bad.clone())?;
    string_bytes(&inner)?.ok_or(bad)
}

/// The text of a string-typed value; `None` for any other type.
fn string_bytes(value: &der::Any) -> Result<Option<Vec<u8>>, Error> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            Ok(Some(bytes.to_vec()))
        }
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                return Err(Error::Verify(VerifyError::CertificateInvalid {
                    what: "BMPString length",
                }));
            }
            let units = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            // Unpaired surrogates become U+FFFD, which CardText shows as text, not dropped.
            Ok(Some(
                char::decode_utf16(units)
                    .map(|c| c.unwrap_or('\u{FFFD}'))
                    .collect::<String>()
                    .into_bytes(),
            ))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(tag: u8, n: usize) -> Vec<u8> {
        let mut out = vec![tag];
        if n < 0x80 {
            out.push(n as u8);
        } else {
            let len = (n as u32).to_be_bytes();
            let skip = len.iter().position(|b| *b != 0).unwrap_or(3);
            out.push(0x80 | (4 - skip) as u8);
            out.extend_from_slice(&len[skip..]);
        }
        out
    }

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        [header(tag, content.len()), content.to_vec()].concat()
    }

    fn any(der: &[u8]) -> der::Any {
        der::Any::from_der(der).unwrap()
    }

    #[test]
    fn four_info_values_unwrap_one_level_only() {
        let text = tlv(0x0C, "太郎".as_bytes());
        assert_eq!(
            directory_string_bytes(&any(&text)).unwrap(),
            "太郎".as_bytes()
        );
        // Once wrapped (as some encoders do): accepted.
        let once = tlv(0x30, &text);
        assert_eq!(
            directory_string_bytes(&any(&once)).unwrap(),
            "太郎".as_bytes()
        );
        // Twice, with alternating tags: refused (the old code recursed and accepted it).
        let twice = tlv(0x31, &once);
        assert!(matches!(
            directory_string_bytes(&any(&twice)),
            Err(Error::Verify(VerifyError::CertificateInvalid { .. }))
        ));
        // Deep nesting is refused at once, without recursion (the old code went one stack
        // frame per level).
        let mut headers = Vec::new();
        let mut len = text.len();
        for depth in 0..10_000 {
            let h = header(if depth % 2 == 0 { 0x30 } else { 0x31 }, len);
            len += h.len();
            headers.push(h);
        }
        let mut deep: Vec<u8> = headers.into_iter().rev().flatten().collect();
        deep.extend_from_slice(&text);
        assert_eq!(deep.len(), len);
        assert!(matches!(
            directory_string_bytes(&any(&deep)),
            Err(Error::Verify(VerifyError::CertificateInvalid { .. }))
        ));
    }
}
