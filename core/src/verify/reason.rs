//! Why a certificate was revoked: the reason a CRL entry or an OCSP answer gives, with its
//! stable code and what JPKI means by it. A leaf: the error model carries it.

/// Why a certificate was revoked (RFC 5280 CRLReason). JPKI's meaning of each (J-LIS
/// 認証局運用規程 4.9.9, as quoted by relying-party services) is in [`label_ja`](Self::label_ja).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    /// unspecified: 交付前に破棄した.
    Unspecified,
    /// keyCompromise: 利用者の秘密鍵が危殆化した (lost card, 暗証番号 leaked…).
    KeyCompromise,
    /// cACompromise.
    CaCompromise,
    /// affiliationChanged: 証明書の記載内容に変更が生じた. For a 署名用 certificate: the
    /// 基本4情報 changed (転居, 婚姻…); ask the resident for a new signature.
    AffiliationChanged,
    /// superseded: 証明書を更新した.
    Superseded,
    /// cessationOfOperation: 証明書の必要性がなくなった.
    CessationOfOperation,
    /// certificateHold: 一時保留.
    CertificateHold,
    /// removeFromCRL: a held certificate released (delta CRLs only).
    RemoveFromCrl,
    /// privilegeWithdrawn.
    PrivilegeWithdrawn,
    /// aACompromise.
    AaCompromise,
    /// The CRL entry or OCSP answer gives no reason.
    NotGiven,
}

impl RevocationReason {
    /// The reason of a CRLReason code (RFC 5280 §5.3.1); 7 and unknown codes are `NotGiven`.
    pub fn from_code(code: u8) -> RevocationReason {
        match code {
            0 => RevocationReason::Unspecified,
            1 => RevocationReason::KeyCompromise,
            2 => RevocationReason::CaCompromise,
            3 => RevocationReason::AffiliationChanged,
            4 => RevocationReason::Superseded,
            5 => RevocationReason::CessationOfOperation,
            6 => RevocationReason::CertificateHold,
            8 => RevocationReason::RemoveFromCrl,
            9 => RevocationReason::PrivilegeWithdrawn,
            10 => RevocationReason::AaCompromise,
            _ => RevocationReason::NotGiven,
        }
    }

    /// Stable code shared by every face.
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "key_compromise",
            RevocationReason::CaCompromise => "ca_compromise",
            RevocationReason::AffiliationChanged => "affiliation_changed",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessation_of_operation",
            RevocationReason::CertificateHold => "certificate_hold",
            RevocationReason::RemoveFromCrl => "remove_from_crl",
            RevocationReason::PrivilegeWithdrawn => "privilege_withdrawn",
            RevocationReason::AaCompromise => "aa_compromise",
            RevocationReason::NotGiven => "not_given",
        }
    }

    /// What JPKI means by it.
    pub fn label_ja(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "交付前に破棄した",
            RevocationReason::KeyCompromise => "利用者の秘密鍵が危殆化した",
            RevocationReason::CaCompromise => "CAの秘密鍵が危殆化した",
            RevocationReason::AffiliationChanged => {
                "証明書の記載内容に変更が生じた（記載事項変更）"
            }
            RevocationReason::Superseded => "証明書を更新した",
            RevocationReason::CessationOfOperation => "証明書の必要性がなくなった",
            RevocationReason::CertificateHold => "証明書を一時的に保留した",
            RevocationReason::RemoveFromCrl => "失効リストから削除",
            RevocationReason::PrivilegeWithdrawn => "権限の取消し",
            RevocationReason::AaCompromise => "属性認証局の危殆化",
            RevocationReason::NotGiven => "理由の記載なし",
        }
    }
}
