//! Runs the shared conformance corpus (kustomize's own cases and a real operator catalog)
//! whenever ../shared/conformance exists, and fails if the pass counts fall below the
//! figures this renderer has reached.

mod common;
use std::process::Command;

const FLOOR: &[(&str, usize)] = &[("gitops-catalog", 639), ("krusty", 78)];

#[test]
fn shared_conformance_pass_counts_hold() {
    let check = common::repo_root().join("../shared/conformance/check");
    if !check.exists() {
        eprintln!("../shared/conformance is absent; nothing to check here");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_manifesto");
    let out = Command::new("python3")
        .arg(&check)
        .arg(format!("{bin} build"))
        .output()
        .expect("run the conformance check");
    let text = String::from_utf8_lossy(&out.stdout);
    for (corpus, floor) in FLOOR {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{corpus}: ")))
            .unwrap_or_else(|| panic!("no result line for {corpus} in:\n{text}"));
        let passed: usize = line
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unreadable line {line:?}"));
        assert!(
            passed >= *floor,
            "{corpus}: {passed} passed, floor is {floor}\n{text}"
        );
    }
}
