//! A CRL as downloaded from a distribution point: DER, signature by the CA, update times, the
//! sorted revocation index and reason codes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard_core::verify::Crl;
use mynacard_core::{JpkiCertificate, UnixTime};

const AUTH_CA: &[u8] = include_bytes!("../../virtual-card/pki/auth-ca.crt.der");
const TARO: &[u8] = include_bytes!("../../virtual-card/pki/taro-auth.crt.der");

fuzz_target!(|data: &[u8]| {
    let ca = JpkiCertificate::from_der(AUTH_CA).unwrap();
    let _ = Crl::from_der(data, &ca, UnixTime(1_780_272_000)).map(|crl| {
        let _ = crl.status(&JpkiCertificate::from_der(TARO).unwrap());
        let _ = crl.lookup(data.get(..8).unwrap_or_default());
    });
});
