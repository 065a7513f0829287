//! The small parsers under everything: BER-TLV walking, card text with 外字, dates, the My
//! Number check digit, response APDUs and status words.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard_core::apdu::Response;
use mynacard_core::{CardText, Date, MyNumber, tlv};

fuzz_target!(|data: &[u8]| {
    for item in tlv::iter(data).take(1000) {
        if item.is_err() {
            break;
        }
    }
    let _ = tlv::find(data, 0xDF21);
    let _ = tlv::encoded_len(data);
    let text = CardText::decode(data);
    let _ = (text.has_gaiji(), text.to_marked_string());
    let _ = Date::parse(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = MyNumber::new(s);
    }
    if let Ok(response) = Response::parse(data.to_vec()) {
        let status = response.status();
        let _ = response.into_ok();
        let _ = status;
    }
});
