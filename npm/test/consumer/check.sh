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
printf 'npm tarball %s: %s bytes\n' "$tarball" "$(stat -c %s "$out/$tarball")"
for flavour in card web; do
    wasm="$here/node_modules/mynacard/dist/$flavour/mynacard_wasm_bg.wasm"
    printf '  dist/%s wasm: %s bytes, %s gzipped\n' "$flavour" "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
done
