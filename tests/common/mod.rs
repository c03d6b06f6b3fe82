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

/// The built-in examples seal IBM's pull secret from this variable: tests give a dummy.
#[allow(dead_code)]
pub const ENTITLEMENT: (&str, &str) = ("IBM_ENTITLEMENT_KEY", "not-a-real-entitlement-key");

/// Runs manifesto in `dir` (with the examples' dummy entitlement key).
#[allow(dead_code)]
pub fn manifesto_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .args(args)
        .current_dir(dir)
        .env(ENTITLEMENT.0, ENTITLEMENT.1)
        .output()
        .unwrap()
}

/// The test-only sealing certificate (fixtures/seal), as a path argument.
#[allow(dead_code)]
pub fn test_cert() -> String {
    repo_root()
        .join("fixtures/seal/TEST-ONLY-sealing-cert.pem")
        .to_string_lossy()
        .into_owned()
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
            .env(ENTITLEMENT.0, ENTITLEMENT.1)
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

/// The release manifest stand-in (fixtures/sealed-secrets/README.md): our objects plus the
/// real SealedSecret CRD from ../shared/crds.
#[allow(dead_code)]
pub fn sealed_secrets_standin() -> String {
    let crd = repo_root().join("../shared/crds/sealed-secrets/bitnami.com_sealedsecrets.yaml");
    let crd = std::fs::read_to_string(&crd)
        .unwrap_or_else(|e| panic!("{} is needed: {e}", crd.display()));
    let ours = std::fs::read_to_string(
        repo_root().join("fixtures/sealed-secrets/controller-standin.yaml"),
    )
    .unwrap();
    format!("{ours}---\n{crd}")
}

/// The remote release manifests the kustomizations under `root` name (Sealed Secrets').
#[allow(dead_code)]
pub fn remote_manifests(root: &Path) -> Vec<String> {
    let re = regex::Regex::new(
        r"https://github\.com/bitnami/sealed-secrets/releases/download/[^/\s]+/controller\.yaml",
    )
    .unwrap();
    let mut urls: Vec<String> = walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "kustomization.yaml")
        .flat_map(|e| {
            let t = std::fs::read_to_string(e.path()).unwrap();
            re.find_iter(&t)
                .map(|m| m.as_str().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

/// Replaces each remote release manifest in the kustomizations under `root` by the stand-in,
/// as `controller.yaml` beside the kustomization, so that kubectl kustomize (which would
/// fetch it) can build the folder offline. Returns how many kustomizations changed.
#[allow(dead_code)]
pub fn localize_remote_manifests(root: &Path) -> usize {
    let body = sealed_secrets_standin();
    let mut n = 0;
    for url in remote_manifests(root) {
        for e in walkdir::WalkDir::new(root)
            .into_iter()
            .flatten()
            .filter(|e| e.file_name() == "kustomization.yaml")
        {
            let t = std::fs::read_to_string(e.path()).unwrap();
            if t.contains(&url) {
                std::fs::write(e.path(), t.replace(&url, "controller.yaml")).unwrap();
                std::fs::write(e.path().parent().unwrap().join("controller.yaml"), &body).unwrap();
                n += 1;
            }
        }
    }
    n
}

/// Puts the stand-in into manifesto's remote-file cache (`MANIFESTO_CACHE_DIR`) under each
/// remote manifest URL that the kustomizations under `root` name, so offline builds read it.
#[allow(dead_code)]
pub fn seed_remote_cache(cache: &Path, root: &Path) -> usize {
    use sha2::Digest;
    let body = sealed_secrets_standin();
    let urls = remote_manifests(root);
    for url in &urls {
        let key: String = sha2::Sha256::digest(url.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let f = cache.join("files").join(&key[..32]);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, &body).unwrap();
    }
    urls.len()
}

/// What the library renders for DIR offline, remote targets read from `cache` only.
#[allow(dead_code)]
pub fn manifesto_build_offline(dir: &Path, cache: &Path) -> String {
    let opts = manifesto::kustomize::target::BuildOptions {
        remote: manifesto::kustomize::load::remote::Settings {
            cache_dir: Some(cache.to_path_buf()),
            offline: true,
        },
        ..Default::default()
    };
    manifesto::kustomize::target::build(&manifesto::kustomize::load::fs::RealFs, dir, &opts)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .to_yaml()
}

/// Runs manifesto in `dir` against a loopback API server (through its kubeconfig, with no
/// external diff program): exit code, stdout, stderr.
#[allow(dead_code)]
pub fn manifesto_against(
    server: &apiserver::Server,
    dir: &Path,
    args: &[&str],
) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .current_dir(dir)
        .args(args)
        .env("KUBECONFIG", &server.kubeconfig)
        .env_remove("KUBECTL_EXTERNAL_DIFF")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
