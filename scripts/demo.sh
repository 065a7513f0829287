#!/usr/bin/env bash
# Installs what the demo needs (idempotent) and runs `mynacard demo` on the built-in virtual card.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --demo
exec cargo run --quiet --locked -p mynacard-cli -- demo "$@"
