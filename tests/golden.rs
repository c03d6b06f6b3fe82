//! Golden fixtures: every folder under fixtures/ with an expected.yaml (made by
//! `kubectl kustomize`) must render to exactly those bytes.

mod common;
use manifesto::kustomize::load::fs::RealFs;
use manifesto::kustomize::target::{BuildOptions, build};
use std::path::Path;

fn fixture_dirs(root: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(root) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p.join("expected.yaml").is_file() {
                out.push(p.clone());
            }
            fixture_dirs(&p, out);
        }
    }
}

#[test]
fn fixtures_render_byte_identical_to_kustomize() {
    let mut dirs = Vec::new();
    fixture_dirs(&common::repo_root().join("fixtures"), &mut dirs);
    assert!(
        dirs.len() >= 3,
        "expected golden fixtures, found {}",
        dirs.len()
    );
    for d in dirs {
        let want = std::fs::read_to_string(d.join("expected.yaml")).expect("expected.yaml");
        let got = build(&RealFs, &d, &BuildOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        assert_eq!(got.to_yaml(), want, "fixture {}", d.display());
    }
}

#[test]
fn rendering_is_deterministic() {
    let d = common::repo_root().join("fixtures/eda-app/overlays/prod");
    let a = build(&RealFs, &d, &BuildOptions::default())
        .expect("build")
        .to_yaml();
    for _ in 0..5 {
        assert_eq!(
            build(&RealFs, &d, &BuildOptions::default())
                .expect("build")
                .to_yaml(),
            a
        );
    }
}

#[test]
fn stored_expectations_are_still_what_kubectl_prints() {
    let mut dirs = Vec::new();
    fixture_dirs(&common::repo_root().join("fixtures"), &mut dirs);
    for d in dirs {
        let out = std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(&d)
            .output()
            .expect("kubectl is the oracle and must be installed");
        assert!(out.status.success(), "kubectl kustomize {}", d.display());
        let want = std::fs::read(d.join("expected.yaml")).expect("expected.yaml");
        assert_eq!(
            out.stdout,
            want,
            "fixtures/{} expected.yaml is stale",
            d.display()
        );
    }
}
