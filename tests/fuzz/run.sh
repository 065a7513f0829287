#!/usr/bin/env bash
# Runs every fuzz target (cargo-fuzz, libFuzzer with AddressSanitizer) for SECONDS each (default
# 5; the bench runs longer) from the committed seed corpus. A panic, a sanitizer report, a slow
# input (>10 s) or an allocation over 256 MB fails the run; libFuzzer leaves the input in
# tests/fuzz/artifacts/<target>/. New corpus entries go to a temporary folder, so the committed
# corpus only changes through make-seeds.sh.
# cargo-fuzz needs unstable rustc flags (-Zsanitizer); RUSTC_BOOTSTRAP=1 allows them on the stable
# toolchain, which ships the sanitizer runtimes.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-5}
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz missing: run scripts/setup.sh" >&2; exit 1; }
cargo fuzz build --fuzz-dir tests/fuzz -O
targets=$(cargo fuzz list --fuzz-dir tests/fuzz)
report=()
for t in $targets; do
    work=$(mktemp -d)
    log=$(mktemp)
    if ! cargo fuzz run --fuzz-dir tests/fuzz -O "$t" "$work" "tests/fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 \
        -print_final_stats=1 >"$log" 2>&1; then
        tail -40 "$log" >&2
        echo "fuzz target $t FAILED (input in tests/fuzz/artifacts/$t/)" >&2
        exit 1
    fi
    runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
    report+=("$(printf '%-16s %9s runs  coverage %s edges' "$t" "$runs" "$cov")")
    rm -rf "$work" "$log"
done
printf 'fuzz (%ss each): %s\n' "$seconds" "ok"
printf '  %s\n' "${report[@]}"
