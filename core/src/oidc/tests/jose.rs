//! JOSE: JWE to the wrong key or altered, key files and their public JWK.

use super::*;

#[test]
fn jwe_to_the_wrong_key_or_altered() {
    let rp_public = rp_rsa().to_public_key();
    let jwe = encrypt_jwe(b"certificate", &rp_public);
    assert_eq!(&decrypt_jwe(&jwe, rp_rsa()).unwrap()[..], b"certificate");
    // Encrypted to another key (here the provider's).
    let other = encrypt_jwe(b"certificate", &provider_rsa().to_public_key());
    assert_eq!(
        decrypt_jwe(&other, rp_rsa()).unwrap_err(),
        Error::Oidc(OidcError::JweInvalid)
    );
    let format = SignTransactionFormat::default();
    let body = json!({"signature": other, "certificate": other}).to_string();
    assert_eq!(
        parse_sign_result(ok(body.as_bytes()), &format, rp_rsa()).unwrap_err(),
        Error::Oidc(OidcError::JweInvalid)
    );
    // One changed ciphertext byte, header or tag.
    let parts: Vec<String> = jwe.split('.').map(str::to_string).collect();
    for i in [0usize, 2, 3, 4] {
        let mut p = parts.clone();
        let mut bytes = crate::oidc::jose::b64url_decode(&p[i]).unwrap();
        bytes[0] ^= 1;
        p[i] = b64url(&bytes);
        assert_eq!(
            decrypt_jwe(&p.join("."), rp_rsa()).unwrap_err(),
            Error::Oidc(OidcError::JweInvalid)
        );
    }
    // Other algorithms are refused.
    let mut p = parts.clone();
    p[0] = b64url(br#"{"alg":"RSA1_5","enc":"A256GCM"}"#);
    assert_eq!(
        decrypt_jwe(&p.join("."), rp_rsa()).unwrap_err(),
        Error::Oidc(OidcError::JweInvalid)
    );
    p[0] = b64url(br#"{"alg":"dir","enc":"A256GCM"}"#);
    assert_eq!(
        decrypt_jwe(&p.join("."), rp_rsa()).unwrap_err(),
        Error::Oidc(OidcError::JweInvalid)
    );
}

#[test]
fn key_files_in_pkcs8_der_or_pem_and_their_public_jwk() {
    use p256::pkcs8::EncodePrivateKey;
    let der = rp_ec().to_pkcs8_der().unwrap();
    let from_der = SigningKey::from_pkcs8(der.as_bytes(), Some("k1".into())).unwrap();
    assert_eq!(from_der.alg(), JwsAlg::Es256);
    let pem = der.to_pem("PRIVATE KEY", Default::default()).unwrap();
    let from_pem = SigningKey::from_pkcs8(pem.as_bytes(), None).unwrap();
    assert_eq!(from_pem.alg(), JwsAlg::Es256);
    // The JWK is the public key the provider will verify assertions with.
    let jwk = from_der.public_jwk();
    assert_eq!(jwk, Jwk::p256_json("k1", rp_ec().verifying_key()));
    assert!(jwk.get("d").is_none(), "no private part in the JWK");
    assert!(from_pem.public_jwk().get("kid").is_none());
    let assertion = from_der.sign_jwt(&json!({"a": 1})).unwrap();
    let jwks = Jwks::from_json(json!({"keys": [jwk]}).to_string().as_bytes()).unwrap();
    let key = jwks.find(Some("k1"), JwsAlg::Es256).unwrap();
    assert!(
        crate::oidc::jose::CompactJws::parse(&assertion)
            .unwrap()
            .verify(key)
    );

    let rsa_der = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(rp_rsa()).unwrap();
    let rsa = SigningKey::from_pkcs8(rsa_der.as_bytes(), None).unwrap();
    assert_eq!(rsa.alg(), JwsAlg::Rs256);
    assert_eq!(rsa.public_jwk()["kty"], "RSA");

    for bad in [
        &b""[..],
        b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        &[0x30, 0x03, 0x02, 0x01, 0x00],
    ] {
        assert!(matches!(
            SigningKey::from_pkcs8(bad, None),
            Err(Error::Usage(UsageError::InvalidArgument { .. }))
        ));
    }
}
