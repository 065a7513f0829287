//! Cross-layer test support: a private pcscd with the vpcd reader, and the benchmark's
//! operations. The tests themselves are in `tests/`.

pub mod bench;
pub mod ocsp;
pub mod pcscd;
pub mod peers;
