//! `mynacard login`: the デジタル認証アプリ hand-off for developers, run end to end from a
//! terminal with a loopback redirect (RFC 8252 §7.3): the CLI is the relying party's backend
//! (it holds the client key and does the token exchange with the core's sans-IO client) and the
//! system browser carries the resident to the provider and back to `http://127.0.0.1:PORT/…`.
//! With `--virtual PERSONA` against the development stand-in, the CLI plays the resident too,
//! signing the stand-in's login challenge with that virtual card. With `--sign FILE` it runs the
//! 署名API instead: a sign transaction over the file's SHA-256, the resident's consent with the
//! 署名用 key, and the JWE result decrypted with the relying party's key and verified.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mynacard_cli::http::{agent, send};
use mynacard_core::error::{OidcError, UsageError};
use mynacard_core::oidc::{
    Authorization, ClientConfig, EncryptionKey, HttpFailed, HttpRequest, HttpResponse, JwksCache,
    Login, LoginFlow, LoginRequest, OidcClient, OpenStep, ProviderMetadata, SealedSignResult,
    SignDigest, SignOpening, SigningKey, Step,
};
use mynacard_core::verify::{RelyingParty, Verified};
use mynacard_core::{Error, UnixTime};
use mynacard_virtual_card::resident::Resident;

use crate::error::{Action, CliError};

/// What `mynacard login` was asked.
pub struct Request<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub key: &'a PathBuf,
    pub key_id: Option<&'a str>,
    pub claims: &'a [String],
    pub acr_values: Option<&'a str>,
    pub discovery: bool,
    pub port: u16,
    pub path: &'a str,
    pub timeout: Duration,
    /// The resident is played by this virtual card on the stand-in's login screen.
    pub virtual_persona: Option<&'a str>,
    pub quiet: bool,
    /// 署名API: sign this document instead of logging in.
    pub sign: Option<SignRequest<'a>>,
}

/// What `mynacard login --sign` was asked.
pub struct SignRequest<'a> {
    pub document: &'a PathBuf,
    /// The relying party's RSA key the result is encrypted to (PKCS#8 PEM or DER): decrypt and
    /// verify. `None` with `forward_to`: the result stays sealed for a platform operator.
    pub enc_key: Option<&'a PathBuf>,
    /// Write the sealed result (encrypted to the operator's key) here instead.
    pub forward_to: Option<&'a PathBuf>,
    /// The sign-transaction endpoint when discovery does not name one.
    pub endpoint: Option<&'a str>,
    /// Trust the virtual card's test CAs instead of the real JPKI CAs.
    pub test_pki: bool,
}

/// What a finished `mynacard login` brings back.
pub enum Outcome {
    Login(Box<Login>),
    /// The 署名API result: the signature and what the 署名用 certificate says.
    Signed {
        login: Box<Login>,
        signature: Vec<u8>,
        signer: Box<Verified>,
    },
    /// The 署名API result still sealed for the platform operator (PF事業者), to forward.
    Forwarded {
        login: Box<Login>,
        sealed: Box<SealedSignResult>,
        path: PathBuf,
    },
}

fn invalid(what: &'static str) -> Error {
    Error::Usage(UsageError::InvalidArgument { what })
}

/// The client key from a PKCS#8 file (PEM or DER, RSA or P-256).
pub fn read_key(path: &PathBuf, kid: Option<&str>) -> Result<SigningKey, CliError> {
    let bytes =
        zeroize::Zeroizing::new(std::fs::read(path).map_err(CliError::io(Action::Read, path))?);
    Ok(SigningKey::from_pkcs8(&bytes, kid.map(str::to_string))?)
}

/// The JWK Set to register: the client key's public half, and the encryption key's when given.
pub fn public_jwks(
    key: &PathBuf,
    kid: Option<&str>,
    enc_key: Option<&PathBuf>,
) -> Result<serde_json::Value, CliError> {
    let key = read_key(key, kid)?;
    let enc_key = enc_key.map(read_enc_key).transpose()?;
    Ok(mynacard_core::oidc::public_jwks(
        Some(&key),
        enc_key.as_ref(),
    ))
}

/// The JWE key: an RSA PKCS#8 file, PEM or DER.
fn read_enc_key(path: &PathBuf) -> Result<EncryptionKey, CliError> {
    let bytes =
        zeroize::Zeroizing::new(std::fs::read(path).map_err(CliError::io(Action::Read, path))?);
    Ok(EncryptionKey::from_pkcs8(&bytes)?)
}

fn login_request(claims: &[String], acr_values: Option<&str>) -> Result<LoginRequest, Error> {
    let mut request =
        LoginRequest::authenticate().with_claim_scopes(claims.iter().map(String::as_str))?;
    // None: the core's default (`aal3 crl`); "": none sent.
    if let Some(acr) = acr_values {
        request.acr_values = Some(acr.to_string()).filter(|v| !v.is_empty());
    }
    Ok(request)
}

/// Runs the whole login (or the 署名API flow) and returns its result: ID token checked,
/// userinfo read when 4情報 were asked, a signature verified with its 署名用 certificate.
pub fn run(req: &Request<'_>) -> Result<Outcome, CliError> {
    let key = read_key(req.key, req.key_id)?;
    let login = login_request(req.claims, req.acr_values)?;
    if !req.path.starts_with('/') || req.path.contains(['?', '#']) {
        return Err(invalid("--path must start with / and have no query").into());
    }
    // Read every local input before any network traffic.
    let signing = match &req.sign {
        Some(sign) => Some((
            sign,
            match (sign.enc_key, sign.forward_to) {
                (Some(path), None) => Some(read_enc_key(path)?),
                (None, Some(_)) => None,
                _ => {
                    return Err(invalid(
                        "--sign needs --enc-key (decrypt and verify) or --forward-to (sealed for a platform operator)",
                    )
                    .into());
                }
            },
            SignDigest::of_document(
                &std::fs::read(sign.document).map_err(CliError::io(Action::Read, sign.document))?,
            ),
        )),
        None => None,
    };
    let address = format!("127.0.0.1:{}", req.port);
    let listener =
        TcpListener::bind(&address).map_err(CliError::io(Action::Listen, Path::new(&address)))?;
    let port = listener
        .local_addr()
        .map_err(|_| Error::Oidc(OidcError::Network))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}{}", req.path);

    let http = agent();
    let mut provider = if req.discovery {
        let request = ProviderMetadata::discovery_request(req.issuer)?;
        let sent = send(&http, &request);
        ProviderMetadata::from_discovery(req.issuer, outcome(&sent))?
    } else {
        ProviderMetadata::keycloak_layout(req.issuer)?
    };
    if let Some(endpoint) = req.sign.as_ref().and_then(|s| s.endpoint) {
        provider.sign_transactions_endpoint = Some(endpoint.to_string());
    }
    let client = OidcClient::new(ClientConfig::new(
        provider,
        req.client_id,
        &redirect_uri,
        key,
    )?);

    let Some((sign, enc_key, digest)) = signing else {
        let done = log_in(req, &client, &http, &listener, &redirect_uri, &login)?;
        return Ok(Outcome::Login(Box::new(done)));
    };
    // 署名API: a client-credentials token opens a sign transaction over the digest; the
    // resident's login authorises it; the result is JWE to the relying party's key.
    let mut opening = SignOpening::start(digest);
    let tx = loop {
        let request = opening.request(&client, UnixTime::now())?;
        match opening.receive(&client, outcome(&send_logged(req, &http, &request)))? {
            OpenStep::Continue(next) => opening = next,
            OpenStep::Opened(tx) => break tx,
        }
    };
    let mut authorise = tx.login_request();
    authorise.claims = login.claims;
    authorise.acr_values = login.acr_values;
    let done = log_in(req, &client, &http, &listener, &redirect_uri, &authorise)?;
    let request = tx.result_request(&client, &done)?;
    let (Some(enc_key), None) = (enc_key, sign.forward_to) else {
        // Through a platform operator: checked and kept sealed; no certificate is read here.
        let sealed = tx.forward(&client, outcome(&send_logged(req, &http, &request)))?;
        return Ok(Outcome::Forwarded {
            login: Box::new(done),
            sealed: Box::new(sealed),
            path: sign.forward_to.cloned().unwrap_or_default(),
        });
    };
    // `--test-pki` trusts the test 署名用 CA; otherwise the core's default, the real JPKI CAs.
    let anchors: Vec<&[u8]> = if sign.test_pki {
        vec![mynacard_virtual_card::pki::sign_ca_der()]
    } else {
        Vec::new()
    };
    let none: [&[u8]; 0] = [];
    let signed = tx.finish(
        &client,
        outcome(&send_logged(req, &http, &request)),
        &enc_key,
        &RelyingParty::from_der(&anchors, &none, UnixTime::now())?,
        UnixTime::now(),
    )?;
    Ok(Outcome::Signed {
        login: Box::new(done),
        signature: signed.signature,
        signer: Box::new(signed.signer),
    })
}

fn send_logged(
    req: &Request<'_>,
    http: &ureq::Agent,
    request: &HttpRequest,
) -> Result<(u16, Vec<u8>), HttpFailed> {
    if !req.quiet {
        eprintln!("  {} {}", request.method.as_str(), request.url);
    }
    send(http, request)
}

/// The browser part and the code exchange: authorization URL, the resident (system browser or
/// virtual), the loopback callback, then token, JWKS and userinfo.
fn log_in(
    req: &Request<'_>,
    client: &OidcClient,
    http: &ureq::Agent,
    listener: &TcpListener,
    redirect_uri: &str,
    login: &LoginRequest,
) -> Result<Login, Error> {
    // The browser binding stays in this process: the CLI is the backend and the only holder
    // of the pending login, and the loopback callback is accepted only with this login's
    // `state`; the value is given back to the core as the cookie would be.
    let Authorization {
        url,
        pending,
        browser,
    } = client.authorize(login, UnixTime::now())?;

    // The browser: the system's, or the virtual resident in a thread.
    let (failed_tx, failed_rx) = mpsc::channel::<Error>();
    match req.virtual_persona {
        Some(persona) => {
            let (persona, url, redirect) =
                (persona.to_string(), url.clone(), redirect_uri.to_string());
            std::thread::spawn(move || {
                match Resident::new(&persona).log_in(&url, &redirect) {
                    // Land on the callback like a browser does.
                    Ok(callback) => {
                        if agent().get(&callback).call().is_err() {
                            let _ = failed_tx.send(Error::Oidc(OidcError::Network));
                        }
                    }
                    Err(e) => {
                        eprintln!("the resident's login did not complete: {e}");
                        let _ = failed_tx.send(e.into());
                    }
                }
            });
        }
        None => {
            eprintln!("Open this URL in a browser to log in (ブラウザで開いてください):\n{url}");
            open_browser(&url);
        }
    }
    if !req.quiet {
        eprintln!("waiting for the redirect to {redirect_uri} …");
    }
    let state = pending.state().to_string();
    let query = wait_for_callback(listener, req.path, &state, req.timeout, &failed_rx)?;
    let callback = format!("{redirect_uri}?{}", query.as_str());

    let mut jwks = JwksCache::new();
    let mut flow = LoginFlow::start(
        client,
        pending,
        Some(browser.value()),
        &callback,
        UnixTime::now(),
    )?;
    loop {
        let now = UnixTime::now();
        let request = flow.request(client, now)?;
        let sent = send_logged(req, http, &request);
        match flow.receive(client, &mut jwks, outcome(&sent), now)? {
            Step::Continue(next) => flow = next,
            Step::Done(login) => return Ok(*login),
        }
    }
}

fn outcome(sent: &Result<(u16, Vec<u8>), HttpFailed>) -> Result<HttpResponse<'_>, HttpFailed> {
    match sent {
        Ok((status, body)) => Ok(HttpResponse {
            status: *status,
            body,
        }),
        Err(e) => Err(*e),
    }
}

/// Best effort: the system browser; the URL is printed either way.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// Accepts connections on the loopback listener until one asks for `path` with this login's
/// `state`; answers it with a page telling the resident to go back to the terminal and returns
/// its query (which carries the code: wiped on drop). Another local process hitting the port
/// with some other state gets 400 and the wait goes on (the core checks the state again).
fn wait_for_callback(
    listener: &TcpListener,
    path: &str,
    state: &str,
    timeout: Duration,
    failed: &mpsc::Receiver<Error>,
) -> Result<zeroize::Zeroizing<String>, Error> {
    listener
        .set_nonblocking(true)
        .map_err(|_| Error::Oidc(OidcError::Network))?;
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(error) = failed.try_recv() {
            return Err(error);
        }
        if Instant::now() > deadline {
            eprintln!("no redirect came back within {} s", timeout.as_secs());
            return Err(Error::Oidc(OidcError::LoginExpired));
        }
        match listener.accept() {
            Ok((stream, _)) => {
                if let Some(query) = answer(stream, path, state) {
                    return Ok(query);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => return Err(Error::Oidc(OidcError::Network)),
        }
    }
}

/// Reads one HTTP request; `Some(query)` when it is `GET path?query` for this `state`.
fn answer(stream: TcpStream, path: &str, state: &str) -> Option<zeroize::Zeroizing<String>> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream);
    let mut line = zeroize::Zeroizing::new(String::new());
    reader.by_ref().take(8192).read_line(&mut line).ok()?;
    // Drain the headers so the browser sees a clean answer.
    let mut header = String::new();
    while reader.by_ref().take(8192).read_line(&mut header).ok()? > 2 {
        header.clear();
    }
    let target = line
        .strip_prefix("GET ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or("");
    let (target_path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut stream = reader.into_inner();
    if target_path != path {
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        return None;
    }
    if mynacard_core::oidc::callback_state(query).ok().as_deref() != Some(state) {
        let _ = stream.write_all(
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        return None;
    }
    let page = "<!doctype html><meta charset=\"utf-8\"><title>mynacard login</title>\
                <p>ログイン処理を続けています。このウィンドウを閉じて端末に戻ってください。</p>\
                <p>The login continues in the terminal; you can close this window.</p>";
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\
         cache-control: no-store\r\nreferrer-policy: no-referrer\r\nconnection: close\r\n\r\n{page}",
        page.len()
    );
    Some(zeroize::Zeroizing::new(query.to_string()))
}

/// Prints the outcome: subject, ID token facts and 4情報 (personal data: on stdout only, asked
/// for by the user); for a signature, the signer's certificate as `mynacard verify` shows it.
pub fn print(outcome: &Outcome, json: bool, out: Option<&PathBuf>) -> Result<(), CliError> {
    let (login, signed) = match outcome {
        Outcome::Forwarded {
            login,
            sealed,
            path,
        } => {
            std::fs::write(path, sealed.to_json()).map_err(CliError::io(Action::Write, path))?;
            if json {
                let value = serde_json::json!({
                    "subject": login.subject(),
                    "issuer": login.id_token.iss,
                    "signTransactionId": sealed.transaction_id(),
                    "forwardTo": path.display().to_string(),
                });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                );
            } else {
                println!("signed, sealed for the platform operator (署名結果は暗号化のまま)");
                println!("  sign transaction: {}", sealed.transaction_id());
                println!(
                    "  written to {} (forward it to the operator)",
                    path.display()
                );
            }
            return Ok(());
        }
        Outcome::Login(login) => (login, None),
        Outcome::Signed {
            login,
            signature,
            signer,
        } => (login, Some((signature, signer))),
    };
    if let (Some((signature, _)), Some(path)) = (signed, out) {
        std::fs::write(path, signature).map_err(CliError::io(Action::Write, path))?;
    }
    let four_info = login.userinfo.as_ref().and_then(|u| u.four_info());
    if json {
        let mut value = serde_json::json!({
            "subject": login.subject(),
            "issuer": login.id_token.iss,
            "alg": login.id_token.alg.name(),
            "acr": login.id_token.acr,
        });
        if let Some(fi) = &four_info {
            value["fourInfo"] = serde_json::json!({
                "name": fi.name.to_marked_string(),
                "address": fi.address.to_marked_string(),
                "birthDate": fi.birth_date.to_string(),
                "sex": fi.sex.code().to_string(),
            });
        } else if let Some(u) = &login.userinfo {
            // Some of the four were asked for: each one that came back.
            value["userinfo"] = serde_json::json!({
                "name": u.name.as_ref().map(|t| t.to_marked_string()),
                "address": u.address.as_ref().map(|t| t.to_marked_string()),
                "birthDate": u.birth_date.map(|d| d.to_string()),
                "sex": u.sex.map(|x| x.code().to_string()),
            });
        }
        if let Some((signature, signer)) = signed {
            value["signatureBytes"] = serde_json::json!(signature.len());
            value["signer"] = crate::verify_cmd::verified_json(signer);
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return Ok(());
    }
    println!("logged in (ログインしました)");
    println!("  subject:  {}", login.subject());
    println!(
        "  issuer:   {} (ID token {}, checked)",
        login.id_token.iss,
        login.id_token.alg.name()
    );
    if let Some(acr) = &login.id_token.acr {
        println!("  acr:      {acr}");
    }
    if let Some(fi) = &four_info {
        crate::print_four_info("基本4情報 (userinfo)", fi);
    } else if let Some(u) = &login.userinfo {
        println!("userinfo (asked for part of 基本4情報)");
        if let Some(name) = &u.name {
            println!("  氏名:     {name}");
        }
        if let Some(address) = &u.address {
            println!("  住所:     {address}");
        }
        if let Some(date) = &u.birth_date {
            println!("  生年月日: {date}");
        }
        if let Some(sex) = &u.sex {
            println!("  性別:     {}", sex.label_ja());
        }
    }
    if let Some((signature, signer)) = signed {
        println!(
            "signed (署名しました): {} bytes, verified over the document's SHA-256",
            signature.len()
        );
        println!(
            "  署名用電子証明書: {} (serial {})",
            signer.subject, signer.serial_hex
        );
        if let Some(path) = out {
            println!("  signature written to {}", path.display());
        }
    }
    Ok(())
}
