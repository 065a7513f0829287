#!/usr/bin/env bash
# The one place the uniffi generator is run: LANGUAGE bindings from LIBRARY (library mode: the
# metadata uniffi embeds in the built library) into OUT_DIR. The generator is this crate's
# `uniffi-bindgen` binary (feature `bindgen`), built in PROFILE with FEATURES — pass the
# library's own features so cargo reuses that build instead of compiling the crate again.
# usage: mobile/scripts/uniffi-generate.sh LIBRARY LANGUAGE OUT_DIR [debug|release] [FEATURES]
set -euo pipefail
cd "$(dirname "$0")/../.."
lib=$1 lang=$2 out=$3 profile=${4:-debug} features=${5:-}
flags=(--locked -q -p mynacard-mobile --features "${features:+$features,}bindgen" --bin uniffi-bindgen)
[ "$profile" = release ] && flags+=(--release)
cargo run "${flags[@]}" -- generate --library "$lib" --language "$lang" --out-dir "$out" >/dev/null
