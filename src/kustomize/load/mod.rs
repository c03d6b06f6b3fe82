//! Load stage: finds kustomization files, reads files relative to a kustomization root and
//! enforces kustomize's load restrictions and cycle checks. Must not interpret resources.

use crate::kustomize::error::{Error, Result};
pub mod fs;
pub mod remote;

use crate::kustomize::resmap::resource::Resource;
use crate::yaml::{self, Value};
use fs::{FileSystem, RealFs, clean};
use remote::{Fetcher, RepoSpec};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The filesystem a fetched repository is read through (its tree is on disk in the cache).
static REAL_FS: RealFs = RealFs;

/// The repository a loader's root was fetched from, for kustomize's containment and
/// cycle checks.
#[derive(Debug)]
struct RepoRoot {
    /// The entry as written (kustomize compares these for repository cycles).
    raw: String,
    /// The real path of the fetched tree.
    tree: PathBuf,
}

pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadRestrictor {
    #[default]
    RootOnly,
    None,
}

#[derive(Clone)]
pub struct Loader<'a> {
    pub fs: &'a dyn FileSystem,
    pub root: PathBuf,
    real_root: PathBuf,
    restrictor: LoadRestrictor,
    /// Real paths of the kustomization roots above this one, to refuse cycles.
    ancestors: Vec<PathBuf>,
    fetcher: &'a Fetcher,
    /// Set when this root (or a root above it) is inside a fetched repository.
    repo: Option<Arc<RepoRoot>>,
    /// The repositories above this root, outermost first (kustomize's referrer chain).
    repo_chain: Vec<Arc<RepoRoot>>,
}

impl<'a> Loader<'a> {
    pub fn new(
        fs: &'a dyn FileSystem,
        root: &Path,
        restrictor: LoadRestrictor,
        fetcher: &'a Fetcher,
    ) -> Result<Loader<'a>> {
        let root = clean(root);
        if !fs.is_dir(&root) {
            return Err(Error::Load {
                file: root,
                msg: "must be a directory holding a kustomization".into(),
            });
        }
        let real_root = fs.real_path(&root).map_err(|e| Error::Load {
            file: root.clone(),
            msg: io_message(&e),
        })?;
        let root = through_links(root, &real_root);
        Ok(Loader {
            fs,
            root,
            real_root,
            restrictor,
            ancestors: Vec::new(),
            fetcher,
            repo: None,
            repo_chain: Vec::new(),
        })
    }

    /// Whether this root is inside a fetched repository.
    pub fn in_repo(&self) -> bool {
        self.repo.is_some()
    }

    /// An http(s) file's bytes (kustomize loads any `Load` path that is a URL over HTTP).
    pub fn fetch_file(&self, url: &str) -> std::result::Result<Vec<u8>, String> {
        self.fetcher.get(url)
    }

    /// A loader at a git repository's kustomization (kustomize's `newLoaderAtGitClone`):
    /// fetched into the cache, rooted at the spec's folder, restricted to that folder.
    pub fn remote_child(&self, spec: &RepoSpec) -> Result<Loader<'a>> {
        let shown = remote::redact(&spec.raw);
        let err = |msg: String| Error::Load {
            file: PathBuf::from(&shown),
            msg,
        };
        for r in self.repo_chain.iter().chain(self.repo.iter()) {
            if r.raw.starts_with(&spec.raw) {
                return Err(err(format!(
                    "cycle detected: URI '{shown}' referenced by previous URI '{}'",
                    remote::redact(&r.raw)
                )));
            }
        }
        let tree = self.fetcher.tree(spec).map_err(err)?;
        let tree = std::fs::canonicalize(&tree).map_err(|e| err(io_message(&e)))?;
        let root = clean(&tree.join(&spec.kust_root_path));
        let real = REAL_FS.real_path(&root).map_err(|e| {
            err(format!(
                "path '{}' in the repository: {}",
                spec.kust_root_path,
                io_message(&e)
            ))
        })?;
        if !real.starts_with(&tree) {
            return Err(err(format!(
                "{:?} refers to directory outside of repo {:?}",
                root.display().to_string(),
                tree.display().to_string()
            )));
        }
        if !REAL_FS.is_dir(&real) {
            return Err(err(format!(
                "'{}' refers to file '{}'; expecting directory",
                root.display(),
                spec.kust_root_path
            )));
        }
        let mut repo_chain = self.repo_chain.clone();
        repo_chain.extend(self.repo.iter().cloned());
        Ok(Loader {
            fs: &REAL_FS,
            root: real.clone(),
            real_root: real,
            restrictor: LoadRestrictor::RootOnly,
            ancestors: Vec::new(),
            fetcher: self.fetcher,
            repo: Some(Arc::new(RepoRoot {
                raw: spec.raw.clone(),
                tree,
            })),
            repo_chain,
        })
    }

    pub fn path_of(&self, rel: &str) -> PathBuf {
        clean(&self.root.join(rel))
    }

    /// Reads a file named relative to this root, refusing files outside it under RootOnly.
    pub fn load(&self, rel: &str) -> Result<Vec<u8>> {
        if remote::is_remote_file(rel) {
            return self.fetch_file(rel).map_err(|e| Error::Load {
                file: PathBuf::from(remote::redact(rel)),
                msg: e,
            });
        }
        let path = self.path_of(rel);
        if self.fs.is_dir(&path) {
            return Err(Error::Load {
                file: path,
                msg: "is a directory, not a file".into(),
            });
        }
        self.read_checked(&path)
    }

    /// Reads `path` and checks the file that was opened against the load restriction (see
    /// `FileSystem::read_real`): a link flipped between a check and a read cannot escape.
    fn read_checked(&self, path: &Path) -> Result<Vec<u8>> {
        let err = |msg: String| Error::Load {
            file: path.to_path_buf(),
            msg,
        };
        let (real, bytes) = self.fs.read_real(path).map_err(|e| err(io_message(&e)))?;
        if self.restrictor == LoadRestrictor::RootOnly && !real.starts_with(&self.real_root) {
            return Err(err(format!(
                "security; file '{}' is not in or below '{}' (LoadRestrictionsRootOnly)",
                real.display(),
                self.real_root.display()
            )));
        }
        Ok(bytes)
    }

    pub fn load_string(&self, rel: &str) -> Result<String> {
        let bytes = self.load(rel)?;
        String::from_utf8(bytes).map_err(|_| Error::Load {
            file: self.path_of(rel),
            msg: "is not valid UTF-8".into(),
        })
    }

    pub fn is_dir(&self, rel: &str) -> bool {
        self.fs.is_dir(&self.path_of(rel))
    }

    /// A loader for a sub-kustomization directory; refuses cycles.
    pub fn child(&self, rel: &str) -> Result<Loader<'a>> {
        let root = self.path_of(rel);
        let real = self.fs.real_path(&root).map_err(|e| Error::Load {
            file: root.clone(),
            msg: io_message(&e),
        })?;
        if real == self.real_root
            || self.real_root.starts_with(&real)
            || self.ancestors.contains(&real)
        {
            return Err(Error::Load {
                file: root,
                msg: format!(
                    "cycle detected: '{}' includes itself or one of its parents",
                    self.root.display()
                ),
            });
        }
        if let Some(repo) = &self.repo
            && !real.starts_with(&repo.tree)
        {
            return Err(Error::Load {
                file: root,
                msg: format!(
                    "security; bases in kustomizations found in cloned git repos must be within the repo, but base '{}' is outside '{}'",
                    real.display(),
                    repo.tree.display()
                ),
            });
        }
        let mut ancestors = self.ancestors.clone();
        ancestors.push(self.real_root.clone());
        let root = through_links(root, &real);
        Ok(Loader {
            fs: self.fs,
            root,
            real_root: real,
            restrictor: self.restrictor,
            ancestors,
            fetcher: self.fetcher,
            repo: self.repo.clone(),
            repo_chain: self.repo_chain.clone(),
        })
    }

    /// Reads this root's kustomization file, under the same check as `load`.
    pub fn read_kustomization(&self, path: &Path) -> Result<Vec<u8>> {
        self.read_checked(path)
    }

    /// Finds the one kustomization file in this root.
    pub fn kustomization_file(&self) -> Result<PathBuf> {
        // A kustomization file that is a link leading out of the root is not there, as
        // kustomize sees it (it loads the file under the root's restriction).
        let found: Vec<&str> = KUSTOMIZATION_FILES
            .iter()
            .copied()
            .filter(|f| {
                let p = self.root.join(f);
                self.fs.is_file(&p)
                    && (self.restrictor == LoadRestrictor::None
                        || self
                            .fs
                            .real_path(&p)
                            .is_ok_and(|r| r.starts_with(&self.real_root)))
            })
            .collect();
        match found.as_slice() {
            [one] => Ok(self.root.join(one)),
            [] => Err(Error::Load {
                file: self.root.clone(),
                msg: format!(
                    "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
                    self.root.display()
                ),
            }),
            _ => Err(Error::Load {
                file: self.root.clone(),
                msg: format!("found multiple kustomization files: {}", found.join(", ")),
            }),
        }
    }
}

/// Parses a stream of resources as kustomize does: empty documents dropped, `FooList`
/// objects with `items` expanded, kind and metadata.name required.
pub fn resources_from_bytes(bytes: &[u8], file: &Path) -> Result<Vec<Resource>> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::Load {
        file: file.to_path_buf(),
        msg: "is not valid UTF-8".into(),
    })?;
    check_document_chunks(text).map_err(|line| Error::Yaml {
        file: file.to_path_buf(),
        line,
        msg: "did not find expected node content (a document that is only `...`)".into(),
    })?;
    let docs = yaml::parse_documents(text).map_err(|e| Error::Yaml {
        file: file.to_path_buf(),
        line: e.line,
        msg: e.message,
    })?;
    let mut out = Vec::new();
    let mut queue: Vec<(Value, usize)> = docs.into_iter().map(|d| (d.value, d.line)).collect();
    queue.reverse();
    while let Some((v, line)) = queue.pop() {
        if yaml::is_null_or_empty(&v) {
            continue;
        }
        let Value::Object(m) = &v else {
            return Err(Error::Yaml {
                file: file.to_path_buf(),
                line,
                msg: "a resource must be a mapping".into(),
            });
        };
        let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind.is_empty() {
            return Err(Error::Yaml {
                file: file.to_path_buf(),
                line,
                msg: "missing kind in object".into(),
            });
        }
        if kind.ends_with("List") {
            match m.get("items") {
                None => {}
                Some(Value::Null) => continue,
                Some(Value::Array(items)) => {
                    for it in items.iter().rev() {
                        queue.push((it.clone(), line));
                    }
                    continue;
                }
                Some(_) => {
                    return Err(Error::Yaml {
                        file: file.to_path_buf(),
                        line,
                        msg: format!("expected array in {kind}/items"),
                    });
                }
            }
        } else {
            let name = m
                .get("metadata")
                .and_then(|md| md.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            if name.is_empty() {
                return Err(Error::Yaml {
                    file: file.to_path_buf(),
                    line,
                    msg: format!("missing metadata.name in object of kind {kind}"),
                });
            }
        }
        let mut r = Resource::new(v, file.display().to_string());
        r.line = line;
        out.push(r);
    }
    Ok(out)
}

/// An I/O error as a sentence: a symlink loop is named as one, not as a missing file.
pub fn io_message(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(40) => "too many levels of symbolic links (a symlink loop?)".into(),
        _ => match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".into(),
            _ => e.to_string(),
        },
    }
}

/// A kustomization root reached through a symlinked folder is its real folder, as
/// kustomize evaluates the root's symlinks first: `../../base` then climbs from where the
/// files really are. A root without links keeps the path the user gave (for messages).
fn through_links(root: PathBuf, real: &Path) -> PathBuf {
    if !real.is_absolute() {
        return root;
    }
    let lexical = match std::env::current_dir() {
        Ok(cwd) => clean(&cwd.join(&root)),
        Err(_) => return root,
    };
    if lexical == real {
        root
    } else {
        real.to_path_buf()
    }
}

/// kustomize (kyaml's ByteReader) splits a resource file on "\n---\n" and decodes each
/// piece on its own, so a piece whose first content is a document end marker (`...`),
/// valid in one YAML stream, is an error there. Returns the line of such a marker.
fn check_document_chunks(text: &str) -> std::result::Result<(), usize> {
    // Start offsets of the pieces: 0, and just past each separator.
    let mut starts = vec![0];
    starts.extend(text.match_indices("\n---\n").map(|(i, _)| i + 5));
    // Lines before each piece, counted as we go (not from the start each time).
    let (mut counted_to, mut lines_before) = (0, 0);
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map(|&e| e - 5).unwrap_or(text.len());
        let chunk = &text[start..end.max(start)];
        lines_before += text[counted_to..start].matches('\n').count();
        counted_to = start;
        let mut line = lines_before + 1;
        for l in chunk.split('\n') {
            let t = l.trim();
            if t.is_empty() || t.starts_with('#') {
                line += 1;
                continue;
            }
            let rest = t.strip_prefix("...");
            if rest.is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t', '#'])) {
                return Err(line);
            }
            break;
        }
    }
    Ok(())
}
