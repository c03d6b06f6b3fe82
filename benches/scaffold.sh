#!/usr/bin/env bash
# Benchmark: scaffold a large solution (3 environments, 200 topics, 20 connectors, 10 queue
# managers, 30 apps, 20 functions) into a fresh folder, against one `kubectl kustomize` of
# a generated overlay as the anchor measured in the same run. Goal: under 0.5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)"
cargo build --release --quiet
mkdir -p target
work=$(mktemp -d -p "$PWD/target")
trap 'rm -rf "$work"' EXIT
python3 - "$work/solution.yaml" <<'PY'
import sys
L = ["apiVersion: manifesto.dev/v1alpha1", "kind: Solution", "metadata:", "  name: big", "spec:",
     "  gitops:", "    repoURL: https://github.com/example-org/big-gitops.git", "  environments:"]
for e in ["dev", "staging", "prod"]:
    L += [f"    - name: {e}", f"      namespace: big-{e}", f"      syncPolicy: {'manual' if e == 'prod' else 'automated'}"]
L += ["  overrides:", "    prod:", "      partitions: {t0: 12, t1: 12}", "      replicas: {app0: 3}", "      storage: {kafka: 100Gi, qm0: 10Gi}"]
L += ["  operators:", "    - name: openshift-gitops", "    - name: strimzi", "    - name: ibm-mq", "    - name: sealed-secrets", "    - name: openshift-serverless",
      "  pullSecrets:", "    - name: ibm-entitlement-key", "      registry: cp.icr.io", "      username: cp", "      passwordFromEnv: IBM_ENTITLEMENT_KEY",
      "  eventBackbone:", "    type: strimzi", "    name: kafka", "    topics:"]
L += [f"      - name: t{i}\n        partitions: 3\n        config: {{retention.ms: 86400000}}" for i in range(200)]
L += ["    users:", "      - name: u0", "        acls:", "          - topic: '*'", "            operations: [Read, Write]"]
plugin = "        plugins:\n          - name: p\n            artifacts:\n              - type: jar\n                url: https://example.invalid/p.jar"
L += ["    connectClusters:", "      - name: c0", "        user: u0", plugin, "      - name: c1", plugin]
L += ["    connectors:"] + [f"      - name: k{i}\n        connectCluster: c{i % 2}\n        class: org.example.Connector{i}\n        config: {{topic: t{i}}}" for i in range(20)]
L += ["  queueManagers:"] + [f"      - name: qm{i}\n        queues: [{{name: Q{i}}}]\n        channels: [{{name: APP.SVRCONN}}]" for i in range(10)]
L += ["  apps:"] + [f"    - name: app{i}\n      image: quay.io/example/app{i}\n      tag: 1.0.{i}\n      ports: [8080]\n      produces: [t{i}]\n      consumes: [t{i + 1}]" for i in range(30)]
L += ["  functions:"] + [f"    - name: fn{i}\n      image: quay.io/example/fn{i}\n      tag: 1.0.{i}\n      from: [t{i}, t{i + 100}]" for i in range(20)]
open(sys.argv[1], "w").write("\n".join(L) + "\n")
PY
python3 - "$TARGET/release/manifesto" "$work" <<'PY'
import subprocess, sys, time, shutil
bin, work = sys.argv[1], sys.argv[2]
runs = []
for i in range(5):
    shutil.rmtree(f"{work}/repo", ignore_errors=True)
    t = time.perf_counter()
    subprocess.run([bin, "scaffold", "-f", f"{work}/solution.yaml", "--out", f"{work}/repo"], check=True, capture_output=True)
    runs.append(time.perf_counter() - t)
t = time.perf_counter()
subprocess.run([bin, "scaffold", "-f", f"{work}/solution.yaml", "--out", f"{work}/repo"], check=True, capture_output=True)
again = time.perf_counter() - t
t = time.perf_counter()
subprocess.run(["kubectl", "kustomize", f"{work}/repo/environments/prod/services"], check=True, capture_output=True)
anchor = time.perf_counter() - t
files = sum(1 for _ in __import__("pathlib").Path(f"{work}/repo").rglob("*") if _.is_file())
avg = sum(runs) / len(runs)
print(f"scaffold of 3 envs, 200 topics, 20 connectors, 10 queue managers, 30 apps, 20 functions: {avg*1000:.0f} ms for {files} files "
      f"(goal < 500 ms); unchanged re-run {again*1000:.0f} ms; one kubectl kustomize of the prod services overlay: "
      f"{anchor*1000:.0f} ms ({anchor/avg:.2f}x of a scaffold)")
PY
