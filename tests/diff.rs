//! `manifesto diff` against offline snapshots, run as users run it: from inside the repo,
//! with an Argo CD Application, with manifests on stdin, with an external diff program.

use std::io::Write;
use std::process::{Command, Stdio};

fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(
        p,
        "apps/shop.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop, namespace: argocd}\nspec:\n  source: {repoURL: 'https://git.example.com/shop.git', path: deploy/shop}\n  destination: {server: 'https://kubernetes.default.svc', namespace: shop}\n  ignoreDifferences:\n  - group: apps\n    kind: Deployment\n    jsonPointers: [/spec/replicas]\n",
    );
    write(
        p,
        "deploy/shop/kustomization.yaml",
        "resources: [app.yaml]\n",
    );
    write(
        p,
        "deploy/shop/app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers: [{name: web, image: 'web:2'}]\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {token: s3cr3t-value}\n",
    );
    write(
        p,
        "snapshot/live.json",
        r#"{"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop", "labels": {"app.kubernetes.io/instance": "shop"}},
  "spec": {"replicas": 4, "template": {"spec": {"containers": [{"name": "web", "image": "web:1", "imagePullPolicy": "IfNotPresent"}]}}}},
 {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "shop"}, "data": {"token": "b2xkLXZhbHVl"}},
 {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "stale", "namespace": "shop",
  "annotations": {"argocd.argoproj.io/tracking-id": "shop:/ConfigMap:shop/stale"}}, "data": {"a": "1"}},
 {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "not-ours", "namespace": "shop"}, "data": {"a": "1"}}
]}"#,
    );
    d
}

fn manifesto(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_manifesto"));
    c.current_dir(dir)
        .args(args)
        .env_remove("KUBECTL_EXTERNAL_DIFF");
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_application_is_diffed_in_its_namespace_with_its_ignore_rules_and_prunes() {
    let r = repo();
    let (code, out, err) = manifesto(
        r.path(),
        &[
            "diff",
            "--app",
            "apps/shop.yaml",
            "--live",
            "snapshot/live.json",
            "-o",
            "json",
        ],
        &[],
        None,
    );
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let verdicts: Vec<(String, String)> = v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_string(),
                o["change"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("stale".to_string(), "delete".to_string()),
            ("creds".into(), "update".into()),
            ("web".into(), "update".into())
        ]
    );
    let web = &v["objects"][2];
    // replicas is ignored (and counted as such); the image is not.
    assert_eq!(web["fields"].as_array().unwrap().len(), 1, "{web}");
    assert_eq!(
        web["fields"][0]["path"],
        "spec.template.spec.containers[name=web].image"
    );
    assert_eq!(web["ignoredChanges"], 1);
    assert!(
        !out.contains("s3cr3t") && !out.contains("b2xkLXZhbHVl"),
        "{out}"
    );
    // From inside the Application's folder, with --repo pointing up.
    let (code2, out2, _) = manifesto(
        &r.path().join("apps"),
        &[
            "diff",
            "--app",
            "shop.yaml",
            "--repo",
            "..",
            "--live",
            "../snapshot",
            "-o",
            "json",
        ],
        &[],
        None,
    );
    assert_eq!((code2, out2), (code, out));
}

#[test]
fn manifests_on_stdin_and_an_external_diff_program() {
    let r = repo();
    let manifests = "apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: shop}\nstringData: {token: s3cr3t-value}\n";
    let (code, out, err) = manifesto(
        r.path(),
        &[
            "diff",
            "-f",
            "-",
            "--live",
            "snapshot/live.json",
            "--summary",
        ],
        &[],
        Some(manifests),
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("Secret       0       1       0          0"),
        "{out}"
    );
    // The program gets two folders; what it sees is masked.
    write(
        r.path(),
        "show.sh",
        "#!/bin/sh\necho \"flag=$1\"\ncat \"$2\"/* \"$3\"/*\nexit 1\n",
    );
    let (code, out, err) = manifesto(
        r.path(),
        &["diff", "-f", "-", "--live", "snapshot/live.json"],
        &[("KUBECTL_EXTERNAL_DIFF", "sh show.sh '--one word'")],
        Some(manifests),
    );
    assert_eq!(code, 1, "{err}");
    assert!(out.starts_with("flag=--one word\n"), "{out}");
    assert!(
        out.contains("token: '*** (before)'") && out.contains("token: '*** (after)'"),
        "{out}"
    );
    assert!(
        !out.contains("s3cr3t") && !out.contains("b2xkLXZhbHVl"),
        "{out}"
    );
}

#[test]
fn bad_snapshots_and_rules_name_the_file() {
    let r = repo();
    write(
        r.path(),
        "bad/live.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n",
    );
    let (code, _, err) = manifesto(
        r.path(),
        &["diff", "deploy/shop", "--live", "bad"],
        &[],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("bad/live.yaml"), "{err}");
    write(
        r.path(),
        "rules.yaml",
        "- group: apps\n  jsonPointers: [/spec/replicas]\n",
    );
    let (code, _, err) = manifesto(
        r.path(),
        &[
            "diff",
            "deploy/shop",
            "--live",
            "snapshot",
            "--ignore",
            "rules.yaml",
        ],
        &[],
        None,
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("rules.yaml") && err.contains("kind is required"),
        "{err}"
    );
    let (code, _, err) = manifesto(
        r.path(),
        &["diff", "deploy/shop", "--live", "missing.yaml"],
        &[],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("missing.yaml"), "{err}");
}

#[test]
fn a_folder_of_applications_is_diffed_app_by_app() {
    let r = repo();
    let p = r.path();
    write(
        p,
        "apps/billing.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: billing, namespace: argocd}\nspec:\n  source: {repoURL: 'https://git.example.com/shop.git', path: deploy/billing}\n  destination: {server: 'https://kubernetes.default.svc', namespace: billing}\n---\napiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata: {name: p, namespace: argocd}\n",
    );
    write(
        p,
        "deploy/billing/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rates}\ndata: {eur: '1'}\n",
    );
    let (code, out, err) = manifesto(
        p,
        &["diff", "--apps", "apps", "--live", "snapshot", "-o", "json"],
        &[],
        None,
    );
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<String> = v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{}/{}:{}",
                o["namespace"].as_str().unwrap(),
                o["name"].as_str().unwrap(),
                o["change"].as_str().unwrap()
            )
        })
        .collect();
    // billing's plain folder lands in its destination namespace; shop as with --app.
    assert_eq!(
        names,
        [
            "billing/rates:create",
            "shop/stale:delete",
            "shop/creds:update",
            "shop/web:update"
        ]
    );
    let (code, _, err) = manifesto(
        p,
        &["diff", "--apps", "deploy/shop", "--live", "snapshot"],
        &[],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("no Argo CD Application"), "{err}");
}
