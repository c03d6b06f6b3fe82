//! `manifesto catalog`: rendered repos build byte-identically with kubectl kustomize, and
//! `catalog bump` changes only the lines that must change, in our layouts and in existing
//! third-party catalog repos.

mod common;
use common::{Test, added_files, changed_files, repo_root, snapshot};
use std::path::{Path, PathBuf};
use std::process::Command;

fn kubectl(dir: &Path) -> String {
    common::kubectl_kustomize(dir)
}

fn ours(dir: &Path) -> String {
    common::manifesto_build(dir)
}

fn kustomization_dirs(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "kustomization.yaml")
        .map(|e| e.path().parent().unwrap().to_path_buf())
        .collect();
    v.sort();
    v
}

#[test]
fn rendered_catalogs_build_like_kustomize_in_both_layouts() {
    for layout in ["cop", "eda"] {
        let ran = Test::new()
            .args(&["catalog", "render", "-o", "repo", "--layout", layout])
            .run()
            .status(0);
        let repo = ran.dir.join("repo");
        // Sealed Secrets installs from its release manifest by URL: manifesto reads it from
        // the cache offline; kubectl builds a copy where a local stand-in replaces the URL.
        let cache = ran.dir.join("cache");
        assert_eq!(common::seed_remote_cache(&cache, &repo), 2, "two releases");
        let ss = repo.join("sealed-secrets/operator/overlays/v0.40.0");
        let remote = common::manifesto_build_offline(&ss, &cache);
        assert_eq!(common::localize_remote_manifests(&repo), 2);
        assert_eq!(
            remote,
            kubectl(&ss),
            "the remote manifest read as kubectl reads a file"
        );
        for (needle, why) in [
            ("namespace: sealed-secrets\n", "moved into its namespace"),
            ("kind: CustomResourceDefinition", "the CRD comes with it"),
        ] {
            assert!(remote.contains(needle), "{why}:\n{remote}");
        }
        assert!(
            !remote.contains("runAsUser: 1001"),
            "the pod securityContext OpenShift's restricted SCC refuses is removed:\n{remote}"
        );
        let dirs = kustomization_dirs(&repo);
        assert!(dirs.len() > 70, "{layout}: only {} folders", dirs.len());
        for d in &dirs {
            assert_eq!(ours(d), kubectl(d), "{layout}: {}", d.display());
        }
        let es = ours(&ran.dir.join("repo/ibm-eventstreams/operator/overlays/v3.7"));
        assert!(es.contains("channel: v3.7"), "{es}");
        assert_eq!(
            es.contains("startingCSV: ibm-eventstreams.v3.7.0"),
            layout == "eda",
            "{es}"
        );
    }
}

#[test]
fn render_refuses_to_overwrite_edited_files() {
    let t = Test::new().args(&["catalog", "render", "-o", "repo", "--operator", "ibm-mq"]);
    let dir = t.dir.clone();
    let ran = t.run().status(0);
    let sub = dir.join("repo/ibm-mq/operator/base/subscription.yaml");
    std::fs::write(&sub, "# mine\n").unwrap();
    let again = Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .args(["catalog", "render", "-o", "repo", "--operator", "ibm-mq"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("subscription.yaml"));
    assert_eq!(std::fs::read_to_string(&sub).unwrap(), "# mine\n");
    drop(ran);
}

fn bump(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .args(["catalog", "bump"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn bump_in_eda_layout_moves_the_pointer_and_pins_the_csv() {
    let ran = Test::new()
        .args(&[
            "catalog",
            "render",
            "-o",
            ".",
            "--layout",
            "eda",
            "--operator",
            "ibm-eventstreams",
        ])
        .run()
        .status(0);
    let dir = ran.dir.clone();
    std::fs::write(dir.join("solution.yaml"), "apiVersion: manifesto.dev/v1alpha1\nkind: Solution\nspec:\n  operators:\n    # event backbone\n    - name: ibm-eventstreams\n      channel: v3.6 # pinned by the platform team\n    - name: ibm-mq\n      channel: v3.2\n").unwrap();
    let before = snapshot(&dir);
    let out = bump(&dir, &["ibm-eventstreams", "v3.7", "--repo", "."]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = snapshot(&dir);
    assert_eq!(added_files(&before, &after), Vec::<String>::new());
    let changed = changed_files(&before, &after);
    assert_eq!(
        changed,
        vec![
            "ibm-eventstreams/operator/overlays/kustomization.yaml",
            "solution.yaml"
        ]
    );
    let pointer =
        String::from_utf8(after["ibm-eventstreams/operator/overlays/kustomization.yaml"].clone())
            .unwrap();
    assert!(pointer.ends_with("resources:\n- v3.7\n"), "{pointer}");
    let sol = String::from_utf8(after["solution.yaml"].clone()).unwrap();
    assert!(
        sol.contains("      channel: v3.7 # pinned by the platform team\n")
            && sol.contains("channel: v3.2"),
        "{sol}"
    );
    let current = ours(&dir.join("ibm-eventstreams/operator/overlays"));
    assert!(
        current.contains("channel: v3.7")
            && current.contains("startingCSV: ibm-eventstreams.v3.7.0"),
        "{current}"
    );
    assert_eq!(
        current,
        kubectl(&dir.join("ibm-eventstreams/operator/overlays"))
    );

    // A channel the catalog does not know yet: refused, then allowed with a CSV.
    let before = snapshot(&dir);
    let out = bump(&dir, &["ibm-eventstreams", "v3.9", "--repo", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a known channel"));
    let out = bump(
        &dir,
        &[
            "ibm-eventstreams",
            "v3.9",
            "--repo",
            ".",
            "--allow-unknown-channel",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "the copied overlay pins a CSV, so one must be given"
    );
    let out = bump(
        &dir,
        &[
            "ibm-eventstreams",
            "v3.9",
            "--repo",
            ".",
            "--allow-unknown-channel",
            "--csv",
            "ibm-mq.v3.9.0",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not belong"));
    assert_eq!(snapshot(&dir), before, "refused bumps must change nothing");
    let out = bump(
        &dir,
        &[
            "ibm-eventstreams",
            "v3.9",
            "--repo",
            ".",
            "--allow-unknown-channel",
            "--csv",
            "ibm-eventstreams.v3.9.1",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = ours(&dir.join("ibm-eventstreams/operator/overlays"));
    assert!(
        built.contains("channel: v3.9") && built.contains("startingCSV: ibm-eventstreams.v3.9.1"),
        "{built}"
    );
    assert_eq!(
        built,
        kubectl(&dir.join("ibm-eventstreams/operator/overlays"))
    );
}

#[test]
fn bump_in_a_hand_written_cop_style_repo_keeps_everything_else() {
    let kust = "---\n# overlay for the 1.22 line\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\nnamespace: openshift-operators\n\nresources:\n  - ../../base\npatches:\n  - path: patch-channel.yaml\n    target:\n      kind: Subscription\n      name: pipelines\n";
    let ran = Test::new()
        .file("pipelines/operator/base/kustomization.yaml", "resources:\n  - install.yaml\n")
        .file("pipelines/operator/base/install.yaml", "---\napiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nmetadata:\n  name: pipelines\n  namespace: openshift-operators\nspec:\n  channel: patch-me  # see overlays\n  name: openshift-pipelines-operator-rh\n  source: redhat-operators\n  sourceNamespace: openshift-marketplace\n")
        .file("pipelines/operator/overlays/pipelines-1.22/kustomization.yaml", kust)
        .file("pipelines/operator/overlays/pipelines-1.22/patch-channel.yaml", "- op: replace\n  path: /spec/channel\n  value: 'pipelines-1.22'")
        .args(&["catalog", "bump", "openshift-pipelines", "pipelines-1.23", "--dry-run"])
        .run()
        // 1: there are differences
        .status(1);
    assert!(
        ran.stdout()
            .contains("+++ b/pipelines/operator/overlays/pipelines-1.23/patch-channel.yaml"),
        "{}",
        ran.stdout()
    );
    assert!(
        !ran.dir
            .join("pipelines/operator/overlays/pipelines-1.23")
            .exists(),
        "dry run wrote files"
    );
    let out = bump(&ran.dir, &["openshift-pipelines", "pipelines-1.23"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new_kust = std::fs::read_to_string(
        ran.dir
            .join("pipelines/operator/overlays/pipelines-1.23/kustomization.yaml"),
    )
    .unwrap();
    assert_eq!(
        new_kust, kust,
        "the copied kustomization keeps comments and layout"
    );
    let patch = std::fs::read_to_string(
        ran.dir
            .join("pipelines/operator/overlays/pipelines-1.23/patch-channel.yaml"),
    )
    .unwrap();
    // Quoting and the missing final newline of the original are kept.
    assert_eq!(
        patch,
        "- op: replace\n  path: /spec/channel\n  value: 'pipelines-1.23'"
    );
    let d = ran.dir.join("pipelines/operator/overlays/pipelines-1.23");
    assert_eq!(ours(&d), kubectl(&d));
    assert!(ours(&d).contains("channel: pipelines-1.23"));
}

#[test]
fn bump_refusals_name_the_problem_and_change_nothing() {
    let sub = "apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nmetadata:\n  name: ibm-mq\n  namespace: openshift-operators\nspec:\n  channel: v3.1\n  name: ibm-mq\n  source: ibm-operator-catalog\n  sourceNamespace: openshift-marketplace\n";
    let overlay =
        "resources:\n- ../../base\npatches:\n- path: p.yaml\n  target:\n    kind: Subscription\n";
    let t = Test::new()
        .file(
            "a/ibm-mq/base/kustomization.yaml",
            "resources:\n- sub.yaml\n",
        )
        .file("a/ibm-mq/base/sub.yaml", sub)
        .file("a/ibm-mq/overlays/v3.1/kustomization.yaml", overlay)
        .file(
            "a/ibm-mq/overlays/v3.1/p.yaml",
            "- op: replace\n  path: /spec/channel\n  value: v3.1\n",
        )
        .file(
            "b/ibm-mq/base/kustomization.yaml",
            "resources:\n- sub.yaml\n",
        )
        .file("b/ibm-mq/base/sub.yaml", sub)
        .file("b/ibm-mq/overlays/v3.1/kustomization.yaml", overlay)
        .file(
            "b/ibm-mq/overlays/v3.1/p.yaml",
            "- op: replace\n  path: /spec/channel\n  value: v3.1\n",
        );
    let dir = t.dir.clone();
    let before = snapshot(&dir);
    let cases: [(&[&str], &str); 4] = [
        (
            &["ibm-mq", "v3.2-sc2"],
            "several folders hold a Subscription",
        ),
        (&["ibm-mqq", "v3.2-sc2"], "did you mean ibm-mq"),
        (
            &["strimzi", "stable"],
            "no Subscription for package strimzi-kafka-operator",
        ),
        (&["ibm-mq", "v9.9"], "not a known channel"),
    ];
    for (args, want) in cases {
        let out = bump(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    assert_eq!(snapshot(&dir), before);
    let out = bump(&dir, &["ibm-mq", "v3.2-sc2", "--path", "b/ibm-mq"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.join("b/ibm-mq/overlays/v3.2-sc2/p.yaml").exists()
            && !dir.join("a/ibm-mq/overlays/v3.2-sc2").exists()
    );
    std::fs::write(
        dir.join("a/ibm-mq/base/sub.yaml"),
        format!("{sub}  broken: [ibm-mq\n"),
    )
    .unwrap();
    let out = bump(&dir, &["ibm-mq", "v3.2-sc2", "--path", "b/ibm-mq"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("a/ibm-mq/base/sub.yaml"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = t.run();
}

#[test]
fn bump_on_a_copy_of_the_shared_gitops_catalog() {
    let tree = repo_root().join("../shared/conformance/gitops-catalog/tree");
    assert!(tree.is_dir(), "{} is needed", tree.display());
    let t = Test::new();
    let dir = t.dir.join("catalog");
    for e in walkdir::WalkDir::new(&tree).into_iter().flatten() {
        let rel = e.path().strip_prefix(&tree).unwrap();
        let dst = dir.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
        } else if e.file_type().is_file() {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
    let before = snapshot(&dir);
    for (op, channel, folder) in [
        (
            "strimzi",
            "strimzi-0.45.x",
            "strimzi-kafka-operator/operator/overlays/strimzi-0.45.x",
        ),
        (
            "openshift-serverless",
            "stable-1.36",
            "serverless-operator/operator/overlays/stable-1.36",
        ),
        (
            "openshift-gitops",
            "gitops-1.16",
            "openshift-gitops-operator/operator/overlays/gitops-1.16",
        ),
    ] {
        let out = bump(&dir, &[op, channel]);
        assert!(
            out.status.success(),
            "{op}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let d = dir.join(folder);
        let built = ours(&d);
        assert!(built.contains(&format!("channel: {channel}")), "{built}");
        assert_eq!(built, kubectl(&d));
    }
    let after = snapshot(&dir);
    let changed = changed_files(&before, &after);
    assert!(changed.is_empty(), "existing files changed: {changed:?}");
    let added = added_files(&before, &after);
    assert_eq!(added.len(), 4, "{added:?}");
    let _ = t.run();
}

#[test]
fn bump_in_an_eda_gitops_catalog_style_repo_with_bases_and_pinned_csv() {
    // The shape of IBM's eda-gitops-catalog: `bases:`, `patchesJson6902`, a pointer folder
    // and files without a final newline.
    let overlay = "bases:\n  - ../../base\n\npatchesJson6902:\n- path: patch-channel.yaml\n  target:\n    kind: Subscription\n    name: ibm-eventstreams";
    let t = Test::new()
        .file("cp4i-operators/event-streams/operator/base/kustomization.yaml", "resources:\n- subscription.yaml\n")
        .file(
            "cp4i-operators/event-streams/operator/base/subscription.yaml",
            "apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nmetadata:\n  name: ibm-eventstreams\n  namespace: openshift-operators\nspec:\n  channel: stable\n  name: ibm-eventstreams\n  installPlanApproval: Automatic\n  source: ibm-operator-catalog\n  sourceNamespace: openshift-marketplace\n  startingCSV: ibm-eventstreams.v2.3.1",
        )
        .file("cp4i-operators/event-streams/operator/overlays/kustomization.yaml", "bases:  \n  - ./v3.0")
        .file("cp4i-operators/event-streams/operator/overlays/v3.0/kustomization.yaml", overlay)
        .file(
            "cp4i-operators/event-streams/operator/overlays/v3.0/patch-channel.yaml",
            "- op: replace\n  path: /spec/channel\n  value: v3.0\n- op: replace\n  path: /spec/startingCSV\n  value: ibm-eventstreams.v3.0.0",
        );
    let dir = t.dir.clone();
    let before = snapshot(&dir);
    let out = bump(&dir, &["ibm-eventstreams", "v3.6"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = snapshot(&dir);
    let changed = changed_files(&before, &after);
    assert_eq!(
        changed,
        vec!["cp4i-operators/event-streams/operator/overlays/kustomization.yaml"]
    );
    assert_eq!(
        String::from_utf8(
            after["cp4i-operators/event-streams/operator/overlays/kustomization.yaml"].clone()
        )
        .unwrap(),
        "bases:  \n  - ./v3.6"
    );
    let new_patch = String::from_utf8(
        after["cp4i-operators/event-streams/operator/overlays/v3.6/patch-channel.yaml"].clone(),
    )
    .unwrap();
    assert_eq!(
        new_patch,
        "- op: replace\n  path: /spec/channel\n  value: v3.6\n- op: replace\n  path: /spec/startingCSV\n  value: ibm-eventstreams.v3.6.1"
    );
    let d = dir.join("cp4i-operators/event-streams/operator/overlays");
    let built = ours(&d);
    assert!(
        built.contains("channel: v3.6") && built.contains("startingCSV: ibm-eventstreams.v3.6.1"),
        "{built}"
    );
    assert_eq!(built, kubectl(&d));
    let _ = t.run();
}

/// A local entry replacing the built-in sealed-secrets one with a newer release listed.
fn local_sealed_secrets() -> String {
    let builtin =
        std::fs::read_to_string(repo_root().join("catalog/operators/sealed-secrets.yaml")).unwrap();
    builtin.replace("- name: v0.41.0\n", "- name: v0.41.0\n- name: v0.42.0\n")
        + "# added by the platform team\n"
}

fn with_source_for(entry: &str, fact: &str) -> String {
    entry.replace(
        "sources:\n",
        &format!(
            "sources:\n- ref: https://github.com/bitnami/sealed-secrets/releases/tag/v0.42.0\n  backs: ['{fact}']\n  says: release v0.42.0 publishes controller.yaml.\n"
        ),
    )
}

#[test]
fn local_catalog_entries_add_and_replace_built_in_ones_under_the_same_checks() {
    let entry = local_sealed_secrets();
    // Without a source for the new channel the entry is refused, naming file and fact.
    let ran = Test::new()
        .file("catalog/operators/sealed-secrets.yaml", &entry)
        .args(&["catalog", "show", "sealed-secrets"])
        .run()
        .status(2)
        .stderr_has("catalog/operators/sealed-secrets.yaml")
        .stderr_has("no source backs \"channel v0.42.0\"");
    drop(ran);
    let good = with_source_for(&entry, "channel v0.42.0");
    let ran = Test::new()
        .file("catalog/operators/sealed-secrets.yaml", &good)
        .file(
            "catalog/operators/typo.yaml",
            "name: typo\ndisplayName: x\npackage: typo\nsource: redhat-operators\nnamespace: typo\ndefaultChannel: a\nchanels: []\nprovides: []\nsources: []\n",
        )
        .args(&["catalog", "list"])
        .run()
        .status(2)
        .stderr_has("catalog/operators/typo.yaml")
        .stderr_has("unknown field `chanels`");
    drop(ran);
    let ran = Test::new()
        .file("catalog/operators/sealed-secrets.yaml", &good)
        .args(&["catalog", "show", "sealed-secrets"])
        .run()
        .status(0);
    assert!(ran.stdout().contains("v0.42.0"), "{}", ran.stdout());
    // The same folder given with --catalog.
    let dir = ran.dir.clone();
    let out = Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .args([
            "--catalog",
            "catalog",
            "catalog",
            "render",
            "-o",
            "out",
            "--operator",
            "sealed-secrets",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url42 =
        "https://github.com/bitnami/sealed-secrets/releases/download/v0.42.0/controller.yaml";
    let k = std::fs::read_to_string(
        dir.join("out/sealed-secrets/operator/overlays/v0.42.0/kustomization.yaml"),
    )
    .unwrap();
    assert!(k.contains(url42), "{k}");
}

#[test]
fn bump_moves_a_manifest_entry_to_another_release() {
    let ran = Test::new()
        .args(&[
            "catalog",
            "render",
            "-o",
            "repo",
            "--operator",
            "sealed-secrets",
            "--layout",
            "eda",
        ])
        .run()
        .status(0);
    let dir = ran.dir.join("repo");
    std::fs::create_dir_all(dir.join("catalog/operators")).unwrap();
    std::fs::write(
        dir.join("catalog/operators/sealed-secrets.yaml"),
        with_source_for(&local_sealed_secrets(), "channel v0.42.0"),
    )
    .unwrap();
    let before = snapshot(&dir);
    let out = bump(&dir, &["sealed-secrets", "v0.42.0"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = snapshot(&dir);
    assert_eq!(
        added_files(&before, &after),
        ["sealed-secrets/operator/overlays/v0.42.0/kustomization.yaml"]
    );
    assert_eq!(
        changed_files(&before, &after),
        ["sealed-secrets/operator/overlays/kustomization.yaml"],
        "the eda pointer moves"
    );
    let old = String::from_utf8(
        before["sealed-secrets/operator/overlays/v0.41.0/kustomization.yaml"].clone(),
    )
    .unwrap();
    let new = String::from_utf8(
        after["sealed-secrets/operator/overlays/v0.42.0/kustomization.yaml"].clone(),
    )
    .unwrap();
    assert_eq!(
        new,
        old.replace("/v0.41.0/", "/v0.42.0/"),
        "only the release tag"
    );
    assert_eq!(old.lines().filter(|l| l.contains("v0.41.0")).count(), 1);
    // Both tools build the moved overlay alike (the manifest from a local stand-in).
    common::localize_remote_manifests(&dir);
    let d = dir.join("sealed-secrets/operator/overlays");
    assert_eq!(ours(&d), kubectl(&d));
    // --csv means nothing for a release manifest.
    let out = bump(&dir, &["sealed-secrets", "v0.40.0", "--csv", "x.v1.0.0"]);
    assert_eq!(out.status.code(), Some(2));
}
