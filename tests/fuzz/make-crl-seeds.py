#!/usr/bin/env python3
"""CRL seeds the cryptography package cannot build directly (issue 18): a v1 CRL (no version
field, RFC 5280 §5.1.2.1) and a stale v2 CRL (nextUpdate long past), both signed by the
committed test 利用者証明用 CA.  Usage: make-crl-seeds.py OUT_DIR  (needs `cryptography`)."""
import datetime as dt
import pathlib
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

PKI = pathlib.Path(__file__).resolve().parent.parent / "virtual-card" / "pki"
OUT = pathlib.Path(sys.argv[1])
UTC = dt.timezone.utc
key = serialization.load_der_private_key((PKI / "auth-ca.key.der").read_bytes(), None)
ca = x509.load_der_x509_certificate((PKI / "auth-ca.crt.der").read_bytes())
revoked = x509.load_der_x509_certificate((PKI / "revoked-auth.crt.der").read_bytes())


def tlv(tag, content):
    n = len(content)
    if n < 128:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def utc(t):
    return tlv(0x17, t.strftime("%y%m%d%H%M%SZ").encode())


def integer(n):
    raw = n.to_bytes((n.bit_length() + 8) // 8, "big")
    return tlv(0x02, raw)


SHA256_RSA = tlv(0x30, bytes.fromhex("06092a864886f70d01010b") + b"\x05\x00")
# v1: TBSCertList without version and without extensions.
entry = tlv(0x30, integer(revoked.serial_number) + utc(dt.datetime(2025, 6, 1, tzinfo=UTC)))
tbs = tlv(0x30, SHA256_RSA + ca.subject.public_bytes() + utc(dt.datetime(2025, 6, 1, tzinfo=UTC))
          + utc(dt.datetime(2045, 12, 1, tzinfo=UTC)) + tlv(0x30, entry))
sig = key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
(OUT / "v1-auth-ca.crl.der").write_bytes(tlv(0x30, tbs + SHA256_RSA + tlv(0x03, b"\x00" + sig)))

stale = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
         .last_update(dt.datetime(2020, 1, 1, tzinfo=UTC))
         .next_update(dt.datetime(2020, 2, 1, tzinfo=UTC))
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
         .add_extension(x509.CRLNumber(1), critical=False)
         .sign(key, hashes.SHA256()))
(OUT / "stale-auth-ca.crl.der").write_bytes(stale.public_bytes(serialization.Encoding.DER))
