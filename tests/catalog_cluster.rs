//! `catalog import` and `catalog check` against a loopback API server the test starts,
//! serving the PackageManifest fixtures of fixtures/packagemanifests (see its README), the
//! way a user runs them: from the repo, through a kubeconfig.

mod common;

use common::apiserver::{Config, Kind, Server, TOKEN, core_kinds};
use common::repo_root;
use serde_json::json;
use std::path::Path;

fn server() -> Server {
    let mut kinds = core_kinds();
    kinds.push(Kind {
        group: "packages.operators.coreos.com",
        version: "v1",
        kind: "PackageManifest",
        plural: "packagemanifests",
        namespaced: true,
    });
    let mut objects = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "openshift-marketplace"}}),
    ];
    for f in ["strimzi-kafka-operator.yaml", "ibm-mq.yaml"] {
        let text =
            std::fs::read_to_string(repo_root().join("fixtures/packagemanifests").join(f)).unwrap();
        objects.push(manifesto::yaml::parse_one(&text).unwrap());
    }
    Server::start(Config {
        kinds,
        objects,
        installs: Vec::new(),
        installs_namespaces: Vec::new(),
        installs_objects: vec![],
        cert_pem: String::new(),
        aggregated: true,
        page: 50,
        token: TOKEN,
    })
}

fn run(s: &Server, dir: &Path, args: &[&str]) -> (i32, String, String) {
    common::manifesto_against(s, dir, args)
}

#[test]
fn import_writes_a_checked_local_entry_from_the_package_manifest() {
    let s = server();
    let d = tempfile::tempdir().unwrap();
    let (code, out, err) = run(
        &s,
        d.path(),
        &["catalog", "import", "strimzi-kafka-operator"],
    );
    assert_eq!(code, 0, "{out}{err}");
    // The package is the built-in strimzi entry's: the import takes its name and replaces it.
    let file = d.path().join("catalog/operators/strimzi.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let v = manifesto::yaml::parse_one(&text).unwrap();
    let channels: Vec<(&str, &str)> = v["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["follows"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        channels,
        [
            ("strimzi-0.50.x", ""),
            ("strimzi-0.51.x", ""),
            ("strimzi-1.2.x", ""),
            ("stable", "strimzi-0.51.x"),
            ("strimzi-1.x", "strimzi-1.2.x"),
        ],
        "oldest first, moving channels last and what they lead to:\n{text}"
    );
    assert_eq!(v["source"], "community-operators");
    assert_eq!(v["csvPrefix"], "strimzi-cluster-operator");
    assert_eq!(v["installMode"], "AllNamespaces");
    assert_eq!(v["defaultChannel"], "stable");
    let apis: Vec<String> = v["provides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| format!("{} {} {}", a["version"], a["since"], a["until"]))
        .collect();
    assert_eq!(
        apis,
        [
            "\"v1beta2\" null \"strimzi-0.51.x\"",
            "\"v1\" \"strimzi-1.2.x\" null"
        ],
        "{text}"
    );
    // The entry is live: show reads it, and the channel the cluster has is known.
    let (code, out, _) = run(&s, d.path(), &["catalog", "show", "strimzi"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("strimzi-1.2.x") && !out.contains("strimzi-0.45.x"),
        "{out}"
    );
    // It is not overwritten without --force; a package the cluster lacks is an error.
    let (code, _, err) = run(
        &s,
        d.path(),
        &["catalog", "import", "strimzi-kafka-operator"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("--force"), "{err}");
    let (code, _, err) = run(&s, d.path(), &["catalog", "import", "no-such-operator"]);
    assert_eq!(code, 2);
    assert!(err.contains("no PackageManifest no-such-operator"), "{err}");
    let (code, _, _) = run(
        &s,
        d.path(),
        &["catalog", "import", "strimzi-kafka-operator", "--force"],
    );
    assert_eq!(code, 0);
}

#[test]
fn check_reports_what_the_cluster_does_not_offer() {
    let s = server();
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("repo");
    std::fs::create_dir_all(repo.join("mq")).unwrap();
    std::fs::write(
        repo.join("mq/kustomization.yaml"),
        "resources: [sub.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("mq/sub.yaml"),
        "apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nmetadata: {name: ibm-mq, namespace: openshift-operators}\nspec:\n  name: ibm-mq\n  channel: v3.8\n  startingCSV: ibm-mq.v3.8.0\n  source: ibm-operator-catalog\n  sourceNamespace: openshift-marketplace\n",
    )
    .unwrap();
    std::fs::create_dir_all(repo.join("kafka")).unwrap();
    std::fs::write(
        repo.join("kafka/kustomization.yaml"),
        "resources: [sub.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("kafka/sub.yaml"),
        "apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nmetadata: {name: strimzi, namespace: openshift-operators}\nspec:\n  name: strimzi-kafka-operator\n  channel: strimzi-0.45.x\n  source: community-operators\n  sourceNamespace: openshift-marketplace\n",
    )
    .unwrap();
    let (code, out, err) = run(&s, d.path(), &["catalog", "check", "--repo", "repo"]);
    assert_eq!(code, 1, "{out}{err}");
    for needle in [
        "catalog/operators/ibm-mq.yaml: ibm-mq: channel v3.2-sc2 is not offered by the cluster (v3.8, v3.9)",
        "catalog/operators/strimzi.yaml: strimzi: channel strimzi-0.45.x is not offered by the cluster",
        "catalog/operators/openshift-gitops.yaml: package openshift-gitops-operator is not offered by the cluster",
        "repo/mq: startingCSV ibm-mq.v3.8.0 is not the head of channel v3.8 (the cluster's is ibm-mq.v3.8.1)",
        "repo/kafka: package strimzi-kafka-operator has no channel strimzi-0.45.x on the cluster",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    // What the cluster does offer is not reported.
    for quiet in ["channel v3.9 ", "channel stable ", "channel strimzi-1.2.x "] {
        assert!(!out.contains(quiet), "{quiet:?} is offered:\n{out}");
    }
    assert!(err.contains("against 2 PackageManifest(s)"), "{err}");
}
