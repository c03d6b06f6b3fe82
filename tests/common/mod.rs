//! A fluent builder for end-to-end tests: lay out files in a fresh temporary directory,
//! run the `manifesto` binary there, and check its exit code and output.

#![allow(dead_code)]

pub mod apiserver;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub struct Test {
    pub dir: PathBuf,
    args: Vec<String>,
}

pub struct Ran {
    pub out: Output,
    pub dir: PathBuf,
}

impl Test {
    pub fn new() -> Test {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("manifesto-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Test {
            dir,
            args: Vec::new(),
        }
    }

    pub fn file(self, rel: &str, content: &str) -> Test {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, content).expect("write");
        self
    }

    pub fn symlink(self, rel: &str, target: &Path) -> Test {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::os::unix::fs::symlink(target, &p).expect("symlink");
        self
    }

    pub fn args(mut self, args: &[&str]) -> Test {
        self.args.extend(args.iter().map(|s| s.to_string()));
        self
    }

    pub fn run(self) -> Ran {
        let out = Command::new(env!("CARGO_BIN_EXE_manifesto"))
            .args(&self.args)
            .current_dir(&self.dir)
            .output()
            .expect("run manifesto");
        Ran { out, dir: self.dir }
    }
}

impl Ran {
    pub fn status(self, code: i32) -> Ran {
        assert_eq!(
            self.out.status.code(),
            Some(code),
            "exit code; stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }

    pub fn stderr_has(self, needle: &str) -> Ran {
        assert!(
            self.stderr().contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr()
        );
        self
    }

    pub fn no_panic(self) -> Ran {
        assert!(
            !self.stderr().contains("panicked"),
            "panicked:\n{}",
            self.stderr()
        );
        self
    }
}

impl Drop for Ran {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A PATH that finds the built `manifesto` first (for commands run as a shell would).
pub fn path_with_manifesto() -> String {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_manifesto"))
        .parent()
        .unwrap()
        .to_path_buf();
    format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under a folder with its bytes.
pub type Snapshot = std::collections::BTreeMap<String, Vec<u8>>;

pub fn snapshot(root: &Path) -> Snapshot {
    walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// The oracle: what `kubectl kustomize DIR` prints.
pub fn kubectl_kustomize(dir: &Path) -> String {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl is the oracle and must be installed");
    assert!(
        out.status.success(),
        "kubectl kustomize {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What the library renders for DIR.
pub fn manifesto_build(dir: &Path) -> String {
    manifesto::kustomize::target::build(
        &manifesto::kustomize::load::fs::RealFs,
        dir,
        &manifesto::kustomize::target::BuildOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
    .to_yaml()
}

/// Files of `before` whose bytes differ in `after` (changed or removed), in path order.
pub fn changed_files(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    before
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect()
}

/// Files of `after` that `before` did not have, in path order.
pub fn added_files(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    after
        .keys()
        .filter(|k| !before.contains_key(*k))
        .cloned()
        .collect()
}
