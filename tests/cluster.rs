//! `manifesto diff` end to end against a loopback API server the test starts (TLS with a
//! generated CA, bearer token, discovery, paginated LISTs), through a kubeconfig the test
//! writes: the way a user runs it, from the kustomization's own folder.

mod common;

use common::apiserver::{Config, Server, TOKEN, core_kinds};
use serde_json::json;
use std::process::Command;

fn live_objects() -> Vec<serde_json::Value> {
    let mut v = vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "team",
            "uid": "1", "resourceVersion": "5", "generation": 2, "managedFields": [],
            "labels": {"app.kubernetes.io/instance": "shop"}},
            "spec": {"replicas": 2, "revisionHistoryLimit": 10, "selector": {"matchLabels": {"app": "web"}},
              "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"dnsPolicy": "ClusterFirst", "containers": [
                {"name": "web", "image": "web:1", "imagePullPolicy": "IfNotPresent",
                 "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                 "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}}},
            "status": {"replicas": 2}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "team"},
            "type": "Opaque", "data": {"password": "b2xkLXBhc3M="}}),
    ];
    // Enough ConfigMaps that their LIST takes several pages.
    for i in 0..7 {
        v.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("cm-{i}"), "namespace": "team"},
            "data": {"n": i.to_string()}}));
    }
    v
}

fn project(replicas: u32, password: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let app = d.path().join("app");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(app.join("kustomization.yaml"), "resources: [web.yaml]\n").unwrap();
    let mut cms = String::new();
    for i in 0..7 {
        cms.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i}}}\ndata: {{n: \"{i}\"}}\n"));
    }
    std::fs::write(
        app.join("web.yaml"),
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n      - name: web\n        image: web:1\n        ports: [{{containerPort: 8080}}]\n        resources: {{limits: {{cpu: 1000m, memory: 1024Mi}}}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: creds}}\nstringData: {{password: {password}}}\n{cms}"),
    )
    .unwrap();
    d
}

fn server(aggregated: bool, token: &'static str) -> Server {
    Server::start(Config {
        kinds: core_kinds(),
        objects: live_objects(),
        aggregated,
        page: 3,
        token,
    })
}

fn diff(s: &Server, dir: &std::path::Path, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .current_dir(dir)
        .args(["diff", "."])
        .args(extra)
        .env("KUBECONFIG", &s.kubeconfig)
        .env_remove("KUBECTL_EXTERNAL_DIFF")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn in_sync_objects_exit_0_and_drift_exits_1() {
    let s = server(true, TOKEN);
    let p = project(2, "old-pass");
    let app = p.path().join("app");
    let (code, out, err) = diff(&s, &app, &[]);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    assert_eq!(out, "");
    let reqs = s.requests();
    // Aggregated discovery: two requests; the ConfigMaps take three pages of three.
    assert_eq!(
        reqs.iter().filter(|r| r.starts_with("GET /api")).count()
            - reqs.iter().filter(|r| r.contains("/namespaces/")).count(),
        2,
        "{reqs:?}"
    );
    assert_eq!(
        reqs.iter().filter(|r| r.contains("/configmaps")).count(),
        3,
        "{reqs:?}"
    );
    assert!(
        reqs.iter().all(|r| r.starts_with("GET ")),
        "read-only: {reqs:?}"
    );

    let p = project(3, "new-pass");
    let app = p.path().join("app");
    let (code, out, err) = diff(&s, &app, &["--color", "never"]);
    assert_eq!(code, 1, "stderr: {err}");
    assert!(out.contains("-  replicas: 2\n+  replicas: 3\n"), "{out}");
    assert!(
        out.contains("*** (before)") && out.contains("*** (after)"),
        "{out}"
    );
    for secret in ["b2xkLXBhc3M=", "bmV3LXBhc3M=", "new-pass", "old-pass"] {
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "secret {secret} leaked"
        );
    }
    let (code, out, _) = diff(&s, &app, &["--summary"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("Deployment.apps       0       1       0          0"),
        "{out}"
    );
    let (code, _, _) = diff(&s, &app, &["--exit-code=false"]);
    assert_eq!(code, 0);
}

#[test]
fn legacy_discovery_servers_work_too() {
    let s = server(false, TOKEN);
    let p = project(2, "old-pass");
    let (code, out, err) = diff(&s, &p.path().join("app"), &[]);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    let reqs = s.requests();
    assert!(reqs.contains(&"GET /apis/apps/v1".to_string()), "{reqs:?}");
}

#[test]
fn a_wrong_token_is_a_clear_error() {
    let s = server(true, "wrong-token");
    let p = project(2, "old-pass");
    let (code, out, err) = diff(&s, &p.path().join("app"), &[]);
    assert_eq!(code, 2, "stdout: {out}");
    assert!(err.contains("401") && err.contains("Unauthorized"), "{err}");
    assert!(
        !err.contains("wrong-token"),
        "the token is never printed: {err}"
    );
}

#[test]
fn a_missing_kubeconfig_is_a_clear_error() {
    let p = project(2, "old-pass");
    let out = Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .current_dir(p.path().join("app"))
        .args(["diff", "--kubeconfig", "nope.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope.yaml"), "{err}");
}
