#!/usr/bin/env bash
# Benchmark: `catalog render` of the whole built-in catalog and a `catalog bump` in a copy
# of the shared gitops-catalog tree, each against one `kubectl kustomize` of an overlay of
# that tree as the anchor measured in the same run. Goal: each well under 100 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)"
cargo build --release --quiet
bin=$TARGET/release/manifesto
tree=${1:-../shared/conformance/gitops-catalog/tree}
mkdir -p target && work=$(mktemp -d -p "$PWD/target")
trap 'rm -rf "$work"' EXIT
cp -r "$tree" "$work/repo"
python3 - "$bin" "$work" <<'PY'
import subprocess, sys, time, shutil
bin, work = sys.argv[1], sys.argv[2]
def timed(cmd, n=10, setup=None):
    best = []
    for _ in range(n):
        if setup: setup()
        t = time.perf_counter(); subprocess.run(cmd, check=True, capture_output=True); best.append(time.perf_counter() - t)
    return sum(best) / len(best)
anchor = timed(["kubectl", "kustomize", f"{work}/repo/strimzi-kafka-operator/operator/overlays/stable"])
render = timed([bin, "catalog", "render", "-o", f"{work}/out", "--force"], setup=lambda: shutil.rmtree(f"{work}/out", ignore_errors=True))
def reset():
    shutil.rmtree(f"{work}/repo/strimzi-kafka-operator/operator/overlays/strimzi-0.45.x", ignore_errors=True)
bump = timed([bin, "catalog", "bump", "strimzi", "strimzi-0.45.x", "--repo", f"{work}/repo"], setup=reset)
print(f"catalog render (whole built-in catalog): {render*1000:.1f} ms ({anchor/render:.1f}x faster than one kubectl kustomize of an overlay, {anchor*1000:.0f} ms)")
print(f"catalog bump in the gitops-catalog tree: {bump*1000:.1f} ms ({anchor/bump:.1f}x faster than that kubectl run)")
PY
