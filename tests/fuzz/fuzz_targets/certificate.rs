//! A certificate as a card or a relying party hands it over: parsing, the 署名用 4情報 in the
//! subjectAltName, names, validity, and the chain check against the test CA.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard_core::verify::verify_issued_by;
use mynacard_core::{JpkiCertificate, UnixTime};

const AUTH_CA: &[u8] = include_bytes!("../../virtual-card/pki/auth-ca.crt.der");
// The modelled P-384 generation (issue 18).
const P384_AUTH_CA: &[u8] = include_bytes!("../../virtual-card/pki/p384-auth-ca.crt.der");

fuzz_target!(|data: &[u8]| {
    let Ok(cert) = JpkiCertificate::from_der(data) else {
        return;
    };
    let _ = (
        cert.subject(),
        cert.issuer(),
        cert.serial_hex(),
        cert.key_bits(),
        cert.key_algorithm(),
        cert.public_key().is_ok(),
    );
    let _ = cert.is_valid_at(UnixTime(1_780_272_000));
    let _ = cert.four_info();
    for ca in [AUTH_CA, P384_AUTH_CA] {
        let ca = JpkiCertificate::from_der(ca).unwrap();
        let _ = verify_issued_by(&cert, &ca, UnixTime(1_780_272_000));
    }
});
