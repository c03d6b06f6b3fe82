#!/usr/bin/env bash
# Benchmark: cost against size. A synthetic overlay (half Deployments referencing a
# generated ConfigMap, half Services; namespace, prefix, labels, a strategic patch by label
# selector, a JSON patch, images, replicas) at 1,000, 5,000 and 20,000 resources, and one
# with a patch per 10 resources at 4,000. manifesto at every size, kubectl up to 2,000 (it
# needs minutes beyond), in the same run. Prints time per resource, peak memory, the
# 20,000/1,000 cost ratio (linear: at most 25x) and the speed-up over kubectl.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)"
cargo build --release --quiet
work=$(mktemp -d -p "$TARGET")
trap 'rm -rf "$work"' EXIT
python3 - "$TARGET/release/manifesto" "$work" <<'PY'
import os, subprocess, sys, time
bin, work = sys.argv[1], sys.argv[2]

def make(n, patch_every=0):
    d = os.path.join(work, f"n{n}-{patch_every}")
    os.makedirs(d + "/base", exist_ok=True)
    with open(d + "/base/r.yaml", "w") as f:
        for i in range(n):
            if i % 2 == 0:
                f.write(f"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  labels: {{tier: web}}\nspec:\n  selector: {{matchLabels: {{app: app-{i}}}}}\n  template:\n    metadata: {{labels: {{app: app-{i}}}}}\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.0\n        envFrom: [{{configMapRef: {{name: settings}}}}]\n")
            else:
                f.write(f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\nspec:\n  selector: {{app: app-{i-1}}}\n  ports: [{{port: 80}}]\n")
    open(d + "/base/kustomization.yaml", "w").write("resources: [r.yaml]\nconfigMapGenerator:\n- name: settings\n  literals: [a=1]\n")
    os.makedirs(d + "/overlay", exist_ok=True)
    patches = "patches:\n- target: {kind: Deployment, labelSelector: \"tier=web\"}\n  patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: any}\n    spec: {template: {metadata: {annotations: {patched: \"yes\"}}}}\n- target: {kind: Service}\n  patch: |-\n    - op: add\n      path: /metadata/annotations\n      value: {j: \"1\"}\n"
    if patch_every:
        for i in range(0, n, patch_every * 2):
            patches += f"- target: {{kind: Deployment, name: app-{i}}}\n  patch: |-\n    - op: add\n      path: /metadata/labels/p{i}\n      value: \"x\"\n"
    open(d + "/overlay/kustomization.yaml", "w").write("resources: [../base]\nnamespace: prod\nnamePrefix: p-\nlabels:\n- pairs: {env: prod}\n" + patches + "images:\n- {name: nginx, newTag: \"2.0\"}\nreplicas:\n- {name: app-0, count: 3}\n")
    return d + "/overlay"

def run(cmd):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    assert status == 0, cmd
    return time.perf_counter() - t, ru.ru_maxrss

res = {}
for n, pe in [(1000, 0), (2000, 0), (5000, 0), (20000, 0), (4000, 5)]:
    d = make(n, pe)
    mt, mm = run([bin, "build", d])
    line = f"{n:>6} resources{' (a patch per 10)' if pe else ''}: manifesto {mt / n * 1e3:.3f} ms/resource, {mm // 1024} MiB"
    if n <= 2000 and not pe:
        kt, km = run(["kubectl", "kustomize", d])
        line += f"; kubectl {kt / n * 1e3:.3f} ms/resource, {km // 1024} MiB; {kt / mt:.1f}x faster"
    res[(n, pe)] = mt
    print(line, flush=True)
print(f"20,000 costs {res[(20000, 0)] / res[(1000, 0)]:.1f}x the 1,000 case (linear: 20x; goal: at most 25x)")
PY
