"""The デジタル認証アプリ hand-off through the uniffi bindings (feature `oidc-backend`), from
Python, against the development stand-in provider (tests/oidc-provider/server.mjs on
127.0.0.1): Python is the relying party's backend (HTTP with urllib) and the resident's browser
(cookies, redirects), and the resident signs the login screen's challenge with the virtual
card through a session of the same bindings. Needs Node and OpenSSL (the provider's)."""
import asyncio
import base64
import hashlib
import http.cookiejar
import json
import os
import queue
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from mynacard_mobile import (
    AuthorizeRequest, LoginStep, MynaError, OidcBackend, OidcClientConfig, SignOpenStep, TestCard,
    connect_blocking, oidc_browser_cookie, oidc_callback_state, oidc_clear_cookie,
    oidc_open_sealed_sign,
)
from test_session import BlockingCardTransport

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PROVIDER = os.path.join(ROOT, "tests", "oidc-provider")
REDIRECT = "https://rp.example/callback"
PINS = {"taro": "1234", "hanako": "5678"}
# Every program these tests start ends within this many seconds or fails the test.
DEADLINE = 60


def run(args, **kwargs):
    """A program to completion within DEADLINE (subprocess kills it on expiry and raises)."""
    return subprocess.run(args, timeout=DEADLINE, **kwargs)


def start_provider(env):
    """`node server.mjs 0` in tests/oidc-provider; its first line (the issuer) within DEADLINE,
    or the test fails with what it printed on stderr."""
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(["node", "server.mjs", "0"], cwd=PROVIDER, env=env,
                            stdout=subprocess.PIPE, stderr=log)
    lines = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=DEADLINE)
    except queue.Empty:
        line = b""
    if not line:
        proc.kill()
        proc.wait(timeout=10)
        log.seek(0)
        raise AssertionError(f"`node server.mjs 0` printed no issuer within {DEADLINE} s "
                             f"(exit {proc.returncode}); stderr:\n{log.read().decode(errors='replace')}")
    # Keep draining: a full pipe would block the provider.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, json.loads(line)["issuer"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def openssl_key(*genpkey):
    """A fresh key from `openssl genpkey`, as PKCS#8 DER (how a relying party keeps it)."""
    pem = run(["openssl", "genpkey", *genpkey], check=True, capture_output=True).stdout
    return run(["openssl", "pkcs8", "-topk8", "-nocrypt", "-outform", "DER"],
                          input=pem, check=True, capture_output=True).stdout


class Resident:
    """The resident's browser: follows the provider with cookies; on the login screen the
    virtual card signs the challenge (利用者証明用 key, through the bindings)."""

    def __init__(self, persona):
        self.persona = persona
        self.opener = urllib.request.build_opener(
            NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, request):
        """(status, headers, body); 3xx and 4xx arrive as HTTPError without redirects."""
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as e:
            response = e
        with response:
            return response.status, response.headers, response.read()

    def log_in(self, url):
        origin = url.split("/api/")[0]
        for _ in range(12):
            if url.startswith(REDIRECT):
                return url
            status, headers, body = self.open(
                urllib.request.Request(url, headers={"Accept": "application/json"}))
            if status == 200:
                page = json.loads(body)
                certificate, signature = self.card_signs(base64.b64decode(page["challenge"]))
                body = json.dumps({"certificate": base64.b64encode(certificate).decode(),
                                   "signature": base64.b64encode(signature).decode()}).encode()
                status, headers, body = self.open(urllib.request.Request(
                    origin + page["action"], data=body, method="POST",
                    headers={"Accept": "application/json", "Content-Type": "application/json"}))
                if status == 401:
                    raise AssertionError(json.loads(body))
            assert 300 <= status < 400, f"{status} at {url}"
            location = headers["Location"]
            url = origin + location if location.startswith("/") else location
        raise AssertionError("too many redirects")

    def card_signs(self, challenge):
        async def sign():
            session = await connect_blocking(BlockingCardTransport(TestCard(self.persona)))
            auth = await session.authenticate(PINS[self.persona], challenge)
            return auth.certificate, auth.signature
        return asyncio.run(sign())


def send(request):
    """The backend's HTTP: the core's request as it is; (status, body), or (0, None) when the
    network failed."""
    r = urllib.request.Request(request.url, data=request.body, method=request.method,
                               headers={h.name: h.value for h in request.headers})
    try:
        with urllib.request.build_opener(NoRedirect).open(r, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.status, e.read()
    except OSError:
        return 0, None


def finish(login):
    """Runs the flow's HTTP steps to the end."""
    for _ in range(8):
        status, body = send(login.request(int(time.time())))
        step = login.receive(status, body, int(time.time()))
        if isinstance(step, LoginStep.DONE):
            return step.result
    raise AssertionError("the flow did not end")


class OidcTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.key = openssl_key("-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
        # The key the 署名API result is encrypted to.
        cls.enc_key = openssl_key("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
        jwks = json.loads(cls.backend_for(cls.key, None).public_jwks())
        assert [k["use"] for k in jwks["keys"]] == ["sig", "enc"], jwks
        clients = [{
            "client_id": "RPPY0001",
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "ES256",
            "id_token_signed_response_alg": "ES256",
            "jwks": jwks,
        }]
        # A relying party that signs through a platform operator (PF事業者): the result is
        # encrypted to the operator's key, registered for it; the relying party has none.
        cls.operator_key = openssl_key("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
        operator_jwk = json.loads(
            cls.backend_for(cls.key, None, enc_key=cls.operator_key).public_jwks())["keys"][1]
        clients.append(dict(clients[0], client_id="RPPY0002",
                            jwks={"keys": [jwks["keys"][0], operator_jwk]}))
        env = dict(os.environ, OIDC_DEV_CLIENTS=json.dumps(clients))
        cls.provider, cls.issuer = start_provider(env)
        with urllib.request.urlopen(
                cls.issuer + "/.well-known/openid-configuration", timeout=30) as r:
            discovery = r.read()
        cls.rp = cls.backend_for(cls.key, discovery)
        cls.forwarding_rp = cls.backend_for(cls.key, discovery, client_id="RPPY0002", enc_key=None)

    @classmethod
    def tearDownClass(cls):
        cls.provider.kill()
        cls.provider.wait(timeout=10)

    @classmethod
    def backend_for(cls, key, discovery, client_id="RPPY0001", enc_key=""):
        issuer = getattr(cls, "issuer", "http://127.0.0.1:1/api/realms/main")
        origin = issuer.split("/api/")[0]
        return OidcBackend(OidcClientConfig(
            issuer=issuer, discovery=discovery, client_id=client_id, redirect_uri=REDIRECT,
            key_pkcs8=key, key_id="rp-py", require_callback_iss=False,
            sign_transactions_endpoint=origin + "/api/sign-transactions",
            enc_key_pkcs8=cls.enc_key if enc_key == "" else enc_key))

    def test_sign_forwarded_to_the_operator_in_the_digest_info_mode(self):
        """A relying party that signs through a PF事業者: the DigestInfo mode, the result
        forwarded sealed (no certificate for the relying party), opened and verified by the
        operator; OpenSSL checks it as a standard SHA-256 signature."""
        rp = self.forwarding_rp
        document = "委任状 2026".encode()
        digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(document).digest()
        opening = rp.open_sign_digest_info(digest_info)
        for _ in range(3):
            status, body = send(opening.request(rp, int(time.time())))
            step = opening.receive(rp, status, body)
            if isinstance(step, SignOpenStep.OPENED):
                break
        self.assertIsInstance(step, SignOpenStep.OPENED)
        start = rp.authorize(AuthorizeRequest(
            claims=[], acr_values=None, sign_transaction_id=step.id), int(time.time()))
        login = rp.start(start.pending, start.browser, Resident("hanako").log_in(start.url), int(time.time()))
        finish(login)
        status, body = send(rp.sign_result_request(step.transaction, login))
        with open(os.path.join(ROOT, "tests", "virtual-card", "pki", "sign-ca.crt.der"), "rb") as f:
            sign_ca = f.read()
        with open(os.path.join(ROOT, "tests", "virtual-card", "pki", "hanako-sign.crt.der"), "rb") as f:
            certificate = f.read()
        # The relying party cannot open it: it has no key, and says how to configure one.
        with self.assertRaises(MynaError.Failed) as e:
            rp.finish_sign(step.transaction, status, body, [sign_ca], [], int(time.time()))
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
        sealed = rp.forward_sign(step.transaction, status, body)
        self.assertEqual(sealed.transaction_id, step.id)
        record = json.loads(sealed.sealed)
        self.assertEqual(sorted(record), ["certificate", "signature", "transaction"])
        self.assertNotIn(base64.b64encode(certificate).decode()[:40], sealed.sealed)
        self.assertEqual(record["certificate"].count("."), 4)
        # Another key (the other relying party's) does not open it; the operator's does.
        with self.assertRaises(MynaError.Failed) as e:
            oidc_open_sealed_sign(sealed.sealed, self.enc_key, [sign_ca], [], int(time.time()))
        self.assertEqual(e.exception.code, "JWE_INVALID")
        signed = oidc_open_sealed_sign(sealed.sealed, self.operator_key, [sign_ca], [], int(time.time()))
        self.assertEqual(signed.four_info.name, "佐藤　花子")
        self.assertEqual(signed.certificate, certificate)
        # The DigestInfo mode gives a standard RSASSA-PKCS1-v1_5 signature over the document.
        with tempfile.TemporaryDirectory() as tmp:
            paths = {name: os.path.join(tmp, name) for name in ("doc", "sig", "cert", "pub")}
            for name, data in (("doc", document), ("sig", signed.signature), ("cert", signed.certificate)):
                with open(paths[name], "wb") as f:
                    f.write(data)
            public = run(["openssl", "x509", "-inform", "DER", "-in", paths["cert"], "-pubkey", "-noout"],
                         check=True, capture_output=True).stdout
            with open(paths["pub"], "wb") as f:
                f.write(public)
            standard = run(["openssl", "dgst", "-sha256", "-verify", paths["pub"], "-signature", paths["sig"],
                            paths["doc"]], capture_output=True)
            self.assertEqual(standard.returncode, 0, standard.stdout + standard.stderr)
        # Opened against another transaction's digest: the signature does not verify.
        other = json.loads(sealed.sealed)
        other["transaction"]["digest"] = {"sha256": base64.b64encode(hashlib.sha256(document).digest()).decode()}
        with self.assertRaises(MynaError.Failed) as e:
            oidc_open_sealed_sign(json.dumps(other), self.operator_key, [sign_ca], [], int(time.time()))
        self.assertEqual(e.exception.code, "SIGNATURE_INVALID")

    def authorize(self, claims=()):
        return self.rp.authorize(AuthorizeRequest(
            claims=list(claims), acr_values=None, sign_transaction_id=None), int(time.time()))

    def test_four_info_login(self):
        start = self.authorize(["name", "address", "birthdate", "gender"])
        self.assertIn("code_challenge_method=S256", start.url)
        self.assertNotIn(start.pending, start.url)
        callback = Resident("hanako").log_in(start.url)
        self.assertEqual(oidc_callback_state(callback), start.state)
        result = finish(self.rp.start(start.pending, start.browser, callback, int(time.time())))
        self.assertEqual(result.subject, "hanako")
        self.assertEqual(result.issuer, self.issuer)
        info = result.four_info
        self.assertEqual(info.name, "佐藤　花子")
        self.assertEqual(info.address, "大阪府大阪市北区中之島一丁目三番二〇号")
        self.assertEqual(info.birth_date, "1992-11-03")
        self.assertEqual(info.sex, "2")
        # The login result and its 4情報 print no 4情報; the authorization prints no secret.
        for shown in (str(result), repr(result), repr(info), repr(start), str(start)):
            for secret in ("佐藤", "花子", "大阪", "1992-11-03", start.pending, start.browser):
                self.assertNotIn(secret, shown)

    def test_sign_a_document(self):
        """署名API: open a transaction over the document, the resident authorises it with the
        署名用 key, the result is decrypted and verified; OpenSSL checks the signature too."""
        document = "電子申請書 2026".encode()
        opening = self.rp.open_sign(document)
        for _ in range(3):
            status, body = send(opening.request(self.rp, int(time.time())))
            step = opening.receive(self.rp, status, body)
            if isinstance(step, SignOpenStep.OPENED):
                break
        self.assertIsInstance(step, SignOpenStep.OPENED)
        start = self.rp.authorize(AuthorizeRequest(
            claims=[], acr_values=None, sign_transaction_id=step.id), int(time.time()))
        login = self.rp.start(start.pending, start.browser, Resident("hanako").log_in(start.url), int(time.time()))
        with self.assertRaises(MynaError.Failed):  # not before the login has finished
            self.rp.sign_result_request(step.transaction, login)
        finish(login)
        status, body = send(self.rp.sign_result_request(step.transaction, login))
        with open(os.path.join(ROOT, "tests", "virtual-card", "pki", "sign-ca.crt.der"), "rb") as f:
            sign_ca = f.read()
        signed = self.rp.finish_sign(step.transaction, status, body, [sign_ca], [], int(time.time()))
        self.assertEqual(signed.four_info.name, "佐藤　花子")
        for shown in (str(signed), repr(signed)):
            self.assertNotIn("佐藤", shown)
        self.assertEqual(len(signed.signature), 256)
        with tempfile.TemporaryDirectory() as tmp:
            paths = {name: os.path.join(tmp, name) for name in ("doc", "sig", "cert")}
            for name, data in (("doc", document), ("sig", signed.signature), ("cert", signed.certificate)):
                with open(paths[name], "wb") as f:
                    f.write(data)
            public = run(["openssl", "x509", "-inform", "DER", "-in", paths["cert"],
                                     "-pubkey", "-noout"], check=True, capture_output=True).stdout
            with open(os.path.join(tmp, "pub"), "wb") as f:
                f.write(public)
            # The usual 署名API mode signs the bare SHA-256 (PKCS#1 v1.5, no DigestInfo:
            # docs/oidc.md): OpenSSL checks it as a raw block over the digest, and the standard
            # RSASSA-PKCS1-v1_5 check (with DigestInfo) refuses it.
            with open(os.path.join(tmp, "sha256"), "wb") as f:
                f.write(hashlib.sha256(document).digest())
            check = run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", os.path.join(tmp, "pub"),
                         "-in", os.path.join(tmp, "sha256"), "-sigfile", paths["sig"]],
                        capture_output=True)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            standard = run(["openssl", "dgst", "-sha256", "-verify", os.path.join(tmp, "pub"),
                            "-signature", paths["sig"], paths["doc"]], capture_output=True)
            self.assertNotEqual(standard.returncode, 0, standard.stdout)
        # The result was handed out once: asking again gives a typed error, no signature.
        status, body = send(self.rp.sign_result_request(step.transaction, login))
        with self.assertRaises(MynaError.Failed):
            self.rp.finish_sign(step.transaction, status, body, [sign_ca], [], int(time.time()))
        # A login that authorised nothing cannot fetch a result.
        plain = self.authorize()
        other = self.rp.start(plain.pending, plain.browser, Resident("taro").log_in(plain.url), int(time.time()))
        finish(other)
        with self.assertRaises(MynaError.Failed) as e:
            self.rp.sign_result_request(step.transaction, other)
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")

    def test_authentication_only_has_no_four_info(self):
        start = self.authorize()
        callback = Resident("taro").log_in(start.url)
        result = finish(self.rp.start(start.pending, start.browser, callback, int(time.time())))
        self.assertEqual(result.subject, "taro")
        self.assertIsNone(result.four_info)

    def test_replayed_code_is_refused_by_the_provider(self):
        start = self.authorize()
        callback = Resident("taro").log_in(start.url)
        finish(self.rp.start(start.pending, start.browser, callback, int(time.time())))
        # A backend that kept the pending login after use: the code is spent.
        with self.assertRaises(MynaError.Failed) as e:
            finish(self.rp.start(start.pending, start.browser, callback, int(time.time())))
        self.assertEqual(e.exception.code, "OIDC_ERROR_RESPONSE")

    def test_wrong_state(self):
        start = self.authorize()
        callback = Resident("taro").log_in(start.url)
        other = self.authorize()
        with self.assertRaises(MynaError.Failed) as e:
            self.rp.start(other.pending, other.browser, callback, int(time.time()))
        self.assertEqual(e.exception.code, "OIDC_STATE_MISMATCH")

    def test_a_login_completes_only_in_the_browser_that_started_it(self):
        # Login CSRF: the attacker's callback, followed in the victim's browser (which sends
        # its own login cookie), is refused.
        attacker = self.authorize()
        attackers_callback = Resident("taro").log_in(attacker.url)
        victim = self.authorize()
        victim_cookie = victim.set_cookie.split(";")[0]
        self.assertEqual(victim.set_cookie,
                         f"__Host-mynacard-login={victim.browser}; Path=/; Max-Age=600; "
                         "HttpOnly; Secure; SameSite=Lax")
        self.assertNotIn(victim.browser, victim.pending)
        with self.assertRaises(MynaError.Failed) as e:
            self.rp.start(attacker.pending, oidc_browser_cookie(victim_cookie),
                          attackers_callback, int(time.time()))
        self.assertEqual(e.exception.code, "BROWSER_MISMATCH")
        # The victim's callback used from another browser: no cookie, or another one.
        victims_callback = Resident("hanako").log_in(victim.url)
        self.assertIsNone(oidc_browser_cookie("theme=dark"))
        for browser in (None, attacker.browser):
            with self.assertRaises(MynaError.Failed) as e:
                self.rp.start(victim.pending, browser, victims_callback, int(time.time()))
            self.assertEqual(e.exception.code, "BROWSER_MISMATCH")
        # The right browser logs in.
        result = finish(self.rp.start(victim.pending,
                                      oidc_browser_cookie(f"a=1; {victim_cookie}"),
                                      victims_callback, int(time.time())))
        self.assertEqual(result.subject, "hanako")
        self.assertEqual(result.acr, "aal3")
        self.assertIn("acr_values=aal3+crl", victim.url)
        self.assertTrue(oidc_clear_cookie().startswith("__Host-mynacard-login=; Path=/; Max-Age=0;"))

    def test_cleartext_or_disguised_sign_endpoint_is_refused(self):
        for endpoint in ("http://localhost:@evil.example/api/sign-transactions",
                         "http://sign.example/api/sign-transactions"):
            with self.assertRaises(MynaError.Failed) as e:
                OidcBackend(OidcClientConfig(
                    issuer=self.issuer, discovery=None, client_id="RPPY0001",
                    redirect_uri=REDIRECT, key_pkcs8=self.key, key_id="rp-py",
                    require_callback_iss=False, sign_transactions_endpoint=endpoint,
                    enc_key_pkcs8=None))
            self.assertEqual(e.exception.code, "INVALID_ARGUMENT", endpoint)

    def test_expired_pending_login(self):
        start = self.authorize()
        callback = Resident("taro").log_in(start.url)
        with self.assertRaises(MynaError.Failed) as e:
            self.rp.start(start.pending, start.browser, callback, int(time.time()) + 3600)
        self.assertEqual(e.exception.code, "LOGIN_EXPIRED")

    def test_network_failure_mid_flow_ends_the_login(self):
        start = self.authorize(["name"])
        callback = Resident("hanako").log_in(start.url)
        login = self.rp.start(start.pending, start.browser, callback, int(time.time()))
        login.request(int(time.time()))
        with self.assertRaises(MynaError.Failed) as e:
            login.receive(0, None, int(time.time()))
        self.assertEqual(e.exception.code, "OIDC_NETWORK")
        with self.assertRaises(MynaError.Failed) as e:
            login.request(int(time.time()))
        self.assertEqual(e.exception.code, "OUT_OF_ORDER")

    def test_bad_configuration(self):
        for key, claims in [(b"not a key", []), (self.key, ["my_number"])]:
            with self.assertRaises(MynaError.Failed) as e:
                rp = self.backend_for(key, None)
                rp.authorize(AuthorizeRequest(claims=claims, acr_values=None,
                                              sign_transaction_id=None), int(time.time()))
            self.assertEqual(e.exception.code, "INVALID_ARGUMENT")


if __name__ == "__main__":
    unittest.main()
