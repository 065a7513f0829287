//! The test PKI (`pki/make.sh`, outputs committed): two JPKI-like root CAs, each persona's
//! 利用者証明用 / 署名用 keys and certificates, CRLs, and the keys that sign the 入力補助AP and
//! 券面事項確認AP data. Test keys only: never trust these anywhere but in tests.

use rsa::PrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;

macro_rules! pki {
    ($($file:tt)+) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/pki/", $($file)+)).as_slice()
    };
}

/// Root of the test 利用者証明用 CA (DER).
pub fn auth_ca_der() -> &'static [u8] {
    pki!("auth-ca.crt.der")
}

/// Root of the test 署名用 CA (DER).
pub fn sign_ca_der() -> &'static [u8] {
    pki!("sign-ca.crt.der")
}

/// CRL of the test 利用者証明用 CA (lists the `revoked` persona).
pub fn auth_ca_crl_der() -> &'static [u8] {
    pki!("auth-ca.crl.der")
}

/// CRL of the test 署名用 CA (lists the `revoked` persona).
pub fn sign_ca_crl_der() -> &'static [u8] {
    pki!("sign-ca.crl.der")
}

/// A persona's certificates and keys (DER; keys PKCS#8), and the CA certificates its card
/// holds (EF 000B, 0002).
#[derive(Clone, Copy)]
pub struct PersonaPki {
    pub auth_cert: &'static [u8],
    pub auth_key: &'static [u8],
    pub sign_cert: &'static [u8],
    pub sign_key: &'static [u8],
    pub auth_ca: &'static [u8],
    pub sign_ca: &'static [u8],
}

impl core::fmt::Debug for PersonaPki {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PersonaPki(..)")
    }
}

macro_rules! persona_pki {
    ($id:literal) => {
        PersonaPki {
            auth_cert: pki!($id, "-auth.crt.der"),
            auth_key: pki!($id, "-auth.key.der"),
            sign_cert: pki!($id, "-sign.crt.der"),
            sign_key: pki!($id, "-sign.key.der"),
            auth_ca: pki!("auth-ca.crt.der"),
            sign_ca: pki!("sign-ca.crt.der"),
        }
    };
}

/// The certificates and keys of built-in persona `id`.
pub fn persona(id: &str) -> Option<PersonaPki> {
    Some(match id {
        "taro" => persona_pki!("taro"),
        "hanako" => persona_pki!("hanako"),
        "locked" => persona_pki!("locked"),
        "expired" => persona_pki!("expired"),
        "revoked" => persona_pki!("revoked"),
        "juki" => persona_pki!("juki"),
        "phone" => persona_pki!("phone"),
        // The modelled P-384 generation (`make.py --p384`).
        "p384" => PersonaPki {
            auth_ca: pki!("p384-auth-ca.crt.der"),
            sign_ca: pki!("p384-sign-ca.crt.der"),
            ..persona_pki!("p384")
        },
        _ => return None,
    })
}

/// A key of the card's JPKI key EFs: RSA (today's cards) or ECDSA P-384 (the modelled next
/// generation).
pub enum CardKey {
    Rsa(PrivateKey),
    EcdsaP384(p384::ecdsa::SigningKey),
}

/// A committed key EF: PKCS#8 RSA, or PKCS#8 EC P-384.
pub(crate) fn card_key(der: &[u8]) -> CardKey {
    match p384::ecdsa::SigningKey::from_pkcs8_der(der) {
        Ok(key) => CardKey::EcdsaP384(key),
        Err(_) => CardKey::Rsa(key(der)),
    }
}

/// Root of the P-384 test 利用者証明用 CA (DER; `make.py --p384`).
pub fn p384_auth_ca_der() -> &'static [u8] {
    pki!("p384-auth-ca.crt.der")
}

/// Root of the P-384 test 署名用 CA (DER).
pub fn p384_sign_ca_der() -> &'static [u8] {
    pki!("p384-sign-ca.crt.der")
}

/// CRL of the P-384 test 利用者証明用 CA (lists `p384-revoked-auth`).
pub fn p384_auth_ca_crl_der() -> &'static [u8] {
    pki!("p384-auth-ca.crl.der")
}

/// CRL of the P-384 test 署名用 CA (lists `p384-revoked-sign`).
pub fn p384_sign_ca_crl_der() -> &'static [u8] {
    pki!("p384-sign-ca.crl.der")
}

/// The key that signs the 入力補助AP hashes (EF 0003 DF33); its public half is in EF 0004.
pub fn assist_signer() -> PrivateKey {
    key(pki!("assist-signer.key.der"))
}

/// The key that signs the 券面事項確認AP face data (EF 0002 DF28).
pub fn surface_signer() -> PrivateKey {
    key(pki!("surface-signer.key.der"))
}

/// The 券面事項確認AP's own card key: its public half is EF 0001 DF12, EF 0002 DF24 and EF 0005
/// DF42; it signs `80 2A 00 00` in that AP with no credential (soltia48/myna-card
/// `src/ap/surface.rs`). One key for every persona; a real card has its own.
pub fn surface_card_key() -> PrivateKey {
    key(pki!("surface-card.key.der"))
}

/// Stands in for the J-LIS key that issues the key records (EF 0004) of the 券面事項確認AP and
/// the 入力補助AP: on a real card it is not there, and the records name it by key id only.
pub fn record_ca_key() -> PrivateKey {
    key(pki!("record-ca.key.der"))
}

/// A committed key, PKCS#8 (or PKCS#1, as `openssl genpkey -outform DER` writes it).
pub(crate) fn key(der: &[u8]) -> PrivateKey {
    PrivateKey::from_pkcs8_der(der)
        .or_else(|_| PrivateKey::from_pkcs1_der(der))
        .expect("committed test keys are valid (checked by tests)")
}

/// The test 利用者証明用 CA's key (for tests that issue CRLs or responder certificates).
pub fn auth_ca_key() -> PrivateKey {
    key(pki!("auth-ca.key.der"))
}

/// The test 署名用 CA's key.
pub fn sign_ca_key() -> PrivateKey {
    key(pki!("sign-ca.key.der"))
}

/// Second generation of the test 利用者証明用 CA (DER): the subject DN of [`auth_ca_der`] with
/// another key, as the real JPKI CAs of 2015 and 2023 share one DN (`make.py --extras`).
pub fn auth_ca_g2_der() -> &'static [u8] {
    pki!("auth-ca-g2.crt.der")
}

/// CRL of the second-generation 利用者証明用 CA (lists `g2-revoked-auth`).
pub fn auth_ca_g2_crl_der() -> &'static [u8] {
    pki!("auth-ca-g2.crl.der")
}

/// The second-generation 利用者証明用 CA's key.
pub fn auth_ca_g2_key() -> PrivateKey {
    key(pki!("auth-ca-g2.key.der"))
}

/// Certificates made by `make.py --extras` (DER): `g2-good-auth` and `g2-revoked-auth` (issued
/// by the second-generation 利用者証明用 CA), `cross-auth` (a 利用者証明用 profile issued by
/// the 署名用 CA), `cross-sign` (a 署名用 profile issued by the 利用者証明用 CA) and
/// `deep-nesting-sign` (a 4情報 name nested 2000 levels deep); `make.py --p384`:
/// `p384-revoked-auth`, `p384-revoked-sign` (listed in the P-384 CAs' CRLs); `make.py
/// --partitions`: `muni-{a,b}-{good,revoked}-auth` (a municipality's DirName as their
/// cRLDistributionPoint, see [`auth_ca_partition_crl_der`]).
pub fn extra_cert(id: &str) -> Option<&'static [u8]> {
    Some(match id {
        "g2-good-auth" => pki!("g2-good-auth.crt.der"),
        "g2-revoked-auth" => pki!("g2-revoked-auth.crt.der"),
        "cross-auth" => pki!("cross-auth.crt.der"),
        "cross-sign" => pki!("cross-sign.crt.der"),
        "deep-nesting-sign" => pki!("deep-nesting-sign.crt.der"),
        "p384-revoked-auth" => pki!("p384-revoked-auth.crt.der"),
        "p384-revoked-sign" => pki!("p384-revoked-sign.crt.der"),
        "muni-a-good-auth" => pki!("muni-a-good-auth.crt.der"),
        "muni-a-revoked-auth" => pki!("muni-a-revoked-auth.crt.der"),
        "muni-b-good-auth" => pki!("muni-b-good-auth.crt.der"),
        "muni-b-revoked-auth" => pki!("muni-b-revoked-auth.crt.der"),
        _ => return None,
    })
}

/// A partitioned CRL (分割CRL) of the 利用者証明用 CA (`make.py --partitions`): `"a"` and `"b"`
/// carry a critical issuingDistributionPoint naming municipality A's / B's cRLDistributionPoint
/// DirName and list `muni-a-revoked-auth` / `muni-b-revoked-auth`; `"x"` names a third
/// municipality and lists nothing.
pub fn auth_ca_partition_crl_der(partition: &str) -> Option<&'static [u8]> {
    Some(match partition {
        "a" => pki!("auth-ca-part-a.crl.der"),
        "b" => pki!("auth-ca-part-b.crl.der"),
        "x" => pki!("auth-ca-part-x.crl.der"),
        _ => return None,
    })
}
