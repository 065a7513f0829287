//! `mynacard`: the My Number Card from a terminal, on a PC/SC reader or the built-in virtual card.
//! PINs come from a no-echo prompt (or one line each on stdin with `--pin-stdin`), never from argv.

mod doctor;
mod error;
mod face_check;
mod login;
mod transport;
mod verify_cmd;

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mynacard_core::card::{Integrity, SurfaceKey};
use mynacard_core::four_info::FourInfo;
use mynacard_core::pdf;
use mynacard_core::verify::{self, TrustAnchors};
use mynacard_core::{
    AssistPin, AuthPin, CardNumberB, CardPin, Error, JpkiCertificate, MynaCard, PinKind, PinState,
    Progress, SignInput, SignPin, UnixTime,
};
use mynacard_virtual_card::Persona;

use error::{Action, CliError};
use mynacard_core::error::UsageError;
use transport::AnyTransport;

#[derive(Parser)]
#[command(
    name = "mynacard",
    version,
    about = "My Number Card (マイナンバーカード) from the command line"
)]
struct Cli {
    /// `pcsc` (first reader with a card) or `pcsc:NAME`.
    #[arg(long, global = true, conflicts_with = "virtual_persona")]
    reader: Option<String>,
    /// Use the built-in virtual card with this persona (taro, hanako, locked, expired, revoked, juki, phone,
    /// the command-form variants jiro, mai, shiro, ken, yuki, and nise, a forged card).
    #[arg(long = "virtual", global = true, value_name = "PERSONA")]
    virtual_persona: Option<String>,
    /// Read PINs from standard input, one per line, instead of a no-echo prompt (for scripts).
    #[arg(long, global = true)]
    pin_stdin: bool,
    /// Print no progress on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The whole flow on the built-in virtual card: certificate, challenge signature, verification, 4情報, tries.
    Demo {
        #[arg(long, default_value = "taro")]
        persona: String,
    },
    /// Show the certificates (利用者証明用 and CA certificates; add --sign for 署名用, which needs its PIN).
    Certs {
        #[arg(long)]
        sign: bool,
        /// Write the certificates as DER files into this folder.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Sign a challenge with the 利用者証明用 key (4-digit PIN) and verify the signature.
    Auth {
        /// Challenge as hex; a random 32-byte one when absent.
        #[arg(long)]
        challenge: Option<String>,
    },
    /// Sign a file's SHA-256 with the 署名用 key (6–16 character PIN).
    Sign {
        file: std::path::PathBuf,
        /// Write the raw signature here.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Read 基本4情報 (4-digit PIN, or 照合番号B with --card-number-b).
    FourInfo {
        #[arg(long)]
        card_number_b: bool,
    },
    /// Read the My Number (個人番号). Needs the 4-digit 券面事項入力補助 PIN.
    MyNumber,
    /// Remaining tries of every PIN, without spending any.
    Tries,
    /// Change a PIN (暗証番号の変更): auth (利用者証明用, 4 digits), sign (署名用, 6–16 of A–Z
    /// and 0–9) or assist (券面事項入力補助用, 4 digits). Asks for the current PIN, the new one
    /// and the new one again (with --pin-stdin: three lines). One try is spent if the current
    /// PIN is wrong.
    ChangePin {
        #[arg(value_parser = ["auth", "sign", "assist"])]
        pin: String,
    },
    /// Read the card face (券面事項確認AP) with 照合番号B and write its images into a folder.
    Face {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// 対面確認 at the 窓口 (PIN-less): with 照合番号B (asked for; 14 digits from the card face)
    /// reads the face data, checks its issuer signature (DF28), the key record EF 0004 against
    /// --issuer-key / --test-pki, and the card's answer to a fresh challenge. Writes photo.png
    /// (decoded from the card's JPEG 2000), face.jp2, name.png, address.png,
    /// security-code.png and check.json into --out. Exit 0 only when every check passed; the
    /// My Number is never read.
    FaceCheck {
        #[arg(long)]
        out: std::path::PathBuf,
        /// Challenge as hex (16–1024 bytes); a random 32-byte one when absent.
        #[arg(long)]
        challenge: Option<String>,
        /// The issuer key of the key record, as a `90 e 91 n` key object file.
        #[arg(long, conflicts_with = "test_pki")]
        issuer_key: Option<std::path::PathBuf>,
        /// Check the key record against the virtual card's test stand-in for J-LIS's key.
        #[arg(long)]
        test_pki: bool,
    },
    /// The card-genuineness check of かざし利用: the 券面事項確認AP internal authentication
    /// (内部認証) with the birth-date PIN (asked for: YYYYMMDD, or YYMMDD with the Japanese era
    /// year). Signs a challenge with the card's own key and checks it against the key the
    /// card's signed EF 0001 names; the key record EF 0004 is checked against --issuer-key
    /// (the J-LIS key, not published) or --test-pki.
    InternalAuth {
        /// Challenge as hex (16–1024 bytes); a random 32-byte one when absent.
        #[arg(long)]
        challenge: Option<String>,
        /// The issuer key of the key record, as a `90 e 91 n` key object file.
        #[arg(long, conflicts_with = "test_pki")]
        issuer_key: Option<std::path::PathBuf>,
        /// Check the key record against the virtual card's test stand-in for J-LIS's key.
        #[arg(long)]
        test_pki: bool,
    },
    /// Sign a file as CMS SignedData (電子申請) with the 署名用 key (6–16 character PIN).
    SignFile {
        file: std::path::PathBuf,
        /// Where to write the DER SignedData (.p7s).
        #[arg(long)]
        out: std::path::PathBuf,
        /// Leave the file out of the SignedData.
        #[arg(long)]
        detached: bool,
    },
    /// Sign a PDF (電子署名付きPDF) with the 署名用 key (6–16 character PIN): an incremental
    /// update with an invisible signature field; the original bytes stay a prefix. A signed
    /// PDF gets one more signature (co-signing).
    SignPdf {
        file: std::path::PathBuf,
        /// Where to write the signed PDF.
        #[arg(long)]
        out: std::path::PathBuf,
        /// moj: 法務省 登記・供託/電子公証 (adbe.pkcs7.detached, RSA-2048 only); pades: PAdES
        /// B-B (ETSI.CAdES.detached).
        #[arg(long, default_value = "moj", value_parser = ["moj", "pades"])]
        profile: String,
        /// RFC 3161 time-stamp authority URL: the signature gets a signature timestamp
        /// (PAdES B-T with --profile pades).
        #[arg(long)]
        tsa: Option<String>,
        /// /Reason (署名の理由).
        #[arg(long)]
        reason: Option<String>,
        /// /Name (署名者名).
        #[arg(long)]
        name: Option<String>,
    },
    /// Verify a certificate, a signature over a file, or a CMS file; JSON on stdout. Needs no card.
    Verify {
        /// Certificate (DER or PEM).
        #[arg(long)]
        cert: Option<std::path::PathBuf>,
        /// Which certificate is expected: auth (利用者証明用) or sign (署名用).
        #[arg(long, default_value = "auth", value_parser = ["auth", "sign"])]
        kind: String,
        /// Raw signature made with the certificate's key (RSA PKCS#1 v1.5, or ECDSA P-384 as
        /// r‖s or DER) …
        #[arg(long, requires = "data")]
        signature: Option<std::path::PathBuf>,
        /// … over this file (hashed with the key's default: SHA-256 for RSA, SHA-384 for P-384).
        #[arg(long, requires = "signature")]
        data: Option<std::path::PathBuf>,
        /// A CMS SignedData (.p7s) to verify instead.
        #[arg(long, conflicts_with_all = ["cert", "signature"])]
        cms: Option<std::path::PathBuf>,
        /// The document of a detached CMS signature.
        #[arg(long, requires = "cms")]
        content: Option<std::path::PathBuf>,
        /// A signed PDF: every signature (ByteRange, CMS, signer, revocation) and the bytes
        /// appended after each.
        #[arg(long, conflicts_with_all = ["cert", "signature", "cms"])]
        pdf: Option<std::path::PathBuf>,
        /// Trusted CA certificate (repeatable); default: the real JPKI CAs.
        #[arg(long = "ca")]
        cas: Vec<std::path::PathBuf>,
        /// Trust the virtual card's test CAs.
        #[arg(long)]
        test_pki: bool,
        /// CRL to check revocation against (repeatable, DER).
        #[arg(long = "crl")]
        crls: Vec<std::path::PathBuf>,
        /// Check at this Unix time instead of now.
        #[arg(long)]
        at: Option<u64>,
        /// Accept RSA keys only (refuse ECDSA P-384 certificates), as services that take
        /// RSA-2048 only must.
        #[arg(long)]
        rsa_only: bool,
    },
    /// Log in through デジタル認証アプリ (or its development stand-in) with a loopback redirect
    /// (RFC 8252): this command is the relying party, the browser carries the resident. With
    /// --virtual PERSONA it plays the resident on the stand-in's login screen too.
    Login {
        /// The provider's issuer (discovery at ISSUER/.well-known/openid-configuration).
        #[arg(long)]
        issuer: String,
        /// The relying party's client_id.
        #[arg(long)]
        client_id: String,
        /// The client's private key for private_key_jwt: PKCS#8 PEM or DER, RSA (RS256) or P-256 (ES256).
        #[arg(long)]
        key: std::path::PathBuf,
        /// The key's `kid` as registered with the provider.
        #[arg(long)]
        key_id: Option<String>,
        /// 基本4情報 to ask for, comma-separated: name,address,birthdate,gender (none: 認証 only).
        #[arg(long, value_delimiter = ',')]
        claims: Vec<String>,
        /// `acr_values` to send (default `aal3 crl`; "" sends none). The ID token's `acr`
        /// must answer it.
        #[arg(long)]
        acr_values: Option<String>,
        /// Use the Keycloak-style endpoint paths under the issuer instead of discovery.
        #[arg(long)]
        no_discovery: bool,
        /// Loopback port of the redirect URI (0: any free port; the provider must accept any
        /// port on loopback, RFC 8252 §7.3).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Path of the redirect URI.
        #[arg(long, default_value = "/callback")]
        path: String,
        /// Seconds to wait for the browser to come back.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        /// Print the key's public JWK Set (what to register with the provider) and exit.
        #[arg(long)]
        print_jwks: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        /// 署名API: have the resident sign this document (its SHA-256) with the 署名用 key
        /// (with --enc-key, or --forward-to).
        #[arg(long)]
        sign: Option<std::path::PathBuf>,
        /// 署名API through a platform operator (PF事業者): the result is encrypted to the
        /// operator's key (registered in the client's JWK Set); write it here, sealed, to forward
        /// to the operator. No certificate is decrypted or kept.
        #[arg(long, requires = "sign", conflicts_with_all = ["enc_key", "out", "test_pki"])]
        forward_to: Option<std::path::PathBuf>,
        /// The relying party's RSA key (PKCS#8) the signature result is encrypted to (with
        /// --print-jwks: its public half is added as `use: enc`).
        #[arg(long)]
        enc_key: Option<std::path::PathBuf>,
        /// The sign-transaction endpoint, when the provider's discovery names none.
        #[arg(long)]
        sign_endpoint: Option<String>,
        /// Trust the virtual card's test CAs for the signer's certificate.
        #[arg(long)]
        test_pki: bool,
        /// Write the signature here.
        #[arg(long, requires = "sign")]
        out: Option<std::path::PathBuf>,
    },
    /// Print the error code table (code, English, Japanese) as TSV, for other faces.
    ErrorCodes,
    /// リーダー診断: every reader PC/SC and the USB bus show, and for each one that cannot be
    /// used the cause and the fix (Japanese, then English). Exit status 0 when a reader can be
    /// used. Presents no PIN.
    Doctor {
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Verify {
        cert,
        kind,
        signature,
        data,
        cms,
        content,
        pdf,
        cas,
        test_pki,
        crls,
        at,
        rsa_only,
    } = &cli.command
    {
        let request = verify_cmd::Request {
            cert: cert.as_deref(),
            kind: if kind == "sign" {
                verify::CertificateKind::Signature
            } else {
                verify::CertificateKind::Authentication
            },
            signature: signature.as_deref(),
            data: data.as_deref(),
            cms: cms.as_deref(),
            content: content.as_deref(),
            pdf: pdf.as_deref(),
            cas,
            test_pki: *test_pki,
            crls,
            at: at.map_or_else(UnixTime::now, UnixTime),
            rsa_only: *rsa_only,
        };
        let (value, code) = match verify_cmd::run(&request) {
            Ok(v) => (v, ExitCode::SUCCESS),
            Err(e) => (verify_cmd::error_json(&e), ExitCode::from(1)),
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return code;
    }
    if let Command::Doctor { json } = &cli.command {
        let findings = pollster::block_on(doctor::findings());
        return doctor::print(&findings, *json);
    }
    let result = if let Command::Login {
        issuer,
        client_id,
        key,
        key_id,
        claims,
        acr_values,
        no_discovery,
        port,
        path,
        timeout,
        print_jwks,
        json,
        sign,
        enc_key,
        forward_to,
        sign_endpoint,
        test_pki,
        out,
    } = &cli.command
    {
        if *print_jwks {
            login::public_jwks(key, key_id.as_deref(), enc_key.as_ref())
                .map(|jwks| println!("{jwks}"))
        } else {
            login::run(&login::Request {
                issuer,
                client_id,
                key,
                key_id: key_id.as_deref(),
                claims,
                acr_values: acr_values.as_deref(),
                discovery: !no_discovery,
                port: *port,
                path,
                timeout: std::time::Duration::from_secs(*timeout),
                virtual_persona: cli.virtual_persona.as_deref(),
                quiet: cli.quiet,
                sign: sign.as_ref().map(|document| login::SignRequest {
                    document,
                    enc_key: enc_key.as_ref(),
                    forward_to: forward_to.as_ref(),
                    endpoint: sign_endpoint.as_deref(),
                    test_pki: *test_pki,
                }),
            })
            .and_then(|done| login::print(&done, *json, out.as_ref()))
        }
    } else {
        pollster::block_on(run(&cli))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {}", e.code(), e.message_en());
            eprintln!("エラー: {}", e.message_ja());
            ExitCode::from(2)
        }
    }
}

struct Secrets {
    from_stdin: bool,
}

impl Secrets {
    fn read(&self, prompt: &str) -> Result<zeroize::Zeroizing<String>, CliError> {
        let line = if self.from_stdin {
            let mut s = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut s)
                .map_err(CliError::io(Action::ReadPin, Path::new("stdin")))?;
            s
        } else {
            // The controlling terminal as usual; a process without one (started by a
            // supervisor, or on a test's pseudo-terminal) whose standard input is a terminal is
            // prompted there, still with no echo.
            use std::io::IsTerminal;
            let config = if cfg!(unix)
                && std::fs::File::open("/dev/tty").is_err()
                && std::io::stdin().is_terminal()
            {
                rpassword::ConfigBuilder::new()
                    .input_file_path("/dev/stdin")
                    .output_file_path("/dev/stderr")
                    .build()
            } else {
                rpassword::ConfigBuilder::new().build()
            };
            rpassword::prompt_password_with_config(prompt, config)
                .map_err(CliError::io(Action::ReadPin, Path::new("terminal")))?
        };
        let mut line = zeroize::Zeroizing::new(line);
        let trimmed = line.trim_end_matches(['\r', '\n']).len();
        line.truncate(trimmed);
        Ok(line)
    }
}

/// An RFC 3161 signature timestamp from `url` added to `cms` (HTTP POST of the core's
/// TimeStampReq, `application/timestamp-query`).
fn timestamp(url: &str, cms: &[u8]) -> Result<Vec<u8>, CliError> {
    let request = pdf::timestamp_request(cms)?;
    let failed = || {
        CliError::from(Error::Usage(UsageError::InvalidArgument {
            what: "the time-stamp authority could not be reached or answered an error",
        }))
    };
    let mut response = mynacard_cli::http::agent()
        .post(url)
        .header("Content-Type", "application/timestamp-query")
        .send(request.der())
        .map_err(|_| failed())?;
    if response.status().as_u16() != 200 {
        return Err(failed());
    }
    let body = response.body_mut().read_to_vec().map_err(|_| failed())?;
    Ok(pdf::add_timestamp(cms, &request, &body)?)
}

async fn open(cli: &Cli) -> Result<MynaCard<AnyTransport>, Error> {
    let transport = transport::open(cli.reader.as_deref(), cli.virtual_persona.as_deref())?;
    let mut card = MynaCard::connect(transport).await?;
    if !cli.quiet {
        card.set_progress(Box::new(print_progress));
    }
    Ok(card)
}

fn print_progress(p: &Progress) {
    let line = match p {
        Progress::Selecting { application } => format!("selecting {application:?}"),
        Progress::CheckingTries { pin } => format!("checking tries of {}", pin.code()),
        Progress::VerifyingPin { pin } => format!("verifying {}", pin.code()),
        Progress::Reading { ef, done, total } => {
            format!("reading EF {ef:04X}: {done}/{total} bytes")
        }
        Progress::Signing => "signing on the card".to_string(),
    };
    eprintln!("  … {line}");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Result<Vec<u8>, Error> {
    let bad = Error::Usage(UsageError::InvalidArgument {
        what: "challenge is not hex",
    });
    if !s.len().is_multiple_of(2) {
        return Err(bad);
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(s.get(i..i + 2).ok_or(bad.clone())?, 16).map_err(|_| bad.clone())
        })
        .collect()
}

fn random_challenge() -> Result<[u8; 32], Error> {
    let mut c = [0u8; 32];
    getrandom::fill(&mut c).map_err(|_| {
        Error::Usage(UsageError::InvalidArgument {
            what: "no system randomness",
        })
    })?;
    Ok(c)
}

fn describe(label: &str, cert: &JpkiCertificate) {
    println!("{label}");
    println!("  subject:  {}", cert.subject());
    println!("  issuer:   {}", cert.issuer());
    println!("  serial:   {}", cert.serial_hex());
    println!(
        "  validity: {} .. {} (UTC)",
        utc_date(cert.not_before()),
        utc_date(cert.not_after())
    );
    println!(
        "  key:      RSA-{}, {} bytes DER",
        cert.key_bits(),
        cert.der().len()
    );
}

/// YYYY-MM-DD of a Unix time (days-from-civil, Howard Hinnant's algorithm).
fn utc_date(t: UnixTime) -> String {
    let (y, m, d, _) = t.utc_civil();
    format!("{y:04}-{m:02}-{d:02}")
}

fn print_four_info(title: &str, fi: &FourInfo) {
    println!("{title}");
    println!(
        "  氏名:     {}{}",
        fi.name,
        if fi.name.has_gaiji() {
            "  (〓 = 外字)"
        } else {
            ""
        }
    );
    println!(
        "  住所:     {}{}",
        fi.address,
        if fi.address.has_gaiji() {
            "  (〓 = 外字)"
        } else {
            ""
        }
    );
    println!("  生年月日: {}", fi.birth_date);
    if fi.sex.is_recognized() {
        println!("  性別:     {}", fi.sex.label_ja());
    } else {
        println!(
            "  性別:     {} (code {:?})",
            fi.sex.label_ja(),
            fi.sex.code()
        );
    }
}

fn print_tries(states: &[(CardPin, PinState)]) {
    println!("remaining tries (残り回数)");
    for (pin, state) in states {
        let s = match state {
            PinState::Remaining(n) => n.to_string(),
            PinState::Locked => "LOCKED (ロック)".to_string(),
            PinState::Verified => "verified in this session".to_string(),
            PinState::Absent => "not on this card".to_string(),
        };
        println!("  {:<24} {s}", pin.code());
    }
}

async fn run(cli: &Cli) -> Result<(), CliError> {
    let secrets = Secrets {
        from_stdin: cli.pin_stdin,
    };
    match &cli.command {
        Command::Demo { persona } => Ok(demo(persona, cli.quiet).await?),
        Command::Verify { .. } | Command::Login { .. } | Command::Doctor { .. } => Ok(()),
        Command::SignFile {
            file,
            out,
            detached,
        } => {
            let data = std::fs::read(file).map_err(CliError::io(Action::Read, file))?;
            let pin = SignPin::new(&secrets.read("署名用電子証明書の暗証番号 (6-16 chars): ")?)?;
            let der = open(cli)
                .await?
                .sign_document(&pin, &data, *detached, UnixTime::now())
                .await?;
            std::fs::write(out, &der).map_err(CliError::io(Action::Write, out))?;
            println!(
                "signed {} ({} bytes of CMS{}) → {}",
                file.display(),
                der.len(),
                if *detached { ", detached" } else { "" },
                out.display()
            );
            Ok(())
        }
        Command::SignPdf {
            file,
            out,
            profile,
            tsa,
            reason,
            name,
        } => {
            let original = std::fs::read(file).map_err(CliError::io(Action::Read, file))?;
            let profile = pdf::Profile::parse(profile).unwrap_or_default();
            let mut options = pdf::SignOptions::new(profile, UnixTime::now());
            options.reason = reason.clone();
            options.name = name.clone();
            // Prepared before the PIN is asked: a broken or encrypted PDF costs no PIN entry.
            let prepared = pdf::prepare(&original, &options)?;
            let pin = SignPin::new(&secrets.read("署名用電子証明書の暗証番号 (6-16 chars): ")?)?;
            let mut cms =
                pdf::sign_with_card(&mut open(cli).await?, &pin, &original, &prepared).await?;
            if let Some(url) = tsa {
                cms = timestamp(url, &cms)?;
            }
            let signed = prepared.finish_file(&original, &cms)?;
            std::fs::write(out, &signed).map_err(CliError::io(Action::Write, out))?;
            println!(
                "signed {} ({} profile, {} bytes of CMS, {} bytes appended) → {}",
                file.display(),
                profile.as_str(),
                cms.len(),
                signed.len() - original.len(),
                out.display()
            );
            Ok(())
        }
        Command::ErrorCodes => {
            for row in mynacard_core::error::ERROR_CODES {
                println!("{}\t{}\t{}", row.code, row.en, row.ja);
            }
            Ok(())
        }
        Command::ChangePin { pin } => {
            let kind =
                PinKind::from_name(pin).ok_or(Error::Usage(UsageError::InvalidArgument {
                    what: "PIN must be auth, sign or assist",
                }))?;
            let rule = kind.rule_ja();
            // Each value is checked as soon as it is typed: a malformed one never reaches the
            // card, and the user is not asked for the rest.
            let current = secrets.read(&format!("現在の{} ({rule}): ", kind.name_ja()))?;
            kind.check(&current)?;
            let new = secrets.read(&format!("新しい{} ({rule}): ", kind.name_ja()))?;
            kind.check(&new)?;
            let again = secrets.read(&format!("新しい{}（確認）: ", kind.name_ja()))?;
            if *again != *new {
                return Err(Error::Usage(UsageError::InvalidArgument {
                    what: "the new PIN and its confirmation differ; nothing was sent to the card",
                })
                .into());
            }
            open(cli).await?.change_pin(kind, &current, &new).await?;
            println!("{}を変更しました。", kind.name_ja());
            println!("The {} was changed.", kind.name_en());
            Ok(())
        }
        Command::Tries => {
            let mut card = open(cli).await?;
            print_tries(&card.all_pin_states().await?);
            Ok(())
        }
        Command::Certs { sign, out } => {
            let mut card = open(cli).await?;
            let mut certs = vec![
                (
                    "利用者証明用電子証明書 (auth)",
                    "auth",
                    card.read_auth_certificate().await?,
                ),
                (
                    "利用者証明用 CA (from the card)",
                    "auth-ca",
                    card.read_auth_ca_certificate().await?,
                ),
                (
                    "署名用 CA (from the card)",
                    "sign-ca",
                    card.read_sign_ca_certificate().await?,
                ),
            ];
            if *sign {
                let pin =
                    SignPin::new(&secrets.read("署名用電子証明書の暗証番号 (6-16 chars): ")?)?;
                certs.push((
                    "署名用電子証明書 (sign)",
                    "sign",
                    card.read_sign_certificate(&pin).await?,
                ));
            }
            for (label, file, cert) in &certs {
                describe(label, cert);
                if let Some(fi) = cert.four_info()? {
                    println!(
                        "  4情報 in certificate: present (use `four-info` to read it from the card)"
                    );
                    let _ = fi;
                }
                if let Some(dir) = out {
                    let path = dir.join(format!("{file}.der"));
                    std::fs::write(&path, cert.der())
                        .map_err(CliError::io(Action::Write, &path))?;
                }
            }
            Ok(())
        }
        Command::Auth { challenge } => {
            let challenge = match challenge {
                Some(h) => unhex(h)?,
                None => random_challenge()?.to_vec(),
            };
            let pin =
                AuthPin::new(&secrets.read("利用者証明用電子証明書の暗証番号 (4 digits): ")?)?;
            let mut card = open(cli).await?;
            let auth = card.authenticate(&pin, SignInput::data(&challenge)).await?;
            verify::verify_signature(
                &auth.certificate,
                SignInput::data(&challenge),
                &auth.signature,
            )?;
            describe("利用者証明用電子証明書", &auth.certificate);
            println!("challenge: {}", hex(&challenge));
            println!("signature: {}", hex(&auth.signature));
            println!("signature verifies with the certificate's key");
            Ok(())
        }
        Command::Sign { file, out } => {
            let data = std::fs::read(file).map_err(CliError::io(Action::Read, file))?;
            let pin = SignPin::new(&secrets.read("署名用電子証明書の暗証番号 (6-16 chars): ")?)?;
            let mut card = open(cli).await?;
            let signed = card.sign(&pin, SignInput::data(&data)).await?;
            verify::verify_signature(
                &signed.certificate,
                SignInput::data(&data),
                &signed.signature,
            )?;
            describe("署名用電子証明書", &signed.certificate);
            println!("signature: {}", hex(&signed.signature));
            if let Some(out) = out {
                std::fs::write(out, &signed.signature).map_err(CliError::io(Action::Write, out))?;
            }
            Ok(())
        }
        Command::FourInfo { card_number_b } => {
            let read = if *card_number_b {
                let b = CardNumberB::new(&secrets.read("照合番号B (14 digits): ")?)?;
                open(cli)
                    .await?
                    .read_four_info_with_card_number_b(&b)
                    .await?
            } else {
                let pin =
                    AssistPin::new(&secrets.read("券面事項入力補助用の暗証番号 (4 digits): ")?)?;
                open(cli).await?.read_four_info(&pin).await?
            };
            match &read.integrity {
                Integrity::Verified(_) => {
                    print_four_info("基本4情報 (integrity hash checked)", &read.four_info)
                }
                Integrity::NotCheckable { reason } => print_four_info(
                    &format!(
                        "基本4情報 (NOT checked: the card's integrity hash could not be read, {})",
                        reason.code()
                    ),
                    &read.four_info,
                ),
            }
            Ok(())
        }
        Command::MyNumber => {
            let pin = AssistPin::new(&secrets.read("券面事項入力補助用の暗証番号 (4 digits): ")?)?;
            let read = open(cli).await?.read_my_number(&pin).await?;
            println!("個人番号: {}", read.my_number.expose());
            Ok(())
        }
        Command::InternalAuth {
            challenge,
            issuer_key,
            test_pki,
        } => {
            let challenge = challenge.as_deref().map(unhex).transpose()?;
            let anchor = issuer_anchor(issuer_key.as_ref(), *test_pki)?;
            let birth = mynacard_core::BirthDatePin::from_text(
                &secrets
                    .read("生年月日 (YYYYMMDD, or YYMMDD in the Japanese era, e.g. 550217): ")?,
            )?;
            let mut card = open(cli).await?;
            let answer = card
                .internal_authentication(&birth, challenge.as_deref())
                .await?;
            println!("challenge: {}", hex(&answer.challenge));
            println!("signature: {}", hex(&answer.signature));
            println!(
                "the card's answer verifies against the card key of its signed 生年月日の記録 (EF 0001)"
            );
            let genuine = answer.verify(anchor.as_ref())?;
            let issuer = genuine.issuer_key_id.as_deref().unwrap_or("?");
            if genuine.key_record_checked {
                println!("key record (EF 0004) signed by the issuer key {issuer}: checked");
            } else {
                println!(
                    "key record (EF 0004) names the issuer key {issuer}: NOT checked (give --issuer-key)"
                );
            }
            if let Some(d) = genuine.birth_date {
                println!("生年月日 (EF 0001): {d}");
            }
            Ok(())
        }
        Command::FaceCheck {
            out,
            challenge,
            issuer_key,
            test_pki,
        } => {
            let challenge = challenge.as_deref().map(unhex).transpose()?;
            let issuer = issuer_anchor(issuer_key.as_ref(), *test_pki)?;
            let b = CardNumberB::new(&secrets.read("照合番号B (14 digits): ")?)?;
            let check = open(cli)
                .await?
                .in_person_check(&b, challenge.as_deref(), issuer.as_ref())
                .await?;
            face_check::write(out, &check)?;
            face_check::print(&check);
            face_check::outcome(&check.authenticity)
        }
        Command::Face { out } => {
            let b = CardNumberB::new(&secrets.read("照合番号B (14 digits): ")?)?;
            let face = open(cli).await?.read_face(SurfaceKey::B(&b)).await?;
            std::fs::create_dir_all(out).map_err(CliError::io(Action::Create, out))?;
            for (name, bytes) in [
                ("name.png", &face.name_image),
                ("address.png", &face.address_image),
                ("face.jp2", &face.face_image),
                ("security-code.png", &face.security_code_image),
            ] {
                {
                    let path = out.join(name);
                    std::fs::write(&path, bytes).map_err(CliError::io(Action::Write, &path))?
                };
            }
            println!("card face written to {}", out.display());
            Ok(())
        }
    }
}

/// The issuer (J-LIS) key that checks a 券面 key record: a `90 e 91 n` file, the virtual card's
/// test stand-in, or none.
fn issuer_anchor(
    path: Option<&std::path::PathBuf>,
    test_pki: bool,
) -> Result<Option<rsa::PublicKey>, CliError> {
    Ok(match (path, test_pki) {
        (Some(path), _) => {
            let object = std::fs::read(path).map_err(CliError::io(Action::Read, path))?;
            Some(mynacard_core::card::issuer_key_from_object(&object)?)
        }
        (None, true) => Some(mynacard_virtual_card::pki::record_ca_key().to_public_key()),
        (None, false) => None,
    })
}

/// The whole flow on the built-in virtual card, with the persona's test PINs.
async fn demo(persona_name: &str, quiet: bool) -> Result<(), Error> {
    let persona =
        Persona::builtin(persona_name).ok_or(Error::Usage(UsageError::InvalidArgument {
            what: "unknown persona",
        }))?;
    let out = std::io::stdout();
    let _ = writeln!(
        out.lock(),
        "mynacard demo: 仮想マイナンバーカード (virtual card, persona `{persona_name}`)\n"
    );
    let transport = transport::open(None, Some(persona_name))?;
    let mut card = MynaCard::connect(transport).await?;
    if !quiet {
        // The demo shows the steps that move data; tries queries and SELECTs stay quiet.
        card.set_progress(Box::new(|p: &Progress| {
            if matches!(
                p,
                Progress::Reading { .. } | Progress::Signing | Progress::VerifyingPin { .. }
            ) {
                print_progress(p);
            }
        }));
    }
    println!("1. connected: the token EF says this is a My Number Card");
    print_tries(&card.all_pin_states().await?);

    let cert = card.read_auth_certificate().await?;
    describe("2. 利用者証明用電子証明書 read without a PIN", &cert);

    let challenge = random_challenge()?;
    let pin = AuthPin::new(&persona.auth_pin)?;
    let signature = card
        .sign_with_auth_key(&pin, SignInput::data(&challenge))
        .await?;
    println!(
        "3. random challenge {} signed on the card ({} bytes)",
        hex(&challenge),
        signature.len()
    );

    verify::verify_signature(&cert, SignInput::data(&challenge), &signature)?;
    let test_ca = JpkiCertificate::from_der(mynacard_virtual_card::pki::auth_ca_der())?;
    let anchors = TrustAnchors::new(vec![test_ca]);
    let anchor = anchors.verify(&cert, UnixTime::now())?;
    println!("4. signature verified with the certificate; certificate chains to the test CA");
    println!("   ({})", anchor.subject());

    let read = card
        .read_four_info(&AssistPin::new(&persona.assist_pin)?)
        .await?;
    print!("5. ");
    print_four_info("基本4情報 (integrity hash checked)", &read.four_info);

    println!("6. after the flow (no try was spent):");
    print_tries(&card.all_pin_states().await?);
    let s = card.stats();
    println!(
        "\n{} APDUs, {} bytes sent, {} bytes received",
        s.apdus, s.bytes_sent, s.bytes_received
    );
    Ok(())
}
