//! Crash safety: commands that write trees are killed (SIGKILL) at random points, many
//! times. After each kill every file must hold its old bytes or its new bytes, and a plain
//! re-run (no --force) must finish the job and leave no temp file or journal behind.

mod common;
use common::{Snapshot, snapshot};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROUNDS: usize = 40;

/// A small deterministic generator (the seed is printed on failure).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1
}

fn manifesto(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_manifesto"));
    c.env(common::ENTITLEMENT.0, common::ENTITLEMENT.1);
    c.args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn run_ok(dir: &Path, args: &[&str]) {
    let out = manifesto(dir, args).output().unwrap();
    assert!(
        out.status.success(),
        "manifesto {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    let st = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(st.success());
}

fn leftovers(tree: &Snapshot) -> Vec<&String> {
    tree.keys()
        .filter(|k| k.ends_with(".manifesto-tmp") || k.ends_with(".manifesto-plan.json"))
        .collect()
}

/// Whether two versions of one file (path, a, b) count as the same.
type Same = dyn Fn(&str, &[u8], &[u8]) -> bool;

/// How a file may look while a write is cut short: `old` and `new` are the trees before
/// and after a complete run; `same` says whether two versions of one file are equivalent
/// (SealedSecrets are sealed anew on each run).
struct Scenario<'a> {
    name: &'a str,
    /// The tree in its old state (copied fresh for every round).
    old: &'a Path,
    /// Where, inside the copied tree, the command runs.
    cwd: &'a str,
    args: &'a [&'a str],
    /// The files the command writes are under this folder of the tree.
    out: &'a str,
    same: &'a Same,
}

fn exact(_: &str, a: &[u8], b: &[u8]) -> bool {
    a == b
}

fn crash_rounds(s: &Scenario) {
    let work = tempfile::tempdir().unwrap();
    // The new state, from one run to completion.
    let done = work.path().join("done");
    copy(s.old, &done);
    let t0 = Instant::now();
    run_ok(&done.join(s.cwd), s.args);
    let took = t0.elapsed();
    let old = snapshot(&s.old.join(s.out));
    let new = snapshot(&done.join(s.out));
    assert_ne!(old, new, "{}: the command changes nothing", s.name);
    let mut rng = Rng(seed());
    let seed0 = rng.0;
    let mut killed_mid_write = 0;
    for round in 0..ROUNDS {
        let tree = work.path().join(format!("r{round}"));
        copy(s.old, &tree);
        // Even rounds: a crash injected at a random step of the write (staging each temp,
        // the journal, each rename, the journal's removal). Odd rounds: SIGKILL at a random
        // time.
        let written = new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).count() as u64;
        let steps = 2 * written + 2;
        let mut cmd = manifesto(&tree.join(s.cwd), s.args);
        if round % 2 == 0 {
            cmd.env(
                "MANIFESTO_TEST_CRASH_AT",
                (1 + rng.next() % steps).to_string(),
            );
        }
        let mut child = cmd.spawn().unwrap();
        // Killed rounds: a quarter anywhere from start-up to a little after the usual end,
        // the others in the last part of the run, where the files are written.
        let us = took.as_micros() as u64;
        let delay = if round % 4 == 1 {
            rng.next() % (us * 12 / 10).max(200)
        } else {
            us * 6 / 10 + rng.next() % (us * 5 / 10).max(100)
        };
        if round % 2 == 1 {
            std::thread::sleep(Duration::from_micros(delay));
            let _ = child.kill();
        }
        let status = child.wait().unwrap();
        let mid = snapshot(&tree.join(s.out));
        for (path, bytes) in &mid {
            if leftovers(&mid).contains(&path) {
                continue;
            }
            let ok = old.get(path).is_some_and(|o| (s.same)(path, o, bytes))
                || new.get(path).is_some_and(|n| (s.same)(path, n, bytes));
            assert!(
                ok,
                "{} round {round} (seed {seed0}): {path} is neither old nor new after a kill",
                s.name
            );
        }
        if mid != old && !status.success() && status.code() != Some(2) {
            killed_mid_write += 1;
        }
        // A plain re-run completes the job.
        let out = manifesto(&tree.join(s.cwd), s.args).output().unwrap();
        assert!(
            out.status.success(),
            "{} round {round} (seed {seed0}): re-run failed: {}",
            s.name,
            String::from_utf8_lossy(&out.stderr)
        );
        let after = snapshot(&tree.join(s.out));
        assert!(
            leftovers(&after).is_empty(),
            "{} round {round}: left behind {:?}",
            s.name,
            leftovers(&after)
        );
        assert_eq!(
            after.keys().collect::<Vec<_>>(),
            new.keys().collect::<Vec<_>>(),
            "{} round {round} (seed {seed0}): files after the re-run",
            s.name
        );
        for (path, bytes) in &after {
            assert!(
                (s.same)(path, &new[path], bytes),
                "{} round {round} (seed {seed0}): {path} differs after the re-run",
                s.name
            );
        }
        let _ = std::fs::remove_dir_all(&tree);
    }
    eprintln!(
        "{}: {ROUNDS} rounds, {killed_mid_write} killed with the tree part-written",
        s.name
    );
    // The rounds must hit the write itself, not only before or after it.
    assert!(
        killed_mid_write >= ROUNDS / 4,
        "{}: only {killed_mid_write} of {ROUNDS} rounds stopped the command mid-write",
        s.name
    );
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn build_output_folder_survives_kills() {
    let t = tempfile::tempdir().unwrap();
    let old = t.path().join("old");
    let mut res = String::new();
    for i in 0..300 {
        res.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: v{i}\n"
        ));
    }
    write(&old, "k/r.yaml", &res);
    write(
        &old,
        "k/kustomization.yaml",
        "resources: [r.yaml]\nnamePrefix: p-\n",
    );
    // The old output: the same objects under other names and data.
    std::fs::create_dir_all(old.join("out")).unwrap();
    run_ok(&old, &["build", "k", "-o", "out"]);
    write(
        &old,
        "k/kustomization.yaml",
        "resources: [r.yaml]\nnamePrefix: p-\ncommonLabels: {rev: two}\n",
    );
    crash_rounds(&Scenario {
        name: "build -o DIR",
        old: &old,
        cwd: ".",
        args: &["build", "k", "-o", "out"],
        out: "out",
        same: &exact,
    });
}

#[test]
fn catalog_bump_survives_kills() {
    let t = tempfile::tempdir().unwrap();
    let old = t.path().join("old");
    std::fs::create_dir_all(&old).unwrap();
    run_ok(
        &old,
        &["catalog", "render", "-o", "repo", "--layout", "eda"],
    );
    let bump = [
        "catalog",
        "bump",
        "strimzi",
        "strimzi-0.47.x",
        "--repo",
        "repo",
    ];
    let channels = manifesto(&old, &["catalog", "show", "strimzi"])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&channels.stdout).into_owned();
    assert!(
        shown.contains("strimzi-0.47.x"),
        "channel list changed:\n{shown}"
    );
    crash_rounds(&Scenario {
        name: "catalog bump",
        old: &old,
        cwd: ".",
        args: &bump,
        out: "repo",
        same: &exact,
    });
}

/// SealedSecrets are sealed anew on every run: two versions are the same when they seal
/// the same keys for the same object.
fn same_sealed(path: &str, a: &[u8], b: &[u8]) -> bool {
    if path == ".manifesto-scaffold.json" {
        // The state records each file's hash; a SealedSecret's hash differs per sealing.
        let shape = |x: &[u8]| {
            let mut v: serde_json::Value = serde_json::from_slice(x).ok()?;
            for (k, h) in v["files"].as_object_mut()? {
                if k.contains("/secrets/") && !k.ends_with("kustomization.yaml") {
                    *h = serde_json::Value::Null;
                }
            }
            Some(v)
        };
        return shape(a).is_some() && shape(a) == shape(b);
    }
    if !path.contains("/secrets/")
        || !path.ends_with(".yaml")
        || path.ends_with("kustomization.yaml")
    {
        return a == b;
    }
    let shape = |x: &[u8]| {
        let mut v = manifesto::yaml::parse_one(std::str::from_utf8(x).ok()?).ok()?;
        let enc = v["spec"]["encryptedData"].as_object_mut()?;
        for val in enc.values_mut() {
            *val = serde_json::Value::Null;
        }
        Some(v)
    };
    shape(a).is_some() && shape(a) == shape(b)
}

#[test]
fn scaffold_with_sealed_secrets_survives_kills() {
    let t = tempfile::tempdir().unwrap();
    let old = t.path().join("old");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::copy(
        common::repo_root().join("fixtures/seal/TEST-ONLY-sealing-cert.pem"),
        old.join("cert.pem"),
    )
    .unwrap();
    let example = std::fs::read_to_string(
        common::repo_root().join("templates/examples/realtime-inventory.yaml"),
    )
    .unwrap();
    write(&old, "solution.yaml", &example);
    run_ok(&old, &["scaffold", "--out", "repo", "--cert", "cert.pem"]);
    // The change: a new topic and a new secret, so services, secrets and the state change.
    let changed = example.replacen(
        "    topics:\n",
        "    topics:\n      - name: crash-test-topic\n",
        1,
    );
    assert_ne!(changed, example, "the example's topics list moved");
    let changed = changed.replacen(
        "  secrets:\n",
        "  secrets:\n    - name: crash-test-secret\n      keys:\n        - name: token\n          generate: 32\n",
        1,
    );
    write(&old, "solution.yaml", &changed);
    crash_rounds(&Scenario {
        name: "scaffold --cert",
        old: &old,
        cwd: ".",
        args: &["scaffold", "--out", "repo", "--cert", "cert.pem"],
        out: "repo",
        same: &same_sealed,
    });
}

#[test]
fn concurrent_writers_to_one_output_take_turns() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "k/kustomization.yaml", "resources: [r.yaml]\n");
    let mut res = String::new();
    for i in 0..500 {
        res.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"
        ));
    }
    write(d, "k/r.yaml", &res);
    let expected = {
        let out = manifesto(d, &["build", "k"])
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        out.stdout
    };
    for round in 0..10 {
        let children: Vec<_> = (0..4)
            .map(|_| {
                manifesto(d, &["build", "k", "-o", "out.yaml"])
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert_eq!(std::fs::read(d.join("out.yaml")).unwrap(), expected);
        let names: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            !names.iter().any(|n| n.ends_with(".manifesto-tmp")),
            "temp files left: {names:?}"
        );
    }
}

#[test]
fn a_first_scaffold_into_a_new_folder_survives_kills() {
    let t = tempfile::tempdir().unwrap();
    let old = t.path().join("old");
    std::fs::create_dir_all(old.join("repo")).unwrap();
    std::fs::copy(
        common::repo_root().join("fixtures/seal/TEST-ONLY-sealing-cert.pem"),
        old.join("cert.pem"),
    )
    .unwrap();
    crash_rounds(&Scenario {
        name: "first scaffold --cert",
        old: &old,
        cwd: ".",
        args: &[
            "scaffold",
            "--example",
            "realtime-inventory",
            "--out",
            "repo",
            "--cert",
            "cert.pem",
        ],
        out: "repo",
        same: &same_sealed,
    });
}
