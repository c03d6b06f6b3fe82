//! The Argo CD config-management plugin (contrib/argocd-cmp): its discovery and
//! `generate` run the way the cmp-server runs them (a copy of the repository, the
//! Application's source path as working directory, Argo CD's build environment), and its
//! output is what `kubectl kustomize` prints. The sidecar patch, rendered onto an ArgoCD
//! resource, is checked against the argocd-operator CRD.

mod common;

use common::{Test, kubectl_kustomize, repo_root};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn plugin() -> Value {
    let text = std::fs::read_to_string(repo_root().join("contrib/argocd-cmp/plugin.yaml")).unwrap();
    manifesto::yaml::parse_one(&text).unwrap()
}

/// A YAML list of strings.
fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

/// Copies a folder tree (the cmp-server unpacks a tarball of the repository).
fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().flatten() {
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// cmp-server's `discover.fileName`: a Go filepath.Glob relative to the source path; a
/// single `*` within one name is all this plugin uses.
fn discovers(app_dir: &Path, pattern: &str) -> bool {
    let pattern = pattern.trim_start_matches("./");
    let (pre, post) = pattern.split_once('*').unwrap_or((pattern, ""));
    std::fs::read_dir(app_dir).unwrap().flatten().any(|e| {
        let n = e.file_name().to_string_lossy().into_owned();
        if pattern.contains('*') {
            n.len() >= pre.len() + post.len() && n.starts_with(pre) && n.ends_with(post)
        } else {
            n == pattern
        }
    })
}

/// Runs `generate` as cmp-server does: in the source path, with the build environment,
/// the plugin env as ARGOCD_ENV_*, and parameters as PARAM_*.
fn generate(app_dir: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let p = plugin();
    let g = &p["spec"]["generate"];
    let (cmd, args) = (strings(&g["command"]), strings(&g["args"]));
    let path = common::path_with_manifesto();
    let mut c = Command::new(cmd[0]);
    c.args(&cmd[1..])
        .args(&args)
        .current_dir(app_dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", app_dir)
        .env("ARGOCD_APP_NAME", "web")
        .env("ARGOCD_APP_NAMESPACE", "team")
        .env("ARGOCD_APP_PROJECT_NAME", "default")
        .env(
            "ARGOCD_APP_REVISION",
            "0123456789abcdef0123456789abcdef01234567",
        )
        .env("ARGOCD_APP_SOURCE_PATH", "apps/web")
        .env(
            "ARGOCD_APP_SOURCE_REPO_URL",
            "https://git.example.com/platform/solution.git",
        )
        .env("ARGOCD_APP_SOURCE_TARGET_REVISION", "main")
        .env("KUBE_VERSION", "1.32.4")
        .env("KUBE_API_VERSIONS", "v1,apps/v1,batch/v1");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("sh")
}

#[test]
fn plugin_config_is_what_cmp_server_accepts() {
    let p = plugin();
    // cmpserver/plugin/config.go ValidatePluginConfig: kind, metadata.name, generate.command.
    assert_eq!(p["kind"], "ConfigManagementPlugin");
    assert_eq!(p["metadata"]["name"], "manifesto");
    assert!(
        !p["spec"]["generate"]["command"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Applications name it `<name>-<version>`.
    assert_eq!(p["spec"]["version"], "v1");
    let params: Vec<&str> = p["spec"]["parameters"]["static"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["reorder", "load-restrictor"]);
}

#[test]
fn generate_renders_like_kustomize_in_the_source_path_with_argo_cd_environment() {
    let t = Test::new();
    let work = t.dir.join("_cmp_server/1234");
    copy_tree(&repo_root().join("fixtures/overlay-kitchen-sink"), &work);
    // Find a kustomization folder inside the fixture to act as the Application's path.
    let app = walkdir::WalkDir::new(&work)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "kustomization.yaml")
        .map(|e| e.path().parent().unwrap().to_path_buf())
        .last()
        .expect("a kustomization in the fixture");
    let pattern = plugin()["spec"]["discover"]["fileName"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        discovers(&app, &pattern),
        "discovery misses {}",
        app.display()
    );
    assert!(
        !discovers(&t.dir, &pattern),
        "discovery matches a folder without a kustomization"
    );
    let out = generate(&app, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        kubectl_kustomize(&app)
    );
    // Parameters (PARAM_*) win over plugin env (ARGOCD_ENV_*).
    let none = |env: &[(&str, &str)]| String::from_utf8(generate(&app, env).stdout).unwrap();
    let reordered = Command::new("kubectl")
        .args(["kustomize", "--reorder", "none"])
        .arg(&app)
        .output()
        .unwrap();
    let reordered = String::from_utf8(reordered.stdout).unwrap();
    assert_eq!(none(&[("ARGOCD_ENV_REORDER", "none")]), reordered);
    assert_eq!(
        none(&[("ARGOCD_ENV_REORDER", "legacy"), ("PARAM_REORDER", "none")]),
        reordered
    );
    // A failing build fails the generate command with the file named (Argo CD shows it).
    std::fs::write(
        app.join("kustomization.yaml"),
        "resources: [missing.yaml]\n",
    )
    .unwrap();
    let out = generate(&app, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.yaml"));
}

#[test]
fn the_sidecar_patch_fits_the_argocd_operator_crd() {
    let crd = repo_root().join("../shared/crds/argocd-operator");
    assert!(crd.is_dir(), "../shared/crds/argocd-operator is missing");
    let contrib = repo_root().join("contrib/argocd-cmp");
    let t = Test::new()
        .file(
            "gitops/argocd.yaml",
            "apiVersion: argoproj.io/v1beta1\nkind: ArgoCD\nmetadata:\n  name: openshift-gitops\n  namespace: openshift-gitops\nspec: {}\n",
        )
        .file(
            "gitops/kustomization.yaml",
            "resources:\n  - argocd.yaml\n  - ../plugin\npatches:\n  - path: argocd-patch.yaml\n",
        );
    copy_tree(&contrib, &t.dir.join("plugin"));
    std::fs::copy(
        contrib.join("argocd-patch.yaml"),
        t.dir.join("gitops/argocd-patch.yaml"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .args([
            "lint",
            "gitops",
            "--fail-on",
            "info",
            "-f",
            "json",
            "--schema-location",
        ])
        .arg(&crd)
        .current_dir(&t.dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        // The ConfigMap is a core kind: this test gives only the ArgoCD CRD.
        .filter(|f| {
            !(f["rule"] == "schema-missing" && f["resource"] == "ConfigMap manifesto-cmp-plugin")
        })
        .collect();
    assert!(findings.is_empty(), "{findings:#?}");
    let rendered = common::manifesto_build(&t.dir.join("gitops"));
    assert!(
        rendered.contains("/var/run/argocd/argocd-cmp-server")
            && rendered.contains("subPath: plugin.yaml"),
        "{rendered}"
    );
}
