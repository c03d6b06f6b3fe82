//! `manifesto catalog`: list and show the built-in operators, render a catalog repo, and
//! bump an operator's channel in any catalog repo (dry-run prints the diff).

use anyhow::{Context, Result, bail};
use manifesto::catalog::{self, bump, import, render};
use manifesto::write;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutArg {
    /// redhat-cop/gitops-catalog's: base + overlays/<channel>
    Cop,
    /// ibm-cloud-architecture's eda-gitops-catalog: also pins startingCSV and a current pointer
    Eda,
}

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// List the built-in operators
    List {
        /// Output format
        #[arg(short = 'o', long = "output", value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Show one operator's data
    Show {
        /// The operator's catalog name or OLM package name (see `catalog list`)
        operator: String,
    },
    /// Write a catalog repo: a base per operator and an overlay per channel
    Render {
        /// The folder to write the catalog repo into
        #[arg(short = 'o', long = "out", default_value = "catalog-repo")]
        out: PathBuf,
        /// Only these operators (repeatable); all when absent
        #[arg(long = "operator")]
        operators: Vec<String>,
        /// Folder layout of the catalog repo
        #[arg(long, value_enum, default_value_t = LayoutArg::Cop)]
        layout: LayoutArg,
        /// Overwrite files that differ from what would be written
        #[arg(long)]
        force: bool,
    },
    /// Move an operator to a channel in a catalog repo (manifesto's, redhat-cop's or eda's layout)
    Bump {
        /// The operator's catalog name or OLM package name
        operator: String,
        /// The OLM channel to move to (e.g. v12.3, stable, strimzi-0.51.x), or a release tag
        channel: String,
        /// Pin this CSV as startingCSV (it must belong to the operator's package)
        #[arg(long)]
        csv: Option<String>,
        /// The catalog or solution repo to edit
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        /// The operator folder, when the repo holds several for the package
        #[arg(long)]
        path: Option<String>,
        /// Accept a channel the built-in catalog does not list
        #[arg(long)]
        allow_unknown_channel: bool,
        /// Print the diff and write nothing
        #[arg(long)]
        dry_run: bool,
        /// In a scaffolded repo: the sealing certificate, when the spec names none (without
        /// it the SealedSecrets are left as they are)
        #[arg(long)]
        cert: Option<PathBuf>,
        /// In a scaffolded repo: the templates it was scaffolded with, if not the built-in ones
        #[arg(long)]
        templates: Option<PathBuf>,
        /// In a scaffolded repo: overwrite generated files edited since the last scaffold
        #[arg(long)]
        force: bool,
    },
    /// Write a local catalog entry (DIR/operators/<name>.yaml) from a cluster's PackageManifest
    Import {
        /// The OLM package, as the cluster's PackageManifest names it
        package: String,
        /// The entry's catalog name [default: the package]
        #[arg(long)]
        name: Option<String>,
        /// Where the Subscription goes [default: openshift-operators for an operator that
        /// watches all namespaces, else the package name]
        #[arg(long)]
        namespace: Option<String>,
        /// The local catalog folder to write into
        #[arg(short = 'o', long = "out", default_value = "catalog")]
        out: PathBuf,
        /// The namespace of the cluster's CatalogSources
        #[arg(long, default_value = "openshift-marketplace")]
        marketplace: String,
        /// Overwrite an existing entry
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        cluster: super::cluster::ClusterArgs,
    },
    /// Compare the catalog (built-in and local) and a repo's Subscriptions with the cluster's
    /// PackageManifests: channels it does not offer, CSVs no longer current (exit 1: findings)
    Check {
        /// The repo whose Subscriptions (every kustomization, built) are checked too
        #[arg(long)]
        repo: Option<PathBuf>,
        /// The namespace of the cluster's CatalogSources
        #[arg(long, default_value = "openshift-marketplace")]
        marketplace: String,
        #[command(flatten)]
        cluster: super::cluster::ClusterArgs,
    },
}

impl Cmd {
    /// The repo whose own `catalog/` folder extends the catalog for this command.
    pub fn repo(&self) -> &Path {
        match self {
            Cmd::Bump { repo, .. } => repo,
            Cmd::Check {
                repo: Some(repo), ..
            } => repo,
            _ => Path::new("."),
        }
    }
}

pub fn run(cmd: &Cmd) -> Result<i32> {
    match cmd {
        Cmd::List { format } => list(*format),
        Cmd::Show { operator } => {
            let op = catalog::find(operator).map_err(anyhow::Error::msg)?;
            super::outln!("{}", show(op))?;
            Ok(0)
        }
        Cmd::Render {
            out,
            operators,
            layout,
            force,
        } => render_cmd(out, operators, *layout, *force),
        Cmd::Bump {
            operator,
            channel,
            csv,
            repo,
            path,
            allow_unknown_channel,
            dry_run,
            cert,
            templates,
            force,
        } => bump_cmd(
            operator,
            channel,
            csv.as_deref(),
            repo,
            path.as_deref(),
            *allow_unknown_channel,
            &SolutionFlags {
                cert: cert.as_deref(),
                templates: templates.as_deref(),
                force: *force,
                dry_run: *dry_run,
            },
        ),
        Cmd::Import {
            package,
            name,
            namespace,
            out,
            marketplace,
            force,
            cluster,
        } => import_cmd(
            package,
            name.as_deref(),
            namespace.as_deref(),
            out,
            marketplace,
            *force,
            cluster,
        ),
        Cmd::Check {
            repo,
            marketplace,
            cluster,
        } => check_cmd(repo.as_deref(), marketplace, cluster),
    }
}

fn package_manifests() -> manifesto::cluster::requests::ApiResource {
    manifesto::cluster::requests::ApiResource {
        group: import::GROUP.into(),
        version: import::VERSION.into(),
        kind: "PackageManifest".into(),
        plural: "packagemanifests".into(),
        namespaced: true,
        listable: true,
    }
}

fn import_cmd(
    package: &str,
    name: Option<&str>,
    namespace: Option<&str>,
    out: &Path,
    marketplace: &str,
    force: bool,
    cluster: &super::cluster::ClusterArgs,
) -> Result<i32> {
    manifesto::names::dns_subdomain(package)
        .map_err(|e| anyhow::anyhow!("package {package:?}: {e}"))?;
    // An entry for the same package keeps its name, so the import replaces it.
    let known = catalog::operators()
        .iter()
        .find(|o| o.is_olm() && o.package == package)
        .map(|o| o.name.clone());
    let name = name
        .map(str::to_string)
        .or(known)
        .unwrap_or_else(|| package.to_string());
    let name = name.as_str();
    manifesto::names::dns_label(name, 63).map_err(|e| anyhow::anyhow!("--name {name:?}: {e}"))?;
    let rel = format!("operators/{name}.yaml");
    let target = write::safe_join(out, &rel)?;
    if target.exists() && !force {
        bail!(
            "{}: exists; use --force to replace it with what the cluster says",
            target.display()
        );
    }
    let c = super::cluster::connect(cluster)?;
    let pm = c
        .get_object(&package_manifests(), marketplace, package)?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "the cluster has no PackageManifest {package} in {marketplace} (is its CatalogSource installed?)"
            )
        })?;
    let text = import::entry_from(&pm, name, namespace.unwrap_or(""))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // What is written must load as a catalog entry, with the same checks as every other.
    let op =
        catalog::load_entry(&target.display().to_string(), &text).map_err(anyhow::Error::msg)?;
    let mut plan = write::Plan::new(out);
    plan.add(&rel, text.as_bytes())?;
    plan.commit()?;
    super::outln!(
        "wrote {} ({} channels, default {})",
        target.display(),
        op.channels.len(),
        op.default_channel
    )?;
    Ok(0)
}

fn check_cmd(
    repo: Option<&Path>,
    marketplace: &str,
    cluster: &super::cluster::ClusterArgs,
) -> Result<i32> {
    let c = super::cluster::connect(cluster)?;
    let pms = c.list(&[(package_manifests(), Some(marketplace.to_string()))])?;
    let by_pkg = |pkg: &str| {
        pms.iter().find(|p| {
            let n = manifesto::yaml::str_at(p, &["status", "packageName"]);
            n == pkg || (n.is_empty() && manifesto::yaml::str_at(p, &["metadata", "name"]) == pkg)
        })
    };
    let mut findings = Vec::new();
    for op in catalog::operators().iter().filter(|o| o.is_olm()) {
        match by_pkg(&op.package) {
            None => findings.push(format!(
                "{}: package {} is not offered by the cluster",
                op.file, op.package
            )),
            Some(pm) => findings.extend(
                import::compare(op, pm)
                    .into_iter()
                    .map(|f| format!("{}: {}: {f}", op.file, op.name)),
            ),
        }
    }
    if let Some(root) = repo {
        for (file, sub) in repo_subscriptions(root)? {
            let pkg = manifesto::yaml::str_at(&sub, &["spec", "name"]);
            let channel = manifesto::yaml::str_at(&sub, &["spec", "channel"]);
            let csv = manifesto::yaml::str_at(&sub, &["spec", "startingCSV"]);
            match by_pkg(pkg) {
                None => findings.push(format!(
                    "{file}: Subscription to {pkg}: the cluster offers no such package"
                )),
                Some(pm) => findings.extend(
                    import::compare_subscription(channel, csv, pm)
                        .into_iter()
                        .map(|f| format!("{file}: {f}")),
                ),
            }
        }
    }
    for f in &findings {
        super::outln!("{f}")?;
    }
    eprintln!(
        "{} finding(s) against {} PackageManifest(s)",
        findings.len(),
        pms.len()
    );
    Ok(if findings.is_empty() { 0 } else { 1 })
}

/// The Subscriptions every kustomization of a repo renders (offline), with the folder.
fn repo_subscriptions(root: &Path) -> Result<Vec<(String, manifesto::yaml::Value)>> {
    use manifesto::kustomize::{load::fs::RealFs, target};
    let opts = target::BuildOptions {
        remote: manifesto::kustomize::load::remote::Settings {
            cache_dir: None,
            offline: true,
        },
        ..Default::default()
    };
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for e in walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .flatten()
    {
        let n = e.file_name().to_string_lossy();
        if !matches!(
            n.as_ref(),
            "kustomization.yaml" | "kustomization.yml" | "Kustomization"
        ) {
            continue;
        }
        let dir = e.path().parent().unwrap_or(root);
        let built = target::build(&RealFs, dir, &opts)
            .map_err(|err| anyhow::anyhow!("{}: {err}", dir.display()))?;
        for r in &built.resources {
            let obj = &r.obj;
            if manifesto::yaml::str_at(obj, &["kind"]) == "Subscription"
                && manifesto::yaml::str_at(obj, &["apiVersion"])
                    .starts_with("operators.coreos.com/")
            {
                let key = (
                    dir.display().to_string(),
                    manifesto::yaml::str_at(obj, &["spec", "name"]).to_string(),
                );
                if seen.insert(key) {
                    out.push((dir.display().to_string(), obj.clone()));
                }
            }
        }
    }
    Ok(out)
}

fn list(format: ListFormat) -> Result<i32> {
    let ops = catalog::operators();
    if format == ListFormat::Json {
        let v: Vec<serde_json::Value> = ops
            .iter()
            .map(|o| {
                serde_json::json!({"name": o.name, "displayName": o.display_name, "package": o.package,
                    "source": o.source, "namespace": o.namespace, "defaultChannel": o.default_channel,
                    "file": o.file, "local": o.origin == catalog::Origin::Local,
                    "channels": o.channels.iter().map(|c| c.name.clone()).collect::<Vec<_>>()})
            })
            .collect();
        super::outln!("{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(0);
    }
    let w = ops.iter().map(|o| o.name.len()).max().unwrap_or(4).max(4);
    let p = ops
        .iter()
        .map(|o| o.package.len())
        .max()
        .unwrap_or(7)
        .max(7);
    super::outln!(
        "{:w$}  {:p$}  {:16}  DISPLAY NAME",
        "NAME",
        "PACKAGE",
        "DEFAULT CHANNEL"
    )?;
    for o in ops {
        super::outln!(
            "{:w$}  {:p$}  {:16}  {}",
            o.name,
            o.package,
            o.default_channel,
            o.display_name
        )?;
    }
    Ok(0)
}

fn show(op: &catalog::Operator) -> String {
    let install = match &op.install {
        catalog::Install::Olm => format!(
            "package: {}\nsource: {} ({})\ninstall: {:?} in {}\n",
            op.package, op.source, op.source_namespace, op.install_mode, op.namespace
        ),
        catalog::Install::Manifest { url, .. } => {
            format!("install: release manifest {url}, in {}\n", op.namespace)
        }
    };
    let mut s = format!(
        "name: {}\ndisplay name: {}\nfile: {}\n{install}default channel: {}\nchannels:\n",
        op.name, op.display_name, op.file, op.default_channel
    );
    for c in &op.channels {
        let mut extra = Vec::new();
        if let Some(v) = &c.csv {
            extra.push(format!("head CSV {v}"));
        }
        if let Some(f) = &c.follows {
            extra.push(format!("leads to {f}"));
        }
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(" ({})", extra.join(", "))
        };
        s.push_str(&format!("  - {}{extra}\n", c.name));
    }
    s.push_str("provides:\n");
    for a in &op.provides {
        let range = match (&a.since, &a.until) {
            (None, None) => String::new(),
            (Some(f), None) => format!(" (from {f})"),
            (None, Some(u)) => format!(" (up to {u})"),
            (Some(f), Some(u)) => format!(" ({f} to {u})"),
        };
        s.push_str(&format!(
            "  - {}/{}: {}{range}\n",
            a.group,
            a.version,
            a.kinds.join(", ")
        ));
    }
    if !op.operands.is_empty() {
        s.push_str("operand defaults:\n");
        for d in &op.operands {
            let fields: Vec<String> = [
                ("version", &d.version),
                ("license", &d.license),
                ("use", &d.license_use),
                ("kafkaVersion", &d.kafka_version),
            ]
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
            .collect();
            s.push_str(&format!("  - {}: {}\n", d.channel, fields.join(", ")));
        }
    }
    s.push_str("sources:\n");
    for src in &op.sources {
        s.push_str(&format!(
            "  - {}\n    backs: {}\n    says: {}\n",
            src.reference,
            src.backs.join(", "),
            src.says
        ));
    }
    if let Some(n) = &op.notes {
        s.push_str(&format!(
            "notes:\n  {}\n",
            n.trim_end().replace('\n', "\n  ")
        ));
    }
    s.trim_end().to_string()
}

fn render_cmd(out: &Path, names: &[String], layout: LayoutArg, force: bool) -> Result<i32> {
    let layout = match layout {
        LayoutArg::Cop => render::Layout::Cop,
        LayoutArg::Eda => render::Layout::Eda,
    };
    let mut ops = Vec::new();
    for n in names {
        ops.push(catalog::find(n).map_err(anyhow::Error::msg)?);
    }
    let files = render::render(&ops, layout);
    // Finish an interrupted earlier run first, so what is read below is what it wrote.
    write::recover(out)?;
    // Read what is there once (nothing, for a new output folder), check everything, then write.
    let fresh = !out.exists();
    let existing: Vec<Option<String>> = files
        .iter()
        .map(|(rel, _)| {
            if fresh {
                None
            } else {
                std::fs::read_to_string(out.join(rel)).ok()
            }
        })
        .collect();
    let conflicts: Vec<String> = files
        .iter()
        .zip(&existing)
        .filter(|((_, content), old)| old.as_ref().is_some_and(|o| o != content) && !force)
        .map(|((rel, _), _)| out.join(rel).display().to_string())
        .collect();
    if !conflicts.is_empty() {
        bail!(
            "these files differ from what would be written (edited?); use --force to overwrite:\n  {}",
            conflicts.join("\n  ")
        );
    }
    let mut plan = write::Plan::new(out);
    for ((rel, content), old) in files.iter().zip(&existing) {
        if old.as_ref() != Some(content) {
            plan.add(rel, content.as_bytes())?;
        }
    }
    let written = plan.len();
    plan.commit()?;
    eprintln!(
        "{} files in {} ({written} written)",
        files.len(),
        out.display()
    );
    Ok(0)
}

/// Reads the repo's text files (YAML and kustomizations), skipping VCS and build folders.
fn read_repo(root: &Path) -> Result<bump::Repo> {
    let mut repo = BTreeMap::new();
    for e in walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let n = e.file_name().to_string_lossy();
            !(e.file_type().is_dir() && (n == ".git" || n == "target" || n == "node_modules"))
        })
    {
        let e = e.with_context(|| format!("reading {}", root.display()))?;
        if !e.file_type().is_file() {
            continue;
        }
        let rel = e
            .path()
            .strip_prefix(root)
            .unwrap_or(e.path())
            .to_string_lossy()
            .replace('\\', "/");
        let in_scope = rel.ends_with(".yaml")
            || rel.ends_with(".yml")
            || rel.ends_with("/Kustomization")
            || rel == "Kustomization";
        if !in_scope {
            continue;
        }
        // Unreadable or non-UTF-8 files are not YAML that bump could edit; skip them.
        if let Ok(bytes) = write::read_regular(e.path(), write::MAX_INPUT)
            && let Ok(text) = String::from_utf8(bytes)
        {
            repo.insert(rel, text);
        }
    }
    Ok(repo)
}

/// What a bump in a scaffolded solution repo needs beyond the catalog bump's flags.
pub struct SolutionFlags<'a> {
    pub cert: Option<&'a Path>,
    pub templates: Option<&'a Path>,
    pub force: bool,
    pub dry_run: bool,
}

/// A repo `scaffold` wrote: the spec is the source of truth. Edit its channel, then generate
/// the repo again from it, so that the operator's overlay pointer and everything made from
/// the channel (API versions, operand versions and licenses) move with it, through the same
/// checks as a scaffold run: files edited since are kept unless `--force`.
fn bump_solution_repo(
    op: &catalog::Operator,
    channel: &str,
    csv: Option<&str>,
    root: &Path,
    spec_path: &Path,
    flags: &SolutionFlags,
) -> Result<i32> {
    if csv.is_some() {
        bail!(
            "{}: --csv pins a CSV in a catalog repo; a scaffolded repo follows the channel's head (drop --csv)",
            root.display()
        );
    }
    if op.channel(channel).is_none() {
        let known: Vec<&str> = op.channels.iter().map(|c| c.name.as_str()).collect();
        bail!(
            "{}: channel {channel:?} is not a known channel of {} ({}); a scaffolded repo needs the channel in the catalog: add it to a local entry, catalog/operators/{}.yaml in the repo (see `manifesto catalog show {}`)",
            root.display(),
            op.name,
            known.join(", "),
            op.name,
            op.name
        );
    }
    let text = super::read_text(spec_path)?;
    let new_spec = bump::bump_solution(&text, op, channel);
    if !bump::solution_lists(&text, op) {
        bail!(
            "{}: the solution spec has no operator {} under spec.operators",
            spec_path.display(),
            op.name
        );
    }
    let spec_text = new_spec.clone().unwrap_or_else(|| text.clone());
    let (files, fingerprint, _) = super::scaffold::generate_from(
        &spec_text,
        &spec_path.display().to_string(),
        root,
        flags.cert,
        flags.templates,
    )?;
    let opts = super::scaffold::ApplyOptions {
        dry_run: flags.dry_run,
        force: flags.force,
        reseal: false,
        keep_unlisted: true,
    };
    let extra = new_spec
        .map(|t| vec![("solution.yaml".to_string(), t)])
        .unwrap_or_default();
    super::scaffold::apply(root, files, &fingerprint, &opts, extra)
}

fn bump_cmd(
    operator: &str,
    channel: &str,
    csv: Option<&str>,
    root: &Path,
    path: Option<&str>,
    allow_unknown_channel: bool,
    extra: &SolutionFlags,
) -> Result<i32> {
    let dry_run = extra.dry_run;
    let op = catalog::find(operator).map_err(anyhow::Error::msg)?;
    // The channel becomes a folder name and a YAML value: refuse what could be neither.
    manifesto::names::olm_channel(channel)
        .map_err(|e| anyhow::anyhow!("channel {channel:?}: {e}"))?;
    if let Some(c) = csv {
        manifesto::names::dns_subdomain(c).map_err(|e| anyhow::anyhow!("--csv {c:?}: {e}"))?;
    }
    if !root.is_dir() {
        bail!(
            "{}: not a folder (--repo names the catalog or solution repo)",
            root.display()
        );
    }
    super::finish_interrupted(root, dry_run, "bump")?;
    let spec_path = root.join("solution.yaml");
    if super::scaffold::is_scaffolded(root) {
        if !spec_path.is_file() {
            bail!(
                "{}: made by manifesto scaffold, but its solution.yaml is missing: put the spec there (the bump edits it and generates the repo again)",
                root.display()
            );
        }
        return bump_solution_repo(op, channel, csv, root, &spec_path, extra);
    }
    let repo = read_repo(root)?;
    let req = bump::Request {
        op,
        channel,
        csv,
        allow_unknown_channel,
        path,
    };
    let changes =
        bump::plan(&repo, &req).map_err(|e| anyhow::anyhow!("{}: {e}", root.display()))?;
    if changes.is_empty() {
        eprintln!(
            "{} is already on channel {channel}; nothing to change",
            op.name
        );
        return Ok(0);
    }
    if dry_run {
        for c in &changes {
            super::print_diff(&c.path, c.before.as_deref(), &c.after)?;
        }
        // Exit 1: there are differences (what a real run would change).
        return Ok(1);
    }
    let mut plan = write::Plan::new(root);
    for c in &changes {
        plan.add(&c.path, c.after.as_bytes())?;
    }
    plan.commit()?;
    for c in &changes {
        super::outln!(
            "{} {}",
            if c.before.is_some() {
                "changed"
            } else {
                "created"
            },
            c.path
        )?;
    }
    Ok(0)
}
