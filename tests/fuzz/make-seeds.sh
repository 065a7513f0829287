#!/usr/bin/env bash
# Regenerates the committed seed corpus of every fuzz target from the virtual card and its test
# PKI: real card answers per operation, certificates, CRLs, OCSP responses (OpenSSL's responder)
# and signed documents (the CLI on the virtual card). Run from anywhere; needs openssl.
set -euo pipefail
cd "$(dirname "$0")/../.."
c=tests/fuzz/corpus
pki=tests/virtual-card/pki
mkdir -p $c/{card_responses,reader_frames,certificate,crl,ocsp,cms,tlv_text_apdu,oidc,pdf}
cargo run -q --locked -p mynacard-tests --bin mynacard-fuzz-seeds -- $c
cp $pki/{taro-auth,taro-sign,hanako-sign,auth-ca}.crt.der $c/certificate/
cp $pki/{auth-ca,sign-ca}.crl.der $c/crl/
# Issue 18: the P-384 generation, two CA generations of one DN, a deep-nesting 4情報, v1 and
# stale CRLs.
cp $pki/{p384-auth,p384-sign,p384-auth-ca,deep-nesting-sign}.crt.der $c/certificate/
cp $pki/{p384-auth-ca,p384-sign-ca,auth-ca-g2}.crl.der $c/crl/
python3 tests/fuzz/make-crl-seeds.py $c/crl

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
openssl x509 -inform DER -in $pki/auth-ca.crt.der -out "$tmp/ca.pem"
openssl pkey -inform DER -in $pki/auth-ca.key.der -out "$tmp/ca.key"
openssl x509 -inform DER -in $pki/taro-auth.crt.der -out "$tmp/taro.pem"
serial=$(openssl x509 -in "$tmp/taro.pem" -noout -serial | cut -d= -f2)
printf 'V\t300101000000Z\t\t%s\tunknown\t/C=JP/CN=taro\n' "$serial" > "$tmp/index.txt"
for nonce in -nonce -no_nonce; do
    openssl ocsp -issuer "$tmp/ca.pem" -cert "$tmp/taro.pem" $nonce -reqout "$tmp/req.der" >/dev/null
    openssl ocsp -index "$tmp/index.txt" -CA "$tmp/ca.pem" -rsigner "$tmp/ca.pem" -rkey "$tmp/ca.key" \
        -reqin "$tmp/req.der" -respout "$c/ocsp/good$nonce.der" -ndays 1 >/dev/null 2>&1
done

# A P-384 response (ecdsa-with-SHA384) from the P-384 CA about the p384 persona.
openssl x509 -inform DER -in $pki/p384-auth-ca.crt.der -out "$tmp/p384-ca.pem"
openssl pkey -inform DER -in $pki/p384-auth-ca.key.der -out "$tmp/p384-ca.key"
openssl x509 -inform DER -in $pki/p384-auth.crt.der -out "$tmp/p384.pem"
serial=$(openssl x509 -in "$tmp/p384.pem" -noout -serial | cut -d= -f2)
printf 'V\t300101000000Z\t\t%s\tunknown\t/C=JP/CN=p384\n' "$serial" > "$tmp/p384-index.txt"
openssl ocsp -issuer "$tmp/p384-ca.pem" -cert "$tmp/p384.pem" -no_nonce -reqout "$tmp/req.der" >/dev/null
openssl ocsp -index "$tmp/p384-index.txt" -CA "$tmp/p384-ca.pem" -rsigner "$tmp/p384-ca.pem" \
    -rkey "$tmp/p384-ca.key" -rmd sha384 -reqin "$tmp/req.der" -respout "$c/ocsp/p384-good.der" \
    -ndays 1 >/dev/null 2>&1

cargo build -q --locked -p mynacard-cli
printf 'a signed application\n' > "$tmp/doc.txt"
for mode in enveloping detached; do
    flag=(); [ $mode = detached ] && flag=(--detached)
    echo TARO2025 | target/debug/mynacard sign-file --virtual taro --pin-stdin -q "${flag[@]}" \
        --out "$c/cms/$mode.p7s" "$tmp/doc.txt"
done

echo P384SIGN2028 | target/debug/mynacard sign-file --virtual p384 --pin-stdin -q \
    --out "$c/cms/p384-enveloping.p7s" "$tmp/doc.txt"

# Issue 16: a one-page PDF (classic xref table), it signed (moj), co-signed (pades), and as
# qpdf writes it with object and cross-reference streams.
python3 - "$c/pdf/plain.pdf" <<'PY'
import sys
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
out, offs = bytearray(b"%PDF-1.7\n"), []
for i, o in enumerate(objs):
    offs.append(len(out)); out += b"%d 0 obj\n%s\nendobj\n" % (i + 1, o)
x = len(out)
out += b"xref\n0 4\n0000000000 65535 f\r\n" + b"".join(b"%010d 00000 n\r\n" % o for o in offs)
out += b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % x
open(sys.argv[1], "wb").write(out)
PY
echo TARO2025 | target/debug/mynacard sign-pdf --virtual taro --pin-stdin -q \
    --out "$c/pdf/signed-moj.pdf" "$c/pdf/plain.pdf" >/dev/null
echo HANAKO77 | target/debug/mynacard sign-pdf --virtual hanako --pin-stdin -q --profile pades \
    --out "$c/pdf/cosigned.pdf" "$c/pdf/signed-moj.pdf" >/dev/null
qpdf --object-streams=generate "$c/pdf/plain.pdf" "$c/pdf/xref-stream.pdf"

python3 tests/fuzz/make-oidc-seeds.py $c/oidc
python3 tests/fuzz/make-lock-seeds.py $c/card_responses

# Small parsers: a 4情報 record, a card text with 外字, answers with status words.
printf '\xdf\x21\x03abc\xdf\x22\x02\x31\x39' > $c/tlv_text_apdu/tlv
printf '\xee\x82\xa1\xe7\x94\xb0\xe3\x80\x80\xe5\xa4\xaa\xe9\x83\x8e' > $c/tlv_text_apdu/gaiji
printf '\x63\xc2' > $c/tlv_text_apdu/sw-63c2
printf '19800217' > $c/tlv_text_apdu/date
echo "seeds: $(find $c -type f | wc -l) files in $c"
