//! Lint stage: walks a repository, builds every kustomization (in parallel, one process),
//! and runs the rules of `rules/` over the rendered trees, Argo CD's Applications and the
//! repository as a whole. Findings are `Diagnostic`s pointing at the source line the user
//! wrote. Reads files and (for URL schema locations) the network; never writes, never prints.

pub mod attribute;
pub mod config;
pub mod deprecated;
pub mod locate;
pub mod model;
pub mod report;
pub mod rule;
pub mod rules;
pub mod schema;

use crate::diag::{Diagnostic, Severity};
use crate::kustomize::load::fs::RealFs;
use crate::kustomize::target::{BuildOptions, Rendered, build};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use config::Config;
pub use rule::{RULES, Rule};

/// The Kubernetes minor version lint targets when none is given: kubectl v1.32's.
pub const DEFAULT_KUBERNETES_VERSION: (u32, u32) = (1, 32);

/// How a lint run is set up (the command line and `.manifesto-lint.yaml`, merged).
pub struct Options {
    pub config: Config,
    pub build: BuildOptions,
    /// Worker threads for the builds (0: one per core).
    pub jobs: usize,
    /// Called after each folder is built with (done, total), for a progress bar.
    pub progress: Option<Box<dyn Fn(usize, usize) + Sync>>,
    /// Asked, after the builds, for the apiVersions no other source has a schema for:
    /// the cluster's OpenAPI with `--kube-context` (the library itself reaches no cluster).
    pub cluster_schemas: Option<SchemaProvider>,
    /// Where schemas fetched from URL locations are kept.
    pub schema_cache: Option<PathBuf>,
}

/// Gives schemas for the apiVersions asked for (each `(apiVersion, kind)` it knows).
pub type SchemaProvider = Box<dyn Fn(&[String]) -> Result<schema::Store, String> + Sync>;

/// One finding: the diagnostic (its `rule` set), the kustomization folders whose render
/// carries it, and the reason when an inline comment accepted it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    #[serde(flatten)]
    pub diag: Diagnostic,
    pub kustomizations: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

impl Finding {
    pub fn rule(&self) -> &'static Rule {
        rule::find(self.diag.rule.unwrap_or("")).expect("findings carry a known rule")
    }
}

/// The result of a run: findings (suppressed ones included, flagged), the folders built
/// (relative to the root) and the rules that ran.
#[derive(Debug)]
pub struct Report {
    pub root: PathBuf,
    pub findings: Vec<Finding>,
    pub folders: Vec<String>,
    pub rules: Vec<&'static Rule>,
}

impl Report {
    /// Findings that count (not suppressed).
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    /// Whether any counting finding is at or above `level` (Error above Warning above Info).
    pub fn fails_at(&self, level: Severity) -> bool {
        self.active().any(|f| f.diag.severity <= level)
    }

    pub fn count(&self, s: Severity) -> usize {
        self.active().filter(|f| f.diag.severity == s).count()
    }
}

/// An error that stops lint itself (not a finding): a root that cannot be read, a bad
/// configuration or schema location.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LintError(pub Box<Diagnostic>);

impl From<Diagnostic> for LintError {
    fn from(d: Diagnostic) -> Self {
        LintError(Box::new(d))
    }
}

impl From<Box<Diagnostic>> for LintError {
    fn from(d: Box<Diagnostic>) -> Self {
        LintError(d)
    }
}

/// One built kustomization folder.
pub struct Built {
    /// Folder relative to the root ("." for the root itself), '/'-separated.
    pub dir: String,
    pub rendered: Result<Rendered, Diagnostic>,
    /// Another linted kustomization uses this one as a resource: its objects are checked
    /// as that one renders them (a base's placeholders are its overlays' to fill).
    pub base: bool,
    /// A `kind: Component`: built on its own as kubectl would, but its patches and
    /// objects belong to the kustomizations that use it.
    pub component: bool,
}

/// Lints the repository (or folder) at `root`.
pub fn lint(root: &Path, opts: &Options) -> Result<Report, LintError> {
    let root = std::fs::canonicalize(root).map_err(|e| {
        Diagnostic::error(format!(
            "cannot read: {}",
            crate::kustomize::load::io_message(&e)
        ))
        .in_file(root.display().to_string())
    })?;
    if !root.is_dir() {
        return Err(Diagnostic::error("is not a directory")
            .in_file(root.display().to_string())
            .into());
    }
    let found = discover(&root, &opts.config);
    let dirs: Vec<PathBuf> = found.iter().map(|(d, _)| d.clone()).collect();
    let new_store = || {
        schema::Store::new(
            opts.config.kube_version(),
            opts.schema_cache.clone(),
            opts.build.remote.offline,
        )
    };
    // Schema locations (megabytes of CRDs and JSON) load while the folders build.
    let (mut built, located) = std::thread::scope(|s| {
        let loader = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(s, || {
                let mut st = new_store();
                for loc in &opts.config.schema_locations {
                    st.add_location(loc, &root)?;
                }
                Ok::<_, Box<Diagnostic>>(st)
            });
        let built = build_all(&root, &dirs, opts);
        let located = match loader {
            Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            Err(e) => Err(Box::new(Diagnostic::error(format!(
                "cannot start a thread: {e}"
            )))),
        };
        (built, located)
    });
    let used = used_folders(&dirs);
    for (b, (d, component)) in built.iter_mut().zip(&found) {
        b.base = used.contains(d);
        b.component = *component;
    }
    // The repository's own CRDs come first: they are what it deploys.
    let mut store = new_store();
    for b in &built {
        if let Ok(r) = &b.rendered {
            store.learn_crds(
                r.resources.iter().map(|r| &r.obj),
                schema::Origin::Repository,
            );
        }
    }
    store.merge(located?);
    if let Some(provider) = &opts.cluster_schemas {
        let mut missing: Vec<String> = built
            .iter()
            .filter_map(|b| b.rendered.as_ref().ok())
            .flat_map(|r| r.resources.iter())
            .filter(|r| store.get(r.api_version(), r.kind()).is_none())
            .map(|r| r.api_version().to_string())
            .collect();
        missing.sort();
        missing.dedup();
        if !missing.is_empty() {
            let from_cluster = provider(&missing)
                .map_err(|e| Diagnostic::error(format!("reading the cluster's OpenAPI: {e}")))?;
            store.merge(from_cluster);
        }
    }
    let model = model::Repo::new(&root, &built, &opts.config);
    let ctx = rules::Context {
        root: &root,
        built: &built,
        repo: &model,
        schemas: &store,
        config: &opts.config,
    };
    let mut sink = rules::Sink::default();
    rules::run_all(&ctx, &mut sink);
    let findings = finish(&root, &built, sink, &opts.config);
    let rules = RULES
        .iter()
        .filter(|r| opts.config.severity(r).is_some())
        .collect();
    Ok(Report {
        root,
        findings,
        folders: built.iter().map(|b| b.dir.clone()).collect(),
        rules,
    })
}

/// The folders holding a kustomization file, below `root` (`.git` and other hidden
/// folders and the configured skip globs passed over), in path order, each with whether
/// it is a Component.
pub fn discover(root: &Path, config: &Config) -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let hidden = e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
            !(config.skipped(&rel_path(root, e.path())) || e.file_type().is_dir() && hidden)
        });
    for e in walker.flatten() {
        if !e.file_type().is_dir() {
            continue;
        }
        let Some(file) = kustomization_file(e.path()) else {
            continue;
        };
        let is_component = std::fs::read_to_string(&file)
            .ok()
            .and_then(|t| crate::yaml::parse_one_lenient(&t).ok())
            .is_some_and(|v| v.get("kind").and_then(|k| k.as_str()) == Some("Component"));
        out.push((e.path().to_path_buf(), is_component));
    }
    out
}

/// The folders that some kustomization among `dirs` names in `resources`, `bases` or
/// `components` (read as written; remote and file entries are not folders here).
fn used_folders(dirs: &[PathBuf]) -> std::collections::HashSet<PathBuf> {
    let mut used = std::collections::HashSet::new();
    for d in dirs {
        let Some(text) = kustomization_file(d).and_then(|f| std::fs::read_to_string(f).ok()) else {
            continue;
        };
        let Ok(v) = crate::yaml::parse_one_lenient(&text) else {
            continue;
        };
        for field in ["resources", "bases", "components"] {
            for e in v
                .get(field)
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
            {
                let Some(e) = e.as_str() else { continue };
                if e.contains("://") || e.starts_with("github.com/") {
                    continue;
                }
                let p = crate::kustomize::load::fs::clean(&d.join(e));
                if p.is_dir() {
                    used.insert(p);
                }
            }
        }
    }
    used
}

/// The kustomization file of a folder, as kustomize looks for it.
pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// `path` relative to `root`, '/'-separated ("." for the root); paths outside the root
/// (a remote base's cache) stay as they are.
pub fn rel_path(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(p) if p.as_os_str().is_empty() => ".".into(),
        Ok(p) => p
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => path.display().to_string(),
    }
}

/// Builds every folder on `jobs` threads; results come back in folder order.
fn build_all(root: &Path, dirs: &[PathBuf], opts: &Options) -> Vec<Built> {
    let jobs = match opts.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(dirs.len().max(1));
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Built>>> = Mutex::new((0..dirs.len()).map(|_| None).collect());
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(dir) = dirs.get(i) else { break };
            let rendered = build(&RealFs, dir, &opts.build).map_err(|e| {
                let mut d = e.diagnostic();
                if d.file.is_none() {
                    d.file = kustomization_file(dir).map(|f| f.display().to_string());
                }
                d
            });
            let b = Built {
                dir: rel_path(root, dir),
                rendered,
                base: false,
                component: false,
            };
            results.lock().expect("no worker panics holding it")[i] = Some(b);
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(p) = &opts.progress {
                p(n, dirs.len());
            }
        }
    };
    std::thread::scope(|s| {
        let mut handles = Vec::new();
        for _ in 0..jobs {
            // The engine recurses once per nesting level of a document: give each worker
            // the room the main build thread has for deep ones (reserved, not committed).
            match std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn_scoped(s, work)
            {
                Ok(h) => handles.push(h),
                Err(_) => break,
            }
        }
        if handles.is_empty() {
            work();
        }
        for h in handles {
            if let Err(p) = h.join() {
                std::panic::resume_unwind(p);
            }
        }
    });
    results
        .into_inner()
        .expect("workers have finished")
        .into_iter()
        .map(|b| b.expect("every folder was built"))
        .collect()
}

/// Turns raw findings into the report's: paths made relative, lines located in the
/// source, configured severities applied, duplicates (one base rendered by many overlays)
/// merged, inline suppressions applied, and the result sorted by file, line and rule.
fn finish(root: &Path, built: &[Built], sink: rules::Sink, config: &Config) -> Vec<Finding> {
    let mut locator = locate::Locator::default();
    let mut merged: Vec<Finding> = Vec::new();
    type Key = (
        String,
        Option<String>,
        Option<usize>,
        String,
        Option<String>,
    );
    let mut index: std::collections::HashMap<Key, usize> = std::collections::HashMap::new();
    for raw in sink.raw {
        let rule = rule::named(raw.rule);
        let Some(mut severity) = config.severity(rule) else {
            continue;
        };
        if raw.escalate && !config.rules.contains_key(rule.name) {
            severity = Severity::Error;
        }
        let (file, line) = match &raw.at {
            rules::At::Object {
                source,
                line,
                field,
            } => {
                let l = locator.line(Path::new(source), *line, field.as_deref());
                (Some(source.clone()), l)
            }
            rules::At::File { file, line } => (Some(file.clone()), *line),
            rules::At::Field { file, path } => {
                let l = locator.line(Path::new(file), 1, Some(path));
                (Some(file.clone()), l)
            }
            rules::At::Nowhere => (None, None),
        };
        let abs = file.clone();
        let file = file.map(|f| rel_path(root, Path::new(&f)));
        if file.as_deref().is_some_and(|f| config.skipped(f)) {
            continue;
        }
        let key = (
            rule.id.to_string(),
            file.clone(),
            line,
            raw.message.clone(),
            raw.resource.clone(),
        );
        let folders: Vec<String> = raw.folders.iter().map(|&i| built[i].dir.clone()).collect();
        if let Some(&i) = index.get(&key) {
            for f in folders {
                if !merged[i].kustomizations.contains(&f) {
                    merged[i].kustomizations.push(f);
                }
            }
            continue;
        }
        let suppressed = abs
            .as_deref()
            .zip(line)
            .and_then(|(f, l)| locator.suppression(Path::new(f), l, rule));
        let diag = Diagnostic {
            file,
            line,
            resource: raw.resource,
            field: raw.field_shown,
            rule: Some(rule.name),
            severity,
            message: raw.message,
        };
        index.insert(key, merged.len());
        merged.push(Finding {
            diag,
            kustomizations: folders,
            suppressed,
        });
    }
    // Suppression comments that name no rule or give no reason are findings themselves.
    for (file, line, text) in locator.bad_suppressions() {
        let rule = rule::named("invalid-suppression");
        if let Some(severity) = config.severity(rule) {
            merged.push(Finding {
                diag: Diagnostic {
                    file: Some(rel_path(root, Path::new(&file))),
                    line: Some(line),
                    resource: None,
                    field: None,
                    rule: Some(rule.name),
                    severity,
                    message: text,
                },
                kustomizations: Vec::new(),
                suppressed: None,
            });
        }
    }
    for f in &mut merged {
        f.kustomizations.sort();
    }
    merged.sort_by(|a, b| {
        (
            &a.diag.file,
            a.diag.line,
            a.rule().id,
            &a.diag.resource,
            &a.diag.message,
        )
            .cmp(&(
                &b.diag.file,
                b.diag.line,
                b.rule().id,
                &b.diag.resource,
                &b.diag.message,
            ))
    });
    merged
}
