//! A CRL as downloaded from a distribution point: DER, signature by the CA, update times, the
//! sorted revocation index and reason codes, v1 (no version) or v2, and the status at a later
//! time (freshness at use); the scope (complete or one partition) and whether it covers a
//! leaf of a municipality's distribution point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard_core::verify::Crl;
use mynacard_core::{JpkiCertificate, UnixTime};

const AUTH_CA: &[u8] = include_bytes!("../../virtual-card/pki/auth-ca.crt.der");
const TARO: &[u8] = include_bytes!("../../virtual-card/pki/taro-auth.crt.der");
// The second generation of one DN, and the modelled P-384 generation (issue 18).
const AUTH_CA_G2: &[u8] = include_bytes!("../../virtual-card/pki/auth-ca-g2.crt.der");
const P384_AUTH_CA: &[u8] = include_bytes!("../../virtual-card/pki/p384-auth-ca.crt.der");
// A leaf whose cRLDistributionPoint is a municipality's DirName (partitioned CRLs, issue 18).
const MUNI_A: &[u8] = include_bytes!("../../virtual-card/pki/muni-a-revoked-auth.crt.der");

fuzz_target!(|data: &[u8]| {
    for ca in [AUTH_CA, AUTH_CA_G2, P384_AUTH_CA] {
        check(data, ca);
    }
});

fn check(data: &[u8], ca: &[u8]) {
    let ca = JpkiCertificate::from_der(ca).unwrap();
    let _ = Crl::from_der(data, &ca, UnixTime(1_780_272_000)).map(|crl| {
        let taro = JpkiCertificate::from_der(TARO).unwrap();
        let _ = crl.status(&taro);
        let _ = crl.status_at(&taro, &ca, UnixTime(1_780_272_000));
        let _ = crl.status_at(&taro, &ca, UnixTime(2_500_000_000));
        let _ = (crl.freshness(UnixTime(0)), crl.is_issued_by(&ca));
        let _ = crl.lookup(data.get(..8).unwrap_or_default());
        let muni = JpkiCertificate::from_der(MUNI_A).unwrap();
        let _ = (crl.covers(&muni), crl.covers(&taro), crl.scope().partition_names());
        let _ = crl.status_at(&muni, &ca, UnixTime(1_780_272_000));
    });
}
