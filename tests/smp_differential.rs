//! Strategic merge against the oracle on generated cases: keyed lists of the built-in
//! schema (containers by name, env by name, container ports by containerPort and protocol,
//! volumes by name, volume mounts by mountPath), with elements that omit keys, share them,
//! delete themselves (`$patch: delete`), in every order. Each case is built by
//! `kubectl kustomize` and by manifesto; the bytes must be the same. The generator is
//! seeded, so a failure names a case that can be rebuilt.

mod common;

use std::fmt::Write;

/// xorshift64*: small, seeded, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn ports(rng: &mut Rng, out: &mut String, indent: &str, patch: bool) {
    let n = rng.below(4);
    if n == 0 {
        return;
    }
    writeln!(out, "{indent}ports:").unwrap();
    let mut seen = Vec::new();
    for _ in 0..n {
        let port = rng.pick(&["80", "81", "82"]);
        let proto = rng.pick(&["", "", "TCP", "UDP"]);
        if seen.contains(&(port, proto)) {
            continue;
        }
        seen.push((port, proto));
        writeln!(out, "{indent}- containerPort: {port}").unwrap();
        if !proto.is_empty() {
            writeln!(out, "{indent}  protocol: {proto}").unwrap();
        }
        if rng.chance(35) {
            writeln!(
                out,
                "{indent}  name: {}",
                rng.pick(&["web", "metrics", "x"])
            )
            .unwrap();
        }
        if patch && rng.chance(10) {
            writeln!(out, "{indent}  $patch: delete").unwrap();
        }
    }
}

fn env(rng: &mut Rng, out: &mut String, indent: &str, patch: bool) {
    let n = rng.below(4);
    if n == 0 {
        return;
    }
    writeln!(out, "{indent}env:").unwrap();
    for _ in 0..n {
        let name = rng.pick(&["A", "B", "C"]);
        writeln!(out, "{indent}- name: {name}").unwrap();
        if patch && rng.chance(15) {
            writeln!(out, "{indent}  $patch: delete").unwrap();
        } else {
            writeln!(out, "{indent}  value: \"{}\"", rng.below(3)).unwrap();
        }
    }
}

fn containers(rng: &mut Rng, out: &mut String, patch: bool) {
    let indent = "      ";
    writeln!(out, "{indent}containers:").unwrap();
    for _ in 0..1 + rng.below(3) {
        let name = rng.pick(&["app", "side", "proxy"]);
        writeln!(out, "{indent}- name: {name}").unwrap();
        if patch && rng.chance(10) {
            writeln!(out, "{indent}  $patch: delete").unwrap();
            continue;
        }
        if !patch || rng.chance(50) {
            writeln!(out, "{indent}  image: {name}:{}", rng.below(3)).unwrap();
        }
        ports(rng, out, &format!("{indent}  "), patch);
        env(rng, out, &format!("{indent}  "), patch);
        if rng.chance(40) {
            writeln!(out, "{indent}  volumeMounts:").unwrap();
            for _ in 0..1 + rng.below(2) {
                let m = rng.pick(&["/data", "/logs"]);
                writeln!(out, "{indent}  - mountPath: {m}").unwrap();
                writeln!(out, "{indent}    name: {}", rng.pick(&["data", "logs"])).unwrap();
            }
        }
    }
    if rng.chance(40) {
        writeln!(out, "{indent}volumes:").unwrap();
        for _ in 0..1 + rng.below(2) {
            let v = rng.pick(&["data", "logs"]);
            writeln!(out, "{indent}- name: {v}").unwrap();
            writeln!(out, "{indent}  emptyDir: {{}}").unwrap();
        }
    }
}

fn deployment(rng: &mut Rng, patch: bool) -> String {
    let mut out = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n",
    );
    containers(rng, &mut out, patch);
    out
}

#[test]
fn generated_strategic_merges_match_kubectl() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut failures = Vec::new();
    let cases = 200;
    for i in 0..cases {
        let dir = tmp.path().join(format!("case{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let res = deployment(&mut rng, false);
        let patch = deployment(&mut rng, true);
        std::fs::write(dir.join("res.yaml"), &res).unwrap();
        std::fs::write(dir.join("patch.yaml"), &patch).unwrap();
        std::fs::write(
            dir.join("kustomization.yaml"),
            "resources:\n- res.yaml\npatches:\n- path: patch.yaml\n",
        )
        .unwrap();
        let k = std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(&dir)
            .output()
            .expect("kubectl is the oracle and must be installed");
        let m = manifesto::kustomize::target::build(
            &manifesto::kustomize::load::fs::RealFs,
            &dir,
            &manifesto::kustomize::target::BuildOptions::default(),
        );
        match (k.status.success(), m) {
            (true, Ok(r)) if r.to_yaml().as_bytes() == k.stdout => {}
            (false, Err(_)) => {}
            (kok, got) => failures.push(format!(
                "case {i} (kubectl {}):\n--- resource\n{res}--- patch\n{patch}--- kubectl\n{}--- manifesto\n{}",
                if kok { "ok" } else { "fails" },
                String::from_utf8_lossy(if kok { &k.stdout } else { &k.stderr }),
                match got {
                    Ok(r) => r.to_yaml(),
                    Err(e) => e.to_string(),
                }
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
