#!/usr/bin/env bash
# Installs what the tests need (idempotent) and runs every test: unit tests, the virtual card
# in process, the same operations through a private pcscd + vpcd, third-party clients (OpenSC,
# jpki-cli, myna-card) against the virtual card, nfcpy's RC-S380 driver against the emulated
# reader, the CLI, relying-party verification (CRL, OCSP with OpenSSL's responder, CMS checked
# by openssl cms), the OIDC client against the stand-in provider, the browser face and the
# portal in headless Chromium, the uniffi bindings from Python and Kotlin (Swift parsed), short
# fuzz runs, and the offline dependency audit.
#
# Nothing here can hang (docs/testing.md): every step has an outer time limit (below), every
# Rust test has a deadline under cargo-nextest (.config/nextest.toml), and every program a test
# starts runs under a deadline of its own (tests/harness). A step that runs out of time ends the
# run with its name and limit; the whole run is also bounded by TEST_BUDGET_MINUTES (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

# The setup step has its own limit; the budget covers the test steps after it.
budget_end=$((SECONDS + 24 * 3600))

# step LIMIT_MINUTES DESCRIPTION -- COMMAND...: runs COMMAND under `timeout` (its whole process
# group: SIGTERM, SIGKILL 30 s later), within what is left of the run's budget.
step() {
    local limit=$(($1 * 60)) what=$2
    shift 3
    local left=$((budget_end - SECONDS))
    ((left < limit)) && limit=$left
    if ((limit <= 0)); then
        printf '\n== TIME: the test budget (%s min) is spent before: %s\n' "${TEST_BUDGET_MINUTES:-60}" "$what" >&2
        exit 124
    fi
    printf '\n== %s  (limit %ss)\n' "$what" "$limit" >&2
    local start=$SECONDS rc=0
    timeout --kill-after=30s "${limit}s" "$@" || rc=$?
    if ((rc == 124 || rc == 137)); then
        printf '\n== TIME: "%s" did not finish within %ss and was stopped (command: %s)\n' \
            "$what" "$limit" "$*" >&2
        # A killed test leaves no pcscd of ours behind (they use private config folders).
        pkill -TERM -f 'pcscd .*--config /tmp/mynacard-pcscd-' 2>/dev/null || true
        exit 124
    elif ((rc != 0)); then
        printf '\n== FAILED (exit %s): %s\n' "$rc" "$what" >&2
        exit "$rc"
    fi
    printf '== done in %ss: %s\n' "$((SECONDS - start))" "$what" >&2
    timings+=("$((SECONDS - start))	$what")
}

# Where the run's time went (docs/testing.md, "CI time"): printed at the end and written to
# target/test-timings.json, so a slow step is seen by the run that made it slow.
timings=()
report_timings() {
    ((${#timings[@]})) || return 0
    printf '\n== time per step (%s s in all)\n' "$SECONDS" >&2
    printf '%s\n' "${timings[@]}" | sort -rn | awk -F'\t' '{printf "%6d s  %s\n", $1, substr($2, 1, 80)}' >&2
    mkdir -p target
    printf '%s\n' "${timings[@]}" | python3 -c 'import json,sys; json.dump({"total_seconds": int(sys.argv[1]), "steps": [{"seconds": int(a), "step": b} for a, b in (l.rstrip("\n").split("\t", 1) for l in sys.stdin)]}, open("target/test-timings.json", "w"), ensure_ascii=False, indent=1)' "$SECONDS" || true
}
trap report_timings EXIT

step 60 "setup: install what the tests need (idempotent; the one-time cargo installs take a while)" -- scripts/setup.sh
budget_end=$((SECONDS + ${TEST_BUDGET_MINUTES:-60} * 60))

step 2 "rustfmt: the tree is formatted (cargo fmt --check)" -- cargo fmt --all --check

step 2 "profile: build-time-only crates are built unoptimised (Cargo.toml, scripts/host-only-crates.py)" -- \
    scripts/host-only-crates.py --check

step 25 "build (native, all targets)" -- cargo build --locked --workspace --all-targets

step 15 "clippy (native, all targets; workspace lints in Cargo.toml, -D warnings)" -- \
    cargo clippy --locked --workspace --all-targets -- -D warnings

step 25 "tests (cargo-nextest, a deadline per test): unit, virtual card, in-process, pcscd + vpcd, OpenSC, jpki-cli, nfcpy on the emulated RC-S380, CLI, harness" -- \
    cargo nextest run --locked --workspace --all-targets --no-fail-fast --no-tests=fail

step 10 "doctests" -- cargo test --locked --workspace --doc

step 20 "wasm-bindgen-test in headless Chromium: the core as wasm32 (sessions, RSA, RC-S380 driver, OIDC)" -- \
    scripts/wasm-browser-test.sh

step 25 "browser face in headless Chromium: wasm builds, RC-S380/RC-S300/CCID over a WebUSB double, npm pack + tsc" -- \
    scripts/browser-test.sh

step 10 "uniffi: Python bindings drive a session over a Python transport; Kotlin/Swift generated" -- \
    mobile/tests/run-python.sh

step 15 "uniffi: Kotlin bindings on the JVM (Maven, JNA, coroutines) over a Kotlin transport" -- \
    mobile/tests/run-kotlin.sh

step 20 "fuzzing: every parser for a few seconds from the committed corpus (tests/fuzz)" -- \
    tests/fuzz/run.sh "${FUZZ_SECONDS:-5}"

# The crates meant for users as crates.io would receive them: each packaged (licence texts,
# README, the manual's pages inside the crate) and built alone from its package, the path
# dependencies replaced by the packages of the same run; none pulls a test crate.
# cargo extracts the packages of its temporary registry under CARGO_HOME and never re-extracts
# one whose version it has seen: a copy left by an earlier run (same 0.1.0) would be built
# instead of this tree's package. Only those copies (registry "-<hash>", our crate names) go.
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/mynacard-*
step 15 "cargo package: mynacard-core, mynacard-pcsc, mynacard-virtual-card, mynacard-cli build from their packages" -- \
    cargo package --locked --allow-dirty -p mynacard-core -p mynacard-pcsc -p mynacard-virtual-card -p mynacard-cli

# cargo-deny reads every package of the lock file, for all targets (e.g. tokio, an optional
# dependency of wasm-bindgen-futures on emscripten): fetch them first.
step 5 "dependency audit (offline): fetch the lock file's packages" -- cargo fetch --locked --quiet
step 5 "dependency audit (offline): licences and duplicate versions (deny.toml)" -- \
    cargo deny --offline --log-level error check licenses bans

step 10 "Node: verify() on material from the virtual card; OidcBackend against the stand-in provider" -- \
    env MYNACARD_BIN="$PWD/target/debug/mynacard" node --test --test-timeout=300000 npm/test/*.test.mjs

step 10 "the portal example end to end in Chromium, the 窓口 page included (screenshots in target/portal-artifacts/)" -- \
    node --test --test-timeout=300000 examples/portal/test/*.test.mjs
