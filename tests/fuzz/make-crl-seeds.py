#!/usr/bin/env python3
"""CRL seeds the cryptography package cannot build directly (issue 18): a v1 CRL (no version
field, RFC 5280 §5.1.2.1) and a stale v2 CRL (nextUpdate long past), both signed by the
committed test 利用者証明用 CA; delta and issuingDistributionPoint-scoped CRLs.  Usage: make-crl-seeds.py OUT_DIR  (needs `cryptography`)."""
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

# Delta and scoped CRLs (refused by Crl::from_der, each with its reason), and one of end-entity
# certificates only (accepted).
def crl_with(*extensions):
    b = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
         .last_update(dt.datetime(2025, 6, 1, tzinfo=UTC))
         .next_update(dt.datetime(2045, 12, 1, tzinfo=UTC))
         .add_revoked_certificate(x509.RevokedCertificateBuilder()
                                  .serial_number(revoked.serial_number)
                                  .revocation_date(dt.datetime(2025, 6, 1, tzinfo=UTC))
                                  .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                                  .build())
         .add_extension(x509.CRLNumber(7), critical=False))
    for ext, critical in extensions:
        b = b.add_extension(ext, critical=critical)
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def idp(full_name=None, user=False, ca_only=False, reasons=None, indirect=False):
    return x509.IssuingDistributionPoint(
        full_name=full_name, relative_name=None, only_contains_user_certs=user,
        only_contains_ca_certs=ca_only, only_some_reasons=reasons, indirect_crl=indirect,
        only_contains_attribute_certs=False)


(OUT / "delta-auth-ca.crl.der").write_bytes(crl_with((x509.DeltaCRLIndicator(6), True)))
(OUT / "idp-partition-auth-ca.crl.der").write_bytes(crl_with(
    (idp(full_name=[x509.UniformResourceIdentifier("http://crl.example/part1.crl")]), True)))
(OUT / "idp-indirect-auth-ca.crl.der").write_bytes(crl_with((idp(indirect=True), True)))
(OUT / "idp-reasons-auth-ca.crl.der").write_bytes(crl_with(
    (idp(reasons=frozenset([x509.ReasonFlags.key_compromise])), True)))
(OUT / "idp-ca-only-auth-ca.crl.der").write_bytes(crl_with((idp(ca_only=True), True)))
(OUT / "idp-user-only-auth-ca.crl.der").write_bytes(crl_with((idp(user=True), True)))

# Partitioned CRLs (分割CRL): issuingDistributionPoint fullName = municipality A's DirName of
# the test PKI (make.py --partitions), as real 利用者証明用 leaves name one per municipality.
muni_a = x509.load_der_x509_certificate((PKI / "muni-a-revoked-auth.crt.der").read_bytes())
dp_a = muni_a.extensions.get_extension_for_class(x509.CRLDistributionPoints).value[0].full_name
stale_part = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
              .last_update(dt.datetime(2020, 1, 1, tzinfo=UTC))
              .next_update(dt.datetime(2020, 2, 1, tzinfo=UTC))
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
              .add_extension(x509.CRLNumber(1), critical=False)
              .add_extension(idp(full_name=dp_a, user=True), critical=True)
              .sign(key, hashes.SHA256()))
(OUT / "idp-part-a-stale-auth-ca.crl.der").write_bytes(stale_part.public_bytes(serialization.Encoding.DER))
(OUT / "idp-part-a-dirname-auth-ca.crl.der").write_bytes(crl_with((idp(full_name=dp_a), True)))
# Partition named relative to the issuer (nameRelativeToCRLIssuer): refused.
(OUT / "idp-part-relative-auth-ca.crl.der").write_bytes(crl_with((x509.IssuingDistributionPoint(
    full_name=None, relative_name=x509.RelativeDistinguishedName([x509.NameAttribute(
        x509.oid.NameOID.COMMON_NAME, "Tsukuba-shi CRLDP")]),
    only_contains_user_certs=False, only_contains_ca_certs=False, only_some_reasons=None,
    indirect_crl=False, only_contains_attribute_certs=False), True)))
# A complete CRL newer (2025-07-01) than partition A that does not list A's revoked leaf: a
# relying party holding both still answers REVOKED (any current CRL in scope that lists it).
later = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
         .last_update(dt.datetime(2025, 7, 1, tzinfo=UTC))
         .next_update(dt.datetime(2045, 12, 1, tzinfo=UTC))
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
         .add_extension(x509.CRLNumber(2), critical=False)
         .sign(key, hashes.SHA256()))
(OUT / "complete-later-auth-ca.crl.der").write_bytes(later.public_bytes(serialization.Encoding.DER))
