#!/usr/bin/env bash
# Benchmark: seal 1,000 values under a 4096-bit certificate (goal: under 0.5 s in all).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)"
cargo build --release --quiet --examples
"$TARGET"/release/examples/seal_bench fixtures/seal/TEST-ONLY-sealing-cert.pem
