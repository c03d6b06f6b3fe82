//! `manifesto build` on bad input: exit 2, a message naming the file, never a panic.

mod common;
use common::Test;

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";

#[test]
fn missing_resource_file() {
    Test::new()
        .file("kustomization.yaml", "resources:\n- nope.yaml\n")
        .args(&["build", "."])
        .run()
        .status(2)
        .stderr_has("nope.yaml")
        .no_panic();
}

#[test]
fn file_outside_root_is_refused_under_root_only() {
    Test::new()
        .file("secret.txt", "x")
        .file(
            "app/kustomization.yaml",
            "configMapGenerator:\n- name: c\n  files:\n  - ../secret.txt\n",
        )
        .args(&["build", "app"])
        .run()
        .status(2)
        .stderr_has("LoadRestrictionsRootOnly")
        .no_panic();
}

#[test]
fn file_outside_root_is_allowed_with_load_restrictions_none() {
    let ran = Test::new()
        .file("secret.txt", "x")
        .file(
            "app/kustomization.yaml",
            "configMapGenerator:\n- name: c\n  files:\n  - ../secret.txt\n",
        )
        .args(&["build", "app", "--load-restrictor", "LoadRestrictionsNone"])
        .run()
        .status(0);
    assert!(ran.stdout().contains("secret.txt: x"), "{}", ran.stdout());
}

#[test]
fn symlink_escaping_root_is_refused() {
    let t = Test::new().file("outside.txt", "x");
    let target = t.dir.join("outside.txt");
    t.file(
        "app/kustomization.yaml",
        "configMapGenerator:\n- name: c\n  files:\n  - link.txt\n",
    )
    .symlink("app/link.txt", &target)
    .args(&["build", "app"])
    .run()
    .status(2)
    .stderr_has("link.txt")
    .no_panic();
}

#[test]
fn duplicate_resource_id() {
    Test::new()
        .file("kustomization.yaml", "resources:\n- a.yaml\n- b.yaml\n")
        .file("a.yaml", CM)
        .file("b.yaml", CM)
        .args(&["build", "."])
        .run()
        .status(2)
        .stderr_has("already registered id")
        .stderr_has("b.yaml");
}

#[test]
fn strategic_patch_matching_nothing() {
    Test::new()
        .file(
            "kustomization.yaml",
            "resources:\n- a.yaml\npatches:\n- path: p.yaml\n",
        )
        .file("a.yaml", CM)
        .file(
            "p.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n  k: v\n",
        )
        .args(&["build", "."])
        .run()
        .status(2)
        .stderr_has("no resource matches strategic merge patch")
        .stderr_has("p.yaml");
}

#[test]
fn unknown_kustomization_field() {
    Test::new()
        .file("kustomization.yaml", "resources: []\nnamePrefx: x-\n")
        .args(&["build", "."])
        .run()
        .status(2)
        .stderr_has("unknown field \"namePrefx\"")
        .stderr_has("kustomization.yaml");
}

#[test]
fn cycle_between_kustomizations() {
    Test::new()
        .file("a/kustomization.yaml", "resources:\n- ../b\n")
        .file("b/kustomization.yaml", "resources:\n- ../a\n")
        .args(&["build", "a"])
        .run()
        .status(2)
        .stderr_has("cycle")
        .no_panic();
}

#[test]
fn malformed_yaml_names_file_and_line() {
    Test::new()
        .file("kustomization.yaml", "resources:\n- a.yaml\n")
        .file(
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n",
        )
        .args(&["build", "."])
        .run()
        .status(2)
        .stderr_has("a.yaml:5: ")
        .no_panic();
}

#[test]
fn helm_charts_are_refused_clearly() {
    // Nothing is shelled out to: helm never runs.
    Test::new()
        .file("kustomization.yaml", "helmCharts: []\n")
        .args(&["build", "."])
        .run()
        .status(2)
        .stderr_has("not supported yet: helmCharts")
        .stderr_has("kustomization.yaml");
}

#[test]
fn remote_base_not_in_the_cache_is_refused_offline() {
    // No network: --offline with an empty cache (remote.rs fetches for real, on loopback).
    Test::new()
        .file(
            "kustomization.yaml",
            "resources:\n- https://github.com/org/repo//base?ref=v1\n",
        )
        .args(&["build", ".", "--offline", "--cache-dir", "cache"])
        .run()
        .status(2)
        .stderr_has("./kustomization.yaml: https://github.com/org/repo//base?ref=v1")
        .stderr_has("--offline");
}

#[test]
fn deprecated_fields_warn_on_stderr() {
    let ran = Test::new()
        .file("kustomization.yaml", "bases:\n- base\n")
        .file("base/kustomization.yaml", "resources:\n- a.yaml\n")
        .file("base/a.yaml", CM)
        .args(&["build", "."])
        .run()
        .status(0);
    assert!(
        ran.stderr().contains("'bases' is deprecated"),
        "{}",
        ran.stderr()
    );
    assert!(
        ran.stdout().starts_with("apiVersion: v1\nkind: ConfigMap"),
        "{}",
        ran.stdout()
    );
}

#[test]
fn output_directory_gets_one_file_per_resource() {
    let ran = Test::new()
        .file("kustomization.yaml", "resources:\n- a.yaml\n- b.yaml\n")
        .file("a.yaml", CM)
        .file(
            "b.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n",
        )
        .file("out/.keep", "")
        .args(&["build", ".", "-o", "out"])
        .run()
        .status(0);
    // Two namespaces (default and shop): kustomize prefixes every namespaced file.
    let cm = std::fs::read_to_string(ran.dir.join("out/default_v1_configmap_a.yaml"))
        .expect("configmap file");
    assert!(cm.contains("name: a"));
    let dep = std::fs::read_to_string(ran.dir.join("out/shop_apps_v1_deployment_web.yaml"))
        .expect("deployment file");
    assert!(dep.contains("namespace: shop"));
}

#[test]
fn transform_errors_name_the_kustomization_and_never_panic() {
    let cases = [
        (
            "configMapGenerator: [{name: x, literals: [noequals]}]\n",
            "invalid literal source",
        ),
        (
            "resources: [a.yaml]\nimages: [{name: \"[\"}]\n",
            "images: invalid name",
        ),
        (
            "resources: [a.yaml]\npatches:\n- target: {kind: ConfigMap}\n  patch: '[{\"op\": \"replace\", \"path\": \"\", \"value\": \"x\"}]'\n",
            "not a mapping",
        ),
        (
            "resources: [a.yaml]\nreplicas: [{name: nope, count: 2}]\n",
            "does not match",
        ),
    ];
    for (k, want) in cases {
        Test::new()
            .file("kustomization.yaml", k)
            .file("a.yaml", CM)
            .args(&["build", "."])
            .run()
            .status(2)
            .stderr_has(want)
            .stderr_has("kustomization.yaml")
            .no_panic();
    }
}
