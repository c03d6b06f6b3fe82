#!/usr/bin/env bash
# Benchmark: lint of the whole shared gitops-catalog tree (every folder built, schema
# checks on) in one process, against the pipeline a team runs today, measured in the same
# run: `kubectl kustomize` of every folder, then one `kubernetes-validate --strict` over
# all the outputs (one validator start for all folders: the fastest form of that
# pipeline). Both use the same core schemas (kubernetes-validate's, Kubernetes 1.32).
# Prints the ratio and manifesto's wall time (median of 5 runs). manifesto runs with
# --offline: the few folders with remote bases fail in both (no network here), and a DNS
# lookup that stalls for seconds would measure the resolver, not the linter.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)"
corpus=${1:-../shared/conformance/gitops-catalog}
cargo build --release --quiet --bins
bin=$TARGET/release/manifesto
py=${MANIFESTO_LINT_PYTHON:-$TARGET/lint-venv/bin/python}
if ! "$py" -c 'import kubernetes_validate' 2>/dev/null; then
  python3 -m venv "$TARGET/lint-venv"
  "$TARGET/lint-venv/bin/python" -m pip install --quiet kubernetes-validate
  py=$TARGET/lint-venv/bin/python
fi
schemas=$("$py" -c 'import kubernetes_validate, os; print(os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema"))')
validate="$(dirname "$py")/kubernetes-validate"
python3 - "$corpus" "$bin" "$schemas" "$validate" ../shared/crds <<'PY'
import os, statistics, subprocess, sys, tempfile, time
corpus, bin, schemas, validate, crds = sys.argv[1:]
dirs = [l.split("\t")[0] for l in open(os.path.join(corpus, "cases.tsv"))]
tree = os.path.join(corpus, "tree")
def lint():
    t = time.perf_counter()
    subprocess.run([bin, "lint", corpus, "--schema-location", schemas, "--schema-location", crds,
                    "--offline", "-f", "json=" + os.devnull], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t
runs = sorted(lint() for _ in range(5))
m = statistics.median(runs)
out = tempfile.mkdtemp()
t = time.perf_counter()
files = []
for i, d in enumerate(dirs):
    p = subprocess.run(["kubectl", "kustomize", os.path.join(tree, d)], capture_output=True)
    if p.returncode == 0:
        f = os.path.join(out, f"{i}.yaml")
        open(f, "wb").write(p.stdout)
        files.append(f)
built = time.perf_counter() - t
subprocess.run([validate, "--quiet", "--strict", "-k", "1.32.0"] + files, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
pipeline = time.perf_counter() - t
print(f"folders: {len(dirs)} ({len(files)} build with kubectl)")
print(f"pipeline (kubectl kustomize each + kubernetes-validate --strict once): {pipeline:.1f}s ({built:.1f}s of it building)")
print(f"manifesto lint, median of 5: {m:.3f}s (runs {', '.join(f'{r:.3f}' for r in runs)})")
print(f"manifesto lint is {pipeline / m:.0f}x faster")
PY
