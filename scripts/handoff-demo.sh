#!/usr/bin/env bash
# The hand-off to デジタル認証アプリ on one machine, without internet: the development stand-in
# provider (tests/oidc-provider, Node) on 127.0.0.1, and `mynacard login` as the relying party
# with a loopback redirect, playing the resident with the virtual card hanako: a login with
# 基本4情報, then a document signed through the 署名API. Run by scripts/demo.sh; needs Node ≥ 20.19.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "the hand-off demo needs Node (skipped)" >&2; exit 0; }
[ -d tests/oidc-provider/node_modules/oidc-provider ] ||
    (cd tests/oidc-provider && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
cargo build --quiet --locked -p mynacard-cli
mynacard=${CARGO_TARGET_DIR:-target}/debug/mynacard
work=$(mktemp -d)
trap 'kill "${provider:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

# The relying party's keys (client assertion ES256, and the RSA key the 署名API result is
# encrypted to) and the JWK Set it registers with the provider.
node -e '
const { generateKeyPairSync } = require("node:crypto");
const fs = require("node:fs");
const pem = (k) => k.privateKey.export({ type: "pkcs8", format: "pem" });
fs.writeFileSync(process.argv[1] + "/rp.pem", pem(generateKeyPairSync("ec", { namedCurve: "P-256" })));
fs.writeFileSync(process.argv[1] + "/enc.pem", pem(generateKeyPairSync("rsa", { modulusLength: 2048 })));
' "$work"
jwks=$("$mynacard" login --issuer x --client-id x --key "$work/rp.pem" --key-id rp-demo --enc-key "$work/enc.pem" --print-jwks)
clients="[{\"client_id\":\"RPDEMO0001\",\"application_type\":\"native\",\"redirect_uris\":[\"http://127.0.0.1/callback\"],\"token_endpoint_auth_method\":\"private_key_jwt\",\"token_endpoint_auth_signing_alg\":\"ES256\",\"jwks\":$jwks}]"

(cd tests/oidc-provider && OIDC_DEV_CLIENTS="$clients" exec node server.mjs 0 >"$work/provider.out" 2>/dev/null) &
provider=$!
for _ in $(seq 100); do [ -s "$work/provider.out" ] && break; sleep 0.1; done
issuer=$(node -e 'console.log(JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).issuer)' "$work/provider.out")
login=("$mynacard" --virtual hanako -q login --issuer "$issuer" --client-id RPDEMO0001 --key "$work/rp.pem" --key-id rp-demo)

echo
echo "== デジタル認証アプリ hand-off (local stand-in at $issuer; the resident is the virtual card hanako)"
"${login[@]}" --claims name,address,birthdate,gender
echo
echo "== 署名API: hanako signs a document with the 署名用 key through the provider"
printf '電子申請書（デモ）\n' >"$work/application.txt"
"${login[@]}" --sign "$work/application.txt" --enc-key "$work/enc.pem" \
    --sign-endpoint "${issuer%/api/realms/main}/api/sign-transactions" --test-pki
