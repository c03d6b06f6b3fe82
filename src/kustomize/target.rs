//! The render pipeline: load → resource map → transforms (kustomize's fixed order) → the
//! final steps kustomize runs once at the top (hash suffixes, name references, ordering).
//! Returns resources and warnings; never prints; reaches the network only through
//! `load::remote` (remote bases and files).

use crate::kustomize::error::{Error, Result};
use crate::kustomize::fieldspec::TransformerConfig;
use crate::kustomize::load::fs::FileSystem;
use crate::kustomize::load::remote::{self, Fetcher, RepoSpec};
use crate::kustomize::load::{LoadRestrictor, Loader, resources_from_bytes};
use crate::kustomize::resmap::resid;
use crate::kustomize::resmap::resource::{PatchBody, PatchedBy, Resource, scalar_string};
use crate::kustomize::transforms::{self, generators, patch_json6902, patch_strategic, selector};
use crate::kustomize::types::SortOptions;
use crate::kustomize::types::{Kustomization, Patch};
use crate::yaml::{self, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reorder {
    #[default]
    Legacy,
    None,
}

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub reorder: Reorder,
    pub load_restrictor: LoadRestrictor,
    /// Where remote bases are cached and whether they may be fetched.
    pub remote: remote::Settings,
    /// Record on each object the patches and kustomization fields that changed it
    /// (`Resource::patched_by`), for lint to point findings at them. Off for `build`,
    /// which has no use for them.
    pub record_origins: bool,
}

#[derive(Debug, Default)]
pub struct Rendered {
    pub resources: Vec<Resource>,
    pub warnings: Vec<String>,
    /// Patches whose target selected nothing: kustomize builds them silently
    /// (kustomize #4379, #5093); lint reports them.
    pub unmatched_patches: Vec<UnmatchedPatch>,
}

/// A `patches` / `patchesJson6902` entry (by its index in that field) whose target
/// selected no resource, in the kustomization file that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedPatch {
    pub kustomization: String,
    pub field: &'static str,
    pub index: usize,
    pub target: String,
}

thread_local! {
    /// Collected beside the build, as the strategic-merge schema scope is, so the many
    /// internal paths that run patches (kustomizations, components, transformer configs)
    /// keep their signatures; `build` empties it on entry and takes it on exit.
    static UNMATCHED: std::cell::RefCell<Vec<UnmatchedPatch>> = const { std::cell::RefCell::new(Vec::new()) };
    /// `BuildOptions::record_origins` of the build running on this thread, beside it for
    /// the same reason.
    static RECORD_ORIGINS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn recording() -> bool {
    RECORD_ORIGINS.with(std::cell::Cell::get)
}

/// Adds an origin record (made only while recording) to an object.
fn record(r: &mut Resource, by: &Option<Arc<PatchedBy>>) {
    if let Some(by) = by {
        r.patched_by.push(Arc::clone(by));
    }
}

fn note_unmatched(
    file: &str,
    field: &'static str,
    index: usize,
    t: &crate::kustomize::types::Selector,
) {
    let mut parts = Vec::new();
    let g = &t.gvk;
    for (k, v) in [
        ("group", g.group.as_str()),
        ("version", g.version.as_str()),
        ("kind", g.kind.as_str()),
        ("name", t.name.as_str()),
        ("namespace", t.namespace.as_str()),
        ("labelSelector", t.label_selector.as_str()),
        ("annotationSelector", t.annotation_selector.as_str()),
    ] {
        if !v.is_empty() {
            parts.push(format!("{k}={v}"));
        }
    }
    let u = UnmatchedPatch {
        kustomization: file.to_string(),
        field,
        index,
        target: parts.join(","),
    };
    UNMATCHED.with(|n| {
        let mut n = n.borrow_mut();
        if !n.contains(&u) {
            n.push(u);
        }
    });
}

impl Rendered {
    /// The multi-document YAML `kustomize build` prints.
    pub fn to_yaml(&self) -> String {
        yaml::to_yaml_stream(self.resources.iter().map(|r| &r.obj))
    }
}

/// Renders the kustomization in `dir`.
pub fn build(fs: &dyn FileSystem, dir: &Path, opts: &BuildOptions) -> Result<Rendered> {
    // The schema strategic merge reads is chosen while the build runs (`openapi:`).
    let _schema = transforms::schema::BuildScope::enter();
    UNMATCHED.with(|n| n.borrow_mut().clear());
    RECORD_ORIGINS.with(|r| r.set(opts.record_origins));
    let fetcher = Fetcher::new(opts.remote.clone());
    let ldr = Loader::new(fs, dir, opts.load_restrictor, &fetcher)?;
    let mut warnings = Vec::new();
    let mut acc = Acc::default();
    accumulate_target(&ldr, &mut acc, &mut warnings, Role::Top)?;
    let Acc {
        mut resources,
        config,
        vars,
        sort: acc_sort,
        build_metadata: acc_build_metadata,
        ..
    } = acc;
    generators::add_hashes(&mut resources);
    transforms::name_reference::fix(&mut resources, &config.name_refs)?;
    // With the back references fixed, vars take their values (kusttarget.go order).
    let unused = transforms::vars::resolve(&mut resources, &vars, config.specs("varreference"))?;
    if !unused.is_empty() {
        warnings.push(format!(
            "well-defined vars that were never replaced: {}",
            unused.join(",")
        ));
    }
    resources.retain(|r| {
        !r.string_map("annotations")
            .iter()
            .any(|(k, v)| k == "config.kubernetes.io/local-config" && v != "false")
    });
    // The top kustomization's sortOptions win over the command line's order.
    match &acc_sort {
        Some(SortOptions::Fifo) => {}
        Some(SortOptions::Legacy { first, last }) => legacy_sort(&mut resources, first, last),
        None if opts.reorder == Reorder::Legacy => {
            legacy_sort(&mut resources, resid::ORDER_FIRST, resid::ORDER_LAST)
        }
        None => {}
    }
    if acc_build_metadata.iter().any(|m| m == "managedByLabel") {
        // The label kubectl's kustomize sets (its build reports its version as "(devel)").
        let pairs = [(
            "app.kubernetes.io/managed-by".to_string(),
            "kustomize-(devel)".to_string(),
        )];
        let spec = [crate::kustomize::fieldspec::FieldSpec {
            path: "metadata/labels".into(),
            create: true,
            ..Default::default()
        }];
        for r in resources.iter_mut() {
            transforms::set_map_entries(r, &spec, &pairs)?;
        }
    }
    let keep_origin = acc_build_metadata.iter().any(|m| m == "originAnnotations");
    let keep_transformations = acc_build_metadata
        .iter()
        .any(|m| m == "transformerAnnotations");
    for r in &mut resources {
        finalize_annotations(r, keep_origin, keep_transformations);
    }
    Ok(Rendered {
        resources,
        warnings,
        unmatched_patches: UNMATCHED.with(|n| std::mem::take(&mut *n.borrow_mut())),
    })
}

/// kustomize strips its build annotations at the very end by re-setting the annotation
/// map: values become strings and an empty map disappears. The transformation annotation
/// goes, and the origin one unless buildMetadata asks for it: user-written ones too.
fn finalize_annotations(r: &mut Resource, keep_origin: bool, keep_transformations: bool) {
    let Some(md) = r.obj.get("metadata") else {
        return;
    };
    match md.get("annotations") {
        Some(Value::Object(_)) | Some(Value::Null) => {
            let mut pairs = r.string_map("annotations");
            pairs.retain(|(k, _)| {
                (keep_transformations || k != TRANSFORMATIONS)
                    && (keep_origin || k != generators::ORIGIN)
            });
            r.set_string_map("annotations", pairs);
        }
        _ => {}
    }
}

/// kustomize's legacy order (SortOrderTransformer): kinds of `first` ahead, of `last`
/// behind, the rest by group, version and kind, then by namespace and name.
fn legacy_sort<S: AsRef<str>>(resources: &mut [Resource], first: &[S], last: &[S]) {
    let or = |s: &str, d: &str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    // Everything a comparison reads is worked out once per object (not once per
    // comparison: the sort makes n log n of them).
    struct Key {
        gvk: resid::Gvk,
        rank: i64,
        gvk_text: String,
        id: String,
    }
    let keys: Vec<Key> = resources
        .iter()
        .map(|r| {
            let gvk = r.gvk();
            Key {
                rank: resid::kind_rank_in(&gvk.kind, first, last),
                gvk_text: gvk.stable_sort_string(),
                id: format!("{}|{}|{}", gvk, or(r.namespace(), "~X"), or(r.name(), "~N")),
                gvk,
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..resources.len()).collect();
    order.sort_by(|&a, &b| {
        let (ka, kb) = (&keys[a], &keys[b]);
        let (ga, gb) = (&ka.gvk, &kb.gvk);
        if ga != gb {
            if ka.rank != kb.rank {
                return ka.rank.cmp(&kb.rank);
            }
            if ga.kind == "Namespace"
                && gb.kind == "Namespace"
                && (ga.group.is_empty() || gb.group.is_empty())
            {
                return kb.gvk_text.cmp(&ka.gvk_text);
            }
            return ka.gvk_text.cmp(&kb.gvk_text);
        }
        ka.id.cmp(&kb.id)
    });
    // Move each object to its place: `dest[i]` is where the object now at `i` goes.
    let mut dest = vec![0; order.len()];
    for (p, &old) in order.iter().enumerate() {
        dest[old] = p;
    }
    for i in 0..dest.len() {
        while dest[i] != i {
            let j = dest[i];
            resources.swap(i, j);
            dest.swap(i, j);
        }
    }
}

fn load_kustomization(ldr: &Loader) -> Result<(Kustomization, String)> {
    let path = ldr.kustomization_file()?;
    let file = path.display().to_string();
    let bytes = ldr.read_kustomization(&path)?;
    let text = String::from_utf8(bytes).map_err(|_| Error::Load {
        file: path.clone(),
        msg: "is not valid UTF-8".into(),
    })?;
    let v = yaml::parse_one_lenient_yaml11(&text).map_err(|e| Error::Yaml {
        file: path.clone(),
        line: e.line,
        msg: e.message,
    })?;
    let k = Kustomization::from_value(&v, &file)?;
    Ok((k, file))
}

fn append_all(ra: &mut Vec<Resource>, more: Vec<Resource>) -> Result<()> {
    if more.is_empty() {
        return Ok(());
    }
    // kustomize's id equality as a hash key: one pass over what is there, not a scan per
    // added object.
    let mut seen: std::collections::HashSet<_> =
        ra.iter().map(|x| x.cur_id().equality_key()).collect();
    for r in more {
        let id = r.cur_id();
        if !seen.insert(id.clone().equality_key()) {
            return Err(Error::Resource {
                id: id.to_string(),
                msg: format!(
                    "may not add resource with an already registered id (from {})",
                    r.source
                ),
            });
        }
        ra.push(r);
    }
    Ok(())
}

/// Where a kustomization is being built from: the top, `resources`, or `components`.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Top,
    Resource,
    Component,
}

/// kustomize's ResAccumulator: the resources, the transformer configuration and the vars
/// gathered so far.
#[derive(Default)]
struct Acc {
    resources: Vec<Resource>,
    config: TransformerConfig,
    vars: Vec<transforms::vars::Var>,
    /// The top kustomization's `sortOptions` and `buildMetadata`.
    sort: Option<SortOptions>,
    build_metadata: Vec<String>,
    /// Where this kustomization sits, seen from the top one (for origin annotations), when
    /// the top asks for them.
    origin: Option<String>,
}

/// The origin annotation of an object read from a file.
fn file_origin(path: &str) -> String {
    format!("path: {path}\n")
}

/// The origin annotation of a generated object: the kustomization file or plugin config
/// it was configured in, and the builtin generator (with the plugin's name, if any).
fn generator_origin(configured_in: &str, kind: &str, name: &str) -> String {
    let mut t = format!(
        "configuredIn: {configured_in}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {kind}\n"
    );
    if !name.is_empty() {
        t.push_str(&format!("  name: {name}\n"));
    }
    t
}

/// `filepath.Join` of an origin prefix and a path, cleaned.
fn origin_join(prefix: &str, rel: &str) -> String {
    crate::kustomize::load::fs::clean(&Path::new(prefix).join(rel))
        .display()
        .to_string()
}

fn set_annotation(r: &mut Resource, key: &str, value: String) {
    let mut annos = r.string_map("annotations");
    annos.retain(|(k, _)| k != key);
    annos.push((key.to_string(), value));
    r.set_string_map("annotations", annos);
}

/// One kustomization's accumulation (kusttarget.go `accumulateTarget`): its resources
/// (each folder accumulated on its own, its configuration merged into this one), the
/// transformer configuration, generators, components, transformers. Components share the
/// parent's resources and configuration.
fn accumulate_target(
    ldr: &Loader,
    acc: &mut Acc,
    warnings: &mut Vec<String>,
    role: Role,
) -> Result<()> {
    let (k, file) = load_kustomization(ldr)?;
    set_schema(ldr, &k, &file, role == Role::Top)?;
    if role == Role::Component && !k.is_component {
        return Err(Error::Kustomization {
            file,
            msg: "expected kind 'Component'".into(),
        });
    }
    if role == Role::Resource && k.is_component {
        return Err(Error::Kustomization {
            file,
            msg: "expected kind != 'Component' (a component goes under components:)".into(),
        });
    }
    for w in &k.warnings {
        if !warnings.contains(w) {
            warnings.push(w.clone());
        }
    }
    if role == Role::Top {
        acc.sort = k.sort_options.clone();
        acc.build_metadata = k.build_metadata.clone();
        // Origins are tracked for either annotation (kustomize tracks transformations
        // on top of origins) and dropped at the end unless asked for.
        if k.build_metadata
            .iter()
            .any(|m| m == "originAnnotations" || m == "transformerAnnotations")
        {
            acc.origin = Some(String::new());
        }
    }
    let origin = acc.origin.clone();
    for path in &k.resources {
        // kustomize's accumulateResources: a file (local, or over HTTP), else a folder or
        // a git repository (kustomize's loader tries the repository reading first).
        let full = ldr.path_of(path);
        let mut http_error = None;
        if remote::is_remote_file(path) {
            match ldr.fetch_file(path) {
                Ok(bytes) => {
                    let shown = std::path::PathBuf::from(remote::redact(path));
                    append_file(acc, &bytes, &shown, path, origin.as_ref())?;
                    continue;
                }
                Err(e) => http_error = Some(e),
            }
        }
        let repo = RepoSpec::parse(path);
        if let Some(e) = &http_error {
            // A URL that could not be read ends it, unless it names a git repository.
            if repo.is_err() {
                return Err(Error::Load {
                    file: std::path::PathBuf::from(remote::redact(path)),
                    msg: format!("resource in {file}: {e}"),
                });
            }
        }
        if http_error.is_none() && ldr.fs.is_file(&full) {
            let bytes = ldr.load(path)?;
            append_file(acc, &bytes, &full, path, origin.as_ref())?;
        } else if let Ok(spec) = &repo {
            let child = ldr.remote_child(spec).map_err(|e| listed_in(e, &file))?;
            accumulate_child(&child, acc, warnings, &file, path, origin.as_ref())?;
        } else if ldr.fs.is_dir(&full) {
            let child = ldr.child(path)?;
            accumulate_child(&child, acc, warnings, &file, path, origin.as_ref())?;
        } else {
            // Say why: a symlink loop or a FIFO is not "missing".
            let why = match ldr.fs.real_path(&full) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    crate::kustomize::load::io_message(&e)
                }
                Ok(_) => "is neither a regular file nor a folder".into(),
                Err(_) => "does not exist".into(),
            };
            return Err(Error::Load {
                file: full,
                msg: format!("resource {path:?} in {file}: {why}"),
            });
        }
    }
    // kustomize's order (kusttarget.go `accumulateTarget`): resources, the configuration,
    // this kustomization's generators, then components, then its transformers.
    let own = own_config(ldr, &k, &file)?;
    acc.config.merge(&own).map_err(|msg| Error::Kustomization {
        file: file.clone(),
        msg: format!("merging configurations: {msg}"),
    })?;
    let mut vars = transforms::vars::parse(&k.vars).map_err(|msg| Error::Kustomization {
        file: file.clone(),
        msg,
    })?;
    for v in &mut vars {
        v.declared_in = file.clone();
    }
    // Where this kustomization sits, for the origins of what it generates and transforms.
    let track = origin.as_ref().map(|p| Tracker {
        prefix: p.clone(),
        kust_file: Path::new(&file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "kustomization.yaml".into()),
    });
    run_generators(ldr, &k, &file, &mut acc.resources, track.as_ref())
        .map_err(|e| in_file(e, &file))?;
    for path in &k.components {
        let child = match RepoSpec::parse(path) {
            Ok(spec) => ldr.remote_child(&spec).map_err(|e| listed_in(e, &file))?,
            Err(_) => ldr.child(path)?,
        };
        acc.origin = origin.as_ref().map(|p| origin_join(p, path));
        accumulate_target(&child, acc, warnings, Role::Component)?;
        acc.origin = origin.clone();
    }
    run_transformers(
        ldr,
        &k,
        &file,
        &mut acc.resources,
        &acc.config,
        track.as_ref(),
    )
    .map_err(|e| in_file(e, &file))?;
    transforms::vars::merge(&mut acc.resources, &mut acc.vars, &vars)
        .map_err(|e| in_file(e, &file))?;
    Ok(())
}

/// kustomize's `openapi.SetSchema` as each kustomization is loaded: the top one's `openapi`
/// always applies, a lower one's only while none is set.
fn set_schema(ldr: &Loader, k: &Kustomization, file: &str, top: bool) -> Result<()> {
    let get = |key: &str| {
        k.openapi
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let custom = match get("path") {
        None => None,
        Some(path) => {
            let (full, doc) = load_json_or_yaml(ldr, path, "invalid schema file")?;
            let table = transforms::schema::from_openapi(&doc).map_err(|msg| Error::Load {
                file: full,
                msg: format!("invalid schema file: {msg}"),
            })?;
            Some(std::sync::Arc::new(table))
        }
    };
    transforms::schema::set(custom, get("version"), top).map_err(|msg| Error::Kustomization {
        file: file.to_string(),
        msg: format!("openapi: {msg}"),
    })
}

/// A JSON or YAML document file (JSON when it starts with `{`, as kustomize decides for
/// `crds:` and `openapi:` files), with its path; `what` heads a JSON or UTF-8 error.
fn load_json_or_yaml(ldr: &Loader, path: &str, what: &str) -> Result<(std::path::PathBuf, Value)> {
    let full = ldr.path_of(path);
    let bytes = ldr.load(path)?;
    let bad = |msg: String| Error::Load {
        file: full.clone(),
        msg: format!("{what}: {msg}"),
    };
    let doc = if bytes.first() == Some(&b'{') {
        serde_json::from_slice::<Value>(&bytes).map_err(|e| bad(e.to_string()))?
    } else {
        let text = String::from_utf8(bytes).map_err(|_| bad("not valid UTF-8".into()))?;
        yaml::parse_one(&text).map_err(|e| Error::Yaml {
            file: full.clone(),
            line: e.line,
            msg: e.message,
        })?
    };
    Ok((full, doc))
}

/// The objects of a resource file (read from `shown`, listed as `path`) added to the
/// accumulation, with their origin when origins are tracked.
fn append_file(
    acc: &mut Acc,
    bytes: &[u8],
    shown: &Path,
    path: &str,
    origin: Option<&String>,
) -> Result<()> {
    let mut loaded = resources_from_bytes(bytes, shown)?;
    if let Some(prefix) = origin {
        let text = file_origin(&origin_join(prefix, path));
        for r in &mut loaded {
            set_annotation(r, generators::ORIGIN, text.clone());
        }
    }
    append_all(&mut acc.resources, loaded)
}

/// A remote target's error, with the kustomization that lists it.
fn listed_in(e: Error, file: &str) -> Error {
    Error::Kustomization {
        file: file.to_string(),
        msg: e.to_string(),
    }
}

/// A folder (local or fetched) listed under `resources`: accumulated on its own, then its
/// resources, configuration and vars merged into the parent's.
fn accumulate_child(
    child: &Loader,
    acc: &mut Acc,
    warnings: &mut Vec<String>,
    file: &str,
    path: &str,
    origin: Option<&String>,
) -> Result<()> {
    let mut sub = Acc {
        origin: origin.map(|p| origin_join(p, path)),
        ..Acc::default()
    };
    accumulate_target(child, &mut sub, warnings, Role::Resource)?;
    append_all(&mut acc.resources, sub.resources)?;
    acc.config
        .merge(&sub.config)
        .map_err(|msg| Error::Kustomization {
            file: file.to_string(),
            msg: format!("merging the configuration of {path}: {msg}"),
        })?;
    transforms::vars::merge_sets(&mut acc.vars, &sub.vars).map_err(|e| in_file(e, file))?;
    Ok(())
}

/// The built-in configuration merged with the kustomization's `configurations:` files.
fn own_config(
    ldr: &Loader,
    k: &Kustomization,
    file: &str,
) -> Result<std::borrow::Cow<'static, TransformerConfig>> {
    if k.configurations.is_empty() && k.crds.is_empty() {
        return Ok(std::borrow::Cow::Borrowed(TransformerConfig::builtin_ref()));
    }
    let mut cfg = TransformerConfig::builtin();
    for path in &k.configurations {
        let text = ldr.load_string(path)?;
        let full = ldr.path_of(path);
        let v = yaml::parse_one(&text).map_err(|e| Error::Yaml {
            file: full.clone(),
            line: e.line,
            msg: e.message,
        })?;
        let c = TransformerConfig::from_value(&v).map_err(|msg| Error::Load {
            file: full.clone(),
            msg,
        })?;
        cfg.merge(&c).map_err(|msg| Error::Kustomization {
            file: file.to_string(),
            msg: format!("merging {path}: {msg}"),
        })?;
    }
    // Then the `crds:` files (kusttarget.go merges them after the configurations).
    for path in &k.crds {
        let what = "unable to parse open API definition";
        let (full, v) = load_json_or_yaml(ldr, path, what)?;
        let c = TransformerConfig::from_crd_definitions(&v).map_err(|msg| Error::Load {
            file: full,
            msg: format!("{what}: {msg}"),
        })?;
        cfg.merge(&c).map_err(|msg| Error::Kustomization {
            file: file.to_string(),
            msg: format!("merging {path}: {msg}"),
        })?;
    }
    Ok(std::borrow::Cow::Owned(cfg))
}

/// Names the kustomization file in errors that do not already name a file.
fn in_file(e: Error, file: &str) -> Error {
    match e {
        Error::Msg(msg) => Error::Kustomization {
            file: file.to_string(),
            // Some messages already start with the file; name it once.
            msg: msg
                .strip_prefix(&format!("{file}: "))
                .map(str::to_string)
                .unwrap_or(msg),
        },
        Error::Resource { id, msg } => Error::Kustomization {
            file: file.to_string(),
            msg: format!("{id}: {msg}"),
        },
        other => other,
    }
}

/// `track`: set when origins are tracked.
fn run_generators(
    ldr: &Loader,
    k: &Kustomization,
    file: &str,
    ra: &mut Vec<Resource>,
    track: Option<&Tracker>,
) -> Result<()> {
    for (secret, list) in [
        (false, &k.config_map_generator),
        (true, &k.secret_generator),
    ] {
        for g in list {
            let mut pairs = Vec::new();
            for e in &g.envs {
                pairs.extend(generators::env_pairs(&ldr.load(e)?, e)?);
            }
            for (i, l) in g.literals.iter().enumerate() {
                pairs.push(generators::literal_pair(l).map_err(|e| {
                    let what = if secret {
                        "secretGenerator"
                    } else {
                        "configMapGenerator"
                    };
                    Error::msg(format!("{what} {:?}, literals[{i}]: {e}", g.name))
                })?);
            }
            for f in &g.files {
                let (key, path) = generators::file_source(f)?;
                pairs.push((key, ldr.load(&path)?));
            }
            let opts = generators::merged_options(&g.options, &k.generator_options);
            let mut r =
                generators::generate(g, generators::Sources { pairs }, &opts, secret, file)?;
            if let Some(t) = track {
                let kind = if secret {
                    "SecretGenerator"
                } else {
                    "ConfigMapGenerator"
                };
                set_annotation(&mut r, generators::ORIGIN, t.field(kind));
            }
            generators::absorb(ra, r)?;
        }
    }
    // Then `generators:` entries, as kustomize runs its builtin generators before plugins.
    for entry in plugin_entries(&k.generators) {
        run_builtin_generators(ldr, &entry, file, ra, track)?;
    }
    Ok(())
}

fn patch_text(ldr: &Loader, p: &Patch) -> Result<String> {
    match (p.path.is_empty(), p.patch.trim().is_empty()) {
        (true, true) => Err(Error::msg("must specify one of patch and path")),
        (false, false) => Err(Error::msg("patch and path can't be set at the same time")),
        (false, true) => ldr.load_string(&p.path),
        (true, false) => Ok(p.patch.trim().to_string()),
    }
}

/// Where a `patches` / `patchesJson6902` entry's text was written: its own file, or the
/// kustomization that holds it inline, with the field that does (`patches[2].patch`).
fn patch_source(
    ldr: &Loader,
    kfile: &str,
    p: &Patch,
    field: &str,
    i: usize,
) -> (PathBuf, Option<String>) {
    if p.path.is_empty() {
        (PathBuf::from(kfile), Some(format!("{field}[{i}].patch")))
    } else {
        (ldr.path_of(&p.path), None)
    }
}

/// The single resource a target-less strategic merge patch names.
fn patch_target(ra: &[Resource], patch: &Resource) -> Result<usize> {
    let id = patch.org_id();
    let found: Vec<usize> = (0..ra.len())
        .filter(|&i| ra[i].all_ids().iter().any(|x| x.equals(&id)))
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(Error::Resource {
            id: id.to_string(),
            msg: format!(
                "no resource matches strategic merge patch (from {})",
                patch.source
            ),
        }),
        _ => Err(Error::Resource {
            id: id.to_string(),
            msg: "multiple resources match strategic merge patch".into(),
        }),
    }
}

/// Where a patch was written, for lint: its own file and document, or the kustomization
/// field that holds it inline.
fn patched_by(file: &str, entry: Option<String>, line: usize, body: PatchBody) -> Arc<PatchedBy> {
    Arc::new(PatchedBy {
        file: file.to_string(),
        line: if entry.is_some() { 0 } else { line.max(1) },
        entry,
        body,
    })
}

fn sm_by(patch: &Resource, inline: Option<String>, kfile: &str) -> Arc<PatchedBy> {
    let body = PatchBody::Strategic(patch.obj.clone());
    match inline {
        Some(entry) => patched_by(kfile, Some(entry), 0, body),
        None => patched_by(&patch.source, None, patch.line, body),
    }
}

fn json_by(ops: &json_patch::Patch, origin: &Path, inline: Option<String>) -> Arc<PatchedBy> {
    let body = PatchBody::Json(patch_json6902::written_paths(ops));
    patched_by(&origin.display().to_string(), inline, 1, body)
}

fn fields_by(kfile: &str, set: Vec<(String, String)>) -> Arc<PatchedBy> {
    patched_by(kfile, None, 1, PatchBody::Fields(set))
}

/// The labels and annotations a kustomization sets, for lint: each `metadata` key with the
/// kustomization field that wrote it.
fn record_label_fields(ra: &mut [Resource], k: &Kustomization, file: &str) {
    let mut set = Vec::new();
    for (i, l) in k.labels.iter().enumerate() {
        for (key, _) in &l.pairs {
            set.push((
                format!("metadata.labels.{key}"),
                format!("labels[{i}].pairs.{key}"),
            ));
        }
    }
    for (key, _) in &k.common_labels {
        set.push((
            format!("metadata.labels.{key}"),
            format!("commonLabels.{key}"),
        ));
    }
    for (key, _) in &k.common_annotations {
        set.push((
            format!("metadata.annotations.{key}"),
            format!("commonAnnotations.{key}"),
        ));
    }
    if !set.is_empty() {
        let by = Some(fields_by(file, set));
        for r in ra.iter_mut() {
            record(r, &by);
        }
    }
}

fn apply_sm(
    ra: &mut Vec<Resource>,
    i: usize,
    patch: &Resource,
    by: &Option<Arc<PatchedBy>>,
) -> Result<()> {
    record(&mut ra[i], by);
    patch_strategic::apply(&mut ra[i], patch)?;
    if yaml::is_null_or_empty(&ra[i].obj) {
        ra.remove(i);
    }
    Ok(())
}

fn run_transformers(
    ldr: &Loader,
    k: &Kustomization,
    file: &str,
    ra: &mut Vec<Resource>,
    cfg: &TransformerConfig,
    track: Option<&Tracker>,
) -> Result<()> {
    // After each transformer kustomize would configure (multitransformer.go), the objects
    // record it when transformations are tracked.
    let mark = |ra: &mut Vec<Resource>, kind: &str| {
        if let Some(t) = track {
            record_transformation(ra, &t.field(kind));
        }
    };
    for (ei, entry) in k.patches_strategic_merge.iter().enumerate() {
        let mut inline = None;
        let (text, origin) = if ldr.fs.is_file(&ldr.path_of(entry)) {
            (ldr.load_string(entry)?, ldr.path_of(entry))
        } else if entry.contains('\n') || entry.contains(':') {
            inline = Some(format!("patchesStrategicMerge[{ei}]"));
            (entry.clone(), Path::new(file).to_path_buf())
        } else {
            return Err(Error::Load {
                file: ldr.path_of(entry),
                msg: "patch file does not exist".into(),
            });
        };
        for p in resources_from_bytes(text.as_bytes(), &origin)? {
            let i = patch_target(ra, &p)?;
            let by = recording().then(|| sm_by(&p, inline.clone(), file));
            apply_sm(ra, i, &p, &by)?;
        }
    }
    if !k.patches_strategic_merge.is_empty() {
        mark(ra, "PatchStrategicMergeTransformer");
    }
    for (pi, p) in k.patches.iter().enumerate() {
        let text = patch_text(ldr, p)?;
        let (origin, inline) = patch_source(ldr, file, p, "patches", pi);
        let sm = resources_from_bytes(text.as_bytes(), &origin)
            .ok()
            .filter(|v| !v.is_empty());
        match sm {
            Some(mut patches) => {
                for patch in &mut patches {
                    patch.allow_name_change = p.allow_name_change;
                    patch.allow_kind_change = p.allow_kind_change;
                }
                match &p.target {
                    Some(t) => {
                        if patches.len() > 1 {
                            return Err(Error::Kustomization { file: file.into(), msg: "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field".into() });
                        }
                        let mut idx = selector::select(ra, t)?;
                        if idx.is_empty() {
                            note_unmatched(file, "patches", pi, t);
                        }
                        idx.reverse();
                        let by = recording().then(|| sm_by(&patches[0], inline, file));
                        for i in idx {
                            apply_sm(ra, i, &patches[0], &by)?;
                        }
                    }
                    None => {
                        for patch in &patches {
                            let i = patch_target(ra, patch)?;
                            let by = recording().then(|| sm_by(patch, inline.clone(), file));
                            apply_sm(ra, i, patch, &by)?;
                        }
                    }
                }
            }
            None => {
                let ops = patch_json6902::parse(&text).map_err(|e| Error::Load {
                    file: origin.clone(),
                    msg: format!("unable to parse SM or JSON patch: {e}"),
                })?;
                let Some(t) = &p.target else {
                    return Err(Error::Kustomization {
                        file: file.into(),
                        msg: "must specify a target for JSON patch".into(),
                    });
                };
                let idx = selector::select(ra, t)?;
                if idx.is_empty() {
                    note_unmatched(file, "patches", pi, t);
                }
                let by = recording().then(|| json_by(&ops, &origin, inline));
                for i in idx {
                    record(&mut ra[i], &by);
                    patch_json6902::apply(&mut ra[i], &ops)?;
                }
            }
        }
        mark(ra, "PatchTransformer");
    }
    transforms::namespace::apply_namespace(ra, &k.namespace, cfg.specs("namespace"))?;
    if !k.namespace.is_empty() {
        mark(ra, "NamespaceTransformer");
    }
    if !k.namespace.is_empty() && recording() {
        let by = fields_by(
            file,
            vec![("metadata.namespace".into(), "namespace".into())],
        );
        for r in ra.iter_mut().filter(|r| r.namespace() == k.namespace) {
            r.patched_by.push(by.clone());
        }
    }
    transforms::prefix_suffix::apply_prefix_suffix(
        ra,
        &k.name_prefix,
        true,
        cfg.specs("nameprefix"),
    )?;
    if !k.name_prefix.is_empty() {
        mark(ra, "PrefixTransformer");
    }
    transforms::prefix_suffix::apply_prefix_suffix(
        ra,
        &k.name_suffix,
        false,
        cfg.specs("namesuffix"),
    )?;
    if !k.name_suffix.is_empty() {
        mark(ra, "SuffixTransformer");
    }
    for l in &k.labels {
        transforms::labels::labels(ra, l, cfg)?;
        mark(ra, "LabelTransformer");
    }
    if recording() {
        record_label_fields(ra, k, file);
    }
    transforms::labels::common_labels(ra, &k.common_labels, cfg)?;
    // kustomize configures the commonLabels transformer whenever there are any labels.
    if !k.common_labels.is_empty() || !k.labels.is_empty() {
        mark(ra, "LabelTransformer");
    }
    transforms::annotations::common_annotations(
        ra,
        &k.common_annotations,
        cfg.specs("commonannotations"),
    )?;
    if !k.common_annotations.is_empty() {
        mark(ra, "AnnotationsTransformer");
    }
    for (pi, p) in k.patches_json6902.iter().enumerate() {
        let text = patch_text(ldr, p)?;
        let ops = patch_json6902::parse(&text).map_err(|e| Error::Kustomization {
            file: file.into(),
            msg: format!("patchesJson6902: {e}"),
        })?;
        let Some(t) = &p.target else {
            return Err(Error::Kustomization {
                file: file.into(),
                msg: "patchesJson6902 entry needs a target".into(),
            });
        };
        let idx = selector::select(ra, t)?;
        if idx.is_empty() {
            note_unmatched(file, "patchesJson6902", pi, t);
        }
        let (origin, inline) = patch_source(ldr, file, p, "patchesJson6902", pi);
        let by = recording().then(|| json_by(&ops, &origin, inline));
        for i in idx {
            record(&mut ra[i], &by);
            patch_json6902::apply(&mut ra[i], &ops)?;
        }
        mark(ra, "PatchJson6902Transformer");
    }
    for (i, (name, _)) in k.replicas.iter().enumerate().filter(|_| recording()) {
        let by = fields_by(
            file,
            vec![("spec.replicas".into(), format!("replicas[{i}].count"))],
        );
        for r in ra.iter_mut().filter(|r| r.name() == name) {
            r.patched_by.push(by.clone());
        }
    }
    transforms::replicas::apply_replicas(ra, &k.replicas, cfg.specs("replicas"))?;
    for _ in &k.replicas {
        mark(ra, "ReplicaCountTransformer");
    }
    transforms::images::apply_images(ra, &k.images, cfg.specs("images"))?;
    for _ in &k.images {
        mark(ra, "ImageTagTransformer");
    }
    for rep in &k.replacements {
        match rep.get("path").and_then(Value::as_str) {
            Some(path) => {
                let text = ldr.load_string(path)?;
                let full = ldr.path_of(path);
                let docs = yaml::parse_documents(&text).map_err(|e| Error::Yaml {
                    file: full,
                    line: e.line,
                    msg: e.message,
                })?;
                let mut list = Vec::new();
                for d in docs {
                    match d.value {
                        Value::Array(a) => list.extend(a),
                        Value::Null => {}
                        other => list.push(other),
                    }
                }
                transforms::replacements::apply(ra, &list, file)?;
            }
            None => transforms::replacements::apply(ra, std::slice::from_ref(rep), file)?,
        }
    }
    if !k.replacements.is_empty() {
        mark(ra, "ReplacementTransformer");
    }
    for entry in plugin_entries(&k.transformers) {
        run_builtin_transformer(ldr, &entry, file, ra, cfg, track)?;
    }
    Ok(())
}

/// The documents of a YAML text, without the empty ones.
fn document_values(docs: Vec<yaml::Document>) -> Vec<Value> {
    docs.into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect()
}

/// A `transformers:` or `generators:` entry: inline objects, or a path.
enum PluginEntry<'a> {
    Inline(Vec<Value>),
    Path(&'a str),
}

/// The entries of `transformers:` / `generators:`, each read once, in kustomize's order
/// (configureExternalTransformers): an entry that reads as objects is inline, and the
/// inline ones come first; the rest are paths, accumulated after them.
fn plugin_entries(entries: &[String]) -> Vec<PluginEntry<'_>> {
    let mut inline = Vec::new();
    let mut paths = Vec::new();
    for e in entries {
        let values = yaml::parse_documents(e).ok().map(document_values);
        match values {
            Some(v) if !v.is_empty() && v.iter().all(|x| matches!(x, Value::Object(_))) => {
                inline.push(PluginEntry::Inline(v))
            }
            _ => paths.push(PluginEntry::Path(e)),
        }
    }
    inline.extend(paths);
    inline
}

/// The plugin configs of an entry of the kustomization `file`: the inline objects, or
/// those of a file, or those a folder's kustomization renders.
fn plugin_configs(ldr: &Loader, entry: &PluginEntry, file: &str) -> Result<Vec<Value>> {
    let entry = match entry {
        PluginEntry::Inline(values) => return Ok(values.clone()),
        PluginEntry::Path(p) => *p,
    };
    let full = ldr.path_of(entry);
    if ldr.fs.is_file(&full) {
        let text = ldr.load_string(entry)?;
        let docs = yaml::parse_documents(&text).map_err(|e| Error::Yaml {
            file: full,
            line: e.line,
            msg: e.message,
        })?;
        return Ok(document_values(docs));
    }
    if ldr.fs.is_dir(&full) {
        let child = ldr.child(entry)?;
        let mut sub = Acc::default();
        accumulate_target(&child, &mut sub, &mut Vec::new(), Role::Resource)?;
        return Ok(sub.resources.into_iter().map(|r| r.obj).collect());
    }
    Err(Error::Load {
        file: full,
        msg: format!("plugin configuration {entry:?} in {file}: does not exist"),
    })
}

/// Field specs of a plugin's config, read as kustomize reads plugin configs (unknown keys,
/// such as a `name`, are passed over).
fn plugin_field_specs(v: &Value) -> Vec<crate::kustomize::fieldspec::FieldSpec> {
    v.get("fieldSpecs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(crate::kustomize::fieldspec::FieldSpec::from_map)
        .collect()
}

/// The fields of a plugin config that a kustomization entry holds, as (plugin key, entry
/// key), copied where present.
fn pick(v: &Value, fields: &[(&str, &str)]) -> Value {
    let mut m = crate::yaml::Map::new();
    for (from, to) in fields {
        if let Some(x) = v.get(*from) {
            m.insert((*to).into(), x.clone());
        }
    }
    Value::Object(m)
}

/// A kustomization made of one field, to run a builtin plugin through the same code as
/// the field it configures.
fn fragment(file: &str, field: &str, value: Value) -> Result<Kustomization> {
    let mut m = crate::yaml::Map::new();
    m.insert(field.to_string(), value);
    Kustomization::from_value(&Value::Object(m), file)
}

/// `generators:` entries that configure kustomize's builtin ConfigMap and Secret
/// generators (apiVersion `builtin`); other plugins are never run.
fn run_builtin_generators(
    ldr: &Loader,
    entry: &PluginEntry,
    file: &str,
    ra: &mut Vec<Resource>,
    track: Option<&Tracker>,
) -> Result<()> {
    for v in plugin_configs(ldr, entry, file)? {
        let api = v.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
        let field = match (api, kind) {
            ("builtin", "ConfigMapGenerator") => "configMapGenerator",
            ("builtin", "SecretGenerator") => "secretGenerator",
            _ => {
                return Err(Error::NotSupported {
                    field: format!("generators ({api} {kind}): only builtin generators run"),
                    file: file.into(),
                });
            }
        };
        let mut args = crate::yaml::Map::new();
        let md = v.get("metadata");
        // The plugin's own `name`/`namespace` name the object; its metadata's are the
        // fallback (ConfigMapGeneratorPlugin.Config).
        for k in ["name", "namespace"] {
            if let Some(x) = v.get(k).or_else(|| md.and_then(|m| m.get(k))) {
                args.insert(k.into(), x.clone());
            }
        }
        let allowed = [
            "behavior", "literals", "files", "envs", "env", "options", "type",
        ];
        for (k, x) in v.as_object().into_iter().flatten() {
            if allowed.contains(&k.as_str()) && !(k == "type" && field == "configMapGenerator") {
                args.insert(k.clone(), x.clone());
            }
        }
        let k = fragment(file, field, Value::Array(vec![Value::Object(args)]))?;
        let before = ra.len();
        run_generators(ldr, &k, file, ra, None)?;
        if let Some(t) = track {
            let text = t.plugin(entry, &v);
            for r in ra.iter_mut().skip(before) {
                set_annotation(r, generators::ORIGIN, text.clone());
            }
        }
    }
    Ok(())
}

/// `transformers:` entries that configure kustomize's own builtin transformers.
fn run_builtin_transformer(
    ldr: &Loader,
    entry: &PluginEntry,
    file: &str,
    ra: &mut Vec<Resource>,
    cfg: &TransformerConfig,
    track: Option<&Tracker>,
) -> Result<()> {
    for v in plugin_configs(ldr, entry, file)? {
        run_builtin_transformer_config(ldr, &v, file, ra, cfg)?;
        if let Some(t) = track {
            record_transformation(ra, &t.plugin(entry, &v));
        }
    }
    Ok(())
}

/// Where a kustomization sits, seen from the top one (its folder and file name), for the
/// origins of what it generates and the transformers it configures.
struct Tracker {
    prefix: String,
    kust_file: String,
}

impl Tracker {
    /// The origin of a generator or transformer a kustomization field configures.
    fn field(&self, kind: &str) -> String {
        generator_origin(&origin_join(&self.prefix, &self.kust_file), kind, "")
    }

    /// The origin of a builtin plugin configured by a `generators:`/`transformers:` entry:
    /// configured in its file (or the kustomization, when inline), by its kind and name.
    fn plugin(&self, entry: &PluginEntry, config: &Value) -> String {
        let configured_in = match entry {
            PluginEntry::Path(p) => p,
            PluginEntry::Inline(_) => self.kust_file.as_str(),
        };
        let kind = config.get("kind").and_then(Value::as_str).unwrap_or("");
        let name = config
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        generator_origin(&origin_join(&self.prefix, configured_in), kind, name)
    }
}

const TRANSFORMATIONS: &str = "alpha.config.kubernetes.io/transformations";

/// kustomize's AddTransformerAnnotation: an object with an origin records the transformer
/// in its list of transformations; one without takes the transformer as its origin.
fn record_transformation(ra: &mut [Resource], origin: &str) {
    let item: String = origin
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("- {l}\n")
            } else {
                format!("  {l}\n")
            }
        })
        .collect();
    for r in ra.iter_mut() {
        let annos = r.string_map("annotations");
        if annos.iter().any(|(k, _)| k == generators::ORIGIN) {
            let mut list = annos
                .iter()
                .find(|(k, _)| k == TRANSFORMATIONS)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            list.push_str(&item);
            set_annotation(r, TRANSFORMATIONS, list);
        } else {
            set_annotation(r, generators::ORIGIN, origin.to_string());
        }
    }
}

fn run_builtin_transformer_config(
    ldr: &Loader,
    v: &Value,
    file: &str,
    ra: &mut Vec<Resource>,
    cfg: &TransformerConfig,
) -> Result<()> {
    let api = v.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
    let unsupported = || Error::NotSupported {
        field: format!("transformers ({api} {kind})"),
        file: file.into(),
    };
    if api != "builtin" {
        return Err(unsupported());
    }
    let pairs = |f: &str| -> Vec<(String, String)> {
        v.get(f)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, x)| (k.clone(), scalar_string(x)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let text = |f: &str| v.get(f).and_then(Value::as_str).unwrap_or("").to_string();
    let specs = plugin_field_specs(v);
    let get = |f: &str| v.get(f).cloned().unwrap_or(Value::Null);
    match kind {
        "LabelTransformer" => {
            for r in ra.iter_mut() {
                transforms::set_map_entries(r, &specs, &pairs("labels"))?;
            }
        }
        "AnnotationsTransformer" => {
            for r in ra.iter_mut() {
                transforms::set_map_entries(r, &specs, &pairs("annotations"))?;
            }
        }
        "PrefixSuffixTransformer" => {
            transforms::prefix_suffix::apply_prefix_suffix(ra, &text("prefix"), true, &specs)?;
            transforms::prefix_suffix::apply_prefix_suffix(ra, &text("suffix"), false, &specs)?;
        }
        "NamespaceTransformer" => {
            let ns = v
                .get("metadata")
                .and_then(|m| m.get("namespace"))
                .and_then(Value::as_str)
                .unwrap_or("");
            transforms::namespace::apply_namespace(ra, ns, &specs)?;
        }
        "ImageTagTransformer" => {
            let k = fragment(file, "images", Value::Array(vec![get("imageTag")]))?;
            transforms::images::apply_images(ra, &k.images, &specs)?;
        }
        "ReplicaCountTransformer" => {
            let k = fragment(file, "replicas", Value::Array(vec![get("replica")]))?;
            transforms::replicas::apply_replicas(ra, &k.replicas, &specs)?;
        }
        "ReplacementTransformer" => {
            let k = fragment(file, "replacements", get("replacements"))?;
            run_transformers(ldr, &k, file, ra, cfg, None)?;
        }
        "PatchTransformer" => {
            let p = pick(
                v,
                &[
                    ("patch", "patch"),
                    ("path", "path"),
                    ("target", "target"),
                    ("options", "options"),
                ],
            );
            let k = fragment(file, "patches", Value::Array(vec![p]))?;
            run_transformers(ldr, &k, file, ra, cfg, None)?;
        }
        "PatchStrategicMergeTransformer" => {
            let mut list: Vec<Value> = get("paths").as_array().cloned().unwrap_or_default();
            if let Some(Value::String(p)) = v.get("patches") {
                list.push(Value::String(p.clone()));
            }
            let k = fragment(file, "patchesStrategicMerge", Value::Array(list))?;
            run_transformers(ldr, &k, file, ra, cfg, None)?;
        }
        "PatchJson6902Transformer" => {
            let p = pick(
                v,
                &[("target", "target"), ("path", "path"), ("jsonOp", "patch")],
            );
            let k = fragment(file, "patchesJson6902", Value::Array(vec![p]))?;
            run_transformers(ldr, &k, file, ra, cfg, None)?;
        }
        _ => return Err(unsupported()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kustomize::load::fs::MemFs;

    fn render(fs: &MemFs, dir: &str) -> String {
        build(fs, Path::new(dir), &BuildOptions::default())
            .expect("build")
            .to_yaml()
    }

    #[test]
    fn overlay_in_memory_renames_and_fixes_references() {
        let mut fs = MemFs::new();
        fs.add("base/kustomization.yaml", "resources:\n- d.yaml\nconfigMapGenerator:\n- name: cfg\n  literals:\n  - a=b\n")
            .add(
                "base/d.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      volumes:\n      - name: v\n        configMap:\n          name: cfg\n",
            )
            .add("prod/kustomization.yaml", "namePrefix: p-\nnamespace: shop\nresources:\n- ../base\n");
        let out = render(&fs, "prod");
        // The generated ConfigMap got prefix and hash; the Deployment's reference follows.
        let cm_name = out
            .lines()
            .find(|l| l.trim_start().starts_with("name: p-cfg-"))
            .expect("renamed configmap")
            .trim();
        assert_eq!(out.matches(cm_name).count(), 2, "{out}");
        assert!(out.contains("name: p-web\n  namespace: shop"), "{out}");
        // Legacy order puts the ConfigMap before the Deployment.
        assert!(out.find("kind: ConfigMap").unwrap() < out.find("kind: Deployment").unwrap());
    }

    #[test]
    fn reorder_none_keeps_input_order() {
        let mut fs = MemFs::new();
        fs.add("k/kustomization.yaml", "resources:\n- a.yaml\n")
            .add("k/a.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n");
        let opts = BuildOptions {
            reorder: Reorder::None,
            ..Default::default()
        };
        let out = build(&fs, Path::new("k"), &opts).expect("build").to_yaml();
        assert!(out.starts_with("apiVersion: apps/v1"), "{out}");
        let legacy = render(&fs, "k");
        assert!(
            legacy.starts_with("apiVersion: v1\nkind: Namespace"),
            "{legacy}"
        );
    }
}
