#!/usr/bin/env bash
# The long run of the property tests: a million cases of each (the test suite runs 256).
# The YAML reader, the writer's round trip, JSON patch application and the label-selector
# parser must never panic. Takes tens of minutes on 2 cores; set PROPTEST_CASES to change.
set -euo pipefail
cd "$(dirname "$0")/.."
export PROPTEST_CASES="${PROPTEST_CASES:-1000000}"
export PROPTEST_MAX_SHRINK_ITERS=10000
cargo test --release --test properties -- --test-threads 2
