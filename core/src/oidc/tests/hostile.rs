//! Hostile input anywhere in a flow never panics.

use super::*;

#[test]
fn garbage_never_panics() {
    let client = client();
    let inputs: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b".".to_vec(),
        b"....".to_vec(),
        b"a.b.c".to_vec(),
        b"eyJhbGciOiJSUzI1NiJ9..".to_vec(),
        b"{\"keys\":[{\"kty\":\"RSA\",\"n\":\"\",\"e\":\"\"}]}".to_vec(),
        b"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}]}".to_vec(),
        b"{\"sub\":[1,2],\"gender\":{}}".to_vec(),
        vec![0xff; 64],
        "%%%&&&=?=&state=%FF%FE".as_bytes().to_vec(),
    ];
    for input in &inputs {
        let text = String::from_utf8_lossy(input);
        let _ = Jwks::from_json(input);
        let _ = id_token_key_id(&text);
        let _ = decrypt_jwe(&text, rp_rsa());
        let _ = callback_state(&text);
        let _ = parse_token_response(ok(input));
        let _ = parse_userinfo(ok(input), SUB, ClaimFormat::default());
        let _ = ProviderMetadata::from_discovery(ISSUER, ok(input));
        let _ = parse_sign_transaction(ok(input), &SignTransactionFormat::default());
        let s = start(&client, &LoginRequest::four_info());
        let _ = LoginFlow::start(&client, s.pending, Some(s.browser.value()), &text, NOW);
        let jwk = Jwks::from_json(&jwks_body()).unwrap();
        let key = jwk.find(Some("rsa-1"), JwsAlg::Rs256).unwrap();
        let _ = validate_id_token(
            &text,
            key,
            &Expected {
                issuer: ISSUER,
                client_id: CLIENT_ID,
                nonce: "n",
                access_token: None,
                acr_values: None,
                now: NOW,
                skew: 60,
                max_age: 600,
            },
        );
    }
    // The provider's public modulus size is what it is; a small RSA key in a JWKS is refused.
    let small = json!({"keys":[{"kty":"RSA","kid":"s","n": b64url(&[0xC3; 64]), "e":"AQAB"}]});
    assert!(Jwks::from_json(small.to_string().as_bytes()).is_err());
    assert_eq!(provider_rsa().size(), 256);
}
