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
    for ns in ["team", "kube-system", "openshift-operators", "default"] {
        v.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
    }
    v.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "sealed-secrets-controller", "namespace": "kube-system"},
        "spec": {"ports": [{"name": "http", "port": 8080}]}}));
    // Tracked for the Application "shop", of a kind it no longer holds: would be pruned.
    v.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "old-svc", "namespace": "team",
        "labels": {"app.kubernetes.io/instance": "shop"}}, "spec": {"ports": [{"port": 80}]}}));
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
        installs: Vec::new(),
        installs_namespaces: Vec::new(),
        installs_objects: vec![],
        cert_pem: String::new(),
        aggregated,
        page: 3,
        token,
    })
}

fn diff(s: &Server, dir: &std::path::Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["diff", "."];
    args.extend_from_slice(extra);
    run(s, dir, &args)
}

fn run(s: &Server, dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    common::manifesto_against(s, dir, args)
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

fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {kind: Widget, plural: widgets}\n  versions: [{name: v1, served: true, storage: true}]\n";

#[test]
fn apply_creates_namespaces_and_crds_first_and_waits_for_established() {
    let s = server(true, TOKEN);
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "kustomization.yaml", "resources: [all.yaml]\n");
    write(
        d.path(),
        "all.yaml",
        &format!(
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: w1, namespace: shop}}\nspec: {{size: 3}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: shop}}\ndata: {{a: '1'}}\n---\n{CRD}---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: shop}}\n"
        ),
    );
    // A dry run first: nothing is stored, the Widget would come with its CRD.
    let (code, out, err) = run(&s, d.path(), &["apply", "--dry-run=server"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Widget.example.com shop/w1: would be created with its CustomResourceDefinition (server dry run)"), "{out}");
    assert!(
        out.contains("ConfigMap shop/c: would be created with its Namespace (server dry run)"),
        "{out}"
    );
    assert!(
        s.requests()
            .iter()
            .filter(|r| r.starts_with("PATCH"))
            .all(|r| r.contains("dryRun=All"))
    );

    let (code, out, err) = run(&s, d.path(), &["apply"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "Namespace/shop created",
            "CustomResourceDefinition.apiextensions.k8s.io/widgets.example.com created",
            "waiting for CustomResourceDefinition.apiextensions.k8s.io/widgets.example.com to be Established",
            "ConfigMap shop/c created",
            "Widget.example.com shop/w1 created",
        ],
        "{out}"
    );
    let patches: Vec<String> = s
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("PATCH") && !r.contains("dryRun"))
        .collect();
    assert!(
        patches.iter().all(|p| p.contains("fieldManager=manifesto")),
        "{patches:?}"
    );
    // Applying again changes nothing.
    let (code, out, _) = run(&s, d.path(), &["apply"]);
    assert_eq!(code, 0);
    assert!(out.lines().all(|l| l.ends_with(" unchanged")), "{out}");
}

#[test]
fn apply_errors_name_the_object_and_say_what_to_do() {
    let s = server(true, TOKEN);
    let d = tempfile::tempdir().unwrap();
    for (name, want) in [
        ("forbidden-x", "403"),
        ("conflict-x", "--force-conflicts"),
        ("invalid-x", "422"),
    ] {
        write(
            d.path(),
            "cm.yaml",
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: team}}\n"
            ),
        );
        let (code, _, err) = run(&s, d.path(), &["apply", "-f", "cm.yaml"]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("ConfigMap team/{name}")) && err.contains(want),
            "{err}"
        );
    }
    write(
        d.path(),
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conflict-x, namespace: team}\n",
    );
    let (code, out, err) = run(
        &s,
        d.path(),
        &["apply", "-f", "cm.yaml", "--force-conflicts"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "ConfigMap team/conflict-x created\n");
    write(
        d.path(),
        "x.yaml",
        "apiVersion: nope.io/v1\nkind: Thing\nmetadata: {name: t, namespace: team}\n",
    );
    let (code, _, err) = run(&s, d.path(), &["apply", "-f", "x.yaml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no kind Thing in API group \"nope.io\""),
        "{err}"
    );
}

#[test]
fn bootstrap_waits_for_what_the_operator_installs() {
    let s = Server::start(Config {
        kinds: core_kinds(),
        objects: live_objects(),
        installs: vec![support_kind(
            "argoproj.io",
            "v1alpha1",
            "Application",
            "applications",
            true,
        )],
        installs_namespaces: vec!["openshift-gitops"],
        installs_objects: vec![],
        cert_pem: String::new(),
        aggregated: true,
        page: 500,
        token: TOKEN,
    });
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "bootstrap/kustomization.yaml",
        "resources: [gitops.yaml, root.yaml]\n",
    );
    write(
        d.path(),
        "bootstrap/gitops.yaml",
        "apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nmetadata: {name: openshift-gitops-operator, namespace: openshift-operators}\nspec: {channel: latest, name: openshift-gitops-operator, source: redhat-operators, sourceNamespace: openshift-marketplace}\n",
    );
    write(
        d.path(),
        "bootstrap/root.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: root, namespace: openshift-gitops}\nspec: {project: default}\n",
    );
    let (code, out, err) = run(&s, d.path(), &["bootstrap", ".", "--timeout", "20"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.first(),
        Some(
            &"Subscription.operators.coreos.com openshift-operators/openshift-gitops-operator created"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "ClusterServiceVersion openshift-operators/openshift-gitops-operator.v1.0.0 succeeded"
        ),
        "{out}"
    );
    assert_eq!(
        lines.last(),
        Some(&"Application.argoproj.io openshift-gitops/root created"),
        "{out}"
    );
}

#[test]
fn bootstrap_retries_a_webhook_that_has_not_caught_up() {
    let s = server(true, TOKEN);
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "bootstrap/kustomization.yaml",
        "resources: [cm.yaml]\n",
    );
    write(
        d.path(),
        "bootstrap/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: webhook-late-settings, namespace: team}\ndata: {a: b}\n",
    );
    let (code, out, err) = run(&s, d.path(), &["bootstrap", ".", "--timeout", "20"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("waiting for ConfigMap team/webhook-late-settings (admission webhook")
            && out.contains("ConfigMap team/webhook-late-settings created"),
        "{out}"
    );
    // `apply` (no waiting for what operators install) reports the denial at once.
    write(
        d.path(),
        "x.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: webhook-late-other, namespace: team}\n",
    );
    let (code, _, err) = run(&s, d.path(), &["apply", "-f", "x.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("denied the request"), "{err}");
}

fn support_kind(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
) -> common::apiserver::Kind {
    common::apiserver::kind(group, version, kind, plural, namespaced)
}

#[test]
fn seal_fetches_the_certificate_through_the_service_proxy() {
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/seal/TEST-ONLY-sealing-cert.pem"
    ))
    .unwrap();
    let s = Server::start(Config {
        kinds: core_kinds(),
        objects: live_objects(),
        installs: Vec::new(),
        installs_namespaces: Vec::new(),
        installs_objects: vec![],
        cert_pem: pem.clone(),
        aggregated: true,
        page: 500,
        token: TOKEN,
    });
    let d = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&s, d.path(), &["seal", "--fetch-cert"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, pem);
    write(
        d.path(),
        "s.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\nstringData: {password: hunter2}\n",
    );
    let (code, out, err) = run(&s, d.path(), &["seal", "-f", "s.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("kind: SealedSecret") && !out.contains("hunter2"),
        "{out}"
    );
    let (code, _, err) = run(
        &s,
        d.path(),
        &["seal", "--fetch-cert", "--controller-name", "other"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("kube-system/other") && err.contains("404"),
        "{err}"
    );
}

#[test]
fn server_side_diff_asks_the_server_and_changes_nothing() {
    let s = server(true, TOKEN);
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-0, namespace: team}\ndata: {n: changed}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-1, namespace: team}\ndata: {n: '1'}\n",
    );
    let (code, out, err) = run(&s, d.path(), &["diff", "-f", "cm.yaml", "--server-side"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("-  \"n\": \"0\"\n+  \"n\": changed\n"),
        "{out}"
    );
    assert!(!out.contains("cm-1"), "{out}");
    let patches: Vec<String> = s
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("PATCH"))
        .collect();
    assert_eq!(patches.len(), 2);
    assert!(
        patches
            .iter()
            .all(|p| p.contains("dryRun=All") && p.contains("fieldManager=manifesto")),
        "{patches:?}"
    );
    // Nothing was stored: a plain diff still sees the old value.
    let (code, out, _) = run(&s, d.path(), &["diff", "-f", "cm.yaml", "--color", "never"]);
    assert_eq!(code, 1);
    assert!(out.contains("-  \"n\": \"0\""), "{out}");
}

#[test]
fn an_application_diff_finds_tracked_objects_of_kinds_it_no_longer_holds() {
    let s = server(true, TOKEN);
    let p = project(2, "old-pass");
    write(
        p.path(),
        "shop-app.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop, namespace: openshift-gitops}\nspec:\n  source: {repoURL: 'https://git.example.com/x.git', path: app}\n  destination: {server: 'https://kubernetes.default.svc', namespace: team}\n",
    );
    let (code, out, err) = run(
        &s,
        p.path(),
        &["diff", "--app", "shop-app.yaml", "-o", "json"],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let changed: Vec<String> = v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["change"] != "unchanged")
        .map(|o| {
            format!(
                "{} {}/{}: {}",
                o["kind"].as_str().unwrap(),
                o["namespace"].as_str().unwrap(),
                o["name"].as_str().unwrap(),
                o["change"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(changed, ["Service team/old-svc: delete"]);
    let reqs = s.requests();
    assert!(
        reqs.iter()
            .any(|r| r.starts_with("GET /api/v1/namespaces/team/services")),
        "{reqs:?}"
    );
    assert!(
        reqs.iter().all(|r| r.starts_with("GET ")),
        "read-only: {reqs:?}"
    );
}
