//! An OCSP responder's answer: outer status, BasicOCSPResponse, responder identification
//! (CA or delegated), signature, nonce, CertID and freshness.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard_core::verify::OcspRequest;
use mynacard_core::{JpkiCertificate, UnixTime};

const AUTH_CA: &[u8] = include_bytes!("../../virtual-card/pki/auth-ca.crt.der");
const TARO: &[u8] = include_bytes!("../../virtual-card/pki/taro-auth.crt.der");
// The modelled P-384 generation (issue 18).
const P384_AUTH_CA: &[u8] = include_bytes!("../../virtual-card/pki/p384-auth-ca.crt.der");
const P384: &[u8] = include_bytes!("../../virtual-card/pki/p384-auth.crt.der");

fuzz_target!(|data: &[u8]| {
    for (ca, leaf) in [(AUTH_CA, TARO), (P384_AUTH_CA, P384)] {
        let ca = JpkiCertificate::from_der(ca).unwrap();
        let leaf = JpkiCertificate::from_der(leaf).unwrap();
        let request = OcspRequest::new(&leaf, &ca, None).unwrap();
        let _ = request.verify_response(data, &ca, UnixTime(1_780_272_000));
    }
});
