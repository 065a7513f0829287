//! OpenSSL's OCSP responder for the test 利用者証明用 CA (`openssl ocsp`, offline with
//! `-reqin` or serving one request on a port), shared by the verification tests. Every
//! openssl run is under a deadline ([`harness::run_ok`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use mynacard_core::JpkiCertificate;
use mynacard_virtual_card::pki;

/// The responder's files: the CA, its key, an index (taro good, revoked revoked, hanako
/// absent) and a delegated responder certificate with id-kp-OCSPSigning. Removed on drop.
pub struct Responder {
    /// Where the files are.
    pub dir: PathBuf,
    /// `-rmd`: the digest of the response signature, when not openssl's default.
    digest: Option<&'static str>,
}

/// How the responder answers.
#[derive(Clone, Copy)]
pub struct Answer {
    /// Signed by the delegated responder instead of the CA.
    pub delegated: bool,
    /// nextUpdate this many days after thisUpdate; `None`: a response without nextUpdate.
    pub next_update_days: Option<u32>,
    /// Whether the signer's certificate goes into the response.
    pub with_certs: bool,
}

/// openssl under a deadline; panics with its output on failure.
fn run(cmd: &mut Command) -> String {
    harness::run_ok(cmd, None, harness::SHORT).unwrap().text()
}

fn persona_auth(id: &str) -> JpkiCertificate {
    JpkiCertificate::from_der(pki::persona(id).unwrap().auth_cert).unwrap()
}

impl Responder {
    /// The files in a fresh folder named after `tag`.
    pub fn new(tag: &str) -> Responder {
        Responder::for_ca(
            tag,
            "auth-ca",
            [persona_auth("taro"), persona_auth("revoked")],
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        )
    }

    /// The same for the P-384 利用者証明用 CA (`make.py --p384`): `p384` good,
    /// `p384-revoked-auth` revoked, a delegated responder with a P-384 key;
    /// responses signed ecdsa-with-SHA384 (`-rmd sha384`).
    pub fn p384(tag: &str) -> Responder {
        let revoked = JpkiCertificate::from_der(pki::extra_cert("p384-revoked-auth").unwrap());
        let mut r = Responder::for_ca(
            tag,
            "p384-auth-ca",
            [persona_auth("p384"), revoked.unwrap()],
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        );
        r.digest = Some("sha384");
        r
    }

    /// `ca` (a stem in the test PKI) answering for `good` and `revoked`; the delegated
    /// responder's key made by `openssl genpkey <key_args>`.
    fn for_ca(
        tag: &str,
        ca: &str,
        [good, revoked]: [JpkiCertificate; 2],
        key_args: &[&str],
    ) -> Responder {
        let dir = std::env::temp_dir().join(format!("mynacard-ocsp-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pki_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../virtual-card/pki");
        run(Command::new("openssl")
            .args(["x509", "-inform", "DER", "-in"])
            .arg(pki_dir.join(format!("{ca}.crt.der")))
            .arg("-out")
            .arg(dir.join("ca.pem")));
        run(Command::new("openssl")
            .args(["pkey", "-inform", "DER", "-in"])
            .arg(pki_dir.join(format!("{ca}.key.der")))
            .arg("-out")
            .arg(dir.join("ca.key")));
        let serial = |c: JpkiCertificate| c.serial_hex().to_uppercase();
        let index = format!(
            "V\t300101000000Z\t\t{}\tunknown\t/C=JP/CN=taro\nR\t300101000000Z\t250601000000Z,keyCompromise\t{}\tunknown\t/C=JP/CN=revoked\n",
            serial(good),
            serial(revoked)
        );
        std::fs::write(dir.join("index.txt"), index).unwrap();
        // A delegated responder: its own key, a certificate from the CA with id-kp-OCSPSigning.
        run(Command::new("openssl")
            .arg("genpkey")
            .args(key_args)
            .arg("-out")
            .arg(dir.join("r.key")));
        run(Command::new("openssl")
            .args([
                "req",
                "-new",
                "-subj",
                "/C=JP/O=JPKI TEST/CN=OCSP responder",
                "-key",
            ])
            .arg(dir.join("r.key"))
            .arg("-out")
            .arg(dir.join("r.csr")));
        std::fs::write(
            dir.join("r.ext"),
            "extendedKeyUsage=OCSPSigning\nkeyUsage=critical,digitalSignature\n",
        )
        .unwrap();
        run(Command::new("openssl")
            .args([
                "x509",
                "-req",
                "-days",
                "7300",
                "-set_serial",
                "4242",
                "-in",
            ])
            .arg(dir.join("r.csr"))
            .arg("-CA")
            .arg(dir.join("ca.pem"))
            .arg("-CAkey")
            .arg(dir.join("ca.key"))
            .arg("-extfile")
            .arg(dir.join("r.ext"))
            .arg("-out")
            .arg(dir.join("r.pem")));
        Responder { dir, digest: None }
    }

    /// `openssl ocsp` with this responder's index, CA and signer (the CA or the delegated
    /// responder); the caller adds how it takes requests.
    pub fn command(&self, delegated: bool) -> Command {
        let d = &self.dir;
        let (signer, key) = if delegated {
            ("r.pem", "r.key")
        } else {
            ("ca.pem", "ca.key")
        };
        let mut cmd = Command::new("openssl");
        cmd.args(["ocsp", "-index"])
            .arg(d.join("index.txt"))
            .arg("-CA")
            .arg(d.join("ca.pem"))
            .arg("-rsigner")
            .arg(d.join(signer))
            .arg("-rkey")
            .arg(d.join(key));
        if let Some(md) = self.digest {
            cmd.args(["-rmd", md]);
        }
        cmd
    }

    /// The answer to `request` (offline: `openssl ocsp -reqin`).
    pub fn answer_with(&self, request: &[u8], how: Answer) -> Vec<u8> {
        let d = &self.dir;
        std::fs::write(d.join("req.der"), request).unwrap();
        let mut cmd = self.command(how.delegated);
        cmd.arg("-reqin")
            .arg(d.join("req.der"))
            .arg("-respout")
            .arg(d.join("resp.der"));
        if let Some(days) = how.next_update_days {
            cmd.args(["-ndays", &days.to_string()]);
        }
        if !how.with_certs {
            cmd.arg("-resp_no_certs");
        }
        run(&mut cmd);
        std::fs::read(d.join("resp.der")).unwrap()
    }

    /// The answer to `request`, signed by the CA or by the delegated responder, valid a day;
    /// without certificates when the CA signs (the response then ends with the signature,
    /// which the tests flip).
    pub fn answer(&self, request: &[u8], delegated: bool) -> Vec<u8> {
        self.answer_with(
            request,
            Answer {
                delegated,
                next_update_days: Some(1),
                with_certs: delegated,
            },
        )
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
