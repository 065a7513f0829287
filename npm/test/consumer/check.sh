#!/usr/bin/env bash
# Packs npm/ with `npm pack`, unpacks the tarball as an application's node_modules/mynacard,
# type-checks browser.ts and server.ts against its d.ts with tsc --noEmit, and imports the
# package from Node by its bare name. Prints the tarball and gzipped wasm sizes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
npm_dir=$(cd "$here/../.." && pwd)
out="$npm_dir/../target/npm-pack"
rm -rf "$out" "$here/node_modules"
mkdir -p "$out" "$here/node_modules/mynacard"
tarball=$(cd "$npm_dir" && npm pack --silent --pack-destination "$out" | tail -1)
tar -xzf "$out/$tarball" -C "$here/node_modules/mynacard" --strip-components=1
"$npm_dir/node_modules/.bin/tsc" -p "$here/tsconfig.json"
echo "tsc --noEmit: the consumer type-checks against the packed d.ts"
(cd "$here" && node -e "
import('mynacard').then((m) => {
  if (m.checkPinFormat('auth', '12') !== 'PIN_FORMAT') throw new Error('bad checkPinFormat');
  if (typeof m.MynaCard.connect !== 'function' || typeof m.MynaError !== 'function') throw new Error('missing exports');
  console.log('node: import(\"mynacard\") resolves to', Object.keys(m).length, 'exports');
})")
# Exactly the intended files (expected-files.txt), nothing of the tests or the build.
tar -tzf "$out/$tarball" | sed -e 's#^package/##' -e 's#snippets/mynacard-wasm-[0-9a-f]*/#snippets/mynacard-wasm-HASH/#' | LC_ALL=C sort >"$out/files.txt"
if ! diff -u "$here/expected-files.txt" "$out/files.txt"; then
    echo "the tarball's files differ from npm/test/consumer/expected-files.txt (- expected, + packed)" >&2
    exit 1
fi
echo "tarball: exactly the $(wc -l <"$out/files.txt") intended files"
# npm publish --dry-run: clean but for the login it cannot have here.
(cd "$npm_dir" && npm publish --dry-run --provenance=false 2>"$out/publish.log" >/dev/null)
if grep -i 'warn' "$out/publish.log" | grep -v 'requires you to be logged in'; then
    echo "npm publish --dry-run warned (above)" >&2
    exit 1
fi
echo "npm publish --dry-run: no warnings (but the login)"
# Installed by npm into an empty project (no network: the package has no dependencies), every
# entry imported from Node.
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
(cd "$empty" && echo '{"name":"empty-app","version":"1.0.0","private":true,"type":"module"}' >package.json &&
    npm install --offline --no-audit --no-fund --loglevel=error "$out/$tarball" >/dev/null &&
    node -e "
const checks = {
  'mynacard': (m) => m.checkPinFormat('auth', '12') === 'PIN_FORMAT' && typeof m.OidcBackend === 'function',
  'mynacard/node': (m) => typeof m.verify === 'function' && typeof m.MynaError === 'function',
  'mynacard/verify': (m) => typeof m.verify === 'function' && typeof m.default === 'function',
  'mynacard/handoff': (m) => typeof m.startHandoff === 'function' && typeof m.completeHandoff === 'function',
};
(async () => {
  for (const [entry, ok] of Object.entries(checks)) {
    const m = await import(entry);
    if (!ok(m)) throw new Error(entry + ': exports missing: ' + Object.keys(m).join(','));
  }
  console.log('empty project: npm install of the tarball, every entry imported:', Object.keys(checks).join(', '));
})().catch((e) => { console.error(e); process.exit(1); });
")
printf 'npm tarball %s: %s bytes\n' "$tarball" "$(stat -c %s "$out/$tarball")"
for flavour in card web; do
    wasm="$here/node_modules/mynacard/dist/$flavour/mynacard_wasm_bg.wasm"
    printf '  dist/%s wasm: %s bytes, %s gzipped\n' "$flavour" "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
done
