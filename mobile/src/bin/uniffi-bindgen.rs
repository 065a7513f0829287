//! The bindings generator, built from this crate so its version always matches the library:
//! `cargo run -p mynacard-mobile --features bindgen --bin uniffi-bindgen -- generate --library <lib> --language kotlin|swift|python`.
fn main() {
    uniffi::uniffi_bindgen_main()
}
