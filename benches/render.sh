#!/usr/bin/env bash
# Benchmark: render every `ok` folder of the gitops-catalog corpus with `manifesto build`
# and with `kubectl kustomize`, alternating folder by folder, and print the ratio of total
# wall time and of peak memory (max RSS). Also times the in-process render of all folders
# (what `lint` will do) against the same kubectl total. Prints ratios, measured in this run.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)"
corpus=${1:-../shared/conformance/gitops-catalog}
cargo build --release --quiet --bins --examples
bin=$TARGET/release/manifesto
python3 - "$corpus" "$bin" "$TARGET" <<'PY'
import os, resource, subprocess, sys, time
corpus, bin, TARGET = sys.argv[1], sys.argv[2], sys.argv[3]
dirs = [l.split("\t")[0] for l in open(os.path.join(corpus, "cases.tsv")) if "\tok" in l]
tree = os.path.join(corpus, "tree")
def run(cmd):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    return time.perf_counter() - t, ru.ru_maxrss
mt = kt = 0.0
mm = km = 0
for d in dirs:
    full = os.path.join(tree, d)
    a, am = run([bin, "build", full]); mt += a; mm = max(mm, am)
    b, bm = run(["kubectl", "kustomize", full]); kt += b; km = max(km, bm)
print(f"folders: {len(dirs)}")
print(f"manifesto build vs kubectl kustomize, wall time: {kt / mt:.1f}x faster per invocation")
print(f"peak memory: manifesto is {mm / km:.3f} of kubectl's ({mm} KiB vs {km} KiB)")
t = time.perf_counter()
out = subprocess.run([TARGET + "/release/examples/render_all", tree] + dirs, capture_output=True, text=True)
lib = time.perf_counter() - t
print(out.stdout.strip())
print(f"all {len(dirs)} folders in one process: {lib:.3f}s wall including process start "
      f"({kt / lib:.0f}x less than kubectl's total for the same folders)")
PY
