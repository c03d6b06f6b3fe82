#!/usr/bin/env bash
# Benchmark: `manifesto diff` of 1,000 desired objects (500 Deployments, 500 ConfigMaps;
# every tenth Deployment drifted) against the loopback API server of the tests, and
# against a 1,000-object snapshot. Prints seconds per diff (best of 5; goals: < 2 s against
# the server, < 0.2 s against the snapshot) and the ratio to one `kubectl diff` of the same
# objects against the same server (kubectl GETs and dry-run PATCHes each object; manifesto
# LISTs each kind once). If kubectl cannot diff there, why is printed instead of a ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)"
cargo build --release --quiet --bins --examples
bin=$TARGET/release/manifesto
work=$(mktemp -d)
trap 'exec 3>&-; rm -rf "$work"' EXIT
coproc SERVER { "$TARGET/release/examples/loopback_apiserver" 500 "$work"; }
exec 3>&"${SERVER[1]}"
read -r kubeconfig <&"${SERVER[0]}"
python3 - "$bin" "$work" "$kubeconfig" <<'PY'
import subprocess, sys, time
bin, work, kc = sys.argv[1:4]
def timed(cmd, env=None, runs=5):
    best = None
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, env=env)
        d = time.perf_counter() - t
        best = d if best is None else min(best, d)
    return best, p
import os
env = dict(os.environ, KUBECONFIG=kc)
s, p = timed([bin, "diff", work + "/desired", "--summary"], env)
print(p.stdout.decode().strip())
assert p.returncode == 1, p.stderr.decode()
print(f"manifesto diff, 1000 objects against the loopback server: {s:.3f}s (goal < 2 s)")
t, p = timed([bin, "diff", work + "/desired", "--live", work + "/snapshot.json", "--summary"])
assert p.returncode == 1, p.stderr.decode()
print(f"manifesto diff, 1000 objects against a 1000-object snapshot: {t:.3f}s (goal < 0.2 s)")
k, p = timed(["kubectl", "diff", "-f", work + "/desired/all.yaml"], env, runs=1)
if p.returncode in (0, 1):
    print(f"kubectl diff against the same server: {k:.3f}s; manifesto is {k / s:.1f}x faster")
else:
    err = p.stderr.decode().strip().splitlines()
    print(f"kubectl diff could not diff against the loopback server: {err[-1] if err else p.returncode}")
PY
