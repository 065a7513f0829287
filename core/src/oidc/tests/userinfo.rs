//! userinfo: its `sub` and the formats of 4情報's claims.

use super::*;

#[test]
fn userinfo_sub_mismatch() {
    let client = client();
    let s = start(&client, &LoginRequest::four_info());
    let nonce = s.nonce.clone();
    let e = run_login(
        &client,
        s,
        &mut JwksCache::new(),
        &mint_rs256(&claims(&nonce)),
        &userinfo_body("someone-else"),
    )
    .unwrap_err();
    assert_eq!(e, Error::Oidc(OidcError::UserinfoSubMismatch));
}

#[test]
fn userinfo_claim_formats() {
    let parse = |body: Value, format: ClaimFormat| {
        parse_userinfo(ok(body.to_string().as_bytes()), SUB, format)
    };
    let u = parse(
        json!({"sub": SUB, "address": {"formatted": "東京都"}, "gender": "male", "birthdate": "19800217"}),
        ClaimFormat::default(),
    )
    .unwrap();
    assert_eq!(u.address.unwrap().to_string(), "東京都");
    assert_eq!(u.sex, Some(Sex::Male));
    assert_eq!(u.birth_date.unwrap().to_string(), "1980-02-17");
    let strict = ClaimFormat {
        address: AddressFormat::String,
        gender: GenderFormat::Iso5218,
    };
    assert_eq!(
        parse(json!({"sub": SUB, "gender": "male"}), strict).unwrap_err(),
        Error::Oidc(OidcError::ResponseInvalid {
            what: "gender format"
        })
    );
    assert_eq!(
        parse(json!({"sub": SUB, "address": {"formatted": "x"}}), strict).unwrap_err(),
        Error::Oidc(OidcError::ResponseInvalid {
            what: "address format"
        })
    );
    assert_eq!(
        parse(json!({"sub": SUB, "birthdate": "1980-02-30"}), strict).unwrap_err(),
        Error::Oidc(OidcError::ResponseInvalid {
            what: "birthdate format"
        })
    );
}
