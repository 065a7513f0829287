#!/usr/bin/env bash
# Runs the pcscd + vpcd conformance test (tests/integration/tests/pcscd_vpcd.rs: the SDK, OpenSC,
# myna-card and jpki-cli through a private pcscd) N times, each from a clean state (no pcscd of
# ours left, no old config folders), each under cargo-nextest's soak deadline
# (.config/nextest.toml) and an outer `timeout`. Prints runs, failures, hangs and the slowest
# run, and writes target/soak/soak.json and soak.md. Usage: scripts/soak-conformance.sh [N=30]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-30}
out=target/soak
mkdir -p "$out"
# The workspace build (the test runs the mynacard CLI binary too); nextest below selects the
# test binary from it, so nothing is compiled a second time with other features.
cargo build --locked --workspace --all-targets -q
run_test=(cargo nextest run --locked --workspace -E 'binary(pcscd_vpcd)' --profile soak)
passed=0 failed=0 hangs=0 slowest=0
runs=()
for i in $(seq 1 "$n"); do
    pkill -TERM -f 'pcscd .*--config /tmp/mynacard-pcscd-' 2>/dev/null || true
    rm -rf /tmp/mynacard-pcscd-* /tmp/mynacard-opensc-* /tmp/mynacard-jpki-cli-*
    log="$out/run-$i.log"
    start=$(date +%s%3N)
    rc=0
    timeout --kill-after=30s 600s "${run_test[@]}" >"$log" 2>&1 || rc=$?
    ms=$(($(date +%s%3N) - start))
    if grep -q 'TIMEOUT' "$log" || ((rc == 124 || rc == 137)); then
        result=hang; hangs=$((hangs + 1))
    elif ((rc == 0)); then
        result=pass; passed=$((passed + 1))
    else
        result=fail; failed=$((failed + 1))
    fi
    ((ms > slowest)) && slowest=$ms
    secs=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
    printf 'run %2d/%d: %-4s %8s s\n' "$i" "$n" "$result" "$secs"
    runs+=("{\"run\": $i, \"result\": \"$result\", \"seconds\": $secs}")
    [[ $result == pass ]] && rm -f "$log"
done
joined=$(IFS=,; echo "${runs[*]}")
slowest=$(printf '%d.%03d' $((slowest / 1000)) $((slowest % 1000)))
printf '{"runs": %d, "passed": %d, "failed": %d, "hangs": %d, "slowest_seconds": %s, "each": [%s]}\n' \
    "$n" "$passed" "$failed" "$hangs" "$slowest" "$joined" >"$out/soak.json"
{
    echo "# pcscd + vpcd conformance soak ($(date -u +%Y-%m-%d))"
    echo
    echo "| runs | passed | failed | hangs | slowest |"
    echo "|---|---|---|---|---|"
    printf '| %d | %d | %d | %d | %s s |\n' "$n" "$passed" "$failed" "$hangs" "$slowest"
} >"$out/soak.md"
printf 'soak: %d runs, %d passed, %d failed, %d hangs, slowest %s s (%s)\n' \
    "$n" "$passed" "$failed" "$hangs" "$slowest" "$out/soak.json"
((passed == n))
