#!/usr/bin/env bash
# Installs what the benchmark needs (idempotent) and measures APDUs, bytes and time per card
# operation, in process and through pcscd + vpcd. Writes bench-results/bench.{json,md}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run --quiet --locked --release -p mynacard-tests --bin mynacard-bench -- "$@"
