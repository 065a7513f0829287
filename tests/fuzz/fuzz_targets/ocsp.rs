//! An OCSP responder's answer: outer status, BasicOCSPResponse, responder identification
//! (CA or delegated), signature, nonce, CertID and freshness.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard_core::verify::OcspRequest;
use mynacard_core::{JpkiCertificate, UnixTime};

const AUTH_CA: &[u8] = include_bytes!("../../virtual-card/pki/auth-ca.crt.der");
const TARO: &[u8] = include_bytes!("../../virtual-card/pki/taro-auth.crt.der");

fuzz_target!(|data: &[u8]| {
    let ca = JpkiCertificate::from_der(AUTH_CA).unwrap();
    let taro = JpkiCertificate::from_der(TARO).unwrap();
    let request = OcspRequest::new(&taro, &ca, None).unwrap();
    let _ = request.verify_response(data, &ca, UnixTime(1_780_272_000));
});
