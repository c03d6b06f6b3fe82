//! Lint stage: the repository as the cross-object rules see it. Every rendered object,
//! indexed by kind; Argo CD's Applications with the objects each one renders (a
//! kustomization folder, or a plain directory of manifests) and their sync waves; the
//! git remote that says which Applications point at this repository. Reads the
//! directory sources and `.git/config`; never writes.

use super::{Built, Config};
use crate::cluster::scope::Scopes;
use crate::kustomize::resmap::resource::Resource;
use crate::yaml::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One rendered object and the folder whose build rendered it.
#[derive(Clone, Copy)]
pub struct Obj<'a> {
    pub folder: usize,
    pub res: &'a Resource,
}

impl Obj<'_> {
    pub fn group(&self) -> &str {
        group_of(self.res.api_version())
    }
}

pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

/// What an Application's source renders.
pub enum Render {
    /// A kustomization folder of this repository (index into the built folders).
    Folder(usize),
    /// A plain directory of manifests (Argo CD's directory source).
    Directory(Vec<Resource>),
    /// The path does not exist in this repository.
    Missing(String),
    /// A chart, another repository, or no path: nothing lint can render.
    Elsewhere,
}

pub struct Source {
    pub repo_url: String,
    pub path: String,
    pub render: Render,
}

pub struct App<'a> {
    pub obj: Obj<'a>,
    pub name: String,
    pub namespace: String,
    pub project: String,
    pub wave: i64,
    pub sources: Vec<Source>,
    pub dest_server: String,
    pub dest_name: String,
    pub dest_namespace: String,
    pub sync_options: Vec<String>,
}

impl App<'_> {
    pub fn id(&self) -> String {
        format!("Application {}/{}", self.namespace, self.name)
    }
    pub fn skips_dry_run(&self) -> bool {
        self.sync_options
            .iter()
            .any(|o| o.replace(' ', "") == "SkipDryRunOnMissingResource=true")
    }
}

pub struct Repo<'a> {
    /// Every object the deployable folders render (those no other kustomization uses,
    /// components aside).
    pub objects: Vec<Obj<'a>>,
    by_kind: HashMap<(String, String), Vec<usize>>,
    pub scopes: Scopes,
    pub apps: Vec<App<'a>>,
    /// Normalised URLs Applications may name for this repository; empty: unknown.
    pub repo_urls: Vec<String>,
    /// The repository's top folder (where `.git` is, else the lint root): Applications'
    /// paths are relative to it.
    pub top: PathBuf,
    /// The linted folder.
    pub root: PathBuf,
}

impl<'a> Repo<'a> {
    pub fn new(root: &Path, built: &'a [Built], config: &Config) -> Repo<'a> {
        let mut objects = Vec::new();
        for (i, b) in built
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.base && !b.component)
        {
            if let Ok(r) = &b.rendered {
                objects.extend(r.resources.iter().map(|res| Obj { folder: i, res }));
            }
        }
        let mut by_kind: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, o) in objects.iter().enumerate() {
            by_kind
                .entry((
                    group_of(o.res.api_version()).to_string(),
                    o.res.kind().to_string(),
                ))
                .or_default()
                .push(i);
        }
        let mut scopes = Scopes::default();
        scopes.learn_crds(objects.iter().map(|o| &o.res.obj));
        let top = root
            .ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(root)
            .to_path_buf();
        let mut repo_urls: Vec<String> =
            config.repo_urls.iter().map(|u| normalize_url(u)).collect();
        if repo_urls.is_empty() {
            repo_urls = git_remotes(&top).iter().map(|u| normalize_url(u)).collect();
        }
        let mut repo = Repo {
            objects,
            by_kind,
            scopes,
            apps: Vec::new(),
            repo_urls,
            top,
            root: root.to_path_buf(),
        };
        let folder_of: HashMap<PathBuf, usize> = built
            .iter()
            .enumerate()
            .map(|(i, b)| (crate::kustomize::load::fs::clean(&root.join(&b.dir)), i))
            .collect();
        let mut seen = std::collections::HashSet::new();
        let app_objs: Vec<Obj<'a>> = repo.kind("argoproj.io", "Application").collect();
        for o in app_objs {
            let name = o.res.name().to_string();
            let namespace = o.res.namespace().to_string();
            if !seen.insert((namespace.clone(), name.clone())) {
                continue;
            }
            let spec = o.res.obj.get("spec").cloned().unwrap_or(Value::Null);
            let s = |p: &[&str]| crate::yaml::str_at(&spec, p).to_string();
            let mut sources = Vec::new();
            let mut list: Vec<&Value> = spec.get("source").into_iter().collect();
            if let Some(Value::Array(a)) = spec.get("sources") {
                list.extend(a.iter());
            }
            for src in list {
                let repo_url = crate::yaml::str_at(src, &["repoURL"]).to_string();
                let path = crate::yaml::str_at(src, &["path"]).to_string();
                let recurse = src
                    .get("directory")
                    .and_then(|d| d.get("recurse"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let render = repo.render_source(&repo_url, &path, recurse, &folder_of);
                sources.push(Source {
                    repo_url,
                    path,
                    render,
                });
            }
            let mut sync_options: Vec<String> = spec
                .get("syncPolicy")
                .and_then(|p| p.get("syncOptions"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            sync_options.sort();
            repo.apps.push(App {
                obj: o,
                name,
                namespace,
                project: s(&["project"]),
                wave: wave(o.res).and_then(|w| w.ok()).unwrap_or(0),
                sources,
                dest_server: s(&["destination", "server"]),
                dest_name: s(&["destination", "name"]),
                dest_namespace: s(&["destination", "namespace"]),
                sync_options,
            });
        }
        repo
    }

    /// Every rendered object of a kind (all folders; one base object rendered by several
    /// overlays appears once per overlay).
    pub fn kind<'s>(&'s self, group: &str, kind: &str) -> impl Iterator<Item = Obj<'a>> + 's {
        self.by_kind
            .get(&(group.to_string(), kind.to_string()))
            .into_iter()
            .flatten()
            .map(|&i| self.objects[i])
    }

    /// Whether an Application source names this repository.
    pub fn is_ours(&self, repo_url: &str) -> bool {
        self.repo_urls.is_empty() || self.repo_urls.contains(&normalize_url(repo_url))
    }

    fn render_source(
        &self,
        repo_url: &str,
        path: &str,
        recurse: bool,
        folder_of: &HashMap<PathBuf, usize>,
    ) -> Render {
        if path.is_empty() || !self.is_ours(repo_url) {
            return Render::Elsewhere;
        }
        // Relative to the repository's top; where that has no such folder, to the linted
        // folder (a solution repository kept inside a larger one).
        let mut dir = crate::kustomize::load::fs::clean(&self.top.join(path));
        if !dir.exists() {
            let here = crate::kustomize::load::fs::clean(&self.root.join(path));
            if here.starts_with(&self.root) && here.exists() {
                dir = here;
            }
        }
        if !dir.starts_with(&self.top) {
            return Render::Missing(format!("{path} leaves the repository"));
        }
        if let Some(&i) = folder_of.get(&dir) {
            return Render::Folder(i);
        }
        if super::kustomization_file(&dir).is_some() {
            // Below the lint root's skips, or outside the linted folder: not rendered here.
            return Render::Elsewhere;
        }
        if !dir.is_dir() {
            return Render::Missing(format!("{path} does not exist in the repository"));
        }
        let mut out = Vec::new();
        let walker = walkdir::WalkDir::new(&dir)
            .sort_by_file_name()
            .max_depth(if recurse { usize::MAX } else { 1 });
        for e in walker.into_iter().flatten() {
            let p = e.path();
            if !e.file_type().is_file() || !crate::cluster::snapshot::is_manifest(p) {
                continue;
            }
            let Ok(bytes) = std::fs::read(p) else {
                continue;
            };
            if let Ok(rs) = crate::kustomize::load::resources_from_bytes(&bytes, p) {
                out.extend(rs);
            }
        }
        Render::Directory(out)
    }

    /// The objects an Application's sources render, each with the namespace it lands in
    /// (the destination namespace for namespaced kinds written without one).
    pub fn app_objects<'s>(
        &'s self,
        app: &'s App<'a>,
        built: &'a [Built],
    ) -> Vec<(&'s Resource, String)>
    where
        'a: 's,
    {
        let mut out = Vec::new();
        for s in &app.sources {
            let list: Vec<&Resource> = match &s.render {
                Render::Folder(i) => match &built[*i].rendered {
                    Ok(r) => r.resources.iter().collect(),
                    Err(_) => Vec::new(),
                },
                Render::Directory(rs) => rs.iter().collect(),
                _ => Vec::new(),
            };
            for r in list {
                let ns = if self.scopes.is_cluster_scoped(r.api_version(), r.kind()) {
                    String::new()
                } else if r.namespace().is_empty() {
                    app.dest_namespace.clone()
                } else {
                    r.namespace().to_string()
                };
                out.push((r, ns));
            }
        }
        out
    }
}

/// The object's sync wave: `None` without the annotation, `Err(text)` when Argo CD
/// would not read it as an integer (strconv.Atoi: optional sign, decimal digits).
pub fn wave(r: &Resource) -> Option<Result<i64, String>> {
    let v = r
        .obj
        .get("metadata")?
        .get("annotations")?
        .get("argocd.argoproj.io/sync-wave")?;
    let text = match v {
        Value::String(s) => s.clone(),
        other => crate::kustomize::resmap::resource::scalar_string(other),
    };
    let digits = text.strip_prefix(['+', '-']).unwrap_or(&text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Err(text));
    }
    Some(text.parse::<i64>().map_err(|_| text.clone()))
}

/// A git URL reduced to host/path, so `git@github.com:org/repo.git`,
/// `https://github.com/org/repo` and `ssh://git@github.com/org/repo/` compare equal.
pub fn normalize_url(u: &str) -> String {
    let mut s = u.trim().to_string();
    for scheme in ["https://", "http://", "ssh://", "git://", "git+ssh://"] {
        if let Some(rest) = s.strip_prefix(scheme) {
            s = rest.to_string();
            break;
        }
    }
    if let Some((user, rest)) = s.split_once('@')
        && !user.contains('/')
    {
        s = rest.to_string();
    }
    // scp-like `host:org/repo`
    if let Some((host, rest)) = s.split_once(':')
        && !host.contains('/')
        && !rest.starts_with(|c: char| c.is_ascii_digit())
    {
        s = format!("{host}/{rest}");
    }
    let s = s.trim_end_matches('/');
    let s = s.strip_suffix(".git").unwrap_or(s);
    s.to_ascii_lowercase()
}

/// The URLs of the remotes in `.git/config` (read as text: git is never run).
fn git_remotes(top: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(top.join(".git").join("config")) else {
        return Vec::new();
    };
    let mut in_remote = false;
    let mut out = Vec::new();
    for l in text.lines() {
        let l = l.trim();
        if l.starts_with('[') {
            in_remote = l.starts_with("[remote ");
        } else if in_remote
            && let Some((k, v)) = l.split_once('=')
            && k.trim() == "url"
        {
            out.push(v.trim().to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_compare_across_their_spellings() {
        let a = normalize_url("git@github.com:Org/repo.git");
        assert_eq!(a, "github.com/org/repo");
        assert_eq!(normalize_url("https://github.com/org/repo/"), a);
        assert_eq!(normalize_url("ssh://git@github.com/org/repo.git"), a);
        assert_eq!(normalize_url("https://host:8443/x"), "host:8443/x");
    }

    #[test]
    fn waves_are_read_as_argo_cd_reads_them() {
        let r = |w: &str| {
            let v: Value = serde_json::json!({"kind": "X", "metadata": {"name": "a", "annotations": {"argocd.argoproj.io/sync-wave": w}}});
            wave(&Resource::new(v, "f"))
        };
        assert_eq!(r("-2"), Some(Ok(-2)));
        assert_eq!(r("+3"), Some(Ok(3)));
        assert_eq!(r("1.5"), Some(Err("1.5".into())));
        assert_eq!(r("two"), Some(Err("two".into())));
    }
}
