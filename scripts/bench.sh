#!/usr/bin/env bash
# Installs what the benchmark needs (idempotent) and measures APDUs, bytes and time per card
# operation, in process, through pcscd + vpcd and against peers (myna too when MYNA_BIN names a
# build of jpki/myna), the latency model, relying-party verification, the uniffi FFI overhead from
# Kotlin and Python, the browser face's sizes, and longer fuzzing (FUZZ_SECONDS per target,
# default 60). Writes bench-results/bench.{json,md}, ffi.json, ffi-kotlin.json and sizes.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo run --quiet --locked --release -p mynacard-tests --bin mynacard-bench -- "$@"
# The uniffi face: the same operations from Kotlin (JVM) and Python, per-APDU overhead against
# in-process Rust (the Python step writes the combined table).
mobile/tests/run-kotlin.sh --release test -Dbench.groups=none -Dtest=FfiBench -Dsurefire.failIfNoSpecifiedTests=false
cargo build --quiet --locked --release -p mynacard-mobile --features virtual-card,oidc-backend,bindgen
mobile/scripts/uniffi-generate.sh target/release/libmynacard_mobile.so python target/uniffi/python-release \
    release virtual-card,oidc-backend
cp target/release/libmynacard_mobile.so target/uniffi/python-release/
PYTHONPATH=target/uniffi/python-release python3 mobile/tests/bench_ffi.py

# Sizes of the browser face: the wasm (raw and gzip -9) and the npm tarball.
scripts/wasm-build.sh >/dev/null
python3 - <<'PY'
import gzip, json, pathlib, subprocess
out = pathlib.Path("bench-results")
rows = []
for wasm in sorted(pathlib.Path("npm/dist").glob("*/*.wasm")):
    raw = wasm.read_bytes()
    rows.append({"file": str(wasm), "bytes": len(raw), "gzip_bytes": len(gzip.compress(raw, 9))})
pack = json.loads(subprocess.run(["npm", "pack", "--dry-run", "--json"], cwd="npm", capture_output=True, text=True, check=True).stdout)[0]
sizes = {"wasm": rows, "npm_tarball_bytes": pack["size"], "npm_unpacked_bytes": pack["unpackedSize"], "npm_files": pack["entryCount"]}
(out / "sizes.json").write_text(json.dumps(sizes, indent=2))
lines = ["", "## Sizes (browser face)", "", "| artifact | bytes | gzip -9 |", "|---|---:|---:|"]
lines += [f"| {r['file']} | {r['bytes']} | {r['gzip_bytes']} |" for r in rows]
lines.append(f"| npm tarball (`npm pack`, {pack['entryCount']} files) | {pack['size']} | (tarball) |")
text = "\n".join(lines) + "\n"
print(text)
with open(out / "bench.md", "a", encoding="utf-8") as f:
    f.write(text)
PY

# The browser face in Chromium on the emulated readers: APDUs, USB transfers and time per reader.
{
    printf '\n## Browser (headless Chromium, virtual card behind emulated readers)\n\n'
    scripts/browser-test.sh 2>&1 | sed -n 's/^# \(.*connect + authenticate.*\)$/- \1/p'
} | tee -a bench-results/bench.md

# Longer fuzzing than the test command's few seconds per target.
tests/fuzz/run.sh "${FUZZ_SECONDS:-60}" | tee -a bench-results/bench.md
