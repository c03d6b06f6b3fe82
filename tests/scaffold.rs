//! `manifesto scaffold`, `init` and `schema`: complete repos that build byte-identically
//! with kubectl kustomize, idempotence, edited files kept, and every kind of bad spec.

mod common;
use common::{
    Test, added_files, changed_files, kubectl_kustomize, manifesto_build, repo_root, snapshot,
};
use std::path::Path;
use std::process::Command;

const EXAMPLE: &str = include_str!("../templates/examples/realtime-inventory.yaml");

fn cert() -> String {
    repo_root()
        .join("fixtures/seal/TEST-ONLY-sealing-cert.pem")
        .to_string_lossy()
        .into_owned()
}

/// Builds every kustomization in the tree with both renderers; returns all objects' kinds.
fn build_everything(root: &Path) -> Vec<String> {
    // kubectl would fetch the release manifests; both build a local stand-in instead.
    common::localize_remote_manifests(root);
    let mut kinds = Vec::new();
    let mut n = 0;
    for e in walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "kustomization.yaml")
    {
        let d = e.path().parent().unwrap();
        let ours = manifesto_build(d);
        assert_eq!(ours, kubectl_kustomize(d), "{}", d.display());
        kinds.extend(
            ours.lines()
                .filter_map(|l| l.strip_prefix("kind: "))
                .map(str::to_string),
        );
        n += 1;
    }
    assert!(n > 10, "only {n} kustomizations");
    kinds
}

#[test]
fn example_scaffolds_a_complete_repo_that_builds_like_kustomize() {
    let ran = Test::new()
        .args(&[
            "scaffold",
            "--example",
            "realtime-inventory",
            "--out",
            "repo",
            "--cert",
            &cert(),
        ])
        .run()
        .status(0);
    let kinds = build_everything(&ran.dir.join("repo"));
    for k in [
        "Subscription",
        "OperatorGroup",
        "EventStreams",
        "KafkaTopic",
        "KafkaUser",
        "KafkaConnect",
        "KafkaConnector",
        "QueueManager",
        "SealedSecret",
        "Application",
        "AppProject",
        "Deployment",
        "Service",
        "ConfigMap",
    ] {
        assert!(kinds.iter().any(|x| x == k), "no {k} in the rendered repo");
    }
    let app = std::fs::read_to_string(ran.dir.join("repo/config/argocd/prod/apps.yaml")).unwrap();
    assert!(!app.contains("automated"), "prod syncs manually:\n{app}");
    assert!(
        app.contains("SkipDryRunOnMissingResource=true")
            && app.contains("resources-finalizer.argocd.argoproj.io")
    );
    let dev =
        std::fs::read_to_string(ran.dir.join("repo/config/argocd/dev/services.yaml")).unwrap();
    assert!(
        dev.contains("selfHeal: true") && dev.contains("argocd.argoproj.io/sync-wave: \"1\""),
        "{dev}"
    );
    // Health checks go to the ArgoCD resource (its operator owns and rewrites argocd-cm).
    assert!(
        !ran.dir
            .join("repo/bootstrap/argocd/argocd-cm.yaml")
            .exists()
    );
    let cr = std::fs::read_to_string(ran.dir.join("repo/bootstrap/argocd/argocd.yaml")).unwrap();
    assert!(
        cr.contains("kind: ArgoCD\n") && cr.contains("group: mq.ibm.com\n    kind: QueueManager"),
        "{cr}"
    );
    // No plaintext: the generated secret values never appear outside SealedSecrets.
    for (path, bytes) in snapshot(&ran.dir.join("repo")) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("kind: Secret\n"),
            "{path} holds a plain Secret"
        );
    }
}

#[test]
fn strimzi_variant_builds_like_kustomize() {
    let spec = EXAMPLE
        .replace(
            "type: eventstreams\n    name: es-demo",
            "type: strimzi\n    name: es-demo",
        )
        .replace(
            "    - name: ibm-eventstreams\n      channel: v12.3\n",
            "    - name: strimzi\n      channel: stable\n    - name: apicurio-registry\n",
        )
        .replace(
            "  schemaRegistry:\n    type: eventstreams",
            "  schemaRegistry:\n    type: apicurio",
        )
        // A Strimzi Kafka has no license (the spec check refuses one).
        .replace(
            "licenseUse: {es-demo: EventAutomationProduction, qm-warehouse: Production}",
            "licenseUse: {qm-warehouse: Production}",
        );
    let ran = Test::new()
        .file("solution.yaml", &spec)
        .args(&["scaffold", "--out", "repo", "--cert", &cert()])
        .run()
        .status(0);
    let kinds = build_everything(&ran.dir.join("repo"));
    for k in [
        "Kafka",
        "KafkaNodePool",
        "KafkaTopic",
        "KafkaUser",
        "KafkaConnect",
        "KafkaConnector",
        "ApicurioRegistry",
        "QueueManager",
        "SealedSecret",
    ] {
        assert!(kinds.iter().any(|x| x == k), "no {k}");
    }
    let topic = std::fs::read_to_string(
        ran.dir
            .join("repo/environments/base/services/topics/items.yaml"),
    )
    .unwrap();
    assert!(topic.contains("strimzi.io/cluster: es-demo"), "{topic}");
    let connect = std::fs::read_to_string(
        ran.dir
            .join("repo/environments/base/services/connect/mq-connect.yaml"),
    )
    .unwrap();
    assert!(
        connect.contains("strimzi.io/use-connector-resources: \"true\""),
        "{connect}"
    );
}

#[test]
fn second_run_changes_nothing_and_edits_are_kept() {
    let t = Test::new().args(&[
        "scaffold",
        "--example",
        "realtime-inventory",
        "--out",
        "repo",
        "--cert",
        &cert(),
    ]);
    let dir = t.dir.clone();
    let ran = t.run().status(0);
    let first = snapshot(&dir.join("repo"));
    let again = |extra: &[&str]| {
        let c = cert();
        let mut args = vec![
            "scaffold",
            "--example",
            "realtime-inventory",
            "--out",
            "repo",
            "--cert",
            c.as_str(),
        ];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_manifesto"))
            .args(&args)
            .current_dir(&dir)
            .env(common::ENTITLEMENT.0, common::ENTITLEMENT.1)
            .output()
            .unwrap()
    };
    let out = again(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        snapshot(&dir.join("repo")),
        first,
        "a second run must be byte-identical (SealedSecrets kept)"
    );
    // A user's edit is kept and reported; nothing else is written.
    let edited = dir.join("repo/environments/prod/apps/kustomization.yaml");
    let mine = format!(
        "{}# tuned by hand\n",
        std::fs::read_to_string(&edited).unwrap()
    );
    std::fs::write(&edited, &mine).unwrap();
    let out = again(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("environments/prod/apps/kustomization.yaml")
    );
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), mine);
    // --dry-run shows the diff and writes nothing; --force restores.
    let out = again(&["--dry-run", "--force"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a dry run that would change files exits 1"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("-# tuned by hand"));
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), mine);
    let out = again(&["--force"]);
    assert!(out.status.success());
    assert_eq!(snapshot(&dir.join("repo")), first);
    // --reseal seals again: only SealedSecret files change.
    let out = again(&["--reseal"]);
    assert!(out.status.success());
    let after = snapshot(&dir.join("repo"));
    assert_eq!(added_files(&first, &after), Vec::<String>::new());
    let changed = changed_files(&first, &after);
    assert!(
        !changed.is_empty()
            && changed
                .iter()
                .all(|k| k.contains("/secrets/") || k.ends_with(".manifesto-scaffold.json")),
        "{changed:?}"
    );
    drop(ran);
}

#[test]
fn without_a_certificate_secrets_are_left_out_with_a_warning() {
    let ran = Test::new()
        .args(&[
            "scaffold",
            "--example",
            "realtime-inventory",
            "--out",
            "repo",
        ])
        .run()
        .status(0);
    assert!(
        ran.stderr()
            .contains("no sealing certificate: secrets ibm-entitlement-key left out"),
        "{}",
        ran.stderr()
    );
    assert!(!ran.dir.join("repo/environments/dev/secrets").exists());
}

#[test]
fn bad_specs_are_reported_together_with_lines_and_paths() {
    let spec = EXAMPLE
        .replace(
            "      image: quay.io/ibmcase/item-aggregator",
            "      imgae: quay.io/ibmcase/item-aggregator",
        )
        .replace(
            "      - name: mq-connect\n        replicas: 1\n",
            "      - name: mq-connect\n        replicas: one\n",
        )
        .replace("connectCluster: mq-connect", "connectCluster: mq-conect");
    let ran = Test::new()
        .file("solution.yaml", &spec)
        .args(&["scaffold", "--out", "repo"])
        .run()
        .status(2);
    let err = ran.stderr();
    assert!(
        err.contains("unknown field `imgae` (did you mean `image`?)"),
        "{err}"
    );
    assert!(err.contains("missing required field `image`"), "{err}");
    assert!(
        err.contains(
            "spec.eventBackbone.connectClusters[0].replicas: expected integer, found string"
        ),
        "{err}"
    );
    assert!(err.contains("solution.yaml:"), "{err}");
    assert!(!ran.dir.join("repo").exists(), "nothing may be written");

    // Broken references, all at once, each with its line.
    let spec = EXAMPLE
        .replace("connectCluster: mq-connect", "connectCluster: mq-conect")
        .replace(
            "      consumes: [items]\n      produces: [item.inventory]",
            "      consumes: [itemz]\n      produces: [item.inventory]",
        )
        .replace(
            "    - name: ibm-mq\n      channel: v3.9",
            "    - name: ibm-mqq\n      channel: v3.9",
        )
        .replace(
            "    - name: openshift-gitops\n      channel: latest",
            "    - name: openshift-gitops\n      channel: gitops-0.1",
        )
        .replace(
            "  overrides:\n    dev:",
            "  overrides:\n    qa:\n      replicas: {store-simulator: 1}\n    dev:",
        );
    let ran = Test::new()
        .file("solution.yaml", &spec)
        .args(&["scaffold", "--out", "repo"])
        .run()
        .status(2);
    let err = ran.stderr();
    for want in [
        "spec.eventBackbone.connectors[0].connectCluster: connect cluster `mq-conect` is not declared",
        "spec.apps[1].consumes[0]: topic `itemz` is not declared",
        "spec.operators[1].name: unknown operator \"ibm-mqq\"; did you mean ibm-mq",
        "spec.operators[2].channel: channel `gitops-0.1` is not known for openshift-gitops",
        "spec.overrides.qa: environment `qa` is not declared",
        "spec.queueManagers: needs operator `ibm-mq`",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    let line_of = |needle: &str| spec.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(
        err.contains(&format!(
            "solution.yaml:{}: spec.eventBackbone.connectors[0].connectCluster",
            line_of("mq-conect")
        )),
        "{err}"
    );

    // Secret sources that cannot be read name the secret and key.
    let spec = EXAMPLE.replace(
        "      passwordFromEnv: IBM_ENTITLEMENT_KEY",
        "      passwordFromEnv: MANIFESTO_TEST_UNSET_VARIABLE",
    );
    Test::new()
        .file("solution.yaml", &spec)
        .args(&["scaffold", "--out", "repo", "--cert", &cert()])
        .run()
        .status(2)
        .stderr_has("secret ibm-entitlement-key key password: environment variable MANIFESTO_TEST_UNSET_VARIABLE is not set");
}

#[test]
fn init_and_schema() {
    let ran = Test::new()
        .args(&["init", "--example", "minimal"])
        .run()
        .status(0);
    let spec = std::fs::read_to_string(ran.dir.join("solution.yaml")).unwrap();
    assert!(spec.starts_with("# yaml-language-server: $schema=solution.schema.json"));
    assert!(ran.dir.join("solution.schema.json").exists());
    let out = Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .args(["scaffold", "--out", "repo"])
        .current_dir(&ran.dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    build_everything(&ran.dir.join("repo"));
    let again = Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .args(["init", "--example", "minimal"])
        .current_dir(&ran.dir)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "init must not overwrite");
    let schema = Test::new().args(&["schema"]).run().status(0);
    let v: serde_json::Value = serde_json::from_str(&schema.stdout()).unwrap();
    assert_eq!(v["properties"]["kind"]["enum"][0], "Solution");
}

use common::manifesto_in;

/// `manifesto catalog bump ARGS --cert <the test certificate>` in a scaffolded repo.
fn bump_with_cert(repo: &Path, args: &[&str]) -> std::process::Output {
    let cert = cert();
    let mut all = vec!["catalog", "bump"];
    all.extend_from_slice(args);
    all.extend(["--cert", cert.as_str()]);
    manifesto_in(repo, &all)
}

#[test]
fn catalog_bump_moves_a_scaffolded_repo_end_to_end() {
    // A repo on Event Streams v3.7 (ES 11.7) moves to v12.3.
    let spec = EXAMPLE.replace("      channel: v12.3", "      channel: v3.7");
    let t = Test::new().file("repo/solution.yaml", &spec).args(&[
        "scaffold",
        "-f",
        "repo/solution.yaml",
        "--out",
        "repo",
        "--cert",
        &cert(),
    ]);
    let dir = t.dir.clone();
    let _ran = t.run().status(0);
    let repo = dir.join("repo");
    let before = snapshot(&repo);

    // The spec's channel, the bootstrap pointer, the README's operator line and the
    // license the catalog gives v12.3 change; nothing else does.
    let out = bump_with_cert(&repo, &["ibm-eventstreams", "v12.3", "--dry-run"]);
    assert_eq!(out.status.code(), Some(1), "a dry run with changes exits 1");
    assert_eq!(snapshot(&repo), before, "a dry run writes nothing");
    let out = bump_with_cert(&repo, &["ibm-eventstreams", "v12.3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = snapshot(&repo);
    assert_eq!(
        changed_files(&before, &after),
        [
            ".manifesto-scaffold.json",
            "README.md",
            "bootstrap/operators/ibm-eventstreams/kustomization.yaml",
            "environments/base/services/backbone/backbone.yaml",
            // The storage overrides now patch the node pool's storage.
            "environments/dev/services/kustomization.yaml",
            "environments/prod/services/kustomization.yaml",
            "solution.yaml",
        ],
        "only what the channel decides may change"
    );
    assert!(added_files(&before, &after).is_empty());
    let text = |p: &str| String::from_utf8(after[p].clone()).unwrap();
    assert_eq!(text("solution.yaml"), EXAMPLE, "one line of the spec");
    let line_diff = |p: &str| -> Vec<(String, String)> {
        let (b, a) = (String::from_utf8(before[p].clone()).unwrap(), text(p));
        assert_eq!(
            b.lines().count(),
            a.lines().count(),
            "{p}: same lines, some changed"
        );
        b.lines()
            .zip(a.lines())
            .filter(|(x, y)| x != y)
            .map(|(x, y)| (x.to_string(), y.to_string()))
            .collect()
    };
    assert_eq!(
        line_diff("environments/dev/services/kustomization.yaml"),
        [(
            "      path: /spec/strimziOverrides/kafka/storage/size".to_string(),
            "      path: /spec/strimziOverrides/nodePools/0/storage/size".to_string()
        )]
    );
    assert_eq!(
        line_diff("bootstrap/operators/ibm-eventstreams/kustomization.yaml"),
        [(
            "- ../../../catalog/ibm-eventstreams/operator/overlays/v3.7".to_string(),
            "- ../../../catalog/ibm-eventstreams/operator/overlays/v12.3".to_string()
        )]
    );
    // Event Streams 11.8 and later: Event Automation's license, and KRaft node pools in place
    // of ZooKeeper (the catalog's operand defaults for v12.3).
    let (old_es, new_es) = (
        String::from_utf8(before["environments/base/services/backbone/backbone.yaml"].clone())
            .unwrap(),
        text("environments/base/services/backbone/backbone.yaml"),
    );
    assert!(
        old_es.contains("license: L-AUKS-FKVXVL") && old_es.contains("zookeeper:"),
        "{old_es}"
    );
    assert!(
        new_es.contains("license: L-CYBH-K48BZQ")
            && new_es.contains("nodePools:")
            && !new_es.contains("zookeeper"),
        "{new_es}"
    );

    // IBM MQ v3.9 -> v4.0-sc2 (MQ 10.0): the QueueManager's version and license follow.
    let before = after;
    let out = bump_with_cert(&repo, &["ibm-mq", "v4.0-sc2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = snapshot(&repo);
    let qm = String::from_utf8(after["environments/base/services/mq/qm-warehouse.yaml"].clone())
        .unwrap();
    assert!(
        qm.contains("version: 10.0.0.0-r2") && qm.contains("license: L-UMVX-XYNRAD"),
        "{qm}"
    );
    assert_eq!(
        changed_files(&before, &after),
        [
            ".manifesto-scaffold.json",
            "README.md",
            "bootstrap/operators/ibm-mq/kustomization.yaml",
            "environments/base/services/mq/qm-warehouse.yaml",
            "solution.yaml",
        ]
    );

    // Everything still builds byte-identically with kubectl, and a scaffold run afterwards
    // finds nothing to do: the state file knows what the bump wrote.
    let again = manifesto_in(&repo, &["scaffold", "--cert", &cert()]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        snapshot(&repo),
        after,
        "scaffold after bump changes nothing"
    );
    let copy = dir.join("copy");
    std::fs::create_dir(&copy).unwrap();
    for (p, b) in &after {
        let f = copy.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, b).unwrap();
    }
    build_everything(&copy);

    // A file the bump must change but the user edited: refused, nothing written; --force
    // overwrites it.
    let backbone = repo.join("environments/base/services/backbone/backbone.yaml");
    let edited = std::fs::read_to_string(&backbone).unwrap() + "# tuned by hand\n";
    std::fs::write(&backbone, &edited).unwrap();
    let before = snapshot(&repo);
    let out = bump_with_cert(&repo, &["ibm-eventstreams", "v12.3"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("backbone.yaml") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(snapshot(&repo), before, "a refused bump writes nothing");
    let out = bump_with_cert(&repo, &["ibm-eventstreams", "v12.3", "--force"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !std::fs::read_to_string(&backbone)
            .unwrap()
            .contains("tuned by hand")
    );

    // A channel the catalog does not list: refused with where to add it; added there (a
    // local entry, with its source), the bump goes through.
    let out = manifesto_in(&repo, &["catalog", "bump", "ibm-eventstreams", "v12.4"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("catalog/operators/ibm-eventstreams.yaml"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let builtin =
        std::fs::read_to_string(repo_root().join("catalog/operators/ibm-eventstreams.yaml"))
            .unwrap();
    let local = builtin
        .replace("- name: v13.0\n", "- name: v12.4\n- name: v13.0\n")
        .replace("until: v12.3", "until: v12.4")
        .replace(
            "operands:\n",
            "operands:\n- channel: v12.4\n  version: latest\n  license: L-CYBH-K48BZQ\n  use: EventAutomationNonProduction\n",
        )
        .replace(
            "sources:\n",
            "sources:\n- ref: https://example.com/event-streams/12.4/release-notes\n  backs: ['channel v12.4', 'operand v12.4']\n  says: the platform team's record of the v12.4 channel.\n",
        );
    std::fs::create_dir_all(repo.join("catalog/operators")).unwrap();
    std::fs::write(repo.join("catalog/operators/ibm-eventstreams.yaml"), local).unwrap();
    let out = bump_with_cert(&repo, &["ibm-eventstreams", "v12.4"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pointer = std::fs::read_to_string(
        repo.join("bootstrap/operators/ibm-eventstreams/kustomization.yaml"),
    )
    .unwrap();
    assert!(pointer.contains("overlays/v12.4"), "{pointer}");
    assert!(
        repo.join("catalog/ibm-eventstreams/operator/overlays/v12.4/patch-channel.yaml")
            .is_file()
    );
}
