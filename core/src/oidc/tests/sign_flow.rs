//! 署名API: a sign transaction opened, authorised by a login and its result verified.

use super::*;

const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/virtual-card/pki/");

fn pki(name: &str) -> Vec<u8> {
    std::fs::read(format!("{PKI}{name}")).unwrap()
}

/// What hanako's card returns for `block`: PKCS#1 v1.5 padding over exactly those bytes, with
/// her 署名用 key.
fn card_signs(block: &[u8]) -> Vec<u8> {
    use rsa::pkcs8::DecodePrivateKey;
    let card_key = rsa::PrivateKey::from_pkcs8_der(&pki("hanako-sign.key.der")).unwrap();
    card_key
        .sign_with_rng(
            &mut getrandom::SysRng,
            Pkcs1v15Sign::new_unprefixed(),
            block,
        )
        .unwrap()
}

/// The provider's sign result for `digest`: hanako's 署名用 key signs it (as the card would),
/// signature and certificate each JWE to the relying party's key. Returns the body and the
/// raw signature.
fn sign_result_body(digest: &[u8; 32]) -> (String, Vec<u8>) {
    // The usual mode: the bare SHA-256, padded by the card (no DigestInfo).
    let signature = card_signs(digest);
    let rp_public = rp_rsa().to_public_key();
    let body = json!({
        "signature": encrypt_jwe(&signature, &rp_public),
        "certificate": encrypt_jwe(&pki("hanako-sign.crt.der"), &rp_public),
    })
    .to_string();
    (body, signature)
}

/// A login for `request` with an RS256 ID token and no userinfo.
fn plain_login(client: &OidcClient, request: &LoginRequest) -> Login {
    let s = start(client, request);
    let nonce = s.nonce.clone();
    run_login(
        client,
        s,
        &mut JwksCache::new(),
        &mint_rs256(&claims(&nonce)),
        b"",
    )
    .unwrap()
}

#[test]
fn sign_flow_opens_authorises_and_verifies() {
    let endpoint = "https://idp.example/api/sign-transactions";
    let document = "申請書 2026".as_bytes();
    let digest = SignDigest::of_document(document);
    // Without a sign-transaction endpoint there is nothing to open.
    assert!(matches!(
        SignOpening::start(digest.clone()).request(&client(), NOW),
        Err(Error::Usage(UsageError::InvalidArgument { .. }))
    ));
    let mut config = client().config().clone();
    config.provider.sign_transactions_endpoint = Some(endpoint.into());
    let client = OidcClient::new(config);

    let opening = SignOpening::start(digest.clone());
    let token = opening.request(&client, NOW).unwrap();
    assert_eq!(
        param(&form_of(&token), "grant_type").unwrap(),
        "client_credentials"
    );
    let OpenStep::Continue(opening) = opening
        .receive(
            &client,
            ok(br#"{"access_token":"cc","token_type":"Bearer"}"#),
        )
        .unwrap()
    else {
        panic!("the token comes first")
    };
    let open = opening.request(&client, NOW).unwrap();
    assert_eq!(open.url, endpoint);
    assert_eq!(open.header("authorization").unwrap(), "Bearer cc");
    let OpenStep::Opened(tx) = opening
        .receive(
            &client,
            ok(br#"{"id":"123e4567-e89b-12d3-a456-426614174000"}"#),
        )
        .unwrap()
    else {
        panic!("then the transaction")
    };
    // The backend keeps it across the redirect: no secret in it, and it round-trips.
    let kept = tx.to_json();
    assert!(!kept.contains("cc"), "{kept}");
    let tx = SignTransaction::from_json(&kept).unwrap();
    assert_eq!(tx.id(), "123e4567-e89b-12d3-a456-426614174000");
    assert!(SignTransaction::from_json(r#"{"id":"x","digest":{"sha256":"AAAA"}}"#).is_err());

    // A login for something else does not fetch this result.
    let other = plain_login(&client, &LoginRequest::authenticate());
    assert!(matches!(
        tx.result_request(&client, &other),
        Err(Error::Usage(UsageError::InvalidArgument { .. }))
    ));
    let login = plain_login(&client, &tx.login_request());
    let result = tx.result_request(&client, &login).unwrap();
    assert_eq!(result.url, format!("{endpoint}/{}/result", tx.id()));

    let SignDigest::Sha256(d) = &digest else {
        panic!()
    };
    let (body, signature) = sign_result_body(d);
    let ca = JpkiCertificate::from_der(&pki("sign-ca.crt.der")).unwrap();
    let rp = RelyingParty::new(TrustAnchors::new(vec![ca]));
    let enc = EncryptionKey::from_rsa(rp_rsa().clone());
    let signed = tx
        .finish(&client, ok(body.as_bytes()), &enc, &rp, NOW)
        .unwrap();
    assert_eq!(signed.signature, signature);
    assert!(signed.signer.four_info.is_some());
    assert!(!format!("{signed:?}").contains("花子"));
    // A result for another document is refused; so is one the provider failed to give.
    let (other_body, _) = sign_result_body(&[7; 32]);
    assert_eq!(
        tx.finish(&client, ok(other_body.as_bytes()), &enc, &rp, NOW)
            .unwrap_err(),
        Error::Verify(VerifyError::SignatureInvalid)
    );
    assert_eq!(
        tx.finish(&client, Err(HttpFailed), &enc, &rp, NOW)
            .unwrap_err(),
        Error::Oidc(OidcError::Network)
    );
}

#[test]
fn end_to_end_sign_transaction() {
    let client = client();
    let endpoint = "https://idp.example/api/sign-transactions";
    let format = SignTransactionFormat::default();
    let document = "申請書 2026".as_bytes();
    let digest = SignDigest::of_document(document);

    // 1. Client-credentials token.
    let request = client.client_credentials_request(None, NOW).unwrap();
    assert_eq!(
        param(&form_of(&request), "grant_type").unwrap(),
        "client_credentials"
    );
    let cc = parse_token_response(ok(
        br#"{"access_token":"cc-token","token_type":"bearer","expires_in":60}"#,
    ))
    .unwrap();
    // 2. Open the transaction.
    let open = open_sign_transaction(endpoint, &cc.access_token, &digest, &format);
    assert_eq!(open.header("authorization").unwrap(), "Bearer cc-token");
    let body: Value = serde_json::from_slice(open.body.as_deref().unwrap()).unwrap();
    let SignDigest::Sha256(d) = &digest else {
        panic!()
    };
    assert_eq!(
        body["hash"].as_str().unwrap(),
        <base64ct::Base64 as base64ct::Encoding>::encode_string(d)
    );
    let id = parse_sign_transaction(
        Ok(HttpResponse {
            status: 201,
            body: br#"{"id":"123e4567-e89b-12d3-a456-426614174000"}"#,
        }),
        &format,
    )
    .unwrap();
    // 3. The user signs in the app: authorization with sign_transaction_id.
    let s = start(&client, &LoginRequest::sign(&id.0));
    let nonce = s.nonce.clone();
    let login = run_login(
        &client,
        s,
        &mut JwksCache::new(),
        &mint_rs256(&claims(&nonce)),
        b"",
    )
    .unwrap();
    assert_eq!(login.sign_transaction_id.as_deref(), Some(id.0.as_str()));
    // 4. The result, encrypted to the relying party's key.
    let result_req = sign_result_request(endpoint, &login.access_token, &id);
    assert_eq!(result_req.url, format!("{endpoint}/{}/result", id.0));
    let (result, signature) = sign_result_body(d);
    let card_key_size = 256;
    let parsed = parse_sign_result(ok(result.as_bytes()), &format, rp_rsa()).unwrap();
    assert_eq!(parsed.signature.len(), card_key_size);
    // 5. Signature and 署名用 certificate.
    let ca = JpkiCertificate::from_der(&pki("sign-ca.crt.der")).unwrap();
    let rp = RelyingParty::new(TrustAnchors::new(vec![ca]));
    let verified = verify_sign_result(&parsed, &digest, &rp, NOW).unwrap();
    assert!(verified.four_info.is_some());
    // Another document's digest does not verify.
    assert_eq!(
        verify_sign_result(&parsed, &SignDigest::of_document(b"other"), &rp, NOW).unwrap_err(),
        Error::Verify(VerifyError::SignatureInvalid)
    );
    // The two modes are never guessed between: the bare-hash signature does not pass as the
    // DigestInfo mode of the same digest, and a DigestInfo-mode signature does not pass as
    // the bare one.
    let info = crate::digest::SignInput::Digest {
        algorithm: crate::digest::DigestAlgorithm::Sha256,
        digest: d,
    }
    .digest_info()
    .unwrap();
    let as_info = SignDigest::DigestInfo(info.clone());
    assert_eq!(
        verify_sign_result(&parsed, &as_info, &rp, NOW).unwrap_err(),
        Error::Verify(VerifyError::SignatureInvalid)
    );
    let info_result = SignResult {
        signature: card_signs(&info),
        certificate: parsed.certificate.clone(),
    };
    assert!(verify_sign_result(&info_result, &as_info, &rp, NOW).is_ok());
    assert_eq!(
        verify_sign_result(&info_result, &digest, &rp, NOW).unwrap_err(),
        Error::Verify(VerifyError::SignatureInvalid)
    );
    // Base64 plaintexts are accepted too.
    let rp_public = rp_rsa().to_public_key();
    let b64 = |b: &[u8]| <base64ct::Base64 as base64ct::Encoding>::encode_string(b);
    let result = json!({
        "signature": encrypt_jwe(b64(&signature).as_bytes(), &rp_public),
        "certificate": encrypt_jwe(b64(&pki("hanako-sign.crt.der")).as_bytes(), &rp_public),
    })
    .to_string();
    let parsed = parse_sign_result(ok(result.as_bytes()), &format, rp_rsa()).unwrap();
    assert!(verify_sign_result(&parsed, &digest, &rp, NOW).is_ok());
}

/// The forwarding mode (a relying party that signs through a platform operator, PF事業者):
/// the relying party checks and forwards the sealed result and holds no key that opens it;
/// the operator opens and verifies it; a different key, an altered JWE or another
/// transaction's digest is refused.
#[test]
fn sign_result_forwarded_to_the_operator() {
    use base64ct::{Base64, Encoding};
    use rsa::pkcs8::DecodePrivateKey;

    let operator_rsa = rsa::PrivateKey::from_pkcs8_der(&pki("juki-auth.key.der")).unwrap();
    let operator = EncryptionKey::from_rsa(operator_rsa.clone());
    let digest = SignDigest::of_document("申請書 2026".as_bytes());
    let SignDigest::Sha256(d) = &digest else {
        panic!()
    };
    let id = "123e4567-e89b-12d3-a456-426614174000";
    let record = |d: &[u8]| {
        format!(
            r#"{{"id":"{id}","digest":{{"sha256":"{}"}}}}"#,
            Base64::encode_string(d)
        )
    };
    let tx = SignTransaction::from_json(&record(d)).unwrap();
    let signature = card_signs(d);
    let to_operator = operator_rsa.to_public_key();
    let body = json!({
        "signature": encrypt_jwe(&signature, &to_operator),
        "certificate": encrypt_jwe(&pki("hanako-sign.crt.der"), &to_operator),
    })
    .to_string();
    let client = client();

    // The relying party: a sealed record, no certificate or signature in the clear.
    let sealed = tx.forward(&client, ok(body.as_bytes())).unwrap();
    assert_eq!(sealed.transaction_id(), id);
    let forwarded = sealed.to_json();
    let cert_b64 = Base64::encode_string(&pki("hanako-sign.crt.der"));
    assert!(!forwarded.contains(&cert_b64[..40]), "{forwarded}");
    assert!(!forwarded.contains(&Base64::encode_string(&signature)[..40]));
    assert!(!format!("{sealed:?}").contains("eyJ"));
    // Its own key (the relying party's) does not open what was sealed for the operator.
    let ca = JpkiCertificate::from_der(&pki("sign-ca.crt.der")).unwrap();
    let rp = RelyingParty::new(TrustAnchors::new(vec![ca]));
    assert_eq!(
        sealed
            .open(&EncryptionKey::from_rsa(rp_rsa().clone()), &rp, NOW)
            .unwrap_err(),
        Error::Oidc(OidcError::JweInvalid)
    );

    // The operator: reads the record, opens and verifies it.
    let received = SealedSignResult::from_json(&forwarded).unwrap();
    assert_eq!(received, sealed);
    let signed = received.open(&operator, &rp, NOW).unwrap();
    assert_eq!(signed.signature, signature);
    assert!(signed.signer.four_info.is_some());
    // The same JWEs under another transaction's digest do not verify.
    let other = SignTransaction::from_json(&record(&[7; 32])).unwrap();
    assert_eq!(
        other
            .forward(&client, ok(body.as_bytes()))
            .unwrap()
            .open(&operator, &rp, NOW)
            .unwrap_err(),
        Error::Verify(VerifyError::SignatureInvalid)
    );
    // An altered ciphertext byte: refused when opened.
    let mut altered: serde_json::Value = serde_json::from_str(&forwarded).unwrap();
    let jwe = altered["signature"].as_str().unwrap().to_string();
    let mut parts: Vec<String> = jwe.split('.').map(str::to_string).collect();
    parts[3] = if parts[3].starts_with('A') {
        format!("B{}", &parts[3][1..])
    } else {
        format!("A{}", &parts[3][1..])
    };
    altered["signature"] = parts.join(".").into();
    let altered = SealedSignResult::from_json(&altered.to_string()).unwrap();
    assert_eq!(
        altered.open(&operator, &rp, NOW).unwrap_err(),
        Error::Oidc(OidcError::JweInvalid)
    );

    // What the relying party refuses to forward: a missing field, a JWE with another
    // algorithm or not a JWE, the provider's failure.
    let dir = format!(
        "{}.{}",
        b64url(br#"{"alg":"dir","enc":"A256GCM"}"#),
        jwe.split_once('.').unwrap().1
    );
    for (body, code) in [
        (
            json!({ "signature": jwe }).to_string(),
            "OIDC_RESPONSE_INVALID",
        ),
        (
            json!({ "signature": dir, "certificate": jwe }).to_string(),
            "JWE_INVALID",
        ),
        (
            json!({ "signature": "a.b.c", "certificate": jwe }).to_string(),
            "JWE_INVALID",
        ),
    ] {
        assert_eq!(
            tx.forward(&client, ok(body.as_bytes())).unwrap_err().code(),
            code
        );
    }
    assert_eq!(
        tx.forward(&client, Err(HttpFailed)).unwrap_err(),
        Error::Oidc(OidcError::Network)
    );
    // A record that is not one, or whose JWE is malformed, is refused on the operator's side.
    assert_eq!(
        SealedSignResult::from_json("{}").unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
    let mut bad: serde_json::Value = serde_json::from_str(&forwarded).unwrap();
    bad["certificate"] = "x.y".into();
    assert_eq!(
        SealedSignResult::from_json(&bad.to_string())
            .unwrap_err()
            .code(),
        "JWE_INVALID"
    );
}
