#!/usr/bin/env bash
# Installs what the demo needs (idempotent) and runs `mynacard demo` on the built-in virtual card,
# then the hand-off to デジタル認証アプリ against the local stand-in (scripts/handoff-demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --demo
cargo run --quiet --locked -p mynacard-cli -- demo "$@"
scripts/handoff-demo.sh
