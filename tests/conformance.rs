//! Runs the shared conformance corpus (kustomize's own cases and a real operator catalog)
//! and fails if the pass counts fall below the figures this renderer has reached. Each
//! case is also built the way users run it: from inside its folder as `build .`, and from
//! another folder through a relative path full of `..`; both must print what the
//! absolute-path build prints. Needs ../shared/conformance: fails loudly without it.

mod common;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

const FLOOR: &[(&str, usize)] = &[("gitops-catalog", 639), ("krusty", 106)];

fn conformance_dir() -> PathBuf {
    let dir = common::repo_root().join("../shared/conformance");
    assert!(
        dir.join("check").exists(),
        "{} is missing: the conformance corpus is required (lay out ../shared beside the repo)",
        dir.display()
    );
    dir.canonicalize().expect("canonical conformance dir")
}

#[test]
fn shared_conformance_pass_counts_hold() {
    let check = conformance_dir().join("check");
    let bin = env!("CARGO_BIN_EXE_manifesto");
    let out = Command::new("python3")
        .arg(&check)
        .arg(format!("{bin} build"))
        .output()
        .expect("run the conformance check (python3 is required)");
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

struct Case {
    name: String,
    dir: PathBuf,
    reorder: Option<String>,
}

fn cases() -> Vec<Case> {
    let root = conformance_dir();
    let mut out = Vec::new();
    let catalog = root.join("gitops-catalog");
    let tsv = std::fs::read_to_string(catalog.join("cases.tsv")).expect("cases.tsv");
    for line in tsv.lines() {
        let mut parts = line.split('\t');
        let (Some(d), Some(_)) = (parts.next(), parts.next()) else {
            continue;
        };
        if d.is_empty() {
            continue;
        }
        out.push(Case {
            name: format!("gitops-catalog/{d}"),
            dir: catalog.join("tree").join(d),
            reorder: None,
        });
    }
    let krusty = root.join("krusty");
    let mut names: Vec<_> = std::fs::read_dir(&krusty)
        .expect("krusty")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("case.json").exists())
        .collect();
    names.sort();
    for c in names {
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(c.join("case.json")).expect("case"))
                .expect("case.json");
        let run = meta["run"].as_str().expect("run");
        out.push(Case {
            name: format!("krusty/{}", c.file_name().unwrap().to_string_lossy()),
            dir: normal(&c.join(run)),
            reorder: meta["reorder"].as_str().map(str::to_string),
        });
    }
    assert!(
        out.len() > 700,
        "only {} conformance cases found",
        out.len()
    );
    out
}

fn normal(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// The path of `to` as seen from `from` (both absolute), climbing with `..`.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

fn build(case: &Case, cwd: &Path, arg: &Path) -> (bool, Vec<u8>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_manifesto"));
    cmd.arg("build").current_dir(cwd);
    if let Some(r) = &case.reorder {
        cmd.args(["--reorder", r]);
    }
    let out = cmd.arg(arg).output().expect("run manifesto");
    (out.status.success(), out.stdout)
}

#[test]
fn every_case_builds_the_same_from_inside_and_through_relative_paths() {
    let all = cases();
    // Another folder of the same corpus: reaching the case from there climbs with `..`.
    let elsewhere = conformance_dir().join("krusty/TestAddNamePrefixWithNamespace");
    assert!(elsewhere.is_dir(), "{} missing", elsewhere.display());
    let failures = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(case) = all.get(i) else { break };
                    let absolute = build(case, Path::new("/"), &case.dir);
                    let inside = build(case, &case.dir, Path::new("."));
                    let rel = relative(&elsewhere, &case.dir);
                    let sibling = build(case, &elsewhere, &rel);
                    for (how, got) in [
                        ("from inside as `build .`".to_string(), &inside),
                        (format!("from {} as `build {}`", elsewhere.display(), rel.display()), &sibling),
                    ] {
                        if *got != absolute {
                            failures.lock().unwrap().push(format!(
                                "{}: {how}: exit ok={} ({} bytes), absolute path: exit ok={} ({} bytes)",
                                case.name,
                                got.0,
                                got.1.len(),
                                absolute.0,
                                absolute.1.len()
                            ));
                        }
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} cases differ by how they are run:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
