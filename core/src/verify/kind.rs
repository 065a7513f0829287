//! Which JPKI certificate a relying party expects (利用者証明用 or 署名用), and which kind a
//! JPKI CA issues. A leaf of `verify`: the chain, the relying party and the faces name it.

use crate::cert::JpkiCertificate;

/// Which JPKI certificate the relying party expects. A certificate is of a kind when both its
/// keyUsage and its issuing CA (利用者証明用 CA or 署名用 CA) say so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateKind {
    /// 利用者証明用: log-in (keyUsage digitalSignature, issued by the 利用者証明用 CA).
    Authentication,
    /// 署名用: signed documents (keyUsage nonRepudiation, issued by the 署名用 CA).
    Signature,
}

/// organizationalUnitName (2.5.4.11).
const OID_OU: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("2.5.4.11");

impl CertificateKind {
    /// The kind of certificate a JPKI CA issues, from its subject: `OU=JPKI for user
    /// authentication` (利用者証明用 CA) or `OU=JPKI for digital signature` (署名用 CA), as on
    /// the real CAs of 2015 and 2023 and the test PKI. `None` for any other subject (or both).
    pub fn of_ca(ca: &JpkiCertificate) -> Option<CertificateKind> {
        let mut found = None;
        for atv in ca
            .x509()
            .tbs_certificate()
            .subject()
            .iter()
            .filter(|atv| atv.oid == OID_OU)
        {
            let kind = match atv.value.value() {
                b"JPKI for user authentication" => CertificateKind::Authentication,
                b"JPKI for digital signature" => CertificateKind::Signature,
                _ => continue,
            };
            if found.is_some_and(|f| f != kind) {
                return None;
            }
            found = Some(kind);
        }
        found
    }
}
