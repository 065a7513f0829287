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


def _tlv(data, at):
    """(tag, value, end) of the BER-TLV at `at`: 1- or 2-byte tag, length LL or 81/82 form."""
    tag = data[at]
    at += 1
    if tag & 0x1F == 0x1F:
        tag = (tag << 8) | data[at]
        at += 1
    n = data[at]
    at += 1
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(data[at:at + k], "big")
        at += k
    return tag, data[at:at + n], at + n


def _children(value):
    out, at = {}, 0
    while at < len(value):
        tag, v, end = _tlv(value, at)
        out[tag] = (v, at, end)
        at = end
    return out


def _rsa_key(obj):
    """The card's key object `90 e 91 n` as a pyca RSA public key."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers
    parts = _children(obj)
    e = int.from_bytes(parts[0x90][0], "big")
    n = int.from_bytes(parts[0x91][0], "big")
    return RSAPublicNumbers(e, n).public_key()


def record_ca_key_object():
    """The test PKI's stand-in for the J-LIS key that signs the key records (EF 0004), as the
    card's records write keys: `90 e 91 n`."""
    from cryptography.hazmat.primitives.serialization import load_der_private_key
    with open(os.path.join(PKI, "record-ca.key.der"), "rb") as f:
        numbers = load_der_private_key(f.read(), None).public_key().public_numbers()
    enc = lambda tag, v: bytes([tag]) + (  # noqa: E731
        bytes([len(v)]) if len(v) < 128 else b"\x82" + len(v).to_bytes(2, "big")) + v
    e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    return enc(0x90, e) + enc(0x91, n)


def check_internal_authentication(test, challenge, signature, age_record, key_record):
    """The 券面事項確認AP answer, checked by pyca/cryptography from the raw files alone: EF 0004
    (`7F21 {5F4E, 5F37}`) under the test record CA, EF 0001 (`FF10 {DF11, DF12, DF13}`) DF13
    over the bytes before it under the key EF 0004 certifies, and the answer over `challenge`
    under DF12. Returns whether the answer verified (a forged card's does not)."""
    with open(os.path.join(PKI, "record-ca.key.der"), "rb") as f:
        from cryptography.hazmat.primitives.serialization import load_der_private_key
        record_ca = load_der_private_key(f.read(), None).public_key()
    tag, body, _ = _tlv(key_record, 0)
    test.assertEqual(tag, 0x7F21)
    parts = _children(body)
    certified, sig = parts[0x5F4E][0], parts[0x5F37][0]
    record_ca.verify(sig, certified, padding.PKCS1v15(), hashes.SHA256())
    signer = _rsa_key(certified[32:])
    tag, age, _ = _tlv(age_record, 0)
    test.assertEqual(tag, 0xFF10)
    parts = _children(age)
    df13, start, _ = parts[0xDF13]
    signer.verify(df13, age[:start], padding.PKCS1v15(), hashes.SHA256())
    card_key = _rsa_key(parts[0xDF12][0])
    try:
        card_key.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA256())
        return True
    except InvalidSignature:
        return False
