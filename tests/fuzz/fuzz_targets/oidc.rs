//! Everything the OIDC module reads from the network or a browser: JWKS, ID tokens (compact
//! JWS), token, userinfo, discovery and sign-transaction responses, JWE results, callback
//! URLs, stored pending logins and sealed sign results (the forwarding mode's record, opened by
//! an operator). Input: one selector byte, then the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard_core::UnixTime;
use mynacard_core::oidc::{
    ClaimFormat, EncryptionKey, Expected, HttpResponse, Jwks, PendingLogin, ProviderMetadata,
    SealedSignResult, SignTransactionFormat, callback_state, check_jwe_shape, decrypt_jwe,
    id_token_key_id, parse_sign_result, parse_sign_transaction, parse_token_response,
    parse_userinfo, validate_id_token,
};

use rsa::pkcs8::DecodePrivateKey;
use std::sync::OnceLock;

const RP_KEY: &[u8] = include_bytes!("../../virtual-card/pki/taro-auth.key.der");

fn rp_key() -> &'static rsa::PrivateKey {
    static KEY: OnceLock<rsa::PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| rsa::PrivateKey::from_pkcs8_der(RP_KEY).unwrap())
}

fuzz_target!(|data: &[u8]| {
    let Some((&select, body)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(body);
    let ok = |status| Ok(HttpResponse { status, body });
    match select % 10 {
        0 => drop(Jwks::from_json(body)),
        1 => {
            // JWKS, a NUL, then the token: every key of the set against the token.
            let mut parts = body.splitn(2, |b| *b == 0);
            let (Some(jwks), Some(token)) = (parts.next(), parts.next()) else {
                return;
            };
            let Ok(jwks) = Jwks::from_json(jwks) else {
                return;
            };
            let token = String::from_utf8_lossy(token);
            let _ = id_token_key_id(&token);
            let expected = Expected {
                issuer: "https://issuer.example",
                client_id: "client",
                nonce: "nonce",
                access_token: Some("token"),
                acr_values: Some("aal3 crl"),
                now: UnixTime(1_780_272_000),
                skew: 60,
                max_age: 600,
            };
            for key in jwks.keys() {
                let _ = validate_id_token(&token, key, &expected);
            }
        }
        2 => drop(parse_token_response(ok(200))),
        3 => drop(parse_userinfo(ok(200), "sub", ClaimFormat::default())),
        4 => drop(ProviderMetadata::from_discovery(
            "https://issuer.example",
            ok(200),
        )),
        5 => {
            let _ = callback_state(&text);
            let _ = PendingLogin::from_json(&text);
        }
        6 => drop(decrypt_jwe(&text, rp_key())),
        7 => drop(parse_sign_transaction(
            ok(201),
            &SignTransactionFormat::default(),
        )),
        8 => drop(parse_sign_result(
            ok(200),
            &SignTransactionFormat::default(),
            rp_key(),
        )),
        _ => {
            let _ = check_jwe_shape(&text);
            if let Ok(sealed) = SealedSignResult::from_json(&text) {
                let none: [&[u8]; 0] = [];
                if let Ok(rp) =
                    mynacard_core::verify::RelyingParty::from_der(&none, &none, UnixTime(0))
                {
                    let key = EncryptionKey::from_rsa(rp_key().clone());
                    drop(sealed.open(&key, &rp, UnixTime(0)));
                }
            }
        }
    }
});
