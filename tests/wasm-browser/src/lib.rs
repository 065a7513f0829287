//! Test only: the SDK's core running as WebAssembly inside headless Chromium, under
//! wasm-bindgen-test (`scripts/wasm-browser-test.sh`). What runs natively elsewhere is checked
//! here where it matters that it is the browser: RSA signatures verified by the wasm core, the
//! USB reader drivers driving an emulated reader, and the browser's random source for OIDC.

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use mynacard_core::error::PinError;
    use mynacard_core::oidc::{
        ClientConfig, LoginRequest, OidcClient, ProviderMetadata, SigningKey,
    };
    use mynacard_core::reader::UsbReaderTransport;
    use mynacard_core::reader::port100::{Port100, Port100Config};
    use mynacard_core::{AssistPin, AuthPin, Error, MynaCard, SignInput, UnixTime};
    use mynacard_virtual_card::{VirtualCard, VirtualTransport, pki, usb};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    const NOW: UnixTime = UnixTime(1_780_272_000);

    fn card(persona: &str) -> VirtualTransport {
        VirtualTransport::new(VirtualCard::builtin(persona).unwrap())
    }

    #[wasm_bindgen_test]
    async fn authentication_verifies_in_the_browser() {
        let mut session = MynaCard::connect(card("taro")).await.unwrap();
        let challenge = [7u8; 32];
        let auth = session
            .authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(&challenge))
            .await
            .unwrap();
        mynacard_virtual_card::checks::assert_authentication(&auth, &challenge, NOW);
    }

    #[wasm_bindgen_test]
    async fn four_info_and_a_wrong_pin() {
        let mut session = MynaCard::connect(card("taro")).await.unwrap();
        let read = session
            .read_four_info(&AssistPin::new("1234").unwrap())
            .await
            .unwrap();
        assert_eq!(read.four_info.name.to_marked_string(), "〓田　太郎");
        let e = session
            .authenticate(&AuthPin::new("9999").unwrap(), SignInput::data(b"c"))
            .await
            .unwrap_err();
        assert_eq!(e, Error::Pin(PinError::Incorrect { remaining: 2 }));
    }

    #[wasm_bindgen_test]
    async fn the_rc_s380_driver_runs_in_wasm() {
        let reader = usb::Rcs380::new(VirtualCard::builtin("taro").unwrap());
        let mut transport = UsbReaderTransport::new(reader, Port100::new(Port100Config::default()));
        transport.open().await.unwrap();
        let mut session = MynaCard::connect(transport).await.unwrap();
        let cert = session.read_auth_certificate().await.unwrap();
        assert_eq!(cert.der(), pki::persona("taro").unwrap().auth_cert);
    }

    #[wasm_bindgen_test]
    fn oidc_randomness_comes_from_the_browser() {
        let client = OidcClient::new(
            ClientConfig::new(
                ProviderMetadata::keycloak_layout("https://issuer.example/api/realms/main")
                    .unwrap(),
                "RP12345678",
                "https://rp.example/callback",
                // Any RSA key will do as the client's: the virtual card's test key.
                SigningKey::rsa_pkcs8_der(
                    include_bytes!("../../virtual-card/pki/taro-auth.key.der"),
                    None,
                )
                .unwrap(),
            )
            .unwrap(),
        );
        let a = client.authorize(&LoginRequest::four_info(), NOW).unwrap();
        let b = client.authorize(&LoginRequest::four_info(), NOW).unwrap();
        assert_ne!(
            a.pending.state(),
            b.pending.state(),
            "crypto.getRandomValues gives fresh states"
        );
        assert_ne!(a.browser, b.browser, "and fresh browser bindings");
        assert!(a.url.contains("code_challenge_method=S256") && a.url != b.url);
    }
}
