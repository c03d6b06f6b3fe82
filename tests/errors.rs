//! The `errors/` fixture set: kustomizations kubectl refuses. manifesto must refuse each
//! too, with exit 2, no panic, and a message naming the file at fault (CASES.tsv).

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

struct Case {
    name: String,
    fault: String,
    target: String,
}

fn cases(dir: &Path) -> Vec<Case> {
    let tsv = std::fs::read_to_string(dir.join("CASES.tsv")).expect("tests/errors/CASES.tsv");
    let mut out = Vec::new();
    for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "CASES.tsv line {line:?}");
        let name = cols[0].to_string();
        let target = match std::fs::read_to_string(dir.join(&name).join("TARGET")) {
            Ok(t) => format!("{name}/{}", t.trim()),
            Err(_) => name.clone(),
        };
        out.push(Case {
            fault: cols[1].to_string(),
            name,
            target,
        });
    }
    out
}

#[test]
fn every_error_fixture_fails_in_kubectl_and_in_manifesto_naming_the_file() {
    let dir = common::repo_root().join("tests/errors");
    let cases = cases(&dir);
    assert!(cases.len() >= 40, "only {} error fixtures", cases.len());
    let listed: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    let folders: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let folders: BTreeSet<&str> = folders.iter().map(String::as_str).collect();
    assert_eq!(listed, folders, "CASES.tsv and the folders differ");
    let before = common::snapshot(&dir);
    let mut problems = Vec::new();
    for c in &cases {
        let k = Command::new("kubectl")
            .args(["kustomize", &c.target])
            .current_dir(&dir)
            .output()
            .expect("kubectl is the oracle and must be installed");
        if k.status.success() {
            problems.push(format!(
                "{}: kubectl builds it (not an error fixture)",
                c.name
            ));
            continue;
        }
        let m = Command::new(env!("CARGO_BIN_EXE_manifesto"))
            .args(["build", &c.target])
            .current_dir(&dir)
            .output()
            .expect("run manifesto");
        let err = String::from_utf8_lossy(&m.stderr);
        if m.status.code() != Some(2) {
            problems.push(format!("{}: exit {:?}: {err}", c.name, m.status.code()));
        } else if !err.contains(&c.fault) {
            problems.push(format!(
                "{}: the message does not name {}: {err}",
                c.name, c.fault
            ));
        }
        if err.contains("panicked") {
            problems.push(format!("{}: panicked: {err}", c.name));
        }
        if !m.stdout.is_empty() {
            problems.push(format!("{}: printed output on failure", c.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        common::snapshot(&dir),
        before,
        "a build wrote into tests/errors"
    );
}
