//! A PDF as a signer and a relying party receive it (issue 16): `prepare` (the incremental
//! update) and `verify_pdf` (every signature) on any bytes end with a value or a typed error,
//! no panic, bounded time and memory on deep or cyclic object graphs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard_core::UnixTime;
use mynacard_core::pdf::{Profile, SignOptions, prepare, verify_pdf};
use mynacard_core::verify::RelyingParty;

const SIGN_CA: &[u8] = include_bytes!("../../virtual-card/pki/sign-ca.crt.der");

fuzz_target!(|data: &[u8]| {
    let at = UnixTime(1_780_272_000);
    let none: [&[u8]; 0] = [];
    let party = RelyingParty::from_der(&[SIGN_CA], &none, at).unwrap();
    let _ = verify_pdf(data, &party, at);
    if let Ok(prepared) = prepare(data, &SignOptions::new(Profile::Moj, at)) {
        // Original ‖ update is itself a readable file with one more (unsigned) signature.
        let file = [data, prepared.update()].concat();
        let _ = verify_pdf(&file, &party, at);
    }
});
