#!/usr/bin/env python3
"""Makes the virtual card's test PKI. Outputs are committed; RSA key generation is random, so a
re-run changes every key and certificate (tests rely only on structure, never on key bytes).

  auth-ca, sign-ca            self-signed roots modelled on the real JPKI CAs (shared/spec/jpki-ca)
  <persona>-auth              利用者証明用電子証明書 and key (no personal data in the certificate)
  <persona>-sign              署名用電子証明書 and key (基本4情報 in subjectAltName otherNames)
  auth-ca.crl, sign-ca.crl    CRLs listing the `revoked` persona's certificates
  assist-signer, surface-signer  keys that sign the 入力補助AP hashes and the 券面AP data
  surface-card                the 券面事項確認AP's own card key (DF24, DF12, DF42)
  record-ca                   issues the key records (EF 0004) of both 券面 APs
  extras (below)              a second generation of the 利用者証明用 CA with the same DN (as the
                              real 2015 and 2023 CAs have), leaves of the wrong CA, a nested seed

  partitions (below)          partitioned CRLs (分割CRL) per municipality and their leaves

  p384 (below)                the modelled next card generation: ECDSA P-384 / SHA-384 CAs and
                              leaves (the Digital Agency's task force, 2024-03-18; no card
                              specification is public, see docs/card-notes.md)

Usage: python3 tests/virtual-card/pki/make.py            (needs the `cryptography` package)
       python3 tests/virtual-card/pki/make.py --extras   only the extras, from the committed CAs
       python3 tests/virtual-card/pki/make.py --p384     only the P-384 files (new CAs, leaves)
       python3 tests/virtual-card/pki/make.py --partitions  only the partitioned CRLs and their
                                                          leaves, from the committed CA
"""
import datetime as dt
import os
import pathlib
import tomllib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

HERE = pathlib.Path(__file__).resolve().parent
PERSONAS = tomllib.loads((HERE.parent / "personas.toml").read_text(encoding="utf-8"))
UTC = dt.timezone.utc

# JPKI OIDs (J-LIS arc 1.2.392.200149.8.5): certificate policies as commonly cited by relying
# parties (利用者証明用 .1.3.30, 署名用 .1.1.10; unconfirmed against J-LIS's CP/CPS), and the
# 署名用 4情報 otherNames .5.5.1-.6 (card.md §8).
POLICY_AUTH = x509.ObjectIdentifier("1.2.392.200149.8.5.1.3.30")
POLICY_SIGN = x509.ObjectIdentifier("1.2.392.200149.8.5.1.1.10")
FOUR_INFO = "1.2.392.200149.8.5.5."
# Sizes of the certificates on the recorded JPKI test card (card-evidence §3).
TARGET = {"auth": 1590, "sign": 1758}


# Set by --p384: keys are ECDSA P-384 and signatures ecdsa-with-SHA384.
P384 = False


def new_key(name):
    if P384:
        key = ec.generate_private_key(ec.SECP384R1())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    (HERE / f"{name}.key.der").write_bytes(der)
    return key


def sig_hash():
    return hashes.SHA384() if P384 else hashes.SHA256()


def name(*rdns):
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in rdns])


def utf8(value: str) -> bytes:
    """DER UTF8String."""
    raw = value.encode("utf-8")
    n = len(raw)
    length = bytes([n]) if n < 128 else bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 0xFF])
    return b"\x0c" + length + raw


def ca(stem, ou, note="mynacard test PKI, not J-LIS"):
    key = new_key(stem)
    subject = name((NameOID.COUNTRY_NAME, "JP"), (NameOID.ORGANIZATION_NAME, "JPKI TEST"),
                   (NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
                   (NameOID.ORGANIZATIONAL_UNIT_NAME, note))
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=UTC))
            .not_valid_after(dt.datetime(2045, 12, 31, 23, 59, 59, tzinfo=UTC))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, sig_hash()))
    (HERE / f"{stem}.crt.der").write_bytes(cert.public_bytes(serialization.Encoding.DER))
    return key, cert


def leaf(pid, p, kind, ca_key, ca_cert, crl_dn=None):
    key = new_key(f"{pid}-{kind}")
    ident = os.urandom(12).hex().upper()
    if kind == "auth":
        subject = name((NameOID.COUNTRY_NAME, "JP"), (NameOID.COMMON_NAME, ident))
    else:
        subject = name((NameOID.COUNTRY_NAME, "JP"), (NameOID.LOCALITY_NAME, "TEST Prefecture"),
                       (NameOID.LOCALITY_NAME, "TEST City"), (NameOID.COMMON_NAME, ident))
    expired = pid == "expired"
    nb = dt.datetime(2019 if expired else 2025, 1, 1, tzinfo=UTC)
    na = dt.datetime(2024 if expired else 2030, 1, 1, tzinfo=UTC)
    ou = "JPKI for user authentication" if kind == "auth" else "JPKI for digital signature"
    crl_dn = crl_dn or name((NameOID.COUNTRY_NAME, "JP"), (NameOID.ORGANIZATION_NAME, "JPKI TEST"),
                            (NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
                            (NameOID.ORGANIZATIONAL_UNIT_NAME, "CRL Distribution Points"),
                            (NameOID.COMMON_NAME, f"CRL{int.from_bytes(os.urandom(1), 'big'):03d}"))

    def build(notices):
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(nb).not_valid_after(na)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
             .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
             .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
                 POLICY_AUTH if kind == "auth" else POLICY_SIGN,
                 [f"http://127.0.0.1:8888/cps/{kind}"] + [x509.UserNotice(None, n) for n in notices])]),
                 critical=True)
             .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                 [x509.DirectoryName(crl_dn)], None, None, None)]), critical=False)
             .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                 x509.oid.AuthorityInformationAccessOID.OCSP,
                 x509.UniformResourceIdentifier(f"http://127.0.0.1:8888/ocsp/{kind}"))]), critical=False))
        if kind == "auth":
            b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        else:
            b = b.add_extension(x509.KeyUsage(False, True, False, False, False, False, False, False, False), critical=True)
            birth = p["birth"].replace("-", "")
            sex = {"male": "1", "female": "2", "not_applicable": "9"}[p["sex"]]
            entries = [("1", p["cert_name"]), ("3", sex), ("4", birth), ("5", p["cert_address"])]
            if pid == "taro":
                # 代替文字 used for the 外字 of the name and the address.
                entries += [("2", "吉"), ("6", "〓")]
            b = b.add_extension(x509.SubjectAlternativeName([
                x509.OtherName(x509.ObjectIdentifier(FOUR_INFO + n), utf8(v)) for n, v in sorted(entries)]),
                critical=False)
        return b.sign(ca_key, sig_hash())

    base = "TEST CERTIFICATE of the mynacard virtual My Number Card; not issued by J-LIS."
    cert = build([base])
    # Size the certificate like those on the recorded test card with notice text (an explicit
    # text is at most 200 characters; a second notice takes the rest).
    # P-384 leaves: no recorded size exists, so they keep their natural size.
    extra = 0 if P384 else TARGET[kind] - len(cert.public_bytes(serialization.Encoding.DER))
    if extra > 0:
        first = min(extra, 200 - len(base))
        notices = [base + "." * first]
        rest = extra - first - 4  # a second UserNotice costs 4 bytes of headers
        if rest > 0:
            notices.append("." * min(rest, 200))
        cert = build(notices)
        for _ in range(3):  # length-of-length steps: converge on the exact size
            diff = len(cert.public_bytes(serialization.Encoding.DER)) - TARGET[kind]
            if diff == 0 or len(notices[-1]) <= diff:
                break
            notices[-1] = notices[-1][: len(notices[-1]) - diff]
            cert = build(notices)
    (HERE / f"{pid}-{kind}.crt.der").write_bytes(cert.public_bytes(serialization.Encoding.DER))
    return cert


def crl(stem, ca_key, ca_cert, revoked, idp=None):
    now = dt.datetime(2025, 6, 1, tzinfo=UTC)
    b = (x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject)
         .last_update(now).next_update(dt.datetime(2045, 12, 1, tzinfo=UTC))
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
         .add_extension(x509.CRLNumber(1), critical=False))
    if idp is not None:
        # RFC 5280 §5.2.5: a CRL's scope, critical.
        b = b.add_extension(idp, critical=True)
    for cert in revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(now)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False).build())
    (HERE / f"{stem}.crl.der").write_bytes(b.sign(ca_key, sig_hash()).public_bytes(serialization.Encoding.DER))


def load_ca(stem):
    key = serialization.load_der_private_key((HERE / f"{stem}.key.der").read_bytes(), None)
    return key, x509.load_der_x509_certificate((HERE / f"{stem}.crt.der").read_bytes())


def extras():
    """Files added for issue 18, made from the committed CAs without touching them.

    auth-ca-g2 (+ .key, .crl)   a second 利用者証明用 CA: the subject DN of auth-ca, another key
                                (the real JPKI CAs of 2015 and 2023 share one DN); its CRL lists
                                g2-revoked
    g2-good-auth, g2-revoked-auth  leaves issued by auth-ca-g2
    cross-auth                  a 利用者証明用-profile leaf (keyUsage digitalSignature) issued by
                                the 署名用 CA, and cross-sign (nonRepudiation, 4情報) by the
                                利用者証明用 CA: the kind must follow the issuing CA
    deep-nesting-sign.crt.der   a 署名用-profile leaf whose 4情報 name is nested 2000 levels deep
                                (fuzz seed, tests/fuzz/corpus/certificate)
    """
    auth_ca, sign_ca = load_ca("auth-ca"), load_ca("sign-ca")
    key = new_key("auth-ca-g2")
    subject = auth_ca[1].subject
    g2 = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
          .public_key(key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(dt.datetime(2024, 1, 1, tzinfo=UTC))
          .not_valid_after(dt.datetime(2045, 12, 31, 23, 59, 59, tzinfo=UTC))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
          .sign(key, hashes.SHA256()))
    (HERE / "auth-ca-g2.crt.der").write_bytes(g2.public_bytes(serialization.Encoding.DER))
    g2_ca = (key, g2)
    leaf("g2-good", {}, "auth", *g2_ca)
    crl("auth-ca-g2", *g2_ca, [leaf("g2-revoked", {}, "auth", *g2_ca)])
    leaf("cross", {}, "auth", *sign_ca)
    leaf("cross", PERSONAS["hanako"], "sign", *auth_ca)
    # 2000 levels of SET / SEQUENCE around the UTF8String of the name.
    value = utf8(PERSONAS["hanako"]["cert_name"])
    for depth in range(2000):
        value = der_tlv(0x30 if depth % 2 else 0x31, value)
    deep_key = new_key("deep-nesting-sign")
    deep = (x509.CertificateBuilder()
            .subject_name(name((NameOID.COUNTRY_NAME, "JP"), (NameOID.COMMON_NAME, "DEEP")))
            .issuer_name(sign_ca[1].subject).public_key(deep_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(dt.datetime(2025, 1, 1, tzinfo=UTC))
            .not_valid_after(dt.datetime(2030, 1, 1, tzinfo=UTC))
            .add_extension(x509.KeyUsage(False, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.SubjectAlternativeName([
                x509.OtherName(x509.ObjectIdentifier(FOUR_INFO + "1"), value)]), critical=False)
            .sign(sign_ca[0], hashes.SHA256()))
    (HERE / "deep-nesting-sign.crt.der").write_bytes(deep.public_bytes(serialization.Encoding.DER))
    (HERE / "deep-nesting-sign.key.der").unlink()


def der_tlv(tag, content):
    n = len(content)
    if n < 128:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def p384():
    """The modelled P-384 generation (issue 18), new files only; the RSA files stay.

    p384-auth-ca, p384-sign-ca (+ .key, .crl)  ECDSA P-384 roots signed ecdsa-with-SHA384, named
                                like the RSA test CAs with a third OU (the real next-generation
                                names are not public); CRLs list p384-revoked
    p384-auth, p384-sign        the `p384` persona's leaves (keys PKCS#8 EC)
    p384-revoked-auth, -sign    leaves listed in the CRLs
    """
    global P384
    P384 = True
    note = "mynacard test PKI P-384, not J-LIS"
    auth_ca = ca("p384-auth-ca", "JPKI for user authentication", note)
    sign_ca = ca("p384-sign-ca", "JPKI for digital signature", note)
    person = PERSONAS["p384"]
    revoked = {}
    for kind, (k, c) in (("auth", auth_ca), ("sign", sign_ca)):
        leaf("p384", person, kind, k, c)
        revoked[kind] = leaf("p384-revoked", person, kind, k, c)
    crl("p384-auth-ca", *auth_ca, [revoked["auth"]])
    crl("p384-sign-ca", *sign_ca, [revoked["sign"]])


def municipality_dp(pref, city):
    """A cRLDistributionPoint DirName per municipality, modelled on real 利用者証明用 leaves
    (2019, 2020, 2023; docs/verification.md "Partitioned CRLs"): `C=JP, O=JPKI, OU=JPKI for
    user authentication, OU=CRL Distribution Points, OU=<prefecture>, CN=<city> CRLDP`, with
    `O=JPKI TEST`."""
    return name((NameOID.COUNTRY_NAME, "JP"), (NameOID.ORGANIZATION_NAME, "JPKI TEST"),
                (NameOID.ORGANIZATIONAL_UNIT_NAME, "JPKI for user authentication"),
                (NameOID.ORGANIZATIONAL_UNIT_NAME, "CRL Distribution Points"),
                (NameOID.ORGANIZATIONAL_UNIT_NAME, pref), (NameOID.COMMON_NAME, f"{city} CRLDP"))


def partitions():
    """Partitioned CRLs (分割CRL, issue 18), from the committed 利用者証明用 CA, new files only.

    muni-a-{good,revoked}-auth  leaves whose cRLDistributionPoint is municipality A's DirName
                                (OU=Kanagawa-ken, CN=Yokohama-shi-Naka-ku CRLDP)
    muni-b-{good,revoked}-auth  the same for municipality B (OU=Ibaraki-ken, CN=Tsukuba-shi CRLDP)
    auth-ca-part-a.crl.der      partition A: critical issuingDistributionPoint fullName = A's
                                DirName, onlyContainsUserCerts; lists muni-a-revoked
    auth-ca-part-b.crl.der      partition B: fullName = B's DirName; lists muni-b-revoked
    auth-ca-part-x.crl.der      a partition naming a third municipality (OU=Kanagawa-ken,
                                CN=Yokohama-shi-Kohoku-ku CRLDP), listing nothing: it must never
                                answer for A or B
    """
    key, ca_cert = load_ca("auth-ca")
    dp_a = municipality_dp("Kanagawa-ken", "Yokohama-shi-Naka-ku")
    dp_b = municipality_dp("Ibaraki-ken", "Tsukuba-shi")
    dp_x = municipality_dp("Kanagawa-ken", "Yokohama-shi-Kohoku-ku")
    revoked = {}
    for muni, dp in (("a", dp_a), ("b", dp_b)):
        leaf(f"muni-{muni}-good", {}, "auth", key, ca_cert, crl_dn=dp)
        revoked[muni] = leaf(f"muni-{muni}-revoked", {}, "auth", key, ca_cert, crl_dn=dp)

    def idp(dp, user):
        return x509.IssuingDistributionPoint(
            full_name=[x509.DirectoryName(dp)], relative_name=None, only_contains_user_certs=user,
            only_contains_ca_certs=False, only_some_reasons=None, indirect_crl=False,
            only_contains_attribute_certs=False)

    crl("auth-ca-part-a", key, ca_cert, [revoked["a"]], idp(dp_a, True))
    crl("auth-ca-part-b", key, ca_cert, [revoked["b"]], idp(dp_b, False))
    crl("auth-ca-part-x", key, ca_cert, [], idp(dp_x, True))


def write_sizes():
    sizes = "\n".join(f"{f.stat().st_size}\t{f.name}" for f in sorted(HERE.glob("*.der")))
    (HERE / "sizes.txt").write_text(sizes + "\n")
    print(sizes)


def main():
    auth_ca = ca("auth-ca", "JPKI for user authentication")
    sign_ca = ca("sign-ca", "JPKI for digital signature")
    revoked = {"auth": [], "sign": []}
    for pid, p in PERSONAS.items():
        if pid == "p384":  # made by p384()
            continue
        for kind, (k, c) in (("auth", auth_ca), ("sign", sign_ca)):
            cert = leaf(pid, p, kind, k, c)
            if pid == "revoked":
                revoked[kind].append(cert)
    crl("auth-ca", *auth_ca, revoked["auth"])
    crl("sign-ca", *sign_ca, revoked["sign"])
    new_key("assist-signer")
    new_key("surface-signer")
    new_key("surface-card")
    new_key("record-ca")
    extras()
    p384()
    partitions()
    write_sizes()


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["--extras"]:
        extras()
        write_sizes()
    elif sys.argv[1:] == ["--partitions"]:
        partitions()
        write_sizes()
    elif sys.argv[1:] == ["--p384"]:
        p384()
        write_sizes()
    else:
        main()
