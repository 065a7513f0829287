"""Independent checks of the card's bytes as the uniffi face hands them out (issue 23.3): the
signatures with pyca/cryptography against the certificate the session returned (and that
certificate against the test CA), the CMS with `openssl cms -verify`. Neither shares code with
the SDK's Rust verifiers, so an SDK that returned a wrong signature would fail here."""
import os
import subprocess
import tempfile

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PKI = os.path.join(ROOT, "tests", "virtual-card", "pki")
# Every openssl run ends within this (tests never hang: docs/testing.md).
OPENSSL_SECONDS = 30


def ca(name):
    """The test PKI's root (`auth` for 利用者証明用, `sign` for 署名用)."""
    with open(os.path.join(PKI, f"{name}-ca.crt.der"), "rb") as f:
        return x509.load_der_x509_certificate(f.read())


def flipped(data, at=None):
    """`data` with one bit of one byte changed (the middle byte unless told)."""
    at = len(data) // 2 if at is None else at
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def check_signature(test, certificate_der, data, signature, ca_name):
    """RSASSA-PKCS1-v1_5 with SHA-256 over `data` (what the face's SignInput::data signs),
    under the key of `certificate_der`, which the `ca_name` test CA issued; the same signature
    with one byte flipped, and the same over other data, are refused."""
    certificate = x509.load_der_x509_certificate(certificate_der)
    certificate.verify_directly_issued_by(ca(ca_name))
    key = certificate.public_key()
    key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    with test.assertRaises(InvalidSignature):
        key.verify(flipped(signature), data, padding.PKCS1v15(), hashes.SHA256())
    with test.assertRaises(InvalidSignature):
        key.verify(signature, data + b"!", padding.PKCS1v15(), hashes.SHA256())
    return certificate


def openssl_cms_verify(cms, content=None, ca_name="sign"):
    """`openssl cms -verify` of DER `cms` against the test CA (with the detached `content`
    when given): (succeeded, the content OpenSSL recovered, the signer's certificate DER,
    OpenSSL's output)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = lambda name: os.path.join(tmp, name)  # noqa: E731
        with open(path("ca.pem"), "wb") as f:
            f.write(ca(ca_name).public_bytes(Encoding.PEM))
        with open(path("in.p7s"), "wb") as f:
            f.write(cms)
        # -purpose any: the 署名用 key usage is nonRepudiation only (as in
        # tests/integration/tests/signed_documents.rs); the check is the signature and chain.
        args = ["openssl", "cms", "-verify", "-inform", "DER", "-in", path("in.p7s"), "-binary",
                "-CAfile", path("ca.pem"), "-purpose", "any", "-out", path("out"),
                "-signer", path("signer.pem")]
        if content is not None:
            with open(path("content"), "wb") as f:
                f.write(content)
            args += ["-content", path("content")]
        r = subprocess.run(args, capture_output=True, timeout=OPENSSL_SECONDS)
        said = (r.stdout + r.stderr).decode(errors="replace")
        if r.returncode != 0:
            return False, None, None, said
        with open(path("out"), "rb") as f:
            out = f.read()
        with open(path("signer.pem"), "rb") as f:
            signer = x509.load_pem_x509_certificate(f.read()).public_bytes(Encoding.DER)
        return True, out, signer, said
